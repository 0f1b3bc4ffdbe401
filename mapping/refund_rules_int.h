/*
 * refund_rules_int.h: the loaded rules, shared by refund_rules.c (load) and
 * refund_rules_match.c (lookup, explain, check, describe). Not public.
 */
#ifndef SC_REFUND_RULES_INT_H
#define SC_REFUND_RULES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mapping/refund_rules.h"

#define RR_MAX_ORDER_TYPES 32

/* One condition: `any` (absent or `*`) or a list of names. For kind and
 * posted_as, `mask` has bit i set for kind i / order type i. */
struct rr_cond {
	char **names;        /* in file order, without repeats */
	size_t n, alloc;
	int any;             /* absent or `*` */
	int star;            /* written as `*` */
	int line;            /* line of the key; 0 when absent */
	uint32_t mask;
};

struct rr_rule {
	char *name;          /* NAME of [rule NAME] */
	char *label;         /* "rule NAME" */
	int line;            /* the [rule NAME] line */
	struct rr_cond kind, reason, posted;
	char *create;
	int create_line;
};

struct rr_default {      /* indexed like refund_rules.order_types */
	char *create;        /* NULL until given */
	int line;
};

struct rr_back {
	char *erp_type;
	char *reason;
	int line;
};

struct refund_rules {
	char *path;
	char *erp_name;
	char *mkt_name;
	char **order_types;
	size_t norder;
	struct rr_rule *rules;
	size_t nrules, rulealloc;
	struct rr_default *defaults;   /* norder entries */
	int default_line;              /* 0: no [default] */
	struct rr_back *back;
	size_t nback, backalloc;
	int back_line;                 /* 0: no [to_marketplace] */
	int last_line;
};

/* ---- loading (refund_rules.c, refund_rules_keys.c) ---------------------- */

#include <stdarg.h>

#define RR_NAME_MAX 256      /* one name; longer than any line inih reads */
#define RR_LIST_MAX 400      /* "valid: ..." lists in messages */

enum rr_sec { RR_SEC_NONE = 0, RR_SEC_RULE, RR_SEC_DEFAULT, RR_SEC_BACK };

struct rr_parse {
	struct refund_rules *r;             /* being filled; rules[nrules-1] is current */
	const struct mapping_vocab *v;
	int lineno;
	int line_cont;          /* the current line continues the previous key */
	char prev_key[64];
	enum rr_sec sec;
	int failed;             /* the first error is in err; nothing more is read */
	int fail_line;
	int code;
	struct sc_error *err;
};

/* Record the first error, "FILE:LINE: msg" (SC_EINVALID). Returns 0. */
int mapping__rr_vfail(struct rr_parse *p, int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Record SC_ENOMEM at the current line. Returns 0. */
int mapping__rr_oom(struct rr_parse *p);
/* One key = value of the current section (p->line_cont: a continuation of
 * p->prev_key), checked against the vocabulary. 1 kept, 0 failed. */
int mapping__rr_rule_key(struct rr_parse *p, const char *name, const char *value);
int mapping__rr_default_key(struct rr_parse *p, const char *name, const char *value);
int mapping__rr_back_key(struct rr_parse *p, const char *name, const char *value);
/* The section ends: what can only be checked once all its keys are read. */
int mapping__rr_rule_end(struct rr_parse *p);
int mapping__rr_default_end(struct rr_parse *p);

/* "a, b, c" (truncated with "..." when it does not fit in n). */
void mapping__rr_join(char *out, size_t n, const char *const *list);
const char *mapping__rr_article(const char *word);   /* "a" / "an" */
int mapping__rr_is_blank(char c);

#define RR_ALL_KINDS 0xFu   /* the four enum refund_kind values */

#endif
