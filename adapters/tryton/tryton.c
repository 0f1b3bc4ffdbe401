/*
 * tryton.c: the Tryton ERP adapter (trytond 6.0 JSON-RPC, docs/TRYTON.md).
 *
 * This file: the [erp] keys, open/close, record_find and the ops table at
 * the end. Orders become sales (sale.c): a party per buyer, a product per
 * SKU, reference = the marketplace order id, quoted, confirmed and invoiced
 * as the conf says. Refunds become customer credit notes linked to the
 * sale's invoice lines (credit.c). Settlements become statements on the
 * payout journal (statement.c). Credit notes people make in Tryton come back
 * through changes_page (changes.c), and so do the customer shipments they
 * mark done and the cancelled moves they ignore (changes_ship.c). The
 * JSON-RPC itself is rpc.c.
 *
 * Records and external ids: Tryton has no external-id field, so each kind
 * is found by what identifies it: a sale by its reference (the marketplace
 * order id) and its party's code prefix ("AMZ-"), a credit note by its
 * reference (the connector's AMZ-RFD-... id), a statement by its name
 * (AMZ-STL-...). None of these is unique in Tryton: every write is preceded
 * by a search, and a second match is an error, never a guess.
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/conf.h"

static const struct conf_key tryton_conf_keys[] = {
	{ "url", CONF_REQUIRED, NULL,
	  "trytond's address, e.g. https://erp.example.com:8000 (http:// only to loopback)" },
	{ "database", CONF_REQUIRED, NULL, "the Tryton database" },
	{ "user", CONF_REQUIRED, NULL, "the Tryton user the connector logs in as" },
	{ "password", CONF_REQUIRED | CONF_SECRET, NULL, "that user's password" },
	{ "language", 0, "en", "login language: the language of Tryton's error messages" },
	{ "company", 0, NULL, "the company (its id or its party's name); default: the user's" },
	{ "confirm", 0, "yes",
	  "yes: quote and confirm each sale (Tryton then invoices and ships it as its sale "
	  "configuration says); no: leave sales in draft" },
	{ "post_invoices", 0, "yes",
	  "yes: post each sale's invoice and each credit note (dated the day they are posted)" },
	{ "payment_term", 0, NULL, "payment term of the sales (its name)" },
	{ "shipping_product", 0, NULL, "code of the product for shipping charges (and their tax)" },
	{ "discount_product", 0, NULL, "code of the product for promotions (negative prices)" },
	{ "tax_product", 0, NULL, "code of the product for the tax the marketplace charged" },
	{ "giftwrap_product", 0, NULL, "code of the product for gift wrap" },
	{ "other_product", 0, NULL, "code of the product for other charges (COD fee, ...)" },
	{ "payout_journal", 0, NULL, "the statement journal (its name) settlements are posted on" },
	{ "statement_state", 0, "posted",
	  "how far each settlement's statement goes: draft, validated or posted" },
	{ "shipping_carrier", 0, NULL,
	  "carrier (and service) of the shipments whose Reference is the tracking number alone, "
	  "e.g. UPS Ground; a Reference \"CARRIER TRACKING\" names its own" },
	{ NULL, 0, NULL, NULL }
};

static const char *const charge_names[TRYTON_CH_COUNT] = {
	"shipping", "discount", "tax", "gift wrap", "other charges"
};
static const char *const charge_keys[TRYTON_CH_COUNT] = {
	"shipping_product", "discount_product", "tax_product", "giftwrap_product", "other_product"
};

const char *
tryton__charge_name(enum tryton_charge c)
{
	return c < TRYTON_CH_COUNT ? charge_names[c] : "?";
}

const char *
tryton__charge_key(enum tryton_charge c)
{
	return c < TRYTON_CH_COUNT ? charge_keys[c] : "?";
}

/* Value of key, NULL when absent or empty. */
static const char *
opt(const struct conf_section *s, const char *key)
{
	const char *v = conf_get(s, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
tryton_close(void *self)
{
	struct tryton *t = self;

	if (t == NULL)
		return;
	free(t->endpoint);
	free(t->auth);
	free(t->context);
	tryton__map_free(&t->products);
	tryton__map_free(&t->currencies);
	tryton__map_free(&t->parties);
	tryton__map_free(&t->accounts);
	free(t);
}

/* URL/DATABASE/ with the database percent-encoded. */
static int
endpoint_make(struct tryton *t, const struct conf_section *s, struct sc_error *err)
{
	const char *url = opt(s, "url");
	struct buf b;
	size_t len;
	int rc;

	if (url == NULL)
		return conf_error(s, "url", err, SC_EINVALID, "required (e.g. https://erp:8000)");
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return conf_error(s, "url", err, SC_EINVALID, "\"%s\" must start with https://", url);
	if (strchr(url, '?') != NULL || strchr(url, '#') != NULL)
		return conf_error(s, "url", err, SC_EINVALID, "no query or fragment, please");
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	buf_init(&b, 0);
	if ((rc = buf_append(&b, url, len)) < 0 || (rc = buf_puts(&b, "/")) < 0 ||
	    (rc = buf_url_encode(&b, t->database)) < 0 || (rc = buf_puts(&b, "/")) < 0 ||
	    (t->endpoint = buf_take(&b)) == NULL) {
		buf_free(&b);
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	}
	return 0;
}

static int
tryton_open(void **out, const struct adapter_env *env, struct sc_error *err)
{
	static const char *const states[] = { "draft", "validated", "posted", NULL };
	const struct conf_section *s = env->conf;
	struct tryton *t = NULL;
	const char *v;
	int rc, i;

	*out = NULL;
	if (env->http == NULL)
		return sc_error_set(err, SC_EINVALID, "tryton: no HTTP client");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	t->http = env->http;
	t->database = opt(s, "database");
	t->user = opt(s, "user");
	t->password = opt(s, "password");
	if (t->database == NULL) {
		rc = conf_error(s, "database", err, SC_EINVALID, "required");
		goto fail;
	}
	if (t->user == NULL) {
		rc = conf_error(s, "user", err, SC_EINVALID, "required");
		goto fail;
	}
	if (t->password == NULL) {
		rc = conf_error(s, "password", err, SC_EINVALID, "required (write ${TRYTON_PASSWORD})");
		goto fail;
	}
	if ((rc = endpoint_make(t, s, err)) < 0)
		goto fail;
	t->language = opt(s, "language") != NULL ? opt(s, "language") : "en";
	t->company = opt(s, "company");
	t->payment_term = opt(s, "payment_term");
	t->payout_journal = opt(s, "payout_journal");
	t->shipping_carrier = opt(s, "shipping_carrier");
	for (i = 0; i < TRYTON_CH_COUNT; i++)
		t->charge_products[i] = opt(s, charge_keys[i]);
	t->confirm = 1;
	t->post_invoices = 1;
	if ((rc = conf_get_bool(s, "confirm", &t->confirm, err)) < 0 ||
	    (rc = conf_get_bool(s, "post_invoices", &t->post_invoices, err)) < 0)
		goto fail;
	v = opt(s, "statement_state") != NULL ? opt(s, "statement_state") : "posted";
	for (i = 0; states[i] != NULL && strcmp(states[i], v) != 0; i++)
		;
	if (states[i] == NULL) {
		rc = conf_error(s, "statement_state", err, SC_EINVALID,
		                "\"%s\" is not one of draft, validated, posted", v);
		goto fail;
	}
	t->statement_state = (enum tryton_statement_state)i;
	*out = t;
	return 0;
fail:
	tryton_close(t);
	return rc;
}

int
tryton__eid_split(const char *eid, const char *kind, const char **rest, size_t *prefix_len)
{
	const char *dash = eid != NULL ? strchr(eid, '-') : NULL;
	size_t k = strlen(kind);

	if (dash == NULL || dash == eid || strncmp(dash, kind, k) != 0 || dash[k] == '\0')
		return 0;
	*rest = dash + k;
	*prefix_len = (size_t)(dash - eid);
	return 1;
}

static int
tryton_record_find(void *self, const char *type, const char *external_id, struct erp_ref *out,
                   struct sc_error *err)
{
	struct tryton *t = self;
	const char *rest = NULL;
	size_t plen = 0;
	int64_t id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (external_id == NULL || strlen(external_id) >= sizeof(out->external_id))
		return sc_error_set(err, SC_EINVALID, "tryton: external id missing or too long");
	if (type == NULL)
		type = tryton__eid_split(external_id, "-ORD-", &rest, &plen) ? "sale"
		       : tryton__eid_split(external_id, "-RFD-", &rest, &plen) ? "creditNote"
		       : tryton__eid_split(external_id, "-STL-", &rest, &plen) ? "statement" : "";
	if (strcmp(type, "sale") == 0) {
		if (!tryton__eid_split(external_id, "-ORD-", &rest, &plen))
			return sc_error_set(err, SC_EINVALID, "tryton: %s is not an order's external id",
			                    external_id);
		rc = tryton__sale_find(t, rest, external_id, &id, err);
	} else if (strcmp(type, "creditNote") == 0) {
		rc = tryton__credit_find(t, external_id, &id, err);
	} else if (strcmp(type, "statement") == 0) {
		rc = tryton__statement_find(t, external_id, &id, err);
	} else {
		return sc_error_set(err, SC_EINVALID, "tryton: no record type \"%s\" (%s)", type,
		                    external_id);
	}
	if (rc == 1) {
		snprintf(out->type, sizeof(out->type), "%s", type);
		snprintf(out->id, sizeof(out->id), "%lld", (long long)id);
		snprintf(out->external_id, sizeof(out->external_id), "%s", external_id);
	}
	return rc;
}

/* An order is a sale (quoted and confirmed when conf says so). */
static const char *const tryton_order_types[] = { "sale", NULL };
/* A refund is a customer credit note, linked line by line to the sale's
 * invoice. */
static const char *const tryton_refund_types[] = { "creditNote", NULL };
static const char *const tryton_refund_paths[] = { "sale>creditNote", NULL };

const struct erp_ops tryton_ops = {
	.version = ADAPTER_OPS_VERSION,
	.name = "tryton",
	.caps = ERP_CAP_ORDERS | ERP_CAP_REFUNDS | ERP_CAP_CHANGES | ERP_CAP_SETTLEMENTS,
	.conf_keys = tryton_conf_keys,
	.refund_types = tryton_refund_types,
	.open = tryton_open,
	.close = tryton_close,
	.order_upsert = tryton__order_upsert,      /* search by reference, create or update (sale.c) */
	.record_find = tryton_record_find,
	.refund_create = tryton__refund_create,    /* credit note from the invoice (credit.c) */
	.changes_page = tryton__changes_page,      /* credit notes, shipments, cancellations people
	                                            * made (changes.c, changes_ship.c) */
	.settlement_post = tryton__settlement_post, /* account.statement (statement.c) */
	.concurrency = NULL,                       /* one request at a time */
	.order_types = tryton_order_types,
	.refund_paths = tryton_refund_paths,
	.settlement_by_order = 1,                  /* a statement line per order (statement.c) */
};
