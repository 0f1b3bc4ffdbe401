/* control.c: the control and inspection plane under /_sandbox/ (no auth,
 * never faulted or counted) and the stats object. Feeds, financial events,
 * settlement reports and the NetSuite refund have their handlers in
 * feeds.c, finances.c, reports.c and nstransform.c. */
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/amzship.h"
#include "tests/sandbox/amzreturns.h"
#include "connector/error.h"
#include "tests/sandbox/nsfulfill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[SBX_OP__COUNT] = {
	"lwaToken", "searchOrders", "getOrder", "netsuiteToken", "recordGet",
	"recordUpsert", "recordCreate", "recordUpdate", "recordTransform",
	"suiteql", "listFinancialEvents", "listFinancialEventsByOrderId", "createFeedDocument",
	"createFeed", "getFeed", "getFeedDocument", "documentUpload", "documentDownload",
	"getReports", "getReport", "createReport", "getReportDocument", "other",
};

json_object *
sbx_stats_object(struct sbx *sb)
{
	json_object *o = json_object_new_object();
	json_object *req = json_object_new_object();
	json_object *thr = json_object_new_object();
	json_object *recs = json_object_new_object();
	size_t i;

	for (i = 0; i < SBX_OP__COUNT; i++) {
		json_object_object_add(req, op_names[i],
		                       json_object_new_int64(atomic_load(&sb->requests[i])));
		json_object_object_add(thr, op_names[i],
		                       json_object_new_int64(atomic_load(&sb->throttled[i])));
	}
	sbx_amzship_stats(req, thr);   /* confirmShipment (amzship.c) */
	json_object_object_add(o, "requests", req);
	json_object_object_add(o, "throttled", thr);
	json_object_object_add(o, "in_flight", json_object_new_int64(atomic_load(&sb->in_flight)));
	json_object_object_add(o, "max_in_flight",
	                       json_object_new_int64(atomic_load(&sb->max_in_flight)));
	json_object_object_add(o, "writes", json_object_new_int64(atomic_load(&sb->writes)));
	json_object_object_add(o, "faults_fired",
	                       json_object_new_int64(atomic_load(&sb->faults_fired)));
	pthread_mutex_lock(&sb->lock);
	json_object_object_add(o, "orders", json_object_new_int64((int64_t)sb->orders.len));
	for (i = 0; i < sb->nrtypes; i++)
		json_object_object_add(recs, sb->rtypes[i]->name,
		                       json_object_new_int64((int64_t)sb->rtypes[i]->len));
	pthread_mutex_unlock(&sb->lock);
	json_object_object_add(o, "records", recs);
	{
		json_object *iss = json_object_new_array();
		size_t k, n;

		pthread_mutex_lock(&sb->lock);
		n = sb->nissued < SBX_ISSUED_MAX ? sb->nissued : SBX_ISSUED_MAX;
		for (k = 0; k < n; k++)
			json_object_array_add(iss, json_object_new_string(sb->issued[k]));
		pthread_mutex_unlock(&sb->lock);
		json_object_object_add(o, "issued_tokens", iss);
	}
	return o;
}

static void
reply_object(struct sbx_reply *rp, int status, json_object *o)
{
	sbx_reply_json(rp, status, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

static void
reply_control_error(struct sbx_reply *rp, int status, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	reply_object(rp, status, o);
}

static void
control_add_orders(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *arr = NULL;
	char now[32];
	size_t i, n;
	int rc = 0;

	if (!json_object_object_get_ex(doc, "orders", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		reply_control_error(rp, 400, "expected {\"orders\":[Order, ...]}");
		return;
	}
	sbx_time_format(now, sizeof now, sbx_now_ms());
	n = json_object_array_length(arr);
	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < n && rc == 0; i++)
		rc = sbx_orders_put_json(sb, json_object_array_get_idx(arr, i), now);
	sbx_orders_sort(sb);
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0) {
		char msg[128];

		snprintf(msg, sizeof msg, "order %zu: needs orderId and ISO 8601 times", i - 1);
		reply_control_error(rp, 400, msg);
		return;
	}
	sbx_reply_json(rp, 200, "{\"ok\":true}");
}

static void
control_add_items(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *arr = NULL;
	size_t i, n;
	int rc = 0;

	if (!json_object_object_get_ex(doc, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		reply_control_error(rp, 400, "expected {\"items\":[{\"id\",\"itemid\"}, ...]}");
		return;
	}
	n = json_object_array_length(arr);
	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < n && rc == 0; i++) {
		json_object *it = json_object_array_get_idx(arr, i);
		const char *id = sbx_json_str(it, "id"), *itemid = sbx_json_str(it, "itemid");

		if (id == NULL || itemid == NULL)
			rc = SC_EINVALID;
		else
			rc = sbx_items_put(sb, id, itemid, sbx_json_str(it, "type"),
			                   sbx_json_str(it, "displayname"));
	}
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0)
		reply_control_error(rp, 400, "every item needs string \"id\" and \"itemid\"");
	else
		sbx_reply_json(rp, 200, "{\"ok\":true}");
}

static void
control_add_faults(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *arr = doc;
	struct sbx_fault f;
	char err[160];
	size_t i, n;

	if (json_object_is_type(doc, json_type_object) &&
	    json_object_object_get_ex(doc, "faults", &arr) == 0)
		arr = NULL;
	n = arr != NULL && json_object_is_type(arr, json_type_array)
	    ? json_object_array_length(arr) : 1;
	for (i = 0; i < n; i++) {
		json_object *one = arr != NULL && json_object_is_type(arr, json_type_array)
		                   ? json_object_array_get_idx(arr, i) : doc;

		if (sbx_fault_parse(&f, one, err, sizeof err) < 0) {
			reply_control_error(rp, 400, err);
			return;
		}
		pthread_mutex_lock(&sb->lock);
		sbx_fault_add(sb, &f);
		pthread_mutex_unlock(&sb->lock);
	}
	sbx_reply_json(rp, 201, "{\"ok\":true}");
}

/* {"events":[{"type":"refund", ...ShipmentEvent}, ...]}: PostedDate defaults to now. */
static void
control_add_events(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *arr = NULL;
	char err[160], msg[200];
	size_t i, n;
	int rc = 0;

	if (!json_object_object_get_ex(doc, "events", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		reply_control_error(rp, 400, "expected {\"events\":[{\"type\":\"refund\", ...}, ...]}");
		return;
	}
	n = json_object_array_length(arr);
	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < n && rc == 0; i++)
		rc = sbx_fevents_add(sb, json_object_array_get_idx(arr, i), 0, err, sizeof err);
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "events[%zu]: %s (the events before it were added)", i - 1, err);
		reply_control_error(rp, 400, msg);
		return;
	}
	snprintf(msg, sizeof msg, "{\"ok\":true,\"added\":%zu}", n);
	sbx_reply_json(rp, 200, msg);
}

static void
control_records(struct sbx *sb, const char *type, struct sbx_reply *rp)
{
	json_object *arr = json_object_new_array();
	struct sbx_rtype *t;
	size_t i;

	pthread_mutex_lock(&sb->lock);
	t = sbx_rtype_get(sb, type, 0);
	for (i = 0; t != NULL && i < t->len; i++)
		json_object_array_add(arr, sbx_netsuite_record_object(sb, t->list[i], 1));
	pthread_mutex_unlock(&sb->lock);
	reply_object(rp, 200, arr);
}

/* Every order as searchOrders would give it with all data sets, in
 * (lastUpdatedTime, orderId) order: for tests, no auth, no rate limit. */
static void
control_orders(struct sbx *sb, struct sbx_reply *rp)
{
	json_object *arr = json_object_new_array();
	size_t i;

	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);   /* cancellation feeds due change orders */
	sbx_orders_sort(sb);
	for (i = 0; i < sb->orders.len; i++)
		json_object_array_add(arr, sbx_order_object(sb, sb->orders.by_updated[i]));
	pthread_mutex_unlock(&sb->lock);
	reply_object(rp, 200, arr);
}

static void
control_order(struct sbx *sb, const char *id, struct sbx_reply *rp)
{
	struct sbx_order *o;
	json_object *obj = NULL;

	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	o = sbx_orders_find(sb, id);
	if (o != NULL)
		obj = sbx_order_object(sb, o);
	pthread_mutex_unlock(&sb->lock);
	if (obj == NULL)
		reply_control_error(rp, 404, "no such order");
	else
		reply_object(rp, 200, obj);
}

void
sbx_control_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *p = rq->path + strlen("/_sandbox/");
	int get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
	json_object *doc = NULL;
	char err[160];

	if (post) {
		doc = sbx_json_parse(buf_cstr(&rq->body), rq->body.len, err, sizeof err);
		if (doc == NULL) {
			reply_control_error(rp, 400, err);
			return;
		}
	}
	if (get && strcmp(p, "stats") == 0)
		reply_object(rp, 200, sbx_stats_object(sb));
	else if (get && strncmp(p, "netsuite/records/", 17) == 0 && p[17] != '\0')
		control_records(sb, p + 17, rp);
	else if (get && strcmp(p, "amazon/orders") == 0)
		control_orders(sb, rp);
	else if (get && strncmp(p, "amazon/orders/", 14) == 0 && p[14] != '\0')
		control_order(sb, p + 14, rp);
	else if (post && strcmp(p, "amazon/orders") == 0)
		control_add_orders(sb, doc, rp);
	else if (post && strcmp(p, "netsuite/items") == 0)
		control_add_items(sb, doc, rp);
	else if (post && strcmp(p, "faults") == 0)
		control_add_faults(sb, doc, rp);
	else if (get && strcmp(p, "amazon/financial-events") == 0) {
		rp->status = 200;
		sbx_finances_dump(sb, &rp->body);
	} else if (post && strcmp(p, "amazon/financial-events") == 0)
		control_add_events(sb, doc, rp);
	else if (get && strcmp(p, "amazon/feeds") == 0)
		sbx_feeds_inspect(sb, rp);
	else if (post && strcmp(p, "amazon/feed-errors") == 0) {
		if (sbx_feeds_script_error(sb, doc, err, sizeof err) < 0)
			reply_control_error(rp, 400, err);
		else
			sbx_reply_json(rp, 201, "{\"ok\":true}");
	} else if (get && strcmp(p, "amazon/shipments") == 0)
		sbx_amzship_shipments(sb, rp);
	else if (get && strcmp(p, "amazon/cancellations") == 0)
		sbx_amzship_cancellations(sb, rp);
	else if ((get || post) && strcmp(p, "amazon/returns") == 0)
		sbx_returns_control(sb, post ? doc : NULL, rp);     /* amzreturns.c */
	else if (get && strcmp(p, "amazon/settlement-reports") == 0)
		sbx_reports_inspect(sb, rp);
	else if (post && strcmp(p, "amazon/settlement-reports") == 0)
		sbx_reports_control_add(sb, doc, rp);
	else if (post && strcmp(p, "netsuite/refund") == 0)
		sbx_transform_control_refund(sb, doc, rp);
	else if (post && (strncmp(p, "netsuite/fulfillment", 20) == 0 ||
	                  strcmp(p, "netsuite/cancel") == 0))
		sbx_fulfill_control(sb, p, doc, rp);       /* nsfulfill.c */
	else if (strcmp(rq->method, "DELETE") == 0 && strcmp(p, "faults") == 0) {
		pthread_mutex_lock(&sb->lock);
		sbx_fault_clear(sb);
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_json(rp, 200, "{\"ok\":true}");
	} else
		reply_control_error(rp, 404, "no such sandbox endpoint");
	json_object_put(doc);
}
