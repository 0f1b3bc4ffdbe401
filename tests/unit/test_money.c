/* test_money.c: exact parsing, formatting and arithmetic of minor units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "connector/error.h"
#include "connector/money.h"

struct parse_case {
	const char *text;
	int exponent;
	int rc;           /* 0 or the SC_* code */
	int64_t minor;    /* when rc == 0 */
};

static void
run_parse_cases(const struct parse_case *cases, size_t n,
                int (*parse)(int64_t *, const char *, size_t, int), const char *name)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		const struct parse_case *c = &cases[i];
		int64_t got = 777;   /* sentinel: must stay on error */
		int rc = parse(&got, c->text, strlen(c->text), c->exponent);

		if (rc != c->rc || (rc == 0 && got != c->minor) || (rc != 0 && got != 777)) {
			print_error("%s(\"%s\", %d): rc %d minor %lld; want rc %d minor %lld\n",
			            name, c->text, c->exponent, rc, (long long)got, c->rc,
			            (long long)c->minor);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static const struct parse_case plain_cases[] = {
	/* ordinary decimals */
	{ "10.10", 2, 0, 1010 },
	{ "0", 2, 0, 0 },
	{ "12", 2, 0, 1200 },
	{ "-12.30", 2, 0, -1230 },
	{ "+12.30", 2, 0, 1230 },
	{ "0.01", 2, 0, 1 },
	{ "-0.05", 2, 0, -5 },
	{ ".5", 2, 0, 50 },
	{ "1.", 2, 0, 100 },
	{ "-0", 2, 0, 0 },
	{ "-0.00", 2, 0, 0 },
	{ "007.50", 2, 0, 750 },
	{ "7947.43", 2, 0, 794743 },
	/* extra decimals only when they are zeros */
	{ "12.300", 2, 0, 1230 },
	{ "10.100", 2, 0, 1010 },
	{ "10.1000000000000000000000000", 2, 0, 1010 },
	{ "10.105", 2, SC_EMALFORMED, 0 },
	{ "0.001", 2, SC_EMALFORMED, 0 },
	{ "0.5", 0, SC_EMALFORMED, 0 },
	{ "818548", 0, 0, 818548 },
	{ "818548.0", 0, 0, 818548 },
	{ "1.234", 3, 0, 1234 },
	{ "1.2345", 3, SC_EMALFORMED, 0 },
	{ "0.0001", 4, 0, 1 },
	/* exponent notation, as json-c keeps a number's text */
	{ "-0.1e2", 2, 0, -1000 },
	{ "1E-2", 2, 0, 1 },
	{ "1e-2", 2, 0, 1 },
	{ "1e3", 2, 0, 100000 },
	{ "1E+3", 2, 0, 100000 },
	{ "1.0E+2", 2, 0, 10000 },
	{ "12.5e-1", 2, 0, 125 },
	{ "1e-3", 2, SC_EMALFORMED, 0 },
	{ "100e-4", 2, 0, 1 },
	{ "1000e-5", 2, 0, 1 },
	{ "1.5e1", 0, 0, 15 },
	{ "15e-1", 0, SC_EMALFORMED, 0 },
	{ "0e999999999999999999999", 2, 0, 0 },
	{ "0.0e-999999999999", 2, 0, 0 },
	{ "1e999999999999999999999", 2, SC_ENOSPACE, 0 },
	{ "1e-999999999999999999999", 2, SC_EMALFORMED, 0 },
	{ "5e16", 2, 0, 5000000000000000000LL },
	{ "1e16", 2, 0, 1000000000000000000LL },
	{ "1e17", 2, SC_ENOSPACE, 0 },
	/* int64 edges */
	{ "9223372036854775807", 0, 0, INT64_MAX },
	{ "9223372036854775808", 0, SC_ENOSPACE, 0 },
	{ "-9223372036854775808", 0, 0, INT64_MIN },
	{ "-9223372036854775809", 0, SC_ENOSPACE, 0 },
	{ "92233720368547758.07", 2, 0, INT64_MAX },
	{ "92233720368547758.08", 2, SC_ENOSPACE, 0 },
	{ "-92233720368547758.08", 2, 0, INT64_MIN },
	{ "-92233720368547758.09", 2, SC_ENOSPACE, 0 },
	{ "92233720368547758.070000", 2, 0, INT64_MAX },
	{ "9223372036854775807e-2", 2, 0, INT64_MAX },
	{ "9.223372036854775807e18", 0, 0, INT64_MAX },
	{ "00000000000000000000009223372036854775807", 0, 0, INT64_MAX },
	{ "92233720368547758070", 0, SC_ENOSPACE, 0 },
	{ "99999999999999999999999999999", 2, SC_ENOSPACE, 0 },
	{ "9.223372036854775807", 18, 0, INT64_MAX },
	{ "10", 18, SC_ENOSPACE, 0 },
	/* malformed */
	{ "", 2, SC_EMALFORMED, 0 },
	{ "-", 2, SC_EMALFORMED, 0 },
	{ "+", 2, SC_EMALFORMED, 0 },
	{ ".", 2, SC_EMALFORMED, 0 },
	{ "-.", 2, SC_EMALFORMED, 0 },
	{ "1.2.3", 2, SC_EMALFORMED, 0 },
	{ "1,5", 2, SC_EMALFORMED, 0 },
	{ "1,234.56", 2, SC_EMALFORMED, 0 },
	{ "NaN", 2, SC_EMALFORMED, 0 },
	{ "nan", 2, SC_EMALFORMED, 0 },
	{ "inf", 2, SC_EMALFORMED, 0 },
	{ "Infinity", 2, SC_EMALFORMED, 0 },
	{ "-Infinity", 2, SC_EMALFORMED, 0 },
	{ " 1", 2, SC_EMALFORMED, 0 },
	{ "1 ", 2, SC_EMALFORMED, 0 },
	{ "1 000", 2, SC_EMALFORMED, 0 },
	{ "--1", 2, SC_EMALFORMED, 0 },
	{ "+-1", 2, SC_EMALFORMED, 0 },
	{ "1-", 2, SC_EMALFORMED, 0 },
	{ "0x10", 2, SC_EMALFORMED, 0 },
	{ "1e", 2, SC_EMALFORMED, 0 },
	{ "1e+", 2, SC_EMALFORMED, 0 },
	{ "e5", 2, SC_EMALFORMED, 0 },
	{ ".e5", 2, SC_EMALFORMED, 0 },
	{ "1e2.5", 2, SC_EMALFORMED, 0 },
	{ "1ee2", 2, SC_EMALFORMED, 0 },
	{ "$1.00", 2, SC_EMALFORMED, 0 },
	{ "1.00USD", 2, SC_EMALFORMED, 0 },
	{ "\"1.00\"", 2, SC_EMALFORMED, 0 },
	/* exponent argument out of range */
	{ "1", -1, SC_EINVALID, 0 },
	{ "1", 19, SC_EINVALID, 0 },
};

static void
money_parse_reads_plain_decimals_exactly(void **state)
{
	run_parse_cases(plain_cases, sizeof(plain_cases) / sizeof(plain_cases[0]),
	                money_parse, "money_parse");
}

static void
money_parse_respects_len_and_ignores_bytes_past_it(void **state)
{
	int64_t v = 0;

	assert_int_equal(money_parse(&v, "12.34xyz", 5, 2), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(money_parse(&v, "1\0" "5", 3, 2), SC_EMALFORMED);
	assert_int_equal(money_parse(&v, "5", 0, 2), SC_EMALFORMED);
	assert_int_equal(money_parse(&v, NULL, 0, 2), SC_EMALFORMED);
}

static const struct parse_case locale_cases[] = {
	/* the forms of the header */
	{ "1234.56", 2, 0, 123456 },
	{ "1,234.56", 2, 0, 123456 },
	{ "1.234,56", 2, 0, 123456 },
	{ "95,00", 2, 0, 9500 },
	{ "-1 234,56", 2, 0, -123456 },
	{ "1 234,56", 2, 0, 123456 },
	{ "818548", 0, 0, 818548 },
	{ "-0,01", 2, 0, -1 },
	{ "+0,01", 2, 0, 1 },
	{ "0", 2, 0, 0 },
	{ "-0,00", 2, 0, 0 },
	/* one or two decimals */
	{ "1,5", 2, 0, 150 },
	{ "1.5", 2, 0, 150 },
	{ "12,3", 2, 0, 1230 },
	/* three digits after the only separator, exponent 2: grouping */
	{ "1,234", 2, 0, 123400 },
	{ "1.234", 2, 0, 123400 },
	{ "-1.000", 2, 0, -100000 },
	/* ... exponent 3: decimals */
	{ "1,234", 3, 0, 1234 },
	{ "1.234", 3, 0, 1234 },
	{ "1,234.567", 3, 0, 1234567 },
	{ "1.234,567", 3, 0, 1234567 },
	/* ... exponent 0: grouping */
	{ "1.000", 0, 0, 1000 },
	{ "818,548", 0, 0, 818548 },
	{ "1.234.567", 0, 0, 1234567 },
	/* more groups and other separators */
	{ "1,234,567.89", 2, 0, 123456789 },
	{ "1.234.567,89", 2, 0, 123456789 },
	{ "1 234 567,89", 2, 0, 123456789 },
	{ "1'234'567.89", 2, 0, 123456789 },
	{ "1\xc2\xa0" "234,56", 2, 0, 123456 },
	{ "1\xe2\x80\xaf" "234,56", 2, 0, 123456 },
	{ "1,234,567", 2, 0, 123456700 },
	{ "12,345", 2, 0, 1234500 },
	{ "123,456", 2, 0, 12345600 },
	/* not a group (k != 3), decimals past the exponent are zeros */
	{ "100.00", 0, 0, 100 },
	{ "95,00", 0, 0, 95 },
	{ "1.5000", 2, 0, 150 },
	{ "1,2345", 2, SC_EMALFORMED, 0 },
	{ "1,5", 0, SC_EMALFORMED, 0 },
	{ "1,05", 1, SC_EMALFORMED, 0 },
	/* bad grouping */
	{ "1,234,56", 2, SC_EMALFORMED, 0 },
	{ "1.234.56", 2, SC_EMALFORMED, 0 },
	{ "12,34.56", 2, SC_EMALFORMED, 0 },
	{ "1234,567.89", 2, SC_EMALFORMED, 0 },
	{ "1,2345.67", 2, SC_EMALFORMED, 0 },
	{ "1.234 567", 0, SC_EMALFORMED, 0 },
	{ "1,234.567,89", 2, SC_EMALFORMED, 0 },
	{ "1 234.567,89", 2, SC_EMALFORMED, 0 },
	{ "1,,234", 2, SC_EMALFORMED, 0 },
	{ "1  234", 2, SC_EMALFORMED, 0 },
	{ ",234", 2, SC_EMALFORMED, 0 },
	{ "1,234,", 2, SC_EMALFORMED, 0 },
	{ "1.,5", 2, SC_EMALFORMED, 0 },
	{ "1\xc2" "234", 2, SC_EMALFORMED, 0 },
	/* not numbers */
	{ "", 2, SC_EMALFORMED, 0 },
	{ "-", 2, SC_EMALFORMED, 0 },
	{ ",5", 2, SC_EMALFORMED, 0 },
	{ ".5", 2, SC_EMALFORMED, 0 },
	{ " 1,00", 2, SC_EMALFORMED, 0 },
	{ "1,00 ", 2, SC_EMALFORMED, 0 },
	{ "1e3", 2, SC_EMALFORMED, 0 },
	{ "NaN", 2, SC_EMALFORMED, 0 },
	{ "(1,00)", 2, SC_EMALFORMED, 0 },
	{ "1,00-", 2, SC_EMALFORMED, 0 },
	{ "--1", 2, SC_EMALFORMED, 0 },
	{ "EUR 1,00", 2, SC_EMALFORMED, 0 },
	/* int64 edges */
	{ "92,233,720,368,547,758.07", 2, 0, INT64_MAX },
	{ "92.233.720.368.547.758,08", 2, SC_ENOSPACE, 0 },
	{ "-92 233 720 368 547 758,08", 2, 0, INT64_MIN },
	{ "-92233720368547758,09", 2, SC_ENOSPACE, 0 },
	{ "9223372036854775807", 0, 0, INT64_MAX },
	{ "9,223,372,036,854,775,808", 0, SC_ENOSPACE, 0 },
	{ "1", 19, SC_EINVALID, 0 },
};

static void
money_parse_locale_reads_settlement_formats(void **state)
{
	run_parse_cases(locale_cases, sizeof(locale_cases) / sizeof(locale_cases[0]),
	                money_parse_locale, "money_parse_locale");
}

struct format_case {
	int64_t minor;
	int exponent;
	const char *text;
};

static const struct format_case format_cases[] = {
	{ 794743, 2, "7947.43" },
	{ -5, 2, "-0.05" },
	{ 818548, 0, "818548" },
	{ 0, 2, "0.00" },
	{ 0, 0, "0" },
	{ 1, 3, "0.001" },
	{ -1234, 3, "-1.234" },
	{ 100, 2, "1.00" },
	{ -100, 0, "-100" },
	{ 5, 4, "0.0005" },
	{ INT64_MAX, 2, "92233720368547758.07" },
	{ INT64_MIN, 2, "-92233720368547758.08" },
	{ INT64_MAX, 0, "9223372036854775807" },
	{ INT64_MIN, 0, "-9223372036854775808" },
	{ INT64_MIN, 18, "-9.223372036854775808" },
	{ 1, 18, "0.000000000000000001" },
};

static void
money_format_writes_exact_decimals(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *c = &format_cases[i];
		char out[24];
		int64_t back = 0;
		int n = money_format(out, sizeof(out), c->minor, c->exponent);

		assert_int_equal(n, (int)strlen(c->text));
		assert_string_equal(out, c->text);
		assert_int_equal(money_parse(&back, out, (size_t)n, c->exponent), 0);
		assert_true(back == c->minor);
	}
}

static void
money_format_refuses_a_buffer_too_small(void **state)
{
	char out[8];

	memset(out, 'x', sizeof(out));
	assert_int_equal(money_format(out, 7, 794743, 2), SC_ENOSPACE);
	assert_int_equal(money_format(out, 8, 794743, 2), 7);
	assert_string_equal(out, "7947.43");
	assert_int_equal(money_format(out, 0, 1, 2), SC_ENOSPACE);
	assert_int_equal(money_format(out, sizeof(out), 1, 19), SC_EINVALID);
	assert_int_equal(money_format(out, sizeof(out), 1, -1), SC_EINVALID);
}

static void
money_format_output_always_fits_24_bytes(void **state)
{
	static const int64_t values[] = { INT64_MIN, INT64_MAX, -1, 0, 1 };
	size_t i;
	int e;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (e = 0; e <= 18; e++) {
			char out[24];
			int64_t back = 0;
			int n = money_format(out, sizeof(out), values[i], e);

			assert_true(n > 0 && n < 24);
			assert_int_equal(money_parse(&back, out, (size_t)n, e), 0);
			assert_true(back == values[i]);
		}
	}
}

struct exp_case {
	const char *cur;
	int exponent;
};

static const struct exp_case exp_cases[] = {
	/* Amazon marketplaces */
	{ "USD", 2 }, { "CAD", 2 }, { "MXN", 2 }, { "BRL", 2 }, { "GBP", 2 },
	{ "EUR", 2 }, { "SEK", 2 }, { "PLN", 2 }, { "TRY", 2 }, { "AED", 2 },
	{ "SAR", 2 }, { "EGP", 2 }, { "INR", 2 }, { "JPY", 0 }, { "SGD", 2 },
	{ "AUD", 2 }, { "CNY", 2 }, { "ZAR", 2 },
	/* three decimals */
	{ "KWD", 3 }, { "BHD", 3 }, { "OMR", 3 }, { "JOD", 3 }, { "TND", 3 },
	{ "IQD", 3 }, { "LYD", 3 },
	/* none */
	{ "CLP", 0 }, { "ISK", 0 }, { "KRW", 0 }, { "VND", 0 }, { "XOF", 0 },
	{ "XAF", 0 }, { "PYG", 0 }, { "UGX", 0 },
	/* common others */
	{ "CHF", 2 }, { "DKK", 2 }, { "NOK", 2 }, { "CZK", 2 }, { "HUF", 2 },
	{ "NZD", 2 }, { "HKD", 2 }, { "ILS", 2 }, { "COP", 2 }, { "IDR", 2 },
	{ "CLF", 4 }, { "AFN", 2 }, { "ZWL", 2 },
	/* unknown or badly written */
	{ "XXX", SC_ENOTFOUND }, { "usd", SC_ENOTFOUND }, { "US", SC_ENOTFOUND },
	{ "USDX", SC_ENOTFOUND }, { "", SC_ENOTFOUND }, { "U1D", SC_ENOTFOUND },
	{ "AAA", SC_ENOTFOUND }, { "ZZZ", SC_ENOTFOUND },
};

static void
money_exponent_knows_marketplace_and_iso_currencies(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(exp_cases) / sizeof(exp_cases[0]); i++) {
		int got = money_exponent(exp_cases[i].cur);

		if (got != exp_cases[i].exponent) {
			print_error("money_exponent(\"%s\") = %d, want %d\n", exp_cases[i].cur,
			            got, exp_cases[i].exponent);
			fail();
		}
	}
	assert_int_equal(money_exponent(NULL), SC_ENOTFOUND);
}

static void
money_add_and_mul_refuse_overflow_and_leave_out_untouched(void **state)
{
	int64_t v = 42;

	assert_int_equal(money_add(&v, 1010, -5), 0);
	assert_int_equal(v, 1005);
	assert_int_equal(money_add(&v, INT64_MAX - 1, 1), 0);
	assert_true(v == INT64_MAX);
	v = 42;
	assert_int_equal(money_add(&v, INT64_MAX, 1), SC_ENOSPACE);
	assert_int_equal(money_add(&v, INT64_MIN, -1), SC_ENOSPACE);
	assert_int_equal(v, 42);
	assert_int_equal(money_add(&v, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(v, -1);

	assert_int_equal(money_sub(&v, 1000, 1005), 0);
	assert_int_equal(v, -5);
	v = 42;
	assert_int_equal(money_sub(&v, 0, INT64_MIN), SC_ENOSPACE);
	assert_int_equal(money_sub(&v, INT64_MIN, 1), SC_ENOSPACE);
	assert_int_equal(v, 42);

	assert_int_equal(money_mul(&v, 1999, 3), 0);
	assert_int_equal(v, 5997);
	assert_int_equal(money_mul(&v, -250, 4), 0);
	assert_int_equal(v, -1000);
	v = 42;
	assert_int_equal(money_mul(&v, INT64_MAX / 2 + 1, 2), SC_ENOSPACE);
	assert_int_equal(money_mul(&v, INT64_MIN, -1), SC_ENOSPACE);
	assert_int_equal(v, 42);
	assert_int_equal(money_mul(&v, INT64_MIN / 2, 2), 0);
	assert_true(v == INT64_MIN);
}

static void
money_sums_of_parsed_amounts_are_exact_to_the_cent(void **state)
{
	/* 0.10 + 0.20 == 0.30 exactly, and 1000 x 0.01 == 10.00 (a double
	 * would not say so). */
	int64_t a = 0, b = 0, c = 0, sum = 0, cent = 0, total = 0;
	int i;

	assert_int_equal(money_parse(&a, "0.10", 4, 2), 0);
	assert_int_equal(money_parse(&b, "0.2", 3, 2), 0);
	assert_int_equal(money_parse(&c, "0.30", 4, 2), 0);
	assert_int_equal(money_add(&sum, a, b), 0);
	assert_int_equal(sum, c);
	assert_int_equal(money_parse(&cent, "1e-2", 4, 2), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(money_add(&total, total, cent), 0);
	assert_int_equal(total, 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(money_parse_reads_plain_decimals_exactly),
		cmocka_unit_test(money_parse_respects_len_and_ignores_bytes_past_it),
		cmocka_unit_test(money_parse_locale_reads_settlement_formats),
		cmocka_unit_test(money_format_writes_exact_decimals),
		cmocka_unit_test(money_format_refuses_a_buffer_too_small),
		cmocka_unit_test(money_format_output_always_fits_24_bytes),
		cmocka_unit_test(money_exponent_knows_marketplace_and_iso_currencies),
		cmocka_unit_test(money_add_and_mul_refuse_overflow_and_leave_out_untouched),
		cmocka_unit_test(money_sums_of_parsed_amounts_are_exact_to_the_cent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
