/*
 * Shipping event decoder: a flat object read by the one JSON reader within
 * json_limits_message (at most INBOX_PAYLOAD_MAX bytes, strict UTF-8, depth
 * and counts bounded), so hostile input costs at most one pass; only the
 * four top-level fields are captured, any other content is allowed and
 * ignored.
 */
#include "infrastructure/kafka/shipping_event.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "domain/uuid.h"
#include "infrastructure/json/json_reader.h"

#define EV_OCCURRED_AT_MAX 40

enum ev_field { EV_ID = 0, EV_TYPE, EV_ORDER, EV_AT, EV_NFIELDS };

static const char *const field_names[EV_NFIELDS] = {
    "event_id",
    "event_type",
    "order_id",
    "occurred_at",
};

static const size_t field_caps[EV_NFIELDS] = {
    INBOX_MESSAGE_ID_MAX,
    INBOX_TYPE_MAX,
    UUID_STR_LEN,
    EV_OCCURRED_AT_MAX,
};

struct ev_parse {
	char text[EV_NFIELDS][INBOX_MESSAGE_ID_MAX + 1];
	size_t len[EV_NFIELDS];
};

/* Each of the four is a non-empty string within its cap. */
static bool ev_field(struct json_reader *r, int key, enum json_type t, const char *s, size_t len)
{
	struct ev_parse *p = r->target;

	if (t == JSON_STRING && len == 0)
		return json_reader_fail(r, OS_EINVAL, field_names[key], "must not be empty");
	if (!json_reader_string(r, field_names[key], t, s, len, p->text[key], field_caps[key]))
		return false;
	p->len[key] = len;
	return true;
}

static const struct json_flat ev_flat = {
    .names = field_names,
    .count = EV_NFIELDS,
    .required = (UINT32_C(1) << EV_NFIELDS) - 1,
    .field = ev_field,
};

static bool printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool known_type(const char *t)
{
	return strcmp(t, INBOX_TYPE_SHIPPED) == 0 || strcmp(t, INBOX_TYPE_DELIVERED) == 0 ||
	       strcmp(t, INBOX_TYPE_SHIPPING_FAILED) == 0;
}

static enum os_status check_fields(const struct ev_parse *p, struct uuid *order_id,
				   struct os_error *err)
{
	if (!printable(p->text[EV_ID], p->len[EV_ID]))
		return os_fail(err, OS_EINVAL, "event_id", "event_id: must be printable ASCII");
	if (!known_type(p->text[EV_TYPE]))
		return os_fail(err, OS_EINVAL, "event_type", "event_type: unknown type");
	if (uuid_parse(p->text[EV_ORDER], p->len[EV_ORDER], order_id) != OS_OK)
		return os_fail(err, OS_EINVAL, "order_id", "order_id: not a UUID");
	return OS_OK;
}

enum os_status shipping_event_decode(const char *value, size_t len, struct inbox_msg *out,
				     struct os_error *err)
{
	struct ev_parse p;
	struct uuid order_id;
	enum os_status st;

	if (value == NULL)
		return os_fail(err, OS_EINVAL, NULL, "null value");
	if (len == 0)
		return os_fail(err, OS_EINVAL, NULL, "empty value");
	memset(&p, 0, sizeof(p));
	st = json_reader_parse_flat(&ev_flat, &json_limits_message, &p, value, len, err);
	if (st == OS_OK)
		st = check_fields(&p, &order_id, err);
	if (st != OS_OK)
		return st;
	memcpy(out->message_id, p.text[EV_ID], p.len[EV_ID] + 1);
	memcpy(out->type, p.text[EV_TYPE], p.len[EV_TYPE] + 1);
	out->order_id = order_id;
	out->has_order_id = true;
	out->payload = value;
	out->payload_len = len;
	return OS_OK;
}
