/*
 * Unit tests of the inbox applier loop (workers/inbox_applier.c) against
 * in-file fakes of the inbox store, the order repository (for the stale
 * order sweeper) and the clock.
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
#include "workers/inbox_applier.h"

/* ---- fake inbox store ---- */

struct stub_inbox_store {
	struct fake_sys *clock;
	volatile sig_atomic_t *stop;
	size_t pending;
	int failures; /* next apply calls failing with OS_EUNAVAIL */
	int apply_calls;
	int applies_before_first_wait;
	size_t last_max;
	size_t handled;
	inbox_decide_fn *seen_fn;
	void *seen_arg;
	int wait_calls;
	int last_wait_ms;
	int stop_after_waits;
};

static enum os_status fi_apply(void *ctx, size_t max, inbox_decide_fn *fn, void *arg, size_t *n,
			       struct os_error *err)
{
	struct stub_inbox_store *s = ctx;
	size_t k;

	s->apply_calls++;
	s->last_max = max;
	s->seen_fn = fn;
	s->seen_arg = arg;
	if (s->failures > 0) {
		s->failures--;
		return os_fail(err, OS_EUNAVAIL, NULL, "database down");
	}
	k = s->pending < max ? s->pending : max;
	s->pending -= k;
	s->handled += k;
	*n = k;
	return OS_OK;
}

static enum os_status fi_wait(void *ctx, int timeout_ms, struct os_error *err)
{
	struct stub_inbox_store *s = ctx;

	(void)err;
	if (s->wait_calls == 0)
		s->applies_before_first_wait = s->apply_calls;
	s->wait_calls++;
	s->last_wait_ms = timeout_ms;
	s->clock->now_us += (int64_t)timeout_ms * 1000;
	if (s->stop_after_waits > 0 && s->wait_calls >= s->stop_after_waits)
		*s->stop = 1;
	return OS_OK;
}

static const struct inbox_store_ops stub_inbox_store_ops = {.apply_batch = fi_apply, .wait = fi_wait};

/* ---- fake order repository: only the sweeper's expire is used ---- */

struct stub_repo {
	int expire_calls;
	int64_t last_before_us;
	size_t last_max;
	size_t changed;
	bool fail;
};

static enum os_status fr_expire(void *ctx, int64_t created_before_us, size_t max,
				order_mutate_fn *fn, void *arg, size_t *changed,
				struct os_error *err)
{
	struct stub_repo *r = ctx;

	(void)fn;
	(void)arg;
	r->expire_calls++;
	r->last_before_us = created_before_us;
	r->last_max = max;
	if (r->fail)
		return os_fail(err, OS_EUNAVAIL, NULL, "database down");
	*changed = r->changed;
	return OS_OK;
}

static const struct order_repo_ops stub_repo_ops = {.expire = fr_expire};

/* ---- observer ---- */

struct fake_obs {
	int batches;
	size_t handled;
	int sweeps;
	size_t expired;
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

static void fo_error(void *ctx, const char *message)
{
	assert_non_null(strstr(message, "database down"));
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
	struct fake_sys clock;
	struct sys sys;
	struct stub_inbox_store fi;
	struct inbox_store store;
	struct stub_repo fr;
	struct order_service svc;
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
	fake_sys_init(&f->clock, INT64_C(1700000000000000), 1);
	f->clock.zeros = true; /* backoff delays are exactly half their ceiling */
	f->sys = f->clock.sys;
	f->fi.clock = &f->clock;
	f->fi.stop = &f->stop;
	f->store = (struct inbox_store){&stub_inbox_store_ops, &f->fi};
	f->svc.repo = (struct order_repo){&stub_repo_ops, &f->fr};
	f->svc.sys = f->sys;
	f->obs = (struct inbox_applier_observer){fo_batch, fo_sweep, fo_error, &f->fo};
	f->opt.batch_size = 50;
	f->opt.poll_ms = 400;
	f->opt.error_backoff = (struct backoff){1000, 2000};
	f->opt.observer = &f->obs;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	free(*state);
	return 0;
}

static int run(struct fixture *f, struct order_service *svc)
{
	return inbox_applier_run(&f->opt, &f->store, decide_stub, &f->decide_arg, svc, &f->sys,
				 &f->stop);
}

static void test_full_batches_apply_without_waiting(void **state)
{
	struct fixture *f = *state;

	f->fi.pending = 120;
	f->fi.stop_after_waits = 1;
	assert_int_equal(run(f, NULL), 0);
	/* 50, 50, 20: only the short batch leads to a wait. */
	assert_int_equal(f->fi.applies_before_first_wait, 3);
	assert_int_equal(f->fi.wait_calls, 1);
	assert_int_equal(f->fi.last_wait_ms, 400);
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
	f->fi.stop_after_waits = 1;
	assert_int_equal(run(f, NULL), 0);
	assert_int_equal(f->fi.apply_calls, 4);
	assert_int_equal(f->fo.errors, 3);
	assert_int_equal(f->fi.handled, 10);
}

static void test_sweeper_runs_on_schedule(void **state)
{
	struct fixture *f = *state;
	int64_t start_us = f->clock.now_us;

	f->opt.sweep_every_ms = 1000;
	f->opt.stale_after_us = INT64_C(900) * 1000000;
	f->opt.sweep_max = 25;
	f->fr.changed = 2;
	f->fi.stop_after_waits = 4; /* each wait advances 400 ms: t = 0, .4, .8, 1.2 */
	assert_int_equal(run(f, &f->svc), 0);
	/* Due at t=0 and again at t=1.2 s. */
	assert_int_equal(f->fr.expire_calls, 2);
	assert_int_equal(f->fr.last_max, 25);
	assert_int_equal(f->fr.last_before_us, start_us + 1200000 - INT64_C(900) * 1000000);
	assert_int_equal(f->fo.sweeps, 2);
	assert_int_equal(f->fo.expired, 4);
}

static void test_sweeper_failure_is_survived(void **state)
{
	struct fixture *f = *state;

	f->opt.sweep_every_ms = 1000;
	f->fr.fail = true;
	f->fi.stop_after_waits = 4;
	assert_int_equal(run(f, &f->svc), 0);
	assert_int_equal(f->fr.expire_calls, 2);
	assert_int_equal(f->fo.errors, 2);
	assert_int_equal(f->fo.sweeps, 0);
}

static void test_no_sweeper_without_service(void **state)
{
	struct fixture *f = *state;

	f->opt.sweep_every_ms = 1;
	f->fi.stop_after_waits = 3;
	assert_int_equal(run(f, NULL), 0);
	assert_int_equal(f->fr.expire_calls, 0);
	assert_int_equal(f->fi.wait_calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_full_batches_apply_without_waiting, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_store_unavailable_then_recovers, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_sweeper_runs_on_schedule, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_sweeper_failure_is_survived, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_no_sweeper_without_service, fixture_setup,
					    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
