/*
 * An in-process Kafka for integration tests: librdkafka's mock cluster with
 * one broker and one topic, kept alive by a handle of its own.
 */
#ifndef OS_KAFKA_MOCK_H
#define OS_KAFKA_MOCK_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

struct kafka_mock {
	rd_kafka_t *holder;
	rd_kafka_mock_cluster_t *mc;
	char bootstrap[256];
};

/* Starts the cluster with topic (partitions, replication 1); fails the
 * running test when it cannot. Free with kafka_mock_stop. */
struct kafka_mock *kafka_mock_start(const char *topic, int partitions);
void kafka_mock_stop(struct kafka_mock *m);
/* A cmocka teardown: stops the cluster in *state (kafka_mock_start's). */
int kafka_mock_teardown(void **state);

/* A producer on the cluster; fails the running test when it cannot. */
rd_kafka_t *kafka_mock_producer(const struct kafka_mock *m);
/* Waits until everything p produced is acknowledged (the running test
 * fails otherwise), then destroys p. */
void kafka_mock_flush(rd_kafka_t *p);

#endif
