#!/usr/bin/env bash
# The command line of DESIGN §2: `--version` prints the version and the
# commit, `help` and `<cmd> --help` print and exit 0 for every command and
# worker kind, with nothing started, migrated or connected: the database
# stays empty, no port listens, no address file is written, and help works
# even when the configuration is invalid.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMMANDS=(api migrate worker "worker outbox-payments" "worker outbox-notifications"
	"worker outbox-kafka" "worker shipping-consumer" "worker inbox" outbox inbox dev-kafka)

test_version() {
	local out commit
	out=$("$ORDER_SERVICE_BIN" --version 2>&1)
	assert_eq "--version: exit 0" 0 $?
	assert_match "--version: version and commit" \
		'^order-service [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,40}(-dirty)?|unknown)\)$' "$out"
	commit=$(sed -nE 's/.*commit ([0-9a-f]{7,40}).*/\1/p' <<<"$out")
	if [ -d "$SOURCE_DIR/.git" ] || [ -f "$SOURCE_DIR/.git" ]; then
		if [ -n "$commit" ] && git -C "$SOURCE_DIR" cat-file -e "$commit^{commit}" 2>/dev/null; then
			e2e_pass "--version: the commit is one of this repository's"
		else
			e2e_fail "--version: the commit is one of this repository's" "$out"
		fi
	fi
	assert_eq "version: the same" "$out" "$("$ORDER_SERVICE_BIN" version 2>&1)"
}

# Runs the binary with a configuration that would connect everywhere.
run_cli() { # args...
	env DATABASE_URL="$E2E_DB_URL" APP_PORT="$PORT" WORKER_METRICS_PORT="$MPORT" \
		KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KPORT" PAYMENTS_SERVICE_API_URL=http://127.0.0.1:$KPORT \
		NOTIFICATIONS_SERVICE_API_URL=http://127.0.0.1:$KPORT \
		timeout 10 "$ORDER_SERVICE_BIN" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
}

nothing_happened() { # description
	local tables listening
	tables=$(e2e_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
	listening=$(ss -Htln "( sport = :$PORT or sport = :$MPORT )" 2>/dev/null | wc -l)
	if [ "$tables" = 0 ] && [ "$listening" = 0 ] && [ ! -e "$E2E_TMP/kafka.addr" ] &&
		[ ! -s "$E2E_TMP/err" ]; then
		e2e_pass "$1: nothing started, migrated or connected"
	else
		e2e_fail "$1: nothing started, migrated or connected" "tables=$tables listening=$listening" \
			"stderr: $(head -c 300 "$E2E_TMP/err")"
	fi
}

test_help() {
	local cmd rc first
	for cmd in "${COMMANDS[@]}"; do
		# shellcheck disable=SC2086 # "worker inbox" is two words
		run_cli $cmd --help
		rc=$?
		first=$(head -n1 "$E2E_TMP/out")
		assert_eq "$cmd --help: exit 0" 0 "$rc"
		assert_match "$cmd --help: its usage" "^usage: order-service $cmd( |\$)" "$first"
		nothing_happened "$cmd --help"
		# shellcheck disable=SC2086
		run_cli help $cmd
		assert_eq "help $cmd: exit 0 and the same text" "0 $first" "$? $(head -n1 "$E2E_TMP/out")"
	done
	run_cli dev-kafka --addr-file "$E2E_TMP/kafka.addr" --help
	assert_eq "dev-kafka --addr-file FILE --help: exit 0" 0 $?
	nothing_happened "dev-kafka --addr-file FILE --help"
	run_cli migrate -h
	assert_eq "migrate -h: exit 0" 0 $?
	nothing_happened "migrate -h"
	for cmd in help --help -h; do
		run_cli $cmd
		assert_eq "$cmd: exit 0" 0 $?
		assert_match "$cmd: lists the commands" 'worker outbox-kafka' "$(cat "$E2E_TMP/out")"
	done
	APP_PORT=not-a-port timeout 10 "$ORDER_SERVICE_BIN" api --help >/dev/null 2>&1
	assert_eq "api --help with an invalid configuration: exit 0" 0 $?
	run_cli no-such-command --help
	assert_eq "an unknown command: exit 2" 2 $?
	run_cli worker no-such-kind --help
	assert_eq "worker <unknown kind> --help: the worker usage" "0 usage: order-service worker <kind>" \
		"$? $(head -n1 "$E2E_TMP/out")"
}

# A source tree without .git (an unpacked release, an image build) still
# configures, with the commit "unknown", or the one OS_GIT_COMMIT gives.
test_version_without_git() {
	local src=$E2E_TMP/src
	mkdir -p "$src"
	tar -C "$SOURCE_DIR" --exclude=./.git --exclude='./build*' --exclude=./.data \
		--exclude=./tools/docs/node_modules -cf - . | tar -C "$src" -xf -
	cmake -S "$src" -B "$src/build" -DOS_TESTS=OFF >"$E2E_TMP/cmake.log" 2>&1
	assert_eq "without .git: configures" 0 $?
	assert_eq "without .git: commit unknown" 1 \
		"$(grep -c 'OS_COMMIT=\\\\\\"unknown\\\\\\"' "$src/build/compile_commands.json")"
	OS_GIT_COMMIT=0123456789ab cmake -S "$src" -B "$src/build2" -DOS_TESTS=OFF >>"$E2E_TMP/cmake.log" 2>&1
	assert_eq "without .git: OS_GIT_COMMIT from the environment" 1 \
		"$(grep -c 'OS_COMMIT=\\\\\\"0123456789ab\\\\\\"' "$src/build2/compile_commands.json")"
}

e2e_db_create
PORT=$(e2e_free_port)
MPORT=$(e2e_free_port)
KPORT=$(e2e_free_port)
test_version
test_version_without_git
test_help
e2e_finish
