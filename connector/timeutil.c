/* timeutil.c: see timeutil.h. Civil-date arithmetic after H. Hinnant's
 * "chrono-compatible low-level date algorithms" (proleptic Gregorian). */
#include "connector/timeutil.h"
#include "connector/error.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#define SECS_PER_DAY 86400

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range four-digit years
 * can write. */
#define TIME_MIN (-62167219200LL)
#define TIME_MAX 253402300799LL

int64_t
time_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;                                   /* [0, 399] */
	int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;           /* [0, 11] */
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;              /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */

	return era * 146097 + doe - 719468;
}

static void
time_to_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                       /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                     /* [0, 11] */

	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const unsigned dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Exactly `n` decimal digits at text[*i]; advances *i. */
static int
take_digits(const char *text, size_t len, size_t *i, size_t n, int *out)
{
	int v = 0;
	size_t k;

	if (len - *i < n)
		return SC_EMALFORMED;
	for (k = 0; k < n; k++) {
		char c = text[*i + k];

		if (c < '0' || c > '9')
			return SC_EMALFORMED;
		v = v * 10 + (c - '0');
	}
	*i += n;
	*out = v;
	return 0;
}

static int
take_char(const char *text, size_t len, size_t *i, char c)
{
	if (*i >= len || text[*i] != c)
		return SC_EMALFORMED;
	(*i)++;
	return 0;
}

int
time_parse_iso8601(int64_t *out, const char *text, size_t len)
{
	size_t i = 0;
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, oh = 0, om = 0;
	int64_t t, off = 0;

	if (text == NULL)
		return SC_EMALFORMED;
	if (take_digits(text, len, &i, 4, &y) < 0 || take_char(text, len, &i, '-') < 0 ||
	    take_digits(text, len, &i, 2, &mo) < 0 || take_char(text, len, &i, '-') < 0 ||
	    take_digits(text, len, &i, 2, &d) < 0)
		return SC_EMALFORMED;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
		return SC_EMALFORMED;
	t = time_from_civil(y, (unsigned)mo, (unsigned)d) * SECS_PER_DAY;
	if (i == len) {
		*out = t;
		return 0;
	}
	if (text[i] != 'T' && text[i] != 't' && text[i] != ' ')
		return SC_EMALFORMED;
	i++;
	if (take_digits(text, len, &i, 2, &h) < 0 || take_char(text, len, &i, ':') < 0 ||
	    take_digits(text, len, &i, 2, &mi) < 0)
		return SC_EMALFORMED;
	if (i < len && text[i] == ':') {
		i++;
		if (take_digits(text, len, &i, 2, &s) < 0)
			return SC_EMALFORMED;
	}
	if (h > 23 || mi > 59 || s > 59)
		return SC_EMALFORMED;
	if (i < len && (text[i] == '.' || text[i] == ',')) {
		size_t f = ++i;

		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
		if (i == f)
			return SC_EMALFORMED;
	}
	if (i >= len)
		return SC_EMALFORMED;    /* a time needs a zone: local time is a guess */
	if (text[i] == 'Z' || text[i] == 'z') {
		i++;
	} else if (text[i] == '+' || text[i] == '-') {
		int sign = text[i++] == '-' ? -1 : 1;

		if (take_digits(text, len, &i, 2, &oh) < 0)
			return SC_EMALFORMED;
		if (i < len && text[i] == ':') {
			i++;
			if (take_digits(text, len, &i, 2, &om) < 0)
				return SC_EMALFORMED;
		} else if (i < len && take_digits(text, len, &i, 2, &om) < 0) {
			return SC_EMALFORMED;
		}
		if (oh > 23 || om > 59)
			return SC_EMALFORMED;
		off = sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
	} else {
		return SC_EMALFORMED;
	}
	if (i != len)
		return SC_EMALFORMED;
	*out = t + (int64_t)h * 3600 + (int64_t)mi * 60 + s - off;
	return 0;
}

static void
time_split(int64_t t, int64_t *y, unsigned *m, unsigned *d, int64_t *sod)
{
	int64_t days;

	if (t < TIME_MIN)
		t = TIME_MIN;
	if (t > TIME_MAX)
		t = TIME_MAX;
	days = t / SECS_PER_DAY;
	*sod = t % SECS_PER_DAY;
	if (*sod < 0) {
		*sod += SECS_PER_DAY;
		days--;
	}
	time_to_civil(days, y, m, d);
}

void
time_format_iso8601(char out[21], int64_t t)
{
	int64_t y, sod;
	unsigned m, d;

	time_split(t, &y, &m, &d, &sod);
	snprintf(out, 21, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
	         (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

void
time_format_date(char out[11], int64_t t)
{
	int64_t y, sod;
	unsigned m, d;

	time_split(t, &y, &m, &d, &sod);
	snprintf(out, 11, "%04d-%02u-%02u", (int)y, m, d);
}

int64_t
time_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL);
	return (int64_t)ts.tv_sec;
}

int64_t
time_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
time_sleep_ms(int64_t ms)
{
	struct timespec req;

	if (ms <= 0)
		return 0;
	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (nanosleep(&req, NULL) != 0)
		return errno == EINTR ? SC_EINTR : SC_ERROR;
	return 0;
}
