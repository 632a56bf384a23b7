#!/usr/bin/env bash
# End-to-end: crashes of the consumers apply nothing twice (DESIGN §7, §8).
# The shipping consumer records a message in the inbox and only then
# commits its offset, so a consumer killed in between gets the message again
# after a restart; the inbox deduplicates it by message id.
#
# First the consumer and the inbox worker are SIGKILLed while orders are in
# flight and restarted with the same group: every order still ends
# delivered, once. Then, deterministically, the consumer is SIGKILLed and
# restarted under a consumer group that has committed nothing, which is what
# a crash before every offset commit looks like: every event on the topic is
# delivered again, and each is counted as a duplicate and applied to nothing.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_life.sh
source "$E2E_DIR/lib_life.sh"

BATCH=4
# A SIGKILLed consumer keeps its partitions until its group session times
# out; the restarted one resumes after that, well within LIFE_DEADLINE.
export KAFKA_SESSION_TIMEOUT_MS=6000
ORDERS=()

create_batch() {
	local i
	for ((i = 0; i < BATCH; i++)); do
		life_create_order "sku-$((i + 1))" 1
		ORDERS+=("$LIFE_ORDER")
	done
}

expect_all_delivered() { # label
	local id
	for id in "${ORDERS[@]}"; do
		life_expect_status "$1: order ${id:0:8} delivered" "$id" delivered
	done
}

# Shipping events recorded in the inbox for our orders.
shipping_rows() {
	e2e_sql "SELECT count(*) FROM inbox WHERE source = 'shipping' AND order_id IS NOT NULL"
}

# Waits (bounded) until the inbox holds at least n shipping events.
wait_shipping_rows() { # n
	local deadline=$((SECONDS + LIFE_DEADLINE))
	until [ "$(shipping_rows)" -ge "$1" ]; do
		[ $SECONDS -lt "$deadline" ] || return 1
		life_check_alive
		sleep 0.05
	done
}

test_kill_while_flowing() {
	local before
	before=$(shipping_rows)
	create_batch
	# Kill as soon as the first event of the new batch is in the inbox, so
	# the rest of the batch is still on its way.
	if wait_shipping_rows $((before + 1)); then
		e2e_pass "events of the second batch are flowing"
	else
		e2e_fail "events of the second batch are flowing"
	fi
	life_stop shipping-consumer KILL
	life_stop inbox KILL
	life_start_worker shipping-consumer
	life_start_worker inbox
	expect_all_delivered "after SIGKILL and restart"
}

# The number of partitions of the shipping events topic.
partitions() {
	kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -L -t "$KAFKA_TOPIC_SHIPPING_EVENTS" -J 2>/dev/null |
		jq '.topics[0].partitions | length'
}

test_replay_without_commits() {
	local n p events=$((2 * ${#ORDERS[@]}))
	life_stop shipping-consumer KILL
	n=$(partitions)
	assert_match "the events topic has partitions" '^[1-9][0-9]*$' "$n"
	# A sentinel at the end of every partition: once all are in the inbox,
	# the restarted consumer has read everything before them.
	for ((p = 0; p < n; p++)); do
		echo "sentinel life-sentinel-$p" |
			kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -P -t "$KAFKA_TOPIC_SHIPPING_EVENTS" -p "$p" ||
			e2e_fail "publish sentinel to partition $p"
	done
	life_start_worker shipping-consumer KAFKA_CONSUMER_GROUP="$KAFKA_CONSUMER_GROUP.nocommit"
	life_expect_sql "the restarted consumer read every partition to its end" \
		"SELECT count(*) FROM inbox WHERE status = 'rejected'
		 AND position(convert_to('life-sentinel-', 'UTF8') in payload) > 0" "$n"
	assert_eq "every redelivered event was a duplicate" "$events" \
		"$(life_metric shipping-consumer shipping_consumer_messages_total 'outcome="duplicate"')"
	assert_eq "the inbox still has one row per event" "$events" "$(shipping_rows)"
}

check_applied_once() {
	local id
	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	assert_eq "no inbox message id appears twice" "" "$(life_duplicated_inbox)"
	life_expect_sql "every shipping event is processed" \
		"SELECT count(*) FROM inbox WHERE source = 'shipping' AND order_id IS NOT NULL
		 AND status <> 'processed'" 0
	for id in "${ORDERS[@]}"; do
		assert_eq "order ${id:0:8}: one row per transition" "$LIFE_HAPPY" "$(life_transitions "$id")"
	done
}

main() {
	life_init
	life_start_system "${LIFE_WORKERS[@]}"
	create_batch
	expect_all_delivered "first batch"
	test_kill_while_flowing
	test_replay_without_commits
	check_applied_once
	e2e_finish
}

main
