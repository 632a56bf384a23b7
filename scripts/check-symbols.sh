#!/usr/bin/env bash
# No function or variable of the project may share its name with one that a
# shared library of the binary exports. The executable's definition would
# take the library's place for every caller, the library's own included:
# a json_integer of the JSON reader once replaced jansson's for libjwt,
# which crashed the first time libjwt wrote an integer claim.
# Usage: check-symbols.sh BINARY...; prints each clash, exits 1 on one.
set -u
[ $# -gt 0 ] || { echo "usage: check-symbols.sh BINARY..." >&2; exit 2; }
status=0
for bin in "$@"; do
	[ -x "$bin" ] || { echo "check-symbols: $bin: not an executable" >&2; exit 2; }
	# Data the binary copies from a library (R_X86_64_COPY and the like) is
	# the library's, not a definition of its own.
	copies=$(objdump -R "$bin" | awk '$2 ~ /_COPY$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
	own=$(comm -23 <(nm --defined-only "$bin" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /@/ {print $3}' |
		sort -u) <(printf '%s\n' "$copies"))
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
		clash=$(comm -12 <(printf '%s\n' "$own") \
			<(nm -D --defined-only "$lib" | awk '{sub(/@.*/, "", $3); print $3}' | sort -u))
		if [ -n "$clash" ]; then
			echo "$bin defines what $lib exports: $(tr '\n' ' ' <<<"$clash")"
			status=1
		fi
	done
done
[ $status -eq 0 ] && echo "check-symbols: $# binaries, no name shared with their libraries"
exit $status
