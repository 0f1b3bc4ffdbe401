/*
 * changes_ship.c: shipments and cancellations made in NetSuite for orders
 * the connector synced as sales orders: the "ship" and "close" queries of
 * the changes stream (changes_stream.c pages them; the keyset, overlap and
 * cursor rules of changes.c apply to each).
 *
 * ship: item fulfillments modified since the watermark,
 *   SELECT id, createdfrom, status,
 *          TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified
 *   FROM transaction WHERE type = 'ItemShip'
 *     AND lastmodifieddate >= TO_TIMESTAMP('...', 'YYYY-MM-DD HH24:MI:SS')
 *   ORDER BY lastmodifieddate, id
 * Rows whose status is picked (A) or packed (B) are skipped without a read
 * (status is the letter; "ItemShip:B", BUILTIN.CF's form, is read the same)
 * [U: transaction.status of an ItemShip is that letter]; a fulfillment
 * that becomes shipped later is modified then, and comes back. The sources
 * (createdfrom) of the others are looked up in one query,
 *   SELECT id, type, externalid FROM transaction WHERE id IN (...)
 * and only fulfillments made from a SalesOrd whose external id is
 * "<PREFIX>-ORD-<orderId>" are read (GET itemFulfillment/{id}
 * ?expandSubResources=true). [U: transaction.createdfrom, as changes.c
 * uses it; public queries also read it from transactionline: a row without
 * it is read anyway and its createdFrom looked up the same way.] A record
 * whose shipStatus is not shipped (id "C", or refName "Shipped") is not
 * reported; without shipStatus (accounts without Pick, Pack and Ship) it
 * is shipped [U].
 *
 * close: sales order lines closed before they were fulfilled,
 *   SELECT transaction, id,
 *          TO_CHAR(linelastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified
 *   FROM transactionline WHERE isclosed = 'T'
 *     AND linelastmodifieddate >= TO_TIMESTAMP('...', 'YYYY-MM-DD HH24:MI:SS')
 *   ORDER BY linelastmodifieddate, transaction, id
 * [U: closing a line (or the whole order) moves its linelastmodifieddate;
 * transactionline has no transaction type, so the page's transactions are
 * looked up as above and only SalesOrd records of ours are read (GET
 * salesOrder/{id}?expandSubResources=true), once each per page.] Cancelling
 * a sales order closes its lines [U].
 *
 * FULFILLMENT (struct fulfillment): id = the itemFulfillment's internal id,
 * order_id from the sales order's external id, lines by sku = the item's
 * itemid (items cache, else SuiteQL by id) with the line's quantity (lines
 * with itemReceive false, without quantity or of a configured charge item
 * are left out; lines of one SKU are summed), line_id NULL; method = the
 * shipMethod's refName; carrier = the shipCarrier's refName unless that is
 * NetSuite's catch-all (id "nonups", "FedEx/USPS/More") [U: REST field
 * shipCarrier], else the ship method's refName (NetSuite names ship items
 * after carrier and service, "UPS Ground"): the marketplace adapter maps
 * names to its codes; tracking = the first packageTrackingNumber of the
 * package sublists (package, packageUps, packageFedEx, packageUsps [U]),
 * else the first of linkedTrackingNumbers [U]. A fulfillment of several
 * packages reports the first tracking number only (Amazon's confirmShipment
 * takes one per package and NetSuite does not say which items went in
 * which package): a known gap. ship_date = tranDate (UTC midnight).
 *
 * CANCELLATION: id = the sales order's internal id, order_id as above,
 * cancel = 1, one line per SKU of the item lines with isClosed true: qty =
 * quantity - quantityFulfilled (absent: 0) summed, only when > 0 [U: REST
 * keys isClosed, quantityFulfilled]; configured charge items are left out
 * (closing an order closes its shipping line too). The whole closed state,
 * not a delta; nothing when no closed line has an unshipped quantity.
 *
 * A record that cannot be read (or is shipped with no line we can report)
 * goes to page->bad with its id; transient and authentication failures
 * fail the page (the cursor stays).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/jsonutil.h"
#include "connector/model.h"
#include "connector/timeutil.h"

#define ORDER_ID_MAX 128

/* ---- helpers ---------------------------------------------------------------------- */

/* The text of reference `key` of o: {"id": ...} or a bare string/number. */
static const char *
ref_id(json_object *o, const char *key)
{
	json_object *ref = json_path(o, key), *id = NULL;

	if (ref != NULL && json_object_is_type(ref, json_type_object))
		ref = json_object_object_get_ex(ref, "id", &id) ? id : NULL;
	if (ref == NULL ||
	    !(json_object_is_type(ref, json_type_string) || json_object_is_type(ref, json_type_int)))
		return NULL;
	return json_object_get_string(ref);
}

/* A non-empty string member of o, else NULL. */
static const char *
str_of(json_object *o, const char *path)
{
	const char *s = NULL;

	return json_get_str(o, path, &s, NULL) == 1 && s[0] != '\0' ? s : NULL;
}

/* The lines of sublist `key` of a record read expanded, or NULL. */
static json_object *
sublist(const struct netsuite_txn *t, const char *key)
{
	json_object *items = json_path(json_path(t->root, key), "items");

	return items != NULL && json_object_is_type(items, json_type_array) ? items : NULL;
}

/* 1 when item id is one of the configured charge items (shipping, ...). */
static int
charge_item(const struct netsuite *ns, const char *item)
{
	int k;

	for (k = NETSUITE_PART_SHIPPING; k < NETSUITE_PART_FEE; k++) {
		const char *c = netsuite__part_item(&ns->body, (enum netsuite_part)k);
		if (c != NULL && strcmp(c, item) == 0)
			return 1;
	}
	return 0;
}

/* Add qty of sku (taken) to f, summing lines of one SKU. */
static int
line_add(struct fulfillment *f, char *sku, int64_t qty)
{
	struct fulfillment_line *nl;
	size_t i;

	for (i = 0; i < f->nlines; i++)
		if (strcmp(f->lines[i].sku, sku) == 0) {
			free(sku);
			if (__builtin_add_overflow(f->lines[i].qty, qty, &f->lines[i].qty))
				return SC_EMALFORMED;
			return 0;
		}
	if ((nl = realloc(f->lines, (f->nlines + 1) * sizeof(*nl))) == NULL) {
		free(sku);
		return SC_ENOMEM;
	}
	f->lines = nl;
	memset(&nl[f->nlines], 0, sizeof(*nl));
	nl[f->nlines].sku = sku;
	nl[f->nlines++].qty = qty;
	return 0;
}

/* A line's item, SKU and quantity added to f (line i of the sublist). */
static int
line_take(struct netsuite *ns, struct fulfillment *f, json_object *l, size_t i, int64_t qty,
          struct sc_error *err)
{
	const char *item = ref_id(l, "item");
	char *sku = NULL;
	int rc;

	if (item == NULL)
		return sc_error_set(err, SC_EMALFORMED, "item line %zu has no item", i + 1);
	if (charge_item(ns, item) || qty <= 0)
		return 0;
	if ((rc = netsuite__item_sku(ns, item, &sku, err)) < 0) {
		sc_error_prefix(err, "item line %zu", i + 1);
		return rc;
	}
	if ((rc = line_add(f, sku, qty)) < 0)
		return sc_error_set(err, rc, rc == SC_ENOMEM ? "out of memory" : "quantities overflow");
	return 0;
}

static struct erp_change *
change_new(enum erp_change_kind kind, const struct netsuite_txn *t, const char *order_id)
{
	struct erp_change *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->fulfillment = calloc(1, sizeof(*c->fulfillment))) == NULL ||
	    (c->fulfillment->id = strdup(t->id)) == NULL ||
	    (c->fulfillment->order_id = strdup(order_id)) == NULL) {
		netsuite__change_free(c);
		return NULL;
	}
	c->kind = kind;
	c->fulfillment->cancel = kind == ERP_CHANGE_CANCELLATION;
	return c;
}

static int
dup_opt(char **out, const char *s)
{
	if (s == NULL)
		return 0;
	return (*out = strdup(s)) != NULL ? 0 : SC_ENOMEM;
}

/* ---- a fulfillment ------------------------------------------------------------------ */

/* 1 shipped, 0 picked or packed. */
static int
ship_status_shipped(const struct netsuite_txn *t)
{
	json_object *st = json_path(t->root, "shipStatus");
	const char *id = ref_id(t->root, "shipStatus"), *name = NULL;

	if (st == NULL)
		return 1;                   /* no Pick, Pack and Ship: fulfilled is shipped [U] */
	if (id != NULL)
		return strcmp(id, "C") == 0 || strcasecmp(id, "_shipped") == 0 ||
		       strcasecmp(id, "shipped") == 0;
	name = str_of(st, "refName");
	return name != NULL && strcasecmp(name, "Shipped") == 0;
}

/* The first tracking number of the package sublists, else of
 * linkedTrackingNumbers; NULL when none. *out heap. */
static int
ship_tracking(const struct netsuite_txn *t, char **out)
{
	static const struct {
		const char *sublist, *field;
	} pk[] = {
		{ "package", "packageTrackingNumber" },
		{ "packageUps", "packageTrackingNumberUps" },
		{ "packageFedEx", "packageTrackingNumberFedEx" },
		{ "packageUsps", "packageTrackingNumberUsps" },
	};
	const char *s;
	size_t k, i, n;

	*out = NULL;
	for (k = 0; k < sizeof(pk) / sizeof(pk[0]); k++) {
		json_object *items = sublist(t, pk[k].sublist);

		n = items != NULL ? json_object_array_length(items) : 0;
		for (i = 0; i < n; i++)
			if ((s = str_of(json_object_array_get_idx(items, i), pk[k].field)) != NULL)
				return (*out = strdup(s)) != NULL ? 0 : SC_ENOMEM;
	}
	if ((s = str_of(t->root, "linkedTrackingNumbers")) != NULL) {
		s += strspn(s, " ,\t\n");
		n = strcspn(s, " ,\t\n");
		if (n > 0 && (*out = strndup(s, n)) == NULL)
			return SC_ENOMEM;
	}
	return 0;
}

static int
netsuite__ship_change(struct netsuite *ns, const struct netsuite_txn *t, const char *order_id,
                      struct erp_change **out, struct sc_error *err)
{
	json_object *items = sublist(t, "item");
	struct erp_change *c = NULL;
	struct fulfillment *f;
	const char *method, *carrier, *carrier_id;
	size_t i, n = items != NULL ? json_object_array_length(items) : 0;
	int64_t qty;
	int recv, rc;

	*out = NULL;
	if (!ship_status_shipped(t))
		return 0;
	if ((c = change_new(ERP_CHANGE_FULFILLMENT, t, order_id)) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	f = c->fulfillment;
	for (i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(items, i);

		if (!json_object_is_type(l, json_type_object)) {
			rc = sc_error_set(err, SC_EMALFORMED, "item line %zu is not an object", i + 1);
			goto done;
		}
		if (json_get_bool(l, "itemReceive", &recv, NULL) == 1 && !recv)
			continue;                     /* on the form, not fulfilled */
		if ((rc = json_get_amount(l, "quantity", 0, &qty, err)) < 0) {
			sc_error_prefix(err, "item line %zu", i + 1);
			goto done;
		}
		if (rc == 1 && (rc = line_take(ns, f, l, i, qty, err)) < 0)
			goto done;
	}
	if (f->nlines == 0) {
		rc = sc_error_set(err, SC_EINVALID, "shipped with no item line to report");
		goto done;
	}
	method = str_of(t->root, "shipMethod.refName");
	carrier = str_of(t->root, "shipCarrier.refName");
	carrier_id = ref_id(t->root, "shipCarrier");
	if (carrier == NULL || (carrier_id != NULL && strcasecmp(carrier_id, "nonups") == 0) ||
	    strncasecmp(carrier, "FedEx/USPS/More", 15) == 0)
		carrier = method;             /* NetSuite's catch-all names no carrier */
	if (dup_opt(&f->method, method) < 0 || dup_opt(&f->carrier, carrier) < 0 ||
	    ship_tracking(t, &f->tracking) < 0) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	if (t->tran_date[0] != '\0' &&
	    time_parse_iso8601(&f->ship_date, t->tran_date, strlen(t->tran_date)) < 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "tranDate \"%s\" is not a date", t->tran_date);
		goto done;
	}
	*out = c;
	c = NULL;
	rc = 0;
done:
	netsuite__change_free(c);
	return rc;
}

/* ---- a sales order's closed lines ----------------------------------------------------- */

static int
netsuite__close_change(struct netsuite *ns, const struct netsuite_txn *t, const char *order_id,
                       struct erp_change **out, struct sc_error *err)
{
	json_object *items = sublist(t, "item");
	struct erp_change *c = NULL;
	size_t i, n = items != NULL ? json_object_array_length(items) : 0;
	int64_t qty, done;
	int closed, rc;

	*out = NULL;
	if ((c = change_new(ERP_CHANGE_CANCELLATION, t, order_id)) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(items, i);

		closed = 0;
		if (!json_object_is_type(l, json_type_object) ||
		    json_get_bool(l, "isClosed", &closed, NULL) != 1 || !closed)
			continue;
		done = 0;
		if ((rc = json_get_amount(l, "quantity", 0, &qty, err)) < 0 ||
		    (rc == 1 && json_get_amount(l, "quantityFulfilled", 0, &done, err) < 0)) {
			rc = SC_EMALFORMED;
			sc_error_prefix(err, "item line %zu", i + 1);
			goto done;
		}
		if (rc == 1 && __builtin_sub_overflow(qty, done, &qty)) {
			rc = sc_error_set(err, SC_EMALFORMED, "item line %zu: quantities overflow", i + 1);
			goto done;
		}
		if (rc == 1 && (rc = line_take(ns, c->fulfillment, l, i, qty, err)) < 0)
			goto done;
	}
	if (c->fulfillment->nlines > 0) {
		*out = c;
		c = NULL;
	}
	rc = 0;
done:
	netsuite__change_free(c);
	return rc;
}

/* ---- the queries ---------------------------------------------------------------------- */

/* SELECT id, type, externalid FROM transaction WHERE id IN (ids...) for the
 * n internal ids (digits; others skipped), one query: *out the body (caller
 * puts it), *rows its items. n == 0: no query, *rows NULL. */
static int
netsuite__txn_lookup(struct netsuite *ns, const char *const *ids, size_t n, json_object **out,
                     json_object **rows, struct sc_error *err)
{
	struct buf q;
	size_t i, k, used = 0;
	int more, rc;

	*out = NULL;
	*rows = NULL;
	buf_init(&q, 0);
	rc = buf_puts(&q, "SELECT id, type, externalid FROM transaction WHERE id IN (");
	for (i = 0; i < n && rc >= 0; i++) {
		if (!netsuite__all_digits(ids[i]) || strlen(ids[i]) > 20)
			continue;
		for (k = 0; k < i && strcmp(ids[k], ids[i]) != 0; k++)
			;
		if (k < i)
			continue;                   /* asked already */
		rc = buf_printf(&q, "%s%s", used++ > 0 ? ", " : "", ids[i]);
	}
	if (rc >= 0)
		rc = buf_puts(&q, ")");
	if (rc < 0) {
		sc_error_set(err, rc, "out of memory");
		goto done;
	}
	rc = used > 0 ? netsuite__changes_query(ns, buf_cstr(&q), 1000, 0, out, rows, &more, err) : 0;
done:
	buf_free(&q);
	return rc < 0 ? rc : 0;
}

/* 1 and the order id when transaction `id` of the lookup is a sales order
 * the connector synced. */
static int
lookup_order(json_object *rows, const char *id, char *order_id, size_t n)
{
	size_t i, cnt = rows != NULL ? json_object_array_length(rows) : 0;
	const char *rid, *type, *eid, *oid;

	for (i = 0; i < cnt; i++) {
		json_object *row = json_object_array_get_idx(rows, i);

		rid = netsuite__row_col(row, "id");
		if (rid == NULL || strcmp(rid, id) != 0)
			continue;
		type = netsuite__row_col(row, "type");
		eid = netsuite__row_col(row, "externalid");
		if (type == NULL || strcmp(type, "SalesOrd") != 0 || eid == NULL ||
		    !netsuite__eid_order(eid, &oid) || strlen(oid) >= n)
			return 0;
		snprintf(order_id, n, "%s", oid);
		return 1;
	}
	return 0;
}

typedef int (*change_maker)(struct netsuite *, const struct netsuite_txn *, const char *,
                            struct erp_change **, struct sc_error *);

/* 1 and the order id when transaction `id` is a sales order the connector
 * synced, 0 when not (or id is ""). */
static int
source_order(struct netsuite *ns, const char *id, char *order_id, size_t n, struct sc_error *err)
{
	json_object *root = NULL, *rows = NULL;
	int rc;

	if (id[0] == '\0')
		return 0;
	if ((rc = netsuite__txn_lookup(ns, &id, 1, &root, &rows, err)) == 0)
		rc = lookup_order(rows, id, order_id, n);
	json_object_put(root);
	return rc;
}

/* Read type/id and report what `make` makes of it: a change, nothing, or
 * page->bad; <0 only when the page must fail. order_id NULL: the record's
 * createdFrom says whose it is (a row without createdfrom). */
static int
record_report(struct netsuite *ns, const char *type, const char *id, const char *order_id,
              change_maker make, struct page *out, struct sc_error *err)
{
	struct netsuite_txn t;
	struct erp_change *c = NULL;
	struct sc_error rerr;
	char oid[ORDER_ID_MAX];
	int rc;

	sc_error_clear(&rerr);
	if ((rc = netsuite__txn_get(ns, type, id, &t, &rerr)) == 1) {
		rc = order_id != NULL ? 1 : source_order(ns, t.created_from, oid, sizeof(oid), &rerr);
		if (rc == 1)
			rc = make(ns, &t, order_id != NULL ? order_id : oid, &c, &rerr);
		netsuite__txn_free(&t);
	}
	if (rc < 0 && netsuite__fatal(rc)) {
		if (err != NULL)
			*err = rerr;
		sc_error_prefix(err, "NetSuite changes: %s %s", type, id);
		return rc;
	}
	if (rc < 0) {
		sc_error_prefix(&rerr, "NetSuite %s %s", type, id);
		if ((rc = page_add_bad(out, id, &rerr)) < 0)
			return sc_error_set(err, rc, "out of memory");
		return 0;
	}
	if (c != NULL && (rc = page_add(out, c)) < 0)
		return sc_error_set(err, rc, "out of memory");
	return 0;
}

/* 1 when a SuiteQL status is picked (A) or packed (B): "B" or "ItemShip:B". */
static int
not_shipped_yet(const char *status)
{
	const char *s = status != NULL ? strrchr(status, ':') : NULL;

	if (status == NULL)
		return 0;
	s = s != NULL ? s + 1 : status;
	return strcmp(s, "A") == 0 || strcmp(s, "B") == 0;
}

static int
ship_query(struct buf *q, const char *from)
{
	return buf_printf(q, "SELECT id, createdfrom, status, "
	                  "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified "
	                  "FROM transaction WHERE type = 'ItemShip' "
	                  "AND lastmodifieddate >= TO_TIMESTAMP('%s', 'YYYY-MM-DD HH24:MI:SS') "
	                  "ORDER BY lastmodifieddate, id", from);
}

static int
ship_rows(struct netsuite *ns, json_object *rows, struct page *out, struct sc_error *err)
{
	size_t i, nids = 0, n = json_object_array_length(rows);
	const char **ids = calloc(n + 1, sizeof(*ids));
	json_object *lroot = NULL, *lrows = NULL;
	char order_id[ORDER_ID_MAX];
	int rc = 0;

	if (ids == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *cf = netsuite__row_col(row, "createdfrom");

		if (netsuite__row_col(row, "id") == NULL) {
			rc = sc_error_set(err, SC_EMALFORMED, "NetSuite changes (ship): row %zu has no id",
			                  i + 1);
			goto done;
		}
		if (cf != NULL && !not_shipped_yet(netsuite__row_col(row, "status")))
			ids[nids++] = cf;
	}
	if ((rc = netsuite__txn_lookup(ns, ids, nids, &lroot, &lrows, err)) < 0) {
		sc_error_prefix(err, "NetSuite changes: the orders of item fulfillments");
		goto done;
	}
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *cf = netsuite__row_col(row, "createdfrom");

		if (not_shipped_yet(netsuite__row_col(row, "status")) ||
		    (cf != NULL && !lookup_order(lrows, cf, order_id, sizeof(order_id))))
			continue;                   /* packed only, or not an order of ours */
		if ((rc = record_report(ns, "itemFulfillment", netsuite__row_col(row, "id"),
		                        cf != NULL ? order_id : NULL, netsuite__ship_change, out,
		                        err)) < 0)
			goto done;
	}
	rc = 0;
done:
	json_object_put(lroot);
	free(ids);
	return rc;
}

static int
close_query(struct buf *q, const char *from)
{
	return buf_printf(q, "SELECT transaction, id, "
	                  "TO_CHAR(linelastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified "
	                  "FROM transactionline WHERE isclosed = 'T' "
	                  "AND linelastmodifieddate >= TO_TIMESTAMP('%s', 'YYYY-MM-DD HH24:MI:SS') "
	                  "ORDER BY linelastmodifieddate, transaction, id", from);
}

static int
close_rows(struct netsuite *ns, json_object *rows, struct page *out, struct sc_error *err)
{
	size_t i, k, nids = 0, n = json_object_array_length(rows);
	const char **ids = calloc(n + 1, sizeof(*ids));
	json_object *lroot = NULL, *lrows = NULL;
	char order_id[ORDER_ID_MAX];
	int rc = 0;

	if (ids == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const char *tx = netsuite__row_col(json_object_array_get_idx(rows, i), "transaction");

		if (tx == NULL) {
			rc = sc_error_set(err, SC_EMALFORMED, "NetSuite changes (close): row %zu has no "
			                  "transaction", i + 1);
			goto done;
		}
		for (k = 0; k < nids && strcmp(ids[k], tx) != 0; k++)
			;
		if (k == nids)
			ids[nids++] = tx;             /* each order once, in row order */
	}
	if ((rc = netsuite__txn_lookup(ns, ids, nids, &lroot, &lrows, err)) < 0) {
		sc_error_prefix(err, "NetSuite changes: the transactions of closed lines");
		goto done;
	}
	for (k = 0; k < nids; k++) {
		if (!lookup_order(lrows, ids[k], order_id, sizeof(order_id)))
			continue;                   /* not a sales order of ours */
		if ((rc = record_report(ns, "salesOrder", ids[k], order_id, netsuite__close_change, out,
		                        err)) < 0)
			goto done;
	}
	rc = 0;
done:
	json_object_put(lroot);
	free(ids);
	return rc;
}

const struct netsuite_stream netsuite__stream_ship = { "ship", ship_query, ship_rows };
const struct netsuite_stream netsuite__stream_close = { "close", close_query, close_rows };
