/* The one decimal integer reader: its grammar, its range and int64's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/decimal.h"
#include "tests/support/test_main.h"

static void test_accepted(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} cases[] = {
	    {"0", 0},
	    {"7", 7},
	    {"007", 7},
	    {"-1", -1},
	    {"100", 100},
	    {"9223372036854775807", INT64_MAX},
	    {"-9223372036854775808", INT64_MIN},
	    {"000000000000000000000000042", 42},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -99;

		if (!decimal_parse(cases[i].s, strlen(cases[i].s), INT64_MIN, INT64_MAX, &v))
			fail_msg("\"%s\" was refused", cases[i].s);
		if (v != cases[i].want)
			fail_msg("\"%s\" read as %lld", cases[i].s, (long long)v);
	}
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "-",
	    "+1",
	    " 1",
	    "1 ",
	    "1\n",
	    "0x10",
	    "1e3",
	    "1.0",
	    "--1",
	    "-0",
	    "١", /* a digit, but not 0-9 */
	    "9223372036854775808",
	    "-9223372036854775809",
	    "18446744073709551616",
	    "99999999999999999999999",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = -99;

		if (decimal_parse(bad[i], strlen(bad[i]), INT64_MIN, INT64_MAX, &v))
			fail_msg("\"%s\" was accepted as %lld", bad[i], (long long)v);
		if (v != -99)
			fail_msg("\"%s\" wrote out", bad[i]);
	}
}

/* lo and hi are inclusive; a value outside leaves out alone. */
static void test_range(void **state)
{
	int64_t v = -99;

	(void)state;
	assert_true(decimal_parse("1", 1, 1, 100, &v));
	assert_int_equal(v, 1);
	assert_true(decimal_parse("100", 3, 1, 100, &v));
	assert_int_equal(v, 100);
	v = -99;
	assert_false(decimal_parse("0", 1, 1, 100, &v));
	assert_false(decimal_parse("101", 3, 1, 100, &v));
	assert_false(decimal_parse("-5", 2, 0, INT64_MAX, &v));
	assert_int_equal(v, -99);
}

/* Only len bytes are read: the text need not end in a NUL. */
static void test_length_bounds_the_text(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_true(decimal_parse("12x", 2, 0, 100, &v));
	assert_int_equal(v, 12);
	assert_false(decimal_parse("12x", 3, 0, 100, &v));
	assert_false(decimal_parse("12", 0, 0, 100, &v));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_accepted),
    cmocka_unit_test(test_refused),
    cmocka_unit_test(test_range),
    cmocka_unit_test(test_length_bounds_the_text),
};

TEST_MAIN(tests, NULL, NULL);
