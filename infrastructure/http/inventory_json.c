/* The inventory bodies as json_reader schemas; see inventory_json.h. */
#include "inventory_json.h"

#include <stdio.h>
#include <string.h>

#include "domain/money.h"
#include "json_reader.h"

enum { IV_ROOT = 1 };
enum { V_NAME = 0, V_PRICE, V_QTY, V_DELTA };

static const char *const inv_keys[] = {"name", "price", "available_qty", "delta"};

struct inv_state {
	struct inventory_item item;
	int64_t delta;
	bool adjust; /* which body: adjust {"delta"} or put */
	uint32_t seen;
};

static int inv_key(const struct json_frame *f, const char *k, size_t len)
{
	size_t i;

	if (f->role != IV_ROOT)
		return -1;
	for (i = 0; i < sizeof(inv_keys) / sizeof(inv_keys[0]); i++)
		if (strlen(inv_keys[i]) == len && memcmp(inv_keys[i], k, len) == 0)
			return (int)i;
	return -1;
}

static void inv_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
		     size_t cap)
{
	(void)r;
	(void)f;
	snprintf(buf, cap, "%s", inv_keys[key]);
}


static bool read_int(struct json_reader *r, const char *field, enum json_type t, const char *s,
		     size_t len, int64_t *out)
{
	if (t != JSON_NUMBER)
		return json_reader_want(r, field, "an integer", t);
	if (!json_integer(s, len, out))
		return json_reader_fail(r, OS_EINVAL, field, "must be an integer");
	return true;
}

static bool inv_field(struct json_reader *r, int key, enum json_type t, const char *s, size_t len)
{
	struct inv_state *st = r->target;

	switch (key) {
	case V_NAME:
		if (t != JSON_STRING)
			return json_reader_want(r, "name", "a string", t);
		if (!json_copy_string(s, len, st->item.name, ORDER_ITEM_NAME_MAX))
			return json_reader_fail(r, OS_EINVAL, "name",
						"must be a string of at most 128 bytes without NUL");
		return true;
	case V_PRICE:
		/* Money is a decimal string (DESIGN §4), never a JSON number. */
		if (t != JSON_STRING)
			return json_reader_want(r, "price", "a decimal string", t);
		if (money_parse(s, len, &st->item.price_cents) != OS_OK)
			return json_reader_fail(r, OS_EINVAL, "price",
						"must be a non-negative amount with at most two "
						"decimals");
		return true;
	case V_QTY: return read_int(r, "available_qty", t, s, len, &st->item.available_qty);
	default: return read_int(r, "delta", t, s, len, &st->delta);
	}
}

static bool inv_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
		      const char *s, size_t len, int *role)
{
	if (parent == NULL) {
		if (t != JSON_MAP)
			return json_reader_want(r, "", "a JSON object", t);
		*role = IV_ROOT;
		return true;
	}
	return inv_field(r, parent->key, t, s, len);
}

static bool inv_close(struct json_reader *r, const struct json_frame *f)
{
	struct inv_state *st = r->target;
	int k, lo = st->adjust ? V_DELTA : V_NAME, hi = st->adjust ? V_DELTA : V_QTY;

	st->seen = f->seen;
	for (k = lo; k <= hi; k++)
		if (!(f->seen & (UINT32_C(1) << k)))
			return json_reader_fail(r, OS_EINVAL, inv_keys[k], "is required");
	return true;
}

static const struct json_schema inv_schema = {
    .key = inv_key,
    .value = inv_value,
    .close = inv_close,
    .key_path = inv_path,
};

enum os_status inventory_json_decode_put(const char *body, size_t len,
					 struct inventory_item *out, struct os_error *err)
{
	struct inv_state st;
	enum os_status rc;

	memset(&st, 0, sizeof(st));
	rc = json_reader_parse(&inv_schema, &st, body, len, err);
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
	st.adjust = true;
	rc = json_reader_parse(&inv_schema, &st, body, len, err);
	if (rc == OS_OK)
		*delta = st.delta;
	return rc;
}

void inventory_json_item(struct sbuf *sb, const struct inventory_item *it)
{
	char price[MONEY_STR_MAX];

	money_format(it->price_cents, price, sizeof(price));
	sbuf_adds(sb, "{\"item_id\":");
	sbuf_add_json_str(sb, it->item_id, strlen(it->item_id));
	sbuf_adds(sb, ",\"name\":");
	sbuf_add_json_str(sb, it->name, strlen(it->name));
	sbuf_adds(sb, ",\"price\":");
	sbuf_add_json_str(sb, price, strlen(price));
	sbuf_addf(sb, ",\"available_qty\":%lld}", (long long)it->available_qty);
}
