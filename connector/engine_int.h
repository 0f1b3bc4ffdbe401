/*
 * engine_int.h: what the engine's files share (engine.c, engine_orders.c).
 * Not for adapters or commands.
 */
#ifndef SC_ENGINE_INT_H
#define SC_ENGINE_INT_H

#include "adapters/adapter.h"
#include "connector/engine.h"
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
	double time_scale;
	int workers;
};

int engine_stopping(const struct engine *e);
int engine_resolve_intents(struct engine *e, uint64_t *resolved, struct sc_error *err);
int engine_orders_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err);

/* "{prefix}-ORD-{id}" */
void engine_order_external_id(const struct engine *e, const char *order_id,
                              char *out, size_t n);

#endif
