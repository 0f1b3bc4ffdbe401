/*
 * values.c: Tryton's JSON encoding of values (trytond/protocols/jsonrpc.py),
 * written and read exactly.
 *
 * Decimal {"__class__":"Decimal","decimal":"10.00"}, date
 * {"__class__":"date","year","month","day"}, datetime (the same with hour,
 * minute, second, microsecond; naive UTC). Amounts are written from minor
 * units and read back into them with money.h, never through a double;
 * quantities (float fields: 3.0) are read from their JSON text; booleans
 * come as true/false, or 1/0 from SQLite.
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <string.h>

#include "connector/money.h"
#include "connector/timeutil.h"

/* ---- values ---------------------------------------------------------------- */

int
tryton__put_str(struct buf *b, const char *s)
{
	int rc;

	if ((rc = buf_puts(b, "\"")) < 0 || (rc = buf_json_escape(b, s != NULL ? s : "")) < 0)
		return rc;
	return buf_puts(b, "\"");
}

int
tryton__put_decimal(struct buf *b, int64_t minor, int exponent)
{
	char txt[32];
	int rc;

	if ((rc = money_format(txt, sizeof(txt), minor, exponent)) < 0)
		return rc;
	return buf_printf(b, "{\"__class__\":\"Decimal\",\"decimal\":\"%s\"}", txt);
}

/* y, m, d of the UTC date of t. */
static void
civil_of(int64_t t, int *y, int *m, int *d)
{
	char day[11];

	time_format_date(day, t);
	*y = (day[0] - '0') * 1000 + (day[1] - '0') * 100 + (day[2] - '0') * 10 + (day[3] - '0');
	*m = (day[5] - '0') * 10 + (day[6] - '0');
	*d = (day[8] - '0') * 10 + (day[9] - '0');
}

int
tryton__put_date(struct buf *b, int64_t t)
{
	int y, m, d;

	civil_of(t, &y, &m, &d);
	return buf_printf(b, "{\"__class__\":\"date\",\"year\":%d,\"month\":%d,\"day\":%d}", y, m, d);
}

int
tryton__put_datetime(struct buf *b, int64_t t)
{
	int64_t s = ((t % 86400) + 86400) % 86400;
	int y, m, d;

	civil_of(t, &y, &m, &d);
	return buf_printf(b, "{\"__class__\":\"datetime\",\"year\":%d,\"month\":%d,\"day\":%d,"
	                  "\"hour\":%d,\"minute\":%d,\"second\":%d,\"microsecond\":0}",
	                  y, m, d, (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

json_object *
tryton__member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

const char *
tryton__get_str(json_object *obj, const char *key)
{
	json_object *v = tryton__member(obj, key);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
	                                                             : NULL;
}

/* The exact text of a number or string value, NULL when it has none. */
static const char *
number_text(json_object *v)
{
	const char *orig, *text;

	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
		return json_object_get_string(v);
	case json_type_double:
		/* a parsed double keeps its source text (json-c userdata) */
		orig = json_object_get_userdata(v);
		text = json_object_get_string(v);
		return orig != NULL && text != NULL && strcmp(orig, text) == 0 ? text : NULL;
	default:
		return NULL;
	}
}

/* "__class__" of a value, NULL when it is not such an object. */
static const char *
class_of(json_object *v)
{
	return tryton__get_str(v, "__class__");
}

int
tryton__get_decimal(json_object *v, int exponent, int64_t *out, const char *what,
                    struct sc_error *err)
{
	const char *text;
	int rc;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_object)) {
		const char *cls = class_of(v);
		if (cls == NULL || strcmp(cls, "Decimal") != 0)
			return sc_error_set(err, SC_EMALFORMED, "%s: not a Decimal", what);
		v = tryton__member(v, "decimal");
		if (v == NULL || !json_object_is_type(v, json_type_string))
			return sc_error_set(err, SC_EMALFORMED, "%s: Decimal without its text", what);
	}
	if ((text = number_text(v)) == NULL)
		return sc_error_set(err, SC_EMALFORMED, "%s: not a number", what);
	if ((rc = money_parse(out, text, strlen(text), exponent)) < 0)
		return sc_error_set(err, SC_EMALFORMED, "%s: \"%.40s\" is not an exact amount at %d "
		                    "decimals", what, text, exponent);
	return 1;
}

/* A whole number 0 <= v <= max from a member of a date object. */
static int
date_part(json_object *obj, const char *key, long min, long max, long *out)
{
	json_object *v = tryton__member(obj, key);
	int64_t n;

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return -1;
	*out = (long)n;
	return 0;
}

int
tryton__get_date(json_object *v, int64_t *out, const char *what, struct sc_error *err)
{
	const char *cls;
	long y, m, d, hh = 0, mm = 0, ss = 0;
	int is_dt;

	if (v == NULL || json_object_is_type(v, json_type_null) ||
	    (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)))
		return 0;
	cls = class_of(v);
	if (cls == NULL || (strcmp(cls, "date") != 0 && strcmp(cls, "datetime") != 0))
		return sc_error_set(err, SC_EMALFORMED, "%s: not a date", what);
	is_dt = strcmp(cls, "datetime") == 0;
	if (date_part(v, "year", 1, 9999, &y) < 0 || date_part(v, "month", 1, 12, &m) < 0 ||
	    date_part(v, "day", 1, 31, &d) < 0 ||
	    (is_dt && (date_part(v, "hour", 0, 23, &hh) < 0 ||
	               date_part(v, "minute", 0, 59, &mm) < 0 ||
	               date_part(v, "second", 0, 59, &ss) < 0)))
		return sc_error_set(err, SC_EMALFORMED, "%s: a %s with a missing or bad part", what,
		                    cls);
	*out = time_from_civil((int)y, (unsigned)m, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 1;
}

int
tryton__get_id(json_object *v, int64_t *out, const char *what, struct sc_error *err)
{
	int64_t n;

	if (v == NULL || json_object_is_type(v, json_type_null) ||
	    (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)))
		return 0;
	if (!json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) <= 0 ||
	    n == INT64_MAX)
		return sc_error_set(err, SC_EMALFORMED, "%s: not a record id", what);
	*out = n;
	return 1;
}

int
tryton__get_qty(json_object *v, int64_t *out, const char *what, struct sc_error *err)
{
	const char *text;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if ((json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) &&
	    (text = number_text(v)) != NULL && money_parse(out, text, strlen(text), 0) == 0)
		return 1;
	return sc_error_set(err, SC_EMALFORMED, "%s: not a whole quantity", what);
}

int
tryton__get_bool(json_object *v)
{
	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? 1 : 0;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) != 0;
	return 0;
}
