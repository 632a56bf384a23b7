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

void order_money_release(struct order_money *m)
{
	outbox_msg_release(&m->payment_cancel);
	release_msgs(m->refund_msgs, &m->refund_msg_count);
}

void order_change_release(struct order_change *c)
{
	release_msgs(c->msgs, &c->msg_count);
	order_money_release(&c->money);
}
