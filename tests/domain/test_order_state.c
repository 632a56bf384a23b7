/*
 * The order state machine against an expected table written here from
 * DESIGN §5, independently of domain/order_state.c: every status x event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/order_state.h"
#include "tests/support/test_main.h"

#define STATUSES 5
#define EVENTS	 7

/* "dup", "early", "reject", or the name of the status it moves to. */
static const char *const expected[STATUSES][EVENTS] = {
    /* pay ok, pay failed, cancel, expired, shipped, delivered, shipping failed */
    [ORDER_NEW] = {"paid", "cancelled", "cancelled", "cancelled", "early", "early", "early"},
    [ORDER_PAID] = {"dup", "reject", "cancelled", "dup", "shipped", "early", "cancelled"},
    [ORDER_SHIPPED] = {"dup", "reject", "reject", "dup", "dup", "delivered", "reject"},
    [ORDER_DELIVERED] = {"dup", "reject", "reject", "dup", "dup", "dup", "reject"},
    [ORDER_CANCELLED] = {"reject", "dup", "dup", "dup", "reject", "reject", "dup"},
};

static void check_pair(enum order_status from, enum order_event ev)
{
	const char *want = expected[from][ev];
	enum order_status to = (enum order_status)99;
	enum order_verdict v = order_decide(from, ev, &to);

	if (strcmp(want, "dup") == 0 || strcmp(want, "early") == 0 || strcmp(want, "reject") == 0) {
		if (strcmp(order_verdict_name(v), strcmp(want, "dup") == 0 ? "duplicate" : want) !=
		    0)
			fail_msg("%s + %s: got %s, want %s", order_status_name(from),
				 order_event_name(ev), order_verdict_name(v), want);
		assert_int_equal(to, 99); /* untouched unless applied */
		return;
	}
	if (v != ORDER_APPLY || strcmp(order_status_name(to), want) != 0)
		fail_msg("%s + %s: got %s -> %s, want apply -> %s", order_status_name(from),
			 order_event_name(ev), order_verdict_name(v), order_status_name(to), want);
}

static void test_every_pair(void **state)
{
	int s, e;

	(void)state;
	for (s = 0; s < STATUSES; s++)
		for (e = 0; e < EVENTS; e++)
			check_pair((enum order_status)s, (enum order_event)e);
}

static void test_terminal_states_never_move(void **state)
{
	enum order_status to;
	int e;

	(void)state;
	for (e = 0; e < EVENTS; e++) {
		assert_int_not_equal(order_decide(ORDER_DELIVERED, (enum order_event)e, &to),
				     ORDER_APPLY);
		assert_int_not_equal(order_decide(ORDER_CANCELLED, (enum order_event)e, &to),
				     ORDER_APPLY);
	}
	assert_true(order_status_is_terminal(ORDER_DELIVERED));
	assert_true(order_status_is_terminal(ORDER_CANCELLED));
	assert_false(order_status_is_terminal(ORDER_NEW));
	assert_false(order_status_is_terminal(ORDER_PAID));
	assert_false(order_status_is_terminal(ORDER_SHIPPED));
}

static void test_out_of_range_is_rejected(void **state)
{
	enum order_status to = ORDER_NEW;

	(void)state;
	assert_int_equal(order_decide((enum order_status)7, ORDER_EV_SHIPPED, &to), ORDER_REJECT);
	assert_int_equal(order_decide(ORDER_NEW, (enum order_event)42, &to), ORDER_REJECT);
	assert_int_equal(to, ORDER_NEW);
}

static void test_status_names_round_trip(void **state)
{
	enum order_status out;
	int s;

	(void)state;
	for (s = 0; s < STATUSES; s++) {
		const char *name = order_status_name((enum order_status)s);

		assert_int_equal(order_status_parse(name, strlen(name), &out), OS_OK);
		assert_int_equal(out, s);
	}
	assert_int_equal(order_status_parse("NEW", 3, &out), OS_EINVAL);
	assert_int_equal(order_status_parse("pai", 3, &out), OS_EINVAL);
	assert_int_equal(order_status_parse("", 0, &out), OS_EINVAL);
	assert_string_equal(order_status_name((enum order_status)99), "unknown");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_pair),
    cmocka_unit_test(test_terminal_states_never_move),
    cmocka_unit_test(test_out_of_range_is_rejected),
    cmocka_unit_test(test_status_names_round_trip),
};

TEST_MAIN(tests, NULL, NULL);
