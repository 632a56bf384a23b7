/* Operator routes: liveness, readiness, Prometheus metrics (with the queue
 * depths read at scrape time) and the dead-letter admin routes. */
#include "infrastructure/http/api_ops.h"

#include <stdio.h>
#include <string.h>

#include "app/admin_port.h"
#include "app/json_write.h"
#include "domain/decimal.h"
#include "domain/names.h"
#include "infrastructure/http/dead_letter_json.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_queues.h"

#define METRICS_BODY_MAX (1u << 20)

static const struct admin *admin_of(struct api_call *c)
{
	return &c->env->app->admin;
}

static void reply_data(struct api_call *c, int status, const char *data)
{
	api_reply_data(c, status, api_json_text, data, NULL);
}

static void write_dead_letter(struct sbuf *sb, const void *d)
{
	order_json_dead_letter(sb, d);
}

void api_ops_live(struct api_call *c)
{
	reply_data(c, 200, "{\"status\":\"live\"}");
}

void api_ops_ready(struct api_call *c)
{
	struct os_error err;
	enum os_status st;

	os_error_clear(&err);
	st = admin_ping(admin_of(c), &err);
	if (st != OS_OK) {
		/* The cause (hosts, server messages) goes to the log only. */
		log_kv(LOG_WARN, "not ready", "error", err.message, "request_id",
		       c->trace.request_id, NULL);
		api_reply_error(c, 503, "not ready", NULL, os_status_name(OS_EUNAVAIL));
		return;
	}
	reply_data(c, 200, "{\"status\":\"ready\"}");
}

/* Copies the queue depths into gauges; a failing read leaves the last
 * values (and is logged), so a scrape never fails on the database. */
static void update_queue_gauges(struct api_call *c)
{
	struct queue_stats qs;
	struct os_error err;

	os_error_clear(&err);
	if (admin_stats(admin_of(c), &qs, &err) != OS_OK) {
		log_kv(LOG_WARN, "queue stats unavailable", "error", err.message, NULL);
		return;
	}
	metrics_queues_update(&qs);
}

void api_ops_metrics(struct api_call *c)
{
	struct sbuf sb;

	update_queue_gauges(c);
	sbuf_init(&sb, METRICS_BODY_MAX);
	metrics_render(&sb);
	api_reply(c, 200, &sb, "text/plain; version=0.0.4");
	sbuf_release(&sb);
}

static const char *const kind_names[] = {
    [ADMIN_OUTBOX] = "outbox",
    [ADMIN_INBOX] = "inbox",
};

static bool parse_kind(const char *s, size_t len, enum admin_kind *out)
{
	int i = names_index(kind_names, NAMES_COUNT(kind_names), s, len);

	if (i < 0)
		return false;
	*out = (enum admin_kind)i;
	return true;
}

/* Reads kind, after and limit; answers 400 and returns false on a bad one. */
static bool list_query(struct api_call *c, enum admin_kind *kind, int64_t *after, int64_t *limit)
{
	char v[32];
	int q;

	*kind = ADMIN_OUTBOX;
	*after = 0;
	*limit = 50;
	q = api_call_query(c, "kind", v, sizeof(v));
	if (q < 0 || (q == 1 && !parse_kind(v, strlen(v), kind))) {
		api_reply_error(c, 400, "must be outbox or inbox", "kind", NULL);
		return false;
	}
	q = api_call_query(c, "after", v, sizeof(v));
	if (q < 0 || (q == 1 && !decimal_parse(v, strlen(v), 0, INT64_MAX, after))) {
		api_reply_error(c, 400, "must be a non-negative integer", "after", NULL);
		return false;
	}
	q = api_call_query(c, "limit", v, sizeof(v));
	if (q < 0 || (q == 1 && !decimal_parse(v, strlen(v), 1, ADMIN_LIST_MAX, limit))) {
		api_reply_error(c, 400, "must be an integer from 1 to 100", "limit", NULL);
		return false;
	}
	return true;
}

void api_ops_dead_letters(struct api_call *c)
{
	struct dead_letter rows[ADMIN_LIST_MAX];
	enum admin_kind kind;
	int64_t after, limit;
	struct os_error err;
	char extra[48] = "\"next_after\":null";
	size_t n = 0;
	enum os_status st;

	if (!list_query(c, &kind, &after, &limit))
		return;
	os_error_clear(&err);
	st = admin_list(admin_of(c), kind, after, (size_t)limit, rows, &n, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	if (n > 0 && n == (size_t)limit)
		snprintf(extra, sizeof(extra), "\"next_after\":%lld", (long long)rows[n - 1].id);
	api_reply_array(c, 200, write_dead_letter, rows, sizeof(rows[0]), n, extra);
}

/* Why a retry left rows dead; the answer carries it with their count. */
#define RETRY_REFUSED_WHY "payment requests of orders that are no longer new are never sent again"

static void retry(struct api_call *c, enum admin_kind kind, int64_t id)
{
	struct admin_retry_result res = {0, 0};
	struct json_writer w;
	struct os_error err;
	struct sbuf data;
	enum os_status st;

	os_error_clear(&err);
	st = admin_retry_counted(admin_of(c), kind, id, &res, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	log_kv(LOG_INFO, "dead letters retried", "request_id", c->trace.request_id, NULL);
	sbuf_init(&data, 1024);
	json_write_init(&w, &data);
	json_write_object(&w, NULL);
	json_write_int(&w, "retried", (int64_t)res.retried);
	json_write_int(&w, "skipped", (int64_t)res.refused);
	if (res.refused > 0)
		json_write_str(&w, "skipped_reason", RETRY_REFUSED_WHY);
	json_write_end(&w);
	if (json_write_ok(&w))
		reply_data(c, 200, data.buf);
	else
		api_reply_error(c, 500, "internal error", NULL, os_status_name(OS_ENOMEM));
	sbuf_release(&data);
}

/* Reads the {kind} path parameter; answers 400 if bad. */
static bool kind_param(struct api_call *c, enum admin_kind *kind)
{
	if (parse_kind(c->params[0].s, c->params[0].len, kind))
		return true;
	api_reply_error(c, 400, "must be outbox or inbox", "kind", NULL);
	return false;
}

void api_ops_retry_one(struct api_call *c)
{
	enum admin_kind kind;
	int64_t id;

	if (!kind_param(c, &kind))
		return;
	if (!decimal_parse(c->params[1].s, c->params[1].len, 1, INT64_MAX, &id)) {
		api_reply_error(c, 400, "must be a positive integer", "id", NULL);
		return;
	}
	retry(c, kind, id);
}

void api_ops_retry_all(struct api_call *c)
{
	enum admin_kind kind;

	if (kind_param(c, &kind))
		retry(c, kind, 0);
}
