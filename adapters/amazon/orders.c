/*
 * orders.c: searchOrders paging with an opaque cursor, and getOrder.
 *
 * A window is [lastUpdatedAfter, lastUpdatedBefore]. The first page of a
 * run starts at the stored watermark minus overlap_seconds (or start_date on
 * the very first run) and ends AMAZON_BEFORE_LAG seconds before now, as
 * SP-API requires. While Amazon hands out pagination tokens the cursor keeps
 * the window's two times with the token, because every later page must
 * repeat the first request's parameters; after the last page the watermark
 * becomes the window's end. A token Amazon no longer accepts (400: expired
 * after 24 h) restarts the window from its start, without the token.
 */
#include "adapters/amazon/amazon_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/buf.h"
#include "connector/jsonutil.h"
#include "connector/log.h"
#include "connector/timeutil.h"

/* ---- cursor ------------------------------------------------------------- */

static int
cursor_time(int64_t *out, const char *p, const char *end)
{
	if (end <= p)
		return SC_EMALFORMED;
	return time_parse_iso8601(out, p, (size_t)(end - p));
}

int
amazon__cursor_decode(struct amazon_cursor *out, const char *text,
                      struct sc_error *err)
{
	const char *p, *end;
	int seen_after = 0, seen_before = 0;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0')
		return 0;
	if (strncmp(text, "v1;", 3) != 0)
		goto bad;
	p = text + 3;
	while (*p != '\0') {
		if (strncmp(p, "token=", 6) == 0) {
			/* the token is last and may hold any character */
			p += 6;
			len = strlen(p);
			if (len == 0 || len >= sizeof(out->token))
				goto bad;
			memcpy(out->token, p, len + 1);
			break;
		}
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if (strncmp(p, "after=", 6) == 0 && !seen_after) {
			if (cursor_time(&out->after, p + 6, end) < 0)
				goto bad;
			seen_after = 1;
		} else if (strncmp(p, "before=", 7) == 0 && !seen_before) {
			if (cursor_time(&out->before, p + 7, end) < 0)
				goto bad;
			seen_before = 1;
		} else {
			goto bad;
		}
		p = *end != '\0' ? end + 1 : end;
	}
	if (!seen_after || seen_before != (out->token[0] != '\0'))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return sc_error_set(err, SC_EMALFORMED,
	    "amazon: the orders cursor \"%.100s\" is not one this adapter wrote", text);
}

int
amazon__cursor_encode(char *out, size_t n, const struct amazon_cursor *c,
                      struct sc_error *err)
{
	char a[21], b[21];
	int w;

	time_format_iso8601(a, c->after);
	if (c->token[0] == '\0') {
		w = snprintf(out, n, "v1;after=%s", a);
	} else {
		time_format_iso8601(b, c->before);
		w = snprintf(out, n, "v1;after=%s;before=%s;token=%s", a, b, c->token);
	}
	if (w < 0 || (size_t)w >= n) {
		if (n > 0)
			out[0] = '\0';
		return sc_error_set(err, SC_ENOSPACE,
		    "amazon: a pagination token of %zu bytes does not fit the "
		    "%zu-byte orders cursor", strlen(c->token), n);
	}
	return 0;
}

/* ---- searchOrders ------------------------------------------------------- */

static int
search_url(const struct amazon *self, const struct amazon_cursor *win,
           char **out, struct sc_error *err)
{
	char a[21], b[21], ps[24];
	struct buf u;
	int rc;

	*out = NULL;
	buf_init(&u, 0);
	time_format_iso8601(a, win->after);
	time_format_iso8601(b, win->before);
	snprintf(ps, sizeof(ps), "%ld", self->page_size);
	if ((rc = buf_puts(&u, self->endpoint)) < 0 ||
	    (rc = buf_puts(&u, AMAZON_ORDERS_PATH "?lastUpdatedAfter=")) < 0 ||
	    (rc = buf_url_encode(&u, a)) < 0 ||
	    (rc = buf_puts(&u, "&lastUpdatedBefore=")) < 0 ||
	    (rc = buf_url_encode(&u, b)) < 0 ||
	    (rc = buf_puts(&u, "&marketplaceIds=")) < 0 ||
	    (rc = buf_url_encode(&u, self->marketplace_ids)) < 0 ||
	    (rc = buf_puts(&u, "&maxResultsPerPage=")) < 0 ||
	    (rc = buf_url_encode(&u, ps)) < 0 ||
	    (rc = buf_puts(&u, "&includedData=")) < 0 ||
	    (rc = buf_url_encode(&u, AMAZON_INCLUDED_DATA)) < 0)
		goto done;
	if (win->token[0] != '\0' &&
	    ((rc = buf_puts(&u, "&paginationToken=")) < 0 ||
	     (rc = buf_url_encode(&u, win->token)) < 0))
		goto done;
	if ((*out = buf_take(&u)) == NULL)
		rc = SC_ENOMEM;
done:
	buf_free(&u);
	if (rc < 0)
		sc_error_set(err, rc, "amazon searchOrders: cannot build the URL");
	return rc;
}

static int
search(struct amazon *self, const struct amazon_cursor *win,
       struct http_response *resp, struct sc_error *err)
{
	char *url = NULL;
	int rc;

	if ((rc = search_url(self, win, &url, err)) < 0)
		return rc;
	rc = amazon__call(self, "searchOrders", self->rl_search, url, resp, err);
	free(url);
	return rc;
}

int
amazon__orders_page(void *vself, const char *cursor, struct page *out,
                    struct sc_error *err)
{
	struct amazon *self = vself;
	struct amazon_cursor cur, win, next;
	struct http_response resp;
	char *token = NULL;
	char when[21];
	int64_t now, lag;
	int rc;

	memset(&resp, 0, sizeof(resp));
	page_init(out, amazon__order_item_free);
	if ((rc = amazon__cursor_decode(&cur, cursor, err)) < 0)
		goto done;
	now = time_now();
	lag = (int64_t)((double)AMAZON_BEFORE_LAG / self->time_scale);
	if (cur.token[0] != '\0') {
		win = cur;
	} else {
		memset(&win, 0, sizeof(win));
		if (cur.after == 0)
			win.after = self->start_date != 0 ? self->start_date
			                                  : now - AMAZON_DEFAULT_LOOKBACK;
		else
			win.after = cur.after - self->overlap;
		win.before = now - lag;
		if (win.after >= win.before) {
			/* Nothing can be asked yet (start_date ahead, clock
			 * behind): an empty page, the cursor unchanged. */
			snprintf(out->cursor, sizeof(out->cursor), "%s",
			         cursor != NULL ? cursor : "");
			out->more = 0;
			goto done;
		}
	}

	rc = search(self, &win, &resp, err);
	if (rc == 0 && resp.status == 400 && win.token[0] != '\0') {
		time_format_iso8601(when, win.after);
		log_event(LOG_WARN, "amazon.orders.token_rejected",
		          "restart_after", when, NULL);
		http_response_free(&resp);
		win.token[0] = '\0';
		win.before = now - lag;
		if (win.before <= win.after)
			win.before = win.after + 1;
		rc = search(self, &win, &resp, err);
	}
	if (rc < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "searchOrders", NULL, err);
		goto done;
	}
	if ((rc = amazon__orders_response_parse(out, &token, resp.body.data,
	                                        resp.body.len, err)) < 0)
		goto done;

	memset(&next, 0, sizeof(next));
	if (token != NULL) {
		if (strlen(token) >= sizeof(next.token)) {
			rc = sc_error_set(err, SC_ENOSPACE,
			    "amazon searchOrders: a pagination token of %zu bytes is "
			    "longer than the cursor can hold", strlen(token));
			goto done;
		}
		next.after = win.after;
		next.before = win.before;
		memcpy(next.token, token, strlen(token) + 1);
	} else {
		next.after = win.before;
	}
	if ((rc = amazon__cursor_encode(out->cursor, sizeof(out->cursor), &next,
	                                err)) < 0)
		goto done;
	out->more = token != NULL;
done:
	if (rc < 0) {
		page_free(out);
		out->cursor[0] = '\0';
		out->more = 0;
	}
	free(token);
	http_response_free(&resp);
	return rc;
}

/* ---- getOrder ----------------------------------------------------------- */

int
amazon__order_get(void *vself, const char *order_id, struct order **out,
                  struct sc_error *err)
{
	struct amazon *self = vself;
	struct http_response resp;
	json_object *root = NULL, *jo = NULL;
	struct buf u;
	int rc;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	buf_init(&u, 0);
	if (order_id == NULL || *order_id == '\0')
		return sc_error_set(err, SC_EINVALID, "amazon getOrder: no order id");
	if ((rc = buf_puts(&u, self->endpoint)) < 0 ||
	    (rc = buf_puts(&u, AMAZON_ORDERS_PATH "/")) < 0 ||
	    (rc = buf_url_encode(&u, order_id)) < 0 ||
	    (rc = buf_puts(&u, "?includedData=")) < 0 ||
	    (rc = buf_url_encode(&u, AMAZON_INCLUDED_DATA)) < 0) {
		sc_error_set(err, rc, "amazon getOrder: cannot build the URL");
		goto done;
	}
	if ((rc = amazon__call(self, "getOrder", self->rl_get, buf_cstr(&u), &resp,
	                       err)) < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "getOrder", order_id, err);
		goto done;
	}
	if ((rc = json_parse_buf(&root, resp.body.data != NULL ? resp.body.data : "",
	                         resp.body.len, err)) < 0) {
		sc_error_prefix(err, "amazon getOrder %s: the response is not JSON",
		                order_id);
		goto done;
	}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "order", &jo) ||
	    !json_object_is_type(jo, json_type_object)) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon getOrder %s: the response has no `order` object", order_id);
		goto done;
	}
	if ((rc = amazon__order_parse(jo, out, err)) < 0)
		goto done;
	if (strcmp((*out)->id, order_id) != 0) {
		rc = sc_error_set(err, SC_EMALFORMED,
		    "amazon getOrder %s: the answer is order %s", order_id, (*out)->id);
		order_free(*out);
		*out = NULL;
		goto done;
	}
done:
	json_object_put(root);
	http_response_free(&resp);
	buf_free(&u);
	return rc;
}
