/*
 * buf.h: a growable byte buffer with a hard cap (curl's dynbuf).
 *
 * The content is always NUL-terminated. Appending past `cap` fails with
 * SC_ENOSPACE and leaves the buffer as it was. buf_free() on a zeroed or
 * freed buffer is safe.
 */
#ifndef SC_BUF_H
#define SC_BUF_H

#include <stddef.h>

struct buf {
	char *data;   /* NUL-terminated, NULL until the first append */
	size_t len;
	size_t alloc;
	size_t cap;   /* maximum len; 0 means 1 GiB */
};

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                 /* len = 0, keeps memory */
/* Make room for `extra` more bytes in one allocation (within cap). */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append `s` JSON-escaped, without the quotes. */
int buf_json_escape(struct buf *b, const char *s);
/* Append `s` percent-encoded per RFC 3986 (unreserved kept). */
int buf_url_encode(struct buf *b, const char *s);
/* Hand the data over: *out owns it (free()), b is reset to empty. */
char *buf_take(struct buf *b);
const char *buf_cstr(const struct buf *b);     /* "" when empty */

#endif
