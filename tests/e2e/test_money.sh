#!/usr/bin/env bash
# End-to-end: no money is stranded (DESIGN §5). The whole system runs (the
# API, the five workers, order-sim, PostgreSQL and Kafka):
#  - an order cancelled before its payment request left is never charged:
#    the request is withdrawn (outbox status cancelled) and never sent;
#  - an order cancelled after its request was delivered gets a
#    payment.cancel, and the payment that still succeeds later is refunded
#    exactly once, however often and under however many keys it is
#    reported: one refund at the payment service, one order.refund_requested
#    on Kafka, one history entry, counted in the metrics;
#  - a paid order cancelled before shipment, or whose shipping fails, is
#    refunded once;
#  - admin and CLI retries never send a payment request of an order that is
#    no longer new, and say why;
#  - a payment reported pending and then succeeded under one key pays;
#  - the create fingerprint does not let two different bodies pass for one
#    (422), and a callback without user_id is refused (422);
#  - the sweeper cancelling an order while the payment service fails leaves
#    no charge (and a cancel follows the attempts that may have reached it,
#    once the service recovers).
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_life.sh
source "$E2E_DIR/lib_life.sh"

AMOUNT=12.50 # one sku-2

# ------------------------------------------------------------------ helpers

# Entries order-sim's payment service recorded for an order: requests and
# callbacks, whatever their answer; cancels and refunds it took (2xx), since
# a failing service answers them too.
sim_count() { # kind order-id
	curl -fsS --max-time 10 "$E2E_SIM/_sim/payments/$1?order_id=$2" |
		if [ "$1" = cancels ] || [ "$1" = refunds ]; then
			jq '[.data[] | select(.status < 300)] | length'
		else
			jq '.data | length'
		fi
}

sim_entries() { # kind order-id
	curl -fsS --max-time 10 "$E2E_SIM/_sim/payments/$1?order_id=$2"
}

# Polls until order-sim recorded n entries of a kind for the order.
expect_sim_count() { # description kind order-id n [seconds]
	local deadline=$((SECONDS + ${5:-$LIFE_DEADLINE})) got
	while :; do
		got=$(sim_count "$2" "$3" 2>&1)
		if [ "$got" = "$4" ] || [ $SECONDS -ge "$deadline" ]; then break; fi
		life_check_alive
		sleep 0.2
	done
	assert_eq "$1" "$4" "$got"
}

# Polls until the order is paid or past it (the shipping simulator may ship
# and deliver it between two polls).
expect_paid() { # description order-id
	life_expect_sql "$1" "SELECT status IN ('paid', 'shipped', 'delivered') FROM orders
		WHERE id = '$2'" t
}

sim_plan() { # json
	e2e_http POST "$E2E_SIM/_sim/payments/callback-plan" "$1"
	assert_status "order-sim takes the callback plan $1" 200
}

sim_script() { # json-array
	e2e_http POST "$E2E_SIM/_sim/payments/script" "{\"responses\":$1}"
	assert_status "order-sim takes the script $1" 200
}

# The status of the order's outbox row of a type ("" when none).
row_status() { # order-id type
	e2e_sql "SELECT string_agg(status, ',' ORDER BY seq) FROM outbox
		WHERE aggregateid = '$1' AND type = '$2'"
}

cancel_order() { # order-id
	e2e_http POST "$E2E_API/api/v1/orders/$1/cancel" '{}'
}

# Messages of this script's order events topic for the order and type.
kafka_count() { # order-id event-type
	timeout 30 kcat -C -q -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$KAFKA_TOPIC_ORDER_EVENTS" \
		-o beginning -e -f '%s\n' 2>/dev/null |
		jq -c --arg o "$1" --arg t "$2" 'select(.order_id == $o and .event_type == $t)' |
		wc -l
}

expect_kafka_count() { # description order-id event-type n
	local deadline=$((SECONDS + LIFE_DEADLINE)) got
	while :; do
		got=$(kafka_count "$2" "$3")
		if [ "$got" = "$4" ] || [ $SECONDS -ge "$deadline" ]; then break; fi
		sleep 0.5
	done
	assert_eq "$1" "$4" "$got"
}

# Waits until no inbox row of the order is pending and no payments row of
# it is pending: everything said about it has been acted on.
settle() { # order-id
	life_expect_sql "order $1: inbox and payment rows settle" \
		"SELECT count(*) FROM inbox WHERE order_id = '$1' AND status = 'pending'
		 UNION ALL SELECT count(*) FROM outbox WHERE aggregateid = '$1'
		 AND destination = 'payments' AND status = 'pending'" $'0\n0'
}

# A signed callback of payment pay-id for the order under the key.
signed_callback() { # order-id payment-id status key
	local body
	body=$(printf '{"id":"%s","user_id":"u-life","order_id":"%s","amount":"%s","status":"%s","idempotency_key":"%s","created_at":"2026-01-01T00:00:00.000Z"}' \
		"$2" "$1" "$AMOUNT" "$3" "$4")
	life_callback "$body" "$(life_sign "$body")"
}

# ------------------------------------------------------------------ tests

test_fingerprint_collision() {
	local key a b
	key=$(e2e_uuid)
	a='{"user_id":"u|sku-1:1","idempotency_key":"'$key'","items":[{"item_id":"sku-2","quantity":1}]}'
	b='{"user_id":"u","idempotency_key":"'$key'","items":[{"item_id":"sku-1","quantity":1},{"item_id":"sku-2","quantity":1}]}'
	e2e_http POST "$E2E_API/api/v1/orders" "$a"
	assert_status "collision: the first body creates (201)" 201
	e2e_http POST "$E2E_API/api/v1/orders" "$b"
	assert_rejected "collision: a body that used to share its fingerprint answers 422" 422 \
		idempotency_key
	e2e_http POST "$E2E_API/api/v1/orders" "$a"
	assert_status "collision: the first body again replays (200)" 200
}

test_callback_without_user() {
	local body key
	life_create_order sku-2 1
	key=$(e2e_uuid)
	body='{"id":"pay-'$key'","order_id":"'$LIFE_ORDER'","amount":"'$AMOUNT'","status":"succeeded","idempotency_key":"'$key'"}'
	life_callback "$body" "$(life_sign "$body")"
	assert_rejected "a signed callback without user_id: 422" 422 user_id
	assert_eq "it is not recorded" 0 \
		"$(e2e_sql "SELECT count(*) FROM inbox WHERE message_id = '$key'")"
}

test_pending_then_succeeded() {
	local o
	sim_plan '{"pending_first":true}'
	life_create_order sku-2 1
	o=$LIFE_ORDER
	expect_paid "pending then succeeded under one key: the order is paid" "$o"
	assert_eq "both statuses are in the inbox under one key" \
		"payment.pending,payment.succeeded" \
		"$(e2e_sql "SELECT string_agg(type, ',' ORDER BY type) FROM inbox WHERE order_id = '$o'
			GROUP BY message_id")"
	sim_plan '{"pending_first":false}'
}

# The relay is stopped: the request cannot leave before the cancel.
test_cancel_before_delivery() {
	local o p
	life_stop outbox-payments TERM
	life_create_order sku-2 1
	o=$LIFE_ORDER
	cancel_order "$o"
	assert_status "cancel right after create: 200" 200
	assert_json "the order is cancelled" '.data.status' cancelled
	assert_eq "the payment request is withdrawn (outbox status cancelled)" cancelled \
		"$(row_status "$o" payment.requested)"
	life_start_worker outbox-payments
	life_create_order sku-2 1
	p=$LIFE_ORDER
	expect_paid "the payments relay is back (another order gets paid)" "$p"
	assert_eq "no payment request of the cancelled order reached the payment service" 0 \
		"$(sim_count requests "$o")"
	assert_eq "nothing to cancel there either" 0 "$(sim_count cancels "$o")"
	assert_eq "no payment.cancel was queued" "" "$(row_status "$o" payment.cancel)"
	assert_eq "the withdrawn request is no dead letter" cancelled \
		"$(row_status "$o" payment.requested)"
}

# True once order-sim recorded n entries of a kind for the order.
wait_sim_count() { # kind order-id n
	local deadline=$((SECONDS + LIFE_DEADLINE))
	while [ "$(sim_count "$1" "$2")" != "$3" ]; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# With the relay running, create and cancel at once, five times (callbacks
# a second late, so every cancel finds the order new): whichever wins, no
# charge stands. The request never reached the payment service (withdrawn),
# or it did, and a cancel followed, and the payment that went through all
# the same was refunded.
test_cancel_race() {
	local i o orders=() ok=0 withdrawn=0 req detail=""
	sim_plan '{"delay_ms":1000}'
	for i in 1 2 3 4 5; do
		life_create_order sku-2 1
		orders+=("$LIFE_ORDER")
		cancel_order "$LIFE_ORDER"
		[ "$E2E_STATUS" = 200 ] || e2e_fail "cancel right after create ($i): 200" "got $E2E_STATUS"
	done
	for o in "${orders[@]}"; do
		settle "$o"
		req=$(row_status "$o" payment.requested)
		if [ "$req" = cancelled ] && [ "$(sim_count requests "$o")" = 0 ]; then
			ok=$((ok + 1))
			withdrawn=$((withdrawn + 1))
		elif [ "$req" = sent ] && wait_sim_count cancels "$o" 1 && wait_sim_count refunds "$o" 1; then
			ok=$((ok + 1))
		else
			detail="$detail order $o: request $req; at the payment service: $(sim_count requests "$o") request(s), $(sim_count cancels "$o") cancel(s), $(sim_count refunds "$o") refund(s); rows: $(e2e_sql "SELECT string_agg(type || '/' || status || '/' || attempts, ' ' ORDER BY seq) FROM outbox WHERE aggregateid = '$o' AND destination = 'payments'");"
		fi
	done
	assert_eq "cancel right after create: each request withdrawn, or cancelled and refunded" \
		5 "$ok"
	[ -z "$detail" ] || e2e_log "$detail"
	e2e_log "cancel race: $withdrawn withdrawn, $((ok - withdrawn)) cancelled after delivery"
	sim_plan '{"delay_ms":50}'
}

# Callbacks come 4 s late: the cancel lands after the delivery and before
# the payment's result, which then succeeds anyway.
test_cancel_after_delivery() {
	local o pid key i refund names m
	sim_plan '{"delay_ms":4000}'
	life_create_order sku-2 1
	o=$LIFE_ORDER
	expect_sim_count "the payment request is delivered" requests "$o" 1
	life_expect_sql "and marked sent" "SELECT status FROM outbox WHERE aggregateid = '$o'
		AND type = 'payment.requested'" sent
	cancel_order "$o"
	assert_status "cancel after delivery: 200" 200
	expect_sim_count "a payment.cancel reaches the payment service" cancels "$o" 1
	sim_entries cancels "$o" | jq '{data: [.data[] | select(.status < 300)]}' >"$E2E_BODY"
	assert_json "the cancel names the order and carries an idempotency key" \
		'.data[0] | (.body.order_id == .order_id) and (.body.idempotency_key | length == 36) and (.headers["idempotency-key"] == .body.idempotency_key)' true

	expect_sim_count "the late succeeded callback is sent" callbacks "$o" 1 20
	pid=$(sim_entries callbacks "$o" | jq -r '.data[0].payment_id')
	expect_sim_count "one refund request reaches the payment service" refunds "$o" 1
	sim_entries refunds "$o" | jq '{data: [.data[] | select(.status < 300)]}' >"$E2E_BODY"
	assert_json "the refund names the payment, the amount and the reason" \
		".data[0].body | (.payment_id == \"$pid\") and (.amount == \"$AMOUNT\") and (.reason | test(\"after the order was cancelled\"))" true

	# The same callback ten more times through the payment service, and ten
	# times more under keys of their own: the payment is refunded once.
	e2e_http POST "$E2E_SIM/_sim/payments/replay" '{"order_id":"'"$o"'","times":10}'
	assert_status "order-sim replays the callback 10 times" 200
	expect_sim_count "the replays are delivered" callbacks "$o" 11
	for i in $(seq 1 10); do
		key=$(e2e_uuid)
		signed_callback "$o" "$pid" succeeded "$key"
		[ "$E2E_STATUS" = 200 ] || e2e_fail "callback $i under a new key: 200" "got $E2E_STATUS"
	done
	settle "$o"
	assert_eq "still exactly one refund row" 1 \
		"$(e2e_sql "SELECT count(*) FROM refunds WHERE order_id = '$o'")"
	assert_eq "still exactly one payment.refund" 1 \
		"$(e2e_sql "SELECT count(*) FROM outbox WHERE aggregateid = '$o' AND type = 'payment.refund'")"
	assert_eq "still one refund request at the payment service" 1 "$(sim_count refunds "$o")"
	expect_kafka_count "order.refund_requested is on Kafka once" "$o" order.refund_requested 1
	life_expect_history "late payment" "$o" ">new new>cancelled cancelled>cancelled"
	e2e_http GET "$E2E_API/api/v1/orders/$o/history"
	assert_json "the history entry says the refund and the payment" \
		".data[2].reason | test(\"refund requested \\\\(payment $pid\\\\)\")" true
	refund=$(life_metric inbox refunds_requested_total refunds_requested_total)
	assert_match "the inbox worker counts the refund (refunds_requested_total)" '^[1-9][0-9]*$' \
		"$refund"
	# The dashboard's refund panel reads the series that counted it.
	names=$(jq -r '.panels[] | select(.title == "Refunds requested") | .targets[].expr' \
		"$SOURCE_DIR/deploy/grafana/dashboards/order-service.json" | grep -oE '[a-z_]+_total' | sort -u)
	assert_match "the dashboard has a refund panel with a counter" '_total' "$names"
	for m in $names; do
		assert_match "the dashboard's refund panel reads a counted series ($m)" '^[1-9][0-9]*$' \
			"$(life_metric inbox "$m" "")"
	done
assert_eq "the order stays cancelled" cancelled "$(life_status "$o")"
	sim_plan '{"delay_ms":50}'
}

# The Kafka relay is stopped, so the paid order is not shipped yet.
test_cancel_paid_before_shipment() {
	local o pid
	life_stop outbox-kafka TERM
	life_create_order sku-2 1
	o=$LIFE_ORDER
	life_expect_status "the order is paid" "$o" paid
	pid=$(sim_entries callbacks "$o" | jq -r '.data[0].payment_id')
	cancel_order "$o"
	assert_status "cancel of the paid order before shipment: 200" 200
	cancel_order "$o"
	assert_status "and again: 200" 200
	expect_sim_count "one refund request reaches the payment service" refunds "$o" 1
	sim_entries refunds "$o" | jq '{data: [.data[] | select(.status < 300)]}' >"$E2E_BODY"
	assert_json "it refunds the payment that paid the order" \
		".data[0].body | (.payment_id == \"$pid\") and (.amount == \"$AMOUNT\")" true
	assert_eq "no payment.cancel for a paid order" "" "$(row_status "$o" payment.cancel)"
	life_start_worker outbox-kafka
	expect_kafka_count "order.refund_requested is on Kafka once" "$o" order.refund_requested 1
	settle "$o"
	assert_eq "one refund" 1 "$(sim_count refunds "$o")"
	life_expect_history "cancel after payment" "$o" \
		">new new>paid paid>cancelled cancelled>cancelled"
}

# Shipping fails for a paid order: cancelled, and its payment refunded.
# (Callbacks come a second late, so the shipping outcome is set first.)
test_shipping_failure_refunds() {
	local o pid
	sim_plan '{"delay_ms":1000}'
	life_create_order sku-2 1
	o=$LIFE_ORDER
	e2e_http POST "$E2E_SIM/_sim/shipping/outcome" '{"order_id":"'"$o"'","outcome":"failed"}'
	assert_status "order-sim will fail the order's shipping" 200
	life_expect_status "the shipping failure cancels the paid order" "$o" cancelled
	sim_plan '{"delay_ms":50}'
	expect_sim_count "its payment is refunded" refunds "$o" 1
	pid=$(sim_entries callbacks "$o" | jq -r '.data[0].payment_id')
	sim_entries refunds "$o" | jq '{data: [.data[] | select(.status < 300)]}' >"$E2E_BODY"
	assert_json "the refund names the payment and the shipping failure" \
		".data[0].body | (.payment_id == \"$pid\") and (.reason | test(\"shipping failed\"))" true
	expect_kafka_count "order.refund_requested is on Kafka once" "$o" order.refund_requested 1
	life_expect_history "shipping failure" "$o" \
		">new new>paid paid>cancelled cancelled>cancelled"
}

# Two dead payment requests of orders no longer new: one paid meanwhile
# (a callback came although the request was refused), one cancelled with its
# row left dead as an older release did. Neither is ever sent again.
test_retry_refuses() {
	local paid gone seq out
	sim_script '[400]'
	life_create_order sku-2 1
	paid=$LIFE_ORDER
	life_expect_sql "a refused payment request is dead" \
		"SELECT status FROM outbox WHERE aggregateid = '$paid' AND type = 'payment.requested'" dead
	signed_callback "$paid" "pay-$paid" succeeded "$(e2e_uuid)"
	expect_paid "the order is paid by a callback all the same" "$paid"
	sim_script '[400]'
	life_create_order sku-2 1
	gone=$LIFE_ORDER
	life_expect_sql "another refused payment request is dead" \
		"SELECT status FROM outbox WHERE aggregateid = '$gone' AND type = 'payment.requested'" dead
	cancel_order "$gone"
	assert_eq "cancelling withdraws the dead request too" cancelled \
		"$(row_status "$gone" payment.requested)"
	e2e_sql "UPDATE outbox SET status = 'dead' WHERE aggregateid = '$gone'
		AND type = 'payment.requested'" >/dev/null

	e2e_admin_http POST "$E2E_ADMIN/admin/dead-letters/outbox/retry-all"
	assert_status "retry-all: 200" 200
	assert_json "retry-all skips both payment requests" '.data.skipped' 2
	assert_json "and says why" '.data.skipped_reason | test("no longer new")' true
	seq=$(e2e_sql "SELECT seq FROM outbox WHERE aggregateid = '$paid' AND type = 'payment.requested'")
	e2e_admin_http POST "$E2E_ADMIN/admin/dead-letters/outbox/$seq/retry"
	assert_rejected "retry of the paid order's payment request: 409" 409 id
	assert_json "saying the order is no longer new" \
		'.errors[0].message | test("which is (paid|shipped|delivered): a payment request is only sent again while its order is new")' true
	out=$(DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox retry all 2>&1)
	assert_match "CLI retry all: both left dead, and why" \
		'2 payment request\(s\) left dead: their orders are no longer new' "$out"
	out=$(DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox retry "$seq" 2>&1) &&
		e2e_fail "CLI retry of the paid order's payment request fails" "$out"
	assert_match "CLI retry <seq>: refused, saying why" 'only sent again while its order is new' "$out"
	sleep 1 # two relay poll intervals: a retried row would be claimed by now
	assert_eq "the rows stay dead" "dead dead" \
		"$(row_status "$paid" payment.requested) $(row_status "$gone" payment.requested)"
	assert_eq "no payment request was sent again" "1 1" \
		"$(sim_count requests "$paid") $(sim_count requests "$gone")"
}

# The payment service fails (every answer 503) while the sweeper (orders
# stale after 2 s) cancels the order; then it recovers.
test_sweeper_while_failing() {
	local o statuses
	life_stop inbox TERM
	life_start_worker inbox ORDER_STALE_AFTER_SECONDS=2
	sim_script "[$(printf '503,%.0s' $(seq 1 59))503]"
	life_create_order sku-2 1
	o=$LIFE_ORDER
	life_expect_status "the sweeper cancels the unpaid order" "$o" cancelled 30
	sim_script '[]' # the payment service recovers
	e2e_http GET "$E2E_API/api/v1/orders/$o/history"
	assert_json "because the payment did not come in time" \
		'.data[-1].reason | test("payment not received")' true
	life_expect_sql "its payment request is withdrawn, not dead" \
		"SELECT status FROM outbox WHERE aggregateid = '$o' AND type = 'payment.requested'" \
		cancelled
	settle "$o"
	statuses=$(sim_entries requests "$o" | jq -r '[.data[].status | tostring] | join(",")')
	assert_match "the payment service never took the payment (only 503s)" '^503(,503)*$' "$statuses"
	assert_eq "so no refund" 0 "$(sim_count refunds "$o")"
	assert_eq "attempts that may have reached it are followed by one cancel" 1 \
		"$(sim_count cancels "$o")"
	assert_eq "the cancel was delivered once the service recovered" sent \
		"$(row_status "$o" payment.cancel)"
}

main() {
	life_init
	life_start_system "${LIFE_WORKERS[@]}"
	test_fingerprint_collision
	test_callback_without_user
	test_pending_then_succeeded
	test_cancel_before_delivery
	test_cancel_race
	test_cancel_after_delivery
	test_cancel_paid_before_shipment
	test_shipping_failure_refunds
	test_retry_refuses
	test_sweeper_while_failing
	assert_eq "no inbox row was rejected as impossible for a payment" "" \
		"$(e2e_sql "SELECT message_id || ': ' || error FROM inbox WHERE source = 'payments'
			AND status = 'rejected'")"
	e2e_finish
}

main
