/*
 * What a use case asks the repository to write atomically: a new order with
 * its first outbox messages, or a status transition with its history reason
 * and outbox messages. The repository writes all of it in one transaction,
 * including a NOTIFY per destination, or nothing.
 */
#ifndef OS_ORDER_CHANGE_H
#define OS_ORDER_CHANGE_H

#include <stdbool.h>

#include "../domain/order.h"
#include "outbox_msg.h"

/* Canonical text of a create request ("user|item:qty|..."), bounded. */
#define ORDER_FINGERPRINT_MAX                                                          \
	(ORDER_USER_ID_MAX + ORDER_MAX_ITEMS * (ORDER_ITEM_ID_MAX + 8) + 1 +                \
	 ORDER_CUSTOMER_NAME_MAX + ORDER_CUSTOMER_EMAIL_MAX + ORDER_ADDRESS_MAX + 32)

struct order_create {
	struct order order;        /* complete: id, key, priced items, amount, times */
	char fingerprint[ORDER_FINGERPRINT_MAX + 1];
	char reason[ORDER_REASON_MAX + 1]; /* first history row's reason */
	bool reserve_stock;        /* decrement `inventory` in the same transaction */
	size_t msg_count;
	struct outbox_msg msgs[OUTBOX_MAX_PER_CHANGE];
};

struct order_change {
	enum order_status to;
	char reason[ORDER_REASON_MAX + 1];
	int64_t at_us;
	bool release_stock;        /* give the order's quantities back to `inventory` */
	size_t msg_count;
	struct outbox_msg msgs[OUTBOX_MAX_PER_CHANGE];
};

/* Free the messages' buffers; the structs themselves are the caller's. */
void order_create_release(struct order_create *c);
void order_change_release(struct order_change *c);

#endif
