/*
 * cli.c: `connector [OPTIONS] COMMAND [ARGS]`.
 *
 * Commands: sync, status ORDER_ID [--json], failures [--json], check-config.
 * Global options: -c FILE (default $CONNECTOR_CONF, else
 * /etc/connector/connector.conf), --state DIR, --log-format text|json,
 * --dry-run, --only PHASE. Unknown commands or options: usage, exit 1.
 * Exit codes: 0 done, 2 some records failed, 1 could not run.
 */
#include "connector/cli.h"
#include "connector/cli_int.h"
#include "connector/engine.h"
#include "connector/engine_int.h"
#include "connector/log.h"
#include "connector/money.h"
#include "connector/progress.h"
#include "connector/timeutil.h"
#include "mapping/refund_rules.h"

#include <json-c/json.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

volatile sig_atomic_t *
cli_stop_flag(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return &stop_flag;
}

void
usage(FILE *f)
{
	fprintf(f,
	    "usage: connector [-c FILE] [--state DIR] [--log-format text|json] COMMAND\n"
	    "\n"
	    "commands:\n"
	    "  sync [--dry-run] [--only PHASE]    sync what changed since the last run (PHASE:\n"
	    "                                     orders, refunds, shipments or settlements)\n"
	    "  run --every DURATION [--dry-run]   sync, sleep, again until SIGTERM (containers);\n"
	    "                                     DURATION: 90s, 15m, 1h\n"
	    "  replay --order ID [--order ID ...] [--dry-run]\n"
	    "                                     download those orders again and push them\n"
	    "                                     through; settlements waiting for them post\n"
	    "  replay --failed [--phase PHASE] [--dry-run]\n"
	    "                                     the same for every failed order/refund, and\n"
	    "                                     refunds/shipments sent back that were refused\n"
	    "                                     (PHASE: orders, refunds, refunds_back,\n"
	    "                                     shipments, settlements)\n"
	    "  status ORDER_ID [--json]           where one order is on both sides\n"
	    "  failures [--json] [--class C] [--phase P]\n"
	    "                                     every record that failed, why, and how to\n"
	    "                                     replay it (C: transient, stuck, permanent)\n"
	    "  check-config                       validate the conf file and exit\n"
	    "  keys                               every conf key, its default and meaning\n"
	    "  settlements [--json]               every known settlement: status, totals, balance\n"
	    "  settle --file FILE [--post] [--json]\n"
	    "                                     reconcile a settlement report downloaded by hand;\n"
	    "                                     --post posts it (needs the conf)\n"
	    "  mapping check                      validate the refund rules file\n"
	    "  mapping explain ORDER_ID [REFUND]  which rule decides each refund, and why\n"
	    "\n"
	    "options:\n"
	    "  -c FILE            conf file (default $CONNECTOR_CONF, else "
	    "/etc/connector/connector.conf)\n"
	    "  --state DIR        state directory (overrides [connector] state_dir)\n"
	    "  --log-format FMT   text (default) or json: one line per event on stderr\n"
	    "\n"
	    "exit codes: 0 done, 2 some records failed (see `connector failures`),\n"
	    "            1 could not run\n");
}



static int
parse_args(struct cli *a, int argc, char **argv)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->phases = PHASE_ALL;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "-c") == 0 || strcmp(s, "--config") == 0) {
			if (++i == argc)
				return -1;
			a->conf_path = argv[i];
		} else if (strcmp(s, "--state") == 0) {
			if (++i == argc)
				return -1;
			a->state_dir = argv[i];
		} else if (strcmp(s, "--log-format") == 0) {
			if (++i == argc)
				return -1;
			a->log_format = argv[i];
			if (strcmp(a->log_format, "text") != 0 &&
			    strcmp(a->log_format, "json") != 0)
				return -1;
		} else if (strcmp(s, "--file") == 0) {
			if (++i == argc)
				return -1;
			a->file = argv[i];
		} else if (strcmp(s, "--post") == 0) {
			a->post = 1;
		} else if (strcmp(s, "--json") == 0) {
			a->json = 1;
		} else if (strcmp(s, "--dry-run") == 0) {
			a->dry_run = 1;
		} else if (strcmp(s, "--only") == 0) {
			if (++i == argc)
				return -1;
			if (strcmp(argv[i], "orders") == 0)
				a->phases = PHASE_ORDERS;
			else if (strcmp(argv[i], "refunds") == 0)
				a->phases = PHASE_REFUNDS;
			else if (strcmp(argv[i], "settlements") == 0)
				a->phases = PHASE_SETTLEMENTS;
			else if (strcmp(argv[i], "shipments") == 0)
				a->phases = PHASE_SHIPMENTS;
			else
				return -1;
		} else if (strcmp(s, "--order") == 0) {
			if (++i == argc)
				return -1;
			if (a->orders == NULL &&
			    (a->orders = calloc((size_t)argc, sizeof(*a->orders))) == NULL)
				return -1;
			a->orders[a->norders++] = argv[i];
		} else if (strcmp(s, "--failed") == 0) {
			a->failed = 1;
		} else if (strcmp(s, "--phase") == 0) {
			if (++i == argc)
				return -1;
			a->phase = argv[i];
		} else if (strcmp(s, "--class") == 0) {
			if (++i == argc)
				return -1;
			a->cls = argv[i];
		} else if (strcmp(s, "--every") == 0) {
			if (++i == argc)
				return -1;
			a->every = argv[i];
		} else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			return 1;
		} else if (s[0] == '-') {
			fprintf(stderr, "connector: unknown option %s\n", s);
			return -1;
		} else if (a->command == NULL) {
			a->command = s;
		} else if (a->arg == NULL) {
			a->arg = s;
		} else if (a->arg2 == NULL && strcmp(a->command, "mapping") == 0) {
			a->arg2 = s;
		} else if (a->arg3 == NULL && strcmp(a->command, "mapping") == 0) {
			a->arg3 = s;
		} else {
			fprintf(stderr, "connector: unexpected argument %s\n", s);
			return -1;
		}
	}
	if (a->command == NULL)
		return -1;
	a->conf_path_given = a->conf_path != NULL;
	if (a->conf_path == NULL)
		a->conf_path = getenv("CONNECTOR_CONF");
	if (a->conf_path == NULL)
		a->conf_path = "/etc/connector/connector.conf";
	return 0;
}

void
print_error(const struct sc_error *err)
{
	char line[SC_ERROR_MSG_MAX + SC_ERROR_REMOTE_MAX + 64];

	if (err->remote[0] != '\0')
		snprintf(line, sizeof(line), "connector: %s (remote: %s)", err->msg,
		         err->remote);
	else
		snprintf(line, sizeof(line), "connector: %s",
		         err->msg[0] ? err->msg : sc_code_name(err->code));
	log_redact(line, sizeof(line), line);
	fprintf(stderr, "%s\n", line);
}

int
load_conf(struct conf **c, const struct cli *a, struct sc_error *err)
{
	if (a->log_format != NULL && strcmp(a->log_format, "json") == 0)
		log_set_format(LOG_JSON);
	return conf_load(c, a->conf_path, err);
}

/* ---- sync --------------------------------------------------------------- */

static int
cmd_sync(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct sync_summary sum;
	struct engine *e = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.lock = !a->dry_run;
	o.dry_run = a->dry_run;
	o.phases = a->phases;
	o.stop = cli_stop_flag();
	o.progress = progress_wanted(stderr, log_get_format() == LOG_JSON);
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		if (rc == SC_ELOCKED) {
			printf("connector: %s; this run exits and leaves it alone\n", err->msg);
			return 0;
		}
		print_error(err);
		if (!a->dry_run)
			cli_metrics_write(c, NULL, NULL, 1);
		return 1;
	}
	if (a->log_format != NULL && strcmp(a->log_format, "json") == 0)
		log_set_format(LOG_JSON);
	rc = engine_sync(e, &sum, err);
	if (rc < 0)
		print_error(err);
	else
		engine_summary_print(e, &sum);
	rc = engine_exit_code(rc, &sum);
	cli_metrics_write(c, e, rc == 1 ? NULL : &sum, rc);
	engine_close(e);
	return rc;
}

/* ---- status and failures ------------------------------------------------ */

struct status_q {
	const char *id;
	struct binding b;
	struct failure f;
	int has_b, has_f;
	struct binding refunds[64];
	struct failure rfail[64];
	int rhas_f[64];
	size_t nrefunds;
	struct binding ships[32];       /* shipments and cancellations sent back */
	size_t nships;
	struct state_txn *t;
};

static int
status_ship(const struct binding *b, void *ud)
{
	struct status_q *q = ud;

	if (strcmp(b->order_id, q->id) == 0 && q->nships < 32)
		q->ships[q->nships++] = *b;
	return 0;
}

static int
status_refund(const struct binding *b, void *ud)
{
	struct status_q *q = ud;
	int rc;

	if (strcmp(b->order_id, q->id) != 0 || q->nrefunds == 64)
		return 0;
	q->refunds[q->nrefunds] = *b;
	if ((rc = state_failure_get(q->t, KIND_REFUND, b->id, &q->rfail[q->nrefunds])) < 0)
		return rc;
	q->rhas_f[q->nrefunds] = rc == 1;
	q->nrefunds++;
	return 0;
}

static int
status_fn(struct state_txn *t, void *ud)
{
	struct status_q *q = ud;
	int rc;

	if ((rc = state_binding_get(t, KIND_ORDER, q->id, &q->b)) < 0)
		return rc;
	q->has_b = rc == 1;
	if ((rc = state_failure_get(t, KIND_ORDER, q->id, &q->f)) < 0)
		return rc;
	q->has_f = rc == 1;
	q->t = t;
	if ((rc = state_binding_each(t, KIND_REFUND, status_refund, q)) < 0)
		return rc;
	return state_binding_each(t, KIND_FULFILLMENT, status_ship, q);
}

static const char *
binding_status_name(int s)
{
	switch (s) {
	case BINDING_SYNCED: return "synced";
	case BINDING_FAILED: return "failed";
	case BINDING_WAITING: return "waiting";
	case BINDING_PENDING: return "pending";
	default: return "unknown";
	}
}

void
cli_iso(char out[21], int64_t t)
{
	if (t == 0)
		snprintf(out, 21, "-");
	else
		time_format_iso8601(out, t);
}

static int
cmd_status(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct engine *e = NULL;
	struct status_q q;
	char t1[21], t2[21];
	long retry_limit;
	int rc;

	if (a->arg == NULL) {
		usage(stderr);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.read_only = 1;
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		print_error(err);
		return 1;
	}
	memset(&q, 0, sizeof(q));
	q.id = a->arg;
	if ((rc = state_read(engine_state(e), status_fn, &q, err)) < 0) {
		print_error(err);
		engine_close(e);
		return 1;
	}
	retry_limit = e->retry_limit;
	engine_close(e);
	if (a->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "order_id", json_object_new_string(a->arg));
		json_object_object_add(j, "known", json_object_new_boolean(q.has_b || q.has_f));
		if (q.has_b) {
			json_object *b = json_object_new_object();
			cli_iso(t1, q.b.first_seen);
			cli_iso(t2, q.b.synced);
			json_object_object_add(b, "status",
			    json_object_new_string(binding_status_name(q.b.status)));
			json_object_object_add(b, "erp_type", json_object_new_string(q.b.erp_type));
			json_object_object_add(b, "erp_id", json_object_new_string(q.b.erp_id));
			json_object_object_add(b, "external_id",
			    json_object_new_string(q.b.external_id));
			json_object_object_add(b, "first_seen", json_object_new_string(t1));
			json_object_object_add(b, "last_synced", json_object_new_string(t2));
			json_object_object_add(b, "attempts", json_object_new_int64(q.b.attempts));
			json_object_object_add(j, "erp", b);
		}
		json_object_object_add(j, "failure", q.has_f ? cli_failure_json(&q.f, retry_limit) : NULL);
		{
			json_object *arr = json_object_new_array();
			size_t k;

			for (k = 0; k < q.nrefunds; k++) {
				json_object *r = json_object_new_object();
				const struct binding *rb = &q.refunds[k];

				json_object_object_add(r, "refund",
				    json_object_new_string(strchr(rb->id, '/') ? strchr(rb->id, '/') + 1 : rb->id));
				json_object_object_add(r, "status",
				    json_object_new_string(binding_status_name(rb->status)));
				json_object_object_add(r, "erp_type", json_object_new_string(rb->erp_type));
				json_object_object_add(r, "erp_id", json_object_new_string(rb->erp_id));
				json_object_object_add(r, "external_id", json_object_new_string(rb->external_id));
				json_object_object_add(r, "detail", json_object_new_string(rb->detail));
				json_object_object_add(r, "failure",
				    q.rhas_f[k] ? cli_failure_json(&q.rfail[k], retry_limit) : NULL);
				json_object_array_add(arr, r);
			}
			json_object_object_add(j, "refunds", arr);
			arr = json_object_new_array();
			for (k = 0; k < q.nships; k++) {
				json_object *r = json_object_new_object();
				const struct binding *sb = &q.ships[k];

				json_object_object_add(r, "type", json_object_new_string(sb->erp_type));
				json_object_object_add(r, "erp_id", json_object_new_string(sb->erp_id));
				json_object_object_add(r, "status",
				    json_object_new_string(binding_status_name(sb->status)));
				json_object_object_add(r, "detail", json_object_new_string(sb->detail));
				json_object_array_add(arr, r);
			}
			json_object_object_add(j, "shipments", arr);
		}
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
		                                             JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
		return q.has_b || q.has_f ? 0 : 1;
	}
	if (!q.has_b && !q.has_f) {
		printf("order %s: not known to this connection (no sync has seen it)\n", a->arg);
		return 1;
	}
	if (q.has_b) {
		cli_iso(t1, q.b.first_seen);
		cli_iso(t2, q.b.synced);
		printf("order %s: %s\n", a->arg, binding_status_name(q.b.status));
		if (q.b.erp_id[0] != '\0')
			printf("  erp:        %s %s (external id %s)\n", q.b.erp_type, q.b.erp_id,
			       q.b.external_id);
		else
			printf("  erp:        not created yet (external id %s)\n", q.b.external_id);
		printf("  first seen: %s\n  last sync:  %s\n  attempts:   %u\n", t1, t2,
		       (unsigned)q.b.attempts);
	} else {
		printf("order %s: failed before it could be bound\n", a->arg);
	}
	if (q.has_f) {
		cli_iso(t1, q.f.last);
		printf("  failure:    %s, %s (attempt %u, last %s)\n    %s\n",
		       q.f.fclass == FAILURE_TRANSIENT ? "transient" : "permanent",
		       q.f.phase, (unsigned)q.f.attempts, t1, q.f.message);
		if (q.f.remote[0] != '\0')
			printf("    remote: %s\n", q.f.remote);
	}
	{
		size_t k;

		for (k = 0; k < q.nrefunds; k++) {
			const struct binding *rb = &q.refunds[k];
			const char *rid = strchr(rb->id, '/') ? strchr(rb->id, '/') + 1 : rb->id;

			if (rb->erp_id[0] != '\0')
				printf("  refund %s: %s, %s %s (external id %s) by %s\n", rid,
				       binding_status_name(rb->status), rb->erp_type, rb->erp_id,
				       rb->external_id, rb->detail);
			else
				printf("  refund %s: %s: %s\n", rid, binding_status_name(rb->status),
				       rb->detail);
			if (q.rhas_f[k])
				printf("    failure: %s%s%s\n", q.rfail[k].message,
				       q.rfail[k].remote[0] ? " | remote: " : "", q.rfail[k].remote);
		}
		for (k = 0; k < q.nships; k++)
			printf("  %s %s (ERP record %s) to the marketplace: %s: %s\n",
			       q.ships[k].erp_type, q.ships[k].id, q.ships[k].erp_id,
			       binding_status_name(q.ships[k].status), q.ships[k].detail);
	}
	return 0;
}

/* ---- keys --------------------------------------------------------------- */

static void
print_keys(const char *section, const char *type, const struct conf_key *k)
{
	printf("[%s]%s%s\n", section, type ? " type = " : "", type ? type : "");
	for (; k != NULL && k->name != NULL; k++)
		printf("  %-22s %-9s %-10s %s\n", k->name,
		       (k->flags & CONF_REQUIRED) ? "required" : "optional",
		       (k->flags & CONF_SECRET) ? "secret" : "",
		       k->help ? k->help : "");
}

static int
cmd_keys(void)
{
	size_t i;

	print_keys("connector", NULL, conf_connector_keys());
	for (i = 0; adapter_marketplaces[i] != NULL; i++)
		print_keys("marketplace", adapter_marketplaces[i]->name,
		           adapter_marketplaces[i]->conf_keys);
	for (i = 0; adapter_erps[i] != NULL; i++)
		print_keys("erp", adapter_erps[i]->name, adapter_erps[i]->conf_keys);
	printf("[sku_map]\n  MARKETPLACE-SKU = ERP-ITEM   one line per SKU to map\n");
	return 0;
}

/* ---- mapping ------------------------------------------------------------ */

static int
cmd_mapping_check(const struct conf *c, struct sc_error *err)
{
	const struct conf_section *cs = conf_section(c, "connector");
	const struct marketplace_ops *mkt =
	    adapter_marketplace_find(conf_get(conf_section(c, "marketplace"), "type"));
	const struct erp_ops *erp = adapter_erp_find(conf_get(conf_section(c, "erp"), "type"));
	struct refund_rules *rules = NULL;
	struct buf b;
	int nwarn;

	if (mkt == NULL || erp == NULL) {
		fprintf(stderr, "connector: %s: needs [marketplace] and [erp]\n", conf_path(c));
		return 1;
	}
	if (conf_get(cs, "refund_rules") == NULL) {
		fprintf(stderr, "connector: %s: no [connector] refund_rules file: refunds are "
		        "not synced\n", conf_path(c));
		return 1;
	}
	if (engine_load_rules(&rules, cs, mkt, erp, err) < 0) {
		print_error(err);
		return 1;
	}
	buf_init(&b, 0);
	mapping_refund_rules_describe(rules, &b);
	nwarn = mapping_refund_rules_check(rules, &b);
	printf("%s", buf_cstr(&b));
	printf("%s: ok%s\n", mapping_refund_rules_path(rules),
	       nwarn > 0 ? " (with the warnings above)" : "");
	buf_free(&b);
	mapping_refund_rules_free(rules);
	return 0;
}

static int
explain_order_fn(struct state_txn *t, void *ud)
{
	struct status_q *q = ud;
	int rc = state_binding_get(t, KIND_ORDER, q->id, &q->b);

	if (rc < 0)
		return rc;
	q->has_b = rc == 1;
	return 0;
}

static int
cmd_mapping_explain(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct engine *e = NULL;
	struct status_q q;
	struct page p;
	size_t i, shown = 0;
	int rc;

	if (a->arg2 == NULL) {
		usage(stderr);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		print_error(err);
		return 1;
	}
	if (e->rules == NULL) {
		fprintf(stderr, "connector: %s: no [connector] refund_rules file\n", conf_path(c));
		engine_close(e);
		return 1;
	}
	if (e->mkt->order_refunds == NULL) {
		fprintf(stderr, "connector: %s cannot read refunds\n", e->mkt->name);
		engine_close(e);
		return 1;
	}
	memset(&q, 0, sizeof(q));
	q.id = a->arg2;
	if ((rc = state_read(engine_state(e), explain_order_fn, &q, err)) < 0) {
		print_error(err);
		engine_close(e);
		return 1;
	}
	page_init(&p, (void (*)(void *))refund_free);
	if ((rc = e->mkt->order_refunds(e->mkt_self, a->arg2, &p, err)) < 0) {
		print_error(err);
		page_free(&p);
		engine_close(e);
		return rc == SC_ENOTFOUND ? 2 : 1;
	}
	if (!q.has_b || q.b.erp_id[0] == '\0')
		printf("order %s is not synced yet: its refunds wait for it. As a %s it would "
		       "be decided so:\n", a->arg2, e->erp->order_types ? e->erp->order_types[0] : "?");
	for (i = 0; i < p.n; i++) {
		const struct refund *r = p.items[i];
		struct refund_rule_input in;
		struct buf b;

		if (a->arg3 != NULL && strcmp(a->arg3, r->id) != 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.kind = r->kind;
		in.reason = r->reason;
		in.posted_as = q.has_b && q.b.erp_type[0] ? q.b.erp_type :
		               (e->erp->order_types ? e->erp->order_types[0] : "");
		buf_init(&b, 0);
		printf("refund %s of order %s:\n", r->id, r->order_id);
		mapping_refund_explain(e->rules, &in, &b);
		printf("%s\n", buf_cstr(&b));
		buf_free(&b);
		shown++;
	}
	if (shown == 0)
		printf("order %s has no refund%s%s on %s\n", a->arg2, a->arg3 ? " " : "",
		       a->arg3 ? a->arg3 : "", e->mkt->name);
	page_free(&p);
	engine_close(e);
	return 0;
}

/* ---- check-config ------------------------------------------------------- */

static int
cmd_check_config(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct engine *e = NULL;

	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.check_only = 1;
	if (engine_open(&e, c, &o, err) < 0) {
		print_error(err);
		return 1;
	}
	printf("%s: ok (marketplace %s, erp %s, %zu SKU mapping(s))\n", conf_path(c),
	       e->mkt->name, e->erp->name, sku_map_count(e->skus));
	engine_close(e);
	return 0;
}

static int cli_dispatch(struct cli *ap);

int
cli_main(int argc, char **argv)
{
	struct cli a;
	int rc;

	rc = parse_args(&a, argc, argv);
	if (rc != 0) {
		free(a.orders);
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 1;
	}
	rc = cli_dispatch(&a);
	free(a.orders);
	return rc;
}

static int
cli_dispatch(struct cli *ap)
{
	struct cli a = *ap;
	struct conf *c = NULL;
	struct sc_error err;
	int rc;

	sc_error_clear(&err);
	if (strcmp(a.command, "run") == 0)
		return cmd_run(&a, &err);
	if (strcmp(a.command, "keys") == 0)
		return cmd_keys();
	if (strcmp(a.command, "settle") == 0)
		return cmd_settle(&a, &err);
	if (strcmp(a.command, "mapping") == 0) {
		if (a.arg == NULL || (strcmp(a.arg, "check") != 0 && strcmp(a.arg, "explain") != 0)) {
			usage(stderr);
			return 1;
		}
		if (load_conf(&c, &a, &err) < 0) {
			print_error(&err);
			return 1;
		}
		rc = strcmp(a.arg, "check") == 0 ? cmd_mapping_check(c, &err)
		                                 : cmd_mapping_explain(&a, c, &err);
		conf_free(c);
		return rc;
	}
	if (strcmp(a.command, "sync") != 0 && strcmp(a.command, "status") != 0 &&
	    strcmp(a.command, "failures") != 0 && strcmp(a.command, "check-config") != 0 &&
	    strcmp(a.command, "settlements") != 0 && strcmp(a.command, "replay") != 0) {
		fprintf(stderr, "connector: unknown command `%s`\n", a.command);
		usage(stderr);
		return 1;
	}
	if (load_conf(&c, &a, &err) < 0) {
		print_error(&err);
		return 1;
	}
	if (strcmp(a.command, "sync") == 0)
		rc = cmd_sync(&a, c, &err);
	else if (strcmp(a.command, "status") == 0)
		rc = cmd_status(&a, c, &err);
	else if (strcmp(a.command, "failures") == 0)
		rc = cmd_failures(&a, c, &err);
	else if (strcmp(a.command, "settlements") == 0)
		rc = cmd_settlements(&a, c, &err);
	else if (strcmp(a.command, "replay") == 0)
		rc = cmd_replay(&a, c, &err);
	else
		rc = cmd_check_config(&a, c, &err);
	conf_free(c);
	return rc;
}
