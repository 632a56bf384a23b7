/*
 * Builders of the outbox messages an order change writes (DESIGN §8). The
 * payload of each message is the exact body its receiver gets: the payment
 * request, the notification, or the Kafka value of an order event or a
 * shipping request. Every message gets a fresh v7 event id from the system
 * port; receivers deduplicate on it.
 */
#ifndef OS_ORDER_MESSAGES_H
#define OS_ORDER_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "app/order_service.h"
#include "app/outbox_msg.h"
#include "app/sys.h"
#include "domain/order.h"
#include "domain/status.h"

/* Largest payload one message may have: 50 lines of escaped names fit. */
#define ORDER_MESSAGE_PAYLOAD_MAX (256 * 1024)

/* What every message of one change shares. Borrowed pointers; request_id
 * and traceparent may be NULL or "" (then no header carries them). */
struct order_msg_ctx {
	const struct order_settings *settings;
	const struct sys *sys;
	const char *request_id;
	const char *traceparent;
};

/* "order.created", "order.paid", ... for the status an order enters. */
const char *order_messages_event_type(enum order_status to);

/*
 * The messages of a new order o (status new, priced, with id and times):
 * payment.requested, the order.created notification and the order.created
 * event, in that order, then the egress webhook when settings->egress_webhook. Writes them to
 * msgs[0..*n) (cap >= 3); the caller owns their buffers (order_insert_release /
 * outbox_msg_release). On failure (OS_ENOMEM, or OS_EINVAL when cap is too small) nothing is left
 * allocated and *n is not written.
 */
enum os_status order_messages_created(const struct order_msg_ctx *ctx, const struct order *o,
				      struct outbox_msg *msgs, size_t cap, size_t *n,
				      struct os_error *err);

/*
 * The messages of o moving from o->status to `to` at at_us for reason:
 *   paid:      shipping.requested, notification, order.paid event
 *   cancelled: notification, order.cancelled event
 *   shipped:   notification, order.shipped event
 *   delivered: notification, order.delivered event
 * each followed by the egress webhook when settings->egress_webhook.
 * Ownership and failure as order_messages_created; OS_EINVAL for to = new.
 */
enum os_status order_messages_transition(const struct order_msg_ctx *ctx, const struct order *o,
					 enum order_status to, const char *reason, int64_t at_us,
					 struct outbox_msg *msgs, size_t cap, size_t *n,
					 struct os_error *err);

/*
 * The payment.cancel request for o (to the payment service's /cancel):
 * {"order_id", "idempotency_key"}. Fills *out, which the caller owns; on
 * failure nothing is left allocated and *out is not written.
 */
enum os_status order_messages_payment_cancel(const struct order_msg_ctx *ctx, const struct order *o,
					     struct outbox_msg *out, struct os_error *err);

/*
 * The messages of a refund of payment_id (amount_cents of order o, at at_us,
 * for reason): payment.refund to the payment service's /refunds
 * {"order_id", "payment_id", "amount", "currency", "idempotency_key",
 * "reason"} and the order.refund_requested event. Writes msgs[0..*n)
 * (cap >= ORDER_REFUND_MSGS); ownership and failure as
 * order_messages_created.
 */
enum os_status order_messages_refund(const struct order_msg_ctx *ctx, const struct order *o,
				     const char *payment_id, int64_t amount_cents,
				     const char *reason, int64_t at_us, struct outbox_msg *msgs,
				     size_t cap, size_t *n, struct os_error *err);

#endif
