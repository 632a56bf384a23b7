/*
 * The Kafka outbox sink against librdkafka's in-process mock cluster: a
 * batch arrives with key, value and CloudEvents headers; a down broker and
 * an oversized message map to RETRY and PERMANENT without hanging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "app/outbox_port.h"
#include "app/timefmt.h"
#include "infrastructure/kafka/kafka_sink.h"
#include "tests/support/kafka_mock.h"
#include "tests/support/test_main.h"

#define TOPIC	   "order.events"
#define PARTITIONS 3
#define CREATED_US 1767225600123000LL /* 2026-01-01T00:00:00.123Z */

static int cluster_setup(void **state)
{
	*state = kafka_mock_start(TOPIC, PARTITIONS);
	return 0;
}

static char *dup_text(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/* Row i: distinct ids, payload naming i, the given headers JSON. */
static void fill_row(struct outbox_row *r, int i, const char *topic, const char *headers)
{
	char payload[128];

	memset(r, 0, sizeof(*r));
	r->seq = i + 1;
	memset(r->event_id.b, 0x10 + i, sizeof(r->event_id.b));
	memset(r->aggregate_id.b, 0x80 + i, sizeof(r->aggregate_id.b));
	snprintf(r->type, sizeof(r->type), "order.created");
	snprintf(r->destination, sizeof(r->destination), "%s", topic);
	snprintf(payload, sizeof(payload),
		 "{\"event_id\":\"e%d\",\"event_type\":\"order.created\"}", i);
	r->payload = dup_text(payload);
	r->payload_len = strlen(payload);
	r->headers = dup_text(headers);
	r->headers_len = strlen(headers);
	r->created_at_us = CREATED_US;
}

static const char *headers_for(int i)
{
	switch (i % 4) {
	case 0:
		return "{\"request_id\":\"req-1\",\"traceparent\":\"00-"
		       "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}";
	case 1: return "{}";
	case 2: return "not json";
	default: return "{\"traceparent\":5,\"request_id\":[1]}";
	}
}

/* "{}": no request id or trace context. */
static const char *no_headers(int i)
{
	(void)i;
	return "{}";
}

/* A batch of n rows for TOPIC (fill_row's row i) with the headers of each;
 * the caller releases it. */
static void batch_of(struct outbox_batch *b, size_t n, const char *(*headers)(int i))
{
	size_t i;

	assert_int_equal(outbox_batch_init(b, n), OS_OK);
	for (i = 0; i < n; i++)
		fill_row(&b->rows[i], (int)i, TOPIC, headers((int)i));
	b->count = n;
}

static void open_sink(const struct kafka_mock *c, int timeout_ms, struct outbox_sink *s)
{
	struct kafka_sink_options o = {
	    .bootstrap = c->bootstrap,
	    .linger_ms = 1,
	    .delivery_timeout_ms = timeout_ms,
	    .ce_source = "/order-service-test",
	};
	struct os_error err;

	assert_int_equal(kafka_sink_open(&o, s, &err), OS_OK);
}

/* Sends b on s, which must succeed; res gets the verdict of each row. */
static void send_ok(const struct outbox_sink *s, const struct outbox_batch *b,
		    struct outbox_result *res)
{
	struct os_error err;

	assert_int_equal(outbox_sink_send(s, b, res, &err), OS_OK);
}

/* Opens a sink on c with a 5 s delivery timeout, sends b on it and closes
 * it again; res gets the verdict of each row. */
static void send_on_new_sink(const struct kafka_mock *c, const struct outbox_batch *b,
			     struct outbox_result *res)
{
	struct outbox_sink sink;

	open_sink(c, 5000, &sink);
	send_ok(&sink, b, res);
	kafka_sink_close(&sink);
	assert_null(sink.ctx);
}

static bool header_is(const rd_kafka_message_t *m, const char *name, const char *want)
{
	rd_kafka_headers_t *h = NULL;
	const void *v = NULL;
	size_t len = 0;

	if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_header_get_last(h, name, &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return want == NULL;
	return want != NULL && len == strlen(want) && memcmp(v, want, len) == 0;
}

static void check_message(const rd_kafka_message_t *m, const struct outbox_batch *b)
{
	char key[UUID_STR_LEN + 1], id[UUID_STR_LEN + 1], when[TIMEFMT_RFC3339_MAX];
	const struct outbox_row *r = NULL;
	size_t i;

	for (i = 0; i < b->count; i++) {
		uuid_format(&b->rows[i].aggregate_id, key);
		if (m->key_len == UUID_STR_LEN && memcmp(m->key, key, UUID_STR_LEN) == 0)
			r = &b->rows[i];
	}
	assert_non_null(r);
	uuid_format(&r->aggregate_id, key);
	assert_int_equal(m->len, r->payload_len);
	assert_memory_equal(m->payload, r->payload, r->payload_len);
	uuid_format(&r->event_id, id);
	timefmt_rfc3339(r->created_at_us, when, sizeof(when));
	assert_true(header_is(m, "ce_specversion", "1.0"));
	assert_true(header_is(m, "ce_id", id));
	assert_true(header_is(m, "ce_type", "order.created"));
	assert_true(header_is(m, "ce_source", "/order-service-test"));
	assert_true(header_is(m, "ce_time", "2026-01-01T00:00:00.123Z"));
	assert_true(header_is(m, "ce_subject", key));
	assert_true(header_is(m, "content-type", "application/json"));
	if (r->seq % 4 == 1) {
		assert_true(header_is(m, "x-request-id", "req-1"));
		assert_true(header_is(m, "traceparent",
				      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
	} else {
		assert_true(header_is(m, "x-request-id", NULL));
		assert_true(header_is(m, "traceparent", NULL));
	}
}

/* Reads TOPIC from the beginning until n messages (or 15 s), checking each
 * against the batch; returns how many were read. */
static size_t read_back(const struct kafka_mock *c, const struct outbox_batch *b, size_t n)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(PARTITIONS);
	char why[256];
	rd_kafka_t *rk;
	size_t got = 0;
	int p, tries;

	rd_kafka_conf_set(conf, "bootstrap.servers", c->bootstrap, why, sizeof(why));
	rd_kafka_conf_set(conf, "group.id", "sink-readback", why, sizeof(why));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	assert_non_null(rk);
	for (p = 0; p < PARTITIONS; p++)
		rd_kafka_topic_partition_list_add(parts, TOPIC, p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	assert_int_equal(rd_kafka_assign(rk, parts), 0);
	rd_kafka_topic_partition_list_destroy(parts);
	for (tries = 0; got < n && tries < 150; tries++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

		if (m == NULL)
			continue;
		if (m->err == 0) {
			check_message(m, b);
			got++;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return got;
}

static void test_batch_is_delivered_with_headers(void **state)
{
	enum { N = 24 };
	struct kafka_mock *c = *state;
	struct outbox_batch b;
	struct outbox_result res[N];
	size_t i;

	batch_of(&b, N, headers_for);
	send_on_new_sink(c, &b, res);
	for (i = 0; i < N; i++)
		assert_int_equal(res[i].delivery, OUTBOX_SENT);
	assert_int_equal(read_back(c, &b, N), N);
	outbox_batch_release(&b);
}

static void test_down_broker_means_retry_then_recovers(void **state)
{
	enum { N = 5 };
	struct kafka_mock *c = *state;
	struct outbox_sink sink;
	struct outbox_batch b;
	struct outbox_result res[N];
	size_t i, sent = 0;
	int tries;

	batch_of(&b, N, no_headers);
	open_sink(c, 1000, &sink);
	assert_int_equal(rd_kafka_mock_broker_set_down(c->mc, 1), 0);
	send_ok(&sink, &b, res);
	for (i = 0; i < N; i++) {
		assert_int_equal(res[i].delivery, OUTBOX_RETRY);
		assert_true(res[i].error[0] != '\0');
	}
	assert_int_equal(rd_kafka_mock_broker_set_up(c->mc, 1), 0);
	/* The producer reconnects with its own backoff, which grew while the
	 * broker was down: a send may still time out before it is back, as a
	 * relay's would; the relay sends again, and so does this. */
	for (tries = 0; tries < 10; tries++) {
		send_ok(&sink, &b, res);
		for (sent = 0, i = 0; i < N; i++)
			sent += res[i].delivery == OUTBOX_SENT;
		if (sent == N)
			break;
	}
	assert_int_equal(sent, N);
	kafka_sink_close(&sink);
	outbox_batch_release(&b);
}

static void test_oversized_message_is_permanent(void **state)
{
	struct kafka_mock *c = *state;
	struct outbox_batch b;
	struct outbox_result res[2];
	size_t big = 2u * 1024u * 1024u;

	batch_of(&b, 2, no_headers);
	free(b.rows[0].payload);
	b.rows[0].payload = malloc(big + 1);
	assert_non_null(b.rows[0].payload);
	memset(b.rows[0].payload, 'x', big);
	b.rows[0].payload[big] = '\0';
	b.rows[0].payload_len = big;
	send_on_new_sink(c, &b, res);
	assert_int_equal(res[0].delivery, OUTBOX_PERMANENT);
	assert_true(res[0].error[0] != '\0');
	assert_int_equal(res[1].delivery, OUTBOX_SENT);
	outbox_batch_release(&b);
}

static void test_broker_rejection_is_permanent(void **state)
{
	struct kafka_mock *c = *state;
	struct outbox_batch b;
	struct outbox_result res[1];

	batch_of(&b, 1, no_headers);
	/* ApiKey 0 is Produce: the sink's open asks only for metadata, so the
	 * error meets the send. */
	rd_kafka_mock_push_request_errors(c->mc, 0, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	send_on_new_sink(c, &b, res);
	assert_int_equal(res[0].delivery, OUTBOX_PERMANENT);
	outbox_batch_release(&b);
}

static void test_open_rejects_missing_bootstrap(void **state)
{
	struct kafka_sink_options o = {.bootstrap = "", .linger_ms = 1};
	struct outbox_sink sink = {NULL, NULL};
	struct os_error err;

	(void)state;
	assert_int_equal(kafka_sink_open(&o, &sink, &err), OS_EINVAL);
	assert_null(sink.ctx);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, cluster_setup, kafka_mock_teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_batch_is_delivered_with_headers),
    TEST(test_down_broker_means_retry_then_recovers),
    TEST(test_oversized_message_is_permanent),
    TEST(test_broker_rejection_is_permanent),
    cmocka_unit_test(test_open_rejects_missing_bootstrap),
};

TEST_MAIN(tests, NULL, NULL);
