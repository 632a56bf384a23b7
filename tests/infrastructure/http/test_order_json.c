/*
 * The JSON codecs of the orders API (infrastructure/http/order_*_json.c,
 * callback_json.c, dead_letter_json.c, envelope_json.c) and the reader's
 * limits (infrastructure/json/json_reader.c): every accepted shape of the
 * create (with customer and shipping address), bulk, callback and cancel bodies, the field named by
 * each rejection, the bounds (depth, lengths, item counts, huge numbers), UTF-8 checking, and the
 * encoders' output (orders, history, errors, dead letters, an order's events).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/callback_json.h"
#include "infrastructure/http/dead_letter_json.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/http/order_bulk_json.h"
#include "infrastructure/http/order_cancel_json.h"
#include "infrastructure/http/order_create_json.h"
#include "infrastructure/http/order_view_json.h"
#include "infrastructure/json/json_reader.h"

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

static void test_bulk_split(void **state)
{
	const char *body = " [ {\"a\":1} , 5, {\"b\":[{}]}, [1], \"s\" ] ";
	struct order_json_slice s[8];
	struct os_error err;
	size_t n = 0;

	(void)state;
	assert_int_equal(order_json_split_bulk(body, strlen(body), s, 8, &n, &err), OS_OK);
	assert_int_equal(n, 5);
	assert_true(s[0].is_object);
	assert_int_equal(s[0].len, 7);
	assert_memory_equal(body + s[0].offset, "{\"a\":1}", 7);
	assert_false(s[1].is_object);
	assert_true(s[2].is_object);
	assert_memory_equal(body + s[2].offset, "{\"b\":[{}]}", s[2].len);
	assert_int_equal(s[2].len, 10);
	assert_false(s[3].is_object);
	assert_false(s[4].is_object);
}

static void test_bulk_refusals(void **state)
{
	struct order_json_slice s[2];
	struct os_error err;
	size_t n;

	(void)state;
	assert_int_equal(order_json_split_bulk("{}", 2, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[{},{},{}]", 10, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[{}", 3, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("", 0, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[] []", 5, s, 2, &n, &err), OS_EINVAL);
	assert_int_equal(order_json_split_bulk("[]", 2, s, 2, &n, &err), OS_OK);
	assert_int_equal(n, 0);
}

static enum os_status callback(const char *body, struct payment_callback *cb, struct os_error *err)
{
	os_error_clear(err);
	return order_json_decode_callback(body, strlen(body), cb, err);
}

/* Asserts the callback body is refused, naming field. */
static void refuse_callback(const char *body, const char *field)
{
	struct payment_callback cb;
	struct os_error err;

	assert_int_equal(callback(body, &cb, &err), OS_EINVAL);
	assert_string_equal(err.field, field);
}

#define CB_HEAD "{\"id\":\"pay-1\",\"user_id\":\"u\",\"order_id\":\"" KEY "\","
#define CB_TAIL                                                                                    \
	",\"status\":\"succeeded\",\"idempotency_key\":\"k-1\",\"created_at\":\"2026-01-01\"}"

static void test_callback_amounts(void **state)
{
	static const struct {
		const char *text;
		int64_t cents;
	} ok[] = {{"\"350.00\"", 35000}, {"350", 35000}, {"350.5", 35050},
		  {"0.01", 1},		 {"\"7\"", 700}, {"350.50", 35050}};
	struct payment_callback cb;
	struct os_error err;
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(body, sizeof(body), CB_HEAD "\"amount\":%s" CB_TAIL, ok[i].text);
		assert_int_equal(callback(body, &cb, &err), OS_OK);
		assert_int_equal(cb.amount_cents, ok[i].cents);
	}
	assert_string_equal(cb.id, "pay-1");
	assert_string_equal(cb.idempotency_key, "k-1");
	assert_int_equal(cb.status, PAYMENT_SUCCEEDED);
}

static void test_callback_bad_amounts(void **state)
{
	static const char *const bad[] = {"350.001", "-1",   "3.5e2", "\"abc\"", "true",
					  "null",    "\"\"", "{}",    "1e400",	 "\"1.\""};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), CB_HEAD "\"amount\":%s" CB_TAIL, bad[i]);
		refuse_callback(body, "amount");
	}
}

static void test_callback_fields(void **state)
{
	struct payment_callback cb;
	struct os_error err;

	(void)state;
	assert_int_equal(callback("{\"order_id\":\"" KEY "\",\"amount\":1,\"status\":\"failed\","
				  "\"idempotency_key\":\"k\"}",
				  &cb, &err),
			 OS_OK);
	assert_int_equal(cb.status, PAYMENT_FAILED);
	assert_string_equal(cb.id, "");
	refuse_callback("{\"amount\":1,\"status\":\"failed\",\"idempotency_key\":\"k\"}",
			"order_id");
	refuse_callback("{\"order_id\":\"" KEY "\",\"amount\":1,\"status\":\"done\","
			"\"idempotency_key\":\"k\"}",
			"status");
	refuse_callback("{\"order_id\":\"" KEY "\",\"amount\":1,\"status\":\"failed\","
			"\"idempotency_key\":\"\"}",
			"idempotency_key");
	refuse_callback("{\"order_id\":\"x\",\"amount\":1,\"status\":\"failed\","
			"\"idempotency_key\":\"k\"}",
			"order_id");
	refuse_callback("{\"order_id\":\"" KEY "\",\"order_id\":\"" KEY "\"}", "order_id");
}

static void test_cancel(void **state)
{
	char reason[ORDER_REASON_MAX + 1];
	struct os_error err;

	(void)state;
	assert_int_equal(order_json_decode_cancel("", 0, reason, &err), OS_OK);
	assert_string_equal(reason, "");
	assert_int_equal(
	    order_json_decode_cancel("{\"reason\":\"changed mind\"}", 25, reason, &err), OS_OK);
	assert_string_equal(reason, "changed mind");
	assert_int_equal(order_json_decode_cancel("{\"reason\":5}", 12, reason, &err), OS_EINVAL);
	assert_string_equal(err.field, "reason");
	assert_int_equal(order_json_decode_cancel("[]", 2, reason, &err), OS_EINVAL);
}

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

static void test_encode_history_and_errors(void **state)
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
	sbuf_reset(&sb);
	order_json_error_envelope(&sb, "r", "validation_failed", "bad", "items[0].quantity", NULL);
	assert_string_equal(sb.buf, "{\"data\":null,\"meta\":{\"request_id\":\"r\"},\"errors\":"
				    "[{\"code\":\"validation_failed\",\"message\":\"bad\","
				    "\"field\":\"items[0].quantity\"}]}");
	sbuf_release(&sb);
}

static void test_encode_dead_letter(void **state)
{
	struct dead_letter d;
	struct sbuf sb;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.id = 42;
	snprintf(d.message_id, sizeof(d.message_id), "m");
	snprintf(d.type, sizeof(d.type), "payment.requested");
	snprintf(d.where, sizeof(d.where), "payments");
	d.attempts = 10;
	snprintf(d.error, sizeof(d.error), "HTTP 400");
	sbuf_init(&sb, 4096);
	order_json_dead_letter(&sb, &d);
	assert_string_equal(sb.buf,
			    "{\"id\":42,\"message_id\":\"m\",\"type\":\"payment.requested\","
			    "\"where\":\"payments\",\"order_id\":null,\"attempts\":10,"
			    "\"error\":\"HTTP 400\",\"at\":\"1970-01-01T00:00:00.000Z\"}");
	sbuf_release(&sb);
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

/* Checks text against lim; returns the status, and err's message is set on
 * failure. */
static enum os_status check(const struct json_limits *lim, const char *text)
{
	struct os_error err;
	enum os_status st;

	os_error_clear(&err);
	st = json_reader_check(lim, text, strlen(text), &err);
	if (st != OS_OK)
		assert_true(err.message[0] != '\0');
	return st;
}

/* Each declared limit holds at its value and refuses one past it. */
static void test_reader_limits(void **state)
{
	const struct json_limits lim = {
	    .bytes = 40, .depth = 3, .string_bytes = 4, .keys = 2, .elements = 3};
	char big[42] = "";

	(void)state;
	assert_int_equal(check(&lim, "[[[]]]"), OS_OK);
	assert_int_equal(check(&lim, "[[[[]]]]"), OS_EINVAL);
	assert_int_equal(check(&lim, "{\"a\":{\"b\":[1]}}"), OS_OK);
	assert_int_equal(check(&lim, "{\"a\":{\"b\":[{}]}}"), OS_EINVAL);
	assert_int_equal(check(&lim, "[\"abcd\"]"), OS_OK);
	assert_int_equal(check(&lim, "[\"abcde\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "{\"abcd\":1}"), OS_OK);
	assert_int_equal(check(&lim, "{\"abcde\":1}"), OS_EINVAL);
	assert_int_equal(check(&lim, "{\"a\":1,\"b\":{\"c\":1,\"d\":2}}"), OS_OK);
	assert_int_equal(check(&lim, "{\"a\":1,\"b\":2,\"c\":3}"), OS_EINVAL);
	assert_int_equal(check(&lim, "[1,[2,3,4],3]"), OS_OK);
	assert_int_equal(check(&lim, "[1,2,3,4]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[1,2,[1,2,3,4]]"), OS_EINVAL);
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '[';
	big[38] = '1';
	big[39] = ']';
	big[40] = '\0';
	assert_int_equal(check(&lim, big), OS_OK); /* 40 bytes */
	big[39] = ' ';
	big[40] = ']';
	big[41] = '\0';
	assert_int_equal(check(&lim, big), OS_ETOOBIG); /* 41 */
	/* One strict UTF-8 policy: overlong forms, surrogates and NUL, raw or
	 * escaped, are refused before the parse. */
	assert_int_equal(check(&lim, "[\"\xc3\xa9\"]"), OS_OK);
	assert_int_equal(check(&lim, "[\"\xc0\xaf\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[\"\\ud800\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[\"\\u0000\"]"), OS_EINVAL);
	assert_int_equal(check(&lim, "[1] x"), OS_EINVAL);
	assert_int_equal(check(&lim, ""), OS_EINVAL);
}

/* The API's declared limits: a create body's depth is 8 containers. */
static void test_reader_api_limits(void **state)
{
	(void)state;
	assert_int_equal(json_limits_api.depth, 8);
	assert_int_equal(check(&json_limits_api, "[[[[[[[[1]]]]]]]]"), OS_OK);
	assert_int_equal(check(&json_limits_api, "[[[[[[[[[1]]]]]]]]]"), OS_EINVAL);
	assert_int_equal(check(&json_limits_bulk, "[[[[[[[[[1]]]]]]]]]"), OS_OK);
	/* A bulk body leaves strict UTF-8 to each element's decoder. */
	assert_int_equal(check(&json_limits_api, "[\"\\ud800\"]"), OS_EINVAL);
	assert_int_equal(check(&json_limits_bulk, "[\"\\ud800\"]"), OS_OK);
}

static const char *const flat_names[] = {"a", "b"};

static bool flat_field(struct json_reader *r, int key, enum json_type t, const char *s, size_t len)
{
	int64_t *out = r->target;

	return json_reader_int(r, flat_names[key], t, s, len, &out[key]);
}

static enum os_status flat(const char *body, int64_t *out, struct os_error *err)
{
	static const struct json_flat f = {
	    .names = flat_names, .count = 2, .required = 1, .field = flat_field};

	os_error_clear(err);
	return json_reader_parse_flat(&f, &json_limits_api, out, body, strlen(body), err);
}

/* The flat-object helper: root must be an object, required keys, duplicate
 * known keys, unknown keys skipped whatever they hold. */
static void test_reader_flat(void **state)
{
	int64_t v[2] = {0, 0};
	struct os_error err;

	(void)state;
	assert_int_equal(flat("{\"x\":{\"a\":\"s\"},\"b\":2,\"a\":1}", v, &err), OS_OK);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 2);
	assert_int_equal(flat("[]", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "");
	assert_int_equal(flat("{\"b\":2}", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "a");
	assert_int_equal(flat("{\"a\":1,\"a\":2}", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "a");
	assert_int_equal(flat("{\"a\":\"1\"}", v, &err), OS_EINVAL);
	assert_string_equal(err.field, "a");
	assert_int_equal(flat("{\"a\":[1]}", v, &err), OS_EINVAL);
	assert_int_equal(flat("{\"b\":2} x", v, &err), OS_EINVAL); /* syntax first */
	assert_string_equal(err.field, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	    cmocka_unit_test(test_reader_limits),
	    cmocka_unit_test(test_reader_api_limits),
	    cmocka_unit_test(test_reader_flat),
	    cmocka_unit_test(test_bulk_split),
	    cmocka_unit_test(test_bulk_refusals),
	    cmocka_unit_test(test_callback_amounts),
	    cmocka_unit_test(test_callback_bad_amounts),
	    cmocka_unit_test(test_callback_fields),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_encode_order),
	    cmocka_unit_test(test_encode_order_origin),
	    cmocka_unit_test(test_encode_history_and_errors),
	    cmocka_unit_test(test_encode_dead_letter),
	    cmocka_unit_test(test_events_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
