/*
 * engine_ship.c: shipments and cancellations made in the ERP, back to the
 * marketplace (the FULFILLMENT and CANCELLATION items of the ERP changes).
 *
 * A shipment (binding KIND_FULFILLMENT, key = the ERP shipment record's id)
 * is sent once: the marketplace's order is read (order_get) to find each
 * line's marketplace item by SKU and what it already shows shipped or
 * cancelled; only what is still open is confirmed (a partial shipment sends
 * its lines, the rest later its own). Nothing is sent for an order the
 * marketplace fulfils itself (its own warehouse ships; the ERP record
 * only relieves inventory) or whose lines the marketplace already shows
 * shipped.
 *
 * A cancellation (key "cancel/ORDER") carries the ERP's whole closed state;
 * what is sent is, per line, the closed quantity the marketplace does not
 * already show cancelled (or shipped): so an order the marketplace itself
 * cancelled, whose lines the connector then closed in the ERP, is never
 * echoed back. One cancellation of an order is in flight at a time (the
 * binding is PENDING until the feed's report says), and the binding's hash
 * is the content sent: the same cancellation is not sent again after it
 * was accepted or refused; a new closed line makes a new one.
 *
 * Marketplace writes are not idempotent: an intent is committed before each
 * push; a run killed during one leaves it PENDING with a failure for a
 * person (engine_back_intent_unknown), never resent by itself. A refusal is
 * a permanent failure with the marketplace's words; a transient failure
 * (429, 5xx, timeout) holds the changes cursor so the page is read again and
 * the push retried next run.
 */
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
engine_ship_able(const struct engine *e)
{
	return (e->opts.phases & PHASE_SHIPMENTS) && (e->mkt->caps & MKT_CAP_FULFILLMENT_PUSH) &&
	       e->mkt->fulfillment_push != NULL && (e->erp->caps & ERP_CAP_CHANGES) &&
	       e->mkt->order_get != NULL;
}

struct ship {
	struct engine *e;
	const struct fulfillment *f;     /* as the ERP reported it */
	struct fulfillment send;         /* what goes: lines with line_id, qty still open */
	char key[STATE_ID_MAX];
	unsigned char hash[32];
	struct binding prev;
	int had;
	int push_rc;
	struct sc_error push_err;
	char sub[STATE_ERPID_MAX];
	int64_t now;
};

void
engine_ship_key(const struct fulfillment *f, char *out, size_t n)
{
	if (f->cancel)
		snprintf(out, n, "cancel/%s", f->order_id);
	else
		snprintf(out, n, "%s", f->id);
}

/* The content sent: lines (item, quantity) in order. */
static void
ship_hash(const struct fulfillment *f, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	size_t i;

	memset(out, 0, 32);
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto done;
	for (i = 0; i < f->nlines; i++) {
		char q[32];

		snprintf(q, sizeof(q), "|%lld|", (long long)f->lines[i].qty);
		EVP_DigestUpdate(ctx, f->lines[i].line_id, strlen(f->lines[i].line_id));
		EVP_DigestUpdate(ctx, q, strlen(q));
	}
	EVP_DigestFinal_ex(ctx, out, &len);
done:
	EVP_MD_CTX_free(ctx);
}

static int
ship_plan_fn(struct state_txn *t, void *ud)
{
	struct ship *s = ud;
	struct binding ob;
	int rc;

	if ((rc = state_binding_get(t, KIND_FULFILLMENT, s->key, &s->prev)) < 0)
		return rc;
	s->had = rc == 1;
	if ((rc = state_binding_get(t, KIND_ORDER, s->f->order_id, &ob)) < 0)
		return rc;
	return rc == 1 && ob.erp_id[0] != '\0' ? 1 : 2;   /* 2: not an order we synced */
}

/* What of the ERP's lines is still open on the marketplace. *why when
 * nothing is. */
static int
ship_lines(struct ship *s, const struct order *o, const char **why, struct sc_error *err)
{
	const struct fulfillment *f = s->f;
	size_t i, j;

	if (o->fulfilled_by != NULL && strcmp(o->fulfilled_by, "marketplace") == 0) {
		*why = "the marketplace fulfils this order itself";
		return 0;
	}
	if (f->nlines > 0 && (s->send.lines = calloc(f->nlines, sizeof(*s->send.lines))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < f->nlines; i++) {
		const struct fulfillment_line *fl = &f->lines[i];
		const struct order_line *hit = NULL;
		int64_t open, want;

		if (fl->line_id != NULL && fl->line_id[0] != '\0') {
			for (j = 0; j < o->nlines && hit == NULL; j++)
				if (strcmp(fl->line_id, o->lines[j].line_id) == 0)
					hit = &o->lines[j];
		} else {
			hit = engine_order_line_by_sku(o, fl->sku);
		}
		if (hit == NULL)
			return sc_error_set(err, SC_EINVALID,
			    "%s %s of order %s: line %zu (item %s) matches no item of the order on "
			    "the marketplace", f->cancel ? "cancellation" : "shipment", f->id,
			    f->order_id, i + 1, fl->sku != NULL ? fl->sku : "(none)");
		open = hit->qty - hit->qty_shipped - hit->qty_cancelled;
		/* a cancellation states the whole closed quantity: what the
		 * marketplace shows cancelled already is not sent again */
		want = f->cancel ? fl->qty - hit->qty_cancelled : fl->qty;
		if (want > open)
			want = open;
		if (want <= 0)
			continue;
		s->send.lines[s->send.nlines].line_id = hit->line_id;
		s->send.lines[s->send.nlines].sku = fl->sku;
		s->send.lines[s->send.nlines].qty = want;
		s->send.nlines++;
	}
	if (s->send.nlines == 0)
		*why = f->cancel ? "the marketplace shows these lines cancelled (or shipped) already"
		                 : "the marketplace shows these lines shipped (or cancelled) already";
	return 0;
}

static int
ship_intent_fn(struct state_txn *t, void *ud)
{
	struct ship *s = ud;
	struct intent in;

	memset(&in, 0, sizeof(in));
	in.kind = KIND_FULFILLMENT;
	state_strlcpy(in.id, s->key, sizeof(in.id));
	state_strlcpy(in.op, s->f->cancel ? "feed" : "ship", sizeof(in.op));
	state_strlcpy(in.erp_type, s->f->cancel ? "cancellation" : "shipment", sizeof(in.erp_type));
	in.created = s->now;
	return state_intent_put(t, &in);
}

static int
ship_commit_fn(struct state_txn *t, void *ud)
{
	struct ship *s = ud;
	struct binding nb;
	struct failure prevf;
	int rc, hadf;

	if ((rc = state_intent_del(t, KIND_FULFILLMENT, s->key)) < 0)
		return rc;
	if ((rc = state_failure_get(t, KIND_FULFILLMENT, s->key, &prevf)) < 0)
		return rc;
	hadf = rc == 1;
	if (s->push_rc != 0 && sc_code_is_transient(s->push_rc))
		/* nothing stored but the failure: the page is read again */
		return engine_failure_put(t, s->e, KIND_FULFILLMENT, s->key, "shipments",
		                          s->push_rc, &s->push_err, hadf ? &prevf : NULL, s->now);
	memset(&nb, 0, sizeof(nb));
	if (s->had)
		nb = s->prev;
	else
		nb.first_seen = s->now;
	nb.kind = KIND_FULFILLMENT;
	state_strlcpy(nb.id, s->key, sizeof(nb.id));
	state_strlcpy(nb.order_id, s->f->order_id, sizeof(nb.order_id));
	state_strlcpy(nb.erp_type, s->f->cancel ? "cancellation" : "shipment", sizeof(nb.erp_type));
	state_strlcpy(nb.erp_id, s->f->id, sizeof(nb.erp_id));
	memcpy(nb.hash, s->hash, sizeof(nb.hash));
	nb.updated = s->now;
	nb.attempts++;
	if (s->push_rc == 0 && s->sub[0] == '\0') {
		nb.status = BINDING_SYNCED;
		nb.synced = s->now;
		snprintf(nb.detail, sizeof(nb.detail), "confirmed: %zu line(s), %s %s",
		         s->send.nlines, s->f->carrier ? s->f->carrier : "",
		         s->f->tracking ? s->f->tracking : "");
		return (rc = state_failure_del(t, KIND_FULFILLMENT, s->key)) < 0 ? rc :
		       state_binding_put(t, &nb);
	}
	if (s->push_rc == 0) {
		nb.status = BINDING_PENDING;
		snprintf(nb.detail, sizeof(nb.detail), "feed %s message 1", s->sub);
		return (rc = state_failure_del(t, KIND_FULFILLMENT, s->key)) < 0 ? rc :
		       state_binding_put(t, &nb);
	}
	/* refused, or (ECONFLICT) it may have been sent: never again by itself */
	nb.status = s->push_rc == SC_ECONFLICT ? BINDING_PENDING : BINDING_FAILED;
	snprintf(nb.detail, sizeof(nb.detail), "%s",
	         s->push_rc == SC_ECONFLICT ? "sent, outcome unknown" : "refused");
	if ((rc = engine_failure_put(t, s->e, KIND_FULFILLMENT, s->key, "shipments", s->push_rc,
	                             &s->push_err, hadf ? &prevf : NULL, s->now)) < 0)
		return rc;
	return state_binding_put(t, &nb);
}

static void
ship_print(const struct ship *s)
{
	size_t i;

	printf("would %s order %s:", s->f->cancel ? "cancel on the marketplace lines of" :
	       "confirm to the marketplace the shipment of", s->f->order_id);
	for (i = 0; i < s->send.nlines; i++)
		printf(" %s x%lld", s->send.lines[i].sku ? s->send.lines[i].sku :
		       s->send.lines[i].line_id, (long long)s->send.lines[i].qty);
	if (!s->f->cancel)
		printf(" (%s %s)", s->f->carrier ? s->f->carrier : "",
		       s->f->tracking ? s->f->tracking : "");
	printf("\n");
}

/* One change: 0 done (counted), <0 run error. */
static int
ship_one(struct engine *e, const struct fulfillment *f, struct refund_counts *sc, int *hold,
         struct sc_error *err)
{
	struct ship s;
	struct order *o = NULL;
	struct sc_error gerr;
	const char *why = NULL;
	int rc;

	memset(&s, 0, sizeof(s));
	s.e = e;
	s.f = f;
	s.now = time_now();
	sc->seen++;
	if (f->order_id == NULL || f->id == NULL)
		return 0;
	engine_ship_key(f, s.key, sizeof(s.key));
	if ((rc = state_read(e->st, ship_plan_fn, &s, err)) < 0)
		return rc;
	if (rc == 2) {
		log_event(LOG_DEBUG, "shipment.skipped", "phase", "shipments", "erp_id", f->id,
		          "why", "its order was not synced by the connector", NULL);
		sc->unchanged++;
		return 0;
	}
	if (!f->cancel && s.had && s.prev.status != BINDING_FAILED) {
		sc->unchanged++;   /* a shipment is sent once (a refused one again when
		                      the ERP record changes) */
		return 0;
	}
	if (f->cancel && s.had && s.prev.status == BINDING_PENDING) {
		sc->unchanged++;   /* the last cancellation's report is not in yet */
		return 0;
	}
	sc_error_clear(&gerr);
	rc = e->mkt->order_get(e->mkt_self, f->order_id, &o, &gerr);
	if (rc == 0 && (rc = engine_order_map_skus(e, o)) < 0)
		sc_error_set(&gerr, rc, "out of memory");
	if (rc == 0)
		rc = ship_lines(&s, o, &why, &gerr);
	if (rc < 0) {
		s.push_rc = rc;
		s.push_err = gerr;
		goto commit;
	}
	if (s.send.nlines == 0) {
		log_event(LOG_INFO, "shipment.nothing_to_send", "phase", "shipments", "erp_id", f->id,
		          "order_id", f->order_id, "why", why, NULL);
		sc->unchanged++;
		goto done;
	}
	ship_hash(&s.send, s.hash);
	if (f->cancel && s.had && memcmp(s.prev.hash, s.hash, sizeof(s.hash)) == 0) {
		sc->unchanged++;   /* this very cancellation was sent (accepted or refused) */
		goto done;
	}
	s.send.id = f->id;
	s.send.order_id = f->order_id;
	s.send.cancel = f->cancel;
	s.send.reason = f->reason;
	s.send.carrier = f->carrier;
	s.send.method = f->method;
	s.send.tracking = f->tracking;
	s.send.ship_date = f->ship_date;
	s.send.channel = o->channel;
	if (e->opts.dry_run) {
		ship_print(&s);
		sc->created++;
		goto done;
	}
	if ((rc = state_write(e->st, ship_intent_fn, &s, err)) < 0)
		goto out;
	sc_error_clear(&s.push_err);
	s.push_rc = e->mkt->fulfillment_push(e->mkt_self, &s.send, s.sub, sizeof(s.sub),
	                                     &s.push_err);
commit:
	if (s.push_rc == 0)
		*(s.sub[0] ? &sc->waiting : &sc->created) += 1;
	else
		sc->failed++;
	if (s.push_rc != 0 && sc_code_is_transient(s.push_rc))
		*hold = 1;
	log_event(s.push_rc == 0 ? LOG_INFO : LOG_WARN,
	          s.push_rc != 0 ? (f->cancel ? "cancellation.failed" : "shipment.failed") :
	          f->cancel ? "cancellation.sent" : "shipment.confirmed",
	          "phase", "shipments", "erp_id", f->id, "order_id", f->order_id,
	          "feed", s.sub, "error", s.push_rc == 0 ? "" : s.push_err.msg,
	          "remote", s.push_err.remote, NULL);
	if (!e->opts.dry_run && (rc = state_write(e->st, ship_commit_fn, &s, err)) < 0)
		goto out;
done:
	rc = 0;
out:
	/* the send copy borrows every string: only its line array is ours */
	free(s.send.lines);
	order_free(o);
	return rc;
}

int
engine_ship_page(struct engine *e, const struct page *p, struct refund_counts *sc, int *hold,
                 struct sc_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < p->n && !engine_stopping(e); i++) {
		const struct erp_change *ch = p->items[i];

		if ((ch->kind != ERP_CHANGE_FULFILLMENT && ch->kind != ERP_CHANGE_CANCELLATION) ||
		    ch->fulfillment == NULL)
			continue;
		if ((rc = ship_one(e, ch->fulfillment, sc, hold, err)) < 0)
			return rc;
	}
	if (engine_stopping(e))
		*hold = 1;   /* the rest of the page is read again */
	return 0;
}
