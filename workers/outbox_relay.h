/*
 * The generic outbox relay (DESIGN §7): claims batches of due outbox rows from
 * a store, hands them to a sink (Kafka or an HTTP service), and records each
 * row's fate in one call. It drains a backlog without pausing between full
 * batches, sleeps on the store's notifications when idle, retries with
 * exponential backoff and dead-letters after the maximum attempts. Built only
 * on ports: the composition root plugs in the postgres store and the sink.
 */
#ifndef OS_OUTBOX_RELAY_H
#define OS_OUTBOX_RELAY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/outbox_port.h"
#include "app/sys.h"
#include "workers/backoff.h"
#include "workers/claim_ahead.h"

#define OUTBOX_RELAY_DEFAULT_BATCH 100

struct outbox_relay_options {
	struct outbox_filter filter; /* destinations this relay serves */
	size_t batch_size;	     /* rows per claim; 0 = default, capped at OUTBOX_BATCH_MAX */
	int poll_ms;		     /* longest idle wait for a notification (safety net) */
	int32_t max_attempts;	     /* a row failing this many times is dead; < 1 counts as 1 */
	struct backoff backoff;	     /* delay before a failed row is retried */
	int retention_s;	     /* sent rows older than this are purged */
	int purge_every_ms;	     /* <= 0 disables purging */
	const char *name;	     /* for the observer ("outbox-kafka", ...); may be NULL */
	/* Pause after a store or sink failure (database down); zeros mean
	 * 50 ms growing to 5 s. Grows with consecutive failures, resets on
	 * success. */
	struct backoff error_backoff;
};

/*
 * Optional hooks for logs and metrics; any function may be NULL. Called on
 * the relay's thread. on_batch reports one non-empty batch after it was
 * completed: rows claimed, and how many were sent, scheduled for retry and
 * dead-lettered, with the time from claim to completion. on_error reports a
 * failure the relay survives (it backs off and carries on).
 */
struct outbox_relay_observer {
	void (*on_batch)(void *ctx, const char *name, size_t claimed, size_t sent, size_t retried,
			 size_t dead, int64_t batch_us);
	void (*on_error)(void *ctx, const char *name, const char *message);
	void *ctx;
};

/*
 * What the relay is plugged into; all borrowed, and they must outlive it.
 * store claims, completes, waits and purges. ahead, when not NULL, is a
 * second store over its own session: while a full batch is delivered, the
 * next one is claimed on the other store by a helper thread, so that
 * draining a backlog does not wait for the database between batches. The
 * two stores then take turns; waits always use store. obs may be NULL.
 */
struct outbox_relay_ports {
	const struct outbox_store *store;
	const struct outbox_store *ahead;
	const struct outbox_sink *sink;
	const struct sys *sys;
	const struct outbox_relay_observer *obs;
};

/*
 * One relay's state, for callers (and tests) that drive it step by step.
 * Set up with outbox_relay_init, freed with outbox_relay_release. The
 * options, ports and observer are borrowed and must outlive it.
 */
struct outbox_relay {
	struct outbox_relay_options opt;
	const struct outbox_store *stores[2]; /* store, ahead (may be NULL) */
	const struct outbox_sink *sink;
	const struct sys *sys;
	const struct outbox_relay_observer *obs; /* may be NULL */
	struct outbox_batch batches[2];		 /* one per store */
	struct outbox_result *results;		 /* batch_size entries */
	struct claim_ahead helper;		 /* started when there is an ahead store */
	int cur;				 /* the store (and batch) of the next step */
	bool claiming;				 /* the helper is claiming on stores[cur] */
	int64_t next_purge_us;
	int32_t failures; /* consecutive store/sink failures */
};

/* Allocates the batches and results for o->batch_size rows and starts the
 * helper thread when p->ahead is set. OS_ENOMEM. */
enum os_status outbox_relay_init(struct outbox_relay *r, const struct outbox_relay_options *o,
				 const struct outbox_relay_ports *p, struct os_error *err);

/* Lets go of a batch claimed ahead (its store releases it), stops the
 * helper and frees what init allocated. */
void outbox_relay_release(struct outbox_relay *r);

/*
 * One iteration: claim a batch (or take the one claimed ahead), send it,
 * decide every row's fate and complete the batch. *claimed is the number of
 * rows taken (0: nothing due). With an ahead store, a full batch starts the
 * claim of the next one before it is sent; only that claim's rows are held
 * when the step returns. A store or sink failure returns its status (the
 * batch is released when the sink fails); the caller backs off.
 */
enum os_status outbox_relay_step(struct outbox_relay *r, size_t *claimed, struct os_error *err);

/*
 * Purges sent rows past retention when purge_every_ms has elapsed since the
 * last pass, in bounded statements. *deleted counts rows removed (0 when not
 * due).
 */
enum os_status outbox_relay_purge_due(struct outbox_relay *r, size_t *deleted,
				      struct os_error *err);

/*
 * Runs until *stop becomes non-zero: drains full batches back to back,
 * waits on the store up to poll_ms when idle, purges on schedule, and
 * survives store and sink failures by backing off. A batch in flight when
 * stop is raised is completed first; one claimed ahead is let go unsent.
 * Returns 0 on a clean stop, -1 when it
 * could not start (bad options, no memory).
 */
int outbox_relay_run(const struct outbox_relay_options *o, const struct outbox_relay_ports *p,
		     volatile sig_atomic_t *stop);

#endif
