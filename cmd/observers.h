/*
 * What the loops report, turned into metrics and log lines: the observers
 * the subcommands plug into the relays, the inbox applier, the shipping
 * consumer and the API's metrics endpoint. The loops themselves know
 * neither metrics nor logs.
 */
#ifndef OS_CMD_OBSERVERS_H
#define OS_CMD_OBSERVERS_H

#include "infrastructure/config/config.h"
#include "infrastructure/postgres/pg_session.h"
#include "workers/inbox_applier.h"
#include "workers/outbox_relay.h"
#include "workers/shipping_consumer.h"

/* Batch counters and latency per relay; a warning for a batch with
 * failures and for every relay error. */
extern const struct outbox_relay_observer cmd_relay_observer;

/* Batches, stale orders cancelled and errors of the inbox worker. */
extern const struct inbox_applier_observer cmd_inbox_observer;

/* One counter per consumed message outcome; problems are logged. */
void cmd_consumer_note(void *arg, enum shipping_consumer_event ev, const struct inbox_msg *m,
		       const struct os_error *err);

/* The queue gauges of the API's metrics endpoint, read on that endpoint's
 * thread through a session of their own, opened on first use and again
 * after a failed read (which keeps the last values). */
struct cmd_queue_gauges {
	const char *database_url; /* borrowed */
	struct pg_session *session;
};

/* The series of the API that read 0 before anything happened: order
 * counters and the queue gauges of every destination cfg has. */
void cmd_api_metrics_init(const struct config *cfg);

/* metrics_refresh_fn over a struct cmd_queue_gauges, which must live as
 * long as the process (the endpoint's thread does). */
void cmd_queue_gauges_refresh(void *gauges);

#endif
