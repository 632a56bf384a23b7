/* Retry delays: always inside [d/2, d] with d = min(max, base * 2^(n-1)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/fakes/fakes.h"
#include "workers/backoff.h"

/* The ceiling of attempt n, computed independently of backoff.c. */
static int64_t ceiling(const struct backoff *b, int32_t attempt)
{
	int64_t d = b->base_us;
	int32_t i;

	for (i = 1; i < attempt; i++) {
		if (d >= b->max_us)
			break;
		d *= 2;
	}
	return d < b->max_us ? d : b->max_us;
}

static void check_bounds(const struct backoff *b, uint64_t seed)
{
	struct fake_sys fs;
	int32_t n;

	fake_sys_init(&fs, 0, seed);
	for (n = 1; n <= 200; n++) {
		int64_t d = ceiling(b, n);
		int64_t got = backoff_delay_us(b, n, &fs.sys);

		if (got < d / 2 || got > d)
			fail_msg("attempt %d: %lld outside [%lld, %lld]", (int)n, (long long)got,
				 (long long)(d / 2), (long long)d);
	}
}

static void test_bounds_many_attempts(void **state)
{
	const struct backoff configs[] = {
	    {100000, 60000000},		    /* 100 ms .. 60 s */
	    {1000, 1000},		    /* base == max */
	    {250000, INT64_C(86400000000)}, /* a day */
	    {3, 1000000},
	};
	uint64_t seed;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		for (seed = 1; seed <= 50; seed++)
			check_bounds(&configs[i], seed);
}

static void test_first_and_capped(void **state)
{
	const struct backoff b = {100000, 60000000};
	struct fake_sys fs;
	int i;

	(void)state;
	fake_sys_init(&fs, 0, 7);
	for (i = 0; i < 100; i++) {
		int64_t first = backoff_delay_us(&b, 1, &fs.sys);
		int64_t late = backoff_delay_us(&b, INT32_MAX, &fs.sys);

		assert_true(first >= 50000 && first <= 100000);
		assert_true(late >= 30000000 && late <= 60000000);
	}
}

/* Jitter really spreads: across seeds, not every delay is the same. */
static void test_jitter_varies(void **state)
{
	const struct backoff b = {1000000, 60000000};
	struct fake_sys fs;
	int64_t first, other;
	uint64_t seed;
	bool varied = false;

	(void)state;
	fake_sys_init(&fs, 0, 1);
	first = backoff_delay_us(&b, 3, &fs.sys);
	for (seed = 2; seed < 20 && !varied; seed++) {
		fake_sys_init(&fs, 0, seed);
		other = backoff_delay_us(&b, 3, &fs.sys);
		varied = other != first;
	}
	assert_true(varied);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bounds_many_attempts),
	    cmocka_unit_test(test_first_and_capped),
	    cmocka_unit_test(test_jitter_varies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
