/*
 * The order repository, inventory catalog and inbox over a real PostgreSQL:
 * round trips, idempotency under concurrency, stock that never oversells,
 * errors that write nothing, changes applied exactly once, a sweep that
 * skips an order it cannot read, and a session that survives its backend
 * being killed.
 */
#include <pthread.h>
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

#include "app/catalog.h"
#include "app/inbox_port.h"
#include "app/order_repo.h"
#include "infrastructure/postgres/pg_inbox.h"
#include "infrastructure/postgres/pg_inventory_catalog.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"

/* A create of one line per item (quantity qty, price 250 cents). */
static void make_create(struct order_insert *c, const struct uuid *key, const char *user,
			const char *const *items, size_t n, int32_t qty, bool reserve)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	testdb_new_uuid(&c->order.id);
	c->order.idempotency_key = *key;
	snprintf(c->order.user_id, sizeof(c->order.user_id), "%s", user);
	snprintf(c->order.currency, sizeof(c->order.currency), "EUR");
	c->order.created_at_us = c->order.updated_at_us = testdb_now_us();
	for (i = 0; i < n; i++) {
		struct order_item *it = &c->order.items[i];

		snprintf(it->item_id, sizeof(it->item_id), "%s", items[i]);
		snprintf(it->name, sizeof(it->name), "Name of %s", items[i]);
		it->quantity = qty;
		it->unit_price_cents = 250;
	}
	c->order.item_count = n;
	c->order.amount_cents = 250 * qty * (int64_t)n;
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s|%s:%d", user, items[0], qty);
	snprintf(c->reason, sizeof(c->reason), "created");
	c->reserve_stock = reserve;
	testdb_add_msg(c, "payment.requested", "payments");
	testdb_add_msg(c, "order.created", "notifications");
	testdb_add_msg(c, "order.created", "order.events");
}

/* One session and the order repository on it. */
struct fx {
	struct pg_session *s;
	struct order_repo repo;
};

static struct fx fx; /* the running test's */

static int fx_setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	fx.s = testdb_session();
	pg_order_repo_init(&fx.repo, fx.s);
	*state = &fx;
	return 0;
}

static int fx_teardown(void **state)
{
	(void)state;
	pg_session_free(fx.s);
	return 0;
}

/* order_repo_create of c on repo; the order and fingerprint it answers are
 * dropped. */
static enum os_status create_status(struct order_repo *repo, const struct order_insert *c,
				    bool *created, struct os_error *err)
{
	struct order out;
	char fp[ORDER_FINGERPRINT_MAX + 1];

	os_error_clear(err);
	return order_repo_create(repo, c, &out, created, fp, sizeof(fp), err);
}

/* create_status, and c released after. */
static enum os_status create_released(struct order_repo *repo, struct order_insert *c,
				      bool *created, struct os_error *err)
{
	enum os_status st = create_status(repo, c, created, err);

	order_insert_release(c);
	return st;
}

/* Creates an order of one line per item for user (created age_us ago) and
 * returns its id. */
static struct uuid create_order(struct order_repo *repo, const char *user, const char *const *items,
				size_t n, int32_t qty, bool reserve, int64_t age_us)
{
	struct order_insert c;
	struct os_error err;
	struct uuid key;
	bool created = false;

	testdb_new_uuid(&key);
	make_create(&c, &key, user, items, n, qty, reserve);
	c.order.created_at_us -= age_us;
	assert_int_equal(create_released(repo, &c, &created, &err), OS_OK);
	assert_true(created);
	return c.order.id;
}

static int64_t stock_of(const char *item)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT available_qty FROM inventory WHERE item_id = '%s'",
		 item);
	return testdb_scalar(sql);
}

/* The status of order id, which must exist. */
static enum order_status status_of(struct order_repo *repo, const struct uuid *id)
{
	struct order out;
	struct os_error err;

	assert_int_equal(order_repo_get(repo, id, &out, &err), OS_OK);
	return out.status;
}

static void create_get_list_history(void **state)
{
	static const char *const items[] = {"sku-b", "sku-a"};
	struct fx *f = *state;
	struct order_insert c;
	struct order *got = malloc(sizeof(*got) * 3);
	struct order_filter flt = {.user_id = "u-list", .limit = 2};
	struct order_history_entry h[4];
	struct uuid key;
	char fp[ORDER_FINGERPRINT_MAX + 1];
	struct os_error err;
	bool created = false;
	size_t n = 0;
	int k;

	for (k = 0; k < 3; k++) {
		testdb_new_uuid(&key);
		make_create(&c, &key, "u-list", items, 2, k + 1, false);
		assert_int_equal(
		    order_repo_create(&f->repo, &c, &got[0], &created, fp, sizeof(fp), &err),
		    OS_OK);
		assert_true(created);
		order_insert_release(&c);
	}
	assert_int_equal(order_repo_get(&f->repo, &c.order.id, &got[1], &err), OS_OK);
	assert_true(uuid_equal(&got[1].id, &c.order.id));
	assert_string_equal(got[1].user_id, "u-list");
	assert_int_equal(got[1].status, ORDER_NEW);
	assert_int_equal(got[1].amount_cents, 250 * 3 * 2);
	assert_int_equal(got[1].item_count, 2);
	assert_string_equal(got[1].items[0].item_id, "sku-b");
	assert_int_equal(got[1].items[1].quantity, 3);
	assert_int_equal(got[1].created_at_us, c.order.created_at_us);
	assert_int_equal(got[1].version, 1);

	assert_int_equal(order_repo_list(&f->repo, &flt, got, &n, &err), OS_OK);
	assert_int_equal(n, 2);
	assert_true(uuid_equal(&got[0].id, &c.order.id)); /* newest first */
	flt.has_after = true;
	flt.after = got[1].id;
	assert_int_equal(order_repo_list(&f->repo, &flt, got, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].items[0].quantity, 1);
	flt.has_status = true;
	flt.status = ORDER_PAID;
	flt.has_after = false;
	assert_int_equal(order_repo_list(&f->repo, &flt, got, &n, &err), OS_OK);
	assert_int_equal(n, 0);

	assert_int_equal(order_repo_history(&f->repo, &c.order.id, h, 4, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_false(h[0].has_from);
	assert_int_equal(h[0].to, ORDER_NEW);
	assert_string_equal(h[0].reason, "created");
	testdb_new_uuid(&key);
	assert_int_equal(order_repo_history(&f->repo, &key, h, 4, &n, &err), OS_ENOTFOUND);
	assert_int_equal(order_repo_get(&f->repo, &key, &got[0], &err), OS_ENOTFOUND);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox WHERE headers = '{}'"), 3);
	free(got);
}

/* Notifications a listening connection got, after a round trip. */
static int drain(PGconn *listener)
{
	PGnotify *n;
	int got = 0;

	PQclear(PQexec(listener, "SELECT 1"));
	while ((n = PQnotifies(listener)) != NULL) {
		got++;
		PQfreemem(n);
	}
	return got;
}

static void create_notifies_each_destination_once(void **state)
{
	static const char *const items[] = {"sku-n"};
	struct fx *f = *state;
	PGconn *listener = PQconnectdb(testdb_url());
	struct order_insert c;
	struct uuid key;
	struct os_error err;
	bool created;

	PQclear(PQexec(listener, "LISTEN outbox"));
	testdb_new_uuid(&key);
	make_create(&c, &key, "u-notify", items, 1, 1, false);
	testdb_add_msg(&c, "order.extra", "order.events"); /* a second row, same destination */
	assert_int_equal(create_status(&f->repo, &c, &created, &err), OS_OK);
	assert_int_equal(drain(listener), 3);
	assert_int_equal(create_status(&f->repo, &c, &created, &err), OS_OK);
	assert_false(created);
	assert_int_equal(drain(listener), 0);
	order_insert_release(&c);
	PQfinish(listener);
}

/* Creates first (a new order), then replay under the same key (the same
 * order back, nothing new): out and fp are the replay's answer. */
static void create_and_replay(struct order_repo *repo, struct order_insert *first,
			      struct order_insert *replay, struct order *out, char *fp,
			      size_t fp_cap)
{
	struct os_error err;
	bool created = false;

	assert_int_equal(order_repo_create(repo, first, out, &created, fp, fp_cap, &err), OS_OK);
	assert_true(created);
	assert_int_equal(order_repo_create(repo, replay, out, &created, fp, fp_cap, &err), OS_OK);
	assert_false(created);
}

static void idempotent_create(void **state)
{
	static const char *const items[] = {"sku-i"};
	struct fx *f = *state;
	struct order_insert c, again;
	struct order out;
	struct uuid key;
	char fp[ORDER_FINGERPRINT_MAX + 1];
	struct os_error err;

	testdb_new_uuid(&key);
	make_create(&c, &key, "u-idem", items, 1, 2, false);
	make_create(&again, &key, "u-idem", items, 1, 5, false);
	create_and_replay(&f->repo, &c, &again, &out, fp, sizeof(fp));
	assert_true(uuid_equal(&out.id, &c.order.id));
	assert_string_equal(fp, c.fingerprint);
	assert_int_equal(out.items[0].quantity, 2);
	assert_int_equal(order_repo_find_by_key(&f->repo, &key, &out, fp, sizeof(fp), &err), OS_OK);
	assert_true(uuid_equal(&out.id, &c.order.id));
	order_insert_release(&c);
	order_insert_release(&again);
}

struct racer {
	struct uuid key;
	const char *item;
	bool reserve;
	enum os_status st;
	bool created;
};

static void *race_create(void *arg)
{
	struct racer *r = arg;
	const char *items[1] = {r->item};
	struct pg_session *s = NULL;
	struct order_repo repo;
	struct order_insert *c = malloc(sizeof(*c));
	struct order *out = malloc(sizeof(*out));
	char fp[ORDER_FINGERPRINT_MAX + 1];
	struct os_error err;

	r->st = pg_session_open(testdb_url(), &s, &err);
	if (r->st == OS_OK) {
		pg_order_repo_init(&repo, s);
		make_create(c, &r->key, "u-race", items, 1, 1, r->reserve);
		r->st = order_repo_create(&repo, c, out, &r->created, fp, sizeof(fp), &err);
		order_insert_release(c);
	}
	pg_session_free(s);
	free(c);
	free(out);
	return NULL;
}

static void run_racers(struct racer *r, size_t n)
{
	pthread_t *t = calloc(n, sizeof(*t));
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_create, &r[i]), 0);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

static void concurrent_duplicates_make_one_order(void **state)
{
	struct racer r[30];
	struct uuid key;
	char sql[256];
	char text[UUID_STR_LEN + 1];
	int created = 0;
	size_t i;

	(void)state;
	testdb_new_uuid(&key);
	for (i = 0; i < 30; i++)
		r[i] = (struct racer){.key = key, .item = "sku-dup"};
	run_racers(r, 30);
	for (i = 0; i < 30; i++) {
		assert_int_equal(r[i].st, OS_OK);
		created += r[i].created;
	}
	assert_int_equal(created, 1);
	uuid_format(&key, text);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM orders WHERE idempotency_key = '%s'",
		 text);
	assert_int_equal(testdb_scalar(sql), 1);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM outbox x JOIN orders o ON "
		 "o.id = x.aggregateid WHERE o.idempotency_key = '%s'",
		 text);
	assert_int_equal(testdb_scalar(sql), 3);
}

static void last_unit_goes_once(void **state)
{
	struct racer r[5];
	int ok = 0, conflict = 0;
	size_t i;

	(void)state;
	assert_true(testdb_exec("INSERT INTO inventory VALUES ('sku-last', 'Last', 250, 1)"));
	for (i = 0; i < 5; i++) {
		r[i] = (struct racer){.item = "sku-last", .reserve = true};
		testdb_new_uuid(&r[i].key);
	}
	run_racers(r, 5);
	for (i = 0; i < 5; i++) {
		ok += r[i].st == OS_OK && r[i].created;
		conflict += r[i].st == OS_ECONFLICT;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(conflict, 4);
	assert_int_equal(stock_of("sku-last"), 0);
	assert_int_equal(
	    testdb_scalar("SELECT count(*) FROM order_items WHERE item_id = 'sku-last'"), 1);
}

static void stock_errors_write_nothing(void **state)
{
	static const char *const unknown[] = {"sku-s1", "sku-nope"};
	struct fx *f = *state;
	static const char *const shortage[] = {"sku-s1", "sku-s2"};
	struct catalog cat;
	struct catalog_item item;
	struct order_insert c;
	struct order out;
	struct uuid key;
	char fp[ORDER_FINGERPRINT_MAX + 1];
	struct os_error err;
	bool created;
	int64_t orders = testdb_scalar("SELECT count(*) FROM orders");
	int64_t outbox = testdb_scalar("SELECT count(*) FROM outbox");

	assert_true(testdb_exec(
	    "INSERT INTO inventory VALUES ('sku-s1', 'S1', 250, 10), ('sku-s2', 'S2', 250, 3)"));
	testdb_new_uuid(&key);
	make_create(&c, &key, "u-stock", unknown, 2, 2, true);
	assert_int_equal(create_released(&f->repo, &c, &created, &err), OS_ENOTFOUND);
	assert_string_equal(err.field, "items[1].item_id");
	make_create(&c, &key, "u-stock", shortage, 2, 4, true);
	assert_int_equal(create_released(&f->repo, &c, &created, &err), OS_ECONFLICT);
	assert_string_equal(err.field, "items[1].quantity");
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders"), orders);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM outbox"), outbox);
	assert_int_equal(stock_of("sku-s1"), 10);

	/* Enough stock: reserved, and a replay does not take it twice. */
	make_create(&c, &key, "u-stock", shortage, 2, 3, true);
	create_and_replay(&f->repo, &c, &c, &out, fp, sizeof(fp));
	order_insert_release(&c);
	assert_int_equal(stock_of("sku-s1"), 7);
	assert_int_equal(stock_of("sku-s2"), 0);

	pg_inventory_catalog_init(&cat, f->s);
	assert_int_equal(catalog_get(&cat, "sku-s1", &item, &err), OS_OK);
	assert_string_equal(item.name, "S1");
	assert_int_equal(item.price_cents, 250);
	assert_int_equal(item.available_qty, 7);
	assert_int_equal(catalog_get(&cat, "sku-nope", &item, &err), OS_ENOTFOUND);
}

/* A line priced at other than its locked row's price (a stale cached
 * answer) is refused with nothing written or reserved; unknown items and
 * short stock are reported first; without reserving, prices are the
 * caller's (a shop's webhook order). */
static void stale_price_writes_nothing(void **state)
{
	static const char *const items[] = {"sku-p1", "sku-p2"};
	struct fx *f = *state;
	struct order_insert c;
	struct uuid key;
	struct os_error err;
	bool created = false;
	enum os_status st;
	int64_t before = testdb_scalar("SELECT (SELECT count(*) FROM orders) * 1000000 + "
				       "(SELECT count(*) FROM outbox)");

	assert_true(testdb_exec("INSERT INTO inventory VALUES ('sku-p1', 'P1', 250, 10), "
				"('sku-p2', 'P2', 300, 5)"));
	testdb_new_uuid(&key);
	make_create(&c, &key, "u-price", items, 2, 2, true);
	st = create_released(&f->repo, &c, &created, &err);
	assert_int_equal(st, OS_EAGAIN);
	assert_string_equal(err.field, "items[1].unit_price");
	assert_true(order_repo_price_changed(st, &err));
	assert_int_equal(testdb_scalar("SELECT (SELECT count(*) FROM orders) * 1000000 + "
				       "(SELECT count(*) FROM outbox)"),
			 before);
	assert_int_equal(stock_of("sku-p1"), 10);
	assert_int_equal(stock_of("sku-p2"), 5);

	/* Line 0's price is stale too, but line 1's missing stock decides. */
	assert_true(testdb_exec("UPDATE inventory SET price_cents = 200 WHERE item_id = 'sku-p1'"));
	make_create(&c, &key, "u-price", items, 2, 6, true);
	st = create_released(&f->repo, &c, &created, &err);
	assert_int_equal(st, OS_ECONFLICT);
	assert_string_equal(err.field, "items[1].quantity");
	assert_false(order_repo_price_changed(st, &err));

	/* Priced as the rows say: written and reserved. */
	make_create(&c, &key, "u-price", items, 2, 2, true);
	c.order.items[0].unit_price_cents = 200;
	c.order.items[1].unit_price_cents = 300;
	c.order.amount_cents = 2 * 200 + 2 * 300;
	assert_int_equal(create_released(&f->repo, &c, &created, &err), OS_OK);
	assert_true(created);
	assert_int_equal(stock_of("sku-p1"), 8);
	assert_int_equal(stock_of("sku-p2"), 3);
	assert_int_equal(
	    testdb_scalar("SELECT sum(unit_price_cents) FROM order_items i JOIN orders o "
			  "ON o.id = i.order_id WHERE o.user_id = 'u-price'"),
	    500);

	/* Without reserving, the prices given are written as they are. */
	testdb_new_uuid(&key);
	make_create(&c, &key, "u-price", items, 2, 1, false);
	assert_int_equal(create_released(&f->repo, &c, &created, &err), OS_OK);
	assert_true(created);
}

/* Mutator: cancel with stock release and one notification. */
static enum order_verdict cancel_fn(void *arg, const struct order *cur, struct order_change *ch)
{
	int *calls = arg;

	(*calls)++;
	if (cur->status != ORDER_NEW)
		return ORDER_DUPLICATE;
	ch->to = ORDER_CANCELLED;
	snprintf(ch->reason, sizeof(ch->reason), "stale");
	ch->at_us = testdb_now_us();
	ch->release_stock = true;
	testdb_new_uuid(&ch->msgs[0].event_id);
	ch->msgs[0].aggregate_id = cur->id;
	snprintf(ch->msgs[0].type, sizeof(ch->msgs[0].type), "order.cancelled");
	snprintf(ch->msgs[0].destination, sizeof(ch->msgs[0].destination), "order.events");
	ch->msgs[0].payload = strdup("{}");
	ch->msg_count = 1;
	return ORDER_APPLY;
}

static void update_and_expire(void **state)
{
	static const char *const items[] = {"sku-e"};
	struct fx *f = *state;
	struct order out;
	struct order_history_entry h[4];
	struct uuid id, key;
	struct os_error err;
	enum order_verdict v;
	size_t n = 0;
	int calls = 0;

	assert_true(testdb_exec("INSERT INTO inventory VALUES ('sku-e', 'E', 250, 5)"));
	id = create_order(&f->repo, "u-exp", items, 1, 2, true, 3600 * INT64_C(1000000));
	assert_int_equal(stock_of("sku-e"), 3);
	assert_int_equal(order_repo_expire(&f->repo, testdb_now_us() - 60 * INT64_C(1000000), 10,
					   cancel_fn, &calls, &n, &err),
			 OS_OK);
	assert_true(n >= 1);
	assert_int_equal(stock_of("sku-e"), 5);
	assert_int_equal(order_repo_get(&f->repo, &id, &out, &err), OS_OK);
	assert_int_equal(out.status, ORDER_CANCELLED);
	assert_int_equal(out.version, 2);
	assert_int_equal(order_repo_history(&f->repo, &id, h, 4, &n, &err), OS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h[1].from, ORDER_NEW);
	assert_int_equal(h[1].to, ORDER_CANCELLED);
	calls = 0;
	assert_int_equal(order_repo_update(&f->repo, &id, cancel_fn, &calls, &v, &err), OS_OK);
	assert_int_equal(v, ORDER_DUPLICATE);
	assert_int_equal(calls, 1);
	assert_int_equal(stock_of("sku-e"), 5);
	testdb_new_uuid(&key);
	assert_int_equal(order_repo_update(&f->repo, &key, cancel_fn, &calls, &v, &err),
			 OS_ENOTFOUND);
}

static void expire_skips_an_order_it_cannot_read(void **state)
{
	static const char *const items[] = {"sku-x1"};
	struct fx *f = *state;
	struct uuid id;
	struct os_error err;
	size_t n = 0;
	int calls = 0;

	/* A stale order with more lines than an order may have: it cannot be
	 * read back, so it cannot be cancelled, and is the oldest. */
	assert_true(testdb_exec(
	    "INSERT INTO orders (id, user_id, status, amount_cents, currency, "
	    "idempotency_key, request_fingerprint, created_at, updated_at) VALUES "
	    "('00000000-0000-7000-8000-0000000000bd', 'u-bad', 'new', 0, 'EUR', "
	    "gen_random_uuid(), 'x', now() - interval '2 days', now() - interval '2 days')"));
	assert_true(
	    testdb_exec("INSERT INTO order_items SELECT '00000000-0000-7000-8000-0000000000bd', g, "
			"'sku-x', 'X', 1, 0 FROM generate_series(1, 51) g"));
	id = create_order(&f->repo, "u-exp2", items, 1, 1, false, 3600 * INT64_C(1000000));
	assert_int_equal(order_repo_expire(&f->repo, testdb_now_us() - 60 * INT64_C(1000000), 10,
					   cancel_fn, &calls, &n, &err),
			 OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(status_of(&f->repo, &id), ORDER_CANCELLED);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM orders WHERE status = 'new' "
				       "AND id = '00000000-0000-7000-8000-0000000000bd'"),
			 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM order_status_history "
				       "WHERE order_id = '00000000-0000-7000-8000-0000000000bd'"),
			 0);
	assert_true(
	    testdb_exec("DELETE FROM orders WHERE id = '00000000-0000-7000-8000-0000000000bd'"));
}

static bool decide_cancel(void *arg, const struct inbox_row *row, const struct order *order,
			  struct order_change *change, struct inbox_outcome *outcome)
{
	int *calls = arg;

	(void)row;
	(*calls)++;
	if (order == NULL) {
		outcome->fate = INBOX_REJECTED;
		snprintf(outcome->note, sizeof(outcome->note), "no such order");
		return false;
	}
	outcome->fate = INBOX_PROCESSED;
	return cancel_fn(&(int){0}, order, change) == ORDER_APPLY;
}

static void inbox_dedupes_and_applies_once(void **state)
{
	static const char *const items[] = {"sku-in"};
	struct fx *f = *state;
	struct inbox_writer w;
	struct inbox_store st;
	struct uuid id;
	struct inbox_msg m;
	struct os_error err;
	bool inserted;
	size_t n = 0;
	int calls = 0;

	pg_inbox_writer_init(&w, f->s);
	pg_inbox_store_init(&st, f->s);
	id = create_order(&f->repo, "u-inbox", items, 1, 1, false, 0);

	memset(&m, 0, sizeof(m));
	snprintf(m.source, sizeof(m.source), INBOX_SOURCE_PAYMENTS);
	snprintf(m.message_id, sizeof(m.message_id), "pay-1");
	snprintf(m.type, sizeof(m.type), INBOX_TYPE_PAYMENT_FAILED);
	m.has_order_id = true;
	m.order_id = id;
	m.payload = "{\"raw\":\0\"bytes\"}";
	m.payload_len = 16;
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &err), OS_OK);
	assert_true(inserted);
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &err), OS_OK);
	assert_false(inserted);
	assert_int_equal(
	    testdb_scalar("SELECT length(payload) FROM inbox WHERE message_id = 'pay-1'"), 16);
	snprintf(m.message_id, sizeof(m.message_id), "junk-1");
	m.rejected = true;
	snprintf(m.error, sizeof(m.error), "malformed JSON");
	assert_int_equal(inbox_writer_record(&w, &m, &inserted, &err), OS_OK);

	assert_int_equal(inbox_store_wait(&st, 10, &err), OS_OK);
	assert_int_equal(inbox_store_apply_batch(&st, 10, decide_cancel, &calls, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(calls, 1);
	assert_int_equal(inbox_store_apply_batch(&st, 10, decide_cancel, &calls, &n, &err), OS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(calls, 1);
	assert_int_equal(status_of(&f->repo, &id), ORDER_CANCELLED);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'processed' "
				       "AND processed_at IS NOT NULL"),
			 1);
	assert_int_equal(testdb_scalar("SELECT count(*) FROM inbox WHERE status = 'rejected' "
				       "AND error = 'malformed JSON'"),
			 1);
}

/* What a change saw of the order it locked. */
struct lock_view {
	struct uuid id;
	enum os_status st;
	enum order_status status;
	char captured[ORDER_PAYMENT_ID_MAX + 1];
};

static enum order_verdict look_fn(void *arg, const struct order *cur, struct order_change *ch)
{
	struct lock_view *v = arg;

	v->status = cur->status;
	snprintf(v->captured, sizeof(v->captured), "%s", ch->money.captured_payment_id);
	return ORDER_DUPLICATE;
}

static void *change_in_thread(void *arg)
{
	struct lock_view *v = arg;
	struct pg_session *s = NULL;
	struct order_repo repo;
	enum order_verdict verdict;
	struct os_error err;

	v->st = pg_session_open(testdb_url(), &s, &err);
	if (v->st == OS_OK) {
		pg_order_repo_init(&repo, s);
		v->st = order_repo_update(&repo, &v->id, look_fn, v, &verdict, &err);
	}
	pg_session_free(s);
	return NULL;
}

/*
 * A change that waits for the order's lock while another transaction pays
 * the order sees both of what that transaction wrote: the status and the
 * payment (a cancel then refunds the payment the service took, not a made-up
 * one).
 */
static void change_after_a_concurrent_payment_sees_the_payment(void **state)
{
	static const char *const items[] = {"sku-pay"};
	struct fx *f = *state;
	struct lock_view v;
	struct pg_conn *payer;
	pthread_t t;

	assert_true(testdb_exec("INSERT INTO inventory VALUES ('sku-pay', 'P', 250, 5)"));
	memset(&v, 0, sizeof(v));
	v.id = create_order(&f->repo, "u-pay", items, 1, 1, false, 0);
	payer = testdb_pay_uncommitted(&v.id, "pay-concurrent", 250);
	assert_non_null(payer);
	assert_int_equal(pthread_create(&t, NULL, change_in_thread, &v), 0);
	assert_true(testdb_commit_after_waiter(payer)); /* the change waited for the payer */
	pthread_join(t, NULL);
	assert_int_equal(v.st, OS_OK);
	assert_int_equal(v.status, ORDER_PAID);
	assert_string_equal(v.captured, "pay-concurrent");
}

static void survives_terminated_backend(void **state)
{
	struct fx *f = *state;
	struct order out;
	struct uuid id;
	struct os_error err;
	enum os_status st;
	int i;

	testdb_new_uuid(&id);
	for (i = 0; i < 3; i++) {
		assert_true(testdb_exec(
		    "DO $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity "
		    "WHERE datname = current_database() AND pid <> pg_backend_pid(); END $$"));
		st = order_repo_get(&f->repo, &id, &out, &err);
		assert_true(st == OS_ENOTFOUND || st == OS_EUNAVAIL);
	}
	assert_int_equal(pg_session_ping(f->s, &err), OS_OK);
	assert_int_equal(order_repo_get(&f->repo, &id, &out, &err), OS_ENOTFOUND);
}

/*
 * An order is answered created only when its commit is: the create's
 * statement succeeds and the commit after it fails (an error, or the
 * connection lost there). The create fails and no order exists; once the
 * commit is let through, the same request creates it. (The commit's
 * failure had been dropped: "created" for an order that does not exist.)
 */
static void create_fails_when_its_commit_fails(void **state)
{
	static const char *const items[] = {"sku-commit"};
	struct fx *f = *state;
	struct order_insert c;
	struct os_error err;
	struct uuid key;
	bool created = false;
	char sql[160], id[UUID_STR_LEN + 1];

	testdb_new_uuid(&key);
	make_create(&c, &key, "u-commit", items, 1, 1, false);
	uuid_format(&c.order.id, id);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM orders WHERE id = '%s'", id);
	assert_true(testdb_fail_at_commit("orders", false));
	assert_int_equal(create_status(&f->repo, &c, &created, &err), OS_EIO);
	assert_false(created);
	assert_int_equal(testdb_scalar(sql), 0);
	assert_true(testdb_no_fail_at_commit("orders"));
	assert_true(testdb_fail_at_commit("orders", true));
	assert_int_equal(create_status(&f->repo, &c, &created, &err), OS_EUNAVAIL);
	assert_false(created);
	assert_int_equal(testdb_commit_tries(), 2); /* tried again on a fresh connection */
	assert_int_equal(testdb_scalar(sql), 0);
	assert_true(testdb_no_fail_at_commit("orders"));
	assert_int_equal(create_released(&f->repo, &c, &created, &err), OS_OK);
	assert_true(created);
	assert_int_equal(testdb_scalar(sql), 1);
}

static void unreachable_server_is_unavailable(void **state)
{
	struct pg_session *s = NULL;
	struct os_error err;

	(void)state;
	assert_int_equal(
	    pg_session_open("postgresql://postgres@127.0.0.1:1/x?connect_timeout=1", &s, &err),
	    OS_EUNAVAIL);
	assert_null(s);
}

/* A case run on the fixture (fx_setup, fx_teardown). */
#define WITH_FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

static const struct CMUnitTest tests[] = {
    WITH_FX(create_get_list_history),
    WITH_FX(create_notifies_each_destination_once),
    WITH_FX(idempotent_create),
    cmocka_unit_test(concurrent_duplicates_make_one_order),
    cmocka_unit_test(last_unit_goes_once),
    WITH_FX(stock_errors_write_nothing),
    WITH_FX(stale_price_writes_nothing),
    WITH_FX(update_and_expire),
    WITH_FX(expire_skips_an_order_it_cannot_read),
    WITH_FX(inbox_dedupes_and_applies_once),
    WITH_FX(change_after_a_concurrent_payment_sees_the_payment),
    WITH_FX(survives_terminated_backend),
    WITH_FX(create_fails_when_its_commit_fails),
    cmocka_unit_test(unreachable_server_is_unavailable),
};

TEST_MAIN(tests, testdb_group_setup, testdb_group_teardown);
