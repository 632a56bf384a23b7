/*
 * The money rules of DESIGN §5 ("No money is ever stranded") as requests
 * in an order change: cancelling withdraws the order's payment request or
 * cancels the delivered one, and a payment that cannot stand (the order is
 * cancelled, or already paid by another payment) is refunded. The
 * repository carries the requests out in the change's transaction; refunds
 * are idempotent by payment id there.
 */
#ifndef OS_ORDER_MONEY_H
#define OS_ORDER_MONEY_H

#include <stdint.h>

#include "app/order_change.h"
#include "app/order_messages.h"
#include "domain/order.h"
#include "domain/status.h"

/* What a succeeded payment means for an order. */
enum order_payment_verdict {
	ORDER_PAYMENT_CAPTURE = 0, /* pays a new order: apply paid, record the payment */
	ORDER_PAYMENT_DUPLICATE,   /* the payment that paid the order, reported again */
	ORDER_PAYMENT_ADOPT,	   /* paid before payments were recorded: record it only */
	ORDER_PAYMENT_REFUND,	   /* the order is cancelled or paid by another payment */
};

/*
 * Judges a succeeded payment_id for order o, whose recorded paying payment
 * is captured ("" when none).
 */
enum order_payment_verdict order_money_judge_payment(const struct order *o, const char *captured,
						     const char *payment_id);

/*
 * Fills m for o being cancelled at at_us (m->captured_payment_id filled by
 * the repository): from new, the payment request is withdrawn and a
 * payment.cancel follows a delivered one; from paid, the paying payment is
 * refunded (why says why, e.g. the cancellation's reason). On failure m's
 * messages are released and the error says why.
 */
enum os_status order_money_cancel(const struct order_msg_ctx *ctx, const struct order *o,
				  const char *why, int64_t at_us, struct order_money *m,
				  struct os_error *err);

/*
 * Fills m with a refund of payment_id (o's amount) for why, at at_us.
 * payment_id is a refund key: a payment id, or "order-<uuid>" for an order
 * paid before payments were recorded; an empty one or one over
 * ORDER_REFUND_KEY_MAX is OS_EINVAL.
 */
enum os_status order_money_refund(const struct order_msg_ctx *ctx, const struct order *o,
				  const char *payment_id, const char *why, int64_t at_us,
				  struct order_money *m, struct os_error *err);

#endif
