/*
 * netsuite_int.h: the NetSuite adapter's internals, shared by its files and
 * exposed to tests/unit/test_netsuite.c and the fuzz target as netsuite__*.
 *
 * Files: netsuite.c (conf, open/close, the ops table), oauth1.c (TBA
 * signing), oauth2.c (JWT client credentials and the token cache), records.c
 * (authenticated calls, upsert/find, customers), body.c (order and customer
 * JSON bodies), suiteql.c (queries, item and currency lookups), errors.c
 * (NetSuite error bodies), cache.c (the per-run string maps), refund.c
 * (refund_create: transforms, read-back), refund_plan.c (the lines a refund
 * writes, differences), changes.c (refunds made in NetSuite),
 * changes_ship.c (shipments and cancellations made in NetSuite),
 * changes_stream.c (changes_page: the three queries, their cursor),
 * transactions.c (reading transactions back), journal.c (settlement_post:
 * journal entries).
 *
 * Threads: order_upsert, record_find and refund_create may run from
 * `concurrency` threads at once; changes_page from one. The token
 * (token_lock) and the caches (cache_lock) are the only
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
	struct netsuite_map accounts;    /* account number -> internal id (journal.c) */
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

/* ---- refund_plan.c, refund.c: marketplace refunds written to NetSuite ---- */

/* Where one refund component goes on a NetSuite refund record. */
enum netsuite_part {
	NETSUITE_PART_ITEM = 0,          /* Principal: the refunded line's own item */
	NETSUITE_PART_SHIPPING,          /* shipping_item_id */
	NETSUITE_PART_DISCOUNT,          /* discount_item_id */
	NETSUITE_PART_TAX,               /* tax_item_id */
	NETSUITE_PART_GIFTWRAP,          /* giftwrap_item_id */
	NETSUITE_PART_OTHER,             /* other_item_id */
	NETSUITE_PART_FEE,               /* marketplace fees, withheld tax: never written */
	NETSUITE_PART_COUNT
};

/* The part a component type name ("Principal", "ShippingTax", "Commission",
 * ...; case-insensitive) goes to; unknown names are NETSUITE_PART_OTHER. */
enum netsuite_part netsuite__part_of(const char *component_type);
/* The configured item of a charge part; NULL when unset, for ITEM and FEE. */
const char *netsuite__part_item(const struct netsuite_body_opts *opts, enum netsuite_part p);
/* "shipping", "discount", ... for messages. */
const char *netsuite__part_name(enum netsuite_part p);

/* One line written to (or expected on) a refund record. */
struct netsuite_rline {
	const char *item_id;             /* borrowed; NULL before items are resolved */
	const char *label;               /* SKU or part name, for messages (borrowed) */
	int64_t qty;                     /* 0: an amount-only line (quantity not written) */
	int64_t amount;                  /* credited to the buyer, minor units */
};

/* What one refund writes: its item lines in refund line order, then one line
 * per charge part in enum order. total = the sum of the amounts. */
struct netsuite_rplan {
	struct netsuite_rline *lines;    /* heap; free with netsuite__rplan_free */
	size_t n;
	int64_t total;
	size_t *src_line;                /* refund line index of each item line */
	size_t nitems;                   /* lines[0..nitems) are item lines */
};

/* Plan the lines of r. item_ids[i] is the item of r->lines[i] (NULL array:
 * not resolved yet, item_id left NULL). SC_EINVALID naming the refund for a
 * line without a SKU, a charge whose item is not configured, nothing to
 * write, or amounts that overflow. */
int netsuite__rplan_build(struct netsuite_rplan *out, const struct netsuite_body_opts *opts,
                          const struct refund *r, const char *const *item_ids,
                          struct sc_error *err);
void netsuite__rplan_free(struct netsuite_rplan *p);

/* The transform body (see refund.c), appended to out. */
int netsuite__refund_body(struct buf *out, const struct netsuite_rplan *plan,
                          const struct refund *r, const char *external_id);

/* One item line as NetSuite shows it. */
struct netsuite_tline {
	char item[64];                   /* item internal id */
	int64_t qty;                     /* 0 when absent */
	int has_qty;
	int64_t amount;                  /* minor units; 0 when absent */
};

/* Differences between a plan and what NetSuite holds, appended to out as
 * "line 2 SKU-0003: quantity 1 in NetSuite, 2 refunded; total 10.00 in
 * NetSuite, 12.00 refunded" ("; "-joined). has_total 0: "no total in
 * NetSuite". Returns the number of differences (0: identical). */
int netsuite__rplan_diff(struct buf *out, const struct netsuite_rplan *plan,
                         const struct netsuite_tline *have, size_t nhave, int has_total,
                         int64_t total, int exponent);

/* The refund_create slot (self = struct netsuite *). */
int netsuite__refund_create(void *self, const struct refund *r, const char *target_type,
                            const struct erp_ref *order_ref, const char *external_id,
                            struct erp_ref *out, struct sc_error *err);

/* ---- transactions.c: reading transactions back --------------------------- */

/* 1 when s is a non-empty run of ASCII digits (an internal id). */
int netsuite__all_digits(const char *s);

struct json_object;

/* A transaction read with GET ...?expandSubResources=true. */
struct netsuite_txn {
	struct json_object *root;        /* owned, the parsed body */
	char id[64];
	char self_type[32];              /* type named by the self link, "" when none */
	char external_id[160];           /* "" when none */
	char created_from[64];           /* createdFrom.id, "" when none */
	char currency_id[64];            /* currency.id, "" when none */
	char tran_date[11];              /* "YYYY-MM-DD", "" when none */
};

/* Parse a record body into out (out->root owned: netsuite__txn_free).
 * SC_EMALFORMED when it is not a record with an id. */
int netsuite__txn_parse(struct netsuite_txn *out, const char *body, size_t len,
                        struct sc_error *err);
/* GET .../{type}/{id}?expandSubResources=true: 1 found (out filled), 0 absent
 * (404), <0 error. */
int netsuite__txn_get(struct netsuite *ns, const char *type, const char *id,
                      struct netsuite_txn *out, struct sc_error *err);
void netsuite__txn_free(struct netsuite_txn *t);
/* The item sublist's lines (*out heap, free()); amounts at `exponent`. */
int netsuite__txn_lines(const struct netsuite_txn *t, int exponent, struct netsuite_tline **out,
                        size_t *n, struct sc_error *err);
/* The record's total: 1 present, 0 absent, <0 not an exact amount. */
int netsuite__txn_total(const struct netsuite_txn *t, int exponent, int64_t *out,
                        struct sc_error *err);

/* An `apply` line of a customerRefund that is applied [U: REST keys]. */
struct netsuite_applied {
	char doc[64];
	int64_t amount;
	int has_amount;
};
/* The applied lines (*out heap, free()). */
int netsuite__txn_applied(const struct netsuite_txn *t, int exponent,
                          struct netsuite_applied **out, size_t *n, struct sc_error *err);
/* The first applied document's id into out ("" when none), amounts unread. */
void netsuite__txn_first_applied(const struct netsuite_txn *t, char *out, size_t n);

/* ---- changes.c: refunds made in NetSuite, shared helpers ------------------ */

/* One query's place in the changes stream (and the whole cursor of older
 * runs, refunds only): "v1;since=<ISO>" starts a new poll (from since minus
 * the overlap), "v1;after=<ISO>;skip=<n>" continues one (rows modified at or
 * after `after`, the first n of them already seen). */
struct netsuite_cursor {
	int64_t since;                   /* UTC seconds */
	int cont;                        /* 1: after/skip form */
	long skip;
};
/* NULL or "": since = now - NETSUITE_FIRST_LOOKBACK. SC_EMALFORMED naming the
 * cursor for anything this adapter did not write. */
int netsuite__cursor_parse(struct netsuite_cursor *out, const char *cursor, int64_t now,
                           struct sc_error *err);
int netsuite__cursor_format(char *out, size_t n, const struct netsuite_cursor *c);

#define NETSUITE_FIRST_LOOKBACK (24 * 3600)   /* first run: changes of the last day */
#define NETSUITE_OVERLAP 300                  /* each poll re-reads 5 minutes */

/* 1 when eid is "<PREFIX>-RFD-..." (a refund the connector made), else 0. */
int netsuite__eid_is_ours(const char *eid);
/* 1 and the order id (borrowed, inside eid) when eid is "<PREFIX>-ORD-<id>". */
int netsuite__eid_order(const char *eid, const char **order_id);

/* The changes_page slot (self = struct netsuite *): items struct erp_change *. */
int netsuite__changes_page(void *self, const char *cursor, struct page *out,
                           struct sc_error *err);
/* item_free of that page. */
void netsuite__change_free(void *change);

/* One page of a SuiteQL query: *out the parsed body (caller puts it), *rows
 * its items (borrowed from *out), *more hasMore. <0: the page could not be
 * had (err filled; *out NULL). */
int netsuite__changes_query(struct netsuite *ns, const char *query, long limit, long offset,
                            struct json_object **out, struct json_object **rows, int *more,
                            struct sc_error *err);
/* Text of a row's column (string or number), NULL when absent. */
const char *netsuite__row_col(struct json_object *row, const char *name);
/* The itemid (SKU) of NetSuite item `id` (items cache, else one SuiteQL by
 * id): *out heap. SC_EINVALID when NetSuite has no such item. */
int netsuite__item_sku(struct netsuite *ns, const char *id, char **out, struct sc_error *err);
/* 1 for codes that fail a whole changes page (transient, auth, memory,
 * interrupted, no space) rather than sending one record to page->bad. */
int netsuite__fatal(int code);

/* ---- changes_stream.c, changes_ship.c: the changes stream ---------------- */

/* One query of the changes stream. changes_stream.c pages each one by
 * keyset on (modified, key) with the overlap rule of changes.c. */
struct netsuite_stream {
	const char *name;                /* its key in the cursor */
	/* Append the SuiteQL of rows modified at or after `from` ("YYYY-MM-DD
	 * HH:MM:SS"), with column "modified" (TO_CHAR ... 'YYYY-MM-DD
	 * HH24:MI:SS'), ordered by modification time then a unique key. */
	int (*query)(struct buf *q, const char *from);
	/* Handle one page of rows (a JSON array): changes into out, records
	 * that cannot be read or traced into out->bad; <0 fails the page. */
	int (*rows)(struct netsuite *ns, struct json_object *rows, struct page *out,
	            struct sc_error *err);
};

extern const struct netsuite_stream netsuite__stream_refund;   /* changes.c */
extern const struct netsuite_stream netsuite__stream_ship;     /* changes_ship.c */
extern const struct netsuite_stream netsuite__stream_close;    /* changes_ship.c */

#define NETSUITE_STREAMS 3             /* refund, ship, close, in this order */

/* The changes_page cursor: one sub-cursor per query,
 * "v2;refund=S;ship=S;close=S" where S is "since,<ISO>" (start a poll at
 * ISO minus the overlap), "after,<ISO>,<n>" (continue one: rows modified at
 * or after ISO, the first n seen) or "done,<ISO>" (finished this poll, the
 * next one starts at ISO). A "v1;..." cursor of an older run is the refund
 * sub-cursor, the others "since" its time. */
struct netsuite_scursor {
	struct netsuite_cursor s[NETSUITE_STREAMS];
	int done[NETSUITE_STREAMS];
};
/* NULL or "": every query since now - NETSUITE_FIRST_LOOKBACK.
 * SC_EMALFORMED naming the cursor for anything this adapter did not write. */
int netsuite__scursor_parse(struct netsuite_scursor *out, const char *cursor, int64_t now,
                            struct sc_error *err);
int netsuite__scursor_format(char *out, size_t n, const struct netsuite_scursor *c);

/* ---- journal.c: settlements as journal entries ----------------------------- */

/* Check a posting can be written: a settlement id and currency, every line
 * an account, at least one non-zero line, the lines summing to zero
 * exactly. SC_EINVALID naming the settlement otherwise. */
int netsuite__journal_check(const struct settlement_posting *p, const char *external_id,
                            struct sc_error *err);
/* The journalEntry JSON body (journal.c's header comment), appended to out.
 * account_ids[i] is the internal id of p->lines[i] (unused for zero lines);
 * subsidiary_id may be NULL. */
int netsuite__journal_body(struct buf *out, const struct settlement_posting *p,
                           const char *external_id, const char *currency_id,
                           const char *subsidiary_id, const char *const *account_ids,
                           struct sc_error *err);
/* "SELECT id, acctnumber FROM account WHERE acctnumber = 'X'" (' doubled). */
int netsuite__account_query(struct buf *out, const char *acctnumber);
/* The internal id of a posting's account: looked up as an account number
 * with SuiteQL once per run (cached); when no account has that number, a
 * string of digits is the internal id itself. SC_EINVALID when neither
 * (naming it), or when the number names more than one account. */
int netsuite__account_resolve(struct netsuite *ns, const char *account, char *out, size_t n,
                              struct sc_error *err);
/* The settlement_post slot (self = struct netsuite *): PUT
 * .../journalEntry/eid:{external_id}; out = the entry (type journalEntry,
 * id from Location). */
int netsuite__settlement_post(void *self, const struct settlement_posting *p,
                              const char *external_id, struct erp_ref *out,
                              struct sc_error *err);

#endif
