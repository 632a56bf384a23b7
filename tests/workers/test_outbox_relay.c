/*
 * Unit tests of the outbox relay (workers/outbox_relay.c) against the fakes
 * of the outbox store, the sink and the system clock (tests/fakes): batching
 * without idle waits, row fates, retry backoff, failure handling, graceful
 * stop, purging, and claiming the next batch ahead on a second store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"
#include "workers/outbox_relay.h"
#include "workers/purge.h"

/* ---- sink hooks ---- */

/* Raises the stop flag arg inside every send. */
static void stop_during_send(void *arg, size_t call)
{
	(void)call;
	*(volatile sig_atomic_t *)arg = 1;
}

struct claim_watch {
	struct fake_outbox_store *store;
	bool seen; /* a claim had begun on store during the first send */
};

/* Inside the first send, waits up to 10 s for a claim to begin on the
 * watched store: only a claim running while the sink is sending sees it. */
static void await_claim_during_first_send(void *arg, size_t call)
{
	struct claim_watch *w = arg;
	struct timespec ts = {0, 1000000};
	int i;

	if (call != 1)
		return;
	for (i = 0; i < 10000 && !w->seen; i++) {
		pthread_mutex_lock(&w->store->lock); /* the claim runs on another thread */
		w->seen = w->store->claim_calls > 0;
		pthread_mutex_unlock(&w->store->lock);
		if (!w->seen)
			nanosleep(&ts, NULL);
	}
}

/* ---- observer ---- */

struct fake_obs {
	int batches;
	int errors;
	size_t sent, retried, dead;
};

static void fo_batch(void *ctx, const char *name, size_t claimed, size_t sent, size_t retried,
		     size_t dead, int64_t batch_us)
{
	struct fake_obs *o = ctx;

	(void)name;
	(void)batch_us;
	assert_int_equal(claimed, sent + retried + dead);
	o->batches++;
	o->sent += sent;
	o->retried += retried;
	o->dead += dead;
}

static void fo_error(void *ctx, const char *name, const char *message)
{
	(void)name;
	assert_true(strstr(message, "database down") != NULL ||
		    strstr(message, "sink down") != NULL);
	((struct fake_obs *)ctx)->errors++;
}

/* ---- fixture ---- */

struct fixture {
	struct fake_sys clock;
	struct sys sys;
	struct fake_outbox_store fs;
	struct fake_outbox_store fs2; /* the ahead store, when a test plugs it in */
	struct fake_outbox_sink fk;
	struct fake_obs fo;
	struct outbox_relay_observer obs;
	struct outbox_relay_options opt;
	struct outbox_relay_ports ports;
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
	fake_outbox_store_init(&f->fs, &f->clock, &f->stop);
	fake_outbox_store_init(&f->fs2, &f->clock, &f->stop);
	fake_outbox_sink_init(&f->fk, OUTBOX_SENT);
	f->obs = (struct outbox_relay_observer){fo_batch, fo_error, &f->fo};
	f->opt.filter.count = 1;
	f->opt.filter.destinations[0] = "payments";
	f->opt.batch_size = 100;
	f->opt.poll_ms = 500;
	f->opt.max_attempts = 5;
	f->opt.backoff = (struct backoff){1000000, 60000000};
	f->opt.error_backoff = (struct backoff){1000, 2000};
	f->opt.name = "test";
	f->ports = (struct outbox_relay_ports){
	    .store = &f->fs.store, .sink = &f->fk.sink, .sys = &f->sys, .obs = &f->obs};
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	free(*state);
	return 0;
}

/* Runs the relay until the stop flag is raised; the run must end well. */
static void run(struct fixture *f)
{
	assert_int_equal(outbox_relay_run(&f->opt, &f->ports, &f->stop), 0);
}

/* Runs the relay until the first store's waits-th idle wait. */
static void run_waits(struct fixture *f, int waits)
{
	f->fs.waits.stop_after = waits;
	run(f);
}

/* Runs the relay until its first send, which raises the stop flag. */
static void run_stop_in_send(struct fixture *f)
{
	f->fk.on_send = stop_during_send;
	f->fk.on_send_arg = (void *)&f->stop;
	run(f);
}

/* One step of a relay over the fixture's ports, released after. */
static enum os_status step(struct fixture *f, size_t *claimed, struct os_error *err)
{
	struct outbox_relay r;
	enum os_status st;

	assert_int_equal(outbox_relay_init(&r, &f->opt, &f->ports, NULL), OS_OK);
	st = outbox_relay_step(&r, claimed, err);
	outbox_relay_release(&r);
	return st;
}

/* Plugs in the second store as the one claimed ahead, with pending_ahead
 * rows; the first store gets pending rows. */
static void plug_ahead(struct fixture *f, size_t pending, size_t pending_ahead)
{
	f->ports.ahead = &f->fs2.store;
	f->fs.pending = pending;
	f->fs2.pending = pending_ahead;
}

/* ---- tests ---- */

static void test_full_batches_drain_without_waiting(void **state)
{
	struct fixture *f = *state;

	f->fs.pending = 250;
	run_waits(f, 1);
	/* 100, 100 and 50 rows: only the short third batch may lead to a wait. */
	fake_waits_assert_one(&f->fs.waits, 3, 500);
	assert_int_equal(f->fs.last_claim_max, 100);
	assert_int_equal(f->fs.completed_rows, 250);
	assert_int_equal(f->fo.sent, 250);
	assert_int_equal(f->fo.batches, 3);
	assert_int_equal(f->fs.release_calls, 0);
}

static void test_fates_follow_verdicts_and_attempts(void **state)
{
	struct fixture *f = *state;
	size_t claimed = 0;
	const struct outbox_result *res = f->fs.last_results;

	f->fs.pending = 4;
	f->fs.attempts[3] = 4; /* fifth failure with max_attempts 5 */
	f->fk.verdicts[0] = OUTBOX_SENT;
	f->fk.verdicts[1] = OUTBOX_RETRY;
	f->fk.verdicts[2] = OUTBOX_PERMANENT;
	f->fk.verdicts[3] = OUTBOX_RETRY;
	assert_int_equal(step(f, &claimed, NULL), OS_OK);

	assert_int_equal(claimed, 4);
	assert_int_equal(f->fs.complete_calls, 1);
	assert_int_equal(f->fs.last_count, 4);
	assert_int_equal(res[0].fate, OUTBOX_FATE_SENT);
	assert_int_equal(res[1].fate, OUTBOX_FATE_RETRY);
	assert_true(res[1].next_attempt_us > f->clock.now_us);
	assert_string_equal(res[1].error, "HTTP 503 (seq 2)");
	assert_int_equal(res[2].fate, OUTBOX_FATE_DEAD);
	assert_int_equal(res[3].fate, OUTBOX_FATE_DEAD);
	assert_int_equal(f->fo.sent, 1);
	assert_int_equal(f->fo.retried, 1);
	assert_int_equal(f->fo.dead, 2);
}

/* Steps one batch of n rows, row i after attempts[i] failures, each
 * answered a retry; each row's wait must be expect_us[i]. */
static void retries_wait(struct fixture *f, const int32_t *attempts, const int64_t *expect_us,
			 size_t n)
{
	size_t claimed = 0, i;

	f->opt.max_attempts = 20;
	f->fs.pending = n;
	for (i = 0; i < n; i++) {
		f->fs.attempts[i] = attempts[i];
		f->fk.verdicts[i] = OUTBOX_RETRY;
	}
	f->ports.obs = NULL;
	assert_int_equal(step(f, &claimed, NULL), OS_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(f->fs.last_results[i].fate, OUTBOX_FATE_RETRY);
		assert_int_equal(f->fs.last_results[i].next_attempt_us - f->clock.now_us,
				 expect_us[i]);
	}
}

static void test_retry_backoff_grows_and_caps(void **state)
{
	const int32_t attempts[5] = {0, 1, 2, 3, 8};
	/* Zero randomness: half the ceiling, base 1 s, doubling, max 60 s. */
	const int64_t expect_us[5] = {500000, 1000000, 2000000, 4000000, 30000000};

	retries_wait(*state, attempts, expect_us, 5);
}

/* A receiver's Retry-After longer than the backoff is the wait; a shorter
 * one leaves the backoff. */
static void test_retry_after_longer_than_backoff_wins(void **state)
{
	struct fixture *f = *state;
	const int32_t attempts[2] = {0, 8}; /* backoffs of 0.5 s and 30 s */
	const int64_t expect_us[2] = {10000000, 30000000};

	f->fk.retry_after_us = 10000000;
	retries_wait(f, attempts, expect_us, 2);
}

static void test_sink_failure_releases_batch(void **state)
{
	struct fixture *f = *state;
	struct os_error err;
	size_t claimed = 99;

	f->fs.pending = 3;
	f->fk.fail_with = OS_EUNAVAIL;
	f->ports.obs = NULL;
	assert_int_equal(step(f, &claimed, &err), OS_EUNAVAIL);
	assert_int_equal(claimed, 99); /* untouched on failure */
	assert_int_equal(f->fs.release_calls, 1);
	assert_int_equal(f->fs.complete_calls, 0);
}

static void test_store_unavailable_then_recovers(void **state)
{
	struct fixture *f = *state;

	f->fs.pending = 3;
	f->fs.claim_failures = 2;
	run_waits(f, 1);
	assert_int_equal(f->fs.claim_calls, 3);
	assert_int_equal(f->fo.errors, 2);
	assert_int_equal(f->fs.completed_rows, 3);
	assert_int_equal(f->fo.sent, 3);
}

static void test_stop_completes_batch_in_flight(void **state)
{
	struct fixture *f = *state;

	f->fs.pending = 500;
	run_stop_in_send(f);
	assert_int_equal(f->fs.claim_calls, 1);
	assert_int_equal(f->fs.complete_calls, 1);
	assert_int_equal(f->fs.completed_rows, 100);
	assert_int_equal(f->fs.release_calls, 0);
	assert_int_equal(f->fs.waits.count, 0);
}

static void test_purge_runs_on_schedule_in_bounded_batches(void **state)
{
	struct fixture *f = *state;
	int64_t start_us = f->clock.now_us;

	f->opt.purge_every_ms = 1000;
	f->opt.retention_s = 3600;
	f->fs.purge_script[0] = PURGE_BATCH; /* full: go on */
	f->fs.purge_script[1] = 5;	     /* short: done */
	run_waits(f, 3);		     /* each wait is 500 ms */
	/* Turn 1 (t=0): two statements; turn 2 (t=0.5 s): not due; turn 3
	 * (t=1 s): one statement. */
	assert_int_equal(f->fs.purge_calls, 3);
	assert_int_equal(f->fs.last_purge_before_us, start_us + 1000000 - INT64_C(3600) * 1000000);
}

static void test_purge_disabled(void **state)
{
	struct fixture *f = *state;

	f->opt.purge_every_ms = 0;
	f->ports.obs = NULL;
	run_waits(f, 2);
	assert_int_equal(f->fs.purge_calls, 0);
	assert_int_equal(f->fs.waits.count, 2);
}

/* A full batch from one store starts the next claim on the other; a short
 * batch does not, and the idle wait is on the first store. */
static void test_claim_ahead_alternates_stores(void **state)
{
	struct fixture *f = *state;

	plug_ahead(f, 150, 250);
	run_waits(f, 1);
	/* first store: 100 (full); second: 100 (full); first: its last 50. */
	assert_int_equal(f->fs.claim_calls, 2);
	assert_int_equal(f->fs.complete_calls, 2);
	assert_int_equal(f->fs.completed_rows, 150);
	assert_int_equal(f->fs2.claim_calls, 1);
	assert_int_equal(f->fs2.complete_calls, 1);
	assert_int_equal(f->fs2.completed_rows, 100);
	assert_int_equal(f->fs.waits.count, 1);
	assert_int_equal(f->fs2.waits.count, 0);
	assert_int_equal(f->fo.sent, 250);
	assert_int_equal(f->fs.release_calls + f->fs2.release_calls, 0);
}

/* The claim ahead runs while the sink still sends the batch before it. */
static void test_claim_ahead_overlaps_delivery(void **state)
{
	struct fixture *f = *state;
	struct claim_watch watch = {&f->fs2, false};

	plug_ahead(f, 100, 10);
	f->fk.on_send = await_claim_during_first_send;
	f->fk.on_send_arg = &watch;
	run_waits(f, 1);
	assert_true(watch.seen);
	assert_int_equal(f->fo.sent, 110);
}

/* Stopping lets the batch claimed ahead go unsent; the one in flight is
 * completed. */
static void test_stop_releases_batch_claimed_ahead(void **state)
{
	struct fixture *f = *state;

	plug_ahead(f, 500, 500);
	run_stop_in_send(f);
	assert_int_equal(f->fs.complete_calls, 1);
	assert_int_equal(f->fs.completed_rows, 100);
	assert_int_equal(f->fs2.claim_calls, 1);
	assert_int_equal(f->fs2.complete_calls, 0);
	assert_int_equal(f->fs2.release_calls, 1);
	assert_int_equal(f->fk.calls, 1);
}

/* A failed claim ahead is reported like any claim failure; the next step
 * claims on that store again. */
static void test_failed_claim_ahead_is_retried(void **state)
{
	struct fixture *f = *state;

	plug_ahead(f, 100, 50);
	f->fs2.claim_failures = 1;
	run_waits(f, 1);
	assert_int_equal(f->fo.errors, 1);
	assert_int_equal(f->fs2.claim_calls, 2);
	assert_int_equal(f->fs.completed_rows, 100);
	assert_int_equal(f->fs2.completed_rows, 50);
	assert_int_equal(f->fs.waits.count, 1);
}

/* After a failed delivery the batch claimed ahead is given back before the
 * pause, not kept for after it: the next turn claims again. */
static void test_failure_gives_back_batch_claimed_ahead(void **state)
{
	struct fixture *f = *state;

	plug_ahead(f, 100, 50);
	f->fk.fail_next = 1;
	run_waits(f, 1);
	assert_int_equal(f->fo.errors, 1);
	assert_int_equal(f->fs.release_calls, 1);  /* the failed batch */
	assert_int_equal(f->fs2.release_calls, 1); /* the one claimed ahead */
	assert_int_equal(f->fs2.claim_calls, 2);   /* ahead, then again */
	assert_int_equal(f->fs2.completed_rows, 50);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_full_batches_drain_without_waiting),
    TEST(test_fates_follow_verdicts_and_attempts),
    TEST(test_retry_backoff_grows_and_caps),
    TEST(test_retry_after_longer_than_backoff_wins),
    TEST(test_sink_failure_releases_batch),
    TEST(test_store_unavailable_then_recovers),
    TEST(test_stop_completes_batch_in_flight),
    TEST(test_purge_runs_on_schedule_in_bounded_batches),
    TEST(test_purge_disabled),
    TEST(test_claim_ahead_alternates_stores),
    TEST(test_claim_ahead_overlaps_delivery),
    TEST(test_stop_releases_batch_claimed_ahead),
    TEST(test_failure_gives_back_batch_claimed_ahead),
    TEST(test_failed_claim_ahead_is_retried),
};

TEST_MAIN(tests, NULL, NULL);
