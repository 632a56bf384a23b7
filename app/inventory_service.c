/* The inventory use cases: the rules of an item and an adjustment, then the
 * port. See inventory.h. */
#include <string.h>

#include "app/inventory.h"

static enum os_status check_id(const char *item_id, const char *field, struct os_error *err)
{
	if (item_id == NULL ||
	    order_check_item_id(item_id, strnlen(item_id, ORDER_ITEM_ID_MAX + 1)) != OS_OK)
		return os_fail(err, OS_EINVAL, field,
			       "must be 1 to %d letters, digits or -_.:", ORDER_ITEM_ID_MAX);
	return OS_OK;
}

enum os_status inventory_get(const struct inventory *inv, const char *item_id,
			     struct inventory_item *out, struct os_error *err)
{
	enum os_status st = check_id(item_id, "item_id", err);

	return st != OS_OK ? st : inv->ops->get(inv->ctx, item_id, out, err);
}

enum os_status inventory_list(const struct inventory *inv, const char *after, size_t limit,
			      struct inventory_item *out, size_t *n, struct os_error *err)
{
	enum os_status st;

	if (after == NULL)
		after = "";
	if (after[0] != '\0' && (st = check_id(after, "after", err)) != OS_OK)
		return st;
	if (limit == 0)
		limit = INVENTORY_LIST_DEFAULT;
	if (limit > INVENTORY_LIST_MAX)
		return os_fail(err, OS_EINVAL, "limit", "must be from 1 to %d", INVENTORY_LIST_MAX);
	return inv->ops->list(inv->ctx, after, limit, out, n, err);
}

enum os_status inventory_put(const struct inventory *inv, const struct inventory_item *item,
			     bool *created, struct os_error *err)
{
	size_t name_len = strnlen(item->name, sizeof(item->name));
	enum os_status st = check_id(item->item_id, "item_id", err);

	if (st != OS_OK)
		return st;
	if (name_len == 0 ||
	    order_check_text(item->name, name_len, ORDER_ITEM_NAME_MAX, false) != OS_OK)
		return os_fail(err, OS_EINVAL, "name",
			       "must be 1 to %d bytes without control characters",
			       ORDER_ITEM_NAME_MAX);
	if (item->price_cents < 0 || item->price_cents > INVENTORY_PRICE_MAX)
		return os_fail(err, OS_EINVAL, "price", "must be from 0.00 to 1000000000.00");
	if (item->available_qty < 0 || item->available_qty > INVENTORY_QTY_MAX)
		return os_fail(err, OS_EINVAL, "available_qty", "must be from 0 to %lld",
			       (long long)INVENTORY_QTY_MAX);
	return inv->ops->put(inv->ctx, item, created, err);
}

enum os_status inventory_adjust(const struct inventory *inv, const char *item_id, int64_t delta,
				struct inventory_item *out, struct os_error *err)
{
	enum os_status st = check_id(item_id, "item_id", err);

	if (st != OS_OK)
		return st;
	if (delta == 0 || delta > INVENTORY_DELTA_MAX || delta < -INVENTORY_DELTA_MAX)
		return os_fail(err, OS_EINVAL, "delta",
			       "must be a non-zero integer from -%lld to %lld",
			       (long long)INVENTORY_DELTA_MAX, (long long)INVENTORY_DELTA_MAX);
	return inv->ops->adjust(inv->ctx, item_id, delta, out, err);
}
