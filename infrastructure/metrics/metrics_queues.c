/* Queue gauges with a memory of the destinations already reported. */
#include "infrastructure/metrics/metrics_queues.h"

#include <pthread.h>
#include <string.h>

#include "infrastructure/metrics/metrics.h"

#define QUEUES_MAX ADMIN_STATS_DESTINATIONS

/* Label sets (destination="...") of every destination reported so far or
 * declared known; the gauges of one missing from a read are set to 0. */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static char seen[QUEUES_MAX][METRICS_LABELS_MAX + 1];
static size_t seen_count;

static void describe(void)
{
	metrics_describe("outbox_pending", METRICS_GAUGE, "Pending outbox rows by destination.");
	metrics_describe("outbox_oldest_pending_age_seconds", METRICS_GAUGE,
			 "Age of the oldest pending outbox row by destination (0 when none).");
	metrics_describe("outbox_dead", METRICS_GAUGE, "Dead outbox rows by destination.");
	metrics_describe("inbox_pending", METRICS_GAUGE, "Pending inbox rows.");
	metrics_describe("inbox_lag_seconds", METRICS_GAUGE,
			 "Age of the oldest pending inbox row (0 when none).");
	metrics_describe("inbox_rejected", METRICS_GAUGE, "Rejected inbox rows.");
}

static void set_destination(const char *labels, int64_t pending, int64_t age_s, int64_t dead)
{
	metrics_gauge_set("outbox_pending", labels, pending);
	metrics_gauge_set("outbox_oldest_pending_age_seconds", labels, age_s);
	metrics_gauge_set("outbox_dead", labels, dead);
}

/* Adds labels to seen unless there or full. Caller holds seen_lock. */
static void remember(const char *labels)
{
	size_t i;

	for (i = 0; i < seen_count; i++)
		if (strcmp(seen[i], labels) == 0)
			return;
	if (seen_count < QUEUES_MAX)
		memcpy(seen[seen_count++], labels, strlen(labels) + 1);
}

void metrics_queues_known(const char *const *destinations, size_t n)
{
	char labels[METRICS_LABELS_MAX + 1];
	size_t i;

	describe();
	pthread_mutex_lock(&seen_lock);
	for (i = 0; i < n; i++) {
		if (destinations[i] == NULL || destinations[i][0] == '\0' ||
		    !metrics_labels(labels, sizeof(labels), "destination", destinations[i], NULL))
			continue;
		metrics_series_touch("outbox_pending", labels, METRICS_GAUGE);
		metrics_series_touch("outbox_oldest_pending_age_seconds", labels, METRICS_GAUGE);
		metrics_series_touch("outbox_dead", labels, METRICS_GAUGE);
		remember(labels);
	}
	pthread_mutex_unlock(&seen_lock);
	metrics_series_touch("inbox_pending", NULL, METRICS_GAUGE);
	metrics_series_touch("inbox_lag_seconds", NULL, METRICS_GAUGE);
	metrics_series_touch("inbox_rejected", NULL, METRICS_GAUGE);
}

void metrics_queues_update(const struct queue_stats *qs)
{
	char now[QUEUES_MAX][METRICS_LABELS_MAX + 1];
	size_t i, j, kept = 0;
	size_t n = qs->destination_count < QUEUES_MAX ? qs->destination_count : QUEUES_MAX;
	bool present;

	describe();
	for (i = 0; i < n; i++) {
		if (!metrics_labels(now[kept], sizeof(now[kept]), "destination",
				    qs->outbox[i].destination, NULL))
			continue;
		set_destination(now[kept], qs->outbox[i].pending,
				qs->outbox[i].oldest_pending_age_ms / 1000, qs->outbox[i].dead);
		kept++;
	}
	pthread_mutex_lock(&seen_lock);
	for (i = 0; i < seen_count; i++) {
		present = false;
		for (j = 0; j < kept && !present; j++)
			present = strcmp(seen[i], now[j]) == 0;
		if (!present)
			set_destination(seen[i], 0, 0, 0);
	}
	for (j = 0; j < kept; j++)
		remember(now[j]);
	pthread_mutex_unlock(&seen_lock);
	metrics_gauge_set("inbox_pending", NULL, qs->inbox_pending);
	metrics_gauge_set("inbox_lag_seconds", NULL, qs->inbox_oldest_pending_age_ms / 1000);
	metrics_gauge_set("inbox_rejected", NULL, qs->inbox_rejected);
}
