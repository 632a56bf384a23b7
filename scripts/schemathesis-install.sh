#!/usr/bin/env bash
# Installs schemathesis (PyPI, the exact version of
# tools/contract/requirements.txt) into a virtualenv under .data/ and prints
# the path of its `schemathesis` command. Idempotent: reinstalls only when the
# requirements changed. Used by tests/e2e/test_contract_schemathesis.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ=$ROOT/tools/contract/requirements.txt
VENV=${SCHEMATHESIS_VENV:-$ROOT/.data/schemathesis-venv}
STAMP=$VENV/.installed-requirements

mkdir -p "$(dirname "$VENV")"
exec 9>"$(dirname "$VENV")/.schemathesis-install.lock"
flock 9
if ! [ -x "$VENV/bin/schemathesis" ] || ! cmp -s "$REQ" "$STAMP"; then
	python3 -m venv "$VENV" >&2
	"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" >&2
	cp "$REQ" "$STAMP"
fi
echo "$VENV/bin/schemathesis"
