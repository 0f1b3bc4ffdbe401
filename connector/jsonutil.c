/*
 * jsonutil.c: see jsonutil.h.
 *
 * Parsing is JSON_TOKENER_STRICT (no comments, single quotes, trailing
 * commas, leading zeros, hex or bare words but NaN/Infinity) and refuses
 * anything but whitespace after the value. json-c keeps the source text of a
 * parsed double as its userdata (json_object_new_double_s), and that is what
 * json_object_get_string() returns for it; an integer is held exactly as an
 * int64/uint64 but json-c clamps anything beyond those types, so the clamp
 * values are refused as out of range.
 */
#include "connector/jsonutil.h"
#include "connector/money.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int
json_parse_buf(json_object **out, const char *text, size_t len, struct sc_error *err)
{
	struct json_tokener *tok = NULL;
	json_object *o = NULL;
	const char *nul = NULL;
	enum json_tokener_error jerr;
	size_t end, i;
	int rc = SC_EMALFORMED;

	*out = NULL;
	if (text == NULL || len == 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "json: empty input");
		goto done;
	}
	if (len > (size_t)INT_MAX - 1) {
		rc = sc_error_set(err, SC_ENOSPACE, "json: input of %zu bytes is too large", len);
		goto done;
	}
	if ((nul = memchr(text, '\0', len)) != NULL) {
		rc = sc_error_set(err, SC_EMALFORMED, "json: NUL byte at offset %zu",
		                  (size_t)(nul - text));
		goto done;
	}
	if ((tok = json_tokener_new()) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "json: out of memory");
		goto done;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL && jerr == json_tokener_continue) {
		/* A bare number or an unterminated value: tell json-c the input
		 * ended by handing it the terminating NUL. */
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			jerr = json_tokener_error_parse_eof;
		rc = sc_error_set(err, SC_EMALFORMED, "json: %s at offset %zu",
		                  json_tokener_error_desc(jerr), end);
		goto done;
	}
	if (o == NULL) {
		/* json-c's NULL-with-success for a JSON null document: callers
		 * always get an object on success. */
		rc = sc_error_set(err, SC_EMALFORMED, "json: the document is null");
		goto done;
	}
	for (i = end; i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
			rc = sc_error_set(err, SC_EMALFORMED,
			                  "json: unexpected data after the value at offset %zu", i);
			goto done;
		}
	}
	*out = o;
	o = NULL;
	rc = 0;
done:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

/* One path segment as an array index ("0", "12"); -1 when it is not one. */
static long
json_index(const char *seg, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 9 || (n > 1 && seg[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (seg[i] < '0' || seg[i] > '9')
			return -1;
		v = v * 10 + (seg[i] - '0');
	}
	return v;
}

json_object *
json_path(json_object *o, const char *path)
{
	const char *p = path;

	if (o == NULL || path == NULL)
		return NULL;
	while (o != NULL) {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		char key[256];
		long idx;

		if (n == 0 || n >= sizeof(key))
			return NULL;
		if (json_object_is_type(o, json_type_object)) {
			json_object *next = NULL;

			memcpy(key, p, n);
			key[n] = '\0';
			if (!json_object_object_get_ex(o, key, &next))
				return NULL;
			o = next;
		} else if (json_object_is_type(o, json_type_array)) {
			idx = json_index(p, n);
			if (idx < 0 || (size_t)idx >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)idx);
		} else {
			return NULL;
		}
		if (dot == NULL)
			return o;
		p = dot + 1;
	}
	return NULL;
}

/* Lookup shared by the getters: 1 with *out set, 0 absent or null, or
 * SC_EMALFORMED when present with another type. */
static int
json_get_typed(json_object *o, const char *path, enum json_type want,
               json_object **out, struct sc_error *err)
{
	json_object *v = json_path(o, path);

	*out = NULL;
	if (v == NULL)           /* json-c represents JSON null as NULL too */
		return 0;
	if (!json_object_is_type(v, want))
		return sc_error_set(err, SC_EMALFORMED, "%s: expected %s, got %s",
		                    path, json_type_to_name(want),
		                    json_type_to_name(json_object_get_type(v)));
	*out = v;
	return 1;
}

int
json_get_str(json_object *o, const char *path, const char **out, struct sc_error *err)
{
	json_object *v = NULL;
	int rc;

	if ((rc = json_get_typed(o, path, json_type_string, &v, err)) <= 0)
		return rc;
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return sc_error_set(err, SC_EMALFORMED, "%s: string contains a NUL", path);
	*out = json_object_get_string(v);
	return 1;
}

/* The exact int64 of an integer node, refusing json-c's clamp values. */
static int
json_int_exact(json_object *v, const char *path, int64_t *out, struct sc_error *err)
{
	int64_t n = json_object_get_int64(v);

	if (n == INT64_MIN || (n == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX))
		return sc_error_set(err, SC_ENOSPACE, "%s: integer out of range", path);
	*out = n;
	return 1;
}

int
json_get_int(json_object *o, const char *path, int64_t *out, struct sc_error *err)
{
	json_object *v = NULL;
	int rc;

	if ((rc = json_get_typed(o, path, json_type_int, &v, err)) <= 0)
		return rc;
	return json_int_exact(v, path, out, err);
}

int
json_get_bool(json_object *o, const char *path, int *out, struct sc_error *err)
{
	json_object *v = NULL;
	int rc;

	if ((rc = json_get_typed(o, path, json_type_boolean, &v, err)) <= 0)
		return rc;
	*out = json_object_get_boolean(v) ? 1 : 0;
	return 1;
}

int
json_get_array(json_object *o, const char *path, json_object **out, struct sc_error *err)
{
	return json_get_typed(o, path, json_type_array, out, err);
}

int
json_get_amount(json_object *o, const char *path, int exponent, int64_t *out,
                struct sc_error *err)
{
	json_object *v = json_path(o, path);
	const char *text = NULL;
	const char *orig = NULL;
	int64_t n = 0, scale = 1, r = 0;
	int rc, i;

	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_string:
		text = json_object_get_string(v);
		rc = money_parse(&r, text, (size_t)json_object_get_string_len(v), exponent);
		break;
	case json_type_double:
		/* Only a parsed double carries its source text; one built or
		 * changed in memory would be re-printed from the double. */
		orig = json_object_get_userdata(v);
		text = json_object_get_string(v);
		if (orig == NULL || text == NULL || strcmp(orig, text) != 0)
			return sc_error_set(err, SC_EMALFORMED,
			                    "%s: number has no source text to read exactly", path);
		rc = money_parse(&r, text, strlen(text), exponent);
		break;
	case json_type_int:
		if ((rc = json_int_exact(v, path, &n, err)) < 0)
			return rc;
		if (exponent < 0 || exponent > 18)
			return sc_error_set(err, SC_EINVALID, "%s: bad exponent %d", path, exponent);
		for (i = 0; i < exponent; i++)
			scale *= 10;
		if ((rc = money_mul(&r, n, scale)) < 0)
			return sc_error_set(err, rc, "%s: amount out of range", path);
		*out = r;
		return 1;
	default:
		return sc_error_set(err, SC_EMALFORMED, "%s: expected an amount, got %s", path,
		                    json_type_to_name(json_object_get_type(v)));
	}
	if (rc == SC_ENOSPACE)
		return sc_error_set(err, rc, "%s: amount out of range", path);
	if (rc < 0)
		return sc_error_set(err, rc, "%s: \"%.40s\" is not an exact amount at %d decimals",
		                    path, text, exponent);
	*out = r;
	return 1;
}
