/*
 * The catalog cache: hits within the time to live, refetches after it or
 * once forgotten, never keeps failures, and stays out of the way when
 * disabled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "app/catalog_cache.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

struct env {
	struct fake_sys sys;
	struct fake_catalog inner;
	struct catalog_cache cache;
	struct catalog port;
};

static struct env *env_new(int64_t ttl_us)
{
	struct env *e = test_calloc(1, sizeof(*e));

	fake_sys_init(&e->sys, INT64_C(1700000000000000), 7);
	fake_catalog_init(&e->inner);
	fake_catalog_add(&e->inner, "sku-1", "Widget", 1000, 5);
	catalog_cache_init(&e->cache, e->inner.catalog, e->sys.sys, ttl_us);
	e->port = catalog_cache_port(&e->cache);
	return e;
}

static void get_ok(struct env *e, const char *id, int64_t price)
{
	struct catalog_item it;
	struct os_error err;

	assert_int_equal(catalog_get(&e->port, id, &it, &err), OS_OK);
	assert_int_equal(it.price_cents, price);
}

/* Two reads of sku-1, the catalog's price raised from 1000 to 2000 and the
 * clock moved by step_us between them: the second read answers the cached
 * or the new price. */
static void test_second_read(void **state)
{
	static const struct {
		int64_t ttl_us, step_us, price;
		size_t calls;
	} cases[] = {
	    {1000000, 999999, 1000, 1},	  /* a hit within the TTL */
	    {1000000, 1000000, 2000, 2},  /* refetched once the TTL has passed */
	    {0, 0, 2000, 2},		  /* a TTL of 0 disables the cache */
	    {1000000, -5000000, 2000, 2}, /* a clock going back refetches */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = env_new(cases[i].ttl_us);

		get_ok(e, "sku-1", 1000);
		fake_catalog_add(&e->inner, "sku-1", "Widget", 2000, 5);
		e->sys.now_us += cases[i].step_us;
		get_ok(e, "sku-1", cases[i].price);
		assert_int_equal(e->inner.calls, cases[i].calls);
		test_free(e);
	}
}

static void test_forget_refetches(void **state)
{
	static const char *const forget[] = {"sku-1", "sku-never-asked"};
	static const char *const both[] = {"sku-1", "sku-2"};
	struct env *e = env_new(INT64_C(60000000));
	struct catalog_item it[2];
	enum os_status st[2];
	struct os_error err;

	(void)state;
	fake_catalog_add(&e->inner, "sku-2", "Gadget", 3000, 5);
	catalog_get_many(&e->port, both, 2, it, st, &err);
	assert_int_equal(e->inner.calls, 2);
	fake_catalog_add(&e->inner, "sku-1", "Widget", 2000, 5);
	fake_catalog_add(&e->inner, "sku-2", "Gadget", 4000, 5);
	catalog_forget(&e->port, forget, 2);
	catalog_get_many(&e->port, both, 2, it, st, &err);
	assert_int_equal(st[0], OS_OK);
	assert_int_equal(it[0].price_cents, 2000);
	assert_int_equal(st[1], OS_OK);
	assert_int_equal(it[1].price_cents, 3000); /* not forgotten: still cached */
	assert_int_equal(e->inner.calls, 3);
	get_ok(e, "sku-1", 2000); /* the fresh answer is cached again */
	assert_int_equal(e->inner.calls, 3);
	/* A port without memory ignores it. */
	catalog_forget(&e->inner.catalog, forget, 2);
	test_free(e);
}

/* As many items as the fake holds stay cached together: no item's slot is
 * taken by another's (a direct-mapped table of this size would likely
 * evict some of these). */
static void test_items_do_not_evict_each_other(void **state)
{
	struct env *e = env_new(INT64_C(60000000));
	char id[FAKE_CATALOG_MAX][16];
	size_t i, round;

	(void)state;
	e->inner.count = 0;
	for (i = 0; i < FAKE_CATALOG_MAX; i++) {
		snprintf(id[i], sizeof(id[i]), "item-%zu", i);
		fake_catalog_add(&e->inner, id[i], "Item", (int64_t)i, 1);
	}
	for (round = 0; round < 3; round++)
		for (i = 0; i < FAKE_CATALOG_MAX; i++)
			get_ok(e, id[i], (int64_t)i);
	assert_int_equal(e->inner.calls, FAKE_CATALOG_MAX);
	test_free(e);
}

static void test_failures_are_not_kept(void **state)
{
	struct env *e = env_new(1000000);
	struct catalog_item it;
	struct os_error err;

	(void)state;
	assert_int_equal(catalog_get(&e->port, "sku-9", &it, &err), OS_ENOTFOUND);
	fake_catalog_add(&e->inner, "sku-9", "New", 500, 1);
	get_ok(e, "sku-9", 500);
	e->inner.down = true;
	assert_int_equal(catalog_get(&e->port, "sku-1", &it, &err), OS_EUNAVAIL);
	e->inner.down = false;
	get_ok(e, "sku-1", 1000);
	test_free(e);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_second_read),
    cmocka_unit_test(test_forget_refetches),
    cmocka_unit_test(test_items_do_not_evict_each_other),
    cmocka_unit_test(test_failures_are_not_kept),
};

TEST_MAIN(tests, NULL, NULL);
