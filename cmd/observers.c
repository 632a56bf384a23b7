/*
 * The observers of the loops: metrics and log lines of what the relays,
 * the inbox applier and the shipping consumer report, and the queue
 * gauges of the API's metrics endpoint. Wiring stays in the subcommands.
 */
#include "cmd/observers.h"

#include <stdio.h>

#include "app/admin_port.h"
#include "app/outbox_router.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_queues.h"
#include "infrastructure/metrics/metrics_workers.h"
#include "infrastructure/postgres/pg_admin.h"

/* ----------------------------------------------------------------- relays */

static void relay_on_batch(void *ctx, const char *name, size_t claimed, size_t sent, size_t retried,
			   size_t dead, int64_t batch_us)
{
	(void)ctx;
	metrics_relay_batch(name, sent, retried, dead, batch_us);
	if (retried > 0 || dead > 0) {
		char counts[96];

		snprintf(counts, sizeof(counts), "claimed=%zu sent=%zu retried=%zu dead=%zu",
			 claimed, sent, retried, dead);
		log_kv(LOG_WARN, "outbox batch had failures", "relay", name, "counts", counts,
		       NULL);
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

const struct outbox_relay_observer cmd_relay_observer = {
    .on_batch = relay_on_batch,
    .on_error = relay_on_error,
};

/* ------------------------------------------------------ shipping consumer */

void cmd_consumer_note(void *arg, enum shipping_consumer_event ev, const struct inbox_msg *m,
		       const struct os_error *err)
{
	static const char *const names[] = {"recorded", "duplicate",	 "inbox_retry", "refused",
					    "dropped",	"commit_failed", "poll_failed"};
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

/* ---------------------------------------------------------- inbox applier */

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

static void inbox_on_purge(void *ctx, size_t deleted)
{
	char n[24];

	(void)ctx;
	snprintf(n, sizeof(n), "%zu", deleted);
	log_kv(LOG_INFO, "processed inbox rows purged", "count", n, NULL);
}

static void inbox_on_error(void *ctx, const char *message)
{
	(void)ctx;
	metrics_inbox_error();
	log_kv(LOG_WARN, "inbox worker error", "error", message, NULL);
}

const struct inbox_applier_observer cmd_inbox_observer = {
    .on_batch = inbox_on_batch,
    .on_sweep = inbox_on_sweep,
    .on_purge = inbox_on_purge,
    .on_error = inbox_on_error,
};

/* -------------------------------------------------------- the API's gauges */

void cmd_queue_gauges_refresh(void *gauges)
{
	struct cmd_queue_gauges *g = gauges;
	struct queue_stats qs;
	struct os_error err;
	struct admin a;

	os_error_clear(&err);
	if (g->session == NULL && pg_session_open(g->database_url, &g->session, &err) != OS_OK) {
		log_kv(LOG_WARN, "queue stats unavailable", "error", err.message, NULL);
		return;
	}
	pg_admin_init(&a, g->session);
	if (admin_stats(&a, &qs, &err) != OS_OK) {
		log_kv(LOG_WARN, "queue stats unavailable", "error", err.message, NULL);
		pg_session_free(g->session);
		g->session = NULL;
		return;
	}
	metrics_queues_update(&qs);
}

void cmd_api_metrics_init(const struct config *cfg)
{
	const char *dests[] = {OUTBOX_DEST_PAYMENTS, OUTBOX_DEST_NOTIFICATIONS, OUTBOX_DEST_WEBHOOK,
			       cfg->topic_order_events, cfg->topic_shipping_requests};

	metrics_orders_init();
	metrics_queues_known(dests, sizeof(dests) / sizeof(dests[0]));
}
