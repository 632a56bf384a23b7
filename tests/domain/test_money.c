/* Integer-cent money: parsing, formatting, overflow-checked arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/money.h"
#include "tests/support/test_main.h"

static enum os_status parse(const char *s, int64_t *cents)
{
	return money_parse(s, strlen(s), cents);
}

static void test_parse_valid(void **state)
{
	static const struct {
		const char *text;
		int64_t cents;
	} cases[] = {
	    {"0", 0},	      {"350", 35000},
	    {"350.5", 35050}, {"350.50", 35050},
	    {"0.01", 1},      {"0.10", 10},
	    {"007.00", 700},  {"999999999999999.99", INT64_C(99999999999999999)},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = -1;

		assert_int_equal(parse(cases[i].text, &got), OS_OK);
		assert_int_equal(got, cases[i].cents);
	}
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    ".",
	    "1.",
	    ".5",
	    "-1",
	    "+1",
	    "1.234",
	    "1e3",
	    " 1",
	    "1 ",
	    "1,00",
	    "abc",
	    "1.2.3",
	    "1000000000000000.00",
	    "99999999999999999999999",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t got = 77;

		if (parse(bad[i], &got) != OS_EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(got, 77);
	}
	assert_int_equal(money_parse(NULL, 0, NULL), OS_EINVAL);
	/* Only len bytes count: "12" of "12x". */
	{
		int64_t got = 0;

		assert_int_equal(money_parse("12x", 2, &got), OS_OK);
		assert_int_equal(got, 1200);
	}
}

static void test_format(void **state)
{
	char buf[MONEY_STR_MAX];
	char tiny[4];

	(void)state;
	assert_int_equal(money_format(35000, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "350.00");
	money_format(5, buf, sizeof(buf));
	assert_string_equal(buf, "0.05");
	money_format(-1234, buf, sizeof(buf));
	assert_string_equal(buf, "-12.34");
	money_format(MONEY_MAX_CENTS, buf, sizeof(buf));
	assert_string_equal(buf, "999999999999999.99");
	assert_int_equal(money_format(35000, tiny, sizeof(tiny)), 0);
}

static void test_round_trip(void **state)
{
	static const int64_t values[] = {0, 1, 99, 100, 101, 123456789, MONEY_MAX_CENTS};
	char buf[MONEY_STR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int64_t back = -1;
		size_t n = money_format(values[i], buf, sizeof(buf));

		assert_true(n > 0);
		assert_int_equal(money_parse(buf, n, &back), OS_OK);
		assert_int_equal(back, values[i]);
	}
}

static void test_arithmetic(void **state)
{
	int64_t out = 5;

	(void)state;
	assert_int_equal(money_mul(10000, 3, &out), OS_OK);
	assert_int_equal(out, 30000);
	assert_int_equal(money_mul(123, 0, &out), OS_OK);
	assert_int_equal(out, 0);
	out = 5;
	assert_int_equal(money_mul(MONEY_MAX_CENTS, 2, &out), OS_EINVAL);
	assert_int_equal(money_mul(-1, 2, &out), OS_EINVAL);
	assert_int_equal(money_mul(1, -2, &out), OS_EINVAL);
	assert_int_equal(money_mul(INT64_MAX, INT64_MAX, &out), OS_EINVAL);
	assert_int_equal(out, 5);
	assert_int_equal(money_add(MONEY_MAX_CENTS - 1, 1, &out), OS_OK);
	assert_int_equal(out, MONEY_MAX_CENTS);
	out = 5;
	assert_int_equal(money_add(MONEY_MAX_CENTS, 1, &out), OS_EINVAL);
	assert_int_equal(money_add(-1, 1, &out), OS_EINVAL);
	assert_int_equal(money_add(INT64_MAX, INT64_MAX, &out), OS_EINVAL);
	assert_int_equal(out, 5);
}

static const struct CMUnitTest tests[] = {
    /* money_parse */
    cmocka_unit_test(test_parse_valid),
    cmocka_unit_test(test_parse_invalid),
    /* money_format */
    cmocka_unit_test(test_format),
    cmocka_unit_test(test_round_trip),
    /* money arithmetic */
    cmocka_unit_test(test_arithmetic),
};

TEST_MAIN(tests, NULL, NULL);
