/*
 * netsuite_json_fuzzer.c: what the NetSuite adapter reads from the wire.
 *
 * The same bytes go to the error-body parser, the SuiteQL page parser, the
 * record parser, the token response parser and (as text) the Location
 * parser. Each must return, free what it made, and never read out of
 * bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/netsuite/netsuite_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	struct sc_error err;
	struct erp_ref ref;
	char *text = NULL, *token = NULL, id[64];
	int64_t expires = 0;
	size_t count = 0;
	int more = 0;

	sc_error_clear(&err);
	netsuite__error_parse(&err, body, size);
	netsuite__suiteql_parse(&pairs, &more, &count, body, size, "itemid", "id", &err);
	netsuite__suiteql_parse(&pairs, &more, &count, body, size, "symbol", "id", &err);
	netsuite__pairs_free(&pairs);
	memset(&ref, 0, sizeof(ref));
	netsuite__record_parse(&ref, body, size, &err);
	netsuite__token_parse(&token, &expires, body, size, &err);
	free(token);

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	netsuite__location_id(id, sizeof(id), text, "salesOrder");
	netsuite__location_id(id, sizeof(id), text, NULL);
	free(text);
	return 0;
}
