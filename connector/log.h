/*
 * log.h: one line per event on stderr.
 *
 * Text (default): "2026-11-20T08:00:00Z info  order.synced order_id=111-... erp_id=647"
 * JSON (--log-format json): {"ts":"...","level":"info","event":"order.synced","order_id":"111-...",...}
 *
 * Events are dotted names; fields are key/value string pairs ending in NULL.
 * Secrets: every value registered with log_secret_add() is replaced by
 * "[redacted]" wherever it appears in a line, as a last line of defence; the
 * first is never to pass a secret to the log at all.
 * Thread-safe (one write(2) per line).
 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT = 0, LOG_JSON };

void log_set_format(enum log_format f);
enum log_format log_get_format(void);
void log_set_level(enum log_level l);
/* Register a secret value to redact (copied; values shorter than 4 chars are ignored). */
void log_secret_add(const char *value);
/* Forget every registered secret (tests). */
void log_secret_clear(void);

/* log_event(LOG_INFO, "order.synced", "order_id", id, "erp_id", eid, NULL) */
void log_event(enum log_level lvl, const char *event, ...)
	__attribute__((sentinel));

/* Redirect output to a file descriptor (tests); default 2. */
void log_set_fd(int fd);

/* Copy `in` into `out` (size n) with every registered secret replaced. */
void log_redact(char *out, size_t n, const char *in);

#endif
