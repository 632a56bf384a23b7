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

static void test_routes_by_destination(void **state)
{
	static const char *const dests[] = {"notifications", "webhook", "notifications",
					    "elsewhere", "webhook"};
	struct rec_sink notes = {.answer = OUTBOX_SENT}, hook = {.answer = OUTBOX_RETRY};
	struct outbox_router r = {0};
	struct outbox_row rows[5];
	struct outbox_batch b = {5, 5, rows};
	struct outbox_result res[5];
	struct outbox_sink sink;
	struct os_error err;

	(void)state;
	fill(rows, dests, 5);
	memset(res, 0, sizeof(res));
	r.count = 2;
	r.routes[0] = (struct outbox_route){"notifications", {&rec_ops, &notes}};
	r.routes[1] = (struct outbox_route){"webhook", {&rec_ops, &hook}};
	outbox_router_sink(&r, &sink);
	assert_int_equal(outbox_sink_send(&sink, &b, res, &err), OS_OK);
	assert_int_equal(notes.calls, 1);
	assert_int_equal(notes.n, 2);
	assert_int_equal(notes.seqs[0], 1);
	assert_int_equal(notes.seqs[1], 3);
	assert_int_equal(hook.n, 2);
	assert_int_equal(hook.seqs[0], 2);
	assert_int_equal(hook.seqs[1], 5);
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
	struct rec_sink notes = {.answer = OUTBOX_SENT}, hook = {.fail = OS_ENOMEM};
	struct outbox_router r = {0};
	struct outbox_row rows[2];
	struct outbox_batch b = {2, 2, rows};
	struct outbox_result res[2];
	struct outbox_sink sink;
	struct os_error err;

	(void)state;
	fill(rows, dests, 2);
	r.count = 2;
	r.routes[0] = (struct outbox_route){"notifications", {&rec_ops, &notes}};
	r.routes[1] = (struct outbox_route){"webhook", {&rec_ops, &hook}};
	outbox_router_sink(&r, &sink);
	assert_int_equal(outbox_sink_send(&sink, &b, res, &err), OS_ENOMEM);
}

static void test_empty_batch(void **state)
{
	struct rec_sink notes = {.answer = OUTBOX_SENT};
	struct outbox_router r = {0};
	struct outbox_batch b = {0, 0, NULL};
	struct outbox_sink sink;
	struct os_error err;

	(void)state;
	r.count = 1;
	r.routes[0] = (struct outbox_route){"notifications", {&rec_ops, &notes}};
	outbox_router_sink(&r, &sink);
	assert_int_equal(outbox_sink_send(&sink, &b, NULL, &err), OS_OK);
	assert_int_equal(notes.calls, 0);
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
