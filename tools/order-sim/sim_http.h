/*
 * The simulator's HTTP front: an h2o server on one event-loop thread, a
 * route table, and a request/reply pair that keeps h2o out of the handlers.
 * Handlers run on the loop thread and must not block; a reply may ask to be
 * held back (latency and timeout injection) without blocking the loop.
 */
#ifndef SIM_HTTP_H
#define SIM_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/sbuf.h"
#include "domain/status.h"

#define SIM_HTTP_MAX_BODY (1024 * 1024)

/* A request as handlers see it; every pointer is valid during the call only. */
struct sim_request {
	const char *path; /* without the query */
	size_t path_len;
	const char *query; /* after '?', not decoded */
	size_t query_len;
	const char *body;
	size_t body_len;
	const void *native; /* the server's own request object */
};

/* What a handler answers. body is malloc'd and owned by the reply. */
struct sim_reply {
	int status;
	char *body;
	size_t len;
	int hold_ms; /* > 0: answer only after this long */
};

/* Copies header name's value (name in lowercase) into out, NUL-terminated;
 * true if present and it fits. */
bool sim_request_header(const struct sim_request *r, const char *name, char *out, size_t cap);

/* Copies the decoded query parameter name into out and returns true if the
 * parameter is present; a value that does not fit (or decodes to a NUL)
 * comes out as "", which matches no id. cap > 0. */
bool sim_request_query(const struct sim_request *r, const char *name, char *out, size_t cap);

/* Sets the reply's body from sb (released); a failed sb becomes a 500. */
void sim_reply_json(struct sim_reply *rep, int status, struct sbuf *sb);
/* Sets {"error": msg}. */
void sim_reply_error(struct sim_reply *rep, int status, const char *msg);
/* Sets 200 {"status": "ok"}. */
void sim_reply_ok(struct sim_reply *rep);

/* A handler: fills rep (status 0 is read as 500). */
typedef void sim_handler_fn(void *ctx, const struct sim_request *req, struct sim_reply *rep);

struct sim_route {
	const char *method;
	const char *path; /* exact, or a prefix when prefix is set */
	bool prefix;
	sim_handler_fn *fn;
	void *ctx;
};

struct sim_http;

/*
 * Binds host:port (port 0: ephemeral; the port bound goes to *bound_port)
 * and prepares the server with routes (the table must outlive the server).
 * On success *out owns the server; free it with sim_http_free().
 */
enum os_status sim_http_open(struct sim_http **out, const char *host, int port,
			     const struct sim_route *routes, size_t nroutes, int *bound_port,
			     struct os_error *err);

/* Serves on the calling thread until *stop is set, then closes the
 * listener and returns. */
void sim_http_run(struct sim_http *h, volatile sig_atomic_t *stop);

/* Frees the server; call once, after sim_http_run, as the process ends. */
void sim_http_free(struct sim_http *h);

#endif
