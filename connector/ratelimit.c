/* ratelimit.c: see ratelimit.h. */
#include "connector/ratelimit.h"
#include "connector/error.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest single sleep while waiting for a token, so a raised stop flag is
 * seen within this many milliseconds. */
#define RL_SLICE_MS 50

struct ratelimit {
	char name[64];
	pthread_mutex_t mu;
	double rate;        /* tokens per (scaled) second */
	double burst;       /* bucket size, >= 1 */
	double scale;       /* clock speed-up, > 0 */
	double tokens;      /* fractional */
	int64_t last_ns;    /* CLOCK_MONOTONIC of the last refill */
	uint64_t granted;
	uint64_t waited_ns;
};

static volatile sig_atomic_t *rl_stop_flag = NULL;

void
ratelimit_set_stop_flag(volatile sig_atomic_t *flag)
{
	rl_stop_flag = flag;
}

static int
rl_stopping(void)
{
	volatile sig_atomic_t *f = rl_stop_flag;

	return f != NULL && *f != 0;
}

static int64_t
rl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
rl_sleep_ns(int64_t ns)
{
	struct timespec ts;

	if (ns <= 0)
		return;
	ts.tv_sec = (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		if (rl_stopping())
			return;
}

/* Caller holds the mutex. Adds the tokens earned since last_ns. */
static void
rl_refill_locked(struct ratelimit *rl, int64_t now)
{
	double elapsed;

	if (now > rl->last_ns) {
		elapsed = (double)(now - rl->last_ns) / 1e9;
		rl->tokens += elapsed * rl->rate * rl->scale;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
	}
	rl->last_ns = now;
}

/* Caller holds the mutex, bucket refilled. Nanoseconds until one token. */
static int64_t
rl_need_ns_locked(const struct ratelimit *rl)
{
	double missing = 1.0 - rl->tokens;
	double ns;

	if (missing <= 0)
		return 0;
	ns = ceil(missing / (rl->rate * rl->scale) * 1e9);
	if (ns < 1)
		ns = 1;
	if (ns > 9e18)
		ns = 9e18;
	return (int64_t)ns;
}

int
ratelimit_new(struct ratelimit **out, const char *name, double rate,
              double burst, double time_scale)
{
	struct ratelimit *rl = NULL;

	*out = NULL;
	if (!isfinite(rate) || rate <= 0 || !isfinite(burst) ||
	    !isfinite(time_scale))
		return SC_EINVALID;
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return SC_ENOMEM;
	if (pthread_mutex_init(&rl->mu, NULL) != 0) {
		free(rl);
		return SC_ERROR;
	}
	if (name != NULL) {
		size_t n = strlen(name);

		if (n >= sizeof(rl->name))
			n = sizeof(rl->name) - 1;
		memcpy(rl->name, name, n);
		rl->name[n] = '\0';
	}
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : burst;
	rl->scale = time_scale > 0 ? time_scale : 1;
	rl->tokens = rl->burst;
	rl->last_ns = rl_now_ns();
	*out = rl;
	return 0;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

int
ratelimit_acquire(struct ratelimit *rl)
{
	int64_t start = rl_now_ns();
	int64_t need, now;

	for (;;) {
		pthread_mutex_lock(&rl->mu);
		now = rl_now_ns();
		rl_refill_locked(rl, now);
		if (rl->tokens >= 1.0) {
			rl->tokens -= 1.0;
			rl->granted++;
			rl->waited_ns += (uint64_t)(now - start);
			pthread_mutex_unlock(&rl->mu);
			return 0;
		}
		need = rl_need_ns_locked(rl);
		pthread_mutex_unlock(&rl->mu);
		if (rl_stopping())
			return SC_EINTR;
		if (need > (int64_t)RL_SLICE_MS * 1000000)
			need = (int64_t)RL_SLICE_MS * 1000000;
		rl_sleep_ns(need);
	}
}

int64_t
ratelimit_wait_ms(struct ratelimit *rl)
{
	int64_t need;

	pthread_mutex_lock(&rl->mu);
	rl_refill_locked(rl, rl_now_ns());
	need = rl_need_ns_locked(rl);
	pthread_mutex_unlock(&rl->mu);
	return (need + 999999) / 1000000;
}

void
ratelimit_set_rate_text(struct ratelimit *rl, const char *rate_text)
{
	const char *p;
	char *end = NULL;
	double v;

	if (rl == NULL || rate_text == NULL)
		return;
	errno = 0;
	v = strtod(rate_text, &end);
	if (end == rate_text || errno != 0 || !isfinite(v) || v <= 0)
		return;
	for (p = end; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '\0')
		return;
	pthread_mutex_lock(&rl->mu);
	/* Tokens earned so far were earned at the old rate. */
	rl_refill_locked(rl, rl_now_ns());
	rl->rate = v;
	pthread_mutex_unlock(&rl->mu);
}

void
ratelimit_penalize(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_lock(&rl->mu);
	rl->tokens = 0;
	rl->last_ns = rl_now_ns();
	pthread_mutex_unlock(&rl->mu);
}

void
ratelimit_stats(const struct ratelimit *rl, uint64_t *granted, uint64_t *waited_ms)
{
	/* The mutex is not part of the logical state: locking it is fine on a
	 * const bucket (which is always heap-allocated, never const-defined). */
	struct ratelimit *m = (struct ratelimit *)rl;

	pthread_mutex_lock(&m->mu);
	if (granted != NULL)
		*granted = m->granted;
	if (waited_ms != NULL)
		*waited_ms = m->waited_ns / 1000000;
	pthread_mutex_unlock(&m->mu);
}

double
ratelimit_rate(const struct ratelimit *rl)
{
	struct ratelimit *m = (struct ratelimit *)rl;
	double r;

	pthread_mutex_lock(&m->mu);
	r = m->rate;
	pthread_mutex_unlock(&m->mu);
	return r;
}
