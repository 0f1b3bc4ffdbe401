/* test_amazon_refunds.c: the amazon adapter's refunds, both directions.
 *
 * Marketplace -> ERP: Finances v0 refund events (tests/data/amazon/
 * finances_refunds_page*.json, the model's static sandbox examples read
 * from $SC_SHARED, and events written inline) into struct refund; every
 * expected value below was computed by hand from those texts.
 * ERP -> marketplace: the payment adjustment feed XML is parsed back with
 * libxml2 XPath and checked against docs/AMAZON.md §7; processing reports
 * are written by hand in the documented shape. The adapter runs against a
 * libmicrohttpd mock of LWA, Finances, Feeds and the presigned document
 * URLs on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"
#include "connector/conf.h"
#include "connector/http.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"
#include "tests/unit/mock_http.h"
#include "tests/unit/mock_xml.h"

#define CLIENT_ID "amzn1.application-oa2-client.test"
#define CLIENT_SECRET "SECRET-cs-7f3a9b"
#define REFRESH_TOKEN "Atzr|SECRET-rt-42"
#define PRESIGN "X-Amz-Signature=SIGSECRET0123"
#define FEED_ID "50012018000"
#define DOC_ID "amzn1.tortuga.4.na.doc1"
#define REPORT_DOC "amzn1.tortuga.4.na.report1"
#define ORDER_US "113-4827193-5562047"

/* ---- helpers ------------------------------------------------------------ */

static char *
data_read(const char *name, size_t *len)
{
	return mock_data_read("SC_TESTDATA", "amazon", name, len);
}

/* A model sandbox example: cases[i].response as JSON text (caller frees). */
static char *
sandbox_response(const char *name, int i)
{
	json_object *root = NULL, *resp;
	struct sc_error err;
	char *text, *out = NULL;
	size_t len = 0;

	text = mock_data_read("SC_SHARED", "specs/amazon/sandbox-examples", name, &len);
	if (text == NULL)
		return NULL;
	if (json_parse_buf(&root, text, len, &err) == 0) {
		char p[32];

		snprintf(p, sizeof(p), "cases.%d.response", i);
		resp = json_path(root, p);
		if (resp != NULL)
			out = strdup(json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(root);
	free(text);
	return out;
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

struct want_comp {
	const char *type;
	int64_t amount;
};

struct want_line {
	const char *line_id, *sku;
	int64_t qty;
	size_t ncomps;
	struct want_comp comps[10];
};

static void
assert_line(const struct refund_line *l, const struct want_line *w)
{
	size_t i;

	assert_str_or_null(l->line_id, w->line_id);
	assert_str_or_null(l->sku, w->sku);
	assert_null(l->erp_sku);
	assert_int_equal(l->qty, w->qty);
	assert_int_equal(l->ncomps, w->ncomps);
	for (i = 0; i < w->ncomps; i++) {
		assert_string_equal(l->comps[i].type, w->comps[i].type);
		assert_int_equal(l->comps[i].amount, w->comps[i].amount);
	}
}

static int
parse_event_text(const char *text, struct refund **out, struct sc_error *err)
{
	json_object *jo = NULL;
	int rc;

	*out = NULL;
	rc = json_parse_buf(&jo, text, strlen(text), err);
	assert_int_equal(rc, 0);
	rc = amazon__refund_parse(jo, out, err);
	json_object_put(jo);
	return rc;
}

static int
parse_page_text(const char *text, struct page *p, char **next,
                const char *order_id, struct sc_error *err)
{
	page_init(p, amazon__refund_item_free);
	return amazon__finances_response_parse(p, next, order_id, text, strlen(text),
	                                       err);
}

static void
assert_no_secret(const struct sc_error *err)
{
	assert_null(strstr(err->msg, "SECRET"));
	assert_null(strstr(err->remote, "SECRET"));
	assert_null(strstr(err->msg, "Atza|"));
	assert_null(strstr(err->remote, "Atza|"));
}

/* ---- finances: fixtures ------------------------------------------------- */

static const struct want_line r1_lines[] = {
	/* -25.98 -1.88 -4.99 -0.4; promotions 2 + 1.0; fees 3.9 -0.78;
	 * withheld 1.88 0.4 */
	{ "68812345670011", "SKU-RED-MUG", 2, 9, {
		{ "Principal", -2598 }, { "Tax", -188 }, { "Shipping", -499 },
		{ "ShippingTax", -40 }, { "Promotion", 300 }, { "Commission", 390 },
		{ "RefundCommission", -78 },
		{ "MarketplaceFacilitatorTax-Principal", 188 },
		{ "MarketplaceFacilitatorTax-Shipping", 40 } } },
	/* -8.5 -0.68, Goodwill 0.0 dropped, fees 1.28 -0.26 */
	{ "68812345670012", "SKU-TEA-TIN", 1, 4, {
		{ "Principal", -850 }, { "Tax", -68 }, { "Commission", 128 },
		{ "RefundCommission", -26 } } },
};

static void
finances_page_makes_one_refund_per_refund_event(void **state)
{
	static const struct want_line r2_line = {
		"68812345670012", "SKU-TEA-TIN", 0, 1, { { "Principal", -200 } } };
	struct page p;
	struct sc_error err;
	struct refund *r;
	char *text = data_read("finances_refunds_page1.json", NULL), *next = NULL;
	int64_t total = 0;

	(void)state;
	assert_non_null(text);
	sc_error_clear(&err);
	assert_int_equal(parse_page_text(text, &p, &next, NULL, &err), 0);
	/* the ShipmentEventList sale and the AdjustmentEventList are ignored */
	assert_int_equal(p.n, 2);
	assert_int_equal(p.nbad, 0);
	assert_string_equal(next, "AbC+/d==tok1");

	r = p.items[0];
	assert_int_equal(r->source, SIDE_MARKETPLACE);
	assert_string_equal(r->id, "70011223344551");
	assert_string_equal(r->order_id, ORDER_US);
	assert_int_equal(r->kind, REFUND_KIND_REFUND);
	assert_null(r->reason);
	assert_string_equal(r->currency, "USD");
	assert_int_equal(r->exponent, 2);
	assert_int_equal(r->posted, 1795169730);   /* 2026-11-20T10:15:30Z */
	assert_null(r->erp_type);
	assert_null(r->erp_external_id);
	assert_int_equal(r->nlines, 2);
	assert_line(&r->lines[0], &r1_lines[0]);
	assert_line(&r->lines[1], &r1_lines[1]);
	assert_int_equal(refund_total(r, &total), 0);
	assert_int_equal(total, -2485 + -816);

	/* a second event on the same order is a second refund */
	r = p.items[1];
	assert_string_equal(r->id, "70011223344599");
	assert_string_equal(r->order_id, ORDER_US);
	assert_int_equal(r->posted, 1795248000);   /* 2026-11-21T08:00:00Z */
	assert_int_equal(r->nlines, 1);
	assert_line(&r->lines[0], &r2_line);

	page_free(&p);
	free(next);
	free(text);
}

static void
finances_last_page_hashes_an_id_and_lists_a_bad_event(void **state)
{
	static const struct want_line jp = {
		"25012345678901", "ECHO-DOT-4-JP-CHARCOAL", 1, 4, {
			{ "Principal", -5980 }, { "Tax", -598 }, { "Commission", 897 },
			{ "RefundCommission", -179 } } };
	struct page p;
	struct sc_error err;
	struct refund *r;
	char *text = data_read("finances_refunds_page2.json", NULL), *next = NULL;

	(void)state;
	assert_non_null(text);
	sc_error_clear(&err);
	assert_int_equal(parse_page_text(text, &p, &next, NULL, &err), 0);
	assert_null(next);
	assert_int_equal(p.n, 1);
	r = p.items[0];
	/* no OrderAdjustmentItemId: "H" + SHA-256 of
	 * "16:amazon-refund-v1;19:250-1234567-8901234;25:2026-11-21T09:00:00+09:00;"
	 * "3:JPY;1;14:25012345678901;22:ECHO-DOT-4-JP-CHARCOAL;1;4;9:Principal;"
	 * "-5980;3:Tax;-598;10:Commission;897;16:RefundCommission;-179;"
	 * (computed with Python's hashlib) */
	assert_string_equal(r->id, "Ha885bba73a044f32");
	assert_string_equal(r->currency, "JPY");
	assert_int_equal(r->exponent, 0);
	assert_int_equal(r->posted, 1795219200);   /* 09:00+09:00 = 00:00Z */
	assert_line(&r->lines[0], &jp);

	/* USD principal with a CAD tax: one bad record under its adjustment id */
	assert_int_equal(p.nbad, 1);
	assert_string_equal(p.bad[0].id, "70011223340000");
	assert_int_equal(p.bad[0].err.code, SC_EMALFORMED);
	assert_non_null(strstr(p.bad[0].err.msg, "113-5550000-0000002"));
	assert_non_null(strstr(p.bad[0].err.msg, "currency CAD differs"));
	page_free(&p);
	free(text);
}

static void
sandbox_examples_have_no_refund_events_and_keep_their_token(void **state)
{
	static const char *const files[] = {
		"financesV0__listFinancialEvents.json",
		"financesV0__listFinancialEventsByOrderId.json",
		"financesV0__listFinancialEventsByGroupId.json",
	};
	struct page p;
	struct sc_error err;
	char *text, *next = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		/* case 0: a 200 with other event lists only (Retrocharge, Rental,
		 * ServiceFee, Chargeback, ...; amounts 25.37) */
		text = sandbox_response(files[i], 0);
		assert_non_null(text);
		sc_error_clear(&err);
		assert_int_equal(parse_page_text(text, &p, &next, NULL, &err), 0);
		assert_int_equal(p.n, 0);
		assert_int_equal(p.nbad, 0);
		assert_string_equal(next, "Next token value");
		page_free(&p);
		free(next);
		next = NULL;
		free(text);

		/* case 1: the 400 body has no payload */
		text = sandbox_response(files[i], 1);
		assert_non_null(text);
		assert_int_equal(parse_page_text(text, &p, &next, NULL, &err), SC_EMALFORMED);
		assert_non_null(strstr(err.msg, "payload"));
		assert_null(next);
		page_free(&p);
		free(text);
	}
}

/* ---- finances: inline events -------------------------------------------- */

#define USD(a) "{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":" a "}"
#define CA(t, a) "{\"ChargeType\":\"" t "\",\"ChargeAmount\":" USD(a) "}"
#define FA(t, a) "{\"FeeType\":\"" t "\",\"FeeAmount\":" USD(a) "}"
#define PA(a) "{\"PromotionType\":\"X\",\"PromotionId\":\"P\",\"PromotionAmount\":" USD(a) "}"
#define EVENT(items) "{\"AmazonOrderId\":\"111-0000000-0000001\"," \
	"\"PostedDate\":\"2026-11-05T12:00:00Z\",\"ShipmentItemAdjustmentList\":[" items "]}"

static void
multi_item_event_reads_json_numbers_exactly(void **state)
{
	static const char text[] = EVENT(
		"{\"OrderItemId\":\"A1\",\"OrderAdjustmentItemId\":\"ADJ-A\","
		"\"SellerSKU\":\"SKU-A\",\"QuantityShipped\":3,"
		"\"ItemChargeAdjustmentList\":[" CA("Principal", "-10.1") ","
		CA("Tax", "-0.81") "," CA("ShippingCharge", "-4") ","
		CA("ShippingTax", "-0.32") "," CA("Principal", "-0.9") "],"
		"\"PromotionAdjustmentList\":[" PA("1.5") "," PA("0.5") "],"
		"\"ItemFeeAdjustmentList\":[" FA("Commission", "1.5e1") ","
		FA("RefundCommission", "-0.3e1") "]},"
		"{\"OrderAdjustmentItemId\":\"ADJ-B\",\"SellerSKU\":\"SKU-B\","
		"\"ItemChargeAdjustmentList\":[" CA("Principal", "-2.5E+0") ","
		CA("Giftwrap", "-1") "," CA("GiftwrapTax", "-0.08") "]}");
	static const struct want_line lines[] = {
		/* Principal -10.1 + -0.9; ShippingCharge -> Shipping; promotions
		 * 1.5 + 0.5; 1.5e1 = 15.00; -0.3e1 = -3.00 */
		{ "A1", "SKU-A", 3, 7, {
			{ "Principal", -1100 }, { "Tax", -81 }, { "Shipping", -400 },
			{ "ShippingTax", -32 }, { "Promotion", 200 },
			{ "Commission", 1500 }, { "RefundCommission", -300 } } },
		/* no OrderItemId: the adjustment id; no quantity: 0 */
		{ "ADJ-B", "SKU-B", 0, 3, {
			{ "Principal", -250 }, { "Giftwrap", -100 },
			{ "GiftwrapTax", -8 } } },
	};
	struct refund *r = NULL;
	struct sc_error err;
	int64_t total = 0;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(parse_event_text(text, &r, &err), 0);
	assert_string_equal(r->id, "ADJ-A");
	assert_string_equal(r->order_id, "111-0000000-0000001");
	assert_int_equal(r->posted, 1793880000);   /* 2026-11-05T12:00:00Z */
	assert_int_equal(r->nlines, 2);
	assert_line(&r->lines[0], &lines[0]);
	assert_line(&r->lines[1], &lines[1]);
	assert_int_equal(refund_total(r, &total), 0);
	assert_int_equal(total, -213 + -358);
	refund_free(r);
}

static void
event_level_fee_adjustments_go_to_the_first_line(void **state)
{
	static const char text[] =
		"{\"AmazonOrderId\":\"111-0000000-0000001\","
		"\"PostedDate\":\"2026-11-05T12:00:00Z\","
		"\"ShipmentFeeAdjustmentList\":[" FA("FBAPerOrderFulfillmentFee", "2.5") "],"
		"\"OrderChargeAdjustmentList\":[" CA("ShippingCharge", "-1.25") "],"
		"\"ShipmentItemAdjustmentList\":["
		"{\"OrderItemId\":\"A1\",\"OrderAdjustmentItemId\":\"ADJ-A\","
		"\"ItemChargeAdjustmentList\":[" CA("Principal", "-5") "]},"
		"{\"OrderItemId\":\"A2\",\"OrderAdjustmentItemId\":\"ADJ-C\","
		"\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") "]}]}";
	static const struct want_line first = {
		"A1", NULL, 0, 3, {
			{ "Principal", -500 }, { "Shipping", -125 },
			{ "FBAPerOrderFulfillmentFee", 250 } } };
	struct refund *r = NULL;
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_event_text(text, &r, &err), 0);
	assert_line(&r->lines[0], &first);
	assert_int_equal(r->lines[1].ncomps, 1);
	assert_int_equal(r->lines[1].comps[0].amount, -100);
	refund_free(r);
}

static void
hashed_id_is_stable_and_follows_the_content(void **state)
{
	static const char a[] = EVENT("{\"OrderItemId\":\"A1\",\"SellerSKU\":\"S\","
		"\"QuantityShipped\":1,\"ItemChargeAdjustmentList\":[" CA("Principal", "-5") "]}");
	/* the same refund written differently: same id */
	static const char a2[] = EVENT("{\"QuantityShipped\":1,\"SellerSKU\":\"S\","
		"\"OrderItemId\":\"A1\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-5.00") "]}");
	/* one cent more: another id */
	static const char b[] = EVENT("{\"OrderItemId\":\"A1\",\"SellerSKU\":\"S\","
		"\"QuantityShipped\":1,\"ItemChargeAdjustmentList\":[" CA("Principal", "-5.01") "]}");
	struct refund *ra = NULL, *ra2 = NULL, *rb = NULL;
	struct sc_error err;
	size_t i;

	(void)state;
	assert_int_equal(parse_event_text(a, &ra, &err), 0);
	assert_int_equal(parse_event_text(a2, &ra2, &err), 0);
	assert_int_equal(parse_event_text(b, &rb, &err), 0);
	assert_int_equal(strlen(ra->id), 17);
	assert_int_equal(ra->id[0], 'H');
	for (i = 1; i < 17; i++)
		assert_non_null(strchr("0123456789abcdef", ra->id[i]));
	assert_string_equal(ra->id, ra2->id);
	assert_string_not_equal(ra->id, rb->id);
	refund_free(ra);
	refund_free(ra2);
	refund_free(rb);
}

static void
bad_events_are_malformed_with_a_reason(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"PostedDate\":\"2026-11-05T12:00:00Z\",\"ShipmentItemAdjustmentList\":"
		  "[{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") "]}]}",
		  "AmazonOrderId is missing" },
		{ "{\"AmazonOrderId\":\"1\",\"ShipmentItemAdjustmentList\":"
		  "[{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") "]}]}",
		  "PostedDate is missing" },
		{ "{\"AmazonOrderId\":\"1\",\"PostedDate\":\"yesterday\",\"ShipmentItemAdjustmentList\":"
		  "[{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") "]}]}",
		  "not an ISO 8601 time" },
		{ EVENT(""), "ShipmentItemAdjustmentList is missing or empty" },
		{ "{\"AmazonOrderId\":\"1\",\"PostedDate\":\"2026-11-05T12:00:00Z\","
		  "\"ShipmentItemAdjustmentList\":{}}", "expected an array" },
		{ EVENT("{\"SellerSKU\":\"S\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") "]}"),
		  "neither OrderItemId nor OrderAdjustmentItemId" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") ","
		  "{\"ChargeType\":\"Tax\",\"ChargeAmount\":{\"CurrencyCode\":\"EUR\","
		  "\"CurrencyAmount\":-0.1}}]}"), "currency EUR differs from the refund's USD" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[{\"ChargeType\":"
		  "\"Tax\",\"ChargeAmount\":{\"CurrencyCode\":\"XQQ\",\"CurrencyAmount\":-1}}]}"),
		  "unknown currency \"XQQ\"" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[" CA("Principal", "-10.105") "]}"),
		  "not an exact amount" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[" CA("Principal", "true") "]}"),
		  "expected an amount" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":[{\"ChargeType\":"
		  "\"Tax\",\"ChargeAmount\":{\"CurrencyCode\":\"USD\"}}]}"),
		  "CurrencyAmount is missing" },
		{ EVENT("{\"OrderItemId\":\"A\",\"QuantityShipped\":-1,"
		  "\"ItemChargeAdjustmentList\":[" CA("Principal", "-1") "]}"),
		  "QuantityShipped is negative" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemChargeAdjustmentList\":"
		  "[{\"ChargeAmount\":" USD("-1") "}]}"), "ChargeType is missing" },
		{ EVENT("{\"OrderItemId\":\"A\",\"ItemFeeAdjustmentList\":"
		  "[" FA("ThisFeeTypeNameIsLongerThanFortyCharacters", "1") "]}"),
		  "longer than 39 characters" },
		{ EVENT("{\"OrderItemId\":\"A\",\"SellerSKU\":\"S\"}"),
		  "no amount in the event says its currency" },
		{ "[1,2]", "not a JSON object" },
	};
	struct refund *r = NULL;
	struct sc_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_error_clear(&err);
		if (parse_event_text(cases[i].text, &r, &err) != SC_EMALFORMED ||
		    strstr(err.msg, cases[i].want) == NULL) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err.msg,
			        cases[i].want);
			fail();
		}
		assert_null(r);
	}
}

static void
an_event_of_another_order_is_bad_in_an_order_answer(void **state)
{
	struct page p;
	struct sc_error err;
	char *text = data_read("finances_refunds_page1.json", NULL), *next = NULL;

	(void)state;
	assert_int_equal(parse_page_text(text, &p, &next, "113-0000000-0000000", &err), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.nbad, 2);
	assert_string_equal(p.bad[0].id, "70011223344551");
	assert_string_equal(p.bad[1].id, "70011223344599");
	assert_non_null(strstr(p.bad[0].err.msg, "of order " ORDER_US ": in the answer "
	                       "for order 113-0000000-0000000"));
	page_free(&p);
	free(next);
	free(text);
}

static void
finances_body_shapes_that_fail_the_page(void **state)
{
	static const char *const bodies[] = {
		"<html>", "{}", "{\"payload\":[]}",
		"{\"payload\":{\"FinancialEvents\":[]}}",
		"{\"payload\":{\"FinancialEvents\":{\"RefundEventList\":{}}}}",
		"{\"payload\":{\"NextToken\":5}}",
	};
	struct page p;
	struct sc_error err;
	char *next = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(parse_page_text(bodies[i], &p, &next, NULL, &err),
		                 SC_EMALFORMED);
		assert_null(next);
		page_free(&p);
	}
}

/* ---- the feed ----------------------------------------------------------- */

/* Two refunds made in the ERP. */
struct two {
	struct refund_component ca1[6], ca2[1], ca3[1], cb1[1];
	struct refund_line la[3], lb[1];
	struct refund a, b;
	struct refund *list[2];
};

static void
two_init(struct two *t)
{
	static const struct refund_component ca1[6] = {
		{ "Principal", -2598 }, { "Tax", -188 }, { "Shipping", -499 },
		{ "ShippingTax", -40 }, { "RestockingFee", 500 }, { "Goodwill", 0 },
	};

	memset(t, 0, sizeof(*t));
	memcpy(t->ca1, ca1, sizeof(ca1));
	snprintf(t->ca2[0].type, sizeof(t->ca2[0].type), "Giftwrap");
	t->ca2[0].amount = -399;
	snprintf(t->ca3[0].type, sizeof(t->ca3[0].type), "Other");
	t->ca3[0].amount = 0;
	snprintf(t->cb1[0].type, sizeof(t->cb1[0].type), "Principal");
	t->cb1[0].amount = -500;

	t->la[0] = (struct refund_line){ "68812345670011", "SKU-RED-MUG", NULL, 2, t->ca1, 6 };
	t->la[1] = (struct refund_line){ "68812345670012", "SKU-TEA-TIN", NULL, 0, t->ca2, 1 };
	t->la[2] = (struct refund_line){ "68812345670013", "SKU-ZERO", NULL, 1, t->ca3, 1 };
	t->lb[0] = (struct refund_line){ "25012345678901", "ECHO", NULL, 0, t->cb1, 1 };

	t->a.source = SIDE_ERP;
	t->a.id = "NS-CR-1001";
	t->a.order_id = ORDER_US;
	t->a.kind = REFUND_KIND_RETURN;
	t->a.reason = "CustomerReturn";
	memcpy(t->a.currency, "USD", 4);
	t->a.exponent = 2;
	t->a.lines = t->la;
	t->a.nlines = 3;

	t->b.source = SIDE_ERP;
	t->b.id = "NS/CR 2002";
	t->b.order_id = "250-1234567-8901234";
	t->b.kind = REFUND_KIND_ADJUSTMENT;
	t->b.reason = "PriceError";
	memcpy(t->b.currency, "JPY", 4);
	t->b.exponent = 0;
	t->b.lines = t->lb;
	t->b.nlines = 1;
	t->list[0] = &t->a;
	t->list[1] = &t->b;
}

#define M1 "/AmazonEnvelope/Message[1]"
#define M2 "/AmazonEnvelope/Message[2]"
#define I1 M1 "/OrderAdjustment/AdjustedItem[1]"
#define I2 M1 "/OrderAdjustment/AdjustedItem[2]"
#define C(item, type) item "/ItemPriceAdjustments/Component[Type='" type "']"

static void
check_two_refund_feed(const char *xml, size_t len, const char *merchant)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "feed.xml", NULL, XML_PARSE_NONET);

	assert_non_null(doc);
	assert_non_null(strstr(xml, "encoding=\"UTF-8\""));
	/* envelope (§7 / amzn-envelope) */
	mock_xml_assert_children(doc, "/AmazonEnvelope", "Header,MessageType,Message,Message");
	mock_xml_assert(doc, "/AmazonEnvelope/Header/DocumentVersion", "1.01");
	mock_xml_assert(doc, "/AmazonEnvelope/Header/MerchantIdentifier", merchant);
	mock_xml_assert(doc, "/AmazonEnvelope/MessageType", "OrderAdjustment");
	assert_int_equal(mock_xml_count(doc, "/AmazonEnvelope/Message"), 2);

	/* message 1: the USD refund */
	mock_xml_assert_children(doc, M1, "MessageID,OrderAdjustment");
	mock_xml_assert(doc, M1 "/MessageID", "1");
	mock_xml_assert_children(doc, M1 "/OrderAdjustment",
	                         "AmazonOrderID,ActionType,AdjustedItem,AdjustedItem");
	mock_xml_assert(doc, M1 "/OrderAdjustment/AmazonOrderID", ORDER_US);
	mock_xml_assert(doc, M1 "/OrderAdjustment/ActionType", "Refund");
	/* the third line only had a zero component: not written */
	assert_int_equal(mock_xml_count(doc, M1 "/OrderAdjustment/AdjustedItem"), 2);
	mock_xml_assert_children(doc, I1, "AmazonOrderItemCode,MerchantAdjustmentItemID,"
	                         "AdjustmentReason,ItemPriceAdjustments,Quantity");
	mock_xml_assert(doc, I1 "/AmazonOrderItemCode", "68812345670011");
	mock_xml_assert(doc, I1 "/MerchantAdjustmentItemID", "NS-CR-1001");
	mock_xml_assert(doc, I1 "/AdjustmentReason", "CustomerReturn");
	mock_xml_assert(doc, I1 "/Quantity", "2");
	/* positive amounts; RestockingFee (kept by the seller, +5.00) too;
	 * Goodwill 0 left out */
	assert_int_equal(mock_xml_count(doc, I1 "/ItemPriceAdjustments/Component"), 5);
	mock_xml_assert(doc, C(I1, "Principal") "/Amount", "25.98");
	mock_xml_assert(doc, C(I1, "Tax") "/Amount", "1.88");
	mock_xml_assert(doc, C(I1, "Shipping") "/Amount", "4.99");
	mock_xml_assert(doc, C(I1, "ShippingTax") "/Amount", "0.40");
	mock_xml_assert(doc, C(I1, "RestockingFee") "/Amount", "5.00");
	mock_xml_assert(doc, C(I1, "Principal") "/Amount/@currency", "USD");
	assert_int_equal(mock_xml_count(doc, I1 "//Amount[@currency='USD']"), 5);
	mock_xml_assert_children(doc, C(I1, "Principal"), "Type,Amount");
	/* line 2: Finances' Giftwrap spelled as the feed's GiftWrap; qty 0:
	 * no Quantity */
	mock_xml_assert_children(doc, I2, "AmazonOrderItemCode,MerchantAdjustmentItemID,"
	                         "AdjustmentReason,ItemPriceAdjustments");
	mock_xml_assert(doc, I2 "/AmazonOrderItemCode", "68812345670012");
	assert_int_equal(mock_xml_count(doc, I2 "/ItemPriceAdjustments/Component"), 1);
	mock_xml_assert(doc, C(I2, "GiftWrap") "/Amount", "3.99");

	/* message 2: JPY, no decimals; the id sanitized */
	mock_xml_assert(doc, M2 "/MessageID", "2");
	mock_xml_assert(doc, M2 "/OrderAdjustment/AmazonOrderID", "250-1234567-8901234");
	mock_xml_assert(doc, M2 "/OrderAdjustment/AdjustedItem/MerchantAdjustmentItemID",
	                "NS_CR_2002");
	mock_xml_assert(doc, M2 "/OrderAdjustment/AdjustedItem/AdjustmentReason", "PriceError");
	mock_xml_assert(doc, C(M2 "/OrderAdjustment/AdjustedItem", "Principal") "/Amount", "500");
	mock_xml_assert(doc, C(M2 "/OrderAdjustment/AdjustedItem", "Principal") "/Amount/@currency",
	                "JPY");
	xmlFreeDoc(doc);
}

static void
feed_for_two_refunds_has_the_documented_structure(void **state)
{
	struct two t;
	struct sc_error err;
	char *xml = NULL;
	size_t len = 0;

	(void)state;
	two_init(&t);
	sc_error_clear(&err);
	assert_int_equal(amazon__refund_feed_build(&xml, &len, NULL, t.list, 2, &err), 0);
	assert_int_equal(strlen(xml), len);
	check_two_refund_feed(xml, len, "M_CONNECTOR");
	free(xml);
	assert_int_equal(amazon__refund_feed_build(&xml, &len, "A2MERCHANT9", t.list, 2,
	                                           &err), 0);
	check_two_refund_feed(xml, len, "A2MERCHANT9");
	free(xml);
}

static void
feed_text_is_escaped_not_pasted(void **state)
{
	struct two t;
	struct sc_error err;
	char *xml = NULL;
	size_t len = 0;
	xmlDocPtr doc;

	(void)state;
	two_init(&t);
	t.a.order_id = "1<2&3>\"4'";
	assert_int_equal(amazon__refund_feed_build(&xml, &len, NULL, t.list, 1, &err), 0);
	assert_null(strstr(xml, "1<2"));
	doc = xmlReadMemory(xml, (int)len, "feed.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	mock_xml_assert(doc, M1 "/OrderAdjustment/AmazonOrderID", "1<2&3>\"4'");
	xmlFreeDoc(doc);
	free(xml);
}

static void
feed_refuses_what_amazon_cannot_take_before_anything_is_sent(void **state)
{
	static const struct {
		int what;
		const char *want;
	} cases[] = {
		{ 0, "no AdjustmentReason" },
		{ 1, "AdjustmentReason \"Sorry\" is not one Amazon accepts" },
		{ 2, "component Principal is positive" },
		{ 3, "component RestockingFee is negative" },
		{ 4, "component Commission cannot be pushed" },
		{ 5, "component Promotion cannot be pushed" },
		{ 6, "line 1: the order item id (AmazonOrderItemCode) is missing" },
		{ 7, "currency \"XQQ\" is unknown" },
		{ 8, "no line has an amount to refund" },
		{ 9, "the order id is missing" },
		{ 10, "line 1: negative quantity" },
		{ 11, "exponent 2 does not match JPY's 0" },
	};
	struct refund_component bad[1];
	struct two t;
	struct sc_error err;
	char *xml = NULL;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		two_init(&t);
		memset(bad, 0, sizeof(bad));
		switch (cases[i].what) {
		case 0: t.b.reason = NULL; break;
		case 1: t.b.reason = "Sorry"; break;
		case 2: t.cb1[0].amount = 500; break;
		case 3: snprintf(t.cb1[0].type, sizeof(t.cb1[0].type), "RestockingFee");
		        t.cb1[0].amount = -100; break;
		case 4: snprintf(t.cb1[0].type, sizeof(t.cb1[0].type), "Commission"); break;
		case 5: snprintf(t.cb1[0].type, sizeof(t.cb1[0].type), "Promotion"); break;
		case 6: t.lb[0].line_id = NULL; break;
		case 7: memcpy(t.b.currency, "XQQ", 4); break;
		case 8: t.cb1[0].amount = 0; break;
		case 9: t.b.order_id = NULL; break;
		case 10: t.lb[0].qty = -1; break;
		case 11: t.b.exponent = 2; break;
		}
		sc_error_clear(&err);
		if (amazon__refund_feed_build(&xml, &len, NULL, t.list, 2, &err) != SC_EINVALID ||
		    strstr(err.msg, cases[i].want) == NULL ||
		    strstr(err.msg, "NS/CR 2002") == NULL) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err.msg,
			        cases[i].want);
			fail();
		}
		assert_null(xml);
	}
	assert_int_equal(amazon__refund_feed_build(&xml, &len, NULL, t.list, 0, &err),
	                 SC_EINVALID);
}

/* ---- the processing report ---------------------------------------------- */

static const char report_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	"xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n"
	"  <Header><DocumentVersion>1.02</DocumentVersion>"
	"<MerchantIdentifier>M_CONNECTOR</MerchantIdentifier></Header>\n"
	"  <MessageType>ProcessingReport</MessageType>\n"
	"  <Message>\n"
	"    <MessageID>1</MessageID>\n"
	"    <ProcessingReport>\n"
	"      <DocumentTransactionID>50012018000</DocumentTransactionID>\n"
	"      <StatusCode>Complete</StatusCode>\n"
	"      <ProcessingSummary>\n"
	"        <MessagesProcessed>3</MessagesProcessed>\n"
	"        <MessagesSuccessful>2</MessagesSuccessful>\n"
	"        <MessagesWithError>1</MessagesWithError>\n"
	"        <MessagesWithWarning>1</MessagesWithWarning>\n"
	"      </ProcessingSummary>\n"
	"      <Result>\n"
	"        <MessageID>2</MessageID>\n"
	"        <ResultCode>Error</ResultCode>\n"
	"        <ResultMessageCode>18028</ResultMessageCode>\n"
	"        <ResultDescription>The refund amount exceeds the amount &amp; tax "
	"charged for item 68812345670012.</ResultDescription>\n"
	"        <AdditionalInfo><AmazonOrderID>113-4827193-5562047</AmazonOrderID>"
	"</AdditionalInfo>\n"
	"      </Result>\n"
	"      <Result>\n"
	"        <MessageID>3</MessageID>\n"
	"        <ResultCode>Warning</ResultCode>\n"
	"        <ResultMessageCode>5001</ResultMessageCode>\n"
	"        <ResultDescription>AdjustmentReason Other is deprecated.</ResultDescription>\n"
	"      </Result>\n"
	"    </ProcessingReport>\n"
	"  </Message>\n"
	"</AmazonEnvelope>\n";

static void
report_with_an_error_and_a_warning_gives_one_rejection(void **state)
{
	struct submission_result *res = NULL;
	struct sc_error err;
	size_t n = 0;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(amazon__processing_report_parse(&res, &n, report_xml,
	                 strlen(report_xml), &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(res[0].ref, "1");
	assert_int_equal(res[0].ok, 1);
	assert_int_equal(res[0].err.code, 0);
	assert_string_equal(res[1].ref, "2");
	assert_int_equal(res[1].ok, 0);
	assert_int_equal(res[1].err.code, SC_EINVALID);
	assert_string_equal(res[1].err.remote, "18028: The refund amount exceeds the "
	                    "amount & tax charged for item 68812345670012.");
	assert_non_null(strstr(res[1].err.msg, "message 2"));
	assert_non_null(strstr(res[1].err.msg, "113-4827193-5562047"));
	assert_string_equal(res[2].ref, "3");
	assert_int_equal(res[2].ok, 1);     /* a warning is accepted */
	free(res);
}

static void
report_rejecting_the_whole_document_is_an_error(void **state)
{
	static const char xml[] =
		"<AmazonEnvelope><Message><MessageID>1</MessageID><ProcessingReport>"
		"<StatusCode>Complete</StatusCode><ProcessingSummary>"
		"<MessagesProcessed>0</MessagesProcessed><MessagesSuccessful>0"
		"</MessagesSuccessful><MessagesWithError>1</MessagesWithError>"
		"</ProcessingSummary><Result><MessageID>0</MessageID><ResultCode>Error"
		"</ResultCode><ResultMessageCode>5000</ResultMessageCode><ResultDescription>"
		"XML Parsing Fatal Error at Line 1, Column 1: Invalid document structure"
		"</ResultDescription></Result></ProcessingReport></Message></AmazonEnvelope>";
	struct submission_result *res = NULL;
	struct sc_error err;
	size_t n = 0;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(amazon__processing_report_parse(&res, &n, xml, strlen(xml), &err),
	                 SC_EINVALID);
	assert_null(res);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "rejected as a whole"));
	assert_string_equal(err.remote, "5000: XML Parsing Fatal Error at Line 1, "
	                    "Column 1: Invalid document structure");
}

static void
report_joins_two_errors_of_one_message_and_reaches_its_highest_id(void **state)
{
	static const char xml[] =
		"<AmazonEnvelope><Message><ProcessingReport><ProcessingSummary>"
		"<MessagesProcessed>1</MessagesProcessed></ProcessingSummary>"
		"<Result><MessageID>2</MessageID><ResultCode>Error</ResultCode>"
		"<ResultMessageCode>18000</ResultMessageCode><ResultDescription>A"
		"</ResultDescription></Result>"
		"<Result><MessageID> 2 </MessageID><ResultCode>Error</ResultCode>"
		"<ResultMessageCode>18001</ResultMessageCode><ResultDescription><![CDATA[B<]]>"
		"</ResultDescription></Result>"
		"</ProcessingReport></Message></AmazonEnvelope>";
	struct submission_result *res = NULL;
	struct sc_error err;
	size_t n = 0;

	(void)state;
	assert_int_equal(amazon__processing_report_parse(&res, &n, xml, strlen(xml), &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(res[0].ok, 1);
	assert_int_equal(res[1].ok, 0);
	assert_string_equal(res[1].err.remote, "18000: A; 18001: B<");
	free(res);
}

static void
reports_that_are_not_reports_are_refused(void **state)
{
	static const struct {
		const char *xml;
		int code;
		const char *want;
	} cases[] = {
		{ "", SC_EMALFORMED, "not XML" },
		{ "{\"errors\":[]}", SC_EMALFORMED, "not XML" },
		{ "<AmazonEnvelope><Message>", SC_EMALFORMED, "not XML" },
		{ "<Other/>", SC_EMALFORMED, "root element" },
		{ "<AmazonEnvelope/>", SC_EMALFORMED, "no Message/ProcessingReport" },
		{ "<AmazonEnvelope><Message><ProcessingReport/></Message></AmazonEnvelope>",
		  SC_EMALFORMED, "no ProcessingSummary and no Result" },
		{ "<!DOCTYPE AmazonEnvelope [<!ENTITY a \"aaaa\">]><AmazonEnvelope>"
		  "<Message><ProcessingReport><ProcessingSummary><MessagesProcessed>1"
		  "</MessagesProcessed></ProcessingSummary></ProcessingReport></Message>"
		  "</AmazonEnvelope>", SC_EMALFORMED, "DOCTYPE" },
		{ "<AmazonEnvelope><Message><ProcessingReport><ProcessingSummary>"
		  "<MessagesProcessed>-1</MessagesProcessed></ProcessingSummary>"
		  "</ProcessingReport></Message></AmazonEnvelope>", SC_EMALFORMED,
		  "not a message number" },
		{ "<AmazonEnvelope><Message><ProcessingReport><ProcessingSummary>"
		  "<MessagesProcessed>99999999999</MessagesProcessed></ProcessingSummary>"
		  "</ProcessingReport></Message></AmazonEnvelope>", SC_EMALFORMED,
		  "not a message number" },
		{ "<AmazonEnvelope><Message><ProcessingReport><Result><MessageID>1"
		  "</MessageID><ResultCode>Maybe</ResultCode></Result></ProcessingReport>"
		  "</Message></AmazonEnvelope>", SC_EMALFORMED, "neither Error nor Warning" },
	};
	struct submission_result *res = NULL;
	struct sc_error err;
	size_t n = 0, i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_error_clear(&err);
		if (amazon__processing_report_parse(&res, &n, cases[i].xml,
		                                    strlen(cases[i].xml), &err) != cases[i].code ||
		    strstr(err.msg, cases[i].want) == NULL) {
			fprintf(stderr, "case %zu: got %d \"%s\", want \"%s\"\n", i, err.code,
			        err.msg, cases[i].want);
			fail();
		}
		assert_null(res);
		assert_int_equal(n, 0);
	}
}

/* ---- the mock SP-API ---------------------------------------------------- */

#define MAX_REQ 16

static const char not_found[] = "{\"errors\":[{\"code\":\"NotFound\",\"message\":"
                                "\"Resource not found\"}]}";
static const char *const lwa_form[] = { "client_secret", NULL, NULL };

struct mock {
	struct mock_http http;
	struct mock_lwa lwa;
	char *fin1, *fin2;
	unsigned char *report;
	size_t report_len;
	int report_gzip;

	/* script */
	int fin_last;                 /* listFinancialEvents answers page 2 only */
	int create_status;            /* createFeed answers this (0: 202) */
	const char *statuses[8];      /* getFeed answers, in turn (last repeats) */
	int nstatuses;

	/* record */
	int nfin, nord;
	char fin_uri[MAX_REQ][1024];
	char ord_uri[MAX_REQ][512];
	int ndoc;
	char doc_body[256], doc_ctype[128];
	int nupload, upload_token;
	char *upload;
	char upload_ctype[128], upload_uri[256];
	int ncreate;
	char create_body[512];
	int nget_feed, nget_doc, ndownload, download_token;
};

static enum MHD_Result
mock_feeds(struct mock *m, const struct mock_http_req *r)
{
	const char *ct = mock_http_header(r, "Content-Type");
	char body[512];
	const char *st;

	if (mock_http_is(r, "POST", AMAZON_FEEDS_PATH "/documents")) {
		mock_http_lock(&m->http);
		m->ndoc++;
		snprintf(m->doc_body, sizeof(m->doc_body), "%s", r->body);
		snprintf(m->doc_ctype, sizeof(m->doc_ctype), "%s", ct != NULL ? ct : "");
		mock_http_unlock(&m->http);
		snprintf(body, sizeof(body), "{\"feedDocumentId\":\"" DOC_ID "\",\"url\":"
		         "\"%s/s3/upload/doc1?" PRESIGN "\"}", m->http.base);
		return mock_http_json(r->conn, 201, body);
	}
	if (mock_http_is(r, "POST", AMAZON_FEEDS_PATH "/feeds")) {
		int status;

		mock_http_lock(&m->http);
		m->ncreate++;
		snprintf(m->create_body, sizeof(m->create_body), "%s", r->body);
		status = m->create_status;
		mock_http_unlock(&m->http);
		if (status != 0)
			return mock_http_json(r->conn, (unsigned)status, "{\"errors\":[{\"code\":"
			                      "\"InternalFailure\",\"message\":\"We encountered an "
			                      "internal error. Please try again.\"}]}");
		return mock_http_json(r->conn, 202, "{\"feedId\":\"" FEED_ID "\"}");
	}
	if (mock_http_is(r, "GET", AMAZON_FEEDS_PATH "/feeds/" FEED_ID)) {
		mock_http_lock(&m->http);
		st = m->nstatuses == 0 ? "IN_QUEUE"
		     : m->statuses[m->nget_feed < m->nstatuses ? m->nget_feed : m->nstatuses - 1];
		m->nget_feed++;
		mock_http_unlock(&m->http);
		snprintf(body, sizeof(body), "{\"feedId\":\"" FEED_ID "\",\"feedType\":\""
		         AMAZON_REFUND_FEED_TYPE "\",\"createdTime\":\"2026-11-21T10:00:00Z\","
		         "\"processingStatus\":\"%s\"%s}", st,
		         strcmp(st, "DONE") == 0 || strcmp(st, "FATAL") == 0
		         ? ",\"resultFeedDocumentId\":\"" REPORT_DOC "\"" : "");
		return mock_http_json(r->conn, 200, body);
	}
	if (mock_http_is(r, "GET", AMAZON_FEEDS_PATH "/documents/" REPORT_DOC)) {
		mock_http_lock(&m->http);
		m->nget_doc++;
		mock_http_unlock(&m->http);
		snprintf(body, sizeof(body), "{\"feedDocumentId\":\"" REPORT_DOC "\",\"url\":"
		         "\"%s/s3/download/report1?" PRESIGN "\"%s}", m->http.base,
		         m->report_gzip ? ",\"compressionAlgorithm\":\"GZIP\"" : "");
		return mock_http_json(r->conn, 200, body);
	}
	return mock_http_json(r->conn, 404, not_found);
}

static enum MHD_Result
mock_handler(void *ud, const struct mock_http_req *r)
{
	static const char empty_page[] = "{\"payload\":{\"FinancialEvents\":"
		"{\"RefundEventList\":[]}}}";
	struct mock *m = ud;
	const char *tok = mock_http_header(r, "x-amz-access-token");
	const char *ct = mock_http_header(r, "Content-Type");
	const char *next = mock_http_arg(r, "NextToken");

	if (mock_http_is(r, "POST", MOCK_LWA_PATH))
		return mock_lwa_serve(&m->http, &m->lwa, r);
	/* presigned document URLs: no token expected */
	if (mock_http_is(r, "PUT", "/s3/upload/doc1")) {
		mock_http_lock(&m->http);
		m->nupload++;
		m->upload_token += tok != NULL;
		free(m->upload);
		m->upload = r->len > 0 ? strdup(r->body) : NULL;
		snprintf(m->upload_ctype, sizeof(m->upload_ctype), "%s", ct != NULL ? ct : "");
		snprintf(m->upload_uri, sizeof(m->upload_uri), "%s", r->uri);
		mock_http_unlock(&m->http);
		return mock_http_bytes(r->conn, 200, "", 0, "text/plain");
	}
	if (mock_http_is(r, "GET", "/s3/download/report1")) {
		mock_http_lock(&m->http);
		m->ndownload++;
		m->download_token += tok != NULL;
		mock_http_unlock(&m->http);
		return mock_http_bytes(r->conn, 200, m->report, m->report_len,
		                       "text/xml; charset=UTF-8");
	}
	if (!mock_lwa_token_ok(&m->http, &m->lwa, r))
		return mock_http_json(r->conn, 403, mock_lwa_denied);
	if (mock_http_under(r, NULL, AMAZON_FEEDS_PATH "/"))
		return mock_feeds(m, r);
	if (mock_http_is(r, "GET", AMAZON_FINANCES_PATH)) {
		mock_http_lock(&m->http);
		if (m->nfin < MAX_REQ)
			snprintf(m->fin_uri[m->nfin], sizeof(m->fin_uri[0]), "%s", r->uri);
		m->nfin++;
		mock_http_unlock(&m->http);
		return mock_http_json(r->conn, 200, next == NULL && !m->fin_last ? m->fin1 : m->fin2);
	}
	if (mock_http_is(r, "GET", AMAZON_FINANCES_ORDER_PATH ORDER_US "/financialEvents")) {
		mock_http_lock(&m->http);
		if (m->nord < MAX_REQ)
			snprintf(m->ord_uri[m->nord], sizeof(m->ord_uri[0]), "%s", r->uri);
		m->nord++;
		mock_http_unlock(&m->http);
		return mock_http_json(r->conn, 200, next == NULL ? m->fin1 : empty_page);
	}
	return mock_http_json(r->conn, 400, "{\"errors\":[{\"code\":\"InvalidInput\","
	                      "\"message\":\"Bad order ID provided.\"}]}");
}

static int
mock_start(struct mock *m)
{
	memset(m, 0, sizeof(*m));
	m->lwa.form = lwa_form;
	m->fin1 = data_read("finances_refunds_page1.json", NULL);
	m->fin2 = data_read("finances_refunds_page2.json", NULL);
	if (m->fin1 == NULL || m->fin2 == NULL)
		return -1;
	return mock_http_start(&m->http, 0, mock_handler, m);
}

static void
mock_stop(struct mock *m)
{
	mock_http_stop(&m->http);
	free(m->fin1);
	free(m->fin2);
	free(m->report);
	free(m->upload);
}

/* The processing report as the mock serves it, gzip'ed when asked. */
static void
mock_set_report(struct mock *m, const char *xml, int gzip)
{
	size_t len = strlen(xml);

	free(m->report);
	m->report_gzip = gzip;
	if (gzip) {
		m->report = mock_gzip(xml, len, &m->report_len);
	} else {
		m->report = (unsigned char *)strdup(xml);
		m->report_len = len;
	}
	assert_non_null(m->report);
}

/* ---- adapter fixture ---------------------------------------------------- */

struct fx {
	struct mock m;
	struct conf *conf;
	struct http_client *http;
	void *self;
	struct sc_error err;
	struct page page;
};

static const struct mock_amazon amazon = {
	.state_dir = "/nonexistent/test_amazon_refunds",
	.client_id = CLIENT_ID, .client_secret = CLIENT_SECRET, .refresh_token = REFRESH_TOKEN,
	.marketplace_ids = "ATVPDKIKX0DER, A2EUQ1WTGCTBG2", .endpoint_tail = "/",
	.lines = "returns_reports = none\n",   /* returns: test_amazon_returns.c */
	.retries = 3, .time_scale = 1000.0, .forget_secrets = 1, .ops = &amazon_ops,
};

static int
fx_open(struct fx *f, const char *extra)
{
	return mock_amazon_open(&f->self, &f->conf, &f->http, &f->m.http, &amazon, extra, &f->err);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || mock_start(&f->m) < 0)
		return -1;
	page_init(&f->page, amazon__refund_item_free);
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

/* ---- adapter: refunds in ------------------------------------------------ */

static void
refunds_page_reads_two_pages_repeating_the_window(void **state)
{
	struct fx *f = *state;
	char v[256], before[32], want[512], cursor[2048];
	int64_t now, b = 0;

	assert_int_equal(fx_open(f, "start_date = 2026-11-01\n"), 0);
	assert_true((amazon_ops.caps & MKT_CAP_REFUNDS) != 0);
	assert_true((amazon_ops.caps & MKT_CAP_REFUND_PUSH) != 0);
	assert_int_equal(adapter_marketplace_check(&amazon_ops, &f->err), 0);
	now = time_now();
	assert_int_equal(amazon_ops.refunds_page(f->self, NULL, &f->page, &f->err), 0);
	assert_int_equal(f->m.nfin, 1);
	assert_int_equal(f->m.lwa.bad_token, 0);
	assert_int_equal(f->page.n, 2);
	assert_int_equal(f->page.nbad, 0);
	assert_int_equal(f->page.more, 1);
	/* first window: start_date to two minutes before now (scaled by the
	 * test's time_scale 1000: 0.12 s) */
	assert_int_equal(mock_http_query_count(f->m.fin_uri[0]), 3);
	assert_true(mock_http_query_value(f->m.fin_uri[0], "PostedAfter", v, sizeof(v)));
	assert_string_equal(v, "2026-11-01T00:00:00Z");
	assert_true(mock_http_query_value(f->m.fin_uri[0], "MaxResultsPerPage", v, sizeof(v)));
	assert_string_equal(v, "100");
	assert_true(mock_http_query_value(f->m.fin_uri[0], "PostedBefore", before, sizeof(before)));
	assert_int_equal(time_parse_iso8601(&b, before, strlen(before)), 0);
	assert_true(b >= now - 2 && b <= now + 2);
	snprintf(want, sizeof(want), "v1;after=2026-11-01T00:00:00Z;before=%s;"
	         "token=AbC+/d==tok1", before);
	assert_string_equal(f->page.cursor, want);
	snprintf(cursor, sizeof(cursor), "%s", f->page.cursor);
	page_free(&f->page);

	/* page 2: the same window, with the token (URL-encoded on the wire) */
	assert_int_equal(amazon_ops.refunds_page(f->self, cursor, &f->page, &f->err), 0);
	assert_int_equal(f->m.nfin, 2);
	assert_int_equal(mock_http_query_count(f->m.fin_uri[1]), 4);
	assert_non_null(strstr(f->m.fin_uri[1], "NextToken=AbC%2B%2Fd%3D%3Dtok1"));
	assert_true(mock_http_query_value(f->m.fin_uri[1], "PostedAfter", v, sizeof(v)));
	assert_string_equal(v, "2026-11-01T00:00:00Z");
	assert_true(mock_http_query_value(f->m.fin_uri[1], "PostedBefore", v, sizeof(v)));
	assert_string_equal(v, before);
	assert_int_equal(f->page.n, 1);
	assert_int_equal(f->page.nbad, 1);
	assert_int_equal(f->page.more, 0);
	snprintf(want, sizeof(want), "v1;after=%s", before);
	assert_string_equal(f->page.cursor, want);
	snprintf(cursor, sizeof(cursor), "%s", f->page.cursor);
	page_free(&f->page);

	/* the next run re-reads 48 hours (Finances may post late) */
	assert_int_equal(amazon_ops.refunds_page(f->self, cursor, &f->page, &f->err), 0);
	{
		char after[21];

		time_format_iso8601(after, b - 48 * 3600);
		assert_true(mock_http_query_value(f->m.fin_uri[2], "PostedAfter", v, sizeof(v)));
		assert_string_equal(v, after);
	}
	assert_int_equal(f->m.lwa.calls, 1);
}

static void
refunds_window_is_cut_at_180_days(void **state)
{
	struct fx *f = *state;
	char v[64];

	assert_int_equal(fx_open(f, NULL), 0);
	f->m.fin_last = 1;
	assert_int_equal(amazon_ops.refunds_page(f->self, "v1;after=2026-01-01T00:00:00Z",
	                                         &f->page, &f->err), 0);
	assert_true(mock_http_query_value(f->m.fin_uri[0], "PostedAfter", v, sizeof(v)));
	assert_string_equal(v, "2025-12-30T00:00:00Z");     /* minus 48 h */
	assert_true(mock_http_query_value(f->m.fin_uri[0], "PostedBefore", v, sizeof(v)));
	assert_string_equal(v, "2026-06-28T00:00:00Z");     /* plus 180 days */
	assert_int_equal(f->page.more, 1);                  /* go on at once */
	assert_string_equal(f->page.cursor, "v1;after=2026-06-28T00:00:00Z");
}

static void
refunds_cursor_from_elsewhere_is_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon_ops.refunds_page(f->self, "after=yesterday", &f->page,
	                                         &f->err), SC_EMALFORMED);
	assert_non_null(strstr(f->err.msg, "refunds cursor"));
	assert_int_equal(f->m.nfin, 0);
}

static void
order_refunds_reads_every_page_of_one_order(void **state)
{
	struct fx *f = *state;
	struct refund *r;

	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon_ops.order_refunds(f->self, ORDER_US, &f->page, &f->err), 0);
	assert_int_equal(f->m.nord, 2);
	assert_string_equal(f->m.ord_uri[0], AMAZON_FINANCES_ORDER_PATH ORDER_US
	                    "/financialEvents?MaxResultsPerPage=100");
	assert_string_equal(f->m.ord_uri[1], AMAZON_FINANCES_ORDER_PATH ORDER_US
	                    "/financialEvents?MaxResultsPerPage=100"
	                    "&NextToken=AbC%2B%2Fd%3D%3Dtok1");
	assert_int_equal(f->page.n, 2);
	assert_int_equal(f->page.nbad, 0);
	assert_int_equal(f->page.more, 0);
	r = f->page.items[0];
	assert_string_equal(r->id, "70011223344551");
	assert_line(&r->lines[0], &r1_lines[0]);
	page_free(&f->page);

	/* an order Amazon refuses: its words */
	assert_int_equal(amazon_ops.order_refunds(f->self, "BAD-ORDER", &f->page, &f->err),
	                 SC_EINVALID);
	assert_int_equal(f->err.http_status, 400);
	assert_string_equal(f->err.remote, "InvalidInput: Bad order ID provided.");
	assert_int_equal(f->page.n, 0);
}

/* ---- adapter: refunds out ----------------------------------------------- */

static void
refunds_push_uploads_the_feed_then_creates_it_once(void **state)
{
	struct fx *f = *state;
	struct two t;
	char sub[64];
	json_object *jo = NULL, *ids;
	const char *s = NULL;

	assert_int_equal(fx_open(f, NULL), 0);
	two_init(&t);
	assert_int_equal(amazon_ops.refunds_push(f->self, t.list, 2, sub, sizeof(sub),
	                                         &f->err), 0);
	assert_string_equal(sub, FEED_ID);
	assert_int_equal(f->m.lwa.bad_token, 0);

	/* createFeedDocument */
	assert_int_equal(f->m.ndoc, 1);
	assert_string_equal(f->m.doc_body, "{\"contentType\":\"text/xml; charset=UTF-8\"}");
	assert_string_equal(f->m.doc_ctype, "application/json");
	/* the upload: the XML, to the presigned URL as given, without the token */
	assert_int_equal(f->m.nupload, 1);
	assert_int_equal(f->m.upload_token, 0);
	assert_string_equal(f->m.upload_ctype, "text/xml; charset=UTF-8");
	assert_string_equal(f->m.upload_uri, "/s3/upload/doc1?" PRESIGN);
	assert_non_null(f->m.upload);
	check_two_refund_feed(f->m.upload, strlen(f->m.upload), "M_CONNECTOR");
	/* createFeed: once, for the first marketplace, naming the document */
	assert_int_equal(f->m.ncreate, 1);
	assert_int_equal(json_parse_buf(&jo, f->m.create_body, strlen(f->m.create_body),
	                                &f->err), 0);
	assert_int_equal(json_get_str(jo, "feedType", &s, &f->err), 1);
	assert_string_equal(s, "POST_PAYMENT_ADJUSTMENT_DATA");
	assert_int_equal(json_get_str(jo, "inputFeedDocumentId", &s, &f->err), 1);
	assert_string_equal(s, DOC_ID);
	assert_int_equal(json_get_array(jo, "marketplaceIds", &ids, &f->err), 1);
	assert_int_equal(json_object_array_length(ids), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)),
	                    "ATVPDKIKX0DER");
	json_object_put(jo);
}

static void
merchant_id_from_conf_goes_into_the_feed_header(void **state)
{
	struct fx *f = *state;
	struct two t;
	char sub[64];

	assert_int_equal(fx_open(f, "merchant_id = A2MERCHANT9\n"), 0);
	two_init(&t);
	assert_int_equal(amazon_ops.refunds_push(f->self, t.list, 2, sub, sizeof(sub),
	                                         &f->err), 0);
	check_two_refund_feed(f->m.upload, strlen(f->m.upload), "A2MERCHANT9");
	amazon_ops.close(f->self);
	f->self = NULL;
	conf_free(f->conf);
	f->conf = NULL;
	http_client_free(f->http);
	f->http = NULL;

	/* a value that is no merchant id is refused naming the key */
	assert_int_equal(fx_open(f, "merchant_id = M 1<2\n"), SC_EINVALID);
	assert_non_null(strstr(f->err.msg, "merchant_id"));
	assert_null(f->self);
}

static void
create_feed_answering_500_is_an_unknown_outcome_never_retried(void **state)
{
	struct fx *f = *state;
	struct two t;
	char sub[64] = "x";

	assert_int_equal(fx_open(f, NULL), 0);
	two_init(&t);
	f->m.create_status = 500;
	assert_int_equal(amazon_ops.refunds_push(f->self, t.list, 2, sub, sizeof(sub),
	                                         &f->err), SC_ECONFLICT);
	assert_int_equal(f->m.ncreate, 1);   /* the client must not repeat it */
	assert_string_equal(sub, "");
	assert_non_null(strstr(f->err.msg, "may have been created"));
	assert_non_null(strstr(f->err.msg, DOC_ID));
	assert_non_null(strstr(f->err.remote, "InternalFailure"));
	assert_no_secret(&f->err);

	/* a 400 is a plain refusal: nothing was created */
	f->m.create_status = 400;
	assert_int_equal(amazon_ops.refunds_push(f->self, t.list, 2, sub, sizeof(sub),
	                                         &f->err), SC_EINVALID);
	assert_int_equal(f->m.ncreate, 2);
	assert_null(strstr(f->err.msg, "may have been created"));
}

static void
a_refund_without_reason_is_refused_before_any_request(void **state)
{
	struct fx *f = *state;
	struct two t;
	char sub[64];

	assert_int_equal(fx_open(f, NULL), 0);
	two_init(&t);
	t.a.reason = NULL;
	assert_int_equal(amazon_ops.refunds_push(f->self, t.list, 2, sub, sizeof(sub),
	                                         &f->err), SC_EINVALID);
	assert_int_equal(f->m.ndoc, 0);
	assert_int_equal(f->m.nupload, 0);
	assert_int_equal(f->m.ncreate, 0);
	assert_int_equal(f->m.lwa.calls, 0);
}

static void
submission_results_waits_then_reads_the_gzip_report(void **state)
{
	struct fx *f = *state;
	struct submission_result *res = NULL;
	size_t n = 0;

	assert_int_equal(fx_open(f, NULL), 0);
	f->m.statuses[0] = "IN_QUEUE";
	f->m.statuses[1] = "IN_PROGRESS";
	f->m.statuses[2] = "DONE";
	f->m.nstatuses = 3;
	mock_set_report(&f->m, report_xml, 1);

	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n,
	                                               &f->err), 1);
	assert_null(res);
	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n,
	                                               &f->err), 1);
	assert_int_equal(f->m.nget_doc, 0);
	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n,
	                                               &f->err), 0);
	assert_int_equal(f->m.nget_feed, 3);
	assert_int_equal(f->m.nget_doc, 1);
	assert_int_equal(f->m.ndownload, 1);
	assert_int_equal(f->m.download_token, 0);
	assert_int_equal(n, 3);
	assert_int_equal(res[0].ok, 1);
	assert_int_equal(res[1].ok, 0);
	assert_string_equal(res[1].ref, "2");
	assert_non_null(strstr(res[1].err.remote, "18028: "));
	assert_int_equal(res[2].ok, 1);
	free(res);
	res = NULL;

	/* the same report not compressed */
	mock_set_report(&f->m, report_xml, 0);
	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n,
	                                               &f->err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(res[1].ok, 0);
	free(res);
}

static void
cancelled_and_fatal_feeds_are_errors_naming_the_feed(void **state)
{
	static const char whole[] =
		"<AmazonEnvelope><Message><ProcessingReport><ProcessingSummary>"
		"<MessagesProcessed>0</MessagesProcessed></ProcessingSummary><Result>"
		"<MessageID>0</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>"
		"5000</ResultMessageCode><ResultDescription>Malformed</ResultDescription>"
		"</Result></ProcessingReport></Message></AmazonEnvelope>";
	struct fx *f = *state;
	struct submission_result *res = NULL;
	size_t n = 0;

	assert_int_equal(fx_open(f, NULL), 0);
	f->m.statuses[0] = "CANCELLED";
	f->m.nstatuses = 1;
	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n,
	                                               &f->err), SC_EINVALID);
	assert_non_null(strstr(f->err.msg, FEED_ID));
	assert_non_null(strstr(f->err.msg, "cancelled"));
	assert_null(res);
	assert_int_equal(f->m.nget_doc, 0);

	/* FATAL with a report rejecting the document */
	f->m.statuses[0] = "FATAL";
	mock_set_report(&f->m, whole, 0);
	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n,
	                                               &f->err), SC_EINVALID);
	assert_non_null(strstr(f->err.msg, FEED_ID));
	assert_non_null(strstr(f->err.msg, "rejected as a whole"));
	assert_string_equal(f->err.remote, "5000: Malformed");
	assert_null(res);

	/* a feed Amazon does not know */
	assert_int_equal(amazon_ops.submission_results(f->self, "999", &res, &n, &f->err),
	                 SC_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finances_page_makes_one_refund_per_refund_event),
		cmocka_unit_test(finances_last_page_hashes_an_id_and_lists_a_bad_event),
		cmocka_unit_test(sandbox_examples_have_no_refund_events_and_keep_their_token),
		cmocka_unit_test(multi_item_event_reads_json_numbers_exactly),
		cmocka_unit_test(event_level_fee_adjustments_go_to_the_first_line),
		cmocka_unit_test(hashed_id_is_stable_and_follows_the_content),
		cmocka_unit_test(bad_events_are_malformed_with_a_reason),
		cmocka_unit_test(an_event_of_another_order_is_bad_in_an_order_answer),
		cmocka_unit_test(finances_body_shapes_that_fail_the_page),
		cmocka_unit_test(feed_for_two_refunds_has_the_documented_structure),
		cmocka_unit_test(feed_text_is_escaped_not_pasted),
		cmocka_unit_test(feed_refuses_what_amazon_cannot_take_before_anything_is_sent),
		cmocka_unit_test(report_with_an_error_and_a_warning_gives_one_rejection),
		cmocka_unit_test(report_rejecting_the_whole_document_is_an_error),
		cmocka_unit_test(report_joins_two_errors_of_one_message_and_reaches_its_highest_id),
		cmocka_unit_test(reports_that_are_not_reports_are_refused),
		cmocka_unit_test_setup_teardown(refunds_page_reads_two_pages_repeating_the_window,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(refunds_window_is_cut_at_180_days,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(refunds_cursor_from_elsewhere_is_refused,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(order_refunds_reads_every_page_of_one_order,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(refunds_push_uploads_the_feed_then_creates_it_once,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(merchant_id_from_conf_goes_into_the_feed_header,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			create_feed_answering_500_is_an_unknown_outcome_never_retried,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_refund_without_reason_is_refused_before_any_request,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(submission_results_waits_then_reads_the_gzip_report,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(cancelled_and_fatal_feeds_are_errors_naming_the_feed,
		                                fx_setup, fx_teardown),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
