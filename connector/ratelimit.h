/*
 * ratelimit.h: a token bucket per remote operation.
 *
 * rate = tokens added per second, burst = bucket size (SP-API's documented
 * "rate" and "burst"). `time_scale` > 1 runs the clock faster (tests and the
 * sandbox use the same factor so no one waits minutes): a bucket with rate r
 * and scale s refills at r*s tokens per real second.
 *
 * Thread-safe. ratelimit_acquire blocks until a token is there (or the stop
 * flag is raised: SC_EINTR). A 429 calls ratelimit_penalize, which empties
 * the bucket so the next token comes only after a full refill interval.
 */
#ifndef SC_RATELIMIT_H
#define SC_RATELIMIT_H

#include <signal.h>
#include <stdint.h>

struct ratelimit;

/* A full bucket (burst tokens). `rate` must be finite and > 0 (else
 * SC_EINVALID); a burst below 1 counts as 1; a time_scale <= 0 as 1. `name`
 * is copied (may be NULL). *out is freed with ratelimit_free (NULL-safe). */
int ratelimit_new(struct ratelimit **out, const char *name, double rate,
                  double burst, double time_scale);
void ratelimit_free(struct ratelimit *rl);

/* The flag raised by the signal handler: while it is non-zero,
 * ratelimit_acquire returns SC_EINTR instead of sleeping (checked at least
 * every 50 ms). Process-wide; NULL disables. http_set_stop_flag sets it too. */
void ratelimit_set_stop_flag(volatile sig_atomic_t *flag);

/* Take one token, sleeping as needed. 0, or SC_EINTR when stopped. */
int ratelimit_acquire(struct ratelimit *rl);
/* Milliseconds until a token is available (0 = now); takes nothing. */
int64_t ratelimit_wait_ms(struct ratelimit *rl);
/* The server stated the applied rate (x-amzn-RateLimit-Limit style):
 * text of a decimal number; ignored when unparsable or <= 0. */
void ratelimit_set_rate_text(struct ratelimit *rl, const char *rate_text);
/* Throttled: empty the bucket. */
void ratelimit_penalize(struct ratelimit *rl);
/* Figures for benchmarks: tokens granted, total ms spent waiting. */
void ratelimit_stats(const struct ratelimit *rl, uint64_t *granted, uint64_t *waited_ms);
double ratelimit_rate(const struct ratelimit *rl);

#endif
