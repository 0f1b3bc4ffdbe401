/*
 * finances.c: refunds from the Finances API v0 (docs/AMAZON.md §3):
 * listFinancialEvents paged by PostedDate windows, and
 * listFinancialEventsByOrderId for one order. Only RefundEventList items
 * become refunds (refund_parse.c); every other event list is ignored.
 *
 * Windows are [PostedAfter, PostedBefore) and work as orders.c's: the
 * cursor has the same text form ("v1;after=T", mid-window
 * "v1;after=A;before=B;token=X"; amazon__cursor_decode), NextToken pages
 * repeat the window's PostedAfter, PostedBefore and MaxResultsPerPage (the
 * model: "include the same arguments as the call that produced the token"),
 * and a token Amazon refuses (400) restarts the window without it.
 * Three differences, each because of what Finances documents:
 *  - PostedBefore is two minutes before now, like orders; but "orders from
 *    the last 48 hours might not be included in financial events" and
 *    deferred events appear only when released, so each window starts at
 *    the watermark minus max(overlap_seconds, AMAZON_FINANCES_REREAD = 48 h).
 *    Re-read refunds come back with the same id and content, which the
 *    engine skips.
 *  - PostedAfter and PostedBefore more than 180 days apart give an EMPTY
 *    answer (not an error): a window is cut to AMAZON_FINANCES_MAX_SPAN and
 *    page->more stays 1 after a cut window, so the engine goes on at once.
 *  - MaxResultsPerPage is always 100 (the model's maximum; page_size is
 *    searchOrders'). A page may be empty and still have a NextToken.
 * The refunds of each page (and of one order) are then classified with the
 * returns reports (returns_fetch.c): a page whose returns cannot be had
 * fails like a page that cannot be read, so its refunds wait.
 */
#include "adapters/amazon/amazon_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/buf.h"
#include "connector/log.h"
#include "connector/timeutil.h"

#define FINANCES_PAGE_SIZE "100"
/* order_refunds reads at most this many NextToken pages of one order. */
#define FINANCES_ORDER_MAX_PAGES 50

static int
finances_url(const struct amazon *self, const struct amazon_cursor *win,
             char **out, struct sc_error *err)
{
	char a[21], b[21];
	struct buf u;
	int rc;

	*out = NULL;
	buf_init(&u, 0);
	time_format_iso8601(a, win->after);
	time_format_iso8601(b, win->before);
	if ((rc = buf_puts(&u, self->endpoint)) < 0 ||
	    (rc = buf_puts(&u, AMAZON_FINANCES_PATH "?PostedAfter=")) < 0 ||
	    (rc = buf_url_encode(&u, a)) < 0 ||
	    (rc = buf_puts(&u, "&PostedBefore=")) < 0 ||
	    (rc = buf_url_encode(&u, b)) < 0 ||
	    (rc = buf_puts(&u, "&MaxResultsPerPage=" FINANCES_PAGE_SIZE)) < 0)
		goto done;
	if (win->token[0] != '\0' &&
	    ((rc = buf_puts(&u, "&NextToken=")) < 0 ||
	     (rc = buf_url_encode(&u, win->token)) < 0))
		goto done;
	if ((*out = buf_take(&u)) == NULL)
		rc = SC_ENOMEM;
done:
	buf_free(&u);
	if (rc < 0)
		sc_error_set(err, rc, "amazon listFinancialEvents: cannot build the URL");
	return rc;
}

static int
finances_get(struct amazon *self, const struct amazon_cursor *win,
             struct http_response *resp, struct sc_error *err)
{
	char *url = NULL;
	int rc;

	if ((rc = finances_url(self, win, &url, err)) < 0)
		return rc;
	rc = amazon__call(self, "listFinancialEvents", self->rl_finances, url, resp, err);
	free(url);
	return rc;
}

/* A fresh window from watermark `after` (0: first run), cut to
 * AMAZON_FINANCES_MAX_SPAN. Returns 0 when there is nothing to ask yet. */
static int
window_start(const struct amazon *self, int64_t after, int64_t now, int64_t lag,
             struct amazon_cursor *win)
{
	int64_t reread = self->overlap > AMAZON_FINANCES_REREAD ? self->overlap
	                                                         : AMAZON_FINANCES_REREAD;

	memset(win, 0, sizeof(*win));
	if (after == 0)
		win->after = self->start_date != 0 ? self->start_date
		                                   : now - AMAZON_DEFAULT_LOOKBACK;
	else
		win->after = after - reread;
	win->before = now - lag;
	if (win->before - win->after > AMAZON_FINANCES_MAX_SPAN)
		win->before = win->after + AMAZON_FINANCES_MAX_SPAN;
	return win->after < win->before;
}

int
amazon__refunds_page(void *vself, const char *cursor, struct page *out,
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
	page_init(out, amazon__refund_item_free);
	if ((rc = amazon__cursor_decode(&cur, cursor, err)) < 0) {
		sc_error_set(err, rc, "amazon: the refunds cursor \"%.100s\" is not one "
		             "this adapter wrote", cursor);
		goto done;
	}
	now = time_now();
	lag = (int64_t)((double)AMAZON_BEFORE_LAG / self->time_scale);
	if (cur.token[0] != '\0') {
		win = cur;
	} else if (!window_start(self, cur.after, now, lag, &win)) {
		/* Nothing can be asked yet (start_date ahead, clock behind):
		 * an empty page, the cursor unchanged. */
		snprintf(out->cursor, sizeof(out->cursor), "%s",
		         cursor != NULL ? cursor : "");
		out->more = 0;
		goto done;
	}

	rc = finances_get(self, &win, &resp, err);
	if (rc == 0 && resp.status == 400 && win.token[0] != '\0') {
		/* The token expired or is no longer accepted: the window again
		 * from its start (re-read refunds are harmless). */
		time_format_iso8601(when, win.after);
		log_event(LOG_WARN, "amazon.refunds.token_rejected",
		          "restart_after", when, NULL);
		http_response_free(&resp);
		win.token[0] = '\0';
		win.before = now - lag;
		if (win.before - win.after > AMAZON_FINANCES_MAX_SPAN)
			win.before = win.after + AMAZON_FINANCES_MAX_SPAN;
		if (win.before <= win.after)
			win.before = win.after + 1;
		rc = finances_get(self, &win, &resp, err);
	}
	if (rc < 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "listFinancialEvents", NULL, err);
		goto done;
	}
	if ((rc = amazon__finances_response_parse(out, &token, NULL, resp.body.data,
	                                          resp.body.len, err)) < 0 ||
	    (rc = amazon__returns_apply(self, out, err)) < 0)
		goto done;

	memset(&next, 0, sizeof(next));
	if (token != NULL) {
		if (strlen(token) >= sizeof(next.token)) {
			rc = sc_error_set(err, SC_ENOSPACE,
			    "amazon listFinancialEvents: a NextToken of %zu bytes is "
			    "longer than the cursor can hold", strlen(token));
			goto done;
		}
		next.after = win.after;
		next.before = win.before;
		memcpy(next.token, token, strlen(token) + 1);
		out->more = 1;
	} else {
		next.after = win.before;
		/* A window cut at 180 days: the next one goes on at once. */
		out->more = win.before - win.after >= AMAZON_FINANCES_MAX_SPAN;
	}
	if ((rc = amazon__cursor_encode(out->cursor, sizeof(out->cursor), &next,
	                                err)) < 0)
		goto done;
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

/* ---- one order ---------------------------------------------------------- */

static int
order_url(const struct amazon *self, const char *order_id, const char *token,
          char **out, struct sc_error *err)
{
	struct buf u;
	int rc;

	*out = NULL;
	buf_init(&u, 0);
	if ((rc = buf_puts(&u, self->endpoint)) < 0 ||
	    (rc = buf_puts(&u, AMAZON_FINANCES_ORDER_PATH)) < 0 ||
	    (rc = buf_url_encode(&u, order_id)) < 0 ||
	    (rc = buf_puts(&u, "/financialEvents?MaxResultsPerPage="
	                       FINANCES_PAGE_SIZE)) < 0)
		goto done;
	if (token != NULL &&
	    ((rc = buf_puts(&u, "&NextToken=")) < 0 ||
	     (rc = buf_url_encode(&u, token)) < 0))
		goto done;
	if ((*out = buf_take(&u)) == NULL)
		rc = SC_ENOMEM;
done:
	buf_free(&u);
	if (rc < 0)
		sc_error_set(err, rc, "amazon listFinancialEventsByOrderId %s: cannot "
		             "build the URL", order_id);
	return rc;
}

int
amazon__order_refunds(void *vself, const char *order_id, struct page *out,
                      struct sc_error *err)
{
	struct amazon *self = vself;
	struct http_response resp;
	char *url = NULL, *token = NULL;
	int pages, rc = 0;

	memset(&resp, 0, sizeof(resp));
	page_init(out, amazon__refund_item_free);
	if (order_id == NULL || *order_id == '\0')
		return sc_error_set(err, SC_EINVALID,
		    "amazon listFinancialEventsByOrderId: no order id");
	for (pages = 0;; pages++) {
		if (pages == FINANCES_ORDER_MAX_PAGES) {
			rc = sc_error_set(err, SC_EMALFORMED,
			    "amazon listFinancialEventsByOrderId %s: still a NextToken "
			    "after %d pages", order_id, pages);
			goto done;
		}
		if ((rc = order_url(self, order_id, token, &url, err)) < 0)
			goto done;
		free(token);
		token = NULL;
		rc = amazon__call(self, "listFinancialEventsByOrderId", self->rl_finances,
		                  url, &resp, err);
		free(url);
		url = NULL;
		if (rc < 0)
			goto done;
		if (resp.status < 200 || resp.status > 299) {
			rc = amazon__error_from_response(&resp, "listFinancialEventsByOrderId",
			                                 order_id, err);
			goto done;
		}
		if ((rc = amazon__finances_response_parse(out, &token, order_id,
		                                          resp.body.data, resp.body.len,
		                                          err)) < 0) {
			sc_error_prefix(err, "order %s", order_id);
			goto done;
		}
		http_response_free(&resp);
		if (token == NULL)
			break;
	}
	if ((rc = amazon__returns_apply(self, out, err)) < 0)
		goto done;
	out->cursor[0] = '\0';
	out->more = 0;
done:
	if (rc < 0)
		page_free(out);
	free(token);
	free(url);
	http_response_free(&resp);
	return rc;
}
