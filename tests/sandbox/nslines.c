/* nslines.c: the line state of sandbox sales orders (nsfulfill.h): each
 * item line's fulfilled quantity, closed flag and last change, kept in the
 * stored body under SBX_LINES_KEY; how GET shows it (line,
 * quantityFulfilled, isClosed) and how SuiteQL does (transaction.status,
 * the transactionline table). nsfulfill.c changes it. */
#include "tests/sandbox/nsfulfill.h"
#include "connector/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- line state -------------------------------------------------------------------- */


json_object *
sbx_lines_sublist(json_object *body, const char *name)
{
	json_object *sub = NULL, *items = NULL;

	if (json_object_object_get_ex(body, name, &sub) && json_object_is_type(sub, json_type_object) &&
	    json_object_object_get_ex(sub, "items", &items) && json_object_is_type(items, json_type_array))
		return items;
	return NULL;
}

const char *
sbx_lines_ref(json_object *o, const char *key)
{
	json_object *ref = NULL, *id = NULL;

	if (!json_object_object_get_ex(o, key, &ref))
		return NULL;
	if (json_object_is_type(ref, json_type_object) && json_object_object_get_ex(ref, "id", &id))
		ref = id;
	if (json_object_is_type(ref, json_type_string) || json_object_is_type(ref, json_type_int))
		return json_object_get_string(ref);
	return NULL;
}

/* A whole quantity from a JSON number or numeric string: 0, or -1. */
int
sbx_lines_qty(json_object *v, int64_t *out)
{
	struct sbx_dec d;
	int s;

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	                   json_object_is_type(v, json_type_double) ||
	                   json_object_is_type(v, json_type_string)) ||
	    sbx_dec_parse(&d, json_object_get_string(v)) < 0)
		return -1;
	for (s = d.scale; s > 0; s--) {
		if (d.units % 10 != 0)
			return -1;
		d.units /= 10;
	}
	*out = d.units;
	return 0;
}

static int64_t
obj_int(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* The item lines of body with their state (*out heap, *n lines). */
int
sbx_lines_load(json_object *body, struct sbx_sline **out, size_t *n)
{
	json_object *items = sbx_lines_sublist(body, "item"), *state = NULL, *v = NULL;
	size_t i, cnt = items != NULL ? json_object_array_length(items) : 0;

	*n = 0;
	if ((*out = calloc(cnt + 1, sizeof(**out))) == NULL)
		return SC_ENOMEM;
	if (!json_object_object_get_ex(body, SBX_LINES_KEY, &state) ||
	    !json_object_is_type(state, json_type_array))
		state = NULL;
	for (i = 0; i < cnt; i++) {
		json_object *l = json_object_array_get_idx(items, i);
		json_object *s = state != NULL ? json_object_array_get_idx(state, i) : NULL;
		struct sbx_sline *sl = &(*out)[i];

		sl->item = sbx_lines_ref(l, "item");
		if (!json_object_object_get_ex(l, "quantity", &v) || sbx_lines_qty(v, &sl->qty) < 0)
			sl->qty = 0;
		if (s != NULL) {
			sl->fulfilled = obj_int(s, "fulfilled");
			sl->closed = json_object_object_get_ex(s, "closed", &v) && json_object_get_boolean(v);
			sl->modified_ms = obj_int(s, "modified");
		}
	}
	*n = cnt;
	return 0;
}

void
sbx_lines_store(json_object *body, const struct sbx_sline *l, size_t n)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "fulfilled", json_object_new_int64(l[i].fulfilled));
		json_object_object_add(s, "closed", json_object_new_boolean(l[i].closed));
		json_object_object_add(s, "modified", json_object_new_int64(l[i].modified_ms));
		json_object_array_add(arr, s);
	}
	json_object_object_add(body, SBX_LINES_KEY, arr);
}

/* Write body back as the record's (its lastModifiedDate moves). */
int
sbx_lines_save(struct sbx_record *r, json_object *body)
{
	char *text = strdup(json_object_to_json_string_ext(body, SBX_JSON_FLAGS));

	if (text == NULL)
		return SC_ENOMEM;
	sbx_record_set_body(r, text);
	return 0;
}

json_object *
sbx_lines_body(const struct sbx_record *r)
{
	json_object *o = sbx_json_parse(r->body, strlen(r->body), NULL, 0);

	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o != NULL ? o : json_object_new_object();
}

/* ---- GET and SuiteQL ------------------------------------------------------------------- */

void
sbx_fulfill_render(const struct sbx_record *r, json_object *o)
{
	json_object *items;
	struct sbx_sline *sl = NULL;
	size_t i, n = 0;

	if (strcmp(r->type, "salesOrder") != 0) {
		json_object_object_del(o, SBX_LINES_KEY);
		return;
	}
	items = sbx_lines_sublist(o, "item");
	if (sbx_lines_load(o, &sl, &n) == 0)
		for (i = 0; items != NULL && i < n; i++) {
			json_object *l = json_object_array_get_idx(items, i);

			if (!json_object_is_type(l, json_type_object))
				continue;
			json_object_object_add(l, "line", json_object_new_int64((int64_t)i + 1));
			json_object_object_add(l, "quantityFulfilled", json_object_new_int64(sl[i].fulfilled));
			json_object_object_add(l, "isClosed", json_object_new_boolean(sl[i].closed));
		}
	free(sl);
	json_object_object_del(o, SBX_LINES_KEY);
}

int
sbx_fulfill_tlines(const struct sbx_rtype *t, int closed_only, struct sbx_tline **arr, size_t *n)
{
	struct sbx_sline *sl = NULL;
	size_t i, k, cnt;
	int rc = 0;

	for (i = 0; t != NULL && i < t->len && rc == 0; i++) {
		const struct sbx_record *r = t->list[i];
		json_object *body;

		if (closed_only && strstr(r->body, "\"" SBX_LINES_KEY "\"") == NULL)
			continue;                   /* never closed a line: skip the parse */
		body = sbx_lines_body(r);
		if (sbx_lines_load(body, &sl, &cnt) < 0) {
			rc = SC_ENOMEM;
		} else {
			for (k = 0; k < cnt && rc == 0; k++) {
				struct sbx_tline *na;

				if (closed_only && !sl[k].closed)
					continue;
				if ((na = realloc(*arr, (*n + 1) * sizeof(*na))) == NULL) {
					rc = SC_ENOMEM;
					break;
				}
				*arr = na;
				na[*n].rec = r;
				na[(*n)++].idx = k;
			}
		}
		free(sl);
		sl = NULL;
		json_object_put(body);
	}
	return rc;
}

static void
date_text(char *out, size_t n, int64_t ms)
{
	char iso[32];

	sbx_time_format(iso, sizeof(iso), ms);
	snprintf(out, n, "%.10s %.8s", iso, iso + 11);
}

int
sbx_fulfill_tline_value(const struct sbx_tline *l, const char *name, json_object *body,
                        char *out, size_t n)
{
	json_object *items = sbx_lines_sublist(body, "item"), *line, *v = NULL;
	struct sbx_sline *sl = NULL;
	size_t cnt = 0;
	int has = 1;

	out[0] = '\0';
	line = items != NULL ? json_object_array_get_idx(items, l->idx) : NULL;
	if (strcmp(name, "transaction") == 0) {
		snprintf(out, n, "%" PRId64, l->rec->id);
		return 1;
	}
	if (strcmp(name, "id") == 0 || strcmp(name, "linesequencenumber") == 0) {
		snprintf(out, n, "%zu", l->idx + 1);
		return 1;
	}
	if (strcmp(name, "mainline") == 0) {
		snprintf(out, n, "F");
		return 1;
	}
	if (strcmp(name, "item") == 0) {
		const char *id = line != NULL ? sbx_lines_ref(line, "item") : NULL;

		if (id != NULL)
			snprintf(out, n, "%s", id);
		return id != NULL;
	}
	if (strcmp(name, "quantity") == 0) {
		if (line == NULL || !json_object_object_get_ex(line, "quantity", &v))
			return 0;
		snprintf(out, n, "%s", json_object_get_string(v));
		return 1;
	}
	if (sbx_lines_load(body, &sl, &cnt) < 0 || l->idx >= cnt) {
		free(sl);
		return 0;
	}
	if (strcmp(name, "isclosed") == 0)
		snprintf(out, n, "%s", sl[l->idx].closed ? "T" : "F");
	else if (strcmp(name, "quantityshiprecv") == 0)
		snprintf(out, n, "%" PRId64, sl[l->idx].fulfilled);
	else if (strcmp(name, "linelastmodifieddate") == 0)
		date_text(out, n, sl[l->idx].modified_ms > 0 ? sl[l->idx].modified_ms
		                                             : l->rec->modified_ms);
	else
		has = 0;
	free(sl);
	return has;
}

int
sbx_fulfill_status(const struct sbx_record *r, json_object *body, char *out, size_t n)
{
	struct sbx_sline *sl = NULL;
	size_t i, cnt = 0, closed = 0, done = 0, some = 0;
	const char *st;

	out[0] = '\0';
	if (strcmp(r->type, "itemFulfillment") == 0) {
		st = sbx_lines_ref(body, "shipStatus");
		if (st != NULL)
			snprintf(out, n, "%s", st);
		return st != NULL;
	}
	if (strcmp(r->type, "salesOrder") != 0 || sbx_lines_load(body, &sl, &cnt) < 0)
		return 0;
	for (i = 0; i < cnt; i++) {
		closed += sl[i].closed;
		done += sl[i].closed || sl[i].fulfilled >= sl[i].qty;
		some += sl[i].fulfilled > 0;
	}
	free(sl);
	snprintf(out, n, "%s", cnt > 0 && closed == cnt ? "H" : cnt > 0 && done == cnt ? "F"
	                       : some > 0 ? "D" : "B");
	return 1;
}
