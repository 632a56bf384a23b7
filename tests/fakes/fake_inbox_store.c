/*
 * The applier's side of the inbox: apply_batch takes up to max of `pending`
 * rows (or fails while `failures` lasts), purge up to max of `purgeable`
 * ones (or fails while `purge_failures` lasts), and both record how they
 * were called; wait advances the fake clock by its timeout and stops the
 * loop when told.
 */
#include <stddef.h>
#include <string.h>

#include "tests/fakes/fakes.h"

_Static_assert(offsetof(struct fake_inbox_store, waits) == 0,
	       "the store is its waits' ctx: fake_waits_wait");

static enum os_status fake_apply(void *ctx, size_t max, inbox_decide_fn *fn, void *arg, size_t *n,
				 struct os_error *err)
{
	struct fake_inbox_store *s = ctx;
	enum os_status st = OS_OK;
	size_t k;

	pthread_mutex_lock(&s->lock);
	s->apply_calls++;
	s->last_max = max;
	s->seen_fn = fn;
	s->seen_arg = arg;
	if (s->failures > 0) {
		s->failures--;
		st = os_fail(err, OS_EUNAVAIL, NULL, "inbox store (fake): database down");
	} else {
		k = s->pending < max ? s->pending : max;
		s->pending -= k;
		s->handled += k;
		*n = k;
	}
	pthread_mutex_unlock(&s->lock);
	return st;
}

static enum os_status fake_purge(void *ctx, int64_t processed_before_us, size_t max,
				 size_t *deleted, struct os_error *err)
{
	struct fake_inbox_store *s = ctx;
	enum os_status st = OS_OK;
	size_t k;

	pthread_mutex_lock(&s->lock);
	s->purge_calls++;
	s->last_purge_before_us = processed_before_us;
	s->last_purge_max = max;
	if (s->purge_failures > 0) {
		s->purge_failures--;
		st = os_fail(err, OS_EUNAVAIL, NULL, "inbox store (fake): database down");
	} else {
		k = s->purgeable < max ? s->purgeable : max;
		s->purgeable -= k;
		s->purged += k;
		*deleted = k;
	}
	pthread_mutex_unlock(&s->lock);
	return st;
}

static const struct inbox_store_ops fake_inbox_store_ops = {
    .apply_batch = fake_apply,
    .wait = fake_waits_wait,
    .purge = fake_purge,
};

void fake_inbox_store_init(struct fake_inbox_store *f, struct fake_sys *clock,
			   volatile sig_atomic_t *stop)
{
	fake_clear(f, sizeof(*f), &f->lock);
	fake_waits_init(&f->waits, &f->lock, &f->apply_calls, clock, stop);
	f->store = (struct inbox_store){.ops = &fake_inbox_store_ops, .ctx = f};
}
