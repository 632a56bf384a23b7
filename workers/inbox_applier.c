/*
 * The inbox applier loop. Each turn applies one batch in one store
 * transaction, runs the sweeper and the purge when they are due, then goes
 * on at once (full batch), waits for a notification (idle) or backs off
 * (failure).
 */
#include "workers/inbox_applier.h"

#include <stdio.h>
#include <string.h>

#include "workers/purge.h"

#define APPLIER_ERROR_BACKOFF_BASE_US 50000
#define APPLIER_ERROR_BACKOFF_MAX_US  5000000
#define APPLIER_DEFAULT_SWEEP_MAX     100

struct applier {
	struct inbox_applier_options opt;
	const struct inbox_store *store;
	inbox_decide_fn *decide;
	void *decide_arg;
	struct order_service *svc;
	const struct sys *sys;
	volatile sig_atomic_t *stop;
	int64_t next_sweep_us;
	int64_t next_purge_us;
	int32_t failures; /* consecutive failures, for the pause length */
};

static void applier_report_error(const struct applier *a, const char *what,
				 const struct os_error *err)
{
	const struct inbox_applier_observer *obs = a->opt.observer;
	char msg[OS_ERROR_MESSAGE_MAX + 64];

	if (obs == NULL || obs->on_error == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s: %s", what, err->message);
	obs->on_error(obs->ctx, msg);
}

static void applier_back_off(struct applier *a)
{
	(void)backoff_wait(&a->opt.error_backoff, &a->failures, a->sys, a->stop);
}

/* Runs the sweeper when due. A failed sweep waits for the next period
 * rather than hammering a sick database every turn. */
static enum os_status applier_sweep(struct applier *a)
{
	const struct inbox_applier_observer *obs = a->opt.observer;
	int64_t now_us = sys_now_us(a->sys);
	struct os_error err;
	enum os_status st;
	size_t n = 0;

	if (a->svc == NULL || a->opt.sweep_every_ms <= 0 || now_us < a->next_sweep_us)
		return OS_OK;
	a->next_sweep_us = now_us + (int64_t)a->opt.sweep_every_ms * 1000;
	os_error_clear(&err);
	st = order_expire_stale(a->svc, now_us - a->opt.stale_after_us, a->opt.sweep_max, &n, &err);
	if (st != OS_OK) {
		applier_report_error(a, "expiring stale orders failed", &err);
		return st;
	}
	if (n > 0 && obs != NULL && obs->on_sweep != NULL)
		obs->on_sweep(obs->ctx, n);
	return OS_OK;
}

static enum os_status applier_purge_step(const void *arg, int64_t before_us, size_t max,
					 size_t *deleted, struct os_error *err)
{
	return inbox_store_purge(arg, before_us, max, deleted, err);
}

/* Purges processed rows past retention when due; like the sweeper, a
 * failed pass waits for the next period. */
static enum os_status applier_purge(struct applier *a)
{
	const struct inbox_applier_observer *obs = a->opt.observer;
	int64_t now_us = sys_now_us(a->sys);
	struct os_error err;
	size_t total = 0;
	enum os_status st;

	if (!purge_due(&a->next_purge_us, a->opt.purge_every_ms, now_us))
		return OS_OK;
	os_error_clear(&err);
	st = purge_pass(applier_purge_step, a->store,
			now_us - (int64_t)a->opt.retention_s * 1000000, &total, &err);
	if (st != OS_OK) {
		applier_report_error(a, "purging processed inbox rows failed", &err);
		return st;
	}
	if (total > 0 && obs != NULL && obs->on_purge != NULL)
		obs->on_purge(obs->ctx, total);
	return OS_OK;
}

static void applier_turn(struct applier *a)
{
	const struct inbox_applier_observer *obs = a->opt.observer;
	int64_t started_us = sys_now_us(a->sys);
	struct os_error err;
	size_t n = 0;

	os_error_clear(&err);
	if (inbox_store_apply_batch(a->store, a->opt.batch_size, a->decide, a->decide_arg, &n,
				    &err) != OS_OK) {
		applier_report_error(a, "applying inbox rows failed", &err);
		applier_back_off(a);
		return;
	}
	a->failures = 0;
	if (n > 0 && obs != NULL && obs->on_batch != NULL)
		obs->on_batch(obs->ctx, n, sys_now_us(a->sys) - started_us);
	if (applier_sweep(a) != OS_OK || applier_purge(a) != OS_OK) {
		applier_back_off(a);
		return;
	}
	if (n >= a->opt.batch_size || *a->stop)
		return;
	if (inbox_store_wait(a->store, a->opt.poll_ms, &err) != OS_OK) {
		applier_report_error(a, "waiting for notifications failed", &err);
		applier_back_off(a);
	}
}

static void applier_init(struct applier *a, const struct inbox_applier_options *o)
{
	a->opt = *o;
	if (a->opt.batch_size == 0)
		a->opt.batch_size = INBOX_APPLIER_DEFAULT_BATCH;
	if (a->opt.batch_size > INBOX_APPLIER_BATCH_MAX)
		a->opt.batch_size = INBOX_APPLIER_BATCH_MAX;
	if (a->opt.sweep_max == 0)
		a->opt.sweep_max = APPLIER_DEFAULT_SWEEP_MAX;
	if (a->opt.error_backoff.base_us <= 0 || a->opt.error_backoff.max_us <= 0) {
		a->opt.error_backoff.base_us = APPLIER_ERROR_BACKOFF_BASE_US;
		a->opt.error_backoff.max_us = APPLIER_ERROR_BACKOFF_MAX_US;
	}
}

int inbox_applier_run(const struct inbox_applier_options *o, const struct inbox_store *store,
		      inbox_decide_fn *decide, void *decide_arg, struct order_service *svc,
		      const struct sys *sys, volatile sig_atomic_t *stop)
{
	struct applier a;

	memset(&a, 0, sizeof(a));
	applier_init(&a, o);
	a.store = store;
	a.decide = decide;
	a.decide_arg = decide_arg;
	a.svc = svc;
	a.sys = sys;
	a.stop = stop;
	a.next_sweep_us = sys_now_us(sys);
	a.next_purge_us = a.next_sweep_us;
	while (!*stop)
		applier_turn(&a);
	return 0;
}
