/*
 * metrics.h: the run's numbers as a Prometheus text file (exposition format
 * 0.0.4), for node_exporter's textfile collector (it reads *.prom files from
 * its --collector.textfile.directory).
 *
 * Every family has # HELP and # TYPE lines; every family is a gauge (each
 * value describes the last run or the state now, never a running total);
 * no sample carries a timestamp (the textfile collector refuses them). With
 * `connection` set, every sample carries connection="..." first. Label values
 * are escaped as the format wants: \ as \\, " as \", newline as \n.
 *
 *   connector_run_records{phase,result}     records of this run
 *       phase="orders":       seen created updated unchanged skipped failed retried
 *       phase="refunds":      seen created unchanged waiting failed retried
 *                             (marketplace -> ERP; only when the phase ran)
 *       phase="refunds_back": seen waiting created failed
 *                             (ERP -> marketplace: seen = ERP changes read,
 *                             waiting = sent and awaiting the report,
 *                             created = accepted; only when it ran)
 *       phase="shipments":    seen created waiting unchanged failed
 *                             (ERP -> marketplace shipments and cancellations:
 *                             created = confirmed/accepted, waiting = sent and
 *                             awaiting the report, unchanged = already done or
 *                             nothing to send; only when it ran)
 *       phase="settlements":  fetched posted waiting unbalanced failed rechecked
 *                             (only when the phase ran)
 *     "seen" and "fetched" count what was read; the other results split it
 *     (a retried record is also counted in its outcome), so do not sum over
 *     result.
 *   connector_run_duration_seconds          ended_ms - started_ms, in seconds
 *   connector_run_exit_code                 0, 1 or 2 (engine_exit_code)
 *   connector_run_timestamp_seconds         when the run ended (unix time)
 *   connector_run_stopped                   1 when a signal ended the run early
 *   connector_last_success_timestamp_seconds  last run that exited 0; 0 never
 *   connector_failures{class}               failure records now: transient,
 *                                           permanent, stuck
 *   connector_settlements_waiting           settlements waiting for orders now
 *
 * Numbers are integers or decimal fractions written from integers (no
 * double, no locale).
 */
#ifndef SC_METRICS_H
#define SC_METRICS_H

#include <stdint.h>

#include "connector/buf.h"
#include "connector/engine.h"
#include "connector/error.h"

/* What the CLI knows after a run. Borrowed by metrics_write. */
struct metrics_run {
	const struct sync_summary *sum;     /* NULL: the run could not happen;
	                                     * no connector_run_records, duration 0 */
	int exit_code;                      /* 0, 1, 2 */
	int64_t ended_at;                   /* unix seconds the run ended; 0: now */
	int64_t last_success;               /* unix seconds of the last run that
	                                     * exited 0 (this one or earlier); 0 never */
	uint64_t failures_transient, failures_permanent, failures_stuck;
	uint64_t settlements_waiting;
	const char *connection;             /* label value (e.g. the conf file's base
	                                     * name without .conf); NULL or "": none */
};

/* Append the whole exposition text for `m` to `out`. SC_ENOSPACE when out's
 * cap is reached (out may then hold part of it), SC_ENOMEM. */
int metrics_format(struct buf *out, const struct metrics_run *m);

/* Write the text for `m` to `path` atomically: a temp file "PATH.XXXXXX" in
 * the same directory (not *.prom, so the collector never reads it half
 * written) is written, fsync'ed, set to mode 0644 (the collector runs as
 * another user) and renamed over `path`; then the directory is fsync'ed.
 * On error nothing new is left behind (the old file, if any, is untouched)
 * and err is "PATH: what failed: strerror". Returns 0 or a negative SC_*. */
int metrics_write(const char *path, const struct metrics_run *m, struct sc_error *err);

/* Read connector_last_success_timestamp_seconds back from a file written by
 * metrics_write (for a caller that keeps it nowhere else): 1 and *out set
 * when found, 0 when the file or the line is absent, <0 when the file
 * cannot be read (err says why). */
int metrics_last_success_read(int64_t *out, const char *path, struct sc_error *err);

#endif
