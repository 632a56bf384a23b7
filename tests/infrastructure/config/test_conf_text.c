/*
 * The text of settings files (infrastructure/config/conf_text.c): blanks
 * cut at the ends, in place and nowhere else, and the "key=value" split at
 * the first '=' with both sides trimmed; a line without '=' is refused and
 * left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/config/conf_text.h"
#include "tests/support/test_main.h"

static void test_trim(void **state)
{
	static const struct {
		const char *in;
		size_t skip; /* where the result starts in the buffer */
		const char *want;
	} cases[] = {
	    {"", 0, ""},
	    {"abc", 0, "abc"},
	    {"  abc", 2, "abc"},
	    {"abc  ", 0, "abc"},
	    {"\tabc\t", 1, "abc"},
	    {" \t abc \t ", 3, "abc"},
	    {"abc\n", 0, "abc"},
	    {"abc\r\n", 0, "abc"},
	    {"abc \t\r\n", 0, "abc"},
	    {"abc\n\n", 0, "abc"},
	    {"\r\nabc", 2, "abc"},
	    {"\n \r\tabc\r", 4, "abc"},
	    {" a b\tc ", 1, "a b\tc"}, /* blanks inside stay */
	    {"a\r\nb\n", 0, "a\r\nb"},
	    {"   ", 3, ""},
	    {"\t \t", 3, ""},
	    {"\vabc\f", 0, "\vabc\f"}, /* not blanks here */
	    {"x", 0, "x"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		char *got;

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		got = conf_trim(buf);
		if (got != buf + cases[i].skip)
			fail_msg("case %zu: starts at %td, want %zu", i, got - buf, cases[i].skip);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, cases[i].want);
	}
}

static void test_split(void **state)
{
	static const struct {
		const char *in;
		const char *key, *val;
	} cases[] = {
	    {"k=v", "k", "v"},
	    {"KAFKA_BROKERS=localhost:9092", "KAFKA_BROKERS", "localhost:9092"},
	    {" k = v ", "k", "v"},
	    {"\tk\t=\tv\t", "k", "v"},
	    {"k = v\r\n", "k", "v"},
	    {"k=", "k", ""},
	    {"k = \n", "k", ""},
	    {"=v", "", "v"},
	    {"=", "", ""},
	    {"k=a=b", "k", "a=b"}, /* the first '=' splits */
	    {"k==", "k", "="},
	    {"sasl.jaas = a b  c ", "sasl.jaas", "a b  c"},
	    {"k= \"quoted value\" ", "k", "\"quoted value\""}, /* quotes are the caller's */
	    {"a key=a value", "a key", "a value"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		char *key = NULL, *val = NULL;

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		if (!conf_split(buf, &key, &val))
			fail_msg("case %zu: refused", i);
		if (key < buf || key >= buf + sizeof(buf) || val < buf || val >= buf + sizeof(buf))
			fail_msg("case %zu: not split in place", i);
		if (strcmp(key, cases[i].key) != 0 || strcmp(val, cases[i].val) != 0)
			fail_msg("case %zu: got \"%s\" = \"%s\"", i, key, val);
	}
}

/* No '=': false, and the text is as it was. */
static void test_split_refused(void **state)
{
	static const char *const cases[] = {
	    "", "key", "  key value  ", "key:value", "# comment\n", "\t",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32], before[32];
		char *key = NULL, *val = NULL;

		memset(buf, '#', sizeof(buf));
		snprintf(buf, sizeof(buf), "%s", cases[i]);
		memcpy(before, buf, sizeof(buf));
		if (conf_split(buf, &key, &val))
			fail_msg("case %zu (\"%s\"): accepted", i, cases[i]);
		if (memcmp(buf, before, sizeof(buf)) != 0)
			fail_msg("case %zu (\"%s\"): the text was changed", i, cases[i]);
	}
}

/* The name first, then the alias; an empty value is no value. */
static void test_env(void **state)
{
	(void)state;
	unsetenv("CONF_TEST_A");
	unsetenv("CONF_TEST_B");
	assert_null(conf_env("CONF_TEST_A", NULL));
	assert_null(conf_env("CONF_TEST_A", "CONF_TEST_B"));
	setenv("CONF_TEST_B", "b", 1);
	assert_string_equal(conf_env("CONF_TEST_A", "CONF_TEST_B"), "b");
	assert_null(conf_env("CONF_TEST_A", NULL));
	setenv("CONF_TEST_A", "", 1);
	assert_string_equal(conf_env("CONF_TEST_A", "CONF_TEST_B"), "b");
	setenv("CONF_TEST_A", "a", 1);
	assert_string_equal(conf_env("CONF_TEST_A", "CONF_TEST_B"), "a");
	setenv("CONF_TEST_B", "", 1);
	assert_null(conf_env("CONF_TEST_B", NULL));
	unsetenv("CONF_TEST_A");
	unsetenv("CONF_TEST_B");
}

/* A value that does not fit is refused naming the variable, not the value
 * (it may be a secret), and dst keeps what it held. */
static void test_env_str(void **state)
{
	char dst[4] = "old";
	struct os_error err;

	(void)state;
	unsetenv("CONF_TEST_S");
	assert_int_equal(conf_env_str(dst, sizeof(dst), "CONF_TEST_S", NULL, &err), OS_OK);
	assert_string_equal(dst, "old");
	setenv("CONF_TEST_S", "abc", 1);
	assert_int_equal(conf_env_str(dst, sizeof(dst), "CONF_TEST_S", NULL, &err), OS_OK);
	assert_string_equal(dst, "abc");
	setenv("CONF_TEST_S", "s3cret", 1);
	os_error_clear(&err);
	assert_int_equal(conf_env_str(dst, sizeof(dst), "CONF_TEST_S", NULL, &err), OS_EINVAL);
	assert_string_equal(dst, "abc");
	assert_string_equal(err.field, "CONF_TEST_S");
	assert_null(strstr(err.message, "s3cret"));
	assert_non_null(strstr(err.message, "longer than 3 bytes"));
	unsetenv("CONF_TEST_S");
}

static const struct CMUnitTest tests[] = {
    /* conf_trim, conf_split */
    cmocka_unit_test(test_trim),
    cmocka_unit_test(test_split),
    cmocka_unit_test(test_split_refused),
    /* conf_env, conf_env_str */
    cmocka_unit_test(test_env),
    cmocka_unit_test(test_env_str),
};

TEST_MAIN(tests, NULL, NULL);
