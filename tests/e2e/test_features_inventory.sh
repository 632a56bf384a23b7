#!/usr/bin/env bash
# End-to-end: the inventory routes of the local catalog (DESIGN §4), on the
# real API without a catalog service. Items are put, read and listed with
# keyset pagination; POST .../adjust changes stock atomically: under 20
# concurrent decrements of a stock of 10, exactly 10 succeed, the others are
# refused with 409, and the stock ends at 0, never below. An order then sees
# the stock the routes set, and the price they set at once, although the
# API's catalog cache (a minute by default here) holds the old one.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"

put_item() { # id name price qty
	e2e_http PUT "$E2E_API/api/v1/inventory/$1" \
		"$(printf '{"name":"%s","price":"%s","available_qty":%d}' "$2" "$3" "$4")"
}

order_amount() { # item: the amount of a new order of one unit (or the error code)
	e2e_http POST "$E2E_API/api/v1/orders" \
		"$(printf '{"user_id":"u-inv","idempotency_key":"%s","items":[{"item_id":"%s","quantity":1}]}' \
			"$(e2e_uuid)" "$1")"
	jq -r '.data.amount // .errors[0].code' "$E2E_BODY"
}

test_put_get_list() {
	local i after ids
	put_item inv-a "Tea" 3.50 5
	assert_status "PUT of a new item: 201" 201
	assert_json "the answer is the item" '.data | "\(.item_id) \(.name) \(.price) \(.available_qty)"' \
		"inv-a Tea 3.50 5"
	put_item inv-a "Green tea" 4.00 7
	assert_status "PUT of an existing item: 200" 200
	e2e_http GET "$E2E_API/api/v1/inventory/inv-a"
	assert_status "GET the item: 200" 200
	assert_json "GET shows the replaced item" '.data | "\(.name) \(.price) \(.available_qty)"' \
		"Green tea 4.00 7"
	e2e_http GET "$E2E_API/api/v1/inventory/inv-nope"
	assert_rejected "GET an unknown item: 404" 404 ""
	put_item inv-b "Cup" -1 1
	assert_rejected "a negative price: 400" 400 price
	put_item inv-b "Cup" 1 -1
	assert_rejected "a negative stock: 422" 422 available_qty
	e2e_http PUT "$E2E_API/api/v1/inventory/inv-b" '{"name":"Cup","price":"1.00"}'
	assert_rejected "a PUT without available_qty: 400" 400 available_qty
	for i in b c d e; do put_item "inv-$i" "Item $i" 1 1; done
	ids="" after=""
	for i in 1 2 3 4; do
		e2e_http GET "$E2E_API/api/v1/inventory?limit=2${after:+&after=$after}"
		ids="$ids$(jq -r '[.data[].item_id] | join(" ")' "$E2E_BODY") "
		after=$(jq -r '.meta.next_after // empty' "$E2E_BODY")
		[ -n "$after" ] || break
	done
	assert_eq "keyset pages list every item once, in order" \
		"inv-a inv-b inv-c inv-d inv-e" "$(echo $ids)"
	e2e_http GET "$E2E_API/api/v1/inventory?limit=0"
	assert_rejected "limit 0: 400" 400 limit
}

test_adjust_rules() {
	e2e_http POST "$E2E_API/api/v1/inventory/inv-a/adjust" '{"delta":3}'
	assert_status "adjust +3: 200" 200
	assert_json "the stock went up" '.data.available_qty' 10
	e2e_http POST "$E2E_API/api/v1/inventory/inv-a/adjust" '{"delta":-11}'
	assert_rejected "adjust below zero: 409" 409 delta
	e2e_http POST "$E2E_API/api/v1/inventory/inv-a/adjust" '{"delta":"x"}'
	assert_rejected "a delta that is not an integer: 400" 400 delta
	e2e_http POST "$E2E_API/api/v1/inventory/inv-nope/adjust" '{"delta":1}'
	assert_rejected "adjust of an unknown item: 404" 404 ""
	e2e_http GET "$E2E_API/api/v1/inventory/inv-a"
	assert_json "refused adjustments changed nothing" '.data.available_qty' 10
}

test_concurrent_adjust() {
	local ok conflict
	printf '{"delta":-1}' >"$E2E_TMP/minus1.json"
	e2e_parallel_post adj 20 "$E2E_API/api/v1/inventory/inv-a/adjust" "$E2E_TMP/minus1.json"
	ok=$(e2e_count_status adj 200)
	conflict=$(e2e_count_status adj 409)
	assert_eq "10 of 20 concurrent decrements of a stock of 10 succeed" 10 "$ok"
	assert_eq "the other 10 are refused with 409" 10 "$conflict"
	assert_eq "the stock ends at 0" 0 "$(e2e_sql "SELECT available_qty FROM inventory WHERE item_id = 'inv-a'")"
	assert_eq "every success saw a distinct stock left (no unit sold twice)" 10 \
		"$(cat "$E2E_TMP"/adj.*.json | jq -r 'select(.data != null) | .data.available_qty' | sort -u | wc -l)"
}

test_orders_see_the_stock() {
	local body
	body=$(printf '{"user_id":"u-inv","idempotency_key":"%s","items":[{"item_id":"inv-a","quantity":1}]}' "$(e2e_uuid)")
	e2e_http POST "$E2E_API/api/v1/orders" "$body"
	assert_rejected "an order for an item out of stock: 409" 409 ""
	e2e_http POST "$E2E_API/api/v1/inventory/inv-a/adjust" '{"delta":2}'
	e2e_http POST "$E2E_API/api/v1/orders" "$body"
	assert_status "after restocking the order is created" 201
	assert_json "priced from the inventory" '.data.amount' "4.00"
	e2e_http GET "$E2E_API/api/v1/inventory/inv-a"
	assert_json "the order took its unit" '.data.available_qty' 1
}

test_orders_see_a_new_price() {
	local i amounts=""
	put_item inv-p "Priced" 2.00 100
	# Every API loop caches the price (each request may land on another).
	for i in 1 2 3 4 5 6; do amounts="$amounts$(order_amount inv-p) "; done
	assert_eq "orders at the first price" "2.00 2.00 2.00 2.00 2.00 2.00" "$(echo $amounts)"
	put_item inv-p "Priced" 3.00 100
	amounts=""
	for i in 1 2 3 4 5 6; do amounts="$amounts$(order_amount inv-p) "; done
	assert_eq "orders right after the change are charged the new price" \
		"3.00 3.00 3.00 3.00 3.00 3.00" "$(echo $amounts)"
	assert_eq "the stored lines carry the price charged" "6 6" \
		"$(e2e_sql "SELECT count(*) FILTER (WHERE unit_price_cents = 200) || ' ' || count(*) FILTER (WHERE unit_price_cents = 300) FROM order_items WHERE item_id = 'inv-p'")"
	assert_eq "the new price's orders took one unit each of the stock the PUT set" 94 \
		"$(e2e_sql "SELECT available_qty FROM inventory WHERE item_id = 'inv-p'")"
}

# The dev stack's seeder fills an empty local catalog through the routes,
# and leaves existing items alone when run again.
test_dev_seed() {
	local out
	out=$(APP_PORT=${E2E_API##*:} INVENTORY_SEED_TOKEN=${E2E_TOKEN:-} SEED_WAIT_SECONDS=30 \
		bash "$SOURCE_DIR/scripts/dev-seed-inventory.sh" 2>&1)
	assert_match "the seeder reports its items" '6 item\(s\) seeded' "$out"
	e2e_http GET "$E2E_API/api/v1/inventory/sku-1"
	assert_json "sku-1 is in the local catalog with the simulator's price" \
		'.data | "\(.name)|\(.price)"' "Espresso beans 1 kg|350.00"
	e2e_http POST "$E2E_API/api/v1/inventory/sku-1/adjust" '{"delta":-1}'
	out=$(APP_PORT=${E2E_API##*:} INVENTORY_SEED_TOKEN=${E2E_TOKEN:-} SEED_WAIT_SECONDS=30 \
		bash "$SOURCE_DIR/scripts/dev-seed-inventory.sh" 2>&1)
	assert_match "a second run seeds nothing" '0 item\(s\) seeded' "$out"
	e2e_http GET "$E2E_API/api/v1/inventory/sku-1"
	assert_json "and keeps the stock as it moved" '.data.available_qty' 999
	local rc
	out=$(APP_PORT=${E2E_API##*:} INVENTORY_SEED_TOKEN=not-a-key SEED_WAIT_SECONDS=30 \
		bash "$SOURCE_DIR/scripts/dev-seed-inventory.sh" 2>&1)
	rc=$?
	assert_eq "a seeder whose token is refused exits 1" 1 "$rc"
	assert_match "and says what was answered" 'GET sku-1 answered 401' "$out"
}

main() {
	e2e_db_create
	e2e_migrate
	e2e_start_api api
	test_put_get_list
	test_adjust_rules
	test_concurrent_adjust
	test_orders_see_the_stock
	test_orders_see_a_new_price
	test_dev_seed
	e2e_finish
}

main
