#!/usr/bin/env bash
# End-to-end: every committed outbox row is delivered (DESIGN §7, §8). Orders
# created through the API are relayed by the three real relay workers to
# order-sim over HTTP and to the Kafka mock cluster; the receivers must have
# seen every outbox event id, with X-API-Key and Idempotency-Key on the HTTP
# calls, and Kafka values that are JSON keyed by order id with the event
# fields and the CloudEvents headers.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/lib_relay.sh
source "$HERE/lib_relay.sh"

N=60

test_http_payments() {
	relay_outbox_ids payments >"$E2E_TMP/pay.expected"
	relay_sim_keys /_sim/payments/requests >"$E2E_TMP/pay.got"
	relay_assert_covers "payments: order-sim received every payment row's Idempotency-Key" \
		"$E2E_TMP/pay.expected" "$E2E_TMP/pay.got"
	curl -fsS "$E2E_SIM/_sim/payments/requests" >"$E2E_BODY"
	assert_json "payments: every request carried X-API-Key" \
		"[.data[] | .headers[\"x-api-key\"] == \"$RELAY_API_KEY\"] | all" true
	assert_json "payments: every request was accepted (201)" '[.data[].status] | unique | tostring' '[201]'
	assert_json "payments: Idempotency-Key header equals the body's idempotency_key" \
		'[.data[] | .headers["idempotency-key"] == .body.idempotency_key] | all' true
	assert_json "payments: bodies carry order_id, amount and callback_url" \
		'[.data[].body | (.order_id | length) == 36 and (.amount | test("^[0-9]+\\.[0-9]{2}$"))
		  and (.callback_url | startswith("http://"))] | all' true
}

test_http_notifications() {
	relay_outbox_ids notifications >"$E2E_TMP/note.expected"
	relay_sim_keys /_sim/notifications >"$E2E_TMP/note.got"
	relay_assert_covers "notifications: order-sim received every notification row's Idempotency-Key" \
		"$E2E_TMP/note.expected" "$E2E_TMP/note.got"
	curl -fsS "$E2E_SIM/_sim/notifications" >"$E2E_BODY"
	assert_json "notifications: every request carried X-API-Key" \
		"[.data[] | .headers[\"x-api-key\"] == \"$RELAY_API_KEY\"] | all" true
	assert_json "notifications: no repeats in normal operation" '.duplicates' 0
	assert_json "notifications: bodies carry message, order_id, user_id, event_type" \
		'[.data[].body | (.message | length) > 0 and (.order_id | length) == 36
		  and (.user_id | length) > 0 and .event_type == "order.created"] | all' true
}

test_kafka() {
	local dump=$E2E_TMP/kafka.json
	relay_kafka_dump "$dump"
	relay_outbox_ids "$RELAY_TOPIC" >"$E2E_TMP/kafka.expected"
	relay_kafka_ce_ids "$dump" >"$E2E_TMP/kafka.got"
	relay_assert_covers "kafka: every order-events row is on the topic (by ce_id)" \
		"$E2E_TMP/kafka.expected" "$E2E_TMP/kafka.got"
	assert_eq "kafka: one message per row in normal operation" "$N" "$(wc -l <"$E2E_TMP/kafka.got")"
	# Every value is JSON with the event fields; the key is the order id and
	# the CloudEvents headers agree with the value.
	assert_eq "kafka: values are JSON with event_id, event_type, order_id, occurred_at; key = order_id; ce_* headers" \
		"$N" "$(jq -c '(.headers as $h | [range(0; $h | length; 2) | {($h[.]): $h[. + 1]}] | add) as $hd
		        | (.payload | fromjson? // {}) as $v
		        | select(.key == $v.order_id and ($v.event_id | length) == 36
		                 and $v.event_type == "order.created" and ($v.occurred_at | length) > 0
		                 and $hd.ce_id == $v.event_id and $hd.ce_type == $v.event_type
		                 and $hd.ce_specversion == "1.0" and ($hd.ce_source | length) > 0
		                 and $hd["content-type"] == "application/json")' "$dump" | wc -l)"
	# The key is the order the row belongs to (aggregateid).
	e2e_sql "SELECT id || ' ' || aggregateid FROM outbox WHERE destination = '$RELAY_TOPIC' ORDER BY 1" \
		>"$E2E_TMP/kafka.rows"
	jq -r '(.payload | fromjson | .event_id) + " " + .key' "$dump" | sort >"$E2E_TMP/kafka.pairs"
	assert_eq "kafka: each message is keyed by its row's order id" \
		"$(cat "$E2E_TMP/kafka.rows")" "$(cat "$E2E_TMP/kafka.pairs")"
	# The plain kcat format of the issue: key, tab, JSON value.
	timeout 60 kcat -C -q -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$RELAY_TOPIC" -o beginning -e \
		-f '%k\t%s\n' >"$E2E_TMP/kafka.txt" 2>/dev/null
	assert_eq "kafka: kcat -f '%k\\t%s' reads key and a JSON value whose order_id is the key" "$N" \
		"$(while IFS=$'\t' read -r k v; do jq -r --arg k "$k" 'select(.order_id == $k) | 1' <<<"$v"; done \
			<"$E2E_TMP/kafka.txt" | grep -c 1)"
}

relay_init
relay_start_stack
relay_start_worker relay-payments payments
relay_start_worker relay-notifications notifications
relay_start_worker relay-kafka kafka
relay_create_orders delivery "$N"
assert_eq "outbox: three rows per order" $((3 * N)) "$(e2e_sql 'SELECT count(*) FROM outbox')"
relay_assert_drained "payments rows all sent" payments 60
relay_assert_drained "notification rows all sent" notifications 60
relay_assert_drained "order-events rows all sent" "$RELAY_TOPIC" 60
assert_eq "outbox: nothing failed on the way" 0 "$(e2e_sql 'SELECT count(*) FROM outbox WHERE attempts > 0')"
test_http_payments
test_http_notifications
test_kafka
e2e_finish
