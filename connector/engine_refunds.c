/*
 * engine_refunds.c: the refunds phase, marketplace -> ERP.
 *
 * Each refund read from the marketplace becomes the ERP transaction the
 * refund rules (mapping/refund_rules.h) name for it, created from the
 * order's ERP record under "{prefix}-RFD-{orderId}-{refundId}":
 *  - its order not synced yet -> the refund waits (binding WAITING, not a
 *    failure); once the order is synced, in this run or a later one, the
 *    order's refunds are read again (order_refunds) and go through;
 *  - already created with the same content -> nothing;
 *  - otherwise an intent is committed, the ERP record created (the adapter
 *    reads it back and compares), and the binding or failure committed.
 * The cursor moves past a page only once its refunds are committed.
 */
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/money.h"
#include "connector/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ract { RACT_NONE = 0, RACT_UNCHANGED, RACT_WAIT, RACT_CREATE, RACT_FAIL,
            RACT_ECHO };

struct rwork {
	struct refund *r;                /* borrowed */
	enum ract action;
	char key[STATE_ID_MAX];          /* "ORDER/REFUND" */
	char ext[STATE_EXTID_MAX];
	struct binding order;            /* the order's binding, when synced */
	int had_binding;
	struct binding prev;
	int had_failure;
	struct failure prevf;
	unsigned char hash[MODEL_HASH_LEN];
	struct refund_rule_match match;
	struct binding echo;             /* RACT_ECHO: the ERP refund it mirrors */
	struct erp_ref ref;
	struct sc_error err;
	int rc;
	int done;
};

struct rbatch {
	struct engine *e;
	struct rwork *w;
	size_t n;
	const char *cursor;              /* store after commit; NULL: none */
	int stopped;
};

void
engine_refund_key(const char *order_id, const char *refund_id, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", order_id, refund_id);
}

/* ---- plan --------------------------------------------------------------- */

/* Marketplace fees are not the buyer's money: they belong to settlements,
 * never to the refund record in the ERP (see the NetSuite adapter). */
static int
component_is_fee(const char *type)
{
	size_t n = strlen(type);

	return strcmp(type, "Commission") == 0 || strcmp(type, "RefundCommission") == 0 ||
	       (strstr(type, "Fee") != NULL && strncmp(type, "RestockingFee", 13) != 0) ||
	       (n >= 10 && strcmp(type + n - 10, "Chargeback") == 0) ||
	       strncmp(type, "MarketplaceFacilitatorTax", 25) == 0;
}

int64_t
refund_buyer_total(const struct refund *r)
{
	int64_t t = 0;
	size_t i, j;

	for (i = 0; i < r->nlines; i++)
		for (j = 0; j < r->lines[i].ncomps; j++)
			if (!component_is_fee(r->lines[i].comps[j].type))
				t += r->lines[i].comps[j].amount;
	return t;
}

struct refunded_q {
	const char *order_id;
	const char *skip;                /* this refund's own key */
	int64_t sum;                     /* buyer totals of its refunds, <= 0 */
};

static int
refunded_binding(const struct binding *b, void *ud)
{
	struct refunded_q *q = ud;

	if (b->status == BINDING_SYNCED && strcmp(b->order_id, q->order_id) == 0 &&
	    strcmp(b->id, q->skip) != 0)
		q->sum += b->amount;
	return 0;
}

/* The refunds of an order can never add up to more than was charged. */
static int
over_refund(struct state_txn *t, struct rbatch *b, size_t upto, struct rwork *w)
{
	struct refunded_q q = { w->r->order_id, w->key, 0 };
	int64_t mine = refund_buyer_total(w->r), total;
	char charged[32], before[32], this_one[32];
	size_t i;
	int rc;

	if (w->order.amount <= 0 || strcmp(w->order.currency, w->r->currency) != 0)
		return 0;   /* amount of the order unknown (synced by an older version) */
	if ((rc = state_binding_each(t, KIND_REFUND, refunded_binding, &q)) < 0)
		return rc;
	for (i = 0; i < upto; i++)
		if (b->w[i].action == RACT_CREATE &&
		    strcmp(b->w[i].r->order_id, w->r->order_id) == 0)
			q.sum += refund_buyer_total(b->w[i].r);
	total = q.sum + mine;
	if (-total <= w->order.amount)
		return 0;
	money_format(charged, sizeof(charged), w->order.amount, w->order.exponent);
	money_format(before, sizeof(before), -q.sum, w->r->exponent);
	money_format(this_one, sizeof(this_one), -mine, w->r->exponent);
	w->action = RACT_FAIL;
	w->rc = sc_error_set(&w->err, SC_EINVALID,
	    "refund %s of order %s would take its refunds past what was charged: "
	    "%s %s charged, %s refunded before, %s in this refund", w->r->id,
	    w->r->order_id, charged, w->order.currency, before, this_one);
	return 1;
}

struct echo_q {
	const struct refund *r;
	int64_t total;
	struct binding *out;
	int found;
};

/* An ERP refund the connector sent to this order, accepted, not matched
 * yet, for the same buyer total: the marketplace's refund is its echo. */
static int
echo_binding(const struct binding *b, void *ud)
{
	struct echo_q *q = ud;
	const char *tot;
	char *end = NULL;
	long long t;

	if (q->found || strcmp(b->order_id, q->r->order_id) != 0 ||
	    !((b->status == BINDING_SYNCED && strncmp(b->detail, "accepted in feed ", 17) == 0) ||
	      (b->status == BINDING_PENDING && strncmp(b->detail, "feed ", 5) == 0)) ||
	    (tot = strstr(b->detail, " total ")) == NULL)
		return 0;
	t = strtoll(tot + 7, &end, 10);
	if (end == tot + 7 || (int64_t)t != q->total)
		return 0;
	*q->out = *b;
	q->found = 1;
	return 1;
}

/* The SKU map applies to refund lines as to order lines. */
static int
refund_apply_sku_map(const struct engine *e, struct refund *r)
{
	size_t i;
	int rc;

	for (i = 0; i < r->nlines; i++)
		if ((rc = engine_map_sku(e, r->lines[i].sku, &r->lines[i].erp_sku)) < 0)
			return rc;
	return 0;
}

/* A binding made from an interrupted write has no hash: create again (the
 * adapter finds the record by external id and verifies it). */
static int
hash_is_zero(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < MODEL_HASH_LEN; i++)
		if (h[i] != 0)
			return 0;
	return 1;
}

/* Does `r` differ from what was booked (hash `booked`) only in being a
 * return now? */
static int
return_learned_later(struct refund *r, const unsigned char *booked)
{
	unsigned char h[MODEL_HASH_LEN];
	enum refund_kind kind = r->kind;
	char *reason = r->reason;

	if (kind != REFUND_KIND_RETURN)
		return 0;
	r->kind = REFUND_KIND_REFUND;
	r->reason = NULL;
	refund_hash(r, h);
	r->kind = kind;
	r->reason = reason;
	return memcmp(h, booked, sizeof(h)) == 0;
}

static int
rplan_fn(struct state_txn *t, void *ud)
{
	struct rbatch *b = ud;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		struct rwork *w = &b->w[i];
		struct refund *r = w->r;
		struct refund_rule_input in;
		int has_order;

		engine_refund_key(r->order_id, r->id, w->key, sizeof(w->key));
		snprintf(w->ext, sizeof(w->ext), "%s-RFD-%s-%s", b->e->mkt->id_prefix,
		         r->order_id, r->id);
		if ((rc = state_binding_get(t, KIND_REFUND, w->key, &w->prev)) < 0)
			return rc;
		w->had_binding = rc == 1;
		if ((rc = state_failure_get(t, KIND_REFUND, w->key, &w->prevf)) < 0)
			return rc;
		w->had_failure = rc == 1;
		if ((rc = state_binding_get(t, KIND_ORDER, r->order_id, &w->order)) < 0)
			return rc;
		has_order = rc == 1 && w->order.erp_id[0] != '\0';
		if (!has_order) {
			w->action = RACT_WAIT;
			continue;
		}
		if ((rc = refund_apply_sku_map(b->e, r)) < 0)
			return rc;
		refund_hash(r, w->hash);
		if (w->had_binding && w->prev.status == BINDING_SYNCED &&
		    memcmp(w->prev.hash, w->hash, sizeof(w->hash)) == 0) {
			w->action = RACT_UNCHANGED;
			continue;
		}
		if (w->had_binding && w->prev.status == BINDING_SYNCED &&
		    !hash_is_zero(w->prev.hash) && return_learned_later(r, w->prev.hash)) {
			/* Booked as a refund; the marketplace's returns report
			 * named it a return only afterwards (goods often reach
			 * the warehouse after the money went back). Nothing is
			 * edited in place and it is no failure: it is said. */
			log_event(LOG_WARN, "refund.return_after_booking", "phase", "refunds",
			          "order_id", r->order_id, "refund_id", r->id,
			          "erp_type", w->prev.erp_type, "erp_id", w->prev.erp_id,
			          "why", "the marketplace reported the goods returned after the refund "
			          "was booked; receive them in the ERP by hand if your process needs it",
			          NULL);
			w->action = RACT_UNCHANGED;
			continue;
		}
		if (w->had_binding && w->prev.status == BINDING_SYNCED &&
		    !hash_is_zero(w->prev.hash)) {
			/* Created already, but the marketplace changed it since:
			 * a refund is not edited in place; say so. */
			w->action = RACT_FAIL;
			w->rc = sc_error_set(&w->err, SC_ECONFLICT,
			    "refund %s of order %s changed on the marketplace after %s %s "
			    "was created from it; check it by hand", r->id, r->order_id,
			    w->prev.erp_type, w->prev.erp_id);
			continue;
		}
		if (!w->had_binding) {
			struct echo_q q = { r, refund_buyer_total(r), &w->echo, 0 };

			if ((rc = state_binding_each(t, KIND_ERP_REFUND, echo_binding, &q)) < 0)
				return rc;
			if (q.found) {
				w->action = RACT_ECHO;
				continue;
			}
		}
		memset(&in, 0, sizeof(in));
		in.kind = r->kind;
		in.reason = r->reason;
		in.posted_as = w->order.erp_type;
		if ((rc = mapping_refund_lookup(b->e->rules, &in, &w->match, &w->err)) < 0) {
			w->action = RACT_FAIL;
			w->rc = rc;
			continue;
		}
		if ((rc = over_refund(t, b, i, w)) < 0)
			return rc;
		if (rc == 1)
			continue;
		w->action = RACT_CREATE;
	}
	return 0;
}

static int
rintents_fn(struct state_txn *t, void *ud)
{
	struct rbatch *b = ud;
	int64_t now = time_now();
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		struct rwork *w = &b->w[i];
		struct intent in;

		if (w->action != RACT_CREATE)
			continue;
		memset(&in, 0, sizeof(in));
		in.kind = KIND_REFUND;
		state_strlcpy(in.id, w->key, sizeof(in.id));
		state_strlcpy(in.op, "create", sizeof(in.op));
		state_strlcpy(in.erp_type, w->match.create, sizeof(in.erp_type));
		state_strlcpy(in.external_id, w->ext, sizeof(in.external_id));
		in.created = now;
		if ((rc = state_intent_put(t, &in)) < 0)
			return rc;
	}
	return 0;
}

static void
rwrites(struct rbatch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct rwork *w = &b->w[i];
		struct erp_ref order_ref;

		if (w->action != RACT_CREATE)
			continue;
		if (engine_stopping(b->e)) {
			b->stopped = 1;
			return;
		}
		memset(&order_ref, 0, sizeof(order_ref));
		state_strlcpy(order_ref.type, w->order.erp_type, sizeof(order_ref.type));
		state_strlcpy(order_ref.id, w->order.erp_id, sizeof(order_ref.id));
		state_strlcpy(order_ref.external_id, w->order.external_id,
		              sizeof(order_ref.external_id));
		sc_error_clear(&w->err);
		w->rc = b->e->erp->refund_create(b->e->erp_self, w->r, w->match.create,
		                                 &order_ref, w->ext, &w->ref, &w->err);
		w->done = 1;
	}
}

/* ---- results ------------------------------------------------------------ */

static int
rcommit_fn(struct state_txn *t, void *ud)
{
	struct rbatch *b = ud;
	int64_t now = time_now();
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		struct rwork *w = &b->w[i];
		struct binding nb;

		if (w->action == RACT_UNCHANGED || w->action == RACT_NONE)
			continue;
		if (w->action == RACT_CREATE) {
			if ((rc = state_intent_del(t, KIND_REFUND, w->key)) < 0)
				return rc;
			if (!w->done)
				continue;
		}
		memset(&nb, 0, sizeof(nb));
		if (w->had_binding)
			nb = w->prev;
		else
			nb.first_seen = now;
		nb.kind = KIND_REFUND;
		state_strlcpy(nb.id, w->key, sizeof(nb.id));
		state_strlcpy(nb.order_id, w->r->order_id, sizeof(nb.order_id));
		state_strlcpy(nb.external_id, w->ext, sizeof(nb.external_id));
		nb.updated = now;
		if (w->action == RACT_ECHO) {
			struct binding eb = w->echo;

			nb.status = BINDING_SYNCED;
			nb.synced = now;
			state_strlcpy(nb.erp_type, eb.erp_type, sizeof(nb.erp_type));
			state_strlcpy(nb.erp_id, eb.erp_id, sizeof(nb.erp_id));
			memcpy(nb.hash, w->hash, sizeof(nb.hash));
			snprintf(nb.detail, sizeof(nb.detail),
			         "the marketplace's record of %s %s, sent to it from the ERP",
			         eb.erp_type, eb.erp_id);
			nb.amount = refund_buyer_total(w->r);
			state_strlcpy(nb.currency, w->r->currency, sizeof(nb.currency));
			nb.exponent = w->r->exponent;
			snprintf(eb.detail, sizeof(eb.detail), "accepted: the marketplace shows it "
			         "as its refund %s", w->r->id);
			eb.status = BINDING_SYNCED;   /* the marketplace has it: accepted */
			eb.updated = now;
			if ((rc = state_binding_put(t, &eb)) < 0)
				return rc;
		} else if (w->action == RACT_WAIT) {
			if (w->had_binding && w->prev.status == BINDING_WAITING)
				continue;   /* still waiting: nothing new to say */
			nb.status = BINDING_WAITING;
			snprintf(nb.detail, sizeof(nb.detail),
			         "waiting for order %s to sync", w->r->order_id);
		} else if (w->action == RACT_CREATE && w->rc == 0) {
			nb.attempts++;
			state_strlcpy(nb.erp_type, w->ref.type[0] ? w->ref.type : w->match.create,
			              sizeof(nb.erp_type));
			state_strlcpy(nb.erp_id, w->ref.id, sizeof(nb.erp_id));
			memcpy(nb.hash, w->hash, sizeof(nb.hash));
			nb.status = BINDING_SYNCED;
			nb.synced = now;
			nb.amount = refund_buyer_total(w->r);
			state_strlcpy(nb.currency, w->r->currency, sizeof(nb.currency));
			nb.exponent = w->r->exponent;
			snprintf(nb.detail, sizeof(nb.detail), "%s (%s, line %d)",
			         w->match.rule, mapping_refund_rules_path(b->e->rules),
			         w->match.line);
			if ((rc = state_failure_del(t, KIND_REFUND, w->key)) < 0)
				return rc;
		} else {
			nb.attempts++;
			if (w->action == RACT_CREATE && w->ref.id[0] != '\0') {
				/* made, but the read-back differs: keep the record */
				state_strlcpy(nb.erp_type, w->ref.type, sizeof(nb.erp_type));
				state_strlcpy(nb.erp_id, w->ref.id, sizeof(nb.erp_id));
			}
			if (!(w->had_binding && w->prev.status == BINDING_SYNCED))
				nb.status = BINDING_FAILED;
			state_strlcpy(nb.detail, w->err.msg, sizeof(nb.detail));
			if ((rc = engine_failure_put(t, b->e, KIND_REFUND, w->key, "refunds", w->rc,
			                              &w->err, w->had_failure ? &w->prevf : NULL, now)) < 0)
				return rc;
		}
		if ((rc = state_binding_put(t, &nb)) < 0)
			return rc;
	}
	if (b->cursor != NULL && !b->stopped)
		return state_cursor_put(t, "refunds", b->cursor);
	return 0;
}

static void
rlog(const struct engine *e, const struct rwork *w)
{
	const char *oid = w->r->order_id, *rid = w->r->id;

	switch (w->action) {
	case RACT_UNCHANGED:
		log_event(LOG_DEBUG, "refund.unchanged", "phase", "refunds", "order_id", oid,
		          "refund_id", rid, NULL);
		return;
	case RACT_ECHO:
		log_event(LOG_INFO, "refund.echo", "phase", "refunds", "order_id", oid,
		          "refund_id", rid, "erp_type", w->echo.erp_type, "erp_id", w->echo.erp_id,
		          "why", "the marketplace's record of a refund sent from the ERP", NULL);
		return;
	case RACT_WAIT:
		log_event(LOG_INFO, "refund.waiting", "phase", "refunds", "order_id", oid,
		          "refund_id", rid, "why", "its order is not synced yet", NULL);
		return;
	default:
		break;
	}
	if (e->opts.dry_run && w->action == RACT_CREATE) {
		printf("would create %s %s for refund %s of order %s (%s)\n", w->match.create,
		       w->ext, rid, oid, w->match.rule);
		return;
	}
	if (w->action == RACT_CREATE && !w->done)
		return;
	if (w->rc == 0)
		log_event(LOG_INFO, "refund.created", "phase", "refunds", "order_id", oid,
		          "refund_id", rid, "erp_type", w->ref.type, "erp_id", w->ref.id,
		          "rule", w->match.rule, "external_id", w->ext, NULL);
	else
		log_event(LOG_WARN, "refund.failed", "phase", "refunds", "order_id", oid,
		          "refund_id", rid,
		          "class", sc_code_is_transient(w->rc) ? "transient" : "permanent",
		          "error", w->err.msg, "remote", w->err.remote, NULL);
}

static int
run_rbatch(struct engine *e, struct refund **refunds, size_t n, const char *cursor,
           struct refund_counts *rc_out, struct sc_error *err)
{
	struct rbatch b;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	b.e = e;
	b.n = n;
	b.cursor = cursor;
	if (n > 0 && (b.w = calloc(n, sizeof(*b.w))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		b.w[i].r = refunds[i];
	if ((rc = state_read(e->st, rplan_fn, &b, err)) < 0)
		goto done;
	if (!e->opts.dry_run) {
		if ((rc = state_write(e->st, rintents_fn, &b, err)) < 0)
			goto done;
		rwrites(&b);
		if ((rc = state_write(e->st, rcommit_fn, &b, err)) < 0)
			goto done;
	}
	for (i = 0; i < n; i++) {
		struct rwork *w = &b.w[i];

		rc_out->seen++;
		rlog(e, w);
		if (w->action == RACT_UNCHANGED || w->action == RACT_ECHO)
			rc_out->unchanged++;
		else if (w->action == RACT_WAIT)
			rc_out->waiting++;
		else if (w->action == RACT_CREATE && (e->opts.dry_run || (w->done && w->rc == 0)))
			rc_out->created++;
		else if (w->action == RACT_FAIL || w->done)
			rc_out->failed++;
	}
	rc = 0;
done:
	free(b.w);
	return rc;
}

/* ---- refunds of orders that can go now ---------------------------------- */

struct ready {
	char (*orders)[STATE_ID_MAX];
	size_t n, alloc;
	struct state_txn *t;
	int64_t now;
	const struct engine *e;
};

static int
ready_add(struct ready *r, const char *order_id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->orders[i], order_id) == 0)
			return 0;
	if (r->n == ENGINE_RETRY_MAX_PER_RUN)
		return 1;
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 16;
		void *nv = realloc(r->orders, na * sizeof(*r->orders));
		if (nv == NULL)
			return SC_ENOMEM;
		r->orders = nv;
		r->alloc = na;
	}
	state_strlcpy(r->orders[r->n++], order_id, STATE_ID_MAX);
	return 0;
}

static int
ready_binding(const struct binding *b, void *ud)
{
	struct ready *r = ud;
	struct binding ob;
	int rc;

	if (b->status != BINDING_WAITING)
		return 0;
	if ((rc = state_binding_get(r->t, KIND_ORDER, b->order_id, &ob)) < 0)
		return rc;
	if (rc == 0 || ob.erp_id[0] == '\0')
		return 0;   /* its order is still not synced */
	return ready_add(r, b->order_id);
}

static int
ready_failure(const struct failure *f, void *ud)
{
	struct ready *r = ud;
	char order_id[STATE_ID_MAX];
	const char *slash = strchr(f->id, '/');

	if (!engine_failure_due(r->e, f, r->now))
		return 0;
	if (slash == NULL || (size_t)(slash - f->id) >= sizeof(order_id))
		return 0;
	memcpy(order_id, f->id, (size_t)(slash - f->id));
	order_id[slash - f->id] = '\0';
	return ready_add(r, order_id);
}

static int
ready_fn(struct state_txn *t, void *ud)
{
	struct ready *r = ud;
	int rc;

	r->t = t;
	if ((rc = state_binding_each(t, KIND_REFUND, ready_binding, r)) < 0)
		return rc;
	return state_failure_each(t, KIND_REFUND, ready_failure, r);
}

/* Refunds that waited for their order, and due failures, order by order. */
static int
refunds_retry(struct engine *e, struct refund_counts *rc_out, struct sc_error *err)
{
	struct ready r;
	size_t i;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.now = time_now();
	r.e = e;
	if ((rc = state_read(e->st, ready_fn, &r, err)) < 0)
		goto done;
	for (i = 0; i < r.n && !engine_stopping(e); i++) {
		struct page p;
		struct sc_error perr;

		page_init(&p, (void (*)(void *))refund_free);
		sc_error_clear(&perr);
		if ((rc = e->mkt->order_refunds(e->mkt_self, r.orders[i], &p, &perr)) < 0) {
			log_event(LOG_WARN, "refunds.order_read_failed", "phase", "refunds",
			          "order_id", r.orders[i], "error", perr.msg, NULL);
			page_free(&p);
			rc = 0;
			continue;
		}
		rc_out->retried += p.n;
		rc = run_rbatch(e, (struct refund **)p.items, p.n, NULL, rc_out, err);
		page_free(&p);
		if (rc < 0)
			goto done;
	}
	rc = 0;
done:
	free(r.orders);
	return rc;
}

int
engine_refunds_of_order(struct engine *e, const char *order_id, struct refund_counts *rc_out,
                        struct sc_error *err)
{
	struct page p;
	int rc;

	if (e->rules == NULL || !(e->mkt->caps & MKT_CAP_REFUNDS) ||
	    !(e->erp->caps & ERP_CAP_REFUNDS))
		return 0;
	rc_out->ran = 1;
	page_init(&p, (void (*)(void *))refund_free);
	if ((rc = e->mkt->order_refunds(e->mkt_self, order_id, &p, err)) < 0) {
		page_free(&p);
		return 1;   /* the marketplace's trouble, in err: not the run's */
	}
	rc = run_rbatch(e, (struct refund **)p.items, p.n, NULL, rc_out, err);
	page_free(&p);
	return rc;
}

/* ---- the phase ---------------------------------------------------------- */

static int
rcursor_fn(struct state_txn *t, void *ud)
{
	char *buf = ud;
	int rc = state_cursor_get(t, "refunds", buf, ENGINE_CURSOR_MAX);

	if (rc == 0)
		buf[0] = '\0';
	return rc < 0 ? rc : 0;
}

int
engine_refunds_phase(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	struct refund_counts *rc_out = &sum->refunds;
	char cursor[ENGINE_CURSOR_MAX];
	int rc;

	if (e->rules == NULL) {
		log_event(LOG_INFO, "refunds.skipped", "phase", "refunds",
		          "why", "no [connector] refund_rules file is configured", NULL);
		return 0;
	}
	if (!(e->mkt->caps & MKT_CAP_REFUNDS) || !(e->erp->caps & ERP_CAP_REFUNDS)) {
		log_event(LOG_WARN, "refunds.skipped", "phase", "refunds", "why",
		          !(e->mkt->caps & MKT_CAP_REFUNDS) ? "the marketplace adapter cannot read refunds"
		                                           : "the ERP adapter cannot create refunds",
		          NULL);
		return 0;
	}
	rc_out->ran = 1;
	if ((rc = refunds_retry(e, rc_out, err)) < 0)
		return rc;
	if ((rc = state_read(e->st, rcursor_fn, cursor, err)) < 0)
		return rc;
	while (!engine_stopping(e)) {
		struct page p;
		struct sc_error perr;

		page_init(&p, (void (*)(void *))refund_free);
		sc_error_clear(&perr);
		rc = e->mkt->refunds_page(e->mkt_self, cursor, &p, &perr);
		if (rc < 0) {
			page_free(&p);
			if (rc == SC_EINTR || engine_stopping(e))
				return 0;
			sum->phase_error = 1;
			log_event(LOG_ERROR, "refunds.page_failed", "phase", "refunds",
			          "error", perr.msg, "remote", perr.remote, NULL);
			return 0;
		}
		rc_out->pages++;
		rc_out->failed += p.nbad;
		if ((rc = engine_record_bad(e, KIND_REFUND, "refunds", &p, err)) < 0) {
			page_free(&p);
			return rc;
		}
		rc = run_rbatch(e, (struct refund **)p.items, p.n, p.cursor, rc_out, err);
		snprintf(cursor, sizeof(cursor), "%s", p.cursor);
		state_release_pages(e->st);
		if (rc < 0 || !p.more) {
			page_free(&p);
			return rc < 0 ? rc : 0;
		}
		page_free(&p);
	}
	return 0;
}
