#!/usr/bin/env bash
# End-to-end: the HTTP conventions of DESIGN §4 against the real API and
# PostgreSQL: Location on 201, Retry-After on 503, 415 for a body that is not
# application/json (a charset parameter allowed), the quoted Idempotency-Key
# of the IETF draft, a stable `code` in every error with no parser text in
# it, 405 with Allow; and the documentation routes: /api/openapi.json,
# /api/docs and /api/redoc with their assets, content types, caching
# headers and nothing fetched from elsewhere.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HDRS=$E2E_TMP/headers

body() { # key item quantity
	printf '{"user_id":"contract-user","idempotency_key":"%s","items":[{"item_id":"%s","quantity":%s}]}' \
		"$1" "$2" "$3"
}

# e2e_http that also keeps the response headers in $HDRS.
http_h() { # method url [body [curl-args...]]
	e2e_http_headers "$HDRS" "$@"
}

# The value of a response header of the last http_h call ("" if absent).
header() { # name
	grep -i "^$1:" "$HDRS" | head -n1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'
}

# A raw POST with a Content-Type of our choosing (e2e_http always sends JSON's).
post_typed() { # url content-type body
	E2E_STATUS=$(curl -sS -o "$E2E_BODY" -D "$HDRS" -w '%{http_code}' --max-time 30 -X POST \
		-H "Content-Type: $2" --data-binary "$3" "${E2E_AUTH[@]}" "$1" 2>"$E2E_TMP/curl.err") ||
		E2E_STATUS=000
}

assert_code() { # description status code
	assert_status "$1: $2" "$2"
	assert_json "$1: code $3" '.errors[0].code' "$3"
}

test_location() {
	local key id
	key=$(e2e_uuid)
	http_h POST "$E2E_API/api/v1/orders" "$(body "$key" sku-c 1)"
	assert_status "create: 201" 201
	id=$(jq -r '.data.id // empty' "$E2E_BODY")
	assert_eq "create: Location names the new order" "/api/v1/orders/$id" "$(header location)"
	e2e_http GET "$E2E_API$(header location)"
	assert_json "create: Location resolves to the order" '.data.id' "$id"
	http_h POST "$E2E_API/api/v1/orders" "$(body "$key" sku-c 1)"
	assert_status "replay: 200" 200
	assert_eq "replay: no Location (nothing created)" "" "$(header location)"
}

test_quoted_idempotency_key() {
	local key id body_nokey
	key=$(e2e_uuid)
	body_nokey='{"user_id":"contract-user","items":[{"item_id":"sku-c","quantity":1}]}'
	http_h POST "$E2E_API/api/v1/orders" "$body_nokey" -H "Idempotency-Key: \"$key\""
	assert_status "quoted Idempotency-Key: 201" 201
	id=$(jq -r '.data.id // empty' "$E2E_BODY")
	assert_eq "quoted key: stored unquoted" 1 \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE idempotency_key = '$key'")"
	http_h POST "$E2E_API/api/v1/orders" "$body_nokey" -H "Idempotency-Key: $key"
	assert_status "the same key bare: a replay, 200" 200
	assert_json "the same key bare: the same order" '.data.id' "$id"
	http_h POST "$E2E_API/api/v1/orders" "$(body "$key" sku-c 1)" -H "Idempotency-Key: \"$key\""
	assert_status "quoted header equal to the body's key: 200" 200
	http_h POST "$E2E_API/api/v1/orders" "$(body "$(e2e_uuid)" sku-c 1)" -H "Idempotency-Key: \"$key\""
	assert_code "quoted header differing from the body's key" 422 idempotency_mismatch
	http_h POST "$E2E_API/api/v1/orders" "$body_nokey" -H 'Idempotency-Key: "not-a-uuid"'
	assert_code "quoted key that is not a UUID" 400 validation_failed
	assert_json "quoted key that is not a UUID: the field" '.errors[0].field' idempotency_key
	http_h POST "$E2E_API/api/v1/orders" "$(body "$(e2e_uuid)" sku-c 1)" -H 'Idempotency-Key;'
	assert_code "an empty Idempotency-Key header" 400 validation_failed
}

test_media_type() {
	local before key
	before=$(e2e_sql "SELECT count(*) FROM orders")
	post_typed "$E2E_API/api/v1/orders" text/plain "$(body "$(e2e_uuid)" sku-c 1)"
	assert_code "text/plain body" 415 unsupported_media_type
	assert_json "415: names Content-Type" '.errors[0].field' Content-Type
	post_typed "$E2E_API/api/v1/orders" application/x-www-form-urlencoded "$(body "$(e2e_uuid)" sku-c 1)"
	assert_code "form body" 415 unsupported_media_type
	post_typed "$E2E_API/api/v1/orders" "application/json; charset=latin1" "$(body "$(e2e_uuid)" sku-c 1)"
	assert_code "JSON in another charset" 415 unsupported_media_type
	post_typed "$E2E_API/api/v1/orders/payment-callback" text/plain '{}'
	assert_code "text/plain payment callback" 415 unsupported_media_type
	E2E_STATUS=$(curl -sS -o "$E2E_BODY" -w '%{http_code}' --max-time 30 -X POST \
		--data-binary "$(body "$(e2e_uuid)" sku-c 1)" -H 'Content-Type:' "${E2E_AUTH[@]}" \
		"$E2E_API/api/v1/orders" 2>"$E2E_TMP/curl.err") || E2E_STATUS=000
	assert_code "a body without Content-Type" 415 unsupported_media_type
	assert_eq "415: nothing created" "$before" "$(e2e_sql "SELECT count(*) FROM orders")"
	key=$(e2e_uuid)
	post_typed "$E2E_API/api/v1/orders" "application/json; charset=utf-8" "$(body "$key" sku-c 1)"
	assert_status "application/json; charset=utf-8: 201" 201
	post_typed "$E2E_API/api/v1/orders" 'Application/JSON;charset="UTF-8"' "$(body "$(e2e_uuid)" sku-c 1)"
	assert_status "Application/JSON;charset=\"UTF-8\": 201" 201
	e2e_http POST "$E2E_API/api/v1/orders/$(e2e_sql "SELECT id FROM orders WHERE idempotency_key = '$key'")/cancel"
	assert_status "a POST without a body needs no Content-Type" 200
}

test_retry_after() {
	http_h POST "$E2E_DOWN/api/v1/orders" "$(body "$(e2e_uuid)" sku-c 1)"
	assert_code "catalog unreachable" 503 catalog_unavailable
	assert_match "503: Retry-After in seconds" '^[0-9]+$' "$(header retry-after)"
}

test_error_codes() {
	local id
	http_h POST "$E2E_API/api/v1/orders" '{"user_id": "u", "items": ['
	assert_code "malformed JSON" 400 validation_failed
	if grep -qiE 'lexical|parse error|yajl' "$E2E_BODY"; then
		e2e_fail "malformed JSON: no parser text in the answer" "$(cat "$E2E_BODY")"
	else
		e2e_pass "malformed JSON: no parser text in the answer"
	fi
	http_h POST "$E2E_API/api/v1/orders" '{"user_id": "u", "idempotency_key": "'"$(e2e_uuid)"'", "items": [{"item_id": "sku-c", "quantity": 0}]}'
	assert_code "quantity 0" 422 validation_failed
	assert_json "quantity 0: the field" '.errors[0].field' 'items[0].quantity'
	http_h POST "$E2E_API/api/v1/orders" "$(body "$(e2e_uuid)" no-such-item 1)"
	assert_code "unknown item" 404 not_found
	http_h POST "$E2E_API/api/v1/orders" "$(body "$(e2e_uuid)" sku-c 100000)"
	assert_code "quantity over the bound" 422 validation_failed
	http_h POST "$E2E_API/api/v1/orders" "$(body "$(e2e_uuid)" sku-c 9999)"
	assert_code "more than in stock" 409 insufficient_stock
	http_h GET "$E2E_API/api/v1/orders/$(e2e_uuid)"
	assert_code "unknown order" 404 not_found
	http_h GET "$E2E_API/api/v1/orders/not-a-uuid"
	assert_code "bad order id" 400 validation_failed
	http_h GET "$E2E_API/no/such/route"
	assert_code "unknown route" 404 not_found
	http_h DELETE "$E2E_API/api/v1/orders"
	assert_code "wrong method" 405 method_not_allowed
	assert_eq "405: Allow lists the methods" "GET, POST" "$(header allow)"
	http_h POST "$E2E_API/api/v1/orders/payment-callback" '{"order_id":"x"}' -H 'X-Signature: sha256=00'
	assert_code "bad callback signature" 401 unauthorized
	head -c 70000 /dev/zero | tr '\0' ' ' >"$E2E_TMP/big.json"
	http_h POST "$E2E_API/api/v1/orders" "@$E2E_TMP/big.json"
	assert_code "body over MAX_BODY_BYTES" 413 payload_too_large
	id=$(e2e_sql "SELECT id FROM orders LIMIT 1")
	e2e_sql "UPDATE orders SET status = 'delivered' WHERE id = '$id'" >/dev/null
	http_h POST "$E2E_API/api/v1/orders/$id/cancel"
	assert_code "cancel a delivered order" 409 conflict
	http_h POST "$E2E_API/api/v1/orders/bulk" "[$(body "$(e2e_uuid)" no-such-item 1), 7]"
	assert_status "bulk: 207" 207
	assert_json "bulk: each failed element has its code" '[.data[].errors[0].code] | join(",")' \
		"not_found,validation_failed"
}

# Type, caching and body of one documentation file.
check_doc() { # path content-type-regex cache-regex
	http_h GET "$E2E_API$1"
	assert_status "GET $1: 200" 200
	assert_match "GET $1: Content-Type" "$2" "$(header content-type)"
	assert_match "GET $1: Cache-Control" "$3" "$(header cache-control)"
	assert_match "GET $1: ETag" '^"[0-9a-f]{16}"$' "$(header etag)"
}

test_docs_routes() {
	local etag
	check_doc /api/openapi.json '^application/json' '^no-cache$'
	assert_json "openapi.json: OpenAPI 3.1" '.openapi | startswith("3.1")' true
	assert_json "openapi.json: the same document as docs/openapi.yaml" \
		"(. == $(python3 -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' \
			"$SOURCE_DIR/docs/openapi.yaml"))" true
	etag=$(header etag)
	: >"$E2E_BODY"
	E2E_STATUS=$(curl -sS -o "$E2E_BODY" -w '%{http_code}' --max-time 30 -H "If-None-Match: $etag" \
		"$E2E_API/api/openapi.json" 2>"$E2E_TMP/curl.err") || E2E_STATUS=000
	assert_status "openapi.json with its ETag: 304" 304
	assert_eq "304: no body" 0 "$(stat -c %s "$E2E_BODY")"
	check_doc /api/docs '^text/html; charset=utf-8$' '^no-cache$'
	grep -q 'src="/api/docs/swagger-ui-bundle.js"' "$E2E_BODY" &&
		e2e_pass "/api/docs: loads the bundle from this API" ||
		e2e_fail "/api/docs: loads the bundle from this API" "$(cat "$E2E_BODY")"
	check_doc /api/docs/swagger-init.js '^text/javascript' '^no-cache$'
	assert_match "/api/docs: the page reads /api/openapi.json" 'url: "/api/openapi.json"' "$(cat "$E2E_BODY")"
	check_doc /api/docs/swagger-ui-bundle.js '^text/javascript' 'max-age=[0-9]+'
	check_doc /api/docs/swagger-ui.css '^text/css' 'max-age=[0-9]+'
	check_doc /api/docs/favicon-32x32.png '^image/png$' 'max-age=[0-9]+'
	check_doc /api/redoc '^text/html; charset=utf-8$' '^no-cache$'
	assert_match "/api/redoc: a Content-Security-Policy keeps the page to this API" \
		"default-src 'self'.*img-src 'self' data:" "$(header content-security-policy)"
	assert_match "/api/redoc: reads /api/openapi.json" 'spec-url="/api/openapi.json"' "$(cat "$E2E_BODY")"
	check_doc /api/redoc/redoc.standalone.js '^text/javascript' 'max-age=[0-9]+'
	http_h GET "$E2E_API/api/docs/"
	assert_status "/api/docs/ (trailing slash): the page" 200
	http_h GET "$E2E_API/api/docs/..%2F..%2Fetc%2Fpasswd"
	assert_code "a path out of the assets" 404 not_found
	http_h GET "$E2E_API/api/docs/index.css"
	assert_code "a file of the package that is not served" 404 not_found
	if grep -hoE '(src|href)="(https?:)?//[^"]*"' "$SOURCE_DIR"/tools/docs/*.html; then
		e2e_fail "the pages load nothing from elsewhere (no CDN)"
	else
		e2e_pass "the pages load nothing from elsewhere (no CDN)"
	fi
}

test_docs_missing() {
	e2e_start_api api-no-docs DOCS_DIR="$E2E_TMP/nowhere"
	http_h GET "$E2E_API/api/openapi.json"
	assert_code "no documentation installed" 503 unavailable
	http_h GET "$E2E_API/health/live"
	assert_status "no documentation: the API serves all the same" 200
}

main() {
	e2e_db_create
	e2e_migrate
	e2e_sql "INSERT INTO inventory (item_id, name, price_cents, available_qty)
	         VALUES ('sku-c', 'Contract mug', 1250, 1000)" >/dev/null
	e2e_start_api api-down \
		CATALOG_SERVICE_API_URL="http://127.0.0.1:$(e2e_free_port)/catalog/items" TIMEOUT_READ=2
	E2E_DOWN=$E2E_API
	e2e_start_api api MAX_BODY_BYTES=65536

	test_location
	test_quoted_idempotency_key
	test_media_type
	test_retry_after
	test_error_codes
	test_docs_routes
	test_docs_missing
	e2e_finish
}

main
