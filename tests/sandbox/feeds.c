/* feeds.c: Feeds API 2021-06-30 and the presigned URLs it hands out.
 *   POST /feeds/2021-06-30/documents          createFeedDocument -> 201 {feedDocumentId, url}
 *   PUT  {url} = /_upload/{id}?...            the document's content (no auth, like S3)
 *   POST /feeds/2021-06-30/feeds              createFeed -> 202 {feedId}
 *   GET  /feeds/2021-06-30/feeds/{feedId}     getFeed
 *   GET  /feeds/2021-06-30/documents/{id}     getFeedDocument -> {feedDocumentId, url, compressionAlgorithm?}
 *   GET  {url} = /_download/{id}?...          the document (a report: gzip)
 * A feed is IN_QUEUE for the first half of the processing delay
 * (--feed-delay-ms / --time-scale), IN_PROGRESS for the second, then DONE
 * (or FATAL); it is processed (feedproc.c) by the first request that sees
 * it due, with its processing end time as the time of its effects.
 * Presigned URLs carry an expiry (5 min, scaled, at least 5 s) and a
 * signature over the document id and expiry. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FEEDS_PREFIX "/feeds/2021-06-30/"
#define URL_LIFETIME_MS 300000.0
#define URL_LIFETIME_MIN_MS 5000      /* however fast --time-scale runs */

void
sbx_feeds_init(struct sbx *sb)
{
	sb->next_feed_id = 63000000001ULL;
	sb->next_adjustment_id = 80412937720001ULL;
}

void
sbx_feeds_free(struct sbx *sb)
{
	size_t i, j;

	for (i = 0; i < sb->nfdocs; i++) {
		free(sb->fdocs[i]->data);
		free(sb->fdocs[i]);
	}
	free(sb->fdocs);
	for (i = 0; i < sb->nfeeds; i++) {
		struct sbx_feed *f = sb->feeds[i];

		for (j = 0; j < f->nmsgs; j++)
			free(f->msgs[j].description);
		free(f->msgs);
		free(f->marketplaces);
		free(f->report);
		free(f);
	}
	free(sb->feeds);
	for (i = 0; i < sb->nfeed_errors; i++)
		free(sb->feed_errors[i].description);
	free(sb->feed_errors);
}

static int
grow(void **v, size_t *cap, size_t len, size_t elem)
{
	void *nv;
	size_t ncap;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 32;
	nv = realloc(*v, ncap * elem);
	if (nv == NULL)
		return SC_ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

struct sbx_fdoc *
sbx_fdoc_find(struct sbx *sb, const char *id)
{
	size_t i;

	for (i = 0; i < sb->nfdocs; i++)
		if (strcmp(sb->fdocs[i]->id, id) == 0)
			return sb->fdocs[i];
	return NULL;
}

static struct sbx_feed *
feed_find(struct sbx *sb, const char *id)
{
	size_t i;

	for (i = 0; i < sb->nfeeds; i++)
		if (strcmp(sb->feeds[i]->id, id) == 0)
			return sb->feeds[i];
	return NULL;
}

/* A new document with a random UUID-shaped id. Caller holds the lock. */
static struct sbx_fdoc *
fdoc_new(struct sbx *sb)
{
	struct sbx_fdoc *d;
	char h[33];

	if (grow((void **)&sb->fdocs, &sb->fdocs_cap, sb->nfdocs, sizeof *sb->fdocs) < 0 ||
	    sbx_random_hex(h, 16) < 0 || (d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	snprintf(d->id, sizeof d->id, "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	sb->fdocs[sb->nfdocs++] = d;
	return d;
}

int
sbx_fdoc_add_result(struct sbx *sb, unsigned char *data, size_t len, char *out)
{
	struct sbx_fdoc *d = fdoc_new(sb);

	if (d == NULL) {
		free(data);
		return SC_ENOMEM;
	}
	d->data = data;
	d->len = len;
	d->uploaded = 1;
	d->is_result = 1;
	d->gzip = 1;
	snprintf(d->content_type, sizeof d->content_type, "text/xml; charset=UTF-8");
	snprintf(out, 48, "%s", d->id);
	return 0;
}

int
sbx_fdoc_add_report(struct sbx *sb, unsigned char *data, size_t len, int gzip,
                    const char *content_type, char *out)
{
	struct sbx_fdoc *d = fdoc_new(sb);

	if (d == NULL) {
		free(data);
		return SC_ENOMEM;
	}
	d->data = data;
	d->len = len;
	d->uploaded = 1;
	d->is_report = 1;
	d->gzip = gzip;
	snprintf(d->content_type, sizeof d->content_type, "%s", content_type);
	snprintf(out, 48, "%s", d->id);
	return 0;
}

void
sbx_feeds_advance(struct sbx *sb)
{
	int64_t now = sbx_now_ms();
	size_t i;

	for (i = 0; i < sb->nfeeds; i++)
		if (!sb->feeds[i]->processed && now >= sb->feeds[i]->end_ms)
			sbx_feedproc_run(sb, sb->feeds[i]);
}

/* ---- presigned URLs ----------------------------------------------------------- */

static uint64_t
url_signature(const struct sbx *sb, const char *kind, const char *id, int64_t expires)
{
	char text[160];
	int n = snprintf(text, sizeof text, "%s|%s|%" PRId64, kind, id, expires);

	return sbx_hash64(text, (size_t)n, sb->page_secret ^ 0x5a5a5a5aULL);
}

static void
url_make(struct buf *out, const struct sbx *sb, const char *kind, const char *id, int gzip_ce)
{
	int64_t life = (int64_t)(URL_LIFETIME_MS / sb->time_scale);
	int64_t expires = sbx_now_ms() + (life > URL_LIFETIME_MIN_MS ? life : URL_LIFETIME_MIN_MS);

	buf_printf(out, "http://%s/_%s/%s?X-Amz-Expires-Ms=%" PRId64 "&X-Amz-Signature=%016" PRIx64
	           "%s", sb->host_port, kind, id, expires, url_signature(sb, kind, id, expires),
	           gzip_ce ? "&response-content-encoding=gzip" : "");
}

void
sbx_fdoc_download_url(struct buf *out, const struct sbx *sb, const char *id, int gzip_ce)
{
	url_make(out, sb, "download", id, gzip_ce);
}

/* 0 when the URL's signature and expiry are good, else rp filled. */
static int
url_check(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, const char *kind,
          const char *id)
{
	const char *ex = sbx_params_get(&rq->query, "X-Amz-Expires-Ms");
	const char *sig = sbx_params_get(&rq->query, "X-Amz-Signature");
	char *end = NULL, want[24];
	int64_t expires;

	if (ex == NULL || sig == NULL) {
		sbx_reply_s3_error(rp, 403, "AccessDenied", "Access Denied");
		return -1;
	}
	expires = strtoll(ex, &end, 10);
	snprintf(want, sizeof want, "%016" PRIx64, url_signature(sb, kind, id, expires));
	if (*end != '\0' || strcmp(want, sig) != 0) {
		sbx_reply_s3_error(rp, 403, "SignatureDoesNotMatch",
		                   "The request signature we calculated does not match the signature "
		                   "you provided.");
		return -1;
	}
	if (sbx_now_ms() > expires) {
		sbx_reply_s3_error(rp, 403, "AccessDenied", "Request has expired");
		return -1;
	}
	return 0;
}

/* Content types equal up to case and blanks. */
static int
ctype_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
		a++;
		b++;
	}
}

void
sbx_feeds_s3(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	int upload = rq->op == SBX_OP_DOC_UPLOAD;
	const char *id = rq->path + strlen(upload ? "/_upload/" : "/_download/");
	const char *ct = sbx_req_header(rq, "Content-Type");
	const char *ce = sbx_params_get(&rq->query, "response-content-encoding");
	struct sbx_fdoc *d;
	unsigned char *copy = NULL;

	if (strcmp(rq->method, upload ? "PUT" : "GET") != 0) {
		sbx_reply_s3_error(rp, 405, "MethodNotAllowed",
		                   "The specified method is not allowed against this resource.");
		return;
	}
	if (url_check(sb, rq, rp, upload ? "upload" : "download", id) < 0)
		return;
	pthread_mutex_lock(&sb->lock);
	d = sbx_fdoc_find(sb, id);
	if (d == NULL || (!upload && !d->uploaded) || (upload && (d->is_result || d->is_report))) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_s3_error(rp, 404, "NoSuchKey", "The specified key does not exist.");
		return;
	}
	if (upload) {
		if (ct == NULL || !ctype_eq(ct, d->content_type)) {
			pthread_mutex_unlock(&sb->lock);
			sbx_reply_s3_error(rp, 403, "SignatureDoesNotMatch",
			                   "The request signature we calculated does not match the "
			                   "signature you provided. (Content-Type must be the document's "
			                   "contentType.)");
			return;
		}
		copy = malloc(rq->body.len ? rq->body.len : 1);
		if (copy != NULL) {
			if (rq->body.len > 0)
				memcpy(copy, rq->body.data, rq->body.len);
			free(d->data);
			d->data = copy;
			d->len = rq->body.len;
			d->uploaded = 1;
		}
		pthread_mutex_unlock(&sb->lock);
		rp->status = copy ? 200 : 500;
		return;
	}
	rp->status = 200;
	buf_append(&rp->body, d->data, d->len);
	rp->content_type = d->content_type;    /* documents live until exit */
	pthread_mutex_unlock(&sb->lock);
	rp->content_encoding = d->gzip && ce != NULL && strcmp(ce, "gzip") == 0 ? "gzip"
	                       : "identity";
}

/* ---- the API ------------------------------------------------------------------------ */

static void
feed_json(struct buf *b, const struct sbx_feed *f, int64_t now)
{
	const char *status = now < f->start_ms ? "IN_QUEUE" : now < f->end_ms ? "IN_PROGRESS"
	                     : f->fatal ? "FATAL" : "DONE";
	char when[32];

	buf_puts(b, "{\"feedId\":");
	sbx_buf_json_str(b, f->id);
	buf_puts(b, ",\"feedType\":");
	sbx_buf_json_str(b, f->type);
	buf_printf(b, ",\"marketplaceIds\":%s", f->marketplaces);
	sbx_time_format(when, sizeof when, f->created_ms);
	buf_printf(b, ",\"createdTime\":\"%s\",\"processingStatus\":\"%s\"", when, status);
	if (now >= f->start_ms) {
		sbx_time_format(when, sizeof when, f->start_ms);
		buf_printf(b, ",\"processingStartTime\":\"%s\"", when);
	}
	if (now >= f->end_ms) {
		sbx_time_format(when, sizeof when, f->end_ms);
		buf_printf(b, ",\"processingEndTime\":\"%s\"", when);
		if (f->result_doc[0] != '\0')
			buf_printf(b, ",\"resultFeedDocumentId\":\"%s\"", f->result_doc);
	}
	buf_puts(b, "}");
}

static void
create_feed_document(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	json_object *body = sbx_amazon_body(rq, rp);
	const char *ct = sbx_json_str(body, "contentType");
	struct sbx_fdoc *d = NULL;

	if (body == NULL)
		return;
	if (ct == NULL || *ct == '\0' || strlen(ct) >= sizeof d->content_type) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", "contentType is required.");
		goto done;
	}
	pthread_mutex_lock(&sb->lock);
	d = fdoc_new(sb);
	if (d != NULL) {
		snprintf(d->content_type, sizeof d->content_type, "%s", ct);
		rp->status = 201;
		buf_puts(&rp->body, "{\"feedDocumentId\":");
		sbx_buf_json_str(&rp->body, d->id);
		buf_puts(&rp->body, ",\"url\":\"");
		url_make(&rp->body, sb, "upload", d->id, 0);
		buf_puts(&rp->body, "\"}");
	}
	pthread_mutex_unlock(&sb->lock);
	if (d == NULL)
		sbx_reply_amazon_error(rp, 500, "InternalFailure", "Out of memory.");
	else
		sbx_amazon_rate_header(sb, rp, &sb->bucket_feed_doc);
done:
	json_object_put(body);
}

static void
create_feed(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	json_object *body = sbx_amazon_body(rq, rp), *mp = NULL;
	const char *type = sbx_json_str(body, "feedType");
	const char *doc = sbx_json_str(body, "inputFeedDocumentId");
	struct sbx_feed *f = NULL;
	struct sbx_fdoc *d;
	int64_t delay;
	size_t i, n = 0;

	if (body == NULL)
		return;
	if (json_object_object_get_ex(body, "marketplaceIds", &mp) &&
	    json_object_is_type(mp, json_type_array))
		n = json_object_array_length(mp);
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(mp, i), json_type_string))
			n = 0;
	if (type == NULL || *type == '\0' || strlen(type) >= sizeof f->type || doc == NULL ||
	    n < 1 || n > 25) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", "feedType, marketplaceIds (1 to 25) and "
		                       "inputFeedDocumentId are required.");
		goto done;
	}
	pthread_mutex_lock(&sb->lock);
	d = sbx_fdoc_find(sb, doc);
	if (d == NULL || d->is_result || d->is_report) {
		pthread_mutex_unlock(&sb->lock);
		sbx_reply_amazon_error(rp, 400, "InvalidInput", "Invalid inputFeedDocumentId.");
		goto done;
	}
	if (grow((void **)&sb->feeds, &sb->feeds_cap, sb->nfeeds, sizeof *sb->feeds) == 0 &&
	    (f = calloc(1, sizeof *f)) != NULL &&
	    (f->marketplaces = strdup(json_object_to_json_string_ext(mp, SBX_JSON_FLAGS))) != NULL) {
		snprintf(f->id, sizeof f->id, "%" PRIu64, sb->next_feed_id++);
		snprintf(f->type, sizeof f->type, "%s", type);
		snprintf(f->input_doc, sizeof f->input_doc, "%s", doc);
		delay = (int64_t)((double)sb->feed_delay_ms / sb->time_scale);
		f->created_ms = sbx_now_ms();
		f->start_ms = f->created_ms + delay / 2;
		f->end_ms = f->created_ms + delay;
		sb->feeds[sb->nfeeds++] = f;
		rp->status = 202;
		buf_printf(&rp->body, "{\"feedId\":\"%s\"}", f->id);
	} else if (f != NULL) {
		free(f);
		f = NULL;
	}
	pthread_mutex_unlock(&sb->lock);
	if (f == NULL)
		sbx_reply_amazon_error(rp, 500, "InternalFailure", "Out of memory.");
	else
		sbx_amazon_rate_header(sb, rp, &sb->bucket_feed_create);
done:
	json_object_put(body);
}

static void
get_feed(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *id = rq->path + strlen(FEEDS_PREFIX "feeds/");
	struct sbx_feed *f;

	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	f = feed_find(sb, id);
	if (f != NULL) {
		rp->status = 200;
		feed_json(&rp->body, f, sbx_now_ms());
	}
	pthread_mutex_unlock(&sb->lock);
	if (f == NULL)
		sbx_reply_amazon_error(rp, 404, "NotFound", "The specified resource does not exist.");
	else
		sbx_amazon_rate_header(sb, rp, &sb->bucket_feed_get);
}

static void
get_feed_document(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *id = rq->path + strlen(FEEDS_PREFIX "documents/");
	const char *ce = sbx_params_get(&rq->query, "enableContentEncodingUrlHeader");
	struct sbx_fdoc *d;

	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	d = sbx_fdoc_find(sb, id);
	if (d != NULL && d->is_report)
		d = NULL;               /* a report's document is no feed document */
	if (d != NULL) {
		rp->status = 200;
		buf_puts(&rp->body, "{\"feedDocumentId\":");
		sbx_buf_json_str(&rp->body, d->id);
		buf_puts(&rp->body, ",\"url\":\"");
		url_make(&rp->body, sb, "download", d->id,
		         d->is_result && ce != NULL && strcmp(ce, "true") == 0);
		buf_puts(&rp->body, d->is_result ? "\",\"compressionAlgorithm\":\"GZIP\"}" : "\"}");
	}
	pthread_mutex_unlock(&sb->lock);
	if (d == NULL)
		sbx_reply_amazon_error(rp, 404, "NotFound", "The specified resource does not exist.");
	else
		sbx_amazon_rate_header(sb, rp, &sb->bucket_feed_doc_get);
}

void
sbx_feeds_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	rp->content_type = "application/json";
	switch (rq->op) {
	case SBX_OP_CREATE_FEED_DOC: create_feed_document(sb, rq, rp); break;
	case SBX_OP_CREATE_FEED: create_feed(sb, rq, rp); break;
	case SBX_OP_GET_FEED: get_feed(sb, rq, rp); break;
	case SBX_OP_GET_FEED_DOC: get_feed_document(sb, rq, rp); break;
	default: sbx_reply_amazon_error(rp, 404, "NotFound", "Resource not found."); break;
	}
}

/* ---- control ------------------------------------------------------------------------- */

void
sbx_feeds_inspect(struct sbx *sb, struct sbx_reply *rp)
{
	struct buf *b = &rp->body;
	int64_t now = sbx_now_ms();
	size_t i, j;

	rp->status = 200;
	buf_puts(b, "[");
	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	for (i = 0; i < sb->nfeeds; i++) {
		const struct sbx_feed *f = sb->feeds[i];
		const struct sbx_fdoc *d = sbx_fdoc_find(sb, f->input_doc);

		buf_puts(b, i ? "," : "");
		feed_json(b, f, now);
		b->data[--b->len] = '\0';          /* reopen the object */
		buf_puts(b, ",\"inputFeedDocumentId\":");
		sbx_buf_json_str(b, f->input_doc);
		buf_puts(b, ",\"document\":");
		if (d != NULL && d->uploaded) {
			char *text = strndup((const char *)d->data, d->len);

			sbx_buf_json_str(b, text ? text : "");
			free(text);
		} else {
			buf_puts(b, "null");
		}
		buf_puts(b, ",\"messages\":[");
		for (j = 0; j < f->nmsgs; j++) {
			const struct sbx_fmsg *m = &f->msgs[j];

			buf_printf(b, "%s{\"messageId\":%ld,\"amazonOrderId\":", j ? "," : "", m->message_id);
			sbx_buf_json_str(b, m->order_id);
			buf_printf(b, ",\"result\":\"%s\"", m->ok ? "accepted" : "error");
			if (!m->ok) {
				buf_printf(b, ",\"code\":\"%s\",\"description\":", m->code);
				sbx_buf_json_str(b, m->description ? m->description : "");
			}
			buf_puts(b, "}");
		}
		buf_puts(b, "],\"report\":");
		if (f->report != NULL)
			sbx_buf_json_str(b, f->report);
		else
			buf_puts(b, "null");
		buf_puts(b, "}");
	}
	pthread_mutex_unlock(&sb->lock);
	buf_puts(b, "]");
}

int
sbx_feeds_script_error(struct sbx *sb, json_object *doc, char *err, size_t errn)
{
	const char *oid = sbx_json_str(doc, "order_id"), *code = sbx_json_str(doc, "code");
	const char *desc = sbx_json_str(doc, "description");
	json_object *cnt = NULL;
	struct sbx_feed_error *e, *nv;
	long count = 1;

	if (json_object_object_get_ex(doc, "count", &cnt))
		count = (long)json_object_get_int64(cnt);
	if (oid == NULL || code == NULL || strlen(oid) >= sizeof e->order_id ||
	    strlen(code) >= sizeof e->code || *code == '\0' || count < 1) {
		snprintf(err, errn, "expected {\"order_id\":\"...\",\"code\":\"18050\","
		         "\"description\"?:\"...\",\"count\"?:1}");
		return SC_EINVALID;
	}
	pthread_mutex_lock(&sb->lock);
	nv = realloc(sb->feed_errors, (sb->nfeed_errors + 1) * sizeof *nv);
	if (nv != NULL) {
		sb->feed_errors = nv;
		e = &nv[sb->nfeed_errors++];
		memset(e, 0, sizeof *e);
		snprintf(e->order_id, sizeof e->order_id, "%s", oid);
		snprintf(e->code, sizeof e->code, "%s", code);
		e->description = strdup(desc ? desc : "The request could not be processed.");
		e->count = count;
	}
	pthread_mutex_unlock(&sb->lock);
	if (nv == NULL) {
		snprintf(err, errn, "out of memory");
		return SC_ENOMEM;
	}
	return 0;
}
