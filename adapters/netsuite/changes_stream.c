/*
 * changes_stream.c: the changes_page slot. One stream of changes made in
 * NetSuite for orders the connector synced, read by three SuiteQL queries,
 * each paged by keyset on its own modification time:
 *
 *   refund  refunds people made (changes.c: cashRefund, creditMemo,
 *           customerRefund; transaction.lastmodifieddate)
 *   ship    item fulfillments (changes_ship.c; transaction.lastmodifieddate)
 *   close   closed sales order lines (changes_ship.c;
 *           transactionline.linelastmodifieddate)
 *
 * Each call runs one page (CHANGES_PAGE rows) of every query that has not
 * finished the current poll, in that order, and puts what they report on
 * one page. The rules of changes.c's comment apply to each query: a poll
 * starts at the query's watermark minus NETSUITE_OVERLAP; between pages it
 * continues "after T, skip n" (rows modified at or after T, the first n of
 * which were on earlier pages); the last page of a poll moves the
 * watermark to the newest modification time the query saw. A query that
 * has no more rows is "done" for the rest of the poll (not asked again);
 * when every query is done, all of them become "since" their new
 * watermark and page->more is 0.
 *
 * Cursor text (opaque to the engine): "v2;refund=S;ship=S;close=S" with S
 * "since,<ISO>", "after,<ISO>,<n>" or "done,<ISO>". A cursor of an older
 * run ("v1;since=T" or "v1;after=T;skip=n", refunds only) is accepted: it
 * is the refund query's, and the two new queries start "since T" (so
 * shipments and cancellations made after the last poll of the older run
 * are reported). No cursor: every query since now - NETSUITE_FIRST_LOOKBACK.
 *
 * Cost: every poll is three SuiteQL queries when nothing changed; records
 * are read (GET) only for rows a query returned, never for every order the
 * connector synced (the connector updates its own sales orders often: no
 * query here looks at sales orders' lastmodifieddate).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/jsonutil.h"
#include "connector/timeutil.h"

#define CHANGES_PAGE 100
#define SKIP_MAX 100000

static const struct netsuite_stream *const streams[NETSUITE_STREAMS] = {
	&netsuite__stream_refund, &netsuite__stream_ship, &netsuite__stream_close,
};

/* ---- cursor ----------------------------------------------------------------------- */

/* One sub-cursor: "since,ISO" | "after,ISO,n" | "done,ISO" of len bytes. */
static int
sub_parse(struct netsuite_cursor *c, int *done, const char *s, size_t len)
{
	char text[64], *end = NULL, *comma;
	size_t head;

	memset(c, 0, sizeof(*c));
	*done = 0;
	if (len >= sizeof(text))
		return SC_EMALFORMED;
	memcpy(text, s, len);
	text[len] = '\0';
	if (strncmp(text, "since,", 6) == 0)
		head = 6;
	else if (strncmp(text, "done,", 5) == 0)
		head = 5;
	else if (strncmp(text, "after,", 6) == 0)
		head = 6;
	else
		return SC_EMALFORMED;
	comma = strchr(text + head, ',');
	if (text[0] == 'a') {
		if (comma == NULL || comma[1] < '0' || comma[1] > '9')
			return SC_EMALFORMED;
		errno = 0;
		c->skip = strtol(comma + 1, &end, 10);
		if (errno != 0 || *end != '\0' || c->skip > SKIP_MAX)
			return SC_EMALFORMED;
		*comma = '\0';
		c->cont = 1;
	} else if (comma != NULL) {
		return SC_EMALFORMED;
	}
	if (text[head] == '\0' ||
	    time_parse_iso8601(&c->since, text + head, strlen(text + head)) != 0)
		return SC_EMALFORMED;
	*done = text[0] == 'd';
	return 0;
}

static int
v2_parse(struct netsuite_scursor *out, const char *cursor)
{
	const char *p = cursor + 3, *semi;
	size_t k, nl;

	for (k = 0; k < NETSUITE_STREAMS; k++) {
		nl = strlen(streams[k]->name);
		if (strncmp(p, streams[k]->name, nl) != 0 || p[nl] != '=')
			return SC_EMALFORMED;
		p += nl + 1;
		semi = strchr(p, ';');
		if ((semi == NULL) != (k == NETSUITE_STREAMS - 1))
			return SC_EMALFORMED;
		if (semi == NULL)
			semi = p + strlen(p);
		if (sub_parse(&out->s[k], &out->done[k], p, (size_t)(semi - p)) < 0)
			return SC_EMALFORMED;
		p = *semi == ';' ? semi + 1 : semi;
	}
	return 0;
}

int
netsuite__scursor_parse(struct netsuite_scursor *out, const char *cursor, int64_t now,
                        struct sc_error *err)
{
	struct netsuite_cursor v1;
	size_t k;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cursor == NULL || cursor[0] == '\0') {
		for (k = 0; k < NETSUITE_STREAMS; k++)
			out->s[k].since = now - NETSUITE_FIRST_LOOKBACK;
		return 0;
	}
	if (strncmp(cursor, "v1;", 3) == 0) {
		if ((rc = netsuite__cursor_parse(&v1, cursor, now, err)) < 0)
			return rc;
		out->s[0] = v1;
		for (k = 1; k < NETSUITE_STREAMS; k++)
			out->s[k].since = v1.since;
		return 0;
	}
	if (strncmp(cursor, "v2;", 3) == 0 && v2_parse(out, cursor) == 0)
		return 0;
	memset(out, 0, sizeof(*out));
	return sc_error_set(err, SC_EMALFORMED,
	                    "NetSuite changes cursor \"%.100s\" is not one this adapter wrote", cursor);
}

int
netsuite__scursor_format(char *out, size_t n, const struct netsuite_scursor *c)
{
	size_t k, used = 0;
	char iso[21];
	int w;

	w = snprintf(out, n, "v2");
	if (w < 0 || (size_t)w >= n)
		return SC_ENOSPACE;
	used = (size_t)w;
	for (k = 0; k < NETSUITE_STREAMS; k++) {
		time_format_iso8601(iso, c->s[k].since);
		if (c->s[k].cont)
			w = snprintf(out + used, n - used, ";%s=after,%s,%ld", streams[k]->name, iso,
			             c->s[k].skip);
		else
			w = snprintf(out + used, n - used, ";%s=%s,%s", streams[k]->name,
			             c->done[k] ? "done" : "since", iso);
		if (w < 0 || (size_t)w >= n - used)
			return SC_ENOSPACE;
		used += (size_t)w;
	}
	return 0;
}

/* ---- one page of one query ------------------------------------------------------- */

/* Run one page of `st` from `cur`: its changes into out, *next and *done
 * (1: no more rows this poll) for the cursor. */
static int
stream_page(struct netsuite *ns, const struct netsuite_stream *st,
            const struct netsuite_cursor *cur, struct page *out, struct netsuite_cursor *next,
            int *done, struct sc_error *err)
{
	json_object *root = NULL, *rows = NULL;
	struct buf q;
	char iso[21], from[20];
	int64_t last = -1, t;
	long ties = 0;
	size_t i, nrows;
	int more = 0, rc;

	buf_init(&q, 0);
	time_format_iso8601(iso, cur->cont ? cur->since : cur->since - NETSUITE_OVERLAP);
	snprintf(from, sizeof(from), "%.10s %.8s", iso, iso + 11);
	if ((rc = st->query(&q, from)) < 0) {
		sc_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = netsuite__changes_query(ns, buf_cstr(&q), CHANGES_PAGE, cur->cont ? cur->skip : 0,
	                                  &root, &rows, &more, err)) < 0) {
		sc_error_prefix(err, "NetSuite changes (%s)", st->name);
		goto done;
	}
	nrows = json_object_array_length(rows);
	for (i = 0; i < nrows; i++) {
		const char *mod = netsuite__row_col(json_object_array_get_idx(rows, i), "modified");
		char z[32];

		if (mod == NULL) {
			rc = sc_error_set(err, SC_EMALFORMED, "NetSuite changes (%s): row %zu has no "
			                  "modified time", st->name, i + 1);
			goto done;
		}
		snprintf(z, sizeof(z), "%.19sZ", mod);
		if (strlen(mod) != 19 || time_parse_iso8601(&t, z, strlen(z)) < 0) {
			rc = sc_error_set(err, SC_EMALFORMED, "NetSuite changes (%s): row %zu modified "
			                  "\"%.40s\"", st->name, i + 1, mod);
			goto done;
		}
		if (t == last) {
			ties++;
		} else {
			last = t;
			ties = 1;
		}
	}
	if ((rc = st->rows(ns, rows, out, err)) < 0)
		goto done;
	memset(next, 0, sizeof(*next));
	if (more && nrows > 0) {
		next->cont = 1;
		next->since = last;
		next->skip = cur->cont && last == cur->since ? cur->skip + ties : ties;
		*done = 0;
	} else {
		next->since = last > cur->since ? last : cur->since;
		*done = 1;
	}
	rc = 0;
done:
	json_object_put(root);
	buf_free(&q);
	return rc;
}

int
netsuite__changes_page(void *self, const char *cursor, struct page *out, struct sc_error *err)
{
	struct netsuite *ns = self;
	struct netsuite_scursor cur, next;
	size_t k;
	int more = 0, rc;

	page_init(out, netsuite__change_free);
	if ((rc = netsuite__scursor_parse(&cur, cursor, time_now(), err)) < 0)
		goto done;
	next = cur;
	for (k = 0; k < NETSUITE_STREAMS; k++) {
		if (cur.done[k])
			continue;
		if ((rc = stream_page(ns, streams[k], &cur.s[k], out, &next.s[k], &next.done[k],
		                      err)) < 0)
			goto done;
		more |= !next.done[k];
	}
	if (!more)
		for (k = 0; k < NETSUITE_STREAMS; k++)
			next.done[k] = 0;         /* every query done: the next poll */
	if ((rc = netsuite__scursor_format(out->cursor, sizeof(out->cursor), &next)) < 0) {
		sc_error_set(err, rc, "NetSuite changes: cursor too long");
		goto done;
	}
	out->more = more;
	rc = 0;
done:
	if (rc < 0)
		page_free(out);
	return rc;
}
