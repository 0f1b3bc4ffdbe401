/* sku_map.c: see sku_map.h. A sorted array searched with bsearch. */
#include "mapping/sku_map.h"

#include <stdlib.h>
#include <string.h>

struct sku_pair {
	char *sku;
	char *item;
};

struct sku_map {
	struct sku_pair *pairs;
	size_t n, alloc;
	struct sc_error *err;
	const struct conf_section *s;
};

static int
pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sku_pair *)a)->sku,
	              ((const struct sku_pair *)b)->sku);
}

static int
add_pair(const char *key, const char *value, int line, void *ud)
{
	struct sku_map *m = ud;
	struct sku_pair *np;

	(void)line;
	if (value[0] == '\0')
		return conf_error(m->s, key, m->err, SC_EINVALID, "empty ERP item");
	if (m->n == m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 16;
		if ((np = realloc(m->pairs, na * sizeof(*np))) == NULL)
			return sc_error_set(m->err, SC_ENOMEM, "out of memory");
		m->pairs = np;
		m->alloc = na;
	}
	m->pairs[m->n].sku = strdup(key);
	m->pairs[m->n].item = strdup(value);
	if (m->pairs[m->n].sku == NULL || m->pairs[m->n].item == NULL) {
		free(m->pairs[m->n].sku);
		free(m->pairs[m->n].item);
		return sc_error_set(m->err, SC_ENOMEM, "out of memory");
	}
	m->n++;
	return 0;
}

int
sku_map_load(struct sku_map **out, const struct conf_section *s, struct sc_error *err)
{
	struct sku_map *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (m == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	m->err = err;
	m->s = s;
	if ((rc = conf_each(s, add_pair, m)) < 0) {
		sku_map_free(m);
		return rc;
	}
	if (m->n > 0)
		qsort(m->pairs, m->n, sizeof(*m->pairs), pair_cmp);
	m->err = NULL;
	m->s = NULL;
	*out = m;
	return 0;
}

const char *
sku_map_lookup(const struct sku_map *m, const char *sku)
{
	struct sku_pair key, *hit;

	if (m == NULL || m->n == 0 || sku == NULL)
		return NULL;
	key.sku = (char *)sku;
	key.item = NULL;
	hit = bsearch(&key, m->pairs, m->n, sizeof(*m->pairs), pair_cmp);
	return hit != NULL ? hit->item : NULL;
}

size_t
sku_map_count(const struct sku_map *m)
{
	return m != NULL ? m->n : 0;
}

void
sku_map_free(struct sku_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->pairs[i].sku);
		free(m->pairs[i].item);
	}
	free(m->pairs);
	free(m);
}
