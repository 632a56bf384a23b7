/* h2o server, routing and held replies for order-sim. */
#include "tools/order-sim/sim_http.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

#include "app/json_write.h"
#include "domain/url.h"

/* Distinct hold durations in use (latency, timeout); h2o timeouts have one
 * fixed duration each. */
#define HOLD_KINDS 8

struct hold_timeout {
	uint64_t ms;
	h2o_timeout_t timeout;
};

struct sim_http {
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	h2o_socket_t *listener;
	const struct sim_route *routes;
	size_t nroutes;
	struct hold_timeout holds[HOLD_KINDS];
	size_t nholds;
};

/* The h2o handler, base struct first as h2o expects. */
struct sim_handler {
	h2o_handler_t super;
	struct sim_http *http;
};

/* A reply waiting for its hold timer; lives in the request's pool. */
struct held_reply {
	h2o_timeout_entry_t entry;
	h2o_req_t *req;
	int status;
	char *body;
	size_t len;
};

static const char *reason_of(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

static void send_now(h2o_req_t *req, int status, const char *body, size_t len)
{
	req->res.status = status;
	req->res.reason = reason_of(status);
	req->res.content_length = len;
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
		       H2O_STRLIT("application/json"));
	h2o_send_inline(req, body, len);
}

static void on_held_timeout(h2o_timeout_entry_t *entry)
{
	struct held_reply *h = H2O_STRUCT_FROM_MEMBER(struct held_reply, entry, entry);

	send_now(h->req, h->status, h->body, h->len);
}

/* The request went away (connection closed) before the timer fired. */
static void on_held_dispose(void *p)
{
	struct held_reply *h = p;

	if (h2o_timeout_is_linked(&h->entry))
		h2o_timeout_unlink(&h->entry);
}

static h2o_timeout_t *hold_timeout(struct sim_http *http, uint64_t ms)
{
	size_t i;

	for (i = 0; i < http->nholds; i++)
		if (http->holds[i].ms == ms)
			return &http->holds[i].timeout;
	if (http->nholds == HOLD_KINDS)
		return NULL;
	http->holds[i].ms = ms;
	h2o_timeout_init(http->ctx.loop, &http->holds[i].timeout, ms);
	http->nholds++;
	return &http->holds[i].timeout;
}

static void send_held(struct sim_http *http, h2o_req_t *req, const struct sim_reply *rep)
{
	h2o_timeout_t *t = hold_timeout(http, (uint64_t)rep->hold_ms);
	struct held_reply *h;

	if (t == NULL) {
		send_now(req, rep->status, rep->body, rep->len);
		return;
	}
	h = h2o_mem_alloc_shared(&req->pool, sizeof(*h), on_held_dispose);
	memset(h, 0, sizeof(*h));
	h->entry.cb = on_held_timeout;
	h->req = req;
	h->status = rep->status;
	h->body = h2o_mem_alloc_pool(&req->pool, rep->len + 1);
	memcpy(h->body, rep->body, rep->len);
	h->len = rep->len;
	h2o_timeout_link(http->ctx.loop, t, &h->entry);
}

/* The route for the request; *wrong_method when only the method differs. */
static const struct sim_route *find_route(const struct sim_http *http, const h2o_req_t *req,
					  bool *wrong_method)
{
	const h2o_iovec_t *p = &req->path_normalized;
	size_t i;

	*wrong_method = false;
	for (i = 0; i < http->nroutes; i++) {
		const struct sim_route *r = &http->routes[i];
		size_t n = strlen(r->path);

		if (r->prefix ? (p->len <= n || memcmp(p->base, r->path, n) != 0)
			      : !h2o_memis(p->base, p->len, r->path, n))
			continue;
		if (h2o_memis(req->method.base, req->method.len, r->method, strlen(r->method)))
			return r;
		*wrong_method = true;
	}
	return NULL;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct sim_http *http = ((struct sim_handler *)self)->http;
	struct sim_reply rep = {0, NULL, 0, 0};
	struct sim_request in;
	const struct sim_route *route;
	bool wrong_method;

	route = find_route(http, req, &wrong_method);
	if (route == NULL) {
		sim_reply_error(&rep, wrong_method ? 405 : 404,
				wrong_method ? "method not allowed" : "not found");
	} else {
		in.path = req->path_normalized.base;
		in.path_len = req->path_normalized.len;
		in.query = "";
		in.query_len = 0;
		if (req->query_at != SIZE_MAX) {
			in.query = req->path.base + req->query_at + 1;
			in.query_len = req->path.len - req->query_at - 1;
		}
		in.body = req->entity.base ? req->entity.base : "";
		in.body_len = req->entity.base ? req->entity.len : 0;
		in.native = req;
		route->fn(route->ctx, &in, &rep);
	}
	if (rep.status == 0 || rep.body == NULL) {
		free(rep.body);
		sim_reply_error(&rep, 500, "handler failed");
	}
	if (rep.hold_ms > 0)
		send_held(http, req, &rep);
	else
		send_now(req, rep.status, rep.body, rep.len);
	free(rep.body);
	return 0;
}

bool sim_request_header(const struct sim_request *r, const char *name, char *out, size_t cap)
{
	const h2o_req_t *req = r->native;
	size_t i, n = strlen(name);

	for (i = 0; i < req->headers.size; i++) {
		const h2o_header_t *h = &req->headers.entries[i];

		if (!h2o_lcstris(h->name->base, h->name->len, name, n))
			continue;
		if (h->value.len >= cap)
			return false;
		memcpy(out, h->value.base, h->value.len);
		out[h->value.len] = '\0';
		return true;
	}
	return false;
}

bool sim_request_query(const struct sim_request *r, const char *name, char *out, size_t cap)
{
	const char *p = r->query, *end = r->query + r->query_len;
	size_t n = strlen(name);

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;

		if ((size_t)(stop - p) > n && memcmp(p, name, n) == 0 && p[n] == '=') {
			if (!url_unescape(p + n + 1, (size_t)(stop - p) - n - 1, out, cap))
				out[0] = '\0';
			return true;
		}
		p = stop + 1;
	}
	return false;
}

void sim_reply_json(struct sim_reply *rep, int status, struct sbuf *sb)
{
	size_t len = 0;
	char *body = sbuf_detach(sb, &len);

	if (body == NULL) {
		sim_reply_error(rep, 500, "reply too large");
		return;
	}
	rep->status = status;
	rep->body = body;
	rep->len = len;
}

void sim_reply_error(struct sim_reply *rep, int status, const char *msg)
{
	struct json_writer w;
	struct sbuf sb;

	sbuf_init(&sb, 4096);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	json_write_str(&w, "error", msg);
	json_write_end(&w);
	rep->status = status;
	rep->body = sbuf_detach(&sb, &rep->len);
}

void sim_reply_ok(struct sim_reply *rep)
{
	struct sbuf sb;

	sbuf_init(&sb, 64);
	sbuf_adds(&sb, "{\"status\":\"ok\"}");
	sim_reply_json(rep, 200, &sb);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct sim_http *http = listener->data;
	h2o_socket_t *sock;

	if (err != NULL)
		return;
	sock = h2o_evloop_socket_accept(listener);
	if (sock != NULL)
		h2o_accept(&http->accept_ctx, sock);
}

static enum os_status bind_listener(const char *host, int port, int *fd_out, int *bound_port,
				    struct os_error *err)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char portstr[16];
	int fd = -1, on = 1, rc;
	enum os_status st = OS_OK;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0) {
		st = os_fail(err, OS_EINVAL, "host", "cannot resolve %s: %s", host,
			     gai_strerror(rc));
		goto out;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		st = os_fail(err, OS_EIO, "port", "cannot listen on %s:%d: %s", host, port,
			     strerror(errno));
		goto out;
	}
	*bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						     : ((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return st;
}

enum os_status sim_http_open(struct sim_http **out, const char *host, int port,
			     const struct sim_route *routes, size_t nroutes, int *bound_port,
			     struct os_error *err)
{
	struct sim_http *http;
	h2o_hostconf_t *hostconf;
	h2o_pathconf_t *pathconf;
	struct sim_handler *handler;
	enum os_status st;
	int fd = -1, bound = 0;

	st = bind_listener(host, port, &fd, &bound, err);
	if (st != OS_OK)
		return st;
	http = calloc(1, sizeof(*http));
	if (http == NULL) {
		close(fd);
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	}
	http->routes = routes;
	http->nroutes = nroutes;
	h2o_config_init(&http->config);
	http->config.max_request_entity_size = SIM_HTTP_MAX_BODY;
	hostconf =
	    h2o_config_register_host(&http->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	pathconf = h2o_config_register_path(hostconf, "/", 0);
	handler = (struct sim_handler *)h2o_create_handler(pathconf, sizeof(*handler));
	handler->super.on_req = on_req;
	handler->http = http;
	h2o_context_init(&http->ctx, h2o_evloop_create(), &http->config);
	http->accept_ctx.ctx = &http->ctx;
	http->accept_ctx.hosts = http->config.hosts;
	http->listener = h2o_evloop_socket_create(http->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
	http->listener->data = http;
	h2o_socket_read_start(http->listener, on_accept);
	*bound_port = bound;
	*out = http;
	return OS_OK;
}

void sim_http_run(struct sim_http *h, volatile sig_atomic_t *stop)
{
	int i;

	while (!*stop)
		h2o_evloop_run(h->ctx.loop, 100);
	h2o_socket_read_stop(h->listener);
	h2o_socket_close(h->listener);
	h->listener = NULL;
	/* Let replies already being written reach their clients. */
	for (i = 0; i < 3; i++)
		h2o_evloop_run(h->ctx.loop, 10);
}

void sim_http_free(struct sim_http *h)
{
	/* The loop, context and config are left to process exit: h2o asserts
	 * when they are disposed while a held reply or a keep-alive connection
	 * still refers to them, and both are normal at shutdown. */
	free(h);
}
