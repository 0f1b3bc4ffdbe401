/*
 * state_record.c: keys, fixed-layout records, cursors, iteration, counts.
 *
 * Key: the kind byte, then the id bytes (no NUL), so that all records of
 * one kind are adjacent and a prefix scan finds them (Knot).
 * Value: STATE_RECORD_V2, then the struct's bytes with zero runs
 * compressed (V1, uncompressed, still reads). The struct is rebuilt
 * field by field in a zeroed copy before it is stored, so no padding or
 * bytes past a string's NUL reach the disk; on read the size and version
 * must match exactly, else SC_EMALFORMED.
 */
#include "state/state.h"
#include "state/state_int.h"

#include <stddef.h>
#include <string.h>

#define STATE_RECORD_V1 1   /* the struct's bytes as they are (still read) */
#define STATE_RECORD_V2 2   /* the same bytes, zero runs compressed (written) */
#define STATE_KEY_MAX 511   /* LMDB's default maximum key size */

union state_rec {
	struct binding b;
	struct failure f;
	struct intent in;
	struct settlement_state s;
};

struct state_rec_type {
	const char *name;      /* "binding", ... (messages) */
	enum state_db db;
	size_t size;
	size_t min_size;       /* the first layout's size: shorter is malformed */
	void (*terminate)(union state_rec *r);   /* NUL-terminate strings read back */
};

/* ---- strings ------------------------------------------------------------ */

void
state_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len;

	if (n == 0)
		return;
	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	len = strnlen(src, n);
	if (len >= n) {
		len = n - 1;
		/* Do not cut a UTF-8 sequence in half. */
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memmove(dst, src, len);
	dst[len] = '\0';
}

#define FIELD_COPY(dst, src, f) state_strlcpy((dst)->f, (src)->f, sizeof((dst)->f))
#define FIELD_END(r, f) ((r)->f[sizeof((r)->f) - 1] = '\0')

/* ---- record layouts ----------------------------------------------------- */

static void
binding_canon(struct binding *dst, const struct binding *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	FIELD_COPY(dst, src, id);
	FIELD_COPY(dst, src, order_id);
	FIELD_COPY(dst, src, erp_type);
	FIELD_COPY(dst, src, erp_id);
	FIELD_COPY(dst, src, external_id);
	memcpy(dst->hash, src->hash, sizeof(dst->hash));
	dst->status = src->status;
	dst->attempts = src->attempts;
	dst->first_seen = src->first_seen;
	dst->updated = src->updated;
	dst->synced = src->synced;
	FIELD_COPY(dst, src, detail);
	dst->amount = src->amount;
	FIELD_COPY(dst, src, currency);
	dst->exponent = src->exponent;
}

static void
binding_terminate(union state_rec *r)
{
	FIELD_END(&r->b, id);
	FIELD_END(&r->b, order_id);
	FIELD_END(&r->b, erp_type);
	FIELD_END(&r->b, erp_id);
	FIELD_END(&r->b, external_id);
	FIELD_END(&r->b, detail);
	FIELD_END(&r->b, currency);
}

static void
failure_canon(struct failure *dst, const struct failure *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	FIELD_COPY(dst, src, id);
	FIELD_COPY(dst, src, phase);
	dst->fclass = src->fclass;
	dst->code = src->code;
	dst->http_status = src->http_status;
	FIELD_COPY(dst, src, message);
	FIELD_COPY(dst, src, remote);
	dst->attempts = src->attempts;
	dst->first = src->first;
	dst->last = src->last;
	dst->next_retry = src->next_retry;
}

static void
failure_terminate(union state_rec *r)
{
	FIELD_END(&r->f, id);
	FIELD_END(&r->f, phase);
	FIELD_END(&r->f, message);
	FIELD_END(&r->f, remote);
}

static void
intent_canon(struct intent *dst, const struct intent *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	FIELD_COPY(dst, src, id);
	FIELD_COPY(dst, src, op);
	FIELD_COPY(dst, src, erp_type);
	FIELD_COPY(dst, src, external_id);
	dst->created = src->created;
}

static void
intent_terminate(union state_rec *r)
{
	FIELD_END(&r->in, id);
	FIELD_END(&r->in, op);
	FIELD_END(&r->in, erp_type);
	FIELD_END(&r->in, external_id);
}

static void
settlement_canon(struct settlement_state *dst, const struct settlement_state *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	FIELD_COPY(dst, src, id);
	FIELD_COPY(dst, src, report_id);
	dst->status = src->status;
	FIELD_COPY(dst, src, currency);
	dst->exponent = src->exponent;
	dst->start = src->start;
	dst->end = src->end;
	dst->deposit = src->deposit;
	dst->total = src->total;
	dst->charges = src->charges;
	dst->refunds = src->refunds;
	dst->fees = src->fees;
	dst->adjustments = src->adjustments;
	dst->balance = src->balance;
	dst->lines = src->lines;
	dst->missing = src->missing;
	for (i = 0; i < STATE_SETTLEMENT_MISSING_MAX; i++)
		FIELD_COPY(dst, src, missing_ids[i]);
	FIELD_COPY(dst, src, erp_type);
	FIELD_COPY(dst, src, erp_id);
	FIELD_COPY(dst, src, external_id);
	FIELD_COPY(dst, src, raw_path);
	FIELD_COPY(dst, src, message);
	dst->first_seen = src->first_seen;
	dst->updated = src->updated;
}

static void
settlement_terminate(union state_rec *r)
{
	size_t i;

	FIELD_END(&r->s, id);
	FIELD_END(&r->s, report_id);
	FIELD_END(&r->s, currency);
	for (i = 0; i < STATE_SETTLEMENT_MISSING_MAX; i++)
		FIELD_END(&r->s, missing_ids[i]);
	FIELD_END(&r->s, erp_type);
	FIELD_END(&r->s, erp_id);
	FIELD_END(&r->s, external_id);
	FIELD_END(&r->s, raw_path);
	FIELD_END(&r->s, message);
}

static const struct state_rec_type rec_settlement = {
	"settlement", STATE_DB_SETTLEMENT, sizeof(struct settlement_state),
	sizeof(struct settlement_state), settlement_terminate
};

static const struct state_rec_type rec_binding = {
	"binding", STATE_DB_BINDING, sizeof(struct binding),
	offsetof(struct binding, amount), binding_terminate
};
static const struct state_rec_type rec_failure = {
	"failure", STATE_DB_FAILURE, sizeof(struct failure), sizeof(struct failure),
	failure_terminate
};
static const struct state_rec_type rec_intent = {
	"intent", STATE_DB_INTENT, sizeof(struct intent), sizeof(struct intent),
	intent_terminate
};

/* ---- generic record operations ------------------------------------------ */

/* Build the key kind+id into key[1 + STATE_ID_MAX]. */
static int
rec_key(struct state_txn *t, const struct state_rec_type *ty, char kind,
        const char *id, unsigned char *key, MDB_val *out)
{
	size_t len;

	len = id != NULL ? strnlen(id, STATE_ID_MAX) : 0;
	if (kind == 0 || len == 0 || len >= STATE_ID_MAX)
		return state__txn_fail(t, sc_error_set(t->err, SC_EINVALID,
		        "%s key: kind missing, or id empty or over %d bytes", ty->name,
		        STATE_ID_MAX - 1));
	key[0] = (unsigned char)kind;
	memcpy(key + 1, id, len);
	out->mv_size = len + 1;
	out->mv_data = key;
	return 0;
}

/* Version 2 values: the record's bytes with every run of zero bytes
 * written as 0x00 and the run's length (1..255). Fixed-width string fields
 * are mostly zero padding, so a binding shrinks from ~830 bytes to about a
 * fifth, and so do the store and the pages a run touches. */
#define ZRLE_MAX(n) (2 * (n))

static size_t
zrle_encode(unsigned char *out, const unsigned char *in, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t run = 1;

		if (in[i] != 0) {
			out[o++] = in[i++];
			continue;
		}
		while (i + run < n && in[i + run] == 0 && run < 255)
			run++;
		out[o++] = 0;
		out[o++] = (unsigned char)run;
		i += run;
	}
	return o;
}

/* 0 when `in` decodes to at most n bytes (*got of them), -1 otherwise. */
static int
zrle_decode(unsigned char *out, size_t n, const unsigned char *in, size_t len,
            size_t *got)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (in[i] != 0) {
			if (o == n)
				return -1;
			out[o++] = in[i++];
			continue;
		}
		if (i + 1 == len || in[i + 1] == 0 || in[i + 1] > n - o)
			return -1;
		memset(out + o, 0, in[i + 1]);
		o += in[i + 1];
		i += 2;
	}
	*got = o;
	return 0;
}

/* Check and copy a stored value into *out. */
static int
rec_decode(struct state_txn *t, const struct state_rec_type *ty,
           const MDB_val *key, const MDB_val *val, union state_rec *out)
{
	const unsigned char *k = key->mv_data;
	const unsigned char *v = val->mv_data;

	int ok = 0;

	memset(out, 0, ty->size);   /* fields newer than the record read as zero */
	if (val->mv_size >= 1 + ty->min_size && val->mv_size <= 1 + ty->size &&
	    v[0] == STATE_RECORD_V1) {
		memcpy(out, v + 1, val->mv_size - 1);
		ok = 1;
	} else if (val->mv_size >= 1 && v[0] == STATE_RECORD_V2) {
		size_t got = 0;

		ok = zrle_decode((unsigned char *)out, ty->size, v + 1, val->mv_size - 1,
		                 &got) == 0 && got >= ty->min_size;
	}
	if (!ok) {
		return state__txn_fail(t, sc_error_set(t->err, SC_EMALFORMED,
		        "%s %c/%.*s: unknown record layout", ty->name,
		        key->mv_size > 0 ? k[0] : '?',
		        key->mv_size > 1 ? (int)(key->mv_size - 1) : 0,
		        key->mv_size > 1 ? (const char *)k + 1 : ""));
	}
	ty->terminate(out);
	return 0;
}

static int
rec_get(struct state_txn *t, const struct state_rec_type *ty, char kind,
        const char *id, union state_rec *out)
{
	unsigned char kb[1 + STATE_ID_MAX];
	MDB_val key;
	MDB_val val;
	int mrc;
	int rc;

	if (t->rc != 0)
		return t->rc;
	rc = rec_key(t, ty, kind, id, kb, &key);
	if (rc < 0)
		return rc;
	if (!t->st->has_db[ty->db])
		return 0;
	mrc = mdb_get(t->txn, t->st->dbi[ty->db], &key, &val);
	if (mrc == MDB_NOTFOUND)
		return 0;
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, ty->name);
	rc = rec_decode(t, ty, &key, &val, out);
	return rc < 0 ? rc : 1;
}

static int
rec_writable(struct state_txn *t, const char *what)
{
	if (t->rc != 0)
		return t->rc;
	if (!t->rw)
		return state__txn_fail(t, sc_error_set(t->err, SC_EINVALID,
		        "%s: write in a read transaction", what));
	return 0;
}

static int
rec_put(struct state_txn *t, const struct state_rec_type *ty, char kind,
        const char *id, const union state_rec *canon)
{
	unsigned char kb[1 + STATE_ID_MAX];
	unsigned char vb[1 + ZRLE_MAX(sizeof(union state_rec))];
	MDB_val key;
	MDB_val val;
	int mrc;
	int rc;

	rc = rec_writable(t, ty->name);
	if (rc < 0)
		return rc;
	rc = rec_key(t, ty, kind, id, kb, &key);
	if (rc < 0)
		return rc;
	vb[0] = STATE_RECORD_V2;
	val.mv_size = 1 + zrle_encode(vb + 1, (const unsigned char *)canon, ty->size);
	val.mv_data = vb;
	mrc = mdb_put(t->txn, t->st->dbi[ty->db], &key, &val, 0);
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, ty->name);
	return 0;
}

/* absent_ok: 1 -> deleting an absent record is 0; 0 -> SC_ENOTFOUND. */
static int
rec_del(struct state_txn *t, const struct state_rec_type *ty, char kind,
        const char *id, int absent_ok)
{
	unsigned char kb[1 + STATE_ID_MAX];
	MDB_val key;
	int mrc;
	int rc;

	rc = rec_writable(t, ty->name);
	if (rc < 0)
		return rc;
	rc = rec_key(t, ty, kind, id, kb, &key);
	if (rc < 0)
		return rc;
	mrc = mdb_del(t->txn, t->st->dbi[ty->db], &key, NULL);
	if (mrc == MDB_NOTFOUND) {
		if (absent_ok)
			return 0;
		return state__txn_fail(t, sc_error_set(t->err, SC_ENOTFOUND,
		        "%s %c/%s: not found", ty->name, kind, id));
	}
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, ty->name);
	return 0;
}

typedef int (*rec_visit)(const union state_rec *r, void *ctx);

/* Visit the records whose key starts with `kind` (0: all) in key order.
 * After each callback the cursor is placed again by key, so the callback
 * may put or delete records in a write txn. */
static int
rec_each(struct state_txn *t, const struct state_rec_type *ty, char kind,
         rec_visit visit, void *ctx)
{
	MDB_cursor *cur = NULL;
	union state_rec rec;
	unsigned char last[STATE_KEY_MAX];
	unsigned char first = (unsigned char)kind;
	size_t last_len;
	MDB_val key = { 0, NULL };
	MDB_val val = { 0, NULL };
	int mrc;
	int crc;
	int rc = 0;

	if (t->rc != 0)
		return t->rc;
	if (!t->st->has_db[ty->db])
		return 0;
	mrc = mdb_cursor_open(t->txn, t->st->dbi[ty->db], &cur);
	if (mrc != 0) {
		cur = NULL;
		rc = state__txn_mdb_fail(t, mrc, ty->name);
		goto done;
	}
	if (kind != 0) {
		key.mv_size = 1;
		key.mv_data = &first;
		mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	} else {
		mrc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
	}
	while (mrc == 0) {
		if (kind != 0 && (key.mv_size == 0 ||
		                  ((const unsigned char *)key.mv_data)[0] != first))
			break;
		rc = rec_decode(t, ty, &key, &val, &rec);
		if (rc < 0)
			goto done;
		if (key.mv_size > sizeof(last)) {
			rc = state__txn_fail(t, sc_error_set(t->err, SC_EMALFORMED,
			        "%s: key of %zu bytes", ty->name, key.mv_size));
			goto done;
		}
		last_len = key.mv_size;
		memcpy(last, key.mv_data, last_len);
		crc = visit(&rec, ctx);
		if (crc < 0) {
			rc = state__txn_fail(t, crc);
			goto done;
		}
		if (crc > 0)
			goto done;
		key.mv_size = last_len;
		key.mv_data = last;
		mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		if (mrc == 0 && key.mv_size == last_len &&
		    memcmp(key.mv_data, last, last_len) == 0)
			mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		rc = state__txn_mdb_fail(t, mrc, ty->name);
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* ---- bindings ----------------------------------------------------------- */

int
state_binding_get(struct state_txn *t, char kind, const char *id, struct binding *out)
{
	union state_rec r;
	int rc;

	rc = rec_get(t, &rec_binding, kind, id, &r);
	if (rc == 1)
		*out = r.b;
	return rc;
}

int
state_binding_put(struct state_txn *t, const struct binding *b)
{
	union state_rec r;

	binding_canon(&r.b, b);
	return rec_put(t, &rec_binding, b->kind, b->id, &r);
}

int
state_binding_del(struct state_txn *t, char kind, const char *id)
{
	return rec_del(t, &rec_binding, kind, id, 0);
}

struct binding_each_ctx {
	state_binding_cb cb;
	void *ud;
};

static int
binding_visit(const union state_rec *r, void *ctx)
{
	struct binding_each_ctx *c = ctx;

	return c->cb(&r->b, c->ud);
}

int
state_binding_each(struct state_txn *t, char kind, state_binding_cb cb, void *ud)
{
	struct binding_each_ctx c = { cb, ud };

	return rec_each(t, &rec_binding, kind, binding_visit, &c);
}

/* ---- failures ----------------------------------------------------------- */

int
state_failure_get(struct state_txn *t, char kind, const char *id, struct failure *out)
{
	union state_rec r;
	int rc;

	rc = rec_get(t, &rec_failure, kind, id, &r);
	if (rc == 1)
		*out = r.f;
	return rc;
}

int
state_failure_put(struct state_txn *t, const struct failure *f)
{
	union state_rec r;

	failure_canon(&r.f, f);
	return rec_put(t, &rec_failure, f->kind, f->id, &r);
}

int
state_failure_del(struct state_txn *t, char kind, const char *id)
{
	return rec_del(t, &rec_failure, kind, id, 1);
}

struct failure_each_ctx {
	state_failure_cb cb;
	void *ud;
};

static int
failure_visit(const union state_rec *r, void *ctx)
{
	struct failure_each_ctx *c = ctx;

	return c->cb(&r->f, c->ud);
}

int
state_failure_each(struct state_txn *t, char kind, state_failure_cb cb, void *ud)
{
	struct failure_each_ctx c = { cb, ud };

	return rec_each(t, &rec_failure, kind, failure_visit, &c);
}

/* ---- intents ------------------------------------------------------------ */

int
state_intent_put(struct state_txn *t, const struct intent *in)
{
	union state_rec r;

	intent_canon(&r.in, in);
	return rec_put(t, &rec_intent, in->kind, in->id, &r);
}

int
state_intent_del(struct state_txn *t, char kind, const char *id)
{
	return rec_del(t, &rec_intent, kind, id, 1);
}

struct intent_each_ctx {
	state_intent_cb cb;
	void *ud;
};

static int
intent_visit(const union state_rec *r, void *ctx)
{
	struct intent_each_ctx *c = ctx;

	return c->cb(&r->in, c->ud);
}

int
state_intent_each(struct state_txn *t, state_intent_cb cb, void *ud)
{
	struct intent_each_ctx c = { cb, ud };

	return rec_each(t, &rec_intent, 0, intent_visit, &c);
}

/* ---- settlements -------------------------------------------------------- */

const char *
settlement_status_name(int status)
{
	switch (status) {
	case SETTLEMENT_RECONCILED: return "reconciled";
	case SETTLEMENT_UNBALANCED: return "unbalanced";
	case SETTLEMENT_WAITING: return "waiting_for_orders";
	case SETTLEMENT_POSTED: return "posted";
	default: return "error";
	}
}

int
state_settlement_get(struct state_txn *t, const char *id, struct settlement_state *out)
{
	union state_rec r;
	int rc = rec_get(t, &rec_settlement, KIND_SETTLEMENT, id, &r);

	if (rc == 1)
		*out = r.s;
	return rc;
}

int
state_settlement_put(struct state_txn *t, const struct settlement_state *s)
{
	union state_rec r;

	settlement_canon(&r.s, s);
	return rec_put(t, &rec_settlement, KIND_SETTLEMENT, s->id, &r);
}

struct settlement_each_ctx {
	state_settlement_cb cb;
	void *ud;
};

static int
settlement_visit(const union state_rec *r, void *ctx)
{
	struct settlement_each_ctx *c = ctx;

	return c->cb(&r->s, c->ud);
}

int
state_settlement_each(struct state_txn *t, state_settlement_cb cb, void *ud)
{
	struct settlement_each_ctx c = { cb, ud };

	return rec_each(t, &rec_settlement, KIND_SETTLEMENT, settlement_visit, &c);
}

/* ---- cursors ------------------------------------------------------------ */

static int
cursor_key(struct state_txn *t, const char *stream, MDB_val *out)
{
	size_t len;

	len = stream != NULL ? strnlen(stream, STATE_KEY_MAX + 1) : 0;
	if (len == 0 || len > STATE_KEY_MAX)
		return state__txn_fail(t, sc_error_set(t->err, SC_EINVALID,
		        "cursor: stream name empty or over %d bytes", STATE_KEY_MAX));
	out->mv_size = len;
	out->mv_data = (void *)stream;
	return 0;
}

int
state_cursor_get(struct state_txn *t, const char *stream, char *buf, size_t n)
{
	MDB_val key;
	MDB_val val;
	int mrc;
	int rc;

	if (t->rc != 0)
		return t->rc;
	rc = cursor_key(t, stream, &key);
	if (rc < 0)
		return rc;
	if (!t->st->has_db[STATE_DB_CURSOR])
		return 0;
	mrc = mdb_get(t->txn, t->st->dbi[STATE_DB_CURSOR], &key, &val);
	if (mrc == MDB_NOTFOUND)
		return 0;
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, "cursor");
	if (memchr(val.mv_data, '\0', val.mv_size) != NULL)
		return state__txn_fail(t, sc_error_set(t->err, SC_EMALFORMED,
		        "cursor %s: value holds a NUL byte", stream));
	if (val.mv_size >= n)
		return state__txn_fail(t, sc_error_set(t->err, SC_ENOSPACE,
		        "cursor %s: value of %zu bytes does not fit in %zu", stream,
		        val.mv_size, n));
	memcpy(buf, val.mv_data, val.mv_size);
	buf[val.mv_size] = '\0';
	return 1;
}

int
state_cursor_put(struct state_txn *t, const char *stream, const char *value)
{
	MDB_val key;
	MDB_val val;
	int mrc;
	int rc;

	rc = rec_writable(t, "cursor");
	if (rc < 0)
		return rc;
	rc = cursor_key(t, stream, &key);
	if (rc < 0)
		return rc;
	val.mv_size = value != NULL ? strlen(value) : 0;
	val.mv_data = (void *)(value != NULL ? value : "");
	mrc = mdb_put(t->txn, t->st->dbi[STATE_DB_CURSOR], &key, &val, 0);
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, "cursor");
	return 0;
}

int
state_cursor_del(struct state_txn *t, const char *stream)
{
	MDB_val key;
	int mrc;
	int rc;

	rc = rec_writable(t, "cursor");
	if (rc < 0)
		return rc;
	rc = cursor_key(t, stream, &key);
	if (rc < 0)
		return rc;
	mrc = mdb_del(t->txn, t->st->dbi[STATE_DB_CURSOR], &key, NULL);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return state__txn_mdb_fail(t, mrc, "cursor");
	return 0;
}

/* ---- counts ------------------------------------------------------------- */

int
state_count(struct state_txn *t, const char *db, size_t *out)
{
	MDB_stat ms;
	int mrc;
	int i;

	*out = 0;
	if (t->rc != 0)
		return t->rc;
	for (i = 0; i < STATE_DB_COUNT; i++)
		if (db != NULL && strcmp(db, state__db_names[i]) == 0)
			break;
	if (i == STATE_DB_COUNT)
		return state__txn_fail(t, sc_error_set(t->err, SC_EINVALID,
		        "no state database named %s", db != NULL ? db : "(null)"));
	if (!t->st->has_db[i])
		return 0;
	mrc = mdb_stat(t->txn, t->st->dbi[i], &ms);
	if (mrc != 0)
		return state__txn_mdb_fail(t, mrc, db);
	*out = ms.ms_entries;
	return 0;
}
