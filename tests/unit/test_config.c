/* Configuration loading (DESIGN §9): the original service's names and forms
 * (postgresql+asyncpg:// URLs, POSTGRES_* parts, KAFKA_BOOTSTRAP,
 * KAFKA_TOPIC, DB_POOL_SIZE, TIMEOUT_READ / MAX_RETRY / MAX_DELAY), the
 * webhook settings, and the report of settings that look like ours but are
 * not read. Each test starts from an environment without any of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "infrastructure/config/config.h"

extern char **environ;

static const char *const prefixes[] = {"ORDER_", "KAFKA_", "DB_", "POSTGRES_", "DATABASE_URL",
				       "TIMEOUT_READ", "MAX_", "WEBHOOK_", "INGRESS_",
				       "PAYMENTS_", "ENV_FILE", "CATALOG_", "APP_PORT"};

/* Removes every variable a test could be influenced by. */
static int clean_env(void **state)
{
	char name[256];
	size_t i;
	char **e;
	bool again = true;

	(void)state;
	while (again) {
		again = false;
		for (e = environ; e != NULL && *e != NULL; e++) {
			const char *eq = strchr(*e, '=');
			size_t len = eq ? (size_t)(eq - *e) : strlen(*e);

			for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
				if (strncmp(*e, prefixes[i], strlen(prefixes[i])) != 0 ||
				    len >= sizeof(name))
					continue;
				memcpy(name, *e, len);
				name[len] = '\0';
				unsetenv(name);
				again = true; /* environ changed under us */
				break;
			}
			if (again)
				break;
		}
	}
	return 0;
}

static void load_ok(struct config *c)
{
	struct os_error err;

	os_error_clear(&err);
	if (config_load(c, "/nonexistent/.env", &err) != OS_OK)
		fail_msg("config_load: %s", err.message);
}

static enum os_status load_err(struct os_error *err)
{
	struct config c;

	os_error_clear(err);
	return config_load(&c, "/nonexistent/.env", err);
}

static void test_sqlalchemy_url(void **state)
{
	struct config c;

	(void)state;
	setenv("DATABASE_URL", "postgresql+asyncpg://app:secret@db:5432/orders", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "postgresql://app:secret@db:5432/orders");
	setenv("DATABASE_URL", "postgres+psycopg2://db/orders?sslmode=disable", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "postgres://db/orders?sslmode=disable");
	/* A '+' after the scheme (in a password) is left alone. */
	setenv("DATABASE_URL", "postgresql://u:a+b@db/orders", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "postgresql://u:a+b@db/orders");
}

/* The catalog cache lives long only where the create checks prices. */
static void test_catalog_cache_default(void **state)
{
	struct config c;

	(void)state;
	load_ok(&c);
	assert_int_equal(c.catalog_cache_ms, CONFIG_CATALOG_CACHE_MS_LOCAL);
	setenv("CATALOG_SERVICE_API_URL", "http://catalog:8080/items", 1);
	load_ok(&c);
	assert_int_equal(c.catalog_cache_ms, CONFIG_CATALOG_CACHE_MS_REMOTE);
	assert_true(CONFIG_CATALOG_CACHE_MS_REMOTE < CONFIG_CATALOG_CACHE_MS_LOCAL);
	setenv("CATALOG_CACHE_MS", "0", 1);
	load_ok(&c);
	assert_int_equal(c.catalog_cache_ms, 0);
	unsetenv("CATALOG_SERVICE_API_URL");
	setenv("CATALOG_CACHE_MS", "250", 1);
	load_ok(&c);
	assert_int_equal(c.catalog_cache_ms, 250);
}

static void test_connection_string_alias(void **state)
{
	struct config c;

	(void)state;
	setenv("POSTGRES_CONNECTION_STRING", "postgresql+asyncpg://h/alias", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "postgresql://h/alias");
	setenv("DATABASE_URL", "postgresql://h/main", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "postgresql://h/main");
}

static void test_postgres_parts(void **state)
{
	struct config c;
	struct os_error err;
	char big[600];

	(void)state;
	setenv("POSTGRES_HOST", "db.local", 1);
	setenv("POSTGRES_PORT", "6543", 1);
	setenv("POSTGRES_DB", "orders", 1);
	setenv("POSTGRES_USER", "app", 1);
	setenv("POSTGRES_PASSWORD", "it's \\ secret", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "host='db.local' port='6543' dbname='orders' "
					    "user='app' password='it\\'s \\\\ secret'");
	/* A URL wins over the parts. */
	setenv("DATABASE_URL", "postgresql://x/y", 1);
	load_ok(&c);
	assert_string_equal(c.database_url, "postgresql://x/y");
	unsetenv("DATABASE_URL");
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setenv("POSTGRES_PASSWORD", big, 1);
	assert_int_equal(load_err(&err), OS_EINVAL);
	assert_non_null(strstr(err.message, "POSTGRES_PASSWORD"));
	assert_null(strstr(err.message, "pppp"));
}

static void test_kafka_aliases(void **state)
{
	struct config c;
	struct os_error err;

	(void)state;
	setenv("KAFKA_BOOTSTRAP", "k1:9092", 1);
	setenv("KAFKA_TOPIC", "shipping-events", 1);
	load_ok(&c);
	assert_string_equal(c.kafka_bootstrap, "k1:9092");
	assert_string_equal(c.topic_shipping_events, "shipping-events");
	assert_string_equal(c.topic_order_events, "order.events");
	setenv("KAFKA_BOOTSTRAP_SERVERS", "k2:9092", 1);
	setenv("KAFKA_TOPIC_SHIPPING_EVENTS", "ship.events", 1);
	load_ok(&c);
	assert_string_equal(c.kafka_bootstrap, "k2:9092");
	assert_string_equal(c.topic_shipping_events, "ship.events");
	setenv("KAFKA_TOPIC_ORDER_EVENTS", "webhook", 1);
	assert_int_equal(load_err(&err), OS_EINVAL);
	assert_non_null(strstr(err.message, "KAFKA_TOPIC_ORDER_EVENTS"));
}

static void test_numbers_of_the_original(void **state)
{
	struct config c;
	struct os_error err;

	(void)state;
	load_ok(&c);
	assert_int_equal(c.db_pool_size, 16);
	setenv("DB_POOL_SIZE", "20", 1);
	setenv("TIMEOUT_READ", "2.5", 1);
	setenv("MAX_RETRY", "7", 1);
	setenv("MAX_DELAY", "30", 1);
	load_ok(&c);
	assert_int_equal(c.db_pool_size, 20);
	assert_int_equal(c.timeout_read_ms, 2500);
	assert_int_equal(c.max_retry, 7);
	assert_int_equal(c.max_delay_ms, 30000);
	setenv("DB_POOL_SIZE", "0", 1);
	assert_int_equal(load_err(&err), OS_EINVAL);
	assert_non_null(strstr(err.message, "DB_POOL_SIZE"));
	setenv("DB_POOL_SIZE", "ten", 1);
	assert_int_equal(load_err(&err), OS_EINVAL);
}

static void test_webhook_settings(void **state)
{
	struct config c;
	struct os_error err;

	(void)state;
	load_ok(&c);
	assert_string_equal(c.webhook_url, "");
	assert_string_equal(c.ingress_secret, "");
	setenv("INGRESS_WEBHOOK_SECRET", "in", 1);
	setenv("WEBHOOK_OUTGOING_URL", "http://127.0.0.1:9/hook", 1);
	setenv("PAYMENTS_CALLBACK_SECRET", "cb", 1);
	load_ok(&c);
	assert_string_equal(c.ingress_secret, "in");
	assert_string_equal(c.webhook_url, "http://127.0.0.1:9/hook");
	assert_string_equal(c.webhook_secret, "cb"); /* signed like the callbacks */
	setenv("WEBHOOK_OUTGOING_SECRET", "out", 1);
	load_ok(&c);
	assert_string_equal(c.webhook_secret, "out");
	setenv("WEBHOOK_OUTGOING_URL", "ftp://x", 1);
	assert_int_equal(load_err(&err), OS_EINVAL);
	assert_non_null(strstr(err.message, "WEBHOOK_OUTGOING_URL"));
}

/* The entry for name in rep, or NULL. */
static const char *reported(const struct config_report *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->count; i++)
		if (strcmp(rep->entries[i].name, name) == 0)
			return rep->entries[i].why;
	return NULL;
}

static void test_report_ignored(void **state)
{
	struct config_report rep;
	struct config c;
	size_t i;

	(void)state;
	setenv("DATABASE_URL", "postgresql://h/db", 1);
	setenv("POSTGRES_HOST", "h", 1);
	setenv("POSTGRES_PASSWORD", "hunter2", 1);
	setenv("ORDER_FLAVOUR", "sweet-value", 1);
	setenv("KAFKA_GROUP", "g-value", 1);
	setenv("DB_ECHO", "true-value", 1);
	setenv("KAFKA_TOPIC", "shipping-events", 1);
	setenv("DB_POOL_SIZE", "5", 1);
	char secret[] = "/tmp/test_config_secret.XXXXXX";
	int fd = mkstemp(secret);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\n", 7), 7);
	close(fd);
	setenv("KAFKA_SASL_PASSWORD_FILE", secret, 1);
	setenv("KAFKA_SASL_USERNAME", "order-service", 1);
	setenv("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext", 1);
	setenv("ORDER_EMPTY", "", 1);
	load_ok(&c);
	unlink(secret);
	config_report_ignored(&rep);
	assert_non_null(reported(&rep, "ORDER_FLAVOUR"));
	assert_non_null(reported(&rep, "KAFKA_GROUP"));
	assert_non_null(reported(&rep, "DB_ECHO"));
	assert_non_null(strstr(reported(&rep, "POSTGRES_HOST"), "URL"));
	assert_non_null(reported(&rep, "POSTGRES_PASSWORD"));
	/* Read: not reported. */
	assert_null(reported(&rep, "KAFKA_TOPIC"));
	assert_null(reported(&rep, "DB_POOL_SIZE"));
	assert_null(reported(&rep, "KAFKA_SASL_PASSWORD_FILE"));
	assert_null(reported(&rep, "DATABASE_URL"));
	assert_null(reported(&rep, "ORDER_EMPTY"));
	assert_int_equal(rep.count, 5);
	for (i = 0; i < rep.count; i++) {
		assert_null(strstr(rep.entries[i].why, "value"));
		assert_null(strstr(rep.entries[i].why, "hunter2"));
	}
	setenv("KAFKA_TOPIC_SHIPPING_EVENTS", "ship", 1);
	config_report_ignored(&rep);
	assert_non_null(reported(&rep, "KAFKA_TOPIC"));
}

/* The original service's .env file, as it was, starts this service. */
static void test_original_dotenv(void **state)
{
	char path[] = "/tmp/test_config_envXXXXXX";
	struct config c;
	struct os_error err;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("# original service\n"
	      "DATABASE_URL=postgresql+asyncpg://postgres:postgres@localhost:5432/orders\n"
	      "POSTGRES_USER=postgres\nPOSTGRES_PASSWORD=postgres\nPOSTGRES_DB=orders\n"
	      "KAFKA_BOOTSTRAP=localhost:9092\nKAFKA_TOPIC=shipping-events\n"
	      "DB_POOL_SIZE=10\nTIMEOUT_READ=3\nMAX_RETRY=5\nMAX_DELAY=10\n",
	      f);
	fclose(f);
	os_error_clear(&err);
	if (config_load(&c, path, &err) != OS_OK)
		fail_msg("config_load: %s", err.message);
	unlink(path);
	assert_string_equal(c.database_url, "postgresql://postgres:postgres@localhost:5432/orders");
	assert_string_equal(c.kafka_bootstrap, "localhost:9092");
	assert_string_equal(c.topic_shipping_events, "shipping-events");
	assert_int_equal(c.db_pool_size, 10);
	assert_int_equal(c.timeout_read_ms, 3000);
	assert_int_equal(c.max_retry, 5);
	assert_int_equal(c.max_delay_ms, 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_sqlalchemy_url, clean_env),
	    cmocka_unit_test_setup(test_catalog_cache_default, clean_env),
	    cmocka_unit_test_setup(test_connection_string_alias, clean_env),
	    cmocka_unit_test_setup(test_postgres_parts, clean_env),
	    cmocka_unit_test_setup(test_kafka_aliases, clean_env),
	    cmocka_unit_test_setup(test_numbers_of_the_original, clean_env),
	    cmocka_unit_test_setup(test_webhook_settings, clean_env),
	    cmocka_unit_test_setup(test_report_ignored, clean_env),
	    cmocka_unit_test_setup(test_original_dotenv, clean_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
