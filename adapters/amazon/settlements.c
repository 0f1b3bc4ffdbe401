/*
 * settlements.c: settlement reports listed and downloaded with the Reports
 * API 2021-06-30 (docs/AMAZON.md §4): the settlements_page and
 * settlement_fetch slots. (settlement.c parses the files.)
 *
 * List: GET /reports/2021-06-30/reports?reportTypes=GET_V2_SETTLEMENT_
 *   REPORT_DATA_FLAT_FILE_V2&processingStatuses=DONE&createdSince=T&
 *   pageSize=100; a later page sends `nextToken` alone (Amazon refuses it
 *   with any other parameter). No marketplaceIds filter: a settlement
 *   report belongs to the seller's account, whatever marketplaces it names.
 *   Amazon's order of the list is not relied on: the cursor's watermark is
 *   the newest createdTime seen, and each listing re-reads
 *   AMAZON_SETTLEMENTS_REREAD (or overlap_seconds, if longer) before it, so
 *   a report that turned DONE late is still found; the engine skips the
 *   settlements it has processed. Settlements cannot be requested
 *   (createReport answers 400 for this type): only listed.
 * Fetch: GET /reports/2021-06-30/documents/{reportDocumentId} -> {url,
 *   compressionAlgorithm?}; GET url WITHOUT the SP-API token (a presigned
 *   S3 URL: the URL is the credential, the token must never reach that
 *   host; it is never logged nor put in a message either); gunzip when
 *   compressionAlgorithm is GZIP (or the bytes are gzip); convert from the
 *   charset the download's Content-Type declares (`charset=Cp1252` in a
 *   recorded North America answer; Cp1252 when none is declared) to UTF-8
 *   with iconv; stream the result to `path`.tmp (mode 0600), fsync, rename
 *   onto `path`, fsync the directory. A failed fetch leaves no file.
 *
 * Cursor (opaque to the engine; this file writes and reads it):
 *   "s1;since=T"                    the newest createdTime seen so far
 *                                   (1970-01-01T00:00:00Z: none yet)
 *   "s1;since=T;from=F;token=X"     mid-listing: the listing asked
 *                                   createdSince=F; X is Amazon's nextToken
 *                                   (the rest of the text). A token Amazon
 *                                   refuses (400) restarts the listing at F.
 */
#include "adapters/amazon/amazon_int.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "connector/buf.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#define STL_CHUNK 16384

/* ---- cursor ------------------------------------------------------------- */

int
amazon__stl_cursor_decode(struct amazon_stl_cursor *out, const char *text,
                          struct sc_error *err)
{
	const char *p, *end;
	size_t len;
	int seen_from = 0;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0')
		return 0;
	if (strncmp(text, "s1;since=", 9) != 0)
		goto bad;
	p = text + 9;
	end = strchr(p, ';');
	if (end == NULL)
		end = p + strlen(p);
	if (end == p || time_parse_iso8601(&out->since, p, (size_t)(end - p)) < 0 ||
	    out->since < 0)
		goto bad;
	p = end;
	if (*p == '\0')
		return 0;
	if (strncmp(p, ";from=", 6) == 0) {
		p += 6;
		end = strchr(p, ';');
		if (end == NULL || end == p ||
		    time_parse_iso8601(&out->from, p, (size_t)(end - p)) < 0)
			goto bad;
		seen_from = 1;
		p = end;
	}
	if (!seen_from || strncmp(p, ";token=", 7) != 0)
		goto bad;
	p += 7;
	len = strlen(p);
	if (len == 0 || len >= sizeof(out->token))
		goto bad;
	memcpy(out->token, p, len + 1);
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return sc_error_set(err, SC_EMALFORMED, "amazon: the settlements cursor "
	                    "\"%.100s\" is not one this adapter wrote", text);
}

int
amazon__stl_cursor_encode(char *out, size_t n, const struct amazon_stl_cursor *c,
                          struct sc_error *err)
{
	char s[21], f[21];
	int w;

	time_format_iso8601(s, c->since);
	if (c->token[0] == '\0') {
		w = snprintf(out, n, "s1;since=%s", s);
	} else {
		time_format_iso8601(f, c->from);
		w = snprintf(out, n, "s1;since=%s;from=%s;token=%s", s, f, c->token);
	}
	if (w < 0 || (size_t)w >= n) {
		if (n > 0)
			out[0] = '\0';
		return sc_error_set(err, SC_ENOSPACE, "amazon getReports: a nextToken of "
		                    "%zu bytes does not fit the %zu-byte cursor",
		                    strlen(c->token), n);
	}
	return 0;
}

/* ---- listing -------------------------------------------------------------- */

void
amazon__settlement_ref_free(void *ref)
{
	free(ref);
}

/* An optional ISO 8601 member into *out (0 when absent). */
static int
report_time(json_object *r, const char *key, int required, int64_t *out,
            struct sc_error *err)
{
	const char *s = NULL;
	int rc = json_get_str(r, key, &s, err);

	*out = 0;
	if (rc < 0)
		return rc;
	if (rc == 0 || *s == '\0')
		return required ? sc_error_set(err, SC_EMALFORMED, "no %s", key) : 0;
	if (time_parse_iso8601(out, s, strlen(s)) < 0)
		return sc_error_set(err, SC_EMALFORMED, "%s \"%.40s\" is not an ISO 8601 "
		                    "time", key, s);
	return 0;
}

/* One Report object: 1 added to the page, 0 skipped (not a DONE settlement
 * report), <0 bad (err says why). */
static int
report_item(json_object *r, struct page *out, int64_t *newest, struct sc_error *err)
{
	const char *id = NULL, *type = NULL, *status = NULL, *doc = NULL;
	struct settlement_ref *ref;
	int rc;

	if (!json_object_is_type(r, json_type_object))
		return sc_error_set(err, SC_EMALFORMED, "a report is not an object");
	if ((rc = json_get_str(r, "reportId", &id, err)) < 0)
		return rc;
	if (rc == 0 || *id == '\0' || strlen(id) >= sizeof(ref->id))
		return sc_error_set(err, SC_EMALFORMED, "no usable reportId");
	if (json_get_str(r, "reportType", &type, err) < 0 ||
	    json_get_str(r, "processingStatus", &status, err) < 0)
		return SC_EMALFORMED;
	if (type == NULL || strcmp(type, AMAZON_SETTLEMENT_REPORT_TYPE) != 0 ||
	    status == NULL || strcmp(status, "DONE") != 0)
		return 0;
	if ((ref = calloc(1, sizeof(*ref))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	memcpy(ref->id, id, strlen(id) + 1);
	if ((rc = json_get_str(r, "reportDocumentId", &doc, err)) < 0 || rc == 0 ||
	    *doc == '\0' || strlen(doc) >= sizeof(ref->document)) {
		free(ref);
		return sc_error_set(err, SC_EMALFORMED, "report %.60s is DONE but has no "
		                    "usable reportDocumentId", id);
	}
	memcpy(ref->document, doc, strlen(doc) + 1);
	if ((rc = report_time(r, "createdTime", 1, &ref->created, err)) < 0 ||
	    (rc = report_time(r, "dataStartTime", 0, &ref->start, err)) < 0 ||
	    (rc = report_time(r, "dataEndTime", 0, &ref->end, err)) < 0) {
		free(ref);
		return sc_error_prefix(err, "report %.60s", id);
	}
	if (ref->created > *newest)
		*newest = ref->created;
	if ((rc = page_add(out, ref)) < 0)
		return sc_error_set(err, rc, "amazon: out of memory");
	return 1;
}

int
amazon__reports_response_parse(struct page *out, char **next_token, int64_t *newest,
                               const char *body, size_t len, struct sc_error *err)
{
	json_object *root = NULL, *list = NULL;
	const char *tok = NULL, *rid = NULL;
	struct sc_error ierr;
	size_t i, n;
	int rc;

	*next_token = NULL;
	if ((rc = json_parse_buf(&root, body != NULL ? body : "", len, err)) < 0) {
		sc_error_prefix(err, "amazon getReports: the answer is not JSON");
		goto done;
	}
	if (!json_object_is_type(root, json_type_object) ||
	    json_get_array(root, "reports", &list, err) != 1) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon getReports: the answer has no "
		                  "`reports` array");
		goto done;
	}
	if ((rc = json_get_str(root, "nextToken", &tok, err)) < 0) {
		sc_error_prefix(err, "amazon getReports");
		goto done;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(list, i);

		sc_error_clear(&ierr);
		rc = report_item(r, out, newest, &ierr);
		if (rc == SC_ENOMEM) {
			*err = ierr;
			goto done;
		}
		if (rc < 0) {
			if (!json_object_is_type(r, json_type_object) ||
			    json_get_str(r, "reportId", &rid, NULL) != 1 || *rid == '\0')
				rid = "(unknown)";
			sc_error_prefix(&ierr, "amazon settlement report");
			if ((rc = page_add_bad(out, rid, &ierr)) < 0) {
				rc = sc_error_set(err, rc, "amazon: out of memory");
				goto done;
			}
		}
	}
	rc = 0;
	if (tok != NULL && *tok != '\0' && (*next_token = strdup(tok)) == NULL)
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
done:
	json_object_put(root);
	return rc;
}

static int
reports_url(const struct amazon *self, int64_t since, const char *token, char **out,
            struct sc_error *err)
{
	char s[21];
	struct buf u;
	int rc;

	*out = NULL;
	buf_init(&u, 0);
	if ((rc = buf_puts(&u, self->endpoint)) < 0 ||
	    (rc = buf_puts(&u, AMAZON_REPORTS_PATH "/reports?")) < 0)
		goto done;
	if (token != NULL && token[0] != '\0') {
		/* a later page: the token alone */
		if ((rc = buf_puts(&u, "nextToken=")) < 0 || (rc = buf_url_encode(&u, token)) < 0)
			goto done;
	} else {
		time_format_iso8601(s, since);
		if ((rc = buf_puts(&u, "reportTypes=" AMAZON_SETTLEMENT_REPORT_TYPE
		                       "&processingStatuses=DONE&createdSince=")) < 0 ||
		    (rc = buf_url_encode(&u, s)) < 0 ||
		    (rc = buf_printf(&u, "&pageSize=%d", AMAZON_REPORTS_PAGE_SIZE)) < 0)
			goto done;
	}
	if ((*out = buf_take(&u)) == NULL)
		rc = SC_ENOMEM;
done:
	buf_free(&u);
	if (rc < 0)
		sc_error_set(err, rc, "amazon getReports: cannot build the URL");
	return rc;
}

static int
reports_get(struct amazon *self, int64_t since, const char *token,
            struct http_response *resp, struct sc_error *err)
{
	char *url = NULL;
	int rc;

	if ((rc = reports_url(self, since, token, &url, err)) < 0)
		return rc;
	rc = amazon__call(self, "getReports", self->rl_reports, url, resp, err);
	free(url);
	return rc;
}

int
amazon__settlements_page(void *vself, const char *cursor, struct page *out,
                         struct sc_error *err)
{
	struct amazon *self = vself;
	struct amazon_stl_cursor cur, next;
	struct http_response resp;
	int64_t now = time_now(), from, newest, reread, oldest;
	char *token = NULL, when[21];
	int rc;

	memset(&resp, 0, sizeof(resp));
	page_init(out, amazon__settlement_ref_free);
	if ((rc = amazon__stl_cursor_decode(&cur, cursor, err)) < 0)
		goto done;
	reread = self->overlap > AMAZON_SETTLEMENTS_REREAD ? self->overlap
	                                                   : AMAZON_SETTLEMENTS_REREAD;
	/* Amazon keeps reports 90 days: never ask for older ones. */
	oldest = now - AMAZON_REPORTS_RETENTION;
	if (cur.token[0] != '\0')
		from = cur.from;
	else if (cur.since == 0)
		from = self->start_date != 0 ? self->start_date : now - AMAZON_DEFAULT_LOOKBACK;
	else
		from = cur.since - reread;
	if (from < oldest)
		from = oldest;
	if (from > now)
		from = now;
	newest = cur.since;

	rc = reports_get(self, from, cur.token, &resp, err);
	if (rc == 0 && resp.status == 400 && cur.token[0] != '\0') {
		/* an expired or refused nextToken: list again from the start */
		time_format_iso8601(when, from);
		log_event(LOG_WARN, "amazon.settlements.token_rejected", "restart_since", when,
		          NULL);
		http_response_free(&resp);
		memset(&resp, 0, sizeof(resp));
		cur.token[0] = '\0';
		rc = reports_get(self, from, NULL, &resp, err);
	}
	if (rc < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getReports", NULL, err);
		goto done;
	}
	if ((rc = amazon__reports_response_parse(out, &token, &newest, resp.body.data,
	                                         resp.body.len, err)) < 0)
		goto done;
	memset(&next, 0, sizeof(next));
	next.since = newest;
	if (token != NULL) {
		if (strlen(token) >= sizeof(next.token)) {
			rc = sc_error_set(err, SC_ENOSPACE, "amazon getReports: a nextToken of "
			                  "%zu bytes is longer than the cursor can hold",
			                  strlen(token));
			goto done;
		}
		next.from = from;
		memcpy(next.token, token, strlen(token) + 1);
	}
	if ((rc = amazon__stl_cursor_encode(out->cursor, sizeof(out->cursor), &next,
	                                    err)) < 0)
		goto done;
	out->more = token != NULL;
done:
	if (rc < 0) {
		page_free(out);
		out->cursor[0] = '\0';
		out->more = 0;
	}
	free(token);
	http_response_free(&resp);
	return rc;
}

/* ---- download ------------------------------------------------------------- */

int
amazon__charset_from_content_type(char *out, size_t n, const char *content_type)
{
	const char *p = content_type, *v;
	size_t len;

	if (n == 0)
		return 0;
	out[0] = '\0';
	while (p != NULL && (p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "charset", 7) != 0)
			continue;
		v = p + 7;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '"')
			v++;
		len = strcspn(v, "\"; \t");
		if (len == 0 || len >= n)
			return 0;
		for (size_t i = 0; i < len; i++) {
			char c = v[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			      c == ':'))
				return 0;
		}
		memcpy(out, v, len);
		out[len] = '\0';
		return 1;
	}
	return 0;
}

void
amazon__iconv_name(char *out, size_t n, const char *charset)
{
	if (strcasecmp(charset, "Cp1252") == 0)
		snprintf(out, n, "WINDOWS-1252");
	else if (strncasecmp(charset, "Cp", 2) == 0 && charset[2] >= '0' && charset[2] <= '9')
		snprintf(out, n, "CP%s", charset + 2);
	else if (strcasecmp(charset, "UTF8") == 0)
		snprintf(out, n, "UTF-8");
	else
		snprintf(out, n, "%s", charset);
}

/* The pipeline: (gunzip) -> iconv -> file. */
struct stl_sink {
	const char *report;       /* for messages */
	const char *charset;
	int fd;
	iconv_t cd;
	char carry[16];           /* an incomplete multibyte sequence */
	size_t ncarry;
	uint64_t in_total;        /* bytes converted so far (for messages) */
	uint64_t written;
};

static int
sink_write(struct stl_sink *s, const char *p, size_t n, struct sc_error *err)
{
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return sc_error_set(err, SC_ERROR, "amazon settlement %s: cannot write "
			                    "the report: %s", s->report, strerror(errno));
		p += w;
		n -= (size_t)w;
		s->written += (uint64_t)w;
	}
	if (s->written > AMAZON_SETTLEMENT_MAX_BYTES)
		return sc_error_set(err, SC_ENOSPACE, "amazon settlement %s: the report is "
		                    "larger than %llu bytes", s->report,
		                    (unsigned long long)AMAZON_SETTLEMENT_MAX_BYTES);
	return 0;
}

/* Convert data[0..n) (after any partial character carried from the last
 * call) and write it; `last` ends the stream. */
static int
sink_convert(struct stl_sink *s, const char *data, size_t n, int last, struct sc_error *err)
{
	char in[sizeof(s->carry) + STL_CHUNK], outb[4 * STL_CHUNK], *ip, *op;
	size_t take, inleft, outleft, r;
	int e;

	while (n > 0) {
		take = n > STL_CHUNK ? STL_CHUNK : n;
		memcpy(in, s->carry, s->ncarry);
		memcpy(in + s->ncarry, data, take);
		inleft = s->ncarry + take;
		s->ncarry = 0;
		data += take;
		n -= take;
		ip = in;
		while (inleft > 0) {
			char *before = ip;

			op = outb;
			outleft = sizeof(outb);
			r = iconv(s->cd, &ip, &inleft, &op, &outleft);
			e = errno;
			s->in_total += (uint64_t)(ip - before);
			if (sink_write(s, outb, sizeof(outb) - outleft, err) < 0)
				return SC_ERROR;
			if (r != (size_t)-1 || e == E2BIG)
				continue;
			if (e == EILSEQ)
				return sc_error_set(err, SC_EMALFORMED, "amazon settlement %s: byte "
				                    "%llu of the report is not valid %s", s->report,
				                    (unsigned long long)s->in_total, s->charset);
			if (e == EINVAL && inleft <= sizeof(s->carry)) {
				/* a character cut by the chunk: carried to the next */
				memcpy(s->carry, ip, inleft);
				s->ncarry = inleft;
				break;
			}
			return sc_error_set(err, SC_ERROR, "amazon settlement %s: iconv: %s",
			                    s->report, strerror(e));
		}
	}
	if (!last)
		return 0;
	if (s->ncarry > 0)
		return sc_error_set(err, SC_EMALFORMED, "amazon settlement %s: the report ends "
		                    "inside a %s character", s->report, s->charset);
	op = outb;
	outleft = sizeof(outb);
	iconv(s->cd, NULL, NULL, &op, &outleft);
	return sink_write(s, outb, sizeof(outb) - outleft, err) < 0 ? SC_ERROR : 0;
}

/* Inflate gzip data (members one after another) into the converter. */
static int
sink_gunzip(struct stl_sink *s, const char *data, size_t len, struct sc_error *err)
{
	z_stream zs;
	int zr, rc = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return sc_error_set(err, SC_ENOMEM, "amazon: cannot start zlib");
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = 0;
	for (;;) {
		unsigned char outb[STL_CHUNK];

		if (zs.avail_in == 0 && len > 0) {
			uInt take = len > 0x40000000u ? 0x40000000u : (uInt)len;

			zs.avail_in = take;
			len -= take;
		}
		zs.next_out = outb;
		zs.avail_out = sizeof(outb);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			rc = sc_error_set(err, SC_EMALFORMED, "amazon settlement %s: the report "
			                  "is not valid gzip (%s)", s->report,
			                  zs.msg != NULL ? zs.msg : "zlib");
			goto done;
		}
		if (sizeof(outb) - zs.avail_out > 0 &&
		    (rc = sink_convert(s, (const char *)outb, sizeof(outb) - zs.avail_out, 0,
		                       err)) < 0)
			goto done;
		if (zr == Z_STREAM_END) {
			if (zs.avail_in == 0 && len == 0)
				break;
			/* another gzip member follows */
			if (inflateReset(&zs) != Z_OK) {
				rc = sc_error_set(err, SC_EMALFORMED, "amazon settlement %s: bad "
				                  "gzip member", s->report);
				goto done;
			}
			continue;
		}
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && len == 0) {
			rc = sc_error_set(err, SC_EMALFORMED, "amazon settlement %s: the gzip "
			                  "report is truncated", s->report);
			goto done;
		}
	}
done:
	inflateEnd(&zs);
	return rc;
}

/* A non-2xx answer of the presigned URL (S3): its <Code> as the remote
 * text, never the body (an S3 error body can echo the URL's signature). */
static int
download_error(const struct http_response *resp, const char *report, struct sc_error *err)
{
	const char *b = resp->body.data, *s, *e;
	int code = sc_code_from_http(resp->status);

	if (code == 0)
		code = SC_ERROR;
	sc_error_set(err, code, "amazon settlement %s: download: HTTP %ld", report, resp->status);
	err->http_status = (int)resp->status;
	if (b != NULL && (s = strstr(b, "<Code>")) != NULL &&
	    (e = strstr(s + 6, "</Code>")) != NULL && e - (s + 6) < 64)
		sc_error_set_remote(err, s + 6, (size_t)(e - (s + 6)));
	return code;
}

/* getReportDocument: *url (caller frees) and whether it is gzip. */
static int
report_document(struct amazon *self, const struct settlement_ref *ref, char **url,
                int *gzip, struct sc_error *err)
{
	struct http_response resp;
	json_object *jo = NULL;
	const char *u = NULL, *comp = NULL;
	struct buf ub;
	int rc;

	*url = NULL;
	*gzip = 0;
	memset(&resp, 0, sizeof(resp));
	buf_init(&ub, 0);
	if ((rc = buf_puts(&ub, self->endpoint)) < 0 ||
	    (rc = buf_puts(&ub, AMAZON_REPORTS_PATH "/documents/")) < 0 ||
	    (rc = buf_url_encode(&ub, ref->document)) < 0) {
		sc_error_set(err, rc, "amazon getReportDocument: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__call(self, "getReportDocument", self->rl_report_doc, buf_cstr(&ub),
	                       &resp, err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getReportDocument", ref->document, err);
		goto done;
	}
	if ((rc = json_parse_buf(&jo, resp.body.data != NULL ? resp.body.data : "",
	                         resp.body.len, err)) < 0 ||
	    !json_object_is_type(jo, json_type_object) ||
	    json_get_str(jo, "url", &u, err) != 1 || *u == '\0' ||
	    json_get_str(jo, "compressionAlgorithm", &comp, err) < 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon getReportDocument %s: the answer "
		                  "is not a report document with a url", ref->document);
		goto done;
	}
	if (comp != NULL && strcmp(comp, "GZIP") != 0) {
		rc = sc_error_set(err, SC_ENOTSUP, "amazon settlement %s: compression \"%.20s\" "
		                  "is not supported", ref->id, comp);
		goto done;
	}
	*gzip = comp != NULL;
	if ((*url = strdup(u)) == NULL)
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
done:
	json_object_put(jo);
	http_response_free(&resp);
	buf_free(&ub);
	return rc;
}

/* fsync the directory holding `path`, so the rename is durable. */
static void
dir_sync(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
amazon__settlement_fetch(void *vself, const struct settlement_ref *ref, const char *path,
                         struct sc_error *err)
{
	struct amazon *self = vself;
	struct http_response dl;
	struct stl_sink sink;
	char *url = NULL, *tmp = NULL, charset[48], icname[64], bytes[24];
	const char *data;
	size_t len;
	int gzip = 0, rc, declared;

	memset(&dl, 0, sizeof(dl));
	memset(&sink, 0, sizeof(sink));
	sink.fd = -1;
	sink.cd = (iconv_t)-1;
	if (ref == NULL || ref->id[0] == '\0' || ref->document[0] == '\0' || path == NULL ||
	    *path == '\0')
		return sc_error_set(err, SC_EINVALID, "amazon settlement fetch: no report, "
		                    "document or path");
	sink.report = ref->id;
	if ((rc = report_document(self, ref, &url, &gzip, err)) < 0)
		goto done;
	/* the presigned URL: no token (auth 0); never logged */
	if ((rc = amazon__request(self, "downloadReportDocument", NULL, "GET", url, NULL, NULL,
	                          0, 0, 1, &dl, err)) < 0) {
		sc_error_prefix(err, "amazon settlement %s", ref->id);
		goto done;
	}
	if (dl.status < 200 || dl.status > 299) {
		rc = download_error(&dl, ref->id, err);
		goto done;
	}
	declared = amazon__charset_from_content_type(charset, sizeof(charset),
	                                             http_response_header(&dl, "Content-Type"));
	if (!declared)
		snprintf(charset, sizeof(charset), "%s", AMAZON_REPORT_DEFAULT_CHARSET);
	sink.charset = charset;
	amazon__iconv_name(icname, sizeof(icname), charset);
	sink.cd = iconv_open("UTF-8", icname);
	if (sink.cd == (iconv_t)-1) {
		rc = sc_error_set(err, SC_ENOTSUP, "amazon settlement %s: the report's charset "
		                  "%s is not supported", ref->id, charset);
		goto done;
	}
	data = dl.body.data != NULL ? dl.body.data : "";
	len = dl.body.len;
	if (!gzip && len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b)
		gzip = 1;           /* compressed whatever the document said */

	if ((tmp = malloc(strlen(path) + 5)) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
		goto done;
	}
	memcpy(tmp, path, strlen(path));
	memcpy(tmp + strlen(path), ".tmp", 5);
	sink.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sink.fd < 0) {
		rc = sc_error_set(err, SC_ERROR, "amazon settlement %s: cannot create %s: %s",
		                  ref->id, tmp, strerror(errno));
		goto done;
	}
	if (fchmod(sink.fd, 0600) != 0) {
		rc = sc_error_set(err, SC_ERROR, "amazon settlement %s: cannot chmod %s: %s",
		                  ref->id, tmp, strerror(errno));
		goto done;
	}
	if (gzip)
		rc = sink_gunzip(&sink, data, len, err);
	else
		rc = sink_convert(&sink, data, len, 0, err);
	if (rc < 0 || (rc = sink_convert(&sink, NULL, 0, 1, err)) < 0)
		goto done;
	if (fsync(sink.fd) != 0 || close(sink.fd) != 0) {
		sink.fd = -1;
		rc = sc_error_set(err, SC_ERROR, "amazon settlement %s: cannot write %s: %s",
		                  ref->id, tmp, strerror(errno));
		goto done;
	}
	sink.fd = -1;
	if (rename(tmp, path) != 0) {
		rc = sc_error_set(err, SC_ERROR, "amazon settlement %s: cannot rename %s to %s: %s",
		                  ref->id, tmp, path, strerror(errno));
		goto done;
	}
	dir_sync(path);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)sink.written);
	log_event(LOG_INFO, "amazon.settlement.fetched", "report_id", ref->id, "charset", charset,
	          "gzip", gzip ? "yes" : "no", "bytes", bytes, NULL);
	rc = 0;
done:
	if (sink.fd >= 0)
		close(sink.fd);
	if (rc < 0 && tmp != NULL)
		(void)unlink(tmp);
	if (sink.cd != (iconv_t)-1)
		iconv_close(sink.cd);
	free(tmp);
	free(url);
	http_response_free(&dl);
	return rc;
}
