/*
 * The routing sink: each destination's rows go to its own sink in batch
 * order, the verdicts come back to the right rows, a row without a route is
 * a permanent failure, and a broken sub-sink fails the whole send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/outbox_router.h"

/* A sink that records the seqs it was given and answers `answer` for each. */
struct rec_sink {
	int64_t seqs[16];
	size_t n;
	size_t calls;
	enum outbox_delivery answer;
	enum os_status fail;
};

static enum os_status rec_send(void *ctx, const struct outbox_batch *b,
			       struct outbox_result *results, struct os_error *err)
{
	struct rec_sink *s = ctx;
	size_t i;

	s->calls++;
	if (s->fail != OS_OK)
		return os_fail(err, s->fail, NULL, "sink broken");
	for (i = 0; i < b->count && s->n < 16; i++) {
		s->seqs[s->n++] = b->rows[i].seq;
		results[i].delivery = s->answer;
		snprintf(results[i].error, sizeof(results[i].error), "from %lld",
			 (long long)b->rows[i].seq);
	}
	return OS_OK;
}

static const struct outbox_sink_ops rec_ops = {.send = rec_send};

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
	struct rec_sink notes, hook;
	struct outbox_router r;
	struct outbox_sink sink;
};

static void route_both(struct routed *t)
{
	memset(&t->r, 0, sizeof(t->r));
	t->r.count = 2;
	t->r.routes[0] = (struct outbox_route){"notifications", {&rec_ops, &t->notes}};
	t->r.routes[1] = (struct outbox_route){"webhook", {&rec_ops, &t->hook}};
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
	struct routed t = {.notes = {.answer = OUTBOX_SENT}, .hook = {.answer = OUTBOX_RETRY}};
	struct outbox_result res[5];

	(void)state;
	route_both(&t);
	assert_int_equal(send_rows(&t, dests, 5, res), OS_OK);
	assert_int_equal(t.notes.calls, 1);
	assert_int_equal(t.notes.n, 2);
	assert_int_equal(t.notes.seqs[0], 1);
	assert_int_equal(t.notes.seqs[1], 3);
	assert_int_equal(t.hook.n, 2);
	assert_int_equal(t.hook.seqs[0], 2);
	assert_int_equal(t.hook.seqs[1], 5);
	assert_int_equal(res[0].delivery, OUTBOX_SENT);
	assert_int_equal(res[1].delivery, OUTBOX_RETRY);
	assert_string_equal(res[1].error, "from 2");
	assert_int_equal(res[2].delivery, OUTBOX_SENT);
	assert_int_equal(res[3].delivery, OUTBOX_PERMANENT);
	assert_non_null(strstr(res[3].error, "elsewhere"));
	assert_int_equal(res[4].delivery, OUTBOX_RETRY);
	assert_string_equal(res[4].error, "from 5");
}

static void test_broken_sink_fails_the_send(void **state)
{
	static const char *const dests[] = {"notifications", "webhook"};
	struct routed t = {.notes = {.answer = OUTBOX_SENT}, .hook = {.fail = OS_ENOMEM}};
	struct outbox_result res[2];

	(void)state;
	route_both(&t);
	assert_int_equal(send_rows(&t, dests, 2, res), OS_ENOMEM);
}

static void test_empty_batch(void **state)
{
	struct routed t = {.notes = {.answer = OUTBOX_SENT}, .hook = {.answer = OUTBOX_SENT}};
	struct outbox_batch b = {0, 0, NULL};
	struct os_error err;

	(void)state;
	route_both(&t);
	assert_int_equal(outbox_sink_send(&t.sink, &b, NULL, &err), OS_OK);
	assert_int_equal(t.notes.calls, 0);
	assert_int_equal(t.hook.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes_by_destination),
	    cmocka_unit_test(test_broken_sink_fails_the_send),
	    cmocka_unit_test(test_empty_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
