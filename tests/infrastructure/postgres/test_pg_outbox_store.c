/*
 * The outbox store and the admin port over a real PostgreSQL: two relays
 * never hold the same row, per-aggregate order, marking fates, release and a
 * relay that dies mid-claim, NOTIFY wake-ups, purge, dead-letter retry and
 * queue statistics, rows that break their bounds, error texts that are not
 * valid UTF-8, a claim lost with its connection, and the relay claiming
 * ahead on a second session.
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

#include "app/admin_port.h"
#include "app/outbox_port.h"
#include "infrastructure/crypto/sys_real.h"
#include "infrastructure/postgres/pg_admin.h"
#include "infrastructure/postgres/pg_outbox_store.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"
#include "workers/outbox_relay.h"

/* n rows for destination dest, each for its own aggregate unless agg names
 * one (then all for that aggregate), in seq order. */
static void add_rows(const char *dest, int n, const char *agg)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination) "
		 "SELECT gen_random_uuid(), 'order', %s, 'order.created', '{\"n\": 1}', '%s' "
		 "FROM generate_series(1, %d)",
		 agg ? agg : "gen_random_uuid()", dest, n);
	assert_true(testdb_exec(sql));
}

static int clean(void **state)
{
	(void)state;
	assert_true(testdb_exec("DELETE FROM outbox"));
	return 0;
}

static const struct outbox_filter only_kafka = {1, {"order.events"}};

/* One session, the store on it and a batch for up to 10 rows, over an empty
 * outbox. */
struct fx {
	struct pg_session *s;
	struct outbox_store st;
	struct outbox_batch b;
	struct os_error err;
};

static struct fx fx; /* the running test's */

static int fx_setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	clean(state);
	fx.s = testdb_session();
	pg_outbox_store_init(&fx.st, fx.s);
	assert_int_equal(outbox_batch_init(&fx.b, 10), OS_OK);
	*state = &fx;
	return 0;
}

static int fx_teardown(void **state)
{
	(void)state;
	outbox_batch_release(&fx.b);
	pg_session_free(fx.s);
	return 0;
}

/* Adds n pending order.events rows and claims them all into f's batch. */
static void claim_new_rows(struct fx *f, int n)
{
	add_rows("order.events", n, NULL);
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, (size_t)n, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, n);
}

/* Completes f's batch of one row with the given fate and error text;
 * returns what the completion returned. */
static enum os_status complete_only_row(struct fx *f, enum outbox_fate fate, const char *error)
{
	struct outbox_result res[1];

	memset(res, 0, sizeof(res));
	res[0].fate = fate;
	snprintf(res[0].error, sizeof(res[0].error), "%s", error);
	return outbox_store_complete(&f->st, &f->b, res, &f->err);
}

static void two_relays_never_share_a_row(void **state)
{
	struct pg_session *s1 = testdb_session(), *s2 = testdb_session();
	struct outbox_store a, b;
	struct outbox_batch ba, bb;
	struct os_error err;
	size_t i, j;

	(void)state;
	add_rows("order.events", 10, NULL);
	add_rows("payments", 3, NULL);
	pg_outbox_store_init(&a, s1);
	pg_outbox_store_init(&b, s2);
	assert_int_equal(outbox_batch_init(&ba, 6), OS_OK);
	assert_int_equal(outbox_batch_init(&bb, 6), OS_OK);
	assert_int_equal(outbox_store_claim(&a, &only_kafka, 6, &ba, &err), OS_OK);
	assert_int_equal(outbox_store_claim(&b, &only_kafka, 6, &bb, &err), OS_OK);
	assert_int_equal(ba.count, 6);
	assert_int_equal(bb.count, 4);
	for (i = 0; i < ba.count; i++) {
		assert_string_equal(ba.rows[i].destination, "order.events");
		assert_string_equal(ba.rows[i].payload, "{\"n\": 1}");
		assert_string_equal(ba.rows[i].headers, "{}");
		if (i > 0)
			assert_true(ba.rows[i].seq > ba.rows[i - 1].seq);
		for (j = 0; j < bb.count; j++)
			assert_true(ba.rows[i].seq != bb.rows[j].seq);
	}
	outbox_store_release(&a);
	outbox_store_release(&b);
	outbox_batch_release(&ba);
	outbox_batch_release(&bb);
	pg_session_free(s1);
	pg_session_free(s2);
}

static void per_aggregate_order_and_fates(void **state)
{
	struct fx *f = *state;
	struct outbox_result res[3];

	add_rows("order.events", 2, "'00000000-0000-7000-8000-000000000001'");
	add_rows("order.events", 2, NULL);
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, 10, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, 3); /* the aggregate's second row waits */
	memset(res, 0, sizeof(res));
	res[0].fate = OUTBOX_FATE_RETRY;
	res[0].next_attempt_us = testdb_now_us() + 3600 * INT64_C(1000000);
	snprintf(res[0].error, sizeof(res[0].error), "HTTP 503");
	res[1].fate = OUTBOX_FATE_SENT;
	res[2].fate = OUTBOX_FATE_DEAD;
	snprintf(res[2].error, sizeof(res[2].error), "HTTP 400 \"bad\"");
	assert_int_equal(outbox_store_complete(&f->st, &f->b, res, &f->err), OS_OK);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'sent' "
				       "AND sent_at IS NOT NULL AND attempts = 0"),
			 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'dead' "
				       "AND attempts = 1 AND last_error = 'HTTP 400 \"bad\"'"),
			 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'pending' "
				       "AND attempts = 1 AND last_error = 'HTTP 503' "
				       "AND next_attempt_at > now() + interval '50 minutes'"),
			 1);
	/* The retried row is the aggregate's first: its second still waits. */
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, 10, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, 0);
}

static void release_and_crash_leave_rows_claimable(void **state)
{
	struct pg_session *s1 = testdb_session(), *s2 = testdb_session();
	struct outbox_store a, b;
	struct outbox_batch bt;
	struct os_error err;

	(void)state;
	add_rows("order.events", 4, NULL);
	pg_outbox_store_init(&a, s1);
	pg_outbox_store_init(&b, s2);
	assert_int_equal(outbox_batch_init(&bt, 10), OS_OK);
	assert_int_equal(outbox_store_claim(&a, &only_kafka, 10, &bt, &err), OS_OK);
	assert_int_equal(bt.count, 4);
	outbox_store_release(&a);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'pending' "
				       "AND attempts = 0"),
			 4);
	assert_int_equal(outbox_store_claim(&a, &only_kafka, 10, &bt, &err), OS_OK);
	assert_int_equal(bt.count, 4);
	assert_int_equal(outbox_store_claim(&b, &only_kafka, 10, &bt, &err), OS_OK);
	assert_int_equal(bt.count, 0);
	/* The relay dies holding the rows: its backend is killed, and the
	 * terminate waits until the server has let the locks go (a plain
	 * disconnect returns before that, which made this check racy). */
	assert_true(
	    testdb_exec("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
			"WHERE datname = current_database() AND state = 'idle in transaction'"));
	pg_session_free(s1);
	assert_int_equal(outbox_store_claim(&b, &only_kafka, 10, &bt, &err), OS_OK);
	assert_int_equal(bt.count, 4);
	outbox_store_release(&b);
	outbox_batch_release(&bt);
	pg_session_free(s2);
}

static void wait_wakes_on_notify_and_purge_is_bounded(void **state)
{
	struct fx *f = *state;
	size_t deleted = 0;

	/* A notification ends the wait: were it lost, the wait would sit out
	 * its long timeout and the suite's time limit would fail the test. */
	assert_int_equal(outbox_store_wait(&f->st, 1, &f->err), OS_OK); /* LISTEN now */
	assert_true(testdb_exec("SELECT pg_notify('outbox', 'order.events')"));
	assert_int_equal(outbox_store_wait(&f->st, 600000, &f->err), OS_OK);
	add_rows("order.events", 5, NULL);
	assert_true(
	    testdb_exec("UPDATE outbox SET status = 'sent', sent_at = now() - interval '2 days'"));
	assert_int_equal(outbox_store_purge(&f->st, testdb_now_us() - 86400 * INT64_C(1000000), 3,
					    &deleted, &f->err),
			 OS_OK);
	assert_int_equal(deleted, 3);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox"), 2);
	assert_int_equal(outbox_store_purge(&f->st, testdb_now_us() - 3 * 86400 * INT64_C(1000000),
					    3, &deleted, &f->err),
			 OS_OK);
	assert_int_equal(deleted, 0);
	/* withdrawn rows go after the same retention, within the same bound */
	add_rows("payments", 4, NULL);
	assert_true(testdb_exec("UPDATE outbox SET status = 'cancelled', "
				"created_at = now() - interval '2 days' WHERE status = 'pending'"));
	assert_int_equal(outbox_store_purge(&f->st, testdb_now_us() - 86400 * INT64_C(1000000), 3,
					    &deleted, &f->err),
			 OS_OK);
	assert_int_equal(deleted, 3);
	assert_int_equal(outbox_store_purge(&f->st, testdb_now_us() - 86400 * INT64_C(1000000), 3,
					    &deleted, &f->err),
			 OS_OK);
	assert_int_equal(deleted, 3);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox"), 0);
}

static void wait_and_claim_survive_terminated_backend(void **state)
{
	struct fx *f = *state;
	enum os_status rc;

	assert_int_equal(outbox_store_wait(&f->st, 1, &f->err), OS_OK);
	assert_true(testdb_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
				"WHERE datname = current_database() AND pid <> pg_backend_pid()"));
	rc = outbox_store_wait(&f->st, 2000, &f->err);
	assert_true(rc == OS_OK || rc == OS_EUNAVAIL);
	add_rows("order.events", 1, NULL);
	rc = outbox_store_claim(&f->st, &only_kafka, 4, &f->b, &f->err);
	if (rc == OS_EUNAVAIL) /* at most one failure, then a fresh connection */
		rc = outbox_store_claim(&f->st, &only_kafka, 4, &f->b, &f->err);
	assert_int_equal(rc, OS_OK);
	assert_int_equal(f->b.count, 1);
	outbox_store_release(&f->st);
	/* LISTEN is re-issued on the new connection. */
	assert_true(testdb_exec("SELECT pg_notify('outbox', 'order.events')"));
	assert_int_equal(outbox_store_wait(&f->st, 1, &f->err), OS_OK);
}

static void admin_dead_letters_and_stats(void **state)
{
	struct pg_session *s = testdb_session();
	struct admin adm;
	struct dead_letter dl[4];
	struct queue_stats q;
	struct os_error err;
	size_t n = 0;

	(void)state;
	pg_admin_init(&adm, s);
	add_rows("payments", 3, NULL);
	assert_true(
	    testdb_exec("UPDATE outbox SET status = 'dead', attempts = 5, last_error = 'gone' "
			"WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT 2)"));
	assert_true(
	    testdb_exec("INSERT INTO inbox (source, message_id, type, payload, status, error) "
			"VALUES ('shipping', 'm-1', 'malformed', 'x', 'rejected', 'bad json')"));
	assert_int_equal(admin_ping(&adm, &err), OS_OK);
	assert_int_equal(admin_list(&adm, ADMIN_OUTBOX, 0, 4, dl, &n, &err), OS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(dl[0].error, "gone");
	assert_string_equal(dl[0].where, "payments");
	assert_true(dl[0].has_order_id);
	assert_int_equal(admin_list(&adm, ADMIN_OUTBOX, dl[0].id, 4, dl, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(admin_stats(&adm, &q, &err), OS_OK);
	assert_int_equal(q.destination_count, 1);
	assert_string_equal(q.outbox[0].destination, "payments");
	assert_int_equal(q.outbox[0].pending, 1);
	assert_int_equal(q.outbox[0].dead, 2);
	assert_int_equal(q.inbox_rejected, 1);
	assert_int_equal(admin_retry(&adm, ADMIN_OUTBOX, dl[0].id, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(admin_retry(&adm, ADMIN_OUTBOX, dl[0].id, &n, &err), OS_ENOTFOUND);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'pending' "
				       "AND attempts = 0 AND last_error IS NULL"),
			 2);
	assert_int_equal(admin_list(&adm, ADMIN_INBOX, 0, 4, dl, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(dl[0].message_id, "m-1");
	assert_false(dl[0].has_order_id);
	assert_int_equal(admin_retry(&adm, ADMIN_INBOX, 0, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'pending'"), 1);
	pg_session_free(s);
}

static void unreadable_rows_are_buried_not_blocking(void **state)
{
	struct fx *f = *state;

	add_rows("order.events", 2, NULL);
	assert_true(testdb_exec(
	    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination) "
	    "VALUES (gen_random_uuid(), 'order', gen_random_uuid(), repeat('t', 100), '{}', "
	    "'order.events'), (gen_random_uuid(), 'order', gen_random_uuid(), 'order.created', "
	    "jsonb_build_object('x', repeat('a', 1100000)), 'order.events')"));
	add_rows("order.events", 1, NULL);
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, 10, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, 3);
	assert_true(f->b.rows[2].seq > f->b.rows[1].seq);
	outbox_store_release(&f->st); /* the dead marks were made by the claim and stay */
	assert_int_equal(
	    testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'dead' AND attempts = 1 "
			  "AND last_error LIKE 'unreadable outbox row%'"),
	    2);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"), 3);

	/* A batch of nothing but a bad row still records it. */
	assert_true(testdb_exec("DELETE FROM outbox"));
	assert_true(testdb_exec(
	    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination, "
	    "attempts) VALUES (gen_random_uuid(), 'order', gen_random_uuid(), repeat('t', 100), "
	    "'{}', 'order.events', 2147483647)"));
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, 10, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, 0);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'dead' "
				       "AND attempts = 2147483647"),
			 1);
}

static void error_text_cut_inside_a_character_is_stored(void **state)
{
	struct fx *f = *state;

	claim_new_rows(f, 1);
	/* "café" whose last character lost its second byte, then a stray byte. */
	assert_int_equal(
	    complete_only_row(f, OUTBOX_FATE_DEAD, "HTTP 500: caf\xc3 \xff\"\\ ok \xc3\xa9"),
	    OS_OK);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'dead' "
				       "AND last_error = E'HTTP 500: caf? ?\"\\\\ ok \\u00e9'"),
			 1);
}

static void complete_after_lost_claim_records_nothing(void **state)
{
	struct fx *f = *state;

	claim_new_rows(f, 1);
	assert_true(testdb_exec("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
				"WHERE datname = current_database() AND pid <> pg_backend_pid()"));
	/* The session finds out (here through wait) and reconnects; the claim is
	 * gone with the old connection. */
	(void)outbox_store_wait(&f->st, 1, &f->err);
	assert_int_not_equal(complete_only_row(f, OUTBOX_FATE_SENT, ""), OS_OK);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'pending' "
				       "AND attempts = 0"),
			 1);
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, 1, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, 1);
	outbox_store_release(&f->st);
}

/* A row that is not found as claimed fails the whole completion: nothing is
 * recorded, and every row is claimable again. */
static void complete_records_nothing_unless_every_row_is_found(void **state)
{
	struct fx *f = *state;
	struct outbox_result res[3];

	claim_new_rows(f, 3);
	memset(res, 0, sizeof(res));
	/* One row twice, one missing: sent rows are found by the claim's locator. */
	memcpy(f->b.rows[1].claim_ref, f->b.rows[0].claim_ref, sizeof(f->b.rows[1].claim_ref));
	assert_int_equal(outbox_store_complete(&f->st, &f->b, res, &f->err), OS_EIO);
	assert_non_null(strstr(f->err.message, "2 of 3 sent"));
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"), 3);
	assert_int_equal(outbox_store_claim(&f->st, &only_kafka, 3, &f->b, &f->err), OS_OK);
	assert_int_equal(f->b.count, 3);
	assert_int_equal(outbox_store_complete(&f->st, &f->b, res, &f->err), OS_OK);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'sent'"), 3);
}

/*
 * 60 orders with 5 events each, interleaved, drained in batches of 20 with
 * the next batch claimed ahead on a second session while one is delivered.
 * The first batch fails (retried after 100-200 ms): neither the claim that
 * ran while it was in flight nor any before the retry may take those
 * orders' next events. Every row is delivered once, and
 * each order's rows in seq order.
 */
static void relay_claiming_ahead_keeps_order_and_sends_once(void **state)
{
	struct pg_session *s1 = testdb_session(), *s2 = testdb_session();
	struct fake_outbox_sink *k = calloc(1, sizeof(*k));
	struct outbox_store a, b;
	struct outbox_relay_options o = {.filter = only_kafka,
					 .batch_size = 20,
					 .max_attempts = 5,
					 .poll_ms = 10,
					 .backoff = {200000, 200000}};
	struct outbox_relay_ports p;
	struct outbox_relay r;
	struct sys sys;
	size_t claimed, i, j, steps = 0;

	(void)state;
	assert_non_null(k);
	fake_outbox_sink_init(k, OUTBOX_SENT);
	k->retry_first_batch = true;
	for (i = 0; i < 5; i++)
		assert_true(testdb_exec(
		    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, "
		    "destination) "
		    "SELECT gen_random_uuid(), 'order', md5('order ' || g)::uuid, 'order.created', "
		    "'{}', 'order.events' FROM generate_series(1, 60) AS g"));
	pg_outbox_store_init(&a, s1);
	pg_outbox_store_init(&b, s2);
	crypto_sys_init(&sys);
	p = (struct outbox_relay_ports){.store = &a, .ahead = &b, .sink = &k->sink, .sys = &sys};
	assert_int_equal(outbox_relay_init(&r, &o, &p, NULL), OS_OK);
	do {
		claimed = 0;
		assert_int_equal(outbox_relay_step(&r, &claimed, NULL), OS_OK);
		if (claimed == 0)
			nanosleep(&(struct timespec){0, 5000000}, NULL); /* the retries' backoff */
	} while ((claimed > 0 || k->sent < 300) && ++steps < 2000);
	outbox_relay_release(&r);

	assert_int_equal(k->sent, 300);
	assert_int_equal(k->count, k->rows_seen); /* every row recorded */
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE status = 'sent'"), 300);
	for (i = 0; i < k->count; i++) {
		if (k->rows[i].delivery != OUTBOX_SENT)
			continue;
		for (j = i + 1; j < k->count; j++) {
			if (k->rows[j].delivery != OUTBOX_SENT)
				continue;
			assert_true(k->rows[i].seq != k->rows[j].seq);
			if (memcmp(&k->rows[i].aggregate_id, &k->rows[j].aggregate_id,
				   sizeof(k->rows[i].aggregate_id)) == 0)
				assert_true(k->rows[i].seq < k->rows[j].seq);
		}
	}
	free(k);
	pg_session_free(s1);
	pg_session_free(s2);
}

/* A case run on the fixture (fx_setup, fx_teardown). */
#define WITH_FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(two_relays_never_share_a_row, clean),
    WITH_FX(per_aggregate_order_and_fates),
    cmocka_unit_test_setup(release_and_crash_leave_rows_claimable, clean),
    WITH_FX(wait_wakes_on_notify_and_purge_is_bounded),
    WITH_FX(wait_and_claim_survive_terminated_backend),
    cmocka_unit_test_setup(admin_dead_letters_and_stats, clean),
    WITH_FX(unreadable_rows_are_buried_not_blocking),
    WITH_FX(error_text_cut_inside_a_character_is_stored),
    WITH_FX(complete_after_lost_claim_records_nothing),
    WITH_FX(complete_records_nothing_unless_every_row_is_found),
    cmocka_unit_test_setup(relay_claiming_ahead_keeps_order_and_sends_once, clean),
};

TEST_MAIN(tests, testdb_group_setup, testdb_group_teardown);
