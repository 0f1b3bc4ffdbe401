/* test_timeutil.c: ISO 8601 parsing and formatting, civil dates, clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/time.h>

#include "connector/error.h"
#include "connector/timeutil.h"

/* Reference epochs (hand-checked: 2000-01-01 is 946684800; days then
 * counted forward) */
#define T_2026_11_20_08 1795161600LL    /* 2026-11-20T08:00:00Z */
#define T_2026_11_20 (T_2026_11_20_08 - 8 * 3600)

struct parse_case {
	const char *text;
	int rc;
	int64_t t;
};

static const struct parse_case parse_cases[] = {
	{ "2026-11-20T08:00:00Z", 0, T_2026_11_20_08 },
	{ "2026-11-20T08:00:00.123Z", 0, T_2026_11_20_08 },
	{ "2026-11-20T08:00:00.999999999Z", 0, T_2026_11_20_08 },
	{ "2026-11-20T08:00:00,5Z", 0, T_2026_11_20_08 },
	{ "2026-11-20T10:00:00+02:00", 0, T_2026_11_20_08 },
	{ "2026-11-20T03:30:00-04:30", 0, T_2026_11_20_08 },
	{ "2026-11-20T10:00:00+0200", 0, T_2026_11_20_08 },
	{ "2026-11-20T10:00:00+02", 0, T_2026_11_20_08 },
	{ "2026-11-20T08:00:00+00:00", 0, T_2026_11_20_08 },
	{ "2026-11-20T08:00:00-00:00", 0, T_2026_11_20_08 },
	{ "2026-11-20T08:00Z", 0, T_2026_11_20_08 },
	{ "2026-11-20t08:00:00z", 0, T_2026_11_20_08 },
	{ "2026-11-20 08:00:00Z", 0, T_2026_11_20_08 },
	{ "2026-11-21T07:00:00+23:00", 0, T_2026_11_20_08 },
	{ "2026-11-20", 0, T_2026_11_20 },
	{ "1970-01-01T00:00:00Z", 0, 0 },
	{ "1970-01-01", 0, 0 },
	{ "1969-12-31T23:59:59Z", 0, -1 },
	{ "2000-01-01T00:00:00Z", 0, 946684800LL },
	{ "2000-03-01", 0, 951868800LL },
	{ "2024-02-29", 0, 1709164800LL },
	{ "1900-03-01", 0, -2203891200LL },
	{ "2100-02-28", 0, 4107456000LL },
	{ "9999-12-31T23:59:59Z", 0, 253402300799LL },
	{ "0000-01-01T00:00:00Z", 0, -62167219200LL },
	{ "2026-01-01T00:00:00Z", 0, 1767225600LL },
	{ "2026-12-31T23:59:59Z", 0, 1767225600LL + 365LL * 86400 - 1 },
	/* impossible dates and times */
	{ "2026-02-29", SC_EMALFORMED, 0 },
	{ "2026-02-30", SC_EMALFORMED, 0 },
	{ "2100-02-29", SC_EMALFORMED, 0 },
	{ "2026-04-31", SC_EMALFORMED, 0 },
	{ "2026-13-01", SC_EMALFORMED, 0 },
	{ "2026-00-10", SC_EMALFORMED, 0 },
	{ "2026-11-00", SC_EMALFORMED, 0 },
	{ "2026-11-20T24:00:00Z", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:60:00Z", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:60Z", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00+24:00", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00+02:60", SC_EMALFORMED, 0 },
	/* malformed text */
	{ "", SC_EMALFORMED, 0 },
	{ "2026", SC_EMALFORMED, 0 },
	{ "2026-11", SC_EMALFORMED, 0 },
	{ "26-11-20", SC_EMALFORMED, 0 },
	{ "2026-1-20", SC_EMALFORMED, 0 },
	{ "2026/11/20", SC_EMALFORMED, 0 },
	{ "20261120", SC_EMALFORMED, 0 },
	{ "2026-11-20T", SC_EMALFORMED, 0 },
	{ "2026-11-20T08", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00", SC_EMALFORMED, 0 },   /* no zone */
	{ "2026-11-20T08:00:00.Z", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00.123", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00+", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00+2:00", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00+02:", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00+02:0", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00ZZ", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00Z ", SC_EMALFORMED, 0 },
	{ " 2026-11-20", SC_EMALFORMED, 0 },
	{ "2026-11-20 ", SC_EMALFORMED, 0 },
	{ "2026-11-20X08:00:00Z", SC_EMALFORMED, 0 },
	{ "2026-11-20T08:00:00 UTC", SC_EMALFORMED, 0 },
	{ "2026-11-2aT08:00:00Z", SC_EMALFORMED, 0 },
	{ "+2026-11-20", SC_EMALFORMED, 0 },
};

static void
time_parse_iso8601_reads_dates_times_and_offsets(void **state)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		int64_t got = 777;
		int rc = time_parse_iso8601(&got, c->text, strlen(c->text));

		if (rc != c->rc || (rc == 0 && got != c->t) || (rc != 0 && got != 777)) {
			print_error("time_parse_iso8601(\"%s\"): rc %d t %lld; want rc %d t %lld\n",
			            c->text, rc, (long long)got, c->rc, (long long)c->t);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
time_parse_iso8601_stops_at_len(void **state)
{
	int64_t t = 0;
	const char *s = "2026-11-20T08:00:00Zjunk";

	assert_int_equal(time_parse_iso8601(&t, s, 20), 0);
	assert_true(t == T_2026_11_20_08);
	assert_int_equal(time_parse_iso8601(&t, s, 10), 0);
	assert_true(t == T_2026_11_20);
	assert_int_equal(time_parse_iso8601(&t, s, 19), SC_EMALFORMED);
	assert_int_equal(time_parse_iso8601(&t, s, strlen(s)), SC_EMALFORMED);
	assert_int_equal(time_parse_iso8601(&t, NULL, 0), SC_EMALFORMED);
}

struct format_case {
	int64_t t;
	const char *iso;
	const char *date;
};

static const struct format_case format_cases[] = {
	{ T_2026_11_20_08, "2026-11-20T08:00:00Z", "2026-11-20" },
	{ 0, "1970-01-01T00:00:00Z", "1970-01-01" },
	{ -1, "1969-12-31T23:59:59Z", "1969-12-31" },
	{ 1709164800LL + 86399, "2024-02-29T23:59:59Z", "2024-02-29" },
	{ 951868800LL - 1, "2000-02-29T23:59:59Z", "2000-02-29" },
	{ -2203891200LL - 1, "1900-02-28T23:59:59Z", "1900-02-28" },
	{ 253402300799LL, "9999-12-31T23:59:59Z", "9999-12-31" },
	/* out of the four-digit range: clamped, never overflowing */
	{ INT64_MAX, "9999-12-31T23:59:59Z", "9999-12-31" },
	{ INT64_MIN, "0000-01-01T00:00:00Z", "0000-01-01" },
};

static void
time_format_writes_utc_iso_and_date(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		char iso[21], date[11];

		memset(iso, 'x', sizeof(iso));
		memset(date, 'x', sizeof(date));
		time_format_iso8601(iso, format_cases[i].t);
		time_format_date(date, format_cases[i].t);
		assert_string_equal(iso, format_cases[i].iso);
		assert_string_equal(date, format_cases[i].date);
	}
}

static void
time_format_and_parse_round_trip_over_four_centuries(void **state)
{
	int64_t t;

	/* One sample every ~3.7 days, 1900..2300, odd seconds included. */
	for (t = -2208988800LL; t < 10413792000LL; t += 318007) {
		char iso[21];
		int64_t back = 0;

		time_format_iso8601(iso, t);
		assert_int_equal(time_parse_iso8601(&back, iso, strlen(iso)), 0);
		assert_true(back == t);
	}
}

static void
time_from_civil_counts_days_from_the_epoch(void **state)
{
	assert_int_equal(time_from_civil(1970, 1, 1), 0);
	assert_int_equal(time_from_civil(1970, 1, 2), 1);
	assert_int_equal(time_from_civil(1969, 12, 31), -1);
	assert_int_equal(time_from_civil(2000, 1, 1), 10957);
	assert_int_equal(time_from_civil(2000, 3, 1), 11017);     /* 2000 is leap */
	assert_int_equal(time_from_civil(2026, 11, 20), 20777);
	assert_int_equal(time_from_civil(1, 1, 1), -719162);
	assert_int_equal(time_from_civil(2100, 3, 1) - time_from_civil(2100, 2, 28), 1);
	assert_int_equal(time_from_civil(2400, 3, 1) - time_from_civil(2400, 2, 28), 2);
}

static void
time_clocks_move_forward(void **state)
{
	int64_t now = time_now();
	int64_t m0 = time_mono_ms(), m1;

	assert_true(now > 1767225600LL - 86400 * 366 * 2);   /* later than 2024 */
	assert_int_equal(time_sleep_ms(30), 0);
	m1 = time_mono_ms();
	assert_true(m1 - m0 >= 30);
	assert_true(m1 - m0 < 5000);
	assert_int_equal(time_sleep_ms(0), 0);
	assert_int_equal(time_sleep_ms(-5), 0);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

static void
time_sleep_ms_returns_eintr_when_a_signal_arrives(void **state)
{
	struct sigaction sa, old;
	struct itimerval it;
	int64_t m0, m1;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 50000;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	m0 = time_mono_ms();
	rc = time_sleep_ms(5000);
	m1 = time_mono_ms();
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(rc, SC_EINTR);
	assert_true(m1 - m0 < 4000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_parse_iso8601_reads_dates_times_and_offsets),
		cmocka_unit_test(time_parse_iso8601_stops_at_len),
		cmocka_unit_test(time_format_writes_utc_iso_and_date),
		cmocka_unit_test(time_format_and_parse_round_trip_over_four_centuries),
		cmocka_unit_test(time_from_civil_counts_days_from_the_epoch),
		cmocka_unit_test(time_clocks_move_forward),
		cmocka_unit_test(time_sleep_ms_returns_eintr_when_a_signal_arrives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
