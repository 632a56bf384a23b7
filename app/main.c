/*
 * order-service: the composition root. Parses the command line, loads the
 * configuration, builds the adapters and hands them to the use cases and
 * worker loops. This is the one file that sees every layer.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/admin_port.h"
#include "app/catalog_cache.h"
#include "app/inbox_decide.h"
#include "app/order_service.h"
#include "infrastructure/config/config.h"
#include "infrastructure/crypto/crypto.h"
#include "infrastructure/http/api_server.h"
#include "infrastructure/httpclient/http_catalog.h"
#include "infrastructure/httpclient/http_sink.h"
#include "infrastructure/kafka/dev_kafka.h"
#include "infrastructure/kafka/kafka_sink.h"
#include "infrastructure/kafka/kafka_source.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_server.h"
#include "infrastructure/postgres/pg_migrate.h"
#include "infrastructure/postgres/pg_session.h"
#include "workers/inbox_applier.h"
#include "workers/outbox_relay.h"
#include "workers/shipping_consumer.h"

#define DEFAULT_MIGRATIONS_DIR "migrations"
#define INSTALLED_MIGRATIONS_DIR "/usr/local/share/order-service/migrations"

static volatile sig_atomic_t stop_requested;
static bool stop_api_on_signal;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (stop_api_on_signal)
		api_server_stop();
}

/* No SA_RESTART: blocking waits return with EINTR so loops see the flag. */
static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int usage(FILE *out)
{
	fprintf(out,
		"usage: order-service <command>\n"
		"  api                              HTTP API (APP_PORT, default 8000)\n"
		"  migrate [--dir DIR]              apply pending migrations\n"
		"  worker outbox-payments           relay payment requests\n"
		"  worker outbox-notifications      relay notifications\n"
		"  worker outbox-kafka              relay order events and shipping requests\n"
		"  worker shipping-consumer         consume shipping events into the inbox\n"
		"  worker inbox                     apply inbox rows; cancel stale orders\n"
		"  dev-kafka [--addr-file FILE]     embedded Kafka (mock cluster) for local runs\n"
		"  outbox list | outbox retry <seq|all>\n"
		"  inbox list | inbox retry <id|all>\n"
		"Configuration comes from the environment and .env (see .env.example).\n");
	return out == stderr ? 2 : 0;
}

/* A failure at start: one line on stderr, in the configured log format. */
static int fail_line(const char *what, const struct os_error *err)
{
	log_kv(LOG_ERROR, what, "error", err->message, NULL);
	return 1;
}

/* ------------------------------------------------------------------ wiring */

static struct config cfg;
static struct order_settings settings;

static void settings_from_config(void)
{
	memset(&settings, 0, sizeof(settings));
	snprintf(settings.currency, sizeof(settings.currency), "%s", cfg.currency);
	snprintf(settings.callback_url, sizeof(settings.callback_url), "%s",
		 cfg.payments_callback_url);
	snprintf(settings.topic_order_events, sizeof(settings.topic_order_events), "%s",
		 cfg.topic_order_events);
	snprintf(settings.topic_shipping_requests, sizeof(settings.topic_shipping_requests), "%s",
		 cfg.topic_shipping_requests);
	settings.local_inventory = cfg.catalog_url[0] == '\0';
}

static enum os_status require(const char *value, const char *name, struct os_error *err)
{
	if (value[0] != '\0')
		return OS_OK;
	return os_fail(err, OS_EINVAL, name, "%s must be set for this command", name);
}

/* Opens a session, retrying while the database is not up yet (bounded by
 * the stop flag), so workers started before the database do not exit. */
static enum os_status open_session_as(bool async_commit, struct pg_session **out,
				      struct os_error *err)
{
	enum os_status st;
	int tries = 0;

	for (;;) {
		st = async_commit ? pg_session_open_async_commit(cfg.database_url, out, err)
				  : pg_session_open(cfg.database_url, out, err);
		if (st != OS_EUNAVAIL || stop_requested || ++tries > 600)
			return st;
		if (tries == 1)
			log_kv(LOG_WARN, "database unavailable, retrying", "error", err->message, NULL);
		struct timespec ts = { 0, 500 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static enum os_status open_session(struct pg_session **out, struct os_error *err)
{
	return open_session_as(false, out, err);
}

/* -------------------------------------------------------------------- api */

struct api_slot {
	struct pg_session *session;
	bool http_catalog;
	struct catalog_cache cache; /* in front of the thread's catalog */
};

static struct api_slot *api_slots;

static enum os_status api_thread_init(void *arg, int index, struct api_thread_ctx *out,
				      struct os_error *err)
{
	struct api_slot *slot = &api_slots[index];
	struct api_thread_ctx ctx;
	enum os_status st;

	(void)arg;
	memset(&ctx, 0, sizeof(ctx));
	st = open_session(&slot->session, err);
	if (st != OS_OK)
		return st;
	pg_order_repo_init(&ctx.svc.repo, slot->session);
	pg_inbox_writer_init(&ctx.inbox, slot->session);
	pg_admin_init(&ctx.admin, slot->session);
	crypto_sys_init(&ctx.svc.sys);
	ctx.svc.settings = &settings;
	if (settings.local_inventory) {
		pg_inventory_catalog_init(&ctx.svc.catalog, slot->session);
	} else {
		struct http_catalog_options co = { .base_url = cfg.catalog_url,
						   .timeout_ms = cfg.timeout_read_ms };

		st = http_catalog_open(&co, &ctx.svc.catalog, err);
		if (st != OS_OK) {
			pg_session_free(slot->session);
			slot->session = NULL;
			return st;
		}
		slot->http_catalog = true;
	}
	catalog_cache_init(&slot->cache, ctx.svc.catalog, ctx.svc.sys,
			   (int64_t)cfg.catalog_cache_ms * 1000);
	ctx.svc.catalog = catalog_cache_port(&slot->cache);
	*out = ctx;
	return OS_OK;
}

static void api_thread_fini(void *arg, struct api_thread_ctx *ctx)
{
	struct api_slot *slot;
	size_t i;

	(void)arg;
	for (i = 0; i < (size_t)cfg.api_threads; i++) {
		slot = &api_slots[i];
		if (slot->session == NULL || ctx->svc.repo.ctx != (void *)slot->session)
			continue;
		if (slot->http_catalog)
			http_catalog_close(&slot->cache.inner);
		pg_session_free(slot->session);
		slot->session = NULL;
	}
}

static int cmd_api(void)
{
	struct api_options o = { .host = "0.0.0.0",
				 .port = cfg.app_port,
				 .threads = cfg.api_threads,
				 .max_body_bytes = (size_t)cfg.max_body_bytes,
				 .callback_secret = cfg.callback_secret };
	struct os_error err;
	enum os_status st;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK)
		return fail_line("configuration", &err);
	api_slots = calloc((size_t)cfg.api_threads, sizeof(*api_slots));
	if (api_slots == NULL)
		return 1;
	stop_api_on_signal = true;
	if (stop_requested)
		return 0;
	st = api_server_run(&o, api_thread_init, api_thread_fini, NULL, &err);
	free(api_slots);
	if (st != OS_OK)
		return fail_line("api stopped", &err);
	log_kv(LOG_INFO, "api stopped", NULL);
	return 0;
}

/* ---------------------------------------------------------------- migrate */

static const char *migrations_dir(int argc, char **argv)
{
	const char *env = getenv("MIGRATIONS_DIR");
	FILE *probe;

	if (argc >= 2 && strcmp(argv[0], "--dir") == 0)
		return argv[1];
	if (env != NULL && env[0] != '\0')
		return env;
	probe = fopen(DEFAULT_MIGRATIONS_DIR "/0001_orders.sql", "r");
	if (probe != NULL) {
		fclose(probe);
		return DEFAULT_MIGRATIONS_DIR;
	}
	return INSTALLED_MIGRATIONS_DIR;
}

static int cmd_migrate(int argc, char **argv)
{
	struct os_error err;
	const char *dir = migrations_dir(argc, argv);
	int applied = 0;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK)
		return fail_line("configuration", &err);
	if (pg_migrate(cfg.database_url, dir, &applied, &err) != OS_OK)
		return fail_line("migrate failed", &err);
	log_kv(LOG_INFO, "migrations applied", "dir", dir, NULL);
	printf("migrate: %d migration(s) applied from %s\n", applied, dir);
	return 0;
}

/* ---------------------------------------------------------------- workers */

static void relay_on_batch(void *ctx, const char *name, size_t claimed, size_t sent,
			   size_t retried, size_t dead, int64_t batch_us)
{
	char labels[96];

	(void)ctx;
	snprintf(labels, sizeof(labels), "relay=\"%s\"", name);
	metrics_counter_add("outbox_sent_total", labels, (int64_t)sent);
	metrics_counter_add("outbox_retries_total", labels, (int64_t)retried);
	metrics_counter_add("outbox_dead_letters_total", labels, (int64_t)dead);
	metrics_histogram_observe("outbox_relay_batch_seconds", labels, batch_us);
	if (retried > 0 || dead > 0) {
		char counts[96];

		snprintf(counts, sizeof(counts), "claimed=%zu sent=%zu retried=%zu dead=%zu", claimed,
			 sent, retried, dead);
		log_kv(LOG_WARN, "outbox batch had failures", "relay", name, "counts", counts, NULL);
	} else {
		char n[24];

		snprintf(n, sizeof(n), "%zu", sent);
		log_kv(LOG_DEBUG, "outbox batch sent", "relay", name, "sent", n, NULL);
	}
}

static void relay_on_error(void *ctx, const char *name, const char *message)
{
	(void)ctx;
	log_kv(LOG_WARN, "outbox relay error", "relay", name, "error", message, NULL);
}

static void relay_options(struct outbox_relay_options *o, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->batch_size = (size_t)cfg.outbox_batch_size;
	o->poll_ms = cfg.outbox_poll_ms;
	o->max_attempts = cfg.max_retry;
	o->backoff.base_us = 200 * 1000;
	o->backoff.max_us = (int64_t)cfg.max_delay_ms * 1000;
	o->retention_s = cfg.outbox_retention_s;
	o->purge_every_ms = 60 * 1000;
	o->name = name;
}

/* Runs the relay with the given sink over two freshly opened stores: one
 * claims, completes and waits, the other claims the next batch ahead while
 * a backlog drains. */
static int run_relay(struct outbox_relay_options *o, const struct outbox_sink *sink)
{
	struct outbox_relay_observer obs = { .on_batch = relay_on_batch,
					     .on_error = relay_on_error };
	struct pg_session *sessions[2] = { NULL, NULL };
	struct outbox_store stores[2];
	struct outbox_relay_ports ports;
	struct os_error err;
	struct sys sys;
	int rc = 1, i;

	os_error_clear(&err);
	/* A relay's commits only mark rows sent: losing the last few in a crash
	 * means sending them again, which at-least-once delivery allows. */
	for (i = 0; i < 2; i++) {
		if (open_session_as(true, &sessions[i], &err) != OS_OK) {
			rc = fail_line("database", &err);
			goto out;
		}
		pg_outbox_store_init(&stores[i], sessions[i]);
	}
	crypto_sys_init(&sys);
	ports = (struct outbox_relay_ports){ .store = &stores[0], .ahead = &stores[1],
					     .sink = sink, .sys = &sys, .obs = &obs };
	log_kv(LOG_INFO, "relay started", "relay", o->name, NULL);
	rc = outbox_relay_run(o, &ports, &stop_requested);
	log_kv(LOG_INFO, "relay stopped", "relay", o->name, NULL);
out:
	pg_session_free(sessions[0]);
	pg_session_free(sessions[1]);
	return rc;
}

static int cmd_outbox_http(const char *name, const char *dest, const char *url,
			   const char *url_var)
{
	struct http_sink_options so = { .url = url,
					.api_key = cfg.access_token,
					.timeout_ms = cfg.timeout_read_ms,
					.max_parallel = 32 };
	struct outbox_relay_options o;
	struct outbox_sink sink;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK ||
	    require(url, url_var, &err) != OS_OK)
		return fail_line("configuration", &err);
	if (http_sink_open(&so, &sink, &err) != OS_OK)
		return fail_line("http client", &err);
	relay_options(&o, name);
	o.filter.count = 1;
	o.filter.destinations[0] = dest;
	rc = run_relay(&o, &sink);
	http_sink_close(&sink);
	return rc;
}

static int cmd_outbox_kafka(void)
{
	struct kafka_sink_options ko = { .bootstrap = cfg.kafka_bootstrap,
					 .linger_ms = cfg.kafka_linger_ms,
					 .delivery_timeout_ms = cfg.timeout_read_ms * 2,
					 .ce_source = "/order-service",
					 .security = &cfg.kafka_security };
	struct outbox_relay_options o;
	struct outbox_sink sink;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK ||
	    require(cfg.kafka_bootstrap, "KAFKA_BOOTSTRAP_SERVERS", &err) != OS_OK)
		return fail_line("configuration", &err);
	if (kafka_sink_open(&ko, &sink, &err) != OS_OK)
		return fail_line("kafka producer", &err);
	relay_options(&o, "outbox-kafka");
	o.filter.count = 2;
	o.filter.destinations[0] = cfg.topic_order_events;
	o.filter.destinations[1] = cfg.topic_shipping_requests;
	rc = run_relay(&o, &sink);
	kafka_sink_close(&sink);
	return rc;
}

static void consumer_note(void *arg, enum shipping_consumer_event ev, const struct inbox_msg *m,
			  const struct os_error *err)
{
	static const char *const names[] = { "recorded", "duplicate", "inbox_retry", "refused",
					     "dropped", "commit_failed", "poll_failed" };
	const char *name = (size_t)ev < sizeof(names) / sizeof(names[0]) ? names[ev] : "other";
	char labels[64];

	(void)arg;
	snprintf(labels, sizeof(labels), "outcome=\"%s\"", name);
	metrics_counter_add("shipping_consumer_messages_total", labels, 1);
	if (ev == SHIPPING_CONSUMER_RECORDED && m != NULL && m->rejected)
		metrics_counter_add("shipping_consumer_errors_total", "kind=\"malformed\"", 1);
	if (err != NULL || (m != NULL && m->rejected))
		log_kv(ev == SHIPPING_CONSUMER_RECORDED ? LOG_WARN : LOG_ERROR,
		       m != NULL && m->rejected ? "malformed shipping event recorded as rejected"
						: "shipping consumer problem",
		       "outcome", name, "message_id", m ? m->message_id : NULL, "error",
		       err ? err->message : (m ? m->error : NULL), NULL);
	else
		log_kv(LOG_DEBUG, "shipping event", "outcome", name, "message_id",
		       m ? m->message_id : NULL, "type", m ? m->type : NULL, NULL);
}

static int cmd_shipping_consumer(void)
{
	struct kafka_source_options ko = { .bootstrap = cfg.kafka_bootstrap,
					   .group_id = cfg.kafka_group_id,
					   .topic = cfg.topic_shipping_events,
					   .session_timeout_ms = cfg.kafka_session_timeout_ms,
					   .security = &cfg.kafka_security };
	struct shipping_consumer_options so = { .poll_ms = 500, .note = consumer_note };
	struct pg_session *session = NULL;
	struct message_source src;
	struct inbox_writer inbox;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK ||
	    require(cfg.kafka_bootstrap, "KAFKA_BOOTSTRAP_SERVERS", &err) != OS_OK)
		return fail_line("configuration", &err);
	if (open_session(&session, &err) != OS_OK)
		return fail_line("database", &err);
	if (kafka_source_open(&ko, &src, &err) != OS_OK) {
		pg_session_free(session);
		return fail_line("kafka consumer", &err);
	}
	pg_inbox_writer_init(&inbox, session);
	log_kv(LOG_INFO, "shipping consumer started", "topic", cfg.topic_shipping_events, NULL);
	rc = shipping_consumer_run(&so, &src, &inbox, &stop_requested);
	log_kv(LOG_INFO, "shipping consumer stopped", NULL);
	kafka_source_close(&src);
	pg_session_free(session);
	return rc;
}

static void inbox_on_batch(void *ctx, size_t handled, int64_t batch_us)
{
	(void)ctx;
	metrics_counter_add("inbox_handled_total", NULL, (int64_t)handled);
	metrics_histogram_observe("inbox_batch_seconds", NULL, batch_us);
}

static void inbox_on_sweep(void *ctx, size_t expired)
{
	char n[24];

	(void)ctx;
	snprintf(n, sizeof(n), "%zu", expired);
	metrics_counter_add("orders_expired_total", NULL, (int64_t)expired);
	log_kv(LOG_INFO, "stale orders cancelled", "count", n, NULL);
}

static void inbox_on_error(void *ctx, const char *message)
{
	(void)ctx;
	metrics_counter_add("inbox_errors_total", NULL, 1);
	log_kv(LOG_WARN, "inbox worker error", "error", message, NULL);
}

static const struct inbox_applier_observer inbox_observer = {
	.on_batch = inbox_on_batch,
	.on_sweep = inbox_on_sweep,
	.on_error = inbox_on_error,
};

static int cmd_inbox_worker(void)
{
	struct inbox_applier_options ao = {
		.batch_size = 100,
		.poll_ms = cfg.outbox_poll_ms,
		.sweep_every_ms = 10 * 1000,
		.stale_after_us = (int64_t)cfg.order_stale_after_s * 1000000,
		.sweep_max = 100,
		.observer = &inbox_observer,
	};
	struct pg_session *session = NULL;
	struct inbox_decider decider;
	struct order_service svc;
	struct inbox_store store;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK)
		return fail_line("configuration", &err);
	if (open_session(&session, &err) != OS_OK)
		return fail_line("database", &err);
	memset(&svc, 0, sizeof(svc));
	pg_order_repo_init(&svc.repo, session);
	pg_inventory_catalog_init(&svc.catalog, session);
	crypto_sys_init(&svc.sys);
	svc.settings = &settings;
	pg_inbox_store_init(&store, session);
	memset(&decider, 0, sizeof(decider));
	decider.settings = &settings;
	decider.sys = svc.sys;
	decider.max_attempts = cfg.inbox_max_attempts;
	decider.retry_base_us = 100 * 1000;
	decider.retry_max_us = (int64_t)cfg.max_delay_ms * 1000;
	log_kv(LOG_INFO, "inbox worker started", NULL);
	rc = inbox_applier_run(&ao, &store, inbox_decide, &decider, &svc, &svc.sys, &stop_requested);
	log_kv(LOG_INFO, "inbox worker stopped", NULL);
	pg_session_free(session);
	return rc;
}

static int cmd_worker(int argc, char **argv)
{
	struct os_error err;

	if (argc < 1)
		return usage(stderr);
	log_setup(cfg.log_level, cfg.log_json, argv[0]);
	/* A worker's threads (librdkafka's, the relay's claim-ahead helper, the
	 * metrics endpoint) would each get a malloc arena of their own, and
	 * batches allocated on one thread are freed on another: two arenas keep
	 * a draining relay about 1 MiB smaller (docs/BENCHMARKS.md). Set before
	 * any thread starts; the API's event loops keep glibc's default. */
	(void)mallopt(M_ARENA_MAX, 2);
	os_error_clear(&err);
	if (cfg.worker_metrics_port > 0 && metrics_server_start(cfg.worker_metrics_port, &err) != OS_OK)
		return fail_line("metrics endpoint", &err);
	if (strcmp(argv[0], "outbox-payments") == 0)
		return cmd_outbox_http("outbox-payments", OUTBOX_DEST_PAYMENTS, cfg.payments_url,
				       "PAYMENTS_SERVICE_API_URL");
	if (strcmp(argv[0], "outbox-notifications") == 0)
		return cmd_outbox_http("outbox-notifications", OUTBOX_DEST_NOTIFICATIONS,
				       cfg.notifications_url, "NOTIFICATIONS_SERVICE_API_URL");
	if (strcmp(argv[0], "outbox-kafka") == 0)
		return cmd_outbox_kafka();
	if (strcmp(argv[0], "shipping-consumer") == 0)
		return cmd_shipping_consumer();
	if (strcmp(argv[0], "inbox") == 0)
		return cmd_inbox_worker();
	fprintf(stderr, "order-service: unknown worker \"%s\"\n", argv[0]);
	return usage(stderr);
}

/* -------------------------------------------------------------- dev-kafka */

static int cmd_dev_kafka(int argc, char **argv)
{
	const char *addr_file = ".data/kafka.addr";
	const char *topics[3] = { cfg.topic_order_events, cfg.topic_shipping_requests,
				  cfg.topic_shipping_events };
	int partitions = 3;

	if (argc >= 2 && strcmp(argv[0], "--addr-file") == 0)
		addr_file = argv[1];
	return dev_kafka_run(addr_file, topics, 3, partitions, &stop_requested);
}

/* ------------------------------------------------------------------ admin */

static int admin_list_cmd(const struct admin *a, enum admin_kind kind)
{
	struct dead_letter rows[ADMIN_LIST_MAX];
	struct os_error err;
	int64_t after = 0;
	size_t n, i;

	os_error_clear(&err);
	do {
		if (admin_list(a, kind, after, ADMIN_LIST_MAX, rows, &n, &err) != OS_OK)
			return fail_line("list", &err);
		for (i = 0; i < n; i++) {
			printf("%lld\t%s\t%s\t%s\tattempts=%d\t%s\n", (long long)rows[i].id,
			       rows[i].message_id, rows[i].type, rows[i].where, rows[i].attempts,
			       rows[i].error);
			after = rows[i].id;
		}
	} while (n == ADMIN_LIST_MAX);
	return 0;
}

static int admin_retry_cmd(const struct admin *a, enum admin_kind kind, const char *which)
{
	struct os_error err;
	long long id = 0;
	char *end = NULL;
	size_t n = 0;

	os_error_clear(&err);
	if (strcmp(which, "all") != 0) {
		id = strtoll(which, &end, 10);
		if (end == which || *end != '\0' || id <= 0) {
			fprintf(stderr, "order-service: expected a row id or \"all\", got \"%s\"\n", which);
			return 2;
		}
	}
	if (admin_retry(a, kind, (int64_t)id, &n, &err) != OS_OK)
		return fail_line("retry", &err);
	printf("%zu row(s) back to pending\n", n);
	return 0;
}

static int cmd_admin(enum admin_kind kind, int argc, char **argv)
{
	struct pg_session *session = NULL;
	struct os_error err;
	struct admin a;
	int rc;

	os_error_clear(&err);
	if (argc < 1 || (strcmp(argv[0], "retry") == 0 && argc < 2))
		return usage(stderr);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK)
		return fail_line("configuration", &err);
	if (pg_session_open(cfg.database_url, &session, &err) != OS_OK)
		return fail_line("database", &err);
	pg_admin_init(&a, session);
	if (strcmp(argv[0], "list") == 0)
		rc = admin_list_cmd(&a, kind);
	else if (strcmp(argv[0], "retry") == 0)
		rc = admin_retry_cmd(&a, kind, argv[1]);
	else
		rc = usage(stderr);
	pg_session_free(session);
	return rc;
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct os_error err;
	const char *cmd;

	if (argc < 2)
		return usage(stderr);
	cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return usage(stdout);
	os_error_clear(&err);
	if (config_load(&cfg, NULL, &err) != OS_OK) {
		fprintf(stderr, "order-service: invalid configuration: %s\n", err.message);
		return 2;
	}
	settings_from_config();
	log_setup(cfg.log_level, cfg.log_json, cmd);
	install_signals();
	if (strcmp(cmd, "api") == 0)
		return cmd_api();
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc - 2, argv + 2);
	if (strcmp(cmd, "worker") == 0)
		return cmd_worker(argc - 2, argv + 2);
	if (strcmp(cmd, "dev-kafka") == 0)
		return cmd_dev_kafka(argc - 2, argv + 2);
	if (strcmp(cmd, "outbox") == 0)
		return cmd_admin(ADMIN_OUTBOX, argc - 2, argv + 2);
	if (strcmp(cmd, "inbox") == 0)
		return cmd_admin(ADMIN_INBOX, argc - 2, argv + 2);
	fprintf(stderr, "order-service: unknown command \"%s\"\n", cmd);
	return usage(stderr);
}
