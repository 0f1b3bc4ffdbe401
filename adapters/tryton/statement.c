/*
 * statement.c: the settlement_post slot: one settlement becomes one
 * account.statement on the payout journal ([erp] payout_journal).
 *
 * The engine hands a balanced journal (mapping/README.md): the bank line
 * (category "bank", the deposit) and one line per category and account,
 * each signed as a journal line (a sale is a credit, negative). In Tryton
 * the bank side is the statement itself: its journal's account receives
 * each statement line's amount and the line's own account the other side.
 * So every line but the bank line becomes a statement line with amount =
 * minus the journal amount (what it added to the payout: charges positive,
 * fees negative), its account found by code, else by name (the map's account
 * names), description "<category>" plus the line's memo; the bank line must
 * equal the settlement's deposit, and the statement runs from start balance
 * 0 to end balance = the deposit (so Tryton's "balance" validation holds,
 * and "amount" and "number of lines" get their figures too). A category
 * line carrying its order's sale (journal_line.order_ref) gets that sale's
 * party (needed on receivable accounts); any other line on an account that
 * requires a party is an error naming the account. The statement's date is
 * the deposit date, its name the connector's external id (AMZ-STL-...),
 * by which it is found again; the journal's currency must be the
 * settlement's.
 *
 * Orders: tryton_ops sets settlement_by_order, so the posting also has one
 * line per order (category "order", no account: adapter.h), what the buyer
 * paid for it in this settlement less what went back. Its statement line
 * gets the party of the order's sale, description "order ID", and pays an
 * invoice when one fits: for an amount received, a posted invoice of the
 * sale; for an amount paid back, a posted credit note of the connector for
 * the order (reference "<PREFIX>-RFD-ID-..."); fitting = same party,
 * currency and sign, and an amount to pay at least the line's (Tryton
 * refuses payments above the amount to pay). The line then has the
 * invoice's receivable account and `invoice` set: validating the statement
 * adds the payment to the invoice and, when it pays the rest, reconciles
 * it (the invoice becomes paid). With no invoice that fits (none posted
 * yet, paid already, less left to pay than the line), the line goes to the
 * party's receivable account (else the accounting configuration's default)
 * with no invoice: the payment is recorded against the buyer, and matching
 * it is left to a person. Invoices are paid only when the payout journal is in
 * the company's currency, as Tryton's own statement form does: otherwise
 * the rate of the statement's date could make the payment exceed the
 * invoice and Tryton refuse the statement.
 *
 * statement_state (conf): draft leaves it, validated runs validate_statement
 * (Tryton makes the moves), posted also posts it. A statement found under
 * the name is taken where it stands and moved on. Read back: the number of
 * lines and their sum against what was written.
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/model.h"
#include "connector/money.h"

static int
is_bank(const struct journal_line *l)
{
	return l->category != NULL && strcmp(l->category, "bank") == 0;
}

static int
is_order(const struct journal_line *l)
{
	return l->category != NULL && strcmp(l->category, "order") == 0;
}

/* The payout journal, and whether its lines may pay invoices. */
struct stl_journal {
	int64_t id;
	int64_t currency;                /* the journal's */
	int pay_invoices;                /* 1: its currency is the company's */
};

int
tryton__statement_check(const struct settlement_posting *p, const char *external_id,
                        struct sc_error *err)
{
	const struct settlement_header *h = p != NULL ? p->header : NULL;
	int64_t sum = 0, bank = 0;
	char a[32], b[32];
	size_t i, nbank = 0;

	if (h == NULL || h->id[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "settlement posting without a settlement id");
	if (external_id == NULL || external_id[0] == '\0' || strlen(external_id) >= 160 /* erp_ref.external_id */)
		return sc_error_set(err, SC_EINVALID, "settlement %s: no external id, or too long",
		                    h->id);
	if (h->currency[0] == '\0' || h->exponent < 0 || h->exponent > 4)
		return sc_error_set(err, SC_EINVALID, "settlement %s: no currency (or exponent %d)",
		                    h->id, h->exponent);
	if (p->lines == NULL && p->nlines > 0)
		return sc_error_set(err, SC_EINVALID, "settlement %s: no lines", h->id);
	for (i = 0; i < p->nlines; i++) {
		const struct journal_line *l = &p->lines[i];

		if (l->amount == INT64_MIN || money_add(&sum, sum, l->amount) < 0)
			return sc_error_set(err, SC_EINVALID, "settlement %s: amounts overflow", h->id);
		if (is_bank(l)) {
			nbank++;
			bank += l->amount;
		} else if (is_order(l)) {
			if (l->order_id == NULL || l->order_ref == NULL || l->order_ref->id[0] == '\0')
				return sc_error_set(err, SC_EINVALID, "settlement %s: line %zu (order %s) "
				                    "has no sale", h->id, i + 1,
				                    l->order_id != NULL ? l->order_id : "without an id");
		} else if (l->amount != 0 && (l->account == NULL || l->account[0] == '\0')) {
			return sc_error_set(err, SC_EINVALID, "settlement %s: line %zu (%s) has no "
			                    "account", h->id, i + 1,
			                    l->category != NULL ? l->category : "no category");
		}
	}
	if (nbank > 1)
		return sc_error_set(err, SC_EINVALID, "settlement %s: %zu bank lines", h->id, nbank);
	if (sum != 0) {
		money_format(a, sizeof(a), sum, h->exponent);
		return sc_error_set(err, SC_EINVALID, "settlement %s: the journal lines add up to %s "
		                    "%s, not zero", h->id, a, h->currency);
	}
	if (bank != h->total) {
		money_format(a, sizeof(a), bank, h->exponent);
		money_format(b, sizeof(b), h->total, h->exponent);
		return sc_error_set(err, SC_EINVALID, "settlement %s: the bank line is %s %s, the "
		                    "deposit %s %s", h->id, a, h->currency, b, h->currency);
	}
	return 0;
}

int
tryton__statement_find(struct tryton *t, const char *eid, int64_t *id, struct sc_error *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	struct buf d;
	int rc;

	buf_init(&d, 0);
	if ((rc = buf_puts(&d, "[[\"name\",\"=\",")) < 0 || (rc = tryton__put_str(&d, eid)) < 0 ||
	    (rc = buf_puts(&d, "],[\"state\",\"!=\",\"cancelled\"]]")) < 0)
		rc = sc_error_set(err, rc, "out of memory");
	else if ((rc = tryton__search(t, "account.statement", buf_cstr(&d), 2, &ids, &n, err)) == 0) {
		if (n > 1)
			rc = sc_error_set(err, SC_ECONFLICT, "Tryton holds %zu statements named %s (ids "
			                  "%lld, %lld)", n, eid, (long long)ids[0], (long long)ids[1]);
		else if (n == 1)
			*id = ids[0];
		if (rc == 0)
			rc = n == 1;
	}
	free(ids);
	buf_free(&d);
	return rc;
}

/* The payout journal, checked against the settlement's currency; with
 * `orders`, whether its currency is the company's. */
static int
journal_resolve(struct tryton *t, const struct settlement_header *h, int orders,
                struct stl_journal *jr, struct sc_error *err)
{
	json_object *j = NULL, *c = NULL, *co = NULL;
	int64_t cur = 0, ccur = 0, *out = &jr->id;
	const char *code;
	int rc;

	if (t->payout_journal == NULL)
		return sc_error_set(err, SC_EINVALID, "settlement %s: [erp] payout_journal is not set "
		                    "(the statement journal payouts are posted on)", h->id);
	if ((rc = tryton__named(t, "account.statement.journal", t->payout_journal, out, err)) < 0) {
		sc_error_prefix(err, "settlement %s: [erp] payout_journal", h->id);
		return rc;
	}
	if ((rc = tryton__read(t, "account.statement.journal", out, 1, "[\"currency\"]", &j, err)) < 0)
		goto done;
	if (tryton__get_id(tryton__member(json_object_array_get_idx(j, 0), "currency"), &cur,
	                   "currency", err) != 1) {
		rc = sc_error_set(err, SC_EMALFORMED, "statement journal without a currency");
		goto done;
	}
	if ((rc = tryton__read(t, "currency.currency", &cur, 1, "[\"code\"]", &c, err)) < 0)
		goto done;
	code = tryton__get_str(json_object_array_get_idx(c, 0), "code");
	if (code == NULL || strcmp(code, h->currency) != 0)
		rc = sc_error_set(err, SC_EINVALID, "settlement %s is in %s, the payout journal \"%s\" "
		                  "in %s", h->id, h->currency, t->payout_journal,
		                  code != NULL ? code : "?");
	jr->currency = cur;
	if (rc < 0 || !orders || t->company_id <= 0)
		goto done;
	if ((rc = tryton__read(t, "company.company", &t->company_id, 1, "[\"currency\"]", &co,
	                       err)) < 0)
		goto done;
	jr->pay_invoices = tryton__get_id(tryton__member(json_object_array_get_idx(co, 0),
	                                                 "currency"), &ccur, "currency", NULL) == 1 &&
	                   ccur == cur;
done:
	json_object_put(j);
	json_object_put(c);
	json_object_put(co);
	return rc;
}

/* The sale of a line's order. */
static int
line_sale(const struct journal_line *l, int64_t *sale, struct sc_error *err)
{
	char *end = NULL;

	*sale = strtoll(l->order_ref->id, &end, 10);
	if (*end != '\0' || *sale <= 0 || strcmp(l->order_ref->type, "sale") != 0)
		return sc_error_set(err, SC_EINVALID, "order %s: %s \"%s\" is not a Tryton sale",
		                    l->order_id != NULL ? l->order_id : "-", l->order_ref->type,
		                    l->order_ref->id);
	return 0;
}

/* The party of a line's sale, for accounts that require one. */
static int
line_party(struct tryton *t, const struct journal_line *l, const char *account, int64_t *party,
           struct sc_error *err)
{
	json_object *s = NULL;
	int64_t sale = 0;
	int rc;

	if (l->order_ref == NULL || l->order_ref->id[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "account \"%s\" (%s) requires a party in "
		                    "Tryton, and the line is for no order: map it to an account that "
		                    "needs none", account, l->category != NULL ? l->category : "-");
	if ((rc = line_sale(l, &sale, err)) < 0)
		return rc;
	if ((rc = tryton__read(t, "sale.sale", &sale, 1, "[\"party\"]", &s, err)) == 0 &&
	    tryton__get_id(tryton__member(json_object_array_get_idx(s, 0), "party"), party, "party",
	                   err) != 1)
		rc = sc_error_set(err, SC_EMALFORMED, "sale %lld has no party", (long long)sale);
	json_object_put(s);
	return rc;
}

/* Where an order's statement line goes. */
struct order_target {
	int64_t party;
	int64_t account;                 /* receivable */
	int64_t invoice;                 /* 0: none fits */
};

/* The first of `ids` (account.invoice) an order line of `amount` (what it
 * added to the payout) may pay: posted, of the party, in the journal's
 * currency, amount to pay of the same sign and at least as large; credit
 * notes only when their reference starts with `ref_prefix`. 1 and *out
 * (invoice and account), 0 none. */
static int
invoice_pick(struct tryton *t, const int64_t *ids, size_t n, int64_t amount,
             const struct settlement_header *h, const struct stl_journal *jr,
             const char *ref_prefix, struct order_target *out, struct sc_error *err)
{
	json_object *recs = NULL;
	size_t i;
	int rc, found = 0;

	if (n == 0)
		return 0;
	if ((rc = tryton__read(t, "account.invoice", ids, n, "[\"state\",\"type\",\"party\","
	                       "\"currency\",\"account\",\"amount_to_pay\",\"reference\"]", &recs,
	                       err)) < 0)
		return rc;
	for (i = 0; i < n && !found; i++) {
		json_object *r = json_object_array_get_idx(recs, i);
		const char *state = tryton__get_str(r, "state"), *type = tryton__get_str(r, "type");
		const char *ref = tryton__get_str(r, "reference");
		int64_t party = 0, cur = 0, account = 0, due = 0;

		if (state == NULL || strcmp(state, "posted") != 0 || type == NULL ||
		    strcmp(type, "out") != 0 ||
		    tryton__get_id(tryton__member(r, "party"), &party, "party", NULL) != 1 ||
		    party != out->party ||
		    tryton__get_id(tryton__member(r, "currency"), &cur, "currency", NULL) != 1 ||
		    cur != jr->currency ||
		    tryton__get_id(tryton__member(r, "account"), &account, "account", NULL) != 1 ||
		    tryton__get_decimal(tryton__member(r, "amount_to_pay"), h->exponent, &due,
		                        "amount to pay", NULL) != 1)
			continue;
		if (ref_prefix != NULL &&
		    (ref == NULL || strncmp(ref, ref_prefix, strlen(ref_prefix)) != 0))
			continue;
		if ((amount > 0 && due >= amount) || (amount < 0 && due <= amount)) {
			out->invoice = ids[i];
			out->account = account;
			found = 1;
		}
	}
	json_object_put(recs);
	return found;
}

/* The party's receivable account, else the configuration's default. */
static int
receivable_resolve(struct tryton *t, int64_t party, int64_t *out, struct sc_error *err)
{
	json_object *p = NULL, *c = NULL;
	int64_t one = 1;
	int rc;

	if ((rc = tryton__read(t, "party.party", &party, 1, "[\"account_receivable\"]", &p,
	                       err)) < 0)
		goto done;
	if (tryton__get_id(tryton__member(json_object_array_get_idx(p, 0), "account_receivable"),
	                   out, "receivable", NULL) == 1)
		goto done;
	if ((rc = tryton__read(t, "account.configuration", &one, 1,
	                       "[\"default_account_receivable\"]", &c, err)) < 0)
		goto done;
	if (tryton__get_id(tryton__member(json_object_array_get_idx(c, 0),
	                                  "default_account_receivable"), out, "receivable",
	                   NULL) != 1)
		rc = sc_error_set(err, SC_EINVALID, "party %lld has no receivable account, and "
		                  "Tryton's accounting configuration no default one", (long long)party);
done:
	json_object_put(p);
	json_object_put(c);
	return rc;
}

/* The party, account and invoice of an order's statement line of `amount`. */
static int
order_target(struct tryton *t, const struct journal_line *l, int64_t amount,
             const struct settlement_header *h, const struct stl_journal *jr,
             struct order_target *out, struct sc_error *err)
{
	json_object *s = NULL, *inv;
	int64_t sale = 0, *ids = NULL;
	const char *rest = NULL;
	char prefix[256], like[260];
	size_t n = 0, i, plen = 0;
	struct buf d;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&d, 0);
	if ((rc = line_sale(l, &sale, err)) < 0 ||
	    (rc = tryton__read(t, "sale.sale", &sale, 1, "[\"party\",\"invoices\"]", &s, err)) < 0)
		goto done;
	if (tryton__get_id(tryton__member(json_object_array_get_idx(s, 0), "party"), &out->party,
	                   "party", err) != 1) {
		rc = sc_error_set(err, SC_EMALFORMED, "sale %lld has no party", (long long)sale);
		goto done;
	}
	if (!jr->pay_invoices)
		goto receivable;
	if (amount > 0) {            /* received: the sale's invoices */
		inv = tryton__member(json_object_array_get_idx(s, 0), "invoices");
		n = inv != NULL && json_object_is_type(inv, json_type_array)
		        ? json_object_array_length(inv) : 0;
		if ((ids = calloc(n + 1, sizeof(*ids))) == NULL) {
			rc = sc_error_set(err, SC_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < n; i++)
			tryton__get_id(json_object_array_get_idx(inv, i), &ids[i], "invoice", NULL);
		rc = invoice_pick(t, ids, n, amount, h, jr, NULL, out, err);
	} else if (tryton__eid_split(l->order_ref->external_id, "-ORD-", &rest, &plen)) {
		/* paid back: the connector's credit notes of the order */
		snprintf(prefix, sizeof(prefix), "%.*s-RFD-%s-", (int)plen, l->order_ref->external_id,
		         rest);
		snprintf(like, sizeof(like), "%s%%", prefix);
		if ((rc = buf_puts(&d, "[[\"type\",\"=\",\"out\"],[\"state\",\"=\",\"posted\"],"
		                   "[\"reference\",\"like\",")) < 0 ||
		    (rc = tryton__put_str(&d, like)) < 0 || (rc = buf_puts(&d, "]]")) < 0) {
			rc = sc_error_set(err, SC_ENOMEM, "out of memory");
			goto done;
		}
		if ((rc = tryton__search(t, "account.invoice", buf_cstr(&d), 0, &ids, &n, err)) < 0)
			goto done;
		rc = invoice_pick(t, ids, n, amount, h, jr, prefix, out, err);
	}
	if (rc != 0)
		goto done;
receivable:
	rc = receivable_resolve(t, out->party, &out->account, err);
done:
	if (rc > 0)
		rc = 0;
	json_object_put(s);
	free(ids);
	buf_free(&d);
	return rc;
}

/* The statement's create values. */
static int
statement_values(struct tryton *t, struct buf *b, const struct settlement_posting *p,
                 const char *eid, const struct stl_journal *jr, struct sc_error *err)
{
	const struct settlement_header *h = p->header;
	size_t i, k = 0;
	int rc;

	for (i = 0; i < p->nlines; i++)
		k += !is_bank(&p->lines[i]) && p->lines[i].amount != 0;
	if ((rc = buf_puts(b, "{\"name\":")) < 0 || (rc = tryton__put_str(b, eid)) < 0 ||
	    (rc = buf_printf(b, ",\"journal\":%lld,\"date\":", (long long)jr->id)) < 0 ||
	    (rc = tryton__put_date(b, h->deposit)) < 0 ||
	    (rc = buf_puts(b, ",\"start_balance\":")) < 0 || (rc = tryton__put_decimal(b, 0, 0)) < 0 ||
	    (rc = buf_puts(b, ",\"end_balance\":")) < 0 ||
	    (rc = tryton__put_decimal(b, h->total, h->exponent)) < 0 ||
	    (rc = buf_puts(b, ",\"total_amount\":")) < 0 ||
	    (rc = tryton__put_decimal(b, h->total, h->exponent)) < 0 ||
	    (rc = buf_printf(b, ",\"number_of_lines\":%zu,\"lines\":[[\"create\",[", k)) < 0)
		goto nomem;
	for (i = 0, k = 0; i < p->nlines; i++) {
		const struct journal_line *l = &p->lines[i];
		struct order_target to;
		int need_party = 0;

		if (is_bank(l) || l->amount == 0)
			continue;
		memset(&to, 0, sizeof(to));
		if (is_order(l))
			rc = order_target(t, l, -l->amount, h, jr, &to, err);
		else if ((rc = tryton__account_resolve(t, l->account, &to.account, &need_party,
		                                       err)) == 0 && need_party)
			rc = line_party(t, l, l->account, &to.party, err);
		if (rc < 0) {
			sc_error_prefix(err, "settlement %s: line %zu (%s%s%s)", h->id, i + 1,
			                l->category != NULL ? l->category : "-",
			                l->order_id != NULL ? " " : "",
			                l->order_id != NULL ? l->order_id : "");
			return rc;
		}
		if ((rc = buf_printf(b, "%s{\"number\":\"%zu\",\"date\":", k > 0 ? "," : "", k + 1)) < 0 ||
		    (rc = tryton__put_date(b, h->deposit)) < 0 || (rc = buf_puts(b, ",\"amount\":")) < 0 ||
		    (rc = tryton__put_decimal(b, -l->amount, h->exponent)) < 0 ||
		    (rc = buf_printf(b, ",\"account\":%lld", (long long)to.account)) < 0 ||
		    (to.party > 0 && (rc = buf_printf(b, ",\"party\":%lld", (long long)to.party)) < 0) ||
		    (to.invoice > 0 &&
		     (rc = buf_printf(b, ",\"invoice\":%lld", (long long)to.invoice)) < 0) ||
		    (rc = buf_puts(b, ",\"description\":\"")) < 0 ||
		    (!is_order(l) &&
		     (rc = buf_json_escape(b, l->category != NULL ? l->category : "")) < 0) ||
		    (l->order_id != NULL && l->order_id[0] != '\0' &&
		     ((rc = buf_puts(b, is_order(l) ? "order " : " order ")) < 0 ||
		      (rc = buf_json_escape(b, l->order_id)) < 0)) ||
		    (l->memo != NULL && l->memo[0] != '\0' &&
		     ((rc = buf_puts(b, ": ")) < 0 || (rc = buf_json_escape(b, l->memo)) < 0)) ||
		    (rc = buf_puts(b, "\"}")) < 0)
			goto nomem;
		k++;
	}
	if ((rc = buf_puts(b, "]]]}")) < 0)
		goto nomem;
	return 0;
nomem:
	return sc_error_set(err, SC_ENOMEM, "settlement %s: cannot build the statement", h->id);
}

/* Move the statement on as conf says, then compare its lines. */
static int
statement_finish(struct tryton *t, const struct settlement_posting *p, int64_t id,
                 struct sc_error *err)
{
	const struct settlement_header *h = p->header;
	json_object *st = NULL, *lines = NULL, *ids_v;
	int64_t *lids = NULL, sum = 0, amount = 0;
	const char *state;
	size_t n, i, want = 0;
	char a[32], b[32];
	int rc;

	if ((rc = tryton__read(t, "account.statement", &id, 1, "[\"state\",\"lines\"]", &st, err)) < 0)
		goto done;
	state = tryton__get_str(json_object_array_get_idx(st, 0), "state");
	if (state != NULL && strcmp(state, "draft") == 0 &&
	    t->statement_state >= TRYTON_STATEMENT_VALIDATED &&
	    (rc = tryton__button(t, "account.statement", "validate_statement", &id, 1, err)) < 0)
		goto done;
	if (state != NULL && (strcmp(state, "draft") == 0 || strcmp(state, "validated") == 0) &&
	    t->statement_state >= TRYTON_STATEMENT_POSTED &&
	    (rc = tryton__button(t, "account.statement", "post", &id, 1, err)) < 0)
		goto done;
	ids_v = tryton__member(json_object_array_get_idx(st, 0), "lines");
	n = ids_v != NULL && json_object_is_type(ids_v, json_type_array)
	        ? json_object_array_length(ids_v) : 0;
	if ((lids = calloc(n + 1, sizeof(*lids))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		tryton__get_id(json_object_array_get_idx(ids_v, i), &lids[i], "line", NULL);
	if (n > 0 && (rc = tryton__read(t, "account.statement.line", lids, n, "[\"amount\"]", &lines,
	                                err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		if (tryton__get_decimal(tryton__member(json_object_array_get_idx(lines, i), "amount"),
		                        h->exponent, &amount, "statement line amount", err) < 0) {
			rc = err != NULL ? err->code : SC_EMALFORMED;
			goto done;
		}
		if (money_add(&sum, sum, amount) < 0) {
			rc = sc_error_set(err, SC_EINVALID, "statement amounts overflow");
			goto done;
		}
	}
	for (i = 0; i < p->nlines; i++)
		want += !is_bank(&p->lines[i]) && p->lines[i].amount != 0;
	if (n != want || sum != h->total) {
		money_format(a, sizeof(a), sum, h->exponent);
		money_format(b, sizeof(b), h->total, h->exponent);
		rc = sc_error_set(err, SC_EINVALID, "settlement %s: statement %lld in Tryton has %zu "
		                  "lines summing to %s, %zu lines summing to %s were written", h->id,
		                  (long long)id, n, a, want, b);
	}
done:
	json_object_put(st);
	json_object_put(lines);
	free(lids);
	return rc;
}

int
tryton__settlement_post(void *self, const struct settlement_posting *p, const char *eid,
                        struct erp_ref *out, struct sc_error *err)
{
	struct tryton *t = self;
	struct sc_error scratch;
	struct stl_journal jr;
	int64_t id = 0;
	struct buf b;
	size_t i;
	int rc, orders = 0;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((rc = tryton__statement_check(p, eid, err)) < 0)
		return rc;
	for (i = 0; i < p->nlines; i++)
		orders += is_order(&p->lines[i]);
	memset(&jr, 0, sizeof(jr));
	buf_init(&b, 0);
	if ((rc = tryton__statement_find(t, eid, &id, err)) < 0)
		goto fail;
	if (rc == 0) {
		if ((rc = journal_resolve(t, p->header, orders > 0, &jr, err)) < 0 ||
		    (rc = statement_values(t, &b, p, eid, &jr, err)) < 0)
			goto done;
		if ((rc = tryton__create(t, "account.statement", buf_cstr(&b), &id, err)) < 0) {
			sc_error_clear(&scratch);
			if (!sc_code_is_transient(rc) || tryton__statement_find(t, eid, &id, &scratch) != 1)
				goto fail;
			sc_error_clear(err);
		}
	}
	if (out != NULL) {
		snprintf(out->type, sizeof(out->type), "statement");
		snprintf(out->id, sizeof(out->id), "%lld", (long long)id);
		snprintf(out->external_id, sizeof(out->external_id), "%s", eid);
	}
	if ((rc = statement_finish(t, p, id, err)) < 0)
		goto fail;
	goto done;
fail:
	if (err != NULL && strncmp(err->msg, "settlement ", 11) != 0)
		sc_error_prefix(err, "settlement %s", p->header->id);
done:
	buf_free(&b);
	return rc;
}
