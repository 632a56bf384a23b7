/*
 * Fuzz target for the decoders of the ingress webhook and the inventory
 * routes: every input goes through the webhook decoder, the inventory PUT
 * decoder and the adjust decoder. They must never crash, read out of
 * bounds, or report success with an output that breaks the bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infrastructure/http/ingress_json.h"
#include "infrastructure/http/inventory_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ingress(const struct order_ingress_request *r)
{
	size_t i;

	if (r->line_count < 1 || r->line_count > ORDER_MAX_ITEMS ||
	    strlen(r->external_ref) > ORDER_EXTERNAL_REF_MAX ||
	    strlen(r->customer.name) > ORDER_CUSTOMER_NAME_MAX ||
	    strlen(r->customer.email) > ORDER_CUSTOMER_EMAIL_MAX ||
	    strlen(r->shipping_address) > ORDER_ADDRESS_MAX || r->total_cents < 0)
		abort();
	for (i = 0; i < r->line_count; i++)
		if (strlen(r->lines[i].sku) > ORDER_ITEM_ID_MAX ||
		    strlen(r->lines[i].name) > ORDER_ITEM_NAME_MAX ||
		    r->lines[i].unit_price_cents < 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct order_ingress_request *req = malloc(sizeof(*req));
	struct inventory_item it;
	struct os_error err;
	int64_t delta;

	if (req == NULL)
		return 0;
	if (ingress_json_decode(body, size, req, &err) == OS_OK)
		check_ingress(req);
	free(req);
	memset(&it, 0, sizeof(it));
	if (inventory_json_decode_put(body, size, &it, &err) == OS_OK &&
	    (strlen(it.name) > ORDER_ITEM_NAME_MAX || it.price_cents < 0))
		abort();
	(void)inventory_json_decode_adjust(body, size, &delta, &err);
	return 0;
}
