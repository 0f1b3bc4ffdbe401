/*
 * amazon_int.h: what the files of the amazon adapter share, and the parsers
 * its tests and fuzz target call directly (`amazon__*`: semi-private, not
 * for the engine).
 *
 * Files: amazon.c (conf keys, open/close, the ops table), lwa.c (Login with
 * Amazon token cache and the auth hook), errors.c (SP-API error bodies and
 * the call wrapper that applies the error policy), orders.c (searchOrders
 * paging, the cursor, getOrder), order_parse.c (Order JSON -> struct order).
 *
 * Secrets (client secret, refresh token, access token) live only in
 * struct amazon and in the request being built; no message, log line or
 * cursor ever carries them.
 */
#ifndef SC_AMAZON_INT_H
#define SC_AMAZON_INT_H

#include <json-c/json.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "connector/error.h"
#include "connector/http.h"
#include "connector/model.h"

#define AMAZON_ORDERS_PATH "/orders/2026-01-01/orders"
/* The data sets every order is asked with (amounts only come with these). */
#define AMAZON_INCLUDED_DATA "BUYER,RECIPIENT,PROCEEDS,PROMOTION,TAX,FULFILLMENT"
/* lastUpdatedBefore must be at least this far behind now (real seconds). */
#define AMAZON_BEFORE_LAG 120
/* First run without start_date: this far back. */
#define AMAZON_DEFAULT_LOOKBACK (30 * 86400)

extern const struct marketplace_ops amazon_ops;

/* The adapter instance (`self` of every slot). */
struct amazon {
	struct http_client *http;      /* env's client, borrowed: SP-API calls */
	struct http_client *lwa_http;  /* own client for LWA only (the auth
	                                  hook runs inside a request of `http`,
	                                  so it never re-enters that client) */
	char *endpoint;                /* no trailing '/' */
	char *token_url;
	char *client_id;
	char *client_secret;           /* secret */
	char *refresh_token;           /* secret */
	char *marketplace_ids;         /* "A,B", spaces removed */
	int64_t start_date;            /* 0: AMAZON_DEFAULT_LOOKBACK before now */
	long page_size;
	long overlap;                  /* seconds */
	double time_scale;             /* >= 1 shortens lags and token lifetimes */
	struct ratelimit *rl_search;   /* searchOrders */
	struct ratelimit *rl_get;      /* getOrder */

	pthread_mutex_t lock;          /* guards the three fields below */
	char *token;                   /* secret; NULL when none cached */
	int64_t token_deadline_ms;     /* time_mono_ms() after which to refresh */
	unsigned long token_fetches;   /* successful LWA exchanges (tests) */
};

/* ---- lwa.c -------------------------------------------------------------- */

/* A copy of a valid access token in *out (caller frees; fetched from LWA
 * when none is cached or it is within 60 s of expiry). Thread-safe.
 * SC_EAUTH with err->remote = LWA's error_description when the credentials
 * are refused; SC_ETRANSIENT for 5xx/429/network; SC_EMALFORMED for an
 * answer without access_token. */
int amazon__lwa_token(struct amazon *self, char **out, struct sc_error *err);
/* Forget the cached token (after a 403), so the next request fetches one. */
void amazon__lwa_forget(struct amazon *self);
/* http_auth_fn: adds `x-amz-access-token` (ud is struct amazon *). */
int amazon__lwa_auth(void *ud, const struct http_request *req,
                     struct http_headers *hdrs, struct sc_error *err);

/* ---- errors.c ----------------------------------------------------------- */

/* GET `url` with the auth hook and limiter `rl`, named `op` in logs and
 * messages. Applies x-amzn-RateLimit-Limit to `rl`; on a 403 drops the
 * cached token and tries once more. Returns 0 when a response was received
 * (any status: *out filled, free with http_response_free), else the http
 * client's negative code with err set. */
int amazon__call(struct amazon *self, const char *op, struct ratelimit *rl,
                 const char *url, struct http_response *out,
                 struct sc_error *err);
/* Fill err from a non-2xx response: code from sc_code_from_http,
 * http_status, msg "amazon OP: HTTP N" (what says which record), remote =
 * "CODE: message" of every errors[] entry joined with "; " (the body itself
 * when it is no SP-API error list). Returns the code. */
int amazon__error_from_response(const struct http_response *resp, const char *op,
                                const char *what, struct sc_error *err);
/* Append "CODE: message; ..." of an SP-API error body to `out` (n bytes).
 * Returns 1 when the body was an error list, 0 otherwise. */
int amazon__errors_text(char *out, size_t n, const char *body, size_t len);

/* ---- orders.c ----------------------------------------------------------- */

/* The orders cursor. Text forms (this adapter writes them, the engine stores
 * them opaquely):
 *   "v1;after=T"                      next window starts at T (minus overlap)
 *   "v1;after=A;before=B;token=X"     mid-window: repeat lastUpdatedAfter=A,
 *                                     lastUpdatedBefore=B with paginationToken X
 * Times are ISO 8601 UTC; the token is the rest of the text after "token=". */
struct amazon_cursor {
	int64_t after;        /* 0 when the cursor was empty (first run) */
	int64_t before;       /* 0 unless mid-window */
	/* "" unless mid-window; as long as the engine's cursor can be */
	char token[sizeof(((struct page *)0)->cursor)];
};

/* Decode `text` (NULL or "" -> all zero). SC_EMALFORMED for text this
 * adapter did not write. */
int amazon__cursor_decode(struct amazon_cursor *out, const char *text,
                          struct sc_error *err);
/* Encode `c` into out[n]. SC_ENOSPACE when it does not fit (a pagination
 * token longer than the engine's cursor). */
int amazon__cursor_encode(char *out, size_t n, const struct amazon_cursor *c,
                          struct sc_error *err);

/* marketplace_ops.orders_page / order_get (see adapter.h). */
int amazon__orders_page(void *self, const char *cursor, struct page *out,
                        struct sc_error *err);
int amazon__order_get(void *self, const char *order_id, struct order **out,
                      struct sc_error *err);

/* ---- order_parse.c ------------------------------------------------------ */

/* One Orders API 2026-01-01 Order object into *out (caller order_free()s).
 * Every amount must be a decimal string in the order's currency (that of
 * proceeds.grandTotal, else of the first amount seen); the lines' charges
 * must add up to grandTotal exactly. PENDING and CANCELLED orders may come
 * without proceeds (amounts then 0, total = the lines' sum). SC_EMALFORMED
 * "order ID: ..." (ID "(unknown)" without orderId), SC_ENOMEM. */
int amazon__order_parse(json_object *jo, struct order **out, struct sc_error *err);

/* A searchOrders response body: each order parsed into page_add(out) (out
 * must have been page_init'ed with amazon__order_item_free), each order that
 * does not parse into page_add_bad(out, orderId or "(unknown)", why).
 * *next_token = pagination.nextToken (caller frees) or NULL on the last page.
 * SC_EMALFORMED when the body is not JSON or has no `orders` array; the page
 * may then hold part of the items (page_free it). */
int amazon__orders_response_parse(struct page *out, char **next_token,
                                  const char *body, size_t len,
                                  struct sc_error *err);

/* page item_free for struct order *. */
void amazon__order_item_free(void *order);

#endif
