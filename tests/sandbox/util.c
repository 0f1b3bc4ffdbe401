/* util.c: parameters, percent and base64 coding, times, exact decimals. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- parameters ------------------------------------------------------ */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sbx_pct_decode(char **out, const char *s, size_t len, int plus)
{
	char *d = NULL;
	size_t i, o = 0;

	*out = NULL;
	d = malloc(len + 1);
	if (d == NULL)
		return SC_ENOMEM;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= len)
				goto bad;
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				goto bad;
			c = h * 16 + l;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == 0)
			goto bad;
		d[o++] = (char)c;
	}
	d[o] = '\0';
	*out = d;
	return 0;
bad:
	free(d);
	return SC_EMALFORMED;
}

void
sbx_params_free(struct sbx_params *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].val);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

int
sbx_params_parse(struct sbx_params *out, const char *text, size_t len)
{
	size_t pos = 0;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	while (pos < len) {
		const char *seg = text + pos;
		const char *amp = memchr(seg, '&', len - pos);
		size_t slen = amp ? (size_t)(amp - seg) : len - pos;
		const char *eq = memchr(seg, '=', slen);
		size_t klen = eq ? (size_t)(eq - seg) : slen;
		struct sbx_param *nv;

		pos += slen + (amp ? 1 : 0);
		if (slen == 0)
			continue;
		nv = realloc(out->v, (out->n + 1) * sizeof *nv);
		if (nv == NULL) {
			rc = SC_ENOMEM;
			goto done;
		}
		out->v = nv;
		nv = &out->v[out->n];
		nv->key = NULL;
		nv->val = NULL;
		if ((rc = sbx_pct_decode(&nv->key, seg, klen, 1)) < 0)
			goto done;
		if (eq)
			rc = sbx_pct_decode(&nv->val, eq + 1, slen - klen - 1, 1);
		else
			rc = sbx_pct_decode(&nv->val, "", 0, 1);
		if (rc < 0) {
			free(nv->key);
			goto done;
		}
		out->n++;
	}
done:
	if (rc < 0)
		sbx_params_free(out);
	return rc;
}

const char *
sbx_params_get(const struct sbx_params *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0)
			return p->v[i].val;
	return NULL;
}

size_t
sbx_params_count(const struct sbx_params *p, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0)
			n++;
	return n;
}

/* ---- base64, random, hash ---------------------------------------------- */

int
sbx_base64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	int rc = 0;

	for (i = 0; i + 2 < n && rc == 0; i += 3) {
		char q[4] = { tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
		              tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)],
		              tab[p[i + 2] & 63] };
		rc = buf_append(b, q, 4);
	}
	if (rc == 0 && n - i == 1) {
		char q[4] = { tab[p[i] >> 2], tab[(p[i] & 3) << 4], '=', '=' };
		rc = buf_append(b, q, 4);
	} else if (rc == 0 && n - i == 2) {
		char q[4] = { tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
		              tab[(p[i + 1] & 15) << 2], '=' };
		rc = buf_append(b, q, 4);
	}
	return rc;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
sbx_base64_decode(unsigned char **out, size_t *outlen, const char *s, size_t len)
{
	unsigned char *d = NULL;
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	*out = NULL;
	*outlen = 0;
	while (len > 0 && s[len - 1] == '=')
		len--;
	d = malloc(len * 3 / 4 + 3);
	if (d == NULL)
		return SC_ENOMEM;
	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0) {
			free(d);
			return SC_EMALFORMED;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	/* A lone 6-bit group, or leftover bits that are not zero, is not a
	 * canonical encoding of anything. */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) {
		free(d);
		return SC_EMALFORMED;
	}
	*out = d;
	*outlen = o;
	return 0;
}

int
sbx_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i;

	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	if (RAND_bytes(raw, (int)nbytes) != 1)
		return SC_ERROR;
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

uint64_t
sbx_hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *c = p;
	uint64_t h = 1469598103934665603ULL ^ seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- time -------------------------------------------------------------- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
sbx_time_parse(int64_t *out, const char *s)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, se = 0, ms = 0, off = 0;
	const char *p;

	if (s == NULL || strlen(s) < 10 || digits(s, 4, &y) < 0 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) < 0 || s[7] != '-' || digits(s + 8, 2, &d) < 0)
		return SC_EMALFORMED;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1])
		return SC_EMALFORMED;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return SC_EMALFORMED;
	p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (digits(p + 1, 2, &h) < 0 || p[3] != ':' || digits(p + 4, 2, &mi) < 0)
			return SC_EMALFORMED;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &se) < 0)
				return SC_EMALFORMED;
			p += 3;
		}
		if (*p == '.' || *p == ',') {
			int scale = 100;

			p++;
			if (*p < '0' || *p > '9')
				return SC_EMALFORMED;
			for (; *p >= '0' && *p <= '9'; p++) {
				ms += (*p - '0') * scale;
				scale /= 10;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return SC_EMALFORMED;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om, sign = *p == '-' ? -1 : 1;

			if (digits(p + 1, 2, &oh) < 0)
				return SC_EMALFORMED;
			if (p[3] == ':' && digits(p + 4, 2, &om) == 0)
				p += 6;
			else if (digits(p + 3, 2, &om) == 0)
				p += 5;
			else
				return SC_EMALFORMED;
			if (oh > 23 || om > 59)
				return SC_EMALFORMED;
			off = (oh * 60 + om) * sign;
		}
	}
	if (*p != '\0')
		return SC_EMALFORMED;
	*out = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	         mi * 60 + se - (int64_t)off * 60) * 1000) + ms;
	return 0;
}

void
sbx_time_format(char *out, size_t n, int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400;
	int y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60));
}

int64_t
sbx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
sbx_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sbx_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- exact decimals ---------------------------------------------------- */

static const int64_t pow10_tab[] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL,
	10000000000000LL, 100000000000000LL, 1000000000000000LL,
	10000000000000000LL, 100000000000000000LL, 1000000000000000000LL
};

static int
mul_add(int64_t *v, int64_t mul, int64_t add)
{
	if (__builtin_mul_overflow(*v, mul, v) || __builtin_add_overflow(*v, add, v))
		return SC_ENOSPACE;
	return 0;
}

int
sbx_dec_parse(struct sbx_dec *out, const char *s)
{
	int64_t units = 0;
	int scale = 0, neg = 0, any = 0, exp = 0;
	const char *p = s;

	if (s == NULL)
		return SC_EMALFORMED;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, any = 1)
		if (mul_add(&units, 10, *p - '0') < 0)
			return SC_ENOSPACE;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, any = 1, scale++)
			if (mul_add(&units, 10, *p - '0') < 0)
				return SC_ENOSPACE;
	}
	if (!any)
		return SC_EMALFORMED;
	if (*p == 'e' || *p == 'E') {
		int eneg = 0, edig = 0;

		p++;
		if (*p == '-' || *p == '+')
			eneg = *p++ == '-';
		for (; *p >= '0' && *p <= '9' && exp < 100; p++, edig = 1)
			exp = exp * 10 + (*p - '0');
		if (!edig)
			return SC_EMALFORMED;
		if (eneg)
			exp = -exp;
	}
	if (*p != '\0')
		return SC_EMALFORMED;
	scale -= exp;
	while (scale < 0) {
		if (mul_add(&units, 10, 0) < 0)
			return SC_ENOSPACE;
		scale++;
	}
	while (scale > SBX_DEC_MAX_SCALE && units % 10 == 0) {
		units /= 10;   /* "1.50000000000" is still exact */
		scale--;
	}
	if (scale > SBX_DEC_MAX_SCALE)
		return SC_ENOSPACE;
	out->units = neg ? -units : units;
	out->scale = scale;
	return 0;
}

int
sbx_dec_add(struct sbx_dec *acc, const struct sbx_dec *x)
{
	int64_t a = acc->units, b = x->units;
	int scale = acc->scale > x->scale ? acc->scale : x->scale;

	if (__builtin_mul_overflow(a, pow10_tab[scale - acc->scale], &a) ||
	    __builtin_mul_overflow(b, pow10_tab[scale - x->scale], &b) ||
	    __builtin_add_overflow(a, b, &a))
		return SC_ENOSPACE;
	acc->units = a;
	acc->scale = scale;
	return 0;
}

void
sbx_minor_format(char *out, size_t n, int64_t minor, int exp)
{
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t div = (uint64_t)pow10_tab[exp];

	if (exp == 0)
		snprintf(out, n, "%s%llu", minor < 0 ? "-" : "", (unsigned long long)mag);
	else
		snprintf(out, n, "%s%llu.%0*llu", minor < 0 ? "-" : "",
		         (unsigned long long)(mag / div), exp,
		         (unsigned long long)(mag % div));
}

void
sbx_dec_format(char *out, size_t n, const struct sbx_dec *d)
{
	sbx_minor_format(out, n, d->units, d->scale);
}

/* ---- JSON ---------------------------------------------------------------- */

json_object *
sbx_json_parse(const char *text, size_t len, char *err, size_t errn)
{
	struct json_tokener *tok = NULL;
	json_object *o = NULL;
	size_t used;

	if (len > INT32_MAX) {
		if (err)
			snprintf(err, errn, "document too large");
		return NULL;
	}
	tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (err)
			snprintf(err, errn, "%s at offset %zu",
			         e == json_tokener_continue ? "unexpected end of input"
			                                    : json_tokener_error_desc(e),
			         json_tokener_get_parse_end(tok));
		json_object_put(o);
		o = NULL;
		goto done;
	}
	used = json_tokener_get_parse_end(tok);
	while (used < len && (text[used] == ' ' || text[used] == '\n' ||
	                      text[used] == '\r' || text[used] == '\t'))
		used++;
	if (used != len) {
		if (err)
			snprintf(err, errn, "trailing data at offset %zu", used);
		json_object_put(o);
		o = NULL;
	}
done:
	json_tokener_free(tok);
	return o;
}

const char *
sbx_json_str(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
sbx_buf_json_str(struct buf *b, const char *s)
{
	int rc;

	if ((rc = buf_append(b, "\"", 1)) < 0 || (rc = buf_json_escape(b, s)) < 0)
		return rc;
	return buf_append(b, "\"", 1);
}
