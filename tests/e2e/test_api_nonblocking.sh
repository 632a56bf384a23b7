#!/usr/bin/env bash
# End-to-end: the API never blocks its event loop (DESIGN §2). One loop
# (API_THREADS=1), so a blocking call anywhere would show as requests served
# one after another. Against the real binary, order-sim's catalog with
# injected latency, and a PostgreSQL cluster of this script's own:
#   - a catalog answering in 100 ms: 32 concurrent creates of 3 lines each
#     finish well under 32 x 100 ms (one at a time would take 9.6 s);
#   - a catalog that never answers: /health/live answers at once while the
#     creates end with 503 JSON and Retry-After at the request deadline;
#   - more creates than a loop takes at once (hung catalog): the extra ones
#     are refused 503 "server busy" and /health/live still answers 200;
#   - a client that goes away while its create waits on a row lock in the
#     database (local inventory, one session in the pool, a request deadline
#     far away): the session is given back at once, so a create of another
#     item succeeds while the lock is still held, and nothing is left open;
#   - PostgreSQL stopped: /health/live answers, creates and readiness answer
#     503 quickly without the database's error text, and everything works
#     again once it is back.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_e2eops.sh
source "$E2E_DIR/lib_e2eops.sh"

ms_now() { date +%s%3N; }

# 32 bodies file.1 .. file.32, each with its own key and the given lines.
write_bodies() { # file items...
	local lines="" it i
	for it in "${@:2}"; do
		lines+="${lines:+,}{\"item_id\":\"$it\",\"quantity\":1}"
	done
	for ((i = 1; i <= 32; i++)); do
		printf '{"user_id":"nb-user","idempotency_key":"%s","items":[%s]}' "$(e2e_uuid)" "$lines" \
			>"$1.$i"
	done
}

# Milliseconds /health/live took (curl's total time), or 99999 on failure.
live_ms() { # api
	local t
	t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "${E2E_AUTH[@]}" \
		"$1/health/live" 2>/dev/null) || { echo 99999; return; }
	[ "${t%% *}" = 200 ] || { echo 99999; return; }
	awk -v s="${t#* }" 'BEGIN { printf "%d\n", s * 1000 }'
}

sim_latency() { # ms
	e2e_http POST "$E2E_SIM/_sim/catalog/latency?ms=$1" ''
	assert_status "catalog latency set to $1 ms" 200
}

test_slow_catalog() {
	local t0 t1 created
	sim_latency 100
	write_bodies "$E2E_TMP/slow" sku-1 sku-2 sku-3
	t0=$(ms_now)
	e2e_parallel_post slow 32 "$E2E_API/api/v1/orders" "$E2E_TMP/slow.{i}"
	t1=$(ms_now)
	created=$(e2e_count_status slow 201)
	assert_eq "100 ms catalog: 32 concurrent creates answer 201" 32 "$created"
	if [ $((t1 - t0)) -lt 3200 ]; then
		e2e_pass "100 ms catalog: 32 creates of 3 lines took $((t1 - t0)) ms (< 32 x 100 ms)"
	else
		e2e_fail "100 ms catalog: 32 creates of 3 lines took $((t1 - t0)) ms (>= 32 x 100 ms)"
	fi
	t0=$(ms_now)
	e2e_http POST "$E2E_API/api/v1/orders/bulk" "$(bulk_body 16 sku-9)"
	t1=$(ms_now)
	assert_status "100 ms catalog: a bulk of 16 answers 207" 207
	assert_eq "100 ms catalog: every element of the bulk is created" 16 \
		"$(jq '[.data[] | select(.status == 201)] | length' "$E2E_BODY" 2>/dev/null)"
	if [ $((t1 - t0)) -lt 1200 ]; then
		e2e_pass "100 ms catalog: the bulk of 16 took $((t1 - t0)) ms (< 16 x 100 ms)"
	else
		e2e_fail "100 ms catalog: the bulk of 16 took $((t1 - t0)) ms (>= 16 x 100 ms)"
	fi
}

bulk_body() { # n item
	local i out=""
	for ((i = 0; i < $1; i++)); do
		out+="${out:+,}$(ops_order_body "$(e2e_uuid)" "$2" 1)"
	done
	echo "[$out]"
}

test_hung_catalog() {
	local pid worst=0 ms i
	sim_latency 600000
	write_bodies "$E2E_TMP/hung" sku-4 sku-5
	e2e_parallel_post hung 16 "$E2E_API/api/v1/orders" "$E2E_TMP/hung.{i}" &
	pid=$!
	sleep 0.3
	for ((i = 0; i < 5; i++)); do
		ms=$(live_ms "$E2E_API")
		[ "$ms" -gt "$worst" ] && worst=$ms
		sleep 0.1
	done
	if [ "$worst" -lt 1000 ]; then
		e2e_pass "hung catalog: /health/live answers meanwhile (slowest ${worst} ms)"
	else
		e2e_fail "hung catalog: /health/live answers meanwhile (slowest ${worst} ms)"
	fi
	local t0 t1
	t0=$(ms_now)
	e2e_http POST "$E2E_API/api/v1/orders/bulk" "$(bulk_body 20 sku-5)"
	t1=$(ms_now)
	assert_status "hung catalog: a bulk of 20 answers (503 or 207)" '503|207'
	if [ $((t1 - t0)) -lt 4000 ]; then
		e2e_pass "hung catalog: the bulk of 20 ended at the deadline ($((t1 - t0)) ms)"
	else
		e2e_fail "hung catalog: the bulk of 20 ended at the deadline ($((t1 - t0)) ms)"
	fi
	wait "$pid"
	assert_eq "hung catalog: all 16 creates answer 503 at the deadline" 16 "$(e2e_count_status hung 503)"
	assert_eq "hung catalog: the 503 is a JSON error envelope" "request deadline exceeded" \
		"$(jq -r '.errors[0].message // empty' "$E2E_TMP/hung.1.json" 2>/dev/null |
			head -n 1)"
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-6 1)" \
		-D "$E2E_TMP/hung.headers"
	assert_status "hung catalog: one more create answers 503" 503
	if grep -qi '^retry-after:' "$E2E_TMP/hung.headers"; then
		e2e_pass "hung catalog: the 503 carries Retry-After"
	else
		e2e_fail "hung catalog: the 503 carries Retry-After" "$(cat "$E2E_TMP/hung.headers")"
	fi
	sim_latency 0
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-6 1)"
	assert_status "catalog back: a create answers 201" 201
}

# More creates than a loop takes at once (256) against a hung catalog: the
# ones past the limit are refused 503 "server busy", and /health/live is
# answered 200 all the while (it does no I/O, so it needs no room).
test_full_loop() {
	local pid i codes="" code busy
	sim_latency 600000
	for ((i = 1; i <= 300; i++)); do
		ops_order_body "$(e2e_uuid)" sku-7 1 >"$E2E_TMP/full.$i"
	done
	e2e_parallel_post full 300 "$E2E_API/api/v1/orders" "$E2E_TMP/full.{i}" &
	pid=$!
	sleep 0.5
	for ((i = 0; i < 8; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$E2E_API/health/live")
		codes+="${codes:+ }$code"
		sleep 0.1
	done
	wait "$pid"
	busy=$(grep -l '"server busy"' "$E2E_TMP"/full.*.json 2>/dev/null | wc -l)
	if [ "$busy" -gt 0 ]; then
		e2e_pass "full loop: $busy of 300 creates refused 503 server busy"
	else
		e2e_fail "full loop: no create was refused as busy (the loop was never full)"
	fi
	assert_eq "full loop: /health/live answered 200 meanwhile" "200 200 200 200 200 200 200 200" "$codes"
	sim_latency 0
}

# Backends of the orders database (other than psql's own) holding a
# transaction open.
open_transactions() {
	e2e_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'orders'
	         AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
}

test_client_gone() {
	local api2 locker ms
	e2e_sql "INSERT INTO inventory VALUES ('nb-locked', 'Locked item', 100, 1000000),
	         ('nb-free', 'Free item', 100, 1000000)" >/dev/null
	# A second API on local inventory with a single database session.
	api2=$E2E_API
	e2e_start_api api-local DATABASE_URL="$E2E_DB_URL" API_THREADS=1 DB_POOL_SIZE=1 \
		REQUEST_TIMEOUT_MS=20000 STATEMENT_TIMEOUT_MS=0 CATALOG_CACHE_MS=0
	local local_api=$E2E_API
	E2E_API=$api2
	# The row stays locked for 4 s: the create waits for it in the database.
	psql -X -q -d "$E2E_DB_URL" -c "BEGIN" \
		-c "SELECT 1 FROM inventory WHERE item_id = 'nb-locked' FOR UPDATE" \
		-c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
	locker=$!
	local i rc
	for ((i = 0; i < 50; i++)); do
		[ "$(e2e_sql "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4)'")" = 1 ] && break
		sleep 0.1
	done
	assert_eq "client gone: the row is locked by another transaction" 1 \
		"$(e2e_sql "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4)'")"
	# The client gives up after 0.5 s, while its create holds the session.
	curl -s -o /dev/null --max-time 0.5 "${E2E_AUTH[@]}" -H 'Content-Type: application/json' \
		--data-binary "$(ops_order_body "$(e2e_uuid)" nb-locked 1)" \
		"$local_api/api/v1/orders" 2>/dev/null
	rc=$?
	assert_eq "client gone: its create was waiting for the row when it gave up (curl timed out)" 28 "$rc"
	ms=$(live_ms "$local_api")
	if [ "$ms" -lt 1000 ]; then
		e2e_pass "client gone, row still locked: /health/live answers (${ms} ms)"
	else
		e2e_fail "client gone, row still locked: /health/live answers (${ms} ms)"
	fi
	e2e_http POST "$local_api/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" nb-free 1)" --max-time 2
	assert_status "client gone, row still locked: the only session serves another create" 201
	wait "$locker"
	assert_eq "client gone: the locking transaction committed" 0 "$?"
	e2e_http POST "$local_api/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" nb-locked 1)"
	assert_status "after the client went away the only session serves the next create: 201" 201
	assert_eq "no transaction is left open" 0 "$(open_transactions)"
}

test_database_down() {
	local ms t0 t1
	if ops_pg_stop; then e2e_pass "database stopped"; else e2e_fail "database stopped"; fi
	t0=$(ms_now)
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-7 1)"
	t1=$(ms_now)
	assert_rejected "database down: create answers 503 JSON" 503 ""
	if [ $((t1 - t0)) -lt 2500 ]; then
		e2e_pass "database down: the create failed fast ($((t1 - t0)) ms)"
	else
		e2e_fail "database down: the create failed fast ($((t1 - t0)) ms)"
	fi
	ms=$(live_ms "$E2E_API")
	if [ "$ms" -lt 1000 ]; then
		e2e_pass "database down: /health/live answers (${ms} ms)"
	else
		e2e_fail "database down: /health/live answers (${ms} ms)"
	fi
	e2e_http GET "$E2E_API/health/ready"
	assert_rejected "database down: ready answers 503 JSON" 503 ""
	if grep -qiE 'connect|refused|127\.0\.0\.1|postgres|socket' "$E2E_BODY"; then
		e2e_fail "database down: ready does not leak the error text" "$(cat "$E2E_BODY")"
	else
		e2e_pass "database down: ready does not leak the error text"
	fi
	if ops_pg_start; then e2e_pass "database started again"; else e2e_fail "database started again"; fi
	if ops_wait_for 30 ready_200; then
		e2e_pass "database back: ready answers 200 by itself"
	else
		e2e_fail "database back: ready answers 200 by itself"
	fi
	e2e_http POST "$E2E_API/api/v1/orders" "$(ops_order_body "$(e2e_uuid)" sku-8 1)"
	assert_status "database back: a create answers 201" 201
}

# shellcheck disable=SC2317 # called through ops_wait_for
ready_200() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${E2E_AUTH[@]}" \
		"$E2E_API/health/ready")" = 200 ]
}

# The API needs no Kafka; the service environment names the variable.
export KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-}
ops_pg_create
e2e_migrate
ops_start_api API_THREADS=1 DB_POOL_SIZE=4 CATALOG_CACHE_MS=0 REQUEST_TIMEOUT_MS=2000 \
	TIMEOUT_READ=30
test_slow_catalog
test_hung_catalog
test_full_loop
test_client_gone
test_database_down
e2e_finish
