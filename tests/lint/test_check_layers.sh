#!/usr/bin/env bash
# Checks scripts/check-layers.sh itself: a tiny tree that keeps every rule
# of DESIGN §1 passes, and the same tree with one forbidden include (one per
# arrow) or one banned call fails, naming the offending file.
# Usage: test_check_layers.sh [path/to/check-layers.sh]
set -u
here=$(cd "$(dirname "$0")" && pwd)
check=${1:-$here/../../scripts/check-layers.sh}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# The clean tree: every layer includes what it may, cmd/ sees everything.
clean_tree() { # dir
	local t=$1
	mkdir -p "$t"/domain "$t"/app "$t"/workers "$t"/infrastructure/log \
		"$t"/infrastructure/postgres "$t"/cmd "$t"/tools/sim "$t"/tests/unit
	printf '#include <stdint.h>\n#include "money.h"\n' >"$t/domain/order.h"
	printf '#include <stddef.h>\n' >"$t/domain/money.h"
	printf '#include <stdio.h>\n#include "../domain/order.h"\n#include "domain/money.h"\n' \
		>"$t/app/order_service.h"
	printf '#include <pthread.h>\n#include "app/order_service.h"\n#include "relay.h"\n' \
		>"$t/workers/relay.c"
	printf '#include "domain/order.h"\n' >"$t/workers/relay.h"
	printf '#include <yajl/yajl_gen.h>\n#include "app/order_service.h"\n' \
		>"$t/infrastructure/log/log.h"
	printf '#include <libpq-fe.h>\n#include "../log/log.h"\n#include "../../domain/order.h"\n' \
		>"$t/infrastructure/postgres/pg.c"
	printf '#include "infrastructure/log/log.h"\n#include "workers/relay.h"\n#include "cmd.h"\n' \
		>"$t/cmd/main.c"
	printf '#include "app/order_service.h"\n' >"$t/cmd/cmd.h"
	printf '#include "infrastructure/log/log.h"\n#include "tests/unit/fake.h"\n' \
		>"$t/tools/sim/sim.c"
	printf '#include <cmocka.h>\n#include "workers/relay.h"\n' >"$t/tests/unit/fake.h"
	printf 'static void f(char *d) { snprintf(d, 4, "%%s", "x"); }\n' >"$t/app/fmt.c"
}

# One case: add line to file (relative to the tree), expect a failure that
# names the file.
expect_fail() { # name file line
	local t=$work/$1 out rc
	clean_tree "$t"
	mkdir -p "$(dirname "$t/$2")"
	printf '%s\n' "$3" >>"$t/$2"
	out=$(bash "$check" "$t" 2>&1)
	rc=$?
	if [ $rc -ne 1 ]; then
		bad "$1: exit $rc, expected 1"
	elif ! printf '%s\n' "$out" | grep -q "^$2:"; then
		bad "$1: output does not name $2: $out"
	else
		ok
	fi
}

clean_tree "$work/clean"
out=$(bash "$check" "$work/clean" 2>&1)
if [ $? -eq 0 ]; then ok; else bad "the clean tree is refused: $out"; fi

expect_fail domain_app domain/x.c '#include "app/order_service.h"'
expect_fail domain_app_relative domain/x.c '#include "../app/order_service.h"'
expect_fail domain_infrastructure domain/x.h '#include "infrastructure/log/log.h"'
expect_fail domain_workers domain/x.c '#include "workers/relay.h"'
expect_fail domain_cmd domain/x.c '#include "cmd/cmd.h"'
expect_fail domain_library domain/x.c '#include <yajl/yajl_gen.h>'
expect_fail domain_posix domain/x.c '#include <pthread.h>'
expect_fail app_infrastructure app/x.c '#include "infrastructure/log/log.h"'
expect_fail app_infrastructure_relative app/x.c '#include "../infrastructure/log/log.h"'
expect_fail app_workers app/x.c '#include "workers/relay.h"'
expect_fail app_cmd app/x.c '#include "cmd/cmd.h"'
expect_fail app_libpq app/x.c '#include <libpq-fe.h>'
expect_fail app_curl_quoted app/x.c '#include "curl/curl.h"'
expect_fail workers_infrastructure workers/x.c '#include "infrastructure/log/log.h"'
expect_fail workers_cmd workers/x.c '#include "../cmd/cmd.h"'
expect_fail workers_rdkafka workers/x.c '#include <librdkafka/rdkafka.h>'
expect_fail workers_h2o workers/x.c '#include <h2o.h>'
expect_fail infrastructure_workers infrastructure/log/x.c '#include "workers/relay.h"'
expect_fail infrastructure_workers_relative infrastructure/postgres/x.c \
	'#include "../../workers/relay.h"'
expect_fail infrastructure_cmd infrastructure/log/x.c '#include "cmd/cmd.h"'
expect_fail tools_cmd tools/sim/x.c '#include "cmd/cmd.h"'
expect_fail tests_cmd tests/unit/x.c '#include "../../cmd/cmd.h"'
expect_fail banned_sprintf app/x.c 'static void g(char *d) { sprintf(d, "x"); }'
expect_fail banned_strcpy cmd/x.c 'static void g(char *d) { strcpy(d, "x"); }'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
