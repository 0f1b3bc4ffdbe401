/*
 * reconcile_orders.c: a settlement's posting with a line per order
 * (reconcile_orders.h).
 */
#include "mapping/reconcile_orders.h"
#include "mapping/reconcile.h"
#include "connector/money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rco_order {
	char *id;                        /* marketplace order id */
	int64_t sum;                     /* its charges and refunds rows */
	struct erp_ref ref;              /* its ERP record (ref_get's) */
};

struct rco_moved {                   /* rows moved off one category line */
	enum account_category cat;
	const char *account;             /* borrowed from the map */
	int64_t sum;
};

struct reconcile_orders {
	const struct account_map *map;
	char sid[64];                    /* settlement id, for messages */
	int exponent;
	reconcile_order_ref_fn ref_get;
	void *ud;
	struct rco_order *v;             /* in the order the report names them */
	size_t n, alloc;
	size_t *index;                   /* hash of v: index + 1, 0 empty */
	size_t cap;                      /* 0 or a power of two, >= 2 n */
	size_t last;                     /* index + 1 of the previous row's order */
	struct rco_moved *moved;
	size_t nmoved, movedalloc;
	int64_t rows;                    /* the sum of every row fed */
};

int
reconcile_orders_new(struct reconcile_orders **out, const struct account_map *map,
                     const struct settlement_header *h, reconcile_order_ref_fn ref_get,
                     void *ud, struct sc_error *err)
{
	struct reconcile_orders *o;

	*out = NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "settlement %.64s: out of memory", h->id);
	o->map = map;
	snprintf(o->sid, sizeof(o->sid), "%.63s", h->id);
	o->exponent = h->exponent;
	o->ref_get = ref_get;
	o->ud = ud;
	*out = o;
	return 0;
}

void
reconcile_orders_free(struct reconcile_orders *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++)
		free(o->v[i].id);
	free(o->v);
	free(o->index);
	free(o->moved);
	free(o);
}

static size_t
str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;   /* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of `id` in the index: its entry's, or the empty one to take. */
static size_t
order_slot(const struct reconcile_orders *o, const char *id)
{
	size_t i = str_hash(id) & (o->cap - 1);

	while (o->index[i] != 0 && strcmp(o->v[o->index[i] - 1].id, id) != 0)
		i = (i + 1) & (o->cap - 1);
	return i;
}

static int
order_index_grow(struct reconcile_orders *o)
{
	size_t ncap = o->cap ? o->cap * 2 : 64, i, k;
	size_t *old = o->index, oldcap = o->cap;

	if ((o->index = calloc(ncap, sizeof(*o->index))) == NULL) {
		o->index = old;
		return SC_ENOMEM;
	}
	o->cap = ncap;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		k = order_slot(o, o->v[old[i] - 1].id);
		o->index[k] = old[i];
	}
	free(old);
	return 0;
}

/* *out = the entry of order `id`, made (and its ERP record looked up) the
 * first time. */
static int
order_get(struct reconcile_orders *o, const char *id, struct rco_order **out,
          struct sc_error *err)
{
	struct rco_order *e;
	size_t k;
	int rc;

	if (o->last > 0 && strcmp(o->v[o->last - 1].id, id) == 0) {
		*out = &o->v[o->last - 1];    /* the rows of one order come together */
		return 0;
	}
	if ((o->n + 1) * 2 > o->cap && order_index_grow(o) < 0)
		goto nomem;
	k = order_slot(o, id);
	if (o->index[k] == 0) {
		if (o->n == o->alloc) {
			size_t na = o->alloc ? o->alloc * 2 : 32;
			void *nv = realloc(o->v, na * sizeof(*o->v));

			if (nv == NULL)
				goto nomem;
			o->v = nv;
			o->alloc = na;
		}
		e = &o->v[o->n];
		memset(e, 0, sizeof(*e));
		if ((rc = o->ref_get(o->ud, id, &e->ref, err)) < 0)
			return rc;
		if (rc == 0)
			return sc_error_set(err, SC_ENOTFOUND, "order %.128s has no ERP record (not "
			                    "synced): no line per order without it", id);
		if ((e->id = strdup(id)) == NULL)
			goto nomem;
		o->index[k] = ++o->n;
	}
	o->last = o->index[k];
	*out = &o->v[o->last - 1];
	return 0;
nomem:
	return sc_error_set(err, SC_ENOMEM, "settlement %s: out of memory", o->sid);
}

static int
moved_add(struct reconcile_orders *o, enum account_category cat, const char *account,
          int64_t amount)
{
	size_t i;

	for (i = 0; i < o->nmoved; i++)
		if (o->moved[i].cat == cat && strcmp(o->moved[i].account, account) == 0)
			break;
	if (i == o->nmoved) {
		if (o->nmoved == o->movedalloc) {
			size_t na = o->movedalloc ? o->movedalloc * 2 : 8;
			void *nv = realloc(o->moved, na * sizeof(*o->moved));

			if (nv == NULL)
				return SC_ENOMEM;
			o->moved = nv;
			o->movedalloc = na;
		}
		o->moved[i].cat = cat;
		o->moved[i].account = account;
		o->moved[i].sum = 0;
		o->nmoved++;
	}
	return money_add(&o->moved[i].sum, o->moved[i].sum, amount) < 0 ? SC_ENOSPACE : 0;
}

int
reconcile_orders_row(struct reconcile_orders *o, const struct settlement_line *l,
                     struct sc_error *err)
{
	enum account_category cat;
	const char *account = NULL;
	struct rco_order *e = NULL;
	int rc;

	if (money_add(&o->rows, o->rows, l->amount) < 0)
		goto overflow;
	if (!reconcile_is_order_row(l->transaction_type) || l->order_id == NULL ||
	    l->order_id[0] == '\0')
		return 0;
	if (mapping_account_lookup(o->map, l->transaction_type, l->amount_type,
	                           l->amount_description, &cat, &account, NULL) < 0)
		return sc_error_set(err, SC_EINVALID, "line %ld: no account for the row of order "
		                    "%.128s", l->lineno, l->order_id);
	if (cat != ACCOUNT_CAT_CHARGES && cat != ACCOUNT_CAT_REFUNDS)
		return 0;   /* an order's fees stay on their fee lines */
	if ((rc = order_get(o, l->order_id, &e, err)) < 0)
		return rc;
	if (money_add(&e->sum, e->sum, l->amount) < 0 || e->sum == INT64_MIN)
		goto overflow;
	if ((rc = moved_add(o, cat, account, l->amount)) == SC_ENOMEM)
		return sc_error_set(err, rc, "settlement %s: out of memory", o->sid);
	if (rc < 0)
		goto overflow;
	return 0;
overflow:
	return sc_error_set(err, SC_EINVALID, "line %ld: the per-order sums overflow", l->lineno);
}

size_t
reconcile_orders_count(const struct reconcile_orders *o)
{
	return o != NULL ? o->n : 0;
}

static int
is_bank_line(const struct journal_line *l)
{
	return l->category != NULL && strcmp(l->category, "bank") == 0;
}

static int
lines_unbalanced(const struct reconcile_orders *o, const char *what, int64_t v,
                 struct sc_error *err)
{
	char a[40];

	if (money_format(a, sizeof(a), v, o->exponent) < 0)
		snprintf(a, sizeof(a), "%lld minor units", (long long)v);
	return sc_error_set(err, SC_EINVALID, "settlement %s: %s %s: not posted", o->sid, what, a);
}

int
reconcile_orders_lines(const struct reconcile_orders *o, const struct journal_line *jl,
                       size_t jn, struct journal_line **out, size_t *nout, struct sc_error *err)
{
	struct journal_line *v = NULL;
	unsigned char *used = NULL;
	int64_t cats = 0, sum = 0, amount;
	size_t i, j, k = 0;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < jn; i++)
		if (!is_bank_line(&jl[i]) && money_add(&cats, cats, jl[i].amount) < 0)
			return lines_unbalanced(o, "the category lines overflow at", jl[i].amount, err);
	/* jl's category lines are minus the rows the reconciler summed: the
	 * rows fed here must be the same */
	if (money_add(&cats, cats, o->rows) < 0 || cats != 0)
		return lines_unbalanced(o, "the rows read again differ from the journal by", cats,
		                        err);
	if ((v = calloc(jn + o->n + o->nmoved + 1, sizeof(*v))) == NULL ||
	    (used = calloc(o->nmoved + 1, 1)) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "settlement %s: out of memory", o->sid);
		goto done;
	}
	for (i = 0; i < jn; i++)
		if (is_bank_line(&jl[i]))
			v[k++] = jl[i];
	for (i = 0; i < o->n; i++) {
		if (o->v[i].sum == 0)
			continue;
		v[k].amount = -o->v[i].sum;   /* never INT64_MIN: checked per row */
		v[k].category = "order";
		v[k].order_id = o->v[i].id;
		v[k].order_ref = &o->v[i].ref;
		k++;
	}
	for (i = 0; i < jn; i++) {
		if (is_bank_line(&jl[i]))
			continue;
		amount = jl[i].amount;
		for (j = 0; j < o->nmoved; j++) {
			if (used[j] || jl[i].category == NULL || jl[i].account == NULL ||
			    strcmp(mapping_account_category_name(o->moved[j].cat), jl[i].category) != 0 ||
			    strcmp(o->moved[j].account, jl[i].account) != 0)
				continue;
			used[j] = 1;
			if (money_add(&amount, amount, o->moved[j].sum) < 0) {
				rc = lines_unbalanced(o, "a category line overflows at", amount, err);
				goto done;
			}
		}
		if (amount == 0)
			continue;
		v[k] = jl[i];
		v[k++].amount = amount;
	}
	for (j = 0; j < o->nmoved; j++) {
		if (used[j] || o->moved[j].sum == 0)
			continue;
		/* its category line summed to zero: what the orders took is left */
		v[k].account = o->moved[j].account;
		v[k].category = mapping_account_category_name(o->moved[j].cat);
		v[k++].amount = o->moved[j].sum;
	}
	/* the posting must still balance to the cent: never post otherwise */
	for (i = 0; i < k; i++) {
		if (money_add(&sum, sum, v[i].amount) < 0) {
			rc = lines_unbalanced(o, "the lines per order overflow at", v[i].amount, err);
			goto done;
		}
	}
	if (sum != 0) {
		rc = lines_unbalanced(o, "the lines per order add up to", sum, err);
		goto done;
	}
	*out = v;
	*nout = k;
	v = NULL;
done:
	free(v);
	free(used);
	return rc;
}

