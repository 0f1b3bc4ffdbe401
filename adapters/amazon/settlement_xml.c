/*
 * settlement_xml.c: the deprecated XML settlement report (docs/AMAZON.md
 * §6), read with libxml2's streaming reader (xmlTextReader): one node at a
 * time, nodes freed behind the cursor, so memory does not grow with the
 * report.
 *
 * Safety: XML_PARSE_NONET, and neither XML_PARSE_NOENT nor DTDLOAD nor
 * DTDATTR nor DTDVALID. Bytes reach libxml2 through a read callback that
 * refuses any "<!DOCTYPE" before libxml2 sees it, so no DTD is parsed, no
 * entity declared, nothing fetched; a DOCTYPE node (which cannot then
 * occur) would be refused as well.
 *
 * Shape: AmazonEnvelope/Message/SettlementReport holds SettlementData
 * (AmazonSettlementID, TotalAmount@currency, StartDate, EndDate,
 * DepositDate: the header, before any transaction) and transactions:
 * Order, Refund, OtherTransaction, AdvertisingTransactionDetails, and
 * others (Chargeback, SellerDealPayment, ...). Names are matched without
 * namespace. Lines, named as the V2 flat file names them:
 *  - every element with an Amount (or TransactionAmount) child is one line
 *    of its transaction; amount-type: the container of a Component or Fee
 *    (ItemPrice and ItemPriceAdjustments -> ItemPrice; ItemFees,
 *    ItemFeeAdjustments and Fees -> ItemFees; ItemTaxWithheld* ->
 *    ItemWithheldTax; other names as they are), Promotion and
 *    PromotionAdjustment -> Promotion; amount-description: its Type child
 *    (else its own name);
 *  - an amount of the transaction element itself: OtherTransaction ->
 *    other-transaction / other-transaction / its TransactionType;
 *    AdvertisingTransactionDetails -> ServiceFee / Cost of Advertising /
 *    its TransactionType (TransactionAmount; BaseAmount and TaxAmount are
 *    its breakdown and not lines);
 *  - OtherTransactionItem amounts break the transaction's Amount down by
 *    SKU: not lines of their own [U];
 *  - transaction-type: Order, Refund, other-transaction, ServiceFee, else
 *    the element's name; order id: the first AmazonOrderID, adjustment id:
 *    AdjustmentID, posted: PostedDate, sku and quantity: SKU and Quantity
 *    of the enclosing Item or AdjustedItem (they precede its amounts).
 * Amounts are decimals (xs:decimal, '.' separator) in the currency of
 * TotalAmount: an Amount whose currency attribute differs is an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "adapters/amazon/amazon_int.h"
#include "connector/error.h"
#include "connector/money.h"

#define X_DEPTH 32
#define X_NAME 48
#define X_TEXT 256
#define X_CUR 8

struct xframe {
	char name[X_NAME];       /* local name (cut: longer ones are not ours) */
	char text[X_TEXT];       /* its text */
	size_t tlen;
	int toolong;
	char cur[X_CUR];         /* currency attribute */
	long line;
	/* from children */
	char type[X_TEXT];       /* Type or TransactionType */
	char amount[X_TEXT];
	char acur[X_CUR];
	long aline;
	int has_amount;
};

struct xst {
	struct amazon_stl_src *src;
	const struct settlement_sink *sink;
	struct sc_error *err;
	int rc;                  /* set by the read callback */
	size_t dt_match;         /* bytes of "<!DOCTYPE" matched so far */
	long dt_line;            /* lines read, for that error */
	char xmsg[160];          /* libxml2's first error */
	long xline;
	struct xframe f[X_DEPTH];
	int rdepth;              /* depth of SettlementReport, -1 outside */
	int reports;
	int have_header;
	struct settlement_header hdr;
	int have_id, have_total, have_start, have_end, have_deposit;
	char order_id[X_TEXT];
	char adj_id[X_TEXT];
	int64_t posted;
	char sku[X_TEXT];
	int64_t qty;
};

static const char x_doctype[] = "<!DOCTYPE";

/* ---- input -------------------------------------------------------------- */

static long
x_newlines(const char *p, size_t n)
{
	const char *q, *end = p + n;
	long k = 0;

	while (p < end && (q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p = q + 1;
	}
	return k;
}

/* Refuse "<!DOCTYPE" anywhere in the bytes, across reads too (dt_match
 * carries a partial match over); dt_line counts the lines before. */
static int
x_scan(struct xst *x, const char *p, size_t n)
{
	const char *q;
	size_t i = 0;

	while (i < n) {
		if (x->dt_match == 0) {
			if ((q = memchr(p + i, '<', n - i)) == NULL)
				break;
			i = (size_t)(q - p);
		}
		if (p[i] == x_doctype[x->dt_match]) {
			if (++x->dt_match == sizeof(x_doctype) - 1) {
				x->dt_line += x_newlines(p, i);
				return -1;
			}
		} else {
			x->dt_match = p[i] == '<' ? 1 : 0;
		}
		i++;
	}
	x->dt_line += x_newlines(p, n);
	return 0;
}

/* libxml2's read callback. It fills the whole buffer (short only at the
 * end), so libxml2 sees the same chunks whatever the source's read sizes
 * (pipes, pieces): the reader parses ahead of the node it hands out, and
 * which error comes first and after how many lines must not depend on
 * them. */
static int
x_read(void *ctx, char *buffer, int len)
{
	struct xst *x = ctx;
	size_t got = 0;
	long n = 1;

	if (x->rc < 0 || len <= 0)
		return -1;
	while (got < (size_t)len && n > 0) {
		n = amazon__stl_read(x->src, buffer + got, (size_t)len - got, x->err);
		if (n < 0) {
			x->rc = (int)n;
			return -1;
		}
		got += (size_t)n;
	}
	if (x_scan(x, buffer, got) < 0) {
		x->rc = sc_error_set(x->err, SC_EMALFORMED, "line %ld: a DOCTYPE is not "
		                     "accepted (no DTD, no entities)", x->dt_line + 1);
		return -1;
	}
	return (int)got;
}

static int
x_close(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
x_error(void *ud, xmlErrorPtr e)
{
	struct xst *x = ud;
	size_t n;

	if (x->xmsg[0] != '\0' || e == NULL || e->level < XML_ERR_ERROR)
		return;
	snprintf(x->xmsg, sizeof(x->xmsg), "%s", e->message != NULL ? e->message : "?");
	n = strlen(x->xmsg);
	while (n > 0 && (x->xmsg[n - 1] == '\n' || x->xmsg[n - 1] == ' '))
		x->xmsg[--n] = '\0';
	x->xline = e->line;
}

/* libxml2's generic channel (encoding and I/O errors that bypass the
 * reader's handler): silenced for the parse, nothing goes to stderr. */
static void
x_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* ---- helpers ------------------------------------------------------------ */

static int
x_is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* The frame's text without surrounding white space, in place. */
static const char *
x_value(struct xframe *fr, size_t *len)
{
	char *s = fr->text;
	size_t n = fr->tlen;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		n--;
	s[n] = '\0';
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
		s++;
		n--;
	}
	*len = n;
	return s;
}

static int
x_copy(struct xst *x, char *dst, struct xframe *fr)
{
	size_t n;
	const char *v = x_value(fr, &n);

	if (fr->toolong)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s` is longer "
		                    "than %d bytes", fr->line, fr->name, X_TEXT - 1);
	memmove(dst, v, n + 1);
	return 0;
}

static int
x_date(struct xst *x, int64_t *out, struct xframe *fr)
{
	size_t n;
	const char *v = x_value(fr, &n);

	if (fr->toolong || amazon__settlement_date_parse(out, v, n) < 0)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s`: `%.60s` is "
		                    "not a date", fr->line, fr->name, v);
	return 0;
}

static int
x_money(struct xst *x, int64_t *out, const char *text, const char *cur,
        const char *what, long line)
{
	int rc;

	if (cur[0] != '\0' && strcmp(cur, x->hdr.currency) != 0)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s` in `%s` "
		                    "differs from the settlement's currency `%s`",
		                    line, what, cur, x->hdr.currency);
	rc = money_parse(out, text, strlen(text), x->hdr.exponent);
	if (rc == SC_ENOSPACE)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s`: `%.60s` is "
		                    "out of range", line, what, text);
	if (rc < 0)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s`: `%.60s` is "
		                    "not an amount", line, what, text);
	return 0;
}

/* ---- the header --------------------------------------------------------- */

static int
x_settlement_data(struct xst *x, struct xframe *fr)
{
	int rc = 0, e;
	size_t n;
	const char *v;

	if (x_is(fr->name, "AmazonSettlementID")) {
		v = x_value(fr, &n);
		if (fr->toolong || n == 0 || n >= sizeof(x->hdr.id))
			return sc_error_set(x->err, SC_EMALFORMED, "line %ld: "
			                    "AmazonSettlementID `%.60s` is empty or too long",
			                    fr->line, v);
		memcpy(x->hdr.id, v, n + 1);
		x->have_id = 1;
	} else if (x_is(fr->name, "TotalAmount")) {
		if (strlen(fr->cur) != 3 || (e = money_exponent(fr->cur)) < 0)
			return sc_error_set(x->err, SC_EMALFORMED, "line %ld: TotalAmount: "
			                    "currency `%s` is not an ISO 4217 code", fr->line,
			                    fr->cur);
		memcpy(x->hdr.currency, fr->cur, 4);
		x->hdr.exponent = e;
		v = x_value(fr, &n);
		rc = fr->toolong ? sc_error_set(x->err, SC_EMALFORMED, "line %ld: "
		                                "TotalAmount is too long", fr->line)
		                 : x_money(x, &x->hdr.total, v, "", "TotalAmount", fr->line);
		x->have_total = 1;
	} else if (x_is(fr->name, "StartDate")) {
		rc = x_date(x, &x->hdr.start, fr);
		x->have_start = 1;
	} else if (x_is(fr->name, "EndDate")) {
		rc = x_date(x, &x->hdr.end, fr);
		x->have_end = 1;
	} else if (x_is(fr->name, "DepositDate")) {
		rc = x_date(x, &x->hdr.deposit, fr);
		x->have_deposit = 1;
	}
	return rc;
}

static int
x_header_done(struct xst *x, struct xframe *fr)
{
	const char *missing = !x->have_id ? "AmazonSettlementID"
	                    : !x->have_total ? "TotalAmount"
	                    : !x->have_start ? "StartDate"
	                    : !x->have_end ? "EndDate"
	                    : !x->have_deposit ? "DepositDate" : NULL;
	int rc;

	if (missing != NULL)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: SettlementData has "
		                    "no %s", fr->line, missing);
	x->have_header = 1;
	if (x->sink->header != NULL && (rc = x->sink->header(x->sink->ud, &x->hdr)) < 0)
		return amazon__stl_sink_failed(x->err, rc, fr->line);
	return 0;
}

/* ---- lines -------------------------------------------------------------- */

static const char *
x_amount_type(const char *container)
{
	if (x_is(container, "ItemPrice") || x_is(container, "ItemPriceAdjustments"))
		return "ItemPrice";
	if (x_is(container, "ItemFees") || x_is(container, "ItemFeeAdjustments") ||
	    x_is(container, "Fees"))
		return "ItemFees";
	if (x_is(container, "Promotion") || x_is(container, "PromotionAdjustment"))
		return "Promotion";
	if (strncmp(container, "ItemTaxWithheld", 15) == 0)
		return "ItemWithheldTax";
	return container;
}

/* The money element f[d] (it has an amount) as one line. */
static int
x_emit(struct xst *x, int d)
{
	struct xframe *fr = &x->f[d];
	struct xframe *t = &x->f[x->rdepth + 1];
	struct settlement_line l;
	int rc;

	if (x_is(fr->name, "OtherTransactionItem"))
		return 0;
	memset(&l, 0, sizeof(l));
	l.transaction_type = x_is(t->name, "OtherTransaction") ? "other-transaction"
	                   : x_is(t->name, "AdvertisingTransactionDetails") ? "ServiceFee"
	                   : t->name;
	if (d == x->rdepth + 1) {
		l.amount_type = x_is(t->name, "OtherTransaction") ? "other-transaction"
		              : x_is(t->name, "AdvertisingTransactionDetails")
		              ? "Cost of Advertising" : t->name;
	} else {
		l.amount_type = x_amount_type(x_is(fr->name, "Component") ||
		                              x_is(fr->name, "Fee") ? x->f[d - 1].name
		                                                    : fr->name);
	}
	l.amount_description = fr->type[0] != '\0' ? fr->type : fr->name;
	if ((rc = x_money(x, &l.amount, fr->amount, fr->acur, "Amount", fr->aline)) < 0)
		return rc;
	l.order_id = x->order_id;
	l.adjustment_id = x->adj_id;
	l.sku = x->sku;
	l.qty = x->qty;
	l.posted = x->posted;
	l.lineno = fr->aline;
	if (x->sink->line != NULL && (rc = x->sink->line(x->sink->ud, &l)) < 0)
		return amazon__stl_sink_failed(x->err, rc, fr->aline);
	return 0;
}

static int
x_qty(struct xst *x, struct xframe *fr)
{
	size_t n, i;
	const char *v = x_value(fr, &n);

	x->qty = 0;
	if (fr->toolong || n == 0 || n > 18)
		goto bad;
	for (i = v[0] == '-' ? 1 : 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto bad;
		x->qty = x->qty * 10 + (v[i] - '0');
	}
	if (v[0] == '-') {
		if (n == 1)
			goto bad;
		x->qty = -x->qty;
	}
	return 0;
bad:
	return sc_error_set(x->err, SC_EMALFORMED, "line %ld: Quantity `%.60s` is not "
	                    "a quantity", fr->line, v);
}

/* A leaf fr (at depth d, inside a transaction) tells its parent or the
 * transaction something. */
static int
x_leaf(struct xst *x, struct xframe *fr, struct xframe *parent)
{
	int rc;

	if (x_is(fr->name, "Amount") || x_is(fr->name, "TransactionAmount")) {
		if (parent->has_amount)
			return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s` has two "
			                    "amounts", fr->line, parent->name);
		if ((rc = x_copy(x, parent->amount, fr)) < 0)
			return rc;
		memcpy(parent->acur, fr->cur, sizeof(parent->acur));
		parent->aline = fr->line;
		parent->has_amount = 1;
		return 0;
	}
	if (x_is(fr->name, "Type") || x_is(fr->name, "TransactionType"))
		return x_copy(x, parent->type, fr);
	if (x_is(fr->name, "AmazonOrderID"))
		return x->order_id[0] == '\0' ? x_copy(x, x->order_id, fr) : 0;
	if (x_is(fr->name, "AdjustmentID"))
		return x_copy(x, x->adj_id, fr);
	if (x_is(fr->name, "PostedDate"))
		return x_date(x, &x->posted, fr);
	if (x_is(fr->name, "SKU"))
		return x_copy(x, x->sku, fr);
	if (x_is(fr->name, "Quantity"))
		return x_qty(x, fr);
	return 0;
}

/* ---- the walk ----------------------------------------------------------- */

/* s (NULL: "") into out[n], cut to fit. */
static void
x_name(char *out, size_t n, const xmlChar *s)
{
	size_t k = s != NULL ? strlen((const char *)s) : 0;

	if (k >= n)
		k = n - 1;
	if (k > 0)
		memcpy(out, s, k);
	out[k] = '\0';
}

static int
x_open(struct xst *x, xmlTextReaderPtr r, int d)
{
	struct xframe *fr;
	const xmlChar *name = xmlTextReaderConstLocalName(r);
	const xmlChar *cur;
	xmlNodePtr node = xmlTextReaderCurrentNode(r);
	long line = node != NULL ? xmlGetLineNo(node) : -1;

	if (d >= X_DEPTH)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: elements nested "
		                    "deeper than %d", line, X_DEPTH);
	fr = &x->f[d];
	fr->text[0] = fr->cur[0] = fr->type[0] = fr->amount[0] = fr->acur[0] = '\0';
	fr->tlen = 0;
	fr->toolong = fr->has_amount = 0;
	fr->line = fr->aline = line;
	x_name(fr->name, sizeof(fr->name), name);
	if (x_is(fr->name, "SettlementReport")) {
		if (x->reports++ > 0)
			return sc_error_set(x->err, SC_EMALFORMED, "line %ld: a second "
			                    "SettlementReport (one settlement per file)", line);
		x->rdepth = d;
		return 0;
	}
	if (x->rdepth >= 0 && d == x->rdepth + 1) {
		if (x_is(fr->name, "SettlementData")) {
			if (x->have_header)
				return sc_error_set(x->err, SC_EMALFORMED, "line %ld: a second "
				                    "SettlementData", line);
		} else if (!x->have_header) {
			return sc_error_set(x->err, SC_EMALFORMED, "line %ld: `%s` before "
			                    "SettlementData", line, fr->name);
		} else {
			x->order_id[0] = x->adj_id[0] = x->sku[0] = '\0';
			x->posted = 0;
			x->qty = 0;
		}
	}
	if (xmlTextReaderMoveToAttribute(r, BAD_CAST "currency") == 1) {
		cur = xmlTextReaderConstValue(r);
		x_name(fr->cur, sizeof(fr->cur), cur);
		xmlTextReaderMoveToElement(r);
	}
	return 0;
}

static int
x_end(struct xst *x, int d)
{
	struct xframe *fr = &x->f[d];
	int rc = 0;

	if (x->rdepth < 0 || d <= x->rdepth) {
		if (x->rdepth >= 0 && d == x->rdepth)
			x->rdepth = -1;    /* SettlementReport ends */
		return 0;
	}
	if (d == x->rdepth + 1 && x_is(fr->name, "SettlementData"))
		return x_header_done(x, fr);
	if (x_is(x->f[x->rdepth + 1].name, "SettlementData"))
		return d == x->rdepth + 2 ? x_settlement_data(x, fr) : 0;
	/* inside a transaction (opened after the header, see x_open) */
	if (d >= x->rdepth + 2 && (rc = x_leaf(x, fr, &x->f[d - 1])) < 0)
		return rc;
	if (fr->has_amount && (rc = x_emit(x, d)) < 0)
		return rc;
	if (x_is(fr->name, "Item") || x_is(fr->name, "AdjustedItem")) {
		x->sku[0] = '\0';
		x->qty = 0;
	}
	return 0;
}

static void
x_text(struct xst *x, xmlTextReaderPtr r, int d)
{
	struct xframe *fr;
	const xmlChar *v;
	size_t n;

	if (d < 1 || d > X_DEPTH)
		return;
	fr = &x->f[d - 1];
	v = xmlTextReaderConstValue(r);
	if (v == NULL)
		return;
	n = strlen((const char *)v);
	if (fr->tlen + n >= X_TEXT) {
		fr->toolong = 1;
		return;
	}
	memcpy(fr->text + fr->tlen, v, n + 1);
	fr->tlen += n;
}

static int
x_walk(struct xst *x, xmlTextReaderPtr r)
{
	int ret, type, d, rc;

	while ((ret = xmlTextReaderRead(r)) == 1) {
		type = xmlTextReaderNodeType(r);
		d = xmlTextReaderDepth(r);
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			if ((rc = x_open(x, r, d)) < 0)
				return rc;
			if (xmlTextReaderIsEmptyElement(r) == 1 && (rc = x_end(x, d)) < 0)
				return rc;
			break;
		case XML_READER_TYPE_END_ELEMENT:
			if (d < X_DEPTH && (rc = x_end(x, d)) < 0)
				return rc;
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
			x_text(x, r, d);
			break;
		case XML_READER_TYPE_DOCUMENT_TYPE:
		case XML_READER_TYPE_ENTITY_REFERENCE:
		case XML_READER_TYPE_ENTITY:
			return sc_error_set(x->err, SC_EMALFORMED, "a DOCTYPE or entity is "
			                    "not accepted");
		default:
			break;
		}
	}
	if (x->rc < 0)
		return x->rc;
	if (ret < 0)
		return sc_error_set(x->err, SC_EMALFORMED, "line %ld: not well-formed XML: "
		                    "%s", x->xmsg[0] != '\0' ? x->xline
		                          : (long)xmlTextReaderGetParserLineNumber(r),
		                    x->xmsg[0] != '\0' ? x->xmsg : "bad bytes for its encoding");
	if (x->reports == 0)
		return sc_error_set(x->err, SC_EMALFORMED, "no SettlementReport element: "
		                    "not an Amazon settlement report");
	if (!x->have_header)
		return sc_error_set(x->err, SC_EMALFORMED, "no SettlementData in the "
		                    "SettlementReport");
	return 0;
}

int
amazon__settlement_xml_run(struct amazon_stl_src *src,
                           const struct settlement_sink *sink,
                           struct sc_error *err)
{
	xmlTextReaderPtr r = NULL;
	struct xst *x = NULL;
	xmlGenericErrorFunc old_generic;
	void *old_generic_ctx;
	int rc;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	x->src = src;
	x->sink = sink;
	x->err = err;
	x->rdepth = -1;
	xmlInitParser();
	old_generic = xmlGenericError;
	old_generic_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, x_quiet);
	/* No network, no DTD, no entity substitution; quiet (errors come to
	 * x_error); big line numbers for big reports. */
	r = xmlReaderForIO(x_read, x_close, x, "settlement.xml", NULL,
	                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                   XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	if (r == NULL) {
		rc = x->rc < 0 ? x->rc : sc_error_set(err, SC_EMALFORMED, "not XML");
		goto done;
	}
	xmlTextReaderSetStructuredErrorHandler(r, x_error, x);
	rc = x_walk(x, r);
done:
	if (r != NULL)
		xmlFreeTextReader(r);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	free(x);
	return rc;
}
