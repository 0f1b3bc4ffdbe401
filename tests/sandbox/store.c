/* store.c: the sandbox's memory: Amazon orders (sorted indexes for the
 * search window), NetSuite items, currencies and records (hash maps), and
 * the issued tokens and seen nonces. Callers hold sb->lock. */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sbx_init(struct sbx *sb)
{
	int i;

	memset(sb, 0, sizeof *sb);
	sb->time_scale = 1.0;
	sb->limits = 1;
	sb->ns_concurrency_limit = 5;
	sb->next_record_id = 1000;
	sb->feed_delay_ms = 2000;
	for (i = 0; i < SBX_OP__COUNT; i++) {
		atomic_init(&sb->requests[i], 0);
		atomic_init(&sb->throttled[i], 0);
	}
	atomic_init(&sb->in_flight, 0);
	atomic_init(&sb->max_in_flight, 0);
	atomic_init(&sb->writes, 0);
	atomic_init(&sb->faults_fired, 0);
	pthread_mutex_init(&sb->lock, NULL);
}

static void
order_free(void *p)
{
	struct sbx_order *o = p;

	if (o == NULL)
		return;
	free(o->id);
	free(o->json);
	free(o);
}

static void
item_free(struct sbx_item *it)
{
	if (it == NULL)
		return;
	free(it->id);
	free(it->itemid);
	free(it->type);
	free(it->displayname);
	free(it);
}

static void
record_free(struct sbx_record *r)
{
	if (r == NULL)
		return;
	free(r->external_id);
	free(r->body);
	free(r);
}

void
sbx_free(struct sbx *sb)
{
	size_t i, j;

	sbx_map_free(&sb->orders.by_id, order_free);
	free(sb->orders.by_updated);
	free(sb->orders.by_created);
	sbx_map_free(&sb->items_by_id, NULL);
	sbx_map_free(&sb->items_by_itemid, NULL);
	for (i = 0; i < sb->nitems; i++)
		item_free(sb->items[i]);
	free(sb->items);
	for (i = 0; i < sb->ncurrencies; i++) {
		free(sb->currencies[i].id);
		free(sb->currencies[i].symbol);
	}
	free(sb->currencies);
	for (i = 0; i < sb->nrtypes; i++) {
		struct sbx_rtype *t = sb->rtypes[i];

		for (j = 0; j < t->len; j++)
			record_free(t->list[j]);
		free(t->list);
		sbx_map_free(&t->by_eid, NULL);
		sbx_map_free(&t->by_id, NULL);
		free(t->name);
		free(t);
	}
	free(sb->rtypes);
	sbx_finances_free(sb);
	sbx_feeds_free(sb);
	sbx_reports_free(sb);
	sbx_accounts_free(sb);
	sbx_map_free(&sb->tokens, free);
	sbx_map_free(&sb->nonces, NULL);
	free(sb->faults);
	free(sb->amz_client_id);
	free(sb->amz_client_secret);
	free(sb->amz_refresh_token);
	free(sb->ns_account);
	free(sb->ns_client_id);
	free(sb->ns_certificate_id);
	free(sb->ns_consumer_key);
	free(sb->ns_consumer_secret);
	free(sb->ns_token_id);
	free(sb->ns_token_secret);
	EVP_PKEY_free(sb->ns_pubkey);
	pthread_mutex_destroy(&sb->lock);
}

/* ---- orders ------------------------------------------------------------ */

static int
cmp_updated(const void *a, const void *b)
{
	const struct sbx_order *x = *(struct sbx_order *const *)a;
	const struct sbx_order *y = *(struct sbx_order *const *)b;

	if (x->updated_ms != y->updated_ms)
		return x->updated_ms < y->updated_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
cmp_created(const void *a, const void *b)
{
	const struct sbx_order *x = *(struct sbx_order *const *)a;
	const struct sbx_order *y = *(struct sbx_order *const *)b;

	if (x->created_ms != y->created_ms)
		return x->created_ms < y->created_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

void
sbx_orders_sort(struct sbx *sb)
{
	struct sbx_orders *os = &sb->orders;

	if (!os->dirty)
		return;
	qsort(os->by_updated, os->len, sizeof *os->by_updated, cmp_updated);
	qsort(os->by_created, os->len, sizeof *os->by_created, cmp_created);
	os->dirty = 0;
}

struct sbx_order *
sbx_orders_find(struct sbx *sb, const char *id)
{
	return sbx_map_get(&sb->orders.by_id, id);
}

/* Insert `o` (new) or move its fields into the existing entry. */
static int
orders_upsert(struct sbx *sb, struct sbx_order *o)
{
	struct sbx_orders *os = &sb->orders;
	struct sbx_order *cur = sbx_map_get(&os->by_id, o->id);
	int rc;

	if (cur != NULL) {
		free(cur->json);
		cur->json = o->json;
		o->json = NULL;
		cur->updated_ms = o->updated_ms;
		cur->created_ms = o->created_ms;
		cur->gen_index = o->gen_index;
		memcpy(cur->marketplace, o->marketplace, sizeof cur->marketplace);
		memcpy(cur->fstatus, o->fstatus, sizeof cur->fstatus);
		memcpy(cur->fby, o->fby, sizeof cur->fby);
		order_free(o);
		os->dirty = 1;
		return 0;
	}
	if (os->len == os->cap) {
		size_t ncap = os->cap ? os->cap * 2 : 256;
		struct sbx_order **a = realloc(os->by_updated, ncap * sizeof *a);

		if (a == NULL)
			goto nomem;
		os->by_updated = a;
		a = realloc(os->by_created, ncap * sizeof *a);
		if (a == NULL)
			goto nomem;
		os->by_created = a;
		os->cap = ncap;
	}
	if ((rc = sbx_map_put(&os->by_id, o->id, o, NULL)) < 0) {
		order_free(o);
		return rc;
	}
	os->by_updated[os->len] = o;
	os->by_created[os->len] = o;
	os->len++;
	os->dirty = 1;
	return 0;
nomem:
	order_free(o);
	return SC_ENOMEM;
}

static void
copy_field(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int
sbx_orders_put_json(struct sbx *sb, json_object *order, const char *now_if_missing)
{
	struct sbx_order *o = NULL;
	json_object *sc = NULL, *ful = NULL;
	const char *id, *upd, *cre;
	int rc = SC_EINVALID;

	id = sbx_json_str(order, "orderId");
	if (id == NULL || *id == '\0')
		return SC_EINVALID;
	upd = sbx_json_str(order, "lastUpdatedTime");
	if (upd == NULL && now_if_missing != NULL) {
		json_object_object_add(order, "lastUpdatedTime",
		                       json_object_new_string(now_if_missing));
		upd = now_if_missing;
	}
	cre = sbx_json_str(order, "createdTime");
	if (cre == NULL && upd != NULL) {
		json_object_object_add(order, "createdTime", json_object_new_string(upd));
		cre = sbx_json_str(order, "createdTime");
		upd = sbx_json_str(order, "lastUpdatedTime");
	}
	o = calloc(1, sizeof *o);
	if (o == NULL)
		return SC_ENOMEM;
	o->gen_index = -1;
	if (upd == NULL || sbx_time_parse(&o->updated_ms, upd) < 0 ||
	    sbx_time_parse(&o->created_ms, cre) < 0)
		goto fail;
	json_object_object_get_ex(order, "salesChannel", &sc);
	json_object_object_get_ex(order, "fulfillment", &ful);
	copy_field(o->marketplace, sizeof o->marketplace, sbx_json_str(sc, "marketplaceId"));
	copy_field(o->fstatus, sizeof o->fstatus, sbx_json_str(ful, "fulfillmentStatus"));
	copy_field(o->fby, sizeof o->fby, sbx_json_str(ful, "fulfilledBy"));
	o->id = strdup(id);
	o->json = strdup(json_object_to_json_string_ext(order, SBX_JSON_FLAGS));
	if (o->id == NULL || o->json == NULL) {
		rc = SC_ENOMEM;
		goto fail;
	}
	return orders_upsert(sb, o);
fail:
	order_free(o);
	return rc;
}

int
sbx_orders_put_generated(struct sbx *sb, const struct sbx_order *meta)
{
	struct sbx_order *o = calloc(1, sizeof *o);

	if (o == NULL)
		return SC_ENOMEM;
	*o = *meta;
	o->json = NULL;
	o->id = strdup(meta->id);
	if (o->id == NULL) {
		free(o);
		return SC_ENOMEM;
	}
	return orders_upsert(sb, o);
}

json_object *
sbx_order_object(struct sbx *sb, const struct sbx_order *o)
{
	if (o->gen_index >= 0)
		return sbx_generate_order(sb, o->gen_index);
	return sbx_json_parse(o->json, strlen(o->json), NULL, 0);
}

/* ---- items, currencies ------------------------------------------------- */

static int
set_str(char **dst, const char *src)
{
	char *d = strdup(src ? src : "");

	if (d == NULL)
		return SC_ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

int
sbx_items_put(struct sbx *sb, const char *id, const char *itemid, const char *type,
              const char *displayname)
{
	struct sbx_item *it = sbx_map_get(&sb->items_by_id, id);
	int rc;

	if (it != NULL) {
		if (sbx_map_get(&sb->items_by_itemid, it->itemid) == it)
			sbx_map_del(&sb->items_by_itemid, it->itemid);
	} else {
		struct sbx_item **ni;

		if (sb->nitems == sb->items_cap) {
			size_t ncap = sb->items_cap ? sb->items_cap * 2 : 64;

			ni = realloc(sb->items, ncap * sizeof *ni);
			if (ni == NULL)
				return SC_ENOMEM;
			sb->items = ni;
			sb->items_cap = ncap;
		}
		it = calloc(1, sizeof *it);
		if (it == NULL)
			return SC_ENOMEM;
		if ((rc = set_str(&it->id, id)) < 0 ||
		    (rc = sbx_map_put(&sb->items_by_id, id, it, NULL)) < 0) {
			item_free(it);
			return rc;
		}
		sb->items[sb->nitems++] = it;
	}
	if ((rc = set_str(&it->itemid, itemid)) < 0 ||
	    (rc = set_str(&it->type, type ? type : "inventoryItem")) < 0 ||
	    (rc = set_str(&it->displayname, displayname ? displayname : itemid)) < 0)
		return rc;
	return sbx_map_put(&sb->items_by_itemid, it->itemid, it, NULL);
}

struct sbx_item *
sbx_items_find(struct sbx *sb, const char *id)
{
	return sbx_map_get(&sb->items_by_id, id);
}

struct sbx_item *
sbx_items_find_itemid(struct sbx *sb, const char *itemid)
{
	return sbx_map_get(&sb->items_by_itemid, itemid);
}

int
sbx_currencies_put(struct sbx *sb, const char *id, const char *symbol)
{
	struct sbx_currency *c = sbx_currencies_find(sb, id);

	if (c == NULL) {
		c = realloc(sb->currencies, (sb->ncurrencies + 1) * sizeof *c);
		if (c == NULL)
			return SC_ENOMEM;
		sb->currencies = c;
		c = &sb->currencies[sb->ncurrencies];
		c->id = strdup(id);
		c->symbol = NULL;
		if (c->id == NULL)
			return SC_ENOMEM;
		sb->ncurrencies++;
	}
	return set_str(&c->symbol, symbol);
}

struct sbx_currency *
sbx_currencies_find(struct sbx *sb, const char *id)
{
	size_t i;

	for (i = 0; i < sb->ncurrencies; i++)
		if (strcmp(sb->currencies[i].id, id) == 0)
			return &sb->currencies[i];
	return NULL;
}

/* ---- records ----------------------------------------------------------- */

struct sbx_rtype *
sbx_rtype_get(struct sbx *sb, const char *name, int create)
{
	struct sbx_rtype **nt, *t;
	size_t i;

	for (i = 0; i < sb->nrtypes; i++)
		if (strcmp(sb->rtypes[i]->name, name) == 0)
			return sb->rtypes[i];
	if (!create)
		return NULL;
	nt = realloc(sb->rtypes, (sb->nrtypes + 1) * sizeof *nt);
	if (nt == NULL)
		return NULL;
	sb->rtypes = nt;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->name = strdup(name);
	if (t->name == NULL) {
		free(t);
		return NULL;
	}
	sb->rtypes[sb->nrtypes++] = t;
	return t;
}

struct sbx_record *
sbx_record_find(struct sbx_rtype *t, int64_t id)
{
	char key[24];

	if (t == NULL)
		return NULL;
	snprintf(key, sizeof key, "%" PRId64, id);
	return sbx_map_get(&t->by_id, key);
}

struct sbx_record *
sbx_record_find_eid(struct sbx_rtype *t, const char *eid)
{
	if (t == NULL)
		return NULL;
	return sbx_map_get(&t->by_eid, eid);
}

struct sbx_record *
sbx_record_find_any(struct sbx *sb, int64_t id)
{
	size_t i;

	for (i = 0; i < sb->nrtypes; i++) {
		struct sbx_record *r = sbx_record_find(sb->rtypes[i], id);

		if (r != NULL)
			return r;
	}
	return NULL;
}

int
sbx_record_add(struct sbx_record **out, struct sbx *sb, struct sbx_rtype *t, int64_t id,
               const char *eid, char *body)
{
	struct sbx_record *r = NULL;
	char key[24];
	int rc = SC_ENOMEM;

	*out = NULL;
	if (t->len == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct sbx_record **nl = realloc(t->list, ncap * sizeof *nl);

		if (nl == NULL)
			goto fail;
		t->list = nl;
		t->cap = ncap;
	}
	r = calloc(1, sizeof *r);
	if (r == NULL)
		goto fail;
	r->type = t->name;
	r->id = id > 0 ? id : sb->next_record_id;
	if (r->id >= sb->next_record_id)
		sb->next_record_id = r->id + 1;
	if (eid != NULL && (r->external_id = strdup(eid)) == NULL)
		goto fail;
	r->body = body;
	body = NULL;
	r->created_ms = r->modified_ms = sbx_now_ms();
	snprintf(key, sizeof key, "%" PRId64, r->id);
	if ((rc = sbx_map_put(&t->by_id, key, r, NULL)) < 0)
		goto fail;
	if (eid != NULL && (rc = sbx_map_put(&t->by_eid, eid, r, NULL)) < 0) {
		sbx_map_del(&t->by_id, key);
		goto fail;
	}
	t->list[t->len++] = r;
	*out = r;
	return 0;
fail:
	free(body);
	record_free(r);
	return rc;
}

void
sbx_record_set_body(struct sbx_record *r, char *body)
{
	free(r->body);
	r->body = body;
	r->modified_ms = sbx_now_ms();
}

/* ---- tokens, nonces ------------------------------------------------------ */

static void
tokens_prune(struct sbx *sb)
{
	struct sbx_map keep = { 0 };
	int64_t now = sbx_mono_ms();
	size_t i;

	for (i = 0; i < sb->tokens.cap; i++) {
		struct sbx_map_slot *s = &sb->tokens.slots[i];
		struct sbx_token *t = s->val;

		if (s->key == NULL)
			continue;
		if (t->expires_mono_ms > now && sbx_map_put(&keep, s->key, t, NULL) == 0)
			s->val = NULL;
	}
	sbx_map_free(&sb->tokens, free);
	sb->tokens = keep;
}

int
sbx_token_issue(struct sbx *sb, char *out, size_t n, const char *prefix, int kind,
                int64_t lifetime_s)
{
	struct sbx_token *t = NULL;
	char hex[65];
	int rc;

	if (sb->tokens.len > 256)
		tokens_prune(sb);
	if ((rc = sbx_random_hex(hex, 32)) < 0)
		return rc;
	snprintf(out, n, "%s%s", prefix, hex);
	snprintf(sb->issued[sb->nissued % SBX_ISSUED_MAX], sizeof sb->issued[0], "%s", out);
	sb->nissued++;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return SC_ENOMEM;
	t->kind = kind;
	t->expires_mono_ms = sbx_mono_ms() + (int64_t)((double)lifetime_s * 1000.0 / sb->time_scale);
	if ((rc = sbx_map_put(&sb->tokens, out, t, NULL)) < 0)
		free(t);
	return rc;
}

int
sbx_token_valid(struct sbx *sb, const char *token, int kind)
{
	struct sbx_token *t = sbx_map_get(&sb->tokens, token);

	return t != NULL && t->kind == kind && t->expires_mono_ms > sbx_mono_ms();
}

static void
nonces_prune(struct sbx *sb, int64_t now_s)
{
	struct sbx_map keep = { 0 };
	size_t i;

	for (i = 0; i < sb->nonces.cap; i++) {
		struct sbx_map_slot *s = &sb->nonces.slots[i];

		if (s->key != NULL && (int64_t)(intptr_t)s->val > now_s - 900)
			sbx_map_put(&keep, s->key, s->val, NULL);
	}
	sbx_map_free(&sb->nonces, NULL);
	sb->nonces = keep;
	sb->nonces_pruned_at = keep.len;
}

int
sbx_nonce_remember(struct sbx *sb, const char *key, int64_t now_s)
{
	if (sbx_map_get(&sb->nonces, key) != NULL)
		return 0;
	if (sb->nonces.len > 2 * sb->nonces_pruned_at + 4096)
		nonces_prune(sb, now_s);
	if (sbx_map_put(&sb->nonces, key, (void *)(intptr_t)now_s, NULL) < 0)
		return SC_ENOMEM;
	return 1;
}
