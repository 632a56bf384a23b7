/* UUID text form and version 7 construction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/uuid.h"
#include "tests/support/test_main.h"

static const char *const SAMPLE = "0190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8d";

static void test_round_trip(void **state)
{
	struct uuid u;
	char text[UUID_STR_LEN + 1];

	(void)state;
	assert_int_equal(uuid_parse(SAMPLE, strlen(SAMPLE), &u), OS_OK);
	assert_int_equal(u.b[0], 0x01);
	assert_int_equal(u.b[15], 0x8d);
	uuid_format(&u, text);
	assert_string_equal(text, SAMPLE);
}

static void test_uppercase_accepted(void **state)
{
	const char *upper = "0190A4F2-7C1E-4D3A-9B2C-3E4F5A6B7C8D";
	struct uuid a, b;

	(void)state;
	assert_int_equal(uuid_parse(upper, strlen(upper), &a), OS_OK);
	assert_int_equal(uuid_parse(SAMPLE, strlen(SAMPLE), &b), OS_OK);
	assert_true(uuid_equal(&a, &b));
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    "0190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8",   /* short */
	    "0190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8d0", /* long */
	    "0190a4f2x7c1e-4d3a-9b2c-3e4f5a6b7c8d",  /* dash */
	    "0190a4f2-7c1ex4d3a-9b2c-3e4f5a6b7c8d",  /* second dash */
	    "0190a4f2-7c1e-4d3ax9b2c-3e4f5a6b7c8d",  /* third dash */
	    "0190a4f2-7c1e-4d3a-9b2cx3e4f5a6b7c8d",  /* fourth dash */
	    "-190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8d",  /* dash in a group */
	    "0190a4f27c1e-4d3a-9b2c-3e4f5a6b7c8d0",  /* dash moved */
	    "0190a4g2-7c1e-4d3a-9b2c-3e4f5a6b7c8d",  /* not hex */
	    "{190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8d",
	    "0190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8 ",
	};
	struct uuid u;
	size_t i;

	(void)state;
	memset(&u, 0xee, sizeof(u));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (uuid_parse(bad[i], strlen(bad[i]), &u) != OS_EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
	assert_int_equal(uuid_parse(NULL, 36, &u), OS_EINVAL);
	assert_int_equal(u.b[0], 0xee);
}

static void test_v7_layout(void **state)
{
	const uint8_t rnd[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	int64_t ms = INT64_C(0x0123456789ab);
	struct uuid u;

	(void)state;
	uuid_v7(&u, ms, rnd);
	assert_int_equal(u.b[0], 0x01);
	assert_int_equal(u.b[5], 0xab);
	assert_int_equal(u.b[6] >> 4, 7);      /* version */
	assert_int_equal(u.b[8] >> 6, 2);      /* variant 10 */
	assert_int_equal(u.b[6] & 0x0f, 0x0f); /* random bits kept */
	assert_int_equal(u.b[15], 0xff);
}

static void test_v7_time_ordered(void **state)
{
	const uint8_t hi[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t lo[10] = {0};
	struct uuid a, b;

	(void)state;
	uuid_v7(&a, 1000, hi);
	uuid_v7(&b, 1001, lo);
	assert_true(memcmp(a.b, b.b, 16) < 0);
}

static void test_nil_and_equal(void **state)
{
	struct uuid nil, u;

	(void)state;
	memset(&nil, 0, sizeof(nil));
	assert_true(uuid_is_nil(&nil));
	assert_int_equal(uuid_parse(SAMPLE, strlen(SAMPLE), &u), OS_OK);
	assert_false(uuid_is_nil(&u));
	assert_false(uuid_equal(&u, &nil));
	assert_true(uuid_equal(&u, &u));
}

static const struct CMUnitTest tests[] = {
    /* uuid_parse, uuid_format, uuid_equal, uuid_is_nil */
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_uppercase_accepted),
    cmocka_unit_test(test_invalid),
    cmocka_unit_test(test_nil_and_equal),
    /* uuid_v7 */
    cmocka_unit_test(test_v7_layout),
    cmocka_unit_test(test_v7_time_ordered),
};

TEST_MAIN(tests, NULL, NULL);
