/*
 * The HTTP catalog client. Every answer is hostile until checked: bounded
 * size, bounded depth, exact types, price parsed from the number's own text
 * (never through a double). Anything but a clean 200 or a 404 is "catalog
 * unavailable", so that a broken catalog never reads as an unknown item.
 */
#include "http_catalog.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "domain/money.h"
#include "http_curl.h"
#include "http_json.h"

#define CATALOG_DEFAULT_TIMEOUT_MS 2000
#define CATALOG_JSON_DEPTH	   16
#define CATALOG_QTY_DIGITS_MAX	   18

struct http_catalog {
	CURL *easy;
	struct curl_slist *headers;
	char *base_url;
	size_t base_len; /* without a trailing '/' */
	int timeout_ms;
	char body[HTTP_CATALOG_BODY_MAX + 1];
	size_t body_len;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

/* Collects the answer; refusing the excess ends the transfer early. */
static size_t catalog_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_catalog *c = arg;
	size_t n = size * nmemb;

	if (n > HTTP_CATALOG_BODY_MAX - c->body_len) {
		c->too_big = true;
		return 0;
	}
	memcpy(c->body + c->body_len, p, n);
	c->body_len += n;
	return n;
}

static enum os_status catalog_build_url(struct http_catalog *c, const char *item_id, char *url,
					struct os_error *err)
{
	char *esc = curl_easy_escape(c->easy, item_id, 0);
	int n;

	if (esc == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot escape item id");
	n = snprintf(url, HTTP_CATALOG_URL_MAX, "%.*s/%s", (int)c->base_len, c->base_url, esc);
	curl_free(esc);
	if (n < 0 || n >= HTTP_CATALOG_URL_MAX)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog URL too long");
	return OS_OK;
}

/* Runs the GET; on OS_OK *status is the HTTP status and c->body the answer. */
static enum os_status catalog_fetch(struct http_catalog *c, const char *url, long *status,
				    struct os_error *err)
{
	CURLcode rc;

	c->body_len = 0;
	c->too_big = false;
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	rc = curl_easy_perform(c->easy);
	if (c->too_big)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog answer larger than %d bytes",
			       HTTP_CATALOG_BODY_MAX);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog timeout after %d ms",
			       c->timeout_ms);
	if (rc != CURLE_OK)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog unreachable: %s",
			       c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
	c->body[c->body_len] = '\0';
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, status);
	return OS_OK;
}

/* A non-negative integer from the number's text: digits only. */
static bool catalog_parse_qty(yajl_val v, int64_t *out)
{
	const char *s;
	int64_t q = 0;
	size_t i, len;

	if (!YAJL_IS_NUMBER(v))
		return false;
	s = YAJL_GET_NUMBER(v);
	len = strlen(s);
	if (len == 0 || len > CATALOG_QTY_DIGITS_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		q = q * 10 + (s[i] - '0');
	}
	*out = q;
	return true;
}

/* Price as "350.00" or 350.00: either way the text goes to money_parse. */
static bool catalog_parse_price(yajl_val v, int64_t *out)
{
	const char *s;

	if (YAJL_IS_STRING(v))
		s = YAJL_GET_STRING(v);
	else if (YAJL_IS_NUMBER(v))
		s = YAJL_GET_NUMBER(v);
	else
		return false;
	return money_parse(s, strlen(s), out) == OS_OK;
}

static bool catalog_parse_name(yajl_val v, char *out)
{
	const char *s;
	size_t i, len;

	if (!YAJL_IS_STRING(v))
		return false;
	s = YAJL_GET_STRING(v);
	len = strlen(s);
	if (len == 0 || len > ORDER_ITEM_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	memcpy(out, s, len + 1);
	return true;
}

static enum os_status catalog_decode(const struct http_catalog *c, struct catalog_item *out,
				     struct os_error *err)
{
	return http_catalog_decode(c->body, c->body_len, out, err);
}

enum os_status http_catalog_decode(const char *body, size_t len, struct catalog_item *out,
				   struct os_error *err)
{
	struct catalog_item item;
	struct os_error perr;
	enum os_status st;
	yajl_val root = NULL, id;

	os_error_clear(&perr);
	st = http_json_parse(body, len, HTTP_CATALOG_BODY_MAX, CATALOG_JSON_DEPTH, &root, &perr);
	if (st != OS_OK) {
		st = os_fail(err, OS_EUNAVAIL, NULL, "catalog answer: %s", perr.message);
		goto out;
	}
	st = OS_EUNAVAIL;
	id = http_json_member(root, "id");
	if (!YAJL_IS_STRING(id) && !YAJL_IS_INTEGER(id)) {
		os_fail(err, st, NULL, "catalog answer: id missing or not a string");
		goto out;
	}
	if (!catalog_parse_name(http_json_member(root, "name"), item.name)) {
		os_fail(err, st, NULL, "catalog answer: bad name");
		goto out;
	}
	if (!catalog_parse_price(http_json_member(root, "price"), &item.price_cents)) {
		os_fail(err, st, NULL, "catalog answer: bad price");
		goto out;
	}
	if (!catalog_parse_qty(http_json_member(root, "available_qty"), &item.available_qty)) {
		os_fail(err, st, NULL, "catalog answer: bad available_qty");
		goto out;
	}
	*out = item;
	st = OS_OK;
out:
	yajl_tree_free(root);
	return st;
}

static enum os_status catalog_http_get(void *ctx, const char *item_id, struct catalog_item *out,
				       struct os_error *err)
{
	struct http_catalog *c = ctx;
	char url[HTTP_CATALOG_URL_MAX];
	enum os_status st;
	long status = 0;

	st = catalog_build_url(c, item_id, url, err);
	if (st != OS_OK)
		return st;
	st = catalog_fetch(c, url, &status, err);
	if (st != OS_OK)
		return st;
	if (status == 404)
		return os_fail(err, OS_ENOTFOUND, "item_id", "item %s not found", item_id);
	if (status != 200)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog answered HTTP %ld", status);
	return catalog_decode(c, out, err);
}

static const struct catalog_ops http_catalog_ops = {.get = catalog_http_get};

static enum os_status catalog_setup_easy(struct http_catalog *c, struct os_error *err)
{
	c->easy = curl_easy_init();
	c->headers = curl_slist_append(NULL, "Accept: application/json");
	if (c->easy == NULL || c->headers == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot create a curl handle");
	curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, catalog_write);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	return OS_OK;
}

static void catalog_free(struct http_catalog *c)
{
	if (c == NULL)
		return;
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	free(c->base_url);
	free(c);
}

enum os_status http_catalog_open(const struct http_catalog_options *o, struct catalog *out,
				 struct os_error *err)
{
	struct http_catalog *c = NULL;
	enum os_status st;

	if (o->base_url == NULL || o->base_url[0] == '\0')
		return os_fail(err, OS_EINVAL, "CATALOG_SERVICE_API_URL", "catalog URL is empty");
	st = http_curl_global_init(err);
	if (st != OS_OK)
		return st;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->base_url = strdup(o->base_url)) == NULL) {
		st = os_fail(err, OS_ENOMEM, NULL, "cannot allocate the catalog client");
		goto out;
	}
	c->base_len = strlen(c->base_url);
	while (c->base_len > 0 && c->base_url[c->base_len - 1] == '/')
		c->base_len--;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CATALOG_DEFAULT_TIMEOUT_MS;
	st = catalog_setup_easy(c, err);
	if (st != OS_OK)
		goto out;
	out->ops = &http_catalog_ops;
	out->ctx = c;
	c = NULL;
out:
	catalog_free(c);
	return st;
}

void http_catalog_close(struct catalog *c)
{
	catalog_free(c->ctx);
	c->ctx = NULL;
}
