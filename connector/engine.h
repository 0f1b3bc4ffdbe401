/*
 * engine.h: the run loop. It alone talks to state; adapters only through
 * their ops tables (adapters/adapter.h). It never names a marketplace or ERP.
 *
 * A run (engine_sync):
 *  0. resolve leftover intents: each one's external id is looked up in the
 *     ERP; found -> bound (hash cleared, so the record is rewritten on its
 *     next sight, as an update), absent -> dropped. Nothing is written again
 *     before this is done, so a crash at any point cannot make a second record.
 *  1. orders phase: retry due failures (order_get, same path), then page
 *     through orders changed since the cursor. Per page: decide per order
 *     (new / changed by content hash / unchanged / skipped), commit intents for
 *     the writes, write them to the ERP (up to erp->concurrency() at once),
 *     commit bindings, failures and the page's cursor in one transaction.
 *     One record's failure never stops the run.
 *  2. refunds phase (engine_refunds.c): refunds read from the marketplace
 *     become the ERP transactions the refund rules name, linked to their
 *     order's record; a refund whose order is not synced waits for it.
 *     Then (engine_back.c) refunds people made in the ERP go back to the
 *     marketplace, once, never echoing the connector's own.
 *  3. settlements phase (engine_settlements.c): settlements waiting for
 *     orders are looked at again; new reports are fetched, reconciled to the
 *     cent and posted as one journal each when everything adds up.
 *
 * Exit status (engine_exit_code): 0 every record done, 2 some records failed
 * (see `connector failures`), 1 the run could not happen.
 */
#ifndef SC_ENGINE_H
#define SC_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/conf.h"
#include "connector/error.h"

struct engine;

enum engine_phase {
	PHASE_ORDERS = 1 << 0,
	PHASE_REFUNDS = 1 << 1,     /* refunds, both directions */
	PHASE_SETTLEMENTS = 1 << 2, /* settlement reports: reconcile, post */
	PHASE_SHIPMENTS = 1 << 3,   /* shipments and cancellations made in the ERP, back */
	PHASE_ALL = 0xff
};

struct engine_opts {
	const char *state_dir;          /* overrides [connector] state_dir when set */
	int lock;                       /* take the run lock (sync, replay) */
	int read_only;                  /* status, failures: no lock, no writes, no adapters */
	int check_only;                 /* check-config: adapters opened, no state touched */
	int dry_run;                    /* read both sides, write nothing */
	unsigned phases;                /* enum engine_phase mask */
	volatile sig_atomic_t *stop;    /* raised by SIGTERM/SIGINT */
	int progress;                   /* draw progress lines on stderr (a terminal) */
};

struct phase_counts {
	uint64_t seen, created, updated, unchanged, skipped, failed, retried;
	uint64_t pages;
};

struct refund_counts {
	uint64_t seen, created, unchanged, waiting, failed, retried, pages;
	int ran;                        /* the phase ran (rules configured, adapters able) */
};

struct settlement_counts {
	uint64_t fetched, posted, waiting, unbalanced, failed, rechecked;
	int ran;
};

struct sync_summary {
	struct phase_counts orders;
	struct refund_counts refunds;   /* marketplace -> ERP */
	struct refund_counts back;      /* ERP -> marketplace: waiting = sent, awaiting the report */
	struct refund_counts ship;      /* shipments and cancellations made in the ERP -> marketplace:
	                                   created = confirmed/accepted, waiting = sent, awaiting the
	                                   report, unchanged = already sent or nothing to send */
	struct settlement_counts settlements;
	uint64_t intents_resolved;
	int stopped;                    /* a signal ended the run early */
	int phase_error;                /* a page could not be fetched */
	int64_t started_ms, ended_ms;
};

int engine_open(struct engine **out, const struct conf *c,
                const struct engine_opts *opts, struct sc_error *err);
void engine_close(struct engine *e);

/* Run the phases. Returns 0 when it ran (look at the summary for failures),
 * <0 when it could not run. */
int engine_sync(struct engine *e, struct sync_summary *sum, struct sc_error *err);

/* 0, 1 or 2 as above. */
int engine_exit_code(int rc, const struct sync_summary *sum);

/* Print the summary lines to stdout. */
void engine_summary_print(const struct engine *e, const struct sync_summary *sum);

/* ---- replay (engine_replay.c) -------------------------------------------- */

enum replay_outcome {
	REPLAY_CREATED = 0,
	REPLAY_UPDATED,
	REPLAY_UNCHANGED,       /* already in sync: nothing written */
	REPLAY_SKIPPED,         /* pending, or cancelled before it was ever synced */
	REPLAY_FAILED,          /* see detail (the failure record has it too) */
	REPLAY_UNKNOWN          /* the marketplace does not know the id */
};

struct replay_line {
	char id[128];
	enum replay_outcome outcome;
	char detail[1024];      /* our words, and the remote's */
	struct refund_counts refunds;   /* its refunds, through the refunds path */
};

struct replay_settlement {
	char id[128];
	int before, after;      /* enum settlement_status */
	char message[512];
};

/* A record sent back to the marketplace (a refund or shipment made in the
 * ERP) that failed, replayed by `replay --failed`. */
struct replay_erp {
	char kind;              /* 'E' refund, 'F' shipment or cancellation */
	char id[128];
	char order_id[128];
	int replayed;           /* 0: left alone, detail says why */
	int status;             /* after: enum binding_status, -1 no longer read */
	char detail[512];
};

struct replay_report {
	struct replay_erp *erp;
	size_t nerp;
	struct replay_line *lines;
	size_t n;
	struct replay_settlement *settlements;  /* those looked at again */
	size_t nsettlements;
	struct sync_summary sum;
};

/* Replay orders by marketplace id: each is downloaded again (order_get and
 * its refunds) and pushed through exactly the path `sync` uses (a replay
 * of an order in sync writes nothing), then every settlement waiting for
 * orders (with `settlement_errors`, also those that failed) is looked at
 * again and posted when complete. Takes the same care as engine_sync
 * (leftover intents first, stop flag, dry run). Returns 0 when it ran
 * (outcomes in *out, freed with engine_replay_free), <0 when it could not. */
int engine_replay(struct engine *e, const char *const *ids, size_t n, int settlement_errors,
                  struct replay_report *out, struct sc_error *err);
void engine_replay_free(struct replay_report *r);
/* After engine_replay on the same report: records sent back to the
 * marketplace whose sending failed (phase "refunds_back", "shipments", or
 * NULL for both). Each refused one is made new and the page of ERP changes
 * it was read from is read again through the path `sync` uses (the
 * changes cursor does not move). One whose outcome is unknown (it may
 * have reached the marketplace) is never sent again: it is listed. */
int engine_replay_erp(struct engine *e, const char *phase, struct replay_report *out,
                      struct sc_error *err);
/* Exit status of a replay: 0 all done, 2 some failed or unknown, 1 error. */
int engine_replay_exit_code(int rc, const struct replay_report *r);

/* The marketplace order ids behind failure records (order and refund
 * failures), of one phase ("orders", "refunds") or all (phase NULL), sorted
 * and unique: what `replay --failed` replays. *ids freed with free(). */
int engine_failed_order_ids(struct engine *e, const char *phase, char (**ids)[128], size_t *n,
                            struct sc_error *err);

/* The state handle (for status/failures commands). */
struct state *engine_state(struct engine *e);

#endif
