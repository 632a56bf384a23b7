/* One-time libcurl initialisation. */
#include "http_curl.h"

#include <pthread.h>

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
