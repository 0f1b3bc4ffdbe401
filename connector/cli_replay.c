/*
 * cli_replay.c: `connector replay` and `connector run --every`.
 *
 * replay --order ID [--order ID ...] | --failed [--phase P] [--dry-run]:
 * one line per order saying what happened, then the settlements that
 * moved. Exit 0 all done, 2 some failed or unknown to the marketplace,
 * 1 could not run.
 *
 * run --every DURATION: `sync` in a loop for containers, with the same
 * guarantees (the lock, the intents, the stop flag); sleeps between runs;
 * SIGTERM/SIGINT end it after the record in flight (exit 0). The conf is
 * read again before every run, so an edit (a SKU mapped) takes effect
 * without a restart; a conf that cannot be read at start is exit 1, later
 * it skips that run and says why.
 */
#include "connector/cli_int.h"
#include "connector/engine.h"
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/progress.h"
#include "connector/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
outcome_name(enum replay_outcome o)
{
	switch (o) {
	case REPLAY_CREATED: return "created";
	case REPLAY_UPDATED: return "updated";
	case REPLAY_UNCHANGED: return "unchanged";
	case REPLAY_SKIPPED: return "skipped";
	case REPLAY_FAILED: return "failed";
	case REPLAY_UNKNOWN: return "unknown";
	}
	return "?";
}

static void
replay_print(const struct engine *e, const struct replay_report *r, int dry_run)
{
	size_t i;
	uint64_t cnt[REPLAY_UNKNOWN + 1] = { 0 };
	uint64_t posted = 0;

	for (i = 0; i < r->n; i++) {
		const struct replay_line *l = &r->lines[i];
		char ext[STATE_EXTID_MAX];

		cnt[l->outcome]++;
		engine_order_external_id(e, l->id, ext, sizeof(ext));
		switch (l->outcome) {
		case REPLAY_CREATED:
		case REPLAY_UPDATED:
			printf("order %s: %s%s %s in %s\n", l->id, dry_run ? "would be " : "",
			       outcome_name(l->outcome), ext, e->erp->name);
			break;
		case REPLAY_UNCHANGED:
			printf("order %s: unchanged: %s is already in sync (nothing written)\n",
			       l->id, ext);
			break;
		default:
			printf("order %s: %s: %s\n", l->id, outcome_name(l->outcome), l->detail);
			break;
		}
		if (l->refunds.seen > 0)
			printf("  refunds: %llu seen, %llu created, %llu unchanged, %llu waiting, "
			       "%llu failed\n", (unsigned long long)l->refunds.seen,
			       (unsigned long long)l->refunds.created,
			       (unsigned long long)l->refunds.unchanged,
			       (unsigned long long)l->refunds.waiting,
			       (unsigned long long)l->refunds.failed);
		if (l->outcome != REPLAY_FAILED && l->outcome != REPLAY_UNKNOWN &&
		    l->outcome != REPLAY_SKIPPED && l->detail[0] != '\0')
			printf("  %s\n", l->detail);
	}
	for (i = 0; i < r->nerp; i++) {
		const struct replay_erp *x = &r->erp[i];
		const char *what = x->kind == KIND_ERP_REFUND ? "refund made in the ERP" :
		                   strncmp(x->id, "cancel/", 7) == 0 ? "cancellation" : "shipment";

		if (!x->replayed)
			printf("%s %s%s%s: not replayed: %s\n", what, x->id, x->order_id[0] ? " of order " : "",
			       x->order_id, x->detail);
		else if (dry_run)
			printf("%s %s: %s\n", what, x->id, x->detail);
		else
			printf("%s %s%s%s: %s%s%s\n", what, x->id, x->order_id[0] ? " of order " : "",
			       x->order_id,
			       x->status == BINDING_SYNCED ? "sent again: accepted" :
			       x->status == BINDING_PENDING ? "sent again: awaiting the marketplace's report" :
			       x->status == BINDING_FAILED ? "failed again" : "not sent",
			       x->detail[0] && x->status != BINDING_SYNCED ? ": " : "",
			       x->status != BINDING_SYNCED ? x->detail : "");
	}
	for (i = 0; i < r->nsettlements; i++) {
		const struct replay_settlement *s = &r->settlements[i];

		posted += s->after == SETTLEMENT_POSTED;
		if (s->before == s->after)
			printf("settlement %s: still %s%s%s\n", s->id, settlement_status_name(s->after),
			       s->message[0] ? ": " : "", s->message);
		else
			printf("settlement %s: %s -> %s%s%s\n", s->id, settlement_status_name(s->before),
			       settlement_status_name(s->after), s->message[0] ? ": " : "", s->message);
	}
	if (dry_run && r->sum.settlements.rechecked > 0)
		printf("settlements looked at again: %llu (would post %llu, would still wait %llu)\n",
		       (unsigned long long)r->sum.settlements.rechecked,
		       (unsigned long long)r->sum.settlements.posted,
		       (unsigned long long)r->sum.settlements.waiting);
	printf("replayed %zu order(s): %llu created, %llu updated, %llu unchanged, %llu skipped, "
	       "%llu failed, %llu unknown to %s; %llu settlement(s) posted%s\n", r->n,
	       (unsigned long long)cnt[REPLAY_CREATED], (unsigned long long)cnt[REPLAY_UPDATED],
	       (unsigned long long)cnt[REPLAY_UNCHANGED], (unsigned long long)cnt[REPLAY_SKIPPED],
	       (unsigned long long)cnt[REPLAY_FAILED], (unsigned long long)cnt[REPLAY_UNKNOWN],
	       e->mkt->name, (unsigned long long)posted,
	       dry_run ? " [dry run: nothing written]" : "");
	if (r->sum.intents_resolved > 0)
		printf("recovered %llu interrupted write(s) from the previous run\n",
		       (unsigned long long)r->sum.intents_resolved);
	if (r->sum.stopped)
		printf("stopped by a signal: the record in flight was finished and committed\n");
	fflush(stdout);
}

int
cmd_replay(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct engine *e = NULL;
	struct replay_report r;
	char (*failed)[128] = NULL;
	const char **ids = NULL;
	size_t n = 0, i;
	int rc, settlement_errors = 0, erp_side = 0;

	memset(&r, 0, sizeof(r));
	if ((a->failed != 0) == (a->norders > 0)) {
		fprintf(stderr, "connector: replay needs --order ID (one or more) or --failed\n");
		usage(stderr);
		return 1;
	}
	if (a->phase != NULL && (!a->failed || (strcmp(a->phase, "orders") != 0 &&
	                                        strcmp(a->phase, "refunds") != 0 &&
	                                        strcmp(a->phase, "settlements") != 0 &&
	                                        strcmp(a->phase, "refunds_back") != 0 &&
	                                        strcmp(a->phase, "shipments") != 0))) {
		fprintf(stderr, "connector: replay --failed --phase takes orders, refunds, "
		        "refunds_back, shipments or settlements\n");
		return 1;
	}
	erp_side = a->phase != NULL && (strcmp(a->phase, "refunds_back") == 0 ||
	                                strcmp(a->phase, "shipments") == 0);
	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.lock = !a->dry_run;
	o.dry_run = a->dry_run;
	o.phases = PHASE_ALL;
	o.stop = cli_stop_flag();
	o.progress = progress_wanted(stderr, log_get_format() == LOG_JSON);
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		if (rc == SC_ELOCKED) {
			printf("connector: %s; replay later\n", err->msg);
			return 2;
		}
		print_error(err);
		return 1;
	}
	if (a->failed) {
		if ((a->phase == NULL || strcmp(a->phase, "settlements") != 0) && !erp_side) {
			if ((rc = engine_failed_order_ids(e, a->phase, &failed, &n, err)) < 0)
				goto fail;
			if (n > 0 && (ids = calloc(n, sizeof(*ids))) == NULL) {
				rc = sc_error_set(err, SC_ENOMEM, "out of memory");
				goto fail;
			}
			for (i = 0; i < n; i++)
				ids[i] = failed[i];
		}
		settlement_errors = a->phase == NULL || strcmp(a->phase, "settlements") == 0;
		if (n == 0 && (a->phase == NULL || (strcmp(a->phase, "orders") == 0 ||
		                                    strcmp(a->phase, "refunds") == 0)))
			printf("no failed orders or refunds to replay\n");
	}
	rc = engine_replay(e, a->failed ? ids : a->orders, a->failed ? n : a->norders,
	                   settlement_errors, &r, err);
	if (rc < 0)
		goto fail;
	if (a->failed && (a->phase == NULL || erp_side) &&
	    (rc = engine_replay_erp(e, a->phase, &r, err)) < 0)
		goto fail;
	replay_print(e, &r, a->dry_run);
	rc = engine_replay_exit_code(rc, &r);
	engine_replay_free(&r);
	engine_close(e);
	free(ids);
	free(failed);
	return rc;
fail:
	print_error(err);
	engine_replay_free(&r);
	engine_close(e);
	free(ids);
	free(failed);
	return 1;
}

/* ---- run --every ---------------------------------------------------------- */

/* "90", "90s", "15m", "1h", "1d" -> seconds (at least 1). */
static int
parse_duration(const char *s, long *out)
{
	char *end = NULL;
	long v, mul = 1;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || v <= 0)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = 86400, end++;
	if (*end != '\0' || v > 366L * 86400 / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int
run_once(const struct cli *a, volatile sig_atomic_t *stop, int first, struct sc_error *err)
{
	struct conf *c = NULL;
	struct engine_opts o;
	struct engine *e = NULL;
	struct sync_summary sum;
	int rc;

	if ((rc = load_conf(&c, a, err)) < 0) {
		print_error(err);
		return first ? 1 : 2;
	}
	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.lock = !a->dry_run;
	o.dry_run = a->dry_run;
	o.phases = a->phases;
	o.stop = stop;
	o.progress = progress_wanted(stderr, log_get_format() == LOG_JSON);
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		if (rc == SC_ELOCKED) {
			printf("connector: %s; this run is skipped\n", err->msg);
			conf_free(c);
			return 0;
		}
		print_error(err);
		if (!a->dry_run)
			cli_metrics_write(c, NULL, NULL, 1);
		conf_free(c);
		return first ? 1 : 2;
	}
	rc = engine_sync(e, &sum, err);
	if (rc < 0)
		print_error(err);
	else
		engine_summary_print(e, &sum);
	rc = engine_exit_code(rc, &sum);
	cli_metrics_write(c, e, rc == 1 ? NULL : &sum, rc);
	engine_close(e);
	conf_free(c);
	return rc;
}

int
cmd_run(const struct cli *a, struct sc_error *err)
{
	volatile sig_atomic_t *stop = cli_stop_flag();
	long every = 0;
	int first = 1;

	if (a->every == NULL || parse_duration(a->every, &every) < 0) {
		fprintf(stderr, "connector: run needs --every DURATION (like 90s, 15m, 1h)%s%s\n",
		        a->every ? ", not " : "", a->every ? a->every : "");
		return 1;
	}
	for (;;) {
		int64_t start = time_mono_ms(), wake;
		int rc = run_once(a, stop, first, err);
		char code[8];

		if (rc == 1 && first)
			return 1;
		first = 0;
		snprintf(code, sizeof(code), "%d", rc);
		log_event(LOG_INFO, "run.done", "exit", code, NULL);
		if (*stop)
			break;
		wake = start + (int64_t)every * 1000;
		while (!*stop && time_mono_ms() < wake) {
			int64_t left = wake - time_mono_ms();

			time_sleep_ms(left > 200 ? 200 : (left > 0 ? left : 0));
		}
		if (*stop)
			break;
	}
	printf("connector: stopped by a signal; exiting\n");
	fflush(stdout);
	return 0;
}
