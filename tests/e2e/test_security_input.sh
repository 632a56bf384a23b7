#!/usr/bin/env bash
# End-to-end: hostile input (DESIGN §4 Limits, §12). Each input answers 4xx
# JSON and writes nothing: an overlong UTF-8 form in a cancel reason, a
# surrogate escape or an escaped NUL in user_id, raw surrogate bytes, item
# ids that would walk the catalog's paths, a made-up HTTP method. A dead
# outbox row with a very long type is still listed, by GET
# /admin/dead-letters and by `order-service outbox list`.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_security.sh
source "$E2E_DIR/lib_security.sh"

counts() {
	e2e_sql "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM order_status_history) || '/' || (SELECT count(*) FROM outbox)"
}

# Posts the bytes of a printf format as the body; asserts 4xx and no write.
hostile() { # description method path printf-format
	local before
	before=$(counts)
	# shellcheck disable=SC2059
	printf "$4" >"$E2E_TMP/hostile.json"
	e2e_http "$2" "$E2E_API$3" "@$E2E_TMP/hostile.json"
	assert_rejected "$1: 4xx" '4[0-9][0-9]' ""
	assert_eq "$1: nothing written" "$before" "$(counts)"
}

create_body() { # user-json item-json (already JSON-quoted)
	echo "{\"user_id\":$1,\"idempotency_key\":\"$(e2e_uuid)\",\"items\":[{\"item_id\":$2,\"quantity\":1}]}"
}

test_hostile_bodies() {
	local order before
	order=$(sec_create "$E2E_SERVICE_KEY" u-input)
	assert_match "a valid order to aim at" '^[0-9a-f-]{36}$' "$order"
	hostile "cancel reason with an overlong '/' (C0 AF)" POST "/api/v1/orders/$order/cancel" '{"reason":"\xc0\xaf"}'
	hostile "cancel reason with raw surrogate bytes (ED A0 80)" POST "/api/v1/orders/$order/cancel" '{"reason":"\xed\xa0\x80"}'
	hostile "cancel reason with a 4-byte overlong" POST "/api/v1/orders/$order/cancel" '{"reason":"\xf0\x80\x80\xaf"}'
	hostile "cancel reason with \\\\u0000" POST "/api/v1/orders/$order/cancel" '{"reason":"a\\u0000b"}'
	assert_eq "the order is still new" new "$(e2e_sql "SELECT status FROM orders WHERE id = '$order'")"
	hostile "user_id with a lone surrogate escape" POST /api/v1/orders "$(create_body '"u\\ud800x"' "\"$SEC_ITEM\"")"
	hostile "user_id with a lone low surrogate escape" POST /api/v1/orders "$(create_body '"u\\udc00x"' "\"$SEC_ITEM\"")"
	hostile "user_id with an escaped NUL" POST /api/v1/orders "$(create_body '"u\\u0000x"' "\"$SEC_ITEM\"")"
	hostile "user_id with an overlong NUL (C0 80)" POST /api/v1/orders "$(create_body '"u\xc0\x80x"' "\"$SEC_ITEM\"")"
	hostile "item id ../../health" POST /api/v1/orders "$(create_body '"u1"' '"../../health"')"
	hostile "item id .." POST /api/v1/orders "$(create_body '"u1"' '".."')"
	hostile "item id with a slash" POST /api/v1/orders "$(create_body '"u1"' '"a/b"')"
	hostile "item id with a percent" POST /api/v1/orders "$(create_body '"u1"' '"a%%2Fb"')"
	hostile "item id with a space" POST /api/v1/orders "$(create_body '"u1"' '"a b"')"
	hostile "item id with a question mark" POST /api/v1/orders "$(create_body '"u1"' '"a?x=1"')"
	before=$(counts)
	e2e_http POST "$E2E_API/api/v1/orders/bulk" "[$(create_body '"\ud83d"' "\"$SEC_ITEM\"")]"
	assert_json "bulk element with a lone surrogate escape: its status is 400" '.data[0].status' 400
	assert_eq "bulk element with a lone surrogate escape: nothing written" "$before" "$(counts)"
	e2e_http POST "$E2E_API/api/v1/orders" "$(create_body '"u-pair-\ud83d\ude00"' "\"$SEC_ITEM\"")"
	assert_rejected "a well-formed surrogate pair in user_id is still not an identifier (4xx)" '4[0-9][0-9]' ""
	e2e_http POST "$E2E_API/api/v1/orders" "$(create_body '"u-ok"' '"Item_1.2:3-x"')"
	assert_status "an item id of the allowed characters passes the check (404: not in the inventory)" 404
}

test_unknown_method() {
	local before
	before=$(counts)
	e2e_http FOOBAR "$E2E_API/api/v1/orders"
	assert_match "made-up method: 4xx" '^4[0-9][0-9]$' "$E2E_STATUS"
	assert_eq "made-up method: nothing written" "$before" "$(counts)"
}

test_long_dead_letter() {
	local type
	type=$(head -c 5000 /dev/zero | tr '\0' 't')
	e2e_sql "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination, status, attempts, last_error)
		VALUES ('$(e2e_uuid)', 'order', '$(e2e_uuid)', 'é$type', '{}', 'payments', 'dead', 3, '$(head -c 9000 /dev/zero | tr '\0' 'e')')" >/dev/null
	e2e_admin_http GET "$E2E_ADMIN/admin/dead-letters?kind=outbox"
	assert_status "dead letter with a 5000-byte type: GET /admin/dead-letters 200" 200
	assert_json "the long type is listed, cut" '.data[0].type | (length > 10 and length < 5000)' true
	if DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox list >"$E2E_TMP/list.out" 2>&1; then
		e2e_pass "dead letter with a 5000-byte type: outbox list exits 0"
	else
		e2e_fail "dead letter with a 5000-byte type: outbox list exits 0" "$(head -c 300 "$E2E_TMP/list.out")"
	fi
	assert_eq "outbox list shows the row" 1 "$(grep -c 'attempts=3' "$E2E_TMP/list.out")"
}

e2e_db_create
e2e_migrate
sec_seed_item
e2e_start_api api
test_hostile_bodies
test_unknown_method
test_long_dead_letter
e2e_finish
