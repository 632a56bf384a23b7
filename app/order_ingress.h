/*
 * The ingress webhook use case (DESIGN §4): a shop platform posts an order
 * it has already sold, with its own order id (the external reference), the
 * customer, the lines with the shop's SKUs and prices, and the total. The
 * shop is the system of record for those prices: no catalog is asked and no
 * local stock is taken. The order then follows the normal lifecycle
 * (payment request, shipping, ...). Idempotent by external reference.
 */
#ifndef OS_ORDER_INGRESS_H
#define OS_ORDER_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/order_service.h"
#include "domain/order.h"
#include "domain/status.h"

#define ORDER_INGRESS_DIGEST_MAX 64 /* hex SHA-256 */

struct order_ingress_line {
	char sku[ORDER_ITEM_ID_MAX + 1];
	char name[ORDER_ITEM_NAME_MAX + 1];
	int64_t quantity;	  /* as sent; range checked by the use case */
	int64_t unit_price_cents; /* >= 0, from the decimal text */
};

/* A decoded webhook body. The codec checks JSON types and string bounds; the
 * use case checks every business rule and names the field on failure. */
struct order_ingress_request {
	char external_ref[ORDER_EXTERNAL_REF_MAX + 1]; /* the shop's "order_id" */
	struct order_customer customer;
	char shipping_address[ORDER_ADDRESS_MAX + 1]; /* "" when not given */
	size_t line_count;
	struct order_ingress_line lines[ORDER_MAX_ITEMS];
	int64_t total_cents;
	/* A digest of the raw body, set by the adapter: what "the same body"
	 * means for a replay (the same bytes). */
	char body_digest[ORDER_INGRESS_DIGEST_MAX + 1];
	struct order_trace trace;
};

/*
 * Creates the order of a webhook. On OS_OK *out is the order and *created
 * says new (201) or a replay of the same body (200). Failures: OS_EINVAL
 * (a rule broken, field named: "order_id", "customer.email",
 * "items[1].quantity", "total" when it is not the sum of the lines),
 * OS_EMISMATCH (the external reference exists with another body),
 * OS_EUNAVAIL, OS_EIO. The order's user_id is the customer's e-mail address
 * when it is a valid user id (at most 64 printable characters), else
 * "webhook".
 */
enum os_status order_ingress_create(struct order_service *svc,
				    const struct order_ingress_request *req, struct order *out,
				    bool *created, struct os_error *err);

#endif
