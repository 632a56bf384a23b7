#!/usr/bin/env bash
# shellcheck disable=SC2016 # $names in single quotes are jq variables
# The container files checked without Docker (DESIGN §3): docker-compose.yml
# is valid YAML running the service through entrypoint.sh on the image built
# here, with PostgreSQL, KRaft Kafka, the topics and the simulators; every
# variable compose gives the service is one the configuration reads and
# .env.example lists (and every variable the configuration reads is in
# .env.example); the Dockerfile's build stage installs the same -dev
# packages as scripts/install-deps.sh, builds with the project's CMake
# commands and copies what `cmake --install` put where the binary and
# entrypoint.sh expect it; the API port is 8000 everywhere.
#
# YAML is read with `yq` (Debian package yq), else Python's yaml module,
# else Ruby's.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"

ROOT=$SOURCE_DIR
COMPOSE=$ROOT/docker-compose.yml
DOCKERFILE=$ROOT/Dockerfile
ENV_EXAMPLE=$ROOT/.env.example
CONFIG_C=$ROOT/infrastructure/config/config.c
COMPOSE_JSON=$E2E_TMP/compose.json
SVC=order-service

# ----------------------------------------------------------------- helpers

# YAML to JSON on stdout with the first tool that is there and works.
yaml_to_json() { # file
	if command -v yq >/dev/null 2>&1; then
		yq -o=json eval . "$1" 2>/dev/null | jq -e . 2>/dev/null && return 0
		yq . "$1" 2>/dev/null | jq -e . 2>/dev/null && return 0
	fi
	if command -v python3 >/dev/null 2>&1 &&
		python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' \
			"$1" 2>/dev/null; then
		return 0
	fi
	if command -v ruby >/dev/null 2>&1 &&
		ruby -ryaml -rjson -e 'puts JSON.generate(YAML.load_file(ARGV[0], aliases: true))' "$1" 2>/dev/null; then
		return 0
	fi
	return 1
}

# A jq filter over the compose file (as JSON).
cq() { jq -r "$@" "$COMPOSE_JSON"; }

# Words of a Dockerfile stage (1 = the first FROM) with line continuations
# joined, one instruction per line.
dockerfile_stage() { # n
	sed -e ':a' -e '/\\$/{N;s/\\\n/ /;ba' -e '}' "$DOCKERFILE" | grep -v '^[[:space:]]*#' |
		awk -v n="$1" '/^FROM /{s++} s==n'
}

# The packages an `apt-get install` in the given text installs, sorted.
apt_packages() {
	grep -oE 'apt-get install[^&;]*' | sed 's/apt-get install//' | tr ' ' '\n' |
		grep -vE '^(-.*|)$' | sort -u
}

# The packages array of scripts/install-deps.sh, and what it adds to it
# conditionally (packages+=(...)), sorted.
install_deps_packages() {
	{
		sed -n '/^packages=(/,/^)/p' "$ROOT/scripts/install-deps.sh" | sed '1d;$d'
		grep -oE 'packages\+=\([^)]*\)' "$ROOT/scripts/install-deps.sh" | sed -E 's/packages\+=\((.*)\)/\1/'
	} | tr -s ' \t' '\n' | grep -v '^$' | sort -u
}

# The environment variables the configuration reads (names with an
# underscore quoted in config.c).
config_vars() {
	grep -oE '"[A-Z][A-Z0-9]*_[A-Z0-9_]+"' "$CONFIG_C" | tr -d '"' | sort -u
}

# ------------------------------------------------------------------- files

test_files_exist() {
	local f
	for f in Dockerfile docker-compose.yml .env.example README.md; do
		if [ -s "$ROOT/$f" ]; then e2e_pass "$f exists"; else e2e_fail "$f exists"; fi
	done
	if [ -x "$ROOT/entrypoint.sh" ]; then e2e_pass "entrypoint.sh is executable"; else e2e_fail "entrypoint.sh is executable"; fi
	if [ ! -s "$COMPOSE" ] || [ ! -s "$DOCKERFILE" ] || [ ! -s "$ENV_EXAMPLE" ]; then e2e_finish; fi
}

test_compose_parses() {
	if yaml_to_json "$COMPOSE" >"$COMPOSE_JSON" && jq -e 'type == "object"' "$COMPOSE_JSON" >/dev/null; then
		e2e_pass "docker-compose.yml parses as YAML"
	else
		e2e_fail "docker-compose.yml parses as YAML" \
			"no working YAML reader, or invalid YAML (install the yq package)"
		e2e_finish
	fi
	assert_eq "compose has the $SVC service" true "$(cq --arg s $SVC '.services | has($s)')"
	assert_match "compose runs PostgreSQL from an image" '^postgres:' \
		"$(cq '[.services[] | .image // "" | select(startswith("postgres:"))][0] // ""')"
	assert_eq "compose runs Kafka in KRaft mode (broker,controller roles)" true \
		"$(cq '[.services[] | .environment // {} | if type == "array" then map(split("=") | {(.[0]): (.[1:] | join("="))}) | add else . end
		        | .KAFKA_PROCESS_ROLES // "" | test("controller")] | any')"
	assert_eq "compose runs the simulators (order-sim)" true \
		"$(cq '[.services[] | .command // [] | if type == "array" then join(" ") else . end | test("order-sim")] | any')"
}

test_compose_healthchecks() {
	local unchecked
	unchecked=$(cq --arg s $SVC '.services | to_entries[]
		| select(.key != $s and (.value.healthcheck | not) and ((.value.restart // "") != "no"))
		| .key' | tr '\n' ' ')
	assert_eq "every supporting long-running service has a healthcheck" "" "$unchecked"
	if cq --arg s $SVC '.services[$s].healthcheck // empty' | grep -q . ||
		dockerfile_stage 2 | grep -qE '^HEALTHCHECK .*/health/ready'; then
		e2e_pass "$SVC has a healthcheck on /health/ready (compose or image)"
	else
		e2e_fail "$SVC has a healthcheck on /health/ready (compose or image)"
	fi
	assert_eq "$SVC waits for healthy PostgreSQL" service_healthy \
		"$(cq --arg s $SVC '.services[$s].depends_on.postgres.condition // "none"')"
}

test_compose_topics() {
	local topics_cmd t
	topics_cmd=$(cq '[.services[] | select(((.command // []) | tostring | test("kafka-topics"))) | .command | tostring] | join(" ")')
	if [[ "$topics_cmd" == *--create* ]]; then e2e_pass "compose creates the Kafka topics"; else e2e_fail "compose creates the Kafka topics"; fi
	for t in KAFKA_TOPIC_ORDER_EVENTS KAFKA_TOPIC_SHIPPING_REQUESTS KAFKA_TOPIC_SHIPPING_EVENTS; do
		assert_eq "topic creation uses $t, as the service does" true \
			"$(cq --arg t "$t" '[.services[] | select(((.command // []) | tostring | test("kafka-topics")))
			                    | .environment[$t]? // "" | length > 0] | any')"
	done
}

# ------------------------------------------------------------- entrypoint

test_compose_entrypoint() {
	local ep cmd
	ep=$(cq --arg s $SVC '.services[$s].entrypoint // "" | if type == "array" then join(" ") else . end')
	cmd=$(cq --arg s $SVC '.services[$s].command // "" | if type == "array" then join(" ") else . end')
	if { [ -z "$ep" ] || [[ "$ep" == *entrypoint.sh* ]]; } && { [ -z "$cmd" ] || [[ "$cmd$ep" == *entrypoint.sh* ]]; }; then
		e2e_pass "$SVC keeps entrypoint.sh as its entrypoint (no other entrypoint or command)"
	else
		e2e_fail "$SVC keeps entrypoint.sh as its entrypoint" "entrypoint: $ep" "command: $cmd"
	fi
	assert_match "$SVC is built from this repository" '^\.(/)?$' \
		"$(cq --arg s $SVC '.services[$s].build | if type == "object" then .context else . end // ""')"
	assert_match "Dockerfile ENTRYPOINT is entrypoint.sh" '^ENTRYPOINT .*entrypoint\.sh' \
		"$(dockerfile_stage 2 | grep '^ENTRYPOINT' | tail -n 1)"
	assert_match "Dockerfile copies entrypoint.sh into the image" '^COPY .*entrypoint\.sh' \
		"$(dockerfile_stage 2 | grep -E '^COPY .*entrypoint\.sh' | head -n 1)"
}

# ------------------------------------------------------------ environment

test_compose_environment() {
	local vars v not_read="" not_listed=""
	vars=$(cq --arg s $SVC '.services[$s].environment // {}
		| if type == "array" then .[] | split("=")[0] else keys[] end')
	[ -n "$vars" ] || { e2e_fail "compose sets environment variables for $SVC"; return; }
	for v in $vars; do
		grep -q "\"$v\"" "$CONFIG_C" || not_read+="$v "
		grep -qE "^#? ?$v=" "$ENV_EXAMPLE" || not_listed+="$v "
	done
	assert_eq "every variable compose sets is read by config.c" "" "$not_read"
	assert_eq "every variable compose sets is listed in .env.example" "" "$not_listed"
}

test_config_documented() {
	local v missing=""
	for v in $(config_vars); do
		grep -qw -- "$v" "$ENV_EXAMPLE" || missing+="$v "
	done
	assert_eq "every variable config.c reads is in .env.example" "" "$missing"
}

# ------------------------------------------------------------------ ports

test_ports() {
	local mapping
	mapping=$(cq --arg s $SVC '.services[$s].ports // [] | map(tostring) | join(" ")')
	assert_match "compose publishes the API's container port 8000" '(^|[: ])8000($| |/)' \
		"$(echo "$mapping" | tr ' ' '\n' | sed 's/.*://' | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "compose APP_PORT is 8000" 8000 \
		"$(cq --arg s $SVC '.services[$s].environment.APP_PORT // "unset" | tostring')"
	assert_match "Dockerfile exposes 8000" '^EXPOSE 8000$' "$(dockerfile_stage 2 | grep '^EXPOSE' | head -n 1)"
	assert_eq "config.c defaults APP_PORT to 8000" 1 "$(grep -c 'app_port = 8000;' "$CONFIG_C")"
	assert_match ".env.example says APP_PORT=8000" '^APP_PORT=8000$' "$(grep -E '^#? ?APP_PORT=' "$ENV_EXAMPLE")"
	if grep -qE 'localhost:8000|port 8000' "$ROOT/README.md"; then
		e2e_pass "README names port 8000"
	else
		e2e_fail "README names port 8000"
	fi
}

# ------------------------------------------------------------- Dockerfile

test_dockerfile_packages() {
	local docker_dev deps_dev extra
	docker_dev=$(dockerfile_stage 1 | apt_packages | grep -- '-dev$')
	deps_dev=$(install_deps_packages | grep -- '-dev$')
	[ -n "$deps_dev" ] || e2e_fail "install-deps.sh lists -dev packages"
	assert_eq "build stage -dev packages = install-deps.sh -dev packages" \
		"$(echo "$deps_dev" | tr '\n' ' ')" "$(echo "$docker_dev" | tr '\n' ' ')"
	extra=$(comm -23 <(dockerfile_stage 1 | apt_packages) <(install_deps_packages) | tr '\n' ' ')
	assert_eq "build stage installs nothing install-deps.sh does not" "" "$extra"
	if grep -q pg_isready "$ROOT/entrypoint.sh"; then
		assert_eq "runtime stage has pg_isready (postgresql-client) for entrypoint.sh" 1 \
			"$(dockerfile_stage 2 | apt_packages | grep -cx postgresql-client)"
	fi
}

test_dockerfile_cmake() {
	local stage dir make_type
	stage=$(dockerfile_stage 1)
	dir=$(echo "$stage" | grep -oE 'cmake -S \. -B [^ ]+' | head -n 1 | awk '{print $5}')
	if [ -n "$dir" ]; then e2e_pass "Dockerfile configures with cmake -S . -B $dir"; else e2e_fail "Dockerfile configures with cmake -S . -B <dir>"; fi
	make_type=$(grep -oE 'cmake -S \. -B [^ ]+ -DCMAKE_BUILD_TYPE=[A-Za-z]+' "$ROOT/Makefile" | sed 's/.*=//' | head -n 1)
	assert_match "Dockerfile builds the Makefile's build type ($make_type)" "-DCMAKE_BUILD_TYPE=$make_type( |$)" \
		"$(echo "$stage" | grep -oE 'cmake -S \. -B [^&]*')"
	assert_eq "Dockerfile runs cmake --build on the same tree" 1 \
		"$(echo "$stage" | grep -cE "cmake --build $dir( |$)")"
	assert_eq "Dockerfile runs cmake --install on the same tree" 1 \
		"$(echo "$stage" | grep -cE "cmake --install $dir( |$)")"
	test_dockerfile_cmake_options "$stage"
	test_dockerfile_install_paths "$stage"
}

# Every -D option the Dockerfile passes is a CMake variable or one of the
# project's option()s.
test_dockerfile_cmake_options() { # stage-text
	local o unknown=""
	for o in $(echo "$1" | grep -oE ' -D[A-Za-z_]+=' | sed 's/ -D//; s/=//' | sort -u); do
		[[ "$o" == CMAKE_* ]] && continue
		grep -qE "option\(${o}[ )]" "$ROOT/CMakeLists.txt" || unknown+="$o "
	done
	assert_eq "Dockerfile's -D options exist in CMakeLists.txt" "" "$unknown"
}

# What the runtime stage copies is where `cmake --install --prefix P` puts it.
test_dockerfile_install_paths() { # stage-text
	local prefix copies installed
	prefix=$(echo "$1" | grep -oE 'cmake --install [^ ]+ --prefix [^ ]+' | awk '{print $5}' | head -n 1)
	prefix=${prefix:-/usr/local}
	copies=$(dockerfile_stage 2 | grep -E '^COPY --from=' | cut -d' ' -f3-)
	assert_match "runtime copies order-service from $prefix/bin" "$prefix/bin/order-service( |$)" "$copies"
	assert_match "runtime copies order-sim from $prefix/bin" "$prefix/bin/order-sim( |$)" "$copies"
	installed=$(grep -oE 'install\(DIRECTORY migrations/ DESTINATION [^ )]+' "$ROOT/CMakeLists.txt" | awk '{print $4}')
	assert_match "runtime copies the migrations from where CMake installs them" \
		"$prefix/$installed( |$)" "$copies"
	assert_eq "order-service looks for installed migrations there" 1 \
		"$(grep -c "\"$prefix/$installed\"" "$ROOT/app/main.c")"
}

test_dockerignore() {
	local ign=$ROOT/.dockerignore
	if [ -f "$ign" ] && grep -qE '^/?build' "$ign" && grep -qE '^/?\.data' "$ign"; then
		e2e_pass ".dockerignore keeps build trees and .data out of the image context"
	else
		e2e_fail ".dockerignore keeps build trees and .data out of the image context"
	fi
}

test_files_exist
test_compose_parses
test_compose_healthchecks
test_compose_topics
test_compose_entrypoint
test_compose_environment
test_config_documented
test_ports
test_dockerfile_packages
test_dockerfile_cmake
test_dockerignore
e2e_finish
