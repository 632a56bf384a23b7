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

/*
 * Who may call a route (the last column of the route table), checked by
 * api_guard before the handler runs. Routes of the admin listener do not
 * exist on the public one (404) and the other way round.
 */
enum api_access {
	API_PROBE,	/* no token, no rate limit: health probes */
	API_OPEN,	/* no token, rate-limited per client address: signed
			 * callbacks and webhooks, the API documents */
	API_USER,	/* a bearer token of any role; a client acts as its user */
	API_SERVICE,	/* a service or admin token */
	API_ADMIN,	/* admin listener, admin token */
	API_ADMIN_OPEN, /* admin listener, no token: the metrics scrape */
};

/* True when a route of this access is served on the listener of c. */
bool api_route_here(const struct api_call *c, enum api_access access);

/*
 * Authenticates c for access, fills c->who, and applies the rate limit.
 * Returns true when the handler may run; otherwise c has been answered
 * (401 with WWW-Authenticate, 403, or 429 with Retry-After). api_guard.c.
 */
bool api_guard(struct api_call *c, enum api_access access);

/*
 * Ownership (DESIGN §4): a client sees only its own user's orders. True
 * when the principal of c may see an order of user_id; a service or admin
 * may see every order.
 */
bool api_may_act_for(const struct api_call *c, const char *user_id);

/* api_orders.c: for a client, answers 404 and returns false unless order id
 * belongs to its user; services and admins pass without a look-up. For
 * every route that names an order (get, history, events, cancel). */
bool api_owns_order(struct api_call *c, const struct uuid *id);

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
/* api_order_events.c */
api_handler_fn api_orders_events;
/* api_webhook.c */
api_handler_fn api_webhook_order_create;
/* api_inventory.c */
api_handler_fn api_inventory_list;
api_handler_fn api_inventory_get;
api_handler_fn api_inventory_put;
api_handler_fn api_inventory_adjust;
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
