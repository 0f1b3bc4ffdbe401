/* server.c: libmicrohttpd glue. One thread per connection; a request's
 * context is made by the URI logger (so the raw request-target is kept for
 * OAuth 1.0 signatures), bodies are collected up to SBX_BODY_CAP, then the
 * request is classified, faults applied, the NetSuite concurrency limit
 * checked, and the API module answers (/_sandbox/: control.c). */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"
#include "connector/log.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct MHD_Daemon *srv_daemon;

struct srv_conn {
	struct sbx_req rq;
	char *raw_uri;
	char *path;           /* decoded */
	char *raw_path;
	int started;
	int counted;          /* holds an in-flight slot */
	int over_limit;
	int too_big;
	int bad_uri;
};

/* ---- replies ------------------------------------------------------------- */

const char *
sbx_req_header(const struct sbx_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->con, MHD_HEADER_KIND, name);
}

void
sbx_reply_json(struct sbx_reply *rp, int status, const char *json)
{
	rp->status = status;
	buf_reset(&rp->body);
	buf_puts(&rp->body, json);
}

void
sbx_reply_amazon_error(struct sbx_reply *rp, int status, const char *code,
                       const char *message)
{
	rp->status = status;
	rp->content_type = "application/json";
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"errors\":[{\"code\":");
	sbx_buf_json_str(&rp->body, code);
	buf_puts(&rp->body, ",\"message\":");
	sbx_buf_json_str(&rp->body, message);
	buf_puts(&rp->body, "}]}");
}

static void
ns_status_text(int status, const char **type, const char **title)
{
	static const struct {
		int status;
		const char *type, *title;
	} tab[] = {
		{ 400, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1", "Bad Request" },
		{ 401, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2", "Unauthorized" },
		{ 403, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4", "Forbidden" },
		{ 404, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5", "Not Found" },
		{ 405, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6", "Method Not Allowed" },
		{ 409, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.10", "Conflict" },
		{ 413, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.14", "Content Too Large" },
		{ 429, "https://www.rfc-editor.org/rfc/rfc6585.html#section-4", "Too Many Requests" },
		{ 500, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1", "Internal Server Error" },
		{ 502, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.3", "Bad Gateway" },
		{ 503, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4", "Service Unavailable" },
		{ 504, "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.5", "Gateway Timeout" },
	};
	size_t i;

	*type = "https://www.rfc-editor.org/rfc/rfc9110.html#section-15";
	*title = status >= 500 ? "Internal Server Error" : "Bad Request";
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (tab[i].status == status) {
			*type = tab[i].type;
			*title = tab[i].title;
		}
}

void
sbx_reply_ns_error(struct sbx_reply *rp, int status, const char *code, const char *detail,
                   const char *path)
{
	const char *type, *title;

	ns_status_text(status, &type, &title);
	rp->status = status;
	rp->content_type = "application/vnd.oracle.resource+json; type=error; charset=UTF-8";
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"type\":");
	sbx_buf_json_str(&rp->body, type);
	buf_puts(&rp->body, ",\"title\":");
	sbx_buf_json_str(&rp->body, title);
	buf_printf(&rp->body, ",\"status\":%d,\"o:errorDetails\":[{\"detail\":", status);
	sbx_buf_json_str(&rp->body, detail);
	buf_puts(&rp->body, ",\"o:errorCode\":");
	sbx_buf_json_str(&rp->body, code);
	if (path != NULL) {
		buf_puts(&rp->body, ",\"o:errorPath\":");
		sbx_buf_json_str(&rp->body, path);
	}
	buf_puts(&rp->body, "}]}");
}

void
sbx_reply_oauth_error(struct sbx_reply *rp, int status, const char *code, const char *desc)
{
	rp->status = status;
	rp->content_type = "application/json;charset=UTF-8";
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"error\":");
	sbx_buf_json_str(&rp->body, code);
	if (desc != NULL) {
		buf_puts(&rp->body, ",\"error_description\":");
		sbx_buf_json_str(&rp->body, desc);
	}
	buf_puts(&rp->body, "}");
}

void
sbx_reply_s3_error(struct sbx_reply *rp, int status, const char *code, const char *msg)
{
	rp->status = status;
	rp->content_type = "application/xml";
	buf_reset(&rp->body);
	buf_printf(&rp->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
	           "<Message>%s</Message></Error>", code, msg);
}

/* The error a fault with `status` answers, in the API's own shape. */
static void
reply_fault_status(struct sbx_reply *rp, enum sbx_api api, int status)
{
	static const struct {
		int status;
		const char *amz_code, *amz_msg, *ns_code, *ns_detail;
	} tab[] = {
		{ 400, "InvalidInput", "Invalid input.", "INVALID_REQUEST", "The request is invalid." },
		{ 401, "Unauthorized", "Access to requested resource is denied.", "INVALID_LOGIN",
		  "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail." },
		{ 403, "Unauthorized", "Access to requested resource is denied.", "INSUFFICIENT_PERMISSION",
		  "You do not have permission to access this resource." },
		{ 404, "NotFound", "Resource not found.", "NONEXISTENT_ID", "The record instance does not exist." },
		{ 429, "QuotaExceeded", "You exceeded your quota for the requested resource.",
		  "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked." },
		{ 500, "InternalFailure", "We encountered an internal error. Please try again.",
		  "UNEXPECTED_ERROR", "An unexpected error occurred. Error ID: sandbox-fault" },
		{ 503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.",
		  "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Try again later." },
	};
	const char *amz_code = status >= 500 ? "InternalFailure" : "InvalidInput";
	const char *amz_msg = status >= 500 ? "We encountered an internal error. Please try again."
	                                    : "Invalid input.";
	const char *ns_code = status >= 500 ? "UNEXPECTED_ERROR" : "INVALID_REQUEST";
	const char *ns_detail = status >= 500 ? "An unexpected error occurred."
	                                      : "The request is invalid.";
	size_t i;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (tab[i].status == status) {
			amz_code = tab[i].amz_code;
			amz_msg = tab[i].amz_msg;
			ns_code = tab[i].ns_code;
			ns_detail = tab[i].ns_detail;
		}
	if (api == SBX_API_S3)
		sbx_reply_s3_error(rp, status, status == 503 ? "SlowDown" : status >= 500 ? "InternalError"
		                   : status == 403 ? "AccessDenied" : status == 404 ? "NoSuchKey"
		                   : "InvalidRequest", amz_msg);
	else if (api == SBX_API_LWA)
		sbx_reply_oauth_error(rp, status, status >= 500 ? "server_error" :
		                      status == 429 ? "slow_down" : "invalid_request", amz_msg);
	else if (api == SBX_API_NETSUITE)
		sbx_reply_ns_error(rp, status, ns_code, ns_detail, NULL);
	else
		sbx_reply_amazon_error(rp, status, amz_code, amz_msg);
}

static void
reply_malformed(struct sbx_reply *rp, const struct sbx_req *rq)
{
	const char *text = "{\"orders\":[{\"orderId\": ";

	if (rq->api == SBX_API_LWA || rq->op == SBX_OP_NS_TOKEN)
		text = "{\"access_token\":\"Atza|";
	else if (rq->op == SBX_OP_GET_ORDER)
		text = "{\"order\":{\"orderId\": ";
	else if (rq->op == SBX_OP_SUITEQL)
		text = "{\"links\":[],\"count\":2,\"hasMore\":fal";
	else if (rq->op == SBX_OP_LIST_FIN_EVENTS || rq->op == SBX_OP_LIST_FIN_EVENTS_BY_ORDER)
		text = "{\"payload\":{\"FinancialEvents\":{\"RefundEventList\":[{";
	else if (rq->op == SBX_OP_GET_FEED)
		text = "{\"feedId\":\"1\",\"processingStatus\":";
	else if (rq->op == SBX_OP_GET_REPORTS)
		text = "{\"reports\":[{\"reportId\":\"1\",\"reportType\":";
	else if (rq->op == SBX_OP_GET_REPORT_DOC)
		text = "{\"reportDocumentId\":\"1\",\"url\":\"http:";
	else if (rq->api == SBX_API_S3)
		text = "<?xml version=\"1.0\"?><AmazonEnvelope><Mess";
	else if (rq->api == SBX_API_NETSUITE)
		text = "<html><body>Service Temporarily Unavailable</body></html>";
	sbx_reply_json(rp, 200, text);
	rp->content_type = "application/json";
}

struct trunc_ctx {
	char *data;
	size_t half;
};

static ssize_t
trunc_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct trunc_ctx *t = cls;
	size_t n;

	if (pos >= t->half)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = t->half - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, t->data + pos, n);
	return (ssize_t)n;
}

static void
trunc_free(void *cls)
{
	struct trunc_ctx *t = cls;

	free(t->data);
	free(t);
}

static enum MHD_Result
reply_send(struct MHD_Connection *con, struct sbx_reply *rp)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;
	size_t len = rp->body.len;

	if (rp->truncate) {
		struct trunc_ctx *t = calloc(1, sizeof *t);

		if (len == 0) {
			rp->status = 200;
			buf_puts(&rp->body, "{\"sandbox\":\"truncated response\"}");
			len = rp->body.len;
		}
		if (t == NULL)
			return MHD_NO;
		t->half = len / 2;
		t->data = buf_take(&rp->body);
		resp = MHD_create_response_from_callback(len, 4096, trunc_read, t, trunc_free);
		if (resp == NULL) {
			trunc_free(t);
			return MHD_NO;
		}
	} else if (len > 0) {
		resp = MHD_create_response_from_buffer(len, buf_take(&rp->body),
		                                       MHD_RESPMEM_MUST_FREE);
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL)
		return MHD_NO;
	if (len > 0 || rp->truncate)
		MHD_add_response_header(resp, "Content-Type",
		                        rp->content_type ? rp->content_type : "application/json");
	if (rp->location[0])
		MHD_add_response_header(resp, "Location", rp->location);
	if (rp->retry_after[0])
		MHD_add_response_header(resp, "Retry-After", rp->retry_after);
	if (rp->rate_limit[0])
		MHD_add_response_header(resp, "x-amzn-RateLimit-Limit", rp->rate_limit);
	if (rp->request_id[0])
		MHD_add_response_header(resp, "x-amzn-RequestId", rp->request_id);
	if (rp->content_encoding != NULL)
		MHD_add_response_header(resp, "Content-Encoding", rp->content_encoding);
	ret = MHD_queue_response(con, (unsigned)rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- classification and dispatch ------------------------------------------ */

/* p is `prefix` followed by one non-empty path segment. */
static int
tail_is_id(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(p, prefix, n) == 0 && p[n] != '\0' && strchr(p + n, '/') == NULL;
}

static void
classify(struct sbx_req *rq)
{
	const char *p = rq->path;
	const char *m = rq->method;

	rq->api = SBX_API_NONE;
	rq->op = SBX_OP_OTHER;
	if (strcmp(p, "/auth/o2/token") == 0) {
		rq->api = SBX_API_LWA;
		rq->op = SBX_OP_LWA_TOKEN;
	} else if (strncmp(p, "/orders/", 8) == 0) {
		rq->api = SBX_API_AMAZON;
		if (strcmp(p, "/orders/2026-01-01/orders") == 0)
			rq->op = SBX_OP_SEARCH_ORDERS;
		else if (tail_is_id(p, "/orders/2026-01-01/orders/"))
			rq->op = SBX_OP_GET_ORDER;
	} else if (strncmp(p, "/finances/", 10) == 0) {
		rq->api = SBX_API_AMAZON;
		if (strcmp(p, "/finances/v0/financialEvents") == 0)
			rq->op = SBX_OP_LIST_FIN_EVENTS;
		else if (strncmp(p, "/finances/v0/orders/", 20) == 0 && p[20] != '/' &&
		         strchr(p + 20, '/') != NULL && strcmp(strchr(p + 20, '/'), "/financialEvents") == 0)
			rq->op = SBX_OP_LIST_FIN_EVENTS_BY_ORDER;
	} else if (strncmp(p, "/feeds/", 7) == 0) {
		rq->api = SBX_API_AMAZON;
		if (strcmp(p, "/feeds/2021-06-30/documents") == 0)
			rq->op = SBX_OP_CREATE_FEED_DOC;
		else if (strcmp(p, "/feeds/2021-06-30/feeds") == 0)
			rq->op = SBX_OP_CREATE_FEED;
		else if (tail_is_id(p, "/feeds/2021-06-30/feeds/"))
			rq->op = SBX_OP_GET_FEED;
		else if (tail_is_id(p, "/feeds/2021-06-30/documents/"))
			rq->op = SBX_OP_GET_FEED_DOC;
	} else if (strncmp(p, "/reports/", 9) == 0) {
		rq->api = SBX_API_AMAZON;
		if (strcmp(p, "/reports/2021-06-30/reports") == 0)
			rq->op = strcmp(m, "POST") == 0 ? SBX_OP_CREATE_REPORT : SBX_OP_GET_REPORTS;
		else if (tail_is_id(p, "/reports/2021-06-30/reports/"))
			rq->op = SBX_OP_GET_REPORT;
		else if (tail_is_id(p, "/reports/2021-06-30/documents/"))
			rq->op = SBX_OP_GET_REPORT_DOC;
	} else if (tail_is_id(p, "/_upload/")) {
		rq->api = SBX_API_S3;
		rq->op = SBX_OP_DOC_UPLOAD;
	} else if (tail_is_id(p, "/_download/")) {
		rq->api = SBX_API_S3;
		rq->op = SBX_OP_DOC_DOWNLOAD;
	} else if (strncmp(p, "/services/rest/", 15) == 0) {
		rq->api = SBX_API_NETSUITE;
		if (strcmp(p, "/services/rest/auth/oauth2/v1/token") == 0)
			rq->op = SBX_OP_NS_TOKEN;
		else if (strcmp(p, "/services/rest/query/v1/suiteql") == 0)
			rq->op = SBX_OP_SUITEQL;
		else if (strncmp(p, "/services/rest/record/v1/", 25) == 0) {
			if (strcmp(m, "GET") == 0)
				rq->op = SBX_OP_RECORD_GET;
			else if (strcmp(m, "PUT") == 0)
				rq->op = SBX_OP_RECORD_UPSERT;
			else if (strcmp(m, "PATCH") == 0)
				rq->op = SBX_OP_RECORD_UPDATE;
			else if (strcmp(m, "POST") == 0)
				rq->op = strstr(p, "/!transform/") ? SBX_OP_RECORD_TRANSFORM
				                                    : SBX_OP_RECORD_CREATE;
		}
	}
}

static void
api_handle(struct sbx *sb, struct srv_conn *c, struct sbx_reply *rp)
{
	struct sbx_req *rq = &c->rq;

	if (rq->api == SBX_API_AMAZON || rq->api == SBX_API_LWA) {
		sbx_amazon_handle(sb, rq, rp);
		return;
	}
	if (rq->api == SBX_API_S3) {
		sbx_feeds_s3(sb, rq, rp);
		return;
	}
	if (rq->api != SBX_API_NETSUITE) {
		sbx_reply_json(rp, 404, "{\"error\":\"not found\"}");
		return;
	}
	if (c->over_limit) {
		atomic_fetch_add(&sb->throttled[rq->op], 1);
		sbx_reply_ns_error(rp, 429, "CONCURRENCY_LIMIT_EXCEEDED",
		                   "Concurrent request limit exceeded. Request blocked.", NULL);
		return;
	}
	if (sb->latency_ms > 0)
		sbx_sleep_ms(sb->latency_ms);
	if (rq->op == SBX_OP_NS_TOKEN)
		sbx_nsauth_token(sb, rq, rp);
	else if (sbx_nsauth_check(sb, rq, rp) != 1)
		return;
	else if (rq->op == SBX_OP_SUITEQL)
		sbx_suiteql_handle(sb, rq, rp);
	else
		sbx_netsuite_handle(sb, rq, rp);
}

/* x-amzn-RequestId: a random UUID-shaped id. */
static void
reply_request_id(struct sbx_reply *rp)
{
	char h[33];

	if (sbx_random_hex(h, 16) < 0)
		memcpy(h, "00000000000000000000000000000000", 33);
	snprintf(rp->request_id, sizeof rp->request_id, "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8,
	         h + 12, h + 16, h + 20);
}

/* Final call of a request: answer it, or MHD_NO to drop the connection. */
static enum MHD_Result
conn_answer(struct sbx *sb, struct srv_conn *c)
{
	struct sbx_req *rq = &c->rq;
	struct sbx_reply rp;
	struct sbx_fault f;
	enum MHD_Result ret;
	int fired = 0;

	memset(&rp, 0, sizeof rp);
	buf_init(&rp.body, 0);
	rp.status = 500;
	if (c->bad_uri) {
		sbx_reply_json(&rp, 400, "{\"error\":\"bad request-target\"}");
		goto send;
	}
	if (strncmp(rq->path, "/_sandbox/", 10) == 0) {
		sbx_control_handle(sb, rq, &rp);
		goto send;
	}
	atomic_fetch_add(&sb->requests[rq->op], 1);
	fired = sbx_fault_take(sb, rq->method, rq->path, &f);
	if (fired && f.delay_ms > 0)
		sbx_sleep_ms(f.delay_ms);
	if (fired && f.action == SBX_FAULT_DROP) {
		buf_free(&rp.body);
		return MHD_NO;
	}
	if (fired && f.action == SBX_FAULT_STATUS) {
		reply_fault_status(&rp, rq->api, f.status);
		if (f.retry_after >= 0)
			snprintf(rp.retry_after, sizeof rp.retry_after, "%ld", f.retry_after);
		goto send;
	}
	if (fired && f.action == SBX_FAULT_MALFORMED) {
		reply_malformed(&rp, rq);
		goto send;
	}
	if (c->too_big) {
		if (rq->api == SBX_API_NETSUITE)
			sbx_reply_ns_error(&rp, 413, "INVALID_REQUEST", "The request body is too large.", NULL);
		else if (rq->api == SBX_API_S3)
			sbx_reply_s3_error(&rp, 400, "EntityTooLarge",
			                   "Your proposed upload exceeds the maximum allowed size");
		else
			sbx_reply_amazon_error(&rp, 413, "InvalidInput", "The request body is too large.");
		goto send;
	}
	api_handle(sb, c, &rp);
	if (fired && f.action == SBX_FAULT_TRUNCATE)
		rp.truncate = 1;
send:
	if ((rq->api == SBX_API_AMAZON || rq->api == SBX_API_LWA) && !c->bad_uri)
		reply_request_id(&rp);
	if (sb->verbose) {
		char st[8];

		snprintf(st, sizeof st, "%d", rp.status);
		log_event(LOG_INFO, "sandbox.request", "method", rq->method, "path", rq->path,
		          "status", st, NULL);
	}
	ret = reply_send(rq->con, &rp);
	buf_free(&rp.body);
	return ret;
}

/* Split the raw request-target into path and query and decode the path. */
static int
conn_parse_uri(struct srv_conn *c)
{
	const char *u = c->raw_uri;
	const char *q;
	size_t plen;

	if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) {
		u = strchr(u + 8, '/');
		if (u == NULL)
			return SC_EMALFORMED;
	}
	q = strchr(u, '?');
	plen = q ? (size_t)(q - u) : strlen(u);
	c->raw_path = strndup(u, plen);
	if (c->raw_path == NULL)
		return SC_ENOMEM;
	c->rq.raw_path = c->raw_path;
	c->rq.raw_query = q ? q + 1 : "";
	if (sbx_pct_decode(&c->path, u, plen, 0) < 0)
		return SC_EMALFORMED;
	c->rq.path = c->path;
	return sbx_params_parse(&c->rq.query, c->rq.raw_query, strlen(c->rq.raw_query));
}

static void
conn_first(struct sbx *sb, struct srv_conn *c, struct MHD_Connection *con, const char *method)
{
	c->started = 1;
	c->rq.con = con;
	c->rq.method = method;
	c->rq.path = c->raw_uri;
	c->rq.raw_path = c->raw_uri;
	c->rq.raw_query = "";
	buf_init(&c->rq.body, SBX_BODY_CAP);
	if (conn_parse_uri(c) < 0) {
		c->bad_uri = 1;
		return;
	}
	classify(&c->rq);
	if (c->rq.api == SBX_API_NETSUITE) {
		long n = atomic_fetch_add(&sb->in_flight, 1) + 1;

		c->counted = 1;
		if (sb->limits && n > sb->ns_concurrency_limit) {
			atomic_fetch_sub(&sb->in_flight, 1);
			c->counted = 0;
			c->over_limit = 1;
		} else {
			long m = atomic_load(&sb->max_in_flight);

			while (n > m && !atomic_compare_exchange_weak(&sb->max_in_flight, &m, n))
				;
		}
	}
}

static enum MHD_Result
srv_access(void *cls, struct MHD_Connection *con, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size,
           void **con_cls)
{
	struct sbx *sb = cls;
	struct srv_conn *c = *con_cls;

	(void)url;
	(void)version;
	if (c == NULL)
		return MHD_NO;
	if (!c->started) {
		conn_first(sb, c, con, method);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!c->too_big && buf_append(&c->rq.body, upload_data, *upload_data_size) < 0)
			c->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return conn_answer(sb, c);
}

static void *
srv_uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct srv_conn *c = calloc(1, sizeof *c);

	(void)cls;
	(void)con;
	if (c == NULL)
		return NULL;
	c->raw_uri = strdup(uri ? uri : "/");
	if (c->raw_uri == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
srv_completed(void *cls, struct MHD_Connection *con, void **con_cls,
              enum MHD_RequestTerminationCode toe)
{
	struct sbx *sb = cls;
	struct srv_conn *c = *con_cls;

	(void)con;
	(void)toe;
	if (c == NULL)
		return;
	if (c->counted)
		atomic_fetch_sub(&sb->in_flight, 1);
	sbx_params_free(&c->rq.query);
	buf_free(&c->rq.body);
	free(c->raw_uri);
	free(c->raw_path);
	free(c->path);
	free(c);
	*con_cls = NULL;
}

int
sbx_server_start(struct sbx *sb, const char *host, unsigned port)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return SC_EINVALID;
	srv_daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
		0, NULL, NULL, srv_access, sb,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_URI_LOG_CALLBACK, srv_uri_log, sb,
		MHD_OPTION_NOTIFY_COMPLETED, srv_completed, sb,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_END);
	if (srv_daemon == NULL)
		return SC_ERROR;
	info = MHD_get_daemon_info(srv_daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		MHD_stop_daemon(srv_daemon);
		srv_daemon = NULL;
		return SC_ERROR;
	}
	sb->port = info->port;
	snprintf(sb->host_port, sizeof sb->host_port, "%s:%u", host, sb->port);
	return 0;
}

void
sbx_server_stop(void)
{
	if (srv_daemon != NULL)
		MHD_stop_daemon(srv_daemon);
	srv_daemon = NULL;
}
