#!/usr/bin/env bash
# End-to-end: two instances of each relay on the same database share the
# work without sending a row twice in normal operation (DESIGN §2, §7: claims
# with FOR UPDATE SKIP LOCKED). Two outbox-payments, two outbox-notifications
# and two outbox-kafka workers run while orders are created through the API;
# every row must end sent and each receiver must have seen each event id
# exactly once.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/lib_relay.sh
source "$HERE/lib_relay.sh"

N=400

# Rows an instance reported sent in its debug batch lines (informational:
# shows whether both instances took part).
sent_by() { # name
	grep '"outbox batch sent"' "$E2E_TMP/$1.log" 2>/dev/null |
		jq -r '.sent // 0' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# Exactly once: every expected id received once, nothing else, no repeats.
assert_once() { # label expected-file received-file
	relay_assert_covers "$1: every event id received" "$2" "$3"
	assert_eq "$1: no event id received twice" 0 "$(relay_repeats "$3")"
	assert_eq "$1: as many deliveries as rows" "$(wc -l <"$2")" "$(wc -l <"$3")"
}

start_pairs() {
	local kind i
	for kind in payments notifications kafka; do
		for i in 1 2; do
			# Small batches, so that the two instances interleave on the backlog.
			relay_start_worker "relay-$kind-$i" "$kind" OUTBOX_BATCH_SIZE=25 LOG_LEVEL=debug
		done
	done
}

check_receivers() {
	relay_outbox_ids payments >"$E2E_TMP/pay.expected"
	relay_sim_keys /_sim/payments/requests >"$E2E_TMP/pay.got"
	assert_once "payments" "$E2E_TMP/pay.expected" "$E2E_TMP/pay.got"

	relay_outbox_ids notifications >"$E2E_TMP/note.expected"
	relay_sim_keys /_sim/notifications >"$E2E_TMP/note.got"
	relay_assert_covers "notifications: every event id received" "$E2E_TMP/note.expected" "$E2E_TMP/note.got"
	curl -fsS "$E2E_SIM/_sim/notifications" >"$E2E_BODY"
	assert_json "notifications: order-sim counted no repeated Idempotency-Key" '.duplicates' 0

	relay_kafka_dump "$E2E_TMP/kafka.json"
	relay_outbox_ids "$RELAY_TOPIC" >"$E2E_TMP/kafka.expected"
	relay_kafka_ce_ids "$E2E_TMP/kafka.json" >"$E2E_TMP/kafka.got"
	assert_once "kafka" "$E2E_TMP/kafka.expected" "$E2E_TMP/kafka.got"
}

relay_init
relay_start_stack
start_pairs
relay_create_orders conc "$N"
relay_assert_drained "payments: all rows sent" payments 90
relay_assert_drained "notifications: all rows sent" notifications 90
relay_assert_drained "kafka: all rows sent" "$RELAY_TOPIC" 90
assert_eq "no row needed a retry" 0 "$(e2e_sql 'SELECT count(*) FROM outbox WHERE attempts > 0')"
check_receivers
for kind in payments notifications kafka; do
	e2e_log "$kind: rows sent by instance 1: $(sent_by "relay-$kind-1"), by instance 2: $(sent_by "relay-$kind-2")"
done
e2e_finish
