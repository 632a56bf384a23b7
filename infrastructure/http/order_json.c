/*
 * Decoders of the request bodies: create, bulk, payment callback, cancel.
 * Each is a json_reader schema: which keys exist where, and what JSON type
 * each must have. See order_json.h for the status mapping.
 */
#include "order_json.h"

#include <stdio.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "domain/money.h"
#include "json_reader.h"
#include "order_json_fields.h"

/* ---- create ---- */

enum { CR_ROOT = 1, CR_ITEMS, CR_LINE, CR_CUSTOMER };
enum { K_USER_ID = 0, K_KEY, K_ITEMS, K_ITEM_ID, K_QUANTITY, K_CUSTOMER, K_ADDRESS, K_NAME,
       K_EMAIL };

static const char *const create_keys[] = {"user_id",  "idempotency_key",  "items",
					  "item_id",  "quantity",	  "customer",
					  "shipping_address", "name",	  "email"};
#define CREATE_KEY_COUNT (sizeof(create_keys) / sizeof(create_keys[0]))

struct create_state {
	struct order_create_request req;
	bool has_key;
	bool single_item; /* item_id or quantity at the top */
};

static int key_index(const char *const *names, size_t n, const char *k, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], k, len) == 0)
			return (int)i;
	return -1;
}

static int create_key(const struct json_frame *f, const char *k, size_t len)
{
	int id = key_index(create_keys, CREATE_KEY_COUNT, k, len);

	if (f->role == CR_LINE && id != K_ITEM_ID && id != K_QUANTITY)
		return -1;
	if (f->role == CR_CUSTOMER)
		return id == K_NAME || id == K_EMAIL ? id : -1;
	if (f->role == CR_ROOT && (id == K_NAME || id == K_EMAIL))
		return -1;
	return f->role == CR_ROOT || f->role == CR_LINE ? id : -1;
}

/* "items[3].quantity" inside a line, "quantity" at the top. */
static void create_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			size_t cap)
{
	const struct create_state *cs = r->target;

	if (f->role == CR_LINE)
		snprintf(buf, cap, "items[%zu].%s", cs->req.line_count - 1, create_keys[key]);
	else if (f->role == CR_CUSTOMER)
		snprintf(buf, cap, "customer.%s", create_keys[key]);
	else
		snprintf(buf, cap, "%s", create_keys[key]);
}



/* Free text (a name, an address): a string of at most max bytes without NUL;
 * its other rules are the use case's. */
static bool read_text(struct json_reader *r, const char *field, enum json_type t, const char *s,
		      size_t len, char *out, size_t max)
{
	return json_reader_string(r, field, t, s, len, out, max);
}

bool order_json_read_customer_field(struct json_reader *r, bool is_name, enum json_type t,
				    const char *s, size_t len, struct order_customer *out)
{
	if (is_name)
		return read_text(r, "customer.name", t, s, len, out->name,
				 ORDER_CUSTOMER_NAME_MAX);
	return read_text(r, "customer.email", t, s, len, out->email, ORDER_CUSTOMER_EMAIL_MAX);
}

bool order_json_customer_complete(struct json_reader *r, bool has_name, bool has_email)
{
	if (!has_name)
		return json_reader_fail(r, OS_EINVAL, "customer.name", "is required");
	if (!has_email)
		return json_reader_fail(r, OS_EINVAL, "customer.email", "is required");
	return true;
}

static bool read_quantity(struct json_reader *r, const char *field, enum json_type t, const char *s,
			  size_t len, int64_t *out)
{
	if (t != JSON_NUMBER)
		return json_reader_want(r, field, "an integer", t);
	if (!json_integer(s, len, out))
		return json_reader_fail(r, OS_EINVAL, field, "must be an integer");
	return true;
}

static bool read_uuid(struct json_reader *r, const char *field, enum json_type t, const char *s,
		      size_t len, struct uuid *out)
{
	if (t != JSON_STRING)
		return json_reader_want(r, field, "a string", t);
	if (uuid_parse(s, len, out) != OS_OK)
		return json_reader_fail(r, OS_EINVAL, field, "must be a UUID");
	return true;
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
	return read_quantity(r, path, t, s, len, &line->quantity);
}

static bool create_root_value(struct json_reader *r, const struct json_frame *parent,
			      enum json_type t, const char *s, size_t len, int *role)
{
	struct create_state *cs = r->target;

	switch (parent->key) {
	case K_USER_ID:
		return json_reader_string(r, "user_id", t, s, len, cs->req.user_id, ORDER_USER_ID_MAX);
	case K_KEY:
		cs->has_key = true;
		return read_uuid(r, "idempotency_key", t, s, len, &cs->req.idempotency_key);
	case K_ITEMS:
		if (t != JSON_ARRAY)
			return json_reader_want(r, "items", "an array", t);
		*role = CR_ITEMS;
		return true;
	case K_CUSTOMER:
		if (t == JSON_NULL)
			return true;
		if (t != JSON_MAP)
			return json_reader_want(r, "customer", "an object", t);
		*role = CR_CUSTOMER;
		return true;
	case K_ADDRESS:
		if (t == JSON_NULL)
			return true;
		return read_text(r, "shipping_address", t, s, len, cs->req.shipping_address,
				 ORDER_ADDRESS_MAX);
	default:
		cs->single_item = true;
		return create_line_value(r, parent, &cs->req.lines[0], t, s, len);
	}
}

static bool create_item(struct json_reader *r, enum json_type t, int *role)
{
	struct create_state *cs = r->target;
	char path[OS_ERROR_FIELD_MAX];

	snprintf(path, sizeof(path), "items[%zu]", cs->req.line_count);
	if (t != JSON_MAP)
		return json_reader_want(r, path, "an object", t);
	if (cs->req.line_count == ORDER_MAX_ITEMS)
		return json_reader_fail(r, OS_EINVAL, "items", "too many items (at most 50)");
	cs->req.line_count++;
	*role = CR_LINE;
	return true;
}

static bool create_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
			 const char *s, size_t len, int *role)
{
	struct create_state *cs = r->target;

	if (parent == NULL) {
		if (t != JSON_MAP)
			return json_reader_want(r, "", "a JSON object", t);
		*role = CR_ROOT;
		return true;
	}
	switch (parent->role) {
	case CR_ROOT: return create_root_value(r, parent, t, s, len, role);
	case CR_ITEMS: return create_item(r, t, role);
	case CR_LINE:
		return create_line_value(r, parent, &cs->req.lines[cs->req.line_count - 1], t, s,
					 len);
	case CR_CUSTOMER:
		return order_json_read_customer_field(r, parent->key == K_NAME, t, s, len,
						      &cs->req.customer);
	}
	return true;
}

static bool create_close(struct json_reader *r, const struct json_frame *f)
{
	char path[OS_ERROR_FIELD_MAX];
	int k;

	if (f->role == CR_CUSTOMER)
		return order_json_customer_complete(r, f->seen & (UINT32_C(1) << K_NAME),
						    f->seen & (UINT32_C(1) << K_EMAIL));
	if (f->role != CR_LINE)
		return true;
	for (k = K_ITEM_ID; k <= K_QUANTITY; k++) {
		if (f->seen & (UINT32_C(1) << k))
			continue;
		create_path(r, f, k, path, sizeof(path));
		return json_reader_fail(r, OS_EINVAL, path, "is required");
	}
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

	if (f->role == CR_ROOT)
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
	st = json_reader_parse(&create_run_schema, &run, body, len, err);
	if (st == OS_OK)
		st = create_finish(&run.cs, run.root_seen, key_header, key_len, err);
	if (st == OS_OK)
		*out = run.cs.req;
	return st;
}

/* ---- payment callback ---- */

enum { CB_ROOT = 1 };
enum { C_ID = 0, C_USER_ID, C_ORDER_ID, C_AMOUNT, C_STATUS, C_KEY, C_CREATED_AT };

static const char *const callback_keys[] = {"id",     "user_id",	 "order_id",  "amount",
					    "status", "idempotency_key", "created_at"};
#define CALLBACK_REQUIRED                                                                          \
	((UINT32_C(1) << C_ORDER_ID) | (UINT32_C(1) << C_AMOUNT) | (UINT32_C(1) << C_STATUS) |     \
	 (UINT32_C(1) << C_KEY))

struct callback_state {
	struct payment_callback cb;
	uint32_t root_seen;
};

static int callback_key(const struct json_frame *f, const char *k, size_t len)
{
	return f->role == CB_ROOT ? key_index(callback_keys, 7, k, len) : -1;
}

static void callback_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			  size_t cap)
{
	(void)r;
	(void)f;
	snprintf(buf, cap, "%s", callback_keys[key]);
}

/* A string "350.00" or a number 350.5; both read from the text. */
static bool read_amount(struct json_reader *r, enum json_type t, const char *s, size_t len,
			int64_t *cents)
{
	if (t != JSON_STRING && t != JSON_NUMBER)
		return json_reader_want(r, "amount", "a decimal string or number", t);
	if (money_parse(s, len, cents) != OS_OK)
		return json_reader_fail(r, OS_EINVAL, "amount",
					"must be a non-negative amount with at most two decimals");
	return true;
}

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
	struct payment_callback *cb = &((struct callback_state *)r->target)->cb;
	const char *name = callback_keys[key];

	switch (key) {
	case C_ID: return json_reader_string(r, name, t, s, len, cb->id, INBOX_MESSAGE_ID_MAX);
	case C_USER_ID: return json_reader_string(r, name, t, s, len, cb->user_id, ORDER_USER_ID_MAX);
	case C_ORDER_ID: return read_uuid(r, name, t, s, len, &cb->order_id);
	case C_AMOUNT: return read_amount(r, t, s, len, &cb->amount_cents);
	case C_STATUS: return read_status(r, t, s, len, &cb->status);
	case C_KEY:
		if (t == JSON_STRING && len == 0)
			return json_reader_fail(r, OS_EINVAL, name, "must not be empty");
		return json_reader_string(r, name, t, s, len, cb->idempotency_key, INBOX_MESSAGE_ID_MAX);
	default: return json_reader_string(r, name, t, s, len, cb->created_at, sizeof(cb->created_at) - 1);
	}
}

static bool callback_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
			   const char *s, size_t len, int *role)
{
	if (parent == NULL) {
		if (t != JSON_MAP)
			return json_reader_want(r, "", "a JSON object", t);
		*role = CB_ROOT;
		return true;
	}
	return callback_field(r, parent->key, t, s, len);
}

static bool callback_close(struct json_reader *r, const struct json_frame *f)
{
	((struct callback_state *)r->target)->root_seen = f->seen;
	return true;
}

static const struct json_schema callback_schema = {
    .key = callback_key,
    .value = callback_value,
    .close = callback_close,
    .key_path = callback_path,
};

enum os_status order_json_decode_callback(const char *body, size_t len,
					  struct payment_callback *out, struct os_error *err)
{
	struct callback_state cs;
	enum os_status st;
	int k;

	memset(&cs, 0, sizeof(cs));
	st = json_reader_parse(&callback_schema, &cs, body, len, err);
	if (st != OS_OK)
		return st;
	for (k = 0; k <= C_CREATED_AT; k++) {
		uint32_t bit = UINT32_C(1) << k;

		if ((CALLBACK_REQUIRED & bit) && !(cs.root_seen & bit))
			return os_fail(err, OS_EINVAL, callback_keys[k], "is required");
	}
	*out = cs.cb;
	return OS_OK;
}

/* ---- cancel ---- */

enum { CA_ROOT = 1 };

static int cancel_key(const struct json_frame *f, const char *k, size_t len)
{
	return f->role == CA_ROOT && len == 6 && memcmp(k, "reason", 6) == 0 ? 0 : -1;
}

static void cancel_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			size_t cap)
{
	(void)r;
	(void)f;
	(void)key;
	snprintf(buf, cap, "reason");
}

static bool cancel_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
			 const char *s, size_t len, int *role)
{
	if (parent == NULL) {
		if (t != JSON_MAP)
			return json_reader_want(r, "", "a JSON object", t);
		*role = CA_ROOT;
		return true;
	}
	if (t == JSON_NULL)
		return true;
	return json_reader_string(r, "reason", t, s, len, r->target, ORDER_REASON_MAX);
}

static const struct json_schema cancel_schema = {
    .key = cancel_key,
    .value = cancel_value,
    .close = NULL,
    .key_path = cancel_path,
};

enum os_status order_json_decode_cancel(const char *body, size_t len, char *reason,
					struct os_error *err)
{
	char tmp[ORDER_REASON_MAX + 1] = "";
	enum os_status st;

	if (len > 0) {
		st = json_reader_parse(&cancel_schema, tmp, body, len, err);
		if (st != OS_OK)
			return st;
	}
	memcpy(reason, tmp, sizeof(tmp));
	return OS_OK;
}

/* ---- bulk ---- */

struct bulk_state {
	yajl_handle h;
	struct order_json_slice *out;
	size_t max;
	size_t n;
	int depth;
	bool failed;
	const char *why;
};

static int bulk_fail(struct bulk_state *b, const char *why)
{
	b->failed = true;
	b->why = why;
	return 0;
}

/* A scalar or a container at depth 1 is an element. */
static int bulk_element(struct bulk_state *b, bool is_object)
{
	size_t end = yajl_get_bytes_consumed(b->h);

	if (b->depth != 1)
		return 1;
	if (b->n == b->max)
		return bulk_fail(b, "too many elements");
	b->out[b->n].is_object = is_object;
	b->out[b->n].offset = is_object ? end - 1 : 0;
	b->out[b->n].len = 0;
	b->n++;
	return 1;
}

static int bulk_scalar(void *ctx)
{
	struct bulk_state *b = ctx;

	if (b->depth == 0)
		return bulk_fail(b, "body must be a JSON array");
	return bulk_element(b, false);
}

static int bulk_null(void *ctx)
{
	return bulk_scalar(ctx);
}

static int bulk_bool(void *ctx, int v)
{
	(void)v;
	return bulk_scalar(ctx);
}

static int bulk_number(void *ctx, const char *s, size_t len)
{
	(void)s;
	(void)len;
	return bulk_scalar(ctx);
}

static int bulk_string(void *ctx, const unsigned char *s, size_t len)
{
	(void)s;
	(void)len;
	return bulk_scalar(ctx);
}

static int bulk_open(struct bulk_state *b, bool is_map)
{
	if (b->depth == 0 && is_map)
		return bulk_fail(b, "body must be a JSON array");
	if (!bulk_element(b, is_map))
		return 0;
	if (++b->depth > ORDER_JSON_DEPTH_MAX + 1)
		return bulk_fail(b, "JSON nested too deeply");
	return 1;
}

static int bulk_start_map(void *ctx)
{
	return bulk_open(ctx, true);
}

static int bulk_start_array(void *ctx)
{
	return bulk_open(ctx, false);
}

static int bulk_end(void *ctx)
{
	struct bulk_state *b = ctx;

	/* Closing an object element: the slice ends after its '}'. */
	if (--b->depth == 1 && b->n > 0 && b->out[b->n - 1].is_object && b->out[b->n - 1].len == 0)
		b->out[b->n - 1].len = yajl_get_bytes_consumed(b->h) - b->out[b->n - 1].offset;
	return 1;
}

static int bulk_key(void *ctx, const unsigned char *k, size_t len)
{
	(void)ctx;
	(void)k;
	(void)len;
	return 1;
}

static const yajl_callbacks bulk_callbacks = {
    .yajl_null = bulk_null,
    .yajl_boolean = bulk_bool,
    .yajl_number = bulk_number,
    .yajl_string = bulk_string,
    .yajl_start_map = bulk_start_map,
    .yajl_map_key = bulk_key,
    .yajl_end_map = bulk_end,
    .yajl_start_array = bulk_start_array,
    .yajl_end_array = bulk_end,
};

enum os_status order_json_split_bulk(const char *body, size_t len, struct order_json_slice *out,
				     size_t max, size_t *n, struct os_error *err)
{
	struct bulk_state b = {.out = out, .max = max};
	yajl_status ys;

	if (body == NULL || len == 0)
		return os_fail(err, OS_EINVAL, "", "empty body");
	b.h = yajl_alloc(&bulk_callbacks, NULL, &b);
	if (b.h == NULL)
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	ys = yajl_parse(b.h, (const unsigned char *)body, len);
	if (ys == yajl_status_ok)
		ys = yajl_complete_parse(b.h);
	yajl_free(b.h);
	if (b.failed)
		return os_fail(err, OS_EINVAL, "", "%s", b.why);
	if (ys != yajl_status_ok)
		return os_fail(err, OS_EINVAL, "", "malformed JSON");
	*n = b.n;
	return OS_OK;
}
