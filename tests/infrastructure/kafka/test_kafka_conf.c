/* The librdkafka configuration every handle starts from, and the setters
 * that report a refused property without quoting a secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/kafka/kafka_conf.h"
#include "tests/support/test_main.h"

/* conf's value of key, or "" when unset. */
static const char *get(rd_kafka_conf_t *conf, const char *key)
{
	static char v[512];
	size_t n = sizeof(v);

	if (rd_kafka_conf_get(conf, key, v, &n) != RD_KAFKA_CONF_OK)
		v[0] = '\0';
	return v;
}

static void test_new(void **state)
{
	rd_kafka_conf_t *conf = NULL;
	struct os_error err;

	(void)state;
	assert_int_equal(kafka_conf_new("h1:9092,h2:9092", &conf, &err), OS_OK);
	assert_string_equal(get(conf, "bootstrap.servers"), "h1:9092,h2:9092");
	assert_string_equal(get(conf, "socket.nagle.disable"), "true");
	assert_string_equal(get(conf, "reconnect.backoff.max.ms"), "1000");
	rd_kafka_conf_destroy(conf);
	conf = NULL;
	assert_int_equal(kafka_conf_new("", &conf, &err), OS_OK);
	assert_string_equal(get(conf, "bootstrap.servers"), "");
	rd_kafka_conf_destroy(conf);
}

static void test_set(void **state)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	struct os_error err;

	(void)state;
	assert_int_equal(kafka_conf_set_int(conf, "linger.ms", 25, &err), OS_OK);
	assert_string_equal(get(conf, "linger.ms"), "25");
	os_error_clear(&err);
	assert_int_equal(kafka_conf_set(conf, "linger.ms", "soon", &err), OS_EINVAL);
	assert_string_equal(err.field, "linger.ms");
	assert_non_null(strstr(err.message, "kafka linger.ms: "));
	assert_true(strlen(err.message) > strlen("kafka linger.ms: ")); /* librdkafka's reason */
	assert_string_equal(get(conf, "linger.ms"), "25");
	os_error_clear(&err);
	assert_int_equal(kafka_conf_set(conf, "no.such.property", "1", &err), OS_EINVAL);
	assert_string_equal(err.field, "no.such.property");
	rd_kafka_conf_destroy(conf);
}

/* A refused secret property says no more than that: librdkafka's reason
 * may quote the value. */
static void test_secret_refusal_quotes_nothing(void **state)
{
	static const char *const keys[] = {"sasl.passwordz", "client.secret.x", "my.jaas.config",
					   "ssl.key.pem.x", "sasl.oauthbearer.config.x"};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	struct os_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		os_error_clear(&err);
		assert_int_equal(kafka_conf_set(conf, keys[i], "hunter2", &err), OS_EINVAL);
		assert_null(strstr(err.message, "hunter2"));
		assert_non_null(strstr(err.message, "value refused"));
	}
	rd_kafka_conf_destroy(conf);
}

/* No security settings: nothing is applied. */
static void test_apply_nothing(void **state)
{
	struct kafka_security sec;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	struct os_error err;

	(void)state;
	memset(&sec, 0, sizeof(sec));
	assert_int_equal(kafka_conf_apply_security(conf, &sec, &err), OS_OK);
	assert_int_equal(kafka_conf_apply_security(conf, NULL, &err), OS_OK);
	assert_string_equal(get(conf, "security.protocol"), "plaintext");
	rd_kafka_conf_destroy(conf);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_new),
    cmocka_unit_test(test_set),
    cmocka_unit_test(test_secret_refusal_quotes_nothing),
    cmocka_unit_test(test_apply_nothing),
};

TEST_MAIN(tests, NULL, NULL);
