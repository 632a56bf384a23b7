/* What create bodies and webhooks share: the field path a refusal names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/order_body_json.h"
#include "tests/support/test_main.h"

static void test_paths(void **state)
{
	static const struct {
		int role;
		size_t line;
		const char *key;
		const char *want;
	} cases[] = {
	    {ORDER_BODY_LINE, 0, "quantity", "items[0].quantity"},
	    {ORDER_BODY_LINE, 99, "sku", "items[99].sku"},
	    {ORDER_BODY_CUSTOMER, 7, "email", "customer.email"},
	    {ORDER_BODY_ROOT, 7, "user_id", "user_id"},
	    {ORDER_BODY_ITEMS, 7, "items", "items"},
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		order_body_path(buf, sizeof(buf), cases[i].role, cases[i].line, cases[i].key);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, buf, cases[i].want);
	}
}

/* A path longer than the buffer is cut, never written past it. */
static void test_cut_to_the_buffer(void **state)
{
	char buf[12];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	order_body_path(buf, 8, ORDER_BODY_LINE, 12345, "quantity");
	assert_string_equal(buf, "items[1");
	assert_int_equal(buf[8], 'x');
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_paths),
    cmocka_unit_test(test_cut_to_the_buffer),
};

TEST_MAIN(tests, NULL, NULL);
