/*
 * Configuration loading: defaults, then .env (never overriding the real
 * environment), then the environment, each value validated. The first bad
 * value ends the load with one line naming the variable.
 */
#include "config.h"


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/outbox_msg.h"

#define DOTENV_LINE_MAX 4096

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
	c->catalog_cache_ms = 1000;
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
	snprintf(c->topic_shipping_requests, sizeof(c->topic_shipping_requests), "shipping.requests");
	snprintf(c->topic_shipping_events, sizeof(c->topic_shipping_events), "shipping.events");
	snprintf(c->kafka_group_id, sizeof(c->kafka_group_id), "order-service-shipping");
	c->max_body_bytes = 65536;
	c->order_stale_after_s = 900;
	snprintf(c->currency, sizeof(c->currency), "RUB");
	c->inbox_max_attempts = 50;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/* KEY=VALUE lines; "#" comments; optional "export "; optional matching quotes. */
static enum os_status load_dotenv(const char *path, struct os_error *err)
{
	char line[DOTENV_LINE_MAX];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (f == NULL)
		return errno == ENOENT ? OS_OK : os_fail(err, OS_EINVAL, NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = trim(line), *eq, *key, *val;
		size_t vlen;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "export ", 7) == 0)
			s = trim(s + 7);
		eq = strchr(s, '=');
		if (eq == NULL) {
			fclose(f);
			return os_fail(err, OS_EINVAL, NULL, "%s:%d: expected KEY=VALUE", path, lineno);
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		vlen = strlen(val);
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
			val[vlen - 1] = '\0';
			val++;
		}
		if (*key != '\0')
			setenv(key, val, 0);
	}
	fclose(f);
	return OS_OK;
}

/* The first non-empty of the names, or NULL. */
static const char *env2(const char *name, const char *alias)
{
	const char *v = getenv(name);

	if ((v == NULL || *v == '\0') && alias != NULL)
		v = getenv(alias);
	return (v != NULL && *v != '\0') ? v : NULL;
}

static enum os_status get_str(char *dst, size_t cap, const char *name, const char *alias,
			      struct os_error *err)
{
	const char *v = env2(name, alias);

	if (v == NULL)
		return OS_OK;
	if (strlen(v) >= cap)
		return os_fail(err, OS_EINVAL, name, "%s: longer than %zu bytes", name, cap - 1);
	snprintf(dst, cap, "%s", v);
	return OS_OK;
}

static enum os_status get_int(int *dst, const char *name, long lo, long hi, struct os_error *err)
{
	const char *v = env2(name, NULL);
	char *end;
	long n;

	if (v == NULL)
		return OS_OK;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return os_fail(err, OS_EINVAL, name, "%s: must be an integer from %ld to %ld, got \"%.40s\"",
			       name, lo, hi, v);
	*dst = (int)n;
	return OS_OK;
}

/* Seconds as a decimal ("5", "2.5", "0.25") into milliseconds, without double. */
static enum os_status get_seconds_ms(int *dst, const char *name, long lo_ms, long hi_ms,
				     struct os_error *err)
{
	const char *v = env2(name, NULL), *p;
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
		return os_fail(err, OS_EINVAL, name,
			       "%s: must be seconds from %ld.%03ld to %ld (e.g. 5 or 2.5), got \"%.40s\"",
			       name, lo_ms / 1000, lo_ms % 1000, hi_ms / 1000, v);
	*dst = (int)ms;
	return OS_OK;
}

static enum os_status check_url(const char *url, const char *name, struct os_error *err)
{
	if (url[0] == '\0' || strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		return OS_OK;
	return os_fail(err, OS_EINVAL, name, "%s: must be an http:// or https:// URL, got \"%.60s\"",
		       name, url);
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
	    strcmp(t, OUTBOX_DEST_NOTIFICATIONS) == 0)
		return os_fail(err, OS_EINVAL, name,
			       "%s: must be a Kafka topic name ([A-Za-z0-9._-]+, not \"payments\" or "
			       "\"notifications\"), got \"%.60s\"", name, t);
	return OS_OK;
}

static enum os_status load_strings(struct config *c, struct os_error *err)
{
	enum os_status st;

	if ((st = get_str(c->database_url, sizeof(c->database_url), "DATABASE_URL",
			  "POSTGRES_CONNECTION_STRING", err)) ||
	    (st = get_str(c->kafka_bootstrap, sizeof(c->kafka_bootstrap), "KAFKA_BOOTSTRAP_SERVERS",
			  "KAFKA_BOOTSTRAP", err)) ||
	    (st = get_str(c->catalog_url, sizeof(c->catalog_url), "CATALOG_SERVICE_API_URL", NULL, err)) ||
	    (st = get_str(c->payments_url, sizeof(c->payments_url), "PAYMENTS_SERVICE_API_URL", NULL, err)) ||
	    (st = get_str(c->payments_callback_url, sizeof(c->payments_callback_url),
			  "PAYMENTS_CALLBACK_URL", NULL, err)) ||
	    (st = get_str(c->notifications_url, sizeof(c->notifications_url),
			  "NOTIFICATIONS_SERVICE_API_URL", NULL, err)) ||
	    (st = get_str(c->access_token, sizeof(c->access_token), "CAPASHINO_SERVICE_ACCESS_TOKEN",
			  NULL, err)) ||
	    (st = get_str(c->callback_secret, sizeof(c->callback_secret), "PAYMENTS_CALLBACK_SECRET",
			  NULL, err)) ||
	    (st = get_str(c->topic_order_events, sizeof(c->topic_order_events),
			  "KAFKA_TOPIC_ORDER_EVENTS", NULL, err)) ||
	    (st = get_str(c->topic_shipping_requests, sizeof(c->topic_shipping_requests),
			  "KAFKA_TOPIC_SHIPPING_REQUESTS", NULL, err)) ||
	    (st = get_str(c->topic_shipping_events, sizeof(c->topic_shipping_events),
			  "KAFKA_TOPIC_SHIPPING_EVENTS", NULL, err)) ||
	    (st = get_str(c->kafka_group_id, sizeof(c->kafka_group_id), "KAFKA_CONSUMER_GROUP", NULL,
			  err)))
		return st;
	return OS_OK;
}

static enum os_status load_numbers(struct config *c, struct os_error *err)
{
	enum os_status st;

	if ((st = get_int(&c->app_port, "APP_PORT", 1, 65535, err)) ||
	    (st = get_int(&c->api_threads, "API_THREADS", 1, 64, err)) ||
	    (st = get_int(&c->catalog_cache_ms, "CATALOG_CACHE_MS", 0, 3600000, err)) ||
	    (st = get_seconds_ms(&c->timeout_read_ms, "TIMEOUT_READ", 10, 300000, err)) ||
	    (st = get_int(&c->max_retry, "MAX_RETRY", 1, 1000, err)) ||
	    (st = get_seconds_ms(&c->max_delay_ms, "MAX_DELAY", 10, 86400000, err)) ||
	    (st = get_int(&c->outbox_batch_size, "OUTBOX_BATCH_SIZE", 1, 2000, err)) ||
	    (st = get_int(&c->outbox_poll_ms, "OUTBOX_POLL_INTERVAL_MS", 10, 600000, err)) ||
	    (st = get_int(&c->outbox_retention_s, "OUTBOX_RETENTION_SECONDS", 0, 31536000, err)) ||
	    (st = get_int(&c->kafka_linger_ms, "KAFKA_LINGER_MS", 0, 1000, err)) ||
	    (st = get_int(&c->kafka_session_timeout_ms, "KAFKA_SESSION_TIMEOUT_MS", 3000, 300000, err)) ||
	    (st = get_int(&c->max_body_bytes, "MAX_BODY_BYTES", 1024, 16777216, err)) ||
	    (st = get_int(&c->order_stale_after_s, "ORDER_STALE_AFTER_SECONDS", 1, 31536000, err)) ||
	    (st = get_int(&c->inbox_max_attempts, "INBOX_MAX_ATTEMPTS", 1, 10000, err)) ||
	    (st = get_int(&c->worker_metrics_port, "WORKER_METRICS_PORT", 0, 65535, err)))
		return st;
	return OS_OK;
}

static enum os_status load_logging(struct config *c, struct os_error *err)
{
	const char *lvl = env2("LOG_LEVEL", NULL), *fmt = env2("LOG_FORMAT", NULL);

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
	const char *cur = env2("ORDER_CURRENCY", NULL);
	enum os_status st;

	if (cur != NULL) {
		if (strlen(cur) != 3 || cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' || cur[1] > 'Z' ||
		    cur[2] < 'A' || cur[2] > 'Z')
			return os_fail(err, OS_EINVAL, "ORDER_CURRENCY",
				       "ORDER_CURRENCY: must be three capital letters (ISO 4217), got \"%.10s\"",
				       cur);
		snprintf(c->currency, sizeof(c->currency), "%s", cur);
	}
	if ((st = check_url(c->catalog_url, "CATALOG_SERVICE_API_URL", err)) ||
	    (st = check_url(c->payments_url, "PAYMENTS_SERVICE_API_URL", err)) ||
	    (st = check_url(c->payments_callback_url, "PAYMENTS_CALLBACK_URL", err)) ||
	    (st = check_url(c->notifications_url, "NOTIFICATIONS_SERVICE_API_URL", err)) ||
	    (st = check_topic(c->topic_order_events, "KAFKA_TOPIC_ORDER_EVENTS", err)) ||
	    (st = check_topic(c->topic_shipping_requests, "KAFKA_TOPIC_SHIPPING_REQUESTS", err)) ||
	    (st = check_topic(c->topic_shipping_events, "KAFKA_TOPIC_SHIPPING_EVENTS", err)))
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
	if ((st = load_dotenv(env_file, err)) || (st = load_strings(&c, err)) ||
	    (st = load_numbers(&c, err)) || (st = load_logging(&c, err)) || (st = validate(&c, err)) ||
	    (st = kafka_security_from_env(&c.kafka_security, err)))
		return st;
	*cfg = c;
	return OS_OK;
}
