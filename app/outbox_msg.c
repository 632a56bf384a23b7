/* Lifetime of an outbox message. */
#include "app/outbox_msg.h"

#include <stdlib.h>

void outbox_msg_release(struct outbox_msg *m)
{
	free(m->payload);
	free(m->headers);
	m->payload = NULL;
	m->headers = NULL;
}
