/*
 * The inbox store's batch over a real PostgreSQL when rows go wrong: a row
 * whose change the schema refuses is rolled back alone, retried with
 * backoff and finally rejected while the rest of its batch commits; a row
 * whose columns break their bounds is rejected as unreadable; a lost
 * connection still aborts the whole batch with nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "app/inbox_port.h"
#include "app/order_repo.h"
#include "infrastructure/postgres/pg_inbox.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"

#define FAILED_ATTEMPTS_MAX 20 /* the bound documented in pg_inbox.h */

/* A new order with no outbox rows of its own, so that the tests count
 * only what the inbox writes. */
static void create_order(struct pg_session *s, const char *user, struct uuid *id)
{
	struct order_repo repo;
	struct order_insert *c = calloc(1, sizeof(*c));
	struct order out;
	char fp[ORDER_FINGERPRINT_MAX + 1];
	struct os_error err;
	bool created = false;

	assert_non_null(c);
	pg_order_repo_init(&repo, s);
	testdb_new_uuid(&c->order.id);
	testdb_new_uuid(&c->order.idempotency_key);
	snprintf(c->order.user_id, sizeof(c->order.user_id), "%s", user);
	snprintf(c->order.currency, sizeof(c->order.currency), "EUR");
	c->order.created_at_us = c->order.updated_at_us = testdb_now_us();
	snprintf(c->order.items[0].item_id, sizeof(c->order.items[0].item_id), "sku-1");
	snprintf(c->order.items[0].name, sizeof(c->order.items[0].name), "One");
	c->order.items[0].quantity = 1;
	c->order.items[0].unit_price_cents = 100;
	c->order.item_count = 1;
	c->order.amount_cents = 100;
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s|sku-1:1", user);
	snprintf(c->reason, sizeof(c->reason), "created");
	assert_int_equal(order_repo_create(&repo, c, &out, &created, fp, sizeof(fp), &err), OS_OK);
	assert_true(created);
	*id = c->order.id;
	free(c);
}

/* A payment failure message_id about order_id. */
static void failure_msg(struct inbox_msg *m, const char *message_id, const struct uuid *order_id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->source, sizeof(m->source), INBOX_SOURCE_PAYMENTS);
	snprintf(m->message_id, sizeof(m->message_id), "%s", message_id);
	snprintf(m->type, sizeof(m->type), INBOX_TYPE_PAYMENT_FAILED);
	m->has_order_id = true;
	m->order_id = *order_id;
	m->payload = "{}";
	m->payload_len = 2;
}

static void record(struct pg_session *s, const char *message_id, const struct uuid *order_id)
{
	struct inbox_writer w;
	struct inbox_msg m;
	struct os_error err;
	bool inserted = false;

	pg_inbox_writer_init(&w, s);
	failure_msg(&m, message_id, order_id);
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &err), OS_OK);
	assert_true(inserted);
}

/* A new order for user and a pending payment failure message_id about it. */
static void order_with_message(struct pg_session *s, const char *user, const char *message_id,
			       struct uuid *id)
{
	create_order(s, user, id);
	record(s, message_id, id);
}

/* What the decide callback does; poison is the order whose change carries
 * an outbox payload that is not JSON (the insert into jsonb fails). */
struct decider {
	struct uuid poison;
	int calls;
	int kill_on_call; /* > 0: kill our own backend when this call starts */
};

static void kill_idle_in_transaction(void)
{
	assert_true(
	    testdb_exec("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
			"WHERE datname = current_database() AND state = 'idle in transaction'"));
}

static bool decide(void *arg, const struct inbox_row *row, const struct order *order,
		   struct order_change *change, struct inbox_outcome *outcome)
{
	struct decider *d = arg;
	struct outbox_msg *m = &change->msgs[0];

	(void)row;
	if (++d->calls == d->kill_on_call)
		kill_idle_in_transaction();
	outcome->fate = INBOX_PROCESSED;
	if (order == NULL || order->status != ORDER_NEW)
		return false;
	change->to = ORDER_CANCELLED;
	snprintf(change->reason, sizeof(change->reason), "payment failed");
	change->at_us = testdb_now_us();
	testdb_new_uuid(&m->event_id);
	m->aggregate_id = order->id;
	snprintf(m->type, sizeof(m->type), "order.cancelled");
	snprintf(m->destination, sizeof(m->destination), "order.events");
	m->payload = strdup(uuid_equal(&order->id, &d->poison) ? "{not json" : "{\"ok\": true}");
	change->msg_count = 1;
	return true;
}

static int clean(void **state)
{
	(void)state;
	assert_true(testdb_no_fail_at_commit("inbox"));
	assert_true(testdb_exec("DELETE FROM inbox"));
	assert_true(testdb_exec("DELETE FROM outbox"));
	assert_true(testdb_exec("DELETE FROM orders"));
	return 0;
}

/* One session and the inbox store on it, over empty tables. */
struct fx {
	struct pg_session *s;
	struct inbox_store st;
	struct os_error err;
	size_t n;
};

static struct fx fx; /* the running test's */

static int fx_setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	clean(state);
	fx.s = testdb_session();
	pg_inbox_store_init(&fx.st, fx.s);
	*state = &fx;
	return 0;
}

static int fx_teardown(void **state)
{
	(void)state;
	pg_session_free(fx.s);
	return 0;
}

static void poisoned_row_does_not_block_its_batch(void **state)
{
	struct fx *f = *state;
	struct decider d = {.calls = 0};
	struct uuid a, b;
	int i;

	order_with_message(f->s, "u-a", "m-a", &a);
	order_with_message(f->s, "u-p", "m-p", &d.poison);
	order_with_message(f->s, "u-b", "m-b", &b);

	assert_int_equal(inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err), OS_OK);
	assert_int_equal(f->n, 3);
	assert_int_equal(d.calls, 3);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'processed' "
				       "AND message_id IN ('m-a', 'm-b')"),
			 2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE status = 'cancelled'"),
			 2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox"), 2);
	/* The poisoned row: rolled back alone, counted, not due for a while. */
	assert_int_equal(
	    testdb_scalar("SELECT count(*) FROM inbox WHERE message_id = 'm-p' "
			  "AND status = 'pending' AND attempts = 1 AND next_attempt_at > now() "
			  "AND error LIKE '%json%'"),
	    1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE status = 'new'"), 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM order_status_history "
				       "WHERE to_status = 'cancelled'"),
			 2);
	assert_int_equal(inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err), OS_OK);
	assert_int_equal(f->n, 0);

	/* Each due retry fails the same way, until the bound rejects it. */
	for (i = 2; i <= FAILED_ATTEMPTS_MAX; i++) {
		assert_true(testdb_exec(
		    "UPDATE inbox SET next_attempt_at = now() WHERE status = 'pending'"));
		assert_int_equal(inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err),
				 OS_OK);
		assert_int_equal(f->n, 1);
		assert_int_equal(
		    testdb_scalar("SELECT attempts FROM inbox WHERE message_id = 'm-p'"), i);
		assert_int_equal(
		    testdb_scalar("SELECT count(*) FROM inbox WHERE message_id = 'm-p' AND "
				  "status = 'pending'"),
		    i < FAILED_ATTEMPTS_MAX);
	}
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE message_id = 'm-p' "
				       "AND status = 'rejected' AND error LIKE '%json%'"),
			 1);
	assert_true(testdb_exec("UPDATE inbox SET next_attempt_at = now()"));
	assert_int_equal(inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err), OS_OK);
	assert_int_equal(f->n, 0);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox"), 2);
}

static void unreadable_row_is_rejected_not_blocking(void **state)
{
	struct fx *f = *state;
	struct decider d = {.calls = 0};
	struct uuid a;

	order_with_message(f->s, "u-a", "m-a", &a);
	/* Written by something that does not respect the bounds; attempts at
	 * the top of its range must not overflow when counted. */
	assert_true(testdb_exec(
	    "INSERT INTO inbox (source, message_id, type, payload, request_id, attempts) "
	    "VALUES ('payments', 'm-long', 'payment.failed', 'x', repeat('r', 100), "
	    "2147483647), ('payments', repeat('m', 300), 'payment.failed', 'x', '', 0)"));
	assert_int_equal(inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err), OS_OK);
	assert_int_equal(f->n, 3);
	assert_int_equal(d.calls, 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'processed'"), 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'rejected' "
				       "AND error LIKE 'unreadable inbox row%'"),
			 2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE status = 'cancelled'"),
			 1);
}

static void lost_connection_aborts_the_whole_batch(void **state)
{
	struct fx *f = *state;
	struct decider d = {.kill_on_call = 2};
	struct uuid a, b;
	enum os_status rc;

	order_with_message(f->s, "u-a", "m-a", &a);
	order_with_message(f->s, "u-b", "m-b", &b);
	rc = inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err);
	assert_int_equal(rc, OS_EUNAVAIL);
	/* Nothing half-written: the first row's change went with the batch. */
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'pending' "
				       "AND attempts = 0 AND error IS NULL"),
			 2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE status = 'new'"), 2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox"), 0);
	/* The session comes back and the batch goes through. */
	d.kill_on_call = 0;
	assert_int_equal(inbox_store_apply_batch(&f->st, 10, decide, &d, &f->n, &f->err), OS_OK);
	assert_int_equal(f->n, 2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE status = 'cancelled'"),
			 2);
}

/*
 * A message is recorded only when its commit is. The insert succeeds and
 * the commit after it fails: with an error, the record fails with it; with
 * the connection lost there, the record is tried once more on a fresh
 * connection (recording twice is harmless: the message id is unique), then
 * fails as unavailable. Either way the source keeps the message to offer
 * again. (The commit's failure had been dropped and the message reported
 * recorded: lost.)
 */
static void record_fails_when_its_commit_fails(void **state)
{
	struct fx *f = *state;
	struct inbox_writer w;
	struct inbox_msg m;
	struct uuid id;
	bool inserted = false;

	create_order(f->s, "u-c", &id);
	pg_inbox_writer_init(&w, f->s);
	failure_msg(&m, "m-commit", &id);
	assert_true(testdb_fail_at_commit("inbox", false));
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &f->err), OS_EIO);
	assert_non_null(strstr(f->err.message, "refused at commit"));
	assert_int_equal(testdb_commit_tries(), 1);
	assert_true(testdb_no_fail_at_commit("inbox"));
	assert_true(testdb_fail_at_commit("inbox", true));
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &f->err), OS_EUNAVAIL);
	assert_int_equal(testdb_commit_tries(), 2);
	assert_true(testdb_no_fail_at_commit("inbox"));
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox"), 0);
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &f->err), OS_OK);
	assert_true(inserted);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox"), 1);
}

/*
 * The purge deletes processed rows whose processing ended before the cut,
 * oldest first and at most max a call; pending and rejected rows stay
 * whatever their age, and so do processed rows newer than the cut.
 */
static void purge_takes_old_processed_rows_only(void **state)
{
	struct fx *f = *state;
	struct uuid id;
	size_t deleted = 0;
	int64_t cut_us = testdb_now_us() - INT64_C(3600) * 1000000;
	static const char *const msgs[] = {"old-1",  "old-2",	"old-3",
					   "recent", "pending", "rejected"};
	size_t i;

	create_order(f->s, "u-purge", &id);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		record(f->s, msgs[i], &id);
	assert_true(testdb_exec("UPDATE inbox SET status = 'processed', processed_at = now() - "
				"interval '2 hours' - (id % 10) * interval '1 minute' "
				"WHERE message_id LIKE 'old-%'"));
	assert_true(testdb_exec("UPDATE inbox SET status = 'processed', processed_at = now() "
				"WHERE message_id = 'recent'"));
	assert_true(testdb_exec("UPDATE inbox SET status = 'rejected', received_at = now() - "
				"interval '3 hours' WHERE message_id = 'rejected'"));
	assert_true(testdb_exec("UPDATE inbox SET received_at = now() - interval '3 hours' "
				"WHERE message_id = 'pending'"));
	assert_int_equal(inbox_store_purge(&f->st, cut_us, 2, &deleted, &f->err), OS_OK);
	assert_int_equal(deleted, 2);
	assert_int_equal(inbox_store_purge(&f->st, cut_us, 2, &deleted, &f->err), OS_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(inbox_store_purge(&f->st, cut_us, 2, &deleted, &f->err), OS_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE message_id LIKE 'old-%'"),
			 0);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE message_id IN "
				       "('recent', 'pending', 'rejected')"),
			 3);
}

/* A case run on the fixture (fx_setup, fx_teardown). */
#define WITH_FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

static const struct CMUnitTest tests[] = {
    WITH_FX(poisoned_row_does_not_block_its_batch),
    WITH_FX(unreadable_row_is_rejected_not_blocking),
    WITH_FX(lost_connection_aborts_the_whole_batch),
    WITH_FX(record_fails_when_its_commit_fails),
    WITH_FX(purge_takes_old_processed_rows_only),
};

TEST_MAIN(tests, testdb_group_setup, testdb_group_teardown);
