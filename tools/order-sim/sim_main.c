/*
 * order-sim: the outside world of order-service for local runs, tests and
 * benchmarks (DESIGN §2): catalog, payment service, notification service
 * and, with --kafka, shipping service. This file reads the settings, wires
 * the parts to their routes and runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infrastructure/io/io_signals.h"
#include "infrastructure/log/log.h"
#include "tools/order-sim/sim_callback.h"
#include "tools/order-sim/sim_catalog.h"
#include "tools/order-sim/sim_config.h"
#include "tools/order-sim/sim_http.h"
#include "tools/order-sim/sim_notifications.h"
#include "tools/order-sim/sim_payments.h"
#include "tools/order-sim/sim_rand.h"
#include "tools/order-sim/sim_sched.h"
#include "tools/order-sim/sim_shipping.h"
#include "tools/order-sim/sim_webhook.h"

#define SCHED_THREADS  4
#define SCHED_MAX_JOBS ((size_t)1 << 18)

struct sim_world {
	struct sim_config cfg;
	struct sim_sched sched;
	struct sim_payments payments;
	struct sim_notifications notifications;
	struct sim_shipping shipping;
	struct sim_webhook webhook;
	struct sim_catalog catalog;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void health(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	(void)ctx;
	(void)req;
	sim_reply_ok(rep);
}

static void reset_all(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_world *w = ctx;

	(void)req;
	sim_payments_reset(&w->payments);
	sim_notifications_reset(&w->notifications);
	sim_shipping_reset(&w->shipping);
	sim_webhook_reset(&w->webhook);
	w->catalog.latency_ms = w->cfg.catalog_latency_ms;
	sim_reply_ok(rep);
}

static void setup_log(void)
{
	const char *lvl = getenv("LOG_LEVEL"), *fmt = getenv("LOG_FORMAT");
	enum log_level min = LOG_INFO;

	if (lvl != NULL)
		log_level_parse(lvl, &min);
	log_setup(min, fmt == NULL || strcmp(fmt, "text") != 0, "order-sim");
}

/* Starts the parts behind the routes; on failure nothing is left running. */
static enum os_status start_parts(struct sim_world *w, struct os_error *err)
{
	enum os_status st;

	st = sim_sched_start(&w->sched, SCHED_THREADS, SCHED_MAX_JOBS);
	if (st != OS_OK)
		return os_fail(err, st, NULL, "cannot start the scheduler");
	st = sim_payments_init(&w->payments, &w->cfg, &w->sched);
	if (st == OS_OK)
		st = sim_notifications_init(&w->notifications);
	if (st == OS_OK)
		st = sim_webhook_init(&w->webhook);
	if (st != OS_OK) {
		os_fail(err, st, NULL, "out of memory");
		goto fail;
	}
	st = sim_shipping_start(&w->shipping, &w->cfg, &w->sched, err);
	if (st == OS_OK)
		return OS_OK;
fail:
	sim_sched_stop(&w->sched);
	sim_payments_release(&w->payments);
	sim_notifications_release(&w->notifications);
	sim_webhook_release(&w->webhook);
	return st;
}

/* The scheduler goes first: its jobs use the payments and the producer. */
static void stop_parts(struct sim_world *w)
{
	sim_sched_stop(&w->sched);
	sim_shipping_stop(&w->shipping);
	sim_payments_release(&w->payments);
	sim_notifications_release(&w->notifications);
	sim_webhook_release(&w->webhook);
}

static int serve(struct sim_world *w)
{
	const struct sim_route routes[] = {
	    {"GET", "/health", false, health, NULL},
	    {"GET", "/catalog/items/", true, sim_catalog_get, &w->catalog},
	    {"POST", "/_sim/catalog/latency", false, sim_catalog_set_latency, &w->catalog},
	    {"POST", "/payments", false, sim_payments_create, &w->payments},
	    {"POST", "/_sim/payments/outcome", false, sim_payments_set_outcome, &w->payments},
	    {"POST", "/_sim/payments/script", false, sim_payments_set_script, &w->payments},
	    {"GET", "/_sim/payments/requests", false, sim_payments_list_requests, &w->payments},
	    {"GET", "/_sim/payments/callbacks", false, sim_payments_list_callbacks, &w->payments},
	    {"POST", "/payments/cancel", false, sim_payments_cancel, &w->payments},
	    {"POST", "/payments/refunds", false, sim_payments_refund, &w->payments},
	    {"GET", "/_sim/payments/cancels", false, sim_payments_list_cancels, &w->payments},
	    {"GET", "/_sim/payments/refunds", false, sim_payments_list_refunds, &w->payments},
	    {"POST", "/_sim/payments/callback-plan", false, sim_payments_set_plan, &w->payments},
	    {"POST", "/_sim/payments/replay", false, sim_payments_replay, &w->payments},
	    {"POST", "/notifications", false, sim_notifications_post, &w->notifications},
	    {"GET", "/_sim/notifications", false, sim_notifications_list, &w->notifications},
	    {"POST", "/_sim/shipping/outcome", false, sim_shipping_set_outcome, &w->shipping},
	    {"POST", "/_sim/shipping/publish", false, sim_shipping_publish, &w->shipping},
	    {"GET", "/_sim/shipping/published", false, sim_shipping_list_published, &w->shipping},
	    {"POST", "/_sim/webhook", false, sim_webhook_post, &w->webhook},
	    {"GET", "/_sim/webhook", false, sim_webhook_list, &w->webhook},
	    {"POST", "/_sim/webhook/fail", false, sim_webhook_fail, &w->webhook},
	    {"POST", "/_sim/reset", false, reset_all, w},
	};
	struct sim_http *http = NULL;
	struct os_error err;
	int port = 0;

	os_error_clear(&err);
	if (sim_http_open(&http, w->cfg.host, w->cfg.port, routes,
			  sizeof(routes) / sizeof(routes[0]), &port, &err) != OS_OK) {
		fprintf(stderr, "order-sim: %s\n", err.message);
		return 1;
	}
	printf("order-sim listening on http://%s:%d\n", w->cfg.host, port);
	fflush(stdout);
	sim_http_run(http, &stop_requested);
	sim_http_free(http);
	return 0;
}

int main(int argc, char **argv)
{
	static struct sim_world world;
	struct os_error err;
	int rc;

	os_error_clear(&err);
	if (sim_config_load(&world.cfg, argc, argv, &err) != OS_OK) {
		fprintf(stderr, "order-sim: %s\n", err.message);
		return 2;
	}
	if (world.cfg.help) {
		sim_config_usage();
		return 0;
	}
	setup_log();
	io_signals_install(on_signal);
	sim_rand_seed(world.cfg.seed);
	sim_callback_global_init();
	if (start_parts(&world, &err) != OS_OK) {
		fprintf(stderr, "order-sim: %s\n", err.message);
		return 1;
	}
	world.catalog.latency_ms = world.cfg.catalog_latency_ms;
	rc = serve(&world);
	stop_parts(&world);
	log_kv(LOG_INFO, "order-sim stopped", NULL);
	return rc;
}
