# shellcheck shell=bash
# Helpers of the monitoring tests (test_ops_promtool.sh, test_ops_prometheus.sh,
# test_entrypoint.sh), sourced after lib.sh: the metric names a PromQL
# expression reads, the expressions of the dashboard and the alert rules,
# and a block of free consecutive ports for METRICS_PORT_BASE.

PROM_DEPLOY=$SOURCE_DIR/deploy
PROM_DASHBOARD=$PROM_DEPLOY/grafana/dashboards/order-service.json
PROM_RULES_DIR=$PROM_DEPLOY/prometheus/rules

# The metric names in PromQL expressions (one per line on stdin), sorted:
# string literals, label matchers, range selectors, numbers and durations,
# and the label lists of by/without/on/ignoring/group_* are removed; an identifier followed by
# "(" is a function; keywords are dropped; what is left names a metric.
prom_metric_names() {
	perl -ne '
		s/"(?:[^"\\]|\\.)*"//g;
		s/\{[^}]*\}//g;
		s/\[[^\]]*\]//g;
		s/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)//g;
		s/(?<![a-zA-Z_:0-9])[0-9][a-zA-Z0-9_.]*//g;
		while (/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g) {
			next if defined $2;
			next if $1 =~ /^(by|without|on|ignoring|group_left|group_right|and|or|unless|bool|offset|inf|nan)$/i;
			print "$1\n";
		}' | sort -u
}

# Every panel query of the dashboard, one per line.
prom_dashboard_exprs() {
	jq -r '.. | objects | select(has("targets")) | .targets[]? | .expr // empty | gsub("\n"; " ")' \
		"$PROM_DASHBOARD"
}

# A YAML file as JSON: Debian's yq (the jq wrapper), or the Go yq.
prom_yaml_json() { # file
	yq . "$1" 2>/dev/null || yq -o=json eval . "$1"
}

# Every alert and recording rule expression, one per line.
prom_rule_exprs() {
	local f
	for f in "$PROM_RULES_DIR"/*.yml; do
		prom_yaml_json "$f" | jq -r '.groups[].rules[].expr | gsub("\n"; " ")'
	done
}

# A base port B such that B .. B+span-1 are all free; prints B.
prom_free_port_block() { # span
	local b i p ok try
	for ((try = 0; try < 100; try++)); do
		b=$((20000 + RANDOM % 11900))
		ok=1
		for ((i = 0; i < $1; i++)); do
			p=$((b + i))
			if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null ||
				[ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then
				ok=0
				break
			fi
		done
		if [ $ok -eq 1 ]; then echo "$b"; return 0; fi
	done
	return 1
}

# The metrics port offsets of entrypoint.sh ("role offset" lines), read
# from its role_offset function, so tests and the Prometheus config are
# checked against the one table.
prom_role_offsets() {
	sed -n '/^role_offset()/,/^}/p' "$SOURCE_DIR/entrypoint.sh" |
		sed -nE 's/^[[:space:]]*([a-z-]+)\) echo ([0-9]+) ;;/\1 \2/p'
}
