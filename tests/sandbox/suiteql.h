/*
 * suiteql.h: the SuiteQL subset shared by suiteql_parse.c (lexer, parser,
 * table definitions) and suiteql.c (evaluation over the store, answer).
 */
#ifndef SBX_SUITEQL_H
#define SBX_SUITEQL_H

#include <stddef.h>

#define QL_MAX_SEL 32
#define QL_MAX_COND 16
#define QL_MAX_ORD 4
#define QL_MAX_VALS 1000

enum ql_kind { K_STR, K_NUM, K_DATE };
enum ql_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NULL, OP_NOTNULL };
enum ql_tab { T_ITEM, T_CURRENCY, T_CUSTOMER, T_TRANSACTION, T_ACCOUNT, T_TRANSACTIONLINE };

struct ql_col {
	const char *name;
	enum ql_kind kind;
};

struct ql_cond {
	int col;
	enum ql_op op;
	char **vals;                   /* malloc'd, nvals of them */
	size_t nvals;
};

struct ql_query {
	int tab;                       /* index in sbx_ql_tables */
	int sel[QL_MAX_SEL];
	char *alias[QL_MAX_SEL];
	size_t nsel;
	struct ql_cond cond[QL_MAX_COND];
	size_t ncond;
	int ord[QL_MAX_ORD];
	int desc[QL_MAX_ORD];
	size_t nord;
};

struct sbx_ql_table {
	const char *name;
	enum ql_tab tab;
	const struct ql_col *cols;
};

/* item, currency, customer, transaction, account, transactionline. */
extern const struct sbx_ql_table sbx_ql_tables[6];

/* Parse `text` into *q (zeroed first). -1 with a reason in err. */
int sbx_ql_parse(struct ql_query *q, const char *text, char *err, size_t errn);
/* Free what the parser allocated in *q. */
void sbx_ql_free(struct ql_query *q);

#endif
