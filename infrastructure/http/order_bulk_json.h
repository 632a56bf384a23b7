/*
 * Splitting of a bulk create body (POST /api/v1/orders/bulk) into its
 * elements, each then decoded on its own by order_json_decode_create.
 * Status mapping as in order_create_json.h.
 */
#ifndef OS_ORDER_BULK_JSON_H
#define OS_ORDER_BULK_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/status.h"

#define ORDER_JSON_BULK_MAX 100

/* Where one element of a bulk array lies in the body. is_object false means
 * the element was not an object (the slice is then empty). */
struct order_json_slice {
	bool is_object;
	size_t offset;
	size_t len;
};

/*
 * Splits a bulk body (a JSON array of up to max <= ORDER_JSON_BULK_MAX
 * elements, read within json_limits_bulk) into element slices. *n counts
 * them. OS_EINVAL if the body is not a well-formed array (field ""), or more
 * than max elements (field "").
 */
enum os_status order_json_split_bulk(const char *body, size_t len, struct order_json_slice *out,
				     size_t max, size_t *n, struct os_error *err);

#endif
