/*
 * errors.c: NetSuite error bodies into struct sc_error.
 *
 * REST errors (docs/NETSUITE.md s1) are {"type","title","status",
 * "o:errorDetails":[{"detail","o:errorCode","o:errorPath",...}]}; the token
 * endpoint answers OAuth's {"error","error_description"}. The remote words
 * go into err->remote verbatim ("INVALID_KEY_OR_REF: Invalid Field Value 999
 * for the following field: item"); our own sentence into err->msg.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdio.h>
#include <string.h>

#include "connector/jsonutil.h"

static const char *
member_str(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Remote text of a parsed body into `remote`; the title into title[]. */
static int
body_words(struct buf *remote, char *title, size_t tn, json_object *root)
{
	json_object *details = NULL;
	const char *t, *e, *d;
	size_t i, n;
	int rc = 0;

	if (!json_object_is_type(root, json_type_object))
		return 0;
	t = member_str(root, "title");
	if (t != NULL)
		snprintf(title, tn, "%s", t);
	if (json_object_object_get_ex(root, "o:errorDetails", &details) &&
	    json_object_is_type(details, json_type_array)) {
		n = json_object_array_length(details);
		for (i = 0; i < n && rc == 0; i++) {
			json_object *it = json_object_array_get_idx(details, i);
			const char *code, *detail;
			if (!json_object_is_type(it, json_type_object))
				continue;
			code = member_str(it, "o:errorCode");
			detail = member_str(it, "detail");
			if (code == NULL && detail == NULL)
				continue;
			if (remote->len > 0)
				rc = buf_puts(remote, "; ");
			if (rc == 0 && code != NULL)
				rc = buf_puts(remote, code);
			if (rc == 0 && code != NULL && detail != NULL)
				rc = buf_puts(remote, ": ");
			if (rc == 0 && detail != NULL)
				rc = buf_puts(remote, detail);
		}
		if (remote->len > 0)
			return 1;
	}
	if (t != NULL) {
		buf_puts(remote, t);
		return 1;
	}
	e = member_str(root, "error");
	if (e != NULL) {
		d = member_str(root, "error_description");
		buf_puts(remote, e);
		if (d != NULL) {
			buf_puts(remote, ": ");
			buf_puts(remote, d);
		}
		return 1;
	}
	return 0;
}

static int
error_words(struct sc_error *err, char *title, size_t tn, const char *body, size_t len)
{
	struct sc_error scratch;
	json_object *root = NULL;
	struct buf remote;
	int shaped = 0;

	title[0] = '\0';
	if (body == NULL || len == 0) {
		sc_error_set_remote(err, "", 0);
		return 0;
	}
	buf_init(&remote, SC_ERROR_REMOTE_MAX * 2);
	sc_error_clear(&scratch);
	if (json_parse_buf(&root, body, len, &scratch) == 0)
		shaped = body_words(&remote, title, tn, root);
	if (shaped)
		sc_error_set_remote(err, buf_cstr(&remote), remote.len);
	else
		sc_error_set_remote(err, body, len);
	json_object_put(root);
	buf_free(&remote);
	return shaped;
}

int
netsuite__error_parse(struct sc_error *err, const char *body, size_t len)
{
	char title[128];

	return error_words(err, title, sizeof(title), body, len);
}

int
netsuite__error_from_response(struct sc_error *err, const struct http_response *resp,
                              const char *what)
{
	char title[128];
	int code = sc_code_from_http(resp->status);

	if (code == 0)
		code = SC_ERROR;   /* a 2xx we did not expect */
	sc_error_clear(err);
	error_words(err, title, sizeof(title), resp->body.data, resp->body.len);
	sc_error_set(err, code, "NetSuite %s: HTTP %ld%s%s", what, resp->status,
	             title[0] != '\0' ? " " : "", title);
	if (err != NULL)
		err->http_status = (int)resp->status;
	return code;
}
