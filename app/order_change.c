/* Lifetime of the changes a use case hands the repository. */
#include "app/order_change.h"

static void release_msgs(struct outbox_msg *msgs, size_t *count)
{
	size_t i;

	for (i = 0; i < *count; i++)
		outbox_msg_release(&msgs[i]);
	*count = 0;
}

void order_insert_release(struct order_insert *c)
{
	release_msgs(c->msgs, &c->msg_count);
}

void order_change_release(struct order_change *c)
{
	release_msgs(c->msgs, &c->msg_count);
	outbox_msg_release(&c->money.payment_cancel);
	release_msgs(c->money.refund_msgs, &c->money.refund_msg_count);
}
