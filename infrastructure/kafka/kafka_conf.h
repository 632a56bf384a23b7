/*
 * librdkafka configuration for every Kafka handle of the service (producer,
 * consumer, dev cluster): bootstrap servers, the service's logging in place
 * of librdkafka's own stderr lines, and setters that report a rejected
 * property as an os_status instead of a silent default.
 */
#ifndef OS_KAFKA_CONF_H
#define OS_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "domain/status.h"
#include "infrastructure/kafka/kafka_security.h"

/*
 * Creates a configuration with bootstrap.servers (NULL or "" leaves it
 * unset, for the dev cluster) and the log callback. *out is written only on
 * success and owned by the caller (rd_kafka_new takes it, else
 * rd_kafka_conf_destroy).
 */
enum os_status kafka_conf_new(const char *bootstrap, rd_kafka_conf_t **out, struct os_error *err);

/*
 * Puts the security settings on conf: security.protocol, sasl.mechanisms,
 * sasl.username, sasl.password, ssl.ca.location, then every property of the
 * properties file, which thus wins over all of them and over what the caller
 * set before (call it after the client's own properties, before
 * rd_kafka_new). sec NULL or empty changes nothing. A property librdkafka
 * refuses fails with the file's line or the variable named, and no value
 * of a secret property in the message.
 */
enum os_status kafka_conf_apply_security(rd_kafka_conf_t *conf, const struct kafka_security *sec,
					 struct os_error *err);

/* Sets one property; OS_EINVAL naming the property when librdkafka refuses.
 * For a secret property (password, secret, key, JAAS) the message leaves
 * librdkafka's reason out, since it may quote the value. */
enum os_status kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
			      struct os_error *err);

/* As kafka_conf_set with an integer value. */
enum os_status kafka_conf_set_int(rd_kafka_conf_t *conf, const char *key, long value,
				  struct os_error *err);

#endif
