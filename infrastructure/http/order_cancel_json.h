/*
 * Decoding of a cancel body (POST /api/v1/orders/{id}/cancel). Status
 * mapping as in order_create_json.h.
 */
#ifndef OS_ORDER_CANCEL_JSON_H
#define OS_ORDER_CANCEL_JSON_H

#include <stddef.h>

#include "domain/order.h"
#include "domain/status.h"

/* Decodes an optional cancel body {"reason": string}; an empty body gives
 * "". reason must hold ORDER_REASON_MAX + 1 bytes; written only on OS_OK. */
enum os_status order_json_decode_cancel(const char *body, size_t len, char *reason,
					struct os_error *err);

#endif
