/* finances.c: Finances API v0. The financial events store (seeded, added
 * through the control API, made by accepted refund feeds) and the two reads:
 *   GET /finances/v0/financialEvents?PostedAfter&PostedBefore&MaxResultsPerPage&NextToken
 *   GET /finances/v0/orders/{orderId}/financialEvents?MaxResultsPerPage&NextToken
 * Events are sorted by (PostedDate, insertion). An event is kept as its
 * JSON text; every CurrencyAmount in it is an exact decimal written as a
 * JSON number from its decimal text (never through a double). */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <inttypes.h>
#include <json-c/printbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIN_MAX_PAGE 100
#define FIN_SPAN_MS (180LL * 86400 * 1000)

const char *const sbx_fin_lists[] = {
	"ShipmentEventList", "ShipmentSettleEventList", "RefundEventList",
	"GuaranteeClaimEventList", "EBTRefundReimbursementOnlyEventList", "ChargebackEventList",
	"PayWithAmazonEventList", "ServiceProviderCreditEventList", "RetrochargeEventList",
	"RentalTransactionEventList", "ProductAdsPaymentEventList", "ServiceFeeEventList",
	"SellerDealPaymentEventList", "DebtRecoveryEventList", "LoanServicingEventList",
	"AdjustmentEventList", "SAFETReimbursementEventList",
	"SellerReviewEnrollmentPaymentEventList", "FBALiquidationEventList",
	"CouponPaymentEventList", "ImagingServicesFeeEventList",
	"NetworkComminglingTransactionEventList", "AffordabilityExpenseEventList",
	"AffordabilityExpenseReversalEventList", "RemovalShipmentEventList",
	"RemovalShipmentAdjustmentEventList", "TrialShipmentEventList",
	"TDSReimbursementEventList", "AdhocDisbursementEventList", "TaxWithholdingEventList",
	"ChargeRefundEventList", "FailedAdhocDisbursementEventList",
	"ValueAddedServiceChargeEventList", "CapacityReservationBillingEventList",
};
const size_t sbx_fin_nlists = sizeof sbx_fin_lists / sizeof sbx_fin_lists[0];

/* The seed's "type" of an event -> its list (all four use ShipmentEvent). */
static const struct {
	const char *type, *list;
} fin_types[] = {
	{ "shipment", "ShipmentEventList" }, { "refund", "RefundEventList" },
	{ "guarantee_claim", "GuaranteeClaimEventList" }, { "chargeback", "ChargebackEventList" },
};

static int
list_index(const char *name)
{
	size_t i;

	for (i = 0; i < sbx_fin_nlists; i++)
		if (strcmp(sbx_fin_lists[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *
type_of_list(int list)
{
	size_t i;

	for (i = 0; i < sizeof fin_types / sizeof fin_types[0]; i++)
		if (strcmp(fin_types[i].list, sbx_fin_lists[list]) == 0)
			return fin_types[i].type;
	return "other";
}

void
sbx_finances_init(struct sbx *sb)
{
	sb->fevent_seq = 1;
}

void
sbx_finances_free(struct sbx *sb)
{
	size_t i;

	for (i = 0; i < sb->nfevents; i++) {
		free(sb->fevents[i]->json);
		free(sb->fevents[i]);
	}
	free(sb->fevents);
	sb->fevents = NULL;
	sb->nfevents = sb->fevents_cap = 0;
	sbx_map_free(&sb->refunded, free);
	sbx_map_free(&sb->adj_ids, NULL);
}

/* ---- exact amounts ---------------------------------------------------------- */

static int
exact_print(json_object *o, struct printbuf *pb, int level, int flags)
{
	const char *t = json_object_get_string(o);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, t, (int)strlen(t));
}

json_object *
sbx_json_exact_number(const char *text)
{
	json_object *o = json_object_new_string(text);

	json_object_set_serializer(o, exact_print, NULL, NULL);
	return o;
}

/* Replace every CurrencyAmount under `o` by an exact number node. */
static int
amounts_normalize(json_object *o, char *err, size_t errn)
{
	size_t i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			if (amounts_normalize(json_object_array_get_idx(o, i), err, errn) < 0)
				return -1;
		return 0;
	}
	if (!json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach(o, key, val) {
		struct sbx_dec d;
		char text[48];

		if (strcmp(key, "CurrencyAmount") != 0) {
			if (amounts_normalize(val, err, errn) < 0)
				return -1;
			continue;
		}
		/* A parsed JSON number keeps its text in json-c; a string is taken too. */
		if (!(json_object_is_type(val, json_type_int) || json_object_is_type(val, json_type_double) ||
		      json_object_is_type(val, json_type_string)) ||
		    sbx_dec_parse(&d, json_object_get_string(val)) < 0) {
			snprintf(err, errn, "CurrencyAmount %.40s is not a decimal number",
			         json_object_get_string(val));
			return -1;
		}
		sbx_dec_format(text, sizeof text, &d);
		json_object_object_add(o, key, sbx_json_exact_number(text));
	}
	return 0;
}

/* ---- the store -------------------------------------------------------------- */

static void
refund_key(char *out, size_t n, const char *order_id, const char *item_id)
{
	snprintf(out, n, "%s\x1f%s", order_id, item_id);
}

struct sbx_dec
sbx_fevents_refunded(struct sbx *sb, const char *order_id, const char *item_id)
{
	struct sbx_dec zero = { 0, 0 }, *d;
	char key[128];

	refund_key(key, sizeof key, order_id, item_id);
	d = sbx_map_get(&sb->refunded, key);
	return d ? *d : zero;
}

/* Add the negated amounts of list [{..., key: {CurrencyAmount}}] to *sum. */
static void
refund_sum(struct sbx_dec *sum, json_object *list, const char *key)
{
	size_t i;

	if (!json_object_is_type(list, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *m = NULL, *a = NULL;
		struct sbx_dec d;

		if (json_object_object_get_ex(json_object_array_get_idx(list, i), key, &m) &&
		    json_object_object_get_ex(m, "CurrencyAmount", &a) &&
		    sbx_dec_parse(&d, json_object_get_string(a)) == 0) {
			d.units = -d.units;
			sbx_dec_add(sum, &d);
		}
	}
}

/* Account a refund event's items in sb->refunded. */
static int
refund_account(struct sbx *sb, const char *order_id, const char *json)
{
	json_object *ev = sbx_json_parse(json, strlen(json), NULL, 0), *items = NULL;
	size_t i;
	int rc = 0;

	if (!json_object_object_get_ex(ev, "ShipmentItemAdjustmentList", &items) ||
	    !json_object_is_type(items, json_type_array))
		items = NULL;
	for (i = 0; items != NULL && i < json_object_array_length(items) && rc == 0; i++) {
		json_object *it = json_object_array_get_idx(items, i), *l = NULL;
		const char *oid = sbx_json_str(it, "OrderItemId");
		struct sbx_dec *d;
		char key[128];

		if (oid == NULL)
			continue;
		refund_key(key, sizeof key, order_id, oid);
		d = sbx_map_get(&sb->refunded, key);
		if (d == NULL) {
			d = calloc(1, sizeof *d);
			if (d == NULL || (rc = sbx_map_put(&sb->refunded, key, d, NULL)) < 0) {
				free(d);
				rc = SC_ENOMEM;
				break;
			}
		}
		if (json_object_object_get_ex(it, "ItemChargeAdjustmentList", &l))
			refund_sum(d, l, "ChargeAmount");
		if (json_object_object_get_ex(it, "PromotionAdjustmentList", &l))
			refund_sum(d, l, "PromotionAmount");
	}
	json_object_put(ev);
	return rc;
}

int
sbx_fevents_add_text(struct sbx *sb, int list, const char *order_id, int64_t posted_ms, char *json)
{
	struct sbx_fevent *e;

	if (sb->nfevents == sb->fevents_cap) {
		size_t ncap = sb->fevents_cap ? sb->fevents_cap * 2 : 64;
		struct sbx_fevent **nv = realloc(sb->fevents, ncap * sizeof *nv);

		if (nv == NULL) {
			free(json);
			return SC_ENOMEM;
		}
		sb->fevents = nv;
		sb->fevents_cap = ncap;
	}
	e = calloc(1, sizeof *e);
	if (e == NULL) {
		free(json);
		return SC_ENOMEM;
	}
	e->posted_ms = posted_ms;
	e->seq = sb->fevent_seq++;
	e->list = list;
	snprintf(e->order_id, sizeof e->order_id, "%s", order_id ? order_id : "");
	e->json = json;
	sb->fevents[sb->nfevents++] = e;
	sb->fevents_dirty = 1;
	if (e->order_id[0] != '\0' && strcmp(sbx_fin_lists[list], "RefundEventList") == 0)
		return refund_account(sb, e->order_id, json);
	return 0;
}

int
sbx_fevents_add(struct sbx *sb, json_object *ev, int64_t shift_ms, char *err, size_t errn)
{
	const char *type = sbx_json_str(ev, "type"), *posted, *oid;
	json_object *inner = NULL;
	char when[32], *text;
	int64_t posted_ms = sbx_now_ms();
	int list = -1;
	size_t i;

	if (!json_object_is_type(ev, json_type_object)) {
		snprintf(err, errn, "an event is an object");
		return SC_EINVALID;
	}
	/* Also {"type": ..., "event": {...}}: the event inside. */
	if (json_object_object_get_ex(ev, "event", &inner) &&
	    json_object_is_type(inner, json_type_object))
		ev = inner;
	posted = sbx_json_str(ev, "PostedDate");
	oid = sbx_json_str(ev, "AmazonOrderId");
	for (i = 0; type != NULL && i < sizeof fin_types / sizeof fin_types[0]; i++)
		if (strcmp(fin_types[i].type, type) == 0)
			list = list_index(fin_types[i].list);
	if (list < 0) {
		snprintf(err, errn, "\"type\" must be refund, shipment, guarantee_claim or chargeback");
		return SC_EINVALID;
	}
	if (json_object_object_get_ex(ev, "PostedDate", NULL) &&
	    (posted == NULL || sbx_time_parse(&posted_ms, posted) < 0)) {
		snprintf(err, errn, "PostedDate must be an ISO 8601 date-time");
		return SC_EINVALID;
	}
	if (oid != NULL && strlen(oid) >= sizeof ((struct sbx_fevent *)0)->order_id) {
		snprintf(err, errn, "AmazonOrderId is too long");
		return SC_EINVALID;
	}
	if (posted == NULL || shift_ms != 0) {
		posted_ms += shift_ms;
		sbx_time_format(when, sizeof when, posted_ms);
		json_object_object_add(ev, "PostedDate", json_object_new_string(when));
	}
	json_object_object_del(ev, "type");
	if (amounts_normalize(ev, err, errn) < 0)
		return SC_EINVALID;
	oid = sbx_json_str(ev, "AmazonOrderId");
	text = strdup(json_object_to_json_string_ext(ev, SBX_JSON_FLAGS));
	if (text == NULL)
		return SC_ENOMEM;
	return sbx_fevents_add_text(sb, list, oid, posted_ms, text);
}

static int
cmp_event(const void *a, const void *b)
{
	const struct sbx_fevent *x = *(struct sbx_fevent *const *)a;
	const struct sbx_fevent *y = *(struct sbx_fevent *const *)b;

	if (x->posted_ms != y->posted_ms)
		return x->posted_ms < y->posted_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
sbx_fevents_sort(struct sbx *sb)
{
	if (!sb->fevents_dirty)
		return;
	qsort(sb->fevents, sb->nfevents, sizeof *sb->fevents, cmp_event);
	sb->fevents_dirty = 0;
}

void
sbx_finances_dump(struct sbx *sb, struct buf *out)
{
	size_t i;

	buf_puts(out, "[");
	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	sbx_fevents_sort(sb);
	for (i = 0; i < sb->nfevents; i++) {
		const struct sbx_fevent *e = sb->fevents[i];

		buf_printf(out, "%s{\"type\":\"%s\"", i ? "," : "", type_of_list(e->list));
		if (strcmp(e->json, "{}") != 0) {
			buf_puts(out, ",");
			buf_puts(out, e->json + 1);
		} else {
			buf_puts(out, "}");
		}
	}
	pthread_mutex_unlock(&sb->lock);
	buf_puts(out, "]");
}

/* ---- the reads ----------------------------------------------------------------- */

struct fin_query {
	int by_order;
	char order_id[32];
	int64_t after_ms, before_ms;
	long max;
	int empty;                 /* a window over 180 days: nothing, no error */
	int has_last;
	int64_t last_ms;
	uint64_t last_seq;
	uint64_t fp;
};

static void
token_encode(struct buf *out, const struct sbx *sb, const struct fin_query *q, int64_t last_ms,
             uint64_t last_seq)
{
	char payload[256];
	int n;

	n = snprintf(payload, sizeof payload,
	             "F1|%016" PRIx64 "|%" PRId64 "|%" PRId64 "|%ld|%d|%" PRId64 "|%" PRIu64 "|%" PRId64,
	             q->fp, q->after_ms, q->before_ms, q->max, q->empty, last_ms, last_seq,
	             sbx_now_ms());
	n += snprintf(payload + n, sizeof payload - (size_t)n, "|%016" PRIx64,
	              sbx_hash64(payload, (size_t)n, sb->page_secret));
	sbx_base64_encode(out, (const unsigned char *)payload, (size_t)n);
}

/* 0 ok, else msg filled. */
static int
token_decode(struct fin_query *q, const struct sbx *sb, const char *tok, char *msg, size_t msgn)
{
	unsigned char *raw = NULL;
	size_t len = 0, i;
	char *f[10] = { 0 }, *p, *end = NULL;
	int nf = 0, rc = -1;
	int64_t issued;

	snprintf(msg, msgn, "Invalid NextToken.");
	if (sbx_base64_decode(&raw, &len, tok, strlen(tok)) < 0 || len < 20 || len > 250)
		goto done;
	p = (char *)raw;
	p[len] = '\0';
	for (i = len; i > 0 && p[i - 1] != '|'; i--)
		;
	if (i == 0 || sbx_hash64(p, i - 1, sb->page_secret) != strtoull(p + i, &end, 16) || *end)
		goto done;
	f[nf++] = p;
	for (; *p != '\0' && nf < 10; p++)
		if (*p == '|') {
			*p = '\0';
			f[nf++] = p + 1;
		}
	if (nf != 10 || strcmp(f[0], "F1") != 0)
		goto done;
	if (strtoull(f[1], &end, 16) != q->fp) {
		snprintf(msg, msgn, "The NextToken does not belong to this request.");
		goto done;
	}
	q->after_ms = strtoll(f[2], &end, 10);
	q->before_ms = strtoll(f[3], &end, 10);
	q->max = strtol(f[4], &end, 10);
	q->empty = f[5][0] == '1';
	q->last_ms = strtoll(f[6], &end, 10);
	q->last_seq = strtoull(f[7], &end, 10);
	issued = strtoll(f[8], &end, 10);
	if (sbx_now_ms() - issued > (int64_t)(86400000.0 / sb->time_scale)) {
		snprintf(msg, msgn, "The NextToken has expired.");
		goto done;
	}
	q->has_last = 1;
	rc = 0;
done:
	free(raw);
	return rc;
}

/* A time parameter that must repeat the token's value. */
static int
same_time(const char *given, int64_t want)
{
	int64_t t;

	return given == NULL || (sbx_time_parse(&t, given) == 0 && t == want);
}

/* Validate as the model says; 0 ok, else msg. */
static int
fin_parse(struct sbx *sb, struct fin_query *q, const struct sbx_params *p, char *msg, size_t msgn)
{
	const char *pa = sbx_params_get(p, "PostedAfter"), *pb = sbx_params_get(p, "PostedBefore");
	const char *mx = sbx_params_get(p, "MaxResultsPerPage"), *tok = sbx_params_get(p, "NextToken");
	int64_t latest = sbx_now_ms() - (int64_t)(120000.0 / sb->time_scale);
	long max = 0;

	if (mx != NULL) {
		char *end = NULL;

		max = strtol(mx, &end, 10);
		if (*mx == '\0' || *end != '\0' || max < 1 || max > FIN_MAX_PAGE) {
			snprintf(msg, msgn, "MaxResultsPerPage must be an integer between 1 and 100.");
			return -1;
		}
	}
	q->fp = sbx_hash64(q->order_id, strlen(q->order_id) + 1, (uint64_t)q->by_order + 7);
	if (tok != NULL && *tok != '\0') {
		if (token_decode(q, sb, tok, msg, msgn) < 0)
			return -1;
		if (!q->by_order && (!same_time(pa, q->after_ms) || !same_time(pb, q->before_ms))) {
			snprintf(msg, msgn, "PostedAfter and PostedBefore must repeat the values of the "
			         "request that returned the NextToken.");
			return -1;
		}
		if (max > 0)
			q->max = max;
		return 0;
	}
	q->max = max > 0 ? max : FIN_MAX_PAGE;
	if (q->by_order)
		return 0;
	if (pa == NULL) {
		snprintf(msg, msgn, pb ? "PostedBefore requires PostedAfter."
		                       : "Missing required parameter: PostedAfter.");
		return -1;
	}
	if (sbx_time_parse(&q->after_ms, pa) < 0) {
		snprintf(msg, msgn, "Invalid PostedAfter: '%.40s' is not an ISO 8601 date-time.", pa);
		return -1;
	}
	q->before_ms = latest;
	if (pb != NULL && sbx_time_parse(&q->before_ms, pb) < 0) {
		snprintf(msg, msgn, "Invalid PostedBefore: '%.40s' is not an ISO 8601 date-time.", pb);
		return -1;
	}
	if (q->after_ms > latest + 1000) {
		snprintf(msg, msgn, "PostedAfter must be more than two minutes before the time of "
		         "the request.");
		return -1;
	}
	if (pb != NULL && q->before_ms > latest + 1000) {
		snprintf(msg, msgn, "PostedBefore must be more than two minutes before the time of "
		         "the request.");
		return -1;
	}
	if (q->before_ms < q->after_ms) {
		snprintf(msg, msgn, "PostedBefore must be later than PostedAfter.");
		return -1;
	}
	q->empty = q->before_ms - q->after_ms > FIN_SPAN_MS;
	return 0;
}

static int
fin_matches(const struct fin_query *q, const struct sbx_fevent *e)
{
	if (q->by_order)
		return strcmp(e->order_id, q->order_id) == 0;
	return e->posted_ms >= q->after_ms && e->posted_ms < q->before_ms;
}

/* Order ids are 3-7-7 digits. */
static int
order_id_valid(const char *s)
{
	size_t i;

	if (strlen(s) != 19)
		return 0;
	for (i = 0; i < 19; i++)
		if ((i == 3 || i == 11) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

void
sbx_finances_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	struct fin_query q;
	const struct sbx_fevent *hits[FIN_MAX_PAGE];
	size_t nhits = 0, i, k, start = 0;
	int more = 0;
	char msg[200];

	memset(&q, 0, sizeof q);
	if (rq->op == SBX_OP_LIST_FIN_EVENTS_BY_ORDER) {
		const char *id = rq->path + strlen("/finances/v0/orders/");
		size_t n = strcspn(id, "/");

		q.by_order = 1;
		snprintf(q.order_id, sizeof q.order_id, "%.*s", (int)(n < 31 ? n : 31), id);
		if (n >= sizeof q.order_id || !order_id_valid(q.order_id)) {
			sbx_reply_amazon_error(rp, 400, "InvalidInput", "Bad order ID provided.");
			return;
		}
	}
	if (fin_parse(sb, &q, &rq->query, msg, sizeof msg) < 0) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
		return;
	}
	rp->status = 200;
	rp->content_type = "application/json";
	buf_puts(&rp->body, "{\"payload\":{");
	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	sbx_fevents_sort(sb);
	if (!q.by_order) {          /* first event posted at or after the start */
		size_t lo = 0, hi = sb->nfevents;
		int64_t from = q.has_last ? q.last_ms : q.after_ms;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (sb->fevents[mid]->posted_ms < from)
				lo = mid + 1;
			else
				hi = mid;
		}
		start = lo;
	}
	for (i = start; i < sb->nfevents && !q.empty; i++) {
		const struct sbx_fevent *e = sb->fevents[i];

		if (!q.by_order && e->posted_ms >= q.before_ms)
			break;
		if (q.has_last && (e->posted_ms < q.last_ms ||
		                   (e->posted_ms == q.last_ms && e->seq <= q.last_seq)))
			continue;
		if (!fin_matches(&q, e))
			continue;
		if (nhits == (size_t)q.max) {
			more = 1;
			break;
		}
		hits[nhits++] = e;
	}
	if (more) {
		buf_puts(&rp->body, "\"NextToken\":\"");
		token_encode(&rp->body, sb, &q, hits[nhits - 1]->posted_ms, hits[nhits - 1]->seq);
		buf_puts(&rp->body, "\",");
	}
	buf_puts(&rp->body, "\"FinancialEvents\":{");
	for (k = 0; k < sbx_fin_nlists; k++) {
		int first = 1;

		buf_printf(&rp->body, "%s\"%s\":[", k ? "," : "", sbx_fin_lists[k]);
		for (i = 0; i < nhits; i++) {
			if (hits[i]->list != (int)k)
				continue;
			if (!first)
				buf_puts(&rp->body, ",");
			buf_puts(&rp->body, hits[i]->json);
			first = 0;
		}
		buf_puts(&rp->body, "]");
	}
	pthread_mutex_unlock(&sb->lock);
	buf_puts(&rp->body, "}}}");
	sbx_amazon_rate_header(sb, rp, q.by_order ? &sb->bucket_fin_order : &sb->bucket_fin);
}
