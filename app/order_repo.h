/*
 * The order repository port. One instance is one database session: it is
 * used by one thread at a time. Every write is one transaction; reads see
 * committed data only.
 */
#ifndef OS_ORDER_REPO_H
#define OS_ORDER_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "app/order_change.h"
#include "app/outbox_msg.h"
#include "domain/order.h"
#include "domain/order_state.h"
#include "domain/status.h"

#define ORDER_LIST_MAX	       100 /* largest page of a list */
#define ORDER_HISTORY_MAX      32  /* longest history returned */
#define ORDER_EVENTS_MAX       100 /* most outbox messages returned for one order */
#define ORDER_EVENT_STATUS_MAX 16

/* One outbox message of an order, as GET /orders/{id}/events shows it. */
struct order_event_row {
	struct uuid event_id;
	char type[OUTBOX_TYPE_MAX + 1];
	char destination[OUTBOX_DESTINATION_MAX + 1];
	char status[ORDER_EVENT_STATUS_MAX + 1]; /* pending, sent, dead, ... */
	int32_t attempts;
	int64_t created_at_us;
	bool has_sent_at;
	int64_t sent_at_us;
};

struct order_filter {
	const char *user_id; /* NULL: any */
	bool has_status;
	enum order_status status;
	bool has_after; /* keyset: orders with id < after (newest first) */
	struct uuid after;
	size_t limit; /* 1..ORDER_LIST_MAX */
};

/*
 * Called by the repository with the order row locked, inside its
 * transaction. Returns the verdict; for ORDER_APPLY it fills *change, which
 * the repository writes (status, updated_at, version + 1, history row, outbox
 * rows, NOTIFY, stock release, and the money part: order_change.h) and then
 * releases with order_change_release. For any other verdict nothing is
 * written and *change is left untouched. The repository hands *change over
 * zeroed but for change->money.captured_payment_id.
 */
typedef enum order_verdict order_mutate_fn(void *arg, const struct order *current,
					   struct order_change *change);

/* The field suffix of create's "price changed" answer. */
#define ORDER_REPO_PRICE_FIELD "unit_price"

/*
 * Inserts c->order, its items, its first history row (to = new) and its
 * outbox rows in one transaction. When c->reserve_stock, each line first
 * takes its quantity from `inventory` in the same transaction, and its
 * unit price must be the locked row's price.
 * Returns:
 *  OS_OK, *created = true: written; *out is the stored order.
 *  OS_OK, *created = false: the idempotency key exists already (also when a
 *    concurrent request won the race); *out is that order and fingerprint
 *    (cap fp_cap) its stored fingerprint. Nothing was written.
 *  OS_ENOTFOUND (field "items[i].item_id"): reserve_stock and no such item.
 *  OS_ECONFLICT (field "items[i].quantity"): reserve_stock and not enough stock.
 *  OS_EAGAIN (field "items[i].unit_price"): reserve_stock and line i's unit
 *    price is not the row's price (the caller priced from an outdated
 *    answer): nothing written, nothing reserved. order_repo_price_changed
 *    tells it from other failures. Unknown items and short stock are
 *    reported before a changed price.
 *  OS_EUNAVAIL: the database is unreachable. OS_EIO: anything else.
 * Outputs are written only on OS_OK.
 */
typedef enum os_status order_repo_create_fn(void *ctx, const struct order_insert *c,
					    struct order *out, bool *created, char *fingerprint,
					    size_t fp_cap, struct os_error *err);

/* As create's "exists" case, without writing: OS_ENOTFOUND when no order has
 * this key. */
typedef enum os_status order_repo_find_by_key_fn(void *ctx, const struct uuid *key,
						 struct order *out, char *fingerprint,
						 size_t fp_cap, struct os_error *err);

/* As find_by_key, by the external reference of a webhook order (ref is
 * 1..ORDER_EXTERNAL_REF_MAX bytes). */
typedef enum os_status order_repo_find_by_ref_fn(void *ctx, const char *ref, struct order *out,
						 char *fingerprint, size_t fp_cap,
						 struct os_error *err);

/* The outbox messages of order id, oldest first (in the order they were
 * written), at most cap; *n counts them. OS_ENOTFOUND when there is no such
 * order. Sent messages are purged after the relay's retention period, so an
 * old order may list fewer than it once wrote. */
typedef enum os_status order_repo_events_fn(void *ctx, const struct uuid *id,
					    struct order_event_row *out, size_t cap, size_t *n,
					    struct os_error *err);

/* OS_OK with *out, or OS_ENOTFOUND. */
typedef enum os_status order_repo_get_fn(void *ctx, const struct uuid *id, struct order *out,
					 struct os_error *err);

/* Newest first; fills out[0..*n). out must hold f->limit orders. */
typedef enum os_status order_repo_list_fn(void *ctx, const struct order_filter *f,
					  struct order *out, size_t *n, struct os_error *err);

/* Oldest first; fills out[0..*n), at most cap. OS_ENOTFOUND for no order. */
typedef enum os_status order_repo_history_fn(void *ctx, const struct uuid *id,
					     struct order_history_entry *out, size_t cap, size_t *n,
					     struct os_error *err);

/* Locks order id, calls fn, writes an ORDER_APPLY change, commits. *verdict
 * receives fn's verdict. OS_ENOTFOUND for no order. */
typedef enum os_status order_repo_update_fn(void *ctx, const struct uuid *id, order_mutate_fn *fn,
					    void *arg, enum order_verdict *verdict,
					    struct os_error *err);

/* For up to max orders in status new created before created_before_us,
 * skipping rows locked by others: locks each, calls fn, writes. *changed
 * counts the orders changed. */
typedef enum os_status order_repo_expire_fn(void *ctx, int64_t created_before_us, size_t max,
					    order_mutate_fn *fn, void *arg, size_t *changed,
					    struct os_error *err);

struct order_repo_ops {
	order_repo_create_fn *create;
	order_repo_find_by_key_fn *find_by_key;
	order_repo_find_by_ref_fn *find_by_ref;
	order_repo_events_fn *events;
	order_repo_get_fn *get;
	order_repo_list_fn *list;
	order_repo_history_fn *history;
	order_repo_update_fn *update;
	order_repo_expire_fn *expire;
};

struct order_repo {
	const struct order_repo_ops *ops;
	void *ctx;
};

static inline enum os_status order_repo_create(const struct order_repo *r,
					       const struct order_insert *c, struct order *out,
					       bool *created, char *fp, size_t fp_cap,
					       struct os_error *err)
{
	return r->ops->create(r->ctx, c, out, created, fp, fp_cap, err);
}

/* True when create's answer (st, err) is "a line's price changed". */
static inline bool order_repo_price_changed(enum os_status st, const struct os_error *err)
{
	static const char suffix[] = "]." ORDER_REPO_PRICE_FIELD;
	size_t n, k = sizeof(suffix) - 1;

	if (st != OS_EAGAIN || err == NULL) /* err is written on failures only */
		return false;
	n = strnlen(err->field, sizeof(err->field));
	return strncmp(err->field, "items[", 6) == 0 && n > k && n < sizeof(err->field) &&
	       strcmp(err->field + n - k, suffix) == 0;
}

static inline enum os_status order_repo_find_by_key(const struct order_repo *r,
						    const struct uuid *key, struct order *out,
						    char *fp, size_t fp_cap, struct os_error *err)
{
	return r->ops->find_by_key(r->ctx, key, out, fp, fp_cap, err);
}

static inline enum os_status order_repo_find_by_ref(const struct order_repo *r, const char *ref,
						    struct order *out, char *fp, size_t fp_cap,
						    struct os_error *err)
{
	return r->ops->find_by_ref(r->ctx, ref, out, fp, fp_cap, err);
}

static inline enum os_status order_repo_events(const struct order_repo *r, const struct uuid *id,
					       struct order_event_row *out, size_t cap, size_t *n,
					       struct os_error *err)
{
	return r->ops->events(r->ctx, id, out, cap, n, err);
}

static inline enum os_status order_repo_get(const struct order_repo *r, const struct uuid *id,
					    struct order *out, struct os_error *err)
{
	return r->ops->get(r->ctx, id, out, err);
}

static inline enum os_status order_repo_list(const struct order_repo *r,
					     const struct order_filter *f, struct order *out,
					     size_t *n, struct os_error *err)
{
	return r->ops->list(r->ctx, f, out, n, err);
}

static inline enum os_status order_repo_history(const struct order_repo *r, const struct uuid *id,
						struct order_history_entry *out, size_t cap,
						size_t *n, struct os_error *err)
{
	return r->ops->history(r->ctx, id, out, cap, n, err);
}

static inline enum os_status order_repo_update(const struct order_repo *r, const struct uuid *id,
					       order_mutate_fn *fn, void *arg,
					       enum order_verdict *verdict, struct os_error *err)
{
	return r->ops->update(r->ctx, id, fn, arg, verdict, err);
}

static inline enum os_status order_repo_expire(const struct order_repo *r,
					       int64_t created_before_us, size_t max,
					       order_mutate_fn *fn, void *arg, size_t *changed,
					       struct os_error *err)
{
	return r->ops->expire(r->ctx, created_before_us, max, fn, arg, changed, err);
}

#endif
