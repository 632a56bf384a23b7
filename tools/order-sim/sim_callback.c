/* Signed callback POSTs over libcurl. */
#include "tools/order-sim/sim_callback.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define CALLBACK_TIMEOUT_MS 5000L

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void free_handle(void *h)
{
	curl_easy_cleanup(h);
}

static void make_key(void)
{
	pthread_key_create(&handle_key, free_handle);
}

void sim_callback_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_once(&handle_once, make_key);
}

/* This thread's handle, reset for a new transfer; NULL if curl fails. */
static CURL *thread_handle(void)
{
	CURL *h;

	pthread_once(&handle_once, make_key);
	h = pthread_getspecific(handle_key);
	if (h != NULL) {
		curl_easy_reset(h);
		return h;
	}
	h = curl_easy_init();
	if (h != NULL && pthread_setspecific(handle_key, h) != 0) {
		curl_easy_cleanup(h);
		return NULL;
	}
	return h;
}

void sim_callback_sign(const char *secret, const char *body, size_t len,
		       char out[SIM_SIGNATURE_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md,
	     &mdlen);
	for (i = 0; i < mdlen && i < SIM_SIGNATURE_HEX / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
}

/* The answer's body is not needed: drop it. */
static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

enum os_status sim_callback_post(const char *url, const char *secret, const char *body, size_t len,
				 long *http_status, struct os_error *err)
{
	char sig_header[32 + SIM_SIGNATURE_HEX], sig[SIM_SIGNATURE_HEX + 1];
	struct curl_slist *headers = NULL, *tmp;
	enum os_status st = OS_OK;
	CURL *h = thread_handle();
	CURLcode rc;
	long code = 0;

	*http_status = 0;
	if (h == NULL)
		return os_fail(err, OS_EAGAIN, NULL, "curl_easy_init failed");
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (secret[0] != '\0' && headers != NULL) {
		sim_callback_sign(secret, body, len, sig);
		snprintf(sig_header, sizeof(sig_header), "X-Signature: sha256=%s", sig);
		tmp = curl_slist_append(headers, sig_header);
		headers = tmp ? tmp : headers;
		if (tmp == NULL) {
			st = os_fail(err, OS_EAGAIN, NULL, "out of memory");
			goto out;
		}
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, CALLBACK_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		st = os_fail(err, OS_EAGAIN, NULL, "%s", curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	*http_status = code;
	if (code < 200 || code > 299)
		st = os_fail(err, OS_EAGAIN, NULL, "callback answered %ld", code);
out:
	/* The handle outlives the list: detach it before freeing. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return st;
}
