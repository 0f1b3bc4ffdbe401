/*
 * refund_rules_keys.c: each key of a refund rules file checked against the
 * adapters' names as it is read, and each section checked when it ends
 * (refund_rules.c drives inih and calls these).
 */
#include "mapping/refund_rules_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const enum refund_kind all_kinds[] = {
	REFUND_KIND_REFUND, REFUND_KIND_RETURN, REFUND_KIND_CANCELLATION,
	REFUND_KIND_ADJUSTMENT
};
#define NKINDS (sizeof(all_kinds) / sizeof(all_kinds[0]))

/* ---- small helpers ------------------------------------------------------ */

static int
fail(struct rr_parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int
mapping__rr_vfail(struct rr_parse *p, int line, const char *fmt, va_list ap)
{
	char msg[SC_ERROR_MSG_MAX];

	if (p->failed)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	p->code = sc_error_set(p->err, SC_EINVALID, "%s:%d: %s", p->r->path, line, msg);
	p->failed = 1;
	p->fail_line = line;
	return 0;
}

static int
fail(struct rr_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mapping__rr_vfail(p, line, fmt, ap);
	va_end(ap);
	return 0;
}

int
mapping__rr_oom(struct rr_parse *p)
{
	if (p->failed)
		return 0;
	p->code = sc_error_set(p->err, SC_ENOMEM, "%s:%d: out of memory", p->r->path,
	                       p->lineno);
	p->failed = 1;
	p->fail_line = p->lineno;
	return 0;
}

static int
list_index(const char *const *list, const char *name)
{
	int i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return i;
	return -1;
}

/* "a, b, c" into out (truncated with "..." when it does not fit). */
void
mapping__rr_join(char *out, size_t n, const char *const *list)
{
	size_t o = 0;
	int w;

	out[0] = '\0';
	for (; list != NULL && *list != NULL; list++) {
		w = snprintf(out + o, n - o, "%s%s", o ? ", " : "", *list);
		if (w < 0 || (size_t)w >= n - o) {
			if (n > 4)
				memcpy(out + n - 4, "...", 4);
			return;
		}
		o += (size_t)w;
	}
}

/* Append ", name" (or "name" first) to out while it fits; *o is the length. */
static void
list_add(char *out, size_t n, size_t *o, const char *name)
{
	int w;

	if (*o >= n)
		return;
	w = snprintf(out + *o, n - *o, "%s%s", *o ? ", " : "", name);
	if (w < 0 || (size_t)w >= n - *o) {
		out[*o] = '\0';
		*o = n;
		return;
	}
	*o += (size_t)w;
}

static void
kind_names(const char *names[NKINDS + 1])
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		names[i] = refund_kind_name(all_kinds[i]);
	names[NKINDS] = NULL;
}

const char *
mapping__rr_article(const char *word)
{
	return word[0] != '\0' && strchr("aeiouAEIOU", word[0]) != NULL ? "an" : "a";
}

int
mapping__rr_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 when the ERP can make `type` from an order posted as `ot`. */
static int
path_ok(const struct mapping_vocab *v, const char *ot, const char *type)
{
	size_t lo = strlen(ot);
	const char *const *pp;

	if (v->refund_paths == NULL)
		return 1;
	for (pp = v->refund_paths; *pp != NULL; pp++)
		if (strncmp(*pp, ot, lo) == 0 && (*pp)[lo] == '>' &&
		    strcmp(*pp + lo + 1, type) == 0)
			return 1;
	return 0;
}

/* "NetSuite cannot make a creditMemo from a cashSale; from a cashSale it can
 * make cashRefund, returnAuthorization". */
static void
path_msg(char *out, size_t n, const struct refund_rules *r,
         const struct mapping_vocab *v, const char *ot, const char *type)
{
	const char *const *pp;
	size_t lo = strlen(ot);
	int o, w, any = 0;

	o = snprintf(out, n, "%s cannot make %s %s from %s %s; from %s %s it can make ",
	             r->erp_name, mapping__rr_article(type), type, mapping__rr_article(ot), ot, mapping__rr_article(ot), ot);
	if (o < 0 || (size_t)o >= n)
		return;
	for (pp = v->refund_paths; pp != NULL && *pp != NULL; pp++) {
		if (strncmp(*pp, ot, lo) != 0 || (*pp)[lo] != '>')
			continue;
		w = snprintf(out + o, n - (size_t)o, "%s%s", any ? ", " : "", *pp + lo + 1);
		if (w < 0 || (size_t)w >= n - (size_t)o)
			return;
		o += w;
		any = 1;
	}
	if (!any)
		snprintf(out + o, n - (size_t)o, "nothing");
}

/* One name: trimmed, not empty, not a list. 0, or fail() and -1. */
static int
single_name(struct rr_parse *p, const char *what, const char *value, char *out, size_t n)
{
	size_t len;

	while (mapping__rr_is_blank(*value))
		value++;
	len = strlen(value);
	while (len > 0 && mapping__rr_is_blank(value[len - 1]))
		len--;
	if (len == 0)
		return fail(p, p->lineno, "%s is empty", what), -1;
	if (memchr(value, ',', len) != NULL)
		return fail(p, p->lineno, "%s takes one name, not a list (`%s`)", what,
		            value), -1;
	if (len >= n)
		return fail(p, p->lineno, "%s: name too long", what), -1;
	memcpy(out, value, len);
	out[len] = '\0';
	return 0;
}

/* ---- [rule NAME] -------------------------------------------------------- */

static struct rr_rule *
cur_rule(struct rr_parse *p)
{
	return &p->r->rules[p->r->nrules - 1];
}

/* Add one item of a kind / reason / posted_as list. 0 or -1 (failed). */
static int
cond_item(struct rr_parse *p, struct rr_cond *c, const char *key, const char *item)
{
	struct rr_rule *ru = cur_rule(p);
	const char *kinds[NKINDS + 1];
	char list[RR_LIST_MAX];
	enum refund_kind k;
	uint32_t bit = 0;
	size_t i;
	int idx;

	if (strcmp(item, "*") == 0 || c->star) {
		if (c->n > 0 || (c->star && strcmp(item, "*") != 0))
			return fail(p, p->lineno,
			    "[rule %s] %s: `*` (any) cannot be listed with names", ru->name,
			    key), -1;
		c->any = c->star = 1;
		return 0;
	}
	if (c == &ru->kind) {
		if (refund_kind_parse(item, &k) != 0) {
			kind_names(kinds);
			mapping__rr_join(list, sizeof(list), kinds);
			return fail(p, p->lineno,
			    "[rule %s] kind: unknown kind `%s` (valid: %s, or * for any)",
			    ru->name, item, list), -1;
		}
		bit = 1u << (unsigned)k;
	} else if (c == &ru->reason) {
		if (p->v->reasons != NULL && list_index(p->v->reasons, item) < 0) {
			mapping__rr_join(list, sizeof(list), p->v->reasons);
			return fail(p, p->lineno,
			    "[rule %s] reason: unknown %s reason code `%s` (valid: %s, or * for any)",
			    ru->name, p->r->mkt_name, item, list), -1;
		}
	} else {
		if ((idx = list_index(p->v->order_types, item)) < 0) {
			mapping__rr_join(list, sizeof(list), p->v->order_types);
			return fail(p, p->lineno,
			    "[rule %s] posted_as: unknown %s order type `%s` (valid: %s, or * for any)",
			    ru->name, p->r->erp_name, item, list), -1;
		}
		bit = 1u << (unsigned)idx;
	}
	for (i = 0; i < c->n; i++)
		if (strcmp(c->names[i], item) == 0)
			return 0;
	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 4;
		char **nn = realloc(c->names, na * sizeof(*nn));

		if (nn == NULL)
			return mapping__rr_oom(p), -1;
		c->names = nn;
		c->alloc = na;
	}
	if ((c->names[c->n] = strdup(item)) == NULL)
		return mapping__rr_oom(p), -1;
	c->n++;
	c->mask |= bit;
	return 0;
}

/* Every comma-separated item of value: the number added, or -1. */
static int
cond_add(struct rr_parse *p, struct rr_cond *c, const char *key, const char *value)
{
	const char *s = value;
	char item[RR_NAME_MAX];
	int added = 0;

	while (*s != '\0') {
		const char *e = strchr(s, ',');
		size_t len;

		if (e == NULL)
			e = s + strlen(s);
		while (s < e && mapping__rr_is_blank(*s))
			s++;
		len = (size_t)(e - s);
		while (len > 0 && mapping__rr_is_blank(s[len - 1]))
			len--;
		if (len >= sizeof(item))
			return fail(p, p->lineno, "[rule %s] %s: name too long",
			            cur_rule(p)->name, key), -1;
		if (len > 0) {
			memcpy(item, s, len);
			item[len] = '\0';
			if (cond_item(p, c, key, item) < 0)
				return -1;
			added++;
		}
		s = *e != '\0' ? e + 1 : e;
	}
	return added;
}

int
mapping__rr_rule_key(struct rr_parse *p, const char *name, const char *value)
{
	struct rr_rule *ru = cur_rule(p);
	struct rr_cond *c = NULL;
	char type[RR_NAME_MAX], list[RR_LIST_MAX], what[RR_NAME_MAX + 32];
	int n;

	if (p->line_cont)
		name = p->prev_key;
	if (strcmp(name, "kind") == 0) {
		c = &ru->kind;
	} else if (strcmp(name, "reason") == 0) {
		c = &ru->reason;
	} else if (strcmp(name, "posted_as") == 0) {
		c = &ru->posted;
	} else if (strcmp(name, "create") == 0) {
		if (p->line_cont)
			return fail(p, p->lineno,
			    "[rule %s] this indented line continues `create`, which takes one "
			    "name (start every key at the beginning of its line)", ru->name);
		if (ru->create != NULL)
			return fail(p, p->lineno, "[rule %s] create is given twice (first at line %d)",
			            ru->name, ru->create_line);
		snprintf(what, sizeof(what), "[rule %s] create", ru->name);
		if (single_name(p, what, value, type, sizeof(type)) < 0)
			return 0;
		if (list_index(p->v->refund_types, type) < 0) {
			mapping__rr_join(list, sizeof(list), p->v->refund_types);
			return fail(p, p->lineno,
			    "[rule %s] create: unknown %s refund type `%s` (valid: %s)",
			    ru->name, p->r->erp_name, type, list);
		}
		if ((ru->create = strdup(type)) == NULL)
			return mapping__rr_oom(p);
		ru->create_line = p->lineno;
		return 1;
	} else {
		return fail(p, p->lineno,
		    "[rule %s] unknown key `%s` (valid: kind, reason, posted_as, create)",
		    ru->name, name);
	}
	if (p->line_cont && strpbrk(value, "=:") != NULL)
		return fail(p, p->lineno,
		    "[rule %s] this indented line continues `%s` but looks like a key (start "
		    "every key at the beginning of its line)", ru->name, name);
	if (!p->line_cont) {
		if (c->line != 0)
			return fail(p, p->lineno, "[rule %s] %s is given twice (first at line %d)",
			            ru->name, name, c->line);
		c->line = p->lineno;
		c->any = 0;
	}
	if ((n = cond_add(p, c, name, value)) < 0)
		return 0;
	if (!p->line_cont && n == 0)
		return fail(p, p->lineno,
		    "[rule %s] %s is empty (write * for any, or leave the key out)",
		    ru->name, name);
	return 1;
}

/* The rule ends: it needs `create`, makeable from every type it applies to. */
int
mapping__rr_rule_end(struct rr_parse *p)
{
	const struct refund_rules *r = p->r;
	struct rr_rule *ru = cur_rule(p);
	char list[RR_LIST_MAX], msg[SC_ERROR_MSG_MAX], can[RR_LIST_MAX];
	size_t i, j, o = 0;

	if (ru->create == NULL) {
		mapping__rr_join(list, sizeof(list), p->v->refund_types);
		return fail(p, ru->line,
		    "[rule %s] has no `create` (the %s type to make: %s)", ru->name,
		    r->erp_name, list);
	}
	for (i = 0; i < r->norder; i++) {
		if (!(ru->posted.any || (ru->posted.mask & (1u << i))))
			continue;
		if (path_ok(p->v, r->order_types[i], ru->create))
			continue;
		path_msg(msg, sizeof(msg), r, p->v, r->order_types[i], ru->create);
		if (!ru->posted.any)
			return fail(p, ru->create_line, "[rule %s] create: %s", ru->name, msg);
		can[0] = '\0';
		for (j = 0; j < r->norder; j++)
			if (path_ok(p->v, r->order_types[j], ru->create))
				list_add(can, sizeof(can), &o, r->order_types[j]);
		if (o == 0)
			return fail(p, ru->create_line,
			    "[rule %s] create: %s (and no order type can make %s %s)", ru->name,
			    msg, mapping__rr_article(ru->create), ru->create);
		return fail(p, ru->create_line,
		    "[rule %s] create: %s (%s, so it applies to every order type; limit it "
		    "with posted_as = %s)", ru->name, msg,
		    ru->posted.star ? "the rule says posted_as = *" : "the rule has no posted_as",
		    can);
	}
	return 1;
}

/* ---- [default] and [to_marketplace] ------------------------------------- */

int
mapping__rr_default_key(struct rr_parse *p, const char *name, const char *value)
{
	struct refund_rules *r = p->r;
	char type[RR_NAME_MAX], list[RR_LIST_MAX], msg[SC_ERROR_MSG_MAX],
	     what[RR_NAME_MAX + 32];
	int i;

	if (p->line_cont)
		return fail(p, p->lineno,
		    "[default] this indented line continues `%s`, which takes one name "
		    "(start every key at the beginning of its line)", p->prev_key);
	if ((i = list_index(p->v->order_types, name)) < 0) {
		mapping__rr_join(list, sizeof(list), p->v->order_types);
		return fail(p, p->lineno,
		    "[default] unknown %s order type `%s` (one key per order type: %s)",
		    r->erp_name, name, list);
	}
	if (r->defaults[i].create != NULL)
		return fail(p, p->lineno, "[default] %s is given twice (first at line %d)",
		            name, r->defaults[i].line);
	snprintf(what, sizeof(what), "[default] %s", name);
	if (single_name(p, what, value, type, sizeof(type)) < 0)
		return 0;
	if (list_index(p->v->refund_types, type) < 0) {
		mapping__rr_join(list, sizeof(list), p->v->refund_types);
		return fail(p, p->lineno, "[default] %s: unknown %s refund type `%s` (valid: %s)",
		            name, r->erp_name, type, list);
	}
	if (!path_ok(p->v, name, type)) {
		path_msg(msg, sizeof(msg), r, p->v, name, type);
		return fail(p, p->lineno, "[default] %s: %s", name, msg);
	}
	if ((r->defaults[i].create = strdup(type)) == NULL)
		return mapping__rr_oom(p);
	r->defaults[i].line = p->lineno;
	return 1;
}

int
mapping__rr_default_end(struct rr_parse *p)
{
	const struct refund_rules *r = p->r;
	char missing[RR_LIST_MAX], list[RR_LIST_MAX];
	size_t i, o = 0;

	missing[0] = '\0';
	for (i = 0; i < r->norder; i++)
		if (r->defaults[i].create == NULL)
			list_add(missing, sizeof(missing), &o, r->order_types[i]);
	if (o == 0)
		return 1;
	mapping__rr_join(list, sizeof(list), p->v->order_types);
	return fail(p, r->default_line,
	    "[default] missing %s (one key per %s order type: %s)", missing,
	    r->erp_name, list);
}

int
mapping__rr_back_key(struct rr_parse *p, const char *name, const char *value)
{
	struct refund_rules *r = p->r;
	char reason[RR_NAME_MAX], list[RR_LIST_MAX], what[RR_NAME_MAX + 32];
	struct rr_back *b;
	size_t i;

	if (p->line_cont)
		return fail(p, p->lineno,
		    "[to_marketplace] this indented line continues `%s`, which takes one "
		    "name (start every key at the beginning of its line)", p->prev_key);
	if (list_index(p->v->refund_types, name) < 0) {
		mapping__rr_join(list, sizeof(list), p->v->refund_types);
		return fail(p, p->lineno,
		    "[to_marketplace] unknown %s refund type `%s` (valid: %s)",
		    r->erp_name, name, list);
	}
	for (i = 0; i < r->nback; i++)
		if (strcmp(r->back[i].erp_type, name) == 0)
			return fail(p, p->lineno,
			    "[to_marketplace] %s is given twice (first at line %d)", name,
			    r->back[i].line);
	snprintf(what, sizeof(what), "[to_marketplace] %s", name);
	if (single_name(p, what, value, reason, sizeof(reason)) < 0)
		return 0;
	if (p->v->reasons != NULL && list_index(p->v->reasons, reason) < 0) {
		mapping__rr_join(list, sizeof(list), p->v->reasons);
		return fail(p, p->lineno,
		    "[to_marketplace] %s: unknown %s reason code `%s` (valid: %s)", name,
		    r->mkt_name, reason, list);
	}
	if (r->nback == r->backalloc) {
		size_t na = r->backalloc ? r->backalloc * 2 : 4;
		struct rr_back *nb = realloc(r->back, na * sizeof(*nb));

		if (nb == NULL)
			return mapping__rr_oom(p);
		r->back = nb;
		r->backalloc = na;
	}
	b = &r->back[r->nback];
	b->erp_type = strdup(name);
	b->reason = strdup(reason);
	b->line = p->lineno;
	if (b->erp_type == NULL || b->reason == NULL) {
		free(b->erp_type);
		free(b->reason);
		return mapping__rr_oom(p);
	}
	r->nback++;
	return 1;
}

