/*
 * A message source that passes every call on to another one and checks,
 * at each commit, that every message polled so far has been recorded in a
 * fake inbox: a commit before the record would lose the message on a crash.
 */
#include <string.h>

#include "tests/fakes/fakes.h"

static enum os_status fake_poll(void *ctx, int timeout_ms, struct inbox_msg *out, bool *got,
				struct os_error *err)
{
	struct fake_message_source *s = ctx;
	enum os_status st = message_source_poll(&s->inner, timeout_ms, out, got, err);

	if (st == OS_OK && *got) {
		pthread_mutex_lock(&s->lock);
		s->polled++;
		pthread_mutex_unlock(&s->lock);
	}
	return st;
}

static enum os_status fake_commit(void *ctx, struct os_error *err)
{
	struct fake_message_source *s = ctx;
	size_t recorded;

	pthread_mutex_lock(&s->inbox->lock);
	recorded = s->inbox->count;
	pthread_mutex_unlock(&s->inbox->lock);
	pthread_mutex_lock(&s->lock);
	if (recorded != s->polled)
		s->commit_before_record = true;
	s->commits++;
	pthread_mutex_unlock(&s->lock);
	return message_source_commit(&s->inner, err);
}

static const struct message_source_ops fake_message_source_ops = {
    .poll = fake_poll,
    .commit = fake_commit,
};

void fake_message_source_init(struct fake_message_source *f, const struct message_source *inner,
			      struct fake_inbox *inbox)
{
	fake_clear(f, sizeof(*f), &f->lock);
	f->inner = *inner;
	f->inbox = inbox;
	f->source = (struct message_source){.ops = &fake_message_source_ops, .ctx = f};
}
