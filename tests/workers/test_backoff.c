/*
 * Retry delays: always inside [d/2, d] with d = min(max, base * 2^(n-1)).
 * The pause: whole unless stopped, stopped at once or from a signal
 * handler, not shortened by other signals; the wait after a failure counts
 * it and pauses for its delay.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include "app/sys.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"
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

/* The jitter-free delay is the same ceiling, computed independently. */
static void test_ceiling(void **state)
{
	const struct backoff configs[] = {
	    {100000, 60000000},
	    {1000, 1000},
	    {10000, 40000}, /* the shipping consumer of the integration test */
	    {3, INT64_C(1) << 62},
	};
	const struct backoff unbounded = {3, INT64_MAX};
	size_t i;
	int32_t n;

	(void)state;
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		for (n = 1; n <= 200; n++)
			assert_int_equal(backoff_ceiling_us(&configs[i], n),
					 ceiling(&configs[i], n));
	assert_int_equal(backoff_ceiling_us(&configs[2], INT32_MAX), 40000);
	/* Doubling saturates instead of overflowing. */
	assert_int_equal(backoff_ceiling_us(&unbounded, 62), INT64_C(3) << 61);
	assert_int_equal(backoff_ceiling_us(&unbounded, 63), INT64_MAX);
	assert_int_equal(backoff_ceiling_us(&unbounded, INT32_MAX), INT64_MAX);
}

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t alarms;

static void on_alarm_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_alarm_count(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM runs handler after first_us, then every every_us (0: once). */
static void alarm_in(void (*handler)(int), int64_t first_us, int64_t every_us)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(first_us / 1000000);
	it.it_value.tv_usec = (suseconds_t)(first_us % 1000000);
	it.it_interval.tv_sec = (time_t)(every_us / 1000000);
	it.it_interval.tv_usec = (suseconds_t)(every_us % 1000000);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void alarm_off(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	signal(SIGALRM, SIG_DFL);
}

/* A stop already requested: no sleep at all (an hour would time out). */
static void test_pause_already_stopped(void **state)
{
	(void)state;
	stop_flag = 1;
	assert_false(backoff_pause(INT64_C(3600000000), &stop_flag));
	assert_false(backoff_pause(0, &stop_flag));
	stop_flag = 0;
}

static void test_pause_nothing_to_wait(void **state)
{
	(void)state;
	stop_flag = 0;
	assert_true(backoff_pause(0, &stop_flag));
	assert_true(backoff_pause(-5, &stop_flag));
}

/* Without a stop the pause lasts at least what was asked (a lower bound
 * only: how much longer depends on the machine). */
static void test_pause_whole(void **state)
{
	int64_t start;

	(void)state;
	stop_flag = 0;
	start = sys_mono_us();
	assert_true(backoff_pause(120000, &stop_flag));
	assert_true(sys_mono_us() - start >= 120000);
}

/* SIGTERM's way: a handler raises the flag during an hour-long pause. */
static void test_pause_stopped_by_signal(void **state)
{
	(void)state;
	stop_flag = 0;
	alarm_in(on_alarm_stop, 30000, 0);
	assert_false(backoff_pause(INT64_C(3600000000), &stop_flag));
	alarm_off();
	assert_int_equal(stop_flag, 1);
	stop_flag = 0;
}

/* Signals that do not ask for a stop interrupt slices, not the pause. */
static void test_pause_other_signals(void **state)
{
	int64_t start;

	(void)state;
	stop_flag = 0;
	alarms = 0;
	alarm_in(on_alarm_count, 7000, 7000);
	start = sys_mono_us();
	assert_true(backoff_pause(150000, &stop_flag));
	assert_true(sys_mono_us() - start >= 150000);
	alarm_off();
	assert_true(alarms > 0);
}

/* Without a sys port there is no jitter: the delay is the ceiling. */
static void test_delay_without_jitter(void **state)
{
	const struct backoff b = {100000, 60000000};
	int32_t n;

	(void)state;
	for (n = 1; n <= 40; n++)
		assert_int_equal(backoff_delay_us(&b, n, NULL), ceiling(&b, n));
}

/* A wait counts the failure even when stopped, and the count saturates. */
static void test_wait_counts_failures(void **state)
{
	const struct backoff b = {INT64_C(3600000000), INT64_C(3600000000)};
	int32_t failures = 0;

	(void)state;
	stop_flag = 1;
	assert_false(backoff_wait(&b, &failures, NULL, &stop_flag));
	assert_int_equal(failures, 1);
	assert_false(backoff_wait(&b, &failures, NULL, &stop_flag));
	assert_int_equal(failures, 2);
	failures = INT32_MAX;
	assert_false(backoff_wait(&b, &failures, NULL, &stop_flag));
	assert_int_equal(failures, INT32_MAX);
	stop_flag = 0;
}

/* The second failure waits the second delay, at least (lower bound only). */
static void test_wait_pauses(void **state)
{
	const struct backoff b = {40000, 1000000};
	int32_t failures = 1;
	int64_t start;

	(void)state;
	stop_flag = 0;
	start = sys_mono_us();
	assert_true(backoff_wait(&b, &failures, NULL, &stop_flag));
	assert_int_equal(failures, 2);
	assert_true(sys_mono_us() - start >= 80000);
}

static const struct CMUnitTest tests[] = {
    /* backoff_delay_us, backoff_ceiling_us */
    cmocka_unit_test(test_bounds_many_attempts),
    cmocka_unit_test(test_first_and_capped),
    cmocka_unit_test(test_jitter_varies),
    cmocka_unit_test(test_ceiling),
    cmocka_unit_test(test_delay_without_jitter),
    /* backoff_pause */
    cmocka_unit_test(test_pause_already_stopped),
    cmocka_unit_test(test_pause_nothing_to_wait),
    cmocka_unit_test(test_pause_whole),
    cmocka_unit_test(test_pause_stopped_by_signal),
    cmocka_unit_test(test_pause_other_signals),
    /* backoff_wait */
    cmocka_unit_test(test_wait_counts_failures),
    cmocka_unit_test(test_wait_pauses),
};

TEST_MAIN(tests, NULL, NULL);
