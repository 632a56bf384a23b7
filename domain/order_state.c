/* The order state machine as one table: status x event -> verdict (+ target). */
#include "domain/order_state.h"

struct rule {
	enum order_verdict verdict;
	enum order_status to;
};

#define A(s)                                                                                       \
	{                                                                                          \
		ORDER_APPLY, s                                                                     \
	}
#define DUP                                                                                        \
	{                                                                                          \
		ORDER_DUPLICATE, ORDER_NEW                                                         \
	}
#define EARLY                                                                                      \
	{                                                                                          \
		ORDER_EARLY, ORDER_NEW                                                             \
	}
#define REJ                                                                                        \
	{                                                                                          \
		ORDER_REJECT, ORDER_NEW                                                            \
	}

/* Columns follow enum order_event: pay ok, pay failed, cancel, expired,
 * shipped, delivered, shipping failed. */
static const struct rule rules[5][7] = {
    [ORDER_NEW] = {A(ORDER_PAID), A(ORDER_CANCELLED), A(ORDER_CANCELLED), A(ORDER_CANCELLED), EARLY,
		   EARLY, EARLY},
    [ORDER_PAID] = {DUP, REJ, A(ORDER_CANCELLED), DUP, A(ORDER_SHIPPED), EARLY, A(ORDER_CANCELLED)},
    [ORDER_SHIPPED] = {DUP, REJ, REJ, DUP, DUP, A(ORDER_DELIVERED), REJ},
    [ORDER_DELIVERED] = {DUP, REJ, REJ, DUP, DUP, DUP, REJ},
    [ORDER_CANCELLED] = {REJ, DUP, DUP, DUP, REJ, REJ, DUP},
};

enum order_verdict order_decide(enum order_status from, enum order_event ev, enum order_status *to)
{
	const struct rule *r;

	if ((unsigned)from > ORDER_CANCELLED || (unsigned)ev > ORDER_EV_SHIPPING_FAILED)
		return ORDER_REJECT;
	r = &rules[from][ev];
	if (r->verdict == ORDER_APPLY)
		*to = r->to;
	return r->verdict;
}

const char *order_event_name(enum order_event ev)
{
	switch (ev) {
	case ORDER_EV_PAYMENT_SUCCEEDED: return "payment_succeeded";
	case ORDER_EV_PAYMENT_FAILED: return "payment_failed";
	case ORDER_EV_CANCEL_REQUESTED: return "cancel_requested";
	case ORDER_EV_EXPIRED: return "expired";
	case ORDER_EV_SHIPPED: return "shipped";
	case ORDER_EV_DELIVERED: return "delivered";
	case ORDER_EV_SHIPPING_FAILED: return "shipping_failed";
	}
	return "unknown";
}

const char *order_verdict_name(enum order_verdict v)
{
	switch (v) {
	case ORDER_APPLY: return "apply";
	case ORDER_DUPLICATE: return "duplicate";
	case ORDER_EARLY: return "early";
	case ORDER_REJECT: return "reject";
	}
	return "unknown";
}
