/*
 * credit.c: the refund_create slot: a marketplace refund becomes a customer
 * credit note in Tryton, linked to the sale's invoice.
 *
 * Path: "sale>creditNote" only (tryton.c's refund_paths). The order's sale
 * (order_ref) must have an invoice (confirm = yes makes one); the credit
 * note is an account.invoice of type "out" with negative quantities, as
 * Tryton's own credit wizard makes one (Invoice._credit), but holding
 * exactly the refunded lines and amounts instead of a copy of the whole
 * invoice: each line's origin is the invoice line of the same product
 * ("account.invoice.line,ID"), which is how Tryton links a credit note to
 * what it credits. Party, address, currency, journal and receivable account
 * are the invoice's; description "<Marketplace> refund ADJ of order ID";
 * reference = the connector's external id (AMZ-RFD-...), by which it is
 * found again. post_invoices = yes posts it (dated the day it is posted).
 *
 * Lines: components go by name (tryton__part_of): Principal to the
 * refunded line's own product (erp_sku, else SKU), quantity = -refunded
 * quantity (-1 for an amount-only line), unit price = credited amount /
 * quantity (4 decimals, exact after Tryton's rounding); shipping, discount,
 * tax, gift wrap and other charges summed over the refund's lines onto their
 * configured products, quantity -1; marketplace fees and withheld tax are
 * between the marketplace and the seller, they belong to the settlement and
 * never onto the buyer's credit note. Components are signed as money leaves
 * the seller; a credit note's lines are what the buyer is credited,
 * negated: Tryton's total_amount of the credit note is minus the refund.
 * Every refunded product must be on the sale's invoices in at least the
 * refunded quantity (SC_EINVALID naming the SKU otherwise).
 *
 * Idempotency: the credit note is searched by reference before anything is
 * written; found, it is used as it is (posted if it is still a draft and
 * conf says so) and compared. A create without an answer is followed by the
 * same search. Read back: its lines (product, quantity, amount) and total
 * against what was written; any difference is SC_EINVALID listing them, with
 * *out filled so the engine binds the record and a person can look at it.
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/model.h"
#include "connector/money.h"

static int
starts_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int
has_ci(const char *s, const char *needle)
{
	for (; *s != '\0'; s++)
		if (starts_ci(s, needle))
			return 1;
	return 0;
}

enum tryton_part
tryton__part_of(const char *t, enum tryton_charge *charge)
{
	*charge = TRYTON_CH_OTHER;
	if (t == NULL || t[0] == '\0' || starts_ci(t, "RestockingFee"))
		return TRYTON_PART_CHARGE;   /* charged to the buyer */
	if (strcasecmp(t, "Commission") == 0 || strcasecmp(t, "RefundCommission") == 0 ||
	    has_ci(t, "Fee") || ends_ci(t, "Chargeback") || starts_ci(t, "MarketplaceFacilitator") ||
	    has_ci(t, "Withheld"))
		return TRYTON_PART_FEE;
	if (strcasecmp(t, "Principal") == 0)
		return TRYTON_PART_ITEM;
	if (starts_ci(t, "GiftWrap"))
		*charge = TRYTON_CH_GIFTWRAP;
	else if (strcasecmp(t, "TaxDiscount") == 0)
		*charge = TRYTON_CH_TAX;
	else if (has_ci(t, "Discount") || has_ci(t, "Promotion"))
		*charge = TRYTON_CH_DISCOUNT;
	else if (has_ci(t, "Shipping"))
		*charge = TRYTON_CH_SHIPPING;
	else if (strcasecmp(t, "Tax") == 0 || ends_ci(t, "Tax"))
		*charge = TRYTON_CH_TAX;
	return TRYTON_PART_CHARGE;
}

static const char *
str_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

/* The credit note's lines (origins and accounts not yet set) and its total
 * (what the buyer is credited, positive). */
static int
credit_plan(struct tryton *t, const struct refund *r, struct tryton_line **out, size_t *n,
            int64_t *credited, struct sc_error *err)
{
	int64_t ch[TRYTON_CH_COUNT];
	const char *rid = str_or(r->id, "?"), *oid = str_or(r->order_id, "?");
	struct tryton_line *v = NULL;
	char a[32];
	size_t i, j, k = 0;
	int c, rc;

	*out = NULL;
	*n = 0;
	*credited = 0;
	memset(ch, 0, sizeof(ch));
	if ((v = calloc(r->nlines + TRYTON_CH_COUNT + 1, sizeof(*v))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < r->nlines; i++) {
		const struct refund_line *l = &r->lines[i];
		const char *sku = l->erp_sku != NULL && l->erp_sku[0] != '\0' ? l->erp_sku : l->sku;
		int64_t principal = 0;

		if (l->qty < 0) {
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: line %zu has quantity "
			                  "%lld", rid, oid, i + 1, (long long)l->qty);
			goto fail;
		}
		for (j = 0; j < l->ncomps; j++) {
			enum tryton_charge cc;
			enum tryton_part p = tryton__part_of(l->comps[j].type, &cc);
			int64_t *acc = p == TRYTON_PART_ITEM ? &principal : &ch[cc];
			if (p != TRYTON_PART_FEE && money_sub(acc, *acc, l->comps[j].amount) < 0)
				goto overflow;
		}
		if (principal == 0 && l->qty == 0)
			continue;
		if (sku == NULL || sku[0] == '\0') {
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: line %zu has no SKU",
			                  rid, oid, i + 1);
			goto fail;
		}
		if ((rc = tryton__product_resolve(t, sku, &v[k].product, &v[k].unit, err)) < 0) {
			sc_error_prefix(err, "refund %s of order %s line %zu", rid, oid, i + 1);
			goto fail;
		}
		v[k].label = sku;
		v[k].description = sku;
		v[k].qty = l->qty > 0 ? -l->qty : -1;
		v[k].amount = -principal;
		if (tryton__unit_price(&v[k].price4, v[k].amount, v[k].qty, r->exponent) < 0) {
			money_format(a, sizeof(a), principal, r->exponent);
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: SKU %s: no unit price "
			                  "with 4 decimals makes %s for quantity %lld", rid, oid, sku, a,
			                  (long long)-v[k].qty);
			goto fail;
		}
		if (money_add(credited, *credited, principal) < 0)
			goto overflow;
		k++;
	}
	for (c = 0; c < TRYTON_CH_COUNT; c++) {
		const char *code = t->charge_products[c];

		if (ch[c] == 0)
			continue;
		if (code == NULL) {
			money_format(a, sizeof(a), ch[c] < 0 ? -ch[c] : ch[c], r->exponent);
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s has %s %s but [erp] %s "
			                  "is not set", rid, oid, tryton__charge_name((enum tryton_charge)c),
			                  a, tryton__charge_key((enum tryton_charge)c));
			goto fail;
		}
		if ((rc = tryton__product_resolve(t, code, &v[k].product, &v[k].unit, err)) < 0) {
			sc_error_prefix(err, "refund %s of order %s: [erp] %s", rid, oid,
			                tryton__charge_key((enum tryton_charge)c));
			goto fail;
		}
		v[k].label = tryton__charge_name((enum tryton_charge)c);
		v[k].description = v[k].label;
		v[k].qty = -1;
		v[k].charge = 1;
		v[k].amount = -ch[c];
		if (tryton__unit_price(&v[k].price4, v[k].amount, -1, r->exponent) < 0 ||
		    money_add(credited, *credited, ch[c]) < 0)
			goto overflow;
		k++;
	}
	if (k == 0) {
		rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s credits nothing a credit "
		                  "note can hold (no item, shipping, tax or other amount)", rid, oid);
		goto fail;
	}
	*out = v;
	*n = k;
	return 0;
overflow:
	rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: amounts overflow", rid, oid);
fail:
	free(v);
	return rc;
}

int
tryton__credit_find(struct tryton *t, const char *eid, int64_t *id, struct sc_error *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	struct buf d;
	int rc;

	buf_init(&d, 0);
	if ((rc = buf_puts(&d, "[[\"reference\",\"=\",")) < 0 || (rc = tryton__put_str(&d, eid)) < 0 ||
	    (rc = buf_puts(&d, "],[\"type\",\"=\",\"out\"]]")) < 0)
		rc = sc_error_set(err, rc, "out of memory");
	else if ((rc = tryton__search(t, "account.invoice", buf_cstr(&d), 2, &ids, &n, err)) == 0) {
		if (n > 1)
			rc = sc_error_set(err, SC_ECONFLICT, "Tryton holds %zu customer invoices with "
			                  "reference %s (ids %lld, %lld)", n, eid, (long long)ids[0],
			                  (long long)ids[1]);
		else if (n == 1)
			*id = ids[0];
		if (rc == 0)
			rc = n == 1;
	}
	free(ids);
	buf_free(&d);
	return rc;
}

/* The sale's invoice that is credited, and its lines. */
struct source {
	json_object *invoice;            /* the first invoice (a record), owned by invs */
	json_object *invs;
	json_object *lines;              /* every line of the sale's invoices */
};

static void
source_free(struct source *s)
{
	json_object_put(s->invs);
	json_object_put(s->lines);
	memset(s, 0, sizeof(*s));
}

static int
ids_of(json_object *arr, int64_t **out, size_t *n, struct sc_error *err)
{
	size_t i, len = arr != NULL && json_object_is_type(arr, json_type_array)
	                    ? json_object_array_length(arr) : 0;

	*n = 0;
	if ((*out = calloc(len + 1, sizeof(**out))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < len; i++)
		if (tryton__get_id(json_object_array_get_idx(arr, i), &(*out)[*n], "id", err) == 1)
			(*n)++;
	return 0;
}

static int
source_read(struct tryton *t, int64_t sale, int exponent, struct source *s, struct sc_error *err)
{
	json_object *rec = NULL;
	int64_t *ids = NULL, *lids = NULL;
	size_t n = 0, i, j, nl = 0, cap = 0;
	int rc;

	if ((rc = tryton__read(t, "sale.sale", &sale, 1, "[\"invoices\"]", &rec, err)) < 0 ||
	    (rc = ids_of(tryton__member(json_object_array_get_idx(rec, 0), "invoices"), &ids, &n,
	                 err)) < 0)
		goto done;
	if (n > 0 && (rc = tryton__read(t, "account.invoice", ids, n,
	                                "[\"state\",\"type\",\"lines\",\"party\",\"invoice_address\","
	                                "\"currency\",\"journal\",\"account\",\"payment_term\","
	                                "\"company\",\"total_amount\"]", &s->invs, err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		json_object *inv = json_object_array_get_idx(s->invs, i), *l;
		const char *st = tryton__get_str(inv, "state");
		int64_t total = 0, *more = NULL;
		size_t nm = 0;

		if (st == NULL || strcmp(st, "cancelled") == 0 ||
		    tryton__get_decimal(tryton__member(inv, "total_amount"), exponent, &total,
		                        "invoice total", err) < 0 || total < 0)
			continue;
		if (s->invoice == NULL)
			s->invoice = inv;
		l = tryton__member(inv, "lines");
		if ((rc = ids_of(l, &more, &nm, err)) < 0)
			goto done;
		if (nl + nm > cap) {
			int64_t *g = realloc(lids, (cap = (nl + nm) * 2 + 8) * sizeof(*lids));
			if (g == NULL) {
				free(more);
				rc = sc_error_set(err, SC_ENOMEM, "out of memory");
				goto done;
			}
			lids = g;
		}
		for (j = 0; j < nm; j++)
			lids[nl++] = more[j];
		free(more);
	}
	if (s->invoice == NULL) {
		rc = sc_error_set(err, SC_EINVALID, "sale %lld has no invoice to credit (Tryton "
		                  "invoices a sale once it is confirmed: [erp] confirm = yes)",
		                  (long long)sale);
		goto done;
	}
	rc = tryton__read(t, "account.invoice.line", lids, nl,
	                  "[\"product\",\"quantity\",\"unit\",\"account\"]", &s->lines, err);
done:
	json_object_put(rec);
	free(ids);
	free(lids);
	return rc;
}

/* The revenue account of a product (its category's). */
static int
product_account(struct tryton *t, int64_t product, int64_t *out, struct sc_error *err)
{
	json_object *p = NULL, *c = NULL;
	int64_t cat = 0;
	int rc;

	if ((rc = tryton__read(t, "product.product", &product, 1, "[\"account_category\"]", &p,
	                       err)) < 0)
		goto done;
	if (tryton__get_id(tryton__member(json_object_array_get_idx(p, 0), "account_category"), &cat,
	                   "account_category", err) != 1) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton product %lld has no account category",
		                  (long long)product);
		goto done;
	}
	if ((rc = tryton__read(t, "product.category", &cat, 1, "[\"account_revenue\"]", &c, err)) < 0)
		goto done;
	if (tryton__get_id(tryton__member(json_object_array_get_idx(c, 0), "account_revenue"), out,
	                   "account_revenue", err) != 1)
		rc = sc_error_set(err, SC_EINVALID, "Tryton product category %lld has no revenue "
		                  "account", (long long)cat);
done:
	json_object_put(p);
	json_object_put(c);
	return rc;
}

/* Origins, units and accounts from the invoice lines; the quantity check. */
static int
credit_link(struct tryton *t, const struct refund *r, struct tryton_line *v, size_t n,
            const struct source *s, struct sc_error *err)
{
	size_t i, j, nl = json_object_array_length(s->lines);
	int rc;

	for (i = 0; i < n; i++) {
		int64_t want = 0, have = 0, product = 0, qty = 0;
		int item = !v[i].charge;

		for (j = 0; j < n; j++)
			if (v[j].product == v[i].product)
				want -= v[j].qty;
		for (j = 0; j < nl; j++) {
			json_object *l = json_object_array_get_idx(s->lines, j);
			if (tryton__get_id(tryton__member(l, "product"), &product, "product", NULL) != 1 ||
			    product != v[i].product ||
			    tryton__get_qty(tryton__member(l, "quantity"), &qty, "quantity", err) != 1 ||
			    qty <= 0)
				continue;
			have += qty;
			if (v[i].origin == 0) {
				tryton__get_id(tryton__member(l, "id"), &v[i].origin, "id", NULL);
				tryton__get_id(tryton__member(l, "unit"), &v[i].unit, "unit", NULL);
				tryton__get_id(tryton__member(l, "account"), &v[i].account, "account", NULL);
			}
		}
		if (item && have == 0)
			return sc_error_set(err, SC_EINVALID, "refund %s of order %s: the sale's invoice "
			                    "has no line for SKU %s", str_or(r->id, "?"),
			                    str_or(r->order_id, "?"), v[i].label);
		if (item && want > have)
			return sc_error_set(err, SC_EINVALID, "refund %s of order %s refunds %lld of SKU "
			                    "%s but the sale's invoice has %lld", str_or(r->id, "?"),
			                    str_or(r->order_id, "?"), (long long)want, v[i].label,
			                    (long long)have);
		if (v[i].account == 0 && (rc = product_account(t, v[i].product, &v[i].account, err)) < 0)
			return rc;
	}
	return 0;
}

/* The account.invoice create values of the credit note. */
static int
credit_values(struct buf *b, const struct refund *r, const char *eid, const struct source *s,
              const struct tryton_line *v, size_t n)
{
	static const char *const copied[] = { "company", "party", "invoice_address", "currency",
		                              "journal", "account", "payment_term" };
	json_object *inv = s->invoice;
	int64_t company = 0, currency = 0, id = 0;
	size_t plen = strcspn(eid, "-"), i;
	int rc;

	tryton__get_id(tryton__member(inv, "company"), &company, "company", NULL);
	tryton__get_id(tryton__member(inv, "currency"), &currency, "currency", NULL);
	if ((rc = buf_puts(b, "{\"type\":\"out\"")) < 0)
		return rc;
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		if (tryton__get_id(tryton__member(inv, copied[i]), &id, copied[i], NULL) == 1 &&
		    (rc = buf_printf(b, ",\"%s\":%lld", copied[i], (long long)id)) < 0)
			return rc;
	if ((rc = buf_puts(b, ",\"reference\":")) < 0 || (rc = tryton__put_str(b, eid)) < 0 ||
	    (rc = buf_puts(b, ",\"description\":\"")) < 0 ||
	    (rc = plen == 3 && strncmp(eid, "AMZ", 3) == 0 ? buf_puts(b, "Amazon")
	                                                   : buf_append(b, eid, plen)) < 0 ||
	    (rc = buf_puts(b, " refund ")) < 0 || (rc = buf_json_escape(b, str_or(r->id, ""))) < 0 ||
	    (rc = buf_puts(b, " of order ")) < 0 ||
	    (rc = buf_json_escape(b, str_or(r->order_id, ""))) < 0 ||
	    (rc = buf_puts(b, "\",\"lines\":[[\"create\",[")) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = buf_printf(b, "%s{\"type\":\"line\",\"sequence\":%zu,\"company\":%lld,"
		                     "\"currency\":%lld,\"product\":%lld,\"unit\":%lld,\"quantity\":%lld,"
		                     "\"account\":%lld,\"description\":", i > 0 ? "," : "", i + 1,
		                     (long long)company, (long long)currency, (long long)v[i].product,
		                     (long long)v[i].unit, (long long)v[i].qty,
		                     (long long)v[i].account)) < 0 ||
		    (rc = tryton__put_str(b, v[i].description)) < 0 ||
		    (rc = buf_puts(b, ",\"unit_price\":")) < 0 ||
		    (rc = tryton__put_decimal(b, v[i].price4, 4)) < 0)
			return rc;
		if (v[i].origin > 0 &&
		    (rc = buf_printf(b, ",\"origin\":\"account.invoice.line,%lld\"",
		                     (long long)v[i].origin)) < 0)
			return rc;
		if ((rc = buf_puts(b, "}")) < 0)
			return rc;
	}
	return buf_puts(b, "]]]}");
}

/* Post a draft credit note (conf), then compare it with the plan. */
static int
credit_verify(struct tryton *t, const struct refund *r, int64_t id, const struct tryton_line *v,
              size_t n, int64_t credited, struct sc_error *err)
{
	json_object *inv = NULL, *lines = NULL, *rec;
	int64_t *lids = NULL, total = 0;
	const char *st;
	size_t nl = 0;
	struct buf diff;
	int rc;

	buf_init(&diff, 0);
	if ((rc = tryton__read(t, "account.invoice", &id, 1, "[\"state\",\"lines\",\"total_amount\"]",
	                       &inv, err)) < 0)
		goto done;
	rec = json_object_array_get_idx(inv, 0);
	st = tryton__get_str(rec, "state");
	if (t->post_invoices && st != NULL && (strcmp(st, "draft") == 0 || strcmp(st, "validated") == 0)) {
		if ((rc = tryton__button(t, "account.invoice", "post", &id, 1, err)) < 0)
			goto done;
	}
	if ((rc = ids_of(tryton__member(rec, "lines"), &lids, &nl, err)) < 0 ||
	    (nl > 0 && (rc = tryton__read(t, "account.invoice.line", lids, nl,
	                                  "[\"product\",\"quantity\",\"amount\"]", &lines, err)) < 0))
		goto done;
	if (tryton__get_decimal(tryton__member(rec, "total_amount"), r->exponent, &total,
	                        "credit note total", err) < 0) {
		rc = err != NULL ? err->code : SC_EMALFORMED;
		goto done;
	}
	if ((rc = tryton__lines_diff(&diff, v, n, lines, -credited, total, r->exponent, err)) < 0)
		goto done;
	if (rc > 0)
		rc = sc_error_set(err, SC_EINVALID, "credit note %lld in Tryton differs from what was "
		                  "written: %s", (long long)id, buf_cstr(&diff));
done:
	json_object_put(inv);
	json_object_put(lines);
	free(lids);
	buf_free(&diff);
	return rc;
}

int
tryton__refund_create(void *self, const struct refund *r, const char *target,
                      const struct erp_ref *order_ref, const char *eid, struct erp_ref *out,
                      struct sc_error *err)
{
	struct tryton *t = self;
	struct tryton_line *v = NULL;
	struct source s;
	struct sc_error scratch;
	int64_t id = 0, sale = 0, credited = 0;
	char *end = NULL;
	struct buf b;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	buf_init(&b, 0);
	if (strcmp(order_ref->type, "sale") != 0 || strcmp(target, "creditNote") != 0)
		return sc_error_set(err, SC_EINVALID, "Tryton cannot make a %s from a %s", target,
		                    order_ref->type);
	if (r->id == NULL || r->order_id == NULL || eid == NULL ||
	    strlen(eid) >= sizeof(out->external_id))
		return sc_error_set(err, SC_EINVALID, "refund %s of order %s: no id, or external id "
		                    "too long", str_or(r->id, "?"), str_or(r->order_id, "?"));
	sale = strtoll(order_ref->id, &end, 10);
	if (order_ref->id[0] < '1' || order_ref->id[0] > '9' || *end != '\0' || sale <= 0)
		return sc_error_set(err, SC_EINVALID, "refund %s of order %s: sale id \"%s\" is not a "
		                    "Tryton id", r->id, r->order_id, order_ref->id);
	if ((rc = credit_plan(t, r, &v, &n, &credited, err)) < 0)
		goto done;
	if ((rc = tryton__credit_find(t, eid, &id, err)) < 0)
		goto fail;
	if (rc == 0) {
		if ((rc = source_read(t, sale, r->exponent, &s, err)) < 0 ||
		    (rc = credit_link(t, r, v, n, &s, err)) < 0)
			goto fail;
		if ((rc = credit_values(&b, r, eid, &s, v, n)) < 0) {
			rc = sc_error_set(err, rc, "refund %s of order %s: cannot build the credit note",
			                  r->id, r->order_id);
			goto done;
		}
		if ((rc = tryton__create(t, "account.invoice", buf_cstr(&b), &id, err)) < 0) {
			sc_error_clear(&scratch);
			if (!sc_code_is_transient(rc) || tryton__credit_find(t, eid, &id, &scratch) != 1)
				goto fail;
			sc_error_clear(err);
		}
	}
	snprintf(out->type, sizeof(out->type), "creditNote");
	snprintf(out->id, sizeof(out->id), "%lld", (long long)id);
	snprintf(out->external_id, sizeof(out->external_id), "%s", eid);
	if ((rc = credit_verify(t, r, id, v, n, credited, err)) < 0)
		goto fail;
	goto done;
fail:
	if (err != NULL && strncmp(err->msg, "refund ", 7) != 0)
		sc_error_prefix(err, "refund %s of order %s", r->id, r->order_id);
done:
	source_free(&s);
	free(v);
	buf_free(&b);
	return rc;
}
