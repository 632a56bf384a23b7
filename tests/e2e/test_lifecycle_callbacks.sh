#!/usr/bin/env bash
# End-to-end: payment callbacks into the inbox (DESIGN §4, §5). The callback
# route refuses a missing or wrong X-Signature (401), an unknown order (404)
# and a wrong amount (422), and records a valid one (200). The same callback
# sent 25 times (at once) is recorded once and moves the order once; the rest
# of the lifecycle still runs on the simulators to delivered.
#
# outbox-payments is not started, so the payment service never calls back by
# itself: every callback here is signed by hand with openssl.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_life.sh
source "$E2E_DIR/lib_life.sh"

REPEATS=25

inbox_rows_for_key() { # idempotency-key
	e2e_sql "SELECT count(*) FROM inbox WHERE source = 'payments' AND message_id = '$1'"
}

test_signature_checks() {
	local body key
	key=$(e2e_uuid)
	body=$(life_callback_body "$ORDER" 12.50 succeeded "$key")
	life_callback "$body" ""
	assert_rejected "callback without X-Signature: 401" 401 ""
	life_callback "$body" "$(life_sign "$body" wrong-secret)"
	assert_rejected "callback signed with another secret: 401" 401 ""
	life_callback "$body" "$(life_sign "${body/12.50/0.01}")"
	assert_rejected "callback whose body differs from what was signed: 401" 401 ""
	life_callback "$body" "sha256=zz"
	assert_rejected "callback with a malformed signature: 401" 401 ""
	life_callback "$body" "$(life_sign "$body" | sed 's/^sha256=//')"
	assert_rejected "callback signature without the sha256= prefix: 401" 401 ""
	assert_eq "refused callbacks are not recorded" 0 "$(inbox_rows_for_key "$key")"
}

test_order_checks() {
	local body key
	key=$(e2e_uuid)
	body=$(life_callback_body "$(e2e_uuid)" 12.50 succeeded "$key")
	life_callback "$body" "$(life_sign "$body")"
	assert_rejected "callback for an unknown order: 404" 404 "order_id"
	body=$(life_callback_body "$ORDER" 12.51 succeeded "$key")
	life_callback "$body" "$(life_sign "$body")"
	assert_rejected "callback with the wrong amount: 422" 422 "amount"
	body=$(life_callback_body "$ORDER" 12.50 refunded "$key")
	life_callback "$body" "$(life_sign "$body")"
	assert_rejected "callback with an unknown status: 4xx" '4[0-9][0-9]' "status"
	assert_eq "the refused callbacks are not recorded" 0 "$(inbox_rows_for_key "$key")"
	assert_eq "the order is still new" new "$(life_status "$ORDER")"
}

# The first of 25 identical signed callbacks records; all answer 200.
test_repeated_callbacks() {
	local body sig key=$1
	body=$(life_callback_body "$ORDER" 12.50 succeeded "$key")
	sig=$(life_sign "$body")
	printf '%s' "$body" >"$E2E_TMP/callback.json"
	life_callback "$body" "$sig"
	assert_status "a valid signed callback: 200" 200
	assert_json "it is recorded" '.data.recorded' true
	e2e_parallel_post repeats "$REPEATS" "$E2E_API/api/v1/orders/payment-callback" \
		"$E2E_TMP/callback.json" "X-Signature: $sig"
	assert_eq "$REPEATS repeats at once: every one answers 200" "$REPEATS" \
		"$(e2e_count_status repeats 200)"
	assert_eq "$REPEATS repeats: none is recorded again" "$REPEATS" \
		"$(grep -l '"recorded":false' "$E2E_TMP"/repeats.*.json | wc -l)"
	life_expect_status "the callback pays the order" "$ORDER" paid
	assert_eq "the inbox has one row for the key" 1 "$(inbox_rows_for_key "$key")"
	life_expect_sql "the row is processed" \
		"SELECT status FROM inbox WHERE message_id = '$key'" processed
	assert_eq "history has one new -> paid" 1 \
		"$(e2e_sql "SELECT count(*) FROM order_status_history WHERE order_id = '$ORDER' AND to_status = 'paid'")"
}

# After delivery: the same key again changes nothing; a second payment with
# a key and a payment id of its own is refunded (DESIGN §5), which the
# history shows without a transition.
test_late_callbacks() {
	local key=$1 body other
	body=$(life_callback_body "$ORDER" 12.50 succeeded "$key")
	life_callback "$body" "$(life_sign "$body")"
	assert_status "the same callback after delivery: 200" 200
	assert_json "it is not recorded again" '.data.recorded' false
	other=$(e2e_uuid)
	body=$(life_callback_body "$ORDER" 12.50 succeeded "$other")
	life_callback "$body" "$(life_sign "$body")"
	assert_status "another payment for the delivered order: 200" 200
	life_expect_sql "the inbox worker settles it without applying it" \
		"SELECT status <> 'pending' FROM inbox WHERE message_id = '$other'" t
	assert_eq "the order stays delivered" delivered "$(life_status "$ORDER")"
	life_expect_history "after late callbacks" "$ORDER" \
		">new new>paid paid>shipped shipped>delivered delivered>delivered"
	assert_eq "the second payment is refunded once" "pay-$other" \
		"$(e2e_sql "SELECT string_agg(payment_id, ',') FROM refunds WHERE order_id = '$ORDER'")"
	assert_eq "no inbox message id appears twice" "" "$(life_duplicated_inbox)"
}

main() {
	local key
	life_init
	life_start_system outbox-notifications outbox-kafka shipping-consumer inbox
	life_create_order sku-2 1
	ORDER=$LIFE_ORDER
	assert_json "the order costs 12.50" '.data.amount' "12.50"
	test_signature_checks
	test_order_checks
	key=$(e2e_uuid)
	test_repeated_callbacks "$key"
	life_expect_status "shipping by the simulator delivers it" "$ORDER" delivered
	test_late_callbacks "$key"
	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	e2e_finish
}

main
