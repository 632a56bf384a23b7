/* Lifetime of outbox messages, order changes and relay batches. */
#include "outbox_msg.h"

#include <stdlib.h>

#include "order_change.h"
#include "outbox_port.h"

void outbox_msg_release(struct outbox_msg *m)
{
	free(m->payload);
	free(m->headers);
	m->payload = NULL;
	m->headers = NULL;
}

void order_insert_release(struct order_insert *c)
{
	size_t i;

	for (i = 0; i < c->msg_count; i++)
		outbox_msg_release(&c->msgs[i]);
	c->msg_count = 0;
}

void order_change_release(struct order_change *c)
{
	size_t i;

	for (i = 0; i < c->msg_count; i++)
		outbox_msg_release(&c->msgs[i]);
	c->msg_count = 0;
	outbox_msg_release(&c->money.payment_cancel);
	for (i = 0; i < c->money.refund_msg_count; i++)
		outbox_msg_release(&c->money.refund_msgs[i]);
	c->money.refund_msg_count = 0;
}

enum os_status outbox_batch_init(struct outbox_batch *b, size_t capacity)
{
	if (capacity == 0 || capacity > OUTBOX_BATCH_MAX)
		return OS_EINVAL;
	b->rows = calloc(capacity, sizeof(*b->rows));
	if (b->rows == NULL)
		return OS_ENOMEM;
	b->count = 0;
	b->capacity = capacity;
	return OS_OK;
}

void outbox_batch_clear(struct outbox_batch *b)
{
	size_t i;

	for (i = 0; i < b->count; i++) {
		free(b->rows[i].payload);
		free(b->rows[i].headers);
		b->rows[i].payload = NULL;
		b->rows[i].headers = NULL;
	}
	b->count = 0;
}

void outbox_batch_release(struct outbox_batch *b)
{
	outbox_batch_clear(b);
	free(b->rows);
	b->rows = NULL;
	b->capacity = 0;
}
