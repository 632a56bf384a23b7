/*
 * The catalog port (app/catalog.h) over the HTTP catalog service:
 * GET {base_url}/{item_id} answering {"id", "name", "price", "available_qty"}.
 * One instance holds one keep-alive curl handle and is used by one thread
 * at a time (one per API thread).
 */
#ifndef OS_HTTP_CATALOG_H
#define OS_HTTP_CATALOG_H

#include "app/catalog.h"
#include "infrastructure/json/json_reader.h"

#define HTTP_CATALOG_BODY_MAX JSON_CATALOG_BYTES_MAX /* larger answers are refused */
#define HTTP_CATALOG_URL_MAX  2048

struct http_catalog_options {
	const char *base_url; /* e.g. "http://catalog:8080/api/items"; copied */
	int timeout_ms;	      /* whole request; <= 0 means 2000 */
};

/*
 * Opens a catalog on o->base_url and fills *out with it. The caller owns it
 * and frees it with http_catalog_close. OS_EINVAL for a missing URL,
 * OS_ENOMEM, OS_EIO when libcurl fails to start.
 */
enum os_status http_catalog_open(const struct http_catalog_options *o, struct catalog *out,
				 struct os_error *err);

/*
 * Decodes a catalog answer body (len bytes, then a NUL: yajl_tree reads C
 * strings) into *out:
 * exact types, a bounded name of printable characters, the price from the
 * number's text, a non-negative integer quantity. Anything else is
 * OS_EUNAVAIL (a broken catalog is unavailable, never "unknown item").
 * *out is written only on success. The fuzz target calls it on any bytes.
 */
enum os_status http_catalog_decode(const char *body, size_t len, struct catalog_item *out,
				   struct os_error *err);

/* Frees what http_catalog_open made; c->ctx becomes NULL. */
void http_catalog_close(struct catalog *c);

#endif
