/* The payment callback's decoder (infrastructure/http/callback_json.c):
 * amounts, statuses and the field named by each refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/callback_json.h"
#include "tests/support/test_main.h"

#define KEY "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a3b"

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

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_callback_amounts),
    cmocka_unit_test(test_callback_bad_amounts),
    cmocka_unit_test(test_callback_fields),
};

TEST_MAIN(tests, NULL, NULL);
