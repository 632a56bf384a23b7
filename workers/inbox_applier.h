/*
 * The inbox applier loop: applies pending inbox rows (payment callbacks,
 * shipping events) to orders in batches through the inbox store, sleeps on
 * the store's notifications when idle, periodically cancels orders left in
 * `new` past their deadline (the stale-order sweeper) and purges processed
 * rows past their retention. Built only on
 * ports; the composition root supplies the store, the decision function and
 * the order service.
 */
#ifndef OS_INBOX_APPLIER_H
#define OS_INBOX_APPLIER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "app/inbox_port.h"
#include "app/order_service.h"
#include "app/sys.h"
#include "workers/backoff.h"

#define INBOX_APPLIER_DEFAULT_BATCH 100
#define INBOX_APPLIER_BATCH_MAX	    2000

/*
 * Optional hooks for logs and metrics; any function may be NULL. on_batch
 * reports a non-empty batch (rows handled, time taken); on_sweep the orders
 * the sweeper cancelled (only when > 0); on_purge the processed rows a
 * purge pass deleted (only when > 0); on_error a failure the loop survives
 * by backing off.
 */
struct inbox_applier_observer {
	void (*on_batch)(void *ctx, size_t handled, int64_t batch_us);
	void (*on_sweep)(void *ctx, size_t expired);
	void (*on_purge)(void *ctx, size_t deleted);
	void (*on_error)(void *ctx, const char *message);
	void *ctx;
};

struct inbox_applier_options {
	size_t batch_size;	/* rows per transaction; 0 = default, capped at the max */
	int poll_ms;		/* longest idle wait for a notification */
	int sweep_every_ms;	/* <= 0 disables the stale-order sweeper */
	int64_t stale_after_us; /* orders new for longer than this are cancelled */
	size_t sweep_max;	/* orders cancelled per sweep, at most; 0 = 100 */
	int purge_every_ms;	/* <= 0 disables purging processed rows */
	int retention_s;	/* processed rows older than this are purged */
	/* Pause after a failure; zeros mean 50 ms growing to 5 s. */
	struct backoff error_backoff;
	const struct inbox_applier_observer *observer; /* may be NULL; borrowed */
};

/*
 * Runs until *stop becomes non-zero. Applies batches back to back while they
 * come full, else waits on the store up to poll_ms; every sweep_every_ms
 * calls order_expire_stale(svc, now - stale_after_us, sweep_max) when svc is
 * not NULL; every purge_every_ms deletes processed rows older than
 * retention_s in a purge pass (workers/purge.h). Store, sweeper and purge
 * failures (database down) are reported and backed off, never fatal. Everything passed is borrowed.
 * Returns 0 on a clean stop.
 */
int inbox_applier_run(const struct inbox_applier_options *o, const struct inbox_store *store,
		      inbox_decide_fn *decide, void *decide_arg, struct order_service *svc,
		      const struct sys *sys, volatile sig_atomic_t *stop);

#endif
