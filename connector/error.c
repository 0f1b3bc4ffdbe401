/* error.c: see error.h. */
#include "connector/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
sc_error_clear(struct sc_error *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->http_status = 0;
	e->msg[0] = '\0';
	e->remote[0] = '\0';
}

static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

int
sc_error_set(struct sc_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	one_line(e->msg);
	return code;
}

int
sc_error_prefix(struct sc_error *e, const char *fmt, ...)
{
	char prefix[SC_ERROR_MSG_MAX];
	char old[SC_ERROR_MSG_MAX];
	va_list ap;

	if (e == NULL)
		return SC_ERROR;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (old[0] != '\0')
		snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	else
		snprintf(e->msg, sizeof(e->msg), "%s", prefix);
	one_line(e->msg);
	return e->code;
}

void
sc_error_set_remote(struct sc_error *e, const char *text, size_t len)
{
	size_t i, n;

	if (e == NULL)
		return;
	if (text == NULL)
		len = 0;
	n = len < sizeof(e->remote) - 1 ? len : sizeof(e->remote) - 1;
	for (i = 0; i < n; i++)
		e->remote[i] = text[i] == '\0' ? ' ' : text[i];
	e->remote[n] = '\0';
	one_line(e->remote);
}

const char *
sc_code_name(int code)
{
	switch (code) {
	case SC_OK: return "ok";
	case SC_ENOTFOUND: return "not found";
	case SC_ECONFLICT: return "conflict";
	case SC_ETRANSIENT: return "transient";
	case SC_EAUTH: return "auth";
	case SC_EMALFORMED: return "malformed";
	case SC_ENOSPACE: return "no space";
	case SC_ENOTSUP: return "not supported";
	case SC_ELOCKED: return "locked";
	case SC_ENOMEM: return "out of memory";
	case SC_EINVALID: return "invalid";
	case SC_EINTR: return "interrupted";
	default: return "error";
	}
}

int
sc_code_is_transient(int code)
{
	return code == SC_ETRANSIENT || code == SC_ENOSPACE;
}

int
sc_code_from_http(long status)
{
	if (status >= 200 && status < 300)
		return SC_OK;
	if (status == 404)
		return SC_ENOTFOUND;
	if (status == 409)
		return SC_ECONFLICT;
	if (status == 401 || status == 403)
		return SC_EAUTH;
	if (status == 408 || status == 429 || status >= 500)
		return SC_ETRANSIENT;
	return SC_EINVALID;
}
