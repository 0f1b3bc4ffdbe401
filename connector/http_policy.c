/* http_policy.c: header lists, the URL policy (http only to loopback) and
 * Retry-After: the parts of the HTTP client that decide, not transfer. */
#include "connector/http.h"
#include "connector/http_int.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int
http__headers_push(struct http_headers *h, char *line)
{
	char **nl;
	size_t na;

	if (h->n == h->alloc) {
		na = h->alloc ? h->alloc * 2 : 8;
		nl = realloc(h->lines, na * sizeof(*nl));
		if (nl == NULL)
			return SC_ENOMEM;
		h->lines = nl;
		h->alloc = na;
	}
	h->lines[h->n++] = line;
	return 0;
}

int
http__has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

int
http_headers_add(struct http_headers *h, const char *name, const char *value)
{
	char *line = NULL;
	size_t len;
	int rc;

	if (h == NULL || name == NULL || value == NULL || name[0] == '\0' ||
	    strchr(name, ':') != NULL || strpbrk(name, " \t") != NULL ||
	    http__has_crlf(name) || http__has_crlf(value))
		return SC_EINVALID;
	len = strlen(name) + 2 + strlen(value) + 1;
	line = malloc(len);
	if (line == NULL)
		return SC_ENOMEM;
	snprintf(line, len, "%s: %s", name, value);
	if ((rc = http__headers_push(h, line)) < 0)
		free(line);
	return rc;
}

void
http_headers_free(struct http_headers *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free(h->lines[i]);
	free(h->lines);
	h->lines = NULL;
	h->n = 0;
	h->alloc = 0;
}

const char *
http_response_header(const struct http_response *resp, const char *name)
{
	size_t nl, i;
	const char *p;

	if (resp == NULL || name == NULL)
		return NULL;
	nl = strlen(name);
	for (i = 0; i < resp->headers.n; i++) {
		p = resp->headers.lines[i];
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		p += nl + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		return p;
	}
	return NULL;
}

void
http_response_free(struct http_response *resp)
{
	if (resp == NULL)
		return;
	buf_free(&resp->body);
	http_headers_free(&resp->headers);
	resp->status = 0;
	resp->attempts = 0;
}

/* --- URL policy ------------------------------------------------------ */

static int
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char tmp[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof(tmp))
		return 0;
	memcpy(tmp, host + 1, n - 2);
	tmp[n - 2] = '\0';
	if (inet_pton(AF_INET6, tmp, &a6) != 1)
		return 0;
	return memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
}

void
http__url_free(struct http_url *u)
{
	curl_url_cleanup(u->cu);
	u->cu = NULL;
}

/* Parse `url` into `u`. SC_EINVALID (with a reason in *why) when it is not
 * http(s), or plain http to a host that is not loopback. */
int
http__url_parse(struct http_url *u, const char *url, const char **why)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	int https, rc = SC_EINVALID;

	memset(u, 0, sizeof(*u));
	*why = "malformed URL";
	http__global_init();
	if (url == NULL || (u->cu = curl_url()) == NULL)
		goto done;
	if (curl_url_set(u->cu, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u->cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		goto done;
	https = strcasecmp(scheme, "https") == 0;
	if (!https && strcasecmp(scheme, "http") != 0) {
		*why = "only http and https URLs are allowed";
		goto done;
	}
	if (curl_url_get(u->cu, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u->cu, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u->cu, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	snprintf(u->host, sizeof(u->host), "%s", host);
	snprintf(u->target, sizeof(u->target), "%s%s%s%s", host,
	         port ? ":" : "", port ? port : "", path);
	u->loopback = host_is_loopback(host);
	if (!https && !u->loopback) {
		*why = "plain http is only allowed to a loopback host (use https)";
		goto done;
	}
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	if (rc < 0)
		http__url_free(u);
	return rc;
}

int
http_url_is_loopback(const char *url)
{
	struct http_url u;
	const char *why = NULL;
	int r;

	if (http__url_parse(&u, url, &why) < 0)
		return 0;
	r = u.loopback;
	http__url_free(&u);
	return r;
}

/* --- client ---------------------------------------------------------- */


/* Retry-After of the response in ms (seconds or HTTP date), capped;
 * -1 when absent or unreadable. */
long
http__retry_after_ms(const struct http_response *resp, long max_ms)
{
	const char *v = http_response_header(resp, "Retry-After");
	const char *p;
	char *end = NULL;
	long long secs;
	time_t when;

	if (v == NULL || *v == '\0')
		return -1;
	for (p = v; *p >= '0' && *p <= '9'; p++)
		;
	if (p != v && (*p == '\0' || *p == ' ' || *p == '\t')) {
		errno = 0;
		secs = strtoll(v, &end, 10);
		if (errno != 0 || secs > max_ms / 1000 + 1)
			return max_ms;
	} else {
		when = curl_getdate(v, NULL);
		if (when == (time_t)-1)
			return -1;
		secs = (long long)(when - time(NULL));
		if (secs < 0)
			secs = 0;
		if (secs > max_ms / 1000 + 1)
			return max_ms;
	}
	return secs * 1000 > max_ms ? max_ms : (long)(secs * 1000);
}

