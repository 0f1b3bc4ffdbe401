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
 * fraction finer than the exponent; SC_ENOSPACE on int64 overflow. */
int money_parse(int64_t *out, const char *text, size_t len, int exponent);

/* Parse a locale-formatted amount as settlement files carry them:
 * "1234.56", "1,234.56", "1.234,56", "95,00", "-1 234,56", "818548".
 * The decimal separator is the last '.' or ',' followed by 1..exponent digits
 * to the end; other '.', ',', ' ', '\'' are grouping and must group by 3.
 * Errors as money_parse. */
int money_parse_locale(int64_t *out, const char *text, size_t len, int exponent);

/* Format minor units with exactly `exponent` decimals and a '.' separator:
 * (794743, 2) -> "7947.43", (-5, 2) -> "-0.05", (818548, 0) -> "818548".
 * Returns the length written, or SC_ENOSPACE if `n` is too small (needs at
 * most 24 bytes). */
int money_format(char *out, size_t n, int64_t minor, int exponent);

/* *out = a + b, or SC_ENOSPACE on overflow (out untouched). */
int money_add(int64_t *out, int64_t a, int64_t b);
/* *out = a * q, or SC_ENOSPACE on overflow. */
int money_mul(int64_t *out, int64_t a, int64_t q);

#endif
