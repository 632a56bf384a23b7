/*
 * The money rules of an order change (DESIGN §5): the verdict on a
 * succeeded payment for every status, the refund request (its key, amount,
 * bounded reason and two messages) with its refusals, and cancelling, which
 * withdraws and cancels the payment request of a new order, refunds the
 * paying payment of a paid one and asks nothing of the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/order_money.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

/* The sample order's id (fake_order_sample, n = 1) and its refund key when
 * the paying payment is not recorded. */
#define ORDER_ID  "01000000-0000-7000-8000-000000000001"
#define ORDER_KEY "order-" ORDER_ID
/* FAKE_NOW_US + 1.5 s, as the events' RFC 3339 time. */
#define AT_US	(FAKE_NOW_US + INT64_C(1500000))
#define AT_TEXT "2026-01-01T00:00:01.500Z"

struct fixture {
	struct fake_sys sys;
	struct order_settings settings;
	struct order_msg_ctx ctx;
	struct order order;
	struct order_money money;
	struct os_error err;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	fake_msg_ctx(&f.ctx, &f.sys, &f.settings, 5);
	fake_order_sample(&f.order, 1, ORDER_PAID, FAKE_NOW_US);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	order_money_release(&f->money);
	return 0;
}

/* head, n copies of the UTF-8 character ch, then tail. */
static void repeat(char *buf, size_t cap, const char *head, const char *ch, size_t n,
		   const char *tail)
{
	size_t i, len = strlen(ch);
	size_t at = (size_t)snprintf(buf, cap, "%s", head);

	for (i = 0; i < n; i++, at += len) {
		assert_true(at + len < cap);
		memcpy(buf + at, ch, len);
	}
	assert_true(at + strlen(tail) < cap);
	snprintf(buf + at, cap - at, "%s", tail);
}

static void test_judge_payment(void **state)
{
	static const struct {
		enum order_status status;
		const char *captured, *payment_id;
		enum order_payment_verdict want;
	} cases[] = {
	    {ORDER_NEW, "", "pay-1", ORDER_PAYMENT_CAPTURE},
	    {ORDER_CANCELLED, "", "pay-1", ORDER_PAYMENT_REFUND},
	    /* even the payment that paid it, reported after the cancel */
	    {ORDER_CANCELLED, "pay-1", "pay-1", ORDER_PAYMENT_REFUND},
	    {ORDER_CANCELLED, "pay-1", "pay-2", ORDER_PAYMENT_REFUND},
	    {ORDER_PAID, "pay-1", "pay-1", ORDER_PAYMENT_DUPLICATE},
	    {ORDER_PAID, "pay-1", "pay-2", ORDER_PAYMENT_REFUND},
	    {ORDER_PAID, "", "pay-1", ORDER_PAYMENT_ADOPT},
	    /* ids are compared whole and exactly */
	    {ORDER_PAID, "pay-1", "pay-10", ORDER_PAYMENT_REFUND},
	    {ORDER_PAID, "pay-10", "pay-1", ORDER_PAYMENT_REFUND},
	    {ORDER_PAID, "pay-1", "PAY-1", ORDER_PAYMENT_REFUND},
	    {ORDER_SHIPPED, "pay-1", "pay-1", ORDER_PAYMENT_DUPLICATE},
	    {ORDER_SHIPPED, "pay-1", "pay-2", ORDER_PAYMENT_REFUND},
	    {ORDER_SHIPPED, "", "pay-1", ORDER_PAYMENT_ADOPT},
	    {ORDER_DELIVERED, "pay-1", "pay-1", ORDER_PAYMENT_DUPLICATE},
	    {ORDER_DELIVERED, "pay-1", "pay-2", ORDER_PAYMENT_REFUND},
	    {ORDER_DELIVERED, "", "pay-1", ORDER_PAYMENT_ADOPT},
	};
	struct order o;
	size_t i;

	(void)state;
	fake_order_sample(&o, 1, ORDER_NEW, FAKE_NOW_US);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum order_payment_verdict got;

		o.status = cases[i].status;
		got = order_money_judge_payment(&o, cases[i].captured, cases[i].payment_id);
		if (got != cases[i].want)
			fail_msg(
			    "case %zu: %s order, captured \"%s\", payment %s: verdict %d, want %d",
			    i, order_status_name(cases[i].status), cases[i].captured,
			    cases[i].payment_id, got, cases[i].want);
	}
}

/* m asks for a refund of key, 350.00 RUB, with this history reason and these
 * two messages, the refund's why in both payloads; nothing else. */
static void assert_refund(const struct fixture *f, const char *key, const char *reason,
			  const char *why)
{
	const struct order_money *m = &f->money;
	char want[256];
	size_t i;

	assert_true(m->refund);
	assert_string_equal(m->refund_payment_id, key);
	assert_int_equal(m->refund_amount_cents, 35000);
	assert_string_equal(m->refund_reason, reason);
	assert_false(m->withdraw_payment);
	assert_null(m->payment_cancel.payload);
	assert_string_equal(m->capture_payment_id, "");
	assert_int_equal(m->refund_msg_count, 2);
	assert_string_equal(m->refund_msgs[0].type, "payment.refund");
	assert_string_equal(m->refund_msgs[0].destination, "payments");
	assert_string_equal(m->refund_msgs[1].type, "order.refund_requested");
	assert_string_equal(m->refund_msgs[1].destination, "order.events");
	assert_false(uuid_equal(&m->refund_msgs[0].event_id, &m->refund_msgs[1].event_id));
	for (i = 0; i < 2; i++) {
		const char *p = m->refund_msgs[i].payload;

		assert_true(fake_json_valid(p));
		assert_true(uuid_equal(&m->refund_msgs[i].aggregate_id, &f->order.id));
		assert_contains(p, "\"order_id\":\"" ORDER_ID "\"");
		assert_contains(p, "\"amount\":\"350.00\",\"currency\":\"RUB\"");
		snprintf(want, sizeof(want), "\"payment_id\":\"%s\"", key);
		assert_contains(p, want);
		snprintf(want, sizeof(want), "\"reason\":\"%s\"", why);
		assert_contains(p, want);
	}
	assert_contains(m->refund_msgs[1].payload, "\"occurred_at\":\"" AT_TEXT "\"");
}

static void test_refund(void **state)
{
	struct fixture *f = *state;
	const char *why = "second payment for an order already paid";

	assert_int_equal(
	    order_money_refund(&f->ctx, &f->order, "pay-42", why, AT_US, &f->money, &f->err),
	    OS_OK);
	assert_refund(f, "pay-42",
		      "refund requested (payment pay-42): second payment for an order already paid",
		      why);
	assert_contains(f->money.refund_msgs[1].payload, "\"status\":\"paid\"");
}

/* A refund is of the order's whole amount, whatever its status. */
static void test_refund_of_cancelled_order(void **state)
{
	struct fixture *f = *state;

	f->order.status = ORDER_CANCELLED;
	f->order.amount_cents = 1;
	assert_int_equal(
	    order_money_refund(&f->ctx, &f->order, "pay-late", "late", AT_US, &f->money, &f->err),
	    OS_OK);
	assert_int_equal(f->money.refund_amount_cents, 1);
	assert_contains(f->money.refund_msgs[0].payload, "\"amount\":\"0.01\"");
	assert_contains(f->money.refund_msgs[1].payload, "\"status\":\"cancelled\"");
	assert_string_equal(f->money.refund_reason, "refund requested (payment pay-late): late");
}

/* The refund key is 1 to ORDER_REFUND_KEY_MAX bytes (a payment id, or
 * "order-<uuid>"); outside, OS_EINVAL on the field payment_id and nothing
 * asked. */
static void test_refund_payment_id_bounds(void **state)
{
	static const struct {
		size_t len;
		enum os_status want;
	} cases[] = {
	    {0, OS_EINVAL},
	    {1, OS_OK},
	    {ORDER_PAYMENT_ID_MAX, OS_OK},
	    {ORDER_PAYMENT_ID_MAX + 1, OS_OK},
	    {ORDER_REFUND_KEY_MAX, OS_OK},
	    {ORDER_REFUND_KEY_MAX + 1, OS_EINVAL},
	    {1000, OS_EINVAL},
	};
	struct fixture *f = *state;
	char id[1001];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum os_status st;

		memset(id, 'p', cases[i].len);
		id[cases[i].len] = '\0';
		teardown(state);
		memset(&f->money, 0, sizeof(f->money));
		memset(&f->err, 0, sizeof(f->err));
		st = order_money_refund(&f->ctx, &f->order, id, "why", AT_US, &f->money, &f->err);
		if (st != cases[i].want)
			fail_msg("case %zu: an id of %zu bytes gave %s", i, cases[i].len,
				 os_status_name(st));
		if (st == OS_OK) {
			assert_string_equal(f->money.refund_payment_id, id);
			continue;
		}
		assert_string_equal(f->err.field, "payment_id");
		assert_false(f->money.refund);
		assert_int_equal(f->money.refund_msg_count, 0);
		assert_null(f->money.refund_msgs[0].payload);
	}
	assert_int_equal(
	    order_money_refund(&f->ctx, &f->order, NULL, "why", AT_US, &f->money, &f->err),
	    OS_EINVAL);
	assert_false(f->money.refund);
}

/* The history reason stays within ORDER_REASON_MAX and whole characters:
 * the id is cut to 48 bytes, then the end of the text. The payloads and the
 * key keep the whole id and why. */
static void test_refund_reason_bounded(void **state)
{
	struct fixture *f = *state;
	char id[128], why[256], want[512];

	/* 'x' and 30 two-byte characters: 48 bytes end inside the 24th */
	repeat(id, sizeof(id), "x", "\xc3\xa9", 30, "");
	assert_int_equal(order_money_refund(&f->ctx, &f->order, id, "w", AT_US, &f->money, &f->err),
			 OS_OK);
	repeat(want, sizeof(want), "refund requested (payment x", "\xc3\xa9", 23, "): w");
	assert_string_equal(f->money.refund_reason, want);
	assert_string_equal(f->money.refund_payment_id, id);
	teardown(state);
	memset(&f->money, 0, sizeof(f->money));

	/* 49 ASCII bytes: 48 of them */
	repeat(id, sizeof(id), "", "a", 49, "");
	assert_int_equal(order_money_refund(&f->ctx, &f->order, id, "w", AT_US, &f->money, &f->err),
			 OS_OK);
	repeat(want, sizeof(want), "refund requested (payment ", "a", 48, "): w");
	assert_string_equal(f->money.refund_reason, want);
	teardown(state);
	memset(&f->money, 0, sizeof(f->money));

	/* 35 bytes of head, then 100 two-byte characters: 128 bytes end inside
	 * the 47th, so 46 of them stay (127 bytes) */
	repeat(why, sizeof(why), "", "\xc3\xa9", 100, "");
	assert_int_equal(
	    order_money_refund(&f->ctx, &f->order, "pay-12", why, AT_US, &f->money, &f->err),
	    OS_OK);
	repeat(want, sizeof(want), "refund requested (payment pay-12): ", "\xc3\xa9", 46, "");
	assert_string_equal(f->money.refund_reason, want);
	assert_int_equal(strlen(f->money.refund_reason), 127);
	snprintf(want, sizeof(want), "\"reason\":\"%s\"", why);
	assert_contains(f->money.refund_msgs[0].payload, want);
}

/* From new: the payment request is withdrawn and a payment.cancel built for
 * the case it was delivered; no refund. */
static void test_cancel_new(void **state)
{
	struct fixture *f = *state;
	const struct outbox_msg *c = &f->money.payment_cancel;

	f->order.status = ORDER_NEW;
	assert_int_equal(
	    order_money_cancel(&f->ctx, &f->order, "changed my mind", AT_US, &f->money, &f->err),
	    OS_OK);
	assert_true(f->money.withdraw_payment);
	assert_string_equal(c->type, "payment.cancel");
	assert_string_equal(c->destination, "payments");
	assert_true(uuid_equal(&c->aggregate_id, &f->order.id));
	assert_true(fake_json_valid(c->payload));
	assert_contains(c->payload, "\"order_id\":\"" ORDER_ID "\"");
	assert_contains(c->payload, "\"idempotency_key\":\"");
	assert_false(f->money.refund);
	assert_int_equal(f->money.refund_msg_count, 0);
}

/* From paid: a refund of the paying payment, or of the order's own key when
 * the payment was not recorded; the why follows the fixed text, absent
 * when empty, cut to 64 bytes. */
static void test_cancel_paid(void **state)
{
#define WHY64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	static const struct {
		const char *captured, *why, *key, *text, *reason;
	} cases[] = {
	    {"pay-7", "customer asked", "pay-7", "order cancelled after payment: customer asked",
	     "refund requested (payment pay-7): order cancelled after payment: customer asked"},
	    {"", "customer asked", ORDER_KEY, "order cancelled after payment: customer asked",
	     "refund requested (payment " ORDER_KEY "): order cancelled after payment: customer "
	     "asked"},
	    {"pay-7", "", "pay-7", "order cancelled after payment",
	     "refund requested (payment pay-7): order cancelled after payment"},
	    {"pay-7", NULL, "pay-7", "order cancelled after payment",
	     "refund requested (payment pay-7): order cancelled after payment"},
	    /* only the first 64 bytes of a longer why are kept */
	    {"p", WHY64 "TAIL", "p", "order cancelled after payment: " WHY64,
	     "refund requested (payment p): order cancelled after payment: " WHY64},
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown(state);
		memset(&f->money, 0, sizeof(f->money));
		snprintf(f->money.captured_payment_id, sizeof(f->money.captured_payment_id), "%s",
			 cases[i].captured);
		if (order_money_cancel(&f->ctx, &f->order, cases[i].why, AT_US, &f->money,
				       &f->err) != OS_OK)
			fail_msg("case %zu: %s", i, f->err.message);
		assert_refund(f, cases[i].key, cases[i].reason, cases[i].text);
	}
#undef WHY64
}

/* A long why with a long paying id: the reason still fits ORDER_REASON_MAX. */
static void test_cancel_paid_reason_fits(void **state)
{
	struct fixture *f = *state;
	char why[200];

	repeat(f->money.captured_payment_id, sizeof(f->money.captured_payment_id), "", "i",
	       ORDER_PAYMENT_ID_MAX, "");
	repeat(why, sizeof(why), "", "w", 150, "");
	assert_int_equal(order_money_cancel(&f->ctx, &f->order, why, AT_US, &f->money, &f->err),
			 OS_OK);
	assert_int_equal(strlen(f->money.refund_reason), ORDER_REASON_MAX);
	assert_string_equal(f->money.refund_payment_id, f->money.captured_payment_id);
}

/* Shipped, delivered, cancelled: cancelling asks nothing of the money. */
static void test_cancel_asks_nothing(void **state)
{
	static const enum order_status statuses[] = {ORDER_SHIPPED, ORDER_DELIVERED,
						     ORDER_CANCELLED};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		memset(&f->money, 0, sizeof(f->money));
		snprintf(f->money.captured_payment_id, sizeof(f->money.captured_payment_id),
			 "pay-1");
		f->order.status = statuses[i];
		assert_int_equal(
		    order_money_cancel(&f->ctx, &f->order, "why", AT_US, &f->money, &f->err),
		    OS_OK);
		if (f->money.refund || f->money.withdraw_payment ||
		    f->money.payment_cancel.payload != NULL || f->money.refund_msg_count != 0)
			fail_msg("case %zu: a %s order asked for money", i,
				 order_status_name(statuses[i]));
	}
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_judge_payment),
    TEST(test_refund),
    TEST(test_refund_of_cancelled_order),
    TEST(test_refund_payment_id_bounds),
    TEST(test_refund_reason_bounded),
    TEST(test_cancel_new),
    TEST(test_cancel_paid),
    TEST(test_cancel_paid_reason_fits),
    TEST(test_cancel_asks_nothing),
};

TEST_MAIN(tests, NULL, NULL);
