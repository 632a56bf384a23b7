/*
 * The inventory use cases over a fake port: the rules of an item (id, name,
 * price, stock) and of an adjustment (id, delta), each refusal naming its
 * field and never reaching the port; accepted requests reach the port
 * unchanged (list with its default limit), and the port's answers and
 * failures come back as they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/inventory.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

#define X16	"xxxxxxxxxxxxxxxx"
#define ID64	X16 X16 X16 X16			/* ORDER_ITEM_ID_MAX bytes */
#define NAME128 X16 X16 X16 X16 X16 X16 X16 X16 /* ORDER_ITEM_NAME_MAX bytes */

#define PRICE_MAX INT64_C(100000000000)	 /* 1000000000.00 */
#define QTY_MAX	  INT64_C(1000000000000) /* 10^12 units */
#define DELTA_MAX INT64_C(1000000000)	 /* 10^9 units */

/* Item ids refused everywhere an id is taken (one byte too long, empty, the
 * path steps, bytes outside [A-Za-z0-9._:-]). */
static const char *const bad_ids[] = {
    ID64 "x", "", ".", "..", "a/b", "a b", "a%2F", "sku\n", "caf\xc3\xa9", "a?b", "a#b", "a\\b",
};
#define BAD_IDS (sizeof(bad_ids) / sizeof(bad_ids[0]))

/* Item ids accepted: one byte, the longest, every allowed punctuation, and
 * dots that are more than a path step. */
static const char *const good_ids[] = {"a", ID64, "SKU-1_v2.3:red", "...", ".a", "0"};
#define GOOD_IDS (sizeof(good_ids) / sizeof(good_ids[0]))

static struct fake_catalog *fake_new(void)
{
	struct fake_catalog *f = test_calloc(1, sizeof(*f));

	fake_catalog_init(f);
	assert_true(fake_catalog_add(f, "sku-1", "Widget", 1000, 5));
	assert_true(fake_catalog_add(f, "sku-3", "Gizmo", 250, 0));
	assert_true(fake_catalog_add(f, "sku-2", "Gadget", 3000, 7));
	return f;
}

static size_t port_calls(const struct fake_catalog *f)
{
	return f->gets + f->lists + f->puts + f->adjusts;
}

/* An item from text: id and name copied without their terminator when they
 * fill the array, as a decoder that trusted its input would leave them. */
static void item_set(struct inventory_item *it, const char *id, const char *name, int64_t price,
		     int64_t qty)
{
	size_t id_len = strlen(id), name_len = strlen(name);

	memset(it, 0, sizeof(*it));
	memcpy(it->item_id, id, id_len < sizeof(it->item_id) ? id_len : sizeof(it->item_id));
	memcpy(it->name, name, name_len < sizeof(it->name) ? name_len : sizeof(it->name));
	it->price_cents = price;
	it->available_qty = qty;
}

static void test_put_rules(void **state)
{
	static const struct {
		const char *id, *name;
		int64_t price, qty;
		const char *field; /* NULL: accepted */
	} cases[] = {
	    {"sku-9", "Widget", 1000, 5, NULL},
	    {"sku-9", "x", 0, 0, NULL},				  /* the least of each */
	    {"sku-9", NAME128, PRICE_MAX, QTY_MAX, NULL},	  /* the most of each */
	    {"sku-9", "Caf\xc3\xa9 \"deluxe\" 100%", 1, 1, NULL}, /* UTF-8, quotes */
	    {ID64, "Widget", 1000, 5, NULL},
	    {"sku-9", "", 1000, 5, "name"},
	    {"sku-9", NAME128 "x", 1000, 5, "name"}, /* fills the array, no NUL */
	    {"sku-9", "Wid\nget", 1000, 5, "name"},
	    {"sku-9", "Wid\tget", 1000, 5, "name"},
	    {"sku-9", "Wid\x7fget", 1000, 5, "name"},
	    {"sku-9", "\x1f", 1000, 5, "name"},
	    {"sku-9", "Widget", -1, 5, "price"},
	    {"sku-9", "Widget", PRICE_MAX + 1, 5, "price"},
	    {"sku-9", "Widget", INT64_MIN, 5, "price"},
	    {"sku-9", "Widget", INT64_MAX, 5, "price"},
	    {"sku-9", "Widget", 1000, -1, "available_qty"},
	    {"sku-9", "Widget", 1000, QTY_MAX + 1, "available_qty"},
	    {"sku-9", "Widget", 1000, INT64_MIN, "available_qty"},
	    {"sku-9", "Widget", 1000, INT64_MAX, "available_qty"},
	    {ID64 "x", "Widget", 1000, 5, "item_id"}, /* fills the array, no NUL */
	    {"", "Widget", 1000, 5, "item_id"},
	    {"..", "Widget", 1000, 5, "item_id"},
	    {"a/b", "Widget", 1000, 5, "item_id"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_catalog *f = fake_new();
		struct inventory_item it;
		struct os_error err;
		bool created = false;
		enum os_status st;

		os_error_clear(&err);
		item_set(&it, cases[i].id, cases[i].name, cases[i].price, cases[i].qty);
		st = inventory_put(&f->inventory, &it, &created, &err);
		if (cases[i].field == NULL && (st != OS_OK || !created || f->puts != 1 ||
					       memcmp(&f->last_put, &it, sizeof(it)) != 0))
			fail_msg("case %zu: status %d, created %d, %zu puts, item %s", i, st,
				 created, f->puts,
				 memcmp(&f->last_put, &it, sizeof(it)) ? "changed" : "same");
		if (cases[i].field != NULL &&
		    (st != OS_EINVAL || strcmp(err.field, cases[i].field) != 0 ||
		     err.message[0] == '\0' || created || port_calls(f) != 0))
			fail_msg("case %zu: status %d, field \"%s\" (want \"%s\"), %zu port calls",
				 i, st, err.field, cases[i].field, port_calls(f));
		test_free(f);
	}
}

static void test_put_ids(void **state)
{
	struct inventory_item it;
	size_t i;

	(void)state;
	for (i = 0; i < BAD_IDS + GOOD_IDS; i++) {
		struct fake_catalog *f = fake_new();
		struct os_error err;
		bool good = i >= BAD_IDS;
		const char *id = good ? good_ids[i - BAD_IDS] : bad_ids[i];
		bool created = false;
		enum os_status st;

		os_error_clear(&err);
		item_set(&it, id, "Widget", 1000, 5);
		st = inventory_put(&f->inventory, &it, &created, &err);
		if (good && (st != OS_OK || f->puts != 1 || strcmp(f->last_put.item_id, id) != 0))
			fail_msg("id %zu \"%s\": status %d, %zu puts", i, id, st, f->puts);
		if (!good &&
		    (st != OS_EINVAL || strcmp(err.field, "item_id") != 0 || port_calls(f) != 0))
			fail_msg("id %zu \"%s\": status %d, field \"%s\", %zu port calls", i, id,
				 st, err.field, port_calls(f));
		test_free(f);
	}
}

/* A put of an existing id replaces it and says so; the port's answer is the
 * use case's. */
static void test_put_replaces(void **state)
{
	struct fake_catalog *f = fake_new();
	struct inventory_item it, got;
	struct os_error err;
	bool created = true;

	(void)state;
	item_set(&it, "sku-2", "Gadget II", 3500, 9);
	assert_int_equal(inventory_put(&f->inventory, &it, &created, &err), OS_OK);
	assert_false(created);
	assert_int_equal(inventory_get(&f->inventory, "sku-2", &got, &err), OS_OK);
	assert_string_equal(got.name, "Gadget II");
	assert_int_equal(got.price_cents, 3500);
	assert_int_equal(got.available_qty, 9);
	assert_int_equal(f->count, 3);
	test_free(f);
}

static void test_adjust_rules(void **state)
{
	static const struct {
		int64_t delta;
		const char *field; /* NULL: accepted */
	} cases[] = {
	    {1, NULL},
	    {-1, NULL},
	    {DELTA_MAX, NULL},
	    {-DELTA_MAX, NULL},
	    {0, "delta"},
	    {DELTA_MAX + 1, "delta"},
	    {-DELTA_MAX - 1, "delta"},
	    {INT64_MAX, "delta"},
	    {INT64_MIN, "delta"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_catalog *f = fake_new();
		struct inventory_item out;
		struct os_error err;
		enum os_status st;

		/* Enough stock for any accepted delta either way. */
		assert_true(fake_catalog_add(f, "sku-1", "Widget", 1000, 2 * DELTA_MAX));
		os_error_clear(&err);
		memset(&out, 0x5a, sizeof(out));
		st = inventory_adjust(&f->inventory, "sku-1", cases[i].delta, &out, &err);
		if (cases[i].field == NULL &&
		    (st != OS_OK || f->adjusts != 1 || f->last_delta != cases[i].delta ||
		     strcmp(f->last_item_id, "sku-1") != 0 ||
		     out.available_qty != 2 * DELTA_MAX + cases[i].delta))
			fail_msg("case %zu: status %d, %zu adjusts, delta %lld, stock %lld", i, st,
				 f->adjusts, (long long)f->last_delta,
				 (long long)out.available_qty);
		if (cases[i].field != NULL &&
		    (st != OS_EINVAL || strcmp(err.field, cases[i].field) != 0 ||
		     port_calls(f) != 0 || out.available_qty != 0x5a5a5a5a5a5a5a5a))
			fail_msg("case %zu: status %d, field \"%s\", %zu port calls", i, st,
				 err.field, port_calls(f));
		test_free(f);
	}
}

static void test_adjust_ids(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i <= BAD_IDS; i++) {
		struct fake_catalog *f = fake_new();
		struct inventory_item out;
		struct os_error err;
		const char *id = i < BAD_IDS ? bad_ids[i] : NULL;

		os_error_clear(&err);
		if (inventory_adjust(&f->inventory, id, 1, &out, &err) != OS_EINVAL ||
		    strcmp(err.field, "item_id") != 0 || port_calls(f) != 0)
			fail_msg("id %zu \"%s\": field \"%s\", %zu port calls", i,
				 id ? id : "(null)", err.field, port_calls(f));
		test_free(f);
	}
}

/* The port's stock rule and its other failures come back unchanged. */
static void test_adjust_port_answers(void **state)
{
	static const struct {
		const char *id;
		int64_t delta;
		enum os_status st;
		int64_t stock; /* of sku-1 afterwards */
	} cases[] = {
	    {"sku-1", -5, OS_OK, 0},	    /* down to exactly 0 */
	    {"sku-1", -6, OS_ECONFLICT, 5}, /* below 0: nothing changes */
	    {"sku-1", 7, OS_OK, 12},
	    {"sku-404", 1, OS_ENOTFOUND, 5},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_catalog *f = fake_new();
		struct inventory_item out, now;
		struct os_error err;
		enum os_status st;

		os_error_clear(&err);
		st = inventory_adjust(&f->inventory, cases[i].id, cases[i].delta, &out, &err);
		assert_int_equal(inventory_get(&f->inventory, "sku-1", &now, NULL), OS_OK);
		if (st != cases[i].st || now.available_qty != cases[i].stock ||
		    (st == OS_OK && out.available_qty != cases[i].stock) ||
		    (st != OS_OK && strstr(err.message, "(fake)") == NULL))
			fail_msg("case %zu: status %d, stock %lld, message \"%s\"", i, st,
				 (long long)now.available_qty, err.message);
		test_free(f);
	}
	/* At the top of the range: one more unit is refused. */
	{
		struct fake_catalog *f = fake_new();
		struct inventory_item out;
		struct os_error err;

		assert_true(fake_catalog_add(f, "sku-1", "Widget", 1000, QTY_MAX - 1));
		assert_int_equal(inventory_adjust(&f->inventory, "sku-1", 1, &out, &err), OS_OK);
		assert_int_equal(out.available_qty, QTY_MAX);
		assert_int_equal(inventory_adjust(&f->inventory, "sku-1", 1, &out, &err),
				 OS_ECONFLICT);
		test_free(f);
	}
}

static void test_get(void **state)
{
	struct fake_catalog *f = fake_new();
	struct inventory_item out;
	struct os_error err;
	size_t i;

	(void)state;
	assert_int_equal(inventory_get(&f->inventory, "sku-2", &out, &err), OS_OK);
	assert_string_equal(out.item_id, "sku-2");
	assert_string_equal(out.name, "Gadget");
	assert_int_equal(out.price_cents, 3000);
	assert_int_equal(out.available_qty, 7);
	assert_int_equal(inventory_get(&f->inventory, "sku-404", &out, &err), OS_ENOTFOUND);
	assert_string_equal(f->last_item_id, "sku-404");
	assert_int_equal(f->gets, 2);
	for (i = 0; i <= BAD_IDS; i++) {
		const char *id = i < BAD_IDS ? bad_ids[i] : NULL;

		os_error_clear(&err);
		if (inventory_get(&f->inventory, id, &out, &err) != OS_EINVAL ||
		    strcmp(err.field, "item_id") != 0 || f->gets != 2)
			fail_msg("id %zu \"%s\": field \"%s\", %zu gets", i, id ? id : "(null)",
				 err.field, f->gets);
	}
	test_free(f);
}

static void test_list_rules(void **state)
{
	static const struct {
		const char *after;
		size_t limit;
		const char *field;	/* NULL: accepted */
		const char *sent_after; /* what the port was given */
		size_t sent_limit;
	} cases[] = {
	    {NULL, 0, NULL, "", 20}, /* no cursor, the default limit */
	    {"", 1, NULL, "", 1},
	    {"sku-1", 100, NULL, "sku-1", 100},
	    {ID64, 2, NULL, ID64, 2},
	    {"", 101, "limit", NULL, 0},
	    {"", SIZE_MAX, "limit", NULL, 0},
	    {"a b", 5, "after", NULL, 0},
	    {"..", 5, "after", NULL, 0},
	    {ID64 "x", 5, "after", NULL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_catalog *f = fake_new();
		struct inventory_item out[INVENTORY_LIST_MAX];
		struct os_error err;
		size_t n = 77;
		enum os_status st;

		os_error_clear(&err);
		st = inventory_list(&f->inventory, cases[i].after, cases[i].limit, out, &n, &err);
		if (cases[i].field == NULL &&
		    (st != OS_OK || f->lists != 1 || f->last_limit != cases[i].sent_limit ||
		     strcmp(f->last_after, cases[i].sent_after) != 0))
			fail_msg("case %zu: status %d, %zu lists, after \"%s\", limit %zu", i, st,
				 f->lists, f->last_after, f->last_limit);
		if (cases[i].field != NULL &&
		    (st != OS_EINVAL || strcmp(err.field, cases[i].field) != 0 ||
		     port_calls(f) != 0 || n != 77))
			fail_msg("case %zu: status %d, field \"%s\", %zu port calls", i, st,
				 err.field, port_calls(f));
		test_free(f);
	}
}

/* The port's page comes back as it is: in id order, after the cursor. */
static void test_list_pages(void **state)
{
	struct fake_catalog *f = fake_new();
	struct inventory_item out[INVENTORY_LIST_MAX];
	struct os_error err;
	size_t n = 0;

	(void)state;
	assert_int_equal(inventory_list(&f->inventory, "", 2, out, &n, &err), OS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].item_id, "sku-1");
	assert_string_equal(out[1].item_id, "sku-2");
	assert_int_equal(inventory_list(&f->inventory, "sku-2", 2, out, &n, &err), OS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].item_id, "sku-3");
	assert_string_equal(out[0].name, "Gizmo");
	assert_int_equal(inventory_list(&f->inventory, "sku-3", 0, out, &n, &err), OS_OK);
	assert_int_equal(n, 0);
	test_free(f);
}

/* A port that fails: every accepted request answers its status and
 * message; refusals still come first. */
static void test_port_failures(void **state)
{
	static const enum os_status fails[] = {OS_EUNAVAIL, OS_EIO, OS_EAGAIN};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		struct fake_catalog *f = fake_new();
		struct inventory_item it, out[INVENTORY_LIST_MAX];
		enum os_status got[5];
		struct os_error err[5];
		bool created;
		size_t n, k;

		memset(err, 0, sizeof(err));
		f->fail_with = fails[i];
		item_set(&it, "sku-9", "Widget", 1000, 5);
		got[0] = inventory_get(&f->inventory, "sku-1", out, &err[0]);
		got[1] = inventory_list(&f->inventory, "", 0, out, &n, &err[1]);
		got[2] = inventory_put(&f->inventory, &it, &created, &err[2]);
		got[3] = inventory_adjust(&f->inventory, "sku-1", 1, out, &err[3]);
		got[4] = inventory_adjust(&f->inventory, "sku-1", 0, out, &err[4]);
		for (k = 0; k < 4; k++)
			if (got[k] != fails[i] ||
			    strcmp(err[k].message, "inventory down (fake)") != 0)
				fail_msg("case %zu, call %zu: status %d, message \"%s\"", i, k,
					 got[k], err[k].message);
		assert_int_equal(got[4], OS_EINVAL);
		assert_int_equal(port_calls(f), 4);
		test_free(f);
	}
}

static const struct CMUnitTest tests[] = {
    /* inventory_put */
    cmocka_unit_test(test_put_rules),
    cmocka_unit_test(test_put_ids),
    cmocka_unit_test(test_put_replaces),
    /* inventory_adjust */
    cmocka_unit_test(test_adjust_rules),
    cmocka_unit_test(test_adjust_ids),
    cmocka_unit_test(test_adjust_port_answers),
    /* inventory_get, inventory_list */
    cmocka_unit_test(test_get),
    cmocka_unit_test(test_list_rules),
    cmocka_unit_test(test_list_pages),
    /* every use case */
    cmocka_unit_test(test_port_failures),
};

TEST_MAIN(tests, NULL, NULL);
