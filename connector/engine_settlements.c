/*
 * engine_settlements.c: settlements, from a report file to a posted journal.
 *
 * One report (fetched by the sync, or handed in by `settle --file`) is
 * stream-parsed by the marketplace adapter, each row classified and summed
 * by the reconciler (mapping/reconcile.h) against the account map, then:
 *  - balance (sum of detail rows - deposited total) not zero -> unbalanced:
 *    never posted, the figures recorded;
 *  - an order of its Order or Refund rows not synced -> waiting_for_orders,
 *    with their ids; every later sync (and replay) looks again and posts as
 *    soon as they are all synced;
 *  - otherwise reconciled, and posted as one ERP journal under
 *    "{prefix}-STL-{settlementId}" (an upsert: posting twice is impossible),
 *    behind an intent like every ERP write. An ERP that asks for a line per
 *    order (erp_ops.settlement_by_order: a statement whose lines pay each
 *    order's invoice) gets them from a third streaming pass over the file
 *    (mapping/reconcile_orders.h), each order's ERP record from its binding;
 *    the lines are checked to balance to the cent before anything is posted.
 * Raw report files are kept under STATE_DIR/reports/ (Amazon deletes them
 * after 90 days), so a waiting settlement is re-read from its own file.
 */
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/money.h"
#include "connector/timeutil.h"
#include "mapping/reconcile_orders.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- one report --------------------------------------------------------- */

struct stl_parse {
	const struct account_map *map;
	struct reconcile *rec;
	struct settlement_header h;
	int have_header;
	struct sc_error *err;
};

static int
stl_header(void *ud, const struct settlement_header *h)
{
	struct stl_parse *p = ud;
	int rc;

	if (p->have_header)
		return sc_error_set(p->err, SC_EMALFORMED, "a second summary row");
	p->h = *h;
	p->have_header = 1;
	if ((rc = reconcile_new(&p->rec, p->map, h, p->err)) < 0)
		return rc;
	reconcile_keep_orders(p->rec, 0);   /* orders: checked in a second pass */
	return 0;
}

static int
stl_line(void *ud, const struct settlement_line *l)
{
	struct stl_parse *p = ud;

	if (!p->have_header)
		return sc_error_set(p->err, SC_EMALFORMED,
		                    "line %ld: a detail row before the summary row", l->lineno);
	return reconcile_line(p->rec, l, p->err);
}

/* The second pass: every order id of Order and Refund rows looked up in
 * the bindings as the file streams by (inside one read transaction: no
 * network call in it). Only the missing ids are kept, so memory follows the
 * number of missing orders, never the size of the report. */
struct order_scan {
	struct state_txn *t;             /* NULL: no state, every order is missing */
	char last[128];                  /* rows of one order come together */
	struct missing *m;
	int rc;
};

static int
scan_header(void *ud, const struct settlement_header *h)
{
	(void)ud;
	(void)h;
	return 0;
}

static int
missing_add(struct missing *m, const char *id)
{
	if (m->n == m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 16;
		char **nv = realloc(m->ids, na * sizeof(*nv));
		if (nv == NULL)
			return SC_ENOMEM;
		m->ids = nv;
		m->alloc = na;
	}
	if ((m->ids[m->n] = strdup(id)) == NULL)
		return SC_ENOMEM;
	m->n++;
	return 0;
}

static int
scan_line(void *ud, const struct settlement_line *l)
{
	struct order_scan *q = ud;
	struct binding b;
	int rc;

	if (!reconcile_is_order_row(l->transaction_type) || l->order_id == NULL ||
	    l->order_id[0] == '\0' || strcmp(l->order_id, q->last) == 0)
		return 0;
	snprintf(q->last, sizeof(q->last), "%s", l->order_id);
	if (q->t != NULL) {
		if ((rc = state_binding_get(q->t, KIND_ORDER, l->order_id, &b)) < 0)
			return rc;
		if (rc == 1 && b.erp_id[0] != '\0')
			return 0;
	}
	return missing_add(q->m, l->order_id);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
missing_sort_unique(struct missing *m)
{
	size_t i, o = 0;

	if (m->n > 1)
		qsort(m->ids, m->n, sizeof(*m->ids), cmp_str);
	for (i = 0; i < m->n; i++) {
		if (o > 0 && strcmp(m->ids[o - 1], m->ids[i]) == 0) {
			free(m->ids[i]);
			continue;
		}
		m->ids[o++] = m->ids[i];
	}
	m->n = o;
}

void
engine_missing_free(struct missing *m)
{
	size_t i;

	for (i = 0; m != NULL && i < m->n; i++)
		free(m->ids[i]);
	if (m != NULL) {
		free(m->ids);
		memset(m, 0, sizeof(*m));
	}
}

struct scan_run {
	const struct marketplace_ops *mkt;
	const char *path;
	struct order_scan *q;
	struct sc_error *err;
};

static int
scan_fn(struct state_txn *t, void *ud)
{
	struct scan_run *r = ud;
	struct settlement_sink sink = { scan_header, scan_line, r->q };

	r->q->t = t;
	return r->mkt->settlement_parse(r->path, &sink, r->err);
}

int
engine_settlement_process(const struct marketplace_ops *mkt, const struct account_map *map,
                          struct state *st, const char *path,
                          struct settlement_state *out, struct reconcile **rec_out,
                          struct missing *missing, struct sc_error *err)
{
	struct settlement_sink sink;
	struct stl_parse p;
	struct reconcile_result res;
	struct missing local = { NULL, 0, 0 };
	struct order_scan q;
	int rc;

	if (missing == NULL)
		missing = &local;
	memset(missing, 0, sizeof(*missing));
	*rec_out = NULL;
	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.map = map;
	p.err = err;
	sink.header = stl_header;
	sink.line = stl_line;
	sink.ud = &p;
	if (mkt->settlement_parse == NULL)
		return sc_error_set(err, SC_ENOTSUP, "%s cannot read settlement reports",
		                    mkt->name);
	if ((rc = mkt->settlement_parse(path, &sink, err)) < 0) {
		sc_error_prefix(err, "%s", path);
		goto fail;
	}
	if (!p.have_header) {
		rc = sc_error_set(err, SC_EMALFORMED, "%s: no summary row", path);
		goto fail;
	}
	if ((rc = reconcile_finish(p.rec, &res)) < 0)
		goto fail;
	state_strlcpy(out->id, p.h.id, sizeof(out->id));
	state_strlcpy(out->currency, p.h.currency, sizeof(out->currency));
	out->exponent = p.h.exponent;
	out->start = p.h.start;
	out->end = p.h.end;
	out->deposit = p.h.deposit;
	out->total = p.h.total;
	out->charges = res.charges;
	out->refunds = res.refunds;
	out->fees = res.fees;
	out->adjustments = res.adjustments;
	out->balance = res.balance;
	out->lines = res.lines;
	state_strlcpy(out->raw_path, path, sizeof(out->raw_path));
	memset(&q, 0, sizeof(q));
	q.m = missing;
	if (st != NULL) {
		struct scan_run run = { mkt, path, &q, err };

		rc = state_read(st, scan_fn, &run, err);
	} else {
		struct settlement_sink ssink = { scan_header, scan_line, &q };

		rc = mkt->settlement_parse(path, &ssink, err);
	}
	if (rc < 0)
		goto fail;
	missing_sort_unique(missing);
	out->missing = (uint32_t)missing->n;
	for (size_t i = 0; i < missing->n && i < STATE_SETTLEMENT_MISSING_MAX; i++)
		state_strlcpy(out->missing_ids[i], missing->ids[i], sizeof(out->missing_ids[0]));
	if (out->balance != 0) {
		char figures[400];

		out->status = SETTLEMENT_UNBALANCED;
		reconcile_result_format(&res, out->currency, out->exponent, figures,
		                        sizeof(figures));
		snprintf(out->message, sizeof(out->message),
		         "does not add up, not posted: %s", figures);
	} else if (out->missing > 0) {
		out->status = SETTLEMENT_WAITING;
		snprintf(out->message, sizeof(out->message),
		         "%u order(s) not synced yet, first %s: posted once they are",
		         (unsigned)out->missing, out->missing_ids[0]);
	} else {
		out->status = SETTLEMENT_RECONCILED;
	}
	*rec_out = p.rec;
	engine_missing_free(&local);
	return 0;
fail:
	reconcile_free(p.rec);
	engine_missing_free(missing);
	return rc;
}

/* ---- per-order lines (erp_ops.settlement_by_order) ---------------------- */

/* A third streaming pass over the report, only for an ERP that wants a line
 * per order (adapter.h), made by mapping/reconcile_orders.h: memory follows
 * the number of distinct orders of the settlement (plus the map's
 * accounts), never the number of rows. Each order's ERP record comes from
 * its binding, read inside the pass's read transaction (no network call in
 * it). */
struct order_lines_run {
	const struct marketplace_ops *mkt;
	const char *path;
	struct reconcile_orders *o;
	struct state_txn *t;
	struct sc_error *err;
};

static int
binding_ref(void *ud, const char *order_id, struct erp_ref *out, struct sc_error *err)
{
	struct order_lines_run *r = ud;
	struct binding b;
	int rc;

	if ((rc = state_binding_get(r->t, KIND_ORDER, order_id, &b)) < 0)
		return sc_error_set(err, rc, "order %.128s: cannot read its binding", order_id);
	if (rc == 0 || b.erp_id[0] == '\0')
		return 0;
	state_strlcpy(out->type, b.erp_type, sizeof(out->type));
	state_strlcpy(out->id, b.erp_id, sizeof(out->id));
	state_strlcpy(out->external_id, b.external_id, sizeof(out->external_id));
	return 1;
}

static int
lines_row(void *ud, const struct settlement_line *l)
{
	struct order_lines_run *r = ud;

	return reconcile_orders_row(r->o, l, r->err);
}

static int
lines_fn(struct state_txn *t, void *ud)
{
	struct order_lines_run *r = ud;
	struct settlement_sink sink = { scan_header, lines_row, r };

	r->t = t;
	return r->mkt->settlement_parse(r->path, &sink, r->err);
}

/* Replace *lines (reconcile_journal's) with the lines per order; *orders
 * owns what they point to (reconcile_orders_free after posting). */
static int
stl_lines_by_order(struct engine *e, const struct settlement_state *s,
                   const struct settlement_header *h, struct journal_line **lines, size_t *n,
                   struct reconcile_orders **orders, struct sc_error *err)
{
	struct order_lines_run run;
	struct journal_line *v = NULL;
	size_t nv = 0;
	int rc;

	if (s->raw_path[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "settlement %s: no report file to read the "
		                    "orders from", s->id);
	if ((rc = reconcile_orders_new(orders, e->accounts, h, binding_ref, &run, err)) < 0)
		return rc;
	memset(&run, 0, sizeof(run));
	run.mkt = e->mkt;
	run.path = s->raw_path;
	run.o = *orders;
	run.err = err;
	if ((rc = state_read(e->st, lines_fn, &run, err)) < 0 ||
	    (rc = reconcile_orders_lines(*orders, *lines, *n, &v, &nv, err)) < 0)
		return rc;
	free(*lines);
	*lines = v;
	*n = nv;
	return 0;
}

/* ---- posting ------------------------------------------------------------ */

struct stl_put {
	const struct settlement_state *s;
	const struct intent *in;         /* put (before) or NULL */
	int del_intent;                  /* delete the intent (after) */
};

/* A settlement that could not be read, posted or balanced is a failure
 * record like any other (`connector failures`); one that waits, is
 * reconciled or posted has none. */
static int
stl_failure_sync(struct state_txn *t, const struct settlement_state *s)
{
	struct failure f;
	int rc;

	if (s->status != SETTLEMENT_ERROR && s->status != SETTLEMENT_UNBALANCED)
		return state_failure_del(t, KIND_SETTLEMENT, s->id);
	if ((rc = state_failure_get(t, KIND_SETTLEMENT, s->id, &f)) < 0)
		return rc;
	if (rc == 0) {
		memset(&f, 0, sizeof(f));
		f.first = time_now();
	}
	f.kind = KIND_SETTLEMENT;
	state_strlcpy(f.id, s->id, sizeof(f.id));
	state_strlcpy(f.phase, "settlements", sizeof(f.phase));
	f.fclass = FAILURE_PERMANENT;
	f.code = s->status == SETTLEMENT_UNBALANCED ? SC_EINVALID : SC_ERROR;
	if (s->status == SETTLEMENT_UNBALANCED && strstr(s->message, "unbalanced") == NULL)
		snprintf(f.message, sizeof(f.message), "unbalanced: %s", s->message);
	else
		state_strlcpy(f.message, s->message, sizeof(f.message));
	f.attempts++;
	f.last = time_now();
	f.next_retry = 0;
	return state_failure_put(t, &f);
}

static int
stl_put_fn(struct state_txn *t, void *ud)
{
	struct stl_put *p = ud;
	struct settlement_state old;
	struct settlement_state s = *p->s;
	int rc;

	if ((rc = state_settlement_get(t, s.id, &old)) < 0)
		return rc;
	s.first_seen = rc == 1 && old.first_seen ? old.first_seen : time_now();
	if (rc == 1 && s.report_id[0] == '\0')
		state_strlcpy(s.report_id, old.report_id, sizeof(s.report_id));
	s.updated = time_now();
	if (p->in != NULL && (rc = state_intent_put(t, p->in)) < 0)
		return rc;
	if (p->del_intent && (rc = state_intent_del(t, KIND_SETTLEMENT, s.id)) < 0)
		return rc;
	if ((rc = stl_failure_sync(t, &s)) < 0)
		return rc;
	return state_settlement_put(t, &s);
}

int
engine_settlement_store(struct engine *e, const struct settlement_state *s,
                        struct sc_error *err)
{
	struct stl_put p = { s, NULL, 0 };

	return state_write(e->st, stl_put_fn, &p, err);
}

/* Post a reconciled settlement; updates *s (status, ids or the error). */
int
engine_settlement_post(struct engine *e, struct settlement_state *s, struct reconcile *rec,
                       struct sc_error *err)
{
	struct journal_line *lines = NULL;
	struct reconcile_orders *orders = NULL;
	struct settlement_posting post;
	struct settlement_header h;
	struct intent in;
	struct stl_put put;
	struct erp_ref ref;
	struct sc_error perr;
	char memo[256], d1[11], d2[11], d3[11];
	size_t n = 0;
	int rc;

	if (e->erp->settlement_post == NULL || !(e->erp->caps & ERP_CAP_SETTLEMENTS))
		return sc_error_set(err, SC_ENOTSUP, "%s cannot post settlements", e->erp->name);
	memset(&h, 0, sizeof(h));
	state_strlcpy(h.id, s->id, sizeof(h.id));
	h.start = s->start;
	h.end = s->end;
	h.deposit = s->deposit;
	h.total = s->total;
	state_strlcpy(h.currency, s->currency, sizeof(h.currency));
	h.exponent = s->exponent;
	sc_error_clear(&perr);
	if ((rc = reconcile_journal(rec, &lines, &n, &perr)) < 0 ||
	    (e->erp->settlement_by_order &&
	     (rc = stl_lines_by_order(e, s, &h, &lines, &n, &orders, &perr)) < 0)) {
		free(lines);
		reconcile_orders_free(orders);
		s->status = SETTLEMENT_ERROR;
		state_strlcpy(s->message, perr.msg, sizeof(s->message));
		return engine_settlement_store(e, s, err);
	}
	time_format_date(d1, s->start);
	time_format_date(d2, s->end);
	time_format_date(d3, s->deposit);
	snprintf(memo, sizeof(memo), "%s settlement %s, %s to %s, deposit %s", e->mkt->name,
	         s->id, d1, d2, d3);
	memset(&post, 0, sizeof(post));
	post.header = &h;
	post.lines = lines;
	post.nlines = n;
	post.memo = memo;
	snprintf(s->external_id, sizeof(s->external_id), "%s-STL-%s", e->mkt->id_prefix, s->id);

	memset(&in, 0, sizeof(in));
	in.kind = KIND_SETTLEMENT;
	state_strlcpy(in.id, s->id, sizeof(in.id));
	state_strlcpy(in.op, "post", sizeof(in.op));
	state_strlcpy(in.external_id, s->external_id, sizeof(in.external_id));
	in.created = time_now();
	put.s = s;
	put.in = &in;
	put.del_intent = 0;
	if ((rc = state_write(e->st, stl_put_fn, &put, err)) < 0)
		goto done;
	memset(&ref, 0, sizeof(ref));
	rc = e->erp->settlement_post(e->erp_self, &post, s->external_id, &ref, &perr);
	if (rc == 0) {
		s->status = SETTLEMENT_POSTED;
		state_strlcpy(s->erp_type, ref.type[0] ? ref.type : "journalEntry",
		              sizeof(s->erp_type));
		state_strlcpy(s->erp_id, ref.id, sizeof(s->erp_id));
		s->message[0] = '\0';
		log_event(LOG_INFO, "settlement.posted", "phase", "settlements",
		          "settlement_id", s->id, "erp_id", ref.id, "external_id",
		          s->external_id, NULL);
	} else {
		s->status = SETTLEMENT_ERROR;
		snprintf(s->message, sizeof(s->message), "posting failed: %s%s%s", perr.msg,
		         perr.remote[0] ? " | " : "", perr.remote);
		log_event(LOG_WARN, "settlement.post_failed", "phase", "settlements",
		          "settlement_id", s->id, "error", perr.msg, "remote", perr.remote, NULL);
	}
	put.in = NULL;
	put.del_intent = 1;
	rc = state_write(e->st, stl_put_fn, &put, err);
done:
	free(lines);
	reconcile_orders_free(orders);
	return rc;
}

/* ---- the phase ---------------------------------------------------------- */

struct stl_list {
	struct settlement_state *v;
	size_t n, alloc;
};

static int
collect_stl(const struct settlement_state *s, void *ud)
{
	struct stl_list *l = ud;

	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 8;
		void *nv = realloc(l->v, na * sizeof(*l->v));
		if (nv == NULL)
			return SC_ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n++] = *s;
	return 0;
}

static int
stl_all_fn(struct state_txn *t, void *ud)
{
	return state_settlement_each(t, collect_stl, ud);
}

int
engine_settlement_list(struct state *st, struct settlement_state **out, size_t *n,
                       struct sc_error *err)
{
	struct stl_list l = { NULL, 0, 0 };
	int rc = state_read(st, stl_all_fn, &l, err);

	if (rc < 0) {
		free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* Process (again) one file and post when it adds up; counts in *c. */
static int
settle_one(struct engine *e, const char *path, const char *report_id,
           struct settlement_counts *c, struct sc_error *err)
{
	struct settlement_state s;
	struct reconcile *rec = NULL;
	struct sc_error perr;
	int rc;

	sc_error_clear(&perr);
	rc = engine_settlement_process(e->mkt, e->accounts, e->st, path, &s, &rec, NULL, &perr);
	if (rc < 0) {
		memset(&s, 0, sizeof(s));
		snprintf(s.id, sizeof(s.id), "report-%s", report_id ? report_id : "file");
		s.status = SETTLEMENT_ERROR;
		state_strlcpy(s.message, perr.msg, sizeof(s.message));
		state_strlcpy(s.raw_path, path, sizeof(s.raw_path));
		log_event(LOG_WARN, "settlement.rejected", "phase", "settlements", "file", path,
		          "error", perr.msg, NULL);
		c->failed++;
	} else if (s.status == SETTLEMENT_RECONCILED && !e->opts.dry_run) {
		if (report_id != NULL)
			state_strlcpy(s.report_id, report_id, sizeof(s.report_id));
		rc = engine_settlement_post(e, &s, rec, err);
		reconcile_free(rec);
		if (rc < 0)
			return rc;
		if (s.status == SETTLEMENT_POSTED)
			c->posted++;
		else
			c->failed++;
		return 0;
	} else {
		if (s.status == SETTLEMENT_WAITING)
			c->waiting++;
		else if (s.status == SETTLEMENT_UNBALANCED)
			c->unbalanced++;
		log_event(LOG_INFO, "settlement.not_posted", "phase", "settlements",
		          "settlement_id", s.id, "status", settlement_status_name(s.status),
		          "why", s.message, NULL);
	}
	reconcile_free(rec);
	if (report_id != NULL)
		state_strlcpy(s.report_id, report_id, sizeof(s.report_id));
	if (e->opts.dry_run)
		return 0;
	return engine_settlement_store(e, &s, err);
}

static int
stl_cursor_fn(struct state_txn *t, void *ud)
{
	char *buf = ud;
	int rc = state_cursor_get(t, "settlements", buf, ENGINE_CURSOR_MAX);

	if (rc == 0)
		buf[0] = '\0';
	return rc < 0 ? rc : 0;
}

static int
stl_cursor_put_fn(struct state_txn *t, void *ud)
{
	return state_cursor_put(t, "settlements", ud);
}

int
engine_settlements_recheck(struct engine *e, int errors, struct settlement_counts *c,
                           struct sc_error *err)
{
	struct settlement_state *all = NULL;
	size_t i, n = 0;
	int rc;

	if (e->accounts == NULL || e->mkt->settlement_parse == NULL)
		return 0;
	if ((rc = engine_settlement_list(e->st, &all, &n, err)) < 0)
		return rc;
	for (i = 0; i < n && !engine_stopping(e); i++) {
		/* waiting for orders, not posted yet, or failed before a conf
		 * change (the account map fixed, say) or a replay: look again */
		if (all[i].status != SETTLEMENT_WAITING && all[i].status != SETTLEMENT_RECONCILED &&
		    !((all[i].status == SETTLEMENT_ERROR || all[i].status == SETTLEMENT_UNBALANCED) &&
		      (e->conf_changed || errors) && all[i].raw_path[0] != '\0'))
			continue;
		c->rechecked++;
		if ((rc = settle_one(e, all[i].raw_path, all[i].report_id[0] ? all[i].report_id : NULL,
		                     c, err)) < 0)
			break;
	}
	free(all);
	return rc < 0 ? rc : 0;
}

int
engine_settlements_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	struct settlement_counts *c = &sum->settlements;
	struct settlement_state *all = NULL;
	char cursor[ENGINE_CURSOR_MAX], dir[1100];
	size_t n = 0;
	int rc;

	if (e->accounts == NULL || e->mkt->settlement_parse == NULL)
		return 0;
	c->ran = 1;
	/* 1. what waited for orders (or was not posted) is looked at again */
	if ((rc = engine_settlements_recheck(e, 0, c, err)) < 0)
		return rc;
	if ((rc = engine_settlement_list(e->st, &all, &n, err)) < 0)
		return rc;
	/* 2. new reports */
	if (!(e->mkt->caps & MKT_CAP_SETTLEMENTS))
		goto done;
	/* A dry run downloads into its scratch directory: the state's stays as it was. */
	snprintf(dir, sizeof(dir), "%s/reports",
	         e->opts.dry_run && e->scratch_dir[0] ? e->scratch_dir : e->state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = sc_error_set(err, SC_ERROR, "%s: cannot create: %s", dir, strerror(errno));
		goto done;
	}
	if ((rc = state_read(e->st, stl_cursor_fn, cursor, err)) < 0)
		goto done;
	while (!engine_stopping(e)) {
		struct page p;
		struct sc_error perr;
		size_t k;

		page_init(&p, free);
		sc_error_clear(&perr);
		if ((rc = e->mkt->settlements_page(e->mkt_self, cursor, &p, &perr)) < 0) {
			page_free(&p);
			if (rc == SC_EINTR || engine_stopping(e))
				break;
			sum->phase_error = 1;
			log_event(LOG_ERROR, "settlements.page_failed", "phase", "settlements",
			          "error", perr.msg, "remote", perr.remote, NULL);
			rc = 0;
			break;
		}
		for (k = 0; k < p.n; k++) {
			const struct settlement_ref *ref = p.items[k];
			char path[1200];
			size_t j;
			int known = 0;

			for (j = 0; j < n && !known; j++)
				known = strcmp(all[j].report_id, ref->id) == 0;
			if (known)
				continue;   /* processed before: never fetched again */
			snprintf(path, sizeof(path), "%s/%s.txt", dir, ref->id);
			c->fetched++;
			if ((rc = e->mkt->settlement_fetch(e->mkt_self, ref, path, &perr)) < 0) {
				log_event(LOG_WARN, "settlement.fetch_failed", "phase", "settlements",
				          "report_id", ref->id, "error", perr.msg, NULL);
				c->failed++;
				sum->phase_error = 1;
				page_free(&p);
				rc = 0;
				goto done;   /* cursor kept: fetched again next run */
			}
			if ((rc = settle_one(e, path, ref->id, c, err)) < 0) {
				page_free(&p);
				goto done;
			}
		}
		snprintf(cursor, sizeof(cursor), "%s", p.cursor);
		if (!e->opts.dry_run &&
		    (rc = state_write(e->st, stl_cursor_put_fn, cursor, err)) < 0) {
			page_free(&p);
			goto done;
		}
		if (!p.more) {
			page_free(&p);
			break;
		}
		page_free(&p);
	}
	rc = 0;
done:
	free(all);
	return rc;
}
