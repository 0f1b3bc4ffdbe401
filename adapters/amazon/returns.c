/*
 * returns.c: Amazon's returns reports as a set of returns, and refunds
 * classified with it (amazon_int.h, "returns").
 *
 * Two report types, both tab-separated with a header line, served like
 * every report (gzip, Cp1252 unless the download says otherwise;
 * returns_fetch.c makes them UTF-8 before they come here):
 *   GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA (returns to Amazon's
 *     fulfillment centres): return-date, order-id, sku, asin, fnsku,
 *     product-name, quantity, fulfillment-center-id, detailed-disposition,
 *     reason, status, license-plate-number, customer-comments;
 *   GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE (returns to the seller):
 *     Order ID, Order date, Return request date, Return request status,
 *     Amazon RMA ID, ..., Merchant SKU, Item Name, Return quantity, Return
 *     Reason, In policy, Return type, Resolution, ... (32 columns seen).
 * Neither layout is in the Reports API model: the column names come from
 * public connectors' fixtures and are unconfirmed, so columns are found by
 * name, the others ignored, and a missing one is an error naming it.
 *
 * A refund is a return when one of its lines' (order id, SKU) is in the
 * set: Amazon's refund events carry no reason code and do not say whether
 * goods came back; a return row for the same order and SKU does. The
 * reason code it then gets is Amazon's AdjustmentReason for refunds of
 * returned goods, CustomerReturn; Amazon's own return reason ("DEFECTIVE")
 * stays in the row, for the log.
 */
#include "adapters/amazon/amazon_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A line longer than this is refused (a returns row is a few hundred bytes). */
#define RETURNS_LINE_MAX 65536

enum rcol { RC_ORDER = 0, RC_SKU, RC_QTY, RC_DATE, RC_REASON, RC_DETAIL, RC_STATUS, RC__N };

/* Header names per type; the first four are required. */
static const char *const fba_cols[RC__N] = {
	"order-id", "sku", "quantity", "return-date", "reason", "detailed-disposition", "status"
};
static const char *const merchant_cols[RC__N] = {
	"Order ID", "Merchant SKU", "Return quantity", "Return request date", "Return Reason",
	"Resolution", "Return request status"
};
#define RC_REQUIRED 4

const char *
amazon__returns_type_name(unsigned type)
{
	if (type == AMAZON_RETURNS_FBA)
		return AMAZON_RETURNS_FBA_TYPE;
	if (type == AMAZON_RETURNS_MERCHANT)
		return AMAZON_RETURNS_MERCHANT_TYPE;
	return "";
}

static void
return_free(struct amazon_return *r)
{
	free(r->order_id);
	free(r->sku);
	free(r->reason);
	free(r->detail);
	free(r->status);
	memset(r, 0, sizeof(*r));
}

void
amazon__returns_free(struct amazon_returns *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		return_free(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* ---- parsing --------------------------------------------------------------- */

struct field {
	const char *p;
	size_t len;
};

static int
perr(struct sc_error *err, long lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct sc_error *err, long lineno, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sc_error_set(err, SC_EMALFORMED, "line %ld: %s", lineno, msg);
}

static void
trim(struct field *f)
{
	while (f->len > 0 && (f->p[0] == ' ' || f->p[0] == '\t'))
		f->p++, f->len--;
	while (f->len > 0 && (f->p[f->len - 1] == ' ' || f->p[f->len - 1] == '\t'))
		f->len--;
}

static int
is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

/* Split line[0..len) at tabs into f[0..max); the count, or max + 1 when
 * there are more fields than that. */
static size_t
split(const char *line, size_t len, struct field *f, size_t max)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != '\t')
			continue;
		if (n == max)
			return max + 1;
		f[n].p = line + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static char *
dup_field(const struct field *f)
{
	char *s = malloc(f->len + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, f->p, f->len);
	s[f->len] = '\0';
	return s;
}

/* Column indexes of the header (cols[c] = field index, -1 absent). */
static int
header_read(const struct field *f, size_t n, const char *const *names, unsigned type,
            int *cols, long lineno, struct sc_error *err)
{
	size_t i;
	int c;

	for (c = 0; c < RC__N; c++)
		cols[c] = -1;
	for (i = 0; i < n; i++) {
		struct field h = f[i];

		trim(&h);
		for (c = 0; c < RC__N; c++)
			if (cols[c] < 0 && strlen(names[c]) == h.len &&
			    strncasecmp(names[c], h.p, h.len) == 0)
				cols[c] = (int)i;
	}
	for (c = 0; c < RC_REQUIRED; c++)
		if (cols[c] < 0)
			return perr(err, lineno, "the header has no `%s` column (a %s report needs "
			            "%s, %s, %s and %s)", names[c], amazon__returns_type_name(type),
			            names[0], names[1], names[2], names[3]);
	return 0;
}

/* A whole number of units: digits only (blanks trimmed), at most 9. */
static int
qty_parse(const struct field *f, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (f->len == 0 || f->len > 9)
		return -1;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (f->p[i] - '0');
	}
	*out = v;
	return 0;
}

static int
set_grow(struct amazon_returns *set)
{
	struct amazon_return *nv;
	size_t na;

	if (set->n < set->alloc)
		return 0;
	na = set->alloc != 0 ? set->alloc * 2 : 64;
	if (na > SIZE_MAX / sizeof(*nv))
		return SC_ENOMEM;
	if ((nv = realloc(set->v, na * sizeof(*nv))) == NULL)
		return SC_ENOMEM;
	set->v = nv;
	set->alloc = na;
	return 0;
}

/* One data row into set (appended). */
static int
row_read(struct amazon_returns *set, unsigned type, const char *const *names, const int *cols,
         const struct field *f, size_t n, size_t ncols, long lineno, struct sc_error *err)
{
	struct field v[RC__N];
	struct amazon_return r;
	int c;

	if (n > ncols)
		return perr(err, lineno, "%zu fields, the header has %zu (a tab inside a value?)",
		            n, ncols);
	for (c = 0; c < RC__N; c++) {
		v[c].p = "";
		v[c].len = 0;
		if (cols[c] >= 0 && (size_t)cols[c] < n)
			v[c] = f[cols[c]];
		trim(&v[c]);
	}
	if (v[RC_ORDER].len == 0)
		return perr(err, lineno, "no `%s` value", names[RC_ORDER]);
	if (v[RC_SKU].len == 0)
		return perr(err, lineno, "no `%s` value (order %.*s)", names[RC_SKU],
		            (int)(v[RC_ORDER].len > 40 ? 40 : v[RC_ORDER].len), v[RC_ORDER].p);
	memset(&r, 0, sizeof(r));
	if (qty_parse(&v[RC_QTY], &r.qty) < 0)
		return perr(err, lineno, "column `%s`: `%.*s` is not a whole number of units",
		            names[RC_QTY], (int)(v[RC_QTY].len > 40 ? 40 : v[RC_QTY].len),
		            v[RC_QTY].p);
	if (v[RC_DATE].len > 0 &&
	    (amazon__settlement_date_parse(&r.date, v[RC_DATE].p, v[RC_DATE].len) < 0 ||
	     r.date < 0))
		return perr(err, lineno, "column `%s`: `%.*s` is not a date", names[RC_DATE],
		            (int)(v[RC_DATE].len > 40 ? 40 : v[RC_DATE].len), v[RC_DATE].p);
	r.type = type;
	r.lineno = lineno;
	if (set_grow(set) < 0 || (r.order_id = dup_field(&v[RC_ORDER])) == NULL ||
	    (r.sku = dup_field(&v[RC_SKU])) == NULL ||
	    (r.reason = dup_field(&v[RC_REASON])) == NULL ||
	    (r.detail = dup_field(&v[RC_DETAIL])) == NULL ||
	    (r.status = dup_field(&v[RC_STATUS])) == NULL) {
		return_free(&r);
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	}
	set->v[set->n++] = r;
	set->sorted = 0;
	return 0;
}

int
amazon__returns_parse(struct amazon_returns *set, unsigned type, const char *text, size_t len,
                      struct sc_error *err)
{
	const char *const *names;
	struct field *f = NULL;
	size_t before = set->n, pos = 0, ncols = 0, nf;
	long lineno = 0;
	int cols[RC__N], have_header = 0, rc = 0;

	if (type == AMAZON_RETURNS_FBA)
		names = fba_cols;
	else if (type == AMAZON_RETURNS_MERCHANT)
		names = merchant_cols;
	else
		return sc_error_set(err, SC_EINVALID, "amazon returns: unknown report type %u", type);
	if (text == NULL)
		len = 0;
	if ((f = calloc(AMAZON_RETURNS_MAXCOLS + 1, sizeof(*f))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - line) : len - pos;

		pos += ll + (nl != NULL);
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll > RETURNS_LINE_MAX) {
			rc = perr(err, lineno, "longer than %d bytes", RETURNS_LINE_MAX);
			goto done;
		}
		if (memchr(line, '\0', ll) != NULL) {
			rc = perr(err, lineno, "a NUL byte");
			goto done;
		}
		if (is_blank(line, ll))
			continue;
		nf = split(line, ll, f, AMAZON_RETURNS_MAXCOLS);
		if (!have_header) {
			if (nf > AMAZON_RETURNS_MAXCOLS) {
				rc = perr(err, lineno, "the header has more than %d columns",
				          AMAZON_RETURNS_MAXCOLS);
				goto done;
			}
			if ((rc = header_read(f, nf, names, type, cols, lineno, err)) < 0)
				goto done;
			ncols = nf;
			have_header = 1;
			continue;
		}
		if ((rc = row_read(set, type, names, cols, f, nf, ncols, lineno, err)) < 0)
			goto done;
	}
	if (!have_header)
		rc = sc_error_set(err, SC_EMALFORMED, "line 1: no header (an empty %s report)",
		                  amazon__returns_type_name(type));
done:
	if (rc < 0) {
		while (set->n > before)
			return_free(&set->v[--set->n]);
	}
	free(f);
	return rc;
}

/* ---- lookup and classification ------------------------------------------- */

static int
key_cmp(const char *ao, const char *as, const char *bo, const char *bs)
{
	int c = strcmp(ao, bo);

	return c != 0 ? c : strcmp(as, bs);
}

static int
return_cmp(const void *a, const void *b)
{
	const struct amazon_return *x = a, *y = b;
	int c = key_cmp(x->order_id, x->sku, y->order_id, y->sku);

	if (c != 0)
		return c;
	/* stable for equal keys: file order (type, then line) */
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

const struct amazon_return *
amazon__returns_find(struct amazon_returns *set, const char *order_id, const char *sku)
{
	size_t lo = 0, hi;

	if (set == NULL || set->n == 0 || order_id == NULL || sku == NULL)
		return NULL;
	if (!set->sorted) {
		qsort(set->v, set->n, sizeof(set->v[0]), return_cmp);
		set->sorted = 1;
	}
	hi = set->n;
	while (lo < hi) {           /* the first element >= the key */
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(set->v[mid].order_id, set->v[mid].sku, order_id, sku) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < set->n && key_cmp(set->v[lo].order_id, set->v[lo].sku, order_id, sku) == 0)
		return &set->v[lo];
	return NULL;
}

int
amazon__returns_classify(struct amazon_returns *set, struct refund *r,
                         const struct amazon_return **hit, struct sc_error *err)
{
	const struct amazon_return *found = NULL;
	char *reason;
	size_t i;

	if (hit != NULL)
		*hit = NULL;
	if (r == NULL || r->kind != REFUND_KIND_REFUND || r->order_id == NULL)
		return 0;
	for (i = 0; i < r->nlines && found == NULL; i++)
		found = amazon__returns_find(set, r->order_id, r->lines[i].sku);
	if (found == NULL)
		return 0;
	if ((reason = strdup(AMAZON_RETURN_REASON)) == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	free(r->reason);
	r->reason = reason;
	r->kind = REFUND_KIND_RETURN;
	if (hit != NULL)
		*hit = found;
	return 1;
}
