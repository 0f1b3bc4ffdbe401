/* refund_rules_fuzzer.c: the refund rules loader on arbitrary text, then
 * every use of what loaded (lookup, explain, reverse, check, describe). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/refund_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The NetSuite and Amazon vocabularies (adapters/netsuite, adapters/amazon). */
static const char *const order_types[] = { "salesOrder", "cashSale", "invoice", NULL };
static const char *const refund_types[] = {
	"cashRefund", "creditMemo", "returnAuthorization", "customerRefund", NULL
};
static const char *const refund_paths[] = {
	"cashSale>cashRefund", "cashSale>returnAuthorization",
	"invoice>creditMemo", "invoice>customerRefund", "invoice>returnAuthorization",
	"salesOrder>creditMemo", "salesOrder>customerRefund",
	"salesOrder>cashRefund", "salesOrder>returnAuthorization", NULL
};
static const char *const reasons[] = {
	"NoInventory", "CustomerReturn", "GeneralAdjustment", "CouldNotShip",
	"DifferentItem", "Abandoned", "CustomerCancel", "PriceError",
	"ProductOutofStock", "CustomerAddressIncorrect", "Exchange", "Other",
	"CarrierCreditDecision", "RiskAssessmentInformationNotValid",
	"CarrierCoverageFailure", "TransactionRecord", "Undeliverable",
	"RefusedDelivery", NULL
};
static const struct mapping_vocab vocab = {
	"NetSuite", order_types, refund_types, refund_paths, "Amazon", reasons
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const try_reasons[] = { NULL, "", "CustomerReturn", "PriceError" };
	static const char *const try_posted[] = { "salesOrder", "cashSale", "invoice", "bogus" };
	struct refund_rules *r = NULL;
	struct sc_error err;
	char *text = malloc(size + 1);
	size_t k, i, j;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	sc_error_clear(&err);
	if (mapping_refund_rules_load_string(&r, text, "fuzz.rules", &vocab, &err) == 0) {
		struct buf b;

		buf_init(&b, 1 << 20);
		for (k = 0; k < 5; k++)
			for (i = 0; i < 4; i++)
				for (j = 0; j < 4; j++) {
					struct refund_rule_input in = {
						(enum refund_kind)k, try_reasons[i], try_posted[j]
					};
					struct refund_rule_match m;

					if (mapping_refund_lookup(r, &in, &m, &err) == 0 &&
					    (m.create == NULL || m.rule == NULL))
						abort();
					(void)mapping_refund_explain(r, &in, &b);
					buf_reset(&b);
				}
		for (i = 0; refund_types[i] != NULL; i++)
			(void)mapping_refund_reverse(r, refund_types[i]);
		(void)mapping_refund_rules_check(r, &b);
		(void)mapping_refund_rules_describe(r, &b);
		buf_free(&b);
		mapping_refund_rules_free(r);
	} else if (r != NULL || err.msg[0] == '\0') {
		abort();   /* a failed load leaves nothing and says why */
	}
	free(text);
	return 0;
}
