/*
 * The routing sink: each destination's rows go to its own sink in batch
 * order, the verdicts come back to the right rows, a row without a route is
 * a permanent failure, a row its sink answers nothing of is retried, and a
 * broken sub-sink fails the whole send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/outbox_router.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

static void fill(struct outbox_row *rows, const char *const *dests, size_t n)
{
	size_t i;

	memset(rows, 0, n * sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].seq = (int64_t)(i + 1);
		snprintf(rows[i].destination, sizeof(rows[i].destination), "%s", dests[i]);
	}
}

/* A router of "notifications" to notes and "webhook" to hook, and the sink
 * over it. */
struct routed {
	struct fake_outbox_sink notes, hook;
	struct outbox_router r;
	struct outbox_sink sink;
};

/* t routed, notes answering every row notes_verdict, hook hook_verdict. */
static void route_both(struct routed *t, enum outbox_delivery notes_verdict,
		       enum outbox_delivery hook_verdict)
{
	fake_outbox_sink_init(&t->notes, notes_verdict);
	fake_outbox_sink_init(&t->hook, hook_verdict);
	memset(&t->r, 0, sizeof(t->r));
	t->r.count = 2;
	t->r.routes[0] = (struct outbox_route){"notifications", t->notes.sink};
	t->r.routes[1] = (struct outbox_route){"webhook", t->hook.sink};
	outbox_router_sink(&t->r, &t->sink);
}

/* Sends n rows (seqs 1..n) for dests through t's sink; res gets a verdict
 * for each. */
static enum os_status send_rows(struct routed *t, const char *const *dests, size_t n,
				struct outbox_result *res)
{
	struct outbox_row rows[8];
	struct outbox_batch b = {n, n, rows};
	struct os_error err;

	assert_true(n <= sizeof(rows) / sizeof(rows[0]));
	fill(rows, dests, n);
	memset(res, 0, n * sizeof(*res));
	return outbox_sink_send(&t->sink, &b, res, &err);
}

static void test_routes_by_destination(void **state)
{
	static const char *const dests[] = {"notifications", "webhook", "notifications",
					    "elsewhere", "webhook"};
	struct routed t;
	struct outbox_result res[5];

	(void)state;
	route_both(&t, OUTBOX_SENT, OUTBOX_RETRY);
	assert_int_equal(send_rows(&t, dests, 5, res), OS_OK);
	assert_int_equal(t.notes.calls, 1);
	assert_int_equal(t.notes.count, 2);
	assert_int_equal(t.notes.rows[0].seq, 1);
	assert_int_equal(t.notes.rows[1].seq, 3);
	assert_int_equal(t.hook.count, 2);
	assert_int_equal(t.hook.rows[0].seq, 2);
	assert_int_equal(t.hook.rows[1].seq, 5);
	assert_int_equal(res[0].delivery, OUTBOX_SENT);
	assert_int_equal(res[1].delivery, OUTBOX_RETRY);
	assert_string_equal(res[1].error, "HTTP 503 (seq 2)");
	assert_int_equal(res[2].delivery, OUTBOX_SENT);
	assert_int_equal(res[3].delivery, OUTBOX_PERMANENT);
	assert_non_null(strstr(res[3].error, "elsewhere"));
	assert_int_equal(res[4].delivery, OUTBOX_RETRY);
	assert_string_equal(res[4].error, "HTTP 503 (seq 5)");
}

/* A sink that answers nothing of its rows leaves them to be retried: no
 * verdict is never taken for "sent". */
static void test_no_verdict_is_a_retry(void **state)
{
	static const char *const dests[] = {"notifications", "webhook"};
	struct routed t;
	struct outbox_result res[2];

	(void)state;
	route_both(&t, OUTBOX_SENT, OUTBOX_SENT);
	t.hook.mute = true;
	assert_int_equal(send_rows(&t, dests, 2, res), OS_OK);
	assert_int_equal(t.hook.calls, 1);
	assert_int_equal(res[0].delivery, OUTBOX_SENT);
	assert_int_equal(res[1].delivery, OUTBOX_RETRY);
	assert_string_equal(res[1].error, "no delivery verdict");
}

static void test_broken_sink_fails_the_send(void **state)
{
	static const char *const dests[] = {"notifications", "webhook"};
	struct routed t;
	struct outbox_result res[2];

	(void)state;
	route_both(&t, OUTBOX_SENT, OUTBOX_SENT);
	t.hook.fail_with = OS_ENOMEM;
	assert_int_equal(send_rows(&t, dests, 2, res), OS_ENOMEM);
}

static void test_empty_batch(void **state)
{
	struct routed t;
	struct outbox_batch b = {0, 0, NULL};
	struct os_error err;

	(void)state;
	route_both(&t, OUTBOX_SENT, OUTBOX_SENT);
	assert_int_equal(outbox_sink_send(&t.sink, &b, NULL, &err), OS_OK);
	assert_int_equal(t.notes.calls, 0);
	assert_int_equal(t.hook.calls, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_routes_by_destination),
    cmocka_unit_test(test_no_verdict_is_a_retry),
    cmocka_unit_test(test_broken_sink_fails_the_send),
    cmocka_unit_test(test_empty_batch),
};

TEST_MAIN(tests, NULL, NULL);
