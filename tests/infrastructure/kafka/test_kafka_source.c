/*
 * The shipping-events source against the in-process mock cluster: valid
 * events decode into inbox messages, garbage becomes rejected messages with
 * ids unique to their position; plus the decoder's rules on hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "infrastructure/kafka/kafka_source.h"
#include "infrastructure/kafka/shipping_event.h"
#include "tests/support/kafka_mock.h"
#include "tests/support/test_main.h"

#define TOPIC "shipping.events"
#define ORDER "0190a5b8-7c4e-7d2a-9f3e-1a2b3c4d5e6f"

static int cluster_setup(void **state)
{
	*state = kafka_mock_start(TOPIC, 2);
	return 0;
}

struct raw {
	const char *value; /* NULL: a null value */
	size_t len;
	const char *request_id;
};

#define RAW(s)                                                                                     \
	{                                                                                          \
		s, sizeof(s) - 1, NULL                                                             \
	}

/* Produces the values in order to one partition (same key) and waits. */
static void produce_all(const struct kafka_mock *c, const struct raw *r, size_t n)
{
	rd_kafka_t *p = kafka_mock_producer(c);
	size_t i;

	for (i = 0; i < n; i++) {
		rd_kafka_headers_t *h = rd_kafka_headers_new(1);

		if (r[i].request_id != NULL)
			rd_kafka_header_add(h, "x-request-id", -1, r[i].request_id, -1);
		assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
						   RD_KAFKA_V_KEY("k", 1),
						   RD_KAFKA_V_VALUE((void *)r[i].value, r[i].len),
						   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						   RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END),
				 0);
	}
	kafka_mock_flush(p);
}

static void open_source(const struct kafka_mock *c, const char *group, struct message_source *s)
{
	struct kafka_source_options o = {
	    .bootstrap = c->bootstrap, .group_id = group, .topic = TOPIC};
	struct os_error err;

	assert_int_equal(kafka_source_open(&o, s, &err), OS_OK);
}

/* Polls until a message comes, at most 15 s. */
static void next(const struct message_source *s, struct inbox_msg *m)
{
	struct os_error err;
	bool got = false;
	int tries;

	for (tries = 0; !got && tries < 150; tries++)
		assert_int_equal(message_source_poll(s, 100, m, &got, &err), OS_OK);
	assert_true(got);
}

static void test_valid_and_garbage_messages(void **state)
{
	static const char shipped[] =
	    "{\"event_id\":\"ev-1\",\"event_type\":\"order.shipped\","
	    "\"order_id\":\"" ORDER
	    "\",\"occurred_at\":\"2026-01-01T00:00:00Z\",\"carrier\":{\"n\":[1,2]}}";
	const struct raw raws[] = {
	    {shipped, sizeof(shipped) - 1, "req-42"},
	    RAW("not json"),
	    RAW("{\"event_id\":\"ev-2\",\"event_type\":\"order.delivered\",\"occurred_at\":\"x\"}"),
	    RAW("{\"event_id\":\"ev-3\",\"event_type\":\"order.shipped\",\"order_id\":\"nope\","
		"\"occurred_at\":\"x\"}"),
	    RAW("{\"event_id\":\"ev-4\",\"event_type\":\"order.lost\",\"order_id\":\"" ORDER
		"\",\"occurred_at\":\"x\"}"),
	    {NULL, 0, NULL},
	    RAW("{\"event_id\":\"\xff\xfe\"}"),
	};
	struct kafka_mock *c = *state;
	struct message_source s;
	struct inbox_msg m;
	struct os_error err;
	char ids[6][INBOX_MESSAGE_ID_MAX + 1];
	size_t i, j;

	produce_all(c, raws, sizeof(raws) / sizeof(raws[0]));
	open_source(c, "source-test", &s);
	next(&s, &m);
	assert_false(m.rejected);
	assert_string_equal(m.source, INBOX_SOURCE_SHIPPING);
	assert_string_equal(m.message_id, "ev-1");
	assert_string_equal(m.type, INBOX_TYPE_SHIPPED);
	assert_true(m.has_order_id);
	assert_string_equal(m.request_id, "req-42");
	assert_int_equal(m.payload_len, sizeof(shipped) - 1);
	assert_memory_equal(m.payload, shipped, m.payload_len);
	for (i = 0; i < 6; i++) {
		next(&s, &m);
		assert_true(m.rejected);
		assert_string_equal(m.type, INBOX_TYPE_MALFORMED);
		assert_string_equal(m.source, INBOX_SOURCE_SHIPPING);
		assert_true(m.error[0] != '\0');
		assert_int_equal(strncmp(m.message_id, "kafka:" TOPIC "/", 22), 0);
		memcpy(ids[i], m.message_id, sizeof(ids[i]));
		for (j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
	}
	assert_int_equal(message_source_commit(&s, &err), OS_OK);
	kafka_source_close(&s);
	assert_null(s.ctx);
}

static void expect_rejected(const char *text, const char *field)
{
	struct inbox_msg m;
	struct os_error err;
	enum os_status st;

	memset(&m, 0, sizeof(m));
	os_error_clear(&err);
	st = shipping_event_decode(text, strlen(text), &m, &err);
	assert_true(st == OS_EINVAL || st == OS_ETOOBIG);
	assert_true(err.message[0] != '\0');
	assert_string_equal(err.field, field);
	assert_string_equal(m.message_id, ""); /* untouched on failure */
}

static void test_decoder_rules(void **state)
{
	static char deep[200];
	static char big[INBOX_PAYLOAD_MAX + 2];
	static const char good[] = "{\"event_id\":\"a\",\"event_type\":\"shipping.failed\","
				   "\"order_id\":\"" ORDER "\",\"occurred_at\":\"t\"}";
	struct inbox_msg m;
	struct os_error err;
	size_t i;

	(void)state;
	expect_rejected("[1,2]", "");
	expect_rejected("\"s\"", "");
	expect_rejected("{\"event_id\":\"a\"} x", "");
	expect_rejected("{\"event_id\":1,\"event_type\":\"order.shipped\"}", "event_id");
	expect_rejected("{\"event_id\":\"a\",\"event_id\":\"b\"}", "event_id");
	expect_rejected(
	    "{\"event_id\":\"a b\",\"event_type\":\"order.shipped\",\"order_id\":\"" ORDER
	    "\",\"occurred_at\":\"x\"}",
	    "event_id");
	expect_rejected("{\"event_id\":\"a\",\"event_type\":{},\"order_id\":\"" ORDER
			"\",\"occurred_at\":\"x\"}",
			"event_type");
	expect_rejected("{\"event_id\":\"a\",\"event_type\":\"order.shipped\",\"order_id\":\"" ORDER
			"\"}",
			"occurred_at");
	memcpy(deep, "{\"k\":", 5);
	for (i = 5; i < sizeof(deep) - 1; i++)
		deep[i] = '[';
	expect_rejected(deep, "");
	assert_int_equal(shipping_event_decode(deep, strlen(deep), &m, &err), OS_EINVAL);
	assert_non_null(strstr(err.message, "deeply")); /* the bound, not the truncation */
	memset(big, ' ', sizeof(big) - 1);
	expect_rejected(big, "");
	assert_int_equal(shipping_event_decode(NULL, 0, &m, &err), OS_EINVAL);
	assert_int_equal(shipping_event_decode(good, strlen(good), &m, &err), OS_OK);
	assert_string_equal(m.type, INBOX_TYPE_SHIPPING_FAILED);
	assert_string_equal(m.message_id, "a");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_valid_and_garbage_messages, cluster_setup,
				    kafka_mock_teardown),
    cmocka_unit_test(test_decoder_rules),
};

TEST_MAIN(tests, NULL, NULL);
