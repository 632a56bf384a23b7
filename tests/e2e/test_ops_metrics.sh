#!/usr/bin/env bash
# End-to-end: the Prometheus metrics of DESIGN §10. The API's GET /metrics is
# valid text exposition; request counters by route, method and status and
# orders_created_total follow the requests made; the outbox and inbox
# gauges follow the database (backlog while no worker runs, its age, a dead
# letter, back to empty once the workers drained it); and a worker started
# with WORKER_METRICS_PORT serves its own counters (rows sent, dead letters,
# inbox rows handled) that match what it did. Before anything happened every
# queue gauge and counter reads 0 rather than being absent; methods outside
# the closed set are counted as "other"; latency buckets start below 1 ms;
# every process exports process_* and order_service_build_info; and the
# API's own endpoint (METRICS_PORT) serves the same figures with the queue
# gauges read through its own session.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_e2eops.sh
source "$E2E_DIR/lib_e2eops.sh"

SCRAPE=$E2E_TMP/scrape.txt
PAID_ORDER=""

# GETs a metrics endpoint into $SCRAPE; sets E2E_STATUS and SCRAPE_TYPE.
scrape() { # url
	E2E_STATUS=$(curl -sS -o "$SCRAPE" -D "$E2E_TMP/scrape.head" -w '%{http_code}' \
		--max-time 10 "$1" 2>"$E2E_TMP/curl.err") || E2E_STATUS=000
	SCRAPE_TYPE=$(tr -d '\r' <"$E2E_TMP/scrape.head" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -n 1)
}

# The value of one series as rendered (name{labels} exactly), or "absent".
metric() { # series
	awk -v s="$1" '$1 == s { v = $2 } END { print (v == "" ? "absent" : v) }' "$SCRAPE"
}

# A counter's value with "absent" read as 0.
counter() { # series
	local v
	v=$(metric "$1")
	if [ "$v" = absent ]; then echo 0; else echo "$v"; fi
}

# Every line is a # HELP / # TYPE comment or a sample "name{labels} value",
# and every family has a known type.
assert_exposition() { # description
	local bad types
	bad=$(grep -vE '^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$|^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$' \
		"$SCRAPE" | head -n 5)
	types=$(grep -c '^# TYPE ' "$SCRAPE")
	if [ -z "$bad" ] && [ "$types" -gt 0 ] && grep -q '^# HELP ' "$SCRAPE"; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "types: $types" "bad lines: $bad"
	fi
}

pending_in_db() { # destination
	e2e_sql "SELECT count(*) FROM outbox WHERE status = 'pending' AND destination = '$1'"
}

create() { # key description expected-status
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$1" sku-3 1)"
	assert_status "$2" "$3"
}

test_api_exposition() {
	local d
	scrape "$E2E_ADMIN/metrics"
	assert_status "GET /metrics: 200" 200
	assert_match "GET /metrics: Prometheus text content type" '^text/plain; *version=0\.0\.4' "$SCRAPE_TYPE"
	assert_exposition "GET /metrics: every line is HELP, TYPE or a sample"
	for d in payments notifications order.events shipping.requests; do
		assert_eq "nothing written yet: outbox_pending{destination=\"$d\"} reads 0" 0 \
			"$(metric "outbox_pending{destination=\"$d\"}")"
		assert_eq "nothing written yet: outbox_oldest_pending_age_seconds{destination=\"$d\"} reads 0" 0 \
			"$(metric "outbox_oldest_pending_age_seconds{destination=\"$d\"}")"
	done
	assert_eq "nothing yet: orders_created_total reads 0" 0 "$(metric orders_created_total)"
	assert_eq "nothing yet: refunds_requested_total reads 0" 0 \
		"$(metric refunds_requested_total)"
	assert_process_metrics "api"
}

# process_* and build info, as any process exports them.
assert_process_metrics() { # process
	local rss fds version
	rss=$(metric process_resident_memory_bytes)
	assert_match "$1: process_resident_memory_bytes" '^[0-9]+$' "$rss"
	if [ "$rss" != absent ] && [ "$rss" -gt 1048576 ]; then e2e_pass "$1: RSS over 1 MiB"; else e2e_fail "$1: RSS over 1 MiB" "$rss"; fi
	fds=$(metric process_open_fds)
	assert_match "$1: process_open_fds" '^[0-9]+$' "$fds"
	assert_match "$1: process_cpu_seconds_total" '^[0-9]+\.[0-9]+$' "$(metric process_cpu_seconds_total)"
	assert_match "$1: process_start_time_seconds" '^1[0-9]{9}\.[0-9]+$' "$(metric process_start_time_seconds)"
	version=$(sed -nE 's/^project\([a-z_]+ VERSION ([0-9.]+).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
	assert_match "$1: order_service_build_info{version=\"$version\",commit}" \
		"^order_service_build_info\\{version=\"$version\",commit=\"[0-9A-Za-z._-]+\"\\} 1$" \
		"$(grep '^order_service_build_info' "$SCRAPE")"
}

test_request_counters() {
	local created key
	scrape "$E2E_ADMIN/metrics"
	created=$(counter orders_created_total)
	key=$(e2e_uuid)
	create "$key" "first order: 201" 201
	create "$key" "its replay: 200" 200
	create "$(e2e_uuid)" "second order: 201" 201
	e2e_http GET "$E2E_API/api/v1/orders/$(e2e_uuid)"
	assert_status "unknown order: 404" 404

	scrape "$E2E_ADMIN/metrics"
	assert_exposition "after requests: still valid exposition"
	assert_eq "orders_created_total counts new orders, not replays" $((created + 2)) \
		"$(counter orders_created_total)"
	assert_eq "http_requests_total: POST /api/v1/orders 201" 2 \
		"$(metric 'http_requests_total{route="/api/v1/orders",method="POST",status="201"}')"
	assert_eq "http_requests_total: POST /api/v1/orders 200" 1 \
		"$(metric 'http_requests_total{route="/api/v1/orders",method="POST",status="200"}')"
	assert_eq "http_requests_total: route pattern, not the raw path" 1 \
		"$(metric 'http_requests_total{route="/api/v1/orders/{id}",method="GET",status="404"}')"
	assert_eq "http_request_duration_seconds histogram by route and method" 3 \
		"$(metric 'http_request_duration_seconds_count{route="/api/v1/orders",method="POST"}')"
	assert_match "latency buckets start below a millisecond" '^[0-9]+$' \
		"$(metric 'http_request_duration_seconds_bucket{route="/api/v1/orders",method="POST",le="0.0001"}')"
	assert_eq "the metrics scrape itself is counted" 2 \
		"$(metric 'http_requests_total{route="/metrics",method="GET",status="200"}')"
	test_method_label
}

# A method outside GET/POST/PUT/DELETE/PATCH/HEAD/OPTIONS is "other": a
# client cannot add label values.
test_method_label() {
	local m
	for m in BREW PROPFIND; do
		curl -sS -o /dev/null --max-time 10 -X "$m" "${E2E_AUTH[@]}" "$E2E_API/api/v1/orders" 2>/dev/null
	done
	scrape "$E2E_ADMIN/metrics"
	assert_eq "unknown methods are counted as method=\"other\"" "" \
		"$(grep -E 'method="(BREW|PROPFIND)"' "$SCRAPE" | head -n 1)"
	assert_match "http_requests_total{route=\"/api/v1/orders\",method=\"other\"} counts both" '^2$' \
		"$(grep '^http_requests_total{route="/api/v1/orders",method="other",' "$SCRAPE" |
			awk '{ s += $2 } END { print s + 0 }')"
}

# No worker runs yet: the backlog is what the orders wrote.
test_backlog_gauges() {
	local d
	e2e_sql "UPDATE outbox SET created_at = now() - interval '300 seconds'
	         WHERE destination = 'payments'" >/dev/null
	scrape "$E2E_ADMIN/metrics"
	for d in payments notifications order.events; do
		assert_eq "outbox_pending{destination=\"$d\"} equals the pending rows" "$(pending_in_db "$d")" \
			"$(metric "outbox_pending{destination=\"$d\"}")"
	done
	assert_eq "two orders: two pending payment requests" 2 "$(metric 'outbox_pending{destination="payments"}')"
	assert_match "outbox_oldest_pending_age_seconds: the oldest row's age" '^(30[0-9]|3[1-9][0-9])$' \
		"$(metric 'outbox_oldest_pending_age_seconds{destination="payments"}')"
	assert_match "outbox_oldest_pending_age_seconds: a young backlog is young" '^[0-9]$|^[1-9][0-9]$' \
		"$(metric 'outbox_oldest_pending_age_seconds{destination="notifications"}')"
	assert_eq "outbox_dead: none yet" 0 "$(metric 'outbox_dead{destination="payments"}')"
	assert_eq "inbox_pending: none" 0 "$(metric inbox_pending)"
	assert_eq "inbox_lag_seconds: none" 0 "$(metric inbox_lag_seconds)"
	scrape "http://127.0.0.1:$API_METRICS_PORT/metrics"
	assert_status "the API's own endpoint (METRICS_PORT): 200" 200
	assert_exposition "the API's own endpoint: valid exposition"
	assert_eq "the API's own endpoint reads the backlog from the database too" "$(pending_in_db payments)" \
		"$(metric 'outbox_pending{destination="payments"}')"
	assert_eq "the API's own endpoint has the API's request counters" 2 \
		"$(metric 'http_requests_total{route="/api/v1/orders",method="POST",status="201"}')"
	assert_match "# TYPE outbox_pending gauge" '^# TYPE outbox_pending gauge$' \
		"$(grep '^# TYPE outbox_pending ' "$SCRAPE")"
}

# shellcheck disable=SC2317 # called through ops_wait_for
settled() {
	[ -n "$PAID_ORDER" ] || PAID_ORDER=$(e2e_sql "SELECT aggregateid FROM outbox
		WHERE destination = 'payments' AND status = 'sent' LIMIT 1" 2>/dev/null)
	[ -n "$PAID_ORDER" ] && ops_order_status_is "$PAID_ORDER" delivered &&
		[ "$(e2e_sql "SELECT count(*) FROM outbox WHERE status = 'pending'")" = 0 ] &&
		[ "$(e2e_sql "SELECT count(*) FROM inbox WHERE status = 'pending'")" = 0 ]
}

# The payment service refuses the first request for good (400): one payment
# row ends dead, the other order goes all the way to delivered.
test_workers_drain() {
	local role
	e2e_http POST "$E2E_SIM/_sim/payments/script" '{"responses":[400]}'
	assert_status "payments scripted to refuse one request" '2[0-9][0-9]'
	for role in outbox-payments outbox-kafka inbox; do
		WORKER_PORT[$role]=$(e2e_free_port)
		OPS_ROLE_ENV[$role]="WORKER_METRICS_PORT=${WORKER_PORT[$role]}"
	done
	ops_start_workers
	if ops_wait_for 90 settled; then
		e2e_pass "workers drained the backlog (one order delivered, one payment dead)"
	else
		e2e_fail "workers drained the backlog (one order delivered, one payment dead)" \
			"$(e2e_sql "SELECT destination, type, status, attempts, last_error FROM outbox" 2>&1)"
	fi
	assert_eq "one payment row is dead" 1 "$(e2e_sql "SELECT count(*) FROM outbox WHERE status = 'dead'")"

	scrape "$E2E_ADMIN/metrics"
	assert_eq "outbox_dead{destination=\"payments\"}: the dead row" 1 \
		"$(metric 'outbox_dead{destination="payments"}')"
	assert_eq "outbox_pending{destination=\"payments\"}: drained" 0 \
		"$(metric 'outbox_pending{destination="payments"}')"
	assert_eq "outbox_pending{destination=\"notifications\"}: drained" 0 \
		"$(counter 'outbox_pending{destination="notifications"}')"
	assert_eq "outbox_pending{destination=\"order.events\"}: drained" 0 \
		"$(counter 'outbox_pending{destination="order.events"}')"
	assert_eq "inbox_pending: applied" 0 "$(metric inbox_pending)"
}

# shellcheck disable=SC2317 # called through ops_wait_for
wait_worker_metrics() { # role
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${WORKER_PORT[$1]}/metrics" 2>/dev/null
}

test_worker_metrics() {
	local sent
	ops_wait_for 10 wait_worker_metrics outbox-kafka || true
	scrape "http://127.0.0.1:${WORKER_PORT[outbox-kafka]}/metrics"
	assert_status "outbox-kafka WORKER_METRICS_PORT: 200" 200
	assert_exposition "outbox-kafka metrics: valid exposition"
	sent=$(e2e_sql "SELECT count(*) FROM outbox WHERE status = 'sent'
	                AND destination IN ('order.events', 'shipping.requests')")
	assert_eq "outbox_sent_total{relay=\"outbox-kafka\"} = rows it sent" "$sent" \
		"$(metric 'outbox_sent_total{relay="outbox-kafka"}')"
	assert_match "relay batch latency histogram" '^[1-9][0-9]*$' \
		"$(metric 'outbox_relay_batch_seconds_count{relay="outbox-kafka"}')"
	assert_eq "outbox-kafka says which destinations it serves" \
		'outbox_relay_destination_info{relay="outbox-kafka",destination="order.events"} 1 outbox_relay_destination_info{relay="outbox-kafka",destination="shipping.requests"} 1' \
		"$(grep '^outbox_relay_destination_info' "$SCRAPE" | sort | tr '\n' ' ' | sed 's/ $//')"
	assert_process_metrics "outbox-kafka"

	scrape "http://127.0.0.1:${WORKER_PORT[outbox-payments]}/metrics"
	assert_status "outbox-payments WORKER_METRICS_PORT: 200" 200
	assert_eq "outbox_sent_total{relay=\"outbox-payments\"}: one payment sent" 1 \
		"$(metric 'outbox_sent_total{relay="outbox-payments"}')"
	assert_eq "outbox_dead_letters_total{relay=\"outbox-payments\"}: one" 1 \
		"$(metric 'outbox_dead_letters_total{relay="outbox-payments"}')"

	scrape "http://127.0.0.1:${WORKER_PORT[inbox]}/metrics"
	assert_status "inbox WORKER_METRICS_PORT: 200" 200
	assert_eq "inbox_handled_total = inbox rows processed" \
		"$(e2e_sql "SELECT count(*) FROM inbox WHERE status <> 'pending'")" \
		"$(counter inbox_handled_total)"
	assert_eq "inbox worker: inbox_errors_total present at 0" 0 "$(metric inbox_errors_total)"
	assert_eq "inbox worker: the refund counter is present" 0 "$(metric refunds_requested_total)"
	assert_all_alive "every process still runs"
}

declare -A WORKER_PORT=()
API_METRICS_PORT=$(e2e_free_port)
ops_start_kafka
e2e_db_create
e2e_migrate
ops_start_api METRICS_PORT="$API_METRICS_PORT"
test_api_exposition
test_request_counters
test_backlog_gauges
test_workers_drain
test_worker_metrics
e2e_finish
