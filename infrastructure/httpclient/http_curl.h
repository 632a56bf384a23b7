/*
 * Process-wide libcurl setup shared by the HTTP clients: curl_global_init
 * exactly once, whichever thread opens the first client.
 */
#ifndef OS_HTTP_CURL_H
#define OS_HTTP_CURL_H

#include "domain/status.h"

/* Initialises libcurl once per process; later calls return the first
 * result. OS_EIO when libcurl cannot start. */
enum os_status http_curl_global_init(struct os_error *err);

#endif
