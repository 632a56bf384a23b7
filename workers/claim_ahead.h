/*
 * A helper thread that claims the outbox relay's next batch while the relay
 * delivers the current one (workers/outbox_relay.c). Draining a backlog, a
 * relay otherwise waits for the database twice per batch, once to claim and
 * once to complete; with the claim ahead on a second store (its own session)
 * the two overlap.
 *
 * One request at a time: claim_ahead_start hands over a store, a filter and
 * a batch; claim_ahead_finish waits for the claim and returns its status.
 * Between the two the caller must not touch that store or that batch; the
 * helper touches nothing else.
 */
#ifndef OS_CLAIM_AHEAD_H
#define OS_CLAIM_AHEAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/outbox_port.h"

struct claim_ahead {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started;	/* thread running (init succeeded) */
	bool requested; /* a claim waits to be run */
	bool busy;	/* started and not yet finished */
	bool quit;
	/* the request, written by start, read by the helper */
	const struct outbox_store *store;
	const struct outbox_filter *filter;
	size_t max;
	struct outbox_batch *batch;
	/* the answer, written by the helper, read by finish */
	enum os_status status;
	struct os_error err;
};

/* Starts the helper thread. OS_ENOMEM (or OS_EIO) when it cannot. */
enum os_status claim_ahead_init(struct claim_ahead *a, struct os_error *err);

/* Asks the helper to run outbox_store_claim(s, f, max, b). s, f and b are
 * borrowed until claim_ahead_finish; every start is followed by one finish. */
void claim_ahead_start(struct claim_ahead *a, const struct outbox_store *s,
		       const struct outbox_filter *f, size_t max, struct outbox_batch *b);

/* Waits for the claim started last and returns its status (detail in err). */
enum os_status claim_ahead_finish(struct claim_ahead *a, struct os_error *err);

/* Stops and joins the helper. A claim still busy is waited for first; its
 * rows stay held in its store, which the caller then releases. */
void claim_ahead_release(struct claim_ahead *a);

#endif
