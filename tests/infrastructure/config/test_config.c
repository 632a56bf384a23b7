/* The settings of infrastructure/config/config.c: the defaults, the .env
 * file (syntax, ENV_FILE, the environment winning), every kind of value and
 * its bounds (numbers, seconds, switches, log settings, currency, URLs,
 * topics), secrets from <NAME>_FILE, the original service's names and forms
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "infrastructure/config/config.h"
#include "tests/support/test_main.h"

extern char **environ;

/* Every name config.c reads starts with one of these. */
static const char *const prefixes[] = {
    "ORDER_",
    "KAFKA_",
    "DB_",
    "POSTGRES_",
    "DATABASE_URL",
    "TIMEOUT_READ",
    "MAX_",
    "WEBHOOK_",
    "INGRESS_",
    "PAYMENTS_",
    "ENV_FILE",
    "CATALOG_",
    "APP_PORT",
    "API_",
    "LOG_",
    "AUTH_",
    "JWT_",
    "RATE_LIMIT_",
    "OUTBOX_",
    "REQUEST_TIMEOUT_",
    "STATEMENT_",
    "INBOX_",
    "NOTIFICATIONS_",
    "CAPASHINO_",
    "WORKER_",
    "METRICS_",
    "ADMIN_",
};

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

static struct config cfg;     /* what the last load gave */
static struct os_error error; /* why the last load failed */

/* Loads with the .env file at path; fails the test on an error. */
static const struct config *load_from(const char *path)
{
	os_error_clear(&error);
	if (config_load(&cfg, path, &error) != OS_OK)
		fail_msg("config_load: %s", error.message);
	return &cfg;
}

/* Loads without a .env file. */
static const struct config *load(void)
{
	return load_from("/nonexistent/.env");
}

/* Sets name to value, then loads. */
static const struct config *with(const char *name, const char *value)
{
	setenv(name, value, 1);
	return load();
}

/* Sets name to value and expects the load to refuse it, saying so in a
 * message that names name; unsets name again and returns the message. */
static const char *refused(const char *name, const char *value)
{
	struct config c;

	setenv(name, value, 1);
	os_error_clear(&error);
	assert_int_equal(config_load(&c, "/nonexistent/.env", &error), OS_EINVAL);
	if (strstr(error.message, name) == NULL)
		fail_msg("%s=%s: the error does not name it: %s", name, value, error.message);
	unsetenv(name);
	return error.message;
}

/* A setting and the database URL the load then gives. */
struct url_case {
	const char *name;
	const char *value;
	const char *want;
};

/* Sets each case's setting in turn (the earlier ones stay set) and checks
 * the database URL of the load after each. */
static void check_database_urls(const struct url_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *got = with(cases[i].name, cases[i].value)->database_url;

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: %s=%s gives \"%s\", want \"%s\"", i, cases[i].name,
				 cases[i].value, got, cases[i].want);
	}
}

/* Writes text to a new temporary file, whose name goes to path. */
static void temp_file(char path[32], const char *text)
{
	int fd;

	snprintf(path, 32, "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_defaults(void **state)
{
	const struct config *c = load();

	(void)state;
	assert_string_equal(c->database_url, "");
	assert_string_equal(c->kafka_bootstrap, "");
	assert_int_equal(c->app_port, 8000);
	assert_true(c->api_threads >= 2);
	assert_int_equal(c->catalog_cache_ms, CONFIG_CATALOG_CACHE_MS_LOCAL);
	assert_string_equal(c->catalog_url, ""); /* local inventory */
	assert_int_equal(c->log_level, LOG_INFO);
	assert_true(c->log_json);
	assert_int_equal(c->outbox_batch_size, 1000);
	assert_int_equal(c->outbox_poll_ms, 1000);
	assert_int_equal(c->outbox_retention_s, 86400);
	assert_string_equal(c->topic_order_events, "order.events");
	assert_string_equal(c->topic_shipping_requests, "shipping.requests");
	assert_string_equal(c->topic_shipping_events, "shipping.events");
	assert_string_equal(c->kafka_group_id, "order-service-shipping");
	assert_int_equal(c->kafka_session_timeout_ms, 6000);
	assert_int_equal(c->max_body_bytes, 65536);
	assert_int_equal(c->order_stale_after_s, 900);
	assert_string_equal(c->currency, "RUB");
	assert_int_equal(c->inbox_max_attempts, 50);
	assert_int_equal(c->inbox_retention_s, 604800);
	assert_int_equal(c->worker_metrics_port, 0);
	assert_string_equal(c->admin_host, "127.0.0.1");
	assert_int_equal(c->admin_port, 8001);
	assert_false(c->auth_off);
	assert_int_equal(c->rate_limit_per_minute, 6000);
	assert_int_equal(c->rate_limit_burst, 600);
	assert_false(c->callback_allow_unsigned);
	assert_int_equal(c->request_timeout_ms, 5000);
	assert_int_equal(c->statement_timeout_ms, 5000);
}

/* Comments, blank lines, "export ", spaces, quotes and CRLF; a variable of
 * the environment wins over the file; a line without '=' is refused by
 * number; ENV_FILE names the file when the caller does not. */
static void test_dotenv_file(void **state)
{
	char path[32], bad[32];
	const struct config *c;

	(void)state;
	temp_file(path, "# settings\n\n  export APP_PORT = 8100 \nORDER_CURRENCY=\"EUR\"\n"
			"JWT_ISSUER='issuer one'\r\nLOG_FORMAT=text\nMAX_RETRY=3\n");
	setenv("MAX_RETRY", "4", 1);
	c = load_from(path);
	assert_int_equal(c->app_port, 8100);
	assert_string_equal(c->currency, "EUR");
	assert_string_equal(c->jwt_issuer, "issuer one");
	assert_false(c->log_json);
	assert_int_equal(c->max_retry, 4);
	clean_env(NULL);
	setenv("ENV_FILE", path, 1);
	c = load_from(NULL);
	assert_int_equal(c->app_port, 8100);
	unlink(path);
	temp_file(bad, "APP_PORT=1\nnot a setting\n");
	os_error_clear(&error);
	assert_int_equal(config_load(&cfg, bad, &error), OS_EINVAL);
	unlink(bad);
	assert_non_null(strstr(error.message, ":2: expected KEY=VALUE"));
}

/* config_load of path must be refused, its message containing want. */
static void refused_file(const char *path, const char *want)
{
	os_error_clear(&error);
	assert_int_equal(config_load(&cfg, path, &error), OS_EINVAL);
	if (strstr(error.message, want) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", path, error.message, want);
}

/* A .env file is read whole and refused, not cut: a line of 4096 bytes or
 * more (read in pieces, the tail of a long comment had become a setting), a
 * NUL byte, and anything but a regular file (a fifo had hung the start). */
static void test_dotenv_file_bounds(void **state)
{
	char path[32], dir[] = "/tmp/test_config.d.XXXXXX", fifo[64];
	char *long_line = malloc(4095 + 64);
	int fd;

	(void)state;
	assert_non_null(long_line);
	/* a comment whose last 37 bytes would have been the second piece */
	memset(long_line, 'x', 4095);
	long_line[0] = '#';
	snprintf(long_line + 4095, 64, "PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true\n");
	temp_file(path, long_line);
	free(long_line);
	refused_file(path, ":1: longer than 4095 bytes");
	assert_null(getenv("PAYMENTS_CALLBACK_ALLOW_UNSIGNED"));
	unlink(path);
	snprintf(path, sizeof(path), "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "APP_PORT=1\0\n", 12), 12);
	close(fd);
	refused_file(path, "NUL");
	unlink(path);
	assert_non_null(mkdtemp(dir));
	refused_file(dir, dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	refused_file(fifo, fifo);
	unlink(fifo);
	rmdir(dir);
}

/* Integers and seconds within their bounds, nothing after the digits; an
 * empty value is no value. */
static void test_number_bounds(void **state)
{
	(void)state;
	assert_int_equal(with("APP_PORT", "65535")->app_port, 65535);
	refused("APP_PORT", "0");
	refused("APP_PORT", "65536");
	refused("APP_PORT", "80x");
	refused("APP_PORT", "80 ");
	refused("APP_PORT", " 80"); /* strtol took these two */
	refused("APP_PORT", "+80");
	refused("APP_PORT", "99999999999999999999");
	assert_int_equal(with("APP_PORT", "")->app_port, 8000); /* empty: not set */
	assert_int_equal(with("REQUEST_TIMEOUT_MS", "100")->request_timeout_ms, 100);
	refused("REQUEST_TIMEOUT_MS", "99");
	assert_int_equal(with("STATEMENT_TIMEOUT_MS", "0")->statement_timeout_ms, 0);
	assert_int_equal(with("RATE_LIMIT_PER_MINUTE", "0")->rate_limit_per_minute, 0);
	refused("RATE_LIMIT_BURST", "0");
	assert_int_equal(with("TIMEOUT_READ", "0.25")->timeout_read_ms, 250);
	refused("TIMEOUT_READ", "0.001");
	refused("TIMEOUT_READ", "1e3");
	refused("MAX_DELAY", "-1");
}

static void test_logging(void **state)
{
	(void)state;
	assert_int_equal(with("LOG_LEVEL", "debug")->log_level, LOG_DEBUG);
	assert_int_equal(with("LOG_LEVEL", "WARNING")->log_level, LOG_WARN);
	assert_false(with("LOG_FORMAT", "TEXT")->log_json);
	assert_true(with("LOG_FORMAT", "json")->log_json);
	refused("LOG_LEVEL", "loud");
	refused("LOG_FORMAT", "xml");
}

static void test_currency_urls_topics(void **state)
{
	(void)state;
	assert_string_equal(with("ORDER_CURRENCY", "EUR")->currency, "EUR");
	refused("ORDER_CURRENCY", "eur");
	refused("ORDER_CURRENCY", "EURO");
	refused("ORDER_CURRENCY", "E1R");
	assert_string_equal(with("CATALOG_SERVICE_API_URL", "https://catalog/api")->catalog_url,
			    "https://catalog/api");
	refused("CATALOG_SERVICE_API_URL", "catalog:8080");
	refused("PAYMENTS_SERVICE_API_URL", "ftp://payments");
	refused("NOTIFICATIONS_SERVICE_API_URL", "//notifications");
	assert_string_equal(
	    with("KAFKA_TOPIC_SHIPPING_REQUESTS", "ship_Req-1.v2")->topic_shipping_requests,
	    "ship_Req-1.v2");
	refused("KAFKA_TOPIC_SHIPPING_REQUESTS", "a topic");
	refused("KAFKA_TOPIC_SHIPPING_EVENTS", "payments");
	refused("KAFKA_TOPIC_ORDER_EVENTS", "notifications");
}

/* AUTH_MODE on|off and PAYMENTS_CALLBACK_ALLOW_UNSIGNED true|false (or 1|0). */
static void test_switches(void **state)
{
	(void)state;
	assert_true(with("AUTH_MODE", "off")->auth_off);
	assert_false(with("AUTH_MODE", "ON")->auth_off);
	refused("AUTH_MODE", "maybe");
	assert_true(with("PAYMENTS_CALLBACK_ALLOW_UNSIGNED", "1")->callback_allow_unsigned);
	assert_false(with("PAYMENTS_CALLBACK_ALLOW_UNSIGNED", "False")->callback_allow_unsigned);
	refused("PAYMENTS_CALLBACK_ALLOW_UNSIGNED", "yes");
}

/* <NAME>_FILE: one line, the white space after it dropped; not beside
 * NAME itself; an unreadable file is refused. */
static void test_secret_files(void **state)
{
	char path[32];

	(void)state;
	temp_file(path, "k3y \r\n");
	assert_string_equal(with("JWT_SECRET_FILE", path)->jwt_secret, "k3y");
	setenv("JWT_SECRET", "other", 1);
	assert_non_null(strstr(refused("JWT_SECRET_FILE", path), "not both"));
	unlink(path);
	unsetenv("JWT_SECRET");
	/* One line: a second one, or none at all, is refused. */
	temp_file(path, "k3y\nk4y\n");
	assert_null(strstr(refused("JWT_SECRET_FILE", path), "k3y"));
	unlink(path);
	temp_file(path, " \n");
	refused("JWT_SECRET_FILE", path);
	unlink(path);
	assert_null(strstr(refused("POSTGRES_PASSWORD_FILE", "/nonexistent/secret"), "k3y"));
}

static void test_sqlalchemy_url(void **state)
{
	static const struct url_case cases[] = {
	    {"DATABASE_URL", "postgresql+asyncpg://app:secret@db:5432/orders",
	     "postgresql://app:secret@db:5432/orders"},
	    {"DATABASE_URL", "postgres+psycopg2://db/orders?sslmode=disable",
	     "postgres://db/orders?sslmode=disable"},
	    /* A '+' after the scheme (in a password) is left alone. */
	    {"DATABASE_URL", "postgresql://u:a+b@db/orders", "postgresql://u:a+b@db/orders"},
	};

	(void)state;
	check_database_urls(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The catalog cache lives long only where the create checks prices. */
static void test_catalog_cache_default(void **state)
{
	(void)state;
	assert_int_equal(load()->catalog_cache_ms, CONFIG_CATALOG_CACHE_MS_LOCAL);
	assert_int_equal(
	    with("CATALOG_SERVICE_API_URL", "http://catalog:8080/items")->catalog_cache_ms,
	    CONFIG_CATALOG_CACHE_MS_REMOTE);
	assert_true(CONFIG_CATALOG_CACHE_MS_REMOTE < CONFIG_CATALOG_CACHE_MS_LOCAL);
	assert_int_equal(with("CATALOG_CACHE_MS", "0")->catalog_cache_ms, 0);
	unsetenv("CATALOG_SERVICE_API_URL");
	assert_int_equal(with("CATALOG_CACHE_MS", "250")->catalog_cache_ms, 250);
}

/* The alias is read, and DATABASE_URL wins over it. */
static void test_connection_string_alias(void **state)
{
	static const struct url_case cases[] = {
	    {"POSTGRES_CONNECTION_STRING", "postgresql+asyncpg://h/alias", "postgresql://h/alias"},
	    {"DATABASE_URL", "postgresql://h/main", "postgresql://h/main"},
	};

	(void)state;
	check_database_urls(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_postgres_parts(void **state)
{
	static const struct url_case parts_then_url[] = {
	    {"POSTGRES_PASSWORD", "it's \\ secret",
	     "host='db.local' port='6543' dbname='orders' "
	     "user='app' password='it\\'s \\\\ secret'"},
	    /* A URL wins over the parts. */
	    {"DATABASE_URL", "postgresql://x/y", "postgresql://x/y"},
	};
	char big[600];

	(void)state;
	setenv("POSTGRES_HOST", "db.local", 1);
	setenv("POSTGRES_PORT", "6543", 1);
	setenv("POSTGRES_DB", "orders", 1);
	setenv("POSTGRES_USER", "app", 1);
	check_database_urls(parts_then_url, sizeof(parts_then_url) / sizeof(parts_then_url[0]));
	unsetenv("DATABASE_URL");
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_null(strstr(refused("POSTGRES_PASSWORD", big), "pppp"));
}

static void test_kafka_aliases(void **state)
{
	const struct config *c;

	(void)state;
	setenv("KAFKA_BOOTSTRAP", "k1:9092", 1);
	c = with("KAFKA_TOPIC", "shipping-events");
	assert_string_equal(c->kafka_bootstrap, "k1:9092");
	assert_string_equal(c->topic_shipping_events, "shipping-events");
	assert_string_equal(c->topic_order_events, "order.events");
	setenv("KAFKA_BOOTSTRAP_SERVERS", "k2:9092", 1);
	c = with("KAFKA_TOPIC_SHIPPING_EVENTS", "ship.events");
	assert_string_equal(c->kafka_bootstrap, "k2:9092");
	assert_string_equal(c->topic_shipping_events, "ship.events");
	refused("KAFKA_TOPIC_ORDER_EVENTS", "webhook");
}

static void test_numbers_of_the_original(void **state)
{
	const struct config *c;

	(void)state;
	assert_int_equal(load()->db_pool_size, 16);
	setenv("DB_POOL_SIZE", "20", 1);
	setenv("TIMEOUT_READ", "2.5", 1);
	setenv("MAX_RETRY", "7", 1);
	c = with("MAX_DELAY", "30");
	assert_int_equal(c->db_pool_size, 20);
	assert_int_equal(c->timeout_read_ms, 2500);
	assert_int_equal(c->max_retry, 7);
	assert_int_equal(c->max_delay_ms, 30000);
	refused("DB_POOL_SIZE", "0");
	refused("DB_POOL_SIZE", "ten");
}

static void test_webhook_settings(void **state)
{
	const struct config *c = load();

	(void)state;
	assert_string_equal(c->webhook_url, "");
	assert_string_equal(c->ingress_secret, "");
	setenv("INGRESS_WEBHOOK_SECRET", "in", 1);
	setenv("WEBHOOK_OUTGOING_URL", "http://127.0.0.1:9/hook", 1);
	c = with("PAYMENTS_CALLBACK_SECRET", "cb");
	assert_string_equal(c->ingress_secret, "in");
	assert_string_equal(c->webhook_url, "http://127.0.0.1:9/hook");
	assert_string_equal(c->webhook_secret, "cb"); /* signed like the callbacks */
	assert_string_equal(with("WEBHOOK_OUTGOING_SECRET", "out")->webhook_secret, "out");
	refused("WEBHOOK_OUTGOING_URL", "ftp://x");
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
	char secret[32];
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
	temp_file(secret, "s3cret\n");
	setenv("KAFKA_SASL_PASSWORD_FILE", secret, 1);
	setenv("KAFKA_SASL_USERNAME", "order-service", 1);
	setenv("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext", 1);
	setenv("ORDER_EMPTY", "", 1);
	load();
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
	char path[32];
	const struct config *c;

	(void)state;
	temp_file(path,
		  "# original service\n"
		  "DATABASE_URL=postgresql+asyncpg://postgres:postgres@localhost:5432/orders\n"
		  "POSTGRES_USER=postgres\nPOSTGRES_PASSWORD=postgres\nPOSTGRES_DB=orders\n"
		  "KAFKA_BOOTSTRAP=localhost:9092\nKAFKA_TOPIC=shipping-events\n"
		  "DB_POOL_SIZE=10\nTIMEOUT_READ=3\nMAX_RETRY=5\nMAX_DELAY=10\n");
	c = load_from(path);
	unlink(path);
	assert_string_equal(c->database_url,
			    "postgresql://postgres:postgres@localhost:5432/orders");
	assert_string_equal(c->kafka_bootstrap, "localhost:9092");
	assert_string_equal(c->topic_shipping_events, "shipping-events");
	assert_int_equal(c->db_pool_size, 10);
	assert_int_equal(c->timeout_read_ms, 3000);
	assert_int_equal(c->max_retry, 5);
	assert_int_equal(c->max_delay_ms, 10000);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_defaults, clean_env),
    cmocka_unit_test_setup(test_dotenv_file, clean_env),
    cmocka_unit_test_setup(test_dotenv_file_bounds, clean_env),
    cmocka_unit_test_setup(test_number_bounds, clean_env),
    cmocka_unit_test_setup(test_logging, clean_env),
    cmocka_unit_test_setup(test_currency_urls_topics, clean_env),
    cmocka_unit_test_setup(test_switches, clean_env),
    cmocka_unit_test_setup(test_secret_files, clean_env),
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

TEST_MAIN(tests, NULL, NULL);
