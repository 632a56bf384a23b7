#!/usr/bin/env bash
# End-to-end: authentication and ownership (DESIGN §4) against the real
# binary. No token or a bad one is 401 with WWW-Authenticate; a client key
# sees, lists and cancels only its own user's orders (someone else's is 404)
# and cannot create for another user_id (403), a service key can; HS256
# JWTs with the wrong audience or issuer, expired, unsigned or signed with
# another secret are 401; an RS256 API takes a token of its key and refuses
# an HS256 token "signed" with the public key's text; the admin routes and
# /metrics are absent from the public port (404) and served on the admin
# port, the dead letters with the admin key only.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_security.sh
source "$E2E_DIR/lib_security.sh"

JWT_KEY=e2e-jwt-secret-0123456789abcdef0123456789
ISS=e2e-issuer
AUD=order-service-e2e

test_no_token() {
	local url
	e2e_set_token ""
	for url in "GET $E2E_API/api/v1/orders" "GET $E2E_API/api/v1/orders/$(e2e_uuid)" \
		"GET $E2E_API/api/v1/orders/$(e2e_uuid)/history"; do
		sec_http ${url}
		assert_status "no token: ${url%% *} ${url#* $E2E_API}: 401" 401
	done
	sec_http POST "$E2E_API/api/v1/orders" '{"user_id":"u1","idempotency_key":"'"$(e2e_uuid)"'","items":[{"item_id":"x","quantity":1}]}'
	assert_status "no token: POST /api/v1/orders: 401" 401
	assert_json "401 names the error unauthorized" '.errors[0].detail // .errors[0].code' unauthorized
	assert_match "401 carries WWW-Authenticate: Bearer" '^Bearer' "$(sec_header www-authenticate)"
	sec_http POST "$E2E_API/api/v1/orders/$(e2e_uuid)/cancel" '{}'
	assert_status "no token: cancel: 401" 401
	e2e_set_token "not-a-known-key"
	sec_http GET "$E2E_API/api/v1/orders"
	assert_status "unknown key: 401" 401
	assert_match "unknown key: WWW-Authenticate says invalid_token" 'invalid_token' "$(sec_header www-authenticate)"
	e2e_set_token ""
	E2E_STATUS=$(curl -sS -o "$E2E_BODY" -w '%{http_code}' --max-time 30 \
		-H "Authorization: Basic $E2E_SERVICE_KEY" "$E2E_API/api/v1/orders")
	assert_status "Basic instead of Bearer: 401" 401
	e2e_http GET "$E2E_API/health/live"
	assert_status "health needs no token" 200
	e2e_http POST "$E2E_API/api/v1/orders/payment-callback" '{}'
	assert_rejected "payment callback needs no token (its signature instead): 401 for the signature" 401 "X-Signature"
	assert_eq "no order written by refused calls" 0 "$(e2e_sql "SELECT count(*) FROM orders")"
	e2e_set_token "$E2E_SERVICE_KEY"
}

test_ownership() {
	local alice bob mine
	alice=$(sec_create "$E2E_SERVICE_KEY" "$E2E_CLIENT_USER")
	bob=$(sec_create "$E2E_SERVICE_KEY" "$E2E_CLIENT2_USER")
	assert_match "service key creates for alice" '^[0-9a-f-]{36}$' "$alice"
	assert_match "service key creates for bob" '^[0-9a-f-]{36}$' "$bob"

	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders/$alice"
	assert_status "client sees its own order" 200
	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders/$bob"
	assert_status "client: someone else's order is 404" 404
	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders/$bob/history"
	assert_status "client: someone else's history is 404" 404
	sec_as "$E2E_CLIENT_KEY" POST "$E2E_API/api/v1/orders/$bob/cancel" '{"reason":"not mine"}'
	assert_status "client: cancelling someone else's order is 404" 404
	assert_eq "bob's order is still new" new "$(e2e_sql "SELECT status FROM orders WHERE id = '$bob'")"
	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders/$alice/history"
	assert_status "client: own history 200" 200
	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders/$bob/events"
	assert_status "client: someone else's events are 404" 404
	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders/$alice/events"
	assert_status "client: own events 200" 200

	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders?user_id=$E2E_CLIENT2_USER"
	assert_status "client list: 200" 200
	assert_json "client list asking for bob's orders gets only alice's" \
		"[.data[].user_id] | unique | join(\",\")" "$E2E_CLIENT_USER"
	sec_as "$E2E_SERVICE_KEY" GET "$E2E_API/api/v1/orders"
	assert_json "service list sees both users" "[.data[].user_id] | unique | length" 2

	sec_as "$E2E_CLIENT_KEY" POST "$E2E_API/api/v1/orders" \
		"{\"user_id\":\"$E2E_CLIENT2_USER\",\"idempotency_key\":\"$(e2e_uuid)\",\"items\":[{\"item_id\":\"$SEC_ITEM\",\"quantity\":1}]}"
	assert_rejected "client key cannot create for another user_id: 403" 403 user_id
	assert_eq "no order for bob was added" 1 \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE user_id = '$E2E_CLIENT2_USER'")"
	mine=$(sec_create "$E2E_CLIENT_KEY" "$E2E_CLIENT_USER")
	assert_match "client key creates for its own user" '^[0-9a-f-]{36}$' "$mine"
	sec_as "$E2E_CLIENT_KEY" POST "$E2E_API/api/v1/orders/bulk" \
		"[{\"user_id\":\"$E2E_CLIENT2_USER\",\"idempotency_key\":\"$(e2e_uuid)\",\"items\":[{\"item_id\":\"$SEC_ITEM\",\"quantity\":1}]}]"
	assert_json "bulk: client element for another user is 403" '.data[0].status' 403
	sec_as "$E2E_CLIENT_KEY" POST "$E2E_API/api/v1/orders/$alice/cancel" '{"reason":"changed my mind"}'
	assert_status "client cancels its own order" 200
}

# GET order with token; the status must be want.
jwt_expect() { # order token want what
	# An empty id would ask for the list route, which answers 200 as well.
	if [ -z "$1" ]; then e2e_fail "$4" "no order to read (its create failed)"; return; fi
	sec_as "$2" GET "$E2E_API/api/v1/orders/$1"
	assert_status "$4" "$3"
}

# An HS256 token keyed with JWT_KEY for sec_claims' arguments.
jwt_hs() { # user role ttl iss aud
	sec_jwt_hs256 "$(sec_claims "$@")" "$JWT_KEY"
}

test_jwt_hs256() {
	local alice
	alice=$(sec_create "$E2E_SERVICE_KEY" "$E2E_CLIENT_USER")
	jwt_expect "$alice" "$(jwt_hs "$E2E_CLIENT_USER" client 300 "$ISS" "$AUD")" 200 "HS256 JWT of alice: her order 200"
	jwt_expect "$alice" "$(jwt_hs "$E2E_CLIENT2_USER" client 300 "$ISS" "$AUD")" 404 "HS256 JWT of bob: alice's order 404"
	jwt_expect "$alice" "$(jwt_hs svc service 300 "$ISS" "$AUD")" 200 "HS256 JWT with role service: any order 200"

	jwt_expect "$alice" "$(jwt_hs "$E2E_CLIENT_USER" client -120 "$ISS" "$AUD")" 401 "expired JWT: 401"
	assert_match "expired JWT: WWW-Authenticate Bearer" '^Bearer' "$(sec_header www-authenticate)"
	jwt_expect "$alice" "$(jwt_hs "$E2E_CLIENT_USER" client 300 "$ISS" other-audience)" 401 "wrong audience JWT: 401"
	jwt_expect "$alice" "$(jwt_hs "$E2E_CLIENT_USER" client 300 other-issuer "$AUD")" 401 "wrong issuer JWT: 401"
	jwt_expect "$alice" "$(sec_jwt_hs256 "$(sec_claims "$E2E_CLIENT_USER" client 300 "$ISS" "$AUD")" "another-secret-0123456789abcdef0123")" \
		401 "JWT signed with another secret: 401"
	jwt_expect "$alice" "$(sec_jwt_none "$(sec_claims "$E2E_CLIENT_USER" service 300 "$ISS" "$AUD")")" 401 "unsigned JWT (alg none): 401"
	jwt_expect "$alice" "$(jwt_hs "$E2E_CLIENT_USER" root 300 "$ISS" "$AUD")" 401 "JWT with an unknown role: 401"
	jwt_expect "$alice" "$(sec_jwt_hs256 "{\"sub\":\"$E2E_CLIENT_USER\",\"iss\":\"$ISS\",\"aud\":\"$AUD\"}" "$JWT_KEY")" 401 "JWT without exp: 401"
	jwt_expect "$alice" "$(sec_jwt_hs256 "{\"sub\":\"$E2E_CLIENT_USER\",\"exp\":$(($(date +%s) + 300)),\"iss\":\"$ISS\",\"aud\":[\"x\",\"$AUD\"]}" "$JWT_KEY")" \
		200 "JWT whose aud array holds ours: 200"
}

test_admin_listener() {
	e2e_admin_http GET "$E2E_API/admin/dead-letters"
	assert_status "public port: /admin/dead-letters is 404 even with the admin key" 404
	e2e_admin_http POST "$E2E_API/admin/dead-letters/outbox/retry-all"
	assert_status "public port: retry-all is 404" 404
	e2e_http GET "$E2E_API/metrics"
	assert_status "public port: /metrics is 404" 404

	e2e_set_token ""
	e2e_http GET "$E2E_ADMIN/metrics"
	assert_status "admin port: /metrics 200" 200
	if grep -q '^# TYPE ' "$E2E_BODY"; then e2e_pass "admin port: metrics text"; else e2e_fail "admin port: metrics text"; fi
	e2e_http GET "$E2E_ADMIN/admin/dead-letters"
	assert_status "admin port: dead letters without a token 401" 401
	e2e_set_token "$E2E_SERVICE_KEY"
	e2e_http GET "$E2E_ADMIN/admin/dead-letters"
	assert_status "admin port: dead letters with a service key 403" 403
	e2e_set_token "$E2E_CLIENT_KEY"
	e2e_http POST "$E2E_ADMIN/admin/dead-letters/outbox/retry-all"
	assert_status "admin port: retry-all with a client key 403" 403
	e2e_set_token "$E2E_SERVICE_KEY"
	e2e_admin_http GET "$E2E_ADMIN/admin/dead-letters"
	assert_status "admin port: dead letters with the admin key 200" 200
	e2e_admin_http POST "$E2E_ADMIN/admin/dead-letters/outbox/retry-all"
	assert_status "admin port: retry-all with the admin key 200" 200
	e2e_admin_http GET "$E2E_ADMIN/api/v1/orders"
	assert_status "admin port: the public routes are not there (404)" 404
}

test_rs256() {
	local pem=$E2E_TMP/rsa.pem pub=$E2E_TMP/rsa.pub alice
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pem" 2>/dev/null
	openssl pkey -in "$pem" -pubout -out "$pub" 2>/dev/null
	e2e_start_api api-rs256 JWT_PUBLIC_KEY_FILE="$pub" JWT_ISSUER="$ISS" JWT_AUDIENCE="$AUD"
	alice=$(sec_create "$E2E_SERVICE_KEY" "$E2E_CLIENT_USER")
	jwt_expect "$alice" "$(sec_jwt_rs256 "$(sec_claims "$E2E_CLIENT_USER" client 300 "$ISS" "$AUD")" "$pem")" 200 "RS256 JWT: 200"
	jwt_expect "$alice" "$(sec_jwt_rs256 "$(sec_claims "$E2E_CLIENT_USER" client -120 "$ISS" "$AUD")" "$pem")" 401 "RS256 JWT expired: 401"
	jwt_expect "$alice" "$(sec_jwt_rs256 "$(sec_claims "$E2E_CLIENT_USER" client 300 "$ISS" wrong)" "$pem")" 401 "RS256 JWT wrong audience: 401"
	jwt_expect "$alice" "$(sec_jwt_hs256 "$(sec_claims "$E2E_CLIENT_USER" service 300 "$ISS" "$AUD")" "$(cat "$pub")")" \
		401 "HS256 token keyed with the public key's text: 401"
}

e2e_db_create
e2e_migrate
sec_seed_item
e2e_start_api api JWT_SECRET="$JWT_KEY" JWT_ISSUER="$ISS" JWT_AUDIENCE="$AUD"
test_no_token
test_ownership
test_jwt_hs256
test_admin_listener
test_rs256
e2e_finish
