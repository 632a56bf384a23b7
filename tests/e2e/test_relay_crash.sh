#!/usr/bin/env bash
# End-to-end: a relay killed with SIGKILL in the middle of a backlog loses
# nothing once it restarts (DESIGN §7: at-least-once). A backlog of orders is
# created through the API, then the Kafka relay (small batches) and the
# payments relay (against a slowed order-sim) are each SIGKILLed while rows
# are still pending and restarted; when the outbox is drained, every event id
# must have reached the receiver at least once. Repeats of the batch that was
# in flight are allowed and printed.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/lib_relay.sh
source "$HERE/lib_relay.sh"

N=2000

# Polls (fast: the relay drains quickly) until some rows of the destination
# are sent, then SIGKILLs the relay. Fails when it drained first or died.
kill_mid_backlog() { # label pid destination
	local deadline=$((SECONDS + 60)) sent=0
	while [ "$sent" -eq 0 ]; do
		if ! kill -0 "$2" 2>/dev/null || [ $SECONDS -ge "$deadline" ]; then
			e2e_fail "$1: relay makes progress before the kill"
			return 1
		fi
		sleep 0.02
		sent=$(e2e_sql "SELECT count(*) FROM outbox WHERE destination = '$3' AND status = 'sent'")
	done
	kill -KILL "$2"
	if e2e_wait_gone "$2" 10; then e2e_pass "$1: SIGKILL ends the relay"; else e2e_fail "$1: SIGKILL ends the relay"; fi
	wait "$2" 2>/dev/null
	local pending
	pending=$(relay_pending "$3")
	e2e_log "$1: killed with $pending of $N rows pending"
	assert_match "$1: killed while rows were still pending" '^[1-9][0-9]*$' "$pending"
	# The dead relay's transaction goes with its connection: its rows are
	# claimable again without any manual step.
	if relay_poll_sql "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE status = 'pending'
	                   AND destination = '$3' FOR UPDATE SKIP LOCKED) x" "$pending" 30; then
		e2e_pass "$1: no row stays locked by the killed relay"
	else
		e2e_fail "$1: no row stays locked by the killed relay"
	fi
}

test_kafka_crash() {
	local dump=$E2E_TMP/crash.kafka.json
	relay_start_worker relay-kafka-1 kafka OUTBOX_BATCH_SIZE=20
	kill_mid_backlog "kafka" "$RELAY_PID" "$RELAY_TOPIC" || return
	relay_start_worker relay-kafka-2 kafka OUTBOX_BATCH_SIZE=20
	relay_assert_drained "kafka: the restarted relay drains every row" "$RELAY_TOPIC" 90
	relay_kafka_dump "$dump"
	relay_outbox_ids "$RELAY_TOPIC" >"$E2E_TMP/crash.kafka.expected"
	relay_kafka_ce_ids "$dump" >"$E2E_TMP/crash.kafka.got"
	relay_assert_covers "kafka: every event id of the $N rows arrived at least once" \
		"$E2E_TMP/crash.kafka.expected" "$E2E_TMP/crash.kafka.got"
	e2e_log "kafka: $(wc -l <"$E2E_TMP/crash.kafka.got") messages for $N rows," \
		"$(relay_repeats "$E2E_TMP/crash.kafka.got") event ids delivered more than once"
	relay_term "$RELAY_PID" 30
	assert_eq "kafka: the restarted relay stops on SIGTERM with status 0" 0 "$RELAY_RC"
}

test_payments_crash() {
	relay_start_worker relay-payments-1 payments OUTBOX_BATCH_SIZE=50
	kill_mid_backlog "payments" "$RELAY_PID" payments || return
	relay_start_worker relay-payments-2 payments OUTBOX_BATCH_SIZE=200
	relay_assert_drained "payments: the restarted relay drains every row" payments 90
	relay_outbox_ids payments >"$E2E_TMP/crash.pay.expected"
	relay_sim_keys /_sim/payments/requests >"$E2E_TMP/crash.pay.got"
	relay_assert_covers "payments: every Idempotency-Key of the $N rows reached order-sim at least once" \
		"$E2E_TMP/crash.pay.expected" "$E2E_TMP/crash.pay.got"
	e2e_log "payments: $(wc -l <"$E2E_TMP/crash.pay.got") requests for $N rows," \
		"$(relay_repeats "$E2E_TMP/crash.pay.got") keys sent more than once"
}

relay_init
# Slow payment answers keep a batch in flight for a while, so the kill lands
# in the middle of one.
relay_start_stack --payment-latency-ms 100
relay_create_orders crash "$N"
test_kafka_crash
test_payments_crash
e2e_finish
