/*
 * JSON for the simulator: requests are read with the service's bounded
 * trees (infrastructure/json/json_tree.h, json_limits_sim), and a parsed
 * value is re-emitted through the service's JSON writer, so recorded
 * requests can be listed as valid JSON whatever they held.
 */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include "app/sbuf.h"
#include "infrastructure/json/json_tree.h"

/* Appends v as JSON text (null for NULL). */
void sim_json_emit(struct sbuf *sb, yajl_val v);

#endif
