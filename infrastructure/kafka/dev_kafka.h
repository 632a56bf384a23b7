/*
 * The embedded Kafka of `order-service dev-kafka`: librdkafka's mock
 * cluster on an ephemeral loopback port, with the service's topics created,
 * for local runs and tests. Not a real broker: data lives in memory only.
 */
#ifndef OS_DEV_KAFKA_H
#define OS_DEV_KAFKA_H

#include <signal.h>
#include <stddef.h>

/*
 * Starts the cluster with topics[0..ntopics) of partitions partitions each,
 * prints "KAFKA_BOOTSTRAP_SERVERS=<addr>" on stdout, writes "<addr>\n" to
 * addr_file (atomically: temp file and rename; NULL skips it), waits until
 * *stop becomes non-zero, then removes addr_file and destroys the cluster.
 * Returns 0 on a clean run, 1 if the cluster or the file could not be made.
 */
int dev_kafka_run(const char *addr_file, const char *const *topics, size_t ntopics, int partitions,
		  volatile sig_atomic_t *stop);

#endif
