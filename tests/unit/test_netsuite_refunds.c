/*
 * test_netsuite_refunds.c: the NetSuite adapter's refund slots.
 *
 * Pure parts (component parts, the plan, differences, cursors, external
 * ids) table-driven; refund_create and changes_page end to end against an
 * in-test libmicrohttpd mock on 127.0.0.1 that checks the TBA signature
 * (every query parameter signed), keeps records, answers `!transform` as
 * NetSuite documents it (source fields carried, createdFrom set, body fields
 * on top, DUP_RCRD for a taken external id), GET by id (expanded) and by
 * eid:, and the SuiteQL queries the adapter sends, over its records. It
 * logs every request so a test can say exactly which calls were made.
 * Expected bodies, amounts and messages are written out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/netsuite/netsuite_int.h"
#include "connector/conf.h"
#include "connector/jsonutil.h"
#include "connector/model.h"
#include "connector/money.h"
#include "connector/timeutil.h"
#include "tests/unit/mock_http.h"

extern const struct erp_ops netsuite_ops;

#define CS_SECRET "cs-secret-0001"
#define TS_SECRET "ts-secret-0001"

/* ---- pure parts ----------------------------------------------------------- */

static void
components_go_to_their_part(void **state)
{
	static const struct {
		const char *type;
		enum netsuite_part part;
	} cases[] = {
		{ "Principal", NETSUITE_PART_ITEM },
		{ "Shipping", NETSUITE_PART_SHIPPING },
		{ "ShippingCharge", NETSUITE_PART_SHIPPING },
		{ "ShippingTax", NETSUITE_PART_SHIPPING },
		{ "ReturnShipping", NETSUITE_PART_SHIPPING },
		{ "Promotion", NETSUITE_PART_DISCOUNT },
		{ "PromotionDiscount", NETSUITE_PART_DISCOUNT },
		{ "ShippingDiscount", NETSUITE_PART_DISCOUNT },
		{ "Tax", NETSUITE_PART_TAX },
		{ "TaxDiscount", NETSUITE_PART_TAX },
		{ "CODTax", NETSUITE_PART_TAX },
		{ "GiftWrap", NETSUITE_PART_GIFTWRAP },
		{ "GiftwrapTax", NETSUITE_PART_GIFTWRAP },
		{ "RestockingFee", NETSUITE_PART_OTHER },
		{ "Goodwill", NETSUITE_PART_OTHER },
		{ "COD", NETSUITE_PART_OTHER },
		{ "SomethingNew", NETSUITE_PART_OTHER },
		{ "Commission", NETSUITE_PART_FEE },
		{ "RefundCommission", NETSUITE_PART_FEE },
		{ "FBAPerUnitFulfillmentFee", NETSUITE_PART_FEE },
		{ "ShippingChargeback", NETSUITE_PART_FEE },
		{ "MarketplaceFacilitatorTax-Principal", NETSUITE_PART_FEE },
		{ "principal", NETSUITE_PART_ITEM },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (netsuite__part_of(cases[i].type) != cases[i].part)
			fail_msg("%s: part %d, want %d", cases[i].type, netsuite__part_of(cases[i].type),
			         cases[i].part);
}

static const struct netsuite_body_opts charge_opts = {
	.record_type = "cashSale", .shipping_item_id = "900", .discount_item_id = "901",
	.tax_item_id = "902",
};

/* A refund of order 111-0000001-0000001 posted 2026-11-21 15:00 UTC. */
struct rfx {
	struct refund r;
	struct refund_line lines[3];
	struct refund_component comps[3][6];
};

static void
comp(struct refund_line *l, struct refund_component *c, const char *type, int64_t amount)
{
	snprintf(c[l->ncomps].type, sizeof(c[l->ncomps].type), "%s", type);
	c[l->ncomps].amount = amount;
	l->comps = c;
	l->ncomps++;
}

static void
rfx_init(struct rfx *f, const char *adj, const char *order)
{
	memset(f, 0, sizeof(*f));
	f->r.source = SIDE_MARKETPLACE;
	f->r.id = (char *)adj;
	f->r.order_id = (char *)order;
	memcpy(f->r.currency, "USD", 4);
	f->r.exponent = 2;
	f->r.posted = time_from_civil(2026, 11, 21) * 86400 + 15 * 3600;
	f->r.lines = f->lines;
}

static struct refund_line *
rfx_line(struct rfx *f, const char *sku, int64_t qty)
{
	struct refund_line *l = &f->lines[f->r.nlines++];

	l->sku = (char *)sku;
	l->qty = qty;
	l->comps = f->comps[f->r.nlines - 1];
	return l;
}

/* Two SKUs with tax, a promotion, shipping and fees. */
static void
rfx_mixed(struct rfx *f)
{
	struct refund_line *l;

	rfx_init(f, "amzn1.adj.A1", "111-0000001-0000001");
	l = rfx_line(f, "SKU-0001", 1);
	comp(l, f->comps[0], "Principal", -1000);
	comp(l, f->comps[0], "Tax", -80);
	comp(l, f->comps[0], "Commission", 150);
	comp(l, f->comps[0], "RefundCommission", -30);
	l = rfx_line(f, "SKU-0003", 1);
	comp(l, f->comps[1], "Principal", -1000);
	comp(l, f->comps[1], "Promotion", 200);
	comp(l, f->comps[1], "Shipping", -500);
	comp(l, f->comps[1], "ShippingTax", -50);
}

static const char mixed_body[] =
    "{\"externalId\":\"AMZ-RFD-111-0000001-0000001-amzn1.adj.A1\",\"tranDate\":\"2026-11-21\","
    "\"memo\":\"Amazon refund amzn1.adj.A1 of order 111-0000001-0000001\",\"item\":{\"items\":["
    "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"rate\":10.00,\"amount\":10.00},"
    "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"rate\":10.00,\"amount\":10.00},"
    "{\"item\":{\"id\":\"900\"},\"quantity\":1,\"rate\":5.50,\"amount\":5.50},"
    "{\"item\":{\"id\":\"901\"},\"quantity\":1,\"rate\":-2.00,\"amount\":-2.00},"
    "{\"item\":{\"id\":\"902\"},\"quantity\":1,\"rate\":0.80,\"amount\":0.80}]}}";

static void
plan_puts_items_then_charges_and_leaves_fees_out(void **state)
{
	static const char *const ids[] = { "501", "503" };
	struct netsuite_rplan plan;
	struct sc_error err;
	struct buf body;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	rfx_mixed(&f);
	assert_int_equal(netsuite__rplan_build(&plan, &charge_opts, &f.r, ids, &err), 0);
	assert_int_equal(plan.n, 5);
	assert_int_equal(plan.nitems, 2);
	assert_int_equal(plan.total, 2430);   /* 10 + 10 + 5.50 - 2 + 0.80 */
	buf_init(&body, 0);
	assert_int_equal(netsuite__refund_body(&body, &plan, &f.r,
	                                       "AMZ-RFD-111-0000001-0000001-amzn1.adj.A1"), 0);
	assert_string_equal(buf_cstr(&body), mixed_body);
	buf_free(&body);
	netsuite__rplan_free(&plan);
}

static void
plan_omits_rate_unless_exact_and_quantity_for_amount_only_lines(void **state)
{
	static const char *const ids[] = { "501", "502" };
	struct netsuite_rplan plan;
	struct sc_error err;
	struct buf body;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	rfx_init(&f, "A2", "111-0000001-0000001");
	f.r.posted = 0;
	comp(rfx_line(&f, "SKU-0001", 3), f.comps[0], "Principal", -1000);  /* 10.00 / 3 */
	comp(rfx_line(&f, "SKU-0002", 0), f.comps[1], "Principal", -250);   /* amount only */
	assert_int_equal(netsuite__rplan_build(&plan, &charge_opts, &f.r, ids, &err), 0);
	buf_init(&body, 0);
	assert_int_equal(netsuite__refund_body(&body, &plan, &f.r, "AMZ-RFD-X-A2"), 0);
	assert_string_equal(buf_cstr(&body),
	    "{\"externalId\":\"AMZ-RFD-X-A2\",\"memo\":\"Amazon refund A2 of order "
	    "111-0000001-0000001\",\"item\":{\"items\":["
	    "{\"item\":{\"id\":\"501\"},\"quantity\":3,\"amount\":10.00},"
	    "{\"item\":{\"id\":\"502\"},\"amount\":2.50}]}}");
	buf_free(&body);
	netsuite__rplan_free(&plan);
}

static void
plan_refusals_name_the_refund(void **state)
{
	static const struct netsuite_body_opts no_charges = { .record_type = "cashSale" };
	struct netsuite_rplan plan;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	rfx_init(&f, "A3", "111-0000001-0000003");
	comp(rfx_line(&f, "SKU-0001", 1), f.comps[0], "Shipping", -499);
	assert_int_equal(netsuite__rplan_build(&plan, &no_charges, &f.r, NULL, &err), SC_EINVALID);
	assert_string_equal(err.msg, "refund A3 of order 111-0000001-0000003 has shipping 4.99 but "
	                             "[erp] shipping_item_id is not set");

	rfx_init(&f, "A4", "111-0000001-0000004");
	comp(rfx_line(&f, NULL, 1), f.comps[0], "Principal", -100);
	assert_int_equal(netsuite__rplan_build(&plan, &charge_opts, &f.r, NULL, &err), SC_EINVALID);
	assert_string_equal(err.msg, "refund A4 of order 111-0000001-0000004: line 1 has no SKU");

	rfx_init(&f, "A5", "111-0000001-0000005");
	comp(rfx_line(&f, "SKU-0001", 0), f.comps[0], "Commission", 120);
	assert_int_equal(netsuite__rplan_build(&plan, &charge_opts, &f.r, NULL, &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "refund A5 of order 111-0000001-0000005 credits nothing"));
}

static void
differences_are_listed_line_by_line_and_the_total(void **state)
{
	static const char *const ids[] = { "501", "503" };
	struct netsuite_tline have[2] = {
		{ "501", 1, 1, 1000 }, { "503", 1, 1, 900 },
	};
	struct netsuite_rplan plan;
	struct sc_error err;
	struct buf d;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	rfx_init(&f, "A6", "111-0000001-0000006");
	comp(rfx_line(&f, "SKU-0001", 1), f.comps[0], "Principal", -1000);
	comp(rfx_line(&f, "SKU-0003", 2), f.comps[1], "Principal", -1800);
	assert_int_equal(netsuite__rplan_build(&plan, &charge_opts, &f.r, ids, &err), 0);
	buf_init(&d, 0);
	assert_int_equal(netsuite__rplan_diff(&d, &plan, have, 2, 1, 1900, 2), 3);
	assert_string_equal(buf_cstr(&d),
	    "line 2 SKU-0003: quantity 1 in NetSuite, 2 refunded; "
	    "line 2 SKU-0003: amount 9.00 in NetSuite, 18.00 refunded; "
	    "total 19.00 in NetSuite, 28.00 refunded");
	buf_reset(&d);
	have[1].qty = 2;
	have[1].amount = 1800;
	assert_int_equal(netsuite__rplan_diff(&d, &plan, have, 2, 1, 2800, 2), 0);
	assert_string_equal(buf_cstr(&d), "");
	assert_int_equal(netsuite__rplan_diff(&d, &plan, have, 1, 0, 0, 2), 2);
	assert_string_equal(buf_cstr(&d), "1 lines in NetSuite, 2 refunded; "
	                                  "no total in NetSuite, 28.00 refunded");
	buf_free(&d);
	netsuite__rplan_free(&plan);
}

static void
cursors_round_trip_and_strangers_are_refused(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t since;
		int cont;
		long skip;
	} cases[] = {
		{ NULL, 0, 1795000000 - 86400, 0, 0 },
		{ "", 0, 1795000000 - 86400, 0, 0 },
		{ "v1;since=2026-11-22T09:00:00Z", 0, 1795338000, 0, 0 },
		{ "v1;after=2026-11-22T09:00:00Z;skip=3", 0, 1795338000, 1, 3 },
		{ "v1;since=yesterday", SC_EMALFORMED, 0, 0, 0 },
		{ "v1;after=2026-11-22T09:00:00Z", SC_EMALFORMED, 0, 0, 0 },
		{ "v1;after=2026-11-22T09:00:00Z;skip=-1", SC_EMALFORMED, 0, 0, 0 },
		{ "v1;after=2026-11-22T09:00:00Z;skip=2x", SC_EMALFORMED, 0, 0, 0 },
		{ "v2;since=2026-11-22T09:00:00Z", SC_EMALFORMED, 0, 0, 0 },
	};
	struct netsuite_cursor c;
	struct sc_error err;
	char text[128];
	size_t i;

	(void)state;
	sc_error_clear(&err);
	/* 2026-11-22T09:00:00Z = 20779 days * 86400 + 9 h = 1795338000 (by hand) */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = netsuite__cursor_parse(&c, cases[i].text, 1795000000, &err);
		if (rc != cases[i].rc)
			fail_msg("%s: rc %d", cases[i].text ? cases[i].text : "NULL", rc);
		if (rc < 0) {
			assert_non_null(strstr(err.msg, "is not one this adapter wrote"));
			continue;
		}
		assert_int_equal(c.since, cases[i].since);
		assert_int_equal(c.cont, cases[i].cont);
		assert_int_equal(c.skip, cases[i].skip);
		if (cases[i].text != NULL && cases[i].text[0] != '\0') {
			assert_int_equal(netsuite__cursor_format(text, sizeof(text), &c), 0);
			assert_string_equal(text, cases[i].text);
		}
	}
}

static void
external_ids_tell_the_connectors_records(void **state)
{
	const char *oid = NULL;

	(void)state;
	assert_int_equal(netsuite__eid_is_ours("AMZ-RFD-111-0000001-0000001-A1"), 1);
	assert_int_equal(netsuite__eid_is_ours("AMZ-RFD-111-0000001-0000001-A1-CM"), 1);
	assert_int_equal(netsuite__eid_is_ours("SHOP1-RFD-9"), 1);
	assert_int_equal(netsuite__eid_is_ours("CM-RFD"), 0);
	assert_int_equal(netsuite__eid_is_ours("my-RFD-1"), 0);
	assert_int_equal(netsuite__eid_is_ours("AMZ-ORD-111-0000001-0000001"), 0);
	assert_int_equal(netsuite__eid_is_ours(NULL), 0);
	assert_int_equal(netsuite__eid_order("AMZ-ORD-111-0000001-0000001", &oid), 1);
	assert_string_equal(oid, "111-0000001-0000001");
	assert_int_equal(netsuite__eid_order("AMZ-ORD-", &oid), 0);
	assert_int_equal(netsuite__eid_order("AMZ-RFD-111-0000001-0000001-A1-BILL", &oid), 0);
}

/* ---- the mock NetSuite ------------------------------------------------------ */

struct mrec {
	char type[32];
	int id;
	char eid[160];
	int created_from;
	char modified[20];            /* "YYYY-MM-DD HH:MM:SS" */
	json_object *body;            /* fields besides id, externalId, links, total */
};

static const struct {
	const char *type, *code;
} mock_codes[] = {
	{ "salesOrder", "SalesOrd" }, { "cashSale", "CashSale" }, { "invoice", "CustInvc" },
	{ "creditMemo", "CustCred" }, { "cashRefund", "CashRfnd" }, { "customerRefund", "CustRfnd" },
	{ "returnAuthorization", "RtnAuth" },
};

static const struct {
	const char *id, *itemid;
} mock_items[] = {
	{ "501", "SKU-0001" }, { "502", "SKU-0002" }, { "503", "SKU-0003" },
	{ "900", "SHIP" }, { "901", "DISC" }, { "902", "TAX" },
};

/* One mock at a time; it logs every request ("METHOD path?query") and its
 * body, and runs under its lock. */
static struct {
	struct mock_http http;
	struct mrec recs[64];
	int nrecs, next_id;
	char nonces[256][40];
	int nnonces;
	/* scripts */
	char hide_eid_once[160];      /* GET eid: of this answers 404 once */
	int no_location;              /* transforms answer 204 without Location */
	int tamper;                   /* transforms change line 2: quantity 1, amount 9.00 */
	int page_max;                 /* SuiteQL pages at most this many rows (0: limit) */
	char now_modified[20];        /* modified time of records the mock makes */
} mk;

static const char *
code_of(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(mock_codes) / sizeof(mock_codes[0]); i++)
		if (strcmp(mock_codes[i].type, type) == 0)
			return mock_codes[i].code;
	return "?";
}

static struct mrec *
mock_find(const char *type, int id, const char *eid)
{
	int i;

	for (i = 0; i < mk.nrecs; i++)
		if ((type == NULL || strcmp(mk.recs[i].type, type) == 0) &&
		    (eid != NULL ? strcmp(mk.recs[i].eid, eid) == 0 : mk.recs[i].id == id))
			return &mk.recs[i];
	return NULL;
}

/* Store a record (takes body). */
static struct mrec *
mock_store(const char *type, int id, const char *eid, const char *modified, json_object *body)
{
	struct mrec *r = &mk.recs[mk.nrecs++];
	json_object *cf = NULL, *v = NULL;

	memset(r, 0, sizeof(*r));
	snprintf(r->type, sizeof(r->type), "%s", type);
	r->id = id > 0 ? id : mk.next_id++;
	snprintf(r->eid, sizeof(r->eid), "%s", eid != NULL ? eid : "");
	snprintf(r->modified, sizeof(r->modified), "%s", modified);
	r->body = body;
	if (json_object_object_get_ex(body, "createdFrom", &cf) &&
	    json_object_object_get_ex(cf, "id", &v))
		r->created_from = (int)strtol(json_object_get_string(v), NULL, 10);
	return r;
}

/* Seed a record from JSON text. */
static struct mrec *
seed(const char *type, int id, const char *eid, const char *modified, const char *json)
{
	json_object *o = NULL;
	struct sc_error err;

	if (json_parse_buf(&o, json, strlen(json), &err) != 0)
		fail_msg("seed JSON: %s", err.msg);
	return mock_store(type, id, eid, modified, o);
}

static enum MHD_Result
mock_error(struct MHD_Connection *c, unsigned status, const char *code, const char *detail)
{
	char body[700];

	snprintf(body, sizeof(body), "{\"type\":\"https://www.rfc-editor.org/rfc/rfc9110.html\","
	         "\"title\":\"%s\",\"status\":%u,\"o:errorDetails\":[{\"detail\":\"%s\","
	         "\"o:errorCode\":\"%s\"}]}", status == 404 ? "Not Found" : status == 401
	         ? "Unauthorized" : "Bad Request", status, detail, code);
	return mock_http_reply(c, status, body, NULL);
}

/* The record as GET shows it (expanded), heap. */
static char *
mock_record_json(const struct mrec *r)
{
	const char *rest = json_object_to_json_string_ext(r->body, JSON_C_TO_STRING_PLAIN);
	json_object *items = json_path(r->body, "item.items");
	struct buf b;
	int64_t total = 0, a;
	char txt[32];
	size_t i;

	buf_init(&b, 0);
	buf_printf(&b, "{\"links\":[{\"rel\":\"self\",\"href\":\"%s/services/rest/record/v1/%s/%d\"}],"
	           "\"id\":\"%d\"", mk.http.base, r->type, r->id, r->id);
	if (r->eid[0] != '\0')
		buf_printf(&b, ",\"externalId\":\"%s\"", r->eid);
	if (items != NULL && json_object_array_length(items) > 0) {
		for (i = 0; i < json_object_array_length(items); i++)
			if (json_get_amount(json_object_array_get_idx(items, i), "amount", 2, &a, NULL) == 1)
				total += a;
		money_format(txt, sizeof(txt), total, 2);
		buf_printf(&b, ",\"total\":%s", txt);
	}
	if (strcmp(rest, "{}") != 0)
		buf_printf(&b, ",%s", rest + 1);
	else
		buf_puts(&b, "}");
	return buf_take(&b);
}

static enum MHD_Result
mock_get(struct MHD_Connection *c, const char *type, const char *key)
{
	const char *exp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "expandSubResources");
	struct mrec *r;
	enum MHD_Result ret;
	char *json;

	if (strncmp(key, "eid:", 4) == 0) {
		if (mk.hide_eid_once[0] != '\0' && strcmp(mk.hide_eid_once, key + 4) == 0) {
			mk.hide_eid_once[0] = '\0';
			r = NULL;
		} else {
			r = mock_find(type, 0, key + 4);
		}
	} else {
		if (exp == NULL || strcmp(exp, "true") != 0)
			mock_http_problem(&mk.http, "GET %s/%s without expandSubResources=true", type, key);
		r = mock_find(type, (int)strtol(key, NULL, 10), NULL);
	}
	if (r == NULL)
		return mock_error(c, 404, "NONEXISTENT_ID", "The record instance does not exist.");
	json = mock_record_json(r);
	ret = mock_http_reply(c, 200, json, NULL);
	free(json);
	return ret;
}

static enum MHD_Result
mock_transform(struct MHD_Connection *c, const char *type, int id, const char *target,
               const char *body)
{
	static const char *const carried[] = { "entity", "currency", "item", "location" };
	json_object *in = NULL, *out = NULL, *v = NULL, *from = NULL;
	struct mrec *src = mock_find(type, id, NULL), *made;
	const char *eid = NULL;
	char loc[256], detail[300];
	struct sc_error err;
	size_t i;

	if (src == NULL)
		return mock_error(c, 404, "NONEXISTENT_ID", "The record instance does not exist.");
	if (json_parse_buf(&in, body, strlen(body), &err) != 0 || json_get_str(in, "externalId", &eid,
	                                                                       &err) != 1) {
		mock_http_problem(&mk.http, "transform body without externalId: %s", body);
		json_object_put(in);
		return mock_error(c, 400, "INVALID_CONTENT", "bad body");
	}
	if (mock_find(target, 0, eid) != NULL) {
		snprintf(detail, sizeof(detail), "A record with the external ID %s already exists.", eid);
		json_object_put(in);
		return mock_error(c, 400, "DUP_RCRD", detail);
	}
	out = json_object_new_object();
	for (i = 0; i < sizeof(carried) / sizeof(carried[0]); i++)
		if ((strcmp(target, "customerRefund") != 0 || strcmp(carried[i], "item") != 0) &&
		    json_object_object_get_ex(src->body, carried[i], &v))
			json_object_object_add(out, carried[i], json_object_get(v));
	from = json_object_new_object();
	snprintf(detail, sizeof(detail), "%d", src->id);
	json_object_object_add(from, "id", json_object_new_string(detail));
	json_object_object_add(out, "createdFrom", from);
	json_object_object_foreach(in, k, val)
		if (strcmp(k, "externalId") != 0)
			json_object_object_add(out, k, json_object_get(val));
	if (mk.tamper) {
		json_object *line = json_object_array_get_idx(json_path(out, "item.items"), 1);
		json_object_object_add(line, "quantity", json_object_new_int(1));
		json_object_object_add(line, "amount", json_object_new_double_s(9.0, "9.00"));
	}
	made = mock_store(target, 0, eid, mk.now_modified, out);
	json_object_put(in);
	snprintf(loc, sizeof(loc), "%s/services/rest/record/v1/%s/%d", mk.http.base, target, made->id);
	return mock_http_reply(c, 204, "", mk.no_location ? NULL : loc);
}

/* ---- mock SuiteQL ---- */

static void
row_add(struct buf *b, int *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
row_add(struct buf *b, int *n, const char *fmt, ...)
{
	char row[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(row, sizeof(row), fmt, ap);
	va_end(ap);
	buf_printf(b, "%s{\"links\":[]%s}", *n > 0 ? "," : "", row);
	(*n)++;
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct mrec *x = *(const struct mrec *const *)a, *y = *(const struct mrec *const *)b;
	int c = strcmp(x->modified, y->modified);

	return c != 0 ? c : x->id - y->id;
}

#define Q_ITEMS "SELECT id, itemid FROM item WHERE itemid IN ("
#define Q_ITEM_IDS "SELECT id, itemid FROM item WHERE id IN ("
#define Q_BILLING "SELECT id, type FROM transaction WHERE createdfrom = "
#define Q_TRACE "SELECT id, type, externalid, createdfrom FROM transaction WHERE id = "
#define Q_CHANGES                                                                       \
	"SELECT id, type, externalid, createdfrom, TO_CHAR(lastmodifieddate, "            \
	"'YYYY-MM-DD HH24:MI:SS') AS modified FROM transaction WHERE type IN "          \
	"('CashRfnd', 'CustCred', 'CustRfnd') AND lastmodifieddate >= TO_TIMESTAMP('"
#define Q_CHANGES_END "', 'YYYY-MM-DD HH24:MI:SS') ORDER BY lastmodifieddate, id"
/* the other two queries of the changes stream (test_netsuite_ship.c): no rows here */
#define Q_SHIP_DELTA "SELECT id, createdfrom, status, TO_CHAR(lastmodifieddate, "
#define Q_CLOSE_DELTA "SELECT transaction, id, TO_CHAR(linelastmodifieddate, "

static enum MHD_Result
mock_suiteql(struct MHD_Connection *c, const char *body)
{
	const char *prefer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Prefer");
	const char *ls = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *os = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	long limit = ls ? strtol(ls, NULL, 10) : 1000, offset = os ? strtol(os, NULL, 10) : 0;
	json_object *o = NULL, *qv = NULL;
	struct mrec *sel[64];
	const char *q, *p;
	struct buf b;
	struct sc_error err;
	enum MHD_Result ret;
	int n = 0, nsel = 0, more = 0, i, id;
	size_t k;

	if (prefer == NULL || strcmp(prefer, "transient") != 0 || ls == NULL || os == NULL)
		mock_http_problem(&mk.http, "SuiteQL without Prefer: transient, limit or offset");
	if (json_parse_buf(&o, body, strlen(body), &err) != 0 ||
	    !json_object_object_get_ex(o, "q", &qv)) {
		mock_http_problem(&mk.http, "SuiteQL body %s", body);
		json_object_put(o);
		return mock_error(c, 400, "INVALID_PARAMETER", "bad query");
	}
	q = json_object_get_string(qv);
	buf_init(&b, 0);
	buf_puts(&b, "{\"links\":[],\"items\":[");
	if (strcmp(q, "SELECT id, symbol FROM currency") == 0) {
		row_add(&b, &n, ",\"id\":\"1\",\"symbol\":\"USD\"");
		row_add(&b, &n, ",\"id\":\"4\",\"symbol\":\"JPY\"");
	} else if (strncmp(q, Q_ITEMS, strlen(Q_ITEMS)) == 0) {
		for (k = 0; k < sizeof(mock_items) / sizeof(mock_items[0]); k++) {
			char quoted[64];
			snprintf(quoted, sizeof(quoted), "'%s'", mock_items[k].itemid);
			if (strstr(q + strlen(Q_ITEMS), quoted) != NULL)
				row_add(&b, &n, ",\"id\":\"%s\",\"itemid\":\"%s\"", mock_items[k].id,
				        mock_items[k].itemid);
		}
	} else if (strncmp(q, Q_ITEM_IDS, strlen(Q_ITEM_IDS)) == 0) {
		for (k = 0; k < sizeof(mock_items) / sizeof(mock_items[0]); k++)
			if (strtol(q + strlen(Q_ITEM_IDS), NULL, 10) == strtol(mock_items[k].id, NULL, 10))
				row_add(&b, &n, ",\"id\":%s,\"itemid\":\"%s\"", mock_items[k].id,
				        mock_items[k].itemid);
	} else if (strncmp(q, Q_BILLING, strlen(Q_BILLING)) == 0) {
		id = (int)strtol(q + strlen(Q_BILLING), NULL, 10);
		if (strstr(q, " AND type IN ('CustInvc', 'CashSale') ORDER BY id") == NULL)
			mock_http_problem(&mk.http, "billing query %s", q);
		for (i = 0; i < mk.nrecs; i++)
			if (mk.recs[i].created_from == id &&
			    (strcmp(mk.recs[i].type, "invoice") == 0 || strcmp(mk.recs[i].type, "cashSale") == 0))
				row_add(&b, &n, ",\"id\":\"%d\",\"type\":\"%s\"", mk.recs[i].id,
				        code_of(mk.recs[i].type));
	} else if (strncmp(q, Q_TRACE, strlen(Q_TRACE)) == 0) {
		struct mrec *r = mock_find(NULL, (int)strtol(q + strlen(Q_TRACE), NULL, 10), NULL);
		char cf[40] = "", eid[200] = "";
		if (r != NULL) {
			if (r->created_from > 0)
				snprintf(cf, sizeof(cf), ",\"createdfrom\":\"%d\"", r->created_from);
			if (r->eid[0] != '\0')
				snprintf(eid, sizeof(eid), ",\"externalid\":\"%s\"", r->eid);
			row_add(&b, &n, ",\"id\":\"%d\",\"type\":\"%s\"%s%s", r->id, code_of(r->type), eid, cf);
		}
	} else if (strncmp(q, Q_CHANGES, strlen(Q_CHANGES)) == 0 &&
	           strlen(q) == strlen(Q_CHANGES) + 19 + strlen(Q_CHANGES_END) &&
	           strcmp(q + strlen(Q_CHANGES) + 19, Q_CHANGES_END) == 0) {
		p = q + strlen(Q_CHANGES);
		char from[20];
		snprintf(from, sizeof(from), "%.19s", p);
		for (i = 0; i < mk.nrecs; i++) {
			const char *t = mk.recs[i].type;
			if ((strcmp(t, "cashRefund") == 0 || strcmp(t, "creditMemo") == 0 ||
			     strcmp(t, "customerRefund") == 0) && strcmp(mk.recs[i].modified, from) >= 0)
				sel[nsel++] = &mk.recs[i];
		}
		qsort(sel, (size_t)nsel, sizeof(sel[0]), rec_cmp);
		if (mk.page_max > 0 && limit > mk.page_max)
			limit = mk.page_max;
		for (i = (int)offset; i < nsel && i < offset + limit; i++) {
			char cf[40] = "", eid[200] = "";
			if (sel[i]->created_from > 0)
				snprintf(cf, sizeof(cf), ",\"createdfrom\":\"%d\"", sel[i]->created_from);
			if (sel[i]->eid[0] != '\0')
				snprintf(eid, sizeof(eid), ",\"externalid\":\"%s\"", sel[i]->eid);
			row_add(&b, &n, ",\"id\":\"%d\",\"type\":\"%s\"%s%s,\"modified\":\"%s\"", sel[i]->id,
			        code_of(sel[i]->type), eid, cf, sel[i]->modified);
		}
		more = offset + limit < nsel;
	} else if (strncmp(q, Q_SHIP_DELTA, strlen(Q_SHIP_DELTA)) == 0 ||
	           strncmp(q, Q_CLOSE_DELTA, strlen(Q_CLOSE_DELTA)) == 0) {
		more = 0;
	} else {
		mock_http_problem(&mk.http, "unexpected SuiteQL: %s", q);
	}
	buf_printf(&b, "],\"count\":%d,\"hasMore\":%s,\"offset\":%ld}", n, more ? "true" : "false",
	           offset);
	json_object_put(o);
	ret = mock_http_reply(c, 200, buf_cstr(&b), NULL);
	buf_free(&b);
	return ret;
}

/* ---- mock dispatch ---- */

struct argv_ctx {
	struct netsuite_param *params;
	size_t n;
};

static enum MHD_Result
arg_collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct argv_ctx *a = cls;

	(void)kind;
	if (a->n < 8) {
		a->params[a->n].name = key;
		a->params[a->n++].value = value != NULL ? value : "";
	}
	return MHD_YES;
}

/* Verify the TBA header as NETSUITE.md s2 says, every query parameter signed. */
static int
mock_tba_ok(const char *h, const char *method, const char *path, const struct argv_ctx *args)
{
	static const char *const names[] = { "realm", "oauth_consumer_key", "oauth_token",
	                                     "oauth_signature_method", "oauth_timestamp",
	                                     "oauth_nonce", "oauth_version", "oauth_signature" };
	char v[8][128], want[128];
	struct netsuite_param params[14];
	struct sc_error err;
	struct buf base;
	const char *p, *e;
	size_t i, k;
	int ok;

	memset(v, 0, sizeof(v));
	if (h == NULL || strncmp(h, "OAuth ", 6) != 0)
		return 0;
	for (p = h + 6, k = 0; k < 8; k++) {
		size_t nl = strlen(names[k]);
		if (strncmp(p, names[k], nl) != 0 || strncmp(p + nl, "=\"", 2) != 0 ||
		    (e = strchr(p + nl + 2, '"')) == NULL)
			return 0;
		mock_http_pct_decode(v[k], sizeof(v[k]), p + nl + 2, (size_t)(e - p - nl - 2), 0);
		p = e + 1;
		if (k < 7 && strncmp(p, ", ", 2) != 0)
			return 0;
		p += k < 7 ? 2 : 0;
	}
	if (strcmp(v[0], "1234567_SB1") != 0 || strcmp(v[1], "ck-0001") != 0 ||
	    strcmp(v[2], "tk-0001") != 0 || strcmp(v[3], "HMAC-SHA256") != 0)
		return 0;
	for (i = 0; i < (size_t)mk.nnonces; i++)
		if (strcmp(mk.nonces[i], v[5]) == 0)
			return 0;
	if (mk.nnonces < 256)
		snprintf(mk.nonces[mk.nnonces++], sizeof(mk.nonces[0]), "%s", v[5]);
	for (i = 0; i < 6; i++) {
		params[i].name = names[i + 1];
		params[i].value = v[i + 1];
	}
	for (i = 0; i < args->n; i++)
		params[6 + i] = args->params[i];
	buf_init(&base, 0);
	{
		char url[600];
		snprintf(url, sizeof(url), "%s%s", mk.http.base, path);
		ok = netsuite__oauth1_base_string(&base, method, url, params, 6 + args->n, &err) == 0 &&
		     netsuite__oauth1_sign(want, sizeof(want), "HMAC-SHA256", buf_cstr(&base), CS_SECRET,
		                           TS_SECRET, &err) == 0 &&
		     strcmp(want, v[7]) == 0;
	}
	buf_free(&base);
	return ok;
}

static enum MHD_Result
mock_route(void *ud, const struct mock_http_req *r)
{
	struct MHD_Connection *c = r->conn;
	const char *url = r->url, *method = r->method, *body = r->body;
	const char *auth = mock_http_header(r, "Authorization");
	struct netsuite_param params[8];
	struct argv_ctx args = { params, 0 };
	const char *rest, *slash, *tr;
	char type[48], key[200], target[48];
	enum MHD_Result ret;

	(void)ud;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_collect, &args);
	if (!mock_tba_ok(auth, method, url, &args)) {
		mock_http_problem(&mk.http, "bad TBA signature on %s %s", method, url);
		return mock_error(c, 401, "INVALID_LOGIN", "Invalid login attempt.");
	}
	if (strcmp(url, "/services/rest/query/v1/suiteql") == 0 && strcmp(method, "POST") == 0)
		return mock_suiteql(c, body);
	if (strncmp(url, "/services/rest/record/v1/", 25) != 0) {
		mock_http_problem(&mk.http, "unexpected %s %s", method, url);
		return mock_error(c, 404, "INVALID_URL", "not found");
	}
	rest = url + 25;
	slash = strchr(rest, '/');
	if (slash == NULL || (size_t)(slash - rest) >= sizeof(type)) {
		mock_http_problem(&mk.http, "record URL %s", url);
		return mock_error(c, 404, "INVALID_URL", "not found");
	}
	snprintf(type, sizeof(type), "%.*s", (int)(slash - rest), rest);
	tr = strstr(slash + 1, "/!transform/");
	if (tr != NULL && strcmp(method, "POST") == 0) {
		snprintf(key, sizeof(key), "%.*s", (int)(tr - slash - 1), slash + 1);
		snprintf(target, sizeof(target), "%s", tr + 12);
		return mock_transform(c, type, (int)strtol(key, NULL, 10), target, body);
	}
	if (strcmp(method, "GET") == 0) {
		snprintf(key, sizeof(key), "%s", slash + 1);
		ret = mock_get(c, type, key);
		return ret;
	}
	mock_http_problem(&mk.http, "unexpected %s %s", method, url);
	return mock_error(c, 405, "METHOD_NOT_ALLOWED", "no");
}

/* ---- fixtures ------------------------------------------------------------------ */

static struct {
	struct http_client *http;
	struct conf *conf;
	void *ns;
} fx;

static int
flow_setup(void **state)
{
	struct sc_error err;

	(void)state;
	sc_error_clear(&err);
	memset(&mk, 0, sizeof(mk));
	mk.next_id = 3001;
	snprintf(mk.now_modified, sizeof(mk.now_modified), "2026-11-22 12:00:00");
	if (mock_http_start(&mk.http, MOCK_HTTP_SERIAL | MOCK_HTTP_LOG | MOCK_HTTP_LOG_QUERY,
	                    mock_route, NULL) < 0)
		return -1;
	return mock_netsuite_open(&fx.ns, &fx.conf, &fx.http, &mk.http, &netsuite_ops,
	                          CS_SECRET, TS_SECRET,
	                          "order_record_type = cashSale\n"
	                          "shipping_item_id = 900\n"
	                          "discount_item_id = 901\n"
	                          "tax_item_id = 902\n",
	                          &err) == 0 ? 0 : -1;
}

static int
flow_teardown(void **state)
{
	int i;

	(void)state;
	mock_adapter_close(&fx.ns, &fx.conf, &fx.http, netsuite_ops.close);
	mock_http_stop(&mk.http);
	for (i = 0; i < mk.nrecs; i++)
		json_object_put(mk.recs[i].body);
	return 0;
}

/* Index of the first logged request starting with `line`, or -1. */
static int
logged(const char *line)
{
	return mock_http_log_find(&mk.http, 0, line);
}

static int
count_logged(const char *prefix)
{
	return mock_http_log_count(&mk.http, prefix);
}

static void
no_secrets(const struct sc_error *err)
{
	assert_null(strstr(err->msg, CS_SECRET));
	assert_null(strstr(err->msg, TS_SECRET));
	assert_null(strstr(err->remote, CS_SECRET));
	assert_null(strstr(err->remote, TS_SECRET));
}

#define R "/services/rest/record/v1/"

/* The order 111-0000001-0000001, posted as cash sale 1001. */
static void
seed_cash_sale(int sku3_qty)
{
	char json[600];

	snprintf(json, sizeof(json),
	         "{\"entity\":{\"id\":\"77\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	         "{\"item\":{\"id\":\"501\"},\"quantity\":2,\"rate\":10.00,\"amount\":20.00},"
	         "{\"item\":{\"id\":\"503\"},\"quantity\":%d,\"rate\":10.00,\"amount\":%d.00},"
	         "{\"item\":{\"id\":\"900\"},\"quantity\":1,\"rate\":5.50,\"amount\":5.50},"
	         "{\"item\":{\"id\":\"902\"},\"quantity\":1,\"rate\":2.80,\"amount\":2.80}]}}",
	         sku3_qty, sku3_qty * 10);
	seed("cashSale", 1001, "AMZ-ORD-111-0000001-0000001", "2026-11-20 08:00:00", json);
}

/* ---- refund_create ---------------------------------------------------------------- */

static void
cash_sale_refund_is_one_transform_with_the_refund_lines(void **state)
{
	const char *eid = "AMZ-RFD-111-0000001-0000001-amzn1.adj.A1";
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;
	int t;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	rfx_mixed(&f);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
	assert_string_equal(out.type, "cashRefund");
	assert_string_equal(out.id, "3001");
	assert_string_equal(out.external_id, eid);
	t = logged("POST " R "cashSale/1001/!transform/cashRefund?replace=item");
	assert_true(t >= 0);
	assert_string_equal(mk.http.log[t].body, mixed_body);
	assert_int_equal(count_logged("POST " R), 1);
	/* looked up before, the source read before, read back after */
	assert_true(logged("GET " R "cashRefund/eid:AMZ-RFD-111-0000001-0000001-amzn1.adj.A1") < t);
	assert_true(logged("GET " R "cashSale/1001?expandSubResources=true") < t);
	assert_true(logged("GET " R "cashRefund/3001?expandSubResources=true") > t);
	/* the record holds the refund's lines and was made from the cash sale */
	assert_int_equal(mock_find("cashRefund", 3001, NULL)->created_from, 1001);
}

static void
invoice_to_customer_refund_goes_through_a_credit_memo(void **state)
{
	const char *eid = "AMZ-RFD-111-0000002-0000002-A7";
	struct erp_ref order = { "invoice", "1002", "AMZ-ORD-111-0000002-0000002" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;
	int cm, cr;

	(void)state;
	sc_error_clear(&err);
	seed("invoice", 1002, "AMZ-ORD-111-0000002-0000002", "2026-11-20 08:00:00",
	     "{\"entity\":{\"id\":\"77\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"502\"},\"quantity\":1,\"amount\":15.00}]}}");
	rfx_init(&f, "A7", "111-0000002-0000002");
	comp(rfx_line(&f, "SKU-0002", 1), f.comps[0], "Principal", -1500);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "customerRefund", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
	cm = logged("POST " R "invoice/1002/!transform/creditMemo?replace=item");
	cr = logged("POST " R "creditMemo/3001/!transform/customerRefund");
	assert_true(cm >= 0 && cr > cm);
	assert_string_equal(mk.http.log[cr].line, "POST " R "creditMemo/3001/!transform/customerRefund");
	assert_string_equal(mk.http.log[cm].body,
	    "{\"externalId\":\"AMZ-RFD-111-0000002-0000002-A7-CM\",\"tranDate\":\"2026-11-21\","
	    "\"memo\":\"Amazon refund A7 of order 111-0000002-0000002\",\"item\":{\"items\":["
	    "{\"item\":{\"id\":\"502\"},\"quantity\":1,\"rate\":15.00,\"amount\":15.00}]}}");
	assert_string_equal(mk.http.log[cr].body,
	    "{\"externalId\":\"AMZ-RFD-111-0000002-0000002-A7\",\"tranDate\":\"2026-11-21\","
	    "\"memo\":\"Amazon refund A7 of order 111-0000002-0000002\",\"apply\":{\"items\":["
	    "{\"doc\":{\"id\":\"3001\"},\"apply\":true,\"amount\":15.00}]}}");
	assert_string_equal(out.type, "customerRefund");
	assert_string_equal(out.id, "3002");
	assert_int_equal(count_logged("POST " R), 2);
	/* read back: the credit memo's lines and the refund */
	assert_true(logged("GET " R "creditMemo/3001?expandSubResources=true") > cr);
	assert_true(logged("GET " R "customerRefund/3002?expandSubResources=true") > cr);
}

static void
sales_order_refund_uses_the_invoice_made_from_it(void **state)
{
	const char *eid = "AMZ-RFD-111-0000003-0000003-A8";
	struct erp_ref order = { "salesOrder", "1003", "AMZ-ORD-111-0000003-0000003" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	seed("salesOrder", 1003, "AMZ-ORD-111-0000003-0000003", "2026-11-20 08:00:00",
	     "{\"entity\":{\"id\":\"77\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":2,\"amount\":20.00}]}}");
	seed("invoice", 1004, NULL, "2026-11-20 09:00:00",
	     "{\"entity\":{\"id\":\"77\"},\"createdFrom\":{\"id\":\"1003\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":2,\"amount\":20.00}]}}");
	rfx_init(&f, "A8", "111-0000003-0000003");
	comp(rfx_line(&f, "SKU-0001", 2), f.comps[0], "Principal", -2000);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "creditMemo", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
	assert_true(logged("POST " R "invoice/1004/!transform/creditMemo?replace=item") >= 0);
	assert_int_equal(count_logged("POST " R), 1);
	assert_int_equal(mock_find("creditMemo", 0, eid)->created_from, 1004);
	assert_string_equal(out.id, "3001");
}

static void
sales_order_without_invoice_is_billed_first(void **state)
{
	const char *eid = "AMZ-RFD-111-0000005-0000005-A9";
	struct erp_ref order = { "salesOrder", "1005", "AMZ-ORD-111-0000005-0000005" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;
	int bill, cm;

	(void)state;
	sc_error_clear(&err);
	seed("salesOrder", 1005, "AMZ-ORD-111-0000005-0000005", "2026-11-20 08:00:00",
	     "{\"entity\":{\"id\":\"77\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"amount\":12.00}]}}");
	rfx_init(&f, "A9", "111-0000005-0000005");
	comp(rfx_line(&f, "SKU-0003", 1), f.comps[0], "Principal", -1200);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "creditMemo", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
	bill = logged("POST " R "salesOrder/1005/!transform/invoice");
	cm = logged("POST " R "invoice/3001/!transform/creditMemo?replace=item");
	assert_true(bill >= 0 && cm > bill);
	assert_string_equal(mk.http.log[bill].line, "POST " R "salesOrder/1005/!transform/invoice");
	assert_string_equal(mk.http.log[bill].body,
	    "{\"externalId\":\"AMZ-RFD-111-0000005-0000005-A9-BILL\",\"memo\":\"Billed for the "
	    "Amazon refund A9 of order 111-0000005-0000005\"}");
	assert_int_equal(mock_find("invoice", 3001, NULL)->created_from, 1005);
	assert_int_equal(mock_find("creditMemo", 0, eid)->created_from, 3001);
	assert_string_equal(out.id, "3002");
}

static void
a_refund_made_before_is_found_and_not_made_again(void **state)
{
	const char *eid = "AMZ-RFD-111-0000001-0000001-A10";
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	seed("cashRefund", 2500, eid, "2026-11-21 16:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	rfx_init(&f, "A10", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0001", 1), f.comps[0], "Principal", -1000);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(out.id, "2500");
	assert_string_equal(out.type, "cashRefund");
	assert_int_equal(count_logged("POST " R), 0);
	assert_true(logged("GET " R "cashRefund/2500?expandSubResources=true") >= 0);
	assert_string_equal(mk.http.problem, "");
}

static void
a_duplicate_refused_by_netsuite_is_looked_up(void **state)
{
	const char *eid = "AMZ-RFD-111-0000001-0000001-A11";
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;
	int nrecs;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	seed("cashRefund", 2600, eid, "2026-11-21 16:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	snprintf(mk.hide_eid_once, sizeof(mk.hide_eid_once), "%s", eid);   /* not seen at first */
	nrecs = mk.nrecs;
	rfx_init(&f, "A11", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0001", 1), f.comps[0], "Principal", -1000);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_int_equal(count_logged("POST " R "cashSale/1001/!transform/cashRefund"), 1);
	assert_int_equal(mk.nrecs, nrecs);          /* NetSuite refused the second record */
	assert_string_equal(out.id, "2600");
	assert_int_equal(count_logged("GET " R "cashRefund/eid:"), 2);
	assert_string_equal(mk.http.problem, "");
}

static void
a_transform_answered_without_location_is_looked_up(void **state)
{
	const char *eid = "AMZ-RFD-111-0000001-0000001-A12";
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	mk.no_location = 1;
	rfx_init(&f, "A12", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0003", 1), f.comps[0], "Principal", -1000);
	if (netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order, eid, &out, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(out.id, "3001");
	assert_int_equal(count_logged("POST " R), 1);
	assert_string_equal(mk.http.problem, "");
}

static void
a_record_that_differs_when_read_back_is_refused_listing_the_differences(void **state)
{
	const char *eid = "AMZ-RFD-111-0000001-0000001-A13";
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(2);
	mk.tamper = 1;
	rfx_init(&f, "A13", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0001", 1), f.comps[0], "Principal", -1000);
	comp(rfx_line(&f, "SKU-0003", 2), f.comps[1], "Principal", -1800);
	assert_int_equal(netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order, eid, &out,
	                                            &err), SC_EINVALID);
	assert_string_equal(err.msg,
	    "refund A13 of order 111-0000001-0000001: NetSuite cashRefund 3001 differs from the "
	    "refund: line 2 SKU-0003: quantity 1 in NetSuite, 2 refunded; line 2 SKU-0003: amount "
	    "9.00 in NetSuite, 18.00 refunded; total 19.00 in NetSuite, 28.00 refunded");
	/* the record exists: the engine binds it and a person looks */
	assert_string_equal(out.type, "cashRefund");
	assert_string_equal(out.id, "3001");
	assert_string_equal(out.external_id, eid);
	no_secrets(&err);
	assert_string_equal(mk.http.problem, "");
}

static void
an_impossible_pair_is_refused_without_a_request(void **state)
{
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	rfx_init(&f, "A14", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0001", 1), f.comps[0], "Principal", -1000);
	assert_int_equal(netsuite_ops.refund_create(fx.ns, &f.r, "creditMemo", &order,
	                                            "AMZ-RFD-111-0000001-0000001-A14", &out, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "NetSuite cannot make a creditMemo from a cashSale");
	order.type[0] = '\0';
	snprintf(order.type, sizeof(order.type), "invoice");
	assert_int_equal(netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order,
	                                            "AMZ-RFD-111-0000001-0000001-A14", &out, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "NetSuite cannot make a cashRefund from a invoice");
	assert_int_equal(mk.http.nlog, 0);
}

static void
an_item_the_order_does_not_hold_is_refused_before_any_write(void **state)
{
	struct erp_ref order = { "cashSale", "1001", "AMZ-ORD-111-0000001-0000001" };
	struct erp_ref out;
	struct sc_error err;
	struct rfx f;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	rfx_init(&f, "A15", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0002", 1), f.comps[0], "Principal", -1000);
	assert_int_equal(netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order,
	                                            "AMZ-RFD-111-0000001-0000001-A15", &out, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "refund A15 of order 111-0000001-0000001: NetSuite cashSale "
	                             "1001 has no line for SKU SKU-0002 (item 502)");
	rfx_init(&f, "A16", "111-0000001-0000001");
	comp(rfx_line(&f, "SKU-0003", 2), f.comps[0], "Principal", -2000);
	assert_int_equal(netsuite_ops.refund_create(fx.ns, &f.r, "cashRefund", &order,
	                                            "AMZ-RFD-111-0000001-0000001-A16", &out, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "refund A16 of order 111-0000001-0000001: refunds 2 of SKU "
	                             "SKU-0003 but NetSuite cashSale 1001 has 1");
	assert_int_equal(count_logged("POST " R), 0);
	assert_string_equal(mk.http.problem, "");
}

/* ---- changes_page ------------------------------------------------------------------ */

static const struct refund *
change_refund(const struct page *p, size_t i)
{
	const struct erp_change *c = p->items[i];

	assert_int_equal(c->kind, ERP_CHANGE_REFUND);
	assert_non_null(c->refund);
	return c->refund;
}

static void
changes_report_new_user_refunds_of_synced_orders_only(void **state)
{
	const struct refund *r;
	struct sc_error err;
	struct page p;
	int q;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	/* a cash refund a user made from the cash sale: an item and shipping */
	seed("cashRefund", 2001, NULL, "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"tranDate\":\"2026-11-22\","
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00},"
	     "{\"item\":{\"id\":\"900\"},\"quantity\":1,\"amount\":5.00}]}}");
	/* the connector's own refund: never reported */
	seed("cashRefund", 2002, "AMZ-RFD-111-0000001-0000001-A1", "2026-11-22 10:01:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	/* a credit memo of an invoice the connector never made */
	seed("invoice", 1500, "OTHER-7", "2026-11-01 10:00:00", "{\"currency\":{\"id\":\"1\"}}");
	seed("creditMemo", 2003, NULL, "2026-11-22 10:02:00",
	     "{\"createdFrom\":{\"id\":\"1500\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"502\"},\"quantity\":1,\"amount\":7.00}]}}");
	/* a credit memo two hops from an order: invoice billed by the connector from it */
	seed("salesOrder", 1599, "AMZ-ORD-111-0000002-0000002", "2026-11-01 10:00:00", "{}");
	seed("invoice", 1600, "AMZ-RFD-111-0000002-0000002-A3-BILL", "2026-11-02 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1599\"}}");
	seed("creditMemo", 2004, "CM-BY-HAND", "2026-11-22 10:03:00",
	     "{\"createdFrom\":{\"id\":\"1600\"},\"currency\":{\"id\":\"1\"},\"tranDate\":\"2026-11-23\","
	     "\"item\":{\"items\":[{\"item\":{\"id\":\"503\"},\"quantity\":2,\"amount\":24.00},"
	     "{\"item\":{\"id\":\"901\"},\"quantity\":1,\"amount\":-3.00}]}}");
	/* a cash refund a user made from the connector's return authorization:
	 * the money of a marketplace return that already exists */
	seed("returnAuthorization", 1700, "AMZ-RFD-111-0000001-0000001-A20", "2026-11-21 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"}}");
	seed("cashRefund", 2006, NULL, "2026-11-22 10:04:00",
	     "{\"createdFrom\":{\"id\":\"1700\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	/* a cash refund from a return authorization a user made: a return */
	seed("returnAuthorization", 1701, NULL, "2026-11-21 11:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"}}");
	seed("cashRefund", 2007, NULL, "2026-11-22 10:05:00",
	     "{\"createdFrom\":{\"id\":\"1701\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"amount\":10.00}]}}");
	/* modified before the window */
	seed("cashRefund", 2005, NULL, "2026-11-22 08:50:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");

	if (netsuite_ops.changes_page(fx.ns, "v1;since=2026-11-22T09:00:00Z", &p, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
	q = logged("POST /services/rest/query/v1/suiteql?limit=100&offset=0");
	assert_true(q >= 0);
	/* the poll starts 5 minutes before the cursor */
	assert_non_null(strstr(mk.http.log[q].body, "TO_TIMESTAMP('2026-11-22 08:55:00'"));
	assert_int_equal(p.n, 3);
	assert_int_equal(p.nbad, 0);

	r = change_refund(&p, 0);
	assert_int_equal(r->source, SIDE_ERP);
	assert_string_equal(r->id, "2001");
	assert_string_equal(r->order_id, "111-0000001-0000001");
	assert_string_equal(r->erp_type, "cashRefund");
	assert_null(r->erp_external_id);
	assert_int_equal(r->kind, REFUND_KIND_REFUND);
	assert_string_equal(r->currency, "USD");
	assert_int_equal(r->exponent, 2);
	assert_int_equal(r->posted, time_from_civil(2026, 11, 22) * 86400);
	assert_int_equal(r->nlines, 1);
	assert_string_equal(r->lines[0].sku, "SKU-0001");
	assert_null(r->lines[0].line_id);
	assert_int_equal(r->lines[0].qty, 1);
	assert_int_equal(r->lines[0].ncomps, 2);
	assert_string_equal(r->lines[0].comps[0].type, "Principal");
	assert_int_equal(r->lines[0].comps[0].amount, -1000);
	assert_string_equal(r->lines[0].comps[1].type, "Shipping");
	assert_int_equal(r->lines[0].comps[1].amount, -500);

	r = change_refund(&p, 1);
	assert_string_equal(r->id, "2004");
	assert_string_equal(r->order_id, "111-0000002-0000002");
	assert_string_equal(r->erp_type, "creditMemo");
	assert_string_equal(r->erp_external_id, "CM-BY-HAND");
	assert_int_equal(r->nlines, 1);
	assert_string_equal(r->lines[0].sku, "SKU-0003");
	assert_int_equal(r->lines[0].qty, 2);
	assert_int_equal(r->lines[0].ncomps, 2);
	assert_string_equal(r->lines[0].comps[0].type, "Principal");
	assert_int_equal(r->lines[0].comps[0].amount, -2400);
	assert_string_equal(r->lines[0].comps[1].type, "Promotion");
	assert_int_equal(r->lines[0].comps[1].amount, 300);

	r = change_refund(&p, 2);
	assert_string_equal(r->id, "2007");
	assert_string_equal(r->order_id, "111-0000001-0000001");
	assert_int_equal(r->kind, REFUND_KIND_RETURN);

	/* the connector's own refund was not even read */
	assert_int_equal(logged("GET " R "cashRefund/2002"), -1);
	assert_int_equal(p.more, 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T10:05:00Z;"
	                              "ship=since,2026-11-22T09:00:00Z;close=since,2026-11-22T09:00:00Z");
	page_free(&p);
}

static void
a_customer_refund_reports_the_credit_memo_it_pays_unless_the_connector_made_it(void **state)
{
	const struct refund *r;
	struct sc_error err;
	struct page p;

	(void)state;
	sc_error_clear(&err);
	seed("invoice", 1002, "AMZ-ORD-111-0000002-0000002", "2026-11-20 08:00:00",
	     "{\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"502\"},\"quantity\":1,\"amount\":12.00}]}}");
	seed("creditMemo", 2008, NULL, "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1002\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"502\"},\"quantity\":1,\"amount\":12.00}]}}");
	/* paid in full: the credit memo's lines */
	seed("customerRefund", 2009, NULL, "2026-11-22 10:01:00",
	     "{\"currency\":{\"id\":\"1\"},\"apply\":{\"items\":["
	     "{\"doc\":{\"id\":\"3000\"},\"apply\":false,\"amount\":0},"
	     "{\"doc\":{\"id\":\"2008\"},\"apply\":true,\"amount\":12.00}]}}");
	/* paid in part: an amount without SKU */
	seed("customerRefund", 2011, NULL, "2026-11-22 10:02:00",
	     "{\"currency\":{\"id\":\"1\"},\"apply\":{\"items\":["
	     "{\"doc\":{\"id\":\"2008\"},\"apply\":true,\"amount\":5.00}]}}");
	/* paying the connector's credit memo: that refund exists already */
	seed("creditMemo", 3000, "AMZ-RFD-111-0000002-0000002-A7-CM", "2026-11-21 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1002\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"502\"},\"quantity\":1,\"amount\":12.00}]}}");
	seed("customerRefund", 2010, NULL, "2026-11-22 10:03:00",
	     "{\"currency\":{\"id\":\"1\"},\"apply\":{\"items\":["
	     "{\"doc\":{\"id\":\"3000\"},\"apply\":true,\"amount\":12.00}]}}");

	if (netsuite_ops.changes_page(fx.ns, "v1;since=2026-11-22T09:30:00Z", &p, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_string_equal(mk.http.problem, "");
	assert_int_equal(p.nbad, 0);
	assert_int_equal(p.n, 3);
	r = change_refund(&p, 0);
	assert_string_equal(r->id, "2008");
	assert_string_equal(r->erp_type, "creditMemo");
	r = change_refund(&p, 1);
	assert_string_equal(r->id, "2009");
	assert_string_equal(r->erp_type, "customerRefund");
	assert_string_equal(r->order_id, "111-0000002-0000002");
	assert_int_equal(r->nlines, 1);
	assert_string_equal(r->lines[0].sku, "SKU-0002");
	assert_int_equal(r->lines[0].qty, 1);
	assert_int_equal(r->lines[0].ncomps, 1);
	assert_string_equal(r->lines[0].comps[0].type, "Principal");
	assert_int_equal(r->lines[0].comps[0].amount, -1200);
	r = change_refund(&p, 2);
	assert_string_equal(r->id, "2011");
	assert_int_equal(r->nlines, 1);
	assert_null(r->lines[0].sku);
	assert_int_equal(r->lines[0].qty, 0);
	assert_int_equal(r->lines[0].comps[0].amount, -500);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T10:03:00Z;"
	                              "ship=since,2026-11-22T09:30:00Z;close=since,2026-11-22T09:30:00Z");
	page_free(&p);
}

static void
a_record_that_cannot_be_read_goes_to_bad_and_the_page_goes_on(void **state)
{
	struct sc_error err;
	struct page p;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	seed("cashRefund", 2020, NULL, "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"999\"},\"quantity\":1,\"amount\":10.00}]}}");
	seed("cashRefund", 2021, NULL, "2026-11-22 10:01:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1.5,\"amount\":10.00}]}}");
	seed("cashRefund", 2022, NULL, "2026-11-22 10:02:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	if (netsuite_ops.changes_page(fx.ns, "v1;since=2026-11-22T09:30:00Z", &p, &err) != 0)
		fail_msg("%s | %s | %s", err.msg, err.remote, mk.http.problem);
	assert_int_equal(p.n, 1);
	assert_string_equal(change_refund(&p, 0)->id, "2022");
	assert_int_equal(p.nbad, 2);
	assert_string_equal(p.bad[0].id, "2020");
	assert_string_equal(p.bad[0].err.msg, "NetSuite cashRefund 2020: NetSuite item 999 not found");
	assert_string_equal(p.bad[1].id, "2021");
	assert_string_equal(p.bad[1].err.msg, "NetSuite cashRefund 2021: item line 1: quantity: "
	                                      "\"1.5\" is not an exact amount at 0 decimals");
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T10:02:00Z;"
	                              "ship=since,2026-11-22T09:30:00Z;close=since,2026-11-22T09:30:00Z");
	page_free(&p);
	assert_string_equal(mk.http.problem, "");
}

static void
changes_page_through_ties_and_the_cursor_advances(void **state)
{
	struct sc_error err;
	struct page p;

	(void)state;
	sc_error_clear(&err);
	seed_cash_sale(1);
	seed("cashRefund", 2011, NULL, "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	seed("cashRefund", 2012, NULL, "2026-11-22 10:00:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"503\"},\"quantity\":1,\"amount\":10.00}]}}");
	seed("cashRefund", 2013, NULL, "2026-11-22 11:30:00",
	     "{\"createdFrom\":{\"id\":\"1001\"},\"currency\":{\"id\":\"1\"},\"item\":{\"items\":["
	     "{\"item\":{\"id\":\"501\"},\"quantity\":1,\"amount\":10.00}]}}");
	mk.page_max = 2;

	assert_int_equal(netsuite_ops.changes_page(fx.ns, "v1;since=2026-11-22T09:30:00Z", &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(change_refund(&p, 0)->id, "2011");
	assert_string_equal(change_refund(&p, 1)->id, "2012");
	assert_int_equal(p.more, 1);
	assert_string_equal(p.cursor, "v2;refund=after,2026-11-22T10:00:00Z,2;"
	                              "ship=done,2026-11-22T09:30:00Z;close=done,2026-11-22T09:30:00Z");
	page_free(&p);

	assert_int_equal(netsuite_ops.changes_page(fx.ns, "v2;refund=after,2026-11-22T10:00:00Z,2;"
	                                           "ship=done,2026-11-22T09:30:00Z;"
	                                           "close=done,2026-11-22T09:30:00Z", &p, &err), 0);
	assert_true(logged("POST /services/rest/query/v1/suiteql?limit=100&offset=2") >= 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(change_refund(&p, 0)->id, "2013");
	assert_int_equal(p.more, 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T11:30:00Z;"
	                              "ship=since,2026-11-22T09:30:00Z;close=since,2026-11-22T09:30:00Z");
	page_free(&p);

	/* nothing new: the cursor stays */
	assert_int_equal(netsuite_ops.changes_page(fx.ns, "v1;since=2026-11-22T11:30:00Z", &p, &err), 0);
	assert_int_equal(p.n, 1);                      /* 2013 again, inside the overlap */
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-22T11:30:00Z;"
	                              "ship=since,2026-11-22T11:30:00Z;close=since,2026-11-22T11:30:00Z");
	page_free(&p);
	mk.page_max = 0;
	assert_int_equal(netsuite_ops.changes_page(fx.ns, "v1;since=2026-11-23T00:00:00Z", &p, &err), 0);
	assert_int_equal(p.n, 0);
	assert_string_equal(p.cursor, "v2;refund=since,2026-11-23T00:00:00Z;"
	                              "ship=since,2026-11-23T00:00:00Z;close=since,2026-11-23T00:00:00Z");
	page_free(&p);
	assert_int_equal(netsuite_ops.changes_page(fx.ns, "v9;whatever", &p, &err), SC_EMALFORMED);
	assert_string_equal(mk.http.problem, "");
}

static void
the_adapter_advertises_refunds_and_changes(void **state)
{
	(void)state;
	assert_true(netsuite_ops.caps & ERP_CAP_REFUNDS);
	assert_true(netsuite_ops.caps & ERP_CAP_CHANGES);
	assert_non_null(netsuite_ops.refund_create);
	assert_non_null(netsuite_ops.changes_page);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(components_go_to_their_part),
		cmocka_unit_test(plan_puts_items_then_charges_and_leaves_fees_out),
		cmocka_unit_test(plan_omits_rate_unless_exact_and_quantity_for_amount_only_lines),
		cmocka_unit_test(plan_refusals_name_the_refund),
		cmocka_unit_test(differences_are_listed_line_by_line_and_the_total),
		cmocka_unit_test(cursors_round_trip_and_strangers_are_refused),
		cmocka_unit_test(external_ids_tell_the_connectors_records),
		cmocka_unit_test(the_adapter_advertises_refunds_and_changes),
	};
#define FLOW(f) cmocka_unit_test_setup_teardown(f, flow_setup, flow_teardown)
	const struct CMUnitTest flows[] = {
		FLOW(cash_sale_refund_is_one_transform_with_the_refund_lines),
		FLOW(invoice_to_customer_refund_goes_through_a_credit_memo),
		FLOW(sales_order_refund_uses_the_invoice_made_from_it),
		FLOW(sales_order_without_invoice_is_billed_first),
		FLOW(a_refund_made_before_is_found_and_not_made_again),
		FLOW(a_duplicate_refused_by_netsuite_is_looked_up),
		FLOW(a_transform_answered_without_location_is_looked_up),
		FLOW(a_record_that_differs_when_read_back_is_refused_listing_the_differences),
		FLOW(an_impossible_pair_is_refused_without_a_request),
		FLOW(an_item_the_order_does_not_hold_is_refused_before_any_write),
		FLOW(changes_report_new_user_refunds_of_synced_orders_only),
		FLOW(a_customer_refund_reports_the_credit_memo_it_pays_unless_the_connector_made_it),
		FLOW(a_record_that_cannot_be_read_goes_to_bad_and_the_page_goes_on),
		FLOW(changes_page_through_ties_and_the_cursor_advances),
	};
#undef FLOW
	int failed;

	failed = cmocka_run_group_tests_name("netsuite_refunds", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("netsuite_refunds_flows", flows, NULL, NULL);
	return failed != 0;
}
