#!/usr/bin/env bash
# Puts every project C file (domain app cmd infrastructure workers tools
# tests; scripts/include-style.py --list) in the project's form: includes
# rewritten to the one style (a project header by its path from the root,
# scripts/include-style.py --fix), then clang-format -i with .clang-format
# (layout, include blocks and order). scripts/check-format.sh is the check.
# Usage: scripts/format.sh [ROOT]   (default: this repository)
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v clang-format >/dev/null 2>&1 || {
	echo "format: clang-format is missing (scripts/install-deps.sh installs it)" >&2
	exit 1
}

mapfile -t files < <(python3 "$HERE/include-style.py" --list "$ROOT")
[ ${#files[@]} -gt 0 ] || exit 0
python3 "$HERE/include-style.py" --fix "$ROOT" "${files[@]}"
(cd "$ROOT" && clang-format --style=file -i "${files[@]}")
