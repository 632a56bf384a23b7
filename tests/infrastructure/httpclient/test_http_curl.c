/*
 * The libcurl setup the HTTP clients share (infrastructure/httpclient/
 * http_curl.c), without a transfer leaving the machine: URLs joined on a
 * base (its trailing slashes dropped, the path kept as given), a client
 * refused before it starts when its URL is missing or empty (the field and
 * what named), libcurl initialised once, and a transfer handle that carries
 * its owner and refuses any scheme but http and https (shown with a file:
 * URL, which is refused before anything is opened).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "infrastructure/httpclient/http_curl.h"
#include "tests/support/test_main.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static void test_url_join(void **state)
{
	static const struct {
		const char *base, *path, *want;
	} cases[] = {
	    {"http://h:8080", "/items/x", "http://h:8080/items/x"},
	    {"http://h:8080/", "/items/x", "http://h:8080/items/x"},
	    {"http://h:8080///", "/items/x", "http://h:8080/items/x"},
	    {"http://h/api/v1/", "/cancel", "http://h/api/v1/cancel"},
	    {"http://h", "/", "http://h/"}, /* the catalog's base */
	    {"http://h/", "/", "http://h/"},
	    {"http://h/", "//x", "http://h//x"},    /* the path's slashes are its own */
	    {"http://h", "items", "http://hitems"}, /* no slash is added */
	    {"http://h/a//b//", "/c", "http://h/a//b/c"},
	    {"http://h/a", "/c?next=/d/", "http://h/a/c?next=/d/"},
	    {"http://h/", "", "http://h"},
	    {"http://h", "", "http://h"},
	    {"", "/x", "/x"},
	    {"/", "/x", "/x"},
	    {"///", "", ""},
	    {"", "", ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		char *got = http_curl_url_join(cases[i].base, cases[i].path);

		if (got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\" + \"%s\" gave \"%s\", want \"%s\"", i,
				 cases[i].base, cases[i].path, got ? got : "(null)", cases[i].want);
		free(got);
	}
}

/* A base far longer than any fixed buffer is joined whole. */
static void test_url_join_long(void **state)
{
	enum { N = 5000 };
	char *base = malloc(N + 4);
	char *got;
	size_t i;

	(void)state;
	assert_non_null(base);
	memset(base, 'a', N);
	memcpy(base + N, "///", 4);
	got = http_curl_url_join(base, "/p");
	assert_non_null(got);
	assert_int_equal(strlen(got), N + 2);
	for (i = 0; i < N; i++)
		assert_int_equal(got[i], 'a');
	assert_string_equal(got + N, "/p");
	free(got);
	free(base);
}

static void test_client_start_refuses_no_url(void **state)
{
	static const struct {
		const char *url, *field, *what, *message;
	} cases[] = {
	    {NULL, "CATALOG_SERVICE_API_URL", "catalog", "catalog URL is empty"},
	    {"", "CATALOG_SERVICE_API_URL", "catalog", "catalog URL is empty"},
	    {"", "url", "service", "service URL is empty"},
	    {NULL, "url", "payments", "payments URL is empty"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		struct os_error err;
		enum os_status st;

		os_error_clear(&err);
		st = http_curl_client_start(cases[i].url, cases[i].field, cases[i].what, &err);
		if (st != OS_EINVAL)
			fail_msg("case %zu: status %s", i, os_status_name(st));
		assert_string_equal(err.field, cases[i].field);
		assert_string_equal(err.message, cases[i].message);
		/* no detail wanted: the status alone */
		assert_int_equal(
		    http_curl_client_start(cases[i].url, cases[i].field, cases[i].what, NULL),
		    OS_EINVAL);
	}
}

static void test_client_start_and_init(void **state)
{
	static const char *const urls[] = {"http://catalog:8080", "https://pay.example/api/"};
	struct os_error err;
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(urls); i++) {
		os_error_clear(&err);
		if (http_curl_client_start(urls[i], "url", "service", &err) != OS_OK)
			fail_msg("case %zu (%s): %s", i, urls[i], err.message);
	}
	/* once per process: later calls answer the first result */
	assert_int_equal(http_curl_global_init(&err), OS_OK);
	assert_int_equal(http_curl_global_init(NULL), OS_OK);
}

static size_t discard(char *data, size_t size, size_t n, void *owner)
{
	(void)data;
	(void)owner;
	return size * n;
}

static bool libcurl_speaks(const char *protocol)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *const *p;

	for (p = v->protocols; *p != NULL; p++) {
		if (strcmp(*p, protocol) == 0)
			return true;
	}
	return false;
}

static void test_easy_owner_and_schemes(void **state)
{
	static const char *const refused[] = {"file:///nonexistent/order-service-test",
					      "FILE:///nonexistent/order-service-test"};
	char errbuf[CURL_ERROR_SIZE];
	int owner;
	size_t i;

	(void)state;
	assert_int_equal(http_curl_global_init(NULL), OS_OK);
	/* Only a libcurl that could read file: URLs shows that the refusal is
	 * the handle's. */
	assert_true(libcurl_speaks("file"));
	for (i = 0; i < NCASES(refused); i++) {
		CURL *easy = http_curl_easy(1000, 500, discard, &owner, errbuf);
		char *priv = NULL;
		CURLcode rc;

		assert_non_null(easy);
		assert_int_equal(curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv), CURLE_OK);
		assert_ptr_equal(priv, (char *)&owner);
		errbuf[0] = '\0';
		assert_int_equal(curl_easy_setopt(easy, CURLOPT_URL, refused[i]), CURLE_OK);
		rc = curl_easy_perform(easy);
		if (rc != CURLE_UNSUPPORTED_PROTOCOL)
			fail_msg("case %zu (%s): %s", i, refused[i], curl_easy_strerror(rc));
		assert_true(errbuf[0] != '\0'); /* libcurl's message went to errbuf */
		curl_easy_cleanup(easy);
	}
}

/* Once the cases ran: what they made curl set up globally goes. */
static int global_cleanup(void **state)
{
	(void)state;
	curl_global_cleanup();
	return 0;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_url_join),
    cmocka_unit_test(test_url_join_long),
    cmocka_unit_test(test_client_start_refuses_no_url),
    cmocka_unit_test(test_client_start_and_init),
    cmocka_unit_test(test_easy_owner_and_schemes),
};

TEST_MAIN(tests, NULL, global_cleanup);
