/*
 * errors.c: SP-API error bodies into struct sc_error, and the call wrapper
 * that applies the adapter's error policy to every SP-API request.
 *
 * SP-API answers errors as {"errors":[{"code","message","details"?}]}; the
 * remote text is "CODE: message" per entry joined with "; ", word for word.
 * Codes come from the HTTP status (sc_code_from_http): a 429 that outlived
 * the client's retries is SC_ETRANSIENT, so the engine keeps its cursor.
 */
#include "adapters/amazon/amazon_int.h"

#include <stdio.h>
#include <string.h>

#include "connector/jsonutil.h"
#include "connector/ratelimit.h"

int
amazon__errors_text(char *out, size_t n, const char *body, size_t len)
{
	json_object *root = NULL, *list = NULL;
	struct sc_error jerr;
	size_t i, cnt, used = 0;
	int found = 0;

	if (n == 0)
		return 0;
	out[0] = '\0';
	sc_error_clear(&jerr);
	if (body == NULL || len == 0 ||
	    json_parse_buf(&root, body, len, &jerr) < 0 ||
	    !json_object_is_type(root, json_type_object) ||
	    json_get_array(root, "errors", &list, &jerr) != 1)
		goto done;
	cnt = json_object_array_length(list);
	for (i = 0; i < cnt; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *code = NULL, *msg = NULL;
		int w;

		if (!json_object_is_type(e, json_type_object))
			continue;
		if (json_get_str(e, "code", &code, &jerr) != 1)
			code = "";
		if (json_get_str(e, "message", &msg, &jerr) != 1)
			msg = "";
		if (*code == '\0' && *msg == '\0')
			continue;
		w = snprintf(out + used, n - used, "%s%s%s%s",
		             found ? "; " : "", code,
		             *code != '\0' && *msg != '\0' ? ": " : "", msg);
		found = 1;
		if (w < 0 || (size_t)w >= n - used) {
			used = n - 1;
			break;
		}
		used += (size_t)w;
	}
done:
	json_object_put(root);
	return found;
}

int
amazon__error_from_response(const struct http_response *resp, const char *op,
                            const char *what, struct sc_error *err)
{
	char remote[SC_ERROR_REMOTE_MAX];
	int code = sc_code_from_http(resp->status);

	if (code == 0)
		code = SC_ERROR;   /* a 2xx is no error: the caller's misuse */
	if (resp->status == 429)
		sc_error_set(err, code, "amazon %s%s%s: throttled (HTTP 429) after %d attempts",
		             op, what != NULL ? " " : "", what != NULL ? what : "",
		             resp->attempts);
	else
		sc_error_set(err, code, "amazon %s%s%s: HTTP %ld", op,
		             what != NULL ? " " : "", what != NULL ? what : "",
		             resp->status);
	err->http_status = (int)resp->status;
	if (amazon__errors_text(remote, sizeof(remote), resp->body.data,
	                        resp->body.len))
		sc_error_set_remote(err, remote, strlen(remote));
	else if (resp->body.len > 0)
		sc_error_set_remote(err, resp->body.data, resp->body.len);
	return code;
}

int
amazon__call(struct amazon *self, const char *op, struct ratelimit *rl,
             const char *url, struct http_response *out, struct sc_error *err)
{
	static const char *const headers[] = { "Accept: application/json", NULL };
	struct http_request req;
	const char *rate;
	int rc, attempt;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.op = op;
	req.limiter = rl;
	req.auth = amazon__lwa_auth;
	req.auth_ud = self;
	req.idempotent = 1;

	for (attempt = 0;; attempt++) {
		memset(out, 0, sizeof(*out));
		if ((rc = http_request_do(self->http, &req, out, err)) < 0)
			return rc;
		rate = http_response_header(out, "x-amzn-RateLimit-Limit");
		if (rate != NULL && rl != NULL)
			ratelimit_set_rate_text(rl, rate);
		if (out->status != 403 || attempt > 0)
			break;
		/* The token may have been revoked or expired early: fetch a
		 * new one and try once more. */
		amazon__lwa_forget(self);
		http_response_free(out);
	}
	return 0;
}
