#!/usr/bin/env bash
# End-to-end on a real Apache Kafka broker (DESIGN §7, §8): the Kafka relay
# SIGKILLed in the middle of a backlog loses nothing (every event id reaches
# the topic, repeats of the batch in flight counted), and the shipping
# consumer SIGKILLed before its offset commit applies nothing twice (the
# redelivered events are inbox duplicates).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh"
kafka_real_require
kafka_real_run_scripts "" test_relay_crash.sh test_lifecycle_crash.sh
