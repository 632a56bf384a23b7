/*
 * The order aggregate's invariants (domain/order.c): status and source
 * names both ways, the total with its overflow check, and the rules for
 * identifiers, item ids, free text and e-mail addresses. Every refusal
 * leaves the out-parameter as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/money.h"
#include "domain/order.h"
#include "tests/support/test_main.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_status_names(void **state)
{
	static const char *const names[] = {"new", "paid", "shipped", "delivered", "cancelled"};
	static const char *const bad[] = {"",	    "NEW",     "paid ", " paid",
					  "cancel", "unknown", "newer"};
	enum order_status got;
	size_t i;

	(void)state;
	for (i = 0; i < LEN(names); i++) {
		assert_string_equal(order_status_name((enum order_status)i), names[i]);
		got = ORDER_CANCELLED;
		assert_int_equal(order_status_parse(names[i], strlen(names[i]), &got), OS_OK);
		assert_int_equal(got, (enum order_status)i);
	}
	assert_string_equal(order_status_name((enum order_status)LEN(names)), "unknown");
	for (i = 0; i < LEN(bad); i++) {
		got = ORDER_SHIPPED;
		if (order_status_parse(bad[i], strlen(bad[i]), &got) != OS_EINVAL)
			fail_msg("\"%s\" was taken for a status", bad[i]);
		assert_int_equal(got, ORDER_SHIPPED);
	}
	/* The length counts: "new" followed by a NUL is not "new". */
	assert_int_equal(order_status_parse("new\0", 4, &got), OS_EINVAL);
	assert_int_equal(order_status_parse("paidx", 4, &got), OS_OK);
	assert_int_equal(got, ORDER_PAID);
}

static void test_status_terminal(void **state)
{
	(void)state;
	assert_false(order_status_is_terminal(ORDER_NEW));
	assert_false(order_status_is_terminal(ORDER_PAID));
	assert_false(order_status_is_terminal(ORDER_SHIPPED));
	assert_true(order_status_is_terminal(ORDER_DELIVERED));
	assert_true(order_status_is_terminal(ORDER_CANCELLED));
}

static void test_source_names(void **state)
{
	enum order_source got = ORDER_SOURCE_WEBHOOK;

	(void)state;
	assert_string_equal(order_source_name(ORDER_SOURCE_API), "api");
	assert_string_equal(order_source_name(ORDER_SOURCE_WEBHOOK), "webhook");
	/* A value out of the enum reads as the API's, never out of the table. */
	assert_string_equal(order_source_name((enum order_source)7), "api");
	assert_int_equal(order_source_parse("api", 3, &got), OS_OK);
	assert_int_equal(got, ORDER_SOURCE_API);
	assert_int_equal(order_source_parse("webhook", 7, &got), OS_OK);
	assert_int_equal(got, ORDER_SOURCE_WEBHOOK);
	assert_int_equal(order_source_parse("API", 3, &got), OS_EINVAL);
	assert_int_equal(order_source_parse("", 0, &got), OS_EINVAL);
	assert_int_equal(order_source_parse("web", 3, &got), OS_EINVAL);
	assert_int_equal(got, ORDER_SOURCE_WEBHOOK);
}

static void add_line(struct order *o, int32_t qty, int64_t unit_cents)
{
	o->items[o->item_count].quantity = qty;
	o->items[o->item_count].unit_price_cents = unit_cents;
	o->item_count++;
}

static void test_total(void **state)
{
	static struct order o;
	int64_t total = -1;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(order_total(&o, &total), OS_OK);
	assert_int_equal(total, 0);
	add_line(&o, 2, 1999);
	add_line(&o, 1, 1);
	add_line(&o, ORDER_MAX_QUANTITY, 0);
	assert_int_equal(order_total(&o, &total), OS_OK);
	assert_int_equal(total, 3999);

	/* Lines that fit alone but not together: refused, total untouched. */
	memset(&o, 0, sizeof(o));
	add_line(&o, 1, MONEY_MAX_CENTS);
	assert_int_equal(order_total(&o, &total), OS_OK);
	assert_int_equal(total, MONEY_MAX_CENTS);
	add_line(&o, 1, 1);
	total = 42;
	assert_int_equal(order_total(&o, &total), OS_EINVAL);
	assert_int_equal(total, 42);

	/* One line whose product overflows, and a negative price. */
	memset(&o, 0, sizeof(o));
	add_line(&o, ORDER_MAX_QUANTITY, MONEY_MAX_CENTS);
	assert_int_equal(order_total(&o, &total), OS_EINVAL);
	memset(&o, 0, sizeof(o));
	add_line(&o, 1, -5);
	assert_int_equal(order_total(&o, &total), OS_EINVAL);
	assert_int_equal(total, 42);
}

static void test_ident(void **state)
{
	static const char *const good[] = {"u1", "user-42@shop", "A~z!#$%&'()*+,./:;<=>?[]^_`{|}"};
	static const char *const bad[] = {"",	  "a b",   "a\"b",	 "a\\b",
					  "a\tb", "a\x7f", "caf\xc3\xa9"};
	char longest[ORDER_USER_ID_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < LEN(good); i++)
		if (order_check_ident(good[i], strlen(good[i]), ORDER_USER_ID_MAX) != OS_OK)
			fail_msg("\"%s\" was refused", good[i]);
	for (i = 0; i < LEN(bad); i++)
		if (order_check_ident(bad[i], strlen(bad[i]), ORDER_USER_ID_MAX) != OS_EINVAL)
			fail_msg("\"%s\" was taken", bad[i]);
	assert_int_equal(order_check_ident(NULL, 0, ORDER_USER_ID_MAX), OS_EINVAL);
	assert_int_equal(order_check_ident("a\0b", 3, ORDER_USER_ID_MAX), OS_EINVAL);
	memset(longest, 'x', sizeof(longest));
	assert_int_equal(order_check_ident(longest, ORDER_USER_ID_MAX, ORDER_USER_ID_MAX), OS_OK);
	assert_int_equal(order_check_ident(longest, ORDER_USER_ID_MAX + 1, ORDER_USER_ID_MAX),
			 OS_EINVAL);
}

static void test_item_id(void **state)
{
	static const char *const good[] = {"sku-1", "A.b_c:d-9", "...x", "a..b", "x.", "..."};
	static const char *const bad[] = {"",	 ".",	"..", "../../health", "a/b", "a b", "a%2F",
					  "a?b", "a#b", "é",  "a\\b"};
	char longest[ORDER_ITEM_ID_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < LEN(good); i++)
		assert_int_equal(order_check_item_id(good[i], strlen(good[i])), OS_OK);
	for (i = 0; i < LEN(bad); i++)
		assert_int_equal(order_check_item_id(bad[i], strlen(bad[i])), OS_EINVAL);
	assert_int_equal(order_check_item_id(NULL, 0), OS_EINVAL);
	memset(longest, 'x', sizeof(longest));
	assert_int_equal(order_check_item_id(longest, ORDER_ITEM_ID_MAX), OS_OK);
	assert_int_equal(order_check_item_id(longest, ORDER_ITEM_ID_MAX + 1), OS_EINVAL);
}

static void test_text(void **state)
{
	char longest[ORDER_ADDRESS_MAX + 1];

	(void)state;
	assert_int_equal(order_check_text("", 0, 10, false), OS_OK);
	assert_int_equal(order_check_text("Ann O'Neil", 10, 10, false), OS_OK);
	assert_int_equal(order_check_text("Zoë", strlen("Zoë"), 10, false), OS_OK);
	assert_int_equal(order_check_text("1 Main St\nSpringfield", 21, 64, true), OS_OK);
	assert_int_equal(order_check_text("1 Main St\nSpringfield", 21, 64, false), OS_EINVAL);
	assert_int_equal(order_check_text("a\rb", 3, 64, true), OS_EINVAL);
	assert_int_equal(order_check_text("a\tb", 3, 64, true), OS_EINVAL);
	assert_int_equal(order_check_text("a\x7f", 2, 64, true), OS_EINVAL);
	assert_int_equal(order_check_text("a\0b", 3, 64, true), OS_EINVAL);
	assert_int_equal(order_check_text(NULL, 0, 64, false), OS_EINVAL);
	memset(longest, 'x', sizeof(longest));
	assert_int_equal(order_check_text(longest, ORDER_ADDRESS_MAX, ORDER_ADDRESS_MAX, true),
			 OS_OK);
	assert_int_equal(order_check_text(longest, ORDER_ADDRESS_MAX + 1, ORDER_ADDRESS_MAX, true),
			 OS_EINVAL);
}

static void test_email(void **state)
{
	static const char *const good[] = {"a@b", "ann@example.com", "o'neil+tag@mail.example"};
	static const char *const bad[] = {
	    "", "ab", "@ab", "ab@", "a@b@c", "a b@c", "a@b\tc", "a@b\x7f", "ann.example.com"};
	char longest[ORDER_CUSTOMER_EMAIL_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < LEN(good); i++)
		if (order_check_email(good[i], strlen(good[i]), ORDER_CUSTOMER_EMAIL_MAX) != OS_OK)
			fail_msg("\"%s\" was refused", good[i]);
	for (i = 0; i < LEN(bad); i++)
		if (order_check_email(bad[i], strlen(bad[i]), ORDER_CUSTOMER_EMAIL_MAX) !=
		    OS_EINVAL)
			fail_msg("\"%s\" was taken", bad[i]);
	assert_int_equal(order_check_email(NULL, 0, ORDER_CUSTOMER_EMAIL_MAX), OS_EINVAL);
	memset(longest, 'x', sizeof(longest));
	longest[1] = '@';
	assert_int_equal(
	    order_check_email(longest, ORDER_CUSTOMER_EMAIL_MAX, ORDER_CUSTOMER_EMAIL_MAX), OS_OK);
	assert_int_equal(
	    order_check_email(longest, ORDER_CUSTOMER_EMAIL_MAX + 1, ORDER_CUSTOMER_EMAIL_MAX),
	    OS_EINVAL);
}

static void test_has_customer(void **state)
{
	static struct order o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_false(order_has_customer(&o));
	snprintf(o.customer.email, sizeof(o.customer.email), "a@b");
	assert_true(order_has_customer(&o));
	o.customer.email[0] = '\0';
	snprintf(o.customer.name, sizeof(o.customer.name), "Ann");
	assert_true(order_has_customer(&o));
}

static const struct CMUnitTest tests[] = {
    /* order_status_name, order_status_parse, order_status_is_terminal */
    cmocka_unit_test(test_status_names),
    cmocka_unit_test(test_status_terminal),
    /* order_source_name, order_source_parse */
    cmocka_unit_test(test_source_names),
    /* order_total */
    cmocka_unit_test(test_total),
    /* order_check_ident, order_check_item_id, order_check_text, order_check_email */
    cmocka_unit_test(test_ident),
    cmocka_unit_test(test_item_id),
    cmocka_unit_test(test_text),
    cmocka_unit_test(test_email),
    /* order_has_customer */
    cmocka_unit_test(test_has_customer),
};

TEST_MAIN(tests, NULL, NULL);
