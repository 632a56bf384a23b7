/*
 * The order state machine of DESIGN §5:
 *
 *   new -> paid -> shipped -> delivered
 *   new -> cancelled   (payment failed, cancel request, stale)
 *   paid -> cancelled  (shipping failed, cancel request before shipment)
 *
 * order_decide() says what an event means for an order in a given status. It
 * never fails: an event that does not fit is a verdict, not an error.
 */
#ifndef OS_ORDER_STATE_H
#define OS_ORDER_STATE_H

#include "domain/order.h"

enum order_event {
	ORDER_EV_PAYMENT_SUCCEEDED = 0,
	ORDER_EV_PAYMENT_FAILED,
	ORDER_EV_CANCEL_REQUESTED,
	ORDER_EV_EXPIRED, /* stuck in new past the deadline */
	ORDER_EV_SHIPPED,
	ORDER_EV_DELIVERED,
	ORDER_EV_SHIPPING_FAILED,
};

enum order_verdict {
	ORDER_APPLY = 0, /* move to *to */
	ORDER_DUPLICATE, /* already applied or superseded: ignore */
	ORDER_EARLY,	 /* cannot apply yet (e.g. delivered before shipped): retry later */
	ORDER_REJECT,	 /* can never apply (e.g. paid after cancelled): keep for inspection */
};

/* Decides ev against from. *to is written only for ORDER_APPLY. */
enum order_verdict order_decide(enum order_status from, enum order_event ev, enum order_status *to);

/* Short stable names: "payment_succeeded", "cancel_requested", ... */
const char *order_event_name(enum order_event ev);
const char *order_verdict_name(enum order_verdict v);

#endif
