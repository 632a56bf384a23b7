#!/usr/bin/env bash
# Runs every test suite (DESIGN §3, `make test`, `.ci/run`): installs missing
# packages, builds the normal tree (build/) and an ASan+UBSan tree
# (build-asan/), compiles a gcc Release tree (build-release/) and a clang
# tree (build-clang/) that are not run, only proven to build (every tree
# with -DOS_WERROR=ON: warning-free), starts a temporary dev stack
# (PostgreSQL, dev-kafka, order-sim) under a temp dir on free ports, then runs
#   1. ctest on build/ (unit, integration, e2e, lint),
#   2. ctest on build-asan/ (unit, integration),
#   3. valgrind memcheck over every unit test binary of build/.
# The stack is stopped and removed on every exit. Ends with
# "N passed, M failed" over those suites and exits non-zero on any failure.
#
# Settings: JOBS (build parallelism, default nproc), CTEST_PARALLEL_LEVEL
# (ctest's own, default serial), SKIP_INSTALL=1 to skip install-deps.sh,
# BUILD_DIR / ASAN_BUILD_DIR (default build, build-asan; relative to the repo),
# RELEASE_BUILD_DIR / CLANG_BUILD_DIR (default build-release, build-clang),
# BUILD_TYPE of the normal tree (default RelWithDebInfo); TEST_REGEX runs
# only the ctest tests whose names match it; SKIP_ASAN=1, SKIP_RELEASE=1,
# SKIP_CLANG=1 and SKIP_VALGRIND=1 leave out the sanitizer tree, the Release
# and clang compiles and valgrind (for a quick look at one test; `make test`
# runs everything).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
JOBS=${JOBS:-$(nproc)}
BUILD=$ROOT/${BUILD_DIR:-build}
BUILD_ASAN=$ROOT/${ASAN_BUILD_DIR:-build-asan}
BUILD_RELEASE=$ROOT/${RELEASE_BUILD_DIR:-build-release}
BUILD_CLANG=$ROOT/${CLANG_BUILD_DIR:-build-clang}

passed=0
failed=0
failures=()

say() { echo "==> $*" >&2; }

record() { # name status
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		say "$1: ok"
	else
		failed=$((failed + 1))
		failures+=("$1")
		say "$1: FAILED"
	fi
}

# shellcheck source=scripts/free-port.sh
source "$ROOT/scripts/free-port.sh"

build_tree() { # dir extra-cmake-args...
	local dir=$1
	shift
	cmake -S "$ROOT" -B "$dir" -DOS_WERROR=ON "$@" >/dev/null &&
		cmake --build "$dir" -j "$JOBS"
}

# ------------------------------------------------ real Apache Kafka broker
# One broker for the whole run (scripts/kafka-broker.sh, under the stack's
# temp dir), for the tests/e2e/test_kafka_real_*.sh suite. They read
# KAFKA_REAL_BOOTSTRAP (PLAINTEXT), KAFKA_REAL_SASL_BOOTSTRAP (PLAIN and
# SCRAM users), KAFKA_REAL_SASL_USERNAME, KAFKA_REAL_SASL_PASSWORD_FILE, and
# KAFKA_REAL_DATA_DIR (for kafka-broker.sh stop/start/class); without them
# they fail. SKIP_KAFKA_REAL=1 leaves the broker out (those tests then fail).
KAFKA_REAL_DIR=""
kafka_real_start() {
	local lines
	KAFKA_REAL_DIR=$STACK_DIR/kafka-real
	lines=$(DATA_DIR=$KAFKA_REAL_DIR "$ROOT/scripts/kafka-broker.sh" start) || return 1
	eval "$lines"
	export KAFKA_REAL_BOOTSTRAP=$KAFKA_BOOTSTRAP_SERVERS
	export KAFKA_REAL_SASL_BOOTSTRAP=$KAFKA_SASL_BOOTSTRAP_SERVERS
	export KAFKA_REAL_SASL_USERNAME=$KAFKA_BROKER_SASL_USERNAME
	export KAFKA_REAL_SASL_PASSWORD_FILE=$KAFKA_BROKER_SASL_PASSWORD_FILE
	export KAFKA_REAL_DATA_DIR=$KAFKA_REAL_DIR
	unset KAFKA_SASL_BOOTSTRAP_SERVERS KAFKA_BROKER_SASL_USERNAME KAFKA_BROKER_SASL_PASSWORD_FILE \
		KAFKA_BROKER_DIR
	say "real Kafka broker: KAFKA_REAL_BOOTSTRAP=$KAFKA_REAL_BOOTSTRAP KAFKA_REAL_SASL_BOOTSTRAP=$KAFKA_REAL_SASL_BOOTSTRAP"
}

kafka_real_stop() {
	[ -n "$KAFKA_REAL_DIR" ] || return 0
	DATA_DIR=$KAFKA_REAL_DIR "$ROOT/scripts/kafka-broker.sh" stop || true
	KAFKA_REAL_DIR=""
}

STACK_DIR=""
stack_stop() {
	[ -n "$STACK_DIR" ] || return 0
	kafka_real_stop
	DATA_DIR=$STACK_DIR "$ROOT/scripts/dev-stack.sh" stop || true
	rm -rf "$STACK_DIR"
	STACK_DIR=""
}
trap stack_stop EXIT
trap 'exit 130' INT TERM

# A stack of our own: whatever the caller's shell points at is not used.
stack_start() {
	unset DATABASE_URL POSTGRES_CONNECTION_STRING KAFKA_BOOTSTRAP_SERVERS KAFKA_BOOTSTRAP \
		CATALOG_SERVICE_API_URL PAYMENTS_SERVICE_API_URL NOTIFICATIONS_SERVICE_API_URL \
		PAYMENTS_CALLBACK_URL
	STACK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/order-service-test.XXXXXX") || return 1
	local env_lines pgport simport
	pgport=$(free_port) && simport=$(free_port) || return 1
	env_lines=$(DATA_DIR=$STACK_DIR PGPORT=$pgport SIM_PORT=$simport \
		ORDER_SERVICE_BIN=$BUILD/order-service ORDER_SIM_BIN=$BUILD/order-sim \
		"$ROOT/scripts/dev-stack.sh" start) || return 1
	eval "$env_lines"
	# Tests create their own databases, hence the maintenance database.
	DATABASE_URL=postgresql://postgres@127.0.0.1:$pgport/postgres
	export DATABASE_URL KAFKA_BOOTSTRAP_SERVERS
	say "test stack: DATABASE_URL=$DATABASE_URL KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"
}

# Valgrind over the unit test binaries (ctest label unit, fuzz replays
# aside): the list the build writes, one path a line (tests/CMakeLists.txt).
run_valgrind() {
	local list="$BUILD/tests/unit_tests.txt" bin rc=0
	if [ ! -s "$list" ]; then
		say "valgrind: $list missing"
		return 1
	fi
	while read -r bin; do
		if [ ! -x "$bin" ]; then
			say "valgrind: $bin missing"
			rc=1
			continue
		fi
		if ! valgrind --quiet --tool=memcheck --error-exitcode=1 --leak-check=full \
			--track-origins=yes "$bin" >/dev/null 2>"$bin.valgrind.log"; then
			say "valgrind: $(basename "$bin") failed:"
			cat "$bin.valgrind.log" >&2
			rc=1
		fi
	done <"$list"
	return $rc
}

main() {
	if [ "${SKIP_INSTALL:-0}" != 1 ]; then
		"$ROOT/scripts/install-deps.sh" -q || { record install-deps 1; return; }
	fi
	say "building $BUILD"
	build_tree "$BUILD" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
	local built=$?
	record build $built
	local built_asan=1
	if [ "${SKIP_ASAN:-0}" != 1 ]; then
		say "building $BUILD_ASAN (ASan+UBSan)"
		build_tree "$BUILD_ASAN" -DCMAKE_BUILD_TYPE=Debug -DOS_SANITIZE=ON
		built_asan=$?
		record build-asan $built_asan
	fi
	if [ "${SKIP_RELEASE:-0}" != 1 ]; then
		say "building $BUILD_RELEASE (gcc, Release)"
		build_tree "$BUILD_RELEASE" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release
		record build-release $?
	fi
	if [ "${SKIP_CLANG:-0}" != 1 ]; then
		say "building $BUILD_CLANG (clang)"
		build_tree "$BUILD_CLANG" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug
		record build-clang $?
	fi
	if [ $built -ne 0 ]; then return; fi

	say "starting the test stack"
	stack_start
	local stack=$?
	record test-stack $stack
	if [ $stack -ne 0 ]; then return; fi
	if [ "${SKIP_KAFKA_REAL:-0}" != 1 ]; then
		say "starting the real Kafka broker"
		local saved_bootstrap=$KAFKA_BOOTSTRAP_SERVERS
		kafka_real_start
		record kafka-broker $?
		KAFKA_BOOTSTRAP_SERVERS=$saved_bootstrap
		export KAFKA_BOOTSTRAP_SERVERS
	fi

	say "ctest $BUILD (all labels)"
	local select=()
	if [ -n "${TEST_REGEX:-}" ]; then select=(-R "$TEST_REGEX"); fi
	# A selection that matches nothing is a failure, not "ok".
	ctest --test-dir "$BUILD" --output-on-failure --no-tests=error "${select[@]}"
	record ctest $?

	if [ $built_asan -eq 0 ]; then
		say "ctest $BUILD_ASAN (unit, integration)"
		LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0} \
			ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
			UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
			ctest --test-dir "$BUILD_ASAN" -L 'unit|integration' --output-on-failure \
			--no-tests="$([ -n "${TEST_REGEX:-}" ] && echo ignore || echo error)" "${select[@]}"
		record ctest-asan $?
	fi

	if [ "${SKIP_VALGRIND:-0}" != 1 ]; then
		say "valgrind over the unit tests"
		run_valgrind
		record valgrind $?
	fi
}

main
stack_stop
if [ $failed -ne 0 ]; then say "failed: ${failures[*]}"; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
