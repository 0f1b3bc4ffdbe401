/* nstransform.c: NetSuite record transformation,
 * POST /services/rest/record/v1/{type}/{id}/!transform/{target}, limited to
 * the pairs NetSuite supports that the connector's flows touch (any other
 * pair is 400 INVALID_RCRD_TRANSFRM), and the control plane's refund "as a
 * NetSuite user" (POST /_sandbox/netsuite/refund), made by the same code.
 *
 * The new record carries the source's entity, currency, subsidiary,
 * location, memo, otherRefNum and item lines (settling targets, customerRefund
 * and customerPayment, get `customer` and an `apply` line for the source
 * instead; goods targets, itemFulfillment and itemReceipt, get the lines'
 * item and quantity only), createdFrom {"id": source}, then the body's
 * fields, which replace what was carried (a body `item` replaces the lines). */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *from, *to;
} tr_pairs[] = {
	{ "salesOrder", "cashSale" }, { "salesOrder", "invoice" },
	{ "salesOrder", "returnAuthorization" }, { "salesOrder", "itemFulfillment" },
	{ "cashSale", "cashRefund" }, { "cashSale", "returnAuthorization" },
	{ "invoice", "creditMemo" }, { "invoice", "returnAuthorization" },
	{ "invoice", "customerPayment" },
	{ "returnAuthorization", "creditMemo" }, { "returnAuthorization", "cashRefund" },
	{ "returnAuthorization", "itemReceipt" },
	{ "creditMemo", "customerRefund" },
};

int
sbx_transform_allowed(const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < sizeof tr_pairs / sizeof tr_pairs[0]; i++)
		if (strcmp(tr_pairs[i].from, from) == 0 && strcmp(tr_pairs[i].to, to) == 0)
			return 1;
	return 0;
}

static int
is_settling(const char *to)
{
	return strcmp(to, "customerRefund") == 0 || strcmp(to, "customerPayment") == 0;
}

static int
is_goods(const char *to)
{
	return strcmp(to, "itemFulfillment") == 0 || strcmp(to, "itemReceipt") == 0;
}

static json_object *
ref_new(int64_t id)
{
	json_object *r = json_object_new_object();
	char idtxt[24];

	snprintf(idtxt, sizeof idtxt, "%" PRId64, id);
	json_object_object_add(r, "id", json_object_new_string(idtxt));
	return r;
}

/* The lines of a goods target: each source line's item and quantity. */
static json_object *
goods_lines(json_object *item)
{
	json_object *lines = NULL, *out = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	if (json_object_object_get_ex(item, "items", &lines) &&
	    json_object_is_type(lines, json_type_array)) {
		for (i = 0; i < json_object_array_length(lines); i++) {
			json_object *l = json_object_array_get_idx(lines, i), *n = json_object_new_object();
			json_object *v = NULL;

			if (json_object_object_get_ex(l, "item", &v))
				json_object_object_add(n, "item", json_object_get(v));
			if (json_object_object_get_ex(l, "quantity", &v))
				json_object_object_add(n, "quantity", json_object_get(v));
			json_object_array_add(arr, n);
		}
	}
	json_object_object_add(out, "items", arr);
	return out;
}

/* What the target carries over from the source (new reference). */
static json_object *
carried_fields(const struct sbx_record *src, const char *target)
{
	static const char *const carried[] = { "entity", "currency", "subsidiary", "location",
	                                       "memo", "otherRefNum", "item" };
	json_object *s = sbx_json_parse(src->body, strlen(src->body), NULL, 0), *v = NULL;
	json_object *out = json_object_new_object();
	size_t i;

	for (i = 0; s != NULL && i < sizeof carried / sizeof carried[0]; i++) {
		if (!json_object_object_get_ex(s, carried[i], &v))
			continue;
		if (is_settling(target) && strcmp(carried[i], "entity") == 0)
			json_object_object_add(out, "customer", json_object_get(v));
		else if (is_settling(target) && strcmp(carried[i], "item") == 0)
			continue;
		else if (is_goods(target) && strcmp(carried[i], "item") == 0)
			json_object_object_add(out, "item", goods_lines(v));
		else
			json_object_object_add(out, carried[i], json_object_get(v));
	}
	json_object_put(s);
	if (is_settling(target) && src->total[0] != '\0') {
		json_object *apply = json_object_new_object(), *arr = json_object_new_array();
		json_object *line = json_object_new_object();

		json_object_object_add(line, "doc", ref_new(src->id));
		json_object_object_add(line, "apply", json_object_new_boolean(1));
		json_object_object_add(line, "amount", sbx_json_exact_number(src->total));
		json_object_array_add(arr, line);
		json_object_object_add(apply, "items", arr);
		json_object_object_add(out, "apply", apply);
	}
	json_object_object_add(out, "createdFrom", ref_new(src->id));
	return out;
}

int
sbx_netsuite_transform(struct sbx *sb, const char *src_type, int64_t src_id, const char *target,
                       json_object *body, int64_t *out_id, struct sbx_nserr *err)
{
	struct sbx_rtype *t;
	struct sbx_record *src, *rec = NULL;
	json_object *merged = NULL;
	const char *eid = sbx_json_str(body, "externalId");
	int rc = -1;

	*out_id = 0;
	if (!sbx_transform_allowed(src_type, target)) {
		sbx_nserr_set(err, 400, "INVALID_RCRD_TRANSFRM", NULL,
		              "That type of record transformation is not allowed. Please see the "
		              "documentation for a list of supported transformation types.");
		return -1;
	}
	src = sbx_record_find(sbx_rtype_get(sb, src_type, 0), src_id);
	if (src == NULL) {
		sbx_nserr_set(err, 404, "NONEXISTENT_ID", NULL, "The record instance does not exist.");
		return -1;
	}
	t = sbx_rtype_get(sb, target, 1);
	if (t == NULL) {
		sbx_nserr_set(err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		return -1;
	}
	if (eid != NULL && sbx_record_find_eid(t, eid) != NULL) {
		sbx_nserr_set(err, 400, "DUP_RCRD", "externalId",
		              "A record with the external ID %.200s already exists.", eid);
		return -1;
	}
	merged = carried_fields(src, target);
	json_object_object_foreach(body, k, val)
		json_object_object_add(merged, k, json_object_get(val));
	if (sbx_netsuite_validate(sb, target, merged, 1, err) < 0)
		goto done;
	if (sbx_netsuite_store_new(sb, t, eid, merged, &rec) < 0) {
		sbx_nserr_set(err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	*out_id = rec->id;
	rc = 0;
done:
	json_object_put(merged);
	return rc;
}

void
sbx_transform_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, const char *type,
                     const char *key, const char *target)
{
	json_object *body = NULL;
	struct sbx_record *src = NULL;
	struct sbx_nserr err;
	char msg[160];
	int64_t id = 0, new_id = 0;
	int rc;

	if (rq->body.len == 0)
		body = json_object_new_object();
	else
		body = sbx_json_parse(buf_cstr(&rq->body), rq->body.len, msg, sizeof msg);
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		sbx_nserr_set(&err, 400, "INVALID_CONTENT", NULL, "Invalid JSON in the request body: %s",
		              body ? "not an object" : msg);
		sbx_reply_nserr(rp, &err);
		goto done;
	}
	pthread_mutex_lock(&sb->lock);
	if (strncmp(key, "eid:", 4) == 0) {
		src = sbx_record_find_eid(sbx_rtype_get(sb, type, 0), key + 4);
		id = src ? src->id : 0;
	} else {
		char *end = NULL;

		id = strtoll(key, &end, 10);
		if (*key == '\0' || *end != '\0')
			id = 0;
	}
	rc = sbx_netsuite_transform(sb, type, id, target, body, &new_id, &err);
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0)
		sbx_reply_nserr(rp, &err);
	else
		sbx_netsuite_reply_written(sb, rq, rp, target, new_id);
done:
	json_object_put(body);
}

static void
control_error(struct sbx_reply *rp, int status, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	sbx_reply_json(rp, status, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

void
sbx_transform_control_refund(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *from = NULL, *body = json_object_new_object(), *v = NULL;
	const char *type = sbx_json_str(doc, "type"), *from_type, *from_id;
	struct sbx_nserr err;
	char msg[400], *end = NULL;
	int64_t id, new_id = 0;
	int rc;

	json_object_object_get_ex(doc, "from", &from);
	from_type = sbx_json_str(from, "type");
	from_id = json_object_object_get_ex(from, "id", &v) ? json_object_get_string(v) : NULL;
	if (type == NULL || from_type == NULL || from_id == NULL) {
		control_error(rp, 400, "expected {\"type\":\"cashRefund\",\"from\":{\"type\",\"id\"},"
		              "\"items\"?:[...],\"memo\"?:...}");
		goto done;
	}
	id = strtoll(from_id, &end, 10);
	if (*from_id == '\0' || *end != '\0') {
		control_error(rp, 400, "from.id must be an internal id");
		goto done;
	}
	json_object_object_foreach(doc, k, val) {
		if (strcmp(k, "type") == 0 || strcmp(k, "from") == 0 || strcmp(k, "externalId") == 0)
			continue;
		if (strcmp(k, "items") == 0) {
			json_object *item = json_object_new_object();

			json_object_object_add(item, "items", json_object_get(val));
			json_object_object_add(body, "item", item);
		} else {
			json_object_object_add(body, k, json_object_get(val));
		}
	}
	pthread_mutex_lock(&sb->lock);
	rc = sbx_netsuite_transform(sb, from_type, id, type, body, &new_id, &err);
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "%s: %s%s%s", err.code, err.detail, err.path[0] ? " at " : "",
		         err.path);
		control_error(rp, err.status == 404 ? 404 : 400, msg);
		goto done;
	}
	snprintf(msg, sizeof msg, "{\"id\":\"%" PRId64 "\",\"type\":", new_id);
	sbx_reply_json(rp, 201, msg);
	sbx_buf_json_str(&rp->body, type);
	buf_puts(&rp->body, "}");
done:
	json_object_put(body);
}
