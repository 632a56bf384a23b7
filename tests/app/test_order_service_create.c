/*
 * order_create over fakes: validation names the field and writes nothing,
 * catalog outcomes map to the right statuses, idempotent replays and races
 * answer the stored order, and the three outbox messages carry the exact
 * payloads receivers expect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/catalog_cache.h"
#include "app/order_service.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

static const char *const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/* fake_env_setup with the two items of fake_order_sample in the catalog. */
static int setup(void **state)
{
	struct fake_env *e;

	if (fake_env_setup(state) != 0)
		return -1;
	e = *state;
	fake_catalog_add(&e->catalog, "sku-1", "Widget", 10000, 10);
	fake_catalog_add(&e->catalog, "sku-2", "Gadget \"Pro\"", 15000, 5);
	return 0;
}

static void valid_request(struct order_create_request *req)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->user_id, sizeof(req->user_id), "u1");
	assert_int_equal(
	    uuid_parse("0190a4f2-7c1e-4d3a-9b2c-3e4f5a6b7c8d", UUID_STR_LEN, &req->idempotency_key),
	    OS_OK);
	req->line_count = 2;
	snprintf(req->lines[0].item_id, sizeof(req->lines[0].item_id), "sku-1");
	req->lines[0].quantity = 2;
	snprintf(req->lines[1].item_id, sizeof(req->lines[1].item_id), "sku-2");
	req->lines[1].quantity = 1;
	snprintf(req->trace.request_id, sizeof(req->trace.request_id), "req-1");
	snprintf(req->trace.traceparent, sizeof(req->trace.traceparent), "%s", TRACEPARENT);
}

static struct order *create_ok(struct fake_env *e, const struct order_create_request *req,
			       bool expect_created)
{
	static struct order out;
	struct os_error err;
	bool created = !expect_created;

	os_error_clear(&err);
	assert_int_equal(order_create(&e->svc, req, &out, &created, &err), OS_OK);
	assert_true(created == expect_created);
	return &out;
}

static void test_valid_create(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct order *o;

	valid_request(&req);
	o = create_ok(e, &req, true);
	assert_int_equal(o->status, ORDER_NEW);
	assert_int_equal(o->amount_cents, 35000);
	assert_string_equal(o->currency, "RUB");
	assert_string_equal(o->user_id, "u1");
	assert_int_equal(o->version, 1);
	assert_int_equal(o->created_at_us, FAKE_NOW_US);
	assert_int_equal(o->updated_at_us, FAKE_NOW_US);
	assert_int_equal(o->id.b[6] >> 4, 7);
	assert_true(uuid_equal(&o->idempotency_key, &req.idempotency_key));
	assert_int_equal(o->item_count, 2);
	assert_string_equal(o->items[0].name, "Widget");
	assert_int_equal(o->items[0].unit_price_cents, 10000);
	assert_int_equal(o->items[1].quantity, 1);
	assert_int_equal(e->repo->commits, 1);
	assert_int_equal(e->repo->msg_count, 3);
	assert_true(e->repo->last_reserve_stock);
	/* "sha256:" and the hex digest of the canonical encoding */
	assert_int_equal(strlen(e->repo->orders[0].fingerprint), 7 + 64);
	assert_memory_equal(e->repo->orders[0].fingerprint, "sha256:", 7);
	assert_string_equal(e->repo->orders[0].history[0].reason, "order created");
}

static void test_reserve_follows_settings(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	e->settings.local_inventory = false;
	valid_request(&req);
	create_ok(e, &req, true);
	assert_false(e->repo->last_reserve_stock);
}

/* Creates the valid order and returns its message of type on topic, checked
 * to be JSON about that order; id and ev get the order's and the event's ids
 * as text. */
static const struct fake_msg *created_msg(struct fake_env *e, const char *type, const char *topic,
					  char *id, char *ev)
{
	struct order_create_request req;
	const struct fake_msg *m;
	struct order *o;

	valid_request(&req);
	o = create_ok(e, &req, true);
	uuid_format(&o->id, id);
	m = fake_repo_msg(e->repo, type, topic);
	assert_non_null(m);
	assert_true(fake_json_valid(m->payload));
	assert_true(uuid_equal(&m->aggregate_id, &o->id));
	uuid_format(&m->event_id, ev);
	return m;
}

static void test_payment_payload(void **state)
{
	char id[UUID_STR_LEN + 1], ev[UUID_STR_LEN + 1], want[256];
	const struct fake_msg *m = created_msg(*state, "payment.requested", "payments", id, ev);

	snprintf(want, sizeof(want), "{\"order_id\":\"%s\",\"amount\":\"350.00\"", id);
	assert_contains(m->payload, want);
	assert_contains(m->payload, "\"currency\":\"RUB\"");
	assert_contains(m->payload, "\"user_id\":\"u1\"");
	snprintf(want, sizeof(want), "\"idempotency_key\":\"%s\"", ev);
	assert_contains(m->payload, want);
	assert_contains(m->payload, "\"callback_url\":\"http://127.0.0.1:8000/api/v1/orders/"
				    "payment-callback\"");
	snprintf(want, sizeof(want), "{\"request_id\":\"req-1\",\"traceparent\":\"%s\"}",
		 TRACEPARENT);
	assert_string_equal(m->headers, want);
}

static void test_notification_payload(void **state)
{
	char id[UUID_STR_LEN + 1], ev[UUID_STR_LEN + 1], want[256];
	const struct fake_msg *m = created_msg(*state, "order.created", "notifications", id, ev);

	snprintf(want, sizeof(want), "{\"message\":\"Order %s was created\"", id);
	assert_contains(m->payload, want);
	snprintf(want, sizeof(want), "\"idempotency_key\":\"%s\"", ev);
	assert_contains(m->payload, want);
	snprintf(want, sizeof(want), "\"order_id\":\"%s\"", id);
	assert_contains(m->payload, want);
	assert_contains(m->payload, "\"user_id\":\"u1\"");
	assert_contains(m->payload, "\"event_type\":\"order.created\"");
}

static void test_event_payload(void **state)
{
	char id[UUID_STR_LEN + 1], ev[UUID_STR_LEN + 1], want[256];
	const struct fake_msg *m = created_msg(*state, "order.created", "order.events", id, ev);

	snprintf(want, sizeof(want), "{\"event_id\":\"%s\",\"event_type\":\"order.created\"", ev);
	assert_contains(m->payload, want);
	assert_contains(m->payload, "\"occurred_at\":\"2026-01-01T00:00:00.000Z\"");
	assert_contains(m->payload,
			"\"status\":\"new\",\"amount\":\"350.00\",\"currency\":\"RUB\"");
	assert_contains(m->payload, "\"items\":[{\"item_id\":\"sku-1\",\"name\":\"Widget\","
				    "\"quantity\":2,\"unit_price\":\"100.00\"},");
	assert_contains(m->payload, "\"name\":\"Gadget \\\"Pro\\\"\"");
}

static void test_event_ids_distinct(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct order *o;
	size_t i, j;

	valid_request(&req);
	o = create_ok(e, &req, true);
	for (i = 0; i < e->repo->msg_count; i++) {
		assert_int_equal(e->repo->msgs[i].event_id.b[6] >> 4, 7);
		assert_false(uuid_equal(&e->repo->msgs[i].event_id, &o->id));
		for (j = 0; j < i; j++)
			assert_false(
			    uuid_equal(&e->repo->msgs[i].event_id, &e->repo->msgs[j].event_id));
	}
}

static void test_no_trace_no_headers(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	size_t i;

	valid_request(&req);
	req.trace.request_id[0] = '\0';
	req.trace.traceparent[0] = '\0';
	create_ok(e, &req, true);
	for (i = 0; i < e->repo->msg_count; i++)
		assert_null(e->repo->msgs[i].headers);
}

/* The catalog answers over the network; it must never be asked while the
 * order's transaction is open, so every lookup comes before the create. */
static void test_catalog_before_transaction(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	e->catalog.watch_writes = &e->repo->creates;
	valid_request(&req);
	create_ok(e, &req, true);
	assert_true(e->catalog.calls >= 1);
	assert_int_equal(e->repo->creates, 1);
	assert_int_equal(e->catalog.writes_seen, 0);
}

static void test_replay_same_body(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct uuid first;
	size_t calls;

	valid_request(&req);
	first = create_ok(e, &req, true)->id;
	calls = e->catalog.calls;
	assert_true(uuid_equal(&create_ok(e, &req, false)->id, &first));
	assert_true(e->catalog.calls >= calls);
	assert_int_equal(e->repo->commits, 1);
	assert_int_equal(e->repo->msg_count, 3);
}

/* A replay must not depend on the catalog: the order exists already. */
static void test_replay_with_catalog_down(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct uuid first;

	valid_request(&req);
	first = create_ok(e, &req, true)->id;
	e->catalog.down = true;
	assert_true(uuid_equal(&create_ok(e, &req, false)->id, &first));
	assert_int_equal(e->repo->commits, 1);
}

/* Runs order_create on req and returns its status; err gets the detail. */
static enum os_status create_status(struct fake_env *e, const struct order_create_request *req,
				    struct os_error *err)
{
	struct order out;
	bool created = false;

	os_error_clear(err);
	return order_create(&e->svc, req, &out, &created, err);
}

static void test_replay_other_body(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct os_error err;

	valid_request(&req);
	create_ok(e, &req, true);
	req.lines[0].quantity = 3;
	assert_int_equal(create_status(e, &req, &err), OS_EMISMATCH);
	assert_int_equal(e->repo->commits, 1);
	assert_int_equal(e->repo->count, 1);
}

/* Runs req expecting st with field, and checks nothing was written. */
static void expect_failure(struct fake_env *e, const struct order_create_request *req,
			   enum os_status st, const char *field)
{
	struct os_error err;

	assert_int_equal(create_status(e, req, &err), st);
	if (field != NULL)
		assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
	assert_int_equal(e->repo->commits, 0);
	assert_int_equal(e->repo->msg_count, 0);
	assert_int_equal(e->repo->count, 0);
}

static void test_unknown_item(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	valid_request(&req);
	snprintf(req.lines[1].item_id, sizeof(req.lines[1].item_id), "nope");
	expect_failure(e, &req, OS_ENOTFOUND, "items[1].item_id");
	assert_int_equal(e->repo->creates, 0);
}

static void test_catalog_down(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	e->catalog.down = true;
	valid_request(&req);
	expect_failure(e, &req, OS_EUNAVAIL, NULL);
	assert_int_equal(e->repo->creates, 0);
}

static void test_not_enough_stock(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	/* A remote catalog's stock is checked before the transaction. */
	e->settings.local_inventory = false;
	valid_request(&req);
	req.lines[1].quantity = 6;
	expect_failure(e, &req, OS_ECONFLICT, "items[1].quantity");
	assert_int_equal(e->repo->creates, 0);
}

/* With the local inventory the transaction checks and takes the stock: a
 * catalog figure (perhaps cached before a restock) does not refuse. */
static void test_local_stock_left_to_transaction(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	valid_request(&req);
	req.lines[1].quantity = 6;
	create_ok(e, &req, true);
	assert_int_equal(e->repo->creates, 1);
}

static void test_total_overflow(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	fake_catalog_add(&e->catalog, "sku-1", "Gold", INT64_C(99999999999999999), 100);
	valid_request(&req);
	expect_failure(e, &req, OS_EINVAL, "items");
}

static void test_database_down(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;

	e->repo->fail_with = OS_EUNAVAIL;
	valid_request(&req);
	expect_failure(e, &req, OS_EUNAVAIL, NULL);
}

/* One broken field of an otherwise valid request. */
struct invalid_case {
	void (*breaks)(struct order_create_request *req);
	const char *field;
};

static void empty_user(struct order_create_request *r)
{
	r->user_id[0] = '\0';
}
static void spaced_user(struct order_create_request *r)
{
	snprintf(r->user_id, sizeof(r->user_id), "a b");
}
static void quoted_user(struct order_create_request *r)
{
	snprintf(r->user_id, sizeof(r->user_id), "a\"b");
}
static void long_user(struct order_create_request *r)
{
	memset(r->user_id, 'x', sizeof(r->user_id));
}
static void nil_key(struct order_create_request *r)
{
	memset(&r->idempotency_key, 0, sizeof(r->idempotency_key));
}
static void no_items(struct order_create_request *r)
{
	r->line_count = 0;
}
static void too_many_items(struct order_create_request *r)
{
	r->line_count = ORDER_MAX_ITEMS + 1;
}
static void empty_item(struct order_create_request *r)
{
	r->lines[1].item_id[0] = '\0';
}
static void spaced_item(struct order_create_request *r)
{
	snprintf(r->lines[0].item_id, sizeof(r->lines[0].item_id), "a b");
}
static void zero_qty(struct order_create_request *r)
{
	r->lines[1].quantity = 0;
}
static void negative_qty(struct order_create_request *r)
{
	r->lines[0].quantity = -5;
}
static void big_qty(struct order_create_request *r)
{
	r->lines[1].quantity = ORDER_MAX_QUANTITY + 1;
}
static void huge_qty(struct order_create_request *r)
{
	r->lines[0].quantity = INT64_MAX;
}
static void dup_item(struct order_create_request *r)
{
	snprintf(r->lines[1].item_id, sizeof(r->lines[1].item_id), "sku-1");
}

static const struct invalid_case invalid_cases[] = {
    {empty_user, "user_id"},
    {spaced_user, "user_id"},
    {quoted_user, "user_id"},
    {long_user, "user_id"},
    {nil_key, "idempotency_key"},
    {no_items, "items"},
    {too_many_items, "items"},
    {empty_item, "items[1].item_id"},
    {spaced_item, "items[0].item_id"},
    {zero_qty, "items[1].quantity"},
    {negative_qty, "items[0].quantity"},
    {big_qty, "items[1].quantity"},
    {huge_qty, "items[0].quantity"},
    {dup_item, "items[1].item_id"},
};

static void test_invalid_inputs(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	size_t i;

	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		valid_request(&req);
		invalid_cases[i].breaks(&req);
		expect_failure(e, &req, OS_EINVAL, invalid_cases[i].field);
		assert_int_equal(e->catalog.calls, 0);
		assert_int_equal(e->repo->creates, 0);
	}
}

static void test_max_items_accepted(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	size_t i;

	valid_request(&req);
	req.line_count = 40;
	for (i = 0; i < req.line_count; i++) {
		char id[32];

		snprintf(id, sizeof(id), "bulk-%zu", i);
		fake_catalog_add(&e->catalog, id, "Bulk item with a name", 1, ORDER_MAX_QUANTITY);
		snprintf(req.lines[i].item_id, sizeof(req.lines[i].item_id), "%s", id);
		req.lines[i].quantity = ORDER_MAX_QUANTITY;
	}
	assert_int_equal(create_ok(e, &req, true)->amount_cents, 40 * ORDER_MAX_QUANTITY);
	assert_true(
	    fake_json_valid(fake_repo_msg(e->repo, "order.created", "order.events")->payload));
}

/* The service prices through a minute-long cache over the fake catalog, as
 * the API does with the local inventory; the cache is on the heap. */
static struct catalog_cache *cache_catalog(struct fake_env *e)
{
	struct catalog_cache *cache = calloc(1, sizeof(*cache));

	assert_non_null(cache);
	catalog_cache_init(cache, e->catalog.catalog, e->sys.sys, INT64_C(60000000));
	e->svc.catalog = catalog_cache_port(cache);
	return cache;
}

static void next_key(struct order_create_request *req, unsigned char n)
{
	req->idempotency_key.b[15] = n;
}

/* A price changed after it was cached: the statement refuses the line, the
 * use case forgets the order's items, prices them from the catalog and
 * writes the order at the new price; the next order is priced from the
 * refreshed cache. */
static void test_stale_price_priced_again(void **state)
{
	struct fake_env *e = *state;
	struct catalog_cache *cache = cache_catalog(e);
	struct order_create_request req;
	struct order *o;

	valid_request(&req);
	assert_int_equal(create_ok(e, &req, true)->items[0].unit_price_cents, 10000);
	assert_int_equal(e->catalog.calls, 2);
	fake_catalog_add(&e->catalog, "sku-1", "Widget", 12000, 10);
	e->repo->stale_prices = 1;
	next_key(&req, 1);
	o = create_ok(e, &req, true);
	assert_int_equal(o->items[0].unit_price_cents, 12000);
	assert_int_equal(o->amount_cents, 2 * 12000 + 15000);
	assert_int_equal(e->catalog.calls, 4); /* both lines asked again */
	assert_int_equal(e->repo->creates, 3);
	assert_int_equal(e->repo->count, 2);
	assert_int_equal(fake_repo_find(e->repo, &o->id)->order.items[0].unit_price_cents, 12000);
	next_key(&req, 2);
	assert_int_equal(create_ok(e, &req, true)->items[0].unit_price_cents, 12000);
	assert_int_equal(e->catalog.calls, 4);
	free(cache);
}

/* The price changed again before the retry: a retryable 503, nothing written. */
static void test_stale_price_twice_retryable(void **state)
{
	struct fake_env *e = *state;
	struct catalog_cache *cache = cache_catalog(e);
	struct order_create_request req;

	valid_request(&req);
	e->repo->stale_prices = 2;
	expect_failure(e, &req, OS_EAGAIN, "items[0].unit_price");
	assert_int_equal(e->repo->creates, 2);
	assert_int_equal(e->repo->stale_prices, 0);
	assert_int_equal(e->catalog.calls, 4);
	free(cache);
}

/* Makes a concurrent request with req's key win between lookup and insert:
 * winner gets the stored order (of user_id, unless NULL) with fingerprint fp. */
static void arm_race(struct fake_env *e, const struct order_create_request *req,
		     const char *user_id, const char *fp, struct order *winner)
{
	fake_order_sample(winner, 9, ORDER_NEW, FAKE_NOW_US - 1000);
	if (user_id != NULL)
		snprintf(winner->user_id, sizeof(winner->user_id), "%s", user_id);
	winner->idempotency_key = req->idempotency_key;
	fake_repo_arm_race(e->repo, winner, fp);
}

/* A concurrent request with the same key and body wins between lookup and
 * insert: the answer is its order, and nothing of ours is written. The
 * winner carries a fingerprint of the old unhashed form, so it is compared
 * line by line. */
static void test_race_same_body(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct order winner;

	valid_request(&req);
	arm_race(e, &req, "u1", "u1|sku-1:2|sku-2:1", &winner);
	assert_true(uuid_equal(&create_ok(e, &req, false)->id, &winner.id));
	assert_int_equal(e->repo->creates, 1);
	assert_int_equal(e->repo->commits, 0);
	assert_int_equal(e->repo->msg_count, 0);
}

static void test_race_other_body(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request req;
	struct order winner;
	struct os_error err;

	valid_request(&req);
	arm_race(e, &req, NULL, "u1|sku-1:5", &winner);
	assert_int_equal(create_status(e, &req, &err), OS_EMISMATCH);
	assert_string_equal(err.field, "idempotency_key");
	assert_int_equal(e->repo->msg_count, 0);
}

/* The user "u|sku-1:1" ordering [sku-2] and the user "u" ordering [sku-1,
 * sku-2] were one "u|sku-1:1|sku-2:1" to the old fingerprint. */
static void collision_pair(struct order_create_request *a, struct order_create_request *b)
{
	valid_request(a);
	snprintf(a->user_id, sizeof(a->user_id), "u|sku-1:1");
	a->line_count = 1;
	snprintf(a->lines[0].item_id, sizeof(a->lines[0].item_id), "sku-2");
	a->lines[0].quantity = 1;
	valid_request(b);
	snprintf(b->user_id, sizeof(b->user_id), "u");
	b->lines[0].quantity = 1;
}

static void test_fingerprint_collision_mismatch(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request a, b;
	struct os_error err;

	collision_pair(&a, &b);
	create_ok(e, &a, true);
	assert_int_equal(create_status(e, &b, &err), OS_EMISMATCH);
	assert_string_equal(err.field, "idempotency_key");
	assert_int_equal(e->repo->count, 1);
	create_ok(e, &a, false);
}

/* An order stored with the old fingerprint: the replay of its own request
 * still answers it; the colliding request is a mismatch. */
static void test_legacy_fingerprint(void **state)
{
	struct fake_env *e = *state;
	struct order_create_request a, b;
	struct order stored;
	struct os_error err;

	collision_pair(&a, &b);
	fake_order_sample(&stored, 3, ORDER_NEW, FAKE_NOW_US - 1000);
	snprintf(stored.user_id, sizeof(stored.user_id), "u|sku-1:1");
	stored.item_count = 1;
	stored.items[0] = stored.items[1];
	stored.idempotency_key = a.idempotency_key;
	fake_repo_put(e->repo, &stored, "u|sku-1:1|sku-2:1");
	assert_true(uuid_equal(&create_ok(e, &a, false)->id, &stored.id));
	assert_int_equal(create_status(e, &b, &err), OS_EMISMATCH);
	assert_int_equal(e->repo->commits, 0);
}

static void test_list_clamps_limit(void **state)
{
	struct fake_env *e = *state;
	static struct order out[ORDER_LIST_MAX];
	struct order_filter f;
	struct os_error err;
	size_t n = 99;

	memset(&f, 0, sizeof(f));
	assert_int_equal(order_list(&e->svc, &f, out, &n, &err), OS_OK);
	assert_int_equal(e->repo->last_filter.limit, 20);
	assert_int_equal(n, 0);
	f.limit = 100000;
	assert_int_equal(order_list(&e->svc, &f, out, &n, &err), OS_OK);
	assert_int_equal(e->repo->last_filter.limit, ORDER_LIST_MAX);
	f.user_id = "bad user";
	assert_int_equal(order_list(&e->svc, &f, out, &n, &err), OS_EINVAL);
	assert_string_equal(err.field, "user_id");
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, fake_env_teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_valid_create),
    TEST(test_catalog_before_transaction),
    TEST(test_replay_with_catalog_down),
    TEST(test_reserve_follows_settings),
    TEST(test_payment_payload),
    TEST(test_notification_payload),
    TEST(test_event_payload),
    TEST(test_event_ids_distinct),
    TEST(test_no_trace_no_headers),
    TEST(test_replay_same_body),
    TEST(test_replay_other_body),
    TEST(test_unknown_item),
    TEST(test_catalog_down),
    TEST(test_not_enough_stock),
    TEST(test_local_stock_left_to_transaction),
    TEST(test_total_overflow),
    TEST(test_database_down),
    TEST(test_invalid_inputs),
    TEST(test_max_items_accepted),
    TEST(test_stale_price_priced_again),
    TEST(test_stale_price_twice_retryable),
    TEST(test_race_same_body),
    TEST(test_race_other_body),
    TEST(test_fingerprint_collision_mismatch),
    TEST(test_legacy_fingerprint),
    TEST(test_list_clamps_limit),
};

TEST_MAIN(tests, NULL, NULL);
