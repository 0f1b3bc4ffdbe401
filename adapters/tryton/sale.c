/*
 * sale.c: the order_upsert slot: a marketplace order becomes one sale.sale.
 *
 * Finding it: sale.reference holds the marketplace order id and is not
 * unique in Tryton, so the adapter searches [reference = ID, party.code
 * like "AMZ-%"] (the prefix of the connector's external id, so two
 * marketplaces with the same order id never meet) before it creates
 * anything; two matches are an error naming both. A create that got no
 * answer is followed by the same search: found means it was made.
 *
 * The sale: party and address (master.c), currency, sale_date = the order's
 * date, description "<channel> order <id>", payment term (conf), and the
 * lines. Raw RPC runs no on_change, so each line carries its product, unit
 * (the product's sale unit), quantity, unit price and description.
 *
 * Lines and totals: one line per order line, its product found by SKU
 * (erp_sku from [sku_map], else the SKU) as product.product code, quantity
 * as ordered, unit price = the line's item amount / quantity, written with
 * Tryton's 4 price decimals such that Tryton's line amount (quantity x
 * price rounded to the currency) is the item amount exactly. Then one line
 * per other amount of the order, each on its configured product with
 * quantity 1: shipping (+ shipping tax), discount (item and shipping
 * promotions, negative), tax, gift wrap, other. No Tryton tax is put on any
 * line: the marketplace computed the tax (and may collect and remit it), so
 * its own figure goes on the tax product's line; recomputing it with
 * Tryton's taxes could differ by a cent per line. So the sale's total is the
 * marketplace's total to the cent, and the adapter checks it (the lines
 * before writing, Tryton's total_amount after).
 *
 * State (conf): confirm = yes quotes and confirms the sale; Tryton then
 * processes it (invoice and shipment as its sale configuration says:
 * invoice method "order" makes the invoice at once). post_invoices = yes
 * posts that invoice. Its date is left to Tryton (the day it is posted):
 * Tryton numbers customer invoices in date order and refuses to post one
 * dated before an invoice already posted, which dating invoices by order
 * date would run into whenever orders arrive out of order. Each step looks
 * at the state first, so an interrupted run picks up where it stopped.
 *
 * Changes: when the order differs from the sale (lines, quantities,
 * amounts), a draft sale is rewritten (its lines replaced), a quotation is
 * set back to draft first; a confirmed, processing or done sale cannot
 * change in Tryton, and the change is an error naming the differences (a
 * person decides). A cancelled order cancels a draft or quotation sale, and
 * is an error for any other, unless every stock move of the sale is
 * cancelled (a person cancelled its shipment: changes_ship.c reports that
 * as a cancellation, so the order cancelled on the marketplace is its echo).
 * A change the sale already holds (a new status on the marketplace) writes
 * nothing.
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/model.h"
#include "connector/money.h"

static const char *
line_sku(const struct order_line *l)
{
	return l->erp_sku != NULL && l->erp_sku[0] != '\0' ? l->erp_sku : l->sku;
}

int
tryton__unit_price(int64_t *out, int64_t amount, int64_t qty, int exponent)
{
	int64_t scale = 1, a4, q, r, prod, diff;
	int i;

	if (qty == 0 || exponent < 0 || exponent > 4)
		return SC_EINVALID;
	for (i = exponent; i < 4; i++)
		scale *= 10;
	if (money_mul(&a4, amount, scale) < 0 || qty == INT64_MIN)
		return SC_EINVALID;
	q = a4 / qty;
	r = a4 % qty;
	/* round half away from zero */
	if (r != 0 && (r < 0 ? -r : r) >= ((qty < 0 ? -qty : qty) + 1) / 2)
		q += (a4 < 0) != (qty < 0) ? -1 : 1;
	if (money_mul(&prod, q, qty) < 0 || money_sub(&diff, prod, a4) < 0)
		return SC_EINVALID;
	if (diff < 0)
		diff = -diff;
	/* Tryton rounds qty x price to the currency: no tie, so its rounding
	 * mode does not matter */
	if (scale == 1 ? diff != 0 : diff * 2 >= scale)
		return SC_EINVALID;
	*out = q;
	return 0;
}

/* The order's other amounts per charge (discount negative). */
static int
order_charges(const struct order *o, int64_t ch[TRYTON_CH_COUNT], struct sc_error *err)
{
	size_t i;

	memset(ch, 0, sizeof(int64_t) * TRYTON_CH_COUNT);
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		if (money_add(&ch[TRYTON_CH_SHIPPING], ch[TRYTON_CH_SHIPPING], l->shipping) < 0 ||
		    money_add(&ch[TRYTON_CH_SHIPPING], ch[TRYTON_CH_SHIPPING], l->shipping_tax) < 0 ||
		    money_sub(&ch[TRYTON_CH_DISCOUNT], ch[TRYTON_CH_DISCOUNT], l->discount) < 0 ||
		    money_sub(&ch[TRYTON_CH_DISCOUNT], ch[TRYTON_CH_DISCOUNT], l->shipping_discount) < 0 ||
		    money_add(&ch[TRYTON_CH_TAX], ch[TRYTON_CH_TAX], l->tax) < 0 ||
		    money_add(&ch[TRYTON_CH_GIFTWRAP], ch[TRYTON_CH_GIFTWRAP], l->gift_wrap) < 0 ||
		    money_add(&ch[TRYTON_CH_OTHER], ch[TRYTON_CH_OTHER], l->other) < 0)
			return sc_error_set(err, SC_EINVALID, "order %s: amounts overflow", o->id);
	}
	return 0;
}

int
tryton__order_lines(struct tryton *t, const struct order *o, struct tryton_line **lines,
                    size_t *n, struct sc_error *err)
{
	int64_t ch[TRYTON_CH_COUNT], sum = 0;
	struct tryton_line *v = NULL;
	char a[32], b[32];
	size_t i, k = 0;
	int c, rc;

	*lines = NULL;
	*n = 0;
	if ((rc = order_charges(o, ch, err)) < 0)
		return rc;
	if ((v = calloc(o->nlines + TRYTON_CH_COUNT, sizeof(*v))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		const char *sku = line_sku(l);
		struct tryton_line *tl = &v[k];

		if (sku == NULL || sku[0] == '\0') {
			rc = sc_error_set(err, SC_EINVALID, "order %s: line %zu has no SKU", o->id, i + 1);
			goto fail;
		}
		if (l->qty < 0) {
			rc = sc_error_set(err, SC_EINVALID, "order %s: line %zu has quantity %lld", o->id,
			                  i + 1, (long long)l->qty);
			goto fail;
		}
		if (l->qty == 0 && l->subtotal == 0)
			continue;            /* nothing left of it (cancelled units) */
		if ((rc = tryton__product_resolve(t, sku, &tl->product, &tl->unit, err)) < 0) {
			sc_error_prefix(err, "order %s line %zu (SKU %s)", o->id, i + 1, sku);
			goto fail;
		}
		tl->label = sku;
		tl->description = l->title != NULL && l->title[0] != '\0' ? l->title : sku;
		tl->qty = l->qty > 0 ? l->qty : 1;
		tl->amount = l->subtotal;
		if (tryton__unit_price(&tl->price4, tl->amount, tl->qty, o->exponent) < 0) {
			money_format(a, sizeof(a), tl->amount, o->exponent);
			rc = sc_error_set(err, SC_EINVALID, "order %s line %zu (SKU %s): no unit price "
			                  "with 4 decimals makes %s for quantity %lld", o->id, i + 1, sku, a,
			                  (long long)tl->qty);
			goto fail;
		}
		if (money_add(&sum, sum, tl->amount) < 0)
			goto overflow;
		k++;
	}
	for (c = 0; c < TRYTON_CH_COUNT; c++) {
		struct tryton_line *tl = &v[k];
		const char *code = t->charge_products[c];

		if (ch[c] == 0)
			continue;
		money_format(a, sizeof(a), ch[c] < 0 ? -ch[c] : ch[c], o->exponent);
		if (code == NULL) {
			rc = sc_error_set(err, SC_EINVALID, "order %s has %s %s but [erp] %s is not set",
			                  o->id, tryton__charge_name((enum tryton_charge)c), a,
			                  tryton__charge_key((enum tryton_charge)c));
			goto fail;
		}
		if ((rc = tryton__product_resolve(t, code, &tl->product, &tl->unit, err)) < 0) {
			sc_error_prefix(err, "order %s: [erp] %s", o->id,
			                tryton__charge_key((enum tryton_charge)c));
			goto fail;
		}
		tl->label = tryton__charge_name((enum tryton_charge)c);
		tl->description = tl->label;
		tl->qty = 1;
		tl->charge = 1;
		tl->amount = ch[c];
		if (tryton__unit_price(&tl->price4, ch[c], 1, o->exponent) < 0 ||
		    money_add(&sum, sum, ch[c]) < 0)
			goto overflow;
		k++;
	}
	if (k == 0) {
		rc = sc_error_set(err, SC_EINVALID, "order %s has no line with a quantity or amount",
		                  o->id);
		goto fail;
	}
	if (sum != o->total) {
		money_format(a, sizeof(a), sum, o->exponent);
		money_format(b, sizeof(b), o->total, o->exponent);
		rc = sc_error_set(err, SC_EINVALID, "order %s: its lines add up to %s %s but its total "
		                  "is %s %s", o->id, a, o->currency, b, o->currency);
		goto fail;
	}
	*lines = v;
	*n = k;
	return 0;
overflow:
	rc = sc_error_set(err, SC_EINVALID, "order %s: amounts overflow", o->id);
fail:
	free(v);
	return rc;
}

/* The sale lines, as a JSON array of objects. */
static int
put_lines(struct buf *b, const struct tryton_line *lines, size_t n)
{
	size_t i;
	int rc = buf_puts(b, "[");

	for (i = 0; rc == 0 && i < n; i++) {
		const struct tryton_line *l = &lines[i];
		if ((rc = buf_printf(b, "%s{\"type\":\"line\",\"sequence\":%zu,\"product\":%lld,"
		                     "\"unit\":%lld,\"quantity\":%lld,\"description\":",
		                     i > 0 ? "," : "", i + 1, (long long)l->product, (long long)l->unit,
		                     (long long)l->qty)) < 0 ||
		    (rc = tryton__put_str(b, l->description)) < 0 ||
		    (rc = buf_puts(b, ",\"unit_price\":")) < 0 ||
		    (rc = tryton__put_decimal(b, l->price4, 4)) < 0)
			return rc;
		rc = buf_puts(b, "}");
	}
	return rc == 0 ? buf_puts(b, "]") : rc;
}

int
tryton__sale_values(struct buf *out, const struct order *o, const struct tryton_line *lines,
                    size_t n, int64_t party, int64_t address, int64_t currency,
                    int64_t payment_term, const char *external_id)
{
	struct buf d;
	int rc;

	buf_init(&d, 0);
	rc = buf_printf(&d, "%s order %s (%s)",
	                o->channel_name != NULL && o->channel_name[0] != '\0' ? o->channel_name
	                : o->marketplace != NULL ? o->marketplace : "Marketplace",
	                o->id, external_id);
	if (rc == 0)
		rc = buf_printf(out, "{\"party\":%lld,\"invoice_address\":%lld,\"shipment_address\":%lld,"
		                "\"currency\":%lld,\"reference\":", (long long)party,
		                (long long)address, (long long)address, (long long)currency);
	if (rc == 0 && (rc = tryton__put_str(out, o->id)) == 0 &&
	    (rc = buf_puts(out, ",\"description\":")) == 0)
		rc = tryton__put_str(out, buf_cstr(&d));
	if (rc == 0 && payment_term > 0)
		rc = buf_printf(out, ",\"payment_term\":%lld", (long long)payment_term);
	if (rc == 0 && o->created > 0 && (rc = buf_puts(out, ",\"sale_date\":")) == 0)
		rc = tryton__put_date(out, o->created);
	if (rc == 0 && (rc = buf_puts(out, ",\"lines\":[[\"create\",")) == 0 &&
	    (rc = put_lines(out, lines, n)) == 0)
		rc = buf_puts(out, "]]}");
	buf_free(&d);
	return rc;
}

int
tryton__sale_find(struct tryton *t, const char *order_id, const char *external_id,
                  int64_t *id, struct sc_error *err)
{
	size_t plen = strcspn(external_id, "-"), i, n = 0;
	int64_t *ids = NULL;
	struct buf d, like;
	int rc;

	buf_init(&d, 0);
	buf_init(&like, 0);
	for (i = 0, rc = 0; i < plen && rc == 0; i++) {   /* the prefix, LIKE-escaped */
		char c = external_id[i];
		if (c == '%' || c == '_' || c == '\\')
			rc = buf_append(&like, "\\", 1);
		if (rc == 0)
			rc = buf_append(&like, &c, 1);
	}
	if (rc < 0 || (rc = buf_puts(&like, "-%")) < 0 ||
	    (rc = buf_puts(&d, "[[\"reference\",\"=\",")) < 0 ||
	    (rc = tryton__put_str(&d, order_id)) < 0 ||
	    (rc = buf_puts(&d, "],[\"party.code\",\"like\",")) < 0 ||
	    (rc = tryton__put_str(&d, buf_cstr(&like))) < 0 || (rc = buf_puts(&d, "]]")) < 0) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = tryton__search(t, "sale.sale", buf_cstr(&d), 3, &ids, &n, err)) < 0) {
		sc_error_prefix(err, "order %s: looking for its sale", order_id);
		goto done;
	}
	if (n > 1) {
		rc = sc_error_set(err, SC_ECONFLICT, "order %s: Tryton holds %zu sales with reference %s "
		                  "(ids %lld, %lld%s): a person must remove the extra ones", order_id, n,
		                  order_id, (long long)ids[0], (long long)ids[1], n > 2 ? ", ..." : "");
		goto done;
	}
	if (n == 1)
		*id = ids[0];
	rc = n == 1;
done:
	free(ids);
	buf_free(&d);
	buf_free(&like);
	return rc;
}

int
tryton__lines_diff(struct buf *out, const struct tryton_line *want, size_t nwant,
                   json_object *have, int64_t want_total, int64_t have_total, int exponent,
                   struct sc_error *err)
{
	size_t nhave = have != NULL ? json_object_array_length(have) : 0, i;
	char a[32], b[32];
	int count = 0;

#define DIFF(...)                                                            \
	do {                                                                 \
		buf_puts(out, out->len > 0 ? "; " : "");                     \
		buf_printf(out, __VA_ARGS__);                                \
		count++;                                                     \
	} while (0)
	if (nhave != nwant)
		DIFF("%zu lines in Tryton, %zu written", nhave, nwant);
	for (i = 0; i < nhave && i < nwant; i++) {
		json_object *h = json_object_array_get_idx(have, i);
		int64_t product = 0, qty = 0, amount = 0;

		if (tryton__get_id(tryton__member(h, "product"), &product, "product", err) < 0 ||
		    tryton__get_qty(tryton__member(h, "quantity"), &qty, "quantity", err) < 0 ||
		    tryton__get_decimal(tryton__member(h, "amount"), exponent, &amount, "amount", err) < 0)
			return err != NULL ? err->code : SC_EMALFORMED;
		if (product != want[i].product)
			DIFF("line %zu %s: product %lld in Tryton, %lld written", i + 1, want[i].label,
			     (long long)product, (long long)want[i].product);
		if (qty != want[i].qty)
			DIFF("line %zu %s: quantity %lld in Tryton, %lld written", i + 1, want[i].label,
			     (long long)qty, (long long)want[i].qty);
		if (amount != want[i].amount) {
			money_format(a, sizeof(a), amount, exponent);
			money_format(b, sizeof(b), want[i].amount, exponent);
			DIFF("line %zu %s: amount %s in Tryton, %s written", i + 1, want[i].label, a, b);
		}
	}
	if (have_total != want_total) {
		money_format(a, sizeof(a), have_total, exponent);
		money_format(b, sizeof(b), want_total, exponent);
		DIFF("total %s in Tryton, %s written", a, b);
	}
#undef DIFF
	return count;
}

/* The sale's state, lines and total, and the differences from `want`. */
struct sale_now {
	char state[16];
	int64_t total;
	int64_t *line_ids;
	size_t nlines;
	json_object *invoices;           /* borrowed from rec */
	json_object *rec;
};

static void
sale_now_free(struct sale_now *s)
{
	free(s->line_ids);
	json_object_put(s->rec);
	memset(s, 0, sizeof(*s));
}

static int
sale_read(struct tryton *t, int64_t id, int exponent, struct sale_now *s, struct sc_error *err)
{
	json_object *r, *lines;
	const char *st;
	size_t i;
	int rc;

	sale_now_free(s);
	if ((rc = tryton__read(t, "sale.sale", &id, 1,
	                       "[\"state\",\"lines\",\"total_amount\",\"invoices\"]", &s->rec, err)) < 0)
		return rc;
	r = json_object_array_get_idx(s->rec, 0);
	st = tryton__get_str(r, "state");
	snprintf(s->state, sizeof(s->state), "%s", st != NULL ? st : "");
	if (tryton__get_decimal(tryton__member(r, "total_amount"), exponent, &s->total,
	                        "sale total_amount", err) < 0)
		return err != NULL ? err->code : SC_EMALFORMED;
	s->invoices = tryton__member(r, "invoices");
	lines = tryton__member(r, "lines");
	s->nlines = lines != NULL && json_object_is_type(lines, json_type_array)
	                ? json_object_array_length(lines) : 0;
	if ((s->line_ids = calloc(s->nlines + 1, sizeof(*s->line_ids))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < s->nlines; i++)
		if (tryton__get_id(json_object_array_get_idx(lines, i), &s->line_ids[i], "sale line",
		                   err) != 1)
			return sc_error_set(err, SC_EMALFORMED, "Tryton sale %lld: a line without an id",
			                    (long long)id);
	return 0;
}

/* Differences between the sale and the order's lines into diff. */
static int
sale_diff(struct tryton *t, const struct sale_now *s, const struct tryton_line *lines, size_t n,
          const struct order *o, struct buf *diff, struct sc_error *err)
{
	json_object *have = NULL;
	int rc;

	if (s->nlines > 0 &&
	    (rc = tryton__read(t, "sale.line", s->line_ids, s->nlines,
	                       "[\"product\",\"quantity\",\"amount\"]", &have, err)) < 0)
		return rc;
	rc = tryton__lines_diff(diff, lines, n, have, o->total, s->total, o->exponent, err);
	json_object_put(have);
	return rc;
}

/* Quote, confirm (and process), post the invoices, as conf says. */
static int
sale_advance(struct tryton *t, int64_t id, const struct order *o, struct sale_now *s,
             struct sc_error *err)
{
	json_object *inv = NULL;
	int64_t *ids = NULL;
	size_t n, i, k = 0;
	int rc = 0;

	if (t->confirm && strcmp(s->state, "draft") == 0 &&
	    (rc = tryton__button(t, "sale.sale", "quote", &id, 1, err)) < 0)
		goto done;
	if (t->confirm && (strcmp(s->state, "draft") == 0 || strcmp(s->state, "quotation") == 0) &&
	    (rc = tryton__button(t, "sale.sale", "confirm", &id, 1, err)) < 0)
		goto done;
	if (t->confirm && (rc = sale_read(t, id, o->exponent, s, err)) < 0)
		goto done;
	if (t->confirm && strcmp(s->state, "confirmed") == 0) {
		/* confirm queues `process`; without a worker it ran already, with
		 * one it may not have: run it now (a no-op when done) */
		if ((rc = tryton__button(t, "sale.sale", "process", &id, 1, err)) < 0 ||
		    (rc = sale_read(t, id, o->exponent, s, err)) < 0)
			goto done;
	}
	if (!t->confirm || !t->post_invoices || s->invoices == NULL ||
	    (n = json_object_array_length(s->invoices)) == 0)
		goto done;
	if ((ids = calloc(n, sizeof(*ids))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		if (tryton__get_id(json_object_array_get_idx(s->invoices, i), &ids[i], "invoice",
		                   err) != 1) {
			rc = sc_error_set(err, SC_EMALFORMED, "Tryton sale %lld: an invoice without an id",
			                  (long long)id);
			goto done;
		}
	if ((rc = tryton__read(t, "account.invoice", ids, n, "[\"state\"]", &inv, err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		const char *st = tryton__get_str(json_object_array_get_idx(inv, i), "state");
		if (st != NULL && (strcmp(st, "draft") == 0 || strcmp(st, "validated") == 0))
			ids[k++] = ids[i];
	}
	if (k == 0)
		goto done;
	rc = tryton__button(t, "account.invoice", "post", ids, k, err);
done:
	json_object_put(inv);
	free(ids);
	return rc;
}

/* 1 when the sale has moves and every one is cancelled (nothing shipped,
 * nothing left to ship: its shipment was cancelled), 0 when not, <0 error. */
static int
sale_unshipped_cancelled(struct tryton *t, const struct sale_now *s, struct sc_error *err)
{
	json_object *lines = NULL, *moves = NULL, *mv;
	int64_t *mids = NULL;
	size_t i, k, nm = 0, cnt = 0;
	const char *st;
	int rc;

	if (s->nlines == 0)
		return 0;
	if ((rc = tryton__read(t, "sale.line", s->line_ids, s->nlines, "[\"moves\"]", &lines,
	                       err)) < 0)
		goto done;
	for (i = 0; i < s->nlines; i++) {
		mv = tryton__member(json_object_array_get_idx(lines, i), "moves");
		cnt += mv != NULL && json_object_is_type(mv, json_type_array)
		           ? json_object_array_length(mv) : 0;
	}
	if (cnt == 0 || (mids = calloc(cnt, sizeof(*mids))) == NULL) {
		rc = cnt == 0 ? 0 : sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < s->nlines; i++) {
		mv = tryton__member(json_object_array_get_idx(lines, i), "moves");
		for (k = 0; mv != NULL && json_object_is_type(mv, json_type_array) &&
		            k < json_object_array_length(mv); k++)
			if (tryton__get_id(json_object_array_get_idx(mv, k), &mids[nm], "move", NULL) == 1)
				nm++;
	}
	if (nm == 0 || (rc = tryton__read(t, "stock.move", mids, nm, "[\"state\"]", &moves, err)) < 0)
		goto done;
	for (i = 0, rc = 1; i < nm && rc == 1; i++)
		rc = (st = tryton__get_str(json_object_array_get_idx(moves, i), "state")) != NULL &&
		     strcmp(st, "cancelled") == 0;
done:
	json_object_put(lines);
	json_object_put(moves);
	free(mids);
	return rc;
}

/* A sale that exists: cancel, rewrite or leave it. */
static int
sale_update(struct tryton *t, int64_t id, const struct order *o, const struct tryton_line *lines,
            size_t n, struct sale_now *s, struct sc_error *err)
{
	struct buf diff, v;
	int cancelled = o->status == ORDER_CANCELLED || o->status == ORDER_UNFULFILLABLE;
	int rc, editable;

	buf_init(&diff, 0);
	buf_init(&v, 0);
	if ((rc = sale_read(t, id, o->exponent, s, err)) < 0)
		goto done;
	editable = strcmp(s->state, "draft") == 0 || strcmp(s->state, "quotation") == 0;
	if (cancelled) {
		if (strcmp(s->state, "cancelled") == 0)
			rc = 0;
		else if (editable)
			rc = tryton__button(t, "sale.sale", "cancel", &id, 1, err);
		else if ((rc = sale_unshipped_cancelled(t, s, err)) == 0)
			rc = sc_error_set(err, SC_EINVALID, "order %s was cancelled on the marketplace, "
			                  "but its sale %lld is %s in Tryton, which cancels only draft and "
			                  "quotation sales: a person must cancel its shipment (and ignore "
			                  "the sale's shipment exception)", o->id, (long long)id, s->state);
		else if (rc == 1)
			rc = 0;                /* its shipment is cancelled: nothing left to do */
		goto done;
	}
	if ((rc = sale_diff(t, s, lines, n, o, &diff, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = sale_advance(t, id, o, s, err);
		goto done;
	}
	if (!editable) {
		rc = sc_error_set(err, SC_EINVALID, "order %s changed on the marketplace, but its "
		                  "sale %lld is %s in Tryton, which allows no change: %s", o->id,
		                  (long long)id, s->state, buf_cstr(&diff));
		goto done;
	}
	if (strcmp(s->state, "quotation") == 0 &&
	    (rc = tryton__button(t, "sale.sale", "draft", &id, 1, err)) < 0)
		goto done;
	if ((rc = buf_puts(&v, "{\"lines\":[[\"delete\",")) < 0 ||
	    (rc = tryton__put_ids(&v, s->line_ids, s->nlines)) < 0 ||
	    (rc = buf_puts(&v, "],[\"create\",")) < 0 || (rc = put_lines(&v, lines, n)) < 0 ||
	    (rc = buf_puts(&v, "]]}")) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = tryton__write(t, "sale.sale", &id, 1, buf_cstr(&v), err)) < 0 ||
	    (rc = sale_read(t, id, o->exponent, s, err)) < 0)
		goto done;
	rc = sale_advance(t, id, o, s, err);
done:
	buf_free(&diff);
	buf_free(&v);
	return rc;
}

/* A new sale; after a create without an answer, the search decides. */
static int
sale_create(struct tryton *t, const struct order *o, const char *eid,
            const struct tryton_line *lines, size_t n, int64_t currency, int64_t *id,
            struct sc_error *err)
{
	struct sc_error scratch;
	int64_t party = 0, address = 0;
	struct buf v;
	int rc;

	buf_init(&v, 0);
	if ((rc = tryton__party_resolve(t, o, eid, &party, &address, err)) < 0)
		goto done;
	if (t->payment_term != NULL && t->payment_term_id == 0 &&
	    (rc = tryton__named(t, "account.invoice.payment_term", t->payment_term,
	                        &t->payment_term_id, err)) < 0) {
		sc_error_prefix(err, "[erp] payment_term");
		goto done;
	}
	if ((rc = tryton__sale_values(&v, o, lines, n, party, address, currency, t->payment_term_id,
	                              eid)) < 0) {
		rc = sc_error_set(err, rc, "order %s: cannot build the sale", o->id);
		goto done;
	}
	if ((rc = tryton__create(t, "sale.sale", buf_cstr(&v), id, err)) == 0 ||
	    !sc_code_is_transient(rc))
		goto done;
	sc_error_clear(&scratch);
	if (tryton__sale_find(t, o->id, eid, id, &scratch) == 1) {
		sc_error_clear(err);
		rc = 0;
	}
done:
	buf_free(&v);
	return rc;
}

int
tryton__order_upsert(void *self, const struct order *o, const char *external_id,
                     struct erp_ref *out, struct sc_error *err)
{
	struct tryton *t = self;
	struct tryton_line *lines = NULL;
	struct sale_now s;
	int64_t id = 0, currency = 0;
	char a[32], b[32];
	size_t n = 0;
	int digits = 0, rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	if (o->id == NULL || o->id[0] == '\0' || external_id == NULL ||
	    strlen(external_id) >= sizeof(out->external_id))
		return sc_error_set(err, SC_EINVALID, "order without an id, or external id too long");
	if (o->currency[0] == '\0' || o->exponent < 0 || o->exponent > 4)
		return sc_error_set(err, SC_EINVALID, "order %s: no currency (or exponent %d)", o->id,
		                    o->exponent);
	if ((rc = tryton__currency_resolve(t, o->currency, &currency, &digits, err)) < 0) {
		sc_error_prefix(err, "order %s", o->id);
		goto done;
	}
	if (digits < o->exponent) {
		rc = sc_error_set(err, SC_EINVALID, "order %s: Tryton's %s has %d decimals, the "
		                  "marketplace's %d", o->id, o->currency, digits, o->exponent);
		goto done;
	}
	if ((rc = tryton__order_lines(t, o, &lines, &n, err)) < 0)
		goto done;
	if ((rc = tryton__sale_find(t, o->id, external_id, &id, err)) < 0)
		goto done;
	if (rc == 1) {
		rc = sale_update(t, id, o, lines, n, &s, err);
	} else if (o->status == ORDER_CANCELLED || o->status == ORDER_UNFULFILLABLE) {
		rc = sc_error_set(err, SC_EINVALID, "order %s is cancelled and has no sale in Tryton",
		                  o->id);
	} else if ((rc = sale_create(t, o, external_id, lines, n, currency, &id, err)) == 0) {
		snprintf(s.state, sizeof(s.state), "draft");
		if ((rc = sale_advance(t, id, o, &s, err)) == 0 && !t->confirm)
			rc = sale_read(t, id, o->exponent, &s, err);
	}
	if (rc < 0) {
		if (err != NULL && strncmp(err->msg, "order ", 6) != 0) {
			if (id > 0)
				sc_error_prefix(err, "order %s (sale %lld)", o->id, (long long)id);
			else
				sc_error_prefix(err, "order %s", o->id);
		}
		goto done;
	}
	snprintf(out->type, sizeof(out->type), "sale");
	snprintf(out->id, sizeof(out->id), "%lld", (long long)id);
	snprintf(out->external_id, sizeof(out->external_id), "%s", external_id);
	if (s.rec != NULL && o->status != ORDER_CANCELLED && o->status != ORDER_UNFULFILLABLE &&
	    s.total != o->total) {
		money_format(a, sizeof(a), s.total, o->exponent);
		money_format(b, sizeof(b), o->total, o->exponent);
		rc = sc_error_set(err, SC_EINVALID, "order %s: sale %lld totals %s %s in Tryton, the "
		                  "marketplace %s %s", o->id, (long long)id, a, o->currency, b,
		                  o->currency);
	}
done:
	sale_now_free(&s);
	free(lines);
	return rc;
}
