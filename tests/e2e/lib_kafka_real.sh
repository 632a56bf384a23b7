# shellcheck shell=bash
# The real-broker suite (tests/e2e/test_kafka_real_*.sh) runs the e2e
# harness against an Apache Kafka broker instead of the mock cluster: the
# harness takes its broker from KAFKA_BOOTSTRAP_SERVERS, so the same tests
# run on either. scripts/test.sh starts the broker and exports
#   KAFKA_REAL_BOOTSTRAP          its PLAINTEXT listener
#   KAFKA_REAL_SASL_BOOTSTRAP     its SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256/512)
#   KAFKA_REAL_SASL_USERNAME, KAFKA_REAL_SASL_PASSWORD_FILE
#   KAFKA_REAL_DATA_DIR           its scripts/kafka-broker.sh state (stop/start/class)
# Without them a test fails (it never passes without having run).
# Sourced before lib.sh; sourced with the word "life" ("source
# lib_kafka_real.sh life"), it also requires the broker and sources lib.sh and
# lib_life.sh, the preamble of the lifecycle tests on the real broker.

KR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KR_ROOT=$(cd "$KR_DIR/../.." && pwd)

# Ends the script as failed unless the broker is given; points the harness at it.
kafka_real_require() {
	local v
	for v in KAFKA_REAL_BOOTSTRAP KAFKA_REAL_SASL_BOOTSTRAP KAFKA_REAL_SASL_USERNAME \
		KAFKA_REAL_SASL_PASSWORD_FILE KAFKA_REAL_DATA_DIR; do
		if [ -z "${!v:-}" ]; then
			echo "not ok - $v is set (a real Kafka broker: run through scripts/test.sh)"
			echo "0 passed, 1 failed"
			exit 1
		fi
	done
	export KAFKA_BOOTSTRAP_SERVERS=$KAFKA_REAL_BOOTSTRAP
}

# scripts/kafka-broker.sh on the suite's broker (stop, start, class ...).
kafka_real_broker() { # command [args...]
	DATA_DIR=$KAFKA_REAL_DATA_DIR "$KR_ROOT/scripts/kafka-broker.sh" "$@"
}

# Runs other e2e scripts one after another with the given environment, each
# counted as one check; ends the script with "N passed, M failed".
kafka_real_run_scripts() { # "VAR=value ..." script...
	local envs=$1 s passed=0 failed=0
	shift
	for s in "$@"; do
		echo "# --- $s on the real broker${envs:+ ($envs)}"
		# shellcheck disable=SC2086 # envs is a list of VAR=value words
		if env $envs bash "$KR_DIR/$s"; then
			passed=$((passed + 1))
			echo "ok - $s"
		else
			failed=$((failed + 1))
			echo "not ok - $s"
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

if [ "${1:-}" = life ]; then
	kafka_real_require
	# shellcheck source=tests/e2e/lib.sh
	source "$KR_DIR/lib.sh"
	# shellcheck source=tests/e2e/lib_life.sh
	source "$KR_DIR/lib_life.sh"
fi
