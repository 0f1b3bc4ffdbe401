/*
 * account_map.c: loading and checking a settlement account map
 * (account_map.h; the format is in mapping/README.md).
 *
 * As in refund_rules.c: inih (as Debian builds it) passes no line numbers
 * to the handler, strips only `;` inline comments and never reports a
 * section without keys, so the text goes through mapping_ini_read()
 * (ini_reader.h), which counts lines, cuts `#` and `;` inline comments
 * (after a blank) and reports section headers itself; when it reads a
 * header this file first checks the section that ends there, so errors come
 * in file order. An indented line after a key (inih's continuation line) is
 * an error here: no key of this file spans lines. The text of one `rule` is
 * parsed in account_map_rules.c.
 */
#include "mapping/account_map_int.h"
#include "mapping/ini_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AM_FILE_MAX (1024 * 1024)
#define AM_SECTIONS "[category charges], [category refunds], [category fees], " \
	"[category adjustments], [bank], [suspense], [match]"

enum am_sec { AM_SEC_NONE = 0, AM_SEC_CATEGORY, AM_SEC_BANK, AM_SEC_SUSPENSE, AM_SEC_MATCH };

struct am_parse {
	struct account_map *m;
	int lineno;
	enum am_sec sec;
	enum account_category cat;   /* of AM_SEC_CATEGORY */
	int sec_lines;          /* lines other than blanks and comments in it */
	int failed;             /* the first error is in err; nothing more is read */
	int fail_line;
	int code;
	struct sc_error *err;
};

static int
fail(struct am_parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct am_parse *p, int line, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	if (p->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->code = sc_error_set(p->err, SC_EINVALID, "%s:%d: %s", p->m->path, line, msg);
	p->failed = 1;
	p->fail_line = line;
	return 0;
}

static int
oom(struct am_parse *p)
{
	if (p->failed)
		return 0;
	p->code = sc_error_set(p->err, SC_ENOMEM, "%s:%d: out of memory", p->m->path,
	                       p->lineno);
	p->failed = 1;
	p->fail_line = p->lineno;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* The section being read, for messages: "[category fees]", "[bank]". */
static void
section_label(const struct am_parse *p, char *out, size_t n)
{
	switch (p->sec) {
	case AM_SEC_CATEGORY:
		snprintf(out, n, "[category %s]", mapping_account_category_name(p->cat));
		break;
	case AM_SEC_BANK:
		snprintf(out, n, "[bank]");
		break;
	case AM_SEC_SUSPENSE:
		snprintf(out, n, "[suspense]");
		break;
	case AM_SEC_MATCH:
		snprintf(out, n, "[match]");
		break;
	case AM_SEC_NONE:
		snprintf(out, n, "(no section)");
		break;
	}
}

static struct am_account *
section_account(struct am_parse *p)
{
	switch (p->sec) {
	case AM_SEC_CATEGORY:
		return &p->m->cat[p->cat];
	case AM_SEC_BANK:
		return &p->m->bank;
	case AM_SEC_SUSPENSE:
		return &p->m->suspense;
	case AM_SEC_MATCH:
	case AM_SEC_NONE:
		break;
	}
	return NULL;
}

/* ---- sections ----------------------------------------------------------- */

/* The section being read ends (also the reader's end callback). */
static void
section_end(void *ctx)
{
	struct am_parse *p = ctx;
	struct am_account *a = section_account(p);
	char label[64];

	section_label(p, label, sizeof(label));
	/* With lines in it, each line set its key, failed, or is a syntax error
	 * inih reports: only an empty section lacks what it needs. */
	if (p->sec_lines == 0 && a != NULL && a->account == NULL)
		fail(p, a->section_line, "%s has no `account` (required: the ERP account, "
		     "its id or number)", label);
	else if (p->sec_lines == 0 && p->sec == AM_SEC_MATCH && p->m->nrules == 0)
		fail(p, p->m->match_line, "[match] has no rule (each line is " AM_RULE_SYNTAX ")");
	p->sec = AM_SEC_NONE;
}

static void
section_open(struct am_parse *p, struct am_account *a, const char *label, enum am_sec sec)
{
	if (a->section_line != 0) {
		fail(p, p->lineno, "%s is given twice (first at line %d)", label, a->section_line);
		return;
	}
	a->section_line = p->lineno;
	p->sec = sec;
}

/* A header `[NAME]` (NAME trimmed) on the current line (the reader's
 * section callback). */
static void
section_begin(void *ctx, const char *name)
{
	struct am_parse *p = ctx;
	struct account_map *m = p->m;
	enum account_category c;
	char label[AM_NAME_MAX + 16];

	section_end(p);
	if (p->failed)
		return;
	p->sec_lines = 0;
	if (strncmp(name, "category", 8) == 0 && (name[8] == '\0' || is_blank(name[8]))) {
		name += 8;
		while (is_blank(*name))
			name++;
		if (mapping_account_category_parse(name, &c) < 0) {
			fail(p, p->lineno, "unknown category `%s` in [category %s] (valid: charges, "
			     "refunds, fees, adjustments)", name, name);
			return;
		}
		p->cat = c;
		snprintf(label, sizeof(label), "[category %s]", name);
		section_open(p, &m->cat[c], label, AM_SEC_CATEGORY);
	} else if (strcmp(name, "bank") == 0) {
		section_open(p, &m->bank, "[bank]", AM_SEC_BANK);
	} else if (strcmp(name, "suspense") == 0) {
		section_open(p, &m->suspense, "[suspense]", AM_SEC_SUSPENSE);
	} else if (strcmp(name, "match") == 0) {
		if (m->match_line != 0) {
			fail(p, p->lineno, "[match] is given twice (first at line %d); keep all "
			     "rules in one [match], in the order they are tried", m->match_line);
			return;
		}
		m->match_line = p->lineno;
		p->sec = AM_SEC_MATCH;
	} else {
		fail(p, p->lineno, "unknown section [%s] (valid: " AM_SECTIONS ")", name);
	}
}

/* ---- keys --------------------------------------------------------------- */

static void
account_key(struct am_parse *p, const char *name, const char *value)
{
	struct am_account *a = section_account(p);
	char label[64], acct[AM_NAME_MAX], msg[256];

	section_label(p, label, sizeof(label));
	if (strcmp(name, "account") != 0) {
		fail(p, p->lineno, "unknown key `%s` in %s (valid: account)", name, label);
		return;
	}
	if (a->account != NULL) {
		fail(p, p->lineno, "`account` is given twice in %s (first at line %d)", label,
		     a->line);
		return;
	}
	if (mapping__am_account_parse(acct, sizeof(acct), value, msg, sizeof(msg)) < 0) {
		fail(p, p->lineno, "%s", msg);
		return;
	}
	if ((a->account = strdup(acct)) == NULL) {
		oom(p);
		return;
	}
	a->line = p->lineno;
}

static void
rule_key(struct am_parse *p, const char *name, const char *value)
{
	struct account_map *m = p->m;
	struct am_rule r;
	char msg[400], pat[3 * AM_NAME_MAX + 16];
	size_t i;
	int rc;

	if (strcmp(name, "rule") != 0) {
		fail(p, p->lineno, "unknown key `%s` in [match] (valid: rule; each line is "
		     AM_RULE_SYNTAX ")", name);
		return;
	}
	if ((rc = mapping__am_rule_parse(&r, value, msg, sizeof(msg))) < 0) {
		if (rc == SC_ENOMEM)
			oom(p);
		else
			fail(p, p->lineno, "%s", msg);
		return;
	}
	r.line = p->lineno;
	for (i = 0; i < m->nrules; i++)
		if (mapping__am_rule_covers(&m->rules[i], &r)) {
			mapping__am_rule_pattern(&m->rules[i], pat, sizeof(pat));
			fail(p, p->lineno, "this rule can never decide: the rule at line %d (%s) comes "
			     "first and fits every row it would (put the narrower rule first)",
			     m->rules[i].line, pat);
			mapping__am_rule_free(&r);
			return;
		}
	if (m->nrules == m->rulealloc) {
		size_t na = m->rulealloc ? m->rulealloc * 2 : 16;
		struct am_rule *nr = realloc(m->rules, na * sizeof(*nr));

		if (nr == NULL) {
			mapping__am_rule_free(&r);
			oom(p);
			return;
		}
		m->rules = nr;
		m->rulealloc = na;
	}
	m->rules[m->nrules++] = r;
}

/* ---- reader callbacks (ini_reader.h) ----------------------------------- */

static void
cb_fail(void *ctx, int line, const char *msg)
{
	fail(ctx, line, "%s", msg);
}

static void
cb_content(void *ctx)
{
	struct am_parse *p = ctx;

	p->sec_lines++;
}

static void
cb_key(void *ctx, const char *name, const char *value, int cont)
{
	struct am_parse *p = ctx;

	if (cont) {
		fail(p, p->lineno, "indented line: every key starts at the beginning of its "
		     "line (an indented line would continue the key above)");
		return;
	}
	switch (p->sec) {
	case AM_SEC_CATEGORY:
	case AM_SEC_BANK:
	case AM_SEC_SUSPENSE:
		account_key(p, name, value);
		break;
	case AM_SEC_MATCH:
		rule_key(p, name, value);
		break;
	case AM_SEC_NONE:
		fail(p, p->lineno, "`%s` is outside any section (valid sections: " AM_SECTIONS ")",
		     name);
		break;
	}
}

static const struct mapping_ini_ops am_ini_ops = {
	.fail = cb_fail,
	.section = section_begin,
	.content = cb_content,
	.key = cb_key,
	.end = section_end,
};

/* ---- load --------------------------------------------------------------- */

/* What only the whole file can say: a required section missing. */
static void
check_complete(struct am_parse *p)
{
	struct account_map *m = p->m;
	int line = m->last_line > 0 ? m->last_line : 1;
	int c;

	for (c = 0; c < ACCOUNT_CAT_COUNT; c++)
		if (m->cat[c].section_line == 0) {
			fail(p, line, "no [category %s] section (required: each of [category "
			     "charges], [category refunds], [category fees], [category adjustments] "
			     "with its account)", mapping_account_category_name((enum account_category)c));
			return;
		}
	if (m->bank.section_line == 0)
		fail(p, line, "no [bank] section (required: the bank or clearing account that "
		     "receives the net)");
	else if (m->match_line == 0)
		fail(p, line, "no [match] section (required: the rules, each " AM_RULE_SYNTAX ")");
}

int
mapping_account_map_load_string(struct account_map **out, const char *text,
                                 const char *path, struct sc_error *err)
{
	struct account_map *m = NULL;
	struct am_parse p;
	struct mapping_ini_reader rd;
	int rc;

	*out = NULL;
	if (path == NULL)
		path = "account map";
	if (text == NULL)
		return sc_error_set(err, SC_EINVALID, "%s: no text", path);
	if ((m = calloc(1, sizeof(*m))) == NULL || (m->path = strdup(path)) == NULL) {
		free(m);
		return sc_error_set(err, SC_ENOMEM, "%s: out of memory", path);
	}
	memset(&p, 0, sizeof(p));
	p.m = m;
	p.err = err;
	memset(&rd, 0, sizeof(rd));
	rd.ops = &am_ini_ops;
	rd.ctx = &p;
	rd.text = text;
	rd.lineno_out = &p.lineno;
	rd.last_line_out = &m->last_line;
	rd.failed = &p.failed;
	rd.fail_line = &p.fail_line;
	rd.name_max = AM_NAME_MAX;
	rc = mapping_ini_read(&rd);
	if (rc > 0) {
		p.failed = 0;
		fail(&p, rc, "%s", MAPPING_INI_SYNTAX_ERROR);
	} else if (rc < 0) {
		p.code = sc_error_set(err, SC_ENOMEM, "%s: out of memory", path);
		p.failed = 1;
	} else if (!p.failed) {
		check_complete(&p);
	}
	if (p.failed) {
		mapping_account_map_free(m);
		return p.code < 0 ? p.code : SC_EINVALID;
	}
	*out = m;
	return 0;
}

int
mapping_account_map_load(struct account_map **out, const char *path, struct sc_error *err)
{
	char *text = NULL;
	int rc;

	*out = NULL;
	if ((rc = mapping_ini_file_read(&text, path, AM_FILE_MAX, err)) < 0)
		return rc;
	rc = mapping_account_map_load_string(out, text, path, err);
	free(text);
	return rc;
}

void
mapping_account_map_free(struct account_map *m)
{
	size_t i;
	int c;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrules; i++)
		mapping__am_rule_free(&m->rules[i]);
	free(m->rules);
	for (c = 0; c < ACCOUNT_CAT_COUNT; c++)
		free(m->cat[c].account);
	free(m->bank.account);
	free(m->suspense.account);
	free(m->path);
	free(m);
}
