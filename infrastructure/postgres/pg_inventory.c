/*
 * The inventory port over PostgreSQL. An adjustment is one conditional
 * UPDATE: under concurrent adjustments PostgreSQL re-checks the condition
 * against the row as the previous writer left it, so stock never goes below
 * zero and no unit is sold twice (the table's CHECK is the backstop).
 */
#include "infrastructure/postgres/pg_inventory.h"

#include <stdio.h>
#include <string.h>

#include "infrastructure/postgres/pg_exec.h"
#include "infrastructure/postgres/pg_rows.h"

#define ITEM_COLS "item_id, name, price_cents, available_qty"

static const struct pg_stmt stmt_get = {
    "inventory_item_get",
    "SELECT " ITEM_COLS " FROM inventory WHERE item_id = $1",
    1,
};

static const struct pg_stmt stmt_list = {
    "inventory_item_list",
    "SELECT " ITEM_COLS " FROM inventory WHERE item_id > $1 ORDER BY item_id LIMIT $2",
    2,
};

static const struct pg_stmt stmt_put = {
    "inventory_item_put",
    "INSERT INTO inventory (item_id, name, price_cents, available_qty) "
    "VALUES ($1, $2, $3::bigint, $4::bigint) ON CONFLICT (item_id) DO UPDATE SET "
    "name = excluded.name, price_cents = excluded.price_cents, "
    "available_qty = excluded.available_qty RETURNING (xmax = 0)",
    4,
};

/* One row always: the item after the change (NULLs when nothing changed) and
 * whether the item exists at all. */
static const struct pg_stmt stmt_adjust = {
    "inventory_item_adjust",
    "WITH u AS (UPDATE inventory SET available_qty = available_qty + $2::bigint "
    "WHERE item_id = $1 AND available_qty + $2::bigint BETWEEN 0 AND $3::bigint "
    "RETURNING " ITEM_COLS ") "
    "SELECT u.item_id, u.name, u.price_cents, u.available_qty, "
    "EXISTS (SELECT 1 FROM inventory WHERE item_id = $1) FROM (SELECT 1) one "
    "LEFT JOIN u ON true",
    3,
};

static enum os_status decode_item(const PGresult *r, int row, void *item)
{
	struct inventory_item *out = item;

	if (pg_col_str(r, row, 0, out->item_id, sizeof(out->item_id)) != OS_OK ||
	    pg_col_str(r, row, 1, out->name, sizeof(out->name)) != OS_OK ||
	    pg_col_i64(r, row, 2, &out->price_cents) != OS_OK ||
	    pg_col_i64(r, row, 3, &out->available_qty) != OS_OK)
		return OS_EIO;
	return OS_OK;
}

static enum os_status inv_get(void *ctx, const char *item_id, struct inventory_item *out,
			      struct os_error *err)
{
	struct inventory_item it;
	struct pg_rows rows = {decode_item, &it, sizeof(it), 1, "inventory"};
	struct pg_params p;
	size_t n = 0;
	enum os_status st;

	pg_params_init(&p);
	pg_params_text(&p, item_id);
	st = pg_exec_rows(ctx, &stmt_get, &p, &rows, &n, err);
	if (st == OS_OK && n == 0)
		st = os_fail(err, OS_ENOTFOUND, "item_id", "no item %s", item_id);
	if (st == OS_OK)
		*out = it;
	return st;
}

static enum os_status inv_list(void *ctx, const char *after, size_t limit,
			       struct inventory_item *out, size_t *n, struct os_error *err)
{
	struct pg_rows rows = {decode_item, out, sizeof(*out), limit, "inventory"};
	char lim[24];
	struct pg_params p;

	pg_params_init(&p);
	pg_params_text(&p, after);
	pg_params_text(&p, pg_i64_text((int64_t)limit, lim, sizeof(lim)));
	return pg_exec_rows(ctx, &stmt_list, &p, &rows, n, err);
}

static enum os_status inv_put(void *ctx, const struct inventory_item *item, bool *created,
			      struct os_error *err)
{
	char price[24], qty[24];
	struct pg_params p;
	PGresult *r = NULL;
	enum os_status st;

	pg_params_init(&p);
	pg_params_text(&p, item->item_id);
	pg_params_text(&p, item->name);
	pg_params_text(&p, pg_i64_text(item->price_cents, price, sizeof(price)));
	pg_params_text(&p, pg_i64_text(item->available_qty, qty, sizeof(qty)));
	st = pg_exec(ctx, &stmt_put, &p, &r, err);
	if (st != OS_OK)
		return st;
	if (PQntuples(r) != 1)
		st = os_fail(err, OS_EIO, NULL, "inventory: no row written");
	else
		*created = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return st;
}

static enum os_status inv_adjust(void *ctx, const char *item_id, int64_t delta,
				 struct inventory_item *out, struct os_error *err)
{
	char d[24], max[24];
	struct inventory_item it;
	struct pg_params p;
	PGresult *r = NULL;
	enum os_status st;

	pg_params_init(&p);
	pg_params_text(&p, item_id);
	pg_params_text(&p, pg_i64_text(delta, d, sizeof(d)));
	pg_params_text(&p, pg_i64_text(INVENTORY_QTY_MAX, max, sizeof(max)));
	st = pg_exec_once(ctx, &stmt_adjust, &p, &r, err);
	if (st != OS_OK)
		return st;
	if (PQntuples(r) != 1)
		st = os_fail(err, OS_EIO, NULL, "inventory: unreadable adjustment");
	else if (!pg_col_null(r, 0, 0))
		st = decode_item(r, 0, &it) == OS_OK
			 ? OS_OK
			 : os_fail(err, OS_EIO, NULL, "inventory: unreadable row");
	else if (PQgetvalue(r, 0, 4)[0] != 't')
		st = os_fail(err, OS_ENOTFOUND, "item_id", "no item %s", item_id);
	else
		st = os_fail(err, OS_ECONFLICT, "delta",
			     "the stock of %s would go below zero (or above %lld)", item_id,
			     (long long)INVENTORY_QTY_MAX);
	if (st == OS_OK)
		*out = it;
	PQclear(r);
	return st;
}

static const struct inventory_ops pg_inventory_ops = {
    .get = inv_get,
    .list = inv_list,
    .put = inv_put,
    .adjust = inv_adjust,
};

void pg_inventory_init(struct inventory *out, struct pg_session *s)
{
	out->ops = &pg_inventory_ops;
	out->ctx = s;
}
