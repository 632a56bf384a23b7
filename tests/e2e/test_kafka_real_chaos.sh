#!/usr/bin/env bash
# The short chaos campaign (DESIGN §13) on a real Apache Kafka broker: what
# `make chaos` does with 20,000 orders (tests/chaos/run.sh), here with
# CHAOS_ORDERS orders (default 600) and each fault once — every process kind
# SIGKILLed, PostgreSQL restarted, the broker stopped for 10 s, the payment
# service failing half its calls — followed by the checks of §13. It uses the
# suite's broker (stopping and starting it) and a PostgreSQL cluster of its
# own, since it restarts it.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh"
kafka_real_require
CHAOS_ORDERS=${CHAOS_ORDERS:-600} CHAOS_KILLS=${CHAOS_KILLS:-0} CHAOS_SETTLE_SECONDS=${CHAOS_SETTLE_SECONDS:-150} \
	KAFKA_REAL_DATA_DIR=$KAFKA_REAL_DATA_DIR exec bash "$KR_ROOT/tests/chaos/run.sh"
