/*
 * state_int.h: internals shared by state.c (environment, lock, schema,
 * transactions) and state_record.c (keys, records, iteration). Not for
 * use outside state/.
 */
#ifndef SC_STATE_INT_H
#define SC_STATE_INT_H

#include <pthread.h>

#include <lmdb.h>

#include "state/state.h"

enum state_db {
	STATE_DB_META = 0,
	STATE_DB_BINDING,
	STATE_DB_CURSOR,
	STATE_DB_FAILURE,
	STATE_DB_INTENT,
	STATE_DB_SETTLEMENT,
	STATE_DB_COUNT
};

/* Names of the databases, indexed by enum state_db. */
extern const char *const state__db_names[STATE_DB_COUNT];

struct state {
	MDB_env *env;
	char *dir;
	int flags;                      /* enum state_flags */
	int lock_fd;                    /* -1 when no run lock is held */
	size_t map_max;
	MDB_dbi dbi[STATE_DB_COUNT];
	int has_db[STATE_DB_COUNT];     /* 0: absent (read-only open) */
	int locks_ready;                /* write_mu and map_lock initialised */
	/* One writer at a time for the whole of state_write(). */
	pthread_mutex_t write_mu;
	/* Read txns hold it shared; changing the map size holds it exclusive
	 * (LMDB: no txn may be open in this process during set_mapsize). */
	pthread_rwlock_t map_lock;
	/* Set by any LMDB call in the current write txn that returned
	 * MDB_MAP_FULL; read by state_write() under write_mu. */
	int map_full;
};

/* The one map from MDB_* (and errno) codes to SC_* codes (Knot
 * err_to_knot): MDB_NOTFOUND -> SC_ENOTFOUND, MDB_MAP_FULL -> SC_ENOSPACE,
 * MDB_CORRUPTED / MDB_PAGE_NOTFOUND / MDB_INVALID / MDB_VERSION_MISMATCH ->
 * SC_EMALFORMED, anything else SC_ERROR. Sets `err` to "what: <mdb_strerror>"
 * and returns the code; 0 for MDB_SUCCESS (err untouched). */
int state__mdb_error(struct sc_error *err, int mdb_rc, const char *what);

/* Record an error in the txn: the first one sticks in t->rc (the commit
 * becomes an abort). Returns `code`. */
int state__txn_fail(struct state_txn *t, int code);

/* state__mdb_error() + state__txn_fail(); notes MDB_MAP_FULL so that
 * state_write() grows the map and runs the callback again. */
int state__txn_mdb_fail(struct state_txn *t, int mdb_rc, const char *what);

#endif
