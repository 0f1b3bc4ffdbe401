/*
 * mock_fixture.c: what the adapter unit tests build around the loopback
 * mock (mock_http.h): test files, gzip'ed documents, a fake Login with
 * Amazon, and the adapter opened on a conf against the mock.
 */
#include "tests/unit/mock_http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "adapters/adapter.h"
#include "connector/conf.h"
#include "connector/http.h"
#include "connector/log.h"

/* ---- files and documents ------------------------------------------------ */

char *
mock_file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) != NULL) {
		if (fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		} else {
			data[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

char *
mock_data_read(const char *env, const char *dir, const char *name, size_t *len)
{
	const char *base = getenv(env);
	char path[1024];
	char *data;

	if (base == NULL)
		base = strcmp(env, "SC_SHARED") == 0 ? "../shared" : "tests/data";
	snprintf(path, sizeof(path), "%s/%s/%s", base, dir, name);
	data = mock_file_read(path, len);
	if (data == NULL)
		fprintf(stderr, "cannot read %s\n", path);
	return data;
}

unsigned char *
mock_gzip(const void *data, size_t len, size_t *out_len)
{
	size_t cap = len + len / 2 + 1024;
	unsigned char *out = malloc(cap);
	z_stream zs;
	int rc;

	if (out == NULL)
		return NULL;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	rc = deflate(&zs, Z_FINISH);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- a fake Login with Amazon ------------------------------------------- */

const char mock_lwa_denied[] = "{\"errors\":[{\"code\":\"Unauthorized\",\"message\":"
                               "\"Access to requested resource is denied.\"}]}";

/* 1 when the form holds every pair of l->form. */
static int
lwa_form_ok(const struct mock_lwa *l, const char *form)
{
	char v[256];
	size_t i;

	for (i = 0; l->form != NULL && l->form[i] != NULL; i += 2)
		if (!mock_http_form_value(form, l->form[i], v, sizeof(v)) ||
		    (l->form[i + 1] != NULL && strcmp(v, l->form[i + 1]) != 0))
			return 0;
	return 1;
}

enum MHD_Result
mock_lwa_serve(struct mock_http *m, struct mock_lwa *l, const struct mock_http_req *r)
{
	char body[512];
	int ok = lwa_form_ok(l, r->body);

	mock_http_lock(m);
	l->bad_form += !ok;
	if (!ok || l->refuse) {
		mock_http_unlock(m);
		return mock_http_json(r->conn, 400, l->refused != NULL ? l->refused
		                      : "{\"error\":\"invalid_request\"}");
	}
	l->calls++;
	if (l->fixed != NULL)
		snprintf(l->issued, sizeof(l->issued), "%s", l->fixed);
	else
		snprintf(l->issued, sizeof(l->issued), "Atza|mock-token-%d", l->calls);
	snprintf(body, sizeof(body), "{\"access_token\":\"%s\"%s,\"token_type\":\"bearer\","
	         "\"expires_in\":3600}", l->issued, l->extra != NULL ? l->extra : "");
	mock_http_unlock(m);
	return mock_http_json(r->conn, 200, body);
}

int
mock_lwa_token_ok(struct mock_http *m, struct mock_lwa *l, const struct mock_http_req *r)
{
	const char *tok = mock_http_header(r, "x-amz-access-token");
	int good;

	mock_http_lock(m);
	good = tok != NULL && l->issued[0] != '\0' && strcmp(tok, l->issued) == 0;
	l->bad_token += !good;
	mock_http_unlock(m);
	return good;
}

/* ---- the adapter under test --------------------------------------------- */

int
mock_adapter_open(void **out, struct conf **conf, struct http_client **http,
                  const struct mock_open *o, struct sc_error *err)
{
	struct adapter_env env;
	int rc;

	if ((rc = conf_load_string(conf, o->conf, "test.conf", err)) < 0)
		return o->setup_rc != 0 ? o->setup_rc : rc;
	if (o->forget_secrets)
		log_secret_clear();
	if (o->http != NULL && (rc = http_client_new(http, o->http, err)) < 0)
		return o->setup_rc != 0 ? o->setup_rc : rc;
	memset(&env, 0, sizeof(env));
	env.http = *http;
	env.conf = conf_section(*conf, o->section);
	env.time_scale = o->time_scale;
	return o->open(out, &env, err);
}

void
mock_adapter_close(void **self, struct conf **conf, struct http_client **http,
                   void (*close_fn)(void *self))
{
	if (*self != NULL)
		close_fn(*self);
	*self = NULL;
	conf_free(*conf);
	*conf = NULL;
	http_client_free(*http);
	*http = NULL;
}

int
mock_amazon_open(void **out, struct conf **conf, struct http_client **http,
                 const struct mock_http *m, const struct mock_amazon *a, const char *extra,
                 struct sc_error *err)
{
	struct http_opts opts;
	struct mock_open o = { .section = "marketplace", .http = &opts, .time_scale = a->time_scale,
	                       .forget_secrets = a->forget_secrets, .setup_rc = -1,
	                       .open = a->ops->open };
	char text[2048];

	memset(&opts, 0, sizeof(opts));
	opts.connect_timeout_ms = 2000;
	opts.timeout_ms = 10000;
	opts.max_retries = a->retries;
	opts.backoff_base_ms = 5;
	opts.backoff_max_ms = 20;
	opts.retry_after_max_ms = 50;
	snprintf(text, sizeof(text),
	         "[connector]\nstate_dir = %s\n[marketplace]\ntype = amazon\n"
	         "endpoint = %s%s\ntoken_url = %s" MOCK_LWA_PATH "\n"
	         "client_id = %s\nclient_secret = %s\nrefresh_token = %s\n"
	         "marketplace_ids = %s\n%s%s",
	         a->state_dir, m->base, a->endpoint_tail, m->base, a->client_id, a->client_secret,
	         a->refresh_token, a->marketplace_ids, a->lines != NULL ? a->lines : "",
	         extra != NULL ? extra : "");
	o.conf = text;
	return mock_adapter_open(out, conf, http, &o, err);
}

int
mock_netsuite_open(void **out, struct conf **conf, struct http_client **http,
                   const struct mock_http *m, const struct erp_ops *ops,
                   const char *consumer_secret, const char *token_secret, const char *lines,
                   struct sc_error *err)
{
	struct http_opts opts;
	struct mock_open o = { .section = "erp", .http = &opts, .time_scale = 1.0,
	                       .setup_rc = -1, .open = ops->open };
	char text[1024];

	memset(&opts, 0, sizeof(opts));
	opts.max_retries = 1;
	opts.backoff_base_ms = 1;
	opts.backoff_max_ms = 5;
	opts.timeout_ms = 10000;
	snprintf(text, sizeof(text),
	         "[connector]\nstate_dir = /tmp\n[erp]\ntype = netsuite\naccount_id = 1234567_SB1\n"
	         "base_url = %s\nauth = tba\nconsumer_key = ck-0001\nconsumer_secret = %s\n"
	         "token_id = tk-0001\ntoken_secret = %s\ncustomer_id = 77\n%s",
	         m->base, consumer_secret, token_secret, lines);
	o.conf = text;
	return mock_adapter_open(out, conf, http, &o, err);
}
