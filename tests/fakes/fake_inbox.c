/* An inbox writer that keeps what it records, deduplicated like the table. */
#include <stdlib.h>
#include <string.h>

#include "tests/fakes/fakes.h"

static enum os_status fail_locked(struct fake_inbox *f, enum os_status st, struct os_error *err)
{
	f->failures++;
	if (f->stop != NULL && f->stop_after_failures > 0 && f->failures >= f->stop_after_failures)
		*f->stop = 1;
	return os_fail(err, st, NULL, "inbox failure (fake): database down");
}

static enum os_status record_locked(struct fake_inbox *f, const struct inbox_msg *m, bool *inserted,
				    struct os_error *err)
{
	char *copy;
	size_t i;

	f->calls++;
	if (f->fail_with != OS_OK)
		return fail_locked(f, f->fail_with, err);
	if (f->fail_next > 0) {
		f->fail_next--;
		return fail_locked(f, OS_EUNAVAIL, err);
	}
	for (i = 0; i < f->count; i++) {
		if (strcmp(f->rows[i].msg.source, m->source) == 0 &&
		    strcmp(f->rows[i].msg.message_id, m->message_id) == 0 &&
		    strcmp(f->rows[i].msg.type, m->type) == 0) {
			*inserted = false;
			return OS_OK;
		}
	}
	if (f->count == FAKE_INBOX_MAX)
		return os_fail(err, OS_EIO, NULL, "fake inbox full");
	copy = malloc(m->payload_len + 1);
	if (copy == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	if (m->payload_len > 0)
		memcpy(copy, m->payload, m->payload_len);
	copy[m->payload_len] = '\0';
	f->rows[f->count].msg = *m;
	f->rows[f->count].msg.payload = copy;
	f->rows[f->count].payload = copy;
	f->count++;
	if (f->stop != NULL && f->stop_after > 0 && f->count >= f->stop_after)
		*f->stop = 1;
	*inserted = true;
	return OS_OK;
}

static enum os_status fake_record(void *ctx, const struct inbox_msg *m, bool *inserted,
				  struct os_error *err)
{
	struct fake_inbox *f = ctx;
	enum os_status st;

	pthread_mutex_lock(&f->lock);
	st = record_locked(f, m, inserted, err);
	pthread_mutex_unlock(&f->lock);
	return st;
}

static const struct inbox_writer_ops fake_inbox_ops = {
    .record = fake_record,
};

void fake_inbox_init(struct fake_inbox *f)
{
	fake_clear(f, sizeof(*f), &f->lock);
	f->inbox = (struct inbox_writer){.ops = &fake_inbox_ops, .ctx = f};
}

void fake_inbox_release(struct fake_inbox *f)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		free(f->rows[i].payload);
	f->count = 0;
}
