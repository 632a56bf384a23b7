/* The answer envelope's error forms (infrastructure/http/envelope_json.c);
 * the data form is checked with an order in test_order_view_json.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "infrastructure/http/envelope_json.h"
#include "tests/support/test_main.h"

/* An error answer: data null, the request id, one error object. */
static void test_error_envelope(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb, 4096);
	order_json_error_envelope(&sb, "r", "validation_failed", "bad", "items[0].quantity", NULL);
	assert_string_equal(sb.buf, "{\"data\":null,\"meta\":{\"request_id\":\"r\"},\"errors\":"
				    "[{\"code\":\"validation_failed\",\"message\":\"bad\","
				    "\"field\":\"items[0].quantity\"}]}");
	sbuf_release(&sb);
}

/* Field and detail left out when NULL or empty. */
static void test_error_object_optional_members(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb, 4096);
	order_json_error_object(&sb, "not_found", "no such order", NULL, "");
	assert_true(sbuf_ok(&sb));
	assert_string_equal(sb.buf, "{\"code\":\"not_found\",\"message\":\"no such order\"}");
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_error_envelope),
    cmocka_unit_test(test_error_object_optional_members),
};

TEST_MAIN(tests, NULL, NULL);
