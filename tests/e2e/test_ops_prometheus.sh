#!/usr/bin/env bash
# End-to-end: the service as the container runs it, watched by a real
# Prometheus (DESIGN §10). entrypoint.sh starts the API and the five workers
# with METRICS_PORT_BASE, so each process serves /metrics on a port of its
# own, and every one stays up. Debian's `prometheus` server, with
# deploy/prometheus/prometheus.yml's scrape configuration pointed at those
# ports and the alert rules loaded, then scrapes all six; its query API
# shows each target up on the port of its role, the relays' and the
# consumer's counters following an order through to delivery, the queue
# gauges of every destination back at 0, process_* and build info of each
# process; every rule evaluates without error; and every metric the
# dashboard and the rules read is one the processes export.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_e2eops.sh
source "$E2E_DIR/lib_e2eops.sh"
# shellcheck source=tests/e2e/lib_prom.sh
source "$E2E_DIR/lib_prom.sh"

PROM_CONFIG=$PROM_DEPLOY/prometheus/prometheus.yml
ROLES=(api outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox)
declare -A OFFSET=()
METRICS_BASE=""
PROM_URL=""
EP=""
ORDER_ID=""

# ------------------------------------------------------------ prometheus

# One instant query; prints the result vector as "labels-json<TAB>value"
# lines (empty when nothing matched).
pq() { # expr
	curl -sS --max-time 10 -G "$PROM_URL/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
		jq -r 'select(.status == "success") | .data.result[] | "\(.metric | tojson)\t\(.value[1])"'
}

# The single value of a query ("none" when it returned nothing).
pv() { # expr
	local v
	v=$(pq "$1" | head -n 1 | cut -f2)
	echo "${v:-none}"
}

# Polls until the query's single value equals the expected text.
wait_value() { # seconds expr expected
	local deadline=$((SECONDS + $1))
	until [ "$(pv "$2")" = "$3" ]; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.5
	done
}

# The query's value once it equals expected (scrapes lag the processes by up
# to an interval), else what it was after 15 s.
assert_prom() { # description expr expected
	wait_value 15 "$2" "$3"
	assert_eq "$1" "$3" "$(pv "$2")"
}

# deploy/prometheus/prometheus.yml with the order-service targets moved from
# the container's ports (lowest = its METRICS_PORT_BASE) to this run's, a
# 1 s scrape and evaluation interval, the rules by absolute path, and the
# self-scrape on this server's port. JSON is YAML, so jq writes it.
write_config() { # out-file prometheus-port
	prom_yaml_json "$PROM_CONFIG" | jq --argjson base "$METRICS_BASE" --arg self "127.0.0.1:$2" \
		--arg rules "$PROM_RULES_DIR/*.yml" '
		([.scrape_configs[] | select(.job_name == "order-service") | .static_configs[].targets[]
		  | capture(":(?<p>[0-9]+)$").p | tonumber] | min) as $from
		| .global.scrape_interval = "1s" | .global.evaluation_interval = "1s"
		| .global.scrape_timeout = "1s"
		| .rule_files = [$rules]
		| .scrape_configs |= map(
			if .job_name == "order-service" then
				.static_configs |= map(.targets |= map(
					capture(":(?<p>[0-9]+)$").p | tonumber | "127.0.0.1:\(. - $from + $base)"))
			else .static_configs = [{targets: [$self]}] end)' >"$1"
}

start_prometheus() {
	local port cfg=$E2E_TMP/prometheus.yml
	port=$(e2e_free_port)
	write_config "$cfg" "$port"
	if promtool check config "$cfg" >"$E2E_TMP/promtool.out" 2>&1; then
		e2e_pass "promtool check config: the generated scrape configuration"
	else
		e2e_fail "promtool check config: the generated scrape configuration" "$(cat "$E2E_TMP/promtool.out")"
	fi
	mkdir -p "$E2E_TMP/tsdb"
	e2e_start prometheus prometheus --config.file="$cfg" --storage.tsdb.path="$E2E_TMP/tsdb" \
		--web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=1h \
		--log.level=warn
	PROM_URL=http://127.0.0.1:$port
	e2e_wait_http prometheus "$E2E_LAST_PID" "$PROM_URL/-/ready"
}

# --------------------------------------------------------------- service

start_group() {
	local port
	port=$(e2e_free_port)
	OPS_API_PORT=$port
	METRICS_BASE=$(prom_free_port_block 6) || { e2e_fail "six free ports in a row"; e2e_finish; }
	e2e_start entrypoint env DATABASE_URL="$E2E_DB_URL" APP_PORT="$port" \
		ORDER_SERVICE_BIN="$ORDER_SERVICE_BIN" STOP_GRACE_SECONDS=10 \
		KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP_SERVERS" KAFKA_CONSUMER_GROUP="e2eprom-$$" \
		CATALOG_SERVICE_API_URL="$E2E_SIM/catalog/items" \
		PAYMENTS_SERVICE_API_URL="$E2E_SIM/payments" \
		NOTIFICATIONS_SERVICE_API_URL="$E2E_SIM/notifications" \
		PAYMENTS_CALLBACK_URL="http://127.0.0.1:$port/api/v1/orders/payment-callback" \
		PAYMENTS_CALLBACK_SECRET="$E2E_CALLBACK_SECRET" \
		OUTBOX_POLL_INTERVAL_MS=200 API_THREADS=2 METRICS_PORT_BASE="$METRICS_BASE" \
		bash "$SOURCE_DIR/entrypoint.sh"
	EP=$E2E_LAST_PID
	E2E_API=http://127.0.0.1:$port
	e2e_wait_http entrypoint "$EP" "$E2E_API/health/ready"
}

# The roles of the entrypoint's children that run now, sorted.
running_roles() {
	local pid cmd
	for pid in $(pgrep -P "$EP"); do
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		awk '{ print $NF }' <<<"$cmd"
	done | sort | tr '\n' ' '
}

# shellcheck disable=SC2317 # called through ops_wait_for
order_delivered() {
	ops_order_status_is "$ORDER_ID" delivered &&
		[ "$(e2e_sql "SELECT count(*) FROM outbox WHERE status = 'pending'")" = 0 ] &&
		[ "$(e2e_sql "SELECT count(*) FROM inbox WHERE status = 'pending'")" = 0 ]
}

# ----------------------------------------------------------------- tests

test_targets_up() {
	local r want got
	if wait_value 30 'count(up{job="order-service"} == 1)' 6; then
		e2e_pass "Prometheus scrapes all six processes (up == 1)"
	else
		e2e_fail "Prometheus scrapes all six processes (up == 1)" "$(pq 'up')" \
			"$(curl -sS "$PROM_URL/api/v1/targets" | jq -c '.data.activeTargets[] | [.labels.role, .health, .lastError]')"
	fi
	for r in "${ROLES[@]}"; do
		want="127.0.0.1:$((METRICS_BASE + OFFSET[$r]))"
		got=$(pq "up{job=\"order-service\",role=\"$r\"} == 1" | cut -f1 | jq -r '.instance')
		assert_eq "$r is up on METRICS_PORT_BASE + ${OFFSET[$r]}" "$want" "$got"
	done
}

# Each relay target is the relay of its role, serving its destinations.
test_relay_identity() {
	assert_eq "outbox-kafka's port serves the Kafka relay (order.events, shipping.requests)" \
		"order.events shipping.requests" \
		"$(pq 'outbox_relay_destination_info{role="outbox-kafka",relay="outbox-kafka"}' |
			cut -f1 | jq -r '.destination' | sort | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "outbox-payments' port serves the payments relay" payments \
		"$(pq 'outbox_relay_destination_info{role="outbox-payments",relay="outbox-payments"}' | cut -f1 | jq -r '.destination')"
	assert_eq "outbox-notifications' port serves the notifications relay" notifications \
		"$(pq 'outbox_relay_destination_info{role="outbox-notifications",relay="outbox-notifications"}' | cut -f1 | jq -r '.destination')"
	assert_eq "before any order: outbox_sent_total{relay=\"outbox-kafka\"} reads 0, not absent" 0 \
		"$(pv 'outbox_sent_total{relay="outbox-kafka"}')"
	assert_eq "before any order: the consumer's malformed counter reads 0" 0 \
		"$(pv 'shipping_consumer_errors_total{role="shipping-consumer",kind="malformed"}')"
	assert_eq "before any order: five destinations' backlog gauges read 0 (payments, notifications, webhook, two topics)" "5 0" \
		"$(pv 'count(outbox_pending{role="api"})') $(pv 'sum(outbox_pending{role="api"})')"
}

test_order_flows() {
	local kafka_sent
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-2 2 prom-user)"
	assert_status "an order is created" 201
	ORDER_ID=$(jq -r '.data.id' "$E2E_BODY")
	if ops_wait_for 60 order_delivered; then
		e2e_pass "the order is delivered and every queue drained"
	else
		e2e_fail "the order is delivered and every queue drained" \
			"$(e2e_sql "SELECT destination, type, status, attempts, last_error FROM outbox")"
	fi
	kafka_sent=$(e2e_sql "SELECT count(*) FROM outbox WHERE status = 'sent'
	                      AND destination IN ('order.events', 'shipping.requests')")
	if wait_value 20 'sum(outbox_sent_total{role="outbox-kafka",relay="outbox-kafka"})' "$kafka_sent"; then
		e2e_pass "Prometheus: outbox-kafka sent $kafka_sent rows, as the database says"
	else
		e2e_fail "Prometheus: outbox-kafka's outbox_sent_total equals the rows it sent ($kafka_sent)" \
			"$(pq 'outbox_sent_total')"
	fi
	assert_prom "Prometheus: outbox-payments sent the payment request" \
		'outbox_sent_total{role="outbox-payments"}' 1
	assert_prom "Prometheus: outbox-notifications sent notifications" \
		'count(outbox_sent_total{role="outbox-notifications"} > 0)' 1
	assert_match "Prometheus: relay batch latency histogram of outbox-kafka" '^[1-9][0-9]*$' \
		"$(pv 'outbox_relay_batch_seconds_count{role="outbox-kafka"}')"
	assert_prom "Prometheus: the consumer recorded shipped and delivered" \
		'shipping_consumer_messages_total{role="shipping-consumer",outcome="recorded"}' 2
	assert_eq "Prometheus: no consumer errors" 0 "$(pv 'sum(shipping_consumer_errors_total)')"
	assert_prom "Prometheus: the inbox worker handled the callback, shipped and delivered" \
		'inbox_handled_total{role="inbox"}' "$(e2e_sql "SELECT count(*) FROM inbox WHERE status = 'processed'")"
	assert_prom "Prometheus: the API counted the create (POST, 201)" \
		'http_requests_total{role="api",route="/api/v1/orders",method="POST",status="201"}' 1
	assert_prom "Prometheus: orders_created_total" 'orders_created_total{role="api"}' 1
}

test_queue_gauges() {
	if wait_value 10 'sum(outbox_pending{role="api"}) + sum(outbox_oldest_pending_age_seconds{role="api"})' 0; then
		e2e_pass "Prometheus: backlog and oldest age back at 0 for every destination"
	else
		e2e_fail "Prometheus: backlog and oldest age back at 0" "$(pq 'outbox_pending')"
	fi
	assert_eq "Prometheus: still five destinations (none vanished)" 5 \
		"$(pv 'count(outbox_oldest_pending_age_seconds{role="api"})')"
	assert_eq "Prometheus: inbox lag 0" 0 "$(pv 'inbox_lag_seconds{role="api"}')"
	assert_eq "Prometheus: no dead letters" 0 "$(pv 'sum(outbox_dead{role="api"})')"
}

test_process_metrics() {
	local version
	version=$(sed -nE 's/^project\([a-z_]+ VERSION ([0-9.]+).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
	assert_eq "Prometheus: process_resident_memory_bytes of all six, each over 1 MiB" 6 \
		"$(pv 'count(process_resident_memory_bytes{job="order-service"} > 1048576)')"
	assert_eq "Prometheus: process_open_fds of all six" 6 "$(pv 'count(process_open_fds{job="order-service"} > 2)')"
	assert_eq "Prometheus: process_cpu_seconds_total of all six" 6 \
		"$(pv 'count(process_cpu_seconds_total{job="order-service"} >= 0)')"
	assert_eq "Prometheus: process_start_time_seconds within a day of now" 6 \
		"$(pv 'count(abs(time() - process_start_time_seconds{job="order-service"}) < 86400)')"
	assert_eq "Prometheus: order_service_build_info of all six, version $version" 6 \
		"$(pv "count(order_service_build_info{version=\"$version\"} == 1)")"
}

# Every rule has been evaluated on the real series without an error (a bad
# join, for one, is an evaluation error).
test_rules_evaluate() {
	local deadline=$((SECONDS + 20)) rules bad
	while :; do
		rules=$(curl -sS --max-time 10 "$PROM_URL/api/v1/rules" | jq -c '[.data.groups[].rules[]]')
		bad=$(jq -r '.[] | select(.health != "ok") | "\(.name): \(.health) \(.lastError // "")"' <<<"$rules")
		if [ -z "$bad" ] && [ "$(jq length <<<"$rules")" -gt 0 ]; then break; fi
		[ $SECONDS -lt "$deadline" ] || break
		sleep 0.5
	done
	assert_eq "every alert rule evaluates without error on the real series" "" "$bad"
	assert_eq "the rules of deploy/prometheus/rules are loaded" \
		"$(prom_rule_exprs | wc -l)" "$(jq length <<<"$rules")"
}

# The dashboard's and the rules' metric names against what Prometheus has
# scraped from the processes.
test_names_exported() {
	local have n missing=""
	have=$(curl -sS --max-time 10 "$PROM_URL/api/v1/label/__name__/values" | jq -r '.data[]')
	for n in $( { prom_dashboard_exprs; prom_rule_exprs; } | prom_metric_names); do
		grep -qx "$n" <<<"$have" || missing+="$n "
	done
	assert_eq "every metric the dashboard and the rules read is exported by a process" "" "$missing"
	if grep -qx no_such_metric_total <<<"$have"; then
		e2e_fail "the exported names are not everything"
	else
		e2e_pass "the exported names are not everything"
	fi
}

test_all_up_then_stop() {
	local want rc
	want=$(printf '%s\n' "${ROLES[@]}" | sort | tr '\n' ' ')
	assert_eq "entrypoint.sh with METRICS_PORT_BASE: every process still runs" "$want" "$(running_roles)"
	if grep -q 'exited' "$E2E_TMP/entrypoint.log"; then
		e2e_fail "no child exited" "$(grep exited "$E2E_TMP/entrypoint.log")"
	else
		e2e_pass "no child exited"
	fi
	kill -TERM "$EP"
	if e2e_wait_gone "$EP" 30; then
		wait "$EP"
		rc=$?
		assert_eq "SIGTERM: the group stops cleanly" 0 "$rc"
	else
		e2e_fail "SIGTERM: the group stops within 30 s"
	fi
}

main() {
	local r o
	while read -r r o; do OFFSET[$r]=$o; done < <(prom_role_offsets)
	assert_eq "entrypoint.sh has a metrics offset for every role" 6 "${#OFFSET[@]}"
	ops_start_kafka
	e2e_db_create
	e2e_start_sim sim --shipping-delay-ms 20 --payment-delay-ms 20
	start_group
	start_prometheus
	test_targets_up
	test_relay_identity
	test_order_flows
	test_queue_gauges
	test_process_metrics
	test_rules_evaluate
	test_names_exported
	test_all_up_then_stop
	e2e_finish
}

main
