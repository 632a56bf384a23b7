#!/usr/bin/env bash
# End-to-end on a real Apache Kafka broker (DESIGN §7, §13): the broker is
# stopped for 10 s in the middle of a load and started again. The relay and
# the shipping consumer ride it out without being restarted: orders taken
# while Kafka was away wait in the outbox and go out when it is back, and
# every order still ends delivered, each transition once.
#
# It stops and starts the suite's shared broker (kafka-broker.sh keeps its
# data, ports and users), so it must not run beside other real-broker tests
# (ctest runs tests one at a time unless told otherwise).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh" life

LOAD_SECONDS=24
BROKER_DOWN=false

# Orders at a steady pace for LOAD_SECONDS; ids to load.ids, statuses to load.codes.
load() {
	local end=$((SECONDS + LOAD_SECONDS)) i=0 body code key
	while [ $SECONDS -lt $end ]; do
		i=$((i + 1))
		read -r key </proc/sys/kernel/random/uuid
		body=$(printf '{"user_id":"u-outage","idempotency_key":"%s","items":[{"item_id":"sku-%d","quantity":1}]}' \
			"$key" $((i % 10 + 1)))
		code=$(curl -sS -o "$E2E_TMP/load.body" -w '%{http_code}' --max-time 10 -X POST \
			-H 'Content-Type: application/json' "${E2E_AUTH[@]}" --data-binary "$body" \
			"$E2E_API/api/v1/orders" 2>/dev/null) || code=000
		echo "$code" >>"$E2E_TMP/load.codes"
		if [ "$code" = 201 ]; then jq -r '.data.id' "$E2E_TMP/load.body" >>"$E2E_TMP/load.ids"; fi
		sleep 0.1
	done
}

restart_broker_if_down() {
	if $BROKER_DOWN; then kafka_real_broker start >/dev/null 2>&1 || true; fi
}
trap 'kr_rc=$?; restart_broker_if_down; (exit $kr_rc); e2e_cleanup' EXIT

main() {
	local pids_before pids_after n
	life_init
	life_start_system "${LIFE_WORKERS[@]}"
	pids_before="${LIFE_PID[outbox-kafka]} ${LIFE_PID[shipping-consumer]}"
	: >"$E2E_TMP/load.ids"
	load &
	local loader=$!
	sleep 6
	BROKER_DOWN=true
	if kafka_real_broker stop >/dev/null 2>&1; then e2e_pass "broker stopped"; else e2e_fail "broker stopped"; fi
	if (exec 3<>"/dev/tcp/${KAFKA_REAL_BOOTSTRAP%:*}/${KAFKA_REAL_BOOTSTRAP##*:}") 2>/dev/null; then
		e2e_fail "the broker's port is closed while it is down"
	else
		e2e_pass "the broker's port is closed while it is down"
	fi
	sleep 10
	if kafka_real_broker start >/dev/null 2>"$E2E_TMP/broker-start.err"; then
		BROKER_DOWN=false
		e2e_pass "broker started again"
	else
		e2e_fail "broker started again" "$(tail -n 20 "$E2E_TMP/broker-start.err")"
	fi
	wait "$loader"
	n=$(wc -l <"$E2E_TMP/load.ids")
	assert_match "orders were taken during the load" '^[1-9][0-9]+$' "$n"
	assert_eq "every request was answered 201" "" "$(grep -vx 201 "$E2E_TMP/load.codes" | sort | uniq -c)"
	life_expect_sql "every order delivered after the outage" \
		"SELECT count(*) FROM orders WHERE status = 'delivered'" "$n" 120
	life_expect_sql "every outbox row sent" "SELECT count(*) FROM outbox WHERE status <> 'sent'" 0
	pids_after="${LIFE_PID[outbox-kafka]} ${LIFE_PID[shipping-consumer]}"
	assert_eq "relay and consumer were never restarted" "$pids_before" "$pids_after"
	life_check_alive
	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	assert_eq "every order has exactly the four transitions" "$n" \
		"$(e2e_sql "SELECT count(*) FROM (SELECT order_id FROM order_status_history GROUP BY order_id
			HAVING string_agg(coalesce(from_status, '') || '>' || to_status, ' ' ORDER BY id) = '$LIFE_HAPPY') t")"
	e2e_finish
}

main
