/*
 * The bulk body as a json_reader schema: an array whose object elements are
 * recorded as byte slices of the body (their contents are skipped here and
 * decoded one by one later); see order_bulk_json.h.
 */
#include "infrastructure/http/order_bulk_json.h"

#include "infrastructure/json/json_reader.h"

enum { BK_ROOT = 1, BK_ELEMENT };

struct bulk_state {
	struct order_json_slice *out;
	size_t max;
	size_t n;
};

/* No key of an element is read here. */
static int bulk_key(struct json_reader *r, const struct json_frame *f, const char *k, size_t len)
{
	(void)r;
	(void)f;
	(void)k;
	(void)len;
	return -1;
}

static void bulk_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
		      size_t cap)
{
	(void)r;
	(void)f;
	(void)key;
	if (cap > 0)
		buf[0] = '\0';
}

/* The root must be an array; each of its elements takes a slice, an object
 * from its '{' (the byte before the reader's offset). */
static bool bulk_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
		       const char *s, size_t len, int *role)
{
	struct bulk_state *b = r->target;
	struct order_json_slice *slice;

	(void)s;
	(void)len;
	if (parent == NULL) {
		if (t != JSON_ARRAY)
			return json_reader_want(r, "", "a JSON array", t);
		*role = BK_ROOT;
		return true;
	}
	if (b->n == b->max)
		return json_reader_fail(r, OS_EINVAL, "", "too many elements");
	slice = &b->out[b->n++];
	slice->is_object = t == JSON_MAP;
	slice->offset = slice->is_object ? json_reader_offset(r) - 1 : 0;
	slice->len = 0;
	if (slice->is_object)
		*role = BK_ELEMENT;
	return true;
}

/* An object element ends after its '}'. */
static bool bulk_close(struct json_reader *r, const struct json_frame *f)
{
	struct bulk_state *b = r->target;
	struct order_json_slice *slice;

	if (f->role != BK_ELEMENT)
		return true;
	slice = &b->out[b->n - 1]; /* the element just closed is the last one */
	slice->len = json_reader_offset(r) - slice->offset;
	return true;
}

static const struct json_schema bulk_schema = {
    .key = bulk_key,
    .value = bulk_value,
    .close = bulk_close,
    .key_path = bulk_path,
};

enum os_status order_json_split_bulk(const char *body, size_t len, struct order_json_slice *out,
				     size_t max, size_t *n, struct os_error *err)
{
	struct bulk_state b = {.out = out, .max = max};
	enum os_status st;

	st = json_reader_parse(&bulk_schema, &json_limits_bulk, &b, body, len, err);
	if (st == OS_OK)
		*n = b.n;
	return st;
}
