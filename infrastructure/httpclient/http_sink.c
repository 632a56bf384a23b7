/*
 * The HTTP outbox sink. A batch is pushed through a fixed pool of curl easy
 * handles on one multi handle: up to max_parallel requests in flight, each
 * finished handle taking the next row. Handles and the multi's connection
 * cache live as long as the sink, so keep-alive connections carry over from
 * batch to batch.
 */
#include "infrastructure/httpclient/http_sink.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "domain/decimal.h"
#include "infrastructure/crypto/hmac.h"
#include "infrastructure/httpclient/http_curl.h"
#include "infrastructure/json/json_tree.h"

#define SINK_DEFAULT_TIMEOUT_MS	    5000
#define SINK_DEFAULT_PARALLEL	    8
#define SINK_CONNECT_TIMEOUT_MAX_MS 3000
#define SINK_HEADER_VALUE_MAX	    128
#define SINK_EXCERPT_MAX	    96 /* bytes of an error answer kept for last_error */
#define SINK_POLL_MS		    200
#define SINK_RETRY_AFTER_MAX_S	    3600 /* the longest Retry-After honoured */

struct sink_slot {
	CURL *easy;
	struct curl_slist *headers; /* of the request in flight */
	size_t row;
	bool busy;
	size_t received;
	bool too_big;
	char excerpt[SINK_EXCERPT_MAX + 1];
	size_t excerpt_len;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_sink {
	CURLM *multi;
	char *url;
	char *url_cancel;     /* url + "/cancel": payment.cancel rows */
	char *url_refunds;    /* url + "/refunds": payment.refund rows */
	char *api_key_header; /* "X-API-Key: ..." or NULL */
	char *signing_secret; /* X-Signature key, or NULL */
	int timeout_ms;
	int max_parallel;
	struct sink_slot slots[HTTP_SINK_PARALLEL_MAX];
};

/* Keeps the start of the answer for error text and drops the rest. */
static size_t sink_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink_slot *s = arg;
	size_t n = size * nmemb, keep;

	if (n > HTTP_SINK_RESPONSE_MAX - s->received) {
		s->too_big = true;
		return 0;
	}
	s->received += n;
	keep = SINK_EXCERPT_MAX - s->excerpt_len;
	if (keep > n)
		keep = n;
	memcpy(s->excerpt + s->excerpt_len, p, keep);
	s->excerpt_len += keep;
	return n;
}

/* Values copied into a header must not be able to end it: visible ASCII
 * only, bounded. */
static bool sink_header_value_ok(const char *v)
{
	size_t i, len = strlen(v);

	if (len == 0 || len > SINK_HEADER_VALUE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return false;
	return true;
}

static bool sink_add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[SINK_HEADER_VALUE_MAX + 64];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	l = curl_slist_append(*list, line);
	if (l == NULL)
		return false;
	*list = l;
	return true;
}

/* Adds X-Request-Id and traceparent from the row's headers JSON; a row
 * whose headers do not parse is still delivered, just without them. */
static bool sink_add_trace_headers(struct curl_slist **list, const struct outbox_row *row)
{
	yajl_val root = NULL, v;
	bool ok = true;

	if (row->headers == NULL || json_tree_parse(&json_limits_headers, row->headers,
						    row->headers_len, &root, NULL) != OS_OK)
		return true;
	v = json_tree_member(root, "request_id");
	if (YAJL_IS_STRING(v) && sink_header_value_ok(YAJL_GET_STRING(v)))
		ok = sink_add_header(list, "X-Request-Id", YAJL_GET_STRING(v));
	v = json_tree_member(root, "traceparent");
	if (ok && YAJL_IS_STRING(v) && sink_header_value_ok(YAJL_GET_STRING(v)))
		ok = sink_add_header(list, "traceparent", YAJL_GET_STRING(v));
	yajl_tree_free(root);
	return ok;
}

/* X-Signature: sha256=<hex HMAC-SHA256 of the body>, as the payment
 * service signs its callbacks; none without a secret. */
static bool sink_add_signature(struct curl_slist **list, const struct http_sink *k,
			       const struct outbox_row *row)
{
	char hex[CRYPTO_SHA256_HEX_LEN + 1], value[CRYPTO_SHA256_HEX_LEN + 8];

	if (k->signing_secret == NULL)
		return true;
	crypto_hmac_sha256_hex(k->signing_secret, strlen(k->signing_secret), row->payload,
			       row->payload_len, hex);
	snprintf(value, sizeof(value), "sha256=%s", hex);
	return sink_add_header(list, "X-Signature", value);
}

static struct curl_slist *sink_build_headers(const struct http_sink *k,
					     const struct outbox_row *row)
{
	char id[UUID_STR_LEN + 1];
	struct curl_slist *list = NULL;
	bool ok;

	uuid_format(&row->event_id, id);
	ok = sink_add_header(&list, "Content-Type", "application/json") &&
	     sink_add_header(&list, "Idempotency-Key", id) &&
	     (list = curl_slist_append(list, "Expect:")) != NULL &&
	     (k->api_key_header == NULL ||
	      (list = curl_slist_append(list, k->api_key_header)) != NULL) &&
	     sink_add_trace_headers(&list, row) && sink_add_signature(&list, k, row);
	if (!ok) {
		curl_slist_free_all(list);
		return NULL;
	}
	return list;
}

static void sink_fail_row(struct outbox_result *r, enum outbox_delivery d, const char *why)
{
	r->delivery = d;
	snprintf(r->error, sizeof(r->error), "%s", why);
}

/* Where a row goes: the payment service takes cancellations and refunds
 * on their own paths (DESIGN §8); everything else goes to the URL. */
static const char *sink_row_url(const struct http_sink *k, const struct outbox_row *row)
{
	if (strcmp(row->type, OUTBOX_TYPE_PAYMENT_CANCEL) == 0)
		return k->url_cancel;
	if (strcmp(row->type, OUTBOX_TYPE_PAYMENT_REFUND) == 0)
		return k->url_refunds;
	return k->url;
}

/* Puts row i on slot s. False when it could not start (the row's result
 * says why). */
static bool sink_start(struct http_sink *k, struct sink_slot *s, const struct outbox_batch *b,
		       size_t i, struct outbox_result *results)
{
	const struct outbox_row *row = &b->rows[i];

	s->headers = sink_build_headers(k, row);
	if (s->headers == NULL) {
		sink_fail_row(&results[i], OUTBOX_RETRY, "out of memory building headers");
		return false;
	}
	s->row = i;
	s->received = 0;
	s->too_big = false;
	s->excerpt_len = 0;
	s->errbuf[0] = '\0';
	curl_easy_setopt(s->easy, CURLOPT_URL, sink_row_url(k, row));
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, row->payload != NULL ? row->payload : "");
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)(row->payload != NULL ? row->payload_len : 0));
	if (curl_multi_add_handle(k->multi, s->easy) != CURLM_OK) {
		curl_slist_free_all(s->headers);
		s->headers = NULL;
		sink_fail_row(&results[i], OUTBOX_RETRY, "cannot start the request");
		return false;
	}
	s->busy = true;
	return true;
}

/* The answer's first bytes made printable, for the error text. */
static void sink_excerpt(struct sink_slot *s)
{
	size_t i;

	for (i = 0; i < s->excerpt_len; i++)
		if ((unsigned char)s->excerpt[i] < 0x20 || (unsigned char)s->excerpt[i] >= 0x7f)
			s->excerpt[i] = ' ';
	s->excerpt[s->excerpt_len] = '\0';
}

/*
 * The wait a retryable answer asks for with Retry-After (RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date), in microseconds, at most
 * SINK_RETRY_AFTER_MAX_S (a hostile answer cannot park a row for years);
 * 0 when there is none, it is not readable or it is already past.
 */
static int64_t sink_retry_after_us(CURL *easy)
{
	struct curl_header *h = NULL;
	const char *v;
	int64_t secs = 0;

	if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
	    h == NULL || h->value == NULL)
		return 0;
	v = h->value;
	if (v[0] >= '0' && v[0] <= '9') {
		if (!decimal_parse(v, strlen(v), 0, INT64_MAX, &secs))
			return 0;
	} else {
		time_t at = curl_getdate(v, NULL);

		if (at == (time_t)-1)
			return 0;
		secs = (int64_t)at - (int64_t)time(NULL);
	}
	if (secs <= 0)
		return 0;
	if (secs > SINK_RETRY_AFTER_MAX_S)
		secs = SINK_RETRY_AFTER_MAX_S;
	return secs * 1000000;
}

static void sink_classify_status(struct sink_slot *s, long status, struct outbox_result *r)
{
	enum outbox_delivery d;

	if (status >= 200 && status < 300) {
		r->delivery = OUTBOX_SENT;
		r->error[0] = '\0';
		return;
	}
	d = (status == 408 || status == 429 || status >= 500 || status < 100) ? OUTBOX_RETRY
									      : OUTBOX_PERMANENT;
	sink_excerpt(s);
	r->delivery = d;
	if (d == OUTBOX_RETRY)
		r->retry_after_us = sink_retry_after_us(s->easy);
	snprintf(r->error, sizeof(r->error), "HTTP %ld%s%s", status, s->excerpt_len ? ": " : "",
		 s->excerpt);
}

/* Turns a finished transfer into the row's verdict. */
static void sink_classify(const struct http_sink *k, struct sink_slot *s, CURLcode rc,
			  struct outbox_result *r)
{
	long status = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && s->too_big && status > 0)) {
		sink_classify_status(s, status, r);
		return;
	}
	r->delivery = OUTBOX_RETRY;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(r->error, sizeof(r->error), "timeout after %d ms", k->timeout_ms);
	else
		snprintf(r->error, sizeof(r->error), "connection failed: %.200s",
			 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
}

static void sink_finish_slot(struct http_sink *k, struct sink_slot *s)
{
	curl_multi_remove_handle(k->multi, s->easy);
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	s->busy = false;
}

/* Records every finished transfer; returns how many slots came free. */
static int sink_collect(struct http_sink *k, struct outbox_result *results)
{
	struct sink_slot *s;
	char *priv;
	CURLMsg *m;
	int left, freed = 0;

	while ((m = curl_multi_info_read(k->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		s = (struct sink_slot *)(void *)priv;
		if (s == NULL || !s->busy)
			continue;
		sink_classify(k, s, m->data.result, &results[s->row]);
		sink_finish_slot(k, s);
		freed++;
	}
	return freed;
}

static struct sink_slot *sink_free_slot(struct http_sink *k)
{
	int i;

	for (i = 0; i < k->max_parallel; i++)
		if (!k->slots[i].busy)
			return &k->slots[i];
	return NULL;
}

/* Lets every request in flight go, for an aborted batch. */
static void sink_abort_all(struct http_sink *k)
{
	int i;

	for (i = 0; i < k->max_parallel; i++)
		if (k->slots[i].busy)
			sink_finish_slot(k, &k->slots[i]);
}

static enum os_status sink_send(void *ctx, const struct outbox_batch *b,
				struct outbox_result *results, struct os_error *err)
{
	struct http_sink *k = ctx;
	struct sink_slot *s;
	size_t next = 0;
	int active = 0, running = 0;
	CURLMcode mc;
	int freed;

	while (next < b->count || active > 0) {
		while (next < b->count && (s = sink_free_slot(k)) != NULL) {
			if (sink_start(k, s, b, next, results))
				active++;
			next++;
		}
		mc = curl_multi_perform(k->multi, &running);
		freed = mc == CURLM_OK ? sink_collect(k, results) : 0;
		active -= freed;
		/* A freed slot takes the next row at once; only an unchanged
		 * set of transfers waits for the sockets. */
		if (mc == CURLM_OK && freed == 0 && active > 0 && running > 0)
			mc = curl_multi_poll(k->multi, NULL, 0, SINK_POLL_MS, NULL);
		if (mc != CURLM_OK) {
			sink_abort_all(k);
			return os_fail(err, OS_EIO, NULL, "curl multi failed: %s",
				       curl_multi_strerror(mc));
		}
	}
	return OS_OK;
}

static const struct outbox_sink_ops http_sink_ops = {.send = sink_send};

static enum os_status sink_setup_slot(struct http_sink *k, struct sink_slot *s)
{
	long connect_ms = k->timeout_ms < SINK_CONNECT_TIMEOUT_MAX_MS ? k->timeout_ms
								      : SINK_CONNECT_TIMEOUT_MAX_MS;

	s->easy = http_curl_easy((long)k->timeout_ms, connect_ms, sink_write, s, s->errbuf);
	if (s->easy == NULL)
		return OS_ENOMEM;
	curl_easy_setopt(s->easy, CURLOPT_URL, k->url);
	curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	return OS_OK;
}

static void sink_free(struct http_sink *k)
{
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < HTTP_SINK_PARALLEL_MAX; i++) {
		if (k->slots[i].easy == NULL)
			continue;
		if (k->slots[i].busy)
			sink_finish_slot(k, &k->slots[i]);
		curl_easy_cleanup(k->slots[i].easy);
	}
	if (k->multi != NULL)
		curl_multi_cleanup(k->multi);
	free(k->url);
	free(k->url_cancel);
	free(k->url_refunds);
	free(k->api_key_header);
	free(k->signing_secret);
	free(k);
}

static enum os_status sink_copy_options(struct http_sink *k, const struct http_sink_options *o,
					struct os_error *err)
{
	size_t n;

	k->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : SINK_DEFAULT_TIMEOUT_MS;
	k->max_parallel = o->max_parallel > 0 ? o->max_parallel : SINK_DEFAULT_PARALLEL;
	if (k->max_parallel > HTTP_SINK_PARALLEL_MAX)
		k->max_parallel = HTTP_SINK_PARALLEL_MAX;
	k->url = strdup(o->url);
	k->url_cancel = http_curl_url_join(o->url, "/cancel");
	k->url_refunds = http_curl_url_join(o->url, "/refunds");
	if (k->url == NULL || k->url_cancel == NULL || k->url_refunds == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot allocate the HTTP sink");
	if (o->signing_secret != NULL && o->signing_secret[0] != '\0' &&
	    (k->signing_secret = strdup(o->signing_secret)) == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot allocate the HTTP sink");
	if (o->api_key == NULL || o->api_key[0] == '\0')
		return OS_OK;
	if (!sink_header_value_ok(o->api_key))
		return os_fail(err, OS_EINVAL, "CAPASHINO_SERVICE_ACCESS_TOKEN",
			       "API key must be 1..%d visible ASCII characters",
			       SINK_HEADER_VALUE_MAX);
	n = strlen("X-API-Key: ") + strlen(o->api_key) + 1;
	k->api_key_header = malloc(n);
	if (k->api_key_header == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot allocate the HTTP sink");
	snprintf(k->api_key_header, n, "X-API-Key: %s", o->api_key);
	return OS_OK;
}

enum os_status http_sink_open(const struct http_sink_options *o, struct outbox_sink *out,
			      struct os_error *err)
{
	struct http_sink *k = NULL;
	enum os_status st;
	int i;

	st = http_curl_client_start(o->url, "url", "service", err);
	if (st != OS_OK)
		return st;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot allocate the HTTP sink");
	st = sink_copy_options(k, o, err);
	if (st != OS_OK)
		goto out;
	k->multi = curl_multi_init();
	st = k->multi != NULL ? OS_OK : OS_ENOMEM;
	for (i = 0; st == OS_OK && i < k->max_parallel; i++)
		st = sink_setup_slot(k, &k->slots[i]);
	if (st != OS_OK) {
		os_fail(err, st, NULL, "cannot create curl handles");
		goto out;
	}
	curl_multi_setopt(k->multi, CURLMOPT_MAXCONNECTS, (long)k->max_parallel);
	out->ops = &http_sink_ops;
	out->ctx = k;
	k = NULL;
out:
	sink_free(k);
	return st;
}

void http_sink_close(struct outbox_sink *s)
{
	sink_free(s->ctx);
	s->ctx = NULL;
}
