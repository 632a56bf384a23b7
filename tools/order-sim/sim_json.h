/*
 * JSON for the simulator: requests are read with the service's bounded
 * trees (infrastructure/json/json_tree.h, json_limits_sim), and a parsed
 * value is re-emitted through the service's JSON writer, so recorded
 * requests can be listed as valid JSON whatever they held.
 */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include "app/json_write.h"
#include "infrastructure/json/json_tree.h"

/* Writes v as member key of w (key NULL: an element or the top value);
 * null for NULL. */
void sim_json_write(struct json_writer *w, const char *key, yajl_val v);

#endif
