/*
 * sandbox.h: internals of connector-sandbox, the loopback peer that speaks
 * the subsets of Amazon SP-API and NetSuite REST the connector uses.
 *
 * The interface (paths, flags, shapes) is README.md next to this file.
 *
 * Threads: libmicrohttpd runs one thread per connection. Everything in
 * `struct sbx` below `lock` is guarded by that one mutex; counters are
 * C11 atomics; configuration is written once before the daemon starts.
 *
 * Modules (one file each, prefix sbx_<module>_):
 *   util.c     params, percent/base64 coding, ISO 8601, exact decimals
 *   map.c      string-keyed hash map
 *   store.c    orders index, items, currencies, records, tokens, nonces
 *   fault.c    scripted faults
 *   server.c   libmicrohttpd glue, routing, faults applied, replies
 *   control.c  /_sandbox/ control and inspection, stats
 *   amazon.c   LWA token, searchOrders, getOrder, rate limits
 *   finances.c Finances v0: financial events store, listFinancialEvents(ByOrderId)
 *   feeds.c    Feeds 2021-06-30: documents, presigned upload/download, feeds
 *   feedproc.c feed processing: POST_PAYMENT_ADJUSTMENT_DATA messages applied
 *   feedxml.c  the feed XML (feedproc.h), the processing report, gzip
 *   reports.c  Reports 2021-06-30: settlement reports, their documents (Cp1252, gzip)
 *   generate.c deterministic synthetic orders
 *   nsauth.c   NetSuite OAuth 2.0 (JWT client assertion) and TBA
 *   netsuite.c NetSuite record API
 *   nstransform.c NetSuite !transform (allowed pairs) and the control refund
 *   nsjournal.c NetSuite accounts and journal entries (lines balanced, accounts exist)
 *   suiteql.c  NetSuite SuiteQL subset (suiteql_parse.c: its parser)
 */
#ifndef SBX_SANDBOX_H
#define SBX_SANDBOX_H

/* With --limits off, the applied rate the Amazon side states in
 * x-amzn-RateLimit-Limit: an account with (practically) no limit, which a
 * client adopts as it would a real account's raised limit. */
#define SB_RATE_UNLIMITED "100000"
/* How many issued access tokens /_sandbox/stats lists (the newest), so a
 * test can prove the client never prints one. */
#define SBX_ISSUED_MAX 64

#include <json-c/json.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/buf.h"

#define SBX_BODY_CAP ((size_t)8 << 20)   /* request bodies */
/* How JSON is written: compact, '/' not escaped. */
#define SBX_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* ---- util.c ---------------------------------------------------------- */

struct sbx_param {
	char *key;
	char *val;
};

struct sbx_params {
	struct sbx_param *v;
	size_t n;
};

/* Parse "a=1&b=x%20y" (form rules: '+' is a space) into *out (decoded).
 * Returns 0 or SC_ENOMEM / SC_EMALFORMED (bad %-escape). */
int sbx_params_parse(struct sbx_params *out, const char *text, size_t len);
void sbx_params_free(struct sbx_params *p);
/* First value of `key`, or NULL. */
const char *sbx_params_get(const struct sbx_params *p, const char *key);
/* Number of occurrences of `key`. */
size_t sbx_params_count(const struct sbx_params *p, const char *key);

/* Percent-decode `len` bytes into a new string (*out, free()); '+' becomes
 * a space when `plus` is set. SC_EMALFORMED on a bad escape or a NUL. */
int sbx_pct_decode(char **out, const char *s, size_t len, int plus);

/* base64 (standard, padded) of n bytes into b. */
int sbx_base64_encode(struct buf *b, const unsigned char *p, size_t n);
/* Decode base64 or base64url, padding optional. *out is malloc'd. */
int sbx_base64_decode(unsigned char **out, size_t *outlen, const char *s, size_t len);
/* n random bytes as lower-case hex into out (2n+1 bytes). */
int sbx_random_hex(char *out, size_t nbytes);
/* 64-bit FNV-1a. */
uint64_t sbx_hash64(const void *p, size_t n, uint64_t seed);

/* ISO 8601 ("2026-11-20T08:00:00Z", ".123", "+02:00", "2026-11-20") to
 * milliseconds since the epoch. SC_EMALFORMED otherwise. */
int sbx_time_parse(int64_t *out, const char *s);
/* "2026-11-20T08:00:00Z" (ms dropped) into out[24]. */
void sbx_time_format(char *out, size_t n, int64_t ms);
/* Wall clock in ms, monotonic clock in ms. */
int64_t sbx_now_ms(void);
int64_t sbx_mono_ms(void);
void sbx_sleep_ms(int64_t ms);

/* Exact decimal: value = units / 10^scale. */
struct sbx_dec {
	int64_t units;
	int scale;
};

#define SBX_DEC_MAX_SCALE 9

/* Parse JSON number text or a decimal string ("-12.30", "5", "1e2").
 * SC_EMALFORMED, or SC_ENOSPACE past int64 / SBX_DEC_MAX_SCALE. */
int sbx_dec_parse(struct sbx_dec *out, const char *s);
/* acc += x (rescaled exactly). SC_ENOSPACE on overflow. */
int sbx_dec_add(struct sbx_dec *acc, const struct sbx_dec *x);
/* Text with exactly `scale` decimals: "24.98", "-0.05", "300". */
void sbx_dec_format(char *out, size_t n, const struct sbx_dec *d);
/* Minor units with `exp` decimals: (1999, 2) -> "19.99". */
void sbx_minor_format(char *out, size_t n, int64_t minor, int exp);

/* Parse exactly `len` bytes of JSON (one value, nothing after it). NULL on
 * failure (why in err, size errn, may be NULL). Caller json_object_put()s. */
json_object *sbx_json_parse(const char *text, size_t len, char *err, size_t errn);
/* String of a member (NULL when absent or not a string). */
const char *sbx_json_str(json_object *o, const char *key);
/* Append a JSON string literal (with quotes). */
int sbx_buf_json_str(struct buf *b, const char *s);

/* ---- map.c ----------------------------------------------------------- */

struct sbx_map_slot {
	char *key;        /* owned copy; NULL = empty */
	uint64_t hash;
	void *val;
};

struct sbx_map {
	struct sbx_map_slot *slots;
	size_t cap;       /* power of two or 0 */
	size_t len;
};

/* Insert or replace. The key is copied; *old_out (may be NULL) gets the
 * replaced value or NULL. 0 or SC_ENOMEM. */
int sbx_map_put(struct sbx_map *m, const char *key, void *val, void **old_out);
void *sbx_map_get(const struct sbx_map *m, const char *key);
/* Remove; returns the value or NULL. */
void *sbx_map_del(struct sbx_map *m, const char *key);
/* Free the table (and each value with free_val unless NULL). */
void sbx_map_free(struct sbx_map *m, void (*free_val)(void *));

/* ---- store.c --------------------------------------------------------- */

/* One Amazon order: either stored JSON text or generated on demand. */
struct sbx_order {
	char *id;
	int64_t updated_ms;
	int64_t created_ms;
	char marketplace[24];
	char fstatus[24];     /* fulfillment.fulfillmentStatus */
	char fby[16];         /* fulfillment.fulfilledBy */
	long gen_index;       /* >= 0: made by generate.c from this index */
	char *json;           /* the Order object when gen_index < 0 */
};

struct sbx_orders {
	struct sbx_order **by_updated;   /* sorted (updated_ms, id) */
	struct sbx_order **by_created;   /* sorted (created_ms, id) */
	size_t len, cap;
	int dirty;
	struct sbx_map by_id;
};

struct sbx_item {
	char *id;
	char *itemid;
	char *type;
	char *displayname;
};

struct sbx_currency {
	char *id;
	char *symbol;
};

struct sbx_record {
	const char *type;     /* borrowed from its sbx_rtype */
	int64_t id;
	char *external_id;    /* NULL when none */
	char *body;           /* JSON object text: the fields as written */
	char total[48];       /* sum of item line amounts, "" without lines */
	int64_t created_ms;
	int64_t modified_ms;
};

struct sbx_rtype {
	char *name;
	struct sbx_map by_eid;
	struct sbx_map by_id;
	struct sbx_record **list;        /* creation order */
	size_t len, cap;
};

struct sbx_token {
	int64_t expires_mono_ms;
	int kind;                        /* SBX_TOKEN_* */
};

enum { SBX_TOKEN_AMAZON = 1, SBX_TOKEN_NETSUITE = 2 };

struct sbx_bucket {
	double rate, burst, tokens;
	int64_t last_ms;
	const char *rate_text;
};

struct sbx_fault;

enum sbx_op {
	SBX_OP_LWA_TOKEN = 0,
	SBX_OP_SEARCH_ORDERS,
	SBX_OP_GET_ORDER,
	SBX_OP_NS_TOKEN,
	SBX_OP_RECORD_GET,
	SBX_OP_RECORD_UPSERT,
	SBX_OP_RECORD_CREATE,
	SBX_OP_RECORD_UPDATE,
	SBX_OP_RECORD_TRANSFORM,
	SBX_OP_SUITEQL,
	SBX_OP_LIST_FIN_EVENTS,
	SBX_OP_LIST_FIN_EVENTS_BY_ORDER,
	SBX_OP_CREATE_FEED_DOC,
	SBX_OP_CREATE_FEED,
	SBX_OP_GET_FEED,
	SBX_OP_GET_FEED_DOC,
	SBX_OP_DOC_UPLOAD,
	SBX_OP_DOC_DOWNLOAD,
	SBX_OP_GET_REPORTS,
	SBX_OP_GET_REPORT,
	SBX_OP_CREATE_REPORT,
	SBX_OP_GET_REPORT_DOC,
	SBX_OP_OTHER,
	SBX_OP__COUNT
};

/* One financial event (Finances v0). */
struct sbx_fevent {
	int64_t posted_ms;
	uint64_t seq;            /* insertion order: the tie-break after posted_ms */
	int list;                /* index in sbx_fin_lists[] (finances.c) */
	char order_id[32];       /* AmazonOrderId, "" when none */
	char *json;              /* the event object without "type", exact amounts */
};

/* A feed document: an input (uploaded through its presigned URL) or a
 * processing report (gzip-compressed). */
struct sbx_fdoc {
	char id[48];
	char content_type[128];
	unsigned char *data;
	size_t len;
	int uploaded;
	int is_result;
	int64_t upload_deadline_ms;   /* wall clock: the upload URL expires */
	int is_report;                /* a report's document (reports.c): no upload, no getFeedDocument */
	int gzip;                     /* data is gzip-compressed */
};

/* A report of the Reports API (reports.c): the sandbox holds settlement
 * reports only, each DONE with its document. */
struct sbx_report {
	char id[24];
	char type[64];
	char status[16];
	int64_t created_ms, start_ms, end_ms;   /* wall clock */
	char doc_id[48];         /* "" when none */
	char *marketplaces;      /* JSON array text, or NULL */
	char *content;           /* the document as seeded (UTF-8), for inspection */
	char charset[24];        /* what the document is served in */
};

/* A NetSuite account (nsjournal.c). */
struct sbx_account {
	char *id;
	char *acctnumber;
	char *name;
	char *type;
};

/* One message of a processed feed and what became of it. */
struct sbx_fmsg {
	long message_id;
	char order_id[32];
	int ok;
	char code[16];           /* ResultMessageCode when !ok */
	char *description;       /* when !ok */
};

struct sbx_feed {
	char id[24];
	char type[64];
	char *marketplaces;      /* JSON array text */
	char input_doc[48];
	char result_doc[48];     /* "" until processed */
	int64_t created_ms, start_ms, end_ms;   /* wall clock */
	int processed;
	int fatal;
	char *report;            /* the processing report (uncompressed XML) */
	struct sbx_fmsg *msgs;
	size_t nmsgs;
};

/* A scripted per-message feed error (POST /_sandbox/amazon/feed-errors). */
struct sbx_feed_error {
	char order_id[32];
	char code[16];
	char *description;
	long count;
};

struct sbx {
	/* configuration, fixed after start */
	double time_scale;
	int limits;
	int verbose;
	long latency_ms;               /* added to every /services/rest/ request */
	unsigned port;
	char host_port[64];            /* "127.0.0.1:PORT" */
	EVP_PKEY *ns_pubkey;
	char *amz_client_id, *amz_client_secret, *amz_refresh_token;
	char *ns_account, *ns_client_id, *ns_certificate_id;
	char *ns_consumer_key, *ns_consumer_secret, *ns_token_id, *ns_token_secret;
	long ns_concurrency_limit;
	int64_t gen_anchor_ms;         /* newest generated lastUpdatedTime */
	long gen_count;
	long feed_delay_ms;            /* --feed-delay-ms (before --time-scale) */

	/* counters */
	atomic_long requests[SBX_OP__COUNT];
	atomic_long throttled[SBX_OP__COUNT];
	atomic_long in_flight;
	atomic_long max_in_flight;
	atomic_long writes;
	atomic_long faults_fired;

	/* everything below: under lock */
	pthread_mutex_t lock;
	struct sbx_orders orders;
	struct sbx_map items_by_id;
	struct sbx_map items_by_itemid;
	struct sbx_item **items;
	size_t nitems, items_cap;
	struct sbx_currency *currencies;
	size_t ncurrencies;
	struct sbx_rtype **rtypes;
	size_t nrtypes;
	int64_t next_record_id;
	struct sbx_map tokens;
	char issued[SBX_ISSUED_MAX][80];   /* last access tokens issued (stats) */
	size_t nissued;
	struct sbx_map nonces;         /* value: (void *)(intptr_t) seconds */
	size_t nonces_pruned_at;
	struct sbx_bucket bucket_search, bucket_get;
	struct sbx_fault *faults;
	size_t nfaults;
	uint64_t page_secret;
	struct sbx_bucket bucket_fin, bucket_fin_order;
	struct sbx_bucket bucket_feed_doc, bucket_feed_create, bucket_feed_get, bucket_feed_doc_get;
	struct sbx_fevent **fevents;   /* sorted (posted_ms, seq) unless fevents_dirty */
	size_t nfevents, fevents_cap;
	int fevents_dirty;
	uint64_t fevent_seq;
	struct sbx_map refunded;       /* "order\x1fitem" -> struct sbx_dec *: refund events' total */
	struct sbx_map adj_ids;        /* "order\x1fMerchantAdjustmentItemID" accepted -> (void *)1 */
	struct sbx_fdoc **fdocs;
	size_t nfdocs, fdocs_cap;
	struct sbx_feed **feeds;
	size_t nfeeds, feeds_cap;
	struct sbx_feed_error *feed_errors;
	size_t nfeed_errors;
	uint64_t next_feed_id;
	uint64_t next_adjustment_id;
	/* reports.c */
	struct sbx_report **reports;
	size_t nreports, reports_cap;
	uint64_t next_report_id;
	struct sbx_bucket bucket_reports, bucket_report_get, bucket_report_create, bucket_report_doc;
	char *seed_dir;                /* relative report "file"s are read from here */
	/* nsjournal.c */
	struct sbx_account *accounts;
	size_t naccounts;
};

void sbx_init(struct sbx *sb);
void sbx_free(struct sbx *sb);

/* Orders (caller holds lock). Adding an id already present replaces it. */
int sbx_orders_put_json(struct sbx *sb, json_object *order, const char *now_if_missing);
int sbx_orders_put_generated(struct sbx *sb, const struct sbx_order *meta);
void sbx_orders_sort(struct sbx *sb);
struct sbx_order *sbx_orders_find(struct sbx *sb, const char *id);
/* The full Order object of `o` (new reference). */
json_object *sbx_order_object(struct sbx *sb, const struct sbx_order *o);

/* Items and currencies (caller holds lock). */
int sbx_items_put(struct sbx *sb, const char *id, const char *itemid,
                  const char *type, const char *displayname);
struct sbx_item *sbx_items_find(struct sbx *sb, const char *id);
struct sbx_item *sbx_items_find_itemid(struct sbx *sb, const char *itemid);
int sbx_currencies_put(struct sbx *sb, const char *id, const char *symbol);
struct sbx_currency *sbx_currencies_find(struct sbx *sb, const char *id);

/* Records (caller holds lock). */
struct sbx_rtype *sbx_rtype_get(struct sbx *sb, const char *name, int create);
struct sbx_record *sbx_record_find(struct sbx_rtype *t, int64_t id);
struct sbx_record *sbx_record_find_eid(struct sbx_rtype *t, const char *eid);
/* Any type: the record with this internal id, or NULL. */
struct sbx_record *sbx_record_find_any(struct sbx *sb, int64_t id);
/* New record; takes ownership of `body` (malloc'd text). id 0 = next id. */
int sbx_record_add(struct sbx_record **out, struct sbx *sb, struct sbx_rtype *t,
                   int64_t id, const char *eid, char *body);
/* Replace a record's body text (takes ownership). */
void sbx_record_set_body(struct sbx_record *r, char *body);

/* Tokens and nonces (caller holds lock). */
int sbx_token_issue(struct sbx *sb, char *out, size_t n, const char *prefix,
                    int kind, int64_t lifetime_s);
int sbx_token_valid(struct sbx *sb, const char *token, int kind);
/* 1 when the nonce was new (now remembered), 0 when seen before, <0 error. */
int sbx_nonce_remember(struct sbx *sb, const char *key, int64_t now_s);

/* ---- fault.c --------------------------------------------------------- */

enum sbx_fault_action {
	SBX_FAULT_NONE = 0,
	SBX_FAULT_STATUS,
	SBX_FAULT_DELAY,
	SBX_FAULT_DROP,
	SBX_FAULT_TRUNCATE,
	SBX_FAULT_MALFORMED
};

struct sbx_fault {
	char method[16];
	char path[512];
	int prefix;
	long count, skip;
	int status;
	long retry_after;        /* < 0: no header */
	long delay_ms;
	enum sbx_fault_action action;
};

/* Parse one fault from JSON; SC_EINVALID with a reason in err. */
int sbx_fault_parse(struct sbx_fault *out, json_object *o, char *err, size_t errn);
/* Append (caller holds lock). */
int sbx_fault_add(struct sbx *sb, const struct sbx_fault *f);
void sbx_fault_clear(struct sbx *sb);
/* Consume a matching fault for this request, copying it to *out; returns
 * 1 when one fires, 0 otherwise. Takes the lock itself. */
int sbx_fault_take(struct sbx *sb, const char *method, const char *path,
                   struct sbx_fault *out);

/* ---- server.c -------------------------------------------------------- */

/* SBX_API_S3: the presigned feed-document URLs (/_upload/, /_download/). */
enum sbx_api { SBX_API_NONE = 0, SBX_API_AMAZON, SBX_API_LWA, SBX_API_NETSUITE, SBX_API_S3 };

struct sbx_req {
	struct MHD_Connection *con;
	const char *method;
	const char *path;          /* decoded, no query */
	const char *raw_path;      /* as sent, no query */
	const char *raw_query;     /* as sent, after '?', "" when none */
	struct sbx_params query;
	struct buf body;
	enum sbx_api api;
	enum sbx_op op;
};

struct sbx_reply {
	int status;
	struct buf body;
	const char *content_type;
	char location[512];
	char retry_after[24];
	char rate_limit[24];   /* x-amzn-RateLimit-Limit of this answer */
	char request_id[48];
	const char *content_encoding;   /* Content-Encoding, NULL: none */
	int truncate;
};

/* A request header's value, or NULL. */
const char *sbx_req_header(const struct sbx_req *rq, const char *name);

/* Fill `rp` (status + JSON body). The body text is copied. */
void sbx_reply_json(struct sbx_reply *rp, int status, const char *json);
/* SP-API error body {"errors":[{code,message}]}. */
void sbx_reply_amazon_error(struct sbx_reply *rp, int status, const char *code,
                            const char *message);
/* NetSuite error body with one o:errorDetails entry; path may be NULL. */
void sbx_reply_ns_error(struct sbx_reply *rp, int status, const char *code,
                        const char *detail, const char *path);
/* OAuth error body {"error": code[, "error_description": desc]}. */
void sbx_reply_oauth_error(struct sbx_reply *rp, int status, const char *code,
                           const char *desc);
/* S3 error body <Error><Code>code</Code><Message>msg</Message></Error>. */
void sbx_reply_s3_error(struct sbx_reply *rp, int status, const char *code, const char *msg);

int sbx_server_start(struct sbx *sb, const char *host, unsigned port);
void sbx_server_stop(void);
/* ---- control.c ------------------------------------------------------- */

/* Answer a /_sandbox/ request. */
void sbx_control_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* The stats object (new reference). */
json_object *sbx_stats_object(struct sbx *sb);

/* ---- amazon.c -------------------------------------------------------- */

void sbx_amazon_init(struct sbx *sb);
/* Answer an Amazon (or LWA) request. */
void sbx_amazon_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* Take a token from bucket `b` (takes the lock). 0 when taken, 1 when over
 * the limit (rp filled with 429 QuotaExceeded, counted as throttled). */
int sbx_amazon_limited(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp,
                       struct sbx_bucket *b);
/* Set x-amzn-RateLimit-Limit of a success from bucket `b` (or the stated
 * unlimited rate with --limits off). */
void sbx_amazon_rate_header(const struct sbx *sb, struct sbx_reply *rp, const struct sbx_bucket *b);
/* A JSON request body as an object (new reference), or NULL with rp filled
 * (400 InvalidInput). */
json_object *sbx_amazon_body(struct sbx_req *rq, struct sbx_reply *rp);

/* ---- finances.c ------------------------------------------------------ */

/* The FinancialEvents list names of the model, in its order. */
extern const char *const sbx_fin_lists[];
extern const size_t sbx_fin_nlists;
void sbx_finances_init(struct sbx *sb);
void sbx_finances_free(struct sbx *sb);
/* Add one event {"type": "refund"|"shipment"|"guarantee_claim"|"chargeback",
 * ...ShipmentEvent}: `ev` is borrowed (and changed). PostedDate defaults to
 * now and is moved by shift_ms. CurrencyAmount (number or decimal string)
 * is kept exact. Caller holds the lock. 0, or SC_EINVALID with err. */
int sbx_fevents_add(struct sbx *sb, json_object *ev, int64_t shift_ms, char *err, size_t errn);
/* Add an event whose JSON text is made (exact amounts) by the caller:
 * `json` is taken. Caller holds the lock. */
int sbx_fevents_add_text(struct sbx *sb, int list, const char *order_id, int64_t posted_ms,
                         char *json);
void sbx_fevents_sort(struct sbx *sb);
/* What the refund events so far gave back on an order item (the negated
 * sum of their item charge and promotion adjustments). Caller holds the lock. */
struct sbx_dec sbx_fevents_refunded(struct sbx *sb, const char *order_id, const char *item_id);
/* A JSON number node whose serialization is `text` exactly (an exact
 * decimal), for building event objects. */
json_object *sbx_json_exact_number(const char *text);
/* listFinancialEvents / listFinancialEventsByOrderId (auth and limit done). */
void sbx_finances_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* Every event as [{"type": ..., ...event}] (control). Takes the lock. */
void sbx_finances_dump(struct sbx *sb, struct buf *out);

/* ---- feeds.c --------------------------------------------------------- */

void sbx_feeds_init(struct sbx *sb);
void sbx_feeds_free(struct sbx *sb);
/* Process every feed whose processing time has come. Caller holds the lock. */
void sbx_feeds_advance(struct sbx *sb);
/* createFeedDocument, createFeed, getFeed, getFeedDocument (auth done). */
void sbx_feeds_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* PUT /_upload/{id}, GET /_download/{id}: the presigned URLs. */
void sbx_feeds_s3(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* Control: GET /_sandbox/amazon/feeds, POST /_sandbox/amazon/feed-errors. */
void sbx_feeds_inspect(struct sbx *sb, struct sbx_reply *rp);
int sbx_feeds_script_error(struct sbx *sb, json_object *doc, char *err, size_t errn);
/* New result document holding `data` (taken); its id into out[48]. Caller
 * holds the lock. */
int sbx_fdoc_add_result(struct sbx *sb, unsigned char *data, size_t len, char *out);
struct sbx_fdoc *sbx_fdoc_find(struct sbx *sb, const char *id);
/* New report document holding `data` (taken; gzip-compressed when `gzip`),
 * served with `content_type`; its id into out[48]. Caller holds the lock. */
int sbx_fdoc_add_report(struct sbx *sb, unsigned char *data, size_t len, int gzip,
                        const char *content_type, char *out);
/* Append the presigned download URL of document `id` (5 min, scaled);
 * `gzip_ce`: the download then says Content-Encoding: gzip. */
void sbx_fdoc_download_url(struct buf *out, const struct sbx *sb, const char *id, int gzip_ce);

/* ---- reports.c ------------------------------------------------------- */

#define SBX_SETTLEMENT_REPORT_TYPE "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"

void sbx_reports_init(struct sbx *sb);
void sbx_reports_free(struct sbx *sb);
/* Add one settlement report from its seed / control object {"reportId"?,
 * "createdTime"?, "dataStartTime"?, "dataEndTime"?, "file" | "content",
 * ...}: times moved by shift_ms (rebase_times). Caller holds the lock.
 * 0, or SC_EINVALID / SC_ENOMEM with err. */
int sbx_reports_add(struct sbx *sb, json_object *spec, int64_t shift_ms, char *err, size_t errn);
/* getReports, getReport, createReport, getReportDocument (auth and limit done). */
void sbx_reports_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* Control: GET /_sandbox/amazon/settlement-reports (every report with its
 * content), POST (one report object or {"reports":[...]}). */
void sbx_reports_inspect(struct sbx *sb, struct sbx_reply *rp);
void sbx_reports_control_add(struct sbx *sb, json_object *doc, struct sbx_reply *rp);

/* ---- feedproc.c ------------------------------------------------------ */

/* libxml2's global state: init (1) before the threads start, cleanup (0) at exit. */
void sbx_feedproc_global(int init);
/* Process feed `f` now (its input document, each message, the report as a
 * new result document). Caller holds the lock. 0 or SC_ENOMEM. */
int sbx_feedproc_run(struct sbx *sb, struct sbx_feed *f);

/* ---- generate.c ------------------------------------------------------ */

/* Add n generated orders (and SKU-0001..SKU-0040 items when missing).
 * Caller holds the lock. */
int sbx_generate(struct sbx *sb, long n);
/* The order index i (0 <= i < sb->gen_count): its metadata, its object. */
void sbx_generate_meta(const struct sbx *sb, long i, struct sbx_order *out, char *id, size_t idn);
json_object *sbx_generate_order(const struct sbx *sb, long i);

/* ---- nsauth.c -------------------------------------------------------- */

/* POST /services/rest/auth/oauth2/v1/token */
void sbx_nsauth_token(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* Check Authorization (Bearer or TBA). 1 ok, 0 refused (rp filled). */
int sbx_nsauth_check(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* Recompute every vector of specs/netsuite/oauth1-test-vectors.json with
 * the verifier's own base-string and HMAC code; prints one line per vector.
 * Returns the number of mismatches (-1 when the file is unreadable). */
int sbx_nsauth_check_vectors(const char *path);

/* ---- netsuite.c ------------------------------------------------------ */

/* Answer a /services/rest/record/ or /query/ request (auth checked). */
void sbx_netsuite_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);
/* The record as GET returns it (new reference); caller holds the lock. */
json_object *sbx_netsuite_record_object(struct sbx *sb, const struct sbx_record *r,
                                        int expand);
/* "SO" for salesOrder, ...: tranId is prefix + internal id; NULL for others. */
const char *sbx_netsuite_tranid_prefix(const char *type);
/* Base URL for Location and links: "http://HOST" from the request. */
void sbx_netsuite_base(const struct sbx *sb, const struct sbx_req *rq, char *out, size_t n);

/* A NetSuite error being built: the status and one o:errorDetails entry. */
struct sbx_nserr {
	int status;
	char code[40];
	char detail[320];
	char path[64];           /* "" for none */
};

void sbx_nserr_set(struct sbx_nserr *e, int status, const char *code, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sbx_reply_nserr(struct sbx_reply *rp, const struct sbx_nserr *e);
/* Check a body's references as NetSuite does (caller holds the lock).
 * 0, or -1 with err. */
int sbx_netsuite_validate(struct sbx *sb, const char *type, json_object *body, int creating,
                          struct sbx_nserr *err);
/* Store `body` (borrowed; server-owned members dropped) as a new record
 * with external id `eid` (may be NULL). Caller holds the lock. */
int sbx_netsuite_store_new(struct sbx *sb, struct sbx_rtype *t, const char *eid,
                           json_object *body, struct sbx_record **out);
/* 204 + Location of type/id, counted as a write. */
void sbx_netsuite_reply_written(struct sbx *sb, const struct sbx_req *rq, struct sbx_reply *rp,
                                const char *type, int64_t id);

/* ---- nstransform.c --------------------------------------------------- */

/* 1 when NetSuite allows transforming `from` into `to` (the sandbox's list). */
int sbx_transform_allowed(const char *from, const char *to);
/* A new `target` record from record src_type/src_id and the fields of
 * `body` (borrowed). Caller holds the lock. 0 with *out_id, or -1 with err. */
int sbx_netsuite_transform(struct sbx *sb, const char *src_type, int64_t src_id,
                           const char *target, json_object *body, int64_t *out_id,
                           struct sbx_nserr *err);
/* POST /services/rest/record/v1/{type}/{id}/!transform/{target} (auth done). */
void sbx_transform_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp,
                          const char *type, const char *key, const char *target);
/* POST /_sandbox/netsuite/refund. */
void sbx_transform_control_refund(struct sbx *sb, json_object *doc, struct sbx_reply *rp);

/* ---- nsjournal.c ----------------------------------------------------- */

/* Accounts (caller holds lock). Adding an id already present replaces it. */
int sbx_accounts_put(struct sbx *sb, const char *id, const char *acctnumber, const char *name,
                     const char *type);
struct sbx_account *sbx_accounts_find(struct sbx *sb, const char *id);
void sbx_accounts_free(struct sbx *sb);
/* A journalEntry body's `line` sublist as NetSuite checks it: each line an
 * existing account (when the sandbox has accounts) and exactly one of
 * debit / credit, a positive amount; debits equal credits exactly; at least
 * one line when created. Caller holds the lock. 0, or -1 with err. */
int sbx_journal_validate(struct sbx *sb, json_object *body, int creating, struct sbx_nserr *err);
/* refName of each line's account (GET with expandSubResources). */
void sbx_journal_ref_names(struct sbx *sb, json_object *record);

/* ---- suiteql.c ------------------------------------------------------- */

void sbx_suiteql_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp);

#endif
