/* The ingress webhook body as a json_reader schema; see ingress_json.h. */
#include "infrastructure/http/ingress_json.h"

#include <stdlib.h>
#include <string.h>

#include "app/json_write.h"
#include "domain/names.h"
#include "infrastructure/http/order_body_json.h"
#include "infrastructure/json/json_reader.h"

enum {
	IK_ORDER_ID = 0,
	IK_CUSTOMER,
	IK_ITEMS,
	IK_ADDRESS,
	IK_TOTAL,
	IK_NAME,
	IK_EMAIL,
	IK_SKU,
	IK_QUANTITY,
	IK_UNIT_PRICE
};

static const char *const ingress_keys[] = {"order_id", "customer",  "items", "shipping_address",
					   "total",    "name",	    "email", "sku",
					   "quantity", "unit_price"};
#define INGRESS_KEY_COUNT (sizeof(ingress_keys) / sizeof(ingress_keys[0]))
#define ROOT_REQUIRED                                                                              \
	((UINT32_C(1) << IK_ORDER_ID) | (UINT32_C(1) << IK_CUSTOMER) | (UINT32_C(1) << IK_ITEMS) | \
	 (UINT32_C(1) << IK_TOTAL))
#define CUSTOMER_REQUIRED ((UINT32_C(1) << IK_NAME) | (UINT32_C(1) << IK_EMAIL))
#define LINE_REQUIRED                                                                              \
	((UINT32_C(1) << IK_SKU) | (UINT32_C(1) << IK_NAME) | (UINT32_C(1) << IK_QUANTITY) |       \
	 (UINT32_C(1) << IK_UNIT_PRICE))

struct ingress_state {
	struct order_ingress_request req;
	uint32_t root_seen;
};

static int ingress_key(struct json_reader *r, const struct json_frame *f, const char *k, size_t len)
{
	int id = names_index(ingress_keys, INGRESS_KEY_COUNT, k, len);

	(void)r;
	switch (f->role) {
	case ORDER_BODY_ROOT: return id >= IK_ORDER_ID && id <= IK_TOTAL ? id : -1;
	case ORDER_BODY_CUSTOMER: return id == IK_NAME || id == IK_EMAIL ? id : -1;
	case ORDER_BODY_LINE: return id == IK_NAME || id >= IK_SKU ? id : -1;
	}
	return -1;
}

static void ingress_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			 size_t cap)
{
	const struct ingress_state *st = r->target;

	order_body_path(buf, cap, f->role, st->req.line_count - 1, ingress_keys[key]);
}

/* Shop platforms send their order id as a number or a string. */
static bool read_ref(struct json_reader *r, enum json_type t, const char *s, size_t len, char *out)
{
	int64_t v;

	if (t == JSON_NUMBER && !json_number_int64(s, len, &v))
		return json_reader_fail(r, OS_EINVAL, "order_id", "must be a string or an integer");
	if (t == JSON_NUMBER)
		t = JSON_STRING;
	return json_reader_string(r, "order_id", t, s, len, out, ORDER_EXTERNAL_REF_MAX);
}

static bool root_value(struct json_reader *r, int key, enum json_type t, const char *s, size_t len,
		       int *role)
{
	struct order_ingress_request *q = &((struct ingress_state *)r->target)->req;

	switch (key) {
	case IK_ORDER_ID: return read_ref(r, t, s, len, q->external_ref);
	case IK_CUSTOMER:
		return json_reader_open(r, "customer", JSON_MAP, false, t, ORDER_BODY_CUSTOMER,
					role);
	case IK_ITEMS:
		return json_reader_open(r, "items", JSON_ARRAY, false, t, ORDER_BODY_ITEMS, role);
	case IK_ADDRESS:
		if (t == JSON_NULL)
			return true;
		return json_reader_string(r, "shipping_address", t, s, len, q->shipping_address,
					  ORDER_ADDRESS_MAX);
	default: return json_reader_money(r, "total", true, t, s, len, &q->total_cents);
	}
}

static bool line_value(struct json_reader *r, const struct json_frame *f, enum json_type t,
		       const char *s, size_t len)
{
	struct order_ingress_request *q = &((struct ingress_state *)r->target)->req;
	struct order_ingress_line *l = &q->lines[q->line_count - 1];
	char path[OS_ERROR_FIELD_MAX];

	ingress_path(r, f, f->key, path, sizeof(path));
	switch (f->key) {
	case IK_SKU: return json_reader_string(r, path, t, s, len, l->sku, ORDER_ITEM_ID_MAX);
	case IK_NAME: return json_reader_string(r, path, t, s, len, l->name, ORDER_ITEM_NAME_MAX);
	case IK_QUANTITY: return json_reader_int(r, path, t, s, len, &l->quantity);
	default: return json_reader_money(r, path, true, t, s, len, &l->unit_price_cents);
	}
}

static bool ingress_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
			  const char *s, size_t len, int *role)
{
	struct ingress_state *st = r->target;

	if (parent == NULL)
		return json_reader_open_root(r, t, ORDER_BODY_ROOT, role);
	switch (parent->role) {
	case ORDER_BODY_ROOT: return root_value(r, parent->key, t, s, len, role);
	case ORDER_BODY_CUSTOMER:
		return order_body_read_customer(r, parent->key == IK_NAME, t, s, len,
						&st->req.customer);
	case ORDER_BODY_ITEMS:
		return json_reader_open_entry(r, "items", &st->req.line_count, ORDER_MAX_ITEMS, t,
					      ORDER_BODY_LINE, role);
	case ORDER_BODY_LINE: return line_value(r, parent, t, s, len);
	}
	return true;
}

static bool ingress_close(struct json_reader *r, const struct json_frame *f)
{
	struct ingress_state *st = r->target;

	switch (f->role) {
	case ORDER_BODY_ROOT:
		st->root_seen = f->seen;
		return json_reader_require(r, f, ROOT_REQUIRED);
	case ORDER_BODY_CUSTOMER: return json_reader_require(r, f, CUSTOMER_REQUIRED);
	case ORDER_BODY_LINE: return json_reader_require(r, f, LINE_REQUIRED);
	}
	return true;
}

static const struct json_schema ingress_schema = {
    .key = ingress_key,
    .value = ingress_value,
    .close = ingress_close,
    .key_path = ingress_path,
};

enum os_status ingress_json_decode(const char *body, size_t len, struct order_ingress_request *out,
				   struct os_error *err)
{
	struct ingress_state *st = calloc(1, sizeof(*st));
	enum os_status rc;

	if (st == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	rc = json_reader_parse(&ingress_schema, &json_limits_api, st, body, len, err);
	if (rc == OS_OK && st->req.line_count == 0)
		rc = os_fail(err, OS_EINVAL, "items", "must hold at least one item");
	if (rc == OS_OK)
		*out = st->req;
	free(st);
	return rc;
}

void ingress_json_answer(struct sbuf *sb, const struct order *o)
{
	struct json_writer w;

	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_bool(&w, "ok", true);
	json_write_str(&w, "order_id", o->external_ref);
	json_write_uuid(&w, "id", &o->id);
	json_write_end(&w);
}
