#!/usr/bin/env bash
# End-to-end: SIGTERM of a relay (DESIGN §2: stop taking work, finish or
# release what is in flight). A payments relay with a batch in flight against
# a slowed order-sim, a Kafka relay draining a backlog and an idle
# notifications relay are each stopped with SIGTERM: each must exit 0 within
# a bounded time, hold no row locked, leave every row pending or sent (a row
# marked sent was really received), and a new relay must then deliver the rest.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/lib_relay.sh
source "$HERE/lib_relay.sh"

N=600
STOP_SECONDS=20

# The checks after a relay of a destination stopped.
check_stopped() { # label destination received-ids-file
	assert_eq "$1: SIGTERM: exit status 0 within ${STOP_SECONDS}s" 0 "$RELAY_RC"
	if relay_poll_sql "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE status = 'pending'
	                   AND destination = '$2' FOR UPDATE SKIP LOCKED) x" "$(relay_pending "$2")" 10; then
		e2e_pass "$1: no row left locked"
	else
		e2e_fail "$1: no row left locked" "$(relay_sessions)"
	fi
	assert_eq "$1: every row is pending or sent" 0 \
		"$(e2e_sql "SELECT count(*) FROM outbox WHERE destination = '$2' AND status NOT IN ('pending', 'sent')")"
	# Marked sent only after the receiver took it.
	e2e_sql "SELECT id FROM outbox WHERE destination = '$2' AND status = 'sent' ORDER BY 1" >"$E2E_TMP/$1.sent"
	assert_eq "$1: every row marked sent was received" 0 \
		"$(sort -u "$3" | comm -23 "$E2E_TMP/$1.sent" - | wc -l)"
	e2e_log "$1: stopped with $(relay_pending "$2") rows pending, $(wc -l <"$E2E_TMP/$1.sent") sent"
}

# Waits until the relay has taken some of the backlog, so that the stop
# finds it busy.
wait_busy() { # label destination
	if relay_poll_sql "SELECT count(*) > 0 FROM outbox WHERE destination = '$2' AND status = 'sent'" t 60; then
		e2e_pass "$1: relay at work before the stop"
	else
		e2e_fail "$1: relay at work before the stop"
	fi
}

test_payments_stop() {
	relay_start_worker relay-payments-1 payments OUTBOX_BATCH_SIZE=100
	wait_busy payments payments
	relay_term "$RELAY_PID" $STOP_SECONDS
	relay_sim_keys /_sim/payments/requests 201 >"$E2E_TMP/pay.got"
	check_stopped payments payments "$E2E_TMP/pay.got"
	assert_match "payments: stopped before the backlog was done" '^[1-9][0-9]*$' "$(relay_pending payments)"
	relay_start_worker relay-payments-2 payments OUTBOX_BATCH_SIZE=200
	relay_assert_drained "payments: a new relay delivers the rest" payments 90
	relay_outbox_ids payments >"$E2E_TMP/pay.expected"
	relay_sim_keys /_sim/payments/requests >"$E2E_TMP/pay.all"
	relay_assert_covers "payments: every row reached order-sim" "$E2E_TMP/pay.expected" "$E2E_TMP/pay.all"
}

test_kafka_stop() {
	relay_start_worker relay-kafka-1 kafka OUTBOX_BATCH_SIZE=10
	wait_busy kafka "$RELAY_TOPIC"
	relay_term "$RELAY_PID" $STOP_SECONDS
	relay_kafka_dump "$E2E_TMP/kafka.json"
	relay_kafka_ce_ids "$E2E_TMP/kafka.json" >"$E2E_TMP/kafka.got"
	check_stopped kafka "$RELAY_TOPIC" "$E2E_TMP/kafka.got"
	relay_start_worker relay-kafka-2 kafka
	relay_assert_drained "kafka: a new relay delivers the rest" "$RELAY_TOPIC" 90
	relay_kafka_dump "$E2E_TMP/kafka.json"
	relay_kafka_ce_ids "$E2E_TMP/kafka.json" >"$E2E_TMP/kafka.got"
	relay_outbox_ids "$RELAY_TOPIC" >"$E2E_TMP/kafka.expected"
	relay_assert_covers "kafka: every row is on the topic" "$E2E_TMP/kafka.expected" "$E2E_TMP/kafka.got"
}

test_idle_stop() {
	relay_start_worker relay-notifications notifications
	relay_assert_drained "notifications: drained" notifications 90
	relay_term "$RELAY_PID" $STOP_SECONDS
	assert_eq "notifications: an idle relay exits 0 on SIGTERM within ${STOP_SECONDS}s" 0 "$RELAY_RC"
}

relay_init
# Slow answers keep a payments batch in flight when SIGTERM comes.
relay_start_stack --payment-latency-ms 200
relay_create_orders stop "$N"
test_payments_stop
test_kafka_stop
test_idle_stop
e2e_finish
