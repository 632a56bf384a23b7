/* Bounded strings: growth, the ceiling, the sticky failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/sbuf.h"
#include "tests/support/test_main.h"

static void test_grows_past_initial_capacity(void **state)
{
	struct sbuf sb;
	size_t i, len = 0;
	char *s;

	(void)state;
	sbuf_init(&sb, 10000);
	for (i = 0; i < 1000; i++)
		sbuf_adds(&sb, "0123456789");
	assert_true(sbuf_ok(&sb));
	assert_int_equal(sb.len, 10000);
	s = sbuf_detach(&sb, &len);
	assert_non_null(s);
	assert_int_equal(len, 10000);
	assert_int_equal(strlen(s), 10000);
	assert_null(sb.buf);
	free(s);
}

static void test_ceiling_is_sticky(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb, 8);
	sbuf_adds(&sb, "12345678");
	assert_true(sbuf_ok(&sb));
	sbuf_adds(&sb, "9");
	assert_false(sbuf_ok(&sb));
	assert_int_equal(sb.len, 8);
	sbuf_adds(&sb, ""); /* even an empty append does not clear it */
	assert_false(sbuf_ok(&sb));
	assert_null(sbuf_detach(&sb, NULL));
	assert_null(sb.buf);
}

static void test_reset_clears_failure(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb, 4);
	sbuf_adds(&sb, "12345");
	assert_false(sbuf_ok(&sb));
	sbuf_reset(&sb);
	assert_true(sbuf_ok(&sb));
	sbuf_adds(&sb, "ab");
	assert_string_equal(sb.buf, "ab");
	sbuf_release(&sb);
	assert_null(sb.buf);
}

static void test_empty_detach(void **state)
{
	struct sbuf sb;
	size_t len = 9;
	char *s;

	(void)state;
	sbuf_init(&sb, 16);
	s = sbuf_detach(&sb, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
}

static void test_addf_long(void **state)
{
	struct sbuf sb;
	char big[600];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbuf_init(&sb, 1000);
	sbuf_addf(&sb, "<%s|%d>", big, 42);
	assert_true(sbuf_ok(&sb));
	assert_int_equal(sb.len, 1 + 599 + 4);
	assert_memory_equal(sb.buf + 600, "|42>", 4);
	sbuf_addf(&sb, "%s", big); /* over the ceiling */
	assert_false(sbuf_ok(&sb));
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_grows_past_initial_capacity),
    cmocka_unit_test(test_ceiling_is_sticky),
    cmocka_unit_test(test_reset_clears_failure),
    cmocka_unit_test(test_empty_detach),
    cmocka_unit_test(test_addf_long),
};

TEST_MAIN(tests, NULL, NULL);
