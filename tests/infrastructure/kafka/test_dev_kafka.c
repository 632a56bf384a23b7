/*
 * The embedded dev Kafka: it writes its address file, serves metadata with
 * the requested topics, and on stop removes the file and returns 0.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "infrastructure/kafka/dev_kafka.h"
#include "tests/support/test_main.h"

static const char *const topics[] = {"order.events", "shipping.requests", "shipping.events"};

struct run {
	char path[256];
	volatile sig_atomic_t stop;
	int rc;
};

static void *run_dev_kafka(void *arg)
{
	struct run *r = arg;

	r->rc = dev_kafka_run(r->path, topics, 3, 2, &r->stop);
	return NULL;
}

/* Waits up to 10 s for the address file; returns its first line. */
static void read_addr(const char *path, char *addr, size_t cap)
{
	struct timespec tick = {0, 50000000L};
	FILE *f = NULL;
	int tries;

	for (tries = 0; f == NULL && tries < 200; tries++) {
		f = fopen(path, "r");
		if (f == NULL)
			nanosleep(&tick, NULL);
	}
	assert_non_null(f);
	assert_non_null(fgets(addr, (int)cap, f));
	fclose(f);
	addr[strcspn(addr, "\n")] = '\0';
}

static int partitions_of(const struct rd_kafka_metadata *md, const char *topic)
{
	int i;

	for (i = 0; i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, topic) == 0 && md->topics[i].err == 0)
			return md->topics[i].partition_cnt;
	return -1;
}

static void test_serves_topics_and_cleans_up(void **state)
{
	struct run r = {.stop = 0, .rc = -1};
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char addr[256], why[256];
	pthread_t th;
	rd_kafka_t *rk;
	size_t i;

	(void)state;
	snprintf(r.path, sizeof(r.path), "/tmp/test_kafka_dev.%ld.addr", (long)getpid());
	unlink(r.path);
	assert_int_equal(pthread_create(&th, NULL, run_dev_kafka, &r), 0);
	read_addr(r.path, addr, sizeof(addr));
	assert_non_null(strstr(addr, "127.0.0.1:"));
	rd_kafka_conf_set(conf, "bootstrap.servers", addr, why, sizeof(why));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	assert_non_null(rk);
	assert_int_equal(rd_kafka_metadata(rk, 1, NULL, &md, 10000), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(partitions_of(md, topics[i]), 2);
	rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(rk);
	r.stop = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(access(r.path, F_OK), -1); /* removed */
}

static void test_unwritable_addr_file_fails(void **state)
{
	volatile sig_atomic_t stop = 0;

	(void)state;
	assert_int_equal(dev_kafka_run("/nonexistent-dir/kafka.addr", topics, 3, 1, &stop), 1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_serves_topics_and_cleans_up),
    cmocka_unit_test(test_unwritable_addr_file_fails),
};

TEST_MAIN(tests, NULL, NULL);
