/*
 * ini_reader.h: the line-counting inih reader shared by the mapping files
 * (refund_rules.c, account_map.c).
 *
 * inih (as Debian builds it) passes no line numbers to the handler, strips
 * only `;` inline comments and never reports a section without keys. So
 * mapping_ini_read() feeds a text through ini_parse_stream with a reader
 * that, for each line, in this order:
 *   - counts it (*lineno_out and *last_line_out: its number, from 1),
 *   - rejects it when it does not fit inih's line buffer (ops.fail with
 *     "line too long (at most N characters)"),
 *   - skips a UTF-8 byte order mark on line 1, and leaves blank and comment
 *     (`#`, `;`) lines alone,
 *   - notes an indented line after a key since the last header as a
 *     continuation line (inih's rule: it continues that key),
 *   - on a header `[NAME]` as inih sees it (ends at `]`; a `;` after a blank
 *     before the `]` leaves it unterminated, which inih reports) calls
 *     ops.section with NAME trimmed and cut to name_max - 1 bytes, after
 *     cutting a `#` or `;` comment after a blank behind the `]`,
 *   - for any other content line calls ops.content (may be NULL) and cuts
 *     its `#` or `;` inline comment (after a blank).
 * At the end of the text it calls ops.end once. Each key inih reports goes
 * to ops.key with cont = 1 when its line is a continuation line.
 * Reading stops as soon as *failed is set: every callback may record an
 * error (the caller keeps the first one, and its line in *fail_line).
 * mapping_ini_read() allocates nothing; the caller owns the text and ctx.
 */
#ifndef SC_MAPPING_INI_READER_H
#define SC_MAPPING_INI_READER_H

#include <stddef.h>

struct sc_error;

/* What inih reports as a syntax error at a line, for the caller's message. */
#define MAPPING_INI_SYNTAX_ERROR \
	"syntax error (expected [section], key = value, or a # comment)"

struct mapping_ini_ops {
	/* Record an error MSG (no FILE:LINE prefix) at LINE. */
	void (*fail)(void *ctx, int line, const char *msg);
	/* A header [NAME] on the current line (NAME trimmed). */
	void (*section)(void *ctx, const char *name);
	/* A content line that is not a header (NULL: not wanted). */
	void (*content)(void *ctx);
	/* One key = value of the current line; cont: a continuation line. */
	void (*key)(void *ctx, const char *name, const char *value, int cont);
	/* The text ended (called once, when no error stopped reading). */
	void (*end)(void *ctx);
};

struct mapping_ini_reader {
	const struct mapping_ini_ops *ops;
	void *ctx;
	const char *text;       /* NUL-terminated; borrowed */
	size_t name_max;        /* section names are cut to name_max - 1 bytes (<= 256) */
	/* the caller's fields: the reader writes the first two, reads the others */
	int *lineno_out;        /* the line being read */
	int *last_line_out;     /* the last line read */
	const int *failed;      /* nonzero: an error is recorded, stop */
	const int *fail_line;   /* the line of that error */
	/* the reader's own state: zero before mapping_ini_read() */
	size_t off;
	int lineno;
	int line_cont;
	int have_prev;
	int at_eof;
};

/* Read rd->text through inih, calling rd->ops as described above.
 * Returns 0 when reading ended (the context says whether an error was
 * recorded), a line number > 0 when inih found a syntax error there before
 * the line of any recorded error (the caller reports MAPPING_INI_SYNTAX_ERROR
 * at that line in place of its own error), or < 0 when inih ran out of
 * memory and no error was recorded. */
int
mapping_ini_read(struct mapping_ini_reader *rd);

/* Read the file PATH (at most MAX bytes, no NUL byte) into *out, a
 * NUL-terminated string the caller frees. Returns 0, or SC_ENOTFOUND /
 * SC_ENOMEM / SC_EINVALID with "PATH: ..." in err (*out stays NULL). */
int
mapping_ini_file_read(char **out, const char *path, int max, struct sc_error *err);

#endif
