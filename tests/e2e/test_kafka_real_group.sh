#!/usr/bin/env bash
# End-to-end on a real Apache Kafka broker (DESIGN §2, §8): two shipping
# consumers in one consumer group share the shipping-events partitions; when
# one is SIGKILLed, the group rebalances and the other takes its partitions
# over (after the session timeout), so every later order is still delivered,
# and nothing is applied twice.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh" life

export KAFKA_SESSION_TIMEOUT_MS=6000
ORDERS=()

create_orders() { # n
	local i
	for ((i = 0; i < $1; i++)); do
		life_create_order "sku-$((i % 10 + 1))" 1
		[ -z "$LIFE_ORDER" ] || ORDERS+=("$LIFE_ORDER")
	done
}

recorded() { # consumer-name
	life_metric "$1" shipping_consumer_messages_total 'outcome="recorded"'
}

# The consumer group as the broker sees it: members and their partitions.
group_members() {
	kafka_real_broker class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
		--bootstrap-server "$KAFKA_REAL_BOOTSTRAP" --describe --members \
		--group "$KAFKA_CONSUMER_GROUP" 2>/dev/null | awk -v g="$KAFKA_CONSUMER_GROUP" '$1 == g' | wc -l
}

# The number of partitions each member of the group owns, a line each.
member_partitions() {
	kafka_real_broker class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
		--bootstrap-server "$KAFKA_REAL_BOOTSTRAP" --describe --members \
		--group "$KAFKA_CONSUMER_GROUP" 2>/dev/null | awk -v g="$KAFKA_CONSUMER_GROUP" '$1 == g { print $(NF) }'
}

# Polls (bounded) until the group has n members; asserts it.
expect_members() { # description n
	local deadline=$((SECONDS + 45)) got
	while :; do
		got=$(group_members)
		if [ "$got" = "$2" ] || [ $SECONDS -ge "$deadline" ]; then break; fi
		sleep 1
	done
	assert_eq "$1" "$2" "$got"
}

main() {
	local n id
	life_init
	life_start_system outbox-payments outbox-notifications outbox-kafka inbox
	life_start_worker_as consumer-1 shipping-consumer
	life_start_worker_as consumer-2 shipping-consumer
	expect_members "the broker lists both consumers in the group" 2

	create_orders 24
	for id in "${ORDERS[@]}"; do life_expect_status "order ${id:0:8} delivered (two consumers)" "$id" delivered; done
	# Both members own partitions of the topic (which of them receives
	# events depends on where the order ids hash to, so the counts are
	# only logged), and between them they recorded every event once.
	assert_eq "the broker assigned partitions to both members" "2" \
		"$(member_partitions | awk '$1 > 0' | wc -l)"
	n=$(($(recorded consumer-1) + $(recorded consumer-2)))
	e2e_log "recorded: consumer-1 $(recorded consumer-1), consumer-2 $(recorded consumer-2)"
	assert_eq "the two consumers recorded every shipping event once" \
		"$(e2e_sql "SELECT count(*) FROM inbox WHERE source = 'shipping'")" "$n"

	life_stop consumer-2 KILL
	local before=${#ORDERS[@]}
	create_orders 24
	for id in "${ORDERS[@]:$before}"; do
		life_expect_status "order ${id:0:8} delivered after the rebalance" "$id" delivered 60
	done
	expect_members "the group has one member after the rebalance" 1

	assert_eq "no transition recorded twice" "" "$(life_duplicated_transitions)"
	assert_eq "no inbox message id appears twice" "" "$(life_duplicated_inbox)"
	for id in "${ORDERS[@]}"; do
		[ "$(life_transitions "$id")" = "$LIFE_HAPPY" ] || e2e_fail "order $id: one row per transition" "$(life_transitions "$id")"
	done
	assert_eq "every order was delivered" "${#ORDERS[@]}" \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE status = 'delivered'")"
	e2e_finish
}

main
