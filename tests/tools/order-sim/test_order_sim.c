/*
 * order-sim against its contract: the binary is started on an ephemeral
 * port with an in-process Kafka mock cluster and a fake HTTP server as the
 * payment callback target, then driven over HTTP and Kafka. Covers the
 * catalog, payments (dedupe, signature, forced outcome, script, callback
 * retries, held requests), notifications (dedupe), shipping (normal,
 * failed, delivered first, duplicate requests, CloudEvents headers), hostile
 * bodies, bad command lines and a clean SIGTERM stop.
 */
/* cmocka needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <yajl/yajl_tree.h>

#include "app/sbuf.h"
#include "tests/support/fake_http.h"
#include "tests/support/test_main.h"

#define SECRET	"sim-test-secret"
#define WAIT_MS 15000

static pid_t sim_pid = -1;
static char base_url[128];
static struct fake_http *callback_srv;
static rd_kafka_t *mock_owner;
static rd_kafka_mock_cluster_t *mock;
static rd_kafka_t *producer;
static int callback_failures_left;

/* ------------------------------------------------------------ helpers */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	sbuf_add(ud, p, size * n);
	return size * n;
}

/* Calls base_url + path; returns the status (0 on transport error) and the
 * body in *out (caller frees). */
static long call(const char *method, const char *path, const char *body, const char *key,
		 char **out)
{
	char url[512], hdr[256];
	struct curl_slist *headers = NULL;
	CURL *h = curl_easy_init();
	struct sbuf sb;
	long code = 0;

	sbuf_init(&sb, 64 * 1024 * 1024);
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	headers = curl_slist_append(headers, "X-API-Key: test-token");
	if (key) {
		snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
		headers = curl_slist_append(headers, hdr);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sb);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	if (out)
		*out = sbuf_detach(&sb, NULL);
	else
		sbuf_release(&sb);
	return code;
}

static yajl_val parse(const char *text)
{
	char err[128];
	yajl_val v = yajl_tree_parse(text, err, sizeof(err));

	assert_non_null(v);
	return v;
}

static const char *str_at(yajl_val obj, const char *k1, const char *k2)
{
	const char *path[] = {k1, k2, NULL};
	yajl_val v = yajl_tree_get(obj, path, yajl_t_string);

	return v ? v->u.string : NULL;
}

/* The "data" array of a listing at path. */
static yajl_val list(const char *path)
{
	const char *data[] = {"data", NULL};
	char *body = NULL;
	yajl_val tree, arr;

	assert_int_equal(call("GET", path, NULL, NULL, &body), 200);
	tree = parse(body);
	free(body);
	arr = yajl_tree_get(tree, data, yajl_t_array);
	assert_non_null(arr);
	return tree;
}

static size_t list_len(const char *path)
{
	const char *data[] = {"data", NULL};
	yajl_val tree = list(path);
	size_t n = yajl_tree_get(tree, data, yajl_t_array)->u.array.len;

	yajl_tree_free(tree);
	return n;
}

/* Polls until the listing at path has at least n entries; false after
 * WAIT_MS. */
static bool wait_len(const char *path, size_t n)
{
	int waited;

	for (waited = 0; waited < WAIT_MS; waited += 20) {
		if (list_len(path) >= n)
			return true;
		sleep_ms(20);
	}
	return false;
}

/* Callback requests received for order_id, in arrival order. */
static size_t callbacks_for(const char *order_id, const struct fake_http_request **last)
{
	size_t i, n = 0, total = fake_http_request_count(callback_srv);

	for (i = 0; i < total && i < FAKE_HTTP_RECORD_MAX; i++) {
		const struct fake_http_request *r = fake_http_request(callback_srv, i);

		if (r && r->body && strstr(r->body, order_id)) {
			n++;
			*last = r;
		}
	}
	return n;
}

static void sign(const char *body, size_t len, char out[80])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)body, len, md,
	     &mdlen);
	memcpy(out, "sha256=", 7);
	for (i = 0; i < mdlen; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 0xf];
	}
	out[7 + 2 * mdlen] = '\0';
}

/* Answers 500 while callback_failures_left > 0, then 200. */
static void callback_handler(void *arg, struct fake_http *srv, const struct fake_http_request *req,
			     struct fake_http_response *resp)
{
	(void)arg;
	(void)srv;
	(void)req;
	if (__atomic_sub_fetch(&callback_failures_left, 1, __ATOMIC_SEQ_CST) >= 0)
		resp->status = 500;
	else
		resp->status = 200;
}

/* ------------------------------------------------------------ fixture */

static void sim_binary(char *out, size_t cap)
{
	const char *env = getenv("ORDER_SIM_BIN");
	char self[PATH_MAX];
	ssize_t n;

	if (env && env[0]) {
		snprintf(out, cap, "%s", env);
		return;
	}
	/* The build tree puts tests/ next to the order-sim binary. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(out, cap, "%s/../order-sim", self);
}

static void start_sim(void)
{
	char bin[PATH_MAX + 16], line[256], *colon;
	const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
	int fds[2];
	FILE *f;

	sim_binary(bin, sizeof(bin));
	assert_int_equal(pipe(fds), 0);
	sim_pid = fork();
	assert_true(sim_pid >= 0);
	if (sim_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(bin, bin, "--port", "0", "--callback-secret", SECRET, "--payment-delay-ms",
		      "10", "--shipping-delay-ms", "20", "--kafka", bootstrap, "--group",
		      "sim-test", "--seed", "7", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_non_null(strstr(line, "order-sim listening on http://"));
	line[strcspn(line, "\n")] = '\0';
	colon = strrchr(line, ':');
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1%s", colon);
}

static int setup(void **state)
{
	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* This handle only hosts the mock cluster: silence its "no brokers". */
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (mock_owner == NULL)
		return -1;
	mock = rd_kafka_mock_cluster_new(mock_owner, 1);
	rd_kafka_mock_topic_create(mock, "shipping.requests", 2, 1);
	rd_kafka_mock_topic_create(mock, "shipping.events", 2, 1);
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock), err,
			  sizeof(err));
	producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	callback_srv = fake_http_start(callback_handler, NULL);
	if (producer == NULL || callback_srv == NULL)
		return -1;
	start_sim();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (sim_pid > 0) {
		kill(sim_pid, SIGKILL);
		waitpid(sim_pid, NULL, 0);
	}
	fake_http_stop(callback_srv);
	rd_kafka_destroy(producer);
	rd_kafka_mock_cluster_destroy(mock);
	rd_kafka_destroy(mock_owner);
	curl_global_cleanup();
	return 0;
}

/* ------------------------------------------------------------ tests */

static void test_catalog(void **state)
{
	char *body = NULL;

	(void)state;
	assert_int_equal(call("GET", "/catalog/items/sku-1", NULL, NULL, &body), 200);
	assert_non_null(strstr(body, "\"price\":\"350.00\""));
	free(body);
	assert_int_equal(call("GET", "/catalog/items/sku-low", NULL, NULL, &body), 200);
	assert_non_null(strstr(body, "\"available_qty\":1}"));
	free(body);
	assert_int_equal(call("GET", "/catalog/items/sku-999", NULL, NULL, NULL), 404);
	assert_int_equal(call("DELETE", "/catalog/items/sku-1", NULL, NULL, NULL), 405);
	assert_int_equal(call("GET", "/nowhere", NULL, NULL, NULL), 404);
	assert_int_equal(call("GET", "/health", NULL, NULL, NULL), 200);
}

static char *payment_body(const char *order_id)
{
	static char body[512];

	snprintf(body, sizeof(body),
		 "{\"order_id\":\"%s\",\"amount\":\"350.00\",\"idempotency_key\":\"k-%s\","
		 "\"callback_url\":\"%s/cb\"}",
		 order_id, order_id, fake_http_url(callback_srv));
	return body;
}

/* Waits for n callbacks for order_id; returns the last one. */
static const struct fake_http_request *wait_callbacks(const char *order_id, size_t n)
{
	const struct fake_http_request *last = NULL;
	int waited;

	for (waited = 0; waited < WAIT_MS && callbacks_for(order_id, &last) < n; waited += 20)
		sleep_ms(20);
	assert_true(callbacks_for(order_id, &last) >= n);
	return last;
}

static void test_payment_dedupe_and_signed_callback(void **state)
{
	const struct fake_http_request *cb;
	char *first = NULL, *second = NULL, sig[80];
	yajl_val tree;

	(void)state;
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-1"), "k-o-pay-1", &first),
			 201);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-1"), "k-o-pay-1", &second),
			 201);
	assert_string_equal(first, second);
	assert_non_null(strstr(first, "\"status\":\"pending\""));
	cb = wait_callbacks("o-pay-1", 1);
	sign(cb->body, cb->body_len, sig);
	assert_string_equal(fake_http_header(cb, "X-Signature"), sig);
	tree = parse(cb->body);
	assert_string_equal(str_at(tree, "status", NULL), "succeeded");
	assert_string_equal(str_at(tree, "amount", NULL), "350.00");
	assert_non_null(strstr(first, str_at(tree, "id", NULL)));
	assert_int_equal(strncmp(str_at(tree, "idempotency_key", NULL), "cb-pay-", 7), 0);
	yajl_tree_free(tree);
	/* Both requests are recorded with their headers; one payment only. */
	tree = list("/_sim/payments/requests?order_id=o-pay-1");
	assert_int_equal(tree->u.object.values[0]->u.array.len, 2);
	assert_string_equal(
	    str_at(tree->u.object.values[0]->u.array.values[1], "headers", "x-api-key"),
	    "test-token");
	yajl_tree_free(tree);
	assert_int_equal(list_len("/_sim/payments/callbacks?order_id=o-pay-1"), 1);
	free(first);
	free(second);
}

static void test_payment_forced_failure(void **state)
{
	const struct fake_http_request *cb;
	yajl_val tree;

	(void)state;
	assert_int_equal(call("POST", "/_sim/payments/outcome",
			      "{\"order_id\":\"o-pay-2\",\"status\":\"failed\"}", NULL, NULL),
			 200);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-2"), "k-o-pay-2", NULL),
			 201);
	cb = wait_callbacks("o-pay-2", 1);
	tree = parse(cb->body);
	assert_string_equal(str_at(tree, "status", NULL), "failed");
	yajl_tree_free(tree);
}

static void test_payment_script(void **state)
{
	(void)state;
	assert_int_equal(
	    call("POST", "/_sim/payments/script", "{\"responses\":[503,500,201]}", NULL, NULL),
	    200);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-3"), "k-o-pay-3", NULL),
			 503);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-3"), "k-o-pay-3", NULL),
			 500);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-3"), "k-o-pay-3", NULL),
			 201);
	wait_callbacks("o-pay-3", 1);
	assert_int_equal(list_len("/_sim/payments/requests?order_id=o-pay-3"), 3);
	assert_int_equal(call("POST", "/_sim/payments/script", "{\"responses\":[99]}", NULL, NULL),
			 422);
}

static void test_callback_retried_until_accepted(void **state)
{
	(void)state;
	__atomic_store_n(&callback_failures_left, 2, __ATOMIC_SEQ_CST);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-4"), "k-o-pay-4", NULL),
			 201);
	wait_callbacks("o-pay-4", 3);
	assert_true(wait_len("/_sim/payments/callbacks?order_id=o-pay-4", 3));
	assert_int_equal(list_len("/_sim/payments/callbacks?order_id=o-pay-4"), 3);
}

/* Cancels and refunds are answered and recorded with what they carried;
 * a body missing what they need is a 422, recorded too. */
static void test_cancel_and_refund_recorded(void **state)
{
	yajl_val tree, e;

	(void)state;
	assert_int_equal(call("POST", "/payments/cancel",
			      "{\"order_id\":\"o-c-1\",\"idempotency_key\":\"ck-1\"}", "ck-1",
			      NULL),
			 200);
	assert_int_equal(
	    call("POST", "/payments/refunds",
		 "{\"order_id\":\"o-c-1\",\"payment_id\":\"pay-9\",\"amount\":\"12.50\","
		 "\"idempotency_key\":\"rk-1\",\"reason\":\"late\"}",
		 "rk-1", NULL),
	    201);
	assert_int_equal(call("POST", "/payments/refunds",
			      "{\"order_id\":\"o-c-1\",\"amount\":\"12.50\"}", "rk-2", NULL),
			 422);
	assert_int_equal(call("POST", "/payments/cancel", "[1]", "ck-2", NULL), 422);
	tree = list("/_sim/payments/cancels?order_id=o-c-1");
	assert_int_equal(tree->u.object.values[0]->u.array.len, 1);
	yajl_tree_free(tree);
	tree = list("/_sim/payments/refunds?order_id=o-c-1");
	assert_int_equal(tree->u.object.values[0]->u.array.len, 2);
	e = tree->u.object.values[0]->u.array.values[0];
	assert_string_equal(str_at(e, "body", "payment_id"), "pay-9");
	assert_string_equal(str_at(e, "headers", "idempotency-key"), "rk-1");
	yajl_tree_free(tree);
}

/* A planned delay holds an order's callback back; pending_first sends a
 * pending under the same key before the result; a replay sends the result
 * again, byte for byte. */
static void test_callback_plan_and_replay(void **state)
{
	const struct fake_http_request *last = NULL;
	char first_body[1024];
	yajl_val tree;

	(void)state;
	assert_int_equal(
	    call("POST", "/_sim/payments/callback-plan",
		 "{\"order_id\":\"o-plan-1\",\"delay_ms\":1500,\"pending_first\":true}", NULL,
		 NULL),
	    200);
	assert_int_equal(
	    call("POST", "/_sim/payments/callback-plan", "{\"delay_ms\":-1}", NULL, NULL), 422);
	assert_int_equal(call("POST", "/payments", payment_body("o-plan-1"), "k-o-plan-1", NULL),
			 201);
	sleep_ms(700);
	assert_int_equal(callbacks_for("o-plan-1", &last), 0);
	wait_callbacks("o-plan-1", 2);
	assert_int_equal(callbacks_for("o-plan-1", &last), 2);
	tree = parse(last->body);
	assert_string_equal(str_at(tree, "status", NULL), "succeeded");
	yajl_tree_free(tree);
	snprintf(first_body, sizeof(first_body), "%s", last->body);
	assert_int_equal(call("POST", "/_sim/payments/replay",
			      "{\"order_id\":\"o-plan-1\",\"times\":3}", NULL, NULL),
			 200);
	last = wait_callbacks("o-plan-1", 5);
	assert_string_equal(last->body, first_body);
	assert_int_equal(
	    call("POST", "/_sim/payments/replay", "{\"order_id\":\"o-none\"}", NULL, NULL), 404);
	assert_int_equal(call("POST", "/_sim/payments/replay",
			      "{\"order_id\":\"o-plan-1\",\"times\":1000}", NULL, NULL),
			 422);
}

/* Runs the binary with args and returns its exit status. */
static int run_sim_args(const char *a1, const char *a2)
{
	char bin[PATH_MAX + 16];
	int status = -1;
	pid_t pid;

	sim_binary(bin, sizeof(bin));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(bin, bin, "--port", "0", a1, a2, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_bad_command_line(void **state)
{
	(void)state;
	assert_int_equal(run_sim_args("--payment-fail-rate", "1.5"), 2);
	assert_int_equal(run_sim_args("--payment-error-rate", "abc"), 2);
	assert_int_equal(run_sim_args("--no-such-option", "1"), 2);
	assert_int_equal(run_sim_args("--payment-delay-ms", "-5"), 2);
}

/* A held request (scripted timeout) does not stop other requests. */
static void test_timeout_holds_only_that_request(void **state)
{
	(void)state;
	assert_int_equal(
	    call("POST", "/_sim/payments/script", "{\"responses\":[\"timeout\"]}", NULL, NULL),
	    200);
	/* call() gives up after 5 s; the simulator holds for 30 s. */
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-5"), "k-o-pay-5", NULL), 0);
	assert_int_equal(call("GET", "/health", NULL, NULL, NULL), 200);
	assert_int_equal(call("POST", "/payments", payment_body("o-pay-5"), "k-o-pay-5", NULL),
			 201);
}

static void test_hostile_bodies(void **state)
{
	char *deep = malloc(200001), *big = malloc(2 * 1024 * 1024 + 1);

	(void)state;
	memset(deep, '[', 200000);
	deep[200000] = '\0';
	memset(big, 'a', 2 * 1024 * 1024);
	big[2 * 1024 * 1024] = '\0';
	assert_int_equal(call("POST", "/payments", "not json", "k-x", NULL), 400);
	assert_int_equal(call("POST", "/payments", deep, "k-x", NULL), 400);
	assert_int_equal(call("POST", "/notifications", deep, "k-x", NULL), 400);
	assert_int_equal(call("POST", "/payments", big, "k-x", NULL), 413);
	assert_int_equal(
	    call("POST", "/payments",
		 "{\"order_id\":\"o\",\"amount\":\"1e9\",\"callback_url\":\"http://x\"}", "k-x",
		 NULL),
	    422);
	assert_int_equal(
	    call("POST", "/payments",
		 "{\"order_id\":\"o\",\"amount\":\"1.00\",\"callback_url\":\"file:///x\"}", "k-x",
		 NULL),
	    422);
	assert_int_equal(call("GET", "/health", NULL, NULL, NULL), 200);
	free(deep);
	free(big);
}

static void test_notifications_dedupe(void **state)
{
	const char *body =
	    "{\"message\":\"hi\",\"order_id\":\"o-n-1\",\"event_type\":\"order.created\"}";
	char *listing = NULL;
	yajl_val tree;
	const char *dup[] = {"duplicates", NULL};

	(void)state;
	assert_int_equal(call("POST", "/notifications", body, "n-1", NULL), 202);
	assert_int_equal(call("POST", "/notifications", body, "n-1", NULL), 202);
	assert_int_equal(call("POST", "/notifications", body, "n-2", NULL), 202);
	assert_int_equal(call("GET", "/_sim/notifications?order_id=o-n-1", NULL, NULL, &listing),
			 200);
	tree = parse(listing);
	assert_int_equal(tree->u.object.values[0]->u.array.len, 2);
	assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(tree, dup, yajl_t_number)), 1);
	yajl_tree_free(tree);
	free(listing);
}

static void request_shipping(const char *order_id)
{
	char value[256];
	int n = snprintf(value, sizeof(value),
			 "{\"event_id\":\"req-%s\",\"event_type\":\"shipping.requested\","
			 "\"order_id\":\"%s\"}",
			 order_id, order_id);

	assert_int_equal(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("shipping.requests"),
					   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					   RD_KAFKA_V_KEY(order_id, strlen(order_id)),
					   RD_KAFKA_V_VALUE(value, (size_t)n), RD_KAFKA_V_END),
			 RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* The event types published for order_id, in order, joined by spaces. */
static void published_types(const char *order_id, char *out, size_t cap)
{
	char path[128];
	yajl_val tree, arr;
	size_t i, used = 0;

	snprintf(path, sizeof(path), "/_sim/shipping/published?order_id=%s", order_id);
	tree = list(path);
	arr = tree->u.object.values[0];
	out[0] = '\0';
	for (i = 0; i < arr->u.array.len; i++) {
		const char *t = str_at(arr->u.array.values[i], "value", "event_type");

		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? " " : "", t ? t : "?");
		assert_true(used < cap);
	}
	yajl_tree_free(tree);
}

/* Reads the events topic from the start until a message keyed key with
 * ce_type type shows up; false after WAIT_MS. */
static bool consume_event(const char *key, const char *type)
{
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(2);
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[256];
	bool found = false;
	rd_kafka_t *c;
	int waited;

	rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock), err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "sim-test-reader", err, sizeof(err));
	c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	assert_non_null(c);
	rd_kafka_topic_partition_list_add(parts, "shipping.events", 0)->offset =
	    RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_topic_partition_list_add(parts, "shipping.events", 1)->offset =
	    RD_KAFKA_OFFSET_BEGINNING;
	assert_int_equal(rd_kafka_assign(c, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
	for (waited = 0; !found && waited < WAIT_MS; waited += 100) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
		rd_kafka_headers_t *h = NULL;
		const void *v = NULL;
		size_t vlen = 0;

		if (m == NULL)
			continue;
		if (m->err == 0 && m->key_len == strlen(key) &&
		    memcmp(m->key, key, m->key_len) == 0 && rd_kafka_message_headers(m, &h) == 0 &&
		    rd_kafka_header_get_last(h, "ce_type", &v, &vlen) == 0 &&
		    vlen == strlen(type) && memcmp(v, type, vlen) == 0)
			found = true;
		rd_kafka_message_destroy(m);
	}
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
	return found;
}

static void test_shipping(void **state)
{
	char types[256];

	(void)state;
	assert_int_equal(call("POST", "/_sim/shipping/outcome",
			      "{\"order_id\":\"o-s-fail\",\"outcome\":\"failed\"}", NULL, NULL),
			 200);
	assert_int_equal(call("POST", "/_sim/shipping/outcome",
			      "{\"order_id\":\"o-s-rev\",\"outcome\":\"delivered_first\"}", NULL,
			      NULL),
			 200);
	request_shipping("o-s-ok");
	request_shipping("o-s-ok"); /* a redelivery: shipped once */
	request_shipping("o-s-fail");
	request_shipping("o-s-rev");
	assert_int_equal(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_true(wait_len("/_sim/shipping/published?order_id=o-s-ok", 2));
	assert_true(wait_len("/_sim/shipping/published?order_id=o-s-fail", 1));
	assert_true(wait_len("/_sim/shipping/published?order_id=o-s-rev", 2));
	/* The second request's events would come right after the first pair. */
	sleep_ms(300);
	published_types("o-s-ok", types, sizeof(types));
	assert_string_equal(types, "order.shipped order.delivered");
	published_types("o-s-fail", types, sizeof(types));
	assert_string_equal(types, "shipping.failed");
	published_types("o-s-rev", types, sizeof(types));
	assert_string_equal(types, "order.delivered order.shipped");
	assert_true(consume_event("o-s-ok", "order.delivered"));
	assert_true(consume_event("o-s-fail", "shipping.failed"));
	assert_int_equal(call("POST", "/_sim/shipping/publish?key=o-raw", "{garbage", NULL, NULL),
			 200);
	assert_true(wait_len("/_sim/shipping/published", 6));
}

static void test_reset_clears_records(void **state)
{
	(void)state;
	assert_true(list_len("/_sim/payments/requests") > 0);
	assert_int_equal(call("POST", "/_sim/reset", NULL, NULL, NULL), 200);
	assert_int_equal(list_len("/_sim/payments/requests"), 0);
	assert_int_equal(list_len("/_sim/notifications"), 0);
	assert_int_equal(list_len("/_sim/shipping/published"), 0);
}

static void test_sigterm_stops_cleanly(void **state)
{
	int status = 0;

	(void)state;
	assert_int_equal(kill(sim_pid, SIGTERM), 0);
	assert_int_equal(waitpid(sim_pid, &status, 0), sim_pid);
	sim_pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_command_line),
    cmocka_unit_test(test_catalog),
    cmocka_unit_test(test_payment_dedupe_and_signed_callback),
    cmocka_unit_test(test_payment_forced_failure),
    cmocka_unit_test(test_payment_script),
    cmocka_unit_test(test_callback_retried_until_accepted),
    cmocka_unit_test(test_cancel_and_refund_recorded),
    cmocka_unit_test(test_callback_plan_and_replay),
    cmocka_unit_test(test_timeout_holds_only_that_request),
    cmocka_unit_test(test_hostile_bodies),
    cmocka_unit_test(test_notifications_dedupe),
    cmocka_unit_test(test_shipping),
    cmocka_unit_test(test_reset_clears_records),
    cmocka_unit_test(test_sigterm_stops_cleanly),
};

TEST_MAIN(tests, setup, teardown);
