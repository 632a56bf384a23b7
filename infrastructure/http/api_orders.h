/*
 * The order routes (api_orders.c): create, bulk create, get, list,
 * history and cancel, each answering the order envelope.
 */
#ifndef OS_API_ORDERS_H
#define OS_API_ORDERS_H

#include <stdbool.h>

#include "domain/uuid.h"
#include "infrastructure/http/api_routes.h"

api_handler_fn api_orders_create;
api_handler_fn api_orders_bulk;
api_handler_fn api_orders_get;
api_handler_fn api_orders_list;
api_handler_fn api_orders_history;
api_handler_fn api_orders_cancel;

/* For a client, answers 404 and returns false unless order id belongs to
 * its user; services and admins pass without a look-up. For every route
 * that names an order (get, history, events, cancel). */
bool api_owns_order(struct api_call *c, const struct uuid *id);

#endif
