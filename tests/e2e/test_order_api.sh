#!/usr/bin/env bash
# End-to-end: the order API of DESIGN §4 driven over HTTP against the real
# `order-service api`, a real PostgreSQL and order-sim as the catalog:
# create/get/list/history/cancel, idempotency under concurrency, stock
# reservation on the local inventory under concurrency, hostile input,
# unknown items and an unreachable catalog.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

order_body() { # key item quantity [user]
	printf '{"user_id":"%s","idempotency_key":"%s","items":[{"item_id":"%s","quantity":%s}]}' \
		"${4-user-1}" "$1" "$2" "$3"
}

cents() { # "12.50" -> 1250
	local s=$1
	echo $((10#${s%.*} * 100 + 10#${s#*.}))
}

counts() {
	e2e_sql "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM order_items)
	         || '/' || (SELECT count(*) FROM outbox) || '/' || (SELECT count(*) FROM order_status_history)"
}

# --------------------------------------------------------------- happy path

test_create_get_list_history() {
	local key id unit amount
	key=$(e2e_uuid)
	e2e_http POST "$E2E_API/api/v1/orders" "$(order_body "$key" sku-1 2)"
	assert_status "create: 201" 201
	id=$(jq -r '.data.id // empty' "$E2E_BODY")
	assert_match "create: id is a uuid" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$id"
	assert_json "create: status new" '.data.status' new
	assert_json "create: one line of quantity 2" '[.data.items[].quantity] | tostring' '[2]'
	unit=$(jq -r '.data.items[0].unit_price' "$E2E_BODY")
	amount=$(jq -r '.data.amount' "$E2E_BODY")
	assert_match "create: amount is a two-place decimal string" '^[0-9]+\.[0-9]{2}$' "$amount"
	if [[ "$unit" =~ ^[0-9]+\.[0-9]{2}$ ]] && [[ "$amount" =~ ^[0-9]+\.[0-9]{2}$ ]]; then
		assert_eq "create: amount = 2 x unit price" "$((2 * $(cents "$unit")))" "$(cents "$amount")"
	else
		e2e_fail "create: amount = 2 x unit price" "unit_price=$unit amount=$amount"
	fi
	assert_eq "create: outbox rows written with the order" 3 \
		"$(e2e_sql "SELECT count(*) FROM outbox WHERE aggregateid = '$id'")"

	e2e_http POST "$E2E_API/api/v1/orders" "$(order_body "$key" sku-1 2)"
	assert_status "same key, same body: 200" 200
	assert_json "same key, same body: same order" '.data.id' "$id"

	e2e_http POST "$E2E_API/api/v1/orders" "$(order_body "$key" sku-1 3)"
	assert_rejected "same key, different body: 422" 422 ""
	assert_eq "same key: still one order" 1 \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE idempotency_key = '$key'")"

	e2e_http GET "$E2E_API/api/v1/orders/$id"
	assert_status "get: 200" 200
	assert_json "get: the order" '.data.id + " " + .data.user_id + " " + (.data.items | length | tostring)' "$id user-1 1"

	e2e_http GET "$E2E_API/api/v1/orders?user_id=user-1&limit=50"
	assert_status "list: 200" 200
	assert_json "list: contains the order" "[.data[].id] | index(\"$id\") != null" true

	e2e_http GET "$E2E_API/api/v1/orders/$id/history"
	assert_status "history: 200" 200
	assert_json "history: first entry is to new" '.data[0].to' new

	e2e_http POST "$E2E_API/api/v1/orders/$id/cancel"
	assert_status "cancel: 200" 200
	assert_json "cancel: status cancelled" '.data.status' cancelled
	e2e_http GET "$E2E_API/api/v1/orders/$id/history"
	assert_json "history: last entry is to cancelled" '.data[-1].to' cancelled

	e2e_http GET "$E2E_API/api/v1/orders/$(e2e_uuid)"
	assert_rejected "get unknown order: 404 JSON" 404 ""
}

test_single_item_form_and_header_key() {
	local key
	key=$(e2e_uuid)
	e2e_http POST "$E2E_API/api/v1/orders" '{"user_id":"user-2","item_id":"sku-2","quantity":1}' \
		-H "Idempotency-Key: $key"
	assert_status "single-item form with Idempotency-Key header: 201" 201
	assert_eq "header key stored" 1 "$(e2e_sql "SELECT count(*) FROM orders WHERE idempotency_key = '$key'")"
}

test_health_and_routes() {
	e2e_http GET "$E2E_API/health/live"
	assert_status "health/live: 200" 200
	e2e_http GET "$E2E_API/health/ready"
	assert_status "health/ready: 200" 200
	e2e_http GET "$E2E_ADMIN/metrics"
	assert_status "metrics: 200" 200
	if grep -q '^# TYPE ' "$E2E_BODY"; then e2e_pass "metrics: Prometheus text"; else e2e_fail "metrics: Prometheus text"; fi
	e2e_http GET "$E2E_API/no/such/route"
	assert_rejected "unknown route: 404 JSON" 404 ""
	e2e_http DELETE "$E2E_API/api/v1/orders"
	assert_rejected "wrong method: 405 JSON" 405 ""
}

# ------------------------------------------------------------- concurrency

test_concurrent_duplicates() {
	local key n=32 ids
	key=$(e2e_uuid)
	order_body "$key" sku-3 1 user-3 >"$E2E_TMP/dup.body"
	e2e_parallel_post dup $n "$E2E_API/api/v1/orders" "$E2E_TMP/dup.body"
	assert_eq "$n concurrent duplicates: one order" 1 \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE idempotency_key = '$key'")"
	assert_eq "$n concurrent duplicates: one 201" 1 "$(e2e_count_status dup 201)"
	assert_eq "$n concurrent duplicates: the rest 200" $((n - 1)) "$(e2e_count_status dup 200)"
	ids=$(cat "$E2E_TMP"/dup.*.json | jq -r '.data.id // "none"' | sort -u | tr '\n' ' ')
	assert_match "$n concurrent duplicates: all answer the same id" '^[0-9a-f-]{36} $' "$ids"
}

test_last_unit_local_inventory() {
	local i
	e2e_sql "INSERT INTO inventory (item_id, name, price_cents, available_qty)
	         VALUES ('last-unit', 'The last unit', 1999, 1)" >/dev/null
	for ((i = 1; i <= 5; i++)); do
		order_body "$(e2e_uuid)" last-unit 1 "buyer-$i" >"$E2E_TMP/last.$i.body"
	done
	e2e_parallel_post last 5 "$E2E_LOCAL/api/v1/orders" "$E2E_TMP/last.{i}.body"
	assert_eq "last unit, 5 buyers: one 201" 1 "$(e2e_count_status last 201)"
	assert_eq "last unit, 5 buyers: four 409" 4 "$(e2e_count_status last 409)"
	assert_eq "last unit: stock is 0" 0 "$(e2e_sql "SELECT available_qty FROM inventory WHERE item_id = 'last-unit'")"
	assert_eq "last unit: one order holds it" 1 "$(e2e_sql "SELECT count(*) FROM order_items WHERE item_id = 'last-unit'")"

	e2e_http POST "$E2E_LOCAL/api/v1/orders" "$(order_body "$(e2e_uuid)" no-such-item 1)"
	assert_rejected "local inventory, unknown item: 404" 404 ""
}

# ----------------------------------------------------------- hostile input

reject() { # description status-regex field-regex body
	e2e_http POST "$E2E_API/api/v1/orders" "$4"
	assert_rejected "$1" "$2" "$3"
}

test_bad_inputs() {
	local before k items f
	before=$(counts)
	k=$(e2e_uuid)
	reject "malformed JSON: 400" 400 "" '{"user_id": "u", "items": ['
	reject "not an object: 400" '400|422' "" '[1,2,3]'
	reject "missing user_id" '400|422' user_id "{\"idempotency_key\":\"$k\",\"items\":[{\"item_id\":\"sku-1\",\"quantity\":1}]}"
	reject "missing idempotency_key" '400|422' idempotency_key '{"user_id":"u","items":[{"item_id":"sku-1","quantity":1}]}'
	reject "missing items" '400|422' 'items|item_id' "{\"user_id\":\"u\",\"idempotency_key\":\"$k\"}"
	reject "empty items" '400|422' items "{\"user_id\":\"u\",\"idempotency_key\":\"$k\",\"items\":[]}"
	reject "missing item_id" '400|422' item_id "{\"user_id\":\"u\",\"idempotency_key\":\"$k\",\"items\":[{\"quantity\":1}]}"
	reject "user_id of wrong type" '400|422' user_id "{\"user_id\":5,\"idempotency_key\":\"$k\",\"items\":[{\"item_id\":\"sku-1\",\"quantity\":1}]}"
	reject "empty user_id" '400|422' user_id "$(order_body "$k" sku-1 1 "")"
	reject "user_id too long" '400|422' user_id "$(order_body "$k" sku-1 1 "$(printf 'u%.0s' {1..300})")"
	reject "items of wrong type" '400|422' items "{\"user_id\":\"u\",\"idempotency_key\":\"$k\",\"items\":\"sku-1\"}"
	reject "quantity as a string" '400|422' quantity "$(order_body "$k" sku-1 '"2"')"
	reject "quantity 0" '400|422' quantity "$(order_body "$k" sku-1 0)"
	reject "quantity -1" '400|422' quantity "$(order_body "$k" sku-1 -1)"
	reject "quantity 1.5" '400|422' quantity "$(order_body "$k" sku-1 1.5)"
	reject "quantity beyond int32" '400|422' quantity "$(order_body "$k" sku-1 2147483648)"
	reject "quantity beyond int64" '400|422' quantity "$(order_body "$k" sku-1 99999999999999999999999)"
	reject "non-uuid idempotency_key" '400|422' idempotency_key "$(order_body not-a-uuid sku-1 1)"
	reject "item_id of wrong type" '400|422' item_id "{\"user_id\":\"u\",\"idempotency_key\":\"$k\",\"items\":[{\"item_id\":7,\"quantity\":1}]}"

	items=$(printf '{"item_id":"sku-1","quantity":1},%.0s' {1..1000})
	reject "1000 items" '400|413|422' items "{\"user_id\":\"u\",\"idempotency_key\":\"$k\",\"items\":[${items%,}]}"

	f=$E2E_TMP/big.json
	{ printf '{"user_id":"'; head -c 200000 /dev/zero | tr '\0' u; printf '","idempotency_key":"%s","items":[]}' "$k"; } >"$f"
	reject "200 kB body: 413" 413 "" "@$f"

	f=$E2E_TMP/utf8.json
	printf '{"user_id":"u\xff\xfe","idempotency_key":"%s","items":[{"item_id":"sku-1","quantity":1}]}' "$k" >"$f"
	reject "invalid UTF-8: 400" '400|422' "" "@$f"

	f=$E2E_TMP/deep.json
	{ printf '{"user_id":"u","idempotency_key":"%s","items":' "$k"; printf '[%.0s' {1..5000}; printf ']%.0s' {1..5000}; printf '}'; } >"$f"
	reject "5000-deep nesting" '400|413|422' "" "@$f"

	assert_eq "bad inputs: nothing written (orders/items/outbox/history)" "$before" "$(counts)"
	e2e_http GET "$E2E_API/health/live"
	assert_status "bad inputs: the API is still up" 200
}

# --------------------------------------------------------- catalog errors

test_catalog_errors() {
	local before
	before=$(counts)
	e2e_http POST "$E2E_API/api/v1/orders" "$(order_body "$(e2e_uuid)" sku-does-not-exist 1)"
	assert_rejected "unknown catalog item: 404" 404 ""
	e2e_http POST "$E2E_DOWN/api/v1/orders" "$(order_body "$(e2e_uuid)" sku-1 1)"
	assert_rejected "catalog unreachable: 503, never 404" 503 ""
	assert_eq "catalog errors: nothing written" "$before" "$(counts)"
}

main() {
	e2e_db_create
	e2e_migrate
	e2e_start_sim sim
	e2e_start_api api-unreachable-catalog \
		CATALOG_SERVICE_API_URL="http://127.0.0.1:$(e2e_free_port)/catalog/items" TIMEOUT_READ=2
	E2E_DOWN=$E2E_API
	e2e_start_api api-local-inventory
	E2E_LOCAL=$E2E_API
	e2e_start_api api CATALOG_SERVICE_API_URL="$E2E_SIM/catalog/items"

	test_health_and_routes
	test_create_get_list_history
	test_single_item_form_and_header_key
	test_concurrent_duplicates
	test_last_unit_local_inventory
	test_bad_inputs
	test_catalog_errors
	e2e_finish
}

main
