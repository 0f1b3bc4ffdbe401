/* test_metrics.c: the metrics text (every family, the summary's numbers,
 * label escaping, number formats), its atomic write, and a check of the
 * written file with the Prometheus client's parser (tests/e2e/promcheck.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connector/buf.h"
#include "connector/engine.h"
#include "connector/error.h"
#include "connector/metrics.h"

extern char **environ;

/* A run with a distinct number everywhere, so a value in the wrong place shows. */
static void
summary_fill(struct sync_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->orders.seen = 120;
	s->orders.created = 12;
	s->orders.updated = 7;
	s->orders.unchanged = 90;
	s->orders.skipped = 3;
	s->orders.failed = 8;
	s->orders.retried = 2;
	s->orders.pages = 2;
	s->refunds.ran = 1;
	s->refunds.seen = 15;
	s->refunds.created = 9;
	s->refunds.unchanged = 1;
	s->refunds.waiting = 21;
	s->refunds.failed = 33;
	s->refunds.retried = 44;
	s->back.ran = 1;
	s->back.seen = 6;
	s->back.waiting = 61;
	s->back.created = 4;
	s->back.failed = 17;
	s->back.unchanged = 77777;      /* not a result of refunds_back */
	s->back.retried = 88888;        /* nor this */
	s->settlements.ran = 1;
	s->settlements.fetched = 5;
	s->settlements.posted = 52;
	s->settlements.waiting = 53;
	s->settlements.unbalanced = 54;
	s->settlements.failed = 55;
	s->settlements.rechecked = 56;
	s->stopped = 1;
	s->started_ms = 5000;
	s->ended_ms = 17456;
}

static void
run_fill(struct metrics_run *m, const struct sync_summary *s, const char *connection)
{
	memset(m, 0, sizeof(*m));
	m->sum = s;
	m->exit_code = 2;
	m->ended_at = 1763625600;
	m->last_success = 1763624700;
	m->failures_transient = 3;
	m->failures_permanent = 4;
	m->failures_stuck = 5;
	m->settlements_waiting = 6;
	m->connection = connection;
}

/* Times `line` (a whole line, without its \n) occurs in `text`. */
static int
line_count(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;
	int count = 0;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			count++;
		p += n;
	}
	return count;
}

/* Lines that are samples (not comments, not empty). */
static int
sample_lines(const char *text)
{
	const char *p = text;
	int count = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');

		if (*p != '#' && *p != '\n')
			count++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return count;
}

static char *
format_run(const struct metrics_run *m)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(metrics_format(&b, m), 0);
	return buf_take(&b);
}

static void
metrics_text_has_every_summary_value_as_a_labelled_sample(void **state)
{
	static const char *const want[] = {
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"seen\"} 120",
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"created\"} 12",
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"updated\"} 7",
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"unchanged\"} 90",
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"skipped\"} 3",
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"failed\"} 8",
		"connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"retried\"} 2",
		"connector_run_records{connection=\"shop1\",phase=\"refunds\",result=\"seen\"} 15",
		"connector_run_records{connection=\"shop1\",phase=\"refunds\",result=\"created\"} 9",
		"connector_run_records{connection=\"shop1\",phase=\"refunds\",result=\"unchanged\"} 1",
		"connector_run_records{connection=\"shop1\",phase=\"refunds\",result=\"waiting\"} 21",
		"connector_run_records{connection=\"shop1\",phase=\"refunds\",result=\"failed\"} 33",
		"connector_run_records{connection=\"shop1\",phase=\"refunds\",result=\"retried\"} 44",
		"connector_run_records{connection=\"shop1\",phase=\"refunds_back\",result=\"seen\"} 6",
		"connector_run_records{connection=\"shop1\",phase=\"refunds_back\",result=\"waiting\"} 61",
		"connector_run_records{connection=\"shop1\",phase=\"refunds_back\",result=\"created\"} 4",
		"connector_run_records{connection=\"shop1\",phase=\"refunds_back\",result=\"failed\"} 17",
		"connector_run_records{connection=\"shop1\",phase=\"settlements\",result=\"fetched\"} 5",
		"connector_run_records{connection=\"shop1\",phase=\"settlements\",result=\"posted\"} 52",
		"connector_run_records{connection=\"shop1\",phase=\"settlements\",result=\"waiting\"} 53",
		"connector_run_records{connection=\"shop1\",phase=\"settlements\",result=\"unbalanced\"} 54",
		"connector_run_records{connection=\"shop1\",phase=\"settlements\",result=\"failed\"} 55",
		"connector_run_records{connection=\"shop1\",phase=\"settlements\",result=\"rechecked\"} 56",
		"connector_run_duration_seconds{connection=\"shop1\"} 12.456",
		"connector_run_exit_code{connection=\"shop1\"} 2",
		"connector_run_timestamp_seconds{connection=\"shop1\"} 1763625600",
		"connector_run_stopped{connection=\"shop1\"} 1",
		"connector_last_success_timestamp_seconds{connection=\"shop1\"} 1763624700",
		"connector_failures{connection=\"shop1\",class=\"transient\"} 3",
		"connector_failures{connection=\"shop1\",class=\"permanent\"} 4",
		"connector_failures{connection=\"shop1\",class=\"stuck\"} 5",
		"connector_settlements_waiting{connection=\"shop1\"} 6",
	};
	struct sync_summary s;
	struct metrics_run m;
	char *text = NULL;
	size_t i;

	summary_fill(&s);
	run_fill(&m, &s, "shop1");
	text = format_run(&m);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (line_count(text, want[i]) != 1)
			fail_msg("expected once: %s\n--- got:\n%s", want[i], text);
	}
	assert_int_equal(sample_lines(text), (int)(sizeof(want) / sizeof(want[0])));
	assert_null(strstr(text, "77777"));
	assert_null(strstr(text, "88888"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
}

static void
metrics_text_gives_each_family_help_and_gauge_type_before_its_samples(void **state)
{
	static const char *const families[] = {
		"connector_run_records", "connector_run_duration_seconds",
		"connector_run_exit_code", "connector_run_timestamp_seconds",
		"connector_run_stopped", "connector_last_success_timestamp_seconds",
		"connector_failures", "connector_settlements_waiting",
	};
	struct sync_summary s;
	struct metrics_run m;
	char *text = NULL;
	size_t i;

	summary_fill(&s);
	run_fill(&m, &s, "shop1");
	text = format_run(&m);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		char type[128], help[128], sample[128];
		const char *t, *h, *first;

		snprintf(type, sizeof(type), "\n# TYPE %s gauge\n", families[i]);
		snprintf(help, sizeof(help), "# HELP %s ", families[i]);
		snprintf(sample, sizeof(sample), "\n%s{", families[i]);
		t = strstr(text, type);
		h = strstr(text, help);
		first = strstr(text, sample);
		if (t == NULL || h == NULL || first == NULL)
			fail_msg("family %s lacks HELP, TYPE or a sample:\n%s", families[i], text);
		assert_true(h < t);
		assert_true(t < first);
		/* once each */
		assert_null(strstr(t + 1, type));
		assert_null(strstr(h + 1, help));
	}
	free(text);
}

static void
metrics_text_leaves_out_phases_that_did_not_run(void **state)
{
	struct sync_summary s;
	struct metrics_run m;
	char *text = NULL;

	summary_fill(&s);
	s.refunds.ran = 0;
	s.back.ran = 0;
	s.settlements.ran = 0;
	run_fill(&m, &s, "shop1");
	text = format_run(&m);
	assert_int_equal(line_count(text,
	    "connector_run_records{connection=\"shop1\",phase=\"orders\",result=\"failed\"} 8"), 1);
	assert_null(strstr(text, "phase=\"refunds\""));
	assert_null(strstr(text, "phase=\"refunds_back\""));
	assert_null(strstr(text, "phase=\"settlements\""));
	/* 7 order results + 5 run gauges + 3 failure classes + 1 waiting */
	assert_int_equal(sample_lines(text), 16);
	free(text);
}

static void
metrics_text_without_a_connection_has_no_connection_label(void **state)
{
	struct sync_summary s;
	struct metrics_run m;
	char *text = NULL;

	summary_fill(&s);
	s.stopped = 0;
	run_fill(&m, &s, NULL);
	m.exit_code = 0;
	text = format_run(&m);
	assert_null(strstr(text, "connection="));
	assert_int_equal(line_count(text, "connector_run_exit_code 0"), 1);
	assert_int_equal(line_count(text, "connector_run_stopped 0"), 1);
	assert_int_equal(line_count(text, "connector_failures{class=\"stuck\"} 5"), 1);
	assert_int_equal(line_count(text,
	    "connector_run_records{phase=\"orders\",result=\"created\"} 12"), 1);
	free(text);

	/* an empty name is no name either */
	run_fill(&m, &s, "");
	text = format_run(&m);
	assert_null(strstr(text, "connection="));
	free(text);
}

static void
metrics_text_of_a_run_that_could_not_happen_has_no_records(void **state)
{
	struct metrics_run m;
	char *text = NULL;

	run_fill(&m, NULL, "shop1");
	m.exit_code = 1;
	text = format_run(&m);
	assert_null(strstr(text, "connector_run_records"));
	assert_int_equal(line_count(text, "connector_run_exit_code{connection=\"shop1\"} 1"), 1);
	assert_int_equal(line_count(text,
	    "connector_run_duration_seconds{connection=\"shop1\"} 0.000"), 1);
	assert_int_equal(line_count(text, "connector_run_stopped{connection=\"shop1\"} 0"), 1);
	free(text);
}

static void
metrics_label_values_escape_quote_backslash_and_newline(void **state)
{
	static const struct {
		const char *name;
		const char *want;       /* the exit-code sample line */
	} cases[] = {
		{ "a\"b", "connector_run_exit_code{connection=\"a\\\"b\"} 0" },
		{ "a\\b", "connector_run_exit_code{connection=\"a\\\\b\"} 0" },
		{ "a\nb", "connector_run_exit_code{connection=\"a\\nb\"} 0" },
		{ "\\\"\n", "connector_run_exit_code{connection=\"\\\\\\\"\\n\"} 0" },
		{ "x\\n", "connector_run_exit_code{connection=\"x\\\\n\"} 0" },
		{ "shop 1/é", "connector_run_exit_code{connection=\"shop 1/é\"} 0" },
	};
	struct metrics_run m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = NULL;

		run_fill(&m, NULL, cases[i].name);
		m.exit_code = 0;
		text = format_run(&m);
		if (line_count(text, cases[i].want) != 1)
			fail_msg("case %zu: expected %s in:\n%s", i, cases[i].want, text);
		free(text);
	}
}

static void
metrics_duration_is_seconds_with_three_decimals_from_integers(void **state)
{
	static const struct {
		int64_t started, ended;
		const char *want;
	} cases[] = {
		{ 1000, 1000, "connector_run_duration_seconds 0.000" },
		{ 1000, 1005, "connector_run_duration_seconds 0.005" },
		{ 1000, 1999, "connector_run_duration_seconds 0.999" },
		{ 0, 1000, "connector_run_duration_seconds 1.000" },
		{ 5, 61006, "connector_run_duration_seconds 61.001" },
		{ 0, 86400000LL * 400, "connector_run_duration_seconds 34560000.000" },
		{ 2000, 1000, "connector_run_duration_seconds 0.000" },   /* never negative */
	};
	struct sync_summary s;
	struct metrics_run m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = NULL;

		summary_fill(&s);
		s.started_ms = cases[i].started;
		s.ended_ms = cases[i].ended;
		run_fill(&m, &s, NULL);
		text = format_run(&m);
		if (line_count(text, cases[i].want) != 1)
			fail_msg("case %zu: expected %s in:\n%s", i, cases[i].want, text);
		free(text);
	}
}

static void
metrics_format_reports_a_full_buffer(void **state)
{
	struct sync_summary s;
	struct metrics_run m;
	struct buf b;

	summary_fill(&s);
	run_fill(&m, &s, "shop1");
	buf_init(&b, 200);
	assert_int_equal(metrics_format(&b, &m), SC_ENOSPACE);
	buf_free(&b);
}

/* ---- writing the file -------------------------------------------------- */

struct tmpdir {
	char path[256];
};

static int
tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");

	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/test_metrics.XXXXXX",
	         base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(t->path) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

/* Names in `dir`, sorted, joined by spaces ("" when empty). */
static void
dir_list(char *out, size_t n, const char *dir)
{
	struct dirent **ents = NULL;
	int count = scandir(dir, &ents, NULL, alphasort);
	size_t o = 0;
	int i;

	assert_true(count >= 0);
	out[0] = '\0';
	for (i = 0; i < count; i++) {
		if (strcmp(ents[i]->d_name, ".") != 0 && strcmp(ents[i]->d_name, "..") != 0 &&
		    o < n)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? " " : "", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
}

static char *
file_read(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	return buf_take(&b);
}

static void
metrics_write_puts_the_text_in_place_with_mode_0644_and_no_temp_file(void **state)
{
	struct tmpdir *t = *state;
	struct sync_summary s;
	struct metrics_run m;
	struct sc_error err;
	char path[512], names[512];
	char *want = NULL, *got = NULL;
	struct stat st;
	mode_t old = umask(077);        /* what systemd's UMask=0077 gives */

	snprintf(path, sizeof(path), "%s/connector.prom", t->path);
	summary_fill(&s);
	run_fill(&m, &s, "shop1");
	sc_error_clear(&err);
	assert_int_equal(metrics_write(path, &m, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	want = format_run(&m);
	got = file_read(path);
	assert_string_equal(got, want);
	free(got);
	dir_list(names, sizeof(names), t->path);
	assert_string_equal(names, "connector.prom");

	/* a second write replaces the first */
	m.exit_code = 0;
	assert_int_equal(metrics_write(path, &m, &err), 0);
	got = file_read(path);
	assert_int_equal(line_count(got, "connector_run_exit_code{connection=\"shop1\"} 0"), 1);
	free(got);
	free(want);
	dir_list(names, sizeof(names), t->path);
	assert_string_equal(names, "connector.prom");
}

static void
metrics_write_fails_naming_the_path_and_leaves_nothing_behind(void **state)
{
	struct tmpdir *t = *state;
	struct metrics_run m;
	struct sc_error err;
	char path[512], names[512];

	run_fill(&m, NULL, "shop1");

	/* the directory does not exist: no temp file can be made */
	snprintf(path, sizeof(path), "%s/absent/connector.prom", t->path);
	sc_error_clear(&err);
	assert_true(metrics_write(path, &m, &err) < 0);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "No such file or directory"));

	/* the path is a directory: the temp file is written, the rename fails,
	 * and the temp file must go */
	snprintf(path, sizeof(path), "%s/taken.prom", t->path);
	assert_int_equal(mkdir(path, 0755), 0);
	sc_error_clear(&err);
	assert_true(metrics_write(path, &m, &err) < 0);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "rename"));
	dir_list(names, sizeof(names), t->path);
	assert_string_equal(names, "taken.prom");

	/* a directory nobody may write (only meaningful when not root: root
	 * writes anywhere) */
	if (geteuid() != 0) {
		char dir[512];

		snprintf(dir, sizeof(dir), "%s/ro", t->path);
		assert_int_equal(mkdir(dir, 0555), 0);
		snprintf(path, sizeof(path), "%s/connector.prom", dir);
		sc_error_clear(&err);
		assert_true(metrics_write(path, &m, &err) < 0);
		assert_non_null(strstr(err.msg, path));
		dir_list(names, sizeof(names), dir);
		assert_string_equal(names, "");
		chmod(dir, 0755);
	}
}

static void
metrics_last_success_reads_back_what_was_written(void **state)
{
	struct tmpdir *t = *state;
	struct sync_summary s;
	struct metrics_run m;
	struct sc_error err;
	char path[512];
	int64_t v = -1;
	FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/connector.prom", t->path);
	sc_error_clear(&err);
	assert_int_equal(metrics_last_success_read(&v, path, &err), 0);   /* no file */
	assert_int_equal(v, -1);

	summary_fill(&s);
	run_fill(&m, &s, "shop1");
	m.last_success = 1700000123;
	assert_int_equal(metrics_write(path, &m, &err), 0);
	assert_int_equal(metrics_last_success_read(&v, path, &err), 1);
	assert_int_equal(v, 1700000123);

	run_fill(&m, &s, NULL);
	m.last_success = 42;
	assert_int_equal(metrics_write(path, &m, &err), 0);
	assert_int_equal(metrics_last_success_read(&v, path, &err), 1);
	assert_int_equal(v, 42);

	/* a file without the line, or with a broken value */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("connector_last_success_timestamp_seconds_x 7\n"
	      "connector_last_success_timestamp_seconds 12abc\n", f);
	fclose(f);
	v = -1;
	assert_int_equal(metrics_last_success_read(&v, path, &err), 0);
	assert_int_equal(v, -1);
}

/* ---- the real parser --------------------------------------------------- */

/* tests/e2e/promcheck.py, next to tests/data (SC_TESTDATA, set by ctest) or
 * this source file. */
static void
promcheck_path(char *out, size_t n)
{
	const char *data = getenv("SC_TESTDATA");
	const char *slash;

	if (data != NULL && data[0] != '\0') {
		snprintf(out, n, "%s/../e2e/promcheck.py", data);
		return;
	}
	slash = strrchr(__FILE__, '/');
	assert_non_null(slash);
	snprintf(out, n, "%.*s/../e2e/promcheck.py", (int)(slash - __FILE__), __FILE__);
}

/* Run promcheck.py on `file` (extra argument `arg` when not NULL), its
 * output into `outpath`; returns its exit status (-1: did not exit). */
static int
promcheck_run(const char *file, const char *arg, const char *arg2, const char *outpath)
{
	char script[1024];
	char *argv[6] = { NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;
	int i = 0;

	promcheck_path(script, sizeof(script));
	argv[i++] = "python3";
	argv[i++] = script;
	argv[i++] = (char *)file;
	if (arg != NULL)
		argv[i++] = (char *)arg;
	if (arg2 != NULL)
		argv[i++] = (char *)arg2;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, 1, outpath,
	                 O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, 1, 2), 0);
	assert_int_equal(posix_spawnp(&pid, "python3", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
metrics_file_parses_with_the_prometheus_client_parser(void **state)
{
	struct tmpdir *t = *state;
	struct sync_summary s;
	struct metrics_run m;
	struct sc_error err;
	char path[512], out[512];
	char *text = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/connector.prom", t->path);
	snprintf(out, sizeof(out), "%s/promcheck.out", t->path);
	summary_fill(&s);
	run_fill(&m, &s, "shop \"1\"\\\n");
	sc_error_clear(&err);
	assert_int_equal(metrics_write(path, &m, &err), 0);
	rc = promcheck_run(path, "--connection", "shop \"1\"\\\n", out);
	text = file_read(out);
	printf("%s", text);
	if (rc != 0) {
		free(text);
		fail_msg("promcheck exited %d", rc);
	}
	/* the parser saw the families, typed, with the values and the label unescaped */
	assert_non_null(strstr(text, "connector_run_records gauge (23 samples)"));
	assert_non_null(strstr(text, "connector_failures gauge (3 samples)"));
	/* printed back escaped as the file has it: the parser read it whole */
	assert_non_null(strstr(text,
	    "connector_run_duration_seconds{connection=\"shop \\\"1\\\"\\\\\\n\"} 12.456"));
	assert_non_null(strstr(text, "ok, 8 families, 32 samples"));
	free(text);
}

static void
promcheck_refuses_broken_and_incomplete_files(void **state)
{
	static const struct {
		const char *text;
		const char *why;        /* in promcheck's output */
	} cases[] = {
		/* a label value never closed */
		{ "# HELP connector_run_exit_code x\n# TYPE connector_run_exit_code gauge\n"
		  "connector_run_exit_code{connection=\"shop1} 1\n", "" },
		/* no value */
		{ "# HELP connector_run_exit_code x\n# TYPE connector_run_exit_code gauge\n"
		  "connector_run_exit_code\n", "" },
		/* parses, but every family but one is missing */
		{ "# HELP connector_run_exit_code x\n# TYPE connector_run_exit_code gauge\n"
		  "connector_run_exit_code 1\n", "family connector_failures is missing" },
		/* a sample without its family's # TYPE */
		{ "connector_run_exit_code 1\n", "has no # TYPE" },
	};
	struct tmpdir *t = *state;
	char path[512], out[512];
	size_t i;

	snprintf(path, sizeof(path), "%s/bad.prom", t->path);
	snprintf(out, sizeof(out), "%s/promcheck.out", t->path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		char *text = NULL;
		char shown[2048];
		int rc, said;

		assert_non_null(f);
		fputs(cases[i].text, f);
		fclose(f);
		rc = promcheck_run(path, NULL, NULL, out);
		text = file_read(out);
		said = strstr(text, cases[i].why) != NULL;
		snprintf(shown, sizeof(shown), "%s", text);
		free(text);
		if (rc != 1 || !said)
			fail_msg("case %zu: promcheck exited %d (want 1, saying \"%s\"):\n%s", i, rc,
			         cases[i].why, shown);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metrics_text_has_every_summary_value_as_a_labelled_sample),
		cmocka_unit_test(metrics_text_gives_each_family_help_and_gauge_type_before_its_samples),
		cmocka_unit_test(metrics_text_leaves_out_phases_that_did_not_run),
		cmocka_unit_test(metrics_text_without_a_connection_has_no_connection_label),
		cmocka_unit_test(metrics_text_of_a_run_that_could_not_happen_has_no_records),
		cmocka_unit_test(metrics_label_values_escape_quote_backslash_and_newline),
		cmocka_unit_test(metrics_duration_is_seconds_with_three_decimals_from_integers),
		cmocka_unit_test(metrics_format_reports_a_full_buffer),
		cmocka_unit_test_setup_teardown(
		    metrics_write_puts_the_text_in_place_with_mode_0644_and_no_temp_file,
		    tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(
		    metrics_write_fails_naming_the_path_and_leaves_nothing_behind,
		    tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(metrics_last_success_reads_back_what_was_written,
		                                tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(metrics_file_parses_with_the_prometheus_client_parser,
		                                tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(promcheck_refuses_broken_and_incomplete_files,
		                                tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
