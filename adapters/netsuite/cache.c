/*
 * cache.c: the string -> string maps behind the per-run caches (items by
 * itemid, currencies by ISO code, customers by external id).
 *
 * Open addressing with linear probing, FNV-1a, grown at half load. No
 * deletion: a run only learns. Not locked here: callers hold cache_lock.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t
map_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Slot index of key, or of the empty slot where it would go. */
static size_t
map_find(const struct netsuite_map *m, const char *key)
{
	size_t i = (size_t)(map_hash(key) & (m->cap - 1));

	while (m->slots[i].key != NULL && strcmp(m->slots[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int
netsuite__map_get(const struct netsuite_map *m, const char *key, const char **out)
{
	size_t i;

	if (m->cap == 0 || key == NULL)
		return 0;
	i = map_find(m, key);
	if (m->slots[i].key == NULL)
		return 0;
	*out = m->slots[i].value;
	return 1;
}

static int
map_grow(struct netsuite_map *m)
{
	struct netsuite_map bigger = { NULL, 0, 0 };
	size_t i, j;

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (bigger.slots == NULL)
		return SC_ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		j = map_find(&bigger, m->slots[i].key);
		bigger.slots[j] = m->slots[i];
	}
	bigger.n = m->n;
	free(m->slots);
	*m = bigger;
	return 0;
}

int
netsuite__map_put(struct netsuite_map *m, const char *key, const char *value)
{
	char *k = NULL, *v = NULL;
	size_t i;
	int rc = SC_ENOMEM;

	if ((m->n + 1) * 2 > m->cap && (rc = map_grow(m)) < 0)
		return rc;
	v = strdup(value);
	if (v == NULL)
		return SC_ENOMEM;
	i = map_find(m, key);
	if (m->slots[i].key != NULL) {
		free(m->slots[i].value);
		m->slots[i].value = v;
		return 0;
	}
	k = strdup(key);
	if (k == NULL) {
		free(v);
		return SC_ENOMEM;
	}
	m->slots[i].key = k;
	m->slots[i].value = v;
	m->n++;
	return 0;
}

void
netsuite__map_free(struct netsuite_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
		free(m->slots[i].value);
	}
	free(m->slots);
	m->slots = NULL;
	m->n = m->cap = 0;
}
