/*
 * settlement_v2.c: the V2 settlement flat file (docs/AMAZON.md §5), read
 * as a stream.
 *
 * One buffer of AMAZON_SETTLEMENT_BUF bytes (plus padding) is filled with
 * large reads; memchr finds each line end, a 16-byte SIMD scan finds the
 * line's tabs (and any NUL byte) in one pass, and the fields the line needs
 * are cut in place: the byte after each is overwritten with '\0', so the
 * strings handed to the sink point into the buffer and nothing is
 * allocated per row. Columns are mapped by header name once. The unread
 * tail of the buffer moves to its front before the next read, so memory is
 * the buffer whatever the file's size, and a line longer than the buffer
 * is an error.
 *
 * Amounts: amazon__settlement_amount_parse() at the exponent of the
 * summary row's currency (exact, locale formats). Posted dates: the last
 * text parsed is remembered (consecutive rows of one order share it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "adapters/amazon/amazon_int.h"
#include "connector/error.h"
#include "connector/money.h"

/* Bytes after the buffer's end: the SIMD scan reads up to 15 past a line,
 * and the last line's terminator is written one past the data. */
#define V2_PAD 64
/* Longest value quoted in an error message. */
#define V2_QUOTE 60

enum v2_col {
	C_SETTLEMENT_ID = 0,
	C_START,
	C_END,
	C_DEPOSIT,
	C_TOTAL,
	C_CURRENCY,
	C_TTYPE,
	C_ORDER,
	C_ATYPE,
	C_ADESC,
	C_AMOUNT,
	/* optional from here */
	C_ADJ,
	C_SKU,
	C_QTY,
	C_POSTED,
	C_POSTED_TIME,
	C_NCOLS
};
#define V2_NREQUIRED C_ADJ

static const char *const v2_names[C_NCOLS] = {
	"settlement-id", "settlement-start-date", "settlement-end-date",
	"deposit-date", "total-amount", "currency", "transaction-type",
	"order-id", "amount-type", "amount-description", "amount",
	"adjustment-id", "sku", "quantity-purchased", "posted-date",
	"posted-date-time",
};

struct v2 {
	const struct settlement_sink *sink;
	struct sc_error *err;
	int col[C_NCOLS];            /* file column of each, -1 when absent */
	size_t ncols;                /* columns of the header */
	long lineno;
	int have_header, have_summary;
	struct settlement_header hdr;
	size_t idlen;
	/* the last posted text and its value */
	char posted_text[40];
	size_t posted_len;
	int64_t posted_val;
	/* the current line: tab positions */
	uint32_t tabs[AMAZON_SETTLEMENT_MAXCOLS];
	size_t ntabs;
};

struct v2_field {
	const char *s;               /* NUL-terminated in place */
	size_t len;
};

/* ---- splitting ---------------------------------------------------------- */

/* Tabs of line[0..n) into v->tabs (the first `max` of them); the number of
 * tabs found, or SIZE_MAX when the line holds a NUL byte. Reads up to 15
 * bytes past n (the buffer's padding). */
static size_t
v2_tabs(struct v2 *v, const char *line, size_t n, size_t max)
{
	size_t k = 0, i;
#if defined(__SSE2__)
	const __m128i tab = _mm_set1_epi8('\t');
	const __m128i nul = _mm_setzero_si128();

	for (i = 0; i < n; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(line + i));
		unsigned mt = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, tab));
		unsigned mz = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, nul));

		if (n - i < 16) {
			unsigned keep = (1u << (n - i)) - 1u;

			mt &= keep;
			mz &= keep;
		}
		if (mz != 0)
			return SIZE_MAX;
		while (mt != 0) {
			if (k < max)
				v->tabs[k] = (uint32_t)(i + (size_t)__builtin_ctz(mt));
			k++;
			mt &= mt - 1;
		}
	}
#else
	for (i = 0; i < n; i++) {
		if (line[i] == '\t') {
			if (k < max)
				v->tabs[k] = (uint32_t)i;
			k++;
		} else if (line[i] == '\0') {
			return SIZE_MAX;
		}
	}
#endif
	return k;
}

/* Field `c` of the current line (n bytes), NUL-terminated in place; ""
 * when the column is absent. */
static struct v2_field
v2_get(struct v2 *v, char *line, size_t n, enum v2_col c)
{
	struct v2_field f;
	int i = v->col[c];
	size_t b, e;

	if (i < 0) {
		f.s = "";
		f.len = 0;
		return f;
	}
	b = i == 0 ? 0 : (size_t)v->tabs[i - 1] + 1;
	e = (size_t)i < v->ntabs ? (size_t)v->tabs[i] : n;
	line[e] = '\0';
	f.s = line + b;
	f.len = e - b;
	return f;
}

/* ---- errors ------------------------------------------------------------- */

static int
v2_bad(struct v2 *v, enum v2_col c, const struct v2_field *f, const char *what)
{
	int n = f->len > V2_QUOTE ? V2_QUOTE : (int)f->len;

	return sc_error_set(v->err, SC_EMALFORMED, "line %ld: column `%s`: `%.*s%s` %s",
	                    v->lineno, v2_names[c], n, f->s,
	                    f->len > V2_QUOTE ? "..." : "", what);
}

static int
v2_amount(struct v2 *v, int64_t *out, enum v2_col c, const struct v2_field *f)
{
	int rc;

	if (f->len == 0)
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: column `%s` is empty",
		                    v->lineno, v2_names[c]);
	rc = amazon__settlement_amount_parse(out, f->s, f->len, v->hdr.exponent);
	if (rc == SC_ENOSPACE)
		return v2_bad(v, c, f, "is out of range");
	if (rc < 0)
		return v2_bad(v, c, f, "is not an amount");
	return 0;
}

static int
v2_date(struct v2 *v, int64_t *out, enum v2_col c, const struct v2_field *f)
{
	if (f->len == 0)
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: column `%s` is empty",
		                    v->lineno, v2_names[c]);
	if (amazon__settlement_date_parse(out, f->s, f->len) < 0)
		return v2_bad(v, c, f, "is not a date");
	return 0;
}

/* ---- the header line ---------------------------------------------------- */

static int
v2_header(struct v2 *v, char *line, size_t n)
{
	size_t i, b, e, k;
	int c;

	if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		n -= 3;
	}
	k = v2_tabs(v, line, n, AMAZON_SETTLEMENT_MAXCOLS);
	if (k == SIZE_MAX)
		return sc_error_set(v->err, SC_EMALFORMED, "line 1: a NUL byte in the header");
	if (k >= AMAZON_SETTLEMENT_MAXCOLS)
		return sc_error_set(v->err, SC_EMALFORMED, "line 1: more than %d columns",
		                    AMAZON_SETTLEMENT_MAXCOLS);
	v->ntabs = k;
	v->ncols = k + 1;
	for (c = 0; c < C_NCOLS; c++)
		v->col[c] = -1;
	for (i = 0; i < v->ncols; i++) {
		b = i == 0 ? 0 : (size_t)v->tabs[i - 1] + 1;
		e = i < k ? (size_t)v->tabs[i] : n;
		while (b < e && (line[b] == ' ' || line[b] == '"'))
			b++;
		while (e > b && (line[e - 1] == ' ' || line[e - 1] == '"'))
			e--;
		if (e - b == 12 && strncasecmp(line + b, "price-amount", 12) == 0)
			return sc_error_set(v->err, SC_EMALFORMED, "line 1: this is the "
			                    "old V1 flat file (column `price-amount`); only "
			                    "the V2 flat file and the XML report are read");
		for (c = 0; c < C_NCOLS; c++) {
			if (strlen(v2_names[c]) != e - b ||
			    strncasecmp(line + b, v2_names[c], e - b) != 0)
				continue;
			if (v->col[c] >= 0)
				return sc_error_set(v->err, SC_EMALFORMED, "line 1: column `%s` "
				                    "appears twice", v2_names[c]);
			v->col[c] = (int)i;
		}
	}
	for (c = 0; c < V2_NREQUIRED; c++)
		if (v->col[c] < 0)
			return sc_error_set(v->err, SC_EMALFORMED, "line 1: no column `%s` "
			                    "(a V2 settlement file has it)", v2_names[c]);
	v->have_header = 1;
	return 0;
}

/* ---- the summary row ---------------------------------------------------- */

static int
v2_summary(struct v2 *v, char *line, size_t n)
{
	struct v2_field id = v2_get(v, line, n, C_SETTLEMENT_ID);
	struct v2_field cur = v2_get(v, line, n, C_CURRENCY);
	struct v2_field amount = v2_get(v, line, n, C_AMOUNT);
	struct v2_field f;
	int rc, e;

	if (amount.len > 0)
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: the first data row "
		                    "must be the summary row (settlement-id, dates, "
		                    "total-amount, currency), but it has an amount",
		                    v->lineno);
	if (id.len == 0)
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: the summary row has "
		                    "no settlement-id", v->lineno);
	if (id.len >= sizeof(v->hdr.id))
		return v2_bad(v, C_SETTLEMENT_ID, &id, "is too long");
	memcpy(v->hdr.id, id.s, id.len);
	v->hdr.id[id.len] = '\0';
	v->idlen = id.len;
	if (cur.len == 0)
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: column `currency` "
		                    "is empty", v->lineno);
	if (cur.len != 3 || (e = money_exponent(cur.s)) < 0)
		return v2_bad(v, C_CURRENCY, &cur, "is not an ISO 4217 currency code");
	memcpy(v->hdr.currency, cur.s, 4);
	v->hdr.exponent = e;
	f = v2_get(v, line, n, C_TOTAL);
	if ((rc = v2_amount(v, &v->hdr.total, C_TOTAL, &f)) < 0)
		return rc;
	f = v2_get(v, line, n, C_START);
	if ((rc = v2_date(v, &v->hdr.start, C_START, &f)) < 0)
		return rc;
	f = v2_get(v, line, n, C_END);
	if ((rc = v2_date(v, &v->hdr.end, C_END, &f)) < 0)
		return rc;
	f = v2_get(v, line, n, C_DEPOSIT);
	if ((rc = v2_date(v, &v->hdr.deposit, C_DEPOSIT, &f)) < 0)
		return rc;
	v->have_summary = 1;
	if (v->sink->header != NULL && (rc = v->sink->header(v->sink->ud, &v->hdr)) < 0)
		return amazon__stl_sink_failed(v->err, rc, v->lineno);
	return 0;
}

/* ---- a detail row ------------------------------------------------------- */

static int
v2_qty(struct v2 *v, int64_t *out, const struct v2_field *f)
{
	size_t i = 0;
	int64_t q = 0;
	int neg = 0;

	*out = 0;
	if (f->len == 0)
		return 0;
	if (f->s[0] == '-' || f->s[0] == '+')
		neg = f->s[i++] == '-';
	if (i == f->len || f->len - i > 18)
		return v2_bad(v, C_QTY, f, "is not a quantity");
	for (; i < f->len; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return v2_bad(v, C_QTY, f, "is not a quantity");
		q = q * 10 + (f->s[i] - '0');
	}
	*out = neg ? -q : q;
	return 0;
}

static int
v2_posted(struct v2 *v, int64_t *out, char *line, size_t n)
{
	enum v2_col c = C_POSTED_TIME;
	struct v2_field f = v2_get(v, line, n, c);
	int rc;

	if (f.len == 0) {
		c = C_POSTED;
		f = v2_get(v, line, n, c);
	}
	if (f.len == 0) {
		*out = 0;
		return 0;
	}
	if (f.len == v->posted_len && memcmp(f.s, v->posted_text, f.len) == 0) {
		*out = v->posted_val;
		return 0;
	}
	if ((rc = v2_date(v, out, c, &f)) < 0)
		return rc;
	if (f.len <= sizeof(v->posted_text)) {
		memcpy(v->posted_text, f.s, f.len);
		v->posted_len = f.len;
		v->posted_val = *out;
	}
	return 0;
}

static int
v2_detail(struct v2 *v, char *line, size_t n)
{
	struct settlement_line l;
	struct v2_field f;
	int rc;

	f = v2_get(v, line, n, C_CURRENCY);
	if (f.len > 0 && (f.len != 3 || memcmp(f.s, v->hdr.currency, 3) != 0))
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: column `currency`: "
		                    "`%.*s` differs from the settlement's currency `%s`",
		                    v->lineno, f.len > V2_QUOTE ? V2_QUOTE : (int)f.len,
		                    f.s, v->hdr.currency);
	f = v2_get(v, line, n, C_SETTLEMENT_ID);
	if (f.len > 0 && (f.len != v->idlen || memcmp(f.s, v->hdr.id, f.len) != 0))
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: column `settlement-id`: "
		                    "`%.*s` is not this settlement (`%s`)", v->lineno,
		                    f.len > V2_QUOTE ? V2_QUOTE : (int)f.len, f.s, v->hdr.id);
	f = v2_get(v, line, n, C_AMOUNT);
	if ((rc = v2_amount(v, &l.amount, C_AMOUNT, &f)) < 0)
		return rc;
	f = v2_get(v, line, n, C_QTY);
	if ((rc = v2_qty(v, &l.qty, &f)) < 0)
		return rc;
	if ((rc = v2_posted(v, &l.posted, line, n)) < 0)
		return rc;
	l.transaction_type = v2_get(v, line, n, C_TTYPE).s;
	l.order_id = v2_get(v, line, n, C_ORDER).s;
	l.adjustment_id = v2_get(v, line, n, C_ADJ).s;
	l.amount_type = v2_get(v, line, n, C_ATYPE).s;
	l.amount_description = v2_get(v, line, n, C_ADESC).s;
	l.sku = v2_get(v, line, n, C_SKU).s;
	l.lineno = v->lineno;
	if (v->sink->line != NULL && (rc = v->sink->line(v->sink->ud, &l)) < 0)
		return amazon__stl_sink_failed(v->err, rc, v->lineno);
	return 0;
}

/* One line, without its '\n' (and '\r'); `newline` 0 for a last line the
 * file does not end. The byte at line[n] is writable. */
static int
v2_line(struct v2 *v, char *line, size_t n, int newline)
{
	size_t k;

	v->lineno++;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (!v->have_header)
		return v2_header(v, line, n);
	k = v2_tabs(v, line, n, v->ncols);
	if (k == SIZE_MAX)
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: a NUL byte", v->lineno);
	if (k == n && (newline || k + 1 >= v->ncols))
		return 0;                     /* blank: nothing but tabs */
	if (k + 1 != v->ncols) {
		if (!newline && k + 1 < v->ncols)
			return sc_error_set(v->err, SC_EMALFORMED, "line %ld: truncated: %zu "
			                    "of %zu columns and no newline at the end of the "
			                    "file", v->lineno, k + 1, v->ncols);
		return sc_error_set(v->err, SC_EMALFORMED, "line %ld: %zu columns, the "
		                    "header has %zu", v->lineno, k + 1, v->ncols);
	}
	v->ntabs = k;
	if (!v->have_summary)
		return v2_summary(v, line, n);
	return v2_detail(v, line, n);
}

/* ---- the stream --------------------------------------------------------- */

int
amazon__settlement_v2_run(struct amazon_stl_src *src,
                          const struct settlement_sink *sink,
                          struct sc_error *err)
{
	struct v2 *v = NULL;
	char *buf = NULL, *nl;
	size_t have = 0, p;
	long got;
	int eof = 0, rc = 0;

	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (buf = calloc(1, AMAZON_SETTLEMENT_BUF + V2_PAD)) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	v->sink = sink;
	v->err = err;
	while (!eof) {
		got = amazon__stl_read(src, buf + have, AMAZON_SETTLEMENT_BUF - have, err);
		if (got < 0) {
			rc = (int)got;
			goto done;
		}
		if (got == 0)
			eof = 1;
		have += (size_t)got;
		p = 0;
		while (p < have && (nl = memchr(buf + p, '\n', have - p)) != NULL) {
			if ((rc = v2_line(v, buf + p, (size_t)(nl - (buf + p)), 1)) < 0)
				goto done;
			p = (size_t)(nl - buf) + 1;
		}
		if (eof && p < have) {
			buf[have] = '\0';      /* padding: the last field's terminator */
			if ((rc = v2_line(v, buf + p, have - p, 0)) < 0)
				goto done;
			p = have;
		}
		if (p == 0 && have == AMAZON_SETTLEMENT_BUF) {
			rc = sc_error_set(err, SC_EMALFORMED, "line %ld: longer than %d bytes",
			                  v->lineno + 1, AMAZON_SETTLEMENT_BUF);
			goto done;
		}
		/* the SIMD scan may look past a line into stale bytes: they
		 * are masked off */
		memmove(buf, buf + p, have - p);
		have -= p;
	}
	if (!v->have_header)
		rc = sc_error_set(err, SC_EMALFORMED, "line 1: no header line");
	else if (!v->have_summary)
		rc = sc_error_set(err, SC_EMALFORMED, "line %ld: no summary row after "
		                  "the header", v->lineno + 1);
done:
	free(buf);
	free(v);
	return rc;
}
