/*
 * The catalog over the local `inventory` table (app/catalog.h), used when no
 * catalog service is configured. A plain read: the stock that counts is the
 * one the order's own transaction reserves.
 */
#include "infrastructure/postgres/pg_inventory_catalog.h"

#include <string.h>

#include "app/catalog.h"
#include "infrastructure/postgres/pg_exec.h"

static const struct pg_stmt stmt_item = {
    "inventory_get",
    "SELECT name, price_cents, available_qty FROM inventory WHERE item_id = $1",
    1,
};

static enum os_status inventory_get(void *ctx, const char *item_id, struct catalog_item *out,
				    struct os_error *err)
{
	struct pg_params p;
	PGresult *r = NULL;
	struct catalog_item it;
	enum os_status st;

	pg_params_init(&p);
	pg_params_text(&p, item_id);
	st = pg_exec(ctx, &stmt_item, &p, &r, err);
	if (st != OS_OK)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog: %s", "database unavailable");
	if (PQntuples(r) == 0)
		st = os_fail(err, OS_ENOTFOUND, "item_id", "unknown item");
	else if (pg_col_str(r, 0, 0, it.name, sizeof(it.name)) != OS_OK ||
		 pg_col_i64(r, 0, 1, &it.price_cents) != OS_OK ||
		 pg_col_i64(r, 0, 2, &it.available_qty) != OS_OK)
		st = os_fail(err, OS_EUNAVAIL, NULL, "catalog: unreadable item");
	else
		*out = it;
	PQclear(r);
	return st;
}

static const struct pg_stmt stmt_items = {
    "inventory_get_many",
    "SELECT array_position($1::text[], v.item_id), v.name, v.price_cents, v.available_qty "
    "FROM inventory v WHERE v.item_id = ANY ($1::text[])",
    1,
};

/* Fills the answer of row i of r into ids' slot; false when unreadable. */
static bool inventory_row(const PGresult *r, int i, size_t n, struct catalog_item *out,
			  enum os_status *st)
{
	struct catalog_item it;
	int64_t k;

	if (pg_col_i64(r, i, 0, &k) != OS_OK || k < 1 || (uint64_t)k > n ||
	    pg_col_str(r, i, 1, it.name, sizeof(it.name)) != OS_OK ||
	    pg_col_i64(r, i, 2, &it.price_cents) != OS_OK ||
	    pg_col_i64(r, i, 3, &it.available_qty) != OS_OK)
		return false;
	out[k - 1] = it;
	st[k - 1] = OS_OK;
	return true;
}

/* Every line in one statement: one round trip however many lines. */
static void inventory_get_many(void *ctx, const char *const *ids, size_t n,
			       struct catalog_item *out, enum os_status *st, struct os_error *err)
{
	struct pg_params p;
	struct sbuf arr;
	PGresult *r = NULL;
	enum os_status rc;
	size_t i;
	int row;

	sbuf_init(&arr, 64 * 1024);
	pg_array_begin(&arr);
	for (i = 0; i < n; i++)
		pg_array_elem(&arr, ids[i]);
	pg_array_end(&arr);
	pg_params_init(&p);
	pg_params_text(&p, arr.buf);
	rc = sbuf_ok(&arr) ? pg_exec(ctx, &stmt_items, &p, &r, NULL) : OS_ETOOBIG;
	for (i = 0; i < n; i++)
		st[i] = rc == OS_OK ? OS_ENOTFOUND : OS_EUNAVAIL;
	for (row = 0; rc == OS_OK && row < PQntuples(r); row++)
		if (!inventory_row(r, row, n, out, st))
			rc = OS_EIO;
	if (rc == OS_EIO)
		for (i = 0; i < n; i++)
			st[i] = OS_EUNAVAIL;
	/* A row answers the first line of its item: later lines of the same
	 * item take its answer. */
	for (i = 1; rc == OS_OK && i < n; i++) {
		size_t k;

		for (k = 0; k < i && st[i] == OS_ENOTFOUND; k++) {
			if (st[k] == OS_OK && strcmp(ids[k], ids[i]) == 0) {
				out[i] = out[k];
				st[i] = OS_OK;
			}
		}
	}
	for (i = 0; i < n && err != NULL; i++) {
		if (st[i] == OS_OK)
			continue;
		if (st[i] == OS_ENOTFOUND)
			os_fail(err, OS_ENOTFOUND, "item_id", "unknown item");
		else
			os_fail(err, OS_EUNAVAIL, NULL, "catalog: %s", "database unavailable");
		break;
	}
	PQclear(r);
	sbuf_release(&arr);
}

static const struct catalog_ops pg_inventory_catalog_ops = {
    .get = inventory_get,
    .get_many = inventory_get_many,
};

void pg_inventory_catalog_init(struct catalog *out, struct pg_session *s)
{
	out->ops = &pg_inventory_catalog_ops;
	out->ctx = s;
}
