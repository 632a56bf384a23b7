/*
 * librdkafka plumbing for the simulated shipping service: an idempotent
 * acks=all producer, a group consumer subscribed to one topic, and a publish
 * call that adds the CloudEvents headers of DESIGN §8.
 */
#ifndef SIM_KAFKA_H
#define SIM_KAFKA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "domain/status.h"
#include "infrastructure/kafka/kafka_security.h"

/*
 * Called from rd_kafka_poll() with each delivery report: ctx is the one given
 * to sim_kafka_producer_new, msg->_private the opaque given to
 * sim_kafka_publish (the callback's to free).
 */
typedef void sim_kafka_delivered_fn(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *ctx);

/* A producer whose reports go to delivered(ctx). *out owns it
 * (rd_kafka_destroy). sec (NULL: none) is applied as the service's own
 * clients apply it (kafka_conf_apply_security). */
enum os_status sim_kafka_producer_new(const char *bootstrap, const struct kafka_security *sec,
				      sim_kafka_delivered_fn *delivered, void *ctx,
				      rd_kafka_t **out, struct os_error *err);

/* A consumer in group, subscribed to topic. *out owns it (close, destroy). */
enum os_status sim_kafka_consumer_new(const char *bootstrap, const struct kafka_security *sec,
				      const char *group, const char *topic, rd_kafka_t **out,
				      struct os_error *err);

/*
 * Queues value (copied) to topic under key (NULL: none). When event_type is
 * set, CloudEvents headers with event_id are attached. On success the
 * delivery report will receive opaque; on failure the caller keeps it.
 */
enum os_status sim_kafka_publish(rd_kafka_t *rk, const char *topic, const char *key,
				 const char *value, size_t len, const char *event_id,
				 const char *event_type, void *opaque, struct os_error *err);

#endif
