/*
 * lwa.c: Login with Amazon: the refresh-token grant and the access token
 * cache behind the `x-amz-access-token` auth hook.
 *
 * The hook runs before every attempt of every SP-API request, so a retry
 * after the token expired fetches a fresh one. A token is kept until
 * expires_in - 60 s (divided by the time scale, as the sandbox shortens its
 * lifetimes by the same factor). The exchange goes through the adapter's
 * own HTTP client: the hook is called from inside a request of the shared
 * client and must not re-enter it.
 *
 * Nothing here logs or reports the refresh token, the client secret or the
 * access token: the form body and the response are zeroed before they are
 * freed, and errors quote only LWA's error/error_description.
 */
#include "adapters/amazon/amazon_int.h"

#include <stdlib.h>
#include <string.h>

#include "connector/buf.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#define LWA_MARGIN_S 60

static void
lwa_wipe_buf(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->alloc > 0 ? b->alloc : b->len);
	buf_free(b);
}

/* err from an LWA answer that is not 2xx. Returns the code. */
static int
lwa_refused(const struct http_response *resp, struct sc_error *err)
{
	json_object *root = NULL;
	const char *desc = NULL, *code = NULL;
	struct sc_error jerr;
	int rc;

	rc = sc_code_from_http(resp->status);
	if (rc != SC_ETRANSIENT)
		rc = SC_EAUTH;
	sc_error_set(err, rc,
	    rc == SC_EAUTH ? "amazon: LWA refused the credentials (HTTP %ld)"
	                   : "amazon: LWA token endpoint failed (HTTP %ld)",
	    resp->status);
	err->http_status = (int)resp->status;
	sc_error_clear(&jerr);
	if (resp->body.len > 0 &&
	    json_parse_buf(&root, resp->body.data, resp->body.len, &jerr) == 0 &&
	    json_object_is_type(root, json_type_object)) {
		if (json_get_str(root, "error_description", &desc, &jerr) != 1)
			desc = NULL;
		if (json_get_str(root, "error", &code, &jerr) != 1)
			code = NULL;
		if (desc != NULL && *desc != '\0')
			sc_error_set_remote(err, desc, strlen(desc));
		else if (code != NULL)
			sc_error_set_remote(err, code, strlen(code));
	}
	json_object_put(root);
	return rc;
}

/* The refresh-token grant; with self->lock held. */
static int
lwa_fetch(struct amazon *self, struct sc_error *err)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json",
		NULL
	};
	struct buf form;
	struct http_request req;
	struct http_response resp;
	json_object *root = NULL;
	const char *tok = NULL;
	int64_t expires = 0, life_ms;
	char *copy = NULL;
	int rc;

	buf_init(&form, 0);
	memset(&resp, 0, sizeof(resp));
	if ((rc = buf_puts(&form, "grant_type=refresh_token&refresh_token=")) < 0 ||
	    (rc = buf_url_encode(&form, self->refresh_token)) < 0 ||
	    (rc = buf_puts(&form, "&client_id=")) < 0 ||
	    (rc = buf_url_encode(&form, self->client_id)) < 0 ||
	    (rc = buf_puts(&form, "&client_secret=")) < 0 ||
	    (rc = buf_url_encode(&form, self->client_secret)) < 0) {
		sc_error_set(err, rc, "amazon: cannot build the LWA request");
		goto done;
	}

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = self->token_url;
	req.headers = headers;
	req.body = form.data;
	req.body_len = form.len;
	req.op = "lwaToken";
	req.idempotent = 1;
	if ((rc = http_request_do(self->lwa_http, &req, &resp, err)) < 0) {
		sc_error_prefix(err, "amazon: LWA token request");
		goto done;
	}
	if (resp.status < 200 || resp.status > 299) {
		rc = lwa_refused(&resp, err);
		goto done;
	}
	if ((rc = json_parse_buf(&root, resp.body.data, resp.body.len, err)) < 0) {
		sc_error_prefix(err, "amazon: LWA answer is not JSON");
		goto done;
	}
	if (!json_object_is_type(root, json_type_object) ||
	    json_get_str(root, "access_token", &tok, err) != 1 || *tok == '\0' ||
	    json_get_int(root, "expires_in", &expires, err) != 1 || expires <= 0) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon: LWA answer lacks access_token or expires_in");
		goto done;
	}
	copy = strdup(tok);
	if (copy == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
		goto done;
	}
	log_secret_add(copy);

	/* Keep it until LWA_MARGIN_S before expiry (half the lifetime when
	 * shorter), on the scaled clock. */
	life_ms = expires > 2 * LWA_MARGIN_S ? (expires - LWA_MARGIN_S) * 1000
	                                     : expires * 500;
	life_ms = (int64_t)((double)life_ms / self->time_scale);
	if (self->token != NULL) {
		explicit_bzero(self->token, strlen(self->token));
		free(self->token);
	}
	self->token = copy;
	copy = NULL;
	self->token_deadline_ms = time_mono_ms() + life_ms;
	self->token_fetches++;
	rc = 0;
done:
	json_object_put(root);
	lwa_wipe_buf(&form);
	lwa_wipe_buf(&resp.body);
	http_response_free(&resp);
	return rc;
}

int
amazon__lwa_token(struct amazon *self, char **out, struct sc_error *err)
{
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&self->lock);
	if (self->token == NULL || time_mono_ms() >= self->token_deadline_ms)
		rc = lwa_fetch(self, err);
	if (rc == 0) {
		*out = strdup(self->token);
		if (*out == NULL)
			rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	}
	pthread_mutex_unlock(&self->lock);
	return rc;
}

void
amazon__lwa_forget(struct amazon *self)
{
	pthread_mutex_lock(&self->lock);
	if (self->token != NULL) {
		explicit_bzero(self->token, strlen(self->token));
		free(self->token);
		self->token = NULL;
	}
	self->token_deadline_ms = 0;
	pthread_mutex_unlock(&self->lock);
}

int
amazon__lwa_auth(void *ud, const struct http_request *req,
                 struct http_headers *hdrs, struct sc_error *err)
{
	struct amazon *self = ud;
	char *tok = NULL;
	int rc;

	(void)req;
	if ((rc = amazon__lwa_token(self, &tok, err)) < 0)
		return rc;
	rc = http_headers_add(hdrs, "x-amz-access-token", tok);
	if (rc < 0)
		sc_error_set(err, rc, "amazon: cannot add the access token header");
	explicit_bzero(tok, strlen(tok));
	free(tok);
	return rc;
}
