/*
 * The relay's side of the outbox: claims hand out up to max of `pending`
 * made-up rows (or fail while `claim_failures` lasts), complete and release
 * record what they were given, waits advance the fake clock by their timeout
 * and stop the loop when told, purges delete what `purge_script` says.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fakes/fakes.h"

_Static_assert(offsetof(struct fake_outbox_store, waits) == 0,
	       "the store is its waits' ctx: fake_waits_wait");

static enum os_status fake_claim(void *ctx, const struct outbox_filter *f, size_t max,
				 struct outbox_batch *b, struct os_error *err)
{
	struct fake_outbox_store *s = ctx;
	enum os_status st = OS_OK;
	size_t i, n;

	(void)f;
	pthread_mutex_lock(&s->lock);
	s->claim_calls++;
	s->last_claim_max = max;
	if (s->claim_failures > 0) {
		s->claim_failures--;
		st = os_fail(err, OS_EUNAVAIL, NULL, "database down");
		goto out;
	}
	n = s->pending < max ? s->pending : max;
	for (i = 0; i < n; i++) {
		struct outbox_row *row = &b->rows[i];

		memset(row, 0, sizeof(*row));
		row->seq = (int64_t)i + 1;
		row->event_id.b[0] = (uint8_t)i;
		row->payload = strdup("{\"k\":1}");
		row->payload_len = strlen(row->payload);
		row->headers = strdup("{}");
		row->headers_len = 2;
		row->attempts = i < FAKE_OUTBOX_STORE_ROWS ? s->attempts[i] : 0;
	}
	b->count = n;
	s->pending -= n;
	s->held = n;
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

static enum os_status fake_complete(void *ctx, const struct outbox_batch *b,
				    const struct outbox_result *r, struct os_error *err)
{
	struct fake_outbox_store *s = ctx;
	size_t kept = b->count < FAKE_OUTBOX_STORE_ROWS ? b->count : FAKE_OUTBOX_STORE_ROWS;

	(void)err;
	pthread_mutex_lock(&s->lock);
	s->complete_calls++;
	s->held = 0;
	s->completed_rows += b->count;
	s->last_count = b->count;
	memcpy(s->last_results, r, kept * sizeof(*r));
	pthread_mutex_unlock(&s->lock);
	return OS_OK;
}

static void fake_release(void *ctx)
{
	struct fake_outbox_store *s = ctx;

	pthread_mutex_lock(&s->lock);
	s->release_calls++;
	s->pending += s->held;
	s->held = 0;
	pthread_mutex_unlock(&s->lock);
}

static enum os_status fake_purge(void *ctx, int64_t sent_before_us, size_t max, size_t *deleted,
				 struct os_error *err)
{
	struct fake_outbox_store *s = ctx;
	size_t n = 0;

	(void)err;
	pthread_mutex_lock(&s->lock);
	if (s->purge_calls < FAKE_OUTBOX_PURGES)
		n = s->purge_script[s->purge_calls];
	if (n > max)
		n = max;
	s->purge_calls++;
	s->last_purge_before_us = sent_before_us;
	*deleted = n;
	pthread_mutex_unlock(&s->lock);
	return OS_OK;
}

static const struct outbox_store_ops fake_outbox_store_ops = {
    .claim = fake_claim,
    .complete = fake_complete,
    .release = fake_release,
    .wait = fake_waits_wait,
    .purge = fake_purge,
};

void fake_outbox_store_init(struct fake_outbox_store *f, struct fake_sys *clock,
			    volatile sig_atomic_t *stop)
{
	fake_clear(f, sizeof(*f), &f->lock);
	fake_waits_init(&f->waits, &f->lock, &f->claim_calls, clock, stop);
	f->store = (struct outbox_store){.ops = &fake_outbox_store_ops, .ctx = f};
}
