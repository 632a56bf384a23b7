/*
 * The operator port: list dead outbox rows and rejected inbox rows and put
 * them back to pending (admin routes, `order-service outbox|inbox ...`),
 * readiness, and queue depths for /metrics.
 */
#ifndef OS_ADMIN_PORT_H
#define OS_ADMIN_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "app/inbox_port.h"
#include "app/outbox_port.h"
#include "domain/status.h"

#define ADMIN_LIST_MAX 100

enum admin_kind {
	ADMIN_OUTBOX = 0, /* outbox rows with status dead */
	ADMIN_INBOX,	  /* inbox rows with status rejected */
};

struct dead_letter {
	int64_t id;				   /* outbox seq or inbox id */
	char message_id[INBOX_MESSAGE_ID_MAX + 1]; /* outbox event id or inbox message id */
	char type[INBOX_TYPE_MAX + 1];
	char where[OUTBOX_DESTINATION_MAX + 1]; /* outbox destination or inbox source */
	bool has_order_id;
	struct uuid order_id;
	int32_t attempts;
	char error[OUTBOX_ERROR_MAX + 1];
	int64_t at_us; /* created_at / received_at */
};

/* Lists up to limit (<= ADMIN_LIST_MAX) rows with id > after_id, by id. */
typedef enum os_status admin_list_fn(void *ctx, enum admin_kind kind, int64_t after_id,
				     size_t limit, struct dead_letter *out, size_t *n,
				     struct os_error *err);

/* What a retry did. */
struct admin_retry_result {
	size_t retried; /* rows back to pending */
	size_t refused; /* payment requests of orders no longer new, left dead */
};

/*
 * Puts row id (or every row when id == 0) back to pending, due now, with
 * attempts reset. A payment request whose order is no longer new is never
 * sent again (DESIGN §5): it stays dead and is counted in out->refused; a
 * retry of that one row is OS_ECONFLICT saying why. OS_ENOTFOUND when id
 * names no such row.
 */
typedef enum os_status admin_retry_fn(void *ctx, enum admin_kind kind, int64_t id,
				      struct admin_retry_result *out, struct os_error *err);

#define ADMIN_STATS_DESTINATIONS 16

/* The outbox of one destination. */
struct outbox_queue_stats {
	char destination[OUTBOX_DESTINATION_MAX + 1];
	int64_t pending;
	int64_t oldest_pending_age_ms; /* 0 when none pending */
	int64_t dead;
};

/* Queue depths for /metrics, read at scrape time. */
struct queue_stats {
	size_t destination_count;
	struct outbox_queue_stats outbox[ADMIN_STATS_DESTINATIONS];
	int64_t inbox_pending;
	int64_t inbox_oldest_pending_age_ms;
	int64_t inbox_rejected;
};

/* Readiness: OS_OK when the database answers, OS_EUNAVAIL otherwise. */
typedef enum os_status admin_ping_fn(void *ctx, struct os_error *err);

typedef enum os_status admin_stats_fn(void *ctx, struct queue_stats *out, struct os_error *err);

struct admin_ops {
	admin_list_fn *list;
	admin_retry_fn *retry;
	admin_ping_fn *ping;
	admin_stats_fn *stats;
};

struct admin {
	const struct admin_ops *ops;
	void *ctx;
};

static inline enum os_status admin_list(const struct admin *a, enum admin_kind kind,
					int64_t after_id, size_t limit, struct dead_letter *out,
					size_t *n, struct os_error *err)
{
	return a->ops->list(a->ctx, kind, after_id, limit, out, n, err);
}

static inline enum os_status admin_retry_counted(const struct admin *a, enum admin_kind kind,
						 int64_t id, struct admin_retry_result *out,
						 struct os_error *err)
{
	return a->ops->retry(a->ctx, kind, id, out, err);
}

/* As admin_retry_counted; *n counts the rows back to pending. */
static inline enum os_status admin_retry(const struct admin *a, enum admin_kind kind, int64_t id,
					 size_t *n, struct os_error *err)
{
	struct admin_retry_result r = {0, 0};
	enum os_status st = a->ops->retry(a->ctx, kind, id, &r, err);

	if (st == OS_OK)
		*n = r.retried;
	return st;
}

static inline enum os_status admin_ping(const struct admin *a, struct os_error *err)
{
	return a->ops->ping(a->ctx, err);
}

static inline enum os_status admin_stats(const struct admin *a, struct queue_stats *out,
					 struct os_error *err)
{
	return a->ops->stats(a->ctx, out, err);
}

#endif
