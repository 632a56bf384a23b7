/*
 * The JSON writer: escaping, commas and nesting, each scalar's form, and the
 * one failure policy (a value that does not format, a misuse, nesting or the
 * sbuf's ceiling fail the buffer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/json_write.h"
#include "tests/support/test_main.h"

/* Starts w on a fresh sb of at most max bytes, with an object open. */
static void open_object(struct json_writer *w, struct sbuf *sb, size_t max)
{
	sbuf_init(sb, max);
	json_write_init(w, sb);
	json_write_object(w, NULL);
}

/* Closes the object open_object began, checks that w wrote exactly want
 * and releases sb. */
static void close_object_as(struct json_writer *w, struct sbuf *sb, const char *want)
{
	json_write_end(w);
	assert_true(json_write_ok(w));
	assert_string_equal(sb->buf, want);
	sbuf_release(sb);
}

static void test_escaping(void **state)
{
	const char in[] = "a\"b\\c\nd\te\rf\x01g\x1fh\xc3\xa9";
	struct json_writer w;
	struct sbuf sb;

	(void)state;
	open_object(&w, &sb, 256);
	json_write_strn(&w, "k", in, sizeof(in) - 1);
	json_write_int(&w, "n", 1);
	json_write_strn(&w, "z", "a\0b", 3);
	close_object_as(&w, &sb,
			"{\"k\":\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u001fh\xc3\xa9\","
			"\"n\":1,\"z\":\"a\\u0000b\"}");
}

static void test_nesting_and_scalars(void **state)
{
	static const struct uuid u = {{0x01, 0x90, 0xa6, 0xd2, 0x7f, 0x3b, 0x7c, 0x1e, 0x9a, 0x4b,
				       0x2f, 0x6d, 0x8e, 0x0c, 0x1a, 0x3b}};
	struct json_writer w;
	struct sbuf sb;

	(void)state;
	open_object(&w, &sb, 1024);
	json_write_uuid(&w, "id", &u);
	json_write_money(&w, "amount", 1250);
	json_write_time(&w, "at", INT64_C(1700000000123456));
	json_write_array(&w, "items");
	json_write_object(&w, NULL);
	json_write_int(&w, "quantity", INT64_C(-9000000000));
	json_write_end(&w);
	json_write_object(&w, NULL);
	json_write_end(&w);
	json_write_null(&w, NULL);
	json_write_bool(&w, NULL, false);
	json_write_end(&w);
	json_write_str_or_null(&w, "a", "");
	json_write_str_or_null(&w, "b", NULL);
	json_write_str_or_null(&w, "c", "x");
	json_write_bool(&w, "d", true);
	json_write_raw(&w, "e", "[1,2]", 5);
	close_object_as(&w, &sb,
			"{\"id\":\"0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b\","
			"\"amount\":\"12.50\",\"at\":\"2023-11-14T22:13:20.123Z\","
			"\"items\":[{\"quantity\":-9000000000},{},null,false],"
			"\"a\":null,\"b\":null,\"c\":\"x\",\"d\":true,\"e\":[1,2]}");
}

/* Writes {"v": <v written by write>} and says whether the writer is fine. */
static bool writes_ok(void (*write)(struct json_writer *, const char *, int64_t), int64_t v)
{
	struct json_writer w;
	struct sbuf sb;
	bool ok;

	open_object(&w, &sb, 256);
	write(&w, "v", v);
	json_write_end(&w);
	ok = json_write_ok(&w);
	sbuf_release(&sb);
	return ok;
}

static void test_unformattable_values_fail(void **state)
{
	(void)state;
	assert_true(writes_ok(json_write_money, 0));
	assert_true(writes_ok(json_write_money, INT64_MAX));
	assert_true(writes_ok(json_write_time, 0));
	assert_false(writes_ok(json_write_time, -1)); /* before 1970: an error, never null */
}

static void test_misuse_fails(void **state)
{
	struct json_writer w;
	struct sbuf sb;
	int i;

	(void)state;
	sbuf_init(&sb, 4096);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	json_write_int(&w, NULL, 1); /* a member without a key */
	assert_false(sbuf_ok(&sb));

	sbuf_reset(&sb);
	json_write_init(&w, &sb);
	json_write_array(&w, NULL);
	json_write_int(&w, "k", 1); /* an element with a key */
	assert_false(sbuf_ok(&sb));

	sbuf_reset(&sb);
	json_write_init(&w, &sb);
	json_write_end(&w); /* nothing open */
	assert_false(sbuf_ok(&sb));

	sbuf_reset(&sb);
	json_write_init(&w, &sb);
	json_write_array(&w, NULL);
	assert_true(sbuf_ok(&sb));
	assert_false(json_write_ok(&w)); /* still open */

	sbuf_reset(&sb);
	json_write_init(&w, &sb);
	for (i = 0; i < JSON_WRITE_DEPTH_MAX; i++)
		json_write_array(&w, NULL);
	assert_true(sbuf_ok(&sb));
	json_write_array(&w, NULL);
	assert_false(sbuf_ok(&sb));
	sbuf_release(&sb);
}

static void test_ceiling_fails(void **state)
{
	struct json_writer w;
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb, 8);
	json_write_init(&w, &sb);
	json_write_str(&w, NULL, "12345678");
	assert_false(json_write_ok(&w));
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_escaping),
    cmocka_unit_test(test_nesting_and_scalars),
    cmocka_unit_test(test_unformattable_values_fail),
    cmocka_unit_test(test_misuse_fails),
    cmocka_unit_test(test_ceiling_fails),
};

TEST_MAIN(tests, NULL, NULL);
