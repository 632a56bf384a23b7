/*
 * Over a real PostgreSQL: an order's customer, address, external reference
 * and source survive the round trip; a second order under the same external
 * reference is not written and answers the first; an order's outbox
 * messages list oldest first with their status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/order_repo.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"

static void make_webhook_order(struct order_insert *c, const char *ref, const char *fp)
{
	memset(c, 0, sizeof(*c));
	testdb_new_uuid(&c->order.id);
	testdb_new_uuid(&c->order.idempotency_key);
	snprintf(c->order.user_id, sizeof(c->order.user_id), "ann@example.com");
	snprintf(c->order.currency, sizeof(c->order.currency), "RUB");
	c->order.created_at_us = c->order.updated_at_us = testdb_now_us();
	c->order.item_count = 1;
	snprintf(c->order.items[0].item_id, sizeof(c->order.items[0].item_id), "tea");
	snprintf(c->order.items[0].name, sizeof(c->order.items[0].name), "Tea");
	c->order.items[0].quantity = 2;
	c->order.items[0].unit_price_cents = 1250;
	c->order.amount_cents = 2500;
	c->order.source = ORDER_SOURCE_WEBHOOK;
	snprintf(c->order.customer.name, sizeof(c->order.customer.name), "Ann 'O' \"Smith\"");
	snprintf(c->order.customer.email, sizeof(c->order.customer.email), "ann@example.com");
	snprintf(c->order.shipping_address, sizeof(c->order.shipping_address), "1 Main St\nTown");
	snprintf(c->order.external_ref, sizeof(c->order.external_ref), "%s", ref);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", fp);
	snprintf(c->reason, sizeof(c->reason), "received");
	testdb_add_msg(c, "payment.requested", "payments");
	testdb_add_msg(c, "order.created", "notifications");
	testdb_add_msg(c, "order.created", "webhook");
}

static void origin_round_trip_and_reference(void **state)
{
	struct pg_session *s = testdb_session();
	struct order_repo repo;
	struct order_insert *c = malloc(sizeof(*c)), *c2 = malloc(sizeof(*c2));
	struct order *got = malloc(sizeof(*got));
	char fp[ORDER_FINGERPRINT_MAX + 1];
	struct os_error err;
	bool created = false;

	(void)state;
	pg_order_repo_init(&repo, s);
	make_webhook_order(c, "shop-rt-1", "webhook|aaa");
	assert_int_equal(order_repo_create(&repo, c, got, &created, fp, sizeof(fp), &err), OS_OK);
	assert_true(created);
	assert_int_equal(order_repo_get(&repo, &c->order.id, got, &err), OS_OK);
	assert_int_equal(got->source, ORDER_SOURCE_WEBHOOK);
	assert_string_equal(got->customer.name, "Ann 'O' \"Smith\"");
	assert_string_equal(got->customer.email, "ann@example.com");
	assert_string_equal(got->shipping_address, "1 Main St\nTown");
	assert_string_equal(got->external_ref, "shop-rt-1");
	assert_int_equal(order_repo_find_by_ref(&repo, "shop-rt-1", got, fp, sizeof(fp), &err),
			 OS_OK);
	assert_true(uuid_equal(&got->id, &c->order.id));
	assert_string_equal(fp, "webhook|aaa");
	assert_int_equal(order_repo_find_by_ref(&repo, "shop-none", got, fp, sizeof(fp), &err),
			 OS_ENOTFOUND);
	/* Another key, the same reference: nothing written, the first answered. */
	make_webhook_order(c2, "shop-rt-1", "webhook|bbb");
	assert_int_equal(order_repo_create(&repo, c2, got, &created, fp, sizeof(fp), &err), OS_OK);
	assert_false(created);
	assert_true(uuid_equal(&got->id, &c->order.id));
	assert_string_equal(fp, "webhook|aaa");
	assert_int_equal(
	    testdb_scalar("SELECT count(*) FROM orders WHERE external_ref = 'shop-rt-1'"), 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox o JOIN orders r ON "
				       "r.id = o.aggregateid WHERE r.external_ref = 'shop-rt-1'"),
			 3);
	/* An API order has no reference and source api. */
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE source = 'api' AND "
				       "external_ref IS NOT NULL"),
			 0);
	order_insert_release(c);
	order_insert_release(c2);
	free(c);
	free(c2);
	free(got);
	pg_session_free(s);
}

static void events_oldest_first(void **state)
{
	struct pg_session *s = testdb_session();
	struct order_repo repo;
	struct order_insert *c = malloc(sizeof(*c));
	struct order *got = malloc(sizeof(*got));
	struct order_event_row rows[ORDER_EVENTS_MAX];
	char fp[ORDER_FINGERPRINT_MAX + 1], sql[256], id[UUID_STR_LEN + 1];
	struct os_error err;
	struct uuid none;
	bool created = false;
	size_t n = 0;

	(void)state;
	pg_order_repo_init(&repo, s);
	make_webhook_order(c, "shop-ev-1", "webhook|e");
	assert_int_equal(order_repo_create(&repo, c, got, &created, fp, sizeof(fp), &err), OS_OK);
	uuid_format(&c->order.id, id);
	snprintf(sql, sizeof(sql),
		 "UPDATE outbox SET status = 'sent', sent_at = now(), attempts = 2 "
		 "WHERE aggregateid = '%s' AND destination = 'payments'",
		 id);
	assert_true(testdb_exec(sql));
	assert_int_equal(order_repo_events(&repo, &c->order.id, rows, ORDER_EVENTS_MAX, &n, &err),
			 OS_OK);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].type, "payment.requested");
	assert_string_equal(rows[0].status, "sent");
	assert_int_equal(rows[0].attempts, 2);
	assert_true(rows[0].has_sent_at);
	assert_true(uuid_equal(&rows[0].event_id, &c->msgs[0].event_id));
	assert_string_equal(rows[1].destination, "notifications");
	assert_string_equal(rows[2].destination, "webhook");
	assert_string_equal(rows[2].status, "pending");
	assert_false(rows[2].has_sent_at);
	assert_true(rows[0].created_at_us > 0);
	assert_int_equal(order_repo_events(&repo, &c->order.id, rows, 2, &n, &err), OS_OK);
	assert_int_equal(n, 2);
	testdb_new_uuid(&none);
	assert_int_equal(order_repo_events(&repo, &none, rows, ORDER_EVENTS_MAX, &n, &err),
			 OS_ENOTFOUND);
	order_insert_release(c);
	free(c);
	free(got);
	pg_session_free(s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(origin_round_trip_and_reference),
    cmocka_unit_test(events_oldest_first),
};

TEST_MAIN(tests, testdb_group_setup, testdb_group_teardown);
