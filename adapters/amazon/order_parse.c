/*
 * order_parse.c: Orders API 2026-01-01 Order objects into struct order.
 *
 * The JSON is the outside world: every field is checked for its type, every
 * amount is a Money {"amount": "<decimal string>", "currencyCode"} read from
 * its text (money_parse, never a double) in the one currency of the order,
 * and the lines' charges must add up to proceeds.grandTotal to the minor
 * unit. An order that fails any of this is SC_EMALFORMED with a sentence
 * naming the order and the field; the page parser turns it into a page_bad
 * entry and goes on with the next order.
 *
 * Mapping of an item's proceeds.breakdowns (docs/AMAZON.md §2b):
 *   ITEM -> subtotal, SHIPPING -> shipping, GIFT_WRAP -> gift_wrap,
 *   COD_FEE / OTHER -> other,
 *   TAX -> tax; when its detailedBreakdowns add up to it, the SHIPPING
 *     subtype goes to shipping_tax and GIFT_WRAP to gift_wrap (the model's
 *     gift_wrap includes its tax),
 *   DISCOUNT (negative from Amazon; a positive one is malformed) -> discount
 *     as a positive reduction; with adding-up details the SHIPPING subtype
 *     goes to shipping_discount.
 * Order-level breakdowns are the lines' aggregates, except categories no
 * item carries (DELIVERY_TIP): those are added to the first line's `other`
 * so the order still adds up to grandTotal.
 */
#include "adapters/amazon/amazon_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/jsonutil.h"
#include "connector/money.h"
#include "connector/timeutil.h"

struct oparse {
	const char *id;     /* for messages: the orderId, or "(unknown)" */
	struct order *o;
	int have_cur;       /* o->currency/exponent set */
};

static int
perr(const struct oparse *p, struct sc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
perr(const struct oparse *p, struct sc_error *err, int code, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sc_error_set(err, code, "order %s: %s", p->id, msg);
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

/* Member `key` that must be an object when present: 1, 0 absent, <0. */
static int
get_obj(const struct oparse *p, json_object *o, const char *key,
        const char *where, json_object **out, struct sc_error *err)
{
	json_object *v = member(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return perr(p, err, SC_EMALFORMED, "%s%s%s: expected an object",
		            where, *where ? "." : "", key);
	*out = v;
	return 1;
}

/* Member `key` that must be an array when present: 1, 0 absent, <0. */
static int
get_arr(const struct oparse *p, json_object *o, const char *key,
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

/* A string member through jsonutil: 1, 0 absent, <0 with context. */
static int
get_str(const struct oparse *p, json_object *o, const char *key,
        const char *where, const char **out, struct sc_error *err)
{
	int rc;

	*out = NULL;
	if (o == NULL)
		return 0;
	rc = json_get_str(o, key, out, err);
	if (rc < 0)
		sc_error_prefix(err, "order %s: %s", p->id, *where ? where : "order");
	return rc;
}

/* A required non-empty string. */
static int
need_str(const struct oparse *p, json_object *o, const char *key,
         const char *where, const char **out, struct sc_error *err)
{
	int rc = get_str(p, o, key, where, out, err);

	if (rc < 0)
		return rc;
	if (rc == 0 || **out == '\0')
		return perr(p, err, SC_EMALFORMED, "%s%s%s is missing",
		            where, *where ? "." : "", key);
	return 0;
}

/* An optional string copied into *out (NULL when absent or empty). */
static int
dup_str(const struct oparse *p, json_object *o, const char *key,
        const char *where, char **out, struct sc_error *err)
{
	const char *s = NULL;
	int rc = get_str(p, o, key, where, &s, err);

	if (rc <= 0 || *s == '\0')
		return rc < 0 ? rc : 0;
	*out = strdup(s);
	if (*out == NULL)
		return nomem(err);
	return 0;
}

/* An optional non-negative integer: 1 read, 0 absent, <0. */
static int
get_count(const struct oparse *p, json_object *o, const char *key,
          const char *where, int64_t *out, struct sc_error *err)
{
	int rc;

	if (o == NULL)
		return 0;
	rc = json_get_int(o, key, out, err);
	if (rc < 0) {
		sc_error_prefix(err, "order %s: %s", p->id, where);
		err->code = SC_EMALFORMED;   /* out of range is malformed here */
		return SC_EMALFORMED;
	}
	if (rc == 1 && *out < 0)
		return perr(p, err, SC_EMALFORMED, "%s.%s is negative", where, key);
	return rc;
}

static int
get_time(const struct oparse *p, json_object *o, const char *key,
         int64_t *out, struct sc_error *err)
{
	const char *s = NULL;
	int rc;

	if ((rc = need_str(p, o, key, "", &s, err)) < 0)
		return rc;
	if (time_parse_iso8601(out, s, strlen(s)) < 0)
		return perr(p, err, SC_EMALFORMED,
		            "%s \"%.40s\" is not an ISO 8601 time", key, s);
	return 0;
}

/* A Money object at `where`: its currency must be the order's (the first
 * one seen sets it); its amount a decimal string. */
static int
get_money(struct oparse *p, json_object *m, const char *where, int64_t *out,
          struct sc_error *err)
{
	json_object *amt = member(m, "amount");
	json_object *cur = member(m, "currencyCode");
	const char *code, *text;
	int e;

	if (!json_object_is_type(m, json_type_object))
		return perr(p, err, SC_EMALFORMED, "%s: expected a Money object", where);
	if (cur == NULL || !json_object_is_type(cur, json_type_string))
		return perr(p, err, SC_EMALFORMED, "%s.currencyCode is missing", where);
	if (amt == NULL)
		return perr(p, err, SC_EMALFORMED, "%s.amount is missing", where);
	if (!json_object_is_type(amt, json_type_string))
		return perr(p, err, SC_EMALFORMED,
		            "%s.amount must be a decimal string, not a JSON %s",
		            where, json_type_to_name(json_object_get_type(amt)));
	code = json_object_get_string(cur);
	text = json_object_get_string(amt);

	if (!p->have_cur) {
		e = strlen(code) == 3 ? money_exponent(code) : SC_ENOTFOUND;
		if (e < 0)
			return perr(p, err, SC_EMALFORMED,
			            "%s: unknown currency \"%.16s\"", where, code);
		memcpy(p->o->currency, code, 4);
		p->o->exponent = e;
		p->have_cur = 1;
	} else if (strcmp(code, p->o->currency) != 0) {
		return perr(p, err, SC_EMALFORMED,
		            "%s: currency %.16s differs from the order's %s",
		            where, code, p->o->currency);
	}
	if (money_parse(out, text, (size_t)json_object_get_string_len(amt),
	                p->o->exponent) < 0)
		return perr(p, err, SC_EMALFORMED,
		            "%s.amount \"%.40s\" is not an amount in %s",
		            where, text, p->o->currency);
	return 0;
}

static int
acc(const struct oparse *p, int64_t *dst, int64_t v, const char *where,
    struct sc_error *err)
{
	if (money_add(dst, *dst, v) < 0)
		return perr(p, err, SC_EMALFORMED, "%s: amounts overflow", where);
	return 0;
}

/* The detailedBreakdowns of a TAX or DISCOUNT entry split into shipping,
 * gift wrap and the rest. 1 when present and adding up to `subtotal`, 0
 * when not (use the subtotal whole), <0 on a bad amount. */
static int
detail_split(struct oparse *p, json_object *b, const char *where,
             int64_t subtotal, int64_t *ship, int64_t *wrap, int64_t *rest,
             struct sc_error *err)
{
	json_object *list = NULL;
	char w[160];
	size_t i, n;
	int64_t sum = 0, v;
	int rc;

	*ship = *wrap = *rest = 0;
	if ((rc = get_arr(p, b, "detailedBreakdowns", where, &list, err)) <= 0)
		return rc;
	n = json_object_array_length(list);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(list, i);
		json_object *val = member(d, "value");
		const char *sub = NULL;
		int64_t *dst;

		snprintf(w, sizeof(w), "%s.detailedBreakdowns[%zu]", where, i);
		if (val == NULL)
			return 0;
		if ((rc = get_str(p, d, "subtype", w, &sub, err)) < 0)
			return rc;
		snprintf(w, sizeof(w), "%s.detailedBreakdowns[%zu].value", where, i);
		if ((rc = get_money(p, val, w, &v, err)) < 0)
			return rc;
		if (sub != NULL && strcmp(sub, "SHIPPING") == 0)
			dst = ship;
		else if (sub != NULL && strcmp(sub, "GIFT_WRAP") == 0)
			dst = wrap;
		else
			dst = rest;
		if ((rc = acc(p, dst, v, w, err)) < 0 ||
		    (rc = acc(p, &sum, v, w, err)) < 0)
			return rc;
	}
	return sum == subtotal ? 1 : 0;
}

static int
negate(const struct oparse *p, int64_t *out, int64_t v, const char *where,
       struct sc_error *err)
{
	if (v == INT64_MIN)
		return perr(p, err, SC_EMALFORMED, "%s: amount out of range", where);
	*out = -v;
	return 0;
}

/* One entry of an item's proceeds.breakdowns into the line. */
static int
item_breakdown(struct oparse *p, json_object *b, const char *where,
               struct order_line *l, struct sc_error *err)
{
	json_object *sub = member(b, "subtotal");
	const char *type = NULL;
	char w[160];
	int64_t amt = 0, ship = 0, wrap = 0, rest = 0, neg = 0;
	int rc;

	if (!json_object_is_type(b, json_type_object))
		return perr(p, err, SC_EMALFORMED, "%s: expected an object", where);
	if ((rc = need_str(p, b, "type", where, &type, err)) < 0)
		return rc;
	if (sub == NULL)
		return perr(p, err, SC_EMALFORMED, "%s.subtotal is missing", where);
	snprintf(w, sizeof(w), "%s.subtotal", where);
	if ((rc = get_money(p, sub, w, &amt, err)) < 0)
		return rc;

	if (strcmp(type, "ITEM") == 0)
		return acc(p, &l->subtotal, amt, w, err);
	if (strcmp(type, "SHIPPING") == 0)
		return acc(p, &l->shipping, amt, w, err);
	if (strcmp(type, "GIFT_WRAP") == 0)
		return acc(p, &l->gift_wrap, amt, w, err);
	if (strcmp(type, "COD_FEE") == 0 || strcmp(type, "OTHER") == 0)
		return acc(p, &l->other, amt, w, err);
	if (strcmp(type, "TAX") == 0) {
		if ((rc = detail_split(p, b, where, amt, &ship, &wrap, &rest, err)) < 0)
			return rc;
		if (rc == 0)
			return acc(p, &l->tax, amt, w, err);
		if ((rc = acc(p, &l->tax, rest, w, err)) < 0 ||
		    (rc = acc(p, &l->shipping_tax, ship, w, err)) < 0)
			return rc;
		return acc(p, &l->gift_wrap, wrap, w, err);
	}
	if (strcmp(type, "DISCOUNT") == 0) {
		if (amt > 0)
			return perr(p, err, SC_EMALFORMED,
			            "%s: a DISCOUNT must not be positive", w);
		if ((rc = detail_split(p, b, where, amt, &ship, &wrap, &rest, err)) < 0)
			return rc;
		if (rc == 0 || ship > 0 || wrap > 0 || rest > 0) {
			ship = 0;
			rest = amt;
			wrap = 0;
		}
		if ((rc = negate(p, &neg, ship, w, err)) < 0 ||
		    (rc = acc(p, &l->shipping_discount, neg, w, err)) < 0 ||
		    (rc = acc(p, &rest, wrap, w, err)) < 0 ||
		    (rc = negate(p, &neg, rest, w, err)) < 0)
			return rc;
		return acc(p, &l->discount, neg, w, err);
	}
	return perr(p, err, SC_EMALFORMED, "%s: unknown proceeds type \"%.40s\"",
	            where, type);
}

static int
line_parse(struct oparse *p, json_object *ji, size_t idx, struct order_line *l,
           struct sc_error *err)
{
	json_object *prod = NULL, *price = NULL, *unit = NULL, *ful = NULL;
	json_object *proc = NULL, *bds = NULL;
	const char *s = NULL;
	char where[48], w[160];
	size_t i, n;
	int rc;

	snprintf(where, sizeof(where), "orderItems[%zu]", idx);
	if (!json_object_is_type(ji, json_type_object))
		return perr(p, err, SC_EMALFORMED, "%s: expected an object", where);
	if ((rc = need_str(p, ji, "orderItemId", where, &s, err)) < 0)
		return rc;
	if ((l->line_id = strdup(s)) == NULL)
		return nomem(err);
	if ((rc = get_count(p, ji, "quantityOrdered", where, &l->qty, err)) < 0)
		return rc;
	if (rc == 0)
		return perr(p, err, SC_EMALFORMED, "%s.quantityOrdered is missing", where);

	snprintf(w, sizeof(w), "%s.product", where);
	if ((rc = get_obj(p, ji, "product", where, &prod, err)) < 0)
		return rc;
	if (rc == 0)
		return perr(p, err, SC_EMALFORMED, "%s is missing", w);
	if ((rc = dup_str(p, prod, "sellerSku", w, &l->sku, err)) < 0 ||
	    (rc = dup_str(p, prod, "title", w, &l->title, err)) < 0 ||
	    (rc = get_obj(p, prod, "price", w, &price, err)) < 0)
		return rc;
	unit = member(price, "unitPrice");
	if (unit != NULL) {
		snprintf(w, sizeof(w), "%s.product.price.unitPrice", where);
		if ((rc = get_money(p, unit, w, &l->unit_price, err)) < 0)
			return rc;
	}

	if ((rc = get_obj(p, ji, "fulfillment", where, &ful, err)) < 0)
		return rc;
	snprintf(w, sizeof(w), "%s.fulfillment", where);
	if ((rc = get_count(p, ful, "quantityFulfilled", w, &l->qty_shipped, err)) < 0)
		return rc;
	/* The model has no per-item cancelled quantity: in a cancelled order
	 * whatever did not ship is cancelled. */
	if (p->o->status == ORDER_CANCELLED && l->qty > l->qty_shipped)
		l->qty_cancelled = l->qty - l->qty_shipped;

	if ((rc = get_obj(p, ji, "proceeds", where, &proc, err)) < 0)
		return rc;
	snprintf(w, sizeof(w), "%s.proceeds", where);
	if ((rc = get_arr(p, proc, "breakdowns", w, &bds, err)) < 0)
		return rc;
	n = bds != NULL ? json_object_array_length(bds) : 0;
	for (i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%s.proceeds.breakdowns[%zu]", where, i);
		if ((rc = item_breakdown(p, json_object_array_get_idx(bds, i), w, l,
		                         err)) < 0)
			return rc;
	}
	return 0;
}

static const struct {
	const char *name;
	enum order_status status;
} amazon_statuses[] = {
	{ "PENDING_AVAILABILITY", ORDER_PENDING },
	{ "PENDING", ORDER_PENDING },
	{ "UNSHIPPED", ORDER_UNSHIPPED },
	{ "PARTIALLY_SHIPPED", ORDER_PARTIALLY_SHIPPED },
	{ "SHIPPED", ORDER_SHIPPED },
	{ "CANCELLED", ORDER_CANCELLED },
	{ "UNFULFILLABLE", ORDER_UNFULFILLABLE },
};

static int
status_parse(struct oparse *p, json_object *jo, struct sc_error *err)
{
	json_object *ful = NULL;
	const char *s = NULL, *by = NULL;
	size_t i;
	int rc;

	if ((rc = get_obj(p, jo, "fulfillment", "", &ful, err)) < 0)
		return rc;
	if (rc == 0)
		return perr(p, err, SC_EMALFORMED,
		            "fulfillment is missing (asked with includedData FULFILLMENT)");
	if ((rc = need_str(p, ful, "fulfillmentStatus", "fulfillment", &s, err)) < 0)
		return rc;
	for (i = 0; i < sizeof(amazon_statuses) / sizeof(amazon_statuses[0]); i++)
		if (strcmp(s, amazon_statuses[i].name) == 0)
			break;
	if (i == sizeof(amazon_statuses) / sizeof(amazon_statuses[0]))
		return perr(p, err, SC_EMALFORMED,
		            "unknown fulfillment.fulfillmentStatus \"%.40s\"", s);
	p->o->status = amazon_statuses[i].status;
	if ((p->o->raw_status = strdup(s)) == NULL)
		return nomem(err);

	if ((rc = get_str(p, ful, "fulfilledBy", "fulfillment", &by, err)) < 0)
		return rc;
	if (by == NULL)
		return 0;
	if (strcmp(by, "AMAZON") == 0)
		by = "marketplace";
	else if (strcmp(by, "MERCHANT") == 0)
		by = "merchant";
	else
		return 0;   /* a value this adapter does not know: left unset */
	if ((p->o->fulfilled_by = strdup(by)) == NULL)
		return nomem(err);
	return 0;
}

static int
people_parse(struct oparse *p, json_object *jo, struct sc_error *err)
{
	struct order *o = p->o;
	json_object *buyer = NULL, *rcp = NULL, *addr = NULL;
	const char *w = "recipient.deliveryAddress";
	int rc;

	if ((rc = get_obj(p, jo, "buyer", "", &buyer, err)) < 0 ||
	    (rc = dup_str(p, buyer, "buyerName", "buyer", &o->buyer_name, err)) < 0 ||
	    (rc = dup_str(p, buyer, "buyerEmail", "buyer", &o->buyer_email, err)) < 0)
		return rc;
	if (o->buyer_email != NULL && (o->buyer_id = strdup(o->buyer_email)) == NULL)
		return nomem(err);

	if ((rc = get_obj(p, jo, "recipient", "", &rcp, err)) < 0 ||
	    (rc = get_obj(p, rcp, "deliveryAddress", "recipient", &addr, err)) < 0)
		return rc;
	if ((rc = dup_str(p, addr, "name", w, &o->ship_to.name, err)) < 0 ||
	    (rc = dup_str(p, addr, "addressLine1", w, &o->ship_to.line1, err)) < 0 ||
	    (rc = dup_str(p, addr, "addressLine2", w, &o->ship_to.line2, err)) < 0 ||
	    (rc = dup_str(p, addr, "addressLine3", w, &o->ship_to.line3, err)) < 0 ||
	    (rc = dup_str(p, addr, "city", w, &o->ship_to.city, err)) < 0 ||
	    (rc = dup_str(p, addr, "stateOrRegion", w, &o->ship_to.region, err)) < 0 ||
	    (rc = dup_str(p, addr, "postalCode", w, &o->ship_to.postal_code, err)) < 0 ||
	    (rc = dup_str(p, addr, "countryCode", w, &o->ship_to.country_code, err)) < 0 ||
	    (rc = dup_str(p, addr, "phone", w, &o->ship_to.phone, err)) < 0)
		return rc;
	return 0;
}

/* proceeds: grandTotal into o->total (*have_total), and the sum of the
 * order-level categories no item carries into *unattributed. */
static int
proceeds_parse(struct oparse *p, json_object *jo, int *have_total,
               int64_t *unattributed, struct sc_error *err)
{
	static const char *const per_item[] = {
		"ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "TAX", "DISCOUNT", "OTHER"
	};
	json_object *proc = NULL, *gt, *bds = NULL;
	char w[64];
	size_t i, j, n;
	int64_t v;
	int rc;

	*have_total = 0;
	*unattributed = 0;
	if ((rc = get_obj(p, jo, "proceeds", "", &proc, err)) <= 0)
		return rc;
	gt = member(proc, "grandTotal");
	if (gt != NULL) {
		if ((rc = get_money(p, gt, "proceeds.grandTotal", &p->o->total, err)) < 0)
			return rc;
		*have_total = 1;
	}
	if ((rc = get_arr(p, proc, "breakdowns", "proceeds", &bds, err)) < 0)
		return rc;
	n = bds != NULL ? json_object_array_length(bds) : 0;
	for (i = 0; i < n; i++) {
		json_object *b = json_object_array_get_idx(bds, i);
		json_object *sub = member(b, "subtotal");
		const char *type = NULL;

		snprintf(w, sizeof(w), "proceeds.breakdowns[%zu]", i);
		if (!json_object_is_type(b, json_type_object))
			return perr(p, err, SC_EMALFORMED, "%s: expected an object", w);
		if ((rc = need_str(p, b, "type", w, &type, err)) < 0)
			return rc;
		if (sub == NULL)
			return perr(p, err, SC_EMALFORMED, "%s.subtotal is missing", w);
		snprintf(w, sizeof(w), "proceeds.breakdowns[%zu].subtotal", i);
		if ((rc = get_money(p, sub, w, &v, err)) < 0)
			return rc;
		for (j = 0; j < sizeof(per_item) / sizeof(per_item[0]); j++)
			if (strcmp(type, per_item[j]) == 0)
				break;
		if (j == sizeof(per_item) / sizeof(per_item[0]) &&
		    (rc = acc(p, unattributed, v, w, err)) < 0)
			return rc;
	}
	return 0;
}

static int
totals_check(struct oparse *p, int have_total, int64_t unattributed,
             struct sc_error *err)
{
	struct order *o = p->o;
	int may_lack = o->status == ORDER_PENDING || o->status == ORDER_CANCELLED;
	char a[32], b[32];
	int64_t sum = 0;
	int rc;

	if (unattributed != 0) {
		if (o->nlines == 0)
			return perr(p, err, SC_EMALFORMED,
			            "order-level proceeds but no orderItems to carry them");
		if ((rc = acc(p, &o->lines[0].other, unattributed, "proceeds", err)) < 0)
			return rc;
	}
	if (!have_total && !may_lack)
		return perr(p, err, SC_EMALFORMED,
		            "proceeds.grandTotal is missing (asked with includedData PROCEEDS)");
	if (order_computed_total(o, &sum) < 0)
		return perr(p, err, SC_EMALFORMED, "the lines' amounts overflow");
	if (!have_total) {
		o->total = sum;
		return 0;
	}
	if (sum != o->total) {
		money_format(a, sizeof(a), sum, o->exponent);
		money_format(b, sizeof(b), o->total, o->exponent);
		return perr(p, err, SC_EMALFORMED,
		            "items sum to %s but grandTotal is %s", a, b);
	}
	return 0;
}

int
amazon__order_parse(json_object *jo, struct order **out, struct sc_error *err)
{
	struct oparse p;
	struct order *o = NULL;
	json_object *sc = NULL, *items = NULL;
	const char *id = NULL;
	int64_t unattributed = 0;
	int have_total = 0, rc;
	size_t i, n;

	*out = NULL;
	p.id = "(unknown)";
	p.have_cur = 0;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return nomem(err);
	p.o = o;
	if (!json_object_is_type(jo, json_type_object)) {
		rc = perr(&p, err, SC_EMALFORMED, "not a JSON object");
		goto done;
	}
	if ((rc = need_str(&p, jo, "orderId", "", &id, err)) < 0)
		goto done;
	if ((o->id = strdup(id)) == NULL || (o->marketplace = strdup("amazon")) == NULL) {
		rc = nomem(err);
		goto done;
	}
	p.id = o->id;

	if ((rc = get_time(&p, jo, "createdTime", &o->created, err)) < 0 ||
	    (rc = get_time(&p, jo, "lastUpdatedTime", &o->updated, err)) < 0)
		goto done;
	if ((rc = get_obj(&p, jo, "salesChannel", "", &sc, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = perr(&p, err, SC_EMALFORMED, "salesChannel is missing");
		goto done;
	}
	if ((rc = dup_str(&p, sc, "marketplaceId", "salesChannel", &o->channel, err)) < 0 ||
	    (rc = dup_str(&p, sc, "marketplaceName", "salesChannel", &o->channel_name, err)) < 0 ||
	    (rc = status_parse(&p, jo, err)) < 0 ||
	    (rc = people_parse(&p, jo, err)) < 0 ||
	    (rc = proceeds_parse(&p, jo, &have_total, &unattributed, err)) < 0)
		goto done;

	if ((rc = get_arr(&p, jo, "orderItems", "", &items, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = perr(&p, err, SC_EMALFORMED, "orderItems is missing");
		goto done;
	}
	n = json_object_array_length(items);
	if (n > 0) {
		if ((o->lines = calloc(n, sizeof(*o->lines))) == NULL) {
			rc = nomem(err);
			goto done;
		}
		o->nlines = n;
	}
	for (i = 0; i < n; i++)
		if ((rc = line_parse(&p, json_object_array_get_idx(items, i), i,
		                     &o->lines[i], err)) < 0)
			goto done;

	if ((rc = totals_check(&p, have_total, unattributed, err)) < 0)
		goto done;
	*out = o;
	o = NULL;
	rc = 0;
done:
	order_free(o);
	return rc;
}

void
amazon__order_item_free(void *order)
{
	order_free(order);
}

int
amazon__orders_response_parse(struct page *out, char **next_token,
                              const char *body, size_t len, struct sc_error *err)
{
	json_object *root = NULL, *orders = NULL, *pag = NULL, *tok;
	struct sc_error oerr;
	size_t i, n;
	int rc;

	*next_token = NULL;
	if (body == NULL) {
		body = "";
		len = 0;
	}
	if ((rc = json_parse_buf(&root, body, len, err)) < 0) {
		sc_error_prefix(err, "amazon searchOrders: the response is not JSON");
		goto done;
	}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "orders", &orders) ||
	    !json_object_is_type(orders, json_type_array)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon searchOrders: the response has no `orders` array");
		goto done;
	}
	n = json_object_array_length(orders);
	for (i = 0; i < n; i++) {
		json_object *jo = json_object_array_get_idx(orders, i);
		json_object *jid = member(jo, "orderId");
		struct order *o = NULL;
		const char *id = "(unknown)";

		sc_error_clear(&oerr);
		rc = amazon__order_parse(jo, &o, &oerr);
		if (rc == SC_ENOMEM) {
			*err = oerr;
			goto done;
		}
		if (rc < 0) {
			if (jid != NULL && json_object_is_type(jid, json_type_string) &&
			    json_object_get_string_len(jid) > 0)
				id = json_object_get_string(jid);
			if ((rc = page_add_bad(out, id, &oerr)) < 0) {
				sc_error_set(err, rc, "amazon: out of memory");
				goto done;
			}
			continue;
		}
		if ((rc = page_add(out, o)) < 0) {
			sc_error_set(err, rc, "amazon: out of memory");
			goto done;
		}
	}

	pag = member(root, "pagination");
	tok = member(pag, "nextToken");
	if (tok != NULL && !json_object_is_type(tok, json_type_string)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon searchOrders: pagination.nextToken is not a string");
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
