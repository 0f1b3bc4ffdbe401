/* test_reconcile.c: the settlement reconciler (mapping/reconcile.h): totals
 * per category, balance against the deposit, unknown rows, suspense, the
 * journal, order ids, JPY, overflow.
 *
 * Every expected figure is added up by hand in the comments next to it
 * (amounts in minor units), never taken from the code's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/reconcile.h"

#define HEAD \
	"[category charges]\n"       /* 1 */ \
	"account = 4000\n"           /* 2 */ \
	"[category refunds]\n"       /* 3 */ \
	"account = 4100\n"           /* 4 */ \
	"[category fees]\n"          /* 5 */ \
	"account = 6000\n"           /* 6 */ \
	"[category adjustments]\n"   /* 7 */ \
	"account = 6900\n"           /* 8 */ \
	"[bank]\n"                   /* 9 */ \
	"account = 1010\n"           /* 10 */ \
	"[match]\n"                  /* 11 */

static const char *full_map = HEAD
	"rule = Order / ItemPrice / Shipping -> charges, account 4010\n"                 /* 12 */
	"rule = * / ItemFees / * -> fees\n"                                              /* 13 */
	"rule = Order / ItemPrice / * -> charges\n"                                      /* 14 */
	"rule = Order / Promotion / * -> charges\n"                                      /* 15 */
	"rule = Order / ItemWithheldTax / * -> charges, account 2200\n"                  /* 16 */
	"rule = Refund / ItemPrice / * -> refunds\n"                                     /* 17 */
	"rule = other-transaction / other-transaction / Storage Fee -> fees, account 6100\n"
	"rule = other-transaction / * / * -> adjustments, account 2300\n"                /* 19 */
	"rule = Adjustment / * / * -> adjustments\n"                                     /* 20 */
	"rule = ServiceFee / * / * -> fees\n";                                           /* 21 */

/* Order / ItemFees is known for Commission only. */
static const char *strict_map = HEAD
	"rule = Order / ItemPrice / * -> charges\n"          /* 12 */
	"rule = Order / ItemFees / Commission -> fees\n";    /* 13 */

struct row {
	const char *tt, *order_id, *at, *desc;
	int64_t amount;
};

/* A settlement with two orders, a refund, fees, storage, a reserve carried
 * over and a new one, a reimbursement and a service fee (USD, cents). */
static const struct row usd_rows[] = {
	/* 0 */ { "Order", "111-0000002-0000002", "ItemPrice", "Principal", 4999 },
	/* 1 */ { "Order", "111-0000002-0000002", "ItemPrice", "GiftWrap", 299 },
	/* 2 */ { "Order", "111-0000002-0000002", "ItemFees", "Commission", -795 },
	/* 3 */ { "Order", "111-0000001-0000001", "ItemPrice", "Principal", 10000 },
	/* 4 */ { "Order", "111-0000001-0000001", "ItemPrice", "Tax", 825 },
	/* 5 */ { "Order", "111-0000001-0000001", "ItemPrice", "Shipping", 599 },
	/* 6 */ { "Order", "111-0000001-0000001", "ItemWithheldTax",
	          "MarketplaceFacilitatorTax-Principal", -825 },
	/* 7 */ { "Order", "111-0000001-0000001", "Promotion", "Principal", -500 },
	/* 8 */ { "Order", "111-0000001-0000001", "ItemFees", "Commission", -1500 },
	/* 9 */ { "Order", "111-0000001-0000001", "ItemFees", "FBAPerUnitFulfillmentFee", -322 },
	/* 10 */ { "Refund", "111-0000001-0000001", "ItemPrice", "Principal", -5000 },
	/* 11 */ { "Refund", "111-0000001-0000001", "ItemFees", "Commission", 750 },
	/* 12 */ { "Refund", "111-0000001-0000001", "ItemFees", "RefundCommission", -150 },
	/* 13 */ { "other-transaction", "", "other-transaction", "Storage Fee", -1234 },
	/* 14 */ { "other-transaction", "", "other-transaction",
	           "Previous Reserve Amount Balance", 2000 },
	/* 15 */ { "other-transaction", "", "other-transaction", "Current Reserve Amount", -2500 },
	/* 16 */ { "Adjustment", "111-0000003-0000003", "FBA Inventory Reimbursement",
	           "WAREHOUSE_DAMAGE", 1850 },
	/* 17 */ { "ServiceFee", NULL, "other-transaction", "Subscription Fee", -3999 },
};
#define NUSD (sizeof(usd_rows) / sizeof(usd_rows[0]))

/* By hand:
 * charges     rows 0 1 3 4 5 6 7: 4999 + 299 + 10000 + 825 + 599 - 825 - 500 = 15397
 * refunds     row 10:                                                        = -5000
 * fees        rows 2 8 9 11 12 13 17: -795 - 1500 - 322 + 750 - 150 - 1234 - 3999 = -7250
 * adjustments rows 14 15 16: 2000 - 2500 + 1850                              = 1350
 * sum 15397 - 5000 - 7250 + 1350 = 4497: the deposit is 44.97. */
#define USD_TOTAL 4497

static struct account_map *
map_load(const char *text)
{
	struct account_map *m = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	if (mapping_account_map_load_string(&m, text, "t.map", &err) != 0)
		fail_msg("map: %s", err.msg);
	return m;
}

static struct settlement_header
header(const char *cur, int exponent, int64_t total)
{
	struct settlement_header h;

	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "12345678901");
	snprintf(h.currency, sizeof(h.currency), "%s", cur);
	h.exponent = exponent;
	h.total = total;
	return h;
}

static struct reconcile *
start(const struct account_map *m, const struct settlement_header *h)
{
	struct reconcile *r = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	if (reconcile_new(&r, m, h, &err) != 0)
		fail_msg("reconcile_new: %s", err.msg);
	return r;
}

/* Feed row i as file line i + 3 (line 1 the column names, 2 the summary). */
static int
feed(struct reconcile *r, const struct row *rows, size_t n, struct sc_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct settlement_line l;

		memset(&l, 0, sizeof(l));
		l.transaction_type = rows[i].tt;
		l.order_id = rows[i].order_id;
		l.amount_type = rows[i].at;
		l.amount_description = rows[i].desc;
		l.amount = rows[i].amount;
		l.qty = 1;
		l.lineno = (long)i + 3;
		if ((rc = reconcile_line(r, &l, err)) < 0)
			return rc;
	}
	return 0;
}

static int
feed_one(struct reconcile *r, const char *tt, const char *at, const char *desc,
         int64_t amount, long lineno, struct sc_error *err)
{
	struct settlement_line l;

	memset(&l, 0, sizeof(l));
	l.transaction_type = tt;
	l.amount_type = at;
	l.amount_description = desc;
	l.amount = amount;
	l.lineno = lineno;
	return reconcile_line(r, &l, err);
}

/* The four categories add up to the sum of the detail rows. */
static void
check_categories_add_up(const struct reconcile_result *res)
{
	assert_int_equal(res->charges + res->refunds + res->fees + res->adjustments, res->sum);
	assert_int_equal(res->sum - res->total, res->balance);
}

struct jl {
	const char *account;
	int64_t amount;
	const char *category;
};

static void
check_journal(const struct reconcile *r, const struct jl *want, size_t nwant)
{
	struct journal_line *lines = NULL;
	struct sc_error err;
	int64_t total = 0;
	size_t n = 0, i;

	sc_error_clear(&err);
	if (reconcile_journal(r, &lines, &n, &err) != 0)
		fail_msg("journal: %s", err.msg);
	if (n != nwant)
		fail_msg("%zu journal lines, expected %zu", n, nwant);
	for (i = 0; i < n; i++) {
		if (strcmp(lines[i].account, want[i].account) != 0 ||
		    lines[i].amount != want[i].amount ||
		    strcmp(lines[i].category, want[i].category) != 0)
			fail_msg("line %zu: %s %lld %s, expected %s %lld %s", i, lines[i].account,
			         (long long)lines[i].amount, lines[i].category, want[i].account,
			         (long long)want[i].amount, want[i].category);
		assert_null(lines[i].memo);
		assert_null(lines[i].order_id);
		assert_null(lines[i].order_ref);
		total += lines[i].amount;
	}
	assert_int_equal(total, 0);
	free(lines);
}

/* ---- a settlement that adds up ------------------------------------------ */

static void
a_settlement_that_adds_up_reconciles_to_zero_and_its_journal_balances(void **state)
{
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("USD", 2, USD_TOTAL);
	struct reconcile *r = start(m, &h);
	struct reconcile_result res;
	struct sc_error err;
	/* By hand, from usd_rows and full_map: each account is posted minus the
	 * sum of its rows, the bank the deposit.
	 * 4000 rows 0 1 3 4 7: 4999 + 299 + 10000 + 825 - 500 = 15623 -> -15623
	 * 4010 row 5: 599 -> -599;  2200 row 6: -825 -> 825
	 * 4100 row 10: -5000 -> 5000
	 * 6000 rows 2 8 9 11 12 17: -795 - 1500 - 322 + 750 - 150 - 3999 = -6016 -> 6016
	 * 6100 row 13: -1234 -> 1234
	 * 6900 row 16: 1850 -> -1850;  2300 rows 14 15: 2000 - 2500 = -500 -> 500
	 * 4497 - 15623 - 599 + 825 + 5000 + 6016 + 1234 - 1850 + 500 = 0 */
	static const struct jl want[] = {
		{ "1010", 4497, "bank" },
		{ "4000", -15623, "charges" },
		{ "4010", -599, "charges" },
		{ "2200", 825, "charges" },
		{ "4100", 5000, "refunds" },
		{ "6000", 6016, "fees" },
		{ "6100", 1234, "fees" },
		{ "6900", -1850, "adjustments" },
		{ "2300", 500, "adjustments" },
	};

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(feed(r, usd_rows, NUSD, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.charges, 15397);
	assert_int_equal(res.refunds, -5000);
	assert_int_equal(res.fees, -7250);
	assert_int_equal(res.adjustments, 1350);
	assert_int_equal(res.sum, 4497);
	assert_int_equal(res.total, 4497);
	assert_int_equal(res.balance, 0);
	assert_int_equal(res.lines, NUSD);
	assert_int_equal(res.suspense_lines, 0);
	assert_int_equal(res.first_suspense_lineno, 0);
	assert_int_equal(res.status, RECONCILE_RECONCILED);
	check_categories_add_up(&res);
	check_journal(r, want, sizeof(want) / sizeof(want[0]));

	/* the orders of the Order and Refund rows, sorted, once each; the
	 * reimbursement's order is not one of them */
	assert_int_equal(reconcile_order_count(r), 2);
	assert_string_equal(reconcile_order_at(r, 0), "111-0000001-0000001");
	assert_string_equal(reconcile_order_at(r, 1), "111-0000002-0000002");
	assert_null(reconcile_order_at(r, 2));
	reconcile_free(r);
	mapping_account_map_free(m);
}

/* ---- one cent off -------------------------------------------------------- */

struct cent_case {
	int row;              /* the row changed, -1: none */
	int64_t amount;       /* its new amount */
	int64_t total;        /* the deposit */
	int64_t balance;      /* sum - total, by hand */
	int64_t charges, fees;
};

static const struct cent_case cent_cases[] = {
	/* row 3 10000 -> 10001: charges 15398, sum 4498 */
	{ 3, 10001, 4497, 1, 15398, -7250 },
	/* row 8 -1500 -> -1501: fees -7251, sum 4496 */
	{ 8, -1501, 4497, -1, 15397, -7251 },
	/* row 17 -3999 -> -3998: fees -7249, sum 4498 */
	{ 17, -3998, 4497, 1, 15397, -7249 },
	/* the deposit one cent more or less than the rows */
	{ -1, 0, 4498, -1, 15397, -7250 },
	{ -1, 0, 4496, 1, 15397, -7250 },
};

static void
one_cent_off_is_unbalanced_by_exactly_one_cent_and_never_journaled(void **state)
{
	struct account_map *m = map_load(full_map);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cent_cases) / sizeof(cent_cases[0]); i++) {
		const struct cent_case *c = &cent_cases[i];
		struct settlement_header h = header("USD", 2, c->total);
		struct reconcile *r = start(m, &h);
		struct row rows[NUSD];
		struct reconcile_result res;
		struct journal_line *lines = (struct journal_line *)&lines;
		struct sc_error err;
		size_t n = 99;

		memcpy(rows, usd_rows, sizeof(rows));
		if (c->row >= 0)
			rows[c->row].amount = c->amount;
		sc_error_clear(&err);
		assert_int_equal(feed(r, rows, NUSD, &err), 0);
		assert_int_equal(reconcile_finish(r, &res), 0);
		if (res.balance != c->balance || res.charges != c->charges || res.fees != c->fees)
			fail_msg("case %zu: balance %lld charges %lld fees %lld", i,
			         (long long)res.balance, (long long)res.charges, (long long)res.fees);
		assert_int_equal(res.status, RECONCILE_UNBALANCED);
		assert_int_equal(res.refunds, -5000);
		assert_int_equal(res.adjustments, 1350);
		check_categories_add_up(&res);
		assert_int_equal(reconcile_journal(r, &lines, &n, &err), SC_EINVALID);
		assert_null(lines);
		assert_int_equal(n, 0);
		assert_non_null(strstr(err.msg, "settlement 12345678901 does not balance, not posted"));
		reconcile_free(r);
	}
	mapping_account_map_free(m);
}

static void
the_unbalanced_error_gives_every_figure(void **state)
{
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("USD", 2, USD_TOTAL);
	struct reconcile *r = start(m, &h);
	struct row rows[NUSD];
	struct reconcile_result res;
	struct journal_line *lines = NULL;
	struct sc_error err;
	char text[400];
	size_t n = 0;
	int len;
	/* row 3 one cent more: charges 15398, sum 4498, difference +0.01 */
	const char *figures = "charges 153.98, refunds -50.00, fees -72.50, adjustments 13.50, "
	                      "detail rows 44.98, deposit 44.97, difference 0.01 USD";

	(void)state;
	memcpy(rows, usd_rows, sizeof(rows));
	rows[3].amount = 10001;
	sc_error_clear(&err);
	assert_int_equal(feed(r, rows, NUSD, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	len = reconcile_result_format(&res, "USD", 2, text, sizeof(text));
	assert_string_equal(text, figures);
	assert_int_equal(len, (int)strlen(figures));
	assert_int_equal(reconcile_journal(r, &lines, &n, &err), SC_EINVALID);
	snprintf(text, sizeof(text), "settlement 12345678901 does not balance, not posted: %s",
	         figures);
	assert_string_equal(err.msg, text);
	/* truncated, NUL-terminated, and the length it wanted */
	assert_int_equal(reconcile_result_format(&res, "USD", 2, text, 8), (int)strlen(figures));
	assert_string_equal(text, "charges");
	reconcile_free(r);
	mapping_account_map_free(m);
}

/* ---- unknown rows and suspense ------------------------------------------ */

static const struct row strict_rows[] = {
	/* line 3 */ { "Order", "111-1", "ItemPrice", "Principal", 1000 },
	/* line 4 */ { "Order", "111-1", "ItemFees", "Commission", -150 },
	/* line 5 */ { "Order", "111-1", "ItemFees", "NewFee", -25 },
};

static void
an_unknown_combination_is_an_error_naming_its_line(void **state)
{
	struct account_map *m = map_load(strict_map);
	struct settlement_header h = header("USD", 2, 825);
	struct reconcile *r = start(m, &h);
	struct reconcile_result res;
	struct sc_error err;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(feed(r, strict_rows, 3, &err), SC_EINVALID);
	assert_string_equal(err.msg, "line 5: no account for Order / ItemFees / NewFee (add it "
	                    "to the map, or set [suspense] account)");
	/* the refused row changed nothing: 1000 - 150 = 850 from two rows */
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.lines, 2);
	assert_int_equal(res.sum, 850);
	assert_int_equal(res.charges, 1000);
	assert_int_equal(res.fees, -150);
	check_categories_add_up(&res);
	/* empty and missing strings are shown as "" */
	assert_int_equal(feed_one(r, "Order", "ItemFees", "", -1, 9, &err), SC_EINVALID);
	assert_string_equal(err.msg, "line 9: no account for Order / ItemFees / \"\" (add it to "
	                    "the map, or set [suspense] account)");
	assert_int_equal(feed_one(r, NULL, NULL, NULL, -1, 10, &err), SC_EINVALID);
	assert_string_equal(err.msg, "line 10: no account for \"\" / \"\" / \"\" (add it to the "
	                    "map, or set [suspense] account)");
	reconcile_free(r);
	mapping_account_map_free(m);
}

static void
with_a_suspense_account_an_unknown_row_is_posted_there_as_an_adjustment(void **state)
{
	char text[2048];
	struct account_map *m;
	struct settlement_header h = header("USD", 2, 825);
	struct reconcile *r;
	struct reconcile_result res;
	struct sc_error err;
	/* 1000 - 150 - 25 = 825; the journal: bank 825, 4000 -1000, 6000 150,
	 * 9999 25 (the NewFee row, as an adjustment) */
	static const struct jl want[] = {
		{ "1010", 825, "bank" },
		{ "4000", -1000, "charges" },
		{ "6000", 150, "fees" },
		{ "9999", 25, "adjustments" },
	};

	(void)state;
	snprintf(text, sizeof(text), "%s[suspense]\naccount = 9999\n", strict_map);
	m = map_load(text);
	r = start(m, &h);
	sc_error_clear(&err);
	assert_int_equal(feed(r, strict_rows, 3, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.status, RECONCILE_RECONCILED);
	assert_int_equal(res.charges, 1000);
	assert_int_equal(res.fees, -150);
	assert_int_equal(res.adjustments, -25);
	assert_int_equal(res.suspense_lines, 1);
	assert_int_equal(res.first_suspense_lineno, 5);
	check_categories_add_up(&res);
	check_journal(r, want, sizeof(want) / sizeof(want[0]));
	reconcile_free(r);
	mapping_account_map_free(m);
}

/* ---- JPY: no decimals ----------------------------------------------------- */

static void
a_yen_settlement_reconciles_and_reports_whole_yen(void **state)
{
	static const struct row rows[] = {
		{ "Order", "250-1", "ItemPrice", "Principal", 1500 },
		{ "Order", "250-1", "ItemFees", "Commission", -225 },
		{ "Order", "250-1", "ItemFees", "FBAPerUnitFulfillmentFee", -318 },
	};
	/* 1500 - 225 - 318 = 957 yen */
	static const struct jl want[] = {
		{ "1010", 957, "bank" },
		{ "4000", -1500, "charges" },
		{ "6000", 543, "fees" },
	};
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("JPY", 0, 957);
	struct reconcile *r = start(m, &h);
	struct reconcile_result res;
	struct journal_line *lines = NULL;
	struct sc_error err;
	size_t n = 0;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(feed(r, rows, 3, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.status, RECONCILE_RECONCILED);
	assert_int_equal(res.sum, 957);
	check_journal(r, want, 3);
	reconcile_free(r);

	/* one yen short */
	h = header("JPY", 0, 958);
	r = start(m, &h);
	assert_int_equal(feed(r, rows, 3, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.status, RECONCILE_UNBALANCED);
	assert_int_equal(res.balance, -1);
	check_categories_add_up(&res);
	assert_int_equal(reconcile_journal(r, &lines, &n, &err), SC_EINVALID);
	assert_string_equal(err.msg, "settlement 12345678901 does not balance, not posted: "
	                    "charges 1500, refunds 0, fees -543, adjustments 0, detail rows 957, "
	                    "deposit 958, difference -1 JPY");
	reconcile_free(r);
	mapping_account_map_free(m);
}

/* ---- journal details ------------------------------------------------------ */

static void
accounts_that_net_to_zero_are_left_out_of_the_journal(void **state)
{
	static const struct row rows[] = {
		{ "Order", "1", "ItemPrice", "Principal", 2000 },
		{ "other-transaction", "", "other-transaction", "Previous Reserve Amount Balance",
		  700 },
		{ "other-transaction", "", "other-transaction", "Current Reserve Amount", -700 },
		{ "Order", "1", "ItemFees", "Commission", -300 },
	};
	/* 2000 + 700 - 700 - 300 = 1700; 2300 nets to zero */
	static const struct jl want[] = {
		{ "1010", 1700, "bank" },
		{ "4000", -2000, "charges" },
		{ "6000", 300, "fees" },
	};
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("EUR", 2, 1700);
	struct reconcile *r = start(m, &h);
	struct sc_error err;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(feed(r, rows, 4, &err), 0);
	check_journal(r, want, 3);
	reconcile_free(r);
	mapping_account_map_free(m);
}

static void
a_settlement_of_nothing_has_an_empty_journal(void **state)
{
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("USD", 2, 0);
	struct reconcile *r = start(m, &h);
	struct reconcile_result res;
	struct journal_line *lines = (struct journal_line *)&lines;
	struct sc_error err;
	size_t n = 99;

	(void)state;
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.status, RECONCILE_RECONCILED);
	assert_int_equal(res.lines, 0);
	assert_int_equal(reconcile_order_count(r), 0);
	assert_null(reconcile_order_at(r, 0));
	sc_error_clear(&err);
	assert_int_equal(reconcile_journal(r, &lines, &n, &err), 0);
	assert_null(lines);
	assert_int_equal(n, 0);
	reconcile_free(r);
	reconcile_free(NULL);
	mapping_account_map_free(m);
}

/* ---- order ids -------------------------------------------------------------- */

static void
order_ids_come_out_sorted_and_unique_however_often_and_in_whatever_order(void **state)
{
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("USD", 2, 0);
	struct reconcile *r = start(m, &h);
	struct reconcile_result res;
	struct sc_error err;
	char id[32], want[32];
	size_t i;

	(void)state;
	sc_error_clear(&err);
	/* 6000 rows over 300 orders in a scrambled order (7919 is prime to 300),
	 * each row +1 and -1 alternately so the rows sum to zero */
	for (i = 0; i < 6000; i++) {
		struct settlement_line l;

		memset(&l, 0, sizeof(l));
		snprintf(id, sizeof(id), "ID-%05zu", (i * 7919) % 300);
		l.transaction_type = i % 2 ? "Refund" : "Order";
		l.order_id = id;
		l.amount_type = "ItemPrice";
		l.amount_description = "Principal";
		l.amount = i % 2 ? -1 : 1;
		l.lineno = (long)i + 3;
		assert_int_equal(reconcile_line(r, &l, &err), 0);
	}
	/* rows of other types do not count, nor empty ids */
	assert_int_equal(feed_one(r, "Adjustment", "X", "Y", 0, 7000, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.lines, 6001);
	assert_int_equal(res.charges, 3000);
	assert_int_equal(res.refunds, -3000);
	assert_int_equal(reconcile_order_count(r), 300);
	for (i = 0; i < 300; i++) {
		snprintf(want, sizeof(want), "ID-%05zu", i);
		assert_string_equal(reconcile_order_at(r, i), want);
	}
	/* more rows after a finish, and a finish again */
	{
		struct settlement_line l;

		memset(&l, 0, sizeof(l));
		l.transaction_type = "Order";
		l.order_id = "ID-00000A";
		l.amount_type = "ItemPrice";
		l.amount_description = "Tax";
		l.lineno = 7001;
		assert_int_equal(reconcile_line(r, &l, &err), 0);
		l.order_id = "";
		assert_int_equal(reconcile_line(r, &l, &err), 0);
	}
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(reconcile_order_count(r), 301);
	assert_string_equal(reconcile_order_at(r, 0), "ID-00000");
	assert_string_equal(reconcile_order_at(r, 1), "ID-00000A");
	assert_string_equal(reconcile_order_at(r, 2), "ID-00001");
	reconcile_free(r);
	mapping_account_map_free(m);
}

/* ---- overflow --------------------------------------------------------------- */

#define OVF " overflow (more than a 64-bit count of minor units)"

static void
sums_that_would_overflow_are_refused_and_change_nothing(void **state)
{
	struct account_map *m = map_load(full_map);
	struct settlement_header h = header("USD", 2, 0);
	struct reconcile *r;
	struct reconcile_result res;
	struct sc_error err;

	(void)state;
	sc_error_clear(&err);
	/* a deposit that cannot be negated */
	h.total = INT64_MIN;
	assert_int_equal(reconcile_new(&r, m, &h, &err), SC_EINVALID);
	assert_null(r);
	assert_string_equal(err.msg, "settlement 12345678901: total amount out of range");
	h = header("USD", 19, 0);
	assert_int_equal(reconcile_new(&r, m, &h, &err), SC_EINVALID);
	assert_null(r);
	assert_int_equal(reconcile_new(&r, NULL, &h, &err), SC_EINVALID);

	/* a category total */
	h = header("USD", 2, 0);
	r = start(m, &h);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Principal", INT64_MAX, 3, &err), 0);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Principal", 1, 4, &err), SC_EINVALID);
	assert_string_equal(err.msg, "line 4: amount 0.01 makes the total of charges" OVF);
	/* INT64_MIN itself could not be negated in the journal */
	assert_int_equal(feed_one(r, "Order", "ItemFees", "Commission", INT64_MIN, 5, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "line 5: amount -92233720368547758.08 makes the total of "
	                    "fees" OVF);
	/* the sum of every row (charges full, one more in adjustments) */
	assert_int_equal(feed_one(r, "Adjustment", "X", "Y", 1, 6, &err), SC_EINVALID);
	assert_string_equal(err.msg, "line 6: amount 0.01 makes the total of the detail rows" OVF);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.lines, 1);
	assert_int_equal(res.charges, INT64_MAX);
	assert_int_equal(res.fees, 0);
	assert_int_equal(res.adjustments, 0);
	assert_int_equal(res.sum, INT64_MAX);
	assert_int_equal(res.balance, INT64_MAX);
	check_categories_add_up(&res);
	reconcile_free(r);

	/* sum - total */
	h = header("USD", 2, -1000);
	r = start(m, &h);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Principal", INT64_MAX - 10, 3, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "line 3: amount 92233720368547757.97 makes the total of "
	                    "the detail rows" OVF);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Principal", INT64_MAX - 1000, 3,
	                          &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.balance, INT64_MAX);
	reconcile_free(r);

	/* one account's total, while its category's stays in range:
	 * 4000 gets MAX, 4010 -10 (charges MAX - 10), then 4000 +5 */
	h = header("USD", 2, 0);
	r = start(m, &h);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Principal", INT64_MAX, 3, &err), 0);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Shipping", -10, 4, &err), 0);
	assert_int_equal(feed_one(r, "Order", "ItemPrice", "Principal", 5, 5, &err), SC_EINVALID);
	assert_string_equal(err.msg, "line 5: amount 0.05 makes the total of 4000" OVF);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.charges, INT64_MAX - 10);
	assert_int_equal(res.lines, 2);
	reconcile_free(r);
	mapping_account_map_free(m);
}

/* ---- the built-in map -------------------------------------------------------- */

static void
the_built_in_map_reconciles_the_usd_settlement_with_its_placeholder_accounts(void **state)
{
	struct account_map *m = NULL;
	struct settlement_header h = header("USD", 2, USD_TOTAL);
	struct reconcile *r;
	struct reconcile_result res;
	struct sc_error err;
	/* The built-in categories: row 16 (Adjustment) and rows 14 15
	 * (reserves) are adjustments, 13 (Storage Fee) and 17 (ServiceFee) fees,
	 * so the totals are those of full_map; one account per category. */
	static const struct jl want[] = {
		{ "Amazon Clearing", 4497, "bank" },
		{ "Amazon Sales", -15397, "charges" },
		{ "Amazon Refunds", 5000, "refunds" },
		{ "Amazon Fees", 7250, "fees" },
		{ "Amazon Adjustments", -1350, "adjustments" },
	};

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(mapping_account_map_builtin(&m, &err), 0);
	r = start(m, &h);
	assert_int_equal(feed(r, usd_rows, NUSD, &err), 0);
	assert_int_equal(reconcile_finish(r, &res), 0);
	assert_int_equal(res.charges, 15397);
	assert_int_equal(res.refunds, -5000);
	assert_int_equal(res.fees, -7250);
	assert_int_equal(res.adjustments, 1350);
	assert_int_equal(res.status, RECONCILE_RECONCILED);
	check_journal(r, want, sizeof(want) / sizeof(want[0]));
	reconcile_free(r);
	mapping_account_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_settlement_that_adds_up_reconciles_to_zero_and_its_journal_balances),
		cmocka_unit_test(one_cent_off_is_unbalanced_by_exactly_one_cent_and_never_journaled),
		cmocka_unit_test(the_unbalanced_error_gives_every_figure),
		cmocka_unit_test(an_unknown_combination_is_an_error_naming_its_line),
		cmocka_unit_test(with_a_suspense_account_an_unknown_row_is_posted_there_as_an_adjustment),
		cmocka_unit_test(a_yen_settlement_reconciles_and_reports_whole_yen),
		cmocka_unit_test(accounts_that_net_to_zero_are_left_out_of_the_journal),
		cmocka_unit_test(a_settlement_of_nothing_has_an_empty_journal),
		cmocka_unit_test(order_ids_come_out_sorted_and_unique_however_often_and_in_whatever_order),
		cmocka_unit_test(sums_that_would_overflow_are_refused_and_change_nothing),
		cmocka_unit_test(the_built_in_map_reconciles_the_usd_settlement_with_its_placeholder_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
