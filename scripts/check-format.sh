#!/usr/bin/env bash
# The format lint: fails, naming file and line, on any project C file
# (scripts/include-style.py --list) that clang-format would change
# (.clang-format: layout, include blocks and their order) and on any include
# out of the one style or out of place (scripts/include-style.py --check: a
# project header not named by its path from the root, or an include after
# code). scripts/format.sh fixes both. Ends with "N passed, M failed" over
# the two checks.
# Usage: scripts/check-format.sh [ROOT]   (default: this repository)
set -uo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT" || exit 2
command -v clang-format >/dev/null 2>&1 || {
	echo "check-format: clang-format is missing (scripts/install-deps.sh installs it)" >&2
	echo "0 passed, 1 failed"
	exit 1
}

mapfile -t files < <(python3 "$HERE/include-style.py" --list "$ROOT")
if [ ${#files[@]} -eq 0 ]; then
	echo "check-format: no C file under $ROOT"
	echo "0 passed, 1 failed"
	exit 1
fi
passed=0
failed=0

# clang-format's own report names file:line:col of each change it would
# make; the first three of each file are shown. Any other failure of
# clang-format (a file it cannot read, a broken .clang-format) fails too.
[ -f .clang-format ] || { echo "check-format: $ROOT/.clang-format is missing"; exit 2; }
out=$(clang-format --style=file --dry-run -Werror "${files[@]}" 2>&1)
rc=$?
report=$(sed -n 's/^\([^ :]*:[0-9]*\):[0-9]*: error: code should be clang-formatted.*/\1/p' <<<"$out")
if [ $rc -eq 0 ]; then
	passed=$((passed + 1))
elif [ -z "$report" ]; then
	echo "$out" | head -20
	echo "check-format: clang-format failed ($(clang-format --version))"
	failed=$((failed + 1))
else
	awk -F: '++n[$1] <= 3 { print $0 ": not clang-formatted (scripts/format.sh)" }' <<<"$report"
	echo "check-format: $(cut -d: -f1 <<<"$report" | sort -u | wc -l) file(s) differ from" \
		".clang-format ($(clang-format --version))"
	failed=$((failed + 1))
fi

if python3 "$HERE/include-style.py" --check "$ROOT" "${files[@]}"; then
	passed=$((passed + 1))
else
	echo "check-format: includes out of the one style (scripts/include-style.py, scripts/format.sh)"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
