/*
 * Outbox message builders. Each builder appends one message to a small
 * array owned by the caller; on the first failure everything built so far is
 * released, so a caller never holds half a change.
 */
#include "app/order_messages.h"

#include <stdio.h>
#include <string.h>

#include "app/json_write.h"
#include "app/order_json_members.h"
#include "app/sbuf.h"

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

/* {"request_id": ..., "traceparent": ...} without empty values; *out is NULL
 * when both are empty. false only when out of memory. */
static bool headers_build(const struct order_msg_ctx *ctx, char **out)
{
	struct json_writer w;
	struct sbuf sb;

	*out = NULL;
	if (!is_set(ctx->request_id) && !is_set(ctx->traceparent))
		return true;
	sbuf_init(&sb, HEADERS_MAX);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	if (is_set(ctx->request_id))
		json_write_str(&w, "request_id", ctx->request_id);
	if (is_set(ctx->traceparent))
		json_write_str(&w, "traceparent", ctx->traceparent);
	json_write_end(&w);
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

/* Ends a build that came to st: *n messages on OS_OK; none otherwise, every
 * one built so far released. Returns st. */
static enum os_status builder_finish(struct builder *b, enum os_status st, size_t *n)
{
	size_t i;

	if (st != OS_OK) {
		for (i = 0; i < b->n; i++)
			outbox_msg_release(&b->msgs[i]);
		b->n = 0;
		return st;
	}
	*n = b->n;
	return OS_OK;
}

/* A message being written: its identity, and its payload, an object open in
 * w. */
struct msg_draft {
	struct msg_head h;
	struct sbuf sb;
	struct json_writer w;
};

static void draft_open(struct builder *b, struct msg_draft *d, const char *type,
		       const char *destination)
{
	head_init(b, &d->h, type, destination);
	sbuf_init(&d->sb, ORDER_MESSAGE_PAYLOAD_MAX);
	json_write_init(&d->w, &d->sb);
	json_write_object(&d->w, NULL);
}

/* Closes d's payload and appends the message (builder_push). */
static enum os_status draft_push(struct builder *b, struct msg_draft *d, struct os_error *err)
{
	json_write_end(&d->w);
	return builder_push(b, &d->h, &d->sb, err);
}

/* Fields every order-related payload opens with after its own id. */
static void json_order_ref(struct json_writer *w, const struct order *o)
{
	json_write_uuid(w, "order_id", &o->id);
	json_write_str(w, "user_id", o->user_id);
}

/* Where the order came from and whom it is for: source always, customer,
 * shipping_address and external_ref when set. */
static void json_order_origin(struct json_writer *w, const struct order *o)
{
	json_write_str(w, "source", order_source_name(o->source));
	order_json_customer(w, o, false);
	if (is_set(o->shipping_address))
		json_write_str(w, "shipping_address", o->shipping_address);
	if (is_set(o->external_ref))
		json_write_str(w, "external_ref", o->external_ref);
}

static enum os_status add_payment_request(struct builder *b, struct os_error *err)
{
	const struct order *o = b->order;
	struct msg_draft d;

	draft_open(b, &d, "payment.requested", OUTBOX_DEST_PAYMENTS);
	json_write_uuid(&d.w, "order_id", &o->id);
	json_write_money(&d.w, "amount", o->amount_cents);
	json_write_str(&d.w, "currency", o->currency);
	json_write_str(&d.w, "user_id", o->user_id);
	json_write_str(&d.w, "idempotency_key", d.h.event_id_text);
	json_write_str(&d.w, "callback_url", b->ctx->settings->callback_url);
	return draft_push(b, &d, err);
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
	struct msg_draft d;

	draft_open(b, &d, type, OUTBOX_DEST_NOTIFICATIONS);
	notification_text(b->order, to, reason, text, sizeof(text));
	json_write_str(&d.w, "message", text);
	json_write_str(&d.w, "idempotency_key", d.h.event_id_text);
	json_order_ref(&d.w, b->order);
	json_write_str(&d.w, "event_type", type);
	order_json_customer(&d.w, b->order, false);
	return draft_push(b, &d, err);
}

/* The Kafka envelope's opening fields (DESIGN §8). */
static void json_envelope(struct json_writer *w, const struct msg_head *h, const struct order *o,
			  int64_t at_us)
{
	json_write_str(w, "event_id", h->event_id_text);
	json_write_str(w, "event_type", h->type);
	json_write_uuid(w, "order_id", &o->id);
	json_write_time(w, "occurred_at", at_us);
	json_write_str(w, "user_id", o->user_id);
}

static enum os_status add_order_event(struct builder *b, enum order_status to, const char *reason,
				      int64_t at_us, struct os_error *err)
{
	const struct order *o = b->order;
	struct msg_draft d;

	draft_open(b, &d, order_messages_event_type(to), b->ctx->settings->topic_order_events);
	json_envelope(&d.w, &d.h, o, at_us);
	json_write_str(&d.w, "status", order_status_name(to));
	json_write_money(&d.w, "amount", o->amount_cents);
	json_write_str(&d.w, "currency", o->currency);
	json_order_origin(&d.w, o);
	if (to == ORDER_NEW) {
		order_json_items(&d.w, o, true);
	} else {
		json_write_str(&d.w, "from", order_status_name(o->status));
		json_write_str(&d.w, "to", order_status_name(to));
		json_write_str(&d.w, "reason", reason ? reason : "");
	}
	return draft_push(b, &d, err);
}

static enum os_status add_shipping_request(struct builder *b, int64_t at_us, struct os_error *err)
{
	struct msg_draft d;

	draft_open(b, &d, "shipping.requested", b->ctx->settings->topic_shipping_requests);
	json_envelope(&d.w, &d.h, b->order, at_us);
	order_json_items(&d.w, b->order, false);
	return draft_push(b, &d, err);
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
	struct msg_draft d;

	if (!b->ctx->settings->egress_webhook)
		return OS_OK;
	draft_open(b, &d, type, OUTBOX_DEST_WEBHOOK);
	json_write_str(&d.w, "event", type);
	json_write_uuid(&d.w, "order_id", &o->id);
	json_write_str_or_null(&d.w, "customer_name", o->customer.name);
	json_write_money(&d.w, "total", o->amount_cents);
	json_write_time(&d.w, "sent_at", at_us);
	return draft_push(b, &d, err);
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
	return builder_finish(&b, st, n);
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
	return builder_finish(&b, st, n);
}

/* ------------------------------------------------ cancellations, refunds */

static enum os_status add_payment_cancel(struct builder *b, struct os_error *err)
{
	struct msg_draft d;

	draft_open(b, &d, OUTBOX_TYPE_PAYMENT_CANCEL, OUTBOX_DEST_PAYMENTS);
	json_write_uuid(&d.w, "order_id", &b->order->id);
	json_write_str(&d.w, "idempotency_key", d.h.event_id_text);
	return draft_push(b, &d, err);
}

enum os_status order_messages_payment_cancel(const struct order_msg_ctx *ctx, const struct order *o,
					     struct outbox_msg *out, struct os_error *err)
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
	struct msg_draft d;

	draft_open(b, &d, OUTBOX_TYPE_PAYMENT_REFUND, OUTBOX_DEST_PAYMENTS);
	json_write_uuid(&d.w, "order_id", &b->order->id);
	json_write_str(&d.w, "payment_id", r->payment_id);
	json_write_money(&d.w, "amount", r->amount_cents);
	json_write_str(&d.w, "currency", b->order->currency);
	json_write_str(&d.w, "idempotency_key", d.h.event_id_text);
	json_write_str(&d.w, "reason", r->reason);
	return draft_push(b, &d, err);
}

static enum os_status add_refund_event(struct builder *b, const struct refund_desc *r,
				       struct os_error *err)
{
	const struct order *o = b->order;
	struct msg_draft d;

	draft_open(b, &d, OUTBOX_TYPE_REFUND_REQUESTED, b->ctx->settings->topic_order_events);
	json_envelope(&d.w, &d.h, o, r->at_us);
	json_write_str(&d.w, "status", order_status_name(o->status));
	json_write_str(&d.w, "payment_id", r->payment_id);
	json_write_money(&d.w, "amount", r->amount_cents);
	json_write_str(&d.w, "currency", o->currency);
	json_write_str(&d.w, "reason", r->reason);
	return draft_push(b, &d, err);
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
	return builder_finish(&b, st, n);
}
