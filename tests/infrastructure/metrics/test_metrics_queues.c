/*
 * The queue gauges, read through the registry's render: known destinations
 * (and the inbox) read 0 from the start, an update sets every gauge (ages
 * in whole seconds), a destination that empties reads 0 instead of
 * vanishing, and the memory of destinations stays within its bound.
 *
 * The module remembers destinations process-wide, past metrics_reset(): the
 * tests use names of their own, and the one that fills the memory runs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/admin_port.h"
#include "app/sbuf.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_queues.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_main.h"

/* How many whole lines of text are line. */
static size_t count_lines(const char *text, const char *line)
{
	size_t n = 0, len = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			n++;
		p += len;
	}
	return n;
}

static void assert_line(const char *text, const char *line)
{
	size_t n = count_lines(text, line);

	if (n != 1)
		fail_msg("line \"%s\" found %zu times", line, n);
}

/* The three gauges of destination dest read pending, age_s and dead, once each. */
static void assert_destination(const char *text, const char *dest, long long pending,
			       long long age_s, long long dead)
{
	char line[512]; /* the longest name and destination a test uses fit */

	snprintf(line, sizeof(line), "outbox_pending{destination=\"%s\"} %lld", dest, pending);
	assert_line(text, line);
	snprintf(line, sizeof(line), "outbox_oldest_pending_age_seconds{destination=\"%s\"} %lld",
		 dest, age_s);
	assert_line(text, line);
	snprintf(line, sizeof(line), "outbox_dead{destination=\"%s\"} %lld", dest, dead);
	assert_line(text, line);
}

static void add_destination(struct queue_stats *qs, const char *dest, int64_t pending,
			    int64_t age_ms, int64_t dead)
{
	struct outbox_queue_stats *o = &qs->outbox[qs->destination_count++];
	size_t len = strlen(dest);

	assert_true(len < sizeof(o->destination));
	memcpy(o->destination, dest, len + 1);
	o->pending = pending;
	o->oldest_pending_age_ms = age_ms;
	o->dead = dead;
}

static int reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static void test_known_read_zero(void **state)
{
	char long_name[300];
	const char *known[] = {"k-payments",	  NULL,	       "", "k-we\"ird\\name", long_name,
			       "k-notifications", "k-payments"};
	const char *text;

	(void)state;
	memset(long_name, 'L', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0'; /* too long for a label set: skipped */
	text = metrics_text();
	assert_null(strstr(text, "outbox_pending"));
	assert_null(strstr(text, "inbox_pending"));

	metrics_queues_known(known, sizeof(known) / sizeof(known[0]));
	text = metrics_text();
	assert_destination(text, "k-payments", 0, 0, 0); /* named twice, one series */
	assert_destination(text, "k-notifications", 0, 0, 0);
	assert_destination(text, "k-we\\\"ird\\\\name", 0, 0, 0); /* escaped */
	assert_line(text, "inbox_pending 0");
	assert_line(text, "inbox_lag_seconds 0");
	assert_line(text, "inbox_rejected 0");
	assert_line(text, "# TYPE outbox_pending gauge");
	assert_line(text, "# TYPE outbox_oldest_pending_age_seconds gauge");
	assert_line(text, "# TYPE outbox_dead gauge");
	assert_line(text, "# TYPE inbox_lag_seconds gauge");
	assert_line(text, "# HELP outbox_pending Pending outbox rows by destination.");
	assert_null(strstr(text, "destination=\"\""));
	assert_null(strstr(text, "LLLL"));
	assert_line(text, "metrics_series_dropped_total 0");
}

static void test_update_sets_gauges(void **state)
{
	static const struct {
		const char *dest;
		int64_t pending, age_ms, dead;
		long long age_s; /* as rendered: whole seconds, rounded down */
	} cases[] = {
	    {"u-0", 0, 0, 0, 0},
	    {"u-1", 7, 999, 2, 0},
	    {"u-2", 1, 1000, 0, 1},
	    {"u-3", INT64_C(5000000000), 61999, 40, 61},
	    {"u-4", 3, INT64_C(86400000), 1, 86400},
	};
	struct queue_stats qs;
	const char *text;
	size_t i;

	(void)state;
	memset(&qs, 0, sizeof(qs));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add_destination(&qs, cases[i].dest, cases[i].pending, cases[i].age_ms,
				cases[i].dead);
	qs.inbox_pending = 3;
	qs.inbox_oldest_pending_age_ms = 9999;
	qs.inbox_rejected = 4;
	metrics_queues_update(&qs); /* no known() first: the update declares the families */
	text = metrics_text();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_destination(text, cases[i].dest, (long long)cases[i].pending, cases[i].age_s,
				   (long long)cases[i].dead);
	assert_line(text, "outbox_pending{destination=\"u-3\"} 5000000000");
	assert_line(text, "inbox_pending 3");
	assert_line(text, "inbox_lag_seconds 9");
	assert_line(text, "inbox_rejected 4");
	assert_line(text, "# TYPE outbox_dead gauge");

	/* A second read sets the figures again; nothing adds up. */
	qs.outbox[1].pending = 2;
	qs.outbox[1].oldest_pending_age_ms = 2500;
	qs.inbox_pending = 1;
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_destination(text, "u-1", 2, 2, 2);
	assert_destination(text, "u-3", 5000000000LL, 61, 40);
	assert_line(text, "inbox_pending 1");
	assert_line(text, "inbox_rejected 4");
}

static void test_emptied_destination_reads_zero(void **state)
{
	const char *known[] = {"e-known"};
	struct queue_stats qs;
	const char *text;

	(void)state;
	metrics_queues_known(known, 1);
	memset(&qs, 0, sizeof(qs));
	add_destination(&qs, "e-known", 5, 2000, 1);
	add_destination(&qs, "e-new", 4, 3000, 1);
	qs.inbox_pending = 6;
	qs.inbox_oldest_pending_age_ms = 7000;
	qs.inbox_rejected = 2;
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_destination(text, "e-known", 5, 2, 1);
	assert_destination(text, "e-new", 4, 3, 1);

	/* e-new, never declared known, leaves the read: it reads 0. */
	memset(&qs, 0, sizeof(qs));
	add_destination(&qs, "e-known", 1, 500, 1);
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_destination(text, "e-known", 1, 0, 1);
	assert_destination(text, "e-new", 0, 0, 0);

	/* Everything drained: the database names no destination at all. */
	memset(&qs, 0, sizeof(qs));
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_destination(text, "e-known", 0, 0, 0);
	assert_destination(text, "e-new", 0, 0, 0);
	assert_line(text, "inbox_pending 0");
	assert_line(text, "inbox_lag_seconds 0");
	assert_line(text, "inbox_rejected 0");

	/* And back again. */
	add_destination(&qs, "e-new", 8, 0, 0);
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_destination(text, "e-new", 8, 0, 0);
	assert_destination(text, "e-known", 0, 0, 0);
}

/* Runs last: it fills the module's memory of destinations. */
static void test_memory_bounded(void **state)
{
	char names[ADMIN_STATS_DESTINATIONS][24];
	const char *known[ADMIN_STATS_DESTINATIONS];
	struct queue_stats *qs;
	const char *text;
	size_t i;

	(void)state;
	for (i = 0; i < ADMIN_STATS_DESTINATIONS; i++) {
		snprintf(names[i], sizeof(names[i]), "b-%02zu", i);
		known[i] = names[i];
	}
	metrics_queues_known(known, ADMIN_STATS_DESTINATIONS);
	text = metrics_text();
	for (i = 0; i < ADMIN_STATS_DESTINATIONS; i++)
		assert_destination(text, names[i], 0, 0, 0);

	/* A count past the array: only the array is read (plain calloc, so that
	 * valgrind sees a read past the struct). */
	qs = calloc(1, sizeof(*qs));
	assert_non_null(qs);
	for (i = 0; i < ADMIN_STATS_DESTINATIONS; i++)
		add_destination(qs, names[i], (int64_t)(10 + i), 0, 0);
	qs->destination_count = ADMIN_STATS_DESTINATIONS + 4;
	metrics_queues_update(qs);
	text = metrics_text();
	assert_destination(text, "b-00", 10, 0, 0);
	assert_destination(text, "b-15", 25, 0, 0);
	assert_null(strstr(text, "destination=\"\""));

	/* The memory is full now: a destination past it is reported while the
	 * database names it, but not remembered, so it keeps its last figures
	 * (the bound of metrics_queues.h) while the remembered ones drop to 0. */
	memset(qs, 0, sizeof(*qs));
	add_destination(qs, "b-extra", 9, 0, 0);
	metrics_queues_update(qs);
	text = metrics_text();
	assert_destination(text, "b-extra", 9, 0, 0);
	assert_destination(text, "b-00", 0, 0, 0);
	memset(qs, 0, sizeof(*qs));
	metrics_queues_update(qs);
	text = metrics_text();
	assert_destination(text, "b-extra", 9, 0, 0);
	assert_line(text, "metrics_series_dropped_total 0");
	free(qs);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_known_read_zero, reset),
    cmocka_unit_test_setup(test_update_sets_gauges, reset),
    cmocka_unit_test_setup(test_emptied_destination_reads_zero, reset),
    cmocka_unit_test_setup(test_memory_bounded, reset),
};

TEST_MAIN(tests, NULL, NULL);
