/* test_model.c: freeing, totals, content hashes and names of the records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connector/error.h"
#include "connector/model.h"

static char *
dup(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

/* A two-line US order with every string set (ASan reports any leak). */
static struct order *
order_sample(void)
{
	struct order *o = calloc(1, sizeof(*o));
	struct order_line *l;

	assert_non_null(o);
	o->id = dup("111-2222222-3333333");
	o->marketplace = dup("amazon");
	o->channel = dup("ATVPDKIKX0DER");
	o->channel_name = dup("Amazon.com");
	o->status = ORDER_UNSHIPPED;
	o->raw_status = dup("Unshipped");
	o->created = 1795161600;
	o->updated = 1795165200;
	memcpy(o->currency, "USD", 4);
	o->exponent = 2;
	o->nlines = 2;
	o->lines = calloc(2, sizeof(*o->lines));
	assert_non_null(o->lines);
	l = &o->lines[0];
	l->line_id = dup("00000000000001");
	l->sku = dup("SKU-A");
	l->erp_sku = dup("ITEM-A");
	l->title = dup("Blue mug");
	l->qty = 2;
	l->unit_price = 1250;
	l->subtotal = 2500;
	l->tax = 206;
	l->discount = 300;
	l->shipping = 499;
	l->shipping_tax = 41;
	l->shipping_discount = 499;
	l->gift_wrap = 0;
	l->other = 0;
	l = &o->lines[1];
	l->line_id = dup("00000000000002");
	l->sku = dup("SKU-B");
	l->title = dup("Red plate");
	l->qty = 1;
	l->unit_price = 999;
	l->subtotal = 999;
	l->tax = 82;
	l->gift_wrap = 350;
	l->other = 100;
	o->total = 3578;
	o->fulfilled_by = dup("merchant");
	o->buyer_id = dup("b1");
	o->buyer_name = dup("Jane Doe");
	o->buyer_email = dup("jane@example.com");
	o->ship_to.name = dup("Jane Doe");
	o->ship_to.line1 = dup("1 Main St");
	o->ship_to.line2 = dup("Apt 2");
	o->ship_to.line3 = dup("c/o X");
	o->ship_to.city = dup("Seattle");
	o->ship_to.region = dup("WA");
	o->ship_to.postal_code = dup("98101");
	o->ship_to.country_code = dup("US");
	o->ship_to.phone = dup("+1 206 555 0100");
	return o;
}

static struct refund *
refund_sample(void)
{
	struct refund *r = calloc(1, sizeof(*r));
	struct refund_line *l;

	assert_non_null(r);
	r->source = SIDE_MARKETPLACE;
	r->id = dup("amzn1.adj.1");
	r->order_id = dup("111-2222222-3333333");
	r->kind = REFUND_KIND_RETURN;
	r->reason = dup("CustomerReturn");
	memcpy(r->currency, "USD", 4);
	r->exponent = 2;
	r->posted = 1795161600;
	r->nlines = 1;
	r->lines = calloc(1, sizeof(*r->lines));
	assert_non_null(r->lines);
	l = &r->lines[0];
	l->line_id = dup("00000000000001");
	l->sku = dup("SKU-A");
	l->erp_sku = dup("ITEM-A");
	l->qty = 1;
	l->ncomps = 3;
	l->comps = calloc(3, sizeof(*l->comps));
	assert_non_null(l->comps);
	memcpy(l->comps[0].type, "Principal", 10);
	l->comps[0].amount = -1250;
	memcpy(l->comps[1].type, "Tax", 4);
	l->comps[1].amount = -103;
	memcpy(l->comps[2].type, "Commission", 11);
	l->comps[2].amount = 188;
	r->erp_type = dup("creditmemo");
	r->erp_external_id = dup("AMZ-RF-amzn1.adj.1");
	return r;
}

static void
records_free_every_owned_string_and_accept_null(void **state)
{
	struct fulfillment *f = calloc(1, sizeof(*f));

	order_free(NULL);
	refund_free(NULL);
	fulfillment_free(NULL);
	order_free(order_sample());
	refund_free(refund_sample());
	order_free(calloc(1, sizeof(struct order)));
	refund_free(calloc(1, sizeof(struct refund)));
	fulfillment_free(calloc(1, sizeof(struct fulfillment)));

	assert_non_null(f);
	f->id = dup("647");
	f->order_id = dup("111-2222222-3333333");
	f->reason = dup("NoInventory");
	f->carrier = dup("UPS");
	f->method = dup("Ground");
	f->tracking = dup("1Z999");
	f->ship_date = 1795161600;
	f->nlines = 2;
	f->lines = calloc(2, sizeof(*f->lines));
	assert_non_null(f->lines);
	f->lines[0].line_id = dup("1");
	f->lines[0].sku = dup("SKU-A");
	f->lines[0].qty = 2;
	f->lines[1].line_id = dup("2");
	f->lines[1].qty = 1;
	fulfillment_free(f);
}

static void
order_computed_total_adds_every_charge_of_every_line(void **state)
{
	struct order *o = order_sample();
	int64_t total = 0;

	/* line 1: 2500 - 300 + 206 + 499 + 41 - 499 + 0 + 0 = 2447
	 * line 2:  999 -   0 +  82 +   0 +  0 -   0 + 350 + 100 = 1531 */
	assert_int_equal(order_computed_total(o, &total), 0);
	assert_int_equal(total, 2447 + 1531);
	o->nlines = 0;
	assert_int_equal(order_computed_total(o, &total), 0);
	assert_int_equal(total, 0);
	o->nlines = 2;
	order_free(o);
}

static void
order_computed_total_refuses_overflow(void **state)
{
	struct order *o = order_sample();
	int64_t total = 42;

	o->lines[0].subtotal = INT64_MAX;
	assert_int_equal(order_computed_total(o, &total), SC_ENOSPACE);
	assert_int_equal(total, 42);
	o->lines[0].subtotal = 0;
	o->lines[0].discount = INT64_MIN;     /* subtracting it overflows */
	assert_int_equal(order_computed_total(o, &total), SC_ENOSPACE);
	o->lines[0].discount = 0;
	o->lines[0].shipping_discount = INT64_MIN;
	assert_int_equal(order_computed_total(o, &total), SC_ENOSPACE);
	o->lines[0].shipping_discount = 0;
	o->lines[0].other = INT64_MIN;
	o->lines[1].other = INT64_MIN;
	assert_int_equal(order_computed_total(o, &total), SC_ENOSPACE);
	assert_int_equal(total, 42);
	assert_int_equal(order_computed_total(NULL, &total), SC_EINVALID);
	order_free(o);
}

static void
refund_total_adds_every_component_and_refuses_overflow(void **state)
{
	struct refund *r = refund_sample();
	int64_t total = 0;

	assert_int_equal(refund_total(r, &total), 0);
	assert_int_equal(total, -1250 - 103 + 188);
	r->lines[0].comps[0].amount = INT64_MIN;
	total = 42;
	assert_int_equal(refund_total(r, &total), SC_ENOSPACE);
	assert_int_equal(total, 42);
	r->lines[0].comps[0].amount = INT64_MIN + 103;   /* + (-103) reaches INT64_MIN */
	r->lines[0].comps[2].amount = 0;
	assert_int_equal(refund_total(r, &total), 0);
	assert_true(total == INT64_MIN);
	assert_int_equal(refund_total(NULL, &total), SC_EINVALID);
	refund_free(r);
}

static int
hash_eq(const unsigned char *a, const unsigned char *b)
{
	return memcmp(a, b, MODEL_HASH_LEN) == 0;
}

/* Each mutation must change the order hash. */
static void
mut_status(struct order *o) { o->status = ORDER_SHIPPED; }
static void
mut_qty(struct order *o) { o->lines[0].qty = 3; }
static void
mut_qty_shipped(struct order *o) { o->lines[1].qty_shipped = 1; }
static void
mut_qty_cancelled(struct order *o) { o->lines[1].qty_cancelled = 1; }
static void
mut_subtotal(struct order *o) { o->lines[0].subtotal += 1; }
static void
mut_tax(struct order *o) { o->lines[1].tax -= 1; }
static void
mut_discount(struct order *o) { o->lines[0].discount = 0; }
static void
mut_shipping(struct order *o) { o->lines[0].shipping = 500; }
static void
mut_gift_wrap(struct order *o) { o->lines[1].gift_wrap = 0; }
static void
mut_other(struct order *o) { o->lines[1].other = 101; }
static void
mut_unit_price(struct order *o) { o->lines[0].unit_price = 1251; }
static void
mut_total(struct order *o) { o->total = 3978; }
static void
mut_sku(struct order *o) { o->lines[0].sku[4] = 'Z'; }
static void
mut_erp_sku(struct order *o) { free(o->lines[0].erp_sku); o->lines[0].erp_sku = NULL; }
static void
mut_erp_sku_empty(struct order *o) { o->lines[1].erp_sku = dup(""); }
static void
mut_title_empty(struct order *o) { o->lines[1].title[0] = '\0'; }
static void
mut_currency(struct order *o) { memcpy(o->currency, "CAD", 4); }
static void
mut_exponent(struct order *o) { o->exponent = 3; }
static void
mut_city(struct order *o) { o->ship_to.city[0] = 's'; }
static void
mut_phone_null(struct order *o) { free(o->ship_to.phone); o->ship_to.phone = NULL; }
static void
mut_email(struct order *o) { o->buyer_email[0] = 'J'; }
static void
mut_id(struct order *o) { o->id[0] = '2'; }
static void
mut_drop_line(struct order *o) { o->nlines = 1; }
static void
mut_swap_lines(struct order *o)
{
	struct order_line t = o->lines[0];

	o->lines[0] = o->lines[1];
	o->lines[1] = t;
}
static void
mut_shift_boundary(struct order *o)
{
	/* "SKU-A" + "Blue mug" -> "SKU-AB" + "lue mug": same bytes run
	 * together, different fields. */
	free(o->lines[0].sku);
	free(o->lines[0].title);
	o->lines[0].sku = dup("SKU-AB");
	o->lines[0].title = dup("lue mug");
}

static void
order_hash_changes_when_anything_the_erp_sees_changes(void **state)
{
	static void (*const muts[])(struct order *) = {
		mut_status, mut_qty, mut_qty_shipped, mut_qty_cancelled, mut_subtotal,
		mut_tax, mut_discount, mut_shipping, mut_gift_wrap, mut_other,
		mut_unit_price, mut_total, mut_sku, mut_erp_sku, mut_erp_sku_empty, mut_title_empty,
		mut_currency, mut_exponent, mut_city, mut_phone_null, mut_email, mut_id,
		mut_drop_line, mut_swap_lines, mut_shift_boundary,
	};
	unsigned char base[MODEL_HASH_LEN], h[MODEL_HASH_LEN];
	struct order *o = order_sample();
	size_t i;

	order_hash(o, base);
	order_free(o);
	for (i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		o = order_sample();
		muts[i](o);
		order_hash(o, h);
		o->nlines = 2;   /* mut_drop_line: free both lines */
		order_free(o);
		if (hash_eq(base, h)) {
			print_error("mutation %zu did not change the hash\n", i);
			fail();
		}
	}
}

static void
order_hash_is_stable_when_only_times_or_raw_status_change(void **state)
{
	unsigned char a[MODEL_HASH_LEN], b[MODEL_HASH_LEN], zero[MODEL_HASH_LEN];
	struct order *o1 = order_sample(), *o2 = order_sample();

	memset(zero, 0, sizeof(zero));
	order_hash(o1, a);
	assert_false(hash_eq(a, zero));
	o2->updated += 3600;
	o2->created -= 60;
	free(o2->raw_status);
	o2->raw_status = dup("PartiallyShipped");
	order_hash(o2, b);
	assert_true(hash_eq(a, b));
	order_hash(o1, b);
	assert_true(hash_eq(a, b));
	order_free(o1);
	order_free(o2);
}

static void
order_hash_matches_the_documented_encoding(void **state)
{
	/* SHA-256 of the encoding described in model.c, computed independently
	 * (Python hashlib over hand-built bytes) for: id "1", every other string
	 * NULL, status shipped (3), currency "JPY", exponent 0, one line with
	 * sku "S", qty 1, subtotal 500, every other field 0, total 500. */
	static const unsigned char want[MODEL_HASH_LEN] = {
		0x73, 0x3f, 0x92, 0x71, 0x5e, 0x0e, 0x08, 0x21,
		0x84, 0x68, 0x27, 0xd3, 0x83, 0xf2, 0x37, 0x20,
		0xa6, 0x6a, 0x44, 0x2a, 0x0c, 0x76, 0x57, 0x44,
		0x41, 0xe6, 0x02, 0xb3, 0x10, 0xe6, 0x5b, 0x1a,
	};
	struct order o;
	struct order_line l;
	unsigned char h[MODEL_HASH_LEN];
	char id[] = "1", sku[] = "S";

	memset(&o, 0, sizeof(o));
	memset(&l, 0, sizeof(l));
	o.id = id;
	o.status = ORDER_SHIPPED;
	memcpy(o.currency, "JPY", 4);
	l.sku = sku;
	l.qty = 1;
	l.subtotal = 500;
	o.lines = &l;
	o.nlines = 1;
	o.total = 500;
	order_hash(&o, h);
	assert_memory_equal(h, want, MODEL_HASH_LEN);
}

static void
refund_hash_changes_with_lines_components_and_kind(void **state)
{
	unsigned char base[MODEL_HASH_LEN], h[MODEL_HASH_LEN];
	struct refund *r = refund_sample();
	int i;

	refund_hash(r, base);
	refund_hash(r, h);
	assert_true(hash_eq(base, h));
	refund_free(r);
	for (i = 0; i < 9; i++) {
		r = refund_sample();
		switch (i) {
		case 0: r->lines[0].comps[0].amount = -1251; break;
		case 1: r->lines[0].comps[1].type[0] = 't'; break;
		case 2: r->lines[0].qty = 2; break;
		case 3: r->kind = REFUND_KIND_REFUND; break;
		case 4: r->lines[0].sku[0] = 's'; break;
		case 5: r->lines[0].ncomps = 2; break;
		case 6: r->posted += 86400; break;
		case 7: r->reason[0] = 'c'; break;
		case 8: memcpy(r->lines[0].comps[2].type, "Commission\0X", 12); break;
		}
		refund_hash(r, h);
		refund_free(r);
		if (i == 8)
			assert_true(hash_eq(base, h));   /* bytes after the NUL are not the type */
		else if (hash_eq(base, h))
			fail_msg("refund mutation %d did not change the hash", i);
	}
}

static void
names_are_the_documented_words(void **state)
{
	static const struct {
		const char *name;
		enum refund_kind kind;
	} kinds[] = {
		{ "refund", REFUND_KIND_REFUND },
		{ "return", REFUND_KIND_RETURN },
		{ "cancellation", REFUND_KIND_CANCELLATION },
		{ "adjustment", REFUND_KIND_ADJUSTMENT },
	};
	enum refund_kind k = REFUND_KIND_ADJUSTMENT;
	size_t i;

	assert_string_equal(order_status_name(ORDER_PENDING), "pending");
	assert_string_equal(order_status_name(ORDER_UNSHIPPED), "unshipped");
	assert_string_equal(order_status_name(ORDER_PARTIALLY_SHIPPED), "partially_shipped");
	assert_string_equal(order_status_name(ORDER_SHIPPED), "shipped");
	assert_string_equal(order_status_name(ORDER_CANCELLED), "cancelled");
	assert_string_equal(order_status_name(ORDER_UNFULFILLABLE), "unfulfillable");
	assert_string_equal(order_status_name((enum order_status)99), "unknown");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_string_equal(refund_kind_name(kinds[i].kind), kinds[i].name);
		assert_int_equal(refund_kind_parse(kinds[i].name, &k), 0);
		assert_int_equal(k, kinds[i].kind);
	}
	assert_string_equal(refund_kind_name((enum refund_kind)7), "unknown");
	k = REFUND_KIND_RETURN;
	assert_int_equal(refund_kind_parse("Refund", &k), SC_ENOTFOUND);
	assert_int_equal(refund_kind_parse("", &k), SC_ENOTFOUND);
	assert_int_equal(refund_kind_parse("unknown", &k), SC_ENOTFOUND);
	assert_int_equal(refund_kind_parse(NULL, &k), SC_ENOTFOUND);
	assert_int_equal(k, REFUND_KIND_RETURN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records_free_every_owned_string_and_accept_null),
		cmocka_unit_test(order_computed_total_adds_every_charge_of_every_line),
		cmocka_unit_test(order_computed_total_refuses_overflow),
		cmocka_unit_test(refund_total_adds_every_component_and_refuses_overflow),
		cmocka_unit_test(order_hash_changes_when_anything_the_erp_sees_changes),
		cmocka_unit_test(order_hash_is_stable_when_only_times_or_raw_status_change),
		cmocka_unit_test(order_hash_matches_the_documented_encoding),
		cmocka_unit_test(refund_hash_changes_with_lines_components_and_kind),
		cmocka_unit_test(names_are_the_documented_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
