/*
 * libcurl setup shared by the HTTP clients: curl_global_init exactly once,
 * whichever thread opens the first client, the options every transfer of
 * theirs has, and the URLs they build on a configured base.
 */
#ifndef OS_HTTP_CURL_H
#define OS_HTTP_CURL_H

#include <curl/curl.h>

#include "domain/status.h"

/* Initialises libcurl once per process; later calls return the first
 * result. OS_EIO when libcurl cannot start. */
enum os_status http_curl_global_init(struct os_error *err);

/* The first step of opening a client of the service at url: OS_EINVAL
 * naming field ("<what> URL is empty") when url is NULL or empty, else
 * http_curl_global_init. */
enum os_status http_curl_client_start(const char *url, const char *field, const char *what,
				      struct os_error *err);

/*
 * A new easy handle with the options every client's transfer has: no
 * signals, no redirects, http and https only, TCP keep-alive, the total and
 * connect timeouts, the body written by write to owner, owner as the
 * handle's private pointer, errbuf (CURL_ERROR_SIZE) for libcurl's message.
 * NULL when libcurl cannot make one.
 */
CURL *http_curl_easy(long timeout_ms, long connect_ms, curl_write_callback write, void *owner,
		     char *errbuf);

/* base without its trailing slashes, then path: a new string the caller
 * frees, or NULL when out of memory. */
char *http_curl_url_join(const char *base, const char *path);

#endif
