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
#include "app/outbox_router.h"
#include "infrastructure/config/config.h"
#include "infrastructure/crypto/sys_real.h"
#include "infrastructure/auth/auth.h"
#include "infrastructure/auth/ratelimit.h"
#include "infrastructure/http/api_docs.h"
#include "infrastructure/http/api_server.h"
#include "infrastructure/httpclient/http_catalog.h"
#include "infrastructure/httpclient/http_sink.h"
#include "infrastructure/kafka/dev_kafka.h"
#include "infrastructure/kafka/kafka_sink.h"
#include "infrastructure/kafka/kafka_source.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics_process.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_queues.h"
#include "infrastructure/metrics/metrics_server.h"
#include "infrastructure/metrics/metrics_workers.h"
#include "infrastructure/postgres/pg_admin.h"
#include "infrastructure/postgres/pg_inbox.h"
#include "infrastructure/postgres/pg_inventory.h"
#include "infrastructure/postgres/pg_inventory_catalog.h"
#include "infrastructure/postgres/pg_migrate.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_outbox_store.h"
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
		"  migrate status [--dir DIR]       list applied and pending migrations; exit 0\n"
		"                                   up to date, 3 some pending, 4 an applied\n"
		"                                   file changed or missing, 1 error\n"
		"  worker outbox-payments           relay payment requests\n"
		"  worker outbox-notifications      relay notifications\n"
		"  worker outbox-kafka              relay order events and shipping requests\n"
		"  worker shipping-consumer         consume shipping events into the inbox\n"
		"  worker inbox                     apply inbox rows; cancel stale orders\n"
		"  dev-kafka [--addr-file FILE]     embedded Kafka (mock cluster) for local runs\n"
		"  outbox list | outbox retry <seq|all>\n"
		"  inbox list | inbox retry <id|all>\n"
		"  --version | help [<command>]     print and exit; <command> --help too\n"
		"Configuration comes from the environment and .env (see .env.example).\n");
	return out == stderr ? 2 : 0;
}

/* ------------------------------------------------------------------- help */


/* `<cmd> --help` and `help <cmd>`: what each command does and reads. Help
 * never loads the configuration, connects, migrates or starts anything. */
struct command_help {
	const char *name; /* "worker inbox" for a worker kind */
	const char *text;
};

static const struct command_help command_helps[] = {
    {"api", "usage: order-service api\n"
	    "Serves the HTTP API (docs/openapi.yaml) on APP_PORT (default 8000), with\n"
	    "Swagger UI at /api/docs, ReDoc at /api/redoc and the document at\n"
	    "/api/openapi.json (files from DOCS_DIR, else the build or install tree).\n"
	    "Reads DATABASE_URL, API_THREADS, CATALOG_SERVICE_API_URL (else the local\n"
	    "inventory), PAYMENTS_CALLBACK_SECRET, MAX_BODY_BYTES. Stops on SIGTERM.\n"},
    {"migrate", "usage: order-service migrate [--dir DIR]\n"
		"       order-service migrate status\n"
		"Applies the pending migrations (DIR, else MIGRATIONS_DIR, else ./migrations,\n"
		"else the installed ones) to DATABASE_URL, each recorded with a checksum; an\n"
		"applied file that changed is refused. `status` lists applied and pending ones.\n"},
    {"worker", "usage: order-service worker <kind>\n"
	       "  outbox-payments        relay payment requests, cancellations and refunds\n"
	       "  outbox-notifications   relay notifications and the egress webhook\n"
	       "  outbox-kafka           relay order events and shipping requests to Kafka\n"
	       "  shipping-consumer      consume shipping events into the inbox\n"
	       "  inbox                  apply inbox rows; cancel stale orders\n"
	       "Each serves /metrics on WORKER_METRICS_PORT when set. Stops on SIGTERM.\n"},
    {"worker outbox-payments",
     "usage: order-service worker outbox-payments\n"
     "Relays the outbox rows of the payment service (requests, cancellations,\n"
     "refunds) to PAYMENTS_SERVICE_API_URL. Reads DATABASE_URL, MAX_RETRY, MAX_DELAY.\n"},
    {"worker outbox-notifications",
     "usage: order-service worker outbox-notifications\n"
     "Relays notifications to NOTIFICATIONS_SERVICE_API_URL. Reads DATABASE_URL.\n"},
    {"worker outbox-kafka",
     "usage: order-service worker outbox-kafka\n"
     "Relays order events and shipping requests to KAFKA_BOOTSTRAP_SERVERS.\n"
     "Reads DATABASE_URL and the topic settings.\n"},
    {"worker shipping-consumer",
     "usage: order-service worker shipping-consumer\n"
     "Consumes the shipping-events topic (KAFKA_TOPIC) from KAFKA_BOOTSTRAP_SERVERS\n"
     "into the inbox of DATABASE_URL; offsets are committed after the database.\n"},
    {"worker inbox", "usage: order-service worker inbox\n"
		     "Applies pending inbox rows (payment callbacks, shipping events) to orders\n"
		     "and cancels orders stuck in new. Reads DATABASE_URL.\n"},
    {"outbox", "usage: order-service outbox list | outbox retry <seq|all>\n"
	       "Lists dead outbox rows, or puts one (by sequence) or all back to pending.\n"
	       "Reads DATABASE_URL.\n"},
    {"inbox", "usage: order-service inbox list | inbox retry <id|all>\n"
	      "Lists rejected inbox rows, or puts one or all back to pending.\n"
	      "Reads DATABASE_URL.\n"},
    {"dev-kafka", "usage: order-service dev-kafka [--addr-file FILE]\n"
		  "Runs librdkafka's mock cluster with the topics created, for local runs;\n"
		  "prints the bootstrap address and writes it to FILE (.data/kafka.addr).\n"
		  "Stops on SIGTERM or Ctrl-C.\n"},
};

static bool is_help_flag(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* The help of "cmd" or "cmd kind" (kind may be NULL), or NULL. */
static const char *help_text(const char *cmd, const char *kind)
{
	char name[64];
	size_t i;

	if (kind != NULL && !is_help_flag(kind)) {
		snprintf(name, sizeof(name), "%s %s", cmd, kind);
		for (i = 0; i < sizeof(command_helps) / sizeof(command_helps[0]); i++)
			if (strcmp(command_helps[i].name, name) == 0)
				return command_helps[i].text;
	}
	for (i = 0; i < sizeof(command_helps) / sizeof(command_helps[0]); i++)
		if (strcmp(command_helps[i].name, cmd) == 0)
			return command_helps[i].text;
	return NULL;
}

static int print_version(void)
{
	printf("order-service %s (commit %s)\n", metrics_build_version(), metrics_build_commit());
	return 0;
}

/*
 * Answers `--version`, `help [cmd [kind]]` and `<cmd> ... --help` before
 * anything else happens. Returns -1 when argv asks for none of them, else
 * the exit code.
 */
static int help_or_version(int argc, char **argv)
{
	const char *text;
	int i;

	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)
		return print_version();
	if ((strcmp(argv[1], "help") == 0 || is_help_flag(argv[1])) && argc >= 3) {
		text = help_text(argv[2], argc >= 4 ? argv[3] : NULL);
		if (text == NULL)
			return usage(stderr);
		fputs(text, stdout);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		if (!is_help_flag(argv[i]))
			continue;
		text = help_text(argv[1], argc >= 3 ? argv[2] : NULL);
		if (text == NULL)
			return usage(stderr);
		fputs(text, stdout);
		return 0;
	}
	return -1;
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
	settings.egress_webhook = cfg.webhook_url[0] != '\0';
}

/* One warning line per setting of the environment that looks like ours but
 * is not read (names only, never values). */
static void report_settings(void)
{
	struct config_report rep;
	size_t i;

	config_report_ignored(&rep);
	for (i = 0; i < rep.count; i++)
		log_kv(LOG_WARN, "setting not used", "name", rep.entries[i].name, "why",
		       rep.entries[i].why, NULL);
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

/* DB_POOL_SIZE split across the loops, at least one session each. */
static size_t api_pool_share(int index)
{
	int n = cfg.db_pool_size / cfg.api_threads;

	if (index < cfg.db_pool_size % cfg.api_threads)
		n++;
	return n < 1 ? 1 : n > 64 ? 64 : (size_t)n;
}

static enum os_status api_thread_init(void *arg, int index, struct api_thread_ctx *out,
				      struct os_error *err)
{
	struct api_slot *slot = &api_slots[index];
	struct api_thread_ctx ctx;
	enum os_status st;

	(void)arg;
	memset(&ctx, 0, sizeof(ctx));
	st = pg_session_open_pool(cfg.database_url, api_pool_share(index), &slot->session, err);
	if (st != OS_OK)
		return st;
	pg_order_repo_init(&ctx.svc.repo, slot->session);
	pg_inbox_writer_init(&ctx.inbox, slot->session);
	pg_admin_init(&ctx.admin, slot->session);
	pg_inventory_init(&ctx.inventory, slot->session);
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

/* The queue gauges of the API's own metrics endpoint (METRICS_PORT), read
 * on that endpoint's thread through a session of its own; a failed read
 * keeps the last values, and the session is opened again next time. */
static struct pg_session *metrics_session;

static void api_metrics_refresh(void *ctx)
{
	struct queue_stats qs;
	struct os_error err;
	struct admin a;

	(void)ctx;
	os_error_clear(&err);
	if (metrics_session == NULL &&
	    pg_session_open(cfg.database_url, &metrics_session, &err) != OS_OK) {
		log_kv(LOG_WARN, "queue stats unavailable", "error", err.message, NULL);
		return;
	}
	pg_admin_init(&a, metrics_session);
	if (admin_stats(&a, &qs, &err) != OS_OK) {
		log_kv(LOG_WARN, "queue stats unavailable", "error", err.message, NULL);
		pg_session_free(metrics_session);
		metrics_session = NULL;
		return;
	}
	metrics_queues_update(&qs);
}

/* The API's series that read 0 before anything happened: order counters
 * and the queue gauges of every destination this configuration has. */
static void api_metrics_init(void)
{
	const char *dests[] = { OUTBOX_DEST_PAYMENTS, OUTBOX_DEST_NOTIFICATIONS, OUTBOX_DEST_WEBHOOK,
				cfg.topic_order_events, cfg.topic_shipping_requests };

	metrics_orders_init();
	metrics_queues_known(dests, sizeof(dests) / sizeof(dests[0]));
}

/* ----------------------------------------------------------- api security */

static struct auth api_auth;
static struct ratelimit api_limits;

/*
 * Credentials, rate limits, the admin listener and the callback secret
 * (DESIGN §4): everything is read and checked here, before the API binds;
 * a bad setting stops the start with one line. Secrets are never logged.
 */
static enum os_status api_security(struct api_options *o, struct os_error *err)
{
	struct auth_settings as = { .off = cfg.auth_off,
				    .keys_file = cfg.api_keys_file,
				    .jwt_secret = cfg.jwt_secret,
				    .jwt_public_key_file = cfg.jwt_public_key_file,
				    .jwt_issuer = cfg.jwt_issuer,
				    .jwt_audience = cfg.jwt_audience };
	enum os_status st;

	/* Both sockets use SO_REUSEPORT: on one port the kernel would hand
	 * public connections to the admin listener. */
	if (cfg.admin_port == cfg.app_port)
		return os_fail(err, OS_EINVAL, "ADMIN_PORT",
			       "ADMIN_PORT must differ from APP_PORT (%d)", cfg.app_port);
	if (cfg.callback_secret[0] == '\0' && !cfg.callback_allow_unsigned)
		return os_fail(err, OS_EINVAL, "PAYMENTS_CALLBACK_SECRET",
			       "PAYMENTS_CALLBACK_SECRET (or PAYMENTS_CALLBACK_SECRET_FILE) must be "
			       "set; PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true accepts unsigned callbacks");
	if (cfg.callback_secret[0] == '\0')
		log_kv(LOG_WARN, "payment callbacks are accepted unsigned "
		       "(PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true): anyone can mark orders paid", NULL);
	st = auth_init(&api_auth, &as, err);
	if (st != OS_OK)
		return st;
	if (cfg.auth_off)
		log_kv(LOG_WARN, "authentication is off (AUTH_MODE=off): every caller acts as a "
		       "service; for local experiments only", NULL);
	if (!ratelimit_init(&api_limits, cfg.rate_limit_per_minute, cfg.rate_limit_burst)) {
		auth_release(&api_auth);
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	}
	o->auth = &api_auth;
	o->limits = &api_limits;
	o->admin_host = cfg.admin_host;
	o->admin_port = cfg.admin_port;
	return OS_OK;
}

/* The documentation routes' files, read once before the loops start. The
 * API serves without them (those routes answer 503), so a missing file is a
 * warning, not a reason to stay down. */
static void load_docs(void)
{
	char dir[4096];
	struct os_error err;

	os_error_clear(&err);
	if (api_docs_find_dir(dir, sizeof(dir)) == NULL) {
		log_kv(LOG_WARN, "documentation not found; /api/docs answers 503", "hint",
		       "set DOCS_DIR", NULL);
		return;
	}
	if (api_docs_load(dir, &err) != OS_OK)
		log_kv(LOG_WARN, "documentation incomplete", "dir", dir, "error", err.message, NULL);
	else
		log_kv(LOG_DEBUG, "documentation loaded", "dir", dir, NULL);
}

static int cmd_api(void)
{
	struct api_options o = { .host = "0.0.0.0",
				 .port = cfg.app_port,
				 .threads = cfg.api_threads,
				 .max_body_bytes = (size_t)cfg.max_body_bytes,
				 .callback_secret = cfg.callback_secret,
				 .ingress_secret = cfg.ingress_secret,
				 .request_timeout_ms = cfg.request_timeout_ms };
	struct os_error err;
	enum os_status st;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK ||
	    api_security(&o, &err) != OS_OK)
		return fail_line("configuration", &err);
	if (cfg.ingress_secret[0] == '\0')
		log_kv(LOG_INFO, "ingress webhook refuses every delivery: INGRESS_WEBHOOK_SECRET "
				 "is not set", NULL);
	api_metrics_init();
	if (cfg.metrics_port > 0 &&
	    metrics_server_start(cfg.metrics_port, api_metrics_refresh, NULL, &err) != OS_OK)
		return fail_line("metrics endpoint", &err);
	api_slots = calloc((size_t)cfg.api_threads, sizeof(*api_slots));
	if (api_slots == NULL)
		return 1;
	load_docs();
	stop_api_on_signal = true;
	if (stop_requested)
		return 0;
	st = api_server_run(&o, api_thread_init, api_thread_fini, NULL, &err);
	api_docs_release();
	free(api_slots);
	ratelimit_release(&api_limits);
	auth_release(&api_auth);
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

struct migrate_tally {
	int applied, pending, changed;
};

static void print_migration(void *ctx, const struct pg_migration *m)
{
	static const char *const states[] = { "applied", "changed", "no-file", "pending" };
	static const char *const sums[] = { "ok", "changed", "-", "-" };
	struct migrate_tally *t = ctx;

	printf("%-40s %-8s %-8s %s\n", m->version, states[m->state], sums[m->state],
	       m->applied_at[0] ? m->applied_at : "-");
	if (m->state == PG_MIGRATION_PENDING)
		t->pending++;
	else if (m->state == PG_MIGRATION_APPLIED)
		t->applied++;
	else
		t->changed++;
}

/* `migrate status`: changes nothing; the exit status says what `migrate`
 * would do (0 nothing, 3 apply, 4 refuse). */
static int cmd_migrate_status(int argc, char **argv)
{
	struct migrate_tally t = { 0, 0, 0 };
	struct os_error err;
	const char *dir = migrations_dir(argc, argv);

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK)
		return fail_line("configuration", &err);
	printf("%-40s %-8s %-8s %s\n", "VERSION", "STATE", "CHECKSUM", "APPLIED_AT");
	if (pg_migrate_status(cfg.database_url, dir, print_migration, &t, &err) != OS_OK)
		return fail_line("migrate status failed", &err);
	printf("migrate status: %d applied, %d pending, %d changed or missing (%s)\n", t.applied,
	       t.pending, t.changed, dir);
	return t.changed > 0 ? 4 : t.pending > 0 ? 3 : 0;
}

static int cmd_migrate(int argc, char **argv)
{
	struct os_error err;
	const char *dir = migrations_dir(argc, argv);
	int applied = 0;

	if (argc >= 1 && strcmp(argv[0], "status") == 0)
		return cmd_migrate_status(argc - 1, argv + 1);
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
	(void)ctx;
	metrics_relay_batch(name, sent, retried, dead, batch_us);
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
	metrics_relay_init(o->name, o->filter.destinations, o->filter.count);
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

/* outbox-notifications with the egress webhook (WEBHOOK_OUTGOING_URL): one
 * relay over both destinations, each row sent by its destination's sink.
 * The webhook's requests are signed like the payment callbacks. */
static int cmd_outbox_notifications_webhook(void)
{
	struct http_sink_options no = { .url = cfg.notifications_url,
					.api_key = cfg.access_token,
					.timeout_ms = cfg.timeout_read_ms,
					.max_parallel = 32 };
	struct http_sink_options wo = { .url = cfg.webhook_url,
					.timeout_ms = cfg.timeout_read_ms,
					.max_parallel = 8,
					.signing_secret = cfg.webhook_secret };
	struct outbox_sink sinks[2] = { { NULL, NULL }, { NULL, NULL } }, sink;
	struct outbox_router router = { 0 };
	struct outbox_relay_options o;
	struct os_error err;
	int rc = 1;

	os_error_clear(&err);
	if (require(cfg.database_url, "DATABASE_URL", &err) != OS_OK ||
	    require(cfg.notifications_url, "NOTIFICATIONS_SERVICE_API_URL", &err) != OS_OK)
		return fail_line("configuration", &err);
	if (cfg.webhook_secret[0] == '\0')
		log_kv(LOG_WARN, "egress webhook requests go unsigned: set WEBHOOK_OUTGOING_SECRET",
		       NULL);
	if (http_sink_open(&no, &sinks[0], &err) != OS_OK ||
	    http_sink_open(&wo, &sinks[1], &err) != OS_OK) {
		rc = fail_line("http client", &err);
		goto out;
	}
	router.count = 2;
	router.routes[0] = (struct outbox_route){ OUTBOX_DEST_NOTIFICATIONS, sinks[0] };
	router.routes[1] = (struct outbox_route){ OUTBOX_DEST_WEBHOOK, sinks[1] };
	outbox_router_sink(&router, &sink);
	relay_options(&o, "outbox-notifications");
	o.filter.count = 2;
	o.filter.destinations[0] = OUTBOX_DEST_NOTIFICATIONS;
	o.filter.destinations[1] = OUTBOX_DEST_WEBHOOK;
	rc = run_relay(&o, &sink);
out:
	if (sinks[0].ctx != NULL)
		http_sink_close(&sinks[0]);
	if (sinks[1].ctx != NULL)
		http_sink_close(&sinks[1]);
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

	(void)arg;
	metrics_consumer_message(name,
				 ev == SHIPPING_CONSUMER_RECORDED && m != NULL && m->rejected);
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
	metrics_consumer_init();
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
	metrics_inbox_batch(handled, batch_us);
}

static void inbox_on_sweep(void *ctx, size_t expired)
{
	char n[24];

	(void)ctx;
	snprintf(n, sizeof(n), "%zu", expired);
	metrics_inbox_expired(expired);
	log_kv(LOG_INFO, "stale orders cancelled", "count", n, NULL);
}

static void inbox_on_error(void *ctx, const char *message)
{
	(void)ctx;
	metrics_inbox_error();
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
		/* At least twice per stale period, so a short one (tests) is
		 * kept, at most every 10 s and at least every second. */
		.sweep_every_ms = cfg.order_stale_after_s >= 20 ? 10 * 1000
				  : cfg.order_stale_after_s >= 2 ? cfg.order_stale_after_s * 500
								 : 1000,
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
	metrics_inbox_init();
	metrics_orders_init();
	log_kv(LOG_INFO, "inbox worker started", NULL);
	rc = inbox_applier_run(&ao, &store, inbox_decide, &decider, &svc, &svc.sys, &stop_requested);
	log_kv(LOG_INFO, "inbox worker stopped", NULL);
	pg_session_free(session);
	return rc;
}

static int cmd_worker(int argc, char **argv)
{
	struct os_error err;
	int metrics_port = cfg.metrics_port > 0 ? cfg.metrics_port : cfg.worker_metrics_port;

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
	if (metrics_port > 0 && metrics_server_start(metrics_port, NULL, NULL, &err) != OS_OK)
		return fail_line("metrics endpoint", &err);
	if (strcmp(argv[0], "outbox-payments") == 0)
		return cmd_outbox_http("outbox-payments", OUTBOX_DEST_PAYMENTS, cfg.payments_url,
				       "PAYMENTS_SERVICE_API_URL");
	if (strcmp(argv[0], "outbox-notifications") == 0 && cfg.webhook_url[0] != '\0')
		return cmd_outbox_notifications_webhook();
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
	/* Benchmarks ask for more (DESIGN §11: 16). */
	const char *parts = getenv("DEV_KAFKA_PARTITIONS");

	if (parts != NULL && atoi(parts) >= 1 && atoi(parts) <= 64)
		partitions = atoi(parts);
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
	struct admin_retry_result res = {0, 0};
	struct os_error err;
	long long id = 0;
	char *end = NULL;

	os_error_clear(&err);
	if (strcmp(which, "all") != 0) {
		id = strtoll(which, &end, 10);
		if (end == which || *end != '\0' || id <= 0) {
			fprintf(stderr, "order-service: expected a row id or \"all\", got \"%s\"\n", which);
			return 2;
		}
	}
	if (admin_retry_counted(a, kind, (int64_t)id, &res, &err) != OS_OK) {
		fprintf(stderr, "order-service: retry: %s\n", err.message);
		return 1;
	}
	printf("%zu row(s) back to pending\n", res.retried);
	if (res.refused > 0)
		printf("%zu payment request(s) left dead: their orders are no longer new, and a "
		       "payment request is never sent again once its order left new\n",
		       res.refused);
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
	int rc;

	if (argc < 2)
		return usage(stderr);
	cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc < 3)
			return usage(stdout);
	}
	rc = help_or_version(argc, argv);
	if (rc >= 0)
		return rc;
	os_error_clear(&err);
	if (config_load(&cfg, NULL, &err) != OS_OK) {
		fprintf(stderr, "order-service: invalid configuration: %s\n", err.message);
		return 2;
	}
	settings_from_config();
	pg_session_set_statement_timeout(cfg.statement_timeout_ms);
	log_setup(cfg.log_level, cfg.log_json, cmd);
	report_settings();
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
