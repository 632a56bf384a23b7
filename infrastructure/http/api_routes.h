/*
 * The route table of the HTTP API and the handlers behind it. A route is a
 * path pattern ("/api/v1/orders/{id}") and a method; literal segments win
 * over parameters because the table lists them first. A path that matches no
 * pattern is 404; a matching pattern without the method is 405 with Allow.
 * Each handler file declares its handlers in a header of its own
 * (api_orders.h, api_inventory.h, ...). Internal to infrastructure/http.
 */
#ifndef OS_API_ROUTES_H
#define OS_API_ROUTES_H

#include "infrastructure/http/api_call.h"

/* Routes c (whose request and env are set) to its handler; answers always. */
void api_routes_dispatch(struct api_call *c);

/* When c is for a path whose routes do no I/O (the liveness probe), routes
 * it as api_routes_dispatch would, off any fiber, and returns true: a loop
 * with no room for another request still answers it (DESIGN §2). False,
 * and nothing answered, for any other path. */
bool api_routes_dispatch_no_io(struct api_call *c);

typedef void api_handler_fn(struct api_call *c);

#endif
