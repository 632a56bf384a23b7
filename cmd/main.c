/*
 * order-service: the composition root's entry point. Answers help and
 * version, loads the configuration, installs the signal handlers and hands
 * over to the subcommand's family (cmd_api.c, cmd_workers.c, cmd_admin.c,
 * cmd_dev.c), which builds the adapters and runs the use cases or loops.
 * cmd/ is the one place that sees every layer.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "infrastructure/http/api_server.h"
#include "infrastructure/io/io_signals.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics_process.h"
#include "infrastructure/postgres/pg_session.h"

volatile sig_atomic_t cmd_stop_requested;
static volatile sig_atomic_t stop_api_on_signal;

static void on_signal(int sig)
{
	(void)sig;
	cmd_stop_requested = 1;
	if (stop_api_on_signal)
		api_server_stop();
}

void cmd_stop_api_on_signal(void)
{
	stop_api_on_signal = 1;
}

int cmd_usage(FILE *out)
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
		"       order-service migrate status [--dir DIR]\n"
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

/* Prints the help of cmd (and kind, may be NULL); usage on stderr when
 * there is none. Returns the exit code. */
static int print_help(const char *cmd, const char *kind)
{
	const char *text = help_text(cmd, kind);

	if (text == NULL)
		return cmd_usage(stderr);
	fputs(text, stdout);
	return 0;
}

/*
 * Answers `--version`, `help [cmd [kind]]` and `<cmd> ... --help` before
 * anything else happens. Returns -1 when argv asks for none of them, else
 * the exit code.
 */
static int help_or_version(int argc, char **argv)
{
	int i;

	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)
		return print_version();
	if ((strcmp(argv[1], "help") == 0 || is_help_flag(argv[1])) && argc >= 3)
		return print_help(argv[2], argc >= 4 ? argv[3] : NULL);
	for (i = 2; i < argc; i++)
		if (is_help_flag(argv[i]))
			return print_help(argv[1], argc >= 3 ? argv[2] : NULL);
	return -1;
}

int cmd_fail_line(const char *what, const struct os_error *err)
{
	log_kv(LOG_ERROR, what, "error", err->message, NULL);
	return 1;
}

/* ---------------------------------------------------------- configuration */

/* Loaded once by main; the subcommands borrow both. */
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

enum os_status cmd_require(const char *value, const char *name, struct os_error *err)
{
	if (value[0] != '\0')
		return OS_OK;
	return os_fail(err, OS_EINVAL, name, "%s must be set for this command", name);
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct os_error err;
	const char *cmd;
	int rc;

	if (argc < 2)
		return cmd_usage(stderr);
	cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc < 3)
			return cmd_usage(stdout);
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
	io_signals_install(on_signal);
	if (strcmp(cmd, "api") == 0)
		return cmd_api(&cfg, &settings);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(&cfg, argc - 2, argv + 2);
	if (strcmp(cmd, "worker") == 0)
		return cmd_worker(&cfg, &settings, argc - 2, argv + 2);
	if (strcmp(cmd, "dev-kafka") == 0)
		return cmd_dev_kafka(&cfg, argc - 2, argv + 2);
	if (strcmp(cmd, "outbox") == 0)
		return cmd_admin(&cfg, ADMIN_OUTBOX, argc - 2, argv + 2);
	if (strcmp(cmd, "inbox") == 0)
		return cmd_admin(&cfg, ADMIN_INBOX, argc - 2, argv + 2);
	fprintf(stderr, "order-service: unknown command \"%s\"\n", cmd);
	return cmd_usage(stderr);
}
