/*
 * error.h: return codes and the one-line error that travels with them.
 *
 * Every function of the project returns int: 0 on success, a negative SC_*
 * code on failure (libgit2). Lookups return 1 found / 0 absent / <0 error.
 * Only the expected failures have their own code; -1 (SC_ERROR) is generic.
 * Codes pass up unchanged.
 *
 * The message goes into a caller-provided struct sc_error (never global).
 * `msg` is our own sentence; `remote` holds the remote system's message word
 * for word (SP-API errors[].message, NetSuite o:errorDetails[].detail, ...).
 * Neither may ever contain a secret.
 */
#ifndef SC_ERROR_H
#define SC_ERROR_H

#include <stddef.h>

enum sc_code {
	SC_OK = 0,
	SC_ERROR = -1,       /* generic */
	SC_ENOTFOUND = -2,   /* the thing asked for does not exist */
	SC_ECONFLICT = -3,   /* exists already / changed under us */
	SC_ETRANSIENT = -4,  /* network, timeout, 429, 5xx: try again later */
	SC_EAUTH = -5,       /* credentials refused (401/403) */
	SC_EMALFORMED = -6,  /* input we cannot parse */
	SC_ENOSPACE = -7,    /* map full, buffer full, response too large */
	SC_ENOTSUP = -8,     /* slot absent, newer schema, unsupported */
	SC_ELOCKED = -9,     /* another run holds the state lock */
	SC_ENOMEM = -10,
	SC_EINVALID = -11,   /* well-formed but refused: validation, mapping, 4xx */
	SC_EINTR = -12       /* stopped by a signal */
};

#define SC_ERROR_MSG_MAX 512
#define SC_ERROR_REMOTE_MAX 2048

struct sc_error {
	int code;                         /* SC_*, 0 when clear */
	int http_status;                  /* 0 when none */
	char msg[SC_ERROR_MSG_MAX];       /* ours, one line */
	char remote[SC_ERROR_REMOTE_MAX]; /* theirs, verbatim */
};

/* Clear `e` (NULL is fine). */
void sc_error_clear(struct sc_error *e);

/* Set code and message (printf format, one line: newlines become spaces).
 * `e` may be NULL. Returns `code`, so: `return sc_error_set(e, SC_EINVALID, ...)`. */
int sc_error_set(struct sc_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the current message with "prefix: " (context on the way up).
 * Returns e->code. */
int sc_error_prefix(struct sc_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Copy a remote message verbatim (truncated to fit; NUL-safe). */
void sc_error_set_remote(struct sc_error *e, const char *text, size_t len);

/* Static name of a code ("transient", "not found", ...). */
const char *sc_code_name(int code);

/* 1 when a failure with this code may clear by itself on a later run
 * (SC_ETRANSIENT, SC_ENOSPACE), 0 when it waits for a person. */
int sc_code_is_transient(int code);

/* Map an HTTP status to a code: 2xx 0, 404 ENOTFOUND, 409 ECONFLICT,
 * 401/403 EAUTH, 408/429/5xx ETRANSIENT, other 4xx EINVALID. */
int sc_code_from_http(long status);

#endif
