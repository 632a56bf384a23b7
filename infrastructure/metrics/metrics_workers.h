/*
 * What the worker processes record (DESIGN §10), one function per event so
 * that the names, label sets and help texts live in one place. Each
 * *_init() creates the worker's series at 0 when it starts, so a relay that
 * has sent nothing yet reads 0 rather than being absent.
 *
 *   outbox relays:      outbox_sent_total, outbox_retries_total,
 *                       outbox_dead_letters_total, outbox_relay_batch_seconds
 *                       (all {relay}), outbox_relay_destination_info
 *                       {relay,destination} 1 (which relay serves which
 *                       destination: alert rules join on it)
 *   shipping consumer:  shipping_consumer_messages_total{outcome},
 *                       shipping_consumer_errors_total{kind}
 *   inbox worker:       inbox_handled_total, inbox_batch_seconds,
 *                       inbox_errors_total, orders_expired_total
 */
#ifndef OS_METRICS_WORKERS_H
#define OS_METRICS_WORKERS_H

#include <stddef.h>
#include <stdint.h>

void metrics_relay_init(const char *relay, const char *const *destinations, size_t n);
void metrics_relay_batch(const char *relay, size_t sent, size_t retried, size_t dead,
			 int64_t batch_us);

/* outcome: recorded, duplicate, inbox_retry, refused, dropped,
 * commit_failed, poll_failed (anything else counts as "other").
 * malformed: a recorded message was stored as rejected. Every outcome but
 * recorded and duplicate is also an error of that kind. */
void metrics_consumer_init(void);
void metrics_consumer_message(const char *outcome, int malformed);

void metrics_inbox_init(void);
void metrics_inbox_batch(size_t handled, int64_t batch_us);
void metrics_inbox_expired(size_t expired);
void metrics_inbox_error(void);

#endif
