#!/usr/bin/env bash
# The chaos campaign of DESIGN §13 (`make chaos`; a short run in `make test`
# through tests/e2e/test_kafka_real_chaos.sh).
#
# The whole system runs as in production, each process under a supervisor
# loop that restarts it when it dies (what an orchestrator does): two API
# instances and one of each worker (outbox-payments, outbox-notifications,
# outbox-kafka, shipping-consumer, inbox), on a PostgreSQL cluster and a real
# Apache Kafka broker of the campaign's own, with order-sim as the outside
# world and its payment service failing half its calls (500/503). While
# CHAOS_ORDERS orders are created through the two APIs, the campaign
#   - SIGKILLs a process at random moments, every process kind at least once,
#   - restarts PostgreSQL once (fast shutdown: every session is cut),
#   - stops the Kafka broker for 10 s once;
# requests that get no 2xx (API killed, database away) are retried with the
# same idempotency key, as a client would. Then it waits for the system to
# settle and checks §13:
#   1. every order answered 2xx exists;
#   2. every outbox row is sent or dead (none pending);
#   3. every event id of the Kafka-bound outbox rows is on its topic
#      (read back with kcat; duplicates counted);
#   4. no transition applied twice, no order paid twice (history, inbox, and
#      the payment service's own record of payments created), no refund
#      applied twice (history, and the refunds the payment service accepted);
#   5. nothing stranded: every order delivered or cancelled, or explained by
#      a dead outbox row; every payment the payment service took for an order
#      that ended cancelled was refunded or cancelled there, and no delivered
#      order was refunded.
# Refunds come from two sources: the shipping service fails 5% of shipments
# (a paid order is cancelled), and while the load runs orders that are paid
# or new are cancelled through the API. The campaign also checks that it
# measured something: every order requested was answered 2xx in the end, no
# request was refused with a 4xx (a wrong request, not a fault), and refunds
# were requested.
# Prints the figures; with CHAOS_REPORT=file also writes them there as
# Markdown (`make chaos` writes docs/RELIABILITY.md's figures section).
# Exits non-zero when a check fails.
#
# Settings: CHAOS_ORDERS (20000), CHAOS_KILLS (kills beyond one per kind,
# default orders/500), CHAOS_PARALLEL (requests in flight, 16), CHAOS_RATE
# (orders a second at most, 40),
# CHAOS_SETTLE_SECONDS (how long the system may take to settle, 900),
# ORDER_SERVICE_BIN, ORDER_SIM_BIN, and KAFKA_REAL_DATA_DIR (use that running
# broker, from scripts/kafka-broker.sh, instead of starting one).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ORDER_SERVICE_BIN=${ORDER_SERVICE_BIN:-$ROOT/build/order-service}
ORDER_SIM_BIN=${ORDER_SIM_BIN:-$ROOT/build/order-sim}
ORDERS=${CHAOS_ORDERS:-20000}
EXTRA_KILLS=${CHAOS_KILLS:-$((ORDERS / 500))}
PARALLEL=${CHAOS_PARALLEL:-16}
SETTLE=${CHAOS_SETTLE_SECONDS:-900}
CHUNK=100
export MIGRATIONS_DIR=${MIGRATIONS_DIR:-$ROOT/migrations}
RATE=${CHAOS_RATE:-40}
SECRET=chaos-callback-secret
KINDS=(api-1 api-2 outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox)
# Cancelled through the API each second while the load runs: paid orders
# (refunded) and new ones (payment withdrawn, cancelled or refunded).
CANCEL_PAID=${CHAOS_CANCEL_PAID:-2}
CANCEL_NEW=${CHAOS_CANCEL_NEW:-1}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/order-service-chaos.XXXXXX")
LOGS=$DIR/logs
RUN=$DIR/run
STOP=$RUN/stop
# PostgreSQL runs as user postgres when we are root: it must reach its dir.
chmod 755 "$DIR"
mkdir -p "$LOGS" "$RUN" "$DIR/load"
OWN_BROKER=0
BROKER_DATA=${KAFKA_REAL_DATA_DIR:-}
SUPERVISORS=()
FAILED=0

say() { echo "chaos: $*" >&2; }
event() { echo "$(date -u +%H:%M:%S) $*" >>"$DIR/events"; say "$*"; }

# shellcheck source=scripts/free-port.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/free-port.sh"

# ------------------------------------------------------------ infrastructure

# The campaign's own stack: its database and its API keys (with a caller's
# API_KEYS_FILE the stack would make no keys).
pg() {
	env -u DATABASE_URL -u POSTGRES_CONNECTION_STRING -u API_KEYS_FILE -u DEV_API_KEY -u DEV_ADMIN_KEY \
		DATA_DIR="$DIR/stack" PGPORT="$PGPORT" DEV_STACK_ONLY=pg "$ROOT/scripts/dev-stack.sh" "$@"
}
broker() { DATA_DIR=$BROKER_DATA "$ROOT/scripts/kafka-broker.sh" "$@"; }

start_infrastructure() {
	local lines
	PGPORT=$(free_port)
	lines=$(pg start) || { say "PostgreSQL did not start"; return 1; }
	eval "$lines"
	export DATABASE_URL
	# The dev stack's service key, listed in the keys file the APIs read:
	# the API refuses requests without one.
	[ -n "${DEV_API_KEY:-}" ] && [ -s "${API_KEYS_FILE:-}" ] &&
		grep -q "^$(printf '%s' "$DEV_API_KEY" | sha256sum | cut -d' ' -f1) service" "$API_KEYS_FILE" ||
		{ say "the dev stack gave no service key that its keys file lists"; return 1; }
	if [ -z "$BROKER_DATA" ]; then
		BROKER_DATA=$DIR/kafka
		OWN_BROKER=1
	fi
	lines=$(broker start) || { say "the Kafka broker did not start"; return 1; }
	eval "$lines"
	export KAFKA_BOOTSTRAP_SERVERS
	TAG="chaos.$$.$RANDOM"
	export KAFKA_TOPIC_ORDER_EVENTS=$TAG.order.events KAFKA_TOPIC_SHIPPING_REQUESTS=$TAG.shipping.requests \
		KAFKA_TOPIC_SHIPPING_EVENTS=$TAG.shipping.events KAFKA_CONSUMER_GROUP=$TAG.consumer
	KAFKA_TOPIC_ORDER_EVENTS=$KAFKA_TOPIC_ORDER_EVENTS KAFKA_TOPIC_SHIPPING_REQUESTS=$KAFKA_TOPIC_SHIPPING_REQUESTS \
		KAFKA_TOPIC_SHIPPING_EVENTS=$KAFKA_TOPIC_SHIPPING_EVENTS KAFKA_PARTITIONS=16 broker topics ||
		{ say "creating the topics failed"; return 1; }
	ENV_FILE=$DIR/no.env "$ORDER_SERVICE_BIN" migrate >>"$LOGS/migrate.log" 2>&1 ||
		{ say "migrate failed"; return 1; }
}

sql() { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"; }

# ----------------------------------------------------------------- processes

# Runs cmd again whenever it ends, until the stop file exists; the current
# pid is in $RUN/<name>.pid.
supervise() { # name cmd...
	local name=$1 pid rc
	shift
	while [ ! -e "$STOP" ]; do
		"$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
		pid=$!
		echo "$pid" >"$RUN/$name.pid"
		{ wait "$pid"; } 2>/dev/null
		rc=$?
		[ -e "$STOP" ] && break
		echo "$(date -u +%H:%M:%S) $name exited ($rc), restarting" >>"$DIR/restarts"
		sleep 0.3
	done
}

start_processes() {
	local common=(env ENV_FILE="$DIR/no.env" DATABASE_URL="$DATABASE_URL" LOG_LEVEL=warn
		API_KEYS_FILE="$API_KEYS_FILE"
		CATALOG_SERVICE_API_URL="$SIM/catalog/items" PAYMENTS_SERVICE_API_URL="$SIM/payments"
		NOTIFICATIONS_SERVICE_API_URL="$SIM/notifications"
		PAYMENTS_CALLBACK_URL="$API1/api/v1/orders/payment-callback"
		PAYMENTS_CALLBACK_SECRET="$SECRET" MAX_RETRY=30 MAX_DELAY=2 KAFKA_SESSION_TIMEOUT_MS=6000)
	local role
	supervise api-1 "${common[@]}" APP_PORT="${API1##*:}" API_THREADS=2 "$ORDER_SERVICE_BIN" api &
	SUPERVISORS+=($!)
	supervise api-2 "${common[@]}" APP_PORT="${API2##*:}" API_THREADS=2 "$ORDER_SERVICE_BIN" api &
	SUPERVISORS+=($!)
	for role in outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox; do
		supervise "$role" "${common[@]}" "$ORDER_SERVICE_BIN" worker "$role" &
		SUPERVISORS+=($!)
	done
}

start_sim() {
	local port
	port=$(free_port)
	SIM=http://127.0.0.1:$port
	"$ORDER_SIM_BIN" --port "$port" --kafka "$KAFKA_BOOTSTRAP_SERVERS" --callback-secret "$SECRET" \
		--payment-error-rate 0.5 --payment-delay-ms 20 --shipping-delay-ms 20 --shipping-fail-rate 0.05 \
		--topic-requests "$KAFKA_TOPIC_SHIPPING_REQUESTS" --topic-events "$KAFKA_TOPIC_SHIPPING_EVENTS" \
		--group "$TAG.sim" </dev/null >>"$LOGS/order-sim.log" 2>&1 &
	SIM_PID=$!
	wait_http "$SIM/health" || { say "order-sim not ready"; return 1; }
}

wait_http() { # url [seconds]
	local deadline=$((SECONDS + ${2:-60}))
	until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

stop_all() {
	local pid f
	touch "$STOP"
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SUPERVISORS[@]}"; do wait "$pid" 2>/dev/null; done
	SUPERVISORS=()
	if [ -n "${SIM_PID:-}" ]; then kill -TERM "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; SIM_PID=""; fi
}

cleanup() {
	stop_all
	if [ "$OWN_BROKER" = 1 ]; then broker stop 2>/dev/null; fi
	if [ -n "${BROKER_DATA:-}" ] && [ "$OWN_BROKER" = 0 ] && ! broker status >/dev/null 2>&1; then
		broker start >/dev/null 2>&1
	fi
	[ -n "${PGPORT:-}" ] && pg stop 2>/dev/null
	if [ "$FAILED" -ne 0 ] || [ "${CHAOS_KEEP:-0}" = 1 ]; then say "logs kept in $DIR"; else rm -rf "$DIR"; fi
}

# -------------------------------------------------------------------- faults

kill_one() { # name
	local pid
	pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 0
	if kill -KILL "$pid" 2>/dev/null; then
		KILLED[$1]=$((${KILLED[$1]:-0} + 1))
		event "SIGKILL $1 (pid $pid)"
	fi
}

restart_postgres() {
	event "restarting PostgreSQL"
	pg stop >/dev/null 2>&1
	pg start >/dev/null 2>&1 || { event "PostgreSQL did not come back"; FAILED=1; }
	event "PostgreSQL is back"
}

stop_broker() {
	event "stopping the Kafka broker for 10 s"
	broker stop >/dev/null 2>&1
	sleep 10
	broker start >/dev/null 2>&1 || { event "the broker did not come back"; FAILED=1; }
	event "the Kafka broker is back"
}

# The fault schedule, in the background while the load runs: every kind
# once in random order, then random kills, with the database restart and
# the broker outage in between, all spread over the expected load time.
faults() { # seconds
	local span=$1 plan=() i n gap k
	mapfile -t plan < <(printf '%s\n' "${KINDS[@]}" | shuf)
	for ((i = 0; i < EXTRA_KILLS; i++)); do plan+=("${KINDS[RANDOM % ${#KINDS[@]}]}"); done
	n=$((${#plan[@]} + 2))
	gap=$((span * 10 / n))
	[ "$gap" -ge 5 ] || gap=5
	for ((i = 0; i < ${#plan[@]}; i++)); do
		[ -e "$STOP" ] && return
		sleep "$((gap / 10)).$((gap % 10 + RANDOM % 5))"
		if [ "$i" -eq $((${#plan[@]} / 3)) ]; then restart_postgres; fi
		if [ "$i" -eq $((${#plan[@]} * 2 / 3)) ]; then stop_broker; fi
		kill_one "${plan[$i]}"
	done
	for k in "${KINDS[@]}"; do echo "$k ${KILLED[$k]:-0}"; done >"$DIR/kills"
}

# ---------------------------------------------------------------------- load

# One round: every key of the list, CHUNK at a time, to the two APIs in turn,
# at most RATE orders a second (so that the faults fall during the load).
# The body follows from the key, so a retry sends the same request.
# Answers: load/<key>.json and "code key" lines in load/codes.
load_round() { # keys-file
	local cfg=$DIR/load/curlrc chunk=0 key i=0 start=$SECONDS ahead
	: >"$cfg"
	while read -r key; do
		i=$((i + 1))
		local user=$((16#${key:0:2} % 50)) sku=$((16#${key:2:2} % 10 + 1))
		{
			# "next" separates requests; one after the last makes curl fail them all.
			if [ -s "$cfg" ]; then echo next; fi
			echo "url = \"$([ $((chunk % 2)) -eq 0 ] && echo "$API1" || echo "$API2")/api/v1/orders\""
			echo 'request = "POST"'
			echo 'header = "Content-Type: application/json"'
			echo "header = \"Authorization: Bearer $DEV_API_KEY\""
			printf 'data = "{\\"user_id\\":\\"u-chaos-%d\\",\\"idempotency_key\\":\\"%s\\",\\"items\\":[{\\"item_id\\":\\"sku-%d\\",\\"quantity\\":1}]}"\n' \
				"$user" "$key" "$sku"
			echo "output = \"$DIR/load/$key.json\""
			printf 'write-out = "%%{http_code} %s\\n"\n' "$key"
			echo 'max-time = 30'
		} >>"$cfg"
		if [ $((i % CHUNK)) -eq 0 ]; then
			curl -sS --parallel --parallel-max "$PARALLEL" -K "$cfg" >>"$DIR/load/codes" 2>/dev/null
			: >"$cfg"
			chunk=$((chunk + 1))
			ahead=$((i / RATE - (SECONDS - start)))
			if [ "$ahead" -gt 0 ]; then sleep "$ahead"; fi
		fi
	done <"$1"
	if [ -s "$cfg" ]; then curl -sS --parallel --parallel-max "$PARALLEL" -K "$cfg" >>"$DIR/load/codes" 2>/dev/null; fi
}

# Sends the keys of the file, then retries those without a 2xx answer
# (up to 5 more rounds).
run_load() { # keys-file
	local round keys=$DIR/load/keys
	cp "$1" "$keys"
	for ((round = 1; round <= 6; round++)); do
		if [ "$round" -gt 1 ]; then
			# keys whose latest answer is not 2xx
			awk '{ last[$2] = $1 } END { for (k in last) if (last[k] !~ /^20[01]$/) print k }' \
				"$DIR/load/codes" >"$keys"
			[ -s "$keys" ] || break
			say "round $round: retrying $(wc -l <"$keys") requests without a 2xx answer"
			sleep 2
		fi
		load_round "$keys"
	done
}

# While the load runs (until load/done exists): each second, up to
# CANCEL_PAID paid and CANCEL_NEW new orders, picked at random, are cancelled
# through the two APIs in turn. Answers: "code order-id" lines in
# load/cancels (000: no answer; 409: the order had moved on meanwhile).
canceller() {
	local ids id api i=0
	while [ ! -e "$DIR/load/done" ] && [ ! -e "$STOP" ]; do
		ids=$(sql "(SELECT id FROM orders WHERE status = 'paid' ORDER BY random() LIMIT $CANCEL_PAID)
			UNION ALL (SELECT id FROM orders WHERE status = 'new' ORDER BY random() LIMIT $CANCEL_NEW)" \
			2>/dev/null) || ids=""
		for id in $ids; do
			i=$((i + 1))
			api=$([ $((i % 2)) -eq 0 ] && echo "$API1" || echo "$API2")
			curl -sS -o /dev/null -w "%{http_code} $id\n" --max-time 10 -X POST \
				-H "Authorization: Bearer $DEV_API_KEY" "$api/api/v1/orders/$id/cancel" \
				>>"$DIR/load/cancels" 2>/dev/null
		done
		sleep 1
	done
}

# ------------------------------------------------------------------ checks

check() { # description ok(0|1) detail
	if [ "$2" -eq 0 ]; then echo "ok - $1"; CHECKS_OK=$((CHECKS_OK + 1))
	else echo "not ok - $1: $3"; CHECKS_BAD=$((CHECKS_BAD + 1)); FAILED=1; fi
}

# Waits until nothing is pending in the outbox or the inbox and no order is
# in flight, or the deadline.
settle() {
	local deadline=$((SECONDS + SETTLE)) busy
	while [ $SECONDS -lt "$deadline" ]; do
		busy=$(sql "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending')
			+ (SELECT count(*) FROM inbox WHERE status = 'pending')
			+ (SELECT count(*) FROM orders WHERE status IN ('new', 'paid', 'shipped'))" 2>/dev/null) || busy=x
		[ "$busy" = 0 ] && return 0
		sleep 2
	done
	return 1
}

# Every event id of the Kafka-bound outbox rows on its topic.
read_topic_ids() { # topic out-file
	local end=$DIR/$1.count
	timeout 600 kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -C -t "$1" -o beginning -e -q -f '%h\n' 2>/dev/null |
		grep -o 'ce_id=[0-9a-f-]*' | cut -d= -f2 >"$2"
}

verify() {
	CHECKS_OK=0
	CHECKS_BAD=0
	local answered missing pending dead kafka_rows kafka_msgs kafka_distinct absent dup_trans \
		dup_inbox paid_twice payments_twice stranded delivered cancelled refused cancels_ok \
		cancels_wrong refunds refunds_twice ps_refunds_twice taken_cancelled unreturned refunded_delivered
	# 0. the campaign measured something: every order was answered 2xx in
	# the end, and none was refused as a wrong request
	awk '$1 ~ /^20[01]$/ { print $2 }' "$DIR/load/codes" | sort -u >"$DIR/answered"
	answered=$(wc -l <"$DIR/answered")
	check "every order requested was answered 2xx ($answered of $ORDERS)" "$((answered != ORDERS))" \
		"$((ORDERS - answered)) never answered 2xx"
	refused=$(awk '$1 ~ /^4/' "$DIR/load/codes" | wc -l)
	check "no create refused with a 4xx" "$((refused != 0))" \
		"$refused refused, e.g. $(awk '$1 ~ /^4/ { print; exit }' "$DIR/load/codes")"
	# 1. every order answered 2xx exists
	sql "SELECT idempotency_key FROM orders" | sort -u >"$DIR/stored"
	missing=$(comm -23 "$DIR/answered" "$DIR/stored" | wc -l)
	check "every order answered 2xx exists ($answered answered)" "$((missing != 0))" "$missing missing"
	# 2. every outbox row sent or dead
	pending=$(sql "SELECT count(*) FROM outbox WHERE status = 'pending'")
	dead=$(sql "SELECT count(*) FROM outbox WHERE status = 'dead'")
	check "every outbox row is sent or dead ($dead dead)" "$((pending != 0))" "$pending pending"
	# 3. every event id on Kafka
	sql "SELECT id FROM outbox WHERE status = 'sent' AND destination IN
		('$KAFKA_TOPIC_ORDER_EVENTS', '$KAFKA_TOPIC_SHIPPING_REQUESTS')" | sort -u >"$DIR/kafka_rows"
	kafka_rows=$(wc -l <"$DIR/kafka_rows")
	read_topic_ids "$KAFKA_TOPIC_ORDER_EVENTS" "$DIR/ids.a"
	read_topic_ids "$KAFKA_TOPIC_SHIPPING_REQUESTS" "$DIR/ids.b"
	cat "$DIR/ids.a" "$DIR/ids.b" >"$DIR/ids"
	kafka_msgs=$(wc -l <"$DIR/ids")
	sort -u "$DIR/ids" >"$DIR/ids.distinct"
	kafka_distinct=$(wc -l <"$DIR/ids.distinct")
	absent=$(comm -23 "$DIR/kafka_rows" "$DIR/ids.distinct" | wc -l)
	check "every event id of $kafka_rows Kafka outbox rows is on Kafka" "$((absent != 0))" "$absent absent"
	# 4. nothing applied twice
	# (a refund's history row keeps the status: it is not a transition)
	dup_trans=$(sql "SELECT count(*) FROM (SELECT 1 FROM order_status_history
		WHERE from_status IS DISTINCT FROM to_status GROUP BY order_id, to_status HAVING count(*) > 1) t")
	check "no transition applied twice" "$((dup_trans != 0))" "$dup_trans repeated"
	dup_inbox=$(sql "SELECT count(*) FROM (SELECT 1 FROM inbox GROUP BY source, message_id HAVING count(*) > 1) t")
	check "no inbox message stored twice" "$((dup_inbox != 0))" "$dup_inbox repeated"
	paid_twice=$(sql "SELECT count(*) FROM (SELECT 1 FROM order_status_history WHERE to_status = 'paid'
		GROUP BY order_id HAVING count(*) > 1) t")
	check "no order paid twice" "$((paid_twice != 0))" "$paid_twice"
	# The payment service's own record: the payments it called back about
	# (one payment id per order) and the requests it refused with 5xx.
	curl -fsS --max-time 60 "$SIM/_sim/payments/callbacks" -o "$DIR/callbacks.json"
	curl -fsS --max-time 60 "$SIM/_sim/payments/requests" -o "$DIR/payments.json"
	payments_twice=$(jq '[.data[] | {o: .order_id, p: .payment_id}] | unique | group_by(.o)
		| map(select(length > 1)) | length' "$DIR/callbacks.json" 2>/dev/null || echo x)
	PAYMENTS=$(jq '[.data[] | .payment_id] | unique | length' "$DIR/callbacks.json" 2>/dev/null || echo x)
	PAYMENT_ERRORS=$(jq '[.data[] | select(.status >= 500)] | length' "$DIR/payments.json" 2>/dev/null || echo x)
	check "the payment service created at most one payment per order ($PAYMENTS created)" \
		"$([ "$payments_twice" = 0 ] && echo 0 || echo 1)" "$payments_twice orders with more"
	# Refunds: one per payment in the history, and the payment service
	# accepted at most one refund key per payment.
	refunds=$(sql "SELECT count(*) FROM refunds")
	check "refunds were exercised ($refunds requested)" "$((refunds == 0))" "none requested"
	refunds_twice=$(sql "SELECT count(*) FROM (SELECT 1 FROM order_status_history
		WHERE from_status = to_status AND reason LIKE 'refund requested%'
		GROUP BY order_id, reason HAVING count(*) > 1) t")
	curl -fsS --max-time 60 "$SIM/_sim/payments/refunds" -o "$DIR/refunds.json"
	curl -fsS --max-time 60 "$SIM/_sim/payments/cancels" -o "$DIR/cancels.json"
	ps_refunds_twice=$(jq '[.data[] | select(.status == 201)
		| {p: .body.payment_id, k: (.body.idempotency_key // .headers["idempotency-key"])}]
		| unique | group_by(.p) | map(select(length > 1)) | length' "$DIR/refunds.json" 2>/dev/null || echo x)
	check "no refund applied twice (history; payment service)" \
		"$([ "$refunds_twice" = 0 ] && [ "$ps_refunds_twice" = 0 ] && echo 0 || echo 1)" \
		"$refunds_twice in the history, $ps_refunds_twice payments refunded under two keys"
	# Every cancel the API answered 200 ended cancelled.
	awk '$1 == 200 { print $2 }' "$DIR/load/cancels" | sort -u >"$DIR/cancelled-by-api"
	cancels_ok=$(wc -l <"$DIR/cancelled-by-api")
	sql "SELECT id FROM orders WHERE status = 'cancelled'" | sort -u >"$DIR/cancelled"
	cancels_wrong=$(comm -23 "$DIR/cancelled-by-api" "$DIR/cancelled" | wc -l)
	check "every order whose cancel was answered 200 ended cancelled ($cancels_ok)" \
		"$((cancels_wrong != 0 || cancels_ok == 0))" "$cancels_wrong did not, of $cancels_ok"
	# 5. no money stranded: each payment the payment service took ("order
	# payment" from its callbacks) for an order that ended cancelled was
	# refunded (a refund of that payment accepted) or cancelled there (a
	# cancel of the order accepted); no delivered order was refunded.
	# (no payment fails in this campaign: every callback reports a success)
	jq -r '.data[] | "\(.order_id) \(.payment_id)"' "$DIR/callbacks.json" 2>/dev/null | sort -u >"$DIR/taken"
	# The payment service's record is whole (its journal drops its oldest
	# entries past 100,000): every payment an order recorded is in it.
	local unknown
	unknown=$(comm -23 <(sql "SELECT payment_id FROM order_payments" | sort -u) \
		<(cut -d' ' -f2 "$DIR/taken" | sort -u) | wc -l)
	check "every payment the orders recorded is in the payment service's record" \
		"$((unknown != 0))" "$unknown missing (CHAOS_ORDERS too large for order-sim's journal?)"
	jq -r '.data[] | select(.status == 201) | .body.payment_id' "$DIR/refunds.json" 2>/dev/null |
		sort -u >"$DIR/refunded"
	jq -r '.data[] | select(.status == 200) | .order_id' "$DIR/cancels.json" 2>/dev/null |
		sort -u >"$DIR/payment-cancelled"
	read -r taken_cancelled unreturned < <(awk -v c="$DIR/cancelled" -v r="$DIR/refunded" \
		-v pc="$DIR/payment-cancelled" '
		BEGIN { while ((getline l < c) > 0) can[l] = 1; while ((getline l < r) > 0) ref[l] = 1
			while ((getline l < pc) > 0) pcan[l] = 1 }
		$1 in can { t++; if (!($2 in ref) && !($1 in pcan)) n++ } END { print t + 0, n + 0 }' "$DIR/taken")
	check "each of $taken_cancelled payments of orders that ended cancelled was refunded or cancelled at the payment service" \
		"$((unreturned != 0 || taken_cancelled == 0))" "$unreturned payments kept, of $taken_cancelled"
	refunded_delivered=$(sql "SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id
		WHERE o.status = 'delivered'")
	check "no delivered order refunded" "$((refunded_delivered != 0))" "$refunded_delivered refunded"
	# 5. nothing stranded
	stranded=$(sql "SELECT count(*) FROM orders o WHERE status NOT IN ('delivered', 'cancelled')
		AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.aggregateid = o.id AND x.status = 'dead')")
	check "nothing stranded (every order delivered, cancelled, or held by a dead row)" \
		"$((stranded != 0))" "$stranded stranded"
	delivered=$(sql "SELECT count(*) FROM orders WHERE status = 'delivered'")
	cancelled=$(sql "SELECT count(*) FROM orders WHERE status = 'cancelled'")
	FIG=(
		"orders requested|$ORDERS"
		"orders answered 2xx|$answered"
		"orders stored|$(wc -l <"$DIR/stored")"
		"orders delivered|$delivered"
		"orders cancelled|$cancelled"
		"answered 2xx but missing (lost)|$missing"
		"requests sent (incl. retries of unanswered ones)|$(wc -l <"$DIR/load/codes")"
		"requests without a 2xx answer (retried)|$(awk '$1 !~ /^20[01]$/' "$DIR/load/codes" | wc -l)"
		"payment calls answered 5xx by the payment service|$PAYMENT_ERRORS"
		"payments created|$PAYMENTS"
		"outbox rows|$(sql "SELECT count(*) FROM outbox")"
		"outbox rows pending / dead|$pending / $dead"
		"Kafka-bound outbox rows sent|$kafka_rows"
		"Kafka messages read back|$kafka_msgs"
		"distinct event ids on Kafka|$kafka_distinct"
		"duplicates on Kafka (messages - distinct ids)|$((kafka_msgs - kafka_distinct))"
		"event ids missing on Kafka|$absent"
		"transitions applied twice|$dup_trans"
		"orders paid twice (history / payment service)|$paid_twice / $payments_twice"
		"cancels sent through the API / answered 200|$(wc -l <"$DIR/load/cancels") / $cancels_ok"
		"orders cancelled after shipping failed|$(sql "SELECT count(DISTINCT order_id) FROM order_status_history
			WHERE from_status = 'paid' AND to_status = 'cancelled' AND reason LIKE '%shipping%'")"
		"refunds requested (refunds table) / accepted by the payment service (payments)|$refunds / $(wc -l <"$DIR/refunded")"
		"refunds applied twice (history / payment service)|$refunds_twice / $ps_refunds_twice"
		"payment cancels accepted by the payment service (orders)|$(wc -l <"$DIR/payment-cancelled")"
		"payments taken for orders that ended cancelled / neither refunded nor cancelled|$taken_cancelled / $unreturned"
		"delivered orders refunded|$refunded_delivered"
		"inbox rows (shipping duplicates recorded once)|$(sql "SELECT count(*) FROM inbox")"
		"orders stranded|$stranded"
	)
}

# Replaces the part of file between the markers "<!-- chaos:begin -->" and
# "<!-- chaos:end -->" with this run's date, settings and figures (appends
# the section when the markers are missing).
write_report() { # file
	local body=$DIR/report.md
	{
		echo "<!-- chaos:begin -->"
		echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, Kafka $(sed -n 's/.*<kafka.version>\(.*\)<.*/\1/p' "$ROOT/tools/kafka/pom.xml"):"
		echo "\`CHAOS_ORDERS=$ORDERS CHAOS_KILLS=$EXTRA_KILLS CHAOS_PARALLEL=$PARALLEL\`."
		echo
		cat "$DIR/figures.md"
		echo
		echo "Fault log:"
		echo
		echo '```'
		cat "$DIR/events"
		echo '```'
		echo "<!-- chaos:end -->"
	} >"$body"
	if [ -f "$1" ] && grep -q '^<!-- chaos:begin -->' "$1"; then
		awk -v body="$body" '
			/^<!-- chaos:begin -->/ { while ((getline l < body) > 0) print l; skip = 1; next }
			/^<!-- chaos:end -->/ { skip = 0; next }
			!skip { print }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
	else
		cat "$body" >>"$1"
	fi
	say "figures written to $1"
}

report() {
	local line k restarts
	restarts=$(wc -l <"$DIR/restarts" 2>/dev/null || echo 0)
	{
		echo "| figure | value |"
		echo "|---|---|"
		for line in "${FIG[@]}"; do echo "| ${line%%|*} | ${line#*|} |"; done
		echo "| SIGKILLs (per kind) | $(for k in "${KINDS[@]}"; do printf '%s %s, ' "$k" "${KILLED[$k]:-0}"; done | sed 's/, $//') |"
		echo "| process restarts by the supervisors | $restarts |"
		echo "| PostgreSQL restarts | 1 |"
		echo "| Kafka broker stops (10 s) | 1 |"
		echo "| load time / settle time | ${LOAD_TIME}s / ${SETTLE_TIME}s |"
		echo "| checks | $CHECKS_OK passed, $CHECKS_BAD failed |"
	} >"$DIR/figures.md"
	cat "$DIR/figures.md"
	if [ -n "${CHAOS_REPORT:-}" ]; then write_report "$CHAOS_REPORT"; fi
	echo "# fault log"
	cat "$DIR/events"
}

main() {
	declare -gA KILLED=()
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	[ -x "$ORDER_SERVICE_BIN" ] && [ -x "$ORDER_SIM_BIN" ] || { say "build first (make build)"; exit 2; }
	start_infrastructure || { FAILED=1; exit 1; }
	API1=http://127.0.0.1:$(free_port)
	API2=http://127.0.0.1:$(free_port)
	start_sim || { FAILED=1; exit 1; }
	start_processes
	wait_http "$API1/health/ready" 60 && wait_http "$API2/health/ready" 60 ||
		{ say "the APIs are not ready"; FAILED=1; exit 1; }
	event "load: $ORDERS orders, $EXTRA_KILLS kills beyond one per kind"
	local t0=$SECONDS expected u i
	for ((i = 0; i < ORDERS; i++)); do
		read -r u </proc/sys/kernel/random/uuid
		echo "$u"
	done >"$DIR/all-keys"
	# The load takes about ORDERS / RATE seconds: the faults are spread over it.
	expected=$((ORDERS / RATE))
	faults "$expected" &
	local faulter=$!
	: >"$DIR/load/cancels"
	canceller &
	local cancelling=$!
	run_load "$DIR/all-keys"
	LOAD_TIME=$((SECONDS - t0))
	event "load done in ${LOAD_TIME}s; waiting for the fault schedule"
	wait "$faulter"
	KILLED=()
	while read -r k n; do KILLED[$k]=$n; done <"$DIR/kills"
	# Requests the faults cut after the load's last round.
	awk '{ last[$2] = $1 } END { for (k in last) if (last[k] !~ /^20[01]$/) print k }' \
		"$DIR/load/codes" >"$DIR/unanswered"
	if [ -s "$DIR/unanswered" ]; then run_load "$DIR/unanswered"; fi
	touch "$DIR/load/done"
	wait "$cancelling"
	t0=$SECONDS
	if settle; then event "settled"; else event "not settled after ${SETTLE}s"; fi
	SETTLE_TIME=$((SECONDS - t0))
	verify
	report
	echo "$CHECKS_OK passed, $CHECKS_BAD failed"
	[ "$FAILED" -eq 0 ]
}

main "$@"
