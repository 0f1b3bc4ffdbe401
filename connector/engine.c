/*
 * engine.c: opening a connection (conf -> state, HTTP, adapters), resolving
 * leftover intents, running the phases, and the summary. The orders phase
 * itself is in engine_orders.c.
 */
#include "connector/engine.h"
#include "connector/engine_int.h"
#include "connector/http.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
parse_log_settings(const struct conf_section *s, struct sc_error *err)
{
	const char *fmt = conf_get(s, "log_format");
	const char *lvl = conf_get(s, "log_level");

	if (fmt != NULL && strcmp(fmt, "json") == 0)
		log_set_format(LOG_JSON);
	else if (fmt != NULL && strcmp(fmt, "text") != 0)
		return conf_error(s, "log_format", err, SC_EINVALID,
		                  "`%s` is not text or json", fmt);
	if (lvl == NULL || strcmp(lvl, "info") == 0)
		log_set_level(LOG_INFO);
	else if (strcmp(lvl, "debug") == 0)
		log_set_level(LOG_DEBUG);
	else if (strcmp(lvl, "warn") == 0)
		log_set_level(LOG_WARN);
	else if (strcmp(lvl, "error") == 0)
		log_set_level(LOG_ERROR);
	else
		return conf_error(s, "log_level", err, SC_EINVALID,
		                  "`%s` is not debug, info, warn or error", lvl);
	return 0;
}

/* SHA-256 over the conf file, the refund rules and the settlement map, hex:
 * when it differs from the last run's, permanent failures are tried again. */
static void
conf_fingerprint(const char *path, const char *rules_path, const char *map_path,
                 char out[65])
{
	const char *paths[3] = { path, rules_path, map_path };
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char buf[4096];
	size_t n, i;

	out[0] = '\0';
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto done;
	for (i = 0; i < 3; i++) {
		FILE *f = paths[i] != NULL ? fopen(paths[i], "rb") : NULL;

		EVP_DigestUpdate(ctx, "\0", 1);
		if (f == NULL)
			continue;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(ctx, buf, n);
		fclose(f);
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		goto done;
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
done:
	EVP_MD_CTX_free(ctx);
}

static int
open_http(struct http_client **out, const struct conf_section *s, int in_flight,
          struct sc_error *err)
{
	struct http_opts o;
	long timeout = 60, retries = 5;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = conf_get_long(s, "http_timeout_seconds", &timeout, err)) < 0 ||
	    (rc = conf_get_long(s, "http_retries", &retries, err)) < 0)
		return rc;
	if (timeout < 1 || timeout > 3600)
		return conf_error(s, "http_timeout_seconds", err, SC_EINVALID,
		                  "must be 1..3600");
	if (retries < 0 || retries > 20)
		return conf_error(s, "http_retries", err, SC_EINVALID, "must be 0..20");
	o.timeout_ms = timeout * 1000;
	o.connect_timeout_ms = timeout * 1000 < 10000 ? timeout * 1000 : 10000;
	o.max_retries = retries == 0 ? -1 : (int)retries;
	o.max_in_flight = in_flight;
	return http_client_new(out, &o, err);
}

int
engine_load_rules(struct refund_rules **out, const struct conf_section *cs,
                  const struct marketplace_ops *mkt, const struct erp_ops *erp,
                  struct sc_error *err)
{
	const char *path = conf_get(cs, "refund_rules");
	struct mapping_vocab v;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return 0;
	memset(&v, 0, sizeof(v));
	v.erp_name = erp->name;
	v.order_types = erp->order_types;
	v.refund_types = erp->refund_types;
	v.refund_paths = erp->refund_paths;
	v.marketplace_name = mkt->name;
	v.reasons = mkt->refund_reasons;
	if (v.order_types == NULL || v.refund_types == NULL)
		return sc_error_set(err, SC_ENOTSUP,
		                    "refund_rules: the %s adapter cannot create refunds", erp->name);
	return mapping_refund_rules_load(out, path, &v, err);
}

int
engine_load_accounts(struct account_map **out, const struct conf_section *cs,
                     struct sc_error *err)
{
	const char *path = cs != NULL ? conf_get(cs, "settlement_map") : NULL;

	if (path != NULL && path[0] != '\0')
		return mapping_account_map_load(out, path, err);
	return mapping_account_map_builtin(out, err);
}

/* Remove a scratch directory: its files and one level of subdirectories
 * (reports/), nothing else exists there. */
static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;
	char path[1024];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

/* A dry run writes nothing, the state included: it reads the state
 * read-only (no lock: a run going on is not disturbed), or, before the
 * first run, an empty state in a scratch directory removed at close.
 * Downloads go to the scratch directory as well. */
static int
open_dry_state(struct engine *e, struct sc_error *err)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(e->scratch_dir, sizeof(e->scratch_dir), "%s/connector-dry-run-XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(e->scratch_dir) == NULL) {
		rc = sc_error_set(err, SC_ERROR, "%s: cannot create a scratch directory: %s",
		                  e->scratch_dir, strerror(errno));
		e->scratch_dir[0] = '\0';
		return rc;
	}
	rc = state_open(&e->st, e->state_dir, STATE_RDONLY, NULL, err);
	if (rc == SC_ENOTFOUND) {
		char dir[300];

		snprintf(dir, sizeof(dir), "%s/state", e->scratch_dir);
		sc_error_clear(err);
		rc = state_open(&e->st, dir, 0, NULL, err);
	}
	return rc;
}

int
engine_open(struct engine **out, const struct conf *c,
            const struct engine_opts *opts, struct sc_error *err)
{
	const struct conf_section *cs = conf_section(c, "connector");
	const struct conf_section *ms = conf_section(c, "marketplace");
	const struct conf_section *es = conf_section(c, "erp");
	struct adapter_env env;
	struct engine *e = NULL;
	const char *dir;
	int rc;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	e->conf = c;
	e->opts = *opts;
	if ((rc = parse_log_settings(cs, err)) < 0)
		goto fail;
	dir = opts->state_dir != NULL ? opts->state_dir : conf_get(cs, "state_dir");
	snprintf(e->state_dir, sizeof(e->state_dir), "%s", dir);
	conf_fingerprint(conf_path(c), conf_get(cs, "refund_rules"),
	                 conf_get(cs, "settlement_map"), e->conf_fp);

	if ((rc = conf_get_long(cs, "retry_limit", &e->retry_limit, err)) < 0)
		goto fail;
	if (e->retry_limit < 1) {
		rc = conf_error(cs, "retry_limit", err, SC_EINVALID, "must be at least 1");
		goto fail;
	}

	if (opts->read_only) {
		if ((rc = state_open(&e->st, e->state_dir, STATE_RDONLY, NULL, err)) < 0)
			goto fail;
		*out = e;
		return 0;
	}

	if (ms == NULL || es == NULL) {
		rc = sc_error_set(err, SC_EINVALID, "%s: needs a [%s] section",
		                  conf_path(c), ms == NULL ? "marketplace" : "erp");
		goto fail;
	}
	e->mkt = adapter_marketplace_find(conf_get(ms, "type"));
	e->erp = adapter_erp_find(conf_get(es, "type"));
	if (e->mkt == NULL || e->erp == NULL) {
		rc = sc_error_set(err, SC_EINVALID, "%s: unknown adapter", conf_path(c));
		goto fail;
	}
	if ((rc = adapter_marketplace_check(e->mkt, err)) < 0 ||
	    (rc = adapter_erp_check(e->erp, err)) < 0)
		goto fail;
	if ((rc = conf_get_double(cs, "time_scale", &e->time_scale, err)) < 0)
		goto fail;
	if (e->time_scale <= 0)
		e->time_scale = 1;
	if ((rc = sku_map_load(&e->skus, conf_section(c, "sku_map"), err)) < 0)
		goto fail;
	if ((rc = engine_load_rules(&e->rules, cs, e->mkt, e->erp, err)) < 0)
		goto fail;
	if ((rc = engine_load_accounts(&e->accounts, cs, err)) < 0)
		goto fail;
	if ((rc = open_http(&e->http_mkt, cs, 4, err)) < 0 ||
	    (rc = open_http(&e->http_erp, cs, ENGINE_MAX_WORKERS, err)) < 0)
		goto fail;
	if (opts->stop != NULL)
		http_set_stop_flag(opts->stop);

	memset(&env, 0, sizeof(env));
	env.http = e->http_mkt;
	env.conf = ms;
	env.time_scale = e->time_scale;
	if ((rc = e->mkt->open(&e->mkt_self, &env, err)) < 0)
		goto fail;
	env.http = e->http_erp;
	env.conf = es;
	if ((rc = e->erp->open(&e->erp_self, &env, err)) < 0)
		goto fail;
	e->workers = e->erp->concurrency != NULL ? e->erp->concurrency(e->erp_self) : 1;
	if (e->workers < 1)
		e->workers = 1;
	if (e->workers > ENGINE_MAX_WORKERS)
		e->workers = ENGINE_MAX_WORKERS;
	/* State last: a conf an adapter refuses leaves no state behind. */
	if (opts->dry_run && !opts->check_only) {
		if ((rc = open_dry_state(e, err)) < 0)
			goto fail;
	} else if (!opts->check_only &&
	           (rc = state_open(&e->st, e->state_dir, opts->lock ? STATE_LOCK : 0,
	                            NULL, err)) < 0) {
		goto fail;
	}
	*out = e;
	return 0;
fail:
	engine_close(e);
	return rc;
}

void
engine_close(struct engine *e)
{
	if (e == NULL)
		return;
	if (e->mkt != NULL && e->mkt_self != NULL)
		e->mkt->close(e->mkt_self);
	if (e->erp != NULL && e->erp_self != NULL)
		e->erp->close(e->erp_self);
	http_client_free(e->http_mkt);
	http_client_free(e->http_erp);
	sku_map_free(e->skus);
	mapping_refund_rules_free(e->rules);
	mapping_account_map_free(e->accounts);
	state_close(e->st);
	if (e->scratch_dir[0] != '\0')
		remove_tree(e->scratch_dir);
	free(e);
}

struct state *
engine_state(struct engine *e)
{
	return e->st;
}

int
engine_stopping(const struct engine *e)
{
	return e->opts.stop != NULL && *e->opts.stop != 0;
}

/* ---- leftover intents --------------------------------------------------- */

struct intent_list {
	struct intent *v;
	size_t n, alloc;
};

static int
collect_intent(const struct intent *in, void *ud)
{
	struct intent_list *l = ud;

	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct intent *nv = realloc(l->v, na * sizeof(*nv));
		if (nv == NULL)
			return SC_ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n++] = *in;
	return 0;
}

static int
read_intents(struct state_txn *t, void *ud)
{
	return state_intent_each(t, collect_intent, ud);
}

struct intent_fix {
	const struct intent *in;
	int found;
	struct erp_ref ref;
};

static int
apply_intent_fix(struct state_txn *t, void *ud)
{
	struct intent_fix *f = ud;
	struct binding b;
	int64_t now = time_now();
	int rc;

	if (f->found) {
		if ((rc = state_binding_get(t, f->in->kind, f->in->id, &b)) < 0)
			return rc;
		if (rc == 0) {
			memset(&b, 0, sizeof(b));
			b.kind = f->in->kind;
			state_strlcpy(b.id, f->in->id, sizeof(b.id));
			b.first_seen = now;
		}
		if (f->in->kind == KIND_REFUND && strchr(f->in->id, '/') != NULL) {
			size_t k = (size_t)(strchr(f->in->id, '/') - f->in->id);

			if (k < sizeof(b.order_id)) {
				memcpy(b.order_id, f->in->id, k);
				b.order_id[k] = '\0';
			}
		}
		state_strlcpy(b.erp_type, f->ref.type[0] ? f->ref.type : f->in->erp_type,
		              sizeof(b.erp_type));
		state_strlcpy(b.erp_id, f->ref.id, sizeof(b.erp_id));
		state_strlcpy(b.external_id, f->in->external_id, sizeof(b.external_id));
		memset(b.hash, 0, sizeof(b.hash));   /* rewrite on next sight */
		b.status = BINDING_SYNCED;
		b.updated = now;
		b.synced = now;
		state_strlcpy(b.detail, "bound from an interrupted write", sizeof(b.detail));
		if ((rc = state_binding_put(t, &b)) < 0)
			return rc;
	}
	return state_intent_del(t, f->in->kind, f->in->id);
}

struct back_unknown {
	const struct intent *in;
};

static int
back_unknown_fn(struct state_txn *t, void *ud)
{
	return engine_back_intent_unknown(t, ((struct back_unknown *)ud)->in, time_now());
}

int
engine_resolve_intents(struct engine *e, uint64_t *resolved, struct sc_error *err)
{
	struct intent_list l = { NULL, 0, 0 };
	size_t i;
	int rc;

	if ((rc = state_read(e->st, read_intents, &l, err)) < 0)
		goto done;
	for (i = 0; i < l.n; i++) {
		struct intent_fix f;

		if (l.v[i].kind == KIND_ERP_REFUND || l.v[i].kind == KIND_FULFILLMENT) {
			/* a marketplace push: never resent, a person decides */
			struct back_unknown bu = { &l.v[i] };

			log_event(LOG_WARN, "intent.unknown_push", "erp_id", l.v[i].id, NULL);
			if ((rc = state_write(e->st, back_unknown_fn, &bu, err)) < 0)
				goto done;
			(*resolved)++;
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.in = &l.v[i];
		rc = e->erp->record_find(e->erp_self, l.v[i].erp_type[0] ? l.v[i].erp_type : NULL,
		                         l.v[i].external_id, &f.ref, err);
		if (rc < 0) {
			sc_error_prefix(err, "resolving the interrupted write of %s",
			                l.v[i].external_id);
			goto done;
		}
		f.found = rc == 1;
		log_event(LOG_INFO, "intent.resolved", "external_id", l.v[i].external_id,
		          "outcome", f.found ? "found, bound" : "absent, dropped", NULL);
		if ((rc = state_write(e->st, apply_intent_fix, &f, err)) < 0)
			goto done;
		(*resolved)++;
	}
	rc = 0;
done:
	free(l.v);
	return rc;
}

/* ---- the run ------------------------------------------------------------ */

static int
fp_read_fn(struct state_txn *t, void *ud)
{
	char *buf = ud;
	int rc = state_cursor_get(t, "conf.fingerprint", buf, 80);

	if (rc <= 0)
		buf[0] = '\0';
	return rc < 0 ? rc : 0;
}

static int
fp_write_fn(struct state_txn *t, void *ud)
{
	return state_cursor_put(t, "conf.fingerprint", ud);
}

int
engine_prepare(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	char stored[80];
	int rc;

	if ((rc = state_read(e->st, fp_read_fn, stored, err)) < 0)
		return rc;
	e->conf_changed = strcmp(stored, e->conf_fp) != 0;
	if (!e->opts.dry_run &&
	    (rc = engine_resolve_intents(e, &sum->intents_resolved, err)) < 0)
		return rc;
	return 0;
}

int
engine_sync(struct engine *e, struct sync_summary *sum, struct sc_error *err)
{
	int rc;

	memset(sum, 0, sizeof(*sum));
	sum->started_ms = time_mono_ms();
	if ((rc = engine_prepare(e, sum, err)) < 0)
		goto done;
	if (e->opts.phases & PHASE_ORDERS) {
		if ((rc = engine_orders_phase(e, sum, err)) < 0)
			goto done;
	}
	if ((e->opts.phases & (PHASE_REFUNDS | PHASE_SHIPMENTS)) && !engine_stopping(e)) {
		if ((rc = engine_back_poll(e, sum, err)) < 0)
			goto done;
	}
	if ((e->opts.phases & PHASE_REFUNDS) && !engine_stopping(e)) {
		if ((rc = engine_refunds_phase(e, sum, err)) < 0)
			goto done;
	}
	if ((e->opts.phases & (PHASE_REFUNDS | PHASE_SHIPMENTS)) && !engine_stopping(e)) {
		if ((rc = engine_back_phase(e, sum, err)) < 0)
			goto done;
	}
	if ((e->opts.phases & PHASE_SETTLEMENTS) && !engine_stopping(e)) {
		if ((rc = engine_settlements_phase(e, sum, err)) < 0)
			goto done;
	}
	/* Remember this conf: its permanent failures have had their retry. */
	if (!e->opts.dry_run && e->conf_changed &&
	    (rc = state_write(e->st, fp_write_fn, e->conf_fp, err)) < 0)
		goto done;
	rc = 0;
done:
	sum->ended_ms = time_mono_ms();
	sum->stopped = engine_stopping(e);
	return rc;
}

int
engine_exit_code(int rc, const struct sync_summary *sum)
{
	if (rc < 0)
		return 1;
	if (sum->orders.failed > 0 || sum->refunds.failed > 0 || sum->back.failed > 0 ||
	    sum->ship.failed > 0 ||
	    sum->settlements.failed > 0 || sum->settlements.unbalanced > 0 ||
	    sum->phase_error ||
	    sum->stopped)
		return 2;
	return 0;
}

void
engine_summary_print(const struct engine *e, const struct sync_summary *sum)
{
	const struct phase_counts *o = &sum->orders;
	double secs = (double)(sum->ended_ms - sum->started_ms) / 1000.0;

	if (e->opts.phases & PHASE_ORDERS)
		printf("orders: %llu seen, %llu created, %llu updated, %llu unchanged, "
		       "%llu skipped, %llu failed, %llu retried (%llu pages, %.1f s)%s\n",
		       (unsigned long long)o->seen, (unsigned long long)o->created,
		       (unsigned long long)o->updated, (unsigned long long)o->unchanged,
		       (unsigned long long)o->skipped, (unsigned long long)o->failed,
		       (unsigned long long)o->retried, (unsigned long long)o->pages, secs,
		       e->opts.dry_run ? " [dry run: nothing written]" : "");
	if (sum->refunds.ran)
		printf("refunds: %llu seen, %llu created, %llu unchanged, %llu waiting for "
		       "their order, %llu failed, %llu retried (%llu pages)%s\n",
		       (unsigned long long)sum->refunds.seen,
		       (unsigned long long)sum->refunds.created,
		       (unsigned long long)sum->refunds.unchanged,
		       (unsigned long long)sum->refunds.waiting,
		       (unsigned long long)sum->refunds.failed,
		       (unsigned long long)sum->refunds.retried,
		       (unsigned long long)sum->refunds.pages,
		       e->opts.dry_run ? " [dry run: nothing written]" : "");
	if (sum->back.ran)
		printf("refunds to the marketplace: %llu ERP changes read, %llu sent and "
		       "awaiting the report, %llu accepted, %llu rejected or failed%s\n",
		       (unsigned long long)sum->back.seen, (unsigned long long)sum->back.waiting,
		       (unsigned long long)sum->back.created, (unsigned long long)sum->back.failed,
		       e->opts.dry_run ? " [dry run: nothing written]" : "");
	if (sum->ship.ran)
		printf("shipments and cancellations to the marketplace: %llu read, %llu confirmed "
		       "or accepted, %llu sent and awaiting the report, %llu already done or nothing "
		       "to send, %llu failed%s\n",
		       (unsigned long long)sum->ship.seen, (unsigned long long)sum->ship.created,
		       (unsigned long long)sum->ship.waiting, (unsigned long long)sum->ship.unchanged,
		       (unsigned long long)sum->ship.failed,
		       e->opts.dry_run ? " [dry run: nothing written]" : "");
	if (sum->settlements.ran)
		printf("settlements: %llu fetched, %llu posted, %llu waiting for orders, "
		       "%llu unbalanced, %llu failed, %llu looked at again%s\n",
		       (unsigned long long)sum->settlements.fetched,
		       (unsigned long long)sum->settlements.posted,
		       (unsigned long long)sum->settlements.waiting,
		       (unsigned long long)sum->settlements.unbalanced,
		       (unsigned long long)sum->settlements.failed,
		       (unsigned long long)sum->settlements.rechecked,
		       e->opts.dry_run ? " [dry run: nothing written]" : "");
	if (sum->intents_resolved > 0)
		printf("recovered %llu interrupted write(s) from the previous run\n",
		       (unsigned long long)sum->intents_resolved);
	if (o->created + o->updated + o->failed + sum->refunds.created +
	    sum->refunds.failed + sum->back.waiting + sum->back.created +
	    sum->back.failed + sum->ship.created + sum->ship.waiting + sum->ship.failed +
	    sum->settlements.posted + sum->settlements.failed +
	    sum->settlements.unbalanced == 0 && !sum->phase_error)
		printf("nothing to write: everything is already in sync\n");
	if (o->failed + sum->refunds.failed + sum->back.failed + sum->ship.failed > 0)
		printf("%llu record(s) failed: see `connector failures`\n",
		       (unsigned long long)(o->failed + sum->refunds.failed + sum->back.failed +
		                            sum->ship.failed));
	if (sum->phase_error)
		printf("a page could not be fetched; the cursor stays and the next run "
		       "goes on from there\n");
	if (sum->stopped)
		printf("stopped by a signal: the record in flight was finished and committed\n");
	fflush(stdout);
}

/* ---- failure classes ---------------------------------------------------- */

const char *
engine_failure_class(long retry_limit, const struct failure *f)
{
	if (f->fclass != FAILURE_TRANSIENT)
		return "permanent";
	return (long)f->attempts >= retry_limit ? "stuck" : "transient";
}

int
engine_failure_due(const struct engine *e, const struct failure *f, int64_t now)
{
	if (f->fclass == FAILURE_PERMANENT)
		return e->conf_changed;
	return (long)f->attempts < e->retry_limit && f->next_retry <= now;
}
