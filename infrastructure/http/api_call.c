/* Request context and responses of the HTTP API: ids, headers, query,
 * envelopes, the status mapping, the request log line and metrics. */
#include "infrastructure/http/api_call.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/sys.h"
#include "domain/url.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/io/io_loop.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics.h"

const char *api_call_header(const struct api_call *c, const char *name, size_t *len)
{
	ssize_t i = h2o_find_header_by_str(&c->req->headers, name, strlen(name), -1);

	if (i < 0)
		return NULL;
	*len = c->req->headers.entries[i].value.len;
	return c->req->headers.entries[i].value.base;
}

const char *api_call_body(const struct api_call *c, size_t *len)
{
	*len = c->req->entity.base ? c->req->entity.len : 0;
	return *len ? c->req->entity.base : NULL;
}

/* Request ids travel into logs, outbox headers and Kafka headers: only
 * characters that are safe in all of them. */
static bool safe_request_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ORDER_REQUEST_ID_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
			  ch == ':';

		if (!ok)
			return false;
	}
	return true;
}

/* W3C traceparent: "00-" 32 hex "-" 16 hex "-" 2 hex, lowercase. */
static bool valid_traceparent(const char *s, size_t len)
{
	size_t i;

	if (len != ORDER_TRACEPARENT_MAX)
		return false;
	for (i = 0; i < len; i++) {
		bool dash = i == 2 || i == 35 || i == 52;
		bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');

		if (dash ? s[i] != '-' : !hex)
			return false;
	}
	return true;
}

void api_call_init(struct api_call *c, h2o_req_t *req, struct api_env *env)
{
	const char *v;
	size_t len = 0;

	memset(c, 0, sizeof(*c));
	c->req = req;
	c->env = env;
	c->route = "unmatched";
	c->start_ns = sys_mono_ns();
	v = api_call_header(c, "x-request-id", &len);
	if (v && safe_request_id(v, len)) {
		memcpy(c->trace.request_id, v, len);
	} else {
		struct uuid id;

		sys_new_uuid(&env->app->svc.sys, &id);
		uuid_format(&id, c->trace.request_id);
	}
	v = api_call_header(c, "traceparent", &len);
	if (v && valid_traceparent(v, len))
		memcpy(c->trace.traceparent, v, len);
}

int api_call_query(const struct api_call *c, const char *key, char *out, size_t cap)
{
	const h2o_req_t *r = c->req;
	const char *p, *end, *amp, *eq;
	size_t klen = strlen(key);

	if (r->query_at == SIZE_MAX || r->query_at >= r->path.len)
		return 0;
	p = r->path.base + r->query_at + 1;
	end = r->path.base + r->path.len;
	for (; p < end; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		if ((size_t)(eq - p) != klen || memcmp(p, key, klen) != 0)
			continue;
		if (eq == amp)
			return url_unescape("", 0, out, cap) ? 1 : -1;
		return url_unescape(eq + 1, (size_t)(amp - eq - 1), out, cap) ? 1 : -1;
	}
	return 0;
}

void api_add_header(struct api_call *c, const char *name, const char *value, size_t len)
{
	/* h2o keeps the value's pointer until the response is written: copy it
	 * into the request's pool, so a caller's stack buffer may go away. */
	h2o_iovec_t v = h2o_strdup(&c->req->pool, value, len);

	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, name, strlen(name), 1, NULL,
			      v.base, v.len);
}

int api_http_status(enum os_status st, bool from_codec)
{
	switch (st) {
	case OS_OK: return 200;
	case OS_EINVAL: return from_codec ? 400 : 422;
	case OS_EMISMATCH: return 422;
	case OS_ENOTFOUND: return 404;
	case OS_ECONFLICT: return 409;
	case OS_EDENIED: return 401;
	case OS_ETOOBIG: return 413;
	case OS_EUNAVAIL:
	case OS_EAGAIN: return 503;
	case OS_ENOMEM:
	case OS_EIO: return 500;
	}
	return 500;
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 207: return "Multi-Status";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 500 ? "Client Error" : "Internal Server Error";
	}
}

/* One line per request at debug; server-side failures louder. */
static void log_request(const struct api_call *c, int status, int64_t micros)
{
	char method[16], path[256], code[8], dur[24];
	enum log_level lvl = status >= 500 ? (status == 503 ? LOG_WARN : LOG_ERROR) : LOG_DEBUG;
	const h2o_req_t *r = c->req;

	snprintf(method, sizeof(method), "%.*s", (int)r->method.len, r->method.base);
	snprintf(path, sizeof(path), "%.*s", (int)r->path_normalized.len, r->path_normalized.base);
	snprintf(code, sizeof(code), "%d", status);
	snprintf(dur, sizeof(dur), "%lld", (long long)micros);
	log_kv(lvl, "request", "method", method, "path", path, "route", c->route, "status", code,
	       "duration_us", dur, "request_id", c->trace.request_id, NULL);
}

static void finish(struct api_call *c, int status)
{
	char method[16];
	int64_t micros = (sys_mono_ns() - c->start_ns) / 1000;

	snprintf(method, sizeof(method), "%.*s", (int)c->req->method.len, c->req->method.base);
	metrics_http_request(c->route, method, status, micros);
	log_request(c, status, micros);
}

/* Status line and the headers every answer carries. A client told to come
 * back later (429, 503, 504) is told when, unless the handler said so. */
static void start_answer(struct api_call *c, int status, const char *content_type, size_t len)
{
	h2o_req_t *r = c->req;

	c->answered = true;
	r->res.status = status;
	r->res.reason = reason_phrase(status);
	api_add_header(c, "content-type", content_type, strlen(content_type));
	api_add_header(c, "x-request-id", c->trace.request_id, strlen(c->trace.request_id));
	if ((status == 429 || status == 503 || status == 504) &&
	    h2o_find_header_by_str(&r->res.headers, H2O_STRLIT("retry-after"), -1) < 0)
		api_add_header(c, "retry-after", "1", 1);
	r->res.content_length = len;
	finish(c, status);
}

/* A client that went away (c->gone) gets nothing: its request is counted
 * as 499 and ends here. */
static bool client_gone(struct api_call *c)
{
	if (c->gone == NULL || !*c->gone)
		return false;
	c->answered = true;
	finish(c, 499);
	return true;
}

void api_reply(struct api_call *c, int status, struct sbuf *sb, const char *content_type)
{
	if (c->answered || client_gone(c))
		return;
	if (!sbuf_ok(sb)) {
		sbuf_reset(sb);
		order_json_error_envelope(sb, c->trace.request_id, "internal", "response too large",
					  NULL, NULL);
		status = 500;
	}
	start_answer(c, status, content_type, sb->len);
	h2o_send_inline(c->req, sb->buf ? sb->buf : "", sb->len);
}

/* The body of a static answer lives as long as the process: nothing to do
 * when h2o is done with it. */
static h2o_generator_t static_generator = {NULL, NULL};

void api_reply_static(struct api_call *c, int status, const char *body, size_t len,
		      const char *content_type, const char *cache_control)
{
	h2o_iovec_t buf = h2o_iovec_init(body, len);

	if (c->answered || client_gone(c))
		return;
	if (cache_control != NULL)
		api_add_header(c, "cache-control", cache_control, strlen(cache_control));
	start_answer(c, status, content_type, len);
	h2o_start_response(c->req, &static_generator);
	h2o_send(c->req, &buf, 1, H2O_SEND_STATE_FINAL);
}

const char *api_error_code(int status)
{
	switch (status) {
	case 400:
	case 422: return "validation_failed";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "payload_too_large";
	case 415: return "unsupported_media_type";
	case 429: return "rate_limited";
	case 503:
	case 504: return "unavailable";
	default: return "internal";
	}
}

void api_reply_error_code(struct api_call *c, int status, const char *code, const char *message,
			  const char *field, const char *detail)
{
	struct sbuf sb;

	sbuf_init(&sb, 8192);
	order_json_error_envelope(&sb, c->trace.request_id, code, message, field, detail);
	api_reply(c, status, &sb, "application/json");
	sbuf_release(&sb);
}

void api_json_text(struct sbuf *sb, const void *json)
{
	sbuf_adds(sb, json);
}

void api_reply_data(struct api_call *c, int status, api_json_fn *write, const void *value,
		    const char *meta_extra)
{
	struct sbuf sb;

	sbuf_init(&sb, API_RESPONSE_MAX);
	order_json_envelope_begin(&sb);
	write(&sb, value);
	order_json_envelope_end(&sb, c->trace.request_id, meta_extra);
	api_reply(c, status, &sb, "application/json");
	sbuf_release(&sb);
}

struct json_array {
	api_json_fn *write;
	const char *items;
	size_t size;
	size_t n;
};

static void write_array(struct sbuf *sb, const void *value)
{
	const struct json_array *a = value;
	size_t i;

	sbuf_add(sb, "[", 1);
	for (i = 0; i < a->n; i++) {
		if (i)
			sbuf_add(sb, ",", 1);
		a->write(sb, a->items + i * a->size);
	}
	sbuf_add(sb, "]", 1);
}

void api_reply_array(struct api_call *c, int status, api_json_fn *write, const void *items,
		     size_t size, size_t n, const char *meta_extra)
{
	struct json_array a = {write, items, size, n};

	api_reply_data(c, status, write_array, &a, meta_extra);
}

void api_reply_error(struct api_call *c, int status, const char *message, const char *field,
		     const char *detail)
{
	api_reply_error_code(c, status, api_error_code(status), message, field, detail);
}

const char *api_failure_code(enum os_status st, const struct os_error *err, int status)
{
	const char *field = err ? err->field : "";
	const char *msg = err ? err->message : "";

	if (st == OS_EMISMATCH && strcmp(field, "idempotency_key") == 0)
		return "idempotency_mismatch";
	if (st == OS_ECONFLICT && strncmp(field, "items", 5) == 0)
		return "insufficient_stock";
	if (status == 503 && strncmp(msg, "catalog", 7) == 0)
		return "catalog_unavailable";
	return api_error_code(status);
}

bool api_replied_failure(struct api_call *c, enum os_status st, const struct os_error *err,
			 bool from_codec)
{
	if (st == OS_OK)
		return false;
	api_reply_status(c, st, err, from_codec);
	return true;
}

void api_reply_status(struct api_call *c, enum os_status st, const struct os_error *err,
		      bool from_codec)
{
	int status = api_http_status(st, from_codec);
	const char *code = api_failure_code(st, err, status);
	const char *msg = err && err->message[0] ? err->message : os_status_name(st);

	/* Whatever failed first, past the deadline the answer is the deadline:
	 * 503, and the cause stays in the log. */
	if (io_fiber_expired() && status >= 500) {
		log_kv(LOG_WARN, "request deadline exceeded", "error", msg, "request_id",
		       c->trace.request_id, NULL);
		api_reply_error(c, 503, "request deadline exceeded", NULL, NULL);
		return;
	}

	/* Adapter failures may carry internals (SQL state, hosts): keep them
	 * in the log, not in the answer. */
	if (status == 500) {
		log_kv(LOG_ERROR, "request failed", "error", msg, "request_id", c->trace.request_id,
		       NULL);
		msg = "internal error";
	}
	api_reply_error_code(c, status, code, msg, err ? err->field : NULL, NULL);
}
