/*
 * conf.c: INI configuration over inih, validated against key tables.
 *
 * inih (as Debian builds it) does not pass line numbers to the handler, so
 * the file is fed through ini_parse_stream with a reader that counts lines:
 * when the handler runs, `lineno` is the line it came from.
 */
#include "connector/conf.h"
#include "connector/buf.h"
#include "connector/log.h"
#include "adapters/adapter.h"

#include <ini.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct conf_entry {
	char *key;
	char *value;        /* after ${ENV} expansion */
	int line;
	int secret;         /* flagged CONF_SECRET */
	int from_env;       /* value came from ${ENV} */
};

struct conf_section {
	const struct conf *conf;
	char *name;
	int line;
	const struct conf_key *keys;   /* NULL for free sections */
	struct conf_entry *entries;
	size_t n, alloc;
};

struct conf {
	char *path;
	struct conf_section *sections;
	size_t nsec, secalloc;
};

/* The generic [connector] keys. */
static const struct conf_key connector_keys[] = {
	{ "state_dir", CONF_REQUIRED, NULL,
	  "directory of this connection's state (LMDB, lock, raw reports)" },
	{ "log_format", 0, "text", "text or json (one line per event on stderr)" },
	{ "log_level", 0, "info", "debug, info, warn or error" },
	{ "time_scale", 0, "1", "rate-limit clock factor; >1 only against the sandbox" },
	{ "http_timeout_seconds", 0, "60", "whole-request timeout" },
	{ "http_retries", 0, "5", "retries of one request on 429, 5xx and network errors" },
	{ "settlement_map", 0, NULL,
	  "settlement account map file (default: the built-in Amazon map, all accounts named)" },
	{ "refund_rules", 0, NULL,
	  "file of rules that map marketplace refunds to ERP transactions (refunds sync when set)" },
	{ "retry_limit", 0, "12",
	  "attempts of a transient failure (1 min doubling to 6 h apart) before it is reported stuck" },
	{ "metrics_file", 0, NULL,
	  "write Prometheus text metrics of each run here (node_exporter textfile collector)" },
	{ NULL, 0, NULL, NULL }
};

const struct conf_key *
conf_connector_keys(void)
{
	return connector_keys;
}

/* ---- parsing ------------------------------------------------------------ */

struct parse_ctx {
	struct conf *c;
	FILE *f;               /* file mode */
	const char *text;      /* string mode */
	size_t off;
	int lineno;
	int section_line;      /* line of the last [section] header read */
	int long_line;         /* first line longer than inih's buffer */
	struct sc_error *err;
	int failed;
};

static char *
reader_common(char *str, int num, struct parse_ctx *p)
{
	char *r = NULL;
	size_t len;

	if (p->f != NULL) {
		r = fgets(str, num, p->f);
	} else if (p->text[p->off] != '\0') {
		size_t i = 0;

		while (p->text[p->off] != '\0' && i + 1 < (size_t)num) {
			char ch = p->text[p->off++];
			str[i++] = ch;
			if (ch == '\n')
				break;
		}
		str[i] = '\0';
		r = str;
	}
	if (r == NULL)
		return NULL;
	p->lineno++;
	{
		const char *q = str;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '[')
			p->section_line = p->lineno;
	}
	len = strlen(str);
	if (len + 1 == (size_t)num && str[len - 1] != '\n' && p->long_line == 0)
		p->long_line = p->lineno;
	return r;
}

static char *
reader(char *str, int num, void *stream)
{
	return reader_common(str, num, stream);
}

static struct conf_section *
section_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nsec; i++)
		if (strcmp(c->sections[i].name, name) == 0)
			return &c->sections[i];
	return NULL;
}

static struct conf_section *
section_get(struct parse_ctx *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_section *s = section_find(c, name);

	if (s != NULL)
		return s;
	if (c->nsec == c->secalloc) {
		size_t na = c->secalloc ? c->secalloc * 2 : 8;
		struct conf_section *ns = realloc(c->sections, na * sizeof(*ns));
		if (ns == NULL)
			return NULL;
		c->sections = ns;
		c->secalloc = na;
	}
	s = &c->sections[c->nsec++];
	memset(s, 0, sizeof(*s));
	s->conf = c;
	s->name = strdup(name);
	s->line = p->section_line ? p->section_line : p->lineno;
	return s->name != NULL ? s : NULL;
}

static int
fail(struct parse_ctx *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct parse_ctx *p, int line, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	if (p->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_error_set(p->err, SC_EINVALID, "%s:%d: %s", p->c->path, line, msg);
	p->failed = 1;
	return 0;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	struct conf_section *s;
	struct conf_entry *e;
	size_t i;

	if (p->failed)
		return 0;
	if (section[0] == '\0')
		return fail(p, p->lineno, "`%s` is outside any [section]", name);
	if ((s = section_get(p, section)) == NULL)
		return fail(p, p->lineno, "out of memory");
	for (i = 0; i < s->n; i++)
		if (strcmp(s->entries[i].key, name) == 0)
			return fail(p, p->lineno,
			    "[%s] %s is given twice (first at line %d)", section,
			    name, s->entries[i].line);
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 8;
		struct conf_entry *ne = realloc(s->entries, na * sizeof(*ne));
		if (ne == NULL)
			return fail(p, p->lineno, "out of memory");
		s->entries = ne;
		s->alloc = na;
	}
	e = &s->entries[s->n];
	memset(e, 0, sizeof(*e));
	e->key = strdup(name);
	e->value = strdup(value);
	e->line = p->lineno;
	if (e->key == NULL || e->value == NULL) {
		free(e->key);
		free(e->value);
		return fail(p, p->lineno, "out of memory");
	}
	s->n++;
	return 1;
}

/* ---- validation --------------------------------------------------------- */

static const struct conf_key *
key_find(const struct conf_key *keys, const char *name)
{
	for (; keys != NULL && keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static void
key_names(char *out, size_t n, const struct conf_key *keys, int with_type)
{
	size_t o = 0;

	out[0] = '\0';
	if (with_type)
		o += (size_t)snprintf(out, n, "type");
	for (; keys != NULL && keys->name != NULL && o < n; keys++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "",
		                      keys->name);
}

/* ${NAME} anywhere in a value is replaced by that environment variable; an
 * unset or empty one is an error naming it. A value that is exactly one
 * ${NAME} counts as "from the environment" for the secret-mode check. */
static int
expand_env(struct parse_ctx *p, const char *section, struct conf_entry *e)
{
	const char *v = e->value;
	struct buf out;
	int whole = 0, rc = 0;

	if (strstr(v, "${") == NULL)
		return 0;
	buf_init(&out, 64 * 1024);
	while (*v != '\0') {
		const char *close, *env;
		char name[128];
		size_t len, i;

		if (v[0] != '$' || v[1] != '{') {
			if ((rc = buf_append(&out, v, 1)) < 0)
				break;
			v++;
			continue;
		}
		if ((close = strchr(v + 2, '}')) == NULL) {
			fail(p, e->line, "[%s] %s: `${` without a closing `}`", section, e->key);
			rc = -1;
			break;
		}
		len = (size_t)(close - (v + 2));
		if (len == 0 || len >= sizeof(name)) {
			fail(p, e->line, "[%s] %s: bad environment variable reference",
			     section, e->key);
			rc = -1;
			break;
		}
		memcpy(name, v + 2, len);
		name[len] = '\0';
		for (i = 0; i < len; i++)
			if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') ||
			      (name[i] >= 'a' && name[i] <= 'z') ||
			      (i > 0 && name[i] >= '0' && name[i] <= '9')))
				break;
		if (i < len) {
			fail(p, e->line,
			     "[%s] %s: `%s` is not a valid environment variable name",
			     section, e->key, name);
			rc = -1;
			break;
		}
		env = getenv(name);
		if (env == NULL || env[0] == '\0') {
			fail(p, e->line, "[%s] %s: environment variable %s is not set",
			     section, e->key, name);
			rc = -1;
			break;
		}
		if (v == e->value && close[1] == '\0')
			whole = 1;
		if ((rc = buf_puts(&out, env)) < 0)
			break;
		v = close + 1;
	}
	if (rc < 0) {
		if (!p->failed)
			fail(p, e->line, "[%s] %s: value too long", section, e->key);
		buf_free(&out);
		return -1;
	}
	free(e->value);
	e->value = buf_take(&out);
	e->from_env = whole;
	return 0;
}

static int
validate_section(struct parse_ctx *p, struct conf_section *s)
{
	const struct conf_key *keys = NULL;
	const struct conf_key *k;
	int adapter = 0;
	char list[1024];
	size_t i;

	if (strcmp(s->name, "connector") == 0) {
		keys = connector_keys;
	} else if (strcmp(s->name, "marketplace") == 0 ||
	           strcmp(s->name, "erp") == 0) {
		const struct conf_entry *type = NULL;
		int mkt = s->name[0] == 'm';

		adapter = 1;
		for (i = 0; i < s->n; i++)
			if (strcmp(s->entries[i].key, "type") == 0)
				type = &s->entries[i];
		if (type == NULL)
			return fail(p, s->line, "[%s] needs `type = NAME`", s->name);
		if (mkt) {
			const struct marketplace_ops *ops =
			    adapter_marketplace_find(type->value);
			if (ops == NULL) {
				adapter_marketplace_names(list, sizeof(list));
				return fail(p, type->line,
				    "[marketplace] type: unknown marketplace `%s` (known: %s)",
				    type->value, list);
			}
			keys = ops->conf_keys;
		} else {
			const struct erp_ops *ops = adapter_erp_find(type->value);
			if (ops == NULL) {
				adapter_erp_names(list, sizeof(list));
				return fail(p, type->line,
				    "[erp] type: unknown ERP `%s` (known: %s)",
				    type->value, list);
			}
			keys = ops->conf_keys;
		}
	} else if (strcmp(s->name, "sku_map") == 0) {
		s->keys = NULL;
		return 0;
	} else {
		return fail(p, s->line,
		    "unknown section [%s] (valid: connector, marketplace, erp, sku_map)",
		    s->name);
	}
	s->keys = keys;

	for (i = 0; i < s->n; i++) {
		struct conf_entry *e = &s->entries[i];

		if (adapter && strcmp(e->key, "type") == 0)
			continue;
		if ((k = key_find(keys, e->key)) == NULL) {
			key_names(list, sizeof(list), keys, adapter);
			return fail(p, e->line, "[%s] unknown key `%s` (valid: %s)",
			            s->name, e->key, list);
		}
		if (expand_env(p, s->name, e) < 0)
			return -1;
		e->secret = (k->flags & CONF_SECRET) != 0;
		if (e->secret && e->value[0] == '\0')
			return fail(p, e->line, "[%s] %s is empty", s->name, e->key);
	}
	for (k = keys; k != NULL && k->name != NULL; k++) {
		int found = 0;

		if (!(k->flags & CONF_REQUIRED))
			continue;
		for (i = 0; i < s->n && !found; i++)
			found = strcmp(s->entries[i].key, k->name) == 0;
		if (!found)
			return fail(p, s->line, "[%s] missing required key `%s` (%s)",
			            s->name, k->name, k->help ? k->help : "");
	}
	return 0;
}

/* A secret written literally in a file others can read is refused. */
static int
check_secret_mode(struct parse_ctx *p, const char *path)
{
	struct stat st;
	size_t i, j;

	if (stat(path, &st) != 0)
		return 0;
	if ((st.st_mode & 077) == 0)
		return 0;
	for (i = 0; i < p->c->nsec; i++) {
		const struct conf_section *s = &p->c->sections[i];

		for (j = 0; j < s->n; j++) {
			const struct conf_entry *e = &s->entries[j];

			if (!e->secret || e->from_env)
				continue;
			sc_error_set(p->err, SC_EINVALID,
			    "%s: mode %04o lets group or others read the secret `%s` "
			    "(line %d); run: chmod 600 %s (or give it as ${ENV_NAME})",
			    path, (unsigned)(st.st_mode & 0777), e->key, e->line, path);
			return -1;
		}
	}
	return 0;
}

static void
register_secrets(const struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->nsec; i++)
		for (j = 0; j < c->sections[i].n; j++)
			if (c->sections[i].entries[j].secret)
				log_secret_add(c->sections[i].entries[j].value);
}

static int
conf_parse(struct conf **out, struct parse_ctx *p, const char *path, int is_file)
{
	struct conf *c = NULL;
	int rc, i;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		return sc_error_set(p->err, SC_ENOMEM, "%s: out of memory", path);
	}
	p->c = c;
	rc = ini_parse_stream(reader, p, handler, p);
	if (p->failed)
		goto fail;
	if (p->long_line > 0) {
		fail(p, p->long_line, "line too long (at most 199 characters)");
		goto fail;
	}
	if (rc > 0) {
		fail(p, rc, "syntax error (expected [section] or key = value)");
		goto fail;
	}
	if (rc < 0) {
		sc_error_set(p->err, SC_EINVALID, "%s: cannot parse", path);
		goto fail;
	}
	if (section_find(c, "connector") == NULL) {
		sc_error_set(p->err, SC_EINVALID, "%s: no [connector] section", path);
		goto fail;
	}
	for (i = 0; i < (int)c->nsec; i++)
		if (validate_section(p, &c->sections[i]) < 0 || p->failed)
			goto fail;
	if (is_file && check_secret_mode(p, path) < 0)
		goto fail;
	register_secrets(c);
	*out = c;
	return 0;
fail:
	conf_free(c);
	return p->err != NULL && p->err->code ? p->err->code : SC_EINVALID;
}

int
conf_load(struct conf **out, const char *path, struct sc_error *err)
{
	struct parse_ctx p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.err = err;
	*out = NULL;
	if ((p.f = fopen(path, "r")) == NULL)
		return sc_error_set(err, SC_ENOTFOUND, "%s: cannot open: %s", path,
		                    strerror(errno));
	rc = conf_parse(out, &p, path, 1);
	fclose(p.f);
	return rc;
}

int
conf_load_string(struct conf **out, const char *text, const char *path,
                 struct sc_error *err)
{
	struct parse_ctx p;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.text = text;
	return conf_parse(out, &p, path, 0);
}

void
conf_free(struct conf *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsec; i++) {
		for (j = 0; j < c->sections[i].n; j++) {
			free(c->sections[i].entries[j].key);
			free(c->sections[i].entries[j].value);
		}
		free(c->sections[i].entries);
		free(c->sections[i].name);
	}
	free(c->sections);
	free(c->path);
	free(c);
}

const char *
conf_path(const struct conf *c)
{
	return c->path;
}

/* ---- access ------------------------------------------------------------- */

const struct conf_section *
conf_section(const struct conf *c, const char *name)
{
	return c != NULL ? section_find(c, name) : NULL;
}

static const struct conf_entry *
entry_find(const struct conf_section *s, const char *key)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

const char *
conf_get(const struct conf_section *s, const char *key)
{
	const struct conf_entry *e = entry_find(s, key);
	const struct conf_key *k;

	if (e != NULL)
		return e->value;
	if (s != NULL && (k = key_find(s->keys, key)) != NULL)
		return k->def;
	if (s == NULL && (k = key_find(connector_keys, key)) != NULL)
		return k->def;
	return NULL;
}

int
conf_error(const struct conf_section *s, const char *key, struct sc_error *err,
           int code, const char *fmt, ...)
{
	const struct conf_entry *e = entry_find(s, key);
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s == NULL)
		return sc_error_set(err, code, "%s: %s", key, msg);
	if (e != NULL)
		return sc_error_set(err, code, "%s:%d: [%s] %s: %s", s->conf->path,
		                    e->line, s->name, key, msg);
	return sc_error_set(err, code, "%s:%d: [%s] %s: %s", s->conf->path, s->line,
	                    s->name, key, msg);
}

int
conf_get_long(const struct conf_section *s, const char *key, long *out,
              struct sc_error *err)
{
	const char *v = conf_get(s, key);
	char *end = NULL;
	long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		return conf_error(s, key, err, SC_EINVALID,
		                  "`%s` is not a whole number", v);
	*out = n;
	return 0;
}

int
conf_get_double(const struct conf_section *s, const char *key, double *out,
                struct sc_error *err)
{
	const char *v = conf_get(s, key);
	char *end = NULL;
	double d;

	if (v == NULL)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0')
		return conf_error(s, key, err, SC_EINVALID, "`%s` is not a number", v);
	*out = d;
	return 0;
}

int
conf_get_bool(const struct conf_section *s, const char *key, int *out,
              struct sc_error *err)
{
	static const char *const yes[] = { "true", "yes", "1", "on", NULL };
	static const char *const no[] = { "false", "no", "0", "off", NULL };
	const char *v = conf_get(s, key);
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; yes[i] != NULL; i++)
		if (strcmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return conf_error(s, key, err, SC_EINVALID,
	                  "`%s` is not a boolean (true/false, yes/no, on/off, 1/0)", v);
}

int
conf_each(const struct conf_section *s, conf_each_cb cb, void *ud)
{
	size_t i;
	int rc;

	for (i = 0; s != NULL && i < s->n; i++)
		if ((rc = cb(s->entries[i].key, s->entries[i].value,
		             s->entries[i].line, ud)) != 0)
			return rc;
	return 0;
}
