/*
 * http.h: the HTTP client handed to adapters (never global, so tests point
 * it at loopback).
 *
 * Over libcurl easy handles with connection reuse (one handle per client per
 * thread of use; a client is used by one thread at a time unless
 * max_in_flight > 1, where http_request_do may be called concurrently and at
 * most max_in_flight requests are in flight; the others wait).
 *
 * Policy:
 *  - TLS verification always on; plain http:// only to loopback hosts
 *    (127.0.0.0/8, ::1, localhost): any other http:// URL is SC_EINVALID.
 *  - Response bodies bounded by max_response (SC_ENOSPACE past it).
 *  - Retries (up to max_retries) with exponential backoff and full jitter for
 *    connection errors, timeouts, 429 and 5xx; a Retry-After header (seconds
 *    or HTTP date) is honoured, capped at retry_after_max_ms. A request with
 *    `idempotent == 0` is retried only when it certainly was not sent
 *    (connect failure) or on 429/503 (refused before processing).
 *  - Before each attempt: the limiter's token is taken (ratelimit.h) and the
 *    `auth` hook called, so signatures/nonces are fresh per attempt.
 *  - Logs: method, host+path (no query string), status, attempt, duration.
 *    Never headers, never bodies.
 *
 * http_request_do returns 0 whenever an HTTP response was received (any
 * status: look at resp->status; after retries the last response is given),
 * and a negative code only when none was: SC_ETRANSIENT (connect, timeout,
 * dropped connection, truncated body), SC_EINVALID (bad URL / policy),
 * SC_ENOSPACE (too large), SC_EINTR (stop requested, see http_stop_flag).
 */
#ifndef SC_HTTP_H
#define SC_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "connector/buf.h"
#include "connector/error.h"

struct ratelimit;
struct http_client;

/* A zero field takes its default; opts == NULL means all defaults.
 * max_retries < 0 means no retries. */
struct http_opts {
	long connect_timeout_ms;   /* default 10000 */
	long timeout_ms;           /* whole request; default 60000 */
	size_t max_response;       /* default 64 MiB */
	int max_retries;           /* default 5 */
	long backoff_base_ms;      /* default 500 */
	long backoff_max_ms;       /* default 30000 */
	long retry_after_max_ms;   /* default 120000 */
	int max_in_flight;         /* default 1 */
	const char *user_agent;    /* default "connector/VERSION" */
};

struct http_request;
struct http_headers;

/* Called before every attempt to add headers that must be fresh (auth).
 * Append "Name: value" lines to `hdrs` with http_headers_add (a new, empty
 * list each attempt). It runs after the limiter's token and before the
 * in-flight slot is taken, so it may itself make a request with the same
 * client (a token refresh). A negative return ends the request with that
 * code (err prefixed with op, method, host and path). */
typedef int (*http_auth_fn)(void *ud, const struct http_request *req,
                            struct http_headers *hdrs, struct sc_error *err);

struct http_headers {
	char **lines;   /* "Name: value" */
	size_t n, alloc;
};
/* Append "name: value" (copied). SC_EINVALID when the name is empty or has
 * ':', blanks or a line break, or the value has a line break; SC_ENOMEM.
 * A zeroed struct is an empty list; http_headers_free empties it again. */
int http_headers_add(struct http_headers *h, const char *name, const char *value);
void http_headers_free(struct http_headers *h);

struct http_request {
	const char *method;              /* "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" */
	const char *url;                 /* full URL, query included */
	const char *const *headers;      /* NULL-terminated "Name: value", or NULL */
	const char *body;                /* may be NULL */
	size_t body_len;
	const char *op;                  /* operation name for logs ("searchOrders") */
	struct ratelimit *limiter;       /* optional, taken before each attempt */
	http_auth_fn auth;               /* optional */
	void *auth_ud;
	int idempotent;                  /* see above */
	int no_retry;                    /* 1: a single attempt, whatever happens */
};

struct http_response {
	long status;
	struct buf body;                 /* NUL-terminated */
	struct http_headers headers;     /* response headers of the last attempt */
	int attempts;
};

/* Options are copied (user_agent too). *out is freed with http_client_free
 * (NULL-safe), which must not run while a request is in flight. */
int http_client_new(struct http_client **out, const struct http_opts *opts,
                    struct sc_error *err);
void http_client_free(struct http_client *c);

/* Perform `req`. On return 0, `*resp` is filled (free with
 * http_response_free). On failure `*resp` is left empty and `err` says why
 * (message names op, host and path, never query or headers). */
int http_request_do(struct http_client *c, const struct http_request *req,
                    struct http_response *resp, struct sc_error *err);
void http_response_free(struct http_response *resp);

/* Value of a response header (case-insensitive name), borrowed; NULL if absent. */
const char *http_response_header(const struct http_response *resp, const char *name);

/* A flag set by the signal handler: when non-zero, retries and backoff
 * sleeps stop early with SC_EINTR (the request in flight is completed).
 * Process-wide; also handed to ratelimit_set_stop_flag. NULL disables. */
void http_set_stop_flag(volatile sig_atomic_t *flag);

/* 1 when `url` is http(s) to a loopback host. */
int http_url_is_loopback(const char *url);

#endif
