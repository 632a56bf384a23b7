/*
 * Decoding of the shipping service's events (DESIGN §8): a JSON object
 * {"event_id", "event_type", "order_id", "occurred_at", ...} whose type is
 * order.shipped, order.delivered or shipping.failed. Pure: no I/O, no Kafka,
 * so it can be fuzzed on its own.
 */
#ifndef OS_SHIPPING_EVENT_H
#define OS_SHIPPING_EVENT_H

#include <stddef.h>

#include "app/inbox_port.h"
#include "domain/status.h"

/*
 * Decodes value[0..len) (value may be NULL: a null Kafka value). On success
 * fills out->message_id, type, order_id and has_order_id, and points
 * out->payload at value (borrowed); other fields are left alone. On failure
 * returns OS_EINVAL or OS_ETOOBIG with the reason in err (field names the
 * offending JSON field when there is one) and leaves out untouched.
 */
enum os_status shipping_event_decode(const char *value, size_t len, struct inbox_msg *out,
				     struct os_error *err);

#endif
