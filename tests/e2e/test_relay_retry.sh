#!/usr/bin/env bash
# End-to-end: retries and dead letters of the payments relay (DESIGN §7).
# order-sim is scripted to answer 5xx and to time out: the relay retries with
# backoff (short TIMEOUT_READ and MAX_DELAY keep it quick) until the payment
# service takes every request. A 400 is permanent and dead-letters the row at
# once; so does running out of attempts. `order-service outbox list` and
# GET /admin/dead-letters show the dead rows, and `outbox retry <seq>`,
# POST /admin/dead-letters/outbox/<seq>/retry and .../retry-all bring them
# back, after which they are delivered.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/lib_relay.sh
source "$HERE/lib_relay.sh"

MAX_RETRY=5

script_payments() { # json-array
	e2e_http POST "$E2E_SIM/_sim/payments/script" "{\"responses\":$1}"
	assert_status "order-sim takes the script $1" '2[0-9][0-9]'
}

# The statuses order-sim answered to the payment requests of an order, in
# order, comma-separated.
sim_statuses() { # order-id
	curl -fsS "$E2E_SIM/_sim/payments/requests?order_id=$1" | jq -r '[.data[].status | tostring] | join(",")'
}

pay_row() { # order-id column
	e2e_sql "SELECT $2 FROM outbox WHERE destination = 'payments' AND aggregateid = '$1'"
}

wait_row_status() { # description order-id status
	if relay_poll_sql "SELECT status FROM outbox WHERE destination = 'payments' AND aggregateid = '$2'" \
		"$3" 60; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "row: $(e2e_sql "SELECT status, attempts, last_error FROM outbox
		                             WHERE destination = 'payments' AND aggregateid = '$2'")"
	fi
}

# A fresh order whose payment request is answered by the given script.
scripted_order() { # script
	script_payments "$1"
	ORDER=$(relay_create_order)
	assert_match "order created" '^[0-9a-f-]{36}$' "$ORDER"
}

test_transient_errors() {
	local i ids=() all
	scripted_order '[500,503,"timeout",500]'
	wait_row_status "5xx and a timeout: the payment row is sent in the end" "$ORDER" sent
	assert_match "5xx and a timeout: order-sim answered 500, 503, (timeout), 500, then 201" \
		'^500,503,[^,]*,500,201$' "$(sim_statuses "$ORDER")"
	assert_eq "5xx and a timeout: four failed attempts recorded" 4 "$(pay_row "$ORDER" attempts)"

	# Several rows failing at once all get through.
	script_payments '[503,500,503,"timeout",500,503,500,503,500,503]'
	for i in 1 2 3 4 5; do ids+=("$(relay_create_order)"); done
	relay_assert_drained "a burst of 5xx: every payment row is sent in the end" payments 60
	all=0
	for i in "${ids[@]}"; do
		[[ "$(sim_statuses "$i")" =~ (^|,)201$ ]] && all=$((all + 1))
	done
	assert_eq "a burst of 5xx: order-sim took every order's payment" 5 "$all"
}

test_bad_request_dead_letters() {
	local seq event listed
	scripted_order '[400]'
	wait_row_status "400: the row is dead-lettered" "$ORDER" dead
	assert_eq "400: after one attempt" 1 "$(pay_row "$ORDER" attempts)"
	seq=$(pay_row "$ORDER" seq)
	event=$(pay_row "$ORDER" id)
	listed=$(DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox list 2>>"$E2E_TMP/cli.log")
	if grep -q "^$seq"$'\t'"$event"$'\t' <<<"$listed"; then
		e2e_pass "outbox list shows the dead row (seq, event id)"
	else
		e2e_fail "outbox list shows the dead row (seq, event id)" "seq $seq, event $event" "$listed"
	fi
	e2e_admin_http GET "$E2E_ADMIN/admin/dead-letters?kind=outbox"
	assert_status "GET /admin/dead-letters?kind=outbox: 200" 200
	assert_json "GET /admin/dead-letters shows the dead row (seq, event id)" \
		"[.data[] | .id == $seq and .message_id == \"$event\"] | any" true

	# Not a row id: refused as a usage error (2), nothing retried.
	for bad in " $seq" "+$seq" "${seq}x" 0 -1 99999999999999999999; do
		rc=0
		DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox retry "$bad" \
			>/dev/null 2>>"$E2E_TMP/cli.log" || rc=$?
		assert_eq "outbox retry '$bad': refused with exit status 2" 2 "$rc"
	done
	assert_match "outbox retry <seq>: one row back" '^1 row' \
		"$(DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" outbox retry "$seq" 2>>"$E2E_TMP/cli.log")"
	wait_row_status "outbox retry <seq>: the row is then delivered" "$ORDER" sent
	assert_eq "outbox retry <seq>: order-sim answered 400, then 201" 400,201 "$(sim_statuses "$ORDER")"

	scripted_order '[400]'
	wait_row_status "400 again: dead-lettered" "$ORDER" dead
	seq=$(pay_row "$ORDER" seq)
	e2e_admin_http POST "$E2E_ADMIN/admin/dead-letters/outbox/$seq/retry"
	assert_status "POST /admin/dead-letters/outbox/<seq>/retry: 2xx" '2[0-9][0-9]'
	wait_row_status "admin retry: the row is then delivered" "$ORDER" sent
	assert_eq "admin retry: order-sim answered 400, then 201" 400,201 "$(sim_statuses "$ORDER")"
	e2e_admin_http GET "$E2E_ADMIN/admin/dead-letters?kind=outbox"
	assert_json "no dead letters left" '.data | length' 0
}

test_attempts_exhausted() {
	scripted_order "[$(printf '500,%.0s' $(seq 2 $MAX_RETRY))500]"
	wait_row_status "$MAX_RETRY failures: dead-lettered" "$ORDER" dead
	assert_eq "$MAX_RETRY failures: after MAX_RETRY attempts" "$MAX_RETRY" "$(pay_row "$ORDER" attempts)"
	e2e_admin_http POST "$E2E_ADMIN/admin/dead-letters/outbox/retry-all"
	assert_status "POST /admin/dead-letters/outbox/retry-all: 2xx" '2[0-9][0-9]'
	wait_row_status "retry-all: the row is then delivered" "$ORDER" sent
	assert_match "retry-all: the last answer was 201" ',201$' "$(sim_statuses "$ORDER")"
}

relay_init
relay_start_stack
relay_start_worker relay-payments payments TIMEOUT_READ=1 MAX_DELAY=1 MAX_RETRY=$MAX_RETRY
test_transient_errors
test_bad_request_dead_letters
test_attempts_exhausted
e2e_finish
