/* An order's lines and customer as JSON members, as payloads and the API
 * write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/order_json_members.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

/* Writes what member writes into an object of its own: {...}. */
static void written(const struct order *o,
		    void (*member)(struct json_writer *w, const struct order *o, bool flag),
		    bool flag, char *out, size_t cap)
{
	struct sbuf sb;
	struct json_writer w;

	sbuf_init(&sb, 4096);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	member(&w, o, flag);
	json_write_end(&w);
	assert_true(json_write_ok(&w));
	assert_true(sb.len < cap);
	snprintf(out, cap, "%s", sb.buf);
	sbuf_release(&sb);
}

static void test_items(void **state)
{
	struct order o;
	char out[512];

	(void)state;
	fake_order_sample(&o, 1, ORDER_NEW, FAKE_NOW_US);
	o.items[1].unit_price_cents = 5;
	written(&o, order_json_items, true, out, sizeof(out));
	assert_string_equal(out,
			    "{\"items\":[{\"item_id\":\"sku-1\",\"name\":\"Widget\",\"quantity\":2,"
			    "\"unit_price\":\"100.00\"},{\"item_id\":\"sku-2\",\"name\":"
			    "\"Gadget \\\"Pro\\\"\",\"quantity\":1,\"unit_price\":\"0.05\"}]}");
	written(&o, order_json_items, false, out, sizeof(out));
	assert_string_equal(out, "{\"items\":[{\"item_id\":\"sku-1\",\"quantity\":2},"
				 "{\"item_id\":\"sku-2\",\"quantity\":1}]}");
}

/* A count past the array writes the lines there are, never past them. */
static void test_items_bounded(void **state)
{
	struct order o;
	char out[4096];
	size_t objects = 0;
	const char *p;

	(void)state;
	memset(&o, 0, sizeof(o));
	written(&o, order_json_items, true, out, sizeof(out));
	assert_string_equal(out, "{\"items\":[]}");
	o.item_count = ORDER_MAX_ITEMS + 5;
	written(&o, order_json_items, false, out, sizeof(out));
	for (p = out; (p = strstr(p, "{\"item_id\"")) != NULL; p++)
		objects++;
	assert_int_equal(objects, ORDER_MAX_ITEMS);
}

static void test_customer(void **state)
{
	struct order o;
	char out[256];

	(void)state;
	memset(&o, 0, sizeof(o));
	written(&o, order_json_customer, false, out, sizeof(out));
	assert_string_equal(out, "{}");
	written(&o, order_json_customer, true, out, sizeof(out));
	assert_string_equal(out, "{\"customer\":null}");
	snprintf(o.customer.name, sizeof(o.customer.name), "Ann");
	snprintf(o.customer.email, sizeof(o.customer.email), "ann@example.com");
	written(&o, order_json_customer, false, out, sizeof(out));
	assert_string_equal(out, "{\"customer\":{\"name\":\"Ann\",\"email\":\"ann@example.com\"}}");
	written(&o, order_json_customer, true, out, sizeof(out));
	assert_string_equal(out, "{\"customer\":{\"name\":\"Ann\",\"email\":\"ann@example.com\"}}");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_items),
    cmocka_unit_test(test_items_bounded),
    cmocka_unit_test(test_customer),
};

TEST_MAIN(tests, NULL, NULL);
