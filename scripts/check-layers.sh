#!/usr/bin/env bash
# Enforces every arrow of the dependency rule of DESIGN §1, with no
# exception, and the banned functions of STYLE:
#   domain/          includes only domain/ and the C standard headers
#   app/             domain/, app/; no library header
#   workers/         domain/, app/, workers/ (loops built on ports); no
#                    library header
#   infrastructure/  domain/, app/, infrastructure/ (not workers/)
#   cmd/             everything: the composition root
#   tools/, tests/   everything but cmd/
# A quoted include is resolved like the compiler does (next to the file,
# else from the root), "../" included; one that names no file of the tree
# is a library header. Nobody uses strcpy/strcat/sprintf/strtok/gets.
# Usage: check-layers.sh [ROOT]; prints "N passed, M failed", exits 1 on a
# violation (tests/lint/test_check_layers.sh checks the checker).
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

dirs=
for d in domain app workers infrastructure cmd tools tests; do
	[ -d "$d" ] && dirs+=" $d"
done
# shellcheck disable=SC2086 # dirs is a list of plain folder names
files=$(find $dirs -name '*.[ch]' -type f | LC_ALL=C sort)
[ -n "$files" ] || { echo "layer rule: no source under $root"; exit 2; }

fail=0
# shellcheck disable=SC2086
hits=$(printf '%s\n' "$files" | awk '
	BEGIN {
		allowed["domain"] = " domain "
		allowed["app"] = " domain app "
		allowed["workers"] = " domain app workers "
		allowed["infrastructure"] = " domain app infrastructure "
		allowed["cmd"] = " domain app workers infrastructure cmd "
		allowed["tools"] = " domain app workers infrastructure tools tests "
		allowed["tests"] = allowed["tools"]
		# Library headers: what DESIGN names (libpq, librdkafka, h2o, yajl,
		# curl) and the rest of the build (OpenSSL, libjwt, zlib, cmocka).
		libs = "^(libpq-fe\\.h|libpq/|postgres_ext\\.h|librdkafka/|rdkafka\\.h|h2o\\.h|h2o/|yajl/|curl/|openssl/|jwt\\.h|zlib\\.h|cmocka\\.h|picotls|quicly)"
		n = split("assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h wchar.h wctype.h", s, " ")
		for (i = 1; i <= n; i++)
			std[s[i]] = 1
	}
	# Collapses "a/./b/../c" to "a/c"; "" when it climbs out of the root.
	function norm(p,    parts, out, n, i, k) {
		n = split(p, parts, "/")
		k = 0
		for (i = 1; i <= n; i++) {
			if (parts[i] == "" || parts[i] == ".")
				continue
			if (parts[i] == "..") {
				if (k == 0)
					return ""
				k--
				continue
			}
			out[++k] = parts[i]
		}
		p = ""
		for (i = 1; i <= k; i++)
			p = p (i > 1 ? "/" : "") out[i]
		return p
	}
	function report(what) {
		printf "%s:%d: %s\n", FILENAME, FNR, what
	}
	# Angle-bracket (or unresolved quoted) header h in layer l.
	function check_system(l, h) {
		if (l == "domain" && !(h in std))
			report("domain/ includes <" h ">: only C standard headers")
		else if ((l == "app" || l == "workers") && h ~ libs)
			report(l "/ includes the library header <" h ">")
	}
	NR == FNR { tree[$0] = 1; next }
	FNR == 1 {
		split(FILENAME, f, "/")
		layer = f[1]
		dir = FILENAME
		sub(/\/[^\/]*$/, "", dir)
	}
	/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
		line = $0
		sub(/^[ \t]*#[ \t]*include[ \t]*/, "", line)
		quoted = substr(line, 1, 1) == "\""
		h = substr(line, 2)
		sub(/[">].*$/, "", h)
		if (!quoted) {
			check_system(layer, h)
			next
		}
		t = norm(dir "/" h)
		if (!(t in tree))
			t = norm(h)
		if (!(t in tree)) {
			check_system(layer, h)
			next
		}
		split(t, parts, "/")
		if (index(allowed[layer], " " parts[1] " ") == 0)
			report(layer "/ includes " t)
	}
' - $files)
if [ -n "$hits" ]; then
	echo "layer rule (DESIGN §1):"
	echo "$hits"
	fail=1
fi

hits=$(grep -nE '(^|[^a-z_.>])(strcpy|strcat|sprintf|vsprintf|strtok|gets)\s*\(' \
	$(printf '%s\n' "$files" | grep -v '^tests/') /dev/null || true)
if [ -n "$hits" ]; then
	echo "banned function:"
	echo "$hits"
	fail=1
fi
if [ $fail -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
