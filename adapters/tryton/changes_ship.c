/*
 * changes_ship.c: shipments and cancellations people made in Tryton for
 * sales the connector made: the ship and cancel streams of changes_page
 * (changes.c pages them; its cursor, overlap and keyset rules apply).
 *
 * Tryton 6.0 with the modules the connector needs (sale, stock) has no
 * carrier and no tracking number on a customer shipment (those come with
 * the carrier and package modules). So the warehouse types them into the
 * shipment's Reference field: "1Z999AA10123456784", or carrier first, "UPS
 * Ground 1Z999AA10123456784". The last word is the tracking number (typed
 * without blanks); the words before it, if any, are the carrier and its
 * service, else [erp] shipping_carrier names them (tryton__ship_reference).
 * Tryton's client lets a person edit Reference while the shipment is a
 * draft: a sale's shipment starts waiting, so the person resets it to
 * draft, types the reference, and goes on (wait, assign, pick, pack, done);
 * a script may write it in any state (Tryton 6.0 does not enforce the
 * client's read-only states over RPC).
 *
 * FULFILLMENT: a stock.shipment.out in state done. Its outgoing moves that
 * are done and whose origin is a sale line ("sale.line,N") lead to the
 * sale: its reference is the marketplace order id and its party's code
 * "<PREFIX>-CUS-..." says the connector made it; a shipment that leads to
 * no such sale is not ours and is skipped, one whose moves lead to two
 * sales goes to page->bad. id = the shipment's id, order_id = the sale's
 * reference, lines by sku = the product's code (moves of one product
 * summed, in the unit of the sale line: a move in another unit of the same
 * category is converted with the units' factors, and must come out whole),
 * moves on a configured charge product left out; carrier and method = the
 * carrier text, tracking as above; ship_date = effective_date (UTC
 * midnight, never later than now). A done shipment without a tracking
 * number is reported all the same: the marketplace adapter refuses it
 * naming what is missing (Amazon: "no tracking number"), which makes a
 * failure a person sees, rather than a shipment silently never confirmed.
 *
 * CANCELLATION: in Tryton 6.0 a confirmed sale cannot be cancelled; a person
 * cancels its shipment (its moves become cancelled, the sale's shipment
 * state "exception") and then handles the exception (the sale's "Handle
 * Shipment Exception" wizard): each cancelled move is either recreated (a
 * new move will ship it) or ignored (it will not ship). Only ignored moves
 * are a cancellation: a cancelled move not yet handled may still be
 * recreated, and a marketplace cancellation cannot be undone. The wizard
 * writes every line of the sale, so the cancel stream finds the lines with
 * ignored moves by write_date, and reports each of their sales once per
 * page: id = the sale's id, order_id = its reference, cancel = 1, lines by
 * sku with the quantity of its ignored, cancelled moves (in the line's
 * unit, summed per product; charge products left out): the whole state,
 * not a delta (the engine sends what the marketplace does not show
 * cancelled yet).
 *
 * A record that cannot be read or traced goes to page->bad as "MODEL,ID";
 * transient and authentication failures fail the page (the cursor stays).
 */
#include "adapters/tryton/tryton_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/model.h"
#include "connector/timeutil.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* "model,id" -> id when model matches, else 0. */
static int64_t
origin_id(json_object *v, const char *model)
{
	const char *s = v != NULL && json_object_is_type(v, json_type_string)
	                    ? json_object_get_string(v) : NULL;
	size_t m = strlen(model);
	char *end = NULL;
	long long id;

	if (s == NULL || strncmp(s, model, m) != 0 || s[m] != ',' || s[m + 1] < '0' ||
	    s[m + 1] > '9')
		return 0;
	id = strtoll(s + m + 1, &end, 10);
	return *end == '\0' && id > 0 ? id : 0;
}

static int64_t
id_of(json_object *rec)
{
	int64_t id = 0;

	tryton__get_id(tryton__member(rec, "id"), &id, "id", NULL);
	return id;
}

/* The record of `arr` whose id is `id`, or NULL. */
static json_object *
rec_by_id(json_object *arr, int64_t id)
{
	size_t i, n = arr != NULL ? json_object_array_length(arr) : 0;

	for (i = 0; i < n; i++)
		if (id_of(json_object_array_get_idx(arr, i)) == id)
			return json_object_array_get_idx(arr, i);
	return NULL;
}

/* The index of id in ids, n when absent. */
static size_t
id_index(const int64_t *ids, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n && ids[i] != id; i++)
		;
	return i;
}

/* Append id to ids unless it is there. */
static void
id_add(int64_t *ids, size_t *n, int64_t id)
{
	if (id_index(ids, *n, id) == *n)
		ids[(*n)++] = id;
}

/* The number of entries of array member `key` of rec (0: not an array). */
static size_t
id_count(json_object *rec, const char *key)
{
	json_object *v = tryton__member(rec, key);

	return v != NULL && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

/* The ids of that member appended to ids, each once (the caller made room
 * for id_count of them). */
static void
ids_take(json_object *rec, const char *key, int64_t *ids, size_t *n)
{
	json_object *v = tryton__member(rec, key);
	size_t i, cnt = id_count(rec, key);
	int64_t id;

	for (i = 0; i < cnt; i++)
		if (tryton__get_id(json_object_array_get_idx(v, i), &id, key, NULL) == 1)
			id_add(ids, n, id);
}

/* 1 when code is one of the configured charge products. */
static int
charge_product(const struct tryton *t, const char *code)
{
	int c;

	for (c = 0; c < TRYTON_CH_COUNT; c++)
		if (t->charge_products[c] != NULL && strcmp(t->charge_products[c], code) == 0)
			return 1;
	return 0;
}

/* 1 when a sale record (reference, party.code) is one the connector made. */
static int
sale_ours(json_object *sale)
{
	const char *ref = tryton__get_str(sale, "reference"), *rest = NULL;
	const char *code = tryton__get_str(tryton__member(sale, "party."), "code");
	size_t plen = 0;

	return ref != NULL && ref[0] != '\0' && code != NULL &&
	       tryton__eid_split(code, "-CUS-", &rest, &plen);
}

/* A float field as a double: 1 and *out, 0 absent or not a number. */
static int
get_float(json_object *v, double *out)
{
	if (v == NULL || !(json_object_is_type(v, json_type_double) ||
	                   json_object_is_type(v, json_type_int)))
		return 0;
	*out = json_object_get_double(v);
	return 1;
}

/* The units (product.uom: factor, rate, category) of the moves whose unit is
 * not their line's (units[i] the line's unit of moves[i]); *out NULL when
 * there is none. */
static int
units_read(struct tryton *t, json_object *moves, const int64_t *units, json_object **out,
           struct sc_error *err)
{
	size_t i, k = 0, n = json_object_array_length(moves);
	int64_t *ids = calloc(2 * n + 1, sizeof(*ids)), uom = 0;
	int rc = 0;

	*out = NULL;
	if (ids == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		uom = 0;
		tryton__get_id(tryton__member(json_object_array_get_idx(moves, i), "uom"), &uom, "uom",
		               NULL);
		if (units[i] != 0 && uom != units[i]) {
			id_add(ids, &k, uom);
			id_add(ids, &k, units[i]);
		}
	}
	if (k > 0)
		rc = tryton__read(t, "product.uom", ids, k, "[\"factor\",\"rate\",\"category\"]", out,
		                  err);
	free(ids);
	return rc;
}

/* A unit's factor, rate (1 / factor) and category: 1 when all are there. */
static int
unit_factor(json_object *u, double *factor, double *rate, int64_t *category)
{
	return u != NULL && get_float(tryton__member(u, "factor"), factor) &&
	       get_float(tryton__member(u, "rate"), rate) && *factor > 0 && *rate > 0 &&
	       tryton__get_id(tryton__member(u, "category"), category, "category", NULL) == 1;
}

/* A move's quantity in unit `to`: 0 and *out; SC_EINVALID when it cannot be
 * converted or is not a whole number there. Converted as Tryton's
 * compute_qty does, through the base unit of the category, by each unit's
 * factor when it is >= 1, else by its rate (the more accurate of the two). */
static int
move_qty(json_object *move, int64_t to, json_object *units, int64_t *out, struct sc_error *err)
{
	double q = 0, ff = 0, fr = 0, tf = 0, tr = 0, d;
	int64_t from = 0, fc = 0, tc = 0, whole;

	tryton__get_id(tryton__member(move, "uom"), &from, "uom", NULL);
	if (!get_float(tryton__member(move, "quantity"), &q) || q < 0 || q > 1e15)
		return sc_error_set(err, SC_EMALFORMED, "move %lld: no quantity",
		                    (long long)id_of(move));
	if (from != to) {
		if (!unit_factor(rec_by_id(units, from), &ff, &fr, &fc) ||
		    !unit_factor(rec_by_id(units, to), &tf, &tr, &tc) || fc != tc)
			return sc_error_set(err, SC_EINVALID, "move %lld is in unit %lld, which does not "
			                    "convert to its sale line's unit %lld", (long long)id_of(move),
			                    (long long)from, (long long)to);
		q = ff >= 1 ? q * ff : q / fr;
		q = tf >= 1 ? q / tf : q * tr;
	}
	whole = (int64_t)(q + 0.5);
	d = q - (double)whole;
	if (d > 1e-6 || d < -1e-6)
		return sc_error_set(err, SC_EINVALID, "move %lld: %g units of its sale line is not a "
		                    "whole quantity", (long long)id_of(move), q);
	*out = whole;
	return 0;
}

/* Add qty of sku (copied) to f, summing lines of one SKU. */
static int
line_add(struct fulfillment *f, const char *sku, int64_t qty)
{
	struct fulfillment_line *nl;
	size_t i;

	for (i = 0; i < f->nlines; i++)
		if (strcmp(f->lines[i].sku, sku) == 0)
			return __builtin_add_overflow(f->lines[i].qty, qty, &f->lines[i].qty) ? SC_EINVALID
			                                                                     : 0;
	if ((nl = realloc(f->lines, (f->nlines + 1) * sizeof(*nl))) == NULL)
		return SC_ENOMEM;
	f->lines = nl;
	memset(&nl[f->nlines], 0, sizeof(*nl));
	if ((nl[f->nlines].sku = strdup(sku)) == NULL)
		return SC_ENOMEM;
	nl[f->nlines++].qty = qty;
	return 0;
}

static struct erp_change *
change_new(enum erp_change_kind kind, int64_t id, const char *order_id)
{
	struct erp_change *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->fulfillment = calloc(1, sizeof(*c->fulfillment))) == NULL ||
	    (c->fulfillment->id = malloc(24)) == NULL ||
	    (c->fulfillment->order_id = strdup(order_id)) == NULL) {
		erp_change_free(c);
		return NULL;
	}
	snprintf(c->fulfillment->id, 24, "%lld", (long long)id);
	c->kind = kind;
	c->fulfillment->cancel = kind == ERP_CHANGE_CANCELLATION;
	return c;
}

/* Report c on out (taken), or record id's error as page->bad; <0 when the
 * page must fail. */
static int
report(struct page *out, const char *model, int64_t id, int rc, struct erp_change *c,
       struct sc_error *e, struct sc_error *err)
{
	char bad[64];

	if (rc < 0 && (sc_code_is_transient(rc) || rc == SC_EAUTH || rc == SC_ENOMEM)) {
		erp_change_free(c);
		*err = *e;
		return rc;
	}
	if (rc < 0) {
		erp_change_free(c);
		snprintf(bad, sizeof(bad), "%s,%lld", model, (long long)id);
		sc_error_prefix(e, "Tryton %s %lld", model, (long long)id);
		return page_add_bad(out, bad, e) < 0 ? sc_error_set(err, SC_ENOMEM, "out of memory") : 0;
	}
	if (c != NULL && page_add(out, c) < 0)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	return 0;
}

/* ---- carrier and tracking --------------------------------------------------------------- */

int
tryton__ship_reference(const char *reference, const char *conf_carrier, char **carrier,
                       char **tracking)
{
	const char *s = reference != NULL ? reference : "", *end, *last;
	size_t clen;

	*carrier = NULL;
	*tracking = NULL;
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (last = end; last > s && !isspace((unsigned char)last[-1]); last--)
		;
	if (last < end && (*tracking = strndup(last, (size_t)(end - last))) == NULL)
		return SC_ENOMEM;
	for (clen = (size_t)(last - s); clen > 0 && isspace((unsigned char)s[clen - 1]); clen--)
		;
	if (clen > 0)
		*carrier = strndup(s, clen);
	else if (conf_carrier != NULL && conf_carrier[0] != '\0')
		*carrier = strdup(conf_carrier);
	else
		return 0;
	if (*carrier == NULL) {
		free(*tracking);
		*tracking = NULL;
		return SC_ENOMEM;
	}
	return 0;
}

/* ---- a done shipment ------------------------------------------------------------------- */

/* The fulfillment of shipment record shp: 0 and *out (NULL when it is not
 * one of the connector's sales'), <0 error. */
static int
ship_change(struct tryton *t, json_object *shp, struct erp_change **out, struct sc_error *err)
{
	json_object *moves = NULL, *lines = NULL, *sales = NULL, *units = NULL, *sale = NULL;
	int64_t id = id_of(shp), *mids = NULL, *lids = NULL, *sids = NULL, *to = NULL;
	size_t nm = 0, nl = 0, ns = 0, i;
	struct erp_change *c = NULL;
	struct fulfillment *f;
	int64_t qty, day = 0, now;
	int rc = 0;

	*out = NULL;
	if ((mids = calloc(id_count(shp, "outgoing_moves") + 1, sizeof(*mids))) == NULL)
		goto nomem;
	ids_take(shp, "outgoing_moves", mids, &nm);
	if (nm == 0)
		goto done;
	if ((rc = tryton__read(t, "stock.move", mids, nm,
	                       "[\"product.code\",\"quantity\",\"uom\",\"origin\",\"state\"]", &moves,
	                       err)) < 0)
		goto done;
	if ((lids = calloc(nm + 1, sizeof(*lids))) == NULL || (to = calloc(nm + 1, sizeof(*to))) == NULL ||
	    (sids = calloc(nm + 1, sizeof(*sids))) == NULL)
		goto nomem;
	for (i = 0; i < nm; i++) {
		json_object *m = json_object_array_get_idx(moves, i);
		const char *st = tryton__get_str(m, "state");
		int64_t line = origin_id(tryton__member(m, "origin"), "sale.line");

		if (line > 0 && st != NULL && strcmp(st, "done") == 0)
			id_add(lids, &nl, line);
	}
	if (nl == 0)
		goto done;                         /* nothing shipped from a sale */
	if ((rc = tryton__read(t, "sale.line", lids, nl, "[\"sale\",\"unit\"]", &lines, err)) < 0)
		goto done;
	for (i = 0; i < nl; i++) {
		int64_t s = 0;

		if (tryton__get_id(tryton__member(json_object_array_get_idx(lines, i), "sale"), &s,
		                   "sale", NULL) == 1)
			id_add(sids, &ns, s);
	}
	if (ns == 0)
		goto done;
	if ((rc = tryton__read(t, "sale.sale", sids, ns, "[\"reference\",\"party.code\"]", &sales,
	                       err)) < 0)
		goto done;
	for (i = 0; i < ns && !sale_ours(json_object_array_get_idx(sales, i)); i++)
		;
	if (i == ns)
		goto done;                         /* not a sale the connector made */
	if (ns > 1) {
		rc = sc_error_set(err, SC_EINVALID, "shipment %lld holds the moves of sales %lld and "
		                  "%lld; the connector confirms a shipment of one order only",
		                  (long long)id, (long long)sids[0], (long long)sids[1]);
		goto done;
	}
	sale = json_object_array_get_idx(sales, 0);
	if ((c = change_new(ERP_CHANGE_FULFILLMENT, id, tryton__get_str(sale, "reference"))) == NULL)
		goto nomem;
	f = c->fulfillment;
	for (i = 0; i < nm; i++) {                 /* each move's line unit */
		json_object *m = json_object_array_get_idx(moves, i);
		const char *st = tryton__get_str(m, "state");
		json_object *l = rec_by_id(lines, origin_id(tryton__member(m, "origin"), "sale.line"));

		if (l != NULL && st != NULL && strcmp(st, "done") == 0)
			tryton__get_id(tryton__member(l, "unit"), &to[i], "unit", NULL);
	}
	if ((rc = units_read(t, moves, to, &units, err)) < 0)
		goto done;
	for (i = 0; i < nm; i++) {
		json_object *m = json_object_array_get_idx(moves, i);
		const char *code = tryton__get_str(tryton__member(m, "product."), "code");

		if (to[i] == 0)
			continue;                      /* not done, or not from a sale line */
		if (code == NULL || code[0] == '\0') {
			rc = sc_error_set(err, SC_EINVALID, "move %lld: its product has no code (the "
			                  "marketplace's SKU)", (long long)id_of(m));
			goto done;
		}
		if (charge_product(t, code))
			continue;
		if ((rc = move_qty(m, to[i], units, &qty, err)) < 0)
			goto done;
		if (qty > 0 && (rc = line_add(f, code, qty)) < 0) {
			rc = sc_error_set(err, rc, rc == SC_ENOMEM ? "out of memory" : "quantities overflow");
			goto done;
		}
	}
	if (f->nlines == 0) {
		rc = sc_error_set(err, SC_EINVALID, "shipment %lld is done with no item to report",
		                  (long long)id);
		goto done;
	}
	if (tryton__ship_reference(tryton__get_str(shp, "reference"), t->shipping_carrier,
	                           &f->carrier, &f->tracking) < 0 ||
	    (f->carrier != NULL && (f->method = strdup(f->carrier)) == NULL))
		goto nomem;
	if ((rc = tryton__get_date(tryton__member(shp, "effective_date"), &day, "effective_date",
	                           err)) < 0)
		goto done;
	now = time_now();
	f->ship_date = day > now ? now : day;
	*out = c;
	c = NULL;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	erp_change_free(c);
	json_object_put(moves);
	json_object_put(lines);
	json_object_put(sales);
	json_object_put(units);
	free(mids);
	free(lids);
	free(sids);
	free(to);
	return rc;
}

int
tryton__ship_report(struct tryton *t, const int64_t *ids, size_t n, struct page *out,
                    struct sc_error *err)
{
	json_object *shps = NULL;
	size_t i;
	int rc;

	if ((rc = tryton__read(t, "stock.shipment.out", ids, n,
	                       "[\"reference\",\"effective_date\",\"outgoing_moves\"]", &shps,
	                       err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		struct erp_change *c = NULL;
		struct sc_error e;

		sc_error_clear(&e);
		rc = ship_change(t, json_object_array_get_idx(shps, i), &c, &e);
		if ((rc = report(out, "stock.shipment.out", ids[i], rc, c, &e, err)) < 0)
			goto done;
	}
	rc = 0;
done:
	json_object_put(shps);
	return rc;
}

/* ---- ignored moves: cancellations ----------------------------------------------------- */

/* The cancellation of sale `sale`: 0 and *out (NULL when it is not one
 * the connector made, or nothing of it is cancelled), <0 error. */
static int
cancel_change(struct tryton *t, int64_t sale, struct erp_change **out, struct sc_error *err)
{
	json_object *srec = NULL, *lines = NULL, *moves = NULL, *units = NULL, *s;
	int64_t *lids = NULL, *mids = NULL, *to = NULL, qty;
	size_t nl = 0, nm = 0, i, j, k;
	struct erp_change *c = NULL;
	int rc;

	*out = NULL;
	if ((rc = tryton__read(t, "sale.sale", &sale, 1, "[\"reference\",\"party.code\",\"lines\"]",
	                       &srec, err)) < 0)
		goto done;
	s = json_object_array_get_idx(srec, 0);
	if (!sale_ours(s))
		goto done;
	if ((lids = calloc(id_count(s, "lines") + 1, sizeof(*lids))) == NULL)
		goto nomem;
	ids_take(s, "lines", lids, &nl);
	if (nl == 0)
		goto done;
	if ((rc = tryton__read(t, "sale.line", lids, nl,
	                       "[\"product.code\",\"unit\",\"moves_ignored\"]", &lines, err)) < 0)
		goto done;
	for (i = 0, k = 0; i < nl; i++)
		k += id_count(json_object_array_get_idx(lines, i), "moves_ignored");
	if (k == 0)
		goto done;
	if ((mids = calloc(k + 1, sizeof(*mids))) == NULL || (to = calloc(k + 1, sizeof(*to))) == NULL)
		goto nomem;
	for (i = 0; i < nl; i++)
		ids_take(json_object_array_get_idx(lines, i), "moves_ignored", mids, &nm);
	if ((rc = tryton__read(t, "stock.move", mids, nm, "[\"quantity\",\"uom\",\"state\"]", &moves,
	                       err)) < 0)
		goto done;
	for (i = 0; i < nl; i++) {                 /* each move's line unit */
		json_object *l = json_object_array_get_idx(lines, i);
		json_object *ign = tryton__member(l, "moves_ignored");
		int64_t unit = 0, mid = 0;

		tryton__get_id(tryton__member(l, "unit"), &unit, "unit", NULL);
		for (k = 0; k < id_count(l, "moves_ignored"); k++)
			if (tryton__get_id(json_object_array_get_idx(ign, k), &mid, "move", NULL) == 1 &&
			    (j = id_index(mids, nm, mid)) < nm)
				to[j] = unit;
	}
	if ((rc = units_read(t, moves, to, &units, err)) < 0)
		goto done;
	if ((c = change_new(ERP_CHANGE_CANCELLATION, sale, tryton__get_str(s, "reference"))) == NULL)
		goto nomem;
	for (i = 0; i < nl; i++) {
		json_object *l = json_object_array_get_idx(lines, i);
		json_object *ign = tryton__member(l, "moves_ignored");
		const char *code = tryton__get_str(tryton__member(l, "product."), "code");
		int64_t mid = 0;

		if (id_count(l, "moves_ignored") == 0 || (code != NULL && charge_product(t, code)))
			continue;
		if (code == NULL || code[0] == '\0') {
			rc = sc_error_set(err, SC_EINVALID, "sale line %lld: its product has no code (the "
			                  "marketplace's SKU)", (long long)id_of(l));
			goto done;
		}
		for (k = 0; k < id_count(l, "moves_ignored"); k++) {
			json_object *m;
			const char *st;

			if (tryton__get_id(json_object_array_get_idx(ign, k), &mid, "move", NULL) != 1 ||
			    (j = id_index(mids, nm, mid)) == nm)
				continue;
			m = json_object_array_get_idx(moves, j);
			if ((st = tryton__get_str(m, "state")) == NULL || strcmp(st, "cancelled") != 0)
				continue;                  /* only what was cancelled, then ignored */
			if ((rc = move_qty(m, to[j], units, &qty, err)) < 0)
				goto done;
			if (qty > 0 && (rc = line_add(c->fulfillment, code, qty)) < 0) {
				rc = sc_error_set(err, rc, rc == SC_ENOMEM ? "out of memory"
				                                          : "quantities overflow");
				goto done;
			}
		}
	}
	if (c->fulfillment->nlines > 0) {
		*out = c;
		c = NULL;
	}
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	erp_change_free(c);
	json_object_put(srec);
	json_object_put(lines);
	json_object_put(moves);
	json_object_put(units);
	free(lids);
	free(mids);
	free(to);
	return rc;
}

int
tryton__cancel_report(struct tryton *t, const int64_t *ids, size_t n, struct page *out,
                      struct sc_error *err)
{
	json_object *lines = NULL;
	int64_t *sids = NULL;
	size_t ns = 0, i;
	int rc;

	if ((rc = tryton__read(t, "sale.line", ids, n, "[\"sale\"]", &lines, err)) < 0)
		goto done;
	if ((sids = calloc(n + 1, sizeof(*sids))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		int64_t s = 0;

		if (tryton__get_id(tryton__member(json_object_array_get_idx(lines, i), "sale"), &s,
		                   "sale", NULL) == 1)
			id_add(sids, &ns, s);          /* each sale once, in line order */
	}
	for (i = 0; i < ns; i++) {
		struct erp_change *c = NULL;
		struct sc_error e;

		sc_error_clear(&e);
		rc = cancel_change(t, sids[i], &c, &e);
		if ((rc = report(out, "sale.sale", sids[i], rc, c, &e, err)) < 0)
			goto done;
	}
	rc = 0;
done:
	json_object_put(lines);
	free(sids);
	return rc;
}
