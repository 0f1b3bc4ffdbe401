/*
 * money.c: exact decimal text <-> int64 minor units (see money.h).
 *
 * Both parsers reduce the text to a run of mantissa digits (separators
 * skipped), the number of those digits that sit after the decimal point and
 * a power of ten; money_digits_to_minor() then scales to minor units with
 * integer arithmetic only, refusing any non-zero digit finer than the minor
 * unit and any result outside int64.
 */
#include "connector/money.h"
#include "connector/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MONEY_EXPONENT_MAX 18
/* Exponent values beyond this cannot matter: any non-zero mantissa overflows
 * (or is finer than a minor unit) long before, so saturating is exact. */
#define MONEY_E10_SATURATE 1000000000LL

struct money_cur {
	char code[4];
	int exponent;
};

/* ISO 4217 (list one, 2024/2025 amendments), sorted by code for bsearch. */
static const struct money_cur money_table[] = {
	{ "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 }, { "ANG", 2 },
	{ "AOA", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 },
	{ "BAM", 2 }, { "BBD", 2 }, { "BDT", 2 }, { "BGN", 2 }, { "BHD", 3 },
	{ "BIF", 0 }, { "BMD", 2 }, { "BND", 2 }, { "BOB", 2 }, { "BOV", 2 },
	{ "BRL", 2 }, { "BSD", 2 }, { "BTN", 2 }, { "BWP", 2 }, { "BYN", 2 },
	{ "BZD", 2 }, { "CAD", 2 }, { "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 },
	{ "CHW", 2 }, { "CLF", 4 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 },
	{ "COU", 2 }, { "CRC", 2 }, { "CUC", 2 }, { "CUP", 2 }, { "CVE", 2 },
	{ "CZK", 2 }, { "DJF", 0 }, { "DKK", 2 }, { "DOP", 2 }, { "DZD", 2 },
	{ "EGP", 2 }, { "ERN", 2 }, { "ETB", 2 }, { "EUR", 2 }, { "FJD", 2 },
	{ "FKP", 2 }, { "GBP", 2 }, { "GEL", 2 }, { "GHS", 2 }, { "GIP", 2 },
	{ "GMD", 2 }, { "GNF", 0 }, { "GTQ", 2 }, { "GYD", 2 }, { "HKD", 2 },
	{ "HNL", 2 }, { "HTG", 2 }, { "HUF", 2 }, { "IDR", 2 }, { "ILS", 2 },
	{ "INR", 2 }, { "IQD", 3 }, { "IRR", 2 }, { "ISK", 0 }, { "JMD", 2 },
	{ "JOD", 3 }, { "JPY", 0 }, { "KES", 2 }, { "KGS", 2 }, { "KHR", 2 },
	{ "KMF", 0 }, { "KPW", 2 }, { "KRW", 0 }, { "KWD", 3 }, { "KYD", 2 },
	{ "KZT", 2 }, { "LAK", 2 }, { "LBP", 2 }, { "LKR", 2 }, { "LRD", 2 },
	{ "LSL", 2 }, { "LYD", 3 }, { "MAD", 2 }, { "MDL", 2 }, { "MGA", 2 },
	{ "MKD", 2 }, { "MMK", 2 }, { "MNT", 2 }, { "MOP", 2 }, { "MRU", 2 },
	{ "MUR", 2 }, { "MVR", 2 }, { "MWK", 2 }, { "MXN", 2 }, { "MXV", 2 },
	{ "MYR", 2 }, { "MZN", 2 }, { "NAD", 2 }, { "NGN", 2 }, { "NIO", 2 },
	{ "NOK", 2 }, { "NPR", 2 }, { "NZD", 2 }, { "OMR", 3 }, { "PAB", 2 },
	{ "PEN", 2 }, { "PGK", 2 }, { "PHP", 2 }, { "PKR", 2 }, { "PLN", 2 },
	{ "PYG", 0 }, { "QAR", 2 }, { "RON", 2 }, { "RSD", 2 }, { "RUB", 2 },
	{ "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 }, { "SCR", 2 }, { "SDG", 2 },
	{ "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 }, { "SLE", 2 }, { "SLL", 2 },
	{ "SOS", 2 }, { "SRD", 2 }, { "SSP", 2 }, { "STN", 2 }, { "SVC", 2 },
	{ "SYP", 2 }, { "SZL", 2 }, { "THB", 2 }, { "TJS", 2 }, { "TMT", 2 },
	{ "TND", 3 }, { "TOP", 2 }, { "TRY", 2 }, { "TTD", 2 }, { "TWD", 2 },
	{ "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 }, { "USN", 2 },
	{ "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 }, { "VED", 2 },
	{ "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 }, { "XAF", 0 },
	{ "XCD", 2 }, { "XCG", 2 }, { "XOF", 0 }, { "XPF", 0 }, { "YER", 2 },
	{ "ZAR", 2 }, { "ZMW", 2 }, { "ZWG", 2 }, { "ZWL", 2 },
};

static int
money_cur_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct money_cur *)elem)->code);
}

int
money_exponent(const char *cur)
{
	const struct money_cur *hit = NULL;
	int i;

	if (cur == NULL)
		return SC_ENOTFOUND;
	for (i = 0; i < 3; i++)
		if (cur[i] < 'A' || cur[i] > 'Z')
			return SC_ENOTFOUND;
	if (cur[3] != '\0')
		return SC_ENOTFOUND;
	hit = bsearch(cur, money_table, sizeof(money_table) / sizeof(money_table[0]),
	              sizeof(money_table[0]), money_cur_cmp);
	return hit != NULL ? hit->exponent : SC_ENOTFOUND;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The mantissa is the digits of s[0..n) read left to right (every other byte
 * is a separator and skipped). Its value is M x 10^(e10 - nfrac); the result
 * is that value x 10^exponent, which must be an integer within int64.
 */
static int
money_digits_to_minor(int64_t *out, int neg, const char *s, size_t n,
                      int64_t nfrac, int64_t e10, int exponent)
{
	/* Largest magnitude: INT64_MAX, or 2^63 for a negative result. */
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	size_t i, first = n, last = n;
	int64_t ndigits = 0, digit_last = 0, trailing, pow;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			continue;
		if (s[i] != '0') {
			if (first == n)
				first = i;
			last = i;
			digit_last = ndigits;
		}
		ndigits++;
	}
	if (first == n) {        /* all zeros: exactly 0, whatever the exponent */
		*out = 0;
		return 0;
	}
	/* Zeros after the last non-zero digit, then the net power of ten that
	 * applies to the significant digits. */
	trailing = ndigits - 1 - digit_last;
	pow = trailing + e10 - nfrac + exponent;
	if (pow < 0)
		return SC_EMALFORMED;   /* a non-zero digit finer than a minor unit */
	for (i = first; i <= last; i++) {
		unsigned d;

		if (!is_digit(s[i]))
			continue;
		d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return SC_ENOSPACE;
		v = v * 10 + d;
	}
	for (; pow > 0; pow--) {
		if (v > limit / 10)
			return SC_ENOSPACE;
		v *= 10;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

int
money_parse(int64_t *out, const char *text, size_t len, int exponent)
{
	size_t i = 0, mant, mant_end, ndig = 0;
	int64_t nfrac = 0, e10 = 0;
	int neg = 0, seen_point = 0, eneg = 0;

	if (exponent < 0 || exponent > MONEY_EXPONENT_MAX)
		return SC_EINVALID;
	if (text == NULL)
		return SC_EMALFORMED;
	if (i < len && (text[i] == '+' || text[i] == '-'))
		neg = text[i++] == '-';
	mant = i;
	for (; i < len; i++) {
		if (is_digit(text[i])) {
			ndig++;
			if (seen_point)
				nfrac++;
		} else if (text[i] == '.' && !seen_point) {
			seen_point = 1;
		} else {
			break;
		}
	}
	mant_end = i;
	if (ndig == 0)
		return SC_EMALFORMED;
	if (i < len && (text[i] == 'e' || text[i] == 'E')) {
		size_t edig = 0;

		i++;
		if (i < len && (text[i] == '+' || text[i] == '-'))
			eneg = text[i++] == '-';
		for (; i < len && is_digit(text[i]); i++, edig++)
			if (e10 < MONEY_E10_SATURATE)
				e10 = e10 * 10 + (text[i] - '0');
		if (edig == 0)
			return SC_EMALFORMED;
		if (eneg)
			e10 = -e10;
	}
	if (i != len)
		return SC_EMALFORMED;
	return money_digits_to_minor(out, neg, text + mant, mant_end - mant,
	                             nfrac, e10, exponent);
}

/* Length of the separator at text[i] (0 when none): '.', ',', ' ', '\'',
 * U+00A0 and U+202F (no-break spaces, as French formats write them). */
static size_t
money_sep_len(const char *text, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)text;

	if (text[i] == '.' || text[i] == ',' || text[i] == ' ' || text[i] == '\'')
		return 1;
	if (u[i] == 0xC2 && i + 1 < len && u[i + 1] == 0xA0)
		return 2;
	if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 && u[i + 2] == 0xAF)
		return 3;
	return 0;
}

/* The integer part text[b..e): digits, optionally in groups of three split
 * by one and the same separator, which must differ from `decimal` (0 for
 * none). */
static int
money_check_groups(const char *text, size_t b, size_t e, char decimal)
{
	const char *sep = NULL;
	size_t i = b, seplen = 0, run = 0, groups = 0;

	if (b == e)
		return 0;
	while (i < e) {
		size_t sl;

		if (is_digit(text[i])) {
			run++;
			i++;
			continue;
		}
		sl = money_sep_len(text, e, i);
		if (sl == 0 || run == 0)
			return SC_EMALFORMED;
		if (sep == NULL) {
			sep = text + i;
			seplen = sl;
			if (sl == 1 && text[i] == decimal)
				return SC_EMALFORMED;
			if (run > 3)
				return SC_EMALFORMED;
		} else if (sl != seplen || memcmp(sep, text + i, sl) != 0 || run != 3) {
			return SC_EMALFORMED;
		}
		groups++;
		run = 0;
		i += sl;
	}
	if (groups > 0 && run != 3)
		return SC_EMALFORMED;
	return run == 0 ? SC_EMALFORMED : 0;
}

int
money_parse_locale(int64_t *out, const char *text, size_t len, int exponent)
{
	size_t b = 0, i, k = 0, dec = 0, int_end;
	int neg = 0, has_dec = 0, rc;
	char decimal = 0;

	if (exponent < 0 || exponent > MONEY_EXPONENT_MAX)
		return SC_EINVALID;
	if (text == NULL)
		return SC_EMALFORMED;
	if (b < len && (text[b] == '+' || text[b] == '-'))
		neg = text[b++] == '-';
	if (b >= len || !is_digit(text[b]) || !is_digit(text[len - 1]))
		return SC_EMALFORMED;
	/* The trailing digits and what precedes them. */
	for (i = len; i > b && is_digit(text[i - 1]); i--)
		k++;
	if (i > b && (text[i - 1] == '.' || text[i - 1] == ',')) {
		size_t z;
		int zeros = 1;

		for (z = (size_t)exponent; z < k; z++)
			if (text[i + z] != '0')
				zeros = 0;
		if (k <= (size_t)exponent) {
			has_dec = 1;          /* 1..exponent digits: the decimals */
		} else if (k == 3) {
			has_dec = 0;          /* a thousands group (see money.h) */
		} else if (zeros) {
			has_dec = 1;          /* not a group; extra decimals are 0 */
		} else {
			return SC_EMALFORMED;
		}
		if (has_dec) {
			dec = i - 1;
			decimal = text[dec];
		}
	}
	int_end = has_dec ? dec : len;
	if ((rc = money_check_groups(text, b, int_end, decimal)) < 0)
		return rc;
	return money_digits_to_minor(out, neg, text + b, len - b,
	                             has_dec ? (int64_t)k : 0, 0, exponent);
}

int
money_format(char *out, size_t n, int64_t minor, int exponent)
{
	char tmp[48];
	uint64_t mag;
	size_t pos = sizeof(tmp), len;
	int d;

	if (exponent < 0 || exponent > MONEY_EXPONENT_MAX)
		return SC_EINVALID;
	mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	/* Digits right to left: `exponent` decimals, then the integer part
	 * (at least one digit). */
	for (d = 0; d < exponent; d++) {
		tmp[--pos] = (char)('0' + mag % 10);
		mag /= 10;
	}
	if (exponent > 0)
		tmp[--pos] = '.';
	do {
		tmp[--pos] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	if (minor < 0)
		tmp[--pos] = '-';
	len = sizeof(tmp) - pos;
	if (out == NULL || len + 1 > n)
		return SC_ENOSPACE;
	memcpy(out, tmp + pos, len);
	out[len] = '\0';
	return (int)len;
}

int
money_add(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return SC_ENOSPACE;
	*out = r;
	return 0;
}

int
money_sub(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return SC_ENOSPACE;
	*out = r;
	return 0;
}

int
money_mul(int64_t *out, int64_t a, int64_t q)
{
	int64_t r;

	if (__builtin_mul_overflow(a, q, &r))
		return SC_ENOSPACE;
	*out = r;
	return 0;
}
