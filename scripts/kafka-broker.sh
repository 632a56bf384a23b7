#!/usr/bin/env bash
# A real Apache Kafka broker (DESIGN §3): one KRaft node, broker and
# controller in one JVM, on loopback, for `make run KAFKA=apache`, the
# real-broker tests and `make chaos`.
#
#   scripts/kafka-broker.sh fetch    put the jars of the release pinned in
#                                    tools/kafka/pom.xml under .data/kafka/libs
#   scripts/kafka-broker.sh start    fetch, format the storage (first time),
#                                    start, wait until ready, create the topics,
#                                    print `export` lines
#   scripts/kafka-broker.sh env      print the `export` lines of the running broker
#   scripts/kafka-broker.sh topics   create the service's topics (idempotent)
#   scripts/kafka-broker.sh status   say whether it runs
#   scripts/kafka-broker.sh stop     controlled shutdown (SIGTERM, then SIGKILL)
#   scripts/kafka-broker.sh class CLASS ARGS...
#                                    run one of Kafka's tools from the jars, e.g.
#                                    org.apache.kafka.tools.consumer.ConsoleConsumer
#
# Two client listeners: PLAINTEXT, and SASL_PLAINTEXT with the mechanisms
# PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, each knowing the user
# $KAFKA_SASL_USER with a password made at the first start (kept in the
# state directory). A stop keeps the data, the ports and the users, so a
# start afterwards brings back the same broker: that is how tests take it
# away for a while. Only `export` lines go to stdout; progress to stderr.
#
# Settings (environment):
#   DATA_DIR        state: $DATA_DIR/kafka-broker (default <repo>/.data)
#   KAFKA_LIBS      the jars (default <repo>/.data/kafka/libs, shared by every DATA_DIR)
#   KAFKA_PORT, KAFKA_SASL_PORT, KAFKA_CONTROLLER_PORT
#                   fixed ports for the first start (default: free ones)
#   KAFKA_HEAP      JVM heap (default 384m)
#   KAFKA_PARTITIONS  partitions of order.events (default 16) and of the
#                   other topics and auto-created ones (default 3)
#   KAFKA_SASL_USER user of the SASL listener (default order-service)
#   START_TIMEOUT   seconds to wait for the broker (default 90)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=${DATA_DIR:-$ROOT/.data}
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
KAFKA_LIBS=${KAFKA_LIBS:-$ROOT/.data/kafka/libs}
KAFKA_HEAP=${KAFKA_HEAP:-384m}
KAFKA_SASL_USER=${KAFKA_SASL_USER:-order-service}
START_TIMEOUT=${START_TIMEOUT:-90}
ORDER_PARTITIONS=${KAFKA_PARTITIONS:-16}
OTHER_PARTITIONS=3
POM=$ROOT/tools/kafka/pom.xml

STATE=$DATA_DIR/kafka-broker
CONF=$STATE/server.properties
PORTS=$STATE/ports
SECRET=$STATE/sasl.password
PID_FILE=$STATE/broker.pid
LOG=$STATE/broker.log

say() { echo "kafka-broker: $*" >&2; }
die() { say "$*"; exit 1; }

# --------------------------------------------------------------------- jars

libs_ready() { [ -s "$KAFKA_LIBS/.complete" ] && [ "$(cat "$KAFKA_LIBS/.complete")" = "$(sha256sum <"$POM")" ]; }

cmd_fetch() {
	libs_ready && return 0
	command -v mvn >/dev/null || die "mvn not found (run scripts/install-deps.sh)"
	say "fetching the Kafka jars pinned in tools/kafka/pom.xml into $KAFKA_LIBS"
	rm -rf "$KAFKA_LIBS"
	mkdir -p "$KAFKA_LIBS"
	mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory="$KAFKA_LIBS" >"$KAFKA_LIBS.mvn.log" 2>&1 ||
		{ tail -n 30 "$KAFKA_LIBS.mvn.log" >&2; die "mvn could not fetch the Kafka jars"; }
	sha256sum <"$POM" >"$KAFKA_LIBS/.complete"
}

# Runs one Java class of the distribution with the jars on the class path
# and a quiet log configuration.
run_class() { # class args...
	local cls=$1
	shift
	java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$KAFKA_LIBS/*" \
		-Dlog4j.configuration="file:$STATE/tools-log4j.properties" "$cls" "$@"
}

# ------------------------------------------------------------------ config

# A TCP port below the ephemeral range that no socket uses (as test.sh does).
# shellcheck source=scripts/free-port.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/free-port.sh"
# shellcheck source=scripts/proc.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/proc.sh"

load_ports() {
	# shellcheck source=/dev/null
	[ -s "$PORTS" ] && source "$PORTS"
	: "${PLAIN_PORT:?}" "${SASL_PORT:?}" "${CONTROLLER_PORT:?}"
}

write_log_configs() {
	cat >"$STATE/log4j.properties" <<-EOF
		log4j.rootLogger=INFO, file
		log4j.appender.file=org.apache.log4j.FileAppender
		log4j.appender.file.File=$LOG
		log4j.appender.file.layout=org.apache.log4j.PatternLayout
		log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
		log4j.logger.state.change.logger=WARN
		log4j.logger.kafka.request.logger=WARN
	EOF
	cat >"$STATE/tools-log4j.properties" <<-EOF
		log4j.rootLogger=WARN, err
		log4j.appender.err=org.apache.log4j.ConsoleAppender
		log4j.appender.err.Target=System.err
		log4j.appender.err.layout=org.apache.log4j.PatternLayout
		log4j.appender.err.layout.ConversionPattern=%p %m%n
	EOF
}

# The first start picks the ports and the SASL password, writes the broker's
# configuration and formats the storage with the SCRAM credentials.
prepare() {
	[ -s "$CONF" ] && [ -s "$STATE/data/meta.properties" ] && return 0
	mkdir -p "$STATE"
	rm -rf "$STATE/data"
	PLAIN_PORT=${KAFKA_PORT:-$(free_port)}
	SASL_PORT=${KAFKA_SASL_PORT:-$(free_port)}
	CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$(free_port)}
	printf 'PLAIN_PORT=%s\nSASL_PORT=%s\nCONTROLLER_PORT=%s\n' \
		"$PLAIN_PORT" "$SASL_PORT" "$CONTROLLER_PORT" >"$PORTS"
	(umask 077 && openssl rand -hex 16 >"$SECRET")
	write_log_configs
	local pw jaas_plain
	pw=$(cat "$SECRET")
	jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER=\"$pw\";"
	(umask 077 && cat >"$CONF") <<-EOF
		process.roles=broker,controller
		node.id=1
		controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
		listeners=PLAINTEXT://127.0.0.1:$PLAIN_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
		advertised.listeners=PLAINTEXT://127.0.0.1:$PLAIN_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT
		listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
		controller.listener.names=CONTROLLER
		inter.broker.listener.name=PLAINTEXT
		sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
		listener.name.sasl_plaintext.plain.sasl.jaas.config=$jaas_plain
		listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
		listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
		log.dirs=$STATE/data
		num.partitions=$OTHER_PARTITIONS
		auto.create.topics.enable=true
		offsets.topic.num.partitions=4
		offsets.topic.replication.factor=1
		transaction.state.log.num.partitions=4
		transaction.state.log.replication.factor=1
		transaction.state.log.min.isr=1
		group.initial.rebalance.delay.ms=0
		log.segment.bytes=67108864
		log.retention.hours=24
		num.network.threads=2
		num.io.threads=2
		background.threads=2
		num.recovery.threads.per.data.dir=1
	EOF
	say "formatting KRaft storage in $STATE/data"
	run_class kafka.tools.StorageTool format --config "$CONF" \
		--cluster-id "$(run_class kafka.tools.StorageTool random-uuid 2>/dev/null)" \
		--add-scram "SCRAM-SHA-256=[name=\"$KAFKA_SASL_USER\",password=\"$pw\"]" \
		--add-scram "SCRAM-SHA-512=[name=\"$KAFKA_SASL_USER\",password=\"$pw\"]" \
		>"$STATE/format.log" 2>&1 || { cat "$STATE/format.log" >&2; die "formatting the storage failed"; }
}

# --------------------------------------------------------------- lifecycle

pid_alive() {
	local pid
	[ -s "$PID_FILE" ] || return 1
	pid=$(cat "$PID_FILE")
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Ready once this run of the broker logged that it started and its
# PLAINTEXT port answers.
ready() { # log-offset
	tail -c "+$1" "$LOG" 2>/dev/null | grep -q 'Kafka Server started' &&
		(exec 3<>"/dev/tcp/127.0.0.1/$PLAIN_PORT") 2>/dev/null
}

cmd_start() {
	cmd_fetch
	prepare
	load_ports
	if pid_alive; then
		say "already running (pid $(cat "$PID_FILE"))"
		cmd_env
		return 0
	fi
	local offset deadline
	touch "$LOG"
	offset=$(($(stat -c %s "$LOG") + 1))
	say "starting Apache Kafka on 127.0.0.1:$PLAIN_PORT (PLAINTEXT), 127.0.0.1:$SASL_PORT (SASL)"
	# Its own session, so a terminal's Ctrl-C reaches it only through stop.
	setsid java "-Xmx$KAFKA_HEAP" "-Xms64m" -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dlog4j.configuration="file:$STATE/log4j.properties" -Dkafka.logs.dir="$STATE" \
		-cp "$KAFKA_LIBS/*" kafka.Kafka "$CONF" </dev/null >>"$STATE/stdout.log" 2>&1 &
	echo $! >"$PID_FILE"
	deadline=$((SECONDS + START_TIMEOUT))
	until ready "$offset"; do
		if ! pid_alive; then
			tail -n 30 "$STATE/stdout.log" "$LOG" >&2 || true
			die "the broker exited during start (log: $LOG)"
		fi
		[ $SECONDS -lt "$deadline" ] || die "the broker is not ready after ${START_TIMEOUT}s (log: $LOG)"
		sleep 0.2
	done
	cmd_topics
	cmd_env
}

cmd_stop() {
	if ! pid_alive; then
		rm -f "$PID_FILE"
		return 0
	fi
	local pid
	pid=$(cat "$PID_FILE")
	say "stopping the broker (pid $pid)"
	kill_gracefully "$pid" 300
	rm -f "$PID_FILE"
}

# The service's topics (DESIGN §8) with the partitions dev-kafka gives them
# and order.events as wide as the benchmarks use. The names follow the same
# variables as the service's configuration.
cmd_topics() {
	load_ports
	local t parts rc=0 pids=()
	for t in "${KAFKA_TOPIC_ORDER_EVENTS:-order.events}" \
		"${KAFKA_TOPIC_SHIPPING_REQUESTS:-shipping.requests}" \
		"${KAFKA_TOPIC_SHIPPING_EVENTS:-${KAFKA_TOPIC:-shipping.events}}"; do
		parts=$OTHER_PARTITIONS
		[ "$t" != "${KAFKA_TOPIC_ORDER_EVENTS:-order.events}" ] || parts=$ORDER_PARTITIONS
		run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PLAIN_PORT" \
			--create --if-not-exists --topic "$t" --partitions "$parts" --replication-factor 1 \
			>/dev/null &
		pids+=($!)
	done
	for t in "${pids[@]}"; do wait "$t" || rc=1; done
	[ $rc -eq 0 ] || die "creating the topics failed"
	say "topics ready"
}

emit() { printf 'export %s=%q\n' "$1" "$2"; }

cmd_env() {
	[ -s "$PORTS" ] || die "not started (no $PORTS): run scripts/kafka-broker.sh start"
	load_ports
	emit KAFKA_BOOTSTRAP_SERVERS "127.0.0.1:$PLAIN_PORT"
	emit KAFKA_SASL_BOOTSTRAP_SERVERS "127.0.0.1:$SASL_PORT"
	emit KAFKA_BROKER_SASL_USERNAME "$KAFKA_SASL_USER"
	emit KAFKA_BROKER_SASL_PASSWORD_FILE "$SECRET"
	emit KAFKA_BROKER_DIR "$STATE"
}

cmd_status() {
	if pid_alive; then echo "kafka-broker: running (pid $(cat "$PID_FILE"))"
	else echo "kafka-broker: stopped"; return 3; fi
}

case "${1:-}" in
fetch) cmd_fetch ;;
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
topics) cmd_topics ;;
status) cmd_status ;;
class)
	shift
	[ $# -ge 1 ] || die "usage: $0 class CLASS [ARGS...]"
	cmd_fetch
	mkdir -p "$STATE"
	[ -s "$STATE/tools-log4j.properties" ] || write_log_configs
	run_class "$@"
	;;
*) echo "usage: $0 fetch|start|stop|env|topics|status|class CLASS ARGS..." >&2; exit 2 ;;
esac
