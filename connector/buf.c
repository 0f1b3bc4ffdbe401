/* buf.c: see buf.h. */
#include "connector/buf.h"
#include "connector/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_CAP ((size_t)1 << 30)

void
buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : BUF_DEFAULT_CAP;
	size_t need, na;
	char *p;

	if (cap > SIZE_MAX / 4)      /* so len + extra + 1 and na * 2 cannot wrap */
		cap = SIZE_MAX / 4;
	if (extra > cap || b->len > cap - extra)
		return SC_ENOSPACE;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	na = b->alloc ? b->alloc : 64;
	while (na < need)
		na *= 2;
	p = realloc(b->data, na);
	if (p == NULL)
		return SC_ENOMEM;
	b->data = p;
	b->alloc = na;
	b->data[b->len] = '\0';   /* the content stays a string */
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int rc;

	if ((rc = buf_reserve(b, n)) < 0)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SC_ERROR;
	if ((rc = buf_reserve(b, (size_t)n)) < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* Undo a partial append: back to `len`, returning `rc`. */
static int
buf_truncate(struct buf *b, size_t len, int rc)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
	return rc;
}

int
buf_json_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	const unsigned char *run;
	size_t len0 = b->len;
	int rc;

	for (p = run = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[7];
		size_t elen = 0;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			elen = 2;
		} else if (*p < 0x20) {
			esc[0] = '\\';
			switch (*p) {
			case '\n': esc[1] = 'n'; elen = 2; break;
			case '\r': esc[1] = 'r'; elen = 2; break;
			case '\t': esc[1] = 't'; elen = 2; break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 15];
				elen = 6;
			}
		} else {
			continue;
		}
		if ((rc = buf_append(b, run, (size_t)(p - run))) < 0 ||
		    (rc = buf_append(b, esc, elen)) < 0)
			return buf_truncate(b, len0, rc);
		run = p + 1;
	}
	if ((rc = buf_append(b, run, (size_t)(p - run))) < 0)
		return buf_truncate(b, len0, rc);
	return 0;
}

int
buf_url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t len0 = b->len;
	int rc;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			rc = buf_append(b, p, 1);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			rc = buf_append(b, enc, 3);
		}
		if (rc < 0)
			return buf_truncate(b, len0, rc);
	}
	return 0;
}

char *
buf_take(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}
