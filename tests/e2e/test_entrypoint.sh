#!/usr/bin/env bash
# End-to-end: supervision by entrypoint.sh (DESIGN §2). It migrates, starts
# the API and the five workers; when one worker is SIGKILLed the whole group
# ends non-zero; SIGTERM stops every process within a bounded time with
# status 0; nothing is left behind in either case. Started as the container
# used to be, with one WORKER_METRICS_PORT for the whole group, every process
# still comes up and serves its own metrics (the setting becomes
# METRICS_PORT_BASE: one port each, by role).
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_prom.sh
source "$E2E_DIR/lib_prom.sh"

ROLES=(api outbox-payments outbox-notifications outbox-kafka shipping-consumer inbox)
GRACE=10
# How long an ending group may take: the grace period plus a margin.
END_SECONDS=$((GRACE + 20))

# Starts entrypoint.sh in its own session against the test database and
# order-sim, and waits until the API is ready. Sets EP (its pid).
start_group() { # name [VAR=value...]
	local port name=$1
	shift
	port=$(e2e_free_port)
	e2e_start "$name" env DATABASE_URL="$E2E_DB_URL" APP_PORT="$port" "$@" \
		ORDER_SERVICE_BIN="$ORDER_SERVICE_BIN" STOP_GRACE_SECONDS=$GRACE \
		CATALOG_SERVICE_API_URL="$E2E_SIM/catalog/items" \
		PAYMENTS_SERVICE_API_URL="$E2E_SIM/payments" \
		NOTIFICATIONS_SERVICE_API_URL="$E2E_SIM/notifications" \
		PAYMENTS_CALLBACK_URL="http://127.0.0.1:$port/api/v1/orders/payment-callback" \
		PAYMENTS_CALLBACK_SECRET="$E2E_CALLBACK_SECRET" \
		bash "$SOURCE_DIR/entrypoint.sh"
	EP=$E2E_LAST_PID
	e2e_wait_http "$name" "$EP" "http://127.0.0.1:$port/health/ready"
}

# "pid role" for every child of the entrypoint.
children() {
	local pid cmd
	for pid in $(pgrep -P "$EP"); do
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		case "$cmd" in
		*" api "|*" api") echo "$pid api" ;;
		*" worker "*) echo "$pid $(awk '{ print $NF }' <<<"$cmd")" ;;
		*) echo "$pid other:$cmd" ;;
		esac
	done
}

# Waits (bounded) until every role has a child, then checks the set.
check_all_started() { # label
	local deadline=$((SECONDS + E2E_READY_SECONDS)) got want
	want=$(printf '%s\n' "${ROLES[@]}" | sort | tr '\n' ' ')
	while :; do
		got=$(children | awk '{ print $2 }' | sort | tr '\n' ' ')
		if [ "$got" = "$want" ] || [ $SECONDS -ge "$deadline" ]; then break; fi
		sleep 0.1
	done
	assert_eq "$1: api and the five workers run, one each" "$want" "$got"
}

pid_of() { # role
	children | awk -v r="$1" '$2 == r { print $1 }'
}

test_migrated() {
	local files
	files=$(find "$SOURCE_DIR/migrations" -maxdepth 1 -name '*.sql' | wc -l)
	assert_eq "entrypoint ran migrate" "$files" "$(e2e_sql 'SELECT count(*) FROM schema_migrations')"
}

test_worker_death_ends_group() {
	local victim kids rc
	start_group group-kill
	check_all_started "kill test"
	test_migrated
	kids=$(children | awk '{ print $1 }')
	victim=$(pid_of outbox-kafka)
	if [ -z "$victim" ]; then e2e_fail "found the outbox-kafka worker"; return; fi
	kill -KILL "$victim"
	if e2e_wait_gone "$EP" $END_SECONDS; then
		e2e_pass "SIGKILL of a worker: the entrypoint ends"
		wait "$EP"
		rc=$?
		assert_match "SIGKILL of a worker: non-zero exit" '^[1-9][0-9]*$' "$rc"
	else
		e2e_fail "SIGKILL of a worker: the entrypoint ends within ${END_SECONDS}s"
	fi
	check_no_orphans "kill test" "$kids"
}

# What a process's own metrics endpoint says about who it is.
metrics_identity() { # port
	local body
	body=$(curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" 2>/dev/null) || { echo unreachable; return; }
	if grep -q '^outbox_relay_destination_info{relay="' <<<"$body"; then
		grep -oE '^outbox_relay_destination_info\{relay="[^"]+' <<<"$body" | head -n 1 | sed 's/.*"//'
	elif grep -q '^shipping_consumer_messages_total' <<<"$body"; then echo shipping-consumer
	elif grep -q '^inbox_handled_total' <<<"$body"; then echo inbox
	elif grep -q '^inbox_lag_seconds' <<<"$body"; then echo api
	else echo unknown; fi
}

# One WORKER_METRICS_PORT for six processes: each gets base + its offset.
check_metrics_ports() { # base
	local role off got deadline
	while read -r role off; do
		deadline=$((SECONDS + E2E_READY_SECONDS))
		while got=$(metrics_identity $(($1 + off))) && [ "$got" = unreachable ] && [ $SECONDS -lt "$deadline" ]; do
			sleep 0.2
		done
		assert_eq "WORKER_METRICS_PORT=$1 for the group: $role serves its metrics on $1+$off" "$role" "$got"
	done < <(prom_role_offsets)
	if grep -q "using $1 as METRICS_PORT_BASE" "$E2E_TMP/group-term.log"; then
		e2e_pass "entrypoint says it took WORKER_METRICS_PORT as the base"
	else
		e2e_fail "entrypoint says it took WORKER_METRICS_PORT as the base"
	fi
	check_all_started "metrics ports: after the scrapes"
}

test_sigterm_stops_everything() {
	local kids rc base
	base=$(prom_free_port_block 6) || { e2e_fail "six free ports in a row"; return; }
	start_group group-term WORKER_METRICS_PORT="$base"
	check_all_started "term test"
	check_metrics_ports "$base"
	kids=$(children | awk '{ print $1 }')
	kill -TERM "$EP"
	if e2e_wait_gone "$EP" $END_SECONDS; then
		e2e_pass "SIGTERM: the entrypoint ends"
		wait "$EP"
		rc=$?
		assert_eq "SIGTERM: every process stopped cleanly (exit 0)" 0 "$rc"
	else
		e2e_fail "SIGTERM: the entrypoint ends within ${END_SECONDS}s"
	fi
	check_no_orphans "term test" "$kids"
}

check_no_orphans() { # label child-pids
	local p left=""
	for p in $2; do
		if kill -0 "$p" 2>/dev/null; then left="$left $p"; fi
	done
	assert_eq "$1: no child outlives the entrypoint" "" "$left"
	assert_eq "$1: the session is empty" "" "$(e2e_session_procs "$EP")"
}

# A METRICS_PORT_BASE that is not a port, or leaves no room for every
# process, stops the entrypoint at once with one line, before it starts
# anything.
test_bad_metrics_base() {
	local v rc out
	for v in abc 65530 -1; do
		out=$(env DATABASE_URL="$E2E_DB_URL" ORDER_SERVICE_BIN=/nonexistent METRICS_PORT_BASE="$v" \
			timeout 10 bash "$SOURCE_DIR/entrypoint.sh" 2>&1)
		rc=$?
		assert_eq "METRICS_PORT_BASE=$v: exit 1" 1 "$rc"
		assert_match "METRICS_PORT_BASE=$v: one line naming it" '^entrypoint: METRICS_PORT_BASE: .*'"$v" "$out"
	done
}

main() {
	test_bad_metrics_base
	e2e_db_create
	e2e_start_sim sim
	test_worker_death_ends_group
	test_sigterm_stops_everything
	e2e_finish
}

main
