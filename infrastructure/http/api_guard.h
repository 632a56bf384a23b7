/*
 * Access to the routes (api_guard.c): which listener serves a route, the
 * token and role a route asks for, rate limits, and who may see an order.
 */
#ifndef OS_API_GUARD_H
#define OS_API_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "infrastructure/http/api_call.h"

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
 * (401 with WWW-Authenticate, 403, or 429 with Retry-After).
 */
bool api_guard(struct api_call *c, enum api_access access);

/*
 * Ownership (DESIGN §4): a client sees only its own user's orders. True
 * when the principal of c may see an order of user_id; a service or admin
 * may see every order.
 */
bool api_may_act_for(const struct api_call *c, const char *user_id);

/*
 * The body of a request on a signed open route: true, with *body and *len,
 * when request header `header` of c (named `field` in the answer) is
 * "sha256=<HMAC-SHA256 of the body under secret>" (crypto_signature_ok), or
 * when secret is NULL or "" and unsigned requests are allowed. Otherwise
 * answers 401 and returns false.
 */
bool api_signed_body(struct api_call *c, const char *secret, bool allow_unsigned,
		     const char *header, const char *field, const char **body, size_t *len);

#endif
