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

/*
 * Creates a configuration with bootstrap.servers (NULL or "" leaves it
 * unset, for the dev cluster) and the log callback. *out is written only on
 * success and owned by the caller (rd_kafka_new takes it, else
 * rd_kafka_conf_destroy).
 */
enum os_status kafka_conf_new(const char *bootstrap, rd_kafka_conf_t **out,
			      struct os_error *err);

/* Sets one property; OS_EINVAL naming the property when librdkafka refuses. */
enum os_status kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
			      struct os_error *err);

/* As kafka_conf_set with an integer value. */
enum os_status kafka_conf_set_int(rd_kafka_conf_t *conf, const char *key, long value,
				  struct os_error *err);

#endif
