#!/usr/bin/env bash
# Seeds the local catalog of a dev stack through the inventory routes
# (PUT /api/v1/inventory/{item_id}) once the API is ready: the items the
# simulated catalog has (sku-1 ... sku-5 and sku-low), so that the README's
# examples work in local-inventory mode (CATALOG_SERVICE_API_URL empty).
# An item that exists already is left as it is (its stock may have moved).
#
#   APP_PORT              the API's port (8000)
#   INVENTORY_SEED_TOKEN  Bearer token with the service or admin role
#                         (default: the dev stack's DEV_API_KEY)
#   SEED_WAIT_SECONDS     how long to wait for the API (120)
set -uo pipefail

API=http://127.0.0.1:${APP_PORT:-8000}
WAIT=${SEED_WAIT_SECONDS:-120}
AUTH=()
INVENTORY_SEED_TOKEN=${INVENTORY_SEED_TOKEN:-${DEV_API_KEY:-}}
if [ -n "${INVENTORY_SEED_TOKEN:-}" ]; then AUTH=(-H "Authorization: Bearer $INVENTORY_SEED_TOKEN"); fi

say() { echo "dev-seed-inventory: $*" >&2; }

ITEMS=(
	'sku-1|Espresso beans 1 kg|350.00|1000'
	'sku-2|Ceramic mug|12.50|1000'
	'sku-3|Pour-over kettle|89.99|1000'
	'sku-4|Paper filters (100)|4.99|1000'
	'sku-5|Hand grinder|129.00|1000'
	'sku-low|Limited edition roaster|999.00|1'
)

deadline=$((SECONDS + WAIT))
until curl -fsS -o /dev/null --max-time 2 "$API/health/ready" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || { say "the API at $API is not ready after ${WAIT}s; nothing seeded"; exit 1; }
	sleep 0.5
done

seeded=0
failed=0
for entry in "${ITEMS[@]}"; do
	IFS='|' read -r id name price qty <<<"$entry"
	code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "${AUTH[@]}" "$API/api/v1/inventory/$id")
	case $code in
	200) continue ;; # there already
	404) ;;
	401 | 403) say "GET $id answered $code: INVENTORY_SEED_TOKEN needs the service or admin role"
		failed=$((failed + 1)); continue ;;
	*) say "GET $id answered $code"; failed=$((failed + 1)); continue ;;
	esac
	body=$(printf '{"name":"%s","price":"%s","available_qty":%d}' "$name" "$price" "$qty")
	code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "${AUTH[@]}" -X PUT \
		-H 'Content-Type: application/json' --data-binary "$body" "$API/api/v1/inventory/$id")
	if [ "$code" = 201 ]; then seeded=$((seeded + 1)); else say "PUT $id answered $code"; failed=$((failed + 1)); fi
done
say "$seeded item(s) seeded into the local inventory"
[ "$failed" -eq 0 ] || { say "$failed item(s) could not be seeded"; exit 1; }
