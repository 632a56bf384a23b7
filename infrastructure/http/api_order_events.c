/*
 * GET /api/v1/orders/{id}/events: the order's outbox messages (type,
 * destination, delivery status, attempts, created_at, sent_at), oldest
 * first, at most ORDER_EVENTS_MAX; a client's token sees its own orders only. Sent messages are purged after the
 * relay's retention, so an old order may show fewer than it wrote.
 */
#include <stdlib.h>

#include "api_routes.h"
#include "app/order_service.h"
#include "envelope_json.h"
#include "order_view_json.h"

void api_orders_events(struct api_call *c)
{
	struct order_event_row *rows;
	struct os_error err;
	struct uuid id;
	struct sbuf sb;
	size_t n = 0;
	enum os_status st;

	if (uuid_parse(c->params[0].s, c->params[0].len, &id) != OS_OK) {
		api_reply_error(c, 400, "must be a UUID", "id", NULL);
		return;
	}
	/* A client sees only its own orders' messages. */
	if (!api_owns_order(c, &id))
		return;
	rows = calloc(ORDER_EVENTS_MAX, sizeof(*rows));
	if (rows == NULL) {
		api_reply_error(c, 500, "internal error", NULL, NULL);
		return;
	}
	os_error_clear(&err);
	st = order_events(&c->env->app->svc, &id, rows, ORDER_EVENTS_MAX, &n, &err);
	if (st != OS_OK) {
		api_reply_status(c, st, &err, false);
		free(rows);
		return;
	}
	sbuf_init(&sb, API_RESPONSE_MAX);
	order_json_envelope_begin(&sb);
	order_json_events(&sb, rows, n);
	order_json_envelope_end(&sb, c->trace.request_id, NULL);
	api_reply(c, 200, &sb, "application/json");
	sbuf_release(&sb);
	free(rows);
}
