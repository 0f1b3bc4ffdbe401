/*
 * returns_fetch.c: the returns reports of a run, requested with the Reports
 * API 2021-06-30 and applied to the refunds read (amazon_int.h, "returns";
 * returns.c parses them).
 *
 * Request: POST /reports/2021-06-30/reports {"reportType", "marketplaceIds",
 *   "dataStartTime", "dataEndTime"} -> 202 {"reportId"} for each type conf
 *   `returns_reports` names (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA,
 *   GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE); then GET
 *   /reports/2021-06-30/reports/{reportId} until each is DONE, CANCELLED or
 *   FATAL (pauses of 250 ms doubling up to 30 s, at most 15 min; both
 *   divided by the time scale); GET /reports/2021-06-30/documents/{id} ->
 *   {url, compressionAlgorithm?}; GET url without the SP-API token (a
 *   presigned URL, as settlements.c), gunzip when GZIP (or the bytes are),
 *   convert from the download's charset (Cp1252 when it declares none) to
 *   UTF-8, parse (returns.c).
 *
 * Cost: the reports are requested when a page with refunds needs them,
 * for [the page's oldest PostedDate - AMAZON_RETURNS_MARGIN, now - 2 min],
 * and kept in the adapter for the rest of the run; a later page (the next
 * Finances windows, a replayed order) reuses them unless one of its
 * refunds was posted outside that range, which asks again for the union.
 * A run with no refund asks for none.
 *
 * Failures. CANCELLED is what Amazon says of a report with no data ("an
 * automatic cancellation if there is no data to return"; the connector
 * never cancels one): no returns of that type. Everything else that keeps
 * a report from being read (HTTP errors, 429 after retries, FATAL, not
 * DONE in time, a document that does not parse) fails the page: a return
 * booked as a plain refund is a real difference in the books (goods back
 * in stock or not, the wrong transaction), so the refunds wait; the
 * engine keeps the cursor and the next run reads them again. The message
 * names the report and what to change when it keeps failing
 * (`returns_reports` drops a type this seller cannot have).
 */
#include "adapters/amazon/amazon_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/buf.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#define POLL_FIRST_MS 250

struct pending {
	unsigned type;
	char id[64];            /* reportId */
	char doc[160];          /* reportDocumentId once DONE */
	char status[16];        /* the last processingStatus */
	int done;
};

/* ---- the request ----------------------------------------------------------- */

int
amazon__returns_request_body(char **out, const struct amazon *self, unsigned type,
                             int64_t from, int64_t to, struct sc_error *err)
{
	char a[21], b[21];
	const char *p, *comma = NULL;
	struct buf j;
	int rc, first = 1;

	*out = NULL;
	buf_init(&j, 0);
	time_format_iso8601(a, from);
	time_format_iso8601(b, to);
	if ((rc = buf_puts(&j, "{\"reportType\":\"")) < 0 ||
	    (rc = buf_json_escape(&j, amazon__returns_type_name(type))) < 0 ||
	    (rc = buf_puts(&j, "\",\"marketplaceIds\":[")) < 0)
		goto done;
	/* marketplace_ids is "A,B" of letters and digits (amazon.c checks) */
	for (p = self->marketplace_ids; p != NULL && *p != '\0'; p = comma + (*comma == ',')) {
		comma = p + strcspn(p, ",");
		if ((rc = buf_puts(&j, first ? "\"" : ",\"")) < 0 ||
		    (rc = buf_append(&j, p, (size_t)(comma - p))) < 0 ||
		    (rc = buf_puts(&j, "\"")) < 0)
			goto done;
		first = 0;
	}
	if ((rc = buf_printf(&j, "],\"dataStartTime\":\"%s\",\"dataEndTime\":\"%s\"}", a, b)) < 0)
		goto done;
	if ((*out = buf_take(&j)) == NULL)
		rc = SC_ENOMEM;
done:
	buf_free(&j);
	if (rc < 0)
		sc_error_set(err, rc, "amazon createReport: cannot build the request");
	return rc;
}

static int
report_create(struct amazon *self, struct pending *pd, int64_t from, int64_t to,
              struct sc_error *err)
{
	struct http_response resp;
	json_object *jo = NULL;
	const char *id = NULL;
	char *body = NULL;
	struct buf url;
	int rc;

	memset(&resp, 0, sizeof(resp));
	buf_init(&url, 0);
	if ((rc = amazon__returns_request_body(&body, self, pd->type, from, to, err)) < 0)
		goto done;
	if ((rc = buf_puts(&url, self->endpoint)) < 0 ||
	    (rc = buf_puts(&url, AMAZON_REPORTS_PATH "/reports")) < 0) {
		sc_error_set(err, rc, "amazon createReport: cannot build the URL");
		goto done;
	}
	/* Not idempotent, but harmless to repeat: a second report of the same
	 * range costs quota only. */
	if ((rc = amazon__request(self, "createReport", self->rl_report_create, "POST",
	                          buf_cstr(&url), "application/json", body, strlen(body), 1, 1,
	                          &resp, err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "createReport", NULL, err);
		goto done;
	}
	if (json_parse_buf(&jo, resp.body.data != NULL ? resp.body.data : "", resp.body.len,
	                   err) < 0 || !json_object_is_type(jo, json_type_object) ||
	    json_get_str(jo, "reportId", &id, err) != 1 || *id == '\0' ||
	    strlen(id) >= sizeof(pd->id)) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon createReport: the answer has no "
		                  "usable reportId");
		goto done;
	}
	memcpy(pd->id, id, strlen(id) + 1);
	snprintf(pd->status, sizeof(pd->status), "IN_QUEUE");
done:
	json_object_put(jo);
	http_response_free(&resp);
	buf_free(&url);
	free(body);
	return rc;
}

/* getReport: pd->status (and pd->doc when DONE). */
static int
report_poll(struct amazon *self, struct pending *pd, struct sc_error *err)
{
	struct http_response resp;
	json_object *jo = NULL;
	const char *st = NULL, *doc = NULL;
	struct buf url;
	int rc;

	memset(&resp, 0, sizeof(resp));
	buf_init(&url, 0);
	if ((rc = buf_puts(&url, self->endpoint)) < 0 ||
	    (rc = buf_puts(&url, AMAZON_REPORTS_PATH "/reports/")) < 0 ||
	    (rc = buf_url_encode(&url, pd->id)) < 0) {
		sc_error_set(err, rc, "amazon getReport: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__call(self, "getReport", self->rl_report_get, buf_cstr(&url), &resp,
	                       err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getReport", pd->id, err);
		goto done;
	}
	if (json_parse_buf(&jo, resp.body.data != NULL ? resp.body.data : "", resp.body.len,
	                   err) < 0 || !json_object_is_type(jo, json_type_object) ||
	    json_get_str(jo, "processingStatus", &st, err) != 1 ||
	    strlen(st) >= sizeof(pd->status)) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon getReport %s: the answer has no "
		                  "processingStatus", pd->id);
		goto done;
	}
	memcpy(pd->status, st, strlen(st) + 1);
	if (strcmp(st, "DONE") == 0) {
		if (json_get_str(jo, "reportDocumentId", &doc, err) != 1 || *doc == '\0' ||
		    strlen(doc) >= sizeof(pd->doc)) {
			rc = sc_error_set(err, SC_EMALFORMED, "amazon getReport %s: DONE without a "
			                  "usable reportDocumentId", pd->id);
			goto done;
		}
		memcpy(pd->doc, doc, strlen(doc) + 1);
	} else if (strcmp(st, "IN_QUEUE") != 0 && strcmp(st, "IN_PROGRESS") != 0 &&
	           strcmp(st, "CANCELLED") != 0 && strcmp(st, "FATAL") != 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon getReport %s: unknown "
		                  "processingStatus \"%.20s\"", pd->id, st);
	}
done:
	json_object_put(jo);
	http_response_free(&resp);
	buf_free(&url);
	return rc;
}

/* ---- the document ---------------------------------------------------------- */

/* in[0..len) in `charset` -> UTF-8 into out (buf_init'ed here). */
static int
to_utf8(struct buf *out, const char *in, size_t len, const char *charset, const char *what,
        struct sc_error *err)
{
	char name[64], chunk[16384], *ip = (char *)(uintptr_t)in, *op;
	size_t inleft = len, outleft;
	iconv_t cd;
	int rc = 0;

	buf_init(out, AMAZON_RETURNS_MAX_BYTES);
	amazon__iconv_name(name, sizeof(name), charset);
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return sc_error_set(err, SC_ENOTSUP, "amazon %s: the report's charset %s is not "
		                    "supported", what, charset);
	for (;;) {
		size_t r;
		int e;

		op = chunk;
		outleft = sizeof(chunk);
		r = iconv(cd, inleft > 0 ? &ip : NULL, inleft > 0 ? &inleft : NULL, &op, &outleft);
		e = errno;
		if (buf_append(out, chunk, sizeof(chunk) - outleft) < 0) {
			rc = sc_error_set(err, SC_ENOSPACE, "amazon %s: the report is larger than %u "
			                  "bytes", what, AMAZON_RETURNS_MAX_BYTES);
			break;
		}
		if (r != (size_t)-1) {
			if (inleft == 0 && sizeof(chunk) - outleft == 0)
				break;
			continue;
		}
		if (e == E2BIG)
			continue;
		rc = sc_error_set(err, SC_EMALFORMED, "amazon %s: byte %zu of the report is not "
		                  "valid %s", what, len - inleft, charset);
		break;
	}
	iconv_close(cd);
	if (rc < 0)
		buf_free(out);
	return rc;
}

/* getReportDocument, the download, gunzip, UTF-8: *text (buf_init'ed here). */
static int
report_document(struct amazon *self, const struct pending *pd, struct buf *text,
                struct sc_error *err)
{
	struct http_response resp, dl;
	json_object *jo = NULL;
	const char *u = NULL, *comp = NULL, *data;
	char charset[48], what[96];
	struct buf url, plain;
	size_t len;
	int rc, gz;

	memset(&resp, 0, sizeof(resp));
	memset(&dl, 0, sizeof(dl));
	buf_init(&url, 0);
	buf_init(&plain, 0);
	buf_init(text, 0);
	snprintf(what, sizeof(what), "returns report %s", pd->id);
	if ((rc = buf_puts(&url, self->endpoint)) < 0 ||
	    (rc = buf_puts(&url, AMAZON_REPORTS_PATH "/documents/")) < 0 ||
	    (rc = buf_url_encode(&url, pd->doc)) < 0) {
		sc_error_set(err, rc, "amazon getReportDocument: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__call(self, "getReportDocument", self->rl_report_doc, buf_cstr(&url),
	                       &resp, err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getReportDocument", pd->doc, err);
		goto done;
	}
	if (json_parse_buf(&jo, resp.body.data != NULL ? resp.body.data : "", resp.body.len,
	                   err) < 0 || !json_object_is_type(jo, json_type_object) ||
	    json_get_str(jo, "url", &u, err) != 1 || *u == '\0' ||
	    json_get_str(jo, "compressionAlgorithm", &comp, err) < 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon getReportDocument %s: the answer is "
		                  "not a report document with a url", pd->doc);
		goto done;
	}
	if (comp != NULL && strcmp(comp, "GZIP") != 0) {
		rc = sc_error_set(err, SC_ENOTSUP, "amazon %s: compression \"%.20s\" is not "
		                  "supported", what, comp);
		goto done;
	}
	/* the presigned URL: no token (auth 0); never logged nor in a message */
	if ((rc = amazon__request(self, "downloadReportDocument", NULL, "GET", u, NULL, NULL, 0,
	                          0, 1, &dl, err)) < 0) {
		sc_error_prefix(err, "amazon %s: download", what);
		goto done;
	}
	if (dl.status < 200 || dl.status > 299) {
		rc = sc_code_from_http(dl.status);
		if (rc == 0)
			rc = SC_ERROR;
		sc_error_set(err, rc, "amazon %s: download: HTTP %ld", what, dl.status);
		err->http_status = (int)dl.status;
		goto done;
	}
	data = dl.body.data != NULL ? dl.body.data : "";
	len = dl.body.len;
	gz = comp != NULL ||
	     (len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b);
	if (gz) {
		if ((rc = amazon__gunzip(&plain, data, len, AMAZON_RETURNS_MAX_BYTES, err)) < 0) {
			sc_error_prefix(err, "amazon %s", what);
			goto done;
		}
		data = buf_cstr(&plain);
		len = plain.len;
	}
	if (!amazon__charset_from_content_type(charset, sizeof(charset),
	                                       http_response_header(&dl, "Content-Type")))
		snprintf(charset, sizeof(charset), "%s", AMAZON_REPORT_DEFAULT_CHARSET);
	rc = to_utf8(text, data, len, charset, what, err);
done:
	json_object_put(jo);
	http_response_free(&resp);
	http_response_free(&dl);
	buf_free(&url);
	buf_free(&plain);
	return rc;
}

/* ---- one range ------------------------------------------------------------- */

/* Request, wait for and read the reports of every configured type for
 * [from, to] into *set (new rows; the caller frees it either way). */
static int
returns_fetch(struct amazon *self, int64_t from, int64_t to, struct amazon_returns *set,
              struct sc_error *err)
{
	static const unsigned types[] = { AMAZON_RETURNS_FBA, AMAZON_RETURNS_MERCHANT };
	struct pending pd[2];
	struct pending *cur = NULL;      /* the report in hand, for messages */
	struct buf text;
	size_t np = 0, i, left;
	int64_t deadline, pause, ms;
	double scale = self->time_scale >= 1.0 ? self->time_scale : 1.0;
	char rows[24];
	int rc = 0;

	memset(pd, 0, sizeof(pd));
	buf_init(&text, 0);
	for (i = 0; i < 2; i++) {
		if (!(self->returns_types & types[i]))
			continue;
		cur = &pd[np++];
		cur->type = types[i];
		if ((rc = report_create(self, cur, from, to, err)) < 0)
			goto fail;
		log_event(LOG_INFO, "amazon.returns.requested", "report_type",
		          amazon__returns_type_name(cur->type), "report_id", cur->id, NULL);
	}
	cur = NULL;
	deadline = time_mono_ms() + (int64_t)((double)AMAZON_RETURNS_WAIT * 1000.0 / scale);
	pause = POLL_FIRST_MS;
	for (left = np; left > 0;) {
		ms = (int64_t)((double)pause / scale);
		if (ms < 1)
			ms = 1;
		if (time_mono_ms() + ms > deadline) {
			for (i = 0; i < np && pd[i].done; i++)
				;
			cur = &pd[i < np ? i : 0];
			rc = sc_error_set(err, SC_ETRANSIENT, "still %s after %g s", cur->status,
			                  (double)AMAZON_RETURNS_WAIT / scale);
			goto fail;
		}
		if (time_sleep_ms(ms) == SC_EINTR) {
			rc = sc_error_set(err, SC_EINTR, "amazon returns reports: interrupted while "
			                  "waiting for them");
			goto done;
		}
		pause = pause * 2 > AMAZON_RETURNS_POLL_MAX_MS ? AMAZON_RETURNS_POLL_MAX_MS
		                                               : pause * 2;
		for (i = 0; i < np; i++) {
			cur = &pd[i];
			if (cur->done)
				continue;
			if ((rc = report_poll(self, cur, err)) < 0)
				goto fail;
			if (strcmp(cur->status, "FATAL") == 0) {
				rc = sc_error_set(err, SC_ETRANSIENT, "Amazon could not make it "
				                  "(processingStatus FATAL)");
				goto fail;
			}
			if (strcmp(cur->status, "CANCELLED") == 0) {
				/* Amazon cancels a report with no data: no returns */
				log_event(LOG_INFO, "amazon.returns.none", "report_type",
				          amazon__returns_type_name(cur->type), "report_id", cur->id,
				          "why", "CANCELLED (no data)", NULL);
				cur->done = 1;
				left--;
				continue;
			}
			if (strcmp(cur->status, "DONE") != 0)
				continue;
			if ((rc = report_document(self, cur, &text, err)) < 0 ||
			    (rc = amazon__returns_parse(set, cur->type, buf_cstr(&text), text.len,
			                                err)) < 0)
				goto fail;
			buf_free(&text);
			snprintf(rows, sizeof(rows), "%zu", set->n);
			log_event(LOG_INFO, "amazon.returns.read", "report_type",
			          amazon__returns_type_name(cur->type), "report_id", cur->id,
			          "returns_so_far", rows, NULL);
			cur->done = 1;
			left--;
		}
	}
	rc = 0;
	goto done;
fail:
	if (cur != NULL && cur->id[0] != '\0')
		sc_error_prefix(err, "amazon returns report %s (%s)", cur->id,
		                amazon__returns_type_name(cur->type));
	else if (cur != NULL)
		sc_error_prefix(err, "amazon returns report %s", amazon__returns_type_name(cur->type));
done:
	buf_free(&text);
	return rc;
}

/* ---- the page -------------------------------------------------------------- */

/* Say what the refunds wait for, keeping the cause's message and code. */
static int
wait_message(struct sc_error *err, int rc)
{
	char cause[SC_ERROR_MSG_MAX];

	if (rc == SC_EINTR)
		return rc;
	snprintf(cause, sizeof(cause), "%s", err->msg);
	sc_error_set(err, rc, "%.300s; the refunds read wait for the returns reports (read "
	             "again next run), so that none whose goods came back is booked as a plain "
	             "refund (returns_reports says which reports to read)", cause);
	return rc;
}

static void
log_return(const struct refund *r, const struct amazon_return *h)
{
	char qty[24], when[21];

	snprintf(qty, sizeof(qty), "%lld", (long long)h->qty);
	if (h->date > 0)
		time_format_iso8601(when, h->date);
	else
		when[0] = '\0';
	log_event(LOG_INFO, "amazon.refund.returned", "order_id", r->order_id, "refund_id",
	          r->id != NULL ? r->id : "", "sku", h->sku, "report",
	          h->type == AMAZON_RETURNS_FBA ? "fba" : "merchant", "return_reason", h->reason,
	          "return_detail", h->detail, "return_status", h->status, "return_date", when,
	          "quantity", qty, "reason", AMAZON_RETURN_REASON, NULL);
}

int
amazon__returns_apply(struct amazon *self, struct page *p, struct sc_error *err)
{
	struct amazon_returns *fresh = NULL;
	int64_t oldest = 0, newest = 0, from, to, now;
	size_t i;
	int rc = 0, have = 0;

	if (self->returns_types == 0 || p == NULL || p->n == 0)
		return 0;
	for (i = 0; i < p->n; i++) {
		const struct refund *r = p->items[i];

		if (r == NULL || r->kind != REFUND_KIND_REFUND)
			continue;
		if (!have || r->posted < oldest)
			oldest = r->posted;
		if (!have || r->posted > newest)
			newest = r->posted;
		have = 1;
	}
	if (!have)
		return 0;
	pthread_mutex_lock(&self->returns_lock);
	if (self->returns == NULL || oldest - AMAZON_RETURNS_MARGIN < self->returns_from ||
	    newest > self->returns_to) {
		now = time_now();
		from = oldest - AMAZON_RETURNS_MARGIN;
		if (self->returns != NULL && self->returns_from < from)
			from = self->returns_from;
		to = now - (int64_t)((double)AMAZON_BEFORE_LAG / self->time_scale);
		if (to < newest)
			to = newest;          /* a clock behind Amazon's: still cover them */
		if (to > now)
			to = now;             /* dataEndTime may not be in the future */
		if (from > to)
			from = to;
		if ((fresh = calloc(1, sizeof(*fresh))) == NULL) {
			rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
			goto done;
		}
		if ((rc = returns_fetch(self, from, to, fresh, err)) < 0) {
			wait_message(err, rc);
			goto done;
		}
		amazon__returns_free(self->returns);
		free(self->returns);
		self->returns = fresh;
		fresh = NULL;
		self->returns_from = from;
		self->returns_to = to;
	}
	for (i = 0; i < p->n; i++) {
		const struct amazon_return *hit = NULL;

		if ((rc = amazon__returns_classify(self->returns, p->items[i], &hit, err)) < 0)
			goto done;
		if (rc == 1)
			log_return(p->items[i], hit);
	}
	rc = 0;
done:
	pthread_mutex_unlock(&self->returns_lock);
	if (fresh != NULL)
		amazon__returns_free(fresh);
	free(fresh);
	return rc;
}
