/*
 * An outbox sink that records the rows it is given and answers what the test
 * set: failures first, then a verdict per row (by index in the batch), an
 * error text for every row not sent, and a hook called inside each send.
 */
#include <stdio.h>
#include <string.h>

#include "tests/fakes/fakes.h"

static enum os_status fake_send(void *ctx, const struct outbox_batch *b,
				struct outbox_result *results, struct os_error *err)
{
	struct fake_outbox_sink *k = ctx;
	fake_outbox_sink_hook *hook;
	void *hook_arg;
	size_t call, i;
	enum os_status st = OS_OK;

	pthread_mutex_lock(&k->lock);
	call = ++k->calls;
	if (k->fail_next > 0) {
		k->fail_next--;
		pthread_mutex_unlock(&k->lock);
		return os_fail(err, OS_EUNAVAIL, NULL, "sink down");
	}
	hook = k->on_send;
	hook_arg = k->on_send_arg;
	pthread_mutex_unlock(&k->lock);

	/* Without the lock: a hook may wait for other threads. */
	if (hook != NULL)
		hook(hook_arg, call);

	pthread_mutex_lock(&k->lock);
	if (k->fail_with != OS_OK) {
		st = os_fail(err, k->fail_with, NULL, "sink broken");
		goto out;
	}
	for (i = 0; i < b->count && !k->mute; i++) {
		const struct outbox_row *row = &b->rows[i];
		enum outbox_delivery d = k->verdicts[i];

		if (k->retry_first_batch && call == 1)
			d = OUTBOX_RETRY;
		results[i].delivery = d;
		if (d != OUTBOX_SENT)
			results[i].retry_after_us = k->retry_after_us;
		if (d != OUTBOX_SENT)
			snprintf(results[i].error, sizeof(results[i].error), "HTTP 503 (seq %lld)",
				 (long long)row->seq);
		else
			k->sent++;
		k->rows_seen++;
		if (k->count < FAKE_OUTBOX_SINK_ROWS) {
			k->rows[k->count].seq = row->seq;
			k->rows[k->count].aggregate_id = row->aggregate_id;
			k->rows[k->count].delivery = d;
			k->count++;
		}
	}
out:
	pthread_mutex_unlock(&k->lock);
	return st;
}

static const struct outbox_sink_ops fake_outbox_sink_ops = {.send = fake_send};

void fake_outbox_sink_init(struct fake_outbox_sink *k, enum outbox_delivery verdict)
{
	size_t i;

	fake_clear(k, sizeof(*k), &k->lock);
	for (i = 0; i < OUTBOX_BATCH_MAX; i++)
		k->verdicts[i] = verdict;
	k->sink = (struct outbox_sink){.ops = &fake_outbox_sink_ops, .ctx = k};
}
