# shellcheck shell=bash
# Helpers for the outbox relay end-to-end tests (tests/e2e/test_relay_*.sh),
# sourced after lib.sh. They give each script its own Kafka topics (so the
# messages it reads are exactly the ones its relays sent, whatever else shares
# the mock cluster), start order-sim, the API and relay workers against the
# test database, create orders in bulk, poll the database for conditions
# with deadlines, and compare what a receiver saw with the outbox ids.

RELAY_API_KEY=relay-e2e-api-key
RELAY_TOPIC=""
RELAY_PID=""
# shellcheck disable=SC2034 # read by the scripts after relay_term
RELAY_RC=""

# A fresh migrated database and topic names of this script's own. The topics
# are exported so that the API (which writes them as outbox destinations) and
# the relays agree on them; the mock cluster creates them on first produce.
relay_init() {
	[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] ||
		{ e2e_fail "KAFKA_BOOTSTRAP_SERVERS is set (run through scripts/test.sh)"; e2e_finish; }
	e2e_db_create
	e2e_migrate
	RELAY_TOPIC="e2e.${E2E_NAME//[^a-zA-Z0-9]/-}.$$.$RANDOM.order-events"
	export KAFKA_TOPIC_ORDER_EVENTS=$RELAY_TOPIC
	export KAFKA_TOPIC_SHIPPING_REQUESTS=${RELAY_TOPIC%.order-events}.shipping-requests
	export CAPASHINO_SERVICE_ACCESS_TOKEN=$RELAY_API_KEY
}

# `order-service api` on a free port whose payment requests name its own
# callback route (order-sim refuses a request without one). Sets E2E_API.
relay_start_api() {
	local port
	port=$(e2e_free_port)
	e2e_start api env DATABASE_URL="$E2E_DB_URL" APP_PORT="$port" API_THREADS=2 \
		CATALOG_SERVICE_API_URL="$E2E_SIM/catalog/items" \
		PAYMENTS_CALLBACK_URL="http://127.0.0.1:$port/api/v1/orders/payment-callback" \
		PAYMENTS_CALLBACK_SECRET="$E2E_CALLBACK_SECRET" "$ORDER_SERVICE_BIN" api
	E2E_API=http://127.0.0.1:$port
	e2e_wait_http api "$E2E_LAST_PID" "$E2E_API/health/ready"
}

# order-sim and the API.
relay_start_stack() { # [order-sim args...]
	e2e_start_sim sim "$@"
	relay_start_api
}

# One relay worker (payments, notifications or kafka) against the test
# database and order-sim; extra VAR=value arguments go to its environment.
# Waits until it logged its start. Sets RELAY_PID.
relay_start_worker() { # name kind [VAR=value...]
	local name=$1 kind=$2 deadline=$((SECONDS + E2E_READY_SECONDS))
	shift 2
	e2e_start "$name" env DATABASE_URL="$E2E_DB_URL" \
		PAYMENTS_SERVICE_API_URL="$E2E_SIM/payments" \
		NOTIFICATIONS_SERVICE_API_URL="$E2E_SIM/notifications" \
		"$@" "$ORDER_SERVICE_BIN" worker "outbox-$kind"
	RELAY_PID=$E2E_LAST_PID
	until grep -q '"relay started"' "$E2E_TMP/$name.log" 2>/dev/null; do
		if ! kill -0 "$RELAY_PID" 2>/dev/null || [ $SECONDS -ge "$deadline" ]; then
			e2e_fail "$name starts" "$(tail -n 20 "$E2E_TMP/$name.log")"
			e2e_finish
		fi
		sleep 0.05
	done
}

# n orders (sku-1, quantity 1) through POST /api/v1/orders/bulk, up to 100
# per request, the requests in parallel. Every element must be a 201.
relay_create_orders() { # tag n
	local tag=$1 n=$2 req=0 left=$2 k body created
	while [ "$left" -gt 0 ]; do
		req=$((req + 1))
		k=$((left < 100 ? left : 100))
		left=$((left - k))
		body='['
		for ((; k > 0; k--)); do
			body+="{\"user_id\":\"relay-$tag-$req\",\"idempotency_key\":\"$(e2e_uuid)\","
			body+='"items":[{"item_id":"sku-1","quantity":1}]},'
		done
		echo "${body%,}]" >"$E2E_TMP/$tag.bulk.$req.json"
	done
	e2e_parallel_post "$tag" "$req" "$E2E_API/api/v1/orders/bulk" "$E2E_TMP/$tag.bulk.{i}.json"
	created=$(cat "$E2E_TMP/$tag".[0-9]*.json 2>/dev/null | jq -s '[.[].data[]? | select(.status == 201)] | length')
	assert_eq "$tag: $n orders created through the API" "$n" "$created"
}

# One order through POST /api/v1/orders; prints its id.
relay_create_order() {
	e2e_http POST "$E2E_API/api/v1/orders" \
		"{\"user_id\":\"relay-one\",\"idempotency_key\":\"$(e2e_uuid)\",\"items\":[{\"item_id\":\"sku-2\",\"quantity\":1}]}"
	[ "$E2E_STATUS" = 201 ] || return 1
	jq -r '.data.id' "$E2E_BODY"
}

# Polls a query until it prints the expected text; returns 1 when the
# deadline passes first (the caller asserts).
relay_poll_sql() { # sql expected seconds
	local deadline=$((SECONDS + $3))
	while [ "$(e2e_sql "$1" 2>/dev/null)" != "$2" ]; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

relay_pending() { # destination
	e2e_sql "SELECT count(*) FROM outbox WHERE status = 'pending' AND destination = '$1'"
}

# Asserts that every row of a destination ends sent within the deadline.
relay_assert_drained() { # description destination seconds
	if relay_poll_sql "SELECT count(*) FROM outbox WHERE destination = '$2' AND status <> 'sent'" 0 "$3"; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "$(e2e_sql "SELECT status, count(*), max(attempts), max(last_error) FROM outbox
		                          WHERE destination = '$2' GROUP BY status")" "$(relay_sessions)"
	fi
}

# The sessions on the test database, for a failure's detail: a relay stuck
# in a transaction or a query shows here.
relay_sessions() {
	e2e_sql "SELECT pid || ' ' || state || ' xact=' || coalesce(to_char(xact_start, 'HH24:MI:SS.MS'), '-')
	         || ' ' || left(regexp_replace(query, '\s+', ' ', 'g'), 80)
	         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
}

# Pending rows that a transaction still holds locked (0 when no relay holds
# any): the pending rows a SKIP LOCKED claim cannot see.
relay_locked_pending() {
	e2e_sql "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending')
	              - (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE status = 'pending'
	                                       FOR UPDATE SKIP LOCKED) x)"
}

# The outbox event ids of a destination, sorted, one per line.
relay_outbox_ids() { # destination
	e2e_sql "SELECT id FROM outbox WHERE destination = '$1' ORDER BY 1"
}

# Every message of this script's order-events topic as kcat JSON lines;
# returns non-zero when kcat fails (e.g. the topic does not exist yet).
relay_kafka_read() { # out-file
	timeout 60 kcat -C -q -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$RELAY_TOPIC" -o beginning -e -J \
		>"$1" 2>"$E2E_TMP/kcat.err"
}

# relay_kafka_read, where a failure is a test failure.
relay_kafka_dump() { # out-file
	relay_kafka_read "$1" || e2e_fail "kcat reads $RELAY_TOPIC" "$(head -n 5 "$E2E_TMP/kcat.err")"
}

# The ce_id header of every message of a kcat -J dump, sorted, one per line
# (repeats kept: a message sent twice appears twice).
relay_kafka_ce_ids() { # dump-file
	jq -r '.headers as $h | [range(0; $h | length; 2) | select($h[.] == "ce_id") | $h[. + 1]]
	       | first // "none"' "$1" | sort
}

# Asserts that the received ids (sorted, repeats allowed) cover every
# expected id and hold nothing else.
relay_assert_covers() { # description expected-file received-file
	local missing extra
	missing=$(sort -u "$3" | comm -23 "$2" - | wc -l)
	extra=$(sort -u "$3" | comm -13 "$2" - | wc -l)
	if [ "$missing" -eq 0 ] && [ "$extra" -eq 0 ] && [ -s "$2" ]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "expected $(wc -l <"$2") ids: $missing missing, $extra unknown" \
			"first missing: $(sort -u "$3" | comm -23 "$2" - | head -n 3 | tr '\n' ' ')"
	fi
}

# Ids received more than once.
relay_repeats() { # received-file
	uniq -d "$1" | wc -l
}

# The Idempotency-Key of every request order-sim recorded at a route
# (payments: /_sim/payments/requests; notifications: /_sim/notifications),
# sorted, repeats kept. Only requests answered with the given status regex
# when one is given.
relay_sim_keys() { # route [status-regex]
	curl -fsS --max-time 30 "$E2E_SIM$1" |
		jq -r --arg re "${2:-.}" '.data[] | select((.status // 0 | tostring) | test($re))
		                          | .headers["idempotency-key"] // "none"' | sort
}

# SIGTERM, then waits (bounded) for the end; RELAY_RC is the exit status, or
# "timeout" when it did not end in time. Not for a subshell: it waits on a
# child of this shell.
relay_term() { # pid seconds
	kill -TERM "$1" 2>/dev/null
	if e2e_wait_gone "$1" "$2"; then
		wait "$1"
		RELAY_RC=$?
	else
		# shellcheck disable=SC2034
		RELAY_RC=timeout
	fi
}
