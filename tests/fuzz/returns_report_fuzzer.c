/*
 * returns_report_fuzzer.c: the bytes as a returns report, FBA and merchant
 * (amazon__returns_parse), added to a set that already holds one row.
 * Checked: a failure leaves the set as it was and says "line N: ..."; a
 * success adds rows whose order id and SKU are non-empty and quantity is
 * >= 0, each of which amazon__returns_find then finds, and a refund of
 * that order and SKU is classified a return. Any difference aborts;
 * ASan/UBSan report the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char seed_row[] = "order-id\tsku\tquantity\treturn-date\nSEED-ORDER\tSEED-SKU\t1\t\n";

static void
check_found(struct amazon_returns *set, const struct amazon_return *r)
{
	struct refund ref;
	struct refund_line line;
	const struct amazon_return *hit = NULL;
	char *order = strdup(r->order_id), *sku = strdup(r->sku);

	if (order == NULL || sku == NULL)
		abort();
	if (amazon__returns_find(set, order, sku) == NULL)
		abort();
	memset(&ref, 0, sizeof(ref));
	memset(&line, 0, sizeof(line));
	line.sku = sku;
	ref.order_id = order;
	ref.kind = REFUND_KIND_REFUND;
	ref.lines = &line;
	ref.nlines = 1;
	if (amazon__returns_classify(set, &ref, &hit, NULL) != 1 || hit == NULL ||
	    ref.kind != REFUND_KIND_RETURN || ref.reason == NULL ||
	    strcmp(ref.reason, AMAZON_RETURN_REASON) != 0 || strcmp(hit->order_id, order) != 0 ||
	    strcmp(hit->sku, sku) != 0)
		abort();
	free(ref.reason);
	free(order);
	free(sku);
}

static void
run(const uint8_t *data, size_t size, unsigned type)
{
	struct amazon_returns set;
	struct sc_error err;
	size_t i, n;
	int rc;

	memset(&set, 0, sizeof(set));
	if (amazon__returns_parse(&set, AMAZON_RETURNS_FBA, seed_row, sizeof(seed_row) - 1,
	                          &err) != 0 || set.n != 1)
		abort();
	rc = amazon__returns_parse(&set, type, (const char *)data, size, &err);
	if (rc < 0) {
		if (set.n != 1 || strcmp(set.v[0].order_id, "SEED-ORDER") != 0 ||
		    (rc == SC_EMALFORMED && strncmp(err.msg, "line ", 5) != 0))
			abort();
	} else {
		for (i = 0; i < set.n; i++)
			if (set.v[i].order_id[0] == '\0' || set.v[i].sku[0] == '\0' ||
			    set.v[i].qty < 0 || set.v[i].reason == NULL || set.v[i].detail == NULL ||
			    set.v[i].status == NULL)
				abort();
		n = set.n;
		for (i = 0; i < n; i++)
			check_found(&set, &set.v[i]);
	}
	amazon__returns_free(&set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, AMAZON_RETURNS_FBA);
	run(data, size, AMAZON_RETURNS_MERCHANT);
	return 0;
}
