/*
 * The project's status codes (domain/status.c): the stable name of each,
 * clearing an error, and os_fail's promises: it returns the status it was
 * given, formats the message, names the field ("" for NULL), truncates to
 * fit, and writes nothing when err is NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/status.h"
#include "tests/support/test_main.h"

static void test_names(void **state)
{
	static const struct {
		enum os_status st;
		const char *name;
	} cases[] = {
	    {OS_OK, "ok"},
	    {OS_EINVAL, "invalid"},
	    {OS_ENOTFOUND, "not_found"},
	    {OS_ECONFLICT, "conflict"},
	    {OS_EMISMATCH, "mismatch"},
	    {OS_EDENIED, "denied"},
	    {OS_ETOOBIG, "too_big"},
	    {OS_EUNAVAIL, "unavailable"},
	    {OS_EAGAIN, "again"},
	    {OS_ENOMEM, "no_memory"},
	    {OS_EIO, "io"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = os_status_name(cases[i].st);

		if (got == NULL || strcmp(got, cases[i].name) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got ? got : "(null)",
				 cases[i].name);
	}
	/* A value outside the enum still has a name, never NULL. */
	assert_string_equal(os_status_name((enum os_status)99), "unknown");
	assert_string_equal(os_status_name((enum os_status) - 1), "unknown");
}

static void test_clear(void **state)
{
	struct os_error err;

	(void)state;
	memset(&err, 'x', sizeof(err));
	os_error_clear(&err);
	assert_string_equal(err.message, "");
	assert_string_equal(err.field, "");
	os_error_clear(NULL); /* allowed: nothing to write */
}

static void test_fail(void **state)
{
	static const struct {
		enum os_status st;
		const char *field;
		const char *message;
		const char *want_field;
	} cases[] = {
	    {OS_EINVAL, "items[2].quantity", "must be > 0", "items[2].quantity"},
	    {OS_ENOTFOUND, NULL, "no such order", ""},
	    {OS_ECONFLICT, "", "out of stock", ""},
	    {OS_OK, "x", "", "x"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct os_error err;

		memset(&err, 'x', sizeof(err));
		if (os_fail(&err, cases[i].st, cases[i].field, "%s", cases[i].message) !=
		    cases[i].st)
			fail_msg("case %zu: another status returned", i);
		if (strcmp(err.message, cases[i].message) != 0 ||
		    strcmp(err.field, cases[i].want_field) != 0)
			fail_msg("case %zu: got \"%s\" at \"%s\"", i, err.message, err.field);
	}
}

static void test_fail_formats(void **state)
{
	struct os_error err;

	(void)state;
	os_fail(&err, OS_ETOOBIG, "body", "%s larger than %zu bytes (%d%%)", "JSON", (size_t)65536,
		-7);
	assert_string_equal(err.message, "JSON larger than 65536 bytes (-7%)");
	assert_string_equal(err.field, "body");
	/* A second failure replaces the first, field included. */
	os_fail(&err, OS_EINVAL, NULL, "again");
	assert_string_equal(err.message, "again");
	assert_string_equal(err.field, "");
}

/* The message and the field are cut to their buffers, NUL included. */
static void test_fail_truncates(void **state)
{
	char longer[2 * OS_ERROR_MESSAGE_MAX];
	struct os_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(longer) - 1; i++)
		longer[i] = (char)('a' + i % 26);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(os_fail(&err, OS_EINVAL, longer, "%s", longer), OS_EINVAL);
	assert_int_equal(strlen(err.message), OS_ERROR_MESSAGE_MAX - 1);
	assert_memory_equal(err.message, longer, OS_ERROR_MESSAGE_MAX - 1);
	assert_int_equal(strlen(err.field), OS_ERROR_FIELD_MAX - 1);
	assert_memory_equal(err.field, longer, OS_ERROR_FIELD_MAX - 1);
}

static void test_fail_without_err(void **state)
{
	(void)state;
	assert_int_equal(os_fail(NULL, OS_EUNAVAIL, "db", "down"), OS_EUNAVAIL);
	assert_int_equal(os_fail(NULL, OS_OK, NULL, "%s", "nothing"), OS_OK);
}

static const struct CMUnitTest tests[] = {
    /* os_status_name, os_error_clear */
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_clear),
    /* os_fail */
    cmocka_unit_test(test_fail),
    cmocka_unit_test(test_fail_formats),
    cmocka_unit_test(test_fail_truncates),
    cmocka_unit_test(test_fail_without_err),
};

TEST_MAIN(tests, NULL, NULL);
