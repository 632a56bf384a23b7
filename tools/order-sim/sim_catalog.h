/*
 * The simulated catalog: a fixed seed list of items served as
 * GET /catalog/items/{id}. Lookups never change stock.
 */
#ifndef SIM_CATALOG_H
#define SIM_CATALOG_H

#include "sim_http.h"

/* Route handler for GET /catalog/items/{id}; ctx is unused. */
void sim_catalog_get(void *ctx, const struct sim_request *req, struct sim_reply *rep);

#endif
