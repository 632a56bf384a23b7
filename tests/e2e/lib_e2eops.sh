# shellcheck shell=bash
# Helpers for the operations end-to-end tests (test_ops_*.sh), sourced after
# lib.sh: a private embedded Kafka per script (so topics and consumer groups
# are not shared with other scripts), an optional private PostgreSQL cluster
# that a test may stop and start (the shared test server is never touched),
# and the whole service (order-sim, api, the five workers) wired together the
# way entrypoint.sh runs it. Everything started here is stopped on exit.

OPS_PG_DIR=""
OPS_PG_BIN=""
OPS_PG_PORT=""
OPS_PG_LOG=""
OPS_API_PORT=""
OPS_WORKERS="outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox"
declare -A OPS_PID=()

# ------------------------------------------------------------------- kafka

# A dev-kafka of this script's own (the mock cluster with the topics made);
# exports KAFKA_BOOTSTRAP_SERVERS for everything started afterwards.
ops_start_kafka() {
	local file=$E2E_TMP/kafka.addr deadline=$((SECONDS + E2E_READY_SECONDS))
	e2e_start dev-kafka "$ORDER_SERVICE_BIN" dev-kafka --addr-file "$file"
	OPS_PID[dev-kafka]=$E2E_LAST_PID
	until [ -s "$file" ] && grep -qE '^[^:[:space:]]+:[0-9]+' "$file"; do
		if ! kill -0 "${OPS_PID[dev-kafka]}" 2>/dev/null || [ $SECONDS -ge "$deadline" ]; then
			e2e_fail "dev-kafka starts" "$(tail -n 20 "$E2E_TMP/dev-kafka.log")"
			e2e_finish
		fi
		sleep 0.1
	done
	KAFKA_BOOTSTRAP_SERVERS=$(grep -oE '^[^:[:space:]]+:[0-9]+' "$file" | head -n 1)
	export KAFKA_BOOTSTRAP_SERVERS
}

# -------------------------------------------------------------- postgresql

# A fresh cluster on a free port with an "orders" database; sets E2E_DB_URL
# (lib.sh's e2e_sql and e2e_migrate then use it). initdb refuses to run as
# root, so as root the cluster belongs to the postgres user.
ops_pg_create() {
	OPS_PG_BIN=$(pg_bin_dir)
	[ -x "$OPS_PG_BIN/initdb" ] || { e2e_fail "a PostgreSQL server is installed"; e2e_finish; }
	OPS_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/e2eops-pg.XXXXXX")
	OPS_PG_LOG=$OPS_PG_DIR/postgres.log
	OPS_PG_PORT=$(e2e_free_port)
	mkdir -p "$OPS_PG_DIR/data" "$OPS_PG_DIR/sock"
	touch "$OPS_PG_LOG"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$OPS_PG_DIR"
		chown -R postgres: "$OPS_PG_DIR"
		chmod 700 "$OPS_PG_DIR/data"
	fi
	as_postgres "$OPS_PG_BIN/initdb" -D "$OPS_PG_DIR/data" -U postgres --auth=trust -E UTF8 \
		--locale=C.UTF-8 -N >"$E2E_TMP/initdb.log" 2>&1 ||
		{ e2e_fail "initdb" "$(tail -n 20 "$E2E_TMP/initdb.log")"; e2e_finish; }
	as_postgres tee -a "$OPS_PG_DIR/data/postgresql.conf" >/dev/null <<-EOF
		listen_addresses = '127.0.0.1'
		port = $OPS_PG_PORT
		unix_socket_directories = '$OPS_PG_DIR/sock'
		max_connections = 100
	EOF
	ops_pg_start || { e2e_fail "private PostgreSQL starts" "$(tail -n 20 "$OPS_PG_LOG")"; e2e_finish; }
	psql -X -q -d "postgresql://postgres@127.0.0.1:$OPS_PG_PORT/postgres" \
		-c "CREATE DATABASE orders" >/dev/null || { e2e_fail "create database orders"; e2e_finish; }
	E2E_DB_URL=postgresql://postgres@127.0.0.1:$OPS_PG_PORT/orders
}

ops_pg_start() {
	as_postgres "$OPS_PG_BIN/pg_ctl" -D "$OPS_PG_DIR/data" -l "$OPS_PG_LOG" -w -t 60 start >/dev/null
}

ops_pg_stop() {
	as_postgres "$OPS_PG_BIN/pg_ctl" -D "$OPS_PG_DIR/data" -m fast -w -t 60 stop >/dev/null
}

ops_pg_running() {
	as_postgres "$OPS_PG_BIN/pg_ctl" -D "$OPS_PG_DIR/data" status >/dev/null 2>&1
}

ops_pg_destroy() {
	[ -n "$OPS_PG_DIR" ] || return 0
	if ops_pg_running; then
		as_postgres "$OPS_PG_BIN/pg_ctl" -D "$OPS_PG_DIR/data" -m immediate -w -t 30 stop \
			>/dev/null 2>&1 || true
	fi
	rm -rf "$OPS_PG_DIR"
	OPS_PG_DIR=""
}

# SIGTERM to each process group in the reverse order of their start (the
# service before order-sim, order-sim before Kafka, so nothing loses a peer
# while it stops); a group still there after 10 s is named and killed.
ops_stop_in_order() {
	local i pid
	for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${E2E_PIDS[$i]}
		[ -n "$pid" ] && e2e_ours "$i" || continue
		kill -TERM -- "-$pid" 2>/dev/null || continue
		if ! e2e_wait_gone "$pid" 10; then
			e2e_log "${E2E_PROC_NAMES[$i]} (pid $pid) did not stop within 10 s of SIGTERM"
			kill -KILL -- "-$pid" 2>/dev/null
		fi
	done
	e2e_stop_all
}

# Stops the processes first (so none reconnects), then the private cluster,
# then lets lib.sh finish its own cleanup with the script's exit status.
ops_cleanup() {
	local rc=$?
	ops_stop_in_order
	if [ $rc -ne 0 ] || [ "$E2E_FAILED" -ne 0 ]; then
		if [ -n "$OPS_PG_LOG" ] && [ -s "$OPS_PG_LOG" ]; then cp "$OPS_PG_LOG" "$E2E_TMP/postgres.log"; fi
	fi
	ops_pg_destroy
	(exit $rc)
	e2e_cleanup
}
trap ops_cleanup EXIT

# ----------------------------------------------------------------- service

# The environment every service process shares (the test database, the
# private Kafka, order-sim as the outside world, fast polls so the test
# does not wait on the safety-net interval).
ops_service_env() {
	echo DATABASE_URL="$E2E_DB_URL"
	echo KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP_SERVERS"
	echo KAFKA_CONSUMER_GROUP="e2eops-$$-$E2E_NAME"
	echo CATALOG_SERVICE_API_URL="$E2E_SIM/catalog/items"
	echo PAYMENTS_SERVICE_API_URL="$E2E_SIM/payments"
	echo NOTIFICATIONS_SERVICE_API_URL="$E2E_SIM/notifications"
	echo PAYMENTS_CALLBACK_URL="http://127.0.0.1:$OPS_API_PORT/api/v1/orders/payment-callback"
	echo PAYMENTS_CALLBACK_SECRET="$E2E_CALLBACK_SECRET"
	echo CAPASHINO_SERVICE_ACCESS_TOKEN=e2e-access-token
	echo OUTBOX_POLL_INTERVAL_MS=200
	echo API_THREADS=2
}

# Extra VAR=value words for one worker role only, e.g.
#   OPS_ROLE_ENV[outbox-kafka]="WORKER_METRICS_PORT=$port"
declare -A OPS_ROLE_ENV=()

# Starts order-sim (on the private Kafka) and the API with extra VAR=value
# arguments added to the API's environment. Sets E2E_SIM, E2E_API,
# OPS_PID[sim] and OPS_PID[api].
ops_start_api() { # [VAR=value...]
	local env_lines=()
	e2e_start_sim sim --shipping-delay-ms 20 --payment-delay-ms 20
	OPS_PID[sim]=$E2E_LAST_PID
	OPS_API_PORT=$(e2e_free_port)
	mapfile -t env_lines < <(ops_service_env)
	e2e_start api env "${env_lines[@]}" APP_PORT="$OPS_API_PORT" "$@" "$ORDER_SERVICE_BIN" api
	OPS_PID[api]=$E2E_LAST_PID
	E2E_API=http://127.0.0.1:$OPS_API_PORT
	e2e_wait_http api "$E2E_LAST_PID" "$E2E_API/health/live"
}

# Starts the five workers (after ops_start_api) with extra VAR=value
# arguments added to each one's environment, plus OPS_ROLE_ENV[<role>].
# Sets OPS_PID[<role>].
ops_start_workers() { # [VAR=value...]
	local role env_lines=() own
	mapfile -t env_lines < <(ops_service_env)
	for role in $OPS_WORKERS; do
		read -r -a own <<<"${OPS_ROLE_ENV[$role]:-}"
		e2e_start "$role" env "${env_lines[@]}" "$@" "${own[@]}" "$ORDER_SERVICE_BIN" worker "$role"
		OPS_PID[$role]=$E2E_LAST_PID
	done
}

# The whole service: order-sim, the API and every worker, each with the
# extra VAR=value arguments.
ops_start_service() { # [VAR=value...]
	ops_start_api "$@"
	ops_start_workers "$@"
}

# The roles whose process is gone (empty when all run).
ops_dead_roles() {
	local role dead=""
	for role in "${!OPS_PID[@]}"; do
		kill -0 "${OPS_PID[$role]}" 2>/dev/null || dead+="$role "
	done
	echo "$dead"
}

assert_all_alive() { # description
	assert_eq "$1" "" "$(ops_dead_roles)"
}

# Polls a shell condition until it holds; 0 when it did within the deadline.
ops_wait_for() { # seconds command...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

ops_order_body() { # key [item] [quantity] [user]
	printf '{"user_id":"%s","idempotency_key":"%s","items":[{"item_id":"%s","quantity":%s}]}' \
		"${4-ops-user}" "$1" "${2-sku-1}" "${3-1}"
}

# True when the order's outbox rows (at least the three written with it)
# are all sent.
ops_outbox_all_sent() { # order-id
	[ "$(e2e_sql "SELECT count(*) >= 3 AND bool_and(status = 'sent')
	              FROM outbox WHERE aggregateid = '$1'" 2>/dev/null)" = t ]
}

# True when the order has reached the given status.
ops_order_status_is() { # order-id status
	[ "$(e2e_sql "SELECT status FROM orders WHERE id = '$1'" 2>/dev/null)" = "$2" ]
}
