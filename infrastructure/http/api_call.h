/*
 * One HTTP request as the handlers see it: the h2o request, the thread's
 * ports, the request id and trace context, the matched route and its path
 * parameters; and the ways to answer it. Every handler answers exactly once
 * through api_reply_* (which also logs the request and records metrics).
 * Internal to infrastructure/http.
 */
#ifndef OS_API_CALL_H
#define OS_API_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "app/sbuf.h"
#include "infrastructure/auth/auth.h"
#include "infrastructure/http/api_server.h"

#define API_PARAMS_MAX	 2
#define API_RESPONSE_MAX (4u << 20) /* a full page of full orders fits */

/* Per-thread state shared by the thread's requests. */
struct api_env {
	struct api_thread_ctx *app;
	const struct api_options *opts;
	struct order *orders; /* ORDER_LIST_MAX orders of scratch */
};

struct api_param {
	const char *s;
	size_t len;
};

struct api_call {
	h2o_req_t *req;
	struct api_env *env;
	const char *route; /* route pattern, the metrics label */
	struct api_param params[API_PARAMS_MAX];
	struct order_trace trace; /* request_id always set */
	int64_t start_ns;	  /* monotonic */
	bool answered;
	bool on_admin;		   /* arrived on the admin listener */
	struct auth_principal who; /* set by api_guard (role none on open routes) */
	const bool *gone;	   /* set when the client went away; NULL = never */
};

/* Fills c for req: request id (X-Request-Id if 1..64 safe characters, else
 * a new UUID), traceparent when well-formed, start time. */
void api_call_init(struct api_call *c, h2o_req_t *req, struct api_env *env);

/* The request body, or (NULL, 0). */
const char *api_call_body(const struct api_call *c, size_t *len);

/* The value of request header name (lowercase), or NULL; *len its length. */
const char *api_call_header(const struct api_call *c, const char *name, size_t *len);

/* Finds key in the query string and percent-decodes its value into out
 * (cap bytes with the NUL). Returns 1 found, 0 absent, -1 malformed or too
 * long. */
int api_call_query(const struct api_call *c, const char *key, char *out, size_t cap);

/* Answers with status and body (sb's contents; sb failed -> 500). 429, 503
 * and 504 answers get "Retry-After: 1" unless the handler set one. */
void api_reply(struct api_call *c, int status, struct sbuf *sb, const char *content_type);

/* Writes one JSON value (an object, array, ...) for a reply's data. */
typedef void api_json_fn(struct sbuf *sb, const void *value);

/* The value of an api_json_fn that writes a whole array at once. */
struct api_json_items {
	const void *items;
	size_t n;
};

/* An api_json_fn for a value that is JSON text already (a C string). */
void api_json_text(struct sbuf *sb, const void *json);

/*
 * Answers status with the JSON envelope {"data": write(value), "meta":
 * {"request_id", meta_extra}, "errors": []}; meta_extra is extra meta
 * members ("\"next_after\":null") or NULL. api_reply_array's data is the
 * array of write(item) over items[0..n), each size bytes.
 */
void api_reply_data(struct api_call *c, int status, api_json_fn *write, const void *value,
		    const char *meta_extra);
void api_reply_array(struct api_call *c, int status, api_json_fn *write, const void *items,
		     size_t size, size_t n, const char *meta_extra);

/* Answers with an error envelope whose code is api_error_code(status). */
void api_reply_error(struct api_call *c, int status, const char *message, const char *field,
		     const char *detail);

/* Answers with an error envelope of a specific stable code (the Error.code
 * values of docs/openapi.yaml: "idempotency_mismatch", ...). */
void api_reply_error_code(struct api_call *c, int status, const char *code, const char *message,
			  const char *field, const char *detail);

/* The default stable code of an error status: 400 and 422
 * validation_failed, 401 unauthorized, 403 forbidden, 404 not_found, 405
 * method_not_allowed, 409 conflict, 413 payload_too_large, 415
 * unsupported_media_type, 429 rate_limited, 503 and 504 unavailable,
 * anything else internal. */
const char *api_error_code(int status);

/* Answers with body (len bytes, not copied: it must outlive the request,
 * e.g. a file loaded at start) and the given headers; cache_control may be
 * NULL. */
void api_reply_static(struct api_call *c, int status, const char *body, size_t len,
		      const char *content_type, const char *cache_control);

/* Answers with the error envelope for st (see api_http_status). */
void api_reply_status(struct api_call *c, enum os_status st, const struct os_error *err,
		      bool from_codec);

/* The failure answer of st (api_reply_status) when st is not OS_OK: true when
 * it answered, and the handler is done. */
bool api_replied_failure(struct api_call *c, enum os_status st, const struct os_error *err,
			 bool from_codec);

/* The stable code of a failure answered with status: the status's default,
 * or a more specific one the failure allows (idempotency_mismatch,
 * insufficient_stock, catalog_unavailable). */
const char *api_failure_code(enum os_status st, const struct os_error *err, int status);

/* Adds a response header (name lowercase, literal; value copied). */
void api_add_header(struct api_call *c, const char *name, const char *value, size_t len);

/*
 * The HTTP status of a failure. 400 vs 422 (order_create_json.h): OS_EINVAL from a
 * codec (from_codec) is 400, the document is not what the route reads;
 * OS_EINVAL from a use case is 422, a readable request that breaks a rule.
 * OS_EMISMATCH 422, OS_ENOTFOUND 404, OS_ECONFLICT 409, OS_EDENIED 401,
 * OS_ETOOBIG 413, OS_EUNAVAIL and OS_EAGAIN 503, anything else 500.
 */
int api_http_status(enum os_status st, bool from_codec);

#endif
