/*
 * `order-service worker <kind>`: the long-running loops' wiring. The
 * relays get the sink of their destination (HTTP or Kafka) and two outbox
 * stores, the shipping consumer a Kafka source and the inbox, the inbox
 * applier the store and the use cases; each runs until SIGTERM.
 */
#include <malloc.h>
#include <string.h>

#include "app/inbox_decide.h"
#include "app/outbox_router.h"
#include "cmd/cmd.h"
#include "cmd/observers.h"
#include "infrastructure/crypto/sys_real.h"
#include "infrastructure/httpclient/http_sink.h"
#include "infrastructure/kafka/kafka_sink.h"
#include "infrastructure/kafka/kafka_source.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_server.h"
#include "infrastructure/metrics/metrics_workers.h"
#include "infrastructure/postgres/pg_inbox.h"
#include "infrastructure/postgres/pg_inventory_catalog.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_outbox_store.h"
#include "infrastructure/postgres/pg_session.h"
#include "workers/backoff.h"

/* Opens a session, retrying while the database is not up yet (bounded by
 * the stop flag), so workers started before the database do not exit. */
static enum os_status open_session_as(const struct config *cfg, bool async_commit,
				      struct pg_session **out, struct os_error *err)
{
	enum os_status st;
	int tries = 0;

	for (;;) {
		st = async_commit ? pg_session_open_async_commit(cfg->database_url, out, err)
				  : pg_session_open(cfg->database_url, out, err);
		if (st != OS_EUNAVAIL || cmd_stop_requested || ++tries > 600)
			return st;
		if (tries == 1)
			log_kv(LOG_WARN, "database unavailable, retrying", "error", err->message,
			       NULL);
		(void)backoff_pause(500 * 1000, &cmd_stop_requested);
	}
}

/* DATABASE_URL and the setting name, whose value is given, must be set. */
static enum os_status require_database_and(const struct config *cfg, const char *value,
					   const char *name, struct os_error *err)
{
	enum os_status st = cmd_require(cfg->database_url, "DATABASE_URL", err);

	return st != OS_OK ? st : cmd_require(value, name, err);
}

/* ----------------------------------------------------------------- relays */

static void relay_options(const struct config *cfg, struct outbox_relay_options *o,
			  const char *name, const struct outbox_filter *filter)
{
	memset(o, 0, sizeof(*o));
	o->filter = *filter;
	o->batch_size = (size_t)cfg->outbox_batch_size;
	o->poll_ms = cfg->outbox_poll_ms;
	o->max_attempts = cfg->max_retry;
	o->backoff.base_us = 200 * 1000;
	o->backoff.max_us = (int64_t)cfg->max_delay_ms * 1000;
	o->retention_s = cfg->outbox_retention_s;
	o->purge_every_ms = 60 * 1000;
	o->name = name;
}

/* Runs relay name over the rows of filter's destinations with the given
 * sink and two freshly opened stores: one claims, completes and waits, the
 * other claims the next batch ahead while a backlog drains. */
static int run_relay(const struct config *cfg, const char *name, const struct outbox_filter *filter,
		     const struct outbox_sink *sink)
{
	struct pg_session *sessions[2] = {NULL, NULL};
	struct outbox_relay_options opt, *o = &opt;
	struct outbox_store stores[2];
	struct outbox_relay_ports ports;
	struct os_error err;
	struct sys sys;
	int rc = 1, i;

	os_error_clear(&err);
	relay_options(cfg, o, name, filter);
	/* A relay's commits only mark rows sent: losing the last few in a crash
	 * means sending them again, which at-least-once delivery allows. */
	for (i = 0; i < 2; i++) {
		if (open_session_as(cfg, true, &sessions[i], &err) != OS_OK) {
			rc = cmd_fail_line("database", &err);
			goto out;
		}
		pg_outbox_store_init(&stores[i], sessions[i]);
	}
	crypto_sys_init(&sys);
	metrics_relay_init(o->name, o->filter.destinations, o->filter.count);
	ports = (struct outbox_relay_ports){.store = &stores[0],
					    .ahead = &stores[1],
					    .sink = sink,
					    .sys = &sys,
					    .obs = &cmd_relay_observer};
	log_kv(LOG_INFO, "relay started", "relay", o->name, NULL);
	rc = outbox_relay_run(o, &ports, &cmd_stop_requested);
	log_kv(LOG_INFO, "relay stopped", "relay", o->name, NULL);
out:
	pg_session_free(sessions[0]);
	pg_session_free(sessions[1]);
	return rc;
}

/* A kind of relay sink: how it opens from its options and closes. */
struct relay_sink_kind {
	const char *what; /* names the failure: "http client", "kafka producer" */
	enum os_status (*open)(const void *options, struct outbox_sink *out, struct os_error *err);
	void (*close)(struct outbox_sink *s);
};

static enum os_status open_http(const void *options, struct outbox_sink *out, struct os_error *err)
{
	return http_sink_open(options, out, err);
}

static enum os_status open_kafka(const void *options, struct outbox_sink *out, struct os_error *err)
{
	return kafka_sink_open(options, out, err);
}

static const struct relay_sink_kind http_kind = {"http client", open_http, http_sink_close};
static const struct relay_sink_kind kafka_kind = {"kafka producer", open_kafka, kafka_sink_close};

/* Relay name over one sink of kind, opened from options once DATABASE_URL
 * and the sink's own variable (value, named var) are set. */
static int run_relay_over(const struct config *cfg, const char *name,
			  const struct outbox_filter *filter, const char *value, const char *var,
			  const struct relay_sink_kind *kind, const void *options)
{
	struct outbox_sink sink;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (require_database_and(cfg, value, var, &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	if (kind->open(options, &sink, &err) != OS_OK)
		return cmd_fail_line(kind->what, &err);
	rc = run_relay(cfg, name, filter, &sink);
	kind->close(&sink);
	return rc;
}

static int cmd_outbox_http(const struct config *cfg, const char *name, const char *dest,
			   const char *url, const char *url_var)
{
	struct http_sink_options so = {.url = url,
				       .api_key = cfg->access_token,
				       .timeout_ms = cfg->timeout_read_ms,
				       .max_parallel = 32};

	return run_relay_over(cfg, name, &(struct outbox_filter){1, {dest}}, url, url_var,
			      &http_kind, &so);
}

/* outbox-notifications with the egress webhook (WEBHOOK_OUTGOING_URL): one
 * relay over both destinations, each row sent by its destination's sink.
 * The webhook's requests are signed like the payment callbacks. */
static int cmd_outbox_notifications_webhook(const struct config *cfg)
{
	struct http_sink_options no = {.url = cfg->notifications_url,
				       .api_key = cfg->access_token,
				       .timeout_ms = cfg->timeout_read_ms,
				       .max_parallel = 32};
	struct http_sink_options wo = {.url = cfg->webhook_url,
				       .timeout_ms = cfg->timeout_read_ms,
				       .max_parallel = 8,
				       .signing_secret = cfg->webhook_secret};
	struct outbox_sink sinks[2] = {{NULL, NULL}, {NULL, NULL}}, sink;
	struct outbox_router router = {0};
	struct os_error err;
	int rc = 1;

	os_error_clear(&err);
	if (require_database_and(cfg, cfg->notifications_url, "NOTIFICATIONS_SERVICE_API_URL",
				 &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	if (cfg->webhook_secret[0] == '\0')
		log_kv(LOG_WARN, "egress webhook requests go unsigned: set WEBHOOK_OUTGOING_SECRET",
		       NULL);
	if (http_sink_open(&no, &sinks[0], &err) != OS_OK ||
	    http_sink_open(&wo, &sinks[1], &err) != OS_OK) {
		rc = cmd_fail_line("http client", &err);
		goto out;
	}
	router.count = 2;
	router.routes[0] = (struct outbox_route){OUTBOX_DEST_NOTIFICATIONS, sinks[0]};
	router.routes[1] = (struct outbox_route){OUTBOX_DEST_WEBHOOK, sinks[1]};
	outbox_router_sink(&router, &sink);
	rc = run_relay(cfg, "outbox-notifications",
		       &(struct outbox_filter){2, {OUTBOX_DEST_NOTIFICATIONS, OUTBOX_DEST_WEBHOOK}},
		       &sink);
out:
	if (sinks[0].ctx != NULL)
		http_sink_close(&sinks[0]);
	if (sinks[1].ctx != NULL)
		http_sink_close(&sinks[1]);
	return rc;
}

static int cmd_outbox_kafka(const struct config *cfg)
{
	struct kafka_sink_options ko = {.bootstrap = cfg->kafka_bootstrap,
					.linger_ms = cfg->kafka_linger_ms,
					.delivery_timeout_ms = cfg->timeout_read_ms * 2,
					.ce_source = "/order-service",
					.security = &cfg->kafka_security};

	return run_relay_over(
	    cfg, "outbox-kafka",
	    &(struct outbox_filter){2, {cfg->topic_order_events, cfg->topic_shipping_requests}},
	    cfg->kafka_bootstrap, "KAFKA_BOOTSTRAP_SERVERS", &kafka_kind, &ko);
}

/* ------------------------------------------------------ shipping consumer */

static int cmd_shipping_consumer(const struct config *cfg)
{
	struct kafka_source_options ko = {.bootstrap = cfg->kafka_bootstrap,
					  .group_id = cfg->kafka_group_id,
					  .topic = cfg->topic_shipping_events,
					  .session_timeout_ms = cfg->kafka_session_timeout_ms,
					  .security = &cfg->kafka_security};
	struct shipping_consumer_options so = {.poll_ms = 500, .note = cmd_consumer_note};
	struct pg_session *session = NULL;
	struct message_source src;
	struct inbox_writer inbox;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (require_database_and(cfg, cfg->kafka_bootstrap, "KAFKA_BOOTSTRAP_SERVERS", &err) !=
	    OS_OK)
		return cmd_fail_line("configuration", &err);
	if (open_session_as(cfg, false, &session, &err) != OS_OK)
		return cmd_fail_line("database", &err);
	if (kafka_source_open(&ko, &src, &err) != OS_OK) {
		pg_session_free(session);
		return cmd_fail_line("kafka consumer", &err);
	}
	pg_inbox_writer_init(&inbox, session);
	metrics_consumer_init();
	log_kv(LOG_INFO, "shipping consumer started", "topic", cfg->topic_shipping_events, NULL);
	rc = shipping_consumer_run(&so, &src, &inbox, &cmd_stop_requested);
	log_kv(LOG_INFO, "shipping consumer stopped", NULL);
	kafka_source_close(&src);
	pg_session_free(session);
	return rc;
}

/* ---------------------------------------------------------- inbox applier */

static int cmd_inbox_worker(const struct config *cfg, const struct order_settings *settings)
{
	struct inbox_applier_options ao = {
	    .batch_size = 100,
	    .poll_ms = cfg->outbox_poll_ms,
	    /* At least twice per stale period, so a short one (tests) is
	     * kept, at most every 10 s and at least every second. */
	    .sweep_every_ms = cfg->order_stale_after_s >= 20  ? 10 * 1000
			      : cfg->order_stale_after_s >= 2 ? cfg->order_stale_after_s * 500
							      : 1000,
	    .stale_after_us = (int64_t)cfg->order_stale_after_s * 1000000,
	    .sweep_max = 100,
	    .purge_every_ms = 60 * 1000,
	    .retention_s = cfg->inbox_retention_s,
	    .observer = &cmd_inbox_observer,
	};
	struct pg_session *session = NULL;
	struct inbox_decider decider;
	struct order_service svc;
	struct inbox_store store;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (cmd_require(cfg->database_url, "DATABASE_URL", &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	if (open_session_as(cfg, false, &session, &err) != OS_OK)
		return cmd_fail_line("database", &err);
	memset(&svc, 0, sizeof(svc));
	pg_order_repo_init(&svc.repo, session);
	pg_inventory_catalog_init(&svc.catalog, session);
	crypto_sys_init(&svc.sys);
	svc.settings = settings;
	pg_inbox_store_init(&store, session);
	memset(&decider, 0, sizeof(decider));
	decider.settings = settings;
	decider.sys = svc.sys;
	decider.max_attempts = cfg->inbox_max_attempts;
	decider.retry_base_us = 100 * 1000;
	decider.retry_max_us = (int64_t)cfg->max_delay_ms * 1000;
	metrics_inbox_init();
	metrics_orders_init();
	log_kv(LOG_INFO, "inbox worker started", NULL);
	rc = inbox_applier_run(&ao, &store, inbox_decide, &decider, &svc, &svc.sys,
			       &cmd_stop_requested);
	log_kv(LOG_INFO, "inbox worker stopped", NULL);
	pg_session_free(session);
	return rc;
}

/* ------------------------------------------------------------------ worker */

int cmd_worker(const struct config *cfg, const struct order_settings *settings, int argc,
	       char **argv)
{
	struct os_error err;
	int metrics_port = cfg->metrics_port > 0 ? cfg->metrics_port : cfg->worker_metrics_port;

	if (argc < 1)
		return cmd_usage(stderr);
	log_setup(cfg->log_level, cfg->log_json, argv[0]);
	/* A worker's threads (librdkafka's, the relay's claim-ahead helper, the
	 * metrics endpoint) would each get a malloc arena of their own, and
	 * batches allocated on one thread are freed on another: two arenas keep
	 * a draining relay about 1 MiB smaller (docs/BENCHMARKS.md). Set before
	 * any thread starts; the API's event loops keep glibc's default. */
	(void)mallopt(M_ARENA_MAX, 2);
	os_error_clear(&err);
	if (metrics_port > 0 && metrics_server_start(metrics_port, NULL, NULL, &err) != OS_OK)
		return cmd_fail_line("metrics endpoint", &err);
	if (strcmp(argv[0], "outbox-payments") == 0)
		return cmd_outbox_http(cfg, "outbox-payments", OUTBOX_DEST_PAYMENTS,
				       cfg->payments_url, "PAYMENTS_SERVICE_API_URL");
	if (strcmp(argv[0], "outbox-notifications") == 0 && cfg->webhook_url[0] != '\0')
		return cmd_outbox_notifications_webhook(cfg);
	if (strcmp(argv[0], "outbox-notifications") == 0)
		return cmd_outbox_http(cfg, "outbox-notifications", OUTBOX_DEST_NOTIFICATIONS,
				       cfg->notifications_url, "NOTIFICATIONS_SERVICE_API_URL");
	if (strcmp(argv[0], "outbox-kafka") == 0)
		return cmd_outbox_kafka(cfg);
	if (strcmp(argv[0], "shipping-consumer") == 0)
		return cmd_shipping_consumer(cfg);
	if (strcmp(argv[0], "inbox") == 0)
		return cmd_inbox_worker(cfg, settings);
	fprintf(stderr, "order-service: unknown worker \"%s\"\n", argv[0]);
	return cmd_usage(stderr);
}
