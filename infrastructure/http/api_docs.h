/*
 * The API's documentation routes (DESIGN §4): the OpenAPI document at
 * /api/openapi.json, Swagger UI at /api/docs and ReDoc at /api/redoc. Their
 * files (the document converted from docs/openapi.yaml, the viewers' assets
 * from npm, built by CMake into <build>/docs and installed under
 * share/order-service/docs) are read into memory once at start, so serving
 * them never touches the disk on an event loop.
 */
#ifndef OS_API_DOCS_H
#define OS_API_DOCS_H

#include <stddef.h>

#include "domain/status.h"
#include "infrastructure/http/api_routes.h"

/*
 * The documentation directory: $DOCS_DIR when set; else docs/ beside the
 * executable (the build tree); else ../share/order-service/docs from it (an
 * installed tree). Writes the path to out (cap bytes); returns out, or NULL
 * when no candidate holds openapi.json.
 */
const char *api_docs_find_dir(char *out, size_t cap);

/*
 * Reads every documentation file from dir into memory. Call once, before
 * the server's threads start; the contents are read-only afterwards. A
 * missing or unreadable file is OS_ENOTFOUND/OS_EIO naming it (the others
 * are still loaded); its route answers 503 until a restart finds it.
 */
enum os_status api_docs_load(const char *dir, struct os_error *err);

/* Frees what api_docs_load read. */
void api_docs_release(void);

/* The routes: the document, each viewer's page and its assets. */
api_handler_fn api_docs_openapi;
api_handler_fn api_docs_swagger;
api_handler_fn api_docs_swagger_asset;
api_handler_fn api_docs_redoc;
api_handler_fn api_docs_redoc_asset;

#endif
