/*
 * The form encoding of query values (domain/url.c): "+" and "%XX" decoded
 * once, only len bytes read, and the refusals the header names: a malformed
 * escape, a NUL in the result (escaped or raw), a result that does not fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/url.h"
#include "tests/support/test_main.h"

/* A literal and its length, embedded NUL bytes included. */
#define LIT(s) s, sizeof(s) - 1

struct url_case {
	const char *in;
	size_t len;
	size_t cap;
	const char *want; /* NULL: refused */
};

static void run_cases(const struct url_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char out[32];
		bool ok;

		assert_true(cases[i].cap <= sizeof(out));
		memset(out, 'Z', sizeof(out));
		ok = url_unescape(cases[i].in, cases[i].len, out, cases[i].cap);
		if (cases[i].want == NULL) {
			if (ok)
				fail_msg("case %zu (\"%s\"): accepted as \"%s\"", i, cases[i].in,
					 out);
			continue;
		}
		if (!ok)
			fail_msg("case %zu (\"%s\"): refused", i, cases[i].in);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu (\"%s\"): got \"%s\", want \"%s\"", i, cases[i].in, out,
				 cases[i].want);
	}
}

static void test_decodes(void **state)
{
	static const struct url_case cases[] = {
	    {LIT(""), 1, ""},
	    {LIT("abc"), 32, "abc"},
	    {LIT("a+b"), 32, "a b"},
	    {LIT("++"), 32, "  "},
	    {LIT("%41"), 32, "A"},
	    {LIT("%4a"), 32, "J"},
	    {LIT("%4A"), 32, "J"},
	    {LIT("ab%41"), 32, "abA"}, /* an escape ending the input */
	    {LIT("a%20b+c"), 32, "a b c"},
	    {LIT("%2B"), 32, "+"}, /* an escaped plus stays a plus */
	    {LIT("%25"), 32, "%"},
	    {LIT("%2541"), 32, "%41"}, /* decoded once, not twice */
	    {LIT("%C3%A9"), 32, "\xc3\xa9"},
	    {LIT("%ff%01"), 32, "\xff\x01"},
	    {LIT("caf%C3%A9+au+lait"), 32, "caf\xc3\xa9 au lait"},
	    {LIT("a=b&c"), 32, "a=b&c"}, /* no meaning of its own here */
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_refuses_malformed(void **state)
{
	static const struct url_case cases[] = {
	    {LIT("%"), 32, NULL},     {LIT("%4"), 32, NULL},   {LIT("a%"), 32, NULL},
	    {LIT("ab%4"), 32, NULL},  {LIT("%4g"), 32, NULL},  {LIT("%g4"), 32, NULL},
	    {LIT("%%41"), 32, NULL},  {LIT("% 41"), 32, NULL}, {LIT("%-1"), 32, NULL},
	    {LIT("%+1"), 32, NULL},   {LIT("%x41"), 32, NULL}, {LIT("%00"), 32, NULL},
	    {LIT("a%00b"), 32, NULL}, {LIT("a\0b"), 32, NULL}, {LIT("\0"), 32, NULL},
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Only len bytes count: what follows them is neither read nor copied. */
static void test_reads_len_bytes(void **state)
{
	static const struct url_case cases[] = {
	    {"abc", 2, 32, "ab"}, {"a+b", 2, 32, "a "},
	    {"%41", 2, 32, NULL}, /* "%4": the escape is cut */
	    {"%41x", 3, 32, "A"}, {"xyz", 0, 32, ""},
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* cap counts the NUL: n decoded bytes need n + 1. */
static void test_capacity(void **state)
{
	static const struct url_case cases[] = {
	    {LIT("abc"), 4, "abc"}, {LIT("abc"), 3, NULL},    {LIT("a"), 2, "a"},
	    {LIT("a"), 1, NULL},    {LIT("%41%42"), 3, "AB"}, {LIT("%41%42"), 2, NULL},
	    {LIT("a+b"), 4, "a b"}, {LIT("a+b"), 3, NULL},    {LIT(""), 1, ""},
	    {LIT(""), 0, NULL}, /* not even the NUL fits */
	    {LIT("a"), 0, NULL},
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_decodes),
    cmocka_unit_test(test_refuses_malformed),
    cmocka_unit_test(test_reads_len_bytes),
    cmocka_unit_test(test_capacity),
};

TEST_MAIN(tests, NULL, NULL);
