/*
 * The HTTP API end to end inside one process: api_server_run on a free
 * loopback port with in-memory fakes of the ports (repository, catalog,
 * clock, inbox, admin) under the real use cases, driven with libcurl.
 * Covers every route, the status mapping, 404/405/413 as JSON, the callback
 * signature, the envelope, X-Request-Id and the metrics text.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "app/order_service.h"
#include "infrastructure/crypto/crypto.h"
#include "infrastructure/http/api_server.h"
#include "infrastructure/log/log.h"

#define SECRET	  "s3cret"
#define MAX_BODY  4096
#define STORE_MAX 64
#define KEY1	  "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a01"
#define KEY2	  "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a02"
#define MISSING	  "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1aff"

/* ---- fakes ---- */

struct stored {
	struct order order;
	char fp[ORDER_FINGERPRINT_MAX + 1];
};

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stored store[STORE_MAX];
static size_t store_count;
static int64_t clock_us = INT64_C(1700000000000000);
static uint8_t rnd_counter;
static enum os_status ping_status = OS_OK;
static char inbox_ids[16][INBOX_MESSAGE_ID_MAX + 1];
static size_t inbox_count;

static struct stored *find_id(const struct uuid *id)
{
	size_t i;

	for (i = 0; i < store_count; i++)
		if (uuid_equal(&store[i].order.id, id))
			return &store[i];
	return NULL;
}

static struct stored *find_key(const struct uuid *key)
{
	size_t i;

	for (i = 0; i < store_count; i++)
		if (uuid_equal(&store[i].order.idempotency_key, key))
			return &store[i];
	return NULL;
}

static enum os_status repo_create(void *ctx, const struct order_create *c, struct order *out,
				  bool *created, char *fp, size_t fp_cap, struct os_error *err)
{
	struct stored *s;

	(void)ctx;
	pthread_mutex_lock(&store_lock);
	s = find_key(&c->order.idempotency_key);
	if (s) {
		*out = s->order;
		snprintf(fp, fp_cap, "%s", s->fp);
		*created = false;
	} else if (store_count == STORE_MAX) {
		pthread_mutex_unlock(&store_lock);
		return os_fail(err, OS_EIO, NULL, "store full");
	} else {
		s = &store[store_count++];
		s->order = c->order;
		snprintf(s->fp, sizeof(s->fp), "%s", c->fingerprint);
		*out = s->order;
		*created = true;
	}
	pthread_mutex_unlock(&store_lock);
	return OS_OK;
}

static enum os_status repo_find_by_key(void *ctx, const struct uuid *key, struct order *out,
				       char *fp, size_t fp_cap, struct os_error *err)
{
	struct stored *s;
	enum os_status st = OS_OK;

	(void)ctx;
	pthread_mutex_lock(&store_lock);
	s = find_key(key);
	if (s) {
		*out = s->order;
		snprintf(fp, fp_cap, "%s", s->fp);
	} else {
		st = os_fail(err, OS_ENOTFOUND, NULL, "no order");
	}
	pthread_mutex_unlock(&store_lock);
	return st;
}

static enum os_status repo_get(void *ctx, const struct uuid *id, struct order *out,
			       struct os_error *err)
{
	struct stored *s;
	enum os_status st = OS_OK;

	(void)ctx;
	pthread_mutex_lock(&store_lock);
	s = find_id(id);
	if (s)
		*out = s->order;
	else
		st = os_fail(err, OS_ENOTFOUND, "id", "no such order");
	pthread_mutex_unlock(&store_lock);
	return st;
}

static enum os_status repo_list(void *ctx, const struct order_filter *f, struct order *out,
				size_t *n, struct os_error *err)
{
	size_t i, k = 0;

	(void)ctx;
	(void)err;
	pthread_mutex_lock(&store_lock);
	for (i = store_count; i-- > 0 && k < f->limit;)
		if (f->user_id == NULL || strcmp(f->user_id, store[i].order.user_id) == 0)
			out[k++] = store[i].order;
	pthread_mutex_unlock(&store_lock);
	*n = k;
	return OS_OK;
}

static enum os_status repo_history(void *ctx, const struct uuid *id,
				   struct order_history_entry *out, size_t cap, size_t *n,
				   struct os_error *err)
{
	struct order o = {0};
	enum os_status st = repo_get(ctx, id, &o, err);

	if (st != OS_OK)
		return st;
	memset(out, 0, sizeof(*out) * (cap < 1 ? cap : 1));
	out[0].to = ORDER_NEW;
	snprintf(out[0].reason, sizeof(out[0].reason), "created");
	out[0].at_us = o.created_at_us;
	*n = 1;
	return OS_OK;
}

static enum os_status repo_update(void *ctx, const struct uuid *id, order_mutate_fn *fn, void *arg,
				  enum order_verdict *verdict, struct os_error *err)
{
	struct order_change change;
	struct stored *s;

	(void)ctx;
	memset(&change, 0, sizeof(change));
	pthread_mutex_lock(&store_lock);
	s = find_id(id);
	if (s == NULL) {
		pthread_mutex_unlock(&store_lock);
		return os_fail(err, OS_ENOTFOUND, "id", "no such order");
	}
	*verdict = fn(arg, &s->order, &change);
	if (*verdict == ORDER_APPLY) {
		s->order.status = change.to;
		s->order.updated_at_us = change.at_us;
		order_change_release(&change);
	}
	pthread_mutex_unlock(&store_lock);
	return OS_OK;
}

static enum os_status repo_expire(void *ctx, int64_t before, size_t max, order_mutate_fn *fn,
				  void *arg, size_t *changed, struct os_error *err)
{
	(void)ctx;
	(void)before;
	(void)max;
	(void)fn;
	(void)arg;
	(void)err;
	*changed = 0;
	return OS_OK;
}

static const struct order_repo_ops repo_ops = {
    .create = repo_create,
    .find_by_key = repo_find_by_key,
    .get = repo_get,
    .list = repo_list,
    .history = repo_history,
    .update = repo_update,
    .expire = repo_expire,
};

static enum os_status catalog_fake(void *ctx, const char *item_id, struct catalog_item *out,
				   struct os_error *err)
{
	(void)ctx;
	if (strcmp(item_id, "down") == 0)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog unreachable");
	if (strcmp(item_id, "tea") != 0)
		return os_fail(err, OS_ENOTFOUND, NULL, "no such item");
	snprintf(out->name, sizeof(out->name), "Green tea");
	out->price_cents = 17500;
	out->available_qty = 100;
	return OS_OK;
}

static const struct catalog_ops catalog_ops = {.get = catalog_fake};

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return __atomic_add_fetch(&clock_us, 1000, __ATOMIC_SEQ_CST);
}

static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		buf[i] = __atomic_add_fetch(&rnd_counter, 7, __ATOMIC_SEQ_CST);
}

static const struct sys_ops sys_ops = {.now_us = fake_now, .random = fake_random};

static enum os_status inbox_record(void *ctx, const struct inbox_msg *m, bool *inserted,
				   struct os_error *err)
{
	size_t i;

	(void)ctx;
	(void)err;
	pthread_mutex_lock(&store_lock);
	*inserted = true;
	for (i = 0; i < inbox_count; i++)
		if (strcmp(inbox_ids[i], m->message_id) == 0)
			*inserted = false;
	if (*inserted && inbox_count < 16)
		snprintf(inbox_ids[inbox_count++], sizeof(inbox_ids[0]), "%s", m->message_id);
	pthread_mutex_unlock(&store_lock);
	return OS_OK;
}

static const struct inbox_writer_ops inbox_ops = {.record = inbox_record};

static enum os_status admin_list_fake(void *ctx, enum admin_kind kind, int64_t after, size_t limit,
				      struct dead_letter *out, size_t *n, struct os_error *err)
{
	(void)ctx;
	(void)err;
	*n = 0;
	if (after > 0 || limit == 0)
		return OS_OK;
	memset(out, 0, sizeof(*out));
	out->id = 7;
	snprintf(out->message_id, sizeof(out->message_id), "msg-7");
	snprintf(out->type, sizeof(out->type), kind == ADMIN_OUTBOX ? "payment.requested" : "x");
	snprintf(out->where, sizeof(out->where), "payments");
	out->attempts = 10;
	snprintf(out->error, sizeof(out->error), "HTTP 400");
	*n = 1;
	return OS_OK;
}

/* Row 998 is a payment request of a cancelled order; retry-all leaves two
 * such rows dead. */
static enum os_status admin_retry_fake(void *ctx, enum admin_kind kind, int64_t id,
				       struct admin_retry_result *out, struct os_error *err)
{
	(void)ctx;
	(void)kind;
	if (id == 999)
		return os_fail(err, OS_ENOTFOUND, "id", "no such dead letter");
	if (id == 998)
		return os_fail(err, OS_ECONFLICT, "id", "row 998 is the payment request of a "
				"cancelled order");
	out->retried = id == 0 ? 3 : 1;
	out->refused = id == 0 ? 2 : 0;
	return OS_OK;
}

static enum os_status admin_ping_fake(void *ctx, struct os_error *err)
{
	(void)ctx;
	if (ping_status != OS_OK)
		return os_fail(err, ping_status, NULL, "database down");
	return OS_OK;
}

static enum os_status admin_stats_fake(void *ctx, struct queue_stats *out, struct os_error *err)
{
	(void)ctx;
	(void)err;
	memset(out, 0, sizeof(*out));
	out->destination_count = 1;
	snprintf(out->outbox[0].destination, sizeof(out->outbox[0].destination), "payments");
	out->outbox[0].pending = 3;
	out->outbox[0].oldest_pending_age_ms = 4500;
	out->outbox[0].dead = 1;
	out->inbox_pending = 2;
	out->inbox_oldest_pending_age_ms = 2000;
	out->inbox_rejected = 5;
	return OS_OK;
}

static const struct admin_ops admin_ops = {
    .list = admin_list_fake,
    .retry = admin_retry_fake,
    .ping = admin_ping_fake,
    .stats = admin_stats_fake,
};

static const struct order_settings settings = {
    .currency = "RUB",
    .callback_url = "http://127.0.0.1:1/callback",
    .topic_order_events = "order.events",
    .topic_shipping_requests = "shipping.requests",
};

static int inits, finis;

static enum os_status thread_init(void *arg, int index, struct api_thread_ctx *out,
				  struct os_error *err)
{
	(void)arg;
	(void)index;
	(void)err;
	memset(out, 0, sizeof(*out));
	out->svc.repo = (struct order_repo){&repo_ops, NULL};
	out->svc.catalog = (struct catalog){&catalog_ops, NULL};
	out->svc.sys = (struct sys){&sys_ops, NULL};
	out->svc.settings = &settings;
	out->inbox = (struct inbox_writer){&inbox_ops, NULL};
	out->admin = (struct admin){&admin_ops, NULL};
	__atomic_add_fetch(&inits, 1, __ATOMIC_SEQ_CST);
	return OS_OK;
}

static void thread_fini(void *arg, struct api_thread_ctx *ctx)
{
	(void)arg;
	(void)ctx;
	__atomic_add_fetch(&finis, 1, __ATOMIC_SEQ_CST);
}

/* ---- server and client ---- */

static pthread_t server_tid;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int server_port;
static enum os_status server_result = OS_EIO;

static void on_ready(void *arg, int port)
{
	(void)arg;
	pthread_mutex_lock(&ready_lock);
	server_port = port;
	pthread_cond_signal(&ready_cond);
	pthread_mutex_unlock(&ready_lock);
}

static const struct api_options options = {
    .host = "127.0.0.1",
    .port = 0,
    .threads = 2,
    .max_body_bytes = MAX_BODY,
    .callback_secret = SECRET,
    .on_ready = on_ready,
};

static void *server_main(void *arg)
{
	struct os_error err;

	(void)arg;
	server_result = api_server_run(&options, thread_init, thread_fini, NULL, &err);
	if (server_result != OS_OK) {
		fprintf(stderr, "api_server_run: %s\n", err.message);
		on_ready(NULL, -1);
	}
	return NULL;
}

static int start_server(void **state)
{
	(void)state;
	log_setup(LOG_ERROR, true, "test-http");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pthread_create(&server_tid, NULL, server_main, NULL) != 0)
		return -1;
	pthread_mutex_lock(&ready_lock);
	while (server_port == 0)
		pthread_cond_wait(&ready_cond, &ready_lock);
	pthread_mutex_unlock(&ready_lock);
	return server_port > 0 ? 0 : -1;
}

static int stop_server(void **state)
{
	(void)state;
	api_server_stop();
	pthread_join(server_tid, NULL);
	curl_global_cleanup();
	/* Every thread was set up and released once, and the run ended OK. */
	return server_result == OS_OK && inits == 2 && finis == 2 ? 0 : -1;
}

struct response {
	long status;
	char body[1 << 16];
	size_t len;
	char headers[4096];
	size_t hlen;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct response *r = arg;
	size_t len = size * n, room = sizeof(r->body) - 1 - r->len;

	if (len > room)
		len = room;
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct response *r = arg;
	size_t len = size * n, room = sizeof(r->headers) - 1 - r->hlen, i;

	if (len > room)
		len = room;
	for (i = 0; i < len; i++) /* lowercase: header names are case-insensitive */
		r->headers[r->hlen + i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	r->hlen += len;
	r->headers[r->hlen] = '\0';
	return size * n;
}

/* Sends method path with body (NULL: none) and extra headers (NULL-ended). */
static struct response *http(const char *method, const char *path, const char *body, ...)
{
	static struct response r;
	struct curl_slist *hdrs = NULL;
	char url[512];
	const char *h;
	va_list ap;
	CURL *c = curl_easy_init();

	assert_non_null(c);
	memset(&r, 0, sizeof(r));
	bool typed = false;

	va_start(ap, body);
	while ((h = va_arg(ap, const char *)) != NULL) {
		typed = typed || strncasecmp(h, "content-type:", 13) == 0;
		hdrs = curl_slist_append(hdrs, h);
	}
	va_end(ap);
	/* A body is JSON unless the caller says otherwise (the API answers 415). */
	if (body && !typed)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", server_port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return &r;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected %s in %s", needle, hay);
}

/* A JSON error envelope naming field (NULL: any). */
static void assert_error(const struct response *r, long status, const char *field)
{
	char want[128];

	assert_int_equal(r->status, status);
	assert_contains(r->headers, "content-type: application/json");
	assert_contains(r->body, "{\"data\":null,\"meta\":{\"request_id\":");
	assert_contains(r->body, "\"errors\":[{\"code\":\"");
	assert_contains(r->body, "\"message\":");
	if (field) {
		snprintf(want, sizeof(want), "\"field\":\"%s\"", field);
		assert_contains(r->body, want);
	}
}

#define ORDER1                                                                                     \
	"{\"user_id\":\"u1\",\"idempotency_key\":\"" KEY1                                          \
	"\",\"items\":[{\"item_id\":\"tea\",\"quantity\":2}]}"

/* Creates ORDER1 (or finds it) and copies its id. */
static void order1_id(char id[UUID_STR_LEN + 1])
{
	struct response *r = http("POST", "/api/v1/orders", ORDER1, NULL);
	const char *p = strstr(r->body, "\"id\":\"");

	assert_true(r->status == 201 || r->status == 200);
	assert_non_null(p);
	memcpy(id, p + 6, UUID_STR_LEN);
	id[UUID_STR_LEN] = '\0';
}

/* ---- tests ---- */

static void test_create_and_replay(void **state)
{
	struct response *r;

	(void)state;
	r = http("POST", "/api/v1/orders", ORDER1, NULL);
	assert_int_equal(r->status, 201);
	assert_contains(r->headers, "content-type: application/json");
	assert_contains(r->body, "\"status\":\"new\"");
	assert_contains(r->body, "\"amount\":\"350.00\"");
	assert_contains(r->body, "\"currency\":\"RUB\"");
	assert_contains(r->body, "\"items\":[{\"item_id\":\"tea\",\"name\":\"Green tea\","
				 "\"quantity\":2,\"unit_price\":\"175.00\"}]");
	assert_contains(r->body, "\"errors\":[]");
	r = http("POST", "/api/v1/orders", ORDER1, NULL);
	assert_int_equal(r->status, 200);
	r = http("POST", "/api/v1/orders",
		 "{\"user_id\":\"u1\",\"idempotency_key\":\"" KEY1 "\",\"item_id\":\"tea\","
		 "\"quantity\":3}",
		 NULL);
	assert_error(r, 422, "idempotency_key");
}

static void test_create_header_key(void **state)
{
	struct response *r;

	(void)state;
	r = http("POST", "/api/v1/orders",
		 "{\"user_id\":\"u2\",\"item_id\":\"tea\",\"quantity\":1}",
		 "Idempotency-Key: " KEY2, NULL);
	assert_int_equal(r->status, 201);
	r = http("POST", "/api/v1/orders", ORDER1, "Idempotency-Key: " KEY2, NULL);
	assert_error(r, 422, "idempotency_key");
}

static void test_create_errors(void **state)
{
	(void)state;
	assert_error(http("POST", "/api/v1/orders", "{not json", NULL), 400, NULL);
	assert_error(http("POST", "/api/v1/orders", "", NULL), 400, NULL);
	assert_error(
	    http("POST", "/api/v1/orders",
		 "{\"user_id\":\"u\",\"idempotency_key\":\"" KEY1 "\",\"items\":["
		 "{\"item_id\":\"tea\",\"quantity\":1},{\"item_id\":\"tea\",\"quantity\":1.5}]}",
		 NULL),
	    400, "items[1].quantity");
	/* Readable but against the rules: 422 from the use case. */
	assert_error(http("POST", "/api/v1/orders",
			  "{\"user_id\":\"u\",\"idempotency_key\":\"" MISSING "\",\"items\":["
			  "{\"item_id\":\"tea\",\"quantity\":0}]}",
			  NULL),
		     422, "items[0].quantity");
	assert_error(http("POST", "/api/v1/orders",
			  "{\"user_id\":\"u\",\"idempotency_key\":\"" MISSING "\",\"items\":["
			  "{\"item_id\":\"nope\",\"quantity\":1}]}",
			  NULL),
		     404, NULL);
	assert_error(http("POST", "/api/v1/orders",
			  "{\"user_id\":\"u\",\"idempotency_key\":\"" MISSING "\",\"items\":["
			  "{\"item_id\":\"down\",\"quantity\":1}]}",
			  NULL),
		     503, NULL);
}

static void test_get_and_history(void **state)
{
	char id[UUID_STR_LEN + 1], path[128];
	struct response *r;

	(void)state;
	order1_id(id);
	snprintf(path, sizeof(path), "/api/v1/orders/%s", id);
	r = http("GET", path, NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, id);
	assert_contains(r->body, "\"created_at\":\"2023-11-14T22:13:20.");
	assert_error(http("GET", "/api/v1/orders/not-a-uuid", NULL, NULL), 400, "id");
	assert_error(http("GET", "/api/v1/orders/" MISSING, NULL, NULL), 404, NULL);
	snprintf(path, sizeof(path), "/api/v1/orders/%s/history", id);
	r = http("GET", path, NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":[{\"from\":null,\"to\":\"new\",\"reason\":\"created\"");
	assert_error(http("GET", "/api/v1/orders/" MISSING "/history", NULL, NULL), 404, NULL);
}

static void test_list(void **state)
{
	struct response *r;
	char id[UUID_STR_LEN + 1];

	(void)state;
	order1_id(id);
	r = http("GET", "/api/v1/orders?user_id=u1&limit=1", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "\"user_id\":\"u1\"");
	assert_contains(r->body, "\"next_after\":\"");
	r = http("GET", "/api/v1/orders?user_id=nobody", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":[],");
	assert_contains(r->body, "\"next_after\":null");
	assert_error(http("GET", "/api/v1/orders?limit=0", NULL, NULL), 400, "limit");
	assert_error(http("GET", "/api/v1/orders?limit=abc", NULL, NULL), 400, "limit");
	assert_error(http("GET", "/api/v1/orders?status=lost", NULL, NULL), 400, "status");
	assert_error(http("GET", "/api/v1/orders?after=zzz", NULL, NULL), 400, "after");
	assert_error(http("GET", "/api/v1/orders?user_id=a%20b", NULL, NULL), 400, "user_id");
	assert_error(http("GET", "/api/v1/orders?user_id=%zz", NULL, NULL), 400, "user_id");
	r = http("GET", "/api/v1/orders?status=new&after=" MISSING, NULL, NULL);
	assert_int_equal(r->status, 200);
}

static void test_cancel(void **state)
{
	char path[128];
	struct response *r;

	(void)state;
	r = http("POST", "/api/v1/orders",
		 "{\"user_id\":\"u3\",\"idempotency_key\":\"0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a03\","
		 "\"item_id\":\"tea\",\"quantity\":1}",
		 NULL);
	assert_int_equal(r->status, 201);
	snprintf(path, sizeof(path), "/api/v1/orders/%.36s/cancel",
		 strstr(r->body, "\"id\":\"") + 6);
	r = http("POST", path, "{\"reason\":\"changed my mind\"}", NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "\"status\":\"cancelled\"");
	r = http("POST", path, NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_error(http("POST", path, "{\"reason\":1}", NULL), 400, "reason");
	assert_error(http("POST", "/api/v1/orders/" MISSING "/cancel", NULL, NULL), 404, NULL);
}

static void test_bulk(void **state)
{
	struct response *r;

	(void)state;
	r = http("POST", "/api/v1/orders/bulk",
		 "[{\"user_id\":\"b\",\"idempotency_key\":\"0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1b01\","
		 "\"item_id\":\"tea\",\"quantity\":1},{\"user_id\":\"b\"},7,"
		 "{\"user_id\":\"b\",\"idempotency_key\":\"0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1b02\","
		 "\"item_id\":\"nope\",\"quantity\":1}]",
		 NULL);
	assert_int_equal(r->status, 207);
	assert_contains(r->body, "{\"data\":[{\"status\":201,\"data\":{\"id\":");
	assert_contains(r->body, "{\"status\":400,\"errors\":[{\"code\":\"validation_failed\","
				 "\"message\":\"is required\","
				 "\"field\":\"items\"");
	assert_contains(r->body, "{\"status\":400,\"errors\":[{\"code\":\"validation_failed\","
				 "\"message\":\"must be an object\"");
	assert_contains(r->body, "{\"status\":404,\"errors\":");
	assert_error(http("POST", "/api/v1/orders/bulk", "{}", NULL), 400, NULL);
}

static void test_bulk_limit(void **state)
{
	char body[MAX_BODY];
	size_t at = 0, i;

	(void)state;
	body[at++] = '[';
	for (i = 0; i < 101; i++)
		at += (size_t)snprintf(body + at, sizeof(body) - at, "%s{}", i ? "," : "");
	snprintf(body + at, sizeof(body) - at, "]");
	assert_error(http("POST", "/api/v1/orders/bulk", body, NULL), 400, NULL);
}

/* A signed callback body for order id with amount. */
static void callback_body(char *buf, size_t cap, const char *id, const char *amount,
			  const char *key)
{
	snprintf(buf, cap,
		 "{\"id\":\"pay-1\",\"user_id\":\"u1\",\"order_id\":\"%s\",\"amount\":%s,"
		 "\"status\":\"succeeded\",\"idempotency_key\":\"%s\","
		 "\"created_at\":\"2026-01-01T00:00:00Z\"}",
		 id, amount, key);
}

static struct response *post_signed(const char *body)
{
	char hex[CRYPTO_SHA256_HEX_LEN + 1], hdr[128];

	crypto_hmac_sha256_hex(SECRET, strlen(SECRET), body, strlen(body), hex);
	snprintf(hdr, sizeof(hdr), "X-Signature: sha256=%s", hex);
	return http("POST", "/api/v1/orders/payment-callback", body, hdr, NULL);
}

static void test_payment_callback(void **state)
{
	char id[UUID_STR_LEN + 1], body[512];
	struct response *r;

	(void)state;
	order1_id(id);
	callback_body(body, sizeof(body), id, "\"350.00\"", "cb-1");
	assert_error(http("POST", "/api/v1/orders/payment-callback", body, NULL), 401,
		     "X-Signature");
	assert_error(http("POST", "/api/v1/orders/payment-callback", body,
			  "X-Signature: "
			  "sha256=0000000000000000000000000000000000000000000000000000000000000000",
			  NULL),
		     401, NULL);
	r = post_signed(body);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":{\"recorded\":true}");
	r = post_signed(body);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":{\"recorded\":false}");
	callback_body(body, sizeof(body), id, "350.01", "cb-2");
	assert_error(post_signed(body), 422, "amount");
	callback_body(body, sizeof(body), MISSING, "350", "cb-3");
	assert_error(post_signed(body), 404, "order_id");
	callback_body(body, sizeof(body), id, "3.5e2", "cb-4");
	assert_error(post_signed(body), 400, "amount");
}

static void test_unknown_route_and_method(void **state)
{
	struct response *r;

	(void)state;
	assert_error(http("GET", "/nope", NULL, NULL), 404, NULL);
	assert_error(http("GET", "/api/v1/orders/" MISSING "/nope", NULL, NULL), 404, NULL);
	r = http("DELETE", "/api/v1/orders", NULL, NULL);
	assert_error(r, 405, NULL);
	assert_contains(r->headers, "allow: get, post");
	r = http("GET", "/api/v1/orders/bulk", NULL, NULL);
	assert_error(r, 405, NULL);
	assert_contains(r->headers, "allow: post");
}

static void test_body_too_large(void **state)
{
	char *body = malloc(MAX_BODY + 2);

	(void)state;
	assert_non_null(body);
	memset(body, ' ', MAX_BODY + 1);
	body[0] = '{';
	body[MAX_BODY] = '}';
	body[MAX_BODY + 1] = '\0';
	assert_error(http("POST", "/api/v1/orders", body, NULL), 413, NULL);
	assert_error(http("POST", "/api/v1/orders/payment-callback", body, NULL), 413, NULL);
	free(body);
}

static void test_request_id(void **state)
{
	struct response *r;

	(void)state;
	r = http("GET", "/health/live", NULL, "X-Request-Id: abc-123", NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->headers, "x-request-id: abc-123\r\n");
	assert_contains(r->body, "\"request_id\":\"abc-123\"");
	/* Unsafe characters: a fresh id (a UUID) instead. */
	r = http("GET", "/health/live", NULL, "X-Request-Id: bad id<>", NULL);
	assert_null(strstr(r->headers, "bad"));
	assert_non_null(strstr(r->headers, "x-request-id: "));
	assert_int_equal(strcspn(strstr(r->headers, "x-request-id: ") + 14, "\r"), UUID_STR_LEN);
	r = http("GET", "/nope", NULL, NULL);
	assert_non_null(strstr(r->headers, "x-request-id: "));
}

static void test_health(void **state)
{
	(void)state;
	assert_int_equal(http("GET", "/health/live", NULL, NULL)->status, 200);
	assert_int_equal(http("GET", "/health/ready", NULL, NULL)->status, 200);
	ping_status = OS_EUNAVAIL;
	assert_error(http("GET", "/health/ready", NULL, NULL), 503, NULL);
	ping_status = OS_OK;
	assert_int_equal(http("GET", "/health/live", NULL, NULL)->status, 200);
}

static void test_metrics(void **state)
{
	struct response *r;

	(void)state;
	http("GET", "/health/live", NULL, NULL);
	r = http("GET", "/metrics", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->headers, "content-type: text/plain; version=0.0.4");
	assert_contains(r->body, "# TYPE http_requests_total counter");
	assert_contains(
	    r->body, "http_requests_total{route=\"/health/live\",method=\"GET\",status=\"200\"}");
	assert_contains(r->body, "# TYPE http_request_duration_seconds histogram");
	assert_contains(r->body,
			"http_request_duration_seconds_bucket{route=\"/health/live\",method=\"GET\","
			"le=\"+Inf\"}");
	assert_contains(r->body, "orders_created_total ");
	assert_contains(r->body, "outbox_pending{destination=\"payments\"} 3\n");
	assert_contains(r->body, "outbox_oldest_pending_age_seconds{destination=\"payments\"} 4\n");
	assert_contains(r->body, "outbox_dead{destination=\"payments\"} 1\n");
	assert_contains(r->body, "inbox_pending 2\n");
	assert_contains(r->body, "inbox_lag_seconds 2\n");
	assert_contains(r->body, "inbox_rejected 5\n");
	/* Unmatched paths share one label value, so they cannot grow the table. */
	http("GET", "/random/path/1", NULL, NULL);
	r = http("GET", "/metrics", NULL, NULL);
	assert_null(strstr(r->body, "/random/path/1"));
	assert_contains(r->body, "route=\"unmatched\"");
}

static void test_admin(void **state)
{
	struct response *r;

	(void)state;
	r = http("GET", "/admin/dead-letters?kind=outbox&limit=1", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":[{\"id\":7,\"message_id\":\"msg-7\"");
	assert_contains(r->body, "\"next_after\":7");
	assert_error(http("GET", "/admin/dead-letters?kind=trash", NULL, NULL), 400, "kind");
	assert_error(http("GET", "/admin/dead-letters?limit=1000", NULL, NULL), 400, "limit");
	assert_error(http("GET", "/admin/dead-letters?after=-1", NULL, NULL), 400, "after");
	r = http("POST", "/admin/dead-letters/outbox/7/retry", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":{\"retried\":1,\"skipped\":0}");
	assert_error(http("POST", "/admin/dead-letters/outbox/999/retry", NULL, NULL), 404, NULL);
	assert_error(http("POST", "/admin/dead-letters/outbox/998/retry", NULL, NULL), 409, "id");
	assert_error(http("POST", "/admin/dead-letters/outbox/x/retry", NULL, NULL), 400, "id");
	assert_error(http("POST", "/admin/dead-letters/trash/1/retry", NULL, NULL), 400, "kind");
	r = http("POST", "/admin/dead-letters/inbox/retry-all", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_contains(r->body, "{\"data\":{\"retried\":3,\"skipped\":2,\"skipped_reason\":");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_and_replay),
	    cmocka_unit_test(test_create_header_key),
	    cmocka_unit_test(test_create_errors),
	    cmocka_unit_test(test_get_and_history),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_bulk),
	    cmocka_unit_test(test_bulk_limit),
	    cmocka_unit_test(test_payment_callback),
	    cmocka_unit_test(test_unknown_route_and_method),
	    cmocka_unit_test(test_body_too_large),
	    cmocka_unit_test(test_request_id),
	    cmocka_unit_test(test_health),
	    cmocka_unit_test(test_metrics),
	    cmocka_unit_test(test_admin),
	};

	return cmocka_run_group_tests(tests, start_server, stop_server);
}
