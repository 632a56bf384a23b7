/*
 * The shipping consumer loop on the real Kafka source (in-process mock
 * cluster) and the fake inbox (tests/fakes): every message, garbage
 * included, is recorded before its offset is committed; an unavailable inbox
 * is retried without skipping; a stop during the retries commits nothing; a
 * restarted consumer of the same group does not see committed messages
 * again.
 */
#include <setjmp.h>
#include <signal.h>
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
#include "tests/fakes/fakes.h"
#include "tests/support/kafka_mock.h"
#include "tests/support/test_main.h"
#include "workers/shipping_consumer.h"

#define TOPIC "shipping.events"
#define GROUP "consumer-test"
#define ORDER "0190a5b8-7c4e-7d2a-9f3e-1a2b3c4d5e6f"

static int cluster_setup(void **state)
{
	*state = kafka_mock_start(TOPIC, 1);
	return 0;
}

/* A valid event for id, or the text itself when id starts with '!'. */
static void produce(const struct kafka_mock *c, const char *const *ids, size_t n)
{
	rd_kafka_t *p = kafka_mock_producer(c);
	char value[256];
	size_t i;

	for (i = 0; i < n; i++) {
		if (ids[i][0] == '!')
			snprintf(value, sizeof(value), "%s", ids[i] + 1);
		else
			snprintf(value, sizeof(value),
				 "{\"event_id\":\"%s\",\"event_type\":\"order.shipped\","
				 "\"order_id\":\"" ORDER
				 "\",\"occurred_at\":\"2026-01-01T00:00:00Z\"}",
				 ids[i]);
		assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
						   RD_KAFKA_V_VALUE(value, strlen(value)),
						   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						   RD_KAFKA_V_END),
				 0);
	}
	kafka_mock_flush(p);
}

/* f, empty, to stop the loop after n records (0: never). */
static void inbox_init(struct fake_inbox *f, size_t n)
{
	fake_inbox_init(f);
	f->stop_after = n;
}

static volatile sig_atomic_t stop_flag;

/* Runs the loop on a fresh group member until the fake stops it; spy wraps
 * the member's source and checks its commits against f. */
static int run(const struct kafka_mock *c, struct fake_inbox *f, struct fake_message_source *spy)
{
	/* A short session: the mock cluster holds a rejoin for a whole session
	 * timeout even after the previous member left cleanly (and its first join
	 * takes 3 s, so the session must be longer than that). */
	struct kafka_source_options so = {
	    .bootstrap = c->bootstrap,
	    .group_id = GROUP,
	    .topic = TOPIC,
	    .session_timeout_ms = 6000,
	};
	struct shipping_consumer_options o = {
	    .poll_ms = 100, .retry_base_ms = 10, .retry_max_ms = 40};
	struct message_source kafka;
	struct os_error err;
	int rc;

	stop_flag = 0;
	f->stop = &stop_flag;
	assert_int_equal(kafka_source_open(&so, &kafka, &err), OS_OK);
	fake_message_source_init(spy, &kafka, f);
	rc = shipping_consumer_run(&o, &spy->source, &f->inbox, &stop_flag);
	kafka_source_close(&kafka);
	return rc;
}

static void test_records_everything_then_commits(void **state)
{
	const char *const first[] = {"ev-1", "!not json", "ev-2", "!{\"event_id\":\"x\"}", "ev-3"};
	const char *const later[] = {"ev-4"};
	struct kafka_mock *c = *state;
	struct fake_inbox f, f2;
	struct fake_message_source spy;

	inbox_init(&f, 5);
	inbox_init(&f2, 1);

	produce(c, first, 5);
	assert_int_equal(run(c, &f, &spy), 0);
	assert_int_equal(f.count, 5);
	assert_string_equal(f.rows[0].msg.message_id, "ev-1");
	assert_true(f.rows[1].msg.rejected);
	assert_string_equal(f.rows[1].msg.message_id, "kafka:" TOPIC "/0/1");
	assert_string_equal(f.rows[2].msg.message_id, "ev-2");
	assert_true(f.rows[3].msg.rejected);
	assert_string_equal(f.rows[4].msg.message_id, "ev-3");
	assert_int_equal(spy.commits, 5);
	assert_false(spy.commit_before_record);

	produce(c, later, 1);
	assert_int_equal(run(c, &f2, &spy), 0);
	assert_int_equal(f2.count, 1);
	assert_string_equal(f2.rows[0].msg.message_id, "ev-4"); /* nothing committed came back */
	fake_inbox_release(&f);
	fake_inbox_release(&f2);
}

static void test_unavailable_inbox_is_retried_in_order(void **state)
{
	const char *const ids[] = {"ev-a", "ev-b"};
	struct kafka_mock *c = *state;
	struct fake_inbox f;
	struct fake_message_source spy;

	inbox_init(&f, 2);
	f.fail_next = 3;

	produce(c, ids, 2);
	assert_int_equal(run(c, &f, &spy), 0);
	assert_int_equal(f.failures, 3);
	assert_int_equal(f.count, 2);
	assert_string_equal(f.rows[0].msg.message_id, "ev-a");
	assert_string_equal(f.rows[1].msg.message_id, "ev-b");
	assert_int_equal(spy.polled, 2);
	assert_false(spy.commit_before_record);
	fake_inbox_release(&f);
}

static void test_stop_while_inbox_down_commits_nothing(void **state)
{
	const char *const ids[] = {"ev-x"};
	struct kafka_mock *c = *state;
	struct fake_inbox down, up;
	struct fake_message_source spy;

	inbox_init(&down, 0);
	down.fail_with = OS_EUNAVAIL;
	down.stop_after_failures = 2;
	inbox_init(&up, 1);

	produce(c, ids, 1);
	assert_int_equal(run(c, &down, &spy), 0);
	assert_int_equal(down.count, 0);
	assert_int_equal(spy.commits, 0);
	assert_int_equal(run(c, &up, &spy), 0);
	assert_int_equal(up.count, 1);
	assert_string_equal(up.rows[0].msg.message_id, "ev-x"); /* delivered again */
	fake_inbox_release(&up);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_records_everything_then_commits, cluster_setup,
				    kafka_mock_teardown),
    cmocka_unit_test_setup_teardown(test_unavailable_inbox_is_retried_in_order, cluster_setup,
				    kafka_mock_teardown),
    cmocka_unit_test_setup_teardown(test_stop_while_inbox_down_commits_nothing, cluster_setup,
				    kafka_mock_teardown),
};

TEST_MAIN(tests, NULL, NULL);
