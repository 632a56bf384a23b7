/* The process figures from /proc/self, against what the test process knows
 * of itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "infrastructure/metrics/metrics_process.h"
#include "tests/support/test_main.h"

static void test_read(void **state)
{
	struct metrics_process p;
	struct rlimit rl;
	double now = (double)time(NULL);

	(void)state;
	metrics_process_read(&p);
	assert_true(p.resident_bytes > 0);
	assert_true(p.virtual_bytes >= p.resident_bytes);
	assert_true(p.cpu_seconds >= 0);
	assert_true(p.open_fds >= 3); /* stdin, stdout, stderr */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur != RLIM_INFINITY)
		assert_int_equal(p.max_fds, (int64_t)rl.rlim_cur);
	/* This process started moments ago (boot time and the start tick are
	 * whole seconds and ticks: a few seconds of slack). */
	assert_true(p.start_time_seconds > now - 600 && p.start_time_seconds <= now + 2);
}

/* Descriptors opened and closed are counted, the reader's own is not. */
static void test_open_fds_follow(void **state)
{
	struct metrics_process before, during, after;
	int a[2], b[2];

	(void)state;
	metrics_process_read(&before);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	metrics_process_read(&during);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	metrics_process_read(&after);
	assert_int_equal(during.open_fds, before.open_fds + 4);
	assert_int_equal(after.open_fds, before.open_fds);
}

/* A lower soft limit is what max_fds says. */
static void test_max_fds_is_the_soft_limit(void **state)
{
	struct metrics_process p;
	struct rlimit rl, lower;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	lower = rl;
	lower.rlim_cur = 200;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lower), 0);
	metrics_process_read(&p);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(p.max_fds, 200);
}

static void test_render(void **state)
{
	static const char *const names[] = {
	    "process_cpu_seconds_total",
	    "process_resident_memory_bytes",
	    "process_virtual_memory_bytes",
	    "process_open_fds",
	    "process_max_fds",
	    "process_start_time_seconds",
	};
	struct sbuf sb;
	char want[128];
	size_t i;

	(void)state;
	sbuf_init(&sb, 1 << 16);
	metrics_process_render(&sb);
	assert_true(sbuf_ok(&sb));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(want, sizeof(want), "\n# TYPE %s ", names[i]);
		if (strstr(sb.buf, want) == NULL) /* every family opens with # HELP */
			fail_msg("no TYPE line of %s in:\n%s", names[i], sb.buf);
		snprintf(want, sizeof(want), "\n%s ", names[i]);
		if (strstr(sb.buf, want) == NULL)
			fail_msg("no sample of %s", names[i]);
	}
	snprintf(want, sizeof(want), "order_service_build_info{version=\"%s\",commit=\"%s\"} 1\n",
		 metrics_build_version(), metrics_build_commit());
	assert_non_null(strstr(sb.buf, want));
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_read),
    cmocka_unit_test(test_open_fds_follow),
    cmocka_unit_test(test_max_fds_is_the_soft_limit),
    cmocka_unit_test(test_render),
};

TEST_MAIN(tests, NULL, NULL);
