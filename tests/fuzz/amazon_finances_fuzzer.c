/*
 * amazon_finances_fuzzer.c: the bytes as a Finances v0 response body
 * (listFinancialEvents / ...ByOrderId) through the page parser, every
 * RefundEventList item through amazon__refund_parse: once for the period
 * listing, once as the answer for one order. Parse, free, return 0:
 * ASan/UBSan report the rest.
 */
#include <stdint.h>
#include <stdlib.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const orders[] = { NULL, "113-4827193-5562047" };
	struct page p;
	struct sc_error err;
	char *next = NULL;
	size_t i;

	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		page_init(&p, amazon__refund_item_free);
		sc_error_clear(&err);
		(void)amazon__finances_response_parse(&p, &next, orders[i],
		                                      (const char *)data, size, &err);
		page_free(&p);
		free(next);
		next = NULL;
	}
	return 0;
}
