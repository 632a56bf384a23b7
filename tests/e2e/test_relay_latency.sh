#!/usr/bin/env bash
# End-to-end: the Kafka relay is woken by LISTEN/NOTIFY at commit, not by its
# polling safety net (DESIGN §7). With OUTBOX_POLL_INTERVAL_MS at 60 s, a new
# order's event must be readable on Kafka within a 10 s deadline: only the
# notification can explain that. No timing is asserted beyond that deadline;
# the commit-to-Kafka latency of a run of orders is measured and printed
# (informational: bench/ holds the performance targets).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/lib_relay.sh
source "$HERE/lib_relay.sh"

POLL_MS=60000
DEADLINE=10
MEASURED=200

# The order's event id on the order-events topic.
event_of() { # order-id
	e2e_sql "SELECT id FROM outbox WHERE destination = '$RELAY_TOPIC' AND aggregateid = '$1'"
}

# Polls the topic (kcat) until the event is there; 1 when the deadline
# passes first.
wait_on_kafka() { # event-id seconds
	local deadline=$((SECONDS + $2))
	until relay_kafka_read "$E2E_TMP/wake.json" && relay_kafka_ce_ids "$E2E_TMP/wake.json" | grep -qx "$1"; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

test_notify_wakes_relay() {
	local i order event ok=0
	# The first order also covers the start: a row committed before the
	# relay listened would be found by its first claim instead.
	for i in 1 2 3 4 5 6; do
		order=$(relay_create_order)
		event=$(event_of "$order")
		if [ -n "$event" ] && wait_on_kafka "$event" $DEADLINE; then
			ok=$((ok + 1))
		else
			e2e_fail "order $i: its event is on Kafka within ${DEADLINE}s (poll interval ${POLL_MS} ms)" \
				"order $order event $event: $(e2e_sql "SELECT status, attempts, last_error FROM outbox
				                                        WHERE id = '${event:-00000000-0000-0000-0000-000000000000}'")" \
				"relay process alive: $(kill -0 "$RELAY_PID" 2>/dev/null && echo yes || echo no)" \
				"$(relay_sessions)"
		fi
	done
	assert_eq "each new order's event was consumed from Kafka within ${DEADLINE}s although the relay polls every ${POLL_MS} ms (LISTEN/NOTIFY wakes it)" 6 "$ok"
}

# Percentiles in ms of a latency expression over the measured rows.
percentiles() { # sql-expression-in-seconds from-clause
	e2e_sql "SELECT 'p50=' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ($1) * 1000))::numeric, 2)
	              || ' ms p99=' || round((percentile_cont(0.99) WITHIN GROUP (ORDER BY ($1) * 1000))::numeric, 2)
	              || ' ms max=' || round((max($1) * 1000)::numeric, 2) || ' ms n=' || count(*) $2"
}

test_measure_latency() {
	local first i n_sent
	first=$(e2e_sql "SELECT coalesce(max(seq), 0) FROM outbox")
	# A failed create (a busy machine) is retried: the orders are only the
	# vehicle of the measurement.
	for ((i = 0; i < MEASURED; i++)); do
		relay_create_order >/dev/null || relay_create_order >/dev/null || relay_create_order >/dev/null ||
			{ e2e_log "create failed: $E2E_STATUS $(head -c 300 "$E2E_BODY")"; break; }
	done
	assert_eq "$MEASURED orders created one by one" "$MEASURED" \
		"$(e2e_sql "SELECT count(*) FROM outbox WHERE destination = '$RELAY_TOPIC' AND seq > $first")"
	relay_assert_drained "their events are all sent (poll interval ${POLL_MS} ms)" "$RELAY_TOPIC" 60
	n_sent=$(percentiles "extract(epoch FROM sent_at - created_at)" \
		"FROM outbox WHERE destination = '$RELAY_TOPIC' AND seq > $first")
	echo "# latency commit -> broker ack recorded (outbox.sent_at - created_at): $n_sent"
	# The broker's message timestamp (set by the producer when the relay
	# hands the message over) against the commit.
	relay_kafka_dump "$E2E_TMP/lat.json"
	jq -r '(.headers as $h | [range(0; $h | length; 2) | select($h[.] == "ce_id") | $h[. + 1]] | first)
	       + "\t" + (.ts | tostring)' "$E2E_TMP/lat.json" >"$E2E_TMP/lat.tsv"
	e2e_sql "CREATE TABLE relay_kafka_ts (id uuid, ts_ms bigint)" >/dev/null
	e2e_sql "\\copy relay_kafka_ts FROM '$E2E_TMP/lat.tsv'" >/dev/null
	echo "# latency commit -> Kafka message timestamp: $(percentiles \
		"extract(epoch FROM to_timestamp(k.ts_ms / 1000.0) - o.created_at)" \
		"FROM outbox o JOIN relay_kafka_ts k ON k.id = o.id WHERE o.destination = '$RELAY_TOPIC' AND o.seq > $first")"
	assert_match "latency figures computed" '^p50=[0-9.]+ ms p99=[0-9.]+ ms max=[0-9.]+ ms n=[0-9]+$' "$n_sent"
}

relay_init
relay_start_stack
relay_start_worker relay-kafka kafka OUTBOX_POLL_INTERVAL_MS=$POLL_MS
test_notify_wakes_relay
test_measure_latency
e2e_finish
