/*
 * Fuzz target for the decoder of shipping events read from Kafka: whatever
 * the bytes, it must never crash, and a success must name a known type, a
 * bounded message id and an order id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infrastructure/kafka/shipping_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int known_type(const char *t)
{
	return strcmp(t, INBOX_TYPE_SHIPPED) == 0 || strcmp(t, INBOX_TYPE_DELIVERED) == 0 ||
	       strcmp(t, INBOX_TYPE_SHIPPING_FAILED) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inbox_msg msg;
	struct os_error err;

	memset(&msg, 0, sizeof(msg));
	if (shipping_event_decode((const char *)data, size, &msg, &err) != OS_OK)
		return 0;
	if (!known_type(msg.type) || !msg.has_order_id || msg.message_id[0] == '\0' ||
	    strlen(msg.message_id) > INBOX_MESSAGE_ID_MAX || msg.payload != (const char *)data)
		abort();
	return 0;
}
