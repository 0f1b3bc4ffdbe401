/*
 * netsuite.c: the NetSuite ERP adapter (REST Record API v1, SuiteQL).
 *
 * This file: the [erp] keys, open/close, the slots, and the ops table at the
 * end. Orders become salesOrder/cashSale/invoice records upserted by
 * external id (docs/NETSUITE.md s1); authentication is OAuth 2.0 client
 * credentials (oauth2.c) or TBA (oauth1.c). Refunds are transforms of the
 * order's record (refund.c); refunds, shipments and cancellations made in
 * NetSuite come back through changes_page (changes_stream.c: changes.c,
 * changes_ship.c). Settlements become journal entries (journal.c).
 */
#include "adapters/netsuite/netsuite_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "connector/conf.h"
#include "connector/http.h"
#include "connector/model.h"

static const struct conf_key netsuite_conf_keys[] = {
	{ "account_id", CONF_REQUIRED, NULL, "NetSuite account id, e.g. 1234567_SB1" },
	{ "base_url", 0, NULL,
	  "REST base URL (default https://ACCOUNT.suitetalk.api.netsuite.com, "
	  "lower case, '_' -> '-')" },
	{ "auth", 0, "oauth2", "oauth2 (client credentials, JWT) or tba (token-based, OAuth 1.0a)" },
	{ "client_id", 0, NULL, "oauth2: client id of the integration record" },
	{ "certificate_id", 0, NULL, "oauth2: certificate id from the M2M setup (JWT kid)" },
	{ "private_key_file", 0, NULL, "oauth2: PEM private key of the certificate (mode 600)" },
	{ "scope", 0, "rest_webservices", "oauth2: scope of the token" },
	{ "token_url", 0, NULL,
	  "oauth2: token endpoint (default BASE_URL/services/rest/auth/oauth2/v1/token)" },
	{ "consumer_key", 0, NULL, "tba: consumer key of the integration record" },
	{ "consumer_secret", CONF_SECRET, NULL, "tba: consumer secret" },
	{ "token_id", 0, NULL, "tba: access token id" },
	{ "token_secret", CONF_SECRET, NULL, "tba: access token secret" },
	{ "order_record_type", 0, "salesOrder",
	  "record made for an order: salesOrder, cashSale or invoice" },
	{ "customer_mode", 0, "single", "single (every order on customer_id) or per_buyer" },
	{ "customer_id", 0, NULL, "internal id of the customer for customer_mode = single" },
	{ "subsidiary_id", 0, NULL, "internal id of the subsidiary (OneWorld)" },
	{ "location_id", 0, NULL, "internal id of the location" },
	{ "cash_sale_account_id", 0, NULL, "cashSale: internal id of the deposit account" },
	{ "shipping_item_id", 0, NULL, "item for shipping charges (and their tax)" },
	{ "discount_item_id", 0, NULL, "item for promotions (negative amounts)" },
	{ "tax_item_id", 0, NULL, "item for the tax charged" },
	{ "giftwrap_item_id", 0, NULL, "item for gift wrap charges" },
	{ "other_item_id", 0, NULL, "item for other charges (COD fee, ...)" },
	{ "concurrency", 0, "5", "requests in flight at once (1..50, the account's limit or less)" },
	{ NULL, 0, NULL, NULL }
};

static const char *const netsuite_refund_types[] = {
	"cashRefund", "creditMemo", "returnAuthorization", "customerRefund", NULL
};

/* Value of key, NULL when absent or empty. */
static const char *
opt(const struct conf_section *s, const char *key)
{
	const char *v = conf_get(s, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The index of value in valid[], or conf_error listing them. */
static int
one_of(int *out, const struct conf_section *s, const char *key, const char *const *valid,
       struct sc_error *err)
{
	char list[256] = "";
	const char *v = conf_get(s, key);
	size_t len = 0;
	int i;

	for (i = 0; v != NULL && valid[i] != NULL; i++)
		if (strcmp(v, valid[i]) == 0) {
			*out = i;
			return 0;
		}
	for (i = 0; valid[i] != NULL; i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", i > 0 ? ", " : "", valid[i]);
		if (w < 0 || (size_t)w >= sizeof(list) - len)
			break;
		len += (size_t)w;
	}
	return conf_error(s, key, err, SC_EINVALID, "\"%s\" is not one of %s",
	                  v != NULL ? v : "", list);
}

static int
require(const struct conf_section *s, const char *const *keys, const char *why,
        struct sc_error *err)
{
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (opt(s, keys[i]) == NULL)
			return conf_error(s, keys[i], err, SC_EINVALID, "required when %s", why);
	return 0;
}

static void
netsuite_close(void *self)
{
	struct netsuite *ns = self;

	if (ns == NULL)
		return;
	if (ns->token != NULL)
		OPENSSL_cleanse(ns->token, strlen(ns->token));
	free(ns->token);
	free(ns->base_url);
	free(ns->token_url);
	EVP_PKEY_free(ns->key);
	netsuite__map_free(&ns->items);
	netsuite__map_free(&ns->currencies);
	netsuite__map_free(&ns->customers);
	netsuite__map_free(&ns->accounts);
	pthread_mutex_destroy(&ns->token_lock);
	pthread_mutex_destroy(&ns->cache_lock);
	free(ns);
}

static int
netsuite_conf_urls(struct netsuite *ns, const struct conf_section *s, const char *account,
                   struct sc_error *err)
{
	const char *base = opt(s, "base_url"), *tok = opt(s, "token_url");
	struct buf b;
	size_t i, len;
	int rc;

	buf_init(&b, 0);
	if (base != NULL) {
		len = strlen(base);
		while (len > 0 && base[len - 1] == '/')
			len--;
		if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0) {
			rc = conf_error(s, "base_url", err, SC_EINVALID, "must start with https://");
			goto done;
		}
		rc = buf_append(&b, base, len);
	} else {
		rc = buf_puts(&b, "https://");
		for (i = 0; rc == 0 && account[i] != '\0'; i++) {
			char c = account[i] == '_' ? '-' : (char)tolower((unsigned char)account[i]);
			rc = buf_append(&b, &c, 1);
		}
		if (rc == 0)
			rc = buf_puts(&b, ".suitetalk.api.netsuite.com");
	}
	if (rc < 0 || (ns->base_url = buf_take(&b)) == NULL)
		goto nomem;
	if (tok != NULL)
		ns->token_url = strdup(tok);
	else if ((rc = buf_printf(&b, "%s/services/rest/auth/oauth2/v1/token", ns->base_url)) == 0)
		ns->token_url = buf_take(&b);
	if (ns->token_url == NULL)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "out of memory");
done:
	buf_free(&b);
	return rc;
}

static int
netsuite_open(void **out, const struct adapter_env *env, struct sc_error *err)
{
	static const char *const auths[] = { "oauth2", "tba", NULL };
	static const char *const types[] = { "salesOrder", "cashSale", "invoice", NULL };
	static const char *const modes[] = { "single", "per_buyer", NULL };
	static const char *const oauth2_keys[] = { "client_id", "certificate_id",
	                                           "private_key_file", NULL };
	static const char *const tba_keys[] = { "consumer_key", "consumer_secret", "token_id",
	                                        "token_secret", NULL };
	static const char *const single_keys[] = { "customer_id", NULL };
	const struct conf_section *s = env->conf;
	struct netsuite *ns = NULL;
	const char *account = NULL;
	int auth = 0, type = 0, mode = 0, rc;
	long conc = 5;
	size_t i;

	*out = NULL;
	if (env->http == NULL)
		return sc_error_set(err, SC_EINVALID, "netsuite: no HTTP client");
	ns = calloc(1, sizeof(*ns));
	if (ns == NULL)
		return sc_error_set(err, SC_ENOMEM, "out of memory");
	if (pthread_mutex_init(&ns->token_lock, NULL) != 0) {
		free(ns);
		return sc_error_set(err, SC_ERROR, "netsuite: cannot create a mutex");
	}
	if (pthread_mutex_init(&ns->cache_lock, NULL) != 0) {
		pthread_mutex_destroy(&ns->token_lock);
		free(ns);
		return sc_error_set(err, SC_ERROR, "netsuite: cannot create a mutex");
	}
	ns->http = env->http;
	ns->time_scale = env->time_scale > 0 ? env->time_scale : 1.0;

	account = opt(s, "account_id");
	if (account == NULL) {
		rc = conf_error(s, "account_id", err, SC_EINVALID, "required (e.g. 1234567_SB1)");
		goto fail;
	}
	if (strlen(account) >= sizeof(ns->realm) - 1) {
		rc = conf_error(s, "account_id", err, SC_EINVALID, "too long");
		goto fail;
	}
	for (i = 0; account[i] != '\0'; i++) {
		char c = account[i];
		if (!isalnum((unsigned char)c) && c != '_') {
			rc = conf_error(s, "account_id", err, SC_EINVALID,
			                "\"%s\": only letters, digits and '_' (e.g. 1234567_SB1)",
			                account);
			goto fail;
		}
		ns->realm[i] = (char)toupper((unsigned char)c);
	}
	if ((rc = one_of(&auth, s, "auth", auths, err)) < 0 ||
	    (rc = one_of(&type, s, "order_record_type", types, err)) < 0 ||
	    (rc = one_of(&mode, s, "customer_mode", modes, err)) < 0)
		goto fail;
	ns->auth = auth == 1 ? NETSUITE_AUTH_TBA : NETSUITE_AUTH_OAUTH2;
	ns->customer_mode = mode == 1 ? NETSUITE_CUSTOMER_PER_BUYER : NETSUITE_CUSTOMER_SINGLE;
	if ((rc = require(s, auth == 1 ? tba_keys : oauth2_keys,
	                  auth == 1 ? "auth = tba" : "auth = oauth2", err)) < 0)
		goto fail;
	if (mode == 0 && (rc = require(s, single_keys, "customer_mode = single", err)) < 0)
		goto fail;
	if ((rc = conf_get_long(s, "concurrency", &conc, err)) < 0)
		goto fail;
	if (conc < 1 || conc > 50) {
		rc = conf_error(s, "concurrency", err, SC_EINVALID, "%ld is not within 1..50", conc);
		goto fail;
	}
	ns->concurrency = (int)conc;
	if ((rc = netsuite_conf_urls(ns, s, account, err)) < 0)
		goto fail;

	ns->customer_id = opt(s, "customer_id");
	ns->body.record_type = types[type];
	ns->body.subsidiary_id = opt(s, "subsidiary_id");
	ns->body.location_id = opt(s, "location_id");
	ns->body.cash_sale_account_id = opt(s, "cash_sale_account_id");
	ns->body.shipping_item_id = opt(s, "shipping_item_id");
	ns->body.discount_item_id = opt(s, "discount_item_id");
	ns->body.tax_item_id = opt(s, "tax_item_id");
	ns->body.giftwrap_item_id = opt(s, "giftwrap_item_id");
	ns->body.other_item_id = opt(s, "other_item_id");

	if (ns->auth == NETSUITE_AUTH_OAUTH2) {
		ns->client_id = opt(s, "client_id");
		ns->certificate_id = opt(s, "certificate_id");
		ns->scope = opt(s, "scope") != NULL ? opt(s, "scope") : "rest_webservices";
		if ((rc = netsuite__key_load(&ns->key, s, "private_key_file",
		                             opt(s, "private_key_file"), err)) < 0)
			goto fail;
	} else {
		ns->tba.realm = ns->realm;
		ns->tba.consumer_key = opt(s, "consumer_key");
		ns->tba.consumer_secret = opt(s, "consumer_secret");
		ns->tba.token_id = opt(s, "token_id");
		ns->tba.token_secret = opt(s, "token_secret");
	}
	*out = ns;
	return 0;
fail:
	netsuite_close(ns);
	return rc;
}

static int
netsuite_order_upsert(void *self, const struct order *o, const char *external_id,
                      struct erp_ref *out, struct sc_error *err)
{
	struct netsuite *ns = self;
	char currency_id[64], entity_id[64];
	char **item_ids = NULL;
	struct buf body;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&body, 0);
	if ((rc = netsuite__order_check(&ns->body, o, err)) < 0)
		goto done;
	if ((rc = netsuite__currency_resolve(ns, o->currency, currency_id, sizeof(currency_id),
	                                     err)) < 0) {
		sc_error_prefix(err, "order %s", o->id);
		goto done;
	}
	if ((rc = netsuite__items_resolve(ns, o, &item_ids, err)) < 0)
		goto done;
	if ((rc = netsuite__customer_resolve(ns, o, external_id, entity_id, sizeof(entity_id),
	                                     err)) < 0)
		goto done;
	if ((rc = netsuite__order_body(&body, &ns->body, o, external_id, entity_id, currency_id,
	                               (const char *const *)item_ids, err)) < 0)
		goto done;
	rc = netsuite__record_upsert(ns, ns->body.record_type, external_id, body.data, body.len,
	                             out, err);
done:
	netsuite__strv_free(item_ids, o->nlines);
	buf_free(&body);
	return rc;
}

static int
netsuite_record_find(void *self, const char *type, const char *external_id,
                     struct erp_ref *out, struct sc_error *err)
{
	struct netsuite *ns = self;

	memset(out, 0, sizeof(*out));
	return netsuite__record_find(ns, type != NULL ? type : ns->body.record_type, external_id,
	                             out, err);
}

static int
netsuite_concurrency(void *self)
{
	const struct netsuite *ns = self;

	return ns->concurrency;
}

/* The record types an order can become (order_record_type). */
static const char *const netsuite_order_types[] = {
	"salesOrder", "cashSale", "invoice", NULL
};

/* What a refund can be made from, per the transforms NetSuite allows
 * (docs/NETSUITE.md): a cash sale refunds by cash refund or return
 * authorization; an invoice by credit memo (then, where money leaves, a
 * customer refund) or return authorization; a sales order through the
 * invoice or cash sale billed from it, or by return authorization. */
static const char *const netsuite_refund_paths[] = {
	"cashSale>cashRefund", "cashSale>returnAuthorization",
	"invoice>creditMemo", "invoice>customerRefund", "invoice>returnAuthorization",
	"salesOrder>creditMemo", "salesOrder>customerRefund",
	"salesOrder>cashRefund", "salesOrder>returnAuthorization",
	NULL
};

const struct erp_ops netsuite_ops = {
	.version = ADAPTER_OPS_VERSION,
	.name = "netsuite",
	.caps = ERP_CAP_ORDERS | ERP_CAP_REFUNDS | ERP_CAP_CHANGES | ERP_CAP_SETTLEMENTS,
	.conf_keys = netsuite_conf_keys,
	.refund_types = netsuite_refund_types,
	.open = netsuite_open,                   /* conf, key, caches */
	.close = netsuite_close,
	.order_upsert = netsuite_order_upsert,   /* PUT .../{type}/eid:{external id} */
	.record_find = netsuite_record_find,     /* GET .../{type}/eid:{external id} */
	.refund_create = netsuite__refund_create, /* !transform from the order (refund.c) */
	.changes_page = netsuite__changes_page,  /* SuiteQL deltas (changes_stream.c) */
	.settlement_post = netsuite__settlement_post, /* journalEntry by eid: (journal.c) */
	.order_types = netsuite_order_types,
	.refund_paths = netsuite_refund_paths,
	.concurrency = netsuite_concurrency,
};
