/*
 * Unit tests of the inbox applier loop (workers/inbox_applier.c) against
 * the shared fakes (tests/fakes) of the inbox store, the clock and the order
 * service over the fake repository (for the stale order sweeper), and the
 * purge of processed rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"
#include "workers/inbox_applier.h"
#include "workers/purge.h"

/* ---- observer ---- */

struct fake_obs {
	int batches;
	size_t handled;
	int sweeps;
	size_t expired;
	int purges;
	size_t purged;
	int errors;
};

static void fo_batch(void *ctx, size_t handled, int64_t batch_us)
{
	struct fake_obs *o = ctx;

	(void)batch_us;
	o->batches++;
	o->handled += handled;
}

static void fo_sweep(void *ctx, size_t expired)
{
	struct fake_obs *o = ctx;

	o->sweeps++;
	o->expired += expired;
}

static void fo_purge(void *ctx, size_t deleted)
{
	struct fake_obs *o = ctx;

	o->purges++;
	o->purged += deleted;
}

static void fo_error(void *ctx, const char *message)
{
	assert_true(strstr(message, "database down") != NULL ||
		    strstr(message, "fake repo failure") != NULL);
	((struct fake_obs *)ctx)->errors++;
}

static bool decide_stub(void *arg, const struct inbox_row *row, const struct order *order,
			struct order_change *change, struct inbox_outcome *outcome)
{
	(void)arg;
	(void)row;
	(void)order;
	(void)change;
	outcome->fate = INBOX_PROCESSED;
	return false;
}

/* ---- fixture ---- */

struct fixture {
	struct fake_env *env; /* the clock, the repository, the service */
	struct fake_inbox_store fi;
	struct fake_obs fo;
	struct inbox_applier_observer obs;
	struct inbox_applier_options opt;
	int decide_arg;
	volatile sig_atomic_t stop;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->env = fake_env_new(false);
	if (f->env == NULL) {
		free(f);
		return -1;
	}
	f->env->sys.now_us = INT64_C(1700000000000000);
	f->env->sys.zeros = true; /* backoff delays are exactly half their ceiling */
	fake_inbox_store_init(&f->fi, &f->env->sys, &f->stop);
	f->obs = (struct inbox_applier_observer){fo_batch, fo_sweep, fo_purge, fo_error, &f->fo};
	f->opt.batch_size = 50;
	f->opt.poll_ms = 400;
	f->opt.error_backoff = (struct backoff){1000, 2000};
	f->opt.observer = &f->obs;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	fake_env_free(f->env);
	free(f);
	return 0;
}

/* Runs the applier until the store has waited waits times; it must end with 0. */
static void run(struct fixture *f, struct order_service *svc, int waits)
{
	f->fi.waits.stop_after = waits;
	assert_int_equal(inbox_applier_run(&f->opt, &f->fi.store, decide_stub, &f->decide_arg, svc,
					   &f->env->sys.sys, &f->stop),
			 0);
}

static void test_full_batches_apply_without_waiting(void **state)
{
	struct fixture *f = *state;

	f->fi.pending = 120;
	run(f, NULL, 1);
	/* 50, 50, 20: only the short batch leads to a wait. */
	fake_waits_assert_one(&f->fi.waits, 3, 400);
	assert_int_equal(f->fi.last_max, 50);
	assert_int_equal(f->fi.handled, 120);
	assert_int_equal(f->fo.handled, 120);
	assert_int_equal(f->fo.batches, 3);
	assert_ptr_equal(f->fi.seen_fn, decide_stub);
	assert_ptr_equal(f->fi.seen_arg, &f->decide_arg);
}

static void test_store_unavailable_then_recovers(void **state)
{
	struct fixture *f = *state;

	f->fi.pending = 10;
	f->fi.failures = 3;
	run(f, NULL, 1);
	assert_int_equal(f->fi.apply_calls, 4);
	assert_int_equal(f->fo.errors, 3);
	assert_int_equal(f->fi.handled, 10);
}

static void test_sweeper_runs_on_schedule(void **state)
{
	struct fixture *f = *state;
	int64_t start_us = f->env->sys.now_us;
	struct order o;
	int n;

	/* Two orders new for 1000 s, one for 100 s. */
	for (n = 1; n <= 3; n++) {
		fake_order_sample(&o, n, ORDER_NEW,
				  start_us - INT64_C(1000000) * (n == 3 ? 100 : 1000));
		assert_non_null(fake_repo_put(f->env->repo, &o, "fp"));
	}
	f->opt.sweep_every_ms = 1000;
	f->opt.stale_after_us = INT64_C(900) * 1000000;
	f->opt.sweep_max = 25;
	/* Each wait advances 400 ms: t = 0, .4, .8, 1.2. */
	run(f, &f->env->svc, 4);
	/* Due at t=0 and again at t=1.2 s; the first expires the two stale
	 * orders, the second finds none (and tells nobody). */
	assert_int_equal(f->env->repo->expire_calls, 2);
	assert_int_equal(f->env->repo->last_expire_max, 25);
	assert_int_equal(f->env->repo->last_expire_before_us,
			 start_us + 1200000 - INT64_C(900) * 1000000);
	assert_int_equal(f->fo.sweeps, 1);
	assert_int_equal(f->fo.expired, 2);
	assert_int_equal(f->env->repo->orders[0].order.status, ORDER_CANCELLED);
	assert_int_equal(f->env->repo->orders[1].order.status, ORDER_CANCELLED);
	assert_int_equal(f->env->repo->orders[2].order.status, ORDER_NEW);
}

static void test_sweeper_failure_is_survived(void **state)
{
	struct fixture *f = *state;

	f->opt.sweep_every_ms = 1000;
	f->env->repo->fail_with = OS_EUNAVAIL;
	run(f, &f->env->svc, 4);
	assert_int_equal(f->env->repo->expire_calls, 2);
	assert_int_equal(f->fo.errors, 2);
	assert_int_equal(f->fo.sweeps, 0);
}

static void test_no_sweeper_without_service(void **state)
{
	struct fixture *f = *state;

	f->opt.sweep_every_ms = 1;
	run(f, NULL, 3);
	assert_int_equal(f->env->repo->expire_calls, 0);
	assert_int_equal(f->fi.waits.count, 3);
}

/* Processed rows go on schedule in purge passes (workers/purge.h, tested
 * in test_purge.c); the cut is retention_s before the pass, and a pass
 * that fails is reported and waits for the next period. */
static void test_purge_runs_on_schedule(void **state)
{
	struct fixture *f = *state;
	int64_t start_us = f->env->sys.now_us;

	f->fi.purgeable = 2 * PURGE_BATCH + 500;
	f->fi.purge_failures = 1;
	f->opt.purge_every_ms = 1000;
	f->opt.retention_s = 3600;
	/* Each wait advances 400 ms: passes are due at t = 0 (it fails) and
	 * 1.2 s (1000, 1000, 500). */
	run(f, NULL, 4);
	assert_int_equal(f->fo.errors, 1);
	assert_int_equal(f->fi.purge_calls, 1 + 3);
	assert_int_equal(f->fi.purged, 2 * PURGE_BATCH + 500);
	assert_int_equal(f->fi.last_purge_max, PURGE_BATCH);
	assert_int_equal(f->fi.last_purge_before_us, start_us + 1200000 - INT64_C(3600) * 1000000);
	assert_int_equal(f->fo.purges, 1);
	assert_int_equal(f->fo.purged, 2 * PURGE_BATCH + 500);
}

static void test_no_purge_when_disabled(void **state)
{
	struct fixture *f = *state;

	f->fi.purgeable = 5;
	run(f, NULL, 3);
	assert_int_equal(f->fi.purge_calls, 0);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

static const struct CMUnitTest tests[] = {
    /* the applier */
    TEST(test_full_batches_apply_without_waiting),
    TEST(test_store_unavailable_then_recovers),
    /* the sweeper */
    TEST(test_sweeper_runs_on_schedule),
    TEST(test_sweeper_failure_is_survived),
    TEST(test_no_sweeper_without_service),
    /* the purge */
    TEST(test_purge_runs_on_schedule),
    TEST(test_no_purge_when_disabled),
};

TEST_MAIN(tests, NULL, NULL);
