#!/usr/bin/env bash
# The benchmarks of DESIGN §11, in one command (`make bench`). On a private
# PostgreSQL cluster and the embedded Kafka (scripts/dev-stack.sh under a
# temporary DATA_DIR) it measures, one phase after the other:
#   1. order creation over HTTP (wrk, 32 connections, 1-3 lines of 1,000
#      items) against the independent ceiling: pgbench -M prepared -c32 of
#      the canonical order transaction (bench/canonical.pgb), with the relays
#      stopped and with the Kafka relay live; and, for reference, the old
#      parity figure (the service's own statement on 10 hot SKUs);
#   2. the same creates with a catalog answering in 100 ms, /health/live
#      probed all along;
#   3. draining a backlog of outbox rows to Kafka while as many rows of the
#      other destinations are pending beside it;
#   4. commit-to-Kafka latency at 200 orders/s on a 16-partition topic;
#   5. the full lifecycle latency new -> delivered with instant simulators;
#   6. the peak RSS (VmHWM) of the API and of each worker.
# It prints a summary and writes it to bench/results/<timestamp>.md; the
# method behind each figure is in docs/BENCHMARKS.md.
#
# Settings (environment):
#   BUILD_DIR       where order-service and order-sim are (default <repo>/build;
#                   built with RelWithDebInfo when missing)
#   BENCH_CONNS     connections / pgbench clients, phases 1-2   (default 32)
#   BENCH_THREADS   wrk threads / pgbench -j for phase 1          (default 2)
#   BENCH_POOL      the API's DB_POOL_SIZE               (default 16, the service's)
#   BENCH_SECONDS   duration of each phase-1 run                  (default 20)
#   BENCH_ROUNDS    phase-1 wrk and pgbench runs alternate in this many
#                   rounds of BENCH_SECONDS / rounds each         (default 2)
#   BENCH_BACKLOG   outbox rows per drain                         (default 100000)
#   BENCH_RATE      orders/s of the latency phase                 (default 200)
#   BENCH_LOW_RATE  a second latency run, 0 to skip                (default 0)
#   BENCH_LAT_SECONDS  duration of the latency phase              (default 15)
#   BENCH_PARTITIONS   partitions of the embedded Kafka's topics  (default 16)
#   BENCH_LIFE_SECONDS duration of order creation in phase 4      (default 10)
#   BENCH_PGPORT, BENCH_APP_PORT, BENCH_SIM_PORT, BENCH_ADMIN_PORT  (default: free ports)
#   BENCH_METRICS_PORT  drain relay i serves /metrics on this + i  (default: a free port)
#   BENCH_KEEP=1    keep the scratch directory (cluster, logs) for inspection
#   BENCH_ONLY_CREATE=1  phase 1 only (its report section alone)
#   BENCH_ONLY_DRAIN=1   phase 3 only
#   BENCH_PROFILE=1 profile the drain (perf record -a -g) and round 1's
#                   HTTP run: `perf record -g` of the API
#                   (top symbols into the report) and, with
#                   pg_stat_statements loaded, the statements, transactions
#                   and round trips per order on PostgreSQL's side
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
# shellcheck source=lib.sh
. "$BENCH/lib.sh"

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
# The API's database sessions (all loops together): the service's default.
# 32 sessions for 32 connections gave the same creates/s and a p99 of
# 39-47 ms against 21-29 ms with 16: requests beyond the sessions wait in the
# API's queue, in order, rather than in the scheduler of 2 cores among 32
# backends (docs/BENCHMARKS.md).
POOL=${BENCH_POOL:-16}
API_LOOPS=$(nproc); [ "$API_LOOPS" -ge 2 ] || API_LOOPS=2   # the API's default API_THREADS
SECS=${BENCH_SECONDS:-20}
ROUNDS=${BENCH_ROUNDS:-2}
BACKLOG=${BENCH_BACKLOG:-100000}
RATE=${BENCH_RATE:-200}
LOW_RATE=${BENCH_LOW_RATE:-0}
LAT_SECS=${BENCH_LAT_SECONDS:-15}
PARTITIONS=${BENCH_PARTITIONS:-16}
LIFE_SECS=${BENCH_LIFE_SECONDS:-10}
PGPORT=${BENCH_PGPORT:-$(free_port)}
APP_PORT=${BENCH_APP_PORT:-$(free_port)}
SIM_PORT=${BENCH_SIM_PORT:-$(free_port)}
METRICS_PORT=${BENCH_METRICS_PORT:-$(free_port)}   # drains: relay i serves metrics on +i
SECRET=bench-callback-secret
# The API's bearer token: a service key made for the run (bench_keys), sent
# by the wrk scripts as BENCH_TOKEN. Rate limits are off (0) so that the
# figures measure the service, not its limiter.
export BENCH_TOKEN=bench-service-$$-$RANDOM
BIN=$BUILD_DIR/order-service
SIM=$BUILD_DIR/order-sim
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$BENCH/results/$STAMP.md

# ------------------------------------------------------------------ set-up

preflight() {
	local t
	for t in wrk pgbench kcat psql curl ss cmake; do
		command -v "$t" >/dev/null || die "$t not found (run scripts/install-deps.sh)"
	done
	if [ ! -x "$BIN" ] || [ ! -x "$SIM" ]; then
		say "building into $BUILD_DIR"
		cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
		cmake --build "$BUILD_DIR" -j "$(nproc)" >/dev/null
	fi
	for t in "$PGPORT" "$APP_PORT" "$SIM_PORT"; do
		port_free "$t" || die "port $t is in use (set BENCH_PGPORT / BENCH_APP_PORT / BENCH_SIM_PORT)"
	done
}

# Only the stack's own variables reach dev-stack.sh, so that an outside
# DATABASE_URL or service URL cannot redirect the benchmark.
stack() { # command
	env -i PATH="$PATH" HOME="${HOME:-/root}" DATA_DIR="$WORK/stack" PGPORT="$PGPORT" \
		ORDER_SERVICE_BIN="$BIN" ORDER_SIM_BIN="$SIM" DEV_STACK_ONLY=pg,kafka \
		DEV_KAFKA_PARTITIONS="$PARTITIONS" \
		"$ROOT/scripts/dev-stack.sh" "$1"
}

cleanup() {
	set +e
	stop_all_procs
	[ -n "${KCAT_PID:-}" ] && kill "$KCAT_PID" 2>/dev/null
	stack stop >/dev/null 2>&1
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}

# The commit timestamps that phase 3 needs are a server setting: set it,
# then restart with Kafka as well.
start_stack() {
	stack start >/dev/null
	psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
		-c "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null
	[ "${BENCH_PROFILE:-0}" = 1 ] &&
		psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
			-c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
	stack stop 2>/dev/null
	# Only the two addresses are taken from the export lines: the rest would
	# leak into the simulators' environment.
	local exports
	exports=$(stack start)
	DATABASE_URL=$(eval "$exports"; echo "$DATABASE_URL")
	KAFKA_BOOTSTRAP_SERVERS=$(eval "$exports"; echo "$KAFKA_BOOTSTRAP_SERVERS")
	PGLOG=$WORK/stack/logs/postgres.log
	svc migrate
	"${SVC[@]}" >"$WORK/logs/migrate.log" 2>&1 || die "migrate failed (see $WORK/logs/migrate.log)"
	bsql -f "$BENCH/seed.sql" >/dev/null
	[ "${BENCH_PROFILE:-0}" != 1 ] || bsql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
}

# Sets SVC to the command line of order-service with a clean, explicit
# configuration plus the VAR=value pairs given before the subcommand. An
# array rather than a function, so that a background start's $! is the
# service's own pid (env execs it).
svc() {
	local vars=()
	while [ $# -gt 0 ] && [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
	SVC=(env -u CATALOG_SERVICE_API_URL -u PAYMENTS_SERVICE_API_URL -u NOTIFICATIONS_SERVICE_API_URL
		ENV_FILE=/dev/null LOG_LEVEL=warn DATABASE_URL="$DATABASE_URL"
		KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP_SERVERS" APP_PORT="$APP_PORT"
		PAYMENTS_CALLBACK_SECRET="$SECRET" API_KEYS_FILE="$WORK/api_keys"
		RATE_LIMIT_PER_MINUTE=0 ADMIN_PORT="$ADMIN_PORT"
		PAYMENTS_CALLBACK_URL="http://127.0.0.1:$APP_PORT/api/v1/orders/payment-callback"
		"${vars[@]}" "$BIN" "$@")
}

# Every run starts at the same point of the checkpoint cycle: right after
# one. Otherwise a checkpoint that the reset's own writes bring forward falls
# inside some runs and not others, and with it the p99 (docs/BENCHMARKS.md).
reset_db() { bsql -f "$BENCH/reset.sql" -c CHECKPOINT >/dev/null; }
# The plan settings of the API's sessions (infrastructure/postgres/pg_session.c).
API_PLAN_OPTIONS="-c plan_cache_mode=force_generic_plan -c enable_seqscan=off"
# The orders of a run: reset.sql's history is two days old.
RUN_ORDERS="orders WHERE created_at > now() - interval '1 day'"

api_live() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$APP_PORT/health/live"; }
sim_live() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$SIM_PORT/health"; }

start_api() {
	svc API_THREADS="$API_LOOPS" DB_POOL_SIZE="$POOL" api
	start_proc api "${SVC[@]}"
	wait_until api 30 api_live
}

# ------------------------------------------------- phase 1: create vs pgbench

# One create with statement logging on: the server's log then holds the exact
# SQL of each statement the API ran, and the database the order's values.
probe_create() {
	bsql -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
	curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $BENCH_TOKEN" \
		-d '{"user_id":"user-1","idempotency_key":"0b0e6a52-5f3c-4b7e-9d1a-000000000001","items":[{"item_id":"sku-1","quantity":1}]}' \
		"http://127.0.0.1:$APP_PORT/api/v1/orders" || die "probe create failed"
	bsql -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
}

# A fresh order id in a pgbench script, from its \set hi and lo.
# shellcheck disable=SC2016 # pgbench variables, not shell
PGB_OID="(lpad(to_hex(:hi::bigint), 16, '0') || lpad(to_hex(:lo::bigint), 16, '0'))"

# The service's create statement with pgbench variables for its parameters:
# the lines' items, names, prices and quantities as given (SQL array
# expressions), the rest as the probe order's, except what must be fresh or
# varies per request as in wrk's script: ids (random), user (random),
# timestamps (clock_timestamp()).
# shellcheck disable=SC2016 # $1..$25 are SQL parameters, not shell
pgb_create_stmt() { # statement items names prices qtys
	local c=$1 now
	now="(extract(epoch FROM clock_timestamp()) * 1000000)"
	# Highest numbers first, so that $1 never matches the start of $10.
	# $21..$25: customer name and e-mail, address, external ref (none for
	# an API order, as for the probe) and source.
	c=${c//'$25'/"'api'"}
	c=${c//'$24'/NULL}
	c=${c//'$23'/NULL}
	c=${c//'$22'/NULL}
	c=${c//'$21'/NULL}
	c=${c//'$20'/:headers}
	c=${c//'$19'/:payloads}
	c=${c//'$18'/:dests}
	c=${c//'$17'/:types}
	c=${c//'$16'/"$PGB_AGGS"}
	c=${c//'$15'/"$PGB_IDS"}
	c=${c//'$14'/"$4"}
	c=${c//'$13'/"$5"}
	c=${c//'$12'/"$3"}
	c=${c//'$11'/"$2"}
	c=${c//'$10'/:reserve}
	c=${c//'$9'/:reason}
	c=${c//'$8'/"$now"}
	c=${c//'$7'/"$now"}
	c=${c//'$6'/:fingerprint}
	c=${c//'$5'/gen_random_uuid()}
	c=${c//'$4'/:currency}
	c=${c//'$3'/:amount}
	c=${c//'$2'/"('user-' || :uid::text)"}
	c=${c//'$1'/"$PGB_OID"}
	echo "$c"
}

# Writes create.pgb, the service's own create statement on 10 hot SKUs (the
# old parity figure, and phase 4's load), and create_shape.pgb, the same
# statement in the ceiling's shape.
# shellcheck disable=SC2016 # $1..$25 are SQL parameters, not shell
write_pgbench_scripts() {
	local create raw n i
	create=$(logged_stmt order_create "$PGLOG")
	[ -n "$create" ] ||
		die "statements not found in $PGLOG (renamed? see write_pgbench_scripts)"
	n=$(bsql -c "SELECT count(*) FROM outbox WHERE aggregateid IN (SELECT id FROM orders)")
	PGB_NMSG=$n
	# The outbox rows' ids (fresh) and aggregate (the order) for $15, $16.
	PGB_IDS="ARRAY[gen_random_uuid()" PGB_AGGS="ARRAY[$PGB_OID"
	for ((i = 1; i < n; i++)); do PGB_IDS+=", gen_random_uuid()"; PGB_AGGS+=", $PGB_OID"; done
	PGB_IDS+="]" PGB_AGGS+="]"
	raw=$create
	# The SKU's own price (seed.sql: 1000 x n): the statement checks it.
	create=$(pgb_create_stmt "$create" "('{sku-' || :sku::text || '}')" \
		"('{\"Item ' || :sku::text || '\"}')" "('{' || (1000 * :sku)::text || '}')" :qtys)
	{
		echo '\set hi random(1, 9223372036854775807)'
		echo '\set lo random(1, 9223372036854775807)'
		echo '\set sku random(1, 10)'
		echo '\set uid random(1, 1000)'
	} >"$WORK/head.pgb"
	# The service wakes the relays after the commit, in a transaction of
	# its own (pg_notify_soon): so does the script.
	{
		cat "$WORK/head.pgb"
		echo "$create;"
		echo "SELECT set_config('synchronous_commit', 'off', true), pg_notify('outbox', '');"
	} >"$WORK/create.pgb"
	# The same statement in the ceiling's shape: 1-3 of the 1,000 items
	# (seed.sql: "Bench item n" at 100 + n cents), one unit each. Without
	# the NOTIFY, as the ceiling: the statement's own cost.
	local pick="[1:(:n::int)])"
	create=$(pgb_create_stmt "$raw" \
		"((ARRAY['item-' || :a::int, 'item-' || :b::int, 'item-' || :c::int])$pick" \
		"((ARRAY['Bench item ' || :a::int, 'Bench item ' || :b::int, 'Bench item ' || :c::int])$pick" \
		"((ARRAY[100 + :a::int, 100 + :b::int, 100 + :c::int])$pick" \
		"(array_fill(1, ARRAY[:n::int]))")
	{
		echo '\set n random(1, 3)'
		echo '\set a random(1, 1000)'
		echo '\set b random(1, 1000)'
		echo '\set c random(1, 1000)'
		echo '\set uid random(1, 1000)'
		echo '\set hi random(1, 9223372036854775807)'
		echo '\set lo random(1, 9223372036854775807)'
		echo "$create;"
	} >"$WORK/create_shape.pgb"
	# The probe order's values, as pgbench -D arguments.
	mapfile -t PGB_VARS < <(bsql -F $'\n' -c "
		SELECT 'amount=' || o.amount_cents, 'currency=' || o.currency,
		       'fingerprint=' || o.request_fingerprint,
		       'reason=' || (SELECT reason FROM order_status_history WHERE order_id = o.id LIMIT 1),
		       'reserve=true',
		       'qtys=' || (SELECT array_agg(quantity ORDER BY line) FROM order_items WHERE order_id = o.id)::text,
		       'prices=' || (SELECT array_agg(unit_price_cents ORDER BY line) FROM order_items WHERE order_id = o.id)::text,
		       'types=' || (SELECT array_agg(type ORDER BY seq) FROM outbox WHERE aggregateid = o.id)::text,
		       'dests=' || (SELECT array_agg(destination ORDER BY seq) FROM outbox WHERE aggregateid = o.id)::text,
		       'payloads=' || (SELECT array_agg(payload::text ORDER BY seq) FROM outbox WHERE aggregateid = o.id)::text,
		       'headers=' || (SELECT array_agg(headers::text ORDER BY seq) FROM outbox WHERE aggregateid = o.id)::text
		FROM orders o WHERE o.created_at > now() - interval '1 day' LIMIT 1")
	[ "${#PGB_VARS[@]}" -eq 11 ] || die "cannot read the probe order's values"
	local defs=() v
	for v in "${PGB_VARS[@]}"; do defs+=(-D "$v"); done
	PGB_DEFS=("${defs[@]}")
}

# One transaction of a create script must write what the API writes: one
# order (a refused price would write none) and its outbox rows.
check_pgbench_script() { # script
	local before after
	before=$(bsql -c "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM outbox)")
	pgbench -n -M prepared -t 1 -h 127.0.0.1 -p "$PGPORT" -U postgres "${PGB_DEFS[@]}" \
		-f "$1" orders >"$WORK/logs/pgbench-check.log" 2>&1 ||
		{ cat "$WORK/logs/pgbench-check.log" >&2; die "the pgbench script $1 fails"; }
	after=$(bsql -c "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM outbox)")
	[ $((${after%/*} - ${before%/*})) -eq 1 ] && [ $((${after#*/} - ${before#*/})) -eq "$PGB_NMSG" ] ||
		die "the pgbench script $1 wrote $before -> $after orders/outbox rows"
}

# One wrk run of secs seconds against the running API on a reset database;
# prints wrk_summary's line and the orders the database then holds.
run_wrk() { # secs tag
	reset_db
	wrk_create "$@"
}

# As run_wrk on the database as it is.
wrk_create() { # secs tag
	wrk -t"$THREADS" -c"$CONNS" -d"${1}s" --latency -s "$BENCH/create_canonical.lua" \
		"http://127.0.0.1:$APP_PORT" >"$WORK/wrk-create-$2.txt"
	echo "$(wrk_summary "$WORK/wrk-create-$2.txt") $(orders_in_db)"
}

# As run_wrk, with the API under `perf record -g` and PostgreSQL's counters
# read before and after: writes $WORK/profile.md (its report section).
profile_wrk() { # secs tag
	local pid out xact0 xact1 n
	pid=$(proc_pid api)
	reset_db
	bsql -c "SELECT pg_stat_statements_reset()" >/dev/null
	bsql -c "DROP TABLE IF EXISTS bench_scans" \
		-c "CREATE TABLE bench_scans AS SELECT relname, seq_scan, seq_tup_read, idx_scan FROM pg_stat_user_tables" >/dev/null
	xact0=$(bsql -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'orders'")
	# The whole machine: the API's share beside PostgreSQL's and wrk's.
	perf record -a -g -F 499 -o "$WORK/perf.data" -- sleep "$1" \
		>"$WORK/logs/perf.log" 2>&1 &
	out=$(wrk_create "$@")
	wait $! || true
	# The statistics collector flushes every 500 ms at most.
	sleep 1
	xact1=$(bsql -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'orders'")
	n=$(orders_in_db)
	{
		echo "### Profile of round 1's HTTP run ($n orders)"
		echo
		echo "Transactions on the database per order: $(ratio $((xact1 - xact0)) "$n")"
		echo "(pg_stat_database, the script's own few queries included)."
		echo
		echo "| statement | calls per order | mean ms | total ms |"
		echo "|---|---:|---:|---:|"
		# One line per text: a statement can have several entries.
		bsql -F '|' -c "SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 70),
			round(sum(calls)::numeric / greatest($n, 1), 2),
			round((sum(total_exec_time) / sum(calls))::numeric, 3),
			round(sum(total_exec_time)::numeric) FROM pg_stat_statements
			GROUP BY 1 HAVING sum(calls) >= $n / 10 ORDER BY 2 DESC LIMIT 12" |
			sed 's/^/| /; s/$/ |/'
		echo
		echo "Scans during the run (pg_stat_user_tables; a sequential scan of a large table"
		echo "on the create's path would show here):"
		echo
		echo "| table | seq scans | rows read by them | index scans |"
		echo "|---|---:|---:|---:|"
		bsql -F '|' -c "SELECT t.relname, t.seq_scan - b.seq_scan, t.seq_tup_read - b.seq_tup_read,
			coalesce(t.idx_scan, 0) - coalesce(b.idx_scan, 0)
			FROM pg_stat_user_tables t JOIN bench_scans b USING (relname)
			WHERE t.seq_scan > b.seq_scan OR coalesce(t.idx_scan, 0) > coalesce(b.idx_scan, 0)
			ORDER BY 3 DESC, 4 DESC" | sed 's/^/| /; s/$/ |/'
		bsql -c "DROP TABLE bench_scans" >/dev/null
		echo
		echo "CPU by process (perf record -a, both cores, self time):"
		echo
		echo '```'
		perf report -i "$WORK/perf.data" --no-children --sort comm --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -n 8
		echo '```'
		echo
		echo "The API's own time by library, then its top symbols:"
		echo
		echo '```'
		perf report -i "$WORK/perf.data" --pid "$pid" --no-children --sort dso --stdio \
			2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 8
		echo
		perf report -i "$WORK/perf.data" --pid "$pid" --no-children --sort dso,symbol \
			--stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 25
		echo '```'
	} >"$WORK/profile.md"
	echo "$out"
}

# Orders the database holds: what a run created, counted where it counts
# (a 2xx that wrote nothing, say an idempotent replay, would not add one).
orders_in_db() { bsql -c "SELECT count(*) FROM $RUN_ORDERS"; }

# As run_wrk for pgbench: pgbench_summary's line and the orders.
run_pgbench() { # script name secs [clients]
	local prefix=$WORK/pgb-$2 clients=${4:-$CONNS}
	reset_db
	pgbench -n -M prepared -c "$clients" -j "$THREADS" -T "$3" -h 127.0.0.1 -p "$PGPORT" \
		-U postgres "${PGB_DEFS[@]}" -f "$1" -l --log-prefix="$prefix" orders \
		>"$WORK/pgbench-$2.txt" 2>"$WORK/logs/pgbench-$2.log" ||
		{ tail -n 5 "$WORK/logs/pgbench-$2.log" >&2; die "pgbench $2 failed"; }
	echo "$(pgbench_summary "$WORK/pgbench-$2.txt" "$prefix") $(orders_in_db)"
	rm -f "$prefix".*
}

# One transaction of the canonical script must write what the API writes
# for an order: the order, its lines, its history row, three outbox rows.
check_canonical() {
	local before after
	before=$(bsql -c "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM outbox) || '/' || (SELECT count(*) FROM order_status_history)")
	pgbench -n -M prepared -t 1 -h 127.0.0.1 -p "$PGPORT" -U postgres \
		-f "$BENCH/canonical.pgb" orders >"$WORK/logs/pgbench-canonical-check.log" 2>&1 ||
		{ cat "$WORK/logs/pgbench-canonical-check.log" >&2; die "bench/canonical.pgb fails"; }
	after=$(bsql -c "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM outbox) || '/' || (SELECT count(*) FROM order_status_history)")
	IFS=/ read -r -a b <<<"$before"
	IFS=/ read -r -a a <<<"$after"
	[ $((a[0] - b[0])) -eq 1 ] && [ $((a[1] - b[1])) -eq 3 ] && [ $((a[2] - b[2])) -eq 1 ] ||
		die "bench/canonical.pgb wrote $before -> $after orders/outbox/history rows"
}

# HTTP create and the ceiling take turns, ROUNDS times, in the order AB BA
# AB ...: on a shared machine whose speed drifts within minutes,
# back-to-back runs of one and then the other compare two different
# machines. R_HTTP[r] and R_PGB[r] hold each round's summary. Then HTTP
# create once more with the Kafka relay draining what it writes, and the
# old parity figure for reference.
phase_create() {
	local r secs=$((SECS / ROUNDS))
	[ "$secs" -ge 1 ] || die "BENCH_SECONDS must be at least BENCH_ROUNDS"
	say "phase 1: POST /api/v1/orders (wrk -t$THREADS -c$CONNS) against pgbench -M prepared -c$CONNS of bench/canonical.pgb, $ROUNDS rounds of ${secs}s"
	reset_db
	check_canonical
	start_api
	reset_db
	# A warm-up long enough for the cluster's WAL to reach its steady state:
	# a cluster made minutes ago creates (and zero-fills) a new 16 MB WAL
	# segment every second of this load, where a running one recycles the
	# segments of its last checkpoint (reset_db's checkpoint recycles these).
	# After 3 s only, the first round of either side ran 25 % slower.
	wrk -t"$THREADS" -c"$CONNS" -d10s -s "$BENCH/create_canonical.lua" "http://127.0.0.1:$APP_PORT" >/dev/null
	for ((r = 1; r <= ROUNDS; r++)); do
		if ((r == 1)) && [ "${BENCH_PROFILE:-0}" = 1 ]; then
			R_HTTP[$r]=$(profile_wrk "$secs" "$r")
			R_PGB[$r]=$(run_pgbench "$BENCH/canonical.pgb" "canonical-$r" "$secs")
		elif ((r % 2 == 1)); then
			R_HTTP[$r]=$(run_wrk "$secs" "$r")
			R_PGB[$r]=$(run_pgbench "$BENCH/canonical.pgb" "canonical-$r" "$secs")
		else
			R_PGB[$r]=$(run_pgbench "$BENCH/canonical.pgb" "canonical-$r" "$secs")
			R_HTTP[$r]=$(run_wrk "$secs" "$r")
		fi
	done
	RSS_API_LOAD=$(rss_of api)
	say "phase 1: HTTP create with the Kafka relay live"
	reset_db
	svc worker outbox-kafka
	start_proc outbox-kafka "${SVC[@]}"
	R_HTTP_KAFKA=$(wrk_create "$secs" kafka-live)
	R_HTTP_KAFKA_LEFT=$(pending order.events)
	stop_proc outbox-kafka
	say "phase 1: the old parity figure, the service's own create statement on 10 hot SKUs"
	reset_db
	probe_create
	write_pgbench_scripts
	check_pgbench_script "$WORK/create.pgb"
	check_pgbench_script "$WORK/create_shape.pgb"
	R_PGB_HOT=$(run_pgbench "$WORK/create.pgb" hot "$secs")
	say "phase 1: the service's create statement alone, in the ceiling's shape, planned as the API's sessions plan it"
	R_PGB_SHAPE=$(PGOPTIONS="$API_PLAN_OPTIONS" run_pgbench "$WORK/create_shape.pgb" shape "$secs")
	stop_proc api
}

# ------------------------------------------------- phase 2: a slow catalog

phase_catalog() {
	local secs=$((SECS / ROUNDS)) live
	say "phase 2: POST /api/v1/orders (wrk -c$CONNS) with a catalog answering in 100 ms, GET /health/live probed all along"
	reset_db
	start_proc order-sim "$SIM" --port "$SIM_PORT" --callback-secret "$SECRET" \
		--catalog-latency-ms 100 --payment-delay-ms 3600000
	wait_until order-sim 30 sim_live
	# No catalog cache: every line of every order waits 100 ms.
	svc API_THREADS="$API_LOOPS" DB_POOL_SIZE="$POOL" CATALOG_CACHE_MS=0 \
		CATALOG_SERVICE_API_URL="http://127.0.0.1:$SIM_PORT/catalog/items" api
	start_proc api "${SVC[@]}"
	wait_until api 30 api_live
	wrk -t"$THREADS" -c"$CONNS" -d3s -s "$BENCH/create_canonical.lua" "http://127.0.0.1:$APP_PORT" >/dev/null
	reset_db
	wrk -t1 -c2 -d"$((secs + 2))s" --latency -s "$BENCH/live.lua" "http://127.0.0.1:$APP_PORT" \
		>"$WORK/wrk-live.txt" &
	live=$!
	sleep 1
	R_CAT=$(wrk_create "$secs" catalog)
	wait "$live" || true
	R_CAT_SECS=$secs
	R_LIVE=$(wrk_summary "$WORK/wrk-live.txt")
	RSS_API_CAT=$(rss_of api)
	stop_proc api
	stop_proc order-sim
}

# ------------------------------------------------------------ phase 2: drains

pending() { bsql -c "SELECT count(*) FROM outbox WHERE status = 'pending' AND destination = '$1'"; }

# Rows marked sent so far by the drain's relays (their outbox_sent_total).
drained() { # instances
	local i total=0
	for ((i = 1; i <= $1; i++)); do
		metric_sum $((METRICS_PORT + i)) outbox_sent_total 2>/dev/null
		total=$((total + METRIC))
	done
	DRAINED=$total
}

# Fills the backlog, starts the worker, follows the relays' own sent counters
# every 20 ms until the whole backlog is marked sent, stops the worker, then
# checks in the database that nothing of dest is pending. Sets DRAIN_RESULT
# ("events/s seconds sent") and DRAIN_RSS (the worker's, before it stopped).
drain() { # worker dest [VAR=value...]
	local worker=$1 dest=$2 n=${DRAIN_INSTANCES:-1} t0 t1 left sent i
	shift 2
	reset_db
	bsql -v n="$BACKLOG" -v dest="$dest" \
		-v callback="http://127.0.0.1:9/no-callback" -f "$BENCH/outbox_backlog.sql" >/dev/null
	if [ "${DRAIN_OTHERS:-0}" = 1 ]; then
		for i in payments notifications; do
			bsql -v n="$BACKLOG" -v dest="$i" -v callback="http://127.0.0.1:9/no-callback" \
				-f "$BENCH/outbox_backlog.sql" >/dev/null
		done
	fi
	bsql -c "VACUUM ANALYZE outbox" >/dev/null
	for ((i = 1; i <= n; i++)); do
		port_free $((METRICS_PORT + i)) || die "port $((METRICS_PORT + i)) is in use (set BENCH_METRICS_PORT)"
	done
	local perf=
	if [ "${BENCH_PROFILE:-0}" = 1 ]; then
		perf record -a -g -F 999 -o "$WORK/perf-drain.data" >"$WORK/logs/perf-drain.log" 2>&1 &
		perf=$!
		sleep 0.5
	fi
	t0=$(now_us)
	# n > 1: more relays on the same rows, as the service scales out (they
	# share the work through SKIP LOCKED).
	for ((i = 1; i <= n; i++)); do
		svc "$@" WORKER_METRICS_PORT=$((METRICS_PORT + i)) worker "$worker"
		start_proc "$worker-$i" "${SVC[@]}"
	done
	while :; do
		drained "$n"
		[ "$DRAINED" -ge "$BACKLOG" ] && break
		proc_alive "$worker-1" || die "$worker exited (log: $WORK/logs/$worker-1.log)"
		[ $(($(now_us) - t0)) -lt 180000000 ] || { say "$worker: drain timed out after $DRAINED rows"; break; }
		sleep 0.2
	done
	# The end is when the last row was marked sent (its sent_at), not when
	# this loop saw it: the loop may poll seldom and so take no CPU from the
	# relay and PostgreSQL (polling every 20 ms took 8 % of the machine).
	t1=$(bsql -c "SELECT (extract(epoch FROM max(sent_at)) * 1000000)::bigint FROM outbox
		WHERE status = 'sent' AND destination = '$dest' AND sent_at > now() - interval '30 minutes'")
	if [ -n "$perf" ]; then
		kill -INT "$perf"
		wait "$perf" || true
		perf_report_drain >"$WORK/profile-drain.md" || true
	fi
	DRAIN_RSS=$(rss_of "$worker-1")
	for ((i = 1; i <= n; i++)); do stop_proc "$worker-$i"; done
	left=$(pending "$dest")
	[ "$left" -eq 0 ] || die "$worker: $left rows of $dest still pending after the drain"
	# The reset's rows were sent an hour ago; count only this drain's.
	sent=$(bsql -c "SELECT count(*) FROM outbox WHERE status = 'sent' AND destination = '$dest' AND sent_at > now() - interval '30 minutes'")
	DRAIN_RESULT=$(awk -v n="$sent" -v us=$((t1 - t0)) \
		'BEGIN { printf "%.0f %.2f %d\n", n / (us / 1e6), us / 1e6, n }')
}

phase_drains() {
	say "phase 3: draining $BACKLOG outbox rows to Kafka, $BACKLOG payments and $BACKLOG notifications rows pending beside them"
	DRAIN_OTHERS=1 drain outbox-kafka order.events
	R_DRAIN_KAFKA=$DRAIN_RESULT RSS_KAFKA_DRAIN=$DRAIN_RSS
}

# ---------------------------------------------- phase 4: commit-to-Kafka

# Prefixes each line with the wall-clock time it arrived (microseconds).
stamp_lines() { while IFS= read -r l; do echo "${EPOCHREALTIME/./} $l"; done; }

# Sets LAT_<rate> to "achieved-tps orders" and a line per measure of
# latency.sql.
phase_latency() { # rate
	local rate=$1 fifo=$WORK/kcat.fifo recv=$WORK/kcat.txt left i
	say "phase 4: commit-to-Kafka latency at $rate orders/s for ${LAT_SECS}s ($PARTITIONS partitions)"
	rm -f "$fifo" "$recv"
	reset_db
	svc worker outbox-kafka
	start_proc outbox-kafka "${SVC[@]}"
	mkfifo "$fifo"
	stamp_lines <"$fifo" >"$recv" &
	local stamper=$!
	kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -C -t order.events -o end -u -q -f '%k %T\n' \
		>"$fifo" 2>"$WORK/logs/kcat.log" &
	KCAT_PID=$!
	sleep 3 # the consumer must be at the end of the topic before the first commit
	# As many clients as the API has sessions: the database's best
	# concurrency (phase 1); more only queue on the stock rows' locks.
	pgbench -n -M prepared -R "$rate" -c "$API_LOOPS" -j 1 -T "$LAT_SECS" -h 127.0.0.1 -p "$PGPORT" \
		-U postgres "${PGB_DEFS[@]}" -f "$WORK/create.pgb" orders \
		>"$WORK/pgbench-rate.txt" 2>"$WORK/logs/pgbench-rate.log" ||
		die "pgbench -R failed (log: $WORK/logs/pgbench-rate.log)"
	for ((i = 0; i < 300; i++)); do
		left=$(pending order.events)
		[ "$left" -eq 0 ] && break
		sleep 0.1
	done
	LAT_LEFT[$rate]=$left # rows the relay had not sent 30 s after the load
	sleep 2 # let the consumer print the last messages
	RSS_KAFKA_RATE=$(rss_of outbox-kafka)
	kill "$KCAT_PID" 2>/dev/null || true
	wait "$KCAT_PID" 2>/dev/null || true
	KCAT_PID=
	wait "$stamper" 2>/dev/null || true
	stop_proc outbox-kafka
	bsql -c "CREATE TABLE bench_recv (recv_us bigint, key uuid, kafka_ms bigint)" \
		-c "\\copy bench_recv FROM '$recv' WITH (DELIMITER ' ')" >/dev/null
	LAT_RUN[$rate]="$(awk '/^tps = / { printf "%.0f", $3 }' "$WORK/pgbench-rate.txt") $(orders_in_db)"
	LAT_RES[$rate]=$(bsql -f "$BENCH/latency.sql")
	bsql -c "DROP TABLE bench_recv" >/dev/null
}

# ------------------------------------------------------ phase 5: lifecycle

all_settled() {
	[ "$(bsql -c "SELECT count(*) FROM orders WHERE status NOT IN ('delivered', 'cancelled')")" -eq 0 ]
}

phase_lifecycle() {
	say "phase 5: lifecycle new -> delivered, simulators without delay"
	local since w i urls=(
		PAYMENTS_SERVICE_API_URL="http://127.0.0.1:$SIM_PORT/payments"
		NOTIFICATIONS_SERVICE_API_URL="http://127.0.0.1:$SIM_PORT/notifications")
	reset_db
	start_proc order-sim "$SIM" --port "$SIM_PORT" --callback-secret "$SECRET" \
		--kafka "$KAFKA_BOOTSTRAP_SERVERS" --payment-delay-ms 0 --shipping-delay-ms 0
	wait_until order-sim 30 sim_live
	start_api
	for w in outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox; do
		svc "${urls[@]}" worker "$w"
		start_proc "$w" "${SVC[@]}"
	done
	# A first order end to end: every consumer has joined its group.
	curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $BENCH_TOKEN" \
		-d '{"user_id":"user-1","idempotency_key":"0b0e6a52-5f3c-4b7e-9d1a-000000000002","items":[{"item_id":"sku-2","quantity":1}]}' \
		"http://127.0.0.1:$APP_PORT/api/v1/orders" || die "lifecycle warm-up create failed"
	for ((i = 0; i < 600; i++)); do all_settled && break; sleep 0.1; done
	since=$(bsql -c "SELECT clock_timestamp()")
	# 2 connections, each pausing 20 ms between requests: at most 100 orders/s.
	wrk -t1 -c2 -d"${LIFE_SECS}s" -s "$BENCH/create_order.lua" "http://127.0.0.1:$APP_PORT" \
		-- 20 >"$WORK/wrk-life.txt"
	for ((i = 0; i < 600; i++)); do all_settled && break; sleep 0.1; done
	R_LIFE=$(bsql -c "DELETE FROM orders WHERE created_at < '$since'" \
		-f "$BENCH/lifecycle.sql" | tail -n 1)
	for w in api outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox; do
		RSS_LIFE[$w]=$(rss_of "$w")
	done
	stop_all_procs
}

# ------------------------------------------------------------------ report

machine() {
	echo "- CPU: $(lscpu | awk -F': +' '/^Model name/ { print $2; exit }'), $(nproc) cores"
	echo "- memory: $(free -m | awk '/^Mem:/ { print $2 }') MiB; kernel $(uname -r)"
	echo "- PostgreSQL: $(bsql -c 'SHOW server_version'), default settings + track_commit_timestamp"
	echo "- librdkafka: $(pkg-config --modversion rdkafka 2>/dev/null || echo '?'); wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }'); kcat $(kcat -V 2>&1 | awk '/^Version/ { print $2 }')"
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

verdict() { # value op target
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
		if (v == "-" || v == "") { print "n/a"; exit }
		ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0)
		print ok ? "met" : "NOT met" }'
}

# A latency verdict counts only when every answer was a success: failures
# answered fast would make the tail look short.
latency_verdict() { # value op target non2xx socket-errors
	if [ "${4:-0}" != 0 ] || [ "${5:-0}" != 0 ]; then
		echo "NOT met ($4 non-2xx answers, $5 socket errors)"
	else
		verdict "$1" "$2" "$3"
	fi
}

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "n/a" }'; }

# The drain's profile: CPU by process, then PostgreSQL's and the relay's top
# symbols (children included, so that the statements' parts show).
perf_report_drain() {
	echo "### Profile of the drain (perf record -a -g, both cores)"
	echo
	echo '```'
	perf report -i "$WORK/perf-drain.data" --no-children --sort comm --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -n 8
	echo
	perf report -i "$WORK/perf-drain.data" --comm postgres --children --sort symbol --stdio \
		-g none 2>/dev/null | grep -E '^ +[0-9.]+%' | grep -v '\] 0x0' | head -n 40
	echo
	perf report -i "$WORK/perf-drain.data" --comm order-service --no-children --sort dso,symbol \
		--stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 20
	echo '```'
}

report_drain() {
	local d
	echo "## 3. Outbox drain to Kafka, $BACKLOG pending rows, as many payments and notifications rows pending beside them"
	echo
	echo "| destination | events/s | seconds | sent | target |"
	echo "|---|---:|---:|---:|---|"
	read -r -a d <<<"$R_DRAIN_KAFKA"
	echo "| Kafka (order.events), one relay | ${d[0]} | ${d[1]} | ${d[2]} | >= 40000: $(verdict "${d[0]}" '>=' 40000) |"
	echo
	[ ! -s "$WORK/profile-drain.md" ] || { cat "$WORK/profile-drain.md"; echo; }
}

report_create() {
	local h p a r hreqs=0 preqs=0
	echo "## 1. Order creation against the ceiling, $CONNS connections, $THREADS client threads, $ROUNDS alternating rounds of $((SECS / ROUNDS))s"
	echo
	echo "| round | run | req/s | p50 ms | p99 ms | errors | orders |"
	echo "|---:|---|---:|---:|---:|---|---:|"
	for ((r = 1; r <= ROUNDS; r++)); do
		read -r -a h <<<"${R_HTTP[$r]}"
		read -r -a p <<<"${R_PGB[$r]}"
		echo "| $r | HTTP POST /api/v1/orders (wrk), relays stopped | ${h[0]} | ${h[1]} | ${h[2]} | non-2xx ${h[3]}, socket ${h[4]} | ${h[6]:-} |"
		echo "| $r | ceiling: pgbench -M prepared, bench/canonical.pgb | ${p[0]} | ${p[1]} | ${p[2]} | failed ${p[3]} | ${p[5]:-} |"
		[[ "${h[6]:-}" =~ ^[0-9]+$ ]] && hreqs=$((hreqs + h[6]))
		[[ "${p[5]:-}" =~ ^[0-9]+$ ]] && preqs=$((preqs + p[5]))
	done
	read -r -a h <<<"$R_HTTP_KAFKA"
	echo "| | HTTP POST /api/v1/orders (wrk), Kafka relay live ($R_HTTP_KAFKA_LEFT order.events rows pending at the end) | ${h[0]} | ${h[1]} | ${h[2]} | non-2xx ${h[3]}, socket ${h[4]} | ${h[6]:-} |"
	read -r -a a <<<"$R_PGB_HOT"
	echo "| | old parity figure: pgbench of the service's own statement, 10 hot SKUs | ${a[0]} | ${a[1]} | ${a[2]} | failed ${a[3]} | ${a[5]:-} |"
	read -r -a a <<<"$R_PGB_SHAPE"
	echo "| | pgbench of the service's own statement alone, the ceiling's shape, the API's plan settings | ${a[0]} | ${a[1]} | ${a[2]} | failed ${a[3]} | ${a[5]:-} |"
	echo
	local per=$((ROUNDS > 0 ? preqs / ROUNDS : 0))
	echo "- HTTP / ceiling, relays stopped (orders in the database, summed over the rounds): $hreqs / $preqs = $(ratio "$hreqs" "$preqs"); target >= 0.95: $(verdict "$(ratio "$hreqs" "$preqs")" '>=' 0.95)."
	echo "- HTTP with the Kafka relay live / mean ceiling round: ${h[6]:-0} / $per = $(ratio "${h[6]:-0}" "$per"); target >= 0.80: $(verdict "$(ratio "${h[6]:-0}" "$per")" '>=' 0.80)."
	local worst=0 bad=0 sock=0
	for ((r = 1; r <= ROUNDS; r++)); do
		read -r -a h <<<"${R_HTTP[$r]}"
		worst=$(awk -v a="$worst" -v b="${h[2]}" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
		bad=$((bad + ${h[3]:-0}))
		sock=$((sock + ${h[4]:-0}))
	done
	echo "- HTTP p99, the worst round with relays stopped: $worst ms; target <= 30: $(latency_verdict "$worst" '<=' 30 "$bad" "$sock")."
	read -r -a a <<<"$R_PGB_SHAPE"
	echo "- The service's statement alone / mean ceiling round (what the database allows the API): ${a[5]:-0} / $per = $(ratio "${a[5]:-0}" "$per")."
	echo
	[ ! -s "$WORK/profile.md" ] || { cat "$WORK/profile.md"; echo; }
}

# One row of the memory table: process, phase, "VmHWM VmRSS" in MiB and
# the VmHWM limit in MiB.
rss_row() {
	local d
	read -r -a d <<<"$3"
	echo "| $1 | $2 | ${d[0]} | ${d[1]} | <= $4: $(verdict "${d[0]}" '<=' "$4") |"
}

report() {
	local h d w r
	echo "# order-service benchmark $STAMP"
	echo
	machine
	echo
	report_create
	echo "## 2. A catalog answering in 100 ms (no cache), $CONNS connections, ${R_CAT_SECS}s"
	echo
	read -r -a h <<<"$R_CAT"
	read -r -a d <<<"$R_LIVE"
	local cps
	cps=$(awk -v n="${h[6]:-0}" -v s="$R_CAT_SECS" 'BEGIN { printf "%.0f", n / s }')
	echo "| run | req/s | p50 ms | p99 ms | errors | orders | orders/s |"
	echo "|---|---:|---:|---:|---|---:|---:|"
	echo "| HTTP POST /api/v1/orders | ${h[0]} | ${h[1]} | ${h[2]} | non-2xx ${h[3]}, socket ${h[4]} | ${h[6]:-} | $cps |"
	echo "| GET /health/live meanwhile (2 connections, 10 ms apart) | ${d[0]} | ${d[1]} | ${d[2]} | non-2xx ${d[3]}, socket ${d[4]} | | |"
	echo
	echo "Creates/s >= 250: $(verdict "$cps" '>=' 250); /health/live p99 <= 10 ms: $(latency_verdict "${d[2]}" '<=' 10 "${d[3]}" "${d[4]}")."
	echo
	report_drain
	local run b50 b99
	for r in "$RATE" "$LOW_RATE"; do
		[ -n "${LAT_RUN[$r]:-}" ] || continue # not run (BENCH_LOW_RATE=0)
		if [ -z "${LAT_RES[$r]:-}" ]; then
			echo "## 4. Commit-to-Kafka latency, pgbench -R $r for ${LAT_SECS}s"
			echo
			echo "No event was read back from Kafka: target NOT met (see the run's logs)."
			echo
			continue
		fi
		read -r -a run <<<"${LAT_RUN[$r]}"
		echo "## 4. Commit-to-Kafka latency, pgbench -R $r for ${LAT_SECS}s, $PARTITIONS partitions (achieved ${run[0]} orders/s, ${run[1]} orders$([ "${LAT_LEFT[$r]:-0}" = 0 ] || echo ", ${LAT_LEFT[$r]} rows still pending 30 s after the load"))"
		echo
		echo "| measure | events | p50 ms | p99 ms | max ms |"
		echo "|---|---:|---:|---:|---:|"
		while IFS= read -r d; do echo "| ${d//|/ | } |"; done <<<"${LAT_RES[$r]}"
		b50=$(sed -n 1p <<<"${LAT_RES[$r]}" | cut -d'|' -f3)
		b99=$(sed -n 1p <<<"${LAT_RES[$r]}" | cut -d'|' -f4)
		echo
		echo "Target (commit -> produced, the Kafka message timestamp) p50 <= 3 ms: $(verdict "$b50" '<=' 3); p99 <= 15 ms: $(verdict "$b99" '<=' 15)."
		echo
	done
	echo "## 5. Lifecycle new -> delivered (simulators at zero delay; wrk -c2, 20 ms pause per request, ${LIFE_SECS}s)"
	echo
	echo "| orders | delivered | cancelled | p50 ms | p99 ms | max ms |"
	echo "|---:|---:|---:|---:|---:|---:|"
	echo "| ${R_LIFE//|/ | } |"
	echo
	echo "## 6. Memory (VmHWM = peak RSS, VmRSS = at the end of the phase), MiB"
	echo
	echo "| process | phase | VmHWM | VmRSS | target |"
	echo "|---|---|---:|---:|---|"
	rss_row api '1 (create at full speed)' "$RSS_API_LOAD" 32
	rss_row api '2 (100 ms catalog)' "$RSS_API_CAT" 32
	rss_row 'worker outbox-kafka' '3 (drain)' "$RSS_KAFKA_DRAIN" 16
	rss_row 'worker outbox-kafka' '4 (pgbench -R)' "$RSS_KAFKA_RATE" 16
	for w in api outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox; do
		local lim=16 label="worker $w"
		[ "$w" = api ] && lim=32 label=api
		rss_row "$label" '5 (lifecycle)' "${RSS_LIFE[$w]}" "$lim"
	done
}

main() {
	cd "$ROOT" # migrate finds migrations/ here
	preflight
	WORK=$(mktemp -d /tmp/order-bench.XXXXXX)
	chmod 755 "$WORK"
	mkdir -p "$WORK/logs" "$BENCH/results"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	declare -g -A RSS_LIFE=() LAT_RUN=() LAT_RES=() LAT_LEFT=()
	PGB_DEFS=()
	local t0=$SECONDS
	say "scratch directory $WORK"
	echo "$(printf '%s' "$BENCH_TOKEN" | sha256sum | cut -d' ' -f1) service" >"$WORK/api_keys"
	ADMIN_PORT=${BENCH_ADMIN_PORT:-$(free_port)}
	start_stack
	if [ "${BENCH_ONLY_DRAIN:-0}" = 1 ]; then
		phase_drains
		{ echo "# order-service benchmark $STAMP (phase 3 only)"; echo; machine; echo; report_drain; } >"$RESULTS"
		echo >>"$RESULTS"
		echo "Total run time: $((SECONDS - t0)) s. Command: \`bench/run.sh\`." >>"$RESULTS"
		cat "$RESULTS"
		return
	fi
	phase_create
	if [ "${BENCH_ONLY_CREATE:-0}" = 1 ]; then
		{ echo "# order-service benchmark $STAMP (phase 1 only)"; echo; machine; echo; report_create; } >"$RESULTS"
	else
		phase_catalog
		phase_drains
		phase_latency "$RATE"
		[ "$LOW_RATE" -gt 0 ] && phase_latency "$LOW_RATE"
		phase_lifecycle
		report >"$RESULTS"
	fi
	echo >>"$RESULTS"
	echo "Total run time: $((SECONDS - t0)) s. Command: \`bench/run.sh\`." >>"$RESULTS"
	cat "$RESULTS"
	say "written to $RESULTS"
}

main "$@"
