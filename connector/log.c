/* log.c: see log.h. */
#include "connector/log.h"
#include "connector/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_SECRETS_MAX 32

static enum log_format log_fmt = LOG_TEXT;
static enum log_level log_min = LOG_INFO;
static int log_fd = 2;
static char *log_secrets[LOG_SECRETS_MAX];
static size_t log_nsecrets;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

void log_set_format(enum log_format f) { log_fmt = f; }
void log_set_level(enum log_level l) { log_min = l; }
void log_set_fd(int fd) { log_fd = fd; }

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
	if (i == log_nsecrets && log_nsecrets < LOG_SECRETS_MAX) {
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
	log_nsecrets = 0;
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

		for (i = 0; i < log_nsecrets; i++) {
			size_t sl = strlen(log_secrets[i]);
			if (strncmp(in, log_secrets[i], sl) == 0) {
				hit = sl;
				break;
			}
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

	if (lvl < log_min)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, 1 << 16);
	if (log_fmt == LOG_JSON) {
		buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"", ts,
		           level_name(lvl));
		buf_json_escape(&b, event);
		buf_puts(&b, "\"");
	} else {
		buf_printf(&b, "%s %-5s %s", ts, level_name(lvl), event);
	}
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			v = "";
		if (log_fmt == LOG_JSON) {
			buf_puts(&b, ",\"");
			buf_json_escape(&b, k);
			buf_puts(&b, "\":\"");
			buf_json_escape(&b, v);
			buf_puts(&b, "\"");
		} else if (needs_quotes(v)) {
			buf_printf(&b, " %s=\"", k);
			buf_json_escape(&b, v);
			buf_puts(&b, "\"");
		} else {
			buf_printf(&b, " %s=%s", k, v);
		}
	}
	va_end(ap);
	buf_puts(&b, log_fmt == LOG_JSON ? "}\n" : "\n");

	outn = b.len * 3 + 64;
	out = malloc(outn);
	if (out != NULL) {
		ssize_t w;
		size_t len, off = 0;

		pthread_mutex_lock(&log_mu);
		redact_locked(out, outn, buf_cstr(&b));
		len = strlen(out);
		while (off < len) {
			w = write(log_fd, out + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		pthread_mutex_unlock(&log_mu);
		free(out);
	}
	buf_free(&b);
}
