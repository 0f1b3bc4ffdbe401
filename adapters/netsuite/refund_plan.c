/*
 * refund_plan.c: what a marketplace refund writes on a NetSuite refund
 * record, and how what NetSuite holds differs from it (refund.c has the
 * design: chain, body, read-back).
 *
 * Components go by name to a part (netsuite__part_of): Principal to the
 * refunded line's own item; shipping, discount, tax, gift wrap and other
 * charges to the configured items, summed over the refund's lines, one
 * line each with quantity 1; marketplace fees and withheld tax nowhere.
 * Amounts are negated (components are signed as money leaves the seller; a
 * refund record's lines are what the buyer is credited) and stay exact
 * minor units.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/model.h"
#include "connector/money.h"

/* ---- components --------------------------------------------------------- */

static const struct {
	const char *name;
	const char *conf_key;
	size_t item_off;
} parts[NETSUITE_PART_COUNT] = {
	{ "item", NULL, 0 },
	{ "shipping", "shipping_item_id", offsetof(struct netsuite_body_opts, shipping_item_id) },
	{ "discount", "discount_item_id", offsetof(struct netsuite_body_opts, discount_item_id) },
	{ "tax", "tax_item_id", offsetof(struct netsuite_body_opts, tax_item_id) },
	{ "gift wrap", "giftwrap_item_id", offsetof(struct netsuite_body_opts, giftwrap_item_id) },
	{ "other charges", "other_item_id", offsetof(struct netsuite_body_opts, other_item_id) },
	{ "fees", NULL, 0 },
};

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

enum netsuite_part
netsuite__part_of(const char *t)
{
	if (t == NULL || t[0] == '\0')
		return NETSUITE_PART_OTHER;
	if (starts_ci(t, "RestockingFee"))             /* charged to the buyer */
		return NETSUITE_PART_OTHER;
	if (strcasecmp(t, "Commission") == 0 || strcasecmp(t, "RefundCommission") == 0 ||
	    has_ci(t, "Fee") || ends_ci(t, "Chargeback") || starts_ci(t, "MarketplaceFacilitator") ||
	    has_ci(t, "Withheld"))
		return NETSUITE_PART_FEE;
	if (strcasecmp(t, "Principal") == 0)
		return NETSUITE_PART_ITEM;
	if (starts_ci(t, "GiftWrap"))
		return NETSUITE_PART_GIFTWRAP;
	if (strcasecmp(t, "TaxDiscount") == 0)
		return NETSUITE_PART_TAX;
	if (has_ci(t, "Discount") || has_ci(t, "Promotion"))
		return NETSUITE_PART_DISCOUNT;
	if (has_ci(t, "Shipping"))
		return NETSUITE_PART_SHIPPING;
	if (strcasecmp(t, "Tax") == 0 || ends_ci(t, "Tax"))
		return NETSUITE_PART_TAX;
	return NETSUITE_PART_OTHER;
}

const char *
netsuite__part_item(const struct netsuite_body_opts *opts, enum netsuite_part p)
{
	const char *const *v;

	if (p <= NETSUITE_PART_ITEM || p >= NETSUITE_PART_FEE)
		return NULL;
	v = (const char *const *)((const char *)opts + parts[p].item_off);
	return *v != NULL && **v != '\0' ? *v : NULL;
}

const char *
netsuite__part_name(enum netsuite_part p)
{
	return p < NETSUITE_PART_COUNT ? parts[p].name : "?";
}

/* ---- the plan ------------------------------------------------------------ */

void
netsuite__rplan_free(struct netsuite_rplan *p)
{
	if (p == NULL)
		return;
	free(p->lines);
	free(p->src_line);
	memset(p, 0, sizeof(*p));
}

static const char *
rline_sku(const struct refund_line *l)
{
	return l->erp_sku != NULL && l->erp_sku[0] != '\0' ? l->erp_sku : l->sku;
}

static const char *
str_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

int
netsuite__rplan_build(struct netsuite_rplan *out, const struct netsuite_body_opts *opts,
                      const struct refund *r, const char *const *item_ids,
                      struct sc_error *err)
{
	int64_t charges[NETSUITE_PART_COUNT];
	const char *rid = str_or(r->id, "?"), *oid = str_or(r->order_id, "?");
	char a[32];
	size_t i, j, n = 0;
	int k, rc = 0;

	memset(out, 0, sizeof(*out));
	memset(charges, 0, sizeof(charges));
	if (r->nlines > 0 && r->lines == NULL)
		return sc_error_set(err, SC_EINVALID, "refund %s of order %s: no lines", rid, oid);
	out->lines = calloc(r->nlines + NETSUITE_PART_COUNT, sizeof(*out->lines));
	out->src_line = calloc(r->nlines + 1, sizeof(*out->src_line));
	if (out->lines == NULL || out->src_line == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < r->nlines; i++) {
		const struct refund_line *l = &r->lines[i];
		int64_t principal = 0;
		const char *sku = rline_sku(l);

		if (l->qty < 0) {
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: line %zu has quantity %lld",
			                  rid, oid, i + 1, (long long)l->qty);
			goto done;
		}
		for (j = 0; j < l->ncomps; j++) {
			enum netsuite_part p = netsuite__part_of(l->comps[j].type);
			int64_t *acc = p == NETSUITE_PART_ITEM ? &principal : &charges[p];
			if (p != NETSUITE_PART_FEE && money_sub(acc, *acc, l->comps[j].amount) < 0) {
				rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: amounts overflow",
				                  rid, oid);
				goto done;
			}
		}
		if (principal == 0 && l->qty == 0)
			continue;
		if (sku == NULL || sku[0] == '\0') {
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: line %zu has no SKU",
			                  rid, oid, i + 1);
			goto done;
		}
		out->lines[n].item_id = item_ids != NULL ? item_ids[i] : NULL;
		out->lines[n].label = sku;
		out->lines[n].qty = l->qty;
		out->lines[n].amount = principal;
		out->src_line[n++] = i;
	}
	out->nitems = n;
	for (k = NETSUITE_PART_SHIPPING; k < NETSUITE_PART_FEE; k++) {
		const char *item = netsuite__part_item(opts, (enum netsuite_part)k);
		if (charges[k] == 0)
			continue;
		if (item == NULL) {
			money_format(a, sizeof(a), charges[k] < 0 ? -charges[k] : charges[k], r->exponent);
			rc = sc_error_set(err, SC_EINVALID,
			                  "refund %s of order %s has %s %s but [erp] %s is not set", rid,
			                  oid, parts[k].name, a, parts[k].conf_key);
			goto done;
		}
		out->lines[n].item_id = item;
		out->lines[n].label = parts[k].name;
		out->lines[n].qty = 1;
		out->lines[n++].amount = charges[k];
	}
	out->n = n;
	if (n == 0) {
		rc = sc_error_set(err, SC_EINVALID,
		                  "refund %s of order %s credits nothing a NetSuite refund can hold "
		                  "(no item, shipping, tax or other amount)", rid, oid);
		goto done;
	}
	for (i = 0; i < n; i++)
		if (money_add(&out->total, out->total, out->lines[i].amount) < 0) {
			rc = sc_error_set(err, SC_EINVALID, "refund %s of order %s: amounts overflow",
			                  rid, oid);
			goto done;
		}
done:
	if (rc < 0)
		netsuite__rplan_free(out);
	return rc;
}

/* ---- comparing ----------------------------------------------------------- */

static void diff_add(struct buf *out, int *count, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
diff_add(struct buf *out, int *count, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (out->len > 0)
		buf_puts(out, "; ");
	buf_puts(out, line);
	(*count)++;
}

int
netsuite__rplan_diff(struct buf *out, const struct netsuite_rplan *plan,
                     const struct netsuite_tline *have, size_t nhave, int has_total,
                     int64_t total, int exponent)
{
	char a[32], b[32];
	size_t i;
	int count = 0;

	if (nhave != plan->n)
		diff_add(out, &count, "%zu lines in NetSuite, %zu refunded", nhave, plan->n);
	for (i = 0; i < nhave && i < plan->n; i++) {
		const struct netsuite_rline *w = &plan->lines[i];
		const struct netsuite_tline *h = &have[i];

		if (w->item_id != NULL && strcmp(h->item, w->item_id) != 0)
			diff_add(out, &count, "line %zu %s: item %s in NetSuite, %s refunded", i + 1,
			         w->label, h->item, w->item_id);
		if (w->qty > 0 && (!h->has_qty || h->qty != w->qty)) {
			if (h->has_qty)
				snprintf(a, sizeof(a), "%lld", (long long)h->qty);
			else
				snprintf(a, sizeof(a), "none");
			diff_add(out, &count, "line %zu %s: quantity %s in NetSuite, %lld refunded",
			         i + 1, w->label, a, (long long)w->qty);
		}
		if (h->amount != w->amount) {
			money_format(a, sizeof(a), h->amount, exponent);
			money_format(b, sizeof(b), w->amount, exponent);
			diff_add(out, &count, "line %zu %s: amount %s in NetSuite, %s refunded", i + 1,
			         w->label, a, b);
		}
	}
	money_format(b, sizeof(b), plan->total, exponent);
	if (!has_total) {
		diff_add(out, &count, "no total in NetSuite, %s refunded", b);
	} else if (total != plan->total) {
		money_format(a, sizeof(a), total, exponent);
		diff_add(out, &count, "total %s in NetSuite, %s refunded", a, b);
	}
	return count;
}
