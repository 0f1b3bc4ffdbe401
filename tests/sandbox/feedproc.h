/*
 * feedproc.h: internals shared by feedxml.c (the XML of a refund feed
 * message, the processing report, gzip: no store access) and feedproc.c
 * (applying messages to the store).
 */
#ifndef SBX_FEEDPROC_H
#define SBX_FEEDPROC_H

#include <libxml/tree.h>
#include <stddef.h>

#include "tests/sandbox/sandbox.h"

#define FP_MAX_ITEMS 32
#define FP_MAX_COMP 16

struct fp_comp {
	char type[40];
	char currency[8];
	struct sbx_dec amount;      /* as in the feed: positive = refunded */
};

struct fp_item {
	char code[32];
	int merchant_code;          /* a MerchantOrderItemID */
	char adj_id[64];
	long quantity;
	char promo_id[64];
	struct fp_comp price[FP_MAX_COMP], promo[FP_MAX_COMP];
	size_t nprice, npromo;
	char reason[40];            /* AdjustmentReason */
};

struct fp_msg {
	long id;
	int cancel;                 /* ActionType Cancel (amzship.c applies it) */
	char order_id[32];
	struct fp_item items[FP_MAX_ITEMS];
	size_t nitems;
};

/* One error line of the processing report. */
struct fp_result {
	long message_id;
	char code[16];
	char order_id[32];
	char *description;
};

struct fp_report {
	char merchant[64];
	long processed, ok;
	struct fp_result *res;
	size_t nres;
};

/* The next element node from n on (n itself when it is one), or NULL. */
xmlNodePtr sbx_fp_elem_next(xmlNodePtr n);
#define FP_EACH_CHILD(c, parent) \
	for (xmlNodePtr c = sbx_fp_elem_next((parent)->children); c != NULL; \
	     c = sbx_fp_elem_next(c->next))
/* 1 when n is an element named `name`. */
int sbx_fp_is(xmlNodePtr n, const char *name);
/* The trimmed text of a leaf element; -1 with element children or too long. */
int sbx_fp_text_of(xmlNodePtr n, char *out, size_t outn);
/* Parse one Message element into *m (zeroed by the caller). 0, or -1 with
 * why (m->id and m->order_id are kept when they were read). */
int sbx_fp_parse_message(xmlNodePtr msg, struct fp_msg *m, char *why, size_t whyn);
/* Digits of a currency's minor unit: 0 (JPY, ...) or 2. */
int sbx_fp_currency_digits(const char *currency);
/* Bring d to exactly `digits` decimals; -1 when that would lose digits. */
int sbx_fp_dec_rescale(struct sbx_dec *d, int digits);
/* The Finances ChargeType of a feed Component Type. */
const char *sbx_fp_charge_type(const char *feed_type);
/* The processing report of feed `feed_id` (malloc'd XML text) or NULL. */
char *sbx_fp_report_xml(const char *feed_id, const struct fp_report *rep);
/* gzip (RFC 1952) of n bytes into *out (malloc'd). 0 or <0. */
int sbx_fp_gzip(unsigned char **out, size_t *outlen, const char *in, size_t n);

#endif
