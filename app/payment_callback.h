/*
 * Accepting a payment callback (DESIGN §4): the HTTP layer has verified the
 * signature and decoded the body; this use case checks the order exists and
 * the amount matches, then records the callback in the inbox, deduplicated
 * by its idempotency key and status. The inbox applier moves the order later.
 */
#ifndef OS_PAYMENT_CALLBACK_H
#define OS_PAYMENT_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/inbox_port.h"
#include "app/order_service.h"

enum payment_status {
	PAYMENT_PENDING = 0,
	PAYMENT_SUCCEEDED,
	PAYMENT_FAILED,
};

struct payment_callback {
	char id[INBOX_MESSAGE_ID_MAX + 1]; /* the payment's id */
	char user_id[ORDER_USER_ID_MAX + 1];
	struct uuid order_id;
	int64_t amount_cents;
	enum payment_status status;
	char idempotency_key[INBOX_MESSAGE_ID_MAX + 1]; /* dedup key of the inbox */
	char created_at[40];				/* as sent, informational */
	const char *raw;				/* the raw body, borrowed */
	size_t raw_len;
	char request_id[ORDER_REQUEST_ID_MAX + 1];
};

/* Parses "pending" | "succeeded" | "failed". */
enum os_status payment_status_parse(const char *s, size_t len, enum payment_status *out);

/*
 * Checks and records cb. OS_OK: recorded (*inserted true) or already there
 * (*inserted false). OS_ENOTFOUND (field "order_id"): no such order.
 * OS_EINVAL (field "amount"): amount differs from the order's; (field
 * "user_id"): user missing or different. OS_EUNAVAIL / OS_EIO from the ports.
 */
enum os_status payment_callback_accept(struct order_service *svc, const struct inbox_writer *inbox,
				       const struct payment_callback *cb, bool *inserted,
				       struct os_error *err);

#endif
