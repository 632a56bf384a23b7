/*
 * The catalog port: names, prices and stock of items. Two adapters implement
 * it: the HTTP catalog service and the local `inventory` table. It is never
 * called while a database transaction is open.
 */
#ifndef OS_CATALOG_H
#define OS_CATALOG_H

#include <stdint.h>

#include "../domain/order.h"
#include "../domain/status.h"

struct catalog_item {
	char name[ORDER_ITEM_NAME_MAX + 1];
	int64_t price_cents;
	int64_t available_qty;
};

/*
 * Looks up item_id (NUL-terminated, already checked by order_check_ident).
 * Returns OS_OK and fills *out; OS_ENOTFOUND for an unknown item; OS_EUNAVAIL
 * when the catalog is unreachable, times out, answers 5xx or answers
 * something that does not parse or breaks the bounds (never OS_ENOTFOUND for
 * those). *out is written only on success.
 */
typedef enum os_status catalog_get_fn(void *ctx, const char *item_id,
				      struct catalog_item *out, struct os_error *err);

struct catalog_ops {
	catalog_get_fn *get;
};

struct catalog {
	const struct catalog_ops *ops;
	void *ctx;
};

static inline enum os_status catalog_get(const struct catalog *c, const char *item_id,
					 struct catalog_item *out, struct os_error *err)
{
	return c->ops->get(c->ctx, item_id, out, err);
}

#endif
