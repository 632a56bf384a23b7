/*
 * Common librdkafka configuration. librdkafka logs from its own threads; the
 * project log is thread-safe and writes one line per call, so the callback
 * forwards each line as is.
 */
#include "kafka_conf.h"

#include <stdio.h>

#include "infrastructure/log/log.h"

/* librdkafka uses syslog levels: 0 emerg .. 7 debug. */
static enum log_level level_of(int syslog_level)
{
	if (syslog_level <= 3)
		return LOG_ERROR;
	if (syslog_level == 4)
		return LOG_WARN;
	if (syslog_level <= 6)
		return LOG_INFO;
	return LOG_DEBUG;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	log_kv(level_of(level), buf, "kafka_facility", fac, NULL);
}

enum os_status kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
			      struct os_error *err)
{
	char why[256];

	if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) != RD_KAFKA_CONF_OK)
		return os_fail(err, OS_EINVAL, key, "kafka %s: %s", key, why);
	return OS_OK;
}

enum os_status kafka_conf_set_int(rd_kafka_conf_t *conf, const char *key, long value,
				  struct os_error *err)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", value);
	return kafka_conf_set(conf, key, text, err);
}

enum os_status kafka_conf_new(const char *bootstrap, rd_kafka_conf_t **out,
			      struct os_error *err)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	enum os_status st = OS_OK;

	if (conf == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "kafka: out of memory");
	rd_kafka_conf_set_log_cb(conf, on_log);
	/* Small requests back to back meet Nagle's algorithm and the peer's
	 * delayed ACK: about 40 ms per round trip. Latency matters more here. */
	st = kafka_conf_set(conf, "socket.nagle.disable", "true", err);
	/* After a broker restart, come back within a second rather than after
	 * librdkafka's default backoff of up to ten. */
	if (st == OS_OK)
		st = kafka_conf_set(conf, "reconnect.backoff.max.ms", "1000", err);
	if (st == OS_OK && bootstrap != NULL && bootstrap[0] != '\0')
		st = kafka_conf_set(conf, "bootstrap.servers", bootstrap, err);
	if (st != OS_OK)
		goto out;
	*out = conf;
	conf = NULL;
out:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	return st;
}
