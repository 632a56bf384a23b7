/* The simulated shipping service: requests in, shipping events out. */
#include "tools/order-sim/sim_shipping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/json_write.h"
#include "app/timefmt.h"
#include "infrastructure/log/log.h"
#include "tools/order-sim/sim_json.h"
#include "tools/order-sim/sim_kafka.h"
#include "tools/order-sim/sim_rand.h"

#define RECORD_MAX   100000
#define RECORD_BYTES ((size_t)256 * 1024 * 1024)
#define KEYS_MAX     100000
#define ID_MAX	     128
#define EVENT_MAX    4096

/* One shipping event to publish, possibly followed by another. */
struct ship_job {
	struct sim_shipping *s;
	unsigned generation;
	char order_id[ID_MAX + 1];
	const char *event_type;
	const char *then_type; /* published one delay later; NULL: none */
};

/* What the delivery report records once the broker has the message. */
struct sent_record {
	char *order_id;
	char *json;
	size_t len;
};

static void free_record(struct sent_record *r)
{
	free(r->order_id);
	free(r->json);
	free(r);
}

static void on_delivered(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *ctx)
{
	struct sim_shipping *s = ctx;
	struct sent_record *r = msg->_private;

	(void)rk;
	if (r == NULL)
		return;
	if (msg->err)
		log_kv(LOG_WARN, "shipping event not delivered", "order_id", r->order_id, "error",
		       rd_kafka_err2str(msg->err), NULL);
	else
		sim_journal_add(&s->published, r->order_id, r->json, r->len);
	free_record(r);
}

/* Builds the record of a message: topic, key, value (as JSON when it is). */
static struct sent_record *make_record(const char *topic, const char *key, const char *value,
				       size_t len)
{
	struct sent_record *r = calloc(1, sizeof(*r));
	struct json_writer w;
	yajl_val tree = NULL;
	const char *order_id;
	struct sbuf sb;

	if (r == NULL)
		return NULL;
	json_tree_parse(&json_limits_sim, value, len, &tree, NULL);
	order_id = json_tree_string(tree, "order_id");
	sbuf_init(&sb, RECORD_BYTES);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	json_write_str(&w, "topic", topic);
	json_write_str_or_null(&w, "key", key);
	json_write_time(&w, "published_at", sim_now_us());
	json_write_bool(&w, "json", tree != NULL);
	if (tree)
		sim_json_write(&w, "value", tree);
	else
		json_write_strn(&w, "value", value, len);
	json_write_end(&w);
	r->order_id = order_id ? strdup(order_id) : NULL;
	r->json = sbuf_detach(&sb, &r->len);
	yajl_tree_free(tree);
	if (r->json == NULL) {
		free_record(r);
		return NULL;
	}
	return r;
}

static enum os_status publish(struct sim_shipping *s, const char *key, const char *value,
			      size_t len, const char *event_id, const char *event_type,
			      struct os_error *err)
{
	struct sent_record *r = make_record(s->cfg->topic_events, key, value, len);
	enum os_status st;

	if (r == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	st = sim_kafka_publish(s->producer, s->cfg->topic_events, key, value, len, event_id,
			       event_type, r, err);
	if (st != OS_OK)
		free_record(r);
	return st;
}

static void drop_job(void *arg)
{
	free(arg);
}

static void publish_event(struct ship_job *job)
{
	char id[UUID_STR_LEN + 1], at[TIMEFMT_RFC3339_MAX], body[EVENT_MAX];
	struct os_error err;
	int n;

	sim_rand_uuid(id);
	timefmt_rfc3339(sim_now_us(), at, sizeof(at));
	n = snprintf(body, sizeof(body),
		     "{\"event_id\":\"%s\",\"event_type\":\"%s\",\"order_id\":\"%s\","
		     "\"occurred_at\":\"%s\"%s}",
		     id, job->event_type, job->order_id, at,
		     strcmp(job->event_type, "shipping.failed") == 0
			 ? ",\"reason\":\"simulated carrier failure\""
			 : "");
	os_error_clear(&err);
	if (n < 0 || (size_t)n >= sizeof(body) ||
	    publish(job->s, job->order_id, body, (size_t)n, id, job->event_type, &err) != OS_OK)
		log_kv(LOG_ERROR, "shipping event not published", "order_id", job->order_id,
		       "event_type", job->event_type, "error", err.message, NULL);
}

/* Runs on a scheduler thread. The second event of a pair is queued only
 * after the first was handed to the producer, so their order holds. */
static void run_job(struct sim_sched *sched, void *arg)
{
	struct ship_job *job = arg;

	if (job->generation != atomic_load(&job->s->generation)) {
		free(job);
		return;
	}
	publish_event(job);
	if (job->then_type != NULL) {
		job->event_type = job->then_type;
		job->then_type = NULL;
		if (sim_sched_add(sched, job->s->cfg->shipping_delay_ms, run_job, drop_job, job) ==
		    OS_OK)
			return;
	}
	free(job);
}

static void plan(struct ship_job *job, const char *outcome)
{
	if (strcmp(outcome, "failed") == 0) {
		job->event_type = "shipping.failed";
		job->then_type = NULL;
	} else if (strcmp(outcome, "delivered_first") == 0) {
		job->event_type = "order.delivered";
		job->then_type = "order.shipped";
	} else {
		job->event_type = "order.shipped";
		job->then_type = "order.delivered";
	}
}

static void schedule_shipment(struct sim_shipping *s, const char *order_id)
{
	struct ship_job *job = calloc(1, sizeof(*job));
	char forced[32];

	if (job == NULL)
		return;
	job->s = s;
	job->generation = atomic_load(&s->generation);
	snprintf(job->order_id, sizeof(job->order_id), "%s", order_id);
	if (sim_map_get(&s->outcomes, order_id, forced, sizeof(forced)))
		plan(job, forced);
	else
		plan(job, sim_rand_chance(s->cfg->shipping_fail_ppm) ? "failed" : "delivered");
	if (sim_sched_add(s->sched, s->cfg->shipping_delay_ms, run_job, drop_job, job) != OS_OK) {
		log_kv(LOG_ERROR, "shipping queue full", "order_id", order_id, NULL);
		free(job);
	}
}

/* A message from the requests topic: anything but a well-formed
 * shipping.requested is logged and skipped. */
static void handle_request(struct sim_shipping *s, const char *value, size_t len)
{
	const char *type, *order_id, *event_id;
	yajl_val tree = NULL;

	if (json_tree_parse(&json_limits_sim, value, len, &tree, NULL) != OS_OK) {
		log_kv(LOG_WARN, "shipping request is not JSON", NULL);
		return;
	}
	type = json_tree_string(tree, "event_type");
	order_id = json_tree_string(tree, "order_id");
	event_id = json_tree_string(tree, "event_id");
	if (type == NULL || strcmp(type, "shipping.requested") != 0 || order_id == NULL ||
	    order_id[0] == '\0' || strlen(order_id) > ID_MAX ||
	    (event_id != NULL && strlen(event_id) > ID_MAX)) {
		log_kv(LOG_WARN, "shipping request skipped", "event_type", type, NULL);
		goto out;
	}
	/* Requests arrive at least once; ship each event id once. */
	if (event_id != NULL && sim_map_add(&s->seen, event_id, "") == OS_ECONFLICT)
		goto out;
	schedule_shipment(s, order_id);
out:
	yajl_tree_free(tree);
}

static void *consume(void *arg)
{
	struct sim_shipping *s = arg;

	while (!atomic_load(&s->stop)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(s->consumer, 100);

		rd_kafka_poll(s->producer, 0);
		if (m == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
			handle_request(s, m->payload ? m->payload : "", m->len);
		else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			log_kv(LOG_WARN, "shipping consumer error", "error",
			       rd_kafka_message_errstr(m), NULL);
		rd_kafka_message_destroy(m);
	}
	return NULL;
}

static enum os_status init_state(struct sim_shipping *s)
{
	if (sim_map_init(&s->outcomes, KEYS_MAX) != OS_OK ||
	    sim_map_init(&s->seen, KEYS_MAX) != OS_OK ||
	    sim_journal_init(&s->published, RECORD_MAX, RECORD_BYTES) != OS_OK)
		return OS_ENOMEM;
	return OS_OK;
}

static void release_state(struct sim_shipping *s)
{
	sim_map_release(&s->outcomes);
	sim_map_release(&s->seen);
	sim_journal_release(&s->published);
}

enum os_status sim_shipping_start(struct sim_shipping *s, const struct sim_config *cfg,
				  struct sim_sched *sched, struct os_error *err)
{
	enum os_status st;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->sched = sched;
	atomic_init(&s->stop, 0);
	atomic_init(&s->generation, 0);
	st = init_state(s);
	if (st != OS_OK) {
		release_state(s);
		return os_fail(err, st, NULL, "out of memory");
	}
	if (cfg->kafka[0] == '\0')
		return OS_OK;
	st = sim_kafka_producer_new(cfg->kafka, &cfg->kafka_security, on_delivered, s, &s->producer,
				    err);
	if (st == OS_OK)
		st = sim_kafka_consumer_new(cfg->kafka, &cfg->kafka_security, cfg->group,
					    cfg->topic_requests, &s->consumer, err);
	if (st == OS_OK && pthread_create(&s->thread, NULL, consume, s) != 0)
		st = os_fail(err, OS_EIO, NULL, "cannot start the shipping consumer");
	if (st != OS_OK) {
		sim_shipping_stop(s);
		return st;
	}
	s->thread_started = true;
	s->enabled = true;
	return OS_OK;
}

void sim_shipping_stop(struct sim_shipping *s)
{
	atomic_store(&s->stop, 1);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	s->thread_started = false;
	if (s->consumer) {
		rd_kafka_consumer_close(s->consumer);
		rd_kafka_destroy(s->consumer);
		s->consumer = NULL;
	}
	if (s->producer) {
		rd_kafka_flush(s->producer, 5000);
		rd_kafka_destroy(s->producer);
		s->producer = NULL;
	}
	release_state(s);
	s->enabled = false;
}

void sim_shipping_reset(struct sim_shipping *s)
{
	atomic_fetch_add(&s->generation, 1);
	sim_map_clear(&s->outcomes);
	sim_map_clear(&s->seen);
	sim_journal_clear(&s->published);
}

void sim_shipping_set_outcome(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_shipping *s = ctx;
	const char *order_id, *outcome;
	yajl_val tree = NULL;

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK) {
		sim_reply_error(rep, 400, "invalid JSON body");
		return;
	}
	order_id = json_tree_string(tree, "order_id");
	outcome = json_tree_string(tree, "outcome");
	if (order_id == NULL || order_id[0] == '\0' || strlen(order_id) > ID_MAX ||
	    outcome == NULL ||
	    (strcmp(outcome, "failed") != 0 && strcmp(outcome, "delivered_first") != 0 &&
	     strcmp(outcome, "delivered") != 0))
		sim_reply_error(rep, 422,
				"want {\"order_id\", \"outcome\": failed|delivered_first|"
				"delivered}");
	else if (sim_map_put(&s->outcomes, order_id, outcome) != OS_OK)
		sim_reply_error(rep, 503, "out of memory");
	else
		sim_reply_ok(rep);
	yajl_tree_free(tree);
}

void sim_shipping_publish(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_shipping *s = ctx;
	char key[ID_MAX + 1];
	bool has_key = sim_request_query(req, "key", key, sizeof(key));
	struct os_error err;

	if (!s->enabled) {
		sim_reply_error(rep, 503, "shipping is off: start order-sim with --kafka");
		return;
	}
	os_error_clear(&err);
	if (publish(s, has_key ? key : NULL, req->body, req->body_len, NULL, NULL, &err) != OS_OK)
		sim_reply_error(rep, 503, err.message);
	else
		sim_reply_ok(rep);
}

void sim_shipping_list_published(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_shipping *s = ctx;
	char order_id[ID_MAX + 1];
	bool filter = sim_request_query(req, "order_id", order_id, sizeof(order_id));
	struct sbuf sb;

	sbuf_init(&sb, RECORD_BYTES + 4096);
	sbuf_adds(&sb, "{\"data\":");
	sim_journal_list(&s->published, filter ? order_id : NULL, &sb);
	sbuf_adds(&sb, "}");
	sim_reply_json(rep, 200, &sb);
}
