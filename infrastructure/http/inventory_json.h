/*
 * JSON codec of the inventory routes: an item {"item_id", "name", "price",
 * "available_qty"} out; the PUT body {"name", "price", "available_qty"} and
 * the adjust body {"delta"} in. Decoding failures are OS_EINVAL (400) with
 * the field named, as in order_create_json.h.
 */
#ifndef OS_INVENTORY_JSON_H
#define OS_INVENTORY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "app/inventory.h"
#include "app/sbuf.h"

/* Fills out's name, price and quantity (all three required; price a
 * decimal string or number with at most two decimals). item_id is left. */
enum os_status inventory_json_decode_put(const char *body, size_t len, struct inventory_item *out,
					 struct os_error *err);

/* {"delta": integer} */
enum os_status inventory_json_decode_adjust(const char *body, size_t len, int64_t *delta,
					    struct os_error *err);

void inventory_json_item(struct sbuf *sb, const struct inventory_item *it);

#endif
