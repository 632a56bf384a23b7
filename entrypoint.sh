#!/usr/bin/env bash
# Container entrypoint and the way the whole service is started (DESIGN §2).
# Waits for the database, runs `migrate`, then starts the API and every
# worker as children and supervises them: SIGTERM/SIGINT are forwarded to
# all, and as soon as any child exits the others are stopped (bounded grace
# period, then SIGKILL) and the script exits non-zero, so an orchestrator
# restarts the group. It exits 0 only when stopped by a signal and every
# child then exited cleanly. Polls are short; there is no fixed sleep.
#
# With arguments it runs them instead (`entrypoint.sh order-sim --port 8081`).
#
# Settings (environment):
#   ORDER_SERVICE_BIN    the binary (default: order-service from PATH)
#   DATABASE_URL         (or POSTGRES_CONNECTION_STRING) waited for with pg_isready
#   DB_WAIT_SECONDS      how long to wait for the database (default 60)
#   STOP_GRACE_SECONDS   grace period before SIGKILL on shutdown (default 20)
#   ENTRYPOINT_ROLES     what to run (default: api and the five workers), e.g.
#                        "api" or "outbox-kafka inbox" to scale parts separately
#   METRICS_PORT_BASE    when > 0, every child serves Prometheus /metrics on a
#                        port of its own: the base plus its role's offset
#                          api +0, outbox-payments +1, outbox-notifications +2,
#                          outbox-kafka +3, shipping-consumer +4, inbox +5
#                        (a role listed again gets +10 per repeat). Each child
#                        is given METRICS_PORT. With several roles, a
#                        METRICS_PORT or WORKER_METRICS_PORT set for the group
#                        is taken as the base: one port cannot serve them all.
set -uo pipefail

if [ $# -gt 0 ]; then exec "$@"; fi

BIN=${ORDER_SERVICE_BIN:-order-service}
DB_WAIT_SECONDS=${DB_WAIT_SECONDS:-60}
STOP_GRACE_SECONDS=${STOP_GRACE_SECONDS:-20}
ROLES=${ENTRYPOINT_ROLES:-api outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox}

pids=()
names=()
stopping=0
METRICS_BASE=0

say() { echo "entrypoint: $*" >&2; }

# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
	stopping=1
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
}
trap on_signal TERM INT

# Runs one command in the background and waits for it, so that a signal is
# handled at once instead of after the command finishes.
run_fg() {
	"$@" &
	local pid=$!
	pids=("$pid")
	local rc=0
	while :; do
		wait "$pid"
		rc=$?
		kill -0 "$pid" 2>/dev/null || break
	done
	pids=()
	return $rc
}

wait_for_db() {
	local url=${DATABASE_URL:-${POSTGRES_CONNECTION_STRING:-}}
	# A SQLAlchemy-style postgresql+asyncpg:// names a driver libpq does not know.
	url=$(printf '%s' "$url" | sed -E 's#^([A-Za-z]+)\+[^:/]*://#\1://#')
	if [ -z "$url" ] || ! command -v pg_isready >/dev/null 2>&1; then return 0; fi
	local deadline=$((SECONDS + DB_WAIT_SECONDS))
	until pg_isready -q -t 2 -d "$url"; do
		[ $stopping -eq 0 ] || return 1
		if [ $SECONDS -ge "$deadline" ]; then
			say "database not ready after ${DB_WAIT_SECONDS}s"
			return 1
		fi
		sleep 0.2
	done
}

# The offset of a role's metrics port from METRICS_PORT_BASE.
role_offset() { # role
	case $1 in
	api) echo 0 ;;
	outbox-payments) echo 1 ;;
	outbox-notifications) echo 2 ;;
	outbox-kafka) echo 3 ;;
	shipping-consumer) echo 4 ;;
	inbox) echo 5 ;;
	*) echo 9 ;;
	esac
}

# Sets METRICS_BASE (0 = no per-process ports) from the settings; fails on a
# value that is not a port or a base whose ports would pass 65535.
metrics_settings() {
	local base=${METRICS_PORT_BASE:-0} n
	n=$(wc -w <<<"$ROLES")
	if [ "$base" = 0 ] && [ "$n" -gt 1 ]; then
		base=${METRICS_PORT:-${WORKER_METRICS_PORT:-0}}
		if [ "$base" != 0 ]; then say "one metrics port for $n processes: using $base as METRICS_PORT_BASE"; fi
	fi
	if ! [[ "$base" =~ ^[0-9]{1,5}$ ]] || [ $((10#$base + 10 * n)) -gt 65535 ]; then
		say "METRICS_PORT_BASE: must be a port number leaving room for every process, got \"$base\""
		return 1
	fi
	METRICS_BASE=$((10#$base))
}

start_children() {
	local role port metrics=() seen=" "
	for role in $ROLES; do
		metrics=()
		if [ "$METRICS_BASE" -gt 0 ]; then
			port=$((METRICS_BASE + $(role_offset "$role")))
			while [[ "$seen" == *" $port "* ]]; do port=$((port + 10)); done
			seen+="$port "
			metrics=(env METRICS_PORT="$port")
		fi
		if [ "$role" = api ]; then
			"${metrics[@]}" "$BIN" api &
		else
			"${metrics[@]}" "$BIN" worker "$role" &
		fi
		pids+=("$!")
		names+=("$role")
		say "started $role (pid $!${port:+, metrics on :$port})"
		port=""
	done
}

# Index of a child that has exited, or nothing while all run.
first_dead() {
	local i
	for i in "${!pids[@]}"; do
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then echo "$i"; return; fi
	done
}

# SIGTERM to every child still running (unless the signal handler already
# forwarded one: a second SIGTERM may mean "quit now" to a child), then
# SIGKILL after the grace period.
stop_children() {
	local p deadline=$((SECONDS + STOP_GRACE_SECONDS)) alive
	if [ $stopping -eq 0 ]; then
		for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	fi
	while :; do
		alive=0
		for p in "${pids[@]}"; do
			if kill -0 "$p" 2>/dev/null; then alive=1; fi
		done
		[ $alive -eq 1 ] || return 0
		if [ $SECONDS -ge "$deadline" ]; then
			say "grace period over: killing what is left"
			for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
			return 0
		fi
		sleep 0.1
	done
}

# Exit statuses of all children (they have all ended); 0 when all were 0.
collect() {
	local i rc worst=0
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		rc=$?
		if [ $rc -ne 0 ]; then
			say "${names[$i]} exited with status $rc"
			worst=$rc
		fi
	done
	return $worst
}

main() {
	metrics_settings || exit 1
	# A signal during start-up ends the script before anything runs.
	wait_for_db || { [ $stopping -eq 1 ] && exit 0; exit 1; }
	run_fg "$BIN" migrate || { [ $stopping -eq 1 ] && exit 0; say "migrate failed"; exit 1; }
	[ $stopping -eq 0 ] || exit 0
	start_children
	local dead=""
	while [ $stopping -eq 0 ]; do
		wait -n
		dead=$(first_dead)
		[ -z "$dead" ] || break
	done
	if [ $stopping -eq 0 ]; then
		say "${names[$dead]} (pid ${pids[$dead]}) exited: stopping the others"
	fi
	stop_children
	collect
	local rc=$?
	# Stopped by a signal: the children's statuses decide. Otherwise a child
	# ended on its own, which is a failure even when its status was 0.
	if [ $stopping -eq 1 ]; then exit $rc; fi
	[ $rc -ne 0 ] || rc=1
	exit $rc
}

main
