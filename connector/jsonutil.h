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
 * SC_EMALFORMED with json-c's reason and byte offset on bad input. */
int json_parse_buf(json_object **out, const char *text, size_t len, struct sc_error *err);

json_object *json_path(json_object *o, const char *path);   /* NULL if absent */
int json_get_str(json_object *o, const char *path, const char **out, struct sc_error *err);
int json_get_int(json_object *o, const char *path, int64_t *out, struct sc_error *err);
int json_get_bool(json_object *o, const char *path, int *out, struct sc_error *err);
int json_get_array(json_object *o, const char *path, json_object **out, struct sc_error *err);

/* A money amount at `path` (a JSON string "10.10" or number 10.10, read from
 * its text, never through a double) at `exponent` decimals. */
int json_get_amount(json_object *o, const char *path, int exponent, int64_t *out,
                    struct sc_error *err);

#endif
