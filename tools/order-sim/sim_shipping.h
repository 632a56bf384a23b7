/*
 * The simulated shipping service (on only with --kafka): a consumer in its
 * own group reads shipping.requested messages and, through the scheduler,
 * publishes order.shipped then order.delivered (or shipping.failed, or the
 * two in the wrong order when asked) to the shipping events topic, keyed by
 * order id, with an idempotent acks=all producer. Control routes force
 * outcomes, publish raw bytes and list what the broker acknowledged.
 */
#ifndef SIM_SHIPPING_H
#define SIM_SHIPPING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <librdkafka/rdkafka.h>

#include "tools/order-sim/sim_config.h"
#include "tools/order-sim/sim_http.h"
#include "tools/order-sim/sim_journal.h"
#include "tools/order-sim/sim_map.h"
#include "tools/order-sim/sim_sched.h"

struct sim_shipping {
	const struct sim_config *cfg;
	struct sim_sched *sched;
	bool enabled;
	rd_kafka_t *producer;
	rd_kafka_t *consumer;
	pthread_t thread;
	bool thread_started;
	atomic_int stop;
	struct sim_map outcomes; /* order id -> failed | delivered_first | delivered */
	struct sim_map seen;	 /* event ids of requests already handled */
	struct sim_journal published;
	atomic_uint generation; /* bumped by reset: queued events are dropped */
};

/*
 * Sets up state and, when cfg->kafka is set, the producer, the consumer and
 * its thread. cfg and sched must outlive s. On failure nothing is left to
 * stop.
 */
enum os_status sim_shipping_start(struct sim_shipping *s, const struct sim_config *cfg,
				  struct sim_sched *sched, struct os_error *err);

/* Stops the consumer thread, flushes the producer and frees everything. Stop
 * the scheduler first: its jobs use the producer. */
void sim_shipping_stop(struct sim_shipping *s);

/* Forgets outcomes, seen requests and published messages; queued events are
 * abandoned. */
void sim_shipping_reset(struct sim_shipping *s);

/* Route handlers; ctx is the struct sim_shipping. */
void sim_shipping_set_outcome(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_shipping_publish(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_shipping_list_published(void *ctx, const struct sim_request *req, struct sim_reply *rep);

#endif
