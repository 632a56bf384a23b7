#!/usr/bin/env bash
# End-to-end: the service through a database outage. migrate, the API and
# all five workers (with order-sim and a private Kafka) run against a
# PostgreSQL cluster of this script's own, which the test stops and starts
# again: readiness turns 503 and order creation answers 503 JSON while the
# database is down, no process exits, and once it is back readiness returns
# to 200 by itself, a new order is created and travels through every relay
# to delivered, and a shipping event published during the outage lands in
# the inbox.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_e2eops.sh
source "$E2E_DIR/lib_e2eops.sh"

OUTAGE_EVENT_ID=""

ready_status() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$E2E_API/health/ready" 2>/dev/null
}
# shellcheck disable=SC2317 # called through ops_wait_for
ready_is() { [ "$(ready_status)" = "$1" ]; }

# Creates an order and sets ORDER_ID (empty when it failed).
create_order() { # description
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-2 1)"
	assert_status "$1: 201" 201
	ORDER_ID=$(jq -r '.data.id // empty' "$E2E_BODY" 2>/dev/null)
}

# True once every worker has logged a warning or error since the given log
# sizes were taken: each has met the outage and survived it.
# shellcheck disable=SC2317 # called through ops_wait_for
workers_saw_outage() {
	local role size
	for role in $OPS_WORKERS; do
		size=${LOG_SIZE[$role]}
		tail -c +"$((size + 1))" "$E2E_TMP/$role.log" | grep -qE '"level":"(warn|error)"' ||
			return 1
	done
}

test_before_outage() {
	e2e_http GET "$E2E_API/health/ready"
	assert_status "ready with the database up: 200" 200
	assert_json "ready: status ready" '.data.status' ready
	create_order "order before the outage"
	if [ -n "$ORDER_ID" ] && ops_wait_for 60 ops_outbox_all_sent "$ORDER_ID"; then
		e2e_pass "order before the outage: relays sent its outbox rows"
	else
		e2e_fail "order before the outage: relays sent its outbox rows" \
			"$(e2e_sql "SELECT type, destination, status, attempts, last_error FROM outbox" 2>&1)"
	fi
	assert_all_alive "every process runs before the outage"
}

test_during_outage() {
	declare -gA LOG_SIZE=()
	local role
	for role in $OPS_WORKERS; do LOG_SIZE[$role]=$(stat -c %s "$E2E_TMP/$role.log"); done

	if ops_pg_stop; then e2e_pass "database stopped (pg_ctl stop -m fast)"; else e2e_fail "database stopped"; fi
	if ops_wait_for 30 ready_is 503; then
		e2e_pass "ready with the database down: 503"
	else
		e2e_fail "ready with the database down: 503" "last status: $(ready_status)"
	fi
	e2e_http GET "$E2E_API/health/ready"
	assert_rejected "ready 503 is a JSON error envelope" 503 ""

	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-2 1)"
	assert_rejected "create with the database down: 503 JSON" 503 ""
	e2e_http GET "$E2E_API/health/live"
	assert_status "live with the database down: 200" 200

	# The consumer must keep the message (no offset commit without the
	# database commit) and store it once the database is back.
	OUTAGE_EVENT_ID=$(e2e_uuid)
	e2e_http POST "$E2E_SIM/_sim/shipping/publish?key=$ORDER_ID" \
		"{\"event_id\":\"$OUTAGE_EVENT_ID\",\"event_type\":\"order.shipped\",\"order_id\":\"$(e2e_uuid)\",\"occurred_at\":\"2024-01-01T00:00:00.000Z\"}"
	assert_status "shipping event published during the outage" '2[0-9][0-9]'

	if ops_wait_for 30 workers_saw_outage; then
		e2e_pass "every relay and the inbox worker noticed the outage"
	else
		e2e_fail "every relay and the inbox worker noticed the outage"
	fi
	assert_all_alive "no process exited during the outage"
}

test_after_outage() {
	if ops_pg_start; then e2e_pass "database started again"; else e2e_fail "database started again"; fi
	if ops_wait_for 60 ready_is 200; then
		e2e_pass "ready again after the database returns: 200"
	else
		e2e_fail "ready again after the database returns: 200" "last status: $(ready_status)"
	fi
	create_order "order after the outage"
	[ -n "$ORDER_ID" ] || return 0
	if ops_wait_for 60 ops_outbox_all_sent "$ORDER_ID"; then
		e2e_pass "order after the outage: relays sent its outbox rows"
	else
		e2e_fail "order after the outage: relays sent its outbox rows" \
			"$(e2e_sql "SELECT type, destination, status, attempts, last_error FROM outbox
			            WHERE aggregateid = '$ORDER_ID'" 2>&1)"
	fi
	if ops_wait_for 90 ops_order_status_is "$ORDER_ID" delivered; then
		e2e_pass "order after the outage: paid, shipped, delivered"
	else
		e2e_fail "order after the outage: paid, shipped, delivered" \
			"status: $(e2e_sql "SELECT status FROM orders WHERE id = '$ORDER_ID'" 2>&1)"
	fi
	if ops_wait_for 60 event_in_inbox; then
		e2e_pass "shipping event published during the outage reached the inbox"
	else
		e2e_fail "shipping event published during the outage reached the inbox"
	fi
	assert_all_alive "every process still runs after the outage"
}

# shellcheck disable=SC2317 # called through ops_wait_for
event_in_inbox() {
	[ "$(e2e_sql "SELECT count(*) FROM inbox WHERE message_id = '$OUTAGE_EVENT_ID'" 2>/dev/null)" = 1 ]
}

ops_pg_create
e2e_migrate
ops_start_kafka
ops_start_service LOG_FORMAT=json
test_before_outage
test_during_outage
test_after_outage
e2e_finish
