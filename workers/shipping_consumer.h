/*
 * The shipping-events consumer loop (`order-service worker
 * shipping-consumer`): takes messages from a message source one at a time,
 * records each in the inbox and only then commits its position, so a
 * message is never lost between the broker and the database. Built on ports
 * only; logging and metrics are the caller's, through the note callback.
 */
#ifndef OS_SHIPPING_CONSUMER_H
#define OS_SHIPPING_CONSUMER_H

#include <signal.h>

#include "app/inbox_port.h"
#include "app/message_source.h"
#include "domain/status.h"

enum shipping_consumer_event {
	SHIPPING_CONSUMER_RECORDED = 0, /* a new inbox row (pending, or rejected if malformed) */
	SHIPPING_CONSUMER_DUPLICATE,	/* the inbox had it already */
	SHIPPING_CONSUMER_INBOX_RETRY,	/* the inbox failed; waiting, then the same message again */
	SHIPPING_CONSUMER_REFUSED,	/* the inbox refused the message: stored as rejected */
	SHIPPING_CONSUMER_DROPPED,	/* refused even as rejected: committed without a row */
	SHIPPING_CONSUMER_COMMIT_FAILED, /* redelivered later; the inbox deduplicates */
	SHIPPING_CONSUMER_POLL_FAILED,	 /* the source is broken: the loop ends with 1 */
};

/*
 * Told about each step worth logging or counting. m is the message concerned
 * (NULL for commit and poll failures); err is NULL on success events. Both
 * are valid only during the call.
 */
typedef void shipping_consumer_note_fn(void *arg, enum shipping_consumer_event ev,
				       const struct inbox_msg *m, const struct os_error *err);

struct shipping_consumer_options {
	int poll_ms;			 /* longest wait for a message; <= 0: 500 */
	int retry_base_ms;		 /* first wait after an inbox failure; <= 0: 100 */
	int retry_max_ms;		 /* ceiling of the doubling waits; <= 0: 5000 */
	shipping_consumer_note_fn *note; /* optional */
	void *note_arg;
};

/*
 * Runs until *stop is set. Each polled message is recorded in the inbox,
 * retried with a bounded backoff while the inbox fails (never skipped), and
 * committed after the inbox has it. A stop during the retries exits without
 * committing, so the message is delivered again. Malformed messages arrive
 * marked rejected and are recorded and committed like the others. Returns 0
 * on a clean stop, 1 when the source fails.
 */
int shipping_consumer_run(const struct shipping_consumer_options *o,
			  const struct message_source *src, const struct inbox_writer *inbox,
			  volatile sig_atomic_t *stop);

#endif
