/* main.c: connector-sandbox command line, seed loading, signals, dump.
 * See README.md next to this file for the interface. */
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/amzreturns.h"
#include "connector/error.h"
#include "connector/log.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: connector-sandbox --listen 127.0.0.1:PORT --seed FILE.json [--time-scale N]\n"
	"                         [--limits on|off] [--netsuite-public-key PEM] [--generate N]\n"
	"                         [--state-dump FILE] [--latency-ms N] [--feed-delay-ms N]\n"
	"                         [--verbose]\n"
	"       connector-sandbox --check-tba-vectors oauth1-test-vectors.json\n";

struct opts {
	const char *listen, *seed, *pubkey, *dump, *vectors;
	long generate;
};

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		return SC_EINVALID;
	*out = v;
	return 0;
}

static int
parse_args(struct sbx *sb, struct opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;

		if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			sb->verbose = 1;
			takes = 0;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (v == NULL) {
			fprintf(stderr, "connector-sandbox: %s needs a value\n%s", a, usage);
			return SC_EINVALID;
		} else if (strcmp(a, "--listen") == 0) {
			o->listen = v;
		} else if (strcmp(a, "--seed") == 0) {
			o->seed = v;
		} else if (strcmp(a, "--netsuite-public-key") == 0) {
			o->pubkey = v;
		} else if (strcmp(a, "--state-dump") == 0) {
			o->dump = v;
		} else if (strcmp(a, "--check-tba-vectors") == 0) {
			o->vectors = v;
		} else if (strcmp(a, "--generate") == 0) {
			if (parse_long(v, 0, 10000000, &o->generate) < 0) {
				fprintf(stderr, "connector-sandbox: --generate takes 0..10000000\n");
				return SC_EINVALID;
			}
		} else if (strcmp(a, "--feed-delay-ms") == 0) {
			if (parse_long(v, 0, 86400000, &sb->feed_delay_ms) < 0) {
				fprintf(stderr, "connector-sandbox: --feed-delay-ms takes 0..86400000\n");
				return SC_EINVALID;
			}
		} else if (strcmp(a, "--latency-ms") == 0) {
			if (parse_long(v, 0, 60000, &sb->latency_ms) < 0) {
				fprintf(stderr, "connector-sandbox: --latency-ms takes 0..60000\n");
				return SC_EINVALID;
			}
		} else if (strcmp(a, "--time-scale") == 0) {
			char *end = NULL;

			sb->time_scale = strtod(v, &end);
			if (*end != '\0' || !(sb->time_scale >= 0.001 && sb->time_scale <= 1e6)) {
				fprintf(stderr, "connector-sandbox: --time-scale takes a number > 0\n");
				return SC_EINVALID;
			}
		} else if (strcmp(a, "--limits") == 0) {
			if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
				fprintf(stderr, "connector-sandbox: --limits takes on or off\n");
				return SC_EINVALID;
			}
			sb->limits = strcmp(v, "on") == 0;
		} else {
			fprintf(stderr, "connector-sandbox: unknown option %s\n%s", a, usage);
			return SC_EINVALID;
		}
		i += takes;
	}
	if (o->vectors == NULL && o->seed == NULL) {
		fprintf(stderr, "connector-sandbox: --seed is required\n%s", usage);
		return SC_EINVALID;
	}
	return 0;
}

/* ---- seed ---------------------------------------------------------------- */

static char *
seed_str(json_object *o, const char *key)
{
	const char *s = sbx_json_str(o, key);

	if (s != NULL && strlen(s) >= 4)
		log_secret_add(s);
	return s ? strdup(s) : NULL;
}

static int
seed_customers(struct sbx *sb, json_object *arr)
{
	struct sbx_rtype *t = sbx_rtype_get(sb, "customer", 1);
	size_t i;
	int rc;

	if (t == NULL)
		return SC_ENOMEM;
	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		json_object *c = json_object_array_get_idx(arr, i), *body = json_object_new_object();
		const char *id = sbx_json_str(c, "id"), *name = sbx_json_str(c, "entityid");
		const char *company = sbx_json_str(c, "companyName");
		struct sbx_record *r = NULL;
		char *end = NULL, *text;
		long long v = id ? strtoll(id, &end, 10) : 0;

		if (id == NULL || *end != '\0' || v <= 0 || name == NULL) {
			json_object_put(body);
			fprintf(stderr, "seed: netsuite.customers[%zu] needs numeric \"id\" and \"entityid\"\n", i);
			return SC_EINVALID;
		}
		json_object_object_add(body, "entityId", json_object_new_string(name));
		json_object_object_add(body, "companyName", json_object_new_string(company ? company : name));
		text = strdup(json_object_to_json_string_ext(body, SBX_JSON_FLAGS));
		json_object_put(body);
		if (text == NULL)
			return SC_ENOMEM;
		if ((rc = sbx_record_add(&r, sb, t, v, sbx_json_str(c, "externalId"), text)) < 0)
			return rc;
	}
	return 0;
}

/* Shift createdTime and lastUpdatedTime of every order by one amount so
 * the newest lastUpdatedTime is a little over an hour before now; returns
 * the shift (ms), which the seeded financial events get too. */
static int64_t
seed_rebase(json_object *orders)
{
	static const char *const keys[] = { "createdTime", "lastUpdatedTime" };
	int64_t newest = INT64_MIN, t, target, delta;
	size_t i, k, n = json_object_array_length(orders);
	char when[32];

	for (i = 0; i < n; i++) {
		const char *s = sbx_json_str(json_object_array_get_idx(orders, i), "lastUpdatedTime");

		if (s != NULL && sbx_time_parse(&t, s) == 0 && t > newest)
			newest = t;
	}
	if (newest == INT64_MIN)
		return 0;
	target = (sbx_now_ms() - 3720000) / 60000 * 60000;
	delta = (target - newest) / 1000 * 1000;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(orders, i);

		for (k = 0; k < 2; k++) {
			const char *s = sbx_json_str(o, keys[k]);

			if (s == NULL || sbx_time_parse(&t, s) < 0)
				continue;
			sbx_time_format(when, sizeof when, t + delta);
			json_object_object_add(o, keys[k], json_object_new_string(when));
		}
	}
	return delta;
}

static int
seed_load(struct sbx *sb, const char *path)
{
	json_object *doc = json_object_from_file(path), *auth = NULL, *amz = NULL, *ns = NULL;
	json_object *a = NULL, *arr = NULL, *v = NULL;
	char now[32], err[400];
	int64_t shift = 0;
	size_t i;
	int rc = SC_EINVALID;

	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		fprintf(stderr, "seed: %s: %s\n", path, json_util_get_last_err() ? json_util_get_last_err()
		                                                               : "not a JSON object");
		goto done;
	}
	{
		const char *slash = strrchr(path, '/');

		/* a settlement report's relative "file" is read from here */
		sb->seed_dir = slash == NULL ? strdup(".") : slash == path ? strdup("/")
		               : strndup(path, (size_t)(slash - path));
		if (sb->seed_dir == NULL) {
			rc = SC_ENOMEM;
			goto done;
		}
	}
	json_object_object_get_ex(doc, "auth", &auth);
	if (json_object_object_get_ex(auth, "amazon", &a)) {
		sb->amz_client_id = seed_str(a, "client_id");
		sb->amz_client_secret = seed_str(a, "client_secret");
		sb->amz_refresh_token = seed_str(a, "refresh_token");
	}
	if (json_object_object_get_ex(auth, "netsuite", &a)) {
		sb->ns_account = seed_str(a, "account");
		sb->ns_client_id = seed_str(a, "client_id");
		sb->ns_certificate_id = seed_str(a, "certificate_id");
		sb->ns_consumer_key = seed_str(a, "consumer_key");
		sb->ns_consumer_secret = seed_str(a, "consumer_secret");
		sb->ns_token_id = seed_str(a, "token_id");
		sb->ns_token_secret = seed_str(a, "token_secret");
	}
	if (sb->ns_account == NULL)
		sb->ns_account = strdup("");
	sbx_time_format(now, sizeof now, sbx_now_ms());
	if (json_object_object_get_ex(doc, "amazon", &amz) &&
	    json_object_object_get_ex(amz, "orders", &arr)) {
		if (json_object_object_get_ex(amz, "rebase_times", &v) && json_object_get_boolean(v))
			shift = seed_rebase(arr);
		for (i = 0; i < json_object_array_length(arr); i++) {
			if ((rc = sbx_orders_put_json(sb, json_object_array_get_idx(arr, i), now)) < 0) {
				fprintf(stderr, "seed: amazon.orders[%zu] needs orderId and ISO 8601 times\n", i);
				goto done;
			}
		}
	}
	if (json_object_object_get_ex(amz, "financial_events", &arr)) {
		if (!json_object_is_type(arr, json_type_array)) {
			fprintf(stderr, "seed: amazon.financial_events must be an array\n");
			rc = SC_EINVALID;
			goto done;
		}
		for (i = 0; i < json_object_array_length(arr); i++) {
			if ((rc = sbx_fevents_add(sb, json_object_array_get_idx(arr, i), shift, err,
			                          sizeof err)) < 0) {
				fprintf(stderr, "seed: amazon.financial_events[%zu]: %s\n", i, err);
				goto done;
			}
		}
	}
	if (json_object_object_get_ex(amz, "settlement_reports", &arr)) {
		if (!json_object_is_type(arr, json_type_array)) {
			fprintf(stderr, "seed: amazon.settlement_reports must be an array\n");
			rc = SC_EINVALID;
			goto done;
		}
		for (i = 0; i < json_object_array_length(arr); i++) {
			if ((rc = sbx_reports_add(sb, json_object_array_get_idx(arr, i), shift, err,
			                          sizeof err)) < 0) {
				fprintf(stderr, "seed: amazon.settlement_reports[%zu]: %s\n", i, err);
				goto done;
			}
		}
	}
	if (json_object_object_get_ex(amz, "returns", &arr) &&
	    sbx_returns_add(sb, arr, shift, err, sizeof err) < 0) {   /* amzreturns.c */
		fprintf(stderr, "seed: amazon.%s\n", err);
		rc = SC_EINVALID;
		goto done;
	}
	json_object_object_get_ex(doc, "netsuite", &ns);
	if (json_object_object_get_ex(ns, "items", &arr)) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *it = json_object_array_get_idx(arr, i);

			if (sbx_json_str(it, "id") == NULL || sbx_json_str(it, "itemid") == NULL) {
				fprintf(stderr, "seed: netsuite.items[%zu] needs \"id\" and \"itemid\"\n", i);
				rc = SC_EINVALID;
				goto done;
			}
			if ((rc = sbx_items_put(sb, sbx_json_str(it, "id"), sbx_json_str(it, "itemid"),
			                        sbx_json_str(it, "type"), sbx_json_str(it, "displayname"))) < 0)
				goto done;
		}
	}
	if (json_object_object_get_ex(ns, "currencies", &arr)) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *c = json_object_array_get_idx(arr, i);

			if (sbx_json_str(c, "id") == NULL || sbx_json_str(c, "symbol") == NULL) {
				fprintf(stderr, "seed: netsuite.currencies[%zu] needs \"id\" and \"symbol\"\n", i);
				rc = SC_EINVALID;
				goto done;
			}
			if ((rc = sbx_currencies_put(sb, sbx_json_str(c, "id"), sbx_json_str(c, "symbol"))) < 0)
				goto done;
		}
	}
	if (json_object_object_get_ex(ns, "accounts", &arr)) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *ac = json_object_array_get_idx(arr, i);

			if (sbx_json_str(ac, "id") == NULL) {
				fprintf(stderr, "seed: netsuite.accounts[%zu] needs \"id\"\n", i);
				rc = SC_EINVALID;
				goto done;
			}
			if ((rc = sbx_accounts_put(sb, sbx_json_str(ac, "id"), sbx_json_str(ac, "acctnumber"),
			                           sbx_json_str(ac, "name"), sbx_json_str(ac, "type"))) < 0)
				goto done;
		}
	}
	if (json_object_object_get_ex(ns, "customers", &arr) && (rc = seed_customers(sb, arr)) < 0)
		goto done;
	if (json_object_object_get_ex(ns, "concurrency_limit", &v))
		sb->ns_concurrency_limit = (long)json_object_get_int64(v);
	if (sb->ns_concurrency_limit < 1)
		sb->ns_concurrency_limit = 1;
	sbx_orders_sort(sb);
	rc = 0;
done:
	json_object_put(doc);
	return rc;
}

static int
pubkey_load(struct sbx *sb, const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *cert = NULL;

	if (f == NULL) {
		fprintf(stderr, "connector-sandbox: %s: %s\n", path, strerror(errno));
		return SC_EINVALID;
	}
	sb->ns_pubkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (sb->ns_pubkey == NULL) {
		rewind(f);
		cert = PEM_read_X509(f, NULL, NULL, NULL);
		if (cert != NULL)
			sb->ns_pubkey = X509_get_pubkey(cert);
		X509_free(cert);
	}
	fclose(f);
	if (sb->ns_pubkey == NULL) {
		fprintf(stderr, "connector-sandbox: %s: not a PEM public key or certificate\n", path);
		return SC_EINVALID;
	}
	return 0;
}

static int
state_dump(struct sbx *sb, const char *path)
{
	json_object *doc = json_object_new_object(), *recs = json_object_new_object();
	json_object *ns = json_object_new_object();
	size_t i, j;
	int rc;

	json_object_object_add(doc, "stats", sbx_stats_object(sb));
	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < sb->nrtypes; i++) {
		json_object *arr = json_object_new_array();

		for (j = 0; j < sb->rtypes[i]->len; j++)
			json_object_array_add(arr, sbx_netsuite_record_object(sb, sb->rtypes[i]->list[j], 1));
		json_object_object_add(recs, sb->rtypes[i]->name, arr);
	}
	pthread_mutex_unlock(&sb->lock);
	json_object_object_add(ns, "records", recs);
	json_object_object_add(doc, "netsuite", ns);
	rc = json_object_to_file_ext(path, doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	json_object_put(doc);
	if (rc != 0) {
		fprintf(stderr, "connector-sandbox: cannot write %s\n", path);
		return SC_ERROR;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct sbx sb;
	struct opts o = { "127.0.0.1:0", NULL, NULL, NULL, NULL, 0 };
	char host[64];
	const char *colon;
	long port = 0;
	sigset_t set;
	int sig = 0, rc = 1;

	sbx_init(&sb);
	sbx_finances_init(&sb);
	sbx_feeds_init(&sb);
	sbx_reports_init(&sb);
	sbx_feedproc_global(1);
	if (parse_args(&sb, &o, argc, argv) < 0)
		goto done;
	if (o.vectors != NULL) {
		rc = sbx_nsauth_check_vectors(o.vectors) == 0 ? 0 : 1;
		goto done;
	}
	colon = strrchr(o.listen, ':');
	if (colon == NULL || (size_t)(colon - o.listen) >= sizeof host ||
	    parse_long(colon + 1, 0, 65535, &port) < 0) {
		fprintf(stderr, "connector-sandbox: --listen takes HOST:PORT (IPv4)\n");
		goto done;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - o.listen), o.listen);
	if (seed_load(&sb, o.seed) < 0)
		goto done;
	if (o.pubkey != NULL && pubkey_load(&sb, o.pubkey) < 0)
		goto done;
	sbx_amazon_init(&sb);
	if (o.generate > 0 && sbx_generate(&sb, o.generate) < 0) {
		fprintf(stderr, "connector-sandbox: out of memory generating orders\n");
		goto done;
	}
	/* Every thread (libmicrohttpd's too) inherits this mask: the signals
	 * are taken by sigwait below only. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (sbx_server_start(&sb, host, (unsigned)port) < 0) {
		fprintf(stderr, "connector-sandbox: cannot listen on %s\n", o.listen);
		goto done;
	}
	printf("listening %s\n", sb.host_port);
	fflush(stdout);
	{
		char n[32];

		snprintf(n, sizeof n, "%zu", sb.orders.len);
		log_event(LOG_INFO, "sandbox.ready", "listen", sb.host_port, "orders", n,
		          "limits", sb.limits ? "on" : "off", NULL);
	}
	while (sigwait(&set, &sig) != 0)
		;
	log_event(LOG_INFO, "sandbox.stopping", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
	sbx_server_stop();
	rc = 0;
	if (o.dump != NULL && state_dump(&sb, o.dump) < 0)
		rc = 1;
done:
	sbx_free(&sb);
	sbx_feedproc_global(0);
	return rc;
}
