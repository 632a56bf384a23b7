# shellcheck shell=bash
# Harness for the end-to-end tests: sourced by tests/e2e/test_*.sh, which ctest
# runs with ORDER_SERVICE_BIN, ORDER_SIM_BIN and SOURCE_DIR set, plus the
# DATABASE_URL (a superuser on a maintenance database) and
# KAFKA_BOOTSTRAP_SERVERS of the test stack (scripts/test.sh).
#
# It gives each script a fresh database (dropped at exit) and a temp dir for
# logs, starts the real binaries in the background in their own sessions,
# waits for readiness by polling, and on exit kills every process group it
# started, dumps the logs when anything failed, and removes what it made.
# Assertions count into "N passed, M failed", printed by e2e_finish, which
# exits non-zero on any failure (or when nothing was checked).

set -uo pipefail

: "${SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${ORDER_SERVICE_BIN:=$SOURCE_DIR/build/order-service}"
: "${ORDER_SIM_BIN:=$SOURCE_DIR/build/order-sim}"
E2E_NAME=$(basename "${BASH_SOURCE[1]:-e2e}" .sh)
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/e2e-$E2E_NAME.XXXXXX")
E2E_PASSED=0
E2E_FAILED=0
E2E_PIDS=()
E2E_STARTS=()
E2E_PROC_NAMES=()
E2E_DB=""
E2E_DB_URL=""
E2E_STATUS=""
E2E_BODY=$E2E_TMP/last_body
E2E_READY_SECONDS=${E2E_READY_SECONDS:-30}
E2E_CALLBACK_SECRET=e2e-callback-secret
# Bearer token that e2e_http and e2e_parallel_post send to the API when set
# (scripts that call curl themselves add "${E2E_AUTH[@]}").
E2E_TOKEN=${E2E_TOKEN:-}
E2E_AUTH=()
e2e_set_token() { # token ("" = none)
	E2E_TOKEN=$1
	E2E_AUTH=()
	if [ -n "$E2E_TOKEN" ]; then E2E_AUTH=(-H "Authorization: Bearer $E2E_TOKEN"); fi
}
e2e_set_token "$E2E_TOKEN"

# The service reads ./.env and these variables: a developer's own settings
# must not leak into a test.
unset CATALOG_SERVICE_API_URL PAYMENTS_SERVICE_API_URL NOTIFICATIONS_SERVICE_API_URL \
	PAYMENTS_CALLBACK_URL PAYMENTS_CALLBACK_SECRET POSTGRES_CONNECTION_STRING APP_PORT
export ENV_FILE=$E2E_TMP/no.env LOG_LEVEL=${E2E_LOG_LEVEL:-info}
export MIGRATIONS_DIR=$SOURCE_DIR/migrations
cd "$E2E_TMP" || exit 2

# ---------------------------------------------------------------- security
# Every API a test starts authenticates (DESIGN §4) with the keys of
# $API_KEYS_FILE, made fresh for each script:
#   E2E_SERVICE_KEY  role service (the default token of e2e_http)
#   E2E_ADMIN_KEY    role admin (the admin listener's routes)
#   E2E_CLIENT_KEY   role client, user E2E_CLIENT_USER ("e2e-alice")
#   E2E_CLIENT2_KEY  role client, user E2E_CLIENT2_USER ("e2e-bob")
# The admin listener is on $ADMIN_PORT (exported, so every API started here
# uses it; e2e_start_api picks a new one per API), reachable as $E2E_ADMIN
# with "${E2E_ADMIN_AUTH[@]}". Rate limits are off unless a test sets
# RATE_LIMIT_PER_MINUTE for its API.
e2e_new_key() { echo "e2e-$1-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
e2e_key_hash() { printf '%s' "$1" | sha256sum | awk '{ print $1 }'; }
E2E_SERVICE_KEY=$(e2e_new_key service)
E2E_ADMIN_KEY=$(e2e_new_key admin)
E2E_CLIENT_KEY=$(e2e_new_key client)
E2E_CLIENT2_KEY=$(e2e_new_key client2)
E2E_CLIENT_USER=e2e-alice
E2E_CLIENT2_USER=e2e-bob
{
	echo "# e2e keys: sha256 role [user_id]"
	echo "$(e2e_key_hash "$E2E_SERVICE_KEY") service"
	echo "$(e2e_key_hash "$E2E_ADMIN_KEY") admin"
	echo "$(e2e_key_hash "$E2E_CLIENT_KEY") client $E2E_CLIENT_USER"
	echo "$(e2e_key_hash "$E2E_CLIENT2_KEY") client $E2E_CLIENT2_USER"
} >"$E2E_TMP/api_keys"
unset AUTH_MODE JWT_SECRET JWT_PUBLIC_KEY_FILE JWT_ISSUER JWT_AUDIENCE PAYMENTS_CALLBACK_ALLOW_UNSIGNED
export API_KEYS_FILE=$E2E_TMP/api_keys RATE_LIMIT_PER_MINUTE=0
E2E_ADMIN_AUTH=(-H "Authorization: Bearer $E2E_ADMIN_KEY")
e2e_set_token "${E2E_TOKEN:-$E2E_SERVICE_KEY}"

e2e_log() { echo "# $*" >&2; }

# ------------------------------------------------------------------ asserts

e2e_pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok - $1"; }

e2e_fail() { # description detail...
	E2E_FAILED=$((E2E_FAILED + 1))
	echo "not ok - $1"
	shift
	if [ $# -gt 0 ]; then printf '#   %s\n' "$@"; fi
	if [ "$E2E_STATUS" = 000 ] && [ -s "$E2E_TMP/curl.err" ]; then
		printf '#   curl: %s\n' "$(head -c 300 "$E2E_TMP/curl.err")"
	fi
}

assert_eq() { # description expected actual
	if [ "$2" = "$3" ]; then e2e_pass "$1"; else e2e_fail "$1" "expected: $2" "actual:   $3"; fi
}

assert_match() { # description extended-regex actual
	if [[ "$3" =~ $2 ]]; then e2e_pass "$1"; else e2e_fail "$1" "expected to match: $2" "actual: $3"; fi
}

# The last e2e_http status, with the body shown on failure.
assert_status() { # description expected-regex (e.g. 201 or 4[0-9][0-9])
	if [[ "$E2E_STATUS" =~ ^($2)$ ]]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "expected status $2, got $E2E_STATUS" "body: $(head -c 600 "$E2E_BODY")"
	fi
}

# A jq filter over the last body must print the expected text.
assert_json() { # description jq-filter expected
	local got
	got=$(jq -r "$2" "$E2E_BODY" 2>&1)
	if [ "$got" = "$3" ]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "filter: $2" "expected: $3" "actual:   $got" "body: $(head -c 600 "$E2E_BODY")"
	fi
}

# A rejected request: a 4xx JSON envelope whose errors name the field
# (an extended regex matched against each error's "field"; "" = any error).
assert_rejected() { # description status-regex field-regex
	local ok=1
	[[ "$E2E_STATUS" =~ ^($2)$ ]] || ok=0
	if [ $ok -eq 1 ] && [ -n "$3" ]; then
		jq -e --arg re "$3" '[.errors[]?.field // "" | strings | test($re)] | any' \
			"$E2E_BODY" >/dev/null 2>&1 || ok=0
	elif [ $ok -eq 1 ]; then
		jq -e '(.errors | length) > 0' "$E2E_BODY" >/dev/null 2>&1 || ok=0
	fi
	if [ $ok -eq 1 ]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "expected status $2 with a JSON error${3:+ naming field /$3/}, got $E2E_STATUS" \
			"body: $(head -c 600 "$E2E_BODY")"
	fi
}

# Prints the summary and ends the script: non-zero on any failure, and when
# nothing was checked at all.
e2e_finish() {
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	if [ "$E2E_FAILED" -eq 0 ] && [ "$E2E_PASSED" -gt 0 ]; then exit 0; fi
	exit 1
}

# -------------------------------------------------------------------- http

# One request; sets E2E_STATUS, writes the body to $E2E_BODY and the
# response headers, as received, to headers-file.
# The body argument is JSON text, or @file for bytes a string cannot carry.
e2e_http_headers() { # headers-file method url [body [curl-args...]]
	local headers=$1 method=$2 url=$3 args=()
	shift 3
	if [ $# -gt 0 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$1")
		shift
	fi
	E2E_STATUS=$(curl -sS -o "$E2E_BODY" -D "$headers" -w '%{http_code}' --max-time 30 \
		-X "$method" "${args[@]}" "${E2E_AUTH[@]}" "$@" "$url" 2>"$E2E_TMP/curl.err") || E2E_STATUS=000
}

# One request; sets E2E_STATUS and writes the body to $E2E_BODY.
e2e_http() { # method url [body [curl-args...]]
	e2e_http_headers /dev/null "$@"
}

# e2e_http with the admin key (for $E2E_ADMIN/admin/... routes).
e2e_admin_http() { # method url [body [curl-args...]]
	local saved=$E2E_TOKEN
	e2e_set_token "$E2E_ADMIN_KEY"
	e2e_http "$@"
	e2e_set_token "$saved"
}

# n POSTs in flight at once (one curl, every connection opened up front).
# "{i}" in body-file is replaced by the request's number (1..n), so each
# request may carry its own body. Statuses go to $E2E_TMP/<tag>.codes, one
# line each; bodies to $E2E_TMP/<tag>.<i>.json.
e2e_parallel_post() { # tag n url body-file [header]
	local tag=$1 n=$2 url=$3 body=$4 header=${5:-} i cfg=$E2E_TMP/$1.curlrc
	: >"$cfg"
	for ((i = 1; i <= n; i++)); do
		{
			echo "url = \"$url\""
			echo 'request = "POST"'
			echo 'header = "Content-Type: application/json"'
			if [ -n "$header" ]; then echo "header = \"$header\""; fi
			if [ -n "$E2E_TOKEN" ]; then echo "header = \"Authorization: Bearer $E2E_TOKEN\""; fi
			echo "data-binary = \"@${body//\{i\}/$i}\""
			echo "output = \"$E2E_TMP/$tag.$i.json\""
			# curl expands the \n itself.
			printf '%s\n' 'write-out = "%{http_code}\n"'
			echo 'max-time = 60'
			if [ "$i" -lt "$n" ]; then echo next; fi
		} >>"$cfg"
	done
	curl -sS --no-progress-meter --parallel --parallel-immediate --parallel-max "$n" -K "$cfg" \
		>"$E2E_TMP/$tag.codes" 2>"$E2E_TMP/$tag.err" || true
}

# Occurrences of a status among the codes of a parallel run.
e2e_count_status() { # tag status
	grep -cx "$2" "$E2E_TMP/$1.codes" || true
}

e2e_uuid() { cat /proc/sys/kernel/random/uuid; }

# shellcheck source=scripts/free-port.sh
source "$SOURCE_DIR/scripts/free-port.sh"
# shellcheck source=scripts/proc.sh
source "$SOURCE_DIR/scripts/proc.sh"
e2e_free_port() { free_port; }

# ---------------------------------------------------------------- database

# DATABASE_URL with its database replaced (URI or key=value form).
e2e_db_url_for() { # dbname
	local re='^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$'
	if [[ "$DATABASE_URL" =~ $re ]]; then
		echo "${BASH_REMATCH[1]}/$1${BASH_REMATCH[4]}"
	else
		echo "$DATABASE_URL dbname=$1"
	fi
}

e2e_db_create() {
	[ -n "${DATABASE_URL:-}" ] || { e2e_fail "DATABASE_URL is set (run through scripts/test.sh)"; e2e_finish; }
	E2E_DB="e2e_${E2E_NAME//[^a-zA-Z0-9]/_}_$$_$RANDOM"
	psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "CREATE DATABASE $E2E_DB" >/dev/null ||
		{ E2E_DB=""; e2e_fail "create the test database"; e2e_finish; }
	E2E_DB_URL=$(e2e_db_url_for "$E2E_DB")
}

e2e_db_drop() {
	[ -n "$E2E_DB" ] || return 0
	psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE)" >/dev/null 2>&1 ||
		e2e_log "could not drop database $E2E_DB"
	E2E_DB=""
}

# One value (or rows, tab-separated) from the test database.
e2e_sql() { # sql
	psql -X -q -tA -v ON_ERROR_STOP=1 -d "$E2E_DB_URL" -c "$1"
}

e2e_migrate() {
	DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" migrate >>"$E2E_TMP/migrate.log" 2>&1 ||
		{ e2e_fail "migrate" "$(tail -n 20 "$E2E_TMP/migrate.log")"; e2e_finish; }
}

# --------------------------------------------------------------- processes

# Starts cmd in its own session (its pid is its process group), logging to
# $E2E_TMP/<name>.log; the pid is in E2E_LAST_PID.
e2e_start() { # name cmd...
	local name=$1
	shift
	setsid "$@" </dev/null >>"$E2E_TMP/$name.log" 2>&1 &
	E2E_LAST_PID=$!
	E2E_PIDS+=("$E2E_LAST_PID")
	E2E_PROC_NAMES+=("$name")
	E2E_STARTS+=("$(e2e_start_time "$E2E_LAST_PID")")
}

# The kernel's start time of a pid (field 22 of /proc/PID/stat), "" if gone.
e2e_start_time() { # pid
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

# A session of ours may be signalled while any member lives; once it is
# gone, its pid may belong to somebody else's new session (pids are reused
# quickly), so a live leader must still have the start time we saw.
e2e_ours() { # index
	local p=${E2E_PIDS[$1]} now
	now=$(e2e_start_time "$p")
	[ -z "$now" ] && [ -n "$(e2e_session_procs "$p")" ] && return 0
	[ -n "$now" ] && [ "$now" = "${E2E_STARTS[$1]}" ]
}

e2e_signal_all() { # signal
	local i
	for i in "${!E2E_PIDS[@]}"; do
		if e2e_ours "$i"; then kill "-$1" -- "-${E2E_PIDS[$i]}" 2>/dev/null; fi
	done
}

# Polls url until it answers 2xx; fails the script when the process dies or
# the deadline passes.
e2e_wait_http() { # name pid url
	local deadline=$((SECONDS + E2E_READY_SECONDS))
	until curl -fsS -o /dev/null --max-time 2 "$3" 2>/dev/null; do
		if ! kill -0 "$2" 2>/dev/null; then
			e2e_fail "$1 starts" "$(tail -n 20 "$E2E_TMP/$1.log")"
			e2e_finish
		fi
		if [ $SECONDS -ge "$deadline" ]; then
			e2e_fail "$1 ready within ${E2E_READY_SECONDS}s" "$(tail -n 20 "$E2E_TMP/$1.log")"
			e2e_finish
		fi
		sleep 0.1
	done
}

# An order-sim on a free port; sets E2E_SIM (its base URL).
e2e_start_sim() { # name [extra args...]
	local name=$1 port args
	shift
	port=$(e2e_free_port)
	args=(--port "$port" --callback-secret "$E2E_CALLBACK_SECRET")
	if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then args+=(--kafka "$KAFKA_BOOTSTRAP_SERVERS"); fi
	e2e_start "$name" "$ORDER_SIM_BIN" "${args[@]}" "$@"
	E2E_SIM=http://127.0.0.1:$port
	e2e_wait_http "$name" "$E2E_LAST_PID" "$E2E_SIM/health"
}

# `order-service api` on a free port against the test database; extra
# VAR=value arguments are added to its environment. Sets E2E_API and
# E2E_ADMIN (its admin listener, on a port of its own).
e2e_start_api() { # name [VAR=value...]
	local name=$1 port
	shift
	port=$(e2e_free_port)
	e2e_set_admin_port
	e2e_start "$name" env DATABASE_URL="$E2E_DB_URL" APP_PORT="$port" API_THREADS=2 \
		PAYMENTS_CALLBACK_SECRET="$E2E_CALLBACK_SECRET" "$@" "$ORDER_SERVICE_BIN" api
	E2E_API=http://127.0.0.1:$port
	e2e_wait_http "$name" "$E2E_LAST_PID" "$E2E_API/health/live"
}

# A free port for the next API's admin listener: ADMIN_PORT and E2E_ADMIN.
e2e_set_admin_port() {
	export ADMIN_PORT
	ADMIN_PORT=$(e2e_free_port)
	E2E_ADMIN=http://127.0.0.1:$ADMIN_PORT
}
e2e_set_admin_port

# Waits (bounded) for a pid to end; returns 0 when it did.
e2e_wait_gone() { # pid seconds
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# Processes left in a session started by e2e_start (none once it is over).
e2e_session_procs() { # sid
	pgrep -s "$1" 2>/dev/null | tr '\n' ' '
}

e2e_stop_all() {
	local p i
	e2e_signal_all TERM
	for ((i = 0; i < 100; i++)); do
		local alive=0
		for p in "${!E2E_PIDS[@]}"; do
			if e2e_ours "$p" && [ -n "$(e2e_session_procs "${E2E_PIDS[$p]}")" ]; then alive=1; fi
		done
		[ $alive -eq 1 ] || break
		sleep 0.1
	done
	e2e_signal_all KILL
	E2E_PIDS=()
	E2E_STARTS=()
}

e2e_dump_logs() {
	local f
	for f in "$E2E_TMP"/*.log; do
		[ -s "$f" ] || continue
		echo "----- $(basename "$f") (last 80 lines)"
		tail -n 80 "$f"
	done
}

e2e_cleanup() {
	local rc=$?
	e2e_stop_all
	if [ $rc -ne 0 ] || [ "$E2E_FAILED" -ne 0 ]; then e2e_dump_logs; fi
	e2e_db_drop
	cd / && rm -rf "$E2E_TMP"
	exit $rc
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# Every binary must be there: a missing one is a failure, not a skip.
for bin in "$ORDER_SERVICE_BIN" "$ORDER_SIM_BIN"; do
	[ -x "$bin" ] || { e2e_fail "binary $bin exists"; e2e_finish; }
done
unset bin
