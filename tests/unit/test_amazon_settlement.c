/* test_amazon_settlement.c: the amazon adapter's settlement report parser
 * (settlement_parse slot: V2 flat file and the old XML report).
 *
 * Files: tests/data/settlement/ ($SC_TESTDATA; SOURCES.md there says how
 * each was built); every expected total, count and time below was
 * computed by hand from those files (epochs with a calendar, not with the
 * code under test). Error cases are written inline with the line each
 * must name. Every case is parsed whole and again read in small pieces:
 * the results must not change. XML safety: a counting external-entity
 * loader and a loopback listener prove nothing is fetched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"
#include "connector/money.h"
#include "tests/unit/mock_http.h"

/* ---- a sink that keeps what it got -------------------------------------- */

struct got_line {
	char ttype[48], order[32], adj[48], atype[48], desc[64], sku[32];
	int64_t amount, qty, posted;
	long lineno;
};

#define GOT_MAX 64

struct got {
	struct settlement_header h;
	int headers;
	int line_before_header;
	size_t n;
	struct got_line l[GOT_MAX];
	int64_t sum;
	size_t stop_at;          /* 1-based line index to refuse, 0 never */
	struct sc_error *err;    /* when set, the refusal says why there */
};

static void
cpy(char *dst, size_t n, const char *s)
{
	assert_non_null(s);
	snprintf(dst, n, "%s", s);
}

static int
got_header(void *ud, const struct settlement_header *h)
{
	struct got *g = ud;

	g->h = *h;
	g->headers++;
	return 0;
}

static int
got_line(void *ud, const struct settlement_line *l)
{
	struct got *g = ud;
	struct got_line *x;

	if (g->headers == 0)
		g->line_before_header = 1;
	g->n++;
	g->sum += l->amount;
	if (g->stop_at != 0 && g->n == g->stop_at)
		return g->err != NULL ? sc_error_set(g->err, SC_EINVALID, "no account for "
		                                     "ItemPrice/Principal") : SC_ECONFLICT;
	if (g->n > GOT_MAX)
		return 0;
	x = &g->l[g->n - 1];
	cpy(x->ttype, sizeof(x->ttype), l->transaction_type);
	cpy(x->order, sizeof(x->order), l->order_id);
	cpy(x->adj, sizeof(x->adj), l->adjustment_id);
	cpy(x->atype, sizeof(x->atype), l->amount_type);
	cpy(x->desc, sizeof(x->desc), l->amount_description);
	cpy(x->sku, sizeof(x->sku), l->sku);
	x->amount = l->amount;
	x->qty = l->qty;
	x->posted = l->posted;
	x->lineno = l->lineno;
	return 0;
}

/* Parse text[0..len) read in pieces of `piece` bytes (0: whole). */
static int
parse_mem(struct got *g, struct sc_error *err, const char *text, size_t len, size_t piece)
{
	struct settlement_sink sink = { got_header, got_line, g };
	size_t stop = g->stop_at;
	struct sc_error *e = g->err;

	memset(g, 0, sizeof(*g));
	g->stop_at = stop;
	g->err = e;
	sc_error_clear(err);
	return amazon__settlement_parse_mem(text, len, piece, &sink, err);
}

static void
data_path(char *out, size_t n, const char *name)
{
	const char *dir = getenv("SC_TESTDATA");

	snprintf(out, n, "%s/settlement/%s", dir ? dir : "tests/data", name);
}

/* Parse a data file through the slot (the real file path). */
static int
parse_file(struct got *g, struct sc_error *err, const char *name)
{
	struct settlement_sink sink = { got_header, got_line, g };
	char path[1024];

	data_path(path, sizeof(path), name);
	memset(g, 0, sizeof(*g));
	sc_error_clear(err);
	return amazon_ops.settlement_parse(path, &sink, err);
}

static void
expect_msg(const struct sc_error *err, const char *want)
{
	if (strstr(err->msg, want) == NULL) {
		fprintf(stderr, "message: %s\nwanted:  %s\n", err->msg, want);
		fail();
	}
}

static int64_t
sum_of_type(const struct got *g, const char *ttype)
{
	int64_t s = 0;
	size_t i;

	for (i = 0; i < g->n && i < GOT_MAX; i++)
		if (strcmp(g->l[i].ttype, ttype) == 0)
			s += g->l[i].amount;
	return s;
}

/* The same outcome whatever the read size: code, message, header, lines. */
static void
check_pieces(const char *text, size_t len)
{
	static const size_t pieces[] = { 1, 2, 3, 7, 64, 4093 };
	struct got *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct sc_error ea, eb;
	size_t i;
	int ra, rb;

	assert_non_null(a);
	assert_non_null(b);
	ra = parse_mem(a, &ea, text, len, 0);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		rb = parse_mem(b, &eb, text, len, pieces[i]);
		if (ra != rb || strcmp(ea.msg, eb.msg) != 0 || a->n != b->n ||
		    a->sum != b->sum || a->headers != b->headers ||
		    memcmp(&a->h, &b->h, sizeof(a->h)) != 0 ||
		    memcmp(a->l, b->l, sizeof(a->l)) != 0) {
			fprintf(stderr, "piece %zu: rc %d/%d, \"%s\" / \"%s\", %zu/%zu lines\n",
			        pieces[i], ra, rb, ea.msg, eb.msg, a->n, b->n);
			fail();
		}
	}
	free(a);
	free(b);
}

/* ---- the data files ----------------------------------------------------- */

struct file_case {
	const char *file;
	const char *id, *currency;
	int exponent;
	int64_t total, start, end, deposit;
	size_t nlines;
	/* per transaction type, by hand */
	int64_t orders, refunds, other, service;
};

static const struct file_case file_cases[] = {
	/* 2026-11-01/15/17 00:00:00 UTC = 1793491200 / 1794700800 / 1794873600 */
	{ "v2_usd.tsv", "11223344556", "USD", 2, 96558, 1793491200, 1794700800, 1794873600,
	  20, 106692, -1883, -3684, -4567 },
	{ "xml_usd.xml", "11223344556", "USD", 2, 96558, 1793491200, 1794700800, 1794873600,
	  20, 106692, -1883, -3684, -4567 },
	{ "v2_eur_de.tsv", "22334455667", "EUR", 2, -69007, 1793491200, 1794700800,
	  1794873600, 12, 136530, -105438, -100099, 0 },
	{ "v2_jpy.tsv", "33445566778", "JPY", 0, 11008, 1793491200, 1794700800, 1794873600,
	  7, 11233, 0, -225, 0 },
	{ "v2_bom_crlf.tsv", "44556677889", "USD", 2, 1075, 1793491200, 1794700800,
	  1794873600, 3, 1075, 0, 0, 0 },
};

static void
data_files_give_their_hand_computed_headers_and_totals(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;
	size_t i, len;
	char path[1024], *text;

	(void)state;
	assert_non_null(g);
	for (i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
		const struct file_case *c = &file_cases[i];

		if (parse_file(g, &err, c->file) != 0) {
			fprintf(stderr, "%s: %s\n", c->file, err.msg);
			fail();
		}
		assert_int_equal(g->headers, 1);
		assert_int_equal(g->line_before_header, 0);
		assert_string_equal(g->h.id, c->id);
		assert_string_equal(g->h.currency, c->currency);
		assert_int_equal(g->h.exponent, c->exponent);
		assert_int_equal(g->h.total, c->total);
		assert_int_equal(g->h.start, c->start);
		assert_int_equal(g->h.end, c->end);
		assert_int_equal(g->h.deposit, c->deposit);
		assert_int_equal(g->n, c->nlines);
		assert_int_equal(g->sum, c->total);      /* each file balances */
		assert_int_equal(sum_of_type(g, "Order"), c->orders);
		assert_int_equal(sum_of_type(g, "Refund"), c->refunds);
		assert_int_equal(sum_of_type(g, "other-transaction"), c->other);
		assert_int_equal(sum_of_type(g, "ServiceFee"), c->service);
		data_path(path, sizeof(path), c->file);
		text = mock_file_read(path, &len);
		assert_non_null(text);
		check_pieces(text, len);
		free(text);
	}
	free(g);
}

static void
v2_lines_carry_names_line_numbers_times_and_quantities(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;

	(void)state;
	assert_int_equal(parse_file(g, &err, "v2_usd.tsv"), 0);
	/* line 3: the first detail row */
	assert_string_equal(g->l[0].ttype, "Order");
	assert_string_equal(g->l[0].order, "111-0000001-0000001");
	assert_string_equal(g->l[0].atype, "ItemPrice");
	assert_string_equal(g->l[0].desc, "Principal");
	assert_string_equal(g->l[0].sku, "SKU-RED");
	assert_string_equal(g->l[0].adj, "");
	assert_int_equal(g->l[0].amount, 3998);
	assert_int_equal(g->l[0].qty, 2);
	assert_int_equal(g->l[0].posted, 1793714709);   /* 2026-11-03 14:05:09 UTC */
	assert_int_equal(g->l[0].lineno, 3);
	/* line 13: ItemWithheldTax of the second order */
	assert_string_equal(g->l[10].atype, "ItemWithheldTax");
	assert_string_equal(g->l[10].desc, "MarketplaceFacilitatorTax-Principal");
	assert_int_equal(g->l[10].amount, -9876);
	assert_int_equal(g->l[10].posted, 1793784600);  /* 2026-11-04 09:30:00 UTC */
	assert_int_equal(g->l[10].lineno, 13);
	/* line 14: the refund, posted-date only (11/05/26) */
	assert_string_equal(g->l[11].ttype, "Refund");
	assert_string_equal(g->l[11].adj, "amzn1:crow:aaa1");
	assert_int_equal(g->l[11].amount, -1999);
	assert_int_equal(g->l[11].posted, 1793836800);  /* 2026-11-05 00:00:00 UTC */
	/* line 18: storage fee, no order, no dates */
	assert_string_equal(g->l[15].desc, "Storage Fee");
	assert_string_equal(g->l[15].order, "");
	assert_int_equal(g->l[15].posted, 0);
	assert_int_equal(g->l[15].qty, 0);
	assert_int_equal(g->l[17].amount, -20000);      /* Current Reserve Amount */
	assert_string_equal(g->l[18].atype, "FBA Inventory Reimbursement");
	assert_int_equal(g->l[18].amount, 2550);
	assert_int_equal(g->l[19].lineno, 22);

	/* German file: "1.234,56" in a reordered file, dates DD.MM.YYYY */
	assert_int_equal(parse_file(g, &err, "v2_eur_de.tsv"), 0);
	assert_int_equal(g->l[0].amount, 123456);
	assert_string_equal(g->l[0].order, "302-0000001-0000001");
	assert_string_equal(g->l[0].sku, "SKU-DE-1");
	assert_int_equal(g->l[0].posted, 1793714709);
	assert_int_equal(g->l[5].amount, 450);          /* "4,5" */
	assert_int_equal(g->l[5].qty, 2);
	assert_int_equal(g->l[7].adj[0] != '\0', 1);
	assert_int_equal(g->l[7].posted, 1793836800);   /* 05.11.2026 */
	assert_int_equal(g->l[10].amount, -100000);     /* "-1.000,00" */

	/* JPY: "1,980" and "-1.000" are thousands, not decimals */
	assert_int_equal(parse_file(g, &err, "v2_jpy.tsv"), 0);
	assert_int_equal(g->l[0].amount, 1980);
	assert_int_equal(g->l[3].amount, -1000);
	assert_int_equal(g->l[4].amount, 12000);
	assert_int_equal(g->l[0].posted, 1793664000);   /* 11/03/26 */

	/* BOM + CRLF: line 5 is blank, the last row (line 6) has no newline */
	assert_int_equal(parse_file(g, &err, "v2_bom_crlf.tsv"), 0);
	assert_int_equal(g->l[1].lineno, 4);
	assert_int_equal(g->l[2].lineno, 6);
	assert_string_equal(g->l[2].desc, "Shipping");
	assert_string_equal(g->l[2].sku, "SKU-CR");
	assert_int_equal(g->l[2].qty, 1);
	assert_int_equal(g->l[2].posted, 1793577600);   /* 11/02/26 */
	free(g);
}

static void
xml_twin_gives_the_same_lines_as_its_v2_file(void **state)
{
	struct got *v = calloc(1, sizeof(*v)), *x = calloc(1, sizeof(*x));
	struct sc_error err;
	size_t i;

	(void)state;
	assert_int_equal(parse_file(v, &err, "v2_usd.tsv"), 0);
	assert_int_equal(parse_file(x, &err, "xml_usd.xml"), 0);
	assert_memory_equal(&v->h, &x->h, sizeof(v->h));
	assert_int_equal(v->n, x->n);
	for (i = 0; i < v->n; i++) {
		assert_string_equal(v->l[i].ttype, x->l[i].ttype);
		assert_string_equal(v->l[i].order, x->l[i].order);
		assert_string_equal(v->l[i].adj, x->l[i].adj);
		assert_string_equal(v->l[i].sku, x->l[i].sku);
		assert_int_equal(v->l[i].amount, x->l[i].amount);
		assert_int_equal(v->l[i].qty, x->l[i].qty);
		assert_int_equal(v->l[i].posted, x->l[i].posted);
		if (strcmp(v->l[i].ttype, "Order") == 0 || strcmp(v->l[i].ttype, "Refund") == 0) {
			assert_string_equal(v->l[i].atype, x->l[i].atype);
			assert_string_equal(v->l[i].desc, x->l[i].desc);
		}
	}
	/* the XML names what the flat file names differently */
	assert_string_equal(x->l[18].atype, "other-transaction");
	assert_string_equal(x->l[18].desc, "REVERSAL_REIMBURSEMENT");
	assert_string_equal(x->l[19].atype, "Cost of Advertising");
	assert_string_equal(x->l[19].desc, "Charge");
	assert_int_equal(x->l[0].lineno, 32);           /* its <Amount> */
	free(v);
	free(x);
}

/* ---- errors ------------------------------------------------------------- */

#define HDR "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t" \
	"total-amount\tcurrency\ttransaction-type\torder-id\tamount-type\t"           \
	"amount-description\tamount\tposted-date-time\tsku\tquantity-purchased\n"
#define SUMR(total, cur) "S1\t2026-11-01 00:00:00 UTC\t2026-11-15 00:00:00 UTC\t" \
	"2026-11-17 00:00:00 UTC\t" total "\t" cur "\t\t\t\t\t\t\t\t\n"
#define SUM SUMR("10.00", "USD")
#define ROWX(sid, cur, amount, posted, qty) sid "\t\t\t\t\t" cur "\tOrder\t111-1\t" \
	"ItemPrice\tPrincipal\t" amount "\t" posted "\tSKU-1\t" qty
#define ROW(amount) ROWX("", "", amount, "2026-11-03 14:05:09 UTC", "1") "\n"

struct err_case {
	const char *name;
	const char *text;
	int code;
	const char *want;
	size_t lines;            /* delivered before the error */
	size_t len;              /* of text; 0: strlen (a text with a NUL has it) */
};

static const struct err_case v2_errors[] = {
	{ "missing column", "settlement-id\tsettlement-start-date\tsettlement-end-date\t"
	  "deposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tamount-type\t"
	  "amount-description\tposted-date\n", SC_EMALFORMED,
	  "line 1: no column `amount` (a V2 settlement file has it)", 0, 0 },
	{ "column twice", "amount\t" HDR, SC_EMALFORMED, "line 1: column `amount` appears twice", 0, 0 },
	{ "non-numeric amount", HDR SUM ROW("5.00") ROW("12,3,4"), SC_EMALFORMED,
	  "line 4: column `amount`: `12,3,4` is not an amount", 1, 0 },
	{ "amount finer than a cent", HDR SUM ROW("10.1055"), SC_EMALFORMED,
	  "line 3: column `amount`: `10.1055` is not an amount", 0, 0 },
	{ "amount out of range", HDR SUM ROW("99999999999999999999"), SC_EMALFORMED,
	  "line 3: column `amount`: `99999999999999999999` is out of range", 0, 0 },
	{ "empty amount", HDR SUM ROW(""), SC_EMALFORMED, "line 3: column `amount` is empty", 0, 0 },
	{ "mixed currencies", HDR SUM ROW("1.00") ROWX("", "EUR", "2.00", "", "1") "\n",
	  SC_EMALFORMED, "line 4: column `currency`: `EUR` differs from the settlement's "
	  "currency `USD`", 1, 0 },
	{ "another settlement", HDR SUM ROWX("S2", "", "2.00", "", "1") "\n", SC_EMALFORMED,
	  "line 3: column `settlement-id`: `S2` is not this settlement (`S1`)", 0, 0 },
	{ "truncated last line", HDR SUM ROW("1.00") "\t\t\t\t\t\tOrder\t111-1\tItemPri",
	  SC_EMALFORMED, "line 4: truncated: 9 of 14 columns and no newline at the end "
	  "of the file", 1, 0 },
	{ "short middle line", HDR SUM "\t\tOrder\n" ROW("1.00"), SC_EMALFORMED,
	  "line 3: 3 columns, the header has 14", 0, 0 },
	{ "long line", HDR SUM ROW("1.00") "\t" ROW("1.00"), SC_EMALFORMED,
	  "line 4: 15 columns, the header has 14", 1, 0 },
	{ "bad posted date", HDR SUM ROWX("", "", "1.00", "2026-13-01 00:00:00 UTC", "1") "\n",
	  SC_EMALFORMED, "line 3: column `posted-date-time`: `2026-13-01 00:00:00 UTC` is "
	  "not a date", 0, 0 },
	{ "bad quantity", HDR SUM ROWX("", "", "1.00", "", "two") "\n", SC_EMALFORMED,
	  "line 3: column `quantity-purchased`: `two` is not a quantity", 0, 0 },
	{ "unknown currency", HDR SUMR("10.00", "XYZ"), SC_EMALFORMED,
	  "line 2: column `currency`: `XYZ` is not an ISO 4217 currency code", 0, 0 },
	{ "bad total", HDR SUMR("ten", "USD"), SC_EMALFORMED,
	  "line 2: column `total-amount`: `ten` is not an amount", 0, 0 },
	{ "no summary row", HDR ROW("1.00"), SC_EMALFORMED,
	  "line 2: the first data row must be the summary row", 0, 0 },
	{ "header only", HDR, SC_EMALFORMED, "line 2: no summary row after the header", 0, 0 },
	{ "empty file", "", SC_EMALFORMED, "line 1: the file is empty", 0, 0 },
#define NUL_TEXT HDR SUM "\t\t\t\t\t\tOrder\t1\0x\tItemPrice\tPrincipal\t1.00\t\t\t\n"
	{ "NUL byte", NUL_TEXT, SC_EMALFORMED, "line 3: a NUL byte", 0, sizeof(NUL_TEXT) - 1 },
	{ "bad summary date", HDR "S1\t2026-02-30 00:00:00 UTC\t2026-11-15 00:00:00 UTC\t"
	  "2026-11-17 00:00:00 UTC\t1.00\tUSD\t\t\t\t\t\t\t\t\n", SC_EMALFORMED,
	  "line 2: column `settlement-start-date`: `2026-02-30 00:00:00 UTC` is not a date", 0, 0 },
};

#define XHEAD "<?xml version=\"1.0\"?>\n<AmazonEnvelope><Message><SettlementReport>\n" \
	"<SettlementData><AmazonSettlementID>9</AmazonSettlementID><TotalAmount "          \
	"currency=\"USD\">1.00</TotalAmount><StartDate>2026-11-01T00:00:00Z</StartDate>"   \
	"<EndDate>2026-11-15T00:00:00Z</EndDate><DepositDate>2026-11-17T00:00:00Z"         \
	"</DepositDate></SettlementData>\n"
#define XTAIL "</SettlementReport></Message></AmazonEnvelope>\n"
#define XORDER(amount) "<Order><AmazonOrderID>1</AmazonOrderID><Fulfillment><Item>\n" \
	"<ItemPrice><Component><Type>Principal</Type>\n" amount                          \
	"</Component></ItemPrice></Item></Fulfillment></Order>\n"

static const struct err_case xml_errors[] = {
	{ "mixed currencies", XHEAD XORDER("<Amount currency=\"USD\">0.50</Amount>")
	  XORDER("<Amount currency=\"EUR\">0.50</Amount>") XTAIL, SC_EMALFORMED,
	  "line 9: `Amount` in `EUR` differs from the settlement's currency `USD`", 1, 0 },
	{ "bad amount", XHEAD XORDER("<Amount currency=\"USD\">1,50</Amount>") XTAIL,
	  SC_EMALFORMED, "line 6: `Amount`: `1,50` is not an amount", 0, 0 },
	{ "transaction first", "<AmazonEnvelope><Message><SettlementReport>\n"
	  XORDER("<Amount>1.00</Amount>") XTAIL, SC_EMALFORMED,
	  "line 2: `Order` before SettlementData", 0, 0 },
	{ "truncated", XHEAD XORDER("<Amount>1.00</Amount>") "<Order><Amazon", SC_EMALFORMED,
	  "line 7: not well-formed XML", 1, 0 },
	{ "doctype", "<?xml version=\"1.0\"?>\n<!DOCTYPE AmazonEnvelope>\n<AmazonEnvelope/>\n",
	  SC_EMALFORMED, "line 2: a DOCTYPE is not accepted", 0, 0 },
	{ "no deposit date", "<AmazonEnvelope><Message><SettlementReport><SettlementData>\n"
	  "<AmazonSettlementID>9</AmazonSettlementID><TotalAmount currency=\"USD\">1.00"
	  "</TotalAmount><StartDate>2026-11-01</StartDate><EndDate>2026-11-15</EndDate>"
	  "</SettlementData>" XTAIL, SC_EMALFORMED, "line 1: SettlementData has no DepositDate", 0, 0 },
	{ "no report", "<AmazonEnvelope><Message/></AmazonEnvelope>", SC_EMALFORMED,
	  "no SettlementReport element: not an Amazon settlement report", 0, 0 },
	{ "two reports", XHEAD XTAIL "", SC_EMALFORMED, "", 0, 0 },   /* replaced below */
	{ "bad posted date", XHEAD "<Refund><AmazonOrderID>1</AmazonOrderID><Fulfillment>\n"
	  "<PostedDate>2026-11-31T00:00:00Z</PostedDate></Fulfillment></Refund>\n" XTAIL,
	  SC_EMALFORMED, "line 5: `PostedDate`: `2026-11-31T00:00:00Z` is not a date", 0, 0 },
	{ "total without currency", "<AmazonEnvelope><SettlementReport><SettlementData>\n"
	  "<TotalAmount>1.00</TotalAmount></SettlementData></SettlementReport></AmazonEnvelope>",
	  SC_EMALFORMED, "line 2: TotalAmount: currency `` is not an ISO 4217 code", 0, 0 },
};

static const char two_reports[] = "<AmazonEnvelope><Message><SettlementReport>\n"
	"<SettlementData><AmazonSettlementID>9</AmazonSettlementID><TotalAmount currency=\"USD\">"
	"1.00</TotalAmount><StartDate>2026-11-01</StartDate><EndDate>2026-11-15</EndDate>"
	"<DepositDate>2026-11-17</DepositDate></SettlementData></SettlementReport></Message>\n"
	"<Message><SettlementReport>\n</SettlementReport></Message></AmazonEnvelope>\n";

static void
run_err_cases(const struct err_case *cases, size_t n)
{
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;
	size_t i, len;
	int rc;

	assert_non_null(g);
	for (i = 0; i < n; i++) {
		const char *text = cases[i].text, *want = cases[i].want;

		if (strcmp(cases[i].name, "two reports") == 0) {
			text = two_reports;
			want = "line 3: a second SettlementReport (one settlement per file)";
		}
		len = cases[i].len != 0 ? cases[i].len : strlen(text);
		rc = parse_mem(g, &err, text, len, 0);
		if (rc != cases[i].code || strstr(err.msg, want) == NULL || g->n != cases[i].lines) {
			fprintf(stderr, "case \"%s\": rc %d, %zu lines, \"%s\"\n  wanted \"%s\"\n",
			        cases[i].name, rc, g->n, err.msg, want);
			fail();
		}
		check_pieces(text, len);
	}
	free(g);
}

static void
every_v2_error_names_its_line_and_reason(void **state)
{
	(void)state;
	run_err_cases(v2_errors, sizeof(v2_errors) / sizeof(v2_errors[0]));
}

static void
every_xml_error_names_its_line_and_reason(void **state)
{
	(void)state;
	run_err_cases(xml_errors, sizeof(xml_errors) / sizeof(xml_errors[0]));
}

static void
a_bad_row_after_good_ones_fails_the_whole_settlement(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;
	char path[1024], *text, *bad;
	size_t len;

	(void)state;
	/* v2_usd.tsv with its last amount (line 22, "-45.67") made "-45.6x" */
	data_path(path, sizeof(path), "v2_usd.tsv");
	text = mock_file_read(path, &len);
	assert_non_null(text);
	bad = strstr(text, "-45.67");
	assert_non_null(bad);
	bad[5] = 'x';
	assert_int_equal(parse_mem(g, &err, text, len, 0), SC_EMALFORMED);
	assert_int_equal(g->n, 19);          /* lines seen: the caller drops them */
	expect_msg(&err, "line 22: column `amount`: `-45.6x` is not an amount");
	free(text);
	free(g);
}

static void
a_sink_error_stops_the_parse_with_its_code(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;

	(void)state;
	g->stop_at = 2;
	assert_int_equal(parse_mem(g, &err, HDR SUM ROW("1.00") ROW("2.00") ROW("3.00"),
	                           strlen(HDR SUM ROW("1.00") ROW("2.00") ROW("3.00")), 0),
	                 SC_ECONFLICT);
	assert_int_equal(g->n, 2);
	expect_msg(&err, "line 4: the settlement's reader stopped (conflict)");
	/* a sink that says why: its words, with the line */
	g->err = &err;
	assert_int_equal(parse_mem(g, &err, HDR SUM ROW("1.00") ROW("2.00"),
	                           strlen(HDR SUM ROW("1.00") ROW("2.00")), 0), SC_EINVALID);
	assert_string_equal(err.msg, "line 4: no account for ItemPrice/Principal");
	free(g);
}

static void
a_line_longer_than_the_buffer_is_an_error_not_growth(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;
	size_t n = strlen(HDR SUM), len = n + AMAZON_SETTLEMENT_BUF + 10;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	memcpy(text, HDR SUM, n);
	memset(text + n, 'x', len - n);
	assert_int_equal(parse_mem(g, &err, text, len, 0), SC_EMALFORMED);
	expect_msg(&err, "line 3: longer than 1048576 bytes");
	free(text);
	free(g);
}

static void
the_old_v1_flat_file_and_a_missing_file_are_refused(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct settlement_sink sink = { got_header, got_line, g };
	struct sc_error err;
	const char *dir = getenv("SC_SHARED");
	char path[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/fixtures/amazon_settlement_flat_file_v1_airbyte.tsv",
	         dir ? dir : "../shared");
	assert_int_equal(amazon_ops.settlement_parse(path, &sink, &err), SC_EMALFORMED);
	expect_msg(&err, "line 1: this is the old V1 flat file");
	assert_int_equal(parse_file(g, &err, "no-such-file.tsv"), SC_ERROR);
	expect_msg(&err, "cannot open: No such file or directory");
	free(g);
}

/* ---- XML: nothing is fetched -------------------------------------------- */

static int loads;

static xmlParserInputPtr
counting_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	loads++;
	return NULL;
}

static void
xml_with_an_external_entity_is_refused_without_fetching(void **state)
{
	static const char xxe[] = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE AmazonEnvelope [\n<!ENTITY xxe SYSTEM \"file:///etc/hostname\">\n]>\n"
		"<AmazonEnvelope><Message><SettlementReport><SettlementData>"
		"<AmazonSettlementID>&xxe;</AmazonSettlementID></SettlementData>"
		"</SettlementReport></Message></AmazonEnvelope>\n";
	xmlExternalEntityLoader old = xmlGetExternalEntityLoader();
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;
	xmlDocPtr doc;

	(void)state;
	xmlSetExternalEntityLoader(counting_loader);
	loads = 0;
	assert_int_equal(parse_mem(g, &err, xxe, strlen(xxe), 0), SC_EMALFORMED);
	expect_msg(&err, "line 2: a DOCTYPE is not accepted");
	assert_int_equal(g->headers, 0);
	check_pieces(xxe, strlen(xxe));
	assert_int_equal(loads, 0);
	/* the probe works: a parser told to substitute entities does call it */
	doc = xmlReadMemory(xxe, (int)strlen(xxe), "x.xml", NULL,
	                    XML_PARSE_NOENT | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlFreeDoc(doc);
	assert_true(loads > 0);
	xmlSetExternalEntityLoader(old);
	free(g);
}

static void
xml_with_an_external_dtd_is_refused_without_connecting(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct got *g = calloc(1, sizeof(*g));
	struct sc_error err;
	char xml[512];
	int s, c;

	(void)state;
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n<!DOCTYPE AmazonEnvelope SYSTEM "
	         "\"http://127.0.0.1:%d/amzn-envelope.dtd\">\n<AmazonEnvelope/>\n",
	         ntohs(sa.sin_port));
	assert_int_equal(parse_mem(g, &err, xml, strlen(xml), 0), SC_EMALFORMED);
	expect_msg(&err, "line 2: a DOCTYPE is not accepted");
	assert_int_equal(fcntl(s, F_SETFL, O_NONBLOCK), 0);
	c = accept(s, NULL, NULL);
	assert_int_equal(c, -1);                 /* nobody connected */
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(s);
	free(g);
}

/* ---- amounts and dates -------------------------------------------------- */

static void
check_amount(const char *s, size_t n, int exponent)
{
	int64_t a = 7, b = 7;
	int ra = amazon__settlement_amount_parse(&a, s, n, exponent);
	int rb = money_parse_locale(&b, s, n, exponent);

	if (ra != rb || (ra == 0 && a != b)) {
		fprintf(stderr, "`%.*s` at %d: fast %d/%lld, money_parse_locale %d/%lld\n",
		        (int)n, s, exponent, ra, (long long)a, rb, (long long)b);
		fail();
	}
}

static void
amount_fast_path_agrees_with_money_parse_locale(void **state)
{
	static const char alpha[] = "0159.,-+ a";
	char s[24];
	size_t len, i, k = sizeof(alpha) - 1;
	unsigned long idx, max, x = 12345;
	int e;

	(void)state;
	/* every text of up to 6 bytes over the alphabet, at exponents 0..5 */
	for (len = 0, max = 1; len <= 6; len++, max *= k) {
		for (idx = 0; idx < max; idx++) {
			unsigned long v = idx;

			for (i = 0; i < len; i++, v /= k)
				s[i] = alpha[v % k];
			for (e = 0; e <= 5; e++)
				check_amount(s, len, e);
		}
	}
	/* random longer ones: digits with an optional sign and separator */
	for (idx = 0; idx < 300000; idx++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		len = 1 + (x >> 33) % 20;
		for (i = 0; i < len; i++) {
			x = x * 6364136223846793005ul + 1442695040888963407ul;
			s[i] = (char)('0' + (x >> 40) % 10);
		}
		if ((x >> 20) % 3 == 0)
			s[0] = '-';
		if ((x >> 24) % 2 == 0 && len > 2)
			s[len - 1 - (x >> 28) % 5 % (len - 1)] = (x >> 30) % 2 ? '.' : ',';
		for (e = 0; e <= 4; e++)
			check_amount(s, len, e);
	}
	/* and the shapes the files carry */
	check_amount("-12.30", 6, 2);
	check_amount("1.234,56", 8, 2);
	check_amount("95,00", 5, 2);
	check_amount("818548", 6, 0);
	check_amount("9999999999999.9999", 18, 4);
	check_amount("92233720368547758.07", 20, 2);
}

struct date_case {
	const char *text;
	int ok;
	int64_t t;
};

static const struct date_case date_cases[] = {
	{ "2026-11-03 14:05:09 UTC", 1, 1793714709 },
	{ "2026-11-03", 1, 1793664000 },
	{ "03.11.2026", 1, 1793664000 },
	{ "03.11.2026 14:05:09 UTC", 1, 1793714709 },
	{ "11/03/26", 1, 1793664000 },
	{ "11/03/2026", 1, 1793664000 },
	{ "2026-03-06T08:52:26+00:00", 1, 1772787146 },
	{ "2026-03-06T10:52:26+02:00", 1, 1772787146 },
	{ "2026-03-06T08:52:26Z", 1, 1772787146 },
	{ "2024-02-29", 1, 1709164800 },
	{ "29.02.2024", 1, 1709164800 },
	{ "2026-02-29", 0, 0 },
	{ "31.04.2026", 0, 0 },
	{ "13/01/26", 0, 0 },
	{ "00/10/26", 0, 0 },
	{ "2026-11-03 24:00:00 UTC", 0, 0 },
	{ "2026-11-03 14:05:09 CET", 0, 0 },
	{ "2026-11-03 14:05:09", 0, 0 },
	{ "03.11.26", 0, 0 },
	{ "", 0, 0 },
	{ "yesterday", 0, 0 },
};

static void
settlement_dates_parse_in_every_listed_format(void **state)
{
	size_t i;
	int64_t t;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		t = -1;
		rc = amazon__settlement_date_parse(&t, date_cases[i].text, strlen(date_cases[i].text));
		if ((rc == 0) != date_cases[i].ok || (rc == 0 && t != date_cases[i].t)) {
			fprintf(stderr, "`%s`: rc %d, %lld\n", date_cases[i].text, rc, (long long)t);
			fail();
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_files_give_their_hand_computed_headers_and_totals),
		cmocka_unit_test(v2_lines_carry_names_line_numbers_times_and_quantities),
		cmocka_unit_test(xml_twin_gives_the_same_lines_as_its_v2_file),
		cmocka_unit_test(every_v2_error_names_its_line_and_reason),
		cmocka_unit_test(every_xml_error_names_its_line_and_reason),
		cmocka_unit_test(a_bad_row_after_good_ones_fails_the_whole_settlement),
		cmocka_unit_test(a_sink_error_stops_the_parse_with_its_code),
		cmocka_unit_test(a_line_longer_than_the_buffer_is_an_error_not_growth),
		cmocka_unit_test(the_old_v1_flat_file_and_a_missing_file_are_refused),
		cmocka_unit_test(xml_with_an_external_entity_is_refused_without_fetching),
		cmocka_unit_test(xml_with_an_external_dtd_is_refused_without_connecting),
		cmocka_unit_test(amount_fast_path_agrees_with_money_parse_locale),
		cmocka_unit_test(settlement_dates_parse_in_every_listed_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
