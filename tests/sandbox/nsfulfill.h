/*
 * nsfulfill.h: NetSuite item fulfillments and closed sales order lines in
 * the sandbox (nsfulfill.c, nslines.c): the salesOrder -> itemFulfillment transform,
 * the control endpoints that ship and cancel as a person would, each sales
 * order line's fulfilled quantity and closed flag, and the SuiteQL view of
 * them (transaction.status, the transactionline table).
 *
 * A sales order's line state lives in its stored body under the member
 * SBX_LINES_KEY (one {"fulfilled", "closed", "modified"} per item line, in
 * line order), so an upsert that rewrites the order keeps it; GET never
 * shows that member: it shows each item line's `line`, `quantityFulfilled`
 * and `isClosed` instead (sbx_fulfill_render).
 */
#ifndef SBX_NSFULFILL_H
#define SBX_NSFULFILL_H

#include "tests/sandbox/sandbox.h"

#define SBX_LINES_KEY "_sbxLines"

/* ---- nslines.c: line state -------------------------------------------- */

/* One item line of a sales order and its state. */
struct sbx_sline {
	const char *item;        /* item id (borrowed from the body), NULL when none */
	int64_t qty;             /* ordered (whole units; 0 when not a whole number) */
	int64_t fulfilled;
	int closed;
	int64_t modified_ms;     /* last fulfilled or closed; 0: never (the record's time) */
};

/* The item lines of a parsed body with their state (*out heap, free();
 * *n lines). 0 or SC_ENOMEM. */
int sbx_lines_load(json_object *body, struct sbx_sline **out, size_t *n);
/* Write the state of the n lines into body (SBX_LINES_KEY). */
void sbx_lines_store(json_object *body, const struct sbx_sline *l, size_t n);
/* The lines of sublist `name` ({"items": [...]}) of a body, or NULL. */
json_object *sbx_lines_sublist(json_object *body, const char *name);
/* The id of reference `key` of o ({"id": ...}, or a bare string/number), or NULL. */
const char *sbx_lines_ref(json_object *o, const char *key);
/* A whole quantity from a JSON number or numeric string: 0, or -1. */
int sbx_lines_qty(json_object *v, int64_t *out);
/* A record's body parsed (new reference; an empty object when unreadable). */
json_object *sbx_lines_body(const struct sbx_record *r);
/* Store body as the record's (its lastModifiedDate moves). 0 or SC_ENOMEM. */
int sbx_lines_save(struct sbx_record *r, json_object *body);

/* ---- nsfulfill.c: fulfilling and closing --------------------------------- */

/* POST /services/rest/record/v1/salesOrder/{key}/!transform/itemFulfillment
 * (auth done): the lines of the body (orderLine or item, quantity,
 * itemReceive) or every unfulfilled line in full. 204 + Location. */
void sbx_fulfill_transform(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp,
                           const char *key);

/* POST /_sandbox/netsuite/fulfillment, /_sandbox/netsuite/fulfillment/{id}/ship,
 * /_sandbox/netsuite/cancel (`path` after "/_sandbox/"). Takes the lock. */
void sbx_fulfill_control(struct sbx *sb, const char *path, json_object *doc,
                         struct sbx_reply *rp);

/* ---- nslines.c: GET and SuiteQL ---------------------------------------- */

/* A record's object as GET shows it (o: its parsed body, changed): a sales
 * order's hidden line state becomes each item line's line /
 * quantityFulfilled / isClosed. */
void sbx_fulfill_render(const struct sbx_record *r, json_object *o);

/* A row of the SuiteQL transactionline table: item line idx (0-based) of rec. */
struct sbx_tline {
	const struct sbx_record *rec;
	size_t idx;
};

/* Append the item lines of every record of t to *arr (*n rows, heap,
 * free()); closed_only: only closed sales order lines. Caller holds the
 * lock. 0 or SC_ENOMEM. */
int sbx_fulfill_tlines(const struct sbx_rtype *t, int closed_only, struct sbx_tline **arr,
                       size_t *n);

/* Column `name` of a transactionline row (body: its record's parsed body):
 * 1 with the text in out, 0 for NULL. */
int sbx_fulfill_tline_value(const struct sbx_tline *l, const char *name, json_object *body,
                            char *out, size_t n);

/* transaction.status of a record (body parsed): an itemFulfillment's ship
 * status letter (A picked, B packed, C shipped), a sales order's B pending
 * fulfillment, D partially fulfilled, F fulfilled, H closed; 0 (NULL) for
 * anything else. */
int sbx_fulfill_status(const struct sbx_record *r, json_object *body, char *out, size_t n);

#endif
