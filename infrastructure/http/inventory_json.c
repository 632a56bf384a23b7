/* The inventory bodies as flat json_reader objects; see inventory_json.h. */
#include "infrastructure/http/inventory_json.h"

#include <string.h>

#include "app/json_write.h"
#include "infrastructure/json/json_reader.h"

enum { V_NAME = 0, V_PRICE, V_QTY, V_DELTA };

static const char *const inv_keys[] = {"name", "price", "available_qty", "delta"};

struct inv_state {
	struct inventory_item item;
	int64_t delta;
};

static bool inv_field(struct json_reader *r, int key, enum json_type t, const char *s, size_t len)
{
	struct inv_state *st = r->target;

	switch (key) {
	case V_NAME:
		return json_reader_string(r, "name", t, s, len, st->item.name, ORDER_ITEM_NAME_MAX);
	case V_PRICE:
		/* Money is a decimal string (DESIGN §4), never a JSON number. */
		return json_reader_money(r, "price", false, t, s, len, &st->item.price_cents);
	case V_QTY: return json_reader_int(r, "available_qty", t, s, len, &st->item.available_qty);
	default: return json_reader_int(r, "delta", t, s, len, &st->delta);
	}
}

/* The PUT body reads name, price and available_qty; the adjust body delta. */
static const struct json_flat put_flat = {
    .names = inv_keys,
    .count = V_QTY + 1,
    .required = (UINT32_C(1) << V_NAME) | (UINT32_C(1) << V_PRICE) | (UINT32_C(1) << V_QTY),
    .field = inv_field,
};

static const struct json_flat adjust_flat = {
    .names = inv_keys,
    .count = V_DELTA + 1,
    .required = UINT32_C(1) << V_DELTA,
    .field = inv_field,
};

enum os_status inventory_json_decode_put(const char *body, size_t len, struct inventory_item *out,
					 struct os_error *err)
{
	struct inv_state st;
	enum os_status rc;

	memset(&st, 0, sizeof(st));
	rc = json_reader_parse_flat(&put_flat, &json_limits_api, &st, body, len, err);
	if (rc != OS_OK)
		return rc;
	memcpy(out->name, st.item.name, sizeof(out->name));
	out->price_cents = st.item.price_cents;
	out->available_qty = st.item.available_qty;
	return OS_OK;
}

enum os_status inventory_json_decode_adjust(const char *body, size_t len, int64_t *delta,
					    struct os_error *err)
{
	struct inv_state st;
	enum os_status rc;

	memset(&st, 0, sizeof(st));
	rc = json_reader_parse_flat(&adjust_flat, &json_limits_api, &st, body, len, err);
	if (rc == OS_OK)
		*delta = st.delta;
	return rc;
}

void inventory_json_item(struct sbuf *sb, const struct inventory_item *it)
{
	struct json_writer w;

	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_str(&w, "item_id", it->item_id);
	json_write_str(&w, "name", it->name);
	json_write_money(&w, "price", it->price_cents);
	json_write_int(&w, "available_qty", it->available_qty);
	json_write_end(&w);
}
