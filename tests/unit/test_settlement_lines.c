/* test_settlement_lines.c: a settlement's posting with a line per order
 * (mapping/reconcile_orders.h, adapter.h's erp_ops.settlement_by_order):
 * each order's charges and refunds on one line with its ERP record, its fees
 * left on the fee lines, the category lines giving up exactly what the
 * orders took, zero lines left out, the balance checked to the cent, orders
 * without an ERP record refused, and memory that follows the orders, not
 * the rows.
 *
 * Every posting is built the way the engine builds it: the rows through the
 * reconciler (reconcile_journal, per category), then the same rows through
 * reconcile_orders. Every expected line is added up by hand in the comments
 * next to it (amounts in minor units, amount > 0 a debit), never taken from
 * the code's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/reconcile.h"
#include "mapping/reconcile_orders.h"

#define HEAD \
	"[category charges]\n" \
	"account = 4000\n" \
	"[category refunds]\n" \
	"account = 4100\n" \
	"[category fees]\n" \
	"account = 6000\n" \
	"[category adjustments]\n" \
	"account = 6900\n" \
	"[bank]\n" \
	"account = 1010\n" \
	"[match]\n"

/* test_reconcile.c's map: rule accounts in charges, fees and adjustments. */
static const char *full_map = HEAD
	"rule = Order / ItemPrice / Shipping -> charges, account 4010\n"
	"rule = * / ItemFees / * -> fees\n"
	"rule = Order / ItemPrice / * -> charges\n"
	"rule = Order / Promotion / * -> charges\n"
	"rule = Order / ItemWithheldTax / * -> charges, account 2200\n"
	"rule = Refund / ItemPrice / * -> refunds\n"
	"rule = other-transaction / other-transaction / Storage Fee -> fees, account 6100\n"
	"rule = other-transaction / * / * -> adjustments, account 2300\n"
	"rule = Adjustment / * / * -> adjustments\n"
	"rule = ServiceFee / * / * -> fees\n";

/* Rows that are not an order's may be charges too (a reversal). */
static const char *loose_map = HEAD
	"rule = * / ItemFees / * -> fees\n"
	"rule = * / ItemPrice / * -> charges\n"
	"rule = Refund / * / * -> refunds\n"
	"rule = other-transaction / * / * -> adjustments\n";

struct row {
	const char *tt, *order_id, *at, *desc;
	int64_t amount;
};

#define O1 "111-0000001-0000001"
#define O2 "111-0000002-0000002"

/* test_reconcile.c's USD settlement: deposit 44.97. */
static const struct row usd_rows[] = {
	/* 0 */ { "Order", O2, "ItemPrice", "Principal", 4999 },
	/* 1 */ { "Order", O2, "ItemPrice", "GiftWrap", 299 },
	/* 2 */ { "Order", O2, "ItemFees", "Commission", -795 },
	/* 3 */ { "Order", O1, "ItemPrice", "Principal", 10000 },
	/* 4 */ { "Order", O1, "ItemPrice", "Tax", 825 },
	/* 5 */ { "Order", O1, "ItemPrice", "Shipping", 599 },
	/* 6 */ { "Order", O1, "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -825 },
	/* 7 */ { "Order", O1, "Promotion", "Principal", -500 },
	/* 8 */ { "Order", O1, "ItemFees", "Commission", -1500 },
	/* 9 */ { "Order", O1, "ItemFees", "FBAPerUnitFulfillmentFee", -322 },
	/* 10 */ { "Refund", O1, "ItemPrice", "Principal", -5000 },
	/* 11 */ { "Refund", O1, "ItemFees", "Commission", 750 },
	/* 12 */ { "Refund", O1, "ItemFees", "RefundCommission", -150 },
	/* 13 */ { "other-transaction", "", "other-transaction", "Storage Fee", -1234 },
	/* 14 */ { "other-transaction", "", "other-transaction",
	           "Previous Reserve Amount Balance", 2000 },
	/* 15 */ { "other-transaction", "", "other-transaction", "Current Reserve Amount", -2500 },
	/* 16 */ { "Adjustment", "111-0000003-0000003", "FBA Inventory Reimbursement",
	           "WAREHOUSE_DAMAGE", 1850 },
	/* 17 */ { "ServiceFee", NULL, "other-transaction", "Subscription Fee", -3999 },
};
#define NUSD (sizeof(usd_rows) / sizeof(usd_rows[0]))

/* ---- the ERP records: a table of their own -------------------------------- */

static struct {
	int calls;
	const char *missing;            /* this order has no ERP record */
	int fail;                       /* ref_get fails */
} refs;

static int
ref_get(void *ud, const char *order_id, struct erp_ref *out, struct sc_error *err)
{
	assert_ptr_equal(ud, &refs);
	refs.calls++;
	if (refs.fail)
		return sc_error_set(err, SC_ERROR, "state: cannot read the binding of %s", order_id);
	if (refs.missing != NULL && strcmp(order_id, refs.missing) == 0)
		return 0;
	snprintf(out->type, sizeof(out->type), "sale");
	snprintf(out->id, sizeof(out->id), "ERP-%s", order_id);
	snprintf(out->external_id, sizeof(out->external_id), "AMZ-ORD-%s", order_id);
	return 1;
}

/* ---- building a posting as the engine does -------------------------------- */

struct posting {
	struct account_map *map;
	struct reconcile *rec;
	struct reconcile_orders *ro;
	struct journal_line *jl, *lines;
	size_t njl, n;
};

static struct settlement_header
header(int64_t total)
{
	struct settlement_header h;

	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "12345678901");
	snprintf(h.currency, sizeof(h.currency), "USD");
	h.exponent = 2;
	h.total = total;
	return h;
}

static struct settlement_line
line_of(const struct row *r, long lineno)
{
	struct settlement_line l;

	memset(&l, 0, sizeof(l));
	l.transaction_type = r->tt;
	l.order_id = r->order_id;
	l.amount_type = r->at;
	l.amount_description = r->desc;
	l.amount = r->amount;
	l.qty = 1;
	l.lineno = lineno;
	return l;
}

/* Reconcile `rows` into its journal, then feed `again` (the same rows unless
 * a test says otherwise) to reconcile_orders; the lines' result code. */
static int
build(struct posting *p, const char *map, int64_t total, const struct row *rows, size_t n,
      const struct row *again, size_t nagain, struct sc_error *err)
{
	struct settlement_header h = header(total);
	struct reconcile_result res;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	refs.calls = 0;
	sc_error_clear(err);
	if (mapping_account_map_load_string(&p->map, map, "t.map", err) != 0)
		fail_msg("map: %s", err->msg);
	if (reconcile_new(&p->rec, p->map, &h, err) != 0)
		fail_msg("reconcile_new: %s", err->msg);
	for (i = 0; i < n; i++) {
		struct settlement_line l = line_of(&rows[i], (long)i + 3);

		if (reconcile_line(p->rec, &l, err) != 0)
			fail_msg("reconcile_line: %s", err->msg);
	}
	assert_int_equal(reconcile_finish(p->rec, &res), 0);
	if (reconcile_journal(p->rec, &p->jl, &p->njl, err) != 0)
		fail_msg("reconcile_journal: %s", err->msg);
	assert_int_equal(reconcile_orders_new(&p->ro, p->map, &h, ref_get, &refs, err), 0);
	for (i = 0; i < nagain; i++) {
		struct settlement_line l = line_of(&again[i], (long)i + 3);

		if ((rc = reconcile_orders_row(p->ro, &l, err)) < 0)
			return rc;
	}
	return reconcile_orders_lines(p->ro, p->jl, p->njl, &p->lines, &p->n, err);
}

static void
posting_free(struct posting *p)
{
	free(p->lines);
	free(p->jl);
	reconcile_orders_free(p->ro);
	reconcile_free(p->rec);
	mapping_account_map_free(p->map);
	memset(p, 0, sizeof(*p));
}

/* One expected line: account NULL for an order's line. */
struct want {
	const char *category;
	const char *account;
	const char *order_id;
	int64_t amount;
};

static void
check_lines(const struct posting *p, const struct want *w, size_t n)
{
	char ref_id[64];
	size_t i;

	assert_int_equal(p->n, n);
	for (i = 0; i < n; i++) {
		const struct journal_line *l = &p->lines[i];

		assert_string_equal(l->category, w[i].category);
		assert_int_equal(l->amount, w[i].amount);
		if (w[i].order_id == NULL) {
			assert_non_null(l->account);
			assert_string_equal(l->account, w[i].account);
			assert_null(l->order_id);
			assert_null(l->order_ref);
			continue;
		}
		assert_null(l->account);
		assert_string_equal(l->order_id, w[i].order_id);
		assert_non_null(l->order_ref);
		snprintf(ref_id, sizeof(ref_id), "ERP-%s", w[i].order_id);
		assert_string_equal(l->order_ref->type, "sale");
		assert_string_equal(l->order_ref->id, ref_id);
		assert_true(strncmp(l->order_ref->external_id, "AMZ-ORD-", 8) == 0);
		assert_string_equal(l->order_ref->external_id + 8, w[i].order_id);
	}
}

/* ---- tests ------------------------------------------------------------------- */

static void
each_orders_charges_and_refunds_become_one_line_and_its_fees_stay_on_the_fee_lines(
    void **state)
{
	/* By hand, the per-category journal (test_reconcile.c's figures):
	 *   bank 1010 +4497; charges 4000 -(4999+299+10000+825-500) = -15623,
	 *   4010 -599, 2200 +825; refunds 4100 +5000; fees 6000
	 *   -(-795-1500-322+750-150-3999) = +6016, 6100 +1234; adjustments 6900
	 *   -1850, 2300 -(2000-2500) = +500.
	 * Per order: O2 rows 0 1: 4999 + 299 = 5298 -> -5298 (named first);
	 *   O1 rows 3 4 5 6 7 10: 10000 + 825 + 599 - 825 - 500 - 5000 = 5099
	 *   -> -5099. The lines 4000 (-15623 + 15623), 4010, 2200 and 4100 are
	 *   then zero and left out; the fees (the orders' commissions included),
	 *   the reserve and the reimbursement (an Adjustment names an order, but
	 *   is not an order's sale) stay.
	 * 4497 - 5298 - 5099 + 6016 + 1234 - 1850 + 500 = 0. */
	static const struct want w[] = {
		{ "bank", "1010", NULL, 4497 },
		{ "order", NULL, O2, -5298 },
		{ "order", NULL, O1, -5099 },
		{ "fees", "6000", NULL, 6016 },
		{ "fees", "6100", NULL, 1234 },
		{ "adjustments", "6900", NULL, -1850 },
		{ "adjustments", "2300", NULL, 500 },
	};
	struct posting p;
	struct sc_error err;

	(void)state;
	if (build(&p, full_map, 4497, usd_rows, NUSD, usd_rows, NUSD, &err) != 0)
		fail_msg("%s", err.msg);
	check_lines(&p, w, sizeof(w) / sizeof(w[0]));
	assert_int_equal(reconcile_orders_count(p.ro), 2);
	assert_int_equal(refs.calls, 2);     /* one lookup per order, not per row */
	posting_free(&p);
}

static void
a_category_line_keeps_what_is_not_the_orders_and_one_that_summed_to_zero_appears(
    void **state)
{
	/* Charges that are no order's (a reversal, other-transaction / ItemPrice)
	 * stay on the charges line.
	 * 1. rows A +3000, reversal -3000, A fee -450, B +1000, reversal -200:
	 *    deposit 3000 - 3000 - 450 + 1000 - 200 = 350; journal bank +350,
	 *    charges -(3000 - 3000 + 1000 - 200) = -800, fees +450. Orders A
	 *    -3000, B -1000; charges -800 + 4000 = +3200 (the reversals, -3200,
	 *    negated). 350 - 3000 - 1000 + 3200 + 450 = 0.
	 * 2. rows A +3000, reversal -3000, A fee -450: deposit -450; journal bank
	 *    -450, fees +450, no charges line (3000 - 3000 = 0). Order A -3000,
	 *    and a charges line +3000 after jl's lines. -450 - 3000 + 450 + 3000
	 *    = 0. */
	static const struct row rows[] = {
		{ "Order", "A", "ItemPrice", "Principal", 3000 },
		{ "other-transaction", "", "ItemPrice", "Principal", -3000 },
		{ "Order", "A", "ItemFees", "Commission", -450 },
		{ "Order", "B", "ItemPrice", "Principal", 1000 },
		{ "other-transaction", "", "ItemPrice", "Principal", -200 },
	};
	static const struct want w1[] = {
		{ "bank", "1010", NULL, 350 },
		{ "order", NULL, "A", -3000 },
		{ "order", NULL, "B", -1000 },
		{ "charges", "4000", NULL, 3200 },
		{ "fees", "6000", NULL, 450 },
	};
	static const struct want w2[] = {
		{ "bank", "1010", NULL, -450 },
		{ "order", NULL, "A", -3000 },
		{ "fees", "6000", NULL, 450 },
		{ "charges", "4000", NULL, 3000 },
	};
	struct posting p;
	struct sc_error err;

	(void)state;
	if (build(&p, loose_map, 350, rows, 5, rows, 5, &err) != 0)
		fail_msg("%s", err.msg);
	check_lines(&p, w1, sizeof(w1) / sizeof(w1[0]));
	posting_free(&p);
	if (build(&p, loose_map, -450, rows, 3, rows, 3, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(p.njl, 2);          /* the journal has no charges line */
	check_lines(&p, w2, sizeof(w2) / sizeof(w2[0]));
	posting_free(&p);
}

static void
an_order_refunded_in_full_in_the_same_settlement_gets_no_line(void **state)
{
	/* A +2000, A's refund -2000, A's fee -300: deposit -300. Journal bank
	 * -300, charges -2000, refunds +2000, fees +300. A's line 2000 - 2000 =
	 * 0, charges -2000 + 2000 = 0, refunds 2000 - 2000 = 0: left out. */
	static const struct row rows[] = {
		{ "Order", "A", "ItemPrice", "Principal", 2000 },
		{ "Refund", "A", "ItemPrice", "Principal", -2000 },
		{ "Order", "A", "ItemFees", "Commission", -300 },
	};
	static const struct want w[] = {
		{ "bank", "1010", NULL, -300 },
		{ "fees", "6000", NULL, 300 },
	};
	struct posting p;
	struct sc_error err;

	(void)state;
	if (build(&p, loose_map, -300, rows, 3, rows, 3, &err) != 0)
		fail_msg("%s", err.msg);
	check_lines(&p, w, sizeof(w) / sizeof(w[0]));
	assert_int_equal(reconcile_orders_count(p.ro), 1);
	posting_free(&p);
}

static void
an_order_without_an_erp_record_stops_the_lines_naming_it(void **state)
{
	struct posting p;
	struct sc_error err;

	(void)state;
	refs.missing = O1;
	assert_int_equal(build(&p, full_map, 4497, usd_rows, NUSD, usd_rows, NUSD, &err),
	                 SC_ENOTFOUND);
	assert_non_null(strstr(err.msg, "order " O1 " has no ERP record"));
	assert_null(p.lines);
	posting_free(&p);
	refs.missing = NULL;
	refs.fail = 1;
	assert_int_equal(build(&p, full_map, 4497, usd_rows, NUSD, usd_rows, NUSD, &err), SC_ERROR);
	assert_non_null(strstr(err.msg, "cannot read the binding of " O2));
	posting_free(&p);
	refs.fail = 0;
}

static void
rows_that_are_not_the_journals_or_a_journal_that_does_not_balance_are_never_posted(
    void **state)
{
	struct row changed[NUSD];
	struct posting p;
	struct sc_error err;

	(void)state;
	/* the file read again has one cent more in row 3 */
	memcpy(changed, usd_rows, sizeof(changed));
	changed[3].amount = 10001;
	assert_int_equal(build(&p, full_map, 4497, usd_rows, NUSD, changed, NUSD, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "settlement 12345678901: the rows read again differ from the "
	                    "journal by 0.01: not posted");
	assert_null(p.lines);
	assert_int_equal(p.n, 0);
	posting_free(&p);
	/* a journal whose bank line is one cent off (the category lines right) */
	if (build(&p, full_map, 4497, usd_rows, NUSD, usd_rows, NUSD, &err) != 0)
		fail_msg("%s", err.msg);
	free(p.lines);
	p.lines = NULL;
	assert_string_equal(p.jl[0].category, "bank");
	p.jl[0].amount = 4498;
	assert_int_equal(reconcile_orders_lines(p.ro, p.jl, p.njl, &p.lines, &p.n, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "settlement 12345678901: the lines per order add up to 0.01: "
	                    "not posted");
	assert_null(p.lines);
	posting_free(&p);
}

static void
memory_follows_the_orders_never_the_rows(void **state)
{
	/* 1. 200,000 rows of three orders, interleaved: three entries, three
	 *    lookups. Order k (k = 0, 1, 2) gets rows i = k, k + 3, ...: 66,667
	 *    rows of 1 for k = 0 (200,000 = 3 x 66,666 + 2), 66,667 for k = 1,
	 *    66,666 for k = 2.
	 * 2. 5000 orders, each named twice, far apart (all first rows, then all
	 *    second rows): order i's rows i + 1 and 100, its line -(i + 101). */
	static const char *ids3[] = { "K0", "K1", "K2" };
	struct settlement_header h = header(0);
	struct account_map *m = NULL;
	struct reconcile_orders *o = NULL;
	struct journal_line *lines = NULL, jl;
	struct sc_error err;
	char id[32];
	int64_t total = 0;
	size_t i, n = 0;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(mapping_account_map_load_string(&m, loose_map, "t.map", &err), 0);
	refs.calls = 0;
	assert_int_equal(reconcile_orders_new(&o, m, &h, ref_get, &refs, &err), 0);
	for (i = 0; i < 200000; i++) {
		struct row r = { "Order", ids3[i % 3], "ItemPrice", "Principal", 1 };
		struct settlement_line l = line_of(&r, (long)i + 3);

		assert_int_equal(reconcile_orders_row(o, &l, &err), 0);
	}
	assert_int_equal(reconcile_orders_count(o), 3);
	assert_int_equal(refs.calls, 3);
	memset(&jl, 0, sizeof(jl));
	jl.category = "charges";
	jl.account = "4000";
	jl.amount = -200000;   /* with the bank line +200000 this is the journal */
	{
		struct journal_line two[2];

		memset(two, 0, sizeof(two));
		two[0].category = "bank";
		two[0].account = "1010";
		two[0].amount = 200000;
		two[1] = jl;
		assert_int_equal(reconcile_orders_lines(o, two, 2, &lines, &n, &err), 0);
	}
	assert_int_equal(n, 4);   /* bank and three orders; charges 0 left out */
	assert_int_equal(lines[1].amount, -66667);
	assert_int_equal(lines[2].amount, -66667);
	assert_int_equal(lines[3].amount, -66666);
	free(lines);
	reconcile_orders_free(o);

	refs.calls = 0;
	assert_int_equal(reconcile_orders_new(&o, m, &h, ref_get, &refs, &err), 0);
	for (i = 0; i < 10000; i++) {
		struct row r = { "Order", id, "ItemPrice", "Principal", 0 };
		struct settlement_line l;

		snprintf(id, sizeof(id), "X-%05zu", i % 5000);
		r.amount = i < 5000 ? (int64_t)i + 1 : 100;
		total += r.amount;
		l = line_of(&r, (long)i + 3);
		assert_int_equal(reconcile_orders_row(o, &l, &err), 0);
	}
	assert_int_equal(reconcile_orders_count(o), 5000);
	assert_int_equal(refs.calls, 5000);
	{
		struct journal_line two[2];

		memset(two, 0, sizeof(two));
		two[0].category = "bank";
		two[0].account = "1010";
		two[0].amount = total;
		two[1].category = "charges";
		two[1].account = "4000";
		two[1].amount = -total;
		assert_int_equal(reconcile_orders_lines(o, two, 2, &lines, &n, &err), 0);
	}
	assert_int_equal(n, 5001);
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "X-%05zu", i);
		assert_string_equal(lines[i + 1].order_id, id);
		assert_int_equal(lines[i + 1].amount, -((int64_t)i + 101));
	}
	free(lines);
	reconcile_orders_free(o);
	reconcile_orders_free(NULL);
	mapping_account_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    each_orders_charges_and_refunds_become_one_line_and_its_fees_stay_on_the_fee_lines),
		cmocka_unit_test(
		    a_category_line_keeps_what_is_not_the_orders_and_one_that_summed_to_zero_appears),
		cmocka_unit_test(an_order_refunded_in_full_in_the_same_settlement_gets_no_line),
		cmocka_unit_test(an_order_without_an_erp_record_stops_the_lines_naming_it),
		cmocka_unit_test(
		    rows_that_are_not_the_journals_or_a_journal_that_does_not_balance_are_never_posted),
		cmocka_unit_test(memory_follows_the_orders_never_the_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
