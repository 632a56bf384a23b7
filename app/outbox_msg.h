/*
 * An outbox message as the use cases build it: written in the same
 * transaction as the order change it announces, carried out later by a relay.
 * The payload is the exact body the receiver is given (HTTP body or Kafka value).
 */
#ifndef OS_OUTBOX_MSG_H
#define OS_OUTBOX_MSG_H

#include <stddef.h>

#include "domain/uuid.h"

#define OUTBOX_TYPE_MAX	       48 /* "payment.requested", "order.created", ... */
#define OUTBOX_DESTINATION_MAX 64 /* "payments", "notifications" or a topic */
#define OUTBOX_MAX_PER_CHANGE  6  /* messages one order change may write */

/* Destinations that are not Kafka topics. */
#define OUTBOX_DEST_PAYMENTS	  "payments"
#define OUTBOX_DEST_NOTIFICATIONS "notifications"
/* The egress webhook (WEBHOOK_OUTGOING_URL), relayed by outbox-notifications. */
#define OUTBOX_DEST_WEBHOOK "webhook"

/* Types of the payment destination's messages; the HTTP sink sends each
 * to its own path of the payment service (DESIGN §8). */
#define OUTBOX_TYPE_PAYMENT_REQUEST  "payment.requested"
#define OUTBOX_TYPE_PAYMENT_CANCEL   "payment.cancel"
#define OUTBOX_TYPE_PAYMENT_REFUND   "payment.refund"
#define OUTBOX_TYPE_REFUND_REQUESTED "order.refund_requested"

struct outbox_msg {
	struct uuid event_id;	  /* unique; receivers deduplicate on it */
	struct uuid aggregate_id; /* the order id; Kafka key */
	char type[OUTBOX_TYPE_MAX + 1];
	char destination[OUTBOX_DESTINATION_MAX + 1];
	char *payload; /* JSON object, NUL-terminated, owned */
	char *headers; /* JSON object of string values, or NULL; owned.
			  Keys used: "request_id", "traceparent". */
};

/* Frees payload and headers and sets them to NULL. */
void outbox_msg_release(struct outbox_msg *m);

#endif
