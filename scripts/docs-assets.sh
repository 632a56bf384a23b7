#!/usr/bin/env bash
# Installs the documentation viewers' npm packages (tools/docs/package.json,
# exact versions locked in package-lock.json; npm's cache is ~/.npm) and
# copies the files the API serves into OUT:
#   OUT/swagger/  index.html, swagger-init.js and swagger-ui-dist's bundle
#   OUT/redoc/    index.html and redoc's standalone bundle
# Called by the build (CMake, so `make build`, `make test` and the Dockerfile
# all run it) whenever the lock file or a page changes. Never downloads a
# browser: playwright-core, the browser test's driver, drives the system's
# Chromium. Usage: scripts/docs-assets.sh OUT
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCS=$ROOT/tools/docs
OUT=${1:?usage: docs-assets.sh OUT}

command -v npm >/dev/null 2>&1 || {
	echo "docs-assets: npm is missing (scripts/install-deps.sh installs it)" >&2
	exit 1
}

# One install at a time (two build trees may build at once); redone only
# when the lock file changed since the last one.
install_modules() {
	local stamp=$DOCS/node_modules/.installed-lock
	if [ -f "$stamp" ] && cmp -s "$stamp" "$DOCS/package-lock.json"; then return 0; fi
	(
		cd "$DOCS"
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund \
			--prefer-offline --loglevel=error >&2
	)
	cp "$DOCS/package-lock.json" "$stamp"
}

mkdir -p "$DOCS"
exec 9>"$DOCS/.install.lock"
flock 9
install_modules

SW=$DOCS/node_modules/swagger-ui-dist
RD=$DOCS/node_modules/redoc
mkdir -p "$OUT/swagger" "$OUT/redoc"
install -m 0644 "$DOCS/swagger.html" "$OUT/swagger/index.html"
install -m 0644 "$DOCS/swagger-init.js" "$OUT/swagger/swagger-init.js"
install -m 0644 "$SW/swagger-ui.css" "$SW/swagger-ui-bundle.js" "$SW/favicon-32x32.png" \
	"$OUT/swagger/"
install -m 0644 "$SW/LICENSE" "$OUT/swagger/LICENSE.swagger-ui"
install -m 0644 "$DOCS/redoc.html" "$OUT/redoc/index.html"
install -m 0644 "$RD/bundles/redoc.standalone.js" "$OUT/redoc/"
install -m 0644 "$RD/LICENSE" "$OUT/redoc/LICENSE.redoc"
