/*
 * The one JSON reader (infrastructure/json/json_reader.c): each declared
 * limit at its value and one past it, the strict UTF-8 policy, the API's
 * and the bulk body's limits, and the flat-object helper (required keys,
 * duplicates, unknown keys skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/json/json_reader.h"
#include "tests/support/test_main.h"

/* Checks text against lim; returns the status, and err's message is set on
 * failure. */
static enum os_status check(const struct json_limits *lim, const char *text)
{
	struct os_error err;
	enum os_status st;

	os_error_clear(&err);
	st = json_reader_check(lim, text, strlen(text), &err);
	if (st != OS_OK)
		assert_true(err.message[0] != '\0');
	return st;
}

/* Each declared limit holds at its value and refuses one past it. */
static void test_reader_limits(void **state)
{
	const struct json_limits lim = {
	    .bytes = 40, .depth = 3, .string_bytes = 4, .keys = 2, .elements = 3};
	char big[42] = "";

	(void)state;
	assert_int_equal(check(&lim, "[[[]]]"), OS_OK);
	assert_int_equal(check(&lim, "[[[[]]]]"), OS_EINVAL);
	assert_int_equal(check(&lim, "{\"a\":{\"b\":[1]}}"), OS_OK);
	assert_int_equal(check(&lim, "{\"a\":{\"b\":[{}]}}"), OS_EINVAL);
	assert_int_equal(check(&lim, "[\"abcd\"]"), OS_OK);
	assert_int_equal(check(&lim, "[\"abcde\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "{\"abcd\":1}"), OS_OK);
	assert_int_equal(check(&lim, "{\"abcde\":1}"), OS_EINVAL);
	assert_int_equal(check(&lim, "{\"a\":1,\"b\":{\"c\":1,\"d\":2}}"), OS_OK);
	assert_int_equal(check(&lim, "{\"a\":1,\"b\":2,\"c\":3}"), OS_EINVAL);
	assert_int_equal(check(&lim, "[1,[2,3,4],3]"), OS_OK);
	assert_int_equal(check(&lim, "[1,2,3,4]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[1,2,[1,2,3,4]]"), OS_EINVAL);
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '[';
	big[38] = '1';
	big[39] = ']';
	big[40] = '\0';
	assert_int_equal(check(&lim, big), OS_OK); /* 40 bytes */
	big[39] = ' ';
	big[40] = ']';
	big[41] = '\0';
	assert_int_equal(check(&lim, big), OS_ETOOBIG); /* 41 */
	/* One strict UTF-8 policy: overlong forms, surrogates and NUL, raw or
	 * escaped, are refused before the parse. */
	assert_int_equal(check(&lim, "[\"\xc3\xa9\"]"), OS_OK);
	assert_int_equal(check(&lim, "[\"\xc0\xaf\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[\"\\ud800\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[\"\\u0000\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[1] x"), OS_EINVAL);
	assert_int_equal(check(&lim, ""), OS_EINVAL);
}

/* The API's declared limits: a create body's depth is 8 containers. */
static void test_reader_api_limits(void **state)
{
	(void)state;
	assert_int_equal(json_limits_api.depth, 8);
	assert_int_equal(check(&json_limits_api, "[[[[[[[[1]]]]]]]]"), OS_OK);
	assert_int_equal(check(&json_limits_api, "[[[[[[[[[1]]]]]]]]]"), OS_EINVAL);
	assert_int_equal(check(&json_limits_bulk, "[[[[[[[[[1]]]]]]]]]"), OS_OK);
	/* A bulk body leaves strict UTF-8 to each element's decoder. */
	assert_int_equal(check(&json_limits_api, "[\"\\ud800\"]"), OS_EINVAL);
	assert_int_equal(check(&json_limits_bulk, "[\"\\ud800\"]"), OS_OK);
}

static const char *const flat_names[] = {"a", "b"};

static bool flat_field(struct json_reader *r, int key, enum json_type t, const char *s, size_t len)
{
	int64_t *out = r->target;

	return json_reader_int(r, flat_names[key], t, s, len, &out[key]);
}

static enum os_status flat(const char *body, int64_t *out, struct os_error *err)
{
	static const struct json_flat f = {
	    .names = flat_names, .count = 2, .required = 1, .field = flat_field};

	os_error_clear(err);
	return json_reader_parse_flat(&f, &json_limits_api, out, body, strlen(body), err);
}

/* The flat-object helper: root must be an object, required keys, duplicate
 * known keys, unknown keys skipped whatever they hold. */
static void test_reader_flat(void **state)
{
	int64_t v[2] = {0, 0};
	struct os_error err;

	(void)state;
	assert_int_equal(flat("{\"x\":{\"a\":\"s\"},\"b\":2,\"a\":1}", v, &err), OS_OK);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 2);
	assert_int_equal(flat("[]", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "");
	assert_int_equal(flat("{\"b\":2}", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "a");
	assert_int_equal(flat("{\"a\":1,\"a\":2}", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "a");
	assert_int_equal(flat("{\"a\":\"1\"}", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "a");
	assert_int_equal(flat("{\"a\":[1]}", v, &err), OS_EINVAL);
	assert_int_equal(flat("{\"b\":2} x", v, &err), OS_EINVAL); /* syntax first */
	assert_string_equal(err.field, "");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reader_limits),
    cmocka_unit_test(test_reader_api_limits),
    cmocka_unit_test(test_reader_flat),
};

TEST_MAIN(tests, NULL, NULL);
