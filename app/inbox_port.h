/*
 * Ports of the inbox: recording messages that come back from outside
 * (payment callbacks, shipping events), and applying them to orders exactly
 * once (workers/inbox_applier.c).
 */
#ifndef OS_INBOX_PORT_H
#define OS_INBOX_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/order_change.h"
#include "domain/order.h"
#include "domain/status.h"

#define INBOX_SOURCE_MAX     16 /* "payments" | "shipping" */
#define INBOX_MESSAGE_ID_MAX 128
#define INBOX_TYPE_MAX	     48
#define INBOX_PAYLOAD_MAX    65536 /* raw bytes kept of one message */
#define INBOX_ERROR_MAX	     255

#define INBOX_SOURCE_PAYMENTS "payments"
#define INBOX_SOURCE_SHIPPING "shipping"

/* Message types the applier understands. */
#define INBOX_TYPE_PAYMENT_SUCCEEDED "payment.succeeded"
#define INBOX_TYPE_PAYMENT_FAILED    "payment.failed"
#define INBOX_TYPE_PAYMENT_PENDING   "payment.pending"
#define INBOX_TYPE_SHIPPED	     "order.shipped"
#define INBOX_TYPE_DELIVERED	     "order.delivered"
#define INBOX_TYPE_SHIPPING_FAILED   "shipping.failed"
#define INBOX_TYPE_MALFORMED	     "malformed"

/* A message to record. Unique per (source, message_id, type): a payment
 * reported pending and then succeeded under one key is two messages. */
struct inbox_msg {
	char source[INBOX_SOURCE_MAX + 1];
	char message_id[INBOX_MESSAGE_ID_MAX + 1];
	char type[INBOX_TYPE_MAX + 1];
	bool has_order_id;
	struct uuid order_id;
	const char *payload; /* raw bytes, borrowed; at most INBOX_PAYLOAD_MAX kept */
	size_t payload_len;
	bool rejected; /* malformed: recorded as rejected, never applied */
	char error[INBOX_ERROR_MAX + 1];
	char request_id[65]; /* propagated into the outbox rows it causes; may be "" */
	char payment_id[INBOX_MESSAGE_ID_MAX + 1]; /* a payment callback's payment id; may be "" */
};

/*
 * Records m in one transaction (status pending, or rejected when m->rejected)
 * and wakes the appliers (NOTIFY). *inserted is false when (source,
 * message_id, type) was there already: nothing changed.
 */
typedef enum os_status inbox_record_fn(void *ctx, const struct inbox_msg *m, bool *inserted,
				       struct os_error *err);

struct inbox_writer_ops {
	inbox_record_fn *record;
};

struct inbox_writer {
	const struct inbox_writer_ops *ops;
	void *ctx;
};

static inline enum os_status inbox_writer_record(const struct inbox_writer *w,
						 const struct inbox_msg *m, bool *inserted,
						 struct os_error *err)
{
	return w->ops->record(w->ctx, m, inserted, err);
}

/* A claimed pending row. */
struct inbox_row {
	int64_t id;
	char source[INBOX_SOURCE_MAX + 1];
	char message_id[INBOX_MESSAGE_ID_MAX + 1];
	char type[INBOX_TYPE_MAX + 1];
	bool has_order_id;
	struct uuid order_id;
	int32_t attempts; /* earlier attempts that deferred it */
	int64_t received_at_us;
	char request_id[65];
	char payment_id[INBOX_MESSAGE_ID_MAX + 1]; /* as recorded; may be "" */
};

enum inbox_fate {
	INBOX_PROCESSED = 0, /* applied, or a duplicate with nothing to do */
	INBOX_DEFER,	     /* too early: pending again, not before retry_at_us */
	INBOX_REJECTED,	     /* can never apply: kept with the note for inspection */
};

struct inbox_outcome {
	enum inbox_fate fate;
	int64_t retry_at_us;
	char note[INBOX_ERROR_MAX + 1];
};

/*
 * Decides one row. Called by the store inside its transaction with the
 * row's order locked; order is NULL when the row names no existing order.
 * *change comes zeroed but for change->money.captured_payment_id.
 * Fills *outcome; returns true when *change must be written too (then the
 * store writes it like order_repo's update and releases it).
 */
typedef bool inbox_decide_fn(void *arg, const struct inbox_row *row, const struct order *order,
			     struct order_change *change, struct inbox_outcome *outcome);

/*
 * Claims up to max pending rows that are due (skipping rows held by other
 * appliers, ordered so that locks are taken in a consistent order), and for
 * each: locks its order, calls fn, writes the change and the row's fate. All
 * in one transaction. *n counts rows handled.
 */
typedef enum os_status inbox_apply_batch_fn(void *ctx, size_t max, inbox_decide_fn *fn, void *arg,
					    size_t *n, struct os_error *err);

/* As outbox_wait_fn, on the inbox's notifications. */
typedef enum os_status inbox_wait_fn(void *ctx, int timeout_ms, struct os_error *err);

/*
 * Deletes at most max processed rows whose processing ended before
 * processed_before_us (Unix microseconds), oldest first, passing over rows
 * another session holds; *deleted counts them. Pending and rejected rows
 * are never deleted. A message delivered again after its row is gone is
 * applied again: the order's state (a duplicate payment, an event already
 * applied) makes that harmless.
 */
typedef enum os_status inbox_purge_fn(void *ctx, int64_t processed_before_us, size_t max,
				      size_t *deleted, struct os_error *err);

struct inbox_store_ops {
	inbox_apply_batch_fn *apply_batch;
	inbox_wait_fn *wait;
	inbox_purge_fn *purge;
};

struct inbox_store {
	const struct inbox_store_ops *ops;
	void *ctx;
};

static inline enum os_status inbox_store_apply_batch(const struct inbox_store *s, size_t max,
						     inbox_decide_fn *fn, void *arg, size_t *n,
						     struct os_error *err)
{
	return s->ops->apply_batch(s->ctx, max, fn, arg, n, err);
}

static inline enum os_status inbox_store_wait(const struct inbox_store *s, int timeout_ms,
					      struct os_error *err)
{
	return s->ops->wait(s->ctx, timeout_ms, err);
}

static inline enum os_status inbox_store_purge(const struct inbox_store *s,
					       int64_t processed_before_us, size_t max,
					       size_t *deleted, struct os_error *err)
{
	return s->ops->purge(s->ctx, processed_before_us, max, deleted, err);
}

#endif
