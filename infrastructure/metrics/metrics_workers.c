/* The workers' metric names and label sets. */
#include "infrastructure/metrics/metrics_workers.h"

#include <string.h>

#include "infrastructure/metrics/metrics.h"

static const char *const consumer_outcomes[] = {
    "recorded", "duplicate", "inbox_retry", "refused", "dropped", "commit_failed", "poll_failed"};
#define OUTCOMES (sizeof(consumer_outcomes) / sizeof(consumer_outcomes[0]))

static void describe_relay(void)
{
	metrics_describe("outbox_sent_total", METRICS_COUNTER, "Outbox rows delivered, by relay.");
	metrics_describe("outbox_retries_total", METRICS_COUNTER,
			 "Outbox deliveries that failed and will be retried, by relay.");
	metrics_describe("outbox_dead_letters_total", METRICS_COUNTER,
			 "Outbox rows dead-lettered (attempts exhausted or refused), by relay.");
	metrics_describe("outbox_relay_batch_seconds", METRICS_HISTOGRAM,
			 "Time to deliver and mark one claimed batch, by relay.");
	metrics_describe("outbox_relay_destination_info", METRICS_GAUGE,
			 "1 for each destination a relay delivers to.");
}

void metrics_relay_init(const char *relay, const char *const *destinations, size_t n)
{
	char labels[METRICS_LABELS_MAX + 1];
	size_t i;

	describe_relay();
	if (!metrics_labels(labels, sizeof(labels), "relay", relay, NULL))
		return;
	metrics_series_touch("outbox_sent_total", labels, METRICS_COUNTER);
	metrics_series_touch("outbox_retries_total", labels, METRICS_COUNTER);
	metrics_series_touch("outbox_dead_letters_total", labels, METRICS_COUNTER);
	metrics_series_touch("outbox_relay_batch_seconds", labels, METRICS_HISTOGRAM);
	for (i = 0; i < n; i++)
		if (metrics_labels(labels, sizeof(labels), "relay", relay, "destination",
				   destinations[i], NULL))
			metrics_gauge_set("outbox_relay_destination_info", labels, 1);
}

void metrics_relay_batch(const char *relay, size_t sent, size_t retried, size_t dead,
			 int64_t batch_us)
{
	char labels[METRICS_LABELS_MAX + 1];

	describe_relay();
	if (!metrics_labels(labels, sizeof(labels), "relay", relay, NULL))
		return;
	metrics_counter_add("outbox_sent_total", labels, (int64_t)sent);
	metrics_counter_add("outbox_retries_total", labels, (int64_t)retried);
	metrics_counter_add("outbox_dead_letters_total", labels, (int64_t)dead);
	metrics_histogram_observe("outbox_relay_batch_seconds", labels, batch_us);
}

static void describe_consumer(void)
{
	metrics_describe("shipping_consumer_messages_total", METRICS_COUNTER,
			 "Shipping events consumed from Kafka, by outcome.");
	metrics_describe("shipping_consumer_errors_total", METRICS_COUNTER,
			 "Shipping consumer problems by kind (malformed messages, inbox, "
			 "commit and poll failures).");
}

static void consumer_labels(char *buf, size_t cap, const char *key, const char *value)
{
	if (!metrics_labels(buf, cap, key, value, NULL))
		buf[0] = '\0';
}

void metrics_consumer_init(void)
{
	char labels[METRICS_LABELS_MAX + 1];
	size_t i;

	describe_consumer();
	for (i = 0; i < OUTCOMES; i++) {
		consumer_labels(labels, sizeof(labels), "outcome", consumer_outcomes[i]);
		metrics_series_touch("shipping_consumer_messages_total", labels, METRICS_COUNTER);
		if (i >= 2) {
			consumer_labels(labels, sizeof(labels), "kind", consumer_outcomes[i]);
			metrics_series_touch("shipping_consumer_errors_total", labels,
					     METRICS_COUNTER);
		}
	}
	metrics_series_touch("shipping_consumer_errors_total", "kind=\"malformed\"",
			     METRICS_COUNTER);
}

void metrics_consumer_message(const char *outcome, int malformed)
{
	char labels[METRICS_LABELS_MAX + 1];
	const char *o = "other";
	size_t i;

	describe_consumer();
	for (i = 0; outcome != NULL && i < OUTCOMES; i++)
		if (strcmp(outcome, consumer_outcomes[i]) == 0)
			o = consumer_outcomes[i];
	consumer_labels(labels, sizeof(labels), "outcome", o);
	metrics_counter_add("shipping_consumer_messages_total", labels, 1);
	if (malformed)
		metrics_counter_add("shipping_consumer_errors_total", "kind=\"malformed\"", 1);
	if (strcmp(o, "recorded") != 0 && strcmp(o, "duplicate") != 0) {
		consumer_labels(labels, sizeof(labels), "kind", o);
		metrics_counter_add("shipping_consumer_errors_total", labels, 1);
	}
}

static void describe_inbox(void)
{
	metrics_describe("inbox_handled_total", METRICS_COUNTER,
			 "Inbox rows handled (applied, retried later or rejected).");
	metrics_describe("inbox_batch_seconds", METRICS_HISTOGRAM,
			 "Time to handle one batch of inbox rows.");
	metrics_describe("inbox_errors_total", METRICS_COUNTER, "Inbox worker errors.");
	metrics_describe("orders_expired_total", METRICS_COUNTER,
			 "Orders cancelled by the stale-order sweeper.");
}

void metrics_inbox_init(void)
{
	describe_inbox();
	metrics_series_touch("inbox_handled_total", NULL, METRICS_COUNTER);
	metrics_series_touch("inbox_batch_seconds", NULL, METRICS_HISTOGRAM);
	metrics_series_touch("inbox_errors_total", NULL, METRICS_COUNTER);
	metrics_series_touch("orders_expired_total", NULL, METRICS_COUNTER);
}

void metrics_inbox_batch(size_t handled, int64_t batch_us)
{
	describe_inbox();
	metrics_counter_add("inbox_handled_total", NULL, (int64_t)handled);
	metrics_histogram_observe("inbox_batch_seconds", NULL, batch_us);
}

void metrics_inbox_expired(size_t expired)
{
	describe_inbox();
	metrics_counter_add("orders_expired_total", NULL, (int64_t)expired);
}

void metrics_inbox_error(void)
{
	describe_inbox();
	metrics_counter_add("inbox_errors_total", NULL, 1);
}
