/*
 * The route table of the HTTP API and the handlers behind it. A route is a
 * path pattern ("/api/v1/orders/{id}") and a method; literal segments win
 * over parameters because the table lists them first. A path that matches no
 * pattern is 404; a matching pattern without the method is 405 with Allow.
 * Internal to infrastructure/http.
 */
#ifndef OS_API_ROUTES_H
#define OS_API_ROUTES_H

#include "api_call.h"

/* Routes c (whose request and env are set) to its handler; answers always. */
void api_routes_dispatch(struct api_call *c);

typedef void api_handler_fn(struct api_call *c);

/* api_orders.c */
api_handler_fn api_orders_create;
api_handler_fn api_orders_bulk;
api_handler_fn api_orders_get;
api_handler_fn api_orders_list;
api_handler_fn api_orders_history;
api_handler_fn api_orders_cancel;
/* api_callback.c */
api_handler_fn api_callback_payment;
/* api_ops.c */
api_handler_fn api_ops_live;
api_handler_fn api_ops_ready;
api_handler_fn api_ops_metrics;
api_handler_fn api_ops_dead_letters;
api_handler_fn api_ops_retry_one;
api_handler_fn api_ops_retry_all;

/* api_docs.c */
api_handler_fn api_docs_openapi;
api_handler_fn api_docs_swagger;
api_handler_fn api_docs_swagger_asset;
api_handler_fn api_docs_redoc;
api_handler_fn api_docs_redoc_asset;

#endif
