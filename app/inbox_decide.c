/*
 * The inbox decision. Messages from outside arrive in any order and any
 * number of times, so nothing here is an error: a duplicate is processed
 * with nothing to do, an early event waits with exponential delay until it
 * fits or the attempts run out, an impossible one is kept for inspection.
 */
#include "app/inbox_decide.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/order_messages.h"
#include "app/order_money.h"
#include "app/order_transition.h"
#include "domain/order_state.h"

/* A message type the applier understands, and the event it means. */
struct type_rule {
	const char *type;
	enum order_event event;
};

static const struct type_rule type_rules[] = {
    {INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_EV_PAYMENT_SUCCEEDED},
    {INBOX_TYPE_PAYMENT_FAILED, ORDER_EV_PAYMENT_FAILED},
    {INBOX_TYPE_SHIPPED, ORDER_EV_SHIPPED},
    {INBOX_TYPE_DELIVERED, ORDER_EV_DELIVERED},
    {INBOX_TYPE_SHIPPING_FAILED, ORDER_EV_SHIPPING_FAILED},
};

static bool type_event(const char *type, enum order_event *ev)
{
	size_t i;

	for (i = 0; i < sizeof(type_rules) / sizeof(type_rules[0]); i++) {
		if (strcmp(type_rules[i].type, type) == 0) {
			*ev = type_rules[i].event;
			return true;
		}
	}
	return false;
}

static void outcome_set(struct inbox_outcome *o, enum inbox_fate fate, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The note is truncated to fit the inbox's error column. */
static void outcome_set(struct inbox_outcome *o, enum inbox_fate fate, const char *fmt, ...)
{
	va_list ap;

	o->fate = fate;
	o->retry_at_us = 0;
	va_start(ap, fmt);
	vsnprintf(o->note, sizeof(o->note), fmt, ap);
	va_end(ap);
}

int64_t inbox_decide_retry_delay_us(const struct inbox_decider *d, int32_t attempts)
{
	int64_t delay = d->retry_base_us > 0 ? d->retry_base_us : 1;
	int64_t max = d->retry_max_us > delay ? d->retry_max_us : delay;
	int32_t i;

	for (i = 0; i < attempts && delay < max; i++)
		delay = delay > max / 2 ? max : delay * 2;
	return delay < max ? delay : max;
}

/* The history reason of an applied event. The payment's key is cut to 64
 * bytes so the reason always fits ORDER_REASON_MAX. */
static void event_reason(const struct inbox_row *row, enum order_event ev, char *buf, size_t cap)
{
	switch (ev) {
	case ORDER_EV_PAYMENT_SUCCEEDED:
		snprintf(buf, cap, "payment succeeded (payment %.64s)", row->message_id);
		break;
	case ORDER_EV_PAYMENT_FAILED:
		snprintf(buf, cap, "payment failed (payment %.64s)", row->message_id);
		break;
	case ORDER_EV_SHIPPED: snprintf(buf, cap, "shipped"); break;
	case ORDER_EV_DELIVERED: snprintf(buf, cap, "delivered"); break;
	case ORDER_EV_SHIPPING_FAILED: snprintf(buf, cap, "shipping failed"); break;
	default: snprintf(buf, cap, "%s", order_event_name(ev)); break;
	}
}

/* Fills *change for order moving to `to`; false when the messages cannot be
 * built (then the row is deferred and tried again). */
static bool apply(const struct inbox_decider *d, const struct inbox_row *row,
		  const struct order *order, enum order_event ev, enum order_status to,
		  struct order_change *change, struct inbox_outcome *outcome)
{
	struct order_msg_ctx mctx = {d->settings, &d->sys, row->request_id, ""};
	char reason[ORDER_REASON_MAX + 1];
	struct os_error err;
	int64_t now = sys_now_us(&d->sys);

	event_reason(row, ev, reason, sizeof(reason));
	if (order_transition_build(&mctx, order, to, reason, ev == ORDER_EV_PAYMENT_FAILED, now,
				   change, &err) != OS_OK) {
		outcome_set(outcome, INBOX_DEFER, "cannot build messages: %s", err.message);
		outcome->retry_at_us = now + inbox_decide_retry_delay_us(d, row->attempts);
		return false;
	}
	outcome_set(outcome, INBOX_PROCESSED, "applied: order %s -> %s",
		    order_status_name(order->status), order_status_name(to));
	return true;
}

/* An early event waits, unless this was its last attempt. */
static void early(const struct inbox_decider *d, const struct inbox_row *row,
		  const struct order *order, enum order_event ev, struct inbox_outcome *outcome)
{
	if (row->attempts + 1 >= d->max_attempts) {
		outcome_set(outcome, INBOX_REJECTED, "gave up waiting: %s when %s",
			    order_event_name(ev), order_status_name(order->status));
		return;
	}
	outcome_set(outcome, INBOX_DEFER, "early: %s when %s", order_event_name(ev),
		    order_status_name(order->status));
	outcome->retry_at_us = sys_now_us(&d->sys) + inbox_decide_retry_delay_us(d, row->attempts);
}

/* The payment id of a succeeded callback: as reported, or its key for rows
 * recorded before the id was kept. */
static const char *row_payment_id(const struct inbox_row *row)
{
	return row->payment_id[0] != '\0' ? row->payment_id : row->message_id;
}

/* A change that moves no status: the order's money only. */
static void money_only(const struct inbox_decider *d, const struct order *order,
		       struct order_change *change)
{
	change->to = order->status;
	change->at_us = sys_now_us(&d->sys);
	change->msg_count = 0;
	change->release_stock = false;
	snprintf(change->reason, sizeof(change->reason), "%s", change->money.refund_reason);
}

/* A refund of a succeeded payment the order cannot keep. */
static bool refund(const struct inbox_decider *d, const struct inbox_row *row,
		   const struct order *order, struct order_change *change,
		   struct inbox_outcome *outcome)
{
	struct order_msg_ctx mctx = {d->settings, &d->sys, row->request_id, ""};
	const char *pid = row_payment_id(row);
	const char *why = order->status == ORDER_CANCELLED
			      ? "payment succeeded after the order was cancelled"
			      : "second payment for an order already paid";
	int64_t now = sys_now_us(&d->sys);
	struct os_error err;

	if (order_money_refund(&mctx, order, pid, why, now, &change->money, &err) != OS_OK) {
		order_change_release(change);
		outcome_set(outcome, INBOX_DEFER, "cannot build the refund: %s", err.message);
		outcome->retry_at_us = now + inbox_decide_retry_delay_us(d, row->attempts);
		return false;
	}
	money_only(d, order, change);
	outcome_set(outcome, INBOX_PROCESSED, "refund requested for payment %.64s: %s", pid, why);
	return true;
}

/* payment.succeeded: pays a new order; anything else is a duplicate of the
 * paying payment or money to give back (DESIGN §5). */
static bool decide_payment(const struct inbox_decider *d, const struct inbox_row *row,
			   const struct order *order, struct order_change *change,
			   struct inbox_outcome *outcome)
{
	const char *pid = row_payment_id(row);

	switch (order_money_judge_payment(order, change->money.captured_payment_id, pid)) {
	case ORDER_PAYMENT_CAPTURE:
		if (!apply(d, row, order, ORDER_EV_PAYMENT_SUCCEEDED, ORDER_PAID, change, outcome))
			return false;
		snprintf(change->money.capture_payment_id, sizeof(change->money.capture_payment_id),
			 "%s", pid);
		return true;
	case ORDER_PAYMENT_DUPLICATE:
		outcome_set(outcome, INBOX_PROCESSED,
			    "duplicate: payment %.64s already paid the order", pid);
		return false;
	case ORDER_PAYMENT_ADOPT:
		money_only(d, order, change);
		snprintf(change->money.capture_payment_id, sizeof(change->money.capture_payment_id),
			 "%s", pid);
		outcome_set(outcome, INBOX_PROCESSED,
			    "recorded payment %.64s as the one that paid the %s order", pid,
			    order_status_name(order->status));
		return true;
	case ORDER_PAYMENT_REFUND: break;
	}
	return refund(d, row, order, change, outcome);
}

bool inbox_decide(void *arg, const struct inbox_row *row, const struct order *order,
		  struct order_change *change, struct inbox_outcome *outcome)
{
	const struct inbox_decider *d = arg;
	enum order_status to = ORDER_NEW;
	enum order_event ev;

	if (strcmp(row->type, INBOX_TYPE_PAYMENT_PENDING) == 0) {
		outcome_set(outcome, INBOX_PROCESSED, "pending: nothing to do");
		return false;
	}
	if (!type_event(row->type, &ev)) {
		outcome_set(outcome, INBOX_REJECTED, "unknown message type %s", row->type);
		return false;
	}
	if (order == NULL) {
		outcome_set(outcome, INBOX_REJECTED, "no such order for %s", row->type);
		return false;
	}
	if (ev == ORDER_EV_PAYMENT_SUCCEEDED)
		return decide_payment(d, row, order, change, outcome);
	switch (order_decide(order->status, ev, &to)) {
	case ORDER_APPLY: return apply(d, row, order, ev, to, change, outcome);
	case ORDER_DUPLICATE:
		outcome_set(outcome, INBOX_PROCESSED, "duplicate: order already %s",
			    order_status_name(order->status));
		return false;
	case ORDER_EARLY: early(d, row, order, ev, outcome); return false;
	case ORDER_REJECT: break;
	}
	outcome_set(outcome, INBOX_REJECTED, "impossible: %s when %s", order_event_name(ev),
		    order_status_name(order->status));
	return false;
}
