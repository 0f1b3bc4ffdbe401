/*
 * settlement_bench.c: settlement_bench FILE [REPEAT]: parse a settlement
 * report through the amazon adapter's settlement_parse slot into the real
 * reconciler (mapping/reconcile.h, with the built-in Amazon account map),
 * exactly as the engine does: every row classified into its category and
 * account, the totals balanced against the deposited total-amount (the
 * engine's second pass, order ids against the state, is not timed here). Prints
 * the figures and, last, one machine-readable line for bench_settlement.sh:
 *
 *   RESULT bytes=B seconds=S mbps=M lines=N orders=O balanced=0|1
 *
 * The time covers the parse and the reconciliation (wall clock, monotonic),
 * not the process start; with REPEAT > 1 the fastest of REPEAT runs.
 * MB are 10^6 bytes. Exit 0 when the parse succeeded and balanced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "adapters/adapter.h"
#include "connector/money.h"
#include "mapping/account_map.h"
#include "mapping/reconcile.h"

extern const struct marketplace_ops amazon_ops;

struct run {
	const struct account_map *map;
	struct reconcile *rec;
	struct settlement_header hdr;
	int headers;
	struct sc_error *err;
};

static int
bench_header(void *ud, const struct settlement_header *h)
{
	struct run *r = ud;

	r->hdr = *h;
	r->headers++;
	if (reconcile_new(&r->rec, r->map, h, r->err) < 0)
		return r->err->code ? r->err->code : -1;
	/* as the engine does: order ids are checked in a second pass against
	 * the state, keeping only the missing ones; none are kept here */
	reconcile_keep_orders(r->rec, 0);
	return 0;
}

static int
bench_line(void *ud, const struct settlement_line *l)
{
	struct run *r = ud;

	return reconcile_line(r->rec, l, r->err);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct settlement_sink sink = { bench_header, bench_line, NULL };
	struct account_map *map = NULL;
	struct reconcile_result res;
	struct run r;
	struct sc_error err;
	struct stat st;
	char total[32], sum_text[32];
	double best = 0, t0, t;
	int repeat = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 1;
	int i, rc = 0, balanced = 0;
	size_t orders = 0;

	if (argc < 2 || stat(argv[1], &st) != 0) {
		fprintf(stderr, "usage: settlement_bench FILE [REPEAT]\n");
		return 2;
	}
	if (repeat < 1)
		repeat = 1;
	sc_error_clear(&err);
	if (mapping_account_map_builtin(&map, &err) < 0) {
		fprintf(stderr, "settlement_bench: %s\n", err.msg);
		return 2;
	}
	memset(&res, 0, sizeof(res));
	for (i = 0; i < repeat; i++) {
		memset(&r, 0, sizeof(r));
		r.map = map;
		r.err = &err;
		sink.ud = &r;
		sc_error_clear(&err);
		t0 = bench_now();
		rc = amazon_ops.settlement_parse(argv[1], &sink, &err);
		if (rc == 0 && r.rec != NULL)
			rc = reconcile_finish(r.rec, &res);
		t = bench_now() - t0;
		if (rc < 0) {
			fprintf(stderr, "settlement_bench: %s: %s\n", argv[1], err.msg);
			reconcile_free(r.rec);
			mapping_account_map_free(map);
			return 1;
		}
		orders = r.rec != NULL ? reconcile_order_count(r.rec) : 0;
		reconcile_free(r.rec);
		if (i == 0 || t < best)
			best = t;
	}
	balanced = r.headers == 1 && res.balance == 0;
	money_format(total, sizeof(total), r.hdr.total, r.hdr.exponent);
	money_format(sum_text, sizeof(sum_text), res.sum, r.hdr.exponent);
	printf("settlement %s (%s): %lld lines, %zu orders, detail rows %s, total-amount %s: %s\n",
	       r.hdr.id, r.hdr.currency, (long long)res.lines, orders, sum_text, total,
	       balanced ? "balanced" : "NOT BALANCED");
	printf("%lld bytes in %.4f s (fastest of %d): %.1f MB/s\n", (long long)st.st_size,
	       best, repeat, best > 0 ? (double)st.st_size / 1e6 / best : 0.0);
	printf("RESULT bytes=%lld seconds=%.6f mbps=%.1f lines=%lld orders=%zu balanced=%d\n",
	       (long long)st.st_size, best,
	       best > 0 ? (double)st.st_size / 1e6 / best : 0.0, (long long)res.lines, orders,
	       balanced);
	mapping_account_map_free(map);
	return balanced ? 0 : 1;
}
