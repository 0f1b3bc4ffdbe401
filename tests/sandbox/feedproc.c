/* feedproc.c: processing a feed: POST_PAYMENT_ADJUSTMENT_DATA (XML,
 * AMAZON.md §7), parsed with libxml2 (no network, no DTD: a DOCTYPE is
 * refused). Each Message is checked on its own:
 *   5000  the message's structure is malformed (e.g. ItemPriceAdjustments
 *         without Component, an unknown AdjustmentReason or Type)
 *   scripted errors (POST /_sandbox/amazon/feed-errors) for its order
 *   18028 unknown AmazonOrderID        18029 unknown AmazonOrderItemCode
 *   18030 currency is not the order's  18031 MerchantAdjustmentItemID used before
 *   18032 more than is left to refund on the item (its proceedsTotal less
 *         the refund events already posted for it)
 * (5000 is the code users report; the 180xx codes are the sandbox's own.)
 * A message with ActionType Cancel cancels quantities instead (amzship.c:
 * 18029 unknown item, 18033 more than is neither shipped nor cancelled).
 * A document-level problem (not well-formed XML, a DOCTYPE, not an
 * OrderAdjustment envelope) is one 5001 result for MessageID 0. An accepted
 * message becomes a refund event of its order (RefundEventList) posted at
 * the feed's processing end: each feed amount A (positive = refunded to the
 * buyer) becomes ChargeAmount -A, promotions PromotionAmount -A, plus
 * Commission +15 % of the Principal refunded and RefundCommission -20 % of
 * that (half-up, in the currency's digits). The processing report (XML) is
 * stored gzip-compressed as the feed's result document. */
#include "tests/sandbox/feedproc.h"
#include "tests/sandbox/amzship.h"
#include "connector/error.h"

#include <inttypes.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sbx_feedproc_global(int init)
{
	if (init)
		xmlInitParser();
	else
		xmlCleanupParser();
}

static int
list_refunds(void)
{
	size_t i;

	for (i = 0; i < sbx_fin_nlists; i++)
		if (strcmp(sbx_fin_lists[i], "RefundEventList") == 0)
			return (int)i;
	return 0;
}

/* ---- applying one message ------------------------------------------------------------- */

static void
dec_text(char *out, size_t n, struct sbx_dec d, int negate)
{
	if (negate)
		d.units = -d.units;
	sbx_dec_format(out, n, &d);
}

static json_object *
money_new(const char *currency, const char *text)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "CurrencyCode", json_object_new_string(currency));
	json_object_object_add(m, "CurrencyAmount", sbx_json_exact_number(text));
	return m;
}

static json_object *
component_new(const char *kkey, const char *kval, const char *mkey, const char *currency,
              const char *text)
{
	json_object *c = json_object_new_object();

	json_object_object_add(c, kkey, json_object_new_string(kval));
	json_object_object_add(c, mkey, money_new(currency, text));
	return c;
}

static void
adj_key(char *out, size_t n, const char *order_id, const char *adj)
{
	snprintf(out, n, "%s\x1f%s", order_id, adj);
}

/* 1 when (order, MerchantAdjustmentItemID) was accepted before. */
static int
adj_id_used(struct sbx *sb, const char *order_id, const char *adj)
{
	char key[128];

	adj_key(key, sizeof key, order_id, adj);
	return sbx_map_get(&sb->adj_ids, key) != NULL;
}

/* The order item with this orderItemId, or NULL. */
static json_object *
order_item(json_object *order, const char *code)
{
	json_object *items = NULL;
	size_t i;

	if (!json_object_object_get_ex(order, "orderItems", &items) ||
	    !json_object_is_type(items, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		const char *id = sbx_json_str(it, "orderItemId");

		if (id != NULL && strcmp(id, code) == 0)
			return it;
	}
	return NULL;
}

static const char *
money_field(json_object *o, const char *a, const char *b, const char *leaf)
{
	json_object *x = NULL, *y = NULL;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return NULL;
	return sbx_json_str(y, leaf);
}

/* Check message `m` against its order; 0, or -1 with code and why. */
static int
message_check(struct sbx *sb, const struct fp_msg *m, json_object *order, const char *currency,
              char *code, char *why, size_t whyn)
{
	size_t i, j, k;

	for (i = 0; i < m->nitems; i++) {
		const struct fp_item *it = &m->items[i];
		json_object *oi = it->merchant_code ? NULL : order_item(order, it->code);
		const char *total = money_field(oi, "proceeds", "proceedsTotal", "amount");
		struct sbx_dec sum, left;

		if (oi == NULL) {
			snprintf(code, 16, "18029");
			snprintf(why, whyn, "%s %s is not an item of order %s.",
			         it->merchant_code ? "MerchantOrderItemID" : "AmazonOrderItemCode",
			         it->code, m->order_id);
			return -1;
		}
		for (j = 0; j < it->nprice + it->npromo; j++) {
			const struct fp_comp *c = j < it->nprice ? &it->price[j] : &it->promo[j - it->nprice];

			if (strcmp(c->currency, currency) != 0) {
				snprintf(code, 16, "18030");
				snprintf(why, whyn, "The currency %s is not the currency of order %s (%s).",
				         c->currency, m->order_id, currency);
				return -1;
			}
		}
		if (it->adj_id[0] != '\0') {
			int dup = adj_id_used(sb, m->order_id, it->adj_id);

			for (k = 0; k < i && !dup; k++)
				dup = strcmp(m->items[k].adj_id, it->adj_id) == 0;
			if (dup) {
				snprintf(code, 16, "18031");
				snprintf(why, whyn, "MerchantAdjustmentItemID %s was already used for order %s.",
				         it->adj_id, m->order_id);
				return -1;
			}
		}
		if (total == NULL || sbx_dec_parse(&left, total) < 0)
			continue;
		sum = sbx_fevents_refunded(sb, m->order_id, it->code);
		for (k = 0; k <= i; k++) {            /* this message, same item */
			if (strcmp(m->items[k].code, it->code) != 0)
				continue;
			for (j = 0; j < m->items[k].nprice; j++)
				sbx_dec_add(&sum, &m->items[k].price[j].amount);
			for (j = 0; j < m->items[k].npromo; j++)
				sbx_dec_add(&sum, &m->items[k].promo[j].amount);
		}
		sum.units = -sum.units;
		if (sbx_dec_add(&left, &sum) == 0 && left.units < 0) {
			char over[48];

			left.units = -left.units;
			sbx_dec_format(over, sizeof over, &left);
			snprintf(code, 16, "18032");
			snprintf(why, whyn, "The refund exceeds what is left to refund on item %s of order "
			         "%s by %s %s.", it->code, m->order_id, over, currency);
			return -1;
		}
	}
	return 0;
}

/* The refund event of an accepted message (its JSON text, malloc'd). */
static char *
message_event(struct sbx *sb, const struct fp_msg *m, json_object *order, const char *currency,
              int64_t posted_ms)
{
	json_object *ev = json_object_new_object(), *sc = NULL, *list = json_object_new_array();
	int digits = sbx_fp_currency_digits(currency);
	char when[32], text[48], *out;
	size_t i, j;

	json_object_object_add(ev, "AmazonOrderId", json_object_new_string(m->order_id));
	json_object_object_add(ev, "SellerOrderId", json_object_new_string(m->order_id));
	if (json_object_object_get_ex(order, "salesChannel", &sc) &&
	    sbx_json_str(sc, "marketplaceName") != NULL)
		json_object_object_add(ev, "MarketplaceName",
		                       json_object_new_string(sbx_json_str(sc, "marketplaceName")));
	sbx_time_format(when, sizeof when, posted_ms);
	json_object_object_add(ev, "PostedDate", json_object_new_string(when));
	for (i = 0; i < m->nitems; i++) {
		const struct fp_item *it = &m->items[i];
		json_object *oi = order_item(order, it->code), *o = json_object_new_object(), *v = NULL;
		json_object *charges = json_object_new_array();
		const char *sku = NULL;
		struct sbx_dec principal = { 0, digits };
		json_object *p = NULL;
		char adj[24];

		if (json_object_object_get_ex(oi, "product", &p))
			sku = sbx_json_str(p, "sellerSku");
		if (sku != NULL)
			json_object_object_add(o, "SellerSKU", json_object_new_string(sku));
		json_object_object_add(o, "OrderItemId", json_object_new_string(it->code));
		snprintf(adj, sizeof adj, "%" PRIu64, sb->next_adjustment_id++);
		json_object_object_add(o, "OrderAdjustmentItemId", json_object_new_string(adj));
		json_object_object_add(o, "QuantityShipped", json_object_new_int64(
			it->quantity > 0 ? it->quantity
			: json_object_object_get_ex(oi, "quantityOrdered", &v) ? json_object_get_int64(v) : 1));
		for (j = 0; j < it->nprice; j++) {
			const struct fp_comp *c = &it->price[j];

			dec_text(text, sizeof text, c->amount, 1);
			json_object_array_add(charges, component_new("ChargeType", sbx_fp_charge_type(c->type),
			                                             "ChargeAmount", currency, text));
			if (strcmp(c->type, "Principal") == 0)
				sbx_dec_add(&principal, &c->amount);
		}
		json_object_object_add(o, "ItemChargeAdjustmentList", charges);
		if (principal.units > 0 && principal.units < INT64_MAX / 16 &&
		    sbx_fp_dec_rescale(&principal, digits) == 0 && principal.units < INT64_MAX / 16) {
			json_object *fees = json_object_new_array();
			struct sbx_dec comm = { (principal.units * 15 + 50) / 100, digits };
			struct sbx_dec back = { (comm.units * 20 + 50) / 100, digits };

			dec_text(text, sizeof text, comm, 0);
			json_object_array_add(fees, component_new("FeeType", "Commission", "FeeAmount",
			                                          currency, text));
			dec_text(text, sizeof text, back, 1);
			json_object_array_add(fees, component_new("FeeType", "RefundCommission", "FeeAmount",
			                                          currency, text));
			json_object_object_add(o, "ItemFeeAdjustmentList", fees);
		}
		if (it->npromo > 0) {
			json_object *promos = json_object_new_array();

			for (j = 0; j < it->npromo; j++) {
				json_object *pr = json_object_new_object();

				dec_text(text, sizeof text, it->promo[j].amount, 1);
				json_object_object_add(pr, "PromotionType",
				                       json_object_new_string("PromotionMetaDataDefinitionValue"));
				json_object_object_add(pr, "PromotionId", json_object_new_string(it->promo_id));
				json_object_object_add(pr, "PromotionAmount", money_new(currency, text));
				json_object_array_add(promos, pr);
			}
			json_object_object_add(o, "PromotionAdjustmentList", promos);
		}
		json_object_array_add(list, o);
	}
	json_object_object_add(ev, "ShipmentItemAdjustmentList", list);
	out = strdup(json_object_to_json_string_ext(ev, SBX_JSON_FLAGS));
	json_object_put(ev);
	return out;
}

/* A scripted error for this order (consumed), or NULL. */
static struct sbx_feed_error *
scripted_error(struct sbx *sb, const char *order_id)
{
	size_t i;

	for (i = 0; i < sb->nfeed_errors; i++)
		if (sb->feed_errors[i].count > 0 && strcmp(sb->feed_errors[i].order_id, order_id) == 0) {
			sb->feed_errors[i].count--;
			return &sb->feed_errors[i];
		}
	return NULL;
}

static int
report_add(struct fp_report *r, long msg_id, const char *code, const char *order_id,
           const char *desc)
{
	struct fp_result *nv = realloc(r->res, (r->nres + 1) * sizeof *nv);

	if (nv == NULL)
		return SC_ENOMEM;
	r->res = nv;
	nv = &r->res[r->nres++];
	nv->message_id = msg_id;
	snprintf(nv->code, sizeof nv->code, "%s", code);
	snprintf(nv->order_id, sizeof nv->order_id, "%s", order_id ? order_id : "");
	nv->description = strdup(desc);
	return 0;
}

/* Apply one parsed message; records it on the feed. */
static void
message_apply(struct sbx *sb, struct sbx_feed *f, struct fp_msg *m, struct sbx_fmsg *rec,
              struct fp_report *rep)
{
	struct sbx_feed_error *se;
	struct sbx_order *o;
	json_object *order = NULL;
	const char *cur;
	char code[16] = "", why[400] = "", *ev;
	size_t i;

	if ((se = scripted_error(sb, m->order_id)) != NULL) {
		snprintf(code, sizeof code, "%s", se->code);
		snprintf(why, sizeof why, "%s", se->description);
	} else if ((o = sbx_orders_find(sb, m->order_id)) == NULL ||
	           (order = sbx_order_object(sb, o)) == NULL) {
		snprintf(code, sizeof code, "18028");
		snprintf(why, sizeof why, "The order ID %s was not found.", m->order_id);
	} else if (m->cancel) {
		/* ActionType Cancel: the order's quantities (amzship.c) */
		if (sbx_amzship_cancel(sb, f, m, order, code, why, sizeof why) == 0) {
			rec->ok = 1;
			rep->ok++;
		}
	} else {
		json_object *items = NULL, *pr = NULL;

		cur = money_field(order, "proceeds", "grandTotal", "currencyCode");
		if (cur == NULL && json_object_object_get_ex(order, "orderItems", &items) &&
		    json_object_is_type(items, json_type_array) && json_object_array_length(items) > 0 &&
		    json_object_object_get_ex(json_object_array_get_idx(items, 0), "product", &pr))
			cur = money_field(pr, "price", "unitPrice", "currencyCode");
		if (message_check(sb, m, order, cur ? cur : "", code, why, sizeof why) == 0) {
			ev = message_event(sb, m, order, cur ? cur : "", f->end_ms);
			if (ev != NULL && sbx_fevents_add_text(sb, list_refunds(), m->order_id, f->end_ms, ev) == 0) {
				char key[128];

				for (i = 0; i < m->nitems; i++) {
					if (m->items[i].adj_id[0] == '\0')
						continue;
					adj_key(key, sizeof key, m->order_id, m->items[i].adj_id);
					sbx_map_put(&sb->adj_ids, key, (void *)1, NULL);
				}
				rec->ok = 1;
				rep->ok++;
			} else {
				snprintf(code, sizeof code, "5000");
				snprintf(why, sizeof why, "Internal error while recording the refund.");
			}
		}
	}
	json_object_put(order);
	if (!rec->ok) {
		snprintf(rec->code, sizeof rec->code, "%s", code);
		rec->description = strdup(why);
		report_add(rep, m->id, code, m->order_id, why);
	}
}

/* ---- the document ------------------------------------------------------------------ */

static void
merchant_of(xmlNodePtr header, struct fp_report *rep)
{
	if (header == NULL)
		return;
	FP_EACH_CHILD(c, header)
		if (sbx_fp_is(c, "MerchantIdentifier"))
			sbx_fp_text_of(c, rep->merchant, sizeof rep->merchant);
}

/* Parse and apply the document; document-level errors become one 5001. */
static void
document_process(struct sbx *sb, struct sbx_feed *f, const struct sbx_fdoc *d,
                 struct fp_report *rep)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc = NULL;
	xmlNodePtr root, header = NULL, mtype = NULL;
	struct fp_msg *m = NULL;
	char why[400] = "", text[64];
	size_t nmsg = 0;

	if (ctxt == NULL || d->len > INT32_MAX)
		goto fatal_mem;
	doc = xmlCtxtReadMemory(ctxt, (const char *)d->data, (int)d->len, "feed.xml", NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);

		snprintf(why, sizeof why, "XML Parsing Error at Line %d, Column %d: %.200s",
		         e ? e->line : 0, e ? e->int2 : 0, e && e->message ? e->message : "not XML");
		why[strcspn(why, "\n")] = '\0';
		goto doc_error;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL) {
		snprintf(why, sizeof why, "A DOCTYPE is not allowed in a feed document.");
		goto doc_error;
	}
	if (!sbx_fp_is(root, "AmazonEnvelope")) {
		snprintf(why, sizeof why, "The root element must be AmazonEnvelope.");
		goto doc_error;
	}
	FP_EACH_CHILD(c, root) {
		if (sbx_fp_is(c, "Header") && header == NULL)
			header = c;
		else if (sbx_fp_is(c, "MessageType") && mtype == NULL)
			mtype = c;
		else if (sbx_fp_is(c, "Message"))
			nmsg++;
		else if (!sbx_fp_is(c, "PurgeAndReplace") && !sbx_fp_is(c, "EffectiveDate")) {
			snprintf(why, sizeof why, "Unexpected element %.40s in AmazonEnvelope.",
			         (const char *)c->name);
			goto doc_error;
		}
	}
	merchant_of(header, rep);
	if (header == NULL || rep->merchant[0] == '\0') {
		snprintf(why, sizeof why, "The Header with a MerchantIdentifier is missing.");
		goto doc_error;
	}
	if (mtype == NULL || sbx_fp_text_of(mtype, text, sizeof text) < 0 ||
	    strcmp(text, "OrderAdjustment") != 0) {
		snprintf(why, sizeof why, "The MessageType must be OrderAdjustment for feed type %s.",
		         f->type);
		goto doc_error;
	}
	if (nmsg == 0) {
		snprintf(why, sizeof why, "The document has no Message.");
		goto doc_error;
	}
	f->msgs = calloc(nmsg, sizeof *f->msgs);
	m = malloc(sizeof *m);
	if (f->msgs == NULL || m == NULL)
		goto fatal_mem;
	FP_EACH_CHILD(c, root) {
		struct sbx_fmsg *rec;

		if (!sbx_fp_is(c, "Message"))
			continue;
		rec = &f->msgs[f->nmsgs++];
		memset(m, 0, sizeof *m);
		rep->processed++;
		if (sbx_fp_parse_message(c, m, why, sizeof why) < 0) {
			char desc[480];

			snprintf(desc, sizeof desc, "The XML of this message is malformed or invalid: %s.",
			         why);
			rec->message_id = m->id;
			snprintf(rec->order_id, sizeof rec->order_id, "%s", m->order_id);
			snprintf(rec->code, sizeof rec->code, "5000");
			rec->description = strdup(desc);
			report_add(rep, m->id, "5000", m->order_id, desc);
			continue;
		}
		rec->message_id = m->id;
		snprintf(rec->order_id, sizeof rec->order_id, "%s", m->order_id);
		message_apply(sb, f, m, rec, rep);
	}
	goto done;
fatal_mem:
	snprintf(why, sizeof why, "The sandbox ran out of memory.");
	f->fatal = 1;
doc_error:
	report_add(rep, 0, "5001", NULL, why);
done:
	free(m);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
}

int
sbx_feedproc_run(struct sbx *sb, struct sbx_feed *f)
{
	struct fp_report rep;
	const struct sbx_fdoc *d = sbx_fdoc_find(sb, f->input_doc);
	unsigned char *gz = NULL;
	size_t gzlen = 0, i;
	int rc = 0;

	memset(&rep, 0, sizeof rep);
	f->processed = 1;
	if (strcmp(f->type, "POST_PAYMENT_ADJUSTMENT_DATA") != 0) {
		char why[160];

		snprintf(why, sizeof why, "The sandbox does not process feeds of type %.60s.", f->type);
		report_add(&rep, 0, "5001", NULL, why);
		f->fatal = 1;
	} else if (d == NULL || !d->uploaded || d->len == 0) {
		report_add(&rep, 0, "5001", NULL, "The feed document is empty: nothing was uploaded.");
		f->fatal = 1;
	} else {
		document_process(sb, f, d, &rep);
	}
	f->report = sbx_fp_report_xml(f->id, &rep);
	if (f->report == NULL || sbx_fp_gzip(&gz, &gzlen, f->report, strlen(f->report)) < 0 ||
	    sbx_fdoc_add_result(sb, gz, gzlen, f->result_doc) < 0) {
		f->fatal = 1;
		rc = SC_ENOMEM;
	}
	for (i = 0; i < rep.nres; i++)
		free(rep.res[i].description);
	free(rep.res);
	return rc;
}
