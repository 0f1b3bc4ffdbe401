/*
 * cancel_xml.c: the feed that cancels order lines made unshippable in the
 * ERP: POST_PAYMENT_ADJUSTMENT_DATA, the refunds' feed type (feed_xml.c),
 * with ActionType Cancel (docs/AMAZON.md §7; element order as the XSD's
 * sequences), through libxml2's tree API (no text pasted into markup):
 *   AmazonEnvelope
 *     Header: DocumentVersion 1.01, MerchantIdentifier
 *     MessageType OrderAdjustment
 *     Message
 *       MessageID 1
 *       OrderAdjustment
 *         AmazonOrderID          f->order_id
 *         ActionType             Cancel
 *         AdjustedItem (one per line)
 *           AmazonOrderItemCode  line_id
 *           AdjustmentReason     f->reason, else the conf's cancel_reason
 *           Quantity             qty
 * No amounts: Amazon works out what the buyer gets back for cancelled
 * units. No MerchantAdjustmentItemID either: the ERP id of a cancellation
 * is that of its order record, shared by later cancellations of the same
 * order, so it cannot identify one adjustment. [U]: no official sample of
 * a Cancel without ItemPriceAdjustments has been seen; sellers more often
 * cancel with the order acknowledgement feed (StatusCode Failure).
 */
#include "adapters/amazon/amazon_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xmlNodePtr
child(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

/* Printable ASCII without blanks: ids and codes that go into the feed. */
static int
plain_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int
reason_known(const char *reason)
{
	const char *const *p;

	for (p = amazon_ops.refund_reasons; p != NULL && *p != NULL; p++)
		if (strcmp(*p, reason) == 0)
			return 1;
	return 0;
}

static int
cancel_err(struct sc_error *err, const struct fulfillment *f, const char *what,
           const char *arg)
{
	return sc_error_set(err, SC_EINVALID, "amazon cancellation feed: cancellation "
	                    "%.64s of order %.40s: %s%.80s",
	                    f->id != NULL && *f->id != '\0' ? f->id : "(no id)",
	                    f->order_id != NULL && *f->order_id != '\0' ? f->order_id
	                    : "(none)", what, arg != NULL ? arg : "");
}

/* Everything checked before the document is made. */
static int
cancel_check(const struct fulfillment *f, const char *reason, struct sc_error *err)
{
	size_t i;

	if (!plain_token(f->order_id))
		return cancel_err(err, f, "the order id is missing or has blanks or "
		                  "non-ASCII characters", NULL);
	if (f->nlines == 0)
		return cancel_err(err, f, "no line to cancel", NULL);
	if (reason == NULL || !reason_known(reason))
		return cancel_err(err, f, "not an AdjustmentReason Amazon accepts: ",
		                  reason != NULL ? reason : "(none)");
	for (i = 0; i < f->nlines; i++) {
		const struct fulfillment_line *l = &f->lines[i];
		const char *sku = l->sku != NULL && *l->sku != '\0' ? l->sku : "(no SKU)";

		if (!plain_token(l->line_id))
			return cancel_err(err, f, "no Amazon order item id (AmazonOrderItemCode) "
			                  "on the line of SKU ", sku);
		if (l->qty <= 0)
			return cancel_err(err, f, "no positive quantity on the line of SKU ", sku);
	}
	return 0;
}

int
amazon__cancel_feed_build(char **out, size_t *len, const char *merchant_id,
                          const struct fulfillment *f, const char *reason,
                          struct sc_error *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root, hdr, msg, oa, item;
	xmlNsPtr xsi;
	xmlChar *mem = NULL;
	char qty[24];
	int size = 0, rc;
	size_t i;

	*out = NULL;
	*len = 0;
	if (f == NULL)
		return sc_error_set(err, SC_EINVALID, "amazon cancellation feed: nothing to cancel");
	if (f->reason != NULL && *f->reason != '\0')
		reason = f->reason;
	if ((rc = cancel_check(f, reason, err)) < 0)
		return rc;
	if (merchant_id == NULL || *merchant_id == '\0')
		merchant_id = AMAZON_DEFAULT_MERCHANT;
	xmlInitParser();
	if ((doc = xmlNewDoc((const xmlChar *)"1.0")) == NULL ||
	    (root = xmlNewNode(NULL, (const xmlChar *)"AmazonEnvelope")) == NULL)
		goto nomem;
	xmlDocSetRootElement(doc, root);
	if ((xsi = xmlNewNs(root, (const xmlChar *)"http://www.w3.org/2001/XMLSchema-instance",
	                    (const xmlChar *)"xsi")) == NULL ||
	    xmlNewNsProp(root, xsi, (const xmlChar *)"noNamespaceSchemaLocation",
	                 (const xmlChar *)"amzn-envelope.xsd") == NULL ||
	    (hdr = child(root, "Header", NULL)) == NULL ||
	    child(hdr, "DocumentVersion", "1.01") == NULL ||
	    child(hdr, "MerchantIdentifier", merchant_id) == NULL ||
	    child(root, "MessageType", "OrderAdjustment") == NULL ||
	    (msg = child(root, "Message", NULL)) == NULL ||
	    child(msg, "MessageID", "1") == NULL ||
	    (oa = child(msg, "OrderAdjustment", NULL)) == NULL ||
	    child(oa, "AmazonOrderID", f->order_id) == NULL ||
	    child(oa, "ActionType", "Cancel") == NULL)
		goto nomem;
	for (i = 0; i < f->nlines; i++) {
		snprintf(qty, sizeof(qty), "%lld", (long long)f->lines[i].qty);
		if ((item = child(oa, "AdjustedItem", NULL)) == NULL ||
		    child(item, "AmazonOrderItemCode", f->lines[i].line_id) == NULL ||
		    child(item, "AdjustmentReason", reason) == NULL ||
		    child(item, "Quantity", qty) == NULL)
			goto nomem;
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (mem == NULL || size <= 0 || (*out = malloc((size_t)size + 1)) == NULL)
		goto nomem;
	memcpy(*out, mem, (size_t)size);
	(*out)[size] = '\0';
	*len = (size_t)size;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "amazon cancellation feed: out of memory");
done:
	if (mem != NULL)
		xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}
