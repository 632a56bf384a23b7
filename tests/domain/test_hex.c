/* Hex text of bytes, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/hex.h"
#include "tests/support/test_main.h"

static void test_digit(void **state)
{
	(void)state;
	assert_int_equal(hex_digit('0'), 0);
	assert_int_equal(hex_digit('9'), 9);
	assert_int_equal(hex_digit('a'), 10);
	assert_int_equal(hex_digit('F'), 15);
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('/'), -1);
	assert_int_equal(hex_digit(':'), -1);
	assert_int_equal(hex_digit('@'), -1);
	assert_int_equal(hex_digit('\0'), -1);
}

static void test_encode(void **state)
{
	static const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(in) + 1];

	(void)state;
	memset(out, 'x', sizeof(out));
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void test_decode(void **state)
{
	uint8_t out[4];

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_true(hex_decode("00Ab7fFF", 4, out));
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xab);
	assert_int_equal(out[2], 0x7f);
	assert_int_equal(out[3], 0xff);
	assert_true(hex_decode("zz", 0, out)); /* nothing read */
	assert_false(hex_decode("0g", 1, out));
	assert_false(hex_decode("g0", 1, out));
	assert_false(hex_decode("00 1", 2, out));
	assert_false(hex_decode("0-", 1, out));
}

static void test_round_trip(void **state)
{
	uint8_t in[256], back[256];
	char text[2 * sizeof(in) + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	hex_encode(in, sizeof(in), text);
	assert_int_equal(strlen(text), 2 * sizeof(in));
	assert_true(hex_decode(text, sizeof(back), back));
	assert_memory_equal(in, back, sizeof(in));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_digit),
    cmocka_unit_test(test_encode),
    cmocka_unit_test(test_decode),
    cmocka_unit_test(test_round_trip),
};

TEST_MAIN(tests, NULL, NULL);
