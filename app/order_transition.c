/* The transition builder: one place for the messages, the money and the
 * stock of a status change, whoever asks for it. */
#include "app/order_transition.h"

#include <stdio.h>

#include "app/order_money.h"

/* Whether o moving to `to` gives its quantities back to `inventory`. */
static bool releases_stock(const struct order_settings *settings, const struct order *o,
			   enum order_status to)
{
	return to == ORDER_CANCELLED && settings->local_inventory && o->source == ORDER_SOURCE_API;
}

enum os_status order_transition_build(const struct order_msg_ctx *ctx, const struct order *o,
				      enum order_status to, const char *reason,
				      bool payment_refused, int64_t at_us,
				      struct order_change *change, struct os_error *err)
{
	enum os_status st;
	size_t n = 0;

	st = order_messages_transition(ctx, o, to, reason, at_us, change->msgs,
				       OUTBOX_MAX_PER_CHANGE, &n, err);
	change->msg_count = st == OS_OK ? n : 0;
	if (st == OS_OK && to == ORDER_CANCELLED && payment_refused)
		change->money.withdraw_payment = true;
	else if (st == OS_OK && to == ORDER_CANCELLED)
		st = order_money_cancel(ctx, o, reason, at_us, &change->money, err);
	if (st != OS_OK) {
		order_change_release(change);
		return st;
	}
	change->to = to;
	snprintf(change->reason, sizeof(change->reason), "%s", reason);
	change->at_us = at_us;
	change->release_stock = releases_stock(ctx->settings, o, to);
	return OS_OK;
}
