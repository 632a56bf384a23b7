#!/usr/bin/env bash
# End-to-end: the service starts from the original service's .env (DESIGN
# §9): a SQLAlchemy URL (postgresql+asyncpg://), POSTGRES_* parts beside it,
# KAFKA_BOOTSTRAP, KAFKA_TOPIC=shipping-events, DB_POOL_SIZE and a few
# settings this service does not have. migrate and the API run from it; the
# shipping consumer reads the KAFKA_TOPIC topic; every ignored setting is
# named once at start and no value is ever logged. POSTGRES_* alone (no URL)
# also reach the database, and a bad value stops the process with one line.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"

SECRET_VALUE=orig-pass-7f3a9
# What the environment of the test runner must not lend the processes.
CLEAN=(-u ENV_FILE -u DATABASE_URL -u POSTGRES_CONNECTION_STRING -u KAFKA_BOOTSTRAP_SERVERS -u KAFKA_BOOTSTRAP
	-u KAFKA_TOPIC_SHIPPING_EVENTS -u KAFKA_CONSUMER_GROUP)

# The original .env in its own directory (the processes run there).
write_env() {
	local asyncpg=${E2E_DB_URL/#postgresql:\/\//postgresql+asyncpg://}
	WORK=$E2E_TMP/original
	mkdir -p "$WORK"
	API_PORT=$(e2e_free_port)
	cat >"$WORK/.env" <<ENV
# .env of the original order service
DATABASE_URL=$asyncpg
POSTGRES_USER=postgres
POSTGRES_PASSWORD=$SECRET_VALUE
POSTGRES_DB=orders
KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP_SERVERS
KAFKA_TOPIC=shipping-events
KAFKA_CONSUMER_GROUP=settings-$$-$RANDOM
DB_POOL_SIZE=5
ORDER_SERVICE_DEBUG=$SECRET_VALUE
KAFKA_GROUP_ID=$SECRET_VALUE
APP_PORT=$API_PORT
PAYMENTS_CALLBACK_SECRET=$E2E_CALLBACK_SECRET
ENV
}

test_migrate_from_dotenv() {
	env -C "$WORK" "${CLEAN[@]}" "$ORDER_SERVICE_BIN" migrate >"$E2E_TMP/migrate-original.log" 2>&1
	assert_eq "migrate runs from the original .env (postgresql+asyncpg://)" 0 $?
	assert_eq "every migration is applied, 0009 included" 1 \
		"$(e2e_sql "SELECT count(*) FROM schema_migrations WHERE version LIKE '0009%'")"
}

test_api_from_dotenv() {
	e2e_start api env -C "$WORK" "${CLEAN[@]}" "$ORDER_SERVICE_BIN" api
	e2e_wait_http api "$E2E_LAST_PID" "http://127.0.0.1:$API_PORT/health/ready"
	e2e_http GET "http://127.0.0.1:$API_PORT/health/ready"
	assert_status "the API reaches the database through the asyncpg URL" 200
}

# One warning per ignored name; none for what is read; never a value.
test_ignored_settings_named() {
	local log=$E2E_TMP/api.log name
	for name in ORDER_SERVICE_DEBUG KAFKA_GROUP_ID POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB; do
		assert_eq "the API names $name as not used, once" 1 \
			"$(grep -c "setting not used.*\"$name\"" "$log")"
	done
	for name in KAFKA_TOPIC DB_POOL_SIZE KAFKA_BOOTSTRAP DATABASE_URL; do
		assert_eq "$name is read, so not reported" 0 \
			"$(grep -c "setting not used.*\"$name\"" "$log")"
	done
	assert_eq "no value of a setting is logged" 0 "$(grep -c "$SECRET_VALUE" "$log")"
}

# The consumer subscribes to KAFKA_TOPIC: a message published there lands
# in the inbox.
test_kafka_topic_alias() {
	local id pid port deadline got=0
	id=$(e2e_uuid)
	port=$(e2e_free_port)
	e2e_start consumer env -C "$WORK" "${CLEAN[@]}" WORKER_METRICS_PORT="$port" \
		"$ORDER_SERVICE_BIN" worker shipping-consumer
	pid=$E2E_LAST_PID
	printf '{"event_id":"%s","event_type":"order.shipped","order_id":"%s","occurred_at":"2026-01-01T00:00:00.000Z"}\n' \
		"$id" "$(e2e_uuid)" | kcat -P -b "$KAFKA_BOOTSTRAP_SERVERS" -t shipping-events -k settings 2>/dev/null
	deadline=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		got=$(e2e_sql "SELECT count(*) FROM inbox WHERE convert_from(payload, 'UTF8') LIKE '%$id%'")
		[ "$got" = 1 ] && break
		sleep 0.3
	done
	assert_eq "the consumer read the KAFKA_TOPIC topic (shipping-events)" 1 "$got"
}

test_postgres_parts_without_url() {
	local parts=$E2E_TMP/parts re='^postgresql://([^@]+)@([^:/]+):([0-9]+)/([^?]+)'
	[[ "$E2E_DB_URL" =~ $re ]] || { e2e_fail "the test database URL has user, host, port and database"; return; }
	mkdir -p "$parts"
	printf 'POSTGRES_USER=%s\nPOSTGRES_HOST=%s\nPOSTGRES_PORT=%s\nPOSTGRES_DB=%s\n' \
		"${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}" >"$parts/.env"
	env -C "$parts" "${CLEAN[@]}" "$ORDER_SERVICE_BIN" migrate >"$E2E_TMP/migrate-parts.log" 2>&1
	assert_eq "migrate connects with POSTGRES_* parts and no URL" 0 $?
	assert_match "and finds nothing left to apply" '0 migration\(s\) applied' "$(cat "$E2E_TMP/migrate-parts.log")"
}

test_bad_value_one_line() {
	local out rc
	out=$(env -C "$WORK" "${CLEAN[@]}" DB_POOL_SIZE=lots "$ORDER_SERVICE_BIN" migrate 2>&1)
	rc=$?
	assert_eq "a bad DB_POOL_SIZE stops the process (exit 2)" 2 "$rc"
	assert_eq "with one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	assert_match "naming the setting" 'DB_POOL_SIZE' "$out"
}

main() {
	command -v kcat >/dev/null || { e2e_fail "kcat is installed"; e2e_finish; }
	[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] || { e2e_fail "KAFKA_BOOTSTRAP_SERVERS is set"; e2e_finish; }
	e2e_db_create
	write_env
	test_migrate_from_dotenv
	test_api_from_dotenv
	test_ignored_settings_named
	test_kafka_topic_alias
	test_postgres_parts_without_url
	test_bad_value_one_line
	e2e_finish
}

main
