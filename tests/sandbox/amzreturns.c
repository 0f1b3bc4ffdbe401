/* amzreturns.c: Amazon's returns reports (see amzreturns.h and README.md).
 *
 * The returns are rows {"order_id","sku","quantity","return_date","reason",
 * "type": "fba"|"merchant", ...} from the seed and the control API.
 * createReport with reportType GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA
 * (type fba) or GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE (type merchant)
 * makes a report of those whose return_date is in [dataStartTime,
 * dataEndTime] (both default to now, as the model says), oldest first:
 * a tab-separated text with the header the public fixtures show (13 FBA
 * columns, 32 merchant ones; the layouts are not in the Reports model),
 * missing values filled with plausible defaults. The report is reports.c's
 * (sbx_reports_add: Cp1252, gzip): IN_QUEUE when made and at its first
 * getReport, IN_PROGRESS at the second, then its end status: DONE with the document when it has
 * rows, CANCELLED without ("an automatic cancellation if there is no data
 * to return"), or what POST /_sandbox/amazon/returns scripted
 * ({"reportStatus":"FATAL","count":1,"reportType"?}).
 */
#include "tests/sandbox/amzreturns.h"
#include "connector/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MARKETPLACES 25
#define FUTURE_TOLERANCE_MS 1000

/* One column of a report: its header, the row member that fills it, the
 * value when the row has none (NULL: the row always has it). */
struct col {
	const char *header;
	const char *key;
	const char *def;
};

static const struct col fba_cols[] = {
	{ "return-date", "return_date", NULL },
	{ "order-id", "order_id", NULL },
	{ "sku", "sku", NULL },
	{ "asin", "asin", "B000000000" },
	{ "fnsku", "fnsku", "X000000000" },
	{ "product-name", "product_name", "" },
	{ "quantity", "quantity", NULL },
	{ "fulfillment-center-id", "fulfillment_center_id", "PHX7" },
	{ "detailed-disposition", "disposition", "SELLABLE" },
	{ "reason", "reason", "" },
	{ "status", "status", "Unit returned to inventory" },
	{ "license-plate-number", "license_plate_number", "" },
	{ "customer-comments", "customer_comments", "" },
	{ NULL, NULL, NULL }
};

static const struct col merchant_cols[] = {
	{ "Order ID", "order_id", NULL },
	{ "Order date", "order_date", "" },
	{ "Return request date", "return_date", NULL },
	{ "Return request status", "status", "Approved" },
	{ "Amazon RMA ID", "rma_id", "" },
	{ "Merchant RMA ID", "merchant_rma_id", "" },
	{ "Label type", "label_type", "" },
	{ "Label cost", "label_cost", "" },
	{ "Currency code", "currency", "" },
	{ "Return carrier", "carrier", "" },
	{ "Tracking ID", "tracking_id", "" },
	{ "Label to be paid by", "label_paid_by", "" },
	{ "A-to-Z Claim", "a_to_z_claim", "N" },
	{ "Is prime", "is_prime", "N" },
	{ "ASIN", "asin", "B000000000" },
	{ "Merchant SKU", "sku", NULL },
	{ "Item Name", "product_name", "" },
	{ "Return quantity", "quantity", NULL },
	{ "Return Reason", "reason", "" },
	{ "In policy", "in_policy", "Y" },
	{ "Return type", "return_type", "" },
	{ "Resolution", "resolution", "" },
	{ "Invoice number", "invoice_number", "" },
	{ "Return delivery date", "return_delivery_date", "" },
	{ "Order Amount", "order_amount", "" },
	{ "Order quantity", "order_quantity", "" },
	{ "SafeT Action reason", "safet_action_reason", "" },
	{ "SafeT claim id", "safet_claim_id", "" },
	{ "SafeT claim state", "safet_claim_state", "" },
	{ "SafeT claim creation time", "safet_claim_creation_time", "" },
	{ "SafeT claim reimbursement amount", "safet_claim_reimbursement_amount", "" },
	{ "Refunded Amount", "refunded_amount", "" },
	{ NULL, NULL, NULL }
};

struct ret_row {
	json_object *obj;        /* own reference; type and return_date normalized */
	int merchant;            /* 0 fba, 1 merchant */
	int64_t date_ms;
	uint64_t seq;
};

struct ret_report {
	char id[24];
	char type[64];
	char *request;           /* the createReport body as received */
	char final[16];          /* its end status */
	char doc_id[48];         /* its document, shown once DONE */
	int polls;
	int pending;
	size_t rows;
};

struct ret_script {
	char status[16];
	char type[64];           /* "" any returns type */
	long count;
};

/* Under sb->lock. */
static struct {
	struct ret_row *rows;
	size_t nrows, rows_cap;
	struct ret_report *reports;
	size_t nreports, reports_cap;
	struct ret_script *script;
	size_t nscript, script_cap;
	uint64_t seq;
} st;

int
sbx_returns_is_type(const char *type)
{
	return type != NULL && (strcmp(type, SBX_RETURNS_FBA_TYPE) == 0 ||
	                        strcmp(type, SBX_RETURNS_MERCHANT_TYPE) == 0);
}

/* ---- rows ------------------------------------------------------------------------- */

static int
known_key(const char *k)
{
	size_t i;

	if (strcmp(k, "type") == 0)
		return 1;
	for (i = 0; fba_cols[i].header != NULL; i++)
		if (strcmp(fba_cols[i].key, k) == 0)
			return 1;
	for (i = 0; merchant_cols[i].header != NULL; i++)
		if (strcmp(merchant_cols[i].key, k) == 0)
			return 1;
	return 0;
}

/* "2026-11-20T08:00:00+00:00" [the FBA report's form is unconfirmed] */
static void
date_text(char *out, size_t n, int64_t ms)
{
	char t[32];

	sbx_time_format(t, sizeof t, ms);
	t[strlen(t) - 1] = '\0';            /* the Z */
	snprintf(out, n, "%s+00:00", t);
}

static int
row_check(json_object *row, int64_t shift_ms, struct ret_row *out, char *err, size_t errn)
{
	const char *type, *rd, *oid, *sku;
	json_object *q = NULL;
	char when[40];

	memset(out, 0, sizeof(*out));
	if (row == NULL || !json_object_is_type(row, json_type_object)) {
		snprintf(err, errn, "a return is an object {\"order_id\", \"sku\", \"quantity\", "
		         "\"return_date\", \"reason\", \"type\"}");
		return SC_EINVALID;
	}
	type = sbx_json_str(row, "type");
	rd = sbx_json_str(row, "return_date");
	oid = sbx_json_str(row, "order_id");
	sku = sbx_json_str(row, "sku");
	json_object_object_foreach(row, k, v) {
		const char *s;

		if (!known_key(k)) {
			snprintf(err, errn, "unknown member \"%.40s\"", k);
			return SC_EINVALID;
		}
		if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int)) {
			snprintf(err, errn, "\"%.40s\" must be a string or an integer", k);
			return SC_EINVALID;
		}
		s = json_object_get_string(v);
		if (strpbrk(s, "\t\r\n") != NULL) {
			snprintf(err, errn, "\"%.40s\" holds a tab or a line break", k);
			return SC_EINVALID;
		}
	}
	if (type != NULL && strcmp(type, "fba") != 0 && strcmp(type, "merchant") != 0) {
		snprintf(err, errn, "type must be \"fba\" or \"merchant\"");
		return SC_EINVALID;
	}
	if (oid == NULL || *oid == '\0' || sku == NULL || *sku == '\0') {
		snprintf(err, errn, "order_id and sku must be non-empty strings");
		return SC_EINVALID;
	}
	if (json_object_object_get_ex(row, "quantity", &q) &&
	    (!json_object_is_type(q, json_type_int) || json_object_get_int64(q) < 1)) {
		snprintf(err, errn, "quantity must be a positive integer");
		return SC_EINVALID;
	}
	out->date_ms = sbx_now_ms() / 1000 * 1000;
	if (rd != NULL) {
		if (sbx_time_parse(&out->date_ms, rd) < 0) {
			snprintf(err, errn, "return_date must be an ISO 8601 date-time");
			return SC_EINVALID;
		}
		out->date_ms += shift_ms;
	} else if (json_object_object_get_ex(row, "return_date", NULL)) {
		snprintf(err, errn, "return_date must be an ISO 8601 date-time");
		return SC_EINVALID;
	}
	out->merchant = type != NULL && strcmp(type, "merchant") == 0;
	if ((out->obj = json_object_new_object()) == NULL)
		return SC_ENOMEM;
	json_object_object_foreach(row, k2, v2)
		json_object_object_add(out->obj, k2, json_object_get(v2));
	date_text(when, sizeof when, out->date_ms);
	json_object_object_add(out->obj, "return_date", json_object_new_string(when));
	json_object_object_add(out->obj, "type", json_object_new_string(out->merchant ? "merchant"
	                                                                              : "fba"));
	if (q == NULL)
		json_object_object_add(out->obj, "quantity", json_object_new_int(1));
	return 0;
}

int
sbx_returns_add(struct sbx *sb, json_object *rows, int64_t shift_ms, char *err, size_t errn)
{
	char why[200];
	size_t i, n;
	int rc;

	(void)sb;
	if (rows == NULL || !json_object_is_type(rows, json_type_array)) {
		snprintf(err, errn, "returns must be an array of return objects");
		return SC_EINVALID;
	}
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		struct ret_row r;

		if ((rc = row_check(json_object_array_get_idx(rows, i), shift_ms, &r, why,
		                    sizeof why)) < 0) {
			snprintf(err, errn, "returns[%zu]: %s", i, rc == SC_ENOMEM ? "out of memory" : why);
			return rc;
		}
		if (st.nrows == st.rows_cap) {
			size_t ncap = st.rows_cap ? st.rows_cap * 2 : 16;
			struct ret_row *nv = realloc(st.rows, ncap * sizeof *nv);

			if (nv == NULL) {
				json_object_put(r.obj);
				snprintf(err, errn, "out of memory");
				return SC_ENOMEM;
			}
			st.rows = nv;
			st.rows_cap = ncap;
		}
		r.seq = st.seq++;
		st.rows[st.nrows++] = r;
	}
	return 0;
}

/* ---- createReport ----------------------------------------------------------------- */

static int
row_before(const void *a, const void *b)
{
	const struct ret_row *x = *(const struct ret_row *const *)a;
	const struct ret_row *y = *(const struct ret_row *const *)b;

	if (x->date_ms != y->date_ms)
		return x->date_ms < y->date_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The report text of the rows of `merchant` type in [a, b]; *n rows. */
static char *
report_text(int merchant, int64_t a, int64_t b, size_t *n)
{
	const struct col *cols = merchant ? merchant_cols : fba_cols;
	const struct ret_row **hits = calloc(st.nrows + 1, sizeof *hits);
	struct buf t;
	size_t i, c;

	*n = 0;
	if (hits == NULL)
		return NULL;
	for (i = 0; i < st.nrows; i++)
		if (st.rows[i].merchant == merchant && st.rows[i].date_ms >= a &&
		    st.rows[i].date_ms <= b)
			hits[(*n)++] = &st.rows[i];
	qsort(hits, *n, sizeof *hits, row_before);
	buf_init(&t, 0);
	for (c = 0; cols[c].header != NULL; c++)
		buf_printf(&t, "%s%s", c ? "\t" : "", cols[c].header);
	buf_puts(&t, "\n");
	for (i = 0; i < *n; i++) {
		for (c = 0; cols[c].header != NULL; c++) {
			json_object *v = NULL;
			const char *s = cols[c].def;

			if (json_object_object_get_ex(hits[i]->obj, cols[c].key, &v))
				s = json_object_get_string(v);
			buf_printf(&t, "%s%s", c ? "\t" : "", s != NULL ? s : "");
		}
		buf_puts(&t, "\n");
	}
	free(hits);
	return buf_take(&t);
}

/* The end status scripted for the next report of `type`, or NULL. */
static const char *
script_take(const char *type, char *out, size_t n)
{
	size_t i;

	for (i = 0; i < st.nscript; i++) {
		if (st.script[i].type[0] != '\0' && strcmp(st.script[i].type, type) != 0)
			continue;
		snprintf(out, n, "%s", st.script[i].status);
		if (--st.script[i].count <= 0) {
			memmove(&st.script[i], &st.script[i + 1], (st.nscript - i - 1) * sizeof st.script[0]);
			st.nscript--;
		}
		return out;
	}
	return NULL;
}

static int
reports_push(struct ret_report *r)
{
	if (st.nreports == st.reports_cap) {
		size_t ncap = st.reports_cap ? st.reports_cap * 2 : 16;
		struct ret_report *nv = realloc(st.reports, ncap * sizeof *nv);

		if (nv == NULL)
			return SC_ENOMEM;
		st.reports = nv;
		st.reports_cap = ncap;
	}
	st.reports[st.nreports++] = *r;
	return 0;
}

/* An optional ISO 8601 member of the body (default `def`); -1 when bad. */
static int
body_time(json_object *body, const char *key, int64_t def, int64_t *out)
{
	const char *s = sbx_json_str(body, key);

	*out = def;
	if (!json_object_object_get_ex(body, key, NULL))
		return 0;
	return s != NULL && sbx_time_parse(out, s) == 0 ? 0 : -1;
}

void
sbx_returns_create_report(struct sbx *sb, const struct sbx_req *rq, json_object *body,
                          struct sbx_reply *rp)
{
	const char *type = sbx_json_str(body, "reportType");
	json_object *mp = NULL, *spec = NULL;
	struct ret_report rec;
	struct sbx_report *r;
	char *text = NULL, a[32], b[32], status[16], err[300], msg[400];
	int64_t now = sbx_now_ms(), start, end;
	size_t i, nmp, rows = 0;
	int rc;

	memset(&rec, 0, sizeof rec);
	json_object_object_get_ex(body, "marketplaceIds", &mp);
	nmp = json_object_array_length(mp);
	for (i = 0; i < nmp; i++) {
		const char *m = json_object_get_string(json_object_array_get_idx(mp, i));

		if (!json_object_is_type(json_object_array_get_idx(mp, i), json_type_string) ||
		    *m == '\0')
			break;
	}
	if (i < nmp || nmp > MAX_MARKETPLACES) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput",
		                       "marketplaceIds takes 1 to 25 non-empty strings.");
		return;
	}
	if (body_time(body, "dataStartTime", now, &start) < 0 ||
	    body_time(body, "dataEndTime", now, &end) < 0) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput",
		                       "dataStartTime and dataEndTime must be ISO 8601 date-times.");
		return;
	}
	if (start > now + FUTURE_TOLERANCE_MS || end > now + FUTURE_TOLERANCE_MS) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput", "dataStartTime and dataEndTime must "
		                       "be prior to or equal to the current date and time.");
		return;
	}
	if (start > end) {
		sbx_reply_amazon_error(rp, 400, "InvalidInput",
		                       "dataStartTime must be before dataEndTime.");
		return;
	}
	sbx_time_format(a, sizeof a, start);
	sbx_time_format(b, sizeof b, end);
	pthread_mutex_lock(&sb->lock);
	text = report_text(strcmp(type, SBX_RETURNS_MERCHANT_TYPE) == 0, start, end, &rows);
	if (text == NULL) {
		rc = SC_ENOMEM;
		snprintf(err, sizeof err, "out of memory");
		goto done;
	}
	if (script_take(type, status, sizeof status) == NULL)
		snprintf(status, sizeof status, "%s", rows > 0 ? "DONE" : "CANCELLED");
	spec = json_object_new_object();
	json_object_object_add(spec, "reportType", json_object_new_string(type));
	json_object_object_add(spec, "processingStatus", json_object_new_string(status));
	json_object_object_add(spec, "marketplaceIds", json_object_get(mp));
	json_object_object_add(spec, "dataStartTime", json_object_new_string(a));
	json_object_object_add(spec, "dataEndTime", json_object_new_string(b));
	if (strcmp(status, "DONE") == 0)
		json_object_object_add(spec, "content", json_object_new_string(text));
	if ((rc = sbx_reports_add(sb, spec, 0, err, sizeof err)) < 0)
		goto done;
	r = sb->reports[sb->nreports - 1];
	snprintf(rec.id, sizeof rec.id, "%s", r->id);
	snprintf(rec.type, sizeof rec.type, "%s", type);
	snprintf(rec.final, sizeof rec.final, "%s", status);
	snprintf(rec.doc_id, sizeof rec.doc_id, "%s", r->doc_id);
	rec.rows = rows;
	rec.pending = 1;
	if ((rec.request = strdup(buf_cstr(&rq->body))) == NULL || reports_push(&rec) < 0) {
		free(rec.request);
		rc = SC_ENOMEM;
		snprintf(err, sizeof err, "out of memory");
		/* the report exists: show it as made, with no document */
		snprintf(r->status, sizeof r->status, "FATAL");
		r->doc_id[0] = '\0';
		goto done;
	}
	/* made: it now goes through IN_QUEUE and IN_PROGRESS (advance) */
	snprintf(r->status, sizeof r->status, "IN_QUEUE");
	r->doc_id[0] = '\0';
	rc = 0;
done:
	pthread_mutex_unlock(&sb->lock);
	json_object_put(spec);
	free(text);
	if (rc < 0) {
		snprintf(msg, sizeof msg, "The sandbox could not make the report: %s", err);
		sbx_reply_amazon_error(rp, 500, "InternalFailure", msg);
		return;
	}
	snprintf(msg, sizeof msg, "{\"reportId\":\"%s\"}", rec.id);
	sbx_reply_json(rp, 202, msg);
	sbx_amazon_rate_header(sb, rp, &sb->bucket_report_create);
}

void
sbx_returns_advance(struct sbx *sb, struct sbx_report *r)
{
	size_t i;

	(void)sb;
	for (i = 0; i < st.nreports; i++) {
		struct ret_report *x = &st.reports[i];

		if (!x->pending || strcmp(x->id, r->id) != 0)
			continue;
		if (++x->polls == 1)
			return;                     /* still IN_QUEUE */
		if (x->polls == 2) {
			snprintf(r->status, sizeof r->status, "IN_PROGRESS");
			return;
		}
		snprintf(r->status, sizeof r->status, "%s", x->final);
		if (strcmp(x->final, "DONE") == 0)
			snprintf(r->doc_id, sizeof r->doc_id, "%s", x->doc_id);
		x->pending = 0;
		return;
	}
}

/* ---- control ---------------------------------------------------------------------- */

static void
control_get(struct sbx *sb, struct sbx_reply *rp)
{
	json_object *o = json_object_new_object(), *rows = json_object_new_array();
	json_object *reps = json_object_new_array(), *scr = json_object_new_array();
	size_t i, k;

	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < st.nrows; i++)
		json_object_array_add(rows, json_object_get(st.rows[i].obj));
	for (i = 0; i < st.nreports; i++) {
		const struct ret_report *x = &st.reports[i];
		json_object *e = json_object_new_object();
		const char *now = x->final;

		for (k = 0; k < sb->nreports; k++)
			if (strcmp(sb->reports[k]->id, x->id) == 0)
				now = sb->reports[k]->status;
		json_object_object_add(e, "reportId", json_object_new_string(x->id));
		json_object_object_add(e, "reportType", json_object_new_string(x->type));
		json_object_object_add(e, "request", sbx_json_parse(x->request, strlen(x->request),
		                                                    NULL, 0));
		json_object_object_add(e, "processingStatus", json_object_new_string(now));
		json_object_object_add(e, "returns", json_object_new_int64((int64_t)x->rows));
		json_object_array_add(reps, e);
	}
	for (i = 0; i < st.nscript; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "reportStatus", json_object_new_string(st.script[i].status));
		if (st.script[i].type[0] != '\0')
			json_object_object_add(e, "reportType", json_object_new_string(st.script[i].type));
		json_object_object_add(e, "count", json_object_new_int64(st.script[i].count));
		json_object_array_add(scr, e);
	}
	pthread_mutex_unlock(&sb->lock);
	json_object_object_add(o, "returns", rows);
	json_object_object_add(o, "reports", reps);
	json_object_object_add(o, "scripted", scr);
	sbx_reply_json(rp, 200, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

static void
control_error(struct sbx_reply *rp, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	sbx_reply_json(rp, 400, json_object_to_json_string_ext(o, SBX_JSON_FLAGS));
	json_object_put(o);
}

/* {"reportStatus", "count"?, "reportType"?} into a script entry. */
static int
script_parse(json_object *doc, struct ret_script *out, char *err, size_t errn)
{
	const char *s = sbx_json_str(doc, "reportStatus"), *t = sbx_json_str(doc, "reportType");
	json_object *c = NULL;

	memset(out, 0, sizeof(*out));
	if (s == NULL || (strcmp(s, "DONE") != 0 && strcmp(s, "CANCELLED") != 0 &&
	                  strcmp(s, "FATAL") != 0)) {
		snprintf(err, errn, "reportStatus must be DONE, CANCELLED or FATAL");
		return SC_EINVALID;
	}
	if (json_object_object_get_ex(doc, "reportType", NULL) && !sbx_returns_is_type(t)) {
		snprintf(err, errn, "reportType must be " SBX_RETURNS_FBA_TYPE " or "
		         SBX_RETURNS_MERCHANT_TYPE);
		return SC_EINVALID;
	}
	out->count = 1;
	if (json_object_object_get_ex(doc, "count", &c)) {
		if (!json_object_is_type(c, json_type_int) || json_object_get_int64(c) < 1) {
			snprintf(err, errn, "count must be a positive integer");
			return SC_EINVALID;
		}
		out->count = (long)json_object_get_int64(c);
	}
	snprintf(out->status, sizeof out->status, "%s", s);
	snprintf(out->type, sizeof out->type, "%s", t != NULL ? t : "");
	return 0;
}

void
sbx_returns_control(struct sbx *sb, json_object *doc, struct sbx_reply *rp)
{
	json_object *rows = NULL;
	struct ret_script sc;
	char err[300], msg[400];
	size_t before;
	int rc = 0, has_script;

	if (doc == NULL) {
		control_get(sb, rp);
		return;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		control_error(rp, "expected {\"returns\":[...]} and/or {\"reportStatus\":...}");
		return;
	}
	json_object_object_get_ex(doc, "returns", &rows);
	has_script = json_object_object_get_ex(doc, "reportStatus", NULL);
	if (rows == NULL && !has_script) {
		control_error(rp, "expected {\"returns\":[...]} and/or {\"reportStatus\":...}");
		return;
	}
	if (has_script && script_parse(doc, &sc, err, sizeof err) < 0) {
		control_error(rp, err);
		return;
	}
	pthread_mutex_lock(&sb->lock);
	before = st.nrows;
	if (rows != NULL)
		rc = sbx_returns_add(sb, rows, 0, err, sizeof err);
	if (rc == 0 && has_script) {
		if (st.nscript == st.script_cap) {
			size_t ncap = st.script_cap ? st.script_cap * 2 : 8;
			struct ret_script *nv = realloc(st.script, ncap * sizeof *nv);

			if (nv == NULL) {
				rc = SC_ENOMEM;
				snprintf(err, sizeof err, "out of memory");
			} else {
				st.script = nv;
				st.script_cap = ncap;
			}
		}
		if (rc == 0)
			st.script[st.nscript++] = sc;
	}
	snprintf(msg, sizeof msg, "{\"ok\":true,\"added\":%zu}", st.nrows - before);
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0) {
		char full[420];

		snprintf(full, sizeof full, "%s (the returns before it were added)", err);
		control_error(rp, full);
		return;
	}
	sbx_reply_json(rp, 200, msg);
}
