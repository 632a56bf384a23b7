/*
 * sys_new_uuid over the system port (fake_sys): a version 7 UUID (RFC 9562
 * §5.7) whose 48-bit prefix is the port's clock in Unix milliseconds and
 * whose other bits, but for version and variant, are the port's random
 * bytes; fixed by the port, ordered by its clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/sys.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

/* With all-zero random bytes only the clock, version and variant show. */
static void test_time_prefix(void **state)
{
	static const struct {
		int64_t now_us;
		const char *text;
	} cases[] = {
	    {0, "00000000-0000-7000-8000-000000000000"},
	    {999, "00000000-0000-7000-8000-000000000000"}, /* under a millisecond */
	    {1000, "00000000-0001-7000-8000-000000000000"},
	    /* RFC 9562 appendix A.6: unix_ts_ms 0x017F22E279B0 */
	    {INT64_C(1645557742000000), "017f22e2-79b0-7000-8000-000000000000"},
	    {INT64_C(1645557742000999), "017f22e2-79b0-7000-8000-000000000000"},
	    {INT64_C(1767225600000000), "019b76da-a800-7000-8000-000000000000"},
	    /* the last millisecond 48 bits hold */
	    {INT64_C(281474976710655000), "ffffffff-ffff-7000-8000-000000000000"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_sys fs;
		struct uuid u;
		char text[UUID_STR_LEN + 1];

		fake_sys_init(&fs, cases[i].now_us, 1);
		fs.zeros = true;
		sys_new_uuid(&fs.sys, &u);
		uuid_format(&u, text);
		if (strcmp(text, cases[i].text) != 0)
			fail_msg("case %zu: want %s, got %s", i, cases[i].text, text);
	}
}

/* Whatever the random bytes, the version is 7 (0111 in the top of octet 6)
 * and the variant 10 (the top of octet 8); the clock stays in octets 0-5. */
static void test_version_and_variant(void **state)
{
	static const uint8_t time_prefix[6] = {0x01, 0x7f, 0x22, 0xe2, 0x79, 0xb0};
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 64; seed++) {
		struct fake_sys fs;
		struct uuid u;

		fake_sys_init(&fs, INT64_C(1645557742000000), seed);
		sys_new_uuid(&fs.sys, &u);
		if ((u.b[6] & 0xf0) != 0x70 || (u.b[8] & 0xc0) != 0x80)
			fail_msg("seed %llu: octet 6 %02x, octet 8 %02x", (unsigned long long)seed,
				 u.b[6], u.b[8]);
		if (memcmp(u.b, time_prefix, sizeof(time_prefix)) != 0)
			fail_msg("seed %llu: the time prefix changed", (unsigned long long)seed);
	}
}

/* The random bits are the port's bytes: rand_a's 12 bits after the version,
 * rand_b's 62 after the variant (RFC 9562 §5.7), in the order drawn. */
static void test_random_bits_from_port(void **state)
{
	struct fake_sys fs, twin;
	uint8_t rnd[10];
	struct uuid u;
	size_t i;

	(void)state;
	fake_sys_init(&fs, FAKE_NOW_US, 42);
	fake_sys_init(&twin, FAKE_NOW_US, 42);
	sys_new_uuid(&fs.sys, &u);
	sys_random(&twin.sys, rnd, sizeof(rnd));
	assert_int_equal(u.b[6] & 0x0f, rnd[0] & 0x0f);
	assert_int_equal(u.b[7], rnd[1]);
	assert_int_equal(u.b[8] & 0x3f, rnd[2] & 0x3f);
	for (i = 3; i < 10; i++) {
		if (u.b[6 + i] != rnd[i])
			fail_msg("octet %zu: %02x, the port drew %02x", 6 + i, u.b[6 + i], rnd[i]);
	}
}

/* The same clock and seed give the same id (tests can fix both); within
 * one millisecond the random bits tell ids apart. */
static void test_fixed_by_port(void **state)
{
	struct fake_sys a, b;
	struct uuid ua, ub, next;

	(void)state;
	fake_sys_init(&a, FAKE_NOW_US, 9);
	fake_sys_init(&b, FAKE_NOW_US, 9);
	sys_new_uuid(&a.sys, &ua);
	sys_new_uuid(&b.sys, &ub);
	assert_true(uuid_equal(&ua, &ub));
	sys_new_uuid(&a.sys, &next);
	assert_false(uuid_equal(&ua, &next));
	assert_memory_equal(ua.b, next.b, 6);
}

/* A clock a millisecond further at every reading: each id sorts after the
 * one before, bytewise as in an index, whatever the random bits. */
static void test_ordered_by_clock(void **state)
{
	struct fake_sys fs;
	struct uuid prev, cur;
	int i;

	(void)state;
	fake_sys_init(&fs, FAKE_NOW_US, 3);
	fs.step_us = 1000;
	sys_new_uuid(&fs.sys, &prev);
	for (i = 1; i < 100; i++) {
		sys_new_uuid(&fs.sys, &cur);
		if (memcmp(prev.b, cur.b, sizeof(cur.b)) >= 0)
			fail_msg("id %d does not sort after id %d", i, i - 1);
		prev = cur;
	}
}

/* CLOCK_MONOTONIC never goes back, and the three units read one clock. */
static void test_mono_clock(void **state)
{
	int64_t a, us, ms, b;

	(void)state;
	a = sys_mono_ns();
	us = sys_mono_us();
	ms = sys_mono_ms();
	b = sys_mono_ns();
	assert_true(a >= 0);
	assert_true(b >= a);
	assert_true(us >= a / 1000 && us <= b / 1000);
	assert_true(ms >= a / 1000000 && ms <= b / 1000000);
}

static const struct CMUnitTest tests[] = {
    /* sys_new_uuid */
    cmocka_unit_test(test_time_prefix),
    cmocka_unit_test(test_version_and_variant),
    cmocka_unit_test(test_random_bits_from_port),
    cmocka_unit_test(test_fixed_by_port),
    cmocka_unit_test(test_ordered_by_clock),
    /* the monotonic clock */
    cmocka_unit_test(test_mono_clock),
};

TEST_MAIN(tests, NULL, NULL);
