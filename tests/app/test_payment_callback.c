/*
 * Accepting payment callbacks: the order must exist and match (a callback
 * naming no user is refused), then the callback is recorded in the inbox
 * once per idempotency key and status, with its payment id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/payment_callback.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

static const char RAW[] = "{\"id\":\"p-1\",\"status\":\"succeeded\"}";

struct fixture {
	struct fake_env *env;
	struct fake_inbox inbox;
	struct order order;
	struct payment_callback cb;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.env = fake_env_new(true);
	if (f.env == NULL)
		return -1;
	fake_inbox_init(&f.inbox);
	fake_order_sample(&f.order, 1, ORDER_NEW, FAKE_NOW_US);
	fake_repo_put(f.env->repo, &f.order, "fp");
	snprintf(f.cb.id, sizeof(f.cb.id), "p-1");
	snprintf(f.cb.user_id, sizeof(f.cb.user_id), "%s", f.order.user_id);
	f.cb.order_id = f.order.id;
	f.cb.amount_cents = f.order.amount_cents;
	f.cb.status = PAYMENT_SUCCEEDED;
	snprintf(f.cb.idempotency_key, sizeof(f.cb.idempotency_key), "key-1");
	f.cb.raw = RAW;
	f.cb.raw_len = sizeof(RAW) - 1;
	snprintf(f.cb.request_id, sizeof(f.cb.request_id), "req-3");
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_inbox_release(&f->inbox);
	fake_env_free(f->env);
	return 0;
}

static enum os_status accept_cb(struct fixture *f, bool *inserted, struct os_error *err)
{
	os_error_clear(err);
	return payment_callback_accept(&f->env->svc, &f->inbox.inbox, &f->cb, inserted, err);
}

static void test_status_parse(void **state)
{
	static const char *const bad[] = {"", "Succeeded", "succeededx", "fail", "paid"};
	enum payment_status st = PAYMENT_FAILED;
	size_t i;

	(void)state;
	assert_int_equal(payment_status_parse("pending", 7, &st), OS_OK);
	assert_int_equal(st, PAYMENT_PENDING);
	assert_int_equal(payment_status_parse("succeeded", 9, &st), OS_OK);
	assert_int_equal(st, PAYMENT_SUCCEEDED);
	assert_int_equal(payment_status_parse("failed", 6, &st), OS_OK);
	assert_int_equal(st, PAYMENT_FAILED);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(payment_status_parse(bad[i], strlen(bad[i]), &st), OS_EINVAL);
	assert_int_equal(st, PAYMENT_FAILED);
}

static void test_recorded(void **state)
{
	struct fixture *f = *state;
	const struct inbox_msg *m;
	struct os_error err;
	bool inserted = false;

	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_true(inserted);
	assert_int_equal(f->inbox.count, 1);
	m = &f->inbox.rows[0].msg;
	assert_string_equal(m->source, "payments");
	assert_string_equal(m->message_id, "key-1");
	assert_string_equal(m->type, "payment.succeeded");
	assert_true(m->has_order_id);
	assert_true(uuid_equal(&m->order_id, &f->order.id));
	assert_false(m->rejected);
	assert_string_equal(f->inbox.rows[0].payload, RAW);
	assert_string_equal(m->request_id, "req-3");
	assert_string_equal(m->payment_id, "p-1");
}

static void test_duplicate_key(void **state)
{
	struct fixture *f = *state;
	struct os_error err;
	bool inserted = false;

	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_true(inserted);
	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_false(inserted);
	assert_int_equal(f->inbox.count, 1);
}

static void test_types_follow_status(void **state)
{
	struct fixture *f = *state;
	struct os_error err;
	bool inserted;

	f->cb.status = PAYMENT_FAILED;
	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	snprintf(f->cb.idempotency_key, sizeof(f->cb.idempotency_key), "key-2");
	f->cb.status = PAYMENT_PENDING;
	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_string_equal(f->inbox.rows[0].msg.type, "payment.failed");
	assert_string_equal(f->inbox.rows[1].msg.type, "payment.pending");
}

/* pending then succeeded under one key: two rows, so the later status is
 * not lost as a duplicate; the same status again is one. */
static void test_same_key_other_status(void **state)
{
	struct fixture *f = *state;
	struct os_error err;
	bool inserted = false;

	f->cb.status = PAYMENT_PENDING;
	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_true(inserted);
	f->cb.status = PAYMENT_SUCCEEDED;
	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_true(inserted);
	assert_int_equal(accept_cb(f, &inserted, &err), OS_OK);
	assert_false(inserted);
	assert_int_equal(f->inbox.count, 2);
	assert_string_equal(f->inbox.rows[0].msg.type, "payment.pending");
	assert_string_equal(f->inbox.rows[1].msg.type, "payment.succeeded");
}

static void expect_refused(struct fixture *f, enum os_status want, const char *field)
{
	struct os_error err;
	bool inserted = true;

	assert_int_equal(accept_cb(f, &inserted, &err), want);
	if (field != NULL)
		assert_string_equal(err.field, field);
	assert_true(inserted); /* untouched */
	assert_int_equal(f->inbox.count, 0);
}

static void test_unknown_order(void **state)
{
	struct fixture *f = *state;

	f->cb.order_id.b[15] ^= 0xff;
	expect_refused(f, OS_ENOTFOUND, "order_id");
	assert_int_equal(f->inbox.calls, 0);
}

static void test_amount_mismatch(void **state)
{
	struct fixture *f = *state;

	f->cb.amount_cents = f->order.amount_cents + 1;
	expect_refused(f, OS_EINVAL, "amount");
	assert_int_equal(f->inbox.calls, 0);
}

static void test_user_mismatch(void **state)
{
	struct fixture *f = *state;

	snprintf(f->cb.user_id, sizeof(f->cb.user_id), "someone-else");
	expect_refused(f, OS_EINVAL, "user_id");
}

/* No user_id would leave nothing to check the owner against. */
static void test_user_missing(void **state)
{
	struct fixture *f = *state;

	f->cb.user_id[0] = '\0';
	expect_refused(f, OS_EINVAL, "user_id");
	assert_int_equal(f->inbox.calls, 0);
}

static void test_bad_key(void **state)
{
	struct fixture *f = *state;

	f->cb.idempotency_key[0] = '\0';
	expect_refused(f, OS_EINVAL, "idempotency_key");
}

static void test_ports_fail(void **state)
{
	struct fixture *f = *state;

	f->inbox.fail_with = OS_EUNAVAIL;
	expect_refused(f, OS_EUNAVAIL, NULL);
	f->inbox.fail_with = OS_OK;
	f->env->repo->fail_with = OS_EIO;
	expect_refused(f, OS_EIO, NULL);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_status_parse),
    TEST(test_recorded),
    TEST(test_duplicate_key),
    TEST(test_types_follow_status),
    TEST(test_unknown_order),
    TEST(test_amount_mismatch),
    TEST(test_user_mismatch),
    TEST(test_bad_key),
    TEST(test_user_missing),
    TEST(test_same_key_other_status),
    TEST(test_ports_fail),
};

TEST_MAIN(tests, NULL, NULL);
