/* test_amazon_returns.c: which Amazon refunds are returns.
 *
 * The returns report parser (returns.c) on texts written here in the
 * layouts of GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA and
 * GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE (the header names of public
 * connectors' fixtures; the values typed by hand), the classification of
 * refunds by (order id, SKU), the createReport body, and the adapter's
 * refunds_page / order_refunds against a libmicrohttpd mock of LWA,
 * Finances v0 and Reports 2021-06-30 on 127.0.0.1 (createReport ->
 * getReport IN_QUEUE, IN_PROGRESS, then the scripted end -> getReportDocument
 * -> the presigned download, gzip, Cp1252). Every expected value below is
 * computed by hand from those texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

#define CLIENT_ID "amzn1.application-oa2-client.test"
#define CLIENT_SECRET "SECRET-cs-returns"
#define REFRESH_TOKEN "Atzr|SECRET-rt-returns"
#define PRESIGN "X-Amz-Signature=SIGSECRET0456"

#define FBA_HEADER "return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\t" \
	"fulfillment-center-id\tdetailed-disposition\treason\tstatus\tlicense-plate-number\t" \
	"customer-comments"
#define MERCHANT_HEADER "Order ID\tOrder date\tReturn request date\tReturn request status\t" \
	"Amazon RMA ID\tMerchant RMA ID\tLabel type\tLabel cost\tCurrency code\tReturn carrier\t" \
	"Tracking ID\tLabel to be paid by\tA-to-Z Claim\tIs prime\tASIN\tMerchant SKU\tItem Name\t" \
	"Return quantity\tReturn Reason\tIn policy\tReturn type\tResolution\tInvoice number\t" \
	"Return delivery date\tOrder Amount\tOrder quantity\tSafeT Action reason\tSafeT claim id\t" \
	"SafeT claim state\tSafeT claim creation time\tSafeT claim reimbursement amount\t" \
	"Refunded Amount"

/* ---- the parser ----------------------------------------------------------- */

static void
parse_ok(struct amazon_returns *set, unsigned type, const char *text)
{
	struct sc_error err;

	sc_error_clear(&err);
	if (amazon__returns_parse(set, type, text, strlen(text), &err) != 0)
		fail_msg("parse: %s", err.msg);
}

static void
fba_columns_are_found_by_name_in_any_order(void **state)
{
	/* reordered, upper case, a BOM, CRLF, a blank line, no final newline */
	static const char text[] =
		"\xEF\xBB\xBF" "SKU\tQuantity\tOrder-Id\treason\tReturn-Date\tdetailed-disposition\tstatus\r\n"
		"MUG-1\t2\t111-0000001-0000001\tDEFECTIVE\t2026-11-09T18:00:00+00:00\tCUSTOMER_DAMAGED\t"
		"Unit returned to inventory\r\n"
		"\r\n"
		" TEA-2 \t1\t111-0000002-0000002\t\t\t\t";
	struct amazon_returns set;
	const struct amazon_return *r;

	(void)state;
	memset(&set, 0, sizeof(set));
	parse_ok(&set, AMAZON_RETURNS_FBA, text);
	assert_int_equal(set.n, 2);
	r = &set.v[0];
	assert_string_equal(r->order_id, "111-0000001-0000001");
	assert_string_equal(r->sku, "MUG-1");
	assert_int_equal(r->qty, 2);
	/* 2026-11-09T18:00:00Z: 20766 days after 1970-01-01, plus 18 h */
	assert_int_equal(r->date, 20766LL * 86400 + 18 * 3600);
	assert_string_equal(r->reason, "DEFECTIVE");
	assert_string_equal(r->detail, "CUSTOMER_DAMAGED");
	assert_string_equal(r->status, "Unit returned to inventory");
	assert_int_equal(r->type, AMAZON_RETURNS_FBA);
	assert_int_equal(r->lineno, 2);
	r = &set.v[1];
	assert_string_equal(r->sku, "TEA-2");              /* trimmed */
	assert_int_equal(r->qty, 1);
	assert_int_equal(r->date, 0);
	assert_string_equal(r->reason, "");
	assert_int_equal(r->lineno, 4);
	amazon__returns_free(&set);
	assert_int_equal(set.n, 0);
}

static void
merchant_report_reads_its_own_column_names(void **state)
{
	/* the 32 columns; values only where this report has them */
	static const char text[] =
		MERCHANT_HEADER "\n"
		"112-0000003-0000003\t2026-11-01T10:00:00+00:00\t2026-11-12T08:00:00+00:00\tApproved\t"
		"DkXyz\t\t\t\t\t\t\t\tN\tN\tB000TEST\tSKU-C\tA cup\t3\tCR-UNWANTED_ITEM\tY\tC-Returns\t"
		"StandardRefund\t\t\t\t\t\t\t\t\t\t\n";
	struct amazon_returns set;

	(void)state;
	memset(&set, 0, sizeof(set));
	parse_ok(&set, AMAZON_RETURNS_MERCHANT, text);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.v[0].order_id, "112-0000003-0000003");
	assert_string_equal(set.v[0].sku, "SKU-C");
	assert_int_equal(set.v[0].qty, 3);
	assert_string_equal(set.v[0].reason, "CR-UNWANTED_ITEM");
	assert_string_equal(set.v[0].detail, "StandardRefund");
	assert_string_equal(set.v[0].status, "Approved");
	/* 2026-11-12T08:00:00Z: 20769 days, plus 8 h */
	assert_int_equal(set.v[0].date, 20769LL * 86400 + 8 * 3600);
	assert_int_equal(set.v[0].type, AMAZON_RETURNS_MERCHANT);
	/* the FBA names are not the merchant report's */
	amazon__returns_free(&set);
	{
		struct sc_error err;

		assert_int_equal(amazon__returns_parse(&set, AMAZON_RETURNS_FBA, text, strlen(text),
		                                       &err), SC_EMALFORMED);
		assert_string_equal(err.msg, "line 1: the header has no `order-id` column (a "
		                    AMAZON_RETURNS_FBA_TYPE " report needs order-id, sku, quantity "
		                    "and return-date)");
	}
}

static void
broken_reports_name_the_line_and_the_column(void **state)
{
	static const struct {
		unsigned type;
		const char *text;
		const char *msg;
	} cases[] = {
		{ AMAZON_RETURNS_FBA, "order-id\tsku\treturn-date\nO1\tS1\t2026-11-01\n",
		  "line 1: the header has no `quantity` column (a " AMAZON_RETURNS_FBA_TYPE
		  " report needs order-id, sku, quantity and return-date)" },
		{ AMAZON_RETURNS_MERCHANT, "Order ID\tReturn quantity\tReturn request date\nO\t1\t\n",
		  "line 1: the header has no `Merchant SKU` column (a " AMAZON_RETURNS_MERCHANT_TYPE
		  " report needs Order ID, Merchant SKU, Return quantity and Return request date)" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nO1\tS1\t1\t\nO2\tS2\ttwo\t\n",
		  "line 3: column `quantity`: `two` is not a whole number of units" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nO1\tS1\t-1\t\n",
		  "line 2: column `quantity`: `-1` is not a whole number of units" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nO1\tS1\t\t\n",
		  "line 2: column `quantity`: `` is not a whole number of units" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nO1\tS1\t1\t31/31/2026\n",
		  "line 2: column `return-date`: `31/31/2026` is not a date" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\n\tS1\t1\t\n",
		  "line 2: no `order-id` value" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nO9\t \t1\t\n",
		  "line 2: no `sku` value (order O9)" },
		{ AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nO1\tS1\t1\t\tx\n",
		  "line 2: 5 fields, the header has 4 (a tab inside a value?)" },
		{ AMAZON_RETURNS_FBA, "", "line 1: no header (an empty " AMAZON_RETURNS_FBA_TYPE
		  " report)" },
		{ AMAZON_RETURNS_FBA, "\n \n", "line 1: no header (an empty " AMAZON_RETURNS_FBA_TYPE
		  " report)" },
	};
	struct amazon_returns set;
	struct sc_error err;
	size_t i;

	(void)state;
	memset(&set, 0, sizeof(set));
	/* rows read before a failure are dropped: the set stays as it was */
	parse_ok(&set, AMAZON_RETURNS_FBA, "order-id\tsku\tquantity\treturn-date\nKEEP\tS\t1\t\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_error_clear(&err);
		assert_int_equal(amazon__returns_parse(&set, cases[i].type, cases[i].text,
		                                       strlen(cases[i].text), &err), SC_EMALFORMED);
		if (strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("case %zu: got \"%s\"", i, err.msg);
		assert_int_equal(set.n, 1);
		assert_string_equal(set.v[0].order_id, "KEEP");
	}
	/* a NUL byte in the text */
	assert_int_equal(amazon__returns_parse(&set, AMAZON_RETURNS_FBA,
	                                       "order-id\tsku\tquantity\treturn-date\nO\0\tS\t1\t\n",
	                                       36, &err), SC_EMALFORMED);
	assert_string_equal(err.msg, "line 2: a NUL byte");
	assert_int_equal(set.n, 1);
	amazon__returns_free(&set);
}

/* ---- classification -------------------------------------------------------- */

static struct refund *
refund_new(const char *order, const char *sku1, const char *sku2)
{
	struct refund *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->id = strdup("ADJ1");
	r->order_id = strdup(order);
	r->kind = REFUND_KIND_REFUND;
	r->nlines = sku2 != NULL ? 2 : 1;
	r->lines = calloc(r->nlines, sizeof(r->lines[0]));
	assert_non_null(r->lines);
	r->lines[0].sku = strdup(sku1);
	if (sku2 != NULL)
		r->lines[1].sku = strdup(sku2);
	return r;
}

static void
a_refund_is_a_return_when_its_order_and_sku_came_back(void **state)
{
	static const char text[] =
		"order-id\tsku\tquantity\treturn-date\treason\n"
		"111-A\tMUG\t1\t\tDEFECTIVE\n"
		"111-B\tOTHER\t1\t\tUNWANTED_ITEM\n"
		"111-Z\tTEA\t1\t\tDAMAGED_BY_FC\n";
	struct amazon_returns set;
	const struct amazon_return *hit = NULL;
	struct sc_error err;
	struct refund *r;

	(void)state;
	memset(&set, 0, sizeof(set));
	parse_ok(&set, AMAZON_RETURNS_FBA, text);

	r = refund_new("111-A", "MUG", NULL);              /* order and SKU returned */
	assert_int_equal(amazon__returns_classify(&set, r, &hit, &err), 1);
	assert_int_equal(r->kind, REFUND_KIND_RETURN);
	assert_string_equal(r->reason, "CustomerReturn");
	assert_non_null(hit);
	assert_string_equal(hit->reason, "DEFECTIVE");
	refund_free(r);

	r = refund_new("111-B", "MUG", "TEA");             /* the order, not those SKUs */
	assert_int_equal(amazon__returns_classify(&set, r, &hit, &err), 0);
	assert_int_equal(r->kind, REFUND_KIND_REFUND);
	assert_null(r->reason);
	assert_null(hit);
	refund_free(r);

	r = refund_new("111-Z", "MUG", "TEA");             /* the second line came back */
	assert_int_equal(amazon__returns_classify(&set, r, &hit, &err), 1);
	assert_int_equal(r->kind, REFUND_KIND_RETURN);
	assert_string_equal(hit->reason, "DAMAGED_BY_FC");
	refund_free(r);

	r = refund_new("111-C", "MUG", NULL);              /* that SKU, another order */
	assert_int_equal(amazon__returns_classify(&set, r, NULL, &err), 0);
	assert_int_equal(r->kind, REFUND_KIND_REFUND);
	refund_free(r);

	r = refund_new("111-a", "MUG", NULL);              /* ids compare exactly */
	assert_int_equal(amazon__returns_classify(&set, r, NULL, &err), 0);
	refund_free(r);

	r = refund_new("111-A", "MUG", NULL);              /* only plain refunds move */
	r->kind = REFUND_KIND_CANCELLATION;
	assert_int_equal(amazon__returns_classify(&set, r, NULL, &err), 0);
	assert_int_equal(r->kind, REFUND_KIND_CANCELLATION);
	assert_null(r->reason);
	refund_free(r);

	/* an empty set classifies nothing */
	amazon__returns_free(&set);
	r = refund_new("111-A", "MUG", NULL);
	assert_int_equal(amazon__returns_classify(&set, r, NULL, &err), 0);
	refund_free(r);
}

static void
create_report_body_names_the_type_every_marketplace_and_the_range(void **state)
{
	struct amazon a;
	char ids[] = "ATVPDKIKX0DER,A2EUQ1WTGCTBG2";
	char *body = NULL;
	struct sc_error err;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.marketplace_ids = ids;
	/* 2026-10-11T10:00:00Z = 20737 days + 10 h; 2026-11-22T08:30:00Z = 20779 days + 8.5 h */
	assert_int_equal(amazon__returns_request_body(&body, &a, AMAZON_RETURNS_FBA,
	                                              20737LL * 86400 + 36000,
	                                              20779LL * 86400 + 30600, &err), 0);
	assert_string_equal(body, "{\"reportType\":\"GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA\","
	                    "\"marketplaceIds\":[\"ATVPDKIKX0DER\",\"A2EUQ1WTGCTBG2\"],"
	                    "\"dataStartTime\":\"2026-10-11T10:00:00Z\","
	                    "\"dataEndTime\":\"2026-11-22T08:30:00Z\"}");
	free(body);
	ids[13] = '\0';
	assert_int_equal(amazon__returns_request_body(&body, &a, AMAZON_RETURNS_MERCHANT, 0, 0,
	                                              &err), 0);
	assert_string_equal(body, "{\"reportType\":\"GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE\","
	                    "\"marketplaceIds\":[\"ATVPDKIKX0DER\"],"
	                    "\"dataStartTime\":\"1970-01-01T00:00:00Z\","
	                    "\"dataEndTime\":\"1970-01-01T00:00:00Z\"}");
	free(body);
}

/* ---- the mock SP-API --------------------------------------------------------- */

#define MAX_REP 8

/* Three refunds: 111-...1 (SKU KÖLN-1, returned to Amazon), 111-...2
 * (SKU-B: its order returned another SKU, another order returned SKU-B),
 * 111-...3 (second line SKU-C returned to the seller). */
static const char fin_page[] =
	"{\"payload\":{\"FinancialEvents\":{\"RefundEventList\":["
	"{\"AmazonOrderId\":\"111-0000001-0000001\",\"PostedDate\":\"2026-11-10T10:00:00Z\","
	"\"ShipmentItemAdjustmentList\":[{\"SellerSKU\":\"K\xc3\x96LN-1\",\"OrderItemId\":\"11\","
	"\"OrderAdjustmentItemId\":\"90000000000001\",\"QuantityShipped\":1,"
	"\"ItemChargeAdjustmentList\":[{\"ChargeType\":\"Principal\",\"ChargeAmount\":"
	"{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-10.00}}]}]},"
	"{\"AmazonOrderId\":\"111-0000002-0000002\",\"PostedDate\":\"2026-11-12T00:00:00Z\","
	"\"ShipmentItemAdjustmentList\":[{\"SellerSKU\":\"SKU-B\",\"OrderItemId\":\"21\","
	"\"OrderAdjustmentItemId\":\"90000000000002\",\"QuantityShipped\":1,"
	"\"ItemChargeAdjustmentList\":[{\"ChargeType\":\"Principal\",\"ChargeAmount\":"
	"{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-5.00}}]}]},"
	"{\"AmazonOrderId\":\"111-0000003-0000003\",\"PostedDate\":\"2026-11-13T00:00:00Z\","
	"\"ShipmentItemAdjustmentList\":[{\"SellerSKU\":\"SKU-X\",\"OrderItemId\":\"31\","
	"\"OrderAdjustmentItemId\":\"90000000000003\",\"QuantityShipped\":1,"
	"\"ItemChargeAdjustmentList\":[{\"ChargeType\":\"Principal\",\"ChargeAmount\":"
	"{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-1.00}}]},"
	"{\"SellerSKU\":\"SKU-C\",\"OrderItemId\":\"32\",\"QuantityShipped\":1,"
	"\"ItemChargeAdjustmentList\":[{\"ChargeType\":\"Principal\",\"ChargeAmount\":"
	"{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-2.00}}]}]}]}}}";

/* One refund of an old order (posted 2026-08-01), for order_refunds. */
static const char fin_old[] =
	"{\"payload\":{\"FinancialEvents\":{\"RefundEventList\":["
	"{\"AmazonOrderId\":\"111-0000009-0000009\",\"PostedDate\":\"2026-08-01T00:00:00Z\","
	"\"ShipmentItemAdjustmentList\":[{\"SellerSKU\":\"OLD-1\",\"OrderItemId\":\"91\","
	"\"OrderAdjustmentItemId\":\"90000000000009\",\"QuantityShipped\":1,"
	"\"ItemChargeAdjustmentList\":[{\"ChargeType\":\"Principal\",\"ChargeAmount\":"
	"{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-3.00}}]}]}]}}}";

/* The FBA report in Cp1252: Ö is the byte D6. */
static const char fba_doc[] =
	FBA_HEADER "\r\n"
	"2026-11-09T18:00:00+00:00\t111-0000001-0000001\tK\xd6LN-1\tB0TEST\tX0TEST\tK\xf6lner Becher\t"
	"1\tPHX7\tDEFECTIVE\tDEFECTIVE\tUnit returned to inventory\tLPNRR1\t\r\n"
	"2026-11-11T18:00:00+00:00\t111-0000002-0000002\tSKU-OTHER\tB0\tX0\tx\t1\tPHX7\tSELLABLE\t"
	"UNWANTED_ITEM\tUnit returned to inventory\tLPNRR2\t\r\n"
	"2026-11-11T19:00:00+00:00\t111-9999999-0000009\tSKU-B\tB0\tX0\tx\t1\tPHX7\tSELLABLE\t"
	"UNWANTED_ITEM\tUnit returned to inventory\tLPNRR3\t\r\n"
	"2026-08-05T00:00:00+00:00\t111-0000009-0000009\tOLD-1\tB0\tX0\tx\t1\tPHX7\tSELLABLE\t"
	"NOT_AS_DESCRIBED\tReimbursed\tLPNRR4\t\r\n";

static const char merchant_doc[] =
	MERCHANT_HEADER "\n"
	"111-0000003-0000003\t\t2026-11-12T08:00:00+00:00\tApproved\tDk1\t\t\t\t\t\t\t\tN\tN\tB0\t"
	"SKU-C\tCup\t1\tCR-UNWANTED_ITEM\tY\tC-Returns\tStandardRefund\t\t\t\t\t\t\t\t\t\t\n";

enum end { END_DONE = 0, END_CANCELLED, END_FATAL, END_STUCK, END_EMPTY };

struct rep {
	int fba;
	int polls;
};

struct mock {
	struct mock_http http;
	struct mock_lwa lwa;
	/* script */
	enum end end_fba, end_merchant;
	int gzip;                     /* documents are gzip (GZIP said) */
	int create_status;            /* createReport answers this (0: 202) */
	const char *order_body;       /* listFinancialEventsByOrderId's answer */
	/* record */
	int nfin, nord, ncreate, nget, ndoc, ndownload, download_token;
	char create_body[MAX_REP][512];
	struct rep reps[MAX_REP];
};

static enum MHD_Result
mock_reports(struct mock *m, const struct mock_http_req *r)
{
	char body[512];
	int i;

	if (mock_http_is(r, "POST", AMAZON_REPORTS_PATH "/reports")) {
		mock_http_lock(&m->http);
		i = m->ncreate++;
		if (i < MAX_REP) {
			snprintf(m->create_body[i], sizeof(m->create_body[i]), "%s", r->body);
			m->reps[i].fba = strstr(r->body, AMAZON_RETURNS_FBA_TYPE) != NULL;
		}
		mock_http_unlock(&m->http);
		if (m->create_status != 0)
			return mock_http_json(r->conn, (unsigned)m->create_status, "{\"errors\":[{\"code\":"
			                      "\"InvalidInput\",\"message\":\"Report type not available "
			                      "for this seller.\"}]}");
		snprintf(body, sizeof(body), "{\"reportId\":\"R%d\"}", i + 1);
		return mock_http_json(r->conn, 202, body);
	}
	if (mock_http_under(r, "GET", AMAZON_REPORTS_PATH "/reports/R")) {
		static const char *const names[] = { "DONE", "CANCELLED", "FATAL", "IN_PROGRESS",
		                                     "DONE" };
		const char *status;
		enum end e;
		int polls, with_doc;

		i = (int)strtol(r->url + strlen(AMAZON_REPORTS_PATH) + 10, NULL, 10) - 1;
		if (i < 0 || i >= MAX_REP)
			return mock_http_json(r->conn, 404, "{\"errors\":[{\"code\":\"NotFound\","
			                      "\"message\":\"no\"}]}");
		mock_http_lock(&m->http);
		m->nget++;
		polls = ++m->reps[i].polls;
		e = m->reps[i].fba ? m->end_fba : m->end_merchant;
		mock_http_unlock(&m->http);
		if (polls <= 2 || e == END_STUCK)
			status = polls == 1 ? "IN_QUEUE" : "IN_PROGRESS";
		else
			status = names[e];
		with_doc = polls > 2 && (e == END_DONE || e == END_EMPTY);
		snprintf(body, sizeof(body), "{\"reportId\":\"R%d\",\"reportType\":\"%s\","
		         "\"createdTime\":\"2026-11-22T08:00:00Z\",\"processingStatus\":\"%s\"",
		         i + 1, m->reps[i].fba ? AMAZON_RETURNS_FBA_TYPE : AMAZON_RETURNS_MERCHANT_TYPE,
		         status);
		if (with_doc)
			snprintf(body + strlen(body), sizeof(body) - strlen(body),
			         ",\"reportDocumentId\":\"amzn1.doc.D%d\"", i + 1);
		snprintf(body + strlen(body), sizeof(body) - strlen(body), "}");
		return mock_http_json(r->conn, 200, body);
	}
	if (mock_http_under(r, "GET", AMAZON_REPORTS_PATH "/documents/amzn1.doc.D")) {
		i = (int)strtol(r->url + strlen(AMAZON_REPORTS_PATH) + 22, NULL, 10);
		mock_http_lock(&m->http);
		m->ndoc++;
		mock_http_unlock(&m->http);
		snprintf(body, sizeof(body), "{\"reportDocumentId\":\"amzn1.doc.D%d\",\"url\":"
		         "\"%s/s3/D%d?" PRESIGN "\"%s}", i, m->http.base, i,
		         m->gzip ? ",\"compressionAlgorithm\":\"GZIP\"" : "");
		return mock_http_json(r->conn, 200, body);
	}
	return mock_http_json(r->conn, 404, "{\"errors\":[{\"code\":\"NotFound\",\"message\":\"no\"}]}");
}

/* The presigned URL of report document i+1 (no token expected): the report's
 * text, gzip'ed when the script says so. */
static enum MHD_Result
mock_download(struct mock *m, const struct mock_http_req *r)
{
	int i = (int)strtol(r->url + 5, NULL, 10) - 1, fba;
	const char *text;
	unsigned char *gz;
	size_t n = 0;
	enum MHD_Result ret;

	mock_http_lock(&m->http);
	m->ndownload++;
	m->download_token += mock_http_header(r, "x-amz-access-token") != NULL;
	fba = i >= 0 && i < MAX_REP && m->reps[i].fba;
	text = fba ? fba_doc : merchant_doc;
	if ((fba ? m->end_fba : m->end_merchant) == END_EMPTY)
		text = fba ? FBA_HEADER "\r\n" : MERCHANT_HEADER "\n";
	mock_http_unlock(&m->http);
	if (!m->gzip)
		return mock_http_bytes(r->conn, 200, text, strlen(text), "text/plain; charset=Cp1252");
	gz = mock_gzip(text, strlen(text), &n);
	ret = mock_http_bytes(r->conn, 200, gz != NULL ? gz : (const void *)"", gz != NULL ? n : 0,
	                      "text/plain; charset=Cp1252");
	free(gz);
	return ret;
}

static enum MHD_Result
mock_handler(void *ud, const struct mock_http_req *r)
{
	struct mock *m = ud;

	if (mock_http_is(r, "POST", MOCK_LWA_PATH))
		return mock_lwa_serve(&m->http, &m->lwa, r);
	if (mock_http_under(r, "GET", "/s3/D"))
		return mock_download(m, r);
	if (!mock_lwa_token_ok(&m->http, &m->lwa, r))
		return mock_http_json(r->conn, 403, mock_lwa_denied);
	if (mock_http_under(r, NULL, AMAZON_REPORTS_PATH "/"))
		return mock_reports(m, r);
	if (mock_http_is(r, "GET", AMAZON_FINANCES_PATH)) {
		mock_http_lock(&m->http);
		m->nfin++;
		mock_http_unlock(&m->http);
		return mock_http_json(r->conn, 200, fin_page);
	}
	if (mock_http_under(r, "GET", AMAZON_FINANCES_ORDER_PATH)) {
		mock_http_lock(&m->http);
		m->nord++;
		mock_http_unlock(&m->http);
		return mock_http_json(r->conn, 200, m->order_body != NULL ? m->order_body : fin_old);
	}
	return mock_http_json(r->conn, 400,
	                      "{\"errors\":[{\"code\":\"InvalidInput\",\"message\":\"?\"}]}");
}

static int
mock_start(struct mock *m)
{
	memset(m, 0, sizeof(*m));
	m->gzip = 1;
	m->lwa.fixed = "Atza|mock-returns-token";
	return mock_http_start(&m->http, 0, mock_handler, m);
}

static void
mock_stop(struct mock *m)
{
	mock_http_stop(&m->http);
}

/* ---- the adapter ---------------------------------------------------------------- */

struct fx {
	struct mock m;
	struct conf *conf;
	struct http_client *http;
	void *self;
	struct sc_error err;
	struct page page;
};

static const struct mock_amazon amazon = {
	.state_dir = "/nonexistent/test_amazon_returns",
	.client_id = CLIENT_ID, .client_secret = CLIENT_SECRET, .refresh_token = REFRESH_TOKEN,
	.marketplace_ids = "ATVPDKIKX0DER, A2EUQ1WTGCTBG2", .endpoint_tail = "",
	.retries = 2, .time_scale = 1000.0, .ops = &amazon_ops,
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

static const struct refund *
item(const struct fx *f, size_t i)
{
	assert_true(i < f->page.n);
	return f->page.items[i];
}

/* The createReport body i as JSON, checked field by field. */
static void
assert_create_body(const struct fx *f, int i, const char *type, const char *start)
{
	json_object *jo = NULL, *mp = NULL;
	const char *s = NULL;
	struct sc_error err;
	int64_t end = 0, now = time_now();

	assert_int_equal(json_parse_buf(&jo, f->m.create_body[i], strlen(f->m.create_body[i]),
	                                &err), 0);
	assert_int_equal(json_get_str(jo, "reportType", &s, &err), 1);
	assert_string_equal(s, type);
	assert_int_equal(json_get_array(jo, "marketplaceIds", &mp, &err), 1);
	assert_int_equal(json_object_array_length(mp), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(mp, 0)),
	                    "ATVPDKIKX0DER");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(mp, 1)),
	                    "A2EUQ1WTGCTBG2");
	assert_int_equal(json_get_str(jo, "dataStartTime", &s, &err), 1);
	assert_string_equal(s, start);
	assert_int_equal(json_get_str(jo, "dataEndTime", &s, &err), 1);
	assert_int_equal(time_parse_iso8601(&end, s, strlen(s)), 0);
	/* now less the 2-minute lag (scaled by 1000: 0.12 s), never ahead */
	assert_true(end <= now && end >= now - 5);
	assert_int_equal(json_object_object_length(jo), 4);
	json_object_put(jo);
}

static void
refunds_page_marks_the_refunds_whose_goods_came_back(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/test_amazon_returns_logXXXXXX", logtext[8192];
	const struct refund *r;
	ssize_t n;
	int fd;

	assert_int_equal(fx_open(f, NULL), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);                     /* read back through fd only */
	log_set_level(LOG_INFO);
	log_set_fd(fd);
	assert_int_equal(amazon_ops.refunds_page(f->self, "v1;after=2026-11-15T00:00:00Z", &f->page,
	                                         &f->err), 0);
	log_set_fd(2);
	log_set_level(LOG_ERROR);
	assert_int_equal(f->page.n, 3);
	assert_int_equal(f->page.nbad, 0);

	r = item(f, 0);            /* KÖLN-1: in the FBA report (Cp1252 D6 = Ö) */
	assert_string_equal(r->order_id, "111-0000001-0000001");
	assert_int_equal(r->kind, REFUND_KIND_RETURN);
	assert_string_equal(r->reason, "CustomerReturn");
	r = item(f, 1);            /* SKU-B: its order returned another SKU */
	assert_int_equal(r->kind, REFUND_KIND_REFUND);
	assert_null(r->reason);
	r = item(f, 2);            /* the second line SKU-C, in the merchant report */
	assert_int_equal(r->kind, REFUND_KIND_RETURN);
	assert_string_equal(r->reason, "CustomerReturn");

	/* one report of each type, for 30 days before the oldest refund
	 * (2026-11-10T10:00:00Z) to now */
	assert_int_equal(f->m.ncreate, 2);
	assert_create_body(f, 0, AMAZON_RETURNS_FBA_TYPE, "2026-10-11T10:00:00Z");
	assert_create_body(f, 1, AMAZON_RETURNS_MERCHANT_TYPE, "2026-10-11T10:00:00Z");
	assert_int_equal(f->m.reps[0].polls, 3);    /* IN_QUEUE, IN_PROGRESS, DONE */
	assert_int_equal(f->m.ndoc, 2);
	assert_int_equal(f->m.ndownload, 2);
	assert_int_equal(f->m.download_token, 0);   /* the presigned URL never sees it */
	assert_int_equal(f->m.lwa.bad_token, 0);

	/* Amazon's own return reason stays visible in the log */
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	n = read(fd, logtext, sizeof(logtext) - 1);
	assert_true(n > 0);
	logtext[n] = '\0';
	close(fd);
	assert_non_null(strstr(logtext, "amazon.refund.returned order_id=111-0000001-0000001 "
	                        "refund_id=90000000000001 sku=K\xc3\x96LN-1 report=fba "
	                        "return_reason=DEFECTIVE return_detail=DEFECTIVE"));
	assert_non_null(strstr(logtext, "order_id=111-0000003-0000003 refund_id=90000000000003 "
	                        "sku=SKU-C report=merchant return_reason=CR-UNWANTED_ITEM "
	                        "return_detail=StandardRefund return_status=Approved"));
	assert_null(strstr(logtext, "order_id=111-0000002-0000002 refund_id"));
	assert_null(strstr(logtext, PRESIGN));
	page_free(&f->page);

	/* the next page of the run: the same reports, nothing asked again */
	assert_int_equal(amazon_ops.refunds_page(f->self, "v1;after=2026-11-15T00:00:00Z", &f->page,
	                                         &f->err), 0);
	assert_int_equal(f->m.ncreate, 2);
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_RETURN);
	page_free(&f->page);

	/* a replayed order posted before that range: asked again, from 30 days
	 * before 2026-08-01 (2026-07-02) */
	assert_int_equal(amazon_ops.order_refunds(f->self, "111-0000009-0000009", &f->page,
	                                          &f->err), 0);
	assert_int_equal(f->page.n, 1);
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_RETURN);
	assert_int_equal(f->m.ncreate, 4);
	assert_create_body(f, 2, AMAZON_RETURNS_FBA_TYPE, "2026-07-02T00:00:00Z");
	assert_create_body(f, 3, AMAZON_RETURNS_MERCHANT_TYPE, "2026-07-02T00:00:00Z");
}

static void
plain_documents_and_empty_or_cancelled_reports_mean_no_returns(void **state)
{
	struct fx *f = *state;

	f->m.gzip = 0;                          /* no compressionAlgorithm */
	f->m.end_fba = END_CANCELLED;           /* "no data to return" */
	f->m.end_merchant = END_EMPTY;          /* DONE, the header alone */
	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon_ops.refunds_page(f->self, NULL, &f->page, &f->err), 0);
	assert_int_equal(f->page.n, 3);
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_REFUND);
	assert_null(item(f, 0)->reason);
	assert_int_equal(item(f, 2)->kind, REFUND_KIND_REFUND);
	assert_int_equal(f->m.ncreate, 2);
	assert_int_equal(f->m.ndoc, 1);         /* the DONE one only */
	page_free(&f->page);

	/* the same texts uncompressed classify as before */
	f->m.end_fba = END_DONE;
	f->m.end_merchant = END_DONE;
	assert_int_equal(amazon_ops.order_refunds(f->self, "111-0000009-0000009", &f->page,
	                                          &f->err), 0);
	/* posted 2026-08-01, outside the range: asked again */
	assert_int_equal(f->m.ncreate, 4);
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_RETURN);
}

static void
a_fatal_returns_report_fails_the_page_and_keeps_the_refunds_waiting(void **state)
{
	struct fx *f = *state;

	f->m.end_fba = END_FATAL;
	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon_ops.refunds_page(f->self, "v1;after=2026-11-15T00:00:00Z", &f->page,
	                                         &f->err), SC_ETRANSIENT);
	assert_string_equal(f->err.msg, "amazon returns report R1 (" AMAZON_RETURNS_FBA_TYPE
	                    "): Amazon could not make it (processingStatus FATAL); the refunds "
	                    "read wait for the returns reports (read again next run), so that "
	                    "none whose goods came back is booked as a plain refund "
	                    "(returns_reports says which reports to read)");
	assert_int_equal(f->page.n, 0);          /* nothing to commit: the cursor stays */
	assert_string_equal(f->page.cursor, "");
	assert_int_equal(f->page.more, 0);
	page_free(&f->page);

	/* the next try (a later run) asks again and goes through */
	f->m.end_fba = END_DONE;
	assert_int_equal(amazon_ops.refunds_page(f->self, "v1;after=2026-11-15T00:00:00Z", &f->page,
	                                         &f->err), 0);
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_RETURN);
}

static void
a_refused_create_report_fails_the_page_with_amazons_words(void **state)
{
	struct fx *f = *state;

	f->m.create_status = 400;
	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon_ops.order_refunds(f->self, "111-0000009-0000009", &f->page,
	                                          &f->err), SC_EINVALID);
	assert_int_equal(f->err.http_status, 400);
	assert_string_equal(f->err.remote, "InvalidInput: Report type not available for this "
	                    "seller.");
	assert_non_null(strstr(f->err.msg, "amazon returns report " AMAZON_RETURNS_FBA_TYPE
	                       ": amazon createReport: HTTP 400; the refunds read wait"));
	assert_int_equal(f->page.n, 0);
	assert_int_equal(f->m.ncreate, 1);       /* the merchant one was not asked */
}

static void
a_report_never_done_is_a_transient_failure(void **state)
{
	struct fx *f = *state;

	f->m.end_merchant = END_STUCK;
	assert_int_equal(fx_open(f, "returns_reports = merchant\n"), 0);
	/* 15 min scaled by 1000: 0.9 s of polling */
	assert_int_equal(amazon_ops.refunds_page(f->self, NULL, &f->page, &f->err), SC_ETRANSIENT);
	assert_non_null(strstr(f->err.msg, "amazon returns report R1 (" AMAZON_RETURNS_MERCHANT_TYPE
	                       "): still IN_PROGRESS after 0.9 s; the refunds read wait"));
	assert_int_equal(f->m.ncreate, 1);
	assert_true(f->m.nget > 3);
	assert_int_equal(f->page.n, 0);
}

static void
returns_reports_conf_chooses_the_reports(void **state)
{
	struct fx *f = *state;
	const struct conf_key *k;
	int seen = 0;

	for (k = amazon_ops.conf_keys; k->name != NULL; k++)
		if (strcmp(k->name, "returns_reports") == 0) {
			seen = 1;
			assert_string_equal(k->def, "fba, merchant");
		}
	assert_true(seen);
	assert_int_equal(fx_open(f, "returns_reports = fba\n"), 0);
	assert_int_equal(amazon_ops.refunds_page(f->self, NULL, &f->page, &f->err), 0);
	assert_int_equal(f->m.ncreate, 1);
	assert_create_body(f, 0, AMAZON_RETURNS_FBA_TYPE, "2026-10-11T10:00:00Z");
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_RETURN);
	assert_int_equal(item(f, 2)->kind, REFUND_KIND_REFUND);   /* merchant not read */
}

static void
returns_reports_none_asks_for_nothing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_open(f, "returns_reports = none\n"), 0);
	assert_int_equal(amazon_ops.refunds_page(f->self, NULL, &f->page, &f->err), 0);
	assert_int_equal(f->page.n, 3);
	assert_int_equal(f->m.ncreate, 0);
	assert_int_equal(item(f, 0)->kind, REFUND_KIND_REFUND);
	assert_null(item(f, 0)->reason);
}

static void
bad_returns_reports_values_are_refused_at_open(void **state)
{
	static const struct {
		const char *conf, *msg;
	} cases[] = {
		{ "returns_reports = fba, fbm\n", "\"fbm\" is not a returns report (valid: fba, "
		  "merchant, or none)" },
		{ "returns_reports = none, fba\n", "none stands alone" },
		{ "returns_reports = fba,,merchant\n", "\"\" is not a returns report" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = *state;

		assert_int_equal(fx_open(f, cases[i].conf), SC_EINVALID);
		assert_non_null(strstr(f->err.msg, "returns_reports"));
		if (strstr(f->err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: %s", i, f->err.msg);
		assert_null(f->self);
		http_client_free(f->http);
		f->http = NULL;
		conf_free(f->conf);
		f->conf = NULL;
	}
}

/* A report downloaded as two gzip members (gzip allows it; Amazon's
 * documents may come so) is read whole, not cut after the first. */
static void
a_report_of_two_gzip_members_is_read_whole(void **state)
{
	const char *a = "order-id\tsku\n", *b = "111-1\tSKU-1\n";
	unsigned char *za, *zb, *both;
	size_t la, lb;
	struct buf out;
	struct sc_error err;

	(void)state;
	za = mock_gzip(a, strlen(a), &la);
	zb = mock_gzip(b, strlen(b), &lb);
	assert_non_null(za);
	assert_non_null(zb);
	both = malloc(la + lb);
	assert_non_null(both);
	memcpy(both, za, la);
	memcpy(both + la, zb, lb);
	sc_error_clear(&err);
	assert_int_equal(amazon__gunzip(&out, (const char *)both, la + lb, 1 << 20, &err), 0);
	assert_int_equal(out.len, strlen(a) + strlen(b));
	assert_memory_equal(out.data, "order-id\tsku\n111-1\tSKU-1\n", out.len);
	buf_free(&out);
	/* a member cut short is still an error */
	assert_int_equal(amazon__gunzip(&out, (const char *)both, la + lb - 4, 1 << 20, &err),
	                 SC_EMALFORMED);
	free(za);
	free(zb);
	free(both);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fba_columns_are_found_by_name_in_any_order),
		cmocka_unit_test(a_report_of_two_gzip_members_is_read_whole),
		cmocka_unit_test(merchant_report_reads_its_own_column_names),
		cmocka_unit_test(broken_reports_name_the_line_and_the_column),
		cmocka_unit_test(a_refund_is_a_return_when_its_order_and_sku_came_back),
		cmocka_unit_test(create_report_body_names_the_type_every_marketplace_and_the_range),
		cmocka_unit_test_setup_teardown(refunds_page_marks_the_refunds_whose_goods_came_back,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			plain_documents_and_empty_or_cancelled_reports_mean_no_returns,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			a_fatal_returns_report_fails_the_page_and_keeps_the_refunds_waiting,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_refused_create_report_fails_the_page_with_amazons_words,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_report_never_done_is_a_transient_failure,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(returns_reports_conf_chooses_the_reports,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(returns_reports_none_asks_for_nothing,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(bad_returns_reports_values_are_refused_at_open,
		                                fx_setup, fx_teardown),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
