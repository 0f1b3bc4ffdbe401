/* amazon.c: the SP-API side: the LWA token endpoint, Orders API 2026-01-01
 * searchOrders and getOrder, the documented token-bucket limits, and the
 * includedData data sets (amounts only come with the sets asked for).
 * Finances (finances.c), Feeds (feeds.c) and Reports (reports.c) are
 * dispatched from here after auth and their rate limits; Orders v0
 * confirmShipment goes to amzship.c with the outcome of the auth check. */
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/amzship.h"
#include "connector/error.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMZ_MAX_LIST 64
#define AMZ_TOKEN_LIFETIME_S 3600

enum {
	DS_BUYER = 1 << 0, DS_RECIPIENT = 1 << 1, DS_PROCEEDS = 1 << 2, DS_EXPENSE = 1 << 3,
	DS_PROMOTION = 1 << 4, DS_CANCELLATION = 1 << 5, DS_FULFILLMENT = 1 << 6,
	DS_PACKAGES = 1 << 7, DS_TAX = 1 << 8, DS_PAYMENT = 1 << 9, DS_FULFILLMENT_ORDERS = 1 << 10
};

static const struct {
	const char *name;
	unsigned bit;
} amz_datasets[] = {
	{ "BUYER", DS_BUYER }, { "RECIPIENT", DS_RECIPIENT }, { "PROCEEDS", DS_PROCEEDS },
	{ "EXPENSE", DS_EXPENSE }, { "PROMOTION", DS_PROMOTION },
	{ "CANCELLATION", DS_CANCELLATION }, { "FULFILLMENT", DS_FULFILLMENT },
	{ "PACKAGES", DS_PACKAGES }, { "TAX", DS_TAX }, { "PAYMENT", DS_PAYMENT },
	{ "FULFILLMENT_ORDERS", DS_FULFILLMENT_ORDERS },
};

/* Which member of an Order / OrderItem belongs to which data set. */
static const struct {
	const char *key;
	unsigned bit;
} amz_order_keys[] = {
	{ "buyer", DS_BUYER }, { "recipient", DS_RECIPIENT }, { "proceeds", DS_PROCEEDS },
	{ "payment", DS_PAYMENT }, { "tax", DS_TAX }, { "fulfillment", DS_FULFILLMENT },
	{ "packages", DS_PACKAGES }, { "fulfillmentOrders", DS_FULFILLMENT_ORDERS },
}, amz_item_keys[] = {
	{ "proceeds", DS_PROCEEDS }, { "expense", DS_EXPENSE }, { "promotion", DS_PROMOTION },
	{ "cancellation", DS_CANCELLATION }, { "fulfillment", DS_FULFILLMENT }, { "tax", DS_TAX },
};

static const char *const amz_fstatuses[] = {
	"PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED",
	"CANCELLED", "UNFULFILLABLE", NULL
};
static const char *const amz_fulfilled_by[] = { "MERCHANT", "AMAZON", NULL };

void
sbx_amazon_init(struct sbx *sb)
{
	int64_t now = sbx_mono_ms();

	sb->bucket_search = (struct sbx_bucket){ 0.0056, 20, 20, now, "0.0056" };
	sb->bucket_get = (struct sbx_bucket){ 0.5, 30, 30, now, "0.5" };
	sb->bucket_fin = (struct sbx_bucket){ 0.5, 30, 30, now, "0.5" };
	sb->bucket_fin_order = (struct sbx_bucket){ 0.5, 30, 30, now, "0.5" };
	sb->bucket_feed_doc = (struct sbx_bucket){ 0.5, 15, 15, now, "0.5" };
	sb->bucket_feed_create = (struct sbx_bucket){ 0.0083, 15, 15, now, "0.0083" };
	sb->bucket_feed_get = (struct sbx_bucket){ 2.0, 15, 15, now, "2.0" };
	sb->bucket_feed_doc_get = (struct sbx_bucket){ 0.0222, 10, 10, now, "0.0222" };
	sb->page_secret = sbx_hash64(&now, sizeof now, (uint64_t)(uintptr_t)sb);
}

/* 1 when a token was taken. */
static int
bucket_take(struct sbx *sb, struct sbx_bucket *b)
{
	int64_t now;
	int ok;

	if (!sb->limits)
		return 1;
	pthread_mutex_lock(&sb->lock);
	now = sbx_mono_ms();
	b->tokens += (double)(now - b->last_ms) / 1000.0 * b->rate * sb->time_scale;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last_ms = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&sb->lock);
	return ok;
}

static int
secret_eq(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

/* ---- LWA ----------------------------------------------------------------- */

static void
amazon_lwa(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	struct sbx_params form = { 0 };
	const char *grant;
	char token[96];
	int rc;

	if (strcmp(rq->method, "POST") != 0) {
		sbx_reply_oauth_error(rp, 405, "invalid_request", "The token endpoint accepts POST only");
		return;
	}
	if (sbx_params_parse(&form, buf_cstr(&rq->body), rq->body.len) < 0) {
		sbx_reply_oauth_error(rp, 400, "invalid_request", "Malformed request body");
		return;
	}
	grant = sbx_params_get(&form, "grant_type");
	if (grant == NULL || sbx_params_get(&form, "client_id") == NULL ||
	    sbx_params_get(&form, "client_secret") == NULL) {
		sbx_reply_oauth_error(rp, 400, "invalid_request",
		                      "The request is missing a required parameter");
	} else if (strcmp(grant, "refresh_token") != 0) {
		sbx_reply_oauth_error(rp, 400, "unsupported_grant_type",
		                      "The authorization grant type is not supported");
	} else if (!secret_eq(sbx_params_get(&form, "client_id"), sb->amz_client_id) ||
	           !secret_eq(sbx_params_get(&form, "client_secret"), sb->amz_client_secret)) {
		sbx_reply_oauth_error(rp, 400, "invalid_client", "Client authentication failed");
	} else if (!secret_eq(sbx_params_get(&form, "refresh_token"), sb->amz_refresh_token)) {
		sbx_reply_oauth_error(rp, 400, "invalid_grant",
		                      "The request has an invalid grant parameter : refresh_token");
	} else {
		pthread_mutex_lock(&sb->lock);
		rc = sbx_token_issue(sb, token, sizeof token, "Atza|", SBX_TOKEN_AMAZON,
		                     AMZ_TOKEN_LIFETIME_S);
		pthread_mutex_unlock(&sb->lock);
		if (rc < 0) {
			sbx_reply_oauth_error(rp, 500, "server_error", NULL);
		} else {
			rp->status = 200;
			rp->content_type = "application/json;charset=UTF-8";
			buf_puts(&rp->body, "{\"access_token\":");
			sbx_buf_json_str(&rp->body, token);
			buf_puts(&rp->body, ",\"refresh_token\":");
			sbx_buf_json_str(&rp->body, sb->amz_refresh_token);
			buf_printf(&rp->body, ",\"token_type\":\"bearer\",\"expires_in\":%d}",
			           AMZ_TOKEN_LIFETIME_S);
		}
	}
	sbx_params_free(&form);
}

/* ---- parameters ------------------------------------------------------------ */

struct amz_list {
	const char *v[AMZ_MAX_LIST];
	char *store[AMZ_MAX_LIST];
	size_t n;
};

static void
list_free(struct amz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->store[i]);
	l->n = 0;
}

/* All values of `key` (repeated or comma-separated). -1 when too many. */
static int
list_collect(struct amz_list *out, const struct sbx_params *q, const char *key)
{
	size_t i;

	out->n = 0;
	for (i = 0; i < q->n; i++) {
		const char *s = q->v[i].val;

		if (strcmp(q->v[i].key, key) != 0)
			continue;
		while (*s != '\0') {
			const char *comma = strchr(s, ',');
			size_t len = comma ? (size_t)(comma - s) : strlen(s);

			if (len > 0) {
				if (out->n == AMZ_MAX_LIST)
					return -1;
				out->store[out->n] = strndup(s, len);
				if (out->store[out->n] == NULL)
					return -1;
				out->v[out->n] = out->store[out->n];
				out->n++;
			}
			s += len + (comma ? 1 : 0);
		}
	}
	return 0;
}

static int
list_has(const struct amz_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* The first value not in `allowed`, or NULL. */
static const char *
list_invalid(const struct amz_list *l, const char *const *allowed)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		for (j = 0; allowed[j] != NULL && strcmp(allowed[j], l->v[i]) != 0; j++)
			;
		if (allowed[j] == NULL)
			return l->v[i];
	}
	return NULL;
}

/* includedData -> mask; 0 ok, -1 with the bad value in *bad. */
static int
datasets_parse(const struct sbx_params *q, unsigned *mask, char *bad, size_t badn)
{
	struct amz_list l;
	size_t i, j;
	int rc = 0;

	*mask = 0;
	if (list_collect(&l, q, "includedData") < 0) {
		snprintf(bad, badn, "(too many values)");
		rc = -1;
	}
	for (i = 0; i < l.n && rc == 0; i++) {
		for (j = 0; j < sizeof amz_datasets / sizeof amz_datasets[0]; j++)
			if (strcmp(amz_datasets[j].name, l.v[i]) == 0)
				break;
		if (j == sizeof amz_datasets / sizeof amz_datasets[0]) {
			snprintf(bad, badn, "%s", l.v[i]);
			rc = -1;
		} else {
			*mask |= amz_datasets[j].bit;
		}
	}
	list_free(&l);
	return rc;
}

/* Drop the members of data sets not asked for. */
static void
order_filter(json_object *order, unsigned mask)
{
	json_object *items = NULL;
	size_t i, j, n;

	for (i = 0; i < sizeof amz_order_keys / sizeof amz_order_keys[0]; i++)
		if (!(mask & amz_order_keys[i].bit))
			json_object_object_del(order, amz_order_keys[i].key);
	if (!json_object_object_get_ex(order, "orderItems", &items) ||
	    !json_object_is_type(items, json_type_array))
		return;
	n = json_object_array_length(items);
	for (j = 0; j < n; j++) {
		json_object *it = json_object_array_get_idx(items, j);

		for (i = 0; i < sizeof amz_item_keys / sizeof amz_item_keys[0]; i++)
			if (!(mask & amz_item_keys[i].bit))
				json_object_object_del(it, amz_item_keys[i].key);
	}
}

static int
amazon_authorized(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *tok = sbx_req_header(rq, "x-amz-access-token");
	int ok;

	pthread_mutex_lock(&sb->lock);
	ok = tok != NULL && sbx_token_valid(sb, tok, SBX_TOKEN_AMAZON);
	pthread_mutex_unlock(&sb->lock);
	if (!ok)
		sbx_reply_amazon_error(rp, 403, "Unauthorized", "Access to requested resource is denied.");
	return ok;
}

int
sbx_amazon_limited(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp, struct sbx_bucket *b)
{
	if (bucket_take(sb, b))
		return 0;
	atomic_fetch_add(&sb->throttled[rq->op], 1);
	sbx_reply_amazon_error(rp, 429, "QuotaExceeded",
	                       "You exceeded your quota for the requested resource.");
	return 1;
}

void
sbx_amazon_rate_header(const struct sbx *sb, struct sbx_reply *rp, const struct sbx_bucket *b)
{
	snprintf(rp->rate_limit, sizeof rp->rate_limit, "%s",
	         sb->limits ? b->rate_text : SB_RATE_UNLIMITED);
}

json_object *
sbx_amazon_body(struct sbx_req *rq, struct sbx_reply *rp)
{
	char err[160], msg[220];
	json_object *o = sbx_json_parse(buf_cstr(&rq->body), rq->body.len, err, sizeof err);

	if (o != NULL && json_object_is_type(o, json_type_object))
		return o;
	snprintf(msg, sizeof msg, "The request body is not a JSON object%s%s.", o ? "" : ": ",
	         o ? "" : err);
	json_object_put(o);
	sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
	return NULL;
}

/* ---- searchOrders ------------------------------------------------------------ */

struct amz_search {
	int by_created;
	int64_t after_ms, before_ms;
	long max;
	unsigned mask;
	struct amz_list mp, fs, fb;
	uint64_t fingerprint;
	int64_t last_ms;          /* from the pagination token */
	char last_id[64];
	int has_last;
};

static void
token_encode(struct buf *out, const struct sbx *sb, const struct amz_search *s,
             int64_t last_ms, const char *last_id)
{
	char payload[256];
	int n;

	n = snprintf(payload, sizeof payload, "1|%016" PRIx64 "|%d|%" PRId64 "|%" PRId64 "|%s|%" PRId64,
	             s->fingerprint, s->by_created, s->before_ms, last_ms, last_id, sbx_now_ms());
	n += snprintf(payload + n, sizeof payload - (size_t)n, "|%016" PRIx64,
	              sbx_hash64(payload, (size_t)n, sb->page_secret));
	sbx_base64_encode(out, (const unsigned char *)payload, (size_t)n);
}

/* 0 ok, else a message in msg. */
static int
token_decode(struct amz_search *s, const struct sbx *sb, const char *tok, char *msg, size_t msgn)
{
	unsigned char *raw = NULL;
	size_t len = 0, i;
	char *f[8] = { 0 };
	char *p, *end;
	uint64_t fp;
	int64_t issued;
	int nf = 0, by_created, rc = -1;

	if (sbx_base64_decode(&raw, &len, tok, strlen(tok)) < 0 || len < 20 || len > 250)
		goto done;
	p = (char *)raw;
	p[len] = '\0';
	for (i = len; i > 0 && p[i - 1] != '|'; i--)
		;
	if (i == 0 || sbx_hash64(p, i - 1, sb->page_secret) != strtoull(p + i, &end, 16) || *end)
		goto done;
	f[nf++] = p;
	for (; *p != '\0' && nf < 8; p++)
		if (*p == '|') {
			*p = '\0';
			f[nf++] = p + 1;
		}
	if (nf != 8 || strcmp(f[0], "1") != 0)
		goto done;
	fp = strtoull(f[1], &end, 16);
	by_created = f[2][0] == '1';
	s->before_ms = strtoll(f[3], &end, 10);
	s->last_ms = strtoll(f[4], &end, 10);
	snprintf(s->last_id, sizeof s->last_id, "%s", f[5]);
	issued = strtoll(f[6], &end, 10);
	if (fp != s->fingerprint || by_created != s->by_created) {
		snprintf(msg, msgn, "The paginationToken does not match the other request parameters. "
		         "Repeat the values of the first request.");
		rc = -2;
		goto done;
	}
	if (sbx_now_ms() - issued > (int64_t)(86400000.0 / sb->time_scale)) {
		snprintf(msg, msgn, "The paginationToken has expired.");
		rc = -2;
		goto done;
	}
	s->has_last = 1;
	rc = 0;
done:
	if (rc == -1)
		snprintf(msg, msgn, "Invalid paginationToken.");
	free(raw);
	return rc;
}

static uint64_t
search_fingerprint(const struct sbx_params *q)
{
	static const char *const keys[] = {
		"createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore",
		"fulfillmentStatuses", "marketplaceIds", "fulfilledBy", "maxResultsPerPage",
		"includedData",
	};
	uint64_t h = 0;
	size_t i, j;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		h = sbx_hash64(keys[i], strlen(keys[i]) + 1, h);
		for (j = 0; j < q->n; j++)
			if (strcmp(q->v[j].key, keys[i]) == 0)
				h = sbx_hash64(q->v[j].val, strlen(q->v[j].val) + 1, h);
	}
	return h;
}

/* Validate like SP-API; 0 ok, else msg filled. */
static int
search_parse(struct sbx *sb, struct amz_search *s, const struct sbx_params *q, char *msg,
             size_t msgn)
{
	const char *ca = sbx_params_get(q, "createdAfter"), *cb = sbx_params_get(q, "createdBefore");
	const char *la = sbx_params_get(q, "lastUpdatedAfter");
	const char *lb = sbx_params_get(q, "lastUpdatedBefore");
	const char *mx = sbx_params_get(q, "maxResultsPerPage");
	const char *tok = sbx_params_get(q, "paginationToken");
	const char *after, *before;
	int64_t now = sbx_now_ms(), latest = now - (int64_t)(120000.0 / sb->time_scale);
	char badv[64];

	if (list_collect(&s->mp, q, "marketplaceIds") < 0 || s->mp.n > 50) {
		snprintf(msg, msgn, "marketplaceIds accepts at most 50 values.");
		return -1;
	}
	if (s->mp.n == 0) {
		snprintf(msg, msgn, "Missing required parameter: marketplaceIds.");
		return -1;
	}
	if ((ca == NULL) == (la == NULL)) {
		snprintf(msg, msgn, "Exactly one of createdAfter and lastUpdatedAfter must be provided.");
		return -1;
	}
	if ((ca != NULL && lb != NULL) || (la != NULL && cb != NULL)) {
		snprintf(msg, msgn, ca ? "lastUpdatedBefore cannot be used with createdAfter."
		                       : "createdBefore cannot be used with lastUpdatedAfter.");
		return -1;
	}
	s->by_created = ca != NULL;
	after = ca ? ca : la;
	before = ca ? cb : lb;
	if (sbx_time_parse(&s->after_ms, after) < 0) {
		snprintf(msg, msgn, "Invalid %s: '%.40s' is not an ISO 8601 date-time.",
		         ca ? "createdAfter" : "lastUpdatedAfter", after);
		return -1;
	}
	s->before_ms = latest;
	if (before != NULL) {
		if (sbx_time_parse(&s->before_ms, before) < 0) {
			snprintf(msg, msgn, "Invalid %s: '%.40s' is not an ISO 8601 date-time.",
			         ca ? "createdBefore" : "lastUpdatedBefore", before);
			return -1;
		}
		if (s->before_ms > latest + 1000) {
			snprintf(msg, msgn, "%s must be at least two minutes before the time of the request.",
			         ca ? "createdBefore" : "lastUpdatedBefore");
			return -1;
		}
	}
	if (s->after_ms > s->before_ms) {
		snprintf(msg, msgn, "%s must be before %s.", ca ? "createdAfter" : "lastUpdatedAfter",
		         before ? (ca ? "createdBefore" : "lastUpdatedBefore")
		                : "two minutes before the time of the request");
		return -1;
	}
	s->max = 100;
	if (mx != NULL) {
		char *end = NULL;

		s->max = strtol(mx, &end, 10);
		if (*mx == '\0' || *end != '\0' || s->max < 1 || s->max > 100) {
			snprintf(msg, msgn, "maxResultsPerPage must be an integer between 1 and 100.");
			return -1;
		}
	}
	if (list_collect(&s->fs, q, "fulfillmentStatuses") < 0 ||
	    list_invalid(&s->fs, amz_fstatuses) != NULL) {
		snprintf(msg, msgn, "Invalid fulfillmentStatuses value.");
		return -1;
	}
	if (list_collect(&s->fb, q, "fulfilledBy") < 0 ||
	    list_invalid(&s->fb, amz_fulfilled_by) != NULL) {
		snprintf(msg, msgn, "Invalid fulfilledBy value.");
		return -1;
	}
	if (datasets_parse(q, &s->mask, badv, sizeof badv) < 0) {
		snprintf(msg, msgn, "Invalid includedData value: %.40s.", badv);
		return -1;
	}
	s->fingerprint = search_fingerprint(q);
	if (tok != NULL && token_decode(s, sb, tok, msg, msgn) < 0)
		return -1;
	return 0;
}

static int
search_matches(const struct amz_search *s, const struct sbx_order *o)
{
	if (!list_has(&s->mp, o->marketplace))
		return 0;
	if (s->fs.n > 0 && !list_has(&s->fs, o->fstatus))
		return 0;
	if (s->fb.n > 0 && !list_has(&s->fb, o->fby))
		return 0;
	return 1;
}

/* Index of the first order whose key is >= (ms, id) (id NULL: any id). */
static size_t
lower_bound(struct sbx_order **a, size_t n, int by_created, int64_t ms, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t t = by_created ? a[mid]->created_ms : a[mid]->updated_ms;
		int less = t < ms || (t == ms && id != NULL && strcmp(a[mid]->id, id) < 0);

		if (less)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct amz_hit {
	long gen;
	char *json;
};

static void
amazon_search(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	struct amz_search s;
	struct amz_hit hits[100];
	size_t nhits = 0, i, n, start;
	struct sbx_order **arr;
	char msg[200], when[32], last_id[64] = "";
	int64_t last_ms = 0;
	int more = 0;

	memset(&s, 0, sizeof s);
	if (search_parse(sb, &s, &rq->query, msg, sizeof msg) < 0) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
		goto done;
	}
	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);   /* cancellation feeds due change orders */
	sbx_orders_sort(sb);
	arr = s.by_created ? sb->orders.by_created : sb->orders.by_updated;
	n = sb->orders.len;
	if (s.has_last) {
		start = lower_bound(arr, n, s.by_created, s.last_ms, s.last_id);
		if (start < n && strcmp(arr[start]->id, s.last_id) == 0 &&
		    (s.by_created ? arr[start]->created_ms : arr[start]->updated_ms) == s.last_ms)
			start++;
	} else {
		start = lower_bound(arr, n, s.by_created, s.after_ms, NULL);
	}
	for (i = start; i < n; i++) {
		struct sbx_order *o = arr[i];
		int64_t t = s.by_created ? o->created_ms : o->updated_ms;

		if (t > s.before_ms || (t < s.after_ms))
			break;
		if (!search_matches(&s, o))
			continue;
		if (nhits == (size_t)s.max) {
			more = 1;
			break;
		}
		hits[nhits].gen = o->gen_index;
		hits[nhits].json = o->gen_index >= 0 ? NULL : strdup(o->json);
		nhits++;
		last_ms = t;
		snprintf(last_id, sizeof last_id, "%s", o->id);
	}
	pthread_mutex_unlock(&sb->lock);

	rp->status = 200;
	rp->content_type = "application/json";
	buf_puts(&rp->body, "{\"orders\":[");
	for (i = 0; i < nhits; i++) {
		json_object *o = hits[i].gen >= 0 ? sbx_generate_order(sb, hits[i].gen)
		                 : hits[i].json ? sbx_json_parse(hits[i].json, strlen(hits[i].json), NULL, 0)
		                 : NULL;

		if (o == NULL)
			continue;
		order_filter(o, s.mask);
		if (i > 0)
			buf_puts(&rp->body, ",");
		buf_puts(&rp->body, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
		json_object_put(o);
	}
	buf_puts(&rp->body, "]");
	if (more) {
		buf_puts(&rp->body, ",\"pagination\":{\"nextToken\":\"");
		token_encode(&rp->body, sb, &s, last_ms, last_id);
		buf_puts(&rp->body, "\"}");
	}
	sbx_time_format(when, sizeof when, s.before_ms);
	buf_printf(&rp->body, ",\"%s\":\"%s\"}", s.by_created ? "createdBefore" : "lastUpdatedBefore",
	           when);
	sbx_amazon_rate_header(sb, rp, &sb->bucket_search);
	for (i = 0; i < nhits; i++)
		free(hits[i].json);
done:
	list_free(&s.mp);
	list_free(&s.fs);
	list_free(&s.fb);
}

/* ---- getOrder ------------------------------------------------------------------ */

static void
amazon_get_order(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *id = rq->path + strlen("/orders/2026-01-01/orders/");
	struct sbx_order *o;
	json_object *obj = NULL;
	unsigned mask = 0;
	char bad[64], msg[128];

	if (datasets_parse(&rq->query, &mask, bad, sizeof bad) < 0) {
		snprintf(msg, sizeof msg, "Invalid includedData value: %.40s.", bad);
		sbx_reply_amazon_error(rp, 400, "InvalidInput", msg);
		return;
	}
	pthread_mutex_lock(&sb->lock);
	sbx_feeds_advance(sb);
	o = sbx_orders_find(sb, id);
	if (o != NULL)
		obj = sbx_order_object(sb, o);
	pthread_mutex_unlock(&sb->lock);
	if (obj == NULL) {
		sbx_reply_amazon_error(rp, 404, "NotFound", "Order not found");
		return;
	}
	order_filter(obj, mask);
	rp->status = 200;
	rp->content_type = "application/json";
	buf_puts(&rp->body, "{\"order\":");
	buf_puts(&rp->body, json_object_to_json_string_ext(obj, SBX_JSON_FLAGS));
	buf_puts(&rp->body, "}");
	json_object_put(obj);
	sbx_amazon_rate_header(sb, rp, &sb->bucket_get);
}

/* The bucket and method of an SP-API operation; NULL for an unknown one. */
static struct sbx_bucket *
op_bucket(struct sbx *sb, enum sbx_op op, const char **method)
{
	*method = "GET";
	switch (op) {
	case SBX_OP_SEARCH_ORDERS: return &sb->bucket_search;
	case SBX_OP_GET_ORDER: return &sb->bucket_get;
	case SBX_OP_LIST_FIN_EVENTS: return &sb->bucket_fin;
	case SBX_OP_LIST_FIN_EVENTS_BY_ORDER: return &sb->bucket_fin_order;
	case SBX_OP_GET_FEED: return &sb->bucket_feed_get;
	case SBX_OP_GET_FEED_DOC: return &sb->bucket_feed_doc_get;
	case SBX_OP_CREATE_FEED_DOC: *method = "POST"; return &sb->bucket_feed_doc;
	case SBX_OP_CREATE_FEED: *method = "POST"; return &sb->bucket_feed_create;
	case SBX_OP_GET_REPORTS: return &sb->bucket_reports;
	case SBX_OP_GET_REPORT: return &sb->bucket_report_get;
	case SBX_OP_GET_REPORT_DOC: return &sb->bucket_report_doc;
	case SBX_OP_CREATE_REPORT: *method = "POST"; return &sb->bucket_report_create;
	default: return NULL;
	}
}

void
sbx_amazon_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	struct sbx_bucket *b;
	const char *method;

	if (rq->op == SBX_OP_LWA_TOKEN) {
		amazon_lwa(sb, rq, rp);
		return;
	}
	if (sbx_amzship_is_confirm(rq)) {   /* Orders v0 confirmShipment (amzship.c) */
		sbx_amzship_confirm(sb, rq, rp, amazon_authorized(sb, rq, rp));
		return;
	}
	if (!amazon_authorized(sb, rq, rp))
		return;
	b = op_bucket(sb, rq->op, &method);
	if (b == NULL) {
		sbx_reply_amazon_error(rp, 404, "NotFound", "Resource not found.");
		return;
	}
	if (strcmp(rq->method, method) != 0) {
		sbx_reply_amazon_error(rp, 405, "MethodNotAllowed", "Method not allowed.");
		return;
	}
	if (sbx_amazon_limited(sb, rq, rp, b))
		return;
	if (rq->op == SBX_OP_SEARCH_ORDERS)
		amazon_search(sb, rq, rp);
	else if (rq->op == SBX_OP_GET_ORDER)
		amazon_get_order(sb, rq, rp);
	else if (rq->op == SBX_OP_LIST_FIN_EVENTS || rq->op == SBX_OP_LIST_FIN_EVENTS_BY_ORDER)
		sbx_finances_handle(sb, rq, rp);
	else if (rq->op >= SBX_OP_GET_REPORTS && rq->op <= SBX_OP_GET_REPORT_DOC)
		sbx_reports_handle(sb, rq, rp);
	else
		sbx_feeds_handle(sb, rq, rp);
}
