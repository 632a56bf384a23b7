/*
 * Configuration loading: defaults, then .env (never overriding the real
 * environment), then the environment, each value validated. The first bad
 * value ends the load with one line naming the variable.
 */
#include "infrastructure/config/config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/outbox_msg.h"
#include "domain/decimal.h"
#include "infrastructure/config/conf_file.h"
#include "infrastructure/config/conf_text.h"

#define DOTENV_LINE_MAX 4096
#define DOTENV_FILE_MAX (1024 * 1024)

/*
 * One API event loop per core, as h2o is meant to run, and at least two so
 * that one slow request never holds up the whole API. Each loop waits on its
 * own database session during a query, so this is also how many statements
 * the API has in the database at once; more sessions than cores only make
 * them wait on each other's row locks there (docs/BENCHMARKS.md).
 */
static int default_api_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : n > 64 ? 64 : (int)n;
}

static void set_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->app_port = 8000;
	c->api_threads = default_api_threads();
	c->catalog_cache_ms = -1; /* unset: load_numbers picks by catalog */
	c->log_level = LOG_INFO;
	c->log_json = true;
	c->timeout_read_ms = 5000;
	c->max_retry = 10;
	c->max_delay_ms = 60000;
	c->outbox_batch_size = 1000;
	c->outbox_poll_ms = 1000;
	c->outbox_retention_s = 86400;
	c->kafka_linger_ms = 0;
	c->kafka_session_timeout_ms = 6000;
	snprintf(c->topic_order_events, sizeof(c->topic_order_events), "order.events");
	snprintf(c->topic_shipping_requests, sizeof(c->topic_shipping_requests),
		 "shipping.requests");
	snprintf(c->topic_shipping_events, sizeof(c->topic_shipping_events), "shipping.events");
	snprintf(c->kafka_group_id, sizeof(c->kafka_group_id), "order-service-shipping");
	c->max_body_bytes = 65536;
	c->order_stale_after_s = 900;
	snprintf(c->currency, sizeof(c->currency), "RUB");
	c->inbox_max_attempts = 50;
	c->inbox_retention_s = 7 * 86400;
	c->admin_port = 8001;
	snprintf(c->admin_host, sizeof(c->admin_host), "127.0.0.1");
	c->rate_limit_per_minute = 6000;
	c->rate_limit_burst = 600;
}

/* One line of a .env file (NUL-terminated, without its newline): KEY=VALUE;
 * "#" comments; optional "export "; optional matching quotes. */
static enum os_status dotenv_line(const char *path, int lineno, char *line, struct os_error *err)
{
	char *s = conf_trim(line), *key, *val;
	size_t vlen;

	if (*s == '\0' || *s == '#')
		return OS_OK;
	if (strncmp(s, "export ", 7) == 0)
		s = conf_trim(s + 7);
	if (!conf_split(s, &key, &val))
		return os_fail(err, OS_EINVAL, NULL, "%s:%d: expected KEY=VALUE", path, lineno);
	vlen = strlen(val);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
		val[vlen - 1] = '\0';
		val++;
	}
	if (*key != '\0')
		setenv(key, val, 0);
	return OS_OK;
}

/*
 * The .env file at path, when there is one: read whole through the one
 * file reader (a regular file of at most DOTENV_FILE_MAX bytes: a fifo or
 * a device is refused, not waited on), then line by line. A line longer
 * than DOTENV_LINE_MAX or a NUL byte refuses the file: read in pieces, the
 * tail of a long line (a comment, say) would have become a setting.
 */
static enum os_status load_dotenv(const char *path, struct os_error *err)
{
	char *text = NULL, *line, *end;
	size_t len = 0;
	int lineno = 0;
	enum os_status st;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return OS_OK;
	st = conf_file_read(path, DOTENV_FILE_MAX, "ENV_FILE", &text, &len, err);
	if (st != OS_OK)
		return st;
	if (memchr(text, '\0', len) != NULL)
		st = os_fail(err, OS_EINVAL, "ENV_FILE", "%s: a NUL byte", path);
	for (line = text; st == OS_OK && line < text + len; line = end + 1) {
		end = memchr(line, '\n', len - (size_t)(line - text));
		if (end == NULL)
			end = text + len;
		*end = '\0';
		lineno++;
		if ((size_t)(end - line) >= DOTENV_LINE_MAX)
			st = os_fail(err, OS_EINVAL, "ENV_FILE", "%s:%d: longer than %d bytes",
				     path, lineno, DOTENV_LINE_MAX - 1);
		else
			st = dotenv_line(path, lineno, line, err);
	}
	free(text);
	return st;
}

static enum os_status get_int(int *dst, const char *name, long lo, long hi, struct os_error *err)
{
	const char *v = conf_env(name, NULL);
	int64_t n;

	if (v == NULL)
		return OS_OK;
	if (!decimal_parse(v, strlen(v), lo, hi, &n))
		return os_fail(err, OS_EINVAL, name,
			       "%s: must be an integer from %ld to %ld, got \"%.40s\"", name, lo,
			       hi, v);
	*dst = (int)n;
	return OS_OK;
}

/* Seconds as a decimal ("5", "2.5", "0.25") into milliseconds, without double. */
static enum os_status get_seconds_ms(int *dst, const char *name, long lo_ms, long hi_ms,
				     struct os_error *err)
{
	const char *v = conf_env(name, NULL), *p;
	long ms = 0, scale = 1000;

	if (v == NULL)
		return OS_OK;
	for (p = v; *p >= '0' && *p <= '9' && ms <= hi_ms; p++)
		ms = ms * 10 + (*p - '0');
	ms *= 1000;
	if (p != v && *p == '.') {
		for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
			scale /= 10;
			ms += (*p - '0') * scale;
		}
	}
	if (p == v || *p != '\0' || ms < lo_ms || ms > hi_ms)
		return os_fail(
		    err, OS_EINVAL, name,
		    "%s: must be seconds from %ld.%03ld to %ld (e.g. 5 or 2.5), got \"%.40s\"",
		    name, lo_ms / 1000, lo_ms % 1000, hi_ms / 1000, v);
	*dst = (int)ms;
	return OS_OK;
}

static enum os_status check_url(const char *url, const char *name, struct os_error *err)
{
	if (url[0] == '\0' || strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		return OS_OK;
	return os_fail(err, OS_EINVAL, name,
		       "%s: must be an http:// or https:// URL, got \"%.60s\"", name, url);
}

static enum os_status check_topic(const char *t, const char *name, struct os_error *err)
{
	size_t i, n = strlen(t);

	for (i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			break;
	}
	if (n == 0 || i != n || strcmp(t, OUTBOX_DEST_PAYMENTS) == 0 ||
	    strcmp(t, OUTBOX_DEST_NOTIFICATIONS) == 0 || strcmp(t, OUTBOX_DEST_WEBHOOK) == 0)
		return os_fail(err, OS_EINVAL, name,
			       "%s: must be a Kafka topic name ([A-Za-z0-9._-]+, not \"payments\", "
			       "\"notifications\" or \"webhook\"), got \"%.60s\"",
			       name, t);
	return OS_OK;
}

/*
 * The original service's database settings (DESIGN §9). A SQLAlchemy URL
 * names its driver after a '+' ("postgresql+asyncpg://"), which libpq would
 * take for a database name: the driver is dropped. Without any URL, the
 * POSTGRES_* parts make a libpq keyword/value string, each value quoted.
 */
static void strip_driver(char *url)
{
	char *plus = strchr(url, '+'), *sep = strstr(url, "://");
	size_t i;

	if (plus == NULL || sep == NULL || plus > sep)
		return;
	for (i = 0; url + i < plus; i++)
		if (!((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z')))
			return;
	memmove(plus, sep, strlen(sep) + 1);
}

/* Appends key='value' (quotes and backslashes escaped); false when full. */
static bool add_conn_kv(char *dst, size_t cap, size_t *len, const char *key, const char *v)
{
	int n = snprintf(dst + *len, cap - *len, "%s%s='", *len ? " " : "", key);

	if (n < 0 || (size_t)n >= cap - *len)
		return false;
	*len += (size_t)n;
	for (; *v != '\0'; v++) {
		if (*len + 3 >= cap)
			return false;
		if (*v == '\'' || *v == '\\')
			dst[(*len)++] = '\\';
		dst[(*len)++] = *v;
	}
	dst[(*len)++] = '\'';
	dst[*len] = '\0';
	return true;
}

static enum os_status load_database(struct config *c, struct os_error *err)
{
	static const char *const parts[][2] = {
	    {"POSTGRES_HOST", "host"}, {"POSTGRES_PORT", "port"},	  {"POSTGRES_DB", "dbname"},
	    {"POSTGRES_USER", "user"}, {"POSTGRES_PASSWORD", "password"},
	};
	char conn[CONFIG_STR_MAX + 1] = "";
	size_t i, len = 0;

	if (c->database_url[0] != '\0') {
		strip_driver(c->database_url);
		return OS_OK;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *v = conf_env(parts[i][0], NULL);

		if (v != NULL && !add_conn_kv(conn, sizeof(conn), &len, parts[i][1], v))
			return os_fail(
			    err, OS_EINVAL, parts[i][0],
			    "%s: the POSTGRES_* settings make a connection string longer "
			    "than %d bytes",
			    parts[i][0], CONFIG_STR_MAX);
	}
	memcpy(c->database_url, conn, len + 1);
	return OS_OK;
}

/* A text setting: where it goes in struct config, its variable, and an
 * older name read when the variable is unset (or NULL). */
struct str_setting {
	size_t offset, cap;
	const char *name, *alias;
};

#define STR_SETTING(field, name, alias)                                                            \
	{                                                                                          \
		offsetof(struct config, field), sizeof(((struct config *)0)->field), name, alias   \
	}

static const struct str_setting str_settings[] = {
    STR_SETTING(database_url, "DATABASE_URL", "POSTGRES_CONNECTION_STRING"),
    STR_SETTING(kafka_bootstrap, "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP"),
    STR_SETTING(catalog_url, "CATALOG_SERVICE_API_URL", NULL),
    STR_SETTING(payments_url, "PAYMENTS_SERVICE_API_URL", NULL),
    STR_SETTING(payments_callback_url, "PAYMENTS_CALLBACK_URL", NULL),
    STR_SETTING(notifications_url, "NOTIFICATIONS_SERVICE_API_URL", NULL),
    STR_SETTING(access_token, "CAPASHINO_SERVICE_ACCESS_TOKEN", NULL),
    STR_SETTING(callback_secret, "PAYMENTS_CALLBACK_SECRET", NULL),
    STR_SETTING(topic_order_events, "KAFKA_TOPIC_ORDER_EVENTS", NULL),
    STR_SETTING(topic_shipping_requests, "KAFKA_TOPIC_SHIPPING_REQUESTS", NULL),
    STR_SETTING(topic_shipping_events, "KAFKA_TOPIC_SHIPPING_EVENTS", "KAFKA_TOPIC"),
    STR_SETTING(kafka_group_id, "KAFKA_CONSUMER_GROUP", NULL),
    STR_SETTING(ingress_secret, "INGRESS_WEBHOOK_SECRET", NULL),
    STR_SETTING(webhook_url, "WEBHOOK_OUTGOING_URL", NULL),
    STR_SETTING(webhook_secret, "WEBHOOK_OUTGOING_SECRET", "PAYMENTS_CALLBACK_SECRET"),
};

static enum os_status load_strings(struct config *c, struct os_error *err)
{
	enum os_status st;
	size_t i;

	for (i = 0; i < sizeof(str_settings) / sizeof(str_settings[0]); i++) {
		const struct str_setting *s = &str_settings[i];

		st = conf_env_str((char *)c + s->offset, s->cap, s->name, s->alias, err);
		if (st != OS_OK)
			return st;
	}
	return load_database(c, err);
}

/* An int setting: where it goes in struct config, its variable and its
 * bounds; seconds settings are given in (decimal) seconds and kept, like
 * their bounds, in milliseconds. */
struct int_setting {
	size_t offset;
	const char *name;
	long lo, hi;
	bool seconds;
};

/* The offset of an int field: any other type fails to compile, as the loop
 * writes through an int pointer. */
#define INT_FIELD(field) _Generic(((struct config *)0)->field, int : offsetof(struct config, field))
#define INT_SETTING(field, name, lo, hi)                                                           \
	{                                                                                          \
		INT_FIELD(field), name, lo, hi, false                                              \
	}
#define SECONDS_SETTING(field, name, lo, hi)                                                       \
	{                                                                                          \
		INT_FIELD(field), name, lo, hi, true                                               \
	}

static const struct int_setting int_settings[] = {
    INT_SETTING(app_port, "APP_PORT", 1, 65535),
    INT_SETTING(api_threads, "API_THREADS", 1, 64),
    INT_SETTING(catalog_cache_ms, "CATALOG_CACHE_MS", 0, 3600000),
    SECONDS_SETTING(timeout_read_ms, "TIMEOUT_READ", 10, 300000),
    INT_SETTING(max_retry, "MAX_RETRY", 1, 1000),
    SECONDS_SETTING(max_delay_ms, "MAX_DELAY", 10, 86400000),
    INT_SETTING(outbox_batch_size, "OUTBOX_BATCH_SIZE", 1, 2000),
    INT_SETTING(outbox_poll_ms, "OUTBOX_POLL_INTERVAL_MS", 10, 600000),
    INT_SETTING(outbox_retention_s, "OUTBOX_RETENTION_SECONDS", 0, 31536000),
    INT_SETTING(kafka_linger_ms, "KAFKA_LINGER_MS", 0, 1000),
    INT_SETTING(kafka_session_timeout_ms, "KAFKA_SESSION_TIMEOUT_MS", 3000, 300000),
    INT_SETTING(max_body_bytes, "MAX_BODY_BYTES", 1024, 16777216),
    INT_SETTING(order_stale_after_s, "ORDER_STALE_AFTER_SECONDS", 1, 31536000),
    INT_SETTING(inbox_max_attempts, "INBOX_MAX_ATTEMPTS", 1, 10000),
    INT_SETTING(inbox_retention_s, "INBOX_RETENTION_SECONDS", 0, 31536000),
    INT_SETTING(worker_metrics_port, "WORKER_METRICS_PORT", 0, 65535),
    INT_SETTING(metrics_port, "METRICS_PORT", 0, 65535),
};

static enum os_status load_numbers(struct config *c, struct os_error *err)
{
	enum os_status st;
	size_t i;

	for (i = 0; i < sizeof(int_settings) / sizeof(int_settings[0]); i++) {
		const struct int_setting *s = &int_settings[i];
		int *dst = (int *)(void *)((char *)c + s->offset);

		st = s->seconds ? get_seconds_ms(dst, s->name, s->lo, s->hi, err)
				: get_int(dst, s->name, s->lo, s->hi, err);
		if (st != OS_OK)
			return st;
	}
	/* The local inventory's create checks every price under the row lock,
	 * so its cache may live long; a remote catalog's answers are trusted. */
	if (c->catalog_cache_ms < 0)
		c->catalog_cache_ms = c->catalog_url[0] != '\0' ? CONFIG_CATALOG_CACHE_MS_REMOTE
								: CONFIG_CATALOG_CACHE_MS_LOCAL;
	return OS_OK;
}

static enum os_status load_logging(struct config *c, struct os_error *err)
{
	const char *lvl = conf_env("LOG_LEVEL", NULL), *fmt = conf_env("LOG_FORMAT", NULL);

	if (lvl != NULL && !log_level_parse(lvl, &c->log_level))
		return os_fail(err, OS_EINVAL, "LOG_LEVEL",
			       "LOG_LEVEL: must be debug, info, warn or error, got \"%.40s\"", lvl);
	if (fmt != NULL) {
		if (strcasecmp(fmt, "json") == 0)
			c->log_json = true;
		else if (strcasecmp(fmt, "text") == 0)
			c->log_json = false;
		else
			return os_fail(err, OS_EINVAL, "LOG_FORMAT",
				       "LOG_FORMAT: must be json or text, got \"%.40s\"", fmt);
	}
	return OS_OK;
}

static enum os_status validate(struct config *c, struct os_error *err)
{
	const char *cur = conf_env("ORDER_CURRENCY", NULL);
	enum os_status st;

	if (cur != NULL) {
		if (strlen(cur) != 3 || cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' ||
		    cur[1] > 'Z' || cur[2] < 'A' || cur[2] > 'Z')
			return os_fail(err, OS_EINVAL, "ORDER_CURRENCY",
				       "ORDER_CURRENCY: must be three capital letters (ISO 4217), "
				       "got \"%.10s\"",
				       cur);
		snprintf(c->currency, sizeof(c->currency), "%s", cur);
	}
	if ((st = check_url(c->catalog_url, "CATALOG_SERVICE_API_URL", err)) ||
	    (st = check_url(c->payments_url, "PAYMENTS_SERVICE_API_URL", err)) ||
	    (st = check_url(c->payments_callback_url, "PAYMENTS_CALLBACK_URL", err)) ||
	    (st = check_url(c->notifications_url, "NOTIFICATIONS_SERVICE_API_URL", err)) ||
	    (st = check_url(c->webhook_url, "WEBHOOK_OUTGOING_URL", err)) ||
	    (st = check_topic(c->topic_order_events, "KAFKA_TOPIC_ORDER_EVENTS", err)) ||
	    (st = check_topic(c->topic_shipping_requests, "KAFKA_TOPIC_SHIPPING_REQUESTS", err)) ||
	    (st = check_topic(c->topic_shipping_events, "KAFKA_TOPIC_SHIPPING_EVENTS", err)))
		return st;
	return OS_OK;
}

/* ---------------------------------------------------------------- security */

/* Secrets that may be given as <NAME>_FILE (a path whose content, without
 * trailing whitespace, is the value): the Docker/Kubernetes secrets way. */
static const char *const file_secrets[] = {
    "DATABASE_URL",
    "POSTGRES_CONNECTION_STRING",
    "POSTGRES_PASSWORD",
    "PAYMENTS_CALLBACK_SECRET",
    "INGRESS_WEBHOOK_SECRET",
    "JWT_SECRET",
    "CAPASHINO_SERVICE_ACCESS_TOKEN",
};
/* KAFKA_SASL_PASSWORD_FILE is read with the other Kafka settings
 * (kafka_security.c). */

/* NAME from NAME_FILE (path): set in the environment, as if given there. */
static enum os_status read_secret_file(const char *name, const char *file_name, const char *path,
				       struct os_error *err)
{
	char buf[CONFIG_STR_MAX + 1];
	enum os_status st = conf_file_secret(path, file_name, buf, sizeof(buf), err);

	if (st != OS_OK)
		return st;
	setenv(name, buf, 1);
	memset(buf, 0, sizeof(buf));
	return OS_OK;
}

static enum os_status load_secret_files(struct os_error *err)
{
	char file_name[64];
	const char *path;
	size_t i;
	enum os_status st;

	for (i = 0; i < sizeof(file_secrets) / sizeof(file_secrets[0]); i++) {
		snprintf(file_name, sizeof(file_name), "%s_FILE", file_secrets[i]);
		path = conf_env(file_name, NULL);
		if (path == NULL)
			continue;
		if (conf_env(file_secrets[i], NULL) != NULL)
			return os_fail(err, OS_EINVAL, file_secrets[i],
				       "%s and %s: set one of them, not both", file_secrets[i],
				       file_name);
		st = read_secret_file(file_secrets[i], file_name, path, err);
		if (st != OS_OK)
			return st;
	}
	return OS_OK;
}

static enum os_status get_bool(bool *dst, const char *name, const char *yes, const char *no,
			       struct os_error *err)
{
	const char *v = conf_env(name, NULL);

	if (v == NULL)
		return OS_OK;
	if (strcasecmp(v, yes) == 0 || (strcmp(yes, "true") == 0 && strcmp(v, "1") == 0))
		*dst = true;
	else if (strcasecmp(v, no) == 0 || (strcmp(no, "false") == 0 && strcmp(v, "0") == 0))
		*dst = false;
	else
		return os_fail(err, OS_EINVAL, name, "%s: must be %s or %s, got \"%.20s\"", name,
			       yes, no, v);
	return OS_OK;
}

static enum os_status load_security(struct config *c, struct os_error *err)
{
	bool auth_on = true;
	enum os_status st;

	if ((st = get_int(&c->admin_port, "ADMIN_PORT", 1, 65535, err)) ||
	    (st = conf_env_str(c->admin_host, sizeof(c->admin_host), "ADMIN_HOST", NULL, err)) ||
	    (st = get_bool(&auth_on, "AUTH_MODE", "on", "off", err)) ||
	    (st = conf_env_str(c->api_keys_file, sizeof(c->api_keys_file), "API_KEYS_FILE", NULL,
			       err)) ||
	    (st = conf_env_str(c->jwt_secret, sizeof(c->jwt_secret), "JWT_SECRET", NULL, err)) ||
	    (st = conf_env_str(c->jwt_public_key_file, sizeof(c->jwt_public_key_file),
			       "JWT_PUBLIC_KEY_FILE", NULL, err)) ||
	    (st = conf_env_str(c->jwt_issuer, sizeof(c->jwt_issuer), "JWT_ISSUER", NULL, err)) ||
	    (st = conf_env_str(c->jwt_audience, sizeof(c->jwt_audience), "JWT_AUDIENCE", NULL,
			       err)) ||
	    (st = get_int(&c->rate_limit_per_minute, "RATE_LIMIT_PER_MINUTE", 0, 6000000, err)) ||
	    (st = get_int(&c->rate_limit_burst, "RATE_LIMIT_BURST", 1, 1000000, err)) ||
	    (st = get_bool(&c->callback_allow_unsigned, "PAYMENTS_CALLBACK_ALLOW_UNSIGNED", "true",
			   "false", err)))
		return st;
	c->auth_off = !auth_on;
	return OS_OK;
}

/* The API's request path: its sessions and deadlines. */
static enum os_status load_request_path(struct config *c, struct os_error *err)
{
	enum os_status st;

	c->db_pool_size = 16;
	c->request_timeout_ms = 5000;
	c->statement_timeout_ms = 5000;
	if ((st = get_int(&c->db_pool_size, "DB_POOL_SIZE", 1, 1024, err)) ||
	    (st = get_int(&c->request_timeout_ms, "REQUEST_TIMEOUT_MS", 100, 600000, err)) ||
	    (st = get_int(&c->statement_timeout_ms, "STATEMENT_TIMEOUT_MS", 0, 3600000, err)))
		return st;
	return OS_OK;
}

enum os_status config_load(struct config *cfg, const char *env_file, struct os_error *err)
{
	struct config c;
	enum os_status st;

	if (env_file == NULL)
		env_file = getenv("ENV_FILE") ? getenv("ENV_FILE") : ".env";
	set_defaults(&c);
	if ((st = load_dotenv(env_file, err)) || (st = load_secret_files(err)) ||
	    (st = load_security(&c, err)) || (st = load_strings(&c, err)) ||
	    (st = load_numbers(&c, err)) || (st = load_logging(&c, err)) ||
	    (st = validate(&c, err)) || (st = load_request_path(&c, err)) ||
	    (st = kafka_security_from_env(&c.kafka_security, err)))
		return st;
	*cfg = c;
	return OS_OK;
}

/* ------------------------------------------------- settings not read */

extern char **environ;

/* Every name with one of the reported prefixes that something of this
 * service reads: config_load, the Kafka client settings, entrypoint.sh and
 * the test and dev scripts. A "<NAME>_FILE" form of a known name is known. */
static const char *const known_names[] = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_BOOTSTRAP",
    "KAFKA_TOPIC",
    "KAFKA_TOPIC_ORDER_EVENTS",
    "KAFKA_TOPIC_SHIPPING_REQUESTS",
    "KAFKA_TOPIC_SHIPPING_EVENTS",
    "KAFKA_CONSUMER_GROUP",
    "KAFKA_LINGER_MS",
    "KAFKA_SESSION_TIMEOUT_MS",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CA_LOCATION",
    "KAFKA_PROPERTIES_FILE",
    "KAFKA_ADDR_FILE",
    "ORDER_CURRENCY",
    "ORDER_STALE_AFTER_SECONDS",
    "ORDER_SERVICE_BIN",
    "ORDER_SIM_BIN",
    "DB_POOL_SIZE",
    "DB_WAIT_SECONDS",
    "POSTGRES_HOST_PORT",
    "KAFKA_HOST_PORT",
    "POSTGRES_CONNECTION_STRING",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    /* scripts/kafka-broker.sh, the dev stack and the real-broker tests */
    "KAFKA_BROKER_DIR",
    "KAFKA_BROKER_ENV",
    "KAFKA_BROKER_SASL_PASSWORD_FILE",
    "KAFKA_BROKER_SASL_USERNAME",
    "KAFKA_CONTROLLER_PORT",
    "KAFKA_HEAP",
    "KAFKA_LIBS",
    "KAFKA_PARTITIONS",
    "KAFKA_PORT",
    "KAFKA_SASL_PORT",
    "KAFKA_SASL_USER",
    "KAFKA_SASL_BOOTSTRAP_SERVERS",
    "KAFKA_REAL_BOOTSTRAP",
    "KAFKA_REAL_DATA_DIR",
    "KAFKA_REAL_DIR",
    "KAFKA_REAL_SASL_BOOTSTRAP",
    "KAFKA_REAL_SASL_PASSWORD_FILE",
    "KAFKA_REAL_SASL_USERNAME",
};

static const char *const reported_prefixes[] = {"ORDER_", "KAFKA_", "DB_", "POSTGRES_"};

static bool is_set_env(const char *name)
{
	return conf_env(name, NULL) != NULL;
}

static bool known(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++) {
		size_t k = strlen(known_names[i]);

		if ((len == k || (len == k + 5 && memcmp(name + k, "_FILE", 5) == 0)) &&
		    memcmp(name, known_names[i], k) == 0)
			return true;
	}
	return false;
}

/* Why a known name set in the environment is not used, or NULL. */
static const char *shadowed(const char *name, size_t len)
{
#define IS(n) (len == strlen(n) && memcmp(name, n, len) == 0)
	if (IS("POSTGRES_CONNECTION_STRING") && is_set_env("DATABASE_URL"))
		return "ignored: DATABASE_URL is set";
	if ((IS("POSTGRES_HOST") || IS("POSTGRES_PORT") || IS("POSTGRES_DB") ||
	     IS("POSTGRES_USER") || IS("POSTGRES_PASSWORD")) &&
	    (is_set_env("DATABASE_URL") || is_set_env("POSTGRES_CONNECTION_STRING")))
		return "ignored: a database URL is set";
	if (IS("KAFKA_BOOTSTRAP") && is_set_env("KAFKA_BOOTSTRAP_SERVERS"))
		return "ignored: KAFKA_BOOTSTRAP_SERVERS is set";
	if (IS("KAFKA_TOPIC") && is_set_env("KAFKA_TOPIC_SHIPPING_EVENTS"))
		return "ignored: KAFKA_TOPIC_SHIPPING_EVENTS is set";
	return NULL;
#undef IS
}

static bool has_reported_prefix(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reported_prefixes) / sizeof(reported_prefixes[0]); i++)
		if (strncmp(name, reported_prefixes[i], strlen(reported_prefixes[i])) == 0)
			return true;
	return false;
}

void config_report_ignored(struct config_report *out)
{
	char **e;

	memset(out, 0, sizeof(*out));
	for (e = environ; e != NULL && *e != NULL && out->count < CONFIG_REPORT_MAX; e++) {
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
		const char *why;

		if (!has_reported_prefix(*e) || eq == NULL || eq[1] == '\0')
			continue;
		why = known(*e, len) ? shadowed(*e, len) : "not a setting of this service: ignored";
		if (why == NULL || len >= sizeof(out->entries[0].name))
			continue;
		memcpy(out->entries[out->count].name, *e, len);
		out->entries[out->count].name[len] = '\0';
		out->entries[out->count].why = why;
		out->count++;
	}
}
