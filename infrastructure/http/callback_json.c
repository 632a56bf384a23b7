/* The payment callback body as a flat json_reader object; see callback_json.h. */
#include "infrastructure/http/callback_json.h"

#include <string.h>

#include "infrastructure/json/json_reader.h"

enum { C_ID = 0, C_USER_ID, C_ORDER_ID, C_AMOUNT, C_STATUS, C_KEY, C_CREATED_AT };

static const char *const callback_keys[] = {"id",     "user_id",	 "order_id",  "amount",
					    "status", "idempotency_key", "created_at"};

static bool read_status(struct json_reader *r, enum json_type t, const char *s, size_t len,
			enum payment_status *out)
{
	if (t != JSON_STRING)
		return json_reader_want(r, "status", "a string", t);
	if (payment_status_parse(s, len, out) != OS_OK)
		return json_reader_fail(r, OS_EINVAL, "status",
					"must be pending, succeeded or failed");
	return true;
}

static bool callback_field(struct json_reader *r, int key, enum json_type t, const char *s,
			   size_t len)
{
	struct payment_callback *cb = r->target;
	const char *name = callback_keys[key];

	switch (key) {
	case C_ID: return json_reader_string(r, name, t, s, len, cb->id, INBOX_MESSAGE_ID_MAX);
	case C_USER_ID:
		return json_reader_string(r, name, t, s, len, cb->user_id, ORDER_USER_ID_MAX);
	case C_ORDER_ID: return json_reader_uuid(r, name, t, s, len, &cb->order_id);
	case C_AMOUNT: return json_reader_money(r, name, true, t, s, len, &cb->amount_cents);
	case C_STATUS: return read_status(r, t, s, len, &cb->status);
	case C_KEY:
		if (t == JSON_STRING && len == 0)
			return json_reader_fail(r, OS_EINVAL, name, "must not be empty");
		return json_reader_string(r, name, t, s, len, cb->idempotency_key,
					  INBOX_MESSAGE_ID_MAX);
	default:
		return json_reader_string(r, name, t, s, len, cb->created_at,
					  sizeof(cb->created_at) - 1);
	}
}

static const struct json_flat callback_flat = {
    .names = callback_keys,
    .count = sizeof(callback_keys) / sizeof(callback_keys[0]),
    .required = (UINT32_C(1) << C_ORDER_ID) | (UINT32_C(1) << C_AMOUNT) |
		(UINT32_C(1) << C_STATUS) | (UINT32_C(1) << C_KEY),
    .field = callback_field,
};

enum os_status order_json_decode_callback(const char *body, size_t len,
					  struct payment_callback *out, struct os_error *err)
{
	struct payment_callback cb;
	enum os_status st;

	memset(&cb, 0, sizeof(cb));
	st = json_reader_parse_flat(&callback_flat, &json_limits_api, &cb, body, len, err);
	if (st == OS_OK)
		*out = cb;
	return st;
}
