/*
 * JSON codecs of the HTTP API (yajl): the create body, the bulk body and the
 * payment callback body in; orders, history, dead letters and the response
 * envelope out.
 *
 * Decoders read hostile input with yajl's callback parser (no tree is built)
 * and their own bounds: nesting depth ORDER_JSON_DEPTH_MAX, at most
 * ORDER_JSON_KEYS_MAX keys in a document, identifier strings within the
 * domain's bounds, ORDER_MAX_ITEMS lines. yajl checks UTF-8 and rejects
 * trailing garbage. Their statuses map to HTTP as follows, and the handlers
 * keep to it: OS_EINVAL = the document is not what the route reads (syntax,
 * wrong JSON type, missing or duplicate key, bad uuid text, a bound broken)
 * -> 400, with err->field naming the field ("items[1].quantity"); OS_EMISMATCH
 * = readable but contradictory (Idempotency-Key header and body differ) ->
 * 422. Business rules (quantity range, identifier characters) are the use
 * case's, and the use case's OS_EINVAL -> 422.
 */
#ifndef OS_ORDER_JSON_H
#define OS_ORDER_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "app/admin_port.h"
#include "app/order_service.h"
#include "app/payment_callback.h"
#include "app/sbuf.h"
#include "domain/order.h"
#include "domain/status.h"

#define ORDER_JSON_DEPTH_MAX 8	 /* = JSON_READER_DEPTH_MAX */
#define ORDER_JSON_KEYS_MAX  256 /* = JSON_READER_KEYS_MAX */
#define ORDER_JSON_BULK_MAX  100

/*
 * Decodes a create body of len bytes: {"user_id", "idempotency_key",
 * "items": [{"item_id", "quantity"}]} or the single-item form {"user_id",
 * "idempotency_key", "item_id", "quantity"}; either may add "customer":
 * {"name", "email"} (both required in it) and "shipping_address" (a string
 * of at most ORDER_ADDRESS_MAX bytes), each optional and null meaning absent. key_header (key_len bytes, may
 * be NULL) is the Idempotency-Key header: it may replace the body's key, and
 * both present and different is OS_EMISMATCH. Unknown keys are ignored.
 * *out is written only on OS_OK (its trace is left zeroed for the caller).
 */
enum os_status order_json_decode_create(const char *body, size_t len, const char *key_header,
					size_t key_len, struct order_create_request *out,
					struct os_error *err);

/* Where one element of a bulk array lies in the body. is_object false means
 * the element was not an object (the slice is then empty). */
struct order_json_slice {
	bool is_object;
	size_t offset;
	size_t len;
};

/*
 * Splits a bulk body (a JSON array of up to max <= ORDER_JSON_BULK_MAX
 * elements) into element slices, each to be decoded on its own with
 * order_json_decode_create. *n counts them. OS_EINVAL if the body is not a
 * well-formed array (field ""), or more than max elements (field "").
 */
enum os_status order_json_split_bulk(const char *body, size_t len, struct order_json_slice *out,
				     size_t max, size_t *n, struct os_error *err);

/*
 * Decodes a payment callback {"id", "user_id", "order_id", "amount",
 * "status", "idempotency_key", "created_at"}. amount is a string "350.00" or
 * a number with at most two decimals, read from its text (never a double).
 * order_id, amount, status and idempotency_key are required. out->raw and
 * request_id are left for the caller. *out is written only on OS_OK.
 */
enum os_status order_json_decode_callback(const char *body, size_t len,
					  struct payment_callback *out, struct os_error *err);

/* Decodes an optional cancel body {"reason": string}; an empty body gives
 * "". reason must hold ORDER_REASON_MAX + 1 bytes; written only on OS_OK. */
enum os_status order_json_decode_cancel(const char *body, size_t len, char *reason,
					struct os_error *err);

/* Encoders append to sb (check sbuf_ok once at the end). */
void order_json_order(struct sbuf *sb, const struct order *o);
void order_json_history(struct sbuf *sb, const struct order_history_entry *h, size_t n);
void order_json_dead_letter(struct sbuf *sb, const struct dead_letter *d);
/* [{"event_id", "type", "destination", "status", "attempts", "created_at",
 * "sent_at" (null until sent)}] */
void order_json_events(struct sbuf *sb, const struct order_event_row *e, size_t n);

/* {"data": — then the caller appends the data value. */
void order_json_envelope_begin(struct sbuf *sb);
/* ,"meta":{"request_id":..., <meta_extra>},"errors":[]} — meta_extra is
 * extra members ("\"next_after\":\"...\""), or NULL. */
void order_json_envelope_end(struct sbuf *sb, const char *request_id, const char *meta_extra);
/* A whole error envelope: {"data":null,"meta":{...},"errors":[{"code",
 * "message", "field"?, "detail"?}]}. code is a stable word
 * (api_call.h); field and detail may be NULL or "". */
void order_json_error_envelope(struct sbuf *sb, const char *request_id, const char *code,
			       const char *message, const char *field, const char *detail);
/* One error object {"code", "message", "field"?, "detail"?}. */
void order_json_error_object(struct sbuf *sb, const char *code, const char *message,
			     const char *field, const char *detail);

#endif
