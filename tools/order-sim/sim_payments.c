/* The simulated payment service: requests, injected failures, callbacks. */
#include "tools/order-sim/sim_payments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/json_write.h"
#include "app/timefmt.h"
#include "domain/money.h"
#include "infrastructure/log/log.h"
#include "tools/order-sim/sim_callback.h"
#include "tools/order-sim/sim_json.h"
#include "tools/order-sim/sim_rand.h"

#define RECORD_MAX	    100000
#define RECORD_BYTES	    ((size_t)256 * 1024 * 1024)
#define KEYS_MAX	    100000
#define ID_MAX		    128
#define URL_MAX		    2048
#define HOLD_TIMEOUT_MS	    30000
#define CALLBACK_ATTEMPTS   6
#define CALLBACK_BACKOFF_MS 100
#define PLAN_DELAY_MAX_MS   600000 /* ten minutes */
#define PENDING_LEAD_MS	    200	   /* a pending callback goes this much before the result */
#define REPLAY_MAX	    100

/* A callback waiting to be (re)sent. */
struct callback_job {
	struct sim_payments *p;
	unsigned generation;
	int attempt;
	char payment_id[48];
	char order_id[ID_MAX + 1];
	char url[URL_MAX + 1];
	char *body;
	size_t len;
};

/* A validated payment request. */
struct payment_req {
	const char *order_id;
	const char *user_id;
	const char *url;
	char key[ID_MAX + 1];
	int64_t cents;
};

enum os_status sim_payments_init(struct sim_payments *p, const struct sim_config *cfg,
				 struct sim_sched *sched)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->sched = sched;
	atomic_init(&p->generation, 0);
	atomic_init(&p->plan_delay_ms, -1);
	atomic_init(&p->plan_pending_first, false);
	if (sim_map_init(&p->by_key, KEYS_MAX) != OS_OK ||
	    sim_map_init(&p->outcomes, KEYS_MAX) != OS_OK ||
	    sim_map_init(&p->plans, KEYS_MAX) != OS_OK ||
	    sim_map_init(&p->last_callbacks, KEYS_MAX) != OS_OK ||
	    sim_journal_init(&p->requests, RECORD_MAX, RECORD_BYTES) != OS_OK ||
	    sim_journal_init(&p->callbacks, RECORD_MAX, RECORD_BYTES / 4) != OS_OK ||
	    sim_journal_init(&p->cancels, RECORD_MAX, RECORD_BYTES / 4) != OS_OK ||
	    sim_journal_init(&p->refunds, RECORD_MAX, RECORD_BYTES / 4) != OS_OK) {
		sim_payments_release(p);
		return OS_ENOMEM;
	}
	return OS_OK;
}

void sim_payments_release(struct sim_payments *p)
{
	sim_map_release(&p->by_key);
	sim_map_release(&p->outcomes);
	sim_journal_release(&p->requests);
	sim_journal_release(&p->callbacks);
	sim_journal_release(&p->cancels);
	sim_journal_release(&p->refunds);
	sim_map_release(&p->plans);
	sim_map_release(&p->last_callbacks);
}

void sim_payments_reset(struct sim_payments *p)
{
	atomic_fetch_add(&p->generation, 1);
	sim_map_clear(&p->by_key);
	sim_map_clear(&p->outcomes);
	sim_journal_clear(&p->requests);
	sim_journal_clear(&p->callbacks);
	sim_journal_clear(&p->cancels);
	sim_journal_clear(&p->refunds);
	sim_map_clear(&p->plans);
	sim_map_clear(&p->last_callbacks);
	atomic_store(&p->plan_delay_ms, -1);
	atomic_store(&p->plan_pending_first, false);
	p->script_len = 0;
	p->script_pos = 0;
}

static void free_job(void *arg)
{
	struct callback_job *job = arg;

	free(job->body);
	free(job);
}

static void record_attempt(struct callback_job *job, long http_status, const char *error)
{
	struct json_writer w;
	struct sbuf sb;

	sbuf_init(&sb, 4096);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	json_write_str(&w, "payment_id", job->payment_id);
	json_write_str(&w, "order_id", job->order_id);
	json_write_int(&w, "attempt", job->attempt);
	json_write_int(&w, "http_status", http_status);
	json_write_str(&w, "error", error);
	json_write_time(&w, "at", sim_now_us());
	json_write_end(&w);
	if (json_write_ok(&w))
		sim_journal_add(&job->p->callbacks, job->order_id, sb.buf, sb.len);
	sbuf_release(&sb);
}

/* Runs on a scheduler thread: one attempt, then a retry or the end. */
static void run_callback(struct sim_sched *s, void *arg)
{
	struct callback_job *job = arg;
	struct os_error err;
	long code = 0;

	if (job->generation != atomic_load(&job->p->generation)) {
		free_job(job);
		return;
	}
	os_error_clear(&err);
	job->attempt++;
	if (sim_callback_post(job->url, job->p->cfg->secret, job->body, job->len, &code, &err) ==
	    OS_OK) {
		record_attempt(job, code, "");
		free_job(job);
		return;
	}
	record_attempt(job, code, err.message);
	if (job->attempt < CALLBACK_ATTEMPTS &&
	    sim_sched_add(s, (int64_t)CALLBACK_BACKOFF_MS << job->attempt, run_callback, free_job,
			  job) == OS_OK)
		return;
	log_kv(LOG_WARN, "payment callback abandoned", "order_id", job->order_id, "error",
	       err.message, NULL);
	free_job(job);
}

/* Appends the recorded form of a request to sb. */
static void describe_request(const struct sim_request *req, yajl_val tree, int status,
			     struct sbuf *sb)
{
	char api_key[256] = "", key[256] = "";
	struct json_writer w;

	sim_request_header(req, "x-api-key", api_key, sizeof(api_key));
	sim_request_header(req, "idempotency-key", key, sizeof(key));
	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_time(&w, "received_at", sim_now_us());
	json_write_int(&w, "status", status);
	json_write_str_or_null(&w, "order_id", json_tree_string(tree, "order_id"));
	json_write_object(&w, "headers");
	json_write_str(&w, "x-api-key", api_key);
	json_write_str(&w, "idempotency-key", key);
	json_write_end(&w);
	if (tree)
		sim_json_write(&w, "body", tree);
	else
		json_write_strn(&w, "body", req->body, req->body_len);
	json_write_end(&w);
}

static void record_to(struct sim_journal *j, const struct sim_request *req, yajl_val tree,
		      int status)
{
	const char *order_id = json_tree_string(tree, "order_id");
	struct sbuf sb;

	sbuf_init(&sb, RECORD_BYTES);
	describe_request(req, tree, status, &sb);
	if (sbuf_ok(&sb))
		sim_journal_add(j, order_id, sb.buf, sb.len);
	sbuf_release(&sb);
}

static void record_request(struct sim_payments *p, const struct sim_request *req, yajl_val tree,
			   int status)
{
	record_to(&p->requests, req, tree, status);
}

static bool short_str(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= ID_MAX;
}

/* Amount as a decimal string or a JSON number, parsed to cents. */
static enum os_status parse_amount(yajl_val tree, int64_t *cents)
{
	yajl_val v = json_tree_member(tree, "amount");
	const char *text = NULL;

	if (YAJL_IS_STRING(v))
		text = v->u.string;
	else if (YAJL_IS_NUMBER(v))
		text = v->u.number.r;
	if (text == NULL)
		return OS_EINVAL;
	return money_parse(text, strlen(text), cents);
}

static enum os_status validate(const struct sim_request *req, yajl_val tree,
			       struct payment_req *out, struct os_error *err)
{
	struct payment_req pr = {0};
	const char *body_key;

	if (!YAJL_IS_OBJECT(tree))
		return os_fail(err, OS_EINVAL, NULL, "body must be a JSON object");
	pr.order_id = json_tree_string(tree, "order_id");
	if (!short_str(pr.order_id))
		return os_fail(err, OS_EINVAL, "order_id", "order_id is required");
	if (parse_amount(tree, &pr.cents) != OS_OK)
		return os_fail(err, OS_EINVAL, "amount", "amount must be a decimal amount");
	pr.url = json_tree_string(tree, "callback_url");
	if (pr.url == NULL || strlen(pr.url) > URL_MAX ||
	    (strncmp(pr.url, "http://", 7) != 0 && strncmp(pr.url, "https://", 8) != 0))
		return os_fail(err, OS_EINVAL, "callback_url", "callback_url must be http(s)");
	pr.user_id = json_tree_string(tree, "user_id");
	if (pr.user_id != NULL && strlen(pr.user_id) > ID_MAX)
		return os_fail(err, OS_EINVAL, "user_id", "user_id too long");
	body_key = json_tree_string(tree, "idempotency_key");
	if (!sim_request_header(req, "idempotency-key", pr.key, sizeof(pr.key)) || !pr.key[0]) {
		if (!short_str(body_key))
			return os_fail(err, OS_EINVAL, "idempotency_key",
				       "an Idempotency-Key is required");
		snprintf(pr.key, sizeof(pr.key), "%s", body_key);
	}
	*out = pr;
	return OS_OK;
}

/* The callback body, signed later exactly as built here. */
static char *callback_body(const struct payment_req *pr, const char *id, const char *status,
			   size_t *len)
{
	char key[128];
	struct json_writer w;
	struct sbuf sb;

	snprintf(key, sizeof(key), "cb-%s", id);
	sbuf_init(&sb, 8192);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	json_write_str(&w, "id", id);
	json_write_str(&w, "user_id", pr->user_id ? pr->user_id : "");
	json_write_str(&w, "order_id", pr->order_id);
	json_write_money(&w, "amount", pr->cents);
	json_write_str(&w, "status", status);
	json_write_str(&w, "idempotency_key", key);
	json_write_time(&w, "created_at", sim_now_us());
	json_write_end(&w);
	return sbuf_detach(&sb, len);
}

/* When and how an order's callbacks go: its plan, else the global one. */
struct callback_plan {
	int64_t delay_ms;
	bool pending_first;
};

static struct callback_plan plan_for(struct sim_payments *p, const char *order_id)
{
	struct callback_plan pl = {p->cfg->payment_delay_ms, atomic_load(&p->plan_pending_first)};
	int global = atomic_load(&p->plan_delay_ms);
	char text[48];
	long long delay;
	int first;

	if (global >= 0)
		pl.delay_ms = global;
	if (sim_map_get(&p->plans, order_id, text, sizeof(text)) &&
	    sscanf(text, "%lld %d", &delay, &first) == 2) {
		pl.delay_ms = delay;
		pl.pending_first = first != 0;
	}
	return pl;
}

static const char *decide_outcome(struct sim_payments *p, const char *order_id)
{
	char forced[16];

	if (sim_map_get(&p->outcomes, order_id, forced, sizeof(forced)))
		return strcmp(forced, "failed") == 0 ? "failed" : "succeeded";
	return sim_rand_chance(p->cfg->payment_fail_ppm) ? "failed" : "succeeded";
}

/* A callback job for order_id of payment_id with body (taken); NULL (body
 * freed) without memory or when url is longer than URL_MAX: a cut URL would
 * call somewhere else. */
static struct callback_job *new_job(struct sim_payments *p, const char *payment_id,
				    const char *order_id, const char *url, char *body, size_t len)
{
	struct callback_job *job = calloc(1, sizeof(*job));

	if (job == NULL ||
	    snprintf(job->url, sizeof(job->url), "%s", url) >= (int)sizeof(job->url)) {
		free(job);
		free(body);
		return NULL;
	}
	job->p = p;
	job->generation = atomic_load(&p->generation);
	snprintf(job->payment_id, sizeof(job->payment_id), "%s", payment_id);
	snprintf(job->order_id, sizeof(job->order_id), "%s", order_id);
	job->body = body;
	job->len = len;
	return job;
}

static enum os_status queue_job(struct sim_payments *p, struct callback_job *job, int64_t delay_ms)
{
	if (job == NULL || job->body == NULL)
		goto fail;
	if (sim_sched_add(p->sched, delay_ms, run_callback, free_job, job) == OS_OK)
		return OS_OK;
fail:
	if (job != NULL)
		free_job(job);
	return OS_EAGAIN;
}

/* Keeps "<url>\n<body>" of an order's result callback for a replay (the
 * body is one line of JSON). */
static void remember_callback(struct sim_payments *p, const char *order_id, const char *url,
			      const char *body)
{
	struct sbuf sb;

	sbuf_init(&sb, URL_MAX + 16384);
	sbuf_addf(&sb, "%s\n%s", url, body);
	if (sbuf_ok(&sb))
		sim_map_put(&p->last_callbacks, order_id, sb.buf);
	sbuf_release(&sb);
}

/* Queues the payment's callbacks as planned: the result, and first a
 * pending under the same key when the plan says so. The result's body is
 * kept for a replay. */
static enum os_status queue_callbacks(struct sim_payments *p, const struct payment_req *pr,
				      const char *payment_id)
{
	struct callback_plan pl = plan_for(p, pr->order_id);
	struct callback_job *job;
	char *body;
	size_t len = 0;

	if (pl.pending_first) {
		body = callback_body(pr, payment_id, "pending", &len);
		job = new_job(p, payment_id, pr->order_id, pr->url, body, len);
		if (queue_job(p, job, pl.delay_ms) != OS_OK)
			return OS_EAGAIN;
		pl.delay_ms += PENDING_LEAD_MS;
	}
	body = callback_body(pr, payment_id, decide_outcome(p, pr->order_id), &len);
	if (body != NULL)
		remember_callback(p, pr->order_id, pr->url, body);
	job = new_job(p, payment_id, pr->order_id, pr->url, body, len);
	return queue_job(p, job, pl.delay_ms);
}

/* Creates the payment and queues its callback; *reply_body gets the 201 body. */
static enum os_status start_payment(struct sim_payments *p, const struct payment_req *pr,
				    struct sbuf *reply_body)
{
	char uuid[UUID_STR_LEN + 1], payment_id[48];
	struct json_writer w;

	sim_rand_uuid(uuid);
	snprintf(payment_id, sizeof(payment_id), "pay-%s", uuid);
	if (queue_callbacks(p, pr, payment_id) != OS_OK)
		return OS_EAGAIN;
	json_write_init(&w, reply_body);
	json_write_object(&w, NULL);
	json_write_str(&w, "id", payment_id);
	json_write_str(&w, "status", "pending");
	json_write_money(&w, "amount", pr->cents);
	json_write_str(&w, "order_id", pr->order_id);
	json_write_end(&w);
	return OS_OK;
}

/* Answers a well-formed request: the earlier payment for its key, or a new one. */
static int accept_payment(struct sim_payments *p, const struct payment_req *pr,
			  struct sim_reply *rep)
{
	char earlier[1024];
	struct sbuf sb;

	sbuf_init(&sb, sizeof(earlier) - 1);
	if (sim_map_get(&p->by_key, pr->key, earlier, sizeof(earlier))) {
		sbuf_adds(&sb, earlier);
		sim_reply_json(rep, 201, &sb);
		return 201;
	}
	if (start_payment(p, pr, &sb) != OS_OK || !sbuf_ok(&sb)) {
		sbuf_release(&sb);
		sim_reply_error(rep, 503, "payment queue is full");
		return 503;
	}
	sim_map_put(&p->by_key, pr->key, sb.buf);
	sim_reply_json(rep, 201, &sb);
	return 201;
}

/* The answer forced by the script or drawn from the injection rates:
 * 201 (go on), SIM_SCRIPT_TIMEOUT, or an error status. */
static int planned_answer(struct sim_payments *p)
{
	if (p->script_pos < p->script_len)
		return p->script[p->script_pos++];
	if (sim_rand_chance(p->cfg->payment_error_ppm))
		return sim_rand_below(2) ? 503 : 500;
	if (sim_rand_chance(p->cfg->payment_timeout_ppm))
		return SIM_SCRIPT_TIMEOUT;
	return 201;
}

static int answer(struct sim_payments *p, const struct sim_request *req, yajl_val tree,
		  enum os_status parse_st, struct sim_reply *rep)
{
	int planned = planned_answer(p);
	struct payment_req pr;
	struct os_error err;

	if (planned == SIM_SCRIPT_TIMEOUT) {
		sim_reply_error(rep, 504, "held past the client's timeout");
		rep->hold_ms = HOLD_TIMEOUT_MS;
		return 504;
	}
	if (planned != 201) {
		sim_reply_error(rep, planned, "injected failure");
		return planned;
	}
	os_error_clear(&err);
	if (parse_st != OS_OK) {
		sim_reply_error(rep, parse_st == OS_ETOOBIG ? 413 : 400, "invalid JSON body");
		return rep->status;
	}
	if (validate(req, tree, &pr, &err) != OS_OK) {
		sim_reply_error(rep, 422, err.message);
		return 422;
	}
	return accept_payment(p, &pr, rep);
}

void sim_payments_create(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;
	yajl_val tree = NULL;
	enum os_status st;
	int status;

	st = json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL);
	status = answer(p, req, tree, st, rep);
	record_request(p, req, tree, status);
	if (rep->hold_ms == 0)
		rep->hold_ms = p->cfg->payment_latency_ms;
	yajl_tree_free(tree);
}

void sim_payments_set_outcome(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;
	const char *order_id, *status;
	yajl_val tree = NULL;

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK) {
		sim_reply_error(rep, 400, "invalid JSON body");
		return;
	}
	order_id = json_tree_string(tree, "order_id");
	status = json_tree_string(tree, "status");
	if (!short_str(order_id) || status == NULL ||
	    (strcmp(status, "failed") != 0 && strcmp(status, "succeeded") != 0)) {
		sim_reply_error(rep, 422, "want {\"order_id\", \"status\": failed|succeeded}");
	} else if (sim_map_put(&p->outcomes, order_id, status) != OS_OK) {
		sim_reply_error(rep, 503, "out of memory");
	} else {
		sim_reply_ok(rep);
	}
	yajl_tree_free(tree);
}

/* One script entry: a status 100..599 or "timeout". */
static bool script_entry(yajl_val v, int *out)
{
	long long n;

	if (YAJL_IS_STRING(v) && strcmp(v->u.string, "timeout") == 0) {
		*out = SIM_SCRIPT_TIMEOUT;
		return true;
	}
	if (!YAJL_IS_INTEGER(v))
		return false;
	n = YAJL_GET_INTEGER(v);
	if (n < 100 || n > 599)
		return false;
	*out = (int)n;
	return true;
}

void sim_payments_set_script(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;
	int script[SIM_SCRIPT_MAX];
	yajl_val tree = NULL, list;
	size_t i;

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK) {
		sim_reply_error(rep, 400, "invalid JSON body");
		return;
	}
	list = json_tree_member(tree, "responses");
	if (!YAJL_IS_ARRAY(list) || list->u.array.len > SIM_SCRIPT_MAX) {
		sim_reply_error(rep, 422, "want {\"responses\": [status or \"timeout\", ...]}");
		goto out;
	}
	for (i = 0; i < list->u.array.len; i++) {
		if (!script_entry(list->u.array.values[i], &script[i])) {
			sim_reply_error(rep, 422, "a response is a status 100..599 or \"timeout\"");
			goto out;
		}
	}
	memcpy(p->script, script, i * sizeof(script[0]));
	p->script_len = i;
	p->script_pos = 0;
	sim_reply_ok(rep);
out:
	yajl_tree_free(tree);
}

static void list_journal(struct sim_journal *j, const struct sim_request *req,
			 struct sim_reply *rep)
{
	char order_id[ID_MAX + 1];
	bool filter = sim_request_query(req, "order_id", order_id, sizeof(order_id));
	struct sbuf sb;

	sbuf_init(&sb, RECORD_BYTES + 4096);
	sbuf_adds(&sb, "{\"data\":");
	sim_journal_list(j, filter ? order_id : NULL, &sb);
	sbuf_adds(&sb, "}");
	sim_reply_json(rep, 200, &sb);
}

void sim_payments_list_requests(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	list_journal(&((struct sim_payments *)ctx)->requests, req, rep);
}

void sim_payments_list_callbacks(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	list_journal(&((struct sim_payments *)ctx)->callbacks, req, rep);
}

/* ---------------------------------------------------- cancels and refunds */

/* The planned failure, if any, for a cancel or refund request: the same
 * script and rates as payment requests (a failing service fails them all). */
static bool injected(struct sim_payments *p, struct sim_reply *rep)
{
	int planned = planned_answer(p);

	if (planned == SIM_SCRIPT_TIMEOUT) {
		sim_reply_error(rep, 504, "held past the client's timeout");
		rep->hold_ms = HOLD_TIMEOUT_MS;
		return true;
	}
	if (planned != 201) {
		sim_reply_error(rep, planned, "injected failure");
		return true;
	}
	return false;
}

/* The fields every cancel or refund needs; NULL when fine, else why not. */
static const char *check_followup(const struct sim_request *req, yajl_val tree, bool refund)
{
	char key[ID_MAX + 1];
	int64_t cents;

	if (!YAJL_IS_OBJECT(tree))
		return "body must be a JSON object";
	if (!short_str(json_tree_string(tree, "order_id")))
		return "order_id is required";
	if ((!sim_request_header(req, "idempotency-key", key, sizeof(key)) || !key[0]) &&
	    !short_str(json_tree_string(tree, "idempotency_key")))
		return "an Idempotency-Key is required";
	if (!refund)
		return NULL;
	if (!short_str(json_tree_string(tree, "payment_id")))
		return "payment_id is required";
	if (parse_amount(tree, &cents) != OS_OK)
		return "amount must be a decimal amount";
	return NULL;
}

/* Answers a cancel (200) or refund (201) request and records it. */
static void followup(struct sim_payments *p, struct sim_journal *j, const struct sim_request *req,
		     struct sim_reply *rep, bool refund)
{
	char uuid[UUID_STR_LEN + 1];
	yajl_val tree = NULL;
	const char *why;
	struct sbuf sb;

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK) {
		sim_reply_error(rep, 400, "invalid JSON body");
	} else if (!injected(p, rep)) {
		why = check_followup(req, tree, refund);
		if (why != NULL) {
			sim_reply_error(rep, 422, why);
		} else {
			sim_rand_uuid(uuid);
			sbuf_init(&sb, 256);
			sbuf_addf(&sb, "{\"id\":\"%s-%s\",\"status\":\"%s\"}",
				  refund ? "refund" : "cancel", uuid,
				  refund ? "pending" : "cancelled");
			sim_reply_json(rep, refund ? 201 : 200, &sb);
		}
	}
	record_to(j, req, tree, rep->status);
	if (rep->hold_ms == 0)
		rep->hold_ms = p->cfg->payment_latency_ms;
	yajl_tree_free(tree);
}

void sim_payments_cancel(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;

	followup(p, &p->cancels, req, rep, false);
}

void sim_payments_refund(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;

	followup(p, &p->refunds, req, rep, true);
}

void sim_payments_list_cancels(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	list_journal(&((struct sim_payments *)ctx)->cancels, req, rep);
}

void sim_payments_list_refunds(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	list_journal(&((struct sim_payments *)ctx)->refunds, req, rep);
}

/* ------------------------------------------------- callback plans, replay */

/* An optional integer member in lo..hi: false when present and not one. */
static bool opt_int(yajl_val tree, const char *key, long long lo, long long hi, long long *out)
{
	yajl_val v = json_tree_member(tree, key);

	if (v == NULL)
		return true;
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < lo || YAJL_GET_INTEGER(v) > hi)
		return false;
	*out = YAJL_GET_INTEGER(v);
	return true;
}

void sim_payments_set_plan(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;
	const char *order_id;
	long long delay = -1;
	yajl_val tree = NULL, first;
	char text[48];

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK) {
		sim_reply_error(rep, 400, "invalid JSON body");
		return;
	}
	order_id = json_tree_string(tree, "order_id");
	first = json_tree_member(tree, "pending_first");
	if (!YAJL_IS_OBJECT(tree) || !opt_int(tree, "delay_ms", 0, PLAN_DELAY_MAX_MS, &delay) ||
	    (first != NULL && !YAJL_IS_TRUE(first) && !YAJL_IS_FALSE(first)) ||
	    (json_tree_member(tree, "order_id") != NULL && !short_str(order_id))) {
		sim_reply_error(rep, 422,
				"want {\"order_id\"?, \"delay_ms\"?: 0..600000, "
				"\"pending_first\"?: bool}");
		goto out;
	}
	if (order_id == NULL) {
		if (delay >= 0)
			atomic_store(&p->plan_delay_ms, (int)delay);
		if (first != NULL)
			atomic_store(&p->plan_pending_first, YAJL_IS_TRUE(first));
		sim_reply_ok(rep);
		goto out;
	}
	snprintf(text, sizeof(text), "%lld %d",
		 delay >= 0 ? delay : (long long)p->cfg->payment_delay_ms,
		 first != NULL && YAJL_IS_TRUE(first));
	if (sim_map_put(&p->plans, order_id, text) != OS_OK)
		sim_reply_error(rep, 503, "out of memory");
	else
		sim_reply_ok(rep);
out:
	yajl_tree_free(tree);
}

/* Queues times copies of the order's last result callback (kept as
 * "<url>\n<body>"); how many went. */
static long long replay_queue(struct sim_payments *p, const char *order_id, char *kept,
			      long long times)
{
	char payment_id[48] = "replay";
	struct callback_job *job;
	yajl_val tree = NULL;
	char *body = strchr(kept, '\n'), *copy;
	const char *id;
	long long i, queued = 0;

	if (body == NULL)
		return 0;
	*body++ = '\0';
	if (json_tree_parse(&json_limits_sim, body, strlen(body), &tree, NULL) != OS_OK)
		return 0;
	id = json_tree_string(tree, "id");
	if (id != NULL)
		snprintf(payment_id, sizeof(payment_id), "%s", id);
	yajl_tree_free(tree);
	for (i = 0; i < times; i++) {
		copy = strdup(body);
		job = new_job(p, payment_id, order_id, kept, copy, copy ? strlen(copy) : 0);
		queued += queue_job(p, job, 0) == OS_OK;
	}
	return queued;
}

void sim_payments_replay(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_payments *p = ctx;
	const char *order_id;
	long long times = 1, queued;
	yajl_val tree = NULL;
	char kept[URL_MAX + 16384];
	struct sbuf sb;

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK) {
		sim_reply_error(rep, 400, "invalid JSON body");
		return;
	}
	order_id = json_tree_string(tree, "order_id");
	if (!short_str(order_id) || !opt_int(tree, "times", 1, REPLAY_MAX, &times)) {
		sim_reply_error(rep, 422, "want {\"order_id\", \"times\"?: 1..100}");
	} else if (!sim_map_get(&p->last_callbacks, order_id, kept, sizeof(kept))) {
		sim_reply_error(rep, 404, "no callback was sent for this order");
	} else {
		queued = replay_queue(p, order_id, kept, times);
		sbuf_init(&sb, 128);
		sbuf_addf(&sb, "{\"queued\":%lld}", queued);
		sim_reply_json(rep, queued == times ? 200 : 503, &sb);
	}
	yajl_tree_free(tree);
}
