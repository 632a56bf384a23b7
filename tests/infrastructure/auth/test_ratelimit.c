/*
 * The token buckets of infrastructure/auth/ratelimit.c: the burst, the
 * refill by the caller's clock, one bucket per key, a long idle time that
 * fills without overflowing, a table bounded whatever the number of keys,
 * and no limit at a rate of 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "infrastructure/auth/ratelimit.h"
#include "tests/support/test_main.h"

static void test_ratelimit(void **state)
{
	struct ratelimit r;
	struct ratelimit_verdict v;
	char key[32];
	int i;

	(void)state;
	assert_true(ratelimit_init(&r, 60, 2)); /* one a second, burst 2 */
	ratelimit_take(&r, "a", 0, &v);
	assert_true(v.allowed);
	assert_int_equal(v.remaining, 1);
	ratelimit_take(&r, "a", 0, &v);
	assert_true(v.allowed);
	ratelimit_take(&r, "a", 0, &v);
	assert_false(v.allowed);
	assert_int_equal(v.retry_after_s, 1);
	ratelimit_take(&r, "b", 0, &v);
	assert_true(v.allowed); /* another key */
	ratelimit_take(&r, "a", 999999, &v);
	assert_false(v.allowed);
	ratelimit_take(&r, "a", 1000000, &v);
	assert_true(v.allowed); /* one second refilled one */
	ratelimit_take(&r, "a", INT64_C(1) << 50, &v);
	assert_true(v.allowed); /* long idle: full, not overflowed */
	assert_int_equal(v.remaining, 1);
	/* Far more keys than slots: memory stays the table's. */
	for (i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ratelimit_take(&r, key, 5000000, &v);
		assert_true(v.allowed);
	}
	ratelimit_release(&r);
	assert_true(ratelimit_init(&r, 0, 1));
	for (i = 0; i < 100; i++) {
		ratelimit_take(&r, "a", 0, &v);
		assert_true(v.allowed);
	}
	ratelimit_release(&r);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ratelimit),
};

TEST_MAIN(tests, NULL, NULL);
