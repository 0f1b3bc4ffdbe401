/*
 * refund.c: a marketplace refund becomes the NetSuite record the refund rules
 * chose, linked to the order (the refund_create slot).
 *
 * Chain, from the type the order was posted as (order_ref->type):
 *   cashSale   -> cashRefund | returnAuthorization: transform of the order.
 *   invoice    -> creditMemo | returnAuthorization: transform of the order.
 *   invoice    -> customerRefund: invoice -> creditMemo (external id + "-CM",
 *                 carrying the lines), then creditMemo -> customerRefund
 *                 applying that credit memo [U: NETSUITE.md marks both that
 *                 transform and customerRefund's REST keys unconfirmed].
 *   salesOrder -> returnAuthorization: transform of the order.
 *   salesOrder -> creditMemo | customerRefund | cashRefund: first the billing
 *                 record, an invoice (a cash sale for cashRefund) created from
 *                 the sales order (SuiteQL on transaction.createdfrom), the
 *                 first whose lines hold the refunded items; when there is
 *                 none, the sales order is billed by transform (external id +
 *                 "-BILL", the whole order); then as from that record.
 *   Any other pair: SC_EINVALID "NetSuite cannot make a X from a Y" before any
 *   request (refund_paths in netsuite.c lists the same pairs for the mapping).
 *
 * Idempotency: each record made has a deterministic external id (the
 * caller's AMZ-RFD-{orderId}-{adjustmentId}, or it + "-CM" / "-BILL"). The
 * final record is looked up by external id before any write, and each
 * intermediate one before its transform: found, it is used as it is (and the
 * final one still read back and compared). A transform POST is not
 * idempotent, so it is marked so for the http client (never re-sent after a
 * timeout) and carries "externalId": a repeat is refused by NetSuite
 * (DUP_RCRD [U: the code for transactions]) instead of making a second
 * record. After any failure of the POST (no answer, an error, no Location)
 * the external id is looked up once more: found means an earlier or this
 * attempt made it.
 *
 * The other way (records people make in NetSuite) is changes.c; the lines a
 * refund writes and the comparison are refund_plan.c.
 *
 * Body: POST .../record/v1/{from}/{id}/!transform/{target}?replace=item with
 *   {"externalId","tranDate" (the refund's posted date, UTC),"memo":"Amazon
 *    refund ADJ of order ORDER","item":{"items":[...]}}
 * Item lines first, one per refund line with a Principal or a quantity: its
 * item (the SKU resolved as for orders: erp_sku, else sku, by itemid),
 * "quantity" = the refunded quantity (left out for an amount-only line),
 * "rate" = amount / quantity only when that is exact, "amount" = the
 * Principal credited. Then one line per charge part with quantity 1 and
 * rate = amount on its configured item, as body.c does for orders: shipping
 * (Shipping, ShippingCharge, ShippingTax, ReturnShipping), discount
 * (Promotion..., ...Discount), tax (Tax, TaxDiscount, other ...Tax), gift
 * wrap (GiftWrap, GiftWrapTax), other (RestockingFee, Goodwill, COD, any
 * other name). Marketplace fees (Commission, RefundCommission, ...Fee,
 * ...Chargeback) and withheld tax (MarketplaceFacilitatorTax...) are between
 * the marketplace and the seller: they belong to the settlement and never
 * go onto the buyer's refund record. Amounts are negated: components are
 * signed as money leaves the seller, a refund record's lines are what the
 * buyer is credited. `replace=item` makes these lines the record's lines
 * instead of adding them to those the transform copies from the source.
 * Every refunded item must be on the source record in at least the refunded
 * quantity (SC_EINVALID naming the SKU otherwise): lines are matched by item
 * and quantity, amounts are the refund's, exactly.
 *
 * Read back: GET the record with expandSubResources=true and compare its type
 * (self link), each line's item, quantity and amount and its total with what
 * was written; any difference is SC_EINVALID listing them, with *out filled
 * so the engine binds the record and a person can look at it. For a
 * customerRefund: the credit memo's lines, and the refund's total (or the
 * amount applied to that credit memo when NetSuite shows no total).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/model.h"
#include "connector/money.h"
#include "connector/timeutil.h"

static const char *
str_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

/* ---- bodies -------------------------------------------------------------- */

/* ,"key":<exact decimal> */
static int
put_amount(struct buf *b, const char *key, int64_t minor, int exponent)
{
	char txt[32];
	int rc;

	if ((rc = money_format(txt, sizeof(txt), minor, exponent)) < 0)
		return rc;
	return buf_printf(b, ",\"%s\":%s", key, txt);
}

/* "Amazon refund ADJ of order ORDER": the marketplace from the external
 * id's prefix (AMZ-...). */
static int
put_memo(struct buf *b, const char *verb, const struct refund *r, const char *eid)
{
	size_t plen = strcspn(eid, "-");
	int rc;

	if ((rc = buf_puts(b, ",\"memo\":\"")) < 0 || (rc = buf_puts(b, verb)) < 0)
		return rc;
	if (plen == 3 && strncmp(eid, "AMZ", 3) == 0)
		rc = buf_puts(b, "Amazon");
	else
		rc = buf_append(b, eid, plen);
	if (rc < 0 || (rc = buf_puts(b, " refund ")) < 0 ||
	    (rc = buf_json_escape(b, str_or(r->id, ""))) < 0 ||
	    (rc = buf_puts(b, " of order ")) < 0 ||
	    (rc = buf_json_escape(b, str_or(r->order_id, ""))) < 0)
		return rc;
	return buf_puts(b, "\"");
}

/* {"externalId":"...","tranDate":"..." + memo (no closing brace). */
static int
put_head(struct buf *b, const char *verb, const struct refund *r, const char *eid, int date)
{
	char day[11];
	int rc;

	if ((rc = buf_puts(b, "{\"externalId\":\"")) < 0 || (rc = buf_json_escape(b, eid)) < 0 ||
	    (rc = buf_puts(b, "\"")) < 0)
		return rc;
	if (date && r->posted > 0) {
		time_format_date(day, r->posted);
		if ((rc = buf_printf(b, ",\"tranDate\":\"%s\"", day)) < 0)
			return rc;
	}
	return put_memo(b, verb, r, eid);
}

int
netsuite__refund_body(struct buf *out, const struct netsuite_rplan *plan,
                      const struct refund *r, const char *external_id)
{
	size_t i;
	int rc;

	if ((rc = put_head(out, "", r, external_id, 1)) < 0 ||
	    (rc = buf_puts(out, ",\"item\":{\"items\":[")) < 0)
		return rc;
	for (i = 0; i < plan->n; i++) {
		const struct netsuite_rline *l = &plan->lines[i];
		if ((rc = buf_puts(out, i > 0 ? ",{\"item\":{\"id\":\"" : "{\"item\":{\"id\":\"")) < 0 ||
		    (rc = buf_json_escape(out, str_or(l->item_id, ""))) < 0 ||
		    (rc = buf_puts(out, "\"}")) < 0)
			return rc;
		if (l->qty > 0 && (rc = buf_printf(out, ",\"quantity\":%lld", (long long)l->qty)) < 0)
			return rc;
		if (l->qty > 0 && l->amount % l->qty == 0 &&
		    (rc = put_amount(out, "rate", l->amount / l->qty, r->exponent)) < 0)
			return rc;
		if ((rc = put_amount(out, "amount", l->amount, r->exponent)) < 0 ||
		    (rc = buf_puts(out, "}")) < 0)
			return rc;
	}
	return buf_puts(out, "]}}");
}

/* ---- requests ------------------------------------------------------------ */

/* POST the transform of from/from_id into `target` under eid; the new
 * record's id into out_id. */
static int
refund_transform(struct netsuite *ns, const char *from, const char *from_id, const char *target,
                 const char *eid, const struct buf *body, int replace_items, char *out_id,
                 size_t n, struct sc_error *err)
{
	struct netsuite_call call;
	struct http_response resp;
	struct sc_error scratch;
	struct erp_ref found;
	struct buf url;
	char what[320];
	int rc, frc;

	memset(&resp, 0, sizeof(resp));
	buf_init(&url, 0);
	snprintf(what, sizeof(what), "transform of %s %s into %s %s", from, from_id, target, eid);
	if ((rc = buf_printf(&url, "%s/services/rest/record/v1/%s/%s/!transform/%s%s", ns->base_url,
	                     from, from_id, target, replace_items ? "?replace=item" : "")) < 0) {
		sc_error_set(err, rc, "NetSuite %s: out of memory", what);
		goto done;
	}
	memset(&call, 0, sizeof(call));
	call.method = "POST";
	call.url = buf_cstr(&url);
	call.body = body->data;
	call.body_len = body->len;
	call.op = "transformRecord";
	call.idempotent = 0;          /* a second POST could make a second record */
	if ((rc = netsuite__call(ns, &call, &resp, err)) < 0) {
		sc_error_prefix(err, "NetSuite %s", what);
	} else if (resp.status >= 200 && resp.status < 300) {
		if (netsuite__location_id(out_id, n, http_response_header(&resp, "Location"), target) == 0)
			goto done;
		rc = sc_error_set(err, SC_ETRANSIENT,
		                  "NetSuite %s: HTTP %ld without a Location naming the record", what,
		                  resp.status);
	} else {
		rc = netsuite__error_from_response(err, &resp, what);
	}
	/* No answer, a refusal (DUP_RCRD: made by an earlier attempt) or no
	 * Location: the record may exist all the same. */
	sc_error_clear(&scratch);
	frc = netsuite__record_find(ns, target, eid, &found, &scratch);
	if (frc == 1) {
		snprintf(out_id, n, "%s", found.id);
		sc_error_clear(err);
		rc = 0;
	}
done:
	http_response_free(&resp);
	buf_free(&url);
	return rc;
}

/* `target` under eid: found by external id, else made from from/from_id. */
static int
refund_step(struct netsuite *ns, const char *from, const char *from_id, const char *target,
            const char *eid, const struct buf *body, int replace_items, char *out_id, size_t n,
            struct sc_error *err)
{
	struct erp_ref found;
	int rc;

	if ((rc = netsuite__record_find(ns, target, eid, &found, err)) < 0)
		return rc;
	if (rc == 1) {
		snprintf(out_id, n, "%s", found.id);
		return 0;
	}
	return refund_transform(ns, from, from_id, target, eid, body, replace_items, out_id, n, err);
}

/* 1 when type/id holds every refunded item in at least the refunded
 * quantity; 0 with the reason in why; <0 error. */
static int
refund_source_covers(struct netsuite *ns, const char *type, const char *id,
                     const struct netsuite_rplan *plan, int exponent, char *why, size_t whyn,
                     struct sc_error *err)
{
	struct netsuite_txn t;
	struct netsuite_tline *lines = NULL;
	size_t nlines = 0, i, j;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = netsuite__txn_get(ns, type, id, &t, err)) <= 0) {
		if (rc == 0)
			rc = sc_error_set(err, SC_ENOTFOUND, "NetSuite %s %s does not exist", type, id);
		goto done;
	}
	if ((rc = netsuite__txn_lines(&t, exponent, &lines, &nlines, err)) < 0)
		goto done;
	rc = 1;
	for (i = 0; i < plan->nitems && rc == 1; i++) {
		const char *item = plan->lines[i].item_id;
		int64_t want = 0, have = 0;
		int seen = 0;

		for (j = 0; j < plan->nitems; j++)
			if (strcmp(plan->lines[j].item_id, item) == 0)
				want += plan->lines[j].qty;
		for (j = 0; j < nlines; j++)
			if (strcmp(lines[j].item, item) == 0) {
				seen = 1;
				have += lines[j].qty;
			}
		if (!seen) {
			snprintf(why, whyn, "NetSuite %s %s has no line for SKU %s (item %s)", type, id,
			         plan->lines[i].label, item);
			rc = 0;
		} else if (want > have) {
			snprintf(why, whyn, "refunds %lld of SKU %s but NetSuite %s %s has %lld",
			         (long long)want, plan->lines[i].label, type, id, (long long)have);
			rc = 0;
		}
	}
done:
	free(lines);
	netsuite__txn_free(&t);
	return rc;
}

/* The billing record of a sales order for a refund: an invoice or cash sale
 * made from it that holds the refunded items, else one made now. */
static int
refund_billing(struct netsuite *ns, const struct erp_ref *so, const char *bill_type,
               const struct refund *r, const struct netsuite_rplan *plan, const char *eid,
               char *out_id, size_t n, struct sc_error *err)
{
	const char *want = strcmp(bill_type, "cashSale") == 0 ? "CashSale" : "CustInvc";
	const char *other_id = NULL, *other_type = NULL;
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	char why[320] = "", bill_eid[200];
	struct buf q, body;
	size_t i;
	int rc, candidates = 0;

	buf_init(&q, 0);
	buf_init(&body, 0);
	if ((rc = buf_printf(&q, "SELECT id, type FROM transaction WHERE createdfrom = %s AND "
	                     "type IN ('CustInvc', 'CashSale') ORDER BY id", so->id)) < 0) {
		sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = netsuite__suiteql_run(ns, buf_cstr(&q), "id", "type", &pairs, err)) < 0) {
		sc_error_prefix(err, "refund %s of order %s: billing of salesOrder %s", r->id,
		                r->order_id, so->id);
		goto done;
	}
	for (i = 0; i < pairs.n; i++) {
		char w[320];
		if (strcmp(pairs.v[i].value, want) != 0) {
			other_id = pairs.v[i].key;
			other_type = pairs.v[i].value;
			continue;
		}
		candidates++;
		if ((rc = refund_source_covers(ns, bill_type, pairs.v[i].key, plan, r->exponent, w,
		                               sizeof(w), err)) < 0)
			goto done;
		if (rc == 1) {
			snprintf(out_id, n, "%s", pairs.v[i].key);
			rc = 0;
			goto done;
		}
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", w);
	}
	if (candidates > 0) {
		rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: %s", r->id, r->order_id, why);
		goto done;
	}
	if (other_id != NULL) {
		rc = sc_error_set(err, SC_EINVALID,
		                  "refund %s of order %s: salesOrder %s was billed by %s %s, not by %s",
		                  r->id, r->order_id, so->id,
		                  strcmp(other_type, "CashSale") == 0 ? "cashSale" : "invoice",
		                  other_id, bill_type);
		goto done;
	}
	snprintf(bill_eid, sizeof(bill_eid), "%s-BILL", eid);
	if ((rc = put_head(&body, "Billed for the ", r, bill_eid, 0)) < 0 ||
	    (rc = buf_puts(&body, "}")) < 0) {
		sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = refund_step(ns, "salesOrder", so->id, bill_type, bill_eid, &body, 0, out_id, n,
	                      err)) < 0)
		goto done;
	if ((rc = refund_source_covers(ns, bill_type, out_id, plan, r->exponent, why, sizeof(why),
	                               err)) < 0)
		goto done;
	rc = rc == 1 ? 0 : sc_error_set(err, SC_EINVALID, "refund %s of order %s: %s", r->id,
	                                r->order_id, why);
done:
	netsuite__pairs_free(&pairs);
	buf_free(&q);
	buf_free(&body);
	return rc;
}

/* ---- read back ------------------------------------------------------------ */

/* Compare type/id with the plan: differences appended to diff, prefixed
 * with `prefix`. total_from: the customerRefund's applied credit memo, whose
 * applied amount stands in for a missing total. */
static int
refund_compare(struct netsuite *ns, const char *type, const char *id, const char *prefix,
               const struct netsuite_rplan *plan, int lines, const char *total_from,
               int exponent, struct buf *diff, struct sc_error *err)
{
	struct netsuite_txn t;
	struct netsuite_tline *have = NULL;
	struct netsuite_applied *ap = NULL;
	size_t nhave = 0, nap = 0, i;
	struct buf d;
	int64_t total = 0;
	int has_total = 0, rc;

	memset(&t, 0, sizeof(t));
	buf_init(&d, 0);
	if ((rc = netsuite__txn_get(ns, type, id, &t, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = sc_error_set(err, SC_ETRANSIENT, "NetSuite %s %s: not found when read back", type,
		                  id);
		goto done;
	}
	if (t.self_type[0] != '\0' && strcmp(t.self_type, type) != 0)
		buf_printf(&d, "type %s in NetSuite, %s wanted", t.self_type, type);
	if ((rc = netsuite__txn_total(&t, exponent, &total, err)) < 0)
		goto bad;
	has_total = rc;
	if (lines && (rc = netsuite__txn_lines(&t, exponent, &have, &nhave, err)) < 0)
		goto bad;
	if (!has_total && total_from != NULL) {
		if ((rc = netsuite__txn_applied(&t, exponent, &ap, &nap, err)) < 0)
			goto bad;
		for (i = 0; i < nap; i++)
			if (strcmp(ap[i].doc, total_from) == 0 && ap[i].has_amount) {
				total = ap[i].amount;
				has_total = 1;
			}
	}
	if (lines) {
		netsuite__rplan_diff(&d, plan, have, nhave, has_total, total, exponent);
	} else {
		struct netsuite_rplan only = *plan;   /* the total alone */
		only.n = 0;
		netsuite__rplan_diff(&d, &only, NULL, 0, has_total, total, exponent);
	}
	if (d.len > 0) {
		buf_puts(diff, diff->len > 0 ? "; " : "");
		buf_puts(diff, prefix);
		buf_puts(diff, buf_cstr(&d));
	}
	rc = 0;
	goto done;
bad:
	sc_error_prefix(err, "NetSuite %s %s", type, id);
done:
	free(have);
	free(ap);
	buf_free(&d);
	netsuite__txn_free(&t);
	return rc;
}

static int
refund_verify(struct netsuite *ns, const struct refund *r, const struct netsuite_rplan *plan,
              const char *target, const char *eid, const struct erp_ref *made,
              struct sc_error *err)
{
	struct erp_ref cm;
	char cm_eid[200], prefix[128];
	struct buf diff;
	int rc;

	buf_init(&diff, 0);
	memset(&cm, 0, sizeof(cm));
	if (strcmp(target, "customerRefund") == 0) {
		snprintf(cm_eid, sizeof(cm_eid), "%s-CM", eid);
		if ((rc = netsuite__record_find(ns, "creditMemo", cm_eid, &cm, err)) < 0)
			goto done;
		if (rc == 0) {
			buf_printf(&diff, "no creditMemo %s in NetSuite", cm_eid);
		} else {
			snprintf(prefix, sizeof(prefix), "creditMemo %s: ", cm.id);
			if ((rc = refund_compare(ns, "creditMemo", cm.id, prefix, plan, 1, NULL,
			                         r->exponent, &diff, err)) < 0)
				goto done;
		}
		if ((rc = refund_compare(ns, target, made->id, "", plan, 0,
		                         cm.id[0] != '\0' ? cm.id : NULL, r->exponent, &diff, err)) < 0)
			goto done;
	} else if ((rc = refund_compare(ns, target, made->id, "", plan, 1, NULL, r->exponent, &diff,
	                                err)) < 0) {
		goto done;
	}
	rc = 0;
	if (diff.len > 0)
		rc = sc_error_set(err, SC_EINVALID,
		                  "refund %s of order %s: NetSuite %s %s differs from the refund: %s",
		                  r->id, r->order_id, target, made->id, buf_cstr(&diff));
done:
	buf_free(&diff);
	return rc;
}

/* ---- the slot ------------------------------------------------------------- */

/* Item ids for the plan's item lines: (*out)[i] for r->lines[i] (NULL for
 * lines without one, borrowed from *ids), with body.c's lookup. *ids holds
 * plan->nitems strings (netsuite__strv_free). */
static int
refund_items(struct netsuite *ns, const struct refund *r, const struct netsuite_rplan *plan,
             char ***out, char ***ids, struct sc_error *err)
{
	struct order fake;
	struct order_line *lines = NULL;
	size_t i;
	int rc = 0;

	*out = calloc(r->nlines + 1, sizeof(**out));
	*ids = NULL;
	lines = calloc(plan->nitems + 1, sizeof(*lines));
	if (*out == NULL || lines == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	if (plan->nitems == 0)
		goto done;
	memset(&fake, 0, sizeof(fake));
	fake.id = r->order_id;
	fake.lines = lines;
	fake.nlines = plan->nitems;
	for (i = 0; i < plan->nitems; i++)
		lines[i].sku = (char *)plan->lines[i].label;
	if ((rc = netsuite__items_resolve(ns, &fake, ids, err)) < 0) {
		sc_error_prefix(err, "refund %s", r->id);
		goto done;
	}
	for (i = 0; i < plan->nitems; i++)
		(*out)[plan->src_line[i]] = (*ids)[i];
done:
	free(lines);
	return rc;
}

static int
route_ok(const char *from, const char *target)
{
	static const char *const pairs[][2] = {
		{ "cashSale", "cashRefund" }, { "cashSale", "returnAuthorization" },
		{ "invoice", "creditMemo" }, { "invoice", "customerRefund" },
		{ "invoice", "returnAuthorization" },
		{ "salesOrder", "creditMemo" }, { "salesOrder", "customerRefund" },
		{ "salesOrder", "cashRefund" }, { "salesOrder", "returnAuthorization" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (strcmp(pairs[i][0], from) == 0 && strcmp(pairs[i][1], target) == 0)
			return 1;
	return 0;
}

int
netsuite__refund_create(void *self, const struct refund *r, const char *target,
                        const struct erp_ref *order_ref, const char *eid, struct erp_ref *out,
                        struct sc_error *err)
{
	struct netsuite *ns = self;
	struct netsuite_rplan plan;
	const char *from = order_ref->type, *from_id = order_ref->id;
	char **by_line = NULL, **ids = NULL, bill_id[64], cm_id[64], made_id[64], cm_eid[200];
	char why[320];
	struct buf body;
	size_t nids = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&plan, 0, sizeof(plan));
	buf_init(&body, 0);
	if (!route_ok(from, target))
		return sc_error_set(err, SC_EINVALID, "NetSuite cannot make a %s from a %s", target,
		                    from);
	if (r->id == NULL || r->order_id == NULL || eid == NULL ||
	    strlen(eid) + 5 >= sizeof(out->external_id) || strlen(target) >= sizeof(out->type))
		return sc_error_set(err, SC_EINVALID, "refund %s of order %s: no id, or external id "
		                    "too long", str_or(r->id, "?"), str_or(r->order_id, "?"));
	if (!netsuite__all_digits(from_id))
		return sc_error_set(err, SC_EINVALID, "refund %s of order %s: %s id \"%s\" is not a "
		                    "NetSuite internal id", r->id, r->order_id, from, from_id);
	if ((rc = netsuite__rplan_build(&plan, &ns->body, r, NULL, err)) < 0)
		goto done;
	nids = plan.nitems;
	if ((rc = refund_items(ns, r, &plan, &by_line, &ids, err)) < 0)
		goto done;
	netsuite__rplan_free(&plan);
	if ((rc = netsuite__rplan_build(&plan, &ns->body, r, (const char *const *)by_line, err)) < 0)
		goto done;

	/* made already (an earlier run, a retry after a lost answer)? This is
	 * the final record's lookup; intermediate ones are looked up in
	 * refund_step. */
	if ((rc = netsuite__record_find(ns, target, eid, out, err)) < 0)
		goto done;
	if (rc == 1)
		goto verify;

	if (strcmp(from, "salesOrder") == 0 && strcmp(target, "returnAuthorization") != 0) {
		from = strcmp(target, "cashRefund") == 0 ? "cashSale" : "invoice";
		if ((rc = refund_billing(ns, order_ref, from, r, &plan, eid, bill_id, sizeof(bill_id),
		                         err)) < 0)
			goto done;
		from_id = bill_id;
	} else {
		if ((rc = refund_source_covers(ns, from, from_id, &plan, r->exponent, why, sizeof(why),
		                               err)) < 0)
			goto fail;
		if (rc == 0) {
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: %s", r->id,
			                  r->order_id, why);
			goto done;
		}
	}
	if (strcmp(target, "customerRefund") == 0) {
		snprintf(cm_eid, sizeof(cm_eid), "%s-CM", eid);
		if ((rc = netsuite__refund_body(&body, &plan, r, cm_eid)) < 0)
			goto nomem;
		if ((rc = refund_step(ns, from, from_id, "creditMemo", cm_eid, &body, 1, cm_id,
		                      sizeof(cm_id), err)) < 0)
			goto fail;
		buf_reset(&body);
		if ((rc = put_head(&body, "", r, eid, 1)) < 0 ||
		    (rc = buf_puts(&body, ",\"apply\":{\"items\":[{\"doc\":{\"id\":\"")) < 0 ||
		    (rc = buf_json_escape(&body, cm_id)) < 0 ||
		    (rc = buf_puts(&body, "\"},\"apply\":true")) < 0 ||
		    (rc = put_amount(&body, "amount", plan.total, r->exponent)) < 0 ||
		    (rc = buf_puts(&body, "}]}}")) < 0)
			goto nomem;
		if ((rc = refund_transform(ns, "creditMemo", cm_id, target, eid, &body, 0, made_id,
		                           sizeof(made_id), err)) < 0)
			goto fail;
	} else {
		if ((rc = netsuite__refund_body(&body, &plan, r, eid)) < 0)
			goto nomem;
		if ((rc = refund_transform(ns, from, from_id, target, eid, &body, 1, made_id,
		                           sizeof(made_id), err)) < 0)
			goto fail;
	}
	snprintf(out->type, sizeof(out->type), "%s", target);
	snprintf(out->id, sizeof(out->id), "%s", made_id);
	snprintf(out->external_id, sizeof(out->external_id), "%s", eid);
verify:
	rc = refund_verify(ns, r, &plan, target, eid, out, err);
	goto done;
nomem:
	sc_error_set(err, rc, "refund %s of order %s: cannot build the NetSuite body", r->id,
	             r->order_id);
	goto done;
fail:
	sc_error_prefix(err, "refund %s of order %s", r->id, r->order_id);
done:
	netsuite__strv_free(ids, nids);
	netsuite__rplan_free(&plan);
	free(by_line);
	buf_free(&body);
	return rc;
}
