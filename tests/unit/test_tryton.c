/*
 * test_tryton.c: the Tryton adapter.
 *
 * Tryton's value encoding (Decimal, date, datetime) both ways, unit prices,
 * the answer parser and error mapping against answers shaped as
 * trytond/protocols/jsonrpc.py makes them (../shared/tryton/rpc-log.md);
 * then the adapter end to end against an in-test libmicrohttpd mock of
 * trytond on 127.0.0.1 that logs in (user, password), checks the Session
 * header and the user's context on every call, answers from a script of
 * (method, params substring) -> body, and records every call's params.
 * Expected bodies are written by hand from the design (sale.c, credit.c,
 * statement.c, adapter.h's settlement_by_order, changes.c's cursor and
 * streams, changes_ship.c's shipments and cancellations; the quantities
 * summed and converted by hand: 0.5 dozen = 6 units); the party code and the
 * session header were computed with sha256sum and base64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "adapters/tryton/tryton_int.h"
#include "connector/conf.h"
#include "connector/jsonutil.h"
#include "connector/model.h"
#include "connector/timeutil.h"

extern const struct erp_ops tryton_ops;

static json_object *
parse(const char *text)
{
	json_object *o = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	assert_non_null(text);
	if (json_parse_buf(&o, text, strlen(text), &err) != 0)
		fail_msg("bad JSON: %s\n%s", err.msg, text);
	return o;
}

static void
assert_json_equal(const char *actual, const char *expected)
{
	json_object *a = parse(actual), *e = parse(expected);

	if (!json_object_equal(a, e))
		fail_msg("JSON differs\nactual:   %s\nexpected: %s", actual,
		         json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	json_object_put(e);
}

/* ---- values -------------------------------------------------------------- */

static void
decimals_are_written_exactly_in_trytons_encoding(void **state)
{
	static const struct {
		int64_t minor;
		int exponent;
		const char *want;
	} cases[] = {
		{ 1234, 2, "{\"__class__\":\"Decimal\",\"decimal\":\"12.34\"}" },
		{ -5, 2, "{\"__class__\":\"Decimal\",\"decimal\":\"-0.05\"}" },
		{ 3778, 0, "{\"__class__\":\"Decimal\",\"decimal\":\"3778\"}" },
		{ 33333, 4, "{\"__class__\":\"Decimal\",\"decimal\":\"3.3333\"}" },
		{ 0, 0, "{\"__class__\":\"Decimal\",\"decimal\":\"0\"}" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(tryton__put_decimal(&b, cases[i].minor, cases[i].exponent), 0);
		assert_string_equal(buf_cstr(&b), cases[i].want);
		buf_free(&b);
	}
}

static void
dates_and_datetimes_are_written_as_tryton_objects(void **state)
{
	int64_t t = 0;
	struct buf b;

	(void)state;
	assert_int_equal(time_parse_iso8601(&t, "2026-11-22T03:04:05Z", 20), 0);
	buf_init(&b, 0);
	assert_int_equal(tryton__put_date(&b, t), 0);
	assert_string_equal(buf_cstr(&b),
	                    "{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":22}");
	buf_reset(&b);
	assert_int_equal(tryton__put_datetime(&b, t), 0);
	assert_string_equal(buf_cstr(&b), "{\"__class__\":\"datetime\",\"year\":2026,\"month\":11,"
	                    "\"day\":22,\"hour\":3,\"minute\":4,\"second\":5,\"microsecond\":0}");
	buf_free(&b);
}

static void
decimal_values_are_read_exactly_or_refused(void **state)
{
	static const struct {
		const char *json;
		int exponent;
		int rc;
		int64_t want;
	} cases[] = {
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"22.00\"}}", 2, 1, 2200 },
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"-80.80\"}}", 2, 1, -8080 },
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"3.3333\"}}", 4, 1, 33333 },
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"12.300\"}}", 2, 1, 1230 },
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"0E-10\"}}", 2, 1, 0 },
		{ "{\"v\":5}", 2, 1, 500 },
		{ "{\"v\":null}", 2, 0, 0 },
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"10.105\"}}", 2, SC_EMALFORMED, 0 },
		{ "{\"v\":{\"__class__\":\"Decimal\",\"decimal\":\"ten\"}}", 2, SC_EMALFORMED, 0 },
		{ "{\"v\":{\"__class__\":\"date\",\"year\":2026,\"month\":1,\"day\":1}}", 2,
		  SC_EMALFORMED, 0 },
		{ "{\"v\":[1]}", 2, SC_EMALFORMED, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = parse(cases[i].json);
		int64_t out = -1;
		int rc = tryton__get_decimal(tryton__member(o, "v"), cases[i].exponent, &out, "v", NULL);
		if (rc != cases[i].rc)
			fail_msg("%s: rc %d, want %d", cases[i].json, rc, cases[i].rc);
		if (rc == 1 && out != cases[i].want)
			fail_msg("%s: %lld, want %lld", cases[i].json, (long long)out,
			         (long long)cases[i].want);
		json_object_put(o);
	}
}

static void
dates_quantities_ids_and_booleans_are_read_as_tryton_sends_them(void **state)
{
	json_object *o = parse("{\"d\":{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":20},"
	                       "\"dt\":{\"__class__\":\"datetime\",\"year\":2026,\"month\":11,"
	                       "\"day\":22,\"hour\":2,\"minute\":56,\"second\":10,"
	                       "\"microsecond\":685757},"
	                       "\"bad\":{\"__class__\":\"date\",\"year\":2026,\"month\":13,\"day\":1},"
	                       "\"q\":3.0,\"qn\":-1.0,\"qi\":2,\"qf\":2.5,\"id\":42,\"none\":null,"
	                       "\"f\":false,\"neg\":-3,\"b1\":1,\"b0\":0,\"bt\":true}");
	int64_t v = 0, want = 0;

	(void)state;
	assert_int_equal(tryton__get_date(tryton__member(o, "d"), &v, "d", NULL), 1);
	assert_int_equal(time_parse_iso8601(&want, "2026-11-20", 10), 0);
	assert_int_equal(v, want);
	assert_int_equal(tryton__get_date(tryton__member(o, "dt"), &v, "dt", NULL), 1);
	assert_int_equal(time_parse_iso8601(&want, "2026-11-22T02:56:10Z", 20), 0);
	assert_int_equal(v, want);
	assert_int_equal(tryton__get_date(tryton__member(o, "bad"), &v, "bad", NULL), SC_EMALFORMED);
	assert_int_equal(tryton__get_date(tryton__member(o, "none"), &v, "none", NULL), 0);
	assert_int_equal(tryton__get_qty(tryton__member(o, "q"), &v, "q", NULL), 1);
	assert_int_equal(v, 3);
	assert_int_equal(tryton__get_qty(tryton__member(o, "qn"), &v, "qn", NULL), 1);
	assert_int_equal(v, -1);
	assert_int_equal(tryton__get_qty(tryton__member(o, "qi"), &v, "qi", NULL), 1);
	assert_int_equal(v, 2);
	assert_int_equal(tryton__get_qty(tryton__member(o, "qf"), &v, "qf", NULL), SC_EMALFORMED);
	assert_int_equal(tryton__get_id(tryton__member(o, "id"), &v, "id", NULL), 1);
	assert_int_equal(v, 42);
	assert_int_equal(tryton__get_id(tryton__member(o, "none"), &v, "none", NULL), 0);
	assert_int_equal(tryton__get_id(tryton__member(o, "f"), &v, "f", NULL), 0);
	assert_int_equal(tryton__get_id(tryton__member(o, "neg"), &v, "neg", NULL), SC_EMALFORMED);
	assert_int_equal(tryton__get_bool(tryton__member(o, "b1")), 1);
	assert_int_equal(tryton__get_bool(tryton__member(o, "b0")), 0);
	assert_int_equal(tryton__get_bool(tryton__member(o, "bt")), 1);
	assert_int_equal(tryton__get_bool(tryton__member(o, "f")), 0);
	json_object_put(o);
}

static void
unit_prices_have_four_decimals_that_multiply_back_to_the_amount(void **state)
{
	static const struct {
		int64_t amount, qty;
		int exponent, rc;
		int64_t want;           /* 4 decimals */
	} cases[] = {
		{ 1000, 3, 2, 0, 33333 },     /* 3.3333 x 3 = 9.9999 -> 10.00 */
		{ 1999, 1, 2, 0, 199900 },
		{ 3998, 2, 2, 0, 199900 },
		{ 1, 3, 2, 0, 33 },           /* 0.0033 x 3 = 0.0099 -> 0.01 */
		{ 1490, 1, 0, 0, 14900000 },  /* JPY */
		{ -399, -1, 2, 0, 39900 },    /* a credit line: -1 x 3.99 */
		{ -400, 1, 2, 0, -40000 },    /* a discount */
		{ 1, 3, 4, SC_EINVALID, 0 },  /* 4 decimals: 0.0001 / 3 has no price */
		{ 100, 0, 2, SC_EINVALID, 0 },
		{ 100, 1, 5, SC_EINVALID, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t out = 0;
		int rc = tryton__unit_price(&out, cases[i].amount, cases[i].qty, cases[i].exponent);
		if (rc != cases[i].rc || (rc == 0 && out != cases[i].want))
			fail_msg("case %zu: rc %d price %lld, want rc %d price %lld", i, rc,
			         (long long)out, cases[i].rc, (long long)cases[i].want);
	}
}

/* ---- answers --------------------------------------------------------------- */

static void
answers_with_a_result_are_parsed_and_anything_else_is_malformed(void **state)
{
	json_object *r = NULL;
	struct sc_error err;
	static const char *const bad[] = {
		"not json", "[1,2]", "{\"id\":1}", "{\"id\":1,\"error\":7}", "", "{\"result\":1} x",
	};
	size_t i;
	const char *ok1 = "{\"id\":1,\"result\":[1,\"abc\"]}", *ok2 = "{\"id\":2,\"result\":null}";

	(void)state;
	assert_int_equal(tryton__rpc_parse(ok1, strlen(ok1), &r, &err), 0);
	assert_non_null(r);
	assert_int_equal(json_object_array_length(r), 2);
	json_object_put(r);
	assert_int_equal(tryton__rpc_parse(ok2, strlen(ok2), &r, &err), 0);
	assert_null(r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc_error_clear(&err);
		if (tryton__rpc_parse(bad[i], strlen(bad[i]), &r, &err) != SC_EMALFORMED)
			fail_msg("\"%s\" is not malformed: %s", bad[i], err.msg);
		assert_null(r);
	}
}

static void
error_answers_map_to_codes_with_trytons_own_words(void **state)
{
	static const struct {
		const char *body;
		int code;
		const char *remote;
	} cases[] = {
		{ "{\"id\":1,\"error\":[\"UserError\",[\"To continue, you must create a period for the "
		  "date \\\"12/30/2025\\\".\",\"\",null]]}",
		  SC_EINVALID, "To continue, you must create a period for the date \"12/30/2025\"." },
		{ "{\"id\":1,\"error\":[\"UserError\",[\"The value for field \\\"Lines\\\" in "
		  "\\\"Invoice\\\" is not valid according to its domain.\",\"Lines\",[[[\"company\",\"=\","
		  "1]],{}]]]}",
		  SC_EINVALID, "The value for field \"Lines\" in \"Invoice\" is not valid according to "
		  "its domain. - Lines" },
		{ "{\"id\":1,\"error\":[\"UserWarning\",[\"key\",\"Invoice paid\",\"check it\"]]}",
		  SC_EINVALID, "Invoice paid - check it" },
		{ "{\"id\":1,\"error\":[\"LoginException\",[\"password\",\"Password\",\"password\"]]}",
		  SC_EAUTH, "Password" },
		{ "{\"id\":1,\"error\":[\"ConcurrencyException\",\"Records were modified in the "
		  "meanwhile\"]}",
		  SC_ETRANSIENT, "Records were modified in the meanwhile" },
		{ "{\"id\":1,\"error\":[\"'account_revenue_used'\",\"\"]}", SC_ERROR,
		  "'account_revenue_used'" },
		{ "{\"id\":1,\"error\":[\"database is locked\",\"Traceback ...\"]}", SC_ETRANSIENT,
		  "database is locked" },
		{ "{\"id\":1,\"error\":[\"UserError\"]}", SC_EMALFORMED, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *r = NULL;
		struct sc_error err;
		int rc;

		sc_error_clear(&err);
		rc = tryton__rpc_parse(cases[i].body, strlen(cases[i].body), &r, &err);
		if (rc != cases[i].code)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].code, err.msg);
		assert_string_equal(err.remote, cases[i].remote);
		assert_null(r);
	}
}

static void
an_http_error_page_gives_its_sentence(void **state)
{
	struct http_response resp;
	struct sc_error err;
	const char *page = "<!doctype html>\n<html lang=en>\n<title>401 Unauthorized</title>\n"
	                   "<h1>Unauthorized</h1>\n<p>The server could not verify that you are "
	                   "authorized to access the URL requested.</p>\n";

	(void)state;
	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, 0);
	buf_puts(&resp.body, page);
	resp.status = 404;
	sc_error_clear(&err);
	assert_int_equal(tryton__http_error(&err, &resp, "model.sale.sale.search"), SC_EINVALID);
	assert_int_equal(err.http_status, 404);
	assert_string_equal(err.remote, "The server could not verify that you are authorized to "
	                    "access the URL requested.");
	resp.status = 503;
	assert_int_equal(tryton__http_error(&err, &resp, "x"), SC_ETRANSIENT);
	buf_free(&resp.body);
}

static void
party_codes_come_from_the_marketplace_and_the_buyer(void **state)
{
	struct order o;
	char code[64];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.id = "111-2222222-3333333";
	o.marketplace = "amazon";
	o.buyer_id = "buyer-0001";
	/* sha256("amazon\nbuyer:buyer-0001"), by sha256sum */
	assert_int_equal(tryton__party_code(code, sizeof(code), "AMZ-ORD-111-2222222-3333333", &o), 0);
	assert_string_equal(code, "AMZ-CUS-52b69e3b1e067cf8");
	o.buyer_email = "x@example.com";      /* the id wins over the e-mail */
	assert_int_equal(tryton__party_code(code, sizeof(code), "AMZ-ORD-111-2222222-3333333", &o), 0);
	assert_string_equal(code, "AMZ-CUS-52b69e3b1e067cf8");
	o.buyer_id = NULL;
	o.buyer_email = NULL;                 /* no buyer: a party per order */
	assert_int_equal(tryton__party_code(code, sizeof(code), "AMZ-ORD-111-2222222-3333333", &o), 0);
	assert_string_equal(code, "AMZ-CUS-46363326e7016b5d");
}

static void
changes_cursors_round_trip_and_foreign_ones_are_refused(void **state)
{
	struct tryton_cursor c;
	struct sc_error err;
	int64_t now = 0, t = 0;
	char text[256];
	int k;

	(void)state;
	assert_int_equal(time_parse_iso8601(&now, "2026-11-22T12:00:00Z", 20), 0);
	assert_int_equal(time_parse_iso8601(&t, "2026-11-22T09:55:00Z", 20), 0);
	assert_int_equal(tryton__cursor_parse(&c, NULL, now, &err), 0);
	assert_int_equal(c.since, now - 24 * 3600);
	/* between polls (the credit-note-only adapter wrote the same): every
	 * stream starts at since minus the 5-minute overlap */
	assert_int_equal(tryton__cursor_parse(&c, "v1;since=2026-11-22T10:00:00Z", now, &err), 0);
	assert_int_equal(c.since, t);
	assert_int_equal(c.poll_start, now);
	for (k = 0; k < TRYTON_STREAMS; k++) {
		assert_int_equal(c.after[k], 0);
		assert_int_equal(c.done[k], 0);
	}
	assert_int_equal(tryton__cursor_format(text, sizeof(text), &c), 0);
	assert_string_equal(text, "v1;since=2026-11-22T09:55:00Z");
	/* the older adapter's cursor within a poll: credit notes after 77, the
	 * new streams from the start of that poll */
	assert_int_equal(tryton__cursor_parse(&c, "v1;since=2026-11-22T09:55:00Z;after=77;"
	                                      "until=2026-11-22T12:00:00Z", now + 60, &err), 0);
	assert_int_equal(c.since, t);
	assert_int_equal(c.poll_start, now);
	assert_int_equal(c.after[TRYTON_ST_CREDIT], 77);
	assert_int_equal(c.after[TRYTON_ST_SHIP], 0);
	assert_int_equal(c.after[TRYTON_ST_CANCEL], 0);
	assert_int_equal(c.done[TRYTON_ST_SHIP] | c.done[TRYTON_ST_CANCEL], 0);
	assert_int_equal(tryton__cursor_format(text, sizeof(text), &c), 0);
	assert_string_equal(text, "v2;since=2026-11-22T09:55:00Z;until=2026-11-22T12:00:00Z;"
	                          "credit=77;ship=0;cancel=0");
	/* within a poll: each stream's last id, or done */
	c.done[TRYTON_ST_CREDIT] = 1;
	c.after[TRYTON_ST_SHIP] = 1250;
	assert_int_equal(tryton__cursor_format(text, sizeof(text), &c), 0);
	assert_string_equal(text, "v2;since=2026-11-22T09:55:00Z;until=2026-11-22T12:00:00Z;"
	                          "credit=done;ship=1250;cancel=0");
	assert_int_equal(tryton__cursor_parse(&c, text, now + 120, &err), 0);
	assert_int_equal(c.since, t);
	assert_int_equal(c.poll_start, now);
	assert_int_equal(c.done[TRYTON_ST_CREDIT], 1);
	assert_int_equal(c.after[TRYTON_ST_SHIP], 1250);
	assert_int_equal(c.done[TRYTON_ST_SHIP], 0);
	assert_int_equal(c.after[TRYTON_ST_CANCEL], 0);
	assert_int_equal(tryton__cursor_format(text, 40, &c), SC_ENOSPACE);
	{
		static const char *const bad[] = {
			"v1;since=x", "v1;since=2026-11-22T10:00:00Z;after=7",
			"v2;since=2026-11-22T10:00:00Z",
			"v2;since=2026-11-22T10:00:00Z;until=2026-11-22T12:00:00Z;credit=done;ship=1",
			"v2;since=2026-11-22T10:00:00Z;until=2026-11-22T12:00:00Z;credit=done;ship=1;cancel=later",
			"v2;since=2026-11-22T10:00:00Z;until=2026-11-22T12:00:00Z;ship=1;credit=done;cancel=2",
			"v2;since=2026-11-22T10:00:00Z;until=2026-11-22T12:00:00Z;credit=1;ship=2;cancel=3;x=4",
			"v3;since=2026-11-22T10:00:00Z", "since=2026-11-22T10:00:00Z",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (tryton__cursor_parse(&c, bad[i], now, &err) != SC_EMALFORMED)
				fail_msg("cursor \"%s\" was accepted", bad[i]);
	}
}

static void
shipment_references_give_the_tracking_number_and_the_carrier(void **state)
{
	static const struct {
		const char *reference, *conf, *carrier, *tracking;
	} cases[] = {
		{ "1Z999AA10123456784", "UPS Ground", "UPS Ground", "1Z999AA10123456784" },
		{ "  1Z999AA10123456784 \n", "UPS Ground", "UPS Ground", "1Z999AA10123456784" },
		{ "FedEx Home Delivery 794600000001", "UPS Ground", "FedEx Home Delivery",
		  "794600000001" },
		{ "DHL\t 00340434161094042557", NULL, "DHL", "00340434161094042557" },
		{ "1Z999AA10123456784", NULL, NULL, "1Z999AA10123456784" },
		{ "", "UPS Ground", "UPS Ground", NULL },
		{ NULL, "UPS Ground", "UPS Ground", NULL },
		{ "   ", "", NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *carrier = NULL, *tracking = NULL;

		assert_int_equal(tryton__ship_reference(cases[i].reference, cases[i].conf, &carrier,
		                                        &tracking), 0);
		if ((cases[i].carrier == NULL) != (carrier == NULL) ||
		    (carrier != NULL && strcmp(carrier, cases[i].carrier) != 0) ||
		    (cases[i].tracking == NULL) != (tracking == NULL) ||
		    (tracking != NULL && strcmp(tracking, cases[i].tracking) != 0))
			fail_msg("reference \"%s\": carrier \"%s\" tracking \"%s\", want \"%s\" \"%s\"",
			         cases[i].reference ? cases[i].reference : "(null)",
			         carrier ? carrier : "(null)", tracking ? tracking : "(null)",
			         cases[i].carrier ? cases[i].carrier : "(null)",
			         cases[i].tracking ? cases[i].tracking : "(null)");
		free(carrier);
		free(tracking);
	}
}

/* ---- the mock trytond ------------------------------------------------------ */

struct mock_ans {
	const char *method;
	const char *match;            /* substring of the params, or NULL */
	int status;                   /* 0: 200 */
	const char *body;             /* the JSON-RPC answer (its id is not checked) */
	int once;
	int used;
};

static struct {
	struct MHD_Daemon *d;
	char base[64];
	pthread_mutex_t lock;
	struct mock_ans ans[64];
	int nans;
	char methods[96][96];
	char params[96][8192];
	int ncalls;
	int logins;
	int sessions;                 /* the current session is "sess-N" */
	int expire_next;              /* answer the next N authed calls 401 */
	char first_auth[128];         /* the first Authorization header seen */
	char problem[512];
} mk;

static void
mock_problem(const char *fmt, ...)
{
	va_list ap;

	if (mk.problem[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(mk.problem, sizeof(mk.problem), fmt, ap);
	va_end(ap);
}

static void
answer(const char *method, const char *match, int once, const char *body)
{
	struct mock_ans *a = &mk.ans[mk.nans++];

	memset(a, 0, sizeof(*a));
	a->method = method;
	a->match = match;
	a->once = once;
	a->body = body;
}

static enum MHD_Result
mock_reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type",
	                        body[0] == '<' ? "text/html" : "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char page_401[] = "<!doctype html>\n<title>401 Unauthorized</title>\n"
                               "<h1>Unauthorized</h1>\n<p>The server could not verify that you "
                               "are authorized to access the URL requested.</p>\n";

/* "Session " + base64("admin:1:sess-N") */
static void
session_header(char *out, size_t n, int session)
{
	char raw[64], b64[128];

	snprintf(raw, sizeof(raw), "admin:1:sess-%d", session);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)raw, (int)strlen(raw));
	snprintf(out, n, "Session %s", b64);
}

static enum MHD_Result
mock_route(struct MHD_Connection *c, const char *url, const char *body)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	json_object *req = NULL, *m = NULL, *params = NULL, *last;
	const char *method, *ptext;
	char out[256];
	int i;

	if (strcmp(url, "/ci/") != 0) {
		mock_problem("POST to %s", url);
		return mock_reply(c, 404, "{}");
	}
	req = json_tokener_parse(body);
	if (req == NULL || !json_object_object_get_ex(req, "method", &m) ||
	    !json_object_object_get_ex(req, "params", &params) ||
	    !json_object_is_type(params, json_type_array)) {
		mock_problem("not a JSON-RPC request: %.200s", body);
		json_object_put(req);
		return mock_reply(c, 400, "{}");
	}
	method = json_object_get_string(m);
	ptext = json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN);
	if (mk.ncalls < 96) {
		snprintf(mk.methods[mk.ncalls], sizeof(mk.methods[0]), "%s", method);
		snprintf(mk.params[mk.ncalls], sizeof(mk.params[0]), "%s", ptext);
		mk.ncalls++;
	}
	if (strcmp(method, "common.db.login") == 0) {
		json_object *pw = json_object_array_get_idx(params, 1), *v = NULL;
		int ok = strcmp(json_object_get_string(json_object_array_get_idx(params, 0)), "admin") == 0 &&
		         json_object_object_get_ex(pw, "password", &v) &&
		         strcmp(json_object_get_string(v), "secret-pw") == 0 &&
		         strcmp(json_object_get_string(json_object_array_get_idx(params, 2)), "en") == 0;
		json_object_put(req);
		if (!ok)
			return mock_reply(c, 401, page_401);
		mk.logins++;
		mk.sessions++;
		snprintf(out, sizeof(out), "{\"id\":1,\"result\":[1,\"sess-%d\"]}", mk.sessions);
		return mock_reply(c, 200, out);
	}
	session_header(out, sizeof(out), mk.sessions);
	if (mk.first_auth[0] == '\0' && auth != NULL)
		snprintf(mk.first_auth, sizeof(mk.first_auth), "%s", auth);
	if (auth == NULL || strcmp(auth, out) != 0) {
		json_object_put(req);
		return mock_reply(c, 401, page_401);
	}
	if (strcmp(method, "model.res.user.get_preferences") == 0) {
		json_object_put(req);
		return mock_reply(c, 200, "{\"id\":1,\"result\":{\"company\":1,\"employee\":1,"
		                  "\"language\":\"en\",\"groups\":[1,2]}}");
	}
	if (mk.expire_next > 0) {       /* the session times out */
		mk.expire_next--;
		mk.sessions++;
		json_object_put(req);
		return mock_reply(c, 401, page_401);
	}
	last = json_object_array_get_idx(params, json_object_array_length(params) - 1);
	if (last == NULL || !json_object_is_type(last, json_type_object) ||
	    !json_object_object_get_ex(last, "company", &m) || json_object_get_int(m) != 1)
		mock_problem("%s: the last param is not the user's context: %.200s", method, ptext);
	for (i = 0; i < mk.nans; i++) {
		struct mock_ans *a = &mk.ans[i];
		if (strcmp(a->method, method) != 0 || (a->once && a->used) ||
		    (a->match != NULL && strstr(ptext, a->match) == NULL))
			continue;
		a->used = 1;
		json_object_put(req);
		return mock_reply(c, a->status ? (unsigned)a->status : 200, a->body);
	}
	mock_problem("no answer for %s %.300s", method, ptext);
	json_object_put(req);
	return mock_reply(c, 200, "{\"id\":1,\"error\":[\"no answer in the mock\",\"\"]}");
}

static enum MHD_Result
mock_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
             const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct buf *body = *con_cls;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (body == NULL) {
		if ((body = calloc(1, sizeof(*body))) == NULL)
			return MHD_NO;
		buf_init(body, 0);
		*con_cls = body;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		buf_append(body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&mk.lock);
	if (strcmp(method, "POST") != 0) {
		mock_problem("%s %s", method, url);
		ret = mock_reply(c, 405, "{}");
	} else {
		ret = mock_route(c, url, buf_cstr(body));
	}
	pthread_mutex_unlock(&mk.lock);
	return ret;
}

static void
mock_completed(void *cls, struct MHD_Connection *c, void **con_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct buf *body = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (body != NULL) {
		buf_free(body);
		free(body);
		*con_cls = NULL;
	}
}

/* The params of the nth (0-based) call of method, or NULL. */
static const char *
call_params(const char *method, int nth)
{
	int i;

	for (i = 0; i < mk.ncalls; i++)
		if (strcmp(mk.methods[i], method) == 0 && nth-- == 0)
			return mk.params[i];
	return NULL;
}

static int
calls_of(const char *method)
{
	int i, n = 0;

	for (i = 0; i < mk.ncalls; i++)
		n += strcmp(mk.methods[i], method) == 0;
	return n;
}

/* params[0][0] of a create: the values written. */
static char *
created_values(const char *method)
{
	const char *p = call_params(method, 0);
	json_object *o, *v;
	char *out;

	if (p == NULL)
		fail_msg("no %s call", method);
	o = parse(p);
	v = json_object_array_get_idx(json_object_array_get_idx(o, 0), 0);
	out = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

/* ---- adapter fixtures -------------------------------------------------------- */

static struct {
	struct http_client *http;
	struct conf *conf;
	void *t;
} fx;

static int
flow_setup(void **state)
{
	struct http_opts opts;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	struct sc_error err;

	(void)state;
	memset(&mk, 0, sizeof(mk));
	pthread_mutex_init(&mk.lock, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mk.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
	                        NULL, NULL, mock_handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	                        MHD_OPTION_NOTIFY_COMPLETED, mock_completed, NULL, MHD_OPTION_END);
	if (mk.d == NULL)
		return -1;
	di = MHD_get_daemon_info(mk.d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(mk.base, sizeof(mk.base), "http://127.0.0.1:%u", (unsigned)di->port);
	memset(&opts, 0, sizeof(opts));
	opts.max_retries = -1;
	opts.timeout_ms = 10000;
	memset(&fx, 0, sizeof(fx));
	return http_client_new(&fx.http, &opts, &err) == 0 ? 0 : -1;
}

static int
flow_teardown(void **state)
{
	(void)state;
	if (fx.t != NULL)
		tryton_ops.close(fx.t);
	conf_free(fx.conf);
	http_client_free(fx.http);
	MHD_stop_daemon(mk.d);
	pthread_mutex_destroy(&mk.lock);
	if (mk.problem[0] != '\0')
		fail_msg("mock: %s", mk.problem);
	return 0;
}

static int
adapter_open(const char *password, const char *extra, struct sc_error *err)
{
	char text[2048];
	struct adapter_env env;
	int rc;

	snprintf(text, sizeof(text),
	         "[connector]\nstate_dir = /tmp\n[erp]\ntype = tryton\nurl = %s/\ndatabase = ci\n"
	         "user = admin\npassword = %s\nshipping_product = MKT-SHIPPING\n"
	         "discount_product = MKT-DISCOUNT\ntax_product = MKT-TAX\n"
	         "payout_journal = Marketplace payouts\n%s",
	         mk.base, password, extra != NULL ? extra : "");
	sc_error_clear(err);
	if ((rc = conf_load_string(&fx.conf, text, "test.conf", err)) < 0)
		return rc;
	env.http = fx.http;
	env.conf = conf_section(fx.conf, "erp");
	env.time_scale = 1.0;
	return tryton_ops.open(&fx.t, &env, err);
}

/* The order of the flows: USD, two lines, tax, shipping, a promotion. */
static struct order *
test_order(void)
{
	struct order *o = calloc(1, sizeof(*o));

	o->id = strdup("111-2222222-3333333");
	o->marketplace = strdup("amazon");
	o->channel_name = strdup("Amazon.com");
	o->status = ORDER_UNSHIPPED;
	time_parse_iso8601(&o->created, "2026-11-20T08:00:00Z", 20);
	memcpy(o->currency, "USD", 4);
	o->exponent = 2;
	o->buyer_id = strdup("buyer-0001");
	o->buyer_name = strdup("Jane Buyer");
	o->ship_to.name = strdup("Jane Buyer");
	o->ship_to.line1 = strdup("1 Main St");
	o->ship_to.line2 = strdup("Apt 2");
	o->ship_to.city = strdup("Seattle");
	o->ship_to.postal_code = strdup("98109");
	o->nlines = 2;
	o->lines = calloc(2, sizeof(*o->lines));
	o->lines[0].sku = strdup("SKU-0001");
	o->lines[0].title = strdup("Widget");
	o->lines[0].qty = 3;
	o->lines[0].subtotal = 1000;
	o->lines[0].tax = 83;
	o->lines[0].shipping = 499;
	o->lines[0].discount = 100;
	o->lines[1].sku = strdup("SKU-0002");
	o->lines[1].erp_sku = strdup("ERP-2");
	o->lines[1].qty = 1;
	o->lines[1].subtotal = 1250;
	o->lines[1].tax = 103;
	o->total = 1000 + 1250 + 499 - 100 + 83 + 103;
	return o;
}

#define D(x) "{\"__class__\":\"Decimal\",\"decimal\":\"" x "\"}"

/* The lookups an order needs. */
static void
answer_lookups(void)
{
	answer("model.currency.currency.search", "\"USD\"", 0, "{\"id\":1,\"result\":[2]}");
	answer("model.currency.currency.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":2,\"digits\":2}]}");
	answer("model.product.product.search", "\"SKU-0001\"", 0, "{\"id\":1,\"result\":[11]}");
	answer("model.product.product.search", "\"ERP-2\"", 0, "{\"id\":1,\"result\":[12]}");
	answer("model.product.product.search", "\"MKT-SHIPPING\"", 0, "{\"id\":1,\"result\":[21]}");
	answer("model.product.product.search", "\"MKT-DISCOUNT\"", 0, "{\"id\":1,\"result\":[22]}");
	answer("model.product.product.search", "\"MKT-TAX\"", 0, "{\"id\":1,\"result\":[23]}");
	answer("model.product.product.read", "[[11]", 0,
	       "{\"id\":1,\"result\":[{\"id\":11,\"sale_uom\":1,\"default_uom\":1}]}");
	answer("model.product.product.read", "[[12]", 0,
	       "{\"id\":1,\"result\":[{\"id\":12,\"sale_uom\":null,\"default_uom\":3}]}");
	answer("model.product.product.read", "[[21]", 0,
	       "{\"id\":1,\"result\":[{\"id\":21,\"sale_uom\":1,\"default_uom\":1}]}");
	answer("model.product.product.read", "[[22]", 0,
	       "{\"id\":1,\"result\":[{\"id\":22,\"sale_uom\":1,\"default_uom\":1}]}");
	answer("model.product.product.read", "[[23]", 0,
	       "{\"id\":1,\"result\":[{\"id\":23,\"sale_uom\":1,\"default_uom\":1}]}");
}

static const char want_sale[] =
    "{\"party\":7,\"invoice_address\":9,\"shipment_address\":9,\"currency\":2,"
    "\"reference\":\"111-2222222-3333333\","
    "\"description\":\"Amazon.com order 111-2222222-3333333 (AMZ-ORD-111-2222222-3333333)\","
    "\"sale_date\":{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":20},"
    "\"lines\":[[\"create\",["
    "{\"type\":\"line\",\"sequence\":1,\"product\":11,\"unit\":1,\"quantity\":3,"
    "\"description\":\"Widget\",\"unit_price\":" D("3.3333") "},"
    "{\"type\":\"line\",\"sequence\":2,\"product\":12,\"unit\":3,\"quantity\":1,"
    "\"description\":\"ERP-2\",\"unit_price\":" D("12.5000") "},"
    "{\"type\":\"line\",\"sequence\":3,\"product\":21,\"unit\":1,\"quantity\":1,"
    "\"description\":\"shipping\",\"unit_price\":" D("4.9900") "},"
    "{\"type\":\"line\",\"sequence\":4,\"product\":22,\"unit\":1,\"quantity\":1,"
    "\"description\":\"discount\",\"unit_price\":" D("-1.0000") "},"
    "{\"type\":\"line\",\"sequence\":5,\"product\":23,\"unit\":1,\"quantity\":1,"
    "\"description\":\"tax\",\"unit_price\":" D("1.8600") "}]]]}";

static const char processing_sale[] =
    "{\"id\":1,\"result\":[{\"id\":42,\"state\":\"processing\",\"lines\":[1,2,3,4,5],"
    "\"total_amount\":" D("28.35") ",\"invoices\":[77]}]}";

static void
an_order_becomes_a_confirmed_sale_with_exact_lines_and_a_posted_invoice(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;
	char *values;

	(void)state;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	answer("model.party.party.search", "AMZ-CUS-52b69e3b1e067cf8", 0, "{\"id\":1,\"result\":[]}");
	answer("model.party.party.create", NULL, 0, "{\"id\":1,\"result\":[7]}");
	answer("model.party.party.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":7,\"addresses\":[9]}]}");
	answer("model.sale.sale.create", NULL, 0, "{\"id\":1,\"result\":[42]}");
	answer("model.sale.sale.quote", "[[42]", 0, "{\"id\":1,\"result\":null}");
	answer("model.sale.sale.confirm", "[[42]", 0, "{\"id\":1,\"result\":null}");
	answer("model.sale.sale.read", "[[42]", 0, processing_sale);
	answer("model.account.invoice.read", "[[77]", 0,
	       "{\"id\":1,\"result\":[{\"id\":77,\"state\":\"draft\"}]}");
	answer("model.account.invoice.post", "[[77]", 0, "{\"id\":1,\"result\":null}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	if (tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.type, "sale");
	assert_string_equal(ref.id, "42");
	assert_string_equal(ref.external_id, "AMZ-ORD-111-2222222-3333333");
	/* found by reference and the party's code prefix before anything */
	assert_json_equal(call_params("model.sale.sale.search", 0),
	                  "[[[\"reference\",\"=\",\"111-2222222-3333333\"],"
	                  "[\"party.code\",\"like\",\"AMZ-%\"]],0,3,[[\"id\",\"ASC\"]],"
	                  "{\"company\":1,\"employee\":1,\"language\":\"en\",\"groups\":[1,2]}]");
	values = created_values("model.party.party.create");
	assert_json_equal(values, "{\"name\":\"Jane Buyer\",\"code\":\"AMZ-CUS-52b69e3b1e067cf8\","
	                  "\"addresses\":[[\"create\",[{\"name\":\"Jane Buyer\",\"street\":"
	                  "\"1 Main St\\nApt 2\",\"postal_code\":\"98109\",\"city\":\"Seattle\"}]]]}");
	free(values);
	values = created_values("model.sale.sale.create");
	assert_json_equal(values, want_sale);
	free(values);
	assert_int_equal(calls_of("model.sale.sale.quote"), 1);
	assert_int_equal(calls_of("model.sale.sale.confirm"), 1);
	assert_int_equal(calls_of("model.account.invoice.post"), 1);
	assert_int_equal(calls_of("common.db.login"), 1);
	/* base64("admin:1:sess-1"), computed with base64(1) */
	assert_string_equal(mk.first_auth, "Session YWRtaW46MTpzZXNzLTE=");
	order_free(o);
}

static void
a_sale_found_by_reference_is_taken_as_it_is_and_nothing_is_created(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[42]}");
	answer("model.sale.sale.read", "[[42]", 0, processing_sale);
	answer("model.sale.line.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"product\":11,\"quantity\":3.0,\"amount\":" D("10.00")
	       "},{\"id\":2,\"product\":12,\"quantity\":1.0,\"amount\":" D("12.50") "},"
	       "{\"id\":3,\"product\":21,\"quantity\":1.0,\"amount\":" D("4.99") "},"
	       "{\"id\":4,\"product\":22,\"quantity\":1.0,\"amount\":" D("-1.00") "},"
	       "{\"id\":5,\"product\":23,\"quantity\":1.0,\"amount\":" D("1.86") "}]}");
	answer("model.account.invoice.read", "[[77]", 0,
	       "{\"id\":1,\"result\":[{\"id\":77,\"state\":\"posted\"}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	if (tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.id, "42");
	assert_int_equal(calls_of("model.sale.sale.create"), 0);
	assert_int_equal(calls_of("model.party.party.search"), 0);
	assert_int_equal(calls_of("model.sale.sale.write"), 0);
	assert_int_equal(calls_of("model.sale.sale.confirm"), 0);
	assert_int_equal(calls_of("model.account.invoice.post"), 0);
	/* record_find answers from the same search */
	assert_int_equal(tryton_ops.record_find(fx.t, NULL, "AMZ-ORD-111-2222222-3333333", &ref, &err),
	                 1);
	assert_string_equal(ref.type, "sale");
	assert_string_equal(ref.id, "42");
	order_free(o);
}

static void
two_sales_with_the_orders_reference_are_a_conflict_naming_both(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[42,43]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	assert_int_equal(tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err),
	                 SC_ECONFLICT);
	assert_non_null(strstr(err.msg, "ids 42, 43"));
	assert_int_equal(calls_of("model.sale.sale.create"), 0);
	order_free(o);
}

static void
a_change_to_a_confirmed_sale_is_refused_naming_the_difference(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	o->lines[0].qty = 4;
	o->lines[0].subtotal = 1333;
	o->total += 333;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[42]}");
	answer("model.sale.sale.read", "[[42]", 0, processing_sale);
	answer("model.sale.line.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"product\":11,\"quantity\":3.0,\"amount\":" D("10.00")
	       "},{\"id\":2,\"product\":12,\"quantity\":1.0,\"amount\":" D("12.50") "},"
	       "{\"id\":3,\"product\":21,\"quantity\":1.0,\"amount\":" D("4.99") "},"
	       "{\"id\":4,\"product\":22,\"quantity\":1.0,\"amount\":" D("-1.00") "},"
	       "{\"id\":5,\"product\":23,\"quantity\":1.0,\"amount\":" D("1.86") "}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	assert_int_equal(tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err),
	                 SC_EINVALID);
	assert_non_null(strstr(err.msg, "sale 42 is processing in Tryton, which allows no change"));
	assert_non_null(strstr(err.msg, "line 1 SKU-0001: quantity 3 in Tryton, 4 written"));
	assert_non_null(strstr(err.msg, "total 28.35 in Tryton, 31.68 written"));
	assert_int_equal(calls_of("model.sale.sale.write"), 0);
	order_free(o);
}

static void
a_changed_order_rewrites_its_draft_sale(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;
	const char *p;
	json_object *params;

	(void)state;
	o->lines[0].qty = 4;
	o->lines[0].subtotal = 1333;
	o->total += 333;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[42]}");
	answer("model.sale.sale.read", "[[42]", 1,
	       "{\"id\":1,\"result\":[{\"id\":42,\"state\":\"draft\",\"lines\":[1,2,3,4,5],"
	       "\"total_amount\":" D("28.35") ",\"invoices\":[]}]}");
	answer("model.sale.sale.read", "[[42]", 1,
	       "{\"id\":1,\"result\":[{\"id\":42,\"state\":\"draft\",\"lines\":[6,7,8,9,10],"
	       "\"total_amount\":" D("31.68") ",\"invoices\":[]}]}");
	answer("model.sale.line.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"product\":11,\"quantity\":3.0,\"amount\":" D("10.00")
	       "},{\"id\":2,\"product\":12,\"quantity\":1.0,\"amount\":" D("12.50") "},"
	       "{\"id\":3,\"product\":21,\"quantity\":1.0,\"amount\":" D("4.99") "},"
	       "{\"id\":4,\"product\":22,\"quantity\":1.0,\"amount\":" D("-1.00") "},"
	       "{\"id\":5,\"product\":23,\"quantity\":1.0,\"amount\":" D("1.86") "}]}");
	answer("model.sale.sale.write", "[[42]", 0, "{\"id\":1,\"result\":null}");
	assert_int_equal(adapter_open("secret-pw", "confirm = no\n", &err), 0);
	if (tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.id, "42");
	p = call_params("model.sale.sale.write", 0);
	assert_non_null(p);
	params = parse(p);
	assert_json_equal(json_object_to_json_string_ext(json_object_array_get_idx(params, 1),
	                                                 JSON_C_TO_STRING_PLAIN),
	                  "{\"lines\":[[\"delete\",[1,2,3,4,5]],[\"create\",["
	                  "{\"type\":\"line\",\"sequence\":1,\"product\":11,\"unit\":1,\"quantity\":4,"
	                  "\"description\":\"Widget\",\"unit_price\":" D("3.3325") "},"
	                  "{\"type\":\"line\",\"sequence\":2,\"product\":12,\"unit\":3,\"quantity\":1,"
	                  "\"description\":\"ERP-2\",\"unit_price\":" D("12.5000") "},"
	                  "{\"type\":\"line\",\"sequence\":3,\"product\":21,\"unit\":1,\"quantity\":1,"
	                  "\"description\":\"shipping\",\"unit_price\":" D("4.9900") "},"
	                  "{\"type\":\"line\",\"sequence\":4,\"product\":22,\"unit\":1,\"quantity\":1,"
	                  "\"description\":\"discount\",\"unit_price\":" D("-1.0000") "},"
	                  "{\"type\":\"line\",\"sequence\":5,\"product\":23,\"unit\":1,\"quantity\":1,"
	                  "\"description\":\"tax\",\"unit_price\":" D("1.8600") "}]]]}");
	json_object_put(params);
	assert_int_equal(calls_of("model.sale.sale.quote"), 0);      /* confirm = no */
	assert_int_equal(calls_of("model.sale.sale.create"), 0);
	order_free(o);
}

static void
trytons_user_error_reaches_the_failure_word_for_word(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[42]}");
	answer("model.sale.sale.read", "[[42]", 0, processing_sale);
	answer("model.sale.line.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"product\":11,\"quantity\":3.0,\"amount\":" D("10.00")
	       "},{\"id\":2,\"product\":12,\"quantity\":1.0,\"amount\":" D("12.50") "},"
	       "{\"id\":3,\"product\":21,\"quantity\":1.0,\"amount\":" D("4.99") "},"
	       "{\"id\":4,\"product\":22,\"quantity\":1.0,\"amount\":" D("-1.00") "},"
	       "{\"id\":5,\"product\":23,\"quantity\":1.0,\"amount\":" D("1.86") "}]}");
	answer("model.account.invoice.read", "[[77]", 0,
	       "{\"id\":1,\"result\":[{\"id\":77,\"state\":\"draft\"}]}");
	answer("model.account.invoice.post", NULL, 0,
	       "{\"id\":9,\"error\":[\"UserError\",[\"To continue, you must create a period for the "
	       "date \\\"11/22/2026\\\".\",\"\",null]]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	assert_int_equal(tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err),
	                 SC_EINVALID);
	assert_string_equal(err.remote, "To continue, you must create a period for the date "
	                    "\"11/22/2026\".");
	assert_non_null(strstr(err.msg, "order 111-2222222-3333333 (sale 42)"));
	assert_non_null(strstr(err.msg, "model.account.invoice.post"));
	order_free(o);
}

static void
an_unknown_sku_fails_naming_it_before_anything_is_written(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	answer("model.currency.currency.search", NULL, 0, "{\"id\":1,\"result\":[2]}");
	answer("model.currency.currency.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":2,\"digits\":2}]}");
	answer("model.product.product.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	assert_int_equal(tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "order 111-2222222-3333333 line 1 (SKU SKU-0001): Tryton has no "
	                    "product with code SKU-0001");
	assert_int_equal(calls_of("model.sale.sale.search"), 0);
	assert_int_equal(calls_of("model.sale.sale.create"), 0);
	order_free(o);
}

static void
an_expired_session_logs_in_again_once_and_repeats_the_call(void **state)
{
	struct sc_error err;
	struct erp_ref ref;
	struct tryton *t;

	(void)state;
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	t = fx.t;
	assert_int_equal(tryton_ops.record_find(fx.t, "sale", "AMZ-ORD-1", &ref, &err), 0);
	assert_int_equal(t->logins, 1);
	pthread_mutex_lock(&mk.lock);
	mk.expire_next = 1;
	pthread_mutex_unlock(&mk.lock);
	if (tryton_ops.record_find(fx.t, "sale", "AMZ-ORD-1", &ref, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(t->logins, 2);
	assert_int_equal(calls_of("model.sale.sale.search"), 3);   /* one refused, repeated */
	/* a 401 again right after a fresh login is an error, not a loop */
	pthread_mutex_lock(&mk.lock);
	mk.expire_next = 2;
	pthread_mutex_unlock(&mk.lock);
	assert_int_equal(tryton_ops.record_find(fx.t, "sale", "AMZ-ORD-1", &ref, &err), SC_EAUTH);
	assert_int_equal(err.http_status, 401);
	assert_int_equal(t->logins, 3);
}

static void
a_refused_password_is_an_auth_error_that_never_shows_it(void **state)
{
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	assert_int_equal(adapter_open("wrong-pw-1234", NULL, &err), 0);
	assert_int_equal(calls_of("common.db.login"), 0);          /* open is offline */
	assert_int_equal(tryton_ops.record_find(fx.t, "sale", "AMZ-ORD-1", &ref, &err), SC_EAUTH);
	assert_non_null(strstr(err.msg, "Tryton refused the login of user admin on database ci"));
	assert_null(strstr(err.msg, "wrong-pw-1234"));
	assert_null(strstr(err.remote, "wrong-pw-1234"));
	assert_int_equal(calls_of("model.sale.sale.search"), 0);
}

static void
a_refund_becomes_a_credit_note_linked_to_the_invoice_lines(void **state)
{
	struct refund_component comps[3] = { { "Principal", -333 }, { "Tax", -28 },
		                             { "Commission", 50 } };
	struct refund_line line;
	struct refund r;
	struct erp_ref order_ref, ref;
	struct sc_error err;
	char *values;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&line, 0, sizeof(line));
	line.sku = "SKU-0001";
	line.qty = 1;
	line.comps = comps;
	line.ncomps = 3;
	r.id = "ADJ1";
	r.order_id = "111-2222222-3333333";
	memcpy(r.currency, "USD", 4);
	r.exponent = 2;
	r.lines = &line;
	r.nlines = 1;
	memset(&order_ref, 0, sizeof(order_ref));
	snprintf(order_ref.type, sizeof(order_ref.type), "sale");
	snprintf(order_ref.id, sizeof(order_ref.id), "42");
	answer_lookups();
	answer("model.account.invoice.search", "AMZ-RFD-111-2222222-3333333-ADJ1", 0,
	       "{\"id\":1,\"result\":[]}");
	answer("model.sale.sale.read", "[[42]", 0,
	       "{\"id\":1,\"result\":[{\"id\":42,\"invoices\":[77]}]}");
	answer("model.account.invoice.read", "[[77]", 0,
	       "{\"id\":1,\"result\":[{\"id\":77,\"state\":\"posted\",\"type\":\"out\","
	       "\"lines\":[101,102,103],\"party\":7,\"invoice_address\":9,\"currency\":2,"
	       "\"journal\":1,\"account\":5,\"payment_term\":null,\"company\":1,"
	       "\"total_amount\":" D("28.35") "}]}");
	answer("model.account.invoice.line.read", "[[101,102,103]", 0,
	       "{\"id\":1,\"result\":[{\"id\":101,\"product\":11,\"quantity\":3.0,\"unit\":1,"
	       "\"account\":6},{\"id\":102,\"product\":12,\"quantity\":1.0,\"unit\":3,\"account\":6},"
	       "{\"id\":103,\"product\":23,\"quantity\":1.0,\"unit\":1,\"account\":8}]}");
	answer("model.account.invoice.create", NULL, 0, "{\"id\":1,\"result\":[88]}");
	answer("model.account.invoice.read", "[[88]", 0,
	       "{\"id\":1,\"result\":[{\"id\":88,\"state\":\"draft\",\"lines\":[201,202],"
	       "\"total_amount\":" D("-3.61") "}]}");
	answer("model.account.invoice.post", "[[88]", 0, "{\"id\":1,\"result\":null}");
	answer("model.account.invoice.line.read", "[[201,202]", 0,
	       "{\"id\":1,\"result\":[{\"id\":201,\"product\":11,\"quantity\":-1.0,\"amount\":"
	       D("-3.33") "},{\"id\":202,\"product\":23,\"quantity\":-1.0,\"amount\":" D("-0.28")
	       "}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	if (tryton_ops.refund_create(fx.t, &r, "creditNote", &order_ref,
	                             "AMZ-RFD-111-2222222-3333333-ADJ1", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.type, "creditNote");
	assert_string_equal(ref.id, "88");
	values = created_values("model.account.invoice.create");
	assert_json_equal(values,
	                  "{\"type\":\"out\",\"company\":1,\"party\":7,\"invoice_address\":9,"
	                  "\"currency\":2,\"journal\":1,\"account\":5,"
	                  "\"reference\":\"AMZ-RFD-111-2222222-3333333-ADJ1\","
	                  "\"description\":\"Amazon refund ADJ1 of order 111-2222222-3333333\","
	                  "\"lines\":[[\"create\",["
	                  "{\"type\":\"line\",\"sequence\":1,\"company\":1,\"currency\":2,"
	                  "\"product\":11,\"unit\":1,\"quantity\":-1,\"account\":6,"
	                  "\"description\":\"SKU-0001\",\"unit_price\":" D("3.3300") ","
	                  "\"origin\":\"account.invoice.line,101\"},"
	                  "{\"type\":\"line\",\"sequence\":2,\"company\":1,\"currency\":2,"
	                  "\"product\":23,\"unit\":1,\"quantity\":-1,\"account\":8,"
	                  "\"description\":\"tax\",\"unit_price\":" D("0.2800") ","
	                  "\"origin\":\"account.invoice.line,103\"}]]]}");
	free(values);
	assert_int_equal(calls_of("model.account.invoice.post"), 1);
	/* a refund of more units than were invoiced is refused before writing */
	line.qty = 4;
	comps[0].amount = -1332;
	assert_int_equal(tryton_ops.refund_create(fx.t, &r, "creditNote", &order_ref,
	                                          "AMZ-RFD-111-2222222-3333333-ADJ1", &ref, &err),
	                 SC_EINVALID);
	assert_non_null(strstr(err.msg, "refunds 4 of SKU SKU-0001 but the sale's invoice has 3"));
	assert_int_equal(calls_of("model.account.invoice.create"), 1);
	assert_int_equal(tryton_ops.refund_create(fx.t, &r, "cashRefund", &order_ref, "X-RFD-1", &ref,
	                                          &err), SC_EINVALID);
}

static void
a_settlement_becomes_a_statement_ending_at_the_deposit(void **state)
{
	struct journal_line lines[3];
	struct settlement_header h;
	struct settlement_posting p;
	struct sc_error err;
	struct erp_ref ref;
	char *values;

	(void)state;
	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "S1");
	memcpy(h.currency, "EUR", 4);
	h.exponent = 2;
	h.total = 3167;
	time_parse_iso8601(&h.deposit, "2026-11-22T10:00:00Z", 20);
	memset(lines, 0, sizeof(lines));
	lines[0].account = "Main Cash";
	lines[0].category = "bank";
	lines[0].amount = 3167;
	lines[1].account = "Main Revenue";
	lines[1].category = "charges";
	lines[1].amount = -8080;
	lines[2].account = "4000";
	lines[2].category = "fees";
	lines[2].amount = 4913;
	memset(&p, 0, sizeof(p));
	p.header = &h;
	p.lines = lines;
	p.nlines = 3;
	answer("model.account.statement.search", "AMZ-STL-S1", 0, "{\"id\":1,\"result\":[]}");
	answer("model.account.statement.journal.search", "Marketplace payouts", 0,
	       "{\"id\":1,\"result\":[1]}");
	answer("model.account.statement.journal.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"currency\":4}]}");
	answer("model.currency.currency.read", "[[4]", 0,
	       "{\"id\":1,\"result\":[{\"id\":4,\"code\":\"EUR\"}]}");
	answer("model.account.account.search", "[\"code\",\"=\",\"Main Revenue\"]", 0,
	       "{\"id\":1,\"result\":[]}");
	answer("model.account.account.search", "[\"name\",\"=\",\"Main Revenue\"]", 0,
	       "{\"id\":1,\"result\":[6]}");
	answer("model.account.account.search", "[\"code\",\"=\",\"4000\"]", 0,
	       "{\"id\":1,\"result\":[3]}");
	answer("model.account.account.read", "[[6]", 0,
	       "{\"id\":1,\"result\":[{\"id\":6,\"party_required\":0}]}");
	answer("model.account.account.read", "[[3]", 0,
	       "{\"id\":1,\"result\":[{\"id\":3,\"party_required\":false}]}");
	answer("model.account.statement.create", NULL, 0, "{\"id\":1,\"result\":[5]}");
	answer("model.account.statement.read", "[[5]", 0,
	       "{\"id\":1,\"result\":[{\"id\":5,\"state\":\"draft\",\"lines\":[31,32]}]}");
	answer("model.account.statement.validate_statement", "[[5]", 0, "{\"id\":1,\"result\":null}");
	answer("model.account.statement.post", "[[5]", 0, "{\"id\":1,\"result\":null}");
	answer("model.account.statement.line.read", "[[31,32]", 0,
	       "{\"id\":1,\"result\":[{\"id\":31,\"amount\":" D("80.80") "},{\"id\":32,\"amount\":"
	       D("-49.13") "}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	if (tryton_ops.settlement_post(fx.t, &p, "AMZ-STL-S1", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.type, "statement");
	assert_string_equal(ref.id, "5");
	values = created_values("model.account.statement.create");
	assert_json_equal(values,
	                  "{\"name\":\"AMZ-STL-S1\",\"journal\":1,\"date\":{\"__class__\":\"date\","
	                  "\"year\":2026,\"month\":11,\"day\":22},\"start_balance\":" D("0") ","
	                  "\"end_balance\":" D("31.67") ",\"total_amount\":" D("31.67") ","
	                  "\"number_of_lines\":2,\"lines\":[[\"create\",["
	                  "{\"number\":\"1\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("80.80") ",\"account\":6,"
	                  "\"description\":\"charges\"},"
	                  "{\"number\":\"2\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("-49.13") ",\"account\":3,"
	                  "\"description\":\"fees\"}]]]}");
	free(values);
	assert_int_equal(calls_of("model.account.statement.validate_statement"), 1);
	assert_int_equal(calls_of("model.account.statement.post"), 1);
	/* a bank line that is not the deposit is refused before any call */
	lines[0].amount = 3166;
	lines[1].amount = -8079;
	assert_int_equal(tryton_ops.settlement_post(fx.t, &p, "AMZ-STL-S1", &ref, &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "the bank line is 31.66 EUR, the deposit 31.67 EUR"));
	assert_int_equal(calls_of("model.account.statement.search"), 1);
}

/* A posting per order, as the engine makes it for tryton_ops
 * (settlement_by_order = 1, adapter.h): order A received 105.00, order B
 * paid back 40.00, order C received 20.00, fees 35.20: deposit
 * 105.00 - 40.00 + 20.00 - 35.20 = 49.80 EUR. Each order's line has its
 * sale's party and pays the first invoice that fits (posted, the party's,
 * at least the amount to pay, of the line's sign), else goes to the
 * party's receivable (here the configuration's default). */
static void
orders_become_statement_lines_of_their_party_paying_the_invoice_that_fits(void **state)
{
	static const struct erp_ref sale_a = { "sale", "71", "AMZ-ORD-A-1" };
	static const struct erp_ref sale_b = { "sale", "72", "AMZ-ORD-B-2" };
	static const struct erp_ref sale_c = { "sale", "73", "AMZ-ORD-C-3" };
	struct journal_line lines[5];
	struct settlement_header h;
	struct settlement_posting p;
	struct sc_error err;
	struct erp_ref ref;
	char *values;

	(void)state;
	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "S2");
	memcpy(h.currency, "EUR", 4);
	h.exponent = 2;
	h.total = 4980;   /* 105.00 - 40.00 + 20.00 - 35.20 */
	time_parse_iso8601(&h.deposit, "2026-11-22T10:00:00Z", 20);
	memset(lines, 0, sizeof(lines));
	lines[0].account = "Main Cash";
	lines[0].category = "bank";
	lines[0].amount = 4980;
	lines[1].category = "order";
	lines[1].amount = -10500;
	lines[1].order_id = "A-1";
	lines[1].order_ref = &sale_a;
	lines[2].category = "order";
	lines[2].amount = 4000;
	lines[2].order_id = "B-2";
	lines[2].order_ref = &sale_b;
	lines[3].category = "order";
	lines[3].amount = -2000;
	lines[3].order_id = "C-3";
	lines[3].order_ref = &sale_c;
	lines[4].account = "6000";
	lines[4].category = "fees";
	lines[4].amount = 3520;
	memset(&p, 0, sizeof(p));
	p.header = &h;
	p.lines = lines;
	p.nlines = 5;
	answer("model.account.statement.search", "AMZ-STL-S2", 0, "{\"id\":1,\"result\":[]}");
	answer("model.account.statement.journal.search", "Marketplace payouts", 0,
	       "{\"id\":1,\"result\":[1]}");
	answer("model.account.statement.journal.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"currency\":4}]}");
	answer("model.currency.currency.read", "[[4]", 0,
	       "{\"id\":1,\"result\":[{\"id\":4,\"code\":\"EUR\"}]}");
	answer("model.company.company.read", "[[1]", 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"currency\":4}]}");
	/* A: its draft invoice 81 cannot be paid, its posted 82 of 105.00 can */
	answer("model.sale.sale.read", "[[71]", 0,
	       "{\"id\":1,\"result\":[{\"id\":71,\"party\":9,\"invoices\":[81,82]}]}");
	answer("model.account.invoice.read", "[[81,82]", 0,
	       "{\"id\":1,\"result\":[{\"id\":81,\"state\":\"draft\",\"type\":\"out\",\"party\":9,"
	       "\"currency\":4,\"account\":12,\"amount_to_pay\":" D("105.00") ",\"reference\":null},"
	       "{\"id\":82,\"state\":\"posted\",\"type\":\"out\",\"party\":9,\"currency\":4,"
	       "\"account\":12,\"amount_to_pay\":" D("105.00") ",\"reference\":null}]}");
	/* B: paid back: the connector's credit note of the order, -40.00 to pay */
	answer("model.sale.sale.read", "[[72]", 0,
	       "{\"id\":1,\"result\":[{\"id\":72,\"party\":10,\"invoices\":[83]}]}");
	answer("model.account.invoice.search", "AMZ-RFD-B-2-%", 0, "{\"id\":1,\"result\":[91]}");
	answer("model.account.invoice.read", "[[91]", 0,
	       "{\"id\":1,\"result\":[{\"id\":91,\"state\":\"posted\",\"type\":\"out\",\"party\":10,"
	       "\"currency\":4,\"account\":12,\"amount_to_pay\":" D("-40.00") ","
	       "\"reference\":\"AMZ-RFD-B-2-ADJ7\"}]}");
	/* C: its invoice has 15.00 left to pay, less than 20.00: the receivable */
	answer("model.sale.sale.read", "[[73]", 0,
	       "{\"id\":1,\"result\":[{\"id\":73,\"party\":11,\"invoices\":[84]}]}");
	answer("model.account.invoice.read", "[[84]", 0,
	       "{\"id\":1,\"result\":[{\"id\":84,\"state\":\"posted\",\"type\":\"out\",\"party\":11,"
	       "\"currency\":4,\"account\":12,\"amount_to_pay\":" D("15.00") ",\"reference\":null}]}");
	answer("model.party.party.read", "[[11]", 0,
	       "{\"id\":1,\"result\":[{\"id\":11,\"account_receivable\":null}]}");
	answer("model.account.configuration.read", "[[1]", 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"default_account_receivable\":13}]}");
	answer("model.account.account.search", "[\"code\",\"=\",\"6000\"]", 0,
	       "{\"id\":1,\"result\":[3]}");
	answer("model.account.account.read", "[[3]", 0,
	       "{\"id\":1,\"result\":[{\"id\":3,\"party_required\":false}]}");
	answer("model.account.statement.create", NULL, 0, "{\"id\":1,\"result\":[5]}");
	answer("model.account.statement.read", "[[5]", 0,
	       "{\"id\":1,\"result\":[{\"id\":5,\"state\":\"draft\",\"lines\":[31,32,33,34]}]}");
	answer("model.account.statement.validate_statement", "[[5]", 0, "{\"id\":1,\"result\":null}");
	answer("model.account.statement.post", "[[5]", 0, "{\"id\":1,\"result\":null}");
	answer("model.account.statement.line.read", "[[31,32,33,34]", 0,
	       "{\"id\":1,\"result\":[{\"id\":31,\"amount\":" D("105.00") "},{\"id\":32,\"amount\":"
	       D("-40.00") "},{\"id\":33,\"amount\":" D("20.00") "},{\"id\":34,\"amount\":"
	       D("-35.20") "}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	if (tryton_ops.settlement_post(fx.t, &p, "AMZ-STL-S2", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.id, "5");
	assert_json_equal(call_params("model.account.invoice.search", 0),
	                  "[[[\"type\",\"=\",\"out\"],[\"state\",\"=\",\"posted\"],"
	                  "[\"reference\",\"like\",\"AMZ-RFD-B-2-%\"]],0,null,[[\"id\",\"ASC\"]],"
	                  "{\"company\":1,\"employee\":1,\"language\":\"en\",\"groups\":[1,2]}]");
	values = created_values("model.account.statement.create");
	assert_json_equal(values,
	                  "{\"name\":\"AMZ-STL-S2\",\"journal\":1,\"date\":{\"__class__\":\"date\","
	                  "\"year\":2026,\"month\":11,\"day\":22},\"start_balance\":" D("0") ","
	                  "\"end_balance\":" D("49.80") ",\"total_amount\":" D("49.80") ","
	                  "\"number_of_lines\":4,\"lines\":[[\"create\",["
	                  "{\"number\":\"1\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("105.00") ",\"account\":12,"
	                  "\"party\":9,\"invoice\":82,\"description\":\"order A-1\"},"
	                  "{\"number\":\"2\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("-40.00") ",\"account\":12,"
	                  "\"party\":10,\"invoice\":91,\"description\":\"order B-2\"},"
	                  "{\"number\":\"3\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("20.00") ",\"account\":13,"
	                  "\"party\":11,\"description\":\"order C-3\"},"
	                  "{\"number\":\"4\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("-35.20") ",\"account\":3,"
	                  "\"description\":\"fees\"}]]]}");
	free(values);
	assert_int_equal(calls_of("model.account.statement.validate_statement"), 1);
	assert_int_equal(calls_of("model.account.statement.post"), 1);
	/* an order line without its sale is refused before any call */
	lines[2].order_ref = NULL;
	assert_int_equal(tryton_ops.settlement_post(fx.t, &p, "AMZ-STL-S2", &ref, &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "line 3 (order B-2) has no sale"));
	assert_int_equal(calls_of("model.account.statement.search"), 1);
}

/* A payout journal in USD for a company in EUR: Tryton's rate of the day
 * could make a payment exceed the invoice, so no invoice is paid and the
 * sale's invoices are not even read. */
static void
a_journal_in_another_currency_than_the_companys_pays_no_invoice(void **state)
{
	static const struct erp_ref sale_a = { "sale", "71", "AMZ-ORD-A-1" };
	struct journal_line lines[2];
	struct settlement_header h;
	struct settlement_posting p;
	struct sc_error err;
	struct erp_ref ref;
	char *values;

	(void)state;
	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "S3");
	memcpy(h.currency, "USD", 4);
	h.exponent = 2;
	h.total = 1000;
	time_parse_iso8601(&h.deposit, "2026-11-22T10:00:00Z", 20);
	memset(lines, 0, sizeof(lines));
	lines[0].account = "Main Cash";
	lines[0].category = "bank";
	lines[0].amount = 1000;
	lines[1].category = "order";
	lines[1].amount = -1000;
	lines[1].order_id = "A-1";
	lines[1].order_ref = &sale_a;
	memset(&p, 0, sizeof(p));
	p.header = &h;
	p.lines = lines;
	p.nlines = 2;
	answer("model.account.statement.search", "AMZ-STL-S3", 0, "{\"id\":1,\"result\":[]}");
	answer("model.account.statement.journal.search", "Marketplace payouts", 0,
	       "{\"id\":1,\"result\":[2]}");
	answer("model.account.statement.journal.read", NULL, 0,
	       "{\"id\":1,\"result\":[{\"id\":2,\"currency\":5}]}");
	answer("model.currency.currency.read", "[[5]", 0,
	       "{\"id\":1,\"result\":[{\"id\":5,\"code\":\"USD\"}]}");
	answer("model.company.company.read", "[[1]", 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"currency\":4}]}");
	answer("model.sale.sale.read", "[[71]", 0,
	       "{\"id\":1,\"result\":[{\"id\":71,\"party\":9,\"invoices\":[81]}]}");
	answer("model.party.party.read", "[[9]", 0,
	       "{\"id\":1,\"result\":[{\"id\":9,\"account_receivable\":14}]}");
	answer("model.account.statement.create", NULL, 0, "{\"id\":1,\"result\":[6]}");
	answer("model.account.statement.read", "[[6]", 0,
	       "{\"id\":1,\"result\":[{\"id\":6,\"state\":\"posted\",\"lines\":[41]}]}");
	answer("model.account.statement.line.read", "[[41]", 0,
	       "{\"id\":1,\"result\":[{\"id\":41,\"amount\":" D("10.00") "}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	if (tryton_ops.settlement_post(fx.t, &p, "AMZ-STL-S3", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	values = created_values("model.account.statement.create");
	assert_json_equal(values,
	                  "{\"name\":\"AMZ-STL-S3\",\"journal\":2,\"date\":{\"__class__\":\"date\","
	                  "\"year\":2026,\"month\":11,\"day\":22},\"start_balance\":" D("0") ","
	                  "\"end_balance\":" D("10.00") ",\"total_amount\":" D("10.00") ","
	                  "\"number_of_lines\":1,\"lines\":[[\"create\",["
	                  "{\"number\":\"1\",\"date\":{\"__class__\":\"date\",\"year\":2026,"
	                  "\"month\":11,\"day\":22},\"amount\":" D("10.00") ",\"account\":14,"
	                  "\"party\":9,\"description\":\"order A-1\"}]]]}");
	free(values);
	assert_int_equal(calls_of("model.account.invoice.read"), 0);
	assert_int_equal(calls_of("model.account.invoice.search"), 0);
}

/* ---- changes: shipments and cancellations ------------------------------------- */

#define CTX "{\"company\":1,\"employee\":1,\"language\":\"en\",\"groups\":[1,2]}"
/* 2026-11-22T10:00:00Z minus the 5-minute overlap */
#define SINCE_0955 "{\"__class__\":\"datetime\",\"year\":2026,\"month\":11,\"day\":22,\"hour\":9," \
                   "\"minute\":55,\"second\":0,\"microsecond\":0}"
#define SINCE_TAIL(after) \
	"[\"id\",\">\"," after "],[\"OR\",[\"create_date\",\">=\"," SINCE_0955 "],"        \
	"[\"write_date\",\">=\"," SINCE_0955 "]]]"
#define OUR_SALE_42 \
	"{\"id\":42,\"reference\":\"111-2222222-3333333\"," \
	"\"party.\":{\"id\":7,\"code\":\"AMZ-CUS-52b69e3b1e067cf8\"}"

static const struct fulfillment *
page_fulfillment(const struct page *p, size_t i, enum erp_change_kind kind)
{
	const struct erp_change *c;

	if (i >= p->n)
		fail_msg("page has %zu items, not %zu", p->n, i + 1);
	c = p->items[i];
	assert_int_equal(c->kind, kind);
	assert_non_null(c->fulfillment);
	assert_null(c->refund);
	return c->fulfillment;
}

static void
assert_line(const struct fulfillment *f, size_t i, const char *sku, int64_t qty)
{
	if (i >= f->nlines)
		fail_msg("%s has %zu lines, not %zu", f->id, f->nlines, i + 1);
	assert_null(f->lines[i].line_id);
	assert_string_equal(f->lines[i].sku, sku);
	assert_int_equal(f->lines[i].qty, qty);
}

static void
done_shipments_of_the_connectors_sales_become_fulfillments(void **state)
{
	const struct fulfillment *f;
	struct sc_error err;
	struct page p;
	int64_t day = 0;

	(void)state;
	answer("model.account.invoice.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	answer("model.stock.shipment.out.search", NULL, 0, "{\"id\":1,\"result\":[31,32,33,34]}");
	answer("model.stock.shipment.out.read", "[[31,32,33,34]", 0,
	       "{\"id\":1,\"result\":["
	       "{\"id\":31,\"reference\":\" 1Z999AA10123456784\",\"outgoing_moves\":[301,302,303,304,307],"
	       "\"effective_date\":{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":21}},"
	       "{\"id\":32,\"reference\":\"X1\",\"outgoing_moves\":[305],"
	       "\"effective_date\":{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":21}},"
	       "{\"id\":33,\"reference\":null,\"outgoing_moves\":[306],"
	       "\"effective_date\":{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":21}},"
	       "{\"id\":34,\"reference\":\"T34\",\"outgoing_moves\":[308,309],"
	       "\"effective_date\":{\"__class__\":\"date\",\"year\":2026,\"month\":11,\"day\":21}}]}");
	/* 31: SKU-0001 on two lines (2 + 1), a cancelled move, half a dozen of
	 * SKU-0003 sold by the unit, a move a person added without a sale line */
	answer("model.stock.move.read", "[[301,302,303,304,307]", 0,
	       "{\"id\":1,\"result\":["
	       "{\"id\":301,\"product.\":{\"id\":11,\"code\":\"SKU-0001\"},\"quantity\":2.0,\"uom\":1,"
	       "\"origin\":\"sale.line,401\",\"state\":\"done\"},"
	       "{\"id\":302,\"product.\":{\"id\":11,\"code\":\"SKU-0001\"},\"quantity\":1.0,\"uom\":1,"
	       "\"origin\":\"sale.line,402\",\"state\":\"done\"},"
	       "{\"id\":303,\"product.\":{\"id\":12,\"code\":\"SKU-0002\"},\"quantity\":1.0,\"uom\":1,"
	       "\"origin\":\"sale.line,403\",\"state\":\"cancelled\"},"
	       "{\"id\":304,\"product.\":{\"id\":13,\"code\":\"SKU-0003\"},\"quantity\":0.5,\"uom\":5,"
	       "\"origin\":\"sale.line,404\",\"state\":\"done\"},"
	       "{\"id\":307,\"product.\":{\"id\":19,\"code\":\"SKU-0009\"},\"quantity\":1.0,\"uom\":1,"
	       "\"origin\":null,\"state\":\"done\"}]}");
	answer("model.sale.line.read", "[[401,402,404]", 0,
	       "{\"id\":1,\"result\":[{\"id\":401,\"sale\":42,\"unit\":1},{\"id\":402,\"sale\":42,"
	       "\"unit\":1},{\"id\":404,\"sale\":42,\"unit\":1}]}");
	answer("model.sale.sale.read", "[[42]", 0, "{\"id\":1,\"result\":[" OUR_SALE_42 "}]}");
	answer("model.product.uom.read", "[[5,1]", 0,
	       "{\"id\":1,\"result\":[{\"id\":5,\"factor\":12.0,\"rate\":0.083333333333,\"category\":1},"
	       "{\"id\":1,\"factor\":1.0,\"rate\":1.0,\"category\":1}]}");
	/* 32: a sale of someone else's */
	answer("model.stock.move.read", "[[305]", 0,
	       "{\"id\":1,\"result\":[{\"id\":305,\"product.\":{\"id\":11,\"code\":\"SKU-0001\"},"
	       "\"quantity\":1.0,\"uom\":1,\"origin\":\"sale.line,405\",\"state\":\"done\"}]}");
	answer("model.sale.line.read", "[[405]", 0,
	       "{\"id\":1,\"result\":[{\"id\":405,\"sale\":43,\"unit\":1}]}");
	answer("model.sale.sale.read", "[[43]", 0,
	       "{\"id\":1,\"result\":[{\"id\":43,\"reference\":\"PO-7\",\"party.\":{\"id\":8,"
	       "\"code\":\"C-0042\"}}]}");
	/* 33: no reference (no tracking number) */
	answer("model.stock.move.read", "[[306]", 0,
	       "{\"id\":1,\"result\":[{\"id\":306,\"product.\":{\"id\":12,\"code\":\"SKU-0002\"},"
	       "\"quantity\":1.0,\"uom\":1,\"origin\":\"sale.line,403\",\"state\":\"done\"}]}");
	answer("model.sale.line.read", "[[403]", 0,
	       "{\"id\":1,\"result\":[{\"id\":403,\"sale\":42,\"unit\":1}]}");
	/* 34: moves of two sales */
	answer("model.stock.move.read", "[[308,309]", 0,
	       "{\"id\":1,\"result\":[{\"id\":308,\"product.\":{\"id\":11,\"code\":\"SKU-0001\"},"
	       "\"quantity\":1.0,\"uom\":1,\"origin\":\"sale.line,401\",\"state\":\"done\"},"
	       "{\"id\":309,\"product.\":{\"id\":11,\"code\":\"SKU-0001\"},"
	       "\"quantity\":1.0,\"uom\":1,\"origin\":\"sale.line,405\",\"state\":\"done\"}]}");
	answer("model.sale.line.read", "[[401,405]", 0,
	       "{\"id\":1,\"result\":[{\"id\":401,\"sale\":42,\"unit\":1},{\"id\":405,\"sale\":43,"
	       "\"unit\":1}]}");
	answer("model.sale.sale.read", "[[42,43]", 0,
	       "{\"id\":1,\"result\":[" OUR_SALE_42 "},{\"id\":43,\"reference\":\"PO-7\","
	       "\"party.\":{\"id\":8,\"code\":\"C-0042\"}}]}");
	answer("model.sale.line.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	assert_int_equal(adapter_open("secret-pw", "shipping_carrier = UPS Ground\n", &err), 0);
	page_init(&p, erp_change_free);
	if (tryton_ops.changes_page(fx.t, "v1;since=2026-11-22T10:00:00Z", &p, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	/* the three searches, since 09:55, ids from the start */
	assert_json_equal(call_params("model.account.invoice.search", 0),
	                  "[[[\"type\",\"=\",\"out\"],[\"state\",\"in\",[\"posted\",\"paid\"]],"
	                  "[\"total_amount\",\"<\"," D("0") "]," SINCE_TAIL("0")
	                  ",0,50,[[\"id\",\"ASC\"]]," CTX "]");
	assert_json_equal(call_params("model.stock.shipment.out.search", 0),
	                  "[[[\"state\",\"=\",\"done\"],[\"customer.code\",\"like\",\"%-CUS-%\"],"
	                  SINCE_TAIL("0") ",0,50,[[\"id\",\"ASC\"]]," CTX "]");
	assert_json_equal(call_params("model.sale.line.search", 0),
	                  "[[[\"moves_ignored\",\"!=\",null],[\"sale.party.code\",\"like\","
	                  "\"%-CUS-%\"]," SINCE_TAIL("0") ",0,50,[[\"id\",\"ASC\"]]," CTX "]");
	assert_json_equal(call_params("model.stock.shipment.out.read", 0),
	                  "[[31,32,33,34],[\"reference\",\"effective_date\",\"outgoing_moves\"]," CTX "]");
	assert_json_equal(call_params("model.stock.move.read", 0),
	                  "[[301,302,303,304,307],[\"product.code\",\"quantity\",\"uom\",\"origin\","
	                  "\"state\"]," CTX "]");
	assert_json_equal(call_params("model.sale.sale.read", 0),
	                  "[[42],[\"reference\",\"party.code\"]," CTX "]");
	assert_int_equal(p.n, 2);
	f = page_fulfillment(&p, 0, ERP_CHANGE_FULFILLMENT);
	assert_string_equal(f->id, "31");
	assert_string_equal(f->order_id, "111-2222222-3333333");
	assert_int_equal(f->cancel, 0);
	assert_int_equal(f->nlines, 2);
	assert_line(f, 0, "SKU-0001", 3);           /* 2 + 1 */
	assert_line(f, 1, "SKU-0003", 6);           /* 0.5 dozen */
	assert_string_equal(f->carrier, "UPS Ground");
	assert_string_equal(f->method, "UPS Ground");
	assert_string_equal(f->tracking, "1Z999AA10123456784");
	assert_int_equal(time_parse_iso8601(&day, "2026-11-21T00:00:00Z", 20), 0);
	assert_int_equal(f->ship_date, day);
	f = page_fulfillment(&p, 1, ERP_CHANGE_FULFILLMENT);
	assert_string_equal(f->id, "33");
	assert_string_equal(f->order_id, "111-2222222-3333333");
	assert_int_equal(f->nlines, 1);
	assert_line(f, 0, "SKU-0002", 1);
	assert_string_equal(f->carrier, "UPS Ground");
	assert_null(f->tracking);                   /* reported: Amazon refuses it, a person sees */
	assert_int_equal(p.nbad, 1);
	assert_string_equal(p.bad[0].id, "stock.shipment.out,34");
	assert_non_null(strstr(p.bad[0].err.msg, "holds the moves of sales 42 and 43"));
	assert_int_equal(p.more, 0);
	assert_int_equal(strncmp(p.cursor, "v1;since=", 9), 0);
	page_free(&p);
}

static void
ignored_cancelled_moves_become_the_sales_whole_cancellation(void **state)
{
	const struct fulfillment *f;
	struct sc_error err;
	struct page p;

	(void)state;
	answer("model.account.invoice.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	answer("model.stock.shipment.out.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	answer("model.sale.line.search", NULL, 0, "{\"id\":1,\"result\":[401,402,410]}");
	answer("model.sale.line.read", "[[401,402,410],[\"sale\"]", 0,
	       "{\"id\":1,\"result\":[{\"id\":401,\"sale\":42},{\"id\":402,\"sale\":42},"
	       "{\"id\":410,\"sale\":44}]}");
	answer("model.sale.sale.read", "[[42]", 0,
	       "{\"id\":1,\"result\":[" OUR_SALE_42 ",\"lines\":[401,402,403,404]}]}");
	answer("model.sale.sale.read", "[[44]", 0,
	       "{\"id\":1,\"result\":[{\"id\":44,\"reference\":\"PO-9\",\"party.\":{\"id\":8,"
	       "\"code\":\"C-0042\"},\"lines\":[410]}]}");
	/* SKU-0001: two moves cancelled and ignored (1 + 2); SKU-0002: an
	 * ignored move that is not cancelled; SKU-0003 shipped; shipping */
	answer("model.sale.line.read", "[[401,402,403,404]", 0,
	       "{\"id\":1,\"result\":["
	       "{\"id\":401,\"product.\":{\"id\":11,\"code\":\"SKU-0001\"},\"unit\":1,"
	       "\"moves_ignored\":[501,502]},"
	       "{\"id\":402,\"product.\":{\"id\":12,\"code\":\"SKU-0002\"},\"unit\":1,"
	       "\"moves_ignored\":[503]},"
	       "{\"id\":403,\"product.\":{\"id\":13,\"code\":\"SKU-0003\"},\"unit\":1,"
	       "\"moves_ignored\":[]},"
	       "{\"id\":404,\"product.\":{\"id\":21,\"code\":\"MKT-SHIPPING\"},\"unit\":1,"
	       "\"moves_ignored\":[]}]}");
	answer("model.stock.move.read", "[[501,502,503]", 0,
	       "{\"id\":1,\"result\":[{\"id\":501,\"quantity\":1.0,\"uom\":1,\"state\":\"cancelled\"},"
	       "{\"id\":502,\"quantity\":2.0,\"uom\":1,\"state\":\"cancelled\"},"
	       "{\"id\":503,\"quantity\":1.0,\"uom\":1,\"state\":\"draft\"}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	page_init(&p, erp_change_free);
	if (tryton_ops.changes_page(fx.t, "v1;since=2026-11-22T10:00:00Z", &p, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_json_equal(call_params("model.sale.sale.read", 0),
	                  "[[42],[\"reference\",\"party.code\",\"lines\"]," CTX "]");
	assert_json_equal(call_params("model.sale.line.read", 1),
	                  "[[401,402,403,404],[\"product.code\",\"unit\",\"moves_ignored\"]," CTX "]");
	assert_json_equal(call_params("model.stock.move.read", 0),
	                  "[[501,502,503],[\"quantity\",\"uom\",\"state\"]," CTX "]");
	assert_int_equal(calls_of("model.sale.sale.read"), 2);   /* each sale once */
	assert_int_equal(p.n, 1);
	assert_int_equal(p.nbad, 0);
	f = page_fulfillment(&p, 0, ERP_CHANGE_CANCELLATION);
	assert_string_equal(f->id, "42");
	assert_string_equal(f->order_id, "111-2222222-3333333");
	assert_int_equal(f->cancel, 1);
	assert_int_equal(f->nlines, 1);
	assert_line(f, 0, "SKU-0001", 3);
	assert_null(f->tracking);
	page_free(&p);
}

static void
a_full_page_of_one_stream_goes_on_with_that_stream_alone(void **state)
{
	struct tryton_cursor c;
	struct sc_error err;
	struct page p;
	int64_t t = 0;
	static char ids[512], lines[4096];
	size_t i, u = 0, v = 0;

	(void)state;
	u += (size_t)snprintf(ids + u, sizeof(ids) - u, "{\"id\":1,\"result\":[");
	v += (size_t)snprintf(lines + v, sizeof(lines) - v, "{\"id\":1,\"result\":[");
	for (i = 0; i < 50; i++) {
		u += (size_t)snprintf(ids + u, sizeof(ids) - u, "%s%zu", i ? "," : "", 401 + i);
		v += (size_t)snprintf(lines + v, sizeof(lines) - v, "%s{\"id\":%zu,\"sale\":44}",
		                      i ? "," : "", 401 + i);
	}
	snprintf(ids + u, sizeof(ids) - u, "]}");
	snprintf(lines + v, sizeof(lines) - v, "]}");
	answer("model.account.invoice.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	answer("model.stock.shipment.out.search", NULL, 0, "{\"id\":1,\"result\":[]}");
	answer("model.sale.line.search", "[\"id\",\">\",0]", 0, ids);
	answer("model.sale.line.search", "[\"id\",\">\",450]", 0, "{\"id\":1,\"result\":[]}");
	answer("model.sale.line.read", NULL, 0, lines);
	answer("model.sale.sale.read", "[[44]", 0,
	       "{\"id\":1,\"result\":[{\"id\":44,\"reference\":\"PO-9\",\"party.\":{\"id\":8,"
	       "\"code\":\"C-0042\"},\"lines\":[401]}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	page_init(&p, erp_change_free);
	if (tryton_ops.changes_page(fx.t, "v1;since=2026-11-22T10:00:00Z", &p, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.more, 1);
	assert_int_equal(tryton__cursor_parse(&c, p.cursor, 0, &err), 0);
	assert_int_equal(time_parse_iso8601(&t, "2026-11-22T09:55:00Z", 20), 0);
	assert_int_equal(c.since, t);
	assert_int_equal(c.done[TRYTON_ST_CREDIT], 1);
	assert_int_equal(c.done[TRYTON_ST_SHIP], 1);
	assert_int_equal(c.done[TRYTON_ST_CANCEL], 0);
	assert_int_equal(c.after[TRYTON_ST_CANCEL], 450);
	page_free(&p);
	/* the next page: the cancel stream alone, above 450; then the poll is
	 * over and its start is the next since */
	page_init(&p, erp_change_free);
	if (tryton_ops.changes_page(fx.t, "v2;since=2026-11-22T09:55:00Z;until=2026-11-22T12:00:00Z;"
	                            "credit=done;ship=done;cancel=450", &p, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_int_equal(calls_of("model.account.invoice.search"), 1);
	assert_int_equal(calls_of("model.stock.shipment.out.search"), 1);
	assert_int_equal(calls_of("model.sale.line.search"), 2);
	assert_json_equal(call_params("model.sale.line.search", 1),
	                  "[[[\"moves_ignored\",\"!=\",null],[\"sale.party.code\",\"like\","
	                  "\"%-CUS-%\"]," SINCE_TAIL("450") ",0,50,[[\"id\",\"ASC\"]]," CTX "]");
	assert_int_equal(p.more, 0);
	assert_string_equal(p.cursor, "v1;since=2026-11-22T12:00:00Z");
	page_free(&p);
}

static void
an_order_cancelled_on_the_marketplace_is_settled_by_its_cancelled_shipment(void **state)
{
	struct order *o = test_order();
	struct sc_error err;
	struct erp_ref ref;

	(void)state;
	o->status = ORDER_CANCELLED;
	answer_lookups();
	answer("model.sale.sale.search", NULL, 0, "{\"id\":1,\"result\":[42]}");
	answer("model.sale.sale.read", "[[42]", 0, processing_sale);
	answer("model.sale.line.read", "[[1,2,3,4,5],[\"moves\"]", 0,
	       "{\"id\":1,\"result\":[{\"id\":1,\"moves\":[61]},{\"id\":2,\"moves\":[62]},"
	       "{\"id\":3,\"moves\":[]},{\"id\":4,\"moves\":[]},{\"id\":5,\"moves\":[]}]}");
	answer("model.stock.move.read", "[[61,62]", 1,
	       "{\"id\":1,\"result\":[{\"id\":61,\"state\":\"cancelled\"},"
	       "{\"id\":62,\"state\":\"cancelled\"}]}");
	answer("model.stock.move.read", "[[61,62]", 1,
	       "{\"id\":1,\"result\":[{\"id\":61,\"state\":\"cancelled\"},"
	       "{\"id\":62,\"state\":\"done\"}]}");
	assert_int_equal(adapter_open("secret-pw", NULL, &err), 0);
	/* every move cancelled: a person cancelled the shipment; nothing to do */
	if (tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err) != 0)
		fail_msg("%s | %s", err.msg, err.remote);
	assert_string_equal(ref.id, "42");
	assert_int_equal(calls_of("model.sale.sale.cancel"), 0);
	assert_int_equal(calls_of("model.sale.sale.write"), 0);
	/* a move shipped: Tryton and the marketplace disagree, a person decides */
	assert_int_equal(tryton_ops.order_upsert(fx.t, o, "AMZ-ORD-111-2222222-3333333", &ref, &err),
	                 SC_EINVALID);
	assert_non_null(strstr(err.msg, "was cancelled on the marketplace, but its sale 42 is "
	                                "processing in Tryton"));
	assert_non_null(strstr(err.msg, "must cancel its shipment"));
	assert_int_equal(calls_of("model.sale.sale.cancel"), 0);
	order_free(o);
}

static void
conf_values_are_checked_when_the_adapter_opens(void **state)
{
	struct sc_error err;

	(void)state;
	assert_int_equal(adapter_open("secret-pw", "statement_state = booked\n", &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "statement_state"));
	conf_free(fx.conf);
	fx.conf = NULL;
	assert_int_equal(adapter_open("secret-pw", "confirm = maybe\n", &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "confirm"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimals_are_written_exactly_in_trytons_encoding),
		cmocka_unit_test(dates_and_datetimes_are_written_as_tryton_objects),
		cmocka_unit_test(decimal_values_are_read_exactly_or_refused),
		cmocka_unit_test(dates_quantities_ids_and_booleans_are_read_as_tryton_sends_them),
		cmocka_unit_test(unit_prices_have_four_decimals_that_multiply_back_to_the_amount),
		cmocka_unit_test(answers_with_a_result_are_parsed_and_anything_else_is_malformed),
		cmocka_unit_test(error_answers_map_to_codes_with_trytons_own_words),
		cmocka_unit_test(an_http_error_page_gives_its_sentence),
		cmocka_unit_test(party_codes_come_from_the_marketplace_and_the_buyer),
		cmocka_unit_test(changes_cursors_round_trip_and_foreign_ones_are_refused),
		cmocka_unit_test_setup_teardown(
		    an_order_becomes_a_confirmed_sale_with_exact_lines_and_a_posted_invoice,
		    flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(
		    a_sale_found_by_reference_is_taken_as_it_is_and_nothing_is_created, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(
		    two_sales_with_the_orders_reference_are_a_conflict_naming_both, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(
		    a_change_to_a_confirmed_sale_is_refused_naming_the_difference, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(a_changed_order_rewrites_its_draft_sale, flow_setup,
		                                flow_teardown),
		cmocka_unit_test_setup_teardown(trytons_user_error_reaches_the_failure_word_for_word,
		                                flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(
		    an_unknown_sku_fails_naming_it_before_anything_is_written, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(
		    an_expired_session_logs_in_again_once_and_repeats_the_call, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(
		    a_refused_password_is_an_auth_error_that_never_shows_it, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(
		    a_refund_becomes_a_credit_note_linked_to_the_invoice_lines, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(a_settlement_becomes_a_statement_ending_at_the_deposit,
		                                flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(
		    orders_become_statement_lines_of_their_party_paying_the_invoice_that_fits,
		    flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(
		    a_journal_in_another_currency_than_the_companys_pays_no_invoice, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(conf_values_are_checked_when_the_adapter_opens,
		                                flow_setup, flow_teardown),
		cmocka_unit_test(shipment_references_give_the_tracking_number_and_the_carrier),
		cmocka_unit_test_setup_teardown(
		    done_shipments_of_the_connectors_sales_become_fulfillments, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(
		    ignored_cancelled_moves_become_the_sales_whole_cancellation, flow_setup,
		    flow_teardown),
		cmocka_unit_test_setup_teardown(
		    a_full_page_of_one_stream_goes_on_with_that_stream_alone, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(
		    an_order_cancelled_on_the_marketplace_is_settled_by_its_cancelled_shipment,
		    flow_setup, flow_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
