/*
 * cli_metrics.c: after a run, the [connector] metrics_file (metrics.h).
 *
 * Failures by class (transient, stuck, permanent) and the settlements
 * waiting for orders are read from the state as they are after the run;
 * the last success time is this run's end when it exited 0, else the value
 * the previous file holds (the file is its only reader). A dry run writes
 * no metrics: it writes nothing. A file that cannot be written is a
 * warning on stderr; the run's exit status stays what the run made it.
 */
#include "connector/cli_int.h"
#include "connector/engine.h"
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/metrics.h"
#include "connector/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fail_counts {
	const struct engine *e;
	uint64_t transient, permanent, stuck;
};

static int
count_failure(const struct failure *f, void *ud)
{
	struct fail_counts *fc = ud;
	const char *cls = engine_failure_class(fc->e->retry_limit, f);

	if (strcmp(cls, "stuck") == 0)
		fc->stuck++;
	else if (strcmp(cls, "transient") == 0)
		fc->transient++;
	else
		fc->permanent++;
	return 0;
}

static int
count_fn(struct state_txn *t, void *ud)
{
	return state_failure_each(t, 0, count_failure, ud);
}

/* "shop1" for /etc/connector/shop1.conf */
static void
connection_name(const char *conf_path, char *out, size_t n)
{
	const char *base = strrchr(conf_path, '/');
	size_t len;

	base = base != NULL ? base + 1 : conf_path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".conf") == 0)
		len -= 5;
	snprintf(out, n, "%.*s", (int)len, base);
}

void
cli_metrics_write(const struct conf *c, struct engine *e, const struct sync_summary *sum,
                  int exit_code)
{
	const char *path = conf_get(conf_section(c, "connector"), "metrics_file");
	struct metrics_run m;
	struct fail_counts fc;
	struct sc_error err;
	char name[128];

	if (path == NULL || path[0] == '\0' || (e != NULL && e->opts.dry_run))
		return;
	sc_error_clear(&err);
	memset(&m, 0, sizeof(m));
	memset(&fc, 0, sizeof(fc));
	connection_name(conf_path(c), name, sizeof(name));
	m.sum = sum;
	m.exit_code = exit_code;
	m.ended_at = time_now();
	m.connection = name;
	if (exit_code == 0)
		m.last_success = m.ended_at;
	else if (metrics_last_success_read(&m.last_success, path, &err) < 0)
		m.last_success = 0;
	if (e != NULL && engine_state(e) != NULL) {
		struct settlement_state *all = NULL;
		size_t n = 0, i;

		fc.e = e;
		if (state_read(engine_state(e), count_fn, &fc, &err) == 0) {
			m.failures_transient = fc.transient;
			m.failures_permanent = fc.permanent;
			m.failures_stuck = fc.stuck;
		}
		if (engine_settlement_list(engine_state(e), &all, &n, &err) == 0)
			for (i = 0; i < n; i++)
				m.settlements_waiting += all[i].status == SETTLEMENT_WAITING;
		free(all);
	}
	sc_error_clear(&err);
	if (metrics_write(path, &m, &err) < 0)
		fprintf(stderr, "connector: warning: metrics not written: %s\n", err.msg);
}
