/*
 * The real system port: its clock is the wall clock (within a second of
 * time(); CLOCK_REALTIME, which may step back, so no order is asserted);
 * its random bytes fill exactly the buffer asked for, differ from draw to
 * draw and spread over the byte values. Random checks fail by chance with odds below 2^-100.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "app/sys.h"
#include "infrastructure/crypto/sys_real.h"
#include "tests/support/test_main.h"

#define SENTINEL 0xa5
#define WINDOW	 16 /* all 16 bytes of a window left at SENTINEL: 2^-128 by chance */

static struct sys real(void)
{
	struct sys s;

	crypto_sys_init(&s);
	return s; /* a copy: the port has no state */
}

static void test_clock_is_wall_clock(void **state)
{
	struct sys s = real();
	time_t before, after;
	int64_t now_us;

	(void)state;
	before = time(NULL);
	now_us = sys_now_us(&s);
	after = time(NULL);
	assert_true(now_us / 1000000 >= (int64_t)before - 1);
	assert_true(now_us / 1000000 <= (int64_t)after + 1);
	/* Microseconds, not milliseconds or nanoseconds: 2026 is 1.7e15 us. */
	assert_true(now_us > INT64_C(1700000000000000));
	assert_true(now_us < INT64_C(4102444800000000)); /* 2100-01-01 */
}

/* Fails unless every WINDOW-byte window of buf[0..len) has a byte other
 * than SENTINEL: the port wrote all of it. */
static void assert_written(const uint8_t *buf, size_t len)
{
	size_t at, i;

	for (at = 0; at < len; at += WINDOW) {
		size_t end = at + WINDOW < len ? at + WINDOW : len;
		bool touched = false;

		for (i = at; i < end && !touched; i++)
			touched = buf[i] != SENTINEL;
		if (!touched)
			fail_msg("bytes %zu..%zu of %zu were not written", at, end, len);
	}
}

static void test_random_fills_exactly(void **state)
{
	static const size_t lens[] = {WINDOW, 33 * WINDOW, 4096};
	struct sys s = real();
	uint8_t buf[4096 + 64];
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		memset(buf, SENTINEL, sizeof(buf));
		sys_random(&s, buf, lens[k]);
		assert_written(buf, lens[k]);
		for (i = lens[k]; i < sizeof(buf); i++)
			if (buf[i] != SENTINEL)
				fail_msg("length %zu: byte %zu past the end written", lens[k], i);
	}
	/* Length 0 writes nothing. */
	memset(buf, SENTINEL, sizeof(buf));
	sys_random(&s, buf, 0);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], SENTINEL);
}

static void test_random_varies(void **state)
{
	struct sys s = real();
	uint8_t a[4096], b[4096];
	bool seen[256] = {false};
	size_t i, distinct = 0;

	(void)state;
	sys_random(&s, a, sizeof(a));
	sys_random(&s, b, sizeof(b));
	assert_true(memcmp(a, b, sizeof(a)) != 0);
	assert_true(memcmp(a, b, 16) != 0); /* not only somewhere: at the start too */
	for (i = 0; i < sizeof(a); i++) {
		distinct += !seen[a[i]];
		seen[a[i]] = true;
	}
	/* 4096 uniform bytes miss a given value with odds (255/256)^4096 ~ 1e-7:
	 * all but a handful show up; a constant or short-cycled stream does not. */
	if (distinct < 240)
		fail_msg("only %zu distinct byte values in 4096", distinct);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clock_is_wall_clock),
    cmocka_unit_test(test_random_fills_exactly),
    cmocka_unit_test(test_random_varies),
};

TEST_MAIN(tests, NULL, NULL);
