/*
 * The claim-ahead helper thread: a mutex, a condition variable and one
 * request slot. The helper sleeps until a request comes, runs the store's
 * claim with the mutex released, and posts the status back.
 */
#include "workers/claim_ahead.h"

#include <string.h>

static void *helper_main(void *arg)
{
	struct claim_ahead *a = arg;
	struct os_error err;
	enum os_status st;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->requested && !a->quit)
			pthread_cond_wait(&a->cv, &a->mu);
		if (!a->requested)
			break; /* quit, nothing left to run */
		a->requested = false;
		pthread_mutex_unlock(&a->mu);
		os_error_clear(&err);
		st = outbox_store_claim(a->store, a->filter, a->max, a->batch, &err);
		pthread_mutex_lock(&a->mu);
		a->status = st;
		a->err = err;
		a->busy = false;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

enum os_status claim_ahead_init(struct claim_ahead *a, struct os_error *err)
{
	memset(a, 0, sizeof(*a));
	if (pthread_mutex_init(&a->mu, NULL) != 0)
		return os_fail(err, OS_ENOMEM, NULL, "claim ahead: no mutex");
	if (pthread_cond_init(&a->cv, NULL) != 0) {
		pthread_mutex_destroy(&a->mu);
		return os_fail(err, OS_ENOMEM, NULL, "claim ahead: no condition variable");
	}
	if (pthread_create(&a->thread, NULL, helper_main, a) != 0) {
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		return os_fail(err, OS_ENOMEM, NULL, "claim ahead: cannot start a thread");
	}
	a->started = true;
	return OS_OK;
}

void claim_ahead_start(struct claim_ahead *a, const struct outbox_store *s,
		       const struct outbox_filter *f, size_t max, struct outbox_batch *b)
{
	pthread_mutex_lock(&a->mu);
	a->store = s;
	a->filter = f;
	a->max = max;
	a->batch = b;
	a->requested = true;
	a->busy = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

enum os_status claim_ahead_finish(struct claim_ahead *a, struct os_error *err)
{
	enum os_status st;

	pthread_mutex_lock(&a->mu);
	while (a->busy)
		pthread_cond_wait(&a->cv, &a->mu);
	st = a->status;
	if (st != OS_OK && err != NULL)
		*err = a->err;
	pthread_mutex_unlock(&a->mu);
	return st;
}

void claim_ahead_release(struct claim_ahead *a)
{
	if (!a->started)
		return;
	(void)claim_ahead_finish(a, NULL);
	pthread_mutex_lock(&a->mu);
	a->quit = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	a->started = false;
}
