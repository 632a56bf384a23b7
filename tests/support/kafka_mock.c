/* The mock Kafka cluster of the integration tests. */
#include "tests/support/kafka_mock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

struct kafka_mock *kafka_mock_start(const char *topic, int partitions)
{
	struct kafka_mock *m = calloc(1, sizeof(*m));
	char why[256];

	assert_non_null(m);
	m->holder = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), why, sizeof(why));
	assert_non_null(m->holder);
	m->mc = rd_kafka_mock_cluster_new(m->holder, 1);
	assert_non_null(m->mc);
	assert_int_equal(rd_kafka_mock_topic_create(m->mc, topic, partitions, 1), 0);
	snprintf(m->bootstrap, sizeof(m->bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(m->mc));
	return m;
}

void kafka_mock_stop(struct kafka_mock *m)
{
	if (m == NULL)
		return;
	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->holder);
	free(m);
}

int kafka_mock_teardown(void **state)
{
	kafka_mock_stop(*state);
	*state = NULL;
	return 0;
}

rd_kafka_t *kafka_mock_producer(const struct kafka_mock *m)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[256];
	rd_kafka_t *p;

	assert_int_equal(
	    rd_kafka_conf_set(conf, "bootstrap.servers", m->bootstrap, why, sizeof(why)),
	    RD_KAFKA_CONF_OK);
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	assert_non_null(p);
	return p;
}

void kafka_mock_flush(rd_kafka_t *p)
{
	assert_int_equal(rd_kafka_flush(p, 10000), 0);
	rd_kafka_destroy(p);
}
