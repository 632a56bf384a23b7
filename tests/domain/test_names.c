/* Lookups in tables of names: exact spellings only, gaps and NULs never match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/names.h"
#include "tests/support/test_main.h"

enum colour { RED = 0, GREEN = 2, BLUE = 3 };

/* GREEN is 2: entry 1 is a gap. */
static const char *const colours[] = {
    [RED] = "red",
    [GREEN] = "green",
    [BLUE] = "blue",
};

static int find(const char *s, size_t len)
{
	return names_index(colours, NAMES_COUNT(colours), s, len);
}

static void test_exact_spellings(void **state)
{
	(void)state;
	assert_int_equal(NAMES_COUNT(colours), 4);
	assert_int_equal(find("red", 3), RED);
	assert_int_equal(find("green", 5), GREEN);
	assert_int_equal(find("blue", 4), BLUE);
	/* the length decides, not a terminator: "blueish" cut at 4 is "blue" */
	assert_int_equal(find("blueish", 4), BLUE);
}

static void test_everything_else_is_missing(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} misses[] = {
	    {"", 0},	  {"re", 2},	 {"redd", 4}, {"Red", 3},
	    {"red\0", 4}, {"gr\0en", 5}, {"blu", 3},  {"blueish", 7},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		print_message("miss %zu\n", i);
		assert_int_equal(find(misses[i].s, misses[i].len), -1);
	}
	assert_int_equal(find(NULL, 0), -1);
	assert_int_equal(find(NULL, 3), -1);
	assert_int_equal(names_index(colours, 0, "red", 3), -1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_exact_spellings),
    cmocka_unit_test(test_everything_else_is_missing),
};

TEST_MAIN(tests, NULL, NULL);
