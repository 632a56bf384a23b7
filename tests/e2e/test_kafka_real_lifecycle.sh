#!/usr/bin/env bash
# End-to-end on a real Apache Kafka broker (DESIGN §3): the full order
# lifecycle — created, paid through the payment service's signed callback,
# shipping requested over Kafka, shipped and delivered events consumed back —
# exactly as on the mock cluster, with the idempotent producer writing to real
# partition leaders and the consumer in a real consumer group.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib_kafka_real.sh
source "$HERE/lib_kafka_real.sh"
kafka_real_require
kafka_real_run_scripts "" test_lifecycle_happy.sh test_lifecycle_shipping.sh
