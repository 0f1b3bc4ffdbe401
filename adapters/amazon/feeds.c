/*
 * feeds.c: refunds made in the ERP pushed to Amazon with the Feeds API
 * 2021-06-30 (docs/AMAZON.md §7), and the outcome read back. Cancellations
 * (ship.c) go through the same amazon__feed_submit; their submission
 * "FEEDID;ref=ID" makes submission_results name message 1 by ID.
 *
 * Push: the XML (feed_xml.c) is built, and so every refund checked, before
 * any request. Then
 *   POST /feeds/2021-06-30/documents {"contentType":"text/xml; charset=UTF-8"}
 *        -> {feedDocumentId, url}
 *   PUT  url (presigned, absolute; no SP-API token: the URL is the
 *        credential, and the token must never reach a third host)
 *   POST /feeds/2021-06-30/feeds {"feedType":"POST_PAYMENT_ADJUSTMENT_DATA",
 *        "marketplaceIds":[first of marketplace_ids],"inputFeedDocumentId"}
 *        -> {feedId} = the submission.
 * createFeedDocument and the upload may be repeated safely (an unused
 * document is harmless); createFeed may not: a second call is a second
 * feed, so a second refund. It goes out with idempotent = 0 (the HTTP
 * client then retries only what certainly was not processed: connect
 * failures, 429, 503), and when its outcome is unknown (no answer, another
 * 5xx, a 2xx without a readable feedId) the push returns SC_ECONFLICT with
 * a message saying the feed may exist: it waits for a person, and is never
 * resubmitted blindly (DESIGN "Never twice, never lost").
 *
 * Results: GET /feeds/2021-06-30/feeds/{feedId}:
 *   IN_QUEUE, IN_PROGRESS  -> 1 (poll again later)
 *   DONE                   -> the processing report (below) -> results
 *   FATAL                  -> the processing report when Amazon gives one
 *                             ("some, none, or all of the operations ...
 *                             may have completed": only the report says);
 *                             without one SC_EINVALID, outcome unknown
 *   CANCELLED              -> SC_EINVALID: nothing was applied
 * Those errors rather than per-message results because the adapter does
 * not know how many messages the feed had (the submission is the bare
 * feedId), and an error waits for a person instead of guessing.
 * The report: GET /feeds/2021-06-30/documents/{resultFeedDocumentId} ->
 * {url, compressionAlgorithm?}; GET url (no token), gunzip when GZIP (or
 * when the bytes are gzip anyway), amazon__processing_report_parse.
 */
#include "adapters/amazon/amazon_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "connector/buf.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/ratelimit.h"

/* A downloaded report is at most this large once decompressed. */
#define AMAZON_REPORT_MAX (256u * 1024 * 1024)

/* ---- requests ----------------------------------------------------------- */

int
amazon__request(struct amazon *self, const char *op, struct ratelimit *rl,
                const char *method, const char *url, const char *content_type,
                const char *body, size_t len, int auth, int idempotent,
                struct http_response *out, struct sc_error *err)
{
	const char *headers[3];
	char ct[160];
	struct http_request req;
	const char *rate;
	int rc, attempt, h = 0;

	if (auth)
		headers[h++] = "Accept: application/json";
	if (content_type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		headers[h++] = ct;
	}
	headers[h] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body != NULL ? len : 0;
	req.op = op;
	req.limiter = rl;
	req.auth = auth ? amazon__lwa_auth : NULL;
	req.auth_ud = auth ? self : NULL;
	req.idempotent = idempotent;

	for (attempt = 0;; attempt++) {
		memset(out, 0, sizeof(*out));
		if ((rc = http_request_do(self->http, &req, out, err)) < 0)
			return rc;
		rate = http_response_header(out, "x-amzn-RateLimit-Limit");
		if (auth && rate != NULL && rl != NULL)
			ratelimit_set_rate_text(rl, rate);
		/* A 403 is a refusal, never processed: with a new token once
		 * more (also for createFeed). */
		if (!auth || out->status != 403 || attempt > 0)
			break;
		amazon__lwa_forget(self);
		http_response_free(out);
	}
	return 0;
}

/* A non-2xx answer of a presigned URL (S3): its <Code> as the remote text,
 * never the body (an S3 error body can echo the URL's signature). */
static int
presigned_error(const struct http_response *resp, const char *op,
                const char *what, struct sc_error *err)
{
	const char *b = resp->body.data, *s, *e;
	int code = sc_code_from_http(resp->status);

	if (code == 0)
		code = SC_ERROR;
	sc_error_set(err, code, "amazon %s %s: HTTP %ld", op, what, resp->status);
	err->http_status = (int)resp->status;
	if (b != NULL && (s = strstr(b, "<Code>")) != NULL &&
	    (e = strstr(s + 6, "</Code>")) != NULL && e - (s + 6) < 64)
		sc_error_set_remote(err, s + 6, (size_t)(e - (s + 6)));
	return code;
}

/* The answer as a JSON object (caller puts *out). */
static int
json_answer(const struct http_response *resp, const char *op, const char *what,
            json_object **out, struct sc_error *err)
{
	int rc;

	*out = NULL;
	rc = json_parse_buf(out, resp->body.data != NULL ? resp->body.data : "",
	                    resp->body.len, err);
	if (rc == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		rc = sc_error_set(err, SC_EMALFORMED, "not an object");
	}
	if (rc < 0)
		sc_error_prefix(err, "amazon %s %s: the answer is not a JSON object",
		                op, what);
	return rc;
}

/* A required non-empty string member. */
static int
need_str(json_object *o, const char *key, const char *op, const char *what,
         const char **out, struct sc_error *err)
{
	int rc = json_get_str(o, key, out, err);

	if (rc < 0)
		return sc_error_prefix(err, "amazon %s %s", op, what);
	if (rc == 0 || **out == '\0')
		return sc_error_set(err, SC_EMALFORMED, "amazon %s %s: the answer has "
		                    "no %s", op, what, key);
	return 0;
}

/* ---- push --------------------------------------------------------------- */

/* createFeedDocument: *doc_id and *url (caller frees). */
static int
feed_document_create(struct amazon *self, char **doc_id, char **url,
                     struct sc_error *err)
{
	static const char body[] = "{\"contentType\":\"" AMAZON_FEED_CONTENT_TYPE "\"}";
	struct http_response resp;
	json_object *jo = NULL;
	const char *id = NULL, *u = NULL;
	struct buf ub;
	int rc;

	*doc_id = *url = NULL;
	memset(&resp, 0, sizeof(resp));
	buf_init(&ub, 0);
	if ((rc = buf_puts(&ub, self->endpoint)) < 0 ||
	    (rc = buf_puts(&ub, AMAZON_FEEDS_PATH "/documents")) < 0) {
		sc_error_set(err, rc, "amazon createFeedDocument: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__request(self, "createFeedDocument", self->rl_feed_doc, "POST",
	                          buf_cstr(&ub), "application/json", body,
	                          sizeof(body) - 1, 1, 1, &resp, err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "createFeedDocument", NULL, err);
		goto done;
	}
	if ((rc = json_answer(&resp, "createFeedDocument", "", &jo, err)) < 0 ||
	    (rc = need_str(jo, "feedDocumentId", "createFeedDocument", "", &id, err)) < 0 ||
	    (rc = need_str(jo, "url", "createFeedDocument", "", &u, err)) < 0)
		goto done;
	if ((*doc_id = strdup(id)) == NULL || (*url = strdup(u)) == NULL) {
		free(*doc_id);
		*doc_id = NULL;
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	}
done:
	json_object_put(jo);
	http_response_free(&resp);
	buf_free(&ub);
	return rc;
}

static int
feed_upload(struct amazon *self, const char *doc_id, const char *url,
            const char *xml, size_t len, struct sc_error *err)
{
	struct http_response resp;
	int rc;

	memset(&resp, 0, sizeof(resp));
	rc = amazon__request(self, "uploadFeedDocument", NULL, "PUT", url,
	                     AMAZON_FEED_CONTENT_TYPE, xml, len, 0, 1, &resp, err);
	if (rc < 0) {
		sc_error_prefix(err, "amazon uploadFeedDocument %s", doc_id);
		goto done;
	}
	if (resp.status < 200 || resp.status > 299)
		rc = presigned_error(&resp, "uploadFeedDocument", doc_id, err);
done:
	http_response_free(&resp);
	return rc;
}

/* The first id of marketplace_ids ("A,B" -> "A"). */
static void
first_marketplace(const struct amazon *self, char *out, size_t n)
{
	size_t l = strcspn(self->marketplace_ids, ",");

	if (l >= n)
		l = n - 1;
	memcpy(out, self->marketplace_ids, l);
	out[l] = '\0';
}

/* The createFeed outcome is unknown: say so, never retry it. `what`
 * names what the feed carries ("these refunds"). */
static int
feed_unknown(struct sc_error *err, const char *doc_id, const char *why,
             const char *what)
{
	char remote[SC_ERROR_REMOTE_MAX];

	snprintf(remote, sizeof(remote), "%s", err->remote);
	sc_error_set(err, SC_ECONFLICT, "amazon createFeed for document %s: %s; the "
	             "feed may have been created: check the feeds of type "
	             AMAZON_REFUND_FEED_TYPE " before pushing %s again",
	             doc_id, why, what);
	if (remote[0] != '\0')
		sc_error_set_remote(err, remote, strlen(remote));
	return SC_ECONFLICT;
}

static int
feed_create(struct amazon *self, const char *doc_id, const char *marketplace,
            const char *what, char *feed_id, size_t n, struct sc_error *err)
{
	struct http_response resp;
	json_object *jo = NULL;
	struct buf ub, body;
	char mkt[64], why[SC_ERROR_MSG_MAX];
	const char *id = NULL;
	int rc;

	memset(&resp, 0, sizeof(resp));
	buf_init(&ub, 0);
	buf_init(&body, 0);
	if (marketplace != NULL && *marketplace != '\0')
		snprintf(mkt, sizeof(mkt), "%s", marketplace);
	else
		first_marketplace(self, mkt, sizeof(mkt));
	if ((rc = buf_puts(&ub, self->endpoint)) < 0 ||
	    (rc = buf_puts(&ub, AMAZON_FEEDS_PATH "/feeds")) < 0 ||
	    (rc = buf_puts(&body, "{\"feedType\":\"" AMAZON_REFUND_FEED_TYPE
	                          "\",\"marketplaceIds\":[\"")) < 0 ||
	    (rc = buf_json_escape(&body, mkt)) < 0 ||
	    (rc = buf_puts(&body, "\"],\"inputFeedDocumentId\":\"")) < 0 ||
	    (rc = buf_json_escape(&body, doc_id)) < 0 ||
	    (rc = buf_puts(&body, "\"}")) < 0) {
		sc_error_set(err, rc, "amazon createFeed: cannot build the request");
		goto done;
	}
	/* idempotent = 0: createFeed is never repeated after it may have
	 * been processed. */
	rc = amazon__request(self, "createFeed", self->rl_feed_create, "POST",
	                     buf_cstr(&ub), "application/json", body.data, body.len,
	                     1, 0, &resp, err);
	if (rc == SC_ETRANSIENT || rc == SC_ENOSPACE) {
		snprintf(why, sizeof(why), "no usable answer (%s)", err->msg);
		rc = feed_unknown(err, doc_id, why, what);
		goto done;
	}
	if (rc < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "createFeed", doc_id, err);
		/* 429 and 503 are refusals before processing (the client
		 * already retried them); other 5xx and 408 may come after. */
		if ((resp.status >= 500 && resp.status != 503) || resp.status == 408) {
			snprintf(why, sizeof(why), "HTTP %ld", resp.status);
			rc = feed_unknown(err, doc_id, why, what);
		}
		goto done;
	}
	if (json_answer(&resp, "createFeed", doc_id, &jo, err) < 0 ||
	    need_str(jo, "feedId", "createFeed", doc_id, &id, err) < 0) {
		snprintf(why, sizeof(why), "HTTP %ld with an answer that has no "
		         "feedId (%s)", resp.status, err->msg);
		rc = feed_unknown(err, doc_id, why, what);
		goto done;
	}
	if (strlen(id) >= n) {
		rc = sc_error_set(err, SC_ECONFLICT, "amazon createFeed: feed %.100s was "
		                  "created but its id does not fit the %zu-byte "
		                  "submission: do not push %s again", id, n, what);
		goto done;
	}
	memcpy(feed_id, id, strlen(id) + 1);
	rc = 0;
done:
	json_object_put(jo);
	http_response_free(&resp);
	buf_free(&ub);
	buf_free(&body);
	return rc;
}

int
amazon__refunds_push(void *vself, struct refund *const *refunds, size_t n,
                     char *submission, size_t submission_len,
                     struct sc_error *err)
{
	struct amazon *self = vself;
	char *xml = NULL, count[24];
	size_t len = 0;
	int rc;

	if (submission == NULL || submission_len < 2)
		return sc_error_set(err, SC_EINVALID, "amazon refunds push: no room for "
		                    "the submission id");
	submission[0] = '\0';
	if ((rc = amazon__refund_feed_build(&xml, &len, self->merchant_id, refunds, n,
	                                    err)) < 0 ||
	    (rc = amazon__feed_submit(self, xml, len, NULL, "these refunds", submission,
	                              submission_len, err)) < 0)
		goto done;
	snprintf(count, sizeof(count), "%zu", n);
	log_event(LOG_INFO, "amazon.feed.submitted", "feed_id", submission,
	          "feed_type", AMAZON_REFUND_FEED_TYPE, "messages", count, NULL);
done:
	if (rc < 0)
		submission[0] = '\0';
	free(xml);
	return rc;
}

int
amazon__feed_submit(struct amazon *self, const char *xml, size_t len,
                    const char *marketplace, const char *what, char *feed_id,
                    size_t n, struct sc_error *err)
{
	char *doc_id = NULL, *url = NULL;
	int rc;

	if ((rc = feed_document_create(self, &doc_id, &url, err)) < 0 ||
	    (rc = feed_upload(self, doc_id, url, xml, len, err)) < 0 ||
	    (rc = feed_create(self, doc_id, marketplace, what, feed_id, n, err)) < 0)
		feed_id[0] = '\0';
	free(doc_id);
	free(url);   /* presigned: never logged */
	return rc;
}

/* ---- results ------------------------------------------------------------ */

int
amazon__gunzip(struct buf *out, const char *data, size_t len, size_t cap,
               struct sc_error *err)
{
	unsigned char chunk[65536];
	z_stream zs;
	int zr, rc = 0;

	buf_init(out, cap);
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: gzip only (a report Amazon says is GZIP) */
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return sc_error_set(err, SC_ENOMEM, "amazon: cannot start zlib");
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = 0;
	for (;;) {
		if (zs.avail_in == 0 && len > 0) {
			uInt take = len > 0x40000000u ? 0x40000000u : (uInt)len;

			zs.avail_in = take;
			len -= take;
		}
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			rc = sc_error_set(err, SC_EMALFORMED, "amazon: the report is not "
			                  "valid gzip (%s)", zs.msg != NULL ? zs.msg : "zlib");
			goto done;
		}
		if (sizeof(chunk) - zs.avail_out > 0 &&
		    buf_append(out, chunk, sizeof(chunk) - zs.avail_out) < 0) {
			rc = sc_error_set(err, SC_ENOSPACE, "amazon: the report is larger "
			                  "than %zu bytes uncompressed", cap);
			goto done;
		}
		if (zr == Z_STREAM_END) {
			if (zs.avail_in == 0 && len == 0)
				break;
			/* another gzip member follows (as settlements.c's sink
			 * reads them too): its bytes are part of the report */
			if (inflateReset(&zs) != Z_OK) {
				rc = sc_error_set(err, SC_EMALFORMED, "amazon: the report is not "
				                  "valid gzip (member)");
				goto done;
			}
			continue;
		}
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && len == 0) {
			rc = sc_error_set(err, SC_EMALFORMED, "amazon: the gzip report is "
			                  "truncated");
			goto done;
		}
	}
done:
	inflateEnd(&zs);
	if (rc < 0)
		buf_free(out);
	return rc;
}

/* getFeedDocument -> download -> (gunzip) -> report. */
static int
report_fetch(struct amazon *self, const char *feed_id, const char *doc_id,
             struct submission_result **out, size_t *n, struct sc_error *err)
{
	struct http_response resp, dl;
	json_object *jo = NULL;
	struct buf ub, plain;
	const char *url = NULL, *comp = NULL, *data;
	size_t len;
	int rc, gz;

	memset(&resp, 0, sizeof(resp));
	memset(&dl, 0, sizeof(dl));
	buf_init(&ub, 0);
	buf_init(&plain, 0);
	if ((rc = buf_puts(&ub, self->endpoint)) < 0 ||
	    (rc = buf_puts(&ub, AMAZON_FEEDS_PATH "/documents/")) < 0 ||
	    (rc = buf_url_encode(&ub, doc_id)) < 0) {
		sc_error_set(err, rc, "amazon getFeedDocument: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__call(self, "getFeedDocument", self->rl_feed_doc_get,
	                       buf_cstr(&ub), &resp, err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getFeedDocument", doc_id, err);
		goto done;
	}
	if ((rc = json_answer(&resp, "getFeedDocument", doc_id, &jo, err)) < 0 ||
	    (rc = need_str(jo, "url", "getFeedDocument", doc_id, &url, err)) < 0 ||
	    (rc = json_get_str(jo, "compressionAlgorithm", &comp, err)) < 0)
		goto done;
	if (comp != NULL && strcmp(comp, "GZIP") != 0) {
		rc = sc_error_set(err, SC_ENOTSUP, "amazon feed %s: report compression "
		                  "\"%.20s\" is not supported", feed_id, comp);
		goto done;
	}
	if ((rc = amazon__request(self, "downloadFeedReport", NULL, "GET", url, NULL,
	                          NULL, 0, 0, 1, &dl, err)) < 0) {
		sc_error_prefix(err, "amazon feed %s report", feed_id);
		goto done;
	}
	if (dl.status < 200 || dl.status > 299) {
		rc = presigned_error(&dl, "downloadFeedReport", doc_id, err);
		goto done;
	}
	data = dl.body.data != NULL ? dl.body.data : "";
	len = dl.body.len;
	gz = comp != NULL ||
	     (len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b);
	if (gz) {
		if ((rc = amazon__gunzip(&plain, data, len, AMAZON_REPORT_MAX, err)) < 0) {
			sc_error_prefix(err, "amazon feed %s", feed_id);
			goto done;
		}
		data = buf_cstr(&plain);
		len = plain.len;
	}
	if ((rc = amazon__processing_report_parse(out, n, data, len, err)) < 0)
		sc_error_prefix(err, "amazon feed %s", feed_id);
done:
	json_object_put(jo);
	http_response_free(&resp);
	http_response_free(&dl);
	buf_free(&ub);
	buf_free(&plain);
	return rc;
}

/* getFeed of the bare feedId `submission`, and its report. */
static int
feed_results(struct amazon *self, const char *submission,
             struct submission_result **out, size_t *n, struct sc_error *err)
{
	struct http_response resp;
	json_object *jo = NULL;
	const char *status = NULL, *doc = NULL;
	struct buf ub;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&resp, 0, sizeof(resp));
	buf_init(&ub, 0);
	if (submission == NULL || *submission == '\0')
		return sc_error_set(err, SC_EINVALID, "amazon getFeed: no feed id");
	if ((rc = buf_puts(&ub, self->endpoint)) < 0 ||
	    (rc = buf_puts(&ub, AMAZON_FEEDS_PATH "/feeds/")) < 0 ||
	    (rc = buf_url_encode(&ub, submission)) < 0) {
		sc_error_set(err, rc, "amazon getFeed: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__call(self, "getFeed", self->rl_feed_get, buf_cstr(&ub),
	                       &resp, err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getFeed", submission, err);
		goto done;
	}
	if ((rc = json_answer(&resp, "getFeed", submission, &jo, err)) < 0 ||
	    (rc = need_str(jo, "processingStatus", "getFeed", submission, &status,
	                   err)) < 0 ||
	    (rc = json_get_str(jo, "resultFeedDocumentId", &doc, err)) < 0)
		goto done;
	if (doc != NULL && *doc == '\0')
		doc = NULL;

	if (strcmp(status, "IN_QUEUE") == 0 || strcmp(status, "IN_PROGRESS") == 0) {
		rc = 1;
	} else if (strcmp(status, "CANCELLED") == 0) {
		rc = sc_error_set(err, SC_EINVALID, "amazon feed %s was cancelled before "
		                  "processing: none of its messages was applied", submission);
	} else if (strcmp(status, "DONE") == 0 || strcmp(status, "FATAL") == 0) {
		if (doc != NULL)
			rc = report_fetch(self, submission, doc, out, n, err);
		else if (strcmp(status, "FATAL") == 0)
			rc = sc_error_set(err, SC_EINVALID, "amazon feed %s ended FATAL "
			                  "without a processing report: some, none or all of "
			                  "its messages may have been applied; check Seller "
			                  "Central before pushing them again", submission);
		else
			rc = sc_error_set(err, SC_EMALFORMED, "amazon feed %s is DONE but "
			                  "has no resultFeedDocumentId", submission);
	} else {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon feed %s: unknown "
		                  "processingStatus \"%.20s\"", submission, status);
	}
done:
	json_object_put(jo);
	http_response_free(&resp);
	buf_free(&ub);
	return rc;
}

int
amazon__submission_results(void *vself, const char *submission,
                           struct submission_result **out, size_t *n,
                           struct sc_error *err)
{
	struct amazon *self = vself;
	const char *sep;
	char feed_id[128];
	size_t i, l;
	int rc;

	*out = NULL;
	*n = 0;
	if (submission == NULL)
		return sc_error_set(err, SC_EINVALID, "amazon getFeed: no feed id");
	sep = strstr(submission, AMAZON_SUBMISSION_REF);
	if (sep == NULL)
		return feed_results(self, submission, out, n, err);
	/* "FEEDID;ref=REF": a feed of one message whose result is REF's. */
	l = (size_t)(sep - submission);
	if (l == 0 || l >= sizeof(feed_id) || sep[strlen(AMAZON_SUBMISSION_REF)] == '\0' ||
	    strlen(sep + strlen(AMAZON_SUBMISSION_REF)) >= sizeof((*out)->ref))
		return sc_error_set(err, SC_EINVALID, "amazon: submission \"%.80s\" is not "
		                    "FEEDID" AMAZON_SUBMISSION_REF "REF", submission);
	memcpy(feed_id, submission, l);
	feed_id[l] = '\0';
	if ((rc = feed_results(self, feed_id, out, n, err)) != 0)
		return rc;
	for (i = 0; i < *n; i++)
		if (strcmp((*out)[i].ref, "1") == 0)
			snprintf((*out)[i].ref, sizeof((*out)[i].ref), "%s",
			         sep + strlen(AMAZON_SUBMISSION_REF));
	return 0;
}
