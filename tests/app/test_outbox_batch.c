/*
 * A relay's batch of claimed outbox rows (outbox_port.h): the bounds of
 * outbox_batch_init, clear freeing the rows' payloads and headers while the
 * rows array stays for the next claim, release freeing everything, and
 * outbox_results_retry, the verdict of rows nothing was heard of, with its
 * note cut to OUTBOX_ERROR_MAX bytes. Valgrind runs prove nothing leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/outbox_port.h"
#include "tests/support/test_main.h"

/* Heap copies, as a store's claim makes them (the batch frees them). */
static char *dup_text(const char *s)
{
	size_t len = strlen(s);
	char *p = malloc(len + 1);

	assert_non_null(p);
	memcpy(p, s, len + 1);
	return p;
}

/* Claims n rows into b as a store would: payload and headers owned by the
 * batch. */
static void fill(struct outbox_batch *b, size_t n)
{
	size_t i;

	assert_true(n <= b->capacity);
	for (i = 0; i < n; i++) {
		struct outbox_row *r = &b->rows[i];
		char payload[32];

		snprintf(payload, sizeof(payload), "{\"n\":%zu}", i);
		r->seq = (int64_t)i + 1;
		r->payload = dup_text(payload);
		r->payload_len = strlen(payload);
		r->headers = dup_text("{}");
		r->headers_len = 2;
	}
	b->count = n;
}

static void test_init_bounds(void **state)
{
	static const struct {
		size_t capacity;
		enum os_status want;
	} cases[] = {
	    {0, OS_EINVAL},
	    {1, OS_OK},
	    {2, OS_OK},
	    {OUTBOX_BATCH_MAX - 1, OS_OK},
	    {OUTBOX_BATCH_MAX, OS_OK},
	    {OUTBOX_BATCH_MAX + 1, OS_EINVAL},
	    {SIZE_MAX, OS_EINVAL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outbox_batch b = {0};
		enum os_status st = outbox_batch_init(&b, cases[i].capacity);

		if (st != cases[i].want)
			fail_msg("case %zu: capacity %zu gave %s, want %s", i, cases[i].capacity,
				 os_status_name(st), os_status_name(cases[i].want));
		if (st != OS_OK)
			continue;
		assert_int_equal(b.count, 0);
		assert_int_equal(b.capacity, cases[i].capacity);
		assert_non_null(b.rows);
		/* every row of the capacity is there to be claimed into */
		fill(&b, b.capacity);
		outbox_batch_release(&b);
	}
}

/* Clear frees what the rows own and empties the batch; the rows array and
 * its capacity stay, so the next claim reuses them. */
static void test_clear_keeps_rows(void **state)
{
	struct outbox_batch b;
	struct outbox_row *rows;
	size_t i;

	(void)state;
	assert_int_equal(outbox_batch_init(&b, 4), OS_OK);
	rows = b.rows;
	fill(&b, 3);
	outbox_batch_clear(&b);
	assert_int_equal(b.count, 0);
	assert_int_equal(b.capacity, 4);
	assert_ptr_equal(b.rows, rows);
	for (i = 0; i < 3; i++) {
		assert_null(b.rows[i].payload);
		assert_null(b.rows[i].headers);
	}
	/* the next claim, this time the whole capacity */
	fill(&b, 4);
	assert_string_equal(b.rows[3].payload, "{\"n\":3}");
	outbox_batch_clear(&b);
	assert_int_equal(b.count, 0);
	/* clearing an empty batch is harmless */
	outbox_batch_clear(&b);
	assert_int_equal(b.count, 0);
	outbox_batch_release(&b);
}

/* A row may come without headers (NULL): clear copes. */
static void test_clear_row_without_headers(void **state)
{
	struct outbox_batch b;

	(void)state;
	assert_int_equal(outbox_batch_init(&b, 2), OS_OK);
	fill(&b, 2);
	free(b.rows[1].headers);
	b.rows[1].headers = NULL;
	outbox_batch_clear(&b);
	assert_null(b.rows[0].payload);
	assert_null(b.rows[1].payload);
	outbox_batch_release(&b);
}

/* Release frees the rows' contents and the array, with rows still claimed
 * or not. */
static void test_release(void **state)
{
	static const size_t claimed[] = {0, 1, 5};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(claimed) / sizeof(claimed[0]); i++) {
		struct outbox_batch b;

		assert_int_equal(outbox_batch_init(&b, 5), OS_OK);
		fill(&b, claimed[i]);
		outbox_batch_release(&b);
		if (b.rows != NULL || b.count != 0 || b.capacity != 0)
			fail_msg("case %zu: rows %p, count %zu, capacity %zu after release", i,
				 (void *)b.rows, b.count, b.capacity);
	}
}

/* Every result of the n becomes a retry at once with the note as its error;
 * a note is cut to OUTBOX_ERROR_MAX (255) bytes. */
static void test_results_retry(void **state)
{
	static const struct {
		size_t note_len, error_len;
	} cases[] = {
	    {0, 0}, {1, 1}, {254, 254}, {255, 255}, {256, 255}, {1000, 255},
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outbox_result results[3];
		char note[1001];

		for (k = 0; k < cases[i].note_len; k++)
			note[k] = (char)('a' + k % 26);
		note[cases[i].note_len] = '\0';
		/* what a sink had half-filled before it broke */
		memset(results, 0, sizeof(results));
		for (k = 0; k < 3; k++) {
			results[k].delivery = OUTBOX_SENT;
			results[k].fate = OUTBOX_FATE_DEAD;
			results[k].next_attempt_us = 12345;
			memset(results[k].error, 'z', OUTBOX_ERROR_MAX);
		}
		outbox_results_retry(results, 3, note);
		for (k = 0; k < 3; k++) {
			const struct outbox_result *r = &results[k];

			if (r->delivery != OUTBOX_RETRY || r->fate != OUTBOX_FATE_RETRY ||
			    r->next_attempt_us != 0)
				fail_msg("case %zu, row %zu: delivery %d, fate %d, next %lld", i, k,
					 r->delivery, r->fate, (long long)r->next_attempt_us);
			if (strlen(r->error) != cases[i].error_len ||
			    memcmp(r->error, note, cases[i].error_len) != 0)
				fail_msg(
				    "case %zu, row %zu: error of %zu bytes, want %zu of the note",
				    i, k, strlen(r->error), cases[i].error_len);
		}
	}
}

/* Only results[0..n) change: n = 0 touches nothing, n = 2 leaves the
 * third. */
static void test_results_retry_only_n(void **state)
{
	struct outbox_result results[3];

	(void)state;
	memset(results, 0, sizeof(results));
	results[0].fate = OUTBOX_FATE_DEAD;
	snprintf(results[0].error, sizeof(results[0].error), "HTTP 400");
	outbox_results_retry(results, 0, "sink down");
	assert_int_equal(results[0].fate, OUTBOX_FATE_DEAD);
	assert_string_equal(results[0].error, "HTTP 400");

	results[2].delivery = OUTBOX_PERMANENT;
	results[2].fate = OUTBOX_FATE_DEAD;
	results[2].next_attempt_us = 7;
	snprintf(results[2].error, sizeof(results[2].error), "HTTP 413");
	outbox_results_retry(results, 2, "sink down");
	assert_int_equal(results[1].fate, OUTBOX_FATE_RETRY);
	assert_string_equal(results[1].error, "sink down");
	assert_int_equal(results[2].delivery, OUTBOX_PERMANENT);
	assert_int_equal(results[2].fate, OUTBOX_FATE_DEAD);
	assert_int_equal(results[2].next_attempt_us, 7);
	assert_string_equal(results[2].error, "HTTP 413");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_init_bounds),
    cmocka_unit_test(test_clear_keeps_rows),
    cmocka_unit_test(test_clear_row_without_headers),
    cmocka_unit_test(test_release),
    cmocka_unit_test(test_results_retry),
    cmocka_unit_test(test_results_retry_only_n),
};

TEST_MAIN(tests, NULL, NULL);
