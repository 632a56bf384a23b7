/*
 * JSON codec of the ingress webhook (DESIGN §4): the body a shop platform
 * posts to /webhooks/orders/create, in; the {"ok", "order_id", "id"} answer
 * out. Same bounds and status mapping as order_create_json.h: OS_EINVAL from the
 * decoder is 400 with the field named.
 */
#ifndef OS_INGRESS_JSON_H
#define OS_INGRESS_JSON_H

#include <stddef.h>

#include "app/order_ingress.h"
#include "app/sbuf.h"
#include "domain/status.h"

/*
 * Decodes {"order_id": string or integer, "customer": {"name", "email"},
 * "items": [{"sku", "name", "quantity", "unit_price"}], "shipping_address":
 * string or null (optional), "total"}. Prices are decimal strings ("350.00")
 * or numbers with at most two decimals, read from their text. Unknown keys
 * are ignored. *out is written only on OS_OK; its digest and trace are left
 * to the caller.
 */
enum os_status ingress_json_decode(const char *body, size_t len, struct order_ingress_request *out,
				   struct os_error *err);

/* {"ok": true, "order_id": <external ref>, "id": <order id>} */
void ingress_json_answer(struct sbuf *sb, const struct order *o);

#endif
