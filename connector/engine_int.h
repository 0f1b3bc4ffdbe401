/*
 * engine_int.h: what the engine's files share (engine.c, engine_orders.c).
 * Not for adapters or commands.
 */
#ifndef SC_ENGINE_INT_H
#define SC_ENGINE_INT_H

#include "adapters/adapter.h"
#include "connector/engine.h"
#include "mapping/account_map.h"
#include "mapping/reconcile.h"
#include "mapping/refund_rules.h"
#include "mapping/sku_map.h"
#include "state/state.h"

#define ENGINE_MAX_WORKERS 32
#define ENGINE_RETRY_MAX_PER_RUN 500
#define ENGINE_PAGE_ATTEMPTS 3
#define ENGINE_CURSOR_MAX 2048   /* = sizeof(struct page.cursor) */

struct engine {
	const struct conf *conf;
	struct engine_opts opts;
	char state_dir[1024];
	char conf_fp[65];
	struct state *st;
	struct http_client *http_mkt, *http_erp;
	const struct marketplace_ops *mkt;
	const struct erp_ops *erp;
	void *mkt_self, *erp_self;
	struct sku_map *skus;
	struct refund_rules *rules;     /* NULL: no [connector] refund_rules */
	struct account_map *accounts;   /* settlement account map (built-in unless set) */
	int conf_changed;               /* conf or rules differ from the last run's */
	double time_scale;
	int workers;
	long retry_limit;               /* [connector] retry_limit: then "stuck" */
	char scratch_dir[256];          /* dry run: a temporary state / downloads, removed at close */
};

/* "transient", "permanent" or "stuck" (transient, retry_limit attempts
 * used: [connector] retry_limit). Static text. */
const char *engine_failure_class(long retry_limit, const struct failure *f);
/* A failure later runs retry by themselves now: transient, due, not stuck;
 * or permanent and the conf changed since it failed. */
int engine_failure_due(const struct engine *e, const struct failure *f, int64_t now);
/* The orders path of `sync` for orders in hand (replay): plan, intent,
 * write, commit; no cursor. */
int engine_orders_push(struct engine *e, struct order **orders, size_t n,
                       struct phase_counts *pc, struct sc_error *err);
/* Every refund of one order through the refunds path (replay): 0 done,
 * 1 the marketplace could not list them (err says why), <0 run error. */
int engine_refunds_of_order(struct engine *e, const char *order_id,
                            struct refund_counts *rc_out, struct sc_error *err);
/* Settlements waiting for orders (or reconciled, not posted) looked at
 * again and posted when complete; with `errors`, also those that failed. */
int engine_settlements_recheck(struct engine *e, int errors, struct settlement_counts *c,
                               struct sc_error *err);

int engine_stopping(const struct engine *e);
/* Seconds before a transient failure's next try: 1 min doubling per
 * attempt up to 6 h, on the (time-scaled) clock. */
int64_t engine_retry_delay(const struct engine *e, uint32_t attempts);
/* *erp_sku = the SKU map's item for sku (NULL when unmapped; old value freed). */
int engine_map_sku(const struct engine *e, const char *sku, char **erp_sku);
/* Every line's erp_sku from the SKU map (engine_map_sku). SC_ENOMEM. */
int engine_order_map_skus(const struct engine *e, struct order *o);
/* The first line of `o` whose item in the ERP (erp_sku, else sku) is
 * `sku`; NULL when none (or sku NULL). Lines of ERP records name items by
 * the ERP's name: this is how they are matched to the marketplace's. */
const struct order_line *engine_order_line_by_sku(const struct order *o, const char *sku);
/* Record one record's failure: class from the code, our message and the
 * remote's words, attempts counted on from `prev` (the failure it had, or
 * NULL), the next retry of a transient one on the scaled clock. */
int engine_failure_put(struct state_txn *t, const struct engine *e, char kind, const char *id,
                       const char *phase, int code, const struct sc_error *err,
                       const struct failure *prev, int64_t now);
/* Load [connector] refund_rules (NULL *out when not configured) checked
 * against the adapters' vocabularies. */
int engine_load_rules(struct refund_rules **out, const struct conf_section *cs,
                      const struct marketplace_ops *mkt, const struct erp_ops *erp,
                      struct sc_error *err);
/* Before any write of a run: whether the conf changed since the last run,
 * and the intents a killed run left resolved. */
int engine_prepare(struct engine *e, struct sync_summary *sum, struct sc_error *err);
int engine_resolve_intents(struct engine *e, uint64_t *resolved, struct sc_error *err);
int engine_orders_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err);
int engine_refunds_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err);
int engine_back_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err);
int engine_back_poll(struct engine *e, struct sync_summary *sum, struct sc_error *err);
int engine_settlements_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err);
/* Order ids of a settlement not synced (sorted, unique). */
struct missing {
	char **ids;
	size_t n, alloc;
};
void engine_missing_free(struct missing *m);
/* Parse, reconcile and check one report file. *rec_out (reconcile_free)
 * holds the totals and journal when 0 is returned; st NULL: every order
 * counts as missing. `missing` (may be NULL) receives every missing order
 * id; free with engine_missing_free. Memory does not grow with the report:
 * orders are checked in a second streaming pass, keeping the missing only. */
int engine_settlement_process(const struct marketplace_ops *mkt, const struct account_map *map,
                              struct state *st, const char *path,
                              struct settlement_state *out, struct reconcile **rec_out,
                              struct missing *missing, struct sc_error *err);
int engine_settlement_post(struct engine *e, struct settlement_state *s, struct reconcile *rec,
                           struct sc_error *err);
int engine_settlement_store(struct engine *e, const struct settlement_state *s,
                            struct sc_error *err);
/* Every settlement known, in id order; *out freed by the caller. */
int engine_settlement_list(struct state *st, struct settlement_state **out, size_t *n,
                           struct sc_error *err);
/* [connector] settlement_map, else the built-in map. */
int engine_load_accounts(struct account_map **out, const struct conf_section *cs,
                         struct sc_error *err);
/* Shipments and cancellations made in the ERP, back to the marketplace
 * (engine_ship.c): can this connection send them (adapters able, phase on)? */
int engine_ship_able(const struct engine *e);
/* The FULFILLMENT and CANCELLATION items of one page of ERP changes. *hold
 * is set when one could not be sent for a reason that may clear by itself
 * (the page's cursor is then not stored: it is read again next run). */
int engine_ship_page(struct engine *e, const struct page *p, struct refund_counts *sc,
                     int *hold, struct sc_error *err);
/* The binding key of a shipment (its ERP id) or cancellation ("cancel/ORDER"). */
void engine_ship_key(const struct fulfillment *f, char *out, size_t n);
/* One page of ERP changes fetched from cursor `before`: unreadable items
 * recorded, shipments and refunds sent back, the changes cursor stored
 * (not when `replay`: a replay re-reads an old page and never moves it),
 * and for each record not accepted yet the cursor it was read from, so a
 * replay can read it again (engine_rewind_cursor). */
int engine_changes_page(struct engine *e, const struct page *p, const char *before, int replay,
                        struct sync_summary *sum, struct sc_error *err);
/* The changes cursor a record sent back (kind E or F) was read from:
 * 1 found, 0 none. */
int engine_rewind_cursor(struct state_txn *t, char kind, const char *id, char *out, size_t n);
/* The intent of a push a run was killed in: PENDING + a failure for a person. */
int engine_back_intent_unknown(struct state_txn *t, const struct intent *in, int64_t now);
/* Record the page's unparsable items as permanent failures of `kind`. */
int engine_record_bad(struct engine *e, char kind, const char *phase,
                      const struct page *p, struct sc_error *err);
/* The buyer's part of a refund: every component but marketplace fees. */
int64_t refund_buyer_total(const struct refund *r);
/* "ORDER/REFUND": the key of a refund's binding and failure. */
void engine_refund_key(const char *order_id, const char *refund_id, char *out, size_t n);

/* "{prefix}-ORD-{id}" */
void engine_order_external_id(const struct engine *e, const char *order_id,
                              char *out, size_t n);

#endif
