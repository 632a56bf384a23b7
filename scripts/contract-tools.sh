#!/usr/bin/env bash
# Installs the Python tools of the contract tests (tools/contract/
# requirements.txt, exact versions: schemathesis, openapi-spec-validator)
# into a virtualenv under .data/ and prints the virtualenv's bin directory.
# Idempotent: reinstalls only when the requirements changed. Used by
# tests/e2e/test_contract_schemathesis.sh and test_contract_routes.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ=$ROOT/tools/contract/requirements.txt
VENV=${CONTRACT_VENV:-$ROOT/.data/contract-venv}
STAMP=$VENV/.installed-requirements

mkdir -p "$(dirname "$VENV")"
exec 9>"$(dirname "$VENV")/.contract-tools.lock"
flock 9
if ! [ -x "$VENV/bin/schemathesis" ] || ! cmp -s "$REQ" "$STAMP"; then
	python3 -m venv "$VENV" >&2
	"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" >&2
	cp "$REQ" "$STAMP"
fi
echo "$VENV/bin"
