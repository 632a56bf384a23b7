/*
 * The shipping-events source: a Kafka consumer-group member on one topic
 * that hands out messages one at a time, decoded into inbox messages
 * (source "shipping"), and commits offsets only when asked, after the
 * caller has stored the message. Implements struct message_source.
 */
#ifndef OS_KAFKA_SOURCE_H
#define OS_KAFKA_SOURCE_H

#include "app/message_source.h"
#include "domain/status.h"
#include "infrastructure/kafka/kafka_security.h"

struct kafka_source_options {
	const char *bootstrap;
	const char *group_id;
	const char *topic;
	int session_timeout_ms; /* group session timeout; 0: librdkafka's default (45 s).
				   A member that dies is replaced after this long. */
	const struct kafka_security
	    *security; /* TLS/SASL and pass-through properties; NULL: none */
};

/*
 * Creates the consumer and subscribes (auto commit off, offsets stored only
 * for messages handed out, a new group starts at the earliest offset). On
 * success *out's ctx is owned by the caller until kafka_source_close.
 * Strings of o are copied.
 */
enum os_status kafka_source_open(const struct kafka_source_options *o, struct message_source *out,
				 struct os_error *err);

/* Leaves the group cleanly (without committing anything more) and frees
 * the source. s->ctx becomes NULL; closing twice does nothing. */
void kafka_source_close(struct message_source *s);

#endif
