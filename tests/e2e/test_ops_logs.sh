#!/usr/bin/env bash
# End-to-end: logs, request tracing and bad configuration (DESIGN §9, §10).
# Invalid settings stop a process at start with one line naming the
# variable and a non-zero status. With LOG_FORMAT=json every line the API and
# the five workers write while an order goes all the way to delivered is one
# JSON object with ts, level, msg and component. A request's X-Request-Id is
# echoed and travels into the order's outbox rows and Kafka headers, its
# traceparent too; outbound HTTP calls carry the row's event id as
# Idempotency-Key.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_e2eops.sh
source "$E2E_DIR/lib_e2eops.sh"

REQUEST_ID=e2e-req-$$-$RANDOM
TRACEPARENT=00-$(printf '%s' "$(e2e_uuid)$(e2e_uuid)" | tr -d '-' | cut -c1-32)-$(e2e_uuid | tr -d '-' | cut -c1-16)-01
ORDER_ID=""

# ------------------------------------------------------ bad configuration

# Runs the binary with a clean environment plus the given settings; a
# process that does not stop by itself is ended by timeout (status 124).
run_with() { # name command-args... -- VAR=value...
	local name=$1 args=() env_args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	env_args=("$@")
	env -i PATH="$PATH" ENV_FILE="$E2E_TMP/${ENV_FILE_NAME:-none}.env" \
		DATABASE_URL=postgresql://postgres@127.0.0.1:1/none "${env_args[@]}" \
		timeout 10 "$ORDER_SERVICE_BIN" "${args[@]}" \
		>"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err"
	RUN_RC=$?
}

# The process stopped at once with a non-zero status and exactly one line
# on stderr that names the variable.
assert_refused() { # description name variable
	local lines
	lines=$(grep -c '' "$E2E_TMP/$2.err")
	if [ "$RUN_RC" -ne 0 ] && [ "$RUN_RC" -ne 124 ] && [ "$lines" -eq 1 ] &&
		grep -q -- "$3" "$E2E_TMP/$2.err" && [ ! -s "$E2E_TMP/$2.out" ]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "status $RUN_RC, $lines stderr line(s):" "$(head -c 600 "$E2E_TMP/$2.err")" \
			"stdout: $(head -c 200 "$E2E_TMP/$2.out")"
	fi
}

test_bad_configuration() {
	run_with port api -- APP_PORT=abc
	assert_refused "APP_PORT=abc: api stops with one line" port APP_PORT
	run_with fmt api -- LOG_FORMAT=xml
	assert_refused "LOG_FORMAT=xml: api stops with one line" fmt LOG_FORMAT
	run_with retry worker outbox-payments -- MAX_RETRY=0 PAYMENTS_SERVICE_API_URL=http://127.0.0.1:1/p
	assert_refused "MAX_RETRY=0: worker stops with one line" retry MAX_RETRY
	run_with level worker inbox -- LOG_LEVEL=loud
	assert_refused "LOG_LEVEL=loud: worker stops with one line" level LOG_LEVEL
	run_with timeout worker outbox-notifications -- TIMEOUT_READ=-1
	assert_refused "TIMEOUT_READ=-1: worker stops with one line" timeout TIMEOUT_READ
	run_with url api -- PAYMENTS_SERVICE_API_URL=ftp://example.com/pay
	assert_refused "PAYMENTS_SERVICE_API_URL=ftp://...: api stops with one line" url PAYMENTS_SERVICE_API_URL
	run_with topic worker outbox-kafka -- KAFKA_TOPIC_ORDER_EVENTS=payments KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1
	assert_refused "KAFKA_TOPIC_ORDER_EVENTS=payments: worker stops with one line" topic KAFKA_TOPIC_ORDER_EVENTS
	run_with big api -- APP_PORT=65536
	assert_refused "APP_PORT=65536: api stops with one line" big APP_PORT

	# A bad value in the .env file is refused the same way.
	printf 'LOG_LEVEL=info\nMAX_DELAY=soon\n' >"$E2E_TMP/bad.env"
	ENV_FILE_NAME=bad run_with dotenv api --
	assert_refused "MAX_DELAY=soon in .env: api stops with one line" dotenv MAX_DELAY

	# A worker without its required endpoint says which variable is missing.
	run_with missing worker outbox-payments --
	if [ "$RUN_RC" -ne 0 ] && [ "$RUN_RC" -ne 124 ] &&
		grep -q PAYMENTS_SERVICE_API_URL "$E2E_TMP/missing.err"; then
		e2e_pass "outbox-payments without PAYMENTS_SERVICE_API_URL stops naming it"
	else
		e2e_fail "outbox-payments without PAYMENTS_SERVICE_API_URL stops naming it" \
			"status $RUN_RC" "$(head -c 600 "$E2E_TMP/missing.err")"
	fi
}

# ------------------------------------------------------------- tracing

create_traced_order() {
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-4 2 trace-user)" \
		-H "X-Request-Id: $REQUEST_ID" -H "traceparent: $TRACEPARENT" -D "$E2E_TMP/create.head"
	assert_status "traced create: 201" 201
	ORDER_ID=$(jq -r '.data.id // empty' "$E2E_BODY")
	assert_eq "X-Request-Id echoed in the response header" "$REQUEST_ID" \
		"$(tr -d '\r' <"$E2E_TMP/create.head" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p')"
	assert_json "request id in the envelope's meta" '.meta.request_id' "$REQUEST_ID"

	assert_match "a request without X-Request-Id gets a generated one" '^[0-9a-f-]{36}$' \
		"$(response_request_id)"
	assert_match "an unsafe X-Request-Id is replaced, not echoed" '^[0-9a-f-]{36}$' \
		"$(response_request_id -H 'X-Request-Id: bad id"with{quotes}')"
}

# The X-Request-Id header of the answer to GET /health/live.
response_request_id() { # [curl-args...]
	curl -sS -o /dev/null -D - --max-time 10 "$@" "$E2E_API/health/live" 2>/dev/null |
		tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p'
}

test_outbox_headers() {
	local rows
	rows=$(e2e_sql "SELECT count(*) FROM outbox WHERE aggregateid = '$ORDER_ID'
	                AND type IN ('payment.requested', 'order.created')")
	assert_eq "the create wrote three outbox rows" 3 "$rows"
	assert_eq "each carries the request id in its headers" "$rows" \
		"$(e2e_sql "SELECT count(*) FROM outbox WHERE aggregateid = '$ORDER_ID'
		            AND type IN ('payment.requested', 'order.created')
		            AND headers ->> 'request_id' = '$REQUEST_ID'")"
	assert_eq "each carries the traceparent in its headers" "$rows" \
		"$(e2e_sql "SELECT count(*) FROM outbox WHERE aggregateid = '$ORDER_ID'
		            AND type IN ('payment.requested', 'order.created')
		            AND headers ->> 'traceparent' = '$TRACEPARENT'")"
}

# shellcheck disable=SC2317 # called through ops_wait_for
delivered() { ops_order_status_is "$ORDER_ID" delivered; }

# The order.created event on the order events topic, as "key|headers".
order_created_message() {
	kcat -C -b "$KAFKA_BOOTSTRAP_SERVERS" -t order.events -o beginning -e -q \
		-f '%k|%h\n' 2>/dev/null | grep "^$ORDER_ID|" | grep 'ce_type=order.created' | head -n 1
}

test_propagation() {
	local msg event_id
	if ops_wait_for 90 delivered; then
		e2e_pass "traced order went through every worker to delivered"
	else
		e2e_fail "traced order went through every worker to delivered" \
			"$(e2e_sql "SELECT type, destination, status, last_error FROM outbox" 2>&1)"
	fi
	msg=$(order_created_message)
	assert_match "Kafka order.created carries x-request-id" "(^|[|,])x-request-id=$REQUEST_ID(,|$)" "$msg"
	assert_match "Kafka order.created carries traceparent" "(^|[|,])traceparent=$TRACEPARENT(,|$)" "$msg"
	assert_match "Kafka order.created has CloudEvents headers" \
		'ce_specversion=1\.0.*ce_id=[0-9a-f-]{36}.*ce_type=order\.created.*ce_source=[^,]+' "$msg"
	event_id=$(e2e_sql "SELECT id FROM outbox WHERE aggregateid = '$ORDER_ID'
	                    AND type = 'order.created' AND destination = 'order.events'")
	assert_match "Kafka ce_id is the outbox event id" "ce_id=$event_id(,|$)" "$msg"

	e2e_http GET "$E2E_SIM/_sim/payments/requests?order_id=$ORDER_ID"
	event_id=$(e2e_sql "SELECT id FROM outbox WHERE aggregateid = '$ORDER_ID'
	                    AND type = 'payment.requested'")
	assert_json "payment call's Idempotency-Key is the outbox event id" \
		'[.data[].headers["idempotency-key"]] | unique | join(",")' "$event_id"
	assert_json "payment call carries X-API-Key" '.data[0].headers["x-api-key"]' e2e-access-token
}

# ---------------------------------------------------------------- logs

# Lines of a log that are not a JSON object with ts, level, msg and the
# expected component.
bad_log_lines() { # file component
	jq -R -r --arg c "$2" '. as $line | (try fromjson catch null) as $o
		| if ($o | type) == "object"
		     and ($o.ts | type) == "string" and ($o.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"))
		     and ($o.level | IN("debug", "info", "warn", "error"))
		     and ($o.msg | type) == "string" and ($o.component == $c)
		  then empty else $line end' "$1" | head -n 3
}

test_json_logs() {
	local role bad lines
	for role in api $OPS_WORKERS; do
		lines=$(grep -c '' "$E2E_TMP/$role.log")
		bad=$(bad_log_lines "$E2E_TMP/$role.log" "$role")
		if [ "$lines" -gt 0 ] && [ -z "$bad" ]; then
			e2e_pass "$role: $lines log lines, each one JSON object with ts, level, msg, component"
		else
			e2e_fail "$role: each log line one JSON object with ts, level, msg, component" \
				"lines: $lines" "bad: $bad"
		fi
	done
	assert_match "api logged the traced request with its request id" '^[1-9]' \
		"$(jq -R -c --arg r "$REQUEST_ID" 'try fromjson catch null | select(.request_id? == $r)' \
			"$E2E_TMP/api.log" | grep -c '')"
}

test_bad_configuration
ops_start_kafka
e2e_db_create
e2e_migrate
ops_start_service LOG_FORMAT=json LOG_LEVEL=debug
create_traced_order
test_outbox_headers
test_propagation
test_json_logs
assert_all_alive "every process still runs"
e2e_finish
