/* suiteql_parse.c: the SuiteQL subset's lexer, parser and tables; the
 * grammar is at the top of suiteql.c. */
#include "tests/sandbox/suiteql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ql_col cols_item[] = {
	{ "id", K_NUM }, { "itemid", K_STR }, { "displayname", K_STR }, { "itemtype", K_STR },
	{ "fullname", K_STR }, { NULL, K_STR } };
static const struct ql_col cols_currency[] = {
	{ "id", K_NUM }, { "symbol", K_STR }, { "name", K_STR }, { NULL, K_STR } };
static const struct ql_col cols_customer[] = {
	{ "id", K_NUM }, { "entityid", K_STR }, { "companyname", K_STR }, { "externalid", K_STR },
	{ "lastmodifieddate", K_DATE }, { NULL, K_STR } };
static const struct ql_col cols_transaction[] = {
	{ "id", K_NUM }, { "tranid", K_STR }, { "type", K_STR }, { "recordtype", K_STR },
	{ "externalid", K_STR }, { "lastmodifieddate", K_DATE }, { "createddate", K_DATE },
	{ "trandate", K_STR }, { "entity", K_NUM }, { "currency", K_NUM }, { "total", K_NUM },
	{ "foreigntotal", K_NUM }, { "memo", K_STR }, { "createdfrom", K_NUM }, { "status", K_STR },
	{ NULL, K_STR } };
/* Item lines of transactions (nsfulfill.c): no main lines. */
static const struct ql_col cols_transactionline[] = {
	{ "transaction", K_NUM }, { "id", K_NUM }, { "linesequencenumber", K_NUM },
	{ "item", K_NUM }, { "quantity", K_NUM }, { "quantityshiprecv", K_NUM },
	{ "isclosed", K_STR }, { "mainline", K_STR }, { "linelastmodifieddate", K_DATE },
	{ NULL, K_STR } };

static const struct ql_col cols_account[] = {
	{ "id", K_NUM }, { "acctnumber", K_STR }, { "acctname", K_STR }, { "fullname", K_STR },
	{ "accttype", K_STR }, { NULL, K_STR } };

const struct sbx_ql_table sbx_ql_tables[] = {
	{ "item", T_ITEM, cols_item }, { "currency", T_CURRENCY, cols_currency },
	{ "customer", T_CUSTOMER, cols_customer }, { "transaction", T_TRANSACTION, cols_transaction },
	{ "account", T_ACCOUNT, cols_account },
	{ "transactionline", T_TRANSACTIONLINE, cols_transactionline },
};

/* ---- lexer ---------------------------------------------------------------- */

enum ql_tok { Q_END, Q_WORD, Q_STR, Q_NUM, Q_PUNCT, Q_BAD };

struct ql_lex {
	const char *p;
	enum ql_tok tok;
	char text[512];
};

static void
lex_next(struct ql_lex *lx)
{
	const char *p = lx->p;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	lx->text[0] = '\0';
	if (*p == '\0') {
		lx->tok = Q_END;
	} else if (isalpha((unsigned char)*p) || *p == '_') {
		while ((isalnum((unsigned char)*p) || *p == '_' || *p == '.') && n + 1 < sizeof lx->text)
			lx->text[n++] = (char)tolower((unsigned char)*p++);
		lx->tok = Q_WORD;
	} else if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))) {
		lx->text[n++] = *p++;
		while ((isdigit((unsigned char)*p) || *p == '.') && n + 1 < sizeof lx->text)
			lx->text[n++] = *p++;
		lx->tok = Q_NUM;
	} else if (*p == '\'') {
		lx->tok = Q_BAD;
		for (p++; *p != '\0' && n + 1 < sizeof lx->text; p++) {
			if (*p == '\'' && p[1] == '\'') {
				lx->text[n++] = '\'';
				p++;
			} else if (*p == '\'') {
				p++;
				lx->tok = Q_STR;
				break;
			} else {
				lx->text[n++] = *p;
			}
		}
	} else if ((p[0] == '<' && (p[1] == '=' || p[1] == '>')) || (p[0] == '>' && p[1] == '=') ||
	           (p[0] == '!' && p[1] == '=')) {
		lx->text[n++] = *p++;
		lx->text[n++] = *p++;
		lx->tok = Q_PUNCT;
	} else if (strchr(",()*=<>", *p) != NULL) {
		lx->text[n++] = *p++;
		lx->tok = Q_PUNCT;
	} else {
		lx->tok = Q_BAD;
		p++;
	}
	lx->text[n] = '\0';
	lx->p = p;
}

static int
lex_is(const struct ql_lex *lx, enum ql_tok t, const char *text)
{
	return lx->tok == t && strcmp(lx->text, text) == 0;
}

/* ---- parser ------------------------------------------------------------------- */

void
sbx_ql_free(struct ql_query *q)
{
	size_t i, j;

	for (i = 0; i < q->nsel; i++)
		free(q->alias[i]);
	for (i = 0; i < q->ncond; i++) {
		for (j = 0; j < q->cond[i].nvals; j++)
			free(q->cond[i].vals[j]);
		free(q->cond[i].vals);
	}
}

static int
col_find(const struct ql_query *q, const char *name)
{
	const struct ql_col *c = sbx_ql_tables[q->tab].cols;
	const char *dot = strrchr(name, '.');
	int i;

	if (dot != NULL)
		name = dot + 1;      /* t.id -> id */
	for (i = 0; c[i].name != NULL; i++)
		if (strcmp(c[i].name, name) == 0)
			return i;
	return -1;
}

/* A column reference; the name is kept for the error message. */
static int
parse_col(struct ql_lex *lx, const struct ql_query *q, char *err, size_t errn)
{
	int c;

	if (lx->tok != Q_WORD) {
		snprintf(err, errn, "expected a column name near '%s'", lx->text);
		return -1;
	}
	c = col_find(q, lx->text);
	if (c < 0)
		snprintf(err, errn, "Field '%s' for record '%s' was not found.", lx->text,
		         sbx_ql_tables[q->tab].name);
	lex_next(lx);
	return c;
}

/* A literal: 'text', number, TO_TIMESTAMP('..','..'), TO_DATE('..','..'). */
static char *
parse_lit(struct ql_lex *lx, char *err, size_t errn)
{
	char *v = NULL;

	if (lx->tok == Q_STR || lx->tok == Q_NUM) {
		v = strdup(lx->text);
		lex_next(lx);
		return v;
	}
	if (lex_is(lx, Q_WORD, "to_timestamp") || lex_is(lx, Q_WORD, "to_date")) {
		lex_next(lx);
		if (!lex_is(lx, Q_PUNCT, "(")) 
			goto bad;
		lex_next(lx);
		if (lx->tok != Q_STR)
			goto bad;
		v = strdup(lx->text);
		lex_next(lx);
		if (lex_is(lx, Q_PUNCT, ",")) {
			lex_next(lx);
			if (lx->tok != Q_STR)
				goto bad;
			lex_next(lx);
		}
		if (!lex_is(lx, Q_PUNCT, ")"))
			goto bad;
		lex_next(lx);
		return v;
	}
bad:
	free(v);
	snprintf(err, errn, "expected a value near '%s'", lx->text);
	return NULL;
}

static int
parse_cond(struct ql_lex *lx, struct ql_query *q, char *err, size_t errn)
{
	static const struct {
		const char *text;
		enum ql_op op;
	} ops[] = { { "=", OP_EQ }, { "<>", OP_NE }, { "!=", OP_NE }, { "<", OP_LT },
	            { "<=", OP_LE }, { ">", OP_GT }, { ">=", OP_GE } };
	struct ql_cond *c;
	size_t i;

	if (q->ncond == QL_MAX_COND) {
		snprintf(err, errn, "too many conditions");
		return -1;
	}
	c = &q->cond[q->ncond];
	c->nvals = 0;
	if ((c->col = parse_col(lx, q, err, errn)) < 0)
		return -1;
	q->ncond++;
	if (lex_is(lx, Q_WORD, "is")) {
		lex_next(lx);
		c->op = OP_NULL;
		if (lex_is(lx, Q_WORD, "not")) {
			c->op = OP_NOTNULL;
			lex_next(lx);
		}
		if (!lex_is(lx, Q_WORD, "null")) {
			snprintf(err, errn, "expected NULL near '%s'", lx->text);
			return -1;
		}
		lex_next(lx);
		return 0;
	}
	if (lex_is(lx, Q_WORD, "in")) {
		c->op = OP_IN;
		lex_next(lx);
		if (!lex_is(lx, Q_PUNCT, "(")) {
			snprintf(err, errn, "expected '(' after IN");
			return -1;
		}
		do {
			char **nv;

			lex_next(lx);
			if (c->nvals == QL_MAX_VALS) {
				snprintf(err, errn, "too many values in IN (...)");
				return -1;
			}
			nv = realloc(c->vals, (c->nvals + 1) * sizeof *nv);
			if (nv == NULL) {
				snprintf(err, errn, "out of memory");
				return -1;
			}
			c->vals = nv;
			if ((c->vals[c->nvals] = parse_lit(lx, err, errn)) == NULL)
				return -1;
			c->nvals++;
		} while (lex_is(lx, Q_PUNCT, ","));
		if (!lex_is(lx, Q_PUNCT, ")")) {
			snprintf(err, errn, "expected ')' near '%s'", lx->text);
			return -1;
		}
		lex_next(lx);
		return 0;
	}
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (lex_is(lx, Q_PUNCT, ops[i].text))
			break;
	if (i == sizeof ops / sizeof ops[0]) {
		snprintf(err, errn, "expected a comparison near '%s'", lx->text);
		return -1;
	}
	c->op = ops[i].op;
	lex_next(lx);
	c->vals = calloc(1, sizeof *c->vals);
	if (c->vals == NULL || (c->vals[0] = parse_lit(lx, err, errn)) == NULL)
		return -1;
	c->nvals = 1;
	return 0;
}

static int
parse_select_item(struct ql_lex *lx, struct ql_query *q, char *err, size_t errn)
{
	int to_char = 0, c;

	if (q->nsel == QL_MAX_SEL) {
		snprintf(err, errn, "too many columns");
		return -1;
	}
	if (lex_is(lx, Q_WORD, "to_char")) {
		to_char = 1;
		lex_next(lx);
		if (!lex_is(lx, Q_PUNCT, "(")) {
			snprintf(err, errn, "expected '(' after TO_CHAR");
			return -1;
		}
		lex_next(lx);
	}
	if ((c = parse_col(lx, q, err, errn)) < 0)
		return -1;
	if (to_char) {
		if (lex_is(lx, Q_PUNCT, ",")) {
			lex_next(lx);
			if (lx->tok != Q_STR) {
				snprintf(err, errn, "expected a format in TO_CHAR");
				return -1;
			}
			lex_next(lx);
		}
		if (!lex_is(lx, Q_PUNCT, ")")) {
			snprintf(err, errn, "expected ')' to close TO_CHAR");
			return -1;
		}
		lex_next(lx);
	}
	q->sel[q->nsel] = c;
	q->alias[q->nsel] = NULL;
	if (lex_is(lx, Q_WORD, "as")) {
		lex_next(lx);
		if (lx->tok != Q_WORD) {
			snprintf(err, errn, "expected an alias after AS");
			return -1;
		}
		q->alias[q->nsel] = strdup(lx->text);
		lex_next(lx);
	} else if (to_char) {
		char name[16];

		snprintf(name, sizeof name, "expr%zu", q->nsel + 1);
		q->alias[q->nsel] = strdup(name);
	}
	q->nsel++;
	return 0;
}

int
sbx_ql_parse(struct ql_query *q, const char *text, char *err, size_t errn)
{
	struct ql_lex lx = { text, Q_END, "" };
	const char *cols_at;
	size_t i;

	memset(q, 0, sizeof *q);
	lex_next(&lx);
	if (!lex_is(&lx, Q_WORD, "select")) {
		snprintf(err, errn, "only SELECT is supported");
		return -1;
	}
	/* The column list needs the table: find FROM first. */
	cols_at = lx.p;
	while (lx.tok != Q_END && !lex_is(&lx, Q_WORD, "from"))
		lex_next(&lx);
	lex_next(&lx);
	for (i = 0; i < sizeof sbx_ql_tables / sizeof sbx_ql_tables[0]; i++)
		if (lx.tok == Q_WORD && strcmp(lx.text, sbx_ql_tables[i].name) == 0)
			break;
	if (i == sizeof sbx_ql_tables / sizeof sbx_ql_tables[0]) {
		snprintf(err, errn, "Record '%s' was not found.", lx.text);
		return -1;
	}
	q->tab = (int)i;
	lx.p = cols_at;
	lex_next(&lx);
	if (lex_is(&lx, Q_PUNCT, "*")) {
		for (i = 0; sbx_ql_tables[q->tab].cols[i].name != NULL; i++)
			q->sel[q->nsel++] = (int)i;
		lex_next(&lx);
	} else {
		for (;;) {
			if (parse_select_item(&lx, q, err, errn) < 0)
				return -1;
			if (!lex_is(&lx, Q_PUNCT, ","))
				break;
			lex_next(&lx);
		}
	}
	if (!lex_is(&lx, Q_WORD, "from")) {
		snprintf(err, errn, "expected FROM near '%s'", lx.text);
		return -1;
	}
	lex_next(&lx);
	lex_next(&lx);                      /* the table */
	if (lx.tok == Q_WORD && strcmp(lx.text, "where") != 0 && strcmp(lx.text, "order") != 0)
		lex_next(&lx);              /* an alias */
	if (lex_is(&lx, Q_WORD, "where")) {
		do {
			lex_next(&lx);
			if (parse_cond(&lx, q, err, errn) < 0)
				return -1;
		} while (lex_is(&lx, Q_WORD, "and"));
	}
	if (lex_is(&lx, Q_WORD, "order")) {
		lex_next(&lx);
		if (!lex_is(&lx, Q_WORD, "by")) {
			snprintf(err, errn, "expected BY after ORDER");
			return -1;
		}
		do {
			lex_next(&lx);
			if (q->nord == QL_MAX_ORD) {
				snprintf(err, errn, "too many ORDER BY columns");
				return -1;
			}
			if ((q->ord[q->nord] = parse_col(&lx, q, err, errn)) < 0)
				return -1;
			q->desc[q->nord] = 0;
			if (lex_is(&lx, Q_WORD, "desc") || lex_is(&lx, Q_WORD, "asc")) {
				q->desc[q->nord] = lx.text[0] == 'd';
				lex_next(&lx);
			}
			q->nord++;
		} while (lex_is(&lx, Q_PUNCT, ","));
	}
	if (lx.tok != Q_END) {
		snprintf(err, errn, "unexpected '%s'", lx.text);
		return -1;
	}
	return 0;
}
