/*
 * The outbox message builders: which messages each transition writes, their
 * destinations and headers, valid JSON payloads, and clean failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/order_messages.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

struct fixture {
	struct fake_sys sys;
	struct order_settings settings;
	struct order_msg_ctx ctx;
	struct order order;
	struct outbox_msg msgs[OUTBOX_MAX_PER_CHANGE];
	size_t n;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	fake_msg_ctx(&f.ctx, &f.sys, &f.settings, 5);
	fake_order_sample(&f.order, 1, ORDER_NEW, FAKE_NOW_US);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < f->n; i++)
		outbox_msg_release(&f->msgs[i]);
	return 0;
}

static void expect_transition(struct fixture *f, enum order_status from, enum order_status to,
			      const char *const *types, const char *const *dests, size_t count)
{
	struct os_error err;
	size_t i;

	f->order.status = from;
	assert_int_equal(order_messages_transition(&f->ctx, &f->order, to, "why", FAKE_NOW_US,
						   f->msgs, OUTBOX_MAX_PER_CHANGE, &f->n, &err),
			 OS_OK);
	assert_int_equal(f->n, count);
	for (i = 0; i < count; i++) {
		assert_string_equal(f->msgs[i].type, types[i]);
		assert_string_equal(f->msgs[i].destination, dests[i]);
		assert_true(fake_json_valid(f->msgs[i].payload));
		assert_true(uuid_equal(&f->msgs[i].aggregate_id, &f->order.id));
	}
}

static void test_paid(void **state)
{
	static const char *const types[] = {"shipping.requested", "order.paid", "order.paid"};
	static const char *const dests[] = {"shipping.requests", "notifications", "order.events"};

	expect_transition(*state, ORDER_NEW, ORDER_PAID, types, dests, 3);
}

static void test_cancelled(void **state)
{
	static const char *const types[] = {"order.cancelled", "order.cancelled"};
	static const char *const dests[] = {"notifications", "order.events"};

	expect_transition(*state, ORDER_PAID, ORDER_CANCELLED, types, dests, 2);
}

static void test_shipped(void **state)
{
	static const char *const types[] = {"order.shipped", "order.shipped"};
	static const char *const dests[] = {"notifications", "order.events"};

	expect_transition(*state, ORDER_PAID, ORDER_SHIPPED, types, dests, 2);
}

static void test_delivered(void **state)
{
	static const char *const types[] = {"order.delivered", "order.delivered"};
	static const char *const dests[] = {"notifications", "order.events"};
	struct fixture *f = *state;

	expect_transition(f, ORDER_SHIPPED, ORDER_DELIVERED, types, dests, 2);
	assert_non_null(strstr(f->msgs[1].payload, "\"from\":\"shipped\",\"to\":\"delivered\""));
}

static void test_topics_from_settings(void **state)
{
	static const char *const types[] = {"shipping.requested", "order.paid", "order.paid"};
	static const char *const dests[] = {"ship.req.v2", "notifications", "events.v2"};
	struct fixture *f = *state;

	snprintf(f->settings.topic_order_events, sizeof(f->settings.topic_order_events),
		 "events.v2");
	snprintf(f->settings.topic_shipping_requests, sizeof(f->settings.topic_shipping_requests),
		 "ship.req.v2");
	expect_transition(f, ORDER_NEW, ORDER_PAID, types, dests, 3);
}

static void test_no_transition_into_new(void **state)
{
	struct fixture *f = *state;
	struct os_error err;

	f->n = 0;
	assert_int_equal(order_messages_transition(&f->ctx, &f->order, ORDER_NEW, "x", FAKE_NOW_US,
						   f->msgs, OUTBOX_MAX_PER_CHANGE, &f->n, &err),
			 OS_EINVAL);
	assert_int_equal(f->n, 0);
}

static void test_only_traceparent_header(void **state)
{
	struct fixture *f = *state;
	struct os_error err;

	f->ctx.traceparent = "00-abc-def-01";
	assert_int_equal(
	    order_messages_created(&f->ctx, &f->order, f->msgs, OUTBOX_MAX_PER_CHANGE, &f->n, &err),
	    OS_OK);
	assert_int_equal(f->n, 3);
	assert_string_equal(f->msgs[0].headers, "{\"traceparent\":\"00-abc-def-01\"}");
}

/* Too little room: the builder fails and frees the messages it had built
 * (valgrind and ASan runs prove nothing leaks). */
static void test_failure_releases(void **state)
{
	struct fixture *f = *state;
	struct os_error err;
	size_t n = 99;

	assert_int_equal(order_messages_created(&f->ctx, &f->order, f->msgs, 2, &n, &err),
			 OS_EINVAL);
	assert_int_equal(n, 99);
	assert_null(f->msgs[0].payload);
	assert_null(f->msgs[1].payload);
	f->n = 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_paid),
    TEST(test_cancelled),
    TEST(test_shipped),
    TEST(test_delivered),
    TEST(test_topics_from_settings),
    TEST(test_no_transition_into_new),
    TEST(test_only_traceparent_header),
    TEST(test_failure_releases),
};

TEST_MAIN(tests, NULL, NULL);
