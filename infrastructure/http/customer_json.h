/*
 * The customer object {"name", "email"} that a create body and a shop
 * webhook both carry: its fields, for the json_reader schemas of
 * order_create_json.c and ingress_json.c (which require both keys with
 * json_reader_require at the object's close).
 */
#ifndef OS_CUSTOMER_JSON_H
#define OS_CUSTOMER_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/order.h"
#include "infrastructure/json/json_reader.h"

/* Reads customer.name (is_name) or customer.email into out: a string within
 * the domain's bound. Records the failure on r and returns false otherwise. */
bool customer_json_read_field(struct json_reader *r, bool is_name, enum json_type t, const char *s,
			      size_t len, struct order_customer *out);

#endif
