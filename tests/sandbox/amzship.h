/*
 * amzship.h: orders going back to Amazon in the sandbox (amzship.c):
 * Orders v0 confirmShipment, the Cancel messages of payment adjustment
 * feeds, and their control endpoints. The interface is README.md.
 *
 * State (the shipments and cancellations recorded, the confirmShipment
 * bucket and counters) is the module's own, guarded by sb->lock like the
 * rest of the store: the sandbox runs one instance per process.
 */
#ifndef SBX_AMZSHIP_H
#define SBX_AMZSHIP_H

#include <json-c/json.h>

#include "tests/sandbox/feedproc.h"
#include "tests/sandbox/sandbox.h"

#define SBX_CONFIRM_PREFIX "/orders/v0/orders/"
#define SBX_CONFIRM_SUFFIX "/shipmentConfirmation"

/* 1 when rq is POST-or-not to /orders/v0/orders/{orderId}/shipmentConfirmation. */
int sbx_amzship_is_confirm(const struct sbx_req *rq);

/* confirmShipment. `authorized`: the caller's LWA token check (rp already
 * holds its 403 when 0). Counts the request, applies the 2/s burst 10
 * limit, validates, applies the shipment to the order. Takes the lock. */
void sbx_amzship_confirm(struct sbx *sb, struct sbx_req *rq, struct sbx_reply *rp,
                         int authorized);

/* A feed message with ActionType Cancel against `order` (the order's
 * object, changed here): checks it (18029 item not in the order, 18033
 * more than is neither shipped nor cancelled), then cancels the
 * quantities, stores the order (lastUpdatedTime = the feed's end) and
 * records the cancellation. 0 applied, -1 rejected with code[16] and why.
 * Caller holds the lock. */
int sbx_amzship_cancel(struct sbx *sb, const struct sbx_feed *f, const struct fp_msg *m,
                       json_object *order, char *code, char *why, size_t whyn);

/* GET /_sandbox/amazon/shipments and /_sandbox/amazon/cancellations. */
void sbx_amzship_shipments(struct sbx *sb, struct sbx_reply *rp);
void sbx_amzship_cancellations(struct sbx *sb, struct sbx_reply *rp);

/* Add "confirmShipment" to the stats' requests and throttled objects. */
void sbx_amzship_stats(json_object *requests, json_object *throttled);

#endif
