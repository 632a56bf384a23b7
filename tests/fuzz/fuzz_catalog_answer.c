/*
 * Fuzz target for the decoder of the catalog service's answers
 * (http_catalog_decode): whatever the bytes, it must never crash, and a
 * success must hold a bounded, printable name and non-negative amounts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infrastructure/httpclient/http_catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog_item item;
	struct os_error err;
	char *body;
	size_t i, n;

	if (size > HTTP_CATALOG_BODY_MAX)
		return 0; /* the client refuses longer answers before decoding */
	body = malloc(size + 1);
	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	if (http_catalog_decode(body, size, &item, &err) == OS_OK) {
		n = strlen(item.name);
		if (n == 0 || n > ORDER_ITEM_NAME_MAX || item.price_cents < 0 ||
		    item.available_qty < 0)
			abort();
		for (i = 0; i < n; i++)
			if ((unsigned char)item.name[i] < 0x20)
				abort();
	}
	free(body);
	return 0;
}
