/*
 * The one builder of a status transition, shared by the API's use cases
 * (cancel, expiry) and the inbox decision (payments, shipping): the outbox
 * messages of the new status, the money part of a cancellation and whether
 * the order's stock goes back to `inventory`.
 */
#ifndef OS_ORDER_TRANSITION_H
#define OS_ORDER_TRANSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "app/order_change.h"
#include "app/order_messages.h"
#include "domain/order.h"
#include "domain/status.h"

/*
 * Fills *change (zeroed by the caller, money.captured_payment_id set by the
 * repository) for o moving from o->status to `to` at at_us for reason:
 * to, reason, at_us, the messages of order_messages_transition and, when
 * `to` is cancelled, the money part. payment_refused says the cancellation
 * comes from a refused payment: the request was delivered and refused, so it
 * is only withdrawn (no payment.cancel, no refund). Stock is released only
 * on a cancellation of an API order with local inventory (a webhook order
 * took none: the shop keeps its own). On failure change's messages are
 * released and err says why.
 */
enum os_status order_transition_build(const struct order_msg_ctx *ctx, const struct order *o,
				      enum order_status to, const char *reason,
				      bool payment_refused, int64_t at_us,
				      struct order_change *change, struct os_error *err);

#endif
