#!/usr/bin/env bash
# The symbol check itself: a program linked with libyajl that defines
# yajl_version, a function libyajl exports, fails it naming the name and
# the library; the same program with a name of its own passes.
# Usage: tests/lint/test_check_symbols.sh [ROOT]
set -u
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CHECK=$ROOT/scripts/check-symbols.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/check-symbols-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
CC=${CC:-cc}
failed=0

program() { # name-of-the-function out
	cat >"$TMP/p.c" <<C
void *yajl_alloc(const void *callbacks, void *funcs, void *ctx);
void yajl_free(void *handle);
int $1(void);
int $1(void) { return 7; }
int main(void) { void *h = yajl_alloc(0, 0, 0); yajl_free(h); return $1() != 7; }
C
	"$CC" -o "$2" "$TMP/p.c" -lyajl || exit 2
}

program yajl_version "$TMP/clash"
out=$(bash "$CHECK" "$TMP/clash") && { echo "FAILED: a clash passed"; failed=1; }
case $out in
*"libyajl"*"yajl_version"*) ;;
*) echo "FAILED: the clash is not named: $out"; failed=1 ;;
esac
program own_version "$TMP/clean"
bash "$CHECK" "$TMP/clean" >/dev/null || { echo "FAILED: a clean program failed"; failed=1; }
[ $failed -eq 0 ] && echo "check-symbols self-test: 3 passed"
exit $failed
