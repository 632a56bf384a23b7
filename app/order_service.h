/*
 * The order use cases: create, get, list, history, cancel, expire. They hold
 * the business rules and build the outbox messages; the ports do the I/O.
 * One struct order_service is used by one thread at a time. On an API loop
 * the fibers of several requests share it, interleaving only where a port
 * waits; its ports are then fiber-safe (a pooled database session lends
 * each fiber its own connection, the catalog runs a transfer per lookup).
 */
#ifndef OS_ORDER_SERVICE_H
#define OS_ORDER_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/catalog.h"
#include "app/order_repo.h"
#include "app/sys.h"
#include "domain/order.h"
#include "domain/status.h"

#define ORDER_REQUEST_ID_MAX  64
#define ORDER_TRACEPARENT_MAX 55 /* W3C traceparent, version 00 */
#define ORDER_URL_MAX	      512
#define ORDER_TOPIC_MAX	      64

struct order_settings {
	char currency[ORDER_CURRENCY_LEN + 1];		   /* e.g. "RUB" */
	char callback_url[ORDER_URL_MAX + 1];		   /* sent in payment requests */
	char topic_order_events[ORDER_TOPIC_MAX + 1];	   /* "order.events" */
	char topic_shipping_requests[ORDER_TOPIC_MAX + 1]; /* "shipping.requests" */
	bool local_inventory; /* no catalog URL: stock lives in `inventory` */
	bool egress_webhook;  /* WEBHOOK_OUTGOING_URL set: order events also go there */
};

struct order_service {
	struct order_repo repo;
	struct catalog catalog;
	struct sys sys;
	const struct order_settings *settings;
};

/* Where a request came from, carried into outbox headers. Strings may be "". */
struct order_trace {
	char request_id[ORDER_REQUEST_ID_MAX + 1];
	char traceparent[ORDER_TRACEPARENT_MAX + 1];
};

struct order_line_request {
	char item_id[ORDER_ITEM_ID_MAX + 1];
	int64_t quantity; /* as sent; range checked by the use case */
};

/* A decoded create body. The codec checks JSON types and string bounds; the
 * use case checks every business rule and names the field on failure. */
struct order_create_request {
	char user_id[ORDER_USER_ID_MAX + 1];
	struct uuid idempotency_key;
	size_t line_count;
	struct order_line_request lines[ORDER_MAX_ITEMS];
	struct order_customer customer;		      /* optional: "" name and email */
	char shipping_address[ORDER_ADDRESS_MAX + 1]; /* optional: "" */
	struct order_trace trace;
};

/*
 * Creates an order (DESIGN §4). On OS_OK, *out is the order and *created
 * says 201 (true) or an idempotent replay, 200 (false). Failures:
 * OS_EINVAL (field named), OS_EMISMATCH (key reused with another body),
 * OS_ENOTFOUND (unknown item, field named), OS_ECONFLICT (stock),
 * OS_EUNAVAIL (catalog or database unreachable), OS_EAGAIN (local
 * inventory: a line's price changed again while the order was priced a
 * second time; nothing written, a retry may succeed), OS_EIO.
 */
enum os_status order_create(struct order_service *svc, const struct order_create_request *req,
			    struct order *out, bool *created, struct os_error *err);

/* Checks an optional customer and shipping address (both "" = absent): a
 * customer has a name and an e-mail address; the address is bounded free
 * text. OS_EINVAL naming "customer.name", "customer.email" or
 * "shipping_address". */
enum os_status order_check_contact(const struct order_customer *c, const char *address,
				   struct os_error *err);

enum os_status order_get(struct order_service *svc, const struct uuid *id, struct order *out,
			 struct os_error *err);

/* out must hold f->limit orders (f->limit is clamped to 1..ORDER_LIST_MAX,
 * 0 meaning the default of 20). */
enum os_status order_list(struct order_service *svc, struct order_filter *f, struct order *out,
			  size_t *n, struct os_error *err);

enum os_status order_history(struct order_service *svc, const struct uuid *id,
			     struct order_history_entry *out, size_t cap, size_t *n,
			     struct os_error *err);

/* The order's outbox messages, oldest first, at most min(cap,
 * ORDER_EVENTS_MAX). OS_ENOTFOUND for no order. */
enum os_status order_events(struct order_service *svc, const struct uuid *id,
			    struct order_event_row *out, size_t cap, size_t *n,
			    struct os_error *err);

/*
 * Cancels an order on request. OS_OK: now cancelled (also when it already
 * was); OS_ECONFLICT: shipped or delivered; OS_ENOTFOUND. *out is the order
 * after the call. In the same transaction a new order's payment request is
 * withdrawn (or cancelled at the payment service when it was delivered) and
 * a paid order's payment refunded (order_money.h).
 */
enum os_status order_cancel(struct order_service *svc, const struct uuid *id, const char *reason,
			    const struct order_trace *trace, struct order *out,
			    struct os_error *err);

/* Cancels up to max orders still new after older_than_us; *n counts them. */
enum os_status order_expire_stale(struct order_service *svc, int64_t older_than_us, size_t max,
				  size_t *n, struct os_error *err);

#endif
