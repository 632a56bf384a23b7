/*
 * The codec of the ingress webhook (infrastructure/http/ingress_json.c):
 * the webhook body (numbers or strings for ids and prices, every field
 * bounded and named on failure) and the answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/ingress_json.h"
#include "tests/support/test_main.h"

#define KEY "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b"

static enum os_status ingress(const char *body, struct order_ingress_request *out,
			      struct os_error *err)
{
	os_error_clear(err);
	return ingress_json_decode(body, strlen(body), out, err);
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
	    {"{\"order_id\":\"x\",\"items\":[],\"total\":1}", "customer"},
	    {"{\"order_id\":\"x\",\"customer\":{\"email\":\"a@b\"},\"items\":[],\"total\":1}",
	     "customer.name"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\"},\"items\":[],\"total\":1}",
	     "customer.email"},
	    {"{\"order_id\":\"x\",\"customer\":{\"name\":\"A\",\"email\":\"a@b\"},\"items\":[{"
	     "\"name\":\"b\",\"quantity\":1,\"unit_price\":1}],\"total\":1}",
	     "items[0].sku"},
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

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ingress_body),
    cmocka_unit_test(test_ingress_refusals),
    cmocka_unit_test(test_ingress_answer),
};

TEST_MAIN(tests, NULL, NULL);
