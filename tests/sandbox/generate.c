/* generate.c: deterministic synthetic orders (--generate N).
 *
 * Order i is a pure function of (i, N, anchor): nothing but its sort keys
 * is kept in memory, the Order object is rebuilt when asked for, so 100,000
 * orders cost a few MB. Amounts are integer minor units formatted with the
 * currency's decimals (JPY none); per line proceedsTotal = ITEM + TAX +
 * SHIPPING + DISCOUNT (DISCOUNT negative) and the order's grandTotal is the
 * sum of the lines, so both equal the sum of the breakdowns exactly. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <stdio.h>
#include <string.h>

#define GEN_SKUS 40
#define GEN_SPAN_MAX_S (3 * 86400)

struct gen_market {
	const char *id, *name, *currency, *country, *city, *region, *postal;
	int exp;          /* currency decimals */
	int tax_bp;       /* tax rate, basis points */
	int64_t shipping; /* minor units */
};

static const struct gen_market gen_markets[] = {
	{ "ATVPDKIKX0DER", "Amazon.com", "USD", "US", "Seattle", "WA", "98109", 2, 825, 499 },
	{ "A2EUQ1WTGCTBG2", "Amazon.ca", "CAD", "CA", "Toronto", "ON", "M5V 2T6", 2, 1300, 599 },
	{ "A1F83G8C2ARO7P", "Amazon.co.uk", "GBP", "GB", "London", "Greater London", "EC1A 1BB", 2,
	  2000, 399 },
	{ "A1PA6795UKMFR9", "Amazon.de", "EUR", "DE", "Berlin", "Berlin", "10115", 2, 1900, 449 },
	{ "A1VC38T7YXB528", "Amazon.co.jp", "JPY", "JP", "Chiyoda-ku", "Tokyo", "100-0001", 0,
	  1000, 500 },
};

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static const struct gen_market *
gen_market_of(uint64_t m)
{
	unsigned r = (unsigned)((m >> 8) % 20);

	if (r < 10)
		return &gen_markets[0];
	if (r < 12)
		return &gen_markets[1];
	if (r < 15)
		return &gen_markets[2];
	if (r < 18)
		return &gen_markets[3];
	return &gen_markets[4];
}

static int
gen_lines(uint64_t m)
{
	return 1 + (int)((m >> 32) % 4);
}

void
sbx_generate_meta(const struct sbx *sb, long i, struct sbx_order *out, char *id, size_t idn)
{
	uint64_t m = mix((uint64_t)i);
	const struct gen_market *mk = gen_market_of(m);
	long n = sb->gen_count > 0 ? sb->gen_count : 1;
	int64_t span = (int64_t)n * 60 < GEN_SPAN_MAX_S ? (int64_t)n * 60 : GEN_SPAN_MAX_S;
	int64_t upd_s = sb->gen_anchor_ms / 1000 - ((int64_t)(n - 1 - i) * span) / n;
	unsigned st = (unsigned)((m >> 16) % 10);

	memset(out, 0, sizeof *out);
	snprintf(id, idn, "9%02u-%07ld-%07u", (unsigned)(m % 100), i % 10000000L,
	         (unsigned)((m >> 20) % 10000000));
	out->id = id;
	out->gen_index = i;
	out->updated_ms = upd_s * 1000;
	out->created_ms = (upd_s - 60 - (int64_t)((m >> 36) % 7200)) * 1000;
	snprintf(out->marketplace, sizeof out->marketplace, "%s", mk->id);
	snprintf(out->fstatus, sizeof out->fstatus, "%s",
	         st < 6 ? "SHIPPED" : (st == 9 && gen_lines(m) > 1) ? "PARTIALLY_SHIPPED"
	                                                               : "UNSHIPPED");
	snprintf(out->fby, sizeof out->fby, "%s", (m >> 24) % 3 == 0 ? "AMAZON" : "MERCHANT");
}

static json_object *
money(const struct gen_market *mk, int64_t minor)
{
	json_object *o = json_object_new_object();
	char amt[32];

	sbx_minor_format(amt, sizeof amt, minor, mk->exp);
	json_object_object_add(o, "amount", json_object_new_string(amt));
	json_object_object_add(o, "currencyCode", json_object_new_string(mk->currency));
	return o;
}

static json_object *
breakdown(const struct gen_market *mk, const char *type, int64_t minor)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "subtotal", money(mk, minor));
	return o;
}

static json_object *
str(const char *s)
{
	return json_object_new_string(s);
}

struct gen_totals {
	int64_t item, tax, shipping, discount;
};

static json_object *
gen_line(const struct gen_market *mk, uint64_t m, int k, const char *fstatus,
         struct gen_totals *tot)
{
	json_object *it = json_object_new_object(), *prod = json_object_new_object();
	json_object *price = json_object_new_object(), *proc = json_object_new_object();
	json_object *bds = json_object_new_array(), *ful = json_object_new_object();
	uint64_t lm = mix(m + (uint64_t)k + 1);
	unsigned sku = (unsigned)(((m >> 40) % GEN_SKUS + (uint64_t)k * 7) % GEN_SKUS) + 1;
	int64_t qty = 1 + (int64_t)(lm % 3);
	int64_t unit = mk->exp == 0 ? 1000 + (int64_t)sku * 300 : 999 + (int64_t)sku * 250;
	int64_t item = unit * qty;
	int64_t tax = (item * mk->tax_bp + 5000) / 10000;
	int64_t ship = (k == 0 && (m >> 44) % 3 != 0) ? mk->shipping : 0;
	int64_t disc = (k == 0 && (m >> 48) % 4 == 0) ? -(item / 10) : 0;
	int64_t shipped = strcmp(fstatus, "SHIPPED") == 0 ? qty
	                  : (strcmp(fstatus, "PARTIALLY_SHIPPED") == 0 && k == 0) ? qty : 0;
	char buf[64];

	snprintf(buf, sizeof buf, "%014llu", (unsigned long long)(lm % 100000000000000ULL));
	json_object_object_add(it, "orderItemId", str(buf));
	json_object_object_add(it, "quantityOrdered", json_object_new_int64(qty));
	snprintf(buf, sizeof buf, "B0SBX%05u", sku * 37);
	json_object_object_add(prod, "asin", str(buf));
	snprintf(buf, sizeof buf, "Sandbox Product %04u", sku);
	json_object_object_add(prod, "title", str(buf));
	snprintf(buf, sizeof buf, "SKU-%04u", sku);
	json_object_object_add(prod, "sellerSku", str(buf));
	json_object_object_add(price, "unitPrice", money(mk, unit));
	json_object_object_add(prod, "price", price);
	json_object_object_add(it, "product", prod);
	json_object_object_add(proc, "proceedsTotal", money(mk, item + tax + ship + disc));
	json_object_array_add(bds, breakdown(mk, "ITEM", item));
	json_object_array_add(bds, breakdown(mk, "TAX", tax));
	if (ship != 0)
		json_object_array_add(bds, breakdown(mk, "SHIPPING", ship));
	if (disc != 0)
		json_object_array_add(bds, breakdown(mk, "DISCOUNT", disc));
	json_object_object_add(proc, "breakdowns", bds);
	json_object_object_add(it, "proceeds", proc);
	if (disc != 0) {
		json_object *promo = json_object_new_object(), *pb = json_object_new_array();
		json_object *one = json_object_new_object();

		json_object_object_add(one, "promotionId", str("SBX-PROMO-10OFF"));
		json_object_array_add(pb, one);
		json_object_object_add(promo, "breakdowns", pb);
		json_object_object_add(it, "promotion", promo);
	}
	json_object_object_add(ful, "quantityFulfilled", json_object_new_int64(shipped));
	json_object_object_add(ful, "quantityUnfulfilled", json_object_new_int64(qty - shipped));
	json_object_object_add(it, "fulfillment", ful);
	tot->item += item;
	tot->tax += tax;
	tot->shipping += ship;
	tot->discount += disc;
	return it;
}

json_object *
sbx_generate_order(const struct sbx *sb, long i)
{
	struct sbx_order meta;
	struct gen_totals tot = { 0, 0, 0, 0 };
	uint64_t m = mix((uint64_t)i);
	const struct gen_market *mk = gen_market_of(m);
	json_object *o = json_object_new_object(), *items = json_object_new_array();
	json_object *sc = json_object_new_object(), *buyer = json_object_new_object();
	json_object *rec = json_object_new_object(), *addr = json_object_new_object();
	json_object *proc = json_object_new_object(), *bds = json_object_new_array();
	json_object *ful = json_object_new_object();
	char id[40], when[32], buf[96];
	int k, lines = gen_lines(m);

	sbx_generate_meta(sb, i, &meta, id, sizeof id);
	json_object_object_add(o, "orderId", str(id));
	sbx_time_format(when, sizeof when, meta.created_ms);
	json_object_object_add(o, "createdTime", str(when));
	sbx_time_format(when, sizeof when, meta.updated_ms);
	json_object_object_add(o, "lastUpdatedTime", str(when));
	json_object_object_add(sc, "channelName", str("AMAZON"));
	json_object_object_add(sc, "marketplaceId", str(mk->id));
	json_object_object_add(sc, "marketplaceName", str(mk->name));
	json_object_object_add(o, "salesChannel", sc);
	snprintf(buf, sizeof buf, "Sandbox Buyer %ld", i + 1);
	json_object_object_add(buyer, "buyerName", str(buf));
	snprintf(buf, sizeof buf, "%016llx@marketplace.amazon.com", (unsigned long long)mix(m));
	json_object_object_add(buyer, "buyerEmail", str(buf));
	json_object_object_add(o, "buyer", buyer);
	snprintf(buf, sizeof buf, "Sandbox Recipient %ld", i + 1);
	json_object_object_add(addr, "name", str(buf));
	snprintf(buf, sizeof buf, "%u Sandbox Street", (unsigned)(m % 900) + 1);
	json_object_object_add(addr, "addressLine1", str(buf));
	json_object_object_add(addr, "city", str(mk->city));
	json_object_object_add(addr, "stateOrRegion", str(mk->region));
	json_object_object_add(addr, "postalCode", str(mk->postal));
	json_object_object_add(addr, "countryCode", str(mk->country));
	json_object_object_add(addr, "addressType", str("RESIDENTIAL"));
	json_object_object_add(rec, "deliveryAddress", addr);
	json_object_object_add(o, "recipient", rec);
	for (k = 0; k < lines; k++)
		json_object_array_add(items, gen_line(mk, m, k, meta.fstatus, &tot));
	json_object_object_add(proc, "grandTotal",
	                       money(mk, tot.item + tot.tax + tot.shipping + tot.discount));
	json_object_array_add(bds, breakdown(mk, "ITEM", tot.item));
	json_object_array_add(bds, breakdown(mk, "TAX", tot.tax));
	if (tot.shipping != 0)
		json_object_array_add(bds, breakdown(mk, "SHIPPING", tot.shipping));
	if (tot.discount != 0)
		json_object_array_add(bds, breakdown(mk, "DISCOUNT", tot.discount));
	json_object_object_add(proc, "breakdowns", bds);
	json_object_object_add(o, "proceeds", proc);
	json_object_object_add(ful, "fulfillmentStatus", str(meta.fstatus));
	json_object_object_add(ful, "fulfilledBy", str(meta.fby));
	json_object_object_add(ful, "fulfillmentServiceLevel", str("STANDARD"));
	json_object_object_add(o, "fulfillment", ful);
	json_object_object_add(o, "orderItems", items);
	return o;
}

/* A free numeric item id, from `from` upwards. */
static long
free_item_id(struct sbx *sb, long from)
{
	char id[24];

	for (;; from++) {
		snprintf(id, sizeof id, "%ld", from);
		if (sbx_items_find(sb, id) == NULL)
			return from;
	}
}

int
sbx_generate(struct sbx *sb, long n)
{
	struct sbx_order meta;
	int64_t now = sbx_now_ms();
	char id[40], sku[16], iid[24], name[40];
	long i;
	int rc;

	sb->gen_count = n;
	/* Newest order: over an hour old, on a whole minute. */
	sb->gen_anchor_ms = (now - 3660000) / 60000 * 60000;
	for (i = 0; i < n; i++) {
		sbx_generate_meta(sb, i, &meta, id, sizeof id);
		if ((rc = sbx_orders_put_generated(sb, &meta)) < 0)
			return rc;
	}
	sbx_orders_sort(sb);
	for (i = 1; i <= GEN_SKUS; i++) {
		snprintf(sku, sizeof sku, "SKU-%04ld", i);
		if (sbx_items_find_itemid(sb, sku) != NULL)
			continue;
		snprintf(iid, sizeof iid, "%ld", free_item_id(sb, 500 + i));
		snprintf(name, sizeof name, "Sandbox Product %04ld", i);
		if ((rc = sbx_items_put(sb, iid, sku, "inventoryItem", name)) < 0)
			return rc;
	}
	return 0;
}
