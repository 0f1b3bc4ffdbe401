/*
 * journal.c: the settlement_post slot: one journal entry per settlement
 * (docs/NETSUITE.md s1: journalEntry subsidiary, tranDate, currency, memo,
 * externalId; sublist `line`: account, debit, credit, memo).
 *
 *   PUT /services/rest/record/v1/journalEntry/eid:{external_id}
 *   {"externalId","tranDate":deposit date,"currency":{"id"},"memo",
 *    ["subsidiary":{"id"}],"line":{"items":[
 *      {"account":{"id"},"debit":12.34[,"memo"]} | {"account":{"id"},"credit":..}]}}
 *
 * An upsert by external id (AMZ-STL-{settlementId}): the same settlement
 * posted twice updates the one entry, never makes a second; the http
 * client may repeat the PUT after a timeout.
 *
 * Lines: a posting line with amount > 0 is a debit, < 0 a credit of its
 * absolute value, in the order given; zero lines are left out. The lines
 * must sum to zero exactly (else SC_EINVALID before any request). Amounts
 * are written from minor units as exact decimal JSON numbers, never
 * through a double.
 *
 * Accounts: a posting's account string is what the account map says: the
 * account's number (acctnumber, what NetSuite's lists show: "4000",
 * "AMZ-CLEARING") or its internal id. It is looked up as a number first,
 * once per run (cached), with SuiteQL `SELECT id, acctnumber FROM account
 * WHERE acctnumber = 'X'`; when no account has that number, a string of
 * digits is taken as the internal id, anything else is an error naming it.
 * So a string that is one account's number and another's internal id means
 * the account with that number.
 *
 * Memo: the posting's memo when it has one, else "Amazon settlement ID
 * START–END, deposit DATE" (dates UTC, "Amazon" because the external id
 * starts with AMZ-; another prefix says "Marketplace").
 */
#include "adapters/netsuite/netsuite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/model.h"
#include "connector/money.h"
#include "connector/timeutil.h"

#define JOURNAL_TYPE "journalEntry"

/* ,"key":"value" */
static int
put_str(struct buf *b, const char *key, const char *value)
{
	int rc;

	if ((rc = buf_printf(b, ",\"%s\":\"", key)) < 0 || (rc = buf_json_escape(b, value)) < 0)
		return rc;
	return buf_puts(b, "\"");
}

/* ,"key":{"id":"value"} */
static int
put_ref(struct buf *b, const char *key, const char *id)
{
	int rc;

	if ((rc = buf_printf(b, ",\"%s\":{\"id\":\"", key)) < 0 ||
	    (rc = buf_json_escape(b, id)) < 0)
		return rc;
	return buf_puts(b, "\"}");
}

/* The default memo: "Amazon settlement 123 2026-11-06–2026-11-20, deposit 2026-11-22". */
static int
put_memo(struct buf *b, const struct settlement_posting *p, const char *external_id)
{
	const struct settlement_header *h = p->header;
	char s[11], e[11], d[11];
	int rc;

	if (p->memo != NULL && p->memo[0] != '\0')
		return put_str(b, "memo", p->memo);
	time_format_date(s, h->start);
	time_format_date(e, h->end);
	time_format_date(d, h->deposit);
	if ((rc = buf_printf(b, ",\"memo\":\"%s settlement ",
	                     strncmp(external_id, "AMZ-", 4) == 0 ? "Amazon" : "Marketplace")) < 0 ||
	    (rc = buf_json_escape(b, h->id)) < 0)
		return rc;
	/* U+2013 EN DASH between the dates */
	return buf_printf(b, " %s\xe2\x80\x93%s, deposit %s\"", s, e, d);
}

int
netsuite__journal_check(const struct settlement_posting *p, const char *external_id,
                        struct sc_error *err)
{
	const struct settlement_header *h = p != NULL ? p->header : NULL;
	int64_t sum = 0;
	char a[32];
	size_t i, nonzero = 0;

	if (h == NULL || h->id[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "settlement posting without a settlement id");
	if (external_id == NULL || external_id[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "settlement %s: no external id", h->id);
	if (h->currency[0] == '\0' || h->exponent < 0 || h->exponent > 4)
		return sc_error_set(err, SC_EINVALID, "settlement %s: no currency (or exponent %d)",
		                    h->id, h->exponent);
	if (p->lines == NULL && p->nlines > 0)
		return sc_error_set(err, SC_EINVALID, "settlement %s: no lines", h->id);
	for (i = 0; i < p->nlines; i++) {
		const struct journal_line *l = &p->lines[i];

		if (l->account == NULL || l->account[0] == '\0')
			return sc_error_set(err, SC_EINVALID, "settlement %s: journal line %zu (%s) "
			                    "has no account", h->id, i + 1,
			                    l->category != NULL ? l->category : "no category");
		if (l->amount == INT64_MIN || money_add(&sum, sum, l->amount) < 0)
			return sc_error_set(err, SC_EINVALID, "settlement %s: the journal amounts "
			                    "overflow", h->id);
		nonzero += l->amount != 0;
	}
	if (nonzero == 0)
		return sc_error_set(err, SC_EINVALID, "settlement %s: the journal entry has no "
		                    "line with an amount", h->id);
	if (sum != 0) {
		money_format(a, sizeof(a), sum, h->exponent);
		return sc_error_set(err, SC_EINVALID, "settlement %s: the journal lines add up to "
		                    "%s %s, not zero (debits must equal credits)", h->id, a,
		                    h->currency);
	}
	return 0;
}

int
netsuite__journal_body(struct buf *out, const struct settlement_posting *p,
                       const char *external_id, const char *currency_id,
                       const char *subsidiary_id, const char *const *account_ids,
                       struct sc_error *err)
{
	const struct settlement_header *h = p->header;
	char date[11], amt[32];
	size_t i;
	int rc, first = 1;

	if ((rc = netsuite__journal_check(p, external_id, err)) < 0)
		return rc;
	time_format_date(date, h->deposit);
	if ((rc = buf_puts(out, "{\"externalId\":\"")) < 0 ||
	    (rc = buf_json_escape(out, external_id)) < 0 || (rc = buf_puts(out, "\"")) < 0 ||
	    (rc = put_str(out, "tranDate", date)) < 0 ||
	    (rc = put_ref(out, "currency", currency_id)) < 0 ||
	    (rc = put_memo(out, p, external_id)) < 0)
		goto nomem;
	if (subsidiary_id != NULL && subsidiary_id[0] != '\0' &&
	    (rc = put_ref(out, "subsidiary", subsidiary_id)) < 0)
		goto nomem;
	if ((rc = buf_puts(out, ",\"line\":{\"items\":[")) < 0)
		goto nomem;
	for (i = 0; i < p->nlines; i++) {
		const struct journal_line *l = &p->lines[i];
		int64_t mag = l->amount < 0 ? -l->amount : l->amount;

		if (l->amount == 0)
			continue;
		if ((rc = money_format(amt, sizeof(amt), mag, h->exponent)) < 0)
			return sc_error_set(err, SC_EINVALID, "settlement %s: line %zu: amount out "
			                    "of range", h->id, i + 1);
		if ((rc = buf_puts(out, first ? "{\"account\":{\"id\":\"" : ",{\"account\":{\"id\":\"")) < 0 ||
		    (rc = buf_json_escape(out, account_ids[i])) < 0 ||
		    (rc = buf_printf(out, "\"},\"%s\":%s", l->amount > 0 ? "debit" : "credit", amt)) < 0)
			goto nomem;
		if (l->memo != NULL && l->memo[0] != '\0' && (rc = put_str(out, "memo", l->memo)) < 0)
			goto nomem;
		if ((rc = buf_puts(out, "}")) < 0)
			goto nomem;
		first = 0;
	}
	if ((rc = buf_puts(out, "]}}")) < 0)
		goto nomem;
	return 0;
nomem:
	return sc_error_set(err, rc, "settlement %s: cannot build the NetSuite body", h->id);
}

int
netsuite__account_query(struct buf *out, const char *acctnumber)
{
	const char *p;
	int rc;

	if ((rc = buf_puts(out, "SELECT id, acctnumber FROM account WHERE acctnumber = '")) < 0)
		return rc;
	for (p = acctnumber; *p != '\0'; p++)
		if ((rc = buf_append(out, p, 1)) < 0 ||
		    (*p == '\'' && (rc = buf_append(out, "'", 1)) < 0))
			return rc;
	return buf_puts(out, "'");
}

int
netsuite__account_resolve(struct netsuite *ns, const char *account, char *out, size_t n,
                          struct sc_error *err)
{
	struct netsuite_pairs pairs = { NULL, 0, 0 };
	const char *id = NULL;
	struct buf q;
	size_t i;
	int found, rc;

	if (account == NULL || account[0] == '\0' || strlen(account) >= n)
		return sc_error_set(err, SC_EINVALID, "account \"%.40s\": empty or too long",
		                    account != NULL ? account : "");
	pthread_mutex_lock(&ns->cache_lock);
	found = netsuite__map_get(&ns->accounts, account, &id);
	if (found)
		snprintf(out, n, "%s", id);
	pthread_mutex_unlock(&ns->cache_lock);
	if (found)
		return 0;
	buf_init(&q, 0);
	if ((rc = netsuite__account_query(&q, account)) < 0) {
		sc_error_set(err, rc, "account %.60s: out of memory", account);
		goto done;
	}
	if ((rc = netsuite__suiteql_run(ns, buf_cstr(&q), "acctnumber", "id", &pairs, err)) < 0) {
		sc_error_prefix(err, "account number %.60s", account);
		goto done;
	}
	for (i = 0, id = NULL; i < pairs.n; i++) {
		if (strcmp(pairs.v[i].key, account) != 0)
			continue;
		if (id != NULL && strcmp(id, pairs.v[i].value) != 0) {
			rc = sc_error_set(err, SC_EINVALID, "account number %.60s names more than one "
			                  "NetSuite account (%s, %s): configure the internal id",
			                  account, id, pairs.v[i].value);
			goto done;
		}
		id = pairs.v[i].value;
	}
	if (id == NULL && netsuite__all_digits(account))
		id = account;       /* no such number: an internal id */
	if (id == NULL || !netsuite__all_digits(id) || strlen(id) >= n) {
		rc = sc_error_set(err, SC_EINVALID, "NetSuite has no account with number %.60s "
		                  "(Lists > Accounting > Accounts)", account);
		goto done;
	}
	snprintf(out, n, "%s", id);
	pthread_mutex_lock(&ns->cache_lock);
	rc = netsuite__map_put(&ns->accounts, account, id);
	pthread_mutex_unlock(&ns->cache_lock);
	if (rc < 0)
		sc_error_set(err, rc, "out of memory");
done:
	netsuite__pairs_free(&pairs);
	buf_free(&q);
	return rc;
}

int
netsuite__settlement_post(void *self, const struct settlement_posting *p,
                          const char *external_id, struct erp_ref *out, struct sc_error *err)
{
	struct netsuite *ns = self;
	char currency_id[64], **ids = NULL;
	struct erp_ref ref;
	struct buf body;
	size_t i;
	int rc;

	buf_init(&body, 0);
	memset(&ref, 0, sizeof(ref));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((rc = netsuite__journal_check(p, external_id, err)) < 0)
		return rc;
	if ((rc = netsuite__currency_resolve(ns, p->header->currency, currency_id,
	                                     sizeof(currency_id), err)) < 0) {
		sc_error_prefix(err, "settlement %s", p->header->id);
		goto done;
	}
	if ((ids = calloc(p->nlines + 1, sizeof(*ids))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < p->nlines; i++) {
		char id[64];

		if (p->lines[i].amount == 0)
			continue;
		if ((rc = netsuite__account_resolve(ns, p->lines[i].account, id, sizeof(id),
		                                    err)) < 0) {
			sc_error_prefix(err, "settlement %s: line %zu (%s)", p->header->id, i + 1,
			                p->lines[i].category != NULL ? p->lines[i].category : "-");
			goto done;
		}
		if ((ids[i] = strdup(id)) == NULL) {
			rc = sc_error_set(err, SC_ENOMEM, "out of memory");
			goto done;
		}
	}
	if ((rc = netsuite__journal_body(&body, p, external_id, currency_id,
	                                 ns->body.subsidiary_id, (const char *const *)ids,
	                                 err)) < 0)
		goto done;
	if ((rc = netsuite__record_upsert(ns, JOURNAL_TYPE, external_id, body.data, body.len,
	                                  &ref, err)) < 0) {
		sc_error_prefix(err, "settlement %s", p->header->id);
		goto done;
	}
	if (out != NULL)
		*out = ref;
done:
	netsuite__strv_free(ids, p->nlines);
	buf_free(&body);
	return rc;
}
