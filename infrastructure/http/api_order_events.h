/*
 * An order's outbox events (api_order_events.c): GET
 * /api/v1/orders/{id}/events.
 */
#ifndef OS_API_ORDER_EVENTS_H
#define OS_API_ORDER_EVENTS_H

#include "infrastructure/http/api_routes.h"

api_handler_fn api_orders_events;

#endif
