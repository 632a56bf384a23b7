#!/usr/bin/env bash
# End-to-end on a real Apache Kafka broker (DESIGN §8): Kafka's own console
# consumer (org.apache.kafka.tools.consumer.ConsoleConsumer from the fetched
# jars, what kafka-console-consumer.sh runs) reads order.events with keys and
# headers: each value parses as JSON with jq, the key is the order id, and
# the CloudEvents headers match the value (ce_id = event_id, ce_type =
# event_type, ce_subject = order_id, content-type JSON).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh" life

N=3

# header value from "k1:v1,k2:v2" (the console consumer's default layout)
header() { # headers name
	tr ',' '\n' <<<"$1" | sed -n "s/^$2://p" | head -n 1
}

main() {
	local i line headers key value bad=0 ids=()
	life_init
	life_start_sim
	life_start_api
	life_start_worker outbox-kafka
	for ((i = 0; i < N; i++)); do
		life_create_order "sku-$((i + 1))" 1
		ids+=("$LIFE_ORDER")
	done
	timeout 90 env DATA_DIR="$KAFKA_REAL_DATA_DIR" "$KR_ROOT/scripts/kafka-broker.sh" class \
		org.apache.kafka.tools.consumer.ConsoleConsumer \
		--bootstrap-server "$KAFKA_REAL_BOOTSTRAP" --topic "$KAFKA_TOPIC_ORDER_EVENTS" \
		--from-beginning --max-messages "$N" --timeout-ms 60000 \
		--property print.key=true --property print.headers=true \
		>"$E2E_TMP/console.out" 2>"$E2E_TMP/console.err"
	assert_eq "the console consumer read one order.created per order" "$N" \
		"$(grep -c 'ce_type:order.created' "$E2E_TMP/console.out")"
	while IFS=$'\t' read -r headers key value; do
		[ -n "$value" ] || { bad=1; e2e_fail "line has headers, key and value" "$headers"; continue; }
		if ! jq -e . >/dev/null 2>&1 <<<"$value"; then bad=1; e2e_fail "value is JSON" "$value"; continue; fi
		[ "$key" = "$(jq -r .order_id <<<"$value")" ] || { bad=1; e2e_fail "key is the order id" "$key"; }
		[ "$(header "$headers" ce_id)" = "$(jq -r .event_id <<<"$value")" ] ||
			{ bad=1; e2e_fail "ce_id is the event id" "$headers"; }
		[ "$(header "$headers" ce_type)" = "$(jq -r .event_type <<<"$value")" ] ||
			{ bad=1; e2e_fail "ce_type is the event type" "$headers"; }
		[ "$(header "$headers" ce_subject)" = "$key" ] || { bad=1; e2e_fail "ce_subject is the order id" "$headers"; }
		[ "$(header "$headers" ce_specversion)" = 1.0 ] || { bad=1; e2e_fail "ce_specversion 1.0" "$headers"; }
		[[ "$(header "$headers" content-type)" == application/json* ]] ||
			{ bad=1; e2e_fail "content-type is JSON" "$headers"; }
	done <"$E2E_TMP/console.out"
	[ $bad -eq 0 ] && e2e_pass "every message: JSON value, key = order id, CloudEvents headers match"
	for i in "${ids[@]}"; do
		assert_eq "order ${i:0:8} was read by key" 1 "$(cut -f2 "$E2E_TMP/console.out" | grep -cx "$i")"
	done
	e2e_finish
}

main
