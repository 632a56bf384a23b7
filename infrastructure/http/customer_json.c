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

bool customer_json_complete(struct json_reader *r, bool has_name, bool has_email)
{
	if (!has_name)
		return json_reader_fail(r, OS_EINVAL, "customer.name", "is required");
	if (!has_email)
		return json_reader_fail(r, OS_EINVAL, "customer.email", "is required");
	return true;
}
