/*
 * RFC 3339 formatting of Unix microseconds: UTC calendar edges (leap day,
 * year ends, 2^31 seconds, the last four-digit year), milliseconds cut and
 * never rounded, the length returned, and the refusals (a buffer too small,
 * a time before the epoch or past the year 9999).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/timefmt.h"
#include "tests/support/test_main.h"

/* Expected texts worked out by hand and checked with `date -u -d @<secs>`. */
static void test_formats(void **state)
{
	static const struct {
		int64_t unix_us;
		const char *text;
	} cases[] = {
	    {0, "1970-01-01T00:00:00.000Z"},
	    {999, "1970-01-01T00:00:00.000Z"}, /* under a millisecond: cut */
	    {1000, "1970-01-01T00:00:00.001Z"},
	    {999999, "1970-01-01T00:00:00.999Z"}, /* cut, not rounded up */
	    {1000000, "1970-01-01T00:00:01.000Z"},
	    {INT64_C(951782400000000), "2000-02-29T00:00:00.000Z"}, /* leap day */
	    {INT64_C(951868799999999), "2000-02-29T23:59:59.999Z"},
	    {INT64_C(1234567890123456), "2009-02-13T23:31:30.123Z"},
	    {INT64_C(1704067199999000), "2023-12-31T23:59:59.999Z"},
	    {INT64_C(1767225600000000), "2026-01-01T00:00:00.000Z"},
	    {INT64_C(2147483647000000), "2038-01-19T03:14:07.000Z"},
	    {INT64_C(2147483648000000), "2038-01-19T03:14:08.000Z"}, /* past 32-bit time_t */
	    {INT64_C(253402300799999999), "9999-12-31T23:59:59.999Z"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[TIMEFMT_RFC3339_MAX] = "";
		size_t n = timefmt_rfc3339(cases[i].unix_us, buf, sizeof(buf));

		if (n != 24 || strcmp(buf, cases[i].text) != 0)
			fail_msg("case %zu: want \"%s\" (24), got \"%s\" (%zu)", i, cases[i].text,
				 buf, n);
	}
}

/* The text takes 24 bytes and its NUL one more: cap 25 is the least that
 * fits; anything less answers 0. */
static void test_capacity(void **state)
{
	static const struct {
		size_t cap;
		size_t want;
	} cases[] = {
	    {TIMEFMT_RFC3339_MAX, 24}, {26, 24}, {25, 24}, {24, 0}, {23, 0}, {1, 0}, {0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[TIMEFMT_RFC3339_MAX] = "";
		size_t n = timefmt_rfc3339(INT64_C(1234567890123456), buf, cases[i].cap);

		if (n != cases[i].want)
			fail_msg("case %zu: cap %zu gave %zu, want %zu", i, cases[i].cap, n,
				 cases[i].want);
		if (n > 0)
			assert_string_equal(buf, "2009-02-13T23:31:30.123Z");
	}
}

/* Times before 1970, and past 9999 (a five-digit year is not RFC 3339),
 * have no text here: 0. */
static void test_outside_the_range(void **state)
{
	static const int64_t outside[] = {-1,	     -999,
					  -1000000,  INT64_C(-951782400000000),
					  INT64_MIN, INT64_C(253402300800000000), /* 10000-01-01 */
					  INT64_MAX};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		char buf[TIMEFMT_RFC3339_MAX] = "";

		if (timefmt_rfc3339(outside[i], buf, sizeof(buf)) != 0)
			fail_msg("case %zu: %lld was formatted as \"%s\"", i, (long long)outside[i],
				 buf);
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_formats),
    cmocka_unit_test(test_capacity),
    cmocka_unit_test(test_outside_the_range),
};

TEST_MAIN(tests, NULL, NULL);
