/*
 * test_state.c: the LMDB state store. Each test gets a fresh mkdtemp
 * directory (the state lives two levels below it, so mkdir -p is tested
 * too). Raw LMDB calls check what is really on disk and plant bad data.
 */
#define _XOPEN_SOURCE 700   /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "state/state.h"
#include "state/state_int.h"   /* state__mdb_error */

struct fx {
	char root[256];
	char dir[320];
	struct state *st;
	struct sc_error err;
	pid_t holder;   /* a lock-holding child, killed in teardown if still there */
};

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb; (void)type; (void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/test_state.XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->root) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/conn/a1/state", f->root);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int status;

	if (f->holder > 0) {
		kill(f->holder, SIGKILL);
		waitpid(f->holder, &status, 0);
	}
	state_close(f->st);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void
open_ok(struct fx *f, int flags, const struct state_opts *o)
{
	int rc = state_open(&f->st, f->dir, flags, o, &f->err);

	if (rc != 0)
		print_error("state_open: %d %s\n", rc, f->err.msg);
	assert_int_equal(rc, 0);
	assert_non_null(f->st);
}

static void
reopen(struct fx *f, int flags, const struct state_opts *o)
{
	state_close(f->st);
	f->st = NULL;
	open_ok(f, flags, o);
}

static void
binding_make(struct binding *b, char kind, const char *id, const char *erp_id)
{
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	state_strlcpy(b->id, id, sizeof(b->id));
	state_strlcpy(b->erp_type, "salesOrder", sizeof(b->erp_type));
	state_strlcpy(b->erp_id, erp_id, sizeof(b->erp_id));
	snprintf(b->external_id, sizeof(b->external_id), "AMZ-ORD-%s", id);
	b->status = BINDING_SYNCED;
	b->attempts = 1;
	b->first_seen = 1795161600;   /* 2026-11-20T08:00:00Z */
	b->updated = 1795161601;
	b->synced = 1795161602;
	b->hash[0] = 0xab;
	b->hash[31] = 0xcd;
}

/* ---- raw LMDB helpers (state must be closed) ----------------------------- */

static MDB_env *
raw_open(const char *dir)
{
	MDB_env *env = NULL;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	return env;
}

static void
raw_put(const char *dir, const char *db, const char *key, const void *val, size_t n)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key };
	MDB_val v = { n, (void *)val };

	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Copy the raw value of db/key into buf; returns its size. */
static size_t
raw_get(const char *dir, const char *db, const void *key, size_t klen,
        void *buf, size_t n)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = { klen, (void *)key };
	MDB_val v;

	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_true(v.mv_size <= n);
	memcpy(buf, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return v.mv_size;
}

/* ---- callbacks used by several tests ------------------------------------- */

struct kv { const char *a; const char *b; };

static int
put_bindings_fn(struct state_txn *t, void *ud)
{
	const struct kv *p = ud;   /* {kind as string, id}, ends with a NULL */
	struct binding b;

	for (; p->a != NULL; p++) {
		binding_make(&b, p->a[0], p->b, "100");
		state_binding_put(t, &b);
	}
	return 0;
}

static int
count_fn(struct state_txn *t, void *ud)
{
	size_t *n = ud;

	return state_count(t, "binding", n);
}

static size_t
binding_count(struct fx *f)
{
	size_t n = 99999;

	assert_int_equal(state_read(f->st, count_fn, &n, &f->err), 0);
	return n;
}

/* ---- open, close, schema ------------------------------------------------- */

static void
open_creates_the_directory_private_to_the_user(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	char path[400];

	open_ok(f, 0, NULL);
	assert_int_equal(stat(f->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_string_equal(state_dir(f->st), f->dir);
}

static int
write_some_fn(struct state_txn *t, void *ud)
{
	struct binding b;

	(void)ud;
	binding_make(&b, KIND_ORDER, "114-3941689-8772232", "4711");
	state_binding_put(t, &b);
	state_cursor_put(t, "orders", "2026-11-20T08:00:00Z");
	return 0;
}

static int
read_some_fn(struct state_txn *t, void *ud)
{
	struct binding b;
	char cur[64];

	(void)ud;
	assert_int_equal(state_binding_get(t, KIND_ORDER, "114-3941689-8772232", &b), 1);
	assert_string_equal(b.erp_id, "4711");
	assert_string_equal(b.external_id, "AMZ-ORD-114-3941689-8772232");
	assert_int_equal(b.first_seen, 1795161600);
	assert_int_equal(b.hash[0], 0xab);
	assert_int_equal(b.hash[31], 0xcd);
	assert_int_equal(state_cursor_get(t, "orders", cur, sizeof(cur)), 1);
	assert_string_equal(cur, "2026-11-20T08:00:00Z");
	return 0;
}

static void
data_survives_close_and_reopen(void **state)
{
	struct fx *f = *state;

	open_ok(f, STATE_LOCK, NULL);
	assert_int_equal(state_write(f->st, write_some_fn, NULL, &f->err), 0);
	reopen(f, STATE_LOCK, NULL);
	assert_int_equal(state_read(f->st, read_some_fn, NULL, &f->err), 0);
	reopen(f, STATE_RDONLY, NULL);
	assert_int_equal(state_read(f->st, read_some_fn, NULL, &f->err), 0);
}

static void
open_writes_schema_1_as_decimal_text(void **state)
{
	struct fx *f = *state;
	char v[16];

	open_ok(f, 0, NULL);
	state_close(f->st);
	f->st = NULL;
	assert_int_equal(raw_get(f->dir, "meta", "schema", 6, v, sizeof(v)), 1);
	assert_memory_equal(v, "1", 1);
}

static void
open_refuses_state_written_by_a_newer_schema(void **state)
{
	struct fx *f = *state;
	static const int modes[] = { 0, STATE_LOCK, STATE_RDONLY };
	size_t i;

	open_ok(f, 0, NULL);
	state_close(f->st);
	f->st = NULL;
	raw_put(f->dir, "meta", "schema", "99", 2);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(state_open(&f->st, f->dir, modes[i], NULL, &f->err),
		                 SC_ENOTSUP);
		assert_null(f->st);
		assert_string_equal(f->err.msg,
		        "state was written by a newer connector (schema 99, this one knows 1)");
	}
}

static void
open_refuses_a_schema_that_is_not_a_number(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	state_close(f->st);
	f->st = NULL;
	raw_put(f->dir, "meta", "schema", "1x", 2);
	assert_int_equal(state_open(&f->st, f->dir, 0, NULL, &f->err), SC_EMALFORMED);
}

static void
rdonly_open_of_a_missing_dir_is_not_found_and_creates_nothing(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	char want[400];

	assert_int_equal(state_open(&f->st, f->dir, STATE_RDONLY, NULL, &f->err),
	                 SC_ENOTFOUND);
	assert_null(f->st);
	snprintf(want, sizeof(want), "no state at %s (run sync first)", f->dir);
	assert_string_equal(f->err.msg, want);
	assert_int_not_equal(stat(f->dir, &sb), 0);
	/* An existing but empty directory has no state either. */
	assert_int_equal(state_open(&f->st, f->root, STATE_RDONLY, NULL, &f->err),
	                 SC_ENOTFOUND);
}

static void
rdonly_and_lock_together_are_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(state_open(&f->st, f->dir, STATE_RDONLY | STATE_LOCK, NULL,
	                            &f->err), SC_EINVALID);
	assert_null(f->st);
}

static int
put_one_fn(struct state_txn *t, void *ud)
{
	struct binding b;

	binding_make(&b, KIND_ORDER, ud, "1");
	return state_binding_put(t, &b);
}

static void
rdonly_state_refuses_writes(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	reopen(f, STATE_RDONLY, NULL);
	assert_int_equal(state_write(f->st, put_one_fn, "1", &f->err), SC_ENOTSUP);
}

static int
write_in_read_fn(struct state_txn *t, void *ud)
{
	int *rc = ud;

	rc[0] = put_one_fn(t, "1");
	rc[1] = state_cursor_put(t, "orders", "x");   /* sticky: same code */
	return 0;
}

static void
writes_inside_a_read_transaction_are_refused(void **state)
{
	struct fx *f = *state;
	int rc[2] = { 0, 0 };

	open_ok(f, 0, NULL);
	assert_int_equal(state_read(f->st, write_in_read_fn, rc, &f->err), SC_EINVALID);
	assert_int_equal(rc[0], SC_EINVALID);
	assert_int_equal(rc[1], SC_EINVALID);
}

/* ---- bindings ------------------------------------------------------------ */

static int
binding_crud_fn(struct state_txn *t, void *ud)
{
	struct binding b;
	struct binding got;

	(void)ud;
	assert_int_equal(state_binding_get(t, KIND_ORDER, "A1", &got), 0);
	binding_make(&b, KIND_ORDER, "A1", "501");
	assert_int_equal(state_binding_put(t, &b), 0);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(state_binding_get(t, KIND_ORDER, "A1", &got), 1);
	assert_int_equal(got.kind, 'O');
	assert_string_equal(got.id, "A1");
	assert_string_equal(got.order_id, "");
	assert_string_equal(got.erp_type, "salesOrder");
	assert_string_equal(got.erp_id, "501");
	assert_int_equal(got.status, BINDING_SYNCED);
	assert_int_equal(got.synced, 1795161602);
	/* Same id, other kind: a different record. */
	assert_int_equal(state_binding_get(t, KIND_REFUND, "A1", &got), 0);
	/* Overwrite. */
	b.status = BINDING_FAILED;
	b.attempts = 3;
	assert_int_equal(state_binding_put(t, &b), 0);
	assert_int_equal(state_binding_get(t, KIND_ORDER, "A1", &got), 1);
	assert_int_equal(got.status, BINDING_FAILED);
	assert_int_equal(got.attempts, 3);
	assert_int_equal(state_binding_del(t, KIND_ORDER, "A1"), 0);
	assert_int_equal(state_binding_get(t, KIND_ORDER, "A1", &got), 0);
	return 0;
}

static void
binding_put_get_overwrite_and_delete(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, binding_crud_fn, NULL, &f->err), 0);
	assert_int_equal(binding_count(f), 0);
}

static int
del_absent_fn(struct state_txn *t, void *ud)
{
	(void)ud;
	return state_binding_del(t, KIND_ORDER, "nobody");
}

static void
deleting_an_absent_binding_is_not_found(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, del_absent_fn, NULL, &f->err), SC_ENOTFOUND);
}

static int
bad_id_fn(struct state_txn *t, void *ud)
{
	struct binding b;

	(void)ud;
	binding_make(&b, KIND_ORDER, "x", "1");
	memset(b.id, 'x', sizeof(b.id));           /* no NUL: too long */
	assert_int_equal(state_binding_put(t, &b), SC_EINVALID);
	t->rc = 0;
	b.id[0] = '\0';                             /* empty */
	assert_int_equal(state_binding_put(t, &b), SC_EINVALID);
	t->rc = 0;
	binding_make(&b, 0, "x", "1");              /* no kind */
	assert_int_equal(state_binding_put(t, &b), SC_EINVALID);
	t->rc = 0;
	assert_int_equal(state_binding_get(t, KIND_ORDER, NULL, &b), SC_EINVALID);
	return 0;
}

static void
invalid_keys_are_refused(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, bad_id_fn, NULL, &f->err), SC_EINVALID);
	assert_int_equal(binding_count(f), 0);
}

struct seen {
	char ids[16][24];
	size_t n;
	size_t stop_after;   /* 0: never */
	int fail_with;       /* returned at stop_after instead of 1 */
};

static int
seen_binding(const struct binding *b, void *ud)
{
	struct seen *s = ud;

	assert_true(s->n < 16);
	snprintf(s->ids[s->n], sizeof(s->ids[0]), "%c/%s", b->kind, b->id);
	s->n++;
	if (s->stop_after != 0 && s->n == s->stop_after)
		return s->fail_with != 0 ? s->fail_with : 1;
	return 0;
}

struct each_req {
	char kind;
	struct seen *seen;
	int rc;
};

static int
each_fn(struct state_txn *t, void *ud)
{
	struct each_req *r = ud;

	r->rc = state_binding_each(t, r->kind, seen_binding, r->seen);
	return 0;
}

static void
bindings_iterate_in_key_order_within_a_kind(void **state)
{
	struct fx *f = *state;
	/* Shuffled on purpose; kinds sort as bytes: F(0x46) < O(0x4f) < R(0x52). */
	static const struct kv rows[] = {
		{ "O", "303" }, { "R", "303-r1" }, { "O", "101" }, { "F", "101-f" },
		{ "O", "202" }, { "R", "101-r1" }, { "E", "cm-9" }, { NULL, NULL }
	};
	static const char *const want_o[] = { "O/101", "O/202", "O/303" };
	static const char *const want_all[] = {
		"E/cm-9", "F/101-f", "O/101", "O/202", "O/303", "R/101-r1", "R/303-r1"
	};
	struct seen s;
	struct each_req r = { KIND_ORDER, &s, 0 };
	size_t i;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, put_bindings_fn, (void *)rows, &f->err), 0);

	memset(&s, 0, sizeof(s));
	assert_int_equal(state_read(f->st, each_fn, &r, &f->err), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(s.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(s.ids[i], want_o[i]);

	memset(&s, 0, sizeof(s));
	r.kind = 0;
	assert_int_equal(state_read(f->st, each_fn, &r, &f->err), 0);
	assert_int_equal(s.n, 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(s.ids[i], want_all[i]);

	/* A kind with no records visits nothing. */
	memset(&s, 0, sizeof(s));
	r.kind = KIND_SETTLEMENT;
	assert_int_equal(state_read(f->st, each_fn, &r, &f->err), 0);
	assert_int_equal(s.n, 0);
}

static void
iteration_stops_on_1_and_aborts_on_a_negative_return(void **state)
{
	struct fx *f = *state;
	static const struct kv rows[] = {
		{ "O", "1" }, { "O", "2" }, { "O", "3" }, { NULL, NULL }
	};
	struct seen s;
	struct each_req r = { KIND_ORDER, &s, 0 };

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, put_bindings_fn, (void *)rows, &f->err), 0);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(state_read(f->st, each_fn, &r, &f->err), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(s.n, 2);

	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	s.fail_with = SC_ECONFLICT;
	assert_int_equal(state_read(f->st, each_fn, &r, &f->err), SC_ECONFLICT);
	assert_int_equal(r.rc, SC_ECONFLICT);
	assert_int_equal(s.n, 1);
}

/* ---- stored bytes --------------------------------------------------------- */

static int
put_dirty_fn(struct state_txn *t, void *ud)
{
	struct binding b;

	(void)ud;
	memset(&b, 0xAA, sizeof(b));   /* garbage everywhere, padding included */
	b.kind = KIND_ORDER;
	memcpy(b.id, "Z9", 3);
	b.order_id[0] = '\0';
	b.erp_type[0] = '\0';
	b.erp_id[0] = '\0';
	b.external_id[0] = '\0';
	b.detail[0] = '\0';
	return state_binding_put(t, &b);
}

static void
stored_binding_has_version_byte_and_no_stray_bytes(void **state)
{
	struct fx *f = *state;
	unsigned char v[2048];
	unsigned char enc[2048];
	size_t n, o;
	size_t i;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, put_dirty_fn, NULL, &f->err), 0);
	state_close(f->st);
	f->st = NULL;
	n = raw_get(f->dir, "binding", "OZ9", 3, enc, sizeof(enc));
	/* Version 2: the bytes with zero runs as (0x00, length); decoded here
	 * independently of the store's own decoder. */
	assert_int_equal(enc[0], 2);
	assert_true(n < sizeof(struct binding) / 4);   /* padding compressed away */
	v[0] = enc[0];
	for (i = 1, o = 1; i < n; ) {
		if (enc[i] != 0) {
			v[o++] = enc[i++];
		} else {
			assert_true(i + 1 < n && enc[i + 1] > 0);
			memset(v + o, 0, enc[i + 1]);
			o += enc[i + 1];
			i += 2;
		}
	}
	assert_int_equal(o, 1 + sizeof(struct binding));
	/* After "Z9\0" the id field is zero, and so is every string field. */
	for (i = offsetof(struct binding, id) + 3; i < offsetof(struct binding, order_id); i++)
		assert_int_equal(v[1 + i], 0);
	for (i = offsetof(struct binding, order_id); i < offsetof(struct binding, hash); i++)
		assert_int_equal(v[1 + i], 0);
	/* The padding between kind and the next field: kind is 1 byte, id is
	 * char[] (no padding); between external_id+hash and status there may be
	 * padding: every byte that is not a field must be 0. */
	for (i = offsetof(struct binding, hash) + 32; i < offsetof(struct binding, status); i++)
		assert_int_equal(v[1 + i], 0);
	for (i = offsetof(struct binding, attempts) + 4; i < offsetof(struct binding, first_seen); i++)
		assert_int_equal(v[1 + i], 0);
	for (i = offsetof(struct binding, detail); i < offsetof(struct binding, amount); i++)
		assert_int_equal(v[1 + i], 0);
	/* Appended fields: the currency string's bytes past its NUL are zero,
	 * and so is any padding before exponent or after it. */
	for (i = offsetof(struct binding, currency) + strnlen((const char *)v + 1 +
	         offsetof(struct binding, currency), 4) + 1;
	     i < offsetof(struct binding, exponent); i++)
		assert_int_equal(v[1 + i], 0);
	for (i = offsetof(struct binding, exponent) + 4; i < sizeof(struct binding); i++)
		assert_int_equal(v[1 + i], 0);
}

static int
get_corrupt_fn(struct state_txn *t, void *ud)
{
	struct binding b;
	struct each_req *r = ud;

	assert_int_equal(state_binding_get(t, KIND_ORDER, "123", &b), SC_EMALFORMED);
	assert_string_equal(t->err->msg, "binding O/123: unknown record layout");
	/* Sticky: the iteration does nothing and returns the same code. */
	assert_int_equal(state_binding_each(t, 0, seen_binding, r->seen), SC_EMALFORMED);
	assert_int_equal(r->seen->n, 0);
	return 0;
}

static void
a_corrupted_value_reads_as_malformed(void **state)
{
	struct fx *f = *state;
	unsigned char wrong_version[1 + sizeof(struct binding)];
	struct seen s;
	struct each_req r = { 0, &s, 0 };

	open_ok(f, 0, NULL);
	state_close(f->st);
	f->st = NULL;
	raw_put(f->dir, "binding", "O123", "\x01\x02\x03", 3);
	open_ok(f, 0, NULL);
	memset(&s, 0, sizeof(s));
	assert_int_equal(state_read(f->st, get_corrupt_fn, &r, &f->err), SC_EMALFORMED);

	/* Right size, unknown version byte. */
	state_close(f->st);
	f->st = NULL;
	memset(wrong_version, 0, sizeof(wrong_version));
	wrong_version[0] = 2;
	raw_put(f->dir, "binding", "O123", wrong_version, sizeof(wrong_version));
	open_ok(f, STATE_RDONLY, NULL);
	memset(&s, 0, sizeof(s));
	assert_int_equal(state_read(f->st, get_corrupt_fn, &r, &f->err), SC_EMALFORMED);
}

/* ---- failures and intents ------------------------------------------------- */

static int
failure_fn(struct state_txn *t, void *ud)
{
	struct failure fl;
	struct failure got;

	(void)ud;
	memset(&fl, 0, sizeof(fl));
	fl.kind = KIND_REFUND;
	state_strlcpy(fl.id, "114-3941689-8772232-r1", sizeof(fl.id));
	state_strlcpy(fl.phase, "refunds", sizeof(fl.phase));
	fl.fclass = FAILURE_PERMANENT;
	fl.code = SC_EINVALID;
	fl.http_status = 400;
	state_strlcpy(fl.message, "ERP refused the cash refund", sizeof(fl.message));
	state_strlcpy(fl.remote, "Invalid \"item\" reference key 42.", sizeof(fl.remote));
	fl.attempts = 2;
	fl.first = 1795161600;
	fl.last = 1795165200;
	fl.next_retry = 0;
	assert_int_equal(state_failure_get(t, KIND_REFUND, fl.id, &got), 0);
	assert_int_equal(state_failure_put(t, &fl), 0);
	assert_int_equal(state_failure_get(t, KIND_REFUND, fl.id, &got), 1);
	assert_int_equal(got.kind, 'R');
	assert_string_equal(got.phase, "refunds");
	assert_int_equal(got.fclass, FAILURE_PERMANENT);
	assert_int_equal(got.code, SC_EINVALID);
	assert_int_equal(got.http_status, 400);
	assert_string_equal(got.message, "ERP refused the cash refund");
	assert_string_equal(got.remote, "Invalid \"item\" reference key 42.");
	assert_int_equal(got.attempts, 2);
	assert_int_equal(got.last, 1795165200);
	assert_int_equal(state_failure_del(t, KIND_ORDER, "absent"), 0);
	return 0;
}

static int
count_failure(const struct failure *fl, void *ud)
{
	(void)fl;
	(*(size_t *)ud)++;
	return 0;
}

struct del_ctx { struct state_txn *t; size_t n; };

static int
delete_visited_failure(const struct failure *fl, void *ud)
{
	struct del_ctx *c = ud;

	c->n++;
	return state_failure_del(c->t, fl->kind, fl->id);
}

static int
failure_each_fn(struct state_txn *t, void *ud)
{
	size_t *out = ud;
	struct del_ctx c = { t, 0 };
	size_t n = 0;
	struct failure fl;
	const char *ids[] = { "a", "b", "c", "d" };
	size_t i;

	memset(&fl, 0, sizeof(fl));
	for (i = 0; i < 4; i++) {
		fl.kind = i < 3 ? KIND_ORDER : KIND_REFUND;
		state_strlcpy(fl.id, ids[i], sizeof(fl.id));
		state_failure_put(t, &fl);
	}
	assert_int_equal(state_failure_each(t, KIND_ORDER, count_failure, &n), 0);
	assert_int_equal(n, 3);
	/* Deleting the record being visited does not skip or repeat any. */
	assert_int_equal(state_failure_each(t, KIND_ORDER, delete_visited_failure, &c), 0);
	assert_int_equal(c.n, 3);
	return state_count(t, "failure", out);
}

static void
failure_round_trip_and_delete_while_iterating(void **state)
{
	struct fx *f = *state;
	size_t n = 99;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, failure_fn, NULL, &f->err), 0);
	assert_int_equal(state_write(f->st, failure_each_fn, &n, &f->err), 0);
	assert_int_equal(n, 2);   /* R/d and the refund failure of failure_fn */
}

static int
collect_intent(const struct intent *in, void *ud)
{
	struct intent *out = ud;
	size_t i;

	for (i = 0; out[i].kind != 0; i++)
		;
	out[i] = *in;
	return 0;
}

static int
intent_fn(struct state_txn *t, void *ud)
{
	struct intent in;
	struct intent got[4];
	size_t n = 0;

	(void)ud;
	memset(&in, 0, sizeof(in));
	memset(got, 0, sizeof(got));
	in.kind = KIND_ERP_REFUND;
	state_strlcpy(in.id, "cm-77", sizeof(in.id));
	state_strlcpy(in.op, "feed", sizeof(in.op));
	state_strlcpy(in.erp_type, "creditMemo", sizeof(in.erp_type));
	state_strlcpy(in.external_id, "AMZ-RFD-1-2", sizeof(in.external_id));
	in.created = 1795161600;
	assert_int_equal(state_intent_put(t, &in), 0);
	in.kind = KIND_ORDER;
	state_strlcpy(in.id, "114-1", sizeof(in.id));
	state_strlcpy(in.op, "upsert", sizeof(in.op));
	assert_int_equal(state_intent_put(t, &in), 0);
	assert_int_equal(state_intent_each(t, collect_intent, got), 0);
	assert_int_equal(got[0].kind, 'E');   /* E < O */
	assert_string_equal(got[0].id, "cm-77");
	assert_string_equal(got[0].op, "feed");
	assert_string_equal(got[0].erp_type, "creditMemo");
	assert_string_equal(got[0].external_id, "AMZ-RFD-1-2");
	assert_int_equal(got[0].created, 1795161600);
	assert_int_equal(got[1].kind, 'O');
	assert_string_equal(got[1].op, "upsert");
	assert_int_equal(got[2].kind, 0);
	assert_int_equal(state_intent_del(t, KIND_ERP_REFUND, "cm-77"), 0);
	assert_int_equal(state_intent_del(t, KIND_ERP_REFUND, "cm-77"), 0);  /* absent: fine */
	assert_int_equal(state_count(t, "intent", &n), 0);
	assert_int_equal(n, 1);
	return 0;
}

static void
intent_put_iterate_and_delete(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, intent_fn, NULL, &f->err), 0);
}

/* ---- cursors ---------------------------------------------------------------- */

static int
cursor_fn(struct state_txn *t, void *ud)
{
	char buf[64];

	(void)ud;
	assert_int_equal(state_cursor_get(t, "orders", buf, sizeof(buf)), 0);
	assert_int_equal(state_cursor_put(t, "orders", "2026-11-20T08:00:00Z"), 0);
	assert_int_equal(state_cursor_get(t, "orders", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "2026-11-20T08:00:00Z");
	/* 20 characters + NUL fit exactly in 21 bytes. */
	assert_int_equal(state_cursor_get(t, "orders", buf, 21), 1);
	assert_string_equal(buf, "2026-11-20T08:00:00Z");
	/* a deleted cursor is absent; deleting an absent one is fine */
	assert_int_equal(state_cursor_put(t, "rewind/F/1", "v2;x"), 0);
	assert_int_equal(state_cursor_del(t, "rewind/F/1"), 0);
	assert_int_equal(state_cursor_get(t, "rewind/F/1", buf, sizeof(buf)), 0);
	assert_int_equal(state_cursor_del(t, "rewind/F/1"), 0);
	assert_int_equal(state_cursor_get(t, "orders", buf, sizeof(buf)), 1);
	return 0;
}

static int
cursor_small_fn(struct state_txn *t, void *ud)
{
	char buf[20];

	(void)ud;
	assert_int_equal(state_cursor_get(t, "orders", buf, sizeof(buf)), SC_ENOSPACE);
	return 0;
}

static void
cursor_put_get_and_too_small_buffer(void **state)
{
	struct fx *f = *state;
	char raw[64];
	size_t n;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, cursor_fn, NULL, &f->err), 0);
	assert_int_equal(state_read(f->st, cursor_small_fn, NULL, &f->err), SC_ENOSPACE);
	state_close(f->st);
	f->st = NULL;
	n = raw_get(f->dir, "cursor", "orders", 6, raw, sizeof(raw));
	assert_int_equal(n, 20);   /* no NUL stored */
}

/* ---- sticky errors, aborts -------------------------------------------------- */

static int
sticky_fn(struct state_txn *t, void *ud)
{
	int *rcs = ud;
	struct binding b;

	binding_make(&b, KIND_ORDER, "first", "1");
	rcs[0] = state_binding_put(t, &b);
	rcs[1] = state_binding_del(t, KIND_ORDER, "not-there");   /* fails */
	binding_make(&b, KIND_ORDER, "second", "2");
	rcs[2] = state_binding_put(t, &b);                        /* no-op */
	rcs[3] = state_cursor_put(t, "orders", "x");              /* no-op */
	return 0;   /* the callback ignores it: the txn still aborts */
}

static void
a_failing_call_makes_later_calls_noops_and_aborts(void **state)
{
	struct fx *f = *state;
	int rcs[4] = { 1, 1, 1, 1 };

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, sticky_fn, rcs, &f->err), SC_ENOTFOUND);
	assert_int_equal(rcs[0], 0);
	assert_int_equal(rcs[1], SC_ENOTFOUND);
	assert_int_equal(rcs[2], SC_ENOTFOUND);
	assert_int_equal(rcs[3], SC_ENOTFOUND);
	assert_int_equal(binding_count(f), 0);   /* "first" was rolled back */
}

static int
put_then_fail_fn(struct state_txn *t, void *ud)
{
	put_one_fn(t, ud);
	return SC_ECONFLICT;
}

static void
a_negative_callback_return_aborts_and_is_returned(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, put_then_fail_fn, "1", &f->err), SC_ECONFLICT);
	assert_int_equal(binding_count(f), 0);
}

/* ---- map growth ------------------------------------------------------------- */

struct bulk { int n; int calls; const char *prefix; };

static int
bulk_fn(struct state_txn *t, void *ud)
{
	struct bulk *bk = ud;
	struct binding b;
	char id[64];
	int i;

	bk->calls++;
	for (i = 0; i < bk->n && t->rc == 0; i++) {
		snprintf(id, sizeof(id), "%s114-%07d-%07d", bk->prefix, i, bk->n - i);
		binding_make(&b, KIND_ORDER, id, "9");
		state_strlcpy(b.detail, "waiting for the order to be synced first",
		              sizeof(b.detail));
		state_binding_put(t, &b);
	}
	return 0;
}

static int
get_short_fn(struct state_txn *t, void *ud)
{
	struct binding b;

	(void)ud;
	assert_int_equal(state_binding_get(t, KIND_ORDER, "OLD1", &b), 1);
	assert_string_equal(b.erp_id, "77");
	assert_int_equal(b.amount, 0);
	assert_string_equal(b.currency, "");
	assert_int_equal(state_binding_get(t, KIND_ORDER, "TOOSHORT", &b), SC_EMALFORMED);
	return 0;
}

static void
a_binding_written_before_amounts_existed_reads_with_them_zero(void **state)
{
	struct fx *f = *state;
	struct binding old;
	unsigned char v[1 + sizeof(struct binding)];
	size_t oldsize = offsetof(struct binding, amount);
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, val;

	open_ok(f, 0, NULL);
	state_close(f->st);
	f->st = NULL;
	/* The first layout, as version 1 (uncompressed) bytes. */
	memset(&old, 0, sizeof(old));
	old.kind = KIND_ORDER;
	memcpy(old.id, "OLD1", 5);
	memcpy(old.erp_id, "77", 3);
	v[0] = 1;
	memcpy(v + 1, &old, oldsize);
	env = raw_open(f->dir);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "binding", 0, &dbi), 0);
	k.mv_data = "OOLD1";
	k.mv_size = 5;
	val.mv_data = v;
	val.mv_size = 1 + oldsize;
	assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
	k.mv_data = "OTOOSHORT";
	k.mv_size = 9;
	val.mv_size = 1 + oldsize - 8;
	assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	open_ok(f, STATE_RDONLY, NULL);
	assert_int_equal(state_read(f->st, get_short_fn, NULL, &f->err), SC_EMALFORMED);
}

static void
map_full_grows_the_map_and_retries(void **state)
{
	struct fx *f = *state;
	struct state_opts o = { 64 << 10, 0, 1 };   /* 64 KiB */
	struct bulk bk = { 5000, 0, "" };
	MDB_env *env = NULL;
	MDB_envinfo info;

	open_ok(f, 0, &o);
	if (state_write(f->st, bulk_fn, &bk, &f->err) != 0)
		fail_msg("state_write: %s (after %d calls)", f->err.msg, bk.calls);
	assert_true(bk.calls > 1);   /* at least one MAP_FULL + retry */
	assert_true(bk.calls <= 8);
	assert_int_equal(binding_count(f), 5000);
	state_close(f->st);
	f->st = NULL;
	/* The committed map size: 64 KiB doubled k times (k = calls - 1),
	 * large enough for 5,000 records (over 512 KiB even compressed). */
	env = raw_open(f->dir);
	assert_int_equal(mdb_env_info(env, &info), 0);
	mdb_env_close(env);
	assert_true(info.me_mapsize >= (size_t)512 << 10);
	assert_int_equal(info.me_mapsize, (size_t)(64 << 10) << (bk.calls - 1));
	assert_int_equal(info.me_mapsize % (64 << 10), 0);
	assert_int_equal((info.me_mapsize / (64 << 10)) & (info.me_mapsize / (64 << 10) - 1), 0);
	/* Reopen with the default size and read one back. */
	open_ok(f, STATE_RDONLY, NULL);
	assert_int_equal(binding_count(f), 5000);
}

static void
map_full_at_map_max_is_enospace_and_commits_nothing(void **state)
{
	struct fx *f = *state;
	struct state_opts o = { 64 << 10, 256 << 10, 1 };
	struct bulk bk = { 5000, 0, "" };

	open_ok(f, 0, &o);
	assert_int_equal(state_write(f->st, bulk_fn, &bk, &f->err), SC_ENOSPACE);
	assert_non_null(strstr(f->err.msg, "state map is full"));
	assert_int_equal(bk.calls, 3);   /* 64, 128, 256 KiB */
	assert_int_equal(binding_count(f), 0);
	/* Still usable for small writes. */
	assert_int_equal(state_write(f->st, put_one_fn, "1", &f->err), 0);
	assert_int_equal(binding_count(f), 1);
}

struct worker { struct state *st; int id; int rc; };

static void *
writer_main(void *arg)
{
	struct worker *w = arg;
	struct sc_error err;
	char prefix[16];
	struct bulk bk = { 50, 0, prefix };
	int i;

	for (i = 0; i < 10 && w->rc == 0; i++) {
		snprintf(prefix, sizeof(prefix), "w%d-%d-", w->id, i);
		w->rc = state_write(w->st, bulk_fn, &bk, &err);
	}
	return NULL;
}

static void *
reader_main(void *arg)
{
	struct worker *w = arg;
	struct sc_error err;
	size_t n;
	int i;

	for (i = 0; i < 300 && w->rc == 0; i++)
		w->rc = state_read(w->st, count_fn, &n, &err);
	return NULL;
}

static void
threads_write_and_read_while_the_map_grows(void **state)
{
	struct fx *f = *state;
	struct state_opts o = { 64 << 10, 0, 1 };
	pthread_t th[6];
	struct worker w[6];
	int i;

	open_ok(f, 0, &o);
	for (i = 0; i < 6; i++) {
		w[i].st = f->st;
		w[i].id = i;
		w[i].rc = 0;
		assert_int_equal(pthread_create(&th[i], NULL, i < 4 ? writer_main : reader_main,
		                                &w[i]), 0);
	}
	for (i = 0; i < 6; i++)   /* join all before any assert can jump out */
		pthread_join(th[i], NULL);
	for (i = 0; i < 6; i++)
		assert_int_equal(w[i].rc, 0);
	assert_int_equal(binding_count(f), 4 * 10 * 50);
}

/* ---- run lock ----------------------------------------------------------- */

/* In a child: state_open(dir, flags) and report rc and message on fd. */
static void
child_open_report(const char *dir, int flags, int fd)
{
	struct state *st = NULL;
	struct sc_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = state_open(&st, dir, flags, NULL, &err);
	if (write(fd, &rc, sizeof(rc)) != sizeof(rc) ||
	    write(fd, err.msg, sizeof(err.msg)) != sizeof(err.msg))
		_exit(3);
	_exit(0);
}

static int
run_child_open(const char *dir, int flags, char msg[SC_ERROR_MSG_MAX])
{
	int p[2];
	int rc = 12345;
	int status = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_open_report(dir, flags, p[1]);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &rc, sizeof(rc)), sizeof(rc));
	assert_int_equal(read(p[0], msg, SC_ERROR_MSG_MAX), SC_ERROR_MSG_MAX);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return rc;
}

static void
assert_lock_message(const char *msg, long pid)
{
	const char *p = strstr(msg, "another run holds the lock since ");
	char want[64];
	int i;

	assert_non_null(p);
	p += strlen("another run holds the lock since ");
	/* YYYY-MM-DDTHH:MM:SSZ */
	for (i = 0; i < 20; i++) {
		if (i == 4 || i == 7)
			assert_int_equal(p[i], '-');
		else if (i == 10)
			assert_int_equal(p[i], 'T');
		else if (i == 13 || i == 16)
			assert_int_equal(p[i], ':');
		else if (i == 19)
			assert_int_equal(p[i], 'Z');
		else
			assert_true(p[i] >= '0' && p[i] <= '9');
	}
	snprintf(want, sizeof(want), " (pid %ld)", pid);
	assert_string_equal(p + 20, want);
}

static void
a_second_locked_open_from_another_process_is_refused(void **state)
{
	struct fx *f = *state;
	char msg[SC_ERROR_MSG_MAX];

	open_ok(f, STATE_LOCK, NULL);
	assert_int_equal(run_child_open(f->dir, STATE_LOCK, msg), SC_ELOCKED);
	assert_lock_message(msg, (long)getpid());
}

static void
the_lock_is_released_by_state_close(void **state)
{
	struct fx *f = *state;
	char msg[SC_ERROR_MSG_MAX];

	open_ok(f, STATE_LOCK, NULL);
	state_close(f->st);
	f->st = NULL;
	assert_int_equal(run_child_open(f->dir, STATE_LOCK, msg), 0);
	open_ok(f, STATE_LOCK, NULL);
}

/* A child that takes the lock, says so through a pipe, and waits to be
 * killed (by the test, by teardown, or when this process dies). */
static pid_t
spawn_lock_holder(struct fx *f)
{
	struct state *st = NULL;
	struct sc_error err;
	int p[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		c = state_open(&st, f->dir, STATE_LOCK, NULL, &err) == 0 ? 'k' : 'x';
		if (write(p[1], &c, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	f->holder = pid;
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(c, 'k');
	return pid;
}

static void
kill_holder(struct fx *f)
{
	pid_t pid = f->holder;
	int status = 0;

	f->holder = 0;
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
}

static void
the_lock_is_released_when_its_holder_is_killed(void **state)
{
	struct fx *f = *state;
	pid_t pid;

	pid = spawn_lock_holder(f);
	assert_int_equal(state_open(&f->st, f->dir, STATE_LOCK, NULL, &f->err), SC_ELOCKED);
	assert_lock_message(f->err.msg, (long)pid);
	kill_holder(f);
	open_ok(f, STATE_LOCK, NULL);
}

static void
rdonly_open_works_while_another_process_holds_the_lock(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_write(f->st, write_some_fn, NULL, &f->err), 0);
	state_close(f->st);
	f->st = NULL;
	spawn_lock_holder(f);
	open_ok(f, STATE_RDONLY, NULL);
	assert_int_equal(state_read(f->st, read_some_fn, NULL, &f->err), 0);
	kill_holder(f);
}

/* ---- small pieces ------------------------------------------------------- */

static int
count_unknown_fn(struct state_txn *t, void *ud)
{
	size_t n = 7;

	(void)ud;
	assert_int_equal(state_count(t, "idmap", &n), SC_EINVALID);
	assert_int_equal(n, 0);
	return 0;
}

static void
counting_an_unknown_database_is_invalid(void **state)
{
	struct fx *f = *state;

	open_ok(f, 0, NULL);
	assert_int_equal(state_read(f->st, count_unknown_fn, NULL, &f->err), SC_EINVALID);
}

static void
strlcpy_truncates_and_always_terminates(void **state)
{
	static const struct {
		const char *src;
		size_t n;
		const char *want;
	} cases[] = {
		{ "abc", 4, "abc" },
		{ "abcd", 4, "abc" },
		{ "", 1, "" },
		{ "abc", 1, "" },
		{ "ab\xc3\xa9", 4, "ab" },          /* é not cut in half */
		{ "ab\xc3\xa9", 5, "ab\xc3\xa9" },
		{ "\xe2\x82\xac" "1", 4, "\xe2\x82\xac" },   /* € kept whole */
		{ "\xe2\x82\xac" "1", 3, "" },
	};
	char buf[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		state_strlcpy(buf, cases[i].src, cases[i].n);
		assert_string_equal(buf, cases[i].want);
	}
	state_strlcpy(buf, NULL, sizeof(buf));
	assert_string_equal(buf, "");
}

static void
mdb_codes_map_to_sc_codes(void **state)
{
	static const struct { int mdb; int sc; } cases[] = {
		{ MDB_NOTFOUND, SC_ENOTFOUND },
		{ MDB_MAP_FULL, SC_ENOSPACE },
		{ MDB_CORRUPTED, SC_EMALFORMED },
		{ MDB_INVALID, SC_EMALFORMED },
		{ MDB_VERSION_MISMATCH, SC_EMALFORMED },
		{ MDB_READERS_FULL, SC_ERROR },
		{ EIO, SC_ERROR },
	};
	struct sc_error err;
	char want[SC_ERROR_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(state__mdb_error(&err, cases[i].mdb, "put"), cases[i].sc);
		assert_int_equal(err.code, cases[i].sc);
		snprintf(want, sizeof(want), "put: %s", mdb_strerror(cases[i].mdb));
		assert_string_equal(err.msg, want);
	}
	assert_int_equal(state__mdb_error(&err, MDB_SUCCESS, "put"), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(open_creates_the_directory_private_to_the_user),
		T(data_survives_close_and_reopen),
		T(open_writes_schema_1_as_decimal_text),
		T(open_refuses_state_written_by_a_newer_schema),
		T(open_refuses_a_schema_that_is_not_a_number),
		T(rdonly_open_of_a_missing_dir_is_not_found_and_creates_nothing),
		T(rdonly_and_lock_together_are_refused),
		T(rdonly_state_refuses_writes),
		T(writes_inside_a_read_transaction_are_refused),
		T(binding_put_get_overwrite_and_delete),
		T(deleting_an_absent_binding_is_not_found),
		T(invalid_keys_are_refused),
		T(bindings_iterate_in_key_order_within_a_kind),
		T(iteration_stops_on_1_and_aborts_on_a_negative_return),
		T(stored_binding_has_version_byte_and_no_stray_bytes),
		T(a_binding_written_before_amounts_existed_reads_with_them_zero),
		T(a_corrupted_value_reads_as_malformed),
		T(failure_round_trip_and_delete_while_iterating),
		T(intent_put_iterate_and_delete),
		T(cursor_put_get_and_too_small_buffer),
		T(a_failing_call_makes_later_calls_noops_and_aborts),
		T(a_negative_callback_return_aborts_and_is_returned),
		T(map_full_grows_the_map_and_retries),
		T(map_full_at_map_max_is_enospace_and_commits_nothing),
		T(threads_write_and_read_while_the_map_grows),
		T(a_second_locked_open_from_another_process_is_refused),
		T(the_lock_is_released_by_state_close),
		T(the_lock_is_released_when_its_holder_is_killed),
		T(rdonly_open_works_while_another_process_holds_the_lock),
		T(counting_an_unknown_database_is_invalid),
		T(strlcpy_truncates_and_always_terminates),
		T(mdb_codes_map_to_sc_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
