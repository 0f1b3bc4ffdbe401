/* registry.c: the adapter tables, chosen by conf name. */
#include "adapters/adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct marketplace_ops amazon_ops;
extern const struct erp_ops netsuite_ops;
extern const struct erp_ops tryton_ops;

const struct marketplace_ops *const adapter_marketplaces[] = {
	&amazon_ops,
	NULL
};

const struct erp_ops *const adapter_erps[] = {
	&netsuite_ops,
	&tryton_ops,
	NULL
};

const struct marketplace_ops *
adapter_marketplace_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && adapter_marketplaces[i] != NULL; i++)
		if (strcmp(adapter_marketplaces[i]->name, name) == 0)
			return adapter_marketplaces[i];
	return NULL;
}

const struct erp_ops *
adapter_erp_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && adapter_erps[i] != NULL; i++)
		if (strcmp(adapter_erps[i]->name, name) == 0)
			return adapter_erps[i];
	return NULL;
}

#define NEED(slot, what)                                                    \
	do {                                                                \
		if ((slot) == NULL)                                         \
			return sc_error_set(err, SC_ENOTSUP,                \
			    "adapter %s: %s is missing", ops->name, what);  \
	} while (0)

int
adapter_marketplace_check(const struct marketplace_ops *ops, struct sc_error *err)
{
	if (ops->version != ADAPTER_OPS_VERSION)
		return sc_error_set(err, SC_ENOTSUP,
		    "adapter %s: ops version %u, this connector needs %u",
		    ops->name, ops->version, ADAPTER_OPS_VERSION);
	NEED(ops->open, "open");
	NEED(ops->close, "close");
	if (ops->caps & MKT_CAP_ORDERS) {
		NEED(ops->orders_page, "orders_page");
		NEED(ops->order_get, "order_get");
	}
	if (ops->caps & MKT_CAP_REFUNDS) {
		NEED(ops->refunds_page, "refunds_page");
		NEED(ops->order_refunds, "order_refunds");
	}
	if (ops->caps & MKT_CAP_REFUND_PUSH) {
		NEED(ops->refunds_push, "refunds_push");
		NEED(ops->submission_results, "submission_results");
	}
	if (ops->caps & MKT_CAP_FULFILLMENT_PUSH)
		NEED(ops->fulfillment_push, "fulfillment_push");
	if (ops->caps & MKT_CAP_SETTLEMENTS) {
		NEED(ops->settlements_page, "settlements_page");
		NEED(ops->settlement_fetch, "settlement_fetch");
		NEED(ops->settlement_parse, "settlement_parse");
	}
	return 0;
}

int
adapter_erp_check(const struct erp_ops *ops, struct sc_error *err)
{
	if (ops->version != ADAPTER_OPS_VERSION)
		return sc_error_set(err, SC_ENOTSUP,
		    "adapter %s: ops version %u, this connector needs %u",
		    ops->name, ops->version, ADAPTER_OPS_VERSION);
	NEED(ops->open, "open");
	NEED(ops->close, "close");
	if (ops->caps & ERP_CAP_ORDERS) {
		NEED(ops->order_upsert, "order_upsert");
		NEED(ops->record_find, "record_find");
	}
	if (ops->caps & ERP_CAP_REFUNDS)
		NEED(ops->refund_create, "refund_create");
	if (ops->caps & ERP_CAP_CHANGES)
		NEED(ops->changes_page, "changes_page");
	if (ops->caps & ERP_CAP_SETTLEMENTS)
		NEED(ops->settlement_post, "settlement_post");
	return 0;
}

void
adapter_marketplace_names(char *out, size_t n)
{
	size_t i, o = 0;

	if (n > 0)
		out[0] = '\0';
	for (i = 0; adapter_marketplaces[i] != NULL && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "",
		                      adapter_marketplaces[i]->name);
}

void
adapter_erp_names(char *out, size_t n)
{
	size_t i, o = 0;

	if (n > 0)
		out[0] = '\0';
	for (i = 0; adapter_erps[i] != NULL && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "",
		                      adapter_erps[i]->name);
}
