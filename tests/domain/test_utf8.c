/* The strict UTF-8 check, its JSON-escape form, and the cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/utf8.h"
#include "tests/support/test_main.h"

static bool valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_valid_text(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("plain ascii"));
	assert_true(valid("\xc3\xa9"));		/* é */
	assert_true(valid("\xe2\x82\xac"));	/* € */
	assert_true(valid("\xed\x9f\xbf"));	/* U+D7FF, last before surrogates */
	assert_true(valid("\xee\x80\x80"));	/* U+E000, first after */
	assert_true(valid("\xf0\x9f\x98\x80")); /* U+1F600 */
	assert_true(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
}

static void test_invalid_text(void **state)
{
	static const char *const bad[] = {
	    "\xc0\xaf",		/* overlong '/' */
	    "\xc1\xbf",		/* overlong */
	    "\xe0\x80\xaf",	/* overlong 3-byte */
	    "\xe0\x9f\xbf",	/* overlong 3-byte, top */
	    "\xf0\x80\x80\xaf", /* overlong 4-byte */
	    "\xf0\x8f\xbf\xbf", /* overlong 4-byte, top */
	    "\xed\xa0\x80",	/* U+D800 */
	    "\xed\xbf\xbf",	/* U+DFFF */
	    "\xf4\x90\x80\x80", /* above U+10FFFF */
	    "\xf5\x80\x80\x80", "\xff", "\x80", "\xc3", "\xe2\x82", "a\xc3(", "\xe2\x28\xa1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(valid(bad[i]));
	assert_false(utf8_valid("a\0b", 3));	 /* NUL */
	assert_false(utf8_valid("\xc0\x80", 2)); /* overlong NUL */
}

static bool json_ok(const char *s)
{
	return utf8_json_text_ok(s, strlen(s));
}

static void test_json_escapes(void **state)
{
	(void)state;
	assert_true(json_ok("{\"a\":\"\\u00e9\\n\\\\u0000\"}")); /* escaped backslash, then text */
	assert_true(json_ok("\"\\ud83d\\ude00\""));		 /* a pair */
	assert_true(json_ok("\"\\uD83D\\uDE00\""));
	assert_false(json_ok("\"\\u0000\""));
	assert_false(json_ok("\"order.shipped\\u0000zz\""));
	assert_false(json_ok("\"\\ud800\""));
	assert_false(json_ok("\"u\\ud800x\""));
	assert_false(json_ok("\"\\udc00\""));
	assert_false(json_ok("\"\\ud83d\\u0041\"")); /* high, then not a low */
	assert_false(json_ok("\"\\ud83d\\ud83d\"")); /* high, high */
	assert_false(json_ok("\"\\ud83d"));	     /* cut */
	assert_false(json_ok("\"\\u12\""));	     /* short escape */
	assert_false(json_ok("\"\xc0\xaf\""));	     /* raw overlong */
}

/* A cut never ends inside a sequence and keeps every whole one. */
static void test_cut(void **state)
{
	static const char euro3[] = "ab\xe2\x82\xac\xe2\x82\xac"; /* ab€€ */
	static const char emoji[] = "\xf0\x9f\x98\x80";		  /* U+1F600 */
	size_t n;

	(void)state;
	assert_int_equal(utf8_cut("", 0), 0);
	assert_int_equal(utf8_cut("plain", 3), 3);
	for (n = 0; n <= strlen(euro3); n++) {
		size_t want = n < 5 ? (n < 2 ? n : 2) : (n < 8 ? 5 : 8);

		assert_int_equal(utf8_cut(euro3, n), want);
		assert_true(utf8_valid(euro3, utf8_cut(euro3, n)));
	}
	assert_int_equal(utf8_cut(emoji, 3), 0);
	assert_int_equal(utf8_cut(emoji, 4), 4);
	assert_int_equal(utf8_cut("\xc3\xa9\xc3", 3), 2); /* é then a lone lead */
}

static const struct CMUnitTest tests[] = {
    /* utf8_valid */
    cmocka_unit_test(test_valid_text),
    cmocka_unit_test(test_invalid_text),
    /* utf8_json_text_ok */
    cmocka_unit_test(test_json_escapes),
    /* utf8_cut */
    cmocka_unit_test(test_cut),
};

TEST_MAIN(tests, NULL, NULL);
