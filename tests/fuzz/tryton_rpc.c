/*
 * tryton_rpc.c: what the Tryton adapter reads from trytond.
 *
 * The bytes are one JSON-RPC answer body: tryton__rpc_parse turns it into a
 * result or an error (tryton__error_map); every value of a result (and of
 * the records in it, as read() returns them) then goes through the value
 * readers: Decimal at 0, 2 and 4 decimals, date/datetime, id, quantity,
 * boolean, string. The same bytes also go through the HTML error-page
 * reader. Each must return, free what it made, and never read out of
 * bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/tryton/tryton_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_value(json_object *v)
{
	int64_t n = 0;

	tryton__get_decimal(v, 0, &n, "v", NULL);
	tryton__get_decimal(v, 2, &n, "v", NULL);
	tryton__get_decimal(v, 4, &n, "v", NULL);
	tryton__get_date(v, &n, "v", NULL);
	tryton__get_id(v, &n, "v", NULL);
	tryton__get_qty(v, &n, "v", NULL);
	tryton__get_bool(v);
}

static void
walk(json_object *v, int depth)
{
	size_t i;

	if (v == NULL || depth > 4)
		return;
	read_value(v);
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v) && i < 64; i++)
			walk(json_object_array_get_idx(v, i), depth + 1);
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			tryton__get_str(v, key);
			walk(val, depth + 1);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp;
	json_object *result = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	if (tryton__rpc_parse((const char *)data, size, &result, &err) == 0)
		walk(result, 0);
	json_object_put(result);

	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, 0);
	if (buf_append(&resp.body, data, size) == 0) {
		resp.status = 500;
		tryton__http_error(&err, &resp, "fuzz");
	}
	buf_free(&resp.body);
	return 0;
}
