/*
 * engine_replay.c: `connector replay`: orders pushed through again by id.
 *
 * Each order is downloaded again from the marketplace (order_get, then its
 * refunds) and goes through the same plan -> intent -> write -> commit path
 * as `sync` (engine_orders_push, engine_refunds_of_order), one order at a
 * time so each gets its own outcome. Nothing is forced: an order whose
 * content hash matches what was written is unchanged, so a replay of a
 * synced order writes nothing. Then the settlements waiting for orders are
 * looked at again, so a settlement completed by the replayed orders posts
 * in the same command (the Webgility scenario).
 */
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/progress.h"
#include "connector/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
replay_failure_fn(struct state_txn *t, void *ud)
{
	struct failure *f = ud;
	int rc = state_failure_get(t, KIND_ORDER, f->id, f);

	if (rc == 0)
		f->message[0] = '\0';
	return rc < 0 ? rc : 0;
}

/* One order: download, push, then its refunds. */
static int
replay_one(struct engine *e, const char *id, struct replay_line *l, struct sync_summary *sum,
           struct sc_error *err)
{
	struct phase_counts before = sum->orders;
	struct order *o = NULL;
	struct sc_error gerr;
	int rc;

	state_strlcpy(l->id, id, sizeof(l->id));
	sc_error_clear(&gerr);
	rc = e->mkt->order_get(e->mkt_self, id, &o, &gerr);
	if (rc == SC_ENOTFOUND) {
		l->outcome = REPLAY_UNKNOWN;
		snprintf(l->detail, sizeof(l->detail), "%s does not know order %s",
		         e->mkt->name, id);
		return 0;
	}
	if (rc < 0) {
		l->outcome = REPLAY_FAILED;
		snprintf(l->detail, sizeof(l->detail), "cannot download it from %s: %s%s%s%s",
		         e->mkt->name, gerr.msg, gerr.remote[0] ? " (remote: " : "",
		         gerr.remote, gerr.remote[0] ? ")" : "");
		sum->orders.failed++;
		return 0;
	}
	rc = engine_orders_push(e, &o, 1, &sum->orders, err);
	order_free(o);
	if (rc < 0)
		return rc;
	if (sum->orders.created > before.created) {
		l->outcome = REPLAY_CREATED;
	} else if (sum->orders.updated > before.updated) {
		l->outcome = REPLAY_UPDATED;
	} else if (sum->orders.unchanged > before.unchanged) {
		l->outcome = REPLAY_UNCHANGED;
	} else if (sum->orders.skipped > before.skipped) {
		l->outcome = REPLAY_SKIPPED;
		snprintf(l->detail, sizeof(l->detail),
		         "pending, or cancelled before it was ever synced");
	} else {
		struct failure f;

		l->outcome = REPLAY_FAILED;
		memset(&f, 0, sizeof(f));
		state_strlcpy(f.id, id, sizeof(f.id));
		if (!e->opts.dry_run && state_read(e->st, replay_failure_fn, &f, err) == 0 &&
		    f.message[0] != '\0')
			snprintf(l->detail, sizeof(l->detail), "%s%s%s", f.message,
			         f.remote[0] ? " | remote: " : "", f.remote);
	}
	if (l->outcome == REPLAY_FAILED || l->outcome == REPLAY_SKIPPED || engine_stopping(e))
		return 0;
	/* Its refunds: those that waited for it go now; the others are
	 * unchanged (bound) or fail with their own record. */
	{
		struct sc_error rerr;
		struct refund_counts rb = sum->refunds;

		sc_error_clear(&rerr);
		rc = engine_refunds_of_order(e, id, &sum->refunds, &rerr);
		if (rc == 1) {
			snprintf(l->detail, sizeof(l->detail), "its refunds could not be read: %s",
			         rerr.msg);
			sum->refunds.failed++;
		} else if (rc < 0) {
			*err = rerr;
			return rc;
		}
		l->refunds.seen = sum->refunds.seen - rb.seen;
		l->refunds.created = sum->refunds.created - rb.created;
		l->refunds.unchanged = sum->refunds.unchanged - rb.unchanged;
		l->refunds.waiting = sum->refunds.waiting - rb.waiting;
		l->refunds.failed = sum->refunds.failed - rb.failed;
	}
	return 0;
}

static int
stl_before(const struct settlement_state *all, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(all[i].id, id) == 0)
			return all[i].status;
	return -1;
}

/* Dry run: would the orders the replay creates complete this settlement?
 * Only when every missing id is known (the state keeps the first
 * STATE_SETTLEMENT_MISSING_MAX of them). */
static int
would_complete(const struct settlement_state *s, const struct replay_report *r)
{
	uint32_t k;
	size_t i;

	if (s->missing == 0 || s->missing > STATE_SETTLEMENT_MISSING_MAX)
		return 0;
	for (k = 0; k < s->missing; k++) {
		int hit = 0;

		for (i = 0; i < r->n && !hit; i++)
			hit = (r->lines[i].outcome == REPLAY_CREATED ||
			       r->lines[i].outcome == REPLAY_UPDATED) &&
			      strcmp(r->lines[i].id, s->missing_ids[k]) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

static int
replay_settlements(struct engine *e, int errors, struct replay_report *out,
                   struct sc_error *err)
{
	struct settlement_state *before = NULL, *after = NULL;
	size_t nb = 0, na = 0, i;
	int rc;

	if (e->accounts == NULL || e->mkt->settlement_parse == NULL)
		return 0;
	if ((rc = engine_settlement_list(e->st, &before, &nb, err)) < 0)
		return rc;
	out->sum.settlements.ran = 1;
	if ((rc = engine_settlements_recheck(e, errors, &out->sum.settlements, err)) < 0)
		goto done;
	if (e->opts.dry_run) {
		/* Nothing was stored, so the recheck still saw the orders as
		 * missing: a waiting settlement whose missing orders are all
		 * among those the replay would create would post. */
		out->sum.settlements.posted = 0;
		for (i = 0; i < nb; i++)
			if (before[i].status == SETTLEMENT_WAITING &&
			    would_complete(&before[i], out)) {
				out->sum.settlements.posted++;
				if (out->sum.settlements.waiting > 0)
					out->sum.settlements.waiting--;
			}
		rc = 0;
		goto done;
	}
	if ((rc = engine_settlement_list(e->st, &after, &na, err)) < 0)
		goto done;
	if (na > 0 && (out->settlements = calloc(na, sizeof(*out->settlements))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < na; i++) {
		int b = stl_before(before, nb, after[i].id);
		struct replay_settlement *s;

		if (b == after[i].status && after[i].status != SETTLEMENT_WAITING)
			continue;
		if (b == -1 || (b != SETTLEMENT_WAITING && b != SETTLEMENT_RECONCILED &&
		                b != after[i].status && !errors))
			continue;
		s = &out->settlements[out->nsettlements++];
		state_strlcpy(s->id, after[i].id, sizeof(s->id));
		s->before = b;
		s->after = after[i].status;
		state_strlcpy(s->message, after[i].message, sizeof(s->message));
	}
	rc = 0;
done:
	free(before);
	free(after);
	return rc;
}

int
engine_replay(struct engine *e, const char *const *ids, size_t n, int settlement_errors,
              struct replay_report *out, struct sc_error *err)
{
	struct progress *prog = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->sum.started_ms = time_mono_ms();
	if (n > 0 && (out->lines = calloc(n, sizeof(*out->lines))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	if ((rc = engine_prepare(e, &out->sum, err)) < 0)
		goto done;
	if (n > 1 && progress_start(&prog, stderr, e->opts.progress, "replay", n) < 0)
		prog = NULL;
	for (i = 0; i < n && !engine_stopping(e); i++) {
		/* the same id twice is replayed once */
		size_t j;
		int dup = 0;

		for (j = 0; j < out->n && !dup; j++)
			dup = strcmp(out->lines[j].id, ids[i]) == 0;
		if (dup)
			continue;
		if ((rc = replay_one(e, ids[i], &out->lines[out->n], &out->sum, err)) < 0)
			goto done;
		log_event(LOG_INFO, "order.replayed", "phase", "replay", "order_id", ids[i],
		          "outcome", out->lines[out->n].outcome == REPLAY_FAILED ? "failed" : "done",
		          NULL);
		out->n++;
		progress_add(prog, 1);
	}
	progress_end(prog);
	prog = NULL;
	if (!engine_stopping(e))
		rc = replay_settlements(e, settlement_errors, out, err);
done:
	progress_end(prog);
	out->sum.ended_ms = time_mono_ms();
	out->sum.stopped = engine_stopping(e);
	return rc;
}

void
engine_replay_free(struct replay_report *r)
{
	free(r->erp);
	free(r->lines);
	free(r->settlements);
	memset(r, 0, sizeof(*r));
}

int
engine_replay_exit_code(int rc, const struct replay_report *r)
{
	size_t i;

	if (rc < 0)
		return 1;
	for (i = 0; i < r->n; i++)
		if (r->lines[i].outcome == REPLAY_FAILED || r->lines[i].outcome == REPLAY_UNKNOWN ||
		    r->lines[i].refunds.failed > 0)
			return 2;
	for (i = 0; i < r->nerp; i++)
		if (!r->erp[i].replayed || r->erp[i].status == BINDING_FAILED)
			return 2;
	for (i = 0; i < r->nsettlements; i++)
		if (r->settlements[i].after == SETTLEMENT_ERROR ||
		    r->settlements[i].after == SETTLEMENT_UNBALANCED)
			return 2;
	return r->sum.stopped || r->sum.settlements.failed > 0 ? 2 : 0;
}

/* ---- replay --failed ----------------------------------------------------- */

struct failed_ids {
	const char *phase;
	char (*ids)[128];
	size_t n, alloc;
};

static int
failed_add(const struct failure *f, void *ud)
{
	struct failed_ids *x = ud;
	char id[128];
	const char *slash;
	size_t len;

	if (x->phase != NULL && strcmp(f->phase, x->phase) != 0)
		return 0;
	if (f->kind != KIND_ORDER && f->kind != KIND_REFUND)
		return 0;
	/* a refund's failure is keyed "ORDER/REFUND"; a refund that could not
	 * even be parsed has no order to replay */
	slash = f->kind == KIND_REFUND ? strchr(f->id, '/') : NULL;
	if (f->kind == KIND_REFUND && slash == NULL)
		return 0;
	len = slash != NULL ? (size_t)(slash - f->id) : strlen(f->id);
	if (len == 0 || len >= sizeof(id))
		return 0;
	memcpy(id, f->id, len);
	id[len] = '\0';
	if (x->n == x->alloc) {
		size_t na = x->alloc ? x->alloc * 2 : 16;
		void *nv = realloc(x->ids, na * sizeof(*x->ids));
		if (nv == NULL)
			return SC_ENOMEM;
		x->ids = nv;
		x->alloc = na;
	}
	memcpy(x->ids[x->n++], id, len + 1);
	return 0;
}

static int
failed_fn(struct state_txn *t, void *ud)
{
	return state_failure_each(t, 0, failed_add, ud);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
engine_failed_order_ids(struct engine *e, const char *phase, char (**ids)[128], size_t *n,
                        struct sc_error *err)
{
	struct failed_ids x;
	size_t i, k = 0;
	int rc;

	memset(&x, 0, sizeof(x));
	x.phase = phase;
	*ids = NULL;
	*n = 0;
	if ((rc = state_read(e->st, failed_fn, &x, err)) < 0) {
		free(x.ids);
		return rc;
	}
	if (x.n > 1)
		qsort(x.ids, x.n, sizeof(*x.ids), cmp_id);
	for (i = 0; i < x.n; i++)
		if (k == 0 || strcmp(x.ids[k - 1], x.ids[i]) != 0)
			memmove(x.ids[k++], x.ids[i], sizeof(*x.ids));
	*ids = x.ids;
	*n = k;
	return 0;
}

/* ---- records sent back: replay --failed --phase refunds_back|shipments ---- */

struct erp_collect {
	const char *phase;
	struct replay_report *out;
	size_t alloc;
	struct state_txn *t;
};

static int
erp_collect(const struct failure *f, void *ud)
{
	struct erp_collect *c = ud;
	struct replay_erp *x;
	struct binding b;
	char cur[ENGINE_CURSOR_MAX];
	int rc;

	if (f->kind != KIND_ERP_REFUND && f->kind != KIND_FULFILLMENT)
		return 0;
	if (c->phase != NULL && strcmp(c->phase, f->phase) != 0)
		return 0;
	if (c->out->nerp == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 8;
		void *nv = realloc(c->out->erp, na * sizeof(*c->out->erp));

		if (nv == NULL)
			return SC_ENOMEM;
		c->out->erp = nv;
		c->alloc = na;
	}
	x = &c->out->erp[c->out->nerp++];
	memset(x, 0, sizeof(*x));
	x->kind = f->kind;
	state_strlcpy(x->id, f->id, sizeof(x->id));
	x->status = -1;
	if ((rc = state_binding_get(c->t, f->kind, f->id, &b)) < 0)
		return rc;
	if (rc == 1)
		state_strlcpy(x->order_id, b.order_id, sizeof(x->order_id));
	if (rc == 1 && b.status == BINDING_PENDING) {
		x->status = b.status;
		snprintf(x->detail, sizeof(x->detail), "not sent again: it may have reached the "
		         "marketplace (%s); check it there", b.detail);
		return 0;
	}
	if ((rc = engine_rewind_cursor(c->t, f->kind, f->id, cur, sizeof(cur))) < 0)
		return rc;
	if (rc == 0) {
		snprintf(x->detail, sizeof(x->detail), "cannot be read again from the ERP's changes "
		         "(it was not read since this connector keeps where): save it again in the "
		         "ERP and run `connector sync`");
		return 0;
	}
	x->replayed = 1;
	return 0;
}

static int
erp_collect_fn(struct state_txn *t, void *ud)
{
	struct erp_collect *c = ud;

	c->t = t;
	return state_failure_each(t, 0, erp_collect, c);
}

/* The failed records made new: their binding and failure dropped. */
static int
erp_reset_fn(struct state_txn *t, void *ud)
{
	struct replay_report *out = ud;
	struct binding b;
	size_t i;
	int rc;

	for (i = 0; i < out->nerp; i++) {
		if (!out->erp[i].replayed)
			continue;
		if ((rc = state_binding_get(t, out->erp[i].kind, out->erp[i].id, &b)) < 0)
			return rc;
		if (rc == 1 && (rc = state_binding_del(t, out->erp[i].kind, out->erp[i].id)) < 0)
			return rc;
		if ((rc = state_failure_del(t, out->erp[i].kind, out->erp[i].id)) < 0)
			return rc;
	}
	return 0;
}

struct erp_cursors {
	char (*v)[ENGINE_CURSOR_MAX];
	size_t n;
	struct replay_report *out;
};

static int
erp_cursors_fn(struct state_txn *t, void *ud)
{
	struct erp_cursors *c = ud;
	size_t i, j;
	int rc;

	for (i = 0; i < c->out->nerp; i++) {
		if (!c->out->erp[i].replayed)
			continue;
		if ((rc = engine_rewind_cursor(t, c->out->erp[i].kind, c->out->erp[i].id,
		                               c->v[c->n], ENGINE_CURSOR_MAX)) <= 0)
			continue;
		for (j = 0; j < c->n && strcmp(c->v[j], c->v[c->n]) != 0; j++)
			;
		if (j == c->n)
			c->n++;
	}
	return 0;
}

static int
erp_after_fn(struct state_txn *t, void *ud)
{
	struct replay_report *out = ud;
	struct failure f;
	struct binding b;
	size_t i;
	int rc;

	for (i = 0; i < out->nerp; i++) {
		struct replay_erp *x = &out->erp[i];

		if (!x->replayed)
			continue;
		if ((rc = state_binding_get(t, x->kind, x->id, &b)) < 0)
			return rc;
		x->status = rc == 1 ? b.status : -1;
		if (rc == 0) {
			snprintf(x->detail, sizeof(x->detail), "no longer among the ERP's changes "
			         "read again (changed or deleted since): it is read when it changes");
			continue;
		}
		if ((rc = state_failure_get(t, x->kind, x->id, &f)) < 0)
			return rc;
		snprintf(x->detail, sizeof(x->detail), "%s%s%s", rc == 1 ? f.message : b.detail,
		         rc == 1 && f.remote[0] ? " | remote: " : "", rc == 1 ? f.remote : "");
	}
	return 0;
}

int
engine_replay_erp(struct engine *e, const char *phase, struct replay_report *out,
                  struct sc_error *err)
{
	struct erp_collect c;
	struct erp_cursors cur;
	size_t i, todo = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.phase = phase;
	c.out = out;
	if (!(e->erp->caps & ERP_CAP_CHANGES) || e->erp->changes_page == NULL)
		return 0;
	if ((rc = state_read(e->st, erp_collect_fn, &c, err)) < 0)
		return rc;
	for (i = 0; i < out->nerp; i++)
		todo += out->erp[i].replayed;
	if (todo == 0)
		return 0;
	if (e->opts.dry_run) {
		for (i = 0; i < out->nerp; i++)
			if (out->erp[i].replayed)
				snprintf(out->erp[i].detail, sizeof(out->erp[i].detail),
				         "would be read again from the ERP and sent");
		return 0;
	}
	memset(&cur, 0, sizeof(cur));
	cur.out = out;
	if ((cur.v = calloc(todo, sizeof(*cur.v))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	if ((rc = state_read(e->st, erp_cursors_fn, &cur, err)) < 0 ||
	    (rc = state_write(e->st, erp_reset_fn, out, err)) < 0)
		goto done;
	for (i = 0; i < cur.n && !engine_stopping(e); i++) {
		struct page p;
		struct sc_error perr;

		page_init(&p, erp_change_free);
		sc_error_clear(&perr);
		if ((rc = e->erp->changes_page(e->erp_self, cur.v[i], &p, &perr)) < 0) {
			/* the records stay new: the next sync or replay reads them */
			log_event(LOG_WARN, "replay.erp_page_failed", "phase", "replay",
			          "error", perr.msg, "remote", perr.remote, NULL);
			page_free(&p);
			rc = 0;
			continue;
		}
		rc = engine_changes_page(e, &p, cur.v[i], 1, &out->sum, err);
		page_free(&p);
		if (rc < 0)
			goto done;
	}
	rc = state_read(e->st, erp_after_fn, out, err);
done:
	free(cur.v);
	return rc < 0 ? rc : 0;
}
