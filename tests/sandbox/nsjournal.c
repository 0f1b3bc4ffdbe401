/* nsjournal.c: NetSuite accounts (the chart of accounts the seed gives,
 * also the SuiteQL table `account`) and the checks NetSuite makes on a
 * journalEntry: its `line` sublist {"items":[{"account":{"id"},"debit"|
 * "credit","memo"?,"entity"?,...}]} must name existing accounts (when the
 * sandbox has any), give each line exactly one positive debit or credit,
 * and balance: the debits equal the credits exactly (decimal arithmetic on
 * the JSON number text, never a double). */
#include "tests/sandbox/sandbox.h"
#include "connector/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accounts ------------------------------------------------------------------- */

struct sbx_account *
sbx_accounts_find(struct sbx *sb, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < sb->naccounts; i++)
		if (strcmp(sb->accounts[i].id, id) == 0)
			return &sb->accounts[i];
	return NULL;
}

static void
account_clear(struct sbx_account *a)
{
	free(a->id);
	free(a->acctnumber);
	free(a->name);
	free(a->type);
	memset(a, 0, sizeof *a);
}

int
sbx_accounts_put(struct sbx *sb, const char *id, const char *acctnumber, const char *name,
                 const char *type)
{
	struct sbx_account *a = sbx_accounts_find(sb, id), n;

	memset(&n, 0, sizeof n);
	n.id = strdup(id);
	n.acctnumber = strdup(acctnumber != NULL ? acctnumber : "");
	n.name = strdup(name != NULL ? name : acctnumber != NULL ? acctnumber : id);
	n.type = strdup(type != NULL ? type : "OthCurrAsset");
	if (n.id == NULL || n.acctnumber == NULL || n.name == NULL || n.type == NULL) {
		account_clear(&n);
		return SC_ENOMEM;
	}
	if (a == NULL) {
		a = realloc(sb->accounts, (sb->naccounts + 1) * sizeof *a);
		if (a == NULL) {
			account_clear(&n);
			return SC_ENOMEM;
		}
		sb->accounts = a;
		a = &sb->accounts[sb->naccounts++];
	} else {
		account_clear(a);
	}
	*a = n;
	return 0;
}

void
sbx_accounts_free(struct sbx *sb)
{
	size_t i;

	for (i = 0; i < sb->naccounts; i++)
		account_clear(&sb->accounts[i]);
	free(sb->accounts);
	sb->accounts = NULL;
	sb->naccounts = 0;
}

/* ---- journal entries --------------------------------------------------------------- */

static json_object *
line_items(json_object *body)
{
	json_object *sub = NULL, *items = NULL;

	if (json_object_object_get_ex(body, "line", &sub) &&
	    json_object_is_type(sub, json_type_object) &&
	    json_object_object_get_ex(sub, "items", &items) &&
	    json_object_is_type(items, json_type_array))
		return items;
	return NULL;
}

static const char *
account_id(json_object *line)
{
	json_object *ref = NULL, *id = NULL;

	if (!json_object_object_get_ex(line, "account", &ref) ||
	    !json_object_is_type(ref, json_type_object) || !json_object_object_get_ex(ref, "id", &id))
		return NULL;
	if (json_object_is_type(id, json_type_string) || json_object_is_type(id, json_type_int))
		return json_object_get_string(id);
	return NULL;
}

/* A debit or credit: 0 absent (or JSON null), 1 with *out, -1 not a decimal >= 0. */
static int
line_amount(json_object *line, const char *key, struct sbx_dec *out)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(line, key, &v) || v == NULL)
		return 0;
	if (!(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
	      json_object_is_type(v, json_type_string)) ||
	    sbx_dec_parse(out, json_object_get_string(v)) < 0 || out->units < 0)
		return -1;
	return 1;
}

int
sbx_journal_validate(struct sbx *sb, json_object *body, int creating, struct sbx_nserr *err)
{
	struct sbx_dec debits = { 0, 0 }, credits = { 0, 0 }, diff;
	json_object *lines = line_items(body);
	char path[64], a[48], b[48];
	size_t i, n;

	if (json_object_object_get_ex(body, "line", NULL) && lines == NULL) {
		sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", "line", "Invalid Field Value for the "
		              "following field: line (a sublist is {\"items\":[...]})");
		return -1;
	}
	n = lines != NULL ? json_object_array_length(lines) : 0;
	if (lines == NULL && !creating)
		return 0;               /* an update that keeps the lines */
	if (n == 0) {
		sbx_nserr_set(err, 400, "USER_ERROR", "line",
		              "You must enter at least one line item for this transaction.");
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_object *line = json_object_array_get_idx(lines, i), *ref = NULL;
		const char *acct = account_id(line);
		struct sbx_dec d = { 0, 0 }, c = { 0, 0 };
		int hd, hc;

		snprintf(path, sizeof path, "line.items[%zu].account", i);
		if (acct == NULL) {
			json_object_object_get_ex(line, "account", &ref);
			if (ref != NULL)
				sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", path, "Invalid Field Value %.100s "
				              "for the following field: account",
				              json_object_to_json_string_ext(ref, SBX_JSON_FLAGS));
			else
				sbx_nserr_set(err, 400, "USER_ERROR", path, "Please enter value(s) for: Account");
			return -1;
		}
		if (sb->naccounts > 0 && sbx_accounts_find(sb, acct) == NULL) {
			sbx_nserr_set(err, 400, "INVALID_KEY_OR_REF", path, "Invalid Field Value %.60s for "
			              "the following field: account", acct);
			return -1;
		}
		hd = line_amount(line, "debit", &d);
		hc = line_amount(line, "credit", &c);
		if (hd < 0 || hc < 0) {
			snprintf(path, sizeof path, "line.items[%zu].%s", i, hd < 0 ? "debit" : "credit");
			sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", path, "Invalid Field Value for the "
			              "following field: %s", hd < 0 ? "debit" : "credit");
			return -1;
		}
		if ((hd && d.units != 0) == (hc && c.units != 0)) {
			snprintf(path, sizeof path, "line.items[%zu]", i);
			sbx_nserr_set(err, 400, "USER_ERROR", path, "Line %zu of a journal entry needs a "
			              "debit or a credit amount (one, not both).", i + 1);
			return -1;
		}
		if ((hd && sbx_dec_add(&debits, &d) < 0) || (hc && sbx_dec_add(&credits, &c) < 0)) {
			sbx_nserr_set(err, 400, "INVALID_FLD_VALUE", "line", "The amounts are too large.");
			return -1;
		}
	}
	diff = credits;
	diff.units = -diff.units;
	if (sbx_dec_add(&diff, &debits) < 0 || diff.units != 0) {
		if (debits.scale < credits.scale)
			sbx_dec_add(&debits, &(struct sbx_dec){ 0, credits.scale });
		if (credits.scale < debits.scale)
			sbx_dec_add(&credits, &(struct sbx_dec){ 0, debits.scale });
		sbx_dec_format(a, sizeof a, &debits);
		sbx_dec_format(b, sizeof b, &credits);
		sbx_nserr_set(err, 400, "USER_ERROR", "line", "The transaction is out of balance: the "
		              "debits total %s, the credits %s.", a, b);
		return -1;
	}
	return 0;
}

void
sbx_journal_ref_names(struct sbx *sb, json_object *record)
{
	json_object *lines = line_items(record);
	size_t i;

	for (i = 0; lines != NULL && i < json_object_array_length(lines); i++) {
		json_object *line = json_object_array_get_idx(lines, i), *ref = NULL;
		struct sbx_account *a = sbx_accounts_find(sb, account_id(line));
		char name[256];

		if (a == NULL || !json_object_object_get_ex(line, "account", &ref))
			continue;
		snprintf(name, sizeof name, "%s%s%s", a->acctnumber, a->acctnumber[0] ? " " : "", a->name);
		json_object_object_add(ref, "refName", json_object_new_string(name));
	}
}
