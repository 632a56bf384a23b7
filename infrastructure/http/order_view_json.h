/*
 * Encoding of an order as the API shows it (DESIGN §4): the order, its
 * status history and its outbox events. Each appends one JSON value to sb
 * through the writer (app/json_write.h); check sbuf_ok once at the end.
 */
#ifndef OS_ORDER_VIEW_JSON_H
#define OS_ORDER_VIEW_JSON_H

#include <stddef.h>

#include "app/order_repo.h"
#include "app/sbuf.h"
#include "domain/order.h"

void order_json_order(struct sbuf *sb, const struct order *o);
void order_json_history(struct sbuf *sb, const struct order_history_entry *h, size_t n);
/* [{"event_id", "type", "destination", "status", "attempts", "created_at",
 * "sent_at" (null until sent)}] */
void order_json_events(struct sbuf *sb, const struct order_event_row *e, size_t n);

#endif
