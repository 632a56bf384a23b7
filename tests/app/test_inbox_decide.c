/*
 * The inbox decision for every message type: applied changes with their
 * messages, duplicates, early events deferred with a growing delay and then
 * given up, impossible events and missing orders rejected; and money: a
 * payment is recorded with the order it pays, a payment the order cannot
 * keep is refunded (once, through the fake store), a cancellation after
 * payment refunds the paying payment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/inbox_decide.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

#define SECOND	  INT64_C(1000000)
#define UNTOUCHED 777

struct fixture {
	struct fake_sys sys;
	struct order_settings settings;
	struct inbox_decider d;
	struct order order;
	struct inbox_row row;
	struct order_change change;
	struct inbox_outcome outcome;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	fake_sys_init(&f.sys, FAKE_NOW_US, 3);
	fake_settings(&f.settings, true);
	f.d.settings = &f.settings;
	f.d.sys = f.sys.sys;
	f.d.max_attempts = 5;
	f.d.retry_base_us = SECOND;
	f.d.retry_max_us = 10 * SECOND;
	fake_order_sample(&f.order, 1, ORDER_NEW, FAKE_NOW_US - SECOND);
	f.row.id = 1;
	snprintf(f.row.source, sizeof(f.row.source), "payments");
	snprintf(f.row.message_id, sizeof(f.row.message_id), "pay-123");
	f.row.has_order_id = true;
	f.row.order_id = f.order.id;
	snprintf(f.row.request_id, sizeof(f.row.request_id), "req-7");
	f.change.msg_count = UNTOUCHED;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->change.msg_count != UNTOUCHED)
		order_change_release(&f->change);
	return 0;
}

static bool decide(struct fixture *f, const char *type, enum order_status st)
{
	snprintf(f->row.type, sizeof(f->row.type), "%s", type);
	f->order.status = st;
	return inbox_decide(&f->d, &f->row, &f->order, &f->change, &f->outcome);
}

/* The change's message of this type and destination, or NULL. */
static const struct outbox_msg *msg(const struct fixture *f, const char *type, const char *dest)
{
	size_t i;

	for (i = 0; i < f->change.msg_count; i++) {
		if (strcmp(f->change.msgs[i].type, type) == 0 &&
		    strcmp(f->change.msgs[i].destination, dest) == 0)
			return &f->change.msgs[i];
	}
	return NULL;
}

static void assert_not_applied(const struct fixture *f, enum inbox_fate fate, const char *note)
{
	assert_int_equal(f->outcome.fate, fate);
	assert_contains(f->outcome.note, note);
	assert_int_equal(f->change.msg_count, UNTOUCHED);
}

/* A message that changes nothing: its type, the order's status, and the
 * outcome's fate and note. */
struct unapplied {
	const char *type;
	enum order_status status;
	enum inbox_fate fate;
	const char *note;
};

/* Decides each of the n messages in turn, none of which may apply. */
static void assert_none_applied(struct fixture *f, const struct unapplied *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_false(decide(f, u[i].type, u[i].status));
		assert_not_applied(f, u[i].fate, u[i].note);
	}
}

static void test_payment_succeeded(void **state)
{
	struct fixture *f = *state;
	const struct outbox_msg *m;

	assert_true(decide(f, INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_NEW));
	assert_int_equal(f->outcome.fate, INBOX_PROCESSED);
	assert_int_equal(f->change.to, ORDER_PAID);
	assert_string_equal(f->change.reason, "payment succeeded (payment pay-123)");
	assert_int_equal(f->change.at_us, FAKE_NOW_US);
	assert_false(f->change.release_stock);
	assert_int_equal(f->change.msg_count, 3);
	m = msg(f, "shipping.requested", "shipping.requests");
	assert_non_null(m);
	assert_true(fake_json_valid(m->payload));
	assert_contains(m->payload, "\"items\":[{\"item_id\":\"sku-1\",\"quantity\":2},"
				    "{\"item_id\":\"sku-2\",\"quantity\":1}]");
	assert_string_equal(m->headers, "{\"request_id\":\"req-7\"}");
	assert_non_null(msg(f, "order.paid", "notifications"));
	m = msg(f, "order.paid", "order.events");
	assert_non_null(m);
	assert_contains(m->payload, "\"from\":\"new\",\"to\":\"paid\"");
	assert_true(uuid_equal(&m->aggregate_id, &f->order.id));
	/* recorded as the payment that paid the order; no refund */
	assert_string_equal(f->change.money.capture_payment_id, "pay-123");
	assert_false(f->change.money.refund);
	assert_false(f->change.money.withdraw_payment);
}

static void test_payment_failed_releases_stock(void **state)
{
	struct fixture *f = *state;

	assert_true(decide(f, INBOX_TYPE_PAYMENT_FAILED, ORDER_NEW));
	assert_int_equal(f->change.to, ORDER_CANCELLED);
	assert_string_equal(f->change.reason, "payment failed (payment pay-123)");
	assert_true(f->change.release_stock);
	assert_int_equal(f->change.msg_count, 2);
	assert_non_null(msg(f, "order.cancelled", "order.events"));
	assert_non_null(msg(f, "order.cancelled", "notifications"));
	/* the request was delivered and refused: withdraw only, no cancel */
	assert_true(f->change.money.withdraw_payment);
	assert_null(f->change.money.payment_cancel.payload);
	assert_false(f->change.money.refund);
}

static void test_no_release_without_local_inventory(void **state)
{
	struct fixture *f = *state;

	f->settings.local_inventory = false;
	assert_true(decide(f, INBOX_TYPE_SHIPPING_FAILED, ORDER_PAID));
	assert_int_equal(f->change.to, ORDER_CANCELLED);
	assert_string_equal(f->change.reason, "shipping failed");
	assert_false(f->change.release_stock);
}

static void test_shipped_and_delivered(void **state)
{
	struct fixture *f = *state;

	assert_true(decide(f, INBOX_TYPE_SHIPPED, ORDER_PAID));
	assert_int_equal(f->change.to, ORDER_SHIPPED);
	assert_non_null(msg(f, "order.shipped", "order.events"));
	assert_non_null(msg(f, "order.shipped", "notifications"));
	order_change_release(&f->change);
	f->change.msg_count = UNTOUCHED;
	assert_true(decide(f, INBOX_TYPE_DELIVERED, ORDER_SHIPPED));
	assert_int_equal(f->change.to, ORDER_DELIVERED);
	assert_non_null(msg(f, "order.delivered", "order.events"));
	assert_int_equal(f->outcome.fate, INBOX_PROCESSED);
}

static void test_duplicate(void **state)
{
	static const struct unapplied dups[] = {
	    {INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_SHIPPED, INBOX_PROCESSED,
	     "duplicate: payment pay-1 already paid the order"},
	    {INBOX_TYPE_PAYMENT_FAILED, ORDER_CANCELLED, INBOX_PROCESSED,
	     "duplicate: order already cancelled"},
	    {INBOX_TYPE_SHIPPED, ORDER_DELIVERED, INBOX_PROCESSED,
	     "duplicate: order already delivered"},
	};
	struct fixture *f = *state;

	/* the paying payment again, under another callback key */
	snprintf(f->change.money.captured_payment_id, sizeof(f->change.money.captured_payment_id),
		 "pay-1");
	snprintf(f->row.payment_id, sizeof(f->row.payment_id), "pay-1");
	snprintf(f->row.message_id, sizeof(f->row.message_id), "cb-other");
	assert_none_applied(f, dups, sizeof(dups) / sizeof(dups[0]));
}

/* A pending payment is processed with nothing to do; an impossible event
 * and an unknown type are rejected. */
static void test_pending_impossible_unknown(void **state)
{
	static const struct unapplied cases[] = {
	    {INBOX_TYPE_PAYMENT_PENDING, ORDER_NEW, INBOX_PROCESSED, "pending: nothing to do"},
	    {INBOX_TYPE_PAYMENT_FAILED, ORDER_SHIPPED, INBOX_REJECTED,
	     "impossible: payment_failed when shipped"},
	    {"payment.refunded", ORDER_PAID, INBOX_REJECTED,
	     "unknown message type payment.refunded"},
	    {INBOX_TYPE_MALFORMED, ORDER_PAID, INBOX_REJECTED, "unknown"},
	};
	struct fixture *f = *state;

	assert_none_applied(f, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_early_defers_with_growing_delay(void **state)
{
	static const struct {
		int32_t attempts;
		int64_t delay;
	} steps[] = {{0, SECOND}, {1, 2 * SECOND}, {3, 8 * SECOND}};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		f->row.attempts = steps[i].attempts;
		assert_false(decide(f, INBOX_TYPE_DELIVERED, ORDER_PAID));
		assert_not_applied(f, INBOX_DEFER, "early");
		assert_int_equal(f->outcome.retry_at_us, FAKE_NOW_US + steps[i].delay);
	}
}

static void test_early_delay_capped(void **state)
{
	struct fixture *f = *state;

	f->d.max_attempts = 1000;
	f->row.attempts = 500;
	assert_false(decide(f, INBOX_TYPE_SHIPPED, ORDER_NEW));
	assert_not_applied(f, INBOX_DEFER, "early");
	assert_int_equal(f->outcome.retry_at_us, FAKE_NOW_US + 10 * SECOND);
	assert_int_equal(inbox_decide_retry_delay_us(&f->d, INT32_MAX), 10 * SECOND);
}

static void test_early_gives_up(void **state)
{
	struct fixture *f = *state;

	f->row.attempts = 4; /* this is the fifth and last attempt */
	assert_false(decide(f, INBOX_TYPE_DELIVERED, ORDER_PAID));
	assert_not_applied(f, INBOX_REJECTED, "gave up waiting");
}

static void test_missing_order(void **state)
{
	struct fixture *f = *state;

	snprintf(f->row.type, sizeof(f->row.type), "%s", INBOX_TYPE_PAYMENT_SUCCEEDED);
	assert_false(inbox_decide(&f->d, &f->row, NULL, &f->change, &f->outcome));
	assert_not_applied(f, INBOX_REJECTED, "no such order");
}

/* ------------------------------------------------------------------ money */

/* The refund messages of the change: payment.refund to the payment service
 * and order.refund_requested on the order events topic. */
static void assert_refund(const struct fixture *f, const char *payment_id, const char *why)
{
	const struct order_money *m = &f->change.money;
	char want[256];

	assert_true(m->refund);
	assert_string_equal(m->refund_payment_id, payment_id);
	assert_int_equal(m->refund_amount_cents, f->order.amount_cents);
	assert_contains(m->refund_reason, "refund requested (payment ");
	assert_contains(m->refund_reason, why);
	assert_int_equal(m->refund_msg_count, 2);
	assert_string_equal(m->refund_msgs[0].type, "payment.refund");
	assert_string_equal(m->refund_msgs[0].destination, "payments");
	assert_true(fake_json_valid(m->refund_msgs[0].payload));
	snprintf(want, sizeof(want), "\"payment_id\":\"%s\",\"amount\":\"350.00\"", payment_id);
	assert_contains(m->refund_msgs[0].payload, want);
	assert_contains(m->refund_msgs[0].payload, "\"idempotency_key\":\"");
	assert_contains(m->refund_msgs[0].payload, why);
	assert_string_equal(m->refund_msgs[1].type, "order.refund_requested");
	assert_string_equal(m->refund_msgs[1].destination, "order.events");
	assert_true(fake_json_valid(m->refund_msgs[1].payload));
	assert_contains(m->refund_msgs[1].payload, "\"event_type\":\"order.refund_requested\"");
	assert_contains(m->refund_msgs[1].payload, want);
	assert_true(uuid_equal(&m->refund_msgs[1].aggregate_id, &f->order.id));
}

/* A change that moves no status: no transition messages, the order's
 * status as its target. */
static void assert_money_only(const struct fixture *f, enum order_status st)
{
	assert_int_equal(f->change.to, st);
	assert_int_equal(f->change.msg_count, 0);
	assert_false(f->change.release_stock);
}

static void test_late_payment_refunded(void **state)
{
	struct fixture *f = *state;

	snprintf(f->row.payment_id, sizeof(f->row.payment_id), "pay-late");
	assert_true(decide(f, INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_CANCELLED));
	assert_int_equal(f->outcome.fate, INBOX_PROCESSED);
	assert_contains(f->outcome.note, "refund requested for payment pay-late");
	assert_money_only(f, ORDER_CANCELLED);
	assert_refund(f, "pay-late", "payment succeeded after the order was cancelled");
	assert_string_equal(f->change.reason, f->change.money.refund_reason);
	assert_int_equal(f->change.at_us, FAKE_NOW_US);
}

/* Rows recorded before the payment id was kept refund under their key. */
static void test_late_payment_without_id(void **state)
{
	struct fixture *f = *state;

	assert_true(decide(f, INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_CANCELLED));
	assert_refund(f, "pay-123", "after the order was cancelled");
}

static void test_second_payment_refunded(void **state)
{
	struct fixture *f = *state;

	snprintf(f->change.money.captured_payment_id, sizeof(f->change.money.captured_payment_id),
		 "pay-1");
	snprintf(f->row.payment_id, sizeof(f->row.payment_id), "pay-2");
	assert_true(decide(f, INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_PAID));
	assert_money_only(f, ORDER_PAID);
	assert_refund(f, "pay-2", "second payment for an order already paid");
}

/* An order paid before payments were recorded adopts the payment that
 * reports it, and refunds nothing. */
static void test_unrecorded_payment_adopted(void **state)
{
	struct fixture *f = *state;

	snprintf(f->row.payment_id, sizeof(f->row.payment_id), "pay-old");
	assert_true(decide(f, INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_DELIVERED));
	assert_money_only(f, ORDER_DELIVERED);
	assert_string_equal(f->change.money.capture_payment_id, "pay-old");
	assert_false(f->change.money.refund);
}

static void test_shipping_failed_refunds_payment(void **state)
{
	struct fixture *f = *state;

	snprintf(f->change.money.captured_payment_id, sizeof(f->change.money.captured_payment_id),
		 "pay-1");
	assert_true(decide(f, INBOX_TYPE_SHIPPING_FAILED, ORDER_PAID));
	assert_int_equal(f->change.to, ORDER_CANCELLED);
	assert_int_equal(f->change.msg_count, 2);
	assert_refund(f, "pay-1", "order cancelled after payment: shipping failed");
	assert_null(f->change.money.payment_cancel.payload);
}

/* Without a recorded payment the refund is keyed by the order. */
static void test_shipping_failed_unrecorded_payment(void **state)
{
	struct fixture *f = *state;
	char key[64], id[UUID_STR_LEN + 1];

	assert_true(decide(f, INBOX_TYPE_SHIPPING_FAILED, ORDER_PAID));
	uuid_format(&f->order.id, id);
	snprintf(key, sizeof(key), "order-%s", id);
	assert_refund(f, key, "shipping failed");
}

/* Through the fake store: a late payment reported ten times under ten keys
 * is refunded once, with one history row and one pair of messages. */
static void test_late_payment_refunded_once(void **state)
{
	struct fixture *f = *state;
	struct fake_repo *repo = fake_repo_new();
	struct fake_order *fo;
	struct os_error err;
	int i;

	assert_non_null(repo);
	f->order.status = ORDER_CANCELLED;
	fo = fake_repo_put(repo, &f->order, "fp");
	snprintf(f->row.payment_id, sizeof(f->row.payment_id), "pay-late");
	for (i = 0; i < 10; i++) {
		snprintf(f->row.message_id, sizeof(f->row.message_id), "cb-%d", i);
		snprintf(f->row.type, sizeof(f->row.type), "%s", INBOX_TYPE_PAYMENT_SUCCEEDED);
		fake_repo_prepare_change(fo, &f->change);
		assert_true(inbox_decide(&f->d, &f->row, &fo->order, &f->change, &f->outcome));
		assert_int_equal(fake_repo_write(repo, fo, &f->change, &err), OS_OK);
		order_change_release(&f->change);
	}
	assert_int_equal(repo->refund_count, 1);
	assert_int_equal(repo->msg_count, 2);
	assert_non_null(fake_repo_msg(repo, "payment.refund", "payments"));
	assert_non_null(fake_repo_msg(repo, "order.refund_requested", "order.events"));
	assert_int_equal(fo->history_count, 2);
	assert_int_equal(fo->history[1].from, ORDER_CANCELLED);
	assert_int_equal(fo->history[1].to, ORDER_CANCELLED);
	assert_contains(fo->history[1].reason, "refund requested (payment pay-late)");
	assert_int_equal(fo->order.status, ORDER_CANCELLED);
	f->change.msg_count = UNTOUCHED;
	fake_repo_free(repo);
}

/* pending, then succeeded for one key: the second pays the order. */
static void test_pending_then_succeeded(void **state)
{
	struct fixture *f = *state;

	assert_false(decide(f, INBOX_TYPE_PAYMENT_PENDING, ORDER_NEW));
	assert_not_applied(f, INBOX_PROCESSED, "pending");
	assert_true(decide(f, INBOX_TYPE_PAYMENT_SUCCEEDED, ORDER_NEW));
	assert_int_equal(f->change.to, ORDER_PAID);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_payment_succeeded),
    TEST(test_payment_failed_releases_stock),
    TEST(test_no_release_without_local_inventory),
    TEST(test_shipped_and_delivered),
    TEST(test_duplicate),
    TEST(test_pending_impossible_unknown),
    TEST(test_early_defers_with_growing_delay),
    TEST(test_early_delay_capped),
    TEST(test_early_gives_up),
    TEST(test_missing_order),
    TEST(test_late_payment_refunded),
    TEST(test_late_payment_without_id),
    TEST(test_second_payment_refunded),
    TEST(test_unrecorded_payment_adopted),
    TEST(test_shipping_failed_refunds_payment),
    TEST(test_shipping_failed_unrecorded_payment),
    TEST(test_late_payment_refunded_once),
    TEST(test_pending_then_succeeded),
};

TEST_MAIN(tests, NULL, NULL);
