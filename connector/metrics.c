/* metrics.c: see metrics.h. */
#include "connector/metrics.h"
#include "connector/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define METRICS_MAX ((size_t)1 << 20)   /* the text is ~4 KiB; a cap, not a size */

struct metrics_sample {
	const char *result;
	uint64_t value;
};

/* A label value as the format wants it: \ " and newline escaped. */
static int
metrics_label_escape(struct buf *out, const char *s)
{
	const char *run = s;
	int rc;

	for (; *s != '\0'; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '"')
			rep = "\\\"";
		else if (*s == '\n')
			rep = "\\n";
		if (rep == NULL)
			continue;
		if ((rc = buf_append(out, run, (size_t)(s - run))) < 0 ||
		    (rc = buf_puts(out, rep)) < 0)
			return rc;
		run = s + 1;
	}
	return buf_append(out, run, (size_t)(s - run));
}

static int
metrics_family(struct buf *out, const char *name, const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* NAME{connection="..",k1="v1",k2="v2"} VALUE: labels k1/k2 may be NULL;
 * `value` is the already formatted number. */
static int
metrics_sample_put(struct buf *out, const struct metrics_run *m, const char *name,
                   const char *k1, const char *v1, const char *k2, const char *v2,
                   const char *value)
{
	const char *keys[3] = { NULL, k1, k2 };
	const char *vals[3] = { NULL, v1, v2 };
	int first = 1;
	size_t i;
	int rc;

	if (m->connection != NULL && m->connection[0] != '\0') {
		keys[0] = "connection";
		vals[0] = m->connection;
	}
	if ((rc = buf_puts(out, name)) < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		if (keys[i] == NULL)
			continue;
		if ((rc = buf_printf(out, "%s%s=\"", first ? "{" : ",", keys[i])) < 0 ||
		    (rc = metrics_label_escape(out, vals[i])) < 0 ||
		    (rc = buf_puts(out, "\"")) < 0)
			return rc;
		first = 0;
	}
	return buf_printf(out, "%s %s\n", first ? "" : "}", value);
}

static int
metrics_u64(struct buf *out, const struct metrics_run *m, const char *name,
            const char *k1, const char *v1, const char *k2, const char *v2,
            uint64_t value)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, value);
	return metrics_sample_put(out, m, name, k1, v1, k2, v2, num);
}

static int
metrics_i64(struct buf *out, const struct metrics_run *m, const char *name, int64_t value)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, value);
	return metrics_sample_put(out, m, name, NULL, NULL, NULL, NULL, num);
}

static int
metrics_phase(struct buf *out, const struct metrics_run *m, const char *phase,
              const struct metrics_sample *s, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = metrics_u64(out, m, "connector_run_records", "phase", phase,
		                      "result", s[i].result, s[i].value)) < 0)
			return rc;
	return 0;
}

static int
metrics_records(struct buf *out, const struct metrics_run *m)
{
	const struct sync_summary *sum = m->sum;
	const struct metrics_sample orders[] = {
		{ "seen", sum->orders.seen },
		{ "created", sum->orders.created },
		{ "updated", sum->orders.updated },
		{ "unchanged", sum->orders.unchanged },
		{ "skipped", sum->orders.skipped },
		{ "failed", sum->orders.failed },
		{ "retried", sum->orders.retried },
	};
	const struct metrics_sample refunds[] = {
		{ "seen", sum->refunds.seen },
		{ "created", sum->refunds.created },
		{ "unchanged", sum->refunds.unchanged },
		{ "waiting", sum->refunds.waiting },
		{ "failed", sum->refunds.failed },
		{ "retried", sum->refunds.retried },
	};
	const struct metrics_sample back[] = {
		{ "seen", sum->back.seen },
		{ "waiting", sum->back.waiting },
		{ "created", sum->back.created },
		{ "failed", sum->back.failed },
	};
	const struct metrics_sample ship[] = {
		{ "seen", sum->ship.seen },
		{ "created", sum->ship.created },
		{ "waiting", sum->ship.waiting },
		{ "unchanged", sum->ship.unchanged },
		{ "failed", sum->ship.failed },
	};
	const struct metrics_sample settlements[] = {
		{ "fetched", sum->settlements.fetched },
		{ "posted", sum->settlements.posted },
		{ "waiting", sum->settlements.waiting },
		{ "unbalanced", sum->settlements.unbalanced },
		{ "failed", sum->settlements.failed },
		{ "rechecked", sum->settlements.rechecked },
	};
	int rc;

	if ((rc = metrics_family(out, "connector_run_records",
	                         "Records of the last run by phase and result "
	                         "(seen/fetched is what was read; do not sum over result).")) < 0 ||
	    (rc = metrics_phase(out, m, "orders", orders,
	                        sizeof(orders) / sizeof(orders[0]))) < 0)
		return rc;
	if (sum->refunds.ran &&
	    (rc = metrics_phase(out, m, "refunds", refunds,
	                        sizeof(refunds) / sizeof(refunds[0]))) < 0)
		return rc;
	if (sum->back.ran &&
	    (rc = metrics_phase(out, m, "refunds_back", back,
	                        sizeof(back) / sizeof(back[0]))) < 0)
		return rc;
	if (sum->ship.ran &&
	    (rc = metrics_phase(out, m, "shipments", ship,
	                        sizeof(ship) / sizeof(ship[0]))) < 0)
		return rc;
	if (sum->settlements.ran &&
	    (rc = metrics_phase(out, m, "settlements", settlements,
	                        sizeof(settlements) / sizeof(settlements[0]))) < 0)
		return rc;
	return 0;
}

int
metrics_format(struct buf *out, const struct metrics_run *m)
{
	int64_t ms = 0;
	int64_t ended = m->ended_at != 0 ? m->ended_at : time_now();
	char num[48];
	int rc;

	if (m->sum != NULL && m->sum->ended_ms > m->sum->started_ms)
		ms = m->sum->ended_ms - m->sum->started_ms;
	snprintf(num, sizeof(num), "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));

	if (m->sum != NULL && (rc = metrics_records(out, m)) < 0)
		return rc;
	if ((rc = metrics_family(out, "connector_run_duration_seconds",
	                         "How long the last run took.")) < 0 ||
	    (rc = metrics_sample_put(out, m, "connector_run_duration_seconds",
	                             NULL, NULL, NULL, NULL, num)) < 0 ||
	    (rc = metrics_family(out, "connector_run_exit_code",
	                         "Exit status of the last run: 0 done, 2 some records "
	                         "failed or stopped, 1 could not run.")) < 0 ||
	    (rc = metrics_i64(out, m, "connector_run_exit_code", m->exit_code)) < 0 ||
	    (rc = metrics_family(out, "connector_run_timestamp_seconds",
	                         "When the last run ended, unix time.")) < 0 ||
	    (rc = metrics_i64(out, m, "connector_run_timestamp_seconds", ended)) < 0 ||
	    (rc = metrics_family(out, "connector_run_stopped",
	                         "1 when a signal ended the last run early.")) < 0 ||
	    (rc = metrics_i64(out, m, "connector_run_stopped",
	                      m->sum != NULL && m->sum->stopped ? 1 : 0)) < 0 ||
	    (rc = metrics_family(out, "connector_last_success_timestamp_seconds",
	                         "When the last run that exited 0 ended, unix time; "
	                         "0 never.")) < 0 ||
	    (rc = metrics_i64(out, m, "connector_last_success_timestamp_seconds",
	                      m->last_success)) < 0 ||
	    (rc = metrics_family(out, "connector_failures",
	                         "Failure records now, by class (see `connector failures`).")) < 0 ||
	    (rc = metrics_u64(out, m, "connector_failures", "class", "transient", NULL, NULL,
	                      m->failures_transient)) < 0 ||
	    (rc = metrics_u64(out, m, "connector_failures", "class", "permanent", NULL, NULL,
	                      m->failures_permanent)) < 0 ||
	    (rc = metrics_u64(out, m, "connector_failures", "class", "stuck", NULL, NULL,
	                      m->failures_stuck)) < 0 ||
	    (rc = metrics_family(out, "connector_settlements_waiting",
	                         "Settlements waiting for their orders now.")) < 0 ||
	    (rc = metrics_u64(out, m, "connector_settlements_waiting", NULL, NULL, NULL, NULL,
	                      m->settlements_waiting)) < 0)
		return rc;
	return 0;
}

/* write(2) all of it, through EINTR and short writes. */
static int
metrics_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The directory part of `path` ("." when it has none), to fsync it. */
static int
metrics_dir_sync(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;
	int rc = 0;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = -1;
	close(fd);
	return rc;
}

int
metrics_write(const char *path, const struct metrics_run *m, struct sc_error *err)
{
	struct buf text;
	struct buf tmp;
	const char *what = NULL;
	int fd = -1;
	int rc;

	buf_init(&text, METRICS_MAX);
	buf_init(&tmp, 0);
	if ((rc = metrics_format(&text, m)) < 0) {
		sc_error_set(err, rc, "%s: cannot format the metrics: %s", path,
		             sc_code_name(rc));
		goto done;
	}
	if ((rc = buf_printf(&tmp, "%s.XXXXXX", path)) < 0) {
		sc_error_set(err, rc, "%s: path too long", path);
		goto done;
	}
	if ((fd = mkstemp(tmp.data)) < 0) {
		rc = sc_error_set(err, SC_ERROR, "%s: cannot create a temporary file: %s", path,
		                  strerror(errno));
		goto done;
	}
	if (metrics_write_all(fd, text.data, text.len) != 0)
		what = "cannot write";
	else if (fchmod(fd, 0644) != 0)
		what = "cannot chmod";
	else if (fsync(fd) != 0)
		what = "cannot fsync";
	if (what == NULL) {
		int cr = close(fd);

		fd = -1;
		if (cr != 0)
			what = "cannot close";
		else if (rename(tmp.data, path) != 0)
			what = "cannot rename the temporary file over it";
	}
	if (what != NULL) {
		rc = sc_error_set(err, errno == ENOSPC ? SC_ENOSPACE : SC_ERROR, "%s: %s: %s",
		                  path, what, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		unlink(tmp.data);
		goto done;
	}
	/* The file is in place; a directory that cannot be fsync'ed only
	 * weakens durability across a power cut, so it is not an error. */
	(void)metrics_dir_sync(path);
	rc = 0;
done:
	buf_free(&text);
	buf_free(&tmp);
	return rc;
}

int
metrics_last_success_read(int64_t *out, const char *path, struct sc_error *err)
{
	static const char name[] = "connector_last_success_timestamp_seconds";
	char line[4096];
	FILE *f = NULL;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return sc_error_set(err, SC_ERROR, "%s: cannot read: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *v;
		char *end = NULL;
		long long n;

		if (strncmp(line, name, sizeof(name) - 1) != 0 ||
		    (line[sizeof(name) - 1] != ' ' && line[sizeof(name) - 1] != '{'))
			continue;
		if ((v = strrchr(line, ' ')) == NULL)
			continue;
		errno = 0;
		n = strtoll(v + 1, &end, 10);
		if (errno != 0 || end == v + 1 || (*end != '\n' && *end != '\0') || n < 0)
			continue;
		*out = (int64_t)n;
		rc = 1;
		break;
	}
	if (ferror(f))
		rc = sc_error_set(err, SC_ERROR, "%s: cannot read: %s", path, strerror(errno));
	fclose(f);
	return rc;
}
