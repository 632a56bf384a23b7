/*
 * The inventory port over a real PostgreSQL
 * (infrastructure/postgres/pg_inventory.c): it puts (created, then
 * replaced), lists by keyset and adjusts without ever going below zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/postgres/pg_inventory.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"

/* An item id named "A" of 1.00 with qty in stock. */
static void item(struct inventory_item *it, const char *id, int64_t qty)
{
	memset(it, 0, sizeof(*it));
	snprintf(it->item_id, sizeof(it->item_id), "%s", id);
	snprintf(it->name, sizeof(it->name), "A");
	it->price_cents = 100;
	it->available_qty = qty;
}

static void inventory_port(void **state)
{
	struct pg_session *s = testdb_session();
	struct inventory inv;
	struct inventory_item it, page[3];
	struct os_error err;
	bool created = false;
	size_t n = 0;

	(void)state;
	pg_inventory_init(&inv, s);
	item(&it, "feat-a", 2);
	assert_int_equal(inventory_put(&inv, &it, &created, &err), OS_OK);
	assert_true(created);
	it.available_qty = 3;
	assert_int_equal(inventory_put(&inv, &it, &created, &err), OS_OK);
	assert_false(created);
	snprintf(it.item_id, sizeof(it.item_id), "feat-b");
	assert_int_equal(inventory_put(&inv, &it, &created, &err), OS_OK);
	assert_int_equal(inventory_adjust(&inv, "feat-a", -3, &it, &err), OS_OK);
	assert_int_equal(it.available_qty, 0);
	assert_int_equal(inventory_adjust(&inv, "feat-a", -1, &it, &err), OS_ECONFLICT);
	assert_string_equal(err.field, "delta");
	assert_int_equal(inventory_adjust(&inv, "feat-none", 1, &it, &err), OS_ENOTFOUND);
	assert_int_equal(inventory_adjust(&inv, "feat-a", INVENTORY_DELTA_MAX + 1, &it, &err),
			 OS_EINVAL);
	assert_int_equal(inventory_get(&inv, "feat-a", &it, &err), OS_OK);
	assert_int_equal(it.available_qty, 0);
	assert_int_equal(inventory_list(&inv, "feat-", 1, page, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].item_id, "feat-a");
	assert_int_equal(inventory_list(&inv, "feat-a", 3, page, &n, &err), OS_OK);
	assert_true(n >= 1);
	assert_string_equal(page[0].item_id, "feat-b");
	assert_int_equal(inventory_list(&inv, "", 101, page, &n, &err), OS_EINVAL);
	pg_session_free(s);
}

/*
 * A stock delta is applied at most once: when the connection is lost at
 * its commit, whether it committed is unknown, so it is not run again on a
 * fresh connection (that would apply it twice had it committed); the
 * caller gets unavailable and decides.
 */
static void adjust_is_not_run_twice(void **state)
{
	struct pg_session *s = testdb_session();
	struct inventory inv;
	struct inventory_item it;
	struct os_error err;
	bool created = false;

	(void)state;
	pg_inventory_init(&inv, s);
	item(&it, "once-a", 5);
	assert_int_equal(inventory_put(&inv, &it, &created, &err), OS_OK);
	assert_true(testdb_fail_at_commit("inventory", true));
	assert_int_equal(inventory_adjust(&inv, "once-a", 2, &it, &err), OS_EUNAVAIL);
	assert_int_equal(testdb_commit_tries(), 1);
	assert_true(testdb_no_fail_at_commit("inventory"));
	assert_int_equal(
	    testdb_scalar("SELECT available_qty FROM inventory WHERE item_id = 'once-a'"), 5);
	assert_int_equal(inventory_adjust(&inv, "once-a", 2, &it, &err), OS_OK);
	assert_int_equal(it.available_qty, 7);
	pg_session_free(s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(inventory_port),
    cmocka_unit_test(adjust_is_not_run_twice),
};

TEST_MAIN(tests, testdb_group_setup, testdb_group_teardown);
