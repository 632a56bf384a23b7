/*
 * Fuzz target for the request-body decoders of the HTTP API: every input
 * goes through the create decoder (with and without an Idempotency-Key
 * header), the bulk splitter with each slice decoded, the payment callback
 * decoder and the cancel decoder. They must never crash, read out of
 * bounds, or report success with an output that breaks the bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infrastructure/http/callback_json.h"
#include "infrastructure/http/order_bulk_json.h"
#include "infrastructure/http/order_cancel_json.h"
#include "infrastructure/http/order_create_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_create(const struct order_create_request *r)
{
	size_t i;

	if (r->line_count < 1 || r->line_count > ORDER_MAX_ITEMS ||
	    strlen(r->user_id) > ORDER_USER_ID_MAX)
		abort();
	for (i = 0; i < r->line_count; i++)
		if (strlen(r->lines[i].item_id) > ORDER_ITEM_ID_MAX)
			abort();
}

static void fuzz_create(const char *body, size_t len)
{
	static const char key[] = "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b";
	struct order_create_request req;
	struct os_error err;

	if (order_json_decode_create(body, len, NULL, 0, &req, &err) == OS_OK)
		check_create(&req);
	if (order_json_decode_create(body, len, key, sizeof(key) - 1, &req, &err) == OS_OK)
		check_create(&req);
}

static void fuzz_bulk(const char *body, size_t len)
{
	struct order_json_slice s[ORDER_JSON_BULK_MAX];
	struct os_error err;
	size_t i, n;

	if (order_json_split_bulk(body, len, s, ORDER_JSON_BULK_MAX, &n, &err) != OS_OK)
		return;
	if (n > ORDER_JSON_BULK_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (!s[i].is_object)
			continue;
		if (s[i].offset > len || s[i].len > len - s[i].offset)
			abort();
		fuzz_create(body + s[i].offset, s[i].len);
	}
}

static void fuzz_callback(const char *body, size_t len)
{
	struct payment_callback cb;
	char reason[ORDER_REASON_MAX + 1];
	struct os_error err;

	if (order_json_decode_callback(body, len, &cb, &err) == OS_OK &&
	    (cb.amount_cents < 0 || strlen(cb.idempotency_key) == 0))
		abort();
	if (order_json_decode_cancel(body, len, reason, &err) == OS_OK &&
	    strlen(reason) > ORDER_REASON_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy without a NUL after it, so reads past size are
	 * caught by ASan rather than landing on a terminator. */
	char *body = malloc(size ? size : 1);

	if (body == NULL)
		return 0;
	if (size)
		memcpy(body, data, size);
	fuzz_create(body, size);
	fuzz_bulk(body, size);
	fuzz_callback(body, size);
	free(body);
	return 0;
}
