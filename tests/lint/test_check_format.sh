#!/usr/bin/env bash
# The format lint itself (scripts/check-format.sh over a small tree of its
# own, with the repository's .clang-format): a clean tree passes; an
# unformatted file, an include after code, a project header by a relative
# path ("../x.h", "x.h" of the same folder) or in angle brackets, and
# includes out of order (own header not first, a project header before a C
# header, cmocka.h before the C headers it needs) each fail, naming the file
# and line; scripts/format.sh turns every failing tree into a passing one.
# Usage: tests/lint/test_check_format.sh [ROOT]
set -u
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CHECK=$ROOT/scripts/check-format.sh
FORMAT=$ROOT/scripts/format.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/check-format-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
ok() {
	passed=$((passed + 1))
}
bad() {
	failed=$((failed + 1))
	echo "FAILED: $*"
}

# A clean tree: domain/num.h, app/num.h and app/num.c in the one style.
clean_tree() { # dir
	mkdir -p "$1/domain" "$1/app" "$1/tests/unit"
	cp "$ROOT/.clang-format" "$1/"
	cat >"$1/domain/num.h" <<'EOF'
/* A number. */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>

size_t num_max(void);

#endif
EOF
	cat >"$1/app/num.h" <<'EOF'
/* Twice a number. */
#ifndef APP_NUM_H
#define APP_NUM_H

#include "domain/num.h"

size_t app_num_twice(void);

#endif
EOF
	cat >"$1/app/num.c" <<'EOF'
/* Twice a number. */
#include "app/num.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "domain/num.h"

size_t app_num_twice(void)
{
	return 2 * num_max();
}
EOF
	cat >"$1/tests/unit/test_num.c" <<'EOF'
/* A test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "app/num.h"
EOF
}

# check NAME WANT-STATUS [PATTERN]: runs the lint on $TMP/NAME; a failure
# must print PATTERN (file:line).
check() {
	local out rc
	out=$(bash "$CHECK" "$TMP/$1" 2>&1)
	rc=$?
	if [ "$2" = pass ] && [ $rc -ne 0 ]; then
		bad "$1: the lint failed a clean tree:"
		echo "$out"
		return
	fi
	if [ "$2" = fail ] && [ $rc -eq 0 ]; then
		bad "$1: the lint passed it:"
		echo "$out"
		return
	fi
	if [ -n "${3:-}" ] && ! grep -qE "$3" <<<"$out"; then
		bad "$1: the report does not name $3:"
		echo "$out"
		return
	fi
	ok
}

# broken NAME FILE PATTERN: a clean tree with FILE (from stdin) must fail
# the lint naming PATTERN, and pass it after scripts/format.sh.
broken() {
	clean_tree "$TMP/$1"
	cat >"$TMP/$1/$2"
	check "$1" fail "$3"
	if ! bash "$FORMAT" "$TMP/$1" >/dev/null 2>&1; then
		bad "$1: scripts/format.sh failed"
		return
	fi
	check "$1" pass
}

clean_tree "$TMP/clean"
check clean pass '2 passed, 0 failed'

broken unformatted app/num.c '^app/num\.c:3: not clang-formatted' <<'EOF'
/* Twice a number. */
#include "app/num.h"
size_t app_num_twice(void) { return 2*num_max(); }
EOF

# An include after code (format.sh leaves it: moving it is a decision).
clean_tree "$TMP/late"
printf '\n#include <stdlib.h>\n' >>"$TMP/late/app/num.c"
check late fail '^app/num\.c:16: misplaced include <stdlib\.h>: after the code of line 11'

broken dotdot app/num.h '^app/num\.h:5: include "\.\./domain/num\.h": write "domain/num\.h"' <<'EOF'
/* Twice a number. */
#ifndef APP_NUM_H
#define APP_NUM_H

#include "../domain/num.h"

size_t app_num_twice(void);

#endif
EOF

broken same-folder app/num.c '^app/num\.c:2: include "num\.h": write "app/num\.h"' <<'EOF'
/* Twice a number. */
#include "num.h"

#include "domain/num.h"

size_t app_num_twice(void)
{
	return 2 * num_max();
}
EOF

broken angle app/num.c '^app/num\.c:4: include <domain/num\.h>: write "domain/num\.h"' <<'EOF'
/* Twice a number. */
#include "app/num.h"

#include <domain/num.h>

size_t app_num_twice(void)
{
	return 2 * num_max();
}
EOF

broken own-header-late app/num.c '^app/num\.c:[0-9]+: not clang-formatted' <<'EOF'
/* Twice a number. */
#include <stdio.h>

#include "app/num.h"
#include "domain/num.h"

size_t app_num_twice(void)
{
	return 2 * num_max();
}
EOF

broken project-first app/num.c '^app/num\.c:[0-9]+: not clang-formatted' <<'EOF'
/* Twice a number. */
#include "app/num.h"

#include "domain/num.h"
#include <stdio.h>

size_t app_num_twice(void)
{
	return 2 * num_max();
}
EOF

broken cmocka-first tests/unit/test_num.c '^tests/unit/test_num\.c:[0-9]+: not clang-formatted' <<'EOF'
/* A test. */
#include <cmocka.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include "app/num.h"
EOF

# A quoted include that names no file of the tree (format.sh cannot know
# which was meant).
clean_tree "$TMP/gone"
sed -i 's|"domain/num.h"|"domain/gone.h"|' "$TMP/gone/app/num.c"
check gone fail '^app/num\.c:9: include "domain/gone\.h" names no file of the tree'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
