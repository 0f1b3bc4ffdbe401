/* test_amazon_ship.c: shipments and cancellations made in the ERP, pushed
 * to Amazon by the amazon adapter's fulfillment_push.
 *
 * The confirmShipment body is parsed back with json-c and compared field
 * by field with ordersV0.json's ConfirmShipmentRequest (values written here
 * by hand: 1795188600 is 2026-11-20T15:30:00Z); the cancellation feed is
 * parsed back with libxml2 XPath and checked against docs/AMAZON.md §7;
 * the carrier table against the CarrierCode values. The adapter runs
 * against a libmicrohttpd mock of LWA, confirmShipment, Feeds and the
 * presigned document URLs on 127.0.0.1. */
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
#include "tests/unit/mock_http.h"
#include "tests/unit/mock_xml.h"

#define CLIENT_ID "amzn1.application-oa2-client.test"
#define CLIENT_SECRET "SECRET-cs-7f3a9b"
#define REFRESH_TOKEN "Atzr|SECRET-rt-42"
#define PRESIGN "X-Amz-Signature=SIGSECRET0123"
#define FEED_ID "50012019001"
#define DOC_ID "amzn1.tortuga.4.na.doc7"
#define REPORT_DOC "amzn1.tortuga.4.na.report7"
#define ORDER_US "113-4827193-5562047"
#define SHIP_DATE 1795188600   /* 2026-11-20T15:30:00Z */

/* ---- fixtures ----------------------------------------------------------- */

struct ship {
	struct fulfillment_line lines[2];
	struct fulfillment f;
};

/* A UPS shipment of two lines of ORDER_US. */
static void
ship_init(struct ship *s)
{
	memset(s, 0, sizeof(*s));
	s->lines[0] = (struct fulfillment_line){ "68812345670011", "SKU-RED-MUG", 2 };
	s->lines[1] = (struct fulfillment_line){ "68812345670012", "SKU-TEA-TIN", 1 };
	s->f.id = "4711";
	s->f.order_id = ORDER_US;
	s->f.cancel = 0;
	s->f.carrier = "UPS Ground";
	s->f.method = "UPS Ground";
	s->f.tracking = "1Z999AA10123456784";
	s->f.ship_date = SHIP_DATE;
	s->f.lines = s->lines;
	s->f.nlines = 2;
	s->f.channel = "ATVPDKIKX0DER";
}

/* The cancellation of one unit of the first line. */
static void
cancel_init(struct ship *s)
{
	memset(s, 0, sizeof(*s));
	s->lines[0] = (struct fulfillment_line){ "68812345670011", "SKU-RED-MUG", 1 };
	s->lines[1] = (struct fulfillment_line){ "68812345670012", "SKU-TEA-TIN", 1 };
	s->f.id = "8123";
	s->f.order_id = ORDER_US;
	s->f.cancel = 1;
	s->f.lines = s->lines;
	s->f.nlines = 1;
	s->f.channel = "ATVPDKIKX0DER";
}

static json_object *
parse_json(const char *text)
{
	json_object *jo = NULL;
	struct sc_error err;

	assert_non_null(text);
	assert_int_equal(json_parse_buf(&jo, text, strlen(text), &err), 0);
	assert_true(json_object_is_type(jo, json_type_object));
	return jo;
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v)) {
		fprintf(stderr, "no member %s\n", key);
		fail();
	}
	return v;
}

static void
assert_member_str(json_object *o, const char *key, const char *want)
{
	json_object *v = member(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

/* The object's member names, in order, joined by ','. */
static void
assert_keys(json_object *o, const char *want)
{
	char got[512] = "";
	size_t used = 0;

	json_object_object_foreach(o, k, v) {
		(void)v;
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
		                         used > 0 ? "," : "", k);
		assert_true(used < sizeof(got));
	}
	assert_string_equal(got, want);
}

static void
assert_item(json_object *items, size_t i, const char *id, int64_t qty)
{
	json_object *it = json_object_array_get_idx(items, i), *q;

	assert_non_null(it);
	assert_keys(it, "orderItemId,quantity");
	assert_member_str(it, "orderItemId", id);
	q = member(it, "quantity");
	assert_true(json_object_is_type(q, json_type_int));
	assert_int_equal(json_object_get_int64(q), qty);
}

/* The body of the UPS shipment of ship_init, as ConfirmShipmentRequest. */
static void
check_ups_body(const char *text)
{
	json_object *root = parse_json(text), *pd, *items;

	assert_keys(root, "marketplaceId,packageDetail");
	assert_member_str(root, "marketplaceId", "ATVPDKIKX0DER");
	pd = member(root, "packageDetail");
	assert_keys(pd, "packageReferenceId,carrierCode,shippingMethod,trackingNumber,"
	            "shipDate,orderItems");
	assert_member_str(pd, "packageReferenceId", "4711");
	assert_member_str(pd, "carrierCode", "UPS");
	assert_member_str(pd, "shippingMethod", "UPS Ground");
	assert_member_str(pd, "trackingNumber", "1Z999AA10123456784");
	assert_member_str(pd, "shipDate", "2026-11-20T15:30:00Z");
	items = member(pd, "orderItems");
	assert_true(json_object_is_type(items, json_type_array));
	assert_int_equal(json_object_array_length(items), 2);
	assert_item(items, 0, "68812345670011", 2);
	assert_item(items, 1, "68812345670012", 1);
	json_object_put(root);
}

/* ---- carriers ----------------------------------------------------------- */

static void
carrier_table_maps_erp_names_to_amazon_carrier_codes(void **state)
{
	static const struct {
		const char *erp, *code;
	} cases[] = {
		{ "UPS Ground", "UPS" },
		{ "ups", "UPS" },
		{ "  UPS Next Day Air", "UPS" },
		{ "UPS-2nd Day", "UPS" },
		{ "United Parcel Service", "UPS" },
		{ "UPS Mail Innovations", "UPS Mail Innovations" },
		{ "USPS Priority", "USPS" },
		{ "usps first class", "USPS" },
		{ "FedEx 2Day", "FedEx" },
		{ "FEDEX", "FedEx" },
		{ "Federal Express", "FedEx" },
		{ "FedEx SmartPost Parcel Select", "FedEx SmartPost" },
		{ "DHL Express Worldwide", "DHL" },
		{ "DHL Global Mail", "DHL Global Mail" },
		{ "OnTrac Ground", "OnTrac" },
		{ "Amazon Shipping One-Day", "Amazon Shipping" },
		{ "Royal Mail Tracked 48", "Royal Mail" },
		{ "royal   mail", "Royal Mail" },
		{ "DPD Classic", "DPD" },
		{ "Hermes", "Hermes Logistik Gruppe" },
		{ "GLS", "GLS" },
		{ "Canada Post Expedited", "Canada Post" },
		{ "Japan Post", "Japan Post" },
		{ "Yamato Transport", "YamatoTransport" },
		{ "yamato", "YamatoTransport" },
		{ "Deutsche Post Warenpost", "Deutsche Post" },
		/* no entry begins these: Other */
		{ "UPSX Freight", "Other" },
		{ "Upsilon Couriers", "Other" },
		{ "Amazon Logistics", "Other" },
		{ "Royal", "Other" },
		{ "Acme Couriers", "Other" },
		{ "", "Other" },
		{ "   ", "Other" },
		{ NULL, "Other" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = amazon__carrier_code(cases[i].erp);

		if (strcmp(got, cases[i].code) != 0) {
			fprintf(stderr, "\"%s\": got \"%s\", want \"%s\"\n",
			        cases[i].erp != NULL ? cases[i].erp : "(null)", got, cases[i].code);
			fail();
		}
	}
}

/* ---- the confirmShipment body ------------------------------------------- */

static void
ship_body_is_the_spec_confirm_shipment_request(void **state)
{
	struct ship s;
	struct sc_error err;
	char *body = NULL;

	(void)state;
	ship_init(&s);
	assert_int_equal(amazon__ship_body_build(&body, &s.f, NULL, &err), 0);
	check_ups_body(body);
	free(body);
}

static void
unknown_carrier_is_other_with_the_erp_name_and_no_method(void **state)
{
	struct ship s;
	struct sc_error err;
	json_object *root, *pd;
	char *body = NULL;

	(void)state;
	ship_init(&s);
	s.f.carrier = " Acme Couriers ";
	s.f.method = NULL;
	s.f.channel = NULL;   /* the conf's only marketplace then */
	s.f.nlines = 1;
	assert_int_equal(amazon__ship_body_build(&body, &s.f, "A2EUQ1WTGCTBG2", &err), 0);
	root = parse_json(body);
	assert_member_str(root, "marketplaceId", "A2EUQ1WTGCTBG2");
	pd = member(root, "packageDetail");
	assert_keys(pd, "packageReferenceId,carrierCode,carrierName,trackingNumber,"
	            "shipDate,orderItems");
	assert_member_str(pd, "carrierCode", "Other");
	assert_member_str(pd, "carrierName", "Acme Couriers");
	json_object_put(root);
	free(body);

	/* no carrier text: the method names it */
	ship_init(&s);
	s.f.carrier = "";
	s.f.method = "FedEx Home Delivery";
	assert_int_equal(amazon__ship_body_build(&body, &s.f, NULL, &err), 0);
	root = parse_json(body);
	pd = member(root, "packageDetail");
	assert_member_str(pd, "carrierCode", "FedEx");
	assert_member_str(pd, "shippingMethod", "FedEx Home Delivery");
	json_object_put(root);
	free(body);
}

static void
ship_body_refuses_what_amazon_cannot_take(void **state)
{
	struct ship s;
	struct sc_error err;
	char *body = NULL;
	size_t i;
	static const char *const want[] = {
		"line of SKU SKU-TEA-TIN has no Amazon order item id",
		"line of SKU SKU-RED-MUG has no positive quantity",
		"no tracking number",
		"its id is not a positive number",
		"its id is not a positive number",
		"no carrier",
		"no ship date",
		"marketplace id is not known",
		"no line to confirm",
		"no Amazon order id",
	};

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ship_init(&s);
		switch (i) {
		case 0: s.lines[1].line_id = NULL; break;
		case 1: s.lines[0].qty = 0; break;
		case 2: s.f.tracking = ""; break;
		case 3: s.f.id = "NS-IF-12"; break;
		case 4: s.f.id = "000"; break;
		case 5: s.f.carrier = NULL; s.f.method = " "; break;
		case 6: s.f.ship_date = 0; break;
		case 7: s.f.channel = ""; break;
		case 8: s.f.nlines = 0; break;
		case 9: s.f.order_id = NULL; break;
		}
		sc_error_clear(&err);
		assert_int_equal(amazon__ship_body_build(&body, &s.f, NULL, &err), SC_EINVALID);
		assert_null(body);
		if (strstr(err.msg, want[i]) == NULL) {
			fprintf(stderr, "case %zu: \"%s\" lacks \"%s\"\n", i, err.msg, want[i]);
			fail();
		}
	}
}

/* ---- the cancellation feed ---------------------------------------------- */

#define OA "/AmazonEnvelope/Message/OrderAdjustment"

/* The feed of cancel_init with both lines (2 and 1 units), reason `reason`. */
static void
check_cancel_feed(const char *xml, size_t len, const char *merchant, const char *reason)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "feed.xml", NULL, XML_PARSE_NONET);

	assert_non_null(doc);
	assert_non_null(strstr(xml, "encoding=\"UTF-8\""));
	mock_xml_assert_children(doc, "/AmazonEnvelope", "Header,MessageType,Message");
	mock_xml_assert_children(doc, "/AmazonEnvelope/Header", "DocumentVersion,MerchantIdentifier");
	mock_xml_assert(doc, "/AmazonEnvelope/Header/DocumentVersion", "1.01");
	mock_xml_assert(doc, "/AmazonEnvelope/Header/MerchantIdentifier", merchant);
	mock_xml_assert(doc, "/AmazonEnvelope/MessageType", "OrderAdjustment");
	mock_xml_assert_children(doc, "/AmazonEnvelope/Message", "MessageID,OrderAdjustment");
	mock_xml_assert(doc, "/AmazonEnvelope/Message/MessageID", "1");
	mock_xml_assert_children(doc, OA, "AmazonOrderID,ActionType,AdjustedItem,AdjustedItem");
	mock_xml_assert(doc, OA "/AmazonOrderID", ORDER_US);
	mock_xml_assert(doc, OA "/ActionType", "Cancel");
	mock_xml_assert_children(doc, OA "/AdjustedItem[1]",
	                         "AmazonOrderItemCode,AdjustmentReason,Quantity");
	mock_xml_assert(doc, OA "/AdjustedItem[1]/AmazonOrderItemCode", "68812345670011");
	mock_xml_assert(doc, OA "/AdjustedItem[1]/AdjustmentReason", reason);
	mock_xml_assert(doc, OA "/AdjustedItem[1]/Quantity", "2");
	mock_xml_assert_children(doc, OA "/AdjustedItem[2]",
	                         "AmazonOrderItemCode,AdjustmentReason,Quantity");
	mock_xml_assert(doc, OA "/AdjustedItem[2]/AmazonOrderItemCode", "68812345670012");
	mock_xml_assert(doc, OA "/AdjustedItem[2]/AdjustmentReason", reason);
	mock_xml_assert(doc, OA "/AdjustedItem[2]/Quantity", "1");
	xmlFreeDoc(doc);
}

static void
cancel_feed_has_the_documented_structure(void **state)
{
	struct ship s;
	struct sc_error err;
	char *xml = NULL;
	size_t len = 0;

	(void)state;
	cancel_init(&s);
	s.lines[0].qty = 2;
	s.f.nlines = 2;
	assert_int_equal(amazon__cancel_feed_build(&xml, &len, NULL, &s.f, "NoInventory",
	                                           &err), 0);
	assert_int_equal(strlen(xml), len);
	check_cancel_feed(xml, len, "M_CONNECTOR", "NoInventory");
	free(xml);

	/* the ERP's reason wins over the conf's */
	s.f.reason = "CustomerCancel";
	assert_int_equal(amazon__cancel_feed_build(&xml, &len, "A1MERCHANT", &s.f,
	                                           "NoInventory", &err), 0);
	check_cancel_feed(xml, len, "A1MERCHANT", "CustomerCancel");
	free(xml);
}

static void
cancel_feed_refuses_what_amazon_cannot_take(void **state)
{
	struct ship s;
	struct sc_error err;
	char *xml = NULL;
	size_t len = 0, i;
	static const char *const want[] = {
		"no Amazon order item id (AmazonOrderItemCode) on the line of SKU SKU-TEA-TIN",
		"no positive quantity on the line of SKU SKU-RED-MUG",
		"not an AdjustmentReason Amazon accepts: BecauseISaidSo",
		"not an AdjustmentReason Amazon accepts: Refund",
		"no line to cancel",
		"the order id is missing",
	};

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *conf_reason = "NoInventory";

		cancel_init(&s);
		s.f.nlines = 2;
		switch (i) {
		case 0: s.lines[1].line_id = ""; break;
		case 1: s.lines[0].qty = -1; break;
		case 2: s.f.reason = "BecauseISaidSo"; break;
		case 3: conf_reason = "Refund"; break;
		case 4: s.f.nlines = 0; break;
		case 5: s.f.order_id = "113 4827193"; break;
		}
		sc_error_clear(&err);
		assert_int_equal(amazon__cancel_feed_build(&xml, &len, NULL, &s.f, conf_reason,
		                                           &err), SC_EINVALID);
		assert_null(xml);
		if (strstr(err.msg, want[i]) == NULL || strstr(err.msg, "8123") == NULL) {
			fprintf(stderr, "case %zu: \"%s\" lacks \"%s\" or the id\n", i, err.msg,
			        want[i]);
			fail();
		}
	}
}

/* ---- the mock SP-API ---------------------------------------------------- */

static const char not_found[] = "{\"errors\":[{\"code\":\"NotFound\",\"message\":"
                                "\"Resource not found\"}]}";

struct mock {
	struct mock_http http;
	struct mock_lwa lwa;

	/* script */
	int ship_status;              /* confirmShipment answers this (0: 204) */
	const char *ship_body;        /* ... with this body */
	const char *report;           /* the processing report */

	/* record */
	int nship, ship_token;
	char ship_url[256], ship_ctype[128];
	char *ship_req;
	int ndoc, nupload, ncreate, nget_feed, nget_doc, ndownload;
	char *upload;
	char create_body[512];
};

static enum MHD_Result
mock_ship(struct mock *m, const struct mock_http_req *r)
{
	const char *ct = mock_http_header(r, "Content-Type");
	const char *tok = mock_http_header(r, "x-amz-access-token");
	int status;
	const char *body;

	mock_http_lock(&m->http);
	m->nship++;
	m->ship_token += tok != NULL && strcmp(tok, m->lwa.issued) == 0;
	snprintf(m->ship_url, sizeof(m->ship_url), "%s", r->url);
	snprintf(m->ship_ctype, sizeof(m->ship_ctype), "%s", ct != NULL ? ct : "");
	free(m->ship_req);
	m->ship_req = r->len > 0 ? strdup(r->body) : NULL;
	status = m->ship_status != 0 ? m->ship_status : 204;
	body = m->ship_body != NULL ? m->ship_body : "";
	mock_http_unlock(&m->http);
	return mock_http_reply(r->conn, (unsigned)status, body, NULL);
}

static enum MHD_Result
mock_feeds(struct mock *m, const struct mock_http_req *r)
{
	char body[512];

	if (mock_http_is(r, "POST", AMAZON_FEEDS_PATH "/documents")) {
		mock_http_lock(&m->http);
		m->ndoc++;
		mock_http_unlock(&m->http);
		snprintf(body, sizeof(body), "{\"feedDocumentId\":\"" DOC_ID "\",\"url\":"
		         "\"%s/s3/upload/doc7?" PRESIGN "\"}", m->http.base);
		return mock_http_reply(r->conn, 201, body, NULL);
	}
	if (mock_http_is(r, "POST", AMAZON_FEEDS_PATH "/feeds")) {
		mock_http_lock(&m->http);
		m->ncreate++;
		snprintf(m->create_body, sizeof(m->create_body), "%s", r->body);
		mock_http_unlock(&m->http);
		return mock_http_reply(r->conn, 202, "{\"feedId\":\"" FEED_ID "\"}", NULL);
	}
	if (mock_http_is(r, "GET", AMAZON_FEEDS_PATH "/feeds/" FEED_ID)) {
		mock_http_lock(&m->http);
		m->nget_feed++;
		mock_http_unlock(&m->http);
		return mock_http_reply(r->conn, 200, "{\"feedId\":\"" FEED_ID "\",\"feedType\":\""
		                       AMAZON_REFUND_FEED_TYPE "\",\"createdTime\":"
		                       "\"2026-11-21T10:00:00Z\",\"processingStatus\":\"DONE\","
		                       "\"resultFeedDocumentId\":\"" REPORT_DOC "\"}", NULL);
	}
	if (mock_http_is(r, "GET", AMAZON_FEEDS_PATH "/documents/" REPORT_DOC)) {
		mock_http_lock(&m->http);
		m->nget_doc++;
		mock_http_unlock(&m->http);
		snprintf(body, sizeof(body), "{\"feedDocumentId\":\"" REPORT_DOC "\",\"url\":"
		         "\"%s/s3/download/report7?" PRESIGN "\"}", m->http.base);
		return mock_http_reply(r->conn, 200, body, NULL);
	}
	return mock_http_reply(r->conn, 404, not_found, NULL);
}

static enum MHD_Result
mock_handler(void *ud, const struct mock_http_req *r)
{
	struct mock *m = ud;

	if (mock_http_is(r, "POST", MOCK_LWA_PATH))
		return mock_lwa_serve(&m->http, &m->lwa, r);
	if (mock_http_is(r, "PUT", "/s3/upload/doc7")) {
		mock_http_lock(&m->http);
		m->nupload++;
		free(m->upload);
		m->upload = r->len > 0 ? strdup(r->body) : NULL;
		mock_http_unlock(&m->http);
		return mock_http_text(r->conn, 200, "", "text/plain", NULL);
	}
	if (mock_http_is(r, "GET", "/s3/download/report7")) {
		mock_http_lock(&m->http);
		m->ndownload++;
		mock_http_unlock(&m->http);
		return mock_http_text(r->conn, 200, m->report != NULL ? m->report : "",
		                      "text/xml; charset=UTF-8", NULL);
	}
	if (!mock_lwa_token_ok(&m->http, &m->lwa, r))
		return mock_http_reply(r->conn, 403, mock_lwa_denied, NULL);
	if (mock_http_under(r, "POST", "/orders/v0/orders/"))
		return mock_ship(m, r);
	if (mock_http_under(r, NULL, AMAZON_FEEDS_PATH "/"))
		return mock_feeds(m, r);
	return mock_http_reply(r->conn, 404, not_found, NULL);
}

static int
mock_start(struct mock *m)
{
	memset(m, 0, sizeof(*m));
	return mock_http_start(&m->http, 0, mock_handler, m);
}

static void
mock_stop(struct mock *m)
{
	mock_http_stop(&m->http);
	free(m->ship_req);
	free(m->upload);
}

/* ---- adapter fixture ---------------------------------------------------- */

struct fx {
	struct mock m;
	struct conf *conf;
	struct http_client *http;
	void *self;
	struct sc_error err;
};

static const struct mock_amazon amazon = {
	.state_dir = "/nonexistent/test_amazon_ship",
	.client_id = CLIENT_ID, .client_secret = CLIENT_SECRET, .refresh_token = REFRESH_TOKEN,
	.marketplace_ids = "ATVPDKIKX0DER, A2EUQ1WTGCTBG2", .endpoint_tail = "/",
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
	sc_error_clear(&f->err);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	mock_adapter_close(&f->self, &f->conf, &f->http, amazon_ops.close);
	mock_stop(&f->m);
	free(f);
	return 0;
}

static void
assert_no_secret(const struct sc_error *err)
{
	assert_null(strstr(err->msg, "SECRET"));
	assert_null(strstr(err->remote, "SECRET"));
	assert_null(strstr(err->msg, "Atza|"));
	assert_null(strstr(err->remote, "Atza|"));
}

/* ---- adapter: the slot -------------------------------------------------- */

static void
amazon_advertises_fulfillment_push_and_the_cancel_reason_key(void **state)
{
	const struct conf_key *k;
	int found = 0;

	(void)state;
	assert_true((amazon_ops.caps & MKT_CAP_FULFILLMENT_PUSH) != 0);
	assert_non_null(amazon_ops.fulfillment_push);
	for (k = amazon_ops.conf_keys; k->name != NULL; k++) {
		if (strcmp(k->name, "cancel_reason") != 0)
			continue;
		found = 1;
		assert_string_equal(k->def, "NoInventory");
		assert_int_equal(k->flags & CONF_REQUIRED, 0);
	}
	assert_true(found);
}

static void
a_shipment_is_confirmed_with_one_post_answered_204(void **state)
{
	struct fx *f = *state;
	struct ship s;
	char sub[64] = "x";

	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(adapter_marketplace_check(&amazon_ops, &f->err), 0);
	ship_init(&s);
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err), 0);
	assert_string_equal(sub, "");
	assert_int_equal(f->m.nship, 1);
	assert_int_equal(f->m.ship_token, 1);
	assert_string_equal(f->m.ship_url, "/orders/v0/orders/" ORDER_US "/shipmentConfirmation");
	assert_string_equal(f->m.ship_ctype, "application/json");
	check_ups_body(f->m.ship_req);
	assert_int_equal(f->m.ncreate, 0);
}

static void
a_refusal_is_invalid_with_amazons_words_and_is_not_retried(void **state)
{
	struct fx *f = *state;
	struct ship s;
	char sub[64];

	assert_int_equal(fx_open(f, NULL), 0);
	f->m.ship_status = 400;
	f->m.ship_body = "{\"errors\":[{\"code\":\"InvalidInput\",\"message\":\"quantity 2 "
	                 "of orderItemId 68812345670011 exceeds the 1 unit(s) left to ship.\"}]}";
	ship_init(&s);
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_EINVALID);
	assert_int_equal(f->m.nship, 1);
	assert_int_equal(f->err.http_status, 400);
	assert_string_equal(f->err.remote, "InvalidInput: quantity 2 of orderItemId "
	                    "68812345670011 exceeds the 1 unit(s) left to ship.");
	assert_non_null(strstr(f->err.msg, "confirmShipment"));
	assert_non_null(strstr(f->err.msg, ORDER_US));
	assert_non_null(strstr(f->err.msg, "4711"));
	assert_string_equal(sub, "");
	assert_no_secret(&f->err);

	/* an unknown order */
	f->m.ship_status = 404;
	f->m.ship_body = "{\"errors\":[{\"code\":\"NotFound\",\"message\":\"Order not found\"}]}";
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_ENOTFOUND);
	assert_string_equal(f->err.remote, "NotFound: Order not found");
	assert_int_equal(f->m.nship, 2);
}

static void
throttling_and_outages_are_transient(void **state)
{
	struct fx *f = *state;
	struct ship s;
	char sub[64];

	assert_int_equal(fx_open(f, NULL), 0);
	ship_init(&s);
	/* 429 on every attempt: 1 + 3 retries, then transient */
	f->m.ship_status = 429;
	f->m.ship_body = "{\"errors\":[{\"code\":\"QuotaExceeded\",\"message\":\"You exceeded "
	                 "your quota for the requested resource.\"}]}";
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_ETRANSIENT);
	assert_int_equal(f->m.nship, 4);
	assert_int_equal(f->err.http_status, 429);
	assert_string_equal(f->err.remote, "QuotaExceeded: You exceeded your quota for the "
	                    "requested resource.");
	/* 503: refused before processing, retried too */
	f->m.nship = 0;
	f->m.ship_status = 503;
	f->m.ship_body = "{\"errors\":[{\"code\":\"ServiceUnavailable\",\"message\":\"Service "
	                 "temporarily unavailable.\"}]}";
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_ETRANSIENT);
	assert_int_equal(f->m.nship, 4);
	/* 500: may have been processed, so not sent again in this call */
	f->m.nship = 0;
	f->m.ship_status = 500;
	f->m.ship_body = "{\"errors\":[{\"code\":\"InternalFailure\",\"message\":\"We "
	                 "encountered an internal error.\"}]}";
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_ETRANSIENT);
	assert_int_equal(f->m.nship, 1);
	assert_string_equal(f->err.remote, "InternalFailure: We encountered an internal error.");
	assert_no_secret(&f->err);
}

static void
a_line_without_order_item_id_is_refused_before_any_request(void **state)
{
	struct fx *f = *state;
	struct ship s;
	char sub[64];

	assert_int_equal(fx_open(f, NULL), 0);
	ship_init(&s);
	s.lines[1].line_id = NULL;
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_EINVALID);
	assert_non_null(strstr(f->err.msg, "SKU-TEA-TIN"));
	assert_int_equal(f->m.nship, 0);
	assert_int_equal(f->m.lwa.calls, 0);

	/* the same for a cancellation: no feed */
	cancel_init(&s);
	s.lines[0].line_id = NULL;
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err),
	                 SC_EINVALID);
	assert_non_null(strstr(f->err.msg, "SKU-RED-MUG"));
	assert_int_equal(f->m.ndoc, 0);
	assert_int_equal(f->m.ncreate, 0);
}

static void
a_cancellation_is_a_feed_whose_result_names_the_fulfillment(void **state)
{
	static const char rejected[] =
		"<?xml version=\"1.0\"?><AmazonEnvelope><Message><MessageID>1</MessageID>"
		"<ProcessingReport><DocumentTransactionID>" FEED_ID "</DocumentTransactionID>"
		"<StatusCode>Complete</StatusCode><ProcessingSummary><MessagesProcessed>1"
		"</MessagesProcessed><MessagesSuccessful>0</MessagesSuccessful>"
		"<MessagesWithError>1</MessagesWithError><MessagesWithWarning>0"
		"</MessagesWithWarning></ProcessingSummary><Result><MessageID>1</MessageID>"
		"<ResultCode>Error</ResultCode><ResultMessageCode>18033</ResultMessageCode>"
		"<ResultDescription>Cannot cancel more than is unshipped.</ResultDescription>"
		"<AdditionalInfo><AmazonOrderID>" ORDER_US "</AmazonOrderID></AdditionalInfo>"
		"</Result></ProcessingReport></Message></AmazonEnvelope>";
	static const char accepted[] =
		"<?xml version=\"1.0\"?><AmazonEnvelope><Message><MessageID>1</MessageID>"
		"<ProcessingReport><ProcessingSummary><MessagesProcessed>1</MessagesProcessed>"
		"<MessagesSuccessful>1</MessagesSuccessful><MessagesWithError>0"
		"</MessagesWithError></ProcessingSummary></ProcessingReport></Message>"
		"</AmazonEnvelope>";
	struct fx *f = *state;
	struct ship s;
	struct submission_result *res = NULL;
	size_t n = 0;
	char sub[64];

	assert_int_equal(fx_open(f, "merchant_id = A1MERCHANT\ncancel_reason = CouldNotShip\n"), 0);
	cancel_init(&s);
	s.lines[0].qty = 2;
	s.f.nlines = 2;
	s.f.channel = "A2EUQ1WTGCTBG2";
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, sizeof(sub), &f->err), 0);
	assert_string_equal(sub, FEED_ID ";ref=8123");
	assert_int_equal(f->m.nship, 0);
	assert_int_equal(f->m.ndoc, 1);
	assert_int_equal(f->m.nupload, 1);
	assert_int_equal(f->m.ncreate, 1);
	check_cancel_feed(f->m.upload, strlen(f->m.upload), "A1MERCHANT", "CouldNotShip");
	{
		json_object *cb = parse_json(f->m.create_body), *mk;

		assert_member_str(cb, "feedType", "POST_PAYMENT_ADJUSTMENT_DATA");
		assert_member_str(cb, "inputFeedDocumentId", DOC_ID);
		mk = member(cb, "marketplaceIds");
		assert_int_equal(json_object_array_length(mk), 1);
		assert_string_equal(json_object_get_string(json_object_array_get_idx(mk, 0)),
		                    "A2EUQ1WTGCTBG2");
		json_object_put(cb);
	}

	/* its report: message 1 is the cancellation 8123 */
	f->m.report = rejected;
	assert_int_equal(amazon_ops.submission_results(f->self, sub, &res, &n, &f->err), 0);
	assert_int_equal(f->m.nget_feed, 1);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].ref, "8123");
	assert_int_equal(res[0].ok, 0);
	assert_string_equal(res[0].err.remote, "18033: Cannot cancel more than is unshipped.");
	free(res);
	res = NULL;
	f->m.report = accepted;
	assert_int_equal(amazon_ops.submission_results(f->self, sub, &res, &n, &f->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].ref, "8123");
	assert_int_equal(res[0].ok, 1);
	free(res);
	res = NULL;
	/* the bare feed id keeps the message numbers (refunds) */
	assert_int_equal(amazon_ops.submission_results(f->self, FEED_ID, &res, &n, &f->err), 0);
	assert_string_equal(res[0].ref, "1");
	free(res);
	res = NULL;
	assert_int_equal(amazon_ops.submission_results(f->self, ";ref=8123", &res, &n, &f->err),
	                 SC_EINVALID);
	assert_null(res);

	/* a submission buffer too small for "FEEDID;ref=ID": nothing is sent */
	assert_int_equal(amazon_ops.fulfillment_push(f->self, &s.f, sub, 20, &f->err),
	                 SC_EINVALID);
	assert_int_equal(f->m.ndoc, 1);
	assert_int_equal(f->m.ncreate, 1);
}

static void
cancel_reason_from_conf_must_be_an_adjustment_reason(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, "cancel_reason = OutOfStock\n"), SC_EINVALID);
	assert_null(f->self);
	assert_non_null(strstr(f->err.msg, "cancel_reason"));
	assert_non_null(strstr(f->err.msg, "OutOfStock"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(carrier_table_maps_erp_names_to_amazon_carrier_codes),
		cmocka_unit_test(ship_body_is_the_spec_confirm_shipment_request),
		cmocka_unit_test(unknown_carrier_is_other_with_the_erp_name_and_no_method),
		cmocka_unit_test(ship_body_refuses_what_amazon_cannot_take),
		cmocka_unit_test(cancel_feed_has_the_documented_structure),
		cmocka_unit_test(cancel_feed_refuses_what_amazon_cannot_take),
		cmocka_unit_test(amazon_advertises_fulfillment_push_and_the_cancel_reason_key),
		cmocka_unit_test_setup_teardown(a_shipment_is_confirmed_with_one_post_answered_204,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			a_refusal_is_invalid_with_amazons_words_and_is_not_retried,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(throttling_and_outages_are_transient,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			a_line_without_order_item_id_is_refused_before_any_request,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			a_cancellation_is_a_feed_whose_result_names_the_fulfillment,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(cancel_reason_from_conf_must_be_an_adjustment_reason,
		                                fx_setup, fx_teardown),
	};

	xmlInitParser();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
