/*
 * cli_settlements.c: `connector settlements` and `connector settle --file`.
 */
#include "connector/cli_int.h"
#include "connector/engine.h"
#include "connector/engine_int.h"
#include "connector/money.h"
#include "connector/timeutil.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settlements --------------------------------------------------------- */

static void
amount_str(char *out, size_t n, int64_t v, int exponent)
{
	if (money_format(out, n, v, exponent) < 0)
		snprintf(out, n, "?");
}

static json_object *
settlement_json(const struct settlement_state *s)
{
	json_object *o = json_object_new_object();
	json_object *tot = json_object_new_object();
	json_object *miss = json_object_new_array();
	char buf[40], d[21];
	uint32_t i;

	json_object_object_add(o, "settlement_id", json_object_new_string(s->id));
	json_object_object_add(o, "currency", json_object_new_string(s->currency));
	time_format_iso8601(d, s->start);
	json_object_object_add(o, "start_date", json_object_new_string(d));
	time_format_iso8601(d, s->end);
	json_object_object_add(o, "end_date", json_object_new_string(d));
	time_format_iso8601(d, s->deposit);
	json_object_object_add(o, "deposit_date", json_object_new_string(d));
	amount_str(buf, sizeof(buf), s->total, s->exponent);
	json_object_object_add(o, "total_amount", json_object_new_string(buf));
	amount_str(buf, sizeof(buf), s->charges, s->exponent);
	json_object_object_add(tot, "charges", json_object_new_string(buf));
	amount_str(buf, sizeof(buf), s->refunds, s->exponent);
	json_object_object_add(tot, "refunds", json_object_new_string(buf));
	amount_str(buf, sizeof(buf), s->fees, s->exponent);
	json_object_object_add(tot, "fees", json_object_new_string(buf));
	amount_str(buf, sizeof(buf), s->adjustments, s->exponent);
	json_object_object_add(tot, "adjustments", json_object_new_string(buf));
	json_object_object_add(o, "totals", tot);
	amount_str(buf, sizeof(buf), s->balance, s->exponent);
	json_object_object_add(o, "balance", json_object_new_string(buf));
	json_object_object_add(o, "status", json_object_new_string(settlement_status_name(s->status)));
	for (i = 0; i < s->missing && i < STATE_SETTLEMENT_MISSING_MAX; i++)
		json_object_array_add(miss, json_object_new_string(s->missing_ids[i]));
	json_object_object_add(o, "missing_orders", miss);
	json_object_object_add(o, "lines", json_object_new_int64(s->lines));
	return o;
}

static void
settlement_print(const struct settlement_state *s)
{
	char t[40], c[40], r[40], f[40], a[40], b[40], d1[11], d2[11], d3[11];

	amount_str(t, sizeof(t), s->total, s->exponent);
	amount_str(c, sizeof(c), s->charges, s->exponent);
	amount_str(r, sizeof(r), s->refunds, s->exponent);
	amount_str(f, sizeof(f), s->fees, s->exponent);
	amount_str(a, sizeof(a), s->adjustments, s->exponent);
	amount_str(b, sizeof(b), s->balance, s->exponent);
	time_format_date(d1, s->start);
	time_format_date(d2, s->end);
	time_format_date(d3, s->deposit);
	printf("settlement %s (%s to %s, deposit %s): %s\n", s->id, d1, d2, d3,
	       settlement_status_name(s->status));
	printf("  deposited %s %s = charges %s + refunds %s + fees %s + adjustments %s; "
	       "balance %s (%lld rows)\n", t, s->currency, c, r, f, a, b, (long long)s->lines);
	if (s->erp_id[0] != '\0')
		printf("  posted as %s %s (external id %s)\n", s->erp_type, s->erp_id,
		       s->external_id);
	if (s->missing > 0) {
		uint32_t i;

		printf("  waiting for %u order(s):", (unsigned)s->missing);
		for (i = 0; i < s->missing && i < STATE_SETTLEMENT_MISSING_MAX; i++)
			printf(" %s", s->missing_ids[i]);
		printf("%s\n", s->missing > STATE_SETTLEMENT_MISSING_MAX ? " ..." : "");
	}
	if (s->message[0] != '\0')
		printf("  %s\n", s->message);
}

int
cmd_settlements(const struct cli *a, const struct conf *c, struct sc_error *err)
{
	struct engine_opts o;
	struct engine *e = NULL;
	struct settlement_state *all = NULL;
	size_t i, n = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.state_dir = a->state_dir;
	o.read_only = 1;
	if ((rc = engine_open(&e, c, &o, err)) < 0) {
		print_error(err);
		return 1;
	}
	rc = engine_settlement_list(engine_state(e), &all, &n, err);
	engine_close(e);
	if (rc < 0) {
		print_error(err);
		return 1;
	}
	if (a->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < n; i++)
			json_object_array_add(arr, settlement_json(&all[i]));
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else if (n == 0) {
		printf("no settlements yet\n");
	} else {
		for (i = 0; i < n; i++)
			settlement_print(&all[i]);
	}
	free(all);
	return 0;
}

/* settle --file: the conf is only needed with --post. */
int
cmd_settle(const struct cli *a, struct sc_error *err)
{
	const struct marketplace_ops *mkt = adapter_marketplaces[0];
	struct account_map *map = NULL;
	struct settlement_state s;
	struct reconcile *rec = NULL;
	struct conf *c = NULL;
	struct engine *e = NULL;
	struct state *st = NULL;
	struct missing miss = { NULL, 0, 0 };
	int rc, code = 1;

	if (a->file == NULL) {
		usage(stderr);
		return 1;
	}
	if (a->post) {
		struct engine_opts o;

		if (load_conf(&c, a, err) < 0)
			goto fail;
		memset(&o, 0, sizeof(o));
		o.state_dir = a->state_dir;
		o.lock = 1;
		if ((rc = engine_open(&e, c, &o, err)) < 0) {
			if (rc == SC_ELOCKED) {
				printf("connector: %s; try again when it is done\n", err->msg);
				code = 1;
				goto done;
			}
			goto fail;
		}
		mkt = e->mkt;
		st = engine_state(e);
		if ((rc = engine_settlement_process(mkt, e->accounts, st, a->file, &s, &rec,
		                                    &miss, err)) < 0)
			goto fail;
	} else {
		const char *conf_path = a->conf_path_given ? a->conf_path : NULL;

		if (conf_path != NULL && load_conf(&c, a, err) < 0)
			goto fail;
		if ((rc = engine_load_accounts(&map, conf_section(c, "connector"), err)) < 0)
			goto fail;
		if (a->state_dir != NULL || c != NULL) {
			const char *dir = a->state_dir ? a->state_dir :
			                  conf_get(conf_section(c, "connector"), "state_dir");
			rc = state_open(&st, dir, STATE_RDONLY, NULL, err);
			if (rc == SC_ENOTFOUND)
				st = NULL;   /* a fresh state: every order is missing */
			else if (rc < 0)
				goto fail;
		}
		if ((rc = engine_settlement_process(mkt, map, st, a->file, &s, &rec, &miss,
		                                    err)) < 0)
			goto fail;
	}
	if (a->post && s.status == SETTLEMENT_RECONCILED) {
		if ((rc = engine_settlement_post(e, &s, rec, err)) < 0)
			goto fail;
	} else if (a->post) {
		if ((rc = engine_settlement_store(e, &s, err)) < 0)
			goto fail;
	}
	if (a->json) {
		json_object *o = settlement_json(&s);
		json_object *all = json_object_new_array();
		size_t k;

		/* every missing order, not only the first ones the state keeps */
		for (k = 0; k < miss.n; k++)
			json_object_array_add(all, json_object_new_string(miss.ids[k]));
		json_object_object_add(o, "missing_orders", all);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
		                                             JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		settlement_print(&s);
	}
	code = s.status == SETTLEMENT_RECONCILED || s.status == SETTLEMENT_POSTED ? 0 : 2;
	goto done;
fail:
	print_error(err);
	code = 1;
done:
	engine_missing_free(&miss);
	reconcile_free(rec);
	mapping_account_map_free(map);
	if (e != NULL)
		engine_close(e);
	else
		state_close(st);
	conf_free(c);
	return code;
}

