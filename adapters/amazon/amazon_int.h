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

struct amazon_returns;              /* returns.c */

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
	/* refunds (finances.c, feeds.c) */
	char *merchant_id;             /* feed Header/MerchantIdentifier */
	struct ratelimit *rl_finances;     /* every Finances v0 operation */
	struct ratelimit *rl_feed_doc;     /* createFeedDocument */
	struct ratelimit *rl_feed_create;  /* createFeed */
	struct ratelimit *rl_feed_get;     /* getFeed */
	struct ratelimit *rl_feed_doc_get; /* getFeedDocument */
	/* settlement reports (settlements.c) */
	struct ratelimit *rl_reports;      /* getReports */
	struct ratelimit *rl_report_doc;   /* getReportDocument */
	/* fulfillments (ship.c) */
	char *cancel_reason;               /* AdjustmentReason of cancellations */
	struct ratelimit *rl_confirm;      /* confirmShipment */
	/* returns reports (returns_fetch.c): which ones, and the run's cache */
	unsigned returns_types;            /* AMAZON_RETURNS_* bits; 0: none */
	struct ratelimit *rl_report_create; /* createReport */
	struct ratelimit *rl_report_get;   /* getReport */
	pthread_mutex_t returns_lock;      /* guards the four fields below */
	int64_t returns_from, returns_to;  /* the reports' dataStart/EndTime */
	struct amazon_returns *returns;    /* NULL until loaded */

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

/* ==== refunds: Finances v0 in, payment adjustment feeds out ==============
 * finances.c (listFinancialEvents paging, listFinancialEventsByOrderId),
 * refund_parse.c (RefundEventList items -> struct refund), feed_xml.c (the
 * POST_PAYMENT_ADJUSTMENT_DATA document and the processing report parser),
 * feeds.c (createFeedDocument -> upload -> createFeed; getFeed ->
 * getFeedDocument -> report). */

#define AMAZON_FINANCES_PATH "/finances/v0/financialEvents"
#define AMAZON_FINANCES_ORDER_PATH "/finances/v0/orders/"
#define AMAZON_FEEDS_PATH "/feeds/2021-06-30"
#define AMAZON_REFUND_FEED_TYPE "POST_PAYMENT_ADJUSTMENT_DATA"
#define AMAZON_FEED_CONTENT_TYPE "text/xml; charset=UTF-8"
/* Finances answers an empty list when PostedAfter and PostedBefore are more
 * than 180 days apart: a window is never longer. */
#define AMAZON_FINANCES_MAX_SPAN (180 * 86400)
/* "Orders from the last 48 hours might not be included in financial
 * events": each refunds window re-reads at least this much (real seconds). */
#define AMAZON_FINANCES_REREAD (48 * 3600)
/* MerchantIdentifier when conf has no merchant_id. */
#define AMAZON_DEFAULT_MERCHANT "M_CONNECTOR"
/* Longest MerchantAdjustmentItemID written (the refund id, cut). */
#define AMAZON_ADJ_ID_MAX 40
/* Most messages a processing report may number (a report naming more is
 * malformed: it would make the result array absurdly large). */
#define AMAZON_REPORT_MAX_MESSAGES 10000

/* ---- finances.c --------------------------------------------------------- */

/* marketplace_ops.refunds_page (see adapter.h). The cursor has the orders
 * cursor's text form (amazon__cursor_decode): "v1;after=T" between windows,
 * "v1;after=A;before=B;token=X" mid-window (NextToken pages repeat
 * PostedAfter, PostedBefore and MaxResultsPerPage). A window runs from the
 * watermark minus max(overlap_seconds, AMAZON_FINANCES_REREAD) to two
 * minutes before now, cut to AMAZON_FINANCES_MAX_SPAN (page->more stays 1
 * until the windows reach now). Items are struct refund * (source
 * SIDE_MARKETPLACE); refund events that do not parse go to page->bad.
 * The refunds are then classified by amazon__returns_apply (returns
 * reports); its failure is the page's (the cursor stays). */
int amazon__refunds_page(void *self, const char *cursor, struct page *out,
                         struct sc_error *err);
/* marketplace_ops.order_refunds: every refund event of one order, all
 * NextToken pages (at most 50) read in this one call (page->more is 0,
 * cursor ""). An event naming another order goes to page->bad. Amazon's
 * refusal of the order id (400) is SC_EINVALID with its words. Classified
 * by amazon__returns_apply as refunds_page's are. */
int amazon__order_refunds(void *self, const char *order_id, struct page *out,
                          struct sc_error *err);

/* ---- refund_parse.c ----------------------------------------------------- */

/* One RefundEventList item (ShipmentEvent schema) into *out (caller
 * refund_free()s). id: the first non-empty OrderAdjustmentItemId of
 * ShipmentItemAdjustmentList, else "H" + 16 hex digits of a SHA-256 over
 * the event's order id, PostedDate text, currency and each item's SKU,
 * quantity and components (stable across re-reads). One line per item;
 * components as refund_parse.c's header says, signed as Amazon sends them.
 * kind REFUND_KIND_REFUND, reason NULL (Finances carries none).
 * SC_EMALFORMED "refund of order ID: ..." (one currency throughout, known
 * to money.h; exact amounts; an order id, a PostedDate and at least one
 * item), SC_ENOMEM. */
int amazon__refund_parse(json_object *event, struct refund **out,
                         struct sc_error *err);

/* A Finances v0 response body ({"payload":{"NextToken","FinancialEvents"}}):
 * each RefundEventList item parsed into page_add(out) (out page_init'ed with
 * amazon__refund_item_free), each that does not parse into page_add_bad(out,
 * its first OrderAdjustmentItemId, else its AmazonOrderId, else
 * "(unknown)", why). Other event lists are ignored. When `order_id` is not
 * NULL an event of another order is bad too. *next_token = NextToken
 * (caller frees) or NULL. SC_EMALFORMED when the body is not JSON or has no
 * payload object; the page may then hold part of the items. */
int amazon__finances_response_parse(struct page *out, char **next_token,
                                    const char *order_id, const char *body,
                                    size_t len, struct sc_error *err);

/* page item_free for struct refund *. */
void amazon__refund_item_free(void *refund);

/* ---- feed_xml.c --------------------------------------------------------- */

/* The POST_PAYMENT_ADJUSTMENT_DATA XML for refunds[0..n-1] into *out
 * (*len bytes, NUL-terminated, caller free()s); message i+1 is refunds[i].
 * Every refund needs an order id, a reason from amazon_ops.refund_reasons,
 * a currency known to money.h (r->exponent its exponent); every line with
 * money a line_id. Components must be of the feed's Component types
 * (Finances' Giftwrap/GiftwrapTax accepted) and signed as model.h says:
 * refunded types <= 0, the deductions RestockingFee/RestockingFeeTax >= 0;
 * each is written as its absolute value, summed per type and line. Zero
 * components and lines without money are left out; a refund left with no
 * line is refused. Any refused refund fails the whole call: SC_EINVALID
 * naming the refund (id and order) and the field; SC_ENOMEM.
 * `merchant_id` NULL or "" -> AMAZON_DEFAULT_MERCHANT. */
int amazon__refund_feed_build(char **out, size_t *len, const char *merchant_id,
                              struct refund *const *refunds, size_t n,
                              struct sc_error *err);

/* A feed processing report (XML AmazonEnvelope/Message/ProcessingReport)
 * into *out[*n] (caller free()s): one result for every message 1..M, M the
 * larger of ProcessingSummary/MessagesProcessed and the highest Result
 * MessageID; ref = the MessageID in decimal; ok 0 with err.remote =
 * "ResultMessageCode: ResultDescription" (several joined with "; ") for a
 * message with an Error result, else ok 1 (Warnings are logged). Messages
 * the report does not reach are not in *out. A report that rejects the
 * whole document (an Error Result with MessageID 0 or none, and no message
 * processed) is SC_EINVALID with Amazon's words in err->remote. Parsed with
 * no network, no DTD, no entity substitution (a DOCTYPE is refused).
 * SC_EMALFORMED for text that is no such report, SC_ENOMEM. */
int amazon__processing_report_parse(struct submission_result **out, size_t *n,
                                    const char *xml, size_t len,
                                    struct sc_error *err);

/* ---- feeds.c ------------------------------------------------------------ */

/* marketplace_ops.refunds_push: the refunds as one feed (feed_xml.c; every
 * refund is checked before anything is sent), createFeedDocument, PUT to
 * its url (no SP-API token there: it is a presigned URL), createFeed for the
 * first marketplace id; submission = the feedId. createFeed is not
 * idempotent: it is sent with idempotent = 0, and when its outcome is
 * unknown (no answer, a 5xx other than 503, a 2xx without feedId) the call
 * returns SC_ECONFLICT saying the feed may exist: never resubmit those
 * refunds automatically. A 4xx, 429 or 503 answer means nothing was
 * created: the code of amazon__error_from_response. */
int amazon__refunds_push(void *self, struct refund *const *refunds, size_t n,
                         char *submission, size_t submission_len,
                         struct sc_error *err);
/* createFeedDocument, the upload of xml[0..len) and createFeed (type
 * AMAZON_REFUND_FEED_TYPE) for `marketplace` (NULL or "": the first of
 * marketplace_ids); the feedId into feed_id[n] ("" on error). `what` names
 * the feed's content in the SC_ECONFLICT messages ("these refunds"). The
 * never-twice rules of refunds_push apply (createFeed not idempotent). */
int amazon__feed_submit(struct amazon *self, const char *xml, size_t len,
                        const char *marketplace, const char *what, char *feed_id,
                        size_t n, struct sc_error *err);
/* marketplace_ops.submission_results for a feedId: getFeed; IN_QUEUE or
 * IN_PROGRESS -> 1; DONE (or FATAL with a report) -> getFeedDocument ->
 * download (gunzip when compressionAlgorithm is GZIP or the bytes are) ->
 * amazon__processing_report_parse -> 0. CANCELLED (nothing applied),
 * FATAL without a report (outcome unknown) and a whole-feed rejection are
 * SC_EINVALID errors: they wait for a person and are never resubmitted
 * automatically. Results are numbered by message: ref "i+1" is refunds[i]
 * of the push. A submission "FEEDID;ref=REF" (a cancellation's, see
 * amazon__fulfillment_push) reads feed FEEDID and gives message 1's result
 * the ref REF. */
int amazon__submission_results(void *self, const char *submission,
                               struct submission_result **out, size_t *n,
                               struct sc_error *err);

/* Inflate gzip `data` into *out (buf_init'ed here with `cap`; freed on
 * error). SC_EMALFORMED for bytes that are no complete gzip stream,
 * SC_ENOSPACE past cap. */
int amazon__gunzip(struct buf *out, const char *data, size_t len, size_t cap,
                   struct sc_error *err);

/* An SP-API request with any method (feeds.c; amazon__call is GET only):
 * `auth` 1 adds the access token and retries once after a 403 (as
 * amazon__call); 0 for presigned URLs, which must never see the token.
 * `content_type` may be NULL (no body). `idempotent` as http_request. */
int amazon__request(struct amazon *self, const char *op, struct ratelimit *rl,
                    const char *method, const char *url,
                    const char *content_type, const char *body, size_t len,
                    int auth, int idempotent, struct http_response *out,
                    struct sc_error *err);


/* ==== fulfillments: Orders v0 confirmShipment, cancellation feeds ========
 * ship.c (the slot, the confirmShipment body, the carrier table),
 * cancel_xml.c (the cancellation's POST_PAYMENT_ADJUSTMENT_DATA feed). */

#define AMAZON_SHIP_PATH "/orders/v0/orders/"   /* {orderId}/shipmentConfirmation */
#define AMAZON_DEFAULT_CANCEL_REASON "NoInventory"
/* A cancellation's submission: FEEDID AMAZON_SUBMISSION_REF f->id. */
#define AMAZON_SUBMISSION_REF ";ref="
/* The room a cancellation's submission keeps for the feedId, checked
 * before createFeed (feed ids are about 11 digits). */
#define AMAZON_FEED_ID_MAX 40

/* The Amazon CarrierCode of a carrier as an ERP names it ("UPS Ground",
 * "fedex 2day", "Royal Mail Tracked 48"): the longest entry of the table in
 * ship.c whose words begin `text` (case-insensitive, leading blanks
 * skipped, the entry followed by the end or a character that is no letter
 * or digit). "Other" when none matches or text is NULL/empty. Static text. */
const char *amazon__carrier_code(const char *text);

/* The confirmShipment request body of shipment `f` (f->cancel 0) into *out
 * (malloc'd JSON text, caller frees): {"marketplaceId": f->channel, else
 * the only conf marketplace `fallback_mkt` (NULL when several),
 * "packageDetail":{"packageReferenceId": f->id, "carrierCode",
 * "carrierName" (only when the code is "Other": the ERP's text),
 * "shippingMethod": f->method (when set), "trackingNumber", "shipDate":
 * ISO 8601 UTC of f->ship_date, "orderItems":[{"orderItemId": line_id,
 * "quantity"}]}}. The carrier is looked up from f->carrier, else
 * f->method. SC_EINVALID naming the shipment (and the line's SKU) for: no
 * order id, an id that is not a positive number (packageReferenceId allows
 * only those), no carrier, no tracking number, no ship date, no
 * marketplace, no line, a line without line_id or with qty <= 0. */
int amazon__ship_body_build(char **out, const struct fulfillment *f,
                            const char *fallback_mkt, struct sc_error *err);

/* The POST_PAYMENT_ADJUSTMENT_DATA XML of cancellation `f` (f->cancel 1)
 * into *out (*len bytes, NUL-terminated, caller free()s): one Message
 * (MessageID 1) OrderAdjustment(AmazonOrderID, ActionType Cancel,
 * AdjustedItem per line (AmazonOrderItemCode = line_id, AdjustmentReason =
 * f->reason, else `reason`, Quantity = qty)). SC_EINVALID naming the
 * fulfillment (and the SKU) for: no order id, no line, a line without
 * line_id or with qty <= 0, a reason not in amazon_ops.refund_reasons.
 * `merchant_id` NULL or "" -> AMAZON_DEFAULT_MERCHANT. */
int amazon__cancel_feed_build(char **out, size_t *len, const char *merchant_id,
                              const struct fulfillment *f, const char *reason,
                              struct sc_error *err);

/* marketplace_ops.fulfillment_push (see adapter.h).
 * Shipment: POST /orders/v0/orders/{orderId}/shipmentConfirmation with
 * amazon__ship_body_build's body, limiter rl_confirm (2/s, burst 10), sent
 * with idempotent = 0 (retried only on 429/503/connect failures). A 2xx
 * (Amazon answers 204) -> 0, submission "". Otherwise the code of
 * amazon__error_from_response (400 -> SC_EINVALID, 404 -> SC_ENOTFOUND,
 * 403 -> SC_EAUTH, 429 after retries and 5xx -> SC_ETRANSIENT) with
 * Amazon's "CODE: message" in err->remote; no answer -> SC_ETRANSIENT.
 * Cancellation: amazon__cancel_feed_build, amazon__feed_submit for
 * f->channel (else the first marketplace id); submission = "FEEDID;ref=" +
 * f->id, checked to fit submission_len before anything is sent.
 * Nothing is sent when the body or feed is refused. */
int amazon__fulfillment_push(void *self, const struct fulfillment *f,
                             char *submission, size_t submission_len,
                             struct sc_error *err);

/* ==== settlements: report files ==========================================
 * settlement.c (the slot: source, format detection, date and amount
 * parsers both formats share), settlement_v2.c (the V2 flat file),
 * settlement_xml.c (the deprecated XML report). Both parsers stream: a
 * fixed buffer of AMAZON_SETTLEMENT_BUF bytes (V2) or libxml2's streaming
 * reader (XML); no allocation per row; memory does not grow with the file.
 * Messages say "line N: ..." and never carry the path: the caller prefixes
 * the file name. Lines reach the sink as they are read, so a caller must
 * discard what it got when the parse returns an error (a bad row anywhere
 * means the settlement is not posted). */

/* Read size, and the longest V2 line accepted. */
#define AMAZON_SETTLEMENT_BUF (1024 * 1024)
/* Most columns a V2 header may have. */
#define AMAZON_SETTLEMENT_MAXCOLS 256

/* Where a report's bytes come from: `fd` (>= 0), else `mem[0..len)`, in
 * pieces of at most `piece` bytes per read when piece > 0 (tests and fuzz
 * targets cut the text at every place that way). The first bytes, read to
 * detect the format, are kept in `head` and handed out first. */
struct amazon_stl_src {
	int fd;
	const char *mem;
	size_t len, pos, piece;
	char head[256];
	size_t nhead, headpos;
};

/* Up to n bytes into dst: the count, 0 at the end, SC_ERROR with err set
 * on a read error. */
long amazon__stl_read(struct amazon_stl_src *src, char *dst, size_t n,
                      struct sc_error *err);

/* marketplace_ops.settlement_parse: the file at `path`, V2 flat file or
 * XML (first byte '<' after an optional BOM and white space). The header
 * goes to sink->header once, before any line; then each detail line, in
 * file order. A sink callback returning < 0 stops the parse with that code.
 * Errors (SC_EMALFORMED unless said otherwise) name the line: "line 7:
 * column `amount`: `12,3,4` is not an amount"; SC_ERROR "cannot open: ..."
 * or "read error: ..." for the file itself; SC_ENOMEM. */
int amazon__settlement_parse(const char *path, const struct settlement_sink *sink,
                             struct sc_error *err);
/* The same on data[0..len) (fuzz targets, tests), read in pieces of at
 * most `piece` bytes (0: all at once); results do not depend on piece. */
int amazon__settlement_parse_mem(const char *data, size_t len, size_t piece,
                                 const struct settlement_sink *sink,
                                 struct sc_error *err);

/* The V2 flat file from src (settlement_v2.c). Columns are mapped by
 * header name (trimmed, case-insensitive); required: settlement-id,
 * settlement-start-date, settlement-end-date, deposit-date, total-amount,
 * currency, transaction-type, order-id, amount-type, amount-description,
 * amount; read when present: adjustment-id, sku, quantity-purchased,
 * posted-date-time, else posted-date; others ignored. Line 1 is the header
 * (a UTF-8 BOM and CRLF line ends tolerated), the first data row the
 * summary, then one row per amount. Every row has as many columns as the
 * header; a last line without newline is read when it is complete and is
 * "truncated" otherwise. Blank lines are skipped. A detail row's currency
 * and settlement-id, when not empty, must be the summary's. */
int amazon__settlement_v2_run(struct amazon_stl_src *src,
                              const struct settlement_sink *sink,
                              struct sc_error *err);
/* The old XML report from src (settlement_xml.c): libxml2's streaming
 * reader, no network, no DTD, no entity substitution; a DOCTYPE anywhere
 * is refused before libxml2 sees it. How elements become lines: the
 * comment at the top of settlement_xml.c. */
int amazon__settlement_xml_run(struct amazon_stl_src *src,
                               const struct settlement_sink *sink,
                               struct sc_error *err);

/* A sink callback returned rc < 0 at `lineno`: keep the message the sink
 * set in err (err->code == rc), prefixed "line N: " unless it names a line
 * already, else say the reader stopped. Returns rc. */
int amazon__stl_sink_failed(struct sc_error *err, int rc, long lineno);

/* money_parse_locale() with a fast path for the plain shapes ("1234.56",
 * "-12.30", "95,00", "818548"): same results, same codes, for any text. */
int amazon__settlement_amount_parse(int64_t *out, const char *text, size_t len,
                                    int exponent);
/* A settlement date or time, UTC: "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS UTC",
 * "DD.MM.YYYY", "DD.MM.YYYY HH:MM:SS UTC", "MM/DD/YY", "MM/DD/YYYY", and
 * whatever time_parse_iso8601 reads ("2026-03-06T08:52:26+00:00").
 * Impossible dates are SC_EMALFORMED; two-digit years are 20YY. */
int amazon__settlement_date_parse(int64_t *out, const char *text, size_t len);

/* ==== settlements: Reports API 2021-06-30 ================================
 * settlements.c: settlements_page (getReports, createdSince cursor,
 * nextToken paging) and settlement_fetch (getReportDocument, the presigned
 * download, gunzip, charset -> UTF-8, the file written atomically). */

#define AMAZON_REPORTS_PATH "/reports/2021-06-30"
#define AMAZON_SETTLEMENT_REPORT_TYPE "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
#define AMAZON_REPORTS_PAGE_SIZE 100
/* Each listing re-reads this far before the newest report seen (a report
 * may turn DONE after a later one was listed); the engine skips what it
 * has processed. overlap_seconds applies instead when it is longer. */
#define AMAZON_SETTLEMENTS_REREAD (3 * 86400)
/* Amazon keeps reports this long: createdSince never reaches further back. */
#define AMAZON_REPORTS_RETENTION (90 * 86400 - 3600)
/* What a download is in when its Content-Type declares no charset. */
#define AMAZON_REPORT_DEFAULT_CHARSET "Cp1252"
/* Largest report written (UTF-8 bytes): a bound against gzip bombs. */
#define AMAZON_SETTLEMENT_MAX_BYTES (4ULL << 30)

/* The settlements cursor (settlements.c's header comment has its text
 * forms: "s1;since=T" and "s1;since=T;from=F;token=X"). */
struct amazon_stl_cursor {
	int64_t since;        /* newest createdTime seen; 0: none yet */
	int64_t from;         /* mid-listing: the createdSince asked */
	char token[sizeof(((struct page *)0)->cursor)];   /* "" between listings */
};

/* Decode `text` (NULL or "" -> all zero). SC_EMALFORMED for text this
 * adapter did not write. */
int amazon__stl_cursor_decode(struct amazon_stl_cursor *out, const char *text,
                              struct sc_error *err);
/* Encode into out[n]; SC_ENOSPACE when the token does not fit. */
int amazon__stl_cursor_encode(char *out, size_t n, const struct amazon_stl_cursor *c,
                              struct sc_error *err);

/* marketplace_ops.settlements_page: items are struct settlement_ref *
 * (malloc'd; item_free amazon__settlement_ref_free): id = reportId,
 * document = reportDocumentId, created / start / end = createdTime /
 * dataStartTime / dataEndTime (0 when absent). Reports of another type or
 * not DONE are skipped; a DONE one without reportDocumentId or with a bad
 * time goes to page->bad. page->more while Amazon gives a nextToken. */
int amazon__settlements_page(void *self, const char *cursor, struct page *out,
                             struct sc_error *err);
void amazon__settlement_ref_free(void *ref);
/* A getReports body into out (page_init'ed with amazon__settlement_ref_free):
 * *newest raised to the newest createdTime added; *next_token = nextToken
 * (caller frees) or NULL. SC_EMALFORMED when it is no getReports answer. */
int amazon__reports_response_parse(struct page *out, char **next_token, int64_t *newest,
                                   const char *body, size_t len, struct sc_error *err);

/* marketplace_ops.settlement_fetch: getReportDocument, GET its url without
 * the access token, gunzip when compressionAlgorithm is GZIP (or the bytes
 * are gzip), convert from the Content-Type's charset (default
 * AMAZON_REPORT_DEFAULT_CHARSET) to UTF-8, write `path`.tmp (0600), fsync,
 * rename to `path`. Errors name the report id, never the URL; on error no
 * file is left. SC_EMALFORMED for bytes that are not valid gzip or not
 * valid in the charset (naming the byte), SC_ENOTSUP for an unknown
 * charset or compression, SC_ERROR for the file system. */
int amazon__settlement_fetch(void *self, const struct settlement_ref *ref, const char *path,
                             struct sc_error *err);
/* The charset parameter of a Content-Type value into out[n]: 1 found (a
 * plain token: letters, digits, - _ . :), 0 none. */
int amazon__charset_from_content_type(char *out, size_t n, const char *content_type);
/* iconv's name for a charset as a Content-Type states it: Java's "Cp1252"
 * is glibc's WINDOWS-1252, "CpNNN" its CPNNN, "UTF8" UTF-8. */
void amazon__iconv_name(char *out, size_t n, const char *charset);

/* ==== returns: which refunds are returns ==================================
 * Finances says nothing of goods coming back; Amazon's returns reports do.
 * returns.c parses them (columns by header name) into a set of returns
 * keyed by (order id, SKU) and classifies refunds with it; returns_fetch.c
 * requests them (createReport -> getReport until DONE -> getReportDocument
 * -> download, gunzip, charset -> UTF-8), once per run for the range of
 * the refunds read, and applies them to each page of refunds. */

#define AMAZON_RETURNS_FBA_TYPE "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
#define AMAZON_RETURNS_MERCHANT_TYPE "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
/* Bits of struct amazon.returns_types (conf `returns_reports`). */
#define AMAZON_RETURNS_FBA 1u
#define AMAZON_RETURNS_MERCHANT 2u
/* The reason code of a refund whose goods came back: Amazon's
 * AdjustmentReason for it (amazon_ops.refund_reasons). */
#define AMAZON_RETURN_REASON "CustomerReturn"
/* A returns report reaches this far before the oldest refund it classifies
 * (a return is recorded before or around its refund). */
#define AMAZON_RETURNS_MARGIN (30 * 86400)
/* The longest wait for a report to be DONE (real seconds; divided by the
 * time scale), and the longest pause between two getReport calls. */
#define AMAZON_RETURNS_WAIT (15 * 60)
#define AMAZON_RETURNS_POLL_MAX_MS 30000
/* Largest returns report accepted (UTF-8 bytes, after gunzip). */
#define AMAZON_RETURNS_MAX_BYTES (64u << 20)
/* Most columns a returns report's header may have. */
#define AMAZON_RETURNS_MAXCOLS 128

/* One row of a returns report. Strings are owned by the set ("" when the
 * column is absent or empty, never NULL). */
struct amazon_return {
	char *order_id;
	char *sku;
	char *reason;        /* Amazon's return reason: "DEFECTIVE", "CR-..." */
	char *detail;        /* FBA detailed-disposition, merchant Resolution */
	char *status;        /* FBA status, merchant Return request status */
	int64_t qty;         /* units returned, >= 0 */
	int64_t date;        /* return-date / Return request date, 0 when empty */
	unsigned type;       /* AMAZON_RETURNS_FBA or AMAZON_RETURNS_MERCHANT */
	long lineno;         /* line in its report */
};

/* Returns of one or more reports; zero it to start empty. */
struct amazon_returns {
	struct amazon_return *v;
	size_t n, alloc;
	int sorted;          /* v sorted by (order_id, sku); find sorts */
};

/* The report type of AMAZON_RETURNS_FBA / _MERCHANT ("" for anything else). */
const char *amazon__returns_type_name(unsigned type);

/* Add the rows of one returns report of `type` (text[0..len), UTF-8, tab
 * separated, line 1 the header; a UTF-8 BOM, CRLF line ends, blank lines
 * and a last line without newline are fine) to `set`. Columns are found by
 * header name (trimmed, case-insensitive), in any order:
 *   FBA:      order-id, sku, quantity, return-date (required);
 *             reason, detailed-disposition, status (read when present)
 *   merchant: Order ID, Merchant SKU, Return quantity, Return request date
 *             (required); Return Reason, Resolution, Return request status
 * Others are ignored. Every row needs an order id, a SKU and a quantity (a
 * whole number >= 0); a date, when not empty, must be one
 * amazon__settlement_date_parse reads. A row with more fields than the
 * header, a NUL byte, a header without a required column, or a line
 * longer than 64 KiB is an error. Errors (SC_EMALFORMED; SC_ENOMEM) say
 * "line N: ...", naming the column; on error `set` is as it was. */
int amazon__returns_parse(struct amazon_returns *set, unsigned type, const char *text,
                          size_t len, struct sc_error *err);
/* Free every row (the struct itself is the caller's); set is empty after. */
void amazon__returns_free(struct amazon_returns *set);
/* The first return of (order_id, sku) (exact, case-sensitive), or NULL.
 * Sorts the set on first use. */
const struct amazon_return *amazon__returns_find(struct amazon_returns *set,
                                                 const char *order_id, const char *sku);
/* Refund `r` is a return when one of its lines' (order id, SKU) is in
 * `set`: then kind = REFUND_KIND_RETURN and reason = AMAZON_RETURN_REASON
 * (a refund that is not REFUND_KIND_REFUND is left alone) and *hit (may be
 * NULL) the return found. 1 classified, 0 not, SC_ENOMEM. */
int amazon__returns_classify(struct amazon_returns *set, struct refund *r,
                             const struct amazon_return **hit, struct sc_error *err);

/* The createReport body for a returns report of `type` into *out (malloc'd
 * JSON, caller frees): {"reportType","marketplaceIds":[each of the conf's
 * marketplace_ids],"dataStartTime","dataEndTime"} (ISO 8601 UTC). */
int amazon__returns_request_body(char **out, const struct amazon *self, unsigned type,
                                 int64_t from, int64_t to, struct sc_error *err);

/* Classify the refunds of a page (items struct refund *) with the returns
 * reports of conf `returns_reports` (nothing when none, or when the page
 * has no refund). The reports cover [oldest PostedDate of the page -
 * AMAZON_RETURNS_MARGIN, now - 2 min]; they are requested once and kept
 * for the run (self->returns), and requested again only for a page
 * reaching outside that range. Each refund classified is logged
 * (amazon.refund.returned, with Amazon's return reason and report).
 * A report that is CANCELLED (Amazon's word for "no data to return") means
 * no returns of that type. Any other failure (an HTTP error, FATAL, not
 * DONE after AMAZON_RETURNS_WAIT scaled, a report that does not parse)
 * fails the call with a message naming the report and saying the refunds
 * wait: refunds are never booked as plain refunds for want of the returns
 * data. SC_ETRANSIENT for FATAL, the wait and 429/5xx/network; SC_EINTR
 * when a signal cut a wait; else the failure's own code. */
int amazon__returns_apply(struct amazon *self, struct page *p, struct sc_error *err);

#endif
