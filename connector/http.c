/* http.c: see http.h. */
#include "connector/http.h"
#include "connector/http_int.h"
#include "connector/log.h"
#include "connector/ratelimit.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifndef SC_VERSION
#define SC_VERSION "0.1.0"
#endif

/* Longest single sleep of a backoff, so a raised stop flag is seen fast. */
#define HTTP_SLICE_MS 50
/* Sanity bound on max_in_flight (one easy handle per slot). */
#define HTTP_IN_FLIGHT_MAX 256

struct http_client {
	struct http_opts opts;
	char *user_agent;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int in_flight;      /* slots taken, <= opts.max_in_flight */
	CURL **idle;        /* free list of handles (keep their connections) */
	int nidle;
	uint64_t rng;       /* xorshift64 state for jitter, under mu */
};


/* One attempt's sinks. */
struct http_attempt {
	struct http_response *resp;
	size_t header_bytes;
	int64_t ms;         /* duration of the transfer */
	int nomem;          /* a write failed for memory, not for size */
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;

static CURLcode http_init_rc = CURLE_OK;
static volatile sig_atomic_t *http_stop = NULL;

static void
http_global_init(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
http__global_init(void)
{
	pthread_once(&http_once, http_global_init);
}

void
http_set_stop_flag(volatile sig_atomic_t *flag)
{
	http_stop = flag;
	ratelimit_set_stop_flag(flag);
}

static int64_t
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep `ms`, in slices; SC_EINTR as soon as the stop flag is up. */
static int
http_sleep_ms(long ms)
{
	int64_t end = http_now_ms() + ms;
	int64_t left;
	struct timespec ts;

	for (;;) {
		if (http_stop != NULL && *http_stop != 0)
			return SC_EINTR;
		left = end - http_now_ms();
		if (left <= 0)
			return 0;
		if (left > HTTP_SLICE_MS)
			left = HTTP_SLICE_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		nanosleep(&ts, NULL);
	}
}

/* --- headers --------------------------------------------------------- */

static long
dflt(long v, long d)
{
	return v > 0 ? v : d;
}

int
http_client_new(struct http_client **out, const struct http_opts *opts,
                struct sc_error *err)
{
	struct http_client *c = NULL;
	struct timespec ts;
	int rc = SC_ENOMEM;

	*out = NULL;
	pthread_once(&http_once, http_global_init);
	if (http_init_rc != CURLE_OK)
		return sc_error_set(err, SC_ERROR, "http: libcurl init failed: %s",
		                    curl_easy_strerror(http_init_rc));
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto done;
	if (opts != NULL)
		c->opts = *opts;
	c->opts.connect_timeout_ms = dflt(c->opts.connect_timeout_ms, 10000);
	c->opts.timeout_ms = dflt(c->opts.timeout_ms, 60000);
	if (c->opts.max_response == 0)
		c->opts.max_response = (size_t)64 << 20;
	if (c->opts.max_retries == 0)
		c->opts.max_retries = 5;
	if (c->opts.max_retries < 0)
		c->opts.max_retries = 0;
	c->opts.backoff_base_ms = dflt(c->opts.backoff_base_ms, 500);
	c->opts.backoff_max_ms = dflt(c->opts.backoff_max_ms, 30000);
	c->opts.retry_after_max_ms = dflt(c->opts.retry_after_max_ms, 120000);
	c->opts.max_in_flight = (int)dflt(c->opts.max_in_flight, 1);
	if (c->opts.max_in_flight > HTTP_IN_FLIGHT_MAX)
		c->opts.max_in_flight = HTTP_IN_FLIGHT_MAX;
	c->user_agent = strdup(c->opts.user_agent ? c->opts.user_agent
	                                          : "connector/" SC_VERSION);
	c->opts.user_agent = NULL;
	c->idle = calloc((size_t)c->opts.max_in_flight, sizeof(*c->idle));
	if (c->user_agent == NULL || c->idle == NULL)
		goto done;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		rc = SC_ERROR;
		goto done;
	}
	if (pthread_cond_init(&c->cv, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		rc = SC_ERROR;
		goto done;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->rng = ((uint64_t)time(NULL) << 32) ^ (uint64_t)getpid() ^
	         ((uint64_t)ts.tv_nsec << 16) ^ (uint64_t)(uintptr_t)c;
	if (c->rng == 0)
		c->rng = 0x9e3779b97f4a7c15ULL;
	*out = c;
	c = NULL;
	rc = 0;
done:
	if (c != NULL) {
		free(c->idle);
		free(c->user_agent);
		free(c);
	}
	if (rc == SC_ENOMEM)
		sc_error_set(err, rc, "http: out of memory");
	else if (rc < 0)
		sc_error_set(err, rc, "http: cannot create the client lock");
	return rc;
}

void
http_client_free(struct http_client *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	free(c->idle);
	free(c->user_agent);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Take an in-flight slot (waiting for one) and a handle from the pool. */
static int
client_handle_get(struct http_client *c, CURL **out)
{
	CURL *h = NULL;

	*out = NULL;
	pthread_mutex_lock(&c->mu);
	while (c->in_flight >= c->opts.max_in_flight)
		pthread_cond_wait(&c->cv, &c->mu);
	c->in_flight++;
	if (c->nidle > 0)
		h = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->mu);
	if (h == NULL)
		h = curl_easy_init();
	if (h == NULL) {
		pthread_mutex_lock(&c->mu);
		c->in_flight--;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return SC_ENOMEM;
	}
	*out = h;
	return 0;
}

/* Give the handle back to the pool (kept for its connection) and the slot. */
static void
client_handle_put(struct http_client *c, CURL *h)
{
	curl_easy_reset(h);   /* drops pointers to this request; keeps connections */
	pthread_mutex_lock(&c->mu);
	if (c->nidle < c->opts.max_in_flight)
		c->idle[c->nidle++] = h;
	else
		curl_easy_cleanup(h);
	c->in_flight--;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Full jitter: random in [0, min(base * 2^retry, max)]. */
static long
client_backoff_ms(struct http_client *c, int retry)
{
	long cap = c->opts.backoff_base_ms;
	uint64_t x;
	int i;

	for (i = 0; i < retry && cap < c->opts.backoff_max_ms; i++)
		cap *= 2;
	if (cap > c->opts.backoff_max_ms)
		cap = c->opts.backoff_max_ms;
	pthread_mutex_lock(&c->mu);
	x = c->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	pthread_mutex_unlock(&c->mu);
	return (long)(x % ((uint64_t)cap + 1));
}

/* --- one attempt ----------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_attempt *a = ud;
	size_t n = size * nmemb;
	int rc = buf_append(&a->resp->body, p, n);

	if (rc < 0 && rc != SC_ENOSPACE)
		a->nomem = 1;
	return rc < 0 ? 0 : n;   /* 0: CURLE_WRITE_ERROR, SC_ENOSPACE */
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_attempt *a = ud;
	struct http_headers *h = &a->resp->headers;
	size_t n = size * nmemb, len = n, old;
	char *line = NULL;

	a->header_bytes += n;
	if (a->header_bytes > HTTP_HEADERS_MAX)
		return 0;   /* CURLE_WRITE_ERROR: SC_ENOSPACE */
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
	                   p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0)
		return n;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new header block (status line): keep only the last one. */
		http_headers_free(h);
		return n;
	}
	if (len > 15 && strncasecmp(p, "Content-Length:", 15) == 0 &&
	    a->resp->body.len == 0) {
		/* Size the body once instead of growing it by doubling: one
		 * allocation a page (a large one, mapped on its own: main). */
		char num[24];
		size_t k = 15, m = 0;
		unsigned long long cl;

		while (k < len && (p[k] == ' ' || p[k] == '\t'))
			k++;
		while (k < len && m + 1 < sizeof(num) && p[k] >= '0' && p[k] <= '9')
			num[m++] = p[k++];
		num[m] = '\0';
		cl = m > 0 ? strtoull(num, NULL, 10) : 0;
		if (cl > 0 && cl <= a->resp->body.cap)
			(void)buf_reserve(&a->resp->body, (size_t)cl);
	}
	if ((p[0] == ' ' || p[0] == '\t') && h->n > 0) {
		/* Obsolete line folding: glue onto the previous line. */
		old = strlen(h->lines[h->n - 1]);
		line = realloc(h->lines[h->n - 1], old + len + 1);
		if (line == NULL) {
			a->nomem = 1;
			return 0;
		}
		memcpy(line + old, p, len);
		line[old + len] = '\0';
		h->lines[h->n - 1] = line;
		return n;
	}
	line = malloc(len + 1);
	if (line == NULL || http__headers_push(h, line) < 0) {
		free(line);
		a->nomem = 1;
		return 0;
	}
	memcpy(line, p, len);
	line[len] = '\0';
	return n;
}

static void
opt_keep(CURLcode *cc, CURLcode r)
{
	if (*cc == CURLE_OK)
		*cc = r;
}

static int
attempt_setup(CURL *h, const struct http_client *c,
              const struct http_request *req, const struct http_url *u,
              struct curl_slist *hl, struct http_attempt *a, char *errbuf)
{
	CURLcode cc = CURLE_OK;
	const char *m = req->method;
	const char *body = req->body ? req->body : "";
	int with_body = 0;

	curl_easy_reset(h);
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_CURLU, u->cu));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	                               (curl_off_t)c->opts.max_response));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_WRITEDATA, a));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_HEADERDATA, a));
	opt_keep(&cc, curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
	if (u->loopback) /* never through a proxy */
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_NOPROXY, "*"));
	/* A reused keep-alive connection found dead makes curl resend the
	 * request on its own; for a write that is not idempotent that could
	 * be a duplicate, so such a request always gets a fresh connection. */
	if (!req->idempotent && strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L));
	if (strcmp(m, "GET") == 0) {
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
	} else if (strcmp(m, "HEAD") == 0) {
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_NOBODY, 1L));
	} else if (strcmp(m, "POST") == 0) {
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_POST, 1L));
		with_body = 1;
	} else {
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m));
		with_body = req->body != NULL || strcmp(m, "DELETE") != 0;
	}
	if (with_body) {
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                               (curl_off_t)req->body_len));
		opt_keep(&cc, curl_easy_setopt(h, CURLOPT_POSTFIELDS, body));
	}
	return cc == CURLE_OK ? 0 : SC_ERROR;
}

/* req->headers + the auth hook's lines + "Expect:" (no 100-continue). */
static int
headers_build(struct curl_slist **out, const struct http_request *req,
              const struct http_headers *auth)
{
	struct curl_slist *l = *out, *t;
	size_t i;

	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((t = curl_slist_append(l, req->headers[i])) == NULL)
			goto fail;
		l = t;
	}
	for (i = 0; i < auth->n; i++) {
		if ((t = curl_slist_append(l, auth->lines[i])) == NULL)
			goto fail;
		l = t;
	}
	if ((t = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	*out = t;
	return 0;
fail:
	*out = l;
	return SC_ENOMEM;
}

/* The one map from CURLcode to SC_*, with the reason for the message,
 * whether a retry may help, and whether the request certainly never left
 * (then even a non-idempotent request may be retried). */
static const struct curl_class {
	CURLcode cc;
	int code, retry, unsent;
	const char *reason;
} curl_classes[] = {
	{ CURLE_COULDNT_RESOLVE_HOST, SC_ETRANSIENT, 1, 1, "could not resolve host" },
	{ CURLE_COULDNT_RESOLVE_PROXY, SC_ETRANSIENT, 1, 1, "could not resolve proxy" },
	{ CURLE_COULDNT_CONNECT, SC_ETRANSIENT, 1, 1, "could not connect" },
	{ CURLE_OPERATION_TIMEDOUT, SC_ETRANSIENT, 1, 0, "timed out" },
	{ CURLE_SEND_ERROR, SC_ETRANSIENT, 1, 0, "connection dropped" },
	{ CURLE_RECV_ERROR, SC_ETRANSIENT, 1, 0, "connection dropped" },
	{ CURLE_GOT_NOTHING, SC_ETRANSIENT, 1, 0, "connection dropped" },
	{ CURLE_PARTIAL_FILE, SC_ETRANSIENT, 1, 0, "truncated body" },
	{ CURLE_WEIRD_SERVER_REPLY, SC_ETRANSIENT, 1, 0, "broken reply" },
	{ CURLE_HTTP2, SC_ETRANSIENT, 1, 0, "broken reply" },
	{ CURLE_HTTP2_STREAM, SC_ETRANSIENT, 1, 0, "broken reply" },
	{ CURLE_SSL_CONNECT_ERROR, SC_ETRANSIENT, 1, 0, "TLS handshake failed" },
	{ CURLE_PEER_FAILED_VERIFICATION, SC_EINVALID, 0, 0, "TLS verification failed" },
	{ CURLE_SSL_CACERT_BADFILE, SC_EINVALID, 0, 0, "TLS verification failed" },
	{ CURLE_SSL_CERTPROBLEM, SC_EINVALID, 0, 0, "TLS verification failed" },
	{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, SC_EINVALID, 0, 0, "TLS verification failed" },
	{ CURLE_UNSUPPORTED_PROTOCOL, SC_EINVALID, 0, 0, "URL refused" },
	{ CURLE_URL_MALFORMAT, SC_EINVALID, 0, 0, "URL refused" },
	{ CURLE_WRITE_ERROR, SC_ENOSPACE, 0, 0, "response too large" },
	{ CURLE_FILESIZE_EXCEEDED, SC_ENOSPACE, 0, 0, "response too large" },
	{ CURLE_OUT_OF_MEMORY, SC_ENOMEM, 0, 0, "out of memory" },
};

static const struct curl_class *
http_class_from_curl(CURLcode cc, const struct http_attempt *a)
{
	static const struct curl_class nomem = { CURLE_OUT_OF_MEMORY, SC_ENOMEM, 0, 0,
	                                         "out of memory" };
	static const struct curl_class other = { CURLE_OK, SC_ERROR, 0, 0, NULL };
	size_t i;

	if (cc == CURLE_WRITE_ERROR && a->nomem)
		return &nomem;
	for (i = 0; i < sizeof(curl_classes) / sizeof(curl_classes[0]); i++)
		if (curl_classes[i].cc == cc)
			return &curl_classes[i];
	return &other;   /* reason: curl_easy_strerror */
}

static int
status_retryable(long status, int idempotent)
{
	if (status == 429 || status == 503)
		return 1;
	return idempotent && status >= 500 && status <= 599;
}

static int
request_check(const struct http_request *req, struct http_url *u,
              const char *op, struct sc_error *err)
{
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", NULL
	};
	const char *why = NULL;
	size_t i;

	for (i = 0; methods[i] != NULL; i++)
		if (req->method != NULL && strcmp(req->method, methods[i]) == 0)
			break;
	if (methods[i] == NULL)
		return sc_error_set(err, SC_EINVALID, "%s: unsupported HTTP method", op);
	if (req->body != NULL && req->body_len > 0 &&
	    (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0))
		return sc_error_set(err, SC_EINVALID, "%s: %s with a body", op,
		                    req->method);
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		if (http__has_crlf(req->headers[i]))
			return sc_error_set(err, SC_EINVALID,
			                    "%s: request header %zu has a line break", op, i);
	if (http__url_parse(u, req->url, &why) < 0) {
		if (u->host[0] != '\0')
			return sc_error_set(err, SC_EINVALID, "%s: %s %s: %s", op,
			                    req->method, u->host, why);
		return sc_error_set(err, SC_EINVALID, "%s: %s: %s", op, req->method, why);
	}
	return 0;
}

static void
log_attempt(const char *op, const struct http_request *req,
            const struct http_url *u, long status, int attempt, int64_t ms,
            const char *failure)
{
	char st[24], at[24], dur[24];

	snprintf(st, sizeof(st), "%ld", status);
	snprintf(at, sizeof(at), "%d", attempt);
	snprintf(dur, sizeof(dur), "%lld", (long long)ms);
	if (failure != NULL)
		log_event(LOG_DEBUG, "http.request", "op", op, "method", req->method,
		          "target", u->target, "status", st, "attempt", at, "ms", dur,
		          "error", failure, NULL);
	else
		log_event(LOG_DEBUG, "http.request", "op", op, "method", req->method,
		          "target", u->target, "status", st, "attempt", at, "ms", dur,
		          NULL);
}

static void
log_retry(const char *op, const struct http_request *req,
          const struct http_url *u, const char *reason, int attempt, long wait)
{
	char at[24], w[24];

	snprintf(at, sizeof(at), "%d", attempt);
	snprintf(w, sizeof(w), "%ld", wait);
	log_event(LOG_WARN, "http.retry", "op", op, "method", req->method,
	          "target", u->target, "reason", reason, "attempt", at,
	          "wait_ms", w, NULL);
}

/* One attempt: fresh auth headers, then slot and handle, perform, handle
 * back. The hook runs before the slot is taken, so it may itself make a
 * request with this client (a token refresh) even when max_in_flight is 1.
 * < 0 (err set) only when the attempt could not be made; else 0 with *cc
 * the transfer's result and resp->status set when it is CURLE_OK. */
static int
attempt_run(struct http_client *c, const struct http_request *req,
            const struct http_url *u, const char *op, struct http_attempt *a,
            CURLcode *cc, char *errbuf, struct sc_error *err)
{
	struct http_headers auth = { NULL, 0, 0 };
	struct curl_slist *hl = NULL;
	CURL *h = NULL;
	long status = 0;
	int64_t t0;
	int rc;

	if (req->auth != NULL &&
	    (rc = req->auth(req->auth_ud, req, &auth, err)) < 0) {
		sc_error_prefix(err, "%s: %s %s: auth", op, req->method, u->target);
		goto done;
	}
	if ((rc = headers_build(&hl, req, &auth)) < 0 ||
	    (rc = client_handle_get(c, &h)) < 0 ||
	    (rc = attempt_setup(h, c, req, u, hl, a, errbuf)) < 0) {
		sc_error_set(err, rc, "%s: %s %s: cannot set up the request", op,
		             req->method, u->target);
		goto done;
	}
	t0 = http_now_ms();
	*cc = curl_easy_perform(h);
	a->ms = http_now_ms() - t0;
	if (*cc == CURLE_OK &&
	    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
		a->resp->status = status;
done:
	if (h != NULL)
		client_handle_put(c, h);
	curl_slist_free_all(hl);
	http_headers_free(&auth);
	return rc;
}

int
http_request_do(struct http_client *c, const struct http_request *req,
                struct http_response *resp, struct sc_error *err)
{
	struct http_url u;
	struct http_attempt a;
	const struct curl_class *cl = NULL;
	const char *op = req->op != NULL ? req->op : "http";
	const char *reason = NULL;
	char errbuf[CURL_ERROR_SIZE];
	char why[32];
	CURLcode cc = CURLE_OK;
	int rc, attempt, max_attempts, retry;
	long wait;

	memset(&u, 0, sizeof(u));
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->body, c->opts.max_response);
	if ((rc = request_check(req, &u, op, err)) < 0)
		goto done;
	max_attempts = req->no_retry ? 1 : c->opts.max_retries + 1;
	for (attempt = 1;; attempt++) {
		resp->attempts = attempt;
		resp->status = 0;
		buf_reset(&resp->body);
		http_headers_free(&resp->headers);
		if (req->limiter != NULL && (rc = ratelimit_acquire(req->limiter)) < 0) {
			sc_error_set(err, rc, "%s: %s %s: stopped while waiting for the rate limit",
			             op, req->method, u.target);
			goto done;
		}
		memset(&a, 0, sizeof(a));
		a.resp = resp;
		errbuf[0] = '\0';
		if ((rc = attempt_run(c, req, &u, op, &a, &cc, errbuf, err)) < 0)
			goto done;
		if (cc == CURLE_OK) {
			snprintf(why, sizeof(why), "status %ld", resp->status);
			reason = why;
			retry = status_retryable(resp->status, req->idempotent);
			if (resp->status == 429 && req->limiter != NULL)
				ratelimit_penalize(req->limiter);
		} else {
			cl = http_class_from_curl(cc, &a);
			reason = cl->reason != NULL ? cl->reason : curl_easy_strerror(cc);
			retry = cl->retry && (req->idempotent || cl->unsent);
		}
		log_attempt(op, req, &u, resp->status, attempt, a.ms,
		            cc == CURLE_OK ? NULL : reason);
		if (!retry || attempt >= max_attempts)
			break;
		wait = cc == CURLE_OK ? http__retry_after_ms(resp, c->opts.retry_after_max_ms) : -1;
		if (wait < 0)
			wait = client_backoff_ms(c, attempt - 1);
		log_retry(op, req, &u, reason, attempt, wait);
		if ((rc = http_sleep_ms(wait)) < 0) {
			sc_error_set(err, rc, "%s: %s %s: stopped before retrying (%s, after %d attempt%s)",
			             op, req->method, u.target, reason, attempt,
			             attempt == 1 ? "" : "s");
			goto done;
		}
	}
	rc = 0;
	if (cc == CURLE_OK)
		goto done;
	rc = cl->code;
	if (rc == SC_ENOSPACE)
		sc_error_set(err, rc, "%s: %s %s: response larger than %zu bytes",
		             op, req->method, u.target, c->opts.max_response);
	else if (rc == SC_EINVALID && errbuf[0] != '\0')
		sc_error_set(err, rc, "%s: %s %s: %s: %s", op, req->method,
		             u.target, reason, errbuf);
	else
		sc_error_set(err, rc, "%s: %s %s: %s (after %d attempt%s)", op,
		             req->method, u.target, reason, attempt,
		             attempt == 1 ? "" : "s");
done:
	http__url_free(&u);
	if (rc < 0)
		http_response_free(resp);
	return rc;
}
