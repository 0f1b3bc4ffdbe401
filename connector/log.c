/* log.c: see log.h. */
#include "connector/log.h"
#include "connector/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A line longer than this is cut and marked (the line still ends in '\n'). */
#define LOG_LINE_MAX (1 << 16)

static enum log_format log_fmt = LOG_TEXT;
static enum log_level log_min = LOG_INFO;
static int log_fd = 2;
static int log_tty = -1;   /* log_fd is a terminal: 1, not: 0, not known yet: -1 */
static char **log_secrets;      /* grows: a dropped secret would leak */
static size_t log_nsecrets, log_asecrets;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

void log_set_format(enum log_format f) { log_fmt = f; }
enum log_format log_get_format(void) { return log_fmt; }
void log_set_level(enum log_level l) { log_min = l; }
void log_set_fd(int fd) { log_fd = fd; log_tty = -1; }

void
log_secret_add(const char *value)
{
	size_t i;

	if (value == NULL || strlen(value) < 4)
		return;
	pthread_mutex_lock(&log_mu);
	for (i = 0; i < log_nsecrets; i++)
		if (strcmp(log_secrets[i], value) == 0)
			break;
	if (i == log_nsecrets && log_nsecrets == log_asecrets) {
		size_t na = log_asecrets ? log_asecrets * 2 : 16;
		char **p = realloc(log_secrets, na * sizeof(*p));

		if (p != NULL) {
			log_secrets = p;
			log_asecrets = na;
		}
	}
	if (i == log_nsecrets && log_nsecrets < log_asecrets) {
		char *dup = strdup(value);
		if (dup != NULL)
			log_secrets[log_nsecrets++] = dup;
	}
	pthread_mutex_unlock(&log_mu);
}

void
log_secret_clear(void)
{
	size_t i;

	pthread_mutex_lock(&log_mu);
	for (i = 0; i < log_nsecrets; i++)
		free(log_secrets[i]);
	free(log_secrets);
	log_secrets = NULL;
	log_nsecrets = 0;
	log_asecrets = 0;
	pthread_mutex_unlock(&log_mu);
}

/* Caller holds log_mu. */
static void
redact_locked(char *out, size_t n, const char *in)
{
	size_t o = 0;

	if (n == 0)
		return;
	while (*in != '\0' && o + 1 < n) {
		size_t i, hit = 0;

		/* The longest secret matching here: with "abcd" and "abcdefgh"
		 * registered, "abcdefgh" must not come out as "[redacted]efgh". */
		for (i = 0; i < log_nsecrets; i++) {
			size_t sl = strlen(log_secrets[i]);
			if (sl > hit && strncmp(in, log_secrets[i], sl) == 0)
				hit = sl;
		}
		if (hit > 0) {
			const char *r = "[redacted]";
			while (*r != '\0' && o + 1 < n)
				out[o++] = *r++;
			in += hit;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

void
log_redact(char *out, size_t n, const char *in)
{
	pthread_mutex_lock(&log_mu);
	redact_locked(out, n, in);
	pthread_mutex_unlock(&log_mu);
}

static const char *
level_name(enum log_level l)
{
	switch (l) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_WARN: return "warn";
	default: return "error";
	}
}

static int
needs_quotes(const char *v)
{
	if (*v == '\0')
		return 1;
	for (; *v != '\0'; v++)
		if (*v == ' ' || *v == '"' || *v == '=' || (unsigned char)*v < 0x20)
			return 1;
	return 0;
}

/* Caller holds log_mu. Append `v` with every secret replaced first, then
 * escaped: a secret holding '"' or '\\' would no longer match once escaped.
 * quote: 0 as is, 1 JSON-escaped, 2 text-format value (quoted when needed). */
static int
log_append_locked(struct buf *b, const char *v, int quote)
{
	size_t n = strlen(v) * 3 + 16;   /* "[redacted]" (10) replaces >= 4 */
	char *tmp = malloc(n);
	int rc;

	if (tmp == NULL)
		return buf_puts(b, "[redacted]");
	redact_locked(tmp, n, v);
	if (quote == 2 && !needs_quotes(tmp))
		quote = 0;
	if (quote == 0)
		rc = buf_puts(b, tmp);
	else if (quote == 1)
		rc = buf_json_escape(b, tmp);
	else if ((rc = buf_puts(b, "\"")) == 0 && (rc = buf_json_escape(b, tmp)) == 0)
		rc = buf_puts(b, "\"");
	free(tmp);
	return rc;
}

/* Caller holds log_mu. The line up to its end (no newline). */
static int
log_head_locked(struct buf *b, const char *ts, enum log_level lvl, const char *event)
{
	int rc;

	if (log_fmt == LOG_JSON) {
		if ((rc = buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"", ts,
		                     level_name(lvl))) < 0 ||
		    (rc = log_append_locked(b, event, 1)) < 0)
			return rc;
		return buf_puts(b, "\"");
	}
	if ((rc = buf_printf(b, "%s %-5s ", ts, level_name(lvl))) < 0)
		return rc;
	return log_append_locked(b, event, 0);
}

void
log_event(enum log_level lvl, const char *event, ...)
{
	struct buf b;
	char ts[32];
	struct tm tm;
	time_t now;
	va_list ap;
	const char *k, *v;
	char *out;
	size_t outn;
	int rc;

	if (lvl < log_min)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, LOG_LINE_MAX);
	pthread_mutex_lock(&log_mu);
	rc = log_head_locked(&b, ts, lvl, event);
	va_start(ap, event);
	while (rc == 0 && (k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			v = "";
		if (log_fmt == LOG_JSON) {
			if ((rc = buf_puts(&b, ",\"")) < 0 ||
			    (rc = log_append_locked(&b, k, 1)) < 0 ||
			    (rc = buf_puts(&b, "\":\"")) < 0 ||
			    (rc = log_append_locked(&b, v, 1)) < 0)
				break;
			rc = buf_puts(&b, "\"");
		} else {
			if ((rc = buf_puts(&b, " ")) < 0 ||
			    (rc = log_append_locked(&b, k, 0)) < 0 ||
			    (rc = buf_puts(&b, "=")) < 0)
				break;
			rc = log_append_locked(&b, v, 2);
		}
	}
	va_end(ap);
	if (rc == 0)
		rc = buf_puts(&b, log_fmt == LOG_JSON ? "}\n" : "\n");
	if (rc < 0) {
		/* Too long (or no memory): say so on a short line of its own. */
		buf_reset(&b);
		log_head_locked(&b, ts, lvl, event);
		buf_puts(&b, log_fmt == LOG_JSON ? ",\"truncated\":\"true\"}\n"
		                                 : " truncated=true\n");
	}

	outn = b.len * 3 + 64;
	out = malloc(outn);
	if (out != NULL) {
		ssize_t w;
		size_t len, off = 0;

		redact_locked(out, outn, buf_cstr(&b));
		len = strlen(out);
		/* On a terminal a progress line may be drawn: overwrite it
		 * (progress.h); its next redraw puts it back under this line. */
		if (log_tty < 0)
			log_tty = isatty(log_fd) == 1;
		if (log_fmt == LOG_TEXT && log_tty && write(log_fd, "\r\033[K", 4) < 0)
			len = 0;
		while (off < len) {
			w = write(log_fd, out + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		free(out);
	}
	pthread_mutex_unlock(&log_mu);
	buf_free(&b);
}
