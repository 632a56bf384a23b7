#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder (DESIGN §12; `make fuzz`): builds
# the libFuzzer tree (clang, -fsanitize=fuzzer,address,undefined) in
# $FUZZ_BUILD_DIR and runs each tests/fuzz/fuzz_*.c target for FUZZ_SECONDS
# on a working corpus under $FUZZ_WORK_DIR (seeded from the repository's
# tests/fuzz/corpus/<target>/, which is left as it is). A crash, leak,
# sanitizer report or timeout fails the target; its input is kept in
# $FUZZ_WORK_DIR/artifacts/. Prints one line per target (executions,
# coverage, features, corpus size) and ends with "N passed, M failed".
#
# Settings: FUZZ_SECONDS (per target, default 600), FUZZ_TARGETS (names,
# default all), FUZZ_JOBS (build parallelism, default nproc),
# FUZZ_BUILD_DIR (default build-fuzz), FUZZ_WORK_DIR (default .data/fuzz).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
SECONDS_EACH=${FUZZ_SECONDS:-600}
BUILD=$ROOT/${FUZZ_BUILD_DIR:-build-fuzz}
WORK=$ROOT/${FUZZ_WORK_DIR:-.data/fuzz}
JOBS=${FUZZ_JOBS:-$(nproc)}

say() { echo "==> $*" >&2; }

targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
	read -r -a targets <<<"$FUZZ_TARGETS"
else
	for src in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi

say "building the libFuzzer tree in $BUILD"
CC=clang cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOS_FUZZ=ON -DOS_TESTS=ON \
	-DOS_WERROR=ON >/dev/null &&
	cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" || { echo "0 passed, 1 failed"; exit 1; }

mkdir -p "$WORK/artifacts"
passed=0
failed=0
for t in "${targets[@]}"; do
	corpus=$WORK/corpus/$t
	log=$WORK/$t.log
	mkdir -p "$corpus"
	cp -n "$ROOT/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
	say "$t: ${SECONDS_EACH}s"
	# stdin from /dev/null: fuzz_dotenv's *_FILE settings may name any path.
	"$BUILD/tests/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t-" \
		"$corpus" </dev/null >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\/[^ ]*\).*/\1/p' <<<"$last")
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		status=ok
	else
		failed=$((failed + 1))
		status="FAILED (exit $rc, see $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5 >&2
	fi
	printf '%-22s %6ss  execs %-10s cov %-6s ft %-7s corpus %-12s %s\n' \
		"$t" "$SECONDS_EACH" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status"
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
