/*
 * account_map_rules.c: the text of one `rule` (parse, print), rules against
 * each other (shadowing), and what a loaded map answers: lookup, accessors,
 * describe (account_map.h). account_map.c does the loading.
 */
#include "mapping/account_map_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const category_names[ACCOUNT_CAT_COUNT] = {
	"charges", "refunds", "fees", "adjustments"
};
static const char *const field_names[AM_FIELDS] = {
	"transaction-type", "amount-type", "amount-description"
};

const char *
mapping_account_category_name(enum account_category c)
{
	if ((int)c < 0 || (int)c >= ACCOUNT_CAT_COUNT)
		return "?";
	return category_names[c];
}

int
mapping_account_category_parse(const char *name, enum account_category *out)
{
	int i;

	for (i = 0; name != NULL && i < ACCOUNT_CAT_COUNT; i++)
		if (strcmp(name, category_names[i]) == 0) {
			*out = (enum account_category)i;
			return 0;
		}
	return SC_ENOTFOUND;
}

/* ---- parsing ------------------------------------------------------------ */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [*s, *e) trimmed of blanks. */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

static int
has_control(const char *s, const char *e)
{
	for (; s < e; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* One name in [s, e) (already trimmed): bare or "quoted". Copies it into out
 * (n bytes) and sets *quoted. 0 or SC_EINVALID with msg (`what` names it). */
static int
name_parse(char *out, size_t n, int *quoted, const char *s, const char *e,
           const char *what, char *msg, size_t msgn)
{
	size_t len;

	*quoted = 0;
	if (s < e && *s == '"') {
		if (e - s < 2 || e[-1] != '"' || memchr(s + 1, '"', (size_t)(e - s - 2)) != NULL) {
			snprintf(msg, msgn, "%s: a quoted name is \"...\" with no '\"' inside", what);
			return SC_EINVALID;
		}
		s++;
		e--;
		*quoted = 1;
	} else if (memchr(s, '"', (size_t)(e - s)) != NULL) {
		snprintf(msg, msgn, "%s: '\"' only goes around a whole name (\"...\")", what);
		return SC_EINVALID;
	}
	len = (size_t)(e - s);
	if (has_control(s, e)) {
		snprintf(msg, msgn, "%s: control characters are not allowed", what);
		return SC_EINVALID;
	}
	if (len + 1 > n) {
		snprintf(msg, msgn, "%s: longer than %zu characters", what, n - 1);
		return SC_EINVALID;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
mapping__am_account_parse(char *out, size_t n, const char *value, char *msg, size_t msgn)
{
	const char *s = value, *e = value + strlen(value);
	int quoted, rc;

	trim(&s, &e);
	if ((rc = name_parse(out, n, &quoted, s, e, "account", msg, msgn)) < 0)
		return rc;
	if (out[0] == '\0') {
		snprintf(msg, msgn, "empty account (name the ERP account: its id or number)");
		return SC_EINVALID;
	}
	return 0;
}

/* The first `tok` in [s, e) outside double quotes, or NULL. */
static const char *
find_unquoted(const char *s, const char *e, const char *tok)
{
	size_t tl = strlen(tok);
	int q = 0;

	for (; s + tl <= e; s++) {
		if (*s == '"')
			q = !q;
		else if (!q && memcmp(s, tok, tl) == 0)
			return s;
	}
	return NULL;
}

void
mapping__am_rule_free(struct am_rule *r)
{
	int i;

	for (i = 0; i < AM_FIELDS; i++) {
		free(r->field[i]);
		r->field[i] = NULL;
	}
	free(r->account);
	r->account = NULL;
}

static int
rule_fields(struct am_rule *out, const char *s, const char *e, char *msg, size_t n)
{
	const char *start[AM_FIELDS], *end[AM_FIELDS], *p = s, *slash;
	char name[AM_NAME_MAX];
	int k = 0, quoted, rc;

	for (;;) {
		slash = find_unquoted(p, e, "/");
		if (k == AM_FIELDS) {
			snprintf(msg, n, "more than three fields before `->` (a name holding '/' "
			         "is written in quotes); expected " AM_RULE_SYNTAX);
			return SC_EINVALID;
		}
		start[k] = p;
		end[k] = slash != NULL ? slash : e;
		k++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (k != AM_FIELDS) {
		snprintf(msg, n, "%d field%s before `->`, expected three: " AM_RULE_SYNTAX, k,
		         k == 1 ? "" : "s");
		return SC_EINVALID;
	}
	for (k = 0; k < AM_FIELDS; k++) {
		trim(&start[k], &end[k]);
		if (start[k] == end[k]) {
			snprintf(msg, n, "%s is empty (write * for any, \"\" for an empty value)",
			         field_names[k]);
			return SC_EINVALID;
		}
		if ((rc = name_parse(name, sizeof(name), &quoted, start[k], end[k], field_names[k],
		                     msg, n)) < 0)
			return rc;
		if (!quoted && strcmp(name, "*") == 0)
			continue;   /* NULL: anything */
		if ((out->field[k] = strdup(name)) == NULL)
			return SC_ENOMEM;
	}
	return 0;
}

static int
rule_target(struct am_rule *out, const char *s, const char *e, char *msg, size_t n)
{
	const char *comma = memchr(s, ',', (size_t)(e - s));
	const char *cs = s, *ce = comma != NULL ? comma : e;
	char cat[AM_NAME_MAX], acct[AM_NAME_MAX];
	size_t len;

	trim(&cs, &ce);
	len = (size_t)(ce - cs);
	if (len == 0) {
		snprintf(msg, n, "no category after `->` (valid: charges, refunds, fees, adjustments)");
		return SC_EINVALID;
	}
	if (len >= sizeof(cat))
		len = sizeof(cat) - 1;
	memcpy(cat, cs, len);
	cat[len] = '\0';
	if (mapping_account_category_parse(cat, &out->cat) < 0) {
		snprintf(msg, n, "unknown category `%s` (valid: charges, refunds, fees, adjustments; "
		         "an own account is written `-> fees, account ACCOUNT`)", cat);
		return SC_EINVALID;
	}
	if (comma == NULL)
		return 0;
	cs = comma + 1;
	ce = e;
	trim(&cs, &ce);
	if ((size_t)(ce - cs) < 8 || memcmp(cs, "account", 7) != 0 || !is_blank(cs[7])) {
		snprintf(msg, n, "after the category, expected `, account ACCOUNT`");
		return SC_EINVALID;
	}
	cs += 8;
	len = (size_t)(ce - cs);
	{
		char tmp[AM_NAME_MAX * 2];

		if (len >= sizeof(tmp)) {
			snprintf(msg, n, "account: longer than %d characters", AM_NAME_MAX - 1);
			return SC_EINVALID;
		}
		memcpy(tmp, cs, len);
		tmp[len] = '\0';
		if (mapping__am_account_parse(acct, sizeof(acct), tmp, msg, n) < 0)
			return SC_EINVALID;
	}
	if ((out->account = strdup(acct)) == NULL)
		return SC_ENOMEM;
	return 0;
}

int
mapping__am_rule_parse(struct am_rule *out, const char *value, char *msg, size_t n)
{
	const char *s = value, *e = value + strlen(value), *arrow;
	int rc;

	memset(out->field, 0, sizeof(out->field));
	out->account = NULL;
	out->cat = ACCOUNT_CAT_CHARGES;
	if ((arrow = find_unquoted(s, e, "->")) == NULL) {
		snprintf(msg, n, "no `->`: expected " AM_RULE_SYNTAX);
		return SC_EINVALID;
	}
	if ((rc = rule_fields(out, s, arrow, msg, n)) == 0)
		rc = rule_target(out, arrow + 2, e, msg, n);
	if (rc == SC_ENOMEM)
		snprintf(msg, n, "out of memory");
	if (rc < 0)
		mapping__am_rule_free(out);
	return rc;
}

int
mapping__am_rule_covers(const struct am_rule *b, const struct am_rule *a)
{
	int k;

	for (k = 0; k < AM_FIELDS; k++) {
		if (b->field[k] == NULL)
			continue;
		if (a->field[k] == NULL || strcmp(a->field[k], b->field[k]) != 0)
			return 0;
	}
	return 1;
}

static int
needs_quotes(const char *s)
{
	size_t len = strlen(s);

	return len == 0 || strcmp(s, "*") == 0 || strchr(s, '/') != NULL ||
	       strstr(s, "->") != NULL || is_blank(s[0]) || is_blank(s[len - 1]);
}

void
mapping__am_rule_pattern(const struct am_rule *r, char *out, size_t n)
{
	size_t o = 0;
	int k, w;

	out[0] = '\0';
	for (k = 0; k < AM_FIELDS && o < n; k++) {
		const char *f = r->field[k];
		const char *sep = k > 0 ? " / " : "";

		if (f == NULL)
			w = snprintf(out + o, n - o, "%s*", sep);
		else if (needs_quotes(f))
			w = snprintf(out + o, n - o, "%s\"%s\"", sep, f);
		else
			w = snprintf(out + o, n - o, "%s%s", sep, f);
		if (w < 0)
			return;
		o += (size_t)w;
	}
}

/* ---- lookups ------------------------------------------------------------ */

static int
field_fits(const char *field, const char *value)
{
	return field == NULL || strcmp(field, value != NULL ? value : "") == 0;
}

long
mapping__am_match(const struct account_map *m, const char *transaction_type,
                  const char *amount_type, const char *description)
{
	size_t i;

	for (i = 0; i < m->nrules; i++) {
		const struct am_rule *r = &m->rules[i];

		if (field_fits(r->field[0], transaction_type) &&
		    field_fits(r->field[1], amount_type) &&
		    field_fits(r->field[2], description))
			return (long)i;
	}
	return -1;
}

const char *
mapping__am_rule_account(const struct account_map *m, size_t i)
{
	const struct am_rule *r = &m->rules[i];

	return r->account != NULL ? r->account : m->cat[r->cat].account;
}

int
mapping_account_lookup(const struct account_map *m, const char *transaction_type,
                       const char *amount_type, const char *description,
                       enum account_category *category, const char **account,
                       int *rule_line)
{
	long i;

	if (m == NULL)
		return SC_ENOTFOUND;
	i = mapping__am_match(m, transaction_type, amount_type, description);
	if (i >= 0) {
		if (category != NULL)
			*category = m->rules[i].cat;
		if (account != NULL)
			*account = mapping__am_rule_account(m, (size_t)i);
		if (rule_line != NULL)
			*rule_line = m->rules[i].line;
		return 0;
	}
	if (m->suspense.account == NULL)
		return SC_ENOTFOUND;
	if (category != NULL)
		*category = ACCOUNT_CAT_ADJUSTMENTS;
	if (account != NULL)
		*account = m->suspense.account;
	if (rule_line != NULL)
		*rule_line = m->suspense.line;
	return 0;
}

const char *
mapping_account_map_path(const struct account_map *m)
{
	return m != NULL ? m->path : NULL;
}

const char *
mapping_account_map_bank(const struct account_map *m)
{
	return m != NULL ? m->bank.account : NULL;
}

const char *
mapping_account_map_suspense(const struct account_map *m)
{
	return m != NULL ? m->suspense.account : NULL;
}

const char *
mapping_account_map_category_account(const struct account_map *m, enum account_category c)
{
	if (m == NULL || (int)c < 0 || (int)c >= ACCOUNT_CAT_COUNT)
		return NULL;
	return m->cat[c].account;
}

int
mapping_account_map_describe(const struct account_map *m, struct buf *out)
{
	char pat[3 * AM_NAME_MAX + 16];
	size_t i;
	int c, rc;

	if ((rc = buf_printf(out, "account map %s\n", m->path)) < 0)
		return rc;
	for (c = 0; c < ACCOUNT_CAT_COUNT; c++)
		if ((rc = buf_printf(out, "  %-12s %s (line %d)\n", category_names[c],
		                     m->cat[c].account, m->cat[c].line)) < 0)
			return rc;
	if ((rc = buf_printf(out, "  %-12s %s (line %d)\n", "bank", m->bank.account,
	                     m->bank.line)) < 0)
		return rc;
	if (m->suspense.account != NULL)
		rc = buf_printf(out, "  %-12s %s (line %d): rows no rule fits go there, as "
		                "adjustments\n", "suspense", m->suspense.account, m->suspense.line);
	else
		rc = buf_printf(out, "  %-12s none: a row no rule fits stops the settlement\n",
		                "suspense");
	if (rc < 0)
		return rc;
	if ((rc = buf_printf(out, "rules, the first that fits decides:\n")) < 0)
		return rc;
	for (i = 0; i < m->nrules; i++) {
		const struct am_rule *r = &m->rules[i];

		mapping__am_rule_pattern(r, pat, sizeof(pat));
		if ((rc = buf_printf(out, "  line %d: %s -> %s, account %s%s\n", r->line, pat,
		                     category_names[r->cat], mapping__am_rule_account(m, i),
		                     r->account != NULL ? "" : " (the category's)")) < 0)
			return rc;
	}
	return 0;
}
