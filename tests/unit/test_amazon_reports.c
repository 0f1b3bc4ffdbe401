/* test_amazon_reports.c: the amazon adapter's settlement slots
 * settlements_page and settlement_fetch (Reports API 2021-06-30,
 * docs/AMAZON.md §4) against a libmicrohttpd mock of LWA, getReports,
 * getReportDocument and the presigned document URL on 127.0.0.1.
 *
 * Expected bytes are written by hand: "Geb\xfchr \x80" is Cp1252 for
 * "Gebühr €" (ü = 0xFC, € = 0x80), whose UTF-8 is "Geb\xc3\xbchr \xe2\x82\xac";
 * "\x93\xfa\x96\x7b" is Shift_JIS for 日本 (UTF-8 e6 97 a5 e6 9c ac). The
 * recorded download of specs/amazon/recorded/ (a real gzip, Cp1252 answer
 * of the SP-API sandbox) is replayed with its own Content-Type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#define PRESIGN "X-Amz-Signature=SIGSECRET0123"
#define STL_TYPE "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
#define TOKEN1 "nT+/1==page2"

/* ---- the mock ----------------------------------------------------------- */

#define MAX_REQ 16

struct mock {
	struct mock_http http;
	struct mock_lwa lwa;
	/* script */
	const char *page1, *page2;      /* getReports answers (page2: with nextToken) */
	int reports_status;             /* 0: 200; else this status for every getReports */
	int token_refused;              /* a nextToken request answers 400 */
	unsigned char *doc;             /* the download's bytes */
	size_t doc_len;
	const char *doc_ctype;          /* its Content-Type (NULL: none) */
	int doc_gzip;                   /* getReportDocument says GZIP */
	int doc_status;                 /* 0: 200; else an S3 error with this status */
	/* record */
	int nrep;
	char rep_uri[MAX_REQ][1024];
	int nrep_args[MAX_REQ];
	int ndoc, ndownload, download_token;
	char doc_uri[256];
};

static struct mock mk;

/* the presigned URL: no token expected */
static enum MHD_Result
mock_download(const struct mock_http_req *r)
{
	static const char denied[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
		"<Code>AccessDenied</Code><Message>Request has expired</Message>"
		"<X-Amz-Expires>300</X-Amz-Expires><RequestId>X</RequestId><HostId>"
		PRESIGN "</HostId></Error>";

	mock_http_lock(&mk.http);
	mk.ndownload++;
	mk.download_token += mock_http_header(r, "x-amz-access-token") != NULL;
	snprintf(mk.doc_uri, sizeof(mk.doc_uri), "%s", r->uri);
	mock_http_unlock(&mk.http);
	if (mk.doc_status != 0)
		return mock_http_bytes(r->conn, (unsigned)mk.doc_status, denied, strlen(denied),
		                       "application/xml");
	return mock_http_bytes(r->conn, 200, mk.doc, mk.doc_len, mk.doc_ctype);
}

static enum MHD_Result
mock_handler(void *ud, const struct mock_http_req *r)
{
	char body[512];

	(void)ud;
	if (mock_http_is(r, "POST", MOCK_LWA_PATH))
		return mock_lwa_serve(&mk.http, &mk.lwa, r);
	if (mock_http_under(r, "GET", "/s3/"))
		return mock_download(r);
	if (!mock_lwa_token_ok(&mk.http, &mk.lwa, r))
		return mock_http_json(r->conn, 403, mock_lwa_denied);
	if (mock_http_is(r, "GET", AMAZON_REPORTS_PATH "/reports")) {
		const char *next = mock_http_arg(r, "nextToken");
		int nargs = mock_http_arg_count(r);

		mock_http_lock(&mk.http);
		if (mk.nrep < MAX_REQ) {
			snprintf(mk.rep_uri[mk.nrep], sizeof(mk.rep_uri[0]), "%s", r->uri);
			mk.nrep_args[mk.nrep] = nargs;
		}
		mk.nrep++;
		mock_http_unlock(&mk.http);
		if (mk.reports_status != 0)
			return mock_http_json(r->conn, (unsigned)mk.reports_status, "{\"errors\":[{\"code\":"
			                      "\"QuotaExceeded\",\"message\":\"You exceeded your quota for "
			                      "the requested resource.\"}]}");
		if (next != NULL && (nargs != 1 || mk.token_refused))
			return mock_http_json(r->conn, 400, "{\"errors\":[{\"code\":\"InvalidInput\","
			                      "\"message\":\"Invalid nextToken.\"}]}");
		return mock_http_json(r->conn, 200, next != NULL ? mk.page2 : mk.page1);
	}
	if (mock_http_under(r, "GET", AMAZON_REPORTS_PATH "/documents/")) {
		const char *id = r->url + strlen(AMAZON_REPORTS_PATH) + 11;

		mock_http_lock(&mk.http);
		mk.ndoc++;
		mock_http_unlock(&mk.http);
		snprintf(body, sizeof(body), "{\"reportDocumentId\":\"%s\",\"url\":"
		         "\"%s/s3/%s?" PRESIGN "\"%s}", id, mk.http.base, id,
		         mk.doc_gzip ? ",\"compressionAlgorithm\":\"GZIP\"" : "");
		return mock_http_json(r->conn, 200, body);
	}
	return mock_http_json(r->conn, 404, "{\"errors\":[{\"code\":\"NotFound\",\"message\":"
	                      "\"Resource not found\"}]}");
}

static int
mock_start(void)
{
	memset(&mk, 0, sizeof(mk));
	return mock_http_start(&mk.http, 0, mock_handler, NULL);
}

static void
mock_stop(void)
{
	mock_http_stop(&mk.http);
	free(mk.doc);
}

/* The download the mock serves: `data` as is or gzip'ed. */
static void
mock_set_doc(const void *data, size_t len, int gzip, const char *ctype)
{
	free(mk.doc);
	mk.doc_gzip = gzip;
	mk.doc_ctype = ctype;
	if (gzip) {
		mk.doc = mock_gzip(data, len, &mk.doc_len);
	} else {
		mk.doc = malloc(len + 1);
		assert_non_null(mk.doc);
		memcpy(mk.doc, data, len);
		mk.doc_len = len;
	}
	assert_non_null(mk.doc);
}

/* ---- fixture ------------------------------------------------------------ */

struct fx {
	struct conf *conf;
	struct http_client *http;
	void *self;
	struct sc_error err;
	struct page page;
	char dir[64];
	char path[128];
};

static const struct mock_amazon amazon = {
	.state_dir = "/nonexistent/test_amazon_reports",
	.client_id = CLIENT_ID, .client_secret = CLIENT_SECRET, .refresh_token = REFRESH_TOKEN,
	.marketplace_ids = "A1PA6795UKMFR9", .endpoint_tail = "/",
	.retries = 1, .time_scale = 1000.0, .forget_secrets = 1, .ops = &amazon_ops,
};

static int
fx_open(struct fx *f, const char *extra)
{
	return mock_amazon_open(&f->self, &f->conf, &f->http, &mk.http, &amazon, extra, &f->err);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || mock_start() < 0)
		return -1;
	page_init(&f->page, amazon__settlement_ref_free);
	sc_error_clear(&f->err);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_amazon_reports.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/stl-1.tsv", f->dir);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	char tmp[160];

	page_free(&f->page);
	mock_adapter_close(&f->self, &f->conf, &f->http, amazon_ops.close);
	mock_stop();
	unlink(f->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
assert_no_secret(const struct sc_error *err)
{
	assert_null(strstr(err->msg, "SECRET"));
	assert_null(strstr(err->remote, "SECRET"));
	assert_null(strstr(err->msg, "Atza|"));
	assert_null(strstr(err->msg, "X-Amz-Signature"));
}

static int64_t
iso(const char *s)
{
	int64_t t = 0;

	assert_int_equal(time_parse_iso8601(&t, s, strlen(s)), 0);
	return t;
}

/* ---- pure parts --------------------------------------------------------- */

static void
cursors_round_trip_and_strangers_are_refused(void **state)
{
	static const char *const good[] = {
		"s1;since=2026-11-20T10:05:00Z",
		"s1;since=1970-01-01T00:00:00Z",
		"s1;since=2026-11-20T10:05:00Z;from=2026-11-10T00:00:00Z;token=a;b=c+/==",
	};
	static const char *const bad[] = {
		"v1;after=2026-11-20T10:05:00Z", "s1;since=", "s1;since=yesterday",
		"s1;since=2026-11-20T10:05:00Z;token=x", "s1;since=2026-11-20T10:05:00Z;from=x;token=y",
		"s1;since=2026-11-20T10:05:00Z;from=2026-11-10T00:00:00Z;token=",
		"s1;since=2026-11-20T10:05:00Z;junk",
	};
	struct amazon_stl_cursor c;
	struct sc_error err;
	char out[2048];
	size_t i;

	(void)state;
	assert_int_equal(amazon__stl_cursor_decode(&c, NULL, &err), 0);
	assert_int_equal(c.since, 0);
	assert_int_equal(amazon__stl_cursor_decode(&c, "", &err), 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(amazon__stl_cursor_decode(&c, good[i], &err), 0);
		assert_int_equal(amazon__stl_cursor_encode(out, sizeof(out), &c, &err), 0);
		assert_string_equal(out, good[i]);
	}
	assert_int_equal(amazon__stl_cursor_decode(&c, good[2], &err), 0);
	assert_int_equal(c.since, iso("2026-11-20T10:05:00Z"));
	assert_int_equal(c.from, iso("2026-11-10T00:00:00Z"));
	assert_string_equal(c.token, "a;b=c+/==");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc_error_clear(&err);
		assert_int_equal(amazon__stl_cursor_decode(&c, bad[i], &err), SC_EMALFORMED);
		assert_non_null(strstr(err.msg, "not one this adapter wrote"));
	}
	memset(&c, 0, sizeof(c));
	memset(c.token, 'x', 60);
	assert_int_equal(amazon__stl_cursor_encode(out, 40, &c, &err), SC_ENOSPACE);
}

static void
charset_is_read_from_the_content_type(void **state)
{
	static const struct {
		const char *ct, *want;   /* want NULL: none */
	} cases[] = {
		{ "text/plain; charset=Cp1252", "Cp1252" },
		{ "text/plain;charset=UTF-8", "UTF-8" },
		{ "text/plain; Charset = \"windows-1252\"", "windows-1252" },
		{ "text/tab-separated-values; header=present; charset=Shift_JIS", "Shift_JIS" },
		{ "text/plain", NULL },
		{ "text/plain; charset=", NULL },
		{ "text/plain; charset=ev/l", NULL },
		{ "text/plain; foo=bar", NULL },
		{ NULL, NULL },
	};
	char out[48];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = amazon__charset_from_content_type(out, sizeof(out), cases[i].ct);

		assert_int_equal(got, cases[i].want != NULL);
		if (cases[i].want != NULL)
			assert_string_equal(out, cases[i].want);
	}
}

/* ---- listing ------------------------------------------------------------ */

static const char page1_json[] =
	"{\"reports\":["
	"{\"reportId\":\"51393019617\",\"reportType\":\"" STL_TYPE "\","
	"\"dataStartTime\":\"2026-11-06T10:00:00Z\",\"dataEndTime\":\"2026-11-20T10:00:00Z\","
	"\"createdTime\":\"2026-11-20T10:05:00Z\",\"processingStatus\":\"DONE\","
	"\"reportDocumentId\":\"amzn1.spdoc.1.4.eu.doc-617\"},"
	"{\"reportId\":\"51393019500\",\"reportType\":\"" STL_TYPE "\","
	"\"createdTime\":\"2026-11-06T09:59:00.123+00:00\",\"processingStatus\":\"DONE\","
	"\"reportDocumentId\":\"amzn1.spdoc.1.4.eu.doc-500\"},"
	"{\"reportId\":\"51393019400\",\"reportType\":\"" STL_TYPE "\","
	"\"createdTime\":\"2026-11-05T00:00:00Z\",\"processingStatus\":\"DONE\"},"
	"{\"reportId\":\"777\",\"reportType\":\"GET_MERCHANT_LISTINGS_ALL_DATA\","
	"\"createdTime\":\"2026-11-21T00:00:00Z\",\"processingStatus\":\"DONE\","
	"\"reportDocumentId\":\"other\"},"
	"{\"reportId\":\"51393019700\",\"reportType\":\"" STL_TYPE "\","
	"\"createdTime\":\"2026-11-21T00:00:00Z\",\"processingStatus\":\"IN_PROGRESS\"}"
	"],\"nextToken\":\"" TOKEN1 "\"}";

static const char page2_json[] =
	"{\"reports\":[{\"reportId\":\"51393019300\",\"reportType\":\"" STL_TYPE "\","
	"\"dataStartTime\":\"2026-10-23T10:00:00Z\",\"dataEndTime\":\"2026-11-06T10:00:00Z\","
	"\"createdTime\":\"2026-11-06T10:02:00Z\",\"processingStatus\":\"DONE\","
	"\"reportDocumentId\":\"amzn1.spdoc.1.4.eu.doc-300\"}]}";

static void
settlements_page_lists_with_created_since_then_pages_with_the_token_alone(void **state)
{
	struct fx *f = *state;
	const struct settlement_ref *r;
	char conf[64], start[21], v[256], cursor[2048], want[512];
	int64_t now = time_now(), since;

	mk.page1 = page1_json;
	mk.page2 = page2_json;
	/* a start 10 days back (whole seconds), inside the 90 days Amazon keeps */
	since = now - 10 * 86400;
	time_format_iso8601(start, since);
	snprintf(conf, sizeof(conf), "start_date = %s\n", start);
	assert_int_equal(fx_open(f, conf), 0);
	assert_non_null(amazon_ops.settlements_page);
	assert_non_null(amazon_ops.settlement_fetch);

	assert_int_equal(amazon__settlements_page(f->self, NULL, &f->page, &f->err), 0);
	assert_int_equal(mk.nrep, 1);
	assert_int_equal(mk.nrep_args[0], 4);
	assert_true(mock_http_query_value(mk.rep_uri[0], "reportTypes", v, sizeof(v)));
	assert_string_equal(v, STL_TYPE);
	assert_true(mock_http_query_value(mk.rep_uri[0], "processingStatuses", v, sizeof(v)));
	assert_string_equal(v, "DONE");
	assert_true(mock_http_query_value(mk.rep_uri[0], "pageSize", v, sizeof(v)));
	assert_string_equal(v, "100");
	assert_true(mock_http_query_value(mk.rep_uri[0], "createdSince", v, sizeof(v)));
	assert_string_equal(v, start);
	assert_int_equal(mk.lwa.bad_token, 0);

	/* two DONE settlement reports; the one without a document is bad; the
	 * other report type and the one in progress are skipped */
	assert_int_equal(f->page.n, 2);
	r = f->page.items[0];
	assert_string_equal(r->id, "51393019617");
	assert_string_equal(r->document, "amzn1.spdoc.1.4.eu.doc-617");
	assert_int_equal(r->created, 1795169100);   /* 2026-11-20T10:05:00Z */
	assert_int_equal(r->start, 1793959200);     /* 2026-11-06T10:00:00Z */
	assert_int_equal(r->end, 1795168800);       /* 2026-11-20T10:00:00Z */
	r = f->page.items[1];
	assert_string_equal(r->id, "51393019500");
	assert_int_equal(r->created, 1793959140);   /* 2026-11-06T09:59:00Z, fraction dropped */
	assert_int_equal(r->start, 0);
	assert_int_equal(r->end, 0);
	assert_int_equal(f->page.nbad, 1);
	assert_string_equal(f->page.bad[0].id, "51393019400");
	assert_non_null(strstr(f->page.bad[0].err.msg, "reportDocumentId"));
	assert_int_equal(f->page.more, 1);
	snprintf(want, sizeof(want), "s1;since=2026-11-20T10:05:00Z;from=%s;token=" TOKEN1, start);
	assert_string_equal(f->page.cursor, want);
	snprintf(cursor, sizeof(cursor), "%s", f->page.cursor);
	page_free(&f->page);

	/* page 2: nextToken alone, URL-encoded */
	assert_int_equal(amazon__settlements_page(f->self, cursor, &f->page, &f->err), 0);
	assert_int_equal(mk.nrep, 2);
	assert_int_equal(mk.nrep_args[1], 1);
	assert_string_equal(mk.rep_uri[1], AMAZON_REPORTS_PATH "/reports?nextToken=nT%2B%2F1%3D%3Dpage2");
	assert_int_equal(f->page.n, 1);
	assert_string_equal(((const struct settlement_ref *)f->page.items[0])->id, "51393019300");
	assert_int_equal(f->page.nbad, 0);
	assert_int_equal(f->page.more, 0);
	/* the newest created seen stays the watermark (page 2's is older) */
	assert_string_equal(f->page.cursor, "s1;since=2026-11-20T10:05:00Z");
	snprintf(cursor, sizeof(cursor), "%s", f->page.cursor);
	page_free(&f->page);

	/* the next listing re-reads three days before the watermark */
	assert_int_equal(amazon__settlements_page(f->self, cursor, &f->page, &f->err), 0);
	assert_int_equal(mk.nrep, 3);
	assert_true(mock_http_query_value(mk.rep_uri[2], "createdSince", v, sizeof(v)));
	assert_string_equal(v, "2026-11-17T10:05:00Z");
	assert_int_equal(mk.nrep_args[2], 4);
}

static void
a_refused_token_restarts_the_listing_from_its_start(void **state)
{
	struct fx *f = *state;
	char v[256];

	mk.page1 = page2_json;     /* no nextToken: the listing ends */
	mk.page2 = page2_json;
	mk.token_refused = 1;
	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon__settlements_page(f->self, "s1;since=2026-11-20T10:05:00Z;"
	                                          "from=2026-11-17T10:05:00Z;token=expired",
	                                          &f->page, &f->err), 0);
	assert_int_equal(mk.nrep, 2);
	assert_non_null(strstr(mk.rep_uri[0], "nextToken=expired"));
	assert_true(mock_http_query_value(mk.rep_uri[1], "createdSince", v, sizeof(v)));
	assert_string_equal(v, "2026-11-17T10:05:00Z");
	assert_int_equal(f->page.n, 1);
	assert_int_equal(f->page.more, 0);
	assert_string_equal(f->page.cursor, "s1;since=2026-11-20T10:05:00Z");
}

static void
a_throttled_listing_is_transient_and_keeps_no_cursor(void **state)
{
	struct fx *f = *state;

	mk.reports_status = 429;
	assert_int_equal(fx_open(f, NULL), 0);
	assert_int_equal(amazon__settlements_page(f->self, "s1;since=2026-11-20T10:05:00Z",
	                                          &f->page, &f->err), SC_ETRANSIENT);
	assert_int_equal(f->err.http_status, 429);
	assert_non_null(strstr(f->err.remote, "QuotaExceeded"));
	assert_string_equal(f->page.cursor, "");
	assert_int_equal(f->page.n, 0);
	assert_no_secret(&f->err);
	sc_error_clear(&f->err);
	assert_int_equal(amazon__settlements_page(f->self, "v1;after=2026-11-20T10:05:00Z",
	                                          &f->page, &f->err), SC_EMALFORMED);
}

/* ---- fetch -------------------------------------------------------------- */

static void
fetch_one(struct fx *f, int want_rc)
{
	struct settlement_ref ref;

	memset(&ref, 0, sizeof(ref));
	snprintf(ref.id, sizeof(ref.id), "51393019617");
	snprintf(ref.document, sizeof(ref.document), "amzn1.spdoc.1.4.eu.doc-617");
	assert_int_equal(amazon__settlement_fetch(f->self, &ref, f->path, &f->err), want_rc);
}

static void
assert_file(const struct fx *f, const char *want, size_t want_len)
{
	struct stat st;
	char *got, tmp[160];
	size_t len = 0;

	got = mock_file_read(f->path, &len);
	assert_non_null(got);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, want_len);
	free(got);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void
fetch_gunzips_cp1252_into_utf8_without_the_token_on_the_presigned_url(void **state)
{
	static const char cp[] = "settlement-id\tamount-description\tamount\n"
	                         "1\tGeb\xfchr \x80\t-1,00\n";
	static const char utf8[] = "settlement-id\tamount-description\tamount\n"
	                           "1\tGeb\xc3\xbchr \xe2\x82\xac\t-1,00\n";
	struct fx *f = *state;

	mock_set_doc(cp, sizeof(cp) - 1, 1, "text/plain; charset=Cp1252");
	assert_int_equal(fx_open(f, NULL), 0);
	fetch_one(f, 0);
	assert_int_equal(mk.ndoc, 1);
	assert_int_equal(mk.ndownload, 1);
	assert_int_equal(mk.download_token, 0);
	assert_int_equal(mk.lwa.bad_token, 0);
	assert_non_null(strstr(mk.doc_uri, "/s3/amzn1.spdoc.1.4.eu.doc-617?" PRESIGN));
	assert_file(f, utf8, sizeof(utf8) - 1);

	/* fetched again: the file is replaced, not appended to */
	fetch_one(f, 0);
	assert_file(f, utf8, sizeof(utf8) - 1);
}

static void
fetch_replays_the_recorded_gzip_cp1252_download(void **state)
{
	const char *shared = getenv("SC_SHARED");
	char path[1024];
	json_object *root = NULL, *text;
	struct fx *f = *state;
	const char *t;
	size_t tlen;

	snprintf(path, sizeof(path), "%s/specs/amazon/recorded/reports_download_compressed_document.json",
	         shared != NULL ? shared : "../shared");
	root = json_object_from_file(path);
	assert_non_null(root);
	text = json_path(root, "interactions.1.response.body.gzip_decoded_text_cp1252");
	assert_non_null(text);
	t = json_object_get_string(text);
	tlen = (size_t)json_object_get_string_len(text);
	assert_true(tlen > 1000);
	assert_non_null(memchr(t, '\0', tlen));      /* its empty cells hold NULs */
	/* the recorded answer: gzip, Content-Type text/plain; charset=Cp1252 */
	assert_string_equal(json_object_get_string(json_path(root,
	                    "interactions.1.response.headers.Content-Type.0")),
	                    "text/plain; charset=Cp1252");
	mock_set_doc(t, tlen, 1, "text/plain; charset=Cp1252");
	assert_int_equal(fx_open(f, NULL), 0);
	fetch_one(f, 0);
	assert_file(f, t, tlen);                     /* ASCII: the same bytes */
	json_object_put(root);
}

static void
fetch_keeps_utf8_and_carries_characters_cut_between_chunks(void **state)
{
	struct fx *f = *state;
	size_t n = 40001, i;
	char *doc = malloc(n);

	assert_non_null(doc);
	doc[0] = 'a';            /* every "ü" (c3 bc) straddles a 16 KiB boundary somewhere */
	for (i = 1; i + 1 < n; i += 2) {
		doc[i] = '\xc3';
		doc[i + 1] = '\xbc';
	}
	mock_set_doc(doc, n, 0, "text/plain;charset=UTF-8");
	assert_int_equal(fx_open(f, NULL), 0);
	fetch_one(f, 0);
	assert_file(f, doc, n);
	free(doc);
}

static void
fetch_converts_shift_jis_cut_between_chunks(void **state)
{
	struct fx *f = *state;
	size_t n = 3 + 4 * 8000, i, m = 3 + 6 * 8000;
	char *doc = malloc(n), *want = malloc(m);

	assert_non_null(doc);
	assert_non_null(want);
	memcpy(doc, "ab\n", 3);
	memcpy(want, "ab\n", 3);
	for (i = 0; i < 8000; i++) {
		memcpy(doc + 3 + 4 * i, "\x93\xfa\x96\x7b", 4);
		memcpy(want + 3 + 6 * i, "\xe6\x97\xa5\xe6\x9c\xac", 6);
	}
	mock_set_doc(doc, n, 1, "text/plain; charset=Shift_JIS");
	assert_int_equal(fx_open(f, NULL), 0);
	fetch_one(f, 0);
	assert_file(f, want, m);
	free(doc);
	free(want);
}

static void
fetch_without_a_declared_charset_reads_cp1252(void **state)
{
	static const char cp[] = "a\t\xe4\xf6\xfc\xdf\n";        /* äöüß */
	static const char utf8[] = "a\t\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f\n";
	struct fx *f = *state;

	mock_set_doc(cp, sizeof(cp) - 1, 0, NULL);
	assert_int_equal(fx_open(f, NULL), 0);
	fetch_one(f, 0);
	assert_file(f, utf8, sizeof(utf8) - 1);
}

static void
fetch_failures_leave_no_file_and_name_the_report(void **state)
{
	static const char undefined[] = "ok\t\x81\n";   /* 0x81 is not a Cp1252 character */
	struct fx *f = *state;
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(fx_open(f, NULL), 0);

	mock_set_doc(undefined, sizeof(undefined) - 1, 1, "text/plain; charset=Cp1252");
	fetch_one(f, SC_EMALFORMED);
	assert_non_null(strstr(f->err.msg, "51393019617"));
	assert_non_null(strstr(f->err.msg, "byte 3 "));
	assert_non_null(strstr(f->err.msg, "Cp1252"));
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);

	sc_error_clear(&f->err);
	mock_set_doc("a\tb\n", 4, 0, "text/plain; charset=x-no-such-charset");
	fetch_one(f, SC_ENOTSUP);
	assert_non_null(strstr(f->err.msg, "x-no-such-charset"));
	assert_int_equal(access(f->path, F_OK), -1);

	sc_error_clear(&f->err);
	mock_set_doc("not gzip at all", 15, 0, "text/plain; charset=Cp1252");
	mk.doc_gzip = 1;         /* the document says GZIP; the bytes are not */
	fetch_one(f, SC_EMALFORMED);
	assert_non_null(strstr(f->err.msg, "gzip"));
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);

	sc_error_clear(&f->err);
	mk.doc_status = 403;
	fetch_one(f, SC_EAUTH);
	assert_int_equal(f->err.http_status, 403);
	assert_string_equal(f->err.remote, "AccessDenied");
	assert_non_null(strstr(f->err.msg, "51393019617"));
	assert_no_secret(&f->err);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(mk.download_token, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cursors_round_trip_and_strangers_are_refused),
		cmocka_unit_test(charset_is_read_from_the_content_type),
		cmocka_unit_test_setup_teardown(
			settlements_page_lists_with_created_since_then_pages_with_the_token_alone,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_refused_token_restarts_the_listing_from_its_start,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_throttled_listing_is_transient_and_keeps_no_cursor,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			fetch_gunzips_cp1252_into_utf8_without_the_token_on_the_presigned_url,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(fetch_replays_the_recorded_gzip_cp1252_download,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(fetch_keeps_utf8_and_carries_characters_cut_between_chunks,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(fetch_converts_shift_jis_cut_between_chunks,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(fetch_without_a_declared_charset_reads_cp1252,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(fetch_failures_leave_no_file_and_name_the_report,
		                                fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
