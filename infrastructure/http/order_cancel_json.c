/* The cancel body as a flat json_reader object; see order_cancel_json.h. */
#include "infrastructure/http/order_cancel_json.h"

#include <string.h>

#include "infrastructure/json/json_reader.h"

static const char *const cancel_keys[] = {"reason"};

static bool cancel_field(struct json_reader *r, int key, enum json_type t, const char *s,
			 size_t len)
{
	(void)key;
	if (t == JSON_NULL)
		return true;
	return json_reader_string(r, "reason", t, s, len, r->target, ORDER_REASON_MAX);
}

static const struct json_flat cancel_flat = {
    .names = cancel_keys,
    .count = 1,
    .required = 0,
    .field = cancel_field,
};

enum os_status order_json_decode_cancel(const char *body, size_t len, char *reason,
					struct os_error *err)
{
	char tmp[ORDER_REASON_MAX + 1] = "";
	enum os_status st;

	if (len > 0) {
		st = json_reader_parse_flat(&cancel_flat, &json_limits_api, tmp, body, len, err);
		if (st != OS_OK)
			return st;
	}
	memcpy(reason, tmp, sizeof(tmp));
	return OS_OK;
}
