/*
 * suiteql.c: SuiteQL lookups and their per-run caches.
 *
 * POST /services/rest/query/v1/suiteql?limit=1000&offset=N with
 * `Prefer: transient` and {"q":"..."}; a page is {"links","count","hasMore",
 * "items":[{"links":[],"col":"..."}],"offset","totalResults"}; column names
 * come back lower case. Items are resolved by itemid (the SKU), the unknown
 * SKUs of one order in one query; currencies once per run from
 * `SELECT id, symbol FROM currency` (symbol is the ISO code). Results go
 * into the caches under cache_lock; queries run without it (two threads may
 * look the same SKU up at once; both write the same answer).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/jsonutil.h"

#define SUITEQL_LIMIT 1000
#define SUITEQL_MAX_PAGES 100      /* NetSuite stops at 100,000 rows anyway */
#define ITEMS_PER_QUERY 200

void
netsuite__pairs_free(struct netsuite_pairs *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	p->v = NULL;
	p->n = p->alloc = 0;
}

static int
pairs_add(struct netsuite_pairs *p, const char *key, const char *value)
{
	struct netsuite_pair e;

	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 32;
		struct netsuite_pair *nv = realloc(p->v, na * sizeof(*nv));
		if (nv == NULL)
			return SC_ENOMEM;
		p->v = nv;
		p->alloc = na;
	}
	e.key = strdup(key);
	e.value = strdup(value);
	if (e.key == NULL || e.value == NULL) {
		free(e.key);
		free(e.value);
		return SC_ENOMEM;
	}
	p->v[p->n++] = e;
	return 0;
}

/* Text of a string or integer column, else NULL. */
static const char *
column_text(json_object *row, const char *col)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(row, col, &v) || v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int))
		return json_object_get_string(v);
	return NULL;
}

int
netsuite__suiteql_parse(struct netsuite_pairs *out, int *more, size_t *count,
                        const char *body, size_t len, const char *key_col,
                        const char *val_col, struct sc_error *err)
{
	json_object *root = NULL, *items = NULL;
	int has_more = 0, rc;
	size_t i, n;

	*more = 0;
	*count = 0;
	if ((rc = json_parse_buf(&root, body, len, err)) < 0)
		goto done;
	if (!json_object_is_type(root, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED, "SuiteQL response is not a JSON object");
		goto done;
	}
	if ((rc = json_get_array(root, "items", &items, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "SuiteQL response has no items");
		goto done;
	}
	if ((rc = json_get_bool(root, "hasMore", &has_more, err)) < 0)
		goto done;
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(items, i);
		const char *k, *v;
		if (!json_object_is_type(row, json_type_object)) {
			rc = sc_error_set(err, SC_EMALFORMED,
			                  "SuiteQL response: items[%zu] is not an object", i);
			goto done;
		}
		k = column_text(row, key_col);
		v = column_text(row, val_col);
		if (k == NULL || v == NULL)
			continue;
		if ((rc = pairs_add(out, k, v)) < 0) {
			sc_error_set(err, rc, "SuiteQL response: out of memory");
			goto done;
		}
	}
	*more = has_more;
	*count = n;
	rc = 0;
done:
	json_object_put(root);
	return rc;
}

int
netsuite__suiteql_run(struct netsuite *ns, const char *query, const char *key_col,
                      const char *val_col, struct netsuite_pairs *out, struct sc_error *err)
{
	struct netsuite_call call;
	struct http_response resp;
	struct buf body, url;
	size_t offset = 0, count = 0;
	int more = 1, page, rc = 0;

	memset(&resp, 0, sizeof(resp));
	buf_init(&body, 0);
	buf_init(&url, 0);
	if ((rc = buf_puts(&body, "{\"q\":\"")) < 0 || (rc = buf_json_escape(&body, query)) < 0 ||
	    (rc = buf_puts(&body, "\"}")) < 0) {
		sc_error_set(err, rc, "SuiteQL: out of memory");
		goto done;
	}
	for (page = 0; more && page < SUITEQL_MAX_PAGES; page++) {
		buf_reset(&url);
		if ((rc = buf_printf(&url, "%s/services/rest/query/v1/suiteql?limit=%d&offset=%zu",
		                     ns->base_url, SUITEQL_LIMIT, offset)) < 0) {
			sc_error_set(err, rc, "SuiteQL: out of memory");
			goto done;
		}
		memset(&call, 0, sizeof(call));
		call.method = "POST";
		call.url = buf_cstr(&url);
		call.body = body.data;
		call.body_len = body.len;
		call.op = "suiteql";
		call.prefer = "transient";
		call.idempotent = 1;
		if ((rc = netsuite__call(ns, &call, &resp, err)) < 0)
			goto done;
		if (resp.status != 200) {
			rc = netsuite__error_from_response(err, &resp, "SuiteQL query");
			goto done;
		}
		if ((rc = netsuite__suiteql_parse(out, &more, &count, resp.body.data, resp.body.len,
		                                  key_col, val_col, err)) < 0) {
			sc_error_prefix(err, "NetSuite SuiteQL");
			goto done;
		}
		http_response_free(&resp);
		memset(&resp, 0, sizeof(resp));
		if (count == 0)
			break;
		offset += count;
	}
done:
	http_response_free(&resp);
	buf_free(&body);
	buf_free(&url);
	return rc;
}

int
netsuite__item_query(struct buf *out, const char *const *skus, size_t n)
{
	size_t i;
	const char *p;
	int rc;

	if ((rc = buf_puts(out, "SELECT id, itemid FROM item WHERE itemid IN (")) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = buf_puts(out, i > 0 ? ", '" : "'")) < 0)
			return rc;
		for (p = skus[i]; *p != '\0'; p++)
			if ((rc = buf_append(out, p, 1)) < 0 ||
			    (*p == '\'' && (rc = buf_append(out, "'", 1)) < 0))
				return rc;
		if ((rc = buf_puts(out, "'")) < 0)
			return rc;
	}
	return buf_puts(out, ")");
}

int
netsuite__currency_resolve(struct netsuite *ns, const char *code, char *out, size_t n,
                           struct sc_error *err)
{
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	const char *id = NULL;
	int loaded, found = 0, rc = 0;
	size_t i;

	pthread_mutex_lock(&ns->cache_lock);
	loaded = ns->currencies_loaded;
	if (loaded && netsuite__map_get(&ns->currencies, code, &id) == 1) {
		snprintf(out, n, "%s", id);
		found = 1;
	}
	pthread_mutex_unlock(&ns->cache_lock);
	if (found)
		return 0;
	if (!loaded) {
		if ((rc = netsuite__suiteql_run(ns, "SELECT id, symbol FROM currency", "symbol", "id",
		                                &pairs, err)) < 0)
			goto done;
		pthread_mutex_lock(&ns->cache_lock);
		for (i = 0; i < pairs.n && rc == 0; i++)
			rc = netsuite__map_put(&ns->currencies, pairs.v[i].key, pairs.v[i].value);
		if (rc == 0)
			ns->currencies_loaded = 1;
		if (rc == 0 && netsuite__map_get(&ns->currencies, code, &id) == 1) {
			snprintf(out, n, "%s", id);
			found = 1;
		}
		pthread_mutex_unlock(&ns->cache_lock);
		if (rc < 0) {
			sc_error_set(err, rc, "NetSuite currencies: out of memory");
			goto done;
		}
	}
	if (!found)
		rc = sc_error_set(err, SC_EINVALID,
		                  "currency %s: NetSuite has no currency with symbol %s "
		                  "(enable it under Lists > Accounting > Currencies)", code, code);
done:
	netsuite__pairs_free(&pairs);
	return rc;
}

void
netsuite__strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *
sku_of(const struct order_line *l)
{
	return l->erp_sku != NULL && l->erp_sku[0] != '\0' ? l->erp_sku : l->sku;
}

/* Look the `n` unknown SKUs up (in batches) and cache what NetSuite knows. */
static int
items_fetch(struct netsuite *ns, const char *const *skus, size_t n, struct sc_error *err)
{
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	struct buf q;
	size_t start, i, j;
	int rc = 0;

	buf_init(&q, 0);
	for (start = 0; start < n && rc == 0; start += ITEMS_PER_QUERY) {
		size_t cnt = n - start < ITEMS_PER_QUERY ? n - start : ITEMS_PER_QUERY;
		buf_reset(&q);
		if ((rc = netsuite__item_query(&q, skus + start, cnt)) < 0) {
			sc_error_set(err, rc, "SuiteQL: out of memory");
			break;
		}
		rc = netsuite__suiteql_run(ns, buf_cstr(&q), "itemid", "id", &pairs, err);
	}
	if (rc < 0)
		goto done;
	/* an itemid held by two items would post to either: refuse it */
	for (i = 0; i < pairs.n; i++)
		for (j = i + 1; j < pairs.n; j++)
			if (strcmp(pairs.v[i].key, pairs.v[j].key) == 0 &&
			    strcmp(pairs.v[i].value, pairs.v[j].value) != 0) {
				rc = sc_error_set(err, SC_EINVALID,
				    "SKU %s: NetSuite items %s and %s both have this itemid",
				                  pairs.v[i].key, pairs.v[i].value, pairs.v[j].value);
				goto done;
			}
	pthread_mutex_lock(&ns->cache_lock);
	for (i = 0; i < pairs.n && rc == 0; i++)
		rc = netsuite__map_put(&ns->items, pairs.v[i].key, pairs.v[i].value);
	pthread_mutex_unlock(&ns->cache_lock);
	if (rc < 0)
		sc_error_set(err, rc, "NetSuite items: out of memory");
done:
	buf_free(&q);
	netsuite__pairs_free(&pairs);
	return rc;
}

int
netsuite__items_resolve(struct netsuite *ns, const struct order *o, char ***out,
                        struct sc_error *err)
{
	const char **unknown = NULL;
	char **ids = NULL;
	size_t nunknown = 0, i, j;
	const char *id = NULL;
	int rc = 0, pass;

	*out = NULL;
	ids = calloc(o->nlines ? o->nlines : 1, sizeof(*ids));
	unknown = calloc(o->nlines ? o->nlines : 1, sizeof(*unknown));
	if (ids == NULL || unknown == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	/* pass 0: the cache; then one lookup of what it lacks; pass 1: again */
	for (pass = 0; pass < 2; pass++) {
		pthread_mutex_lock(&ns->cache_lock);
		for (i = 0; i < o->nlines && rc == 0; i++) {
			const char *sku = sku_of(&o->lines[i]);
			if (ids[i] != NULL)
				continue;
			if (sku == NULL) {
				rc = sc_error_set(err, SC_EINVALID, "order %s: line %zu has no SKU",
				                  o->id, i + 1);
				break;
			}
			if (netsuite__map_get(&ns->items, sku, &id) == 1) {
				ids[i] = strdup(id);
				if (ids[i] == NULL)
					rc = sc_error_set(err, SC_ENOMEM, "out of memory");
				continue;
			}
			if (pass == 1) {
				rc = sc_error_set(err, SC_EINVALID,
				                  "unknown SKU %s: no NetSuite item has itemid %s "
				                  "(map it in [sku_map])", sku, sku);
				break;
			}
			for (j = 0; j < nunknown && strcmp(unknown[j], sku) != 0; j++)
				;
			if (j == nunknown)
				unknown[nunknown++] = sku;
		}
		pthread_mutex_unlock(&ns->cache_lock);
		if (rc < 0 || nunknown == 0)
			break;
		if (pass == 0 && (rc = items_fetch(ns, unknown, nunknown, err)) < 0)
			break;
	}
	if (rc == 0) {
		*out = ids;
		ids = NULL;
	}
done:
	netsuite__strv_free(ids, o->nlines);
	free(unknown);
	return rc;
}
