/*
 * master.c: the records an order, a refund or a settlement points at:
 * parties (one per buyer, found by code), their addresses, products (by
 * code = SKU), currencies (by ISO code), accounts (by code, else name) and
 * records named in the conf. Lookups are cached for the run.
 *
 * A party is created with the code "<PREFIX>-CUS-<16 hex>" (party.code is
 * unique in Tryton, so a second create of the same buyer is refused by
 * Tryton itself, never a duplicate), the buyer's name (else the ship-to
 * name) and the ship-to address; a later order to another address adds
 * that address to the party. Addresses carry name, street (the address
 * lines joined by newlines), postal code and city; countries are left out
 * (Tryton's country list is optional and often not loaded).
 */
#include "adapters/tryton/tryton_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "connector/model.h"

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

int
tryton__party_code(char *out, size_t n, const char *external_id, const struct order *o)
{
	const char *key = o->buyer_id != NULL && o->buyer_id[0] != '\0' ? o->buyer_id
	                  : o->buyer_email != NULL && o->buyer_email[0] != '\0' ? o->buyer_email
	                                                                        : NULL;
	size_t plen = strcspn(external_id, "-");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf in;
	int rc, w;

	if (plen == 0 || plen > 16)
		return SC_EINVALID;
	buf_init(&in, 0);
	rc = buf_printf(&in, "%s\n%s%s", nz(o->marketplace), key != NULL ? "buyer:" : "order:",
	                key != NULL ? key : nz(o->id));
	if (rc == 0 && EVP_Digest(in.data, in.len, md, &mdlen, EVP_sha256(), NULL) != 1)
		rc = SC_ERROR;
	buf_free(&in);
	if (rc < 0)
		return rc;
	w = snprintf(out, n, "%.*s-CUS-%02x%02x%02x%02x%02x%02x%02x%02x", (int)plen, external_id,
	             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	return w < 0 || (size_t)w >= n ? SC_ENOSPACE : 0;
}

/* street: the address lines joined by newlines */
static int
put_street(struct buf *b, const struct address *a)
{
	const char *parts[3] = { a->line1, a->line2, a->line3 };
	struct buf s;
	int i, rc = 0;

	buf_init(&s, 0);
	for (i = 0; i < 3 && rc == 0; i++)
		if (parts[i] != NULL && parts[i][0] != '\0')
			rc = s.len > 0 ? buf_printf(&s, "\n%s", parts[i]) : buf_puts(&s, parts[i]);
	if (rc == 0)
		rc = tryton__put_str(b, buf_cstr(&s));
	buf_free(&s);
	return rc;
}

/* "name":..,"street":..,"postal_code":..,"city":.. (no braces) */
static int
put_address(struct buf *b, const struct address *a)
{
	int rc;

	if ((rc = buf_puts(b, "\"name\":")) < 0 || (rc = tryton__put_str(b, nz(a->name))) < 0 ||
	    (rc = buf_puts(b, ",\"street\":")) < 0 || (rc = put_street(b, a)) < 0 ||
	    (rc = buf_puts(b, ",\"postal_code\":")) < 0 ||
	    (rc = tryton__put_str(b, nz(a->postal_code))) < 0 ||
	    (rc = buf_puts(b, ",\"city\":")) < 0)
		return rc;
	return tryton__put_str(b, nz(a->city));
}

/* 1 when Tryton's address record holds what put_address writes. */
static int
address_equal(json_object *rec, const struct address *a)
{
	struct buf want;
	json_object *w = NULL;
	static const char *const keys[] = { "name", "street", "postal_code", "city" };
	size_t i;
	int same = 1;

	buf_init(&want, 0);
	if (buf_puts(&want, "{") < 0 || put_address(&want, a) < 0 || buf_puts(&want, "}") < 0 ||
	    (w = json_tokener_parse(buf_cstr(&want))) == NULL) {
		buf_free(&want);
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && same; i++)
		same = strcmp(nz(tryton__get_str(rec, keys[i])), nz(tryton__get_str(w, keys[i]))) == 0;
	json_object_put(w);
	buf_free(&want);
	return same;
}

/* The party's address equal to the ship-to, else one added. */
static int
address_resolve(struct tryton *t, int64_t party, int created, const struct order *o,
                int64_t *out, struct sc_error *err)
{
	json_object *p = NULL, *addrs = NULL, *ids_v;
	int64_t *ids = NULL;
	size_t n = 0, i;
	struct buf v;
	int rc;

	buf_init(&v, 0);
	if ((rc = tryton__read(t, "party.party", &party, 1, "[\"addresses\"]", &p, err)) < 0)
		goto done;
	ids_v = tryton__member(json_object_array_get_idx(p, 0), "addresses");
	n = ids_v != NULL && json_object_is_type(ids_v, json_type_array)
	        ? json_object_array_length(ids_v) : 0;
	if ((ids = calloc(n + 1, sizeof(*ids))) == NULL) {
		rc = sc_error_set(err, SC_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		if ((rc = tryton__get_id(json_object_array_get_idx(ids_v, i), &ids[i], "address",
		                         err)) != 1) {
			rc = rc < 0 ? rc : sc_error_set(err, SC_EMALFORMED, "party address is null");
			goto done;
		}
	if (created && n == 1) {      /* the one it was created with */
		*out = ids[0];
		rc = 0;
		goto done;
	}
	if (n > 0 && (rc = tryton__read(t, "party.address", ids, n,
	                                "[\"name\",\"street\",\"postal_code\",\"city\"]", &addrs,
	                                err)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if (address_equal(json_object_array_get_idx(addrs, i), &o->ship_to)) {
			*out = ids[i];
			rc = 0;
			goto done;
		}
	if ((rc = buf_printf(&v, "{\"party\":%lld,", (long long)party)) < 0 ||
	    (rc = put_address(&v, &o->ship_to)) < 0 || (rc = buf_puts(&v, "}")) < 0) {
		rc = sc_error_set(err, rc, "out of memory");
		goto done;
	}
	rc = tryton__create(t, "party.address", buf_cstr(&v), out, err);
done:
	json_object_put(p);
	json_object_put(addrs);
	free(ids);
	buf_free(&v);
	return rc;
}

int
tryton__party_resolve(struct tryton *t, const struct order *o, const char *external_id,
                      int64_t *party, int64_t *address, struct sc_error *err)
{
	char code[64];
	const char *name;
	int64_t *ids = NULL;
	size_t n = 0;
	struct buf d;
	int created = 0, rc;

	buf_init(&d, 0);
	if (tryton__party_code(code, sizeof(code), external_id, o) < 0)
		return sc_error_set(err, SC_EINVALID, "order %s: no key for its party", o->id);
	if (!tryton__map_get(&t->parties, code, party, NULL)) {
		if ((rc = buf_puts(&d, "[[\"code\",\"=\",")) < 0 || (rc = tryton__put_str(&d, code)) < 0 ||
		    (rc = buf_puts(&d, "]]")) < 0)
			goto nomem;
		if ((rc = tryton__search(t, "party.party", buf_cstr(&d), 1, &ids, &n, err)) < 0)
			goto fail;
		if (n == 1) {
			*party = ids[0];
		} else {
			name = o->buyer_name != NULL && o->buyer_name[0] != '\0' ? o->buyer_name
			       : o->ship_to.name != NULL && o->ship_to.name[0] != '\0' ? o->ship_to.name
			                                                               : code;
			buf_reset(&d);
			if ((rc = buf_puts(&d, "{\"name\":")) < 0 || (rc = tryton__put_str(&d, name)) < 0 ||
			    (rc = buf_puts(&d, ",\"code\":")) < 0 || (rc = tryton__put_str(&d, code)) < 0 ||
			    (rc = buf_puts(&d, ",\"addresses\":[[\"create\",[{")) < 0 ||
			    (rc = put_address(&d, &o->ship_to)) < 0 || (rc = buf_puts(&d, "}]]]}")) < 0)
				goto nomem;
			if ((rc = tryton__create(t, "party.party", buf_cstr(&d), party, err)) < 0)
				goto fail;
			created = 1;
		}
		if ((rc = tryton__map_put(&t->parties, code, *party, 0)) < 0)
			goto nomem;
	}
	if ((rc = address_resolve(t, *party, created, o, address, err)) < 0)
		goto fail;
	rc = 0;
	goto done;
nomem:
	rc = sc_error_set(err, SC_ENOMEM, "out of memory");
	goto done;
fail:
	sc_error_prefix(err, "order %s: party %s", o->id, code);
done:
	free(ids);
	buf_free(&d);
	return rc;
}

/* search model for [[field, "=", value], extra...]: at most 2 ids. */
static int
search_eq(struct tryton *t, const char *model, const char *field, const char *value,
          const char *extra, int64_t **ids, size_t *n, struct sc_error *err)
{
	struct buf d;
	int rc;

	buf_init(&d, 0);
	if ((rc = buf_printf(&d, "[[\"%s\",\"=\",", field)) < 0 || (rc = tryton__put_str(&d, value)) < 0 ||
	    (rc = buf_printf(&d, "]%s%s]", extra != NULL ? "," : "", extra != NULL ? extra : "")) < 0)
		rc = sc_error_set(err, rc, "out of memory");
	else
		rc = tryton__search(t, model, buf_cstr(&d), 2, ids, n, err);
	buf_free(&d);
	return rc;
}

int
tryton__product_resolve(struct tryton *t, const char *code, int64_t *id, int64_t *uom,
                        struct sc_error *err)
{
	json_object *rec = NULL, *r;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if (tryton__map_get(&t->products, code, id, uom))
		return 0;
	if ((rc = search_eq(t, "product.product", "code", code, NULL, &ids, &n, err)) < 0)
		goto done;
	if (n != 1) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton has %s product with code %s",
		                  n == 0 ? "no" : "more than one", code);
		goto done;
	}
	*id = ids[0];
	if ((rc = tryton__read(t, "product.product", ids, 1, "[\"sale_uom\",\"default_uom\"]", &rec,
	                       err)) < 0)
		goto done;
	r = json_object_array_get_idx(rec, 0);
	if ((rc = tryton__get_id(tryton__member(r, "sale_uom"), uom, "sale_uom", err)) == 0)
		rc = tryton__get_id(tryton__member(r, "default_uom"), uom, "default_uom", err);
	if (rc <= 0) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton product %s has no unit", code);
		goto done;
	}
	if ((rc = tryton__map_put(&t->products, code, *id, *uom)) < 0)
		rc = sc_error_set(err, rc, "out of memory");
done:
	json_object_put(rec);
	free(ids);
	return rc;
}

int
tryton__currency_resolve(struct tryton *t, const char *code, int64_t *id, int *digits,
                         struct sc_error *err)
{
	json_object *rec = NULL, *v;
	int64_t *ids = NULL, d = 0;
	size_t n = 0;
	int rc;

	if (tryton__map_get(&t->currencies, code, id, &d)) {
		*digits = (int)d;
		return 0;
	}
	if ((rc = search_eq(t, "currency.currency", "code", code, NULL, &ids, &n, err)) < 0)
		goto done;
	if (n != 1) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton has %s currency %s",
		                  n == 0 ? "no" : "more than one", code);
		goto done;
	}
	*id = ids[0];
	if ((rc = tryton__read(t, "currency.currency", ids, 1, "[\"digits\"]", &rec, err)) < 0)
		goto done;
	v = tryton__member(json_object_array_get_idx(rec, 0), "digits");
	d = v != NULL && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
	if (d < 0 || d > 4) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton currency %s has %lld digits", code,
		                  (long long)d);
		goto done;
	}
	*digits = (int)d;
	if ((rc = tryton__map_put(&t->currencies, code, *id, d)) < 0)
		rc = sc_error_set(err, rc, "out of memory");
done:
	json_object_put(rec);
	free(ids);
	return rc;
}

int
tryton__account_resolve(struct tryton *t, const char *name, int64_t *id, int *party_required,
                        struct sc_error *err)
{
	char company[48];
	json_object *rec = NULL;
	int64_t *ids = NULL, pr = 0;
	size_t n = 0;
	int rc;

	if (tryton__map_get(&t->accounts, name, id, &pr)) {
		*party_required = (int)pr;
		return 0;
	}
	snprintf(company, sizeof(company), "[\"company\",\"=\",%lld]", (long long)t->company_id);
	if ((rc = search_eq(t, "account.account", "code", name, company, &ids, &n, err)) < 0)
		goto done;
	if (n == 0) {
		free(ids);
		ids = NULL;
		if ((rc = search_eq(t, "account.account", "name", name, company, &ids, &n, err)) < 0)
			goto done;
	}
	if (n != 1) {
		rc = sc_error_set(err, SC_EINVALID, "Tryton has %s account with code or name \"%s\"",
		                  n == 0 ? "no" : "more than one", name);
		goto done;
	}
	*id = ids[0];
	if ((rc = tryton__read(t, "account.account", ids, 1, "[\"party_required\"]", &rec, err)) < 0)
		goto done;
	pr = tryton__get_bool(tryton__member(json_object_array_get_idx(rec, 0), "party_required"));
	*party_required = (int)pr;
	if ((rc = tryton__map_put(&t->accounts, name, *id, pr)) < 0)
		rc = sc_error_set(err, rc, "out of memory");
done:
	json_object_put(rec);
	free(ids);
	return rc;
}

int
tryton__named(struct tryton *t, const char *model, const char *name, int64_t *id,
              struct sc_error *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if ((rc = search_eq(t, model, "name", name, NULL, &ids, &n, err)) < 0)
		return rc;
	if (n == 1)
		*id = ids[0];
	else
		rc = sc_error_set(err, SC_EINVALID, "Tryton has %s %s named \"%s\"",
		                  n == 0 ? "no" : "more than one", model, name);
	free(ids);
	return rc;
}
