/* The cancel body's decoder (infrastructure/http/order_cancel_json.c): an
 * empty body, a reason, and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "infrastructure/http/order_cancel_json.h"
#include "tests/support/test_main.h"

static void test_cancel(void **state)
{
	char reason[ORDER_REASON_MAX + 1];
	struct os_error err;

	(void)state;
	assert_int_equal(order_json_decode_cancel("", 0, reason, &err), OS_OK);
	assert_string_equal(reason, "");
	assert_int_equal(
	    order_json_decode_cancel("{\"reason\":\"changed mind\"}", 25, reason, &err), OS_OK);
	assert_string_equal(reason, "changed mind");
	assert_int_equal(order_json_decode_cancel("{\"reason\":5}", 12, reason, &err), OS_EINVAL);
	assert_string_equal(err.field, "reason");
	assert_int_equal(order_json_decode_cancel("[]", 2, reason, &err), OS_EINVAL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cancel),
};

TEST_MAIN(tests, NULL, NULL);
