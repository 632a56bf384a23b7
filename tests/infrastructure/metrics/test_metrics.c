/* Metrics rendering and the per-process endpoint: the closed method set,
 * the sub-millisecond buckets, series present at 0 before anything
 * happened, queue gauges that read 0 instead of vanishing, the process_*
 * figures and build info, and the endpoint answering over a real socket
 * with its refresh hook run before each render. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "infrastructure/metrics/metrics.h"
#include "infrastructure/metrics/metrics_process.h"
#include "infrastructure/metrics/metrics_queues.h"
#include "infrastructure/metrics/metrics_server.h"
#include "infrastructure/metrics/metrics_workers.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_main.h"

#define ORDERS	   "route=\"/api/v1/orders\""
#define BUCKET	   "http_request_duration_seconds_bucket"
#define KAFKA_INFO "outbox_relay_destination_info{relay=\"outbox-kafka\",destination="

static void assert_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (strstr(text, want) == NULL && strncmp(text, want + 1, strlen(want + 1)) != 0)
		fail_msg("missing line: %s", line);
}

static int reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static void test_method_closed_set(void **state)
{
	const char *text;

	(void)state;
	assert_string_equal(metrics_method_label("GET"), "GET");
	assert_string_equal(metrics_method_label("OPTIONS"), "OPTIONS");
	assert_string_equal(metrics_method_label("get"), "other");
	assert_string_equal(metrics_method_label("BREW"), "other");
	assert_string_equal(metrics_method_label(NULL), "other");
	metrics_http_request("/api/v1/orders", "POST", 201, 300);
	metrics_http_request("/api/v1/orders", "X-EVIL\"", 405, 50);
	metrics_http_request("/api/v1/orders", "PROPFIND", 405, 50);
	text = metrics_text();
	assert_line(text, "http_requests_total{" ORDERS ",method=\"POST\",status=\"201\"} 1");
	assert_line(text, "http_requests_total{" ORDERS ",method=\"other\",status=\"405\"} 2");
	assert_null(strstr(text, "EVIL"));
	assert_null(strstr(text, "PROPFIND"));
	/* 300 us: above the 0.00025 bucket, inside 0.0005. */
	assert_line(text, BUCKET "{" ORDERS ",method=\"POST\",le=\"0.00025\"} 0");
	assert_line(text, BUCKET "{" ORDERS ",method=\"POST\",le=\"0.0005\"} 1");
	assert_line(text, BUCKET "{" ORDERS ",method=\"other\",le=\"0.0001\"} 2");
	assert_line(text, "http_request_duration_seconds_sum{" ORDERS ",method=\"POST\"} 0.000300");
}

static void test_series_at_zero(void **state)
{
	const char *dests[] = {"order.events", "shipping.requests"};
	const char *text;

	(void)state;
	metrics_orders_init();
	metrics_relay_init("outbox-kafka", dests, 2);
	metrics_consumer_init();
	metrics_inbox_init();
	text = metrics_text();
	assert_line(text, "orders_created_total 0");
	assert_line(text, "refunds_requested_total 0");
	assert_line(text, "outbox_sent_total{relay=\"outbox-kafka\"} 0");
	assert_line(text, "outbox_dead_letters_total{relay=\"outbox-kafka\"} 0");
	assert_line(text, "outbox_relay_batch_seconds_count{relay=\"outbox-kafka\"} 0");
	assert_line(text, KAFKA_INFO "\"order.events\"} 1");
	assert_line(text, KAFKA_INFO "\"shipping.requests\"} 1");
	assert_line(text, "shipping_consumer_errors_total{kind=\"malformed\"} 0");
	assert_line(text, "shipping_consumer_errors_total{kind=\"poll_failed\"} 0");
	assert_line(text, "inbox_handled_total 0");
	assert_line(text, "inbox_errors_total 0");

	metrics_refunds_requested(1);
	metrics_refunds_requested(2);
	metrics_relay_batch("outbox-kafka", 10, 2, 1, 800);
	metrics_consumer_message("recorded", 1);
	metrics_consumer_message("commit_failed", 0);
	metrics_consumer_message("made-up", 0);
	text = metrics_text();
	assert_line(text, "refunds_requested_total 3");
	assert_line(text, "outbox_sent_total{relay=\"outbox-kafka\"} 10");
	assert_line(text, "outbox_retries_total{relay=\"outbox-kafka\"} 2");
	assert_line(text, "outbox_dead_letters_total{relay=\"outbox-kafka\"} 1");
	assert_line(text, "shipping_consumer_errors_total{kind=\"malformed\"} 1");
	assert_line(text, "shipping_consumer_errors_total{kind=\"commit_failed\"} 1");
	assert_line(text, "shipping_consumer_messages_total{outcome=\"other\"} 1");
	assert_null(strstr(text, "made-up"));
}

static void test_queue_gauges_never_vanish(void **state)
{
	const char *known[] = {"payments", "notifications"};
	struct queue_stats qs;
	const char *text;

	(void)state;
	metrics_queues_known(known, 2);
	text = metrics_text();
	assert_line(text, "outbox_pending{destination=\"payments\"} 0");
	assert_line(text, "outbox_oldest_pending_age_seconds{destination=\"notifications\"} 0");
	assert_line(text, "outbox_dead{destination=\"payments\"} 0");
	assert_line(text, "inbox_pending 0");
	assert_line(text, "inbox_lag_seconds 0");

	memset(&qs, 0, sizeof(qs));
	qs.destination_count = 2;
	snprintf(qs.outbox[0].destination, sizeof(qs.outbox[0].destination), "payments");
	qs.outbox[0].pending = 7;
	qs.outbox[0].oldest_pending_age_ms = 61500;
	qs.outbox[0].dead = 2;
	snprintf(qs.outbox[1].destination, sizeof(qs.outbox[1].destination), "webhook");
	qs.outbox[1].pending = 1;
	qs.inbox_pending = 3;
	qs.inbox_oldest_pending_age_ms = 9000;
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_line(text, "outbox_pending{destination=\"payments\"} 7");
	assert_line(text, "outbox_oldest_pending_age_seconds{destination=\"payments\"} 61");
	assert_line(text, "outbox_dead{destination=\"payments\"} 2");
	assert_line(text, "outbox_pending{destination=\"webhook\"} 1");
	assert_line(text, "outbox_pending{destination=\"notifications\"} 0");
	assert_line(text, "inbox_lag_seconds 9");

	/* Everything drained: the database names no destination at all. */
	memset(&qs, 0, sizeof(qs));
	metrics_queues_update(&qs);
	text = metrics_text();
	assert_line(text, "outbox_pending{destination=\"payments\"} 0");
	assert_line(text, "outbox_oldest_pending_age_seconds{destination=\"payments\"} 0");
	assert_line(text, "outbox_dead{destination=\"payments\"} 0");
	assert_line(text, "outbox_pending{destination=\"webhook\"} 0");
	assert_line(text, "inbox_pending 0");
	assert_line(text, "# TYPE outbox_pending gauge");
}

static void test_process_figures(void **state)
{
	struct metrics_process p;
	const char *text;
	char want[128];

	(void)state;
	metrics_process_read(&p);
	assert_true(p.resident_bytes > 1024 * 1024);
	assert_true(p.virtual_bytes >= p.resident_bytes);
	assert_true(p.open_fds >= 3);
	assert_true(p.cpu_seconds >= 0);
	/* Started after 2020 and not in the future. */
	assert_true(p.start_time_seconds > 1577836800.0);
	assert_true(p.start_time_seconds <= (double)time(NULL) + 1);
	text = metrics_text();
	assert_non_null(strstr(text, "\n# TYPE process_resident_memory_bytes gauge\n"
				     "process_resident_memory_bytes "));
	assert_non_null(strstr(text, "\n# TYPE process_cpu_seconds_total counter\n"
				     "process_cpu_seconds_total "));
	assert_non_null(strstr(text, "\nprocess_open_fds "));
	assert_non_null(strstr(text, "\nprocess_start_time_seconds "));
	snprintf(want, sizeof(want), "order_service_build_info{version=\"%s\",commit=\"%s\"} 1",
		 metrics_build_version(), metrics_build_commit());
	assert_line(text, want);
	assert_string_not_equal(metrics_build_version(), "unknown");
}

static int refreshed;

static void on_refresh(void *ctx)
{
	refreshed++;
	metrics_gauge_set("test_refresh_gauge", NULL, *(int *)ctx);
}

/* metrics_server_start() takes a port number: find a free one by
 * binding one and releasing it. */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static size_t get_metrics(int port, char *buf, size_t cap)
{
	struct sockaddr_in a;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got < cap - 1 && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return got;
}

static void test_endpoint(void **state)
{
	static char rendered[1 << 20]; /* an answer of the endpoint */
	static int value = 42;
	struct os_error err;
	int port = free_port();

	(void)state;
	os_error_clear(&err);
	assert_int_equal(metrics_server_start(port, on_refresh, &value, &err), OS_OK);
	assert_int_not_equal(metrics_server_start(port, NULL, NULL, &err), OS_OK);
	get_metrics(port, rendered, sizeof(rendered));
	assert_non_null(strstr(rendered, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(rendered, "Content-Type: text/plain; version=0.0.4\r\n"));
	assert_non_null(strstr(rendered, "\ntest_refresh_gauge 42\n"));
	assert_non_null(strstr(rendered, "\nprocess_resident_memory_bytes "));
	value = 43;
	get_metrics(port, rendered, sizeof(rendered));
	assert_non_null(strstr(rendered, "\ntest_refresh_gauge 43\n"));
	assert_int_equal(refreshed, 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_method_closed_set, reset),
    cmocka_unit_test_setup(test_series_at_zero, reset),
    cmocka_unit_test_setup(test_queue_gauges_never_vanish, reset),
    cmocka_unit_test_setup(test_process_figures, reset),
    cmocka_unit_test_setup(test_endpoint, reset),
};

TEST_MAIN(tests, NULL, NULL);
