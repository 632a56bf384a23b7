/*
 * Decoding of a payment callback body (POST /api/v1/payments/callback).
 * Status mapping as in order_create_json.h.
 */
#ifndef OS_CALLBACK_JSON_H
#define OS_CALLBACK_JSON_H

#include <stddef.h>

#include "app/payment_callback.h"
#include "domain/status.h"

/*
 * Decodes a payment callback {"id", "user_id", "order_id", "amount",
 * "status", "idempotency_key", "created_at"}. amount is a string "350.00" or
 * a number with at most two decimals, read from its text (never a double).
 * order_id, amount, status and idempotency_key are required. out->raw and
 * request_id are left for the caller. *out is written only on OS_OK.
 */
enum os_status order_json_decode_callback(const char *body, size_t len,
					  struct payment_callback *out, struct os_error *err);

#endif
