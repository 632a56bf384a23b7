/*
 * The local catalog's management (DESIGN §4 inventory routes): the port over
 * the `inventory` table and the use cases behind GET/PUT
 * /api/v1/inventory/{item_id}, GET /api/v1/inventory and POST
 * /api/v1/inventory/{item_id}/adjust. Stock never goes below zero: an
 * adjustment is one atomic conditional update, so concurrent adjustments and
 * orders reserving stock can never oversell.
 */
#ifndef OS_INVENTORY_H
#define OS_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"
#include "domain/status.h"

#define INVENTORY_LIST_MAX     100
#define INVENTORY_LIST_DEFAULT 20
#define INVENTORY_QTY_MAX      INT64_C(1000000000000) /* units of one item */
#define INVENTORY_DELTA_MAX    INT64_C(1000000000)    /* |delta| of one adjustment */
#define INVENTORY_PRICE_MAX    INT64_C(100000000000)  /* cents of one unit */

struct inventory_item {
	char item_id[ORDER_ITEM_ID_MAX + 1];
	char name[ORDER_ITEM_NAME_MAX + 1];
	int64_t price_cents;
	int64_t available_qty;
};

/* OS_OK with *out, or OS_ENOTFOUND. */
typedef enum os_status inventory_get_fn(void *ctx, const char *item_id, struct inventory_item *out,
					struct os_error *err);
/* Items in item_id order after `after` ("" = from the start), at most limit
 * (1..INVENTORY_LIST_MAX); out[0..*n). */
typedef enum os_status inventory_list_fn(void *ctx, const char *after, size_t limit,
					 struct inventory_item *out, size_t *n,
					 struct os_error *err);
/* Inserts or replaces the item; *created says which. */
typedef enum os_status inventory_put_fn(void *ctx, const struct inventory_item *item, bool *created,
					struct os_error *err);
/* Adds delta to the item's stock in one atomic statement, unless the result
 * would leave 0..INVENTORY_QTY_MAX: then OS_ECONFLICT and nothing changes.
 * OS_ENOTFOUND for no such item. *out is the item after the change. */
typedef enum os_status inventory_adjust_fn(void *ctx, const char *item_id, int64_t delta,
					   struct inventory_item *out, struct os_error *err);

struct inventory_ops {
	inventory_get_fn *get;
	inventory_list_fn *list;
	inventory_put_fn *put;
	inventory_adjust_fn *adjust;
};

struct inventory {
	const struct inventory_ops *ops;
	void *ctx;
};

/*
 * The use cases: each checks its input and names the field that breaks a
 * rule (OS_EINVAL: "item_id", "name", "price", "available_qty", "delta",
 * "after", "limit"), then calls the port. limit 0 means the default.
 */
enum os_status inventory_get(const struct inventory *inv, const char *item_id,
			     struct inventory_item *out, struct os_error *err);
enum os_status inventory_list(const struct inventory *inv, const char *after, size_t limit,
			      struct inventory_item *out, size_t *n, struct os_error *err);
enum os_status inventory_put(const struct inventory *inv, const struct inventory_item *item,
			     bool *created, struct os_error *err);
enum os_status inventory_adjust(const struct inventory *inv, const char *item_id, int64_t delta,
				struct inventory_item *out, struct os_error *err);

#endif
