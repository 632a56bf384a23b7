/*
 * The payment callback use case: a callback is only accepted for an order
 * that exists, from the same user, for the exact amount; it is then recorded
 * in the inbox under its idempotency key and applied later by the inbox
 * worker, so the HTTP answer never waits on the order's lock.
 */
#include "app/payment_callback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/names.h"

static const char *const status_names[] = {
    [PAYMENT_PENDING] = "pending",
    [PAYMENT_SUCCEEDED] = "succeeded",
    [PAYMENT_FAILED] = "failed",
};

static const char *const status_types[] = {
    [PAYMENT_PENDING] = INBOX_TYPE_PAYMENT_PENDING,
    [PAYMENT_SUCCEEDED] = INBOX_TYPE_PAYMENT_SUCCEEDED,
    [PAYMENT_FAILED] = INBOX_TYPE_PAYMENT_FAILED,
};

enum os_status payment_status_parse(const char *s, size_t len, enum payment_status *out)
{
	int i = names_index(status_names, NAMES_COUNT(status_names), s, len);

	if (i < 0) /* NULL included */
		return OS_EINVAL;
	*out = (enum payment_status)i;
	return OS_OK;
}

/* The callback's own fields, before any port is asked. */
static enum os_status check_callback(const struct payment_callback *cb, struct os_error *err)
{
	size_t key_len = strnlen(cb->idempotency_key, sizeof(cb->idempotency_key));

	if (order_check_ident(cb->idempotency_key, key_len, INBOX_MESSAGE_ID_MAX) != OS_OK)
		return os_fail(err, OS_EINVAL, "idempotency_key",
			       "must be 1 to %d printable characters", INBOX_MESSAGE_ID_MAX);
	/* Without a user the ownership check below would have nothing to
	 * compare: such a callback is refused, never waved through. */
	if (order_check_ident(cb->user_id, strnlen(cb->user_id, sizeof(cb->user_id)),
			      ORDER_USER_ID_MAX) != OS_OK)
		return os_fail(err, OS_EINVAL, "user_id", "must be 1 to %d printable characters",
			       ORDER_USER_ID_MAX);
	if (strnlen(cb->id, sizeof(cb->id)) > INBOX_MESSAGE_ID_MAX)
		return os_fail(err, OS_EINVAL, "id", "must be at most %d bytes",
			       INBOX_MESSAGE_ID_MAX);
	if ((size_t)cb->status >= NAMES_COUNT(status_names))
		return os_fail(err, OS_EINVAL, "status", "must be pending, succeeded or failed");
	if (cb->raw_len > INBOX_PAYLOAD_MAX)
		return os_fail(err, OS_ETOOBIG, NULL, "callback body over %d bytes",
			       INBOX_PAYLOAD_MAX);
	return OS_OK;
}

/* The callback must describe the order it names. */
static enum os_status check_against(const struct payment_callback *cb, const struct order *o,
				    struct os_error *err)
{
	if (cb->amount_cents != o->amount_cents)
		return os_fail(err, OS_EINVAL, "amount", "does not match the order's amount");
	if (strcmp(cb->user_id, o->user_id) != 0)
		return os_fail(err, OS_EINVAL, "user_id", "does not match the order's user");
	return OS_OK;
}

static void build_msg(const struct payment_callback *cb, struct inbox_msg *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->source, sizeof(m->source), "%s", INBOX_SOURCE_PAYMENTS);
	snprintf(m->message_id, sizeof(m->message_id), "%s", cb->idempotency_key);
	snprintf(m->type, sizeof(m->type), "%s", status_types[cb->status]);
	m->has_order_id = true;
	m->order_id = cb->order_id;
	m->payload = cb->raw;
	m->payload_len = cb->raw_len;
	snprintf(m->request_id, sizeof(m->request_id), "%s", cb->request_id);
	snprintf(m->payment_id, sizeof(m->payment_id), "%s", cb->id);
}

enum os_status payment_callback_accept(struct order_service *svc, const struct inbox_writer *inbox,
				       const struct payment_callback *cb, bool *inserted,
				       struct os_error *err)
{
	struct inbox_msg m;
	struct order *o;
	enum os_status st;
	bool ins = false;

	st = check_callback(cb, err);
	if (st != OS_OK)
		return st;
	/* An order is ~10 KiB: keep it off the (event loop's) stack. */
	o = malloc(sizeof(*o));
	if (o == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	st = order_get(svc, &cb->order_id, o, err);
	if (st == OS_ENOTFOUND)
		st = os_fail(err, OS_ENOTFOUND, "order_id", "no such order");
	if (st != OS_OK)
		goto out;
	st = check_against(cb, o, err);
	if (st != OS_OK)
		goto out;
	build_msg(cb, &m);
	st = inbox_writer_record(inbox, &m, &ins, err);
	if (st != OS_OK)
		goto out;
	*inserted = ins;
out:
	free(o);
	return st;
}
