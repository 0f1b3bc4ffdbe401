/*
 * oauth2.c: OAuth 2.0 client credentials (machine to machine), the primary
 * NetSuite authentication (docs/NETSUITE.md s2).
 *
 * A client assertion JWT {"typ":"JWT","alg":"PS256"|"ES256","kid":cert id}
 * . {"iss":client_id,"scope":scope,"aud":token_url,"iat","exp":iat+3600}
 * signed with the private key of the certificate uploaded to NetSuite
 * (RSA-PSS SHA-256 with salt length = digest length, or ECDSA P-256 as raw
 * r||s), POSTed as a form to the token URL. The access token is cached until
 * 60 s before its expiry (time-scaled for the sandbox) under token_lock; a
 * 401 from an API call drops it (records.c) and the call is retried once.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "connector/conf.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#define JWT_LIFETIME 3600
#define TOKEN_MARGIN 60

int
netsuite__base64url(struct buf *out, const unsigned char *p, size_t n)
{
	size_t cap = 4 * ((n + 2) / 3) + 1, i, len;
	char *tmp = malloc(cap);
	int rc;

	if (tmp == NULL)
		return SC_ENOMEM;
	len = (size_t)EVP_EncodeBlock((unsigned char *)tmp, p, (int)n);
	while (len > 0 && tmp[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		if (tmp[i] == '+')
			tmp[i] = '-';
		else if (tmp[i] == '/')
			tmp[i] = '_';
	}
	rc = buf_append(out, tmp, len);
	free(tmp);
	return rc;
}

/* DER ECDSA-Sig-Value -> raw r||s, each `half` bytes (JWS ES256). */
static int
ecdsa_der_to_raw(unsigned char *out, size_t half, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r = NULL, *s = NULL;
	int rc = SC_ERROR;

	if (sig == NULL)
		return SC_ERROR;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(s, out + half, (int)half) == (int)half)
		rc = 0;
	ECDSA_SIG_free(sig);
	return rc;
}

static int
jwt_sign(struct buf *out, EVP_PKEY *key, int is_rsa, const char *input, size_t len,
         struct sc_error *err)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL, raw[64];
	size_t siglen = 0;
	int rc = SC_ERROR;

	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1)
		goto fail;
	if (is_rsa && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	               EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto fail;
	if (EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, len) != 1)
		goto fail;
	sig = malloc(siglen);
	if (sig == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "JWT: out of memory");
		goto done;
	}
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, len) != 1)
		goto fail;
	if (is_rsa) {
		rc = netsuite__base64url(out, sig, siglen);
	} else {
		if (ecdsa_der_to_raw(raw, 32, sig, siglen) < 0)
			goto fail;
		rc = netsuite__base64url(out, raw, sizeof(raw));
	}
	if (rc < 0)
		sc_error_set(err, rc, "JWT: out of memory");
	goto done;
fail:
	rc = sc_error_set(err, SC_ERROR, "JWT: signing with the private key failed");
done:
	free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

static int
ec_is_p256(EVP_PKEY *key)
{
	char group[64];
	size_t len = 0;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
	                                   sizeof(group), &len) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int
netsuite__jwt_make(char **out, EVP_PKEY *key, const char *kid, const char *iss,
                   const char *scope, const char *aud, int64_t now, struct sc_error *err)
{
	struct buf hdr, pay, jwt;
	int base = EVP_PKEY_get_base_id(key), is_rsa, rc;

	*out = NULL;
	is_rsa = base == EVP_PKEY_RSA || base == EVP_PKEY_RSA_PSS;
	if (!is_rsa && !ec_is_p256(key))
		return sc_error_set(err, SC_ENOTSUP,
		                    "JWT: the private key must be RSA (PS256) or EC P-256 (ES256)");
	buf_init(&hdr, 0);
	buf_init(&pay, 0);
	buf_init(&jwt, 0);
	if ((rc = buf_printf(&hdr, "{\"typ\":\"JWT\",\"alg\":\"%s\",\"kid\":\"",
	                     is_rsa ? "PS256" : "ES256")) < 0 ||
	    (rc = buf_json_escape(&hdr, kid)) < 0 ||
	    (rc = buf_puts(&hdr, "\"}")) < 0 ||
	    (rc = buf_puts(&pay, "{\"iss\":\"")) < 0 ||
	    (rc = buf_json_escape(&pay, iss)) < 0 ||
	    (rc = buf_puts(&pay, "\",\"scope\":\"")) < 0 ||
	    (rc = buf_json_escape(&pay, scope)) < 0 ||
	    (rc = buf_puts(&pay, "\",\"aud\":\"")) < 0 ||
	    (rc = buf_json_escape(&pay, aud)) < 0 ||
	    (rc = buf_printf(&pay, "\",\"iat\":%lld,\"exp\":%lld}", (long long)now,
	                     (long long)(now + JWT_LIFETIME))) < 0 ||
	    (rc = netsuite__base64url(&jwt, (const unsigned char *)hdr.data, hdr.len)) < 0 ||
	    (rc = buf_puts(&jwt, ".")) < 0 ||
	    (rc = netsuite__base64url(&jwt, (const unsigned char *)pay.data, pay.len)) < 0) {
		sc_error_set(err, rc, "JWT: out of memory");
		goto done;
	}
	{
		size_t signed_len = jwt.len;
		if ((rc = buf_puts(&jwt, ".")) < 0) {
			sc_error_set(err, rc, "JWT: out of memory");
			goto done;
		}
		if ((rc = jwt_sign(&jwt, key, is_rsa, jwt.data, signed_len, err)) < 0)
			goto done;
	}
	*out = buf_take(&jwt);
	if (*out == NULL)
		rc = sc_error_set(err, SC_ENOMEM, "JWT: out of memory");
done:
	buf_free(&hdr);
	buf_free(&pay);
	buf_free(&jwt);
	return rc;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

int
netsuite__key_load(EVP_PKEY **out, const struct conf_section *s, const char *key,
                   const char *path, struct sc_error *err)
{
	struct stat st;
	FILE *f = NULL;
	int fd = -1, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return conf_error(s, key, err, SC_EINVALID, "cannot read %s: %s", path,
		                  strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = conf_error(s, key, err, SC_EINVALID, "%s is not a regular file", path);
		goto done;
	}
	if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
		rc = conf_error(s, key, err, SC_EINVALID,
		                "%s: mode %04o lets group or others read the private key; "
		                "chmod 600 %s",
		                path, (unsigned)(st.st_mode & 07777), path);
		goto done;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		rc = conf_error(s, key, err, SC_EINVALID, "cannot read %s: %s", path,
		                strerror(errno));
		goto done;
	}
	fd = -1;
	*out = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	if (*out == NULL)
		rc = conf_error(s, key, err, SC_EINVALID,
		                "%s holds no unencrypted PEM private key", path);
done:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
netsuite__token_parse(char **token, int64_t *expires_in, const char *body, size_t len,
                      struct sc_error *err)
{
	json_object *root = NULL, *exp = NULL;
	const char *tok = NULL;
	int rc;

	*token = NULL;
	*expires_in = 3600;
	if ((rc = json_parse_buf(&root, body, len, err)) < 0)
		goto done;
	if (!json_object_is_type(root, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED, "token response is not a JSON object");
		goto done;
	}
	if ((rc = json_get_str(root, "access_token", &tok, err)) < 0)
		goto done;
	if (rc == 0 || tok[0] == '\0') {
		rc = sc_error_set(err, SC_EMALFORMED, "token response has no access_token");
		goto done;
	}
	if (json_object_object_get_ex(root, "expires_in", &exp) && exp != NULL) {
		const char *txt = json_object_get_string(exp);
		char *end = NULL;
		long long v;
		if (!json_object_is_type(exp, json_type_int) &&
		    !json_object_is_type(exp, json_type_string)) {
			rc = sc_error_set(err, SC_EMALFORMED,
			                  "token response: expires_in is not a number");
			goto done;
		}
		errno = 0;
		v = strtoll(txt, &end, 10);
		if (errno != 0 || end == txt || *end != '\0' || v <= 0) {
			rc = sc_error_set(err, SC_EMALFORMED,
			                  "token response: expires_in is not a number");
			goto done;
		}
		*expires_in = v;
	}
	*token = strdup(tok);
	rc = *token != NULL ? 0 : sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	json_object_put(root);
	return rc;
}

/* POST the client assertion; token_lock held. */
static int
token_fetch(struct netsuite *ns, struct sc_error *err)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json",
		NULL
	};
	struct http_request req;
	struct http_response resp;
	struct buf form;
	char *jwt = NULL, *tok = NULL;
	int64_t expires = 0, life_ms;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	buf_init(&form, 0);
	if ((rc = netsuite__jwt_make(&jwt, ns->key, ns->certificate_id, ns->client_id, ns->scope,
	                             ns->token_url, time_now(), err)) < 0)
		goto done;
	if ((rc = buf_puts(&form, "grant_type=client_credentials&client_assertion_type=")) < 0 ||
	    (rc = buf_url_encode(&form,
	                         "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")) < 0 ||
	    (rc = buf_puts(&form, "&client_assertion=")) < 0 ||
	    (rc = buf_url_encode(&form, jwt)) < 0) {
		sc_error_set(err, rc, "NetSuite token request: out of memory");
		goto done;
	}
	req.method = "POST";
	req.url = ns->token_url;
	req.headers = headers;
	req.body = form.data;
	req.body_len = form.len;
	req.op = "netsuiteToken";
	req.idempotent = 1;
	if ((rc = http_request_do(ns->http, &req, &resp, err)) < 0)
		goto done;
	if (resp.status != 200) {
		rc = netsuite__error_from_response(err, &resp, "token request");
		if (resp.status == 400 || resp.status == 401 || resp.status == 403) {
			/* the assertion or the client was refused: credentials */
			rc = SC_EAUTH;
			if (err != NULL)
				err->code = SC_EAUTH;
		}
		goto done;
	}
	if ((rc = netsuite__token_parse(&tok, &expires, resp.body.data, resp.body.len, err)) < 0) {
		sc_error_prefix(err, "NetSuite token response");
		goto done;
	}
	log_secret_add(tok);
	life_ms = (int64_t)((double)(expires > TOKEN_MARGIN ? expires - TOKEN_MARGIN : 0) * 1000.0 /
	                    (ns->time_scale > 0 ? ns->time_scale : 1.0));
	free(ns->token);
	ns->token = tok;
	tok = NULL;
	ns->token_until_ms = time_mono_ms() + life_ms;
	ns->tokens_fetched++;
done:
	if (jwt != NULL)
		OPENSSL_cleanse(jwt, strlen(jwt));
	free(jwt);
	free(tok);
	if (form.data != NULL)
		OPENSSL_cleanse(form.data, form.len);
	buf_free(&form);
	http_response_free(&resp);
	return rc;
}

int
netsuite__token_get(struct netsuite *ns, char **out, struct sc_error *err)
{
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&ns->token_lock);
	if (ns->token == NULL || time_mono_ms() >= ns->token_until_ms)
		rc = token_fetch(ns, err);
	if (rc == 0) {
		*out = strdup(ns->token);
		if (*out == NULL)
			rc = sc_error_set(err, SC_ENOMEM, "out of memory");
	}
	pthread_mutex_unlock(&ns->token_lock);
	return rc;
}

void
netsuite__token_drop(struct netsuite *ns, const char *used)
{
	pthread_mutex_lock(&ns->token_lock);
	if (ns->token != NULL && used != NULL && strcmp(ns->token, used) == 0) {
		OPENSSL_cleanse(ns->token, strlen(ns->token));
		free(ns->token);
		ns->token = NULL;
	}
	pthread_mutex_unlock(&ns->token_lock);
}
