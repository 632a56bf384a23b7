/*
 * The catalog over the local `inventory` table (app/catalog.h), used when no
 * catalog service is configured. A plain read: the stock that counts is the
 * one the order's own transaction reserves.
 */
#include "../../app/catalog.h"
#include "pg_internal.h"

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

static const struct catalog_ops pg_inventory_catalog_ops = {
	.get = inventory_get,
};

void pg_inventory_catalog_init(struct catalog *out, struct pg_session *s)
{
	out->ops = &pg_inventory_catalog_ops;
	out->ctx = s;
}
