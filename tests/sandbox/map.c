/* map.c: a string-keyed hash map, open addressing with linear probing and
 * backward-shift deletion (no tombstones), grown at 70% load. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <stdlib.h>
#include <string.h>

static uint64_t
map_hash(const char *key)
{
	uint64_t h = sbx_hash64(key, strlen(key), 0);

	return h ? h : 1;
}

/* Slot index of key, or of the empty slot where it would go. */
static size_t
map_find(const struct sbx_map *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)h & mask;

	while (m->slots[i].key != NULL) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static int
map_grow(struct sbx_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct sbx_map_slot *ns = calloc(ncap, sizeof *ns);
	size_t i;

	if (ns == NULL)
		return SC_ENOMEM;
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (m->slots[i].key == NULL)
			continue;
		j = (size_t)m->slots[i].hash & (ncap - 1);
		while (ns[j].key != NULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int
sbx_map_put(struct sbx_map *m, const char *key, void *val, void **old_out)
{
	uint64_t h = map_hash(key);
	size_t i;
	int rc;

	if (old_out)
		*old_out = NULL;
	if ((m->len + 1) * 10 > m->cap * 7 && (rc = map_grow(m)) < 0)
		return rc;
	i = map_find(m, key, h);
	if (m->slots[i].key != NULL) {
		if (old_out)
			*old_out = m->slots[i].val;
		m->slots[i].val = val;
		return 0;
	}
	m->slots[i].key = strdup(key);
	if (m->slots[i].key == NULL)
		return SC_ENOMEM;
	m->slots[i].hash = h;
	m->slots[i].val = val;
	m->len++;
	return 0;
}

void *
sbx_map_get(const struct sbx_map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = map_find(m, key, map_hash(key));
	return m->slots[i].key != NULL ? m->slots[i].val : NULL;
}

void *
sbx_map_del(struct sbx_map *m, const char *key)
{
	size_t mask, i, j;
	void *val;

	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	i = map_find(m, key, map_hash(key));
	if (m->slots[i].key == NULL)
		return NULL;
	val = m->slots[i].val;
	free(m->slots[i].key);
	m->slots[i].key = NULL;
	m->len--;
	/* Shift back the entries of the run that follows, when allowed. */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (m->slots[j].key == NULL)
			break;
		home = (size_t)m->slots[j].hash & mask;
		/* Move j to i unless home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return val;
}

void
sbx_map_free(struct sbx_map *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		free(m->slots[i].key);
		if (free_val)
			free_val(m->slots[i].val);
	}
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}
