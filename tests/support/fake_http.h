/*
 * A tiny HTTP/1.1 server on a loopback ephemeral port for tests: plain
 * sockets, one thread accepting and one thread per connection (so requests
 * really run concurrently), keep-alive, Content-Length bodies only. Every
 * request is recorded (method, path, headers, body) for assertions; the
 * answer comes from a handler callback or from one scripted response.
 * Bounded: request heads up to 16 KiB, bodies up to 1 MiB, 64 connections
 * at a time, the first FAKE_HTTP_RECORD_MAX requests recorded.
 */
#ifndef OS_FAKE_HTTP_H
#define OS_FAKE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define FAKE_HTTP_HEADERS_MAX 24
#define FAKE_HTTP_RECORD_MAX  256

struct fake_http_header {
	char name[64];
	char value[512];
};

struct fake_http_request {
	char method[16];
	char path[1024];
	size_t header_count;
	struct fake_http_header headers[FAKE_HTTP_HEADERS_MAX];
	char *body; /* NUL-terminated; owned by the server */
	size_t body_len;
};

/* What to answer. body may be NULL (empty); body_len 0 means strlen(body).
 * delay_ms holds the answer back (the wait ends early when the server
 * stops). close ends the connection after the answer. */
struct fake_http_response {
	int status;
	const char *body;
	size_t body_len;
	int delay_ms;
	const char *content_type; /* NULL: application/json */
	const char *headers;	  /* more header lines, each ending "\r\n"; NULL: none */
	bool close;
};

struct fake_http;

/*
 * Fills *resp (preset to the scripted response) for req. Runs on the
 * connection's thread, concurrently with other connections; strings put in
 * *resp must stay valid until the server stops or the handler is called
 * again on that thread.
 */
typedef void fake_http_handler_fn(void *arg, struct fake_http *srv,
				  const struct fake_http_request *req,
				  struct fake_http_response *resp);

/* Starts a server on 127.0.0.1 and an ephemeral port. handler may be NULL:
 * then every request gets the scripted response (200 "{}" until set).
 * Returns NULL on failure. Stop it with fake_http_stop. */
struct fake_http *fake_http_start(fake_http_handler_fn *handler, void *arg);

/* Closes every connection, joins every thread and frees the server and its
 * records. NULL is allowed. */
void fake_http_stop(struct fake_http *srv);

int fake_http_port(const struct fake_http *srv);
/* "http://127.0.0.1:<port>", valid until stop. */
const char *fake_http_url(const struct fake_http *srv);

/* Sets the scripted response; body is copied. */
void fake_http_respond(struct fake_http *srv, int status, const char *body, int delay_ms);

/* Requests received so far (all of them, even past the record limit). */
size_t fake_http_request_count(struct fake_http *srv);
/* The i-th recorded request in arrival order, or NULL. Valid until stop. */
const struct fake_http_request *fake_http_request(struct fake_http *srv, size_t i);
/* The value of header name (any case) in req, or NULL. */
const char *fake_http_header(const struct fake_http_request *req, const char *name);

/* Requests being handled right now, and the most there ever were at once. */
int fake_http_in_flight(struct fake_http *srv);
int fake_http_peak_in_flight(struct fake_http *srv);
/* TCP connections accepted so far (keep-alive reuse shows as few). */
size_t fake_http_connection_count(struct fake_http *srv);
/* True once fake_http_stop has begun: long-waiting handlers should return. */
bool fake_http_stopping(struct fake_http *srv);

#endif
