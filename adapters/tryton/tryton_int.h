/*
 * tryton_int.h: the Tryton adapter's internals, shared by its files and
 * exposed to tests/unit/test_tryton.c and the fuzz target as tryton__*.
 *
 * Files: tryton.c (conf, open/close, record_find, the ops table), rpc.c
 * (JSON-RPC: the answer parser, login, sessions, the user's context, error
 * mapping), values.c (Tryton's value encoding: Decimal, date, datetime),
 * map.c (the per-run caches), master.c
 * (parties, addresses, products, currencies, accounts), sale.c
 * (order_upsert: the sale and its state), credit.c (refund_create: credit
 * notes), statement.c (settlement_post), changes.c (changes_page: the
 * cursor and its streams, credit notes people made), changes_ship.c (done
 * customer shipments and cancelled moves people ignored).
 *
 * Threads: none. Tryton on SQLite serves one request at a time, and the
 * ops table leaves `concurrency` NULL (1), so every slot runs from one
 * thread; nothing here locks.
 */
#ifndef SC_TRYTON_INT_H
#define SC_TRYTON_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "adapters/adapter.h"
#include "connector/buf.h"
#include "connector/error.h"
#include "connector/http.h"

/* ---- map.c: string -> two integers ------------------------------------- */

struct tryton_map_slot {
	char *key;                       /* NULL: empty slot */
	int64_t a, b;
};

struct tryton_map {
	struct tryton_map_slot *slots;
	size_t n, cap;                   /* cap: 0 or a power of two */
};

/* 1 and *a, *b (either may be NULL) when present, else 0. */
int tryton__map_get(const struct tryton_map *m, const char *key, int64_t *a, int64_t *b);
/* Insert or replace (key copied). 0 or SC_ENOMEM. */
int tryton__map_put(struct tryton_map *m, const char *key, int64_t a, int64_t b);
void tryton__map_free(struct tryton_map *m);

/* ---- the adapter -------------------------------------------------------- */

/* The order's amounts that are not products, each on a configured product. */
enum tryton_charge {
	TRYTON_CH_SHIPPING = 0,          /* shipping and its tax */
	TRYTON_CH_DISCOUNT,              /* promotions (negative) */
	TRYTON_CH_TAX,                   /* the marketplace's tax on the items */
	TRYTON_CH_GIFTWRAP,
	TRYTON_CH_OTHER,                 /* COD fee, restocking fee, goodwill, ... */
	TRYTON_CH_COUNT
};

/* "shipping", ... for messages; the conf key ("shipping_product", ...). */
const char *tryton__charge_name(enum tryton_charge c);
const char *tryton__charge_key(enum tryton_charge c);

enum tryton_statement_state {
	TRYTON_STATEMENT_DRAFT = 0,
	TRYTON_STATEMENT_VALIDATED,
	TRYTON_STATEMENT_POSTED
};

struct tryton {
	struct http_client *http;
	char *endpoint;                  /* "URL/DATABASE/" */
	const char *database;
	const char *user;
	const char *password;            /* conf-owned; never logged */
	const char *language;
	const char *company;             /* conf: name or id, NULL = the user's */
	const char *payment_term;        /* conf: name, or NULL */
	const char *payout_journal;      /* conf: statement journal name, or NULL */
	const char *shipping_carrier;    /* conf: carrier of shipments whose reference
	                                  * names none, or NULL */
	const char *charge_products[TRYTON_CH_COUNT];   /* product codes, or NULL */
	int confirm;                     /* quote and confirm each sale */
	int post_invoices;               /* post the sale's invoice, credit notes */
	enum tryton_statement_state statement_state;

	/* the session (rpc.c) */
	char *auth;                      /* "Session base64(user:uid:session)", NULL before login */
	int in_login;                    /* tryton__login is running: a 401 then is final */
	char *context;                   /* JSON object text: the user's context */
	int64_t company_id;
	int64_t payment_term_id;         /* resolved from payment_term, 0 = none yet */
	long logins;                     /* successful logins, for tests */
	long next_id;

	/* per-run caches (map.c), filled by master.c */
	struct tryton_map products;      /* code -> id, sale unit */
	struct tryton_map currencies;    /* ISO code -> id, digits */
	struct tryton_map parties;       /* party code -> id */
	struct tryton_map accounts;      /* code or name -> id, party required */
};

/* ---- values.c ---------------------------------------------------------- */

/* Append `s` as a JSON string (quoted, escaped). */
int tryton__put_str(struct buf *b, const char *s);
/* {"__class__":"Decimal","decimal":"12.30"}: minor units at `exponent`
 * decimals (0..18), written exactly. */
int tryton__put_decimal(struct buf *b, int64_t minor, int exponent);
/* {"__class__":"date","year":2026,"month":11,"day":20}: the UTC date of t. */
int tryton__put_date(struct buf *b, int64_t t);
/* {"__class__":"datetime",...,"microsecond":0}: t in UTC (Tryton stores
 * naive UTC datetimes). */
int tryton__put_datetime(struct buf *b, int64_t t);

/* A Decimal value (the object above, or a JSON number or numeric string)
 * at `exponent` decimals: 1 and *out; 0 when absent or null; SC_EMALFORMED
 * (naming `what`) when it is not an exact amount at that precision. */
int tryton__get_decimal(json_object *v, int exponent, int64_t *out, const char *what,
                        struct sc_error *err);
/* A date or datetime object: 1 and *out (UTC seconds; a date is midnight);
 * 0 when absent or null; SC_EMALFORMED otherwise. */
int tryton__get_date(json_object *v, int64_t *out, const char *what, struct sc_error *err);
/* An id (a JSON integer > 0): 1 and *out; 0 for null, false or absent;
 * SC_EMALFORMED otherwise. */
int tryton__get_id(json_object *v, int64_t *out, const char *what, struct sc_error *err);
/* A whole quantity (a float field: 3.0, -1.0, 2): 1 and *out; 0 absent;
 * SC_EMALFORMED for a fraction or anything else. */
int tryton__get_qty(json_object *v, int64_t *out, const char *what, struct sc_error *err);
/* A boolean as Tryton sends it (true/false, or 1/0 from SQLite): 1 true, 0
 * false or absent. */
int tryton__get_bool(json_object *v);
/* A string member (a related field "party.code" reads back as member
 * "party." holding {"code"}): borrowed, NULL when absent, null or not a string. */
const char *tryton__get_str(json_object *obj, const char *key);
/* Member `key` of object `obj` (borrowed), NULL when absent. */
json_object *tryton__member(json_object *obj, const char *key);

/* ---- rpc.c: answers --------------------------------------------------------- */

/* Map a JSON-RPC "error" value to a code, filling err: msg "Tryton <kind>"
 * and remote = Tryton's own words (UserError: "message" or "message -
 * description", as Tryton prints it; other exceptions: their text).
 * UserError, UserWarning: SC_EINVALID; LoginException: SC_EAUTH;
 * ConcurrencyException and a locked database: SC_ETRANSIENT; any other
 * exception SC_ERROR; a value of no known shape SC_EMALFORMED. */
int tryton__error_map(json_object *error, struct sc_error *err);

/* Parse one JSON-RPC answer body. 0 and *result (owned, json_object_put;
 * NULL for a null result) for {"result":...}; the code of
 * tryton__error_map for {"error":...}; SC_EMALFORMED for anything else
 * (not JSON, not an object, neither member). */
int tryton__rpc_parse(const char *body, size_t len, json_object **result,
                      struct sc_error *err);

/* err for an HTTP answer other than 200 (or a 200 that is not JSON-RPC):
 * code from the status (403 and 404 SC_EINVALID), http_status, remote =
 * the text of the body (an HTML error page's <p>, else the body as is).
 * Returns the code. */
int tryton__http_error(struct sc_error *err, const struct http_response *resp,
                       const char *what);

/* ---- rpc.c: calls ------------------------------------------------------------ */

/* Log in (common.db.login with user, password, language), then read the
 * user's context (model.res.user.get_preferences) and, when conf names a
 * company, put its id in the context. Replaces any session. */
int tryton__login(struct tryton *t, struct sc_error *err);

/* Call `method` ("model.sale.sale.search") with params [ARGS, CONTEXT]:
 * `args` is the JSON text of the leading params, comma-separated ("" for
 * none); the user's context is appended, with `ctx_extra` (JSON members
 * without braces, e.g. "\"active_id\":3", or NULL) merged in. Logs in
 * first when there is no session, and once more on HTTP 401 (an expired
 * session), then repeats the call. `write` 1 marks the call as not
 * idempotent for the http client (never re-sent after a timeout).
 * 0 and *out (owned; NULL for a null result), or an error whose msg names
 * the method and whose remote carries Tryton's words. */
int tryton__call(struct tryton *t, const char *method, const char *args, const char *ctx_extra,
                 int write, json_object **out, struct sc_error *err);

/* search: the ids matching `domain` (JSON text), at most `limit` (0: all),
 * ordered by id. *ids heap (free()), *n their number. */
int tryton__search(struct tryton *t, const char *model, const char *domain, long limit,
                   int64_t **ids, size_t *n, struct sc_error *err);
/* read: `fields` (JSON array text) of `ids`; *out the array of records
 * (owned), in the order of ids. SC_ENOTFOUND when Tryton returns fewer. */
int tryton__read(struct tryton *t, const char *model, const int64_t *ids, size_t n,
                 const char *fields, json_object **out, struct sc_error *err);
/* A button or workflow method (quote, confirm, post, ...) on ids. */
int tryton__button(struct tryton *t, const char *model, const char *button, const int64_t *ids,
                   size_t n, struct sc_error *err);
/* create one record from `values` (a JSON object text): its id. */
int tryton__create(struct tryton *t, const char *model, const char *values, int64_t *id,
                   struct sc_error *err);
/* write `values` (a JSON object text) to ids. */
int tryton__write(struct tryton *t, const char *model, const int64_t *ids, size_t n,
                  const char *values, struct sc_error *err);
/* Append "[1,2,3]". */
int tryton__put_ids(struct buf *b, const int64_t *ids, size_t n);

/* ---- master.c ---------------------------------------------------------------- */

struct order;

/* "<PREFIX>-CUS-<16 hex of sha256(marketplace, buyer key)>", PREFIX from
 * the external id (what precedes its first '-'); the buyer key is the
 * buyer id, else the e-mail, else the order id (a party per order). */
int tryton__party_code(char *out, size_t n, const char *external_id, const struct order *o);
/* The party of an order (found by code, else created with the order's
 * ship-to address) and the address to use (an address of the party equal
 * to the ship-to, else one added). */
int tryton__party_resolve(struct tryton *t, const struct order *o, const char *external_id,
                          int64_t *party, int64_t *address, struct sc_error *err);
/* The product.product whose code is `code` and its sale unit (else its
 * default unit), cached. SC_EINVALID "Tryton has no product with code X"
 * when there is none (or "more than one"); callers name the order line. */
int tryton__product_resolve(struct tryton *t, const char *code, int64_t *id, int64_t *uom,
                            struct sc_error *err);
/* The id of an ISO currency (cached) and its decimals in Tryton. */
int tryton__currency_resolve(struct tryton *t, const char *code, int64_t *id, int *digits,
                             struct sc_error *err);
/* An account.account of the company by code, else by name (cached); and
 * whether Tryton requires a party on it. */
int tryton__account_resolve(struct tryton *t, const char *name, int64_t *id,
                            int *party_required, struct sc_error *err);
/* A record of `model` by exact name (payment term, statement journal). */
int tryton__named(struct tryton *t, const char *model, const char *name, int64_t *id,
                  struct sc_error *err);

/* ---- sale.c: orders ------------------------------------------------------------ */

/* One line of a sale (or credit note) as the adapter writes it. */
struct tryton_line {
	int64_t product;
	int64_t unit;
	const char *label;               /* SKU or charge name, borrowed */
	const char *description;         /* borrowed */
	int64_t qty;                     /* signed */
	int64_t price4;                  /* unit price, 4 decimals */
	int64_t amount;                  /* qty x price at the currency's decimals */
	int64_t origin;                  /* credit notes: the invoice line, or 0 */
	int64_t account;                 /* credit notes: the line's account */
	int charge;                      /* 1: a charge product's line, not an item */
};

/* The unit price at 4 decimals (Tryton's price precision) whose product with
 * qty, rounded to `exponent` decimals as Tryton rounds line amounts, is
 * `amount` exactly. qty != 0. SC_EINVALID when no such price exists
 * (exponent > 4, or a quantity too large for 4 decimals to carry). */
int tryton__unit_price(int64_t *out, int64_t amount, int64_t qty, int exponent);

/* The lines an order becomes: one per order line (product by erp_sku, else
 * SKU; quantity; the line's item amount), then one per non-zero charge on
 * its configured product, quantity 1. Checks that they add up to the
 * order's total. *lines heap (free()), *n their number. */
int tryton__order_lines(struct tryton *t, const struct order *o, struct tryton_line **lines,
                        size_t *n, struct sc_error *err);
/* The sale.sale create values (a JSON object) for an order. */
int tryton__sale_values(struct buf *out, const struct order *o, const struct tryton_line *lines,
                        size_t n, int64_t party, int64_t address, int64_t currency,
                        int64_t payment_term, const char *external_id);

/* Differences between the lines written and those Tryton holds (product,
 * quantity, amount per line, then the total), appended to out "; "-joined.
 * Returns their number. */
int tryton__lines_diff(struct buf *out, const struct tryton_line *want, size_t nwant,
                       json_object *have, int64_t want_total, int64_t have_total,
                       int exponent, struct sc_error *err);

/* The order_upsert slot. */
int tryton__order_upsert(void *self, const struct order *o, const char *external_id,
                         struct erp_ref *out, struct sc_error *err);
/* The sale holding marketplace order `order_id` (reference) whose party
 * code starts with "<PREFIX>-": 1 and *id, 0 none, SC_ECONFLICT when
 * Tryton holds more than one. */
int tryton__sale_find(struct tryton *t, const char *order_id, const char *external_id,
                      int64_t *id, struct sc_error *err);
/* "AMZ-ORD-123" -> "123" (borrowed, inside eid) and the prefix length:
 * 1, else 0. Also for "-RFD-" and "-STL-" with `kind`. */
int tryton__eid_split(const char *eid, const char *kind, const char **rest, size_t *prefix_len);

/* ---- credit.c: refunds ------------------------------------------------------------ */

/* Where one refund component goes. */
enum tryton_part {
	TRYTON_PART_ITEM = 0,            /* Principal: the refunded line's product */
	TRYTON_PART_CHARGE,              /* a charge product (see charge) */
	TRYTON_PART_FEE                  /* marketplace fees, withheld tax: nowhere */
};
/* The part of a component type name ("Principal", "ShippingTax",
 * "Commission", ...; case-insensitive) and, for TRYTON_PART_CHARGE, which
 * charge. Unknown names are other charges. */
enum tryton_part tryton__part_of(const char *component_type, enum tryton_charge *charge);

/* The refund_create slot. */
int tryton__refund_create(void *self, const struct refund *r, const char *target_type,
                          const struct erp_ref *order_ref, const char *external_id,
                          struct erp_ref *out, struct sc_error *err);
/* The customer credit note under reference eid: 1 and *id, 0 none. */
int tryton__credit_find(struct tryton *t, const char *eid, int64_t *id, struct sc_error *err);

/* ---- statement.c: settlements ------------------------------------------------------ */

/* The statement line amounts of a posting: each line but the bank line
 * becomes one, amount = -line amount (what it added to the payout); the
 * bank line must equal the header's total, every line but the order lines
 * (category "order", adapter.h's settlement_by_order) have an account, and
 * every order line its sale (order_ref). SC_EINVALID otherwise. */
int tryton__statement_check(const struct settlement_posting *p, const char *external_id,
                            struct sc_error *err);
/* The settlement_post slot. */
int tryton__settlement_post(void *self, const struct settlement_posting *p,
                            const char *external_id, struct erp_ref *out,
                            struct sc_error *err);
/* The statement named eid (not cancelled): 1 and *id, 0 none. */
int tryton__statement_find(struct tryton *t, const char *eid, int64_t *id, struct sc_error *err);

/* ---- changes.c: the changes stream ------------------------------------------------------ */

/* The streams of changes_page, each a search paged by id within one poll:
 * credit notes people made (changes.c), done customer shipments and sale
 * lines whose cancelled moves a person chose to ignore (changes_ship.c). */
enum tryton_stream {
	TRYTON_ST_CREDIT = 0,
	TRYTON_ST_SHIP,
	TRYTON_ST_CANCEL,
	TRYTON_STREAMS
};

/* The changes cursor. Between polls "v1;since=<ISO>": every stream starts
 * the next poll at since minus TRYTON_OVERLAP (the form of the credit-note
 * only adapter, read the same). Within a poll
 * "v2;since=<ISO>;until=<ISO>;credit=X;ship=X;cancel=X", X the last id a
 * stream reported (0: none yet) or "done"; the older
 * "v1;since=<ISO>;after=<id>;until=<ISO>" is the credit stream after id
 * with the other two from the start of that poll. NULL or "": since = now -
 * TRYTON_FIRST_LOOKBACK. Every stream searches records created or written
 * at or after `since`; `until` (poll_start) becomes the next poll's since. */
struct tryton_cursor {
	int64_t since;
	int64_t poll_start;              /* the time this poll began (next since) */
	int64_t after[TRYTON_STREAMS];   /* ids above this, in this poll */
	int done[TRYTON_STREAMS];        /* 1: the stream has finished this poll */
};
int tryton__cursor_parse(struct tryton_cursor *out, const char *cursor, int64_t now,
                         struct sc_error *err);
/* "v1;since=" when no stream has begun the poll, else the v2 form. */
int tryton__cursor_format(char *out, size_t n, const struct tryton_cursor *c);

#define TRYTON_FIRST_LOOKBACK (24 * 3600)
#define TRYTON_OVERLAP 300
#define TRYTON_CHANGES_PAGE 50

/* The search domain of a stream: "[" head ",[id > after],[OR [create_date
 * >= since] [write_date >= since]]]" (head: JSON domain clauses, comma-
 * separated, without the brackets). */
int tryton__changes_domain(struct buf *d, const char *head, int64_t after, int64_t since);

/* The changes_page slot: items struct erp_change *. */
int tryton__changes_page(void *self, const char *cursor, struct page *out, struct sc_error *err);

/* ---- changes_ship.c: shipments and cancellations --------------------------------------- */

/* Carrier and tracking number of a shipment from its reference: the last
 * word is the tracking number, the words before it (if any) the carrier and
 * its service ("UPS Ground 1Z999..."), else `conf_carrier`. *carrier and
 * *tracking heap, NULL when there is none. 0 or SC_ENOMEM. */
int tryton__ship_reference(const char *reference, const char *conf_carrier, char **carrier,
                           char **tracking);

/* The records of one page of the ship stream (stock.shipment.out ids, done,
 * of a customer whose code has "-CUS-") and of the cancel stream (sale.line
 * ids with ignored moves): FULFILLMENT and CANCELLATION items added to out,
 * a record that cannot be read or traced to page->bad ("MODEL,ID"), <0
 * only when the page must fail (transient, authentication, memory). */
int tryton__ship_report(struct tryton *t, const int64_t *ids, size_t n, struct page *out,
                        struct sc_error *err);
int tryton__cancel_report(struct tryton *t, const int64_t *ids, size_t n, struct page *out,
                          struct sc_error *err);

#endif
