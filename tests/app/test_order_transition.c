/*
 * The transition builder shared by the cancel/expiry use cases and the inbox
 * decision: the messages of the new status, the money part of a
 * cancellation (withdraw and payment.cancel from new, refund from paid,
 * withdraw only for a refused payment), the stock rule, and a failure that
 * leaves nothing allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/order_transition.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

#define SECOND INT64_C(1000000)

struct fixture {
	struct fake_sys sys;
	struct order_settings settings;
	struct order_msg_ctx ctx;
	struct order order;
	struct order_change change;
	struct os_error err;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	fake_msg_ctx(&f.ctx, &f.sys, &f.settings, 5);
	f.ctx.request_id = "req-9";
	f.ctx.traceparent = "";
	fake_order_sample(&f.order, 1, ORDER_NEW, FAKE_NOW_US - SECOND);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	order_change_release(&f->change);
	return 0;
}

static bool has_msg(const struct order_change *c, const char *type, const char *dest)
{
	size_t i;

	for (i = 0; i < c->msg_count; i++) {
		if (strcmp(c->msgs[i].type, type) == 0 && strcmp(c->msgs[i].destination, dest) == 0)
			return true;
	}
	return false;
}

static enum os_status build(struct fixture *f, enum order_status from, enum order_status to,
			    bool refused)
{
	f->order.status = from;
	return order_transition_build(&f->ctx, &f->order, to, "why", refused, FAKE_NOW_US,
				      &f->change, &f->err);
}

static void test_cancel_new_api_order(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, ORDER_NEW, ORDER_CANCELLED, false), OS_OK);
	assert_int_equal(f->change.to, ORDER_CANCELLED);
	assert_string_equal(f->change.reason, "why");
	assert_int_equal(f->change.at_us, FAKE_NOW_US);
	assert_true(f->change.release_stock);
	assert_int_equal(f->change.msg_count, 2);
	assert_true(has_msg(&f->change, "order.cancelled", "order.events"));
	assert_true(has_msg(&f->change, "order.cancelled", "notifications"));
	assert_true(f->change.money.withdraw_payment);
	assert_non_null(f->change.money.payment_cancel.payload);
	assert_string_equal(f->change.money.payment_cancel.type, OUTBOX_TYPE_PAYMENT_CANCEL);
	assert_false(f->change.money.refund);
}

static void test_refused_payment_only_withdraws(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, ORDER_NEW, ORDER_CANCELLED, true), OS_OK);
	assert_true(f->change.money.withdraw_payment);
	assert_null(f->change.money.payment_cancel.payload);
	assert_false(f->change.money.refund);
	assert_true(f->change.release_stock);
}

static void test_cancel_paid_refunds(void **state)
{
	struct fixture *f = *state;

	snprintf(f->change.money.captured_payment_id, sizeof(f->change.money.captured_payment_id),
		 "pay-5");
	assert_int_equal(build(f, ORDER_PAID, ORDER_CANCELLED, false), OS_OK);
	assert_true(f->change.money.refund);
	assert_string_equal(f->change.money.refund_payment_id, "pay-5");
	assert_int_equal(f->change.money.refund_amount_cents, f->order.amount_cents);
	assert_int_equal(f->change.money.refund_msg_count, ORDER_REFUND_MSGS);
	assert_false(f->change.money.withdraw_payment);
}

static void test_no_stock_back_for_webhook_or_remote_stock(void **state)
{
	struct fixture *f = *state;

	f->order.source = ORDER_SOURCE_WEBHOOK;
	assert_int_equal(build(f, ORDER_NEW, ORDER_CANCELLED, false), OS_OK);
	assert_false(f->change.release_stock);
	order_change_release(&f->change);
	memset(&f->change, 0, sizeof(f->change));
	f->order.source = ORDER_SOURCE_API;
	f->settings.local_inventory = false;
	assert_int_equal(build(f, ORDER_NEW, ORDER_CANCELLED, false), OS_OK);
	assert_false(f->change.release_stock);
}

static void test_paid_has_no_money_part(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, ORDER_NEW, ORDER_PAID, false), OS_OK);
	assert_int_equal(f->change.to, ORDER_PAID);
	assert_false(f->change.release_stock);
	assert_int_equal(f->change.msg_count, 3);
	assert_true(has_msg(&f->change, "shipping.requested", "shipping.requests"));
	assert_false(f->change.money.withdraw_payment);
	assert_false(f->change.money.refund);
	assert_null(f->change.money.payment_cancel.payload);
}

static void test_failure_leaves_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(build(f, ORDER_PAID, ORDER_NEW, false), OS_EINVAL);
	assert_int_equal(f->change.msg_count, 0);
	assert_null(f->change.money.payment_cancel.payload);
	assert_int_equal(f->change.money.refund_msg_count, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_cancel_new_api_order, setup, teardown),
    cmocka_unit_test_setup_teardown(test_refused_payment_only_withdraws, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cancel_paid_refunds, setup, teardown),
    cmocka_unit_test_setup_teardown(test_no_stock_back_for_webhook_or_remote_stock, setup,
				    teardown),
    cmocka_unit_test_setup_teardown(test_paid_has_no_money_part, setup, teardown),
    cmocka_unit_test_setup_teardown(test_failure_leaves_nothing, setup, teardown),
};

TEST_MAIN(tests, NULL, NULL);
