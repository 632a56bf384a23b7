/*
 * The developer's tools: `dev-kafka`, librdkafka's mock cluster with the
 * service's topics, for local runs and tests.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "infrastructure/kafka/dev_kafka.h"

int cmd_dev_kafka(const struct config *cfg, int argc, char **argv)
{
	const char *addr_file = ".data/kafka.addr";
	const char *topics[3] = {cfg->topic_order_events, cfg->topic_shipping_requests,
				 cfg->topic_shipping_events};
	int partitions = 3;
	/* Benchmarks ask for more (DESIGN §11: 16). */
	const char *parts = getenv("DEV_KAFKA_PARTITIONS");

	if (parts != NULL && atoi(parts) >= 1 && atoi(parts) <= 64)
		partitions = atoi(parts);
	if (argc >= 2 && strcmp(argv[0], "--addr-file") == 0)
		addr_file = argv[1];
	return dev_kafka_run(addr_file, topics, 3, partitions, &cmd_stop_requested);
}
