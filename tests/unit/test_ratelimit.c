/* test_ratelimit.c: the token bucket (connector/ratelimit.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "connector/error.h"
#include "connector/ratelimit.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Time `n` acquisitions; fails the test if one does not return 0. */
static int64_t
acquire_n_ms(struct ratelimit *rl, int n)
{
	int64_t t0 = now_ms();
	int i;

	for (i = 0; i < n; i++)
		assert_int_equal(ratelimit_acquire(rl), 0);
	return now_ms() - t0;
}

static void
a_full_bucket_grants_its_burst_at_once(void **state)
{
	struct ratelimit *rl = NULL;

	assert_int_equal(ratelimit_new(&rl, "op", 1.0, 10, 1.0), 0);
	assert_int_equal(ratelimit_wait_ms(rl), 0);
	/* 10 tokens at rate 1/s: nothing to wait for. */
	assert_true(acquire_n_ms(rl, 10) < 50);
	/* Empty now: the next token is about 1000 ms away. */
	assert_true(ratelimit_wait_ms(rl) > 900);
	assert_true(ratelimit_wait_ms(rl) <= 1000);
	ratelimit_free(rl);
}

static void
past_the_burst_the_rate_is_respected(void **state)
{
	struct ratelimit *rl = NULL;
	int64_t ms;

	/* rate 50/s burst 5: 5 free, then 10 more at 20 ms each = 200 ms. */
	assert_int_equal(ratelimit_new(&rl, "op", 50.0, 5, 1.0), 0);
	ms = acquire_n_ms(rl, 15);
	assert_true(ms >= 100);
	assert_true(ms <= 300);
	ratelimit_free(rl);
}

static void
time_scale_multiplies_the_rate(void **state)
{
	struct ratelimit *rl = NULL;
	int64_t ms;

	/* rate 5/s scaled by 10 = 50/s: the same 200 ms as above, not 2 s. */
	assert_int_equal(ratelimit_new(&rl, "op", 5.0, 5, 10.0), 0);
	ms = acquire_n_ms(rl, 15);
	assert_true(ms >= 100);
	assert_true(ms <= 300);
	ratelimit_free(rl);
}

static void
penalize_empties_the_bucket(void **state)
{
	struct ratelimit *rl = NULL;
	int64_t ms;

	/* rate 10/s, burst 5, full: after a penalty the next token takes a
	 * whole refill interval (100 ms) instead of coming at once. */
	assert_int_equal(ratelimit_new(&rl, "op", 10.0, 5, 1.0), 0);
	ratelimit_penalize(rl);
	assert_true(ratelimit_wait_ms(rl) >= 90);
	ms = acquire_n_ms(rl, 1);
	assert_true(ms >= 80);
	assert_true(ms <= 250);
	ratelimit_free(rl);
}

static void
the_bucket_refills_up_to_burst_only(void **state)
{
	struct ratelimit *rl = NULL;

	/* rate 100/s burst 3: after 200 ms idle (20 tokens earned) only 3 are
	 * there; the 4th waits ~10 ms. */
	assert_int_equal(ratelimit_new(&rl, "op", 100.0, 3, 1.0), 0);
	ratelimit_penalize(rl);
	sleep_ms(200);
	assert_true(acquire_n_ms(rl, 3) < 5);
	assert_true(ratelimit_wait_ms(rl) >= 5);
	ratelimit_free(rl);
}

static void
set_rate_text_changes_the_rate_and_keeps_the_burst(void **state)
{
	struct ratelimit *rl = NULL;
	int64_t ms;

	assert_int_equal(ratelimit_new(&rl, "op", 0.5, 2, 1.0), 0);
	ratelimit_set_rate_text(rl, "50.0");
	assert_true(ratelimit_rate(rl) == 50.0);
	/* Burst still 2, then 20 ms apiece: 2 + 5 tokens = ~100 ms, where the
	 * old 0.5/s would have needed 10 s. */
	ms = acquire_n_ms(rl, 7);
	assert_true(ms >= 50);
	assert_true(ms <= 200);
	ratelimit_free(rl);
}

static void
set_rate_text_ignores_what_is_not_a_positive_number(void **state)
{
	static const char *const bad[] = {
		"", "abc", "0", "0.0", "-5", "5x", "nan", "inf", "1e999", NULL
	};
	struct ratelimit *rl = NULL;
	size_t i;

	assert_int_equal(ratelimit_new(&rl, "op", 2.0, 1, 1.0), 0);
	for (i = 0; bad[i] != NULL; i++) {
		ratelimit_set_rate_text(rl, bad[i]);
		assert_true(ratelimit_rate(rl) == 2.0);
	}
	ratelimit_set_rate_text(rl, NULL);
	assert_true(ratelimit_rate(rl) == 2.0);
	ratelimit_set_rate_text(rl, "0.0167");
	assert_true(ratelimit_rate(rl) == 0.0167);
	ratelimit_set_rate_text(rl, " 5 ");
	assert_true(ratelimit_rate(rl) == 5.0);
	ratelimit_free(rl);
}

static void
stats_count_grants_and_waiting(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t granted = 99, waited = 99;

	assert_int_equal(ratelimit_new(&rl, "op", 20.0, 2, 1.0), 0);
	ratelimit_stats(rl, &granted, &waited);
	assert_int_equal(granted, 0);
	assert_int_equal(waited, 0);
	/* 2 free, then 2 at 50 ms: ~100 ms waited in all. */
	acquire_n_ms(rl, 4);
	ratelimit_stats(rl, &granted, &waited);
	assert_int_equal(granted, 4);
	assert_true(waited >= 70);
	assert_true(waited <= 250);
	ratelimit_free(rl);
}

static void
new_refuses_a_rate_that_is_not_positive(void **state)
{
	struct ratelimit *rl = NULL;

	assert_int_equal(ratelimit_new(&rl, "op", 0.0, 1, 1.0), SC_EINVALID);
	assert_null(rl);
	assert_int_equal(ratelimit_new(&rl, "op", -1.0, 1, 1.0), SC_EINVALID);
	assert_null(rl);
	/* A burst below one still lets a token through. */
	assert_int_equal(ratelimit_new(&rl, NULL, 100.0, 0, 0), 0);
	assert_int_equal(ratelimit_acquire(rl), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
a_raised_stop_flag_interrupts_the_wait(void **state)
{
	static volatile sig_atomic_t stop = 0;
	struct ratelimit *rl = NULL;
	int64_t t0;

	/* One token per 10 s: the second acquire would wait 10 s. */
	assert_int_equal(ratelimit_new(&rl, "op", 0.1, 1, 1.0), 0);
	ratelimit_set_stop_flag(&stop);
	assert_int_equal(ratelimit_acquire(rl), 0);
	stop = 1;
	t0 = now_ms();
	assert_int_equal(ratelimit_acquire(rl), SC_EINTR);
	assert_true(now_ms() - t0 < 200);
	ratelimit_set_stop_flag(NULL);
	stop = 0;
	ratelimit_free(rl);
}

struct shared_bucket {
	struct ratelimit *rl;
	int failures;
};

static void *
take_five(void *arg)
{
	struct shared_bucket *sb = arg;
	int i;

	for (i = 0; i < 5; i++)
		if (ratelimit_acquire(sb->rl) != 0)
			__atomic_add_fetch(&sb->failures, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
threads_share_one_bucket(void **state)
{
	struct shared_bucket sb = { NULL, 0 };
	pthread_t th[4];
	uint64_t granted = 0;
	int64_t t0, ms;
	int i;

	/* 4 threads x 5 tokens = 20 at rate 100/s burst 4: 16 paid for at
	 * 10 ms = ~160 ms whatever the interleaving. */
	assert_int_equal(ratelimit_new(&sb.rl, "op", 100.0, 4, 1.0), 0);
	t0 = now_ms();
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, take_five, &sb), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ms = now_ms() - t0;
	assert_int_equal(sb.failures, 0);
	ratelimit_stats(sb.rl, &granted, NULL);
	assert_int_equal(granted, 20);
	assert_true(ms >= 120);
	assert_true(ms <= 400);
	ratelimit_free(sb.rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_full_bucket_grants_its_burst_at_once),
		cmocka_unit_test(past_the_burst_the_rate_is_respected),
		cmocka_unit_test(time_scale_multiplies_the_rate),
		cmocka_unit_test(penalize_empties_the_bucket),
		cmocka_unit_test(the_bucket_refills_up_to_burst_only),
		cmocka_unit_test(set_rate_text_changes_the_rate_and_keeps_the_burst),
		cmocka_unit_test(set_rate_text_ignores_what_is_not_a_positive_number),
		cmocka_unit_test(stats_count_grants_and_waiting),
		cmocka_unit_test(new_refuses_a_rate_that_is_not_positive),
		cmocka_unit_test(a_raised_stop_flag_interrupts_the_wait),
		cmocka_unit_test(threads_share_one_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
