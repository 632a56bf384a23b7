/*
 * Shipping event decoder. A streaming yajl parse with a depth bound keeps
 * hostile input from costing more than one pass over at most
 * INBOX_PAYLOAD_MAX bytes; only the four top-level fields are captured, any
 * other content is allowed and ignored.
 */
#include "shipping_event.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "domain/utf8.h"
#include "domain/uuid.h"

#define EV_OCCURRED_AT_MAX 40

enum ev_field { EV_ID = 0, EV_TYPE, EV_ORDER, EV_AT, EV_NFIELDS, EV_OTHER = -1 };

static const char *const field_names[EV_NFIELDS] = {
	"event_id", "event_type", "order_id", "occurred_at",
};

static const size_t field_caps[EV_NFIELDS] = {
	INBOX_MESSAGE_ID_MAX, INBOX_TYPE_MAX, UUID_STR_LEN, EV_OCCURRED_AT_MAX,
};

struct ev_parse {
	int depth;
	bool top_is_object;
	int key;                                /* enum ev_field of the pending top-level key */
	bool seen[EV_NFIELDS];
	char text[EV_NFIELDS][INBOX_MESSAGE_ID_MAX + 1];
	size_t len[EV_NFIELDS];
	struct os_error *err;
	bool failed;                            /* err already says why */
};

static int fail(struct ev_parse *p, const char *field, const char *why)
{
	os_fail(p->err, OS_EINVAL, field, "%s%s%s", field ? field : "", field ? ": " : "", why);
	p->failed = true;
	return 0;   /* stops yajl */
}

/* A scalar that is not a string: wrong type if it is one of our fields. */
static int scalar(struct ev_parse *p)
{
	if (p->depth == 0)
		return fail(p, NULL, "value is not a JSON object");
	if (p->depth == 1 && p->key != EV_OTHER)
		return fail(p, field_names[p->key], "must be a string");
	return 1;
}

static int on_null(void *ctx) { return scalar(ctx); }
static int on_bool(void *ctx, int v) { (void)v; return scalar(ctx); }
static int on_number(void *ctx, const char *s, size_t l) { (void)s; (void)l; return scalar(ctx); }

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct ev_parse *p = ctx;
	int k = p->key;

	if (p->depth == 0)
		return fail(p, NULL, "value is not a JSON object");
	if (p->depth != 1 || k == EV_OTHER)
		return 1;
	if (len == 0)
		return fail(p, field_names[k], "must not be empty");
	if (len > field_caps[k])
		return fail(p, field_names[k], "is too long");
	memcpy(p->text[k], s, len);
	p->text[k][len] = '\0';
	p->len[k] = len;
	return 1;
}

static int on_start_map(void *ctx)
{
	struct ev_parse *p = ctx;

	if (p->depth == 1 && p->key != EV_OTHER)
		return fail(p, field_names[p->key], "must be a string");
	if (p->depth == 0)
		p->top_is_object = true;
	if (++p->depth > SHIPPING_EVENT_DEPTH_MAX)
		return fail(p, NULL, "JSON nested too deeply");
	return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	struct ev_parse *p = ctx;
	int i;

	if (p->depth != 1)
		return 1;
	p->key = EV_OTHER;
	for (i = 0; i < EV_NFIELDS; i++) {
		if (strlen(field_names[i]) == len && memcmp(field_names[i], s, len) == 0) {
			if (p->seen[i])
				return fail(p, field_names[i], "appears twice");
			p->seen[i] = true;
			p->key = i;
		}
	}
	return 1;
}

static int on_end(void *ctx)
{
	struct ev_parse *p = ctx;

	p->depth--;
	return 1;
}

static int on_start_array(void *ctx)
{
	struct ev_parse *p = ctx;

	if (p->depth == 0)
		return fail(p, NULL, "value is not a JSON object");
	if (p->depth == 1 && p->key != EV_OTHER)
		return fail(p, field_names[p->key], "must be a string");
	if (++p->depth > SHIPPING_EVENT_DEPTH_MAX)
		return fail(p, NULL, "JSON nested too deeply");
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_bool,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

static enum os_status parse(const char *value, size_t len, struct ev_parse *p,
			    struct os_error *err)
{
	yajl_handle h = yajl_alloc(&callbacks, NULL, p);
	yajl_status ys;
	enum os_status st = OS_OK;

	if (h == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	ys = yajl_parse(h, (const unsigned char *)value, len);
	if (ys == yajl_status_ok)
		ys = yajl_complete_parse(h);
	if (ys != yajl_status_ok)
		st = p->failed ? OS_EINVAL : os_fail(err, OS_EINVAL, NULL, "value is not valid JSON");
	else if (!p->top_is_object)
		st = os_fail(err, OS_EINVAL, NULL, "value is not a JSON object");
	yajl_free(h);
	return st;
}

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
	int i;

	for (i = 0; i < EV_NFIELDS; i++)
		if (p->len[i] == 0)
			return os_fail(err, OS_EINVAL, field_names[i], "%s: missing", field_names[i]);
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
	if (len > INBOX_PAYLOAD_MAX)
		return os_fail(err, OS_ETOOBIG, NULL, "value of %zu bytes is too big", len);
	if (!utf8_json_text_ok(value, len))
		return os_fail(err, OS_EINVAL, NULL,
			       "value is not strict UTF-8 (overlong, surrogate or NUL, also as a "
			       "\\u escape)");
	memset(&p, 0, sizeof(p));
	p.key = EV_OTHER;
	p.err = err;
	st = parse(value, len, &p, err);
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
