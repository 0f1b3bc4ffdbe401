/*
 * jsonutil.h: small, strict accessors over json-c, for parsers of outside data.
 *
 * Paths are dotted ("proceeds.grandTotal.amount"). Every getter returns 1 when
 * the value is there and of the right type, 0 when absent (or JSON null), and
 * SC_EMALFORMED with a message naming the path when present but wrong.
 * Returned strings are borrowed from the json object.
 */
#ifndef SC_JSONUTIL_H
#define SC_JSONUTIL_H

#include <json-c/json.h>
#include <stdint.h>

#include "connector/error.h"

/* Parse `len` bytes (not NUL-terminated needed) into *out (caller puts it).
 * SC_EMALFORMED with json-c's reason and byte offset on bad input.
 * JSON_TOKENER_STRICT (no comments, trailing commas, leading zeros; json-c
 * still lets NaN/Infinity and single-quoted object keys through); only
 * whitespace may follow the value; a NUL byte in the input is refused.
 * On success *out is never NULL: a JSON null document is SC_EMALFORMED.
 * SC_ENOSPACE when len exceeds INT_MAX - 1. */
int json_parse_buf(json_object **out, const char *text, size_t len, struct sc_error *err);

/* Segments split on '.'; an all-digit segment (no leading zero) indexes an
 * array ("items.0.sku"), and on an object is an ordinary key. Keys holding
 * a '.' cannot be addressed. NULL if absent or JSON null; borrowed. */
json_object *json_path(json_object *o, const char *path);
/* json_get_str refuses (SC_EMALFORMED) a string holding "\u0000".
 * json_get_int wants a JSON integer (10.0 is SC_EMALFORMED) and returns
 * SC_ENOSPACE outside int64: json-c clamps such values to INT64_MIN or
 * UINT64_MAX, so INT64_MIN itself is refused too. */
int json_get_str(json_object *o, const char *path, const char **out, struct sc_error *err);
int json_get_int(json_object *o, const char *path, int64_t *out, struct sc_error *err);
int json_get_bool(json_object *o, const char *path, int *out, struct sc_error *err);
int json_get_array(json_object *o, const char *path, json_object **out, struct sc_error *err);

/* A money amount at `path` (a JSON string "10.10" or number 10.10, read from
 * its text, never through a double) at `exponent` decimals.
 * Strings and parsed doubles go through money_parse (so "-0.1e2" and
 * "12.300" work; "10.105" at 2 is SC_EMALFORMED, overflow SC_ENOSPACE); a
 * JSON integer is scaled exactly (out-of-range integers as json_get_int). A
 * double built or changed in memory has no source text: SC_EMALFORMED. */
int json_get_amount(json_object *o, const char *path, int exponent, int64_t *out,
                    struct sc_error *err);

#endif
