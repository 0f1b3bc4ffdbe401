/* test_progress.c: the progress line: its text, drawn into a real pseudo
 * terminal, at most one redraw per 100 ms, erased at the end; never a byte
 * into a pipe; many threads counting at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "connector/error.h"
#include "connector/progress.h"
#include "connector/timeutil.h"

/* ---- the text ---------------------------------------------------------- */

static void
progress_line_reads_done_of_total_percent_and_rate(void **state)
{
	static const struct {
		const char *label;
		uint64_t done, total;
		int64_t elapsed_ms;
		const char *want;
	} cases[] = {
		{ "orders", 0, 10003, 0, "orders: 0 of 10003 (0%)" },
		/* 1200 * 100 / 10003 = 11.99: rounded down, never 100% early */
		{ "orders", 1200, 10003, 999, "orders: 1200 of 10003 (11%)" },
		{ "orders", 1200, 10003, 1000, "orders: 1200 of 10003 (11%), 1200/s" },
		{ "orders", 15400, 20000, 2000, "orders: 15400 of 20000 (77%), 7700/s" },
		{ "orders", 9999, 10000, 1500, "orders: 9999 of 10000 (99%), 6666/s" },
		{ "orders", 10003, 10003, 4000, "orders: 10003 of 10003 (100%), 2500/s" },
		/* total unknown */
		{ "orders", 1200, 0, 500, "orders: 1200" },
		{ "refunds", 1200, 0, 3000, "refunds: 1200, 400/s" },
		/* more done than the total said: the total was a guess */
		{ "orders", 12, 10, 1000, "orders: 12, 12/s" },
		/* nothing done yet, a second on */
		{ "settlements", 0, 0, 1000, "settlements: 0, 0/s" },
		/* huge counts neither overflow nor divide by zero */
		{ "x", UINT64_MAX, UINT64_MAX, 1000,
		  "x: 18446744073709551615 of 18446744073709551615 (100%), 18446744073709551615/s" },
	};
	char out[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		progress_line_format(out, sizeof(out), cases[i].label, cases[i].done,
		                     cases[i].total, cases[i].elapsed_ms);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].want);
	}
	/* a small buffer is cut, still NUL-terminated */
	progress_line_format(out, 10, "orders", 1200, 10003, 5000);
	assert_string_equal(out, "orders: 1");
}

/* ---- a pseudo terminal ------------------------------------------------- */

struct term {
	int master;
	FILE *slave;            /* what the progress line is drawn on */
	char saved_term[64];
	int had_term;
};

static int
term_setup(void **state)
{
	struct term *t = calloc(1, sizeof(*t));
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct termios tio;
	const char *term = getenv("TERM");
	int slave = -1;

	if (t == NULL)
		return -1;
	if (openpty(&t->master, &slave, NULL, NULL, &ws) != 0) {
		fprintf(stderr, "openpty: %s\n", strerror(errno));
		free(t);
		return -1;
	}
	/* raw: the bytes arrive at the master as written */
	if (tcgetattr(slave, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(slave, TCSANOW, &tio);
	}
	fcntl(t->master, F_SETFL, fcntl(t->master, F_GETFL) | O_NONBLOCK);
	t->slave = fdopen(slave, "w");
	if (t->slave == NULL)
		return -1;
	t->had_term = term != NULL;
	snprintf(t->saved_term, sizeof(t->saved_term), "%s", term != NULL ? term : "");
	setenv("TERM", "xterm-256color", 1);
	*state = t;
	return 0;
}

static int
term_teardown(void **state)
{
	struct term *t = *state;

	fclose(t->slave);
	close(t->master);
	if (t->had_term)
		setenv("TERM", t->saved_term, 1);
	else
		unsetenv("TERM");
	free(t);
	return 0;
}

/* Everything the terminal received within `wait_ms` of quiet, into out[n]. */
static size_t
term_read(struct term *t, char *out, size_t n, int wait_ms)
{
	size_t got = 0;

	for (;;) {
		struct pollfd pfd = { .fd = t->master, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, wait_ms) <= 0)
			break;
		r = read(t->master, out + got, n - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == n - 1)
			break;
	}
	out[got] = '\0';
	return got;
}

/* Number of redraws ("\r" + text + ESC[K) in `s`. */
static int
redraws(const char *s)
{
	int n = 0;

	for (; (s = strstr(s, "\033[K")) != NULL; s += 3)
		n++;
	return n;
}

static _Atomic int64_t fake_now;

static int64_t
fake_clock(void *ud)
{
	(void)ud;
	return atomic_load(&fake_now);
}

static void
progress_draws_in_place_on_a_terminal_and_erases_at_the_end(void **state)
{
	struct term *t = *state;
	struct progress *p = NULL;
	char got[1024];

	assert_int_equal(progress_wanted(t->slave, 0), 1);
	assert_int_equal(progress_start(&p, t->slave, progress_wanted(t->slave, 0), "orders",
	                                 100), 0);
	assert_non_null(p);
	atomic_store(&fake_now, 1000000);
	progress__clock_set(p, fake_clock, NULL);

	atomic_store(&fake_now, 1000050);
	progress_add(p, 10);                    /* 50 ms in: too soon */
	assert_int_equal(term_read(t, got, sizeof(got), 50), 0);

	atomic_store(&fake_now, 1000100);
	progress_add(p, 10);
	term_read(t, got, sizeof(got), 200);
	assert_string_equal(got, "\rorders: 20 of 100 (20%)\033[K");

	atomic_store(&fake_now, 1000199);
	progress_add(p, 5);                     /* 99 ms after the last redraw */
	assert_int_equal(term_read(t, got, sizeof(got), 50), 0);

	progress_set_total(p, 0);
	atomic_store(&fake_now, 1000200);
	progress_add(p, 5);
	term_read(t, got, sizeof(got), 200);
	assert_string_equal(got, "\rorders: 30\033[K");

	progress_set_total(p, 60);
	atomic_store(&fake_now, 1002000);
	progress_add(p, 30);
	term_read(t, got, sizeof(got), 200);
	assert_string_equal(got, "\rorders: 60 of 60 (100%), 30/s\033[K");

	progress_end(p);
	term_read(t, got, sizeof(got), 200);
	assert_string_equal(got, "\r\033[K");
}

static void
progress_redraws_at_most_ten_times_a_second(void **state)
{
	struct term *t = *state;
	struct progress *p = NULL;
	static char got[65536];
	int64_t ms;

	assert_int_equal(progress_start(&p, t->slave, 1, "orders", 0), 0);
	atomic_store(&fake_now, 0);
	progress__clock_set(p, fake_clock, NULL);
	/* one record a millisecond for a second: redraws at 100, 200, ... 1000 */
	for (ms = 1; ms <= 1000; ms++) {
		atomic_store(&fake_now, ms);
		progress_add(p, 1);
	}
	term_read(t, got, sizeof(got), 200);
	assert_int_equal(redraws(got), 10);
	assert_non_null(strstr(got, "\rorders: 100\033[K"));
	assert_non_null(strstr(got, "\rorders: 1000, 1000/s\033[K"));
	progress_end(p);
	term_read(t, got, sizeof(got), 200);
	assert_string_equal(got, "\r\033[K");

	/* the real monotonic clock: a tight loop of adds for 350 ms */
	assert_int_equal(progress_start(&p, t->slave, 1, "orders", 0), 0);
	{
		int64_t start = time_mono_ms(), now = start;
		uint64_t adds = 0;
		int n;

		while ((now = time_mono_ms()) - start < 350) {
			progress_add(p, 1);
			adds++;
		}
		term_read(t, got, sizeof(got), 200);
		n = redraws(got);
		if (n < 1 || n > (int)((now - start) / 100) + 1)
			fail_msg("%d redraws in %lld ms of %llu adds", n, (long long)(now - start),
			         (unsigned long long)adds);
	}
	progress_end(p);
	term_read(t, got, sizeof(got), 200);
}

static void
progress_of_a_short_run_writes_nothing_at_all(void **state)
{
	struct term *t = *state;
	struct progress *p = NULL;
	char got[256];

	assert_int_equal(progress_start(&p, t->slave, 1, "orders", 5), 0);
	atomic_store(&fake_now, 0);
	progress__clock_set(p, fake_clock, NULL);
	atomic_store(&fake_now, 99);
	progress_add(p, 5);
	progress_end(p);
	assert_int_equal(term_read(t, got, sizeof(got), 100), 0);
}

static void
progress_line_is_cut_to_the_terminal_width(void **state)
{
	struct term *t = *state;
	struct winsize ws = { .ws_row = 24, .ws_col = 12 };
	struct progress *p = NULL;
	char got[256];

	assert_int_equal(ioctl(t->master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(progress_start(&p, t->slave, 1, "orders", 10003), 0);
	atomic_store(&fake_now, 0);
	progress__clock_set(p, fake_clock, NULL);
	atomic_store(&fake_now, 100);
	progress_add(p, 1200);
	term_read(t, got, sizeof(got), 200);
	/* 11 columns of "orders: 1200 of 10003 (11%)" */
	assert_string_equal(got, "\rorders: 120\033[K");
	progress_end(p);
	term_read(t, got, sizeof(got), 200);
}

static void
progress_is_not_wanted_on_a_pipe_a_file_a_dumb_terminal_or_with_json_logs(void **state)
{
	struct term *t = *state;
	struct progress *p = NULL;
	int fds[2];
	FILE *pipe_w = NULL, *file = NULL;
	char got[256];

	assert_int_equal(pipe(fds), 0);
	pipe_w = fdopen(fds[1], "w");
	assert_non_null(pipe_w);
	assert_int_equal(progress_wanted(pipe_w, 0), 0);
	/* the way the CLI calls it: nothing reaches the pipe */
	assert_int_equal(progress_start(&p, pipe_w, progress_wanted(pipe_w, 0), "orders", 10),
	                 0);
	assert_null(p);
	progress_add(p, 5);
	progress_set_total(p, 20);
	progress_end(p);
	fclose(pipe_w);
	assert_int_equal(read(fds[0], got, sizeof(got)), 0);     /* EOF, no byte */
	close(fds[0]);

	file = tmpfile();
	assert_non_null(file);
	assert_int_equal(progress_wanted(file, 0), 0);
	fclose(file);

	assert_int_equal(progress_wanted(t->slave, 0), 1);
	assert_int_equal(progress_wanted(t->slave, 1), 0);      /* json logs */
	setenv("TERM", "dumb", 1);
	assert_int_equal(progress_wanted(t->slave, 0), 0);
	setenv("TERM", "", 1);
	assert_int_equal(progress_wanted(t->slave, 0), 0);
	unsetenv("TERM");
	assert_int_equal(progress_wanted(t->slave, 0), 0);
	assert_int_equal(progress_wanted(NULL, 0), 0);

	/* disabled on a terminal: nothing either */
	assert_int_equal(progress_start(&p, t->slave, 0, "orders", 10), 0);
	assert_null(p);
	progress_add(p, 10);
	progress_end(p);
	assert_int_equal(term_read(t, got, sizeof(got), 100), 0);
}

struct adder {
	struct progress *p;
	int n;
};

static void *
adder_run(void *ud)
{
	struct adder *a = ud;
	int i;

	for (i = 0; i < a->n; i++) {
		if (i % 1000 == 0)
			atomic_fetch_add(&fake_now, 7);
		progress_add(a->p, 1);
	}
	return NULL;
}

static void
progress_counts_every_add_from_many_threads(void **state)
{
	struct term *t = *state;
	struct progress *p = NULL;
	pthread_t th[4];
	struct adder a = { NULL, 25000 };
	static char got[65536];
	char *last = NULL;
	int i;

	assert_int_equal(progress_start(&p, t->slave, 1, "orders", 100000), 0);
	atomic_store(&fake_now, 0);
	progress__clock_set(p, fake_clock, NULL);
	a.p = p;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, adder_run, &a), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	/* 100 ticks of 7 ms = 700 ms: at most 7 redraws so far */
	atomic_fetch_add(&fake_now, 100);
	progress_add(p, 0);
	term_read(t, got, sizeof(got), 200);
	assert_true(redraws(got) >= 1);
	assert_true(redraws(got) <= 8);
	last = strrchr(got, '\r');
	assert_non_null(last);
	assert_string_equal(last, "\rorders: 100000 of 100000 (100%)\033[K");
	progress_end(p);
	term_read(t, got, sizeof(got), 200);
	assert_string_equal(got, "\r\033[K");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(progress_line_reads_done_of_total_percent_and_rate),
		cmocka_unit_test_setup_teardown(
		    progress_draws_in_place_on_a_terminal_and_erases_at_the_end,
		    term_setup, term_teardown),
		cmocka_unit_test_setup_teardown(progress_redraws_at_most_ten_times_a_second,
		                                term_setup, term_teardown),
		cmocka_unit_test_setup_teardown(progress_of_a_short_run_writes_nothing_at_all,
		                                term_setup, term_teardown),
		cmocka_unit_test_setup_teardown(progress_line_is_cut_to_the_terminal_width,
		                                term_setup, term_teardown),
		cmocka_unit_test_setup_teardown(
		    progress_is_not_wanted_on_a_pipe_a_file_a_dumb_terminal_or_with_json_logs,
		    term_setup, term_teardown),
		cmocka_unit_test_setup_teardown(progress_counts_every_add_from_many_threads,
		                                term_setup, term_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
