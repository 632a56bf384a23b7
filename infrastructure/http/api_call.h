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

#include "api_server.h"
#include "app/sbuf.h"

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
	const bool *gone; /* set when the client went away; NULL = never */
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

/* Answers with status and body (sb's contents; sb failed -> 500). */
void api_reply(struct api_call *c, int status, struct sbuf *sb, const char *content_type);

/* Answers with an error envelope. */
void api_reply_error(struct api_call *c, int status, const char *message, const char *field,
		     const char *detail);

/* Answers with the error envelope for st (see api_http_status). */
void api_reply_status(struct api_call *c, enum os_status st, const struct os_error *err,
		      bool from_codec);

/* Adds a response header (name lowercase, literal; value copied). */
void api_add_header(struct api_call *c, const char *name, const char *value, size_t len);

/*
 * The HTTP status of a failure. 400 vs 422 (order_json.h): OS_EINVAL from a
 * codec (from_codec) is 400, the document is not what the route reads;
 * OS_EINVAL from a use case is 422, a readable request that breaks a rule.
 * OS_EMISMATCH 422, OS_ENOTFOUND 404, OS_ECONFLICT 409, OS_EDENIED 401,
 * OS_ETOOBIG 413, OS_EUNAVAIL and OS_EAGAIN 503, anything else 500.
 */
int api_http_status(enum os_status st, bool from_codec);

#endif
