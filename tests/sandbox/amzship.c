/* amzship.c: orders going back to Amazon: Orders v0 confirmShipment
 * (ordersV0.json's ConfirmShipmentRequest, AMAZON.md §2) and the Cancel
 * messages of POST_PAYMENT_ADJUSTMENT_DATA feeds (AMAZON.md §7; called by
 * feedproc.c), both changing the Orders 2026-01-01 order the sandbox
 * serves:
 *   item.fulfillment.quantityFulfilled / quantityUnfulfilled  shipped / open
 *   item.cancellation.cancellationExecution                  {MERCHANT, reason}
 *   order.packages[]                                         one per shipment
 *   order.fulfillment.fulfillmentStatus   CANCELLED when every unit of every
 *       item is cancelled, else SHIPPED when nothing is open and something
 *       shipped, else PARTIALLY_SHIPPED when something shipped, else as was
 *   order.lastUpdatedTime                 the time of the change
 * An item's cancelled quantity is what is neither shipped nor open
 * (quantityOrdered - quantityFulfilled - quantityUnfulfilled); an item
 * without those members counts as all shipped in a SHIPPED order, none
 * open in a CANCELLED one, else nothing shipped and all open.
 * The error messages are the sandbox's own (Amazon documents none). */
#include "tests/sandbox/amzship.h"
#include "connector/error.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIP_RATE 2.0
#define SHIP_BURST 10

struct ship_rec {
	char order_id[32];
	char package[32];
	char *body;              /* the request body as received */
	int64_t at_ms;
};

struct cancel_item {
	char item[32];
	long qty;
	char reason[40];
};

struct cancel_rec {
	char order_id[32];
	char feed_id[24];
	long message_id;
	int64_t at_ms;
	struct cancel_item items[FP_MAX_ITEMS];
	size_t nitems;
};

/* Under sb->lock (the counters are atomic). */
static struct {
	struct ship_rec *ships;
	size_t nships;
	struct cancel_rec *cancels;
	size_t ncancels;
	struct sbx_bucket bucket;
	int bucket_ready;
	atomic_long requests, throttled;
} st;

/* ---- the order model ------------------------------------------------------------ */

struct qty {
	int64_t ordered, shipped, open, cancelled;
};

static int64_t
int_member(json_object *o, const char *key, int64_t def)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static const char *
order_status(json_object *order)
{
	json_object *ful = NULL;
	const char *s;

	json_object_object_get_ex(order, "fulfillment", &ful);
	s = sbx_json_str(ful, "fulfillmentStatus");
	return s != NULL ? s : "";
}

static void
item_qty(json_object *order, json_object *it, struct qty *q)
{
	const char *status = order_status(order);
	json_object *ful = NULL;

	json_object_object_get_ex(it, "fulfillment", &ful);
	q->ordered = int_member(it, "quantityOrdered", 0);
	q->shipped = int_member(ful, "quantityFulfilled",
	                        strcmp(status, "SHIPPED") == 0 ? q->ordered : 0);
	q->open = int_member(ful, "quantityUnfulfilled",
	                     strcmp(status, "CANCELLED") == 0 ? 0 : q->ordered - q->shipped);
	if (q->open < 0)
		q->open = 0;
	q->cancelled = q->ordered - q->shipped - q->open;
	if (q->cancelled < 0)
		q->cancelled = 0;
}

static json_object *
items_of(json_object *order)
{
	json_object *items = NULL;

	if (!json_object_object_get_ex(order, "orderItems", &items) ||
	    !json_object_is_type(items, json_type_array))
		return NULL;
	return items;
}

static json_object *
item_find(json_object *order, const char *id)
{
	json_object *items = items_of(order);
	size_t i, n = items != NULL ? json_object_array_length(items) : 0;

	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i);
		const char *iid = sbx_json_str(it, "orderItemId");

		if (iid != NULL && strcmp(iid, id) == 0)
			return it;
	}
	return NULL;
}

/* A member object of o, made when absent. */
static json_object *
object_member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	v = json_object_new_object();
	json_object_object_add(o, key, v);
	return v;
}

static void
item_set(json_object *it, int64_t shipped, int64_t open)
{
	json_object *ful = object_member(it, "fulfillment");

	json_object_object_add(ful, "quantityFulfilled", json_object_new_int64(shipped));
	json_object_object_add(ful, "quantityUnfulfilled", json_object_new_int64(open));
}

/* The order's fulfillmentStatus from its items, and lastUpdatedTime. */
static void
order_settle(json_object *order, int64_t when_ms)
{
	json_object *items = items_of(order), *ful = object_member(order, "fulfillment");
	size_t i, n = items != NULL ? json_object_array_length(items) : 0;
	int64_t shipped = 0, open = 0;
	int all_cancelled = n > 0;
	const char *status = NULL;
	char when[32];

	for (i = 0; i < n; i++) {
		struct qty q;

		item_qty(order, json_object_array_get_idx(items, i), &q);
		shipped += q.shipped;
		open += q.open;
		if (q.cancelled < q.ordered || q.ordered == 0)
			all_cancelled = 0;
	}
	if (all_cancelled)
		status = "CANCELLED";
	else if (shipped > 0 && open == 0)
		status = "SHIPPED";
	else if (shipped > 0)
		status = "PARTIALLY_SHIPPED";
	/* every item's counts are written before the status changes what
	 * item_qty would assume for items without them */
	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i);
		struct qty q;

		item_qty(order, it, &q);
		item_set(it, q.shipped, q.open);
	}
	if (status != NULL)
		json_object_object_add(ful, "fulfillmentStatus", json_object_new_string(status));
	sbx_time_format(when, sizeof when, when_ms);
	json_object_object_add(order, "lastUpdatedTime", json_object_new_string(when));
}

/* Store the changed order (replacing it; a generated one becomes stored). */
static int
order_store(struct sbx *sb, json_object *order)
{
	int rc = sbx_orders_put_json(sb, order, NULL);

	sbx_orders_sort(sb);
	return rc;
}

/* ---- confirmShipment -------------------------------------------------------------- */

int
sbx_amzship_is_confirm(const struct sbx_req *rq)
{
	const char *p = rq->path, *id, *slash;

	if (strncmp(p, SBX_CONFIRM_PREFIX, strlen(SBX_CONFIRM_PREFIX)) != 0)
		return 0;
	id = p + strlen(SBX_CONFIRM_PREFIX);
	slash = strchr(id, '/');
	return slash != NULL && slash > id && strcmp(slash, SBX_CONFIRM_SUFFIX) == 0;
}

/* 1 when a token was taken. */
static int
ship_bucket_take(struct sbx *sb)
{
	int64_t now;
	int ok;

	if (!sb->limits)
		return 1;
	pthread_mutex_lock(&sb->lock);
	now = sbx_mono_ms();
	if (!st.bucket_ready) {
		st.bucket = (struct sbx_bucket){ SHIP_RATE, SHIP_BURST, SHIP_BURST, now, "2.0" };
		st.bucket_ready = 1;
	}
	st.bucket.tokens += (double)(now - st.bucket.last_ms) / 1000.0 * st.bucket.rate *
	                    sb->time_scale;
	if (st.bucket.tokens > st.bucket.burst)
		st.bucket.tokens = st.bucket.burst;
	st.bucket.last_ms = now;
	ok = st.bucket.tokens >= 1.0;
	if (ok)
		st.bucket.tokens -= 1.0;
	pthread_mutex_unlock(&sb->lock);
	return ok;
}

/* A positive number in text ("1", "20"): what packageReferenceId allows. */
static int
positive_text(const char *s)
{
	int nonzero = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 19)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		nonzero |= *s != '0';
	}
	return nonzero;
}

/* A required non-empty string member: its value, or NULL with msg. */
static const char *
need_str(json_object *o, const char *key, const char *where, char *msg, size_t msgn)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		snprintf(msg, msgn, "Missing required field: %s%s.", where, key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0) {
		snprintf(msg, msgn, "%s%s must be a non-empty string.", where, key);
		return NULL;
	}
	return json_object_get_string(v);
}

/* An optional string member: 0 absent or a string, -1 with msg. */
static int
opt_str(json_object *o, const char *key, const char *where, char *msg, size_t msgn)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL ||
	    json_object_is_type(v, json_type_string))
		return 0;
	snprintf(msg, msgn, "%s%s must be a string.", where, key);
	return -1;
}

/* The request's shape, as ConfirmShipmentRequest defines it. 0, or -1 with msg. */
static int
ship_validate(json_object *body, json_object **items_out, char *msg, size_t msgn)
{
	static const char pd_[] = "packageDetail.";
	json_object *pd = NULL, *items = NULL, *v = NULL;
	const char *ref, *code, *date, *cod;
	char where[64];
	int64_t t;
	size_t i, n;

	if (need_str(body, "marketplaceId", "", msg, msgn) == NULL)
		return -1;
	if ((cod = sbx_json_str(body, "codCollectionMethod")) != NULL &&
	    strcmp(cod, "DirectPayment") != 0) {
		snprintf(msg, msgn, "codCollectionMethod must be DirectPayment.");
		return -1;
	}
	if (!json_object_object_get_ex(body, "packageDetail", &pd) || pd == NULL) {
		snprintf(msg, msgn, "Missing required field: packageDetail.");
		return -1;
	}
	if (!json_object_is_type(pd, json_type_object)) {
		snprintf(msg, msgn, "packageDetail must be an object.");
		return -1;
	}
	if ((ref = need_str(pd, "packageReferenceId", pd_, msg, msgn)) == NULL)
		return -1;
	if (!positive_text(ref)) {
		snprintf(msg, msgn, "packageDetail.packageReferenceId must be a positive number: "
		         "'%.40s'.", ref);
		return -1;
	}
	if ((code = need_str(pd, "carrierCode", pd_, msg, msgn)) == NULL ||
	    opt_str(pd, "carrierName", pd_, msg, msgn) < 0 ||
	    opt_str(pd, "shippingMethod", pd_, msg, msgn) < 0 ||
	    opt_str(pd, "shipFromSupplySourceId", pd_, msg, msgn) < 0)
		return -1;
	if (strcmp(code, "Other") == 0 && need_str(pd, "carrierName", pd_, msg, msgn) == NULL) {
		snprintf(msg, msgn, "packageDetail.carrierName is required when carrierCode is Other.");
		return -1;
	}
	if (need_str(pd, "trackingNumber", pd_, msg, msgn) == NULL ||
	    (date = need_str(pd, "shipDate", pd_, msg, msgn)) == NULL)
		return -1;
	if (strchr(date, 'T') == NULL || sbx_time_parse(&t, date) < 0) {
		snprintf(msg, msgn, "packageDetail.shipDate '%.40s' is not an ISO 8601 date-time.",
		         date);
		return -1;
	}
	if (!json_object_object_get_ex(pd, "orderItems", &items) || items == NULL) {
		snprintf(msg, msgn, "Missing required field: packageDetail.orderItems.");
		return -1;
	}
	if (!json_object_is_type(items, json_type_array) ||
	    (n = json_object_array_length(items)) == 0) {
		snprintf(msg, msgn, "packageDetail.orderItems must be a non-empty array.");
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i);

		snprintf(where, sizeof where, "packageDetail.orderItems[%zu].", i);
		if (!json_object_is_type(it, json_type_object)) {
			snprintf(msg, msgn, "packageDetail.orderItems[%zu] must be an object.", i);
			return -1;
		}
		if (need_str(it, "orderItemId", where, msg, msgn) == NULL)
			return -1;
		if (!json_object_object_get_ex(it, "quantity", &v) || v == NULL) {
			snprintf(msg, msgn, "Missing required field: %squantity.", where);
			return -1;
		}
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0) {
			snprintf(msg, msgn, "%squantity must be a positive integer.", where);
			return -1;
		}
	}
	*items_out = items;
	return 0;
}

/* packageReferenceId already among the order's packages. */
static int
package_known(json_object *order, const char *ref)
{
	json_object *pk = NULL;
	size_t i;

	if (!json_object_object_get_ex(order, "packages", &pk) ||
	    !json_object_is_type(pk, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(pk); i++) {
		const char *r = sbx_json_str(json_object_array_get_idx(pk, i), "packageReferenceId");

		if (r != NULL && strcmp(r, ref) == 0)
			return 1;
	}
	return 0;
}

/* The order-dependent checks. 0, or the HTTP status with msg. */
static int
ship_check(json_object *order, const char *order_id, json_object *body, json_object *items,
           char *msg, size_t msgn)
{
	json_object *sc = NULL, *ful = NULL, *pd = NULL;
	const char *mkt = sbx_json_str(body, "marketplaceId"), *omkt, *fby, *ref;
	size_t i, j, n = json_object_array_length(items);

	json_object_object_get_ex(order, "salesChannel", &sc);
	json_object_object_get_ex(order, "fulfillment", &ful);
	json_object_object_get_ex(body, "packageDetail", &pd);
	omkt = sbx_json_str(sc, "marketplaceId");
	if (omkt == NULL || strcmp(omkt, mkt) != 0) {
		snprintf(msg, msgn, "marketplaceId %.20s is not the marketplace of order %s (%.20s).",
		         mkt, order_id, omkt != NULL ? omkt : "none");
		return 400;
	}
	fby = sbx_json_str(ful, "fulfilledBy");
	if (fby != NULL && strcmp(fby, "AMAZON") == 0) {
		snprintf(msg, msgn, "Order %s is fulfilled by Amazon: only seller-fulfilled orders "
		         "can be confirmed.", order_id);
		return 400;
	}
	if (strcmp(order_status(order), "CANCELLED") == 0) {
		snprintf(msg, msgn, "Order %s is cancelled.", order_id);
		return 400;
	}
	ref = sbx_json_str(pd, "packageReferenceId");
	if (package_known(order, ref)) {
		snprintf(msg, msgn, "packageReferenceId %.20s was already confirmed for order %s.",
		         ref, order_id);
		return 400;
	}
	for (i = 0; i < n; i++) {
		json_object *want = json_object_array_get_idx(items, i), *it;
		const char *id = sbx_json_str(want, "orderItemId");
		int64_t asked = 0;
		struct qty q;

		if ((it = item_find(order, id)) == NULL) {
			snprintf(msg, msgn, "orderItemId %.40s is not an item of order %s.", id, order_id);
			return 400;
		}
		for (j = 0; j < n; j++) {
			json_object *o = json_object_array_get_idx(items, j);

			if (strcmp(sbx_json_str(o, "orderItemId"), id) == 0)
				asked += int_member(o, "quantity", 0);
		}
		item_qty(order, it, &q);
		if (asked > q.open) {
			snprintf(msg, msgn, "quantity %lld of orderItemId %.40s exceeds the %lld unit(s) "
			         "left to ship (ordered %lld, shipped %lld, cancelled %lld).",
			         (long long)asked, id, (long long)q.open, (long long)q.ordered,
			         (long long)q.shipped, (long long)q.cancelled);
			return 400;
		}
	}
	return 0;
}

/* The shipment applied to the order: quantities, a package, the status. */
static void
ship_apply(json_object *order, json_object *body, json_object *items, int64_t now)
{
	json_object *pd = NULL, *pkgs = NULL, *pkg = json_object_new_object();
	json_object *pitems = json_object_new_array(), *status = json_object_new_object();
	const char *code, *name, *method;
	char when[32];
	int64_t t = now;
	size_t i, n = json_object_array_length(items);

	json_object_object_get_ex(body, "packageDetail", &pd);
	for (i = 0; i < n; i++) {
		json_object *want = json_object_array_get_idx(items, i), *pi = json_object_new_object();
		json_object *it = item_find(order, sbx_json_str(want, "orderItemId"));
		int64_t qn = int_member(want, "quantity", 0);
		struct qty q;

		item_qty(order, it, &q);
		item_set(it, q.shipped + qn, q.open - qn);
		json_object_object_add(pi, "orderItemId",
		                       json_object_new_string(sbx_json_str(want, "orderItemId")));
		json_object_object_add(pi, "quantity", json_object_new_int64(qn));
		json_object_array_add(pitems, pi);
	}
	code = sbx_json_str(pd, "carrierCode");
	name = sbx_json_str(pd, "carrierName");
	method = sbx_json_str(pd, "shippingMethod");
	json_object_object_add(pkg, "packageReferenceId",
	                       json_object_new_string(sbx_json_str(pd, "packageReferenceId")));
	sbx_time_format(when, sizeof when, now);
	json_object_object_add(pkg, "createdTime", json_object_new_string(when));
	json_object_object_add(status, "status", json_object_new_string("SHIPPED"));
	json_object_object_add(pkg, "packageStatus", status);
	json_object_object_add(pkg, "carrier", json_object_new_string(
		strcmp(code, "Other") == 0 && name != NULL ? name : code));
	sbx_time_parse(&t, sbx_json_str(pd, "shipDate"));
	sbx_time_format(when, sizeof when, t);
	json_object_object_add(pkg, "shipTime", json_object_new_string(when));
	if (method != NULL)
		json_object_object_add(pkg, "shippingService", json_object_new_string(method));
	json_object_object_add(pkg, "trackingNumber",
	                       json_object_new_string(sbx_json_str(pd, "trackingNumber")));
	json_object_object_add(pkg, "packageItems", pitems);
	if (!json_object_object_get_ex(order, "packages", &pkgs) ||
	    !json_object_is_type(pkgs, json_type_array)) {
		pkgs = json_object_new_array();
		json_object_object_add(order, "packages", pkgs);
	}
	json_object_array_add(pkgs, pkg);
	order_settle(order, now);
}

static void
ship_record(const char *order_id, json_object *body, const char *text, int64_t now)
{
	struct ship_rec *nv = realloc(st.ships, (st.nships + 1) * sizeof *nv);
	json_object *pd = NULL;

	if (nv == NULL)
		return;
	st.ships = nv;
	nv = &st.ships[st.nships];
	memset(nv, 0, sizeof *nv);
	json_object_object_get_ex(body, "packageDetail", &pd);
	snprintf(nv->order_id, sizeof nv->order_id, "%s", order_id);
	snprintf(nv->package, sizeof nv->package, "%s", sbx_json_str(pd, "packageReferenceId"));
	nv->body = strdup(text);
	nv->at_ms = now;
	if (nv->body != NULL)
		st.nships++;
}

void
sbx_amzship_confirm(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, int authorized)
{
	const char *start = rq->path + strlen(SBX_CONFIRM_PREFIX);
	char order_id[64], msg[320];
	json_object *body = NULL, *items = NULL, *order = NULL;
	struct sbx_order *o;
	size_t idlen = (size_t)(strchr(start, '/') - start);
	int64_t now;
	int status;

	atomic_fetch_add(&st.requests, 1);
	if (!authorized)
		return;
	if (strcmp(rq->method, "POST") != 0) {
		sbx_reply_amazon_error(rp, 405, "MethodNotAllowed", "Method not allowed.");
		return;
	}
	if (!ship_bucket_take(sb)) {
		atomic_fetch_add(&st.throttled, 1);
		sbx_reply_amazon_error(rp, 429, "QuotaExceeded",
		                       "You exceeded your quota for the requested resource.");
		return;
	}
	snprintf(order_id, sizeof order_id, "%.*s", (int)(idlen < 63 ? idlen : 63), start);
	if ((body = sbx_amazon_body(rq, rp)) == NULL)
		return;
	if (ship_validate(body, &items, msg, sizeof msg) < 0) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
		goto done;
	}
	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);   /* cancellations due are applied first */
	now = sbx_now_ms();
	o = sbx_orders_find(sb, order_id);
	order = o != NULL ? sbx_order_object(sb, o) : NULL;
	if (order == NULL) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_amazon_error(rp, 404, "NotFound", "Order not found");
		goto done;
	}
	status = ship_check(order, order_id, body, items, msg, sizeof msg);
	if (status == 0) {
		ship_apply(order, body, items, now);
		if (order_store(sb, order) < 0) {
			status = 500;
			snprintf(msg, sizeof msg, "We encountered an internal error. Please try again.");
		} else {
			ship_record(order_id, body, buf_cstr(&rq->body), now);
		}
	}
	pthread_mutex_unlock(&sb->lock);
	if (status != 0) {
		sbx_reply_amazon_error(rp, status, status == 500 ? "InternalFailure" : "InvalidInput",
		                       msg);
		goto done;
	}
	rp->status = 204;
	buf_reset(&rp->body);
	if (sb->limits)
		snprintf(rp->rate_limit, sizeof rp->rate_limit, "%s", "2.0");
	else
		snprintf(rp->rate_limit, sizeof rp->rate_limit, "%s", SB_RATE_UNLIMITED);
done:
	json_object_put(order);
	json_object_put(body);
}

/* ---- cancellations (feed messages) ------------------------------------------------ */

int
sbx_amzship_cancel(struct sbx *sb, const struct sbx_feed *f, const struct fp_msg *m,
                   json_object *order, char *code, char *why, size_t whyn)
{
	struct cancel_rec *rec;
	int64_t want[FP_MAX_ITEMS];
	size_t i, k;

	for (i = 0; i < m->nitems; i++) {
		const struct fp_item *it = &m->items[i];
		json_object *oi = it->merchant_code ? NULL : item_find(order, it->code);
		int64_t asked = 0;
		struct qty q;

		if (oi == NULL) {
			snprintf(code, 16, "18029");
			snprintf(why, whyn, "%s %s is not an item of order %s.",
			         it->merchant_code ? "MerchantOrderItemID" : "AmazonOrderItemCode",
			         it->code, m->order_id);
			return -1;
		}
		item_qty(order, oi, &q);
		/* without Quantity: every unit still open */
		want[i] = it->quantity > 0 ? it->quantity : q.open;
		for (k = 0; k <= i; k++)
			if (strcmp(m->items[k].code, it->code) == 0)
				asked += want[k];
		if (want[i] == 0 || asked > q.open) {
			snprintf(code, 16, "18033");
			snprintf(why, whyn, "Cannot cancel %lld unit(s) of item %s of order %s: %lld "
			         "unit(s) are neither shipped nor cancelled.", (long long)asked,
			         it->code, m->order_id, (long long)q.open);
			return -1;
		}
	}
	for (i = 0; i < m->nitems; i++) {
		json_object *oi = item_find(order, m->items[i].code), *c, *ex;
		struct qty q;

		item_qty(order, oi, &q);
		item_set(oi, q.shipped, q.open - want[i]);
		c = object_member(oi, "cancellation");
		ex = json_object_new_object();
		json_object_object_add(ex, "cancelledBy", json_object_new_string("MERCHANT"));
		json_object_object_add(ex, "cancelReason", json_object_new_string(m->items[i].reason));
		json_object_object_add(c, "cancellationExecution", ex);
	}
	order_settle(order, f->end_ms);
	if (order_store(sb, order) < 0) {
		snprintf(code, 16, "5000");
		snprintf(why, whyn, "Internal error while recording the cancellation.");
		return -1;
	}
	rec = realloc(st.cancels, (st.ncancels + 1) * sizeof *rec);
	if (rec == NULL)
		return 0;
	st.cancels = rec;
	rec = &st.cancels[st.ncancels++];
	memset(rec, 0, sizeof *rec);
	snprintf(rec->order_id, sizeof rec->order_id, "%s", m->order_id);
	snprintf(rec->feed_id, sizeof rec->feed_id, "%s", f->id);
	rec->message_id = m->id;
	rec->at_ms = f->end_ms;
	for (i = 0; i < m->nitems; i++) {
		snprintf(rec->items[i].item, sizeof rec->items[i].item, "%s", m->items[i].code);
		snprintf(rec->items[i].reason, sizeof rec->items[i].reason, "%s", m->items[i].reason);
		rec->items[i].qty = (long)want[i];
	}
	rec->nitems = m->nitems;
	return 0;
}

/* ---- control ------------------------------------------------------------------------ */

static void
reply_array(struct sbx_reply *rp, json_object *arr)
{
	sbx_reply_json(rp, 200, json_object_to_json_string_ext(arr, SBX_JSON_FLAGS));
	rp->content_type = "application/json";
	json_object_put(arr);
}

void
sbx_amzship_shipments(struct sbx *sb, struct sbx_reply *rp)
{
	json_object *arr = json_object_new_array();
	char when[32];
	size_t i;

	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < st.nships; i++) {
		json_object *o = json_object_new_object();
		json_object *b = sbx_json_parse(st.ships[i].body, strlen(st.ships[i].body), NULL, 0);

		json_object_object_add(o, "orderId", json_object_new_string(st.ships[i].order_id));
		json_object_object_add(o, "packageReferenceId",
		                       json_object_new_string(st.ships[i].package));
		sbx_time_format(when, sizeof when, st.ships[i].at_ms);
		json_object_object_add(o, "receivedTime", json_object_new_string(when));
		json_object_object_add(o, "body", b);
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&sb->lock);
	reply_array(rp, arr);
}

void
sbx_amzship_cancellations(struct sbx *sb, struct sbx_reply *rp)
{
	json_object *arr = json_object_new_array();
	char when[32];
	size_t i, k;

	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	for (i = 0; i < st.ncancels; i++) {
		const struct cancel_rec *c = &st.cancels[i];
		json_object *o = json_object_new_object(), *items = json_object_new_array();

		json_object_object_add(o, "orderId", json_object_new_string(c->order_id));
		json_object_object_add(o, "feedId", json_object_new_string(c->feed_id));
		json_object_object_add(o, "messageId", json_object_new_int64(c->message_id));
		sbx_time_format(when, sizeof when, c->at_ms);
		json_object_object_add(o, "appliedTime", json_object_new_string(when));
		for (k = 0; k < c->nitems; k++) {
			json_object *it = json_object_new_object();

			json_object_object_add(it, "orderItemId", json_object_new_string(c->items[k].item));
			json_object_object_add(it, "quantity", json_object_new_int64(c->items[k].qty));
			json_object_object_add(it, "reason", json_object_new_string(c->items[k].reason));
			json_object_array_add(items, it);
		}
		json_object_object_add(o, "items", items);
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&sb->lock);
	reply_array(rp, arr);
}

void
sbx_amzship_stats(json_object *requests, json_object *throttled)
{
	json_object_object_add(requests, "confirmShipment",
	                       json_object_new_int64(atomic_load(&st.requests)));
	json_object_object_add(throttled, "confirmShipment",
	                       json_object_new_int64(atomic_load(&st.throttled)));
}
