/* reports.c: Reports API 2021-06-30, the part settlements need
 * (docs/AMAZON.md §4).
 *   GET  /reports/2021-06-30/reports               getReports: reportTypes (required
 *        unless nextToken), processingStatuses, marketplaceIds, pageSize (1-100,
 *        default 10), createdSince (default 90 days ago), createdUntil (default
 *        now); later pages send nextToken ALONE (the token carries the query)
 *   GET  /reports/2021-06-30/reports/{reportId}    getReport
 *   POST /reports/2021-06-30/reports               createReport: settlement
 *        reports cannot be requested (400 InvalidInput); returns reports
 *        are made by amzreturns.c
 *   GET  /reports/2021-06-30/documents/{id}        getReportDocument ->
 *        {reportDocumentId, url, compressionAlgorithm: "GZIP"}
 *   GET  {url} = /_download/{id}?...               the bytes (feeds.c serves them)
 * Reports come from the seed or the control API; each is DONE with a
 * document: the seeded UTF-8 text converted to its charset (Cp1252 unless
 * said otherwise, with glibc's iconv) and gzip-compressed, served as
 * `text/plain; charset=Cp1252`. Listing order: newest createdTime first
 * (then reportId, descending). */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"
#include "tests/sandbox/feedproc.h"
#include "tests/sandbox/amzreturns.h"

#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REPORTS_PREFIX "/reports/2021-06-30/"
#define REPORT_MAX_BYTES ((size_t)64 << 20)
#define DAY_MS 86400000LL
#define MAX_LIST 16

static const char *const rep_statuses[] = {
	"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE", NULL
};

/* Report types Amazon makes on its own schedule: createReport refuses them. */
static const char *const rep_settlement_types[] = {
	"GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
	"GET_V2_SETTLEMENT_REPORT_DATA_XML", "GET_ALT_FLAT_FILE_PAYMENT_SETTLEMENT_DATA",
	"GET_FLAT_FILE_PAYMENT_SETTLEMENT_DATA", "GET_PAYMENT_SETTLEMENT_DATA", NULL
};

void
sbx_reports_init(struct sbx *sb)
{
	int64_t now = sbx_mono_ms();

	sb->next_report_id = 51393019001ULL;
	sb->bucket_reports = (struct sbx_bucket){ 0.0222, 10, 10, now, "0.0222" };
	sb->bucket_report_get = (struct sbx_bucket){ 2.0, 15, 15, now, "2.0" };
	sb->bucket_report_create = (struct sbx_bucket){ 0.0167, 15, 15, now, "0.0167" };
	sb->bucket_report_doc = (struct sbx_bucket){ 0.0167, 15, 15, now, "0.0167" };
}

static void
report_free(struct sbx_report *r)
{
	if (r == NULL)
		return;
	free(r->marketplaces);
	free(r->content);
	free(r);
}

void
sbx_reports_free(struct sbx *sb)
{
	size_t i;

	for (i = 0; i < sb->nreports; i++)
		report_free(sb->reports[i]);
	free(sb->reports);
	sb->reports = NULL;
	sb->nreports = sb->reports_cap = 0;
	free(sb->seed_dir);
	sb->seed_dir = NULL;
}

static int
in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static struct sbx_report *
report_find(struct sbx *sb, const char *id)
{
	size_t i;

	for (i = 0; i < sb->nreports; i++)
		if (strcmp(sb->reports[i]->id, id) == 0)
			return sb->reports[i];
	return NULL;
}

/* ---- adding a report ------------------------------------------------------------- */

/* The whole file at `path` (relative: to the seed's directory) into *out. */
static int
file_slurp(struct sbx *sb, const char *path, char **out, char *err, size_t errn)
{
	char full[4096];
	FILE *f;
	long n;
	char *data = NULL;

	*out = NULL;
	if (path[0] == '/' || sb->seed_dir == NULL)
		snprintf(full, sizeof full, "%s", path);
	else
		snprintf(full, sizeof full, "%s/%s", sb->seed_dir, path);
	f = fopen(full, "rb");
	if (f == NULL) {
		snprintf(err, errn, "cannot open %.300s: %s", full, strerror(errno));
		return SC_EINVALID;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (size_t)n > REPORT_MAX_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0 || (data = malloc((size_t)n + 1)) == NULL ||
	    fread(data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(data);
		snprintf(err, errn, "cannot read %.300s (at most %zu bytes)", full, REPORT_MAX_BYTES);
		return SC_EINVALID;
	}
	fclose(f);
	data[n] = '\0';
	if (strlen(data) != (size_t)n) {
		free(data);
		snprintf(err, errn, "%.300s holds a NUL byte: seed a report's text as UTF-8", full);
		return SC_EINVALID;
	}
	*out = data;
	return 0;
}

/* iconv's name for a charset as Amazon states it ("Cp1252" is Java's). */
static const char *
iconv_name(const char *charset)
{
	if (strcasecmp(charset, "Cp1252") == 0 || strcasecmp(charset, "windows-1252") == 0)
		return "WINDOWS-1252";
	if (strcasecmp(charset, "UTF8") == 0)
		return "UTF-8";
	return charset;
}

/* `text` (UTF-8) converted to `charset` into *out / *outlen (malloc'd). */
static int
text_encode(unsigned char **out, size_t *outlen, const char *text, const char *charset,
            char *err, size_t errn)
{
	size_t n = strlen(text), cap = n * 4 + 16, inleft = n, outleft = cap;
	char *in = (char *)(uintptr_t)text, *buf = malloc(cap), *o = buf;
	iconv_t cd;

	*out = NULL;
	if (buf == NULL)
		return SC_ENOMEM;
	cd = iconv_open(iconv_name(charset), "UTF-8");
	if (cd == (iconv_t)-1) {
		free(buf);
		snprintf(err, errn, "charset %.40s is not known to iconv", charset);
		return SC_EINVALID;
	}
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &o, &outleft) == (size_t)-1) {
		snprintf(err, errn, "the text at byte %zu cannot be written in %.40s (or is not UTF-8)",
		         n - inleft, charset);
		iconv_close(cd);
		free(buf);
		return SC_EINVALID;
	}
	iconv_close(cd);
	*out = (unsigned char *)buf;
	*outlen = cap - outleft;
	return 0;
}

/* An optional ISO 8601 member into *out (moved by shift); 0 absent, 1 set, <0 bad. */
static int
spec_time(json_object *spec, const char *key, int64_t shift, int64_t *out, char *err, size_t errn)
{
	const char *s = sbx_json_str(spec, key);

	if (!json_object_object_get_ex(spec, key, NULL))
		return 0;
	if (s == NULL || sbx_time_parse(out, s) < 0) {
		snprintf(err, errn, "%s must be an ISO 8601 date-time", key);
		return SC_EINVALID;
	}
	*out += shift;
	return 1;
}

static int
reports_push(struct sbx *sb, struct sbx_report *r)
{
	struct sbx_report **nv;
	size_t ncap;

	if (sb->nreports == sb->reports_cap) {
		ncap = sb->reports_cap ? sb->reports_cap * 2 : 16;
		nv = realloc(sb->reports, ncap * sizeof *nv);
		if (nv == NULL)
			return SC_ENOMEM;
		sb->reports = nv;
		sb->reports_cap = ncap;
	}
	sb->reports[sb->nreports++] = r;
	return 0;
}

int
sbx_reports_add(struct sbx *sb, json_object *spec, int64_t shift_ms, char *err, size_t errn)
{
	const char *id = sbx_json_str(spec, "reportId"), *type = sbx_json_str(spec, "reportType");
	const char *status = sbx_json_str(spec, "processingStatus");
	const char *file = sbx_json_str(spec, "file"), *content = sbx_json_str(spec, "content");
	const char *charset = sbx_json_str(spec, "charset");
	json_object *mp = NULL, *gz = NULL;
	struct sbx_report *r = NULL;
	unsigned char *enc = NULL, *packed = NULL;
	size_t enclen = 0, packedlen = 0, i;
	char ctype[96];
	int gzip = 1, rc = SC_EINVALID, has;

	if (spec == NULL || !json_object_is_type(spec, json_type_object)) {
		snprintf(err, errn, "a report is an object {\"reportId\", \"createdTime\", "
		         "\"dataStartTime\", \"dataEndTime\", \"file\" | \"content\"}");
		return SC_EINVALID;
	}
	if ((r = calloc(1, sizeof *r)) == NULL)
		return SC_ENOMEM;
	if (id != NULL && (*id == '\0' || strlen(id) >= sizeof r->id)) {
		snprintf(err, errn, "reportId must be 1 to %zu characters", sizeof r->id - 1);
		goto done;
	}
	if (id != NULL && report_find(sb, id) != NULL) {
		snprintf(err, errn, "report %.30s exists already", id);
		goto done;
	}
	if (id != NULL)
		snprintf(r->id, sizeof r->id, "%s", id);
	else
		snprintf(r->id, sizeof r->id, "%" PRIu64, sb->next_report_id++);
	snprintf(r->type, sizeof r->type, "%s", type != NULL ? type : SBX_SETTLEMENT_REPORT_TYPE);
	if (status != NULL && !in_list(rep_statuses, status)) {
		snprintf(err, errn, "processingStatus must be one of CANCELLED, DONE, FATAL, IN_PROGRESS, "
		         "IN_QUEUE");
		goto done;
	}
	snprintf(r->status, sizeof r->status, "%s", status != NULL ? status : "DONE");
	r->created_ms = sbx_now_ms() / 1000 * 1000;
	if ((has = spec_time(spec, "createdTime", shift_ms, &r->created_ms, err, errn)) < 0)
		goto done;
	r->end_ms = r->created_ms;
	if ((has = spec_time(spec, "dataEndTime", shift_ms, &r->end_ms, err, errn)) < 0)
		goto done;
	r->start_ms = r->end_ms - 14 * DAY_MS;
	if ((has = spec_time(spec, "dataStartTime", shift_ms, &r->start_ms, err, errn)) < 0)
		goto done;
	if (r->start_ms > r->end_ms) {
		snprintf(err, errn, "dataStartTime is after dataEndTime");
		goto done;
	}
	if (json_object_object_get_ex(spec, "marketplaceIds", &mp)) {
		if (!json_object_is_type(mp, json_type_array)) {
			snprintf(err, errn, "marketplaceIds must be an array of strings");
			goto done;
		}
		for (i = 0; i < json_object_array_length(mp); i++)
			if (!json_object_is_type(json_object_array_get_idx(mp, i), json_type_string)) {
				snprintf(err, errn, "marketplaceIds must be an array of strings");
				goto done;
			}
		if ((r->marketplaces = strdup(json_object_to_json_string_ext(mp, SBX_JSON_FLAGS))) == NULL) {
			rc = SC_ENOMEM;
			goto done;
		}
	}
	if (json_object_object_get_ex(spec, "gzip", &gz))
		gzip = json_object_get_boolean(gz);
	if (charset == NULL)
		charset = "Cp1252";
	if (*charset == '\0' || strlen(charset) >= sizeof r->charset ||
	    strspn(charset, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(charset)) {
		snprintf(err, errn, "charset must be a charset name such as Cp1252 or UTF-8");
		goto done;
	}
	snprintf(r->charset, sizeof r->charset, "%s", charset);
	if (strcmp(r->status, "DONE") == 0) {
		if ((file == NULL) == (content == NULL)) {
			snprintf(err, errn, "a DONE report needs exactly one of \"file\" and \"content\"");
			goto done;
		}
		if (file != NULL) {
			if ((rc = file_slurp(sb, file, &r->content, err, errn)) < 0)
				goto done;
		} else if ((r->content = strdup(content)) == NULL) {
			rc = SC_ENOMEM;
			goto done;
		}
		rc = text_encode(&enc, &enclen, r->content, r->charset, err, errn);
		if (rc < 0)
			goto done;
		if (gzip) {
			if (sbx_fp_gzip(&packed, &packedlen, (const char *)enc, enclen) < 0) {
				rc = SC_ENOMEM;
				goto done;
			}
			free(enc);
		} else {
			packed = enc;
			packedlen = enclen;
		}
		enc = NULL;
		snprintf(ctype, sizeof ctype, "text/plain; charset=%s", r->charset);
		rc = sbx_fdoc_add_report(sb, packed, packedlen, gzip, ctype, r->doc_id);
		packed = NULL;
		if (rc < 0)
			goto done;
	}
	if ((rc = reports_push(sb, r)) < 0)
		goto done;
	r = NULL;
	rc = 0;
done:
	if (rc == SC_ENOMEM)
		snprintf(err, errn, "out of memory");
	free(enc);
	free(packed);
	report_free(r);
	return rc;
}

/* ---- the API ------------------------------------------------------------------------ */

static void
report_json(struct buf *b, const struct sbx_report *r)
{
	char t[32];

	buf_puts(b, "{\"reportId\":");
	sbx_buf_json_str(b, r->id);
	buf_puts(b, ",\"reportType\":");
	sbx_buf_json_str(b, r->type);
	if (r->marketplaces != NULL)
		buf_printf(b, ",\"marketplaceIds\":%s", r->marketplaces);
	sbx_time_format(t, sizeof t, r->start_ms);
	buf_printf(b, ",\"dataStartTime\":\"%s\"", t);
	sbx_time_format(t, sizeof t, r->end_ms);
	buf_printf(b, ",\"dataEndTime\":\"%s\"", t);
	sbx_time_format(t, sizeof t, r->created_ms);
	buf_printf(b, ",\"createdTime\":\"%s\",\"processingStatus\":\"%s\"", t, r->status);
	if (strcmp(r->status, "IN_QUEUE") != 0)
		buf_printf(b, ",\"processingStartTime\":\"%s\"", t);
	if (strcmp(r->status, "IN_QUEUE") != 0 && strcmp(r->status, "IN_PROGRESS") != 0) {
		sbx_time_format(t, sizeof t, r->created_ms + 1000);
		buf_printf(b, ",\"processingEndTime\":\"%s\"", t);
	}
	if (r->doc_id[0] != '\0')
		buf_printf(b, ",\"reportDocumentId\":\"%s\"", r->doc_id);
	buf_puts(b, "}");
}

/* Every value of `key` (repeated or comma-separated) appended to arr. -1 when
 * there are more than `max` or one is empty. */
static int
list_collect(json_object *arr, const struct sbx_params *q, const char *key, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < q->n; i++) {
		const char *s = q->v[i].val;

		if (strcmp(q->v[i].key, key) != 0)
			continue;
		for (;;) {
			size_t len = strcspn(s, ",");

			if (len == 0 || ++n > max)
				return -1;
			json_object_array_add(arr, json_object_new_string_len(s, (int)len));
			if (s[len] == '\0')
				break;
			s += len + 1;
		}
	}
	return 0;
}

static int
arr_has(json_object *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return 1;
	return 0;
}

static int64_t
obj_int(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* The token: base64 of the query's JSON, '|', its keyed hash. */
static void
token_encode(struct buf *out, const struct sbx *sb, json_object *q)
{
	struct buf t;
	const char *js = json_object_to_json_string_ext(q, SBX_JSON_FLAGS);

	buf_init(&t, 0);
	buf_printf(&t, "%s|%016" PRIx64, js, sbx_hash64(js, strlen(js), sb->page_secret ^ 0x7e57ULL));
	sbx_base64_encode(out, (const unsigned char *)t.data, t.len);
	buf_free(&t);
}

static json_object *
token_decode(const struct sbx *sb, const char *tok)
{
	unsigned char *raw = NULL;
	size_t len = 0;
	char *bar, *end = NULL;
	json_object *q = NULL;

	if (sbx_base64_decode(&raw, &len, tok, strlen(tok)) < 0 || len < 20)
		goto done;
	raw[len] = '\0';
	bar = strrchr((char *)raw, '|');
	if (bar == NULL || sbx_hash64(raw, (size_t)(bar - (char *)raw), sb->page_secret ^ 0x7e57ULL) !=
	    strtoull(bar + 1, &end, 16) || *end != '\0')
		goto done;
	q = sbx_json_parse((const char *)raw, (size_t)(bar - (char *)raw), NULL, 0);
done:
	free(raw);
	return q;
}

/* The query of a first page, or NULL with msg. */
static json_object *
query_parse(struct sbx_req *rq, char *msg, size_t msgn)
{
	const char *ps = sbx_params_get(&rq->query, "pageSize");
	const char *cs = sbx_params_get(&rq->query, "createdSince");
	const char *cu = sbx_params_get(&rq->query, "createdUntil");
	json_object *q = json_object_new_object(), *t = json_object_new_array();
	json_object *s = json_object_new_array(), *m = json_object_new_array();
	int64_t now = sbx_now_ms(), since = now - 90 * DAY_MS, until = now;
	long page = 10;
	size_t i;

	json_object_object_add(q, "t", t);
	json_object_object_add(q, "s", s);
	json_object_object_add(q, "m", m);
	if (list_collect(t, &rq->query, "reportTypes", 10) < 0) {
		snprintf(msg, msgn, "reportTypes takes 1 to 10 non-empty values.");
		goto bad;
	}
	if (json_object_array_length(t) == 0) {
		snprintf(msg, msgn, "Either reportTypes or nextToken is required.");
		goto bad;
	}
	if (list_collect(s, &rq->query, "processingStatuses", MAX_LIST) < 0) {
		snprintf(msg, msgn, "Invalid input in processing status");
		goto bad;
	}
	for (i = 0; i < json_object_array_length(s); i++)
		if (!in_list(rep_statuses, json_object_get_string(json_object_array_get_idx(s, i)))) {
			snprintf(msg, msgn, "Invalid input in processing status");
			goto bad;
		}
	if (list_collect(m, &rq->query, "marketplaceIds", 10) < 0) {
		snprintf(msg, msgn, "marketplaceIds takes 1 to 10 non-empty values.");
		goto bad;
	}
	if (ps != NULL) {
		char *end = NULL;

		page = strtol(ps, &end, 10);
		if (*ps == '\0' || *end != '\0' || page < 1 || page > 100) {
			snprintf(msg, msgn, "pageSize must be an integer between 1 and 100.");
			goto bad;
		}
	}
	if ((cs != NULL && sbx_time_parse(&since, cs) < 0) ||
	    (cu != NULL && sbx_time_parse(&until, cu) < 0)) {
		snprintf(msg, msgn, "createdSince and createdUntil must be ISO 8601 date-times.");
		goto bad;
	}
	if (since > until) {
		snprintf(msg, msgn, "createdSince must be before createdUntil.");
		goto bad;
	}
	json_object_object_add(q, "a", json_object_new_int64(since));
	json_object_object_add(q, "b", json_object_new_int64(until));
	json_object_object_add(q, "p", json_object_new_int64(page));
	return q;
bad:
	json_object_put(q);
	return NULL;
}

static int
report_matches(const struct sbx_report *r, json_object *q)
{
	json_object *t = NULL, *s = NULL, *m = NULL, *rm = NULL;
	size_t i;
	int hit = 0;

	json_object_object_get_ex(q, "t", &t);
	json_object_object_get_ex(q, "s", &s);
	json_object_object_get_ex(q, "m", &m);
	if (t == NULL || !arr_has(t, r->type))
		return 0;
	if (s != NULL && json_object_array_length(s) > 0 && !arr_has(s, r->status))
		return 0;
	if (r->created_ms < obj_int(q, "a") || r->created_ms > obj_int(q, "b"))
		return 0;
	if (m == NULL || json_object_array_length(m) == 0 || r->marketplaces == NULL)
		return 1;
	rm = sbx_json_parse(r->marketplaces, strlen(r->marketplaces), NULL, 0);
	for (i = 0; rm != NULL && i < json_object_array_length(rm) && !hit; i++)
		hit = arr_has(m, json_object_get_string(json_object_array_get_idx(rm, i)));
	json_object_put(rm);
	return hit;
}

/* Newest first: 1 when a sorts before b. */
static int
report_before(const struct sbx_report *a, int64_t b_ms, const char *b_id)
{
	return a->created_ms > b_ms || (a->created_ms == b_ms && strcmp(a->id, b_id) > 0);
}

static void
get_reports(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *tok = sbx_params_get(&rq->query, "nextToken");
	json_object *q = NULL;
	const struct sbx_report **hits = NULL;
	const struct sbx_report *last = NULL;
	const char *last_id = "";
	int64_t last_ms = INT64_MAX;
	size_t nhits = 0, i, j, page;
	char msg[200];
	int more = 0;

	if (tok != NULL) {
		if (rq->query.n > 1) {
			sbx_reply_amazon_error(rp, 400, "InvalidInput", "nextToken must be the only "
			                       "parameter: it carries the query of the first page.");
			return;
		}
		q = token_decode(sb, tok);
		if (q == NULL) {
			sbx_reply_amazon_error(rp, 400, "InvalidInput", "Invalid nextToken.");
			return;
		}
		last_ms = obj_int(q, "lc");
		last_id = sbx_json_str(q, "li") ? sbx_json_str(q, "li") : "";
	} else if ((q = query_parse(rq, msg, sizeof msg)) == NULL) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
		return;
	}
	page = (size_t)obj_int(q, "p");
	pthread_mutex_lock(&sb->lock);
	hits = calloc(sb->nreports + 1, sizeof *hits);
	for (i = 0; hits != NULL && i < sb->nreports; i++) {
		const struct sbx_report *r = sb->reports[i];

		if (!report_matches(r, q))
			continue;
		/* after a token: only what sorts after the last report given */
		if (tok != NULL && !(r->created_ms < last_ms ||
		                     (r->created_ms == last_ms && strcmp(r->id, last_id) < 0)))
			continue;
		/* insertion sort, newest first */
		for (j = nhits; j > 0 && report_before(r, hits[j - 1]->created_ms, hits[j - 1]->id); j--)
			hits[j] = hits[j - 1];
		hits[j] = r;
		nhits++;
	}
	if (hits == NULL) {
		pthread_mutex_unlock(&sb->lock);
		json_object_put(q);
		sbx_reply_amazon_error(rp, 500, "InternalFailure", "Out of memory.");
		return;
	}
	rp->status = 200;
	buf_puts(&rp->body, "{\"reports\":[");
	for (i = 0; i < nhits && i < page; i++) {
		buf_puts(&rp->body, i ? "," : "");
		report_json(&rp->body, hits[i]);
		last = hits[i];
	}
	buf_puts(&rp->body, "]");
	more = nhits > page;
	if (more && last != NULL) {
		json_object_object_add(q, "lc", json_object_new_int64(last->created_ms));
		json_object_object_add(q, "li", json_object_new_string(last->id));
		buf_puts(&rp->body, ",\"nextToken\":\"");
		token_encode(&rp->body, sb, q);
		buf_puts(&rp->body, "\"");
	}
	pthread_mutex_unlock(&sb->lock);
	buf_puts(&rp->body, "}");
	free(hits);
	json_object_put(q);
	sbx_amazon_rate_header(sb, rp, &sb->bucket_reports);
}

static void
get_report(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *id = rq->path + strlen(REPORTS_PREFIX "reports/");
	struct sbx_report *r;

	pthread_mutex_lock(&sb->lock);
	r = report_find(sb, id);
	if (r != NULL) {
		sbx_returns_advance(sb, r);   /* a requested returns report moves on */
		rp->status = 200;
		report_json(&rp->body, r);
	}
	pthread_mutex_unlock(&sb->lock);
	if (r == NULL)
		sbx_reply_amazon_error(rp, 404, "NotFound", "The specified resource does not exist.");
	else
		sbx_amazon_rate_header(sb, rp, &sb->bucket_report_get);
}

static void
create_report(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	json_object *body = sbx_amazon_body(rq, rp), *mp = NULL;
	const char *type = sbx_json_str(body, "reportType");
	char msg[200];

	if (body == NULL)
		return;
	if (type == NULL || *type == '\0' || !json_object_object_get_ex(body, "marketplaceIds", &mp) ||
	    !json_object_is_type(mp, json_type_array) || json_object_array_length(mp) == 0) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", "reportType and marketplaceIds are required.");
	} else if (in_list(rep_settlement_types, type)) {
		/* Settlement reports are made by Amazon on its own schedule. */
		sbx_reply_amazon_error(rp, 400, "InvalidInput",
		                       "Request for report type 1118 is not allowed at this time");
	} else if (sbx_returns_is_type(type)) {
		sbx_returns_create_report(sb, rq, body, rp);
	} else {
		snprintf(msg, sizeof msg, "The sandbox makes no report of type %.80s.", type);
		sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
	}
	json_object_put(body);
	(void)sb;
}

static void
get_report_document(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *id = rq->path + strlen(REPORTS_PREFIX "documents/");
	const char *ce = sbx_params_get(&rq->query, "enableContentEncodingUrlHeader");
	struct sbx_fdoc *d;

	pthread_mutex_lock(&sb->lock);
	d = sbx_fdoc_find(sb, id);
	if (d != NULL && !d->is_report)
		d = NULL;               /* a feed document is no report document */
	if (d != NULL) {
		rp->status = 200;
		buf_puts(&rp->body, "{\"reportDocumentId\":");
		sbx_buf_json_str(&rp->body, d->id);
		buf_puts(&rp->body, ",\"url\":\"");
		sbx_fdoc_download_url(&rp->body, sb, d->id, d->gzip && ce != NULL && strcmp(ce, "true") == 0);
		buf_puts(&rp->body, d->gzip ? "\",\"compressionAlgorithm\":\"GZIP\"}" : "\"}");
	}
	pthread_mutex_unlock(&sb->lock);
	if (d == NULL)
		sbx_reply_amazon_error(rp, 404, "NotFound", "The specified resource does not exist.");
	else
		sbx_amazon_rate_header(sb, rp, &sb->bucket_report_doc);
}

void
sbx_reports_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	rp->content_type = "application/json";
	switch (rq->op) {
	case SBX_OP_GET_REPORTS: get_reports(sb, rq, rp); break;
	case SBX_OP_GET_REPORT: get_report(sb, rq, rp); break;
	case SBX_OP_CREATE_REPORT: create_report(sb, rq, rp); break;
	case SBX_OP_GET_REPORT_DOC: get_report_document(sb, rq, rp); break;
	default: sbx_reply_amazon_error(rp, 404, "NotFound", "Resource not found."); break;
	}
}

/* ---- control ------------------------------------------------------------------------- */

void
sbx_reports_inspect(struct sbx *sb, struct sbx_reply *rp)
{
	struct buf *b = &rp->body;
	size_t i;

	rp->status = 200;
	buf_puts(b, "[");
	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < sb->nreports; i++) {
		const struct sbx_report *r = sb->reports[i];

		buf_puts(b, i ? "," : "");
		report_json(b, r);
		b->data[--b->len] = '\0';          /* reopen the object */
		buf_puts(b, ",\"charset\":");
		sbx_buf_json_str(b, r->charset);
		buf_puts(b, ",\"content\":");
		if (r->content != NULL)
			sbx_buf_json_str(b, r->content);
		else
			buf_puts(b, "null");
		buf_puts(b, "}");
	}
	pthread_mutex_unlock(&sb->lock);
	buf_puts(b, "]");
}

void
sbx_reports_control_add(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *arr = NULL, *ids = json_object_new_array(), *o;
	char err[400], msg[480];
	size_t i, n = 1;
	int rc = 0;

	if (json_object_object_get_ex(doc, "reports", &arr) && json_object_is_type(arr, json_type_array))
		n = json_object_array_length(arr);
	else
		arr = NULL;
	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < n && rc == 0; i++) {
		rc = sbx_reports_add(sb, arr != NULL ? json_object_array_get_idx(arr, i) : doc, 0, err,
		                     sizeof err);
		if (rc == 0)
			json_object_array_add(ids, json_object_new_string(sb->reports[sb->nreports - 1]->id));
	}
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0) {
		o = json_object_new_object();
		snprintf(msg, sizeof msg, "reports[%zu]: %s (the reports before it were added)", i - 1, err);
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_put(ids);
		sbx_reply_json(rp, 400, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
		json_object_put(o);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "reportIds", ids);
	sbx_reply_json(rp, 201, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}
