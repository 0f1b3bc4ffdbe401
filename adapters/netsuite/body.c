/*
 * body.c: the JSON bodies the adapter writes (docs/NETSUITE.md s1).
 *
 * An order becomes one transaction (salesOrder, cashSale or invoice):
 *   {"externalId","entity":{"id"},"tranDate","currency":{"id"},"memo",
 *    "otherRefNum",["subsidiary"],["location"],["account"],
 *    "item":{"items":[ one line per order line, then one line per charge ]}}
 * Charges are summed over the order's lines: shipping (+ its tax), discount
 * (item + shipping promotions, as a negative amount), tax, gift wrap, other;
 * each goes to its configured item with quantity 1 and rate = amount.
 * Amounts are written from minor units as exact decimal JSON numbers, never
 * through a double, and the lines must add up to the order's total exactly.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "connector/model.h"
#include "connector/money.h"
#include "connector/timeutil.h"

enum charge_kind { CH_SHIPPING = 0, CH_DISCOUNT, CH_TAX, CH_GIFTWRAP, CH_OTHER, CH_COUNT };

struct charge_def {
	const char *what;          /* for messages */
	const char *conf_key;
	size_t item_off;           /* offset of the item id in netsuite_body_opts */
};

static const struct charge_def charge_defs[CH_COUNT] = {
	{ "shipping", "shipping_item_id", offsetof(struct netsuite_body_opts, shipping_item_id) },
	{ "discount", "discount_item_id", offsetof(struct netsuite_body_opts, discount_item_id) },
	{ "tax", "tax_item_id", offsetof(struct netsuite_body_opts, tax_item_id) },
	{ "gift wrap", "giftwrap_item_id", offsetof(struct netsuite_body_opts, giftwrap_item_id) },
	{ "other charges", "other_item_id", offsetof(struct netsuite_body_opts, other_item_id) },
};

static const char *
charge_item(const struct netsuite_body_opts *opts, enum charge_kind k)
{
	const char *const *p =
	    (const char *const *)((const char *)opts + charge_defs[k].item_off);

	return *p != NULL && **p != '\0' ? *p : NULL;
}

static const char *
line_sku(const struct order_line *l)
{
	return l->erp_sku != NULL && l->erp_sku[0] != '\0' ? l->erp_sku : l->sku;
}

/* Sum of the charges (discount already negative) and of every line amount. */
static int
order_sums(const struct order *o, int64_t charges[CH_COUNT], int64_t *total,
           struct sc_error *err)
{
	int64_t sum = 0;
	size_t i;
	int k;

	memset(charges, 0, sizeof(int64_t) * CH_COUNT);
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		if (money_add(&charges[CH_SHIPPING], charges[CH_SHIPPING], l->shipping) < 0 ||
		    money_add(&charges[CH_SHIPPING], charges[CH_SHIPPING], l->shipping_tax) < 0 ||
		    money_sub(&charges[CH_DISCOUNT], charges[CH_DISCOUNT], l->discount) < 0 ||
		    money_sub(&charges[CH_DISCOUNT], charges[CH_DISCOUNT], l->shipping_discount) < 0 ||
		    money_add(&charges[CH_TAX], charges[CH_TAX], l->tax) < 0 ||
		    money_add(&charges[CH_GIFTWRAP], charges[CH_GIFTWRAP], l->gift_wrap) < 0 ||
		    money_add(&charges[CH_OTHER], charges[CH_OTHER], l->other) < 0 ||
		    money_add(&sum, sum, l->subtotal) < 0)
			return sc_error_set(err, SC_EINVALID, "order %s: amounts overflow", o->id);
	}
	for (k = 0; k < CH_COUNT; k++)
		if (money_add(&sum, sum, charges[k]) < 0)
			return sc_error_set(err, SC_EINVALID, "order %s: amounts overflow", o->id);
	*total = sum;
	return 0;
}

int
netsuite__order_check(const struct netsuite_body_opts *opts, const struct order *o,
                      struct sc_error *err)
{
	int64_t charges[CH_COUNT], sum = 0;
	char a[32], b[32];
	size_t i;
	int k, rc;

	if (o->id == NULL || o->id[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "order without an id");
	if (o->nlines == 0)
		return sc_error_set(err, SC_EINVALID, "order %s has no lines", o->id);
	if (o->currency[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "order %s has no currency", o->id);
	if (o->exponent < 0 || o->exponent > 4)
		return sc_error_set(err, SC_EINVALID, "order %s: currency exponent %d", o->id,
		                    o->exponent);
	for (i = 0; i < o->nlines; i++) {
		const char *sku = line_sku(&o->lines[i]);
		if (sku == NULL || sku[0] == '\0')
			return sc_error_set(err, SC_EINVALID, "order %s: line %zu has no SKU", o->id,
			                    i + 1);
	}
	if ((rc = order_sums(o, charges, &sum, err)) < 0)
		return rc;
	for (k = 0; k < CH_COUNT; k++) {
		if (charges[k] == 0 || charge_item(opts, (enum charge_kind)k) != NULL)
			continue;
		money_format(a, sizeof(a), charges[k], o->exponent);
		if (k == CH_DISCOUNT && a[0] == '-')
			memmove(a, a + 1, strlen(a));   /* "discount 4.00": its size */
		return sc_error_set(err, SC_EINVALID, "order %s has %s %s but [erp] %s is not set",
		                    o->id, charge_defs[k].what, a, charge_defs[k].conf_key);
	}
	if (sum != o->total) {
		money_format(a, sizeof(a), sum, o->exponent);
		money_format(b, sizeof(b), o->total, o->exponent);
		return sc_error_set(err, SC_EINVALID,
		                    "order %s: its lines add up to %s %s but its total is %s %s",
		                    o->id, a, o->currency, b, o->currency);
	}
	return 0;
}

/* ,"key":{"id":"value"} */
static int
put_ref(struct buf *b, const char *key, const char *id)
{
	int rc;

	if ((rc = buf_printf(b, ",\"%s\":{\"id\":\"", key)) < 0 ||
	    (rc = buf_json_escape(b, id)) < 0)
		return rc;
	return buf_puts(b, "\"}");
}

/* ,"key":"value" */
static int
put_str(struct buf *b, const char *key, const char *value)
{
	int rc;

	if ((rc = buf_printf(b, ",\"%s\":\"", key)) < 0 || (rc = buf_json_escape(b, value)) < 0)
		return rc;
	return buf_puts(b, "\"");
}

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

/* One element of item.items (without a leading comma). */
static int
put_line(struct buf *b, const char *item_id, int64_t qty, int64_t rate, int64_t amount,
         int exponent, const char *description, int closed)
{
	int rc;

	if ((rc = buf_puts(b, "{\"item\":{\"id\":\"")) < 0 ||
	    (rc = buf_json_escape(b, item_id)) < 0 ||
	    (rc = buf_printf(b, "\"},\"quantity\":%lld", (long long)qty)) < 0 ||
	    (rc = put_amount(b, "rate", rate, exponent)) < 0 ||
	    (rc = put_amount(b, "amount", amount, exponent)) < 0)
		return rc;
	if (description != NULL && (rc = put_str(b, "description", description)) < 0)
		return rc;
	if (closed && (rc = buf_puts(b, ",\"isClosed\":true")) < 0)
		return rc;
	return buf_puts(b, "}");
}

/* "Amazon order 111-2222222-3333333 (Shipped)" */
static int
put_memo(struct buf *b, const struct order *o)
{
	const char *mkt = o->marketplace != NULL && o->marketplace[0] != '\0' ? o->marketplace
	                                                                       : "marketplace";
	const char *status = o->raw_status != NULL && o->raw_status[0] != '\0'
	                         ? o->raw_status
	                         : order_status_name(o->status);
	char first = (char)toupper((unsigned char)mkt[0]);
	int rc;

	if ((rc = buf_puts(b, ",\"memo\":\"")) < 0 || (rc = buf_append(b, &first, 1)) < 0 ||
	    (rc = buf_json_escape(b, mkt + 1)) < 0 || (rc = buf_puts(b, " order ")) < 0 ||
	    (rc = buf_json_escape(b, o->id)) < 0 || (rc = buf_puts(b, " (")) < 0 ||
	    (rc = buf_json_escape(b, status)) < 0)
		return rc;
	return buf_puts(b, ")\"");
}

int
netsuite__order_body(struct buf *out, const struct netsuite_body_opts *opts,
                     const struct order *o, const char *external_id, const char *entity_id,
                     const char *currency_id, const char *const *item_ids,
                     struct sc_error *err)
{
	int64_t charges[CH_COUNT], sum = 0;
	int closed = o->status == ORDER_CANCELLED;
	char date[11];
	size_t i;
	int k, rc;

	if ((rc = netsuite__order_check(opts, o, err)) < 0)
		return rc;
	if ((rc = order_sums(o, charges, &sum, err)) < 0)
		return rc;
	time_format_date(date, o->created);
	if ((rc = buf_puts(out, "{\"externalId\":\"")) < 0 ||
	    (rc = buf_json_escape(out, external_id)) < 0 ||
	    (rc = buf_puts(out, "\"")) < 0 ||
	    (rc = put_ref(out, "entity", entity_id)) < 0 ||
	    (rc = put_str(out, "tranDate", date)) < 0 ||
	    (rc = put_ref(out, "currency", currency_id)) < 0 ||
	    (rc = put_memo(out, o)) < 0 ||
	    (rc = put_str(out, "otherRefNum", o->id)) < 0)
		goto nomem;
	if (opts->subsidiary_id != NULL && opts->subsidiary_id[0] != '\0' &&
	    (rc = put_ref(out, "subsidiary", opts->subsidiary_id)) < 0)
		goto nomem;
	if (opts->location_id != NULL && opts->location_id[0] != '\0' &&
	    (rc = put_ref(out, "location", opts->location_id)) < 0)
		goto nomem;
	if (opts->record_type != NULL && strcmp(opts->record_type, "cashSale") == 0 &&
	    opts->cash_sale_account_id != NULL && opts->cash_sale_account_id[0] != '\0' &&
	    (rc = put_ref(out, "account", opts->cash_sale_account_id)) < 0)
		goto nomem;
	if ((rc = buf_puts(out, ",\"item\":{\"items\":[")) < 0)
		goto nomem;
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		if ((i > 0 && (rc = buf_puts(out, ",")) < 0) ||
		    (rc = put_line(out, item_ids[i], l->qty, l->unit_price, l->subtotal,
		                   o->exponent, l->title, closed)) < 0)
			goto nomem;
	}
	for (k = 0; k < CH_COUNT; k++) {
		if (charges[k] == 0)
			continue;
		if ((rc = buf_puts(out, ",")) < 0 ||
		    (rc = put_line(out, charge_item(opts, (enum charge_kind)k), 1, charges[k],
		                   charges[k], o->exponent, NULL, closed)) < 0)
			goto nomem;
	}
	if ((rc = buf_puts(out, "]}}")) < 0)
		goto nomem;
	return 0;
nomem:
	return sc_error_set(err, rc, "order %s: cannot build the NetSuite body", o->id);
}

int
netsuite__customer_eid(char *out, size_t n, const char *order_eid, const struct order *o)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	const char *key = o->buyer_id, *dash;
	char digest[17];
	size_t plen = 3;
	const char *prefix = "AMZ";
	int i, w;

	if (key == NULL || key[0] == '\0')
		key = o->buyer_email;
	if (key == NULL || key[0] == '\0')
		key = o->id;
	if (key == NULL)
		return SC_EINVALID;
	dash = order_eid != NULL ? strchr(order_eid, '-') : NULL;
	if (dash != NULL && dash > order_eid && (size_t)(dash - order_eid) <= 16) {
		prefix = order_eid;
		plen = (size_t)(dash - order_eid);
	}
	SHA256((const unsigned char *)key, strlen(key), md);
	for (i = 0; i < 8; i++) {
		digest[2 * i] = hex[md[i] >> 4];
		digest[2 * i + 1] = hex[md[i] & 15];
	}
	digest[16] = '\0';
	w = snprintf(out, n, "%.*s-CUS-%s", (int)plen, prefix, digest);
	return w < 0 || (size_t)w >= n ? SC_ENOSPACE : 0;
}

int
netsuite__customer_body(struct buf *out, const char *eid, const struct order *o,
                        const char *subsidiary_id)
{
	const char *name = o->buyer_name != NULL ? o->buyer_name : "";
	struct buf trimmed;
	const char *t, *space;
	size_t len;
	int rc;

	buf_init(&trimmed, 0);
	while (*name == ' ')
		name++;
	len = strlen(name);
	while (len > 0 && name[len - 1] == ' ')
		len--;
	if ((rc = buf_append(&trimmed, name, len)) < 0 ||
	    (rc = buf_puts(out, "{\"externalId\":\"")) < 0 ||
	    (rc = buf_json_escape(out, eid)) < 0 || (rc = buf_puts(out, "\"")) < 0)
		goto done;
	t = buf_cstr(&trimmed);
	space = strrchr(t, ' ');
	if (space != NULL) {
		/* "Jane Q. Doe": a person, first name "Jane Q.", last name "Doe" */
		size_t flen = (size_t)(space - t);
		while (flen > 0 && t[flen - 1] == ' ')
			flen--;
		trimmed.data[flen] = '\0';
		if ((rc = buf_puts(out, ",\"isPerson\":true")) < 0 ||
		    (rc = put_str(out, "firstName", t)) < 0 ||
		    (rc = put_str(out, "lastName", space + 1)) < 0)
			goto done;
	} else if ((rc = put_str(out, "companyName", t[0] != '\0' ? t : eid)) < 0) {
		goto done;
	}
	if (o->buyer_email != NULL && o->buyer_email[0] != '\0' &&
	    (rc = put_str(out, "email", o->buyer_email)) < 0)
		goto done;
	if (subsidiary_id != NULL && subsidiary_id[0] != '\0' &&
	    (rc = put_ref(out, "subsidiary", subsidiary_id)) < 0)
		goto done;
	rc = buf_puts(out, "}");
done:
	buf_free(&trimmed);
	return rc;
}
