/*
 * money.h: exact money as integer minor units. No double anywhere.
 *
 * An amount is an int64_t count of minor units of a currency whose exponent
 * (number of decimals) comes from the ISO 4217 table: USD 2, JPY 0, KWD 3.
 * Parsing is exact or an error: "10.10" USD -> 1010; "10.105" USD ->
 * SC_EMALFORMED (would lose a fraction) unless the extra digits are zeros
 * ("10.100" -> 1010); exponents are accepted ("-0.1e2" -> -1000 for USD,
 * as json-c keeps a number's text verbatim). Sums are overflow-checked.
 */
#ifndef SC_MONEY_H
#define SC_MONEY_H

#include <stddef.h>
#include <stdint.h>

struct money {
	int64_t minor;   /* signed count of minor units */
	char cur[4];     /* ISO 4217, NUL-terminated, "" when unknown */
};

/* Decimals of an ISO 4217 code (case-sensitive, upper). Returns 0..4, or
 * SC_ENOTFOUND for a code not in the table. */
int money_exponent(const char *cur);

/* Parse a plain decimal ("-12.30", "12", ".5", "1e3", "-0.1e2") of `len`
 * bytes into minor units at `exponent` decimals. Leading '+' allowed; no
 * spaces, no thousands separators. SC_EMALFORMED for anything else, or a
 * fraction finer than the exponent; SC_ENOSPACE on int64 overflow.
 * Grammar: [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa
 * digit on either side of the point ("1." and ".5" are fine; "", "-", ".",
 * "1e", "NaN", "inf", "1,5", " 1" are not). Trailing zeros beyond the
 * exponent are accepted ("12.300" -> 1230), as is any exponent when the value
 * is 0 ("0e999"). The full int64 range is accepted, INT64_MIN included.
 * `exponent` must be 0..18 (SC_EINVALID otherwise). */
int money_parse(int64_t *out, const char *text, size_t len, int exponent);

/* Parse a locale-formatted amount as settlement files carry them:
 * "1234.56", "1,234.56", "1.234,56", "95,00", "-1 234,56", "818548".
 * The decimal separator is the last '.' or ',' followed by 1..exponent digits
 * to the end; other '.', ',', ' ', '\'' are grouping and must group by 3.
 * Errors as money_parse.
 * Exact rule, with k the number of digits after the last '.' or ',':
 *  - k <= exponent: it is the decimal separator ("95,00", "1,5" -> 150);
 *  - else k == 3: it is a thousands separator, so "1,234" and "1.234" at
 *    exponent 2 are 1234.00 and JPY "1.000" is 1000 (at exponent 3 the same
 *    text is 1.234: with three decimals the decimal reading wins);
 *  - else, if the digits past `exponent` are all '0', it is the decimal
 *    separator ("100.00" JPY -> 100, "1.5000" USD -> 150);
 *  - else SC_EMALFORMED ("1,2345" USD).
 * Grouping: one separator kind throughout ('.', ',', ' ', '\'', U+00A0 or
 * U+202F in UTF-8), never the decimal one; first group 1..3 digits, every
 * other exactly 3 ("1.234.567,89" ok; "1,234,56", "12,34.56", "1.234 567"
 * rejected). Optional leading '+'/'-'; the text must start and end with a
 * digit after the sign (no ".5", no exponent notation, no spaces around). */
int money_parse_locale(int64_t *out, const char *text, size_t len, int exponent);

/* Format minor units with exactly `exponent` decimals and a '.' separator:
 * (794743, 2) -> "7947.43", (-5, 2) -> "-0.05", (818548, 0) -> "818548".
 * Returns the length written, or SC_ENOSPACE if `n` is too small (needs at
 * most 24 bytes). `exponent` must be 0..18 (SC_EINVALID otherwise). The
 * output always parses back to `minor` with money_parse. */
int money_format(char *out, size_t n, int64_t minor, int exponent);

/* *out = a + b, or SC_ENOSPACE on overflow (out untouched). */
int money_add(int64_t *out, int64_t a, int64_t b);
/* *out = a - b, or SC_ENOSPACE on overflow (out untouched). */
int money_sub(int64_t *out, int64_t a, int64_t b);
/* *out = a * q, or SC_ENOSPACE on overflow. */
int money_mul(int64_t *out, int64_t a, int64_t q);

#endif
