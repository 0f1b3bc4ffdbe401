/*
 * oauth1.c: Token-Based Authentication (OAuth 1.0a, RFC 5849) as NetSuite
 * wants it (docs/NETSUITE.md s2): HMAC-SHA256 over a base string that holds
 * the oauth_* parameters and the URL's query parameters (never a JSON body),
 * realm = account id upper case and unsigned, a fresh nonce and timestamp
 * for every attempt (the http client calls the hook before each one).
 *
 * Checked against every vector of specs/netsuite/oauth1-test-vectors.json.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "connector/timeutil.h"

/* One parameter, both halves already percent-encoded. */
struct enc_param {
	char *name;
	char *value;
};

struct enc_params {
	struct enc_param *v;
	size_t n, alloc;
};

static void
enc_params_free(struct enc_params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
	}
	free(p->v);
	p->v = NULL;
	p->n = p->alloc = 0;
}

static char *
pct_dup(const char *s, size_t len)
{
	struct buf raw, enc;
	char *out = NULL;

	buf_init(&raw, 0);
	buf_init(&enc, 0);
	if (buf_append(&raw, s, len) == 0 && buf_url_encode(&enc, buf_cstr(&raw)) == 0)
		out = buf_take(&enc);
	if (out == NULL && len == 0)
		out = strdup("");
	buf_free(&raw);
	buf_free(&enc);
	return out;
}

static int
enc_params_add(struct enc_params *p, const char *name, size_t nlen, const char *value,
               size_t vlen)
{
	struct enc_param e = { NULL, NULL };

	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 16;
		struct enc_param *nv = realloc(p->v, na * sizeof(*nv));
		if (nv == NULL)
			return SC_ENOMEM;
		p->v = nv;
		p->alloc = na;
	}
	e.name = pct_dup(name, nlen);
	e.value = pct_dup(value, vlen);
	if (e.name == NULL || e.value == NULL) {
		free(e.name);
		free(e.value);
		return SC_ENOMEM;
	}
	p->v[p->n++] = e;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode application/x-www-form-urlencoded text ('+' is a space) into b. */
static int
form_decode(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int rc;

	buf_reset(b);
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return SC_EINVALID;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return SC_EINVALID;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if ((rc = buf_append(b, &c, 1)) < 0)
			return rc;
	}
	return buf_append(b, "", 0);
}

/* Add the query parameters of `q` (len bytes) to params. */
static int
query_params_add(struct enc_params *params, const char *q, size_t len)
{
	struct buf name, value;
	size_t i = 0;
	int rc = 0;

	buf_init(&name, 0);
	buf_init(&value, 0);
	while (i < len) {
		size_t end = i, eq;
		while (end < len && q[end] != '&')
			end++;
		if (end > i) {
			eq = i;
			while (eq < end && q[eq] != '=')
				eq++;
			if ((rc = form_decode(&name, q + i, eq - i)) < 0)
				goto done;
			if ((rc = form_decode(&value, q + (eq < end ? eq + 1 : end),
			                      eq < end ? end - eq - 1 : 0)) < 0)
				goto done;
			if (memchr(buf_cstr(&name), '\0', name.len) != NULL ||
			    memchr(buf_cstr(&value), '\0', value.len) != NULL) {
				rc = SC_EINVALID;
				goto done;
			}
			if ((rc = enc_params_add(params, buf_cstr(&name), name.len,
			                         buf_cstr(&value), value.len)) < 0)
				goto done;
		}
		i = end + 1;
	}
done:
	buf_free(&name);
	buf_free(&value);
	return rc;
}

static int
enc_param_cmp(const void *a, const void *b)
{
	const struct enc_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/* scheme://host[:port]/path of url (lower-cased scheme and host, default
 * port dropped) into b; *query / *qlen the query part (may be empty). */
static int
base_uri(struct buf *b, const char *url, const char **query, size_t *qlen)
{
	const char *sep = strstr(url, "://");
	const char *auth, *auth_end, *host_end, *path, *path_end, *p;
	size_t slen, i;
	int https, http, rc;

	if (sep == NULL || sep == url)
		return SC_EINVALID;
	slen = (size_t)(sep - url);
	auth = sep + 3;
	auth_end = auth + strcspn(auth, "/?#");
	if (auth_end == auth || memchr(auth, '@', (size_t)(auth_end - auth)) != NULL)
		return SC_EINVALID;
	path = auth_end;
	path_end = path + strcspn(path, "?#");
	*query = "";
	*qlen = 0;
	if (*path_end == '?') {
		*query = path_end + 1;
		*qlen = strcspn(*query, "#");
	}
	for (i = 0; i < slen; i++) {
		char c = (char)tolower((unsigned char)url[i]);
		if ((rc = buf_append(b, &c, 1)) < 0)
			return rc;
	}
	https = slen == 5 && strncasecmp(url, "https", 5) == 0;
	http = slen == 4 && strncasecmp(url, "http", 4) == 0;
	if ((rc = buf_puts(b, "://")) < 0)
		return rc;
	/* a port follows the last ':' unless the host is an IPv6 literal's end */
	host_end = auth_end;
	for (p = auth_end; p > auth; p--) {
		if (p[-1] == ']')
			break;
		if (p[-1] == ':') {
			host_end = p - 1;
			break;
		}
	}
	for (p = auth; p < host_end; p++) {
		char c = (char)tolower((unsigned char)*p);
		if ((rc = buf_append(b, &c, 1)) < 0)
			return rc;
	}
	if (host_end < auth_end) {
		const char *port = host_end + 1;
		size_t plen = (size_t)(auth_end - port);
		int dflt = (https && plen == 3 && memcmp(port, "443", 3) == 0) ||
		           (http && plen == 2 && memcmp(port, "80", 2) == 0);
		if (!dflt && plen > 0 && (rc = buf_append(b, host_end, plen + 1)) < 0)
			return rc;
	}
	if (path_end == path)
		return buf_puts(b, "/");
	return buf_append(b, path, (size_t)(path_end - path));
}

int
netsuite__oauth1_base_string(struct buf *out, const char *method, const char *url,
                             const struct netsuite_param *params, size_t n,
                             struct sc_error *err)
{
	struct enc_params all = { NULL, 0, 0 };
	struct buf uri, joined;
	const char *query = NULL;
	size_t qlen = 0, i;
	int rc;

	buf_init(&uri, 0);
	buf_init(&joined, 0);
	if ((rc = base_uri(&uri, url, &query, &qlen)) < 0) {
		sc_error_set(err, rc, "OAuth 1.0a: cannot read the request URL");
		goto done;
	}
	if ((rc = query_params_add(&all, query, qlen)) < 0) {
		sc_error_set(err, rc, "OAuth 1.0a: cannot read the query of the request URL");
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((rc = enc_params_add(&all, params[i].name, strlen(params[i].name),
		                         params[i].value, strlen(params[i].value))) < 0)
			goto nomem;
	}
	if (all.n > 1)
		qsort(all.v, all.n, sizeof(*all.v), enc_param_cmp);
	for (i = 0; i < all.n; i++) {
		if ((i > 0 && (rc = buf_puts(&joined, "&")) < 0) ||
		    (rc = buf_puts(&joined, all.v[i].name)) < 0 ||
		    (rc = buf_puts(&joined, "=")) < 0 ||
		    (rc = buf_puts(&joined, all.v[i].value)) < 0)
			goto nomem;
	}
	for (i = 0; method[i] != '\0'; i++) {
		char c = (char)toupper((unsigned char)method[i]);
		if ((rc = buf_append(out, &c, 1)) < 0)
			goto nomem;
	}
	if ((rc = buf_puts(out, "&")) < 0 ||
	    (rc = buf_url_encode(out, buf_cstr(&uri))) < 0 ||
	    (rc = buf_puts(out, "&")) < 0 ||
	    (rc = buf_url_encode(out, buf_cstr(&joined))) < 0)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	sc_error_set(err, rc, "OAuth 1.0a: out of memory building the base string");
done:
	enc_params_free(&all);
	buf_free(&uri);
	buf_free(&joined);
	return rc;
}

int
netsuite__oauth1_sign(char *out, size_t n, const char *sig_method, const char *base,
                      const char *consumer_secret, const char *token_secret,
                      struct sc_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *alg = NULL;
	struct buf key;
	int rc = 0;

	if (strcmp(sig_method, "HMAC-SHA256") == 0)
		alg = EVP_sha256();
	else if (strcmp(sig_method, "HMAC-SHA1") == 0)
		alg = EVP_sha1();
	else
		return sc_error_set(err, SC_ENOTSUP, "OAuth 1.0a: signature method %s is not supported",
		                    sig_method);
	buf_init(&key, 0);
	if ((rc = buf_url_encode(&key, consumer_secret)) < 0 ||
	    (rc = buf_puts(&key, "&")) < 0 ||
	    (rc = buf_url_encode(&key, token_secret)) < 0) {
		sc_error_set(err, rc, "OAuth 1.0a: out of memory");
		goto done;
	}
	if (HMAC(alg, key.data, (int)key.len, (const unsigned char *)base, strlen(base), md,
	         &mdlen) == NULL) {
		rc = sc_error_set(err, SC_ERROR, "OAuth 1.0a: HMAC failed");
		goto done;
	}
	if (n < 4 * ((mdlen + 2) / 3) + 1) {
		rc = sc_error_set(err, SC_ENOSPACE, "OAuth 1.0a: signature buffer too small");
		goto done;
	}
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
done:
	if (key.data != NULL)
		OPENSSL_cleanse(key.data, key.len);
	buf_free(&key);
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

int
netsuite__oauth1_header(struct buf *out, const struct netsuite_tba *tba, const char *method,
                        const char *url, const char *timestamp, const char *nonce,
                        struct sc_error *err)
{
	const struct netsuite_param params[] = {
		{ "oauth_consumer_key", tba->consumer_key },
		{ "oauth_token", tba->token_id },
		{ "oauth_signature_method", "HMAC-SHA256" },
		{ "oauth_timestamp", timestamp },
		{ "oauth_nonce", nonce },
		{ "oauth_version", "1.0" },
	};
	char sig[128];
	struct buf base;
	int rc;

	buf_init(&base, 0);
	if ((rc = netsuite__oauth1_base_string(&base, method, url, params,
	                                       sizeof(params) / sizeof(params[0]), err)) < 0)
		goto done;
	if ((rc = netsuite__oauth1_sign(sig, sizeof(sig), "HMAC-SHA256", buf_cstr(&base),
	                                tba->consumer_secret, tba->token_secret, err)) < 0)
		goto done;
	if ((rc = buf_printf(out, "OAuth realm=\"%s\", oauth_consumer_key=\"", tba->realm)) < 0 ||
	    (rc = buf_url_encode(out, tba->consumer_key)) < 0 ||
	    (rc = buf_puts(out, "\", oauth_token=\"")) < 0 ||
	    (rc = buf_url_encode(out, tba->token_id)) < 0 ||
	    (rc = buf_puts(out, "\", oauth_signature_method=\"HMAC-SHA256\"")) < 0 ||
	    (rc = buf_puts(out, ", oauth_timestamp=\"")) < 0 ||
	    (rc = buf_url_encode(out, timestamp)) < 0 ||
	    (rc = buf_puts(out, "\", oauth_nonce=\"")) < 0 ||
	    (rc = buf_url_encode(out, nonce)) < 0 ||
	    (rc = buf_puts(out, "\", oauth_version=\"1.0\", oauth_signature=\"")) < 0 ||
	    (rc = buf_url_encode(out, sig)) < 0 ||
	    (rc = buf_puts(out, "\"")) < 0) {
		sc_error_set(err, rc, "OAuth 1.0a: out of memory building the header");
		goto done;
	}
done:
	OPENSSL_cleanse(sig, sizeof(sig));
	buf_free(&base);
	return rc;
}

int
netsuite__tba_auth(void *ud, const struct http_request *req, struct http_headers *hdrs,
                   struct sc_error *err)
{
	static const char hex[] = "0123456789abcdef";
	struct netsuite *ns = ud;
	unsigned char raw[16];
	char nonce[2 * sizeof(raw) + 1], ts[24];
	struct buf value;
	size_t i;
	int rc;

	if (RAND_bytes(raw, (int)sizeof(raw)) != 1)
		return sc_error_set(err, SC_ERROR, "OAuth 1.0a: no random bytes for a nonce");
	for (i = 0; i < sizeof(raw); i++) {
		nonce[2 * i] = hex[raw[i] >> 4];
		nonce[2 * i + 1] = hex[raw[i] & 15];
	}
	nonce[2 * sizeof(raw)] = '\0';
	snprintf(ts, sizeof(ts), "%lld", (long long)time_now());
	buf_init(&value, 0);
	if ((rc = netsuite__oauth1_header(&value, &ns->tba, req->method, req->url, ts, nonce,
	                                  err)) < 0)
		goto done;
	if ((rc = http_headers_add(hdrs, "Authorization", buf_cstr(&value))) < 0)
		sc_error_set(err, rc, "OAuth 1.0a: out of memory adding the header");
done:
	if (value.data != NULL)
		OPENSSL_cleanse(value.data, value.len);
	buf_free(&value);
	return rc;
}
