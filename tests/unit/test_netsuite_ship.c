/*
 * test_netsuite_ship.c: shipments and cancellations made in NetSuite, as
 * the NetSuite adapter's changes_page reports them (changes_ship.c,
 * changes_stream.c).
 *
 * The stream cursor's text round trip is table-driven; the rest runs
 * changes_page end to end against an in-test libmicrohttpd mock on
 * 127.0.0.1 holding sales orders and item fulfillments: it answers GET by
 * id (expanded) and exactly the SuiteQL texts the adapter is meant to send
 * (the refund, ship and close deltas, the transaction lookup by id, the
 * item lookup by id; anything else is a problem the test reports), over
 * its records and their lines. It logs every request and body, so a test
 * can say which records were read and what WHERE clause was sent. Expected
 * changes, quantities, times and cursors are worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

/* 2026-11-22T00:00:00Z = 20779 days * 86400 (by hand; 2026-11-22T09:00:00Z
 * is 1795338000, the refund tests' value, minus 9 h). */
#define NOV22 1795305600

/* ---- the stream cursor ------------------------------------------------------- */

static void
stream_cursors_round_trip_and_old_ones_are_read(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t since[3];
		int cont[3];
		long skip[3];
		int done[3];
		const char *again;          /* formatted back (NULL: text itself) */
	} cases[] = {
		{ "v2;refund=since,2026-11-22T09:00:00Z;ship=after,2026-11-22T10:00:00Z,3;"
		  "close=done,2026-11-22T09:30:00Z", 0,
		  { 1795338000, 1795338000 + 3600, 1795338000 + 1800 }, { 0, 1, 0 }, { 0, 3, 0 },
		  { 0, 0, 1 }, NULL },
		/* an older run's cursors: the refund query's, the others since its time */
		{ "v1;since=2026-11-22T09:00:00Z", 0, { 1795338000, 1795338000, 1795338000 },
		  { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 },
		  "v2;refund=since,2026-11-22T09:00:00Z;ship=since,2026-11-22T09:00:00Z;"
		  "close=since,2026-11-22T09:00:00Z" },
		{ "v1;after=2026-11-22T09:00:00Z;skip=2", 0, { 1795338000, 1795338000, 1795338000 },
		  { 1, 0, 0 }, { 2, 0, 0 }, { 0, 0, 0 },
		  "v2;refund=after,2026-11-22T09:00:00Z,2;ship=since,2026-11-22T09:00:00Z;"
		  "close=since,2026-11-22T09:00:00Z" },
		/* no cursor: a day back from now: 1795000000 - 86400 = 1794913600 =
		 * 20774 days (2026-11-17) + 40000 s (11:06:40) */
		{ "", 0, { 1794913600, 1794913600, 1794913600 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 },
		  "v2;refund=since,2026-11-17T11:06:40Z;ship=since,2026-11-17T11:06:40Z;"
		  "close=since,2026-11-17T11:06:40Z" },
		{ "v2;refund=since,2026-11-22T09:00:00Z", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v2;ship=since,2026-11-22T09:00:00Z;refund=since,2026-11-22T09:00:00Z;"
		  "close=since,2026-11-22T09:00:00Z", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v2;refund=since,2026-11-22T09:00:00Z;ship=after,2026-11-22T09:00:00Z;"
		  "close=since,2026-11-22T09:00:00Z", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v2;refund=since,2026-11-22T09:00:00Z;ship=since,2026-11-22T09:00:00Z,4;"
		  "close=since,2026-11-22T09:00:00Z", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v2;refund=since,yesterday;ship=since,2026-11-22T09:00:00Z;"
		  "close=since,2026-11-22T09:00:00Z", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v2;refund=since,2026-11-22T09:00:00Z;ship=since,2026-11-22T09:00:00Z;"
		  "close=since,2026-11-22T09:00:00Z;", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v1;since=soon", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
		{ "v3;anything", SC_EMALFORMED, { 0 }, { 0 }, { 0 }, { 0 }, NULL },
	};
	struct netsuite_scursor c;
	struct sc_error err;
	char text[512];
	size_t i, k;

	(void)state;
	sc_error_clear(&err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = netsuite__scursor_parse(&c, cases[i].text, 1795000000, &err);

		if (rc != cases[i].rc)
			fail_msg("%s: rc %d", cases[i].text, rc);
		if (rc < 0) {
			assert_non_null(strstr(err.msg, "is not one this adapter wrote"));
			continue;
		}
		for (k = 0; k < 3; k++) {
			if (c.s[k].since != cases[i].since[k] || c.s[k].cont != cases[i].cont[k] ||
			    c.s[k].skip != cases[i].skip[k] || c.done[k] != cases[i].done[k])
				fail_msg("%s: query %zu is %lld/%d/%ld/%d", cases[i].text, k,
				         (long long)c.s[k].since, c.s[k].cont, c.s[k].skip, c.done[k]);
		}
		assert_int_equal(netsuite__scursor_format(text, sizeof(text), &c), 0);
		assert_string_equal(text, cases[i].again != NULL ? cases[i].again : cases[i].text);
	}
}

/* ---- the mock NetSuite ------------------------------------------------------- */

#define MAX_LINES 8

struct mrec {
	char type[32];
	int id;
	char eid[160];
	int created_from;
	char status[4];               /* SuiteQL status ("" = not given) */
	int hide_cf;                  /* SuiteQL gives no createdfrom */
	char modified[20];            /* "YYYY-MM-DD HH:MM:SS" */
	char line_mod[MAX_LINES][20]; /* linelastmodifieddate of each item line */
	json_object *body;            /* fields besides id, externalId, links */
};

static const struct {
	const char *type, *code;
} mock_codes[] = {
	{ "salesOrder", "SalesOrd" }, { "cashSale", "CashSale" }, { "itemFulfillment", "ItemShip" },
	{ "purchaseOrder", "PurchOrd" }, { "cashRefund", "CashRfnd" },
};

static const struct {
	const char *id, *itemid;
} mock_items[] = {
	{ "501", "SKU-0001" }, { "502", "SKU-0002" }, { "503", "SKU-0003" }, { "900", "SHIP" },
};

#define R "/services/rest/record/v1/"
#define QL "POST /services/rest/query/v1/suiteql"

/* One mock at a time; it logs every request ("METHOD path?query") and its
 * body, and runs under its lock. */
static struct {
	struct mock_http http;
	struct mrec recs[32];
	int nrecs;
	int page_max;                 /* SuiteQL pages at most this many rows (0: limit) */
	int fail_get;                 /* GET of this id answers 503 */
} mk;

static const char *
code_of(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(mock_codes) / sizeof(mock_codes[0]); i++)
		if (strcmp(mock_codes[i].type, type) == 0)
			return mock_codes[i].code;
	return "?";
}

static struct mrec *
mock_find(const char *type, int id)
{
	int i;

	for (i = 0; i < mk.nrecs; i++)
		if ((type == NULL || strcmp(mk.recs[i].type, type) == 0) && mk.recs[i].id == id)
			return &mk.recs[i];
	return NULL;
}

/* Store a record from JSON text; createdFrom.id read from it. */
static struct mrec *
seed(const char *type, int id, const char *eid, const char *status, const char *modified,
     const char *json)
{
	struct mrec *r = &mk.recs[mk.nrecs++];
	json_object *cf = NULL, *v = NULL;
	struct sc_error err;

	memset(r, 0, sizeof(*r));
	snprintf(r->type, sizeof(r->type), "%s", type);
	r->id = id;
	snprintf(r->eid, sizeof(r->eid), "%s", eid != NULL ? eid : "");
	snprintf(r->status, sizeof(r->status), "%s", status != NULL ? status : "");
	snprintf(r->modified, sizeof(r->modified), "%s", modified);
	if (json_parse_buf(&r->body, json, strlen(json), &err) != 0)
		fail_msg("seed %s %d: %s", type, id, err.msg);
	if (json_object_object_get_ex(r->body, "createdFrom", &cf) &&
	    json_object_object_get_ex(cf, "id", &v))
		r->created_from = (int)strtol(json_object_get_string(v), NULL, 10);
	return r;
}

static enum MHD_Result
mock_error(struct MHD_Connection *c, unsigned status, const char *code, const char *detail)
{
	char body[600];

	snprintf(body, sizeof(body), "{\"type\":\"https://www.rfc-editor.org/rfc/rfc9110.html\","
	         "\"title\":\"Error\",\"status\":%u,\"o:errorDetails\":[{\"detail\":\"%s\","
	         "\"o:errorCode\":\"%s\"}]}", status, detail, code);
	return mock_http_json(c, status, body);
}

static enum MHD_Result
mock_get(struct MHD_Connection *c, const char *type, const char *key)
{
	const char *exp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "expandSubResources");
	const char *rest;
	struct mrec *r;
	struct buf b;
	enum MHD_Result ret;
	int id = (int)strtol(key, NULL, 10);

	if (exp == NULL || strcmp(exp, "true") != 0)
		mock_http_problem(&mk.http, "GET %s/%s without expandSubResources=true", type, key);
	if (mk.fail_get == id)
		return mock_error(c, 503, "UNEXPECTED_ERROR", "An unexpected error occurred.");
	if ((r = mock_find(type, id)) == NULL)
		return mock_error(c, 404, "NONEXISTENT_ID", "The record instance does not exist.");
	rest = json_object_to_json_string_ext(r->body, JSON_C_TO_STRING_PLAIN);
	buf_init(&b, 0);
	buf_printf(&b, "{\"links\":[{\"rel\":\"self\",\"href\":\"%s" R "%s/%d\"}],\"id\":\"%d\"",
	           mk.http.base, r->type, r->id, r->id);
	if (r->eid[0] != '\0')
		buf_printf(&b, ",\"externalId\":\"%s\"", r->eid);
	if (strcmp(rest, "{}") != 0)
		buf_printf(&b, ",%s", rest + 1);
	else
		buf_puts(&b, "}");
	ret = mock_http_json(c, 200, buf_cstr(&b));
	buf_free(&b);
	return ret;
}

/* ---- mock SuiteQL ---- */

#define TS_FMT "', 'YYYY-MM-DD HH24:MI:SS') "
#define Q_REFUND                                                                        \
	"SELECT id, type, externalid, createdfrom, TO_CHAR(lastmodifieddate, "            \
	"'YYYY-MM-DD HH24:MI:SS') AS modified FROM transaction WHERE type IN "          \
	"('CashRfnd', 'CustCred', 'CustRfnd') AND lastmodifieddate >= TO_TIMESTAMP('"
#define Q_REFUND_END TS_FMT "ORDER BY lastmodifieddate, id"
#define Q_SHIP                                                                          \
	"SELECT id, createdfrom, status, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') " \
	"AS modified FROM transaction WHERE type = 'ItemShip' AND lastmodifieddate >= "     \
	"TO_TIMESTAMP('"
#define Q_SHIP_END TS_FMT "ORDER BY lastmodifieddate, id"
#define Q_CLOSE                                                                         \
	"SELECT transaction, id, TO_CHAR(linelastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') "  \
	"AS modified FROM transactionline WHERE isclosed = 'T' AND linelastmodifieddate >= " \
	"TO_TIMESTAMP('"
#define Q_CLOSE_END TS_FMT "ORDER BY linelastmodifieddate, transaction, id"
#define Q_LOOKUP "SELECT id, type, externalid FROM transaction WHERE id IN ("
#define Q_ITEM_IDS "SELECT id, itemid FROM item WHERE id IN ("

/* 1 and the 19-character time into `from` when q is head + time + tail. */
static int
delta_of(const char *q, const char *head, const char *tail, char *from)
{
	size_t h = strlen(head);

	if (strncmp(q, head, h) != 0 || strlen(q) != h + 19 + strlen(tail) ||
	    strcmp(q + h + 19, tail) != 0)
		return 0;
	snprintf(from, 20, "%.19s", q + h);
	return 1;
}

struct mrow {
	char key[20];                 /* modified */
	int a, b;                     /* then these */
	char json[400];
};

static int
mrow_cmp(const void *x, const void *y)
{
	const struct mrow *p = x, *q = y;
	int c = strcmp(p->key, q->key);

	return c != 0 ? c : p->a != q->a ? p->a - q->a : p->b - q->b;
}

/* Item line i of r is closed. */
static int
line_closed(const struct mrec *r, size_t i)
{
	json_object *l = json_object_array_get_idx(json_path(r->body, "item.items"), i), *v = NULL;

	return l != NULL && json_object_object_get_ex(l, "isClosed", &v) &&
	       json_object_get_boolean(v);
}

static enum MHD_Result
mock_suiteql(struct MHD_Connection *c, const char *body)
{
	const char *prefer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Prefer");
	const char *ls = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *os = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	long limit = ls ? strtol(ls, NULL, 10) : 1000, offset = os ? strtol(os, NULL, 10) : 0;
	static struct mrow rows[64];
	json_object *o = NULL, *qv = NULL;
	const char *q;
	char from[20];
	struct buf b;
	struct sc_error err;
	enum MHD_Result ret;
	int n = 0, i, more = 0, delta = 0;
	size_t k, nl;

	if (prefer == NULL || strcmp(prefer, "transient") != 0 || ls == NULL || os == NULL)
		mock_http_problem(&mk.http, "SuiteQL without Prefer: transient, limit or offset");
	if (json_parse_buf(&o, body, strlen(body), &err) != 0 ||
	    !json_object_object_get_ex(o, "q", &qv)) {
		mock_http_problem(&mk.http, "SuiteQL body %s", body);
		json_object_put(o);
		return mock_error(c, 400, "INVALID_PARAMETER", "bad query");
	}
	q = json_object_get_string(qv);
	if (delta_of(q, Q_REFUND, Q_REFUND_END, from)) {
		delta = 1;                    /* no refunds in these tests */
	} else if (delta_of(q, Q_SHIP, Q_SHIP_END, from)) {
		delta = 1;
		for (i = 0; i < mk.nrecs; i++) {
			const struct mrec *r = &mk.recs[i];
			char cf[32] = "", st[32] = "";

			if (strcmp(r->type, "itemFulfillment") != 0 || strcmp(r->modified, from) < 0)
				continue;
			if (r->created_from > 0 && !r->hide_cf)
				snprintf(cf, sizeof(cf), ",\"createdfrom\":\"%d\"", r->created_from);
			if (r->status[0] != '\0')
				snprintf(st, sizeof(st), ",\"status\":\"%s\"", r->status);
			snprintf(rows[n].key, sizeof(rows[n].key), "%s", r->modified);
			rows[n].a = r->id;
			rows[n].b = 0;
			snprintf(rows[n].json, sizeof(rows[n].json), ",\"id\":\"%d\"%s%s,\"modified\":\"%s\"",
			         r->id, cf, st, r->modified);
			n++;
		}
	} else if (delta_of(q, Q_CLOSE, Q_CLOSE_END, from)) {
		delta = 1;
		for (i = 0; i < mk.nrecs; i++) {
			const struct mrec *r = &mk.recs[i];
			json_object *items = json_path(r->body, "item.items");

			nl = items != NULL ? json_object_array_length(items) : 0;
			for (k = 0; k < nl && k < MAX_LINES; k++) {
				if (!line_closed(r, k) || strcmp(r->line_mod[k], from) < 0)
					continue;
				snprintf(rows[n].key, sizeof(rows[n].key), "%s", r->line_mod[k]);
				rows[n].a = r->id;
				rows[n].b = (int)k + 1;
				snprintf(rows[n].json, sizeof(rows[n].json),
				         ",\"transaction\":\"%d\",\"id\":\"%zu\",\"modified\":\"%s\"", r->id,
				         k + 1, r->line_mod[k]);
				n++;
			}
		}
	} else if (strncmp(q, Q_LOOKUP, strlen(Q_LOOKUP)) == 0) {
		const char *p = q + strlen(Q_LOOKUP);
		char *end = NULL;

		for (;;) {
			struct mrec *r = mock_find(NULL, (int)strtol(p, &end, 10));

			if (end == p) {
				mock_http_problem(&mk.http, "lookup %s", q);
				break;
			}
			if (r != NULL) {
				rows[n].json[0] = '\0';
				snprintf(rows[n].json, sizeof(rows[n].json), ",\"id\":\"%d\",\"type\":\"%s\"%s%s%s",
				         r->id, code_of(r->type), r->eid[0] ? ",\"externalid\":\"" : "", r->eid,
				         r->eid[0] ? "\"" : "");
				n++;
			}
			if (strncmp(end, ", ", 2) == 0)
				p = end + 2;
			else
				break;
		}
		if (strcmp(end, ")") != 0)
			mock_http_problem(&mk.http, "lookup %s", q);
	} else if (strncmp(q, Q_ITEM_IDS, strlen(Q_ITEM_IDS)) == 0) {
		for (k = 0; k < sizeof(mock_items) / sizeof(mock_items[0]); k++)
			if (strtol(q + strlen(Q_ITEM_IDS), NULL, 10) == strtol(mock_items[k].id, NULL, 10))
				snprintf(rows[n++].json, sizeof(rows[0].json), ",\"id\":%s,\"itemid\":\"%s\"",
				         mock_items[k].id, mock_items[k].itemid);
	} else {
		mock_http_problem(&mk.http, "unexpected SuiteQL: %s", q);
	}
	if (delta)
		qsort(rows, (size_t)n, sizeof(rows[0]), mrow_cmp);
	if (mk.page_max > 0 && limit > mk.page_max)
		limit = mk.page_max;
	buf_init(&b, 0);
	buf_puts(&b, "{\"links\":[],\"items\":[");
	for (i = (int)offset; i < n && i < offset + limit; i++)
		buf_printf(&b, "%s{\"links\":[]%s}", i > offset ? "," : "", rows[i].json);
	more = offset + limit < n;
	buf_printf(&b, "],\"count\":%ld,\"hasMore\":%s,\"offset\":%ld}",
	           n > offset ? (n - offset < limit ? n - offset : limit) : 0,
	           more ? "true" : "false", offset);
	json_object_put(o);
	ret = mock_http_json(c, 200, buf_cstr(&b));
	buf_free(&b);
	return ret;
}

/* ---- mock dispatch ---- */

static enum MHD_Result
mock_route(void *ud, const struct mock_http_req *r)
{
	struct MHD_Connection *c = r->conn;
	const char *url = r->url, *method = r->method, *body = r->body;
	const char *auth = mock_http_header(r, "Authorization");
	const char *rest, *slash;
	char type[48];

	(void)ud;
	if (auth == NULL || strncmp(auth, "OAuth realm=\"1234567_SB1\"", 25) != 0) {
		mock_http_problem(&mk.http, "no TBA header on %s %s", method, url);
		return mock_error(c, 401, "INVALID_LOGIN", "Invalid login attempt.");
	}
	if (strcmp(url, "/services/rest/query/v1/suiteql") == 0 && strcmp(method, "POST") == 0)
		return mock_suiteql(c, body);
	if (strncmp(url, R, strlen(R)) != 0 || strcmp(method, "GET") != 0 ||
	    (slash = strchr(rest = url + strlen(R), '/')) == NULL ||
	    (size_t)(slash - rest) >= sizeof(type)) {
		mock_http_problem(&mk.http, "unexpected %s %s", method, url);
		return mock_error(c, 405, "METHOD_NOT_ALLOWED", "no");
	}
	snprintf(type, sizeof(type), "%.*s", (int)(slash - rest), rest);
	return mock_get(c, type, slash + 1);
}

/* ---- fixtures ---------------------------------------------------------------- */

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
	sc_error_clear(&err);
	memset(&mk, 0, sizeof(mk));
	if (mock_http_start(&mk.http, MOCK_HTTP_SERIAL | MOCK_HTTP_LOG | MOCK_HTTP_LOG_QUERY,
	                    mock_route, NULL) < 0)
		return -1;
	return mock_netsuite_open(&fx.ns, &fx.conf, &fx.http, &mk.http, &netsuite_ops,
	                          "cs-0001", "ts-0001",
	                          "order_record_type = salesOrder\n"
	                          "shipping_item_id = 900\n",
	                          &err) == 0 ? 0 : -1;
}

static int
flow_teardown(void **state)
{
	int i;

	(void)state;
	mock_adapter_close(&fx.ns, &fx.conf, &fx.http, netsuite_ops.close);
	mock_http_stop(&mk.http);
	for (i = 0; i < mk.nrecs; i++)
		json_object_put(mk.recs[i].body);
	return 0;
}

/* Index of the first logged request starting with `line` at or after
 * `from`, or -1. */
static int
logged_from(int from, const char *line)
{
	return mock_http_log_find(&mk.http, from, line);
}

static int
count_logged(const char *prefix)
{
	return mock_http_log_count(&mk.http, prefix);
}

/* Index of the logged SuiteQL request whose query starts with `head`, or -1. */
static int
query_logged(const char *head)
{
	char want[300];
	int i;

	snprintf(want, sizeof(want), "{\"q\":\"%s", head);
	for (i = 0; i < mk.http.nlog; i++)
		if (strncmp(mk.http.log[i].line, QL, strlen(QL)) == 0 &&
		    strncmp(mk.http.log[i].body, want, strlen(want)) == 0)
			return i;
	return -1;
}

static void
run_page(const char *cursor, struct page *p)
{
	struct sc_error err;

	sc_error_clear(&err);
	if (netsuite_ops.changes_page(fx.ns, cursor, p, &err) != 0)
		fail_msg("changes_page: %s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
}

static const struct fulfillment *
change_at(const struct page *p, size_t i, enum erp_change_kind kind)
{
	const struct erp_change *c = p->items[i];

	assert_int_equal(c->kind, kind);
	assert_null(c->refund);
	assert_non_null(c->fulfillment);
	return c->fulfillment;
}

static void
line_is(const struct fulfillment *f, size_t i, const char *sku, int64_t qty)
{
	assert_true(i < f->nlines);
	assert_string_equal(f->lines[i].sku, sku);
	assert_null(f->lines[i].line_id);
	assert_int_equal(f->lines[i].qty, qty);
}

#define ALL_SINCE_0900                                                                  \
	"v2;refund=since,2026-11-22T09:00:00Z;ship=since,2026-11-22T09:00:00Z;"             \
	"close=since,2026-11-22T09:00:00Z"

/* Order 111-0000001-0000001 as sales order 1001: SKU-0001 x2, SKU-0003 x1,
 * shipping. */
static void
seed_order(void)
{
	seed("salesOrder", 1001, "AMZ-ORD-111-0000001-0000001", "B", "2026-11-22 11:00:00",
	     "{\"entity\":{\"id\":\"77\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":2,\"amount\":20.00},"
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"amount\":10.00},"
	     "{\"item\":{\"id\":\"900\"},\"quantity\":1,\"amount\":5.50}]}}");
}

/* ---- shipments ---------------------------------------------------------------- */

static void
a_shipped_fulfillment_is_one_fulfillment_change_with_its_fields(void **state)
{
	const struct fulfillment *f;
	struct page p;
	int q;

	(void)state;
	seed_order();
	seed("itemFulfillment", 5001, NULL, "C", "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"tranDate\":\"2026-11-22\","
	     "\"shipStatus\":{\"id\":\"C\",\"refName\":\"Shipped\"},"
	     "\"shipMethod\":{\"id\":\"7\",\"refName\":\"UPS Ground\"},"
	     "\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\",\"refName\":\"SKU-0001\"},\"quantity\":2,\"orderLine\":1,"
	     "\"itemReceive\":true},"
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"orderLine\":2,\"itemReceive\":true},"
	     "{\"item\":{\"id\":\"900\"},\"quantity\":1,\"orderLine\":3,\"itemReceive\":true}]},"
	     "\"package\":{\"items\":[{\"packageTrackingNumber\":\"1Z999AA10123456784\"},"
	     "{\"packageTrackingNumber\":\"1Z999AA10123456785\"}]}}");

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.nbad, 0);
	f = change_at(&p, 0, ERP_CHANGE_FULFILLMENT);
	assert_string_equal(f->id, "5001");
	assert_string_equal(f->order_id, "111-0000001-0000001");
	assert_int_equal(f->cancel, 0);
	assert_null(f->reason);
	assert_int_equal(f->nlines, 2);                /* the shipping line is not a SKU */
	line_is(f, 0, "SKU-0001", 2);
	line_is(f, 1, "SKU-0003", 1);
	assert_string_equal(f->method, "UPS Ground");
	assert_string_equal(f->carrier, "UPS Ground");
	assert_string_equal(f->tracking, "1Z999AA10123456784");   /* the first package's */
	assert_int_equal(f->ship_date, NOV22);
	assert_null(f->channel);
	assert_int_equal(p.more, 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T10:00:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);

	/* what was sent: the three deltas from 08:55 (5 minutes of overlap) ... */
	q = query_logged("SELECT id, createdfrom, status");
	assert_true(q >= 0);
	assert_string_equal(mk.http.log[q].line, QL "?limit=100&offset=0");
	assert_string_equal(mk.http.log[q].body,
	    "{\"q\":\"SELECT id, createdfrom, status, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD "
	    "HH24:MI:SS') AS modified FROM transaction WHERE type = 'ItemShip' AND "
	    "lastmodifieddate >= TO_TIMESTAMP('2026-11-22 08:55:00', 'YYYY-MM-DD HH24:MI:SS') "
	    "ORDER BY lastmodifieddate, id\"}");
	q = query_logged("SELECT transaction, id");
	assert_true(q >= 0);
	assert_string_equal(mk.http.log[q].line, QL "?limit=100&offset=0");
	assert_string_equal(mk.http.log[q].body,
	    "{\"q\":\"SELECT transaction, id, TO_CHAR(linelastmodifieddate, 'YYYY-MM-DD "
	    "HH24:MI:SS') AS modified FROM transactionline WHERE isclosed = 'T' AND "
	    "linelastmodifieddate >= TO_TIMESTAMP('2026-11-22 08:55:00', 'YYYY-MM-DD HH24:MI:SS') "
	    "ORDER BY linelastmodifieddate, transaction, id\"}");
	q = query_logged("SELECT id, type, externalid, createdfrom, TO_CHAR");
	assert_true(q >= 0);
	assert_non_null(strstr(mk.http.log[q].body, "TO_TIMESTAMP('2026-11-22 08:55:00'"));
	/* ... one lookup of the fulfillment's source, one read: the fulfillment */
	q = query_logged(Q_LOOKUP);
	assert_true(q >= 0);
	assert_string_equal(mk.http.log[q].body, "{\"q\":\"" Q_LOOKUP "1001)\"}");
	assert_int_equal(count_logged("GET "), 1);
	assert_true(logged_from(0, "GET " R "itemFulfillment/5001?expandSubResources=true") >= 0);
	/* 3 deltas, the lookup, SKU-0001 and SKU-0003 by id (the shipping item is not asked) */
	assert_int_equal(count_logged(QL), 6);
}

static void
a_packed_fulfillment_is_reported_once_it_is_shipped(void **state)
{
	const char *packed =
	    "{\"createdFrom\":{\"id\":\"1001\"},\"tranDate\":\"2026-11-22\","
	    "\"shipStatus\":{\"id\":\"B\",\"refName\":\"Packed\"},"
	    "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":2}]}}";
	struct mrec *r;
	struct page p;
	int mark;

	(void)state;
	seed_order();
	r = seed("itemFulfillment", 5002, NULL, "B", "2026-11-22 10:00:00", packed);
	/* status not in the query's answer: read, and the record says packed */
	seed("itemFulfillment", 5003, NULL, NULL, "2026-11-22 10:01:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"shipStatus\":{\"id\":\"A\"},"
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"503\"},\"quantity\":1}]}}");

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.nbad, 0);
	assert_int_equal(logged_from(0, "GET " R "itemFulfillment/5002"), -1);  /* not even read */
	assert_true(logged_from(0, "GET " R "itemFulfillment/5003") >= 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T10:01:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);

	/* shipped at 10:30: the next poll reports it */
	json_object_object_add(r->body, "shipStatus",
	                       json_tokener_parse("{\"id\":\"C\",\"refName\":\"Shipped\"}"));
	snprintf(r->status, sizeof(r->status), "C");
	snprintf(r->modified, sizeof(r->modified), "2026-11-22 10:30:00");
	mark = mk.http.nlog;
	run_page("v2;refund=since,2026-11-22T09:00:00Z;ship=since,2026-11-22T10:01:00Z;"
	         "close=since,2026-11-22T09:00:00Z", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->id, "5002");
	line_is(change_at(&p, 0, ERP_CHANGE_FULFILLMENT), 0, "SKU-0001", 2);
	assert_null(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->tracking);
	assert_null(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->method);
	assert_true(logged_from(mark, "GET " R "itemFulfillment/5002") >= 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T10:30:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);
}

#define SHIPPED_FROM(so)                                                                \
	"{\"createdFrom\":{\"id\":\"" so "\"},\"shipStatus\":{\"id\":\"C\"},"               \
	"\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1}]}}"

static void
a_fulfillment_of_an_order_not_ours_is_not_read(void **state)
{
	struct page p;
	int q;

	(void)state;
	seed("salesOrder", 1002, "WEB-1002", "B", "2026-11-20 08:00:00",
	     "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1}]}}");
	seed("salesOrder", 1003, NULL, "B", "2026-11-20 08:00:00",
	     "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1}]}}");
	/* ours by external id, but not a sales order */
	seed("purchaseOrder", 1004, "AMZ-ORD-111-0000004-0000004", "B", "2026-11-20 08:00:00", "{}");
	seed("itemFulfillment", 5004, NULL, "C", "2026-11-22 10:00:00", SHIPPED_FROM("1002"));
	seed("itemFulfillment", 5005, NULL, "C", "2026-11-22 10:00:00", SHIPPED_FROM("1003"));
	seed("itemFulfillment", 5006, NULL, "C", "2026-11-22 10:00:00", SHIPPED_FROM("1004"));

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.nbad, 0);
	assert_int_equal(count_logged("GET "), 0);
	q = query_logged(Q_LOOKUP);
	assert_true(q >= 0);
	assert_string_equal(mk.http.log[q].body, "{\"q\":\"" Q_LOOKUP "1002, 1003, 1004)\"}");
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T10:00:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);
}

static void
a_row_without_createdfrom_is_traced_from_the_record(void **state)
{
	struct page p;
	int q;

	(void)state;
	seed_order();
	seed("salesOrder", 1002, "WEB-1002", "B", "2026-11-20 08:00:00",
	     "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1}]}}");
	seed("itemFulfillment", 5041, NULL, "C", "2026-11-22 10:00:00", SHIPPED_FROM("1001"))->hide_cf = 1;
	seed("itemFulfillment", 5042, NULL, "C", "2026-11-22 10:01:00", SHIPPED_FROM("1002"))->hide_cf = 1;

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.nbad, 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->id, "5041");
	assert_string_equal(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->order_id, "111-0000001-0000001");
	line_is(change_at(&p, 0, ERP_CHANGE_FULFILLMENT), 0, "SKU-0001", 1);
	/* both read; each source looked up from the record */
	assert_int_equal(count_logged("GET " R "itemFulfillment/"), 2);
	q = query_logged(Q_LOOKUP);
	assert_string_equal(mk.http.log[q].body, "{\"q\":\"" Q_LOOKUP "1001)\"}");
	assert_true(logged_from(q + 1, QL) >= 0);
	assert_int_equal(count_logged(QL "?limit=1000"), 3);   /* 2 lookups, SKU-0001 by id */
	page_free(&p);
}

static void
a_partial_shipment_and_its_rest_are_two_changes_with_their_own_quantities(void **state)
{
	const struct fulfillment *f;
	struct page p;

	(void)state;
	seed_order();
	seed("itemFulfillment", 5008, NULL, "C", "2026-11-22 10:05:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"tranDate\":\"2026-11-23\",\"shipStatus\":{\"id\":\"C\"},"
	     "\"shipCarrier\":{\"id\":\"ups\",\"refName\":\"UPS\"},"
	     "\"shipMethod\":{\"id\":\"8\",\"refName\":\"UPS 2nd Day Air\"},"
	     "\"linkedTrackingNumbers\":\"1Z0000000000000002 1Z0000000000000003\","
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1,\"itemReceive\":true},"
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"itemReceive\":true}]}}");
	seed("itemFulfillment", 5007, NULL, "C", "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"tranDate\":\"2026-11-22\",\"shipStatus\":{\"id\":\"C\"},"
	     "\"shipCarrier\":{\"id\":\"nonups\",\"refName\":\"FedEx/USPS/More\"},"
	     "\"shipMethod\":{\"id\":\"9\",\"refName\":\"FedEx Home Delivery\"},"
	     "\"packageFedEx\":{\"items\":[{\"packageTrackingNumberFedEx\":\"794600000001\"}]},"
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1,\"itemReceive\":true},"
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"itemReceive\":false}]}}");

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 2);
	f = change_at(&p, 0, ERP_CHANGE_FULFILLMENT);       /* in modification order */
	assert_string_equal(f->id, "5007");
	assert_int_equal(f->nlines, 1);                     /* the line not received is not shipped */
	line_is(f, 0, "SKU-0001", 1);
	assert_string_equal(f->carrier, "FedEx Home Delivery");
	assert_string_equal(f->method, "FedEx Home Delivery");
	assert_string_equal(f->tracking, "794600000001");
	assert_int_equal(f->ship_date, NOV22);
	f = change_at(&p, 1, ERP_CHANGE_FULFILLMENT);
	assert_string_equal(f->id, "5008");
	assert_string_equal(f->order_id, "111-0000001-0000001");
	assert_int_equal(f->nlines, 2);
	line_is(f, 0, "SKU-0001", 1);
	line_is(f, 1, "SKU-0003", 1);
	assert_string_equal(f->carrier, "UPS");
	assert_string_equal(f->method, "UPS 2nd Day Air");
	assert_string_equal(f->tracking, "1Z0000000000000002");
	assert_int_equal(f->ship_date, NOV22 + 86400);
	/* one lookup for both (the same order asked once) */
	assert_string_equal(mk.http.log[query_logged(Q_LOOKUP)].body,
	                    "{\"q\":\"" Q_LOOKUP "1001)\"}");
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T10:05:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);
}

/* ---- cancellations ------------------------------------------------------------- */

static void
closed_lines_are_one_cancellation_with_their_unshipped_quantities(void **state)
{
	const struct fulfillment *f;
	struct mrec *so;
	struct page p;

	(void)state;
	so = seed("salesOrder", 1010, "AMZ-ORD-111-0000010-0000010", "E", "2026-11-22 10:20:00",
	          "{\"item\":{\"items\":["
	          /* 3 ordered, 1 shipped, closed: 2 cancelled */
	          "{\"item\":{\"id\":\"501\"},\"quantity\":3,\"quantityFulfilled\":1,\"isClosed\":true},"
	          /* closed before any shipment: 2 */
	          "{\"item\":{\"id\":\"502\"},\"quantity\":2,\"isClosed\":true},"
	          /* open */
	          "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"quantityFulfilled\":0,\"isClosed\":false},"
	          /* closed after shipping in full: nothing to cancel */
	          "{\"item\":{\"id\":\"503\"},\"quantity\":2,\"quantityFulfilled\":2,\"isClosed\":true},"
	          /* the shipping line, closed with the order */
	          "{\"item\":{\"id\":\"900\"},\"quantity\":1,\"isClosed\":true}]}}");
	snprintf(so->line_mod[0], 20, "2026-11-22 10:10:00");
	snprintf(so->line_mod[1], 20, "2026-11-22 10:10:00");
	snprintf(so->line_mod[3], 20, "2026-11-22 10:20:00");
	snprintf(so->line_mod[4], 20, "2026-11-22 10:20:00");
	/* closed lines of records not ours: a web order, a purchase order */
	so = seed("salesOrder", 1011, "WEB-1011", "H", "2026-11-22 10:00:00",
	          "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1,\"isClosed\":true}]}}");
	snprintf(so->line_mod[0], 20, "2026-11-22 10:00:00");
	so = seed("purchaseOrder", 1012, "AMZ-ORD-111-0000012-0000012", "H", "2026-11-22 10:00:00",
	          "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1,\"isClosed\":true}]}}");
	snprintf(so->line_mod[0], 20, "2026-11-22 10:00:00");
	/* closed before the window */
	so = seed("salesOrder", 1013, "AMZ-ORD-111-0000013-0000013", "H", "2026-11-22 08:00:00",
	          "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1,\"isClosed\":true}]}}");
	snprintf(so->line_mod[0], 20, "2026-11-22 08:00:00");

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.nbad, 0);
	assert_int_equal(p.n, 1);
	f = change_at(&p, 0, ERP_CHANGE_CANCELLATION);
	assert_string_equal(f->id, "1010");
	assert_string_equal(f->order_id, "111-0000010-0000010");
	assert_int_equal(f->cancel, 1);
	assert_int_equal(f->nlines, 2);
	line_is(f, 0, "SKU-0001", 2);
	line_is(f, 1, "SKU-0002", 2);
	assert_null(f->tracking);
	assert_int_equal(f->ship_date, 0);
	/* the page's transactions looked up once each, only the order of ours read, once */
	assert_string_equal(mk.http.log[query_logged(Q_LOOKUP)].body,
	                    "{\"q\":\"" Q_LOOKUP "1011, 1012, 1010)\"}");
	assert_int_equal(count_logged("GET "), 1);
	assert_true(logged_from(0, "GET " R "salesOrder/1010?expandSubResources=true") >= 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T09:00:00Z;"
	                              "close=since,2026-11-22T10:20:00Z");
	page_free(&p);
}

static void
an_order_whose_closed_lines_all_shipped_reports_nothing(void **state)
{
	struct mrec *so;
	struct page p;

	(void)state;
	so = seed("salesOrder", 1020, "AMZ-ORD-111-0000020-0000020", "G", "2026-11-22 10:00:00",
	          "{\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":2,"
	          "\"quantityFulfilled\":2,\"isClosed\":true}]}}");
	snprintf(so->line_mod[0], 20, "2026-11-22 10:00:00");
	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.nbad, 0);
	assert_int_equal(count_logged("GET " R "salesOrder/1020"), 1);
	page_free(&p);
}

/* ---- cursors, paging, failures ------------------------------------------------- */

static void
an_old_v1_cursor_still_means_the_same_for_refunds(void **state)
{
	struct page p;
	int q;

	(void)state;
	run_page("v1;since=2026-11-22T09:00:00Z", &p);
	q = query_logged("SELECT id, type, externalid, createdfrom, TO_CHAR");
	assert_true(q >= 0);
	assert_string_equal(mk.http.log[q].line, QL "?limit=100&offset=0");
	assert_string_equal(mk.http.log[q].body,
	                    "{\"q\":\"" Q_REFUND "2026-11-22 08:55:00" Q_REFUND_END "\"}");
	q = query_logged("SELECT id, createdfrom, status");
	assert_non_null(strstr(mk.http.log[q].body, "TO_TIMESTAMP('2026-11-22 08:55:00'"));
	assert_string_equal(p.cursor, ALL_SINCE_0900);
	assert_int_equal(p.more, 0);
	page_free(&p);

	/* mid-poll: the refund query goes on after 09:00 past 2 rows, the new
	 * queries start at 09:00 minus the overlap */
	mock_http_log_clear(&mk.http);
	run_page("v1;after=2026-11-22T09:00:00Z;skip=2", &p);
	q = query_logged("SELECT id, type, externalid, createdfrom, TO_CHAR");
	assert_string_equal(mk.http.log[q].line, QL "?limit=100&offset=2");
	assert_string_equal(mk.http.log[q].body,
	                    "{\"q\":\"" Q_REFUND "2026-11-22 09:00:00" Q_REFUND_END "\"}");
	q = query_logged("SELECT id, createdfrom, status");
	assert_string_equal(mk.http.log[q].line, QL "?limit=100&offset=0");
	assert_non_null(strstr(mk.http.log[q].body, "TO_TIMESTAMP('2026-11-22 08:55:00'"));
	q = query_logged("SELECT transaction, id");
	assert_string_equal(mk.http.log[q].line, QL "?limit=100&offset=0");
	assert_non_null(strstr(mk.http.log[q].body, "TO_TIMESTAMP('2026-11-22 08:55:00'"));
	assert_string_equal(p.cursor, ALL_SINCE_0900);
	page_free(&p);
}

static void
a_query_with_more_rows_pages_alone_until_it_is_done(void **state)
{
	const char *json =
	    "{\"createdFrom\":{\"id\":\"1001\"},\"shipStatus\":{\"id\":\"C\"},"
	    "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1}]}}";
	struct page p;
	int mark;

	(void)state;
	seed_order();
	seed("itemFulfillment", 5021, NULL, "C", "2026-11-22 10:00:00", json);
	seed("itemFulfillment", 5022, NULL, "C", "2026-11-22 10:00:00", json);
	seed("itemFulfillment", 5023, NULL, "C", "2026-11-22 11:00:00", json);
	mk.page_max = 2;

	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 2);
	assert_string_equal(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->id, "5021");
	assert_string_equal(change_at(&p, 1, ERP_CHANGE_FULFILLMENT)->id, "5022");
	assert_int_equal(p.more, 1);
	assert_string_equal(p.cursor, "v2;refund=done,2026-11-22T09:00:00Z;"
	                              "ship=after,2026-11-22T10:00:00Z,2;"
	                              "close=done,2026-11-22T09:00:00Z");
	page_free(&p);

	mark = mk.http.nlog;
	run_page("v2;refund=done,2026-11-22T09:00:00Z;ship=after,2026-11-22T10:00:00Z,2;"
	         "close=done,2026-11-22T09:00:00Z", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->id, "5023");
	assert_int_equal(p.more, 0);
	/* only the ship query was asked again, from 10:00 past its 2 rows */
	assert_int_equal(logged_from(mark, QL "?limit=100&offset=0"), -1);
	assert_true(logged_from(mark, QL "?limit=100&offset=2") >= 0);
	assert_non_null(strstr(mk.http.log[logged_from(mark, QL "?limit=100&offset=2")].body,
	                       "type = 'ItemShip' AND lastmodifieddate >= TO_TIMESTAMP('2026-11-22 "
	                       "10:00:00'"));
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T11:00:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);
}

static void
an_unreadable_record_goes_to_bad_and_a_transient_failure_fails_the_page(void **state)
{
	struct sc_error err;
	struct page p;

	(void)state;
	sc_error_clear(&err);
	seed_order();
	seed("itemFulfillment", 5031, NULL, "C", "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"shipStatus\":{\"id\":\"C\"},"
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"999\"},\"quantity\":1}]}}");
	seed("itemFulfillment", 5032, NULL, "C", "2026-11-22 10:01:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"shipStatus\":{\"id\":\"C\"},"
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1.5}]}}");
	seed("itemFulfillment", 5033, NULL, "C", "2026-11-22 10:02:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"shipStatus\":{\"id\":\"C\"},"
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1}]}}");
	run_page(ALL_SINCE_0900, &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(change_at(&p, 0, ERP_CHANGE_FULFILLMENT)->id, "5033");
	assert_int_equal(p.nbad, 2);
	assert_string_equal(p.bad[0].id, "5031");
	assert_string_equal(p.bad[0].err.msg, "NetSuite itemFulfillment 5031: item line 1: "
	                                      "NetSuite item 999 not found");
	assert_string_equal(p.bad[1].id, "5032");
	assert_string_equal(p.bad[1].err.msg, "NetSuite itemFulfillment 5032: item line 1: "
	                                      "quantity: \"1.5\" is not an exact amount at 0 decimals");
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T09:00:00Z;"
	                              "ship=since,2026-11-22T10:02:00Z;"
	                              "close=since,2026-11-22T09:00:00Z");
	page_free(&p);

	mk.fail_get = 5033;
	assert_int_equal(netsuite_ops.changes_page(fx.ns, ALL_SINCE_0900, &p, &err), SC_ETRANSIENT);
	assert_int_equal(p.n, 0);
	assert_string_equal(p.cursor, "");
	assert_non_null(strstr(err.msg, "itemFulfillment 5033"));
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(stream_cursors_round_trip_and_old_ones_are_read),
	};
#define FLOW(f) cmocka_unit_test_setup_teardown(f, flow_setup, flow_teardown)
	const struct CMUnitTest flows[] = {
		FLOW(a_shipped_fulfillment_is_one_fulfillment_change_with_its_fields),
		FLOW(a_packed_fulfillment_is_reported_once_it_is_shipped),
		FLOW(a_fulfillment_of_an_order_not_ours_is_not_read),
		FLOW(a_row_without_createdfrom_is_traced_from_the_record),
		FLOW(a_partial_shipment_and_its_rest_are_two_changes_with_their_own_quantities),
		FLOW(closed_lines_are_one_cancellation_with_their_unshipped_quantities),
		FLOW(an_order_whose_closed_lines_all_shipped_reports_nothing),
		FLOW(an_old_v1_cursor_still_means_the_same_for_refunds),
		FLOW(a_query_with_more_rows_pages_alone_until_it_is_done),
		FLOW(an_unreadable_record_goes_to_bad_and_a_transient_failure_fails_the_page),
	};
#undef FLOW
	int failed;

	failed = cmocka_run_group_tests_name("netsuite_ship", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("netsuite_ship_flows", flows, NULL, NULL);
	return failed != 0;
}
