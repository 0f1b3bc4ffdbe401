/*
 * account_map_int.h: the loaded account map, shared by account_map.c (load),
 * account_map_rules.c (rule text, lookup, describe) and reconcile.c. Not
 * public.
 */
#ifndef SC_ACCOUNT_MAP_INT_H
#define SC_ACCOUNT_MAP_INT_H

#include <stddef.h>

#include "mapping/account_map.h"

#define AM_NAME_MAX 128      /* one field or account name, NUL included */
#define AM_FIELDS 3          /* transaction-type, amount-type, description */
#define AM_RULE_SYNTAX "rule = TRANSACTION-TYPE / AMOUNT-TYPE / AMOUNT-DESCRIPTION -> " \
	"CATEGORY[, account ACCOUNT]"

struct am_rule {
	char *field[AM_FIELDS];  /* NULL: `*` (anything) */
	enum account_category cat;
	char *account;           /* the rule's own account; NULL: the category's */
	int line;                /* line of the `rule` key */
};

struct am_account {
	char *account;           /* NULL until given */
	int line;                /* line of the `account` key */
	int section_line;        /* line of the section header; 0: no section */
};

struct account_map {
	char *path;
	struct am_account cat[ACCOUNT_CAT_COUNT];
	struct am_account bank;
	struct am_account suspense;
	int match_line;          /* [match] header; 0: none */
	struct am_rule *rules;
	size_t nrules, rulealloc;
	int last_line;
};

/* The index of the first rule that fits, or -1. NULL strings count as "". */
long mapping__am_match(const struct account_map *m, const char *transaction_type,
                       const char *amount_type, const char *description);

/* The account rule i posts to (its own, else its category's), borrowed. */
const char *mapping__am_rule_account(const struct account_map *m, size_t i);

/* Parse the value of a `rule` key into *out (fields, category, account;
 * out->line is left alone). 0, or SC_EINVALID with a message for people in
 * msg (no FILE:LINE), or SC_ENOMEM. On error nothing is left allocated. */
int mapping__am_rule_parse(struct am_rule *out, const char *value, char *msg, size_t n);

/* Parse an account name: trimmed, optionally in double quotes, 1..127
 * characters. 0 with the name in out, or SC_EINVALID with msg set. */
int mapping__am_account_parse(char *out, size_t n, const char *value, char *msg,
                              size_t msgn);

/* 1 when every row rule `a` fits is fitted by `b` too (b shadows a). */
int mapping__am_rule_covers(const struct am_rule *b, const struct am_rule *a);

/* "Order / ItemPrice / *" into out (fields quoted when they need it). */
void mapping__am_rule_pattern(const struct am_rule *r, char *out, size_t n);

void mapping__am_rule_free(struct am_rule *r);

#endif
