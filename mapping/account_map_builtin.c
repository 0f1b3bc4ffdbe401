/*
 * account_map_builtin.c: the built-in Amazon settlement account map.
 *
 * The text below is conf/settlement-map.conf.example byte for byte (the unit
 * test compares them): change both together. It names every
 * transaction-type, amount-type and amount-description of docs/AMAZON.md
 * section 5, by name or through a `*` rule.
 */
#include "mapping/account_map_int.h"

static const char builtin_text[] =
	"# Settlement account map: which ERP account each amount of an Amazon\n"
	"# settlement report goes to. This is the built-in map the connector uses when\n"
	"# [connector] settlement_map is not set; copy this file, edit it, and point\n"
	"# settlement_map at your copy. Format: mapping/README.md, \"Settlement\n"
	"# account map\".\n"
	"#\n"
	"# The account names below are placeholders: write your ERP's accounts (for\n"
	"# NetSuite, the account's internal id or number).\n"
	"#\n"
	"# Signs: amounts are the seller's view (a sale is positive, a fee negative);\n"
	"# total-amount is the net deposit. The journal debits [bank] with the deposit\n"
	"# and posts each account the opposite of the sum of its rows, so sales become\n"
	"# credits and fees debits, and the lines sum to zero.\n"
	"\n"
	"[category charges]\n"
	"# What buyers paid: item price, shipping, gift wrap, tax, and promotions\n"
	"# (negative).\n"
	"account = Amazon Sales\n"
	"\n"
	"[category refunds]\n"
	"# What went back to buyers: refunded price, shipping, tax, promotions;\n"
	"# chargebacks.\n"
	"account = Amazon Refunds\n"
	"\n"
	"[category fees]\n"
	"# What Amazon charged: commissions, FBA fees, refund commissions, service\n"
	"# fees, storage.\n"
	"account = Amazon Fees\n"
	"\n"
	"[category adjustments]\n"
	"# Everything else: other transactions, reimbursements, reserves.\n"
	"account = Amazon Adjustments\n"
	"\n"
	"[bank]\n"
	"# Receives the net: the deposit (total-amount).\n"
	"account = Amazon Clearing\n"
	"\n"
	"# Uncomment to post rows that no rule fits to a suspense account (as\n"
	"# adjustments) instead of refusing the settlement:\n"
	"#[suspense]\n"
	"#account = Amazon Suspense\n"
	"\n"
	"[match]\n"
	"# rule = TRANSACTION-TYPE / AMOUNT-TYPE / AMOUNT-DESCRIPTION -> CATEGORY\n"
	"# rule = ... -> CATEGORY, account ACCOUNT     (an own account for these rows)\n"
	"# The first rule that fits a row decides; * fits anything. A narrower rule\n"
	"# goes above the broader one, for example (uncommented, above the first\n"
	"# `Order / ItemPrice` rule):\n"
	"#rule = Order / ItemPrice / Tax -> charges, account Sales Tax Payable\n"
	"\n"
	"# Fees, whatever the transaction: Commission, RefundCommission,\n"
	"# FBAPerUnitFulfillmentFee, FBAPerOrderFulfillmentFee, FBAWeightBasedFee,\n"
	"# ShippingChargeback, VariableClosingFee, ...\n"
	"rule = * / ItemFees / * -> fees\n"
	"rule = * / ItemRelatedFees / * -> fees\n"
	"rule = ServiceFee / * / * -> fees\n"
	"rule = other-transaction / other-transaction / Storage Fee -> fees\n"
	"\n"
	"# Orders: Principal, Tax, Shipping, ShippingTax, GiftWrap; promotions;\n"
	"# MarketplaceFacilitatorTax-Principal, -Shipping (tax Amazon withholds).\n"
	"rule = Order / ItemPrice / * -> charges\n"
	"rule = Order / Promotion / * -> charges\n"
	"rule = Order / ItemWithheldTax / * -> charges\n"
	"\n"
	"# Refunds and chargebacks: the same amounts going back.\n"
	"rule = Refund / ItemPrice / * -> refunds\n"
	"rule = Refund / Promotion / * -> refunds\n"
	"rule = Refund / ItemWithheldTax / * -> refunds\n"
	"rule = Chargeback / * / * -> refunds\n"
	"\n"
	"# Reserves, reimbursements and other transactions.\n"
	"rule = other-transaction / other-transaction / Previous Reserve Amount Balance -> adjustments\n"
	"rule = other-transaction / other-transaction / Current Reserve Amount -> adjustments\n"
	"rule = other-transaction / * / * -> adjustments\n"
	"rule = Adjustment / * / * -> adjustments\n"
	"rule = Liquidations / * / * -> adjustments\n"
	"rule = * / Other / * -> adjustments\n";

const char *
mapping_account_map_builtin_text(void)
{
	return builtin_text;
}

int
mapping_account_map_builtin(struct account_map **out, struct sc_error *err)
{
	return mapping_account_map_load_string(out, builtin_text, "built-in Amazon map", err);
}
