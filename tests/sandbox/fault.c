/* fault.c: scripted faults (POST /_sandbox/faults), matched by method and
 * path (exact, or prefix when the path ends in '*'), in order of creation. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum sbx_fault_action action;
} fault_actions[] = {
	{ "status", SBX_FAULT_STATUS },
	{ "delay", SBX_FAULT_DELAY },
	{ "drop", SBX_FAULT_DROP },
	{ "truncate", SBX_FAULT_TRUNCATE },
	{ "malformed", SBX_FAULT_MALFORMED },
};

/* An integer member: 1 found, 0 absent, -1 wrong type. */
static int
get_long(json_object *o, const char *key, long *out)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = (long)json_object_get_int64(v);
	return 1;
}

int
sbx_fault_parse(struct sbx_fault *out, json_object *o, char *err, size_t errn)
{
	const char *method, *path, *action;
	size_t i, plen;

	memset(out, 0, sizeof *out);
	out->count = 1;
	out->retry_after = -1;
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errn, "a fault is a JSON object");
		return SC_EINVALID;
	}
	path = sbx_json_str(o, "path");
	if (path == NULL || path[0] != '/' || strlen(path) >= sizeof out->path) {
		snprintf(err, errn, "\"path\" must be a string starting with '/'");
		return SC_EINVALID;
	}
	plen = strlen(path);
	memcpy(out->path, path, plen + 1);
	if (plen > 0 && out->path[plen - 1] == '*') {
		out->path[plen - 1] = '\0';
		out->prefix = 1;
	}
	method = sbx_json_str(o, "method");
	if (method != NULL) {
		if (strlen(method) >= sizeof out->method) {
			snprintf(err, errn, "\"method\" is too long");
			return SC_EINVALID;
		}
		for (i = 0; method[i] != '\0'; i++)
			out->method[i] = (char)(method[i] >= 'a' && method[i] <= 'z'
			                        ? method[i] - 32 : method[i]);
		out->method[i] = '\0';
	}
	if (get_long(o, "count", &out->count) < 0 || get_long(o, "skip", &out->skip) < 0 ||
	    get_long(o, "retry_after", &out->retry_after) < 0 ||
	    get_long(o, "delay_ms", &out->delay_ms) < 0) {
		snprintf(err, errn, "count, skip, retry_after and delay_ms are integers");
		return SC_EINVALID;
	}
	{
		long st = 0;

		if (get_long(o, "status", &st) < 0 || st < 0 || st > 599) {
			snprintf(err, errn, "\"status\" must be an HTTP status code");
			return SC_EINVALID;
		}
		out->status = (int)st;
	}
	if (out->count < 1 || out->skip < 0 || out->delay_ms < 0 || out->delay_ms > 600000) {
		snprintf(err, errn, "count >= 1, skip >= 0, 0 <= delay_ms <= 600000");
		return SC_EINVALID;
	}
	action = sbx_json_str(o, "action");
	if (action == NULL)
		action = out->status ? "status" : (out->delay_ms ? "delay" : "");
	for (i = 0; i < sizeof fault_actions / sizeof fault_actions[0]; i++)
		if (strcasecmp(action, fault_actions[i].name) == 0)
			out->action = fault_actions[i].action;
	if (out->action == SBX_FAULT_NONE) {
		snprintf(err, errn, "\"action\" must be status, delay, drop, truncate or malformed");
		return SC_EINVALID;
	}
	if (out->action == SBX_FAULT_STATUS && (out->status < 100)) {
		snprintf(err, errn, "action \"status\" needs \"status\"");
		return SC_EINVALID;
	}
	return 0;
}

int
sbx_fault_add(struct sbx *sb, const struct sbx_fault *f)
{
	struct sbx_fault *nf = realloc(sb->faults, (sb->nfaults + 1) * sizeof *nf);

	if (nf == NULL)
		return SC_ENOMEM;
	sb->faults = nf;
	sb->faults[sb->nfaults++] = *f;
	return 0;
}

void
sbx_fault_clear(struct sbx *sb)
{
	free(sb->faults);
	sb->faults = NULL;
	sb->nfaults = 0;
}

static int
fault_matches(const struct sbx_fault *f, const char *method, const char *path)
{
	if (f->count <= 0)
		return 0;
	if (f->method[0] != '\0' && strcmp(f->method, method) != 0)
		return 0;
	if (f->prefix)
		return strncmp(path, f->path, strlen(f->path)) == 0;
	return strcmp(path, f->path) == 0;
}

int
sbx_fault_take(struct sbx *sb, const char *method, const char *path, struct sbx_fault *out)
{
	size_t i;
	int fired = 0;

	pthread_mutex_lock(&sb->lock);
	for (i = 0; i < sb->nfaults && !fired; i++) {
		struct sbx_fault *f = &sb->faults[i];

		if (!fault_matches(f, method, path))
			continue;
		if (f->skip > 0) {
			f->skip--;
			continue;
		}
		f->count--;
		*out = *f;
		fired = 1;
	}
	/* Forget spent faults. */
	if (fired) {
		size_t j = 0;

		for (i = 0; i < sb->nfaults; i++)
			if (sb->faults[i].count > 0)
				sb->faults[j++] = sb->faults[i];
		sb->nfaults = j;
	}
	pthread_mutex_unlock(&sb->lock);
	if (fired)
		atomic_fetch_add(&sb->faults_fired, 1);
	return fired;
}
