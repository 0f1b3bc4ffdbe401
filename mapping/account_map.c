/*
 * account_map.c: loading and checking a settlement account map
 * (account_map.h; the format is in mapping/README.md).
 *
 * As in refund_rules.c: inih (as Debian builds it) passes no line numbers
 * to the handler, strips only `;` inline comments and never reports a
 * section without keys, so the text is fed through ini_parse_stream with a
 * reader that counts lines, cuts `#` and `;` inline comments (after a
 * blank) and notes section headers itself; when it reads a header it first
 * checks the section that ends there, so errors come in file order. An
 * indented line after a key (inih's continuation line) is an error here:
 * no key of this file spans lines. The text of one `rule` is parsed in
 * account_map_rules.c.
 */
#include "mapping/account_map_int.h"

#include <ini.h>

#include <errno.h>
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
	const char *text;
	size_t off;
	int lineno;
	int line_cont;          /* the current line is indented after a key */
	int have_prev;          /* a key was read since the last header */
	enum am_sec sec;
	enum account_category cat;   /* of AM_SEC_CATEGORY */
	int sec_lines;          /* lines other than blanks and comments in it */
	int at_eof;
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

static void
section_end(struct am_parse *p)
{
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

/* A header `[NAME]` (NAME trimmed) on the current line. */
static void
section_begin(struct am_parse *p, const char *name)
{
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

/* ---- reader and handler ------------------------------------------------- */

/* Look at the line inih is about to parse: note a header (as inih would
 * see it) and cut inline comments. */
static void
line_prepare(struct am_parse *p, char *line)
{
	char *s = line, *t, *q, *end;
	char name[AM_NAME_MAX];
	size_t len;
	int was_space = 0;

	if (p->lineno == 1 && (unsigned char)s[0] == 0xEF &&
	    (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
		s += 3;
	t = s;
	while (*t == ' ' || *t == '\t')
		t++;
	p->line_cont = 0;
	if (is_blank(*t) || *t == '\0' || *t == '#' || *t == ';')
		return;
	p->line_cont = t > s && p->have_prev;
	if (!p->line_cont && *t == '[') {
		/* inih: the header ends at `]`, and a `;` after a blank before it
		 * is a comment, which leaves the header unterminated (an error). */
		for (end = t + 1; *end != '\0' && *end != ']'; end++) {
			if (was_space && *end == ';')
				break;
			was_space = is_blank(*end);
		}
		if (*end != ']')
			return;
		for (q = end + 1; *q != '\0'; q++)
			if ((*q == '#' || *q == ';') && is_blank(q[-1])) {
				*q = '\0';
				break;
			}
		t++;
		while (t < end && is_blank(*t))
			t++;
		len = (size_t)(end - t);
		while (len > 0 && is_blank(t[len - 1]))
			len--;
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, t, len);
		name[len] = '\0';
		p->have_prev = 0;
		section_begin(p, name);
		return;
	}
	p->sec_lines++;
	for (q = t + 1; *q != '\0'; q++)
		if ((*q == '#' || *q == ';') && is_blank(q[-1])) {
			*q = '\0';
			break;
		}
}

static char *
reader(char *str, int num, void *stream)
{
	struct am_parse *p = stream;
	size_t i = 0, cap;

	if (p->failed || num < 2)
		return NULL;
	if (p->text[p->off] == '\0') {
		if (!p->at_eof) {
			p->at_eof = 1;
			section_end(p);
		}
		return NULL;
	}
	cap = (size_t)num - 1;
	while (p->text[p->off] != '\0' && i < cap) {
		char ch = p->text[p->off++];

		str[i++] = ch;
		if (ch == '\n')
			break;
	}
	str[i] = '\0';
	p->lineno++;
	p->m->last_line = p->lineno;
	if (i == cap && str[i - 1] != '\n') {
		if (p->text[p->off] == '\n')
			p->off++;          /* the line fits; only its newline did not */
		else if (p->text[p->off] != '\0') {
			fail(p, p->lineno, "line too long (at most %d characters)", num - 1);
			return NULL;
		}
	}
	line_prepare(p, str);
	return p->failed ? NULL : str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct am_parse *p = user;

	(void)section;
	if (p->failed)
		return 0;
	if (p->line_cont) {
		fail(p, p->lineno, "indented line: every key starts at the beginning of its "
		     "line (an indented line would continue the key above)");
		return 0;
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
	p->have_prev = 1;
	return !p->failed;
}

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
	p.text = text;
	p.err = err;
	rc = ini_parse_stream(reader, &p, handler, &p);
	if (rc > 0 && (!p.failed || rc < p.fail_line)) {
		p.failed = 0;
		fail(&p, rc, "syntax error (expected [section], key = value, or a # comment)");
	} else if (rc < 0 && !p.failed) {
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
	FILE *f = NULL;
	char *text = NULL;
	size_t len;
	int rc = 0;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return sc_error_set(err, SC_ENOTFOUND, "%s: cannot open: %s", path,
		                    strerror(errno));
	if ((text = malloc(AM_FILE_MAX + 1)) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	len = fread(text, 1, AM_FILE_MAX + 1, f);
	if (ferror(f)) {
		rc = sc_error_set(err, SC_EINVALID, "%s: cannot read: %s", path, strerror(errno));
		goto done;
	}
	if (len > AM_FILE_MAX) {
		rc = sc_error_set(err, SC_EINVALID, "%s: larger than %d bytes", path, AM_FILE_MAX);
		goto done;
	}
	if (memchr(text, '\0', len) != NULL) {
		rc = sc_error_set(err, SC_EINVALID, "%s: holds a NUL byte (not a text file)", path);
		goto done;
	}
	text[len] = '\0';
	rc = mapping_account_map_load_string(out, text, path, err);
done:
	free(text);
	fclose(f);
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
