/*
 * engine_orders.c: the orders phase.
 *
 * A batch is a page of orders (or the orders re-fetched for due failures).
 * plan (one read txn) -> intents (one write txn) -> ERP writes (no txn,
 * up to e->workers threads) -> results + cursor (one write txn).
 */
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/money.h"
#include "connector/progress.h"
#include "connector/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum action { ACT_NONE = 0, ACT_SKIP, ACT_UNCHANGED, ACT_CREATE, ACT_UPDATE };

struct work {
	struct order *o;                 /* borrowed */
	enum action action;
	const char *why;                 /* for skips */
	int had_binding;
	struct binding prev;
	int had_failure;
	struct failure prevf;
	unsigned char hash[MODEL_HASH_LEN];
	char ext[STATE_EXTID_MAX];
	struct erp_ref ref;
	struct sc_error err;
	int rc;
	int done;
};

struct batch {
	struct engine *e;
	struct work *w;
	size_t n;
	const char *cursor;              /* store after commit; NULL: none */
	size_t next;                     /* next work item for the workers */
	pthread_mutex_t mu;
	int stopped;
};

void
engine_order_external_id(const struct engine *e, const char *order_id, char *out,
                         size_t n)
{
	snprintf(out, n, "%s-ORD-%s", e->mkt->id_prefix, order_id);
}

/* Seconds before a transient failure is retried: 1 min doubling per
 * attempt up to 6 h, on the connector's (time-scaled) clock. */
int64_t
engine_retry_delay(const struct engine *e, uint32_t attempts)
{
	int64_t d = 60;

	while (attempts-- > 1 && d < 6 * 3600)
		d *= 2;
	if (d > 6 * 3600)
		d = 6 * 3600;
	return (int64_t)((double)d / e->time_scale);
}

int
engine_map_sku(const struct engine *e, const char *sku, char **erp_sku)
{
	const char *m = sku_map_lookup(e->skus, sku);

	free(*erp_sku);
	*erp_sku = NULL;
	if (m != NULL && (*erp_sku = strdup(m)) == NULL)
		return SC_ENOMEM;
	return 0;
}

int
engine_failure_put(struct state_txn *t, const struct engine *e, char kind, const char *id,
                   const char *phase, int code, const struct sc_error *err,
                   const struct failure *prev, int64_t now)
{
	struct failure f;

	memset(&f, 0, sizeof(f));
	if (prev != NULL)
		f = *prev;
	f.kind = kind;
	state_strlcpy(f.id, id, sizeof(f.id));
	state_strlcpy(f.phase, phase, sizeof(f.phase));
	f.fclass = sc_code_is_transient(code) ? FAILURE_TRANSIENT : FAILURE_PERMANENT;
	f.code = code;
	f.http_status = err->http_status;
	state_strlcpy(f.message, err->msg[0] ? err->msg : sc_code_name(code), sizeof(f.message));
	state_strlcpy(f.remote, err->remote, sizeof(f.remote));
	f.attempts = prev != NULL ? prev->attempts + 1 : 1;
	if (prev == NULL)
		f.first = now;
	f.last = now;
	f.next_retry = f.fclass == FAILURE_TRANSIENT ? now + engine_retry_delay(e, f.attempts) : 0;
	return state_failure_put(t, &f);
}

int
engine_order_map_skus(const struct engine *e, struct order *o)
{
	size_t i;
	int rc;

	for (i = 0; i < o->nlines; i++)
		if ((rc = engine_map_sku(e, o->lines[i].sku, &o->lines[i].erp_sku)) < 0)
			return rc;
	return 0;
}

const struct order_line *
engine_order_line_by_sku(const struct order *o, const char *sku)
{
	size_t j;

	for (j = 0; sku != NULL && j < o->nlines; j++) {
		const char *osku = o->lines[j].erp_sku ? o->lines[j].erp_sku : o->lines[j].sku;

		if (osku != NULL && strcmp(sku, osku) == 0)
			return &o->lines[j];
	}
	return NULL;
}

/* ---- plan --------------------------------------------------------------- */

static int
plan_fn(struct state_txn *t, void *ud)
{
	struct batch *b = ud;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		struct work *w = &b->w[i];
		struct order *o = w->o;

		if ((rc = state_binding_get(t, KIND_ORDER, o->id, &w->prev)) < 0)
			return rc;
		w->had_binding = rc == 1;
		if ((rc = state_failure_get(t, KIND_ORDER, o->id, &w->prevf)) < 0)
			return rc;
		w->had_failure = rc == 1;
		engine_order_external_id(b->e, o->id, w->ext, sizeof(w->ext));

		if (o->status == ORDER_PENDING) {
			w->action = ACT_SKIP;
			w->why = "pending: it is synced once the marketplace releases it";
			continue;
		}
		if ((o->status == ORDER_CANCELLED || o->status == ORDER_UNFULFILLABLE) &&
		    !(w->had_binding && w->prev.erp_id[0] != '\0')) {
			w->action = ACT_SKIP;
			w->why = "cancelled before it was ever synced";
			continue;
		}
		if ((rc = engine_order_map_skus(b->e, o)) < 0)
			return rc;
		order_hash(o, w->hash);
		if (w->had_binding && w->prev.status == BINDING_SYNCED &&
		    memcmp(w->prev.hash, w->hash, sizeof(w->hash)) == 0)
			w->action = ACT_UNCHANGED;
		else if (w->had_binding && w->prev.erp_id[0] != '\0')
			w->action = ACT_UPDATE;
		else
			w->action = ACT_CREATE;
	}
	return 0;
}

static int
intents_fn(struct state_txn *t, void *ud)
{
	struct batch *b = ud;
	int64_t now = time_now();
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		struct work *w = &b->w[i];
		struct intent in;

		if (w->action != ACT_CREATE && w->action != ACT_UPDATE)
			continue;
		memset(&in, 0, sizeof(in));
		in.kind = KIND_ORDER;
		state_strlcpy(in.id, w->o->id, sizeof(in.id));
		state_strlcpy(in.op, "upsert", sizeof(in.op));
		if (w->had_binding)
			state_strlcpy(in.erp_type, w->prev.erp_type, sizeof(in.erp_type));
		state_strlcpy(in.external_id, w->ext, sizeof(in.external_id));
		in.created = now;
		if ((rc = state_intent_put(t, &in)) < 0)
			return rc;
	}
	return 0;
}

/* ---- writes ------------------------------------------------------------- */

static void *
worker(void *ud)
{
	struct batch *b = ud;

	for (;;) {
		struct work *w = NULL;

		pthread_mutex_lock(&b->mu);
		while (b->next < b->n && b->w[b->next].action != ACT_CREATE &&
		       b->w[b->next].action != ACT_UPDATE)
			b->next++;
		if (b->next < b->n) {
			if (engine_stopping(b->e))
				b->stopped = 1;
			else
				w = &b->w[b->next++];
		}
		pthread_mutex_unlock(&b->mu);
		if (w == NULL)
			return NULL;
		sc_error_clear(&w->err);
		w->rc = b->e->erp->order_upsert(b->e->erp_self, w->o, w->ext, &w->ref,
		                                &w->err);
		w->done = 1;
	}
}

static void
run_writes(struct batch *b)
{
	pthread_t th[ENGINE_MAX_WORKERS];
	size_t i, todo = 0, nth;

	for (i = 0; i < b->n; i++)
		todo += b->w[i].action == ACT_CREATE || b->w[i].action == ACT_UPDATE;
	nth = (size_t)b->e->workers < todo ? (size_t)b->e->workers : todo;
	if (nth <= 1) {
		worker(b);
		return;
	}
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, b) != 0)
			break;
	nth = i;
	if (nth == 0)
		worker(b);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
}

/* ---- results ------------------------------------------------------------ */

static int
commit_fn(struct state_txn *t, void *ud)
{
	struct batch *b = ud;
	int64_t now = time_now();
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		struct work *w = &b->w[i];
		struct binding nb;

		if (w->action != ACT_CREATE && w->action != ACT_UPDATE)
			continue;
		if ((rc = state_intent_del(t, KIND_ORDER, w->o->id)) < 0)
			return rc;
		if (!w->done)
			continue;
		memset(&nb, 0, sizeof(nb));
		if (w->had_binding)
			nb = w->prev;
		else
			nb.first_seen = now;
		nb.kind = KIND_ORDER;
		state_strlcpy(nb.id, w->o->id, sizeof(nb.id));
		state_strlcpy(nb.external_id, w->ext, sizeof(nb.external_id));
		nb.updated = now;
		nb.attempts++;
		if (w->rc == 0) {
			state_strlcpy(nb.erp_type, w->ref.type, sizeof(nb.erp_type));
			state_strlcpy(nb.erp_id, w->ref.id, sizeof(nb.erp_id));
			memcpy(nb.hash, w->hash, sizeof(nb.hash));
			nb.status = BINDING_SYNCED;
			nb.synced = now;
			nb.detail[0] = '\0';
			nb.amount = w->o->total;
			state_strlcpy(nb.currency, w->o->currency, sizeof(nb.currency));
			nb.exponent = w->o->exponent;
			if ((rc = state_failure_del(t, KIND_ORDER, w->o->id)) < 0)
				return rc;
		} else {
			nb.status = BINDING_FAILED;
			state_strlcpy(nb.detail, w->err.msg, sizeof(nb.detail));
			if ((rc = engine_failure_put(t, b->e, KIND_ORDER, w->o->id, "orders", w->rc,
			                              &w->err, w->had_failure ? &w->prevf : NULL,
			                              now)) < 0)
				return rc;
		}
		if ((rc = state_binding_put(t, &nb)) < 0)
			return rc;
	}
	if (b->cursor != NULL && !b->stopped)
		return state_cursor_put(t, "orders", b->cursor);
	return 0;
}

static void
log_outcome(const struct engine *e, const struct work *w)
{
	const char *id = w->o->id;

	switch (w->action) {
	case ACT_SKIP:
		log_event(LOG_DEBUG, "order.skipped", "phase", "orders", "order_id", id,
		          "why", w->why, NULL);
		return;
	case ACT_UNCHANGED:
		log_event(LOG_DEBUG, "order.unchanged", "phase", "orders", "order_id", id,
		          NULL);
		return;
	default:
		break;
	}
	if (e->opts.dry_run) {
		printf("would %s %s %s\n", w->action == ACT_CREATE ? "create" : "update",
		       w->had_binding && w->prev.erp_type[0] ? w->prev.erp_type : "order",
		       w->ext);
		return;
	}
	if (!w->done)
		return;
	if (w->rc == 0)
		log_event(LOG_INFO, w->action == ACT_CREATE ? "order.created" : "order.updated",
		          "phase", "orders", "order_id", id, "erp_type", w->ref.type,
		          "erp_id", w->ref.id, "external_id", w->ext, NULL);
	else
		log_event(LOG_WARN, "order.failed", "phase", "orders", "order_id", id,
		          "class", sc_code_is_transient(w->rc) ? "transient" : "permanent",
		          "error", w->err.msg, "remote", w->err.remote, NULL);
}

/* Push a set of orders through plan -> intents -> writes -> commit. */
static int
run_batch(struct engine *e, struct order **orders, size_t n, const char *cursor,
          struct phase_counts *pc, struct sc_error *err)
{
	struct batch b;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	b.e = e;
	b.n = n;
	b.cursor = cursor;
	if (n > 0 && (b.w = calloc(n, sizeof(*b.w))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	pthread_mutex_init(&b.mu, NULL);
	for (i = 0; i < n; i++)
		b.w[i].o = orders[i];

	if ((rc = state_read(e->st, plan_fn, &b, err)) < 0)
		goto done;
	if (!e->opts.dry_run) {
		if ((rc = state_write(e->st, intents_fn, &b, err)) < 0)
			goto done;
		/* The pages the plan and the intents touched are not needed
		 * while the ERP writes run: keep memory flat. */
		state_release_pages(e->st);
		run_writes(&b);
		if ((rc = state_write(e->st, commit_fn, &b, err)) < 0)
			goto done;
	}
	for (i = 0; i < n; i++) {
		struct work *w = &b.w[i];

		pc->seen++;
		log_outcome(e, w);
		if (w->action == ACT_SKIP)
			pc->skipped++;
		else if (w->action == ACT_UNCHANGED)
			pc->unchanged++;
		else if (e->opts.dry_run || (w->done && w->rc == 0))
			*(w->action == ACT_CREATE ? &pc->created : &pc->updated) += 1;
		else if (w->done)
			pc->failed++;
	}
	rc = 0;
done:
	pthread_mutex_destroy(&b.mu);
	free(b.w);
	return rc;
}

int
engine_orders_push(struct engine *e, struct order **orders, size_t n,
                   struct phase_counts *pc, struct sc_error *err)
{
	return run_batch(e, orders, n, NULL, pc, err);
}

/* ---- records that could not be parsed ---------------------------------- */

struct bad_batch {
	const struct page *p;
	char kind;
	const char *phase;
};

static int
bad_fn(struct state_txn *t, void *ud)
{
	const struct bad_batch *bb = ud;
	const struct page *p = bb->p;
	int64_t now = time_now();
	size_t i;
	int rc;

	for (i = 0; i < p->nbad; i++) {
		struct failure f;

		if ((rc = state_failure_get(t, bb->kind, p->bad[i].id, &f)) < 0)
			return rc;
		if (rc == 0) {
			memset(&f, 0, sizeof(f));
			f.first = now;
		}
		f.kind = bb->kind;
		state_strlcpy(f.id, p->bad[i].id, sizeof(f.id));
		state_strlcpy(f.phase, bb->phase, sizeof(f.phase));
		f.fclass = FAILURE_PERMANENT;
		f.code = p->bad[i].err.code ? p->bad[i].err.code : SC_EMALFORMED;
		f.http_status = p->bad[i].err.http_status;
		state_strlcpy(f.message, p->bad[i].err.msg, sizeof(f.message));
		state_strlcpy(f.remote, p->bad[i].err.remote, sizeof(f.remote));
		f.attempts++;
		f.last = now;
		f.next_retry = 0;
		if ((rc = state_failure_put(t, &f)) < 0)
			return rc;
	}
	return 0;
}

int
engine_record_bad(struct engine *e, char kind, const char *phase, const struct page *p,
                  struct sc_error *err)
{
	struct bad_batch bb = { p, kind, phase };
	size_t i;
	int rc;

	if (p->nbad == 0 || e->opts.dry_run)
		return 0;
	if ((rc = state_write(e->st, bad_fn, &bb, err)) < 0)
		return rc;
	for (i = 0; i < p->nbad; i++)
		log_event(LOG_WARN, kind == KIND_ORDER ? "order.failed" : "record.failed",
		          "phase", phase, "id", p->bad[i].id, "class", "permanent",
		          "error", p->bad[i].err.msg, NULL);
	return 0;
}

/* ---- failures due for a retry ------------------------------------------- */

struct due {
	char (*ids)[STATE_ID_MAX];
	size_t n, alloc;
	int64_t now;
	const struct engine *e;
};

static int
collect_due(const struct failure *f, void *ud)
{
	struct due *d = ud;

	if (!engine_failure_due(d->e, f, d->now))
		return 0;
	if (d->n == ENGINE_RETRY_MAX_PER_RUN)
		return 1;
	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 16;
		void *nv = realloc(d->ids, na * sizeof(*d->ids));
		if (nv == NULL)
			return SC_ENOMEM;
		d->ids = nv;
		d->alloc = na;
	}
	state_strlcpy(d->ids[d->n++], f->id, STATE_ID_MAX);
	return 0;
}

static int
due_list_fn(struct state_txn *t, void *ud)
{
	return state_failure_each(t, KIND_ORDER, collect_due, ud);
}

struct get_fail {
	const struct engine *e;
	const char *id;
	struct sc_error *err;
	int rc;
};

static int
get_fail_fn(struct state_txn *t, void *ud)
{
	struct get_fail *g = ud;
	struct failure f;
	int rc;

	if ((rc = state_failure_get(t, KIND_ORDER, g->id, &f)) <= 0)
		return rc;
	return engine_failure_put(t, g->e, KIND_ORDER, g->id, f.phase, g->rc, g->err, &f,
	                          time_now());
}

static int
retry_failures(struct engine *e, struct phase_counts *pc, struct sc_error *err)
{
	struct due d;
	struct order **orders = NULL;
	size_t i, n = 0;
	int rc;

	memset(&d, 0, sizeof(d));
	d.now = time_now();
	d.e = e;
	if ((rc = state_read(e->st, due_list_fn, &d, err)) < 0)
		goto done;
	if (d.n > 0 && (orders = calloc(d.n, sizeof(*orders))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < d.n && !engine_stopping(e); i++) {
		struct sc_error gerr;

		sc_error_clear(&gerr);
		rc = e->mkt->order_get(e->mkt_self, d.ids[i], &orders[n], &gerr);
		if (rc == 0) {
			n++;
			continue;
		}
		if (rc == SC_ENOTFOUND)
			sc_error_set(&gerr, SC_ENOTFOUND,
			             "the marketplace does not know order %s", d.ids[i]);
		log_event(LOG_WARN, "order.retry_failed", "phase", "orders",
		          "order_id", d.ids[i], "error", gerr.msg, NULL);
		if (!e->opts.dry_run) {
			struct get_fail g = { e, d.ids[i], &gerr, rc };
			if ((rc = state_write(e->st, get_fail_fn, &g, err)) < 0)
				goto done;
		}
		pc->failed++;
	}
	if (n > 0) {
		char cnt[24];

		snprintf(cnt, sizeof(cnt), "%zu", n);
		log_event(LOG_INFO, "orders.retry", "phase", "orders", "count", cnt, NULL);
		pc->retried += n;
		if ((rc = run_batch(e, orders, n, NULL, pc, err)) < 0)
			goto done;
	}
	rc = 0;
done:
	for (i = 0; i < n; i++)
		order_free(orders[i]);
	free(orders);
	free(d.ids);
	return rc;
}

/* ---- the phase ---------------------------------------------------------- */

static int
cursor_fn(struct state_txn *t, void *ud)
{
	char *buf = ud;
	int rc = state_cursor_get(t, "orders", buf, ENGINE_CURSOR_MAX);

	if (rc == 0)
		buf[0] = '\0';
	return rc < 0 ? rc : 0;
}

/* A page whose body came back malformed or cut short is fetched again a
 * couple of times in this run (the HTTP client already retried network
 * errors, 429 and 5xx) before the phase gives up and keeps its cursor. */
static int
fetch_page(struct engine *e, const char *cursor, struct page *p, struct sc_error *err)
{
	int attempt, rc = SC_ERROR;

	for (attempt = 1; attempt <= ENGINE_PAGE_ATTEMPTS; attempt++) {
		page_init(p, (void (*)(void *))order_free);
		sc_error_clear(err);
		rc = e->mkt->orders_page(e->mkt_self, cursor, p, err);
		if (rc == 0 || (rc != SC_EMALFORMED && rc != SC_ETRANSIENT) ||
		    attempt == ENGINE_PAGE_ATTEMPTS || engine_stopping(e))
			return rc;
		page_free(p);
		log_event(LOG_WARN, "orders.page_retry", "phase", "orders",
		          "error", err->msg, NULL);
		if (time_sleep_ms(500 * attempt) == SC_EINTR)
			return rc;
	}
	return rc;
}

static int orders_pages(struct engine *e, struct sync_summary *sum, char *cursor,
                        struct progress *prog, struct sc_error *err);

int
engine_orders_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	struct phase_counts *pc = &sum->orders;
	char cursor[ENGINE_CURSOR_MAX];
	struct progress *prog = NULL;
	int rc;

	if ((rc = retry_failures(e, pc, err)) < 0)
		return rc;
	if ((rc = state_read(e->st, cursor_fn, cursor, err)) < 0)
		return rc;
	/* the marketplace does not say how many orders changed: no total */
	if (progress_start(&prog, stderr, e->opts.progress, "orders", 0) < 0)
		prog = NULL;
	rc = orders_pages(e, sum, cursor, prog, err);
	progress_end(prog);
	return rc;
}

static int
orders_pages(struct engine *e, struct sync_summary *sum, char *cursor, struct progress *prog,
             struct sc_error *err)
{
	struct phase_counts *pc = &sum->orders;
	int rc;

	while (!engine_stopping(e)) {
		struct page p;
		struct sc_error perr;

		rc = fetch_page(e, cursor, &p, &perr);
		if (rc < 0) {
			page_free(&p);
			if (rc == SC_EINTR || engine_stopping(e))
				return 0;   /* stopped while waiting: not a failure */
			if (pc->pages == 0 && pc->seen == 0) {
				*err = perr;
				sc_error_prefix(err, "orders: cannot list orders");
				return rc;
			}
			sum->phase_error = 1;
			log_event(LOG_ERROR, "orders.page_failed", "phase", "orders",
			          "error", perr.msg, "remote", perr.remote, NULL);
			return 0;
		}
		pc->pages++;
		if ((rc = engine_record_bad(e, KIND_ORDER, "orders", &p, err)) < 0) {
			page_free(&p);
			return rc;
		}
		pc->failed += p.nbad;
		pc->seen += p.nbad;
		rc = run_batch(e, (struct order **)p.items, p.n, p.cursor, pc, err);
		if (rc < 0) {
			page_free(&p);
			return rc;
		}
		snprintf(cursor, ENGINE_CURSOR_MAX, "%s", p.cursor);
		progress_add(prog, p.n + p.nbad);
		/* Keep memory flat however large the store grows. */
		state_release_pages(e->st);
		if (!p.more) {
			page_free(&p);
			break;
		}
		page_free(&p);
	}
	return 0;
}
