/*
 * reconcile_orders.h: a settlement's posting with a line per order, for an
 * ERP whose settlement_post asks for it (erp_ops.settlement_by_order,
 * adapters/adapter.h, which states the shape of the posting).
 *
 * Streaming, like the reconciler: the report's detail rows are fed one by
 * one (reconcile_orders_row) in a pass after the reconciler's, each
 * classified by the same account map. A row of an order (transaction type
 * Order or Refund with an order id) whose category is charges or refunds is
 * summed onto its order and taken off its (category, account) line; every
 * other row (the orders' fees included) stays where the journal has it.
 * Memory follows the number of distinct orders of the settlement (one entry
 * each, with its ERP record, and a hash index of at most four slots per
 * entry) and the map's accounts, never the number of rows: a repeat of the
 * order just seen costs no lookup at all.
 *
 * Balance: reconcile_journal's lines sum to zero (amount > 0 debit; the
 * bank line is the deposit, each (category, account) line minus its rows).
 * An order line is minus its rows and each category line gives up exactly
 * those rows, so the lines still sum to zero and the bank line is unchanged;
 * reconcile_orders_lines checks both to the cent (and that the rows fed are
 * the rows the journal was made from) and fails rather than return lines
 * that do not balance.
 */
#ifndef SC_RECONCILE_ORDERS_H
#define SC_RECONCILE_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "connector/error.h"
#include "connector/model.h"
#include "mapping/account_map.h"

struct reconcile_orders;

/* An order's ERP record: 1 and *out filled; 0 when the order has none (the
 * row then fails with SC_ENOTFOUND naming the order); <0 an error with err
 * set. Called once per distinct order, with the `ud` given at creation. */
typedef int (*reconcile_order_ref_fn)(void *ud, const char *order_id, struct erp_ref *out,
                                      struct sc_error *err);

/* Start. `map` is borrowed (it must outlive *out and the lines made from
 * it); only h's id and exponent are used (copied, for messages). *out is
 * NULL on error (SC_ENOMEM). */
int reconcile_orders_new(struct reconcile_orders **out, const struct account_map *map,
                         const struct settlement_header *h, reconcile_order_ref_fn ref_get,
                         void *ud, struct sc_error *err);

/* Feed one detail row (strings copied if kept: only order ids are). Every
 * row counts in the check of reconcile_orders_lines. Errors (the state is
 * then not to be used further): SC_EINVALID "line N: ..." for an order row
 * the map cannot place or a sum out of range; SC_ENOTFOUND "order X has no
 * ERP record ..."; ref_get's error; SC_ENOMEM. */
int reconcile_orders_row(struct reconcile_orders *o, const struct settlement_line *l,
                         struct sc_error *err);

/* Distinct orders whose charges or refunds were fed. */
size_t reconcile_orders_count(const struct reconcile_orders *o);

/* The posting per order from the per-category journal `jl` (reconcile_journal's
 * lines for the same rows) into *out (one malloc'd array, free(); its strings
 * and order_ref point into jl, the map and o, which must outlive it):
 *  1. the bank line(s) of jl, as they are;
 *  2. one line per order whose rows do not sum to zero, in the order the
 *     rows first named it: category "order", account NULL, amount = minus
 *     the sum of its charges and refunds rows, order_id, order_ref = what
 *     ref_get gave;
 *  3. each other line of jl less the rows its orders took, in jl's order,
 *     then (category, account) lines jl lacks (their rows summed to zero)
 *     holding what the orders took from them; zero lines left out.
 * SC_EINVALID "settlement ID: ... not posted" when the rows fed do not add
 * up to minus jl's non-bank lines, or the lines made do not sum to zero
 * exactly; SC_ENOMEM. On error *out is NULL and *n 0. */
int reconcile_orders_lines(const struct reconcile_orders *o, const struct journal_line *jl,
                           size_t jn, struct journal_line **out, size_t *n,
                           struct sc_error *err);

/* NULL-safe. */
void reconcile_orders_free(struct reconcile_orders *o);

#endif
