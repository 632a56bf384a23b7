# shellcheck shell=bash
# Helpers of the security e2e tests (tests/e2e/test_security_*.sh): JWTs made
# here with openssl (HS256, RS256), the response headers of the last
# request, and orders created through the API as a given principal.

# base64url without padding, of stdin.
sec_b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# An HS256 JWT of the JSON claims under secret.
sec_jwt_hs256() { # claims-json secret
	local head body sig
	head=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | sec_b64url)
	body=$(printf '%s' "$1" | sec_b64url)
	sig=$(printf '%s' "$head.$body" | openssl dgst -sha256 -mac HMAC -macopt "key:$2" -binary |
		sec_b64url)
	echo "$head.$body.$sig"
}

# An RS256 JWT of the claims signed with a private key file.
sec_jwt_rs256() { # claims-json private-key-pem
	local head body sig
	head=$(printf '%s' '{"alg":"RS256","typ":"JWT"}' | sec_b64url)
	body=$(printf '%s' "$1" | sec_b64url)
	sig=$(printf '%s' "$head.$body" | openssl dgst -sha256 -sign "$2" -binary | sec_b64url)
	echo "$head.$body.$sig"
}

# An unsigned token (alg none).
sec_jwt_none() { # claims-json
	local head body
	head=$(printf '%s' '{"alg":"none","typ":"JWT"}' | sec_b64url)
	body=$(printf '%s' "$1" | sec_b64url)
	echo "$head.$body."
}

# Claims for sub/role with exp seconds from now, iss and aud.
sec_claims() { # sub role exp-offset iss aud
	local now
	now=$(date +%s)
	printf '{"sub":"%s","role":"%s","iat":%d,"exp":%d,"iss":"%s","aud":"%s"}' \
		"$1" "$2" "$now" $((now + $3)) "$4" "$5"
}

# Like e2e_http (sets E2E_STATUS, the body in $E2E_BODY, sends
# "${E2E_AUTH[@]}"), and keeps the response headers in $E2E_TMP/headers
# (lowercase names, no CR).
sec_http() { # method url [body [curl-args...]]
	: >"$E2E_TMP/headers.raw"
	e2e_http_headers "$E2E_TMP/headers.raw" "$@"
	tr -d '\r' <"$E2E_TMP/headers.raw" |
		awk '{ i = index($0, ": "); if (i) print tolower(substr($0, 1, i - 1)) ": " substr($0, i + 2) }' \
		>"$E2E_TMP/headers"
}

# The value of a response header of the last sec_http ("" if absent).
sec_header() { # lowercase-name
	sed -n "s/^$1: //p" "$E2E_TMP/headers" | tail -n 1
}

# e2e_http as another principal (token "" = none), the default token after.
sec_as() { # token method url [body [curl-args...]]
	local saved=$E2E_TOKEN
	e2e_set_token "$1"
	shift
	sec_http "$@"
	e2e_set_token "$saved"
}

# Creates an order for user through the API with token; prints its id.
sec_create() { # token user
	sec_as "$1" POST "$E2E_API/api/v1/orders" \
		"{\"user_id\":\"$2\",\"idempotency_key\":\"$(e2e_uuid)\",\"items\":[{\"item_id\":\"$SEC_ITEM\",\"quantity\":1}]}"
	jq -r '.data.id // empty' "$E2E_BODY"
}

# A local-inventory item with plenty of stock.
SEC_ITEM=sec-widget
sec_seed_item() {
	e2e_sql "INSERT INTO inventory (item_id, name, price_cents, available_qty) VALUES
		('$SEC_ITEM', 'Widget', 1999, 100000) ON CONFLICT (item_id) DO NOTHING" >/dev/null
}
