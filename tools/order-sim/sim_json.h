/*
 * JSON in and out for the simulator: a guarded front door to yajl's tree
 * parser (the service's JSON reader checks the text within json_limits_peer
 * before yajl sees it, because yajl frees trees recursively) and a
 * re-emission of a parsed value through the service's JSON writer,
 * so recorded requests can be listed as valid JSON whatever they held.
 */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "app/sbuf.h"
#include "domain/status.h"

/*
 * Parses len bytes of text. On success *out owns a tree the caller frees with
 * yajl_tree_free(). OS_ETOOBIG past json_limits_peer's size, OS_EINVAL for
 * bad, not strict UTF-8 or too deeply nested JSON (detail in err).
 */
enum os_status sim_json_parse(const char *text, size_t len, yajl_val *out, struct os_error *err);

/* The string member key of object obj, or NULL if absent or not a string. */
const char *sim_json_str(yajl_val obj, const char *key);

/* The member key of object obj whatever its type, or NULL. */
yajl_val sim_json_get(yajl_val obj, const char *key);

/* Appends v as JSON text (null for NULL). */
void sim_json_emit(struct sbuf *sb, yajl_val v);

#endif
