/*
 * The parts of an order that outbox payloads (order_messages.c) and the
 * API's order representation (infrastructure/http/order_view_json.c) both
 * carry, written one way for both: its lines and its customer, as members
 * of an object open in a json_writer.
 */
#ifndef OS_ORDER_JSON_MEMBERS_H
#define OS_ORDER_JSON_MEMBERS_H

#include <stdbool.h>

#include "app/json_write.h"
#include "domain/order.h"

/* "items":[{"item_id","name","quantity","unit_price"}, ...], at most
 * ORDER_MAX_ITEMS lines; without name and unit_price when !priced (what a
 * shipping request needs). */
void order_json_items(struct json_writer *w, const struct order *o, bool priced);

/* "customer":{"name","email"} when the order has a customer; otherwise
 * "customer":null when null_if_none, nothing when not. */
void order_json_customer(struct json_writer *w, const struct order *o, bool null_if_none);

#endif
