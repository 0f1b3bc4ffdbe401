/* nsauth.c: NetSuite authentication.
 *
 * OAuth 2.0 client credentials: the client assertion is a JWT (PS256/384/512
 * = RSA-PSS with salt length = digest length, or ES256/384/512 with raw
 * r||s) verified against --netsuite-public-key; kid = certificate_id,
 * iss = client_id, scope holds rest_webservices, aud = this token URL,
 * exp <= iat + 3600 and not past.
 *
 * TBA (OAuth 1.0a, HMAC-SHA256) per docs/NETSUITE.md section 2: base string
 * METHOD & pct(http://host/path) & pct(sorted k=v of the oauth_* header
 * params without realm/signature, the query params and form body params);
 * key pct(consumer_secret) & pct(token_secret); timestamp within 300 s;
 * a nonce is accepted once. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"
#include "connector/log.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_TOKEN_PATH "/services/rest/auth/oauth2/v1/token"
#define NS_TOKEN_LIFETIME_S 3600
#define NS_INVALID_LOGIN "Invalid login attempt. For more details, see the Login Audit Trail " \
	"in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail."

static int
str_eq_ct(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

static void
why_log(const struct sbx *sb, const char *event, const char *why)
{
	if (sb->verbose)
		log_event(LOG_INFO, event, "reason", why, NULL);
}

/* ---- JWT ------------------------------------------------------------------ */

static json_object *
jwt_part(const char *s, size_t len)
{
	unsigned char *raw = NULL;
	size_t n = 0;
	json_object *o = NULL;

	if (sbx_base64_decode(&raw, &n, s, len) < 0)
		return NULL;
	o = sbx_json_parse((const char *)raw, n, NULL, 0);
	free(raw);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* Raw r||s (JWS) to a DER ECDSA-Sig-Value. *out malloc'd. */
static int
ecdsa_raw_to_der(unsigned char **out, size_t *outlen, const unsigned char *sig, size_t n)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL, *p;
	int len, rc = SC_EINVALID;

	*out = NULL;
	if (es == NULL || n == 0 || n % 2 != 0)
		goto done;
	r = BN_bin2bn(sig, (int)(n / 2), NULL);
	s = BN_bin2bn(sig + n / 2, (int)(n / 2), NULL);
	if (r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto done;
	r = s = NULL;
	len = i2d_ECDSA_SIG(es, NULL);
	if (len <= 0 || (der = malloc((size_t)len)) == NULL)
		goto done;
	p = der;
	i2d_ECDSA_SIG(es, &p);
	*out = der;
	*outlen = (size_t)len;
	rc = 0;
done:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

static int
jwt_signature_ok(EVP_PKEY *key, const char *alg, const unsigned char *data, size_t dlen,
                 const unsigned char *sig, size_t slen)
{
	const EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int ok = 0, is_ps = alg[0] == 'P', base = EVP_PKEY_get_base_id(key);

	if (strcmp(alg + 2, "256") == 0)
		md = EVP_sha256();
	else if (strcmp(alg + 2, "384") == 0)
		md = EVP_sha384();
	else if (strcmp(alg + 2, "512") == 0)
		md = EVP_sha512();
	if (md == NULL)
		return 0;
	if (is_ps && base != EVP_PKEY_RSA && base != EVP_PKEY_RSA_PSS)
		return 0;
	if (!is_ps) {
		if (base != EVP_PKEY_EC || ecdsa_raw_to_der(&der, &slen, sig, slen) < 0)
			return 0;
		sig = der;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) != 1)
		goto done;
	if (is_ps && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto done;
	ok = EVP_DigestVerify(ctx, sig, slen, data, dlen) == 1;
done:
	EVP_MD_CTX_free(ctx);
	free(der);
	return ok;
}

/* aud names this server's token endpoint. */
static int
aud_ok(const struct sbx *sb, const struct sbx_req *rq, const char *aud)
{
	const char *host = sbx_req_header(rq, "Host");
	const char *p = aud, *slash;
	char local[80];
	size_t hlen;

	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else
		return 0;
	slash = strchr(p, '/');
	if (slash == NULL || strcmp(slash, NS_TOKEN_PATH) != 0)
		return 0;
	hlen = (size_t)(slash - p);
	if (host != NULL && strlen(host) == hlen && strncasecmp(p, host, hlen) == 0)
		return 1;
	snprintf(local, sizeof local, "127.0.0.1:%u", sb->port);
	if (strlen(local) == hlen && strncmp(p, local, hlen) == 0)
		return 1;
	snprintf(local, sizeof local, "localhost:%u", sb->port);
	return strlen(local) == hlen && strncasecmp(p, local, hlen) == 0;
}

static int
scope_ok(json_object *scope)
{
	const char *s;

	if (json_object_is_type(scope, json_type_array)) {
		size_t i;

		for (i = 0; i < json_object_array_length(scope); i++) {
			json_object *v = json_object_array_get_idx(scope, i);

			if (json_object_is_type(v, json_type_string) &&
			    strcmp(json_object_get_string(v), "rest_webservices") == 0)
				return 1;
		}
		return 0;
	}
	if (!json_object_is_type(scope, json_type_string))
		return 0;
	for (s = json_object_get_string(scope); *s != '\0';) {
		size_t n = strcspn(s, ", ");

		if (n == 16 && strncmp(s, "rest_webservices", 16) == 0)
			return 1;
		s += n;
		s += strspn(s, ", ");
	}
	return 0;
}

/* 0 when the assertion is good; else *code and why. */
static int
jwt_check(struct sbx *sb, const struct sbx_req *rq, const char *jwt, const char **code,
          const char **why)
{
	const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	json_object *hdr = NULL, *pl = NULL, *aud = NULL, *scope = NULL, *iat = NULL, *exp = NULL;
	unsigned char *sig = NULL;
	size_t slen = 0;
	const char *alg, *kid;
	int64_t now = sbx_now_ms() / 1000, vi, ve;
	int rc = -1, aud_match = 0;

	*code = "invalid_grant";
	*why = "malformed client assertion";
	if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') != NULL)
		goto done;
	hdr = jwt_part(jwt, (size_t)(d1 - jwt));
	pl = jwt_part(d1 + 1, (size_t)(d2 - d1 - 1));
	if (hdr == NULL || pl == NULL || sbx_base64_decode(&sig, &slen, d2 + 1, strlen(d2 + 1)) < 0)
		goto done;
	alg = sbx_json_str(hdr, "alg");
	kid = sbx_json_str(hdr, "kid");
	if (alg == NULL || strlen(alg) != 5 ||
	    (strncmp(alg, "PS", 2) != 0 && strncmp(alg, "ES", 2) != 0)) {
		*why = "alg must be PS256/384/512 or ES256/384/512";
		goto done;
	}
	if (!str_eq_ct(kid, sb->ns_certificate_id)) {
		*code = "invalid_client";
		*why = "kid is not a known certificate id";
		goto done;
	}
	if (!str_eq_ct(sbx_json_str(pl, "iss"), sb->ns_client_id)) {
		*code = "invalid_client";
		*why = "iss is not a known client id";
		goto done;
	}
	if (!jwt_signature_ok(sb->ns_pubkey, alg, (const unsigned char *)jwt,
	                      (size_t)(d2 - jwt), sig, slen)) {
		*why = "signature does not verify";
		goto done;
	}
	if (!json_object_object_get_ex(pl, "scope", &scope) || !scope_ok(scope)) {
		*why = "scope must contain rest_webservices";
		goto done;
	}
	if (json_object_object_get_ex(pl, "aud", &aud)) {
		if (json_object_is_type(aud, json_type_string)) {
			aud_match = aud_ok(sb, rq, json_object_get_string(aud));
		} else if (json_object_is_type(aud, json_type_array)) {
			size_t i;

			for (i = 0; i < json_object_array_length(aud) && !aud_match; i++) {
				json_object *v = json_object_array_get_idx(aud, i);

				aud_match = json_object_is_type(v, json_type_string) &&
				            aud_ok(sb, rq, json_object_get_string(v));
			}
		}
	}
	if (!aud_match) {
		*why = "aud is not this token endpoint";
		goto done;
	}
	if (!json_object_object_get_ex(pl, "iat", &iat) || !json_object_object_get_ex(pl, "exp", &exp) ||
	    !json_object_is_type(iat, json_type_int) || !json_object_is_type(exp, json_type_int)) {
		*why = "iat and exp must be integers";
		goto done;
	}
	vi = json_object_get_int64(iat);
	ve = json_object_get_int64(exp);
	if (ve <= now || ve > vi + 3600 || vi > now + 300) {
		*why = "exp past, exp > iat + 3600, or iat in the future";
		goto done;
	}
	rc = 0;
done:
	json_object_put(hdr);
	json_object_put(pl);
	free(sig);
	return rc;
}

void
sbx_nsauth_token(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	struct sbx_params form = { 0 };
	const char *grant, *atype, *assertion, *code = NULL, *why = NULL;
	char token[96];
	int rc;

	if (strcmp(rq->method, "POST") != 0) {
		sbx_reply_oauth_error(rp, 405, "invalid_request", NULL);
		return;
	}
	if (sbx_params_parse(&form, buf_cstr(&rq->body), rq->body.len) < 0) {
		sbx_reply_oauth_error(rp, 400, "invalid_request", NULL);
		return;
	}
	grant = sbx_params_get(&form, "grant_type");
	atype = sbx_params_get(&form, "client_assertion_type");
	assertion = sbx_params_get(&form, "client_assertion");
	if (grant == NULL || atype == NULL || assertion == NULL) {
		sbx_reply_oauth_error(rp, 400, "invalid_request", NULL);
	} else if (strcmp(grant, "client_credentials") != 0) {
		sbx_reply_oauth_error(rp, 400, "unsupported_grant_type", NULL);
	} else if (strcmp(atype, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") != 0) {
		sbx_reply_oauth_error(rp, 400, "invalid_request", NULL);
	} else if (sb->ns_pubkey == NULL) {
		why_log(sb, "sandbox.oauth2.refused", "no --netsuite-public-key");
		sbx_reply_oauth_error(rp, 400, "invalid_client", NULL);
	} else if (jwt_check(sb, rq, assertion, &code, &why) < 0) {
		why_log(sb, "sandbox.oauth2.refused", why);
		sbx_reply_oauth_error(rp, 400, code, NULL);
	} else {
		pthread_mutex_lock(&sb->lock);
		rc = sbx_token_issue(sb, token, sizeof token, "", SBX_TOKEN_NETSUITE,
		                     NS_TOKEN_LIFETIME_S);
		pthread_mutex_unlock(&sb->lock);
		if (rc < 0) {
			sbx_reply_oauth_error(rp, 500, "server_error", NULL);
		} else {
			rp->status = 200;
			rp->content_type = "application/json;charset=UTF-8";
			buf_puts(&rp->body, "{\"access_token\":");
			sbx_buf_json_str(&rp->body, token);
			buf_printf(&rp->body, ",\"expires_in\":\"%d\",\"token_type\":\"bearer\"}",
			           NS_TOKEN_LIFETIME_S);
		}
	}
	sbx_params_free(&form);
}

/* ---- TBA -------------------------------------------------------------------- */

struct enc_pair {
	char *k, *v;
};

static int
enc_pair_cmp(const void *a, const void *b)
{
	const struct enc_pair *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c != 0 ? c : strcmp(x->v, y->v);
}

static char *
pct(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_url_encode(&b, s) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* The signature base string of a request. `params` are decoded pairs. */
static int
tba_base_string(struct buf *out, const char *method, const char *url,
                const struct sbx_param *params, size_t n)
{
	struct enc_pair *ep = calloc(n ? n : 1, sizeof *ep);
	struct buf norm;
	char *e = NULL;
	size_t i;
	int rc = SC_ENOMEM;

	buf_init(&norm, 0);
	if (ep == NULL)
		return SC_ENOMEM;
	for (i = 0; i < n; i++) {
		ep[i].k = pct(params[i].key);
		ep[i].v = pct(params[i].val);
		if (ep[i].k == NULL || ep[i].v == NULL)
			goto done;
	}
	qsort(ep, n, sizeof *ep, enc_pair_cmp);
	for (i = 0; i < n; i++)
		if (buf_printf(&norm, "%s%s=%s", i ? "&" : "", ep[i].k, ep[i].v) < 0)
			goto done;
	for (i = 0; method[i] != '\0'; i++) {
		char c = (char)toupper((unsigned char)method[i]);

		buf_append(out, &c, 1);
	}
	buf_puts(out, "&");
	if ((e = pct(url)) == NULL)
		goto done;
	buf_puts(out, e);
	free(e);
	buf_puts(out, "&");
	if ((e = pct(buf_cstr(&norm))) == NULL)
		goto done;
	rc = buf_puts(out, e);
	free(e);
done:
	for (i = 0; i < n; i++) {
		free(ep[i].k);
		free(ep[i].v);
	}
	free(ep);
	buf_free(&norm);
	return rc;
}

/* base64(HMAC(pct(cs)&pct(ts), base)) into sig. */
static int
tba_sign(struct buf *sig, const char *sigmethod, const char *base, const char *cs, const char *ts)
{
	const EVP_MD *md = strcmp(sigmethod, "HMAC-SHA1") == 0 ? EVP_sha1() : EVP_sha256();
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *ecs = pct(cs), *ets = pct(ts);
	struct buf key;
	int rc = SC_ENOMEM;

	buf_init(&key, 0);
	if (ecs == NULL || ets == NULL || buf_printf(&key, "%s&%s", ecs, ets) < 0)
		goto done;
	if (HMAC(md, key.data, (int)key.len, (const unsigned char *)base, strlen(base), mac,
	         &maclen) == NULL) {
		rc = SC_ERROR;
		goto done;
	}
	rc = sbx_base64_encode(sig, mac, maclen);
done:
	OPENSSL_cleanse(key.data, key.len);
	buf_free(&key);
	free(ecs);
	free(ets);
	return rc;
}

/* Parse `OAuth k="v", ...` into decoded pairs. */
static int
tba_parse_header(struct sbx_params *out, const char *h)
{
	const char *p = h + 6;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	while (rc == 0) {
		const char *k, *v;
		size_t klen, vlen;
		struct sbx_param *nv;

		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		k = p;
		klen = strcspn(p, "= \t,");
		p += klen;
		p += strspn(p, " \t");
		if (*p != '=') {
			rc = SC_EMALFORMED;
			break;
		}
		p++;
		p += strspn(p, " \t");
		if (*p == '"') {
			v = ++p;
			vlen = strcspn(p, "\"");
			if (p[vlen] != '"') {
				rc = SC_EMALFORMED;
				break;
			}
			p += vlen + 1;
		} else {
			v = p;
			vlen = strcspn(p, ", \t");
			p += vlen;
		}
		nv = realloc(out->v, (out->n + 1) * sizeof *nv);
		if (nv == NULL) {
			rc = SC_ENOMEM;
			break;
		}
		out->v = nv;
		nv = &out->v[out->n];
		nv->key = strndup(k, klen);
		if (nv->key == NULL || sbx_pct_decode(&nv->val, v, vlen, 0) < 0) {
			free(nv->key);
			rc = SC_EMALFORMED;
			break;
		}
		out->n++;
	}
	if (rc < 0)
		sbx_params_free(out);
	return rc;
}

static int
tba_check(struct sbx *sb, struct sbx_req *rq, const char *header, const char **why)
{
	struct sbx_params hp = { 0 }, form = { 0 };
	struct sbx_param *all = NULL;
	struct buf base, sig, url;
	const char *ts, *nonce, *given, *ctype = sbx_req_header(rq, "Content-Type");
	const char *host = sbx_req_header(rq, "Host");
	size_t i, n = 0;
	int rc = -1, fresh;
	char *end = NULL;
	long long tsv;

	buf_init(&base, 0);
	buf_init(&sig, 0);
	buf_init(&url, 0);
	*why = "malformed OAuth header";
	if (tba_parse_header(&hp, header) < 0)
		goto done;
	for (i = 0; i < hp.n; i++)
		if (sbx_params_count(&hp, hp.v[i].key) != 1)
			goto done;
	*why = "realm is not the account id";
	if (sbx_params_get(&hp, "realm") == NULL ||
	    strcmp(sbx_params_get(&hp, "realm"), sb->ns_account) != 0)
		goto done;
	*why = "unknown consumer key or token";
	if (!str_eq_ct(sbx_params_get(&hp, "oauth_consumer_key"), sb->ns_consumer_key) ||
	    !str_eq_ct(sbx_params_get(&hp, "oauth_token"), sb->ns_token_id))
		goto done;
	*why = "oauth_signature_method must be HMAC-SHA256, oauth_version 1.0";
	if (sbx_params_get(&hp, "oauth_signature_method") == NULL ||
	    strcmp(sbx_params_get(&hp, "oauth_signature_method"), "HMAC-SHA256") != 0 ||
	    (sbx_params_get(&hp, "oauth_version") != NULL &&
	     strcmp(sbx_params_get(&hp, "oauth_version"), "1.0") != 0))
		goto done;
	ts = sbx_params_get(&hp, "oauth_timestamp");
	nonce = sbx_params_get(&hp, "oauth_nonce");
	given = sbx_params_get(&hp, "oauth_signature");
	*why = "oauth_timestamp, oauth_nonce and oauth_signature are required";
	if (ts == NULL || nonce == NULL || given == NULL || *nonce == '\0' || strlen(nonce) > 64)
		goto done;
	tsv = strtoll(ts, &end, 10);
	*why = "oauth_timestamp is more than 300 s away from now";
	if (*ts == '\0' || *end != '\0' || tsv < sbx_now_ms() / 1000 - 300 ||
	    tsv > sbx_now_ms() / 1000 + 300)
		goto done;
	if (ctype != NULL && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 &&
	    sbx_params_parse(&form, buf_cstr(&rq->body), rq->body.len) < 0)
		goto done;
	all = calloc(hp.n + rq->query.n + form.n + 1, sizeof *all);
	if (all == NULL)
		goto done;
	for (i = 0; i < hp.n; i++)
		if (strcmp(hp.v[i].key, "realm") != 0 && strcmp(hp.v[i].key, "oauth_signature") != 0)
			all[n++] = hp.v[i];
	for (i = 0; i < rq->query.n; i++)
		all[n++] = rq->query.v[i];
	for (i = 0; i < form.n; i++)
		all[n++] = form.v[i];
	buf_puts(&url, "http://");
	for (i = 0; host != NULL && host[i] != '\0'; i++) {
		char c = (char)tolower((unsigned char)host[i]);

		buf_append(&url, &c, 1);
	}
	if (url.len > 10 && strcmp(url.data + url.len - 3, ":80") == 0)
		url.data[url.len -= 3] = '\0';     /* the default port is not signed */
	buf_puts(&url, rq->raw_path);
	*why = "signature does not match";
	if (tba_base_string(&base, rq->method, buf_cstr(&url), all, n) < 0 ||
	    tba_sign(&sig, "HMAC-SHA256", buf_cstr(&base), sb->ns_consumer_secret,
	             sb->ns_token_secret) < 0 ||
	    !str_eq_ct(buf_cstr(&sig), given))
		goto done;
	pthread_mutex_lock(&sb->lock);
	{
		struct buf key;

		buf_init(&key, 0);
		buf_printf(&key, "%s|%s", sbx_params_get(&hp, "oauth_token"), nonce);
		fresh = sbx_nonce_remember(sb, buf_cstr(&key), sbx_now_ms() / 1000);
		buf_free(&key);
	}
	pthread_mutex_unlock(&sb->lock);
	*why = "nonce already used";
	if (fresh != 1)
		goto done;
	rc = 0;
done:
	free(all);
	sbx_params_free(&hp);
	sbx_params_free(&form);
	buf_free(&base);
	buf_free(&sig);
	buf_free(&url);
	return rc;
}

int
sbx_nsauth_check(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *h = sbx_req_header(rq, "Authorization");
	const char *why = "no Authorization header";
	int ok = 0;

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		pthread_mutex_lock(&sb->lock);
		ok = sbx_token_valid(sb, h + 7, SBX_TOKEN_NETSUITE);
		pthread_mutex_unlock(&sb->lock);
		why = "unknown or expired bearer token";
	} else if (h != NULL && strncasecmp(h, "OAuth ", 6) == 0) {
		ok = tba_check(sb, rq, h, &why) == 0;
	} else if (h != NULL) {
		why = "unsupported Authorization scheme";
	}
	if (!ok) {
		why_log(sb, "sandbox.login.refused", why);
		sbx_reply_ns_error(rp, 401, "INVALID_LOGIN", NS_INVALID_LOGIN, NULL);
	}
	return ok;
}

/* ---- vectors ------------------------------------------------------------------ */

int
sbx_nsauth_check_vectors(const char *path)
{
	json_object *doc = json_object_from_file(path);
	size_t i, n;
	int failed = 0;

	if (doc == NULL || !json_object_is_type(doc, json_type_array)) {
		fprintf(stderr, "%s: not a JSON array\n", path);
		json_object_put(doc);
		return -1;
	}
	n = json_object_array_length(doc);
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(doc, i), *params = NULL;
		const char *url = sbx_json_str(v, "url"), *q;
		struct sbx_param *pv = NULL;
		struct buf base, sig;
		size_t np = 0;
		char *u = NULL;

		buf_init(&base, 0);
		buf_init(&sig, 0);
		if (url == NULL || !json_object_object_get_ex(v, "params", &params)) {
			failed++;
			continue;
		}
		q = strchr(url, '?');
		u = strndup(url, q ? (size_t)(q - url) : strlen(url));
		pv = calloc((size_t)json_object_object_length(params) + 1, sizeof *pv);
		if (u != NULL && pv != NULL) {
			json_object_object_foreach(params, k, val) {
				pv[np].key = k;
				pv[np].val = (char *)json_object_get_string(val);
				np++;
			}
		}
		if (u == NULL || pv == NULL ||
		    tba_base_string(&base, sbx_json_str(v, "method"), u, pv, np) < 0 ||
		    tba_sign(&sig, sbx_params_get(&(struct sbx_params){ pv, np }, "oauth_signature_method"),
		             buf_cstr(&base), sbx_json_str(v, "consumer_secret"),
		             sbx_json_str(v, "token_secret")) < 0 ||
		    strcmp(buf_cstr(&base), sbx_json_str(v, "base_string")) != 0 ||
		    strcmp(buf_cstr(&sig), sbx_json_str(v, "signature_base64")) != 0) {
			printf("FAIL vector %zu\n", i);
			failed++;
		} else {
			printf("ok   vector %zu\n", i);
		}
		free(u);
		free(pv);
		buf_free(&base);
		buf_free(&sig);
	}
	json_object_put(doc);
	return failed;
}
