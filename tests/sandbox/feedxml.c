/* feedxml.c: the XML side of refund feeds (see feedproc.c): reading one
 * OrderAdjustment Message into a struct fp_msg with the structure checks of
 * AMAZON.md §7 (libxml2 trees, no store access), writing the processing
 * report, and gzip for the result document. */
#include "tests/sandbox/feedproc.h"
#include "connector/error.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *const fp_reasons[] = {
	"NoInventory", "CustomerReturn", "GeneralAdjustment", "CouldNotShip", "DifferentItem",
	"Abandoned", "CustomerCancel", "PriceError", "ProductOutofStock",
	"CustomerAddressIncorrect", "Exchange", "Other", "CarrierCreditDecision",
	"RiskAssessmentInformationNotValid", "CarrierCoverageFailure", "TransactionRecord",
	"Undeliverable", "RefusedDelivery", NULL
};

/* Component Type of the feed -> ChargeType of the financial event. */
static const struct {
	const char *feed, *charge;
} fp_types[] = {
	{ "Principal", "Principal" }, { "Shipping", "ShippingCharge" }, { "Tax", "Tax" },
	{ "ShippingTax", "ShippingTax" }, { "RestockingFee", "RestockingFee" },
	{ "RestockingFeeTax", "RestockingFeeTax" }, { "GiftWrap", "Giftwrap" },
	{ "GiftWrapTax", "GiftwrapTax" }, { "Surcharge", "Surcharge" },
	{ "ReturnShipping", "ReturnShipping" }, { "Goodwill", "Goodwill" },
	{ "ExportCharge", "ExportCharge" }, { "COD", "CODItemCharge" }, { "CODTax", "CODItemTaxCharge" },
	{ "Other", "Other" }, { "FreeReplacementReturnShipping", "FreeReplacementReturnShipping" },
};

const char *
sbx_fp_charge_type(const char *feed_type)
{
	size_t i;

	for (i = 0; i < sizeof fp_types / sizeof fp_types[0]; i++)
		if (strcmp(fp_types[i].feed, feed_type) == 0)
			return fp_types[i].charge;
	return feed_type;
}

/* ---- XML helpers ---------------------------------------------------------------- */

xmlNodePtr
sbx_fp_elem_next(xmlNodePtr n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

int
sbx_fp_is(xmlNodePtr n, const char *name)
{
	return n != NULL && strcmp((const char *)n->name, name) == 0;
}

/* The trimmed text of a leaf element into out; -1 when it has element
 * children or does not fit. */
int
sbx_fp_text_of(xmlNodePtr n, char *out, size_t outn)
{
	xmlChar *c;
	const char *s, *e;
	int rc = -1;

	out[0] = '\0';
	if (sbx_fp_elem_next(n->children) != NULL)
		return -1;
	c = xmlNodeGetContent(n);
	if (c == NULL)
		return 0;
	s = (const char *)c;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if ((size_t)(e - s) < outn) {
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
		rc = 0;
	}
	xmlFree(c);
	return rc;
}

static int
positive_long(const char *s, long *out)
{
	char *end = NULL;

	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && *out > 0 && *out < 1000000000L;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* 0 for JPY and the other currencies without minor units, else 2. */
int
sbx_fp_currency_digits(const char *c)
{
	static const char *const none[] = { "JPY", "KRW", "CLP", "VND", "ISK", "HUF", NULL };

	return in_list(c, (const char *const *)none) ? 0 : 2;
}

int
sbx_fp_dec_rescale(struct sbx_dec *d, int digits)
{
	while (d->scale > digits && d->units % 10 == 0) {
		d->units /= 10;
		d->scale--;
	}
	if (d->scale > digits)
		return -1;
	while (d->scale < digits) {
		if (__builtin_mul_overflow(d->units, 10, &d->units))
			return -1;
		d->scale++;
	}
	return 0;
}

/* ---- parsing one message ------------------------------------------------------------ */

static int
parse_component(xmlNodePtr c, struct fp_comp *out, char *why, size_t whyn)
{
	char text[64];
	xmlChar *cur;
	int have_type = 0, have_amount = 0;
	size_t i;

	FP_EACH_CHILD(k, c) {
		if (sbx_fp_is(k, "Type") && !have_type) {
			have_type = sbx_fp_text_of(k, out->type, sizeof out->type) == 0;
			for (i = 0; have_type && i < sizeof fp_types / sizeof fp_types[0]; i++)
				if (strcmp(fp_types[i].feed, out->type) == 0)
					break;
			if (!have_type || i == sizeof fp_types / sizeof fp_types[0]) {
				snprintf(why, whyn, "Component/Type '%.40s' is not a valid value", out->type);
				return -1;
			}
		} else if (sbx_fp_is(k, "Amount") && !have_amount) {
			cur = xmlGetProp(k, BAD_CAST "currency");
			snprintf(out->currency, sizeof out->currency, "%s", cur ? (const char *)cur : "");
			xmlFree(cur);
			if (strlen(out->currency) != 3 || sbx_fp_text_of(k, text, sizeof text) < 0 ||
			    sbx_dec_parse(&out->amount, text) < 0) {
				snprintf(why, whyn, "Component/Amount needs a decimal value and a currency "
				         "attribute");
				return -1;
			}
			if (sbx_fp_dec_rescale(&out->amount, sbx_fp_currency_digits(out->currency)) < 0) {
				snprintf(why, whyn, "Amount %.30s has more decimals than %s allows", text,
				         out->currency);
				return -1;
			}
			have_amount = 1;
		} else {
			snprintf(why, whyn, "unexpected element %.40s in Component", (const char *)k->name);
			return -1;
		}
	}
	if (!have_type || !have_amount) {
		snprintf(why, whyn, "a Component needs Type and Amount");
		return -1;
	}
	return 0;
}

/* Component+ of an adjustment element (other children listed in `skip`). */
static int
parse_components(xmlNodePtr parent, struct fp_comp *v, size_t *n, const char *const *skip,
                 char *idout, size_t idn, char *why, size_t whyn)
{
	*n = 0;
	FP_EACH_CHILD(c, parent) {
		if (sbx_fp_is(c, "Component")) {
			if (*n == FP_MAX_COMP) {
				snprintf(why, whyn, "too many Components");
				return -1;
			}
			if (parse_component(c, &v[(*n)++], why, whyn) < 0)
				return -1;
		} else if (skip != NULL && in_list((const char *)c->name, skip)) {
			if (idout != NULL && sbx_fp_is(c, "MerchantPromotionID"))
				sbx_fp_text_of(c, idout, idn);
		} else {
			snprintf(why, whyn, "unexpected element %.40s in %.40s", (const char *)c->name,
			         (const char *)parent->name);
			return -1;
		}
	}
	if (*n == 0) {
		snprintf(why, whyn, "%.40s must contain at least one Component", (const char *)parent->name);
		return -1;
	}
	return 0;
}

static int
parse_item(xmlNodePtr it, struct fp_item *out, char *why, size_t whyn)
{
	static const char *const promo_skip[] = { "PromotionClaimCode", "MerchantPromotionID", NULL };
	static const char *const dp_skip[] = { "DirectPaymentType", NULL };
	struct fp_comp scratch[FP_MAX_COMP];
	char text[64];
	int have_code = 0, have_reason = 0, have_price = 0;
	size_t n;

	FP_EACH_CHILD(c, it) {
		if ((sbx_fp_is(c, "AmazonOrderItemCode") || sbx_fp_is(c, "MerchantOrderItemID")) && !have_code) {
			out->merchant_code = sbx_fp_is(c, "MerchantOrderItemID");
			have_code = sbx_fp_text_of(c, out->code, sizeof out->code) == 0 && out->code[0] != '\0';
			if (!have_code) {
				snprintf(why, whyn, "invalid %s", (const char *)c->name);
				return -1;
			}
		} else if (sbx_fp_is(c, "MerchantAdjustmentItemID") && out->adj_id[0] == '\0') {
			if (sbx_fp_text_of(c, out->adj_id, sizeof out->adj_id) < 0 || out->adj_id[0] == '\0') {
				snprintf(why, whyn, "invalid MerchantAdjustmentItemID");
				return -1;
			}
		} else if (sbx_fp_is(c, "AdjustmentReason") && !have_reason) {
			if (sbx_fp_text_of(c, text, sizeof text) < 0 || !in_list(text, fp_reasons)) {
				snprintf(why, whyn, "AdjustmentReason '%.40s' is not a valid value", text);
				return -1;
			}
			snprintf(out->reason, sizeof out->reason, "%s", text);
			have_reason = 1;
		} else if (sbx_fp_is(c, "ItemPriceAdjustments") && !have_price) {
			if (parse_components(c, out->price, &out->nprice, NULL, NULL, 0, why, whyn) < 0)
				return -1;
			have_price = 1;
		} else if (sbx_fp_is(c, "PromotionAdjustments") && out->npromo == 0) {
			if (parse_components(c, out->promo, &out->npromo, promo_skip, out->promo_id,
			                     sizeof out->promo_id, why, whyn) < 0)
				return -1;
		} else if (sbx_fp_is(c, "DirectPaymentAdjustments")) {
			if (parse_components(c, scratch, &n, dp_skip, NULL, 0, why, whyn) < 0)
				return -1;
		} else if (sbx_fp_is(c, "Quantity") && out->quantity == 0) {
			if (sbx_fp_text_of(c, text, sizeof text) < 0 || !positive_long(text, &out->quantity)) {
				snprintf(why, whyn, "Quantity must be a positive integer");
				return -1;
			}
		} else {
			snprintf(why, whyn, "unexpected element %.40s in AdjustedItem", (const char *)c->name);
			return -1;
		}
	}
	if (!have_code || !have_reason) {
		snprintf(why, whyn, "an AdjustedItem needs AmazonOrderItemCode (or MerchantOrderItemID) "
		         "and AdjustmentReason");
		return -1;
	}
	/* (ItemPriceAdjustments or PromotionAdjustments: sbx_fp_parse_message,
	 * which knows the ActionType; a Cancel needs neither) */
	return 0;
}

int
sbx_fp_parse_message(xmlNodePtr msg, struct fp_msg *m, char *why, size_t whyn)
{
	xmlNodePtr adj = NULL;
	char text[64];

	FP_EACH_CHILD(c, msg) {
		if (sbx_fp_is(c, "MessageID") && m->id == 0) {
			if (sbx_fp_text_of(c, text, sizeof text) < 0 || !positive_long(text, &m->id)) {
				m->id = 0;
				snprintf(why, whyn, "MessageID must be a positive integer");
				return -1;
			}
		} else if (sbx_fp_is(c, "OperationType")) {
			continue;
		} else if (sbx_fp_is(c, "OrderAdjustment") && adj == NULL) {
			adj = c;
		} else {
			snprintf(why, whyn, "unexpected element %.40s in Message", (const char *)c->name);
			return -1;
		}
	}
	if (m->id == 0 || adj == NULL) {
		snprintf(why, whyn, "a Message needs MessageID and OrderAdjustment");
		return -1;
	}
	FP_EACH_CHILD(c, adj) {
		if ((sbx_fp_is(c, "AmazonOrderID") || sbx_fp_is(c, "MerchantOrderID")) && m->order_id[0] == '\0') {
			if (sbx_fp_text_of(c, m->order_id, sizeof m->order_id) < 0 || m->order_id[0] == '\0') {
				snprintf(why, whyn, "invalid %s", (const char *)c->name);
				return -1;
			}
		} else if (sbx_fp_is(c, "ActionType")) {
			if (sbx_fp_text_of(c, text, sizeof text) < 0 ||
			    (strcmp(text, "Refund") != 0 && strcmp(text, "Cancel") != 0)) {
				snprintf(why, whyn, "ActionType must be Refund or Cancel");
				return -1;
			}
			m->cancel = strcmp(text, "Cancel") == 0;
		} else if (sbx_fp_is(c, "AdjustedItem")) {
			if (m->nitems == FP_MAX_ITEMS) {
				snprintf(why, whyn, "too many AdjustedItems");
				return -1;
			}
			if (parse_item(c, &m->items[m->nitems++], why, whyn) < 0)
				return -1;
		} else {
			snprintf(why, whyn, "unexpected element %.40s in OrderAdjustment",
			         (const char *)c->name);
			return -1;
		}
	}
	if (m->order_id[0] == '\0' || m->nitems == 0) {
		snprintf(why, whyn, "an OrderAdjustment needs AmazonOrderID and at least one AdjustedItem");
		return -1;
	}
	for (size_t i = 0; i < m->nitems && !m->cancel; i++) {
		if (m->items[i].nprice == 0 && m->items[i].npromo == 0) {
			snprintf(why, whyn, "an AdjustedItem needs ItemPriceAdjustments or "
			         "PromotionAdjustments");
			return -1;
		}
	}
	return 0;
}

static void
child_text(xmlNodePtr parent, const char *name, const char *text)
{
	xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void
child_long(xmlNodePtr parent, const char *name, long v)
{
	char t[24];

	snprintf(t, sizeof t, "%ld", v);
	child_text(parent, name, t);
}

char *
sbx_fp_report_xml(const char *feed_id, const struct fp_report *rep)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "AmazonEnvelope"), h, msg, pr, sum;
	xmlNsPtr xsi;
	xmlChar *mem = NULL;
	char *out = NULL;
	int size = 0;
	size_t i;

	xmlDocSetRootElement(doc, root);
	xsi = xmlNewNs(root, BAD_CAST "http://www.w3.org/2001/XMLSchema-instance", BAD_CAST "xsi");
	xmlNewNsProp(root, xsi, BAD_CAST "noNamespaceSchemaLocation", BAD_CAST "amzn-envelope.xsd");
	h = xmlNewChild(root, NULL, BAD_CAST "Header", NULL);
	child_text(h, "DocumentVersion", "1.02");
	child_text(h, "MerchantIdentifier", rep->merchant[0] ? rep->merchant : "SANDBOX");
	child_text(root, "MessageType", "ProcessingReport");
	msg = xmlNewChild(root, NULL, BAD_CAST "Message", NULL);
	child_long(msg, "MessageID", 1);
	pr = xmlNewChild(msg, NULL, BAD_CAST "ProcessingReport", NULL);
	child_text(pr, "DocumentTransactionID", feed_id);
	child_text(pr, "StatusCode", "Complete");
	sum = xmlNewChild(pr, NULL, BAD_CAST "ProcessingSummary", NULL);
	child_long(sum, "MessagesProcessed", rep->processed);
	child_long(sum, "MessagesSuccessful", rep->ok);
	child_long(sum, "MessagesWithError", (long)rep->nres);
	child_long(sum, "MessagesWithWarning", 0);
	for (i = 0; i < rep->nres; i++) {
		xmlNodePtr r = xmlNewChild(pr, NULL, BAD_CAST "Result", NULL);

		child_long(r, "MessageID", rep->res[i].message_id);
		child_text(r, "ResultCode", "Error");
		child_text(r, "ResultMessageCode", rep->res[i].code);
		child_text(r, "ResultDescription", rep->res[i].description ? rep->res[i].description : "");
		if (rep->res[i].order_id[0] != '\0') {
			xmlNodePtr ai = xmlNewChild(r, NULL, BAD_CAST "AdditionalInfo", NULL);

			child_text(ai, "AmazonOrderID", rep->res[i].order_id);
		}
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (mem != NULL)
		out = strndup((const char *)mem, (size_t)size);
	xmlFree(mem);
	xmlFreeDoc(doc);
	return out;
}

int
sbx_fp_gzip(unsigned char **out, size_t *outlen, const char *in, size_t n)
{
	z_stream zs;
	unsigned char *o = NULL;
	uLong bound;

	*out = NULL;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return SC_ENOMEM;
	bound = deflateBound(&zs, (uLong)n) + 32;
	o = malloc(bound);
	if (o == NULL) {
		deflateEnd(&zs);
		return SC_ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = o;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(o);
		return SC_ERROR;
	}
	*outlen = zs.total_out;
	deflateEnd(&zs);
	*out = o;
	return 0;
}

