/*
 * state.c: the LMDB environment: open/close, the run lock, the schema
 * check, and the read/write transaction runners with MAP_FULL growth.
 * Records, keys and iteration are in state_record.c.
 */
#include "state/state.h"
#include "state/state_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAP_DEFAULT ((size_t)64 << 20)      /* 64 MiB */
#define STATE_MAP_MAX_DEFAULT ((size_t)64 << 30)  /* 64 GiB */
/* LMDB accepts any map size (it silently raises it to the pages in use,
 * 2 meta pages on a fresh file); the init txn needs ~5 more pages. */
#define STATE_MAP_FLOOR ((size_t)32 << 10)        /* 32 KiB */
#define STATE_WRITE_ATTEMPTS 8
#define STATE_MAXREADERS 126
#define STATE_MAXDBS 8
#define STATE_SCHEMA_KEY "schema"

const char *const state__db_names[STATE_DB_COUNT] = {
	"meta", "binding", "cursor", "failure", "intent", "settlement"
};

/* ---- errors ------------------------------------------------------------- */

int
state__mdb_error(struct sc_error *err, int mdb_rc, const char *what)
{
	int code;

	switch (mdb_rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		code = SC_ENOTFOUND;
		break;
	case MDB_MAP_FULL:
		code = SC_ENOSPACE;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		code = SC_EMALFORMED;
		break;
	default:
		code = SC_ERROR;
		break;
	}
	return sc_error_set(err, code, "%s: %s", what, mdb_strerror(mdb_rc));
}

int
state__txn_fail(struct state_txn *t, int code)
{
	if (t->rc == 0)
		t->rc = code;
	return code;
}

int
state__txn_mdb_fail(struct state_txn *t, int mdb_rc, const char *what)
{
	if (mdb_rc == MDB_MAP_FULL && t->st != NULL)
		t->st->map_full = 1;
	if (t->rc != 0)   /* keep the first message */
		return t->rc;
	return state__txn_fail(t, state__mdb_error(t->err, mdb_rc, what));
}

/* ---- directory and run lock --------------------------------------------- */

/* mkdir -p with mode 0700 for each directory created. */
static int
state_dir_make(const char *dir, struct sc_error *err)
{
	char path[PATH_MAX];
	struct stat sb;
	size_t len;
	char *p = NULL;

	len = strlen(dir);
	if (len >= sizeof(path))
		return sc_error_set(err, SC_EINVALID, "state directory name is too long");
	memcpy(path, dir, len + 1);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return sc_error_set(err, SC_ERROR, "cannot create %s: %s",
			                    path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return sc_error_set(err, SC_ERROR, "cannot create %s: %s", path,
		                    strerror(errno));
	if (stat(path, &sb) != 0)
		return sc_error_set(err, SC_ERROR, "cannot stat %s: %s", path,
		                    strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return sc_error_set(err, SC_EINVALID, "%s is not a directory", path);
	return 0;
}

static void
state_time_iso(char out[32], time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		memcpy(out, "unknown time", sizeof("unknown time"));
}

/* The lock is held by someone else: read their "pid TIME" and say so.
 * The holder writes the text right after taking the lock, so an empty
 * file is retried briefly. */
static int
state_lock_busy(int fd, const char *dir, struct sc_error *err)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	char text[96];
	char since[40];
	char *end = NULL;
	const char *p = NULL;
	long long pid;
	ssize_t n = 0;
	size_t i;
	int tries;

	for (tries = 0; tries < 40; tries++) {
		n = pread(fd, text, sizeof(text) - 1, 0);
		if (n > 0)
			break;
		nanosleep(&pause, NULL);
	}
	if (n <= 0)
		return sc_error_set(err, SC_ELOCKED,
		                    "another run holds the lock on %s (holder unknown)", dir);
	text[n] = '\0';
	errno = 0;
	pid = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != ' ' || pid <= 0)
		return sc_error_set(err, SC_ELOCKED,
		                    "another run holds the lock on %s (holder unknown)", dir);
	p = end + 1;
	for (i = 0; i < sizeof(since) - 1 && p[i] > ' ' && p[i] < 0x7f; i++)
		since[i] = p[i];
	since[i] = '\0';
	if (i == 0)
		memcpy(since, "an unknown time", sizeof("an unknown time"));
	return sc_error_set(err, SC_ELOCKED,
	                    "another run holds the lock since %s (pid %lld)", since, pid);
}

static int
state_lock_take(struct state *st, struct sc_error *err)
{
	char path[PATH_MAX];
	char text[96];
	char now[32];
	int fd = -1;
	int rc = 0;
	int len;

	if ((size_t)snprintf(path, sizeof(path), "%s/lock", st->dir) >= sizeof(path))
		return sc_error_set(err, SC_EINVALID, "state directory name is too long");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = sc_error_set(err, SC_ERROR, "cannot open %s: %s", path,
		                  strerror(errno));
		goto done;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			rc = state_lock_busy(fd, st->dir, err);
		else
			rc = sc_error_set(err, SC_ERROR, "cannot lock %s: %s", path,
			                  strerror(errno));
		goto done;
	}
	state_time_iso(now, time(NULL));
	len = snprintf(text, sizeof(text), "%ld %s\n", (long)getpid(), now);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
		rc = sc_error_set(err, SC_ERROR, "cannot write %s: %s", path,
		                  strerror(errno));
		goto done;
	}
	st->lock_fd = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);   /* releases the flock if we had it */
	return rc;
}

/* ---- transactions ------------------------------------------------------- */

/* mdb_txn_begin; MDB_READERS_FULL -> clear stale readers, retry once.
 * Returns the MDB code (MDB_MAP_RESIZED is left to the caller). */
static int
state_txn_begin(struct state *st, unsigned int flags, MDB_txn **out)
{
	int dead = 0;
	int mrc;

	mrc = mdb_txn_begin(st->env, NULL, flags, out);
	if (mrc == MDB_READERS_FULL) {
		mdb_reader_check(st->env, &dead);
		mrc = mdb_txn_begin(st->env, NULL, flags, out);
	}
	return mrc;
}

/* Set the map size (0: adopt the size another process committed). The
 * caller holds write_mu, so no write txn is open; map_lock exclusive waits
 * out the read txns of other threads. */
static int
state_map_set(struct state *st, size_t size, struct sc_error *err)
{
	int mrc;

	pthread_rwlock_wrlock(&st->map_lock);
	mrc = mdb_env_set_mapsize(st->env, size);
	pthread_rwlock_unlock(&st->map_lock);
	if (mrc != 0)
		return state__mdb_error(err, mrc, "cannot resize the state map");
	return 0;
}

static int
state_map_grow(struct state *st, struct sc_error *err)
{
	MDB_envinfo info;
	size_t cur;
	size_t next;

	mdb_env_info(st->env, &info);
	cur = info.me_mapsize;
	if (cur >= st->map_max)
		return sc_error_set(err, SC_ENOSPACE,
		                    "state map is full (%zu KiB, limit %zu KiB)",
		                    cur >> 10, st->map_max >> 10);
	next = cur > st->map_max / 2 ? st->map_max : cur * 2;
	return state_map_set(st, next, err);
}

int
state_write(struct state *st, state_fn fn, void *ud, struct sc_error *err)
{
	struct state_txn t;
	MDB_txn *txn = NULL;
	int attempt;
	int frc;
	int mrc;
	int rc = 0;

	if (st->flags & STATE_RDONLY)
		return sc_error_set(err, SC_ENOTSUP, "state at %s is open read-only",
		                    st->dir);
	pthread_mutex_lock(&st->write_mu);
	for (attempt = 1; attempt <= STATE_WRITE_ATTEMPTS; attempt++) {
		st->map_full = 0;
		mrc = state_txn_begin(st, 0, &txn);
		if (mrc == MDB_MAP_RESIZED) {   /* another process grew it */
			rc = state_map_set(st, 0, err);
			if (rc < 0)
				goto done;
			continue;
		}
		if (mrc != 0) {
			rc = state__mdb_error(err, mrc, "cannot begin a write transaction");
			goto done;
		}
		memset(&t, 0, sizeof(t));
		t.st = st;
		t.txn = txn;
		t.rw = 1;
		t.err = err;
		frc = fn(&t, ud);
		if (frc < 0 || t.rc != 0) {
			mdb_txn_abort(txn);
			rc = frc < 0 ? frc : t.rc;
		} else {
			mrc = mdb_txn_commit(txn);
			if (mrc == MDB_MAP_FULL)
				st->map_full = 1;
			rc = mrc != 0 ? state__mdb_error(err, mrc, "cannot commit state") : 0;
		}
		txn = NULL;
		if (!st->map_full)
			goto done;
		if (attempt == STATE_WRITE_ATTEMPTS)
			break;
		rc = state_map_grow(st, err);
		if (rc < 0)
			goto done;
		sc_error_clear(err);
	}
	rc = sc_error_set(err, SC_ENOSPACE, "state map still full after %d attempts",
	                  STATE_WRITE_ATTEMPTS);
done:
	pthread_mutex_unlock(&st->write_mu);
	return rc;
}

int
state_read(struct state *st, state_fn fn, void *ud, struct sc_error *err)
{
	struct state_txn t;
	MDB_txn *txn = NULL;
	int attempt;
	int frc;
	int mrc;
	int rc = 0;

	for (attempt = 0;; attempt++) {
		pthread_rwlock_rdlock(&st->map_lock);
		mrc = state_txn_begin(st, MDB_RDONLY, &txn);
		if (mrc == 0)
			break;
		pthread_rwlock_unlock(&st->map_lock);
		if (mrc != MDB_MAP_RESIZED || attempt > 0)
			return state__mdb_error(err, mrc, "cannot begin a read transaction");
		/* Another process grew the map: adopt its size, once. */
		pthread_mutex_lock(&st->write_mu);
		rc = state_map_set(st, 0, err);
		pthread_mutex_unlock(&st->write_mu);
		if (rc < 0)
			return rc;
	}
	memset(&t, 0, sizeof(t));
	t.st = st;
	t.txn = txn;
	t.rw = 0;
	t.err = err;
	frc = fn(&t, ud);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&st->map_lock);
	return frc < 0 ? frc : t.rc;
}

/* ---- schema ------------------------------------------------------------- */

/* Read meta/"schema": *out = 0 when absent. */
static int
state_schema_get(struct state *st, MDB_txn *txn, long *out, struct sc_error *err)
{
	MDB_val key = { sizeof(STATE_SCHEMA_KEY) - 1, (void *)STATE_SCHEMA_KEY };
	MDB_val val = { 0, NULL };
	char text[24];
	char *end = NULL;
	long v;
	int mrc;

	*out = 0;
	if (!st->has_db[STATE_DB_META])
		return 0;
	mrc = mdb_get(txn, st->dbi[STATE_DB_META], &key, &val);
	if (mrc == MDB_NOTFOUND)
		return 0;
	if (mrc != 0)
		return state__mdb_error(err, mrc, "cannot read the state schema");
	if (val.mv_size == 0 || val.mv_size >= sizeof(text))
		goto bad;
	memcpy(text, val.mv_data, val.mv_size);
	text[val.mv_size] = '\0';
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || text[0] < '0' || text[0] > '9' || v < 1)
		goto bad;
	*out = v;
	return 0;
bad:
	return sc_error_set(err, SC_EMALFORMED, "state at %s: schema is not a version number",
	                    st->dir);
}

static int
state_schema_newer(long version, struct sc_error *err)
{
	return sc_error_set(err, SC_ENOTSUP,
	                    "state was written by a newer connector (schema %ld, this one knows %d)",
	                    version, STATE_SCHEMA_VERSION);
}

/* Bring the schema from `from` to STATE_SCHEMA_VERSION, one step at a
 * time, inside the open-time write txn (all or nothing). Each step vN ->
 * vN+1 gets its own case (and a state_migrate_vN+1() when it has work). */
static int
state_migrate(struct state_txn *t, long from)
{
	MDB_val key = { sizeof(STATE_SCHEMA_KEY) - 1, (void *)STATE_SCHEMA_KEY };
	MDB_val val;
	char text[24];
	long v;
	int mrc;

	for (v = from; v < STATE_SCHEMA_VERSION; v++) {
		switch (v) {
		case 0:   /* fresh: the databases were just created, empty */
			break;
		default:
			return state__txn_fail(t, sc_error_set(t->err, SC_ENOTSUP,
			        "no migration from state schema %ld", v));
		}
	}
	val.mv_size = (size_t)snprintf(text, sizeof(text), "%d", STATE_SCHEMA_VERSION);
	val.mv_data = text;
	mrc = mdb_put(t->txn, t->st->dbi[STATE_DB_META], &key, &val, 0);
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, "cannot write the state schema");
	return 0;
}

/* Open-time write txn: create the databases, check/migrate the schema. */
static int
state_init_fn(struct state_txn *t, void *ud)
{
	struct state *st = t->st;
	long version = 0;
	int mrc;
	int rc;
	int i;

	(void)ud;
	for (i = 0; i < STATE_DB_COUNT; i++) {
		mrc = mdb_dbi_open(t->txn, state__db_names[i], MDB_CREATE, &st->dbi[i]);
		if (mrc != 0)
			return state__txn_mdb_fail(t, mrc, "cannot create the state databases");
		st->has_db[i] = 1;
	}
	rc = state_schema_get(st, t->txn, &version, t->err);
	if (rc < 0)
		return state__txn_fail(t, rc);
	if (version > STATE_SCHEMA_VERSION)
		return state__txn_fail(t, state_schema_newer(version, t->err));
	if (version < STATE_SCHEMA_VERSION)
		return state_migrate(t, version);
	return 0;
}

/* Read-only open: look the databases up without creating them (absent
 * ones read as empty) and check the schema. The read txn is committed so
 * that the dbi handles stay open in the environment. */
static int
state_init_ro(struct state *st, struct sc_error *err)
{
	MDB_txn *txn = NULL;
	long version = 0;
	int mrc;
	int rc = 0;
	int i;

	mrc = state_txn_begin(st, MDB_RDONLY, &txn);
	if (mrc != 0) {
		txn = NULL;
		rc = state__mdb_error(err, mrc, "cannot begin a read transaction");
		goto done;
	}
	for (i = 0; i < STATE_DB_COUNT; i++) {
		mrc = mdb_dbi_open(txn, state__db_names[i], 0, &st->dbi[i]);
		if (mrc == MDB_NOTFOUND)
			continue;
		if (mrc != 0) {
			rc = state__mdb_error(err, mrc, "cannot open the state databases");
			goto done;
		}
		st->has_db[i] = 1;
	}
	rc = state_schema_get(st, txn, &version, err);
	if (rc < 0)
		goto done;
	if (version > STATE_SCHEMA_VERSION) {
		rc = state_schema_newer(version, err);
		goto done;
	}
	if (version != 0 && version < STATE_SCHEMA_VERSION) {
		rc = sc_error_set(err, SC_ENOTSUP,
		                  "state at %s has schema %ld and needs an upgrade (run sync first)",
		                  st->dir, version);
		goto done;
	}
	mrc = mdb_txn_commit(txn);
	txn = NULL;
	if (mrc != 0)
		rc = state__mdb_error(err, mrc, "cannot open the state databases");
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

/* ---- open / close ------------------------------------------------------- */

static size_t
state_round_page(size_t n, int up)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t p = pg > 0 ? (size_t)pg : 4096;

	if (up && n % p != 0 && n <= SIZE_MAX - p)
		n += p - n % p;
	else
		n -= n % p;
	return n;
}

static int
state_no_state(const char *dir, struct sc_error *err)
{
	return sc_error_set(err, SC_ENOTFOUND, "no state at %s (run sync first)", dir);
}

int
state_open(struct state **out, const char *dir, int flags,
           const struct state_opts *opts, struct sc_error *err)
{
	struct state *st = NULL;
	char path[PATH_MAX];
	struct stat sb;
	size_t map_initial = STATE_MAP_DEFAULT;
	size_t map_max = STATE_MAP_MAX_DEFAULT;
	unsigned int env_flags = MDB_NOTLS | MDB_NOMETASYNC;
	int rdonly = (flags & STATE_RDONLY) != 0;
	int mrc;
	int rc = 0;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return sc_error_set(err, SC_EINVALID, "no state directory given");
	if (rdonly && (flags & STATE_LOCK))
		return sc_error_set(err, SC_EINVALID,
		                    "a read-only state open takes no run lock");
	if (opts != NULL) {
		if (opts->map_initial != 0)
			map_initial = opts->map_initial;
		if (opts->map_max != 0)
			map_max = opts->map_max;
		if (opts->nosync)
			env_flags |= MDB_NOSYNC;
	}
	if (map_initial < STATE_MAP_FLOOR)
		map_initial = STATE_MAP_FLOOR;
	map_initial = state_round_page(map_initial, 1);
	map_max = state_round_page(map_max, 0);
	if (map_max < map_initial)
		map_max = map_initial;

	if (rdonly) {
		env_flags |= MDB_RDONLY;
		if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
			return sc_error_set(err, SC_EINVALID, "state directory name is too long");
		if (stat(path, &sb) != 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				return state_no_state(dir, err);
			return sc_error_set(err, SC_ERROR, "cannot stat %s: %s", path,
			                    strerror(errno));
		}
	} else {
		rc = state_dir_make(dir, err);
		if (rc < 0)
			return rc;
	}

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	st->lock_fd = -1;
	st->flags = flags;
	st->map_max = map_max;
	st->dir = strdup(dir);
	if (st->dir == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	if (pthread_mutex_init(&st->write_mu, NULL) != 0) {
		rc = sc_error_set(err, SC_ERROR, "cannot create the state mutex");
		goto done;
	}
	if (pthread_rwlock_init(&st->map_lock, NULL) != 0) {
		pthread_mutex_destroy(&st->write_mu);
		rc = sc_error_set(err, SC_ERROR, "cannot create the state map lock");
		goto done;
	}
	st->locks_ready = 1;

	if (flags & STATE_LOCK) {
		rc = state_lock_take(st, err);
		if (rc < 0)
			goto done;
	}

	mrc = mdb_env_create(&st->env);
	if (mrc == 0)
		mrc = mdb_env_set_maxdbs(st->env, STATE_MAXDBS);
	if (mrc == 0)
		mrc = mdb_env_set_mapsize(st->env, map_initial);
	if (mrc == 0)
		mrc = mdb_env_set_maxreaders(st->env, STATE_MAXREADERS);
	if (mrc == 0)
		mrc = mdb_env_open(st->env, dir, env_flags, 0600);
	if (mrc != 0) {
		if (rdonly && mrc == ENOENT) {
			rc = state_no_state(dir, err);
		} else {
			snprintf(path, sizeof(path), "cannot open the state at %s", dir);
			rc = state__mdb_error(err, mrc, path);
		}
		goto done;
	}

	if (rdonly)
		rc = state_init_ro(st, err);
	else
		rc = state_write(st, state_init_fn, NULL, err);
	if (rc < 0)
		goto done;

	*out = st;
	st = NULL;
done:
	state_close(st);
	return rc;
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	if (st->lock_fd >= 0)
		close(st->lock_fd);   /* releases the flock */
	if (st->locks_ready) {
		pthread_rwlock_destroy(&st->map_lock);
		pthread_mutex_destroy(&st->write_mu);
	}
	free(st->dir);
	free(st);
}

const char *
state_dir(const struct state *st)
{
	return st != NULL ? st->dir : NULL;
}

int
state_release_pages(struct state *st)
{
	char path[4096], line[4600];
	size_t plen;
	FILE *f;
	int rc = SC_ERROR;

	if (st == NULL)
		return SC_ERROR;
	plen = (size_t)snprintf(path, sizeof(path), "%s/data.mdb", st->dir);
	if (plen >= sizeof(path) || (f = fopen("/proc/self/maps", "r")) == NULL)
		return SC_ERROR;
	pthread_rwlock_wrlock(&st->map_lock);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char *p = line, *end = NULL;
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len < plen || strcmp(line + len - plen, path) != 0)
			continue;
		lo = strtoul(p, &end, 16);
		if (end == NULL || *end != '-')
			continue;
		hi = strtoul(end + 1, &end, 16);
		if (hi <= lo)
			continue;
		if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
			rc = 0;
	}
	pthread_rwlock_unlock(&st->map_lock);
	fclose(f);
	return rc;
}

