/*
 * model.c: freeing, totals, names and content hashes of the normalized
 * records (see model.h).
 *
 * Hash encoding (version 1): a record-kind tag ("sc.order.v1",
 * "sc.refund.v1") encoded as a string, then each field in the order of the
 * hash functions below. A string is one byte 0 (NULL) or 1 (present)
 * followed, when present, by its length as 8 bytes big-endian and its bytes
 * (char arrays: up to their first NUL); an integer or enum is 8 bytes
 * big-endian (two's complement); an array is its count as 8 bytes then its
 * elements. No two distinct records encode to the same bytes. Changing the
 * field list or order changes every stored hash: bump the tag's version.
 */
#include "connector/model.h"
#include "connector/error.h"
#include "connector/money.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ---- freeing ------------------------------------------------------------ */

static void
address_free_fields(struct address *a)
{
	free(a->name);
	free(a->line1);
	free(a->line2);
	free(a->line3);
	free(a->city);
	free(a->region);
	free(a->postal_code);
	free(a->country_code);
	free(a->phone);
}

void
order_free(struct order *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; o->lines != NULL && i < o->nlines; i++) {
		free(o->lines[i].line_id);
		free(o->lines[i].sku);
		free(o->lines[i].erp_sku);
		free(o->lines[i].title);
	}
	free(o->lines);
	free(o->id);
	free(o->marketplace);
	free(o->channel);
	free(o->channel_name);
	free(o->raw_status);
	free(o->fulfilled_by);
	free(o->buyer_id);
	free(o->buyer_name);
	free(o->buyer_email);
	address_free_fields(&o->ship_to);
	free(o);
}

void
refund_free(struct refund *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; r->lines != NULL && i < r->nlines; i++) {
		free(r->lines[i].line_id);
		free(r->lines[i].sku);
		free(r->lines[i].erp_sku);
		free(r->lines[i].comps);
	}
	free(r->lines);
	free(r->id);
	free(r->order_id);
	free(r->reason);
	free(r->erp_type);
	free(r->erp_external_id);
	free(r);
}

void
fulfillment_free(struct fulfillment *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; f->lines != NULL && i < f->nlines; i++) {
		free(f->lines[i].line_id);
		free(f->lines[i].sku);
	}
	free(f->lines);
	free(f->id);
	free(f->order_id);
	free(f->channel);
	free(f->reason);
	free(f->carrier);
	free(f->method);
	free(f->tracking);
	free(f);
}

/* ---- totals ------------------------------------------------------------- */

int
order_computed_total(const struct order *o, int64_t *out)
{
	int64_t sum = 0;
	size_t i;
	int rc = 0;

	if (o == NULL || (o->nlines > 0 && o->lines == NULL))
		return SC_EINVALID;
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];

		if ((rc = money_add(&sum, sum, l->subtotal)) < 0 ||
		    (rc = money_sub(&sum, sum, l->discount)) < 0 ||
		    (rc = money_add(&sum, sum, l->tax)) < 0 ||
		    (rc = money_add(&sum, sum, l->shipping)) < 0 ||
		    (rc = money_add(&sum, sum, l->shipping_tax)) < 0 ||
		    (rc = money_sub(&sum, sum, l->shipping_discount)) < 0 ||
		    (rc = money_add(&sum, sum, l->gift_wrap)) < 0 ||
		    (rc = money_add(&sum, sum, l->other)) < 0)
			return rc;
	}
	*out = sum;
	return 0;
}

int
refund_total(const struct refund *r, int64_t *out)
{
	int64_t sum = 0;
	size_t i, j;
	int rc = 0;

	if (r == NULL || (r->nlines > 0 && r->lines == NULL))
		return SC_EINVALID;
	for (i = 0; i < r->nlines; i++) {
		const struct refund_line *l = &r->lines[i];

		if (l->ncomps > 0 && l->comps == NULL)
			return SC_EINVALID;
		for (j = 0; j < l->ncomps; j++)
			if ((rc = money_add(&sum, sum, l->comps[j].amount)) < 0)
				return rc;
	}
	*out = sum;
	return 0;
}

/* ---- content hash ------------------------------------------------------- */

/* The digest context; a failed EVP call makes the hash all zeros (never
 * equal to a real digest in practice), checked once at the end. */
struct hasher {
	EVP_MD_CTX *ctx;
	int ok;
};

static void
hash_bytes(struct hasher *h, const void *p, size_t n)
{
	if (h->ok && n > 0 && EVP_DigestUpdate(h->ctx, p, n) != 1)
		h->ok = 0;
}

static void
hash_u64(struct hasher *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	hash_bytes(h, b, sizeof(b));
}

static void
hash_i64(struct hasher *h, int64_t v)
{
	hash_u64(h, (uint64_t)v);
}

static void
hash_mem(struct hasher *h, const char *s, size_t n)
{
	unsigned char present = 1;

	hash_bytes(h, &present, 1);
	hash_u64(h, (uint64_t)n);
	hash_bytes(h, s, n);
}

static void
hash_str(struct hasher *h, const char *s)
{
	unsigned char absent = 0;

	if (s == NULL)
		hash_bytes(h, &absent, 1);
	else
		hash_mem(h, s, strlen(s));
}

/* A fixed char array (currency, component type): up to its first NUL. */
static void
hash_chars(struct hasher *h, const char *s, size_t max)
{
	hash_mem(h, s, strnlen(s, max));
}

static void
hash_begin(struct hasher *h, const char *tag)
{
	h->ok = 0;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx != NULL && EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) == 1)
		h->ok = 1;
	hash_str(h, tag);
}

static void
hash_end(struct hasher *h, unsigned char out[MODEL_HASH_LEN])
{
	unsigned int n = 0;

	if (!h->ok || EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != MODEL_HASH_LEN)
		memset(out, 0, MODEL_HASH_LEN);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static void
hash_address(struct hasher *h, const struct address *a)
{
	hash_str(h, a->name);
	hash_str(h, a->line1);
	hash_str(h, a->line2);
	hash_str(h, a->line3);
	hash_str(h, a->city);
	hash_str(h, a->region);
	hash_str(h, a->postal_code);
	hash_str(h, a->country_code);
	hash_str(h, a->phone);
}

void
order_hash(const struct order *o, unsigned char out[MODEL_HASH_LEN])
{
	struct hasher h;
	size_t i, n;

	hash_begin(&h, "sc.order.v1");
	hash_str(&h, o->id);
	hash_str(&h, o->marketplace);
	hash_str(&h, o->channel);
	hash_str(&h, o->channel_name);
	hash_i64(&h, (int64_t)o->status);
	hash_chars(&h, o->currency, sizeof(o->currency));
	hash_i64(&h, o->exponent);
	n = o->lines != NULL ? o->nlines : 0;
	hash_u64(&h, (uint64_t)n);
	for (i = 0; i < n; i++) {
		const struct order_line *l = &o->lines[i];

		hash_str(&h, l->line_id);
		hash_str(&h, l->sku);
		hash_str(&h, l->erp_sku);
		hash_str(&h, l->title);
		hash_i64(&h, l->qty);
		hash_i64(&h, l->qty_shipped);
		hash_i64(&h, l->qty_cancelled);
		hash_i64(&h, l->unit_price);
		hash_i64(&h, l->subtotal);
		hash_i64(&h, l->tax);
		hash_i64(&h, l->discount);
		hash_i64(&h, l->shipping);
		hash_i64(&h, l->shipping_tax);
		hash_i64(&h, l->shipping_discount);
		hash_i64(&h, l->gift_wrap);
		hash_i64(&h, l->other);
	}
	hash_i64(&h, o->total);
	hash_str(&h, o->fulfilled_by);
	hash_str(&h, o->buyer_id);
	hash_str(&h, o->buyer_name);
	hash_str(&h, o->buyer_email);
	hash_address(&h, &o->ship_to);
	hash_end(&h, out);
}

void
refund_hash(const struct refund *r, unsigned char out[MODEL_HASH_LEN])
{
	struct hasher h;
	size_t i, j, n, nc;

	hash_begin(&h, "sc.refund.v1");
	hash_i64(&h, (int64_t)r->source);
	hash_str(&h, r->id);
	hash_str(&h, r->order_id);
	hash_i64(&h, (int64_t)r->kind);
	hash_str(&h, r->reason);
	hash_chars(&h, r->currency, sizeof(r->currency));
	hash_i64(&h, r->exponent);
	hash_i64(&h, r->posted);
	n = r->lines != NULL ? r->nlines : 0;
	hash_u64(&h, (uint64_t)n);
	for (i = 0; i < n; i++) {
		const struct refund_line *l = &r->lines[i];

		hash_str(&h, l->line_id);
		hash_str(&h, l->sku);
		hash_str(&h, l->erp_sku);
		hash_i64(&h, l->qty);
		nc = l->comps != NULL ? l->ncomps : 0;
		hash_u64(&h, (uint64_t)nc);
		for (j = 0; j < nc; j++) {
			hash_chars(&h, l->comps[j].type, sizeof(l->comps[j].type));
			hash_i64(&h, l->comps[j].amount);
		}
	}
	hash_str(&h, r->erp_type);
	hash_str(&h, r->erp_external_id);
	hash_end(&h, out);
}

/* ---- names -------------------------------------------------------------- */

const char *
order_status_name(enum order_status s)
{
	switch (s) {
	case ORDER_PENDING: return "pending";
	case ORDER_UNSHIPPED: return "unshipped";
	case ORDER_PARTIALLY_SHIPPED: return "partially_shipped";
	case ORDER_SHIPPED: return "shipped";
	case ORDER_CANCELLED: return "cancelled";
	case ORDER_UNFULFILLABLE: return "unfulfillable";
	}
	return "unknown";
}

static const char *const refund_kind_names[] = {
	[REFUND_KIND_REFUND] = "refund",
	[REFUND_KIND_RETURN] = "return",
	[REFUND_KIND_CANCELLATION] = "cancellation",
	[REFUND_KIND_ADJUSTMENT] = "adjustment",
};

const char *
refund_kind_name(enum refund_kind k)
{
	if ((unsigned)k >= sizeof(refund_kind_names) / sizeof(refund_kind_names[0]))
		return "unknown";
	return refund_kind_names[k];
}

int
refund_kind_parse(const char *name, enum refund_kind *out)
{
	size_t i;

	if (name == NULL)
		return SC_ENOTFOUND;
	for (i = 0; i < sizeof(refund_kind_names) / sizeof(refund_kind_names[0]); i++) {
		if (strcmp(name, refund_kind_names[i]) == 0) {
			*out = (enum refund_kind)i;
			return 0;
		}
	}
	return SC_ENOTFOUND;
}
