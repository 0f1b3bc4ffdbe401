/* test_jsonutil.c: strict parsing, dotted paths, typed getters, exact amounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "connector/error.h"
#include "connector/jsonutil.h"

static json_object *
parse_ok(const char *text)
{
	json_object *o = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	if (json_parse_buf(&o, text, strlen(text), &err) != 0) {
		print_error("parse of %s failed: %s\n", text, err.msg);
		fail();
	}
	assert_non_null(o);
	return o;
}

struct bad_json {
	const char *text;
	const char *msg_part;   /* must appear in the error message */
};

static const struct bad_json bad_inputs[] = {
	{ "", "empty" },
	{ "{\"a\":1.50}x", "offset 10" },
	{ "{\"a\":1.50}  {}", "offset 12" },
	{ "[1] 2", "offset 4" },
	{ "12 x", "offset 3" },
	{ "{\"a\":1.50", "offset 9" },
	{ "{\"a\":", "offset" },
	{ "   ", "offset" },
	{ "[1,]", "unexpected character" },
	{ "'a'", "unexpected character" },
	{ "/* c */ 1", "offset 0" },
	{ "012", "" },
	{ "TRUE", "" },
	{ "{\"a\" 1}", "offset" },
	{ "\"unterminated", "" },
	{ "0x10", "" },
};

static void
json_parse_buf_rejects_malformed_input_with_reason_and_offset(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		json_object *o = (json_object *)&o;   /* must be reset to NULL */
		struct sc_error err;
		int rc;

		sc_error_clear(&err);
		rc = json_parse_buf(&o, bad_inputs[i].text, strlen(bad_inputs[i].text), &err);
		if (rc != SC_EMALFORMED || o != NULL ||
		    strstr(err.msg, bad_inputs[i].msg_part) == NULL ||
		    strncmp(err.msg, "json: ", 6) != 0) {
			print_error("input '%s': rc %d msg '%s' (want '%s')\n", bad_inputs[i].text,
			            rc, err.msg, bad_inputs[i].msg_part);
			fail();
		}
	}
}

static void
json_parse_buf_names_json_c_reason(void **state)
{
	json_object *o = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	assert_int_equal(json_parse_buf(&o, "[1] x", 5, &err), SC_EMALFORMED);
	assert_non_null(strstr(err.msg, "unexpected character"));
	assert_int_equal(err.code, SC_EMALFORMED);
}

static void
json_parse_buf_refuses_nul_bytes(void **state)
{
	json_object *o = NULL;
	struct sc_error err;

	sc_error_clear(&err);
	assert_int_equal(json_parse_buf(&o, "{\"a\":\"x\0y\"}", 11, &err), SC_EMALFORMED);
	assert_null(o);
	assert_non_null(strstr(err.msg, "offset 7"));
	assert_int_equal(json_parse_buf(&o, NULL, 0, NULL), SC_EMALFORMED);
}

static void
json_parse_buf_accepts_values_with_surrounding_whitespace(void **state)
{
	static const char *const good[] = {
		"{}", "[]", "12", "-0.1e2", "\"s\"", "true",
		" {\"a\":1}\n", "\t[1, 2]\r\n", "{\"a\":{\"b\":[1,{\"c\":null}]}}",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_object *o = NULL;
		struct sc_error err;
		int rc;

		sc_error_clear(&err);
		rc = json_parse_buf(&o, good[i], strlen(good[i]), &err);
		if (rc != 0) {
			print_error("'%s': %d %s\n", good[i], rc, err.msg);
			fail();
		}
		json_object_put(o);
	}
}

static void
json_parse_buf_refuses_a_null_document(void **state)
{
	json_object *o = (json_object *)&o;
	struct sc_error err;

	sc_error_clear(&err);
	assert_int_equal(json_parse_buf(&o, "null", 4, &err), SC_EMALFORMED);
	assert_null(o);
	assert_non_null(strstr(err.msg, "null"));
	assert_int_equal(json_parse_buf(&o, " null\n", 6, NULL), SC_EMALFORMED);
	assert_int_equal(json_parse_buf(&o, "nul", 3, NULL), SC_EMALFORMED);
	assert_int_equal(json_parse_buf(&o, "null x", 6, NULL), SC_EMALFORMED);
	assert_null(o);
}

static void
json_parse_buf_reads_only_len_bytes(void **state)
{
	json_object *o = NULL;
	const char *text = "{\"a\":1}garbage";
	int64_t v = 0;

	assert_int_equal(json_parse_buf(&o, text, 7, NULL), 0);
	assert_int_equal(json_get_int(o, "a", &v, NULL), 1);
	assert_int_equal(v, 1);
	json_object_put(o);
}

static const char doc[] =
	"{\"order\":{\"id\":\"111-2222222-3333333\",\"prime\":true,\"qty\":3,"
	"\"note\":null,\"items\":[{\"sku\":\"A-1\",\"price\":{\"amount\":\"10.10\"}},"
	"{\"sku\":\"B-2\",\"price\":{\"amount\":19.99}}],"
	"\"weird\":{\"0\":\"zero-key\"},\"empty\":[]}}";

static void
json_path_walks_objects_and_array_indexes(void **state)
{
	json_object *o = parse_ok(doc);

	assert_string_equal(json_object_get_string(json_path(o, "order.id")),
	                    "111-2222222-3333333");
	assert_string_equal(json_object_get_string(json_path(o, "order.items.0.sku")), "A-1");
	assert_string_equal(json_object_get_string(json_path(o, "order.items.1.sku")), "B-2");
	assert_string_equal(json_object_get_string(json_path(o, "order.weird.0")), "zero-key");
	assert_non_null(json_path(o, "order"));
	assert_null(json_path(o, "order.items.2.sku"));
	assert_null(json_path(o, "order.items.-1.sku"));
	assert_null(json_path(o, "order.items.01.sku"));
	assert_null(json_path(o, "order.items.x"));
	assert_null(json_path(o, "order.empty.0"));
	assert_null(json_path(o, "order.id.more"));
	assert_null(json_path(o, "order.missing"));
	assert_null(json_path(o, "order..id"));
	assert_null(json_path(o, ".order"));
	assert_null(json_path(o, "order."));
	assert_null(json_path(o, ""));
	assert_null(json_path(o, NULL));
	assert_null(json_path(NULL, "order"));
	json_object_put(o);
}

static void
json_getters_return_1_0_or_malformed_naming_the_path(void **state)
{
	json_object *o = parse_ok(doc);
	json_object *arr = NULL;
	struct sc_error err;
	const char *s = NULL;
	int64_t n = 0;
	int b = -1;

	sc_error_clear(&err);
	assert_int_equal(json_get_str(o, "order.id", &s, &err), 1);
	assert_string_equal(s, "111-2222222-3333333");
	assert_int_equal(json_get_bool(o, "order.prime", &b, &err), 1);
	assert_int_equal(b, 1);
	assert_int_equal(json_get_int(o, "order.qty", &n, &err), 1);
	assert_int_equal(n, 3);
	assert_int_equal(json_get_array(o, "order.items", &arr, &err), 1);
	assert_int_equal(json_object_array_length(arr), 2);

	/* absent and null read as absent */
	s = "untouched";
	assert_int_equal(json_get_str(o, "order.nothing", &s, &err), 0);
	assert_int_equal(json_get_str(o, "order.note", &s, &err), 0);
	assert_int_equal(json_get_int(o, "order.note", &n, &err), 0);
	assert_int_equal(json_get_array(o, "order.note", &arr, &err), 0);
	assert_int_equal(err.code, 0);

	/* wrong types */
	assert_int_equal(json_get_str(o, "order.qty", &s, &err), SC_EMALFORMED);
	assert_non_null(strstr(err.msg, "order.qty"));
	assert_non_null(strstr(err.msg, "string"));
	assert_int_equal(json_get_int(o, "order.id", &n, &err), SC_EMALFORMED);
	assert_non_null(strstr(err.msg, "order.id"));
	assert_int_equal(json_get_int(o, "order.items.1.price.amount", &n, &err), SC_EMALFORMED);
	assert_int_equal(json_get_bool(o, "order.qty", &b, &err), SC_EMALFORMED);
	assert_int_equal(json_get_array(o, "order.weird", &arr, &err), SC_EMALFORMED);
	assert_non_null(strstr(err.msg, "order.weird"));
	json_object_put(o);
}

static void
json_get_str_refuses_strings_with_nul(void **state)
{
	json_object *o = parse_ok("{\"sku\":\"AB\\u0000CD\"}");
	const char *s = NULL;

	assert_int_equal(json_get_str(o, "sku", &s, NULL), SC_EMALFORMED);
	json_object_put(o);
}

static void
json_get_int_refuses_values_json_c_clamped(void **state)
{
	json_object *o = parse_ok("{\"max\":9223372036854775807,\"min\":-9223372036854775807,"
	                          "\"over\":9223372036854775808,\"big\":99999999999999999999,"
	                          "\"under\":-9223372036854775809}");
	int64_t n = 0;

	assert_int_equal(json_get_int(o, "max", &n, NULL), 1);
	assert_true(n == INT64_MAX);
	assert_int_equal(json_get_int(o, "min", &n, NULL), 1);
	assert_true(n == -INT64_MAX);
	assert_int_equal(json_get_int(o, "over", &n, NULL), SC_ENOSPACE);
	assert_int_equal(json_get_int(o, "big", &n, NULL), SC_ENOSPACE);
	assert_int_equal(json_get_int(o, "under", &n, NULL), SC_ENOSPACE);
	json_object_put(o);
}

struct amount_case {
	const char *json;   /* the value of "v" */
	int exponent;
	int rc;
	int64_t minor;
};

static const struct amount_case amount_cases[] = {
	{ "\"10.10\"", 2, 1, 1010 },
	{ "10.10", 2, 1, 1010 },
	{ "19.99", 2, 1, 1999 },
	{ "0.1", 2, 1, 10 },
	{ "0.3", 2, 1, 30 },          /* 0.1 + 0.2 != 0.3 as doubles */
	{ "-0.1e2", 2, 1, -1000 },
	{ "1E-2", 2, 1, 1 },
	{ "12.300", 2, 1, 1230 },
	{ "1.0E+2", 2, 1, 10000 },
	{ "-0.0", 2, 1, 0 },
	{ "12", 2, 1, 1200 },
	{ "-7", 2, 1, -700 },
	{ "0", 2, 1, 0 },
	{ "818548", 0, 1, 818548 },
	{ "\"818548\"", 0, 1, 818548 },
	{ "1.234", 3, 1, 1234 },
	{ "92233720368547758.07", 2, 1, INT64_MAX },
	{ "\"-92233720368547758.08\"", 2, 1, INT64_MIN },
	{ "9223372036854775807", 0, 1, INT64_MAX },
	{ "null", 2, 0, 0 },
	/* not exact, not amounts, out of range */
	{ "10.105", 2, SC_EMALFORMED, 0 },
	{ "\"10.105\"", 2, SC_EMALFORMED, 0 },
	{ "\"1,5\"", 2, SC_EMALFORMED, 0 },
	{ "\"\"", 2, SC_EMALFORMED, 0 },
	{ "\" 1.00\"", 2, SC_EMALFORMED, 0 },
	{ "NaN", 2, SC_EMALFORMED, 0 },
	{ "Infinity", 2, SC_EMALFORMED, 0 },
	{ "-Infinity", 2, SC_EMALFORMED, 0 },
	{ "true", 2, SC_EMALFORMED, 0 },
	{ "[1]", 2, SC_EMALFORMED, 0 },
	{ "{\"amount\":1}", 2, SC_EMALFORMED, 0 },
	{ "1e400", 2, SC_ENOSPACE, 0 },
	{ "92233720368547758", 2, 1, 9223372036854775800LL },
	{ "92233720368547759", 2, SC_ENOSPACE, 0 },
	{ "92233720368547758.08", 2, SC_ENOSPACE, 0 },
	{ "9223372036854775808", 0, SC_ENOSPACE, 0 },
	{ "99999999999999999999", 0, SC_ENOSPACE, 0 },
	{ "-9223372036854775809", 0, SC_ENOSPACE, 0 },
};

static void
json_get_amount_reads_the_source_text_exactly(void **state)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(amount_cases) / sizeof(amount_cases[0]); i++) {
		const struct amount_case *c = &amount_cases[i];
		char text[256];
		json_object *o = NULL;
		struct sc_error err;
		int64_t got = 777;
		int rc;

		snprintf(text, sizeof(text), "{\"x\":{\"v\":%s}}", c->json);
		o = parse_ok(text);
		sc_error_clear(&err);
		rc = json_get_amount(o, "x.v", c->exponent, &got, &err);
		if (rc != c->rc || (rc == 1 && got != c->minor) || (rc != 1 && got != 777) ||
		    (rc < 0 && strstr(err.msg, "x.v") == NULL)) {
			print_error("amount %s at %d: rc %d minor %lld msg '%s'; want rc %d minor %lld\n",
			            c->json, c->exponent, rc, (long long)got, err.msg, c->rc,
			            (long long)c->minor);
			bad++;
		}
		json_object_put(o);
	}
	assert_int_equal(bad, 0);
}

static void
json_get_amount_reads_numbers_inside_arrays(void **state)
{
	json_object *o = parse_ok(doc);
	int64_t v = 0;

	assert_int_equal(json_get_amount(o, "order.items.0.price.amount", 2, &v, NULL), 1);
	assert_int_equal(v, 1010);
	assert_int_equal(json_get_amount(o, "order.items.1.price.amount", 2, &v, NULL), 1);
	assert_int_equal(v, 1999);
	assert_int_equal(json_get_amount(o, "order.items.2.price.amount", 2, &v, NULL), 0);
	json_object_put(o);
}

static void
json_get_amount_refuses_a_double_without_source_text(void **state)
{
	json_object *o = json_object_new_object();
	json_object *parsed = parse_ok("{\"v\":10.10}");
	struct sc_error err;
	int64_t v = 777;

	/* Built in memory: json-c would print it from the double. */
	json_object_object_add(o, "v", json_object_new_double(10.1));
	sc_error_clear(&err);
	assert_int_equal(json_get_amount(o, "v", 2, &v, &err), SC_EMALFORMED);
	assert_non_null(strstr(err.msg, "source text"));
	assert_int_equal(v, 777);

	/* Changed after parsing: the source text no longer describes it. */
	assert_int_equal(json_get_amount(parsed, "v", 2, &v, NULL), 1);
	assert_int_equal(v, 1010);
	json_object_set_double(json_path(parsed, "v"), 10.2);
	v = 777;
	assert_int_equal(json_get_amount(parsed, "v", 2, &v, NULL), SC_EMALFORMED);
	assert_int_equal(v, 777);
	json_object_put(o);
	json_object_put(parsed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_parse_buf_rejects_malformed_input_with_reason_and_offset),
		cmocka_unit_test(json_parse_buf_names_json_c_reason),
		cmocka_unit_test(json_parse_buf_refuses_nul_bytes),
		cmocka_unit_test(json_parse_buf_accepts_values_with_surrounding_whitespace),
		cmocka_unit_test(json_parse_buf_refuses_a_null_document),
		cmocka_unit_test(json_parse_buf_reads_only_len_bytes),
		cmocka_unit_test(json_path_walks_objects_and_array_indexes),
		cmocka_unit_test(json_getters_return_1_0_or_malformed_naming_the_path),
		cmocka_unit_test(json_get_str_refuses_strings_with_nul),
		cmocka_unit_test(json_get_int_refuses_values_json_c_clamped),
		cmocka_unit_test(json_get_amount_reads_the_source_text_exactly),
		cmocka_unit_test(json_get_amount_reads_numbers_inside_arrays),
		cmocka_unit_test(json_get_amount_refuses_a_double_without_source_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
