/*
 * The queue gauges (DESIGN §10): per outbox destination the pending rows
 * (outbox_pending), the age of the oldest one
 * (outbox_oldest_pending_age_seconds) and the dead rows (outbox_dead); the
 * inbox's pending rows, lag and rejected rows. Whoever reads the database
 * (a metrics scrape of the API) hands the figures here; the destinations
 * named by metrics_queues_known() read 0 from the start and whenever the
 * database has no row for them, so the series never vanish.
 */
#ifndef OS_METRICS_QUEUES_H
#define OS_METRICS_QUEUES_H

#include <stddef.h>

#include "app/admin_port.h"

/* Declares the families and creates the gauges of these destinations
 * (and of the inbox) at 0. Names are copied; at most
 * ADMIN_STATS_DESTINATIONS are kept. */
void metrics_queues_known(const char *const *destinations, size_t n);

/* Sets every gauge from one read of the database. A destination seen
 * before (or known) and absent from qs reads 0. */
void metrics_queues_update(const struct queue_stats *qs);

#endif
