/*
 * ini_reader.c: the line-counting inih reader of the mapping files
 * (ini_reader.h), and reading such a file into memory.
 */
#include "mapping/ini_reader.h"

#include "connector/error.h"

#include <ini.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INI_NAME_MAX 256

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Cut a `#` or `;` comment that follows a blank, from q on. */
static void
comment_cut(char *q)
{
	for (; *q != '\0'; q++)
		if ((*q == '#' || *q == ';') && is_blank(q[-1])) {
			*q = '\0';
			break;
		}
}

/* Look at the line inih is about to parse: note a header (as inih would
 * see it) and cut inline comments. */
static void
line_prepare(struct mapping_ini_reader *rd, char *line)
{
	char *s = line, *t, *end;
	char name[INI_NAME_MAX];
	size_t len, max = rd->name_max;
	int was_space = 0;

	if (max == 0 || max > sizeof(name))
		max = sizeof(name);
	if (rd->lineno == 1 && (unsigned char)s[0] == 0xEF &&
	    (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
		s += 3;
	t = s;
	while (*t == ' ' || *t == '\t')
		t++;
	rd->line_cont = 0;
	if (is_blank(*t) || *t == '\0' || *t == '#' || *t == ';')
		return;
	rd->line_cont = t > s && rd->have_prev;
	if (!rd->line_cont && *t == '[') {
		/* inih: the header ends at `]`, and a `;` after a blank before it
		 * is a comment, which leaves the header unterminated (an error). */
		for (end = t + 1; *end != '\0' && *end != ']'; end++) {
			if (was_space && *end == ';')
				break;
			was_space = is_blank(*end);
		}
		if (*end != ']')
			return;
		comment_cut(end + 1);
		t++;
		while (t < end && is_blank(*t))
			t++;
		len = (size_t)(end - t);
		while (len > 0 && is_blank(t[len - 1]))
			len--;
		if (len >= max)
			len = max - 1;
		memcpy(name, t, len);
		name[len] = '\0';
		rd->have_prev = 0;
		rd->ops->section(rd->ctx, name);
		return;
	}
	if (rd->ops->content != NULL)
		rd->ops->content(rd->ctx);
	comment_cut(t + 1);
}

static char *
reader(char *str, int num, void *stream)
{
	struct mapping_ini_reader *rd = stream;
	char msg[64];
	size_t i = 0, cap;

	if (*rd->failed || num < 2)
		return NULL;
	if (rd->text[rd->off] == '\0') {
		if (!rd->at_eof) {
			rd->at_eof = 1;
			rd->ops->end(rd->ctx);
		}
		return NULL;
	}
	cap = (size_t)num - 1;
	while (rd->text[rd->off] != '\0' && i < cap) {
		char ch = rd->text[rd->off++];

		str[i++] = ch;
		if (ch == '\n')
			break;
	}
	str[i] = '\0';
	rd->lineno++;
	*rd->lineno_out = rd->lineno;
	*rd->last_line_out = rd->lineno;
	if (i == cap && str[i - 1] != '\n') {
		if (rd->text[rd->off] == '\n')
			rd->off++;          /* the line fits; only its newline did not */
		else if (rd->text[rd->off] != '\0') {
			snprintf(msg, sizeof(msg), "line too long (at most %d characters)", num - 1);
			rd->ops->fail(rd->ctx, rd->lineno, msg);
			return NULL;
		}
	}
	line_prepare(rd, str);
	return *rd->failed ? NULL : str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct mapping_ini_reader *rd = user;

	(void)section;
	if (*rd->failed)
		return 0;
	rd->ops->key(rd->ctx, name, value, rd->line_cont);
	rd->have_prev = 1;
	return !*rd->failed;
}

int
mapping_ini_read(struct mapping_ini_reader *rd)
{
	int rc;

	rc = ini_parse_stream(reader, rd, handler, rd);
	if (rc > 0 && (!*rd->failed || rc < *rd->fail_line))
		return rc;
	if (rc < 0 && !*rd->failed)
		return rc;
	return 0;
}

int
mapping_ini_file_read(char **out, const char *path, int max, struct sc_error *err)
{
	FILE *f = NULL;
	char *text = NULL;
	size_t len;
	int rc = 0;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return sc_error_set(err, SC_ENOTFOUND, "%s: cannot open: %s", path,
		                    strerror(errno));
	if ((text = malloc((size_t)max + 1)) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	len = fread(text, 1, (size_t)max + 1, f);
	if (ferror(f)) {
		rc = sc_error_set(err, SC_EINVALID, "%s: cannot read: %s", path, strerror(errno));
		goto done;
	}
	if (len > (size_t)max) {
		rc = sc_error_set(err, SC_EINVALID, "%s: larger than %d bytes", path, max);
		goto done;
	}
	if (memchr(text, '\0', len) != NULL) {
		rc = sc_error_set(err, SC_EINVALID, "%s: holds a NUL byte (not a text file)", path);
		goto done;
	}
	text[len] = '\0';
	*out = text;
	text = NULL;
done:
	free(text);
	fclose(f);
	return rc;
}
