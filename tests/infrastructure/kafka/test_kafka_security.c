/*
 * Kafka security settings (DESIGN §9): the variables as read and checked at
 * start, and what kafka_conf_apply_security puts on a real librdkafka
 * configuration: protocol, mechanism, credentials, CA, then the properties
 * file, which wins. No error message may carry the password or a line of
 * the properties file. (The clients logging in to a broker that requires
 * SASL is tests/e2e/test_kafka_real_sasl.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "infrastructure/config/config.h"
#include "infrastructure/kafka/kafka_conf.h"
#include "infrastructure/kafka/kafka_security.h"
#include "tests/support/test_main.h"

#define SECRET "s3cret-Pa55word"

static const char *const vars[] = {"KAFKA_SECURITY_PROTOCOL",  "KAFKA_SASL_MECHANISM",
				   "KAFKA_SASL_USERNAME",      "KAFKA_SASL_PASSWORD",
				   "KAFKA_SASL_PASSWORD_FILE", "KAFKA_SSL_CA_LOCATION",
				   "KAFKA_PROPERTIES_FILE"};
static char dir[64];

static int setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	snprintf(dir, sizeof(dir), "/tmp/kafka-security-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to <dir>/name; returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void get(rd_kafka_conf_t *conf, const char *key, char *out, size_t cap)
{
	size_t size = cap;

	assert_int_equal(rd_kafka_conf_get(conf, key, out, &size), RD_KAFKA_CONF_OK);
}

static void assert_prop(rd_kafka_conf_t *conf, const char *key, const char *want)
{
	char got[512];

	get(conf, key, got, sizeof(got));
	assert_string_equal(got, want);
}

/* Loads the environment into sec, which must succeed. */
static void load_env(struct kafka_security *sec)
{
	struct os_error err;

	os_error_clear(&err);
	assert_int_equal(kafka_security_from_env(sec, &err), OS_OK);
}

/* A client configuration for a local broker; the caller destroys it. */
static rd_kafka_conf_t *new_conf(void)
{
	rd_kafka_conf_t *conf = NULL;
	struct os_error err;

	assert_int_equal(kafka_conf_new("127.0.0.1:9092", &conf, &err), OS_OK);
	return conf;
}

/* new_conf with sec applied, which must succeed. */
static rd_kafka_conf_t *conf_with(const struct kafka_security *sec)
{
	rd_kafka_conf_t *conf = new_conf();
	struct os_error err;

	assert_int_equal(kafka_conf_apply_security(conf, sec, &err), OS_OK);
	return conf;
}

/* Loads the environment, expecting a failure that names var and holds no secret. */
static void expect_refused(const char *var)
{
	struct kafka_security sec;
	struct os_error err;

	os_error_clear(&err);
	assert_int_equal(kafka_security_from_env(&sec, &err), OS_EINVAL);
	assert_non_null(strstr(err.message, var));
	assert_null(strstr(err.message, SECRET));
}

/* The SASL environment: protocol, mechanism (unset when NULL), user and the
 * password (unset when NULL). */
static void sasl_env(const char *protocol, const char *mechanism, const char *user,
		     const char *password)
{
	setenv("KAFKA_SECURITY_PROTOCOL", protocol, 1);
	if (mechanism != NULL)
		setenv("KAFKA_SASL_MECHANISM", mechanism, 1);
	else
		unsetenv("KAFKA_SASL_MECHANISM");
	setenv("KAFKA_SASL_USERNAME", user, 1);
	if (password != NULL)
		setenv("KAFKA_SASL_PASSWORD", password, 1);
	else
		unsetenv("KAFKA_SASL_PASSWORD");
}

/* Sets var to value and expects the load to refuse it, naming var. */
static void refused_value(const char *var, const char *value)
{
	setenv(var, value, 1);
	expect_refused(var);
}

static void test_nothing_set_changes_nothing(void **state)
{
	struct kafka_security sec;
	rd_kafka_conf_t *conf;
	struct os_error err;

	(void)state;
	load_env(&sec);
	assert_false(kafka_security_is_set(&sec));
	conf = conf_with(&sec);
	assert_int_equal(kafka_conf_apply_security(conf, NULL, &err), OS_OK);
	assert_prop(conf, "security.protocol", "plaintext");
	rd_kafka_conf_destroy(conf);
}

static void test_sasl_scram_mapped(void **state)
{
	struct kafka_security sec;
	rd_kafka_conf_t *conf;

	(void)state;
	sasl_env("sasl_ssl", "scram-sha-512", "orders", SECRET);
	setenv("KAFKA_SSL_CA_LOCATION", "/etc/ssl/certs", 1);
	load_env(&sec);
	assert_string_equal(sec.protocol, "SASL_SSL");
	assert_string_equal(sec.sasl_mechanism, "SCRAM-SHA-512");
	conf = conf_with(&sec);
	assert_prop(conf, "security.protocol", "sasl_ssl");
	assert_prop(conf, "sasl.mechanisms", "SCRAM-SHA-512");
	assert_prop(conf, "sasl.username", "orders");
	assert_prop(conf, "ssl.ca.location", "/etc/ssl/certs");
	rd_kafka_conf_destroy(conf);
}

static void test_plain_is_the_default_mechanism(void **state)
{
	struct kafka_security sec;

	(void)state;
	sasl_env("SASL_PLAINTEXT", NULL, "orders", SECRET);
	load_env(&sec);
	assert_string_equal(sec.sasl_mechanism, "PLAIN");
}

static void test_password_file(void **state)
{
	struct kafka_security sec;

	(void)state;
	sasl_env("sasl_plaintext", NULL, "orders", NULL);
	setenv("KAFKA_SASL_PASSWORD_FILE", write_file("pw", SECRET "\n"), 1);
	load_env(&sec);
	assert_string_equal(sec.sasl_password, SECRET);
	setenv("KAFKA_SASL_PASSWORD", SECRET, 1);
	expect_refused("KAFKA_SASL_PASSWORD_FILE");
	unsetenv("KAFKA_SASL_PASSWORD");
	refused_value("KAFKA_SASL_PASSWORD_FILE", "/nonexistent/pw");
	refused_value("KAFKA_SASL_PASSWORD_FILE", write_file("empty", "\n"));
	/* One line: the rest of a file is not dropped silently. */
	refused_value("KAFKA_SASL_PASSWORD_FILE", write_file("two", SECRET "\nmore\n"));
}

static void test_bad_values_refused(void **state)
{
	(void)state;
	refused_value("KAFKA_SECURITY_PROTOCOL", "tls");
	setenv("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext", 1);
	refused_value("KAFKA_SASL_MECHANISM", "GSSAPI");
	unsetenv("KAFKA_SASL_MECHANISM");
	/* a SASL protocol needs both credentials */
	expect_refused("KAFKA_SASL_USERNAME");
	setenv("KAFKA_SASL_PASSWORD", SECRET, 1);
	expect_refused("KAFKA_SASL_USERNAME");
	/* credentials need a SASL protocol */
	setenv("KAFKA_SASL_USERNAME", "orders", 1);
	refused_value("KAFKA_SECURITY_PROTOCOL", "ssl");
	unsetenv("KAFKA_SECURITY_PROTOCOL");
	expect_refused("KAFKA_SECURITY_PROTOCOL");
}

static void test_properties_file_wins(void **state)
{
	struct kafka_security sec;
	rd_kafka_conf_t *conf;
	struct os_error err;
	const char *path = write_file("client.properties", "# librdkafka properties\n"
							   "\n"
							   "  security.protocol = SASL_PLAINTEXT\n"
							   "! another comment\n"
							   "sasl.mechanisms=SCRAM-SHA-256\n"
							   "sasl.username=from-file\n"
							   "sasl.password=" SECRET "=with=equals\n"
							   "client.id=orders-from-file\n");

	(void)state;
	sasl_env("sasl_plaintext", NULL, "from-env", SECRET);
	setenv("KAFKA_PROPERTIES_FILE", path, 1);
	load_env(&sec);
	conf = new_conf();
	assert_int_equal(kafka_conf_set(conf, "client.id", "before", &err), OS_OK);
	assert_int_equal(kafka_conf_apply_security(conf, &sec, &err), OS_OK);
	assert_prop(conf, "security.protocol", "sasl_plaintext");
	assert_prop(conf, "sasl.mechanisms", "SCRAM-SHA-256");
	assert_prop(conf, "sasl.username", "from-file");
	assert_prop(conf, "client.id", "orders-from-file");
	rd_kafka_conf_destroy(conf);

	/* The file alone may carry the SASL settings. */
	unsetenv("KAFKA_SECURITY_PROTOCOL");
	unsetenv("KAFKA_SASL_USERNAME");
	unsetenv("KAFKA_SASL_PASSWORD");
	load_env(&sec);
	assert_true(kafka_security_is_set(&sec));
}

static void test_bad_properties_file(void **state)
{
	struct kafka_security sec;
	rd_kafka_conf_t *conf;
	struct os_error err;
	char line[KAFKA_PROPERTIES_LINE_MAX + 16];

	(void)state;
	setenv("KAFKA_PROPERTIES_FILE",
	       write_file("bad", "# ok\nsasl.username=x\nsasl.password " SECRET "\n"), 1);
	expect_refused("KAFKA_PROPERTIES_FILE");
	os_error_clear(&err);
	kafka_security_from_env(&sec, &err);
	assert_non_null(strstr(err.message, ":3: expected key=value"));

	refused_value("KAFKA_PROPERTIES_FILE", write_file("nokey", " = " SECRET "\n"));
	refused_value("KAFKA_PROPERTIES_FILE", "/nonexistent/client.properties");
	memset(line, 'x', sizeof(line) - 2);
	line[0] = 'k';
	line[1] = '=';
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	refused_value("KAFKA_PROPERTIES_FILE", write_file("long", line));

	/* Syntax is checked at load; the keys when a client is configured. */
	setenv("KAFKA_PROPERTIES_FILE", write_file("unknown", "no.such.property=1\n"), 1);
	load_env(&sec);
	conf = new_conf();
	assert_int_equal(kafka_conf_apply_security(conf, &sec, &err), OS_EINVAL);
	assert_non_null(strstr(err.message, "KAFKA_PROPERTIES_FILE"));
	assert_non_null(strstr(err.message, "no.such.property"));
	rd_kafka_conf_destroy(conf);
}

/* A refused value of a secret property is not quoted back. */
static void test_secret_value_not_quoted(void **state)
{
	rd_kafka_conf_t *conf = NULL;
	struct os_error err;

	(void)state;
	assert_int_equal(kafka_conf_new(NULL, &conf, &err), OS_OK);
	assert_int_equal(kafka_conf_set(conf, "ssl.key.password.nonexistent", SECRET, &err),
			 OS_EINVAL);
	assert_null(strstr(err.message, SECRET));
	rd_kafka_conf_destroy(conf);
}

/* The service's configuration carries the settings and stops on a bad one. */
static void test_config_load(void **state)
{
	struct config cfg;
	struct os_error err;
	const char *no_env = write_file("no.env", "");

	(void)state;
	sasl_env("sasl_plaintext", "SCRAM-SHA-256", "orders", SECRET);
	assert_int_equal(config_load(&cfg, no_env, &err), OS_OK);
	assert_string_equal(cfg.kafka_security.protocol, "SASL_PLAINTEXT");
	assert_string_equal(cfg.kafka_security.sasl_username, "orders");
	setenv("KAFKA_SECURITY_PROTOCOL", "bogus", 1);
	os_error_clear(&err);
	assert_int_equal(config_load(&cfg, no_env, &err), OS_EINVAL);
	assert_non_null(strstr(err.message, "KAFKA_SECURITY_PROTOCOL"));
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    TEST(test_nothing_set_changes_nothing),
    TEST(test_sasl_scram_mapped),
    TEST(test_plain_is_the_default_mechanism),
    TEST(test_password_file),
    TEST(test_bad_values_refused),
    TEST(test_properties_file_wins),
    TEST(test_bad_properties_file),
    TEST(test_secret_value_not_quoted),
    TEST(test_config_load),
};

TEST_MAIN(tests, NULL, NULL);
