/*
 * mock_http.c: the loopback HTTP mock of the adapter unit tests (see
 * mock_http.h for the contract: ownership, threading, what stays in tests).
 *
 * Each connection's request gets a struct conn from the URI log callback
 * (the raw target, query included); the handler's first call only marks it
 * started, the next ones collect the upload, the last one (no more upload)
 * logs the request and calls the test's handler. The completion callback
 * frees the struct conn.
 */
#include "tests/unit/mock_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connector/buf.h"

struct conn {
	char *uri;
	struct buf body;
	int started;
};

/* ---- the server --------------------------------------------------------- */

static void *
conn_open(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn *k = calloc(1, sizeof(*k));

	(void)cls;
	(void)c;
	if (k == NULL)
		return NULL;
	buf_init(&k->body, 0);
	k->uri = strdup(uri);
	if (k->uri == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

static void
conn_close(void *cls, struct MHD_Connection *c, void **con_cls,
           enum MHD_RequestTerminationCode toe)
{
	struct conn *k = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (k == NULL)
		return;
	free(k->uri);
	buf_free(&k->body);
	free(k);
	*con_cls = NULL;
}

static enum MHD_Result
arg_append(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct buf *q = cls;

	(void)kind;
	buf_printf(q, "%s%s=%s", q->len > 0 ? "&" : "", key, value != NULL ? value : "");
	return MHD_YES;
}

/* Append r to the log (under the lock). */
static void
log_add(struct mock_http *m, const struct mock_http_req *r)
{
	struct mock_http_entry *e;
	struct buf line, q;

	buf_init(&line, 0);
	buf_init(&q, 0);
	if (m->flags & MOCK_HTTP_LOG_QUERY)
		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, arg_append, &q);
	buf_printf(&line, "%s %s%s%s", r->method, r->url, q.len > 0 ? "?" : "", buf_cstr(&q));
	buf_free(&q);
	mock_http_lock(m);
	if (m->nlog == m->alloc) {
		int n = m->alloc > 0 ? 2 * m->alloc : 32;

		e = realloc(m->log, (size_t)n * sizeof(*e));
		if (e == NULL) {
			mock_http_unlock(m);
			buf_free(&line);
			return;
		}
		m->log = e;
		m->alloc = n;
	}
	e = &m->log[m->nlog++];
	e->line = buf_take(&line);
	e->body = strdup(r->body);
	mock_http_unlock(m);
}

static enum MHD_Result
dispatch(void *cls, struct MHD_Connection *c, const char *url, const char *method,
         const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct mock_http *m = cls;
	struct conn *k = *con_cls;
	struct mock_http_req r;
	enum MHD_Result ret;

	(void)version;
	if (k == NULL)
		return MHD_NO;
	if (!k->started) {
		k->started = 1;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (buf_append(&k->body, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	r.conn = c;
	r.method = method;
	r.url = url;
	r.uri = k->uri;
	r.body = buf_cstr(&k->body);
	r.len = k->body.len;
	if (m->flags & MOCK_HTTP_LOG)
		log_add(m, &r);
	if (!(m->flags & MOCK_HTTP_SERIAL))
		return m->fn(m->ud, &r);
	mock_http_lock(m);
	ret = m->fn(m->ud, &r);
	mock_http_unlock(m);
	return ret;
}

int
mock_http_start(struct mock_http *m, unsigned flags, mock_http_fn fn, void *ud)
{
	pthread_mutexattr_t ma;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	m->fn = fn;
	m->ud = ud;
	m->flags = flags;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	m->live = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	m->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
	                        0, NULL, NULL, dispatch, m,
	                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                        MHD_OPTION_URI_LOG_CALLBACK, conn_open, m,
	                        MHD_OPTION_NOTIFY_COMPLETED, conn_close, m,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	                        MHD_OPTION_END);
	if (m->d == NULL)
		goto done;
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0)
		goto done;
	m->port = info->port;
	snprintf(m->base, sizeof(m->base), "http://127.0.0.1:%d", m->port);
	rc = 0;
done:
	if (rc < 0)
		mock_http_stop(m);
	return rc;
}

void
mock_http_stop(struct mock_http *m)
{
	if (!m->live)
		return;
	if (m->d != NULL)
		MHD_stop_daemon(m->d);
	m->d = NULL;
	mock_http_log_clear(m);
	free(m->log);
	m->log = NULL;
	m->alloc = 0;
	pthread_mutex_destroy(&m->mu);
	m->live = 0;
}

void
mock_http_lock(struct mock_http *m)
{
	pthread_mutex_lock(&m->mu);
}

void
mock_http_unlock(struct mock_http *m)
{
	pthread_mutex_unlock(&m->mu);
}

void
mock_http_problem(struct mock_http *m, const char *fmt, ...)
{
	va_list ap;

	mock_http_lock(m);
	if (m->problem[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(m->problem, sizeof(m->problem), fmt, ap);
		va_end(ap);
	}
	mock_http_unlock(m);
}

int
mock_http_log_find(const struct mock_http *m, int from, const char *prefix)
{
	int i;

	for (i = from < 0 ? 0 : from; i < m->nlog; i++)
		if (strncmp(m->log[i].line, prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

int
mock_http_log_count(const struct mock_http *m, const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < m->nlog; i++)
		n += strncmp(m->log[i].line, prefix, strlen(prefix)) == 0;
	return n;
}

int
mock_http_log_last(const struct mock_http *m, const char *prefix)
{
	int i;

	for (i = m->nlog - 1; i >= 0; i--)
		if (strncmp(m->log[i].line, prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

void
mock_http_log_clear(struct mock_http *m)
{
	int i;

	mock_http_lock(m);
	for (i = 0; i < m->nlog; i++) {
		free(m->log[i].line);
		free(m->log[i].body);
	}
	m->nlog = 0;
	mock_http_unlock(m);
}

/* ---- requests ----------------------------------------------------------- */

int
mock_http_is(const struct mock_http_req *r, const char *method, const char *path)
{
	return (method == NULL || strcmp(r->method, method) == 0) && strcmp(r->url, path) == 0;
}

int
mock_http_under(const struct mock_http_req *r, const char *method, const char *prefix)
{
	return (method == NULL || strcmp(r->method, method) == 0) &&
	       strncmp(r->url, prefix, strlen(prefix)) == 0;
}

const char *
mock_http_header(const struct mock_http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
mock_http_arg(const struct mock_http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int
mock_http_arg_count(const struct mock_http_req *r)
{
	return MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
}

/* ---- replies ------------------------------------------------------------ */

enum MHD_Result
mock_http_send(struct MHD_Connection *conn, unsigned status, const void *body, size_t len,
               const char *const *headers)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t i;

	mr = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (mr == NULL)
		return MHD_NO;
	for (i = 0; headers != NULL && headers[i] != NULL; i += 2)
		if (headers[i + 1] != NULL)
			MHD_add_response_header(mr, headers[i], headers[i + 1]);
	ret = MHD_queue_response(conn, status, mr);
	MHD_destroy_response(mr);
	return ret;
}

enum MHD_Result
mock_http_bytes(struct MHD_Connection *conn, unsigned status, const void *body, size_t len,
                const char *ctype)
{
	const char *const h[] = { "Content-Type", ctype, NULL };

	return mock_http_send(conn, status, body, len, h);
}

enum MHD_Result
mock_http_json(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return mock_http_bytes(conn, status, text, strlen(text), "application/json");
}

enum MHD_Result
mock_http_text(struct MHD_Connection *conn, unsigned status, const char *text,
               const char *ctype, const char *location)
{
	const char *const h[] = { "Content-Type", text[0] != '\0' ? ctype : NULL,
	                          "Location", location, NULL };

	return mock_http_send(conn, status, text, strlen(text), h);
}

enum MHD_Result
mock_http_reply(struct MHD_Connection *conn, unsigned status, const char *text,
                const char *location)
{
	return mock_http_text(conn, status, text, "application/json", location);
}

/* ---- text helpers ------------------------------------------------------- */

size_t
mock_http_pct_decode(char *out, size_t n, const char *s, size_t len, int plus)
{
	size_t i, o = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < len && o + 1 < n; i++) {
		if (s[i] == '%' && i + 2 < len) {
			char hx[3] = { s[i + 1], s[i + 2], '\0' };

			out[o++] = (char)strtoul(hx, NULL, 16);
			i += 2;
		} else {
			out[o++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	out[o] = '\0';
	return o;
}

/* The value of `key` among the &-separated pairs starting at p: its start
 * and length, or NULL. */
static const char *
pair_find(const char *p, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			*vlen = len - kl - 1;
			return p + kl + 1;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

int
mock_http_form_value(const char *form, const char *key, char *out, size_t n)
{
	size_t vlen = 0;
	const char *v = pair_find(form, key, &vlen);

	if (n > 0)
		out[0] = '\0';
	if (v == NULL)
		return 0;
	mock_http_pct_decode(out, n, v, vlen, 1);
	return 1;
}

int
mock_http_query_value(const char *uri, const char *key, char *out, size_t n)
{
	const char *q = strchr(uri, '?');
	size_t vlen = 0;
	const char *v = q != NULL ? pair_find(q + 1, key, &vlen) : NULL;

	if (v == NULL)
		return 0;
	mock_http_pct_decode(out, n, v, vlen, 0);
	return 1;
}

int
mock_http_query_count(const char *uri)
{
	const char *q = strchr(uri, '?');
	int n = 1;

	if (q == NULL || q[1] == '\0')
		return 0;
	for (; *q != '\0'; q++)
		n += *q == '&';
	return n;
}
