/* The bulk body's splitter (infrastructure/http/order_bulk_json.c): the
 * elements' slices, and the refusals of what is not one bounded array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/order_bulk_json.h"
#include "tests/support/test_main.h"

static void test_bulk_split(void **state)
{
	const char *body = " [ {\"a\":1} , 5, {\"b\":[{}]}, [1], \"s\" ] ";
	struct order_json_slice s[8];
	struct os_error err;
	size_t n = 0;

	(void)state;
	assert_int_equal(order_json_split_bulk(body, strlen(body), s, 8, &n, &err), OS_OK);
	assert_int_equal(n, 5);
	assert_true(s[0].is_object);
	assert_int_equal(s[0].len, 7);
	assert_memory_equal(body + s[0].offset, "{\"a\":1}", 7);
	assert_false(s[1].is_object);
	assert_true(s[2].is_object);
	assert_memory_equal(body + s[2].offset, "{\"b\":[{}]}", s[2].len);
	assert_int_equal(s[2].len, 10);
	assert_false(s[3].is_object);
	assert_false(s[4].is_object);
}

static void test_bulk_refusals(void **state)
{
	struct order_json_slice s[2];
	struct os_error err;
	size_t n;

	(void)state;
	assert_int_equal(order_json_split_bulk("{}", 2, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[{},{},{}]", 10, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[{}", 3, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("", 0, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[] []", 5, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[]", 2, s, 2, &n, &err), OS_OK);
	assert_int_equal(n, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bulk_split),
    cmocka_unit_test(test_bulk_refusals),
};

TEST_MAIN(tests, NULL, NULL);
