#!/usr/bin/env bash
# End-to-end: the order lifecycle with every process running (DESIGN §2, §5).
# Driven only by the simulators, an order goes new -> paid -> shipped ->
# delivered, and its history lists each transition with a reason and an
# RFC 3339 time. A failed payment ends in cancelled; a cancel request
# cancels a new order and is refused (409) on a delivered one; the sweeper
# cancels an order left in new past ORDER_STALE_AFTER_SECONDS.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_life.sh
source "$E2E_DIR/lib_life.sh"


test_delivered_by_simulators() {
	life_create_order sku-1 2
	DELIVERED=$LIFE_ORDER
	assert_json "a new order starts in new" '.data.status' new
	assert_json "the amount comes from the catalog" '.data.amount' "700.00"
	life_expect_status "the simulators drive the order to delivered" "$DELIVERED" delivered
	life_expect_history "delivered order" "$DELIVERED" "$LIFE_HAPPY"
	e2e_http GET "$E2E_SIM/_sim/payments/requests?order_id=$DELIVERED"
	assert_json "the payment service got one request for the order" '.data | length' 1
	e2e_http GET "$E2E_SIM/_sim/payments/callbacks?order_id=$DELIVERED"
	assert_json "its signed callback was accepted" \
		'[.data[] | .http_status] | unique | map(tostring) | join(",")' 200
}

test_cancel_delivered_conflicts() {
	e2e_http POST "$E2E_API/api/v1/orders/$DELIVERED/cancel" '{"reason":"too late"}'
	assert_rejected "cancel of a delivered order: 409" 409 ""
	assert_eq "the delivered order stays delivered" delivered "$(life_status "$DELIVERED")"
	assert_eq "the refused cancel wrote no history" "$LIFE_HAPPY" "$(life_transitions "$DELIVERED")"
}

# With outbox-payments stopped nothing is paid: the order stays new.
test_cancel_new_order() {
	local id
	life_create_order sku-3 1
	id=$LIFE_ORDER
	e2e_http POST "$E2E_API/api/v1/orders/$id/cancel" '{"reason":"customer changed mind"}'
	assert_status "cancel of a new order: 200" 200
	assert_json "the answer shows it cancelled" '.data.status' cancelled
	life_expect_history "cancelled order" "$id" ">new new>cancelled"
	assert_eq "the cancel reason is recorded" "customer changed mind" \
		"$(e2e_sql "SELECT reason FROM order_status_history WHERE order_id = '$id' AND to_status = 'cancelled'")"
	# Cancelling a cancelled order is a duplicate: answered, not recorded.
	e2e_http POST "$E2E_API/api/v1/orders/$id/cancel" '{}'
	assert_status "a second cancel is idempotent (200)" 200
	assert_eq "a second cancel writes no history" ">new new>cancelled" "$(life_transitions "$id")"
}

# The outcome is forced before the payment is even requested; then the
# relay starts and the failed callback cancels the order.
test_failed_payment_cancels() {
	local id
	life_create_order sku-4 1
	id=$LIFE_ORDER
	e2e_http POST "$E2E_SIM/_sim/payments/outcome" "{\"order_id\":\"$id\",\"status\":\"failed\"}"
	assert_status "force the payment to fail" 200
	assert_eq "the order waits in new while payments are stopped" new "$(life_status "$id")"
	life_start_worker outbox-payments
	life_expect_status "a failed payment cancels the order" "$id" cancelled
	life_expect_history "failed payment" "$id" ">new new>cancelled"
	assert_match "the reason names the failed payment" '^payment failed' \
		"$(e2e_sql "SELECT reason FROM order_status_history WHERE order_id = '$id' AND to_status = 'cancelled'")"
	life_stop outbox-payments TERM
}

# The inbox worker sweeps every 10 s; an order older than 1 s is stale.
test_stale_order_swept() {
	local id
	life_stop inbox TERM
	life_start_worker inbox ORDER_STALE_AFTER_SECONDS=1
	life_create_order sku-5 1
	id=$LIFE_ORDER
	life_expect_status "the sweeper cancels an order left in new" "$id" cancelled 45
	life_expect_history "stale order" "$id" ">new new>cancelled"
	assert_match "the reason says it was stale" 'stale|expired|timed? ?out|deadline' \
		"$(e2e_sql "SELECT reason FROM order_status_history WHERE order_id = '$id' AND to_status = 'cancelled'")"
	assert_eq "the delivered order is untouched by the sweeper" delivered "$(life_status "$DELIVERED")"
}

main() {
	life_init
	life_start_system "${LIFE_WORKERS[@]}"
	test_delivered_by_simulators
	test_cancel_delivered_conflicts
	life_stop outbox-payments TERM
	test_cancel_new_order
	test_failed_payment_cancels
	test_stale_order_swept
	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	e2e_finish
}

main
