/*
 * records.c: authenticated calls to the REST Record API; upsert and lookup
 * by external id; customers made per buyer.
 *
 * Upsert is `PUT /services/rest/record/v1/{type}/eid:{externalId}` -> 204
 * with `Location: .../{type}/{id}`: the same PUT twice updates the same
 * record, so the http client may retry it after a timeout (idempotent).
 * Lookup is `GET .../{type}/eid:{externalId}` -> 200 (the record) or 404.
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "connector/jsonutil.h"

/* ud of the Bearer auth hook. */
struct bearer {
	const char *token;
};

static int
bearer_auth(void *ud, const struct http_request *req, struct http_headers *hdrs,
            struct sc_error *err)
{
	const struct bearer *b = ud;
	struct buf v;
	int rc;

	(void)req;
	buf_init(&v, 0);
	if ((rc = buf_puts(&v, "Bearer ")) < 0 || (rc = buf_puts(&v, b->token)) < 0 ||
	    (rc = http_headers_add(hdrs, "Authorization", buf_cstr(&v))) < 0)
		sc_error_set(err, rc, "out of memory adding the Authorization header");
	if (v.data != NULL)
		OPENSSL_cleanse(v.data, v.len);
	buf_free(&v);
	return rc;
}

int
netsuite__call(struct netsuite *ns, const struct netsuite_call *c, struct http_response *resp,
               struct sc_error *err)
{
	const char *headers[4] = { "Accept: application/json", NULL, NULL, NULL };
	char prefer[64];
	struct http_request req;
	struct bearer bearer = { NULL };
	char *token = NULL;
	size_t nh = 1;
	int attempt, rc = 0;

	memset(resp, 0, sizeof(*resp));
	if (c->body != NULL)
		headers[nh++] = "Content-Type: application/json";
	if (c->prefer != NULL) {
		snprintf(prefer, sizeof(prefer), "Prefer: %s", c->prefer);
		headers[nh++] = prefer;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		memset(&req, 0, sizeof(req));
		req.method = c->method;
		req.url = c->url;
		req.headers = headers;
		req.body = c->body;
		req.body_len = c->body_len;
		req.op = c->op;
		req.idempotent = c->idempotent;
		if (ns->auth == NETSUITE_AUTH_TBA) {
			req.auth = netsuite__tba_auth;
			req.auth_ud = ns;
		} else {
			if ((rc = netsuite__token_get(ns, &token, err)) < 0)
				goto done;
			bearer.token = token;
			req.auth = bearer_auth;
			req.auth_ud = &bearer;
		}
		if ((rc = http_request_do(ns->http, &req, resp, err)) < 0)
			goto done;
		/* 401: an expired or revoked token, or NetSuite's "Invalid login
		 * attempt" under load; a fresh token (or nonce) once more */
		if (resp->status != 401 || attempt == 1)
			break;
		if (ns->auth == NETSUITE_AUTH_OAUTH2)
			netsuite__token_drop(ns, token);
		if (token != NULL)
			OPENSSL_cleanse(token, strlen(token));
		free(token);
		token = NULL;
		http_response_free(resp);
		memset(resp, 0, sizeof(*resp));
	}
done:
	if (token != NULL)
		OPENSSL_cleanse(token, strlen(token));
	free(token);
	return rc;
}

int
netsuite__location_id(char *out, size_t n, const char *location, const char *type)
{
	size_t end, start, pend, pstart, i;

	if (location == NULL || n == 0)
		return SC_EMALFORMED;
	end = strcspn(location, "?#");
	while (end > 0 && location[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && location[start - 1] != '/')
		start--;
	if (start == end || start == 0 || end - start >= n)
		return SC_EMALFORMED;
	for (i = start; i < end; i++) {
		char c = location[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			return SC_EMALFORMED;
	}
	if (type != NULL) {
		pend = start - 1;
		pstart = pend;
		while (pstart > 0 && location[pstart - 1] != '/')
			pstart--;
		if (pend - pstart != strlen(type) ||
		    strncasecmp(location + pstart, type, pend - pstart) != 0)
			return SC_EMALFORMED;
	}
	memcpy(out, location + start, end - start);
	out[end - start] = '\0';
	return 0;
}

int
netsuite__record_parse(struct erp_ref *out, const char *body, size_t len, struct sc_error *err)
{
	json_object *root = NULL, *id = NULL;
	const char *eid = NULL, *txt;
	int rc;

	if ((rc = json_parse_buf(&root, body, len, err)) < 0)
		goto done;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "id", &id) ||
	    !(json_object_is_type(id, json_type_string) || json_object_is_type(id, json_type_int))) {
		rc = sc_error_set(err, SC_EMALFORMED, "NetSuite record has no id");
		goto done;
	}
	txt = json_object_get_string(id);
	if (txt[0] == '\0' || strlen(txt) >= sizeof(out->id)) {
		rc = sc_error_set(err, SC_EMALFORMED, "NetSuite record id is empty or too long");
		goto done;
	}
	if ((rc = json_get_str(root, "externalId", &eid, err)) < 0)
		goto done;
	snprintf(out->id, sizeof(out->id), "%s", txt);
	if (rc == 1 && strlen(eid) < sizeof(out->external_id))
		snprintf(out->external_id, sizeof(out->external_id), "%s", eid);
	rc = 0;
done:
	json_object_put(root);
	return rc;
}

int
netsuite__record_url(char **out, const struct netsuite *ns, const char *type, const char *eid)
{
	struct buf u;
	int rc;

	*out = NULL;
	buf_init(&u, 0);
	if ((rc = buf_printf(&u, "%s/services/rest/record/v1/", ns->base_url)) < 0 ||
	    (rc = buf_url_encode(&u, type)) < 0 || (rc = buf_puts(&u, "/eid:")) < 0 ||
	    (rc = buf_url_encode(&u, eid)) < 0) {
		buf_free(&u);
		return rc;
	}
	*out = buf_take(&u);
	return *out != NULL ? 0 : SC_ENOMEM;
}

static void
ref_fill(struct erp_ref *out, const char *type, const char *eid)
{
	snprintf(out->type, sizeof(out->type), "%s", type);
	snprintf(out->external_id, sizeof(out->external_id), "%s", eid);
}

int
netsuite__record_upsert(struct netsuite *ns, const char *type, const char *eid,
                        const char *body, size_t len, struct erp_ref *out,
                        struct sc_error *err)
{
	struct netsuite_call call;
	struct http_response resp;
	char *url = NULL, what[256];
	const char *loc;
	int rc;

	memset(&resp, 0, sizeof(resp));
	snprintf(what, sizeof(what), "upsert of %s %s", type, eid);
	if (strlen(type) >= sizeof(out->type) || strlen(eid) >= sizeof(out->external_id))
		return sc_error_set(err, SC_EINVALID, "NetSuite %s: type or external id too long",
		                    what);
	if ((rc = netsuite__record_url(&url, ns, type, eid)) < 0)
		return sc_error_set(err, rc, "NetSuite %s: out of memory", what);
	memset(&call, 0, sizeof(call));
	call.method = "PUT";
	call.url = url;
	call.body = body;
	call.body_len = len;
	call.op = "upsertRecord";
	call.idempotent = 1;
	if ((rc = netsuite__call(ns, &call, &resp, err)) < 0) {
		sc_error_prefix(err, "NetSuite %s", what);
		goto done;
	}
	if (resp.status != 204 && resp.status != 200 && resp.status != 201) {
		rc = netsuite__error_from_response(err, &resp, what);
		goto done;
	}
	loc = http_response_header(&resp, "Location");
	memset(out, 0, sizeof(*out));
	if (netsuite__location_id(out->id, sizeof(out->id), loc, type) < 0) {
		/* The write may or may not have happened; an upsert by external
		 * id is safe to repeat, so this clears on a later run. */
		rc = sc_error_set(err, SC_ETRANSIENT,
		                  "NetSuite %s: HTTP %ld without a Location naming the record", what,
		                  resp.status);
		if (err != NULL)
			err->http_status = (int)resp.status;
		goto done;
	}
	ref_fill(out, type, eid);
done:
	http_response_free(&resp);
	free(url);
	return rc;
}

int
netsuite__record_find(struct netsuite *ns, const char *type, const char *eid,
                      struct erp_ref *out, struct sc_error *err)
{
	struct netsuite_call call;
	struct http_response resp;
	char *url = NULL, what[256];
	int rc;

	memset(&resp, 0, sizeof(resp));
	snprintf(what, sizeof(what), "lookup of %s %s", type, eid);
	if (strlen(type) >= sizeof(out->type) || strlen(eid) >= sizeof(out->external_id))
		return sc_error_set(err, SC_EINVALID, "NetSuite %s: type or external id too long",
		                    what);
	if ((rc = netsuite__record_url(&url, ns, type, eid)) < 0)
		return sc_error_set(err, rc, "NetSuite %s: out of memory", what);
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.url = url;
	call.op = "getRecord";
	call.idempotent = 1;
	if ((rc = netsuite__call(ns, &call, &resp, err)) < 0) {
		sc_error_prefix(err, "NetSuite %s", what);
		goto done;
	}
	if (resp.status == 404) {
		rc = 0;
		goto done;
	}
	if (resp.status != 200) {
		rc = netsuite__error_from_response(err, &resp, what);
		goto done;
	}
	memset(out, 0, sizeof(*out));
	if ((rc = netsuite__record_parse(out, resp.body.data, resp.body.len, err)) < 0) {
		sc_error_prefix(err, "NetSuite %s", what);
		goto done;
	}
	ref_fill(out, type, eid);
	rc = 1;
done:
	http_response_free(&resp);
	free(url);
	return rc;
}

int
netsuite__customer_resolve(struct netsuite *ns, const struct order *o, const char *order_eid,
                           char *out, size_t n, struct sc_error *err)
{
	char eid[64];
	const char *id = NULL;
	struct erp_ref ref;
	struct buf body;
	int found, rc;

	if (ns->customer_mode == NETSUITE_CUSTOMER_SINGLE) {
		snprintf(out, n, "%s", ns->customer_id);
		return 0;
	}
	if (netsuite__customer_eid(eid, sizeof(eid), order_eid, o) < 0)
		return sc_error_set(err, SC_EINVALID, "order %s: no key for its customer", o->id);
	pthread_mutex_lock(&ns->cache_lock);
	found = netsuite__map_get(&ns->customers, eid, &id);
	if (found)
		snprintf(out, n, "%s", id);
	pthread_mutex_unlock(&ns->cache_lock);
	if (found)
		return 0;
	buf_init(&body, 0);
	if ((rc = netsuite__customer_body(&body, eid, o, ns->body.subsidiary_id)) < 0) {
		sc_error_set(err, rc, "order %s: cannot build the customer body", o->id);
		goto done;
	}
	if ((rc = netsuite__record_upsert(ns, "customer", eid, body.data, body.len, &ref, err)) < 0) {
		sc_error_prefix(err, "order %s", o->id);
		goto done;
	}
	pthread_mutex_lock(&ns->cache_lock);
	rc = netsuite__map_put(&ns->customers, eid, ref.id);
	pthread_mutex_unlock(&ns->cache_lock);
	if (rc < 0) {
		sc_error_set(err, rc, "out of memory");
		goto done;
	}
	snprintf(out, n, "%s", ref.id);
done:
	buf_free(&body);
	return rc;
}
