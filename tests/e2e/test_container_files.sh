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
# entrypoint.sh expect it; the API port is 8000 everywhere. The image is
# built by one service only and reused by the others; published host ports
# default to free, distinct, loopback ones; Kafka's advertised listeners
# follow its published port; the services point at each other's real
# ports; order-service gets the variables the e2e tests give entrypoint.sh;
# Prometheus scrapes exactly the ports entrypoint.sh gives each process
# (METRICS_PORT_BASE plus its role's offset) with the rules mounted, and
# Grafana is provisioned with the dashboard; Kafka keeps its data in a
# named volume.
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
IMAGE=order-service:local

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
# The names config.c reads; its list of names known to other programs (the
# ignored-settings report) is not a setting of its own.
config_vars() {
	sed '/known_names\[\] = {/,/^};/d' "$CONFIG_C" |
		grep -oE '"[A-Z][A-Z0-9]*_[A-Z0-9_]+"' | tr -d '"' | sort -u
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
	assert_match "Dockerfile ENTRYPOINT is entrypoint.sh" '^ENTRYPOINT .*entrypoint\.sh' \
		"$(dockerfile_stage 2 | grep '^ENTRYPOINT' | tail -n 1)"
	assert_match "Dockerfile copies entrypoint.sh into the image" '^COPY .*entrypoint\.sh' \
		"$(dockerfile_stage 2 | grep -E '^COPY .*entrypoint\.sh' | head -n 1)"
}

# ------------------------------------------------------------------ image

# One service builds the image (parallel builds of one tag fail on a clean
# machine); every other user of the tag neither builds nor pulls it, and
# starts after the builder.
test_one_build() {
	local builders builder users u
	builders=$(cq '[.services | to_entries[] | select(.value.build != null) | .key] | join(" ")')
	assert_eq "exactly one service builds an image" 1 "$(wc -w <<<"$builders")"
	builder=$builders
	assert_match "it builds from this repository" '^\.(/)?$' \
		"$(cq --arg s "$builder" '.services[$s].build | if type == "object" then .context else . end // ""')"
	assert_eq "it tags the image $IMAGE" "$IMAGE" "$(cq --arg s "$builder" '.services[$s].image // ""')"
	assert_eq "$SVC runs $IMAGE" "$IMAGE" "$(cq --arg s $SVC '.services[$s].image // ""')"
	users=$(cq --arg i "$IMAGE" --arg b "$builder" '.services | to_entries[]
		| select(.value.image == $i and .key != $b) | .key')
	for u in $users; do
		assert_eq "$u reuses $IMAGE without pulling it (pull_policy: never)" never \
			"$(cq --arg s "$u" '.services[$s].pull_policy // "missing"')"
		assert_eq "$u starts after $builder, which builds it" true \
			"$(cq --arg s "$u" --arg b "$builder" '.services[$s].depends_on // {} | if type == "array" then index($b) != null else has($b) end')"
	done
}

# ------------------------------------------------------------ environment

# Variables entrypoint.sh reads (the "Settings" block of its header).
entrypoint_vars() {
	sed -n '/^# Settings (environment):/,/^[^#]/p' "$ROOT/entrypoint.sh" | grep -oE '^#   [A-Z][A-Z0-9_]+' |
		awk '{ print $2 }'
}

test_compose_environment() {
	local vars v not_read="" not_listed=""
	vars=$(cq --arg s $SVC '.services[$s].environment // {}
		| if type == "array" then .[] | split("=")[0] else keys[] end')
	[ -n "$vars" ] || { e2e_fail "compose sets environment variables for $SVC"; return; }
	for v in $vars; do
		grep -q "\"$v\"" "$CONFIG_C" || grep -qx "$v" <<<"$(entrypoint_vars)" || not_read+="$v "
		grep -qE "^#? ?$v=|[ (]$v=" "$ENV_EXAMPLE" || not_listed+="$v "
	done
	assert_eq "every variable compose sets is read by config.c or entrypoint.sh" "" "$not_read"
	assert_eq "every variable compose sets is listed in .env.example" "" "$not_listed"
}

# The variables the e2e tests give entrypoint.sh to run the service against
# a real stack are the ones compose gives it (the harness's own aside).
test_same_variables_as_tests() {
	local f v missing=""
	for f in "$E2E_DIR/test_ops_prometheus.sh" "$E2E_DIR/test_entrypoint.sh"; do
		for v in $(sed -n '/env DATABASE_URL=/,/entrypoint\.sh"/p' "$f" | grep -oE '\b[A-Z][A-Z0-9_]+=' | tr -d '='); do
			case $v in ORDER_SERVICE_BIN | STOP_GRACE_SECONDS) continue ;; esac
			cq --arg s $SVC --arg v "$v" -e '.services[$s].environment | has($v)' >/dev/null || missing+="$v "
		done
	done
	assert_eq "compose sets every variable the e2e tests give entrypoint.sh" "" "$(tr ' ' '\n' <<<"$missing" | sort -u | tr '\n' ' ' | sed 's/^ //')"
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

# The value of ${VAR:-default} / ${VAR-default} text with the defaults
# taken; plain text as is.
resolve_default() {
	sed -E 's/\$\{[A-Z0-9_]+:?-([^}]*)\}/\1/g'
}

# "service host-ip host-port container-port" of every published port, with
# the variables' defaults.
published_ports() {
	cq '.services | to_entries[] | .key as $k | .value.ports // [] | .[] | "\($k) \(tostring)"' |
		while read -r svc spec; do
			spec=$(resolve_default <<<"$spec")
			IFS=: read -r a b c <<<"$spec"
			if [ -n "$c" ]; then echo "$svc $a $b $c"; else echo "$svc - $a $b"; fi
		done
}

test_host_ports() {
	local lines dups bad open
	lines=$(published_ports)
	[ -n "$lines" ] || { e2e_fail "compose publishes ports"; return; }
	dups=$(awk '{ print $3 }' <<<"$lines" | sort | uniq -d | tr '\n' ' ')
	assert_eq "default host ports are distinct" "" "$dups"
	# The ports a developer's machine often has taken already.
	bad=$(awk '$3 ~ /^(5432|3306|6379|9092|9090|9093|2181|3000|27017|9200)$/ { print $1 ":" $3 }' <<<"$lines" | tr '\n' ' ')
	assert_eq "no default host port of a common local server (5432, 9092, 9090, 3000, ...)" "" "$bad"
	open=$(awk '$2 != "127.0.0.1" { print $1 }' <<<"$lines" | sort -u | tr '\n' ' ')
	assert_eq "ports are published on 127.0.0.1 only" "" "$open"
	assert_eq "PostgreSQL's host port is a variable" 1 \
		"$(cq '.services.postgres.ports // [] | map(tostring | test("\\$\\{POSTGRES_HOST_PORT")) | length')"
}

kafka_env() { cq --arg k "$1" '.services.kafka.environment[$k] // "" | tostring'; }

# HOST://... from a listener list.
listener() { # list name
	tr ',' '\n' <<<"$1" | sed -n "s|^$2://||p"
}

test_kafka_listeners() {
	local listeners advertised pub host_expr cport
	listeners=$(kafka_env KAFKA_LISTENERS)
	advertised=$(kafka_env KAFKA_ADVERTISED_LISTENERS)
	pub=$(cq '.services.kafka.ports[0] | tostring')
	host_expr=$(sed -E 's/^(127\.0\.0\.1:)?(\$\{[^}]+\}|[0-9]+):[0-9]+$/\2/' <<<"$pub")
	cport=${pub##*:}
	assert_eq "Kafka publishes its HOST listener's port" ":$cport" "$(listener "$listeners" HOST)"
	assert_eq "the advertised HOST listener follows the published host port (KAFKA_HOST_PORT)" \
		"localhost:$host_expr" "$(listener "$advertised" HOST)"
	assert_match "the host port is the KAFKA_HOST_PORT variable" '^\$\{KAFKA_HOST_PORT:-[0-9]+\}$' "$host_expr"
	assert_eq "containers reach Kafka at its advertised PLAINTEXT listener" \
		"$(listener "$advertised" PLAINTEXT)" "$(cq --arg s $SVC '.services[$s].environment.KAFKA_BOOTSTRAP_SERVERS')"
	assert_eq "the PLAINTEXT listener's port is the advertised one" \
		":$(listener "$advertised" PLAINTEXT | sed 's/.*://')" "$(listener "$listeners" PLAINTEXT)"
	assert_eq "order-sim uses the same bootstrap as the service" \
		"$(cq --arg s $SVC '.services[$s].environment.KAFKA_BOOTSTRAP_SERVERS')" \
		"$(cq '.services["order-sim"].command | (index("--kafka") + 1) as $i | .[$i]')"
	assert_eq "Kafka keeps its data (KAFKA_LOG_DIRS) in a named volume" true \
		"$(cq --arg d "$(kafka_env KAFKA_LOG_DIRS)" '.services.kafka.volumes // [] | map(tostring | split(":"))
			| any(.[1] == $d and (.[0] | test("^[a-z][a-z0-9_-]*$")))')"
	assert_eq "the Kafka volume is declared" true \
		"$(cq '(.services.kafka.volumes[0] | tostring | split(":")[0]) as $v | .volumes // {} | has($v)')"
}

# The service, order-sim and the callback point at each other's real ports.
test_service_wiring() {
	local sim_port app_port u
	sim_port=$(cq '.services["order-sim"].command | (index("--port") + 1) as $i | .[$i]')
	app_port=$(cq --arg s $SVC '.services[$s].environment.APP_PORT | tostring')
	for u in CATALOG_SERVICE_API_URL PAYMENTS_SERVICE_API_URL NOTIFICATIONS_SERVICE_API_URL; do
		assert_match "$u defaults to order-sim:$sim_port" "^http://order-sim:$sim_port/" \
			"$(cq --arg s $SVC --arg u $u '.services[$s].environment[$u]' | resolve_default)"
	done
	assert_match "PAYMENTS_CALLBACK_URL defaults to the service's own APP_PORT" \
		"^http://$SVC:$app_port/api/v1/orders/payment-callback$" \
		"$(cq --arg s $SVC '.services[$s].environment.PAYMENTS_CALLBACK_URL' | resolve_default)"
	assert_eq "order-sim signs callbacks with the service's PAYMENTS_CALLBACK_SECRET" \
		"$(cq --arg s $SVC '.services[$s].environment.PAYMENTS_CALLBACK_SECRET')" \
		"$(cq '.services["order-sim"].command | (index("--callback-secret") + 1) as $i | .[$i]')"
	assert_match "order-sim's healthcheck asks its own port" "localhost:$sim_port/" \
		"$(cq '.services["order-sim"].healthcheck.test | tostring')"
	assert_eq "order-sim publishes its port" "$sim_port" \
		"$(published_ports | awk '$1 == "order-sim" { print $4 }')"
}

# --------------------------------------------------------------- monitoring

test_prometheus_targets() {
	local base prom_json dir cfg want got role port
	base=$(cq --arg s $SVC '.services[$s].environment.METRICS_PORT_BASE // "" | tostring')
	assert_match "compose gives $SVC a METRICS_PORT_BASE" '^[0-9]+$' "$base"
	assert_eq "the image's METRICS_PORT_BASE is compose's" "$base" \
		"$(dockerfile_stage 2 | grep -oE 'METRICS_PORT_BASE=[0-9]+' | cut -d= -f2)"
	cfg=$(cq '.services.prometheus.command | map(select(startswith("--config.file="))) | .[0] | sub("--config.file="; "")')
	dir=$(cq --arg d "$(dirname "$cfg")" '.services.prometheus.volumes | map(tostring | split(":")) | map(select(.[1] == $d)) | .[0][0] // ""')
	assert_eq "Prometheus mounts deploy/prometheus where its --config.file is" ./deploy/prometheus "$dir"
	[ -f "$ROOT/$dir/$(basename "$cfg")" ] || { e2e_fail "the mounted config exists"; return; }
	prom_json=$(yaml_to_json "$ROOT/$dir/$(basename "$cfg")")
	want=$(while read -r role off; do echo "$role $SVC:$((base + off))"; done < <(
		sed -n '/^role_offset()/,/^}/p' "$ROOT/entrypoint.sh" |
			sed -nE 's/^[[:space:]]*([a-z-]+)\) echo ([0-9]+) ;;/\1 \2/p') | sort)
	got=$(jq -r '.scrape_configs[] | select(.job_name == "order-service") | .static_configs[]
		| .labels.role as $r | .targets[] | "\($r) \(.)"' <<<"$prom_json" | sort)
	assert_eq "Prometheus scrapes each role on the port entrypoint.sh gives it" "$want" "$got"
	for port in $(awk '{ print $2 }' <<<"$got" | sed 's/.*://'); do
		if dockerfile_stage 2 | grep -qE "^EXPOSE .*(${port}|$((base))-$((base + 5)))"; then :; else
			e2e_fail "the image exposes metrics port $port"
		fi
	done
	assert_eq "the rules Prometheus loads are in the mounted folder" true \
		"$(jq -r '.rule_files | length > 0' <<<"$prom_json")"
	for role in $(jq -r '.rule_files[]' <<<"$prom_json"); do
		if compgen -G "$ROOT/$dir/$role" >/dev/null; then e2e_pass "rule files $role exist"; else e2e_fail "rule files $role exist"; fi
	done
}

test_grafana_provisioned() {
	local vols prov dash path ds_url
	vols=$(cq '.services.grafana.volumes | map(tostring) | join(" ")')
	assert_match "Grafana mounts the provisioning files" '(^| )\./deploy/grafana/provisioning:/etc/grafana/provisioning(:ro)?( |$)' "$vols"
	path=$(yaml_to_json "$ROOT/deploy/grafana/provisioning/dashboards/order-service.yml" | jq -r '.providers[0].options.path')
	assert_match "Grafana mounts the dashboards where the provider reads them ($path)" \
		"(^| )\./deploy/grafana/dashboards:$path(:ro)?( |$)" "$vols"
	ds_url=$(yaml_to_json "$ROOT/deploy/grafana/provisioning/datasources/prometheus.yml" | jq -r '.datasources[0].url')
	assert_eq "the datasource is the compose Prometheus on its container port" \
		"http://prometheus:$(published_ports | awk '$1 == "prometheus" { print $4 }')" "$ds_url"
	assert_eq "Grafana starts after a healthy Prometheus" service_healthy \
		"$(cq '.services.grafana.depends_on.prometheus.condition // ""')"
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
		"$(cat "$ROOT"/cmd/*.c | grep -c "\"$prefix/$installed\"")"
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
test_one_build
test_compose_environment
test_same_variables_as_tests
test_config_documented
test_ports
test_host_ports
test_kafka_listeners
test_service_wiring
test_prometheus_targets
test_grafana_provisioned
test_dockerfile_packages
test_dockerfile_cmake
test_dockerignore
e2e_finish
