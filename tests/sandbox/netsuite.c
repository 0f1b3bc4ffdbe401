/* netsuite.c: the NetSuite REST record API: upsert by external id (PUT
 * eid:), create (POST), update (PATCH), transform, get by id or eid, list.
 * Writes are validated as NetSuite would (entity, currency and item
 * references must exist); `total` is the exact sum of the item lines'
 * `amount` (or quantity x rate), from the JSON number text. Transforms:
 * nstransform.c; journal entries' lines: nsjournal.c. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"
#include "tests/sandbox/nsfulfill.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_PREFIX "/services/rest/record/v1/"

static const struct {
	const char *type, *tranid_prefix, *label;
	int needs_entity;
} ns_types[] = {
	{ "salesOrder", "SO", "Sales Order", 1 }, { "cashSale", "CS", "Cash Sale", 1 },
	{ "invoice", "INV", "Invoice", 1 }, { "creditMemo", "CM", "Credit Memo", 1 },
	{ "cashRefund", "CR", "Cash Refund", 1 },
	{ "returnAuthorization", "RA", "Return Authorization", 1 },
	{ "estimate", "EST", "Estimate", 1 }, { "customerRefund", "CRF", "Customer Refund", 0 },
	{ "customerDeposit", "DEP", "Customer Deposit", 0 },
	{ "customerPayment", "PYMT", "Payment", 0 }, { "deposit", "DEP", "Deposit", 0 },
	{ "journalEntry", "JE", "Journal", 0 }, { "itemFulfillment", "IF", "Item Fulfillment", 0 },
	{ "itemReceipt", "IR", "Item Receipt", 0 }, { "customer", NULL, NULL, 0 },
};

static const char *const ns_item_types[] = {
	"inventoryItem", "nonInventorySaleItem", "nonInventoryResaleItem", "otherChargeSaleItem",
	"serviceSaleItem", "discountItem", NULL
};

static int
type_index(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof ns_types / sizeof ns_types[0]; i++)
		if (strcmp(ns_types[i].type, type) == 0)
			return (int)i;
	return -1;
}

const char *
sbx_netsuite_tranid_prefix(const char *type)
{
	int i = type_index(type);

	return i >= 0 ? ns_types[i].tranid_prefix : NULL;
}

void
sbx_netsuite_base(const struct sbx *sb, const struct sbx_req *rq, char *out, size_t n)
{
	const char *host = rq ? sbx_req_header(rq, "Host") : NULL;

	snprintf(out, n, "http://%s", host ? host : sb->host_port);
}

/* ---- validation and totals --------------------------------------------------- */

/* The "id" of a reference {"id": "77"} (string or integer), or NULL. */
static const char *
ref_id(json_object *ref)
{
	json_object *id = NULL;

	if (!json_object_is_type(ref, json_type_object) ||
	    !json_object_object_get_ex(ref, "id", &id))
		return NULL;
	if (json_object_is_type(id, json_type_string) || json_object_is_type(id, json_type_int))
		return json_object_get_string(id);
	return NULL;
}

static struct sbx_record *
customer_of(struct sbx *sb, json_object *ref)
{
	struct sbx_rtype *t = sbx_rtype_get(sb, "customer", 0);
	const char *id = ref_id(ref), *eid = sbx_json_str(ref, "externalId");
	char *end = NULL;
	int64_t v;

	if (id != NULL) {
		v = strtoll(id, &end, 10);
		return *id != '\0' && *end == '\0' ? sbx_record_find(t, v) : NULL;
	}
	return eid != NULL ? sbx_record_find_eid(t, eid) : NULL;
}

/* Text of a reference for messages: its id, else its JSON. */
static const char *
ref_text(json_object *ref)
{
	const char *id = ref_id(ref);

	return id ? id : json_object_to_json_string_ext(ref, SBX_JSON_FLAGS);
}

/* A decimal from a JSON number or numeric string. */
static int
dec_of(struct sbx_dec *out, json_object *v)
{
	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	                   json_object_is_type(v, json_type_double) ||
	                   json_object_is_type(v, json_type_string)))
		return SC_EMALFORMED;
	return sbx_dec_parse(out, json_object_get_string(v));
}

static int
dec_mul(struct sbx_dec *out, const struct sbx_dec *a, const struct sbx_dec *b)
{
	int64_t u;
	int scale = a->scale + b->scale;

	if (__builtin_mul_overflow(a->units, b->units, &u))
		return SC_ENOSPACE;
	while (scale > SBX_DEC_MAX_SCALE && u % 10 == 0) {
		u /= 10;
		scale--;
	}
	if (scale > SBX_DEC_MAX_SCALE)
		return SC_ENOSPACE;
	out->units = u;
	out->scale = scale;
	return 0;
}

static json_object *
item_lines(json_object *body)
{
	json_object *item = NULL, *lines = NULL;

	if (json_object_object_get_ex(body, "item", &item) &&
	    json_object_is_type(item, json_type_object) &&
	    json_object_object_get_ex(item, "items", &lines) &&
	    json_object_is_type(lines, json_type_array))
		return lines;
	return NULL;
}

void
sbx_nserr_set(struct sbx_nserr *e, int status, const char *code, const char *path,
              const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->path, sizeof e->path, "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof e->detail, fmt, ap);
	va_end(ap);
}

void
sbx_reply_nserr(struct sbx_reply *rp, const struct sbx_nserr *e)
{
	sbx_reply_ns_error(rp, e->status, e->code, e->detail, e->path[0] ? e->path : NULL);
}

int
sbx_netsuite_validate(struct sbx *sb, const char *type, json_object *body, int creating,
                      struct sbx_nserr *err)
{
	static const char fmt_ref[] = "Invalid Field Value %s for the following field: %s";
	int ti = type_index(type);
	json_object *v = NULL, *lines, *item = NULL;
	char path[64];
	const char *id;
	size_t i;

	if (json_object_object_get_ex(body, "entity", &v) && customer_of(sb, v) == NULL) {
		sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", "entity", fmt_ref, ref_text(v), "entity");
		return -1;
	}
	if (json_object_object_get_ex(body, "customer", &v) && customer_of(sb, v) == NULL) {
		sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", "customer", fmt_ref, ref_text(v), "customer");
		return -1;
	}
	if (creating && ti >= 0 && ns_types[ti].needs_entity &&
	    !json_object_object_get_ex(body, "entity", &v)) {
		sbx_nserr_set(err, 400, "USER_ERROR", "entity", "Please enter value(s) for: Customer");
		return -1;
	}
	if (json_object_object_get_ex(body, "currency", &v) &&
	    ((id = ref_id(v)) == NULL || sbx_currencies_find(sb, id) == NULL)) {
		sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", "currency", fmt_ref, ref_text(v), "currency");
		return -1;
	}
	if (json_object_object_get_ex(body, "createdFrom", &v)) {
		char *end = NULL;

		id = ref_id(v);
		if (id == NULL || sbx_record_find_any(sb, strtoll(id, &end, 10)) == NULL || *end) {
			sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", "createdFrom", fmt_ref, ref_text(v),
			              "createdFrom");
			return -1;
		}
	}
	if (json_object_object_get_ex(body, "item", &v) && item_lines(body) == NULL) {
		sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", "item",
		              "Invalid Field Value for the following field: item "
		              "(a sublist is {\"items\":[...]})");
		return -1;
	}
	lines = item_lines(body);
	for (i = 0; lines != NULL && i < json_object_array_length(lines); i++) {
		json_object *line = json_object_array_get_idx(lines, i), *amt = NULL;
		struct sbx_dec d;

		snprintf(path, sizeof path, "item.items[%zu].item", i);
		if (!json_object_object_get_ex(line, "item", &item) || (id = ref_id(item)) == NULL ||
		    sbx_items_find(sb, id) == NULL) {
			sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", path, fmt_ref,
			              item ? ref_text(item) : "(missing)", "item");
			return -1;
		}
		if (json_object_object_get_ex(line, "amount", &amt) && dec_of(&d, amt) < 0) {
			snprintf(path, sizeof path, "item.items[%zu].amount", i);
			sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", path,
			              "Invalid Field Value for the following field: amount");
			return -1;
		}
	}
	if (creating && ti >= 0 && ns_types[ti].needs_entity &&
	    (lines == NULL || json_object_array_length(lines) == 0)) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item",
		              "You must enter at least one line item for this transaction.");
		return -1;
	}
	if (strcmp(type, "journalEntry") == 0)
		return sbx_journal_validate(sb, body, creating, err);   /* nsjournal.c */
	return 0;
}

/* The lines of sublist `name` ({"items": [...]}) or NULL. */
static json_object *
sublist_lines(json_object *body, const char *name)
{
	json_object *sub = NULL, *lines = NULL;

	if (json_object_object_get_ex(body, name, &sub) &&
	    json_object_is_type(sub, json_type_object) &&
	    json_object_object_get_ex(sub, "items", &lines) &&
	    json_object_is_type(lines, json_type_array))
		return lines;
	return NULL;
}

/* Sum of the item lines' amounts (or quantity x rate); without item lines,
 * of the `apply` lines applied (customerRefund, customerPayment). "" when
 * no line has an amount. */
static void
record_total(char *out, size_t n, json_object *body)
{
	json_object *lines = item_lines(body);
	struct sbx_dec sum = { 0, 0 };
	size_t i;
	int any = 0, apply = 0;

	out[0] = '\0';
	if (lines == NULL || json_object_array_length(lines) == 0) {
		lines = sublist_lines(body, "apply");
		apply = 1;
	}
	for (i = 0; lines != NULL && i < json_object_array_length(lines); i++) {
		json_object *line = json_object_array_get_idx(lines, i), *a = NULL, *q = NULL, *r = NULL;
		struct sbx_dec d, dq, dr;

		if (apply && json_object_object_get_ex(line, "apply", &a) &&
		    json_object_is_type(a, json_type_boolean) && !json_object_get_boolean(a))
			continue;
		if (json_object_object_get_ex(line, "amount", &a)) {
			if (dec_of(&d, a) < 0)
				return;
		} else if (!apply && json_object_object_get_ex(line, "quantity", &q) &&
		           json_object_object_get_ex(line, "rate", &r) && dec_of(&dq, q) == 0 &&
		           dec_of(&dr, r) == 0) {
			if (dec_mul(&d, &dq, &dr) < 0)
				return;
		} else {
			continue;
		}
		if (sbx_dec_add(&sum, &d) < 0)
			return;
		any = 1;
	}
	if (any)
		sbx_dec_format(out, n, &sum);
}

/* ---- rendering ------------------------------------------------------------------ */

static json_object *
links_self(const char *href)
{
	json_object *arr = json_object_new_array(), *l = json_object_new_object();

	json_object_object_add(l, "rel", json_object_new_string("self"));
	json_object_object_add(l, "href", json_object_new_string(href));
	json_object_array_add(arr, l);
	return arr;
}

static void
add_ref_name(json_object *ref, const char *name)
{
	if (ref != NULL && name != NULL && json_object_is_type(ref, json_type_object))
		json_object_object_add(ref, "refName", json_object_new_string(name));
}

json_object *
sbx_netsuite_record_object(struct sbx *sb, const struct sbx_record *r, int expand)
{
	json_object *o = sbx_json_parse(r->body, strlen(r->body), NULL, 0), *v = NULL;
	char href[700], when[32];
	int ti = type_index(r->type);

	if (o == NULL)
		o = json_object_new_object();
	sbx_fulfill_render(r, o);           /* nsfulfill.c: sales order line state */
	snprintf(href, sizeof href, "http://%s" REC_PREFIX "%s/%" PRId64, sb->host_port, r->type, r->id);
	json_object_object_add(o, "links", links_self(href));
	{
		char idtxt[24];

		snprintf(idtxt, sizeof idtxt, "%" PRId64, r->id);
		json_object_object_add(o, "id", json_object_new_string(idtxt));
	}
	if (r->external_id != NULL)
		json_object_object_add(o, "externalId", json_object_new_string(r->external_id));
	if (ti >= 0 && ns_types[ti].tranid_prefix != NULL && !json_object_object_get_ex(o, "tranId", NULL)) {
		char tranid[40];

		snprintf(tranid, sizeof tranid, "%s%" PRId64, ns_types[ti].tranid_prefix, r->id);
		json_object_object_add(o, "tranId", json_object_new_string(tranid));
	}
	sbx_time_format(when, sizeof when, r->created_ms);
	json_object_object_add(o, "createdDate", json_object_new_string(when));
	sbx_time_format(when, sizeof when, r->modified_ms);
	json_object_object_add(o, "lastModifiedDate", json_object_new_string(when));
	if (r->total[0] != '\0')
		json_object_object_add(o, "total", json_tokener_parse(r->total));
	if (json_object_object_get_ex(o, "entity", &v) || json_object_object_get_ex(o, "customer", &v)) {
		struct sbx_record *c = customer_of(sb, v);
		json_object *nm = NULL;

		if (c != NULL && (nm = sbx_json_parse(c->body, strlen(c->body), NULL, 0)) != NULL)
			add_ref_name(v, sbx_json_str(nm, "companyName") ? sbx_json_str(nm, "companyName")
			                                                : sbx_json_str(nm, "entityId"));
		json_object_put(nm);
	}
	if (json_object_object_get_ex(o, "createdFrom", &v) && ref_id(v) != NULL) {
		char *end = NULL;
		struct sbx_record *src = sbx_record_find_any(sb, strtoll(ref_id(v), &end, 10));
		int si = src ? type_index(src->type) : -1;
		char name[80];

		if (si >= 0 && ns_types[si].label != NULL && ns_types[si].tranid_prefix != NULL) {
			snprintf(name, sizeof name, "%s #%s%" PRId64, ns_types[si].label,
			         ns_types[si].tranid_prefix, src->id);
			add_ref_name(v, name);
		}
	}
	if (json_object_object_get_ex(o, "currency", &v) && ref_id(v) != NULL) {
		struct sbx_currency *c = sbx_currencies_find(sb, ref_id(v));

		add_ref_name(v, c ? c->symbol : NULL);
	}
	if (expand && strcmp(r->type, "journalEntry") == 0)
		sbx_journal_ref_names(sb, o);
	/* Sublists: links only, unless expanded. */
	json_object_object_foreach(o, key, val) {
		json_object *items = NULL;
		char sub[800];
		size_t i, n;

		if (!json_object_is_type(val, json_type_object) ||
		    !json_object_object_get_ex(val, "items", &items) ||
		    !json_object_is_type(items, json_type_array))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", href, key);
		n = json_object_array_length(items);
		if (!expand) {
			json_object *links = json_object_new_object();

			json_object_object_add(links, "links", links_self(sub));
			json_object_object_add(o, key, links);
			continue;
		}
		for (i = 0; i < n; i++) {
			json_object *line = json_object_array_get_idx(items, i), *ref = NULL;

			if (strcmp(key, "item") == 0 && json_object_object_get_ex(line, "item", &ref) &&
			    ref_id(ref) != NULL) {
				struct sbx_item *it = sbx_items_find(sb, ref_id(ref));

				add_ref_name(ref, it ? it->itemid : NULL);
			}
		}
		json_object_object_add(val, "links", links_self(sub));
		json_object_object_add(val, "totalResults", json_object_new_int64((int64_t)n));
		json_object_object_add(val, "count", json_object_new_int64((int64_t)n));
		json_object_object_add(val, "hasMore", json_object_new_boolean(0));
		json_object_object_add(val, "offset", json_object_new_int(0));
	}
	return o;
}

/* ---- writes ------------------------------------------------------------------------ */

/* Drop members the server owns. */
static void
body_strip(json_object *body)
{
	static const char *const owned[] = {
		"id", "links", "externalId", "lastModifiedDate", "createdDate", "total", "refName",
	};
	size_t i;

	for (i = 0; i < sizeof owned / sizeof owned[0]; i++)
		json_object_object_del(body, owned[i]);
}

static char *
body_text(json_object *body)
{
	return strdup(json_object_to_json_string_ext(body, SBX_JSON_FLAGS));
}

void
sbx_netsuite_reply_written(struct sbx *sb, const struct sbx_req *rq, struct sbx_reply *rp,
                           const char *type, int64_t id)
{
	char base[256];

	sbx_netsuite_base(sb, rq, base, sizeof base);
	snprintf(rp->location, sizeof rp->location, "%s" REC_PREFIX "%s/%" PRId64, base, type, id);
	rp->status = 204;
	buf_reset(&rp->body);
	atomic_fetch_add(&sb->writes, 1);
}

/* Store `body` (borrowed) as a new record or over `cur`. Caller holds the lock. */
static int
record_store(struct sbx *sb, struct sbx_rtype *t, struct sbx_record *cur, const char *eid,
             json_object *body, struct sbx_record **out)
{
	char *text = NULL;
	int rc;

	body_strip(body);
	text = body_text(body);
	if (text == NULL)
		return SC_ENOMEM;
	if (cur != NULL) {
		sbx_record_set_body(cur, text);
		*out = cur;
	} else if ((rc = sbx_record_add(out, sb, t, 0, eid, text)) < 0) {
		return rc;
	}
	record_total((*out)->total, sizeof (*out)->total, body);
	return 0;
}

int
sbx_netsuite_store_new(struct sbx *sb, struct sbx_rtype *t, const char *eid, json_object *body,
                       struct sbx_record **out)
{
	return record_store(sb, t, NULL, eid, body, out);
}

/* Merge `in` into the record's stored fields: given fields (and whole
 * sublists) replace the stored ones. New reference. */
static json_object *
body_merge(const struct sbx_record *cur, json_object *in)
{
	json_object *o = cur ? sbx_json_parse(cur->body, strlen(cur->body), NULL, 0) : NULL;

	if (o == NULL)
		o = json_object_new_object();
	json_object_object_foreach(in, key, val)
		json_object_object_add(o, key, json_object_get(val));
	return o;
}

enum write_kind { W_UPSERT, W_CREATE, W_UPDATE };

static void
record_write(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, enum write_kind kind,
             const char *type, const char *key)
{
	json_object *in = NULL, *merged = NULL;
	struct sbx_rtype *t;
	struct sbx_record *cur = NULL, *out = NULL;
	struct sbx_nserr err;
	const char *eid = NULL;
	char msg[160];
	int64_t id = 0;

	in = sbx_json_parse(buf_cstr(&rq->body), rq->body.len, msg, sizeof msg);
	if (in == NULL || !json_object_is_type(in, json_type_object)) {
		sbx_nserr_set(&err, 400, "INVALID_CONTENT", NULL, "Invalid JSON in the request body: %s",
		              in ? "not an object" : msg);
		sbx_reply_nserr(rp, &err);
		goto done;
	}
	if (key != NULL && strncmp(key, "eid:", 4) == 0)
		eid = key + 4;
	else if (key != NULL) {
		char *end = NULL;

		id = strtoll(key, &end, 10);
		if (*key == '\0' || *end != '\0' || id <= 0) {
			sbx_reply_ns_error(rp, 404, "NONEXISTENT_ID", "The record instance does not exist.", NULL);
			goto done;
		}
	}
	if (kind == W_CREATE)
		eid = sbx_json_str(in, "externalId");
	pthread_mutex_lock(&sb->lock);
	t = sbx_rtype_get(sb, type, 1);
	if (t == NULL) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_ns_error(rp, 500, "UNEXPECTED_ERROR", "Out of memory.", NULL);
		goto done;
	}
	if (kind == W_UPSERT)
		cur = sbx_record_find_eid(t, eid);
	else if (kind == W_UPDATE)
		cur = key && strncmp(key, "eid:", 4) == 0 ? sbx_record_find_eid(t, eid) : sbx_record_find(t, id);
	if (kind == W_UPDATE && cur == NULL) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_ns_error(rp, 404, "NONEXISTENT_ID", "The record instance does not exist.", NULL);
		goto done;
	}
	if (kind == W_CREATE && eid != NULL && sbx_record_find_eid(t, eid) != NULL) {
		pthread_mutex_unlock(&sb->lock);
		sbx_nserr_set(&err, 400, "DUP_RCRD", "externalId",
		              "A record with the external ID %.200s already exists.", eid);
		sbx_reply_nserr(rp, &err);
		goto done;
	}
	merged = body_merge(cur, in);
	if (sbx_netsuite_validate(sb, type, in, cur == NULL, &err) < 0) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_nserr(rp, &err);
		goto done;
	}
	if (record_store(sb, t, cur, eid, merged, &out) < 0) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_ns_error(rp, 500, "UNEXPECTED_ERROR", "Out of memory.", NULL);
		goto done;
	}
	id = out->id;
	pthread_mutex_unlock(&sb->lock);
	sbx_netsuite_reply_written(sb, rq, rp, type, id);
done:
	json_object_put(in);
	json_object_put(merged);
}

/* ---- reads ----------------------------------------------------------------------- */

static void
reply_item(struct sbx *sb, struct sbx_reply *rp, const char *type, const char *id)
{
	struct sbx_item *it;
	json_object *o = NULL;
	char href[600];

	pthread_mutex_lock(&sb->lock);
	it = sbx_items_find(sb, id);
	if (it != NULL) {
		o = json_object_new_object();
		snprintf(href, sizeof href, "http://%s" REC_PREFIX "%s/%s", sb->host_port, type, id);
		json_object_object_add(o, "links", links_self(href));
		json_object_object_add(o, "id", json_object_new_string(it->id));
		json_object_object_add(o, "itemId", json_object_new_string(it->itemid));
		json_object_object_add(o, "displayName", json_object_new_string(it->displayname));
		json_object_object_add(o, "itemType", json_object_new_string(it->type));
	}
	pthread_mutex_unlock(&sb->lock);
	if (o == NULL) {
		sbx_reply_ns_error(rp, 404, "NONEXISTENT_ID", "The record instance does not exist.", NULL);
		return;
	}
	sbx_reply_json(rp, 200, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

static void
record_get(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, const char *type,
           const char *key)
{
	const char *exp = sbx_params_get(&rq->query, "expandSubResources");
	struct sbx_rtype *t;
	struct sbx_record *r = NULL;
	json_object *o = NULL;
	size_t i;

	for (i = 0; ns_item_types[i] != NULL; i++)
		if (strcmp(ns_item_types[i], type) == 0) {
			reply_item(sb, rp, type, key);
			return;
		}
	pthread_mutex_lock(&sb->lock);
	t = sbx_rtype_get(sb, type, 0);
	if (strncmp(key, "eid:", 4) == 0) {
		r = sbx_record_find_eid(t, key + 4);
	} else {
		char *end = NULL;
		int64_t id = strtoll(key, &end, 10);

		if (*key != '\0' && *end == '\0')
			r = sbx_record_find(t, id);
	}
	if (r != NULL)
		o = sbx_netsuite_record_object(sb, r, exp != NULL && strcmp(exp, "true") == 0);
	pthread_mutex_unlock(&sb->lock);
	if (o == NULL) {
		sbx_reply_ns_error(rp, 404, "NONEXISTENT_ID", "The record instance does not exist.", NULL);
		return;
	}
	sbx_reply_json(rp, 200, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

static void
record_list(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, const char *type)
{
	const char *ls = sbx_params_get(&rq->query, "limit"), *os = sbx_params_get(&rq->query, "offset");
	char *e1 = NULL, *e2 = NULL;
	long limit = ls ? strtol(ls, &e1, 10) : 1000, offset = os ? strtol(os, &e2, 10) : 0;
	struct sbx_rtype *t;
	size_t i, total;
	char href[700];

	if (limit < 1 || limit > 1000 || offset < 0 || offset > 100000000 ||
	    (ls && (*ls == '\0' || *e1 != '\0')) || (os && (*os == '\0' || *e2 != '\0'))) {
		sbx_reply_ns_error(rp, 400, "INVALID_PARAMETER", "Invalid limit or offset.", NULL);
		return;
	}
	rp->status = 200;
	buf_puts(&rp->body, "{\"links\":[],\"items\":[");
	pthread_mutex_lock(&sb->lock);
	t = sbx_rtype_get(sb, type, 0);
	total = t ? t->len : 0;
	for (i = (size_t)offset; t != NULL && i < total && i < (size_t)(offset + limit); i++) {
		snprintf(href, sizeof href, "http://%s" REC_PREFIX "%s/%" PRId64, sb->host_port, type,
		         t->list[i]->id);
		buf_printf(&rp->body, "%s{\"links\":[{\"rel\":\"self\",\"href\":", i > (size_t)offset ? "," : "");
		sbx_buf_json_str(&rp->body, href);
		buf_printf(&rp->body, "}],\"id\":\"%" PRId64 "\"}", t->list[i]->id);
	}
	pthread_mutex_unlock(&sb->lock);
	buf_printf(&rp->body, "],\"count\":%zu,\"hasMore\":%s,\"offset\":%ld,\"totalResults\":%zu}",
	           (size_t)offset < total ? ((total - (size_t)offset) < (size_t)limit
	                                     ? total - (size_t)offset : (size_t)limit) : 0,
	           (size_t)(offset + limit) < total ? "true" : "false", offset, total);
}

/* ---- dispatch ---------------------------------------------------------------------- */

static int
valid_type(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 47)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

void
sbx_netsuite_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *p = rq->path, *slash, *key = NULL, *tr;
	char type[48], target[48] = "", keybuf[512] = "";
	const char *m = rq->method;

	rp->content_type = "application/vnd.oracle.resource+json; type=singular-resource; charset=UTF-8";
	if (strncmp(p, REC_PREFIX, strlen(REC_PREFIX)) != 0) {
		sbx_reply_ns_error(rp, 404, "INVALID_URL", "The requested URL was not found.", NULL);
		return;
	}
	p += strlen(REC_PREFIX);
	slash = strchr(p, '/');
	if (!valid_type(p, slash ? (size_t)(slash - p) : strlen(p))) {
		sbx_reply_ns_error(rp, 404, "INVALID_RCRD_TYPE", "The record type is not valid.", NULL);
		return;
	}
	snprintf(type, sizeof type, "%.*s", (int)(slash ? (size_t)(slash - p) : strlen(p)), p);
	if (slash != NULL) {
		key = slash + 1;
		tr = strstr(key, "/!transform/");
		if (tr != NULL) {
			snprintf(keybuf, sizeof keybuf, "%.*s", (int)(tr - key), key);
			if (!valid_type(tr + 12, strlen(tr + 12))) {
				sbx_reply_ns_error(rp, 400, "INVALID_RCRD_TRANSFRM",
				                   "That type of record transformation is not allowed. Please "
				                   "see the documentation for a list of supported "
				                   "transformation types.", NULL);
				return;
			}
			snprintf(target, sizeof target, "%s", tr + 12);
		} else {
			snprintf(keybuf, sizeof keybuf, "%s", key);
		}
		key = keybuf;
		if (*key == '\0' || strchr(key, '/') != NULL) {
			sbx_reply_ns_error(rp, 404, "INVALID_URL", "The requested URL was not found.", NULL);
			return;
		}
	}
	if (strcmp(m, "GET") == 0 && key == NULL)
		record_list(sb, rq, rp, type);
	else if (strcmp(m, "GET") == 0 && target[0] == '\0')
		record_get(sb, rq, rp, type, key);
	else if (strcmp(m, "PUT") == 0 && key != NULL && strncmp(key, "eid:", 4) == 0 &&
	         key[4] != '\0' && target[0] == '\0')
		record_write(sb, rq, rp, W_UPSERT, type, key);
	else if (strcmp(m, "PUT") == 0)
		sbx_reply_ns_error(rp, 400, "INVALID_REQUEST",
		                   "Upsert needs PUT with an external ID in the URL (eid:...).", NULL);
	else if (strcmp(m, "POST") == 0 && key == NULL)
		record_write(sb, rq, rp, W_CREATE, type, NULL);
	else if (strcmp(m, "POST") == 0 && strcmp(type, "salesOrder") == 0 &&
	         strcmp(target, "itemFulfillment") == 0)
		sbx_fulfill_transform(sb, rq, rp, key);   /* nsfulfill.c */
	else if (strcmp(m, "POST") == 0 && target[0] != '\0')
		sbx_transform_handle(sb, rq, rp, type, key, target);
	else if (strcmp(m, "PATCH") == 0 && key != NULL && target[0] == '\0')
		record_write(sb, rq, rp, W_UPDATE, type, key);
	else
		sbx_reply_ns_error(rp, 405, "METHOD_NOT_ALLOWED", "The method is not allowed here.", NULL);
}
