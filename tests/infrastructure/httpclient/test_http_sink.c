/*
 * Integration tests of the HTTP outbox sink (infrastructure/httpclient/
 * http_sink.c) against the loopback fake server: headers and body of a
 * delivery, verdicts for each kind of answer, concurrency within a batch and
 * connection reuse across batches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "infrastructure/httpclient/http_sink.h"
#include "tests/support/fake_http.h"
#include "tests/support/test_main.h"

#define T_ROWS_MAX 32

struct t_ctx {
	struct fake_http *srv;
	struct outbox_sink sink;
	struct outbox_batch batch;
	struct outbox_result results[T_ROWS_MAX];
	int barrier;	 /* handler holds requests until this many are in flight */
	size_t expected; /* ... or until this many have arrived (the last ones) */
};

static void t_add_row(struct outbox_batch *b, const char *payload, const char *headers)
{
	struct outbox_row *row = &b->rows[b->count];

	memset(row, 0, sizeof(*row));
	row->seq = (int64_t)b->count + 1;
	row->event_id.b[0] = 0xab;
	row->event_id.b[15] = (uint8_t)b->count;
	row->payload = strdup(payload);
	row->payload_len = strlen(payload);
	row->headers = strdup(headers);
	row->headers_len = strlen(headers);
	b->count++;
}

/* Answers with the status named in the body ({"code":N}), 200 without one,
 * and a Retry-After of the text the body names ({"retry_after":"..."}),
 * after holding the request until t->barrier requests are in flight (or all
 * t->expected requests have arrived, a generous limit passes, or the server
 * stops). */
static void t_handler(void *arg, struct fake_http *srv, const struct fake_http_request *req,
		      struct fake_http_response *resp)
{
	struct t_ctx *t = arg;
	struct timespec ts = {0, 2 * 1000000L};
	const char *code = req->body ? strstr(req->body, "\"code\":") : NULL;
	int waited_ms;

	static _Thread_local char headers[160];
	const char *after = req->body ? strstr(req->body, "\"retry_after\":\"") : NULL;

	resp->status = code ? atoi(code + 7) : 200;
	resp->body = "{\"ok\":true}";
	if (after != NULL) {
		after += strlen("\"retry_after\":\"");
		snprintf(headers, sizeof(headers), "Retry-After: %.*s\r\n",
			 (int)strcspn(after, "\""), after);
		resp->headers = headers;
	}
	for (waited_ms = 0; t->barrier > 0 && waited_ms < 10000; waited_ms += 2) {
		if (fake_http_in_flight(srv) >= t->barrier || fake_http_stopping(srv) ||
		    (t->expected > 0 && fake_http_request_count(srv) >= t->expected))
			break;
		nanosleep(&ts, NULL);
	}
}

static int t_setup(void **state)
{
	struct t_ctx *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	t->srv = fake_http_start(t_handler, t);
	if (t->srv == NULL || outbox_batch_init(&t->batch, T_ROWS_MAX) != OS_OK)
		return -1;
	*state = t;
	return 0;
}

static int t_teardown(void **state)
{
	struct t_ctx *t = *state;

	if (t->sink.ctx != NULL)
		http_sink_close(&t->sink);
	outbox_batch_release(&t->batch);
	fake_http_stop(t->srv);
	free(t);
	return 0;
}

static void t_open(struct t_ctx *t, const char *path, const char *api_key, int timeout_ms,
		   int parallel)
{
	struct http_sink_options o = {NULL, api_key, timeout_ms, parallel, NULL};
	char url[256];
	struct os_error err;

	snprintf(url, sizeof(url), "%s%s", fake_http_url(t->srv), path);
	o.url = url;
	assert_int_equal(http_sink_open(&o, &t->sink, &err), OS_OK);
}

static enum os_status t_send(struct t_ctx *t)
{
	struct os_error err;

	memset(t->results, 0, sizeof(t->results));
	return outbox_sink_send(&t->sink, &t->batch, t->results, &err);
}

static void test_sent_with_headers_and_body(void **state)
{
	struct t_ctx *t = *state;
	const char *tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
	const struct fake_http_request *req;
	char headers[256], id[UUID_STR_LEN + 1];

	snprintf(headers, sizeof(headers), "{\"request_id\":\"req-42\",\"traceparent\":\"%s\"}",
		 tp);
	t_open(t, "/payments", "secret-key", 2000, 4);
	t_add_row(&t->batch, "{\"order_id\":\"o-1\",\"amount\":\"350.00\"}", headers);
	assert_int_equal(t_send(t), OS_OK);
	assert_int_equal(t->results[0].delivery, OUTBOX_SENT);

	assert_int_equal(fake_http_request_count(t->srv), 1);
	req = fake_http_request(t->srv, 0);
	assert_non_null(req);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->path, "/payments");
	assert_string_equal(req->body, "{\"order_id\":\"o-1\",\"amount\":\"350.00\"}");
	uuid_format(&t->batch.rows[0].event_id, id);
	assert_string_equal(fake_http_header(req, "Idempotency-Key"), id);
	assert_string_equal(fake_http_header(req, "X-API-Key"), "secret-key");
	assert_string_equal(fake_http_header(req, "X-Request-Id"), "req-42");
	assert_string_equal(fake_http_header(req, "traceparent"), tp);
	assert_string_equal(fake_http_header(req, "Content-Type"), "application/json");
}

static void test_no_key_and_unsafe_header_values_dropped(void **state)
{
	struct t_ctx *t = *state;
	const struct fake_http_request *req;

	t_open(t, "/n", "", 2000, 2);
	t_add_row(&t->batch, "{}", "{\"request_id\":\"a\\r\\nX-Evil: 1\",\"traceparent\":7}");
	t_add_row(&t->batch, "{}", "not json");
	assert_int_equal(t_send(t), OS_OK);
	assert_int_equal(t->results[0].delivery, OUTBOX_SENT);
	assert_int_equal(t->results[1].delivery, OUTBOX_SENT);
	assert_int_equal(fake_http_request_count(t->srv), 2);
	req = fake_http_request(t->srv, 0);
	assert_null(fake_http_header(req, "X-API-Key"));
	assert_null(fake_http_header(req, "X-Request-Id"));
	assert_null(fake_http_header(req, "X-Evil"));
	assert_null(fake_http_header(req, "traceparent"));
	assert_non_null(fake_http_header(req, "Idempotency-Key"));
}

static void test_verdicts_per_status(void **state)
{
	struct t_ctx *t = *state;
	static const int codes[] = {200, 201, 204, 500, 503, 408, 429, 400, 404, 422, 301};
	static const enum outbox_delivery want[] = {
	    OUTBOX_SENT,      OUTBOX_SENT,	OUTBOX_SENT,	 OUTBOX_RETRY,
	    OUTBOX_RETRY,     OUTBOX_RETRY,	OUTBOX_RETRY,	 OUTBOX_PERMANENT,
	    OUTBOX_PERMANENT, OUTBOX_PERMANENT, OUTBOX_PERMANENT};
	size_t i, n = sizeof(codes) / sizeof(codes[0]);
	char body[64], prefix[32];

	t_open(t, "/x", "k", 2000, 4);
	for (i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "{\"code\":%d}", codes[i]);
		t_add_row(&t->batch, body, "{}");
	}
	assert_int_equal(t_send(t), OS_OK);
	for (i = 0; i < n; i++) {
		print_message("HTTP %d -> %s\n", codes[i], t->results[i].error);
		assert_int_equal(t->results[i].delivery, want[i]);
		if (want[i] == OUTBOX_SENT)
			continue;
		snprintf(prefix, sizeof(prefix), "HTTP %d", codes[i]);
		assert_memory_equal(t->results[i].error, prefix, strlen(prefix));
	}
}

/* A retryable answer's Retry-After (seconds or an HTTP-date) is the wait it
 * asks for, bounded to an hour; anything unreadable (beyond int64 too),
 * past, or on an answer that is not retried asks for nothing. */
static void test_retry_after_is_read(void **state)
{
	static const struct {
		const char *body;
		int64_t want_us;
	} cases[] = {
	    {"{\"code\":503,\"retry_after\":\"120\"}", INT64_C(120000000)},
	    {"{\"code\":429,\"retry_after\":\"5\"}", INT64_C(5000000)},
	    {"{\"code\":503,\"retry_after\":\"9999999999\"}", INT64_C(3600000000)},
	    {"{\"code\":503,\"retry_after\":\"99999999999999999999999\"}", 0}, /* not an int64 */
	    {"{\"code\":503,\"retry_after\":\"Fri, 31 Dec 2100 23:59:59 GMT\"}",
	     INT64_C(3600000000)},
	    {"{\"code\":503,\"retry_after\":\"Wed, 21 Oct 2015 07:28:00 GMT\"}", 0},
	    {"{\"code\":503,\"retry_after\":\"soon\"}", 0},
	    {"{\"code\":503,\"retry_after\":\"12x\"}", 0},
	    {"{\"code\":503,\"retry_after\":\"-5\"}", 0},
	    {"{\"code\":503}", 0},
	    {"{\"code\":400,\"retry_after\":\"120\"}", 0},
	    {"{\"code\":200,\"retry_after\":\"120\"}", 0},
	};
	struct t_ctx *t = *state;
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	t_open(t, "/x", NULL, 2000, 4);
	for (i = 0; i < n; i++)
		t_add_row(&t->batch, cases[i].body, "{}");
	assert_int_equal(t_send(t), OS_OK);
	for (i = 0; i < n; i++)
		if (t->results[i].retry_after_us != cases[i].want_us)
			fail_msg("case %zu (%s): %lld us", i, cases[i].body,
				 (long long)t->results[i].retry_after_us);
}

static void test_timeout_is_retried(void **state)
{
	struct t_ctx *t = *state;

	t->barrier = 1000; /* never reached: the handler holds the request */
	t_open(t, "/slow", NULL, 200, 1);
	t_add_row(&t->batch, "{}", "{}");
	assert_int_equal(t_send(t), OS_OK);
	assert_int_equal(t->results[0].delivery, OUTBOX_RETRY);
	assert_string_equal(t->results[0].error, "timeout after 200 ms");
}

static void test_connection_refused_is_retried(void **state)
{
	struct t_ctx *t = *state;
	struct fake_http *gone = fake_http_start(NULL, NULL);
	struct http_sink_options o = {NULL, NULL, 2000, 2, NULL};
	char url[128];

	assert_non_null(gone);
	snprintf(url, sizeof(url), "%s/x", fake_http_url(gone));
	fake_http_stop(gone);
	o.url = url;
	assert_int_equal(http_sink_open(&o, &t->sink, NULL), OS_OK);
	t_add_row(&t->batch, "{}", "{}");
	assert_int_equal(t_send(t), OS_OK);
	assert_int_equal(t->results[0].delivery, OUTBOX_RETRY);
	assert_memory_equal(t->results[0].error, "connection failed", 17);
}

static void test_rows_go_out_concurrently(void **state)
{
	struct t_ctx *t = *state;
	size_t i;

	/* Each request is held until four are in flight: a sink sending one at
	 * a time would never get there and peak would stay 1. */
	t->barrier = 4;
	t->expected = 20;
	t_open(t, "/c", NULL, 15000, 4);
	for (i = 0; i < 20; i++)
		t_add_row(&t->batch, "{}", "{}");
	assert_int_equal(t_send(t), OS_OK);
	for (i = 0; i < 20; i++)
		assert_int_equal(t->results[i].delivery, OUTBOX_SENT);
	assert_int_equal(fake_http_request_count(t->srv), 20);
	assert_int_equal(fake_http_peak_in_flight(t->srv), 4);
}

static void test_connections_are_reused(void **state)
{
	struct t_ctx *t = *state;
	int round;

	t_open(t, "/r", NULL, 2000, 2);
	for (round = 0; round < 5; round++) {
		outbox_batch_clear(&t->batch);
		t_add_row(&t->batch, "{}", "{}");
		assert_int_equal(t_send(t), OS_OK);
		assert_int_equal(t->results[0].delivery, OUTBOX_SENT);
	}
	assert_int_equal(fake_http_request_count(t->srv), 5);
	assert_int_equal(fake_http_connection_count(t->srv), 1);
}

static void test_open_rejects_bad_options(void **state)
{
	struct t_ctx *t = *state;
	struct http_sink_options no_url = {"", NULL, 1000, 1, NULL};
	struct http_sink_options bad_key = {"http://127.0.0.1:1/", "a\nb", 1000, 1, NULL};
	struct outbox_sink s = {NULL, NULL};
	struct os_error err;

	(void)t;
	assert_int_equal(http_sink_open(&no_url, &s, &err), OS_EINVAL);
	assert_int_equal(http_sink_open(&bad_key, &s, &err), OS_EINVAL);
	assert_null(s.ctx);
}

/* The payment service takes cancellations and refunds on their own paths;
 * one sink (and its kept-alive connections) serves all three. */
static void test_payment_types_routed(void **state)
{
	static const char *const types[] = {"payment.requested", "payment.cancel", "payment.refund",
					    "payment.requested"};
	struct t_ctx *t = *state;
	const char *paths[4];
	size_t i;

	t_open(t, "/payments/", NULL, 2000, 1);
	for (i = 0; i < 4; i++) {
		t_add_row(&t->batch, "{}", "{}");
		snprintf(t->batch.rows[i].type, sizeof(t->batch.rows[i].type), "%s", types[i]);
	}
	assert_int_equal(t_send(t), OS_OK);
	assert_int_equal(fake_http_request_count(t->srv), 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(t->results[i].delivery, OUTBOX_SENT);
		paths[i] = fake_http_request(t->srv, i)->path;
	}
	assert_string_equal(paths[0], "/payments/");
	assert_string_equal(paths[1], "/payments/cancel");
	assert_string_equal(paths[2], "/payments/refunds");
	assert_string_equal(paths[3], "/payments/");
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)

static const struct CMUnitTest tests[] = {
    /* one row's request and verdict */
    TEST(test_sent_with_headers_and_body),
    TEST(test_no_key_and_unsafe_header_values_dropped),
    TEST(test_verdicts_per_status),
    TEST(test_retry_after_is_read),
    TEST(test_timeout_is_retried),
    TEST(test_connection_refused_is_retried),
    /* a batch */
    TEST(test_rows_go_out_concurrently),
    TEST(test_connections_are_reused),
    TEST(test_open_rejects_bad_options),
    TEST(test_payment_types_routed),
};

TEST_MAIN(tests, NULL, NULL);
