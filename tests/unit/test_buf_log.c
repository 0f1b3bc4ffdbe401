/* test_buf_log.c: the capped buffer, its escapers, the log line formats and
 * secret redaction (plus the one-line error helpers they rely on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <time.h>
#include <unistd.h>

#include "connector/buf.h"
#include "connector/error.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"

/* ---- buf ---------------------------------------------------------------- */

static void
buf_append_keeps_data_nul_terminated_and_grows(void **state)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_append(&b, "ab", 2), 0);
	assert_int_equal(buf_puts(&b, "cd"), 0);
	assert_int_equal(buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_int_equal(b.len, 9);
	assert_string_equal(buf_cstr(&b), "abcd-42-x");
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_int_equal(b.len, 9);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 9 + 1000000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + b.len - 10, "0123456789", 10);
	buf_free(&b);
}

static void
buf_refuses_appends_past_cap_and_leaves_the_buffer_as_it_was(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_append(&b, "6789", 4), SC_ENOSPACE);
	assert_int_equal(buf_puts(&b, "6789"), SC_ENOSPACE);
	assert_int_equal(buf_printf(&b, "%s", "6789"), SC_ENOSPACE);
	assert_string_equal(buf_cstr(&b), "12345");
	/* the escapers fail part-way through: nothing of theirs may stay */
	assert_int_equal(buf_json_escape(&b, "a\"b"), SC_ENOSPACE);
	assert_string_equal(buf_cstr(&b), "12345");
	assert_int_equal(b.len, 5);
	assert_int_equal(buf_url_encode(&b, "a b"), SC_ENOSPACE);
	assert_string_equal(buf_cstr(&b), "12345");
	assert_int_equal(b.len, 5);
	/* exactly up to the cap is fine */
	assert_int_equal(buf_puts(&b, "678"), 0);
	assert_string_equal(buf_cstr(&b), "12345678");
	assert_int_equal(buf_append(&b, "9", 1), SC_ENOSPACE);
	assert_int_equal(buf_append(&b, "", 0), 0);
	buf_free(&b);

	/* a size that would wrap around */
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_puts(&b, "x"), 0);
	assert_int_equal(buf_append(&b, "y", SIZE_MAX), SC_ENOSPACE);
	assert_int_equal(buf_append(&b, "y", SIZE_MAX - 1), SC_ENOSPACE);
	assert_string_equal(buf_cstr(&b), "x");
	buf_free(&b);
}

static void
buf_take_hands_over_the_data_and_empties_the_buffer(void **state)
{
	struct buf b;
	char *p = NULL;

	buf_init(&b, 0);
	p = buf_take(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	p = buf_take(&b);
	assert_string_equal(p, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(buf_cstr(&b), "again");
	free(p);
	buf_free(&b);
}

static void
buf_free_and_reset_are_safe_on_empty_buffers(void **state)
{
	struct buf b;
	struct buf z;
	char *data;

	memset(&z, 0, sizeof(z));
	buf_reset(&z);
	buf_free(&z);
	buf_free(&z);
	buf_free(NULL);
	assert_int_equal(buf_puts(&z, "zeroed works"), 0);   /* cap 0: default */
	buf_free(&z);

	buf_init(&b, 0);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	data = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_ptr_equal(b.data, data);   /* memory kept */
	buf_free(&b);
	buf_free(&b);
}

struct esc_case {
	const char *in;
	const char *out;
};

static const struct esc_case json_cases[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "a\"b", "a\\\"b" },
	{ "back\\slash", "back\\\\slash" },
	{ "l1\nl2\r\tx", "l1\\nl2\\r\\tx" },
	{ "\x01\x1f", "\\u0001\\u001f" },
	{ "\b\f", "\\u0008\\u000c" },
	{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },   /* UTF-8 as is */
	{ "\x7f/", "\x7f/" },
	{ "\"\"", "\\\"\\\"" },
};

static const struct esc_case url_cases[] = {
	{ "", "" },
	{ "AZaz09-._~", "AZaz09-._~" },
	{ "a b", "a%20b" },
	{ "a+b=c&d", "a%2Bb%3Dc%26d" },
	{ "/path?q#f", "%2Fpath%3Fq%23f" },
	{ "caf\xc3\xa9", "caf%C3%A9" },
	{ "2026-11-20T08:00:00Z", "2026-11-20T08%3A00%3A00Z" },
	{ "ATVPDKIKX0DER,A2EUQ1WTGCTBG2", "ATVPDKIKX0DER%2CA2EUQ1WTGCTBG2" },
	{ "*'()!%", "%2A%27%28%29%21%25" },
};

static void
buf_json_escape_escapes_quotes_backslashes_and_controls(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(buf_puts(&b, "<"), 0);
		assert_int_equal(buf_json_escape(&b, json_cases[i].in), 0);
		assert_string_equal(buf_cstr(&b) + 1, json_cases[i].out);
		buf_free(&b);
	}
}

static void
buf_url_encode_keeps_only_unreserved_characters(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(buf_url_encode(&b, url_cases[i].in), 0);
		assert_string_equal(buf_cstr(&b), url_cases[i].out);
		buf_free(&b);
	}
}

/* ---- log ---------------------------------------------------------------- */

struct capture {
	int fd;
	char path[64];
};

static int
log_setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	snprintf(c->path, sizeof(c->path), "/tmp/test_buf_log.XXXXXX");
	if ((c->fd = mkstemp(c->path)) < 0) {
		free(c);
		return -1;
	}
	log_set_fd(c->fd);
	log_set_format(LOG_TEXT);
	log_set_level(LOG_INFO);
	log_secret_clear();
	*state = c;
	return 0;
}

static int
log_teardown(void **state)
{
	struct capture *c = *state;

	log_set_fd(2);
	log_set_format(LOG_TEXT);
	log_set_level(LOG_INFO);
	log_secret_clear();
	close(c->fd);
	unlink(c->path);
	free(c);
	return 0;
}

/* Everything logged since the last call (caller frees). */
static char *
captured(struct capture *c)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;

	buf_init(&b, 0);
	assert_int_equal(lseek(c->fd, 0, SEEK_SET), 0);
	while ((n = read(c->fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(&b, chunk, (size_t)n), 0);
	assert_int_equal(ftruncate(c->fd, 0), 0);
	assert_int_equal(lseek(c->fd, 0, SEEK_SET), 0);
	return buf_take(&b);
}

/* The line's leading timestamp is well-formed and about now. */
static void
assert_timestamp_now(const char *ts)
{
	int64_t t = 0;

	assert_int_equal(time_parse_iso8601(&t, ts, 20), 0);
	assert_true(ts[19] == 'Z');
	assert_true(t >= (int64_t)time(NULL) - 5 && t <= (int64_t)time(NULL) + 1);
}

static void
log_text_line_has_timestamp_level_event_and_fields(void **state)
{
	struct capture *c = *state;
	char *out = NULL;

	log_event(LOG_INFO, "order.synced", "order_id", "111-2222222-3333333",
	          "erp_id", "647", NULL);
	out = captured(c);
	assert_int_equal(strlen(out), 20 + strlen(" info  order.synced order_id=111-2222222-3333333"
	                                          " erp_id=647\n"));
	assert_timestamp_now(out);
	assert_string_equal(out + 20, " info  order.synced order_id=111-2222222-3333333"
	                              " erp_id=647\n");
	free(out);

	log_event(LOG_ERROR, "run.failed", NULL);
	log_event(LOG_WARN, "w", "k", NULL, NULL);
	out = captured(c);
	assert_non_null(strstr(out, " error run.failed\n"));
	assert_non_null(strstr(out, " warn  w k=\"\"\n"));
	free(out);
}

static void
log_text_quotes_values_with_spaces_quotes_or_equals(void **state)
{
	struct capture *c = *state;
	char *out = NULL;

	log_event(LOG_INFO, "e", "a", "two words", "b", "say \"hi\"", "c", "k=v",
	          "d", "line\nbreak", "e", "", "f", "plain", NULL);
	out = captured(c);
	assert_string_equal(out + 20, " info  e a=\"two words\" b=\"say \\\"hi\\\"\" c=\"k=v\""
	                              " d=\"line\\nbreak\" e=\"\" f=plain\n");
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);   /* one line */
	free(out);
}

static void
log_json_line_is_valid_json_with_every_field(void **state)
{
	struct capture *c = *state;
	json_object *o = NULL;
	const char *s = NULL;
	char *out = NULL;

	log_set_format(LOG_JSON);
	log_event(LOG_WARN, "refund.skipped", "order_id", "111-1", "why", "a \"q\" \\ \n",
	          "empty", NULL, NULL);
	out = captured(c);
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);   /* one line */
	assert_int_equal(json_parse_buf(&o, out, strlen(out), NULL), 0);
	assert_int_equal(json_get_str(o, "level", &s, NULL), 1);
	assert_string_equal(s, "warn");
	assert_int_equal(json_get_str(o, "event", &s, NULL), 1);
	assert_string_equal(s, "refund.skipped");
	assert_int_equal(json_get_str(o, "order_id", &s, NULL), 1);
	assert_string_equal(s, "111-1");
	assert_int_equal(json_get_str(o, "why", &s, NULL), 1);
	assert_string_equal(s, "a \"q\" \\ \n");
	assert_int_equal(json_get_str(o, "empty", &s, NULL), 1);
	assert_string_equal(s, "");
	assert_int_equal(json_get_str(o, "ts", &s, NULL), 1);
	assert_timestamp_now(s);
	assert_int_equal(json_object_object_length(o), 6);
	json_object_put(o);
	free(out);
}

static void
log_level_filters_lower_levels(void **state)
{
	struct capture *c = *state;
	char *out = NULL;

	log_event(LOG_DEBUG, "hidden", NULL);
	out = captured(c);
	assert_string_equal(out, "");
	free(out);
	log_set_level(LOG_DEBUG);
	log_event(LOG_DEBUG, "shown", NULL);
	log_set_level(LOG_ERROR);
	log_event(LOG_WARN, "hidden.too", NULL);
	log_event(LOG_ERROR, "shown.too", NULL);
	out = captured(c);
	assert_non_null(strstr(out, " debug shown\n"));
	assert_non_null(strstr(out, " error shown.too\n"));
	assert_null(strstr(out, "hidden"));
	free(out);
}

static void
log_redacts_registered_secrets_in_text_and_json(void **state)
{
	struct capture *c = *state;
	char *out = NULL;

	log_secret_add("Atza|token-value-1");
	log_secret_add("client-secret-2");
	log_event(LOG_INFO, "auth.refresh", "header", "Bearer Atza|token-value-1",
	          "body", "client_secret=client-secret-2&x=1", NULL);
	out = captured(c);
	assert_null(strstr(out, "token-value-1"));
	assert_null(strstr(out, "client-secret-2"));
	assert_non_null(strstr(out, "header=\"Bearer [redacted]\""));
	assert_non_null(strstr(out, " body=\"client_secret=[redacted]&x=1\"\n"));
	free(out);

	log_set_format(LOG_JSON);
	log_event(LOG_INFO, "client-secret-2 in event", "client-secret-2", "v", NULL);
	out = captured(c);
	assert_null(strstr(out, "client-secret-2"));
	assert_non_null(strstr(out, "\"event\":\"[redacted] in event\""));
	assert_non_null(strstr(out, "\"[redacted]\":\"v\""));
	free(out);
}

static void
log_redacts_secrets_that_json_escaping_would_change(void **state)
{
	struct capture *c = *state;
	char *out = NULL;

	log_secret_add("pa\"ss\\word");
	log_secret_add("tab\tsecret");
	log_event(LOG_INFO, "e", "v", "x pa\"ss\\word y", "w", "tab\tsecret", NULL);
	log_set_format(LOG_JSON);
	log_event(LOG_INFO, "e", "v", "pa\"ss\\word", "w", "tab\tsecret", NULL);
	out = captured(c);
	assert_null(strstr(out, "ss\\\\word"));
	assert_null(strstr(out, "ss\\word"));
	assert_null(strstr(out, "secret"));
	assert_non_null(strstr(out, "v=\"x [redacted] y\" w=[redacted]\n"));
	assert_non_null(strstr(out, "\"v\":\"[redacted]\",\"w\":\"[redacted]\"}"));
	free(out);
}

static void
log_redacts_the_longest_matching_secret(void **state)
{
	struct capture *c = *state;
	char *out = NULL;
	char red[64];

	log_secret_add("abcd");
	log_secret_add("abcdefgh");
	log_event(LOG_INFO, "e", "k", "abcdefgh abcdxy", NULL);
	out = captured(c);
	assert_null(strstr(out, "efgh"));
	assert_non_null(strstr(out, "k=\"[redacted] [redacted]xy\"\n"));
	free(out);
	log_redact(red, sizeof(red), "abcdefghij");
	assert_string_equal(red, "[redacted]ij");
}

static void
log_keeps_every_secret_registered(void **state)
{
	struct capture *c = *state;
	char name[32], *out = NULL;
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "many-secret-%03d", i);
		log_secret_add(name);
		log_secret_add(name);   /* twice: stored once */
	}
	log_event(LOG_INFO, "e", "first", "many-secret-000", "last", "many-secret-099", NULL);
	out = captured(c);
	assert_null(strstr(out, "many-secret"));
	assert_non_null(strstr(out, "first=[redacted] last=[redacted]\n"));
	free(out);
}

static void
log_ignores_short_secrets_and_forgets_on_clear(void **state)
{
	struct capture *c = *state;
	char *out = NULL;

	log_secret_add("abc");
	log_secret_add("");
	log_secret_add(NULL);
	log_secret_add("long-secret");
	log_event(LOG_INFO, "e", "k", "abc long-secret", NULL);
	out = captured(c);
	assert_non_null(strstr(out, "k=\"abc [redacted]\"\n"));
	free(out);
	log_secret_clear();
	log_event(LOG_INFO, "e", "k", "long-secret", NULL);
	out = captured(c);
	assert_non_null(strstr(out, "k=long-secret\n"));
	free(out);
}

static void
log_redact_never_writes_past_the_output_size(void **state)
{
	char out[12];

	log_secret_add("secret-value");
	memset(out, 'x', sizeof(out));
	log_redact(out, 8, "ab secret-value cd");
	assert_string_equal(out, "ab [red");
	assert_int_equal(out[8], 'x');
	log_redact(out, 1, "abc");
	assert_string_equal(out, "");
	log_redact(out, 0, "abc");   /* nothing written at all */
	log_redact(out, sizeof(out), "plain");
	assert_string_equal(out, "plain");
}

static void
log_event_cuts_a_too_long_line_and_says_so(void **state)
{
	struct capture *c = *state;
	size_t n = 100000;
	char *big = malloc(n + 1), *out = NULL;
	json_object *o = NULL;
	const char *s = NULL;

	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	log_event(LOG_INFO, "big.line", "k", big, NULL);
	out = captured(c);
	assert_string_equal(out + 20, " info  big.line truncated=true\n");
	free(out);
	log_set_format(LOG_JSON);
	log_event(LOG_INFO, "big.line", "k", big, NULL);
	out = captured(c);
	assert_int_equal(json_parse_buf(&o, out, strlen(out), NULL), 0);
	assert_int_equal(json_get_str(o, "truncated", &s, NULL), 1);
	assert_string_equal(s, "true");
	assert_int_equal(json_get_str(o, "k", &s, NULL), 0);
	json_object_put(o);
	free(out);
	free(big);
}

/* ---- error -------------------------------------------------------------- */

static void
sc_error_keeps_one_line_and_passes_codes_up(void **state)
{
	struct sc_error e;

	sc_error_clear(&e);
	assert_int_equal(sc_error_set(&e, SC_EINVALID, "bad %s\nvalue\t%d", "sku", 3),
	                 SC_EINVALID);
	assert_string_equal(e.msg, "bad sku value 3");
	assert_int_equal(sc_error_prefix(&e, "order %s", "111"), SC_EINVALID);
	assert_string_equal(e.msg, "order 111: bad sku value 3");
	sc_error_set_remote(&e, "line1\nline2\0tail", 16);
	assert_string_equal(e.remote, "line1 line2 tail");
	sc_error_set_remote(&e, NULL, 5);
	assert_string_equal(e.remote, "");
	assert_int_equal(sc_error_set(NULL, SC_ENOTFOUND, "x"), SC_ENOTFOUND);
	sc_error_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	assert_int_equal(sc_code_from_http(200), 0);
	assert_int_equal(sc_code_from_http(204), 0);
	assert_int_equal(sc_code_from_http(404), SC_ENOTFOUND);
	assert_int_equal(sc_code_from_http(409), SC_ECONFLICT);
	assert_int_equal(sc_code_from_http(401), SC_EAUTH);
	assert_int_equal(sc_code_from_http(403), SC_EAUTH);
	assert_int_equal(sc_code_from_http(429), SC_ETRANSIENT);
	assert_int_equal(sc_code_from_http(503), SC_ETRANSIENT);
	assert_int_equal(sc_code_from_http(400), SC_EINVALID);
	assert_true(sc_code_is_transient(SC_ETRANSIENT));
	assert_false(sc_code_is_transient(SC_EMALFORMED));
	assert_string_equal(sc_code_name(SC_EMALFORMED), "malformed");
}

static void
a_reserved_buffer_is_still_an_empty_string(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_reserve(&b, 300000), 0);
	assert_non_null(b.data);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_reserve(&b, 10), 0);
	assert_string_equal(buf_cstr(&b), "abc");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_reserved_buffer_is_still_an_empty_string),
		cmocka_unit_test(buf_append_keeps_data_nul_terminated_and_grows),
		cmocka_unit_test(buf_refuses_appends_past_cap_and_leaves_the_buffer_as_it_was),
		cmocka_unit_test(buf_take_hands_over_the_data_and_empties_the_buffer),
		cmocka_unit_test(buf_free_and_reset_are_safe_on_empty_buffers),
		cmocka_unit_test(buf_json_escape_escapes_quotes_backslashes_and_controls),
		cmocka_unit_test(buf_url_encode_keeps_only_unreserved_characters),
		cmocka_unit_test_setup_teardown(log_text_line_has_timestamp_level_event_and_fields,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_text_quotes_values_with_spaces_quotes_or_equals,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_json_line_is_valid_json_with_every_field,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_level_filters_lower_levels,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_redacts_registered_secrets_in_text_and_json,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_redacts_secrets_that_json_escaping_would_change,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_redacts_the_longest_matching_secret,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_keeps_every_secret_registered,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_ignores_short_secrets_and_forgets_on_clear,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_redact_never_writes_past_the_output_size,
		                                log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(log_event_cuts_a_too_long_line_and_says_so,
		                                log_setup, log_teardown),
		cmocka_unit_test(sc_error_keeps_one_line_and_passes_codes_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
