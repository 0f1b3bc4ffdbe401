/*
 * map.c: the adapter's per-run caches: string -> two integers, open
 * addressing (FNV-1a, linear probing), grown at half full. Entries are never
 * removed.
 */
#include "adapters/tryton/tryton_int.h"

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

static struct tryton_map_slot *
map_slot(const struct tryton_map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = (size_t)map_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].key == NULL || strcmp(m->slots[i].key, key) == 0)
			return &m->slots[i];
}

int
tryton__map_get(const struct tryton_map *m, const char *key, int64_t *a, int64_t *b)
{
	const struct tryton_map_slot *s = map_slot(m, key);

	if (s == NULL || s->key == NULL)
		return 0;
	if (a != NULL)
		*a = s->a;
	if (b != NULL)
		*b = s->b;
	return 1;
}

static int
map_grow(struct tryton_map *m)
{
	struct tryton_map old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->n = 0;
	if ((m->slots = calloc(m->cap, sizeof(*m->slots))) == NULL) {
		*m = old;
		return SC_ENOMEM;
	}
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].key != NULL) {
			struct tryton_map_slot *s = map_slot(m, old.slots[i].key);
			*s = old.slots[i];
			m->n++;
		}
	}
	free(old.slots);
	return 0;
}

int
tryton__map_put(struct tryton_map *m, const char *key, int64_t a, int64_t b)
{
	struct tryton_map_slot *s;

	if ((m->n + 1) * 2 > m->cap && map_grow(m) < 0)
		return SC_ENOMEM;
	s = map_slot(m, key);
	if (s->key == NULL) {
		if ((s->key = strdup(key)) == NULL)
			return SC_ENOMEM;
		m->n++;
	}
	s->a = a;
	s->b = b;
	return 0;
}

void
tryton__map_free(struct tryton_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
