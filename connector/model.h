/*
 * model.h: the normalized records both sides of every adapter speak.
 *
 * Amounts are minor units of the record's currency (see money.h), signed as
 * the source signs them unless a field says otherwise. Strings are owned by
 * the record (heap, NUL-terminated; NULL when absent) and freed by its _free.
 * Times are UTC seconds since the epoch (0 when absent).
 *
 * Marketplace adapters fill these from their payloads; ERP adapters write
 * them out. The engine reads them, hashes them and never looks at a payload.
 */
#ifndef SC_MODEL_H
#define SC_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* ---- orders ------------------------------------------------------------- */

enum order_status {
	ORDER_PENDING = 0,      /* not yet payable / available */
	ORDER_UNSHIPPED,
	ORDER_PARTIALLY_SHIPPED,
	ORDER_SHIPPED,
	ORDER_CANCELLED,
	ORDER_UNFULFILLABLE
};

struct address {
	char *name, *line1, *line2, *line3, *city, *region, *postal_code,
	     *country_code, *phone;
};

struct order_line {
	char *line_id;        /* marketplace order item id */
	char *sku;            /* marketplace (seller) SKU */
	char *erp_sku;        /* set by the engine from the SKU map; NULL = sku */
	char *title;
	int64_t qty;          /* ordered */
	int64_t qty_shipped;
	int64_t qty_cancelled;
	int64_t unit_price;   /* per unit, before discount and tax */
	int64_t subtotal;     /* the line's item amount (unit_price x qty as charged) */
	int64_t tax;          /* tax on the item */
	int64_t discount;     /* promotion on the item, >= 0 (a reduction) */
	int64_t shipping;     /* shipping charged for this line */
	int64_t shipping_tax;
	int64_t shipping_discount; /* >= 0 */
	int64_t gift_wrap;    /* gift wrap incl. its tax */
	int64_t other;        /* COD fee and other charges */
};

struct order {
	char *id;             /* marketplace order id */
	char *marketplace;    /* adapter name ("amazon") */
	char *channel;        /* marketplace/site id within it ("ATVPDKIKX0DER") */
	char *channel_name;   /* "Amazon.com" */
	enum order_status status;
	char *raw_status;     /* the marketplace's own word */
	int64_t created;
	int64_t updated;
	char currency[4];
	int exponent;         /* decimals of currency */
	struct order_line *lines;
	size_t nlines;
	int64_t total;        /* grand total as the marketplace states it */
	char *fulfilled_by;   /* "marketplace" or "merchant" */
	char *buyer_id;       /* stable buyer key when known (hashed e-mail, ...) */
	char *buyer_name;
	char *buyer_email;
	struct address ship_to;
};

/* Sum of every line's charges (subtotal - discount + tax + shipping +
 * shipping_tax - shipping_discount + gift_wrap + other), overflow-checked. */
int order_computed_total(const struct order *o, int64_t *out);
void order_free(struct order *o);   /* NULL-safe; frees o itself */

/* ---- refunds ------------------------------------------------------------ */

enum refund_kind {
	REFUND_KIND_REFUND = 0,     /* money back, no goods movement */
	REFUND_KIND_RETURN,         /* goods returned */
	REFUND_KIND_CANCELLATION,   /* before shipment */
	REFUND_KIND_ADJUSTMENT      /* goodwill, price adjustment, ... */
};

enum record_side { SIDE_MARKETPLACE = 0, SIDE_ERP = 1 };

/* One money component of a refund line: type names are the marketplace's
 * component vocabulary (Principal, Tax, Shipping, ShippingTax, Promotion,
 * RestockingFee, Commission, ...). Amount is signed as money leaves the
 * seller: a refunded principal is negative, a returned commission positive. */
struct refund_component {
	char type[40];
	int64_t amount;
};

struct refund_line {
	char *line_id;          /* marketplace order item id */
	char *sku;
	char *erp_sku;
	int64_t qty;            /* units refunded (0 for amount-only) */
	struct refund_component *comps;
	size_t ncomps;
};

struct refund {
	enum record_side source;
	char *id;               /* adjustment id (marketplace) or ERP record id */
	char *order_id;         /* marketplace order id */
	enum refund_kind kind;
	char *reason;           /* marketplace reason code */
	char currency[4];
	int exponent;
	int64_t posted;
	struct refund_line *lines;
	size_t nlines;
	char *erp_type;         /* ERP side: the ERP transaction type */
	char *erp_external_id;  /* ERP side: its external id, for echo suppression */
};

/* Sum of every component of every line. */
int refund_total(const struct refund *r, int64_t *out);
void refund_free(struct refund *r);

/* ---- fulfillments and cancellations (ERP -> marketplace) ---------------- */

struct fulfillment_line {
	char *line_id;          /* marketplace order item id */
	char *sku;
	int64_t qty;
};

struct fulfillment {
	char *id;               /* ERP record id */
	char *order_id;         /* marketplace order id */
	int cancel;             /* 1: cancellation of these lines before shipment */
	char *reason;           /* cancellation reason (marketplace vocabulary) */
	char *carrier;
	char *method;
	char *tracking;
	int64_t ship_date;
	struct fulfillment_line *lines;
	size_t nlines;
	char *channel;          /* the order's marketplace/site id (engine fills it
	                           from order_get before fulfillment_push) */
};

void fulfillment_free(struct fulfillment *f);

/* ---- settlements -------------------------------------------------------- */

struct settlement_header {
	char id[64];
	int64_t start, end, deposit;   /* UTC */
	int64_t total;                 /* the deposited total, minor units */
	char currency[4];
	int exponent;
};

/* One detail row. Strings are borrowed for the duration of the sink call. */
struct settlement_line {
	const char *transaction_type;  /* Order, Refund, other-transaction, ... */
	const char *order_id;          /* "" when none */
	const char *adjustment_id;
	const char *amount_type;       /* ItemPrice, ItemFees, Promotion, ... */
	const char *amount_description;/* Principal, Commission, ... */
	const char *sku;
	int64_t amount;                /* signed, minor units */
	int64_t qty;
	int64_t posted;
	long lineno;                   /* line in the source file */
};

/* A settlement report as listed by the marketplace. */
struct settlement_ref {
	char id[64];          /* marketplace report id */
	char document[128];   /* document id to fetch */
	int64_t created;
	int64_t start, end;
};

/* ---- content hash ------------------------------------------------------- */

#define MODEL_HASH_LEN 32
/* SHA-256 over a canonical encoding of every field the ERP sees (so a
 * change in status, a line, an amount changes the hash; a change in
 * `updated` alone does not). order_hash leaves out `created`, `updated` and
 * `raw_status`; it includes each line's erp_sku, so hash at one fixed point
 * (always before or always after the SKU map fills it). refund_hash covers
 * every field. NULL and "" strings hash differently. Encoding: model.c. */
void order_hash(const struct order *o, unsigned char out[MODEL_HASH_LEN]);
void refund_hash(const struct refund *r, unsigned char out[MODEL_HASH_LEN]);

/* Names for logs and conf. */
const char *order_status_name(enum order_status s);
const char *refund_kind_name(enum refund_kind k);
int refund_kind_parse(const char *name, enum refund_kind *out);  /* 0 / SC_ENOTFOUND */

#endif
