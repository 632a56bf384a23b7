/* The customer object of create bodies and webhooks; see customer_json.h. */
#include "infrastructure/http/customer_json.h"

bool customer_json_read_field(struct json_reader *r, bool is_name, enum json_type t, const char *s,
			      size_t len, struct order_customer *out)
{
	if (is_name)
		return json_reader_string(r, "customer.name", t, s, len, out->name,
					  ORDER_CUSTOMER_NAME_MAX);
	return json_reader_string(r, "customer.email", t, s, len, out->email,
				  ORDER_CUSTOMER_EMAIL_MAX);
}
