/*
 * GET /api/v1/orders/{id}/events: the order's outbox messages (type,
 * destination, delivery status, attempts, created_at, sent_at), oldest
 * first, at most ORDER_EVENTS_MAX; a client's token sees its own orders only. Sent messages are
 * purged after the relay's retention, so an old order may show fewer than it wrote.
 */
#include "infrastructure/http/api_order_events.h"

#include <stdlib.h>

#include "app/order_service.h"
#include "infrastructure/http/api_orders.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/http/order_view_json.h"

static void write_events(struct sbuf *sb, const void *value)
{
	const struct api_json_items *e = value;

	order_json_events(sb, e->items, e->n);
}

void api_orders_events(struct api_call *c)
{
	struct order_event_row *rows;
	struct api_json_items page;
	struct os_error err;
	struct uuid id;
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
	if (api_replied_failure(c, st, &err, false)) {
		free(rows);
		return;
	}
	page.items = rows;
	page.n = n;
	api_reply_data(c, 200, write_events, &page, NULL);
	free(rows);
}
