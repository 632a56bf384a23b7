/*
 * Configuration from the environment (DESIGN §9), optionally seeded from a
 * .env file: variables already in the environment win over the file. Every
 * value is validated at load; a bad one fails the load with one line naming
 * the variable, and the process exits with it.
 */
#ifndef OS_CONFIG_H
#define OS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"
#include "infrastructure/kafka/kafka_security.h"
#include "infrastructure/log/log.h"

#define CONFIG_STR_MAX 512

/* CATALOG_CACHE_MS when unset: with a remote catalog (CATALOG_SERVICE_API_URL)
 * its answers are trusted for that long; with the local inventory the create
 * statement checks each price under the row lock (app/catalog_cache.h). */
#define CONFIG_CATALOG_CACHE_MS_REMOTE 1000
#define CONFIG_CATALOG_CACHE_MS_LOCAL  60000

struct config {
	char database_url[CONFIG_STR_MAX + 1];	  /* DATABASE_URL | POSTGRES_CONNECTION_STRING */
	char kafka_bootstrap[CONFIG_STR_MAX + 1]; /* KAFKA_BOOTSTRAP_SERVERS | KAFKA_BOOTSTRAP */
	int app_port;				  /* APP_PORT, 8000 */
	int api_threads;			  /* API_THREADS, cores (>= 2): event loops */
	int catalog_cache_ms;			  /* CATALOG_CACHE_MS: 0 = no catalog cache */
	char catalog_url[CONFIG_STR_MAX + 1];  /* CATALOG_SERVICE_API_URL; "" = local inventory */
	char payments_url[CONFIG_STR_MAX + 1]; /* PAYMENTS_SERVICE_API_URL */
	char payments_callback_url[CONFIG_STR_MAX + 1]; /* PAYMENTS_CALLBACK_URL */
	char notifications_url[CONFIG_STR_MAX + 1];	/* NOTIFICATIONS_SERVICE_API_URL */
	char access_token[CONFIG_STR_MAX + 1];	  /* CAPASHINO_SERVICE_ACCESS_TOKEN -> X-API-Key */
	char callback_secret[CONFIG_STR_MAX + 1]; /* PAYMENTS_CALLBACK_SECRET; "" = unsigned */
	enum log_level log_level;		  /* LOG_LEVEL, info */
	bool log_json;				  /* LOG_FORMAT json|text, json */
	int timeout_read_ms;			  /* TIMEOUT_READ seconds (decimal), 5 */
	int max_retry;				  /* MAX_RETRY, 10: attempts before dead */
	int max_delay_ms;			  /* MAX_DELAY seconds, 60: backoff ceiling */
	int outbox_batch_size;			  /* OUTBOX_BATCH_SIZE, 1000 */
	int outbox_poll_ms;		  /* OUTBOX_POLL_INTERVAL_MS, 1000: safety-net poll */
	int outbox_retention_s;		  /* OUTBOX_RETENTION_SECONDS, 86400 */
	int kafka_linger_ms;		  /* KAFKA_LINGER_MS, 1 */
	char topic_order_events[65];	  /* KAFKA_TOPIC_ORDER_EVENTS, order.events */
	char topic_shipping_requests[65]; /* KAFKA_TOPIC_SHIPPING_REQUESTS, shipping.requests */
	char topic_shipping_events[65];	  /* KAFKA_TOPIC_SHIPPING_EVENTS, shipping.events */
	char kafka_group_id[65];	  /* KAFKA_CONSUMER_GROUP, order-service-shipping */
	int kafka_session_timeout_ms; /* KAFKA_SESSION_TIMEOUT_MS, 6000: consumer group session */
	int max_body_bytes;	      /* MAX_BODY_BYTES, 65536 */
	int order_stale_after_s;      /* ORDER_STALE_AFTER_SECONDS, 900 */
	char currency[4];	      /* ORDER_CURRENCY, RUB */
	int inbox_max_attempts;	      /* INBOX_MAX_ATTEMPTS, 50: early events wait this long */
	int inbox_retention_s;	      /* INBOX_RETENTION_SECONDS, 604800: processed rows kept */
	int worker_metrics_port;      /* WORKER_METRICS_PORT, 0 = off */
	int metrics_port;	      /* METRICS_PORT: this process's /metrics, 0 = off;
					 wins over WORKER_METRICS_PORT */
	/* Features of the original services (DESIGN §4, §8, §9). */
	char ingress_secret[CONFIG_STR_MAX +
			    1]; /* INGRESS_WEBHOOK_SECRET; "" = ingress webhook refused */
	char webhook_url[CONFIG_STR_MAX + 1]; /* WEBHOOK_OUTGOING_URL; "" = no egress webhook */
	char webhook_secret[CONFIG_STR_MAX +
			    1]; /* WEBHOOK_OUTGOING_SECRET, else PAYMENTS_CALLBACK_SECRET */
	/* Security (DESIGN §4, §12); secrets may also come as <NAME>_FILE. */
	int admin_port;				/* ADMIN_PORT, 8001: metrics and admin routes */
	char admin_host[CONFIG_STR_MAX + 1];	/* ADMIN_HOST, 127.0.0.1 */
	bool auth_off;				/* AUTH_MODE on|off, on */
	char api_keys_file[CONFIG_STR_MAX + 1]; /* API_KEYS_FILE */
	char jwt_secret[CONFIG_STR_MAX + 1];	/* JWT_SECRET (HS256) */
	char jwt_public_key_file[CONFIG_STR_MAX + 1]; /* JWT_PUBLIC_KEY_FILE (RS256/ES256) */
	char jwt_issuer[CONFIG_STR_MAX + 1];	      /* JWT_ISSUER */
	char jwt_audience[CONFIG_STR_MAX + 1];	      /* JWT_AUDIENCE */
	int rate_limit_per_minute;    /* RATE_LIMIT_PER_MINUTE, 6000; 0 = no limit */
	int rate_limit_burst;	      /* RATE_LIMIT_BURST, 600 */
	bool callback_allow_unsigned; /* PAYMENTS_CALLBACK_ALLOW_UNSIGNED, false */
	/* The API's non-blocking request path (DESIGN §2). */
	int db_pool_size;	  /* DB_POOL_SIZE, 16: API sessions, split across loops */
	int request_timeout_ms;	  /* REQUEST_TIMEOUT_MS, 5000: per-request deadline */
	int statement_timeout_ms; /* STATEMENT_TIMEOUT_MS, 5000: every session; 0 = none */
	/* Kafka security of every client: KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM,
	 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD[_FILE], KAFKA_SSL_CA_LOCATION,
	 * KAFKA_PROPERTIES_FILE (kafka_security.h). */
	struct kafka_security kafka_security;
};

/* Settings of the original services that this one reads under another name
 * or does not need; each is reported at start when set (config_report). */
#define CONFIG_REPORT_MAX 32

struct config_report {
	size_t count;
	struct {
		char name[64];
		const char *why; /* static text */
	} entries[CONFIG_REPORT_MAX];
};

/*
 * Loads *cfg: defaults, then the .env file at env_file (NULL: "$ENV_FILE" or
 * "./.env"; a missing file is fine), then the environment. On failure err
 * says which variable and why, e.g.
 *   "APP_PORT: must be an integer from 1 to 65535, got \"80x\"".
 * *cfg is written only on success.
 */
enum os_status config_load(struct config *cfg, const char *env_file, struct os_error *err);

/*
 * After config_load: the variables of the environment that look like
 * settings of this service (prefixes ORDER_, KAFKA_, DB_, POSTGRES_) but
 * that it does not read, or reads only in part (POSTGRES_* beside a
 * DATABASE_URL). Names only: a value is never copied. The caller logs one
 * warning line each.
 */
void config_report_ignored(struct config_report *out);

#endif
