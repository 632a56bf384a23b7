/*
 * The message source port of the shipping consumer: a stream of inbound
 * messages (the Kafka consumer in production), each already decoded into an
 * inbox message or marked rejected when it is malformed. The worker records
 * each in the inbox and only then commits its position.
 */
#ifndef OS_MESSAGE_SOURCE_H
#define OS_MESSAGE_SOURCE_H

#include <stdbool.h>

#include "app/inbox_port.h"
#include "domain/status.h"

/*
 * Waits up to timeout_ms for the next message. OS_OK with *got true: *out is
 * filled (its payload stays valid until the next poll or commit); *got false:
 * nothing arrived. A malformed message is never an error here: it comes as
 * out->rejected with out->error set and a message id unique to its position.
 */
typedef enum os_status source_poll_fn(void *ctx, int timeout_ms, struct inbox_msg *out, bool *got,
				      struct os_error *err);

/* Commits the position after the last polled message (synchronously). */
typedef enum os_status source_commit_fn(void *ctx, struct os_error *err);

struct message_source_ops {
	source_poll_fn *poll;
	source_commit_fn *commit;
};

struct message_source {
	const struct message_source_ops *ops;
	void *ctx;
};

static inline enum os_status message_source_poll(const struct message_source *s, int timeout_ms,
						 struct inbox_msg *out, bool *got,
						 struct os_error *err)
{
	return s->ops->poll(s->ctx, timeout_ms, out, got, err);
}

static inline enum os_status message_source_commit(const struct message_source *s,
						   struct os_error *err)
{
	return s->ops->commit(s->ctx, err);
}

#endif
