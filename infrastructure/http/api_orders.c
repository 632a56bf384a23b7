/* Handlers of the order routes: create, bulk create, get, list, history,
 * cancel. Codec failures answer 400, use-case failures by api_http_status. */
#include "infrastructure/http/api_orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/order_service.h"
#include "domain/decimal.h"
#include "infrastructure/http/api_guard.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/http/order_bulk_json.h"
#include "infrastructure/http/order_cancel_json.h"
#include "infrastructure/http/order_create_json.h"
#include "infrastructure/http/order_view_json.h"
#include "infrastructure/io/io_loop.h"
#include "infrastructure/metrics/metrics.h"

static struct order_service *svc(struct api_call *c)
{
	return &c->env->app->svc;
}

static void write_order(struct sbuf *sb, const void *o)
{
	order_json_order(sb, o);
}

static void reply_order(struct api_call *c, int status, const struct order *o)
{
	api_reply_data(c, status, write_order, o, NULL);
}

/* Parses path parameter i as an order id; answers 400 and returns false if
 * it is not one. */
static bool param_uuid(struct api_call *c, size_t i, struct uuid *out)
{
	if (uuid_parse(c->params[i].s, c->params[i].len, out) == OS_OK)
		return true;
	api_reply_error(c, 400, "must be a UUID", "id", NULL);
	return false;
}

/* Decodes and creates one order. *http receives the status to answer with;
 * err the detail on failure. */
static enum os_status create_with(struct order_service *s, const struct auth_principal *who,
				  const struct order_trace *trace, const char *body, size_t len,
				  const char *key, size_t key_len, struct order *o, int *http,
				  struct os_error *err)
{
	struct order_create_request req;
	enum os_status st;
	bool created = false;

	st = order_json_decode_create(body, len, key, key_len, &req, err);
	if (st != OS_OK) {
		*http = api_http_status(st, true);
		return st;
	}
	if (who->role == AUTH_ROLE_CLIENT && strcmp(req.user_id, who->user_id) != 0) {
		/* 403 rather than 422: the body is valid, the caller may not. */
		*http = 403;
		return os_fail(err, OS_EDENIED, "user_id",
			       "a client key creates orders for its own user_id only");
	}
	req.trace = *trace;
	st = order_create(s, &req, o, &created, err);
	if (st != OS_OK) {
		*http = api_http_status(st, false);
		return st;
	}
	if (created)
		metrics_order_created();
	*http = created ? 201 : 200;
	return OS_OK;
}

/* The Idempotency-Key header's value: a bare UUID, or the structured-field
 * string form of the IETF draft ("\"<uuid>\""), unquoted here. */
static const char *idempotency_header(struct api_call *c, size_t *len)
{
	const char *v = api_call_header(c, "idempotency-key", len);

	if (v != NULL && *len >= 2 && v[0] == '"' && v[*len - 1] == '"') {
		*len -= 2;
		return v + 1;
	}
	return v;
}

/* 201 names the new order in Location. */
static void add_location(struct api_call *c, const struct order *o)
{
	char loc[sizeof("/api/v1/orders/") + UUID_STR_LEN];

	memcpy(loc, "/api/v1/orders/", sizeof("/api/v1/orders/") - 1);
	uuid_format(&o->id, loc + sizeof("/api/v1/orders/") - 1);
	api_add_header(c, "location", loc, strlen(loc));
}

static enum os_status create_one(struct api_call *c, const char *body, size_t len, const char *key,
				 size_t key_len, struct order *o, int *http, struct os_error *err)
{
	return create_with(svc(c), &c->who, &c->trace, body, len, key, key_len, o, http, err);
}

void api_orders_create(struct api_call *c)
{
	struct os_error err;
	struct order *o = &c->env->orders[0];
	const char *body, *key;
	size_t len, key_len = 0;
	enum os_status st;
	int http;

	os_error_clear(&err);
	body = api_call_body(c, &len);
	key = idempotency_header(c, &key_len);
	if (key != NULL && key_len == 0) {
		api_reply_error(c, 400, "the Idempotency-Key header must be a UUID",
				"idempotency_key", NULL);
		return;
	}
	st = create_one(c, body, len, key, key_len, o, &http, &err);
	if (st != OS_OK && http == 403) {
		api_reply_error(c, 403, err.message, err.field, "forbidden");
		return;
	}
	if (api_replied_failure(c, st, &err, http == 400))
		return;
	if (http == 201)
		add_location(c, o);
	reply_order(c, http, o);
}

/*
 * A bulk request's elements are created by up to BULK_WORKERS fibers at
 * once (the request's own and helpers on the same loop). The job holds a
 * copy of the body and every element's answer, so a helper never touches
 * the request or the handler's stack: when the request goes away first,
 * the last helper frees the job.
 */
#define BULK_WORKERS 8

struct bulk_job {
	struct order_service *svc;
	struct order_trace trace;
	struct auth_principal who; /* the caller's, copied: helpers may outlive it */
	char *body;
	struct order_json_slice slices[ORDER_JSON_BULK_MAX];
	struct sbuf answers[ORDER_JSON_BULK_MAX]; /* each element's JSON */
	size_t n, next, helpers;
	bool abandoned;		  /* the handler answered without them */
	struct io_fiber *waiting; /* the handler, parked until helpers end */
	int refs;
};

static void bulk_unref(struct bulk_job *j)
{
	size_t i;

	if (--j->refs > 0)
		return;
	for (i = 0; i < j->n; i++)
		sbuf_release(&j->answers[i]);
	free(j->body);
	free(j);
}

/* One element of the bulk answer: {"status", "data"} or {"status",
 * "errors"}, into its own buffer. */
static void bulk_element(struct bulk_job *j, size_t i, struct order *o)
{
	const struct order_json_slice *s = &j->slices[i];
	struct sbuf *sb = &j->answers[i];
	struct os_error err;
	int http = 400;
	enum os_status st = OS_EINVAL;

	os_error_clear(&err);
	if (s->is_object)
		st = create_with(j->svc, &j->who, &j->trace, j->body + s->offset, s->len, NULL, 0,
				 o, &http, &err);
	else
		os_fail(&err, OS_EINVAL, "", "must be an object");
	if (st != OS_OK && io_fiber_expired() && http >= 500)
		snprintf(err.message, sizeof(err.message), "request deadline exceeded");
	sbuf_addf(sb, "{\"status\":%d,", http);
	if (st == OS_OK) {
		sbuf_adds(sb, "\"data\":");
		order_json_order(sb, o);
		sbuf_add(sb, "}", 1);
		return;
	}
	if (http == 500)
		snprintf(err.message, sizeof(err.message), "internal error");
	sbuf_adds(sb, "\"errors\":[");
	order_json_error_object(sb, api_failure_code(st, &err, http), err.message, err.field, NULL);
	sbuf_adds(sb, "]}");
}

/* Takes elements until none is left. */
static void bulk_work(struct bulk_job *j, struct order *o)
{
	while (j->next < j->n && !j->abandoned) {
		size_t i = j->next++;

		bulk_element(j, i, o);
	}
}

static void bulk_helper(void *arg)
{
	struct bulk_job *j = arg;
	struct order *o = malloc(sizeof(*o));

	if (o != NULL)
		bulk_work(j, o);
	free(o);
	j->helpers--;
	if (j->helpers == 0 && j->waiting != NULL)
		io_wake(j->waiting);
	bulk_unref(j);
}

/* Starts helpers for the elements beyond the first (bounded). */
static void bulk_start_helpers(struct bulk_job *j)
{
	struct io_loop *l = io_loop_current();
	size_t k;

	for (k = 1; l != NULL && io_in_fiber() && k < BULK_WORKERS && k < j->n; k++) {
		if (io_fiber_start(l, bulk_helper, j, io_fiber_deadline(), NULL) != OS_OK)
			break;
		j->helpers++;
		j->refs++;
	}
}

static struct bulk_job *bulk_job_new(struct api_call *c, const char *body, size_t len)
{
	struct bulk_job *j = calloc(1, sizeof(*j));
	size_t i;

	if (j == NULL || (j->body = malloc(len + 1)) == NULL) {
		free(j);
		return NULL;
	}
	memcpy(j->body, body, len);
	j->body[len] = '\0';
	j->svc = svc(c);
	j->trace = c->trace;
	j->who = c->who;
	j->refs = 1;
	for (i = 0; i < ORDER_JSON_BULK_MAX; i++)
		sbuf_init(&j->answers[i], API_RESPONSE_MAX);
	return j;
}

/* One element's answer, rendered by its helper. */
static void write_answer(struct sbuf *sb, const void *answer)
{
	const struct sbuf *a = answer;

	sbuf_add(sb, a->buf ? a->buf : "", a->len);
}

void api_orders_bulk(struct api_call *c)
{
	struct bulk_job *j;
	struct os_error err;
	const char *body;
	size_t len;
	enum os_status st;

	os_error_clear(&err);
	body = api_call_body(c, &len);
	j = bulk_job_new(c, body ? body : "", len);
	if (j == NULL) {
		api_reply_error(c, 500, "internal error", NULL, NULL);
		return;
	}
	st = order_json_split_bulk(j->body, len, j->slices, ORDER_JSON_BULK_MAX, &j->n, &err);
	if (api_replied_failure(c, st, &err, true)) {
		bulk_unref(j);
		return;
	}
	bulk_start_helpers(j);
	bulk_work(j, &c->env->orders[0]);
	j->waiting = io_fiber_self();
	while (j->helpers > 0 && io_park(0) == OS_OK)
		;
	j->waiting = NULL;
	if (j->helpers > 0) {
		/* Gone or past the deadline: the helpers end on their own. */
		j->abandoned = true;
		api_reply_error(c, 503, "request deadline exceeded", NULL,
				os_status_name(OS_EUNAVAIL));
		bulk_unref(j);
		return;
	}
	api_reply_array(c, 207, write_answer, j->answers, sizeof(j->answers[0]), j->n, NULL);
	bulk_unref(j);
}

void api_orders_get(struct api_call *c)
{
	struct os_error err;
	struct order *o = &c->env->orders[0];
	struct uuid id;
	enum os_status st;

	if (!param_uuid(c, 0, &id))
		return;
	os_error_clear(&err);
	st = order_get(svc(c), &id, o, &err);
	if (st == OS_OK && !api_may_act_for(c, o->user_id))
		st = os_fail(&err, OS_ENOTFOUND, "id", "no such order");
	if (api_replied_failure(c, st, &err, false))
		return;
	reply_order(c, 200, o);
}

/*
 * For a client, answers 404 and returns false unless order id is its
 * user's (someone else's order is as absent as a missing one). Services
 * pass without a look-up.
 */
bool api_owns_order(struct api_call *c, const struct uuid *id)
{
	struct os_error err;
	struct order *o = &c->env->orders[0];
	enum os_status st;

	if (c->who.role != AUTH_ROLE_CLIENT)
		return true;
	os_error_clear(&err);
	st = order_get(svc(c), id, o, &err);
	if (st == OS_OK && !api_may_act_for(c, o->user_id))
		st = os_fail(&err, OS_ENOTFOUND, "id", "no such order");
	if (st == OS_OK)
		return true;
	api_reply_status(c, st, &err, false);
	return false;
}

/* Fills f from the query; answers 400 naming the parameter and returns
 * false on a bad one. user_id is held in user (ORDER_USER_ID_MAX + 1). */
static bool list_filter(struct api_call *c, struct order_filter *f, char *user)
{
	char v[UUID_STR_LEN + 8];
	int64_t limit = 0;
	int q;

	memset(f, 0, sizeof(*f));
	q = api_call_query(c, "user_id", user, ORDER_USER_ID_MAX + 1);
	if (q < 0 || (q == 1 && order_check_ident(user, strlen(user), ORDER_USER_ID_MAX) != OS_OK))
		goto bad_user;
	f->user_id = q == 1 ? user : NULL;
	q = api_call_query(c, "status", v, sizeof(v));
	if (q < 0 || (q == 1 && order_status_parse(v, strlen(v), &f->status) != OS_OK))
		goto bad_status;
	f->has_status = q == 1;
	q = api_call_query(c, "limit", v, sizeof(v));
	if (q < 0 || (q == 1 && !decimal_parse(v, strlen(v), 1, ORDER_LIST_MAX, &limit)))
		goto bad_limit;
	f->limit = (size_t)limit;
	q = api_call_query(c, "after", v, sizeof(v));
	if (q < 0 || (q == 1 && uuid_parse(v, strlen(v), &f->after) != OS_OK))
		goto bad_after;
	f->has_after = q == 1;
	return true;
bad_user:
	api_reply_error(c, 400, "must be 1..64 printable characters", "user_id", NULL);
	return false;
bad_status:
	api_reply_error(c, 400, "must be new, paid, shipped, delivered or cancelled", "status",
			NULL);
	return false;
bad_limit:
	api_reply_error(c, 400, "must be an integer from 1 to 100", "limit", NULL);
	return false;
bad_after:
	api_reply_error(c, 400, "must be a UUID", "after", NULL);
	return false;
}

static void reply_list(struct api_call *c, const struct order *orders, size_t n, size_t limit)
{
	char extra[64 + UUID_STR_LEN], id[UUID_STR_LEN + 1];

	extra[0] = '\0';
	/* A full page may have a next one: its keyset starts after the last id. */
	if (n > 0 && n == limit) {
		uuid_format(&orders[n - 1].id, id);
		snprintf(extra, sizeof(extra), "\"next_after\":\"%s\"", id);
	}
	api_reply_array(c, 200, write_order, orders, sizeof(orders[0]), n,
			extra[0] ? extra : "\"next_after\":null");
}

void api_orders_list(struct api_call *c)
{
	char user[ORDER_USER_ID_MAX + 1];
	struct order_filter f;
	struct os_error err;
	enum os_status st;
	size_t n = 0;

	if (!list_filter(c, &f, user))
		return;
	if (c->who.role == AUTH_ROLE_CLIENT)
		f.user_id = c->who.user_id; /* a client lists its own orders only */
	os_error_clear(&err);
	st = order_list(svc(c), &f, c->env->orders, &n, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	reply_list(c, c->env->orders, n, f.limit);
}

static void write_history(struct sbuf *sb, const void *value)
{
	const struct api_json_items *h = value;

	order_json_history(sb, h->items, h->n);
}

void api_orders_history(struct api_call *c)
{
	struct order_history_entry h[ORDER_HISTORY_MAX];
	struct api_json_items page = {h, 0};
	struct os_error err;
	struct uuid id;
	enum os_status st;

	if (!param_uuid(c, 0, &id) || !api_owns_order(c, &id))
		return;
	os_error_clear(&err);
	st = order_history(svc(c), &id, h, ORDER_HISTORY_MAX, &page.n, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	api_reply_data(c, 200, write_history, &page, NULL);
}

void api_orders_cancel(struct api_call *c)
{
	char reason[ORDER_REASON_MAX + 1];
	struct order *o = &c->env->orders[0];
	struct os_error err;
	struct uuid id;
	const char *body;
	size_t len;
	enum os_status st;

	if (!param_uuid(c, 0, &id) || !api_owns_order(c, &id))
		return;
	os_error_clear(&err);
	body = api_call_body(c, &len);
	st = order_json_decode_cancel(body, len, reason, &err);
	if (api_replied_failure(c, st, &err, true))
		return;
	st = order_cancel(svc(c), &id, reason, &c->trace, o, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	reply_order(c, 200, o);
}
