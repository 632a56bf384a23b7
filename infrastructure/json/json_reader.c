/* The bounded streaming JSON reader on yajl's callbacks; see json_reader.h. */
#include "infrastructure/json/json_reader.h"

#include <stdio.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "app/inbox_port.h"
#include "domain/money.h"
#include "domain/names.h"
#include "domain/utf8.h"

/* The limits of each kind of input, in one place. */
const struct json_limits json_limits_api = {
    .bytes = 1024 * 1024, .depth = 8, .string_bytes = 4096, .keys = 64, .elements = 256};
const struct json_limits json_limits_bulk = {.bytes = 1024 * 1024,
					     .depth = 9,
					     .string_bytes = 4096,
					     .keys = 64,
					     .elements = 256,
					     .utf8_by_part = true};
const struct json_limits json_limits_message = {.bytes = INBOX_PAYLOAD_MAX,
						.depth = 32,
						.string_bytes = INBOX_PAYLOAD_MAX,
						.keys = 1024,
						.elements = 4096};
const struct json_limits json_limits_catalog = {.bytes = JSON_CATALOG_BYTES_MAX,
						.depth = 16,
						.string_bytes = JSON_CATALOG_BYTES_MAX,
						.keys = 1024,
						.elements = 4096};
const struct json_limits json_limits_headers = {
    .bytes = 4096, .depth = 2, .string_bytes = 4096, .keys = 16, .elements = 16};
const struct json_limits json_limits_sim = {
    .bytes = 1024 * 1024, .depth = 32, .string_bytes = 256 * 1024, .keys = 4096, .elements = 16384};

bool json_reader_fail(struct json_reader *r, enum os_status st, const char *field,
		      const char *message)
{
	if (r->st == OS_OK) {
		r->st = st;
		os_fail(r->err, st, field, "%s", message);
	}
	return false;
}

bool json_reader_require(struct json_reader *r, const struct json_frame *f, uint32_t required)
{
	uint32_t missing = required & ~f->seen;
	char path[OS_ERROR_FIELD_MAX];
	int k;

	for (k = 0; k < 32; k++) {
		if (!(missing & (UINT32_C(1) << k)))
			continue;
		r->schema->key_path(r, f, k, path, sizeof(path));
		return json_reader_fail(r, OS_EINVAL, path, "is required");
	}
	return true;
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return "a boolean";
	case JSON_NUMBER: return "a number";
	case JSON_STRING: return "a string";
	case JSON_MAP: return "an object";
	case JSON_ARRAY: return "an array";
	}
	return "a value";
}

/* Digits of an integer's magnitude, and its sign, from a JSON number's text
 * (yajl has checked its grammar): the mantissa's digits shifted by the
 * exponent. False when a non-zero digit would fall after the point or the
 * magnitude needs more than 20 digits. */
#define JSON_INT_DIGITS 20
static bool whole_digits(const char *s, size_t len, char *digits, size_t *n, bool *neg)
{
	char mant[JSON_INT_DIGITS * 2 + 1];
	size_t i = 0, m = 0, frac = 0, keep;
	long exp = 0, shift;
	bool point = false, eneg = false;

	*neg = len > 0 && s[0] == '-';
	i = *neg ? 1 : 0;
	for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] == '.') {
			point = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (m == 0 && s[i] == '0') { /* leading zeros carry no digit */
			frac += point;
			continue;
		}
		if (m == sizeof(mant))
			return false;
		mant[m++] = s[i];
		frac += point;
	}
	if (i < len) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < len; i++) {
			if (s[i] < '0' || s[i] > '9' || exp > 1000)
				return false;
			exp = exp * 10 + (s[i] - '0');
		}
	}
	shift = (eneg ? -exp : exp) - (long)frac; /* value = mant x 10^shift */
	if (shift < 0) {
		if ((size_t)-shift > m)
			keep = 0;
		else
			keep = m - (size_t)-shift;
		for (i = keep; i < m; i++)
			if (mant[i] != '0')
				return false;
		m = keep;
		shift = 0;
	}
	if (m == 0) {
		*n = 0;
		return true;
	}
	if (m + (size_t)shift > JSON_INT_DIGITS)
		return false;
	memcpy(digits, mant, m);
	memset(digits + m, '0', (size_t)shift);
	*n = m + (size_t)shift;
	return true;
}

bool json_number_int64(const char *s, size_t len, int64_t *out)
{
	char digits[JSON_INT_DIGITS];
	int64_t v = 0;
	size_t i, n;
	bool neg;

	if (len == 0 || !whole_digits(s, len, digits, &n, &neg))
		return false;
	for (i = 0; i < n; i++) {
		int d = digits[i] - '0';

		/* Accumulate negatively so INT64_MIN fits too. */
		if (v < (INT64_MIN + d) / 10)
			return false;
		v = v * 10 - d;
	}
	if (!neg && v == INT64_MIN)
		return false;
	*out = neg ? v : -v;
	return true;
}

bool json_copy_string(const char *s, size_t len, char *out, size_t max)
{
	if (len > max || memchr(s, '\0', len) != NULL)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

bool json_reader_want(struct json_reader *r, const char *field, const char *want,
		      enum json_type got)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "must be %s, not %s", want, json_type_name(got));
	return json_reader_fail(r, OS_EINVAL, field, msg);
}

bool json_reader_string(struct json_reader *r, const char *field, enum json_type t, const char *s,
			size_t len, char *out, size_t max)
{
	char msg[64];

	if (t != JSON_STRING)
		return json_reader_want(r, field, "a string", t);
	if (json_copy_string(s, len, out, max))
		return true;
	snprintf(msg, sizeof(msg), "must be a string of at most %zu bytes without NUL", max);
	return json_reader_fail(r, OS_EINVAL, field, msg);
}

bool json_reader_open(struct json_reader *r, const char *field, enum json_type want, bool null_ok,
		      enum json_type t, int role, int *out_role)
{
	if (null_ok && t == JSON_NULL)
		return true;
	if (t != want)
		return json_reader_want(r, field, want == JSON_MAP ? "an object" : "an array", t);
	*out_role = role;
	return true;
}

bool json_reader_open_root(struct json_reader *r, enum json_type t, int role, int *out_role)
{
	if (t != JSON_MAP)
		return json_reader_want(r, "", "a JSON object", t);
	*out_role = role;
	return true;
}

bool json_reader_open_entry(struct json_reader *r, const char *field, size_t *count, size_t max,
			    enum json_type t, int role, int *out_role)
{
	char path[OS_ERROR_FIELD_MAX], msg[OS_ERROR_MESSAGE_MAX];

	if (t != JSON_MAP) {
		snprintf(path, sizeof(path), "%s[%zu]", field, *count);
		return json_reader_want(r, path, "an object", t);
	}
	if (*count == max) {
		snprintf(msg, sizeof(msg), "too many %s (at most %zu)", field, max);
		return json_reader_fail(r, OS_EINVAL, field, msg);
	}
	(*count)++;
	*out_role = role;
	return true;
}

bool json_reader_int(struct json_reader *r, const char *field, enum json_type t, const char *s,
		     size_t len, int64_t *out)
{
	if (t != JSON_NUMBER)
		return json_reader_want(r, field, "an integer", t);
	if (!json_number_int64(s, len, out))
		return json_reader_fail(r, OS_EINVAL, field, "must be an integer");
	return true;
}

bool json_reader_uuid(struct json_reader *r, const char *field, enum json_type t, const char *s,
		      size_t len, struct uuid *out)
{
	if (t != JSON_STRING)
		return json_reader_want(r, field, "a string", t);
	if (uuid_parse(s, len, out) != OS_OK)
		return json_reader_fail(r, OS_EINVAL, field, "must be a UUID");
	return true;
}

bool json_reader_money(struct json_reader *r, const char *field, bool number_ok, enum json_type t,
		       const char *s, size_t len, int64_t *cents)
{
	if (t != JSON_STRING && !(number_ok && t == JSON_NUMBER))
		return json_reader_want(
		    r, field, number_ok ? "a decimal string or number" : "a decimal string", t);
	if (money_parse(s, len, cents) != OS_OK)
		return json_reader_fail(r, OS_EINVAL, field,
					"must be a non-negative amount with at most two decimals");
	return true;
}

size_t json_reader_offset(const struct json_reader *r)
{
	return yajl_get_bytes_consumed(r->handle);
}

static struct json_frame *top(struct json_reader *r)
{
	return r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
}

/* A value arrived: skipped inside a skipped container, else the schema's.
 * role receives the role for a container. */
static bool on_value(struct json_reader *r, enum json_type t, const char *s, size_t len, int *role)
{
	struct json_frame *parent = top(r);

	*role = JSON_ROLE_SKIP;
	if (parent && !parent->is_map && ++parent->count > r->limits->elements)
		return json_reader_fail(r, OS_EINVAL, "", "too many elements in an array");
	if (r->schema == NULL)
		return true;
	if (parent && (parent->role == JSON_ROLE_SKIP || (parent->is_map && parent->key < 0)))
		return true;
	return r->schema->value(r, parent, t, s, len, role);
}

static int cb_scalar(struct json_reader *r, enum json_type t, const char *s, size_t len)
{
	int role;

	return on_value(r, t, s, len, &role) ? 1 : 0;
}

static int cb_null(void *ctx)
{
	return cb_scalar(ctx, JSON_NULL, "", 0);
}

static int cb_bool(void *ctx, int v)
{
	return cb_scalar(ctx, JSON_BOOL, v ? "true" : "false", v ? 4 : 5);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	return cb_scalar(ctx, JSON_NUMBER, s, len);
}

static bool string_ok(struct json_reader *r, size_t len)
{
	if (len <= r->limits->string_bytes)
		return true;
	return json_reader_fail(r, OS_EINVAL, "", "string too long");
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	if (!string_ok(ctx, len))
		return 0;
	return cb_scalar(ctx, JSON_STRING, (const char *)s, len);
}

static int open_container(struct json_reader *r, bool is_map)
{
	struct json_frame *f;
	int role;

	if (!on_value(r, is_map ? JSON_MAP : JSON_ARRAY, "", 0, &role))
		return 0;
	if (r->depth >= r->limits->depth || r->depth == JSON_READER_DEPTH_MAX)
		return json_reader_fail(r, OS_EINVAL, "", "JSON nested too deeply") ? 1 : 0;
	f = &r->stack[r->depth++];
	f->role = role;
	f->is_map = is_map;
	f->key = -1;
	f->seen = 0;
	f->count = 0;
	return 1;
}

static int cb_start_map(void *ctx)
{
	return open_container(ctx, true);
}

static int cb_start_array(void *ctx)
{
	return open_container(ctx, false);
}

static int cb_end(void *ctx)
{
	struct json_reader *r = ctx;
	struct json_frame *f = top(r);

	r->depth--;
	if (f->role == JSON_ROLE_SKIP || r->schema == NULL || r->schema->close == NULL)
		return 1;
	return r->schema->close(r, f) ? 1 : 0;
}

static int cb_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct json_reader *r = ctx;
	struct json_frame *f = top(r);
	char path[OS_ERROR_FIELD_MAX];

	if (!string_ok(r, len))
		return 0;
	if (++f->count > r->limits->keys)
		return json_reader_fail(r, OS_EINVAL, "", "too many keys in an object") ? 1 : 0;
	f->key = -1;
	if (f->role == JSON_ROLE_SKIP || r->schema == NULL)
		return 1;
	f->key = r->schema->key(r, f, (const char *)k, len);
	if (f->key < 0)
		return 1;
	if (f->seen & (UINT32_C(1) << f->key)) {
		r->schema->key_path(r, f, f->key, path, sizeof(path));
		return json_reader_fail(r, OS_EINVAL, path, "duplicate key") ? 1 : 0;
	}
	f->seen |= UINT32_C(1) << f->key;
	return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* Turns a yajl syntax error into OS_EINVAL naming where it stopped. yajl's
 * own text ("lexical error: ...") is an implementation detail and stays
 * out of the answer. */
static void syntax_error(struct json_reader *r, yajl_handle h)
{
	char text[OS_ERROR_MESSAGE_MAX];

	snprintf(text, sizeof(text), "malformed JSON near byte %zu", yajl_get_bytes_consumed(h));
	json_reader_fail(r, OS_EINVAL, "", text);
}

static void flat_complete(struct json_reader *r);

static enum os_status parse(const struct json_schema *schema, const struct json_flat *flat,
			    const struct json_limits *lim, void *target, const char *body,
			    size_t len, struct os_error *err)
{
	struct json_reader r = {
	    .schema = schema, .flat = flat, .limits = lim, .target = target, .err = err};
	yajl_handle h;
	yajl_status ys;

	if (body == NULL || len == 0)
		return os_fail(err, OS_EINVAL, "", "empty body");
	if (len > lim->bytes)
		return os_fail(err, OS_ETOOBIG, "", "JSON larger than %zu bytes", lim->bytes);
	if (!lim->utf8_by_part && !utf8_json_text_ok(body, len))
		return os_fail(
		    err, OS_EINVAL, "",
		    "not strict UTF-8 (overlong form, surrogate or NUL, also as a \\u escape)");
	h = yajl_alloc(&callbacks, NULL, &r);
	if (h == NULL)
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	r.handle = h;
	ys = yajl_parse(h, (const unsigned char *)body, len);
	if (ys == yajl_status_ok)
		ys = yajl_complete_parse(h);
	if (ys == yajl_status_error && r.st == OS_OK)
		syntax_error(&r, h);
	yajl_free(h);
	if (r.st == OS_OK && flat != NULL)
		flat_complete(&r);
	return r.st;
}

enum os_status json_reader_parse(const struct json_schema *schema, const struct json_limits *lim,
				 void *target, const char *body, size_t len, struct os_error *err)
{
	return parse(schema, NULL, lim, target, body, len, err);
}

enum os_status json_reader_check(const struct json_limits *lim, const char *text, size_t len,
				 struct os_error *err)
{
	return json_reader_parse(NULL, lim, NULL, text, len, err);
}

/* ---- flat objects ---- */

enum { FLAT_ROOT = 1 };

static int flat_key(struct json_reader *r, const struct json_frame *f, const char *k, size_t len)
{
	(void)f; /* the root is the only known frame */
	return names_index(r->flat->names, r->flat->count, k, len);
}

static void flat_path(struct json_reader *r, const struct json_frame *f, int key, char *buf,
		      size_t cap)
{
	(void)f;
	snprintf(buf, cap, "%s", r->flat->names[key]);
}

static bool flat_value(struct json_reader *r, const struct json_frame *parent, enum json_type t,
		       const char *s, size_t len, int *role)
{
	if (parent != NULL)
		return r->flat->field(r, parent->key, t, s, len);
	return json_reader_open_root(r, t, FLAT_ROOT, role);
}

/* The root's keys, for flat_complete once the whole text has parsed (a
 * syntax error after the object wins over a missing key). */
static bool flat_close(struct json_reader *r, const struct json_frame *f)
{
	r->flat_seen = f->seen;
	return true;
}

static void flat_complete(struct json_reader *r)
{
	const struct json_frame root = {.role = FLAT_ROOT, .is_map = true, .seen = r->flat_seen};

	json_reader_require(r, &root, r->flat->required);
}

static const struct json_schema flat_schema = {
    .key = flat_key,
    .value = flat_value,
    .close = flat_close,
    .key_path = flat_path,
};

enum os_status json_reader_parse_flat(const struct json_flat *flat, const struct json_limits *lim,
				      void *target, const char *body, size_t len,
				      struct os_error *err)
{
	return parse(&flat_schema, flat, lim, target, body, len, err);
}
