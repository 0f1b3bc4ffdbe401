/*
 * account_map.h: which category and GL account each settlement amount goes to.
 *
 * A settlement detail row is named by three strings (Amazon V2 flat file:
 * transaction-type, amount-type, amount-description). The account map says,
 * for each such triple, its category (charges, refunds, fees, adjustments:
 * a fixed set) and the ERP account that takes it: the rule's own account, or
 * else the category's. It also names the bank/clearing account that receives
 * the net, and optionally a suspense account for triples no rule fits.
 *
 * The file (format: mapping/README.md, "Settlement account map") is INI,
 * parsed with inih, read once by mapping_account_map_load*() and copied: the
 * result does not depend on the text afterwards. Lookups are pure: no I/O,
 * no allocation. The built-in Amazon map (mapping_account_map_builtin) is the
 * text of conf/settlement-map.conf.example, byte for byte.
 *
 * Every load error is SC_EINVALID with one line "FILE:LINE: message" that
 * names the valid names (a section missing from the whole file is reported
 * at the file's last line). Only the first error of a file is reported.
 *
 * Matching: [match] rules are tried in file order; the first whose three
 * fields all fit decides. A field `*` fits anything; any other field is
 * compared exactly (case-sensitive) with the row's string (NULL counts as
 * ""; the field `""` fits only an empty string). A rule that can never
 * match because an earlier rule fits every row it would is a load error.
 */
#ifndef SC_ACCOUNT_MAP_H
#define SC_ACCOUNT_MAP_H

#include "connector/buf.h"
#include "connector/error.h"

struct account_map;

/* The four categories, in the order totals and journal lines are given. */
enum account_category {
	ACCOUNT_CAT_CHARGES = 0,     /* order principal, shipping, tax, gift wrap, promotions */
	ACCOUNT_CAT_REFUNDS = 1,     /* what went back to buyers */
	ACCOUNT_CAT_FEES = 2,        /* commissions, FBA fees, service fees, storage */
	ACCOUNT_CAT_ADJUSTMENTS = 3  /* other transactions, reimbursements, reserves, suspense */
};
#define ACCOUNT_CAT_COUNT 4

/* "charges", "refunds", "fees", "adjustments" (static); "?" out of range. */
const char *mapping_account_category_name(enum account_category c);
/* The category named `name` (exact, lower case): 0, or SC_ENOTFOUND. */
int mapping_account_category_parse(const char *name, enum account_category *out);

/* The built-in Amazon map, parsed from mapping_account_map_builtin_text().
 * *out owns it (mapping_account_map_free). SC_ENOMEM, or SC_EINVALID if the
 * built-in text were wrong (a bug: the unit test loads it). */
int mapping_account_map_builtin(struct account_map **out, struct sc_error *err);

/* The built-in map's text (static): identical to conf/settlement-map.conf.example. */
const char *mapping_account_map_builtin_text(void);

/* Read and check the map file `path`. On success *out owns the map
 * (mapping_account_map_free). On error *out is NULL and: SC_ENOTFOUND when
 * the file cannot be opened, SC_EINVALID "FILE:LINE: ..." when it is wrong
 * (or larger than 1 MiB, or holds a NUL byte), SC_ENOMEM. */
int mapping_account_map_load(struct account_map **out, const char *path,
                             struct sc_error *err);

/* The same from a NUL-terminated text; `path` is only used in messages
 * (NULL: "account map"). */
int mapping_account_map_load_string(struct account_map **out, const char *text,
                                    const char *path, struct sc_error *err);

/* NULL-safe. */
void mapping_account_map_free(struct account_map *m);

/* The file name given at load ("built-in Amazon map" for the built-in one),
 * borrowed. */
const char *mapping_account_map_path(const struct account_map *m);

/* The [bank] account (always set), borrowed. */
const char *mapping_account_map_bank(const struct account_map *m);

/* The [suspense] account, borrowed; NULL when not configured. */
const char *mapping_account_map_suspense(const struct account_map *m);

/* The account of category `c` ([category NAME] account), borrowed. */
const char *mapping_account_map_category_account(const struct account_map *m,
                                                 enum account_category c);

/* Classify one row. On 0, *category, *account (borrowed from the map) and
 * *rule_line (the line of the deciding `rule`) are set. When no rule fits:
 * with a [suspense] account, 0 with category ACCOUNT_CAT_ADJUSTMENTS, the
 * suspense account and the line of its `account` key (compare *account
 * with mapping_account_map_suspense() to tell); without one, SC_ENOTFOUND
 * and the outputs untouched. NULL strings count as "". Any output pointer
 * may be NULL. No allocation. */
int mapping_account_lookup(const struct account_map *m, const char *transaction_type,
                           const char *amount_type, const char *description,
                           enum account_category *category, const char **account,
                           int *rule_line);

/* Append, for people (`connector mapping check`): the file, the category,
 * bank and suspense accounts, and the rules in order with their lines.
 * 0 or a buf error (SC_ENOSPACE, SC_ENOMEM). */
int mapping_account_map_describe(const struct account_map *m, struct buf *out);

#endif
