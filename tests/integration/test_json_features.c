/*
 * The codecs of the order origin, the ingress webhook and the inventory
 * routes: a create body with customer and shipping address, the webhook
 * body (numbers or strings for ids and prices, every field bounded and
 * named on failure), the inventory PUT and adjust bodies, and the answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/ingress_json.h"
#include "infrastructure/http/inventory_json.h"
#include "infrastructure/http/order_create_json.h"
#include "infrastructure/http/order_view_json.h"

#define KEY "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b"

static enum os_status create(const char *body, struct order_create_request *out,
			     struct os_error *err)
{
	os_error_clear(err);
	return order_json_decode_create(body, strlen(body), NULL, 0, out, err);
}

static enum os_status ingress(const char *body, struct order_ingress_request *out,
			      struct os_error *err)
{
	os_error_clear(err);
	return ingress_json_decode(body, strlen(body), out, err);
}

static void test_create_with_customer(void **state)
{
	struct order_create_request r;
	struct os_error err;

	(void)state;
	assert_int_equal(create("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
				"\"items\":[{\"item_id\":\"a\",\"quantity\":1}],"
				"\"customer\":{\"name\":\"Ann\",\"email\":\"a@b.c\"},"
				"\"shipping_address\":\"1 Main St\\nTown\"}",
				&r, &err),
			 OS_OK);
	assert_string_equal(r.customer.name, "Ann");
	assert_string_equal(r.customer.email, "a@b.c");
	assert_string_equal(r.shipping_address, "1 Main St\nTown");
	assert_int_equal(create("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
				"\"item_id\":\"a\",\"quantity\":1,\"customer\":null,"
				"\"shipping_address\":null}",
				&r, &err),
			 OS_OK);
	assert_string_equal(r.customer.name, "");
	assert_int_equal(create("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
				"\"item_id\":\"a\",\"quantity\":1,\"customer\":{\"name\":\"A\"}}",
				&r, &err),
			 OS_EINVAL);
	assert_string_equal(err.field, "customer.email");
	assert_int_equal(create("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
				"\"item_id\":\"a\",\"quantity\":1,\"customer\":\"Ann\"}",
				&r, &err),
			 OS_EINVAL);
	assert_string_equal(err.field, "customer");
	assert_int_equal(create("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
				"\"item_id\":\"a\",\"quantity\":1,\"shipping_address\":7}",
				&r, &err),
			 OS_EINVAL);
	assert_string_equal(err.field, "shipping_address");
}

static void test_create_address_bound(void **state)
{
	char body[2048], addr[ORDER_ADDRESS_MAX + 2];
	struct order_create_request r;
	struct os_error err;

	(void)state;
	memset(addr, 'x', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	snprintf(body, sizeof(body),
		 "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
		 "\"quantity\":1,\"shipping_address\":\"%s\"}", addr);
	assert_int_equal(create(body, &r, &err), OS_EINVAL);
	assert_string_equal(err.field, "shipping_address");
	addr[ORDER_ADDRESS_MAX] = '\0';
	snprintf(body, sizeof(body),
		 "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
		 "\"quantity\":1,\"shipping_address\":\"%s\"}", addr);
	assert_int_equal(create(body, &r, &err), OS_OK);
}

static void test_ingress_body(void **state)
{
	struct order_ingress_request r;
	struct os_error err;

	(void)state;
	assert_int_equal(ingress("{\"order_id\":4501,\"customer\":{\"name\":\"Ann\",\"email\":"
				 "\"a@b.c\"},\"items\":[{\"sku\":\"tea\",\"name\":\"Tea\","
				 "\"quantity\":2,\"unit_price\":\"12.50\"},{\"sku\":\"cup\","
				 "\"name\":\"Cup\",\"quantity\":1,\"unit_price\":5}],"
				 "\"shipping_address\":\"Main St\",\"total\":30,\"extra\":[1]}",
				 &r, &err),
			 OS_OK);
	assert_string_equal(r.external_ref, "4501");
	assert_int_equal(r.line_count, 2);
	assert_int_equal(r.lines[0].unit_price_cents, 1250);
	assert_int_equal(r.lines[1].unit_price_cents, 500);
	assert_int_equal(r.total_cents, 3000);
	assert_string_equal(r.shipping_address, "Main St");
}

static void test_ingress_refusals(void **state)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
	    {"[]", ""},
	    {"{\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{\"sku\":\"a\",\"name\":"
	     "\"b\",\"quantity\":1,\"unit_price\":1}],\"total\":1}",
	     "order_id"},
	    {"{\"order_id\":1.5,\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[],"
	     "\"total\":1}",
	     "order_id"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[],"
	     "\"total\":1}",
	     "items"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{"
	     "\"sku\":\"a\",\"name\":\"b\",\"quantity\":1}],\"total\":1}",
	     "items[0].unit_price"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{"
	     "\"sku\":\"a\",\"name\":\"b\",\"quantity\":1,\"unit_price\":\"-1\"}],\"total\":1}",
	     "items[0].unit_price"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{"
	     "\"sku\":\"a\",\"name\":\"b\",\"quantity\":\"1\",\"unit_price\":1}],\"total\":1}",
	     "items[0].quantity"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{"
	     "\"sku\":\"a\",\"name\":\"b\",\"quantity\":1,\"unit_price\":1}],\"total\":\"1.001\"}",
	     "total"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{"
	     "\"sku\":\"a\",\"name\":\"b\",\"quantity\":1,\"unit_price\":1}]}",
	     "total"},
	    {"{\"order_id\":\"x\",\"order_id\":\"y\"}", "order_id"},
	};
	struct order_ingress_request r;
	struct os_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ingress(cases[i].body, &r, &err) != OS_EINVAL)
			fail_msg("case %zu accepted: %s", i, cases[i].body);
		if (strcmp(err.field, cases[i].field) != 0)
			fail_msg("case %zu: field \"%s\", want \"%s\" (%s)", i, err.field,
				 cases[i].field, err.message);
	}
}

static void test_ingress_answer(void **state)
{
	struct order o;
	struct sbuf sb;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(uuid_parse(KEY, UUID_STR_LEN, &o.id), OS_OK);
	snprintf(o.external_ref, sizeof(o.external_ref), "shop-1");
	sbuf_init(&sb, 1024);
	ingress_json_answer(&sb, &o);
	assert_string_equal(sb.buf, "{\"ok\":true,\"order_id\":\"shop-1\",\"id\":\"" KEY "\"}");
	sbuf_release(&sb);
}

static void test_inventory_bodies(void **state)
{
	struct inventory_item it;
	struct os_error err;
	struct sbuf sb;
	int64_t delta = 0;
	const char *b;

	(void)state;
	memset(&it, 0, sizeof(it));
	b = "{\"name\":\"Tea\",\"price\":\"3.50\",\"available_qty\":7}";
	assert_int_equal(inventory_json_decode_put(b, strlen(b), &it, &err), OS_OK);
	assert_string_equal(it.name, "Tea");
	assert_int_equal(it.price_cents, 350);
	assert_int_equal(it.available_qty, 7);
	b = "{\"name\":\"Tea\",\"price\":\"3.00\"}";
	assert_int_equal(inventory_json_decode_put(b, strlen(b), &it, &err), OS_EINVAL);
	assert_string_equal(err.field, "available_qty");
	b = "{\"name\":\"Tea\",\"price\":3.5,\"available_qty\":1}";
	assert_int_equal(inventory_json_decode_put(b, strlen(b), &it, &err), OS_EINVAL);
	assert_string_equal(err.field, "price");
	b = "{\"name\":\"Tea\",\"price\":\"x\",\"available_qty\":1}";
	assert_int_equal(inventory_json_decode_put(b, strlen(b), &it, &err), OS_EINVAL);
	assert_string_equal(err.field, "price");
	b = "{\"delta\":-4}";
	assert_int_equal(inventory_json_decode_adjust(b, strlen(b), &delta, &err), OS_OK);
	assert_int_equal(delta, -4);
	b = "{\"delta\":1.5}";
	assert_int_equal(inventory_json_decode_adjust(b, strlen(b), &delta, &err), OS_EINVAL);
	assert_string_equal(err.field, "delta");
	b = "{}";
	assert_int_equal(inventory_json_decode_adjust(b, strlen(b), &delta, &err), OS_EINVAL);
	assert_string_equal(err.field, "delta");
	snprintf(it.item_id, sizeof(it.item_id), "sku-1");
	sbuf_init(&sb, 1024);
	inventory_json_item(&sb, &it);
	assert_string_equal(sb.buf, "{\"item_id\":\"sku-1\",\"name\":\"Tea\",\"price\":\"3.50\","
				    "\"available_qty\":7}");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_with_customer),
	    cmocka_unit_test(test_create_address_bound),
	    cmocka_unit_test(test_ingress_body),
	    cmocka_unit_test(test_ingress_refusals),
	    cmocka_unit_test(test_ingress_answer),
	    cmocka_unit_test(test_inventory_bodies),
	    cmocka_unit_test(test_events_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
