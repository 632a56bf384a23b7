/*
 * What a use case asks the repository to write atomically: a new order with
 * its first outbox messages, or a status transition with its history reason
 * and outbox messages. The repository writes all of it in one transaction,
 * including a NOTIFY per destination, or nothing.
 */
#ifndef OS_ORDER_CHANGE_H
#define OS_ORDER_CHANGE_H

#include <stdbool.h>

#include "app/outbox_msg.h"
#include "domain/order.h"

/* Canonical text of a create request ("user|item:qty|..."), bounded. */
#define ORDER_FINGERPRINT_MAX                                                                      \
	(ORDER_USER_ID_MAX + ORDER_MAX_ITEMS * (ORDER_ITEM_ID_MAX + 8) + 1 +                       \
	 ORDER_CUSTOMER_NAME_MAX + ORDER_CUSTOMER_EMAIL_MAX + ORDER_ADDRESS_MAX + 32)

struct order_insert {
	struct order order; /* complete: id, key, priced items, amount, times */
	char fingerprint[ORDER_FINGERPRINT_MAX + 1];
	char reason[ORDER_REASON_MAX + 1]; /* first history row's reason */
	bool reserve_stock;		   /* decrement `inventory` in the same transaction */
	size_t msg_count;
	struct outbox_msg msgs[OUTBOX_MAX_PER_CHANGE];
};

/* Bytes of a payment id (the payment service's id of one payment). */
#define ORDER_PAYMENT_ID_MAX 128
/* A refund's key: a payment id, or "order-<uuid>" when the payment that
 * paid an order is not known (orders paid before payments were recorded). */
#define ORDER_REFUND_KEY_MAX (ORDER_PAYMENT_ID_MAX + 32)
/* Outbox messages of one refund: payment.refund and order.refund_requested. */
#define ORDER_REFUND_MSGS 2

/*
 * What a change does to the order's money (DESIGN §5 "No money is ever
 * stranded"). captured_payment_id is an input: the repository fills it
 * before it asks the mutate or decide function; everything else is that
 * function's request, all zero for none.
 */
struct order_money {
	/* in: the payment that paid the order, "" if none is recorded */
	char captured_payment_id[ORDER_PAYMENT_ID_MAX + 1];
	/* record this payment as the one that paid the order ("" = none) */
	char capture_payment_id[ORDER_PAYMENT_ID_MAX + 1];
	/* withdraw the order's undelivered payment requests (outbox status
	 * cancelled, never sent); a request that was delivered, or is being
	 * delivered right now, gets payment_cancel instead */
	bool withdraw_payment;
	struct outbox_msg payment_cancel; /* payload NULL: none */
	/* request a refund of refund_payment_id, written (with its history row
	 * and refund_msgs) only when no refund of that payment exists yet */
	bool refund;
	char refund_payment_id[ORDER_REFUND_KEY_MAX + 1];
	int64_t refund_amount_cents;
	char refund_reason[ORDER_REASON_MAX + 1]; /* its history row's reason */
	size_t refund_msg_count;
	struct outbox_msg refund_msgs[ORDER_REFUND_MSGS];
};

/*
 * A status transition (to differs from the order's status: the order row,
 * a history row and msgs are written), or, when to equals the order's
 * status, only the money part (e.g. a refund for an order already
 * cancelled: no transition, the refund's own history row).
 */
struct order_change {
	enum order_status to;
	char reason[ORDER_REASON_MAX + 1];
	int64_t at_us;
	bool release_stock; /* give the order's quantities back to `inventory` */
	size_t msg_count;
	struct outbox_msg msgs[OUTBOX_MAX_PER_CHANGE];
	struct order_money money;
};

/* Free the messages' buffers; the structs themselves are the caller's. */
void order_insert_release(struct order_insert *c);
void order_change_release(struct order_change *c);
/* Frees the messages of a money part (order_change_release does it for a
 * change's). */
void order_money_release(struct order_money *m);

#endif
