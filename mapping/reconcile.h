/*
 * reconcile.h: one settlement's detail rows classified by the account map,
 * totalled exactly, checked against the deposit, and turned into a journal.
 *
 * Streaming: the rows are fed one by one (reconcile_line) as the report is
 * parsed. Memory does not grow with the number of rows: the reconciler keeps
 * one running sum per category and per (category, account) of the map,
 * plus the order ids of Order and Refund rows: a repeat of the id just seen
 * is never stored, and the array is sorted and made unique whenever it
 * fills, growing only when more than half of it is distinct ids, so at most
 * about four times the distinct ids (and never fewer than 64 slots) are
 * held at any time.
 *
 * Signs (money is int64 minor units, connector/money.h): settlement amounts
 * are signed from the seller's view, a sale positive, a fee negative; the
 * header's total is the net deposit. balance = sum of detail rows - total;
 * zero is reconciled, anything else unbalanced. Every running sum is
 * overflow-checked, and kept within -INT64_MAX..INT64_MAX so it can be
 * negated: a row that would leave that range is refused (SC_EINVALID) and
 * changes nothing.
 *
 * Journal: amount > 0 is a debit. The bank/clearing account ([bank]) is
 * debited with the total; each (category, account) is posted the opposite
 * of the sum of its rows (sales become credits, fees debits). So the lines
 * sum to zero exactly when the settlement is reconciled.
 */
#ifndef SC_RECONCILE_H
#define SC_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "connector/error.h"
#include "connector/model.h"
#include "mapping/account_map.h"

struct reconcile;

enum reconcile_status {
	RECONCILE_RECONCILED = 0,   /* balance 0 */
	RECONCILE_UNBALANCED = 1    /* balance not 0: never posted */
};

struct reconcile_result {
	/* Totals per category, minor units; they add up to `sum` exactly. */
	int64_t charges, refunds, fees, adjustments;
	int64_t sum;                 /* every detail row fed */
	int64_t total;               /* the header's total-amount: the deposit */
	int64_t balance;             /* sum - total */
	size_t lines;                /* detail rows fed (refused rows not counted) */
	size_t suspense_lines;       /* rows no rule fitted, posted to [suspense] */
	long first_suspense_lineno;  /* the first of them (its file line); 0: none */
	enum reconcile_status status;
};

/* Start a settlement. `m` is borrowed: it must outlive r and every journal
 * made from it (the journal's account names point into it). `h` is copied.
 * SC_EINVALID when m or h is NULL, h->exponent is not 0..18 or h->total is
 * INT64_MIN; SC_ENOMEM. *out is NULL on error. */
int reconcile_new(struct reconcile **out, const struct account_map *m,
                  const struct settlement_header *h, struct sc_error *err);

/* keep 0: do not collect the order ids (memory then does not grow with the
 * report at all; reconcile_order_count is 0). The engine checks orders in a
 * second streaming pass instead. Default 1. */
void reconcile_keep_orders(struct reconcile *r, int keep);
/* 1 for the transaction types whose order id must be synced (Order, Refund). */
int reconcile_is_order_row(const char *type);

/* Add one detail row (its strings are copied if kept: only order ids are).
 * Order ids of rows whose transaction_type is exactly "Order" or "Refund"
 * are collected (empty ones are not). Errors, after which nothing has
 * changed and further rows may still be fed:
 *  - SC_EINVALID "line N: no account for Order / ItemFees / NewFee (add it
 *    to the map, or set [suspense] account)" for a row no rule fits and no
 *    suspense account ("" for an empty string);
 *  - SC_EINVALID "line N: ... overflow ..." when a sum would leave the range;
 *  - SC_ENOMEM. */
int reconcile_line(struct reconcile *r, const struct settlement_line *l,
                   struct sc_error *err);

/* The totals so far into *out, and the order ids sorted and made unique.
 * 0; SC_EINVALID when r or out is NULL; SC_ENOMEM never (sorting is in
 * place). May be called more than once (and more rows fed in between). */
int reconcile_finish(struct reconcile *r, struct reconcile_result *out);

/* The distinct order ids of the Order and Refund rows, in strcmp order,
 * after reconcile_finish (before it: the ids so far, in no order and maybe
 * with repeats). Borrowed: valid until the next reconcile_line or
 * reconcile_free. reconcile_order_at returns NULL past the end. */
size_t reconcile_order_count(const struct reconcile *r);
const char *reconcile_order_at(const struct reconcile *r, size_t i);

/* The journal of the rows fed so far into *out (one malloc'd array: the
 * caller frees it with free(); the strings in it are borrowed from the map
 * and static): first the bank line (category "bank", amount = total), then
 * one line per (category, account) in category order (charges, refunds,
 * fees, adjustments) and, within one, the category's own account first,
 * then rule accounts in the order of the map's rules, then [suspense].
 * Lines whose amount is zero are left out (so a settlement of zeros gives
 * n = 0). memo, order_id and order_ref are NULL. The amounts sum to zero.
 * SC_EINVALID when the settlement is unbalanced, the message giving every
 * category, the sum, the deposit and the difference; SC_ENOMEM. On error
 * *out is NULL and *n 0. */
int reconcile_journal(const struct reconcile *r, struct journal_line **out, size_t *n,
                      struct sc_error *err);

/* "charges 1000.00, refunds -50.00, fees -72.50, adjustments 13.50, detail
 * rows 44.97, deposit 44.98, difference -0.01 USD" into out (always
 * NUL-terminated, truncated to n). `exponent` and `currency` from the
 * header. Returns the length it wanted (like snprintf). */
int reconcile_result_format(const struct reconcile_result *res, const char *currency,
                            int exponent, char *out, size_t n);

/* NULL-safe. */
void reconcile_free(struct reconcile *r);

#endif
