/*
 * What a create body and a shop webhook share, for the json_reader schemas
 * of order_create_json.c and ingress_json.c: the places a key stands in
 * (the frames' roles), the field path a refusal names, and the customer
 * object {"name", "email"} (both keys required with json_reader_require at
 * the object's close).
 */
#ifndef OS_ORDER_BODY_JSON_H
#define OS_ORDER_BODY_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/order.h"
#include "infrastructure/json/json_reader.h"

/* The roles of an order body's frames: the top object, its "items" array,
 * one line of it, and the "customer" object. */
enum order_body_role {
	ORDER_BODY_ROOT = 1,
	ORDER_BODY_ITEMS,
	ORDER_BODY_LINE,
	ORDER_BODY_CUSTOMER
};

/* Writes into buf (cap bytes, cut if longer) the field path of key in a frame
 * of role: "items[3].quantity" in line line_index, "customer.email", and the
 * key itself elsewhere. */
void order_body_path(char *buf, size_t cap, int role, size_t line_index, const char *key);

/* Reads customer.name (is_name) or customer.email into out: a string within
 * the domain's bound. Records the failure on r and returns false otherwise. */
bool order_body_read_customer(struct json_reader *r, bool is_name, enum json_type t, const char *s,
			      size_t len, struct order_customer *out);

#endif
