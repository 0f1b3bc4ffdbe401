/* test_amazon.c: the amazon marketplace adapter, orders part.
 *
 * Parsing runs over hand-written Orders API 2026-01-01 fixtures
 * (tests/data/amazon/, see SOURCES.md there); every expected value below was
 * computed by hand from those files. The adapter itself runs against a
 * libmicrohttpd mock of LWA and searchOrders/getOrder on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"
#include "connector/conf.h"
#include "connector/http.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"
#include "tests/unit/mock_http.h"

#define CLIENT_ID "amzn1.application-oa2-client.test"
#define CLIENT_SECRET "SECRET-cs-7f3a9b"
#define REFRESH_TOKEN "Atzr|SECRET-rt-42"

/* ---- helpers ------------------------------------------------------------ */

static char *
data_read(const char *name, size_t *len)
{
	return mock_data_read("SC_TESTDATA", "amazon", name, len);
}

static int
parse_text(const char *text, struct order **out, struct sc_error *err)
{
	json_object *jo = NULL;
	int rc;

	*out = NULL;
	rc = json_parse_buf(&jo, text, strlen(text), err);
	assert_int_equal(rc, 0);
	rc = amazon__order_parse(jo, out, err);
	json_object_put(jo);
	return rc;
}

static int
parse_fixture(const char *name, struct order **out, struct sc_error *err)
{
	char *text = data_read(name, NULL);
	int rc;

	assert_non_null(text);
	rc = parse_text(text, out, err);
	free(text);
	return rc;
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

struct want_line {
	const char *line_id, *sku, *title;
	int64_t qty, qty_shipped, qty_cancelled, unit_price, subtotal, tax,
	        discount, shipping, shipping_tax, shipping_discount, gift_wrap, other;
};

static void
assert_line(const struct order_line *l, const struct want_line *w)
{
	assert_str_or_null(l->line_id, w->line_id);
	assert_str_or_null(l->sku, w->sku);
	assert_null(l->erp_sku);
	assert_str_or_null(l->title, w->title);
	assert_int_equal(l->qty, w->qty);
	assert_int_equal(l->qty_shipped, w->qty_shipped);
	assert_int_equal(l->qty_cancelled, w->qty_cancelled);
	assert_int_equal(l->unit_price, w->unit_price);
	assert_int_equal(l->subtotal, w->subtotal);
	assert_int_equal(l->tax, w->tax);
	assert_int_equal(l->discount, w->discount);
	assert_int_equal(l->shipping, w->shipping);
	assert_int_equal(l->shipping_tax, w->shipping_tax);
	assert_int_equal(l->shipping_discount, w->shipping_discount);
	assert_int_equal(l->gift_wrap, w->gift_wrap);
	assert_int_equal(l->other, w->other);
}

static void
assert_no_secret(const struct sc_error *err)
{
	assert_null(strstr(err->msg, CLIENT_SECRET));
	assert_null(strstr(err->msg, REFRESH_TOKEN));
	assert_null(strstr(err->remote, CLIENT_SECRET));
	assert_null(strstr(err->remote, REFRESH_TOKEN));
	assert_null(strstr(err->msg, "Atza|"));
	assert_null(strstr(err->remote, "Atza|"));
}

/* ---- parsing: fixtures -------------------------------------------------- */

static void
usd_multi_line_order_maps_every_field(void **state)
{
	static const struct want_line lines[] = {
		/* 2 x 12.99; DISCOUNT -3.00 = ITEM -2.00 + SHIPPING -1.00;
		 * TAX 2.28 = ITEM 1.88 + SHIPPING 0.40; shipping 4.99 */
		{ "68812345670011", "SKU-RED-MUG", "Stoneware Mug, Red, 350 ml",
		  2, 2, 0, 1299, 2598, 188, 200, 499, 40, 100, 0, 0 },
		/* 1 x 8.50; TAX 0.68; gift wrap 3.99 */
		{ "68812345670012", "SKU-TEA-TIN", "Loose Leaf Tea Tin, Earl Grey",
		  1, 0, 0, 850, 850, 68, 0, 0, 0, 0, 399, 0 },
	};
	struct order *o = NULL;
	struct sc_error err;
	int64_t sum = 0;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(parse_fixture("order_usd_multi.json", &o, &err), 0);
	assert_string_equal(o->id, "113-4827193-5562047");
	assert_string_equal(o->marketplace, "amazon");
	assert_string_equal(o->channel, "ATVPDKIKX0DER");
	assert_string_equal(o->channel_name, "Amazon.com");
	assert_int_equal(o->status, ORDER_PARTIALLY_SHIPPED);
	assert_string_equal(o->raw_status, "PARTIALLY_SHIPPED");
	assert_int_equal(o->created, 1795010607);     /* 2026-11-18T14:03:27Z */
	assert_int_equal(o->updated, 1795080600);     /* 2026-11-19T09:30:00.125Z */
	assert_string_equal(o->currency, "USD");
	assert_int_equal(o->exponent, 2);
	assert_int_equal(o->total, 4342);
	assert_string_equal(o->fulfilled_by, "merchant");
	assert_string_equal(o->buyer_id, "k3x9q2mvb7@marketplace.amazon.com");
	assert_string_equal(o->buyer_name, "Jane Doe");
	assert_string_equal(o->buyer_email, "k3x9q2mvb7@marketplace.amazon.com");
	assert_string_equal(o->ship_to.name, "Jane Doe");
	assert_string_equal(o->ship_to.line1, "1200 Pine Street");
	assert_string_equal(o->ship_to.line2, "Apt 4");
	assert_null(o->ship_to.line3);                 /* "" in the JSON */
	assert_string_equal(o->ship_to.city, "Seattle");
	assert_string_equal(o->ship_to.region, "WA");
	assert_string_equal(o->ship_to.postal_code, "98101-3228");
	assert_string_equal(o->ship_to.country_code, "US");
	assert_string_equal(o->ship_to.phone, "+1 206-555-0100");
	assert_int_equal(o->nlines, 2);
	assert_line(&o->lines[0], &lines[0]);
	assert_line(&o->lines[1], &lines[1]);
	assert_int_equal(order_computed_total(o, &sum), 0);
	assert_int_equal(sum, 4342);
	order_free(o);
}

static void
jpy_order_has_no_decimals(void **state)
{
	static const struct want_line lines[] = {
		{ "25012345678901", "ECHO-DOT-4-JP-CHARCOAL",
		  "Echo Dot (第4世代) スマートスピーカー with Alexa チャコール",
		  1, 1, 0, 5980, 5980, 0, 0, 0, 0, 0, 0, 0 },
		{ "25012345678902", "ECHO-SHOW-5-JP", "Echo Show 5",
		  2, 2, 0, 6980, 13960, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct order *o = NULL;
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_fixture("order_jpy.json", &o, &err), 0);
	assert_string_equal(o->id, "250-1234567-8901234");
	assert_string_equal(o->channel, "A1VC38T7YXB528");
	assert_string_equal(o->channel_name, "Amazon.co.jp");
	assert_int_equal(o->status, ORDER_SHIPPED);
	assert_int_equal(o->created, 1735093800);     /* 2024-12-25T02:30:00Z */
	assert_int_equal(o->updated, 1735109100);     /* 2024-12-25T06:45:00Z */
	assert_string_equal(o->currency, "JPY");
	assert_int_equal(o->exponent, 0);
	assert_int_equal(o->total, 19940);
	assert_string_equal(o->fulfilled_by, "marketplace");
	assert_string_equal(o->buyer_id, "buyer-email@marketplace.amazon.co.jp");
	assert_string_equal(o->ship_to.city, "Tokyo");
	assert_null(o->ship_to.region);
	assert_null(o->ship_to.phone);
	assert_int_equal(o->nlines, 2);
	assert_line(&o->lines[0], &lines[0]);
	assert_line(&o->lines[1], &lines[1]);
	order_free(o);
}

static void
eur_order_reads_offsets_and_short_amounts(void **state)
{
	static const struct want_line line = {
		"40511223344556", "SKU-KAFFEE-1KG", "Kaffeebohnen 1 kg",
		3, 0, 0, 1990, 5970, 1193, 0, 390, 0, 0, 0, 0
	};
	struct order *o = NULL;
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_fixture("order_eur.json", &o, &err), 0);
	assert_string_equal(o->id, "302-7761234-0098765");
	assert_string_equal(o->channel, "A1PA6795UKMFR9");
	assert_int_equal(o->status, ORDER_UNSHIPPED);
	assert_int_equal(o->created, 1795137300);     /* 02:15+01:00 = 01:15Z */
	assert_int_equal(o->updated, 1795140000);
	assert_string_equal(o->currency, "EUR");
	assert_int_equal(o->exponent, 2);
	assert_int_equal(o->total, 7553);             /* "75.530" */
	assert_string_equal(o->buyer_name, "Jürgen Müller");
	assert_null(o->buyer_email);
	assert_null(o->buyer_id);
	assert_string_equal(o->ship_to.city, "München");
	assert_int_equal(o->nlines, 1);
	assert_line(&o->lines[0], &line);
	order_free(o);
}

static void
order_level_delivery_tip_goes_to_the_first_line(void **state)
{
	static const struct want_line lines[] = {
		{ "12345678901234", "ECHO-DOT-4-CHARCOAL",
		  "Echo Dot (4th Gen) | Smart speaker with Alexa | Charcoal",
		  2, 2, 0, 4999, 9998, 2, 0, 0, 0, 0, 0, 500 },
		{ "12345678901235", "FIRE-TV-4K-2021",
		  "Fire TV Stick 4K with Alexa Voice Remote",
		  1, 1, 0, 4999, 4999, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct order *o = NULL;
	struct sc_error err;

	(void)state;
	/* the model's own example: ITEM 99.98 + TAX 0.02, ITEM 49.99, and an
	 * order-level DELIVERY_TIP 5.00: grandTotal 154.99 */
	assert_int_equal(parse_fixture("order_usd_tip.json", &o, &err), 0);
	assert_string_equal(o->id, "123-4567890-1234567");
	assert_int_equal(o->status, ORDER_SHIPPED);
	assert_int_equal(o->total, 15499);
	assert_string_equal(o->buyer_name, "John Smith");
	assert_string_equal(o->ship_to.line2, "Suite 456");
	assert_null(o->ship_to.line3);
	assert_int_equal(o->nlines, 2);
	assert_line(&o->lines[0], &lines[0]);
	assert_line(&o->lines[1], &lines[1]);
	order_free(o);
}

static void
pending_order_without_proceeds_is_accepted_with_zero_amounts(void **state)
{
	static const struct want_line line = {
		"68800000000001", "SKU-RED-MUG", "Stoneware Mug, Red, 350 ml",
		4, 0, 0, 1299, 0, 0, 0, 0, 0, 0, 0, 0
	};
	struct order *o = NULL;
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_fixture("order_pending.json", &o, &err), 0);
	assert_int_equal(o->status, ORDER_PENDING);
	assert_string_equal(o->raw_status, "PENDING");
	assert_int_equal(o->total, 0);
	assert_string_equal(o->currency, "USD");
	assert_int_equal(o->exponent, 2);
	assert_null(o->buyer_name);
	assert_null(o->ship_to.line1);
	assert_int_equal(o->nlines, 1);
	assert_line(&o->lines[0], &line);
	order_free(o);
}

static void
broken_fixtures_are_malformed_with_a_reason(void **state)
{
	static const struct {
		const char *file;
		const char *msg;      /* substring of err.msg */
	} cases[] = {
		{ "order_bad_amount_number.json",
		  "order 113-5550000-0000002: proceeds.grandTotal.amount must be a decimal string" },
		{ "order_bad_currency.json",
		  "order 113-5550000-0000003: orderItems[0].proceeds.breakdowns[1].subtotal: "
		  "currency CAD differs from the order's USD" },
		{ "order_bad_total.json",
		  "order 113-5550000-0000001: items sum to 10.00 but grandTotal is 10.01" },
		{ "order_bad_no_id.json", "order (unknown): orderId is missing" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct order *o = NULL;
		struct sc_error err;

		sc_error_clear(&err);
		assert_int_equal(parse_fixture(cases[i].file, &o, &err), SC_EMALFORMED);
		assert_null(o);
		assert_int_equal(err.code, SC_EMALFORMED);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].file, err.msg,
			         cases[i].msg);
	}
}

/* ---- parsing: inline cases ---------------------------------------------- */

#define HEAD(status) \
	"{\"orderId\":\"113-1111111-1111111\"," \
	"\"createdTime\":\"2026-11-17T08:00:00Z\",\"lastUpdatedTime\":\"2026-11-17T08:05:00Z\"," \
	"\"salesChannel\":{\"channelName\":\"AMAZON\",\"marketplaceId\":\"ATVPDKIKX0DER\"}," \
	"\"fulfillment\":{\"fulfillmentStatus\":\"" status "\"},"
#define M(a) "{\"amount\":\"" a "\",\"currencyCode\":\"USD\"}"
#define BD(t, a) "{\"type\":\"" t "\",\"subtotal\":" M(a) "}"
#define ITEM1(bds) \
	"\"orderItems\":[{\"orderItemId\":\"1\",\"quantityOrdered\":1," \
	"\"product\":{\"sellerSku\":\"S\"},\"proceeds\":{\"breakdowns\":[" bds "]}}]}"

static void
inline_bad_orders_are_refused(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} cases[] = {
		{ HEAD("UNSHIPPED") "\"proceeds\":{\"grandTotal\":" M("11.00") "},"
		  ITEM1(BD("ITEM", "10.00") "," BD("DISCOUNT", "1.00")),
		  "a DISCOUNT must not be positive" },
		{ HEAD("UNSHIPPED") "\"proceeds\":{\"grandTotal\":{\"amount\":\"1\",\"currencyCode\":\"ZZZ\"}},"
		  ITEM1(BD("ITEM", "1")),
		  "proceeds.grandTotal: unknown currency \"ZZZ\"" },
		{ HEAD("LOST") "\"proceeds\":{\"grandTotal\":" M("1.00") "},"
		  ITEM1(BD("ITEM", "1.00")),
		  "unknown fulfillment.fulfillmentStatus \"LOST\"" },
		{ HEAD("SHIPPED") "\"proceeds\":{\"grandTotal\":" M("1.00") "},"
		  ITEM1(BD("SURCHARGE", "1.00")),
		  "unknown proceeds type \"SURCHARGE\"" },
		{ HEAD("SHIPPED") "\"proceeds\":{\"grandTotal\":" M("10.005") "},"
		  ITEM1(BD("ITEM", "10.00")),
		  "proceeds.grandTotal.amount \"10.005\" is not an amount in USD" },
		{ HEAD("SHIPPED") ITEM1(BD("ITEM", "10.00")),
		  "proceeds.grandTotal is missing" },
		{ HEAD("SHIPPED") "\"orderItems\":[{\"orderItemId\":\"1\",\"quantityOrdered\":\"1\","
		  "\"product\":{}}]}",
		  "orderItems[0]" },
		{ HEAD("SHIPPED") "\"proceeds\":{\"grandTotal\":" M("0") "}}",
		  "orderItems is missing" },
		{ "{\"orderId\":\"113-1\",\"createdTime\":\"yesterday\"}",
		  "order 113-1: createdTime \"yesterday\" is not an ISO 8601 time" },
		{ "[1,2]", "order (unknown): not a JSON object" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct order *o = NULL;
		struct sc_error err;

		sc_error_clear(&err);
		assert_int_equal(parse_text(cases[i].json, &o, &err), SC_EMALFORMED);
		assert_null(o);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
	}
}

static void
cod_fee_other_and_tax_details_land_in_their_fields(void **state)
{
	/* 10.00 + COD 1.50 + OTHER 0.25 + TAX 2.00 (ITEM 1.50, GIFT_WRAP 0.10,
	 * SHIPPING 0.40) = 13.75 */
	static const char json[] =
		HEAD("SHIPPED") "\"proceeds\":{\"grandTotal\":" M("13.75") "},"
		ITEM1(BD("ITEM", "10.00") "," BD("COD_FEE", "1.50") "," BD("OTHER", "0.25") ","
		      "{\"type\":\"TAX\",\"subtotal\":" M("2.00") ",\"detailedBreakdowns\":["
		      "{\"subtype\":\"ITEM\",\"value\":" M("1.50") "},"
		      "{\"subtype\":\"GIFT_WRAP\",\"value\":" M("0.10") "},"
		      "{\"subtype\":\"SHIPPING\",\"value\":" M("0.40") "}]}");
	/* details that do not add up: the subtotal goes to tax whole */
	static const char json2[] =
		HEAD("SHIPPED") "\"proceeds\":{\"grandTotal\":" M("12.00") "},"
		ITEM1(BD("ITEM", "10.00") ","
		      "{\"type\":\"TAX\",\"subtotal\":" M("2.00") ",\"detailedBreakdowns\":["
		      "{\"subtype\":\"ITEM\",\"value\":" M("1.00") "}]}");
	struct order *o = NULL;
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_text(json, &o, &err), 0);
	assert_int_equal(o->lines[0].subtotal, 1000);
	assert_int_equal(o->lines[0].other, 175);
	assert_int_equal(o->lines[0].tax, 150);
	assert_int_equal(o->lines[0].gift_wrap, 10);
	assert_int_equal(o->lines[0].shipping_tax, 40);
	assert_int_equal(o->total, 1375);
	order_free(o);

	assert_int_equal(parse_text(json2, &o, &err), 0);
	assert_int_equal(o->lines[0].tax, 200);
	assert_int_equal(o->lines[0].shipping_tax, 0);
	order_free(o);
}

static void
cancelled_order_counts_unshipped_units_as_cancelled(void **state)
{
	static const char json[] =
		HEAD("CANCELLED")
		"\"orderItems\":[{\"orderItemId\":\"1\",\"quantityOrdered\":3,"
		"\"product\":{\"sellerSku\":\"S\"},\"fulfillment\":{\"quantityFulfilled\":1}}]}";
	struct order *o = NULL;
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_text(json, &o, &err), 0);
	assert_int_equal(o->status, ORDER_CANCELLED);
	assert_int_equal(o->lines[0].qty, 3);
	assert_int_equal(o->lines[0].qty_shipped, 1);
	assert_int_equal(o->lines[0].qty_cancelled, 2);
	assert_int_equal(o->total, 0);
	order_free(o);
}

/* ---- page parsing ------------------------------------------------------- */

static void
search_response_pages_keep_good_orders_and_list_bad_ones(void **state)
{
	struct page p;
	struct sc_error err;
	char *body, *tok = NULL;
	size_t len = 0;

	(void)state;
	page_init(&p, amazon__order_item_free);
	body = data_read("search_page1.json", &len);
	assert_non_null(body);
	assert_int_equal(amazon__orders_response_parse(&p, &tok, body, len, &err), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.nbad, 0);
	assert_string_equal(((struct order *)p.items[0])->id, "113-4827193-5562047");
	assert_string_equal(((struct order *)p.items[1])->id, "250-1234567-8901234");
	assert_string_equal(tok, "2YgYW55+IGNhcm5h/bCBw==");
	free(tok);
	free(body);
	page_free(&p);

	body = data_read("search_page2.json", &len);
	assert_non_null(body);
	assert_int_equal(amazon__orders_response_parse(&p, &tok, body, len, &err), 0);
	assert_null(tok);
	assert_int_equal(p.n, 2);
	assert_string_equal(((struct order *)p.items[0])->id, "302-7761234-0098765");
	assert_string_equal(((struct order *)p.items[1])->id, "113-0000001-2000003");
	assert_int_equal(p.nbad, 1);
	assert_string_equal(p.bad[0].id, "113-5550000-0000001");
	assert_int_equal(p.bad[0].err.code, SC_EMALFORMED);
	assert_non_null(strstr(p.bad[0].err.msg, "grandTotal is 10.01"));
	free(body);
	page_free(&p);
}

static void
search_response_without_orders_fails_the_page(void **state)
{
	static const char *const bodies[] = {
		"<html>Service Unavailable</html>",
		"{\"orders\":5}",
		"{\"payload\":{\"Orders\":[]}}",
		"",
		"{\"orders\":[],\"pagination\":{\"nextToken\":7}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct page p;
		struct sc_error err;
		char *tok = NULL;

		page_init(&p, amazon__order_item_free);
		sc_error_clear(&err);
		assert_int_equal(amazon__orders_response_parse(&p, &tok, bodies[i],
		                 strlen(bodies[i]), &err), SC_EMALFORMED);
		assert_null(tok);
		page_free(&p);
	}
}

static void
an_order_without_id_is_listed_as_unknown(void **state)
{
	static const char body[] =
		"{\"orders\":[{\"orderId\":7},{\"createdTime\":\"x\"}]}";
	struct page p;
	struct sc_error err;
	char *tok = NULL;

	(void)state;
	page_init(&p, amazon__order_item_free);
	assert_int_equal(amazon__orders_response_parse(&p, &tok, body, strlen(body),
	                 &err), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.nbad, 2);
	assert_string_equal(p.bad[0].id, "(unknown)");
	assert_string_equal(p.bad[1].id, "(unknown)");
	page_free(&p);
}

/* ---- cursor ------------------------------------------------------------- */

static void
cursor_round_trips_through_text(void **state)
{
	static const struct {
		int64_t after, before;
		const char *token;
		const char *text;
	} cases[] = {
		{ 1795137300, 0, "", "v1;after=2026-11-20T01:15:00Z" },
		{ 1795137300, 1795140000, "2YgYW55+IGNhcm5h/bCBw==",
		  "v1;after=2026-11-20T01:15:00Z;before=2026-11-20T02:00:00Z;"
		  "token=2YgYW55+IGNhcm5h/bCBw==" },
		{ 1793491200, 1795140000, "a;b=c;token=d",
		  "v1;after=2026-11-01T00:00:00Z;before=2026-11-20T02:00:00Z;"
		  "token=a;b=c;token=d" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct amazon_cursor c, d;
		struct sc_error err;
		char text[512];

		memset(&c, 0, sizeof(c));
		c.after = cases[i].after;
		c.before = cases[i].before;
		snprintf(c.token, sizeof(c.token), "%s", cases[i].token);
		assert_int_equal(amazon__cursor_encode(text, sizeof(text), &c, &err), 0);
		assert_string_equal(text, cases[i].text);
		assert_int_equal(amazon__cursor_decode(&d, text, &err), 0);
		assert_int_equal(d.after, cases[i].after);
		assert_int_equal(d.before, cases[i].before);
		assert_string_equal(d.token, cases[i].token);
	}
}

static void
cursor_refuses_text_it_did_not_write(void **state)
{
	static const char *const bad[] = {
		"v2;after=2026-11-20T01:15:00Z",
		"after=2026-11-20T01:15:00Z",
		"v1;before=2026-11-20T02:00:00Z",
		"v1;after=soon",
		"v1;after=2026-11-20T01:15:00Z;token=x",
		"v1;after=2026-11-20T01:15:00Z;before=2026-11-20T02:00:00Z",
		"v1;after=2026-11-20T01:15:00Z;after=2026-11-20T01:15:00Z",
		"v1;after=2026-11-20T01:15:00Z;colour=red",
		"v1;after=2026-11-20T01:15:00Z;before=2026-11-20T02:00:00Z;token=",
		"v1;",
	};
	struct amazon_cursor c;
	struct sc_error err;
	size_t i;

	(void)state;
	assert_int_equal(amazon__cursor_decode(&c, NULL, &err), 0);
	assert_int_equal(c.after, 0);
	assert_int_equal(amazon__cursor_decode(&c, "", &err), 0);
	assert_int_equal(c.after, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc_error_clear(&err);
		if (amazon__cursor_decode(&c, bad[i], &err) != SC_EMALFORMED)
			fail_msg("cursor \"%s\" was accepted", bad[i]);
	}
}

static void
cursor_too_long_for_the_engine_is_an_error(void **state)
{
	struct amazon_cursor c;
	struct sc_error err;
	char text[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.after = 1795137300;
	c.before = 1795140000;
	memset(c.token, 'x', 480);
	sc_error_clear(&err);
	assert_int_equal(amazon__cursor_encode(text, sizeof(text), &c, &err), SC_ENOSPACE);
	assert_string_equal(text, "");
}

/* ---- the mock SP-API ---------------------------------------------------- */

#define MAX_REQ 32

static const char *const lwa_form[] = {
	"grant_type", "refresh_token", "refresh_token", REFRESH_TOKEN,
	"client_id", CLIENT_ID, "client_secret", CLIENT_SECRET, NULL,
};

struct mock {
	struct mock_http http;
	struct mock_lwa lwa;          /* refuse: LWA answers 400 invalid_client */
	char *page1, *page2, *order;

	/* script */
	int throttle;           /* next N searches answer 429 */
	int forbid;             /* next N searches answer 403 */
	int reject_token;       /* a paginationToken answers 400 */
	int malformed;          /* next search answers 200 with no JSON */

	/* record */
	int nsearch, nget;
	char search_uri[MAX_REQ][1024];
	char get_uri[MAX_REQ][512];
};

/* JSON, with SP-API's rate header when asked. */
static enum MHD_Result
mock_reply(struct MHD_Connection *conn, unsigned status, const char *body,
           int rate_header)
{
	const char *const h[] = { "Content-Type", "application/json",
	                          "x-amzn-RateLimit-Limit", rate_header ? "0.0056" : NULL, NULL };

	return mock_http_send(conn, status, body, strlen(body), h);
}

/* searchOrders, in the order of the script. */
static enum MHD_Result
mock_search(struct mock *m, const struct mock_http_req *r)
{
	static const char quota[] = "{\"errors\":[{\"code\":\"QuotaExceeded\",\"message\":"
		"\"You exceeded your quota for the requested resource.\"}]}";
	const char *token_arg;

	mock_http_lock(&m->http);
	if (m->nsearch < MAX_REQ)
		snprintf(m->search_uri[m->nsearch], sizeof(m->search_uri[0]), "%s", r->uri);
	m->nsearch++;
	if (m->throttle > 0) {
		m->throttle--;
		mock_http_unlock(&m->http);
		return mock_reply(r->conn, 429, quota, 0);
	}
	if (m->forbid > 0) {
		m->forbid--;
		mock_http_unlock(&m->http);
		return mock_reply(r->conn, 403, mock_lwa_denied, 0);
	}
	if (m->malformed > 0) {
		m->malformed--;
		mock_http_unlock(&m->http);
		return mock_reply(r->conn, 200, "<html>oops", 1);
	}
	mock_http_unlock(&m->http);
	token_arg = mock_http_arg(r, "paginationToken");
	if (token_arg == NULL)
		return mock_reply(r->conn, 200, m->page1, 1);
	if (m->reject_token)
		return mock_reply(r->conn, 400, "{\"errors\":[{\"code\":\"InvalidInput\","
		                  "\"message\":\"Invalid paginationToken\"}]}", 0);
	return mock_reply(r->conn, 200, m->page2, 1);
}

static enum MHD_Result
mock_handler(void *ud, const struct mock_http_req *r)
{
	struct mock *m = ud;

	if (mock_http_is(r, "POST", MOCK_LWA_PATH))
		return mock_lwa_serve(&m->http, &m->lwa, r);
	if (!mock_http_under(r, "GET", AMAZON_ORDERS_PATH))
		return mock_reply(r->conn, 404, "{}", 0);
	if (!mock_lwa_token_ok(&m->http, &m->lwa, r))
		return mock_reply(r->conn, 403, mock_lwa_denied, 0);
	if (strcmp(r->url, AMAZON_ORDERS_PATH) == 0)
		return mock_search(m, r);
	mock_http_lock(&m->http);
	if (m->nget < MAX_REQ)
		snprintf(m->get_uri[m->nget], sizeof(m->get_uri[0]), "%s", r->uri);
	m->nget++;
	mock_http_unlock(&m->http);
	if (strcmp(r->url, AMAZON_ORDERS_PATH "/113-4827193-5562047") == 0)
		return mock_reply(r->conn, 200, m->order, 1);
	return mock_reply(r->conn, 404, "{\"errors\":[{\"code\":\"NotFound\",\"message\":"
	                  "\"Order not found\"}]}", 0);
}

static int
mock_start(struct mock *m)
{
	char *order;
	size_t len;

	memset(m, 0, sizeof(*m));
	m->lwa.form = lwa_form;
	m->lwa.refused = "{\"error_description\":\"Client authentication failed\","
	                 "\"error\":\"invalid_client\"}";
	m->lwa.extra = ",\"refresh_token\":\"Atzr|other\"";
	m->page1 = data_read("search_page1.json", NULL);
	m->page2 = data_read("search_page2.json", NULL);
	order = data_read("order_usd_multi.json", &len);
	if (m->page1 == NULL || m->page2 == NULL || order == NULL)
		return -1;
	m->order = malloc(len + 16);
	if (m->order == NULL)
		return -1;
	snprintf(m->order, len + 16, "{\"order\":%s}", order);
	free(order);
	return mock_http_start(&m->http, 0, mock_handler, m);
}

static void
mock_stop(struct mock *m)
{
	mock_http_stop(&m->http);
	free(m->page1);
	free(m->page2);
	free(m->order);
}

/* ---- adapter fixture ---------------------------------------------------- */

struct fx {
	struct mock m;
	struct conf *conf;
	struct http_client *http;
	void *self;
	struct sc_error err;
	struct page page;
	int log_fd;
};

static const char *log_path = "test_amazon.log";

static const struct mock_amazon amazon = {
	.state_dir = "/nonexistent/test_amazon",
	.client_id = CLIENT_ID, .client_secret = CLIENT_SECRET, .refresh_token = REFRESH_TOKEN,
	.marketplace_ids = "ATVPDKIKX0DER, A2EUQ1WTGCTBG2", .endpoint_tail = "/",
	.retries = 3, .forget_secrets = 1, .ops = &amazon_ops,
};

static int
fx_open(struct fx *f, double time_scale, const char *extra)
{
	struct mock_amazon a = amazon;

	a.time_scale = time_scale;
	return mock_amazon_open(&f->self, &f->conf, &f->http, &f->m.http, &a, extra, &f->err);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || mock_start(&f->m) < 0)
		return -1;
	page_init(&f->page, amazon__order_item_free);
	sc_error_clear(&f->err);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	page_free(&f->page);
	mock_adapter_close(&f->self, &f->conf, &f->http, amazon_ops.close);
	mock_stop(&f->m);
	free(f);
	return 0;
}

/* The query of a recorded URI, split at '&': 1 when every pair of `a` is
 * in `b`. */
static int
query_subset(const char *a, const char *b)
{
	const char *qa = strchr(a, '?'), *qb = strchr(b, '?');
	char pair[1024];
	const char *p, *e;
	size_t n;

	if (qa == NULL || qb == NULL)
		return 0;
	for (p = qa + 1; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, '&');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n + 3 > sizeof(pair))
			return 0;
		pair[0] = '&';
		memcpy(pair + 1, p, n);
		pair[n + 1] = '\0';
		/* match "&k=v&" or "&k=v" at the end, or "?k=v" at the start */
		{
			char start[1030], mid[1030];
			size_t bl = strlen(qb);
			int found;

			snprintf(start, sizeof(start), "?%s&", pair + 1);
			snprintf(mid, sizeof(mid), "%s&", pair);
			found = strncmp(qb, start, strlen(start)) == 0 ||
			        strstr(qb, mid) != NULL ||
			        (bl >= n + 1 && strcmp(qb + bl - n - 1, pair) == 0) ||
			        strcmp(qb + 1, pair + 1) == 0;
			if (!found)
				return 0;
		}
	}
	return 1;
}

static void
adapter_pages_a_window_repeating_its_parameters(void **state)
{
	struct fx *f = *state;
	char want[256], before[21], cursor2[512];
	const char *q;
	int64_t now, b;
	size_t i, j;

	assert_int_equal(fx_open(f, 1.0, "start_date = 2026-11-01\npage_size = 2\n"
	                         "overlap_seconds = 600\n"), 0);
	now = time_now();
	assert_int_equal(amazon_ops.orders_page(f->self, NULL, &f->page, &f->err), 0);
	assert_int_equal(f->page.n, 2);
	assert_int_equal(f->page.nbad, 0);
	assert_int_equal(f->page.more, 1);
	assert_int_equal(f->m.nsearch, 1);
	assert_int_equal(f->m.lwa.calls, 1);
	assert_int_equal(f->m.lwa.bad_form, 0);
	assert_int_equal(f->m.lwa.bad_token, 0);

	q = f->m.search_uri[0];
	assert_non_null(strstr(q, AMAZON_ORDERS_PATH "?"));
	assert_non_null(strstr(q, "lastUpdatedAfter=2026-11-01T00%3A00%3A00Z"));
	assert_non_null(strstr(q, "marketplaceIds=ATVPDKIKX0DER%2CA2EUQ1WTGCTBG2"));
	assert_non_null(strstr(q, "maxResultsPerPage=2"));
	assert_non_null(strstr(q, "includedData=BUYER%2CRECIPIENT%2CPROCEEDS%2CPROMOTION"
	                       "%2CTAX%2CFULFILLMENT"));
	assert_null(strstr(q, "paginationToken"));
	assert_int_equal(mock_http_query_count(q), 5);
	/* lastUpdatedBefore is two minutes before now: read it back */
	q = strstr(q, "lastUpdatedBefore=");
	assert_non_null(q);
	q += strlen("lastUpdatedBefore=");
	for (i = 0, j = 0; q[i] != '\0' && q[i] != '&' && j + 1 < sizeof(before); i++) {
		if (q[i] == '%' && strncmp(q + i, "%3A", 3) == 0) {
			before[j++] = ':';
			i += 2;
		} else {
			before[j++] = q[i];
		}
	}
	before[j] = '\0';
	assert_int_equal(strlen(before), 20);
	assert_int_equal(time_parse_iso8601(&b, before, strlen(before)), 0);
	assert_true(b >= now - 120 - 5 && b <= now - 120 + 5);

	snprintf(want, sizeof(want), "v1;after=2026-11-01T00:00:00Z;before=%s;"
	         "token=2YgYW55+IGNhcm5h/bCBw==", before);
	assert_string_equal(f->page.cursor, want);
	snprintf(cursor2, sizeof(cursor2), "%s", f->page.cursor);
	page_free(&f->page);

	/* page 2: the same parameters plus the token, URL-encoded */
	assert_int_equal(amazon_ops.orders_page(f->self, cursor2, &f->page, &f->err), 0);
	assert_int_equal(f->m.nsearch, 2);
	assert_true(query_subset(f->m.search_uri[0], f->m.search_uri[1]));
	assert_int_equal(mock_http_query_count(f->m.search_uri[1]), 6);
	assert_non_null(strstr(f->m.search_uri[1],
	                       "paginationToken=2YgYW55%2BIGNhcm5h%2FbCBw%3D%3D"));
	assert_int_equal(f->page.n, 2);
	assert_int_equal(f->page.nbad, 1);
	assert_string_equal(f->page.bad[0].id, "113-5550000-0000001");
	assert_int_equal(f->page.more, 0);
	snprintf(want, sizeof(want), "v1;after=%s", before);
	assert_string_equal(f->page.cursor, want);
	assert_int_equal(f->m.lwa.calls, 1);      /* token cached */
	snprintf(cursor2, sizeof(cursor2), "%s", f->page.cursor);
	page_free(&f->page);

	/* next run: from the window's end minus the overlap (600 s) */
	assert_int_equal(amazon_ops.orders_page(f->self, cursor2, &f->page, &f->err), 0);
	{
		char after[21], enc[64];
		size_t k, o = 0;

		time_format_iso8601(after, b - 600);
		for (k = 0; after[k] != '\0'; k++) {
			if (after[k] == ':') {
				memcpy(enc + o, "%3A", 3);
				o += 3;
			} else {
				enc[o++] = after[k];
			}
		}
		enc[o] = '\0';
		snprintf(want, sizeof(want), "lastUpdatedAfter=%s&", enc);
		assert_non_null(strstr(f->m.search_uri[2], want));
	}
	assert_int_equal(f->page.more, 1);
	assert_int_equal(f->m.lwa.bad_token, 0);
}

static void
adapter_retries_a_throttled_search(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	f->m.throttle = 1;
	assert_int_equal(amazon_ops.orders_page(f->self, "v1;after=2026-11-10T00:00:00Z",
	                                        &f->page, &f->err), 0);
	assert_int_equal(f->m.nsearch, 2);
	assert_true(strcmp(f->m.search_uri[0], f->m.search_uri[1]) == 0);
	assert_int_equal(f->page.n, 2);
	assert_int_equal(f->page.more, 1);
}

static void
adapter_is_transient_when_throttled_past_retries(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	f->m.throttle = 100;
	assert_int_equal(amazon_ops.orders_page(f->self, "v1;after=2026-11-10T00:00:00Z",
	                                        &f->page, &f->err), SC_ETRANSIENT);
	assert_int_equal(f->m.nsearch, 4);        /* 1 + max_retries */
	assert_int_equal(f->err.http_status, 429);
	assert_string_equal(f->err.remote, "QuotaExceeded: You exceeded your quota for "
	                    "the requested resource.");
	assert_int_equal(f->page.n, 0);
	assert_int_equal(f->page.more, 0);
	assert_no_secret(&f->err);
}

static void
adapter_fetches_a_new_token_after_a_403(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	f->m.forbid = 1;
	assert_int_equal(amazon_ops.orders_page(f->self, "v1;after=2026-11-10T00:00:00Z",
	                                        &f->page, &f->err), 0);
	assert_int_equal(f->m.lwa.calls, 2);
	assert_int_equal(f->m.nsearch, 2);
	page_free(&f->page);

	/* a 403 that stays: SC_EAUTH after one more try */
	f->m.forbid = 2;
	assert_int_equal(amazon_ops.orders_page(f->self, "v1;after=2026-11-10T00:00:00Z",
	                                        &f->page, &f->err), SC_EAUTH);
	assert_int_equal(f->err.http_status, 403);
	assert_string_equal(f->err.remote, "Unauthorized: Access to requested resource "
	                    "is denied.");
	assert_no_secret(&f->err);
}

static void
adapter_restarts_the_window_when_the_token_is_rejected(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	f->m.reject_token = 1;
	assert_int_equal(amazon_ops.orders_page(f->self,
	    "v1;after=2026-11-10T00:00:00Z;before=2026-11-10T06:00:00Z;token=expired",
	    &f->page, &f->err), 0);
	assert_int_equal(f->m.nsearch, 2);
	assert_non_null(strstr(f->m.search_uri[0], "paginationToken=expired"));
	assert_non_null(strstr(f->m.search_uri[0],
	                       "lastUpdatedBefore=2026-11-10T06%3A00%3A00Z"));
	assert_null(strstr(f->m.search_uri[1], "paginationToken"));
	/* the window's own start, no second overlap taken off */
	assert_non_null(strstr(f->m.search_uri[1],
	                       "lastUpdatedAfter=2026-11-10T00%3A00%3A00Z"));
	assert_null(strstr(f->m.search_uri[1], "2026-11-10T06%3A00%3A00Z"));
	assert_int_equal(f->page.n, 2);
	assert_int_equal(f->page.more, 1);
	assert_int_equal(strncmp(f->page.cursor, "v1;after=2026-11-10T00:00:00Z;before=", 37), 0);
}

static void
adapter_reports_refused_credentials_without_secrets(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	f->m.lwa.refuse = 1;
	assert_int_equal(amazon_ops.orders_page(f->self, "v1;after=2026-11-10T00:00:00Z",
	                                        &f->page, &f->err), SC_EAUTH);
	assert_string_equal(f->err.remote, "Client authentication failed");
	assert_int_equal(f->err.http_status, 400);
	assert_int_equal(f->m.nsearch, 0);
	assert_no_secret(&f->err);
	sc_error_clear(&f->err);
	assert_int_equal(amazon_ops.order_get(f->self, "113-4827193-5562047",
	                 &(struct order *){ NULL }, &f->err), SC_EAUTH);
	assert_no_secret(&f->err);
}

static void
adapter_fails_a_page_that_is_not_json(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	f->m.malformed = 1;
	assert_int_equal(amazon_ops.orders_page(f->self, "v1;after=2026-11-10T00:00:00Z",
	                                        &f->page, &f->err), SC_EMALFORMED);
	assert_int_equal(f->page.n, 0);
	assert_int_equal(f->page.more, 0);
	assert_string_equal(f->page.cursor, "");
	assert_non_null(strstr(f->err.msg, "not JSON"));
	page_free(&f->page);
	/* a cursor that is not ours */
	assert_int_equal(amazon_ops.orders_page(f->self, "garbage", &f->page, &f->err),
	                 SC_EMALFORMED);
	assert_int_equal(f->m.nsearch, 1);
}

static void
order_get_reads_one_order_or_says_not_found(void **state)
{
	struct fx *f = *state;
	struct order *o = NULL;

	assert_int_equal(fx_open(f, 1000.0, NULL), 0);
	assert_int_equal(amazon_ops.order_get(f->self, "113-4827193-5562047", &o,
	                                      &f->err), 0);
	assert_string_equal(o->id, "113-4827193-5562047");
	assert_int_equal(o->total, 4342);
	assert_int_equal(o->nlines, 2);
	order_free(o);
	o = NULL;
	assert_non_null(strstr(f->m.get_uri[0], AMAZON_ORDERS_PATH "/113-4827193-5562047?"
	                       "includedData=BUYER%2CRECIPIENT%2CPROCEEDS%2CPROMOTION%2CTAX"
	                       "%2CFULFILLMENT"));

	assert_int_equal(amazon_ops.order_get(f->self, "113-0000000-0000000", &o,
	                                      &f->err), SC_ENOTFOUND);
	assert_null(o);
	assert_int_equal(f->err.http_status, 404);
	assert_string_equal(f->err.remote, "NotFound: Order not found");
	assert_non_null(strstr(f->err.msg, "113-0000000-0000000"));
	/* an id is a path segment: encoded */
	assert_int_equal(amazon_ops.order_get(f->self, "a/b c", &o, &f->err),
	                 SC_ENOTFOUND);
	assert_non_null(strstr(f->m.get_uri[2], "/orders/a%2Fb%20c?"));
	assert_int_equal(f->m.lwa.calls, 1);
}

static void
open_refuses_bad_values_naming_the_key(void **state)
{
	static const struct {
		const char *extra;
		const char *msg;
	} cases[] = {
		{ "page_size = 0\n", "page_size" },
		{ "page_size = 101\n", "page_size" },
		{ "page_size = ten\n", "page_size" },
		{ "overlap_seconds = -1\n", "overlap_seconds" },
		{ "start_date = last week\n", "start_date" },
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_error_clear(&f->err);
		if (fx_open(f, 1.0, cases[i].extra) != SC_EINVALID)
			fail_msg("case %zu was accepted", i);
		assert_null(f->self);
		assert_non_null(strstr(f->err.msg, "test.conf"));
		assert_non_null(strstr(f->err.msg, cases[i].msg));
		assert_no_secret(&f->err);
		http_client_free(f->http);
		f->http = NULL;
		conf_free(f->conf);
		f->conf = NULL;
	}
}

static void
no_log_line_holds_a_secret(void **state)
{
	char *text;
	FILE *fp;
	long n;

	(void)state;
	fp = fopen(log_path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);           /* the http client did log */
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	assert_null(strstr(text, CLIENT_SECRET));
	assert_null(strstr(text, REFRESH_TOKEN));
	assert_null(strstr(text, "SECRET-"));
	assert_null(strstr(text, "mock-token"));
	free(text);
}

static int
group_setup(void **state)
{
	int fd;

	(void)state;
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	log_set_fd(fd);
	log_set_level(LOG_DEBUG);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	log_set_fd(2);
	unlink(log_path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usd_multi_line_order_maps_every_field),
		cmocka_unit_test(jpy_order_has_no_decimals),
		cmocka_unit_test(eur_order_reads_offsets_and_short_amounts),
		cmocka_unit_test(order_level_delivery_tip_goes_to_the_first_line),
		cmocka_unit_test(pending_order_without_proceeds_is_accepted_with_zero_amounts),
		cmocka_unit_test(broken_fixtures_are_malformed_with_a_reason),
		cmocka_unit_test(inline_bad_orders_are_refused),
		cmocka_unit_test(cod_fee_other_and_tax_details_land_in_their_fields),
		cmocka_unit_test(cancelled_order_counts_unshipped_units_as_cancelled),
		cmocka_unit_test(search_response_pages_keep_good_orders_and_list_bad_ones),
		cmocka_unit_test(search_response_without_orders_fails_the_page),
		cmocka_unit_test(an_order_without_id_is_listed_as_unknown),
		cmocka_unit_test(cursor_round_trips_through_text),
		cmocka_unit_test(cursor_refuses_text_it_did_not_write),
		cmocka_unit_test(cursor_too_long_for_the_engine_is_an_error),
		cmocka_unit_test_setup_teardown(adapter_pages_a_window_repeating_its_parameters,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(adapter_retries_a_throttled_search,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(adapter_is_transient_when_throttled_past_retries,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(adapter_fetches_a_new_token_after_a_403,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(adapter_restarts_the_window_when_the_token_is_rejected,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(adapter_reports_refused_credentials_without_secrets,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(adapter_fails_a_page_that_is_not_json,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(order_get_reads_one_order_or_says_not_found,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(open_refuses_bad_values_naming_the_key,
		                                fx_setup, fx_teardown),
		cmocka_unit_test(no_log_line_holds_a_secret),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
