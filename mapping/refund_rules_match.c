/*
 * refund_rules_match.c: deciding with loaded refund rules, explaining the
 * decision, and describing and checking the rules (refund_rules.h).
 * Nothing here reads a file; lookup and reverse allocate nothing.
 */
#include "mapping/refund_rules_int.h"

#include <stdio.h>
#include <string.h>

/* ---- matching ----------------------------------------------------------- */

static int
order_index(const struct refund_rules *r, const char *posted_as)
{
	size_t i;

	for (i = 0; posted_as != NULL && i < r->norder; i++)
		if (strcmp(r->order_types[i], posted_as) == 0)
			return (int)i;
	return -1;
}

/* The bit of the refund's kind, matched by name; 0 for a kind without one. */
static uint32_t
kind_bit(enum refund_kind kind)
{
	enum refund_kind k;

	if (refund_kind_parse(refund_kind_name(kind), &k) != 0)
		return 0;
	return 1u << (unsigned)k;
}

static int
cond_has(const struct rr_cond *c, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < c->n; i++)
		if (strcmp(c->names[i], name) == 0)
			return 1;
	return 0;
}

static int
kind_holds(const struct rr_rule *ru, const struct refund_rule_input *in)
{
	return ru->kind.any || (ru->kind.mask & kind_bit(in->kind)) != 0;
}

static int
reason_holds(const struct rr_rule *ru, const struct refund_rule_input *in)
{
	if (ru->reason.any)
		return 1;
	return in->reason != NULL && in->reason[0] != '\0' && cond_has(&ru->reason, in->reason);
}

static int
posted_holds(const struct rr_rule *ru, int idx)
{
	return ru->posted.any || (ru->posted.mask & (1u << (unsigned)idx)) != 0;
}

static int
rule_matches(const struct rr_rule *ru, const struct refund_rule_input *in, int idx)
{
	return kind_holds(ru, in) && reason_holds(ru, in) && posted_holds(ru, idx);
}

static void
order_list(char *out, size_t n, const struct refund_rules *r)
{
	size_t i, o = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < r->norder; i++) {
		w = snprintf(out + o, n - o, "%s%s", o ? ", " : "", r->order_types[i]);
		if (w < 0 || (size_t)w >= n - o)
			return;
		o += (size_t)w;
	}
}

int
mapping_refund_lookup(const struct refund_rules *r, const struct refund_rule_input *in,
                      struct refund_rule_match *out, struct sc_error *err)
{
	char list[400];
	size_t i;
	int idx;

	out->create = NULL;
	out->rule = NULL;
	out->line = 0;
	if ((idx = order_index(r, in->posted_as)) < 0) {
		order_list(list, sizeof(list), r);
		return sc_error_set(err, SC_EINVALID,
		    "the order was posted as `%s`, which is not a %s order type (valid: %s)",
		    in->posted_as != NULL ? in->posted_as : "(nothing)", r->erp_name, list);
	}
	for (i = 0; i < r->nrules; i++) {
		if (rule_matches(&r->rules[i], in, idx)) {
			out->create = r->rules[i].create;
			out->rule = r->rules[i].label;
			out->line = r->rules[i].line;
			return 0;
		}
	}
	out->create = r->defaults[idx].create;
	out->rule = "default";
	out->line = r->defaults[idx].line;
	return 0;
}

const char *
mapping_refund_reverse(const struct refund_rules *r, const char *erp_type)
{
	size_t i;

	if (r == NULL || erp_type == NULL)
		return NULL;
	for (i = 0; i < r->nback; i++)
		if (strcmp(r->back[i].erp_type, erp_type) == 0)
			return r->back[i].reason;
	return NULL;
}

/* ---- text --------------------------------------------------------------- */

static int
cond_print(struct buf *out, const struct rr_cond *c)
{
	size_t i;
	int rc = 0;

	if (c->star)
		return buf_puts(out, "*");
	for (i = 0; i < c->n && rc == 0; i++)
		rc = buf_printf(out, "%s%s", i ? ", " : "", c->names[i]);
	return rc;
}

/* "    kind = return, refund: holds", or why it does not hold. */
static int
cond_explain(struct buf *out, const char *key, const struct rr_cond *c, int held,
             const char *because)
{
	int rc;

	if (c->line == 0)
		return buf_printf(out, "    %s: not set, holds for any\n", key);
	if ((rc = buf_printf(out, "    %s = ", key)) < 0 || (rc = cond_print(out, c)) < 0)
		return rc;
	if (held)
		return buf_puts(out, ": holds\n");
	return buf_printf(out, ": does not hold (%s)\n", because);
}

static const char *
or_none(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "(none)";
}

int
mapping_refund_explain(const struct refund_rules *r, const struct refund_rule_input *in,
                       struct buf *out)
{
	const struct rr_rule *decided = NULL;
	char list[400], why_kind[64], why_reason[300], why_posted[300];
	size_t i;
	int idx, rc;

	if ((rc = buf_printf(out, "Refund: kind %s, reason %s, order posted as %s\n",
	                     refund_kind_name(in->kind), or_none(in->reason),
	                     or_none(in->posted_as))) < 0)
		return rc;
	if ((idx = order_index(r, in->posted_as)) < 0) {
		order_list(list, sizeof(list), r);
		if ((rc = buf_printf(out, "Cannot decide: `%s` is not a %s order type "
		                     "(valid: %s)\n", or_none(in->posted_as), r->erp_name,
		                     list)) < 0)
			return rc;
		return SC_EINVALID;
	}
	snprintf(why_kind, sizeof(why_kind), "this refund is %s %s",
	         mapping__rr_article(refund_kind_name(in->kind)), refund_kind_name(in->kind));
	if (in->reason == NULL || in->reason[0] == '\0')
		snprintf(why_reason, sizeof(why_reason), "this refund has no reason code");
	else
		snprintf(why_reason, sizeof(why_reason), "its reason is %s", in->reason);
	snprintf(why_posted, sizeof(why_posted), "the order was posted as %s", in->posted_as);
	if (r->nrules == 0 && (rc = buf_puts(out, "No rules: the default decides.\n")) < 0)
		return rc;
	for (i = 0; i < r->nrules; i++) {
		const struct rr_rule *ru = &r->rules[i];
		int k = kind_holds(ru, in), re = reason_holds(ru, in), po = posted_holds(ru, idx);
		const char *verdict;

		if (!(k && re && po))
			verdict = "does not match";
		else if (decided == NULL)
			verdict = "MATCHES: this rule decides";
		else
			verdict = "would match, but an earlier rule decided";
		if ((rc = buf_printf(out, "rule \"%s\" (line %d): %s\n", ru->name, ru->line,
		                     verdict)) < 0 ||
		    (rc = cond_explain(out, "kind", &ru->kind, k, why_kind)) < 0 ||
		    (rc = cond_explain(out, "reason", &ru->reason, re, why_reason)) < 0 ||
		    (rc = cond_explain(out, "posted_as", &ru->posted, po, why_posted)) < 0)
			return rc;
		if (k && re && po && decided == NULL)
			decided = ru;
	}
	if (decided != NULL)
		return buf_printf(out, "Decision: create %s (rule \"%s\", line %d)\n",
		                  decided->create, decided->name, decided->line);
	return buf_printf(out, "Decision: no rule matched; create %s ([default] %s, line %d)\n",
	                  r->defaults[idx].create, r->order_types[idx],
	                  r->defaults[idx].line);
}

/* ---- check and describe ------------------------------------------------- */

/* 1 when every value `b` holds for, `a` holds for too. For kind and
 * posted_as, a list of every valid name is as good as any. */
static int
covers_mask(const struct rr_cond *a, const struct rr_cond *b, uint32_t all)
{
	uint32_t ma = a->any ? all : a->mask, mb = b->any ? all : b->mask;

	return (mb & ~ma) == 0;
}

static int
covers_names(const struct rr_cond *a, const struct rr_cond *b)
{
	size_t i;

	if (a->any)
		return 1;
	if (b->any)
		return 0;
	for (i = 0; i < b->n; i++)
		if (!cond_has(a, b->names[i]))
			return 0;
	return 1;
}

int
mapping_refund_rules_check(const struct refund_rules *r, struct buf *out)
{
	uint32_t all_orders = r->norder >= 32 ? 0xFFFFFFFFu : (1u << r->norder) - 1;
	size_t i, j;
	int rc, n = 0;

	for (j = 1; j < r->nrules; j++) {
		const struct rr_rule *b = &r->rules[j];

		for (i = 0; i < j; i++) {
			const struct rr_rule *a = &r->rules[i];

			if (!covers_mask(&a->kind, &b->kind, RR_ALL_KINDS) ||
			    !covers_names(&a->reason, &b->reason) ||
			    !covers_mask(&a->posted, &b->posted, all_orders))
				continue;
			if ((rc = buf_printf(out,
			    "%s:%d: warning: [rule %s] can never match: [rule %s] (line %d) "
			    "comes first and matches every refund it would\n",
			    r->path, b->line, b->name, a->name, a->line)) < 0)
				return rc;
			n++;
			break;
		}
	}
	return n;
}

static int
cond_describe(struct buf *out, const char *key, const struct rr_cond *c)
{
	int rc;

	if (c->line == 0 || c->star)
		return buf_printf(out, "%s any", key);
	if ((rc = buf_printf(out, "%s ", key)) < 0)
		return rc;
	return cond_print(out, c);
}

int
mapping_refund_rules_describe(const struct refund_rules *r, struct buf *out)
{
	size_t i;
	int rc;

	if ((rc = buf_printf(out, "Refund rules from %s (%s refunds into %s), first match "
	                     "wins:\n", r->path, r->mkt_name, r->erp_name)) < 0)
		return rc;
	if (r->nrules == 0 && (rc = buf_puts(out, "  (no rules: the default decides)\n")) < 0)
		return rc;
	for (i = 0; i < r->nrules; i++) {
		const struct rr_rule *ru = &r->rules[i];

		if ((rc = buf_printf(out, "  %zu. rule \"%s\" (line %d): ", i + 1, ru->name,
		                     ru->line)) < 0 ||
		    (rc = cond_describe(out, "kind", &ru->kind)) < 0 ||
		    (rc = buf_puts(out, "; ")) < 0 ||
		    (rc = cond_describe(out, "reason", &ru->reason)) < 0 ||
		    (rc = buf_puts(out, "; ")) < 0 ||
		    (rc = cond_describe(out, "posted_as", &ru->posted)) < 0 ||
		    (rc = buf_printf(out, " -> create %s\n", ru->create)) < 0)
			return rc;
	}
	if ((rc = buf_printf(out, "When no rule matches ([default], line %d):\n",
	                     r->default_line)) < 0)
		return rc;
	for (i = 0; i < r->norder; i++)
		if ((rc = buf_printf(out, "  order posted as %s -> create %s (line %d)\n",
		                     r->order_types[i], r->defaults[i].create,
		                     r->defaults[i].line)) < 0)
			return rc;
	if (r->nback == 0)
		return buf_printf(out, "Back to %s as refunds: nothing (no [to_marketplace] "
		                  "entries)\n", r->mkt_name);
	if ((rc = buf_printf(out, "Back to %s as refunds ([to_marketplace], line %d), when "
	                     "made by a person in %s:\n", r->mkt_name, r->back_line,
	                     r->erp_name)) < 0)
		return rc;
	for (i = 0; i < r->nback; i++)
		if ((rc = buf_printf(out, "  %s -> reason %s (line %d)\n", r->back[i].erp_type,
		                     r->back[i].reason, r->back[i].line)) < 0)
			return rc;
	return 0;
}
