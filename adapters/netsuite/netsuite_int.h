/*
 * netsuite_int.h: the NetSuite adapter's internals, shared by its files and
 * exposed to tests/unit/test_netsuite.c and the fuzz target as netsuite__*.
 *
 * Files: netsuite.c (conf, open/close, the ops table), oauth1.c (TBA
 * signing), oauth2.c (JWT client credentials and the token cache), records.c
 * (authenticated calls, upsert/find, customers), body.c (order and customer
 * JSON bodies), suiteql.c (queries, item and currency lookups), errors.c
 * (NetSuite error bodies), cache.c (the per-run string maps).
 *
 * Threads: order_upsert and record_find may run from `concurrency` threads
 * at once. The token (token_lock) and the caches (cache_lock) are the only
 * shared mutable state; neither lock is held across an API call, except
 * token_lock across the token request itself (one fetch at a time).
 */
#ifndef SC_NETSUITE_INT_H
#define SC_NETSUITE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "adapters/adapter.h"
#include "connector/buf.h"
#include "connector/error.h"
#include "connector/http.h"

/* ---- cache.c: string -> string maps ------------------------------------- */

struct netsuite_map_slot {
	char *key;
	char *value;
};

struct netsuite_map {
	struct netsuite_map_slot *slots;
	size_t n, cap;
};

/* 1 and *out (borrowed, valid until the next put) when present, else 0. */
int netsuite__map_get(const struct netsuite_map *m, const char *key, const char **out);
/* Insert or replace (both strings copied). 0 or SC_ENOMEM. */
int netsuite__map_put(struct netsuite_map *m, const char *key, const char *value);
void netsuite__map_free(struct netsuite_map *m);

/* ---- the adapter -------------------------------------------------------- */

enum netsuite_auth { NETSUITE_AUTH_OAUTH2 = 0, NETSUITE_AUTH_TBA };
enum netsuite_customer_mode { NETSUITE_CUSTOMER_SINGLE = 0, NETSUITE_CUSTOMER_PER_BUYER };

/* What the order body needs from conf (strings borrowed, NULL = not set). */
struct netsuite_body_opts {
	const char *record_type;         /* salesOrder | cashSale | invoice */
	const char *subsidiary_id;
	const char *location_id;
	const char *cash_sale_account_id;/* cashSale only */
	const char *shipping_item_id;
	const char *discount_item_id;
	const char *tax_item_id;
	const char *giftwrap_item_id;
	const char *other_item_id;
};

/* TBA credentials (borrowed). */
struct netsuite_tba {
	const char *realm;               /* account id, upper case */
	const char *consumer_key;
	const char *consumer_secret;
	const char *token_id;
	const char *token_secret;
};

struct netsuite {
	struct http_client *http;
	double time_scale;
	enum netsuite_auth auth;
	char *base_url;                  /* no trailing '/' */
	char realm[64];
	enum netsuite_customer_mode customer_mode;
	const char *customer_id;
	struct netsuite_body_opts body;
	int concurrency;

	/* OAuth 2.0 */
	const char *client_id;
	const char *certificate_id;
	const char *scope;
	char *token_url;
	EVP_PKEY *key;
	pthread_mutex_t token_lock;
	char *token;                     /* cached access token, or NULL */
	int64_t token_until_ms;          /* time_mono_ms() deadline */
	unsigned long tokens_fetched;    /* for tests */

	/* TBA */
	struct netsuite_tba tba;

	/* per-run caches (cache_lock) */
	pthread_mutex_t cache_lock;
	struct netsuite_map items;       /* itemid -> internal id */
	struct netsuite_map currencies;  /* ISO code -> internal id */
	struct netsuite_map customers;   /* customer external id -> internal id */
	int currencies_loaded;
};

/* ---- oauth1.c: TBA ------------------------------------------------------ */

struct netsuite_param {
	const char *name;                /* raw (not encoded) */
	const char *value;
};

/* The OAuth 1.0a signature base string (RFC 5849 3.4.1):
 * METHOD&pct(scheme://host[:port]/path)&pct(sorted params), where params are
 * `params` plus the query parameters decoded from `url` (never realm or
 * oauth_signature). Scheme and host lower-cased, default ports dropped.
 * Appends to `out`. 0, SC_EINVALID for a URL it cannot read, SC_ENOMEM. */
int netsuite__oauth1_base_string(struct buf *out, const char *method, const char *url,
                                 const struct netsuite_param *params, size_t n,
                                 struct sc_error *err);

/* base64(HMAC(pct(consumer_secret)&pct(token_secret), base)) into out
 * (at least 64 bytes). sig_method "HMAC-SHA256" or "HMAC-SHA1". */
int netsuite__oauth1_sign(char *out, size_t n, const char *sig_method, const char *base,
                          const char *consumer_secret, const char *token_secret,
                          struct sc_error *err);

/* The Authorization header value ("OAuth realm=..., oauth_signature=...")
 * for one request, with the given timestamp and nonce (HMAC-SHA256).
 * Appends to `out`. */
int netsuite__oauth1_header(struct buf *out, const struct netsuite_tba *tba,
                            const char *method, const char *url, const char *timestamp,
                            const char *nonce, struct sc_error *err);

/* http auth hook (ud = struct netsuite *): fresh nonce and timestamp. */
int netsuite__tba_auth(void *ud, const struct http_request *req, struct http_headers *hdrs,
                       struct sc_error *err);

/* ---- oauth2.c: client credentials --------------------------------------- */

/* base64url without padding, appended to out. */
int netsuite__base64url(struct buf *out, const unsigned char *p, size_t n);

/* A signed client assertion: PS256 for an RSA key, ES256 for an EC P-256
 * key. *out is heap (free()). iat = now, exp = now + 3600. */
int netsuite__jwt_make(char **out, EVP_PKEY *key, const char *kid, const char *iss,
                       const char *scope, const char *aud, int64_t now,
                       struct sc_error *err);

/* Load an unencrypted PEM private key. The file must be readable and not
 * readable by group or others: else conf_error naming `key` of `s`. */
int netsuite__key_load(EVP_PKEY **out, const struct conf_section *s, const char *key,
                       const char *path, struct sc_error *err);

/* Parse a token response: *token heap (free()), *expires_in seconds (number
 * or string; 3600 when absent). SC_EMALFORMED otherwise. */
int netsuite__token_parse(char **token, int64_t *expires_in, const char *body, size_t len,
                          struct sc_error *err);

/* A copy of a valid access token (fetched when none is cached or it is
 * within 60 s of expiry). *out heap (free()). */
int netsuite__token_get(struct netsuite *ns, char **out, struct sc_error *err);
/* Forget the cached token if it is still `used` (after a 401). */
void netsuite__token_drop(struct netsuite *ns, const char *used);

/* ---- errors.c ----------------------------------------------------------- */

/* Fill err->remote from a NetSuite error body ("o:errorCode: detail" joined
 * by "; "; else the title; else an OAuth "error: error_description"; else
 * the text as is). Returns 1 when the body had NetSuite's or OAuth's shape,
 * 0 otherwise. Never fails. */
int netsuite__error_parse(struct sc_error *err, const char *body, size_t len);

/* err for a response that is not what we wanted: code from the status
 * (sc_code_from_http), http_status, remote from the body, msg
 * "NetSuite <what>: HTTP <status> [<title>]". Returns the code. */
int netsuite__error_from_response(struct sc_error *err, const struct http_response *resp,
                                  const char *what);

/* ---- records.c ---------------------------------------------------------- */

struct netsuite_call {
	const char *method;
	const char *url;
	const char *body;                /* JSON or NULL */
	size_t body_len;
	const char *op;                  /* for the http log */
	const char *prefer;              /* "Prefer:" value, or NULL */
	int idempotent;
};

/* Perform an authenticated API call; a 401 drops the token and retries once.
 * 0 when a response came (any status; free it), <0 otherwise. */
int netsuite__call(struct netsuite *ns, const struct netsuite_call *c,
                   struct http_response *resp, struct sc_error *err);

/* The internal id at the end of a Location URL ".../{type}/{id}" (query and
 * fragment ignored; `type` compared case-insensitively, NULL: any).
 * 0 or SC_EMALFORMED. */
int netsuite__location_id(char *out, size_t n, const char *location, const char *type);

/* A record body (GET): id (string or number) and externalId into out
 * (type untouched). 0 or SC_EMALFORMED. */
int netsuite__record_parse(struct erp_ref *out, const char *body, size_t len,
                           struct sc_error *err);

/* URL of .../record/v1/{type}/eid:{pct(eid)} (heap, free()). */
int netsuite__record_url(char **out, const struct netsuite *ns, const char *type,
                         const char *eid);

/* PUT the JSON body under eid (204 + Location -> out). */
int netsuite__record_upsert(struct netsuite *ns, const char *type, const char *eid,
                            const char *body, size_t len, struct erp_ref *out,
                            struct sc_error *err);
/* GET by eid: 1 found (out filled), 0 absent, <0 error. */
int netsuite__record_find(struct netsuite *ns, const char *type, const char *eid,
                          struct erp_ref *out, struct sc_error *err);

/* The entity id for an order (single: customer_id; per_buyer: upserted
 * customer, cached). `order_eid` gives the external id prefix. */
int netsuite__customer_resolve(struct netsuite *ns, const struct order *o,
                               const char *order_eid, char *out, size_t n,
                               struct sc_error *err);

/* ---- body.c ------------------------------------------------------------- */

/* Check an order can be written: lines, SKUs, charge items configured, line
 * amounts summing to the total. SC_EINVALID naming the order otherwise. */
int netsuite__order_check(const struct netsuite_body_opts *opts, const struct order *o,
                          struct sc_error *err);

/* The order's JSON body (NETSUITE.md s1), appended to out. item_ids[i] is
 * the NetSuite item of o->lines[i]. */
int netsuite__order_body(struct buf *out, const struct netsuite_body_opts *opts,
                         const struct order *o, const char *external_id,
                         const char *entity_id, const char *currency_id,
                         const char *const *item_ids, struct sc_error *err);

/* "<PREFIX>-CUS-<16 hex of sha256(buyer_id | buyer_email | order id)>":
 * PREFIX is what precedes the first '-' of order_eid ("AMZ"). */
int netsuite__customer_eid(char *out, size_t n, const char *order_eid, const struct order *o);

/* The customer's JSON body, appended to out. */
int netsuite__customer_body(struct buf *out, const char *eid, const struct order *o,
                            const char *subsidiary_id);

/* ---- suiteql.c ---------------------------------------------------------- */

struct netsuite_pair {
	char *key;
	char *value;
};

struct netsuite_pairs {
	struct netsuite_pair *v;
	size_t n, alloc;
};

void netsuite__pairs_free(struct netsuite_pairs *p);

/* Parse one SuiteQL response page: for each of items[], the text of
 * columns key_col and val_col (strings or numbers; rows lacking either are
 * skipped) appended to out; *more = hasMore; *count = items on the page.
 * SC_EMALFORMED when the body is not a SuiteQL page. */
int netsuite__suiteql_parse(struct netsuite_pairs *out, int *more, size_t *count,
                            const char *body, size_t len, const char *key_col,
                            const char *val_col, struct sc_error *err);

/* Run a query (every page) and collect key_col -> val_col. */
int netsuite__suiteql_run(struct netsuite *ns, const char *query, const char *key_col,
                          const char *val_col, struct netsuite_pairs *out,
                          struct sc_error *err);

/* "SELECT id, itemid FROM item WHERE itemid IN ('A', 'B')" (' doubled). */
int netsuite__item_query(struct buf *out, const char *const *skus, size_t n);

/* The NetSuite id of an ISO currency code (SELECT id, symbol FROM
 * currency, once per run). SC_EINVALID when NetSuite has no such currency. */
int netsuite__currency_resolve(struct netsuite *ns, const char *code, char *out, size_t n,
                               struct sc_error *err);

/* NetSuite item ids for every line of o (by erp_sku, else sku), unknown
 * SKUs looked up in one query. *out: o->nlines heap strings, free with
 * netsuite__strv_free. Unknown SKU: SC_EINVALID naming it. */
int netsuite__items_resolve(struct netsuite *ns, const struct order *o, char ***out,
                            struct sc_error *err);
void netsuite__strv_free(char **v, size_t n);

#endif
