# shellcheck shell=bash
# Helpers for the order-lifecycle end-to-end tests (tests/e2e/test_lifecycle_*.sh),
# sourced after lib.sh. They run the whole system the way production does:
# order-sim (catalog, payments with signed callbacks, shipping over Kafka),
# the API and the five workers, each as its own process against a fresh
# database. Each script gets its own Kafka topics and consumer groups, so
# scripts sharing one broker never see each other's messages, and a new
# consumer group reads its topic from the beginning.
#
# Everything waits by polling a condition with a deadline; nothing relies on
# a fixed sleep.

LIFE_DEADLINE=${LIFE_DEADLINE:-30}
# The history of an order that went the whole happy way, as life_transitions prints it.
LIFE_HAPPY=">new new>paid paid>shipped shipped>delivered"
declare -A LIFE_PID=()

# The fresh database, migrated, and this script's topics (created by asking
# the broker for their metadata, which auto-creates them).
life_init() {
	local tag t tool
	for tool in kcat jq openssl; do
		command -v "$tool" >/dev/null || { e2e_fail "$tool is installed"; e2e_finish; }
	done
	[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] ||
		{ e2e_fail "KAFKA_BOOTSTRAP_SERVERS is set (run through scripts/test.sh)"; e2e_finish; }
	e2e_db_create
	e2e_migrate
	tag="life.${E2E_NAME//[^a-zA-Z0-9]/_}.$$.$RANDOM"
	export KAFKA_TOPIC_ORDER_EVENTS=$tag.order.events
	export KAFKA_TOPIC_SHIPPING_REQUESTS=$tag.shipping.requests
	export KAFKA_TOPIC_SHIPPING_EVENTS=$tag.shipping.events
	export KAFKA_CONSUMER_GROUP=$tag.consumer
	export OUTBOX_POLL_INTERVAL_MS=200
	LIFE_SIM_GROUP=$tag.sim
	for t in "$KAFKA_TOPIC_ORDER_EVENTS" "$KAFKA_TOPIC_SHIPPING_REQUESTS" \
		"$KAFKA_TOPIC_SHIPPING_EVENTS"; do
		life_create_topic "$t" || { e2e_fail "create topic $t"; e2e_finish; }
	done
}

# True once the broker lists partitions for the topic (bounded retries).
life_create_topic() { # topic
	local i n
	for ((i = 0; i < 20; i++)); do
		n=$(kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -L -t "$1" -J -m 10 2>/dev/null |
			jq '[.topics[]? | select(.topic == "'"$1"'") | .partitions | length] | add // 0')
		[ "${n:-0}" -gt 0 ] && return 0
		sleep 0.2
	done
	return 1
}

# order-sim on this script's topics.
life_start_sim() {
	e2e_start_sim sim --topic-requests "$KAFKA_TOPIC_SHIPPING_REQUESTS" \
		--topic-events "$KAFKA_TOPIC_SHIPPING_EVENTS" --group "$LIFE_SIM_GROUP"
	LIFE_PID[sim]=$E2E_LAST_PID
}

# What the API and every worker share: the database, the simulators, the
# callback address (the API's own) and secret. MAX_DELAY=1 caps retry
# backoff at a second, so an early event is retried soon after it can apply.
life_env() {
	LIFE_ENV=(DATABASE_URL="$E2E_DB_URL"
		CATALOG_SERVICE_API_URL="$E2E_SIM/catalog/items"
		PAYMENTS_SERVICE_API_URL="$E2E_SIM/payments"
		NOTIFICATIONS_SERVICE_API_URL="$E2E_SIM/notifications"
		PAYMENTS_CALLBACK_URL="$E2E_API/api/v1/orders/payment-callback"
		PAYMENTS_CALLBACK_SECRET="$E2E_CALLBACK_SECRET"
		MAX_DELAY=1)
}

# The API on a free port; sets E2E_API.
life_start_api() {
	local port
	port=$(e2e_free_port)
	E2E_API=http://127.0.0.1:$port
	life_env
	e2e_start api env "${LIFE_ENV[@]}" APP_PORT="$port" API_THREADS=2 "$ORDER_SERVICE_BIN" api
	LIFE_PID[api]=$E2E_LAST_PID
	e2e_wait_http api "$E2E_LAST_PID" "$E2E_API/health/ready"
}

# One worker, ready once its metrics endpoint answers (it has loaded its
# configuration and opened its connections by then); LIFE_METRICS[role] is
# that endpoint. A free port can be taken before the worker binds it, so a
# bind failure is retried on another port. Logs go to <role>.log, appended
# across restarts.
declare -A LIFE_METRICS=()
life_start_worker() { # role [VAR=value...]
	life_start_worker_as "$1" "$@"
}

# As life_start_worker, for a second instance of a role: name (e.g.
# shipping-consumer-2) stands for it in LIFE_PID, LIFE_METRICS and the log.
life_start_worker_as() { # name role [VAR=value...]
	local role=$1 kind=$2 port try pid deadline lines
	shift 2
	life_env
	for try in 1 2 3 4 5; do
		port=$(e2e_free_port)
		lines=$(wc -l 2>/dev/null <"$E2E_TMP/$role.log" || echo 0)
		e2e_start "$role" env "${LIFE_ENV[@]}" WORKER_METRICS_PORT="$port" "$@" \
			"$ORDER_SERVICE_BIN" worker "$kind"
		pid=$E2E_LAST_PID
		LIFE_PID[$role]=$pid
		LIFE_METRICS[$role]=http://127.0.0.1:$port/metrics
		deadline=$((SECONDS + E2E_READY_SECONDS))
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt "$deadline" ]; do
			curl -fsS -o /dev/null --max-time 2 "${LIFE_METRICS[$role]}" 2>/dev/null && return 0
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && break
		{ wait "$pid"; } 2>/dev/null
		life_forget "$pid"
		unset "LIFE_PID[$role]"
		tail -n "+$((lines + 1))" "$E2E_TMP/$role.log" | grep -q 'Address already in use' || break
		e2e_log "$role: metrics port $port taken (attempt $try), retrying"
	done
	e2e_fail "$role starts and is ready within ${E2E_READY_SECONDS}s" \
		"$(tail -n 20 "$E2E_TMP/$role.log")"
	e2e_finish
}

# A counter of a worker's /metrics, summed over its label sets ("0" if absent).
life_metric() { # role metric-name label-filter (e.g. outcome="duplicate")
	curl -fsS --max-time 5 "${LIFE_METRICS[$1]}" 2>/dev/null |
		awk -v m="$2" -v l="$3" 'index($1, m) == 1 && index($0, l) > 0 { s += $NF } END { print s + 0 }'
}

# shellcheck disable=SC2034 # used by the scripts that source this file
LIFE_WORKERS=(outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox)

# The simulators, the API and the workers named (LIFE_WORKERS: all five).
life_start_system() { # worker-role...
	local role
	life_start_sim
	life_start_api
	for role in "$@"; do life_start_worker "$role"; done
}

# Drops a reaped pid from the harness's list, so that the cleanup at exit
# does not signal a process group that a new process may by then have
# taken the same number for (pids wrap quickly on a busy machine).
life_forget() { # pid
	local i
	for i in "${!E2E_PIDS[@]}"; do
		if [ "${E2E_PIDS[$i]}" = "$1" ]; then unset "E2E_PIDS[$i]" "E2E_PROC_NAMES[$i]" "E2E_STARTS[$i]"; fi
	done
}

# Signals a process started here, waits for it to end and reaps it.
life_stop() { # role signal
	local pid=${LIFE_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "-$2" -- "-$pid" 2>/dev/null
	e2e_wait_gone "$pid" 20 || { e2e_fail "$1 ends after SIG$2"; return 1; }
	# Reaped here, quietly: bash would otherwise report the kill.
	{ wait "$pid"; } 2>/dev/null
	life_forget "$pid"
	unset "LIFE_PID[$1]"
}

# Ends the script at once when a process that should be running has died,
# rather than letting every later wait run into its deadline.
life_check_alive() {
	local role
	for role in "${!LIFE_PID[@]}"; do
		kill -0 "${LIFE_PID[$role]}" 2>/dev/null && continue
		e2e_fail "$role keeps running" "$(tail -n 20 "$E2E_TMP/$role.log")"
		e2e_finish
	done
}

# True while the process started for role is running.
life_running() { # role
	local pid=${LIFE_PID[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# ------------------------------------------------------------------ orders

# Creates an order of qty x item; sets LIFE_ORDER (its id), "" on failure.
life_create_order() { # [item] [qty]
	local body
	body=$(printf '{"user_id":"u-life","idempotency_key":"%s","items":[{"item_id":"%s","quantity":%d}]}' \
		"$(e2e_uuid)" "${1:-sku-2}" "${2:-1}")
	e2e_http POST "$E2E_API/api/v1/orders" "$body"
	LIFE_ORDER=""
	if [ "$E2E_STATUS" = 201 ]; then LIFE_ORDER=$(jq -r '.data.id' "$E2E_BODY"); fi
	assert_match "create an order (201)" '^[0-9a-f-]{36}$' "$LIFE_ORDER"
}

life_status() { # order-id
	e2e_http GET "$E2E_API/api/v1/orders/$1"
	jq -r '.data.status // empty' "$E2E_BODY" 2>/dev/null
}

# Polls GET /api/v1/orders/{id} until the order has the status; asserts it
# did within the deadline.
life_expect_status() { # description order-id status [seconds]
	local deadline=$((SECONDS + ${4:-$LIFE_DEADLINE})) got
	while :; do
		got=$(life_status "$2")
		if [ "$got" = "$3" ] || [ $SECONDS -ge "$deadline" ]; then break; fi
		life_check_alive
		sleep 0.2
	done
	assert_eq "$1" "$3" "$got"
}

# Polls a query until it prints the expected text; asserts it did.
life_expect_sql() { # description sql expected [seconds]
	local deadline=$((SECONDS + ${4:-$LIFE_DEADLINE})) got
	while :; do
		got=$(e2e_sql "$2" 2>&1)
		if [ "$got" = "$3" ] || [ $SECONDS -ge "$deadline" ]; then break; fi
		life_check_alive
		sleep 0.2
	done
	assert_eq "$1" "$3" "$got"
}

# The order's history as "from>to" words, e.g. "-new new>paid paid>shipped".
life_transitions() { # order-id
	e2e_sql "SELECT string_agg(coalesce(from_status, '') || '>' || to_status, ' ' ORDER BY id)
		FROM order_status_history WHERE order_id = '$1'"
}

# Checks GET /history: exactly the expected transitions, in order, each with
# a non-empty reason and an RFC 3339 UTC time with milliseconds.
life_expect_history() { # description order-id expected-"from>to"-words
	local rfc3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$'
	e2e_http GET "$E2E_API/api/v1/orders/$2/history"
	assert_status "$1: history answers 200" 200
	assert_json "$1: history transitions" \
		'[.data[] | "\(.from // "")>\(.to)"] | join(" ")' "$3"
	assert_json "$1: every transition has a reason" '[.data[] | .reason | length > 0] | all' true
	assert_json "$1: every time is RFC 3339 UTC with milliseconds" \
		"[.data[] | .at | test(\"$rfc3339\")] | all" true
	assert_eq "$1: database history matches" "$3" "$(life_transitions "$2")"
}

# -------------------------------------------------------------- callbacks

# "sha256=<hex HMAC-SHA256 of body>" under the test secret (or the given one).
life_sign() { # body [secret]
	printf '%s' "$1" | openssl dgst -sha256 -hmac "${2:-$E2E_CALLBACK_SECRET}" | awk '{ print $NF }' |
		sed 's/^/sha256=/'
}

# POSTs a payment callback body with the given X-Signature ("" = none).
life_callback() { # body signature
	if [ -n "$2" ]; then
		e2e_http POST "$E2E_API/api/v1/orders/payment-callback" "$1" -H "X-Signature: $2"
	else
		e2e_http POST "$E2E_API/api/v1/orders/payment-callback" "$1"
	fi
}

# A callback body as the payment service sends it.
life_callback_body() { # order-id amount status idempotency-key
	printf '{"id":"pay-%s","user_id":"u-life","order_id":"%s","amount":"%s","status":"%s","idempotency_key":"%s","created_at":"2026-01-01T00:00:00.000Z"}' \
		"$4" "$1" "$2" "$3" "$4"
}

# --------------------------------------------------------------- shipping

# A shipping event body like the shipping service's.
life_event() { # event-id type order-id
	printf '{"event_id":"%s","event_type":"%s","order_id":"%s","occurred_at":"2026-01-01T00:00:00.000Z"}' \
		"$1" "$2" "$3"
}

# Publishes raw bytes to this script's shipping events topic, keyed.
life_publish() { # value [key]
	e2e_http POST "$E2E_SIM/_sim/shipping/publish?key=${2:-life}" "$1"
	[ "$E2E_STATUS" = 200 ] || e2e_fail "publish to the shipping events topic" \
		"status $E2E_STATUS: $(head -c 300 "$E2E_BODY")"
}

# Transitions recorded more than once for any order: "" when none (a
# failing query prints its error, so it cannot pass by accident). A refund's
# history entry keeps the status (from = to) and is no transition.
life_duplicated_transitions() {
	e2e_sql "SELECT order_id || ':' || to_status || 'x' || count(*) FROM order_status_history
		WHERE from_status IS DISTINCT FROM to_status
		GROUP BY order_id, to_status HAVING count(*) > 1" 2>&1
}

# Inbox message ids present more than once: "" when none.
life_duplicated_inbox() {
	e2e_sql "SELECT message_id FROM inbox GROUP BY source, message_id HAVING count(*) > 1" 2>&1
}
