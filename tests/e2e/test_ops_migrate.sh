#!/usr/bin/env bash
# End-to-end: `order-service migrate status` (DESIGN §2) on a real database.
# It lists every migration with its state, checksum and time of application,
# changes nothing, and its exit status says what `migrate` would do:
# 3 with migrations pending, 0 once applied, 4 when an applied file was
# changed (migrate then refuses), 1 when the database cannot be reached,
# 2 (and nothing migrated) for words it does not know.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"

OUT=$E2E_TMP/status.out
FILES=$(find "$SOURCE_DIR/migrations" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)

status() { # [dir]
	local args=(migrate status)
	if [ $# -gt 0 ]; then args+=(--dir "$1"); fi
	DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" "${args[@]}" >"$OUT" 2>"$E2E_TMP/status.err"
}

rows_in_state() { # state
	awk -v s="$1" 'NR > 1 && $2 == s' "$OUT" | wc -l
}

table_exists() {
	e2e_sql "SELECT count(*) FROM pg_class WHERE relname = 'schema_migrations'"
}

test_fresh_database() {
	local rc
	status
	rc=$?
	assert_eq "fresh database: exit 3 (pending)" 3 "$rc"
	assert_eq "fresh database: every file listed as pending" "$FILES" "$(rows_in_state pending)"
	assert_match "fresh database: a header line" '^VERSION +STATE +CHECKSUM +APPLIED_AT' "$(head -n 1 "$OUT")"
	assert_match "fresh database: a summary line" "^migrate status: 0 applied, $FILES pending" "$(tail -n 1 "$OUT")"
	assert_eq "status created nothing (no schema_migrations)" 0 "$(table_exists)"
}

# A typo of `migrate status` (or words out of order) must not migrate: it
# is refused with exit 2 before anything connects.
test_typo_migrates_nothing() {
	local args rc
	for args in "statsu" "--dir $SOURCE_DIR/migrations status" "status --dir" "--dir"; do
		# shellcheck disable=SC2086
		DATABASE_URL=$E2E_DB_URL "$ORDER_SERVICE_BIN" migrate $args >"$OUT" 2>"$E2E_TMP/status.err"
		rc=$?
		assert_eq "migrate $args: exit 2" 2 "$rc"
		assert_match "migrate $args: the usage" 'usage: order-service migrate \[status\]' \
			"$(cat "$E2E_TMP/status.err")"
	done
	assert_eq "typos: nothing migrated (no schema_migrations)" 0 "$(table_exists)"
}

test_migrated_database() {
	local rc
	e2e_migrate
	status
	rc=$?
	assert_eq "migrated: exit 0" 0 "$rc"
	assert_eq "migrated: every file applied" "$FILES" "$(rows_in_state applied)"
	assert_eq "migrated: every checksum ok" "$FILES" "$(awk 'NR > 1 && $3 == "ok"' "$OUT" | wc -l)"
	# The stored checksum is the file's SHA-256 as sha256sum spells it:
	# databases migrated by any earlier build keep matching.
	assert_eq "migrated: the checksum of 0001 is sha256sum's" \
		"$(sha256sum "$SOURCE_DIR/migrations/0001_orders.sql" | cut -d' ' -f1)" \
		"$(e2e_sql "SELECT checksum FROM schema_migrations WHERE version = '0001_orders.sql'")"
	assert_match "migrated: applied_at in RFC 3339 UTC" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
		"$(awk 'NR == 2 { print $4 }' "$OUT")"
}

test_changed_and_pending() {
	local dir=$E2E_TMP/migrations rc before
	cp -r "$SOURCE_DIR/migrations" "$dir"
	echo "-- edited after release" >>"$dir/0001_orders.sql"
	echo "CREATE TABLE status_probe (id int);" >"$dir/9999_probe.sql"
	before=$(e2e_sql "SELECT count(*) FROM schema_migrations")
	status "$dir"
	rc=$?
	assert_eq "changed file: exit 4" 4 "$rc"
	assert_match "changed file: named as changed" '^0001_orders\.sql +changed +changed ' \
		"$(grep '^0001_orders.sql' "$OUT")"
	assert_match "new file: named as pending" '^9999_probe\.sql +pending ' "$(grep '^9999_probe.sql' "$OUT")"
	assert_eq "nothing recorded" "$before" "$(e2e_sql "SELECT count(*) FROM schema_migrations")"
	assert_eq "nothing applied" 0 "$(e2e_sql "SELECT count(*) FROM pg_class WHERE relname = 'status_probe'")"
	rm "$dir/0001_orders.sql"
	status "$dir"
	rc=$?
	assert_eq "missing applied file: exit 4" 4 "$rc"
	assert_match "missing applied file: named" '^0001_orders\.sql +no-file ' "$(grep '^0001_orders.sql' "$OUT")"
}

test_unreachable() {
	local rc port
	port=$(e2e_free_port)
	DATABASE_URL=postgresql://postgres@127.0.0.1:$port/none "$ORDER_SERVICE_BIN" migrate status \
		>"$OUT" 2>"$E2E_TMP/status.err"
	rc=$?
	assert_eq "unreachable database: exit 1" 1 "$rc"
	assert_match "unreachable database: one error line" 'unreachable' "$(cat "$E2E_TMP/status.err")"
}

e2e_db_create
test_fresh_database
test_typo_migrates_nothing
test_migrated_database
test_changed_and_pending
test_unreachable
e2e_finish
