/*
 * refund_rules.c: loading and checking a refund rules file (refund_rules.h).
 *
 * inih (as Debian builds it) passes no line numbers to the handler, strips
 * only `;` inline comments, and never tells the handler about a section
 * that has no keys. So the text goes through mapping_ini_read()
 * (ini_reader.h), which counts lines, strips `#` and `;` inline comments
 * (after a blank), and reports section headers itself: when it reads a
 * header this file first checks the section that ends there, so errors come
 * in file order. It mirrors inih's rule for continuation lines (an indented
 * line after a key continues that key), which lets a long list go on over
 * several lines. What each key may say is checked in refund_rules_keys.c.
 */
#include "mapping/refund_rules_int.h"
#include "mapping/ini_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RR_FILE_MAX (1024 * 1024)

static int
fail(struct rr_parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct rr_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mapping__rr_vfail(p, line, fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- sections ----------------------------------------------------------- */

/* The section being read ends (also the reader's end callback). */
static void
section_end(void *ctx)
{
	struct rr_parse *p = ctx;

	if (p->sec == RR_SEC_RULE)
		mapping__rr_rule_end(p);
	else if (p->sec == RR_SEC_DEFAULT)
		mapping__rr_default_end(p);
	p->sec = RR_SEC_NONE;
}

static void
cond_init(struct rr_cond *c)
{
	memset(c, 0, sizeof(*c));
	c->any = 1;
}

static void
rule_begin(struct rr_parse *p, const char *name)
{
	struct refund_rules *r = p->r;
	struct rr_rule *ru;
	size_t i, len;

	if (name[0] == '\0') {
		fail(p, p->lineno, "[rule] needs a name: [rule NAME]");
		return;
	}
	for (i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].name, name) == 0) {
			fail(p, p->lineno,
			    "[rule %s] is given twice (first at line %d); rule names must be unique",
			    name, r->rules[i].line);
			return;
		}
	if (r->nrules == r->rulealloc) {
		size_t na = r->rulealloc ? r->rulealloc * 2 : 8;
		struct rr_rule *nr = realloc(r->rules, na * sizeof(*nr));

		if (nr == NULL) {
			mapping__rr_oom(p);
			return;
		}
		r->rules = nr;
		r->rulealloc = na;
	}
	ru = &r->rules[r->nrules];
	memset(ru, 0, sizeof(*ru));
	cond_init(&ru->kind);
	cond_init(&ru->reason);
	cond_init(&ru->posted);
	ru->line = p->lineno;
	len = strlen(name);
	ru->name = strdup(name);
	if ((ru->label = malloc(len + 6)) != NULL) {
		memcpy(ru->label, "rule ", 5);
		memcpy(ru->label + 5, name, len + 1);
	}
	r->nrules++;           /* counted now, so free() sees it either way */
	if (ru->name == NULL || ru->label == NULL) {
		mapping__rr_oom(p);
		return;
	}
	p->sec = RR_SEC_RULE;
}

/* A header `[NAME]` (NAME trimmed) on the current line (the reader's
 * section callback). */
static void
section_begin(void *ctx, const char *name)
{
	struct rr_parse *p = ctx;
	struct refund_rules *r = p->r;

	section_end(p);
	if (p->failed)
		return;
	if (strncmp(name, "rule", 4) == 0 && (name[4] == '\0' || mapping__rr_is_blank(name[4]))) {
		name += 4;
		while (mapping__rr_is_blank(*name))
			name++;
		rule_begin(p, name);
	} else if (strcmp(name, "default") == 0) {
		if (r->default_line != 0) {
			fail(p, p->lineno, "[default] is given twice (first at line %d)",
			     r->default_line);
			return;
		}
		r->default_line = p->lineno;
		p->sec = RR_SEC_DEFAULT;
	} else if (strcmp(name, "to_marketplace") == 0) {
		if (r->back_line != 0) {
			fail(p, p->lineno, "[to_marketplace] is given twice (first at line %d)",
			     r->back_line);
			return;
		}
		r->back_line = p->lineno;
		p->sec = RR_SEC_BACK;
	} else {
		fail(p, p->lineno,
		     "unknown section [%s] (valid: [rule NAME], [default], [to_marketplace])",
		     name);
	}
}

/* ---- reader callbacks (ini_reader.h) ----------------------------------- */

static void
cb_fail(void *ctx, int line, const char *msg)
{
	fail(ctx, line, "%s", msg);
}

static void
cb_key(void *ctx, const char *name, const char *value, int cont)
{
	struct rr_parse *p = ctx;

	p->line_cont = cont;
	switch (p->sec) {
	case RR_SEC_RULE:
		mapping__rr_rule_key(p, name, value);
		break;
	case RR_SEC_DEFAULT:
		mapping__rr_default_key(p, name, value);
		break;
	case RR_SEC_BACK:
		mapping__rr_back_key(p, name, value);
		break;
	case RR_SEC_NONE:
		fail(p, p->lineno,
		     "`%s` is outside any section (start with [rule NAME], [default] or "
		     "[to_marketplace])", name);
		break;
	}
	if (!p->line_cont)
		snprintf(p->prev_key, sizeof(p->prev_key), "%s", name);
}

static const struct mapping_ini_ops rr_ini_ops = {
	.fail = cb_fail,
	.section = section_begin,
	.content = NULL,
	.key = cb_key,
	.end = section_end,
};

/* ---- load --------------------------------------------------------------- */

static int
rules_new(struct refund_rules **out, const char *path, const struct mapping_vocab *v,
          struct sc_error *err)
{
	struct refund_rules *r = NULL;
	size_t i, n = 0;

	*out = NULL;
	if (v == NULL || v->order_types == NULL || v->refund_types == NULL)
		return sc_error_set(err, SC_EINVALID,
		                    "%s: the ERP adapter names no order or refund types", path);
	while (v->order_types[n] != NULL)
		n++;
	if (n == 0 || n > RR_MAX_ORDER_TYPES)
		return sc_error_set(err, SC_EINVALID, "%s: the ERP adapter names %zu order types",
		                    path, n);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->path = strdup(path);
	r->erp_name = strdup(v->erp_name != NULL ? v->erp_name : "ERP");
	r->mkt_name = strdup(v->marketplace_name != NULL ? v->marketplace_name : "marketplace");
	r->order_types = calloc(n, sizeof(*r->order_types));
	r->defaults = calloc(n, sizeof(*r->defaults));
	if (r->path == NULL || r->erp_name == NULL || r->mkt_name == NULL ||
	    r->order_types == NULL || r->defaults == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((r->order_types[i] = strdup(v->order_types[i])) == NULL)
			goto nomem;
		r->norder++;
	}
	*out = r;
	return 0;
nomem:
	mapping_refund_rules_free(r);
	return sc_error_set(err, SC_ENOMEM, "%s: out of memory", path);
}

int
mapping_refund_rules_load_string(struct refund_rules **out, const char *text,
                                 const char *path, const struct mapping_vocab *v,
                                 struct sc_error *err)
{
	struct refund_rules *r = NULL;
	struct rr_parse p;
	struct mapping_ini_reader rd;
	int rc;

	*out = NULL;
	if (path == NULL)
		path = "refund rules";
	if (text == NULL)
		return sc_error_set(err, SC_EINVALID, "%s: no text", path);
	if ((rc = rules_new(&r, path, v, err)) < 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.v = v;
	p.err = err;
	memset(&rd, 0, sizeof(rd));
	rd.ops = &rr_ini_ops;
	rd.ctx = &p;
	rd.text = text;
	rd.lineno_out = &p.lineno;
	rd.last_line_out = &r->last_line;
	rd.failed = &p.failed;
	rd.fail_line = &p.fail_line;
	rd.name_max = RR_NAME_MAX;
	rc = mapping_ini_read(&rd);
	if (rc > 0) {
		p.failed = 0;
		fail(&p, rc, "%s", MAPPING_INI_SYNTAX_ERROR);
	} else if (rc < 0) {
		p.code = sc_error_set(err, SC_ENOMEM, "%s: out of memory", path);
		p.failed = 1;
	} else if (!p.failed && r->default_line == 0) {
		char list[RR_LIST_MAX];

		mapping__rr_join(list, sizeof(list), v->order_types);
		fail(&p, p.lineno > 0 ? p.lineno : 1,
		     "no [default] section (required: what to create when no rule matches, "
		     "one key per %s order type: %s)", r->erp_name, list);
	}
	if (p.failed) {
		mapping_refund_rules_free(r);
		return p.code < 0 ? p.code : SC_EINVALID;
	}
	*out = r;
	return 0;
}

int
mapping_refund_rules_load(struct refund_rules **out, const char *path,
                          const struct mapping_vocab *v, struct sc_error *err)
{
	char *text = NULL;
	int rc;

	*out = NULL;
	if ((rc = mapping_ini_file_read(&text, path, RR_FILE_MAX, err)) < 0)
		return rc;
	rc = mapping_refund_rules_load_string(out, text, path, v, err);
	free(text);
	return rc;
}

static void
cond_free(struct rr_cond *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
}

void
mapping_refund_rules_free(struct refund_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++) {
		free(r->rules[i].name);
		free(r->rules[i].label);
		free(r->rules[i].create);
		cond_free(&r->rules[i].kind);
		cond_free(&r->rules[i].reason);
		cond_free(&r->rules[i].posted);
	}
	free(r->rules);
	for (i = 0; i < r->norder; i++) {
		free(r->order_types[i]);
		if (r->defaults != NULL)
			free(r->defaults[i].create);
	}
	free(r->order_types);
	free(r->defaults);
	for (i = 0; i < r->nback; i++) {
		free(r->back[i].erp_type);
		free(r->back[i].reason);
	}
	free(r->back);
	free(r->erp_name);
	free(r->mkt_name);
	free(r->path);
	free(r);
}

const char *
mapping_refund_rules_path(const struct refund_rules *r)
{
	return r != NULL ? r->path : NULL;
}
