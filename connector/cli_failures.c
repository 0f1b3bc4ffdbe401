/*
 * cli_failures.c: `connector failures [--json] [--class C] [--phase P]`.
 *
 * Every failure record, grouped by phase and class, newest first within a
 * group, each with the command that would push it through again. Classes:
 * transient (retried by later runs, growing delay), stuck (transient, out
 * of its [connector] retry_limit attempts: a person looks), permanent
 * (waits for a person: conf, SKU map, ERP data).
 */
#include "connector/cli_int.h"
#include "connector/engine.h"
#include "connector/engine_int.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
kind_name(char kind)
{
	switch (kind) {
	case KIND_ORDER: return "order";
	case KIND_REFUND: return "refund";
	case KIND_ERP_REFUND: return "erp_refund";
	case KIND_FULFILLMENT: return "fulfillment";
	case KIND_SETTLEMENT: return "settlement";
	case KIND_ERP_CHANGE: return "erp_change";
	default: return "record";
	}
}

/* The command that pushes this record through again ("" when none can). */
void
cli_failure_replay(const struct failure *f, char *out, size_t n)
{
	const char *slash = strchr(f->id, '/');

	switch (f->kind) {
	case KIND_ORDER:
		snprintf(out, n, "connector replay --order %s", f->id);
		return;
	case KIND_REFUND:
		if (slash != NULL)
			snprintf(out, n, "connector replay --order %.*s", (int)(slash - f->id), f->id);
		else
			snprintf(out, n, "connector replay --failed --phase %s", f->phase);
		return;
	case KIND_SETTLEMENT:
		snprintf(out, n, "connector replay --failed --phase settlements");
		return;
	case KIND_ERP_REFUND:
	case KIND_FULFILLMENT:
		/* one that may have reached the marketplace is never resent */
		if (f->code == SC_ECONFLICT)
			out[0] = '\0';
		else
			snprintf(out, n, "connector replay --failed --phase %s", f->phase);
		return;
	default:
		out[0] = '\0';
		return;
	}
}

json_object *
cli_failure_json(const struct failure *f, long retry_limit)
{
	json_object *o = json_object_new_object();
	const char *cls = engine_failure_class(retry_limit, f);
	char t1[21], t2[21], t3[21], replay[200];

	cli_iso(t1, f->first);
	cli_iso(t2, f->last);
	cli_iso(t3, f->next_retry);
	cli_failure_replay(f, replay, sizeof(replay));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(f->kind)));
	json_object_object_add(o, "id", json_object_new_string(f->id));
	json_object_object_add(o, "phase", json_object_new_string(f->phase));
	json_object_object_add(o, "class", json_object_new_string(cls));
	json_object_object_add(o, "error", json_object_new_string(sc_code_name(f->code)));
	json_object_object_add(o, "http_status", json_object_new_int(f->http_status));
	json_object_object_add(o, "message", json_object_new_string(f->message));
	json_object_object_add(o, "remote", json_object_new_string(f->remote));
	json_object_object_add(o, "attempts", json_object_new_int64(f->attempts));
	json_object_object_add(o, "first", json_object_new_string(t1));
	json_object_object_add(o, "last", json_object_new_string(t2));
	if (strcmp(cls, "transient") == 0)
		json_object_object_add(o, "next_retry", json_object_new_string(t3));
	json_object_object_add(o, "replay", replay[0] ? json_object_new_string(replay) : NULL);
	return o;
}

/* A failure and its class (engine_failure_class), for grouping. */
struct fail_entry {
	struct failure f;
	const char *cls;
};

struct fail_list {
	struct fail_entry *v;
	size_t n, alloc;
	const char *phase, *cls;
	long retry_limit;
};

static int
collect_failure(const struct failure *f, void *ud)
{
	struct fail_list *l = ud;
	const char *cls = engine_failure_class(l->retry_limit, f);

	if (l->phase != NULL && strcmp(f->phase, l->phase) != 0)
		return 0;
	if (l->cls != NULL && strcmp(cls, l->cls) != 0)
		return 0;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct fail_entry *nv = realloc(l->v, na * sizeof(*nv));
		if (nv == NULL)
			return SC_ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n].f = *f;
	l->v[l->n++].cls = cls;
	return 0;
}

static int
failures_fn(struct state_txn *t, void *ud)
{
	return state_failure_each(t, 0, collect_failure, ud);
}

static int
class_rank(const char *c)
{
	return strcmp(c, "permanent") == 0 ? 0 : strcmp(c, "stuck") == 0 ? 1 : 2;
}

/* Grouped by phase, then class (permanent, stuck, transient: what needs a
 * person first), newest first within a group. */
static int
group_order(const void *a, const void *b)
{
	const struct fail_entry *ex = a, *ey = b;
	const struct failure *x = &ex->f, *y = &ey->f;
	int c;

	if ((c = strcmp(x->phase, y->phase)) != 0)
		return c;
	if ((c = class_rank(ex->cls) - class_rank(ey->cls)) != 0)
		return c;
	if (x->last != y->last)
		return x->last < y->last ? 1 : -1;
	return strcmp(x->id, y->id);
}

static const char *
next_step(const struct failure *f, const char *cls)
{
	if (strcmp(cls, "transient") == 0)
		return "retried by itself by a later `connector sync` (or now: the replay below)";
	if (strcmp(cls, "stuck") == 0)
		return "out of automatic retries: check the remote system, then replay";
	if (f->kind == KIND_ERP_CHANGE)
		return "the ERP record could not be read or traced to an order the connector synced: "
		       "check it in the ERP; it is read again when it changes";
	if ((f->kind == KIND_ERP_REFUND || f->kind == KIND_FULFILLMENT) && f->code == SC_ECONFLICT)
		return "not sent again by itself (it may have reached the marketplace): check it "
		       "there first";
	if (f->kind == KIND_ERP_REFUND || f->kind == KIND_FULFILLMENT)
		return "fix the cause (the record in the ERP, conf, SKU map), then replay; the ERP "
		       "record is also looked at again when it changes";
	return "fix the cause (conf, SKU map, ERP data), then replay; a `connector sync` after "
	       "a conf change retries it too";
}

int
cmd_failures(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct engine *e = NULL;
	struct fail_list l;
	size_t i;
	int rc;

	if (a->cls != NULL && strcmp(a->cls, "transient") != 0 &&
	    strcmp(a->cls, "permanent") != 0 && strcmp(a->cls, "stuck") != 0) {
		fprintf(stderr, "connector: --class %s: not transient, permanent or stuck\n", a->cls);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.read_only = 1;
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		print_error(err);
		return 1;
	}
	memset(&l, 0, sizeof(l));
	l.phase = a->phase;
	l.cls = a->cls;
	l.retry_limit = e->retry_limit;
	rc = state_read(engine_state(e), failures_fn, &l, err);
	engine_close(e);
	if (rc < 0) {
		print_error(err);
		free(l.v);
		return 1;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), group_order);
	if (a->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < l.n; i++)
			json_object_array_add(arr, cli_failure_json(&l.v[i].f, l.retry_limit));
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else if (l.n == 0) {
		if (a->phase != NULL || a->cls != NULL)
			printf("no failures (%s%s%s)\n", a->phase ? a->phase : "",
			       a->phase && a->cls ? ", " : "", a->cls ? a->cls : "");
		else
			printf("no failures\n");
	} else {
		for (i = 0; i < l.n; i++) {
			const struct failure *f = &l.v[i].f;
			const char *cls = l.v[i].cls;
			char t[21], replay[200];

			if (i == 0 || strcmp(f->phase, l.v[i - 1].f.phase) != 0 ||
			    strcmp(cls, l.v[i - 1].cls) != 0) {
				size_t k, cnt = 0;

				for (k = i; k < l.n && strcmp(l.v[k].f.phase, f->phase) == 0 &&
				            strcmp(l.v[k].cls, cls) == 0; k++)
					cnt++;
				printf("%s%s, %s (%zu):\n", i ? "\n" : "", f->phase, cls, cnt);
			}
			cli_iso(t, f->last);
			printf("  %s %s [attempt %u, last %s]\n    %s\n", kind_name(f->kind), f->id,
			       (unsigned)f->attempts, t, f->message);
			if (f->remote[0] != '\0')
				printf("    remote: %s\n", f->remote);
			printf("    next: %s\n", next_step(f, cls));
			cli_failure_replay(f, replay, sizeof(replay));
			if (replay[0] != '\0')
				printf("    replay: %s\n", replay);
		}
		printf("%zu failure(s)\n", l.n);
	}
	free(l.v);
	return 0;
}
