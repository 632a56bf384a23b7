/*
 * Embedded dev Kafka. The mock cluster lives inside an rd_kafka_t handle
 * and dies with it, so the handle is kept for the whole run; it is served
 * every 100 ms, which is also how often the stop flag is looked at.
 */
#include "infrastructure/kafka/dev_kafka.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "infrastructure/kafka/kafka_conf.h"
#include "infrastructure/log/log.h"

#define DEV_KAFKA_BROKERS  1
#define DEV_KAFKA_PATH_MAX 4096

/* Writes "<addr>\n" to path via a temp file renamed over it, so a reader
 * never sees a half-written address. */
static int write_addr_file(const char *path, const char *addr)
{
	char tmp[DEV_KAFKA_PATH_MAX];
	FILE *f;
	int ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return 1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return 1;
	ok = fprintf(f, "%s\n", addr) > 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return 1;
	}
	return 0;
}

static rd_kafka_t *holder_new(void)
{
	rd_kafka_conf_t *conf = NULL;
	char why[512];
	rd_kafka_t *rk;

	if (kafka_conf_new(NULL, &conf, NULL) != OS_OK)
		return NULL;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (rk == NULL) {
		rd_kafka_conf_destroy(conf);
		log_kv(LOG_ERROR, "dev-kafka: cannot create the handle", "error", why, NULL);
	}
	return rk;
}

static int create_topics(rd_kafka_mock_cluster_t *mc, const char *const *topics, size_t n,
			 int partitions)
{
	size_t i;
	rd_kafka_resp_err_t e;

	for (i = 0; i < n; i++) {
		e = rd_kafka_mock_topic_create(mc, topics[i], partitions, DEV_KAFKA_BROKERS);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			log_kv(LOG_ERROR, "dev-kafka: cannot create topic", "topic", topics[i],
			       "error", rd_kafka_err2str(e), NULL);
			return 1;
		}
	}
	return 0;
}

static int serve(rd_kafka_t *rk, rd_kafka_mock_cluster_t *mc, const char *addr_file,
		 volatile sig_atomic_t *stop)
{
	const char *addr = rd_kafka_mock_cluster_bootstraps(mc);

	if (addr_file != NULL && write_addr_file(addr_file, addr) != 0) {
		log_kv(LOG_ERROR, "dev-kafka: cannot write the address file", "path", addr_file,
		       NULL);
		return 1;
	}
	printf("KAFKA_BOOTSTRAP_SERVERS=%s\n", addr);
	fflush(stdout);
	log_kv(LOG_INFO, "dev-kafka ready", "bootstrap", addr, NULL);
	while (!*stop)
		rd_kafka_poll(rk, 100);
	if (addr_file != NULL)
		unlink(addr_file);
	return 0;
}

int dev_kafka_run(const char *addr_file, const char *const *topics, size_t ntopics, int partitions,
		  volatile sig_atomic_t *stop)
{
	rd_kafka_t *rk = holder_new();
	rd_kafka_mock_cluster_t *mc = NULL;
	int rc = 1;

	if (rk == NULL)
		return 1;
	if (addr_file != NULL && strlen(addr_file) + 32 >= DEV_KAFKA_PATH_MAX)
		goto out;
	mc = rd_kafka_mock_cluster_new(rk, DEV_KAFKA_BROKERS);
	if (mc == NULL) {
		log_kv(LOG_ERROR, "dev-kafka: cannot start the mock cluster", NULL);
		goto out;
	}
	if (create_topics(mc, topics, ntopics, partitions > 0 ? partitions : 1) != 0)
		goto out;
	rc = serve(rk, mc, addr_file, stop);
out:
	if (mc != NULL)
		rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return rc;
}
