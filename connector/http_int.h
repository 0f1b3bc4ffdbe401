/* http_int.h: what http.c and http_policy.c share. Not for other modules. */
#ifndef SC_HTTP_INT_H
#define SC_HTTP_INT_H

#include <curl/curl.h>

#include "connector/http.h"

/* Bound on the response header block of one attempt (curl caps each line). */
#define HTTP_HEADERS_MAX ((size_t)256 * 1024)

/* What the URL check learned; `cu` is what curl is given, so the URL that
 * was checked is the URL that is fetched. */
struct http_url {
	CURLU *cu;
	int loopback;
	char host[256];
	char target[512];   /* host[:port]/path: never the query */
};

/* curl_global_init, once per process. */
void http__global_init(void);

/* Append an owned "Name: value" line (taken, freed on error). */
int http__headers_push(struct http_headers *h, char *line);
/* 1 when s holds a CR or LF. */
int http__has_crlf(const char *s);

/* Parse and check `url` against the policy; on failure *why says why
 * (static text). Free with http__url_free. */
int http__url_parse(struct http_url *u, const char *url, const char **why);
void http__url_free(struct http_url *u);
/* Retry-After of the response in ms (seconds or HTTP date), capped at
 * max_ms; -1 when absent or unreadable. */
long http__retry_after_ms(const struct http_response *resp, long max_ms);

#endif
