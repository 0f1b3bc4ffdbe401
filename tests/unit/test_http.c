/* test_http.c: the HTTP client (connector/http.h) against a scripted
 * libmicrohttpd server on 127.0.0.1. Every expected value below comes from
 * the script of the test, not from the client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "connector/error.h"
#include "connector/http.h"
#include "connector/log.h"
#include "connector/ratelimit.h"

/* --- the scripted server ------------------------------------------------ */

enum step_kind {
	STEP_REPLY = 0,   /* status, header, body */
	STEP_DROP,        /* close the connection without a reply */
	STEP_BIG,         /* `size` bytes with a Content-Length */
	STEP_CHUNKED,     /* `size` bytes, chunked (no length announced) */
	STEP_TRUNCATE     /* announce `size` bytes, send half, close */
};

struct step {
	enum step_kind kind;
	unsigned status;
	const char *hname;     /* optional response header */
	const char *hvalue;
	const char *body;
	size_t size;
	int delay_ms;
};

#define REC_MAX 32

struct rec {
	char method[16];
	char path[256];
	char query_token[64];
	char auth[128];
	char xstatic[64];
	char ua[128];
	char ctype[64];
	int has_expect;
	size_t body_len;
};

struct server {
	struct MHD_Daemon *d;
	uint16_t port;
	const struct step *steps;
	size_t nsteps;
	int next;            /* atomic: index of the next step */
	int in_flight;       /* atomic */
	int max_in_flight;   /* atomic: highest in_flight seen */
	int stopping;        /* atomic */
	pthread_mutex_t mu;
	int nrec;
	struct rec recs[REC_MAX];
	char *last_body;     /* body of the last request, under mu */
	size_t last_body_len;
};

struct req_ctx {
	char *body;
	size_t len;
	int counted;         /* still counted in in_flight */
};

struct gen {
	size_t total;
	size_t emit;         /* bytes produced before the end */
	int fail;            /* end with an error (connection closed) */
};

static ssize_t
gen_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct gen *g = cls;
	size_t n;

	if (pos >= g->emit)
		return g->fail ? MHD_CONTENT_READER_END_WITH_ERROR
		               : MHD_CONTENT_READER_END_OF_STREAM;
	n = g->emit - (size_t)pos;
	if (n > max)
		n = max;
	memset(buf, 'x', n);
	return (ssize_t)n;
}

static void
gen_free(void *cls)
{
	free(cls);
}

static void
srv_sleep(struct server *s, int ms)
{
	struct timespec ts = { 0, 10 * 1000000L };

	for (; ms > 0 && !__atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST); ms -= 10)
		nanosleep(&ts, NULL);
}

static void
copy_value(char *dst, size_t n, struct MHD_Connection *conn,
           enum MHD_ValueKind kind, const char *key)
{
	const char *v = MHD_lookup_connection_value(conn, kind, key);

	snprintf(dst, n, "%s", v ? v : "");
}

static void
srv_record(struct server *s, struct MHD_Connection *conn, const char *url,
           const char *method, struct req_ctx *rc)
{
	struct rec *r;

	pthread_mutex_lock(&s->mu);
	if (s->nrec < REC_MAX) {
		r = &s->recs[s->nrec];
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->path, sizeof(r->path), "%s", url);
		copy_value(r->query_token, sizeof(r->query_token), conn,
		           MHD_GET_ARGUMENT_KIND, "token");
		copy_value(r->auth, sizeof(r->auth), conn, MHD_HEADER_KIND, "Authorization");
		copy_value(r->xstatic, sizeof(r->xstatic), conn, MHD_HEADER_KIND, "X-Static");
		copy_value(r->ua, sizeof(r->ua), conn, MHD_HEADER_KIND, "User-Agent");
		copy_value(r->ctype, sizeof(r->ctype), conn, MHD_HEADER_KIND, "Content-Type");
		r->has_expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                            "Expect") != NULL;
		r->body_len = rc->len;
	}
	s->nrec++;
	free(s->last_body);
	s->last_body = rc->body;
	s->last_body_len = rc->len;
	rc->body = NULL;
	pthread_mutex_unlock(&s->mu);
}

static void
srv_leave(struct server *s, struct req_ctx *rc)
{
	if (rc->counted) {
		rc->counted = 0;
		__atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
	}
}

static enum MHD_Result
srv_handler(void *cls, struct MHD_Connection *conn, const char *url,
            const char *method, const char *version, const char *upload_data,
            size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct req_ctx *rc = *con_cls;
	struct MHD_Response *mr = NULL;
	const struct step *st;
	struct gen *g;
	char *p;
	int n, seen, idx;
	enum MHD_Result ret;

	if (rc == NULL) {
		rc = calloc(1, sizeof(*rc));
		if (rc == NULL)
			return MHD_NO;
		*con_cls = rc;
		rc->counted = 1;
		n = __atomic_add_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
		seen = __atomic_load_n(&s->max_in_flight, __ATOMIC_SEQ_CST);
		while (n > seen &&
		       !__atomic_compare_exchange_n(&s->max_in_flight, &seen, n, 0,
		                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		p = realloc(rc->body, rc->len + *upload_data_size);
		if (p == NULL)
			return MHD_NO;
		memcpy(p + rc->len, upload_data, *upload_data_size);
		rc->body = p;
		rc->len += *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}
	srv_record(s, conn, url, method, rc);
	idx = __atomic_fetch_add(&s->next, 1, __ATOMIC_SEQ_CST);
	if (s->nsteps == 0) {
		srv_leave(s, rc);
		return MHD_NO;
	}
	st = &s->steps[(size_t)idx < s->nsteps ? (size_t)idx : s->nsteps - 1];
	srv_sleep(s, st->delay_ms);
	/* Leave before the reply exists, so the client cannot see the reply
	 * while this request still counts as in flight. */
	srv_leave(s, rc);
	switch (st->kind) {
	case STEP_DROP:
		return MHD_NO;
	case STEP_REPLY:
		mr = MHD_create_response_from_buffer(st->body ? strlen(st->body) : 0,
		                                     (void *)(st->body ? st->body : ""),
		                                     MHD_RESPMEM_MUST_COPY);
		break;
	case STEP_BIG:
		p = malloc(st->size);
		if (p == NULL)
			return MHD_NO;
		memset(p, 'x', st->size);
		mr = MHD_create_response_from_buffer(st->size, p, MHD_RESPMEM_MUST_FREE);
		break;
	case STEP_CHUNKED:
	case STEP_TRUNCATE:
		g = calloc(1, sizeof(*g));
		if (g == NULL)
			return MHD_NO;
		g->total = st->size;
		g->emit = st->kind == STEP_TRUNCATE ? st->size / 2 : st->size;
		g->fail = st->kind == STEP_TRUNCATE;
		mr = MHD_create_response_from_callback(
			st->kind == STEP_TRUNCATE ? (uint64_t)st->size : MHD_SIZE_UNKNOWN,
			4096, gen_read, g, gen_free);
		break;
	}
	if (mr == NULL)
		return MHD_NO;
	MHD_add_response_header(mr, "X-Test", "yes");
	if (st->hname != NULL)
		MHD_add_response_header(mr, st->hname, st->hvalue);
	ret = MHD_queue_response(conn, st->status ? st->status : 200, mr);
	MHD_destroy_response(mr);
	return ret;
}

static void
srv_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
              enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct req_ctx *rc = *con_cls;

	if (rc == NULL)
		return;
	srv_leave(s, rc);
	free(rc->body);
	free(rc);
	*con_cls = NULL;
}

static int
srv_start(struct server *s)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_init(&s->mu, NULL);
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	                        MHD_USE_INTERNAL_POLLING_THREAD,
	                        0, NULL, NULL, srv_handler, s,
	                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                        MHD_OPTION_NOTIFY_COMPLETED, srv_completed, s,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	                        MHD_OPTION_END);
	if (s->d == NULL)
		return -1;
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0)
		return -1;
	s->port = info->port;
	return 0;
}

static void
srv_stop(struct server *s)
{
	__atomic_store_n(&s->stopping, 1, __ATOMIC_SEQ_CST);
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	s->d = NULL;
	free(s->last_body);
	s->last_body = NULL;
	pthread_mutex_destroy(&s->mu);
}

static int
srv_count(struct server *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->nrec;
	pthread_mutex_unlock(&s->mu);
	return n;
}

#define SCRIPT(fx, arr) ((fx)->srv.steps = (arr), \
                         (fx)->srv.nsteps = sizeof(arr) / sizeof((arr)[0]))

/* --- fixture ------------------------------------------------------------- */

struct fx {
	struct server srv;
	struct http_client *c;
	struct http_response resp;
	struct sc_error err;
	char url[256];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || srv_start(&fx->srv) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%u/orders/111-222",
	         (unsigned)fx->srv.port);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	http_response_free(&fx->resp);
	http_client_free(fx->c);
	srv_stop(&fx->srv);
	free(fx);
	return 0;
}

/* Fast defaults for tests: tiny backoff, 2 retries. */
static void
fx_client(struct fx *fx, const struct http_opts *o)
{
	struct http_opts d;

	memset(&d, 0, sizeof(d));
	if (o != NULL)
		d = *o;
	if (d.backoff_base_ms == 0)
		d.backoff_base_ms = 5;
	if (d.backoff_max_ms == 0)
		d.backoff_max_ms = 20;
	if (d.max_retries == 0)
		d.max_retries = 2;
	if (d.timeout_ms == 0)
		d.timeout_ms = 5000;
	assert_int_equal(http_client_new(&fx->c, &d, &fx->err), 0);
}

static struct http_request
get_req(const char *url)
{
	struct http_request r;

	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.url = url;
	r.op = "getOrder";
	r.idempotent = 1;
	return r;
}

static int
do_req(struct fx *fx, const struct http_request *r)
{
	http_response_free(&fx->resp);
	sc_error_clear(&fx->err);
	return http_request_do(fx->c, r, &fx->resp, &fx->err);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- tests --------------------------------------------------------------- */

static void
a_get_returns_status_body_and_headers(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 200, "Content-Type", "application/json", "{\"ok\":true}", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	char url[300];

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	snprintf(url, sizeof(url), "%s?token=abc&x=1", fx->url);
	r.url = url;
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 200);
	assert_int_equal(fx->resp.attempts, 1);
	assert_string_equal(buf_cstr(&fx->resp.body), "{\"ok\":true}");
	assert_int_equal(fx->resp.body.len, 11);
	assert_string_equal(http_response_header(&fx->resp, "x-test"), "yes");
	assert_string_equal(http_response_header(&fx->resp, "CONTENT-TYPE"),
	                    "application/json");
	assert_null(http_response_header(&fx->resp, "Retry-After"));
	assert_int_equal(srv_count(&fx->srv), 1);
	assert_string_equal(fx->srv.recs[0].method, "GET");
	assert_string_equal(fx->srv.recs[0].path, "/orders/111-222");
	assert_string_equal(fx->srv.recs[0].query_token, "abc");
	assert_string_equal(fx->srv.recs[0].ua, "connector/0.1.0");
}

static void
a_custom_user_agent_is_sent(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 204, NULL, NULL, NULL, 0, 0 } };
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(fx->url);

	memset(&o, 0, sizeof(o));
	o.user_agent = "my-shop/2.0 (Language=C)";
	SCRIPT(fx, s);
	fx_client(fx, &o);
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 204);
	assert_int_equal(fx->resp.body.len, 0);
	assert_string_equal(buf_cstr(&fx->resp.body), "");
	assert_string_equal(fx->srv.recs[0].ua, "my-shop/2.0 (Language=C)");
}

static void
a_post_body_arrives_intact(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 201, NULL, NULL, "made", 0, 0 } };
	static const char *const hdrs[] = { "Content-Type: application/octet-stream",
	                                    "X-Static: one", NULL };
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	size_t n = 70000, i;
	char *body = malloc(n);

	assert_non_null(body);
	for (i = 0; i < n; i++)   /* every byte value, NULs included */
		body[i] = (char)(i * 7 % 256);
	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.method = "POST";
	r.body = body;
	r.body_len = n;
	r.headers = hdrs;
	r.idempotent = 0;
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 201);
	assert_string_equal(buf_cstr(&fx->resp.body), "made");
	assert_string_equal(fx->srv.recs[0].method, "POST");
	assert_string_equal(fx->srv.recs[0].ctype, "application/octet-stream");
	assert_string_equal(fx->srv.recs[0].xstatic, "one");
	assert_int_equal(fx->srv.recs[0].has_expect, 0);
	assert_int_equal(fx->srv.last_body_len, n);
	assert_memory_equal(fx->srv.last_body, body, n);
	free(body);
}

static void
each_method_reaches_the_server_as_asked(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 } };
	static const struct {
		const char *method;
		const char *body;
		size_t body_len;
		const char *resp_body;
	} cases[] = {
		{ "PUT", "{\"a\":1}", 7, "ok" },
		{ "PATCH", "{\"b\":2}", 7, "ok" },
		{ "DELETE", NULL, 0, "ok" },
		{ "PUT", NULL, 0, "ok" },
		{ "HEAD", NULL, 0, "" },   /* no body comes back for HEAD */
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	size_t i;

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.method = cases[i].method;
		r.body = cases[i].body;
		r.body_len = cases[i].body_len;
		assert_int_equal(do_req(fx, &r), 0);
		assert_int_equal(fx->resp.status, 200);
		assert_string_equal(buf_cstr(&fx->resp.body), cases[i].resp_body);
		assert_string_equal(fx->srv.recs[i].method, cases[i].method);
		assert_int_equal(fx->srv.recs[i].body_len, cases[i].body_len);
	}
}

static void
an_unknown_method_or_a_get_with_a_body_is_refused(void **state)
{
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	fx_client(fx, NULL);
	r.method = "TRACE";
	assert_int_equal(do_req(fx, &r), SC_EINVALID);
	r.method = "GET";
	r.body = "x";
	r.body_len = 1;
	assert_int_equal(do_req(fx, &r), SC_EINVALID);
	assert_int_equal(srv_count(&fx->srv), 0);
}

static void
two_503s_then_200_give_200_after_three_attempts(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 503, NULL, NULL, "busy1", 0, 0 },
		{ STEP_REPLY, 503, NULL, NULL, "busy2", 0, 0 },
		{ STEP_REPLY, 200, "X-Final", "1", "done", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 200);
	assert_int_equal(fx->resp.attempts, 3);
	assert_string_equal(buf_cstr(&fx->resp.body), "done");
	assert_string_equal(http_response_header(&fx->resp, "X-Final"), "1");
	assert_int_equal(srv_count(&fx->srv), 3);
}

static void
exhausted_retries_return_the_last_response(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 500, NULL, NULL, "{\"e\":1}", 0, 0 },
		{ STEP_REPLY, 502, NULL, NULL, "{\"e\":2}", 0, 0 },
		{ STEP_REPLY, 500, "X-Last", "3", "{\"e\":3}", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "never", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);   /* max_retries 2: three attempts */
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 500);
	assert_int_equal(fx->resp.attempts, 3);
	assert_string_equal(buf_cstr(&fx->resp.body), "{\"e\":3}");
	assert_string_equal(http_response_header(&fx->resp, "X-Last"), "3");
	assert_int_equal(srv_count(&fx->srv), 3);
}

static void
a_4xx_is_returned_at_once(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 404, NULL, NULL, "{\"errors\":[]}", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "never", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 404);
	assert_int_equal(fx->resp.attempts, 1);
	assert_int_equal(srv_count(&fx->srv), 1);
}

static void
no_retry_makes_a_single_attempt(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 503, NULL, NULL, "busy", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "never", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.no_retry = 1;
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 503);
	assert_int_equal(fx->resp.attempts, 1);
	assert_int_equal(srv_count(&fx->srv), 1);
}

static void
retry_after_in_seconds_is_waited_for(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 429, "Retry-After", "1", "slow down", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	int64_t t0, ms;

	SCRIPT(fx, s);
	fx_client(fx, NULL);   /* backoff alone would be <= 5 ms */
	t0 = now_ms();
	assert_int_equal(do_req(fx, &r), 0);
	ms = now_ms() - t0;
	assert_int_equal(fx->resp.status, 200);
	assert_int_equal(fx->resp.attempts, 2);
	assert_true(ms >= 950);
	assert_true(ms < 3000);
}

static void
retry_after_as_an_http_date_is_waited_for(void **state)
{
	struct step s[] = {
		{ STEP_REPLY, 503, "Retry-After", NULL, "later", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	char date[64];
	time_t when = time(NULL) + 2;
	struct tm tm;
	int64_t t0, ms;

	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	s[0].hvalue = date;
	SCRIPT(fx, s);
	fx_client(fx, NULL);
	t0 = now_ms();
	assert_int_equal(do_req(fx, &r), 0);
	ms = now_ms() - t0;
	assert_int_equal(fx->resp.status, 200);
	/* Two seconds ahead in whole seconds: at least ~1 s remains. */
	assert_true(ms >= 900);
	assert_true(ms < 3500);
}

static void
retry_after_is_capped_by_retry_after_max(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 429, "Retry-After", "100", "", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(fx->url);
	int64_t t0, ms;

	memset(&o, 0, sizeof(o));
	o.retry_after_max_ms = 200;
	SCRIPT(fx, s);
	fx_client(fx, &o);
	t0 = now_ms();
	assert_int_equal(do_req(fx, &r), 0);
	ms = now_ms() - t0;
	assert_int_equal(fx->resp.status, 200);
	assert_true(ms >= 180);
	assert_true(ms < 1500);
}

static void
a_429_penalizes_the_limiter(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 429, "Retry-After", "0", "", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	struct ratelimit *rl = NULL;
	uint64_t granted = 0;
	int64_t t0, ms;

	/* A full bucket of 5 at 10/s: without the penalty both attempts would
	 * take a token at once; with it, the second waits ~100 ms. */
	assert_int_equal(ratelimit_new(&rl, "getOrder", 10.0, 5, 1.0), 0);
	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.limiter = rl;
	t0 = now_ms();
	assert_int_equal(do_req(fx, &r), 0);
	ms = now_ms() - t0;
	assert_int_equal(fx->resp.status, 200);
	ratelimit_stats(rl, &granted, NULL);
	assert_int_equal(granted, 2);
	assert_true(ms >= 80);
	assert_true(ms < 1000);
	ratelimit_free(rl);
}

static void
a_dropped_connection_is_retried_then_transient(void **state)
{
	static const struct step s[] = { { STEP_DROP, 0, NULL, NULL, NULL, 0, 0 } };
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	assert_non_null(strstr(fx->err.msg, "getOrder: GET 127.0.0.1:"));
	assert_non_null(strstr(fx->err.msg, "/orders/111-222: connection dropped"));
	assert_non_null(strstr(fx->err.msg, "(after 3 attempts)"));
	assert_int_equal(fx->resp.status, 0);
	assert_null(fx->resp.body.data);
	assert_true(srv_count(&fx->srv) >= 3);
}

static void
a_dropped_connection_then_a_reply_recovers(void **state)
{
	static const struct step s[] = {
		{ STEP_DROP, 0, NULL, NULL, NULL, 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "back", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 200);
	assert_int_equal(fx->resp.attempts, 2);
	assert_string_equal(buf_cstr(&fx->resp.body), "back");
}

static void
a_truncated_body_is_transient(void **state)
{
	static const struct step s[] = { { STEP_TRUNCATE, 200, NULL, NULL, NULL, 10000, 0 } };
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(fx->url);

	memset(&o, 0, sizeof(o));
	o.max_retries = 1;
	SCRIPT(fx, s);
	fx_client(fx, &o);
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	assert_non_null(strstr(fx->err.msg, "(after 2 attempts)"));
	assert_int_equal(srv_count(&fx->srv), 2);
}

static void
a_response_past_max_response_is_enospace(void **state)
{
	static const struct step sized[] = { { STEP_BIG, 200, NULL, NULL, NULL, 4096, 0 } };
	static const struct step chunked[] = { { STEP_CHUNKED, 200, NULL, NULL, NULL, 4096, 0 } };
	static const struct step fits[] = { { STEP_CHUNKED, 200, NULL, NULL, NULL, 1024, 0 } };
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(fx->url);

	memset(&o, 0, sizeof(o));
	o.max_response = 1024;
	fx_client(fx, &o);
	/* Announced length over the bound, then a chunked body over it: both
	 * refused, neither retried. */
	SCRIPT(fx, sized);
	assert_int_equal(do_req(fx, &r), SC_ENOSPACE);
	assert_non_null(strstr(fx->err.msg, "larger than 1024 bytes"));
	assert_int_equal(srv_count(&fx->srv), 1);
	fx->srv.next = 0;
	SCRIPT(fx, chunked);
	assert_int_equal(do_req(fx, &r), SC_ENOSPACE);
	assert_int_equal(srv_count(&fx->srv), 2);
	/* Exactly at the bound is fine. */
	fx->srv.next = 0;
	SCRIPT(fx, fits);
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.body.len, 1024);
}

static void
a_slow_server_times_out_as_transient(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 200, NULL, NULL, "late", 0, 800 } };
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(fx->url);
	int64_t t0, ms;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 200;
	o.max_retries = 1;
	SCRIPT(fx, s);
	fx_client(fx, &o);
	t0 = now_ms();
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	ms = now_ms() - t0;
	assert_non_null(strstr(fx->err.msg, "timed out (after 2 attempts)"));
	assert_true(ms >= 380);
	assert_true(ms < 1500);
}

static void
plain_http_to_a_remote_host_is_refused(void **state)
{
	static const char *const refused[] = {
		"http://example.com/orders",
		"http://127.0.0.1.example.com/",
		"http://localhost.example.com/",
		"http://128.0.0.1/",
		"ftp://127.0.0.1/file",
		"file:///etc/passwd",
		"not a url",
		"",
		NULL
	};
	struct fx *fx = *state;
	struct http_request r = get_req(NULL);
	size_t i;

	fx_client(fx, NULL);
	for (i = 0; refused[i] != NULL; i++) {
		r.url = refused[i];
		assert_int_equal(do_req(fx, &r), SC_EINVALID);
		assert_int_equal(fx->err.code, SC_EINVALID);
		assert_true(fx->err.msg[0] != '\0');
	}
	r.url = "http://example.com/orders?token=SECRET";
	assert_int_equal(do_req(fx, &r), SC_EINVALID);
	assert_non_null(strstr(fx->err.msg, "example.com"));
	assert_non_null(strstr(fx->err.msg, "https"));
	assert_null(strstr(fx->err.msg, "SECRET"));
	r.url = NULL;
	assert_int_equal(do_req(fx, &r), SC_EINVALID);
}

static void
https_is_spoken_even_to_loopback(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 200, NULL, NULL, "plain", 0, 0 } };
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(NULL);
	char url[128];

	/* The scripted server speaks plain HTTP: an https URL to it must fail
	 * in the TLS handshake, never fall back to plain text. */
	memset(&o, 0, sizeof(o));
	o.max_retries = -1;   /* no retries */
	SCRIPT(fx, s);
	fx_client(fx, &o);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/orders", (unsigned)fx->srv.port);
	r.url = url;
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	assert_non_null(strstr(fx->err.msg, "GET 127.0.0.1:"));
	assert_non_null(strstr(fx->err.msg, "TLS handshake failed (after 1 attempt)"));
	assert_int_equal(fx->resp.status, 0);
}

static void
loopback_urls_are_recognised(void **state)
{
	static const struct {
		const char *url;
		int loopback;
	} cases[] = {
		{ "http://127.0.0.1:8080/x", 1 },
		{ "http://127.5.6.7/", 1 },
		{ "http://localhost/", 1 },
		{ "http://LOCALHOST:99/a?b=c", 1 },
		{ "https://localhost/", 1 },
		{ "http://[::1]:8080/", 1 },
		{ "https://sellingpartnerapi-na.amazon.com/orders", 0 },
		{ "http://example.com/", 0 },
		{ "http://128.0.0.1/", 0 },
		{ "http://127.0.0.1.example.com/", 0 },
		{ "http://[::2]/", 0 },
		{ "ftp://127.0.0.1/", 0 },
		{ "garbage", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(http_url_is_loopback(cases[i].url), cases[i].loopback);
	assert_int_equal(http_url_is_loopback(NULL), 0);
}

struct auth_state {
	int calls;
	int fail;
};

static int
count_auth(void *ud, const struct http_request *req, struct http_headers *hdrs,
           struct sc_error *err)
{
	struct auth_state *as = ud;
	char tok[32];

	as->calls++;
	/* A fresh list every attempt: nothing left from the previous one. */
	assert_int_equal(hdrs->n, 0);
	if (as->fail)
		return sc_error_set(err, SC_EAUTH, "token refused");
	snprintf(tok, sizeof(tok), "Bearer tok-%d", as->calls);
	return http_headers_add(hdrs, "Authorization", tok);
}

static void
the_auth_hook_runs_once_per_attempt_with_fresh_values(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 503, NULL, NULL, "", 0, 0 },
		{ STEP_REPLY, 500, NULL, NULL, "", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 },
	};
	static const char *const hdrs[] = { "X-Static: kept", NULL };
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	struct auth_state as = { 0, 0 };

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.auth = count_auth;
	r.auth_ud = &as;
	r.headers = hdrs;
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(fx->resp.status, 200);
	assert_int_equal(as.calls, 3);
	assert_string_equal(fx->srv.recs[0].auth, "Bearer tok-1");
	assert_string_equal(fx->srv.recs[1].auth, "Bearer tok-2");
	assert_string_equal(fx->srv.recs[2].auth, "Bearer tok-3");
	assert_string_equal(fx->srv.recs[0].xstatic, "kept");
	assert_string_equal(fx->srv.recs[2].xstatic, "kept");
}

static void
an_auth_hook_failure_ends_the_request_unsent(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 200, NULL, NULL, "ok", 0, 0 } };
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	struct auth_state as = { 0, 1 };

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.auth = count_auth;
	r.auth_ud = &as;
	assert_int_equal(do_req(fx, &r), SC_EAUTH);
	assert_non_null(strstr(fx->err.msg, "token refused"));
	assert_int_equal(as.calls, 1);
	assert_int_equal(srv_count(&fx->srv), 0);
}

struct nested_auth {
	struct http_client *c;
	const char *token_url;
	int rc;
};

/* A token refresh made from inside the hook, with the same client. */
static int
nested_auth(void *ud, const struct http_request *req, struct http_headers *hdrs,
            struct sc_error *err)
{
	struct nested_auth *na = ud;
	struct http_request tr = get_req(na->token_url);
	struct http_response tresp;
	char value[128];

	tr.op = "token";
	na->rc = http_request_do(na->c, &tr, &tresp, err);
	if (na->rc < 0)
		return na->rc;
	snprintf(value, sizeof(value), "Bearer %s", buf_cstr(&tresp.body));
	http_response_free(&tresp);
	return http_headers_add(hdrs, "Authorization", value);
}

static void
an_auth_hook_may_use_the_same_client_with_one_slot(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 200, NULL, NULL, "Atza|fresh", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "orders", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_opts o;
	struct http_request r = get_req(fx->url);
	struct nested_auth na = { NULL, NULL, 1 };
	char token_url[300];

	memset(&o, 0, sizeof(o));
	o.max_in_flight = 1;
	SCRIPT(fx, s);
	fx_client(fx, &o);
	snprintf(token_url, sizeof(token_url), "http://127.0.0.1:%u/auth/o2/token",
	         (unsigned)fx->srv.port);
	na.c = fx->c;
	na.token_url = token_url;
	r.auth = nested_auth;
	r.auth_ud = &na;
	assert_int_equal(do_req(fx, &r), 0);
	assert_int_equal(na.rc, 0);
	assert_string_equal(buf_cstr(&fx->resp.body), "orders");
	assert_string_equal(fx->srv.recs[0].path, "/auth/o2/token");
	assert_string_equal(fx->srv.recs[1].auth, "Bearer Atza|fresh");
}

static void
a_non_idempotent_post_is_retried_only_when_refused_unprocessed(void **state)
{
	static const struct {
		unsigned first_status;
		const char *retry_after;
		long want_status;
		int want_attempts;
	} cases[] = {
		{ 500, NULL, 500, 1 },   /* may have been processed: never again */
		{ 502, NULL, 502, 1 },
		{ 503, NULL, 200, 2 },   /* refused before processing */
		{ 429, "0", 200, 2 },
	};
	struct step s[] = {
		{ STEP_REPLY, 0, NULL, NULL, "first", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "second", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	size_t i;
	int before;

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.method = "POST";
	r.body = "{}";
	r.body_len = 2;
	r.idempotent = 0;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s[0].status = cases[i].first_status;
		s[0].hname = cases[i].retry_after ? "Retry-After" : NULL;
		s[0].hvalue = cases[i].retry_after;
		fx->srv.next = 0;
		before = srv_count(&fx->srv);
		assert_int_equal(do_req(fx, &r), 0);
		assert_int_equal(fx->resp.status, cases[i].want_status);
		assert_int_equal(fx->resp.attempts, cases[i].want_attempts);
		assert_int_equal(srv_count(&fx->srv) - before, cases[i].want_attempts);
	}
}

static void
a_non_idempotent_post_is_not_retried_after_a_drop(void **state)
{
	static const struct step s[] = {
		{ STEP_DROP, 0, NULL, NULL, NULL, 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "never", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.method = "POST";
	r.body = "{}";
	r.body_len = 2;
	r.idempotent = 0;
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	assert_non_null(strstr(fx->err.msg, "(after 1 attempt)"));
	assert_int_equal(srv_count(&fx->srv), 1);
}

static void
a_refused_connection_is_retried_even_for_a_post(void **state)
{
	struct fx *fx = *state;
	struct http_request r = get_req(NULL);
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char url[128];
	int fd;

	/* A port that was just free: nothing listens there. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/feeds", (unsigned)ntohs(sa.sin_port));
	fx_client(fx, NULL);
	r.url = url;
	r.method = "POST";
	r.op = "createFeed";
	r.body = "{}";
	r.body_len = 2;
	r.idempotent = 0;
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	assert_non_null(strstr(fx->err.msg, "createFeed: POST 127.0.0.1:"));
	assert_non_null(strstr(fx->err.msg, "could not connect (after 3 attempts)"));
}

struct worker {
	struct http_client *c;
	const char *url;
	int ok;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct http_request r = get_req(w->url);
	struct http_response resp;
	struct sc_error err;
	int i;

	for (i = 0; i < 2; i++) {
		if (http_request_do(w->c, &r, &resp, &err) == 0 && resp.status == 200 &&
		    strcmp(buf_cstr(&resp.body), "slow") == 0)
			__atomic_add_fetch(&w->ok, 1, __ATOMIC_SEQ_CST);
		http_response_free(&resp);
	}
	return NULL;
}

static void
concurrent_requests_never_exceed_max_in_flight(void **state)
{
	static const struct step s[] = { { STEP_REPLY, 200, NULL, NULL, "slow", 0, 100 } };
	struct fx *fx = *state;
	struct http_opts o;
	struct worker w[4];
	pthread_t th[4];
	int i, ok = 0;

	memset(&o, 0, sizeof(o));
	o.max_in_flight = 2;
	SCRIPT(fx, s);
	fx_client(fx, &o);
	for (i = 0; i < 4; i++) {
		w[i].c = fx->c;
		w[i].url = fx->url;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
	}
	assert_int_equal(ok, 8);
	assert_int_equal(srv_count(&fx->srv), 8);
	/* Never more than two at the server, and two did run side by side. */
	assert_int_equal(fx->srv.max_in_flight, 2);
}

static void
messages_and_logs_never_show_the_query_string(void **state)
{
	static const struct step s[] = { { STEP_DROP, 0, NULL, NULL, NULL, 0, 0 } };
	struct fx *fx = *state;
	struct http_request r = get_req(NULL);
	char url[300], logs[8192], path[] = "/tmp/test_http_log_XXXXXX";
	int fd;
	ssize_t n;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	snprintf(url, sizeof(url), "%s?token=SECRET&marketplaceIds=X", fx->url);
	SCRIPT(fx, s);
	fx_client(fx, NULL);
	r.url = url;
	log_set_fd(fd);
	log_set_level(LOG_DEBUG);
	assert_int_equal(do_req(fx, &r), SC_ETRANSIENT);
	log_set_level(LOG_ERROR);
	log_set_fd(2);
	n = pread(fd, logs, sizeof(logs) - 1, 0);
	close(fd);
	assert_true(n > 0);
	logs[n] = '\0';
	assert_string_equal(fx->srv.recs[0].query_token, "SECRET");   /* it was sent */
	assert_non_null(strstr(fx->err.msg, "/orders/111-222"));
	assert_null(strstr(fx->err.msg, "SECRET"));
	assert_null(strstr(fx->err.msg, "token"));
	assert_non_null(strstr(logs, "http.request"));
	assert_non_null(strstr(logs, "http.retry"));
	assert_non_null(strstr(logs, "/orders/111-222"));
	assert_null(strstr(logs, "SECRET"));
	assert_null(strstr(logs, "marketplaceIds"));
}

static volatile sig_atomic_t stop_flag = 0;

static void
a_raised_stop_flag_ends_the_backoff_with_eintr(void **state)
{
	static const struct step s[] = {
		{ STEP_REPLY, 503, "Retry-After", "30", "", 0, 0 },
		{ STEP_REPLY, 200, NULL, NULL, "never", 0, 0 },
	};
	struct fx *fx = *state;
	struct http_request r = get_req(fx->url);
	int64_t t0, ms;
	int rc;

	SCRIPT(fx, s);
	fx_client(fx, NULL);
	http_set_stop_flag(&stop_flag);
	stop_flag = 1;
	t0 = now_ms();
	rc = do_req(fx, &r);
	ms = now_ms() - t0;
	stop_flag = 0;
	http_set_stop_flag(NULL);
	/* The request in flight completes, the 30 s wait does not happen. */
	assert_int_equal(rc, SC_EINTR);
	assert_int_equal(srv_count(&fx->srv), 1);
	assert_true(ms < 1000);
	assert_int_equal(fx->resp.status, 0);
}

static void
headers_add_refuses_line_breaks_and_bad_names(void **state)
{
	struct http_headers h = { NULL, 0, 0 };

	assert_int_equal(http_headers_add(&h, "X-A", "1"), 0);
	assert_int_equal(http_headers_add(&h, "X-B", ""), 0);
	assert_int_equal(http_headers_add(&h, "X-C", "a\r\nX-Evil: 1"), SC_EINVALID);
	assert_int_equal(http_headers_add(&h, "X-D\n", "v"), SC_EINVALID);
	assert_int_equal(http_headers_add(&h, "X:E", "v"), SC_EINVALID);
	assert_int_equal(http_headers_add(&h, "", "v"), SC_EINVALID);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.lines[0], "X-A: 1");
	assert_string_equal(h.lines[1], "X-B: ");
	http_headers_free(&h);
	assert_int_equal(h.n, 0);
	assert_null(h.lines);
	http_headers_free(&h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_get_returns_status_body_and_headers),
		T(a_custom_user_agent_is_sent),
		T(a_post_body_arrives_intact),
		T(each_method_reaches_the_server_as_asked),
		T(an_unknown_method_or_a_get_with_a_body_is_refused),
		T(two_503s_then_200_give_200_after_three_attempts),
		T(exhausted_retries_return_the_last_response),
		T(a_4xx_is_returned_at_once),
		T(no_retry_makes_a_single_attempt),
		T(retry_after_in_seconds_is_waited_for),
		T(retry_after_as_an_http_date_is_waited_for),
		T(retry_after_is_capped_by_retry_after_max),
		T(a_429_penalizes_the_limiter),
		T(a_dropped_connection_is_retried_then_transient),
		T(a_dropped_connection_then_a_reply_recovers),
		T(a_truncated_body_is_transient),
		T(a_response_past_max_response_is_enospace),
		T(a_slow_server_times_out_as_transient),
		T(plain_http_to_a_remote_host_is_refused),
		T(https_is_spoken_even_to_loopback),
		T(loopback_urls_are_recognised),
		T(the_auth_hook_runs_once_per_attempt_with_fresh_values),
		T(an_auth_hook_failure_ends_the_request_unsent),
		T(an_auth_hook_may_use_the_same_client_with_one_slot),
		T(a_non_idempotent_post_is_retried_only_when_refused_unprocessed),
		T(a_non_idempotent_post_is_not_retried_after_a_drop),
		T(a_refused_connection_is_retried_even_for_a_post),
		T(concurrent_requests_never_exceed_max_in_flight),
		T(messages_and_logs_never_show_the_query_string),
		T(a_raised_stop_flag_ends_the_backoff_with_eintr),
		T(headers_add_refuses_line_breaks_and_bad_names),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
