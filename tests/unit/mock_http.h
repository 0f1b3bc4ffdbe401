/*
 * mock_http.h: the loopback HTTP mock the adapter unit tests share
 * (libmicrohttpd on 127.0.0.1, a free port), and the small helpers around it.
 *
 * The mock does the plumbing: it starts and stops the daemon, collects each
 * request's URI and body, optionally logs every request, and hands each
 * complete request to the test's handler. What a mock answers (routes,
 * scripted sequences, records it keeps) stays in the test file: its handler
 * and its own struct, which usually embeds a struct mock_http.
 *
 * Threading: MHD runs its own threads (one per connection), so the handler
 * runs concurrently with the test thread and with itself. It must not call
 * cmocka's assertions (record what is wrong, e.g. with mock_http_problem,
 * and check it in the test). Whatever it shares with the test is guarded by
 * the mock's mutex: mock_http_lock/unlock around each access, or the flag
 * MOCK_HTTP_SERIAL, which runs every handler call under that lock. The
 * mutex is recursive, so the helpers below that take it (log, problem, LWA)
 * may be called from a handler in either mode. The test thread reads what
 * the handler recorded once the adapter call that made the requests has
 * returned (every request has then been answered).
 *
 * mock_http.c holds the server and the request/reply/text helpers;
 * mock_fixture.c the rest (files, gzip, the fake LWA, opening the adapter).
 *
 * Ownership: struct mock_http belongs to the caller (static or embedded);
 * mock_http_stop frees what the mock allocated (the log). Request fields
 * are borrowed for the handler call. Reply functions copy the body.
 */
#ifndef SC_MOCK_HTTP_H
#define SC_MOCK_HTTP_H

#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>

/* ---- the server --------------------------------------------------------- */

/* One complete request, borrowed for the handler call. */
struct mock_http_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;              /* the path (MHD's url: no query) */
	const char *uri;              /* the request target as sent, query included */
	const char *body;             /* the upload, NUL-terminated; "" when none */
	size_t len;
};

/* Answer `r`: queue a response on r->conn (mock_http_send and friends) and
 * return its result, or MHD_NO to drop the connection. */
typedef enum MHD_Result (*mock_http_fn)(void *ud, const struct mock_http_req *r);

enum {
	MOCK_HTTP_SERIAL = 1,         /* every handler call holds the mock's lock */
	MOCK_HTTP_LOG = 2,            /* log "METHOD path" and the body of each request */
	MOCK_HTTP_LOG_QUERY = 4,      /* with LOG: the line is "METHOD path?k=v&k=v"
	                                 (MHD's decoded arguments, in order) */
};

struct mock_http_entry {
	char *line;
	char *body;
};

struct mock_http {
	int port;
	char base[64];                /* "http://127.0.0.1:PORT" */
	struct mock_http_entry *log;  /* MOCK_HTTP_LOG: every request, in order */
	int nlog;
	char problem[512];            /* the first mock_http_problem, "" if none */
	/* private */
	struct MHD_Daemon *d;
	pthread_mutex_t mu;
	mock_http_fn fn;
	void *ud;
	unsigned flags;
	int alloc, live;
};

/* Zero *m and start the daemon on 127.0.0.1 (a port the kernel picks):
 * fn(ud, request) answers each request. 0, or -1 (nothing left running). */
int mock_http_start(struct mock_http *m, unsigned flags, mock_http_fn fn, void *ud);
/* Stop the daemon (waits for its threads), free the log. Safe on a mock that
 * did not start or was stopped. */
void mock_http_stop(struct mock_http *m);
void mock_http_lock(struct mock_http *m);
void mock_http_unlock(struct mock_http *m);

/* Remember the first thing a handler found wrong (printf-style; later ones
 * are dropped). The test checks m->problem. */
void mock_http_problem(struct mock_http *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The log: index of the first line at or after `from` starting with
 * `prefix`, or -1; how many lines start with it; the last such line's
 * index, or -1. mock_http_log_clear forgets every entry. */
int mock_http_log_find(const struct mock_http *m, int from, const char *prefix);
int mock_http_log_count(const struct mock_http *m, const char *prefix);
int mock_http_log_last(const struct mock_http *m, const char *prefix);
void mock_http_log_clear(struct mock_http *m);

/* ---- requests ----------------------------------------------------------- */

/* 1 when r is `method` (NULL: any) on exactly `path` / on a path starting
 * with `prefix`. */
int mock_http_is(const struct mock_http_req *r, const char *method, const char *path);
int mock_http_under(const struct mock_http_req *r, const char *method, const char *prefix);
/* A request header / decoded query argument (borrowed), NULL if absent. */
const char *mock_http_header(const struct mock_http_req *r, const char *name);
const char *mock_http_arg(const struct mock_http_req *r, const char *name);
/* How many query arguments the request has. */
int mock_http_arg_count(const struct mock_http_req *r);

/* ---- replies (the body is copied) ---------------------------------------- */

/* status + len bytes; `headers` is NULL or a NULL-terminated list of name,
 * value pairs (a pair whose value is NULL is left out). */
enum MHD_Result mock_http_send(struct MHD_Connection *conn, unsigned status, const void *body,
                               size_t len, const char *const *headers);
/* status + len bytes with Content-Type `ctype` (NULL: none). */
enum MHD_Result mock_http_bytes(struct MHD_Connection *conn, unsigned status, const void *body,
                                size_t len, const char *ctype);
/* status + text as application/json (also when the text is empty). */
enum MHD_Result mock_http_json(struct MHD_Connection *conn, unsigned status, const char *text);
/* status + text; Content-Type `ctype` only when the text is not empty;
 * Location when `location` is not NULL. */
enum MHD_Result mock_http_text(struct MHD_Connection *conn, unsigned status, const char *text,
                               const char *ctype, const char *location);
/* mock_http_text as application/json. */
enum MHD_Result mock_http_reply(struct MHD_Connection *conn, unsigned status, const char *text,
                                const char *location);

/* ---- text helpers -------------------------------------------------------- */

/* Percent-decode len bytes of s into out[n] (NUL-terminated, cut to fit);
 * `plus`: '+' means a space (forms). Returns the decoded length. */
size_t mock_http_pct_decode(char *out, size_t n, const char *s, size_t len, int plus);
/* The decoded value of `key` in an x-www-form-urlencoded body into out[n]:
 * 1, or 0 with out "" when the key is absent. */
int mock_http_form_value(const char *form, const char *key, char *out, size_t n);
/* The percent-decoded value of `key` in the query of `uri` ('+' kept):
 * 1, or 0 (out untouched) when absent. */
int mock_http_query_value(const char *uri, const char *key, char *out, size_t n);
/* How many key=value pairs the query of `uri` has (0: no query). */
int mock_http_query_count(const char *uri);

/* ---- files and documents (mock_fixture.c) --------------------------------- */

/* The whole file, NUL-terminated, heap (free()); *len its size (len may be
 * NULL). NULL when it cannot be read. */
char *mock_file_read(const char *path, size_t *len);
/* The file $env/dir/name (env SC_TESTDATA or SC_SHARED: ctest sets them;
 * unset, the source tree's tests/data or ../shared), as mock_file_read.
 * Says on stderr what it could not read. */
char *mock_data_read(const char *env, const char *dir, const char *name, size_t *len);
/* `data` gzip'ed (as Amazon's documents), heap (free()); NULL on failure. */
unsigned char *mock_gzip(const void *data, size_t len, size_t *out_len);

/* ---- a fake Login with Amazon (mock_fixture.c) --------------------------- */

#define MOCK_LWA_PATH "/auth/o2/token"
/* SP-API's 403 for a missing or stale access token. */
extern const char mock_lwa_denied[];

struct mock_lwa {
	/* script: set before the first request */
	const char *const *form;      /* NULL, or name, value pairs (NULL-terminated) the
	                                 token form must hold; value NULL: any value */
	const char *refused;          /* the 400 body for a bad form or `refuse`
	                                 (NULL: {"error":"invalid_request"}) */
	const char *fixed;            /* the token issued every time (NULL: Atza|mock-token-N) */
	const char *extra;            /* JSON members after access_token (",\"k\":\"v\"") */
	int refuse;                   /* answer every token request 400 */
	/* record, under the mock's lock */
	int calls;                    /* tokens issued */
	int bad_form;                 /* forms that lacked a pair */
	int bad_token;                /* requests mock_lwa_token_ok refused */
	char issued[64];              /* the last token issued */
};

/* Answer a token request (r is POST MOCK_LWA_PATH) as LWA does. */
enum MHD_Result mock_lwa_serve(struct mock_http *m, struct mock_lwa *l,
                               const struct mock_http_req *r);
/* 1 when r's x-amz-access-token is the last token issued; else 0 (counted
 * in bad_token): answer it 403 mock_lwa_denied. */
int mock_lwa_token_ok(struct mock_http *m, struct mock_lwa *l, const struct mock_http_req *r);

/* ---- the adapter under test (mock_fixture.c) ----------------------------- */

struct adapter_env;
struct conf;
struct http_client;
struct http_opts;
struct sc_error;

/* How a test opens its adapter against the mock. */
struct mock_open {
	const char *conf;             /* the conf text (loaded as "test.conf") */
	const char *section;          /* the adapter's section: "marketplace", "erp" */
	const struct http_opts *http; /* a new client with these; NULL: *http as it is */
	double time_scale;
	int forget_secrets;           /* log_secret_clear() once the conf is loaded: the
	                                 conf registers its secrets for redaction, a test
	                                 of the log wants what the adapter itself writes */
	int setup_rc;                 /* what a failing conf load or client returns
	                                 (0: their own code) */
	int (*open)(void **out, const struct adapter_env *env, struct sc_error *err);
};

/* Load o->conf into *conf, make *http (when o->http), open the adapter on
 * them into *out. The caller owns *conf, *http and *out (conf_free,
 * http_client_free, the adapter's close), set as far as it got. A failing
 * conf load or client: o->setup_rc (or their code); else open's result. */
int mock_adapter_open(void **out, struct conf **conf, struct http_client **http,
                      const struct mock_open *o, struct sc_error *err);

/* Close the adapter (when *self is not NULL), free the conf and the client,
 * and set the three to NULL. */
void mock_adapter_close(void **self, struct conf **conf, struct http_client **http,
                        void (*close_fn)(void *self));

struct marketplace_ops;

/* An amazon marketplace against the mock. */
struct mock_amazon {
	const char *state_dir;        /* [connector] state_dir */
	const char *client_id, *client_secret, *refresh_token;
	const char *marketplace_ids;
	const char *endpoint_tail;    /* after the mock's base URL: "/" or "" */
	const char *lines;            /* more [marketplace] lines (NULL: none) */
	int retries;                  /* the client's max_retries */
	double time_scale;
	int forget_secrets;           /* as in struct mock_open */
	const struct marketplace_ops *ops;
};

/* mock_adapter_open on [marketplace] type amazon: endpoint and token_url
 * (MOCK_LWA_PATH) on m, a's credentials and marketplace_ids, a->lines, then
 * `extra` (NULL: none); a client with short timeouts (connect 2 s, 10 s),
 * backoff 5..20 ms, Retry-After at most 50 ms. Setup failures return -1. */
int mock_amazon_open(void **out, struct conf **conf, struct http_client **http,
                     const struct mock_http *m, const struct mock_amazon *a, const char *extra,
                     struct sc_error *err);

struct erp_ops;

/* mock_adapter_open on [erp] type netsuite at m (account 1234567_SB1, TBA
 * with consumer key ck-0001 and token tk-0001, these secrets, customer 77),
 * then `lines`; a client with one retry, backoff 1..5 ms, 10 s timeout.
 * Setup failures return -1. */
int mock_netsuite_open(void **out, struct conf **conf, struct http_client **http,
                       const struct mock_http *m, const struct erp_ops *ops,
                       const char *consumer_secret, const char *token_secret, const char *lines,
                       struct sc_error *err);

#endif
