/*
 * refund_rules.h: which ERP transaction a marketplace refund becomes, and
 * which ERP transactions go back to the marketplace as refunds.
 *
 * The rules file (format: mapping/README.md) is INI, parsed with inih. It is
 * read once by mapping_refund_rules_load*(), checked against the names the
 * adapters accept (struct mapping_vocab), and copied: the result depends on
 * neither the text nor the vocabulary afterwards. Lookups, explanations and
 * the check are pure: no I/O, and mapping_refund_lookup() and
 * mapping_refund_reverse() do no allocation either.
 *
 * Every load error is SC_EINVALID with one line "FILE:LINE: message" that
 * names the valid names (a section missing from the whole file is reported
 * at the file's last line). Only the first error of a file is reported.
 *
 * Matching: rules are tried in file order and the first whose conditions
 * all hold decides; when none does, [default] for the type the order was
 * posted as decides. A condition that is absent, or `*`, holds for any
 * value. `kind` compares refund_kind_name(kind); `reason` compares the
 * marketplace reason code exactly (case-sensitive), and a refund without a
 * reason code (NULL or "") satisfies only an absent or `*` reason;
 * `posted_as` compares the ERP type the order was posted as.
 */
#ifndef SC_REFUND_RULES_H
#define SC_REFUND_RULES_H

#include "connector/buf.h"
#include "connector/error.h"
#include "connector/model.h"

struct refund_rules;

/* The names the adapters accept: borrowed for the duration of the load only.
 * Lists are NULL-terminated. order_types and refund_types are required;
 * refund_paths NULL means "any refund type from any order type"; reasons
 * NULL means "any reason code". At most 32 order types. */
struct mapping_vocab {
	const char *erp_name;               /* "NetSuite", for messages (NULL: "the ERP") */
	const char *const *order_types;     /* erp_ops.order_types */
	const char *const *refund_types;    /* erp_ops.refund_types */
	const char *const *refund_paths;    /* erp_ops.refund_paths, "postedAs>type" */
	const char *marketplace_name;       /* "Amazon" (NULL: "the marketplace") */
	const char *const *reasons;         /* marketplace_ops.refund_reasons */
};

/* Read and check the rules file `path`. On success *out owns the rules
 * (mapping_refund_rules_free). On error *out is NULL and: SC_ENOTFOUND when
 * the file cannot be opened, SC_EINVALID "FILE:LINE: ..." when it is wrong
 * (or larger than 1 MiB, or holds a NUL byte), SC_ENOMEM. */
int mapping_refund_rules_load(struct refund_rules **out, const char *path,
                              const struct mapping_vocab *v, struct sc_error *err);

/* The same from a NUL-terminated text; `path` is only used in messages. */
int mapping_refund_rules_load_string(struct refund_rules **out, const char *text,
                                     const char *path, const struct mapping_vocab *v,
                                     struct sc_error *err);

/* NULL-safe. */
void mapping_refund_rules_free(struct refund_rules *r);

/* The file name given at load (borrowed). */
const char *mapping_refund_rules_path(const struct refund_rules *r);

/* A marketplace refund to decide for. */
struct refund_rule_input {
	enum refund_kind kind;
	const char *reason;      /* marketplace reason code; NULL or "" when none */
	const char *posted_as;   /* the ERP type the order was posted as */
};

/* The decision. Strings are borrowed from the rules. */
struct refund_rule_match {
	const char *create;      /* the ERP type to create */
	const char *rule;        /* "rule NAME", or "default" */
	int line;                /* the rule's [rule NAME] line, or the [default] key's */
};

/* Decide for `in` and fill *out. Always decides (the default covers every
 * order type): 0, or SC_EINVALID (err says why) only when in->posted_as is
 * NULL or not an order type of the vocabulary. No allocation. */
int mapping_refund_lookup(const struct refund_rules *r, const struct refund_rule_input *in,
                          struct refund_rule_match *out, struct sc_error *err);

/* Append to `out`, for people: the refund, every rule in order with each of
 * its conditions held / not held, and the decision (the first matching rule,
 * or the default). 0; SC_EINVALID (and a line saying why) when posted_as is
 * not an order type; a buf error (SC_ENOSPACE, SC_ENOMEM). */
int mapping_refund_explain(const struct refund_rules *r, const struct refund_rule_input *in,
                           struct buf *out);

/* The reason code an ERP transaction of type `erp_type` made by a person
 * carries back to the marketplace ([to_marketplace]), borrowed; NULL when
 * that type does not go back. No allocation. */
const char *mapping_refund_reverse(const struct refund_rules *r, const char *erp_type);

/* Append one line "FILE:LINE: warning: ..." per rule that can never match
 * because an earlier rule matches every refund it would. Returns the number
 * of warnings (>= 0), or a buf error. */
int mapping_refund_rules_check(const struct refund_rules *r, struct buf *out);

/* Append the rules in order, the defaults and the types going back, for
 * `connector mapping check`. 0 or a buf error. */
int mapping_refund_rules_describe(const struct refund_rules *r, struct buf *out);

#endif
