/*
 * reconcile.c: classify, total and balance one settlement, and make its
 * journal (reconcile.h).
 *
 * At reconcile_new the map's accounts become "slots", one per distinct
 * (category, account) in journal order, and each rule gets the index of
 * its slot, so a row costs one rule match and three checked additions.
 */
#include "mapping/reconcile.h"
#include "mapping/account_map_int.h"
#include "connector/money.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RC_IDS_MIN 64
#define RC_NO_SLOT ((size_t)-1)

struct rc_slot {
	enum account_category cat;
	const char *account;     /* borrowed from the map */
	int64_t sum;             /* of the rows posted here */
};

struct reconcile {
	const struct account_map *m;
	struct settlement_header h;
	int64_t cat_total[ACCOUNT_CAT_COUNT];
	int64_t sum;
	size_t lines, nsuspense;
	long first_suspense;
	struct rc_slot *slots;
	size_t nslots;
	size_t *rule_slot;       /* m->nrules entries */
	size_t suspense_slot;    /* RC_NO_SLOT without [suspense] */
	char **ids;              /* order ids (see reconcile.h on memory) */
	size_t nids, idalloc;
	int keep_ids;            /* 0: do not collect order ids */
};

/* ---- setup -------------------------------------------------------------- */

static size_t
slot_find(const struct reconcile *r, enum account_category c, const char *account)
{
	size_t i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].cat == c && strcmp(r->slots[i].account, account) == 0)
			return i;
	return RC_NO_SLOT;
}

/* slots has room for every account of the map (see reconcile_new). */
static size_t
slot_add(struct reconcile *r, enum account_category c, const char *account)
{
	size_t i = slot_find(r, c, account);

	if (i != RC_NO_SLOT)
		return i;
	r->slots[r->nslots].cat = c;
	r->slots[r->nslots].account = account;
	r->slots[r->nslots].sum = 0;
	return r->nslots++;
}

static void
slots_build(struct reconcile *r)
{
	const struct account_map *m = r->m;
	size_t i;
	int c;

	for (c = 0; c < ACCOUNT_CAT_COUNT; c++) {
		slot_add(r, (enum account_category)c, m->cat[c].account);
		for (i = 0; i < m->nrules; i++)
			if ((int)m->rules[i].cat == c && m->rules[i].account != NULL)
				slot_add(r, (enum account_category)c, m->rules[i].account);
		if (c == ACCOUNT_CAT_ADJUSTMENTS && m->suspense.account != NULL)
			r->suspense_slot = slot_add(r, ACCOUNT_CAT_ADJUSTMENTS, m->suspense.account);
	}
	for (i = 0; i < m->nrules; i++)
		r->rule_slot[i] = slot_find(r, m->rules[i].cat, mapping__am_rule_account(m, i));
}

int
reconcile_new(struct reconcile **out, const struct account_map *m,
              const struct settlement_header *h, struct sc_error *err)
{
	struct reconcile *r = NULL;
	int rc = 0;

	*out = NULL;
	if (m == NULL || h == NULL)
		return sc_error_set(err, SC_EINVALID, "reconcile: no account map or no header");
	if (h->exponent < 0 || h->exponent > 18)
		return sc_error_set(err, SC_EINVALID, "settlement %.64s: currency exponent %d "
		                    "out of range", h->id, h->exponent);
	if (h->total == INT64_MIN)
		return sc_error_set(err, SC_EINVALID, "settlement %.64s: total amount out of "
		                    "range", h->id);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->m = m;
	r->keep_ids = 1;
	r->h = *h;
	r->h.id[sizeof(r->h.id) - 1] = '\0';
	r->h.currency[sizeof(r->h.currency) - 1] = '\0';
	r->suspense_slot = RC_NO_SLOT;
	if ((r->slots = calloc(ACCOUNT_CAT_COUNT + m->nrules + 1, sizeof(*r->slots))) == NULL ||
	    (r->rule_slot = calloc(m->nrules + 1, sizeof(*r->rule_slot))) == NULL)
		goto nomem;
	slots_build(r);
	*out = r;
	return 0;
nomem:
	reconcile_free(r);
	rc = sc_error_set(err, SC_ENOMEM, "settlement %.64s: out of memory", h->id);
	return rc;
}

void
reconcile_free(struct reconcile *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nids; i++)
		free(r->ids[i]);
	free(r->ids);
	free(r->slots);
	free(r->rule_slot);
	free(r);
}

/* ---- order ids ---------------------------------------------------------- */

static int is_order_row(const char *type);

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the ids and drop the repeats, in place. */
static void
ids_compact(struct reconcile *r)
{
	size_t i, o = 0;

	if (r->nids < 2)
		return;
	qsort(r->ids, r->nids, sizeof(*r->ids), id_cmp);
	for (i = 0; i < r->nids; i++) {
		if (o > 0 && strcmp(r->ids[o - 1], r->ids[i]) == 0)
			free(r->ids[i]);
		else
			r->ids[o++] = r->ids[i];
	}
	r->nids = o;
}

/* Make room for one more id: 0 or SC_ENOMEM. */
static int
ids_room(struct reconcile *r)
{
	char **ni;
	size_t na;

	if (r->nids < r->idalloc)
		return 0;
	ids_compact(r);
	if (r->nids < r->idalloc && r->nids <= r->idalloc / 2)
		return 0;
	na = r->idalloc ? r->idalloc * 2 : RC_IDS_MIN;
	if (na < r->idalloc || na > SIZE_MAX / sizeof(*ni))
		return SC_ENOMEM;
	if ((ni = realloc(r->ids, na * sizeof(*ni))) == NULL)
		return SC_ENOMEM;
	r->ids = ni;
	r->idalloc = na;
	return 0;
}

static int
ids_add(struct reconcile *r, const char *id)
{
	char *copy;

	if (id == NULL || id[0] == '\0')
		return 0;
	if (r->nids > 0 && strcmp(r->ids[r->nids - 1], id) == 0)
		return 0;   /* the rows of one order come together */
	if (ids_room(r) < 0 || (copy = strdup(id)) == NULL)
		return SC_ENOMEM;
	r->ids[r->nids++] = copy;
	return 0;
}

size_t
reconcile_order_count(const struct reconcile *r)
{
	return r != NULL ? r->nids : 0;
}

const char *
reconcile_order_at(const struct reconcile *r, size_t i)
{
	return r != NULL && i < r->nids ? r->ids[i] : NULL;
}

/* ---- rows --------------------------------------------------------------- */

/* *out = a + b within -INT64_MAX..INT64_MAX (so it can be negated). */
static int
add_in_range(int64_t *out, int64_t a, int64_t b)
{
	int64_t v;

	if (money_add(&v, a, b) < 0 || v == INT64_MIN)
		return SC_ENOSPACE;
	*out = v;
	return 0;
}

static const char *
shown(const char *s)
{
	return s == NULL || s[0] == '\0' ? "\"\"" : s;
}

int
reconcile_is_order_row(const char *type)
{
	return is_order_row(type);
}

void
reconcile_keep_orders(struct reconcile *r, int keep)
{
	r->keep_ids = keep;
}

static int
is_order_row(const char *type)
{
	return type != NULL && (strcmp(type, "Order") == 0 || strcmp(type, "Refund") == 0);
}

int
reconcile_line(struct reconcile *r, const struct settlement_line *l, struct sc_error *err)
{
	int64_t cat_total = 0, sum = 0, slot_sum = 0, balance = 0;
	enum account_category cat;
	const char *what = NULL;
	char amt[32];
	size_t slot;
	long rule;

	if (r == NULL || l == NULL)
		return sc_error_set(err, SC_EINVALID, "reconcile: no settlement or no row");
	rule = mapping__am_match(r->m, l->transaction_type, l->amount_type,
	                         l->amount_description);
	if (rule >= 0) {
		cat = r->m->rules[rule].cat;
		slot = r->rule_slot[rule];
	} else if (r->suspense_slot != RC_NO_SLOT) {
		cat = ACCOUNT_CAT_ADJUSTMENTS;
		slot = r->suspense_slot;
	} else {
		return sc_error_set(err, SC_EINVALID, "line %ld: no account for %.100s / %.100s / "
		                    "%.100s (add it to the map, or set [suspense] account)",
		                    l->lineno, shown(l->transaction_type), shown(l->amount_type),
		                    shown(l->amount_description));
	}
	if (add_in_range(&cat_total, r->cat_total[cat], l->amount) < 0)
		what = mapping_account_category_name(cat);
	else if (add_in_range(&sum, r->sum, l->amount) < 0 ||
	         money_sub(&balance, sum, r->h.total) < 0 || balance == INT64_MIN)
		what = "the detail rows";
	else if (add_in_range(&slot_sum, r->slots[slot].sum, l->amount) < 0)
		what = r->slots[slot].account;
	if (what != NULL) {
		if (money_format(amt, sizeof(amt), l->amount, r->h.exponent) < 0)
			snprintf(amt, sizeof(amt), "%" PRId64, l->amount);
		return sc_error_set(err, SC_EINVALID, "line %ld: amount %s makes the total of "
		                    "%.128s overflow (more than a 64-bit count of minor units)",
		                    l->lineno, amt, what);
	}
	if (r->keep_ids && is_order_row(l->transaction_type) && ids_add(r, l->order_id) < 0)
		return sc_error_set(err, SC_ENOMEM, "line %ld: out of memory", l->lineno);
	r->cat_total[cat] = cat_total;
	r->sum = sum;
	r->slots[slot].sum = slot_sum;
	r->lines++;
	if (rule < 0 && r->nsuspense++ == 0)
		r->first_suspense = l->lineno;
	return 0;
}

/* ---- results ------------------------------------------------------------ */

static void
result_fill(const struct reconcile *r, struct reconcile_result *out)
{
	memset(out, 0, sizeof(*out));
	out->charges = r->cat_total[ACCOUNT_CAT_CHARGES];
	out->refunds = r->cat_total[ACCOUNT_CAT_REFUNDS];
	out->fees = r->cat_total[ACCOUNT_CAT_FEES];
	out->adjustments = r->cat_total[ACCOUNT_CAT_ADJUSTMENTS];
	out->sum = r->sum;
	out->total = r->h.total;
	out->balance = r->sum - r->h.total;   /* in range: checked per row */
	out->lines = r->lines;
	out->suspense_lines = r->nsuspense;
	out->first_suspense_lineno = r->first_suspense;
	out->status = out->balance == 0 ? RECONCILE_RECONCILED : RECONCILE_UNBALANCED;
}

int
reconcile_finish(struct reconcile *r, struct reconcile_result *out)
{
	if (r == NULL || out == NULL)
		return SC_EINVALID;
	ids_compact(r);
	result_fill(r, out);
	return 0;
}

static void
amount_text(char *out, size_t n, int64_t v, int exponent)
{
	if (money_format(out, n, v, exponent) < 0)
		snprintf(out, n, "%" PRId64 " minor units", v);
}

int
reconcile_result_format(const struct reconcile_result *res, const char *currency,
                        int exponent, char *out, size_t n)
{
	char a[6][40];

	amount_text(a[0], sizeof(a[0]), res->charges, exponent);
	amount_text(a[1], sizeof(a[1]), res->refunds, exponent);
	amount_text(a[2], sizeof(a[2]), res->fees, exponent);
	amount_text(a[3], sizeof(a[3]), res->adjustments, exponent);
	amount_text(a[4], sizeof(a[4]), res->sum, exponent);
	amount_text(a[5], sizeof(a[5]), res->total, exponent);
	{
		char d[40];

		amount_text(d, sizeof(d), res->balance, exponent);
		return snprintf(out, n, "charges %s, refunds %s, fees %s, adjustments %s, "
		                "detail rows %s, deposit %s, difference %s%s%s", a[0], a[1], a[2],
		                a[3], a[4], a[5], d, currency != NULL && currency[0] ? " " : "",
		                currency != NULL ? currency : "");
	}
}

int
reconcile_journal(const struct reconcile *r, struct journal_line **out, size_t *n,
                  struct sc_error *err)
{
	struct reconcile_result res;
	struct journal_line *lines = NULL;
	size_t i, k = 0, count = 0;
	char figures[400];

	*out = NULL;
	*n = 0;
	if (r == NULL)
		return sc_error_set(err, SC_EINVALID, "reconcile: no settlement");
	result_fill(r, &res);
	if (res.status != RECONCILE_RECONCILED) {
		reconcile_result_format(&res, r->h.currency, r->h.exponent, figures,
		                        sizeof(figures));
		return sc_error_set(err, SC_EINVALID, "settlement %.64s does not balance, not "
		                    "posted: %s", r->h.id, figures);
	}
	count = r->h.total != 0;
	for (i = 0; i < r->nslots; i++)
		count += r->slots[i].sum != 0;
	if (count == 0)
		return 0;
	if ((lines = calloc(count, sizeof(*lines))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "settlement %.64s: out of memory", r->h.id);
	if (r->h.total != 0) {
		lines[k].account = r->m->bank.account;
		lines[k].amount = r->h.total;
		lines[k].category = "bank";
		k++;
	}
	for (i = 0; i < r->nslots; i++) {
		if (r->slots[i].sum == 0)
			continue;
		lines[k].account = r->slots[i].account;
		lines[k].amount = -r->slots[i].sum;   /* in range: checked per row */
		lines[k].category = mapping_account_category_name(r->slots[i].cat);
		k++;
	}
	*out = lines;
	*n = k;
	return 0;
}
