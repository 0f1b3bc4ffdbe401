/* page.c: the page helpers of adapter.h. */
#include "adapters/adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pages -------------------------------------------------------------- */

void
page_init(struct page *p, void (*item_free)(void *))
{
	memset(p, 0, sizeof(*p));
	p->item_free = item_free;
}

int
page_add(struct page *p, void *item)
{
	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 16;
		void **ni = realloc(p->items, na * sizeof(*ni));
		if (ni == NULL) {
			if (p->item_free != NULL)
				p->item_free(item);
			return SC_ENOMEM;
		}
		p->items = ni;
		p->alloc = na;
	}
	p->items[p->n++] = item;
	return 0;
}

int
page_add_bad(struct page *p, const char *id, const struct sc_error *err)
{
	struct page_bad *b;

	if (p->nbad == p->badalloc) {
		size_t na = p->badalloc ? p->badalloc * 2 : 4;
		struct page_bad *nb = realloc(p->bad, na * sizeof(*nb));
		if (nb == NULL)
			return SC_ENOMEM;
		p->bad = nb;
		p->badalloc = na;
	}
	b = &p->bad[p->nbad++];
	snprintf(b->id, sizeof(b->id), "%s", id != NULL ? id : "");
	if (err != NULL)
		b->err = *err;
	else
		sc_error_clear(&b->err);
	return 0;
}

void
page_free(struct page *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		if (p->item_free != NULL)
			p->item_free(p->items[i]);
	free(p->items);
	free(p->bad);
	page_init(p, p->item_free);
}

void
erp_change_free(void *change)
{
	struct erp_change *c = change;

	if (c == NULL)
		return;
	refund_free(c->refund);
	fulfillment_free(c->fulfillment);
	free(c);
}
