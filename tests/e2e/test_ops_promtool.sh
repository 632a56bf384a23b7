#!/usr/bin/env bash
# The monitoring files of deploy/ checked by the real tools (DESIGN §10):
# `promtool check config` on the compose Prometheus configuration,
# `promtool check rules` and `promtool test rules` (every alert has a unit
# test that shows it firing), the Grafana provisioning files and the
# dashboard (valid, every panel has a query on the provisioned datasource,
# every query and rule names only metrics the service's code renders).
# The metrics the real processes export are checked against the same
# queries by test_ops_prometheus.sh.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/lib_prom.sh
source "$E2E_DIR/lib_prom.sh"

PROM=$PROM_DEPLOY/prometheus
GRAFANA=$PROM_DEPLOY/grafana

run_tool() { # description command...
	local d=$1
	shift
	if "$@" >"$E2E_TMP/tool.out" 2>&1; then
		e2e_pass "$d"
	else
		e2e_fail "$d" "$(tail -n 30 "$E2E_TMP/tool.out")"
	fi
}

test_tools_present() {
	local t
	for t in promtool prometheus yq jq perl; do
		if command -v "$t" >/dev/null 2>&1; then e2e_pass "$t is installed"; else
			e2e_fail "$t is installed (scripts/install-deps.sh)"
			e2e_finish
		fi
	done
}

test_promtool() {
	local f
	run_tool "promtool check config deploy/prometheus/prometheus.yml" \
		promtool check config "$PROM/prometheus.yml"
	for f in "$PROM"/rules/*.yml; do
		run_tool "promtool check rules $(basename "$f")" promtool check rules "$f"
	done
	# promtool resolves rule_files relative to each test file.
	run_tool "promtool test rules deploy/prometheus/tests/*.yml" \
		promtool test rules "$PROM"/tests/*.yml
}

# The rules' unit tests are not vacuous: a rule file with one alert's
# threshold changed fails them.
test_rule_tests_can_fail() {
	local dir=$E2E_TMP/broken
	mkdir -p "$dir/rules" "$dir/tests"
	sed 's/outbox_oldest_pending_age_seconds) > 300/outbox_oldest_pending_age_seconds) > 3000/' \
		"$PROM/rules/order-service.yml" >"$dir/rules/order-service.yml"
	cp "$PROM"/tests/*.yml "$dir/tests/"
	if promtool test rules "$dir"/tests/*.yml >"$E2E_TMP/broken.out" 2>&1; then
		e2e_fail "promtool test rules fails on a changed threshold"
	else
		e2e_pass "promtool test rules fails on a changed threshold"
	fi
}

test_every_alert_tested() {
	local alerts tested missing=""
	alerts=$(for f in "$PROM"/rules/*.yml; do prom_yaml_json "$f" | jq -r '.groups[].rules[].alert // empty'; done | sort -u)
	tested=$(for f in "$PROM"/tests/*.yml; do
		prom_yaml_json "$f" | jq -r '.tests[] | select(any(.alert_rule_test[]?; (.exp_alerts | length) > 0))
			| .alert_rule_test[] | select((.exp_alerts | length) > 0) | .alertname'
	done | sort -u)
	[ -n "$alerts" ] || e2e_fail "the rules define alerts"
	for a in $alerts; do
		grep -qx "$a" <<<"$tested" || missing+="$a "
	done
	assert_eq "every alert has a unit test where it fires" "" "$missing"
	for a in OutboxOldestPendingTooOld OutboxDeadLetters InboxLagHigh ApiServerErrorRate OutboxRelayStalled; do
		assert_eq "alert $a exists" 1 "$(grep -cx "$a" <<<"$alerts")"
	done
}

test_grafana_provisioning() {
	local ds uid dash_uids
	ds=$(prom_yaml_json "$GRAFANA/provisioning/datasources/prometheus.yml") ||
		{ e2e_fail "datasource provisioning parses"; return; }
	uid=$(jq -r '.datasources[] | select(.type == "prometheus") | .uid' <<<"$ds")
	assert_match "a Prometheus datasource with a uid is provisioned" '^[A-Za-z0-9_-]+$' "$uid"
	assert_eq "the datasource points at the compose Prometheus" "http://prometheus:9090" \
		"$(jq -r '.datasources[] | select(.type == "prometheus") | .url' <<<"$ds")"
	assert_eq "the dashboard provider reads files" file \
		"$(prom_yaml_json "$GRAFANA/provisioning/dashboards/order-service.yml" | jq -r '.providers[0].type')"
	if jq -e 'type == "object" and (.panels | length) > 0' "$PROM_DASHBOARD" >/dev/null; then
		e2e_pass "dashboard JSON parses and has panels"
	else
		e2e_fail "dashboard JSON parses and has panels"
		return
	fi
	assert_eq "panel ids are unique" "$(jq '[.panels[].id] | length' "$PROM_DASHBOARD")" \
		"$(jq '[.panels[].id] | unique | length' "$PROM_DASHBOARD")"
	assert_eq "every graph panel has a query" "" \
		"$(jq -r '.panels[] | select(.type != "row") | select([.targets[]? | .expr // ""
			| select(length > 0)] | length == 0) | .title' "$PROM_DASHBOARD")"
	dash_uids=$(jq -r '[.. | objects | .datasource? | objects | .uid] | unique | join(" ")' "$PROM_DASHBOARD")
	assert_eq "every panel uses the provisioned datasource" "$uid" "$dash_uids"
	test_dashboard_topics
}

# What DESIGN §10 asks the dashboard to show, by the metric each needs.
test_dashboard_topics() {
	local names m
	names=$(prom_dashboard_exprs | prom_metric_names)
	for m in orders_created_total http_request_duration_seconds_bucket outbox_pending \
		outbox_oldest_pending_age_seconds outbox_dead inbox_lag_seconds \
		refunds_requested_total process_resident_memory_bytes; do
		assert_eq "the dashboard shows $m" 1 "$(grep -cx "$m" <<<"$names")"
	done
}

# Every name a query reads is rendered by the service's code (the histogram
# and counter names with their suffixes); the real scrape is checked by
# test_ops_prometheus.sh.
test_queries_name_rendered_metrics() {
	local names n base missing=""
	names=$( { prom_dashboard_exprs; prom_rule_exprs; } | prom_metric_names)
	for n in $names; do
		[ "$n" = up ] && continue
		base=${n%_bucket}
		grep -rqw -- "$base" "$SOURCE_DIR/infrastructure/metrics" "$SOURCE_DIR/infrastructure/http" ||
			missing+="$n "
	done
	assert_eq "every query names a metric the code renders" "" "$missing"
	assert_eq "the name extractor finds an unknown name" "no_such_metric_total" \
		"$(echo 'sum by (x) (rate(no_such_metric_total{a="b"}[5m])) > 0' | prom_metric_names)"
}

test_tools_present
test_promtool
test_rule_tests_can_fail
test_every_alert_tested
test_grafana_provisioning
test_queries_name_rendered_metrics
e2e_finish
