/*
 * The money rules (DESIGN §5) through the real use cases over a real
 * PostgreSQL: cancelling withdraws an unsent payment request, cancels a
 * sent one, and does not wait for (nor lose) one a relay is sending right
 * now; a payment that succeeds for a cancelled order is refunded once
 * whatever the number of callbacks; cancelling a paid order refunds its
 * payment; a second payment applied while the first one's transaction is
 * open is refunded; the inbox keeps pending and succeeded of one key apart;
 * an admin retry never sends a payment request of an order that left new.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/admin_port.h"
#include "app/inbox_decide.h"
#include "app/order_service.h"
#include "app/outbox_port.h"
#include "infrastructure/crypto/sys_real.h"
#include "infrastructure/postgres/pg_admin.h"
#include "infrastructure/postgres/pg_inbox.h"
#include "infrastructure/postgres/pg_inventory_catalog.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_outbox_store.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"

/* A session with the order service, inbox and admin over it. */
struct env {
	struct pg_session *s;
	struct order_settings settings;
	struct order_service svc;
	struct inbox_writer inbox;
	struct inbox_store store;
	struct inbox_decider decider;
	struct admin admin;
};

static void env_open(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->s = testdb_session();
	snprintf(e->settings.currency, sizeof(e->settings.currency), "EUR");
	snprintf(e->settings.callback_url, sizeof(e->settings.callback_url), "http://cb.test/");
	snprintf(e->settings.topic_order_events, sizeof(e->settings.topic_order_events),
		 "order.events");
	snprintf(e->settings.topic_shipping_requests, sizeof(e->settings.topic_shipping_requests),
		 "shipping.requests");
	e->settings.local_inventory = true;
	pg_order_repo_init(&e->svc.repo, e->s);
	pg_inventory_catalog_init(&e->svc.catalog, e->s);
	crypto_sys_init(&e->svc.sys);
	e->svc.settings = &e->settings;
	pg_inbox_writer_init(&e->inbox, e->s);
	pg_inbox_store_init(&e->store, e->s);
	pg_admin_init(&e->admin, e->s);
	e->decider.settings = &e->settings;
	e->decider.sys = e->svc.sys;
	e->decider.max_attempts = 5;
	e->decider.retry_base_us = 1000;
	e->decider.retry_max_us = 1000;
}

/* A new order of one unit of sku-m (10.00): *o. */
static void create(struct env *e, struct order *o)
{
	struct order_create_request req;
	struct os_error err;
	bool created = false;

	memset(&req, 0, sizeof(req));
	snprintf(req.user_id, sizeof(req.user_id), "u-money");
	sys_new_uuid(&e->svc.sys, &req.idempotency_key);
	req.line_count = 1;
	snprintf(req.lines[0].item_id, sizeof(req.lines[0].item_id), "sku-m");
	req.lines[0].quantity = 1;
	os_error_clear(&err);
	assert_int_equal(order_create(&e->svc, &req, o, &created, &err), OS_OK);
	assert_true(created);
}

static void cancel(struct env *e, const struct order *o)
{
	struct order out;
	struct os_error err;

	os_error_clear(&err);
	assert_int_equal(order_cancel(&e->svc, &o->id, "test", NULL, &out, &err), OS_OK);
	assert_int_equal(out.status, ORDER_CANCELLED);
}

/* How many of the order's outbox rows of a type have the status. */
static int64_t rows_of(const struct order *o, const char *type, const char *status)
{
	char id[UUID_STR_LEN + 1], sql[512];

	uuid_format(&o->id, id);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM outbox WHERE aggregateid = '%s' AND type = '%s' "
		 "AND status = '%s'",
		 id, type, status);
	return testdb_scalar(sql);
}

static int64_t scalar_for(const struct order *o, const char *fmt)
{
	char id[UUID_STR_LEN + 1], sql[512];

	uuid_format(&o->id, id);
	snprintf(sql, sizeof(sql), fmt, id);
	return testdb_scalar(sql);
}

/* 1 if the order has the status, else 0. */
static int64_t in_status(const struct order *o, const char *status)
{
	char fmt[128];

	snprintf(fmt, sizeof(fmt), "SELECT count(*) FROM orders WHERE id = '%%s' AND status = '%s'",
		 status);
	return scalar_for(o, fmt);
}

/* How many refunds the order has of payment pid (NULL: of any payment). */
static int64_t refunds_of(const struct order *o, const char *pid)
{
	char fmt[160];

	snprintf(fmt, sizeof(fmt), "SELECT count(*) FROM refunds WHERE order_id = '%%s'%s%s%s",
		 pid ? " AND payment_id = '" : "", pid ? pid : "", pid ? "'" : "");
	return scalar_for(o, fmt);
}

/* Records a payment callback of payment pid under key with the status type. */
static void record_callback(struct env *e, const struct order *o, const char *key, const char *pid,
			    const char *type, bool *inserted)
{
	struct inbox_msg m;
	struct os_error err;

	memset(&m, 0, sizeof(m));
	snprintf(m.source, sizeof(m.source), INBOX_SOURCE_PAYMENTS);
	snprintf(m.message_id, sizeof(m.message_id), "%s", key);
	snprintf(m.type, sizeof(m.type), "%s", type);
	snprintf(m.payment_id, sizeof(m.payment_id), "%s", pid);
	m.has_order_id = true;
	m.order_id = o->id;
	m.payload = "{}";
	m.payload_len = 2;
	assert_int_equal(inbox_writer_record(&e->inbox, &m, inserted, &err), OS_OK);
}

/* record_callback, then applies the inbox. */
static void callback(struct env *e, const struct order *o, const char *key, const char *pid,
		     const char *type, bool *inserted)
{
	struct os_error err;
	size_t n = 0;

	record_callback(e, o, key, pid, type, inserted);
	assert_int_equal(
	    inbox_store_apply_batch(&e->store, 100, inbox_decide, &e->decider, &n, &err), OS_OK);
}

static int setup(void **state)
{
	(void)state;
	return testdb_exec("INSERT INTO inventory VALUES ('sku-m', 'M', 1000, 1000000) "
			   "ON CONFLICT DO NOTHING")
		   ? 0
		   : -1;
}

static void cancel_withdraws_unsent_request(void **state)
{
	struct env e;
	struct order o;

	(void)state;
	env_open(&e);
	create(&e, &o);
	cancel(&e, &o);
	assert_int_equal(rows_of(&o, "payment.requested", "cancelled"), 1);
	assert_int_equal(rows_of(&o, "payment.cancel", "pending"), 0);
	pg_session_free(e.s);
}

/* A request that was sent, or whose attempt may have reached the service
 * (it failed with a timeout), is followed by a payment.cancel. */
static void cancel_follows_delivered_request(void **state)
{
	struct env e;
	struct order sent, tried;

	(void)state;
	env_open(&e);
	create(&e, &sent);
	create(&e, &tried);
	assert_true(testdb_exec("UPDATE outbox SET status = 'sent', sent_at = now() "
				"WHERE type = 'payment.requested' AND status = 'pending'"));
	assert_int_equal(scalar_for(&tried,
				    "WITH u AS (UPDATE outbox SET status = 'pending', "
				    "attempts = 2 WHERE aggregateid = '%s' AND type = "
				    "'payment.requested' RETURNING 1) SELECT count(*) FROM u"),
			 1);
	cancel(&e, &sent);
	cancel(&e, &tried);
	assert_int_equal(rows_of(&sent, "payment.requested", "sent"), 1);
	assert_int_equal(rows_of(&sent, "payment.cancel", "pending"), 1);
	assert_int_equal(rows_of(&tried, "payment.requested", "cancelled"), 1);
	assert_int_equal(rows_of(&tried, "payment.cancel", "pending"), 1);
	assert_int_equal(scalar_for(&sent,
				    "SELECT count(*) FROM outbox WHERE aggregateid = '%s' "
				    "AND type = 'payment.cancel' AND destination = 'payments' "
				    "AND payload ? 'order_id' AND payload ? 'idempotency_key'"),
			 1);
	pg_session_free(e.s);
}

/* Claims the payments rows on store (a relay's claim, held open). */
static void claim_payments(struct outbox_store *store, struct outbox_batch *b)
{
	struct outbox_filter f = {.count = 1, .destinations = {"payments"}};
	struct os_error err;

	assert_int_equal(outbox_store_claim(store, &f, 100, b, &err), OS_OK);
}

static size_t find_row(const struct outbox_batch *b, const struct order *o, const char *type)
{
	size_t i;

	for (i = 0; i < b->count; i++)
		if (uuid_equal(&b->rows[i].aggregate_id, &o->id) &&
		    strcmp(b->rows[i].type, type) == 0)
			return i;
	fail_msg("no %s row of the order in the batch", type);
	return 0;
}

/*
 * A relay holds the request while the order is cancelled: the cancel does
 * not wait for it and queues a payment.cancel behind it. If the attempt
 * fails, the request is withdrawn instead of retried; if it is sent, the
 * cancel goes next.
 */
static void cancel_while_relay_sends(void **state)
{
	struct pg_session *relay_s = testdb_session();
	struct outbox_result *res = calloc(OUTBOX_BATCH_MAX, sizeof(*res));
	struct outbox_store relay;
	struct outbox_batch b;
	struct order failing, sending;
	struct os_error err;
	struct env e;
	size_t i;

	(void)state;
	env_open(&e);
	assert_true(testdb_exec("UPDATE outbox SET status = 'sent' WHERE status = 'pending'"));
	create(&e, &failing);
	create(&e, &sending);
	pg_outbox_store_init(&relay, relay_s);
	assert_int_equal(outbox_batch_init(&b, OUTBOX_BATCH_MAX), OS_OK);
	claim_payments(&relay, &b);
	assert_int_equal(b.count, 2);
	cancel(&e, &failing);
	cancel(&e, &sending);
	assert_int_equal(rows_of(&failing, "payment.cancel", "pending"), 1);
	assert_int_equal(rows_of(&sending, "payment.cancel", "pending"), 1);
	for (i = 0; i < b.count; i++) {
		bool fails = uuid_equal(&b.rows[i].aggregate_id, &failing.id);

		res[i].fate = fails ? OUTBOX_FATE_RETRY : OUTBOX_FATE_SENT;
		res[i].next_attempt_us = testdb_now_us();
		snprintf(res[i].error, sizeof(res[i].error), "%s", fails ? "HTTP 503" : "");
	}
	assert_int_equal(outbox_store_complete(&relay, &b, res, &err), OS_OK);
	assert_int_equal(rows_of(&failing, "payment.requested", "cancelled"), 1);
	assert_int_equal(rows_of(&sending, "payment.requested", "sent"), 1);
	/* The cancels are now the rows to send, once each. */
	claim_payments(&relay, &b);
	assert_int_equal(b.count, 2);
	(void)find_row(&b, &failing, "payment.cancel");
	(void)find_row(&b, &sending, "payment.cancel");
	outbox_store_release(&relay);
	outbox_batch_release(&b);
	free(res);
	pg_session_free(relay_s);
	pg_session_free(e.s);
}

/* A relay's outbox_store_complete on another thread. */
struct completer {
	struct outbox_store *store;
	const struct outbox_batch *b;
	const struct outbox_result *res;
	enum os_status st;
};

static void *complete_in_thread(void *arg)
{
	struct completer *c = arg;
	struct os_error err;

	c->st = outbox_store_complete(c->store, c->b, c->res, &err);
	return NULL;
}

/*
 * The relay's attempt of a request fails while the order's cancel is being
 * committed (the cancel found the request held by the relay, so left it
 * there): the relay's completion waits for the cancel and withdraws the
 * request. (It had read the order as still new and put the request back to
 * be sent again after the order was cancelled.)
 */
static void failed_send_during_a_cancel_is_withdrawn(void **state)
{
	struct pg_session *relay_s = testdb_session();
	struct outbox_result res[1];
	struct completer c = {0};
	struct outbox_store relay;
	struct outbox_batch b;
	struct pg_conn *canceller;
	struct order o;
	struct env e;
	char id[UUID_STR_LEN + 1], sql[256];
	pthread_t t;

	(void)state;
	env_open(&e);
	assert_true(testdb_exec("UPDATE outbox SET status = 'sent' WHERE status = 'pending'"));
	create(&e, &o);
	pg_outbox_store_init(&relay, relay_s);
	assert_int_equal(outbox_batch_init(&b, OUTBOX_BATCH_MAX), OS_OK);
	claim_payments(&relay, &b);
	assert_int_equal(b.count, 1);
	uuid_format(&o.id, id);
	snprintf(sql, sizeof(sql),
		 "UPDATE orders SET status = 'cancelled', version = version + 1 WHERE id = '%s'",
		 id);
	canceller = testdb_exec_uncommitted(sql);
	assert_non_null(canceller);
	memset(res, 0, sizeof(res));
	res[0].fate = OUTBOX_FATE_RETRY;
	res[0].next_attempt_us = testdb_now_us();
	snprintf(res[0].error, sizeof(res[0].error), "HTTP 503");
	c.store = &relay;
	c.b = &b;
	c.res = res;
	assert_int_equal(pthread_create(&t, NULL, complete_in_thread, &c), 0);
	assert_true(testdb_commit_after_waiter(canceller)); /* the completion waited */
	pthread_join(t, NULL);
	assert_int_equal(c.st, OS_OK);
	assert_int_equal(rows_of(&o, "payment.requested", "cancelled"), 1);
	assert_int_equal(rows_of(&o, "payment.requested", "pending"), 0);
	outbox_store_release(&relay);
	outbox_batch_release(&b);
	pg_session_free(relay_s);
	pg_session_free(e.s);
}

static void late_payment_refunded_once(void **state)
{
	struct env e;
	struct order o;
	char key[32];
	bool inserted;
	int i;

	(void)state;
	env_open(&e);
	create(&e, &o);
	cancel(&e, &o);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "cb-late-%d", i);
		callback(&e, &o, key, "pay-late", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
		assert_true(inserted);
	}
	callback(&e, &o, "cb-late-0", "pay-late", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	assert_false(inserted);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM refunds WHERE order_id = '%s' "
					"AND payment_id = 'pay-late' AND amount_cents = 1000"),
			 1);
	assert_int_equal(rows_of(&o, "payment.refund", "pending"), 1);
	assert_int_equal(rows_of(&o, "order.refund_requested", "pending"), 1);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM outbox WHERE aggregateid = '%s' "
					"AND type = 'payment.refund' AND payload->>'payment_id' = "
					"'pay-late' AND payload->>'amount' = '10.00'"),
			 1);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM order_status_history WHERE "
					"order_id = '%s' AND from_status = 'cancelled' AND "
					"to_status = 'cancelled' AND reason LIKE 'refund requested "
					"(payment pay-late)%%'"),
			 1);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM inbox WHERE order_id = '%s' "
					"AND status = 'processed'"),
			 10);
	assert_int_equal(in_status(&o, "cancelled"), 1);
	pg_session_free(e.s);
}

/* pending then succeeded under one key pay the order, which keeps the
 * payment; cancelling it then refunds that payment, once. */
static void paid_then_cancelled_refunds_payment(void **state)
{
	struct env e;
	struct order o;
	bool inserted;

	(void)state;
	env_open(&e);
	create(&e, &o);
	callback(&e, &o, "cb-1", "pay-A", INBOX_TYPE_PAYMENT_PENDING, &inserted);
	assert_true(inserted);
	callback(&e, &o, "cb-1", "pay-A", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	assert_true(inserted);
	assert_int_equal(in_status(&o, "paid"), 1);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM order_payments WHERE order_id = '%s' "
					"AND payment_id = 'pay-A'"),
			 1);
	/* the paying payment reported again under another key: nothing */
	callback(&e, &o, "cb-2", "pay-A", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	assert_int_equal(refunds_of(&o, NULL), 0);
	cancel(&e, &o);
	cancel(&e, &o);
	assert_int_equal(refunds_of(&o, "pay-A"), 1);
	assert_int_equal(rows_of(&o, "payment.refund", "pending"), 1);
	assert_int_equal(rows_of(&o, "payment.cancel", "pending"), 0);
	/* a second distinct payment for the cancelled order: refunded too */
	callback(&e, &o, "cb-3", "pay-B", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	assert_int_equal(refunds_of(&o, NULL), 2);
	pg_session_free(e.s);
}

/* An inbox batch (of max rows, 100 when 0) applied on another thread: its
 * status and count. */
struct applier {
	struct env *e;
	size_t max;
	enum os_status st;
	size_t n;
};

static void *apply_in_thread(void *arg)
{
	struct applier *a = arg;
	struct os_error err;

	a->st = inbox_store_apply_batch(&a->e->store, a->max ? a->max : 100, inbox_decide,
					&a->e->decider, &a->n, &err);
	return NULL;
}

/*
 * A second distinct payment applied while the transaction that records the
 * first one is still open waits for the order, then sees the first payment:
 * the second is refunded, not taken for the order's payment.
 */
static void second_payment_during_the_first_is_refunded(void **state)
{
	struct env e;
	struct order o;
	struct applier a = {0};
	struct pg_conn *payer;
	pthread_t t;
	bool inserted;

	(void)state;
	env_open(&e);
	create(&e, &o);
	record_callback(&e, &o, "cb-second", "pay-second", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	assert_true(inserted);
	payer = testdb_pay_uncommitted(&o.id, "pay-first", 1000);
	assert_non_null(payer);
	a.e = &e;
	assert_int_equal(pthread_create(&t, NULL, apply_in_thread, &a), 0);
	assert_true(testdb_commit_after_waiter(payer)); /* the applier waited for the payer */
	pthread_join(t, NULL);
	assert_int_equal(a.st, OS_OK);
	assert_int_equal(a.n, 1);
	assert_int_equal(refunds_of(&o, "pay-second"), 1);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM order_payments WHERE order_id = '%s' "
					"AND payment_id = 'pay-first'"),
			 1);
	assert_int_equal(in_status(&o, "paid"), 1);
	pg_session_free(e.s);
}

/*
 * An order paid before payments were recorded (no order_payments row) and
 * two distinct payments for it, applied by two appliers at once: one is
 * recorded as the order's payment, the other waited for the order and must
 * see that record, so it is refunded. (Before the record moved the order's
 * version, the waiting one read the order as unchanged, took its payment
 * for the order's own too, and its record was silently not written: a
 * payment neither recorded nor refunded.)
 */
static void two_payments_of_a_legacy_paid_order_at_once(void **state)
{
	struct env e1, e2;
	struct order o;
	struct applier a = {0}, b = {0};
	struct pg_conn *lock;
	pthread_t ta, tb;
	bool inserted;
	char sql[256], id[UUID_STR_LEN + 1];

	(void)state;
	env_open(&e1);
	env_open(&e2);
	create(&e1, &o);
	uuid_format(&o.id, id);
	snprintf(sql, sizeof(sql), "UPDATE orders SET status = 'paid' WHERE id = '%s'", id);
	assert_true(testdb_exec(sql));
	record_callback(&e1, &o, "cb-one", "pay-one", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	record_callback(&e1, &o, "cb-two", "pay-two", INBOX_TYPE_PAYMENT_SUCCEEDED, &inserted);
	lock = testdb_lock_order(&o.id);
	assert_non_null(lock);
	a.e = &e1;
	a.max = 1;
	b.e = &e2;
	b.max = 1;
	assert_int_equal(pthread_create(&ta, NULL, apply_in_thread, &a), 0);
	assert_true(testdb_wait_for_waiters(1)); /* a holds the first row, waits for the order */
	assert_int_equal(pthread_create(&tb, NULL, apply_in_thread, &b), 0);
	assert_true(testdb_wait_for_waiters(2)); /* b holds the second row, waits too */
	assert_true(testdb_commit_after_waiter(lock));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.st, OS_OK);
	assert_int_equal(b.st, OS_OK);
	assert_int_equal(a.n + b.n, 2);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM inbox WHERE order_id = '%s' "
					"AND status = 'processed'"),
			 2);
	/* one payment is the order's, the other is given back, once */
	assert_int_equal(
	    scalar_for(&o, "SELECT count(*) FROM order_payments WHERE order_id = '%s'"), 1);
	assert_int_equal(refunds_of(&o, NULL), 1);
	assert_int_equal(scalar_for(&o, "SELECT count(*) FROM refunds r JOIN order_payments p "
					"ON p.order_id = r.order_id WHERE r.order_id = '%s' "
					"AND r.payment_id <> p.payment_id"),
			 1);
	assert_int_equal(in_status(&o, "paid"), 1);
	pg_session_free(e1.s);
	pg_session_free(e2.s);
}

/* An admin retry of one outbox row on another thread. */
struct retrier {
	struct admin *admin;
	int64_t seq;
	enum os_status st;
	char message[OS_ERROR_MESSAGE_MAX];
};

static void *retry_in_thread(void *arg)
{
	struct retrier *t = arg;
	struct os_error err;
	size_t n = 0;

	os_error_clear(&err);
	t->st = admin_retry(t->admin, ADMIN_OUTBOX, t->seq, &n, &err);
	snprintf(t->message, sizeof(t->message), "%s", err.message);
	return NULL;
}

/*
 * An admin retries a dead payment request while the order's cancel is
 * being committed: the retry waits for the cancel and refuses, the request
 * stays dead. (It had read the order as still new and put the request back
 * to be sent for a cancelled order.)
 */
static void admin_retry_during_a_cancel_refuses(void **state)
{
	struct retrier t = {0};
	struct pg_conn *canceller;
	struct order o;
	struct env e;
	char id[UUID_STR_LEN + 1], sql[256];
	pthread_t th;

	(void)state;
	env_open(&e);
	create(&e, &o);
	uuid_format(&o.id, id);
	snprintf(sql, sizeof(sql),
		 "UPDATE outbox SET status = 'dead' WHERE aggregateid = '%s' "
		 "AND type = 'payment.requested'",
		 id);
	assert_true(testdb_exec(sql));
	t.admin = &e.admin;
	t.seq = scalar_for(&o, "SELECT seq FROM outbox WHERE aggregateid = '%s' "
			       "AND type = 'payment.requested'");
	snprintf(sql, sizeof(sql),
		 "UPDATE orders SET status = 'cancelled', version = version + 1 WHERE id = '%s'",
		 id);
	canceller = testdb_exec_uncommitted(sql);
	assert_non_null(canceller);
	assert_int_equal(pthread_create(&th, NULL, retry_in_thread, &t), 0);
	assert_true(testdb_commit_after_waiter(canceller)); /* the retry waited */
	pthread_join(th, NULL);
	assert_int_equal(t.st, OS_ECONFLICT);
	assert_non_null(strstr(t.message, "which is cancelled"));
	assert_int_equal(rows_of(&o, "payment.requested", "dead"), 1);
	pg_session_free(e.s);
}

static void admin_retry_refuses_payment_requests(void **state)
{
	char a[UUID_STR_LEN + 1], b[UUID_STR_LEN + 1], sql[512];
	struct admin_retry_result r;
	struct env e;
	struct order gone, fresh;
	struct os_error err;
	int64_t seq;
	size_t n = 0;

	(void)state;
	env_open(&e);
	assert_true(
	    testdb_exec("UPDATE outbox SET status = 'sent' WHERE status IN ('pending', 'dead')"));
	create(&e, &gone);
	create(&e, &fresh);
	cancel(&e, &gone);
	/* dead rows as an older release left them, and dead order.created rows */
	uuid_format(&gone.id, a);
	uuid_format(&fresh.id, b);
	snprintf(sql, sizeof(sql),
		 "UPDATE outbox SET status = 'dead' WHERE type IN ('payment.requested', "
		 "'order.created') AND aggregateid IN ('%s', '%s')",
		 a, b);
	assert_true(testdb_exec(sql));
	seq = scalar_for(&gone, "SELECT seq FROM outbox WHERE aggregateid = '%s' "
				"AND type = 'payment.requested'");
	os_error_clear(&err);
	assert_int_equal(admin_retry(&e.admin, ADMIN_OUTBOX, seq, &n, &err), OS_ECONFLICT);
	assert_non_null(strstr(err.message, "which is cancelled"));
	memset(&r, 0, sizeof(r));
	assert_int_equal(admin_retry_counted(&e.admin, ADMIN_OUTBOX, 0, &r, &err), OS_OK);
	assert_int_equal(r.refused, 1);
	assert_int_equal(r.retried, 1 + 2 * 2); /* fresh's request, both orders' order.created */
	assert_int_equal(rows_of(&gone, "payment.requested", "dead"), 1);
	assert_int_equal(rows_of(&fresh, "payment.requested", "pending"), 1);
	pg_session_free(e.s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(cancel_withdraws_unsent_request, setup),
    cmocka_unit_test_setup(cancel_follows_delivered_request, setup),
    cmocka_unit_test_setup(cancel_while_relay_sends, setup),
    cmocka_unit_test_setup(failed_send_during_a_cancel_is_withdrawn, setup),
    cmocka_unit_test_setup(late_payment_refunded_once, setup),
    cmocka_unit_test_setup(paid_then_cancelled_refunds_payment, setup),
    cmocka_unit_test_setup(second_payment_during_the_first_is_refunded, setup),
    cmocka_unit_test_setup(two_payments_of_a_legacy_paid_order_at_once, setup),
    cmocka_unit_test_setup(admin_retry_refuses_payment_requests, setup),
    cmocka_unit_test_setup(admin_retry_during_a_cancel_refuses, setup),
};

TEST_MAIN(tests, testdb_group_setup, testdb_group_teardown);
