/*
 * The shop's signed order webhook (api_webhook.c): POST
 * /webhooks/orders/create.
 */
#ifndef OS_API_WEBHOOK_H
#define OS_API_WEBHOOK_H

#include "infrastructure/http/api_routes.h"

api_handler_fn api_webhook_order_create;

#endif
