/*
 * The create body's decoder (infrastructure/http/order_create_json.c): every
 * accepted shape (items or one line, the key in the body or the header, a
 * customer and shipping address), the field named by each refusal, the
 * bounds (depth, lengths, item counts, huge numbers) and UTF-8 checking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/sbuf.h"
#include "infrastructure/http/order_create_json.h"
#include "infrastructure/json/json_reader.h"
#include "tests/support/test_main.h"

#define KEY  "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b"
#define KEY2 "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3c"

static enum os_status create(const char *body, struct order_create_request *out,
			     struct os_error *err)
{
	os_error_clear(err);
	return order_json_decode_create(body, strlen(body), NULL, 0, out, err);
}

/* Asserts body is refused with st and field. */
static void refuse(const char *body, enum os_status st, const char *field)
{
	struct order_create_request req;
	struct os_error err;

	assert_int_equal(create(body, &req, &err), st);
	assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
}

/* Asserts body is accepted into out. */
static void accept(const char *body, struct order_create_request *out)
{
	struct os_error err;

	assert_int_equal(create(body, out, &err), OS_OK);
}

static void test_create_items_form(void **state)
{
	struct order_create_request req;
	char key[UUID_STR_LEN + 1];

	(void)state;
	accept("{\"user_id\":\"u1\",\"idempotency_key\":\"" KEY "\","
	       "\"items\":[{\"item_id\":\"a\",\"quantity\":2},"
	       "{\"quantity\":3,\"item_id\":\"b\"}]}",
	       &req);
	assert_string_equal(req.user_id, "u1");
	uuid_format(&req.idempotency_key, key);
	assert_string_equal(key, KEY);
	assert_int_equal(req.line_count, 2);
	assert_string_equal(req.lines[0].item_id, "a");
	assert_int_equal(req.lines[0].quantity, 2);
	assert_string_equal(req.lines[1].item_id, "b");
	assert_int_equal(req.lines[1].quantity, 3);
}

/* Bodies of one line that decode, each with that line. */
static void test_create_one_line_bodies(void **state)
{
	static const struct {
		const char *body;
		const char *item_id;
		int64_t quantity;
	} cases[] = {
	    /* the single form, keys in any order */
	    {"{\"item_id\":\"x-1\",\"quantity\":7,\"user_id\":\"u\","
	     "\"idempotency_key\":\"" KEY "\"}",
	     "x-1", 7},
	    /* unknown keys, nested or not, are ignored */
	    {"{\"extra\":{\"deep\":[1,2,{\"x\":null}]},\"user_id\":\"u\","
	     "\"idempotency_key\":\"" KEY "\",\"note\":true,"
	     "\"items\":[{\"item_id\":\"a\",\"quantity\":1,\"color\":\"red\"}]}",
	     "a", 1},
	    /* range is a business rule (422 from the use case), not a JSON type */
	    {"{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	     "\"items\":[{\"item_id\":\"a\",\"quantity\":-5}]}",
	     "a", -5},
	};
	struct order_create_request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		accept(cases[i].body, &req);
		assert_int_equal(req.line_count, 1);
		assert_string_equal(req.lines[0].item_id, cases[i].item_id);
		assert_int_equal(req.lines[0].quantity, cases[i].quantity);
	}
}

static void test_create_header_key(void **state)
{
	struct order_create_request req;
	struct os_error err;
	const char *nokey = "{\"user_id\":\"u\",\"items\":[{\"item_id\":\"a\",\"quantity\":1}]}";
	const char *withkey = "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
			      "\"items\":[{\"item_id\":\"a\",\"quantity\":1}]}";
	struct uuid want;

	(void)state;
	assert_int_equal(uuid_parse(KEY2, strlen(KEY2), &want), OS_OK);
	assert_int_equal(
	    order_json_decode_create(nokey, strlen(nokey), KEY2, strlen(KEY2), &req, &err), OS_OK);
	assert_true(uuid_equal(&req.idempotency_key, &want));
	/* Same key in both places is fine. */
	assert_int_equal(
	    order_json_decode_create(withkey, strlen(withkey), KEY, strlen(KEY), &req, &err),
	    OS_OK);
	/* Different keys: 422 naming idempotency_key. */
	assert_int_equal(
	    order_json_decode_create(withkey, strlen(withkey), KEY2, strlen(KEY2), &req, &err),
	    OS_EMISMATCH);
	assert_string_equal(err.field, "idempotency_key");
	assert_int_equal(order_json_decode_create(nokey, strlen(nokey), "nope", 4, &req, &err),
			 OS_EINVAL);
	assert_string_equal(err.field, "idempotency_key");
}

static void test_create_required_fields(void **state)
{
	(void)state;
	refuse("{\"idempotency_key\":\"" KEY "\",\"items\":[{\"item_id\":\"a\",\"quantity\":1}]}",
	       OS_EINVAL, "user_id");
	refuse("{\"user_id\":\"u\",\"items\":[{\"item_id\":\"a\",\"quantity\":1}]}", OS_EINVAL,
	       "idempotency_key");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\"}", OS_EINVAL, "items");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":[]}", OS_EINVAL,
	       "items");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY
	       "\",\"items\":[{\"item_id\":\"a\"}]}",
	       OS_EINVAL, "items[0].quantity");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":[{\"item_id\":\"a\","
	       "\"quantity\":1},{\"quantity\":1}]}",
	       OS_EINVAL, "items[1].item_id");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\"}", OS_EINVAL,
	       "quantity");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"quantity\":1}", OS_EINVAL,
	       "item_id");
}

static void test_create_both_forms(void **state)
{
	(void)state;
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY
	       "\",\"item_id\":\"a\",\"quantity\":1,"
	       "\"items\":[{\"item_id\":\"a\",\"quantity\":1}]}",
	       OS_EINVAL, "items");
}

static void test_create_wrong_types(void **state)
{
	const char *pre = "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":[";
	char body[512];
	static const char *const bad_qty[] = {"1.5",  "2.05", "1e-1", "\"3\"",
					      "true", "null", "[1]",  "{}"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_qty) / sizeof(bad_qty[0]); i++) {
		snprintf(
		    body, sizeof(body),
		    "%s{\"item_id\":\"a\",\"quantity\":1},{\"item_id\":\"b\",\"quantity\":%s}]}",
		    pre, bad_qty[i]);
		refuse(body, OS_EINVAL, "items[1].quantity");
	}
	refuse("{\"user_id\":5,\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\",\"quantity\":1}",
	       OS_EINVAL, "user_id");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":7,\"quantity\":1}",
	       OS_EINVAL, "item_id");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":{}}", OS_EINVAL,
	       "items");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":[5]}", OS_EINVAL,
	       "items[0]");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"not-a-uuid\",\"items\":[]}", OS_EINVAL,
	       "idempotency_key");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":42,\"items\":[]}", OS_EINVAL,
	       "idempotency_key");
	refuse("[1,2]", OS_EINVAL, "");
	refuse("\"hello\"", OS_EINVAL, "");
	refuse("null", OS_EINVAL, "");
}

/* JSON Schema's integer is a whole number however it is spelt. */
static void test_create_whole_numbers(void **state)
{
	static const char *const spelt[] = {"2.0", "2.000", "0.2e1", "2E0", "20e-1", "200E-2"};
	struct order_create_request req;
	char body[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(spelt) / sizeof(spelt[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY
			 "\",\"item_id\":\"a\",\"quantity\":%s}",
			 spelt[i]);
		accept(body, &req);
		assert_int_equal(req.lines[0].quantity, 2);
	}
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":1e400}",
	       OS_EINVAL, "quantity");
}

static void test_create_huge_numbers(void **state)
{
	(void)state;
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":99999999999999999999999999}",
	       OS_EINVAL, "quantity");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":-9223372036854775809}",
	       OS_EINVAL, "quantity");
}

static void test_create_syntax(void **state)
{
	struct order_create_request req;
	struct os_error err;

	(void)state;
	refuse("", OS_EINVAL, "");
	refuse("{", OS_EINVAL, "");
	refuse("{\"user_id\":\"u\",}", OS_EINVAL, "");
	refuse("{\"user_id\":'u'}", OS_EINVAL, "");
	/* Trailing garbage after a complete document. */
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY
	       "\",\"item_id\":\"a\",\"quantity\":1}"
	       " {}",
	       OS_EINVAL, "");
	refuse("{\"user_id\":\"u\"} x", OS_EINVAL, "");
	/* Not NUL-terminated input: only len bytes are read. */
	assert_int_equal(order_json_decode_create("{}garbage", 2, NULL, 0, &req, &err), OS_EINVAL);
	assert_string_equal(err.field, "user_id");
}

static void test_create_utf8(void **state)
{
	(void)state;
	/* Invalid UTF-8 inside a string, known or unknown key. */
	refuse("{\"user_id\":\"u\xff\xfe\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":1}",
	       OS_EINVAL, "");
	refuse("{\"note\":\"\xc3\x28\",\"user_id\":\"u\"}", OS_EINVAL, "");
	/* An escaped NUL cannot sit in a C string id: the strict UTF-8 check
	 * refuses it (and lone surrogate escapes, and overlongs) before any
	 * field is read. */
	refuse("{\"user_id\":\"a\\u0000b\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":1}",
	       OS_EINVAL, "");
	refuse("{\"user_id\":\"u\\ud800x\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":1}",
	       OS_EINVAL, "");
	refuse("{\"user_id\":\"u\xc0\xafx\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
	       "\"quantity\":1}",
	       OS_EINVAL, "");
}

static void test_create_valid_utf8_passes_to_use_case(void **state)
{
	struct order_create_request req;

	(void)state;
	accept("{\"user_id\":\"\xc3\xa9t\xc3\xa9\",\"idempotency_key\":\"" KEY
	       "\",\"item_id\":\"a\",\"quantity\":1}",
	       &req);
	assert_string_equal(req.user_id, "\xc3\xa9t\xc3\xa9");
}

/* The body of fmt with its one %s a run of max + 1 'x' is refused, naming
 * field; with max 'x' it is accepted into out. */
static void string_bound(const char *fmt, size_t max, const char *field,
			 struct order_create_request *out)
{
	char body[2048], text[ORDER_ADDRESS_MAX + 2];

	assert_true(max + 2 <= sizeof(text));
	memset(text, 'x', max + 1);
	text[max + 1] = '\0';
	snprintf(body, sizeof(body), fmt, text);
	refuse(body, OS_EINVAL, field);
	text[max] = '\0';
	snprintf(body, sizeof(body), fmt, text);
	accept(body, out);
}

static void test_create_string_bounds(void **state)
{
	struct order_create_request req;

	(void)state;
	string_bound("{\"user_id\":\"%s\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
		     "\"quantity\":1}",
		     ORDER_USER_ID_MAX, "user_id", &req);
	assert_int_equal(strlen(req.user_id), ORDER_USER_ID_MAX);
	string_bound("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY
		     "\",\"items\":[{\"item_id\":\"%s\","
		     "\"quantity\":1}]}",
		     ORDER_ITEM_ID_MAX, "items[0].item_id", &req);
	assert_int_equal(strlen(req.lines[0].item_id), ORDER_ITEM_ID_MAX);
	string_bound("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
		     "\"quantity\":1,\"shipping_address\":\"%s\"}",
		     ORDER_ADDRESS_MAX, "shipping_address", &req);
	assert_int_equal(strlen(req.shipping_address), ORDER_ADDRESS_MAX);
}

/* A create body with n lines. Caller frees. */
static char *body_with_items(size_t n)
{
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb, 1 << 20);
	sbuf_adds(&sb, "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":[");
	for (i = 0; i < n; i++)
		sbuf_addf(&sb, "%s{\"item_id\":\"i%zu\",\"quantity\":1}", i ? "," : "", i);
	sbuf_adds(&sb, "]}");
	return sbuf_detach(&sb, NULL);
}

static void test_create_item_count(void **state)
{
	struct order_create_request req;
	char *ok = body_with_items(ORDER_MAX_ITEMS);
	char *over = body_with_items(ORDER_MAX_ITEMS + 1);

	(void)state;
	accept(ok, &req);
	assert_int_equal(req.line_count, ORDER_MAX_ITEMS);
	assert_string_equal(req.lines[ORDER_MAX_ITEMS - 1].item_id, "i49");
	refuse(over, OS_EINVAL, "items");
	free(ok);
	free(over);
}

static void test_create_depth(void **state)
{
	char body[256];
	int i, at = 0;

	(void)state;
	/* Depth 8 inside an ignored key is fine; 9 is not. */
	at = snprintf(body, sizeof(body), "{\"x\":");
	for (i = 0; i < 7; i++)
		body[at++] = '[';
	for (i = 0; i < 7; i++)
		body[at++] = ']';
	snprintf(body + at, sizeof(body) - (size_t)at,
		 ",\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"item_id\":\"a\","
		 "\"quantity\":1}");
	{
		struct order_create_request req;

		accept(body, &req);
	}
	at = snprintf(body, sizeof(body), "{\"x\":");
	for (i = 0; i < 8; i++)
		body[at++] = '[';
	for (i = 0; i < 8; i++)
		body[at++] = ']';
	snprintf(body + at, sizeof(body) - (size_t)at, "}");
	refuse(body, OS_EINVAL, "");
}

static void test_create_very_deep_nesting(void **state)
{
	size_t n = 100000, i;
	char *body = malloc(2 * n + 1);

	(void)state;
	assert_non_null(body);
	for (i = 0; i < n; i++) {
		body[i] = '[';
		body[n + i] = ']';
	}
	body[2 * n] = '\0';
	refuse(body, OS_EINVAL, "");
	free(body);
}

static void test_create_duplicate_keys(void **state)
{
	(void)state;
	refuse("{\"user_id\":\"u\",\"user_id\":\"v\",\"idempotency_key\":\"" KEY "\","
	       "\"item_id\":\"a\",\"quantity\":1}",
	       OS_EINVAL, "user_id");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\",\"items\":[{\"item_id\":\"a\","
	       "\"quantity\":1,\"quantity\":2}]}",
	       OS_EINVAL, "items[0].quantity");
}

static void test_create_key_count_bound(void **state)
{
	struct sbuf sb;
	char *body;
	int i;

	(void)state;
	sbuf_init(&sb, 1 << 20);
	sbuf_adds(&sb, "{");
	for (i = 0; i < 300; i++)
		sbuf_addf(&sb, "\"k%d\":1,", i);
	sbuf_adds(&sb, "\"user_id\":\"u\"}");
	body = sbuf_detach(&sb, NULL);
	refuse(body, OS_EINVAL, "");
	free(body);
}

static void test_create_with_customer(void **state)
{
	struct order_create_request r;

	(void)state;
	accept("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	       "\"items\":[{\"item_id\":\"a\",\"quantity\":1}],"
	       "\"customer\":{\"name\":\"Ann\",\"email\":\"a@b.c\"},"
	       "\"shipping_address\":\"1 Main St\\nTown\"}",
	       &r);
	assert_string_equal(r.customer.name, "Ann");
	assert_string_equal(r.customer.email, "a@b.c");
	assert_string_equal(r.shipping_address, "1 Main St\nTown");
	accept("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	       "\"item_id\":\"a\",\"quantity\":1,\"customer\":null,"
	       "\"shipping_address\":null}",
	       &r);
	assert_string_equal(r.customer.name, "");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	       "\"item_id\":\"a\",\"quantity\":1,\"customer\":{\"name\":\"A\"}}",
	       OS_EINVAL, "customer.email");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	       "\"item_id\":\"a\",\"quantity\":1,\"customer\":{\"email\":\"a@b\"}}",
	       OS_EINVAL, "customer.name");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	       "\"item_id\":\"a\",\"quantity\":1,\"customer\":\"Ann\"}",
	       OS_EINVAL, "customer");
	refuse("{\"user_id\":\"u\",\"idempotency_key\":\"" KEY "\","
	       "\"item_id\":\"a\",\"quantity\":1,\"shipping_address\":7}",
	       OS_EINVAL, "shipping_address");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_create_items_form),
    cmocka_unit_test(test_create_one_line_bodies),
    cmocka_unit_test(test_create_header_key),
    cmocka_unit_test(test_create_required_fields),
    cmocka_unit_test(test_create_both_forms),
    cmocka_unit_test(test_create_wrong_types),
    cmocka_unit_test(test_create_whole_numbers),
    cmocka_unit_test(test_create_huge_numbers),
    cmocka_unit_test(test_create_syntax),
    cmocka_unit_test(test_create_utf8),
    cmocka_unit_test(test_create_valid_utf8_passes_to_use_case),
    cmocka_unit_test(test_create_string_bounds),
    cmocka_unit_test(test_create_item_count),
    cmocka_unit_test(test_create_depth),
    cmocka_unit_test(test_create_very_deep_nesting),
    cmocka_unit_test(test_create_duplicate_keys),
    cmocka_unit_test(test_create_key_count_bound),
    cmocka_unit_test(test_create_with_customer),
};

TEST_MAIN(tests, NULL, NULL);
