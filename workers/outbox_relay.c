/*
 * The outbox relay loop. One iteration claims, sends and completes a batch;
 * the loop around it decides whether to go again at once (the batch was
 * full), to wait for a notification (idle) or to back off (a failure).
 * With a second store, a full batch also starts the claim of the next one
 * on a helper thread (claim_ahead.c), and the two stores take turns.
 */
#include "workers/outbox_relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/purge.h"

#define RELAY_ERROR_BACKOFF_BASE_US 50000
#define RELAY_ERROR_BACKOFF_MAX_US  5000000

static const char *relay_name(const struct outbox_relay *r)
{
	return r->opt.name != NULL ? r->opt.name : "outbox";
}

static void relay_report_error(const struct outbox_relay *r, const char *what,
			       const struct os_error *err)
{
	char msg[OS_ERROR_MESSAGE_MAX + 64];

	if (r->obs == NULL || r->obs->on_error == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s: %s", what, err->message);
	r->obs->on_error(r->obs->ctx, relay_name(r), msg);
}

static enum os_status relay_alloc(struct outbox_relay *r, struct os_error *err)
{
	size_t n = r->opt.batch_size;
	int i;

	for (i = 0; i < 2; i++) {
		if (r->stores[i] == NULL)
			continue;
		if (outbox_batch_init(&r->batches[i], n) != OS_OK)
			return os_fail(err, OS_ENOMEM, NULL, "cannot allocate a batch of %zu rows",
				       n);
	}
	r->results = calloc(n, sizeof(*r->results));
	if (r->results == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot allocate batch results");
	return OS_OK;
}

enum os_status outbox_relay_init(struct outbox_relay *r, const struct outbox_relay_options *o,
				 const struct outbox_relay_ports *p, struct os_error *err)
{
	enum os_status st;

	memset(r, 0, sizeof(*r));
	r->opt = *o;
	if (r->opt.batch_size == 0)
		r->opt.batch_size = OUTBOX_RELAY_DEFAULT_BATCH;
	if (r->opt.batch_size > OUTBOX_BATCH_MAX)
		r->opt.batch_size = OUTBOX_BATCH_MAX;
	if (r->opt.max_attempts < 1)
		r->opt.max_attempts = 1;
	if (r->opt.error_backoff.base_us <= 0 || r->opt.error_backoff.max_us <= 0) {
		r->opt.error_backoff.base_us = RELAY_ERROR_BACKOFF_BASE_US;
		r->opt.error_backoff.max_us = RELAY_ERROR_BACKOFF_MAX_US;
	}
	r->stores[0] = p->store;
	r->stores[1] = p->ahead;
	r->sink = p->sink;
	r->sys = p->sys;
	r->obs = p->obs;
	st = relay_alloc(r, err);
	if (st == OS_OK && p->ahead != NULL)
		st = claim_ahead_init(&r->helper, err);
	if (st != OS_OK) {
		outbox_relay_release(r);
		return st;
	}
	r->next_purge_us = sys_now_us(r->sys);
	return OS_OK;
}

/* Gives back the batch the helper claimed ahead, if any: its rows are
 * released to other relays (and to this one's next claim). */
static void relay_drop_ahead(struct outbox_relay *r)
{
	if (!r->claiming)
		return;
	(void)claim_ahead_finish(&r->helper, NULL);
	outbox_store_release(r->stores[r->cur]);
	outbox_batch_clear(&r->batches[r->cur]);
	r->claiming = false;
}

void outbox_relay_release(struct outbox_relay *r)
{
	relay_drop_ahead(r);
	claim_ahead_release(&r->helper);
	outbox_batch_release(&r->batches[0]);
	outbox_batch_release(&r->batches[1]);
	free(r->results);
	r->results = NULL;
}

struct relay_counts {
	size_t sent;
	size_t retried;
	size_t dead;
};

/* Turns one delivery verdict into a fate. attempts counts earlier failures,
 * so this failure is number attempts + 1. A retry waits the backoff, or the
 * receiver's Retry-After when that is longer (the sink bounds it). */
static void relay_decide(const struct outbox_relay *r, const struct outbox_row *row,
			 struct outbox_result *res, int64_t now_us, struct relay_counts *c)
{
	int32_t attempt = row->attempts < INT32_MAX ? row->attempts + 1 : INT32_MAX;
	int64_t delay_us;

	if (res->delivery == OUTBOX_SENT) {
		res->fate = OUTBOX_FATE_SENT;
		res->error[0] = '\0';
		c->sent++;
		return;
	}
	if (res->delivery == OUTBOX_PERMANENT || attempt >= r->opt.max_attempts) {
		res->fate = OUTBOX_FATE_DEAD;
		c->dead++;
		return;
	}
	res->fate = OUTBOX_FATE_RETRY;
	delay_us = backoff_delay_us(&r->opt.backoff, attempt, r->sys);
	if (res->retry_after_us > delay_us)
		delay_us = res->retry_after_us;
	res->next_attempt_us = now_us + delay_us;
	c->retried++;
}

static enum os_status relay_deliver(struct outbox_relay *r, const struct outbox_store *store,
				    struct outbox_batch *b, int64_t started_us,
				    struct os_error *err)
{
	struct relay_counts c = {0, 0, 0};
	enum os_status st;
	int64_t now_us;
	size_t i;

	/* A sink that leaves a row without a verdict must not lose it. */
	outbox_results_retry(r->results, b->count, "no delivery verdict");
	st = outbox_sink_send(r->sink, b, r->results, err);
	if (st != OS_OK) {
		outbox_store_release(store);
		relay_report_error(r, "sink failed, batch released", err);
		goto out;
	}
	now_us = sys_now_us(r->sys);
	for (i = 0; i < b->count; i++)
		relay_decide(r, &b->rows[i], &r->results[i], now_us, &c);
	st = outbox_store_complete(store, b, r->results, err);
	if (st != OS_OK) {
		relay_report_error(r, "completing the batch failed", err);
		goto out;
	}
	if (r->obs != NULL && r->obs->on_batch != NULL)
		r->obs->on_batch(r->obs->ctx, relay_name(r), b->count, c.sent, c.retried, c.dead,
				 sys_now_us(r->sys) - started_us);
out:
	return st;
}

/* The batch of stores[cur]: the one the helper claimed ahead, or a fresh
 * claim. */
static enum os_status relay_take(struct outbox_relay *r, struct os_error *err)
{
	struct outbox_batch *b = &r->batches[r->cur];

	if (r->claiming) {
		r->claiming = false;
		return claim_ahead_finish(&r->helper, err);
	}
	outbox_batch_clear(b);
	return outbox_store_claim(r->stores[r->cur], &r->opt.filter, r->opt.batch_size, b, err);
}

/* A full batch says more rows are due: with a second store, the helper
 * claims the next batch there while this one is delivered. Rows of this
 * batch stay pending and held until it completes, so the other claim skips
 * them and every later row of their aggregates. */
static void relay_claim_next(struct outbox_relay *r, size_t claimed)
{
	if (claimed < r->opt.batch_size || r->stores[1] == NULL)
		return;
	r->cur = 1 - r->cur;
	outbox_batch_clear(&r->batches[r->cur]);
	claim_ahead_start(&r->helper, r->stores[r->cur], &r->opt.filter, r->opt.batch_size,
			  &r->batches[r->cur]);
	r->claiming = true;
}

enum os_status outbox_relay_step(struct outbox_relay *r, size_t *claimed, struct os_error *err)
{
	int64_t started_us = sys_now_us(r->sys);
	int cur = r->cur;
	struct outbox_batch *b = &r->batches[cur];
	enum os_status st;
	size_t n;

	st = relay_take(r, err);
	if (st != OS_OK) {
		relay_report_error(r, "claiming a batch failed", err);
		goto out;
	}
	n = b->count;
	relay_claim_next(r, n);
	if (n > 0)
		st = relay_deliver(r, r->stores[cur], b, started_us, err);
	outbox_batch_clear(b);
	if (st == OS_OK)
		*claimed = n;
out:
	return st;
}

/* A store with no claim in flight: the first one unless the helper holds
 * it (waits, which need the session that LISTENs, only come when idle). */
static const struct outbox_store *relay_free_store(const struct outbox_relay *r)
{
	return r->claiming ? r->stores[1 - r->cur] : r->stores[0];
}

static enum os_status relay_purge_step(const void *arg, int64_t before_us, size_t max,
				       size_t *deleted, struct os_error *err)
{
	return outbox_store_purge(arg, before_us, max, deleted, err);
}

enum os_status outbox_relay_purge_due(struct outbox_relay *r, size_t *deleted, struct os_error *err)
{
	int64_t now_us = sys_now_us(r->sys);
	size_t total = 0;
	enum os_status st;

	if (!purge_due(&r->next_purge_us, r->opt.purge_every_ms, now_us)) {
		*deleted = 0;
		return OS_OK;
	}
	st = purge_pass(relay_purge_step, relay_free_store(r),
			now_us - (int64_t)r->opt.retention_s * 1000000, &total, err);
	if (st != OS_OK) {
		relay_report_error(r, "purging sent rows failed", err);
		return st;
	}
	*deleted = total;
	return OS_OK;
}

/* A pause after a failure. The batch claimed ahead is given back first:
 * held through the pause, its rows (and every later row of their orders)
 * would wait for this relay even when another one could send them. */
static void relay_back_off(struct outbox_relay *r, volatile sig_atomic_t *stop)
{
	relay_drop_ahead(r);
	(void)backoff_wait(&r->opt.error_backoff, &r->failures, r->sys, stop);
}

/* One turn of the loop: a step, then purge, then go on at once, wait or
 * back off. */
static void relay_turn(struct outbox_relay *r, volatile sig_atomic_t *stop)
{
	struct os_error err;
	size_t claimed = 0, deleted = 0;

	os_error_clear(&err);
	if (outbox_relay_step(r, &claimed, &err) != OS_OK) {
		relay_back_off(r, stop);
		return;
	}
	r->failures = 0;
	if (outbox_relay_purge_due(r, &deleted, &err) != OS_OK) {
		relay_back_off(r, stop);
		return;
	}
	if (claimed == r->opt.batch_size || *stop)
		return;
	if (outbox_store_wait(relay_free_store(r), r->opt.poll_ms, &err) != OS_OK) {
		relay_report_error(r, "waiting for notifications failed", &err);
		relay_back_off(r, stop);
	}
}

int outbox_relay_run(const struct outbox_relay_options *o, const struct outbox_relay_ports *p,
		     volatile sig_atomic_t *stop)
{
	struct outbox_relay r;
	struct os_error err;

	os_error_clear(&err);
	if (outbox_relay_init(&r, o, p, &err) != OS_OK) {
		if (p->obs != NULL && p->obs->on_error != NULL)
			p->obs->on_error(p->obs->ctx, o->name != NULL ? o->name : "outbox",
					 err.message);
		return -1;
	}
	while (!*stop)
		relay_turn(&r, stop);
	outbox_relay_release(&r);
	return 0;
}
