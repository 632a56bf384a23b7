/*
 * order_cancel and order_expire_stale over fakes: which statuses may be
 * cancelled, what a cancellation writes (history, stock, messages, and the
 * money: the payment request withdrawn or cancelled, a paid order's payment
 * refunded once), and that a refusal writes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/order_service.h"
#include "domain/utf8.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

static struct fake_order *put(struct fake_env *e, int n, enum order_status st, int64_t created)
{
	struct order o;

	fake_order_sample(&o, n, st, created);
	return fake_repo_put(e->repo, &o, "fp");
}

static enum os_status cancel(struct fake_env *e, struct fake_order *fo, const char *reason,
			     struct order *out, struct os_error *err)
{
	struct order_trace trace;

	memset(&trace, 0, sizeof(trace));
	snprintf(trace.request_id, sizeof(trace.request_id), "req-9");
	os_error_clear(err);
	return order_cancel(&e->svc, &fo->order.id, reason, &trace, out, err);
}

/* cancel, which must succeed; returns the order it answers (static). */
static const struct order *cancel_ok(struct fake_env *e, struct fake_order *fo, const char *reason)
{
	static struct order out;
	struct os_error err;

	assert_int_equal(cancel(e, fo, reason, &out, &err), OS_OK);
	return &out;
}

static void test_cancel_new(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 1, ORDER_NEW, FAKE_NOW_US - 5000000);
	const struct order *out = cancel_ok(e, fo, NULL);
	const struct fake_msg *m;

	assert_int_equal(out->status, ORDER_CANCELLED);
	assert_int_equal(out->version, 2);
	assert_int_equal(out->updated_at_us, FAKE_NOW_US);
	assert_int_equal(fo->history_count, 2);
	assert_string_equal(fo->history[1].reason, "cancelled by request");
	assert_int_equal(fo->history[1].from, ORDER_NEW);
	assert_int_equal(e->repo->stock_releases, 1);
	assert_int_equal(e->repo->msg_count, 2);
	m = fake_repo_msg(e->repo, "order.cancelled", "notifications");
	assert_non_null(m);
	assert_true(fake_json_valid(m->payload));
	assert_contains(m->payload, "was cancelled: cancelled by request\"");
	assert_contains(m->payload, "\"event_type\":\"order.cancelled\"");
	assert_string_equal(m->headers, "{\"request_id\":\"req-9\"}");
	m = fake_repo_msg(e->repo, "order.cancelled", "order.events");
	assert_non_null(m);
	assert_true(fake_json_valid(m->payload));
	assert_contains(m->payload, "\"status\":\"cancelled\"");
	assert_contains(m->payload, "\"from\":\"new\",\"to\":\"cancelled\","
				    "\"reason\":\"cancelled by request\"");
	assert_contains(m->payload, "\"occurred_at\":\"2026-01-01T00:00:00.000Z\"");
}

static void test_cancel_paid_with_reason(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 2, ORDER_PAID, FAKE_NOW_US);

	e->settings.local_inventory = false;
	assert_int_equal(cancel_ok(e, fo, "changed my mind")->status, ORDER_CANCELLED);
	assert_string_equal(fo->history[1].reason, "changed my mind");
	assert_int_equal(e->repo->stock_releases, 0);
	assert_non_null(fake_repo_msg(e->repo, "order.cancelled", "order.events"));
	assert_null(fake_repo_msg(e->repo, "shipping.requested", NULL));
}

static void test_cancel_twice_is_ok(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 3, ORDER_CANCELLED, FAKE_NOW_US);

	assert_int_equal(cancel_ok(e, fo, NULL)->status, ORDER_CANCELLED);
	assert_int_equal(e->repo->commits, 0);
	assert_int_equal(e->repo->msg_count, 0);
}

static void test_cancel_refused_after_shipment(void **state)
{
	static const enum order_status late[] = {ORDER_SHIPPED, ORDER_DELIVERED};
	struct fake_env *e = *state;
	struct order out;
	struct os_error err;
	char want[128];
	size_t i;

	for (i = 0; i < 2; i++) {
		struct fake_order *fo = put(e, 10 + (int)i, late[i], FAKE_NOW_US);

		out.version = 77;
		assert_int_equal(cancel(e, fo, NULL, &out, &err), OS_ECONFLICT);
		snprintf(want, sizeof(want), "order is %s and can no longer be cancelled",
			 order_status_name(late[i]));
		assert_string_equal(err.message, want);
		assert_int_equal(out.version, 77);
		assert_int_equal(fo->order.status, late[i]);
	}
	assert_int_equal(e->repo->commits, 0);
	assert_int_equal(e->repo->msg_count, 0);
}

static void test_cancel_unknown(void **state)
{
	struct fake_env *e = *state;
	struct order ghost, out;
	struct os_error err;

	fake_order_sample(&ghost, 42, ORDER_NEW, FAKE_NOW_US);
	assert_int_equal(order_cancel(&e->svc, &ghost.id, NULL, NULL, &out, &err), OS_ENOTFOUND);
}

static void test_cancel_reason_too_long(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 4, ORDER_NEW, FAKE_NOW_US);
	char reason[ORDER_REASON_MAX + 2];
	struct order out;
	struct os_error err;

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	assert_int_equal(cancel(e, fo, reason, &out, &err), OS_EINVAL);
	assert_string_equal(err.field, "reason");
	assert_int_equal(fo->order.status, ORDER_NEW);
}

static void test_history_pass_through(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 5, ORDER_NEW, FAKE_NOW_US);
	struct order_history_entry h[ORDER_HISTORY_MAX];
	struct order out;
	struct os_error err;
	size_t n = 0;

	cancel_ok(e, fo, NULL);
	assert_int_equal(order_history(&e->svc, &fo->order.id, h, ORDER_HISTORY_MAX, &n, &err),
			 OS_OK);
	assert_int_equal(n, 2);
	assert_false(h[0].has_from);
	assert_true(h[1].has_from);
	assert_int_equal(h[1].to, ORDER_CANCELLED);
	assert_int_equal(order_get(&e->svc, &fo->order.id, &out, &err), OS_OK);
	assert_int_equal(out.status, ORDER_CANCELLED);
}

/* Cancelling a new order withdraws its payment request; nothing to cancel
 * at the payment service while the request was never delivered. */
static void test_cancel_new_withdraws_payment(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 1, ORDER_NEW, FAKE_NOW_US - 5000000);

	cancel_ok(e, fo, NULL);
	assert_int_equal(fo->withdrawals, 1);
	assert_null(fake_repo_msg(e->repo, "payment.cancel", NULL));
	assert_int_equal(e->repo->refund_count, 0);
}

/* A delivered payment request is followed by a payment.cancel. */
static void test_cancel_new_cancels_delivered_payment(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 1, ORDER_NEW, FAKE_NOW_US - 5000000);
	const struct fake_msg *m;
	char id[UUID_STR_LEN + 1], want[96];

	fo->payment_delivered = true;
	cancel_ok(e, fo, NULL);
	m = fake_repo_msg(e->repo, "payment.cancel", "payments");
	assert_non_null(m);
	assert_true(fake_json_valid(m->payload));
	uuid_format(&fo->order.id, id);
	snprintf(want, sizeof(want), "{\"order_id\":\"%s\",\"idempotency_key\":\"", id);
	assert_contains(m->payload, want);
	assert_string_equal(m->headers, "{\"request_id\":\"req-9\"}");
}

/* A paid order cancelled before shipment: one refund of the payment that
 * paid it, with its history row, whatever the number of cancels. */
static void test_cancel_paid_refunds_once(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 1, ORDER_PAID, FAKE_NOW_US - 5000000);
	const struct fake_msg *m;

	snprintf(fo->captured_payment_id, sizeof(fo->captured_payment_id), "pay-9");
	cancel_ok(e, fo, "changed my mind");
	cancel_ok(e, fo, "changed my mind");
	assert_int_equal(e->repo->refund_count, 1);
	assert_string_equal(e->repo->refund_keys[0], "pay-9");
	m = fake_repo_msg(e->repo, "payment.refund", "payments");
	assert_non_null(m);
	assert_contains(m->payload, "\"payment_id\":\"pay-9\",\"amount\":\"350.00\"");
	assert_contains(m->payload, "order cancelled after payment: changed my mind");
	assert_non_null(fake_repo_msg(e->repo, "order.refund_requested", "order.events"));
	assert_int_equal(fo->history_count, 3);
	assert_int_equal(fo->history[1].to, ORDER_CANCELLED);
	assert_int_equal(fo->history[2].from, ORDER_CANCELLED);
	assert_int_equal(fo->history[2].to, ORDER_CANCELLED);
	assert_contains(fo->history[2].reason, "refund requested (payment pay-9)");
	assert_int_equal(fo->withdrawals, 0);
}

/* A long reason of multi-byte characters is cut on a character boundary
 * in the refund's history row and messages: PostgreSQL refuses broken
 * UTF-8. */
static void test_cancel_paid_multibyte_reason(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 1, ORDER_PAID, FAKE_NOW_US - 5000000);
	const struct fake_msg *m;
	char reason[30 * 3 + 1];
	char want[128];
	size_t i;

	for (i = 0; i < 30; i++)
		memcpy(reason + 3 * i, "\xe2\x82\xac", 3); /* € */
	reason[sizeof(reason) - 1] = '\0';
	/* The id's 48th byte is the first of an é: the id is cut before it. */
	snprintf(fo->captured_payment_id, sizeof(fo->captured_payment_id), "pay-%043d\xc3\xa9x", 0);
	snprintf(want, sizeof(want), "refund requested (payment pay-%043d): order cancelled", 0);
	cancel_ok(e, fo, reason);
	assert_int_equal(fo->history_count, 3);
	assert_contains(fo->history[2].reason, want);
	assert_true(strlen(fo->history[2].reason) <= ORDER_REASON_MAX);
	assert_true(utf8_valid(fo->history[2].reason, strlen(fo->history[2].reason)));
	m = fake_repo_msg(e->repo, "payment.refund", "payments");
	assert_non_null(m);
	assert_contains(m->payload, "order cancelled after payment: \xe2\x82\xac");
	assert_true(utf8_valid(m->payload, strlen(m->payload)));
}

static void test_expire_stale(void **state)
{
	struct fake_env *e = *state;
	int64_t hour = INT64_C(3600000000);
	struct fake_order *old_new = put(e, 1, ORDER_NEW, FAKE_NOW_US - 2 * hour);
	struct fake_order *fresh = put(e, 2, ORDER_NEW, FAKE_NOW_US - 1000);
	struct fake_order *old_paid = put(e, 3, ORDER_PAID, FAKE_NOW_US - 2 * hour);
	struct os_error err;
	size_t n = 99;

	assert_int_equal(order_expire_stale(&e->svc, FAKE_NOW_US - hour, 10, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(old_new->order.status, ORDER_CANCELLED);
	assert_string_equal(old_new->history[1].reason, "payment not received within the deadline");
	assert_int_equal(fresh->order.status, ORDER_NEW);
	assert_int_equal(old_paid->order.status, ORDER_PAID);
	assert_int_equal(e->repo->stock_releases, 1);
	assert_non_null(fake_repo_msg(e->repo, "order.cancelled", "order.events"));
	assert_null(fake_repo_msg(e->repo, "order.cancelled", "order.events")->headers);
	/* the sweeper withdraws the payment request like a user's cancel */
	assert_int_equal(old_new->withdrawals, 1);
	assert_int_equal(e->repo->refund_count, 0);
}

static void test_expire_respects_max(void **state)
{
	struct fake_env *e = *state;
	struct os_error err;
	size_t n = 0;
	int i;

	for (i = 0; i < 5; i++)
		put(e, i + 1, ORDER_NEW, FAKE_NOW_US - 100);
	assert_int_equal(order_expire_stale(&e->svc, FAKE_NOW_US, 2, &n, &err), OS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(e->repo->commits, 2);
	assert_int_equal(order_expire_stale(&e->svc, FAKE_NOW_US, 10, &n, &err), OS_OK);
	assert_int_equal(n, 3);
}

static void test_database_down(void **state)
{
	struct fake_env *e = *state;
	struct fake_order *fo = put(e, 1, ORDER_NEW, FAKE_NOW_US);
	struct order out;
	struct os_error err;
	size_t n = 0;

	e->repo->fail_with = OS_EUNAVAIL;
	assert_int_equal(cancel(e, fo, NULL, &out, &err), OS_EUNAVAIL);
	assert_int_equal(order_expire_stale(&e->svc, FAKE_NOW_US, 10, &n, &err), OS_EUNAVAIL);
}

static const struct CMUnitTest tests[] = {
    fake_env_test(test_cancel_new),
    fake_env_test(test_cancel_paid_with_reason),
    fake_env_test(test_cancel_twice_is_ok),
    fake_env_test(test_cancel_refused_after_shipment),
    fake_env_test(test_cancel_unknown),
    fake_env_test(test_cancel_reason_too_long),
    fake_env_test(test_history_pass_through),
    fake_env_test(test_cancel_new_withdraws_payment),
    fake_env_test(test_cancel_new_cancels_delivered_payment),
    fake_env_test(test_cancel_paid_refunds_once),
    fake_env_test(test_cancel_paid_multibyte_reason),
    fake_env_test(test_expire_stale),
    fake_env_test(test_expire_respects_max),
    fake_env_test(test_database_down),
};

TEST_MAIN(tests, NULL, NULL);
