/*
 * settlement_bench.c: settlement_bench FILE [REPEAT]: parse a settlement
 * report through the amazon adapter's settlement_parse slot with a sink
 * that reconciles as the engine would: it sums the amounts per
 * (transaction-type, amount-type, amount-description) in a hash table, then
 * checks that the groups add up to the summary's total-amount. Prints the
 * figures and, last, one machine-readable line for bench_settlement.sh:
 *
 *   RESULT bytes=B seconds=S mbps=M lines=N groups=G balanced=0|1
 *
 * The time covers the parse and the reconciliation (wall clock, monotonic),
 * not the process start; with REPEAT > 1 the fastest of REPEAT parses.
 * MB are 10^6 bytes. Exit 0 when the parse succeeded and balanced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"
#include "connector/money.h"

#define BENCH_SLOTS 4096          /* power of two; groups are few */
#define BENCH_KEY 192

struct group {
	uint64_t hash;
	size_t klen;              /* 0: a free slot */
	size_t len[3];
	char key[BENCH_KEY];      /* "type\x1f" "amount-type\x1f" "description\x1f" */
	int64_t sum;
	long n;
};

struct recon {
	struct group *slots;
	size_t ngroups;
	struct settlement_header hdr;
	int headers;
	long lines;
	int overflow;
};

static int
bench_header(void *ud, const struct settlement_header *h)
{
	struct recon *r = ud;

	r->hdr = *h;
	r->headers++;
	return 0;
}

/* Mix s[0..n) into h, eight bytes at a time (multiply-xor). */
static uint64_t
bench_hash(uint64_t h, const char *s, size_t n)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	for (w = 0; i < n; i++)
		w = w << 8 | (unsigned char)s[i];
	h = (h ^ w ^ n) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

static int
bench_line(void *ud, const struct settlement_line *l)
{
	struct recon *r = ud;
	const char *part[3] = { l->transaction_type, l->amount_type, l->amount_description };
	size_t len[3], i, j, at;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	struct group *g;

	for (j = 0; j < 3; j++) {
		len[j] = strlen(part[j]);
		h = bench_hash(h, part[j], len[j]);
	}
	r->lines++;
	for (i = (size_t)(h >> 52) & (BENCH_SLOTS - 1);; i = (i + 1) & (BENCH_SLOTS - 1)) {
		g = &r->slots[i];
		if (g->klen == 0) {
			if (r->ngroups + 1 >= BENCH_SLOTS / 2 ||
			    len[0] + len[1] + len[2] + 3 > BENCH_KEY)
				return -1;              /* absurd */
			g->hash = h;
			for (j = 0, at = 0; j < 3; j++) {
				g->len[j] = len[j];
				memcpy(g->key + at, part[j], len[j]);
				at += len[j];
				g->key[at++] = '\x1f';
			}
			g->klen = at;
			r->ngroups++;
			break;
		}
		if (g->hash == h && g->len[0] == len[0] && g->len[1] == len[1] &&
		    g->len[2] == len[2] && memcmp(g->key, part[0], len[0]) == 0 &&
		    memcmp(g->key + len[0] + 1, part[1], len[1]) == 0 &&
		    memcmp(g->key + len[0] + len[1] + 2, part[2], len[2]) == 0)
			break;
	}
	g->n++;
	if (money_add(&g->sum, g->sum, l->amount) < 0)
		r->overflow = 1;
	return 0;
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
	struct recon r;
	struct sc_error err;
	struct stat st;
	char total[32], sum_text[32];
	double best = 0, t0, t;
	int64_t sum = 0;
	int repeat = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 1;
	int i, rc = 0, balanced;
	size_t k;

	if (argc < 2 || stat(argv[1], &st) != 0) {
		fprintf(stderr, "usage: settlement_bench FILE [REPEAT]\n");
		return 2;
	}
	if (repeat < 1)
		repeat = 1;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < repeat; i++) {
		free(r.slots);
		memset(&r, 0, sizeof(r));
		if ((r.slots = calloc(BENCH_SLOTS, sizeof(*r.slots))) == NULL)
			return 2;
		sink.ud = &r;
		sc_error_clear(&err);
		t0 = bench_now();
		rc = amazon_ops.settlement_parse(argv[1], &sink, &err);
		/* the reconciliation: the groups against the deposited total */
		sum = 0;
		for (k = 0; rc == 0 && k < BENCH_SLOTS; k++)
			if (r.slots[k].klen > 0 && money_add(&sum, sum, r.slots[k].sum) < 0)
				r.overflow = 1;
		t = bench_now() - t0;
		if (rc < 0) {
			fprintf(stderr, "settlement_bench: %s: %s\n", argv[1], err.msg);
			free(r.slots);
			return 1;
		}
		if (i == 0 || t < best)
			best = t;
	}
	balanced = r.headers == 1 && !r.overflow && sum == r.hdr.total;
	money_format(total, sizeof(total), r.hdr.total, r.hdr.exponent);
	money_format(sum_text, sizeof(sum_text), sum, r.hdr.exponent);
	printf("settlement %s (%s): %ld lines in %zu groups, sum %s, total-amount %s: %s\n",
	       r.hdr.id, r.hdr.currency, r.lines, r.ngroups, sum_text, total,
	       balanced ? "balanced" : "NOT BALANCED");
	printf("%lld bytes in %.4f s (fastest of %d): %.1f MB/s\n", (long long)st.st_size,
	       best, repeat, best > 0 ? (double)st.st_size / 1e6 / best : 0.0);
	printf("RESULT bytes=%lld seconds=%.6f mbps=%.1f lines=%ld groups=%zu balanced=%d\n",
	       (long long)st.st_size, best,
	       best > 0 ? (double)st.st_size / 1e6 / best : 0.0, r.lines, r.ngroups,
	       balanced);
	free(r.slots);
	return balanced ? 0 : 1;
}
