/* suiteql.c: a tolerant subset of SuiteQL over the sandbox's store.
 *
 *   SELECT col [AS a] | TO_CHAR(col, 'fmt') [AS a] | * , ...
 *   FROM item | currency | customer | transaction | account | transactionline [alias]
 *   [WHERE cond [AND cond]...]   cond: col IN ('a', 'b') | col = lit |
 *        col <> lit | col < <= > >= lit | col IS [NOT] NULL
 *        lit: 'text' | number | TO_TIMESTAMP('2026-11-20 08:00:00', 'fmt') | TO_DATE(...)
 *   [ORDER BY col [ASC|DESC], ...]
 *
 * Keywords are case-insensitive, values are strings in the answer, NULLs are
 * left out (as NetSuite does), dates print as "YYYY-MM-DD HH:MM:SS" (UTC).
 * Lookups by transaction externalid or id and item itemid use the hash maps. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"
#include "tests/sandbox/suiteql.h"
#include "tests/sandbox/nsfulfill.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *record, *code;
} ql_tran_types[] = {
	{ "salesOrder", "SalesOrd" }, { "cashSale", "CashSale" }, { "invoice", "CustInvc" },
	{ "creditMemo", "CustCred" }, { "cashRefund", "CashRfnd" },
	{ "returnAuthorization", "RtnAuth" }, { "customerRefund", "CustRfnd" },
	{ "customerDeposit", "CustDep" }, { "customerPayment", "CustPymt" },
	{ "deposit", "Deposit" }, { "journalEntry", "Journal" }, { "itemFulfillment", "ItemShip" },
	{ "estimate", "Estimate" }, { "itemReceipt", "ItemRcpt" },
};

/* ---- evaluation ------------------------------------------------------------------- */

struct ql_ctx {
	struct sbx *sb;
	struct ql_query *q;
	const void *body_of;          /* row whose body is parsed in `body` */
	json_object *body;
	struct sbx_tline *tlines;     /* transactionline rows (nsfulfill.c), heap */
	size_t ntlines;
};

static const char *
tran_code(const char *record_type)
{
	size_t i;

	for (i = 0; i < sizeof ql_tran_types / sizeof ql_tran_types[0]; i++)
		if (strcmp(ql_tran_types[i].record, record_type) == 0)
			return ql_tran_types[i].code;
	return NULL;
}

static const char *
item_code(const char *t)
{
	return strcmp(t, "inventoryItem") == 0 ? "InvtPart" :
	       strcmp(t, "otherChargeSaleItem") == 0 ? "OthCharge" :
	       strcmp(t, "serviceSaleItem") == 0 ? "Service" :
	       strcmp(t, "discountItem") == 0 ? "Discount" : "NonInvtPart";
}

static void
date_text(char *out, size_t n, int64_t ms)
{
	char iso[32];

	sbx_time_format(iso, sizeof iso, ms);
	snprintf(out, n, "%.10s %.8s", iso, iso + 11);
}

static json_object *
row_body(struct ql_ctx *c, const struct sbx_record *r)
{
	if (c->body_of != r) {
		json_object_put(c->body);
		c->body = sbx_json_parse(r->body, strlen(r->body), NULL, 0);
		c->body_of = r;
	}
	return c->body;
}

static const char *
body_ref(json_object *body, const char *key)
{
	json_object *ref = NULL, *id = NULL;

	if (!json_object_object_get_ex(body, key, &ref) || !json_object_object_get_ex(ref, "id", &id))
		return NULL;
	return json_object_get_string(id);
}

/* The value of column `col` of `row` into out; 0 when NULL. */
static int
row_value(struct ql_ctx *c, const void *row, int col, char *out, size_t n)
{
	const char *name = sbx_ql_tables[c->q->tab].cols[col].name;
	const char *v = NULL;

	out[0] = '\0';
	switch (sbx_ql_tables[c->q->tab].tab) {
	case T_ITEM: {
		const struct sbx_item *it = row;

		v = strcmp(name, "id") == 0 ? it->id
		    : strcmp(name, "displayname") == 0 ? it->displayname
		    : strcmp(name, "itemtype") == 0 ? item_code(it->type) : it->itemid;
		break;
	}
	case T_CURRENCY: {
		const struct sbx_currency *cu = row;

		v = strcmp(name, "id") == 0 ? cu->id : cu->symbol;
		break;
	}
	case T_ACCOUNT: {
		const struct sbx_account *a = row;

		v = strcmp(name, "id") == 0 ? a->id : strcmp(name, "acctnumber") == 0 ? a->acctnumber
		    : strcmp(name, "accttype") == 0 ? a->type : a->name;
		if (v != NULL && *v == '\0')
			v = NULL;           /* an account without a number: NULL */
		break;
	}
	case T_TRANSACTIONLINE: {
		const struct sbx_tline *l = row;

		return sbx_fulfill_tline_value(l, name, row_body(c, l->rec), out, n);
	}
	case T_CUSTOMER:
	case T_TRANSACTION: {
		const struct sbx_record *r = row;
		const char *pre;

		if (strcmp(name, "id") == 0) {
			snprintf(out, n, "%" PRId64, r->id);
			return 1;
		} else if (strcmp(name, "externalid") == 0) {
			v = r->external_id;
		} else if (strcmp(name, "lastmodifieddate") == 0 || strcmp(name, "createddate") == 0) {
			date_text(out, n, name[0] == 'l' ? r->modified_ms : r->created_ms);
			return 1;
		} else if (strcmp(name, "type") == 0) {
			v = tran_code(r->type);
		} else if (strcmp(name, "recordtype") == 0) {
			size_t i;

			for (i = 0; r->type[i] != '\0' && i + 1 < n; i++)
				out[i] = (char)tolower((unsigned char)r->type[i]);
			out[i] = '\0';
			return 1;
		} else if (strcmp(name, "status") == 0) {
			return sbx_fulfill_status(r, row_body(c, r), out, n);
		} else if (strcmp(name, "total") == 0 || strcmp(name, "foreigntotal") == 0) {
			v = r->total[0] ? r->total : NULL;
		} else if (strcmp(name, "tranid") == 0 &&
		           sbx_json_str(row_body(c, r), "tranId") == NULL &&
		           (pre = sbx_netsuite_tranid_prefix(r->type)) != NULL) {
			snprintf(out, n, "%s%" PRId64, pre, r->id);
			return 1;
		} else {
			json_object *b = row_body(c, r);

			v = strcmp(name, "entity") == 0 ? body_ref(b, "entity")
			    : strcmp(name, "currency") == 0 ? body_ref(b, "currency")
			    : strcmp(name, "createdfrom") == 0 ? body_ref(b, "createdFrom")
			    : strcmp(name, "entityid") == 0 ? sbx_json_str(b, "entityId")
			    : strcmp(name, "companyname") == 0 ? sbx_json_str(b, "companyName")
			    : strcmp(name, "trandate") == 0 ? sbx_json_str(b, "tranDate")
			    : strcmp(name, "memo") == 0 ? sbx_json_str(b, "memo")
			    : strcmp(name, "tranid") == 0 ? sbx_json_str(b, "tranId") : NULL;
		}
		break;
	}
	}
	if (v == NULL)
		return 0;
	snprintf(out, n, "%s", v);
	return 1;
}

/* -1/0/1 comparing a column value with a literal by the column's kind;
 * 2 when they cannot be compared. */
static int
value_cmp(enum ql_kind kind, const char *a, const char *b)
{
	if (kind == K_NUM) {
		struct sbx_dec x, y, nx = { 0, 0 };

		if (sbx_dec_parse(&x, a) < 0 || sbx_dec_parse(&y, b) < 0)
			return 2;
		y.units = -y.units;
		nx = x;
		if (sbx_dec_add(&nx, &y) < 0)
			return 2;
		return nx.units < 0 ? -1 : nx.units > 0;
	}
	if (kind == K_DATE) {
		int64_t x, y;

		if (sbx_time_parse(&x, a) < 0 || sbx_time_parse(&y, b) < 0)
			return 2;
		return x < y ? -1 : x > y;
	}
	{
		int c = strcmp(a, b);

		return c < 0 ? -1 : c > 0;
	}
}

static int
row_matches(struct ql_ctx *c, const void *row)
{
	char v[512];
	size_t i, j;

	for (i = 0; i < c->q->ncond; i++) {
		const struct ql_cond *cd = &c->q->cond[i];
		enum ql_kind kind = sbx_ql_tables[c->q->tab].cols[cd->col].kind;
		int has = row_value(c, row, cd->col, v, sizeof v), r, hit = 0;

		if (cd->op == OP_NULL || cd->op == OP_NOTNULL) {
			if (has != (cd->op == OP_NOTNULL))
				return 0;
			continue;
		}
		if (!has)
			return 0;
		if (cd->op == OP_IN) {
			for (j = 0; j < cd->nvals && !hit; j++)
				hit = value_cmp(kind, v, cd->vals[j]) == 0;
			if (!hit)
				return 0;
			continue;
		}
		r = value_cmp(kind, v, cd->vals[0]);
		if (r == 2)
			return 0;
		switch (cd->op) {
		case OP_EQ: hit = r == 0; break;
		case OP_NE: hit = r != 0; break;
		case OP_LT: hit = r < 0; break;
		case OP_LE: hit = r <= 0; break;
		case OP_GT: hit = r > 0; break;
		case OP_GE: hit = r >= 0; break;
		default: break;
		}
		if (!hit)
			return 0;
	}
	return 1;
}

struct ql_row {
	char **vals;      /* nsel + nord values, NULL for SQL NULL */
};

static struct ql_query *sort_q;   /* qsort has no context argument */

static int
row_cmp(const void *a, const void *b)
{
	const struct ql_row *x = a, *y = b;
	size_t i;

	for (i = 0; i < sort_q->nord; i++) {
		const char *u = x->vals[sort_q->nsel + i], *v = y->vals[sort_q->nsel + i];
		int r;

		if (u == NULL || v == NULL)
			r = (u == NULL) - (v == NULL);
		else
			r = value_cmp(sbx_ql_tables[sort_q->tab].cols[sort_q->ord[i]].kind, u, v);
		if (r == 2)
			r = strcmp(u, v);
		if (r != 0)
			return sort_q->desc[i] ? -r : r;
	}
	return 0;
}

static int
push(const void ***v, size_t *len, size_t *cap, const void *x)
{
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		const void **nv = realloc(*v, ncap * sizeof *nv);

		if (nv == NULL)
			return SC_ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*len)++] = x;
	return 0;
}

/* Candidate rows, using an index when a condition allows it. */
static int
candidates(struct ql_ctx *c, const void ***out, size_t *n)
{
	struct sbx *sb = c->sb;
	const void **v = NULL;
	size_t cap = 0, len = 0, i, j, t;
	enum ql_tab tab = sbx_ql_tables[c->q->tab].tab;
	const struct ql_cond *ix = NULL;


	for (i = 0; i < c->q->ncond && ix == NULL; i++) {
		const char *cn = sbx_ql_tables[c->q->tab].cols[c->q->cond[i].col].name;

		if ((c->q->cond[i].op == OP_EQ || c->q->cond[i].op == OP_IN) &&
		    ((tab == T_ITEM && strcmp(cn, "itemid") == 0) ||
		     (tab == T_TRANSACTION && (strcmp(cn, "externalid") == 0 || strcmp(cn, "id") == 0))))
			ix = &c->q->cond[i];
	}
	if (ix != NULL) {
		for (j = 0; j < ix->nvals; j++) {
			if (tab == T_ITEM) {
				struct sbx_item *it = sbx_items_find_itemid(sb, ix->vals[j]);

				if (it != NULL)
					{
					if (push(&v, &len, &cap, it) < 0)
						goto nomem;
				}
				continue;
			}
			for (t = 0; t < sb->nrtypes; t++) {
				struct sbx_record *r;
				char *end = NULL;
				long long id;

				if (tran_code(sb->rtypes[t]->name) == NULL)
					continue;
				if (strcmp(sbx_ql_tables[c->q->tab].cols[ix->col].name, "id") == 0) {
					id = strtoll(ix->vals[j], &end, 10);
					r = *end == '\0' ? sbx_record_find(sb->rtypes[t], id) : NULL;
				} else {
					r = sbx_record_find_eid(sb->rtypes[t], ix->vals[j]);
				}
				if (r != NULL && push(&v, &len, &cap, r) < 0)
					goto nomem;
			}
		}
	} else if (tab == T_ITEM) {
		for (i = 0; i < sb->nitems; i++)
			if (push(&v, &len, &cap, sb->items[i]) < 0)
				goto nomem;
	} else if (tab == T_CURRENCY) {
		for (i = 0; i < sb->ncurrencies; i++)
			if (push(&v, &len, &cap, &sb->currencies[i]) < 0)
				goto nomem;
	} else if (tab == T_ACCOUNT) {
		for (i = 0; i < sb->naccounts; i++)
			if (push(&v, &len, &cap, &sb->accounts[i]) < 0)
				goto nomem;
	} else if (tab == T_TRANSACTIONLINE) {
		int closed_only = 0;             /* isclosed = 'T': only orders with line state */

		for (i = 0; i < c->q->ncond; i++)
			closed_only |= c->q->cond[i].op == OP_EQ &&
			               strcmp(sbx_ql_tables[c->q->tab].cols[c->q->cond[i].col].name,
			                      "isclosed") == 0 && strcmp(c->q->cond[i].vals[0], "T") == 0;
		for (t = 0; t < sb->nrtypes; t++)
			if (tran_code(sb->rtypes[t]->name) != NULL &&
			    sbx_fulfill_tlines(sb->rtypes[t], closed_only, &c->tlines, &c->ntlines) < 0)
				goto nomem;
		for (i = 0; i < c->ntlines; i++)
			if (push(&v, &len, &cap, &c->tlines[i]) < 0)
				goto nomem;
	} else {
		for (t = 0; t < sb->nrtypes; t++) {
			struct sbx_rtype *rt = sb->rtypes[t];

			if ((tab == T_CUSTOMER) != (strcmp(rt->name, "customer") == 0) ||
			    (tab == T_TRANSACTION && tran_code(rt->name) == NULL))
				continue;
			for (i = 0; i < rt->len; i++)
				if (push(&v, &len, &cap, rt->list[i]) < 0)
					goto nomem;
		}
	}
	*out = v;
	*n = len;
	return 0;
nomem:
	free(v);
	return SC_ENOMEM;
}

static void
rows_free(struct ql_row *rows, size_t n, size_t width)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < width; j++)
			free(rows[i].vals[j]);
		free(rows[i].vals);
	}
	free(rows);
}

/* `word` appears in `s`, case-insensitively. */
static int
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; s != NULL && *s != '\0'; s++)
		if (strncasecmp(s, word, n) == 0)
			return 1;
	return 0;
}

static pthread_mutex_t sort_mu = PTHREAD_MUTEX_INITIALIZER;

void
sbx_suiteql_handle(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp)
{
	const char *ls = sbx_params_get(&rq->query, "limit"), *os = sbx_params_get(&rq->query, "offset");
	const char *prefer = sbx_req_header(rq, "Prefer");
	struct ql_query q;
	struct ql_ctx ctx = { sb, &q, NULL, NULL, NULL, 0 };
	struct ql_row *rows = NULL;
	const void **cand = NULL;
	size_t ncand = 0, nrows = 0, i, j, width = 0, end;
	long limit = 1000, offset = 0;
	json_object *doc = NULL;
	const char *text;
	char err[300], detail[400], base[256], val[512], *e = NULL;

	memset(&q, 0, sizeof q);
	rp->content_type = "application/vnd.oracle.resource+json; type=collection; charset=UTF-8";
	if (strcmp(rq->method, "POST") != 0) {
		sbx_reply_ns_error(rp, 405, "METHOD_NOT_ALLOWED", "SuiteQL queries are POSTed.", NULL);
		return;
	}
	if (!has_word(prefer, "transient")) {
		sbx_reply_ns_error(rp, 400, "INVALID_HEADER",
		                   "SuiteQL requests need the header Prefer: transient.", NULL);
		return;
	}
	if ((ls && ((limit = strtol(ls, &e, 10)) < 1 || limit > 1000 || *e)) ||
	    (os && ((offset = strtol(os, &e, 10)) < 0 || *e))) {
		sbx_reply_ns_error(rp, 400, "INVALID_PARAMETER",
		                   "Invalid value for limit (1-1000) or offset (>= 0).", NULL);
		return;
	}
	doc = sbx_json_parse(buf_cstr(&rq->body), rq->body.len, err, sizeof err);
	text = sbx_json_str(doc, "q");
	if (text == NULL) {
		sbx_reply_ns_error(rp, 400, "INVALID_CONTENT", "The body must be {\"q\": \"SELECT ...\"}.", NULL);
		goto done;
	}
	if (sbx_ql_parse(&q, text, err, sizeof err) < 0) {
		snprintf(detail, sizeof detail, "Invalid search query. Detailed unprocessed description "
		         "follows. Search error occurred: %s", err);
		sbx_reply_ns_error(rp, 400, "INVALID_PARAMETER", detail, NULL);
		goto done;
	}
	width = q.nsel + q.nord;
	pthread_mutex_lock(&sb->lock);
	if (candidates(&ctx, &cand, &ncand) == 0)
		rows = calloc(ncand ? ncand : 1, sizeof *rows);
	for (i = 0; rows != NULL && i < ncand; i++) {
		if (!row_matches(&ctx, cand[i]))
			continue;
		rows[nrows].vals = calloc(width ? width : 1, sizeof(char *));
		for (j = 0; rows[nrows].vals != NULL && j < width; j++) {
			int col = j < q.nsel ? q.sel[j] : q.ord[j - q.nsel];

			if (row_value(&ctx, cand[i], col, val, sizeof val))
				rows[nrows].vals[j] = strdup(val);
		}
		if (rows[nrows].vals != NULL)
			nrows++;
	}
	pthread_mutex_unlock(&sb->lock);
	json_object_put(ctx.body);
	free(ctx.tlines);
	free(cand);
	if (rows == NULL) {
		sbx_reply_ns_error(rp, 500, "UNEXPECTED_ERROR", "Out of memory.", NULL);
		goto done;
	}
	if (q.nord > 0) {
		pthread_mutex_lock(&sort_mu);
		sort_q = &q;
		qsort(rows, nrows, sizeof *rows, row_cmp);
		pthread_mutex_unlock(&sort_mu);
	}
	sbx_netsuite_base(sb, rq, base, sizeof base);
	end = (size_t)offset + (size_t)limit < nrows ? (size_t)offset + (size_t)limit : nrows;
	rp->status = 200;
	buf_printf(&rp->body, "{\"links\":[{\"rel\":\"self\",\"href\":\"%s/services/rest/query/v1/"
	           "suiteql?limit=%ld&offset=%ld\"}", base, limit, offset);
	if (end < nrows)
		buf_printf(&rp->body, ",{\"rel\":\"next\",\"href\":\"%s/services/rest/query/v1/"
		           "suiteql?limit=%ld&offset=%zu\"}", base, limit, end);
	buf_printf(&rp->body, "],\"count\":%zu,\"hasMore\":%s,\"items\":[",
	           end > (size_t)offset ? end - (size_t)offset : 0, end < nrows ? "true" : "false");
	for (i = (size_t)offset; i < end; i++) {
		buf_puts(&rp->body, i > (size_t)offset ? ",{\"links\":[]" : "{\"links\":[]");
		for (j = 0; j < q.nsel; j++) {
			if (rows[i].vals[j] == NULL)
				continue;
			buf_puts(&rp->body, ",");
			sbx_buf_json_str(&rp->body, q.alias[j] ? q.alias[j]
			                            : sbx_ql_tables[q.tab].cols[q.sel[j]].name);
			buf_puts(&rp->body, ":");
			sbx_buf_json_str(&rp->body, rows[i].vals[j]);
		}
		buf_puts(&rp->body, "}");
	}
	buf_printf(&rp->body, "],\"offset\":%ld,\"totalResults\":%zu}", offset, nrows);
	rows_free(rows, nrows, width);
	rows = NULL;
done:
	sbx_ql_free(&q);
	json_object_put(doc);
}
