#!/usr/bin/env bash
# End-to-end on a real Apache Kafka broker that requires SASL (DESIGN §9,
# §12): the whole lifecycle (test_lifecycle_happy.sh: relay producer,
# shipping consumer, order-sim's shipping producer and consumer, and kcat in
# the harness) against the broker's SASL_PLAINTEXT listener, which refuses a
# client that does not log in:
#   - PLAIN through the variables, password in KAFKA_SASL_PASSWORD_FILE;
#   - SCRAM-SHA-256 through KAFKA_PROPERTIES_FILE alone;
#   - SCRAM-SHA-512 through the variables, password in KAFKA_SASL_PASSWORD.
# Then the settings' failures at start: one line naming the variable or the
# file and line, never the password.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh"
kafka_real_require
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"

PW=$(cat "$KAFKA_REAL_SASL_PASSWORD_FILE")
USER_NAME=$KAFKA_REAL_SASL_USERNAME

# librdkafka properties for kcat (KCAT_CONFIG) and, in one case, the service
# (no blanks around "=": kcat does not trim them).
props() { # file mechanism
	cat >"$1" <<-EOP
		# $2 login to the SASL listener
		security.protocol=SASL_PLAINTEXT
		sasl.mechanisms=$2
		sasl.username=$USER_NAME
		sasl.password=$PW
	EOP
}

run_lifecycle() { # label VAR=value...
	local label=$1
	shift
	if env KAFKA_BOOTSTRAP_SERVERS="$KAFKA_REAL_SASL_BOOTSTRAP" "$@" \
		bash "$HERE/test_lifecycle_happy.sh" >"$E2E_TMP/$label.out" 2>&1; then
		e2e_pass "lifecycle over SASL $label"
	else
		e2e_fail "lifecycle over SASL $label" "$(tail -n 40 "$E2E_TMP/$label.out")"
	fi
}

# A client without credentials is refused by that listener, so the runs
# above prove the credentials were used.
test_listener_requires_login() {
	if timeout 20 kcat -b "$KAFKA_REAL_SASL_BOOTSTRAP" -L -m 5 >/dev/null 2>&1; then
		e2e_fail "the SASL listener refuses a client that does not log in"
	else
		e2e_pass "the SASL listener refuses a client that does not log in"
	fi
	props "$E2E_TMP/wrong.properties" SCRAM-SHA-256
	sed -i 's/^sasl.password=.*/sasl.password=wrong-password/' "$E2E_TMP/wrong.properties"
	if timeout 20 kcat -F "$E2E_TMP/wrong.properties" -b "$KAFKA_REAL_SASL_BOOTSTRAP" -L -m 5 \
		>/dev/null 2>&1; then
		e2e_fail "the SASL listener refuses a wrong password"
	else
		e2e_pass "the SASL listener refuses a wrong password"
	fi
}

# The Kafka relay stops at start with one line and no secret.
expect_start_refused() { # label expected-text VAR=value...
	local label=$1 want=$2 out
	shift 2
	out=$(env DATABASE_URL="postgresql://127.0.0.1:1/none" KAFKA_BOOTSTRAP_SERVERS="$KAFKA_REAL_SASL_BOOTSTRAP" \
		"$@" timeout 20 "$ORDER_SERVICE_BIN" worker outbox-kafka 2>&1)
	local rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [[ "$out" == *"$want"* ]] && [[ "$out" != *"$PW"* ]]; then
		e2e_pass "$label: refused at start naming $want"
	else
		e2e_fail "$label: refused at start naming $want" "exit $rc" "$(head -c 600 <<<"$out")"
	fi
}

test_bad_settings() {
	printf 'sasl.username=%s\nsasl.password %s\n' "$USER_NAME" "$PW" >"$E2E_TMP/bad.properties"
	expect_start_refused "bad properties line" "bad.properties:2" \
		KAFKA_PROPERTIES_FILE="$E2E_TMP/bad.properties"
	expect_start_refused "unknown protocol" "KAFKA_SECURITY_PROTOCOL" \
		KAFKA_SECURITY_PROTOCOL=tls KAFKA_SASL_USERNAME="$USER_NAME" KAFKA_SASL_PASSWORD="$PW"
	expect_start_refused "password without username" "KAFKA_SASL_USERNAME" \
		KAFKA_SECURITY_PROTOCOL=sasl_plaintext KAFKA_SASL_PASSWORD="$PW"
}

main() {
	test_listener_requires_login
	props "$E2E_TMP/plain.properties" PLAIN
	run_lifecycle PLAIN KCAT_CONFIG="$E2E_TMP/plain.properties" \
		KAFKA_SECURITY_PROTOCOL=sasl_plaintext KAFKA_SASL_MECHANISM=PLAIN \
		KAFKA_SASL_USERNAME="$USER_NAME" KAFKA_SASL_PASSWORD_FILE="$KAFKA_REAL_SASL_PASSWORD_FILE"
	props "$E2E_TMP/scram256.properties" SCRAM-SHA-256
	run_lifecycle SCRAM-SHA-256 KCAT_CONFIG="$E2E_TMP/scram256.properties" \
		KAFKA_PROPERTIES_FILE="$E2E_TMP/scram256.properties"
	props "$E2E_TMP/scram512.properties" SCRAM-SHA-512
	run_lifecycle SCRAM-SHA-512 KCAT_CONFIG="$E2E_TMP/scram512.properties" \
		KAFKA_SECURITY_PROTOCOL=sasl_plaintext KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
		KAFKA_SASL_USERNAME="$USER_NAME" KAFKA_SASL_PASSWORD="$PW"
	test_bad_settings
	e2e_finish
}

main
