/*
 * order_ingress_create over fakes: the shop's lines and total are checked
 * (the field named, nothing written), no catalog is asked and no stock is
 * taken, a replay of the same body answers the stored order, another body
 * under the same reference is a mismatch, a concurrent delivery is settled
 * as a replay, and the messages carry the customer and, when configured,
 * the egress webhook's signed-to-be payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/order_ingress.h"
#include "app/order_messages.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

static void valid_request(struct order_ingress_request *req)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->external_ref, sizeof(req->external_ref), "shop-1001");
	snprintf(req->customer.name, sizeof(req->customer.name), "Ann \"A\" Smith");
	snprintf(req->customer.email, sizeof(req->customer.email), "ann@example.com");
	snprintf(req->shipping_address, sizeof(req->shipping_address), "1 Main St\nTown");
	req->line_count = 2;
	snprintf(req->lines[0].sku, sizeof(req->lines[0].sku), "tea");
	snprintf(req->lines[0].name, sizeof(req->lines[0].name), "Green tea");
	req->lines[0].quantity = 2;
	req->lines[0].unit_price_cents = 1250;
	snprintf(req->lines[1].sku, sizeof(req->lines[1].sku), "cup");
	snprintf(req->lines[1].name, sizeof(req->lines[1].name), "Cup");
	req->lines[1].quantity = 1;
	req->lines[1].unit_price_cents = 500;
	req->total_cents = 3000;
	snprintf(req->body_digest, sizeof(req->body_digest), "%064d", 1);
}

static enum os_status ingest(struct fake_env *e, const struct order_ingress_request *req,
			     struct order *out, bool *created, struct os_error *err)
{
	os_error_clear(err);
	return order_ingress_create(&e->svc, req, out, created, err);
}

/* ingest, which must succeed; returns whether it created the order. */
static bool ingest_ok(struct fake_env *e, const struct order_ingress_request *req,
		      struct order *out)
{
	struct os_error err;
	bool created = false;

	assert_int_equal(ingest(e, req, out, &created, &err), OS_OK);
	return created;
}

static void test_creates_webhook_order(void **state)
{
	struct fake_env *e = *state;
	struct order_ingress_request req;
	struct order o;

	valid_request(&req);
	assert_true(ingest_ok(e, &req, &o));
	assert_int_equal(o.amount_cents, 3000);
	assert_int_equal(o.source, ORDER_SOURCE_WEBHOOK);
	assert_string_equal(o.external_ref, "shop-1001");
	assert_string_equal(o.user_id, "ann@example.com");
	assert_string_equal(o.customer.name, "Ann \"A\" Smith");
	assert_string_equal(o.items[0].item_id, "tea");
	assert_int_equal(o.items[0].unit_price_cents, 1250);
	assert_false(e->repo->last_reserve_stock); /* the shop's own stock */
	assert_int_equal(e->repo->msg_count, 3);   /* no egress webhook configured */
	assert_non_null(fake_repo_msg(e->repo, "payment.requested", "payments"));
	assert_contains(fake_repo_msg(e->repo, "order.created", "order.events")->payload,
			"\"source\":\"webhook\",\"customer\":{\"name\":\"Ann \\\"A\\\" Smith\","
			"\"email\":\"ann@example.com\"},\"shipping_address\":\"1 Main St\\nTown\","
			"\"external_ref\":\"shop-1001\"");
	assert_contains(fake_repo_msg(e->repo, "order.created", "notifications")->payload,
			"\"customer\":{\"name\":");
}

static void test_replay_and_mismatch(void **state)
{
	struct fake_env *e = *state;
	struct order_ingress_request req;
	struct os_error err;
	struct order first, again;
	bool created = false;

	valid_request(&req);
	assert_true(ingest_ok(e, &req, &first));
	assert_false(ingest_ok(e, &req, &again));
	assert_true(uuid_equal(&first.id, &again.id));
	assert_int_equal(e->repo->count, 1);
	snprintf(req.body_digest, sizeof(req.body_digest), "%064d", 2);
	assert_int_equal(ingest(e, &req, &again, &created, &err), OS_EMISMATCH);
	assert_string_equal(err.field, "order_id");
	assert_int_equal(e->repo->count, 1);
}

/* A concurrent delivery of the same reference inserted first: the create
 * finds it and answers it as a replay. */
static void test_race_is_a_replay(void **state)
{
	struct fake_env *e = *state;
	struct order_ingress_request req;
	struct order winner, o;

	valid_request(&req);
	fake_order_sample(&winner, 7, ORDER_NEW, FAKE_NOW_US);
	snprintf(winner.external_ref, sizeof(winner.external_ref), "shop-1001");
	winner.source = ORDER_SOURCE_WEBHOOK;
	fake_repo_arm_race(
	    e->repo, &winner,
	    "webhook|0000000000000000000000000000000000000000000000000000000000000001");
	assert_false(ingest_ok(e, &req, &o));
	assert_true(uuid_equal(&o.id, &winner.id));
}

/* One broken field of an otherwise valid request. */
struct invalid_case {
	void (*breaks)(struct order_ingress_request *req);
	const char *field;
};

static void total_off(struct order_ingress_request *r)
{
	r->total_cents = 3001;
}
static void no_ref(struct order_ingress_request *r)
{
	r->external_ref[0] = '\0';
}
static void no_customer(struct order_ingress_request *r)
{
	memset(&r->customer, 0, sizeof(r->customer));
}
static void bad_email(struct order_ingress_request *r)
{
	snprintf(r->customer.email, sizeof(r->customer.email), "not-an-address");
}
static void tab_in_address(struct order_ingress_request *r)
{
	r->shipping_address[3] = '\t';
}
static void zero_qty(struct order_ingress_request *r)
{
	r->lines[1].quantity = 0;
}
static void spaced_sku(struct order_ingress_request *r)
{
	snprintf(r->lines[0].sku, sizeof(r->lines[0].sku), "has space");
}
static void no_name(struct order_ingress_request *r)
{
	r->lines[0].name[0] = '\0';
}
static void no_lines(struct order_ingress_request *r)
{
	r->line_count = 0;
}

static const struct invalid_case invalid_cases[] = {
    {total_off, "total"},
    {no_ref, "order_id"},
    {no_customer, "customer"},
    {bad_email, "customer.email"},
    {tab_in_address, "shipping_address"},
    {zero_qty, "items[1].quantity"},
    {spaced_sku, "items[0].sku"},
    {no_name, "items[0].name"},
    {no_lines, "items"},
};

static void test_rules_name_the_field(void **state)
{
	struct fake_env *e = *state;
	struct order_ingress_request req;
	struct os_error err;
	struct order o;
	bool created;
	size_t i;

	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		valid_request(&req);
		invalid_cases[i].breaks(&req);
		assert_int_equal(ingest(e, &req, &o, &created, &err), OS_EINVAL);
		assert_string_equal(err.field, invalid_cases[i].field);
	}
	/* A wrong total names the sum of the lines. */
	valid_request(&req);
	total_off(&req);
	ingest(e, &req, &o, &created, &err);
	assert_contains(err.message, "30.00");

	assert_int_equal(e->repo->count, 0);
	assert_int_equal(e->repo->creates, 0);
}

/* With WEBHOOK_OUTGOING_URL configured every order event has a fourth row
 * for the egress webhook, with exactly the documented payload. */
static void test_egress_webhook_message(void **state)
{
	struct fake_env *e = *state;
	struct order_ingress_request req;
	const struct fake_msg *m;
	char id[UUID_STR_LEN + 1], want[512];
	struct order o;

	e->settings.egress_webhook = true;
	valid_request(&req);
	assert_true(ingest_ok(e, &req, &o));
	assert_int_equal(e->repo->msg_count, 4);
	m = fake_repo_msg(e->repo, "order.created", "webhook");
	assert_non_null(m);
	assert_true(fake_json_valid(m->payload));
	uuid_format(&o.id, id);
	snprintf(want, sizeof(want),
		 "{\"event\":\"order.created\",\"order_id\":\"%s\",\"customer_name\":"
		 "\"Ann \\\"A\\\" Smith\",\"total\":\"30.00\",\"sent_at\":"
		 "\"2026-01-01T00:00:00.000Z\"}",
		 id);
	assert_string_equal(m->payload, want);
}

/* A transition writes the egress row after the order event; an order
 * without a customer names none. */
static void test_transition_egress(void **state)
{
	struct fake_env *e = *state;
	struct order_msg_ctx mctx = {&e->settings, &e->svc.sys, "", ""};
	struct outbox_msg msgs[OUTBOX_MAX_PER_CHANGE];
	struct os_error err;
	struct order o;
	size_t n = 0, i;

	e->settings.egress_webhook = true;
	fake_order_sample(&o, 3, ORDER_NEW, FAKE_NOW_US);
	assert_int_equal(order_messages_transition(&mctx, &o, ORDER_CANCELLED, "changed mind",
						   FAKE_NOW_US + 1000, msgs, OUTBOX_MAX_PER_CHANGE,
						   &n, &err),
			 OS_OK);
	assert_string_equal(msgs[n - 1].destination, "webhook");
	assert_string_equal(msgs[n - 1].type, "order.cancelled");
	assert_contains(msgs[n - 1].payload, "\"event\":\"order.cancelled\"");
	assert_contains(msgs[n - 1].payload, "\"customer_name\":null,\"total\":\"350.00\","
					     "\"sent_at\":\"2026-01-01T00:00:00.001Z\"}");
	assert_contains(msgs[n - 2].payload, "\"source\":\"api\"");
	for (i = 0; i < n; i++)
		outbox_msg_release(&msgs[i]);
	e->settings.egress_webhook = false;
	assert_int_equal(order_messages_transition(&mctx, &o, ORDER_PAID, "paid", FAKE_NOW_US, msgs,
						   OUTBOX_MAX_PER_CHANGE, &n, &err),
			 OS_OK);
	for (i = 0; i < n; i++) {
		assert_string_not_equal(msgs[i].destination, "webhook");
		outbox_msg_release(&msgs[i]);
	}
}

static const struct CMUnitTest tests[] = {
    fake_env_test(test_creates_webhook_order),	fake_env_test(test_replay_and_mismatch),
    fake_env_test(test_race_is_a_replay),	fake_env_test(test_rules_name_the_field),
    fake_env_test(test_egress_webhook_message), fake_env_test(test_transition_egress),
};

TEST_MAIN(tests, NULL, NULL);
