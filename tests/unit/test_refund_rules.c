/* test_refund_rules.c: the refund rules file (mapping/README.md): loading,
 * every load error with its FILE:LINE, lookups, explain, reverse, check,
 * describe, and the shipped conf/refund-rules.conf.example.
 *
 * Expected values are worked out by hand from the texts below (line numbers
 * are written next to each line) and from the README, never from output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/refund_rules.h"

/* Copies of the adapters' vocabularies (adapters/netsuite/netsuite.c,
 * adapters/amazon/amazon.c); the test does not link the adapters. */
static const char *const ns_order_types[] = { "salesOrder", "cashSale", "invoice", NULL };
static const char *const ns_refund_types[] = {
	"cashRefund", "creditMemo", "returnAuthorization", "customerRefund", NULL
};
static const char *const ns_refund_paths[] = {
	"cashSale>cashRefund", "cashSale>returnAuthorization",
	"invoice>creditMemo", "invoice>customerRefund", "invoice>returnAuthorization",
	"salesOrder>creditMemo", "salesOrder>customerRefund",
	"salesOrder>cashRefund", "salesOrder>returnAuthorization",
	NULL
};
static const char *const amz_reasons[] = {
	"NoInventory", "CustomerReturn", "GeneralAdjustment", "CouldNotShip",
	"DifferentItem", "Abandoned", "CustomerCancel", "PriceError",
	"ProductOutofStock", "CustomerAddressIncorrect", "Exchange", "Other",
	"CarrierCreditDecision", "RiskAssessmentInformationNotValid",
	"CarrierCoverageFailure", "TransactionRecord", "Undeliverable",
	"RefusedDelivery", NULL
};
static const struct mapping_vocab vocab = {
	.erp_name = "NetSuite",
	.order_types = ns_order_types,
	.refund_types = ns_refund_types,
	.refund_paths = ns_refund_paths,
	.marketplace_name = "Amazon",
	.reasons = amz_reasons,
};

#define AMZ_LIST "NoInventory, CustomerReturn, GeneralAdjustment, CouldNotShip, " \
	"DifferentItem, Abandoned, CustomerCancel, PriceError, ProductOutofStock, " \
	"CustomerAddressIncorrect, Exchange, Other, CarrierCreditDecision, " \
	"RiskAssessmentInformationNotValid, CarrierCoverageFailure, TransactionRecord, " \
	"Undeliverable, RefusedDelivery"
#define NS_TYPES "cashRefund, creditMemo, returnAuthorization, customerRefund"

static const char *good_rules =
	"# refund rules for the tests\n"                        /* 1 */
	"[rule cash sales refund by cash]\n"                     /* 2 */
	"kind = refund, cancellation   # inline comment\n"      /* 3 */
	"reason = *\n"                                           /* 4 */
	"posted_as = cashSale\n"                                 /* 5 */
	"create = cashRefund\n"                                  /* 6 */
	"\n"                                                     /* 7 */
	"[rule returns need an authorization]   # a comment\n"  /* 8 */
	"kind = return\n"                                        /* 9 */
	"reason = CustomerReturn,\n"                             /* 10 */
	"    DifferentItem          ; continues the list\n"      /* 11 */
	"create = returnAuthorization\n"                         /* 12 */
	"\n"                                                     /* 13 */
	"[rule price errors on invoices]\n"                      /* 14 */
	"kind = adjustment\n"                                    /* 15 */
	"reason = PriceError\n"                                  /* 16 */
	"posted_as = invoice, salesOrder\n"                      /* 17 */
	"create = customerRefund\n"                              /* 18 */
	"\n"                                                     /* 19 */
	"[rule goodwill]\n"                                      /* 20 */
	"kind = adjustment,refund\n"                             /* 21 */
	"posted_as = invoice , salesOrder\n"                     /* 22 */
	"create = creditMemo\n"                                  /* 23 */
	"\n"                                                     /* 24 */
	"[default]\n"                                            /* 25 */
	"cashSale = cashRefund\n"                                /* 26 */
	"invoice = creditMemo\n"                                 /* 27 */
	"salesOrder = returnAuthorization\n"                     /* 28 */
	"\n"                                                     /* 29 */
	"[to_marketplace]\n"                                     /* 30 */
	"cashRefund = CustomerReturn\n"                          /* 31 */
	"customerRefund = GeneralAdjustment\n";                  /* 32 */

static struct refund_rules *
load_ok(const char *text)
{
	struct refund_rules *r = NULL;
	struct sc_error err;
	int rc;

	sc_error_clear(&err);
	rc = mapping_refund_rules_load_string(&r, text, "t.rules", &vocab, &err);
	if (rc != 0)
		fail_msg("load failed: %d %s", rc, err.msg);
	assert_non_null(r);
	return r;
}

/* ---- lookups ------------------------------------------------------------ */

struct lookup_case {
	enum refund_kind kind;
	const char *reason;
	const char *posted_as;
	const char *create;
	const char *rule;
	int line;
};

static const struct lookup_case good_cases[] = {
	/* rule 1: kind refund/cancellation, any reason, cash sales */
	{ REFUND_KIND_REFUND, "CustomerCancel", "cashSale", "cashRefund",
	  "rule cash sales refund by cash", 2 },
	{ REFUND_KIND_CANCELLATION, NULL, "cashSale", "cashRefund",
	  "rule cash sales refund by cash", 2 },
	{ REFUND_KIND_REFUND, "PriceError", "cashSale", "cashRefund",
	  "rule cash sales refund by cash", 2 },
	/* rule 2: returns with CustomerReturn or DifferentItem (continued line) */
	{ REFUND_KIND_RETURN, "CustomerReturn", "cashSale", "returnAuthorization",
	  "rule returns need an authorization", 8 },
	{ REFUND_KIND_RETURN, "DifferentItem", "invoice", "returnAuthorization",
	  "rule returns need an authorization", 8 },
	/* reason codes are case-sensitive: falls through to the default */
	{ REFUND_KIND_RETURN, "customerreturn", "invoice", "creditMemo", "default", 27 },
	/* no reason code: only `*` / absent reason conditions hold */
	{ REFUND_KIND_RETURN, NULL, "salesOrder", "returnAuthorization", "default", 28 },
	{ REFUND_KIND_RETURN, "", "cashSale", "cashRefund", "default", 26 },
	/* first match wins: rule 3 and rule 4 both match, rule 3 decides */
	{ REFUND_KIND_ADJUSTMENT, "PriceError", "invoice", "customerRefund",
	  "rule price errors on invoices", 14 },
	{ REFUND_KIND_ADJUSTMENT, "PriceError", "cashSale", "cashRefund", "default", 26 },
	{ REFUND_KIND_ADJUSTMENT, "GeneralAdjustment", "salesOrder", "creditMemo",
	  "rule goodwill", 20 },
	{ REFUND_KIND_REFUND, NULL, "invoice", "creditMemo", "rule goodwill", 20 },
	{ REFUND_KIND_CANCELLATION, "CustomerCancel", "invoice", "creditMemo", "default", 27 },
	/* a kind without a name matches no kind condition */
	{ (enum refund_kind)99, "PriceError", "invoice", "creditMemo", "default", 27 },
};

static void
run_lookups(const struct refund_rules *r, const struct lookup_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct lookup_case *c = &cases[i];
		struct refund_rule_input in = { c->kind, c->reason, c->posted_as };
		struct refund_rule_match m;
		struct sc_error err;
		int rc;

		sc_error_clear(&err);
		rc = mapping_refund_lookup(r, &in, &m, &err);
		if (rc != 0 || m.create == NULL || strcmp(m.create, c->create) != 0 ||
		    strcmp(m.rule, c->rule) != 0 || m.line != c->line)
			fail_msg("case %zu (%d, %s, %s): rc %d, got %s by %s line %d, "
			         "expected %s by %s line %d", i, (int)c->kind,
			         c->reason ? c->reason : "NULL", c->posted_as, rc,
			         m.create ? m.create : "NULL", m.rule ? m.rule : "NULL", m.line,
			         c->create, c->rule, c->line);
	}
}

static void
lookups_take_the_first_matching_rule_or_the_default(void **state)
{
	struct refund_rules *r = load_ok(good_rules);

	(void)state;
	run_lookups(r, good_cases, sizeof(good_cases) / sizeof(good_cases[0]));
	assert_string_equal(mapping_refund_rules_path(r), "t.rules");
	mapping_refund_rules_free(r);
}

static void
lookup_refuses_a_type_that_is_not_an_order_type(void **state)
{
	struct refund_rules *r = load_ok(good_rules);
	struct refund_rule_input in = { REFUND_KIND_REFUND, NULL, "customerRefund" };
	struct refund_rule_match m;
	struct sc_error err;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(mapping_refund_lookup(r, &in, &m, &err), SC_EINVALID);
	assert_string_equal(err.msg, "the order was posted as `customerRefund`, which is "
	                    "not a NetSuite order type (valid: salesOrder, cashSale, invoice)");
	assert_null(m.create);
	in.posted_as = NULL;
	assert_int_equal(mapping_refund_lookup(r, &in, &m, &err), SC_EINVALID);
	mapping_refund_rules_free(r);
}

static void
reverse_gives_the_reason_of_types_that_go_back_and_null_otherwise(void **state)
{
	struct refund_rules *r = load_ok(good_rules);

	(void)state;
	assert_string_equal(mapping_refund_reverse(r, "cashRefund"), "CustomerReturn");
	assert_string_equal(mapping_refund_reverse(r, "customerRefund"), "GeneralAdjustment");
	assert_null(mapping_refund_reverse(r, "creditMemo"));
	assert_null(mapping_refund_reverse(r, "returnAuthorization"));
	assert_null(mapping_refund_reverse(r, "cashrefund"));
	assert_null(mapping_refund_reverse(r, NULL));
	mapping_refund_rules_free(r);
}

/* ---- explain, check, describe ------------------------------------------- */

static void
assert_contains(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("missing:\n%s\n--- in:\n%s", want, text);
}

static void
explain_shows_every_rule_its_conditions_and_the_deciding_rule(void **state)
{
	struct refund_rules *r = load_ok(good_rules);
	struct refund_rule_input in = { REFUND_KIND_ADJUSTMENT, "PriceError", "invoice" };
	struct buf b;
	const char *t;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(mapping_refund_explain(r, &in, &b), 0);
	t = buf_cstr(&b);
	assert_contains(t, "Refund: kind adjustment, reason PriceError, order posted as invoice\n");
	assert_contains(t, "rule \"cash sales refund by cash\" (line 2): does not match\n"
	                   "    kind = refund, cancellation: does not hold (this refund is an adjustment)\n"
	                   "    reason = *: holds\n"
	                   "    posted_as = cashSale: does not hold (the order was posted as invoice)\n");
	assert_contains(t, "rule \"returns need an authorization\" (line 8): does not match\n"
	                   "    kind = return: does not hold (this refund is an adjustment)\n"
	                   "    reason = CustomerReturn, DifferentItem: does not hold (its reason is PriceError)\n"
	                   "    posted_as: not set, holds for any\n");
	assert_contains(t, "rule \"price errors on invoices\" (line 14): MATCHES: this rule decides\n"
	                   "    kind = adjustment: holds\n"
	                   "    reason = PriceError: holds\n"
	                   "    posted_as = invoice, salesOrder: holds\n");
	assert_contains(t, "rule \"goodwill\" (line 20): would match, but an earlier rule decided\n");
	assert_contains(t, "Decision: create customerRefund (rule \"price errors on invoices\", line 14)\n");

	/* no rule matches: the default decides */
	buf_reset(&b);
	in.kind = REFUND_KIND_RETURN;
	in.reason = NULL;
	in.posted_as = "salesOrder";
	assert_int_equal(mapping_refund_explain(r, &in, &b), 0);
	t = buf_cstr(&b);
	assert_contains(t, "Refund: kind return, reason (none), order posted as salesOrder\n");
	assert_contains(t, "    reason = CustomerReturn, DifferentItem: does not hold "
	                   "(this refund has no reason code)\n");
	assert_contains(t, "    reason: not set, holds for any\n");
	assert_contains(t, "rule \"goodwill\" (line 20): does not match\n");
	assert_contains(t, "Decision: no rule matched; create returnAuthorization "
	                   "([default] salesOrder, line 28)\n");
	assert_null(strstr(t, "MATCHES"));

	/* a type that is not an order type cannot be decided */
	buf_reset(&b);
	in.posted_as = "creditMemo";
	assert_int_equal(mapping_refund_explain(r, &in, &b), SC_EINVALID);
	assert_contains(buf_cstr(&b), "Cannot decide: `creditMemo` is not a NetSuite order type "
	                              "(valid: salesOrder, cashSale, invoice)\n");
	buf_free(&b);
	mapping_refund_rules_free(r);
}

static const char *shadow_rules =
	"[rule any cash sale]\n"                                 /* 1 */
	"posted_as = cashSale\n"                                 /* 2 */
	"create = cashRefund\n"                                  /* 3 */
	"[rule cash returns]\n"                                  /* 4 */
	"kind = return\n"                                        /* 5 */
	"posted_as = cashSale\n"                                 /* 6 */
	"create = returnAuthorization\n"                         /* 7 */
	"[rule price errors]\n"                                  /* 8 */
	"reason = PriceError\n"                                  /* 9 */
	"kind = adjustment\n"                                    /* 10 */
	"create = returnAuthorization\n"                         /* 11 */
	"[rule price errors and more]\n"                         /* 12 */
	"reason = PriceError, GeneralAdjustment\n"               /* 13 */
	"kind = adjustment, refund\n"                            /* 14 */
	"create = returnAuthorization\n"                         /* 15 */
	"[rule narrower price errors]\n"                         /* 16 */
	"reason = PriceError\n"                                  /* 17 */
	"kind = adjustment\n"                                    /* 18 */
	"posted_as = invoice\n"                                  /* 19 */
	"create = creditMemo\n"                                  /* 20 */
	"[rule every kind listed]\n"                             /* 21 */
	"kind = refund, return, cancellation, adjustment\n"      /* 22 */
	"posted_as = salesOrder\n"                               /* 23 */
	"create = creditMemo\n"                                  /* 24 */
	"[rule sales orders]\n"                                  /* 25 */
	"posted_as = salesOrder\n"                               /* 26 */
	"reason = *\n"                                           /* 27 */
	"create = cashRefund\n"                                  /* 28 */
	"[default]\n"                                            /* 29 */
	"salesOrder = creditMemo\n"                              /* 30 */
	"cashSale = cashRefund\n"                                /* 31 */
	"invoice = creditMemo\n";                                /* 32 */

static void
check_warns_about_rules_an_earlier_rule_always_takes(void **state)
{
	struct refund_rules *r = load_ok(shadow_rules);
	struct refund_rule_input in = { REFUND_KIND_RETURN, "CustomerReturn", "cashSale" };
	struct refund_rule_match m;
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(mapping_refund_rules_check(r, &b), 3);
	assert_string_equal(buf_cstr(&b),
	    "t.rules:4: warning: [rule cash returns] can never match: [rule any cash sale] "
	    "(line 1) comes first and matches every refund it would\n"
	    "t.rules:16: warning: [rule narrower price errors] can never match: "
	    "[rule price errors] (line 8) comes first and matches every refund it would\n"
	    "t.rules:25: warning: [rule sales orders] can never match: [rule every kind listed] "
	    "(line 21) comes first and matches every refund it would\n");
	/* and indeed the earlier rule takes it */
	assert_int_equal(mapping_refund_lookup(r, &in, &m, NULL), 0);
	assert_string_equal(m.rule, "rule any cash sale");
	buf_free(&b);
	mapping_refund_rules_free(r);

	r = load_ok(good_rules);
	buf_init(&b, 0);
	assert_int_equal(mapping_refund_rules_check(r, &b), 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
	mapping_refund_rules_free(r);
}

static void
describe_prints_the_rules_in_order_the_defaults_and_what_goes_back(void **state)
{
	struct refund_rules *r = load_ok(good_rules);
	struct buf b;
	const char *t;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(mapping_refund_rules_describe(r, &b), 0);
	t = buf_cstr(&b);
	assert_contains(t,
	    "  1. rule \"cash sales refund by cash\" (line 2): kind refund, cancellation; "
	    "reason any; posted_as cashSale -> create cashRefund\n"
	    "  2. rule \"returns need an authorization\" (line 8): kind return; "
	    "reason CustomerReturn, DifferentItem; posted_as any -> create returnAuthorization\n"
	    "  3. rule \"price errors on invoices\" (line 14): kind adjustment; "
	    "reason PriceError; posted_as invoice, salesOrder -> create customerRefund\n"
	    "  4. rule \"goodwill\" (line 20): kind adjustment, refund; reason any; "
	    "posted_as invoice, salesOrder -> create creditMemo\n");
	assert_contains(t, "  order posted as salesOrder -> create returnAuthorization (line 28)\n"
	                   "  order posted as cashSale -> create cashRefund (line 26)\n"
	                   "  order posted as invoice -> create creditMemo (line 27)\n");
	assert_contains(t, "  cashRefund -> reason CustomerReturn (line 31)\n"
	                   "  customerRefund -> reason GeneralAdjustment (line 32)\n");
	buf_free(&b);
	mapping_refund_rules_free(r);
}

/* ---- load errors -------------------------------------------------------- */

#define DEFAULTS "[default]\nsalesOrder = creditMemo\ncashSale = cashRefund\ninvoice = creditMemo\n"

struct bad_case {
	const char *name;
	const char *text;
	const char *expect;    /* the whole message */
};

static const struct bad_case bad_cases[] = {
	{ "no [default]",
	  "[rule a]\ncreate = cashRefund\nposted_as = cashSale\n",
	  "t.rules:3: no [default] section (required: what to create when no rule matches, "
	  "one key per NetSuite order type: salesOrder, cashSale, invoice)" },
	{ "an empty file has no [default]", "",
	  "t.rules:1: no [default] section (required: what to create when no rule matches, "
	  "one key per NetSuite order type: salesOrder, cashSale, invoice)" },
	{ "[default] missing invoice",
	  "[default]\nsalesOrder = creditMemo\ncashSale = cashRefund\n"
	  "[to_marketplace]\ncashRefund = GeneralAdjustment\n",
	  "t.rules:1: [default] missing invoice (one key per NetSuite order type: "
	  "salesOrder, cashSale, invoice)" },
	{ "[default] missing two at the end of the file",
	  "[rule r]\ncreate = returnAuthorization\n[default]\nsalesOrder = creditMemo\n",
	  "t.rules:3: [default] missing cashSale, invoice (one key per NetSuite order type: "
	  "salesOrder, cashSale, invoice)" },
	{ "[default] with no keys", "[default]\n",
	  "t.rules:1: [default] missing salesOrder, cashSale, invoice (one key per NetSuite "
	  "order type: salesOrder, cashSale, invoice)" },
	{ "[default] key that is not an order type",
	  "[default]\nsalesOrder = creditMemo\ncashsale = cashRefund\n",
	  "t.rules:3: [default] unknown NetSuite order type `cashsale` (one key per order "
	  "type: salesOrder, cashSale, invoice)" },
	{ "[default] value that is not a refund type",
	  "[default]\nsalesOrder = creditMemo\ncashSale = refund\n",
	  "t.rules:3: [default] cashSale: unknown NetSuite refund type `refund` (valid: "
	  NS_TYPES ")" },
	{ "[default] impossible transaction",
	  "[default]\nsalesOrder = creditMemo\ncashSale = creditMemo\ninvoice = creditMemo\n",
	  "t.rules:3: [default] cashSale: NetSuite cannot make a creditMemo from a cashSale; "
	  "from a cashSale it can make cashRefund, returnAuthorization" },
	{ "[default] key given twice", DEFAULTS "cashSale = returnAuthorization\n",
	  "t.rules:5: [default] cashSale is given twice (first at line 3)" },
	{ "[default] given twice", DEFAULTS "[default]\n",
	  "t.rules:5: [default] is given twice (first at line 1)" },
	{ "indented keys read as a continuation",
	  "[default]\n  salesOrder = creditMemo\n  cashSale = cashRefund\n",
	  "t.rules:3: [default] this indented line continues `salesOrder`, which takes one "
	  "name (start every key at the beginning of its line)" },
	{ "indented key after a list",
	  DEFAULTS "[rule r1]\nreason = PriceError\n  create = returnAuthorization\n",
	  "t.rules:7: [rule r1] this indented line continues `reason` but looks like a key "
	  "(start every key at the beginning of its line)" },
	{ "indented create",
	  DEFAULTS "[rule r1]\nkind = return\n\tcreate = returnAuthorization\n",
	  "t.rules:7: [rule r1] this indented line continues `kind` but looks like a key "
	  "(start every key at the beginning of its line)" },
	{ "indented line after create",
	  DEFAULTS "[rule r1]\ncreate = returnAuthorization\n  cashRefund\n",
	  "t.rules:7: [rule r1] this indented line continues `create`, which takes one name "
	  "(start every key at the beginning of its line)" },
	{ "unknown kind",
	  DEFAULTS "[rule r1]\nkind = refund, retrun\ncreate = returnAuthorization\n",
	  "t.rules:6: [rule r1] kind: unknown kind `retrun` (valid: refund, return, "
	  "cancellation, adjustment, or * for any)" },
	{ "unknown reason code (case-sensitive)",
	  DEFAULTS "[rule r1]\nreason = CustomerReturn, customerreturn\n"
	  "create = returnAuthorization\n",
	  "t.rules:6: [rule r1] reason: unknown Amazon reason code `customerreturn` (valid: "
	  AMZ_LIST ", or * for any)" },
	{ "unknown order type in posted_as",
	  DEFAULTS "[rule r1]\nposted_as = cashsale\ncreate = cashRefund\n",
	  "t.rules:6: [rule r1] posted_as: unknown NetSuite order type `cashsale` (valid: "
	  "salesOrder, cashSale, invoice, or * for any)" },
	{ "unknown ERP type in create",
	  DEFAULTS "[rule r1]\nposted_as = cashSale\ncreate = refundReceipt\n",
	  "t.rules:7: [rule r1] create: unknown NetSuite refund type `refundReceipt` (valid: "
	  NS_TYPES ")" },
	{ "impossible path invoice>cashRefund",
	  DEFAULTS "[rule r1]\nposted_as = invoice\ncreate = cashRefund\nkind = refund\n",
	  "t.rules:7: [rule r1] create: NetSuite cannot make a cashRefund from an invoice; "
	  "from an invoice it can make creditMemo, customerRefund, returnAuthorization" },
	{ "rule without posted_as impossible for one order type",
	  DEFAULTS "[rule r1]\nkind = adjustment\ncreate = creditMemo\n"
	  "[rule r2]\ncreate = cashRefund\nposted_as = cashSale\n",
	  "t.rules:7: [rule r1] create: NetSuite cannot make a creditMemo from a cashSale; "
	  "from a cashSale it can make cashRefund, returnAuthorization (the rule has no "
	  "posted_as, so it applies to every order type; limit it with posted_as = "
	  "salesOrder, invoice)" },
	{ "posted_as * is checked against every order type too",
	  DEFAULTS "[rule r1]\nposted_as = *\ncreate = customerRefund\n",
	  "t.rules:7: [rule r1] create: NetSuite cannot make a customerRefund from a cashSale; "
	  "from a cashSale it can make cashRefund, returnAuthorization (the rule says "
	  "posted_as = *, so it applies to every order type; limit it with posted_as = "
	  "salesOrder, invoice)" },
	{ "two rules with one name",
	  DEFAULTS "[rule same]\nposted_as = cashSale\ncreate = cashRefund\n\n"
	  "[rule same]\ncreate = returnAuthorization\n",
	  "t.rules:9: [rule same] is given twice (first at line 5); rule names must be unique" },
	{ "unknown key in a rule",
	  DEFAULTS "[rule r1]\nkinds = refund\ncreate = returnAuthorization\n",
	  "t.rules:6: [rule r1] unknown key `kinds` (valid: kind, reason, posted_as, create)" },
	{ "rule without create",
	  DEFAULTS "[rule r1]\nkind = refund\nposted_as = cashSale\n\n"
	  "[to_marketplace]\ncashRefund = GeneralAdjustment\n",
	  "t.rules:5: [rule r1] has no `create` (the NetSuite type to make: " NS_TYPES ")" },
	{ "last rule without create",
	  DEFAULTS "[rule r1]\nkind = refund\n",
	  "t.rules:5: [rule r1] has no `create` (the NetSuite type to make: " NS_TYPES ")" },
	{ "rule without a name", DEFAULTS "[rule]\ncreate = cashRefund\n",
	  "t.rules:5: [rule] needs a name: [rule NAME]" },
	{ "unknown section", DEFAULTS "[rules]\nx = y\n",
	  "t.rules:5: unknown section [rules] (valid: [rule NAME], [default], [to_marketplace])" },
	{ "condition given twice",
	  DEFAULTS "[rule r1]\nkind = refund\nposted_as = cashSale\nkind = return\n"
	  "create = cashRefund\n",
	  "t.rules:8: [rule r1] kind is given twice (first at line 6)" },
	{ "create given twice",
	  DEFAULTS "[rule r1]\ncreate = returnAuthorization\ncreate = returnAuthorization\n",
	  "t.rules:7: [rule r1] create is given twice (first at line 6)" },
	{ "`*` among names",
	  DEFAULTS "[rule r1]\nreason = *, PriceError\ncreate = returnAuthorization\n",
	  "t.rules:6: [rule r1] reason: `*` (any) cannot be listed with names" },
	{ "empty condition",
	  DEFAULTS "[rule r1]\nkind = , \ncreate = returnAuthorization\n",
	  "t.rules:6: [rule r1] kind is empty (write * for any, or leave the key out)" },
	{ "create with a list",
	  DEFAULTS "[rule r1]\ncreate = cashRefund, creditMemo\n",
	  "t.rules:6: [rule r1] create takes one name, not a list (`cashRefund, creditMemo`)" },
	{ "to_marketplace type the ERP does not have",
	  DEFAULTS "[to_marketplace]\ncashRefund = GeneralAdjustment\ncashSale = GeneralAdjustment\n",
	  "t.rules:7: [to_marketplace] unknown NetSuite refund type `cashSale` (valid: "
	  NS_TYPES ")" },
	{ "to_marketplace reason the marketplace does not know",
	  DEFAULTS "[to_marketplace]\ncustomerRefund = Refund\n",
	  "t.rules:6: [to_marketplace] customerRefund: unknown Amazon reason code `Refund` "
	  "(valid: " AMZ_LIST ")" },
	{ "to_marketplace type given twice",
	  DEFAULTS "[to_marketplace]\ncashRefund = Other\ncashRefund = Other\n",
	  "t.rules:7: [to_marketplace] cashRefund is given twice (first at line 6)" },
	{ "key outside any section", "kind = refund\n" DEFAULTS,
	  "t.rules:1: `kind` is outside any section (start with [rule NAME], [default] or "
	  "[to_marketplace])" },
	{ "syntax error before a later error",
	  DEFAULTS "[rule r1]\nposted_as cashSale\ncreate = cashRefund\nkind = retrun\n",
	  "t.rules:6: syntax error (expected [section], key = value, or a # comment)" },
	{ "unterminated header",
	  DEFAULTS "[rule r1\ncreate = cashRefund\n",
	  "t.rules:5: syntax error (expected [section], key = value, or a # comment)" },
	{ "a rule error is reported before a later syntax error",
	  DEFAULTS "[rule r1]\nposted_as = invoice\ncreate = cashRefund\nnonsense\n",
	  "t.rules:7: [rule r1] create: NetSuite cannot make a cashRefund from an invoice; "
	  "from an invoice it can make creditMemo, customerRefund, returnAuthorization" },
};

static void
each_bad_file_gives_one_error_with_its_file_and_line(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct refund_rules *r = (struct refund_rules *)&r;   /* must become NULL */
		struct sc_error err;
		int rc;

		sc_error_clear(&err);
		rc = mapping_refund_rules_load_string(&r, bad_cases[i].text, "t.rules", &vocab,
		                                      &err);
		if (rc != SC_EINVALID || strcmp(err.msg, bad_cases[i].expect) != 0)
			fail_msg("case '%s': rc %d\n got      '%s'\n expected '%s'",
			         bad_cases[i].name, rc, err.msg, bad_cases[i].expect);
		assert_null(r);
		assert_null(strchr(err.msg, '\n'));
	}
}

static void
a_line_longer_than_inih_reads_is_an_error_with_its_line(void **state)
{
	char text[600], name[260];
	struct refund_rules *r = NULL;
	struct sc_error err;

	(void)state;
	/* 199 characters and a newline still fit */
	memset(name, 'x', 199 - 7);
	name[199 - 7] = '\0';
	snprintf(text, sizeof(text), DEFAULTS "[rule %s]\ncreate = returnAuthorization\n", name);
	assert_int_equal(strlen("[rule ]") + strlen(name), 199);
	sc_error_clear(&err);
	assert_int_equal(mapping_refund_rules_load_string(&r, text, "t.rules", &vocab, &err), 0);
	mapping_refund_rules_free(r);
	r = NULL;
	/* 200 do not */
	memset(name, 'x', 200 - 7);
	name[200 - 7] = '\0';
	snprintf(text, sizeof(text), DEFAULTS "[rule %s]\ncreate = returnAuthorization\n", name);
	assert_int_equal(mapping_refund_rules_load_string(&r, text, "t.rules", &vocab, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "t.rules:5: line too long (at most 199 characters)");
	assert_null(r);
}

/* ---- the README's example, files, options -------------------------------- */

/* The example of mapping/README.md, word for word. */
static const char *readme_example =
	"# Rules are tried in file order; the first whose conditions all hold wins.\n"
	"# A condition that is left out matches anything; `*` does too.\n"
	"\n"
	"[rule cash sales refund by cash]\n"
	"kind = refund, cancellation        # refund | return | cancellation | adjustment\n"
	"reason = *                         # marketplace reason codes, comma-separated\n"
	"posted_as = cashSale               # the ERP type the order was posted as\n"
	"create = cashRefund                # the ERP transaction to create\n"
	"\n"
	"[rule returns need an authorization]\n"
	"kind = return\n"
	"reason = CustomerReturn\n"
	"create = returnAuthorization\n"
	"\n"
	"# Required: what to create when no rule matched, for every type an order\n"
	"# can be posted as in this ERP.\n"
	"[default]\n"
	"cashSale = cashRefund\n"
	"invoice = creditMemo\n"
	"salesOrder = creditMemo\n"
	"\n"
	"# ERP transactions made by people that go back to the marketplace as\n"
	"# refunds, with the reason the marketplace is told. A type not listed\n"
	"# never goes back. Records the connector made itself never go back.\n"
	"[to_marketplace]\n"
	"cashRefund = CustomerReturn\n"
	"customerRefund = GeneralAdjustment\n";

static const struct lookup_case readme_cases[] = {
	{ REFUND_KIND_CANCELLATION, "CustomerCancel", "cashSale", "cashRefund",
	  "rule cash sales refund by cash", 4 },
	{ REFUND_KIND_RETURN, "CustomerReturn", "invoice", "returnAuthorization",
	  "rule returns need an authorization", 10 },
	{ REFUND_KIND_RETURN, "DifferentItem", "invoice", "creditMemo", "default", 19 },
	{ REFUND_KIND_ADJUSTMENT, NULL, "salesOrder", "creditMemo", "default", 20 },
	{ REFUND_KIND_ADJUSTMENT, NULL, "cashSale", "cashRefund", "default", 18 },
};

static void
the_readme_example_loads_and_decides_as_it_says(void **state)
{
	struct refund_rules *r = load_ok(readme_example);

	(void)state;
	run_lookups(r, readme_cases, sizeof(readme_cases) / sizeof(readme_cases[0]));
	assert_string_equal(mapping_refund_reverse(r, "cashRefund"), "CustomerReturn");
	mapping_refund_rules_free(r);
}

static void
bom_and_crlf_line_ends_are_read(void **state)
{
	struct refund_rules *r = load_ok(
	    "\xEF\xBB\xBF[rule r]\r\nposted_as = invoice\r\ncreate = creditMemo  # c\r\n"
	    "[default]\r\nsalesOrder = creditMemo\r\ncashSale = cashRefund\r\n"
	    "invoice = customerRefund\r\n");
	static const struct lookup_case cases[] = {
		{ REFUND_KIND_REFUND, NULL, "invoice", "creditMemo", "rule r", 1 },
		{ REFUND_KIND_REFUND, NULL, "cashSale", "cashRefund", "default", 6 },
	};

	(void)state;
	run_lookups(r, cases, 2);
	mapping_refund_rules_free(r);
}

static void
a_vocabulary_without_paths_or_reasons_accepts_any(void **state)
{
	struct mapping_vocab v = vocab;
	struct refund_rules *r = NULL;
	struct sc_error err;
	const char *text = "[rule r]\nreason = Whatever\ncreate = creditMemo\n"
	                   "[default]\nsalesOrder = cashRefund\ncashSale = creditMemo\n"
	                   "invoice = cashRefund\n[to_marketplace]\ncreditMemo = Anything\n";

	(void)state;
	v.refund_paths = NULL;
	v.reasons = NULL;
	sc_error_clear(&err);
	assert_int_equal(mapping_refund_rules_load_string(&r, text, "t.rules", &v, &err), 0);
	assert_string_equal(mapping_refund_reverse(r, "creditMemo"), "Anything");
	mapping_refund_rules_free(r);
	/* with the real lists the same text is refused */
	assert_int_equal(mapping_refund_rules_load_string(&r, text, "t.rules", &vocab, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg, "t.rules:2: [rule r] reason: unknown Amazon reason code "
	                    "`Whatever` (valid: " AMZ_LIST ", or * for any)");
	/* a vocabulary without order types cannot check anything */
	v.order_types = NULL;
	assert_int_equal(mapping_refund_rules_load_string(&r, text, "t.rules", &v, &err),
	                 SC_EINVALID);
	assert_null(r);
}

static void
write_file(char *path, const char *text, size_t len)
{
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void
files_load_like_strings_and_errors_name_the_file(void **state)
{
	char path[] = "/tmp/test_refund_rules_XXXXXX";
	char nul_path[] = "/tmp/test_refund_rules_XXXXXX";
	char want[256];
	struct refund_rules *r = NULL;
	struct sc_error err;
	const char *bad = DEFAULTS "[rule r1]\nposted_as = invoice\ncreate = cashRefund\n";

	(void)state;
	write_file(path, good_rules, strlen(good_rules));
	sc_error_clear(&err);
	assert_int_equal(mapping_refund_rules_load(&r, path, &vocab, &err), 0);
	run_lookups(r, good_cases, sizeof(good_cases) / sizeof(good_cases[0]));
	assert_string_equal(mapping_refund_rules_path(r), path);
	mapping_refund_rules_free(r);
	unlink(path);

	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	write_file(path, bad, strlen(bad));
	assert_int_equal(mapping_refund_rules_load(&r, path, &vocab, &err), SC_EINVALID);
	snprintf(want, sizeof(want), "%s:7: [rule r1] create: NetSuite cannot make a "
	         "cashRefund from an invoice;", path);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_null(r);
	unlink(path);

	write_file(nul_path, "[default]\n\0x", 12);
	assert_int_equal(mapping_refund_rules_load(&r, nul_path, &vocab, &err), SC_EINVALID);
	assert_non_null(strstr(err.msg, "NUL byte"));
	unlink(nul_path);

	assert_int_equal(mapping_refund_rules_load(&r, "/nonexistent/refund.rules", &vocab,
	                                           &err), SC_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/refund.rules: cannot open"));
	assert_null(r);
	mapping_refund_rules_free(NULL);
}

/* ---- conf/refund-rules.conf.example ------------------------------------- */

static void
example_path(char *out, size_t n)
{
	const char *td = getenv("SC_TESTDATA");   /* SOURCE/tests/data */
	const char *slash;

	if (td != NULL && (slash = strstr(td, "/tests/data")) != NULL &&
	    slash[strlen("/tests/data")] == '\0') {
		snprintf(out, n, "%.*s/conf/refund-rules.conf.example", (int)(slash - td), td);
		return;
	}
#ifdef SC_SOURCE_DIR
	snprintf(out, n, "%s/conf/refund-rules.conf.example", SC_SOURCE_DIR);
#else
	snprintf(out, n, "conf/refund-rules.conf.example");
#endif
}

/* Worked out from the rules of the example file, top to bottom. */
static const struct lookup_case example_cases[] = {
	{ REFUND_KIND_RETURN, "CustomerReturn", "cashSale", "returnAuthorization",
	  "rule returned goods go through a return authorization", 29 },
	{ REFUND_KIND_RETURN, "Undeliverable", "invoice", "returnAuthorization",
	  "rule returned goods go through a return authorization", 29 },
	{ REFUND_KIND_RETURN, "Other", "cashSale", "cashRefund",
	  "rule cash sales are refunded in cash", 36 },
	{ REFUND_KIND_REFUND, NULL, "cashSale", "cashRefund",
	  "rule cash sales are refunded in cash", 36 },
	{ REFUND_KIND_CANCELLATION, "CustomerCancel", "salesOrder", "customerRefund",
	  "rule invoiced money back is a customer refund", 43 },
	{ REFUND_KIND_REFUND, "PriceError", "invoice", "customerRefund",
	  "rule invoiced money back is a customer refund", 43 },
	{ REFUND_KIND_RETURN, "Other", "invoice", "creditMemo", "default", 53 },
	{ REFUND_KIND_ADJUSTMENT, "PriceError", "salesOrder", "creditMemo", "default", 51 },
	{ REFUND_KIND_ADJUSTMENT, NULL, "invoice", "creditMemo", "default", 53 },
};

static void
the_shipped_example_loads_with_the_real_vocabularies_and_decides_sensibly(void **state)
{
	char path[4096];
	struct refund_rules *r = NULL;
	struct sc_error err;
	struct buf b;

	(void)state;
	example_path(path, sizeof(path));
	sc_error_clear(&err);
	if (mapping_refund_rules_load(&r, path, &vocab, &err) != 0)
		fail_msg("%s", err.msg);
	run_lookups(r, example_cases, sizeof(example_cases) / sizeof(example_cases[0]));
	assert_string_equal(mapping_refund_reverse(r, "cashRefund"), "GeneralAdjustment");
	assert_string_equal(mapping_refund_reverse(r, "customerRefund"), "GeneralAdjustment");
	assert_null(mapping_refund_reverse(r, "creditMemo"));
	assert_null(mapping_refund_reverse(r, "returnAuthorization"));
	buf_init(&b, 0);
	assert_int_equal(mapping_refund_rules_check(r, &b), 0);
	assert_int_equal(mapping_refund_rules_describe(r, &b), 0);
	buf_free(&b);
	mapping_refund_rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookups_take_the_first_matching_rule_or_the_default),
		cmocka_unit_test(lookup_refuses_a_type_that_is_not_an_order_type),
		cmocka_unit_test(reverse_gives_the_reason_of_types_that_go_back_and_null_otherwise),
		cmocka_unit_test(explain_shows_every_rule_its_conditions_and_the_deciding_rule),
		cmocka_unit_test(check_warns_about_rules_an_earlier_rule_always_takes),
		cmocka_unit_test(describe_prints_the_rules_in_order_the_defaults_and_what_goes_back),
		cmocka_unit_test(each_bad_file_gives_one_error_with_its_file_and_line),
		cmocka_unit_test(a_line_longer_than_inih_reads_is_an_error_with_its_line),
		cmocka_unit_test(the_readme_example_loads_and_decides_as_it_says),
		cmocka_unit_test(bom_and_crlf_line_ends_are_read),
		cmocka_unit_test(a_vocabulary_without_paths_or_reasons_accepts_any),
		cmocka_unit_test(files_load_like_strings_and_errors_name_the_file),
		cmocka_unit_test(the_shipped_example_loads_with_the_real_vocabularies_and_decides_sensibly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
