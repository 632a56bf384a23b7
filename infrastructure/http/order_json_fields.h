/*
 * Field readers the body decoders share (order_json.c, ingress_json.c):
 * the customer object {"name", "email"} of a create body and of a webhook.
 * Internal to infrastructure/http.
 */
#ifndef OS_ORDER_JSON_FIELDS_H
#define OS_ORDER_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/order.h"
#include "json_reader.h"

/* Reads customer.name (is_name) or customer.email into out: a string within
 * the domain's bound. Records the failure on r and returns false otherwise. */
bool order_json_read_customer_field(struct json_reader *r, bool is_name, enum json_type t,
				    const char *s, size_t len, struct order_customer *out);

/* At the close of a customer object: both keys are required. */
bool order_json_customer_complete(struct json_reader *r, bool has_name, bool has_email);

#endif
