/*
 * The codec of the inventory routes (infrastructure/http/inventory_json.c):
 * the PUT and adjust bodies, each refusal naming its field, and an item's
 * answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/inventory_json.h"
#include "tests/support/test_main.h"

/* Asserts the PUT body is refused, naming field. */
static void put_refused(const char *body, const char *field)
{
	struct inventory_item it;
	struct os_error err;

	memset(&it, 0, sizeof(it));
	assert_int_equal(inventory_json_decode_put(body, strlen(body), &it, &err), OS_EINVAL);
	assert_string_equal(err.field, field);
}

/* Asserts the adjust body is refused, naming field. */
static void adjust_refused(const char *body, const char *field)
{
	struct os_error err;
	int64_t delta = 0;

	assert_int_equal(inventory_json_decode_adjust(body, strlen(body), &delta, &err), OS_EINVAL);
	assert_string_equal(err.field, field);
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
	put_refused("{\"name\":\"Tea\",\"price\":\"3.00\"}", "available_qty");
	put_refused("{\"name\":\"Tea\",\"price\":3.5,\"available_qty\":1}", "price");
	put_refused("{\"name\":\"Tea\",\"price\":\"x\",\"available_qty\":1}", "price");
	b = "{\"delta\":-4}";
	assert_int_equal(inventory_json_decode_adjust(b, strlen(b), &delta, &err), OS_OK);
	assert_int_equal(delta, -4);
	adjust_refused("{\"delta\":1.5}", "delta");
	adjust_refused("{}", "delta");
	snprintf(it.item_id, sizeof(it.item_id), "sku-1");
	sbuf_init(&sb, 1024);
	inventory_json_item(&sb, &it);
	assert_string_equal(sb.buf, "{\"item_id\":\"sku-1\",\"name\":\"Tea\",\"price\":\"3.50\","
				    "\"available_qty\":7}");
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_inventory_bodies),
};

TEST_MAIN(tests, NULL, NULL);
