/*
 * Integration tests of the HTTP catalog client (infrastructure/httpclient/
 * http_catalog.c) against the loopback fake server: a good item in both
 * price forms, unknown items, and every way a catalog answer can be broken,
 * which must read as "unavailable" and never as "not found".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/httpclient/http_catalog.h"
#include "tests/support/fake_http.h"
#include "tests/support/test_main.h"

struct t_ctx {
	struct fake_http *srv;
	struct catalog cat;
};

static int t_setup(void **state)
{
	struct t_ctx *t = calloc(1, sizeof(*t));
	struct http_catalog_options o = {NULL, 500};
	char url[128];

	if (t == NULL)
		return -1;
	t->srv = fake_http_start(NULL, NULL);
	if (t->srv == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s/items/", fake_http_url(t->srv));
	o.base_url = url;
	if (http_catalog_open(&o, &t->cat, NULL) != OS_OK)
		return -1;
	*state = t;
	return 0;
}

static int t_teardown(void **state)
{
	struct t_ctx *t = *state;

	http_catalog_close(&t->cat);
	fake_http_stop(t->srv);
	free(t);
	return 0;
}

static enum os_status t_get(struct t_ctx *t, const char *body, struct catalog_item *out)
{
	struct os_error err;

	fake_http_respond(t->srv, 200, body, 0);
	return catalog_get(&t->cat, "sku-1", out, &err);
}

static void test_valid_item_with_string_price(void **state)
{
	struct t_ctx *t = *state;
	struct catalog_item it;
	const struct fake_http_request *req;

	assert_int_equal(t_get(t,
			       "{\"id\":\"sku-1\",\"name\":\"Widget\",\"price\":\"350.00\","
			       "\"available_qty\":7}",
			       &it),
			 OS_OK);
	assert_string_equal(it.name, "Widget");
	assert_int_equal(it.price_cents, 35000);
	assert_int_equal(it.available_qty, 7);
	req = fake_http_request(t->srv, 0);
	assert_non_null(req);
	assert_string_equal(req->method, "GET");
	assert_string_equal(req->path, "/items/sku-1");
}

static void test_price_as_number(void **state)
{
	struct t_ctx *t = *state;
	struct catalog_item it;

	assert_int_equal(
	    t_get(t, "{\"id\":1,\"name\":\"W\",\"price\":12.5,\"available_qty\":0}", &it), OS_OK);
	assert_int_equal(it.price_cents, 1250);
	assert_int_equal(it.available_qty, 0);
	assert_int_equal(
	    t_get(t, "{\"id\":1,\"name\":\"W\",\"price\":99,\"available_qty\":3}", &it), OS_OK);
	assert_int_equal(it.price_cents, 9900);
}

static void test_item_id_is_escaped(void **state)
{
	struct t_ctx *t = *state;
	struct catalog_item it;

	fake_http_respond(t->srv, 404, "{}", 0);
	assert_int_equal(catalog_get(&t->cat, "a b/c?d", &it, NULL), OS_ENOTFOUND);
	assert_string_equal(fake_http_request(t->srv, 0)->path, "/items/a%20b%2Fc%3Fd");
}

static void test_not_found(void **state)
{
	struct t_ctx *t = *state;
	struct catalog_item it = {.price_cents = -7};
	struct os_error err;

	fake_http_respond(t->srv, 404, "{\"error\":\"no such item\"}", 0);
	assert_int_equal(catalog_get(&t->cat, "nope", &it, &err), OS_ENOTFOUND);
	assert_int_equal(it.price_cents, -7); /* untouched on failure */
}

static void test_server_errors_are_unavailable(void **state)
{
	struct t_ctx *t = *state;
	static const int codes[] = {500, 503, 400, 401, 302, 204};
	struct catalog_item it;
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		fake_http_respond(t->srv, codes[i],
				  "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\","
				  "\"available_qty\":1}",
				  0);
		assert_int_equal(catalog_get(&t->cat, "sku-1", &it, NULL), OS_EUNAVAIL);
	}
}

static void test_timeout_is_unavailable(void **state)
{
	struct t_ctx *t = *state;
	struct catalog_item it;
	struct os_error err;

	fake_http_respond(t->srv, 200, "{}", 3000); /* client timeout is 500 ms */
	assert_int_equal(catalog_get(&t->cat, "sku-1", &it, &err), OS_EUNAVAIL);
	assert_non_null(strstr(err.message, "timeout"));
}

static void test_unreachable_is_unavailable(void **state)
{
	struct t_ctx *t = *state;
	struct fake_http *gone = fake_http_start(NULL, NULL);
	struct http_catalog_options o = {NULL, 500};
	struct catalog c;
	struct catalog_item it;

	(void)t;
	assert_non_null(gone);
	o.base_url = fake_http_url(gone);
	assert_int_equal(http_catalog_open(&o, &c, NULL), OS_OK);
	fake_http_stop(gone);
	assert_int_equal(catalog_get(&c, "sku-1", &it, NULL), OS_EUNAVAIL);
	http_catalog_close(&c);
}

static void test_huge_body_is_unavailable(void **state)
{
	struct t_ctx *t = *state;
	size_t n = 100 * 1024;
	char *body = malloc(n + 1);
	const char *item = "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":1}";
	struct catalog_item it;

	/* A valid item followed by padding past the limit. */
	assert_non_null(body);
	memset(body, ' ', n);
	memcpy(body, item, strlen(item));
	body[n] = '\0';
	assert_int_equal(t_get(t, body, &it), OS_EUNAVAIL);
	free(body);
}

static void test_malformed_answers_are_unavailable(void **state)
{
	struct t_ctx *t = *state;
	static const char *bodies[] = {
	    "garbage",
	    "",
	    "[1,2,3]",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\"",
	    "{\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"price\":\"1.00\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":5,\"price\":\"1.00\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"\",\"price\":\"1.00\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"abc\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"-1.00\",\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":-1,\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":1.234,\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":1e3,\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":true,\"available_qty\":1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":-1}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":1.5}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":\"1\"}",
	    "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":"
	    "99999999999999999999999}",
	    "{\"id\":\"x\",\"name\":\"a\\u0001b\",\"price\":\"1.00\",\"available_qty\":1}",
	    "{\"id\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]],\"name\":\"W\",\"price\":\"1.00\",\"available_qty\":1}",
	};
	struct catalog_item it;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		print_message("body %zu\n", i);
		assert_int_equal(t_get(t, bodies[i], &it), OS_EUNAVAIL);
	}
}

static void test_name_too_long_is_unavailable(void **state)
{
	struct t_ctx *t = *state;
	char name[ORDER_ITEM_NAME_MAX + 2], body[512];
	struct catalog_item it;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(body, sizeof(body),
		 "{\"id\":\"x\",\"name\":\"%s\",\"price\":\"1.00\",\"available_qty\":1}", name);
	assert_int_equal(t_get(t, body, &it), OS_EUNAVAIL);
	name[ORDER_ITEM_NAME_MAX] = '\0'; /* exactly at the limit is fine */
	snprintf(body, sizeof(body),
		 "{\"id\":\"x\",\"name\":\"%s\",\"price\":\"1.00\",\"available_qty\":1}", name);
	assert_int_equal(t_get(t, body, &it), OS_OK);
	assert_int_equal(strlen(it.name), ORDER_ITEM_NAME_MAX);
}

static void test_connection_is_kept_alive(void **state)
{
	struct t_ctx *t = *state;
	struct catalog_item it;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(t_get(t,
				       "{\"id\":\"x\",\"name\":\"W\",\"price\":\"1.00\","
				       "\"available_qty\":1}",
				       &it),
				 OS_OK);
	assert_int_equal(fake_http_request_count(t->srv), 3);
	assert_int_equal(fake_http_connection_count(t->srv), 1);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_valid_item_with_string_price),
    TEST(test_price_as_number),
    TEST(test_item_id_is_escaped),
    TEST(test_not_found),
    TEST(test_server_errors_are_unavailable),
    TEST(test_timeout_is_unavailable),
    TEST(test_unreachable_is_unavailable),
    TEST(test_huge_body_is_unavailable),
    TEST(test_malformed_answers_are_unavailable),
    TEST(test_name_too_long_is_unavailable),
    TEST(test_connection_is_kept_alive),
};

TEST_MAIN(tests, NULL, NULL);
