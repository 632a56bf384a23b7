/*
 * The inbox decision. Messages from outside arrive in any order and any
 * number of times, so nothing here is an error: a duplicate is processed
 * with nothing to do, an early event waits with exponential delay until it
 * fits or the attempts run out, an impossible one is kept for inspection.
 */
#include "inbox_decide.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../domain/order_state.h"
#include "order_messages.h"

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
	size_t n = 0;

	event_reason(row, ev, reason, sizeof(reason));
	if (order_messages_transition(&mctx, order, to, reason, now, change->msgs,
				      OUTBOX_MAX_PER_CHANGE, &n, &err) != OS_OK) {
		outcome_set(outcome, INBOX_DEFER, "cannot build messages: %s", err.message);
		outcome->retry_at_us = now + inbox_decide_retry_delay_us(d, row->attempts);
		return false;
	}
	change->to = to;
	snprintf(change->reason, sizeof(change->reason), "%s", reason);
	change->at_us = now;
	/* A webhook order took no stock (the shop keeps its own): none to give back. */
	change->release_stock = to == ORDER_CANCELLED && d->settings->local_inventory &&
				order->source == ORDER_SOURCE_API;
	change->msg_count = n;
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
