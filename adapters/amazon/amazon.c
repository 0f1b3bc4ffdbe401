/*
 * amazon.c: the Amazon SP-API marketplace adapter: its conf keys, open and
 * close, and the ops table (at the end of the file).
 *
 * Orders come from Orders API 2026-01-01 searchOrders (orders.c), parsed in
 * order_parse.c; the access token from Login with Amazon (lwa.c). Refunds
 * come from Finances v0 (finances.c, refund_parse.c); refunds made in the
 * ERP go out as payment adjustment feeds (feeds.c, feed_xml.c).
 * Settlement reports are listed and downloaded with the Reports API
 * (settlements.c) and parsed by settlement.c. Shipments made in the ERP are
 * confirmed with Orders v0 confirmShipment, cancellations sent as payment
 * adjustment feeds with ActionType Cancel (ship.c, cancel_xml.c).
 * Which refunds are returns comes from the returns reports (returns.c,
 * returns_fetch.c), requested with the Reports API.
 */
#include "adapters/amazon/amazon_int.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "connector/buf.h"
#include "connector/conf.h"
#include "connector/ratelimit.h"
#include "connector/timeutil.h"

/* Documented SP-API rates (docs/AMAZON.md §2b), per second / bucket size. */
#define AMAZON_SEARCH_RATE 0.0056
#define AMAZON_SEARCH_BURST 20
#define AMAZON_GET_RATE 0.5
#define AMAZON_GET_BURST 30
#define AMAZON_FINANCES_RATE 0.5        /* every Finances v0 operation */
#define AMAZON_FINANCES_BURST 30
#define AMAZON_FEED_DOC_RATE 0.5        /* createFeedDocument */
#define AMAZON_FEED_DOC_BURST 15
#define AMAZON_FEED_CREATE_RATE 0.0083  /* createFeed */
#define AMAZON_FEED_CREATE_BURST 15
#define AMAZON_FEED_GET_RATE 2.0        /* getFeed */
#define AMAZON_FEED_GET_BURST 15
#define AMAZON_FEED_DOC_GET_RATE 0.0222 /* getFeedDocument */
#define AMAZON_FEED_DOC_GET_BURST 10
#define AMAZON_REPORTS_RATE 0.0222      /* getReports */
#define AMAZON_REPORTS_BURST 10
#define AMAZON_REPORT_DOC_RATE 0.0167   /* getReportDocument */
#define AMAZON_REPORT_DOC_BURST 15
#define AMAZON_CONFIRM_RATE 2.0         /* confirmShipment */
#define AMAZON_CONFIRM_BURST 10
#define AMAZON_REPORT_CREATE_RATE 0.0167 /* createReport (not in AMAZON.md: the sandbox's) */
#define AMAZON_REPORT_CREATE_BURST 15
#define AMAZON_REPORT_GET_RATE 2.0      /* getReport */
#define AMAZON_REPORT_GET_BURST 15

static const struct conf_key amazon_conf_keys[] = {
	{ "endpoint", 0, "https://sellingpartnerapi-na.amazon.com",
	  "SP-API base URL of the seller's region (https; http only to loopback)" },
	{ "token_url", 0, "https://api.amazon.com/auth/o2/token",
	  "Login with Amazon token endpoint" },
	{ "client_id", CONF_REQUIRED, NULL,
	  "LWA client id of the SP-API application" },
	{ "client_secret", CONF_REQUIRED | CONF_SECRET, NULL,
	  "LWA client secret of the SP-API application (or ${ENV_NAME})" },
	{ "refresh_token", CONF_REQUIRED | CONF_SECRET, NULL,
	  "LWA refresh token of the seller's authorization (or ${ENV_NAME})" },
	{ "marketplace_ids", CONF_REQUIRED, NULL,
	  "comma-separated marketplace ids to read orders of, e.g. ATVPDKIKX0DER" },
	{ "start_date", 0, NULL,
	  "ISO 8601 date or time the first run reads orders from (default: 30 days ago)" },
	{ "page_size", 0, "100",
	  "orders per searchOrders page, 1-100" },
	{ "overlap_seconds", 0, "300",
	  "seconds each run re-reads before the end of the previous window" },
	{ "merchant_id", 0, NULL,
	  "seller (merchant) id written as MerchantIdentifier in refund feeds "
	  "(default M_CONNECTOR; Amazon identifies the seller by the token)" },
	{ "cancel_reason", 0, AMAZON_DEFAULT_CANCEL_REASON,
	  "AdjustmentReason of order lines cancelled in the ERP when the ERP gives "
	  "none (an AdjustmentReason value, e.g. NoInventory, CustomerCancel)" },
	{ "returns_reports", 0, "fba, merchant",
	  "returns reports that tell which refunds are returns (kind return, reason "
	  "CustomerReturn): fba, merchant (comma-separated) or none" },
	{ NULL, 0, NULL, NULL }
};

static char *
amazon_strdup_trim_slash(const char *s)
{
	size_t n = strlen(s);
	char *r;

	while (n > 0 && s[n - 1] == '/')
		n--;
	r = malloc(n + 1);
	if (r == NULL)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* An http(s) URL the client will accept: https, or http to loopback. */
static int
amazon_conf_url(const struct conf_section *s, const char *key, char **out,
                struct sc_error *err)
{
	const char *v = conf_get(s, key);

	if (v == NULL || *v == '\0')
		return conf_error(s, key, err, SC_EINVALID, "a URL is required");
	if (strncmp(v, "https://", 8) != 0 &&
	    !(strncmp(v, "http://", 7) == 0 && http_url_is_loopback(v)))
		return conf_error(s, key, err, SC_EINVALID,
		    "must be an https:// URL (http:// only to a loopback host): %s", v);
	*out = amazon_strdup_trim_slash(v);
	if (*out == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	return 0;
}

static int
amazon_conf_str(const struct conf_section *s, const char *key, char **out,
                struct sc_error *err)
{
	const char *v = conf_get(s, key);

	if (v == NULL || *v == '\0')
		return conf_error(s, key, err, SC_EINVALID, "a value is required");
	*out = strdup(v);
	if (*out == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	return 0;
}

/* "ATVPDKIKX0DER, A2EUQ1WTGCTBG2" -> "ATVPDKIKX0DER,A2EUQ1WTGCTBG2". */
static int
amazon_conf_marketplaces(const struct conf_section *s, char **out,
                         struct sc_error *err)
{
	const char *v = conf_get(s, "marketplace_ids");
	const char *p, *start, *end;
	struct buf b;
	int rc = 0, n = 0;

	buf_init(&b, 4096);
	if (v == NULL) {
		rc = conf_error(s, "marketplace_ids", err, SC_EINVALID,
		    "at least one marketplace id is required");
		goto done;
	}
	p = v;
	for (;;) {
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (start == end) {
			rc = conf_error(s, "marketplace_ids", err, SC_EINVALID,
			    "empty marketplace id in \"%s\"", v);
			goto done;
		}
		for (const char *q = start; q < end; q++) {
			if (!isalnum((unsigned char)*q)) {
				rc = conf_error(s, "marketplace_ids", err, SC_EINVALID,
				    "\"%.*s\" is not a marketplace id (letters and digits)",
				    (int)(end - start), start);
				goto done;
			}
		}
		if ((n > 0 && buf_puts(&b, ",") < 0) ||
		    buf_append(&b, start, (size_t)(end - start)) < 0) {
			rc = conf_error(s, "marketplace_ids", err, SC_EINVALID,
			    "too long");
			goto done;
		}
		n++;
		if (*p == '\0')
			break;
		p++;
	}
	*out = buf_take(&b);
	if (*out == NULL)
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
done:
	buf_free(&b);
	return rc;
}

/* returns_reports: "fba, merchant" (default), either, or "none" -> bits. */
static int
amazon_conf_returns(const struct conf_section *s, unsigned *out, struct sc_error *err)
{
	const char *v = conf_get(s, "returns_reports"), *p, *start, *end;
	int none = 0;

	*out = AMAZON_RETURNS_FBA | AMAZON_RETURNS_MERCHANT;
	if (v == NULL || *v == '\0')
		return 0;
	*out = 0;
	for (p = v;; p++) {
		start = p;
		p += strcspn(p, ",");
		end = p;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if ((size_t)(end - start) == 3 && strncmp(start, "fba", 3) == 0)
			*out |= AMAZON_RETURNS_FBA;
		else if ((size_t)(end - start) == 8 && strncmp(start, "merchant", 8) == 0)
			*out |= AMAZON_RETURNS_MERCHANT;
		else if ((size_t)(end - start) == 4 && strncmp(start, "none", 4) == 0)
			none = 1;
		else
			return conf_error(s, "returns_reports", err, SC_EINVALID,
			    "\"%.*s\" is not a returns report (valid: fba, merchant, or none)",
			    (int)(end - start > 40 ? 40 : end - start), start);
		if (*p == '\0')
			break;
	}
	if (none && *out != 0)
		return conf_error(s, "returns_reports", err, SC_EINVALID,
		    "none stands alone (\"%.60s\")", v);
	return 0;
}

static int
amazon_conf_read(struct amazon *self, const struct conf_section *s,
                 struct sc_error *err)
{
	const char *v;
	int rc;

	if ((rc = amazon_conf_url(s, "endpoint", &self->endpoint, err)) < 0 ||
	    (rc = amazon_conf_url(s, "token_url", &self->token_url, err)) < 0 ||
	    (rc = amazon_conf_str(s, "client_id", &self->client_id, err)) < 0 ||
	    (rc = amazon_conf_str(s, "client_secret", &self->client_secret, err)) < 0 ||
	    (rc = amazon_conf_str(s, "refresh_token", &self->refresh_token, err)) < 0 ||
	    (rc = amazon_conf_marketplaces(s, &self->marketplace_ids, err)) < 0)
		return rc;

	v = conf_get(s, "start_date");
	if (v != NULL && *v != '\0') {
		if (time_parse_iso8601(&self->start_date, v, strlen(v)) < 0 ||
		    self->start_date <= 0)
			return conf_error(s, "start_date", err, SC_EINVALID,
			    "\"%s\" is not an ISO 8601 date or time after 1970 "
			    "(2026-11-01 or 2026-11-01T00:00:00Z)", v);
	}

	self->page_size = 100;
	if ((rc = conf_get_long(s, "page_size", &self->page_size, err)) < 0)
		return rc;
	if (self->page_size < 1 || self->page_size > 100)
		return conf_error(s, "page_size", err, SC_EINVALID,
		    "%ld is out of range: searchOrders takes 1 to 100", self->page_size);

	self->overlap = 300;
	if ((rc = conf_get_long(s, "overlap_seconds", &self->overlap, err)) < 0)
		return rc;
	if (self->overlap < 0 || self->overlap > 7 * 86400)
		return conf_error(s, "overlap_seconds", err, SC_EINVALID,
		    "%ld is out of range: 0 to 604800 seconds", self->overlap);

	v = conf_get(s, "merchant_id");
	if (v == NULL || *v == '\0')
		v = AMAZON_DEFAULT_MERCHANT;
	for (const char *q = v; *q != '\0'; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-')
			return conf_error(s, "merchant_id", err, SC_EINVALID,
			    "\"%s\" is not a merchant id (letters, digits, '_' and '-')", v);
	if (strlen(v) > 64)
		return conf_error(s, "merchant_id", err, SC_EINVALID,
		    "longer than 64 characters");
	if ((self->merchant_id = strdup(v)) == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");

	v = conf_get(s, "cancel_reason");
	if (v == NULL || *v == '\0')
		v = AMAZON_DEFAULT_CANCEL_REASON;
	{
		const char *const *r;

		for (r = amazon_ops.refund_reasons; *r != NULL && strcmp(*r, v) != 0; r++)
			;
		if (*r == NULL)
			return conf_error(s, "cancel_reason", err, SC_EINVALID,
			    "\"%.60s\" is not an AdjustmentReason (NoInventory, "
			    "CustomerCancel, CouldNotShip, ...)", v);
	}
	if ((self->cancel_reason = strdup(v)) == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	return amazon_conf_returns(s, &self->returns_types, err);
}

static void
amazon_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
amazon_close(void *vself)
{
	struct amazon *self = vself;

	if (self == NULL)
		return;
	ratelimit_free(self->rl_search);
	ratelimit_free(self->rl_get);
	ratelimit_free(self->rl_finances);
	ratelimit_free(self->rl_feed_doc);
	ratelimit_free(self->rl_feed_create);
	ratelimit_free(self->rl_feed_get);
	ratelimit_free(self->rl_feed_doc_get);
	ratelimit_free(self->rl_reports);
	ratelimit_free(self->rl_report_doc);
	ratelimit_free(self->rl_confirm);
	ratelimit_free(self->rl_report_create);
	ratelimit_free(self->rl_report_get);
	amazon__returns_free(self->returns);
	free(self->returns);
	pthread_mutex_destroy(&self->returns_lock);
	free(self->merchant_id);
	free(self->cancel_reason);
	http_client_free(self->lwa_http);
	amazon_secret_free(self->token);
	amazon_secret_free(self->client_secret);
	amazon_secret_free(self->refresh_token);
	free(self->endpoint);
	free(self->token_url);
	free(self->client_id);
	free(self->marketplace_ids);
	pthread_mutex_destroy(&self->lock);
	free(self);
}

static int
amazon_open(void **out, const struct adapter_env *env, struct sc_error *err)
{
	struct amazon *self = NULL;
	struct http_opts opts;
	int rc;

	*out = NULL;
	if (env == NULL || env->http == NULL || env->conf == NULL)
		return sc_error_set(err, SC_EINVALID,
		    "amazon: open needs an HTTP client and the [marketplace] section");
	self = calloc(1, sizeof(*self));
	if (self == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	if (pthread_mutex_init(&self->lock, NULL) != 0) {
		free(self);
		return sc_error_set(err, SC_ENOMEM, "amazon: cannot create a mutex");
	}
	if (pthread_mutex_init(&self->returns_lock, NULL) != 0) {
		pthread_mutex_destroy(&self->lock);
		free(self);
		return sc_error_set(err, SC_ENOMEM, "amazon: cannot create a mutex");
	}
	self->http = env->http;
	self->time_scale = env->time_scale >= 1.0 ? env->time_scale : 1.0;

	if ((rc = amazon_conf_read(self, env->conf, err)) < 0)
		goto done;

	if ((rc = ratelimit_new(&self->rl_search, "searchOrders", AMAZON_SEARCH_RATE,
	                        AMAZON_SEARCH_BURST, self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_get, "getOrder", AMAZON_GET_RATE,
	                        AMAZON_GET_BURST, self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_finances, "finances", AMAZON_FINANCES_RATE,
	                        AMAZON_FINANCES_BURST, self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_feed_doc, "createFeedDocument",
	                        AMAZON_FEED_DOC_RATE, AMAZON_FEED_DOC_BURST,
	                        self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_feed_create, "createFeed",
	                        AMAZON_FEED_CREATE_RATE, AMAZON_FEED_CREATE_BURST,
	                        self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_feed_get, "getFeed", AMAZON_FEED_GET_RATE,
	                        AMAZON_FEED_GET_BURST, self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_feed_doc_get, "getFeedDocument",
	                        AMAZON_FEED_DOC_GET_RATE, AMAZON_FEED_DOC_GET_BURST,
	                        self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_reports, "getReports", AMAZON_REPORTS_RATE,
	                        AMAZON_REPORTS_BURST, self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_report_doc, "getReportDocument",
	                        AMAZON_REPORT_DOC_RATE, AMAZON_REPORT_DOC_BURST,
	                        self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_confirm, "confirmShipment",
	                        AMAZON_CONFIRM_RATE, AMAZON_CONFIRM_BURST,
	                        self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_report_create, "createReport",
	                        AMAZON_REPORT_CREATE_RATE, AMAZON_REPORT_CREATE_BURST,
	                        self->time_scale)) < 0 ||
	    (rc = ratelimit_new(&self->rl_report_get, "getReport", AMAZON_REPORT_GET_RATE,
	                        AMAZON_REPORT_GET_BURST, self->time_scale)) < 0) {
		sc_error_set(err, rc, "amazon: cannot create the rate limiters");
		goto done;
	}

	xmlInitParser();   /* once, before any thread builds or parses a feed */
	memset(&opts, 0, sizeof(opts));
	opts.max_retries = 3;
	if ((rc = http_client_new(&self->lwa_http, &opts, err)) < 0) {
		sc_error_prefix(err, "amazon: LWA client");
		goto done;
	}
	*out = self;
	self = NULL;
done:
	amazon_close(self);
	return rc;
}

/* ---- the ops table ------------------------------------------------------ */

/* AdjustmentReason of the payment adjustment feed (docs/AMAZON.md §7). */
static const char *const amazon_refund_reasons[] = {
	"NoInventory", "CustomerReturn", "GeneralAdjustment", "CouldNotShip",
	"DifferentItem", "Abandoned", "CustomerCancel", "PriceError",
	"ProductOutofStock", "CustomerAddressIncorrect", "Exchange", "Other",
	"CarrierCreditDecision", "RiskAssessmentInformationNotValid",
	"CarrierCoverageFailure", "TransactionRecord", "Undeliverable",
	"RefusedDelivery", NULL
};

const struct marketplace_ops amazon_ops = {
	.version = ADAPTER_OPS_VERSION,
	.name = "amazon",
	.id_prefix = "AMZ",
	.caps = MKT_CAP_ORDERS | MKT_CAP_REFUNDS | MKT_CAP_REFUND_PUSH |
	        MKT_CAP_FULFILLMENT_PUSH | MKT_CAP_SETTLEMENTS,
	.conf_keys = amazon_conf_keys,

	.open = amazon_open,                    /* conf, limiters, LWA client */
	.close = amazon_close,

	.orders_page = amazon__orders_page,     /* searchOrders (orders.c) */
	.order_get = amazon__order_get,         /* getOrder (orders.c) */

	.refunds_page = amazon__refunds_page,   /* listFinancialEvents (finances.c) */
	.order_refunds = amazon__order_refunds, /* ...ByOrderId (finances.c) */
	.refunds_push = amazon__refunds_push,   /* payment adjustment feed (feeds.c) */
	.submission_results = amazon__submission_results, /* getFeed + report */
	.fulfillment_push = amazon__fulfillment_push, /* confirmShipment, cancel feed (ship.c) */
	.settlements_page = amazon__settlements_page, /* getReports (settlements.c) */
	.settlement_fetch = amazon__settlement_fetch, /* getReportDocument + download */
	.settlement_parse = amazon__settlement_parse, /* V2 flat file or XML (settlement.c) */
	.refund_reasons = amazon_refund_reasons,
};
