/* test_account_map.c: the settlement account map (mapping/README.md,
 * "Settlement account map"): lookups, every load error with its FILE:LINE,
 * the built-in Amazon map against docs/AMAZON.md section 5, and the shipped
 * conf/settlement-map.conf.example.
 *
 * Expected values are worked out by hand from the texts below (line numbers
 * are written next to each line) and from the README, never from output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/account_map.h"

#define SYNTAX "rule = TRANSACTION-TYPE / AMOUNT-TYPE / AMOUNT-DESCRIPTION -> " \
	"CATEGORY[, account ACCOUNT]"
#define SECTIONS "[category charges], [category refunds], [category fees], " \
	"[category adjustments], [bank], [suspense], [match]"

static const char *good_map =
	"# account map for the tests\n"                                      /* 1 */
	"[category charges]\n"                                               /* 2 */
	"account = 4000   # sales\n"                                         /* 3 */
	"[category refunds]\n"                                               /* 4 */
	"account = 4100\n"                                                   /* 5 */
	"[ category fees ]   ; a comment\n"                                  /* 6 */
	"account = Amazon Fees  ; comment\n"                                 /* 7 */
	"[category adjustments]\n"                                           /* 8 */
	"account = 6900\n"                                                   /* 9 */
	"\n"                                                                 /* 10 */
	"[bank]\n"                                                           /* 11 */
	"account = 1010\n"                                                   /* 12 */
	"\n"                                                                 /* 13 */
	"[match]\n"                                                          /* 14 */
	"rule = Order / ItemPrice / Shipping -> charges, account 4010\n"    /* 15 */
	"rule = Order / ItemPrice / * -> charges\n"                          /* 16 */
	"rule = */ItemFees/*->fees\n"                                        /* 17 */
	"rule = other-transaction / other-transaction / Storage Fee -> fees, "
	"account \"6100 Storage\"\n"                                         /* 18 */
	"rule = Refund / \"A/B\" / \"\" -> refunds\n"                        /* 19 */
	"rule = Odd / \"*\" / x -> adjustments   ; a literal star\n"         /* 20 */
	"rule = \"Order\" / Promotion / * -> charges, account 4020\n"        /* 21 */
	"rule = Fee: colon / a=b / * -> fees\n";                             /* 22 */

static const char *suspense_tail =
	"[suspense]\n"                                                       /* 23 */
	"account = 9999\n";                                                  /* 24 */

static struct account_map *
load_ok(const char *text)
{
	struct account_map *m = NULL;
	struct sc_error err;
	int rc;

	sc_error_clear(&err);
	rc = mapping_account_map_load_string(&m, text, "t.map", &err);
	if (rc != 0)
		fail_msg("load failed: %d %s", rc, err.msg);
	assert_non_null(m);
	return m;
}

static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* ---- lookups ------------------------------------------------------------ */

struct lookup_case {
	const char *tt, *at, *desc;
	int rc;                       /* 0 or SC_ENOTFOUND */
	enum account_category cat;
	const char *account;
	int line;
};

static const struct lookup_case good_cases[] = {
	/* a narrower rule with its own account comes first */
	{ "Order", "ItemPrice", "Shipping", 0, ACCOUNT_CAT_CHARGES, "4010", 15 },
	{ "Order", "ItemPrice", "Principal", 0, ACCOUNT_CAT_CHARGES, "4000", 16 },
	{ "Order", "ItemPrice", "GiftWrap", 0, ACCOUNT_CAT_CHARGES, "4000", 16 },
	/* `*` fits any value, spaces around `/` are optional */
	{ "Refund", "ItemFees", "RefundCommission", 0, ACCOUNT_CAT_FEES, "Amazon Fees", 17 },
	{ "anything", "ItemFees", "", 0, ACCOUNT_CAT_FEES, "Amazon Fees", 17 },
	{ NULL, "ItemFees", NULL, 0, ACCOUNT_CAT_FEES, "Amazon Fees", 17 },
	/* names with blanks, a quoted account */
	{ "other-transaction", "other-transaction", "Storage Fee", 0, ACCOUNT_CAT_FEES,
	  "6100 Storage", 18 },
	/* quoted '/' and quoted empty: "" fits "" and NULL only */
	{ "Refund", "A/B", "", 0, ACCOUNT_CAT_REFUNDS, "4100", 19 },
	{ "Refund", "A/B", NULL, 0, ACCOUNT_CAT_REFUNDS, "4100", 19 },
	{ "Refund", "A/B", "x", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
	/* a quoted "*" is a literal star */
	{ "Odd", "*", "x", 0, ACCOUNT_CAT_ADJUSTMENTS, "6900", 20 },
	{ "Odd", "Other", "x", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ "Order", "Promotion", "Principal", 0, ACCOUNT_CAT_CHARGES, "4020", 21 },
	/* ':' and '=' in a value are just characters */
	{ "Fee: colon", "a=b", "z", 0, ACCOUNT_CAT_FEES, "Amazon Fees", 22 },
	/* exact, case-sensitive comparison */
	{ "order", "ItemPrice", "Principal", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ "other-transaction", "other-transaction", "storage fee", SC_ENOTFOUND,
	  ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ "other-transaction", "other-transaction", "Storage Fee ", SC_ENOTFOUND,
	  ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ NULL, NULL, NULL, SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ "Order", "NewType", "Principal", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
};

static void
run_lookups(const struct account_map *m, const struct lookup_case *cases, size_t n,
            const char *suspense, int suspense_line)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct lookup_case *c = &cases[i];
		enum account_category cat = (enum account_category)-1;
		const char *account = NULL;
		int line = -1, rc;
		int want_rc = c->rc;
		enum account_category want_cat = c->cat;
		const char *want_account = c->account;
		int want_line = c->line;

		if (c->rc == SC_ENOTFOUND && suspense != NULL) {
			want_rc = 0;
			want_cat = ACCOUNT_CAT_ADJUSTMENTS;
			want_account = suspense;
			want_line = suspense_line;
		}
		rc = mapping_account_lookup(m, c->tt, c->at, c->desc, &cat, &account, &line);
		if (rc != want_rc)
			fail_msg("case %zu (%s / %s / %s): rc %d, expected %d", i,
			         c->tt ? c->tt : "NULL", c->at ? c->at : "NULL",
			         c->desc ? c->desc : "NULL", rc, want_rc);
		if (want_rc != 0) {
			/* outputs untouched */
			assert_int_equal(line, -1);
			assert_null(account);
			continue;
		}
		if (cat != want_cat || account == NULL || strcmp(account, want_account) != 0 ||
		    line != want_line)
			fail_msg("case %zu (%s / %s / %s): got %s %s line %d, expected %s %s line %d",
			         i, c->tt ? c->tt : "NULL", c->at ? c->at : "NULL",
			         c->desc ? c->desc : "NULL", mapping_account_category_name(cat),
			         account ? account : "NULL", line,
			         mapping_account_category_name(want_cat), want_account, want_line);
	}
}

static void
lookups_take_the_first_rule_whose_three_fields_fit(void **state)
{
	struct account_map *m = load_ok(good_map);

	(void)state;
	run_lookups(m, good_cases, sizeof(good_cases) / sizeof(good_cases[0]), NULL, 0);
	assert_string_equal(mapping_account_map_path(m), "t.map");
	assert_string_equal(mapping_account_map_bank(m), "1010");
	assert_null(mapping_account_map_suspense(m));
	assert_string_equal(mapping_account_map_category_account(m, ACCOUNT_CAT_CHARGES), "4000");
	assert_string_equal(mapping_account_map_category_account(m, ACCOUNT_CAT_REFUNDS), "4100");
	assert_string_equal(mapping_account_map_category_account(m, ACCOUNT_CAT_FEES),
	                    "Amazon Fees");
	assert_string_equal(mapping_account_map_category_account(m, ACCOUNT_CAT_ADJUSTMENTS),
	                    "6900");
	assert_null(mapping_account_map_category_account(m, (enum account_category)4));
	/* NULL outputs are allowed */
	assert_int_equal(mapping_account_lookup(m, "Order", "ItemPrice", "Tax", NULL, NULL,
	                                        NULL), 0);
	mapping_account_map_free(m);
}

static void
with_a_suspense_account_unknown_rows_go_there_as_adjustments(void **state)
{
	char *text = concat(good_map, suspense_tail);
	struct account_map *m = load_ok(text);

	(void)state;
	run_lookups(m, good_cases, sizeof(good_cases) / sizeof(good_cases[0]), "9999", 24);
	assert_string_equal(mapping_account_map_suspense(m), "9999");
	mapping_account_map_free(m);
	free(text);
}

static void
category_names_parse_and_print(void **state)
{
	static const char *const names[] = { "charges", "refunds", "fees", "adjustments" };
	enum account_category c;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(mapping_account_category_parse(names[i], &c), 0);
		assert_int_equal((int)c, i);
		assert_string_equal(mapping_account_category_name((enum account_category)i),
		                    names[i]);
	}
	assert_int_equal(mapping_account_category_parse("Charges", &c), SC_ENOTFOUND);
	assert_int_equal(mapping_account_category_parse("bank", &c), SC_ENOTFOUND);
	assert_int_equal(mapping_account_category_parse(NULL, &c), SC_ENOTFOUND);
	assert_string_equal(mapping_account_category_name((enum account_category)4), "?");
}

static void
describe_lists_the_accounts_and_the_rules_in_order(void **state)
{
	struct account_map *m = load_ok(good_map);
	struct buf b;
	const char *want =
		"account map t.map\n"
		"  charges      4000 (line 3)\n"
		"  refunds      4100 (line 5)\n"
		"  fees         Amazon Fees (line 7)\n"
		"  adjustments  6900 (line 9)\n"
		"  bank         1010 (line 12)\n"
		"  suspense     none: a row no rule fits stops the settlement\n"
		"rules, the first that fits decides:\n"
		"  line 15: Order / ItemPrice / Shipping -> charges, account 4010\n"
		"  line 16: Order / ItemPrice / * -> charges, account 4000 (the category's)\n"
		"  line 17: * / ItemFees / * -> fees, account Amazon Fees (the category's)\n"
		"  line 18: other-transaction / other-transaction / Storage Fee -> fees, "
		"account 6100 Storage\n"
		"  line 19: Refund / \"A/B\" / \"\" -> refunds, account 4100 (the category's)\n"
		"  line 20: Odd / \"*\" / x -> adjustments, account 6900 (the category's)\n"
		"  line 21: Order / Promotion / * -> charges, account 4020\n"
		"  line 22: Fee: colon / a=b / * -> fees, account Amazon Fees (the category's)\n";

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(mapping_account_map_describe(m, &b), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
	mapping_account_map_free(m);
}

/* ---- load errors -------------------------------------------------------- */

/* Lines 1-11: every required section but the rules. */
#define HEAD \
	"[category charges]\n"      /* 1 */ \
	"account = S\n"             /* 2 */ \
	"[category refunds]\n"      /* 3 */ \
	"account = R\n"             /* 4 */ \
	"[category fees]\n"         /* 5 */ \
	"account = F\n"             /* 6 */ \
	"[category adjustments]\n"  /* 7 */ \
	"account = A\n"             /* 8 */ \
	"[bank]\n"                  /* 9 */ \
	"account = B\n"             /* 10 */ \
	"[match]\n"                 /* 11 */

struct error_case {
	const char *text;
	int rc;
	const char *msg;
};

static const struct error_case error_cases[] = {
	/* rule syntax (line 12) */
	{ HEAD "rule = Order / ItemPrice -> charges\n", SC_EINVALID,
	  "t.map:12: 2 fields before `->`, expected three: " SYNTAX },
	{ HEAD "rule = Order -> charges\n", SC_EINVALID,
	  "t.map:12: 1 field before `->`, expected three: " SYNTAX },
	{ HEAD "rule = a / b / c / d -> fees\n", SC_EINVALID,
	  "t.map:12: more than three fields before `->` (a name holding '/' is written in "
	  "quotes); expected " SYNTAX },
	{ HEAD "rule = Order / ItemPrice / Principal\n", SC_EINVALID,
	  "t.map:12: no `->`: expected " SYNTAX },
	{ HEAD "rule = Order / \"ItemPrice -> charges\n", SC_EINVALID,
	  "t.map:12: no `->`: expected " SYNTAX },
	{ HEAD "rule = Order / ItemPrice / Principal -> sales\n", SC_EINVALID,
	  "t.map:12: unknown category `sales` (valid: charges, refunds, fees, adjustments; "
	  "an own account is written `-> fees, account ACCOUNT`)" },
	{ HEAD "rule = Order / ItemPrice / Principal -> charges 4010\n", SC_EINVALID,
	  "t.map:12: unknown category `charges 4010` (valid: charges, refunds, fees, "
	  "adjustments; an own account is written `-> fees, account ACCOUNT`)" },
	{ HEAD "rule = Order / ItemPrice / Principal ->\n", SC_EINVALID,
	  "t.map:12: no category after `->` (valid: charges, refunds, fees, adjustments)" },
	{ HEAD "rule = Order / ItemPrice / Principal -> charges, 4010\n", SC_EINVALID,
	  "t.map:12: after the category, expected `, account ACCOUNT`" },
	{ HEAD "rule = Order / ItemPrice / Principal -> charges, account\n", SC_EINVALID,
	  "t.map:12: after the category, expected `, account ACCOUNT`" },
	{ HEAD "rule = Order / ItemPrice / Principal -> charges, account \"\"\n", SC_EINVALID,
	  "t.map:12: empty account (name the ERP account: its id or number)" },
	{ HEAD "rule = Order /  / Principal -> charges\n", SC_EINVALID,
	  "t.map:12: amount-type is empty (write * for any, \"\" for an empty value)" },
	{ HEAD "rule = Order / Item\"Pr\"ice / Principal -> charges\n", SC_EINVALID,
	  "t.map:12: amount-type: '\"' only goes around a whole name (\"...\")" },
	{ HEAD "rule = \"Order / ItemPrice / Principal\" -> charges\n", SC_EINVALID,
	  "t.map:12: 1 field before `->`, expected three: " SYNTAX },
	/* the style of the sketch is a key inih reads, not a rule */
	{ HEAD "Order / ItemPrice / Principal = charges\n", SC_EINVALID,
	  "t.map:12: unknown key `Order / ItemPrice / Principal` in [match] (valid: rule; "
	  "each line is " SYNTAX ")" },
	/* a rule an earlier one always takes */
	{ HEAD "rule = Order / ItemPrice / * -> charges\n"
	  "rule = Order / ItemPrice / Tax -> charges, account T\n", SC_EINVALID,
	  "t.map:13: this rule can never decide: the rule at line 12 (Order / ItemPrice / *) "
	  "comes first and fits every row it would (put the narrower rule first)" },
	{ HEAD "rule = Order / ItemPrice / Tax -> charges\n"
	  "rule = * / * / * -> adjustments\n"
	  "rule = Order / ItemPrice / Tax -> fees\n", SC_EINVALID,
	  "t.map:14: this rule can never decide: the rule at line 12 (Order / ItemPrice / Tax) "
	  "comes first and fits every row it would (put the narrower rule first)" },
	{ HEAD "rule = Refund / \"\" / * -> refunds\n"
	  "rule = Refund / \"\" / \"\" -> refunds\n", SC_EINVALID,
	  "t.map:13: this rule can never decide: the rule at line 12 (Refund / \"\" / *) "
	  "comes first and fits every row it would (put the narrower rule first)" },
	/* keys and sections */
	{ HEAD "rule = a / b / c -> fees\n  rule = d / e / f -> fees\n", SC_EINVALID,
	  "t.map:13: indented line: every key starts at the beginning of its line (an "
	  "indented line would continue the key above)" },
	{ HEAD "just words\n", SC_EINVALID,
	  "t.map:12: syntax error (expected [section], key = value, or a # comment)" },
	{ "[bank]\nwords\n", SC_EINVALID,
	  "t.map:2: syntax error (expected [section], key = value, or a # comment)" },
	{ "[bank]\n[match\n", SC_EINVALID,
	  "t.map:1: [bank] has no `account` (required: the ERP account, its id or number)" },
	{ "account = X\n" HEAD "rule = a / b / c -> fees\n", SC_EINVALID,
	  "t.map:1: `account` is outside any section (valid sections: " SECTIONS ")" },
	{ "[category sales]\naccount = X\n", SC_EINVALID,
	  "t.map:1: unknown category `sales` in [category sales] (valid: charges, refunds, "
	  "fees, adjustments)" },
	{ "[banks]\naccount = X\n", SC_EINVALID,
	  "t.map:1: unknown section [banks] (valid: " SECTIONS ")" },
	{ HEAD "rule = a / b / c -> fees\n[bank]\naccount = C\n", SC_EINVALID,
	  "t.map:13: [bank] is given twice (first at line 9)" },
	{ HEAD "rule = a / b / c -> fees\n[category fees]\naccount = C\n", SC_EINVALID,
	  "t.map:13: [category fees] is given twice (first at line 5)" },
	{ HEAD "rule = a / b / c -> fees\n[match]\nrule = d / e / f -> fees\n", SC_EINVALID,
	  "t.map:13: [match] is given twice (first at line 11); keep all rules in one "
	  "[match], in the order they are tried" },
	{ "[bank]\naccount = B\naccount = C\n", SC_EINVALID,
	  "t.map:3: `account` is given twice in [bank] (first at line 2)" },
	{ "[suspense]\nname = B\n", SC_EINVALID,
	  "t.map:2: unknown key `name` in [suspense] (valid: account)" },
	{ "[bank]\naccount =\n", SC_EINVALID,
	  "t.map:2: empty account (name the ERP account: its id or number)" },
	{ "[bank]\naccount = \"B\n", SC_EINVALID,
	  "t.map:2: account: a quoted name is \"...\" with no '\"' inside" },
	{ "[bank]\naccount = a\tb\n", SC_EINVALID,
	  "t.map:2: account: control characters are not allowed" },
	/* a section without its account is reported at its header */
	{ "[category charges]\n[category refunds]\naccount = R\n", SC_EINVALID,
	  "t.map:1: [category charges] has no `account` (required: the ERP account, its id "
	  "or number)" },
	{ HEAD "rule = a / b / c -> fees\n[suspense]\n", SC_EINVALID,
	  "t.map:13: [suspense] has no `account` (required: the ERP account, its id or "
	  "number)" },
	{ HEAD "\n", SC_EINVALID,
	  "t.map:11: [match] has no rule (each line is " SYNTAX ")" },
	/* a section missing from the whole file: at the last line */
	{ "[category charges]\naccount = S\n[category refunds]\naccount = R\n"
	  "[category adjustments]\naccount = A\n[bank]\naccount = B\n[match]\n"
	  "rule = a / b / c -> fees\n", SC_EINVALID,
	  "t.map:10: no [category fees] section (required: each of [category charges], "
	  "[category refunds], [category fees], [category adjustments] with its account)" },
	{ "[category charges]\naccount = S\n[category refunds]\naccount = R\n"
	  "[category fees]\naccount = F\n[category adjustments]\naccount = A\n[match]\n"
	  "rule = a / b / c -> fees\n", SC_EINVALID,
	  "t.map:10: no [bank] section (required: the bank or clearing account that receives "
	  "the net)" },
	{ "[category charges]\naccount = S\n[category refunds]\naccount = R\n"
	  "[category fees]\naccount = F\n[category adjustments]\naccount = A\n[bank]\n"
	  "account = B\n", SC_EINVALID,
	  "t.map:10: no [match] section (required: the rules, each " SYNTAX ")" },
	{ "", SC_EINVALID,
	  "t.map:1: no [category charges] section (required: each of [category charges], "
	  "[category refunds], [category fees], [category adjustments] with its account)" },
	/* only the first error of a file is reported */
	{ HEAD "rule = a -> fees\nrule = b -> fees\n[nope]\n", SC_EINVALID,
	  "t.map:12: 1 field before `->`, expected three: " SYNTAX },
	{ HEAD "rule = a / b / c -> fees\nwords\n[nope]\n", SC_EINVALID,
	  "t.map:13: syntax error (expected [section], key = value, or a # comment)" },
};

static void
each_bad_map_gives_one_error_with_its_file_and_line(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		struct account_map *m = (struct account_map *)&m;   /* must be reset */
		struct sc_error err;
		int rc;

		sc_error_clear(&err);
		rc = mapping_account_map_load_string(&m, c->text, "t.map", &err);
		if (rc != c->rc || strcmp(err.msg, c->msg) != 0)
			fail_msg("case %zu: rc %d msg\n  \"%s\"\nexpected %d\n  \"%s\"", i, rc, err.msg,
			         c->rc, c->msg);
		assert_null(m);
	}
}

static void
a_line_longer_than_inih_reads_is_an_error_with_its_line(void **state)
{
	char text[1024], pad[300];
	struct account_map *m = NULL;
	struct sc_error err;
	const char *rule = "rule = a / b / c -> fees   # ";   /* 29 characters */

	(void)state;
	memset(pad, 'x', 171);
	pad[171] = '\0';
	snprintf(text, sizeof(text), HEAD "%s%s\n", rule, pad);   /* 200 characters */
	sc_error_clear(&err);
	assert_int_equal(mapping_account_map_load_string(&m, text, "t.map", &err), SC_EINVALID);
	assert_string_equal(err.msg, "t.map:12: line too long (at most 199 characters)");
	assert_null(m);
	/* 199 characters and the newline fit */
	pad[170] = '\0';
	snprintf(text, sizeof(text), HEAD "%s%s\n", rule, pad);
	assert_int_equal(mapping_account_map_load_string(&m, text, "t.map", &err), 0);
	mapping_account_map_free(m);
}

static void
names_longer_than_127_characters_are_refused(void **state)
{
	char text[1024], name[200];
	struct account_map *m = NULL;
	struct sc_error err;

	(void)state;
	memset(name, 'n', 128);
	name[128] = '\0';
	snprintf(text, sizeof(text), HEAD "rule = %s / b / c -> fees\n", name);
	sc_error_clear(&err);
	assert_int_equal(mapping_account_map_load_string(&m, text, "t.map", &err), SC_EINVALID);
	assert_string_equal(err.msg, "t.map:12: transaction-type: longer than 127 characters");
	snprintf(text, sizeof(text), HEAD "rule = a / b / c -> fees, account %s\n", name);
	assert_int_equal(mapping_account_map_load_string(&m, text, "t.map", &err), SC_EINVALID);
	assert_string_equal(err.msg, "t.map:12: account: longer than 127 characters");
	name[127] = '\0';
	snprintf(text, sizeof(text), HEAD "rule = %s / b / c -> fees\n"
	         "rule = a / b / c -> fees, account %s\n", name, name);
	m = load_ok(text);
	mapping_account_map_free(m);
}

static void
bom_and_crlf_line_ends_are_read(void **state)
{
	const char *text =
		"\xEF\xBB\xBF[category charges]\r\n"   /* 1 */
		"account = S\r\n"                      /* 2 */
		"[category refunds]\r\n"               /* 3 */
		"account = R\r\n"                      /* 4 */
		"[category fees]\r\n"                  /* 5 */
		"account = F\r\n"                      /* 6 */
		"[category adjustments]\r\n"           /* 7 */
		"account = A\r\n"                      /* 8 */
		"[bank]\r\n"                           /* 9 */
		"account = B\r\n"                      /* 10 */
		"[match]\r\n"                          /* 11 */
		"rule = Order / ItemPrice / * -> charges, account C2\r\n"; /* 12 */
	struct account_map *m = load_ok(text);
	enum account_category cat;
	const char *account;
	int line;

	(void)state;
	assert_int_equal(mapping_account_lookup(m, "Order", "ItemPrice", "Tax", &cat, &account,
	                                        &line), 0);
	assert_int_equal(cat, ACCOUNT_CAT_CHARGES);
	assert_string_equal(account, "C2");
	assert_int_equal(line, 12);
	assert_string_equal(mapping_account_map_bank(m), "B");
	mapping_account_map_free(m);
}

static void
files_load_like_strings_and_errors_name_the_file(void **state)
{
	char path[] = "/tmp/test_account_map_XXXXXX";
	struct account_map *m = NULL;
	struct sc_error err;
	char want[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good_map, strlen(good_map)), (ssize_t)strlen(good_map));
	close(fd);
	sc_error_clear(&err);
	assert_int_equal(mapping_account_map_load(&m, path, &err), 0);
	run_lookups(m, good_cases, sizeof(good_cases) / sizeof(good_cases[0]), NULL, 0);
	assert_string_equal(mapping_account_map_path(m), path);
	mapping_account_map_free(m);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, HEAD "rule = x\n", strlen(HEAD "rule = x\n")),
	                 (ssize_t)strlen(HEAD "rule = x\n"));
	close(fd);
	assert_int_equal(mapping_account_map_load(&m, path, &err), SC_EINVALID);
	snprintf(want, sizeof(want), "%s:12: no `->`: expected " SYNTAX, path);
	assert_string_equal(err.msg, want);
	assert_null(m);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[bank]\0x", 8), 8);
	close(fd);
	assert_int_equal(mapping_account_map_load(&m, path, &err), SC_EINVALID);
	snprintf(want, sizeof(want), "%s: holds a NUL byte (not a text file)", path);
	assert_string_equal(err.msg, want);
	unlink(path);

	assert_int_equal(mapping_account_map_load(&m, "/nonexistent/settlement.map", &err),
	                 SC_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/settlement.map: cannot open"));
	assert_null(m);
	mapping_account_map_free(NULL);
}

/* ---- the built-in Amazon map -------------------------------------------- */

static void
example_path(char *out, size_t n)
{
#ifdef SC_SOURCE_DIR
	snprintf(out, n, "%s/conf/settlement-map.conf.example", SC_SOURCE_DIR);
#else
	snprintf(out, n, "conf/settlement-map.conf.example");
#endif
}

static void
the_built_in_map_is_the_shipped_example_file_byte_for_byte(void **state)
{
	char path[1024];
	char *text;
	FILE *f;
	long len;

	(void)state;
	example_path(path, sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	assert_string_equal(mapping_account_map_builtin_text(), text);
	free(text);
}

/* Every transaction-type, amount-type and amount-description of
 * docs/AMAZON.md section 5, in the combinations a settlement report has
 * them, with the category the issue gives each ("charges (order principal,
 * shipping, tax, gift wrap, promotions), refunds, fees (commissions, FBA
 * fees, refund commissions, service fees, storage), adjustments (other
 * transactions, reimbursements, reserves)") and the rule line of
 * conf/settlement-map.conf.example that decides. */
#define SALES "Amazon Sales"
#define REFUNDS "Amazon Refunds"
#define FEES "Amazon Fees"
#define ADJ "Amazon Adjustments"
static const struct lookup_case amazon_cases[] = {
	{ "Order", "ItemPrice", "Principal", 0, ACCOUNT_CAT_CHARGES, SALES, 61 },
	{ "Order", "ItemPrice", "Tax", 0, ACCOUNT_CAT_CHARGES, SALES, 61 },
	{ "Order", "ItemPrice", "Shipping", 0, ACCOUNT_CAT_CHARGES, SALES, 61 },
	{ "Order", "ItemPrice", "ShippingTax", 0, ACCOUNT_CAT_CHARGES, SALES, 61 },
	{ "Order", "ItemPrice", "GiftWrap", 0, ACCOUNT_CAT_CHARGES, SALES, 61 },
	{ "Order", "Promotion", "Principal", 0, ACCOUNT_CAT_CHARGES, SALES, 62 },
	{ "Order", "Promotion", "Shipping", 0, ACCOUNT_CAT_CHARGES, SALES, 62 },
	{ "Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", 0,
	  ACCOUNT_CAT_CHARGES, SALES, 63 },
	{ "Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", 0,
	  ACCOUNT_CAT_CHARGES, SALES, 63 },
	{ "Order", "ItemFees", "Commission", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Order", "ItemFees", "FBAPerUnitFulfillmentFee", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Order", "ItemFees", "FBAPerOrderFulfillmentFee", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Order", "ItemFees", "FBAWeightBasedFee", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Order", "ItemFees", "ShippingChargeback", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Order", "ItemFees", "VariableClosingFee", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Order", "ItemRelatedFees", "Commission", 0, ACCOUNT_CAT_FEES, FEES, 55 },
	{ "Refund", "ItemPrice", "Principal", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 66 },
	{ "Refund", "ItemPrice", "Tax", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 66 },
	{ "Refund", "ItemPrice", "Shipping", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 66 },
	{ "Refund", "ItemPrice", "ShippingTax", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 66 },
	{ "Refund", "ItemPrice", "GiftWrap", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 66 },
	{ "Refund", "Promotion", "Principal", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 67 },
	{ "Refund", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", 0,
	  ACCOUNT_CAT_REFUNDS, REFUNDS, 68 },
	{ "Refund", "ItemFees", "Commission", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Refund", "ItemFees", "RefundCommission", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Refund", "ItemFees", "ShippingChargeback", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "ServiceFee", "other-transaction", "Subscription Fee", 0, ACCOUNT_CAT_FEES, FEES, 56 },
	{ "ServiceFee", "Other", "Cost of Advertising", 0, ACCOUNT_CAT_FEES, FEES, 56 },
	{ "other-transaction", "other-transaction", "Storage Fee", 0, ACCOUNT_CAT_FEES, FEES,
	  57 },
	{ "other-transaction", "other-transaction", "Previous Reserve Amount Balance", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, ADJ, 72 },
	{ "other-transaction", "other-transaction", "Current Reserve Amount", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, ADJ, 73 },
	{ "other-transaction", "other-transaction", "Shipping label purchase", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, ADJ, 74 },
	{ "other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, ADJ, 74 },
	{ "Chargeback", "ItemPrice", "Principal", 0, ACCOUNT_CAT_REFUNDS, REFUNDS, 69 },
	{ "Chargeback", "ItemFees", "Commission", 0, ACCOUNT_CAT_FEES, FEES, 54 },
	{ "Adjustment", "FBA Inventory Reimbursement", "WAREHOUSE_LOST", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, ADJ, 75 },
	{ "Liquidations", "other-transaction", "LiquidationsRevenue", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, ADJ, 76 },
	{ "Order", "Other", "Goodwill", 0, ACCOUNT_CAT_ADJUSTMENTS, ADJ, 77 },
	/* not in the list: refused (no [suspense] in the built-in map) */
	{ "Retrocharge", "Base Tax", "Tax", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ "Order", "FBA Inventory Reimbursement", "X", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES,
	  NULL, 0 },
	{ "Refund", "other-transaction", "X", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
	{ "", "", "", SC_ENOTFOUND, ACCOUNT_CAT_CHARGES, NULL, 0 },
};

static void
the_built_in_map_classifies_every_amazon_combination(void **state)
{
	struct account_map *m = NULL;
	struct sc_error err;

	(void)state;
	sc_error_clear(&err);
	if (mapping_account_map_builtin(&m, &err) != 0)
		fail_msg("%s", err.msg);
	run_lookups(m, amazon_cases, sizeof(amazon_cases) / sizeof(amazon_cases[0]), NULL, 0);
	assert_string_equal(mapping_account_map_path(m), "built-in Amazon map");
	assert_string_equal(mapping_account_map_bank(m), "Amazon Clearing");
	assert_null(mapping_account_map_suspense(m));
	mapping_account_map_free(m);
}

static void
the_shipped_example_file_loads_and_decides_like_the_built_in_map(void **state)
{
	struct account_map *m = NULL;
	struct sc_error err;
	char path[1024];

	(void)state;
	example_path(path, sizeof(path));
	sc_error_clear(&err);
	if (mapping_account_map_load(&m, path, &err) != 0)
		fail_msg("%s", err.msg);
	run_lookups(m, amazon_cases, sizeof(amazon_cases) / sizeof(amazon_cases[0]), NULL, 0);
	mapping_account_map_free(m);
}

/* ---- the README's example ------------------------------------------------ */

/* mapping/README.md, "Settlement account map", verbatim. */
static const char *readme_map =
	"[category charges]          # one section per category, all four required\n" /* 1 */
	"account = 4000              # the category's GL account (NetSuite: internal id or number)\n" /* 2 */
	"\n"                                                                      /* 3 */
	"[category refunds]\n"                                                    /* 4 */
	"account = 4100\n"                                                        /* 5 */
	"\n"                                                                      /* 6 */
	"[category fees]\n"                                                       /* 7 */
	"account = 6000\n"                                                        /* 8 */
	"\n"                                                                      /* 9 */
	"[category adjustments]\n"                                                /* 10 */
	"account = 6900\n"                                                        /* 11 */
	"\n"                                                                      /* 12 */
	"[bank]                      # required: receives the net (the deposit)\n" /* 13 */
	"account = 1010\n"                                                        /* 14 */
	"\n"                                                                      /* 15 */
	"[suspense]                  # optional: rows no rule fits go here, as adjustments\n" /* 16 */
	"account = 9999\n"                                                        /* 17 */
	"\n"                                                                      /* 18 */
	"[match]                     # the rules, tried in file order: the first that fits decides\n" /* 19 */
	"rule = Order / ItemPrice / Shipping -> charges, account 4010    # an own account\n" /* 20 */
	"rule = Order / ItemPrice / * -> charges                         # `*` fits anything\n" /* 21 */
	"rule = * / ItemFees / * -> fees\n"                                       /* 22 */
	"rule = Refund / ItemPrice / * -> refunds\n"                              /* 23 */
	"rule = other-transaction / other-transaction / Storage Fee -> fees\n"    /* 24 */
	"rule = other-transaction / * / * -> adjustments\n";                      /* 25 */

static const struct lookup_case readme_cases[] = {
	{ "Order", "ItemPrice", "Shipping", 0, ACCOUNT_CAT_CHARGES, "4010", 20 },
	{ "Order", "ItemPrice", "Principal", 0, ACCOUNT_CAT_CHARGES, "4000", 21 },
	{ "Order", "ItemFees", "Commission", 0, ACCOUNT_CAT_FEES, "6000", 22 },
	{ "Refund", "ItemPrice", "Tax", 0, ACCOUNT_CAT_REFUNDS, "4100", 23 },
	{ "other-transaction", "other-transaction", "Storage Fee", 0, ACCOUNT_CAT_FEES, "6000",
	  24 },
	{ "other-transaction", "other-transaction", "Current Reserve Amount", 0,
	  ACCOUNT_CAT_ADJUSTMENTS, "6900", 25 },
	/* no rule: the suspense account (its key on line 17), as an adjustment */
	{ "Retrocharge", "Base Tax", "Tax", 0, ACCOUNT_CAT_ADJUSTMENTS, "9999", 17 },
};

static void
the_readme_example_loads_and_decides_as_it_says(void **state)
{
	struct account_map *m = load_ok(readme_map);

	(void)state;
	run_lookups(m, readme_cases, sizeof(readme_cases) / sizeof(readme_cases[0]), NULL, 0);
	assert_string_equal(mapping_account_map_bank(m), "1010");
	assert_string_equal(mapping_account_map_suspense(m), "9999");
	mapping_account_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookups_take_the_first_rule_whose_three_fields_fit),
		cmocka_unit_test(with_a_suspense_account_unknown_rows_go_there_as_adjustments),
		cmocka_unit_test(category_names_parse_and_print),
		cmocka_unit_test(describe_lists_the_accounts_and_the_rules_in_order),
		cmocka_unit_test(each_bad_map_gives_one_error_with_its_file_and_line),
		cmocka_unit_test(a_line_longer_than_inih_reads_is_an_error_with_its_line),
		cmocka_unit_test(names_longer_than_127_characters_are_refused),
		cmocka_unit_test(bom_and_crlf_line_ends_are_read),
		cmocka_unit_test(files_load_like_strings_and_errors_name_the_file),
		cmocka_unit_test(the_built_in_map_is_the_shipped_example_file_byte_for_byte),
		cmocka_unit_test(the_built_in_map_classifies_every_amazon_combination),
		cmocka_unit_test(the_shipped_example_file_loads_and_decides_like_the_built_in_map),
		cmocka_unit_test(the_readme_example_loads_and_decides_as_it_says),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
