/*
 * settlement.c: the settlement_parse slot. Opens the report, reads its
 * first bytes to tell the formats apart ('<' after an optional UTF-8 BOM
 * and white space: the old XML report; anything else: the V2 flat file),
 * and hands the rest to settlement_v2.c or settlement_xml.c through
 * struct amazon_stl_src, which reads a file descriptor or memory.
 *
 * Also here, because both formats use them: the settlement date parser
 * (the formats docs/AMAZON.md §5 lists) and the amount parser, which is
 * money_parse_locale() with a fast path for plain decimals (a V2 file of a
 * million rows parses a million amounts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "adapters/amazon/amazon_int.h"
#include "connector/error.h"
#include "connector/money.h"
#include "connector/timeutil.h"

/* ---- the source --------------------------------------------------------- */

long
amazon__stl_read(struct amazon_stl_src *src, char *dst, size_t n,
                 struct sc_error *err)
{
	ssize_t got;
	size_t k;

	if (n == 0)
		return 0;
	if (src->headpos < src->nhead) {
		k = src->nhead - src->headpos;
		if (k > n)
			k = n;
		memcpy(dst, src->head + src->headpos, k);
		src->headpos += k;
		return (long)k;
	}
	if (src->fd < 0) {
		k = src->len - src->pos;
		if (k > n)
			k = n;
		if (src->piece > 0 && k > src->piece)
			k = src->piece;
		if (k > 0)
			memcpy(dst, src->mem + src->pos, k);
		src->pos += k;
		return (long)k;
	}
	if (n > (size_t)1 << 30)
		n = (size_t)1 << 30;
	do {
		got = read(src->fd, dst, n);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return sc_error_set(err, SC_ERROR, "read error: %s", strerror(errno));
	return (long)got;
}

int
amazon__stl_sink_failed(struct sc_error *err, int rc, long lineno)
{
	if (err != NULL && err->code == rc && err->msg[0] != '\0') {
		if (strncmp(err->msg, "line ", 5) != 0)
			sc_error_prefix(err, "line %ld", lineno);
		return rc;
	}
	return sc_error_set(err, rc, "line %ld: the settlement's reader stopped (%s)",
	                    lineno, sc_code_name(rc));
}

/* Fill src->head with the first bytes (up to its size, fewer at the end). */
static int
stl_head_fill(struct amazon_stl_src *src, struct sc_error *err)
{
	long got;

	while (src->nhead < sizeof(src->head)) {
		/* headpos == nhead here, so this reads the source itself */
		src->headpos = src->nhead;
		got = amazon__stl_read(src, src->head + src->nhead,
		                       sizeof(src->head) - src->nhead, err);
		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		src->nhead += (size_t)got;
	}
	src->headpos = 0;
	return 0;
}

static int
stl_run(struct amazon_stl_src *src, const struct settlement_sink *sink,
        struct sc_error *err)
{
	size_t i = 0;
	int rc;

	if ((rc = stl_head_fill(src, err)) < 0)
		return rc;
	if (src->nhead == 0)
		return sc_error_set(err, SC_EMALFORMED, "line 1: the file is empty");
	if (src->nhead >= 3 && memcmp(src->head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < src->nhead && (src->head[i] == ' ' || src->head[i] == '\t' ||
	                          src->head[i] == '\r' || src->head[i] == '\n'))
		i++;
	if (i < src->nhead && src->head[i] == '<')
		return amazon__settlement_xml_run(src, sink, err);
	return amazon__settlement_v2_run(src, sink, err);
}

int
amazon__settlement_parse(const char *path, const struct settlement_sink *sink,
                         struct sc_error *err)
{
	struct amazon_stl_src src;
	int rc;

	memset(&src, 0, sizeof(src));
	if (path == NULL || sink == NULL)
		return sc_error_set(err, SC_EINVALID, "settlement parse: no file or no sink");
	src.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0)
		return sc_error_set(err, SC_ERROR, "cannot open: %s", strerror(errno));
	rc = stl_run(&src, sink, err);
	close(src.fd);
	return rc;
}

int
amazon__settlement_parse_mem(const char *data, size_t len, size_t piece,
                             const struct settlement_sink *sink,
                             struct sc_error *err)
{
	struct amazon_stl_src src;

	memset(&src, 0, sizeof(src));
	if (sink == NULL)
		return sc_error_set(err, SC_EINVALID, "settlement parse: no sink");
	src.fd = -1;
	src.mem = data != NULL ? data : "";
	src.len = data != NULL ? len : 0;
	src.piece = piece;
	return stl_run(&src, sink, err);
}

/* ---- amounts ------------------------------------------------------------ */

static const uint64_t stl_pow10[] = { 1, 10, 100, 1000, 10000 };

int
amazon__settlement_amount_parse(int64_t *out, const char *text, size_t len,
                                int exponent)
{
	uint64_t ip = 0, fp = 0, v;
	size_t i = 0, start, fstart, k = 0;
	int neg = 0;

	/* Fast path: -?D{1,13}([.,]D{1,exponent})? with exponent 0..4. Here
	 * money_parse_locale() takes the separator as the decimal one (k <=
	 * exponent) and finds no grouping, so the value is ip.fp exactly. */
	if (text == NULL || exponent < 0 || exponent > 4)
		goto slow;
	if (i < len && text[i] == '-') {
		neg = 1;
		i++;
	}
	start = i;
	while (i < len && i - start < 13 && text[i] >= '0' && text[i] <= '9')
		ip = ip * 10 + (uint64_t)(text[i++] - '0');
	if (i == start)
		goto slow;
	if (i < len) {
		if (text[i] != '.' && text[i] != ',')
			goto slow;
		fstart = ++i;
		while (i < len && i - fstart < 5 && text[i] >= '0' && text[i] <= '9')
			fp = fp * 10 + (uint64_t)(text[i++] - '0');
		k = i - fstart;
		if (i != len || k == 0 || k > (size_t)exponent)
			goto slow;
	}
	/* ip < 10^13, fp < 10^4: no overflow below 10^17 */
	v = ip * stl_pow10[exponent] + fp * stl_pow10[(size_t)exponent - k];
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
slow:
	return money_parse_locale(out, text, len, exponent);
}

/* ---- dates -------------------------------------------------------------- */

/* n digits at s: the value, or -1. */
static int
stl_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
stl_days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* " HH:MM:SS UTC" at s (13 bytes). */
static int
stl_time_utc(const char *s, int *h, int *mi, int *sec)
{
	if (s[0] != ' ' || s[3] != ':' || s[6] != ':' || memcmp(s + 9, " UTC", 4) != 0)
		return SC_EMALFORMED;
	*h = stl_digits(s + 1, 2);
	*mi = stl_digits(s + 4, 2);
	*sec = stl_digits(s + 7, 2);
	if (*h < 0 || *h > 23 || *mi < 0 || *mi > 59 || *sec < 0 || *sec > 59)
		return SC_EMALFORMED;
	return 0;
}

int
amazon__settlement_date_parse(int64_t *out, const char *text, size_t len)
{
	int y, m, d, h = 0, mi = 0, sec = 0;

	if (text == NULL)
		return SC_EMALFORMED;
	if ((len == 10 || len == 23) && text[4] == '-' && text[7] == '-' &&
	    (len == 10 || text[10] == ' ')) {
		/* YYYY-MM-DD [HH:MM:SS UTC] */
		y = stl_digits(text, 4);
		m = stl_digits(text + 5, 2);
		d = stl_digits(text + 8, 2);
	} else if ((len == 10 || len == 23) && text[2] == '.' && text[5] == '.') {
		/* DD.MM.YYYY [HH:MM:SS UTC] */
		d = stl_digits(text, 2);
		m = stl_digits(text + 3, 2);
		y = stl_digits(text + 6, 4);
	} else if ((len == 8 || len == 10) && text[2] == '/' && text[5] == '/') {
		/* MM/DD/YY or MM/DD/YYYY */
		m = stl_digits(text, 2);
		d = stl_digits(text + 3, 2);
		y = stl_digits(text + 6, len - 6);
		if (len == 8 && y >= 0)
			y += 2000;
	} else {
		return time_parse_iso8601(out, text, len);
	}
	if (y < 0 || m < 1 || m > 12 || d < 1 || d > stl_days_in_month(y, m))
		return SC_EMALFORMED;
	if (len == 23 && stl_time_utc(text + 10, &h, &mi, &sec) < 0)
		return SC_EMALFORMED;
	*out = time_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
	       (int64_t)h * 3600 + mi * 60 + sec;
	return 0;
}
