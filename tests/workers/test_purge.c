/*
 * The purge pass of the worker loops (workers/purge.c): when a pass is
 * due, and how a pass runs its statements: until one comes short, at most
 * PURGE_ROUNDS, a failure ending it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/test_main.h"
#include "workers/purge.h"

/* A store of `rows` old rows whose fail_on-th statement fails (0: none). */
struct script {
	size_t rows;
	int fail_on;
	int calls;
	int64_t before_us;
	size_t max;
};

static enum os_status step(const void *arg, int64_t before_us, size_t max, size_t *deleted,
			   struct os_error *err)
{
	struct script *s = (struct script *)arg; /* the test's own, writable */
	size_t k = s->rows < max ? s->rows : max;

	s->calls++;
	s->before_us = before_us;
	s->max = max;
	if (s->calls == s->fail_on)
		return os_fail(err, OS_EUNAVAIL, NULL, "database down");
	s->rows -= k;
	*deleted = k;
	return OS_OK;
}

static void test_due(void **state)
{
	int64_t next = 1000;

	(void)state;
	assert_false(purge_due(&next, 0, 5000)); /* disabled */
	assert_false(purge_due(&next, -1, 5000));
	assert_int_equal(next, 1000);
	assert_false(purge_due(&next, 60000, 999)); /* not yet */
	assert_true(purge_due(&next, 60000, 1000));
	assert_int_equal(next, 1000 + INT64_C(60000000));
	assert_false(purge_due(&next, 60000, 1000 + INT64_C(59999999)));
}

static void test_pass_stops_at_a_short_statement(void **state)
{
	struct script s = {2 * PURGE_BATCH + 7, 0, 0, 0, 0};
	struct os_error err;
	size_t total = 99;

	(void)state;
	assert_int_equal(purge_pass(step, &s, 12345, &total, &err), OS_OK);
	assert_int_equal(s.calls, 3);
	assert_int_equal(total, 2 * PURGE_BATCH + 7);
	assert_int_equal(s.before_us, 12345);
	assert_int_equal(s.max, PURGE_BATCH);
	s.calls = 0;
	assert_int_equal(purge_pass(step, &s, 12345, &total, &err), OS_OK);
	assert_int_equal(s.calls, 1); /* nothing left: one empty statement */
	assert_int_equal(total, 0);
}

static void test_pass_is_bounded(void **state)
{
	struct script s = {(PURGE_ROUNDS + 3) * PURGE_BATCH, 0, 0, 0, 0};
	struct os_error err;
	size_t total = 0;

	(void)state;
	assert_int_equal(purge_pass(step, &s, 0, &total, &err), OS_OK);
	assert_int_equal(s.calls, PURGE_ROUNDS);
	assert_int_equal(total, PURGE_ROUNDS * PURGE_BATCH);
	assert_int_equal(s.rows, 3 * PURGE_BATCH); /* for the next pass */
}

static void test_failure_ends_the_pass(void **state)
{
	struct script s = {5 * PURGE_BATCH, 3, 0, 0, 0};
	struct os_error err;
	size_t total = 77;

	(void)state;
	os_error_clear(&err);
	assert_int_equal(purge_pass(step, &s, 0, &total, &err), OS_EUNAVAIL);
	assert_string_equal(err.message, "database down");
	assert_int_equal(s.calls, 3);
	assert_int_equal(total, 77); /* written only on success */
	assert_int_equal(s.rows, 3 * PURGE_BATCH);
}

static const struct CMUnitTest tests[] = {
    /* purge_due */
    cmocka_unit_test(test_due),
    /* purge_pass */
    cmocka_unit_test(test_pass_stops_at_a_short_statement),
    cmocka_unit_test(test_pass_is_bounded),
    cmocka_unit_test(test_failure_ends_the_pass),
};

TEST_MAIN(tests, NULL, NULL);
