#!/usr/bin/env bash
# End-to-end: the dev stack keeps its embedded Kafka's address
# (scripts/dev-stack.sh). A `dev-kafka` started by hand from the checkout
# (even as `dev-kafka --help`) writes its own address to .data/kafka.addr
# and removes it when it stops: the stack's address is elsewhere and
# survives; `start` again finds the running dev-kafka instead of starting a
# second one; and an address file deleted while dev-kafka runs is restored
# from its log. The dev keys: made, listed in the stack's API_KEYS_FILE and
# exported; none when the environment names its own API_KEYS_FILE.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"

CHECKOUT=$E2E_TMP/checkout
STACK_DATA=$CHECKOUT/.data
ADDR=""

# dev-stack.sh with only the embedded Kafka, under a data dir of this test.
stack() { # command
	(cd "$CHECKOUT" && env -u KAFKA_BOOTSTRAP_SERVERS -u KAFKA_BOOTSTRAP DATA_DIR="$STACK_DATA" \
		DEV_STACK_ONLY=kafka ORDER_SERVICE_BIN="$ORDER_SERVICE_BIN" START_TIMEOUT=30 \
		bash "$SOURCE_DIR/scripts/dev-stack.sh" "$1") 2>>"$E2E_TMP/dev-stack.log"
}

stack_addr() { # export-lines
	sed -n "s/^export KAFKA_BOOTSTRAP_SERVERS=//p" <<<"$1"
}

dev_kafka_pids() {
	pgrep -f -- "--addr-file $STACK_DATA/" | tr '\n' ' '
}

# Stops the stack, and any dev-kafka of this test's data dir left over when
# a check failed (the path holds this run's temp dir: they are ours).
# shellcheck disable=SC2317 # trap
stop_stack() {
	local p
	stack stop >/dev/null 2>&1
	for p in $(dev_kafka_pids); do kill -TERM "$p" 2>/dev/null; done
}

test_start() {
	local out
	mkdir -p "$CHECKOUT"
	out=$(stack start) || { e2e_fail "dev-stack.sh start (kafka only)" "$(tail -n 20 "$E2E_TMP/dev-stack.log")"; e2e_finish; }
	ADDR=$(stack_addr "$out")
	assert_match "dev-stack start prints the Kafka address" '^127\.0\.0\.1:[0-9]+$' "$ADDR"
}

# `dev-kafka --help` from the checkout, stopped the way a user would: it
# either prints help and exits, or runs until Ctrl-C (SIGINT).
test_stray_dev_kafka() {
	local pid out i
	(cd "$CHECKOUT" && exec "$ORDER_SERVICE_BIN" dev-kafka --help) >"$E2E_TMP/stray.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		grep -q '^KAFKA_BOOTSTRAP_SERVERS=' "$E2E_TMP/stray.log" && break
		sleep 0.1
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	out=$(stack env)
	assert_eq "after a stray dev-kafka: dev-stack env still has the address" "$ADDR" "$(stack_addr "$out")"
	out=$(stack start)
	assert_eq "after a stray dev-kafka: start finds the same dev-kafka" "$ADDR" "$(stack_addr "$out")"
	assert_eq "one dev-kafka of the stack runs" 1 "$(wc -w <<<"$(dev_kafka_pids)")"
	if (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null; then
		e2e_pass "the stack's Kafka still answers at its address"
	else
		e2e_fail "the stack's Kafka still answers at its address"
	fi
}

test_deleted_address_restored() {
	local out
	find "$STACK_DATA" -name kafka.addr -delete
	out=$(stack start)
	assert_eq "address file deleted: start restores it from the running dev-kafka" "$ADDR" "$(stack_addr "$out")"
	assert_eq "address file deleted: no second dev-kafka" 1 "$(wc -w <<<"$(dev_kafka_pids)")"
	assert_eq "the restored file holds the address" "$ADDR" \
		"$(cat "$(find "$STACK_DATA" -name kafka.addr | head -n 1)" 2>/dev/null)"
}

# "start" with API_KEYS_FILE as given ("" for none in the environment).
stack_with_keys_file() { # file
	if [ -n "$1" ]; then API_KEYS_FILE=$1 stack start; else (unset API_KEYS_FILE; stack start); fi
}

test_dev_keys() {
	local out key file
	out=$(stack_with_keys_file "")
	key=$(sed -n "s/^export DEV_API_KEY=//p" <<<"$out")
	file=$(sed -n "s/^export API_KEYS_FILE=//p" <<<"$out")
	assert_match "dev keys: a service key is exported" '^dev-service-[0-9a-f]{32}$' "$key"
	assert_eq "dev keys: the exported API_KEYS_FILE lists it as a service key" 1 \
		"$(grep -c "^$(printf '%s' "$key" | sha256sum | cut -d' ' -f1) service$" "$file" 2>/dev/null)"
	out=$(stack_with_keys_file "$E2E_TMP/api_keys")
	assert_eq "own API_KEYS_FILE: it is the one exported" "$E2E_TMP/api_keys" \
		"$(sed -n "s/^export API_KEYS_FILE=//p" <<<"$out")"
	assert_eq "own API_KEYS_FILE: no dev key exported (it is not in that file)" "" \
		"$(grep -E '^export DEV_(API|ADMIN)_KEY=' <<<"$out")"
}

test_stop() {
	stack stop >/dev/null
	assert_eq "stop ends the stack's dev-kafka" "" "$(dev_kafka_pids)"
}

trap 'stop_stack; e2e_cleanup' EXIT
test_start
test_stray_dev_kafka
test_deleted_address_restored
test_dev_keys
test_stop
e2e_finish
