/*
 * The catalog port: names, prices and stock of items. Two adapters implement
 * it: the HTTP catalog service and the local `inventory` table. It is never
 * called while a database transaction is open.
 */
#ifndef OS_CATALOG_H
#define OS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"
#include "domain/status.h"

struct catalog_item {
	char name[ORDER_ITEM_NAME_MAX + 1];
	int64_t price_cents;
	int64_t available_qty;
};

/*
 * Looks up item_id (NUL-terminated, already checked by order_check_ident).
 * Returns OS_OK and fills *out; OS_ENOTFOUND for an unknown item; OS_EUNAVAIL
 * when the catalog is unreachable, times out, answers 5xx or answers
 * something that does not parse or breaks the bounds (never OS_ENOTFOUND for
 * those). *out is written only on success.
 */
typedef enum os_status catalog_get_fn(void *ctx, const char *item_id, struct catalog_item *out,
				      struct os_error *err);

/*
 * Looks up n items (ids as for catalog_get) at once, concurrently where the
 * adapter can. st[i] is what catalog_get would return for ids[i] and out[i]
 * is written when st[i] is OS_OK; err receives the detail of the first
 * failed item (lowest i). Optional: without it catalog_get_many asks one
 * item at a time.
 */
typedef void catalog_get_many_fn(void *ctx, const char *const *ids, size_t n,
				 struct catalog_item *out, enum os_status *st,
				 struct os_error *err);

/*
 * Drops whatever the port remembers of ids[0..n), so that the next lookup of
 * each asks the catalog itself. Optional: a port that remembers nothing
 * leaves it NULL.
 */
typedef void catalog_forget_fn(void *ctx, const char *const *ids, size_t n);

struct catalog_ops {
	catalog_get_fn *get;
	catalog_get_many_fn *get_many; /* may be NULL */
	catalog_forget_fn *forget;     /* may be NULL */
};

struct catalog {
	const struct catalog_ops *ops;
	void *ctx;
};

static inline enum os_status catalog_get(const struct catalog *c, const char *item_id,
					 struct catalog_item *out, struct os_error *err)
{
	return c->ops->get(c->ctx, item_id, out, err);
}

static inline void catalog_get_many(const struct catalog *c, const char *const *ids, size_t n,
				    struct catalog_item *out, enum os_status *st,
				    struct os_error *err)
{
	size_t i;
	bool failed = false;

	if (c->ops->get_many != NULL) {
		c->ops->get_many(c->ctx, ids, n, out, st, err);
		return;
	}
	for (i = 0; i < n; i++) {
		struct os_error sub;

		os_error_clear(&sub);
		st[i] = c->ops->get(c->ctx, ids[i], &out[i], &sub);
		if (st[i] != OS_OK && !failed && err != NULL)
			*err = sub;
		failed = failed || st[i] != OS_OK;
	}
}

static inline void catalog_forget(const struct catalog *c, const char *const *ids, size_t n)
{
	if (c->ops->forget != NULL)
		c->ops->forget(c->ctx, ids, n);
}

#endif
