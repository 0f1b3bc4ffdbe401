/*
 * refund_parse.c: Finances API v0 refund events into struct refund.
 *
 * A RefundEventList item has the ShipmentEvent schema (docs/AMAZON.md §3):
 * AmazonOrderId, PostedDate and a ShipmentItemAdjustmentList of items. Each
 * event is one refund (several events on one order are several refunds);
 * each item one line:
 *   line_id = OrderItemId, else OrderAdjustmentItemId (one is required);
 *   sku = SellerSKU; qty = QuantityShipped (0 when absent).
 * Components of an item, names kept as Amazon gives them except where said:
 *   ItemChargeAdjustmentList  ChargeType (ShippingCharge -> "Shipping")
 *   PromotionAdjustmentList   all summed into "Promotion"
 *   ItemFeeAdjustmentList     FeeType (Commission, RefundCommission, ...)
 *   ItemTaxWithheldList       each TaxesWithheld ChargeType
 *                             (MarketplaceFacilitatorTax-Principal, ...)
 *   CostOfPointsReturned      "CostOfPointsReturned" (Amazon Points, JP)
 * The same name twice in one item is summed; components that come to zero
 * are dropped. Amounts keep Amazon's signs (a refunded Principal is
 * negative, a returned Commission positive: the model's "as money leaves
 * the seller"). Event-level adjustment lists (OrderChargeAdjustmentList,
 * ShipmentFeeAdjustmentList, OrderFeeAdjustmentList: Multi-Channel
 * Fulfillment orders only) have no item: they are added to the first line,
 * as order_parse.c does with order-level charges. The non-adjustment lists
 * (ShipmentItemList, ItemChargeList, ...) describe the sale, not the refund,
 * and are ignored.
 *
 * Money is {"CurrencyCode","CurrencyAmount": JSON number}: the number is
 * read from its text (json_get_amount), never through a double. Every amount
 * of an event must be in one currency known to money.h.
 *
 * Id: Finances has no event-level adjustment id. The first non-empty
 * OrderAdjustmentItemId of the items is used (Amazon makes it unique per
 * adjustment; the settlement report's adjustment-id is the same kind of
 * number); without one, "H" + the first 16 hex digits of a SHA-256 over the
 * event's content (see refund_hash_id), so reading the event again gives the
 * same id.
 *
 * Kind and reason: Finances carries no reason code and does not say whether
 * goods came back, so every refund is REFUND_KIND_REFUND with reason NULL
 * here; finances.c then makes those whose order and SKU are in Amazon's
 * returns reports kind return, reason CustomerReturn (returns.c).
 */
#include "adapters/amazon/amazon_int.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/buf.h"
#include "connector/jsonutil.h"
#include "connector/money.h"
#include "connector/timeutil.h"

struct rparse {
	const char *order;   /* for messages: AmazonOrderId or "(unknown)" */
	const char *adj;     /* first OrderAdjustmentItemId, or NULL */
	struct refund *r;
	int have_cur;        /* r->currency/exponent set */
};

static int
perr(const struct rparse *p, struct sc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
perr(const struct rparse *p, struct sc_error *err, int code, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->adj != NULL)
		return sc_error_set(err, code, "refund %s of order %s: %s", p->adj,
		                    p->order, msg);
	return sc_error_set(err, code, "refund of order %s: %s", p->order, msg);
}

static int
nomem(struct sc_error *err)
{
	return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
}

/* Member `key` of `o`; NULL when o is no object, the key is absent or null. */
static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string member: 1 (non-empty), 0 absent/null/"", <0 not a string. */
static int
get_str(const struct rparse *p, json_object *o, const char *key,
        const char *where, const char **out, struct sc_error *err)
{
	int rc;

	*out = NULL;
	if (o == NULL)
		return 0;
	rc = json_get_str(o, key, out, err);
	if (rc < 0) {
		sc_error_prefix(err, "%s", where);
		return perr(p, err, SC_EMALFORMED, "%s", err->msg);
	}
	if (rc == 1 && **out == '\0') {
		*out = NULL;
		return 0;
	}
	return rc;
}

/* A member that must be an array when present: 1, 0 absent, <0. */
static int
get_arr(const struct rparse *p, json_object *o, const char *key,
        const char *where, json_object **out, struct sc_error *err)
{
	json_object *v = member(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return perr(p, err, SC_EMALFORMED, "%s%s%s: expected an array",
		            where, *where ? "." : "", key);
	*out = v;
	return 1;
}

/* A Currency object {"CurrencyCode","CurrencyAmount"} at `where`: the
 * event's currency (the first one sets it), the amount exact. */
static int
money_read(struct rparse *p, json_object *m, const char *where, int64_t *out,
           struct sc_error *err)
{
	json_object *cur = member(m, "CurrencyCode");
	struct sc_error jerr;
	const char *code;
	int e, rc;

	if (m == NULL || !json_object_is_type(m, json_type_object))
		return perr(p, err, SC_EMALFORMED, "%s: expected a Currency object", where);
	if (cur == NULL || !json_object_is_type(cur, json_type_string))
		return perr(p, err, SC_EMALFORMED, "%s.CurrencyCode is missing", where);
	code = json_object_get_string(cur);
	if (!p->have_cur) {
		e = strlen(code) == 3 ? money_exponent(code) : SC_ENOTFOUND;
		if (e < 0)
			return perr(p, err, SC_EMALFORMED, "%s: unknown currency \"%.16s\"",
			            where, code);
		memcpy(p->r->currency, code, 4);
		p->r->exponent = e;
		p->have_cur = 1;
	} else if (strcmp(code, p->r->currency) != 0) {
		return perr(p, err, SC_EMALFORMED,
		            "%s: currency %.16s differs from the refund's %s",
		            where, code, p->r->currency);
	}
	sc_error_clear(&jerr);
	rc = json_get_amount(m, "CurrencyAmount", p->r->exponent, out, &jerr);
	if (rc == 0)
		return perr(p, err, SC_EMALFORMED, "%s.CurrencyAmount is missing", where);
	if (rc < 0)
		return perr(p, err, SC_EMALFORMED, "%s.%s", where, jerr.msg);
	return 0;
}

/* Add `amount` to the line's component `type` (a new one, or summed into
 * the one of that name). */
static int
comp_add(const struct rparse *p, struct refund_line *l, const char *type,
         int64_t amount, const char *where, struct sc_error *err)
{
	struct refund_component *c;
	size_t i, tl = strlen(type);

	if (tl == 0)
		return perr(p, err, SC_EMALFORMED, "%s: the type is empty", where);
	if (tl >= sizeof(c->type))
		return perr(p, err, SC_EMALFORMED, "%s: type \"%.60s\" is longer than "
		            "%zu characters", where, type, sizeof(c->type) - 1);
	for (i = 0; i < l->ncomps; i++) {
		if (strcmp(l->comps[i].type, type) == 0) {
			if (money_add(&l->comps[i].amount, l->comps[i].amount, amount) < 0)
				return perr(p, err, SC_EMALFORMED, "%s: amounts overflow", where);
			return 0;
		}
	}
	c = realloc(l->comps, (l->ncomps + 1) * sizeof(*c));
	if (c == NULL)
		return nomem(err);
	l->comps = c;
	c = &l->comps[l->ncomps++];
	memset(c, 0, sizeof(*c));
	memcpy(c->type, type, tl + 1);
	c->amount = amount;
	return 0;
}

/* A ChargeComponent or FeeComponent list: each {NAME_KEY, AMOUNT_KEY}. */
static int
list_add(struct rparse *p, struct refund_line *l, json_object *o,
         const char *key, const char *name_key, const char *amount_key,
         const char *fixed_name, const char *where, struct sc_error *err)
{
	json_object *list = NULL;
	char w[200];
	size_t i, n;
	int rc;

	if ((rc = get_arr(p, o, key, where, &list, err)) <= 0)
		return rc;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);
		const char *name = fixed_name;
		int64_t v = 0;

		snprintf(w, sizeof(w), "%s%s%s[%zu]", where, *where ? "." : "", key, i);
		if (c == NULL || !json_object_is_type(c, json_type_object))
			return perr(p, err, SC_EMALFORMED, "%s: expected an object", w);
		if (name == NULL) {
			if ((rc = get_str(p, c, name_key, w, &name, err)) < 0)
				return rc;
			if (rc == 0)
				return perr(p, err, SC_EMALFORMED, "%s.%s is missing", w, name_key);
			if (strcmp(name, "ShippingCharge") == 0)
				name = "Shipping";
		}
		snprintf(w, sizeof(w), "%s%s%s[%zu].%s", where, *where ? "." : "", key, i,
		         amount_key);
		if ((rc = money_read(p, member(c, amount_key), w, &v, err)) < 0 ||
		    (rc = comp_add(p, l, name, v, w, err)) < 0)
			return rc;
	}
	return 0;
}

/* ItemTaxWithheldList: [{TaxCollectionModel, TaxesWithheld: [ChargeComponent]}]. */
static int
withheld_add(struct rparse *p, struct refund_line *l, json_object *item,
             const char *where, struct sc_error *err)
{
	json_object *list = NULL;
	char w[200];
	size_t i, n;
	int rc;

	if ((rc = get_arr(p, item, "ItemTaxWithheldList", where, &list, err)) <= 0)
		return rc;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(list, i);

		snprintf(w, sizeof(w), "%s.ItemTaxWithheldList[%zu]", where, i);
		if (t == NULL || !json_object_is_type(t, json_type_object))
			return perr(p, err, SC_EMALFORMED, "%s: expected an object", w);
		if ((rc = list_add(p, l, t, "TaxesWithheld", "ChargeType", "ChargeAmount",
		                   NULL, w, err)) < 0)
			return rc;
	}
	return 0;
}

/* Drop the components that came to zero. */
static void
comps_compact(struct refund_line *l)
{
	size_t i, o = 0;

	for (i = 0; i < l->ncomps; i++)
		if (l->comps[i].amount != 0)
			l->comps[o++] = l->comps[i];
	l->ncomps = o;
	if (o == 0) {
		free(l->comps);
		l->comps = NULL;
	}
}

static int
dup_opt(const char *s, char **out, struct sc_error *err)
{
	if (s == NULL)
		return 0;
	if ((*out = strdup(s)) == NULL)
		return nomem(err);
	return 0;
}

static int
item_parse(struct rparse *p, json_object *it, size_t idx, struct refund_line *l,
           struct sc_error *err)
{
	const char *item_id = NULL, *adj_id = NULL, *sku = NULL;
	char where[64], w[96];
	int64_t q = 0;
	int rc;

	snprintf(where, sizeof(where), "ShipmentItemAdjustmentList[%zu]", idx);
	if (it == NULL || !json_object_is_type(it, json_type_object))
		return perr(p, err, SC_EMALFORMED, "%s: expected an object", where);
	if ((rc = get_str(p, it, "OrderItemId", where, &item_id, err)) < 0 ||
	    (rc = get_str(p, it, "OrderAdjustmentItemId", where, &adj_id, err)) < 0 ||
	    (rc = get_str(p, it, "SellerSKU", where, &sku, err)) < 0)
		return rc;
	if (item_id == NULL && adj_id == NULL)
		return perr(p, err, SC_EMALFORMED,
		            "%s has neither OrderItemId nor OrderAdjustmentItemId", where);
	if ((rc = dup_opt(item_id != NULL ? item_id : adj_id, &l->line_id, err)) < 0 ||
	    (rc = dup_opt(sku, &l->sku, err)) < 0)
		return rc;
	rc = json_get_int(it, "QuantityShipped", &q, err);
	if (rc < 0) {
		sc_error_prefix(err, "%s", where);
		return perr(p, err, SC_EMALFORMED, "%s", err->msg);
	}
	if (q < 0)
		return perr(p, err, SC_EMALFORMED, "%s.QuantityShipped is negative", where);
	l->qty = q;

	if ((rc = list_add(p, l, it, "ItemChargeAdjustmentList", "ChargeType",
	                   "ChargeAmount", NULL, where, err)) < 0 ||
	    (rc = list_add(p, l, it, "PromotionAdjustmentList", NULL,
	                   "PromotionAmount", "Promotion", where, err)) < 0 ||
	    (rc = list_add(p, l, it, "ItemFeeAdjustmentList", "FeeType", "FeeAmount",
	                   NULL, where, err)) < 0 ||
	    (rc = withheld_add(p, l, it, where, err)) < 0)
		return rc;
	if (member(it, "CostOfPointsReturned") != NULL) {
		int64_t v = 0;

		snprintf(w, sizeof(w), "%s.CostOfPointsReturned", where);
		if ((rc = money_read(p, member(it, "CostOfPointsReturned"), w, &v, err)) < 0 ||
		    (rc = comp_add(p, l, "CostOfPointsReturned", v, w, err)) < 0)
			return rc;
	}
	return 0;
}

/* The first non-empty OrderAdjustmentItemId of the event's items, or NULL
 * (borrowed from the JSON). */
static const char *
first_adjustment_id(json_object *event)
{
	json_object *list = member(event, "ShipmentItemAdjustmentList");
	size_t i, n;

	if (list == NULL || !json_object_is_type(list, json_type_array))
		return NULL;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *v = member(json_object_array_get_idx(list, i),
		                        "OrderAdjustmentItemId");

		if (v != NULL && json_object_is_type(v, json_type_string) &&
		    json_object_get_string_len(v) > 0 &&
		    memchr(json_object_get_string(v), '\0',
		           (size_t)json_object_get_string_len(v)) == NULL)
			return json_object_get_string(v);
	}
	return NULL;
}

/* Length-prefixed, so no two different inputs encode the same. */
static int
hash_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_puts(b, "-;");
	return buf_printf(b, "%zu:%s;", strlen(s), s);
}

/* "H" + 16 hex digits of SHA-256 over: "amazon-refund-v1", the order id,
 * the PostedDate text as Amazon wrote it, the currency, and per line (in
 * Amazon's order) its line_id, SKU, quantity and components (name and
 * minor units, in Amazon's order). */
static int
refund_hash_id(const struct refund *r, const char *posted_text, char **out,
               struct sc_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b;
	char id[18];
	size_t i, j;
	int rc = 0;

	buf_init(&b, 0);
	if (hash_str(&b, "amazon-refund-v1") < 0 || hash_str(&b, r->order_id) < 0 ||
	    hash_str(&b, posted_text) < 0 || hash_str(&b, r->currency) < 0 ||
	    buf_printf(&b, "%zu;", r->nlines) < 0) {
		rc = nomem(err);
		goto done;
	}
	for (i = 0; i < r->nlines; i++) {
		const struct refund_line *l = &r->lines[i];

		if (hash_str(&b, l->line_id) < 0 || hash_str(&b, l->sku) < 0 ||
		    buf_printf(&b, "%lld;%zu;", (long long)l->qty, l->ncomps) < 0) {
			rc = nomem(err);
			goto done;
		}
		for (j = 0; j < l->ncomps; j++) {
			if (hash_str(&b, l->comps[j].type) < 0 ||
			    buf_printf(&b, "%lld;", (long long)l->comps[j].amount) < 0) {
				rc = nomem(err);
				goto done;
			}
		}
	}
	if (EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 8) {
		rc = sc_error_set(err, SC_ERROR, "amazon: SHA-256 is not available");
		goto done;
	}
	id[0] = 'H';
	for (i = 0; i < 8; i++) {
		id[1 + 2 * i] = hex[md[i] >> 4];
		id[2 + 2 * i] = hex[md[i] & 15];
	}
	id[17] = '\0';
	if ((*out = strdup(id)) == NULL)
		rc = nomem(err);
done:
	buf_free(&b);
	return rc;
}

/* The event-level adjustment lists, onto the first line. */
static int
event_level_add(struct rparse *p, json_object *ev, struct sc_error *err)
{
	static const struct {
		const char *key, *name_key, *amount_key;
	} lists[] = {
		{ "OrderChargeAdjustmentList", "ChargeType", "ChargeAmount" },
		{ "ShipmentFeeAdjustmentList", "FeeType", "FeeAmount" },
		{ "OrderFeeAdjustmentList", "FeeType", "FeeAmount" },
	};
	json_object *list = NULL;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if ((rc = get_arr(p, ev, lists[i].key, "", &list, err)) < 0)
			return rc;
		if (rc == 0 || json_object_array_length(list) == 0)
			continue;
		if (p->r->nlines == 0)
			return perr(p, err, SC_EMALFORMED,
			            "%s but no ShipmentItemAdjustmentList item to carry it",
			            lists[i].key);
		if ((rc = list_add(p, &p->r->lines[0], ev, lists[i].key,
		                   lists[i].name_key, lists[i].amount_key, NULL, "",
		                   err)) < 0)
			return rc;
	}
	return 0;
}

int
amazon__refund_parse(json_object *ev, struct refund **out, struct sc_error *err)
{
	struct rparse p;
	struct refund *r = NULL;
	json_object *items = NULL;
	const char *order = NULL, *posted = NULL;
	size_t i, n;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.order = "(unknown)";
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return nomem(err);
	p.r = r;
	r->source = SIDE_MARKETPLACE;
	r->kind = REFUND_KIND_REFUND;
	r->reason = NULL;   /* Finances carries no reason code */
	if (ev == NULL || !json_object_is_type(ev, json_type_object)) {
		rc = perr(&p, err, SC_EMALFORMED, "the event is not a JSON object");
		goto done;
	}
	p.adj = first_adjustment_id(ev);
	if ((rc = get_str(&p, ev, "AmazonOrderId", "event", &order, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = perr(&p, err, SC_EMALFORMED, "AmazonOrderId is missing");
		goto done;
	}
	if ((r->order_id = strdup(order)) == NULL) {
		rc = nomem(err);
		goto done;
	}
	p.order = r->order_id;
	if ((rc = get_str(&p, ev, "PostedDate", "event", &posted, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = perr(&p, err, SC_EMALFORMED, "PostedDate is missing");
		goto done;
	}
	if (time_parse_iso8601(&r->posted, posted, strlen(posted)) < 0) {
		rc = perr(&p, err, SC_EMALFORMED, "PostedDate \"%.40s\" is not an "
		          "ISO 8601 time", posted);
		goto done;
	}

	if ((rc = get_arr(&p, ev, "ShipmentItemAdjustmentList", "", &items, err)) < 0)
		goto done;
	n = items != NULL ? json_object_array_length(items) : 0;
	if (n == 0) {
		rc = perr(&p, err, SC_EMALFORMED, "ShipmentItemAdjustmentList is missing "
		          "or empty");
		goto done;
	}
	if ((r->lines = calloc(n, sizeof(*r->lines))) == NULL) {
		rc = nomem(err);
		goto done;
	}
	r->nlines = n;
	for (i = 0; i < n; i++)
		if ((rc = item_parse(&p, json_object_array_get_idx(items, i), i,
		                     &r->lines[i], err)) < 0)
			goto done;
	if ((rc = event_level_add(&p, ev, err)) < 0)
		goto done;
	if (!p.have_cur) {
		rc = perr(&p, err, SC_EMALFORMED, "no amount in the event says its currency");
		goto done;
	}
	for (i = 0; i < n; i++)
		comps_compact(&r->lines[i]);

	if (p.adj != NULL)
		rc = dup_opt(p.adj, &r->id, err);
	else
		rc = refund_hash_id(r, posted, &r->id, err);
	if (rc < 0)
		goto done;
	*out = r;
	r = NULL;
	rc = 0;
done:
	refund_free(r);
	return rc;
}

void
amazon__refund_item_free(void *refund)
{
	refund_free(refund);
}

/* The id a refund event that does not parse is listed under. */
static const char *
bad_id(json_object *ev)
{
	const char *adj = first_adjustment_id(ev);
	json_object *o = member(ev, "AmazonOrderId");

	if (adj != NULL)
		return adj;
	if (o != NULL && json_object_is_type(o, json_type_string) &&
	    json_object_get_string_len(o) > 0)
		return json_object_get_string(o);
	return "(unknown)";
}

int
amazon__finances_response_parse(struct page *out, char **next_token,
                                const char *order_id, const char *body,
                                size_t len, struct sc_error *err)
{
	json_object *root = NULL, *payload, *events, *list, *tok;
	struct sc_error rerr;
	size_t i, n;
	int rc;

	*next_token = NULL;
	if (body == NULL) {
		body = "";
		len = 0;
	}
	if ((rc = json_parse_buf(&root, body, len, err)) < 0) {
		sc_error_prefix(err, "amazon financial events: the response is not JSON");
		goto done;
	}
	payload = member(root, "payload");
	if (payload == NULL || !json_object_is_type(payload, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon financial events: the response has no `payload` object");
		goto done;
	}
	events = member(payload, "FinancialEvents");
	if (events != NULL && !json_object_is_type(events, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon financial events: FinancialEvents is not an object");
		goto done;
	}
	list = member(events, "RefundEventList");
	if (list != NULL && !json_object_is_type(list, json_type_array)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon financial events: RefundEventList is not an array");
		goto done;
	}
	n = list != NULL ? json_object_array_length(list) : 0;
	for (i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(list, i);
		struct refund *r = NULL;

		sc_error_clear(&rerr);
		rc = amazon__refund_parse(ev, &r, &rerr);
		if (rc == SC_ENOMEM) {
			*err = rerr;
			goto done;
		}
		if (rc == 0 && order_id != NULL && strcmp(r->order_id, order_id) != 0) {
			sc_error_set(&rerr, SC_EMALFORMED, "refund %s of order %s: in the "
			             "answer for order %s", r->id, r->order_id, order_id);
			refund_free(r);
			r = NULL;
			rc = SC_EMALFORMED;
		}
		if (rc < 0) {
			if ((rc = page_add_bad(out, bad_id(ev), &rerr)) < 0) {
				sc_error_set(err, rc, "amazon: out of memory");
				goto done;
			}
			continue;
		}
		if ((rc = page_add(out, r)) < 0) {
			sc_error_set(err, rc, "amazon: out of memory");
			goto done;
		}
	}

	tok = member(payload, "NextToken");
	if (tok != NULL && !json_object_is_type(tok, json_type_string)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon financial events: NextToken is not a string");
		goto done;
	}
	if (tok != NULL && json_object_get_string_len(tok) > 0 &&
	    (*next_token = strdup(json_object_get_string(tok))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
		goto done;
	}
	rc = 0;
done:
	json_object_put(root);
	return rc;
}
