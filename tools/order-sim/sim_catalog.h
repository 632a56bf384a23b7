/*
 * The simulated catalog: a fixed seed list of items served as
 * GET /catalog/items/{id}. Lookups never change stock.
 */
#ifndef SIM_CATALOG_H
#define SIM_CATALOG_H

#include "tools/order-sim/sim_http.h"

/* Latency injection: every answer is held latency_ms (0 = none). Set from
 * --catalog-latency-ms and POST /_sim/catalog/latency?ms=N; loop thread only. */
struct sim_catalog {
	int latency_ms;
};

/* Route handler for GET /catalog/items/{id}; ctx is a struct sim_catalog.
 * Besides the seed items, item-1 .. item-1000 exist (for benchmarks). */
void sim_catalog_get(void *ctx, const struct sim_request *req, struct sim_reply *rep);

/* POST /_sim/catalog/latency?ms=N (0..600000; 600000 is "never answers"
 * for any client with a sane timeout). */
void sim_catalog_set_latency(void *ctx, const struct sim_request *req, struct sim_reply *rep);

#endif
