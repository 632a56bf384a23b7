/*
 * Money rules of an order change. Every request here is only a request:
 * the repository writes a refund only when none exists for its payment id,
 * and a payment.cancel only when the order's payment request was delivered
 * (or is being delivered while the order is cancelled), so asking twice is
 * harmless.
 */
#include "app/order_money.h"

#include <stdio.h>
#include <string.h>

#include "app/outbox_msg.h"
#include "domain/utf8.h"

#define REFUND_WHY_PAID_CANCELLED "order cancelled after payment"

enum order_payment_verdict order_money_judge_payment(const struct order *o, const char *captured,
						     const char *payment_id)
{
	if (o->status == ORDER_NEW)
		return ORDER_PAYMENT_CAPTURE;
	if (o->status == ORDER_CANCELLED)
		return ORDER_PAYMENT_REFUND;
	if (captured == NULL || captured[0] == '\0')
		return ORDER_PAYMENT_ADOPT;
	return strcmp(captured, payment_id) == 0 ? ORDER_PAYMENT_DUPLICATE : ORDER_PAYMENT_REFUND;
}

enum os_status order_money_refund(const struct order_msg_ctx *ctx, const struct order *o,
				  const char *payment_id, const char *why, int64_t at_us,
				  struct order_money *m, struct os_error *err)
{
	size_t n = 0;
	enum os_status st;
	int len;

	if (payment_id == NULL || payment_id[0] == '\0' ||
	    strlen(payment_id) > ORDER_REFUND_KEY_MAX)
		return os_fail(err, OS_EINVAL, "payment_id", "must be 1 to %d bytes",
			       ORDER_REFUND_KEY_MAX);
	st = order_messages_refund(ctx, o, payment_id, o->amount_cents, why, at_us, m->refund_msgs,
				   ORDER_REFUND_MSGS, &n, err);
	if (st != OS_OK)
		return st;
	m->refund = true;
	m->refund_msg_count = n;
	snprintf(m->refund_payment_id, sizeof(m->refund_payment_id), "%s", payment_id);
	m->refund_amount_cents = o->amount_cents;
	/* The reason is bounded (ORDER_REASON_MAX): the id is cut to 48 bytes
	 * and the end of a long why is cut off, both on a character boundary. */
	len = snprintf(m->refund_reason, sizeof(m->refund_reason),
		       "refund requested (payment %.*s): %s",
		       (int)utf8_cut(payment_id, strnlen(payment_id, 48)), payment_id, why);
	if (len >= (int)sizeof(m->refund_reason))
		m->refund_reason[utf8_cut(m->refund_reason, sizeof(m->refund_reason) - 1)] = '\0';
	return OS_OK;
}

/* The refund key of the payment that paid o: its id, or the order's own
 * when the order was paid before payments were recorded. */
static void paying_payment(const struct order *o, const struct order_money *m, char *buf,
			   size_t cap)
{
	char id[UUID_STR_LEN + 1];

	if (m->captured_payment_id[0] != '\0') {
		snprintf(buf, cap, "%s", m->captured_payment_id);
		return;
	}
	uuid_format(&o->id, id);
	snprintf(buf, cap, "order-%s", id);
}

enum os_status order_money_cancel(const struct order_msg_ctx *ctx, const struct order *o,
				  const char *why, int64_t at_us, struct order_money *m,
				  struct os_error *err)
{
	char key[ORDER_REFUND_KEY_MAX + 1];
	char text[ORDER_REASON_MAX + 1];

	if (o->status == ORDER_NEW) {
		m->withdraw_payment = true;
		return order_messages_payment_cancel(ctx, o, &m->payment_cancel, err);
	}
	if (o->status != ORDER_PAID)
		return OS_OK;
	paying_payment(o, m, key, sizeof(key));
	if (why == NULL)
		why = "";
	snprintf(text, sizeof(text), "%s%s%.*s", REFUND_WHY_PAID_CANCELLED,
		 why[0] != '\0' ? ": " : "", (int)utf8_cut(why, strnlen(why, 64)), why);
	return order_money_refund(ctx, o, key, text, at_us, m, err);
}
