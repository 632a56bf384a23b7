/* Sample orders, settings and cmocka fixtures shared by the tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/fakes/fakes.h"

static void sample_item(struct order_item *it, const char *id, const char *name, int32_t qty,
			int64_t price)
{
	snprintf(it->item_id, sizeof(it->item_id), "%s", id);
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->quantity = qty;
	it->unit_price_cents = price;
}

void fake_order_sample(struct order *o, int n, enum order_status st, int64_t created_us)
{
	memset(o, 0, sizeof(*o));
	/* A v7-looking id whose last bytes carry n, so ids of samples differ. */
	o->id.b[0] = 0x01;
	o->id.b[6] = 0x70;
	o->id.b[8] = 0x80;
	o->id.b[15] = (uint8_t)n;
	o->idempotency_key.b[0] = 0x4b;
	o->idempotency_key.b[6] = 0x40;
	o->idempotency_key.b[15] = (uint8_t)n;
	snprintf(o->user_id, sizeof(o->user_id), "user-%d", n);
	o->status = st;
	snprintf(o->currency, sizeof(o->currency), "RUB");
	o->created_at_us = created_us;
	o->updated_at_us = created_us;
	o->version = 1;
	o->item_count = 2;
	sample_item(&o->items[0], "sku-1", "Widget", 2, 10000);
	sample_item(&o->items[1], "sku-2", "Gadget \"Pro\"", 1, 15000);
	o->amount_cents = 35000;
}

void fake_settings(struct order_settings *s, bool local_inventory)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->currency, sizeof(s->currency), "RUB");
	snprintf(s->callback_url, sizeof(s->callback_url),
		 "http://127.0.0.1:8000/api/v1/orders/payment-callback");
	snprintf(s->topic_order_events, sizeof(s->topic_order_events), "order.events");
	snprintf(s->topic_shipping_requests, sizeof(s->topic_shipping_requests),
		 "shipping.requests");
	s->local_inventory = local_inventory;
}

void fake_msg_ctx(struct order_msg_ctx *ctx, struct fake_sys *sys, struct order_settings *settings,
		  uint64_t seed)
{
	fake_sys_init(sys, FAKE_NOW_US, seed);
	fake_settings(settings, true);
	memset(ctx, 0, sizeof(*ctx));
	ctx->settings = settings;
	ctx->sys = &sys->sys;
}

struct fake_env *fake_env_new(bool local_inventory)
{
	struct fake_env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->repo = fake_repo_new();
	if (e->repo == NULL) {
		free(e);
		return NULL;
	}
	fake_sys_init(&e->sys, FAKE_NOW_US, 1);
	fake_catalog_init(&e->catalog);
	fake_settings(&e->settings, local_inventory);
	e->svc.repo = e->repo->repo;
	e->svc.catalog = e->catalog.catalog;
	e->svc.sys = e->sys.sys;
	e->svc.settings = &e->settings;
	return e;
}

void fake_env_free(struct fake_env *e)
{
	if (e == NULL)
		return;
	fake_repo_free(e->repo);
	free(e);
}

int fake_env_setup(void **state)
{
	struct fake_env *e = fake_env_new(true);

	*state = e;
	return e == NULL ? -1 : 0;
}

int fake_env_teardown(void **state)
{
	struct fake_env *e = *state;

	assert_int_equal(e->repo->untouched_violations, 0);
	fake_env_free(e);
	return 0;
}

void assert_contains(const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("%s\n  does not contain  %s", hay ? hay : "(null)", needle);
}

void fake_waits_assert_one(const struct fake_waits *w, int work_calls, int timeout_ms)
{
	assert_int_equal(w->before_first, work_calls);
	assert_int_equal(w->count, 1);
	assert_int_equal(w->last_ms, timeout_ms);
}
