/*
 * The create body as a json_reader schema: which keys exist where, and what
 * JSON type each must have. See order_create_json.h for the status mapping.
 */
#include "infrastructure/http/order_create_json.h"

#include <string.h>

#include "domain/names.h"
#include "infrastructure/http/order_body_json.h"
#include "infrastructure/json/json_reader.h"

enum {
	K_USER_ID = 0,
	K_KEY,
	K_ITEMS,
	K_ITEM_ID,
	K_QUANTITY,
	K_CUSTOMER,
	K_ADDRESS,
	K_NAME,
	K_EMAIL
};

static const char *const create_keys[] = {
    "user_id",	"idempotency_key",  "items", "item_id", "quantity",
    "customer", "shipping_address", "name",  "email"};
#define CREATE_KEY_COUNT (sizeof(create_keys) / sizeof(create_keys[0]))

struct create_state {
	struct order_create_request req;
	bool has_key;
	bool single_item; /* item_id or quantity at the top */
};

static int create_key(struct json_reader *r, const struct json_frame *f, const char *k, size_t len)
{
	int id = names_index(create_keys, CREATE_KEY_COUNT, k, len);

	(void)r;
	if (f->role == ORDER_BODY_LINE && id != K_ITEM_ID && id != K_QUANTITY)
		return -1;
	if (f->role == ORDER_BODY_CUSTOMER)
		return id == K_NAME || id == K_EMAIL ? id : -1;
	if (f->role == ORDER_BODY_ROOT && (id == K_NAME || id == K_EMAIL))
		return -1;
	return f->role == ORDER_BODY_ROOT || f->role == ORDER_BODY_LINE ? id : -1;
}

/* "items[3].quantity" inside a line, "quantity" at the top. */
static void create_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			size_t cap)
{
	const struct create_state *cs = r->target;

	order_body_path(buf, cap, f->role, cs->req.line_count - 1, create_keys[key]);
}

/* item_id or quantity of line (in items[] or the single-item form). */
static bool create_line_value(struct json_reader *r, const struct json_frame *parent,
			      struct order_line_request *line, enum json_type t, const char *s,
			      size_t len)
{
	char path[OS_ERROR_FIELD_MAX];

	create_path(r, parent, parent->key, path, sizeof(path));
	if (parent->key == K_ITEM_ID)
		return json_reader_string(r, path, t, s, len, line->item_id, ORDER_ITEM_ID_MAX);
	return json_reader_int(r, path, t, s, len, &line->quantity);
}

static bool create_root_value(struct json_reader *r, const struct json_frame *parent,
			      enum json_type t, const char *s, size_t len, int *role)
{
	struct create_state *cs = r->target;

	switch (parent->key) {
	case K_USER_ID:
		return json_reader_string(r, "user_id", t, s, len, cs->req.user_id,
					  ORDER_USER_ID_MAX);
	case K_KEY:
		cs->has_key = true;
		return json_reader_uuid(r, "idempotency_key", t, s, len, &cs->req.idempotency_key);
	case K_ITEMS:
		return json_reader_open(r, "items", JSON_ARRAY, false, t, ORDER_BODY_ITEMS, role);
	case K_CUSTOMER:
		return json_reader_open(r, "customer", JSON_MAP, true, t, ORDER_BODY_CUSTOMER,
					role);
	case K_ADDRESS:
		if (t == JSON_NULL)
			return true;
		return json_reader_string(r, "shipping_address", t, s, len,
					  cs->req.shipping_address, ORDER_ADDRESS_MAX);
	default:
		cs->single_item = true;
		return create_line_value(r, parent, &cs->req.lines[0], t, s, len);
	}
}

static bool create_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
			 const char *s, size_t len, int *role)
{
	struct create_state *cs = r->target;

	if (parent == NULL)
		return json_reader_open_root(r, t, ORDER_BODY_ROOT, role);
	switch (parent->role) {
	case ORDER_BODY_ROOT: return create_root_value(r, parent, t, s, len, role);
	case ORDER_BODY_ITEMS:
		return json_reader_open_entry(r, "items", &cs->req.line_count, ORDER_MAX_ITEMS, t,
					      ORDER_BODY_LINE, role);
	case ORDER_BODY_LINE:
		return create_line_value(r, parent, &cs->req.lines[cs->req.line_count - 1], t, s,
					 len);
	case ORDER_BODY_CUSTOMER:
		return order_body_read_customer(r, parent->key == K_NAME, t, s, len,
						&cs->req.customer);
	}
	return true;
}

static bool create_close(struct json_reader *r, const struct json_frame *f)
{
	if (f->role == ORDER_BODY_CUSTOMER)
		return json_reader_require(r, f,
					   (UINT32_C(1) << K_NAME) | (UINT32_C(1) << K_EMAIL));
	if (f->role == ORDER_BODY_LINE)
		return json_reader_require(
		    r, f, (UINT32_C(1) << K_ITEM_ID) | (UINT32_C(1) << K_QUANTITY));
	return true;
}

/* Rules the shape needs after the parse: one form of items, a key. */
static enum os_status create_finish(struct create_state *cs, uint32_t seen, const char *hdr,
				    size_t hdr_len, struct os_error *err)
{
	struct uuid from_header;
	bool items = seen & (UINT32_C(1) << K_ITEMS);

	if (!(seen & (UINT32_C(1) << K_USER_ID)))
		return os_fail(err, OS_EINVAL, "user_id", "is required");
	if (items && cs->single_item)
		return os_fail(err, OS_EINVAL, "items",
			       "give either items or item_id and quantity");
	if (cs->single_item) {
		if (!(seen & (UINT32_C(1) << K_ITEM_ID)))
			return os_fail(err, OS_EINVAL, "item_id", "is required");
		if (!(seen & (UINT32_C(1) << K_QUANTITY)))
			return os_fail(err, OS_EINVAL, "quantity", "is required");
		cs->req.line_count = 1;
	} else if (!items) {
		return os_fail(err, OS_EINVAL, "items", "is required");
	} else if (cs->req.line_count == 0) {
		return os_fail(err, OS_EINVAL, "items", "must hold at least one item");
	}
	if (hdr == NULL || hdr_len == 0) {
		if (!cs->has_key)
			return os_fail(err, OS_EINVAL, "idempotency_key", "is required");
		return OS_OK;
	}
	if (uuid_parse(hdr, hdr_len, &from_header) != OS_OK)
		return os_fail(err, OS_EINVAL, "idempotency_key",
			       "the Idempotency-Key header must be a UUID");
	if (cs->has_key && !uuid_equal(&from_header, &cs->req.idempotency_key))
		return os_fail(err, OS_EMISMATCH, "idempotency_key",
			       "the Idempotency-Key header and the body's key differ");
	cs->req.idempotency_key = from_header;
	return OS_OK;
}

/* The decoder's state: the root frame's seen bits are kept when it closes,
 * for create_finish. cs comes first: the schema's callbacks see it. */
struct create_run {
	struct create_state cs;
	uint32_t root_seen;
};

static bool create_close_root(struct json_reader *r, const struct json_frame *f)
{
	struct create_run *run = (struct create_run *)r->target;

	if (f->role == ORDER_BODY_ROOT)
		run->root_seen = f->seen;
	return create_close(r, f);
}

static const struct json_schema create_run_schema = {
    .key = create_key,
    .value = create_value,
    .close = create_close_root,
    .key_path = create_path,
};

enum os_status order_json_decode_create(const char *body, size_t len, const char *key_header,
					size_t key_len, struct order_create_request *out,
					struct os_error *err)
{
	struct create_run run;
	enum os_status st;

	memset(&run, 0, sizeof(run));
	st = json_reader_parse(&create_run_schema, &json_limits_api, &run, body, len, err);
	if (st == OS_OK)
		st = create_finish(&run.cs, run.root_seen, key_header, key_len, err);
	if (st == OS_OK)
		*out = run.cs.req;
	return st;
}
