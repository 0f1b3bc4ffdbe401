/*
 * conf.h: the INI configuration (parsed with inih).
 *
 * Sections: [connector] (generic keys, table in conf.c), [marketplace] and
 * [erp] (each with `type = NAME`; the adapter's own key table validates the
 * rest), [sku_map] (free keys: marketplace SKU = ERP item).
 * Unknown sections and keys are errors. Every error is "FILE:LINE: message".
 *
 * Secrets (keys flagged CONF_SECRET): the value may be written in the file,
 * or as ${ENV_NAME} to take it from the environment (an unset or empty
 * variable is an error naming it). A file that holds a secret literally and
 * is readable by group or others is refused: "FILE: mode 0644 lets group or
 * others read the secret `client_secret` (line 12); chmod 600 FILE".
 * Every secret value is registered with log_secret_add().
 */
#ifndef SC_CONF_H
#define SC_CONF_H

#include <stddef.h>

#include "connector/error.h"

enum conf_key_flags {
	CONF_REQUIRED = 1 << 0,
	CONF_SECRET = 1 << 1
};

/* A key an adapter (or [connector]) accepts. Tables end with {NULL}. */
struct conf_key {
	const char *name;
	int flags;
	const char *def;    /* default value, or NULL */
	const char *help;   /* one line, for --help and the README */
};

struct conf;
struct conf_section;

/* Load and validate `path`. On error, *out is NULL and err->msg is
 * "FILE:LINE: message" (or "FILE: message"). */
int conf_load(struct conf **out, const char *path, struct sc_error *err);
void conf_free(struct conf *c);
const char *conf_path(const struct conf *c);

/* The named section, or NULL when the file has none. */
const struct conf_section *conf_section(const struct conf *c, const char *name);

/* Value of `key` (after ${ENV} expansion), else the key table's default,
 * else NULL. Borrowed from the conf. */
const char *conf_get(const struct conf_section *s, const char *key);
/* Parse as an integer / a boolean (true/false/yes/no/1/0/on/off). Absent
 * without default: *out untouched and 0 returned. Bad: SC_EINVALID "FILE:LINE: key: ...". */
int conf_get_long(const struct conf_section *s, const char *key, long *out, struct sc_error *err);
int conf_get_bool(const struct conf_section *s, const char *key, int *out, struct sc_error *err);
int conf_get_double(const struct conf_section *s, const char *key, double *out, struct sc_error *err);

/* Set err to "FILE:LINE: key: <fmt>" for a value an adapter finds wrong
 * (FILE:section when the key is absent). Returns `code`. */
int conf_error(const struct conf_section *s, const char *key, struct sc_error *err,
               int code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Iterate the keys of a free section ([sku_map]) in file order. */
typedef int (*conf_each_cb)(const char *key, const char *value, int line, void *ud);
int conf_each(const struct conf_section *s, conf_each_cb cb, void *ud);

/* The [connector] key table (for `connector keys` and docs). */
const struct conf_key *conf_connector_keys(void);

/* An in-memory conf for tests: `text` is INI content, `path` used in messages. */
int conf_load_string(struct conf **out, const char *text, const char *path,
                     struct sc_error *err);

#endif
