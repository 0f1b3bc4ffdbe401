/*
 * settlement_v2_fuzzer.c: the bytes as a V2 settlement flat file
 * (amazon__settlement_v2_run), read whole, then in pieces of 7 bytes, then
 * (for small inputs) one byte at a time: the outcome (code, message, header,
 * number and sum of lines) must not depend on how reads cut the text, the
 * header must come once before any line, every string must be there and
 * line numbers must grow. Any difference aborts; ASan/UBSan report the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	int rc;
	int headers;
	struct settlement_header h;
	size_t n;
	uint64_t sum;            /* wrapping: only compared */
	long last_line;
	struct sc_error err;
};

static int
fz_header(void *ud, const struct settlement_header *h)
{
	struct outcome *o = ud;

	if (o->headers++ > 0 || o->n > 0)
		abort();
	o->h = *h;
	return 0;
}

static int
fz_line(void *ud, const struct settlement_line *l)
{
	struct outcome *o = ud;

	if (o->headers != 1 || l->transaction_type == NULL || l->order_id == NULL ||
	    l->adjustment_id == NULL || l->amount_type == NULL ||
	    l->amount_description == NULL || l->sku == NULL || l->lineno <= o->last_line)
		abort();
	o->last_line = l->lineno;
	o->n++;
	o->sum += (uint64_t)l->amount;
	return 0;
}

static void
run(struct outcome *o, const uint8_t *data, size_t size, size_t piece)
{
	struct settlement_sink sink = { fz_header, fz_line, o };
	struct amazon_stl_src src;

	memset(o, 0, sizeof(*o));
	memset(&src, 0, sizeof(src));
	src.fd = -1;
	src.mem = (const char *)data;
	src.len = size;
	src.piece = piece;
	o->rc = amazon__settlement_v2_run(&src, &sink, &o->err);
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	if (a->rc != b->rc || a->headers != b->headers || a->n != b->n || a->sum != b->sum ||
	    strcmp(a->err.msg, b->err.msg) != 0 ||
	    (a->headers > 0 && memcmp(&a->h, &b->h, sizeof(a->h)) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome a, b;

	run(&a, data, size, 0);
	run(&b, data, size, 7);
	same(&a, &b);
	if (size <= 4096) {
		run(&b, data, size, 1);
		same(&a, &b);
	}
	return 0;
}
