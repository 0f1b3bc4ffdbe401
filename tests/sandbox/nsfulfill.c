/* nsfulfill.c: NetSuite item fulfillments and closed sales order lines
 * (nsfulfill.h): shipping and cancelling as a person would, through the
 * REST transform salesOrder -> itemFulfillment and the control plane (the
 * line state they change, and how GET and SuiteQL show it: nslines.c).
 *
 * An itemFulfillment holds createdFrom (the order), entity, tranDate
 * (default today, UTC), shipStatus {"id": A|B|C, "refName": Picked|Packed|
 * Shipped} (default C), shipMethod {"id","refName"} and shipCarrier
 * {"id": ups|nonups, "refName"} when a ship method is given, package
 * {"items":[{"packageTrackingNumber"}]} and item lines {"item":{"id"},
 * "quantity","orderLine","itemReceive":true}. Making one adds its
 * quantities to the order lines' fulfilled quantity (whatever its status)
 * and moves the order's and those lines' lastModifiedDate. Only lines of
 * inventory and non-inventory items can be fulfilled; a closed line, more
 * than a line's unfulfilled quantity, or nothing to fulfill is 400
 * USER_ERROR (the words are the sandbox's). Closing lines (control
 * "cancel") marks them closed and moves the order's and their
 * lastModifiedDate; a fully fulfilled line cannot be closed. */
#include "tests/sandbox/nsfulfill.h"
#include "connector/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ship methods (shipItem records) the sandbox knows. */
static const struct {
	const char *id, *name;
	int ups;
} ship_methods[] = {
	{ "9201", "UPS Ground", 1 }, { "9202", "UPS 2nd Day Air", 1 },
	{ "9203", "FedEx Home Delivery", 0 }, { "9204", "USPS Priority Mail", 0 },
	{ "9205", "DHL Express", 0 },
};

static const char *const status_names[] = { "Picked", "Packed", "Shipped" };

static int
fulfillable(struct sbx *sb, const char *item)
{
	struct sbx_item *it = item != NULL ? sbx_items_find(sb, item) : NULL;

	return it != NULL && (strcmp(it->type, "inventoryItem") == 0 ||
	                      strcmp(it->type, "nonInventorySaleItem") == 0 ||
	                      strcmp(it->type, "nonInventoryResaleItem") == 0);
}

static const char *
item_name(struct sbx *sb, const char *item)
{
	struct sbx_item *it = item != NULL ? sbx_items_find(sb, item) : NULL;

	return it != NULL ? it->itemid : "?";
}

/* ---- fulfilling ---------------------------------------------------------------------- */

struct pick {
	size_t idx;
	int64_t qty;
};

struct plan {
	struct sbx *sb;
	struct sbx_sline *lines;
	size_t n;
	struct pick *picks;
	size_t npicks;
	int64_t *taken;          /* per line, picked so far */
};

static void
plan_free(struct plan *p)
{
	free(p->lines);
	free(p->picks);
	free(p->taken);
	memset(p, 0, sizeof(*p));
}

static int
plan_init(struct plan *p, struct sbx *sb, json_object *so_body)
{
	memset(p, 0, sizeof(*p));
	p->sb = sb;
	if (sbx_lines_load(so_body, &p->lines, &p->n) < 0 ||
	    (p->picks = calloc(p->n + 1, sizeof(*p->picks))) == NULL ||
	    (p->taken = calloc(p->n + 1, sizeof(*p->taken))) == NULL) {
		plan_free(p);
		return SC_ENOMEM;
	}
	return 0;
}

static int64_t
left_on(const struct plan *p, size_t i)
{
	const struct sbx_sline *l = &p->lines[i];

	return l->closed || !fulfillable(p->sb, l->item) ? 0 : l->qty - l->fulfilled - p->taken[i];
}

/* Pick qty of line i (checked). */
static int
plan_pick(struct plan *p, size_t i, int64_t qty, struct sbx_nserr *err)
{
	const struct sbx_sline *l = &p->lines[i];
	size_t k;

	if (l->closed) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item", "Line %zu (%s) is closed.", i + 1,
		              item_name(p->sb, l->item));
		return -1;
	}
	if (!fulfillable(p->sb, l->item)) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item", "Line %zu (%s) cannot be fulfilled.",
		              i + 1, item_name(p->sb, l->item));
		return -1;
	}
	if (qty <= 0 || qty > left_on(p, i)) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item", "You cannot fulfill %" PRId64 " of line "
		              "%zu (%s): %" PRId64 " remain to be fulfilled.", qty, i + 1,
		              item_name(p->sb, l->item), left_on(p, i));
		return -1;
	}
	p->taken[i] += qty;
	for (k = 0; k < p->npicks && p->picks[k].idx != i; k++)
		;
	if (k == p->npicks)
		p->picks[p->npicks++].idx = i;
	p->picks[k].qty += qty;
	return 0;
}

static int
plan_all(struct plan *p, struct sbx_nserr *err)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (left_on(p, i) > 0 && plan_pick(p, i, left_on(p, i), err) < 0)
			return -1;
	if (p->npicks == 0) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item", "There is nothing left to fulfill on "
		              "this order.");
		return -1;
	}
	return 0;
}

/* qty (or, when qty < 0, all that remains) of item `item` over its open lines. */
static int
plan_item(struct plan *p, const char *item, int64_t qty, struct sbx_nserr *err)
{
	int64_t left = 0, take;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->lines[i].item != NULL && strcmp(p->lines[i].item, item) == 0)
			left += left_on(p, i);
	if (qty < 0)
		qty = left;
	if (qty <= 0 || qty > left) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item", "You cannot fulfill %" PRId64 " of %s: %"
		              PRId64 " remain to be fulfilled.", qty, item_name(p->sb, item), left);
		return -1;
	}
	for (i = 0; i < p->n && qty > 0; i++) {
		if (p->lines[i].item == NULL || strcmp(p->lines[i].item, item) != 0 ||
		    (take = left_on(p, i)) <= 0)
			continue;
		take = take < qty ? take : qty;
		if (plan_pick(p, i, take, err) < 0)
			return -1;
		qty -= take;
	}
	return 0;
}

/* The REST body's item lines: orderLine (1-based) or item, quantity
 * (default what remains), itemReceive (false: not fulfilled). */
static int
plan_rest_lines(struct plan *p, json_object *lines, struct sbx_nserr *err)
{
	size_t k, cnt = json_object_array_length(lines);
	json_object *v = NULL;
	int64_t ol, qty;

	for (k = 0; k < cnt; k++) {
		json_object *l = json_object_array_get_idx(lines, k);
		const char *item = sbx_lines_ref(l, "item");

		if (json_object_object_get_ex(l, "itemReceive", &v) &&
		    json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v))
			continue;
		qty = -1;
		if (json_object_object_get_ex(l, "quantity", &v) && sbx_lines_qty(v, &qty) < 0) {
			sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", "item", "Invalid Field Value for the "
			              "following field: quantity");
			return -1;
		}
		if (json_object_object_get_ex(l, "orderLine", &v)) {
			if (sbx_lines_qty(v, &ol) < 0 || ol < 1 || (size_t)ol > p->n) {
				sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", "item", "Invalid Field Value %s "
				              "for the following field: orderLine", json_object_get_string(v));
				return -1;
			}
			if (plan_pick(p, (size_t)ol - 1, qty < 0 ? left_on(p, (size_t)ol - 1) : qty, err) < 0)
				return -1;
		} else if (item != NULL) {
			if (plan_item(p, item, qty, err) < 0)
				return -1;
		} else {
			sbx_nserr_set(err, 400, "USER_ERROR", "item", "An item line needs orderLine or item.");
			return -1;
		}
	}
	if (p->npicks == 0) {
		sbx_nserr_set(err, 400, "USER_ERROR", "item", "There is nothing left to fulfill on "
		              "this order.");
		return -1;
	}
	return 0;
}

static void
today(char *out, size_t n)
{
	char iso[32];

	sbx_time_format(iso, sizeof(iso), sbx_now_ms());
	snprintf(out, n, "%.10s", iso);
}

/* {"id": X, "refName": ...} for a ship status given as "C" or {"id":"C"}
 * (NULL: the default, C); NULL for anything else. */
static json_object *
status_ref(json_object *v)
{
	json_object *idv = NULL, *o;
	const char *id = "C";

	if (v != NULL && json_object_is_type(v, json_type_string))
		id = json_object_get_string(v);
	else if (v != NULL && json_object_is_type(v, json_type_object) &&
	         json_object_object_get_ex(v, "id", &idv) && json_object_is_type(idv, json_type_string))
		id = json_object_get_string(idv);
	else if (v != NULL)
		return NULL;
	if (strlen(id) != 1 || id[0] < 'A' || id[0] > 'C')
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "refName", json_object_new_string(status_names[id[0] - 'A']));
	return o;
}

/* Add shipMethod {"id","refName"} and shipCarrier to f for method `id` or
 * `name`; -1 when the sandbox has no such ship method. */
static int
ship_method(json_object *f, const char *id, const char *name)
{
	json_object *m, *c;
	size_t i;

	for (i = 0; i < sizeof(ship_methods) / sizeof(ship_methods[0]); i++)
		if ((id != NULL && strcmp(id, ship_methods[i].id) == 0) ||
		    (name != NULL && strcmp(name, ship_methods[i].name) == 0))
			break;
	if (i == sizeof(ship_methods) / sizeof(ship_methods[0]))
		return -1;
	m = json_object_new_object();
	json_object_object_add(m, "id", json_object_new_string(ship_methods[i].id));
	json_object_object_add(m, "refName", json_object_new_string(ship_methods[i].name));
	json_object_object_add(f, "shipMethod", m);
	if (!json_object_object_get_ex(f, "shipCarrier", NULL)) {
		c = json_object_new_object();
		json_object_object_add(c, "id", json_object_new_string(ship_methods[i].ups ? "ups" : "nonups"));
		json_object_object_add(c, "refName",
		                       json_object_new_string(ship_methods[i].ups ? "UPS" : "FedEx/USPS/More"));
		json_object_object_add(f, "shipCarrier", c);
	}
	return 0;
}

/* Make the itemFulfillment of plan p from order `so` with `fields` (borrowed:
 * shipStatus, shipMethod, package, tranDate, memo, ...) and add its
 * quantities to the order's lines. Caller holds the lock. */
static int
fulfill_create(struct sbx *sb, struct sbx_record *so, json_object *so_body, struct plan *p,
               json_object *fields, const char *eid, int64_t *out_id, struct sbx_nserr *err)
{
	struct sbx_rtype *t = sbx_rtype_get(sb, "itemFulfillment", 1);
	json_object *f = json_object_new_object(), *items = json_object_new_array(), *sub, *v = NULL;
	struct sbx_record *rec = NULL;
	char date[16], idtxt[24];
	int64_t now = sbx_now_ms();
	size_t k;
	int rc = -1;

	if (t == NULL) {
		sbx_nserr_set(err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	if (eid != NULL && sbx_record_find_eid(t, eid) != NULL) {
		sbx_nserr_set(err, 400, "DUP_RCRD", "externalId",
		              "A record with the external ID %.200s already exists.", eid);
		goto done;
	}
	if (json_object_object_get_ex(so_body, "entity", &v))
		json_object_object_add(f, "entity", json_object_get(v));
	snprintf(idtxt, sizeof(idtxt), "%" PRId64, so->id);
	sub = json_object_new_object();
	json_object_object_add(sub, "id", json_object_new_string(idtxt));
	json_object_object_add(f, "createdFrom", sub);
	today(date, sizeof(date));
	json_object_object_add(f, "tranDate", json_object_new_string(date));
	json_object_object_add(f, "shipStatus", status_ref(NULL));
	json_object_object_foreach(fields, key, val)
		json_object_object_add(f, key, json_object_get(val));
	for (k = 0; k < p->npicks; k++) {
		json_object *l = json_object_new_object(), *it = json_object_new_object();

		json_object_object_add(it, "id", json_object_new_string(p->lines[p->picks[k].idx].item));
		json_object_object_add(l, "item", it);
		json_object_object_add(l, "quantity", json_object_new_int64(p->picks[k].qty));
		json_object_object_add(l, "orderLine", json_object_new_int64((int64_t)p->picks[k].idx + 1));
		json_object_object_add(l, "itemReceive", json_object_new_boolean(1));
		json_object_array_add(items, l);
	}
	sub = json_object_new_object();
	json_object_object_add(sub, "items", items);
	items = NULL;
	json_object_object_add(f, "item", sub);
	if (sbx_netsuite_validate(sb, "itemFulfillment", f, 1, err) < 0)
		goto done;
	if (sbx_netsuite_store_new(sb, t, eid, f, &rec) < 0) {
		sbx_nserr_set(err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	for (k = 0; k < p->npicks; k++) {
		p->lines[p->picks[k].idx].fulfilled += p->picks[k].qty;
		p->lines[p->picks[k].idx].modified_ms = now;
	}
	sbx_lines_store(so_body, p->lines, p->n);
	if (sbx_lines_save(so, so_body) < 0) {
		sbx_nserr_set(err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	*out_id = rec->id;
	rc = 0;
done:
	json_object_put(items);
	json_object_put(f);
	return rc;
}

/* The transform's work under the lock: 0 with *new_id, or -1 with err. */
static int
transform_locked(struct sbx *sb, const char *key, json_object *body, json_object *fields,
                 int64_t *new_id, struct sbx_nserr *err)
{
	struct sbx_rtype *sot = sbx_rtype_get(sb, "salesOrder", 0);
	struct sbx_record *so = NULL;
	json_object *so_body = NULL, *v = NULL, *st;
	struct plan p;
	char *end = NULL;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	if (strncmp(key, "eid:", 4) == 0) {
		so = sbx_record_find_eid(sot, key + 4);
	} else {
		int64_t id = strtoll(key, &end, 10);

		if (*key != '\0' && *end == '\0')
			so = sbx_record_find(sot, id);
	}
	if (so == NULL) {
		sbx_nserr_set(err, 404, "NONEXISTENT_ID", NULL, "The record instance does not exist.");
		goto done;
	}
	so_body = sbx_lines_body(so);
	if (json_object_object_get_ex(fields, "shipStatus", &v)) {
		if ((st = status_ref(v)) == NULL) {
			sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", "shipStatus", "Invalid Field Value "
			              "for the following field: shipStatus");
			goto done;
		}
		json_object_object_add(fields, "shipStatus", st);
	}
	if (json_object_object_get_ex(fields, "shipMethod", &v) &&
	    ship_method(fields, sbx_lines_ref(fields, "shipMethod"), NULL) < 0) {
		sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", "shipMethod", "Invalid Field Value %s "
		              "for the following field: shipMethod", json_object_get_string(v));
		goto done;
	}
	if (plan_init(&p, sb, so_body) < 0) {
		sbx_nserr_set(err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	v = sbx_lines_sublist(body, "item");
	if ((v != NULL ? plan_rest_lines(&p, v, err) : plan_all(&p, err)) < 0)
		goto done;
	rc = fulfill_create(sb, so, so_body, &p, fields, sbx_json_str(body, "externalId"), new_id,
	                    err);
done:
	plan_free(&p);
	json_object_put(so_body);
	return rc;
}

void
sbx_fulfill_transform(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, const char *key)
{
	json_object *body = NULL, *fields = json_object_new_object();
	struct sbx_nserr err;
	char msg[160];
	int64_t new_id = 0;
	int rc = -1;

	body = rq->body.len == 0 ? json_object_new_object()
	                         : sbx_json_parse(buf_cstr(&rq->body), rq->body.len, msg, sizeof(msg));
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		sbx_nserr_set(&err, 400, "INVALID_CONTENT", NULL, "Invalid JSON in the request body: %s",
		              body ? "not an object" : msg);
	} else {
		json_object_object_foreach(body, k, val)
			if (strcmp(k, "item") != 0 && strcmp(k, "externalId") != 0)
				json_object_object_add(fields, k, json_object_get(val));
		pthread_mutex_lock(&sb->lock);
		rc = transform_locked(sb, key, body, fields, &new_id, &err);
		pthread_mutex_unlock(&sb->lock);
	}
	if (rc < 0)
		sbx_reply_nserr(rp, &err);
	else
		sbx_netsuite_reply_written(sb, rq, rp, "itemFulfillment", new_id);
	json_object_put(fields);
	json_object_put(body);
}

/* ---- control --------------------------------------------------------------------------- */

static void
control_error(struct sbx_reply *rp, int status, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	sbx_reply_json(rp, status, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

static void
control_nserr(struct sbx_reply *rp, const struct sbx_nserr *e)
{
	char msg[420];

	snprintf(msg, sizeof(msg), "%s: %s", e->code, e->detail);
	control_error(rp, e->status == 404 ? 404 : 400, msg);
}

/* The sales order of {"order": marketplace order id} ("<PREFIX>-ORD-<id>")
 * or {"salesOrder": internal id}. Caller holds the lock. */
static struct sbx_record *
control_order(struct sbx *sb, json_object *doc)
{
	struct sbx_rtype *t = sbx_rtype_get(sb, "salesOrder", 0);
	const char *order = sbx_json_str(doc, "order"), *so = NULL;
	json_object *v = NULL;
	char *end = NULL;
	size_t i, ol, el, p;

	if (json_object_object_get_ex(doc, "salesOrder", &v) &&
	    (json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int)))
		so = json_object_get_string(v);
	if (so != NULL) {
		int64_t id = strtoll(so, &end, 10);

		return *so != '\0' && *end == '\0' ? sbx_record_find(t, id) : NULL;
	}
	for (i = 0; order != NULL && t != NULL && i < t->len; i++) {
		const char *eid = t->list[i]->external_id;

		if (eid == NULL)
			continue;
		ol = strlen(order);
		el = strlen(eid);
		for (p = 0; p < el && ((eid[p] >= 'A' && eid[p] <= 'Z') || (eid[p] >= '0' && eid[p] <= '9')); p++)
			;
		if (p > 0 && el == p + 5 + ol && strncmp(eid + p, "-ORD-", 5) == 0 &&
		    strcmp(eid + p + 5, order) == 0)
			return t->list[i];
	}
	return NULL;
}

/* {"order"|"salesOrder", "lines":[{"sku","qty"?}]?, "shipMethod"?, "tracking"?,
 * "shipStatus"?, "tranDate"?, "memo"?} */
static void
control_fulfill(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *fields = json_object_new_object(), *so_body = NULL, *lines = NULL, *v = NULL;
	const char *method = sbx_json_str(doc, "shipMethod"), *s;
	struct sbx_record *so;
	struct sbx_nserr err;
	struct plan p;
	int64_t new_id = 0, qty;
	char msg[600];
	size_t i;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	pthread_mutex_lock(&sb->lock);
	if ((so = control_order(sb, doc)) == NULL) {
		sbx_nserr_set(&err, 404, "NONEXISTENT_ID", NULL, "no sales order for that "
		              "\"order\" or \"salesOrder\"");
		goto done;
	}
	so_body = sbx_lines_body(so);
	if (json_object_object_get_ex(doc, "shipStatus", &v)) {
		json_object *st = status_ref(v);

		if (st == NULL) {
			sbx_nserr_set(&err, 400, "INVALID_FLD_VALUE", "shipStatus", "shipStatus is A, B or C");
			goto done;
		}
		json_object_object_add(fields, "shipStatus", st);
	}
	if (method != NULL && ship_method(fields, NULL, method) < 0) {
		snprintf(msg, sizeof(msg), "unknown shipMethod \"%.60s\" (known:", method);
		for (i = 0; i < sizeof(ship_methods) / sizeof(ship_methods[0]); i++)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s \"%s\"", i ? "," : "",
			         ship_methods[i].name);
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ")");
		sbx_nserr_set(&err, 400, "INVALID_KEY_OR_REF", "shipMethod", "%s", msg);
		goto done;
	}
	if ((s = sbx_json_str(doc, "tranDate")) != NULL)
		json_object_object_add(fields, "tranDate", json_object_new_string(s));
	if ((s = sbx_json_str(doc, "memo")) != NULL)
		json_object_object_add(fields, "memo", json_object_new_string(s));
	if (json_object_object_get_ex(doc, "tracking", &v)) {
		json_object *pk = json_object_new_object(), *arr = json_object_new_array();
		size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;

		for (i = 0; i < n; i++) {
			json_object *t = json_object_is_type(v, json_type_array)
			                 ? json_object_array_get_idx(v, i) : v, *one;

			if (!json_object_is_type(t, json_type_string))
				continue;
			one = json_object_new_object();
			json_object_object_add(one, "packageTrackingNumber", json_object_get(t));
			json_object_array_add(arr, one);
		}
		json_object_object_add(pk, "items", arr);
		json_object_object_add(fields, "package", pk);
	}
	if (plan_init(&p, sb, so_body) < 0) {
		sbx_nserr_set(&err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	if (json_object_object_get_ex(doc, "lines", &lines) &&
	    json_object_is_type(lines, json_type_array)) {
		for (i = 0; i < json_object_array_length(lines); i++) {
			json_object *l = json_object_array_get_idx(lines, i);
			struct sbx_item *it;

			s = sbx_json_str(l, "sku");
			if (s == NULL || (it = sbx_items_find_itemid(sb, s)) == NULL) {
				sbx_nserr_set(&err, 400, "USER_ERROR", "lines", "lines[%zu]: unknown sku %.60s",
				              i, s != NULL ? s : "(none)");
				goto done;
			}
			qty = -1;
			if (json_object_object_get_ex(l, "qty", &v) && sbx_lines_qty(v, &qty) < 0) {
				sbx_nserr_set(&err, 400, "USER_ERROR", "lines", "lines[%zu]: qty is a whole "
				              "number", i);
				goto done;
			}
			if (plan_item(&p, it->id, qty, &err) < 0)
				goto done;
		}
	} else if (plan_all(&p, &err) < 0) {
		goto done;
	}
	rc = fulfill_create(sb, so, so_body, &p, fields, NULL, &new_id, &err);
done:
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0) {
		control_nserr(rp, &err);
	} else {
		snprintf(msg, sizeof(msg), "{\"id\":\"%" PRId64 "\",\"type\":\"itemFulfillment\","
		         "\"salesOrder\":\"%" PRId64 "\"}", new_id, so->id);
		sbx_reply_json(rp, 201, msg);
	}
	plan_free(&p);
	json_object_put(so_body);
	json_object_put(fields);
}

/* POST /_sandbox/netsuite/fulfillment/{id}/ship: packed (or picked) to shipped. */
static void
control_ship(struct sbx *sb, const char *id, struct sbx_reply *rp)
{
	struct sbx_record *r;
	json_object *body = NULL;
	const char *st;
	char *end = NULL, msg[160];
	int64_t n = strtoll(id, &end, 10);
	int status = 200;

	pthread_mutex_lock(&sb->lock);
	r = *id != '\0' && *end == '\0' ? sbx_record_find(sbx_rtype_get(sb, "itemFulfillment", 0), n)
	                                : NULL;
	if (r == NULL) {
		status = 404;
		snprintf(msg, sizeof(msg), "no itemFulfillment %.40s", id);
	} else {
		body = sbx_lines_body(r);
		st = sbx_lines_ref(body, "shipStatus");
		if (st != NULL && strcmp(st, "C") == 0) {
			status = 400;
			snprintf(msg, sizeof(msg), "itemFulfillment %" PRId64 " is shipped already", r->id);
		} else {
			json_object_object_add(body, "shipStatus", status_ref(NULL));
			if (sbx_lines_save(r, body) < 0) {
				status = 500;
				snprintf(msg, sizeof(msg), "out of memory");
			} else {
				snprintf(msg, sizeof(msg), "{\"id\":\"%" PRId64 "\",\"shipStatus\":\"C\"}", r->id);
			}
		}
	}
	pthread_mutex_unlock(&sb->lock);
	json_object_put(body);
	if (status == 200)
		sbx_reply_json(rp, 200, msg);
	else
		control_error(rp, status, msg);
}

/* {"order"|"salesOrder", "lines":[{"sku"}]?}: close those lines (default:
 * every line not fulfilled in full). */
static void
control_cancel(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *so_body = NULL, *lines = NULL, *closed = json_object_new_array();
	struct sbx_record *so;
	struct sbx_nserr err;
	struct sbx_sline *sl = NULL;
	struct buf out;
	size_t n = 0, i, k;
	int64_t now = sbx_now_ms();
	int rc = -1, named;

	buf_init(&out, 0);
	pthread_mutex_lock(&sb->lock);
	if ((so = control_order(sb, doc)) == NULL) {
		sbx_nserr_set(&err, 404, "NONEXISTENT_ID", NULL, "no sales order for that "
		              "\"order\" or \"salesOrder\"");
		goto done;
	}
	so_body = sbx_lines_body(so);
	if (sbx_lines_load(so_body, &sl, &n) < 0) {
		sbx_nserr_set(&err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	named = json_object_object_get_ex(doc, "lines", &lines) &&
	        json_object_is_type(lines, json_type_array);
	for (k = 0; named && k < json_object_array_length(lines); k++) {
		const char *sku = sbx_json_str(json_object_array_get_idx(lines, k), "sku");
		struct sbx_item *it = sku != NULL ? sbx_items_find_itemid(sb, sku) : NULL;
		int found = 0;

		for (i = 0; it != NULL && i < n; i++) {
			if (sl[i].item == NULL || strcmp(sl[i].item, it->id) != 0 || sl[i].closed)
				continue;
			found = 1;
			if (sl[i].fulfilled >= sl[i].qty) {
				sbx_nserr_set(&err, 400, "USER_ERROR", "item", "Line %zu (%s) is fulfilled in "
				              "full and cannot be closed.", i + 1, sku);
				goto done;
			}
			sl[i].closed = 1;
			sl[i].modified_ms = now;
			json_object_array_add(closed, json_object_new_int64((int64_t)i + 1));
		}
		if (!found) {
			sbx_nserr_set(&err, 400, "USER_ERROR", "lines", "lines[%zu]: no open line of %.60s",
			              k, sku != NULL ? sku : "(no sku)");
			goto done;
		}
	}
	for (i = 0; !named && i < n; i++) {
		if (sl[i].closed || sl[i].fulfilled >= sl[i].qty)
			continue;
		sl[i].closed = 1;
		sl[i].modified_ms = now;
		json_object_array_add(closed, json_object_new_int64((int64_t)i + 1));
	}
	if (json_object_array_length(closed) == 0) {
		sbx_nserr_set(&err, 400, "USER_ERROR", "item", "There is no open line to close.");
		goto done;
	}
	sbx_lines_store(so_body, sl, n);
	if (sbx_lines_save(so, so_body) < 0) {
		sbx_nserr_set(&err, 500, "UNEXPECTED_ERROR", NULL, "Out of memory.");
		goto done;
	}
	buf_printf(&out, "{\"id\":\"%" PRId64 "\",\"closedLines\":%s}", so->id,
	           json_object_to_json_string_ext(closed, SBX_JSON_FLAGS));
	rc = 0;
done:
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0)
		control_nserr(rp, &err);
	else
		sbx_reply_json(rp, 200, buf_cstr(&out));
	buf_free(&out);
	free(sl);
	json_object_put(so_body);
	json_object_put(closed);
}

void
sbx_fulfill_control(struct sbx *sb, const char *path, json_object *doc, struct sbx_reply *rp)
{
	const char *rest;
	char id[32];
	size_t n;

	if (strcmp(path, "netsuite/fulfillment") == 0) {
		control_fulfill(sb, doc, rp);
	} else if (strcmp(path, "netsuite/cancel") == 0) {
		control_cancel(sb, doc, rp);
	} else if (strncmp(path, "netsuite/fulfillment/", 21) == 0 &&
	           (rest = strchr(path + 21, '/')) != NULL && strcmp(rest, "/ship") == 0 &&
	           (n = (size_t)(rest - path - 21)) > 0 && n < sizeof(id)) {
		snprintf(id, sizeof(id), "%.*s", (int)n, path + 21);
		control_ship(sb, id, rp);
	} else {
		control_error(rp, 404, "no such sandbox endpoint");
	}
}
