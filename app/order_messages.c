/*
 * Outbox message builders. Each builder appends one message to a small
 * array owned by the caller; on the first failure everything built so far is
 * released, so a caller never holds half a change.
 */
#include "order_messages.h"

#include <stdio.h>
#include <string.h>

#include "../domain/money.h"
#include "sbuf.h"
#include "timefmt.h"

#define HEADERS_MAX 512
#define NOTE_MAX    512

/* The array being filled. */
struct builder {
	const struct order_msg_ctx *ctx;
	const struct order *order;
	struct outbox_msg *msgs;
	size_t cap;
	size_t n;
};

/* One message's identity; its id text is what receivers deduplicate on. */
struct msg_head {
	struct uuid event_id;
	char event_id_text[UUID_STR_LEN + 1];
	const char *type;
	const char *destination;
};

const char *order_messages_event_type(enum order_status to)
{
	switch (to) {
	case ORDER_NEW: return "order.created";
	case ORDER_PAID: return "order.paid";
	case ORDER_SHIPPED: return "order.shipped";
	case ORDER_DELIVERED: return "order.delivered";
	case ORDER_CANCELLED: return "order.cancelled";
	}
	return "order.unknown";
}

static bool is_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static void json_str(struct sbuf *sb, const char *key, const char *val, bool first)
{
	sbuf_add_json_key(sb, key, first);
	sbuf_add_json_str(sb, val, strlen(val));
}

static void json_uuid(struct sbuf *sb, const char *key, const struct uuid *u, bool first)
{
	char text[UUID_STR_LEN + 1];

	uuid_format(u, text);
	json_str(sb, key, text, first);
}

static void json_money(struct sbuf *sb, const char *key, int64_t cents)
{
	char text[MONEY_STR_MAX];

	if (money_format(cents, text, sizeof(text)) == 0) {
		sb->failed = true;
		return;
	}
	json_str(sb, key, text, false);
}

static void json_time(struct sbuf *sb, const char *key, int64_t unix_us)
{
	char text[TIMEFMT_RFC3339_MAX];

	if (timefmt_rfc3339(unix_us, text, sizeof(text)) == 0) {
		sb->failed = true;
		return;
	}
	json_str(sb, key, text, false);
}

/* {"request_id": ..., "traceparent": ...} without empty values; *out is NULL
 * when both are empty. false only when out of memory. */
static bool headers_build(const struct order_msg_ctx *ctx, char **out)
{
	struct sbuf sb;
	bool first = true;

	*out = NULL;
	if (!is_set(ctx->request_id) && !is_set(ctx->traceparent))
		return true;
	sbuf_init(&sb, HEADERS_MAX);
	sbuf_adds(&sb, "{");
	if (is_set(ctx->request_id)) {
		json_str(&sb, "request_id", ctx->request_id, first);
		first = false;
	}
	if (is_set(ctx->traceparent))
		json_str(&sb, "traceparent", ctx->traceparent, first);
	sbuf_adds(&sb, "}");
	*out = sbuf_detach(&sb, NULL);
	return *out != NULL;
}

static void head_init(struct builder *b, struct msg_head *h, const char *type,
		      const char *destination)
{
	sys_new_uuid(b->ctx->sys, &h->event_id);
	uuid_format(&h->event_id, h->event_id_text);
	h->type = type;
	h->destination = destination;
}

/* Appends the message with the payload in sb (released either way). */
static enum os_status builder_push(struct builder *b, const struct msg_head *h, struct sbuf *sb,
				   struct os_error *err)
{
	struct outbox_msg *m;
	char *payload;

	if (b->n == b->cap) {
		sbuf_release(sb);
		return os_fail(err, OS_EINVAL, NULL, "too many outbox messages for one change");
	}
	payload = sbuf_detach(sb, NULL);
	if (payload == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot build the %s payload", h->type);
	m = &b->msgs[b->n];
	memset(m, 0, sizeof(*m));
	m->event_id = h->event_id;
	m->aggregate_id = b->order->id;
	snprintf(m->type, sizeof(m->type), "%s", h->type);
	snprintf(m->destination, sizeof(m->destination), "%s", h->destination);
	m->payload = payload;
	if (!headers_build(b->ctx, &m->headers)) {
		outbox_msg_release(m);
		return os_fail(err, OS_ENOMEM, NULL, "cannot build the %s headers", h->type);
	}
	b->n++;
	return OS_OK;
}

static void builder_abort(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		outbox_msg_release(&b->msgs[i]);
	b->n = 0;
}

/* Fields every order-related payload opens with after its own id. */
static void json_order_ref(struct sbuf *sb, const struct order *o)
{
	json_uuid(sb, "order_id", &o->id, false);
	json_str(sb, "user_id", o->user_id, false);
}

/* "customer":{"name","email"} when the order has one. */
static void json_customer(struct sbuf *sb, const struct order *o)
{
	if (!order_has_customer(o))
		return;
	sbuf_add_json_key(sb, "customer", false);
	sbuf_adds(sb, "{");
	json_str(sb, "name", o->customer.name, true);
	json_str(sb, "email", o->customer.email, false);
	sbuf_adds(sb, "}");
}

/* Where the order came from and whom it is for: source always, customer,
 * shipping_address and external_ref when set. */
static void json_order_origin(struct sbuf *sb, const struct order *o)
{
	json_str(sb, "source", order_source_name(o->source), false);
	json_customer(sb, o);
	if (is_set(o->shipping_address))
		json_str(sb, "shipping_address", o->shipping_address, false);
	if (is_set(o->external_ref))
		json_str(sb, "external_ref", o->external_ref, false);
}

static enum os_status add_payment_request(struct builder *b, struct os_error *err)
{
	const struct order *o = b->order;
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, "payment.requested", OUTBOX_DEST_PAYMENTS);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_uuid(&sb, "order_id", &o->id, true);
	json_money(&sb, "amount", o->amount_cents);
	json_str(&sb, "currency", o->currency, false);
	json_str(&sb, "user_id", o->user_id, false);
	json_str(&sb, "idempotency_key", h.event_id_text, false);
	json_str(&sb, "callback_url", b->ctx->settings->callback_url, false);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

/* The human text of a notification: "Order <id> was paid". */
static void notification_text(const struct order *o, enum order_status to, const char *reason,
			      char *buf, size_t cap)
{
	char id[UUID_STR_LEN + 1];

	uuid_format(&o->id, id);
	if (to == ORDER_NEW)
		snprintf(buf, cap, "Order %s was created", id);
	else if (to == ORDER_CANCELLED && is_set(reason))
		snprintf(buf, cap, "Order %s was cancelled: %s", id, reason);
	else
		snprintf(buf, cap, "Order %s was %s", id, order_status_name(to));
}

static enum os_status add_notification(struct builder *b, enum order_status to, const char *reason,
				       struct os_error *err)
{
	const char *type = order_messages_event_type(to);
	char text[NOTE_MAX];
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, type, OUTBOX_DEST_NOTIFICATIONS);
	notification_text(b->order, to, reason, text, sizeof(text));
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_str(&sb, "message", text, true);
	json_str(&sb, "idempotency_key", h.event_id_text, false);
	json_order_ref(&sb, b->order);
	json_str(&sb, "event_type", type, false);
	json_customer(&sb, b->order);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

/* "items":[{"item_id","name","quantity","unit_price"}] or, for shipping,
 * without name and price. */
static void json_items(struct sbuf *sb, const struct order *o, bool priced)
{
	size_t i;

	sbuf_add_json_key(sb, "items", false);
	sbuf_adds(sb, "[");
	for (i = 0; i < o->item_count; i++) {
		const struct order_item *it = &o->items[i];

		sbuf_adds(sb, i == 0 ? "{" : ",{");
		json_str(sb, "item_id", it->item_id, true);
		if (priced)
			json_str(sb, "name", it->name, false);
		sbuf_addf(sb, ",\"quantity\":%ld", (long)it->quantity);
		if (priced)
			json_money(sb, "unit_price", it->unit_price_cents);
		sbuf_adds(sb, "}");
	}
	sbuf_adds(sb, "]");
}

/* The Kafka envelope's opening fields (DESIGN §8). */
static void json_envelope(struct sbuf *sb, const struct msg_head *h, const struct order *o,
			  int64_t at_us)
{
	json_str(sb, "event_id", h->event_id_text, true);
	json_str(sb, "event_type", h->type, false);
	json_uuid(sb, "order_id", &o->id, false);
	json_time(sb, "occurred_at", at_us);
	json_str(sb, "user_id", o->user_id, false);
}

static enum os_status add_order_event(struct builder *b, enum order_status to, const char *reason,
				      int64_t at_us, struct os_error *err)
{
	const struct order *o = b->order;
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, order_messages_event_type(to), b->ctx->settings->topic_order_events);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_envelope(&sb, &h, o, at_us);
	json_str(&sb, "status", order_status_name(to), false);
	json_money(&sb, "amount", o->amount_cents);
	json_str(&sb, "currency", o->currency, false);
	json_order_origin(&sb, o);
	if (to == ORDER_NEW) {
		json_items(&sb, o, true);
	} else {
		json_str(&sb, "from", order_status_name(o->status), false);
		json_str(&sb, "to", order_status_name(to), false);
		json_str(&sb, "reason", reason ? reason : "", false);
	}
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

static enum os_status add_shipping_request(struct builder *b, int64_t at_us, struct os_error *err)
{
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, "shipping.requested", b->ctx->settings->topic_shipping_requests);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_envelope(&sb, &h, b->order, at_us);
	json_items(&sb, b->order, false);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

/* The egress webhook's body (DESIGN §8): {"event", "order_id",
 * "customer_name" (null without a customer), "total", "sent_at"}. sent_at is
 * the time of the event, fixed when the row is written, so that a retry
 * sends the same bytes under the same signature and Idempotency-Key. */
static enum os_status add_egress_webhook(struct builder *b, enum order_status to, int64_t at_us,
					 struct os_error *err)
{
	const struct order *o = b->order;
	const char *type = order_messages_event_type(to);
	struct msg_head h;
	struct sbuf sb;

	if (!b->ctx->settings->egress_webhook)
		return OS_OK;
	head_init(b, &h, type, OUTBOX_DEST_WEBHOOK);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_str(&sb, "event", type, true);
	json_uuid(&sb, "order_id", &o->id, false);
	sbuf_add_json_key(&sb, "customer_name", false);
	if (is_set(o->customer.name))
		sbuf_add_json_str(&sb, o->customer.name, strlen(o->customer.name));
	else
		sbuf_adds(&sb, "null");
	json_money(&sb, "total", o->amount_cents);
	json_time(&sb, "sent_at", at_us);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

enum os_status order_messages_created(const struct order_msg_ctx *ctx, const struct order *o,
				      struct outbox_msg *msgs, size_t cap, size_t *n,
				      struct os_error *err)
{
	struct builder b = {ctx, o, msgs, cap, 0};
	enum os_status st;

	st = add_payment_request(&b, err);
	if (st == OS_OK)
		st = add_notification(&b, ORDER_NEW, NULL, err);
	if (st == OS_OK)
		st = add_order_event(&b, ORDER_NEW, NULL, o->created_at_us, err);
	if (st == OS_OK)
		st = add_egress_webhook(&b, ORDER_NEW, o->created_at_us, err);
	if (st != OS_OK) {
		builder_abort(&b);
		return st;
	}
	*n = b.n;
	return OS_OK;
}

enum os_status order_messages_transition(const struct order_msg_ctx *ctx, const struct order *o,
					 enum order_status to, const char *reason, int64_t at_us,
					 struct outbox_msg *msgs, size_t cap, size_t *n,
					 struct os_error *err)
{
	struct builder b = {ctx, o, msgs, cap, 0};
	enum os_status st = OS_OK;

	if (to == ORDER_NEW || (unsigned)to > ORDER_CANCELLED)
		return os_fail(err, OS_EINVAL, NULL, "no transition into %s",
			       order_status_name(to));
	if (to == ORDER_PAID)
		st = add_shipping_request(&b, at_us, err);
	if (st == OS_OK)
		st = add_notification(&b, to, reason, err);
	if (st == OS_OK)
		st = add_order_event(&b, to, reason, at_us, err);
	if (st == OS_OK)
		st = add_egress_webhook(&b, to, at_us, err);
	if (st != OS_OK) {
		builder_abort(&b);
		return st;
	}
	*n = b.n;
	return OS_OK;
}

/* ------------------------------------------------ cancellations, refunds */

static enum os_status add_payment_cancel(struct builder *b, struct os_error *err)
{
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, OUTBOX_TYPE_PAYMENT_CANCEL, OUTBOX_DEST_PAYMENTS);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_uuid(&sb, "order_id", &b->order->id, true);
	json_str(&sb, "idempotency_key", h.event_id_text, false);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

enum os_status order_messages_payment_cancel(const struct order_msg_ctx *ctx,
					     const struct order *o, struct outbox_msg *out,
					     struct os_error *err)
{
	struct builder b = {ctx, o, out, 1, 0};

	return add_payment_cancel(&b, err);
}

/* What a refund message says about the refund itself. */
struct refund_desc {
	const char *payment_id;
	int64_t amount_cents;
	const char *reason;
	int64_t at_us;
};

static enum os_status add_refund_request(struct builder *b, const struct refund_desc *r,
					 struct os_error *err)
{
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, OUTBOX_TYPE_PAYMENT_REFUND, OUTBOX_DEST_PAYMENTS);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_uuid(&sb, "order_id", &b->order->id, true);
	json_str(&sb, "payment_id", r->payment_id, false);
	json_money(&sb, "amount", r->amount_cents);
	json_str(&sb, "currency", b->order->currency, false);
	json_str(&sb, "idempotency_key", h.event_id_text, false);
	json_str(&sb, "reason", r->reason, false);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

static enum os_status add_refund_event(struct builder *b, const struct refund_desc *r,
				       struct os_error *err)
{
	const struct order *o = b->order;
	struct msg_head h;
	struct sbuf sb;

	head_init(b, &h, OUTBOX_TYPE_REFUND_REQUESTED, b->ctx->settings->topic_order_events);
	sbuf_init(&sb, ORDER_MESSAGE_PAYLOAD_MAX);
	sbuf_adds(&sb, "{");
	json_envelope(&sb, &h, o, r->at_us);
	json_str(&sb, "status", order_status_name(o->status), false);
	json_str(&sb, "payment_id", r->payment_id, false);
	json_money(&sb, "amount", r->amount_cents);
	json_str(&sb, "currency", o->currency, false);
	json_str(&sb, "reason", r->reason, false);
	sbuf_adds(&sb, "}");
	return builder_push(b, &h, &sb, err);
}

enum os_status order_messages_refund(const struct order_msg_ctx *ctx, const struct order *o,
				     const char *payment_id, int64_t amount_cents,
				     const char *reason, int64_t at_us, struct outbox_msg *msgs,
				     size_t cap, size_t *n, struct os_error *err)
{
	struct builder b = {ctx, o, msgs, cap, 0};
	struct refund_desc r = {payment_id, amount_cents, reason ? reason : "", at_us};
	enum os_status st;

	st = add_refund_request(&b, &r, err);
	if (st == OS_OK)
		st = add_refund_event(&b, &r, err);
	if (st != OS_OK) {
		builder_abort(&b);
		return st;
	}
	*n = b.n;
	return OS_OK;
}
