/*
 * changes.c: refunds made in NetSuite by people, for orders the connector
 * synced (the "refund" query of the changes stream: changes_stream.c drives
 * it with the "ship" and "close" queries of changes_ship.c); the helpers
 * those share (SuiteQL pages, tracing, item ids, the v1 cursor); and the
 * external-id rules.
 *
 * Query: one SuiteQL page per call,
 *   SELECT id, type, externalid, createdfrom,
 *          TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified
 *   FROM transaction WHERE type IN ('CashRfnd', 'CustCred', 'CustRfnd')
 *     AND lastmodifieddate >= TO_TIMESTAMP('...', 'YYYY-MM-DD HH24:MI:SS')
 *   ORDER BY lastmodifieddate, id
 * (TO_CHAR: SuiteQL prints a bare datetime column in the user's date format,
 * without the time). The adapter reports every type of the three; which go
 * back to the marketplace is the refund rules' [to_marketplace], applied by
 * the engine.
 *
 * Paging (each query of the stream): a poll starts at the query's
 * watermark minus NETSUITE_OVERLAP (5 minutes: a record saved just before
 * the last poll may commit after it); the last page of a poll moves the
 * watermark to the newest modification time seen. Between the pages of one
 * poll the query continues "after T, skip n": rows modified at or after T,
 * the first n of which (those modified exactly then) were on earlier pages;
 * keyset paging, so a record modified during the poll moves to the end
 * instead of shifting a page. The first run (no cursor) looks back
 * NETSUITE_FIRST_LOOKBACK (a day): a record can only trace to an order the
 * connector synced, so nothing older than the connector's own orders can
 * come back. Times are NetSuite's text read as UTC; lastmodifieddate's time
 * zone is the user's preference [U], which only shifts the first run's
 * window (later cursors are NetSuite's own values). Re-reads (overlap, a
 * record edited again) are the engine's to dedupe by the record's id. The
 * cursor text is changes_stream.c's ("v2;refund=...;ship=...;close=...");
 * this file's "v1;since=<ISO>" / "v1;after=<ISO>;skip=<n>" (the refund
 * query alone, written by older runs) is still read as the refund query's.
 *
 * Each row: records the connector made itself (external id
 * "<PREFIX>-RFD-...", including the "-CM" credit memos of its customer
 * refunds) are never reported: the engine's bindings would suppress them
 * too. The others are read (GET, expanded) and traced through createdfrom
 * (SuiteQL by id, at most 5 hops: creditMemo -> invoice -> salesOrder,
 * cashRefund -> returnAuthorization -> cashSale; a customerRefund through the
 * credit memo it applies) to a record whose external id is
 * "<PREFIX>-ORD-<orderId>"; records that lead to none are not ours and are
 * skipped. So are records that pass one of the connector's own refund
 * records (anything "<PREFIX>-RFD-..." but a "-BILL" invoice or cash sale):
 * a credit memo a person makes from the connector's return authorization,
 * or a customer refund paying the connector's credit memo, completes a
 * marketplace refund that already exists; reporting it would refund the
 * buyer twice. Passing a return authorization makes the refund a return.
 *
 * struct refund: source SIDE_ERP, id = internal id, erp_type = cashRefund |
 * creditMemo | customerRefund, erp_external_id = its external id (or NULL),
 * currency from the record, posted = tranDate. Lines from the item sublist:
 * a configured charge item (shipping_item_id, ...) becomes the component
 * Shipping / Promotion / Tax / GiftWrap / Other of the first item line (or
 * of a line without SKU when there is none); any other item is a refund line
 * with sku = the item's itemid (looked up by id, cached with the items),
 * qty, and Principal = -amount (components are signed as money leaves the
 * seller). line_id is left NULL: orders carry no order-item column in
 * NetSuite, the engine matches lines by SKU. A customerRefund without item
 * lines takes the lines of each credit memo it applies in full, and an
 * amount-only line (no SKU, Principal) for what it applies otherwise.
 *
 * A row that cannot be read or traced goes to page->bad; a transient or
 * authentication failure fails the page (the cursor stays).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/jsonutil.h"
#include "connector/model.h"
#include "connector/money.h"
#include "connector/timeutil.h"

#define TRACE_HOPS 5

/* ---- cursor ----------------------------------------------------------------- */

static int
iso_parse(int64_t *out, const char *s, size_t len)
{
	return len > 0 && time_parse_iso8601(out, s, len) == 0 ? 0 : SC_EMALFORMED;
}

int
netsuite__cursor_parse(struct netsuite_cursor *out, const char *cursor, int64_t now,
                       struct sc_error *err)
{
	const char *p, *semi;
	char *end = NULL;

	memset(out, 0, sizeof(*out));
	if (cursor == NULL || cursor[0] == '\0') {
		out->since = now - NETSUITE_FIRST_LOOKBACK;
		return 0;
	}
	if (strncmp(cursor, "v1;since=", 9) == 0) {
		p = cursor + 9;
		if (iso_parse(&out->since, p, strlen(p)) == 0)
			return 0;
	} else if (strncmp(cursor, "v1;after=", 9) == 0) {
		p = cursor + 9;
		semi = strchr(p, ';');
		if (semi != NULL && iso_parse(&out->since, p, (size_t)(semi - p)) == 0 &&
		    strncmp(semi, ";skip=", 6) == 0 && semi[6] >= '0' && semi[6] <= '9') {
			errno = 0;
			out->skip = strtol(semi + 6, &end, 10);
			if (errno == 0 && *end == '\0' && out->skip <= 100000) {
				out->cont = 1;
				return 0;
			}
		}
	}
	memset(out, 0, sizeof(*out));
	return sc_error_set(err, SC_EMALFORMED,
	                    "NetSuite changes cursor \"%.100s\" is not one this adapter wrote", cursor);
}

int
netsuite__cursor_format(char *out, size_t n, const struct netsuite_cursor *c)
{
	char iso[21];
	int w;

	time_format_iso8601(iso, c->since);
	if (c->cont)
		w = snprintf(out, n, "v1;after=%s;skip=%ld", iso, c->skip);
	else
		w = snprintf(out, n, "v1;since=%s", iso);
	return w < 0 || (size_t)w >= n ? SC_ENOSPACE : 0;
}

/* ---- external ids ------------------------------------------------------------- */

/* Length of "<PREFIX>-<kind>-" at the start of eid, or 0. */
static size_t
eid_kind(const char *eid, const char *kind)
{
	size_t i = 0, k = strlen(kind);

	if (eid == NULL)
		return 0;
	while (i < 16 && ((eid[i] >= 'A' && eid[i] <= 'Z') || (eid[i] >= '0' && eid[i] <= '9')))
		i++;
	if (i == 0 || eid[i] != '-' || strncmp(eid + i + 1, kind, k) != 0 || eid[i + 1 + k] != '-')
		return 0;
	return i + k + 2;
}

int
netsuite__eid_is_ours(const char *eid)
{
	return eid_kind(eid, "RFD") > 0;
}

int
netsuite__eid_order(const char *eid, const char **order_id)
{
	size_t n = eid_kind(eid, "ORD");

	if (n == 0 || eid[n] == '\0')
		return 0;
	*order_id = eid + n;
	return 1;
}

/* ---- SuiteQL rows -------------------------------------------------------------- */

int
netsuite__changes_query(struct netsuite *ns, const char *query, long limit, long offset,
                        json_object **out, json_object **rows, int *more, struct sc_error *err)
{
	struct netsuite_call call;
	struct http_response resp;
	struct buf body, url;
	int rc;

	*out = NULL;
	*more = 0;
	memset(&resp, 0, sizeof(resp));
	buf_init(&body, 0);
	buf_init(&url, 0);
	if ((rc = buf_puts(&body, "{\"q\":\"")) < 0 || (rc = buf_json_escape(&body, query)) < 0 ||
	    (rc = buf_puts(&body, "\"}")) < 0 ||
	    (rc = buf_printf(&url, "%s/services/rest/query/v1/suiteql?limit=%ld&offset=%ld",
	                     ns->base_url, limit, offset)) < 0) {
		sc_error_set(err, rc, "SuiteQL: out of memory");
		goto done;
	}
	memset(&call, 0, sizeof(call));
	call.method = "POST";
	call.url = buf_cstr(&url);
	call.body = body.data;
	call.body_len = body.len;
	call.op = "suiteql";
	call.prefer = "transient";
	call.idempotent = 1;
	if ((rc = netsuite__call(ns, &call, &resp, err)) < 0)
		goto done;
	if (resp.status != 200) {
		rc = netsuite__error_from_response(err, &resp, "SuiteQL query");
		goto done;
	}
	if ((rc = json_parse_buf(out, resp.body.data, resp.body.len, err)) < 0 ||
	    (rc = json_get_array(*out, "items", rows, err)) < 0 ||
	    (rc == 0 && (rc = sc_error_set(err, SC_EMALFORMED, "SuiteQL response has no items")) < 0) ||
	    (rc = json_get_bool(*out, "hasMore", more, err)) < 0) {
		sc_error_prefix(err, "NetSuite SuiteQL");
		goto done;
	}
	rc = 0;
done:
	if (rc < 0) {
		json_object_put(*out);
		*out = NULL;
	}
	http_response_free(&resp);
	buf_free(&body);
	buf_free(&url);
	return rc;
}

const char *
netsuite__row_col(json_object *row, const char *name)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(row, name, &v) ||
	    !(json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int)))
		return NULL;
	return json_object_get_string(v);
}

/* ---- tracing and lookups --------------------------------------------------------- */

/* 1 for the external id of a billing record made for a refund ("-BILL"). */
static int
bill_eid(const char *eid)
{
	size_t n = strlen(eid);

	return n > 5 && strcmp(eid + n - 5, "-BILL") == 0;
}

/* The marketplace order behind transaction `id`, following createdfrom:
 * 1 with order_id, 0 when it leads to no "<PREFIX>-ORD-" record, or passes
 * a refund record the connector made (a credit memo or cash refund made
 * from its return authorization, a customer refund paying its credit memo:
 * the marketplace refund is already there, reporting it would refund twice). */
static int
changes_trace(struct netsuite *ns, const char *start, char *order_id, size_t n, int *via_ra,
              struct sc_error *err)
{
	json_object *root = NULL, *rows = NULL;
	const char *eid, *oid, *cf, *type;
	char id[64], q[160];
	int hop, more, rc = 0;

	snprintf(id, sizeof(id), "%s", start);
	for (hop = 0; hop < TRACE_HOPS && netsuite__all_digits(id); hop++) {
		snprintf(q, sizeof(q), "SELECT id, type, externalid, createdfrom FROM transaction "
		         "WHERE id = %s", id);
		if ((rc = netsuite__changes_query(ns, q, 10, 0, &root, &rows, &more, err)) < 0)
			return rc;
		rc = 0;
		if (json_object_array_length(rows) > 0) {
			json_object *row = json_object_array_get_idx(rows, 0);
			eid = netsuite__row_col(row, "externalid");
			cf = netsuite__row_col(row, "createdfrom");
			type = netsuite__row_col(row, "type");
			if (eid != NULL && netsuite__eid_order(eid, &oid) && strlen(oid) < n) {
				snprintf(order_id, n, "%s", oid);
				rc = 1;
			} else if (eid != NULL && netsuite__eid_is_ours(eid) && !bill_eid(eid)) {
				rc = 0;   /* the money leg of a refund the connector made */
			} else if (cf != NULL && strlen(cf) < sizeof(id)) {
				*via_ra |= type != NULL && strcmp(type, "RtnAuth") == 0;
				snprintf(id, sizeof(id), "%s", cf);
				rc = 2;
			}
		}
		json_object_put(root);
		root = NULL;
		if (rc != 2)
			return rc;
	}
	return 0;
}

/* The ISO code of NetSuite currency `id` (currencies loaded once a run). */
static int
changes_currency(struct netsuite *ns, const char *id, char *out, size_t n, struct sc_error *err)
{
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	size_t i;
	int rc = 0, found = 0, loaded;

	if (id[0] == '\0')
		return sc_error_set(err, SC_EMALFORMED, "the record has no currency");
	pthread_mutex_lock(&ns->cache_lock);
	loaded = ns->currencies_loaded;
	pthread_mutex_unlock(&ns->cache_lock);
	if (!loaded) {
		if ((rc = netsuite__suiteql_run(ns, "SELECT id, symbol FROM currency", "symbol", "id",
		                                &pairs, err)) < 0)
			goto done;
		pthread_mutex_lock(&ns->cache_lock);
		for (i = 0; i < pairs.n && rc == 0; i++)
			rc = netsuite__map_put(&ns->currencies, pairs.v[i].key, pairs.v[i].value);
		ns->currencies_loaded = rc == 0;
		pthread_mutex_unlock(&ns->cache_lock);
		if (rc < 0) {
			sc_error_set(err, rc, "out of memory");
			goto done;
		}
	}
	pthread_mutex_lock(&ns->cache_lock);
	for (i = 0; i < ns->currencies.cap && !found; i++) {
		const struct netsuite_map_slot *s = &ns->currencies.slots[i];
		if (s->key != NULL && strcmp(s->value, id) == 0 && strlen(s->key) < n) {
			snprintf(out, n, "%s", s->key);
			found = 1;
		}
	}
	pthread_mutex_unlock(&ns->cache_lock);
	if (!found || money_exponent(out) < 0)
		rc = sc_error_set(err, SC_EINVALID, "NetSuite currency %s has no ISO 4217 symbol", id);
done:
	netsuite__pairs_free(&pairs);
	return rc;
}

/* 1 and *out (heap) when the items cache knows item `id`. */
static int
item_cached(struct netsuite *ns, const char *id, char **out)
{
	size_t i;

	pthread_mutex_lock(&ns->cache_lock);
	for (i = 0; i < ns->items.cap && *out == NULL; i++)
		if (ns->items.slots[i].key != NULL && strcmp(ns->items.slots[i].value, id) == 0)
			*out = strdup(ns->items.slots[i].key);
	pthread_mutex_unlock(&ns->cache_lock);
	return *out != NULL;
}

int
netsuite__item_sku(struct netsuite *ns, const char *id, char **out, struct sc_error *err)
{
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	char q[128];
	size_t i;
	int rc = 0;

	*out = NULL;
	if (item_cached(ns, id, out))
		return 0;
	if (!netsuite__all_digits(id) || strlen(id) > 20)
		return sc_error_set(err, SC_EMALFORMED, "item id \"%.40s\" is not an internal id", id);
	snprintf(q, sizeof(q), "SELECT id, itemid FROM item WHERE id IN (%s)", id);
	if ((rc = netsuite__suiteql_run(ns, q, "itemid", "id", &pairs, err)) < 0)
		goto done;
	pthread_mutex_lock(&ns->cache_lock);
	for (i = 0; i < pairs.n && rc == 0; i++)
		rc = netsuite__map_put(&ns->items, pairs.v[i].key, pairs.v[i].value);
	pthread_mutex_unlock(&ns->cache_lock);
	if (rc < 0) {
		sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if (!item_cached(ns, id, out))
		rc = sc_error_set(err, SC_EINVALID, "NetSuite item %s not found", id);
done:
	netsuite__pairs_free(&pairs);
	return rc;
}

/* ---- building the refund ---------------------------------------------------------- */

void
netsuite__change_free(void *change)
{
	struct erp_change *c = change;

	if (c == NULL)
		return;
	refund_free(c->refund);
	fulfillment_free(c->fulfillment);
	free(c);
}

static const char *const part_component[NETSUITE_PART_COUNT] = {
	"Principal", "Shipping", "Promotion", "Tax", "GiftWrap", "Other", NULL
};

static int
comp_add(struct refund_line *l, const char *type, int64_t amount)
{
	struct refund_component *nc = realloc(l->comps, (l->ncomps + 1) * sizeof(*nc));

	if (nc == NULL)
		return SC_ENOMEM;
	l->comps = nc;
	memset(&nc[l->ncomps], 0, sizeof(*nc));
	snprintf(nc[l->ncomps].type, sizeof(nc[l->ncomps].type), "%s", type);
	nc[l->ncomps++].amount = amount;
	return 0;
}

/* Lines of r from the NetSuite lines (item "" = an amount without SKU). */
static int
changes_lines(struct netsuite *ns, struct refund *r, const struct netsuite_tline *tl, size_t n,
              struct sc_error *err)
{
	int64_t charges[NETSUITE_PART_COUNT];
	size_t i, first = (size_t)-1;
	int k, rc = 0;

	memset(charges, 0, sizeof(charges));
	r->lines = calloc(n + 1, sizeof(*r->lines));
	if (r->lines == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		enum netsuite_part p = NETSUITE_PART_ITEM;
		struct refund_line *l;

		for (k = NETSUITE_PART_SHIPPING; k < NETSUITE_PART_FEE && tl[i].item[0] != '\0'; k++) {
			const char *item = netsuite__part_item(&ns->body, (enum netsuite_part)k);
			if (item != NULL && strcmp(item, tl[i].item) == 0) {
				p = (enum netsuite_part)k;
				break;
			}
		}
		if (p != NETSUITE_PART_ITEM) {
			if (money_sub(&charges[p], charges[p], tl[i].amount) < 0)
				return sc_error_set(err, SC_EMALFORMED, "amounts overflow");
			continue;
		}
		l = &r->lines[r->nlines++];
		l->qty = tl[i].has_qty ? tl[i].qty : 0;
		if (tl[i].item[0] != '\0' && (rc = netsuite__item_sku(ns, tl[i].item, &l->sku, err)) < 0)
			return rc;
		if (comp_add(l, "Principal", -tl[i].amount) < 0)
			return sc_error_set(err, SC_ENOMEM, "out of memory");
		if (first == (size_t)-1 && l->sku != NULL)
			first = r->nlines - 1;
	}
	for (k = NETSUITE_PART_SHIPPING; k < NETSUITE_PART_FEE; k++) {
		if (charges[k] == 0)
			continue;
		if (first == (size_t)-1)
			first = r->nlines++;   /* a line without SKU holds the charges */
		if (comp_add(&r->lines[first], part_component[k], charges[k]) < 0)
			return sc_error_set(err, SC_ENOMEM, "out of memory");
	}
	return 0;
}

/* The lines credit memo `doc` stands for when `applied` of it is refunded:
 * its own lines when applied in full, else one amount-only line (*out heap). */
static int
applied_doc_lines(struct netsuite *ns, const struct netsuite_applied *ap, int exponent,
                  struct netsuite_tline **out, size_t *n, struct sc_error *err)
{
	struct netsuite_txn cm;
	int64_t total = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = netsuite__txn_get(ns, "creditMemo", ap->doc, &cm, err)) < 0)
		return rc;
	if (rc == 1 && (rc = netsuite__txn_total(&cm, exponent, &total, err)) == 1 &&
	    ap->has_amount && total == ap->amount)
		rc = netsuite__txn_lines(&cm, exponent, out, n, err);
	netsuite__txn_free(&cm);
	if (rc < 0)
		return rc;
	if (*out == NULL) {       /* applied in part, or not a credit memo */
		if ((*out = calloc(1, sizeof(**out))) == NULL)
			return sc_error_set(err, SC_ENOMEM, "out of memory");
		(*out)->amount = ap->amount;
		*n = 1;
	}
	return 0;
}

/* A customerRefund's lines when it has no item lines: those of the credit
 * memos it applies (*out heap). */
static int
changes_applied_lines(struct netsuite *ns, const struct netsuite_txn *t, int exponent,
                      struct netsuite_tline **out, size_t *n, struct sc_error *err)
{
	struct netsuite_applied *ap = NULL;
	struct netsuite_tline *lines = NULL, *cl = NULL, *nl;
	size_t nap = 0, nc = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = netsuite__txn_applied(t, exponent, &ap, &nap, err)) < 0)
		goto done;
	for (i = 0; i < nap; i++) {
		if ((rc = applied_doc_lines(ns, &ap[i], exponent, &cl, &nc, err)) < 0)
			goto done;
		if ((nl = realloc(lines, (*n + nc + 1) * sizeof(*nl))) == NULL) {
			rc = sc_error_set(err, SC_ENOMEM, "out of memory");
			goto done;
		}
		lines = nl;
		memcpy(lines + *n, cl, nc * sizeof(*cl));
		*n += nc;
		free(cl);
		cl = NULL;
	}
	*out = lines;
	lines = NULL;
	rc = 0;
done:
	if (rc < 0)
		*n = 0;
	free(lines);
	free(cl);
	free(ap);
	return rc;
}

static const struct {
	const char *code, *type;
} change_types[] = {
	{ "CashRfnd", "cashRefund" }, { "CustCred", "creditMemo" }, { "CustRfnd", "customerRefund" },
};

/* Read one changed record: 0 with *out NULL when it is not ours. */
static int
changes_refund(struct netsuite *ns, const char *type, const char *id, const char *row_cf,
               struct erp_change **out, struct sc_error *err)
{
	struct netsuite_txn t;
	struct netsuite_tline *tl = NULL;
	struct refund *r = NULL;
	char code[8], order_id[128], doc[64];
	const char *start;
	size_t ntl = 0;
	int exponent, via_ra = 0, rc;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	if ((rc = netsuite__txn_get(ns, type, id, &t, err)) <= 0)
		goto done;                      /* 0: deleted since */
	start = t.created_from[0] != '\0' ? t.created_from : row_cf;
	if ((start == NULL || start[0] == '\0') && strcmp(type, "customerRefund") == 0) {
		netsuite__txn_first_applied(&t, doc, sizeof(doc));
		start = doc;
	}
	rc = start != NULL && start[0] != '\0'
	         ? changes_trace(ns, start, order_id, sizeof(order_id), &via_ra, err) : 0;
	if (rc <= 0)
		goto done;                      /* not an order the connector synced */
	if ((rc = changes_currency(ns, t.currency_id, code, sizeof(code), err)) < 0)
		goto done;
	exponent = money_exponent(code);
	if ((rc = netsuite__txn_lines(&t, exponent, &tl, &ntl, err)) < 0)
		goto done;
	if (ntl == 0 && strcmp(type, "customerRefund") == 0) {
		free(tl);
		tl = NULL;
		if ((rc = changes_applied_lines(ns, &t, exponent, &tl, &ntl, err)) < 0)
			goto done;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (*out = calloc(1, sizeof(**out))) == NULL)
		goto nomem;
	r->source = SIDE_ERP;
	r->kind = via_ra ? REFUND_KIND_RETURN : REFUND_KIND_REFUND;
	snprintf(r->currency, sizeof(r->currency), "%s", code);
	r->exponent = exponent;
	if (t.tran_date[0] != '\0' && time_parse_iso8601(&r->posted, t.tran_date, strlen(t.tran_date)) < 0)
		r->posted = 0;
	if ((r->id = strdup(t.id)) == NULL || (r->order_id = strdup(order_id)) == NULL ||
	    (r->erp_type = strdup(type)) == NULL ||
	    (t.external_id[0] != '\0' && (r->erp_external_id = strdup(t.external_id)) == NULL))
		goto nomem;
	if ((rc = changes_lines(ns, r, tl, ntl, err)) < 0)
		goto done;
	(*out)->kind = ERP_CHANGE_REFUND;
	(*out)->refund = r;
	r = NULL;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	if (rc < 0 || r != NULL) {
		free(*out);
		*out = NULL;
	}
	refund_free(r);
	free(tl);
	netsuite__txn_free(&t);
	return rc < 0 ? rc : 0;
}

int
netsuite__fatal(int code)
{
	return code == SC_ETRANSIENT || code == SC_EAUTH || code == SC_ENOMEM || code == SC_EINTR ||
	       code == SC_ENOSPACE;
}

/* ---- the refund query of the changes stream ------------------------------------------ */

static int
refund_query(struct buf *q, const char *from)
{
	return buf_printf(q, "SELECT id, type, externalid, createdfrom, "
	                  "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified "
	                  "FROM transaction WHERE type IN ('CashRfnd', 'CustCred', 'CustRfnd') "
	                  "AND lastmodifieddate >= TO_TIMESTAMP('%s', 'YYYY-MM-DD HH24:MI:SS') "
	                  "ORDER BY lastmodifieddate, id", from);
}

static int
refund_rows(struct netsuite *ns, json_object *rows, struct page *out, struct sc_error *err)
{
	size_t i, k, nrows = json_object_array_length(rows);
	int rc;

	for (i = 0; i < nrows; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *id = netsuite__row_col(row, "id"), *code = netsuite__row_col(row, "type");
		const char *eid = netsuite__row_col(row, "externalid"), *type = NULL;
		struct erp_change *c = NULL;
		struct sc_error rerr;

		if (id == NULL)
			return sc_error_set(err, SC_EMALFORMED, "NetSuite changes: row %zu has no id", i + 1);
		for (k = 0; code != NULL && k < sizeof(change_types) / sizeof(change_types[0]); k++)
			if (strcmp(code, change_types[k].code) == 0)
				type = change_types[k].type;
		if (type == NULL || (eid != NULL && netsuite__eid_is_ours(eid)))
			continue;                       /* the connector's own: never reported */
		sc_error_clear(&rerr);
		if ((rc = changes_refund(ns, type, id, netsuite__row_col(row, "createdfrom"), &c,
		                         &rerr)) < 0) {
			if (netsuite__fatal(rc)) {
				if (err != NULL)
					*err = rerr;
				sc_error_prefix(err, "NetSuite changes: %s %s", type, id);
				return rc;
			}
			sc_error_prefix(&rerr, "NetSuite %s %s", type, id);
			if ((rc = page_add_bad(out, id, &rerr)) < 0)
				return sc_error_set(err, rc, "out of memory");
			continue;
		}
		if (c != NULL && (rc = page_add(out, c)) < 0)
			return sc_error_set(err, rc, "out of memory");
	}
	return 0;
}

const struct netsuite_stream netsuite__stream_refund = { "refund", refund_query, refund_rows };
