/* One-time libcurl initialisation, the common options of a transfer and
 * URLs joined on a configured base. */
#include "infrastructure/httpclient/http_curl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static pthread_once_t http_curl_once = PTHREAD_ONCE_INIT;
static CURLcode http_curl_init_rc = CURLE_FAILED_INIT;

static void http_curl_init_once(void)
{
	http_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum os_status http_curl_global_init(struct os_error *err)
{
	pthread_once(&http_curl_once, http_curl_init_once);
	if (http_curl_init_rc != CURLE_OK)
		return os_fail(err, OS_EIO, NULL, "libcurl init failed: %s",
			       curl_easy_strerror(http_curl_init_rc));
	return OS_OK;
}

enum os_status http_curl_client_start(const char *url, const char *field, const char *what,
				      struct os_error *err)
{
	if (url == NULL || url[0] == '\0')
		return os_fail(err, OS_EINVAL, field, "%s URL is empty", what);
	return http_curl_global_init(err);
}

CURL *http_curl_easy(long timeout_ms, long connect_ms, curl_write_callback write, void *owner,
		     char *errbuf)
{
	CURL *easy = curl_easy_init();

	if (easy == NULL)
		return NULL;
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, owner);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)owner);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	return easy;
}

char *http_curl_url_join(const char *base, const char *path)
{
	size_t n = strlen(base), cap;
	char *u;

	while (n > 0 && base[n - 1] == '/')
		n--;
	cap = n + strlen(path) + 1;
	u = malloc(cap);
	if (u != NULL)
		snprintf(u, cap, "%.*s%s", (int)n, base, path);
	return u;
}
