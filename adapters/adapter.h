/*
 * adapter.h: the two ops tables a marketplace and an ERP implement.
 *
 * The engine knows no marketplace and no ERP: it talks to these tables only.
 * Each adapter exports one `const` designated-initializer instance at the end
 * of its main file (curl's vtls, libgit2's odb backends), listed in the
 * NULL-terminated tables of registry.c and chosen by `type = NAME` in conf.
 *
 * Versioning: `version` is the first member and must equal
 * ADAPTER_OPS_VERSION; new slots are appended and the version bumped
 * (Redis module types). A slot an adapter cannot do is NULL, and the engine
 * says so plainly ("amazon cannot push fulfillments") instead of calling it;
 * `caps` advertises the same for listing. adapter_*_check() verifies the
 * version and the required slots when an adapter is chosen.
 *
 * Objects: `open` returns an opaque self; every other slot takes it. Adapters
 * get everything through `struct adapter_env`: the HTTP client (shared, never
 * global), their own conf section (never another), the time scale. They never
 * touch state (LMDB), never include each other, never read other sections.
 *
 * Errors: 0 or a negative SC_* with `err` filled: `msg` our sentence naming
 * the record, `remote` the remote system's message word for word (SP-API
 * errors[].message, NetSuite o:errorDetails[].detail, Tryton's error),
 * `http_status` when there was one. SC_ETRANSIENT for what may clear by itself
 * (429 after retries, 5xx, timeouts): the engine retries it on later runs.
 *
 * Paging: list slots fill one `struct page` per call from an opaque cursor
 * (NULL or "" on the first run: the adapter starts from its conf start date).
 * The engine commits the page's records, then stores page->cursor, and calls
 * again while page->more. An item of the page that cannot be parsed goes to
 * page->bad (its id and why) and becomes a failure record; it does not stop
 * the page. A page that cannot be fetched at all returns an error and the
 * cursor stays where it was.
 */
#ifndef SC_ADAPTER_H
#define SC_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "connector/conf.h"
#include "connector/error.h"
#include "connector/model.h"

/* 2: refund_reasons, order_types, refund_paths;
 * 3: erp_ops.settlement_by_order (settlement postings with a line per order) */
#define ADAPTER_OPS_VERSION 3

struct http_client;

struct adapter_env {
	struct http_client *http;
	const struct conf_section *conf;  /* the adapter's own section */
	double time_scale;                /* rate-limit clock factor (1 = real) */
};

/* ---- pages -------------------------------------------------------------- */

struct page_bad {
	char id[128];
	struct sc_error err;
};

struct page {
	void **items;            /* owned; kind depends on the slot */
	size_t n, alloc;
	void (*item_free)(void *);
	struct page_bad *bad;
	size_t nbad, badalloc;
	char cursor[2048];       /* store after committing this page */
	int more;                /* 1: call again with `cursor` */
};

void page_init(struct page *p, void (*item_free)(void *));
int page_add(struct page *p, void *item);      /* takes item (freed on error) */
int page_add_bad(struct page *p, const char *id, const struct sc_error *err);
void page_free(struct page *p);                /* frees items, keeps nothing */

/* ---- marketplace -------------------------------------------------------- */

enum marketplace_caps {
	MKT_CAP_ORDERS = 1 << 0,          /* orders_page, order_get */
	MKT_CAP_REFUNDS = 1 << 1,         /* refunds_page, order_refunds */
	MKT_CAP_REFUND_PUSH = 1 << 2,     /* refunds_push, submission_results */
	MKT_CAP_FULFILLMENT_PUSH = 1 << 3,
	MKT_CAP_SETTLEMENTS = 1 << 4      /* settlements_page, settlement_fetch, settlement_parse */
};

/* Outcome of one message of an asynchronous submission (a feed). */
struct submission_result {
	char ref[128];           /* what the engine submitted (refund id, fulfillment id) */
	int ok;                  /* 1 accepted, 0 rejected */
	struct sc_error err;     /* when rejected: the marketplace's words in remote */
};

/* Streaming sink for settlement_parse: header once (the summary row), then
 * each detail line. Returning <0 stops the parse with that code. */
struct settlement_sink {
	int (*header)(void *ud, const struct settlement_header *h);
	int (*line)(void *ud, const struct settlement_line *l);
	void *ud;
};

struct marketplace_ops {
	unsigned version;
	const char *name;                 /* conf `type` */
	const char *id_prefix;            /* external ids: "AMZ" -> AMZ-ORD-{id} */
	unsigned caps;
	const struct conf_key *conf_keys; /* keys of [marketplace] besides `type` */

	int (*open)(void **out, const struct adapter_env *env, struct sc_error *err);
	void (*close)(void *self);

	/* Orders changed since cursor: items are struct order *. */
	int (*orders_page)(void *self, const char *cursor, struct page *out,
	                   struct sc_error *err);
	/* One order by id (replay). SC_ENOTFOUND when the marketplace does not know it. */
	int (*order_get)(void *self, const char *order_id, struct order **out,
	                 struct sc_error *err);

	/* Refunds posted since cursor: items are struct refund *. */
	int (*refunds_page)(void *self, const char *cursor, struct page *out,
	                    struct sc_error *err);
	/* Every refund of one order (replay): items are struct refund *. */
	int (*order_refunds)(void *self, const char *order_id, struct page *out,
	                     struct sc_error *err);

	/* Push refunds made in the ERP. Synchronous marketplaces return with
	 * submission[0] == '\0' and results filled; asynchronous ones (feeds)
	 * return a submission id to poll with submission_results. */
	int (*refunds_push)(void *self, struct refund *const *refunds, size_t n,
	                    char *submission, size_t submission_len,
	                    struct sc_error *err);
	/* 0: done, *out and *n filled (caller frees *out); 1: still processing;
	 * <0 error. */
	int (*submission_results)(void *self, const char *submission,
	                          struct submission_result **out, size_t *n,
	                          struct sc_error *err);

	/* A shipment (or, with f->cancel, a cancellation) made in the ERP, its
	 * lines carrying the marketplace's line_id (the engine fills them).
	 * Same submission contract as refunds_push, one message: a synchronous
	 * call (Amazon's confirmShipment) returns 0 with submission[0] == '\0'
	 * when the marketplace accepted it, an error with the marketplace's
	 * words when it did not (SC_ETRANSIENT: try again later); an
	 * asynchronous one (Amazon's order-adjustment feed, ActionType Cancel,
	 * reason from the adapter's conf unless f->reason is set) returns the
	 * submission id, whose submission_results carry ref = f->id. */
	int (*fulfillment_push)(void *self, const struct fulfillment *f,
	                        char *submission, size_t submission_len,
	                        struct sc_error *err);

	/* Settlement reports available since cursor: items are struct settlement_ref *. */
	int (*settlements_page)(void *self, const char *cursor, struct page *out,
	                        struct sc_error *err);
	/* Download one report to `path` (decompressed, converted to UTF-8). */
	int (*settlement_fetch)(void *self, const struct settlement_ref *ref,
	                        const char *path, struct sc_error *err);
	/* Stream-parse a report file (no self: `settle --file` needs no conf).
	 * Errors name the file's line. */
	int (*settlement_parse)(const char *path, const struct settlement_sink *sink,
	                        struct sc_error *err);

	/* NULL-terminated reason codes a refund pushed to this marketplace may
	 * carry (Amazon's AdjustmentReason values), for mapping validation. */
	const char *const *refund_reasons;
};

/* ---- ERP ---------------------------------------------------------------- */

enum erp_caps {
	ERP_CAP_ORDERS = 1 << 0,          /* order_upsert, record_find */
	ERP_CAP_REFUNDS = 1 << 1,         /* refund_create */
	ERP_CAP_CHANGES = 1 << 2,         /* changes_page */
	ERP_CAP_SETTLEMENTS = 1 << 3      /* settlement_post */
};

/* A record on the ERP side. */
struct erp_ref {
	char type[32];           /* "salesOrder", "cashRefund", "sale.sale", ... */
	char id[64];             /* ERP internal id */
	char external_id[160];
};

enum erp_change_kind {
	ERP_CHANGE_REFUND = 0,
	ERP_CHANGE_FULFILLMENT,
	ERP_CHANGE_CANCELLATION
};

/* An item of changes_page.
 * FULFILLMENT: a shipment a person (or a warehouse system) recorded in the
 *   ERP for an order the connector synced, once it is shipped (not merely
 *   picked or packed). id = the ERP shipment record's id (a partial shipment
 *   and its rest are two records, two ids); order_id = the marketplace order
 *   id, traced through the order record's external id; lines by sku (the
 *   marketplace's, i.e. the ERP item name; line_id NULL unless the ERP
 *   knows it) with the quantity of this shipment; carrier and method as the
 *   ERP names them (the marketplace adapter maps them to its codes),
 *   tracking number, ship_date. Re-reports of the same record are the
 *   engine's to dedupe by id.
 * CANCELLATION: lines closed before shipment on an order record the
 *   connector synced. id = the ERP order record's id; lines = every closed
 *   line with qty = its closed, unshipped quantity: the whole state as the
 *   ERP has it now, not a delta (the engine sends what the marketplace does
 *   not show cancelled yet). */
struct erp_change {
	enum erp_change_kind kind;
	struct refund *refund;            /* ERP_CHANGE_REFUND (source SIDE_ERP) */
	struct fulfillment *fulfillment;  /* FULFILLMENT / CANCELLATION */
};
void erp_change_free(void *change);

/* One line of a settlement posting. amount > 0 debit, < 0 credit; the lines
 * of one posting sum to zero. */
struct journal_line {
	const char *account;              /* ERP account (id or number, as conf says);
	                                   * NULL on "order" lines: the ERP decides */
	int64_t amount;
	const char *category;             /* charges, refunds, fees, adjustments, bank;
	                                   * "order" (settlement_by_order only) */
	const char *memo;
	const char *order_id;             /* marketplace order id, or NULL */
	const struct erp_ref *order_ref;  /* the order's ERP record, or NULL */
};

struct settlement_posting {
	const struct settlement_header *header;
	const struct journal_line *lines;
	size_t nlines;
	const char *memo;
};

struct erp_ops {
	unsigned version;
	const char *name;
	unsigned caps;
	const struct conf_key *conf_keys;
	/* NULL-terminated names of the transaction types refund_create can
	 * make ("cashRefund", "creditMemo", ...), for mapping validation. */
	const char *const *refund_types;

	int (*open)(void **out, const struct adapter_env *env, struct sc_error *err);
	void (*close)(void *self);

	/* Create or update the order under `external_id` (idempotent: a retry
	 * after a timeout can never make a second record). out->type is the type
	 * the order was posted as. Unknown SKU: SC_EINVALID naming the SKU. */
	int (*order_upsert)(void *self, const struct order *o, const char *external_id,
	                    struct erp_ref *out, struct sc_error *err);
	/* Look a record up by external id: 1 found, 0 absent, <0 error.
	 * `type` may be NULL for "whatever type it has". */
	int (*record_find)(void *self, const char *type, const char *external_id,
	                   struct erp_ref *out, struct sc_error *err);

	/* Create `target_type` for a marketplace refund, linked to `order_ref`
	 * (transform from it, or from the record made from it), then read it back
	 * and compare type, lines, quantities and amounts (any difference is
	 * SC_EINVALID listing them). */
	int (*refund_create)(void *self, const struct refund *r, const char *target_type,
	                     const struct erp_ref *order_ref, const char *external_id,
	                     struct erp_ref *out, struct sc_error *err);

	/* Refunds, fulfillments and cancellations made in the ERP since cursor,
	 * for records the connector created: items are struct erp_change *. */
	int (*changes_page)(void *self, const char *cursor, struct page *out,
	                    struct sc_error *err);

	/* Post one settlement (journal entry, statement, ...) under external_id. */
	int (*settlement_post)(void *self, const struct settlement_posting *p,
	                       const char *external_id, struct erp_ref *out,
	                       struct sc_error *err);

	/* How many order_upsert / record_find / refund_create calls may run at
	 * once, from as many engine threads (the ERP's concurrency limit, from
	 * the adapter's conf). NULL: 1. An adapter returning > 1 must make those
	 * slots thread-safe (token and item caches under a mutex). */
	int (*concurrency)(void *self);

	/* NULL-terminated record types an order can be posted as
	 * ("salesOrder", "cashSale", "invoice"), for mapping validation. */
	const char *const *order_types;
	/* NULL-terminated "postedAs>refundType" pairs refund_create can make
	 * (directly or through the record made from the order), e.g.
	 * "cashSale>cashRefund", "invoice>creditMemo": a mapping rule asking
	 * for any other pair is refused when the mapping is loaded. */
	const char *const *refund_paths;

	/* (3) The shape of the settlement_post posting.
	 * 0: per category only: the bank line (category "bank", amount = the
	 *    deposit), then one line per (category, account) of the account map
	 *    with the sum of its rows, order rows included (a journal entry).
	 * 1: per order, besides per category: every row of an order (transaction
	 *    type Order or Refund, an order id) whose category is charges or
	 *    refunds goes onto its order's line instead of its category line:
	 *    one line per order with those rows summed (category "order",
	 *    amount = minus their sum like every journal amount, so what the
	 *    buyer paid is a credit; order_id set, order_ref = the order's ERP
	 *    record from its binding (type, id, external id), account NULL: the
	 *    ERP decides, e.g. the buyer's receivable). Everything that is not
	 *    an order's charges or refunds (fees, the fee rows of orders
	 *    included, other transactions, reserves, adjustments) stays on its
	 *    category lines, which carry what is left of them. Order: the bank
	 *    line, the order lines in the order the report first names each
	 *    order, then the category lines.
	 *    Lines of amount zero (an order refunded in full within the same
	 *    settlement, a category emptied by its orders) are left out. The
	 *    lines still sum to zero to the cent and the bank line is still the
	 *    deposit; the engine checks it and never posts otherwise.
	 * Only settlement_post reads it; NetSuite leaves it 0, Tryton sets 1
	 * (an account.statement line per order, paying the order's invoice). */
	int settlement_by_order;
};

/* ---- registry (registry.c) ---------------------------------------------- */

extern const struct marketplace_ops *const adapter_marketplaces[];  /* NULL-terminated */
extern const struct erp_ops *const adapter_erps[];

const struct marketplace_ops *adapter_marketplace_find(const char *name);
const struct erp_ops *adapter_erp_find(const char *name);
/* Version and required slots (open, close, and those `caps` promise). */
int adapter_marketplace_check(const struct marketplace_ops *ops, struct sc_error *err);
int adapter_erp_check(const struct erp_ops *ops, struct sc_error *err);
/* "amazon, shopify" for error messages. */
void adapter_marketplace_names(char *out, size_t n);
void adapter_erp_names(char *out, size_t n);

#endif
