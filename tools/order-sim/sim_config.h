/*
 * Settings of order-sim: the command line, with a few values also taken from
 * the environment (KAFKA_BOOTSTRAP_SERVERS, PAYMENTS_CALLBACK_SECRET, and the
 * service's Kafka security variables, so that both reach one secured cluster). Rates
 * are fractions given as text ("0.25") and kept as parts per million so that
 * no floating point is involved in deciding an outcome.
 */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/status.h"
#include "infrastructure/kafka/kafka_security.h"

#define SIM_PPM 1000000u

struct sim_config {
	char host[64];
	int port;	  /* 0 picks an ephemeral port */
	char kafka[512];  /* "" turns the shipping part off */
	char secret[256]; /* "" sends unsigned callbacks */
	int payment_delay_ms;
	uint32_t payment_fail_ppm;
	uint32_t payment_error_ppm; /* answered 500/503 */
	uint32_t payment_timeout_ppm;
	int payment_latency_ms;
	int catalog_latency_ms; /* every catalog answer held this long */
	int shipping_delay_ms;
	uint32_t shipping_fail_ppm;
	char topic_requests[128];
	char topic_events[128];
	char group[128];
	struct kafka_security
	    kafka_security; /* KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, ... as the service */
	uint64_t seed;	    /* 0 = seeded from the clock */
	bool help;
};

/* Fills cfg with the defaults, then the environment, then argv. On failure
 * returns OS_EINVAL with the offending option in err; cfg is then unusable. */
enum os_status sim_config_load(struct sim_config *cfg, int argc, char **argv, struct os_error *err);

/* Parses a fraction "0", "1", "0.05", "1.0" (at most six decimals) into
 * parts per million. *ppm is written only on success. */
enum os_status sim_config_parse_rate(const char *s, uint32_t *ppm);

/* Prints the usage text on stdout. */
void sim_config_usage(void);

#endif
