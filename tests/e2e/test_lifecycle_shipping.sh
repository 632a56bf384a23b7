#!/usr/bin/env bash
# End-to-end: shipping events from Kafka through the inbox (DESIGN §5, §8).
# A delivered event that arrives before its shipped event still ends in
# delivered. Garbage on the shipping events topic (not JSON, wrong types,
# unknown event type, bad uuid, invalid UTF-8, oversized, unknown order) is
# recorded as rejected, the consumer keeps running, and the valid events
# behind it on the same partition still apply. Replayed events (the same
# event ids again, through the simulator and through kcat) change nothing.
#
# outbox-kafka starts only once the orders are paid, the forced outcome is
# set and the garbage is on the topic, so that each of these comes first.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_life.sh
source "$E2E_DIR/lib_life.sh"

AT=2026-01-01T00:00:00.000Z
GARBAGE=9

# The query counting rejected inbox rows whose payload holds the marker.
rejected_sql() { # marker
	echo "SELECT count(*) FROM inbox WHERE status = 'rejected'
		AND position(convert_to('$1', 'UTF8') in payload) > 0"
}

# Nine hostile messages, keyed like order F's own events so that they share
# its partition and come before them. Each carries a "life-garbage-" marker.
publish_garbage() { # order-id
	local f=$1 big
	life_publish "not json life-garbage-1 {" "$f"
	life_publish "{\"event_id\":123,\"event_type\":\"order.shipped\",\"order_id\":\"$f\",\"occurred_at\":\"$AT\",\"m\":\"life-garbage-2\"}" "$f"
	life_publish "$(life_event life-garbage-3 order.teleported "$f")" "$f"
	life_publish "$(life_event life-garbage-4 order.shipped not-a-uuid)" "$f"
	life_publish '["life-garbage-5"]' "$f"
	life_publish '{"event_id":"life-garbage-6","event_type":"order.shipped"}' "$f"
	printf '{"event_id":"life-garbage-7\xff\xfe","event_type":"order.shipped","order_id":"%s","occurred_at":"%s"}' \
		"$f" "$AT" >"$E2E_TMP/bad-utf8.json"
	life_publish "@$E2E_TMP/bad-utf8.json" "$f"
	big=$(head -c 70000 /dev/zero | tr '\0' x)
	printf '{"event_id":"life-garbage-8","pad":"%s"}' "$big" >"$E2E_TMP/big.json"
	life_publish "@$E2E_TMP/big.json" "$f"
	# Well formed, but for an order that does not exist: the inbox worker
	# rejects it.
	life_publish "$(life_event life-garbage-9 order.shipped "$(e2e_uuid)")" "$f"
}

test_delivered_first() {
	life_expect_status "delivered before shipped: still ends delivered" "$D" delivered
	e2e_http GET "$E2E_SIM/_sim/shipping/published?order_id=$D"
	assert_json "the simulator published delivered first" \
		'[.data[] | select(.json) | .value.event_type] | join(" ")' "order.delivered order.shipped"
	life_expect_history "delivered-first order" "$D" "$LIFE_HAPPY"
}

test_garbage_skipped() {
	life_expect_status "the valid events behind the garbage apply" "$F" delivered
	life_expect_history "order behind the garbage" "$F" "$LIFE_HAPPY"
	life_expect_sql "every garbage message is recorded as rejected" \
		"$(rejected_sql life-garbage-)" "$GARBAGE"
	assert_eq "rejected rows say why" 0 \
		"$(e2e_sql "SELECT count(*) FROM inbox WHERE status = 'rejected' AND coalesce(error, '') = ''")"
	if life_running shipping-consumer; then
		e2e_pass "the consumer is still running"
	else
		e2e_fail "the consumer is still running"
	fi
}

# Sends E's events again: twice through the simulator, once through kcat,
# then a sentinel on the same partition; once the sentinel is in the inbox
# every replay before it has been consumed.
test_replay() {
	local events ev
	e2e_http GET "$E2E_SIM/_sim/shipping/published?order_id=$E"
	events=$(jq -c '.data[] | select(.json and (.value.event_id | type) == "string") | .value' "$E2E_BODY")
	assert_eq "E's two shipping events were published" 2 "$(grep -c . <<<"$events")"
	while IFS= read -r ev; do
		life_publish "$ev" "$E"
		life_publish "$ev" "$E"
	done <<<"$events"
	if kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -P -t "$KAFKA_TOPIC_SHIPPING_EVENTS" -k "$E" <<<"$events"; then
		e2e_pass "replay through kcat"
	else
		e2e_fail "replay through kcat"
	fi
	# A new message id with a stale event: not a duplicate, still no change.
	life_publish "$(life_event "$(e2e_uuid)" order.shipped "$E")" "$E"
	life_publish "sentinel life-sentinel-replay" "$E"
	life_expect_sql "the replays were consumed" "$(rejected_sql life-sentinel-replay)" 1
	assert_eq "the inbox keeps one row per event of E" 3 \
		"$(e2e_sql "SELECT count(*) FROM inbox WHERE source = 'shipping' AND order_id = '$E'")"
	life_expect_sql "the stale event is settled, not applied" \
		"SELECT count(*) FROM inbox WHERE order_id = '$E' AND status = 'pending'" 0
	assert_eq "no inbox message id appears twice" "" "$(life_duplicated_inbox)"
	assert_eq "E stays delivered" delivered "$(life_status "$E")"
	life_expect_history "replayed order" "$E" "$LIFE_HAPPY"
}

main() {
	life_init
	life_start_system outbox-payments outbox-notifications shipping-consumer inbox
	life_create_order sku-6 1
	D=$LIFE_ORDER
	life_create_order sku-7 1
	E=$LIFE_ORDER
	life_create_order sku-8 1
	F=$LIFE_ORDER
	e2e_http POST "$E2E_SIM/_sim/shipping/outcome" "{\"order_id\":\"$D\",\"outcome\":\"delivered_first\"}"
	assert_status "force delivered-before-shipped for D" 200
	publish_garbage "$F"
	life_expect_status "D is paid" "$D" paid
	life_expect_status "E is paid" "$E" paid
	life_expect_status "F is paid" "$F" paid
	life_start_worker outbox-kafka
	test_delivered_first
	test_garbage_skipped
	life_expect_status "E is delivered" "$E" delivered
	test_replay
	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	e2e_finish
}

main
