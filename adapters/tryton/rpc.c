/*
 * rpc.c: Tryton's JSON-RPC over the connector's HTTP client
 * (docs/TRYTON.md s4, shared/tryton/rpc-log.md).
 *
 * Every call is one POST of {"id":N,"method":M,"params":[..., CONTEXT]} to
 * URL/DATABASE/ with "Authorization: Session base64(user:uid:session)". The
 * session comes from common.db.login [user, {"password"}, language] (the
 * password travels in that body only, never in a log or a message); the
 * context is the user's preferences (model.res.user.get_preferences), sent
 * as the last param of every call (with {} Tryton refuses sales: "User in
 * companies"), with the conf's company put in. HTTP 401 means no session or
 * an expired one: the adapter logs in once more and repeats the call (a
 * second 401 is an error).
 *
 * Values (Decimal, date, datetime) are values.c.
 *
 * Answers: {"id","result"} or, still with HTTP 200, {"id","error":E}. E is
 * ["UserError", [message, description, domain]], ["UserWarning", [name,
 * message, description]], ["LoginException", [name, message, type]],
 * ["ConcurrencyException", message], or [str(exception), traceback] for
 * anything else (trytond/protocols/jsonrpc.py). Tryton's words go into
 * err->remote as Tryton prints them: "message - description", or the
 * message alone when there is no description.
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "connector/jsonutil.h"
#include "connector/log.h"

/* ---- answers ----------------------------------------------------------------- */

/* remote = "message" or "message - description" */
static void
remote_two(struct sc_error *err, json_object *message, json_object *description)
{
	struct buf b;
	const char *m = message != NULL && json_object_is_type(message, json_type_string)
	                    ? json_object_get_string(message) : "";
	const char *d = description != NULL && json_object_is_type(description, json_type_string)
	                    ? json_object_get_string(description) : "";

	buf_init(&b, 0);
	if (buf_puts(&b, m) == 0 && (d[0] == '\0' || buf_printf(&b, " - %s", d) == 0))
		sc_error_set_remote(err, buf_cstr(&b), b.len);
	buf_free(&b);
}

int
tryton__error_map(json_object *e, struct sc_error *err)
{
	json_object *kind, *args;
	const char *k, *text;

	if (e != NULL && json_object_is_type(e, json_type_string)) {
		text = json_object_get_string(e);
		sc_error_set(err, SC_ERROR, "Tryton error");
		sc_error_set_remote(err, text, strlen(text));
		return SC_ERROR;
	}
	if (e == NULL || !json_object_is_type(e, json_type_array) ||
	    json_object_array_length(e) < 1 ||
	    !json_object_is_type((kind = json_object_array_get_idx(e, 0)), json_type_string))
		return sc_error_set(err, SC_EMALFORMED, "Tryton answered an error of no known shape");
	k = json_object_get_string(kind);
	args = json_object_array_length(e) > 1 ? json_object_array_get_idx(e, 1) : NULL;
	if (strcmp(k, "UserError") == 0 || strcmp(k, "UserWarning") == 0 ||
	    strcmp(k, "LoginException") == 0) {
		/* UserError [message, description, domain]; the other two
		 * [name, message, ...] */
		size_t at = strcmp(k, "UserError") == 0 ? 0 : 1;
		int code = strcmp(k, "LoginException") == 0 ? SC_EAUTH : SC_EINVALID;

		if (args == NULL || !json_object_is_type(args, json_type_array) ||
		    json_object_array_length(args) <= at)
			return sc_error_set(err, SC_EMALFORMED, "Tryton answered a %s without its "
			                    "message", k);
		sc_error_set(err, code, "Tryton %s%s", k,
		             strcmp(k, "UserWarning") == 0
		                 ? " (a warning only a person can accept in Tryton)" : "");
		remote_two(err, json_object_array_get_idx(args, at),
		           strcmp(k, "LoginException") == 0 ? NULL
		                                            : json_object_array_get_idx(args, at + 1));
		return code;
	}
	if (strcmp(k, "ConcurrencyException") == 0) {
		sc_error_set(err, SC_ETRANSIENT, "Tryton ConcurrencyException");
		remote_two(err, args, NULL);
		return SC_ETRANSIENT;
	}
	/* [str(exception), traceback]: any other exception */
	if (strstr(k, "database is locked") != NULL || strstr(k, "could not serialize") != NULL ||
	    strstr(k, "OperationalError") != NULL) {
		sc_error_set(err, SC_ETRANSIENT, "Tryton exception (the database is busy)");
		sc_error_set_remote(err, k, strlen(k));
		return SC_ETRANSIENT;
	}
	sc_error_set(err, SC_ERROR, "Tryton exception");
	sc_error_set_remote(err, k, strlen(k));
	return SC_ERROR;
}

int
tryton__rpc_parse(const char *body, size_t len, json_object **result, struct sc_error *err)
{
	json_object *root = NULL, *e = NULL, *r = NULL;
	int rc;

	*result = NULL;
	if ((rc = json_parse_buf(&root, body, len, err)) < 0) {
		sc_error_prefix(err, "Tryton's answer is not JSON");
		goto done;
	}
	if (!json_object_is_type(root, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton's answer is not a JSON-RPC object");
		goto done;
	}
	if (json_object_object_get_ex(root, "error", &e) && e != NULL) {
		rc = tryton__error_map(e, err);
		goto done;
	}
	if (!json_object_object_get_ex(root, "result", &r)) {
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton's answer has neither result nor error");
		goto done;
	}
	*result = json_object_get(r);
	rc = 0;
done:
	json_object_put(root);
	return rc;
}

int
tryton__http_error(struct sc_error *err, const struct http_response *resp, const char *what)
{
	const char *body = buf_cstr(&resp->body), *p, *q;
	int code = resp->status == 403 || resp->status == 404 ? SC_EINVALID
	                                                     : sc_code_from_http(resp->status);

	if (code == 0)
		code = SC_EMALFORMED;
	sc_error_set(err, code, "Tryton %s: HTTP %ld", what, resp->status);
	if (err != NULL)
		err->http_status = (int)resp->status;
	/* werkzeug's error pages: <title>, <h1>, then the sentence in <p> */
	if ((p = strstr(body, "<p>")) != NULL && (q = strstr(p + 3, "</p>")) != NULL)
		sc_error_set_remote(err, p + 3, (size_t)(q - p - 3));
	else
		sc_error_set_remote(err, body, resp->body.len);
	return code;
}

/* ---- calls ---------------------------------------------------------------------- */

/* One POST of `body`; *status the HTTP status (0 when none came). A 200 is
 * parsed into *out; a 401 is returned as SC_EAUTH with *status 401 for the
 * caller to log in again. */
static int
rpc_post(struct tryton *t, const char *method, const struct buf *body, int write,
         json_object **out, long *status, struct sc_error *err)
{
	const char *headers[4] = { "Content-Type: application/json", "Accept: application/json",
		                   NULL, NULL };
	struct http_request req;
	struct http_response resp;
	struct buf auth;
	int rc;

	*out = NULL;
	*status = 0;
	memset(&resp, 0, sizeof(resp));
	buf_init(&auth, 0);
	if (t->auth != NULL) {
		if ((rc = buf_printf(&auth, "Authorization: %s", t->auth)) < 0)
			return sc_error_set(err, rc, "out of memory");
		headers[2] = buf_cstr(&auth);
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = t->endpoint;
	req.headers = headers;
	req.body = body->data;
	req.body_len = body->len;
	req.op = method;
	req.idempotent = !write;
	rc = http_request_do(t->http, &req, &resp, err);
	if (auth.data != NULL)
		OPENSSL_cleanse(auth.data, auth.len);
	buf_free(&auth);
	if (rc < 0) {
		sc_error_prefix(err, "Tryton %s", method);
		return rc;
	}
	*status = resp.status;
	if (resp.status == 200)
		rc = tryton__rpc_parse(resp.body.data, resp.body.len, out, err);
	else
		rc = tryton__http_error(err, &resp, method);
	if (resp.status == 200 && rc < 0)
		sc_error_prefix(err, "%s", method);
	http_response_free(&resp);
	return rc;
}

/* base64 of s, appended. */
static int
put_base64(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	char *tmp = malloc(4 * ((n + 2) / 3) + 1);
	int rc;

	if (tmp == NULL)
		return SC_ENOMEM;
	EVP_EncodeBlock((unsigned char *)tmp, (const unsigned char *)s, (int)n);
	rc = buf_puts(b, tmp);
	OPENSSL_cleanse(tmp, strlen(tmp));
	free(tmp);
	return rc;
}

/* The context with "company" set to t->company_id. */
static int
context_set_company(struct tryton *t, json_object *ctx, struct sc_error *err)
{
	char *text;

	json_object_object_add(ctx, "company", json_object_new_int64(t->company_id));
	text = strdup(json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN));
	if (text == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	free(t->context);
	t->context = text;
	return 0;
}

/* The conf's company (an id, else a company whose party has that name). */
static int
company_resolve(struct tryton *t, json_object *ctx, struct sc_error *err)
{
	const char *c = t->company;
	int64_t *ids = NULL;
	size_t n = 0;
	struct buf d;
	char *end = NULL;
	int rc;

	if (c == NULL) {
		if (tryton__get_id(tryton__member(ctx, "company"), &t->company_id,
		                   "the user's company", err) == 1)
			return 0;
		return sc_error_set(err, SC_EINVALID, "Tryton user %s has no current company: set "
		                    "[erp] company", t->user);
	}
	t->company_id = strtoll(c, &end, 10);
	if (*c >= '1' && *c <= '9' && *end == '\0')
		return context_set_company(t, ctx, err);
	buf_init(&d, 0);
	if ((rc = buf_puts(&d, "[[\"party.name\",\"=\",")) < 0 || (rc = tryton__put_str(&d, c)) < 0 ||
	    (rc = buf_puts(&d, "]]")) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = tryton__search(t, "company.company", buf_cstr(&d), 2, &ids, &n, err)) < 0)
		goto done;
	if (n != 1) {
		rc = sc_error_set(err, SC_EINVALID, "[erp] company: Tryton has %s company named "
		                  "\"%s\"", n == 0 ? "no" : "more than one", c);
		goto done;
	}
	t->company_id = ids[0];
	rc = context_set_company(t, ctx, err);
done:
	free(ids);
	buf_free(&d);
	return rc;
}

int
tryton__login(struct tryton *t, struct sc_error *err)
{
	json_object *res = NULL, *ctx = NULL;
	const char *session;
	struct buf body, auth;
	int64_t uid = 0;
	long status = 0;
	int rc;

	buf_init(&body, 0);
	buf_init(&auth, 0);
	t->in_login = 1;
	free(t->auth);
	t->auth = NULL;
	free(t->context);
	t->context = NULL;
	if ((rc = buf_printf(&body, "{\"id\":%ld,\"method\":\"common.db.login\",\"params\":[",
	                     ++t->next_id)) < 0 ||
	    (rc = tryton__put_str(&body, t->user)) < 0 ||
	    (rc = buf_puts(&body, ",{\"password\":")) < 0 ||
	    (rc = tryton__put_str(&body, t->password)) < 0 || (rc = buf_puts(&body, "},")) < 0 ||
	    (rc = tryton__put_str(&body, t->language)) < 0 || (rc = buf_puts(&body, "]}")) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	rc = rpc_post(t, "common.db.login", &body, 0, &res, &status, err);
	if (status == 401 || status == 403) {
		rc = sc_error_set(err, SC_EAUTH, "Tryton refused the login of user %s on database %s "
		                  "(HTTP %ld): check [erp] user and password", t->user, t->database,
		                  status);
		if (err != NULL)
			err->http_status = (int)status;
		goto done;
	}
	if (status == 404) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton has no database %s (HTTP 404): check "
		                  "[erp] database", t->database);
		goto done;
	}
	if (rc < 0)
		goto done;
	if (res == NULL || !json_object_is_type(res, json_type_array) ||
	    json_object_array_length(res) < 2 ||
	    tryton__get_id(json_object_array_get_idx(res, 0), &uid, "user id", err) != 1 ||
	    !json_object_is_type(json_object_array_get_idx(res, 1), json_type_string)) {
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton common.db.login: the answer is not "
		                  "[user id, session]");
		goto done;
	}
	session = json_object_get_string(json_object_array_get_idx(res, 1));
	log_secret_add(session);
	buf_reset(&auth);
	if ((rc = buf_printf(&auth, "%s:%lld:%s", t->user, (long long)uid, session)) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	buf_reset(&body);
	if ((rc = buf_puts(&body, "Session ")) < 0 || (rc = put_base64(&body, buf_cstr(&auth))) < 0 ||
	    (t->auth = strdup(buf_cstr(&body))) == NULL ||
	    (t->context = strdup("{}")) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	log_secret_add(t->auth + 8);
	buf_reset(&body);
	if ((rc = buf_printf(&body, "{\"id\":%ld,\"method\":\"model.res.user.get_preferences\","
	                     "\"params\":[true,{}]}", ++t->next_id)) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = rpc_post(t, "model.res.user.get_preferences", &body, 0, &ctx, &status, err)) < 0)
		goto done;
	if (ctx == NULL || !json_object_is_type(ctx, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton get_preferences: not an object");
		goto done;
	}
	free(t->context);
	if ((t->context = strdup(json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = company_resolve(t, ctx, err)) < 0)
		goto done;
	t->logins++;
	rc = 0;
done:
	t->in_login = 0;
	if (rc < 0) {
		free(t->auth);
		t->auth = NULL;
	}
	if (body.data != NULL)
		OPENSSL_cleanse(body.data, body.len);
	if (auth.data != NULL)
		OPENSSL_cleanse(auth.data, auth.len);
	buf_free(&body);
	buf_free(&auth);
	json_object_put(res);
	json_object_put(ctx);
	return rc;
}

/* {"id":N,"method":M,"params":[ARGS,CONTEXT(+extra)]} */
static int
call_body(struct tryton *t, struct buf *b, const char *method, const char *args,
          const char *ctx_extra)
{
	const char *ctx = t->context != NULL ? t->context : "{}";
	size_t clen = strlen(ctx);
	int rc;

	buf_reset(b);
	if ((rc = buf_printf(b, "{\"id\":%ld,\"method\":", ++t->next_id)) < 0 ||
	    (rc = tryton__put_str(b, method)) < 0 || (rc = buf_puts(b, ",\"params\":[")) < 0)
		return rc;
	if (args != NULL && args[0] != '\0' &&
	    ((rc = buf_puts(b, args)) < 0 || (rc = buf_puts(b, ",")) < 0))
		return rc;
	if (ctx_extra == NULL || ctx_extra[0] == '\0' || clen < 2)
		rc = buf_puts(b, ctx);
	else if ((rc = buf_append(b, ctx, clen - 1)) == 0 &&
	         (rc = buf_puts(b, clen > 2 ? "," : "")) == 0 && (rc = buf_puts(b, ctx_extra)) == 0)
		rc = buf_puts(b, "}");
	if (rc < 0)
		return rc;
	return buf_puts(b, "]}");
}

int
tryton__call(struct tryton *t, const char *method, const char *args, const char *ctx_extra,
             int write, json_object **out, struct sc_error *err)
{
	struct buf body;
	long status = 0;
	int attempt, rc = 0;

	*out = NULL;
	buf_init(&body, 0);
	for (attempt = 0; attempt < 2; attempt++) {
		if (t->auth == NULL && (rc = tryton__login(t, err)) < 0)
			goto done;
		if ((rc = call_body(t, &body, method, args, ctx_extra)) < 0) {
			rc = sc_error_set(err, rc, "Tryton %s: out of memory", method);
			goto done;
		}
		rc = rpc_post(t, method, &body, write, out, &status, err);
		if (status != 401)
			goto done;
		if (t->in_login) {
			/* a call made by the login itself (the company's lookup):
			 * logging in again from here would never end */
			rc = sc_error_set(err, SC_EAUTH, "Tryton %s: refused during login (401)",
			                  method);
			goto done;
		}
		/* no session, or it expired: log in again, once */
		free(t->auth);
		t->auth = NULL;
	}
	rc = sc_error_set(err, SC_EAUTH, "Tryton %s: HTTP 401 again after a fresh login", method);
	if (err != NULL)
		err->http_status = 401;
done:
	buf_free(&body);
	return rc;
}

int
tryton__put_ids(struct buf *b, const int64_t *ids, size_t n)
{
	size_t i;
	int rc = buf_puts(b, "[");

	for (i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(b, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
	return rc == 0 ? buf_puts(b, "]") : rc;
}

/* "model.M.SUFFIX" */
static int
method_name(char *out, size_t n, const char *model, const char *suffix)
{
	int w = snprintf(out, n, "model.%s.%s", model, suffix);

	return w < 0 || (size_t)w >= n ? SC_ENOSPACE : 0;
}

int
tryton__search(struct tryton *t, const char *model, const char *domain, long limit,
               int64_t **ids, size_t *n, struct sc_error *err)
{
	char method[128];
	json_object *res = NULL;
	struct buf args;
	size_t i, len;
	int rc;

	*ids = NULL;
	*n = 0;
	buf_init(&args, 0);
	if (method_name(method, sizeof(method), model, "search") < 0)
		return sc_error_set(err, SC_EINVALID, "model name too long");
	if ((rc = buf_printf(&args, "%s,0,", domain)) < 0 ||
	    (rc = limit > 0 ? buf_printf(&args, "%ld", limit) : buf_puts(&args, "null")) < 0 ||
	    (rc = buf_puts(&args, ",[[\"id\",\"ASC\"]]")) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = tryton__call(t, method, buf_cstr(&args), NULL, 0, &res, err)) < 0)
		goto done;
	if (res == NULL || !json_object_is_type(res, json_type_array)) {
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton %s: not a list of ids", method);
		goto done;
	}
	len = json_object_array_length(res);
	if ((*ids = calloc(len + 1, sizeof(**ids))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < len; i++)
		if (tryton__get_id(json_object_array_get_idx(res, i), &(*ids)[i], method, err) != 1) {
			rc = sc_error_set(err, SC_EMALFORMED, "Tryton %s: not a list of ids", method);
			free(*ids);
			*ids = NULL;
			goto done;
		}
	*n = len;
	rc = 0;
done:
	json_object_put(res);
	buf_free(&args);
	return rc;
}

int
tryton__read(struct tryton *t, const char *model, const int64_t *ids, size_t n,
             const char *fields, json_object **out, struct sc_error *err)
{
	char method[128];
	json_object *res = NULL, *sorted = NULL;
	struct buf args;
	size_t i, j, len;
	int rc;

	*out = NULL;
	buf_init(&args, 0);
	if (method_name(method, sizeof(method), model, "read") < 0)
		return sc_error_set(err, SC_EINVALID, "model name too long");
	if ((rc = tryton__put_ids(&args, ids, n)) < 0 || (rc = buf_printf(&args, ",%s", fields)) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = tryton__call(t, method, buf_cstr(&args), NULL, 0, &res, err)) < 0)
		goto done;
	if (res == NULL || !json_object_is_type(res, json_type_array)) {
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton %s: not a list of records", method);
		goto done;
	}
	len = json_object_array_length(res);
	sorted = json_object_new_array();
	for (i = 0; sorted != NULL && i < n; i++) {
		int64_t id = 0;
		for (j = 0; j < len; j++) {
			json_object *rec = json_object_array_get_idx(res, j);
			if (tryton__get_id(tryton__member(rec, "id"), &id, method, NULL) == 1 &&
			    id == ids[i])
				break;
		}
		if (j == len) {
			rc = sc_error_set(err, SC_ENOTFOUND, "Tryton %s %lld does not exist", model,
			                  (long long)ids[i]);
			goto done;
		}
		json_object_array_add(sorted, json_object_get(json_object_array_get_idx(res, j)));
	}
	if (sorted == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	*out = sorted;
	sorted = NULL;
	rc = 0;
done:
	json_object_put(sorted);
	json_object_put(res);
	buf_free(&args);
	return rc;
}

int
tryton__button(struct tryton *t, const char *model, const char *button, const int64_t *ids,
               size_t n, struct sc_error *err)
{
	char method[128];
	json_object *res = NULL;
	struct buf args;
	int rc;

	buf_init(&args, 0);
	if (method_name(method, sizeof(method), model, button) < 0)
		return sc_error_set(err, SC_EINVALID, "model name too long");
	if ((rc = tryton__put_ids(&args, ids, n)) < 0)
		rc = sc_error_set(err, rc, "out of memory");
	else
		rc = tryton__call(t, method, buf_cstr(&args), NULL, 1, &res, err);
	json_object_put(res);
	buf_free(&args);
	return rc;
}

int
tryton__create(struct tryton *t, const char *model, const char *values, int64_t *id,
               struct sc_error *err)
{
	char method[128];
	json_object *res = NULL;
	struct buf args;
	int rc;

	*id = 0;
	buf_init(&args, 0);
	if (method_name(method, sizeof(method), model, "create") < 0)
		return sc_error_set(err, SC_EINVALID, "model name too long");
	if ((rc = buf_printf(&args, "[%s]", values)) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = tryton__call(t, method, buf_cstr(&args), NULL, 1, &res, err)) < 0)
		goto done;
	if (res == NULL || !json_object_is_type(res, json_type_array) ||
	    json_object_array_length(res) != 1 ||
	    tryton__get_id(json_object_array_get_idx(res, 0), id, method, err) != 1)
		rc = sc_error_set(err, SC_EMALFORMED, "Tryton %s: the answer is not [id]", method);
done:
	json_object_put(res);
	buf_free(&args);
	return rc;
}

int
tryton__write(struct tryton *t, const char *model, const int64_t *ids, size_t n,
              const char *values, struct sc_error *err)
{
	char method[128];
	json_object *res = NULL;
	struct buf args;
	int rc;

	buf_init(&args, 0);
	if (method_name(method, sizeof(method), model, "write") < 0)
		return sc_error_set(err, SC_EINVALID, "model name too long");
	if ((rc = tryton__put_ids(&args, ids, n)) < 0 || (rc = buf_printf(&args, ",%s", values)) < 0)
		rc = sc_error_set(err, rc, "out of memory");
	else
		rc = tryton__call(t, method, buf_cstr(&args), NULL, 1, &res, err);
	json_object_put(res);
	buf_free(&args);
	return rc;
}
