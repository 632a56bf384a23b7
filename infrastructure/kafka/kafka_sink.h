/*
 * The Kafka outbox sink: delivers outbox rows to their topic with an
 * idempotent producer (acks=all), key = aggregate (order) id, value = the
 * row's payload as is, and CloudEvents Kafka-binding headers (ce_specversion,
 * ce_id, ce_type, ce_source, ce_time, ce_subject = order id, content-type) plus traceparent and
 * x-request-id when the row carries them. Implements struct outbox_sink.
 */
#ifndef OS_KAFKA_SINK_H
#define OS_KAFKA_SINK_H

#include "app/outbox_port.h"
#include "domain/status.h"
#include "infrastructure/kafka/kafka_security.h"

struct kafka_sink_options {
	const char *bootstrap;	 /* "host:port,..." */
	int linger_ms;		 /* producer batching delay; < 0 means 1 */
	int delivery_timeout_ms; /* per send(); <= 0 means 10000 */
	const char *ce_source;	 /* CloudEvents source, e.g. "/order-service"; NULL: that */
	const struct kafka_security
	    *security; /* TLS/SASL and pass-through properties; NULL: none */
};

/*
 * Creates the producer. On success *out is a sink whose ctx the caller owns
 * and must give back to kafka_sink_close. Strings of o and *o->security are copied. Does not
 * contact the brokers (a down cluster shows up as RETRY verdicts).
 */
enum os_status kafka_sink_open(const struct kafka_sink_options *o, struct outbox_sink *out,
			       struct os_error *err);

/* Flushes what is still queued (bounded by the delivery timeout) and frees
 * the sink. s->ctx becomes NULL; closing a closed sink does nothing. */
void kafka_sink_close(struct outbox_sink *s);

#endif
