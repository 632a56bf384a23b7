#!/usr/bin/env bash
# The embedded development stack (DESIGN §3): a PostgreSQL cluster under
# $DATA_DIR/pg, the embedded Kafka (`order-service dev-kafka`) and the
# simulators (`order-sim`), all in the background.
#
#   scripts/dev-stack.sh start    start what is not running, print `export` lines
#   scripts/dev-stack.sh env      print the `export` lines of the running stack
#   scripts/dev-stack.sh status   say what is running
#   scripts/dev-stack.sh stop     stop everything this script started
#
# so that `eval "$(scripts/dev-stack.sh start)"; ./entrypoint.sh` runs the
# service against it. Only the export lines go to stdout; progress goes to
# stderr. Whatever is already configured is used instead of being started:
# DATABASE_URL (or POSTGRES_CONNECTION_STRING), KAFKA_BOOTSTRAP_SERVERS (or
# KAFKA_BOOTSTRAP), and the three service URLs (set, even empty, wins).
#
# Settings (environment):
#   DATA_DIR           state, logs, pid files         (default <repo>/.data)
#   PGPORT             PostgreSQL port                (default 55433)
#   SIM_PORT           order-sim port                 (default 8081)
#   APP_PORT           API port, for the callback URL (default 8000)
#   ORDER_SERVICE_BIN  default <repo>/build/order-service
#   ORDER_SIM_BIN      default <repo>/build/order-sim
#   PG_BIN             PostgreSQL server binaries     (default newest /usr/lib/postgresql/*/bin)
#   DEV_STACK_ONLY     comma list of pg,kafka,sim to start (default all three)
#   KAFKA              mock (default: dev-kafka, librdkafka's mock cluster) or
#                      apache (a real Apache Kafka broker, scripts/kafka-broker.sh,
#                      with a SASL listener besides the plain one)
#   START_TIMEOUT      seconds to wait for each component (default 30)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/proc.sh
source "$ROOT/scripts/proc.sh"
DATA_DIR=${DATA_DIR:-$ROOT/.data}
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
PGPORT=${PGPORT:-55433}
SIM_PORT=${SIM_PORT:-8081}
APP_PORT=${APP_PORT:-8000}
ORDER_SERVICE_BIN=${ORDER_SERVICE_BIN:-$ROOT/build/order-service}
ORDER_SIM_BIN=${ORDER_SIM_BIN:-$ROOT/build/order-sim}
DEV_STACK_ONLY=${DEV_STACK_ONLY:-pg,kafka,sim}
START_TIMEOUT=${START_TIMEOUT:-30}
KAFKA=${KAFKA:-mock}
DEV_CALLBACK_SECRET=dev-callback-secret
DEV_ACCESS_TOKEN=dev-access-token

PG_DIR=$DATA_DIR/pg
RUN_DIR=$DATA_DIR/run
SOCK_DIR=$RUN_DIR/pg
LOG_DIR=$DATA_DIR/logs
ENV_FILE=$DATA_DIR/stack.env
# Not $DATA_DIR/kafka.addr: that is where a `dev-kafka` started by hand from
# the repository writes (and on exit removes) its address by default, so a
# stray one must not take the stack's address away.
KAFKA_ADDR_FILE=$RUN_DIR/kafka.addr

say() { echo "dev-stack: $*" >&2; }
die() { say "$*"; exit 1; }

wanted() { [[ ",$DEV_STACK_ONLY," == *",$1,"* ]]; }

# ---------------------------------------------------------------- processes

pid_alive() { # pidfile
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Starts "$@" in its own session (so a terminal's Ctrl-C reaches it only
# through `stop`), logging to $LOG_DIR/<name>.log, pid in $RUN_DIR/<name>.pid.
spawn() { # name cmd...
	local name=$1
	shift
	setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
	echo $! >"$RUN_DIR/$name.pid"
}

# Polls the check command until it succeeds, the process dies, or the deadline.
wait_ready() { # name check-cmd...
	local name=$1 deadline=$((SECONDS + START_TIMEOUT))
	shift
	until "$@" >/dev/null 2>&1; do
		if ! pid_alive "$RUN_DIR/$name.pid"; then
			tail -n 20 "$LOG_DIR/$name.log" >&2 || true
			die "$name exited during start (log: $LOG_DIR/$name.log)"
		fi
		[ $SECONDS -lt "$deadline" ] || die "$name not ready after ${START_TIMEOUT}s (log: $LOG_DIR/$name.log)"
		sleep 0.1
	done
}

# SIGTERM, a bounded grace period, then SIGKILL.
stop_pid() { # name
	local f=$RUN_DIR/$1.pid pid
	if pid_alive "$f"; then
		pid=$(cat "$f")
		say "stopping $1 (pid $pid)"
		kill_gracefully "$pid" 100
	fi
	rm -f "$f"
}

# --------------------------------------------------------------- postgresql

find_pg_bin() {
	local d
	d=$(pg_bin_dir)
	[ -n "$d" ] || die "no PostgreSQL server found under /usr/lib/postgresql (run scripts/install-deps.sh)"
	echo "$d"
}

pg_prepare_dirs() {
	mkdir -p "$RUN_DIR" "$SOCK_DIR" "$LOG_DIR"
	touch "$LOG_DIR/postgres.log"
	if [ "$(id -u)" -eq 0 ]; then
		chmod a+x "$DATA_DIR"
		mkdir -p "$PG_DIR"
		chown postgres: "$PG_DIR" "$SOCK_DIR" "$LOG_DIR/postgres.log"
		chmod 700 "$PG_DIR"
		runuser -u postgres -- test -w "$PG_DIR" ||
			die "user postgres cannot reach $PG_DIR: make its parent directories traversable or set DATA_DIR"
	fi
}

pg_init() {
	local bin=$1
	[ -s "$PG_DIR/PG_VERSION" ] && return 0
	say "initialising PostgreSQL cluster in $PG_DIR"
	as_postgres "$bin/initdb" -D "$PG_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N \
		>>"$LOG_DIR/initdb.log" 2>&1 || die "initdb failed (log: $LOG_DIR/initdb.log)"
	# Dev and test loads run many short connections (API threads, workers,
	# concurrent tests), hence the larger connection limit.
	as_postgres tee -a "$PG_DIR/postgresql.conf" >/dev/null <<-EOF
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$SOCK_DIR'
		max_connections = 200
	EOF
}

pg_start() {
	local bin
	bin=$(find_pg_bin)
	pg_prepare_dirs
	pg_init "$bin"
	if as_postgres "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
		say "PostgreSQL already running"
	else
		say "starting PostgreSQL on 127.0.0.1:$PGPORT"
		as_postgres "$bin/pg_ctl" -D "$PG_DIR" -o "-p $PGPORT" -l "$LOG_DIR/postgres.log" \
			-w -t "$START_TIMEOUT" start >/dev/null ||
			{ tail -n 20 "$LOG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
	fi
	local port
	port=$(sed -n 4p "$PG_DIR/postmaster.pid")
	local psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA)
	if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'orders'")" != 1 ]; then
		"${psql[@]}" -c "CREATE DATABASE orders" >/dev/null
	fi
	DATABASE_URL="postgresql://postgres@127.0.0.1:$port/orders"
}

pg_stop() {
	[ -s "$PG_DIR/PG_VERSION" ] || return 0
	local bin
	bin=$(find_pg_bin)
	if as_postgres "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
		say "stopping PostgreSQL"
		as_postgres "$bin/pg_ctl" -D "$PG_DIR" -m fast -w -t 60 stop >/dev/null
	fi
}

# -------------------------------------------------------------------- kafka

kafka_addr_ready() { [ -s "$KAFKA_ADDR_FILE" ] && grep -qE '^[^:[:space:]]+:[0-9]+' "$KAFKA_ADDR_FILE"; }

# The address the running dev-kafka printed at start (its log), written
# back to the address file when that was removed while it runs.
kafka_addr_recover() {
	local addr
	addr=$(sed -n 's/^KAFKA_BOOTSTRAP_SERVERS=//p' "$LOG_DIR/dev-kafka.log" 2>/dev/null | tail -n 1)
	[[ "$addr" =~ ^[^:[:space:]]+:[0-9]+$ ]] || return 1
	say "dev-kafka's address file was gone: restored $addr from its log"
	echo "$addr" >"$KAFKA_ADDR_FILE.tmp" && mv "$KAFKA_ADDR_FILE.tmp" "$KAFKA_ADDR_FILE"
}

# A real broker (scripts/kafka-broker.sh) under $DATA_DIR/kafka-broker; its
# SASL address and user go to the env file beside the plain address.
KAFKA_BROKER_ENV=""
kafka_start_apache() {
	KAFKA_BROKER_ENV=$(DATA_DIR=$DATA_DIR "$ROOT/scripts/kafka-broker.sh" start) ||
		die "the Apache Kafka broker did not start (log: $DATA_DIR/kafka-broker/broker.log)"
	eval "$KAFKA_BROKER_ENV"
}

kafka_start() {
	case "$KAFKA" in
	mock) ;;
	apache) kafka_start_apache; return ;;
	*) die "KAFKA must be mock or apache, got '$KAFKA'" ;;
	esac
	if pid_alive "$RUN_DIR/dev-kafka.pid" && { kafka_addr_ready || kafka_addr_recover; }; then
		say "dev-kafka already running"
	else
		[ -x "$ORDER_SERVICE_BIN" ] || die "$ORDER_SERVICE_BIN not found: build first (make build)"
		stop_pid dev-kafka
		rm -f "$KAFKA_ADDR_FILE"
		say "starting dev-kafka"
		spawn dev-kafka env DATABASE_URL="${DATABASE_URL:-}" \
			"$ORDER_SERVICE_BIN" dev-kafka --addr-file "$KAFKA_ADDR_FILE"
		wait_ready dev-kafka kafka_addr_ready
	fi
	KAFKA_BOOTSTRAP_SERVERS=$(grep -oE '^[^:[:space:]]+:[0-9]+' "$KAFKA_ADDR_FILE" | head -n 1)
}

# ------------------------------------------------------------------ order-sim

sim_healthy() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$SIM_PORT/health"; }

sim_start() {
	if pid_alive "$RUN_DIR/order-sim.pid" && sim_healthy; then
		say "order-sim already running"
		return 0
	fi
	[ -x "$ORDER_SIM_BIN" ] || die "$ORDER_SIM_BIN not found: build first (make build)"
	local args=(--port "$SIM_PORT" --callback-secret "$PAYMENTS_CALLBACK_SECRET")
	if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then args+=(--kafka "$KAFKA_BOOTSTRAP_SERVERS"); fi
	say "starting order-sim on 127.0.0.1:$SIM_PORT"
	spawn order-sim "$ORDER_SIM_BIN" "${args[@]}"
	wait_ready order-sim sim_healthy
}

# ---------------------------------------------------------------- api keys

# Development credentials for the API's bearer authentication: a service key
# (DEV_API_KEY) and an admin key (DEV_ADMIN_KEY), made once and kept in
# $DATA_DIR/dev-keys (mode 600); $DATA_DIR/api_keys lists their hashes as
# API_KEYS_FILE wants. An API_KEYS_FILE of the environment wins: then the
# dev keys are not in the file the API reads, and are neither printed nor
# exported.
dev_keys() {
	local keys=$DATA_DIR/dev-keys
	if [ -n "${API_KEYS_FILE:-}" ]; then
		say "using API_KEYS_FILE from the environment ($API_KEYS_FILE); no dev keys"
		DEV_API_KEY="" DEV_ADMIN_KEY=""
		return
	fi
	if [ ! -s "$keys" ]; then
		(
			umask 077
			printf 'DEV_API_KEY=dev-service-%s\nDEV_ADMIN_KEY=dev-admin-%s\n' \
				"$(openssl rand -hex 16)" "$(openssl rand -hex 16)" >"$keys"
		)
	fi
	# shellcheck disable=SC1090
	. "$keys"
	{
		echo "# made by scripts/dev-stack.sh: sha256 role"
		echo "$(printf '%s' "$DEV_API_KEY" | sha256sum | cut -d' ' -f1) service"
		echo "$(printf '%s' "$DEV_ADMIN_KEY" | sha256sum | cut -d' ' -f1) admin"
	} >"$DATA_DIR/api_keys"
	API_KEYS_FILE=$DATA_DIR/api_keys
	say "API key (service): $DEV_API_KEY"
	say "API key (admin):   $DEV_ADMIN_KEY"
	say "  curl -H \"Authorization: Bearer \$DEV_API_KEY\" http://127.0.0.1:$APP_PORT/api/v1/orders"
}

# ------------------------------------------------------------------ commands

emit() { printf 'export %s=%q\n' "$1" "$2"; }

# A service URL: the environment's when set (even empty), else order-sim's
# when it runs here, else none.
emit_service() { # var sim-path
	local sim=http://127.0.0.1:$SIM_PORT$2
	if [ -n "${!1+x}" ]; then emit "$1" "${!1}"
	elif [ "$SIM_STARTED" = 1 ]; then emit "$1" "$sim"; fi
}

write_env() {
	{
		if [ -n "${DATABASE_URL:-}" ]; then emit DATABASE_URL "$DATABASE_URL"; fi
		if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then emit KAFKA_BOOTSTRAP_SERVERS "$KAFKA_BOOTSTRAP_SERVERS"; fi
		if [ -n "$KAFKA_BROKER_ENV" ]; then echo "$KAFKA_BROKER_ENV" | grep -v '^export KAFKA_BOOTSTRAP_SERVERS='; fi
		emit_service CATALOG_SERVICE_API_URL /catalog/items
		emit_service PAYMENTS_SERVICE_API_URL /payments
		emit_service NOTIFICATIONS_SERVICE_API_URL /notifications
		emit PAYMENTS_CALLBACK_URL "${PAYMENTS_CALLBACK_URL:-http://127.0.0.1:$APP_PORT/api/v1/orders/payment-callback}"
		emit PAYMENTS_CALLBACK_SECRET "$PAYMENTS_CALLBACK_SECRET"
		emit CAPASHINO_SERVICE_ACCESS_TOKEN "${CAPASHINO_SERVICE_ACCESS_TOKEN:-$DEV_ACCESS_TOKEN}"
		emit API_KEYS_FILE "$API_KEYS_FILE"
		if [ -n "$DEV_API_KEY" ]; then
			emit DEV_API_KEY "$DEV_API_KEY"
			emit DEV_ADMIN_KEY "$DEV_ADMIN_KEY"
		fi
	} >"$ENV_FILE"
}

cmd_start() {
	SIM_STARTED=0
	mkdir -p "$RUN_DIR" "$LOG_DIR"
	DATABASE_URL=${DATABASE_URL:-${POSTGRES_CONNECTION_STRING:-}}
	KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-${KAFKA_BOOTSTRAP:-}}
	PAYMENTS_CALLBACK_SECRET=${PAYMENTS_CALLBACK_SECRET:-$DEV_CALLBACK_SECRET}
	if [ -n "$DATABASE_URL" ]; then say "using DATABASE_URL from the environment"
	elif wanted pg; then pg_start; fi
	if [ -n "$KAFKA_BOOTSTRAP_SERVERS" ]; then say "using KAFKA_BOOTSTRAP_SERVERS from the environment"
	elif wanted kafka; then kafka_start; fi
	if [ -n "${CATALOG_SERVICE_API_URL+x}" ] && [ -n "${PAYMENTS_SERVICE_API_URL+x}" ] &&
		[ -n "${NOTIFICATIONS_SERVICE_API_URL+x}" ]; then
		say "using the service URLs from the environment"
	elif wanted sim; then sim_start; SIM_STARTED=1; fi
	dev_keys
	write_env
	cat "$ENV_FILE"
}

cmd_env() {
	[ -s "$ENV_FILE" ] || die "not started (no $ENV_FILE): run scripts/dev-stack.sh start"
	cat "$ENV_FILE"
}

cmd_status() {
	local bin state=0
	bin=$(find_pg_bin)
	if [ -s "$PG_DIR/PG_VERSION" ] && as_postgres "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
		echo "postgresql: running ($PG_DIR)"
	else
		echo "postgresql: stopped"; state=3
	fi
	local name
	for name in dev-kafka order-sim; do
		if pid_alive "$RUN_DIR/$name.pid"; then echo "$name: running (pid $(cat "$RUN_DIR/$name.pid"))"
		else echo "$name: stopped"; state=3; fi
	done
	if [ -d "$DATA_DIR/kafka-broker" ]; then DATA_DIR=$DATA_DIR "$ROOT/scripts/kafka-broker.sh" status || true; fi
	return $state
}

cmd_stop() {
	stop_pid order-sim
	stop_pid dev-kafka
	if [ -d "$DATA_DIR/kafka-broker" ]; then DATA_DIR=$DATA_DIR "$ROOT/scripts/kafka-broker.sh" stop; fi
	pg_stop
	rm -f "$ENV_FILE" "$KAFKA_ADDR_FILE"
}

case "${1:-}" in
start) cmd_start ;;
env) cmd_env ;;
status) cmd_status ;;
stop) cmd_stop ;;
*) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
