/*
 * money_fuzzer.c: money_parse, money_parse_locale (exponents 0, 2, 3) and
 * time_parse_iso8601 on arbitrary bytes. Every amount that parses must
 * format and parse back to the same value, and every time must format and
 * parse back to the same second (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connector/error.h"
#include "connector/money.h"
#include "connector/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(int64_t v, int exponent)
{
	char text[24];
	int64_t back = 0;
	int n = money_format(text, sizeof(text), v, exponent);

	if (n <= 0 || (size_t)n != strlen(text))
		abort();
	if (money_parse(&back, text, (size_t)n, exponent) != 0 || back != v)
		abort();
	/* The formatted text is also a valid locale amount (no grouping, the
	 * '.' followed by exactly `exponent` digits). */
	back = 0;
	if (money_parse_locale(&back, text, (size_t)n, exponent) != 0 || back != v)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int exponents[] = { 0, 2, 3 };
	const char *text = (const char *)data;
	size_t i;
	int64_t v, t;

	for (i = 0; i < sizeof(exponents) / sizeof(exponents[0]); i++) {
		int rc;

		v = 0;
		rc = money_parse(&v, text, size, exponents[i]);
		if (rc == 0)
			check_round_trip(v, exponents[i]);
		else if (rc != SC_EMALFORMED && rc != SC_ENOSPACE)
			abort();
		v = 0;
		rc = money_parse_locale(&v, text, size, exponents[i]);
		if (rc == 0)
			check_round_trip(v, exponents[i]);
		else if (rc != SC_EMALFORMED && rc != SC_ENOSPACE)
			abort();
	}
	if (time_parse_iso8601(&t, text, size) == 0) {
		char iso[21];
		int64_t back = 0;

		time_format_iso8601(iso, t);
		/* Offsets can push a time just outside 0000..9999, which the
		 * formatter clamps; only in-range times must come back. */
		if (t >= -62167219200LL && t <= 253402300799LL &&
		    (time_parse_iso8601(&back, iso, strlen(iso)) != 0 || back != t))
			abort();
	}
	return 0;
}
