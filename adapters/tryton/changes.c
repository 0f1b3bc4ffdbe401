/*
 * changes.c: the changes_page slot: one stream of changes people made in
 * Tryton for sales the connector made, read by three searches, each paged
 * by id within one poll (tryton_int.h's cursor):
 *
 *   credit  customer credit notes (this file), sent to the marketplace as
 *           refunds: account.invoice [type = out, state in (posted, paid),
 *           total_amount < 0]
 *   ship    customer shipments that are done (changes_ship.c):
 *           stock.shipment.out [state = done, customer.code like %-CUS-%]
 *   cancel  sale lines whose cancelled moves a person chose to ignore
 *           (changes_ship.c): sale.line [moves_ignored != null,
 *           sale.party.code like %-CUS-%]
 *
 * each with [id > AFTER, (create_date >= SINCE or write_date >= SINCE)],
 * ordered by id, TRYTON_CHANGES_PAGE per page. A poll starts at the
 * cursor's since minus TRYTON_OVERLAP (a record saved just before the last
 * poll may commit after it); each call runs one page of every stream that
 * has not finished the poll, and puts what they report on one page; when
 * every stream is done, the time the poll began becomes the next since and
 * page->more is 0. The first run (no cursor) looks back
 * TRYTON_FIRST_LOOKBACK (a day). Tryton stores create_date and write_date as
 * naive UTC. Re-reads are the engine's to dedupe by the record's id. A
 * cursor of the credit-note-only adapter ("v1;since=T", or "v1;since=T;
 * after=N;until=U" within a poll) means what it meant for credit notes; the
 * two newer streams start that poll from T (so shipments and cancellations
 * made before the upgrade's last poll are not reported).
 *
 * Each credit note: those whose reference is one of the connector's own
 * ("<PREFIX>-RFD-...") are never reported. The others are traced line by
 * line: the line's origin (an invoice line, as the credit wizard sets it)
 * -> that line's origin (a sale line) -> its sale, whose reference is the
 * marketplace order id and whose party code "<PREFIX>-CUS-..." says the
 * connector made it; a credit note that leads to no such sale is not ours
 * and is skipped.
 *
 * struct refund: source SIDE_ERP, id = the invoice id, order_id = the
 * sale's reference, erp_type "creditNote", erp_external_id = its reference
 * (or NULL), currency from the invoice (ISO decimals), posted =
 * invoice_date. Lines: a line on a configured charge product becomes the
 * component Shipping / Promotion / Tax / GiftWrap / Other of the first item
 * line (or of a line without SKU when there is none); any other product is
 * a refund line with sku = the product's code, qty = -quantity, and
 * Principal = the line's amount (negative: components are signed as money
 * leaves the seller). A credit note that cannot be read or traced goes to
 * page->bad; a failed search fails the page (the cursor stays).
 */
#include "adapters/tryton/tryton_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/model.h"
#include "connector/money.h"
#include "connector/timeutil.h"

static const char *const charge_components[TRYTON_CH_COUNT] = {
	"Shipping", "Promotion", "Tax", "GiftWrap", "Other"
};

/* "<ISO>" at p up to ';' or the end into *out; the rest after it. */
static int
iso_at(const char *p, int64_t *out, const char **rest)
{
	size_t len = strcspn(p, ";");

	if (len == 0 || time_parse_iso8601(out, p, len) < 0)
		return -1;
	*rest = p + len;
	return 0;
}

static const char *const stream_names[TRYTON_STREAMS] = { "credit", "ship", "cancel" };

/* ";NAME=" then an id or "done" at p: 0 and *rest after it, else -1. */
static int
stream_at(const char *p, const char *name, int64_t *after, int *done, const char **rest)
{
	size_t len = strlen(name);
	char *end = NULL;

	if (p[0] != ';' || strncmp(p + 1, name, len) != 0 || p[len + 1] != '=')
		return -1;
	p += len + 2;
	if (strncmp(p, "done", 4) == 0) {
		*done = 1;
		*rest = p + 4;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*after = strtoll(p, &end, 10);
	if (errno != 0)
		return -1;
	*rest = end;
	return 0;
}

int
tryton__cursor_parse(struct tryton_cursor *out, const char *cursor, int64_t now,
                     struct sc_error *err)
{
	const char *p = NULL;
	char *end = NULL;
	int k;

	memset(out, 0, sizeof(*out));
	out->poll_start = now;
	if (cursor == NULL || cursor[0] == '\0') {
		out->since = now - TRYTON_FIRST_LOOKBACK;
		return 0;
	}
	if (strncmp(cursor, "v1;since=", 9) == 0 && iso_at(cursor + 9, &out->since, &p) == 0) {
		if (*p == '\0') {
			out->since -= TRYTON_OVERLAP;
			return 0;
		}
		if (strncmp(p, ";after=", 7) == 0 && p[7] >= '0' && p[7] <= '9') {
			errno = 0;
			out->after[TRYTON_ST_CREDIT] = strtoll(p + 7, &end, 10);
			if (errno == 0 && strncmp(end, ";until=", 7) == 0 &&
			    iso_at(end + 7, &out->poll_start, &p) == 0 && *p == '\0')
				return 0;
		}
	}
	if (strncmp(cursor, "v2;since=", 9) == 0 && iso_at(cursor + 9, &out->since, &p) == 0 &&
	    strncmp(p, ";until=", 7) == 0 && iso_at(p + 7, &out->poll_start, &p) == 0) {
		for (k = 0; k < TRYTON_STREAMS; k++)
			if (stream_at(p, stream_names[k], &out->after[k], &out->done[k], &p) < 0)
				break;
		if (k == TRYTON_STREAMS && *p == '\0')
			return 0;
	}
	memset(out, 0, sizeof(*out));
	return sc_error_set(err, SC_EMALFORMED,
	                    "Tryton changes cursor \"%.100s\" is not one this adapter wrote", cursor);
}

int
tryton__cursor_format(char *out, size_t n, const struct tryton_cursor *c)
{
	char since[21], until[21];
	size_t used;
	int w, k, begun = 0;

	time_format_iso8601(since, c->since);
	time_format_iso8601(until, c->poll_start);
	for (k = 0; k < TRYTON_STREAMS; k++)
		begun |= c->after[k] > 0 || c->done[k];
	if (!begun) {
		w = snprintf(out, n, "v1;since=%s", since);
		return w < 0 || (size_t)w >= n ? SC_ENOSPACE : 0;
	}
	w = snprintf(out, n, "v2;since=%s;until=%s", since, until);
	for (k = 0; k < TRYTON_STREAMS && w >= 0 && (size_t)w < n; k++) {
		used = (size_t)w;
		if (c->done[k])
			w = snprintf(out + used, n - used, ";%s=done", stream_names[k]);
		else
			w = snprintf(out + used, n - used, ";%s=%lld", stream_names[k],
			             (long long)c->after[k]);
		w = w < 0 ? w : w + (int)used;
	}
	return w < 0 || (size_t)w >= n ? SC_ENOSPACE : 0;
}

int
tryton__changes_domain(struct buf *d, const char *head, int64_t after, int64_t since)
{
	int rc;

	if ((rc = buf_printf(d, "[%s,[\"id\",\">\",%lld],[\"OR\",[\"create_date\",\">=\",", head,
	                     (long long)after)) < 0 ||
	    (rc = tryton__put_datetime(d, since)) < 0 ||
	    (rc = buf_puts(d, "],[\"write_date\",\">=\",")) < 0 ||
	    (rc = tryton__put_datetime(d, since)) < 0)
		return rc;
	return buf_puts(d, "]]]");
}

/* read model/id fields: 1 and *rec (borrowed from *hold, owned), 0 when the
 * record is gone, <0 error. */
static int
read_one(struct tryton *t, const char *model, int64_t id, const char *fields, json_object **hold,
         json_object **rec, struct sc_error *err)
{
	int rc;

	*hold = NULL;
	*rec = NULL;
	if ((rc = tryton__read(t, model, &id, 1, fields, hold, err)) == SC_ENOTFOUND) {
		sc_error_clear(err);
		return 0;
	}
	if (rc < 0)
		return rc;
	*rec = json_object_array_get_idx(*hold, 0);
	return 1;
}

/* "model,id" -> id when model matches. */
static int64_t
ref_id(json_object *v, const char *model)
{
	const char *s = v != NULL && json_object_is_type(v, json_type_string)
	                    ? json_object_get_string(v) : NULL;
	size_t m = strlen(model);
	char *end = NULL;
	long long id;

	if (s == NULL || strncmp(s, model, m) != 0 || s[m] != ',')
		return 0;
	id = strtoll(s + m + 1, &end, 10);
	return *end == '\0' && id > 0 ? id : 0;
}

/* The marketplace order id of the sale a credit line leads to: 1 and *order
 * (heap), 0 when it leads to none the connector made, <0 error. */
static int
trace_line(struct tryton *t, json_object *line, char **order, struct sc_error *err)
{
	json_object *h[4] = { NULL, NULL, NULL, NULL }, *rec = NULL;
	int64_t inv_line, sale_line, sale = 0, party = 0;
	const char *ref = NULL, *code, *rest = NULL;
	size_t plen = 0, i;
	int rc;

	*order = NULL;
	if ((inv_line = ref_id(tryton__member(line, "origin"), "account.invoice.line")) == 0)
		return 0;
	if ((rc = read_one(t, "account.invoice.line", inv_line, "[\"origin\"]", &h[0], &rec,
	                   err)) <= 0 ||
	    (sale_line = ref_id(tryton__member(rec, "origin"), "sale.line")) == 0 ||
	    (rc = read_one(t, "sale.line", sale_line, "[\"sale\"]", &h[1], &rec, err)) <= 0 ||
	    tryton__get_id(tryton__member(rec, "sale"), &sale, "sale", NULL) != 1 ||
	    (rc = read_one(t, "sale.sale", sale, "[\"reference\",\"party\"]", &h[2], &rec,
	                   err)) <= 0 ||
	    (ref = tryton__get_str(rec, "reference")) == NULL ||
	    tryton__get_id(tryton__member(rec, "party"), &party, "party", NULL) != 1 ||
	    (rc = read_one(t, "party.party", party, "[\"code\"]", &h[3], &rec, err)) <= 0 ||
	    (code = tryton__get_str(rec, "code")) == NULL ||
	    !tryton__eid_split(code, "-CUS-", &rest, &plen)) {
		rc = rc < 0 ? rc : 0;
		goto done;
	}
	rc = (*order = strdup(ref)) != NULL ? 1 : sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	for (i = 0; i < 4; i++)
		json_object_put(h[i]);
	return rc;
}

static int
comp_add(struct refund_line *l, const char *type, int64_t amount)
{
	struct refund_component *c = realloc(l->comps, (l->ncomps + 1) * sizeof(*c));

	if (c == NULL)
		return SC_ENOMEM;
	l->comps = c;
	memset(&c[l->ncomps], 0, sizeof(c[0]));
	snprintf(c[l->ncomps].type, sizeof(c[0].type), "%s", type);
	c[l->ncomps++].amount = amount;
	return 0;
}

/* The refund of one credit note (its record `inv`); 0 and *out, 1 when not
 * ours, <0 error (err says why). */
static int
credit_refund(struct tryton *t, json_object *inv, struct refund **out, struct sc_error *err)
{
	json_object *lines = NULL, *cur = NULL, *lv;
	struct refund *r = NULL;
	int64_t id = 0, cid = 0, *lids = NULL, posted = 0;
	const char *ref = tryton__get_str(inv, "reference"), *code, *rest = NULL;
	size_t plen = 0, nl, i, c;
	int rc = 1, exp;
	char *order = NULL;

	*out = NULL;
	if (ref != NULL && tryton__eid_split(ref, "-RFD-", &rest, &plen))
		return 1;                     /* the connector's own */
	tryton__get_id(tryton__member(inv, "id"), &id, "id", NULL);
	lv = tryton__member(inv, "lines");
	nl = lv != NULL && json_object_is_type(lv, json_type_array) ? json_object_array_length(lv) : 0;
	if (nl == 0)
		goto done;                    /* no lines: nothing to trace, not ours */
	if ((lids = calloc(nl, sizeof(*lids))) == NULL)
		goto nomem;
	for (i = 0; i < nl; i++)
		tryton__get_id(json_object_array_get_idx(lv, i), &lids[i], "line", NULL);
	if ((rc = tryton__read(t, "account.invoice.line", lids, nl,
	                       "[\"product\",\"quantity\",\"amount\",\"origin\",\"product.code\"]",
	                       &lines, err)) < 0)
		goto done;
	for (i = 0; i < nl && order == NULL; i++)
		if ((rc = trace_line(t, json_object_array_get_idx(lines, i), &order, err)) < 0)
			goto done;
	rc = 1;
	if (order == NULL)
		goto done;
	if (tryton__get_id(tryton__member(inv, "currency"), &cid, "currency", err) == 1 &&
	    (rc = tryton__read(t, "currency.currency", &cid, 1, "[\"code\"]", &cur, err)) < 0)
		goto done;                    /* Tryton's trouble (a timeout, ...): its class */
	if (cur == NULL ||
	    (code = tryton__get_str(json_object_array_get_idx(cur, 0), "code")) == NULL ||
	    (exp = money_exponent(code)) < 0) {
		rc = sc_error_set(err, SC_EINVALID, "credit note %lld: a currency with no ISO code",
		                  (long long)id);
		goto done;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->lines = calloc(nl + 1, sizeof(*r->lines))) == NULL)
		goto nomem;
	r->source = SIDE_ERP;
	r->kind = REFUND_KIND_REFUND;
	r->order_id = order;
	order = NULL;
	snprintf(r->currency, sizeof(r->currency), "%s", code);
	r->exponent = exp;
	if ((rc = tryton__get_date(tryton__member(inv, "invoice_date"), &posted, "invoice_date",
	                           err)) < 0)
		goto done;
	r->posted = posted;
	if ((r->id = malloc(24)) == NULL || (r->erp_type = strdup("creditNote")) == NULL ||
	    (ref != NULL && (r->erp_external_id = strdup(ref)) == NULL))
		goto nomem;
	snprintf(r->id, 24, "%lld", (long long)id);
	for (i = 0; i < nl; i++) {         /* item lines first */
		json_object *l = json_object_array_get_idx(lines, i);
		const char *pcode = tryton__get_str(tryton__member(l, "product."), "code");
		int64_t qty = 0, amount = 0;
		int charge = 0;

		for (c = 0; pcode != NULL && c < TRYTON_CH_COUNT; c++)
			charge |= t->charge_products[c] != NULL && strcmp(t->charge_products[c], pcode) == 0;
		if (charge)
			continue;
		if ((rc = tryton__get_qty(tryton__member(l, "quantity"), &qty, "quantity", err)) < 0 ||
		    (rc = tryton__get_decimal(tryton__member(l, "amount"), exp, &amount, "amount",
		                              err)) < 0)
			goto done;
		if (pcode != NULL && (r->lines[r->nlines].sku = strdup(pcode)) == NULL)
			goto nomem;
		r->lines[r->nlines].qty = -qty;
		if (comp_add(&r->lines[r->nlines++], "Principal", amount) < 0)
			goto nomem;
	}
	for (i = 0; i < nl; i++) {         /* then the charges onto the first line */
		json_object *l = json_object_array_get_idx(lines, i);
		const char *pcode = tryton__get_str(tryton__member(l, "product."), "code");
		int64_t amount = 0;

		for (c = 0; pcode != NULL && c < TRYTON_CH_COUNT; c++)
			if (t->charge_products[c] != NULL && strcmp(t->charge_products[c], pcode) == 0)
				break;
		if (pcode == NULL || c == TRYTON_CH_COUNT)
			continue;
		if ((rc = tryton__get_decimal(tryton__member(l, "amount"), exp, &amount, "amount",
		                              err)) < 0)
			goto done;
		if (r->nlines == 0)
			r->nlines = 1;
		if (comp_add(&r->lines[0], charge_components[c], amount) < 0)
			goto nomem;
	}
	*out = r;
	r = NULL;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	refund_free(r);
	free(order);
	free(lids);
	json_object_put(lines);
	json_object_put(cur);
	return rc;
}

static int
page_add_refund(struct page *out, struct refund *r, struct sc_error *err)
{
	struct erp_change *ch = calloc(1, sizeof(*ch));

	if (ch == NULL) {
		refund_free(r);
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	}
	ch->kind = ERP_CHANGE_REFUND;
	ch->refund = r;
	if (page_add(out, ch) < 0)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	return 0;
}

/* The credit notes of one page of the credit stream. */
static int
credit_report(struct tryton *t, const int64_t *ids, size_t n, struct page *out,
              struct sc_error *err)
{
	json_object *invs = NULL;
	size_t i;
	int rc;

	if ((rc = tryton__read(t, "account.invoice", ids, n,
	                       "[\"reference\",\"currency\",\"invoice_date\",\"lines\"]", &invs,
	                       err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		struct refund *r = NULL;
		struct sc_error e;
		char idtxt[32];

		sc_error_clear(&e);
		rc = credit_refund(t, json_object_array_get_idx(invs, i), &r, &e);
		if (rc < 0 && (sc_code_is_transient(rc) || rc == SC_EAUTH || rc == SC_ENOMEM)) {
			*err = e;
			goto done;
		}
		if (rc < 0) {
			snprintf(idtxt, sizeof(idtxt), "%lld", (long long)ids[i]);
			if ((rc = page_add_bad(out, idtxt, &e)) < 0) {
				rc = sc_error_set(err, SC_ENOMEM, "out of memory");
				goto done;
			}
		} else if (rc == 0 && (rc = page_add_refund(out, r, err)) < 0) {
			goto done;
		}
	}
	rc = 0;
done:
	json_object_put(invs);
	return rc;
}

static const struct {
	const char *model;
	const char *head;                /* the stream's own domain clauses */
	const char *what;                /* for messages */
	int (*report)(struct tryton *, const int64_t *, size_t, struct page *, struct sc_error *);
} streams[TRYTON_STREAMS] = {
	{ "account.invoice",
	  "[\"type\",\"=\",\"out\"],[\"state\",\"in\",[\"posted\",\"paid\"]],"
	  "[\"total_amount\",\"<\",{\"__class__\":\"Decimal\",\"decimal\":\"0\"}]",
	  "Tryton credit notes", credit_report },
	{ "stock.shipment.out",
	  "[\"state\",\"=\",\"done\"],[\"customer.code\",\"like\",\"%-CUS-%\"]",
	  "Tryton customer shipments", tryton__ship_report },
	{ "sale.line",
	  "[\"moves_ignored\",\"!=\",null],[\"sale.party.code\",\"like\",\"%-CUS-%\"]",
	  "Tryton sale lines with ignored moves", tryton__cancel_report },
};

int
tryton__changes_page(void *self, const char *cursor, struct page *out, struct sc_error *err)
{
	struct tryton *t = self;
	struct tryton_cursor c;
	int64_t *ids = NULL;
	size_t n = 0;
	struct buf d;
	int rc, k, all = 1;

	buf_init(&d, 0);
	if ((rc = tryton__cursor_parse(&c, cursor, time_now(), err)) < 0)
		return rc;
	out->item_free = erp_change_free;
	for (k = 0; k < TRYTON_STREAMS; k++) {
		if (c.done[k])
			continue;
		buf_reset(&d);
		if ((rc = tryton__changes_domain(&d, streams[k].head, c.after[k], c.since)) < 0) {
			rc = sc_error_set(err, rc, "out of memory");
			goto done;
		}
		if ((rc = tryton__search(t, streams[k].model, buf_cstr(&d), TRYTON_CHANGES_PAGE, &ids,
		                         &n, err)) < 0 ||
		    (n > 0 && (rc = streams[k].report(t, ids, n, out, err)) < 0)) {
			sc_error_prefix(err, "%s", streams[k].what);
			goto done;
		}
		if (n == TRYTON_CHANGES_PAGE)
			c.after[k] = ids[n - 1];
		else
			c.done[k] = 1;
		free(ids);
		ids = NULL;
	}
	for (k = 0; k < TRYTON_STREAMS; k++)
		all &= c.done[k];
	if (all) {
		c.since = c.poll_start;
		memset(c.after, 0, sizeof(c.after));
		memset(c.done, 0, sizeof(c.done));
	}
	out->more = !all;
	rc = tryton__cursor_format(out->cursor, sizeof(out->cursor), &c) < 0
	         ? sc_error_set(err, SC_ENOSPACE, "cursor too long") : 0;
done:
	free(ids);
	buf_free(&d);
	return rc;
}
