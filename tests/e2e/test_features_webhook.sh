#!/usr/bin/env bash
# End-to-end: the shop platform's ingress webhook and the egress webhook,
# with every process running (DESIGN §4, §8). A signed POST
# /webhooks/orders/create makes an order that the simulators drive to
# delivered; a replay of the same body answers 200 with the same order,
# another body under the same shop order id 422, a bad signature 401, a
# total that is not the sum of the lines 422. GET /orders/{id}/events lists
# the order's outbox messages with their delivery status. Each order event
# also reaches the egress webhook receiver (order-sim), signed with
# X-Signature, with the {"event", "order_id", "customer_name", "total",
# "sent_at"} payload; a receiver that fails is retried, and one that keeps
# failing leaves a dead letter that an operator's retry delivers.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_life.sh
source "$E2E_DIR/lib_life.sh"

INGRESS_SECRET=e2e-ingress-secret
EGRESS_SECRET=e2e-egress-secret

# Every process also gets the webhook settings.
eval "$(declare -f life_env | sed '1s/^life_env/life_env_base/')"
life_env() {
	life_env_base
	LIFE_ENV+=(INGRESS_WEBHOOK_SECRET="$INGRESS_SECRET"
		WEBHOOK_OUTGOING_URL="$E2E_SIM/_sim/webhook"
		WEBHOOK_OUTGOING_SECRET="$EGRESS_SECRET")
}

# A shop's order body: ref, quantity of the first line, total.
shop_body() { # ref qty total
	printf '{"order_id":"%s","customer":{"name":"Ann Smith","email":"ann@example.com"},"items":[{"sku":"shop-tea","name":"Green tea","quantity":%d,"unit_price":"12.50"},{"sku":"shop-cup","name":"Cup","quantity":1,"unit_price":5}],"shipping_address":"1 Main St\\nSpringfield","total":"%s"}' \
		"$1" "$2" "$3"
}

# POSTs a webhook body signed with the secret given ("" = no signature).
post_webhook() { # body secret
	if [ -n "$2" ]; then
		e2e_http POST "$E2E_API/webhooks/orders/create" "$1" \
			-H "X-Webhook-Signature: $(life_sign "$1" "$2")"
	else
		e2e_http POST "$E2E_API/webhooks/orders/create" "$1"
	fi
}

test_ingress_creates_and_delivers() {
	REF="shop-$$-$RANDOM"
	BODY=$(shop_body "$REF" 2 "30.00")
	post_webhook "$BODY" "$INGRESS_SECRET"
	assert_status "a signed webhook creates an order (201)" 201
	assert_json "the answer says ok" '.data.ok' true
	assert_json "the answer names the shop's order id" '.data.order_id' "$REF"
	ORDER=$(jq -r '.data.id // empty' "$E2E_BODY")
	assert_match "the answer names the new order" '^[0-9a-f-]{36}$' "$ORDER"
	e2e_http GET "$E2E_API/api/v1/orders/$ORDER"
	assert_json "the order's amount is the shop's total" '.data.amount' "30.00"
	assert_json "the shop's prices are kept" '[.data.items[].unit_price] | join(",")' "12.50,5.00"
	assert_json "the order shows its customer" '.data.customer | "\(.name) <\(.email)>"' \
		"Ann Smith <ann@example.com>"
	assert_json "the order shows its address" '.data.shipping_address' $'1 Main St\nSpringfield'
	assert_json "the order shows its external reference" '.data.external_ref' "$REF"
	assert_json "the order's source is webhook" '.data.source' webhook
	life_expect_status "the webhook order is delivered through the simulators" "$ORDER" delivered
	life_expect_history "webhook order" "$ORDER" ">new new>paid paid>shipped shipped>delivered"
}

test_ingress_replays_and_refusals() {
	post_webhook "$BODY" "$INGRESS_SECRET"
	assert_status "the same body again answers 200" 200
	assert_json "a replay names the same order" '.data.id' "$ORDER"
	post_webhook "$(shop_body "$REF" 3 "42.50")" "$INGRESS_SECRET"
	assert_rejected "another body under the same shop order id: 422" 422 order_id
	post_webhook "$(shop_body "other-$REF" 2 "30.00")" "wrong-secret"
	assert_rejected "a bad signature: 401" 401 ""
	post_webhook "$(shop_body "other-$REF" 2 "30.00")" ""
	assert_rejected "no signature: 401" 401 ""
	post_webhook "$(shop_body "other-$REF" 2 "31.00")" "$INGRESS_SECRET"
	assert_rejected "a total that is not the sum of the lines: 422" 422 total
	post_webhook '{"order_id":"x","customer":{"name":"A"},"items":[],"total":"1"}' "$INGRESS_SECRET"
	assert_rejected "a body without a customer e-mail: 400" 400 'customer.email'
	assert_eq "refused webhooks made no order" 1 \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE external_ref LIKE '%$REF'")"
}

test_events_route() {
	local want
	life_expect_sql "the order's notifications and webhooks are all sent" \
		"SELECT count(*) FROM outbox WHERE aggregateid = '$ORDER' AND status <> 'sent'" 0
	e2e_http GET "$E2E_API/api/v1/orders/$ORDER/events"
	assert_status "GET /events answers 200" 200
	want=$(e2e_sql "SELECT count(*) FROM outbox WHERE aggregateid = '$ORDER'")
	assert_json "every outbox message of the order is listed" '.data | length' "$want"
	assert_json "oldest first: the payment request opens the list" '.data[0].type' payment.requested
	assert_json "each has type, destination, status, attempts and times" \
		'[.data[] | (.type|type) == "string" and (.destination|type) == "string" and (.attempts|type) == "number" and (.created_at|type) == "string"] | all' true
	assert_json "the delivered event went to Kafka and was sent" \
		'[.data[] | select(.type == "order.delivered" and .destination == "'"$KAFKA_TOPIC_ORDER_EVENTS"'") | .status] | join(",")' sent
	assert_json "sent messages carry sent_at" '[.data[] | select(.status == "sent") | .sent_at != null] | all' true
	assert_json "the egress webhook rows are listed" '[.data[] | select(.destination == "webhook")] | length' 4
	e2e_http GET "$E2E_API/api/v1/orders/$(e2e_uuid)/events"
	assert_rejected "events of an unknown order: 404" 404 ""
	e2e_http GET "$E2E_API/api/v1/orders/not-a-uuid/events"
	assert_rejected "events of a malformed id: 400" 400 id
}

# The order's Kafka events and notifications carry where it came from.
test_messages_carry_origin() {
	local events
	events=$(timeout 60 kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$KAFKA_TOPIC_ORDER_EVENTS" -C -o beginning -e \
		-q -f '%s\n' 2>/dev/null | jq -c "select(.order_id == \"$ORDER\")")
	assert_eq "order.created on Kafka carries source, customer, address and reference" \
		"webhook|Ann Smith|ann@example.com|$REF|true" \
		"$(jq -r 'select(.event_type == "order.created") | "\(.source)|\(.customer.name)|\(.customer.email)|\(.external_ref)|\(.shipping_address | length > 0)"' <<<"$events")"
	assert_eq "every order event of the order carries the source" "webhook" \
		"$(jq -r '.source' <<<"$events" | sort -u | tr '\n' ' ' | sed 's/ $//')"
	e2e_http GET "$E2E_SIM/_sim/notifications?order_id=$ORDER"
	assert_json "the notifications name the customer" \
		'[.data[].body.customer.email] | unique | join(",")' "ann@example.com"
}

# An order made through the API may carry a customer and an address too.
test_api_order_with_customer() {
	local body
	body=$(printf '{"user_id":"u-feat","idempotency_key":"%s","items":[{"item_id":"sku-2","quantity":1}],"customer":{"name":"Bob","email":"bob@example.com"},"shipping_address":"2 High St"}' "$(e2e_uuid)")
	e2e_http POST "$E2E_API/api/v1/orders" "$body"
	assert_status "an API order with a customer (201)" 201
	assert_json "it shows customer, address and source api" \
		'.data | "\(.customer.name)|\(.customer.email)|\(.shipping_address)|\(.source)|\(.external_ref)"' \
		"Bob|bob@example.com|2 High St|api|null"
	e2e_http POST "$E2E_API/api/v1/orders" "${body/Bob/Robert}"
	assert_rejected "the same key with another customer: 422" 422 idempotency_key
}

# Checks every request the receiver recorded for the order: signature valid
# under the egress secret, payload fields as documented.
test_egress_webhook() {
	local n i raw sig events
	e2e_http GET "$E2E_SIM/_sim/webhook?order_id=$ORDER"
	events=$(jq -r '[.data[].event] | unique | join(",")' "$E2E_BODY")
	assert_eq "every order event reached the egress webhook" \
		"order.created,order.delivered,order.paid,order.shipped" "$events"
	cp "$E2E_BODY" "$E2E_TMP/webhook.json"
	n=$(jq '.data | length' "$E2E_TMP/webhook.json")
	for ((i = 0; i < n; i++)); do
		raw=$(jq -j ".data[$i].raw" "$E2E_TMP/webhook.json")
		sig=$(jq -r ".data[$i].signature" "$E2E_TMP/webhook.json")
		[ "$sig" = "$(life_sign "$raw" "$EGRESS_SECRET")" ] || break
	done
	assert_eq "every egress request is signed (X-Signature HMAC of the body)" "$n" "$i"
	assert_json "the payload has exactly the documented keys" \
		'[.data[].body | keys | join(",")] | unique | join(";")' "customer_name,event,order_id,sent_at,total"
	assert_json "the payload names the customer and the total" \
		'[.data[].body | "\(.customer_name)|\(.total)|\(.order_id)"] | unique | join(";")' \
		"Ann Smith|30.00|$ORDER"
	assert_json "sent_at is an RFC 3339 UTC time" \
		'[.data[].body.sent_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")] | all' true
	assert_json "each request carries an Idempotency-Key" '[.data[].idempotency_key != null] | all' true
}

# The receiver fails the next 2 requests; the relay retries until it is sent.
test_egress_retried() {
	local ref body id
	e2e_http POST "$E2E_SIM/_sim/webhook/fail" '{"count":2}'
	assert_status "make the receiver fail twice" 200
	ref="retry-$$-$RANDOM"
	body=$(shop_body "$ref" 1 "17.50")
	post_webhook "$body" "$INGRESS_SECRET"
	assert_status "a second webhook order (201)" 201
	id=$(jq -r '.data.id' "$E2E_BODY")
	life_expect_sql "its order.created webhook is sent after the failures" \
		"SELECT status || ':' || (attempts > 0) FROM outbox WHERE aggregateid = '$id' AND destination = 'webhook' AND type = 'order.created'" "sent:true"
	e2e_http GET "$E2E_SIM/_sim/webhook?order_id=$id"
	assert_json "the receiver saw the 503s and then a 200" \
		'[.data[] | select(.event == "order.created") | .http_status] | .[-1] == 200 and (map(select(. == 503)) | length) >= 1' true
}

# A receiver that keeps failing: after MAX_RETRY attempts the row is dead
# (shown so by /events), the order's notification is delivered all the
# same, and an operator's retry sends it once the receiver is back.
test_egress_dead_letter() {
	local id q
	life_stop outbox-notifications TERM
	life_start_worker outbox-notifications MAX_RETRY=2
	e2e_http POST "$E2E_SIM/_sim/webhook/fail" '{"count":1000}'
	post_webhook "$(shop_body "dead-$$-$RANDOM" 1 "17.50")" "$INGRESS_SECRET"
	assert_status "a third webhook order (201)" 201
	id=$(jq -r '.data.id' "$E2E_BODY")
	q="FROM outbox WHERE aggregateid = '$id' AND type = 'order.created'"
	life_expect_sql "its egress webhook row is dead after MAX_RETRY attempts" \
		"SELECT status || ':' || attempts $q AND destination = 'webhook'" "dead:2"
	life_expect_sql "its notification is sent all the same" \
		"SELECT status $q AND destination = 'notifications'" sent
	e2e_http GET "$E2E_API/api/v1/orders/$id/events"
	assert_json "/events shows the dead letter" \
		'[.data[] | select(.destination == "webhook" and .type == "order.created") | "\(.status) \(.attempts) \(.sent_at)"] | join(",")' \
		"dead 2 null"
	e2e_http POST "$E2E_SIM/_sim/webhook/fail" '{"count":0}'
	DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox retry all >"$E2E_TMP/retry.out" 2>&1
	assert_eq "the operator's retry succeeds" 0 $?
	life_expect_sql "after the retry the webhook row is sent" \
		"SELECT status $q AND destination = 'webhook'" sent
}

main() {
	life_init
	life_start_system "${LIFE_WORKERS[@]}"
	test_ingress_creates_and_delivers
	test_ingress_replays_and_refusals
	test_events_route
	test_messages_carry_origin
	test_api_order_with_customer
	test_egress_webhook
	test_egress_retried
	test_egress_dead_letter
	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	e2e_finish
}

main
