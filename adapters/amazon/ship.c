/*
 * ship.c: shipments and cancellations made in the ERP, back to Amazon
 * (marketplace_ops.fulfillment_push).
 *
 * A shipment is confirmed with Orders v0 confirmShipment (not deprecated,
 * unlike the v0 reads; docs/AMAZON.md §2):
 *   POST /orders/v0/orders/{orderId}/shipmentConfirmation
 *   {"marketplaceId","packageDetail":{"packageReferenceId","carrierCode",
 *    "carrierName"?,"shippingMethod"?,"trackingNumber","shipDate",
 *    "orderItems":[{"orderItemId","quantity"}]}}            -> 204
 * as ordersV0.json's ConfirmShipmentRequest defines it (packageReferenceId:
 * "Only positive numeric values are supported"; carrierName "Required when
 * carrierCode is Other"). The call is synchronous: 204 is the whole
 * outcome, so the submission is "".
 * A second confirmation of the same package is not idempotent (it would
 * ship the quantities again), so the request goes out with idempotent = 0:
 * the HTTP client retries only what was certainly not processed (connect
 * failures, 429, 503); anything else returns to the engine, which retries
 * SC_ETRANSIENT on a later run.
 *
 * A cancellation is a payment adjustment feed with ActionType Cancel
 * (cancel_xml.c), sent like refunds (feeds.c); its submission
 * "FEEDID;ref=ID" lets submission_results name the fulfillment.
 *
 * Carriers: the ERP's free text ("UPS Ground", "FedEx 2Day") is mapped to
 * a CarrierCode by its leading words. The table holds values of the
 * CarrierCode enumeration of Amazon's amzn-base.xsd (seen through
 * XSD-generated code, the official XSD not in hand [U]) plus "Amazon
 * Shipping" and "Japan Post", which Amazon's carrier list names [U]; any
 * other carrier is "Other" with the ERP's text as carrierName.
 */
#include "adapters/amazon/amazon_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/buf.h"
#include "connector/log.h"
#include "connector/timeutil.h"

/* ---- carriers ----------------------------------------------------------- */

static const struct {
	const char *words;   /* what the ERP's text starts with */
	const char *code;    /* Amazon CarrierCode */
} carriers[] = {
	{ "UPS", "UPS" },
	{ "United Parcel Service", "UPS" },
	{ "UPS Mail Innovations", "UPS Mail Innovations" },
	{ "UPSMI", "UPSMI" },
	{ "USPS", "USPS" },
	{ "US Postal Service", "USPS" },
	{ "United States Postal Service", "USPS" },
	{ "FedEx", "FedEx" },
	{ "Federal Express", "FedEx" },
	{ "FedEx SmartPost", "FedEx SmartPost" },
	{ "DHL", "DHL" },
	{ "DHL Global Mail", "DHL Global Mail" },
	{ "OnTrac", "OnTrac" },
	{ "Amazon Shipping", "Amazon Shipping" },
	{ "Royal Mail", "Royal Mail" },
	{ "Parcelforce", "Parcelforce" },
	{ "Yodel", "Yodel" },
	{ "DPD", "DPD" },
	{ "Hermes", "Hermes Logistik Gruppe" },
	{ "GLS", "GLS" },
	{ "TNT", "TNT" },
	{ "Deutsche Post", "Deutsche Post" },
	{ "Chronopost", "Chronopost" },
	{ "La Poste", "La Poste" },
	{ "Poste Italiane", "Poste Italiane" },
	{ "SDA", "SDA" },
	{ "Canada Post", "Canada Post" },
	{ "Japan Post", "Japan Post" },
	{ "Yamato", "YamatoTransport" },
	{ "Yamato Transport", "YamatoTransport" },
	{ "Sagawa", "SagawaExpress" },
	{ "Nippon Express", "NipponExpress" },
	{ "City Link", "City Link" },
	{ "Fastway", "Fastway" },
	{ "Newgistics", "Newgistics" },
	{ "Streamlite", "Streamlite" },
	{ "LaserShip", "Lasership" },
	{ "India Post", "India Post" },
	{ "Blue Dart", "BlueDart" },
	{ "BlueDart", "BlueDart" },
	{ "Delhivery", "Delhivery" },
	{ "DTDC", "DTDC" },
	{ "Aramex", "Aramex" },
};

/* Length of `words` when text starts with them (case-insensitive, the
 * words' own blanks matching any run of blanks), else 0. */
static size_t
carrier_match(const char *text, const char *words)
{
	const char *t = text, *w = words;

	while (*w != '\0') {
		if (*w == ' ') {
			if (!isspace((unsigned char)*t))
				return 0;
			while (isspace((unsigned char)*t))
				t++;
			w++;
			continue;
		}
		if (tolower((unsigned char)*t) != tolower((unsigned char)*w))
			return 0;
		t++;
		w++;
	}
	if (isalnum((unsigned char)*t))
		return 0;
	return strlen(words);
}

const char *
amazon__carrier_code(const char *text)
{
	const char *best = "Other";
	size_t i, len, best_len = 0;

	if (text == NULL)
		return best;
	while (isspace((unsigned char)*text))
		text++;
	for (i = 0; i < sizeof(carriers) / sizeof(carriers[0]); i++) {
		len = carrier_match(text, carriers[i].words);
		if (len > best_len) {
			best_len = len;
			best = carriers[i].code;
		}
	}
	return best;
}

/* ---- the request body --------------------------------------------------- */

static int
is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Digits only, not all zeros: a packageReferenceId Amazon accepts. */
static int
positive_number(const char *s)
{
	int nonzero = 0;

	if (!is_set(s) || strlen(s) > 19)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		nonzero |= *s != '0';
	}
	return nonzero;
}

/* Blanks trimmed copy of s into out[n] (cut to fit). */
static void
trimmed(char *out, size_t n, const char *s)
{
	size_t l;

	while (isspace((unsigned char)*s))
		s++;
	l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		l--;
	if (l >= n)
		l = n - 1;
	memcpy(out, s, l);
	out[l] = '\0';
}

static int ship_err(struct sc_error *err, const struct fulfillment *f,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
ship_err(struct sc_error *err, const struct fulfillment *f, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sc_error_set(err, SC_EINVALID, "amazon confirmShipment: shipment %.64s of "
	                    "order %.40s: %s", is_set(f->id) ? f->id : "(no id)",
	                    is_set(f->order_id) ? f->order_id : "(none)", what);
}

static int
add_str(json_object *o, const char *key, const char *v)
{
	json_object *s = json_object_new_string(v);

	if (s == NULL)
		return -1;
	if (json_object_object_add(o, key, s) != 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

/* orderItems of the body (every line checked). */
static int
ship_items(json_object **out, const struct fulfillment *f, struct sc_error *err)
{
	json_object *items = json_object_new_array(), *it;
	size_t i;

	*out = NULL;
	if (items == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	if (f->nlines == 0) {
		json_object_put(items);
		return ship_err(err, f, "no line to confirm");
	}
	for (i = 0; i < f->nlines; i++) {
		const struct fulfillment_line *l = &f->lines[i];
		const char *sku = is_set(l->sku) ? l->sku : "(no SKU)";

		if (!is_set(l->line_id)) {
			json_object_put(items);
			return ship_err(err, f, "the line of SKU %.80s has no Amazon order "
			                "item id (orderItemId)", sku);
		}
		if (l->qty <= 0) {
			json_object_put(items);
			return ship_err(err, f, "the line of SKU %.80s has no positive "
			                "quantity", sku);
		}
		if ((it = json_object_new_object()) == NULL ||
		    json_object_array_add(items, it) != 0 ||
		    add_str(it, "orderItemId", l->line_id) < 0 ||
		    json_object_object_add(it, "quantity", json_object_new_int64(l->qty)) != 0) {
			json_object_put(items);
			return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
		}
	}
	*out = items;
	return 0;
}

int
amazon__ship_body_build(char **out, const struct fulfillment *f,
                        const char *fallback_mkt, struct sc_error *err)
{
	json_object *root = NULL, *pd = NULL, *items = NULL;
	const char *text, *code, *mkt;
	char carrier[128], when[21];
	int rc = 0, pd_owned = 0;

	*out = NULL;
	if (!is_set(f->order_id))
		return ship_err(err, f, "no Amazon order id");
	if (!positive_number(f->id))
		return ship_err(err, f, "its id is not a positive number, the only "
		                "packageReferenceId Amazon accepts");
	mkt = is_set(f->channel) ? f->channel : fallback_mkt;
	if (!is_set(mkt))
		return ship_err(err, f, "the order's marketplace id is not known");
	text = is_set(f->carrier) ? f->carrier : f->method;
	trimmed(carrier, sizeof(carrier), text != NULL ? text : "");
	if (carrier[0] == '\0')
		return ship_err(err, f, "no carrier (Amazon requires a carrierCode)");
	code = amazon__carrier_code(carrier);
	if (!is_set(f->tracking))
		return ship_err(err, f, "no tracking number (Amazon requires one)");
	if (f->ship_date <= 0)
		return ship_err(err, f, "no ship date");
	time_format_iso8601(when, f->ship_date);
	if ((rc = ship_items(&items, f, err)) < 0)
		return rc;

	if ((root = json_object_new_object()) == NULL ||
	    (pd = json_object_new_object()) == NULL)
		goto nomem;
	if (add_str(root, "marketplaceId", mkt) < 0 ||
	    json_object_object_add(root, "packageDetail", pd) != 0)
		goto nomem;
	pd_owned = 1;   /* root holds it now */
	if (add_str(pd, "packageReferenceId", f->id) < 0 ||
	    add_str(pd, "carrierCode", code) < 0 ||
	    (strcmp(code, "Other") == 0 && add_str(pd, "carrierName", carrier) < 0) ||
	    (is_set(f->method) && add_str(pd, "shippingMethod", f->method) < 0) ||
	    add_str(pd, "trackingNumber", f->tracking) < 0 ||
	    add_str(pd, "shipDate", when) < 0)
		goto nomem;
	if (json_object_object_add(pd, "orderItems", items) != 0)
		goto nomem;
	items = NULL;
	if ((*out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	                   JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL)
		goto nomem;
	json_object_put(root);
	return 0;
nomem:
	if (!pd_owned)
		json_object_put(pd);
	json_object_put(items);
	json_object_put(root);
	return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
}

/* ---- the slot ----------------------------------------------------------- */

/* The only marketplace id of the conf, or "" when there are several. */
static void
only_marketplace(const struct amazon *self, char *out, size_t n)
{
	out[0] = '\0';
	if (strchr(self->marketplace_ids, ',') == NULL)
		snprintf(out, n, "%s", self->marketplace_ids);
}

static int
confirm_shipment(struct amazon *self, const struct fulfillment *f,
                 struct sc_error *err)
{
	struct http_response resp;
	struct buf ub;
	char *body = NULL, mkt[64], what[160];
	int rc;

	memset(&resp, 0, sizeof(resp));
	buf_init(&ub, 0);
	only_marketplace(self, mkt, sizeof(mkt));
	if ((rc = amazon__ship_body_build(&body, f, mkt, err)) < 0)
		goto done;
	if ((rc = buf_puts(&ub, self->endpoint)) < 0 ||
	    (rc = buf_puts(&ub, AMAZON_SHIP_PATH)) < 0 ||
	    (rc = buf_url_encode(&ub, f->order_id)) < 0 ||
	    (rc = buf_puts(&ub, "/shipmentConfirmation")) < 0) {
		sc_error_set(err, rc, "amazon confirmShipment: cannot build the URL");
		goto done;
	}
	snprintf(what, sizeof(what), "order %.40s shipment %.64s", f->order_id, f->id);
	/* idempotent = 0: a confirmation that may have been processed is not
	 * sent again by the HTTP client. */
	if ((rc = amazon__request(self, "confirmShipment", self->rl_confirm, "POST",
	                          buf_cstr(&ub), "application/json", body, strlen(body),
	                          1, 0, &resp, err)) < 0) {
		sc_error_prefix(err, "amazon confirmShipment %s", what);
		goto done;
	}
	if (resp.status < 200 || resp.status > 299) {
		rc = amazon__error_from_response(&resp, "confirmShipment", what, err);
		goto done;
	}
	log_event(LOG_INFO, "amazon.shipment.confirmed", "order_id", f->order_id,
	          "shipment", f->id, NULL);
done:
	http_response_free(&resp);
	buf_free(&ub);
	free(body);
	return rc;
}

static int
push_cancellation(struct amazon *self, const struct fulfillment *f,
                  char *submission, size_t submission_len, struct sc_error *err)
{
	char *xml = NULL, feed_id[AMAZON_FEED_ID_MAX + 1];
	size_t len = 0, need;
	int rc;

	need = AMAZON_FEED_ID_MAX + strlen(AMAZON_SUBMISSION_REF) +
	       (f->id != NULL ? strlen(f->id) : 0) + 1;
	if (!is_set(f->id))
		return sc_error_set(err, SC_EINVALID, "amazon cancellation of order %.40s: "
		                    "it has no id", is_set(f->order_id) ? f->order_id : "(none)");
	if (need > submission_len || strlen(f->id) >= sizeof(((struct submission_result *)0)->ref))
		return sc_error_set(err, SC_EINVALID, "amazon cancellation %.64s: its id is "
		                    "too long for a submission of %zu bytes", f->id,
		                    submission_len);
	if ((rc = amazon__cancel_feed_build(&xml, &len, self->merchant_id, f,
	                                    self->cancel_reason, err)) < 0 ||
	    (rc = amazon__feed_submit(self, xml, len, f->channel, "this cancellation",
	                              feed_id, sizeof(feed_id), err)) < 0)
		goto done;
	snprintf(submission, submission_len, "%s" AMAZON_SUBMISSION_REF "%s", feed_id, f->id);
	log_event(LOG_INFO, "amazon.feed.submitted", "feed_id", feed_id, "feed_type",
	          AMAZON_REFUND_FEED_TYPE, "messages", "1", "cancellation", f->id,
	          "order_id", f->order_id, NULL);
done:
	free(xml);
	return rc;
}

int
amazon__fulfillment_push(void *vself, const struct fulfillment *f,
                         char *submission, size_t submission_len,
                         struct sc_error *err)
{
	struct amazon *self = vself;

	if (submission == NULL || submission_len < 2)
		return sc_error_set(err, SC_EINVALID, "amazon fulfillment push: no room for "
		                    "the submission id");
	submission[0] = '\0';
	if (f == NULL)
		return sc_error_set(err, SC_EINVALID, "amazon fulfillment push: nothing to push");
	if (f->cancel)
		return push_cancellation(self, f, submission, submission_len, err);
	return confirm_shipment(self, f, err);
}
