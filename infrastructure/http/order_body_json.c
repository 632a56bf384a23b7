/* What create bodies and webhooks share; see order_body_json.h. */
#include "infrastructure/http/order_body_json.h"

#include <stdio.h>

void order_body_path(char *buf, size_t cap, int role, size_t line_index, const char *key)
{
	if (role == ORDER_BODY_LINE)
		snprintf(buf, cap, "items[%zu].%s", line_index, key);
	else if (role == ORDER_BODY_CUSTOMER)
		snprintf(buf, cap, "customer.%s", key);
	else
		snprintf(buf, cap, "%s", key);
}

bool order_body_read_customer(struct json_reader *r, bool is_name, enum json_type t, const char *s,
			      size_t len, struct order_customer *out)
{
	if (is_name)
		return json_reader_string(r, "customer.name", t, s, len, out->name,
					  ORDER_CUSTOMER_NAME_MAX);
	return json_reader_string(r, "customer.email", t, s, len, out->email,
				  ORDER_CUSTOMER_EMAIL_MAX);
}
