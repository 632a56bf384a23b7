/*
 * Common librdkafka configuration. librdkafka logs from its own threads; the
 * project log is thread-safe and writes one line per call, so the callback
 * forwards each line as is.
 */
#include "infrastructure/kafka/kafka_conf.h"

#include <stdio.h>
#include <string.h>

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

/* Properties whose value must not reach a log line or an error. */
static int secret_key(const char *key)
{
	return strstr(key, "password") != NULL || strstr(key, "secret") != NULL ||
	       strstr(key, "jaas") != NULL || strstr(key, ".key") != NULL ||
	       strstr(key, "oauthbearer.config") != NULL;
}

enum os_status kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
			      struct os_error *err)
{
	char why[256];

	if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return OS_OK;
	if (secret_key(key))
		return os_fail(err, OS_EINVAL, key, "kafka %s: value refused", key);
	return os_fail(err, OS_EINVAL, key, "kafka %s: %s", key, why);
}

struct file_ctx {
	rd_kafka_conf_t *conf;
	const char *path;
};

static enum os_status set_from_file(void *arg, const char *key, const char *value,
				    struct os_error *err)
{
	struct file_ctx *c = arg;
	enum os_status st = kafka_conf_set(c->conf, key, value, err);

	if (st != OS_OK && err != NULL) {
		char why[OS_ERROR_MESSAGE_MAX];

		snprintf(why, sizeof(why), "%s", err->message);
		os_fail(err, st, "KAFKA_PROPERTIES_FILE", "KAFKA_PROPERTIES_FILE: %.120s: %s",
			c->path, why);
	}
	return st;
}

/* One setting from a variable, when given; a refusal names the variable. */
static enum os_status set_var(rd_kafka_conf_t *conf, const char *key, const char *value,
			      const char *var, struct os_error *err)
{
	enum os_status st;

	if (value[0] == '\0')
		return OS_OK;
	st = kafka_conf_set(conf, key, value, err);
	if (st != OS_OK && err != NULL) {
		char why[OS_ERROR_MESSAGE_MAX];

		snprintf(why, sizeof(why), "%s", err->message);
		os_fail(err, st, var, "%s: %s", var, why);
	}
	return st;
}

enum os_status kafka_conf_apply_security(rd_kafka_conf_t *conf, const struct kafka_security *sec,
					 struct os_error *err)
{
	struct file_ctx fc = {.conf = conf, .path = NULL};
	enum os_status st;

	if (!kafka_security_is_set(sec))
		return OS_OK;
	if ((st = set_var(conf, "security.protocol", sec->protocol, "KAFKA_SECURITY_PROTOCOL",
			  err)) ||
	    (st = set_var(conf, "sasl.mechanisms", sec->sasl_mechanism, "KAFKA_SASL_MECHANISM",
			  err)) ||
	    (st = set_var(conf, "sasl.username", sec->sasl_username, "KAFKA_SASL_USERNAME", err)) ||
	    (st = set_var(conf, "sasl.password", sec->sasl_password, "KAFKA_SASL_PASSWORD", err)) ||
	    (st = set_var(conf, "ssl.ca.location", sec->ssl_ca_location, "KAFKA_SSL_CA_LOCATION",
			  err)))
		return st;
	if (sec->properties_file[0] == '\0')
		return OS_OK;
	fc.path = sec->properties_file;
	return kafka_properties_read(sec->properties_file, set_from_file, &fc, err);
}

enum os_status kafka_conf_set_int(rd_kafka_conf_t *conf, const char *key, long value,
				  struct os_error *err)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", value);
	return kafka_conf_set(conf, key, text, err);
}

enum os_status kafka_conf_new(const char *bootstrap, rd_kafka_conf_t **out, struct os_error *err)
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
