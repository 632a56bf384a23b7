/*
 * JSON as a yajl tree, for the decoders that want one (the catalog's
 * answers, the outbox rows' headers, order-sim's requests): yajl's tree
 * parser behind the one reader's check (json_reader_check within the
 * caller's json_limits, strict UTF-8), so hostile text can neither exhaust
 * memory nor recurse deep (yajl builds and frees trees recursively).
 */
#ifndef OS_JSON_TREE_H
#define OS_JSON_TREE_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "domain/status.h"
#include "infrastructure/json/json_reader.h"

/*
 * Parses text[0..len) (not necessarily NUL-terminated) into *out when it is
 * one JSON value within lim. The caller frees *out with yajl_tree_free.
 * OS_ETOOBIG past lim->bytes, OS_EINVAL with the reason otherwise; *out is
 * written only on success.
 */
enum os_status json_tree_parse(const struct json_limits *lim, const char *text, size_t len,
			       yajl_val *out, struct os_error *err);

/* The member key of object v, or NULL (also when v is not an object). */
yajl_val json_tree_member(yajl_val v, const char *key);

/* The string member key of object v, or NULL if absent or not a string. */
const char *json_tree_string(yajl_val v, const char *key);

#endif
