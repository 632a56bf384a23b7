/* Matching a request's path and method to a handler. */
#include "infrastructure/http/api_routes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "infrastructure/http/api_callback.h"
#include "infrastructure/http/api_docs.h"
#include "infrastructure/http/api_guard.h"
#include "infrastructure/http/api_inventory.h"
#include "infrastructure/http/api_ops.h"
#include "infrastructure/http/api_order_events.h"
#include "infrastructure/http/api_orders.h"
#include "infrastructure/http/api_webhook.h"

struct route {
	const char *method;
	const char *pattern;
	api_handler_fn *handler;
	enum api_access access; /* who may call it, and on which listener */
};

/* Literal patterns before the parameterised ones they overlap with. */
static const struct route routes[] = {
    {"GET", "/api/v1/orders", api_orders_list, API_USER},
    {"POST", "/api/v1/orders", api_orders_create, API_USER},
    {"POST", "/api/v1/orders/bulk", api_orders_bulk, API_USER},
    {"POST", "/api/v1/orders/payment-callback", api_callback_payment, API_OPEN},
    {"GET", "/api/v1/orders/{id}", api_orders_get, API_USER},
    {"GET", "/api/v1/orders/{id}/history", api_orders_history, API_USER},
    {"POST", "/api/v1/orders/{id}/cancel", api_orders_cancel, API_USER},
    /* Features of the original services: order events, the shop's ingress
     * webhook (signed, no token), the local catalog (service or admin). */
    {"GET", "/api/v1/orders/{id}/events", api_orders_events, API_USER},
    {"POST", "/webhooks/orders/create", api_webhook_order_create, API_OPEN},
    {"GET", "/api/v1/inventory", api_inventory_list, API_SERVICE},
    {"GET", "/api/v1/inventory/{item_id}", api_inventory_get, API_SERVICE},
    {"PUT", "/api/v1/inventory/{item_id}", api_inventory_put, API_SERVICE},
    {"POST", "/api/v1/inventory/{item_id}/adjust", api_inventory_adjust, API_SERVICE},
    {"GET", "/api/openapi.json", api_docs_openapi, API_OPEN},
    {"GET", "/api/docs", api_docs_swagger, API_OPEN},
    {"GET", "/api/docs/{asset}", api_docs_swagger_asset, API_OPEN},
    {"GET", "/api/redoc", api_docs_redoc, API_OPEN},
    {"GET", "/api/redoc/{asset}", api_docs_redoc_asset, API_OPEN},
    {"GET", "/health/live", api_ops_live, API_PROBE},
    {"GET", "/health/ready", api_ops_ready, API_PROBE},
    {"GET", "/metrics", api_ops_metrics, API_ADMIN_OPEN},
    {"GET", "/admin/dead-letters", api_ops_dead_letters, API_ADMIN},
    {"POST", "/admin/dead-letters/{kind}/retry-all", api_ops_retry_all, API_ADMIN},
    {"POST", "/admin/dead-letters/{kind}/{id}/retry", api_ops_retry_one, API_ADMIN},
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

/* Length of the segment starting at s (up to '/' or end). */
static size_t segment(const char *s, const char *end)
{
	const char *slash = memchr(s, '/', (size_t)(end - s));

	return (size_t)((slash ? slash : end) - s);
}

/* True when path matches pattern; parameters go to params (written even on
 * a failed match: the caller only uses them after a match). */
static bool match(const char *pattern, const char *path, size_t len,
		  struct api_param params[API_PARAMS_MAX])
{
	const char *p = pattern, *s = path, *end = path + len;
	const char *pend = pattern + strlen(pattern);
	size_t n = 0;

	while (p < pend && s < end) {
		size_t pl, sl;

		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		pl = segment(p, pend);
		sl = segment(s, end);
		if (*p == '{') {
			if (sl == 0 || n == API_PARAMS_MAX)
				return false;
			params[n].s = s;
			params[n++].len = sl;
		} else if (pl != sl || memcmp(p, s, sl) != 0) {
			return false;
		}
		p += pl;
		s += sl;
	}
	return p == pend && s == end;
}

static bool method_is(const h2o_req_t *r, const char *m)
{
	return r->method.len == strlen(m) && memcmp(r->method.base, m, r->method.len) == 0;
}

static void not_allowed(struct api_call *c, const char *pattern)
{
	char allow[64] = "";
	size_t i, at = 0;

	for (i = 0; i < ROUTE_COUNT; i++) {
		size_t ml = strlen(routes[i].method);

		if (strcmp(routes[i].pattern, pattern) != 0 ||
		    !api_route_here(c, routes[i].access) || at + ml + 3 > sizeof(allow))
			continue;
		if (at) {
			memcpy(allow + at, ", ", 2);
			at += 2;
		}
		memcpy(allow + at, routes[i].method, ml + 1);
		at += ml;
	}
	api_add_header(c, "allow", allow, at);
	api_reply_error(c, 405, "method not allowed", NULL, allow);
}

static bool starts_with_nocase(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && strncasecmp(s, prefix, n) == 0;
}

/* True for "application/json" with optional parameters, of which a charset
 * must be utf-8 (RFC 8259: JSON text is UTF-8). Case-insensitive. */
static bool json_media_type(const char *v, size_t len)
{
	const char *end = v + len, *p = v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (!starts_with_nocase(p, end, "application/json"))
		return false;
	p += strlen("application/json");
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return true;
	if (*p != ';')
		return false;
	for (; p < end; p++) {
		if (!starts_with_nocase(p, end, "charset="))
			continue;
		p += strlen("charset=");
		if (p < end && *p == '"')
			p++;
		return starts_with_nocase(p, end, "utf-8") &&
		       (p + 5 == end || p[5] == '"' || p[5] == ';' || p[5] == ' ');
	}
	return true;
}

/* The body bound and media type are checked once here, before any handler
 * reads the body. h2o itself refuses far larger bodies (api_server.c)
 * before buffering them. A request without a body needs no Content-Type. */
static void call_handler(struct api_call *c, api_handler_fn *handler)
{
	const char *type;
	size_t len, type_len = 0;
	char detail[64];

	api_call_body(c, &len);
	if (len > c->env->opts->max_body_bytes) {
		snprintf(detail, sizeof(detail), "at most %zu bytes", c->env->opts->max_body_bytes);
		api_reply_error(c, 413, "request body too large", NULL, detail);
		return;
	}
	type = api_call_header(c, "content-type", &type_len);
	if (len > 0 && (type == NULL || !json_media_type(type, type_len))) {
		api_reply_error(c, 415, "the body must be application/json", "Content-Type",
				"send Content-Type: application/json (charset utf-8 if any)");
		return;
	}
	handler(c);
}

/* The length of r's path that routes match: a trailing slash names the
 * same resource. */
static size_t route_len(const h2o_req_t *r)
{
	size_t len = r->path_normalized.len;

	return len > 1 && r->path_normalized.base[len - 1] == '/' ? len - 1 : len;
}

/* The paths routed without I/O are those of the liveness probe's handler. */
bool api_routes_dispatch_no_io(struct api_call *c)
{
	size_t i, len = route_len(c->req);

	for (i = 0; i < ROUTE_COUNT; i++) {
		if (routes[i].handler != api_ops_live || strlen(routes[i].pattern) != len ||
		    memcmp(routes[i].pattern, c->req->path_normalized.base, len) != 0)
			continue;
		api_routes_dispatch(c);
		return true;
	}
	return false;
}

void api_routes_dispatch(struct api_call *c)
{
	const h2o_req_t *r = c->req;
	const char *path = r->path_normalized.base;
	size_t i, len = route_len(r);
	const char *pattern = NULL;

	for (i = 0; i < ROUTE_COUNT; i++) {
		if (!api_route_here(c, routes[i].access))
			continue;
		if (pattern && strcmp(routes[i].pattern, pattern) != 0)
			continue;
		if (!match(routes[i].pattern, path, len, c->params))
			continue;
		pattern = routes[i].pattern;
		c->route = pattern;
		if (method_is(r, routes[i].method)) {
			if (api_guard(c, routes[i].access))
				call_handler(c, routes[i].handler);
			return;
		}
	}
	if (pattern) {
		not_allowed(c, pattern);
		return;
	}
	api_reply_error(c, 404, "no such route", NULL, NULL);
}
