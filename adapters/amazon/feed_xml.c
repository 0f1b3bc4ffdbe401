/*
 * feed_xml.c: the XML of the payment adjustment feed (refunds made in the
 * ERP, pushed to Amazon) and the parser of the feed processing report.
 * Both through libxml2's tree API: no text is ever pasted into markup.
 *
 * The feed (docs/AMAZON.md §7; element order as the XSD's sequences):
 *   AmazonEnvelope
 *     Header: DocumentVersion 1.01, MerchantIdentifier
 *     MessageType OrderAdjustment
 *     Message (one per refund; MessageID = index + 1)
 *       MessageID
 *       OrderAdjustment
 *         AmazonOrderID          r->order_id
 *         ActionType             Refund
 *         AdjustedItem (one per line with something to refund)
 *           AmazonOrderItemCode      line_id
 *           MerchantAdjustmentItemID r->id, cut to AMAZON_ADJ_ID_MAX, every
 *                                    character but [A-Za-z0-9._-] as '_'
 *                                    (the same for each line of a refund)
 *           AdjustmentReason         r->reason (required)
 *           ItemPriceAdjustments
 *             Component: Type, Amount currency="XXX" (one per type)
 *           Quantity                 when qty > 0
 *
 * Amounts: the feed states what is refunded as POSITIVE amounts (Amazon's
 * samples write <Amount currency="USD">10.00</Amount> for a 10.00 refund),
 * while the model signs components as money leaving the seller (a refunded
 * Principal is negative). So each component is written as its absolute
 * value, after checking its sign agrees with its type: refunded types must
 * be <= 0 in the model, the deductions RestockingFee and RestockingFeeTax
 * (money the seller keeps) >= 0. A component against its type's direction
 * is refused rather than flipped silently. Written with the currency's own
 * decimals (money_format: JPY "1500", USD "10.10").
 * Types: the feed's Component vocabulary (§7); the Finances spellings
 * Giftwrap and GiftwrapTax are written GiftWrap and GiftWrapTax; two model
 * components of one feed type on a line are summed. Anything else (fees
 * such as Commission, which Amazon computes itself; Promotion, which the
 * feed takes only with its claim code) is refused with SC_EINVALID. [U]:
 * the sign Amazon wants for RestockingFee is not documented anywhere we
 * have seen; written positive, like every other amount.
 *
 * The processing report (Amazon's documented shape):
 *   AmazonEnvelope/Message/ProcessingReport
 *     ProcessingSummary: MessagesProcessed, MessagesSuccessful,
 *                        MessagesWithError, MessagesWithWarning
 *     Result*: MessageID (of the feed's message; 0 = the whole document),
 *              ResultCode Error|Warning, ResultMessageCode,
 *              ResultDescription, AdditionalInfo/AmazonOrderID
 */
#include "adapters/amazon/amazon_int.h"

#include <errno.h>
#include <stdarg.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/log.h"
#include "connector/money.h"

/* ---- the feed ----------------------------------------------------------- */

enum { REFUNDED = 0, DEDUCTION = 1 };

/* The feed's Component types, in the order they are written. */
static const struct {
	const char *feed;
	int direction;
} feed_types[] = {
	{ "Principal", REFUNDED },
	{ "Shipping", REFUNDED },
	{ "Tax", REFUNDED },
	{ "ShippingTax", REFUNDED },
	{ "RestockingFee", DEDUCTION },
	{ "RestockingFeeTax", DEDUCTION },
	{ "GiftWrap", REFUNDED },
	{ "GiftWrapTax", REFUNDED },
	{ "Surcharge", REFUNDED },
	{ "ReturnShipping", REFUNDED },
	{ "Goodwill", REFUNDED },
	{ "ExportCharge", REFUNDED },
	{ "COD", REFUNDED },
	{ "CODTax", REFUNDED },
	{ "Other", REFUNDED },
	{ "FreeReplacementReturnShipping", REFUNDED },
};
#define NTYPES (sizeof(feed_types) / sizeof(feed_types[0]))

/* Index of the feed type a model component name is written as, or -1. */
static int
feed_type_of(const char *name)
{
	size_t i;

	if (strcmp(name, "Giftwrap") == 0)
		name = "GiftWrap";
	else if (strcmp(name, "GiftwrapTax") == 0)
		name = "GiftWrapTax";
	for (i = 0; i < NTYPES; i++)
		if (strcmp(name, feed_types[i].feed) == 0)
			return (int)i;
	return -1;
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
known_reason(const char *reason)
{
	const char *const *p;

	for (p = amazon_ops.refund_reasons; p != NULL && *p != NULL; p++)
		if (strcmp(*p, reason) == 0)
			return 1;
	return 0;
}

static void
adjustment_id(char out[AMAZON_ADJ_ID_MAX + 1], const char *id)
{
	size_t i;

	for (i = 0; id != NULL && id[i] != '\0' && i < AMAZON_ADJ_ID_MAX; i++) {
		char c = id[i];

		out[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
		         ? c : '_';
	}
	out[i] = '\0';
}

struct fb {
	const struct refund *r;
	const char *rid;      /* for messages */
	struct sc_error *err;
};

static int
fb_err(const struct fb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fb_err(const struct fb *b, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sc_error_set(b->err, SC_EINVALID, "amazon refund feed: refund %s of "
	                    "order %s: %s", b->rid,
	                    b->r->order_id != NULL ? b->r->order_id : "(none)", msg);
}

/* xmlNewTextChild escapes the text (xmlNewChild would not). NULL on OOM. */
static xmlNodePtr
child(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name,
	                       (const xmlChar *)text);
}

/* One line's components summed per feed type (absolute values). 1 when
 * the line has something to refund, 0 when not, <0 on a refused one. */
static int
line_sums(const struct fb *b, const struct refund_line *l, size_t li,
          int64_t sums[NTYPES])
{
	char where[48];
	size_t j;
	int any = 0;

	memset(sums, 0, NTYPES * sizeof(sums[0]));
	snprintf(where, sizeof(where), "line %zu", li + 1);
	for (j = 0; j < l->ncomps; j++) {
		const struct refund_component *c = &l->comps[j];
		int t = feed_type_of(c->type);
		int64_t v = c->amount;

		if (t < 0)
			return fb_err(b, "%s: component %.40s cannot be pushed in a payment "
			              "adjustment feed", where, c->type);
		if (v == 0)
			continue;
		if (feed_types[t].direction == REFUNDED && v > 0)
			return fb_err(b, "%s: component %.40s is positive: a refunded amount "
			              "is negative (money leaving the seller)", where, c->type);
		if (feed_types[t].direction == DEDUCTION && v < 0)
			return fb_err(b, "%s: component %.40s is negative: a deduction the "
			              "seller keeps is positive", where, c->type);
		if (v == INT64_MIN || money_add(&sums[t], sums[t], v < 0 ? -v : v) < 0)
			return fb_err(b, "%s: component %.40s is out of range", where, c->type);
		any = 1;
	}
	return any;
}

/* Check everything of refund b->r that does not depend on the lines. */
static int
refund_check(const struct fb *b, int *exponent)
{
	const struct refund *r = b->r;
	int e;

	if (!plain_token(r->order_id))
		return fb_err(b, "the order id is missing or has blanks or non-ASCII "
		              "characters");
	if (r->reason == NULL || *r->reason == '\0')
		return fb_err(b, "no AdjustmentReason: a refund pushed to Amazon needs "
		              "a reason code");
	if (!known_reason(r->reason))
		return fb_err(b, "AdjustmentReason \"%.40s\" is not one Amazon accepts",
		              r->reason);
	e = money_exponent(r->currency);
	if (e < 0)
		return fb_err(b, "currency \"%.8s\" is unknown", r->currency);
	if (e != r->exponent)
		return fb_err(b, "exponent %d does not match %.8s's %d", r->exponent,
		              r->currency, e);
	*exponent = e;
	return 0;
}

/* The AdjustedItem of one line (called only for lines with a sum). */
static int
adjusted_item(const struct fb *b, xmlNodePtr oa, const struct refund_line *l,
              size_t li, const int64_t sums[NTYPES], int exponent)
{
	char adj[AMAZON_ADJ_ID_MAX + 1], amount[32], qty[24], where[48];
	xmlNodePtr item, ipa, comp, am;
	size_t t;

	snprintf(where, sizeof(where), "line %zu", li + 1);
	if (!plain_token(l->line_id))
		return fb_err(b, "%s: the order item id (AmazonOrderItemCode) is missing "
		              "or has blanks or non-ASCII characters", where);
	if (l->qty < 0)
		return fb_err(b, "%s: negative quantity", where);
	if ((item = child(oa, "AdjustedItem", NULL)) == NULL ||
	    child(item, "AmazonOrderItemCode", l->line_id) == NULL)
		goto nomem;
	adjustment_id(adj, b->r->id);
	if (adj[0] != '\0' && child(item, "MerchantAdjustmentItemID", adj) == NULL)
		goto nomem;
	if (child(item, "AdjustmentReason", b->r->reason) == NULL ||
	    (ipa = child(item, "ItemPriceAdjustments", NULL)) == NULL)
		goto nomem;
	for (t = 0; t < NTYPES; t++) {
		if (sums[t] == 0)
			continue;
		if (money_format(amount, sizeof(amount), sums[t], exponent) < 0)
			return fb_err(b, "%s: cannot write an amount of %s", where,
			              feed_types[t].feed);
		if ((comp = child(ipa, "Component", NULL)) == NULL ||
		    child(comp, "Type", feed_types[t].feed) == NULL ||
		    (am = child(comp, "Amount", amount)) == NULL ||
		    xmlNewProp(am, (const xmlChar *)"currency",
		               (const xmlChar *)b->r->currency) == NULL)
			goto nomem;
	}
	if (l->qty > 0) {
		snprintf(qty, sizeof(qty), "%lld", (long long)l->qty);
		if (child(item, "Quantity", qty) == NULL)
			goto nomem;
	}
	return 0;
nomem:
	return sc_error_set(b->err, SC_ENOMEM, "amazon refund feed: out of memory");
}

static int
message_add(xmlNodePtr root, size_t i, const struct refund *r, struct sc_error *err)
{
	struct fb b;
	xmlNodePtr msg, oa;
	int64_t sums[NTYPES];
	char mid[24];
	size_t li;
	int exponent = 0, written = 0, rc;

	b.r = r;
	b.rid = r->id != NULL ? r->id : "(no id)";
	b.err = err;
	if ((rc = refund_check(&b, &exponent)) < 0)
		return rc;
	snprintf(mid, sizeof(mid), "%zu", i + 1);
	if ((msg = child(root, "Message", NULL)) == NULL ||
	    child(msg, "MessageID", mid) == NULL ||
	    (oa = child(msg, "OrderAdjustment", NULL)) == NULL ||
	    child(oa, "AmazonOrderID", r->order_id) == NULL ||
	    child(oa, "ActionType", "Refund") == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon refund feed: out of memory");
	for (li = 0; li < r->nlines; li++) {
		if ((rc = line_sums(&b, &r->lines[li], li, sums)) < 0)
			return rc;
		if (rc == 0)
			continue;   /* nothing to refund on this line */
		if ((rc = adjusted_item(&b, oa, &r->lines[li], li, sums, exponent)) < 0)
			return rc;
		written++;
	}
	if (written == 0)
		return fb_err(&b, "no line has an amount to refund");
	return 0;
}

int
amazon__refund_feed_build(char **out, size_t *len, const char *merchant_id,
                          struct refund *const *refunds, size_t n,
                          struct sc_error *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root, hdr;
	xmlNsPtr xsi;
	xmlChar *mem = NULL;
	int size = 0, rc = 0;
	size_t i;

	*out = NULL;
	*len = 0;
	xmlInitParser();
	if (n == 0 || refunds == NULL)
		return sc_error_set(err, SC_EINVALID, "amazon refund feed: no refund to push");
	if (merchant_id == NULL || *merchant_id == '\0')
		merchant_id = AMAZON_DEFAULT_MERCHANT;
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
	    child(root, "MessageType", "OrderAdjustment") == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (refunds[i] == NULL) {
			rc = sc_error_set(err, SC_EINVALID, "amazon refund feed: refund %zu "
			                  "is NULL", i);
			goto done;
		}
		if ((rc = message_add(root, i, refunds[i], err)) < 0)
			goto done;
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (mem == NULL || size <= 0)
		goto nomem;
	if ((*out = malloc((size_t)size + 1)) == NULL)
		goto nomem;
	memcpy(*out, mem, (size_t)size);
	(*out)[size] = '\0';
	*len = (size_t)size;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "amazon refund feed: out of memory");
done:
	if (mem != NULL)
		xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- the processing report ---------------------------------------------- */

struct rres {
	long id;             /* MessageID, 0 = the document */
	int error;           /* ResultCode Error */
	xmlChar *code, *desc, *order;
};

struct report {
	struct rres *r;
	size_t n, alloc;
	long processed;      /* MessagesProcessed, -1 when no summary */
};

static int
is_el(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr
first_el(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next)
		if (is_el(c, name))
			return c;
	return NULL;
}

/* Text of the child element `name`, trimmed (xmlFree it), or NULL. */
static xmlChar *
el_text(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c = first_el(parent, name);
	xmlChar *t, *s, *e;
	size_t l;

	if (c == NULL || (t = xmlNodeGetContent(c)) == NULL)
		return NULL;
	for (s = t; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
		;
	l = strlen((const char *)s);
	for (e = s + l; e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	                          e[-1] == '\n'); e--)
		;
	memmove(t, s, (size_t)(e - s));
	t[e - s] = '\0';
	return t;
}

/* A decimal count 0..AMAZON_REPORT_MAX_MESSAGES: 1, 0 absent, <0 bad. */
static int
el_count(xmlNodePtr parent, const char *name, long *out, struct sc_error *err)
{
	xmlChar *t = el_text(parent, name);
	const char *p;
	char *end = NULL;
	long long v;
	int rc = 1;

	if (t == NULL)
		return 0;
	p = (const char *)t;
	errno = 0;
	v = *p >= '0' && *p <= '9' ? strtoll(p, &end, 10) : -1;
	if (v < 0 || errno != 0 || end == NULL || *end != '\0' ||
	    v > AMAZON_REPORT_MAX_MESSAGES)
		rc = sc_error_set(err, SC_EMALFORMED, "amazon processing report: %s "
		                  "\"%.20s\" is not a message number", name, p);
	else
		*out = (long)v;
	xmlFree(t);
	return rc;
}

static void
report_free(struct report *rp)
{
	size_t i;

	for (i = 0; i < rp->n; i++) {
		xmlFree(rp->r[i].code);
		xmlFree(rp->r[i].desc);
		xmlFree(rp->r[i].order);
	}
	free(rp->r);
}

static int
result_add(struct report *rp, xmlNodePtr res, struct sc_error *err)
{
	struct rres *x;
	xmlChar *rc_text = NULL;
	int rc;

	if (rp->n == rp->alloc) {
		size_t na = rp->alloc != 0 ? rp->alloc * 2 : 8;
		struct rres *nr = realloc(rp->r, na * sizeof(*nr));

		if (nr == NULL)
			return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
		rp->r = nr;
		rp->alloc = na;
	}
	x = &rp->r[rp->n];
	memset(x, 0, sizeof(*x));
	if ((rc = el_count(res, "MessageID", &x->id, err)) < 0)
		return rc;
	rc_text = el_text(res, "ResultCode");
	if (rc_text == NULL || (strcmp((const char *)rc_text, "Error") != 0 &&
	                        strcmp((const char *)rc_text, "Warning") != 0)) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon processing report: "
		                  "ResultCode \"%.20s\" is neither Error nor Warning",
		                  rc_text != NULL ? (const char *)rc_text : "");
		xmlFree(rc_text);
		return rc;
	}
	x->error = strcmp((const char *)rc_text, "Error") == 0;
	xmlFree(rc_text);
	x->code = el_text(res, "ResultMessageCode");
	x->desc = el_text(res, "ResultDescription");
	x->order = el_text(first_el(res, "AdditionalInfo"), "AmazonOrderID");
	rp->n++;
	return 0;
}

/* Walk the envelope into rp. */
static int
report_walk(struct report *rp, xmlNodePtr root, struct sc_error *err)
{
	xmlNodePtr msg, pr, c;
	long v;
	int seen = 0, rc;

	if (!is_el(root, "AmazonEnvelope"))
		return sc_error_set(err, SC_EMALFORMED, "amazon processing report: the "
		                    "root element is not AmazonEnvelope");
	for (msg = root->children; msg != NULL; msg = msg->next) {
		if (!is_el(msg, "Message"))
			continue;
		for (pr = msg->children; pr != NULL; pr = pr->next) {
			if (!is_el(pr, "ProcessingReport"))
				continue;
			seen = 1;
			v = 0;
			if ((rc = el_count(first_el(pr, "ProcessingSummary"),
			                   "MessagesProcessed", &v, err)) < 0)
				return rc;
			if (rc == 1 && v > rp->processed)
				rp->processed = v;
			for (c = pr->children; c != NULL; c = c->next)
				if (is_el(c, "Result") && (rc = result_add(rp, c, err)) < 0)
					return rc;
		}
	}
	if (!seen)
		return sc_error_set(err, SC_EMALFORMED, "amazon processing report: no "
		                    "Message/ProcessingReport element");
	return 0;
}

/* "CODE: description" appended to out[n] (joined with "; "). */
static void
text_append(char *out, size_t n, const struct rres *x)
{
	size_t used = strlen(out);
	const char *code = x->code != NULL ? (const char *)x->code : "";
	const char *desc = x->desc != NULL ? (const char *)x->desc : "";

	if (used + 1 >= n)
		return;
	snprintf(out + used, n - used, "%s%s%s%s", used > 0 ? "; " : "", code,
	         *code != '\0' && *desc != '\0' ? ": " : "", desc);
}

static int
parse_doc(xmlDocPtr *out, const char *xml, size_t len, struct sc_error *err)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlErrorPtr e;
	int rc = 0;

	*out = NULL;
	if (len > (size_t)0x7fffffff)
		return sc_error_set(err, SC_ENOSPACE, "amazon processing report: too large");
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
	/* No network, no DTD loading, no entity substitution, quiet. */
	*out = xmlCtxtReadMemory(ctxt, xml != NULL ? xml : "", (int)len, "report.xml",
	                         NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	                         XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (*out == NULL) {
		e = xmlCtxtGetLastError(ctxt);
		rc = sc_error_set(err, SC_EMALFORMED, "amazon processing report: not XML "
		                  "(line %d: %.120s)", e != NULL ? e->line : 0,
		                  e != NULL && e->message != NULL ? e->message : "?");
		/* libxml2 messages end with a newline: sc_error_set makes it a space */
	} else if ((*out)->intSubset != NULL || (*out)->extSubset != NULL) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon processing report: a "
		                  "DOCTYPE is not accepted");
		xmlFreeDoc(*out);
		*out = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return rc;
}

int
amazon__processing_report_parse(struct submission_result **out, size_t *n,
                                const char *xml, size_t len, struct sc_error *err)
{
	struct report rp;
	struct submission_result *res = NULL;
	xmlDocPtr doc = NULL;
	char text[SC_ERROR_REMOTE_MAX];
	long m = 0;
	size_t i;
	int doc_errors = 0, msg_results = 0, rc;

	*out = NULL;
	*n = 0;
	memset(&rp, 0, sizeof(rp));
	rp.processed = -1;
	xmlInitParser();
	if ((rc = parse_doc(&doc, xml, len, err)) < 0 ||
	    (rc = report_walk(&rp, xmlDocGetRootElement(doc), err)) < 0)
		goto done;

	text[0] = '\0';
	for (i = 0; i < rp.n; i++) {
		if (rp.r[i].id == 0) {
			if (rp.r[i].error) {
				doc_errors++;
				text_append(text, sizeof(text), &rp.r[i]);
			}
			continue;
		}
		msg_results++;
		if (rp.r[i].id > m)
			m = rp.r[i].id;
	}
	if (doc_errors > 0 && rp.processed <= 0 && msg_results == 0) {
		rc = sc_error_set(err, SC_EINVALID, "amazon processing report: the feed was "
		                  "rejected as a whole; none of its messages was applied");
		sc_error_set_remote(err, text, strlen(text));
		goto done;
	}
	if (doc_errors > 0)
		log_event(LOG_WARN, "amazon.feed.document_error", "remote", text, NULL);
	if (rp.processed < 0 && rp.n == 0) {
		rc = sc_error_set(err, SC_EMALFORMED, "amazon processing report: no "
		                  "ProcessingSummary and no Result");
		goto done;
	}
	if (rp.processed > m)
		m = rp.processed;
	if (m > 0 && (res = calloc((size_t)m, sizeof(*res))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "amazon: out of memory");
		goto done;
	}
	for (i = 0; i < (size_t)m; i++) {
		snprintf(res[i].ref, sizeof(res[i].ref), "%zu", i + 1);
		res[i].ok = 1;
		sc_error_clear(&res[i].err);
	}
	for (i = 0; i < rp.n; i++) {
		const struct rres *x = &rp.r[i];
		struct submission_result *s;

		if (x->id == 0)
			continue;
		s = &res[x->id - 1];
		if (!x->error) {
			log_event(LOG_WARN, "amazon.feed.warning", "message", s->ref,
			          "code", x->code != NULL ? (const char *)x->code : "",
			          "description", x->desc != NULL ? (const char *)x->desc : "",
			          NULL);
			continue;
		}
		if (s->ok) {
			s->ok = 0;
			if (x->order != NULL)
				sc_error_set(&s->err, SC_EINVALID, "amazon: feed message %s "
				             "(order %.40s) was rejected", s->ref,
				             (const char *)x->order);
			else
				sc_error_set(&s->err, SC_EINVALID, "amazon: feed message %s was "
				             "rejected", s->ref);
		}
		text_append(s->err.remote, sizeof(s->err.remote), x);
	}
	*out = res;
	*n = (size_t)m;
	res = NULL;
	rc = 0;
done:
	free(res);
	report_free(&rp);
	xmlFreeDoc(doc);
	return rc;
}
