#!/usr/bin/env bash
# End-to-end in a browser: Swagger UI (/api/docs) and ReDoc (/api/redoc) of
# the real API, opened by headless Debian Chromium through playwright-core
# (tests/browser/docs_ui.cjs): every operation listed, the create example
# sent through "Try it out" and answered 201, ReDoc rendered, nothing loaded
# from outside the API.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
DRIVER=$SOURCE_DIR/tools/docs/node_modules/playwright-core

main() {
	local line rc
	[ -x "$CHROMIUM" ] || { e2e_fail "Chromium at $CHROMIUM (scripts/install-deps.sh)"; e2e_finish; }
	[ -d "$DRIVER" ] || { e2e_fail "playwright-core installed by the build (scripts/docs-assets.sh)"; e2e_finish; }
	e2e_db_create
	e2e_migrate
	# The items of the create example in docs/openapi.yaml.
	e2e_sql "INSERT INTO inventory (item_id, name, price_cents, available_qty)
	         VALUES ('sku-1', 'Blue mug', 1250, 100), ('sku-2', 'Tea towel', 1000, 100)" >/dev/null
	e2e_start_api api
	mkdir -p "$E2E_TMP/chromium-profile"
	API=$E2E_API USER_DATA_DIR=$E2E_TMP/chromium-profile TOKEN=$E2E_TOKEN CHROMIUM=$CHROMIUM \
		SOURCE_DIR=$SOURCE_DIR timeout 240 node "$SOURCE_DIR/tests/browser/docs_ui.cjs" \
		>"$E2E_TMP/browser.out" 2>"$E2E_TMP/browser.log"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) e2e_pass "${line#ok - }" ;;
		"not ok - "*) e2e_fail "${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$E2E_TMP/browser.out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$E2E_TMP/browser.out"; then
		e2e_fail "the browser test ran (exit $rc)" "$(tail -n 20 "$E2E_TMP/browser.log")"
	fi
	assert_eq "the order made in the browser is in the database" 1 \
		"$(e2e_sql "SELECT count(*) FROM orders WHERE idempotency_key = '0b9c2f4e-5d3a-4c1b-9e8f-7a6d5c4b3a21'")"
	e2e_finish
}

main
