/*
 * test_netsuite_journal.c: the NetSuite adapter's settlement_post slot: one
 * journalEntry per settlement, upserted by external id.
 *
 * The body is compared byte for byte with text written here by hand from
 * docs/NETSUITE.md s1 (journalEntry externalId, tranDate, currency, memo,
 * subsidiary; `line` items of account and debit or credit) and journal.c's
 * contract: amount > 0 a debit, < 0 a credit of the absolute value, zero
 * lines left out, exact decimals. The end-to-end tests run against an
 * in-test libmicrohttpd mock on 127.0.0.1 that keeps journal entries by
 * external id (a second PUT updates the same one), answers the currency
 * and account SuiteQL lookups, and logs every request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/netsuite/netsuite_int.h"
#include "connector/conf.h"
#include "connector/jsonutil.h"
#include "connector/model.h"
#include "connector/timeutil.h"
#include "tests/unit/mock_http.h"

extern const struct erp_ops netsuite_ops;

#define CS_SECRET "cs-secret-0001"
#define TS_SECRET "ts-secret-0001"

/* ---- the posting of the sandbox's demo settlement ----------------------------- */

static struct settlement_header hdr;

static const struct journal_line eur_lines[] = {
	{ "1", 3167, "bank", "Amazon deposit", NULL, NULL },
	{ "AMZ-CLEARING", -8080, "charges", "Sales 302-4711001-0000001", "302-4711001-0000001", NULL },
	{ "999", 0, "adjustments", "nothing", NULL, NULL },
	{ "610", 1013, "fees", "Commission", NULL, NULL },
	{ "690", 3900, "adjustments", "Subscription \"Pro\" Fee", NULL, NULL },
};

static void
hdr_eur(void)
{
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.id, sizeof(hdr.id), "24416911431");
	hdr.start = 1793959200;          /* 2026-11-06T10:00:00Z */
	hdr.end = 1795168800;            /* 2026-11-20T10:00:00Z */
	hdr.deposit = 1795341600;        /* 2026-11-22T10:00:00Z */
	hdr.total = 3167;
	snprintf(hdr.currency, sizeof(hdr.currency), "EUR");
	hdr.exponent = 2;
}

static struct settlement_posting
posting(const struct journal_line *lines, size_t n)
{
	struct settlement_posting p;

	memset(&p, 0, sizeof(p));
	p.header = &hdr;
	p.lines = lines;
	p.nlines = n;
	return p;
}

#define EUR_BODY_TAIL \
	"\"memo\":\"Amazon settlement 24416911431 2026-11-06\xe2\x80\x93" "2026-11-20, deposit 2026-11-22\"," \
	"\"subsidiary\":{\"id\":\"3\"},\"line\":{\"items\":[" \
	"{\"account\":{\"id\":\"1\"},\"debit\":31.67,\"memo\":\"Amazon deposit\"}," \
	"{\"account\":{\"id\":\"115\"},\"credit\":80.80,\"memo\":\"Sales 302-4711001-0000001\"}," \
	"{\"account\":{\"id\":\"610\"},\"debit\":10.13,\"memo\":\"Commission\"}," \
	"{\"account\":{\"id\":\"690\"},\"debit\":39.00,\"memo\":\"Subscription \\\"Pro\\\" Fee\"}]}}"

static const char eur_body[] =
	"{\"externalId\":\"AMZ-STL-24416911431\",\"tranDate\":\"2026-11-22\","
	"\"currency\":{\"id\":\"4\"}," EUR_BODY_TAIL;

/* ---- pure parts ---------------------------------------------------------------- */

static void
body_puts_debits_credits_exact_amounts_and_the_default_memo(void **state)
{
	const char *ids[] = { "1", "115", NULL, "610", "690" };
	struct settlement_posting p;
	struct sc_error err;
	struct buf b;

	(void)state;
	hdr_eur();
	p = posting(eur_lines, 5);
	buf_init(&b, 0);
	assert_int_equal(netsuite__journal_body(&b, &p, "AMZ-STL-24416911431", "4", "3", ids, &err), 0);
	assert_string_equal(buf_cstr(&b), eur_body);
	buf_free(&b);
}

static void
body_uses_the_postings_memo_and_no_decimals_for_yen(void **state)
{
	static const struct journal_line jpy[] = {
		{ "11", 3778, "bank", NULL, NULL, NULL },
		{ "12", -5417, "charges", "", NULL, NULL },
		{ "13", 1639, "refunds", NULL, NULL, NULL },
	};
	const char *ids[] = { "11", "12", "13" };
	struct settlement_posting p;
	struct sc_error err;
	struct buf b;

	(void)state;
	hdr_eur();
	snprintf(hdr.currency, sizeof(hdr.currency), "JPY");
	hdr.exponent = 0;
	p = posting(jpy, 3);
	p.memo = "Settlement 24416911431 (JP)";
	buf_init(&b, 0);
	assert_int_equal(netsuite__journal_body(&b, &p, "SHOP-STL-9", "5", NULL, ids, &err), 0);
	assert_string_equal(buf_cstr(&b),
	    "{\"externalId\":\"SHOP-STL-9\",\"tranDate\":\"2026-11-22\",\"currency\":{\"id\":\"5\"},"
	    "\"memo\":\"Settlement 24416911431 (JP)\",\"line\":{\"items\":["
	    "{\"account\":{\"id\":\"11\"},\"debit\":3778},{\"account\":{\"id\":\"12\"},\"credit\":5417},"
	    "{\"account\":{\"id\":\"13\"},\"debit\":1639}]}}");
	buf_reset(&b);
	p.memo = NULL;
	assert_int_equal(netsuite__journal_body(&b, &p, "SHOP-STL-9", "5", NULL, ids, &err), 0);
	assert_non_null(strstr(buf_cstr(&b), "\"memo\":\"Marketplace settlement 24416911431 "));
	buf_free(&b);
}

static void
postings_that_cannot_balance_are_refused_before_any_request(void **state)
{
	static const struct journal_line off_by_one[] = {
		{ "1", 3167, "bank", NULL, NULL, NULL }, { "2", -3166, "charges", NULL, NULL, NULL },
	};
	static const struct journal_line no_account[] = {
		{ "1", 100, "bank", NULL, NULL, NULL }, { "", -100, "fees", NULL, NULL, NULL },
	};
	static const struct journal_line all_zero[] = {
		{ "1", 0, "bank", NULL, NULL, NULL }, { "2", 0, "fees", NULL, NULL, NULL },
	};
	static const struct journal_line overflow[] = {
		{ "1", INT64_MAX, "bank", NULL, NULL, NULL }, { "2", 1, "fees", NULL, NULL, NULL },
	};
	static const struct {
		const struct journal_line *lines;
		size_t n;
		const char *says;
	} cases[] = {
		{ off_by_one, 2, "settlement 24416911431: the journal lines add up to 0.01 EUR, not zero" },
		{ no_account, 2, "settlement 24416911431: journal line 2 (fees) has no account" },
		{ all_zero, 2, "settlement 24416911431: the journal entry has no line with an amount" },
		{ overflow, 2, "settlement 24416911431: the journal amounts overflow" },
		{ off_by_one, 0, "settlement 24416911431: the journal entry has no line with an amount" },
	};
	struct settlement_posting p;
	struct sc_error err;
	size_t i;

	(void)state;
	hdr_eur();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = posting(cases[i].lines, cases[i].n);
		sc_error_clear(&err);
		assert_int_equal(netsuite__journal_check(&p, "AMZ-STL-24416911431", &err), SC_EINVALID);
		assert_non_null(strstr(err.msg, cases[i].says));
	}
	p = posting(eur_lines, 5);
	assert_int_equal(netsuite__journal_check(&p, "", &err), SC_EINVALID);
	hdr.currency[0] = '\0';
	assert_int_equal(netsuite__journal_check(&p, "AMZ-STL-1", &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "no currency"));
}

static void
account_numbers_are_quoted_for_suiteql(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(netsuite__account_query(&b, "O'BRIEN-1"), 0);
	assert_string_equal(buf_cstr(&b),
	                    "SELECT id, acctnumber FROM account WHERE acctnumber = 'O''BRIEN-1'");
	buf_free(&b);
}

/* ---- the mock NetSuite ------------------------------------------------------------ */

#define CTYPE "application/vnd.oracle.resource+json; type=singular-resource; charset=UTF-8"

/* One mock at a time; it logs every request ("METHOD path") and its body. */
static struct {
	struct mock_http http;
	/* journal entries by external id */
	char eids[8][64];
	int ids[8];
	int nje, next_id;
	int refuse;                   /* PUTs answer 400 out of balance */
	int bad_auth;
} mk;

static enum MHD_Result
mock_error(struct MHD_Connection *c, unsigned status, const char *code, const char *detail)
{
	char body[600];

	snprintf(body, sizeof(body), "{\"type\":\"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1\","
	         "\"title\":\"Bad Request\",\"status\":%u,\"o:errorDetails\":[{\"detail\":\"%s\","
	         "\"o:errorCode\":\"%s\"}]}", status, detail, code);
	return mock_http_text(c, status, body, CTYPE, NULL);
}

static enum MHD_Result
mock_suiteql(struct MHD_Connection *c, const char *body)
{
	static const struct {
		const char *number, *id;
	} accounts[] = { { "AMZ-CLEARING", "115" }, { "O'BRIEN-1", "777" }, { "4000", "400" } };
	json_object *o = NULL;
	const char *q = NULL;
	struct sc_error err;
	char out[600];
	size_t i;

	if (json_parse_buf(&o, body, strlen(body), &err) < 0 || json_get_str(o, "q", &q, &err) != 1) {
		json_object_put(o);
		return mock_error(c, 400, "INVALID_PARAMETER", "bad body");
	}
	if (strcmp(q, "SELECT id, symbol FROM currency") == 0) {
		snprintf(out, sizeof(out), "{\"links\":[],\"count\":3,\"hasMore\":false,\"items\":["
		         "{\"links\":[],\"id\":\"1\",\"symbol\":\"USD\"},{\"links\":[],\"id\":\"4\","
		         "\"symbol\":\"EUR\"},{\"links\":[],\"id\":\"5\",\"symbol\":\"JPY\"}],"
		         "\"offset\":0,\"totalResults\":3}");
	} else if (strncmp(q, "SELECT id, acctnumber FROM account WHERE acctnumber = '", 55) == 0) {
		int n = 0;
		size_t used;

		used = (size_t)snprintf(out, sizeof(out), "{\"links\":[],\"items\":[");
		for (i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
			char lit[80], *p = lit;
			const char *s;

			for (s = accounts[i].number; *s != '\0'; s++) {
				*p++ = *s;
				if (*s == '\'')
					*p++ = '\'';
			}
			*p = '\0';
			if (strlen(q) == 55 + strlen(lit) + 1 && strncmp(q + 55, lit, strlen(lit)) == 0) {
				used += (size_t)snprintf(out + used, sizeof(out) - used,
				                         "%s{\"links\":[],\"id\":\"%s\",\"acctnumber\":\"%s\"}",
				                         n ? "," : "", accounts[i].id, accounts[i].number);
				n++;
			}
		}
		snprintf(out + used, sizeof(out) - used, "],\"count\":%d,\"hasMore\":false,\"offset\":0,"
		         "\"totalResults\":%d}", n, n);
	} else {
		json_object_put(o);
		return mock_error(c, 400, "INVALID_PARAMETER", "unexpected query");
	}
	json_object_put(o);
	return mock_http_text(c, 200, out, CTYPE, NULL);
}

/* Runs under the mock's lock (MOCK_HTTP_SERIAL). */
static enum MHD_Result
mock_route(void *ud, const struct mock_http_req *r)
{
	static const char je[] = "/services/rest/record/v1/journalEntry/eid:";
	struct MHD_Connection *c = r->conn;
	const char *url = r->url, *method = r->method, *body = r->body;
	const char *auth = mock_http_header(r, "Authorization");
	char loc[160];
	int i;

	(void)ud;
	if (auth == NULL || strncmp(auth, "OAuth realm=\"1234567_SB1\"", 25) != 0) {
		mk.bad_auth++;
		return mock_error(c, 401, "INVALID_LOGIN", "Invalid login attempt.");
	}
	if (strcmp(method, "POST") == 0 && strcmp(url, "/services/rest/query/v1/suiteql") == 0)
		return mock_suiteql(c, body);
	if (strcmp(method, "PUT") == 0 && strncmp(url, je, strlen(je)) == 0) {
		const char *eid = url + strlen(je);

		if (mk.refuse)
			return mock_error(c, 400, "USER_ERROR", "The transaction is out of balance.");
		for (i = 0; i < mk.nje && strcmp(mk.eids[i], eid) != 0; i++)
			;
		if (i == mk.nje && mk.nje < 8) {
			snprintf(mk.eids[i], sizeof(mk.eids[0]), "%s", eid);
			mk.ids[i] = mk.next_id++;
			mk.nje++;
		}
		snprintf(loc, sizeof(loc), "%s/services/rest/record/v1/journalEntry/%d", mk.http.base,
		         mk.ids[i]);
		return mock_http_text(c, 204, "", CTYPE, loc);
	}
	return mock_error(c, 404, "INVALID_URL", "not found");
}

/* ---- fixture ------------------------------------------------------------------------- */

static struct {
	struct http_client *http;
	struct conf *conf;
	void *ns;
} fx;

static int
flow_setup(void **state)
{
	struct sc_error err;

	(void)state;
	memset(&mk, 0, sizeof(mk));
	mk.next_id = 5001;
	if (mock_http_start(&mk.http, MOCK_HTTP_SERIAL | MOCK_HTTP_LOG, mock_route, NULL) < 0)
		return -1;
	return mock_netsuite_open(&fx.ns, &fx.conf, &fx.http, &mk.http, &netsuite_ops,
	                          CS_SECRET, TS_SECRET,
	                          "subsidiary_id = 3\n",
	                          &err) == 0 ? 0 : -1;
}

static int
flow_teardown(void **state)
{
	(void)state;
	mock_adapter_close(&fx.ns, &fx.conf, &fx.http, netsuite_ops.close);
	mock_http_stop(&mk.http);
	return 0;
}

static int
count_logged(const char *prefix)
{
	return mock_http_log_count(&mk.http, prefix);
}

static int
last_logged(const char *prefix)
{
	return mock_http_log_last(&mk.http, prefix);
}

/* ---- end to end ------------------------------------------------------------------------- */

static void
posting_twice_upserts_one_journal_entry_by_external_id(void **state)
{
	struct settlement_posting p;
	struct erp_ref ref, ref2;
	struct sc_error err;
	int i;

	(void)state;
	assert_true((netsuite_ops.caps & ERP_CAP_SETTLEMENTS) != 0);
	assert_ptr_equal(netsuite_ops.settlement_post, netsuite__settlement_post);
	hdr_eur();
	p = posting(eur_lines, 5);
	sc_error_clear(&err);
	assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-24416911431", &ref, &err), 0);
	assert_string_equal(ref.type, "journalEntry");
	assert_string_equal(ref.id, "5001");
	assert_string_equal(ref.external_id, "AMZ-STL-24416911431");
	i = last_logged("PUT /services/rest/record/v1/journalEntry/eid:AMZ-STL-24416911431");
	assert_true(i >= 0);
	assert_string_equal(mk.http.log[i].body, eur_body);
	/* the currency, then each account as a number: AMZ-CLEARING is one, 1,
	 * 610 and 690 are not (so they are internal ids) */
	assert_int_equal(count_logged("POST /services/rest/query/v1/suiteql"), 5);
	assert_int_equal(mk.bad_auth, 0);

	/* again: the same entry (PUT eid: updates), no new lookups (cached) */
	assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-24416911431", &ref2, &err), 0);
	assert_string_equal(ref2.id, "5001");
	assert_int_equal(mk.nje, 1);
	assert_int_equal(count_logged("PUT "), 2);
	assert_int_equal(count_logged("POST /services/rest/query/v1/suiteql"), 5);
}

static void
an_account_number_of_digits_means_that_account_not_an_internal_id(void **state)
{
	static const struct journal_line lines[] = {
		{ "1", 500, "bank", NULL, NULL, NULL }, { "4000", -500, "charges", NULL, NULL, NULL },
	};
	struct settlement_posting p;
	struct erp_ref ref;
	struct sc_error err;
	int i;

	(void)state;
	hdr_eur();
	p = posting(lines, 2);
	sc_error_clear(&err);
	assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-7", &ref, &err), 0);
	i = last_logged("PUT /services/rest/record/v1/journalEntry/eid:AMZ-STL-7");
	assert_true(i >= 0);
	assert_non_null(strstr(mk.http.log[i].body, "\"line\":{\"items\":[{\"account\":{\"id\":\"1\"},"
	                       "\"debit\":5.00},{\"account\":{\"id\":\"400\"},\"credit\":5.00}]}}"));
}

static void
an_unknown_account_number_is_named_and_nothing_is_written(void **state)
{
	static const struct journal_line lines[] = {
		{ "1", 500, "bank", NULL, NULL, NULL },
		{ "NO-SUCH-ACCT", -500, "fees", NULL, NULL, NULL },
	};
	struct settlement_posting p;
	struct erp_ref ref;
	struct sc_error err;

	(void)state;
	hdr_eur();
	p = posting(lines, 2);
	sc_error_clear(&err);
	assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-24416911431", &ref, &err),
	                 SC_EINVALID);
	assert_non_null(strstr(err.msg, "settlement 24416911431: line 2 (fees)"));
	assert_non_null(strstr(err.msg, "NetSuite has no account with number NO-SUCH-ACCT"));
	assert_int_equal(count_logged("PUT "), 0);
	assert_string_equal(ref.id, "");
}

static void
netsuites_refusal_comes_back_word_for_word(void **state)
{
	static const struct journal_line lines[] = {
		{ "1", 500, "bank", NULL, NULL, NULL }, { "2", -500, "fees", NULL, NULL, NULL },
	};
	struct settlement_posting p;
	struct erp_ref ref;
	struct sc_error err;

	(void)state;
	hdr_eur();
	mk.refuse = 1;
	p = posting(lines, 2);
	sc_error_clear(&err);
	assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-24416911431", &ref, &err),
	                 SC_EINVALID);
	assert_int_equal(err.http_status, 400);
	assert_non_null(strstr(err.remote, "The transaction is out of balance."));
	assert_non_null(strstr(err.msg, "settlement 24416911431"));
	assert_null(strstr(err.msg, CS_SECRET));
	assert_null(strstr(err.remote, TS_SECRET));

	/* an unbalanced posting never reaches NetSuite */
	mk.refuse = 0;
	{
		static const struct journal_line off[] = {
			{ "1", 500, "bank", NULL, NULL, NULL }, { "2", -499, "fees", NULL, NULL, NULL },
		};
		int before = mk.http.nlog;

		p = posting(off, 2);
		assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-1", &ref, &err),
		                 SC_EINVALID);
		assert_int_equal(mk.http.nlog, before);
	}
}

static void
an_unknown_currency_is_refused_before_the_write(void **state)
{
	static const struct journal_line lines[] = {
		{ "1", 500, "bank", NULL, NULL, NULL }, { "2", -500, "fees", NULL, NULL, NULL },
	};
	struct settlement_posting p;
	struct erp_ref ref;
	struct sc_error err;

	(void)state;
	hdr_eur();
	snprintf(hdr.currency, sizeof(hdr.currency), "GBP");
	p = posting(lines, 2);
	sc_error_clear(&err);
	assert_int_equal(netsuite_ops.settlement_post(fx.ns, &p, "AMZ-STL-24416911431", &ref, &err),
	                 SC_EINVALID);
	assert_non_null(strstr(err.msg, "settlement 24416911431"));
	assert_non_null(strstr(err.msg, "GBP"));
	assert_int_equal(count_logged("PUT "), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(body_puts_debits_credits_exact_amounts_and_the_default_memo),
		cmocka_unit_test(body_uses_the_postings_memo_and_no_decimals_for_yen),
		cmocka_unit_test(postings_that_cannot_balance_are_refused_before_any_request),
		cmocka_unit_test(account_numbers_are_quoted_for_suiteql),
		cmocka_unit_test_setup_teardown(posting_twice_upserts_one_journal_entry_by_external_id,
		                                flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(an_account_number_of_digits_means_that_account_not_an_internal_id,
		                                flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(an_unknown_account_number_is_named_and_nothing_is_written,
		                                flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(netsuites_refusal_comes_back_word_for_word,
		                                flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(an_unknown_currency_is_refused_before_the_write,
		                                flow_setup, flow_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
