/*
 * amazon_orders_fuzzer.c: the bytes as a searchOrders response body, through
 * the page parser (every order through amazon__order_parse), then as an
 * orders cursor. Parse, free, return 0: ASan/UBSan report the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page p;
	struct sc_error err;
	struct amazon_cursor cur;
	char *next = NULL, *text = NULL, out[512];

	page_init(&p, amazon__order_item_free);
	sc_error_clear(&err);
	(void)amazon__orders_response_parse(&p, &next, (const char *)data, size, &err);
	page_free(&p);
	free(next);

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (amazon__cursor_decode(&cur, text, &err) == 0)
		(void)amazon__cursor_encode(out, sizeof(out), &cur, &err);
	free(text);
	return 0;
}
