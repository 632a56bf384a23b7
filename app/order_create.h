/*
 * The course of a create, shared by its two ways in: the API's order_create
 * (order_service.c, an idempotency key) and the shop's webhook orders
 * (order_ingress.c, an external reference). Each way checks its request,
 * builds the order into the work buffers, and answers a key that exists
 * already in its own words; the insert, its race on the key and the buffers'
 * lifetime are here once.
 */
#ifndef OS_ORDER_CREATE_H
#define OS_ORDER_CREATE_H

#include <stdbool.h>

#include "app/order_service.h"

/* Buffers of one create call; on the heap because an order is ~10 KiB. */
struct order_create_work {
	char fp[ORDER_FINGERPRINT_MAX + 1];	  /* the request's fingerprint */
	char found_fp[ORDER_FINGERPRINT_MAX + 1]; /* the stored order's */
	struct order found;
	struct order_insert c;
};

/* One way in; req is the way's own request. */
struct order_create_way {
	enum os_status (*check)(const void *req, struct os_error *err);
	/* Fills w->fp and w->c. *answered: it answered (out, created, or the
	 * failure returned) from an order that exists, and nothing is inserted. */
	enum os_status (*prepare)(struct order_service *svc, const void *req,
				  struct order_create_work *w, struct order *out, bool *created,
				  bool *answered, struct os_error *err);
	/* The answer for w->found, stored before under the same key: a replay
	 * (*created false) or OS_EMISMATCH. */
	enum os_status (*replay)(const struct order_create_work *w, const void *req,
				 struct order *out, bool *created, struct os_error *err);
	/* NULL, or: the repository refused a line's price as changed since it
	 * was read (order_repo_price_changed); refills w->c from fresh prices.
	 * A second refusal is answered OS_EAGAIN (retryable). */
	enum os_status (*reprice)(struct order_service *svc, const void *req,
				  struct order_create_work *w, struct os_error *err);
};

/* The fields every new order starts with: a new id, status new, version 1,
 * the service's currency, created and updated now, its source, and the
 * customer and shipping address it was ordered with. */
void order_create_header(struct order_service *svc, enum order_source source,
			 const struct order_customer *customer, const char *shipping_address,
			 struct order *o);

/* Completes w->c around the order built into w->c.order: the fingerprint
 * w->fp, the history reason, whether the insert reserves stock, and the
 * created order's messages carrying trace. The messages are released with
 * order_insert_release. */
enum os_status order_create_complete(struct order_service *svc, const struct order_trace *trace,
				     const char *reason, bool reserve_stock,
				     struct order_create_work *w, struct os_error *err);

/* Checks, prepares and inserts the order of req; a concurrent request that
 * won the race on the key answers as a replay. */
enum os_status order_create_by(struct order_service *svc, const struct order_create_way *way,
			       const void *req, struct order *out, bool *created,
			       struct os_error *err);

#endif
