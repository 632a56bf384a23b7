/*
 * Ports of the outbox relay (workers/outbox_relay.c): the store that hands
 * out claimed batches of outbox rows, and the sink that delivers them.
 */
#ifndef OS_OUTBOX_PORT_H
#define OS_OUTBOX_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/outbox_msg.h"
#include "domain/status.h"

#define OUTBOX_BATCH_MAX	2000
#define OUTBOX_ERROR_MAX	255
#define OUTBOX_DESTINATIONS_MAX 8

#define OUTBOX_CLAIM_REF_MAX 32

struct outbox_row {
	int64_t seq; /* monotonically increasing, unique */
	struct uuid event_id;
	struct uuid aggregate_id;
	char type[OUTBOX_TYPE_MAX + 1];
	char destination[OUTBOX_DESTINATION_MAX + 1];
	char *payload; /* NUL-terminated JSON; owned by the batch */
	size_t payload_len;
	char *headers; /* NUL-terminated JSON object ("{}" if none); owned by the batch */
	size_t headers_len;
	int32_t attempts; /* failed attempts so far */
	int64_t created_at_us;
	/* The store's own locator of the claimed row, valid until the batch is
	 * completed or released; nobody else reads it. */
	char claim_ref[OUTBOX_CLAIM_REF_MAX + 1];
};

/* A claimed batch. The rows array is allocated once (capacity) and reused;
 * payloads are freed by outbox_batch_clear. */
struct outbox_batch {
	size_t count;
	size_t capacity;
	struct outbox_row *rows;
};

enum outbox_delivery {
	OUTBOX_SENT = 0,  /* broker acknowledged / 2xx */
	OUTBOX_RETRY,	  /* transient: 5xx, 408, 429, timeout, broker error */
	OUTBOX_PERMANENT, /* never succeeds as is: other 4xx, message too large */
};

/* What the relay decided for one row of the batch (same index). */
enum outbox_fate {
	OUTBOX_FATE_SENT = 0,
	OUTBOX_FATE_RETRY, /* pending again, not before next_attempt_us */
	OUTBOX_FATE_DEAD,
};

struct outbox_result {
	enum outbox_delivery delivery;	  /* filled by the sink */
	enum outbox_fate fate;		  /* filled by the relay */
	int64_t next_attempt_us;	  /* for OUTBOX_FATE_RETRY */
	int64_t retry_after_us;		  /* filled by the sink: the wait the receiver asked
					     for (Retry-After), 0 when none */
	char error[OUTBOX_ERROR_MAX + 1]; /* for anything but sent */
};

/* Which rows a relay takes: rows whose destination is one of these. */
struct outbox_filter {
	size_t count;
	const char *destinations[OUTBOX_DESTINATIONS_MAX];
};

/*
 * Claims up to max pending rows that are due, of the filter's destinations,
 * oldest first, at most one per aggregate and destination (the earliest
 * pending one, so a stuck row holds back only its own order), skipping rows
 * other relays hold. The rows stay held until complete or release. An
 * empty batch holds nothing. b->rows must have capacity >= max.
 */
typedef enum os_status outbox_claim_fn(void *ctx, const struct outbox_filter *f, size_t max,
				       struct outbox_batch *b, struct os_error *err);

/*
 * Records results[i].fate for every row of b (one statement per fate, not
 * one per row), counts attempts, and lets the rows go. On failure nothing is
 * recorded and the rows are let go (they will be delivered again).
 */
typedef enum os_status outbox_complete_fn(void *ctx, const struct outbox_batch *b,
					  const struct outbox_result *results,
					  struct os_error *err);

/* Lets the held rows go unchanged (shutdown, sink failure). */
typedef void outbox_release_fn(void *ctx);

/* Blocks until a new row may be there (NOTIFY) or timeout_ms passes, or the
 * stop flag wakes it. OS_OK either way; OS_EUNAVAIL if the session is lost. */
typedef enum os_status outbox_wait_fn(void *ctx, int timeout_ms, struct os_error *err);

/* Deletes up to max sent rows with sent_at before sent_before_us, and
 * withdrawn (cancelled) rows created before it. */
typedef enum os_status outbox_purge_fn(void *ctx, int64_t sent_before_us, size_t max,
				       size_t *deleted, struct os_error *err);

struct outbox_store_ops {
	outbox_claim_fn *claim;
	outbox_complete_fn *complete;
	outbox_release_fn *release;
	outbox_wait_fn *wait;
	outbox_purge_fn *purge;
};

struct outbox_store {
	const struct outbox_store_ops *ops;
	void *ctx;
};

/*
 * Delivers rows b->rows[0..count) and fills results[i].delivery and, unless
 * sent, results[i].error. Rows of one batch belong to distinct aggregates, so
 * the sink may deliver them concurrently. Returns OS_OK when every row has a
 * delivery verdict; any other status means the sink itself is broken and the
 * relay releases the batch.
 */
typedef enum os_status outbox_send_fn(void *ctx, const struct outbox_batch *b,
				      struct outbox_result *results, struct os_error *err);

struct outbox_sink_ops {
	outbox_send_fn *send;
};

struct outbox_sink {
	const struct outbox_sink_ops *ops;
	void *ctx;
};

static inline enum os_status outbox_store_claim(const struct outbox_store *s,
						const struct outbox_filter *f, size_t max,
						struct outbox_batch *b, struct os_error *err)
{
	return s->ops->claim(s->ctx, f, max, b, err);
}

static inline enum os_status outbox_store_complete(const struct outbox_store *s,
						   const struct outbox_batch *b,
						   const struct outbox_result *r,
						   struct os_error *err)
{
	return s->ops->complete(s->ctx, b, r, err);
}

static inline void outbox_store_release(const struct outbox_store *s)
{
	s->ops->release(s->ctx);
}

static inline enum os_status outbox_store_wait(const struct outbox_store *s, int timeout_ms,
					       struct os_error *err)
{
	return s->ops->wait(s->ctx, timeout_ms, err);
}

static inline enum os_status outbox_store_purge(const struct outbox_store *s,
						int64_t sent_before_us, size_t max, size_t *deleted,
						struct os_error *err)
{
	return s->ops->purge(s->ctx, sent_before_us, max, deleted, err);
}

static inline enum os_status outbox_sink_send(const struct outbox_sink *s,
					      const struct outbox_batch *b, struct outbox_result *r,
					      struct os_error *err)
{
	return s->ops->send(s->ctx, b, r, err);
}

/* Allocates rows for capacity (<= OUTBOX_BATCH_MAX). OS_ENOMEM on failure. */
enum os_status outbox_batch_init(struct outbox_batch *b, size_t capacity);
/* Frees the rows' payloads and headers; count becomes 0. */
void outbox_batch_clear(struct outbox_batch *b);
/* Clears and frees the rows array. */
void outbox_batch_release(struct outbox_batch *b);
/* Sets results[0..n) to the verdict of a row nothing was heard of: a retry
 * at once, with note (truncated to OUTBOX_ERROR_MAX bytes) as the error. */
void outbox_results_retry(struct outbox_result *results, size_t n, const char *note);

#endif
