/* account_map_fuzzer.c: the settlement account map loader on arbitrary text,
 * then, when it loads, lookups, describe, and a reconciliation through it.
 *
 * Input: a map file, optionally followed by a line "%%" and rows to
 * reconcile: first the deposit total (a decimal integer of minor units),
 * then one row per line, "TRANSACTION-TYPE<TAB>ORDER-ID<TAB>AMOUNT-TYPE<TAB>
 * DESCRIPTION<TAB>AMOUNT". Without rows, a fixed set of Amazon rows is used.
 * Checked: a failed load leaves nothing and says where; the four category
 * totals add up to the sum; balance = sum - total; a reconciled journal sums
 * to zero and an unbalanced one is refused; order ids are sorted and unique. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/reconcile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_rows[][5] = {
	{ "Order", "111-1", "ItemPrice", "Principal", "1000" },
	{ "Order", "111-1", "ItemFees", "Commission", "-150" },
	{ "Order", "111-2", "Promotion", "Shipping", "-20" },
	{ "Refund", "111-1", "ItemPrice", "Principal", "-500" },
	{ "other-transaction", "", "other-transaction", "Storage Fee", "-33" },
	{ "other-transaction", "", "other-transaction", "Current Reserve Amount", "-70" },
	{ "Adjustment", "111-3", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", "90" },
	{ "Retrocharge", "", "Base Tax", "Tax", "-1" },
	{ "", "", "", "", "0" },
};

static int
parse_i64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Split "a\tb\tc\td\te" in place into 5 fields; -1 when it has not 5. */
static int
split_row(char *line, char *f[5])
{
	int k = 0;
	char *p = line;

	f[k++] = p;
	while (*p != '\0') {
		if (*p == '\t') {
			*p = '\0';
			if (k == 5)
				return -1;
			f[k++] = p + 1;
		}
		p++;
	}
	return k == 5 ? 0 : -1;
}

static void
check_result(const struct reconcile *r, const struct reconcile_result *res)
{
	struct journal_line *lines = NULL;
	struct sc_error err;
	uint64_t cats, jsum = 0;
	size_t n = 0, i;
	int rc;

	cats = (uint64_t)res->charges + (uint64_t)res->refunds + (uint64_t)res->fees +
	       (uint64_t)res->adjustments;
	if (cats != (uint64_t)res->sum)
		abort();
	if ((uint64_t)res->balance != (uint64_t)res->sum - (uint64_t)res->total)
		abort();
	if ((res->balance == 0) != (res->status == RECONCILE_RECONCILED))
		abort();
	sc_error_clear(&err);
	rc = reconcile_journal(r, &lines, &n, &err);
	if (res->status == RECONCILE_RECONCILED) {
		if (rc != 0 && rc != SC_ENOMEM)
			abort();
		for (i = 0; i < n; i++) {
			if (lines[i].account == NULL || lines[i].category == NULL ||
			    lines[i].amount == 0)
				abort();
			jsum += (uint64_t)lines[i].amount;
		}
		if (jsum != 0)
			abort();
	} else if (rc != SC_EINVALID || lines != NULL || n != 0 || err.msg[0] == '\0') {
		abort();
	}
	free(lines);
	for (i = 1; i < reconcile_order_count(r); i++)
		if (strcmp(reconcile_order_at(r, i - 1), reconcile_order_at(r, i)) >= 0)
			abort();
}

static void
reconcile_rows(const struct account_map *m, char *rows)
{
	struct settlement_header h;
	struct reconcile *r = NULL;
	struct reconcile_result res;
	struct sc_error err;
	char *line, *next, *f[5];
	long lineno = 2;
	size_t i;

	memset(&h, 0, sizeof(h));
	memcpy(h.id, "fuzz", 5);
	memcpy(h.currency, "USD", 4);
	h.exponent = 2;
	h.total = 0;
	if (rows != NULL) {
		next = strchr(rows, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (parse_i64(rows, &h.total) < 0)
			return;
		rows = next;
	} else {
		h.total = 1000 - 150 - 20 - 500 - 33 - 70 + 90 - 1;
	}
	sc_error_clear(&err);
	if (reconcile_new(&r, m, &h, &err) < 0)
		return;
	if (rows == NULL) {
		for (i = 0; i < sizeof(fixed_rows) / sizeof(fixed_rows[0]); i++) {
			struct settlement_line l;

			memset(&l, 0, sizeof(l));
			l.transaction_type = fixed_rows[i][0];
			l.order_id = fixed_rows[i][1];
			l.amount_type = fixed_rows[i][2];
			l.amount_description = fixed_rows[i][3];
			if (parse_i64(fixed_rows[i][4], &l.amount) < 0)
				abort();
			l.lineno = ++lineno;
			if (reconcile_line(r, &l, &err) < 0 && err.msg[0] == '\0')
				abort();
		}
	}
	for (line = rows; line != NULL && *line != '\0'; line = next) {
		struct settlement_line l;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (split_row(line, f) < 0)
			continue;
		memset(&l, 0, sizeof(l));
		l.transaction_type = f[0];
		l.order_id = f[1];
		l.amount_type = f[2];
		l.amount_description = f[3];
		if (parse_i64(f[4], &l.amount) < 0)
			continue;
		l.lineno = lineno;
		if (reconcile_line(r, &l, &err) < 0 && err.msg[0] == '\0')
			abort();
	}
	if (reconcile_finish(r, &res) != 0)
		abort();
	check_result(r, &res);
	reconcile_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[][3] = {
		{ "Order", "ItemPrice", "Principal" }, { "Refund", "ItemFees", "Commission" },
		{ "other-transaction", "other-transaction", "Storage Fee" },
		{ "", "", "" }, { "*", "*", "*" }, { "A/B", "\"", "->" },
	};
	struct account_map *m = NULL;
	struct sc_error err;
	char *text = malloc(size + 1), *rows = NULL, *sep;
	size_t i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strlen(text) != size) {   /* a NUL inside: the file loader refuses it */
		free(text);
		return 0;
	}
	if ((sep = strstr(text, "\n%%\n")) != NULL) {
		sep[1] = '\0';
		rows = sep + 4;
	}
	sc_error_clear(&err);
	if (mapping_account_map_load_string(&m, text, "fuzz.map", &err) == 0) {
		struct buf b;

		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			enum account_category c;
			const char *account = NULL;
			int line = 0;

			if (mapping_account_lookup(m, probes[i][0], probes[i][1], probes[i][2], &c,
			                           &account, &line) == 0 &&
			    (account == NULL || line <= 0 || (int)c < 0 || (int)c >= ACCOUNT_CAT_COUNT))
				abort();
		}
		if (mapping_account_map_bank(m) == NULL)
			abort();
		buf_init(&b, 1 << 20);
		(void)mapping_account_map_describe(m, &b);
		buf_free(&b);
		reconcile_rows(m, rows);
		mapping_account_map_free(m);
	} else if (m != NULL || err.msg[0] == '\0' ||
	           (err.code != SC_ENOMEM && strncmp(err.msg, "fuzz.map:", 9) != 0)) {
		abort();   /* a failed load leaves nothing and says where */
	}
	free(text);
	return 0;
}
