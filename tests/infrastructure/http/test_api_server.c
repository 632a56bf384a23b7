/*
 * The HTTP API end to end inside one process: api_server_run on a free
 * loopback port with the shared fakes of the ports (tests/fakes: repository,
 * catalog, clock, inbox, admin) under the real use cases, driven with
 * libcurl.
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
#include "infrastructure/crypto/hmac.h"
#include "infrastructure/http/api_server.h"
#include "infrastructure/log/log.h"
#include "tests/fakes/fakes.h"
#include "tests/support/test_main.h"

#define SECRET	 "s3cret"
#define MAX_BODY 4096
#define KEY1	 "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a01"
#define KEY2	 "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1a02"
#define MISSING	 "0190a6d2-7f3b-7c1e-9a4b-2f6d8e0c1aff"

/* ---- the ports: the shared fakes (tests/fakes), called from both loops ---- */

static struct fake_env *env;
static struct fake_inbox inbox;
static struct fake_admin admin;

/* The use cases over the fakes: "tea" in the catalog, "down" unreachable, a
 * clock that moves 1 ms a reading; dead letters of the outbox: row 7, three
 * more, and two payment requests of orders that left new (998 among them). */
static int fakes_setup(void)
{
	static const int64_t retryable[] = {7, 8, 9, 10};
	size_t i;

	env = fake_env_new(false);
	if (env == NULL)
		return -1;
	env->sys.now_us = INT64_C(1700000000000000);
	env->sys.step_us = 1000;
	fake_catalog_add(&env->catalog, "tea", "Green tea", 17500, 100);
	snprintf(env->catalog.unavailable, sizeof(env->catalog.unavailable), "down");
	snprintf(env->settings.callback_url, sizeof(env->settings.callback_url),
		 "http://127.0.0.1:1/callback");
	fake_inbox_init(&inbox);
	fake_admin_init(&admin);
	for (i = 0; i < sizeof(retryable) / sizeof(retryable[0]); i++)
		fake_admin_add(&admin, ADMIN_OUTBOX, retryable[i], false);
	fake_admin_add(&admin, ADMIN_OUTBOX, 997, true);
	fake_admin_add(&admin, ADMIN_OUTBOX, 998, true);
	admin.stats.destination_count = 1;
	snprintf(admin.stats.outbox[0].destination, sizeof(admin.stats.outbox[0].destination),
		 "payments");
	admin.stats.outbox[0].pending = 3;
	admin.stats.outbox[0].oldest_pending_age_ms = 4500;
	admin.stats.outbox[0].dead = 1;
	admin.stats.inbox_pending = 2;
	admin.stats.inbox_oldest_pending_age_ms = 2000;
	admin.stats.inbox_rejected = 5;
	return 0;
}

static void fakes_teardown(void)
{
	fake_inbox_release(&inbox);
	fake_env_free(env);
}

static int inits, finis;

static enum os_status thread_init(void *arg, int index, struct api_thread_ctx *out,
				  struct os_error *err)
{
	(void)arg;
	(void)index;
	(void)err;
	memset(out, 0, sizeof(*out));
	out->svc = env->svc;
	out->inbox = inbox.inbox;
	out->admin = admin.admin;
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
	if (fakes_setup() != 0)
		return -1;
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
	fakes_teardown();
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

/* Asserts that hay contains each of the strings after it, up to a NULL. */
static void assert_contains_all(const char *hay, ...)
{
	const char *needle;
	va_list ap;

	va_start(ap, hay);
	while ((needle = va_arg(ap, const char *)) != NULL)
		assert_contains(hay, needle);
	va_end(ap);
}

/* A JSON error envelope naming field (NULL: any). */
static void assert_error(const struct response *r, long status, const char *field)
{
	char want[128];

	assert_int_equal(r->status, status);
	assert_contains(r->headers, "content-type: application/json");
	assert_contains_all(r->body,
			    "{\"data\":null,\"meta\":{\"request_id\":", "\"errors\":[{\"code\":\"",
			    "\"message\":", NULL);
	if (field) {
		snprintf(want, sizeof(want), "\"field\":\"%s\"", field);
		assert_contains(r->body, want);
	}
}

/* A request without extra headers whose answer must have the status. */
static struct response *expect(const char *method, const char *path, const char *body, long status)
{
	struct response *r = http(method, path, body, NULL);

	assert_int_equal(r->status, status);
	return r;
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
	r = expect("POST", "/api/v1/orders", ORDER1, 201);
	assert_contains(r->headers, "content-type: application/json");
	assert_contains_all(r->body, "\"status\":\"new\"", "\"amount\":\"350.00\"",
			    "\"currency\":\"RUB\"", NULL);
	assert_contains(r->body, "\"items\":[{\"item_id\":\"tea\",\"name\":\"Green tea\","
				 "\"quantity\":2,\"unit_price\":\"175.00\"}]");
	assert_contains(r->body, "\"errors\":[]");
	r = expect("POST", "/api/v1/orders", ORDER1, 200);
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
	r = expect("GET", path, NULL, 200);
	assert_contains(r->body, id);
	assert_contains(r->body, "\"created_at\":\"2023-11-14T22:13:20.");
	assert_error(http("GET", "/api/v1/orders/not-a-uuid", NULL, NULL), 400, "id");
	assert_error(http("GET", "/api/v1/orders/" MISSING, NULL, NULL), 404, NULL);
	snprintf(path, sizeof(path), "/api/v1/orders/%s/history", id);
	r = expect("GET", path, NULL, 200);
	assert_contains(r->body,
			"{\"data\":[{\"from\":null,\"to\":\"new\",\"reason\":\"order created\"");
	assert_error(http("GET", "/api/v1/orders/" MISSING "/history", NULL, NULL), 404, NULL);
}

static void test_list(void **state)
{
	struct response *r;
	char id[UUID_STR_LEN + 1];

	(void)state;
	order1_id(id);
	r = expect("GET", "/api/v1/orders?user_id=u1&limit=1", NULL, 200);
	assert_contains_all(r->body, "\"user_id\":\"u1\"", "\"next_after\":\"", NULL);
	r = expect("GET", "/api/v1/orders?user_id=nobody", NULL, 200);
	assert_contains_all(r->body, "{\"data\":[],", "\"next_after\":null", NULL);
	assert_error(http("GET", "/api/v1/orders?limit=0", NULL, NULL), 400, "limit");
	assert_error(http("GET", "/api/v1/orders?limit=abc", NULL, NULL), 400, "limit");
	assert_error(http("GET", "/api/v1/orders?status=lost", NULL, NULL), 400, "status");
	assert_error(http("GET", "/api/v1/orders?after=zzz", NULL, NULL), 400, "after");
	assert_error(http("GET", "/api/v1/orders?user_id=a%20b", NULL, NULL), 400, "user_id");
	assert_error(http("GET", "/api/v1/orders?user_id=%zz", NULL, NULL), 400, "user_id");
	r = expect("GET", "/api/v1/orders?status=new&after=" MISSING, NULL, 200);
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
	r = expect("POST", path, "{\"reason\":\"changed my mind\"}", 200);
	assert_contains(r->body, "\"status\":\"cancelled\"");
	r = expect("POST", path, NULL, 200);
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
	pthread_mutex_lock(&admin.lock);
	admin.ping_with = OS_EUNAVAIL;
	pthread_mutex_unlock(&admin.lock);
	assert_error(http("GET", "/health/ready", NULL, NULL), 503, NULL);
	pthread_mutex_lock(&admin.lock);
	admin.ping_with = OS_OK;
	pthread_mutex_unlock(&admin.lock);
	assert_int_equal(http("GET", "/health/live", NULL, NULL)->status, 200);
}

static void test_metrics(void **state)
{
	struct response *r;

	(void)state;
	http("GET", "/health/live", NULL, NULL);
	r = expect("GET", "/metrics", NULL, 200);
	assert_contains(r->headers, "content-type: text/plain; version=0.0.4");
	assert_contains_all(
	    r->body, "# TYPE http_requests_total counter",
	    "http_requests_total{route=\"/health/live\",method=\"GET\",status=\"200\"}",
	    "# TYPE http_request_duration_seconds histogram", NULL);
	assert_contains(
	    r->body, "http_request_duration_seconds_bucket{route=\"/health/live\",method=\"GET\","
		     "le=\"+Inf\"}");
	assert_contains_all(r->body, "orders_created_total ",
			    "outbox_pending{destination=\"payments\"} 3\n",
			    "outbox_oldest_pending_age_seconds{destination=\"payments\"} 4\n",
			    "outbox_dead{destination=\"payments\"} 1\n", "inbox_pending 2\n",
			    "inbox_lag_seconds 2\n", "inbox_rejected 5\n", NULL);
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
	r = expect("GET", "/admin/dead-letters?kind=outbox&limit=1", NULL, 200);
	assert_contains_all(r->body, "{\"data\":[{\"id\":7,\"message_id\":\"msg-7\"",
			    "\"next_after\":7", NULL);
	assert_error(http("GET", "/admin/dead-letters?kind=trash", NULL, NULL), 400, "kind");
	assert_error(http("GET", "/admin/dead-letters?limit=1000", NULL, NULL), 400, "limit");
	assert_error(http("GET", "/admin/dead-letters?after=-1", NULL, NULL), 400, "after");
	r = expect("POST", "/admin/dead-letters/outbox/7/retry", NULL, 200);
	assert_contains(r->body, "{\"data\":{\"retried\":1,\"skipped\":0}");
	assert_error(http("POST", "/admin/dead-letters/outbox/999/retry", NULL, NULL), 404, NULL);
	assert_error(http("POST", "/admin/dead-letters/outbox/998/retry", NULL, NULL), 409, "id");
	assert_error(http("POST", "/admin/dead-letters/outbox/x/retry", NULL, NULL), 400, "id");
	assert_error(http("POST", "/admin/dead-letters/trash/1/retry", NULL, NULL), 400, "kind");
	r = expect("POST", "/admin/dead-letters/outbox/retry-all", NULL, 200);
	assert_contains(r->body, "{\"data\":{\"retried\":3,\"skipped\":2,\"skipped_reason\":");
}

static const struct CMUnitTest tests[] = {
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

TEST_MAIN(tests, start_server, stop_server);
