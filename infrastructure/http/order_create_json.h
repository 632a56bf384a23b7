/*
 * Decoding of a create body (POST /api/v1/orders, and each element of a
 * bulk body).
 *
 * Every body decoder of the API (this one, order_bulk_json.h,
 * order_cancel_json.h, callback_json.h, ingress_json.h, inventory_json.h)
 * reads hostile input with the one JSON reader (infrastructure/json,
 * json_limits_api: no tree is built) and checks identifier strings against
 * the domain's bounds and ORDER_MAX_ITEMS lines. Their statuses map to HTTP
 * as follows, and the handlers keep to it: OS_EINVAL = the document is not
 * what the route reads (syntax, wrong JSON type, missing or duplicate key,
 * bad uuid text, a bound broken) -> 400, with err->field naming the field
 * ("items[1].quantity"); OS_ETOOBIG = larger than the reader's limit -> 413;
 * OS_EMISMATCH = readable but contradictory (Idempotency-Key header and body
 * differ) -> 422. Business rules (quantity range, identifier characters) are
 * the use case's, and the use case's OS_EINVAL -> 422.
 */
#ifndef OS_ORDER_CREATE_JSON_H
#define OS_ORDER_CREATE_JSON_H

#include <stddef.h>

#include "app/order_service.h"
#include "domain/status.h"

/*
 * Decodes a create body of len bytes: {"user_id", "idempotency_key",
 * "items": [{"item_id", "quantity"}]} or the single-item form {"user_id",
 * "idempotency_key", "item_id", "quantity"}; either may add "customer":
 * {"name", "email"} (both required in it) and "shipping_address" (a string
 * of at most ORDER_ADDRESS_MAX bytes), each optional and null meaning
 * absent. key_header (key_len bytes, may be NULL) is the Idempotency-Key
 * header: it may replace the body's key, and both present and different is
 * OS_EMISMATCH. Unknown keys are ignored. *out is written only on OS_OK (its
 * trace is left zeroed for the caller).
 */
enum os_status order_json_decode_create(const char *body, size_t len, const char *key_header,
					size_t key_len, struct order_create_request *out,
					struct os_error *err);

#endif
