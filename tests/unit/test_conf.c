/* test_conf.c: the conf loader, its errors, secrets and the SKU map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connector/conf.h"
#include "connector/log.h"
#include "mapping/sku_map.h"

/* A minimal valid conf for the real adapters; %s is replaced by extra text. */
static const char *base_conf =
	"[connector]\n"
	"state_dir = /tmp/x\n"
	"[marketplace]\n"
	"type = amazon\n"
	"client_id = cid\n"
	"client_secret = ${TEST_CONF_SECRET}\n"
	"refresh_token = ${TEST_CONF_REFRESH}\n"
	"marketplace_ids = ATVPDKIKX0DER\n"
	"[erp]\n"
	"type = netsuite\n"
	"account_id = 1234567_SB1\n"
	"auth = tba\n"
	"consumer_key = ck\n"
	"consumer_secret = ${TEST_CONF_SECRET}\n"
	"token_id = tk\n"
	"token_secret = ${TEST_CONF_SECRET}\n"
	"customer_id = 77\n";

static int
setup_env(void **state)
{
	(void)state;
	setenv("TEST_CONF_SECRET", "s3cret-value-xyz", 1);
	setenv("TEST_CONF_REFRESH", "Atzr|refresh-abc", 1);
	return 0;
}

static void
valid_conf_loads_and_gives_values_and_defaults(void **state)
{
	struct conf *c = NULL;
	struct sc_error err;
	const struct conf_section *m;

	(void)state;
	sc_error_clear(&err);
	assert_int_equal(conf_load_string(&c, base_conf, "t.conf", &err), 0);
	m = conf_section(c, "marketplace");
	assert_non_null(m);
	assert_string_equal(conf_get(m, "client_id"), "cid");
	assert_string_equal(conf_get(m, "client_secret"), "s3cret-value-xyz");
	/* a default from the adapter's key table */
	assert_string_equal(conf_get(m, "page_size"), "100");
	assert_null(conf_get(m, "no_such_key"));
	assert_string_equal(conf_get(conf_section(c, "connector"), "log_format"), "text");
	conf_free(c);
}

struct bad_case {
	const char *name;
	const char *append;       /* appended to base_conf */
	const char *replace_from; /* or: replace this text of base_conf ... */
	const char *replace_to;   /* ... with this */
	const char *expect;       /* substring of the error message */
};

static const struct bad_case bad_cases[] = {
	{ "typo in a key", NULL, "state_dir =", "state_dri =",
	  "t.conf:2: [connector] unknown key `state_dri` (valid: state_dir, log_format" },
	{ "key given twice", "[marketplace]\nclient_id = again\n", NULL, NULL,
	  "t.conf:19: [marketplace] client_id is given twice (first at line 5)" },
	{ "unknown key", NULL, "marketplace_ids =", "marketplace_idz =",
	  "t.conf:8: [marketplace] unknown key `marketplace_idz`" },
	{ "unknown section", "[erpp]\nx = 1\n", NULL, NULL,
	  "t.conf:18: unknown section [erpp]" },
	{ "unknown adapter", NULL, "type = netsuite", "type = netsuit",
	  "t.conf:10: [erp] type: unknown ERP `netsuit` (known: netsuite, tryton)" },
	{ "missing type", NULL, "type = amazon\n", "",
	  "t.conf:3: [marketplace] needs `type = NAME`" },
	{ "missing required key", NULL, "client_id = cid\n", "",
	  "t.conf:3: [marketplace] missing required key `client_id`" },
	{ "unset environment variable", NULL, "${TEST_CONF_REFRESH}",
	  "${TEST_CONF_NOT_SET_ANYWHERE}",
	  "t.conf:7: [marketplace] refresh_token: environment variable "
	  "TEST_CONF_NOT_SET_ANYWHERE is not set" },
	{ "syntax error", "this line has no equals sign\n", NULL, NULL,
	  "t.conf:18: syntax error" },
	{ "key outside a section", NULL, "[connector]\n", "",
	  "t.conf:1: `state_dir` is outside any [section]" },
};

static char *
make_text(const struct bad_case *bc)
{
	size_t n = strlen(base_conf) + 512;
	char *t = malloc(n);

	assert_non_null(t);
	if (bc->replace_from != NULL) {
		const char *at = strstr(base_conf, bc->replace_from);
		assert_non_null(at);
		snprintf(t, n, "%.*s%s%s", (int)(at - base_conf), base_conf,
		         bc->replace_to, at + strlen(bc->replace_from));
	} else {
		snprintf(t, n, "%s%s", base_conf, bc->append);
	}
	return t;
}

static void
each_bad_conf_gives_one_clear_file_line_error(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct conf *c = NULL;
		struct sc_error err;
		char *text = make_text(&bad_cases[i]);
		int rc;

		sc_error_clear(&err);
		rc = conf_load_string(&c, text, "t.conf", &err);
		if (rc == 0 || strstr(err.msg, bad_cases[i].expect) == NULL)
			fail_msg("case '%s': rc %d, message '%s', expected '%s'",
			         bad_cases[i].name, rc, err.msg, bad_cases[i].expect);
		assert_null(c);
		assert_null(strchr(err.msg, '\n'));
		free(text);
	}
}

static void
secret_in_a_world_readable_file_is_refused_with_the_reason(void **state)
{
	char path[] = "/tmp/test_conf_XXXXXX";
	struct conf *c = NULL;
	struct sc_error err;
	const char *literal = "[connector]\nstate_dir = /tmp/x\n[marketplace]\n"
	                      "type = amazon\nclient_id = cid\n"
	                      "client_secret = literal-secret-1234\n"
	                      "refresh_token = ${TEST_CONF_REFRESH}\n"
	                      "marketplace_ids = X\n";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(literal, f);
	fclose(f);

	chmod(path, 0644);
	sc_error_clear(&err);
	assert_int_not_equal(conf_load(&c, path, &err), 0);
	assert_non_null(strstr(err.msg, "mode 0644 lets group or others read the secret "
	                                "`client_secret` (line 6)"));
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_null(strstr(err.msg, "literal-secret-1234"));

	chmod(path, 0600);
	sc_error_clear(&err);
	assert_int_equal(conf_load(&c, path, &err), 0);
	conf_free(c);
	unlink(path);
}

static void
secrets_from_the_environment_are_fine_in_a_readable_file(void **state)
{
	char path[] = "/tmp/test_conf_XXXXXX";
	struct conf *c = NULL;
	struct sc_error err;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	f = fdopen(fd, "w");
	fputs(base_conf, f);
	fclose(f);
	chmod(path, 0644);
	sc_error_clear(&err);
	assert_int_equal(conf_load(&c, path, &err), 0);
	conf_free(c);
	unlink(path);
}

static void
secret_values_are_redacted_from_logs(void **state)
{
	struct conf *c = NULL;
	struct sc_error err;
	char out[256];

	(void)state;
	log_secret_clear();
	assert_int_equal(conf_load_string(&c, base_conf, "t.conf", &err), 0);
	log_redact(out, sizeof(out), "token=s3cret-value-xyz and Atzr|refresh-abc!");
	assert_string_equal(out, "token=[redacted] and [redacted]!");
	conf_free(c);
}

static void
env_references_expand_inside_a_value(void **state)
{
	struct conf *c = NULL;
	struct sc_error err;
	char *text = NULL;
	size_t n = strlen(base_conf) + 64;

	(void)state;
	setenv("TEST_CONF_HOST", "127.0.0.1:8080", 1);
	text = malloc(n);
	snprintf(text, n, "%s", base_conf);
	/* endpoint is a marketplace key: put it right after the type line */
	{
		const char *at = strstr(base_conf, "type = amazon\n") + strlen("type = amazon\n");
		snprintf(text, n, "%.*sendpoint = http://${TEST_CONF_HOST}/sp\n%s",
		         (int)(at - base_conf), base_conf, at);
	}
	assert_int_equal(conf_load_string(&c, text, "t.conf", &err), 0);
	assert_string_equal(conf_get(conf_section(c, "marketplace"), "endpoint"),
	                    "http://127.0.0.1:8080/sp");
	conf_free(c);
	free(text);
}

static void
numbers_and_booleans_are_checked_with_their_line(void **state)
{
	struct conf *c = NULL;
	struct sc_error err;
	const char *text = "[connector]\nstate_dir = /x\nhttp_retries = five\n";
	long v = 0;
	int b = 0;

	(void)state;
	assert_int_equal(conf_load_string(&c, text, "n.conf", &err), 0);
	assert_int_equal(conf_get_long(conf_section(c, "connector"), "http_retries", &v, &err),
	                 SC_EINVALID);
	assert_string_equal(err.msg,
	                    "n.conf:3: [connector] http_retries: `five` is not a whole number");
	assert_int_equal(conf_get_long(conf_section(c, "connector"), "http_timeout_seconds",
	                               &v, &err), 0);
	assert_int_equal(v, 60);
	assert_int_equal(conf_get_bool(conf_section(c, "connector"), "state_dir", &b, &err),
	                 SC_EINVALID);
	conf_free(c);
}

static void
sku_map_maps_listed_skus_and_only_those(void **state)
{
	struct conf *c = NULL;
	struct sc_error err;
	struct sku_map *m = NULL;
	const char *text = "[connector]\nstate_dir = /x\n[sku_map]\n"
	                   "AMZ-RED-1 = NS-RED\nzeta = Z-1\nalpha = A-1\n";

	(void)state;
	assert_int_equal(conf_load_string(&c, text, "m.conf", &err), 0);
	assert_int_equal(sku_map_load(&m, conf_section(c, "sku_map"), &err), 0);
	assert_int_equal(sku_map_count(m), 3);
	assert_string_equal(sku_map_lookup(m, "AMZ-RED-1"), "NS-RED");
	assert_string_equal(sku_map_lookup(m, "alpha"), "A-1");
	assert_string_equal(sku_map_lookup(m, "zeta"), "Z-1");
	assert_null(sku_map_lookup(m, "amz-red-1"));   /* case-sensitive */
	assert_null(sku_map_lookup(m, "other"));
	sku_map_free(m);
	/* no section: an empty map */
	assert_int_equal(sku_map_load(&m, NULL, &err), 0);
	assert_null(sku_map_lookup(m, "alpha"));
	sku_map_free(m);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_conf_loads_and_gives_values_and_defaults),
		cmocka_unit_test(each_bad_conf_gives_one_clear_file_line_error),
		cmocka_unit_test(secret_in_a_world_readable_file_is_refused_with_the_reason),
		cmocka_unit_test(secrets_from_the_environment_are_fine_in_a_readable_file),
		cmocka_unit_test(secret_values_are_redacted_from_logs),
		cmocka_unit_test(env_references_expand_inside_a_value),
		cmocka_unit_test(numbers_and_booleans_are_checked_with_their_line),
		cmocka_unit_test(sku_map_maps_listed_skus_and_only_those),
	};

	return cmocka_run_group_tests(tests, setup_env, NULL);
}
