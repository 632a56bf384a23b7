/*
 * Shipping consumer loop. The order "record, then commit" is the whole
 * point: a crash between the two redelivers the message and the inbox's
 * (source, message_id) uniqueness turns the replay into a no-op.
 */
#include "workers/shipping_consumer.h"

#include <stdbool.h>
#include <stdio.h>

#include "workers/backoff.h"

enum record_result {
	RECORD_DONE = 0,
	RECORD_REFUSED, /* the inbox will never take this message as it is */
	RECORD_STOPPED, /* asked to stop while the inbox was failing */
};

struct loop {
	int poll_ms;
	struct backoff retry; /* doubling waits while the inbox fails, no jitter */
	shipping_consumer_note_fn *note_fn;
	void *note_arg;
	volatile sig_atomic_t *stop;
};

static void note(const struct loop *l, enum shipping_consumer_event ev, const struct inbox_msg *m,
		 const struct os_error *err)
{
	if (l->note_fn != NULL)
		l->note_fn(l->note_arg, ev, m, err);
}

/* Input the inbox rejects as such; retrying it as is cannot help. */
static bool refused(enum os_status st)
{
	return st == OS_EINVAL || st == OS_ETOOBIG;
}

static enum record_result record(const struct loop *l, const struct inbox_writer *inbox,
				 const struct inbox_msg *m)
{
	struct os_error err;
	int32_t failures = 0;
	bool inserted = false;
	enum os_status st;

	for (;;) {
		os_error_clear(&err);
		st = inbox_writer_record(inbox, m, &inserted, &err);
		if (st == OS_OK) {
			note(l, inserted ? SHIPPING_CONSUMER_RECORDED : SHIPPING_CONSUMER_DUPLICATE,
			     m, NULL);
			return RECORD_DONE;
		}
		if (refused(st))
			return RECORD_REFUSED;
		note(l, SHIPPING_CONSUMER_INBOX_RETRY, m, &err);
		if (!backoff_wait(&l->retry, &failures, NULL, l->stop))
			return RECORD_STOPPED;
	}
}

/* The message the inbox refused, kept as a rejected row without its payload
 * so that it can be inspected and the partition moves on. */
static enum record_result record_refused(const struct loop *l, const struct inbox_writer *inbox,
					 const struct inbox_msg *m)
{
	struct inbox_msg r = *m;
	struct os_error why;
	enum record_result rr;

	os_fail(&why, OS_EINVAL, NULL, "the inbox refused the message");
	note(l, SHIPPING_CONSUMER_REFUSED, m, &why);
	r.rejected = true;
	r.has_order_id = false;
	r.payload = "";
	r.payload_len = 0;
	snprintf(r.type, sizeof(r.type), "%s", INBOX_TYPE_MALFORMED);
	snprintf(r.error, sizeof(r.error), "the inbox refused the message");
	rr = record(l, inbox, &r);
	if (rr == RECORD_REFUSED) {
		note(l, SHIPPING_CONSUMER_DROPPED, m, &why);
		return RECORD_DONE;
	}
	return rr;
}

/* One message: record (however long the inbox needs), then commit. */
static bool handle(const struct loop *l, const struct message_source *src,
		   const struct inbox_writer *inbox, const struct inbox_msg *m)
{
	enum record_result rr = record(l, inbox, m);
	struct os_error err;

	if (rr == RECORD_REFUSED)
		rr = record_refused(l, inbox, m);
	if (rr == RECORD_STOPPED)
		return false; /* not committed: delivered again after restart */
	os_error_clear(&err);
	if (message_source_commit(src, &err) != OS_OK)
		note(l, SHIPPING_CONSUMER_COMMIT_FAILED, NULL, &err);
	return true;
}

static int positive_or(int v, int dflt)
{
	return v > 0 ? v : dflt;
}

int shipping_consumer_run(const struct shipping_consumer_options *o,
			  const struct message_source *src, const struct inbox_writer *inbox,
			  volatile sig_atomic_t *stop)
{
	struct loop l = {
	    .poll_ms = positive_or(o->poll_ms, 500),
	    .retry = {.base_us = (int64_t)positive_or(o->retry_base_ms, 100) * 1000,
		      .max_us = (int64_t)positive_or(o->retry_max_ms, 5000) * 1000},
	    .note_fn = o->note,
	    .note_arg = o->note_arg,
	    .stop = stop,
	};
	struct inbox_msg m;
	struct os_error err;
	bool got;

	while (!*stop) {
		got = false;
		os_error_clear(&err);
		if (message_source_poll(src, l.poll_ms, &m, &got, &err) != OS_OK) {
			note(&l, SHIPPING_CONSUMER_POLL_FAILED, NULL, &err);
			return 1;
		}
		if (got && !handle(&l, src, inbox, &m))
			break;
	}
	return 0;
}
