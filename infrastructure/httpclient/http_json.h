/*
 * Bounded JSON parsing for the HTTP clients: yajl's tree parser behind the
 * one JSON reader's check (infrastructure/json: json_limits_peer with the
 * caller's size and depth, strict UTF-8), so a hostile answer can neither
 * exhaust memory nor recurse deep (yajl frees trees recursively).
 */
#ifndef OS_HTTP_JSON_H
#define OS_HTTP_JSON_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "domain/status.h"

/*
 * Parses text[0..len) (text[len] must be NUL) into *out when it is at most
 * max_len bytes, nests at most max_depth (<= 32) deep and is strict UTF-8.
 * The caller frees *out with yajl_tree_free. OS_ETOOBIG past max_len,
 * OS_EINVAL with the reason otherwise; *out is written only on success.
 */
enum os_status http_json_parse(const char *text, size_t len, size_t max_len, int max_depth,
			       yajl_val *out, struct os_error *err);

/* The member key of object v, or NULL (also when v is not an object). */
yajl_val http_json_member(yajl_val v, const char *key);

#endif
