/* The order views (infrastructure/http/order_view_json.c): an order (in its
 * envelope, and with a webhook's origin), its history and its events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/envelope_json.h"
#include "infrastructure/http/order_view_json.h"
#include "tests/support/test_main.h"

#define KEY "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b"

static void sample_order(struct order *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(uuid_parse(KEY, strlen(KEY), &o->id), OS_OK);
	snprintf(o->user_id, sizeof(o->user_id), "user\"1");
	o->status = ORDER_PAID;
	o->amount_cents = 35000;
	snprintf(o->currency, sizeof(o->currency), "RUB");
	o->created_at_us = INT64_C(1700000000123456);
	o->updated_at_us = INT64_C(1700000001000000);
	o->item_count = 1;
	snprintf(o->items[0].item_id, sizeof(o->items[0].item_id), "sku-1");
	snprintf(o->items[0].name, sizeof(o->items[0].name), "Tea");
	o->items[0].quantity = 2;
	o->items[0].unit_price_cents = 17500;
}

static void test_encode_order(void **state)
{
	struct order o;
	struct sbuf sb;

	(void)state;
	sample_order(&o);
	sbuf_init(&sb, 1 << 16);
	order_json_envelope_begin(&sb);
	order_json_order(&sb, &o);
	order_json_envelope_end(&sb, "rid-1", "\"next_after\":null");
	assert_true(sbuf_ok(&sb));
	assert_string_equal(
	    sb.buf, "{\"data\":{\"id\":\"" KEY "\",\"user_id\":\"user\\\"1\",\"status\":\"paid\","
		    "\"amount\":\"350.00\",\"currency\":\"RUB\",\"items\":[{\"item_id\":\"sku-1\","
		    "\"name\":\"Tea\",\"quantity\":2,\"unit_price\":\"175.00\"}],"
		    "\"customer\":null,\"shipping_address\":null,\"external_ref\":null,"
		    "\"source\":\"api\","
		    "\"created_at\":\"2023-11-14T22:13:20.123Z\",\"updated_at\":\"2023-11-14T22:13:"
		    "21.000Z\"},"
		    "\"meta\":{\"request_id\":\"rid-1\",\"next_after\":null},\"errors\":[]}");
	sbuf_release(&sb);
}

/* A webhook order shows its customer, address, reference and source. */
static void test_encode_order_origin(void **state)
{
	struct order o;
	struct sbuf sb;

	(void)state;
	sample_order(&o);
	o.source = ORDER_SOURCE_WEBHOOK;
	snprintf(o.customer.name, sizeof(o.customer.name), "Ann \"A\"");
	snprintf(o.customer.email, sizeof(o.customer.email), "ann@example.com");
	snprintf(o.shipping_address, sizeof(o.shipping_address), "1 Main St\nTown");
	snprintf(o.external_ref, sizeof(o.external_ref), "shop-42");
	sbuf_init(&sb, 1 << 16);
	order_json_order(&sb, &o);
	assert_true(sbuf_ok(&sb));
	assert_non_null(strstr(sb.buf, "\"customer\":{\"name\":\"Ann \\\"A\\\"\","
				       "\"email\":\"ann@example.com\"},"
				       "\"shipping_address\":\"1 Main St\\nTown\","
				       "\"external_ref\":\"shop-42\",\"source\":\"webhook\""));
	sbuf_release(&sb);
}

static void test_encode_history(void **state)
{
	struct order_history_entry h[2];
	struct sbuf sb;

	(void)state;
	memset(h, 0, sizeof(h));
	h[0].to = ORDER_NEW;
	snprintf(h[0].reason, sizeof(h[0].reason), "created");
	h[0].at_us = 0;
	h[1].has_from = true;
	h[1].from = ORDER_NEW;
	h[1].to = ORDER_CANCELLED;
	snprintf(h[1].reason, sizeof(h[1].reason), "cancel");
	h[1].at_us = 1000;
	sbuf_init(&sb, 4096);
	order_json_history(&sb, h, 2);
	assert_string_equal(sb.buf, "[{\"from\":null,\"to\":\"new\",\"reason\":\"created\","
				    "\"at\":\"1970-01-01T00:00:00.000Z\"},{\"from\":\"new\","
				    "\"to\":\"cancelled\",\"reason\":\"cancel\","
				    "\"at\":\"1970-01-01T00:00:00.001Z\"}]");
	sbuf_release(&sb);
}

static void test_events_encoding(void **state)
{
	struct order_event_row e[2];
	struct sbuf sb;

	(void)state;
	memset(e, 0, sizeof(e));
	assert_int_equal(uuid_parse(KEY, UUID_STR_LEN, &e[0].event_id), OS_OK);
	snprintf(e[0].type, sizeof(e[0].type), "payment.requested");
	snprintf(e[0].destination, sizeof(e[0].destination), "payments");
	snprintf(e[0].status, sizeof(e[0].status), "sent");
	e[0].attempts = 1;
	e[0].created_at_us = 0;
	e[0].has_sent_at = true;
	e[0].sent_at_us = 1000;
	e[1] = e[0];
	snprintf(e[1].status, sizeof(e[1].status), "pending");
	e[1].has_sent_at = false;
	sbuf_init(&sb, 4096);
	order_json_events(&sb, e, 2);
	assert_string_equal(
	    sb.buf, "[{\"event_id\":\"" KEY "\",\"type\":\"payment.requested\",\"destination\":"
		    "\"payments\",\"status\":\"sent\",\"attempts\":1,\"created_at\":"
		    "\"1970-01-01T00:00:00.000Z\",\"sent_at\":\"1970-01-01T00:00:00.001Z\"},"
		    "{\"event_id\":\"" KEY "\",\"type\":\"payment.requested\",\"destination\":"
		    "\"payments\",\"status\":\"pending\",\"attempts\":1,\"created_at\":"
		    "\"1970-01-01T00:00:00.000Z\",\"sent_at\":null}]");
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_encode_order),
    cmocka_unit_test(test_encode_order_origin),
    cmocka_unit_test(test_encode_history),
    cmocka_unit_test(test_events_encoding),
};

TEST_MAIN(tests, NULL, NULL);
