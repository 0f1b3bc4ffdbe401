/*
 * state.h: the connector's sync state in LMDB.
 *
 * One environment per connection (a directory, mode 0700), holding named
 * databases created at open:
 *   meta      "schema" -> decimal text of STATE_SCHEMA_VERSION
 *   binding   kind byte + marketplace id -> struct binding   (the binder)
 *   cursor    stream name -> opaque text watermark
 *   failure   kind byte + id -> struct failure
 *   intent    kind byte + id -> struct intent  (written before a remote write)
 *   settlement settlement id -> struct settlement_state (issue 4; created now)
 *
 * Values are fixed-layout structs prefixed by a version byte; a value whose
 * version or size is unknown reads as SC_EMALFORMED, never as garbage.
 * Structs only ever grow at their end: a record written by an older
 * connector (shorter, down to its first layout) reads with the newer
 * fields zero.
 *
 * Locking: state_open(..., STATE_LOCK) takes an exclusive flock(2) on
 * DIR/lock without waiting. If another process holds it: SC_ELOCKED and the
 * message "another run holds the lock since <ISO time> (pid N)". Read-only
 * commands (status, failures) open with STATE_RDONLY and take no lock.
 *
 * Transactions: state_write() runs a callback in one write transaction and
 * commits. If LMDB reports MDB_MAP_FULL (on a put or the commit), the
 * transaction is aborted, the map grown (doubling, up to map_max) and the
 * callback run again from the start, at most 8 times; the callback must
 * therefore have no side effects outside the transaction. No transaction
 * is ever held across a network call: callers fetch first, then write.
 * Errors inside a callback are sticky in the txn (Knot): the first failing
 * call sets t->rc, later calls do nothing, and the commit becomes an abort.
 *
 * Schema: "schema" missing -> fresh, written; equal -> ok; older -> migrated
 * in one write txn; newer -> SC_ENOTSUP ("state was written by a newer
 * connector (schema N, this one knows M)").
 */
#ifndef SC_STATE_H
#define SC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "connector/error.h"

#define STATE_SCHEMA_VERSION 1

struct state;

struct state_txn {
	struct state *st;
	void *txn;     /* MDB_txn * */
	int rw;
	int rc;        /* sticky: first error */
	struct sc_error *err;
};

enum state_flags {
	STATE_RDONLY = 1 << 0,   /* open read-only, no lock, no create */
	STATE_LOCK = 1 << 1      /* take the run lock (sync, replay, settle --post) */
};

struct state_opts {
	size_t map_initial;      /* default 64 MiB */
	size_t map_max;          /* default 64 GiB */
	int nosync;              /* 1: MDB_NOSYNC (tests/bench only) */
};

/* Map sizes: LMDB itself accepts any size and silently raises it to the
 * pages in use (2 meta pages, 8 KiB, on a fresh file); state_open raises
 * map_initial to at least 32 KiB (room for the open-time txn) and rounds it
 * up to the page size; map_max below map_initial becomes map_initial. An
 * existing environment whose data exceeds map_initial is opened at its
 * data size and grows from there. */

/* Open (creating DIR if needed unless RDONLY). `opts` may be NULL.
 * On success *out is the caller's (state_close()); on failure *out is NULL.
 * Returns 0; SC_ENOTFOUND (RDONLY and no state at DIR), SC_ELOCKED,
 * SC_ENOTSUP (newer schema, or RDONLY on an older one), SC_EMALFORMED,
 * SC_EINVALID (no DIR; RDONLY together with LOCK), SC_ERROR. */
int state_open(struct state **out, const char *dir, int flags,
               const struct state_opts *opts, struct sc_error *err);
void state_close(struct state *st);   /* NULL-safe; releases the lock */
const char *state_dir(const struct state *st);

/* Drop this process's resident pages of the store's memory map (clean,
 * file-backed: they stay in the page cache and fault back in when read),
 * so a long run's memory does not grow with the size of the store. Call
 * between transactions; waits for readers of other threads to finish.
 * Best effort: 0, or SC_ERROR when the mapping cannot be found. */
int state_release_pages(struct state *st);

typedef int (*state_fn)(struct state_txn *t, void *ud);

/* Run fn in a write (state_write) or read (state_read) transaction. The
 * return is fn's if negative, else the commit's.
 * Threads: both may be called from several threads on one struct state;
 * writers are serialised, readers run side by side. Never call either from
 * inside a callback (no nesting). state_write on a RDONLY state:
 * SC_ENOTSUP; a put/del inside state_read: SC_EINVALID (sticky). The
 * state_read return is fn's if negative, else t->rc. */
int state_write(struct state *st, state_fn fn, void *ud, struct sc_error *err);
int state_read(struct state *st, state_fn fn, void *ud, struct sc_error *err);

/* ---- records ------------------------------------------------------------ */

enum state_kind {
	KIND_ORDER = 'O',
	KIND_REFUND = 'R',        /* marketplace refund -> ERP */
	KIND_ERP_REFUND = 'E',    /* ERP refund -> marketplace */
	KIND_FULFILLMENT = 'F',
	KIND_SETTLEMENT = 'S',
	KIND_FEED = 'D',          /* a marketplace submission (feed) in flight */
	KIND_ERP_CHANGE = 'C'     /* an ERP change that could not be read (failures only) */
};

enum binding_status {
	BINDING_SYNCED = 0,
	BINDING_FAILED = 1,
	BINDING_WAITING = 2,      /* waiting for a dependency (order not synced) */
	BINDING_PENDING = 3       /* submitted, outcome not known yet */
};

#define STATE_ID_MAX 128
#define STATE_EXTID_MAX 160
#define STATE_TYPE_MAX 32
#define STATE_ERPID_MAX 64

struct binding {
	char kind;                        /* enum state_kind */
	char id[STATE_ID_MAX];            /* marketplace id (key) */
	char order_id[STATE_ID_MAX];      /* parent order for refunds etc. ("" for orders) */
	char erp_type[STATE_TYPE_MAX];    /* "salesOrder", "cashRefund", ... */
	char erp_id[STATE_ERPID_MAX];     /* ERP internal id */
	char external_id[STATE_EXTID_MAX];/* "AMZ-ORD-..." */
	unsigned char hash[32];           /* content hash last written */
	int32_t status;                   /* enum binding_status */
	uint32_t attempts;
	int64_t first_seen;
	int64_t updated;                  /* last change of this binding */
	int64_t synced;                   /* last successful write */
	char detail[256];                 /* free text: feed id, waiting reason */
	/* Appended in 0.2 (older records read with these zero): */
	int64_t amount;                   /* order: its total; refund: the buyer's part */
	char currency[4];                 /* of amount, "" when unknown */
	int32_t exponent;
};

enum failure_class { FAILURE_TRANSIENT = 0, FAILURE_PERMANENT = 1 };

struct failure {
	char kind;
	char id[STATE_ID_MAX];            /* marketplace id (order id, ...) */
	char phase[24];                   /* "orders", "refunds", ... */
	int32_t fclass;                   /* enum failure_class */
	int32_t code;                     /* SC_* */
	int32_t http_status;
	char message[SC_ERROR_MSG_MAX];   /* ours */
	char remote[SC_ERROR_REMOTE_MAX]; /* theirs, verbatim */
	uint32_t attempts;
	int64_t first;
	int64_t last;
	int64_t next_retry;               /* 0: whenever */
};

struct intent {
	char kind;
	char id[STATE_ID_MAX];
	char op[16];                      /* "upsert", "create", "feed" */
	char erp_type[STATE_TYPE_MAX];
	char external_id[STATE_EXTID_MAX];
	int64_t created;
};

enum settlement_status {
	SETTLEMENT_RECONCILED = 0,        /* adds up, not posted (yet) */
	SETTLEMENT_UNBALANCED = 1,        /* does not add up: never posted */
	SETTLEMENT_WAITING = 2,           /* waiting_for_orders: some orders not synced */
	SETTLEMENT_POSTED = 3,
	SETTLEMENT_ERROR = 4              /* could not be read or posted: see message */
};

#define STATE_SETTLEMENT_MISSING_MAX 16

/* settlement db: settlement id -> what became of it. */
struct settlement_state {
	char id[STATE_ID_MAX];            /* settlement id (from the report) */
	char report_id[STATE_ID_MAX];     /* marketplace report id ("" for settle --file) */
	int32_t status;                   /* enum settlement_status */
	char currency[4];
	int32_t exponent;
	int64_t start, end, deposit;      /* UTC */
	int64_t total;                    /* the deposit, minor units */
	int64_t charges, refunds, fees, adjustments;
	int64_t balance;                  /* sum of detail rows - total */
	int64_t lines;                    /* detail rows */
	uint32_t missing;                 /* orders not synced (count) */
	char missing_ids[STATE_SETTLEMENT_MISSING_MAX][32];   /* the first of them */
	char erp_type[STATE_TYPE_MAX];
	char erp_id[STATE_ERPID_MAX];     /* posted journal */
	char external_id[STATE_EXTID_MAX];
	char raw_path[512];               /* the report file kept next to the state */
	char message[SC_ERROR_MSG_MAX];   /* why unbalanced / error */
	int64_t first_seen, updated;
};

const char *settlement_status_name(int status);

/* 1 found, 0 absent, <0 error; put overwrites; each in id order. */
int state_settlement_get(struct state_txn *t, const char *id, struct settlement_state *out);
int state_settlement_put(struct state_txn *t, const struct settlement_state *s);
typedef int (*state_settlement_cb)(const struct settlement_state *s, void *ud);
int state_settlement_each(struct state_txn *t, state_settlement_cb cb, void *ud);

/* Lookups: 1 found (*out filled), 0 absent, <0 error (also sets t->rc).
 * Every call below is a no-op returning t->rc once t->rc is set. A kind of
 * 0 or an id that is empty or has no NUL within STATE_ID_MAX bytes:
 * SC_EINVALID. Puts store a normalised copy (strings truncated to their
 * field and NUL-padded, padding zeroed). state_binding_del of an absent
 * binding is SC_ENOTFOUND (sticky), unlike the failure/intent deletes. */
int state_binding_get(struct state_txn *t, char kind, const char *id, struct binding *out);
int state_binding_put(struct state_txn *t, const struct binding *b);
int state_binding_del(struct state_txn *t, char kind, const char *id);

int state_failure_get(struct state_txn *t, char kind, const char *id, struct failure *out);
int state_failure_put(struct state_txn *t, const struct failure *f);
int state_failure_del(struct state_txn *t, char kind, const char *id);  /* absent is fine */

int state_intent_put(struct state_txn *t, const struct intent *in);
int state_intent_del(struct state_txn *t, char kind, const char *id);   /* absent is fine */

/* Cursor: 1 found (text copied into buf, NUL-terminated; SC_ENOSPACE if it
 * does not fit), 0 absent. */
int state_cursor_get(struct state_txn *t, const char *stream, char *buf, size_t n);
int state_cursor_put(struct state_txn *t, const char *stream, const char *value);
int state_cursor_del(struct state_txn *t, const char *stream);   /* absent is fine */

/* Iteration in key order. `kind` 0 = all kinds. The callback returns 0 to go
 * on, 1 to stop, <0 to abort with that code. Records are borrowed copies. */
typedef int (*state_binding_cb)(const struct binding *b, void *ud);
typedef int (*state_failure_cb)(const struct failure *f, void *ud);
typedef int (*state_intent_cb)(const struct intent *in, void *ud);
int state_binding_each(struct state_txn *t, char kind, state_binding_cb cb, void *ud);
int state_failure_each(struct state_txn *t, char kind, state_failure_cb cb, void *ud);
int state_intent_each(struct state_txn *t, state_intent_cb cb, void *ud);

/* Count of records in a database ("binding", "failure", "intent", "cursor"). */
int state_count(struct state_txn *t, const char *db, size_t *out);

/* Copy a C string into a fixed field, truncating; always NUL-terminates. */
void state_strlcpy(char *dst, const char *src, size_t n);

#endif
