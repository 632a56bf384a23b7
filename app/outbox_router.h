/*
 * An outbox sink that hands each row to the sink of its destination, so one
 * relay (one claim, one completion per batch) can serve destinations that
 * are delivered differently: outbox-notifications relays the notifications
 * and, when configured, the egress webhook, each to its own URL.
 */
#ifndef OS_OUTBOX_ROUTER_H
#define OS_OUTBOX_ROUTER_H

#include <stddef.h>

#include "app/outbox_port.h"

#define OUTBOX_ROUTES_MAX 4

struct outbox_route {
	const char *destination; /* borrowed */
	struct outbox_sink sink; /* borrowed */
};

struct outbox_router {
	size_t count;
	struct outbox_route routes[OUTBOX_ROUTES_MAX];
};

/*
 * A sink over r (borrowed: it must outlive the sink). A row whose
 * destination has no route is a permanent failure. Each sub-sink is called
 * once per batch with its rows, in their order.
 */
void outbox_router_sink(struct outbox_router *r, struct outbox_sink *out);

#endif
