#!/usr/bin/env bash
# End-to-end: rate limits and the start-up rules of DESIGN §4/§9/§12.
# A principal over its burst gets 429 with Retry-After, RateLimit-Policy and
# RateLimit, another principal is not affected, and after Retry-After it is
# served again; unauthenticated routes are limited per client address.
# `api` refuses to start without PAYMENTS_CALLBACK_SECRET (one clear line),
# starts unsigned only with PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true (warned),
# refuses an unsigned callback by default, takes secrets from <NAME>_FILE
# without logging them, stops on a bad API_KEYS_FILE line, and warns when
# AUTH_MODE=off.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_security.sh
source "$E2E_DIR/lib_security.sh"

test_rate_limit() {
	local i retry policy state
	# 60 a minute is one a second; a burst of 3.
	e2e_start_api api-limited RATE_LIMIT_PER_MINUTE=60 RATE_LIMIT_BURST=3
	for i in 1 2 3; do
		sec_http GET "$E2E_API/api/v1/orders?limit=1"
		assert_status "rate limit: request $i of the burst 200" 200
	done
	assert_match "RateLimit-Policy on an allowed answer" '^"default";q=60;w=60$' "$(sec_header ratelimit-policy)"
	assert_match "RateLimit on an allowed answer" '^"default";r=0;t=[0-9]+$' "$(sec_header ratelimit)"
	sec_http GET "$E2E_API/api/v1/orders?limit=1"
	assert_status "rate limit: over the burst 429" 429
	assert_json "429 names the error rate_limited" '.errors[0].detail // .errors[0].code' rate_limited
	retry=$(sec_header retry-after)
	policy=$(sec_header ratelimit-policy)
	state=$(sec_header ratelimit)
	assert_match "429 carries Retry-After in seconds (1..2)" '^[12]$' "$retry"
	assert_match "429 carries RateLimit-Policy" '^"default";q=60;w=60$' "$policy"
	assert_match "429 carries RateLimit with r=0 and t" '^"default";r=0;t=[12]$' "$state"
	sec_as "$E2E_CLIENT_KEY" GET "$E2E_API/api/v1/orders?limit=1"
	assert_status "another principal has its own bucket: 200" 200
	sleep "${retry:-1}"
	sleep 0.2
	sec_http GET "$E2E_API/api/v1/orders?limit=1"
	assert_status "after Retry-After the principal is served again" 200

	e2e_set_token ""
	for i in 1 2 3; do
		sec_http POST "$E2E_API/api/v1/orders/payment-callback" '{}'
	done
	assert_status "unauthenticated route within the address's burst: not limited (401 for the signature)" 401
	sec_http POST "$E2E_API/api/v1/orders/payment-callback" '{}'
	assert_status "unauthenticated route over the address's burst: 429" 429
	sleep 3.5 # the address's bucket is full again (3 at one a second)
	for i in 1 2 3 4; do
		E2E_STATUS=$(curl -sS -o "$E2E_BODY" -w '%{http_code}' --max-time 30 \
			-H "Authorization: Bearer guess-$i" "$E2E_API/api/v1/orders")
		if [ "$i" -eq 3 ]; then assert_status "wrong tokens within the address's burst: 401" 401; fi
	done
	assert_status "guessing tokens spends the address's bucket: the 4th wrong token gets 429" 429
	e2e_http GET "$E2E_API/health/live"
	assert_status "health probes are never limited" 200
	e2e_set_token "$E2E_SERVICE_KEY"
	kill -TERM -- "-$E2E_LAST_PID" 2>/dev/null
	e2e_wait_gone "$E2E_LAST_PID" 10 || true
}

# Runs `api` in the foreground with VAR=value arguments for up to 10 s;
# sets START_RC and START_OUT (its output).
start_briefly() {
	START_OUT=$(env DATABASE_URL="$E2E_DB_URL" APP_PORT="$(e2e_free_port)" ADMIN_PORT="$(e2e_free_port)" \
		API_THREADS=1 "$@" timeout -s TERM 10 "$ORDER_SERVICE_BIN" api 2>&1)
	START_RC=$?
}

test_startup_rules() {
	local secret_file=$E2E_TMP/callback.secret keys=$E2E_TMP/bad_keys log
	start_briefly PAYMENTS_CALLBACK_SECRET=
	assert_eq "no PAYMENTS_CALLBACK_SECRET: api exits 1" 1 "$START_RC"
	assert_eq "no PAYMENTS_CALLBACK_SECRET: one line" 1 "$(printf '%s\n' "$START_OUT" | grep -c .)"
	assert_match "no PAYMENTS_CALLBACK_SECRET: the line names it" 'PAYMENTS_CALLBACK_SECRET' "$START_OUT"

	{
		echo "# a comment"
		echo "$(e2e_key_hash x) service"
		echo "abc client"
	} >"$keys"
	start_briefly PAYMENTS_CALLBACK_SECRET=s API_KEYS_FILE="$keys"
	assert_eq "bad API_KEYS_FILE line: api exits 1" 1 "$START_RC"
	assert_match "bad API_KEYS_FILE line: one line naming the file and line 3" 'API_KEYS_FILE line 3' "$START_OUT"
	assert_eq "bad API_KEYS_FILE line: one line" 1 "$(printf '%s\n' "$START_OUT" | grep -c .)"

	local same
	same=$(e2e_free_port)
	START_OUT=$(env DATABASE_URL="$E2E_DB_URL" APP_PORT="$same" ADMIN_PORT="$same" API_THREADS=1 \
		PAYMENTS_CALLBACK_SECRET=s timeout -s TERM 10 "$ORDER_SERVICE_BIN" api 2>&1)
	START_RC=$?
	assert_eq "ADMIN_PORT = APP_PORT: api exits 1" 1 "$START_RC"
	assert_match "ADMIN_PORT = APP_PORT: the line names ADMIN_PORT" 'ADMIN_PORT' "$START_OUT"

	e2e_start_api api-unsigned PAYMENTS_CALLBACK_SECRET= PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true
	log=$(cat "$E2E_TMP/api-unsigned.log")
	assert_match "PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true: starts with a warning" '"level":"warn".*unsigned' "$log"
	kill -TERM -- "-$E2E_LAST_PID" 2>/dev/null
	e2e_wait_gone "$E2E_LAST_PID" 10 || true

	printf 'file-secret-value-0123456789\n' >"$secret_file"
	e2e_start_api api-file PAYMENTS_CALLBACK_SECRET= PAYMENTS_CALLBACK_SECRET_FILE="$secret_file" \
		LOG_LEVEL=debug
	local order body sig
	order=$(sec_create "$E2E_SERVICE_KEY" u-file)
	body="{\"id\":\"$(e2e_uuid)\",\"user_id\":\"u-file\",\"order_id\":\"$order\",\"amount\":\"19.99\",\"status\":\"succeeded\",\"idempotency_key\":\"$(e2e_uuid)\",\"created_at\":\"2026-01-01T00:00:00Z\"}"
	e2e_set_token ""
	e2e_http POST "$E2E_API/api/v1/orders/payment-callback" "$body"
	assert_status "unsigned callback refused: 401" 401
	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "file-secret-value-0123456789" | awk '{ print $NF }')
	e2e_http POST "$E2E_API/api/v1/orders/payment-callback" "$body" -H "X-Signature: sha256=$sig"
	assert_status "callback signed with the secret of PAYMENTS_CALLBACK_SECRET_FILE: 200" 200
	e2e_set_token "$E2E_SERVICE_KEY"
	if grep -rq -e 'file-secret-value' -e "$E2E_SERVICE_KEY" "$E2E_TMP"/api*.log; then
		e2e_fail "no secret or key in any API log"
	else
		e2e_pass "no secret or key in any API log"
	fi
	kill -TERM -- "-$E2E_LAST_PID" 2>/dev/null
	e2e_wait_gone "$E2E_LAST_PID" 10 || true

	e2e_start_api api-open AUTH_MODE=off
	assert_match "AUTH_MODE=off: warned" '"level":"warn".*AUTH_MODE=off' "$(cat "$E2E_TMP/api-open.log")"
	e2e_set_token ""
	e2e_http GET "$E2E_API/api/v1/orders"
	assert_status "AUTH_MODE=off: no token needed" 200
	e2e_set_token "$E2E_SERVICE_KEY"
}

e2e_db_create
e2e_migrate
sec_seed_item
test_rate_limit
test_startup_rules
e2e_finish
