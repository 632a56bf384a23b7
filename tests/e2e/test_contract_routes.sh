#!/usr/bin/env bash
# The route tables and docs/openapi.yaml name the same routes: a route served
# (a {"METHOD", "/path", handler} entry of a route table under
# infrastructure/http/) without documentation fails, and so does a documented
# operation that nothing serves, unless contract_pending_routes.txt lists it
# as being added elsewhere (a pending route that is served fails too, so the
# list only shrinks). Path parameters compare by position, not by name. Then
# the real API answers every documented, served route with something other
# than "no such route".
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PENDING_FILE=$SOURCE_DIR/tests/e2e/contract_pending_routes.txt

# "METHOD /path" lines, parameters as {}, sorted and unique.
served_routes() {
	grep -hoE '^\s*\{"(GET|POST|PUT|PATCH|DELETE|HEAD)", "/[^"]*"' "$SOURCE_DIR"/infrastructure/http/*.c |
		sed -E 's/^\s*\{"([A-Z]+)", "([^"]*)"/\1 \2/' | normalise
}

documented_routes() {
	python3 - "$SOURCE_DIR/docs/openapi.yaml" <<'PY' | normalise
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for path, item in doc["paths"].items():
    for method in item:
        if method in ("get", "put", "post", "delete", "patch", "head"):
            print(method.upper(), path)
PY
}

pending_routes() {
	grep -vE '^\s*(#|$)|^FIELD ' "$PENDING_FILE" | normalise
}

normalise() { sed -E 's/\{[^}]*\}/{}/g' | sort -u; }

# Lines of $1 that are not in $2 (both sorted).
only_in() { comm -23 <(echo "$1") <(echo "$2"); }

check_lists() {
	local served documented pending missing
	served=$(served_routes)
	documented=$(documented_routes)
	pending=$(pending_routes)
	assert_eq "route tables found" 1 "$(grep -cx 'POST /api/v1/orders' <<<"$served")"
	assert_eq "documented operations found" 1 "$(grep -cx 'POST /api/v1/orders' <<<"$documented")"

	missing=$(only_in "$served" "$documented")
	assert_eq "every served route is in docs/openapi.yaml" "" "$missing"
	missing=$(only_in "$(only_in "$documented" "$served")" "$pending")
	assert_eq "every documented route is served (or listed as pending)" "" "$missing"
	missing=$(comm -12 <(echo "$pending") <(echo "$served"))
	assert_eq "no pending route is served already (drop it from $(basename "$PENDING_FILE"))" "" "$missing"
	missing=$(only_in "$pending" "$documented")
	assert_eq "every pending route is documented" "" "$missing"
	DOCUMENTED_SERVED=$(comm -12 <(echo "$documented") <(echo "$served"))
}

# A path of the route with each {} filled with a well-formed value.
sample_path() { # path
	local p=$1
	p=${p//\/dead-letters\/\{\}/\/dead-letters\/outbox}
	p=${p//\/asset\{\}/}
	p=${p//\{\}/00000000-0000-4000-8000-000000000001}
	echo "$p"
}

check_live() {
	local line method path
	e2e_db_create
	e2e_migrate
	e2e_start_api api
	while read -r method path; do
		[ -n "$method" ] || continue
		case $path in
		/metrics | /admin/*) # the admin listener's routes, with the admin key
			e2e_admin_http "$method" "$E2E_ADMIN$(sample_path "$path")" ;;
		*) e2e_http "$method" "$E2E_API$(sample_path "$path")" ;;
		esac
		if [ "$E2E_STATUS" = 000 ]; then
			e2e_fail "$method $path: served by the API" "no answer"
		elif jq -e '.errors[0].message == "no such route"' "$E2E_BODY" >/dev/null 2>&1; then
			e2e_fail "$method $path: served by the API" "$(head -c 300 "$E2E_BODY")"
		else
			e2e_pass "$method $path: served by the API ($E2E_STATUS)"
		fi
	done <<<"$DOCUMENTED_SERVED"
}

# The document itself is valid OpenAPI 3.1 (openapi-spec-validator, pinned
# in tools/contract/requirements.txt).
check_valid() {
	local bin out
	bin=$("$SOURCE_DIR/scripts/contract-tools.sh") ||
		{ e2e_fail "contract tools installed (scripts/contract-tools.sh)"; return; }
	if out=$("$bin/python" - "$SOURCE_DIR/docs/openapi.yaml" 2>&1 <<'PY'
import sys
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
doc, _ = read_from_filename(sys.argv[1])
validate(doc)
PY
	); then
		e2e_pass "docs/openapi.yaml is a valid OpenAPI 3.1 document"
	else
		e2e_fail "docs/openapi.yaml is a valid OpenAPI 3.1 document" "$(tail -n 5 <<<"$out")"
	fi
}

check_valid
check_lists
check_live
e2e_finish
