/*
 * engine_back.c: refunds made in the ERP, back to the marketplace.
 *
 * The ERP's changes since the cursor (changes_page) yield refunds people
 * made there. One goes back when:
 *  - the connector did not make it (echo suppression: its external id is
 *    not one of ours, and no refund binding points at it),
 *  - its order is one the connector synced,
 *  - the refund rules' [to_marketplace] lists its type (with the reason the
 *    marketplace is told),
 *  - it was never sent before (binding KIND_ERP_REFUND by ERP id).
 * Marketplace writes are not idempotent (a feed sent twice refunds twice),
 * so: an intent per refund is committed before the push; the push returns a
 * submission (feed) id, committed with each refund's message number as
 * PENDING; later runs read the submission's processing report and record per
 * refund accepted, or the marketplace's own words. A push whose outcome is
 * unknown, or a run killed during it, is never sent again by itself: the
 * refund stays PENDING with a permanent failure saying to check the feed
 * history, so a person decides.
 */
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACK_FEED_MAX 100   /* refunds in one submission */

/* ---- outcomes of earlier submissions ------------------------------------ */

struct pending {
	char (*subs)[STATE_ERPID_MAX];
	size_t n, alloc;
};

/* Bindings of refunds sent: detail "feed F message N". */
static int
parse_detail(const char *detail, char *feed, size_t feedn, long *msg)
{
	const char *p, *q;
	char *end = NULL;

	if (strncmp(detail, "feed ", 5) != 0)
		return -1;
	p = detail + 5;
	if ((q = strstr(p, " message ")) == NULL || (size_t)(q - p) >= feedn)
		return -1;
	memcpy(feed, p, (size_t)(q - p));
	feed[q - p] = '\0';
	*msg = strtol(q + 9, &end, 10);
	return end != NULL && end != q + 9 && *msg > 0 ? 0 : -1;
}

static int
collect_pending(const struct binding *b, void *ud)
{
	struct pending *pd = ud;
	char feed[STATE_ERPID_MAX];
	long msg;
	size_t i;

	if (b->status != BINDING_PENDING || parse_detail(b->detail, feed, sizeof(feed), &msg) < 0)
		return 0;
	for (i = 0; i < pd->n; i++)
		if (strcmp(pd->subs[i], feed) == 0)
			return 0;
	if (pd->n == pd->alloc) {
		size_t na = pd->alloc ? pd->alloc * 2 : 8;
		void *nv = realloc(pd->subs, na * sizeof(*pd->subs));
		if (nv == NULL)
			return SC_ENOMEM;
		pd->subs = nv;
		pd->alloc = na;
	}
	state_strlcpy(pd->subs[pd->n++], feed, STATE_ERPID_MAX);
	return 0;
}

static int
pending_fn(struct state_txn *t, void *ud)
{
	int rc = state_binding_each(t, KIND_ERP_REFUND, collect_pending, ud);

	return rc < 0 ? rc : state_binding_each(t, KIND_FULFILLMENT, collect_pending, ud);
}

struct settle {
	const char *feed;
	const struct submission_result *res;
	size_t nres;
	int whole_rc;                    /* whole submission failed: this code */
	const struct sc_error *whole;
	struct refund_counts *rc_out;    /* refunds sent */
	struct refund_counts *ship_out;  /* cancellations sent */
	struct state_txn *t;
	int64_t now;
	int rc;
};

/* The result of message `msg`; a submission "FEED;ref=REF" (one message
 * whose result the marketplace reports under REF, a cancellation) by REF. */
static const struct submission_result *
result_for(const struct settle *s, long msg)
{
	const char *named = strstr(s->feed, ";ref=");
	char ref[STATE_ERPID_MAX];
	size_t i;

	if (named != NULL)
		snprintf(ref, sizeof(ref), "%s", named + 5);
	else
		snprintf(ref, sizeof(ref), "%ld", msg);
	for (i = 0; i < s->nres; i++)
		if (strcmp(s->res[i].ref, ref) == 0)
			return &s->res[i];
	return NULL;
}

static int
settle_binding(const struct binding *b, void *ud)
{
	struct settle *s = ud;
	struct binding nb = *b;
	struct failure f;
	char feed[STATE_ERPID_MAX];
	const struct submission_result *r = NULL;
	const int ship = b->kind == KIND_FULFILLMENT;
	const char *phase = ship ? "shipments" : "refunds_back";
	struct refund_counts *out = ship ? s->ship_out : s->rc_out;
	long msg;
	int ok;

	if (b->status != BINDING_PENDING || parse_detail(b->detail, feed, sizeof(feed), &msg) < 0 ||
	    strcmp(feed, s->feed) != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	if (s->whole_rc == 0)
		r = result_for(s, msg);
	ok = s->whole_rc == 0 && r != NULL && r->ok;
	nb.updated = s->now;
	if (ok) {
		const char *tot = strstr(b->detail, " total ");

		nb.status = BINDING_SYNCED;
		nb.synced = s->now;
		snprintf(nb.detail, sizeof(nb.detail), "accepted in feed %s (message %ld)%s",
		         s->feed, msg, tot != NULL ? tot : "");
		out->created++;
		log_event(LOG_INFO, ship ? "cancellation.accepted" : "erp_refund.accepted",
		          "phase", phase, "erp_id", b->id, "order_id", b->order_id,
		          "feed", s->feed, NULL);
		if ((s->rc = state_binding_put(s->t, &nb)) < 0)
			return s->rc;
		return state_failure_del(s->t, b->kind, b->id);
	}
	nb.status = BINDING_FAILED;
	f.kind = b->kind;
	state_strlcpy(f.id, b->id, sizeof(f.id));
	state_strlcpy(f.phase, phase, sizeof(f.phase));
	f.fclass = FAILURE_PERMANENT;
	f.attempts = 1;
	f.first = f.last = s->now;
	if (s->whole_rc != 0) {
		f.code = s->whole_rc;
		snprintf(f.message, sizeof(f.message), "feed %s: %s", s->feed, s->whole->msg);
		state_strlcpy(f.remote, s->whole->remote, sizeof(f.remote));
	} else if (r == NULL) {
		f.code = SC_ENOTFOUND;
		snprintf(f.message, sizeof(f.message),
		         "feed %s: the processing report says nothing of message %ld: check "
		         "the refund on the marketplace before sending it again", s->feed, msg);
	} else {
		f.code = r->err.code ? r->err.code : SC_EINVALID;
		snprintf(f.message, sizeof(f.message), "feed %s rejected message %ld: %s",
		         s->feed, msg, r->err.msg[0] ? r->err.msg : "rejected");
		state_strlcpy(f.remote, r->err.remote, sizeof(f.remote));
	}
	snprintf(nb.detail, sizeof(nb.detail), "rejected in feed %s (message %ld)",
	         s->feed, msg);
	out->failed++;
	log_event(LOG_WARN, ship ? "cancellation.rejected" : "erp_refund.rejected",
	          "phase", phase, "erp_id", b->id,
	          "order_id", b->order_id, "feed", s->feed, "error", f.message,
	          "remote", f.remote, NULL);
	if ((s->rc = state_failure_put(s->t, &f)) < 0)
		return s->rc;
	return state_binding_put(s->t, &nb);
}

static int
settle_fn(struct state_txn *t, void *ud)
{
	struct settle *s = ud;

	int rc;

	s->t = t;
	s->now = time_now();
	if ((rc = state_binding_each(t, KIND_ERP_REFUND, settle_binding, s)) < 0)
		return rc;
	return state_binding_each(t, KIND_FULFILLMENT, settle_binding, s);
}

static int
poll_submissions(struct engine *e, struct refund_counts *rc_out, struct refund_counts *ship_out,
                 struct sc_error *err)
{
	struct pending pd = { NULL, 0, 0 };
	size_t i;
	int rc;

	if ((rc = state_read(e->st, pending_fn, &pd, err)) < 0)
		goto done;
	for (i = 0; i < pd.n && !engine_stopping(e); i++) {
		struct submission_result *res = NULL;
		struct settle s;
		struct sc_error serr;
		size_t nres = 0;

		sc_error_clear(&serr);
		rc = e->mkt->submission_results(e->mkt_self, pd.subs[i], &res, &nres, &serr);
		if (rc == 1 || rc == SC_ETRANSIENT) {
			log_event(LOG_INFO, "feed.pending", "phase", "refunds_back", "feed",
			          pd.subs[i], "why", rc == 1 ? "still processing" : serr.msg, NULL);
			continue;
		}
		memset(&s, 0, sizeof(s));
		s.feed = pd.subs[i];
		s.res = res;
		s.nres = nres;
		s.whole_rc = rc < 0 ? rc : 0;
		s.whole = &serr;
		s.rc_out = rc_out;
		s.ship_out = ship_out;
		if (!e->opts.dry_run)
			rc = state_write(e->st, settle_fn, &s, err);
		else
			rc = 0;
		free(res);
		if (rc < 0)
			goto done;
	}
	rc = 0;
done:
	free(pd.subs);
	return rc;
}

/* ---- new refunds from the ERP ------------------------------------------- */

struct back {
	struct engine *e;
	struct refund **send;            /* borrowed from the page */
	size_t nsend;
	char sub[STATE_ERPID_MAX];
	int push_rc;
	struct sc_error push_err;
	const char *cursor;
	int64_t now;
};

/* Is this ERP refund one to send? Sets r->reason. */
static int
back_wanted(struct state_txn *t, struct engine *e, struct refund *r, const char **why)
{
	struct binding b;
	char ours[64];
	const char *reason;
	int rc;

	snprintf(ours, sizeof(ours), "%s-RFD-", e->mkt->id_prefix);
	if (r->erp_external_id != NULL && strncmp(r->erp_external_id, ours, strlen(ours)) == 0) {
		*why = "made by the connector (echo)";
		return 0;
	}
	if ((rc = state_binding_get(t, KIND_ERP_REFUND, r->id, &b)) < 0)
		return rc;
	if (rc == 1) {
		*why = "already sent or decided";
		return 0;
	}
	if ((rc = state_binding_get(t, KIND_ORDER, r->order_id, &b)) < 0)
		return rc;
	if (rc == 0 || b.erp_id[0] == '\0') {
		*why = "its order was not synced by the connector";
		return 0;
	}
	if ((reason = mapping_refund_reverse(e->rules, r->erp_type)) == NULL) {
		*why = "its type is not listed in [to_marketplace]";
		return 0;
	}
	free(r->reason);
	if ((r->reason = strdup(reason)) == NULL)
		return SC_ENOMEM;
	return 1;
}

struct plan_ctx {
	struct back *bk;
	const struct page *p;
};

static int
back_plan_fn(struct state_txn *t, void *ud)
{
	struct plan_ctx *c = ud;
	size_t i;
	int rc;

	for (i = 0; i < c->p->n && c->bk->nsend < BACK_FEED_MAX; i++) {
		const struct erp_change *ch = c->p->items[i];
		const char *why = NULL;

		if (ch->kind != ERP_CHANGE_REFUND || ch->refund == NULL)
			continue;
		if ((rc = back_wanted(t, c->bk->e, ch->refund, &why)) < 0)
			return rc;
		if (rc == 0) {
			log_event(LOG_DEBUG, "erp_refund.skipped", "phase", "refunds_back",
			          "erp_id", ch->refund->id, "why", why, NULL);
			continue;
		}
		c->bk->send[c->bk->nsend++] = ch->refund;
	}
	return 0;
}

static int
back_intents_fn(struct state_txn *t, void *ud)
{
	struct back *bk = ud;
	size_t i;
	int rc;

	for (i = 0; i < bk->nsend; i++) {
		struct intent in;

		memset(&in, 0, sizeof(in));
		in.kind = KIND_ERP_REFUND;
		state_strlcpy(in.id, bk->send[i]->id, sizeof(in.id));
		state_strlcpy(in.op, "feed", sizeof(in.op));
		state_strlcpy(in.erp_type, bk->send[i]->erp_type, sizeof(in.erp_type));
		in.created = bk->now;
		if ((rc = state_intent_put(t, &in)) < 0)
			return rc;
	}
	return 0;
}

static int
back_commit_fn(struct state_txn *t, void *ud)
{
	struct back *bk = ud;
	size_t i;
	int rc;

	for (i = 0; i < bk->nsend; i++) {
		const struct refund *r = bk->send[i];
		struct binding nb;
		struct failure f;

		if ((rc = state_intent_del(t, KIND_ERP_REFUND, r->id)) < 0)
			return rc;
		memset(&nb, 0, sizeof(nb));
		nb.kind = KIND_ERP_REFUND;
		state_strlcpy(nb.id, r->id, sizeof(nb.id));
		state_strlcpy(nb.order_id, r->order_id, sizeof(nb.order_id));
		state_strlcpy(nb.erp_type, r->erp_type, sizeof(nb.erp_type));
		state_strlcpy(nb.erp_id, r->id, sizeof(nb.erp_id));
		nb.first_seen = nb.updated = bk->now;
		nb.attempts = 1;
		if (bk->push_rc == 0) {
			nb.status = BINDING_PENDING;
			snprintf(nb.detail, sizeof(nb.detail), "feed %s message %zu total %lld",
			         bk->sub, i + 1, (long long)refund_buyer_total(r));
		} else if (sc_code_is_transient(bk->push_rc)) {
			continue;   /* nothing was sent: the page is read again next run */
		} else {
			memset(&f, 0, sizeof(f));
			f.kind = KIND_ERP_REFUND;
			state_strlcpy(f.id, r->id, sizeof(f.id));
			state_strlcpy(f.phase, "refunds_back", sizeof(f.phase));
			f.fclass = FAILURE_PERMANENT;
			f.code = bk->push_rc;
			f.http_status = bk->push_err.http_status;
			state_strlcpy(f.message, bk->push_err.msg, sizeof(f.message));
			state_strlcpy(f.remote, bk->push_err.remote, sizeof(f.remote));
			f.attempts = 1;
			f.first = f.last = bk->now;
			if ((rc = state_failure_put(t, &f)) < 0)
				return rc;
			/* ECONFLICT: it may have been sent; never again by itself */
			nb.status = bk->push_rc == SC_ECONFLICT ? BINDING_PENDING : BINDING_FAILED;
			snprintf(nb.detail, sizeof(nb.detail), "%s",
			         bk->push_rc == SC_ECONFLICT ? "sent, outcome unknown" : "refused");
		}
		if ((rc = state_binding_put(t, &nb)) < 0)
			return rc;
	}
	/* A transient refusal keeps the cursor: the same refunds come again. */
	if (bk->cursor != NULL && !(bk->push_rc != 0 && sc_code_is_transient(bk->push_rc)))
		return state_cursor_put(t, "erp_changes", bk->cursor);
	return 0;
}

/* Fill the line ids of an ERP refund from the marketplace's order. */
static int
back_match_lines(struct engine *e, struct refund *r, struct sc_error *err)
{
	struct order *o = NULL;
	size_t i;
	int rc;

	for (i = 0; i < r->nlines && r->lines[i].line_id != NULL &&
	            r->lines[i].line_id[0] != '\0'; i++)
		;
	if (i == r->nlines)
		return 0;   /* every line knows its item already */
	if ((rc = e->mkt->order_get(e->mkt_self, r->order_id, &o, err)) < 0)
		return rc;
	if ((rc = engine_order_map_skus(e, o)) < 0) {
		order_free(o);
		return sc_error_set(err, rc, "out of memory");
	}
	for (i = 0; i < r->nlines; i++) {
		struct refund_line *l = &r->lines[i];
		const struct order_line *hit;

		if (l->line_id != NULL && l->line_id[0] != '\0')
			continue;
		hit = engine_order_line_by_sku(o, l->sku);
		if (hit == NULL && l->sku == NULL && o->nlines > 0)
			hit = &o->lines[0];   /* an amount-only line: the order's first item */
		if (hit == NULL) {
			rc = sc_error_set(err, SC_EINVALID,
			    "refund %s of order %s: line %zu (item %s) matches no item of the "
			    "order on the marketplace", r->id, r->order_id, i + 1,
			    l->sku != NULL ? l->sku : "(none)");
			order_free(o);
			return rc;
		}
		free(l->line_id);
		if ((l->line_id = strdup(hit->line_id)) == NULL) {
			order_free(o);
			return sc_error_set(err, SC_ENOMEM, "out of memory");
		}
	}
	order_free(o);
	return 0;
}

struct refuse {
	const struct refund *r;
	int code;
	const struct sc_error *why;
};

static int
refuse_fn(struct state_txn *t, void *ud)
{
	const struct refuse *x = ud;
	struct failure f;
	struct binding nb;
	int64_t now = time_now();
	int rc;

	memset(&f, 0, sizeof(f));
	f.kind = KIND_ERP_REFUND;
	state_strlcpy(f.id, x->r->id, sizeof(f.id));
	state_strlcpy(f.phase, "refunds_back", sizeof(f.phase));
	f.fclass = sc_code_is_transient(x->code) ? FAILURE_TRANSIENT : FAILURE_PERMANENT;
	f.code = x->code;
	f.http_status = x->why->http_status;
	state_strlcpy(f.message, x->why->msg, sizeof(f.message));
	state_strlcpy(f.remote, x->why->remote, sizeof(f.remote));
	f.attempts = 1;
	f.first = f.last = now;
	if ((rc = state_failure_put(t, &f)) < 0)
		return rc;
	memset(&nb, 0, sizeof(nb));
	nb.kind = KIND_ERP_REFUND;
	state_strlcpy(nb.id, x->r->id, sizeof(nb.id));
	state_strlcpy(nb.order_id, x->r->order_id, sizeof(nb.order_id));
	state_strlcpy(nb.erp_type, x->r->erp_type, sizeof(nb.erp_type));
	state_strlcpy(nb.erp_id, x->r->id, sizeof(nb.erp_id));
	nb.status = BINDING_FAILED;
	nb.first_seen = nb.updated = now;
	state_strlcpy(nb.detail, "not sent", sizeof(nb.detail));
	return state_binding_put(t, &nb);
}

static int
back_refuse(struct engine *e, const struct refund *r, int code, const struct sc_error *why,
            struct sc_error *err)
{
	struct refuse x = { r, code, why };

	log_event(LOG_WARN, "erp_refund.not_sent", "phase", "refunds_back", "erp_id", r->id,
	          "order_id", r->order_id, "error", why->msg, NULL);
	return state_write(e->st, refuse_fn, &x, err);
}

static int
back_page(struct engine *e, const struct page *p, int refunds, int hold,
          struct refund_counts *rc_out, struct sc_error *err)
{
	struct back bk;
	struct plan_ctx pc;
	struct refund *send[BACK_FEED_MAX];
	size_t i;
	int rc;

	memset(&bk, 0, sizeof(bk));
	bk.e = e;
	bk.send = send;
	bk.cursor = hold ? NULL : p->cursor;   /* held: a shipment waits to be retried */
	bk.now = time_now();
	pc.bk = &bk;
	pc.p = p;
	if (refunds && (rc = state_read(e->st, back_plan_fn, &pc, err)) < 0)
		return rc;
	rc_out->seen += refunds ? p->n : 0;
	if (e->opts.dry_run) {
		for (i = 0; i < bk.nsend; i++)
			printf("would send %s %s of order %s to the marketplace as a refund (%s)\n",
			       send[i]->erp_type, send[i]->id, send[i]->order_id, send[i]->reason);
		return 0;
	}
	/* The ERP does not keep the marketplace's order item ids: find them by
	 * SKU in the order as the marketplace has it. A refund whose lines
	 * cannot be matched is not sent (a failure says which line). */
	for (i = 0; i < bk.nsend; ) {
		struct sc_error merr;

		sc_error_clear(&merr);
		if ((rc = back_match_lines(e, send[i], &merr)) < 0) {
			if ((rc = back_refuse(e, send[i], rc, &merr, err)) < 0)
				return rc;
			rc_out->failed++;
			send[i] = send[--bk.nsend];
			continue;
		}
		i++;
	}
	if (bk.nsend > 0) {
		if ((rc = state_write(e->st, back_intents_fn, &bk, err)) < 0)
			return rc;
		sc_error_clear(&bk.push_err);
		bk.push_rc = e->mkt->refunds_push(e->mkt_self, send, bk.nsend, bk.sub,
		                                  sizeof(bk.sub), &bk.push_err);
		for (i = 0; i < bk.nsend; i++)
			log_event(bk.push_rc == 0 ? LOG_INFO : LOG_WARN,
			          bk.push_rc == 0 ? "erp_refund.sent" : "erp_refund.not_sent",
			          "phase", "refunds_back", "erp_id", send[i]->id,
			          "order_id", send[i]->order_id, "feed", bk.sub,
			          "error", bk.push_rc == 0 ? "" : bk.push_err.msg, NULL);
		if (bk.push_rc != 0)
			rc_out->failed += bk.nsend;
		else
			rc_out->waiting += bk.nsend;   /* sent, awaiting the report */
	}
	return state_write(e->st, back_commit_fn, &bk, err);
}

/* The changes of a page that could be read now: an earlier "could not be
 * read" failure of theirs is over. */
static int
clear_bad_fn(struct state_txn *t, void *ud)
{
	const struct page *p = ud;
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++) {
		const struct erp_change *ch = p->items[i];
		const char *id = ch->refund != NULL ? ch->refund->id :
		                 ch->fulfillment != NULL ? ch->fulfillment->id : NULL;

		if (id != NULL && id[0] != '\0' &&
		    (rc = state_failure_del(t, KIND_ERP_CHANGE, id)) < 0)
			return rc;
	}
	return 0;
}

static int
bcursor_fn(struct state_txn *t, void *ud)
{
	char *buf = ud;
	int rc = state_cursor_get(t, "erp_changes", buf, ENGINE_CURSOR_MAX);

	if (rc == 0)
		buf[0] = '\0';
	return rc < 0 ? rc : 0;
}

/* What the replay of a record sent back needs: the changes cursor its
 * page was read from ("rewind/KIND/KEY"), kept while it is not accepted. */
struct rewind {
	const struct engine *e;
	const struct page *p;
	const char *before;
};

static void
rewind_key(char kind, const char *id, char *out, size_t n)
{
	snprintf(out, n, "rewind/%c/%s", kind, id);
}

static int
rewind_fn(struct state_txn *t, void *ud)
{
	const struct rewind *w = ud;
	size_t i;
	int rc;

	for (i = 0; i < w->p->n; i++) {
		const struct erp_change *ch = w->p->items[i];
		char key[STATE_ID_MAX + 16], id[STATE_ID_MAX];
		struct binding b;
		char kind;

		if (ch->refund != NULL && ch->refund->id != NULL) {
			kind = KIND_ERP_REFUND;
			state_strlcpy(id, ch->refund->id, sizeof(id));
		} else if (ch->fulfillment != NULL && ch->fulfillment->id != NULL) {
			kind = KIND_FULFILLMENT;
			engine_ship_key(ch->fulfillment, id, sizeof(id));
		} else {
			continue;
		}
		if ((rc = state_binding_get(t, kind, id, &b)) < 0)
			return rc;
		rewind_key(kind, id, key, sizeof(key));
		if (rc == 1 && (b.status == BINDING_FAILED || b.status == BINDING_PENDING))
			rc = state_cursor_put(t, key, w->before);
		else if (rc == 1 && b.status == BINDING_SYNCED)
			rc = state_cursor_del(t, key);
		else
			rc = 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
engine_rewind_cursor(struct state_txn *t, char kind, const char *id, char *out, size_t n)
{
	char key[STATE_ID_MAX + 16];

	rewind_key(kind, id, key, sizeof(key));
	return state_cursor_get(t, key, out, n);
}

int
engine_changes_page(struct engine *e, const struct page *p, const char *before, int replay,
                    struct sync_summary *sum, struct sc_error *err)
{
	struct refund_counts *rc_out = &sum->back;
	int refunds = e->rules != NULL && (e->mkt->caps & MKT_CAP_REFUND_PUSH) &&
	              (replay || (e->opts.phases & PHASE_REFUNDS));
	int ship = engine_ship_able(e) || (replay && (e->mkt->caps & MKT_CAP_FULFILLMENT_PUSH));
	struct rewind w = { e, p, before };
	int rc, hold = replay;   /* a replay never moves the cursor */

	/* a change the ERP adapter could not read or trace is a failure
	 * a person sees, not a silent skip */
	if ((rc = engine_record_bad(e, KIND_ERP_CHANGE, "erp_changes", p, err)) < 0)
		return rc;
	*(ship ? &sum->ship.failed : &rc_out->failed) += p->nbad;
	if (!e->opts.dry_run && p->n > 0 && (rc = state_write(e->st, clear_bad_fn,
	                                                      (void *)p, err)) < 0)
		return rc;
	if (ship && (rc = engine_ship_page(e, p, &sum->ship, &hold, err)) < 0)
		return rc;
	if ((rc = back_page(e, p, refunds, hold, rc_out, err)) < 0)
		return rc;
	if (e->opts.dry_run || p->n == 0)
		return 0;
	return state_write(e->st, rewind_fn, &w, err);
}

int
engine_back_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	struct refund_counts *rc_out = &sum->back;
	char cursor[ENGINE_CURSOR_MAX];
	int rc;

	int refunds = e->rules != NULL && (e->mkt->caps & MKT_CAP_REFUND_PUSH) &&
	              (e->opts.phases & PHASE_REFUNDS);
	int ship = engine_ship_able(e);

	/* One stream of ERP changes carries refunds and shipments alike: when
	 * either phase runs, both kinds in it are handled, so the cursor never
	 * moves past a record nobody looked at. */
	if (!(e->erp->caps & ERP_CAP_CHANGES) || (!refunds && !ship))
		return 0;
	rc_out->ran = refunds;
	sum->ship.ran = ship;
	if ((rc = state_read(e->st, bcursor_fn, cursor, err)) < 0)
		return rc;
	while (!engine_stopping(e)) {
		struct page p;
		struct sc_error perr;

		page_init(&p, erp_change_free);
		sc_error_clear(&perr);
		rc = e->erp->changes_page(e->erp_self, cursor, &p, &perr);
		if (rc < 0) {
			page_free(&p);
			if (rc == SC_EINTR || engine_stopping(e))
				return 0;
			sum->phase_error = 1;
			log_event(LOG_ERROR, "refunds_back.page_failed", "phase", "refunds_back",
			          "error", perr.msg, "remote", perr.remote, NULL);
			return 0;
		}
		rc_out->pages++;
		rc = engine_changes_page(e, &p, cursor, 0, sum, err);
		snprintf(cursor, sizeof(cursor), "%s", p.cursor);
		if (rc < 0 || !p.more) {
			page_free(&p);
			return rc < 0 ? rc : 0;
		}
		page_free(&p);
	}
	return 0;
}

/* Outcomes of earlier submissions: before the marketplace's refunds are
 * read, so the marketplace's record of an accepted one is known as ours. */
int
engine_back_poll(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	int refunds = e->rules != NULL && (e->mkt->caps & MKT_CAP_REFUND_PUSH);

	if (!refunds && !engine_ship_able(e))
		return 0;
	sum->back.ran |= refunds;
	sum->ship.ran |= engine_ship_able(e);
	return poll_submissions(e, &sum->back, &sum->ship, err);
}

/* An intent of a push a run was killed in: it may have been sent. Never
 * resend: PENDING with a failure saying to look. */
int
engine_back_intent_unknown(struct state_txn *t, const struct intent *in, int64_t now)
{
	struct binding nb;
	struct failure f;
	int rc;

	const int ship = in->kind == KIND_FULFILLMENT;
	struct binding prev;

	memset(&nb, 0, sizeof(nb));
	if ((rc = state_binding_get(t, in->kind, in->id, &prev)) < 0)
		return rc;
	if (rc == 1)
		nb = prev;   /* a cancellation's earlier state (its order, its hash) */
	nb.kind = in->kind;
	state_strlcpy(nb.id, in->id, sizeof(nb.id));
	state_strlcpy(nb.erp_type, in->erp_type, sizeof(nb.erp_type));
	if (!ship)
		state_strlcpy(nb.erp_id, in->id, sizeof(nb.erp_id));
	nb.status = BINDING_PENDING;
	if (nb.first_seen == 0)
		nb.first_seen = now;
	nb.updated = now;
	state_strlcpy(nb.detail, "sent, outcome unknown (run interrupted)", sizeof(nb.detail));
	memset(&f, 0, sizeof(f));
	f.kind = in->kind;
	state_strlcpy(f.id, in->id, sizeof(f.id));
	state_strlcpy(f.phase, ship ? "shipments" : "refunds_back", sizeof(f.phase));
	f.fclass = FAILURE_PERMANENT;
	f.code = SC_ECONFLICT;
	snprintf(f.message, sizeof(f.message), "a run was stopped while sending this %s to the "
	         "marketplace; it may have been sent: check the order on the marketplace before "
	         "sending it again", ship ? in->erp_type : "refund");
	f.attempts = 1;
	f.first = f.last = now;
	if ((rc = state_failure_put(t, &f)) < 0 || (rc = state_binding_put(t, &nb)) < 0)
		return rc;
	return state_intent_del(t, in->kind, in->id);
}
