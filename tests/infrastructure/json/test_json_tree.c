/*
 * yajl trees behind the reader's check (infrastructure/json/json_tree.c):
 * a text within its limits becomes a tree (len bytes of it, any JSON value
 * at the top), each limit holds at its value and refuses one past it, bad
 * JSON and UTF-8 are refused with *out untouched; the member and string
 * lookups of an object, and their NULLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "infrastructure/json/json_tree.h"
#include "tests/support/test_main.h"

#define LIT(s) s, sizeof(s) - 1

/* Small limits, so that each bound is a short text. */
static const struct json_limits small = {
    .bytes = 24, .depth = 2, .string_bytes = 4, .keys = 2, .elements = 3};

/* What *out holds before a call, to show that a failure leaves it alone. */
static struct yajl_val_s dummy;

/* Parses text[0..len) within lim; fails the test unless it succeeds. */
static yajl_val parse_ok(const struct json_limits *lim, const char *text, size_t len)
{
	struct os_error err;
	yajl_val v = NULL;
	enum os_status st;

	os_error_clear(&err);
	st = json_tree_parse(lim, text, len, &v, &err);
	if (st != OS_OK || v == NULL)
		fail_msg("\"%.*s\": %s (%s)", (int)len, text, os_status_name(st), err.message);
	return v;
}

static void test_parses(void **state)
{
	static const char text[] = "{\"id\":\"sku-1\",\"price\":\"12.50\",\"qty\":3,"
				   "\"tags\":[\"a\",null,true],\"dims\":{\"w\":2}}";
	yajl_val v, tags;

	(void)state;
	v = parse_ok(&json_limits_catalog, LIT(text));
	assert_true(YAJL_IS_OBJECT(v));
	assert_string_equal(json_tree_string(v, "id"), "sku-1");
	assert_string_equal(json_tree_string(v, "price"), "12.50");
	assert_true(YAJL_IS_INTEGER(json_tree_member(v, "qty")));
	assert_int_equal(YAJL_GET_INTEGER(json_tree_member(v, "qty")), 3);
	tags = json_tree_member(v, "tags");
	assert_true(YAJL_IS_ARRAY(tags));
	assert_int_equal(tags->u.array.len, 3);
	assert_string_equal(YAJL_GET_STRING(tags->u.array.values[0]), "a");
	assert_true(YAJL_IS_NULL(tags->u.array.values[1]));
	assert_true(YAJL_IS_TRUE(tags->u.array.values[2]));
	assert_int_equal(YAJL_GET_INTEGER(json_tree_member(json_tree_member(v, "dims"), "w")), 2);
	yajl_tree_free(v);
}

/* Any JSON value may stand at the top. */
static void test_top_level_values(void **state)
{
	static const struct {
		const char *text;
		yajl_type type;
	} cases[] = {
	    {"[1,2]", yajl_t_array}, {"\"s\"", yajl_t_string}, {"42", yajl_t_number},
	    {"-0.5", yajl_t_number}, {"null", yajl_t_null},    {"true", yajl_t_true},
	    {" {} ", yajl_t_object},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yajl_val v = parse_ok(&json_limits_catalog, cases[i].text, strlen(cases[i].text));

		if (v->type != cases[i].type)
			fail_msg("case %zu: type %d, want %d", i, (int)v->type, (int)cases[i].type);
		yajl_tree_free(v);
	}
}

/* Only len bytes are the text: it need not end in a NUL. */
static void test_reads_len_bytes(void **state)
{
	static const char text[] = "{\"a\":\"xy\"}{\"b\":1}";
	char exact[10];
	yajl_val v;

	(void)state;
	v = parse_ok(&json_limits_catalog, text, 10);
	assert_string_equal(json_tree_string(v, "a"), "xy");
	assert_null(json_tree_member(v, "b"));
	yajl_tree_free(v);

	memcpy(exact, text, sizeof(exact)); /* no NUL after it */
	v = parse_ok(&json_limits_catalog, exact, sizeof(exact));
	assert_string_equal(json_tree_string(v, "a"), "xy");
	yajl_tree_free(v);
}

/* Each limit at its value is parsed; one past it is refused. */
static void test_limits(void **state)
{
	static const struct {
		const char *text;
		enum os_status st;
	} cases[] = {
	    {"{\"a\":[1,2,3],\"b\":\"abcd\"}", OS_OK}, /* 24 bytes, every bound reached */
	    {"{\"a\":[1,2,3], \"b\":\"abcd\"}", OS_ETOOBIG},
	    {"[[1]]", OS_OK},
	    {"[[[1]]]", OS_EINVAL},
	    {"{\"a\":{}}", OS_OK},
	    {"{\"a\":{\"b\":{}}}", OS_EINVAL},
	    {"[\"abcd\"]", OS_OK},
	    {"[\"abcde\"]", OS_EINVAL},
	    {"{\"abcd\":1}", OS_OK},
	    {"{\"abcde\":1}", OS_EINVAL},
	    {"{\"a\":1,\"b\":2}", OS_OK},
	    {"{\"a\":1,\"b\":2,\"c\":3}", OS_EINVAL},
	    {"[1,2,3]", OS_OK},
	    {"[1,2,3,4]", OS_EINVAL},
	    {"[[1,2,3,4]]", OS_EINVAL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yajl_val v = NULL;
		struct os_error err;
		enum os_status st;

		os_error_clear(&err);
		st = json_tree_parse(&small, cases[i].text, strlen(cases[i].text), &v, &err);
		if (st != cases[i].st)
			fail_msg("case %zu (%s): got %s, want %s (%s)", i, cases[i].text,
				 os_status_name(st), os_status_name(cases[i].st), err.message);
		if (st == OS_OK)
			yajl_tree_free(v);
		else if (v != NULL || err.message[0] == '\0')
			fail_msg("case %zu: *out written or no reason given", i);
	}
}

/* The outbox rows' headers: a flat object of two levels at most. */
static void test_headers_limits(void **state)
{
	static const char text[] =
	    "{\"request_id\":\"req-1\","
	    "\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}";
	yajl_val v, sentinel = &dummy;
	struct os_error err;

	(void)state;
	v = parse_ok(&json_limits_headers, LIT(text));
	assert_string_equal(json_tree_string(v, "request_id"), "req-1");
	assert_string_equal(json_tree_string(v, "traceparent"),
			    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
	yajl_tree_free(v);

	v = sentinel;
	assert_int_equal(json_tree_parse(&json_limits_headers, LIT("{\"a\":{\"b\":{}}}"), &v, &err),
			 OS_EINVAL);
	assert_ptr_equal(v, sentinel);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} cases[] = {
	    {LIT("")},
	    {LIT("   ")},
	    {LIT("{")},
	    {LIT("{\"a\":1,}")},
	    {LIT("{'a':1}")},
	    {LIT("{\"a\" 1}")},
	    {LIT("[1] [2]")},
	    {LIT("{}x")},
	    {LIT("nul")},
	    {LIT("01")},
	    {LIT("\"\xff\"")},
	    {LIT("\"\xc0\xaf\"")},
	    {LIT("\"\xed\xa0\x80\"")},
	    {LIT("\"\\ud800\"")},
	    {LIT("\"\\u0000\"")},
	    {LIT("\"a\0b\"")},
	    {LIT("{\"a\":1}\0")},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yajl_val v, sentinel = &dummy;
		struct os_error err;
		enum os_status st;

		v = sentinel;
		os_error_clear(&err);
		st = json_tree_parse(&json_limits_catalog, cases[i].text, cases[i].len, &v, &err);
		if (st != OS_EINVAL)
			fail_msg("case %zu: got %s, want invalid", i, os_status_name(st));
		if (v != sentinel)
			fail_msg("case %zu: *out was written", i);
		if (err.message[0] == '\0')
			fail_msg("case %zu: no reason given", i);
	}
	/* err may be NULL: the status alone. */
	assert_int_equal(json_tree_parse(&json_limits_catalog, LIT("{"), &(yajl_val){NULL}, NULL),
			 OS_EINVAL);
	assert_int_equal(json_tree_parse(&small, LIT("{\"a\":[1,2,3], \"b\":\"abcd\"}"),
					 &(yajl_val){NULL}, NULL),
			 OS_ETOOBIG);
}

/* Strict UTF-8 in both forms, raw and escaped, is kept as its bytes. */
static void test_utf8(void **state)
{
	yajl_val v;

	(void)state;
	v = parse_ok(&json_limits_catalog, LIT("{\"name\":\"caf\xc3\xa9\",\"e\":\"caf\\u00e9\"}"));
	assert_string_equal(json_tree_string(v, "name"), "caf\xc3\xa9");
	assert_string_equal(json_tree_string(v, "e"), "caf\xc3\xa9");
	yajl_tree_free(v);
}

static void test_member(void **state)
{
	yajl_val v;

	(void)state;
	v = parse_ok(
	    &json_limits_catalog,
	    LIT("{\"ab\":1,\"a\":\"x\",\"n\":null,\"o\":{\"deep\":\"d\"},\"\":\"empty\"}"));
	assert_int_equal(YAJL_GET_INTEGER(json_tree_member(v, "ab")), 1);
	assert_string_equal(YAJL_GET_STRING(json_tree_member(v, "a")), "x");
	assert_true(YAJL_IS_NULL(json_tree_member(v, "n")));
	assert_string_equal(json_tree_string(v, ""), "empty");
	/* absent: another spelling, a prefix, a key of a nested object */
	assert_null(json_tree_member(v, "A"));
	assert_null(json_tree_member(v, "abc"));
	assert_null(json_tree_member(v, "deep"));
	assert_string_equal(json_tree_string(json_tree_member(v, "o"), "deep"), "d");
	/* json_tree_string: only a string member */
	assert_null(json_tree_string(v, "ab"));
	assert_null(json_tree_string(v, "n"));
	assert_null(json_tree_string(v, "o"));
	assert_null(json_tree_string(v, "missing"));
	/* not an object, or no value at all */
	assert_null(json_tree_member(NULL, "a"));
	assert_null(json_tree_string(NULL, "a"));
	assert_null(json_tree_member(json_tree_member(v, "a"), "a"));
	yajl_tree_free(v);

	v = parse_ok(&json_limits_catalog, LIT("[\"a\",{\"a\":\"x\"}]"));
	assert_null(json_tree_member(v, "a"));
	assert_null(json_tree_string(v, "a"));
	yajl_tree_free(v);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parses),
    cmocka_unit_test(test_top_level_values),
    cmocka_unit_test(test_reads_len_bytes),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_headers_limits),
    cmocka_unit_test(test_refused),
    cmocka_unit_test(test_utf8),
    cmocka_unit_test(test_member),
};

TEST_MAIN(tests, NULL, NULL);
