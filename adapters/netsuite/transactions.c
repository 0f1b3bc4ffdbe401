/*
 * transactions.c: reading NetSuite transactions back, for refund.c (the
 * read-back after a transform, the source record's lines) and changes.c
 * (refunds made in NetSuite).
 *
 * GET /services/rest/record/v1/{type}/{id}?expandSubResources=true gives the
 * record with its sublists as {"items":[...]}: `item` lines carry
 * {"item":{"id"},"quantity","rate","amount"}; a customerRefund's `apply`
 * lines {"doc":{"id"},"apply":true,"amount"} [U: NETSUITE.md marks
 * customerRefund's REST keys unconfirmed]. References may hold their id as a
 * string or a number. Amounts are read from the JSON number's text at the
 * currency's exponent (json_get_amount), never through a double; quantities
 * at exponent 0 ("2.0" is 2; a fractional quantity is refused).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/jsonutil.h"

int
netsuite__all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The "id" of reference `key` (string or integer) into out; 1, or 0 absent. */
static int
ref_text(json_object *o, const char *key, char *out, size_t n)
{
	json_object *ref = json_path(o, key), *id = NULL;
	const char *t;

	out[0] = '\0';
	if (ref == NULL)
		return 0;
	if (json_object_is_type(ref, json_type_object)) {
		if (!json_object_object_get_ex(ref, "id", &id))
			return 0;
		ref = id;
	}
	if (!json_object_is_type(ref, json_type_string) && !json_object_is_type(ref, json_type_int))
		return 0;
	t = json_object_get_string(ref);
	if (t == NULL || t[0] == '\0' || strlen(t) >= n)
		return 0;
	snprintf(out, n, "%s", t);
	return 1;
}

void
netsuite__txn_free(struct netsuite_txn *t)
{
	if (t == NULL)
		return;
	json_object_put(t->root);
	memset(t, 0, sizeof(*t));
}

/* The type in the self link ".../{type}/{id}". */
static void
self_type(struct netsuite_txn *t)
{
	json_object *links = NULL;
	const char *href = NULL, *end, *start;
	size_t i, n;

	if (!json_object_object_get_ex(t->root, "links", &links) ||
	    !json_object_is_type(links, json_type_array))
		return;
	n = json_object_array_length(links);
	for (i = 0; i < n && href == NULL; i++) {
		json_object *l = json_object_array_get_idx(links, i), *v = NULL;
		if (json_object_object_get_ex(l, "rel", &v) &&
		    strcmp(json_object_get_string(v), "self") == 0 &&
		    json_object_object_get_ex(l, "href", &v) && json_object_is_type(v, json_type_string))
			href = json_object_get_string(v);
	}
	if (href == NULL)
		return;
	end = href + strcspn(href, "?#");
	while (end > href && end[-1] != '/')
		end--;
	if (end == href)
		return;
	start = --end;
	while (start > href && start[-1] != '/')
		start--;
	if (end > start && (size_t)(end - start) < sizeof(t->self_type))
		snprintf(t->self_type, sizeof(t->self_type), "%.*s", (int)(end - start), start);
}

int
netsuite__txn_parse(struct netsuite_txn *out, const char *body, size_t len, struct sc_error *err)
{
	const char *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = json_parse_buf(&out->root, body, len, err)) < 0)
		goto fail;
	if (!json_object_is_type(out->root, json_type_object) ||
	    !ref_text(out->root, "id", out->id, sizeof(out->id))) {
		rc = sc_error_set(err, SC_EMALFORMED, "NetSuite record has no id");
		goto fail;
	}
	if (json_get_str(out->root, "externalId", &s, NULL) == 1 && strlen(s) < sizeof(out->external_id))
		snprintf(out->external_id, sizeof(out->external_id), "%s", s);
	if (json_get_str(out->root, "tranDate", &s, NULL) == 1)
		snprintf(out->tran_date, sizeof(out->tran_date), "%.10s", s);
	ref_text(out->root, "createdFrom", out->created_from, sizeof(out->created_from));
	ref_text(out->root, "currency", out->currency_id, sizeof(out->currency_id));
	self_type(out);
	return 0;
fail:
	netsuite__txn_free(out);
	return rc;
}

int
netsuite__txn_get(struct netsuite *ns, const char *type, const char *id,
                  struct netsuite_txn *out, struct sc_error *err)
{
	struct netsuite_call call;
	struct http_response resp;
	struct buf url;
	char what[160];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&resp, 0, sizeof(resp));
	buf_init(&url, 0);
	snprintf(what, sizeof(what), "read of %s %s", type, id);
	if ((rc = buf_printf(&url, "%s/services/rest/record/v1/%s/", ns->base_url, type)) < 0 ||
	    (rc = buf_url_encode(&url, id)) < 0 ||
	    (rc = buf_puts(&url, "?expandSubResources=true")) < 0) {
		sc_error_set(err, rc, "NetSuite %s: out of memory", what);
		goto done;
	}
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.url = buf_cstr(&url);
	call.op = "getRecord";
	call.idempotent = 1;
	if ((rc = netsuite__call(ns, &call, &resp, err)) < 0) {
		sc_error_prefix(err, "NetSuite %s", what);
		goto done;
	}
	if (resp.status == 404) {
		rc = 0;
		goto done;
	}
	if (resp.status != 200) {
		rc = netsuite__error_from_response(err, &resp, what);
		goto done;
	}
	if ((rc = netsuite__txn_parse(out, resp.body.data, resp.body.len, err)) < 0) {
		sc_error_prefix(err, "NetSuite %s", what);
		goto done;
	}
	rc = 1;
done:
	http_response_free(&resp);
	buf_free(&url);
	return rc;
}

/* The elements of sublist `key` ("item", "apply"); NULL when absent. */
static json_object *
sublist(const struct netsuite_txn *t, const char *key)
{
	json_object *sub = json_path(t->root, key), *items = NULL;

	if (sub == NULL || !json_object_object_get_ex(sub, "items", &items) ||
	    !json_object_is_type(items, json_type_array))
		return NULL;
	return items;
}

int
netsuite__txn_lines(const struct netsuite_txn *t, int exponent, struct netsuite_tline **out,
                    size_t *n, struct sc_error *err)
{
	json_object *items = sublist(t, "item");
	size_t i, cnt = items != NULL ? json_object_array_length(items) : 0;
	int rc;

	*out = calloc(cnt + 1, sizeof(**out));
	*n = 0;
	if (*out == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < cnt; i++) {
		json_object *l = json_object_array_get_idx(items, i);
		struct netsuite_tline *tl = &(*out)[i];

		if (!json_object_is_type(l, json_type_object)) {
			rc = sc_error_set(err, SC_EMALFORMED, "item line %zu is not an object", i + 1);
			goto fail;
		}
		ref_text(l, "item", tl->item, sizeof(tl->item));
		if ((rc = json_get_amount(l, "quantity", 0, &tl->qty, err)) < 0)
			goto bad;
		tl->has_qty = rc;
		if ((rc = json_get_amount(l, "amount", exponent, &tl->amount, err)) < 0)
			goto bad;
	}
	*n = cnt;
	return 0;
bad:
	sc_error_prefix(err, "item line %zu", i + 1);
fail:
	free(*out);
	*out = NULL;
	return rc;
}

int
netsuite__txn_total(const struct netsuite_txn *t, int exponent, int64_t *out,
                    struct sc_error *err)
{
	return json_get_amount(t->root, "total", exponent, out, err);
}

int
netsuite__txn_applied(const struct netsuite_txn *t, int exponent,
                      struct netsuite_applied **out, size_t *n, struct sc_error *err)
{
	json_object *items = sublist(t, "apply");
	size_t i, cnt = items != NULL ? json_object_array_length(items) : 0;
	int applied, rc;

	*out = calloc(cnt + 1, sizeof(**out));
	*n = 0;
	if (*out == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < cnt; i++) {
		json_object *l = json_object_array_get_idx(items, i);
		struct netsuite_applied *a = &(*out)[*n];

		applied = 0;
		if (!json_object_is_type(l, json_type_object) ||
		    json_get_bool(l, "apply", &applied, NULL) != 1 || !applied ||
		    !ref_text(l, "doc", a->doc, sizeof(a->doc)))
			continue;
		if ((rc = json_get_amount(l, "amount", exponent, &a->amount, err)) < 0) {
			sc_error_prefix(err, "apply line %zu", i + 1);
			free(*out);
			*out = NULL;
			*n = 0;
			return rc;
		}
		a->has_amount = rc;
		(*n)++;
	}
	return 0;
}

void
netsuite__txn_first_applied(const struct netsuite_txn *t, char *out, size_t n)
{
	json_object *items = sublist(t, "apply");
	size_t i, cnt = items != NULL ? json_object_array_length(items) : 0;
	int applied;

	out[0] = '\0';
	for (i = 0; i < cnt && out[0] == '\0'; i++) {
		json_object *l = json_object_array_get_idx(items, i);
		applied = 0;
		if (json_object_is_type(l, json_type_object) &&
		    json_get_bool(l, "apply", &applied, NULL) == 1 && applied)
			ref_text(l, "doc", out, n);
	}
}
