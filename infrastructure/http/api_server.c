/*
 * The API server's threads: one h2o event loop, one listening socket
 * (SO_REUSEPORT on the shared port) and one set of ports per thread. The
 * sockets are bound on the caller's thread first, so a bind failure is an
 * error of api_server_run and not of some thread later.
 */
#include "infrastructure/http/api_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "app/sys.h"
#include "infrastructure/http/api_call.h"
#include "infrastructure/http/api_routes.h"
#include "infrastructure/io/io_loop.h"
#include "infrastructure/log/log.h"

#define LOOP_WAIT_MS	   100	/* how often a loop looks at the stop flag */
#define DRAIN_MS	   5000 /* longest wait for in-flight connections */
#define LISTEN_BACKLOG	   1024
#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_INFLIGHT   256
#ifdef __SANITIZE_ADDRESS__ /* larger frames */
#define FIBER_STACK_KIB 1024
#else
#define FIBER_STACK_KIB 256
#endif

struct api_thread;

/*
 * One request in flight: its fiber, its own copy of the thread's env (with
 * its own order scratch) and the link to the h2o request. Slots are reused.
 */
struct api_slot {
	struct io_watch conn_watch; /* first: the client going away */
	int conn_fd;		    /* watched, or -1 */
	struct api_thread *thr;
	struct api_env env;
	h2o_req_t *req;
	struct api_token *token;
	struct io_fiber *fiber;
	bool gone;
	bool admin;		      /* arrived on the admin listener */
	struct api_slot *next, *prev; /* free list or in-flight list */
};

/* Lives in the request's pool: its dispose callback tells the slot that the
 * request is gone (the client closed the connection or reset the stream). */
struct api_token {
	struct api_slot *slot;
};

struct api_thread {
	int index;
	int fd;
	bool configured;
	bool app_ready;
	bool drained;
	pthread_t tid;
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	h2o_evloop_t *loop;
	struct api_thread_ctx app;
	struct api_env env;
	struct io_loop *io;
	h2o_socket_t *io_sock;
	struct api_slot *free_slots;
	struct api_slot *busy_slots;
	int64_t timeout_ms;
	struct api_admin_listener *admin; /* thread 0 only, else NULL */
};

/* The admin listener (ADMIN_HOST:ADMIN_PORT): one socket accepted on
 * thread 0's loop, whose connections see only the admin routes. */
struct api_admin_listener {
	int fd;
	bool configured;
	h2o_globalconf_t config;
	h2o_accept_ctx_t accept_ctx;
	h2o_socket_t *sock;
};

struct api_handler {
	h2o_handler_t super; /* first: h2o hands this pointer back */
	struct api_thread *thr;
	bool admin; /* the handler of the admin listener */
};

static volatile sig_atomic_t stop_flag;

void api_server_stop(void)
{
	stop_flag = 1;
}

static struct api_slot *slot_take(struct api_thread *t)
{
	struct api_slot *s = t->free_slots;

	if (s != NULL) {
		t->free_slots = s->next;
	} else {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return NULL;
		s->env.orders = calloc(ORDER_LIST_MAX, sizeof(*s->env.orders));
		if (s->env.orders == NULL) {
			free(s);
			return NULL;
		}
	}
	s->thr = t;
	s->conn_fd = -1;
	s->env.app = t->env.app;
	s->env.opts = t->env.opts;
	s->gone = false;
	s->prev = NULL;
	s->next = t->busy_slots;
	if (s->next)
		s->next->prev = s;
	t->busy_slots = s;
	return s;
}

static void slot_put(struct api_slot *s)
{
	struct api_thread *t = s->thr;

	if (s->conn_fd >= 0)
		io_watch_set(&s->conn_watch, s->conn_fd, 0);
	s->conn_fd = -1;
	if (s->prev)
		s->prev->next = s->next;
	else
		t->busy_slots = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->req = NULL;
	s->token = NULL;
	s->fiber = NULL;
	s->prev = NULL;
	s->next = t->free_slots;
	t->free_slots = s;
}

static void slots_free(struct api_slot *s)
{
	while (s != NULL) {
		struct api_slot *next = s->next;

		free(s->env.orders);
		free(s);
		s = next;
	}
}

/* The body of a request's fiber. */
static void run_request(void *arg)
{
	struct api_slot *s = arg;
	struct api_call c;

	api_call_init(&c, s->req, &s->env);
	c.gone = &s->gone;
	c.on_admin = s->admin;
	api_routes_dispatch(&c);
	if (s->token != NULL)
		s->token->slot = NULL;
	slot_put(s);
}

/* The request's pool is being freed: a request still running is cancelled
 * (it finishes at once, every wait failing, its answer dropped), which
 * releases its database session and catalog transfer. */
static void on_req_gone(void *p)
{
	struct api_token *tok = p;
	struct api_slot *s = tok->slot;

	if (s == NULL)
		return;
	tok->slot = NULL;
	s->token = NULL;
	s->gone = true;
	if (s->fiber != NULL)
		io_fiber_cancel(s->fiber);
}

/* The client closed or reset its connection while its request ran: the
 * request is cancelled (its waits fail at once, so it gives back its
 * session and transfer now); what it answers goes nowhere. */
static void on_conn_gone(struct io_watch *w, int events)
{
	struct api_slot *s = (struct api_slot *)w;

	if (!(events & IO_HUP) || s->fiber == NULL)
		return;
	io_watch_set(&s->conn_watch, s->conn_fd, 0);
	s->conn_fd = -1;
	io_fiber_cancel(s->fiber);
}

/* HTTP/1 only: h2o 2.2 reads nothing from a connection while its request
 * runs, so it would notice the client's leaving only when answering. One
 * request at a time per HTTP/1 connection: the fd is watched once. */
static void watch_conn(struct api_slot *s, h2o_req_t *req)
{
	h2o_socket_t *sock;

	if (req->version >= 0x200 || req->conn->callbacks->get_socket == NULL)
		return;
	sock = req->conn->callbacks->get_socket(req->conn);
	if (sock == NULL)
		return;
	s->conn_watch.cb = on_conn_gone;
	s->conn_fd = h2o_socket_get_fd(sock);
	if (s->conn_fd < 0 || io_watch_set(&s->conn_watch, s->conn_fd, IO_HUP) != OS_OK)
		s->conn_fd = -1;
}

/* No room on this loop for req: the liveness probe is answered all the
 * same (it does no I/O), anything else is 503 with Retry-After. */
static void reply_busy(struct api_thread *t, h2o_req_t *req)
{
	struct api_call c;

	api_call_init(&c, req, &t->env);
	if (api_routes_dispatch_no_io(&c))
		return;
	api_add_header(&c, "retry-after", "1", 1);
	api_reply_error(&c, 503, "server busy", NULL, NULL);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct api_handler *h = (struct api_handler *)self;
	struct api_thread *t = h->thr;
	struct api_token *tok;
	struct api_slot *s = slot_take(t);
	enum os_status st;

	if (s == NULL) {
		reply_busy(t, req);
		return 0;
	}
	tok = h2o_mem_alloc_shared(&req->pool, sizeof(*tok), on_req_gone);
	tok->slot = s;
	s->admin = h->admin;
	s->token = tok;
	s->req = req;
	st = io_fiber_start(t->io, run_request, s, io_now_ms() + t->timeout_ms, &s->fiber);
	if (st != OS_OK) {
		tok->slot = NULL;
		slot_put(s);
		reply_busy(t, req);
		return 0;
	}
	/* Still running after its first step: it waits for something. */
	if (tok->slot == s && s->fiber != NULL)
		watch_conn(s, req);
	return 0;
}

static void on_io_ready(h2o_socket_t *sock, const char *err)
{
	struct api_thread *t = sock->data;

	(void)err;
	io_loop_dispatch(t->io);
}

/* Accepts a connection of listener into ctx (nothing when err is set). */
static void accept_into(h2o_socket_t *listener, const char *err, h2o_accept_ctx_t *ctx)
{
	h2o_socket_t *sock;

	if (err != NULL)
		return;
	sock = h2o_evloop_socket_accept(listener);
	if (sock != NULL)
		h2o_accept(ctx, sock);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct api_thread *t = listener->data;

	accept_into(listener, err, &t->accept_ctx);
}

/* h2o buffers a whole body before the handler runs; it refuses bodies well
 * past our bound itself, while bodies a little over it reach the handler and
 * get the JSON 413. */
/*
 * h2o 2.2 buffers a whole body before a handler runs and answers bodies over
 * its own limit with a plain-text 413. Its limit sits well above ours so
 * that any plausible oversized body still reaches the handler and gets the
 * JSON 413; only absurd ones (over 4x, at least 1 MiB) meet h2o's answer.
 */
static size_t entity_limit(size_t max_body)
{
	size_t limit = max_body * 4;

	return limit < 1024 * 1024 ? 1024 * 1024 : limit;
}

static void setup_config(struct api_thread *t, const struct api_options *o)
{
	h2o_hostconf_t *host;
	h2o_pathconf_t *path;
	struct api_handler *h;

	h2o_config_init(&t->config);
	t->config.max_request_entity_size = entity_limit(o->max_body_bytes);
	host = h2o_config_register_host(&t->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	path = h2o_config_register_path(host, "/", 0);
	h = (struct api_handler *)h2o_create_handler(path, sizeof(*h));
	h->super.on_req = on_req;
	h->thr = t;
	t->configured = true;
}

static int open_socket(const struct addrinfo *ai, int port, struct os_error *err)
{
	struct sockaddr_storage sa;
	int fd, one = 1;

	memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
	if (sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		os_fail(err, OS_EUNAVAIL, "", "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, ai->ai_addrlen) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		os_fail(err, OS_EUNAVAIL, "", "cannot listen on port %d: %s", port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	if (sa.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	return ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

/* Binds one socket per thread; with port 0 the first one's port is reused
 * by the others. *port receives the port. */
static enum os_status bind_all(struct api_thread *th, int n, const struct api_options *o, int *port,
			       struct os_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	const char *host = o->host && o->host[0] ? o->host : "0.0.0.0";
	enum os_status st = OS_OK;
	int i, p = o->port, rc;

	rc = getaddrinfo(host, "0", &hints, &ai);
	if (rc != 0)
		return os_fail(err, OS_EINVAL, "host", "cannot resolve %s: %s", host,
			       gai_strerror(rc));
	for (i = 0; i < n; i++) {
		th[i].fd = open_socket(ai, p, err);
		if (th[i].fd < 0) {
			st = OS_EUNAVAIL;
			goto out;
		}
		if (p == 0)
			p = bound_port(th[i].fd);
	}
	*port = p;
out:
	freeaddrinfo(ai);
	return st;
}

/* ------------------------------------------------------- admin listener */

static void on_admin_accept(h2o_socket_t *listener, const char *err)
{
	struct api_thread *t = listener->data;

	accept_into(listener, err, &t->admin->accept_ctx);
}

/* Binds the admin socket on the caller's thread (127.0.0.1 by default);
 * its connections are handled by thread 0's context with their own host
 * table, whose handler marks each call as arriving on the admin listener. */
static enum os_status admin_bind(struct api_admin_listener *a, struct api_thread *t0,
				 const struct api_options *o, struct os_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	const char *host = o->admin_host && o->admin_host[0] ? o->admin_host : "127.0.0.1";
	h2o_hostconf_t *hc;
	struct api_handler *h;
	int rc;

	rc = getaddrinfo(host, "0", &hints, &ai);
	if (rc != 0)
		return os_fail(err, OS_EINVAL, "admin_host", "cannot resolve %s: %s", host,
			       gai_strerror(rc));
	a->fd = open_socket(ai, o->admin_port, err);
	freeaddrinfo(ai);
	if (a->fd < 0)
		return OS_EUNAVAIL;
	h2o_config_init(&a->config);
	a->config.max_request_entity_size = entity_limit(o->max_body_bytes);
	hc = h2o_config_register_host(&a->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h = (struct api_handler *)h2o_create_handler(h2o_config_register_path(hc, "/", 0),
						     sizeof(*h));
	h->super.on_req = on_req;
	h->thr = t0;
	h->admin = true;
	a->configured = true;
	t0->admin = a;
	return OS_OK;
}

static void admin_start(struct api_thread *t)
{
	struct api_admin_listener *a = t->admin;

	if (a == NULL)
		return;
	a->accept_ctx.ctx = &t->ctx;
	a->accept_ctx.hosts = a->config.hosts;
	a->sock = h2o_evloop_socket_create(t->loop, a->fd, H2O_SOCKET_FLAG_DONT_READ);
	a->sock->data = t;
	h2o_socket_read_start(a->sock, on_admin_accept);
}

/* Stops accepting; the connections drain with the thread's others. */
static void admin_stop(struct api_thread *t)
{
	struct api_admin_listener *a = t->admin;

	if (a == NULL || a->sock == NULL)
		return;
	h2o_socket_read_stop(a->sock);
	h2o_socket_close(a->sock);
	a->sock = NULL;
	a->fd = -1;
}

static void admin_release(struct api_admin_listener *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->configured)
		h2o_config_dispose(&a->config);
	a->configured = false;
}

static bool conns_idle(struct api_thread *t)
{
	return h2o_linklist_is_empty(&t->ctx.http1._conns) &&
	       h2o_linklist_is_empty(&t->ctx.http2._conns);
}

/* h2o_context_dispose asserts that every timeout of the context is empty;
 * closed connections leave entries that fire on the next loop turns. */
static bool timers_idle(struct api_thread *t)
{
	h2o_timeout_t *const all[] = {
	    &t->ctx.zero_timeout,      &t->ctx.one_sec_timeout,	  &t->ctx.hundred_ms_timeout,
	    &t->ctx.handshake_timeout, &t->ctx.http1.req_timeout, &t->ctx.http2.idle_timeout,
	    &t->ctx.proxy.io_timeout,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!h2o_linklist_is_empty(&all[i]->_entries))
			return false;
	return true;
}

/* Stops accepting, lets connections finish their responses, then closes. */
static void drain(struct api_thread *t, h2o_socket_t *listener)
{
	int64_t deadline = sys_mono_ms() + DRAIN_MS;

	h2o_socket_read_stop(listener);
	h2o_socket_close(listener);
	t->fd = -1;
	h2o_context_request_shutdown(&t->ctx);
	/* Fibers of no request (a session's batched NOTIFY) end too. */
	while ((!conns_idle(t) || io_loop_fibers(t->io) > 0) && sys_mono_ms() < deadline) {
		h2o_evloop_run(t->loop, io_loop_wait_ms(t->io, 10));
		io_loop_dispatch(t->io);
	}
	/* Requests still running past the drain are cancelled. */
	for (int i = 0; i < 100000 && t->busy_slots != NULL && t->busy_slots->fiber != NULL; i++)
		io_fiber_cancel(t->busy_slots->fiber);
	h2o_socket_read_stop(t->io_sock);
	h2o_socket_close(t->io_sock);
	t->io_sock = NULL;
	/* request_shutdown arms HTTP/2's graceful-shutdown timer even with no
	 * connection; h2o_context_dispose asserts that no timer is armed. */
	if (h2o_timeout_is_linked(&t->ctx.http2._graceful_shutdown_timeout))
		h2o_timeout_unlink(&t->ctx.http2._graceful_shutdown_timeout);
	while (conns_idle(t) && !timers_idle(t) && sys_mono_ms() < deadline)
		h2o_evloop_run(t->loop, 10);
	t->drained = conns_idle(t) && timers_idle(t);
	if (!t->drained)
		log_msgf(LOG_WARN, "api thread %d: connections still open at shutdown", t->index);
}

static void *thread_main(void *arg)
{
	struct api_thread *t = arg;
	h2o_socket_t *listener;

	h2o_context_init(&t->ctx, t->loop, &t->config);
	t->accept_ctx.ctx = &t->ctx;
	t->accept_ctx.hosts = t->config.hosts;
	listener = h2o_evloop_socket_create(t->loop, t->fd, H2O_SOCKET_FLAG_DONT_READ);
	listener->data = t;
	h2o_socket_read_start(listener, on_accept);
	t->io =
	    io_loop_new(FIBER_STACK_KIB, t->env.opts->max_inflight > 0 ? t->env.opts->max_inflight
								       : DEFAULT_INFLIGHT);
	if (t->io == NULL) {
		log_msgf(LOG_ERROR, "api thread %d: cannot create its fiber loop", t->index);
		abort();
	}
	/* The fiber loop's epoll set is one more socket of the h2o loop. */
	t->io_sock =
	    h2o_evloop_socket_create(t->loop, dup(io_loop_fd(t->io)), H2O_SOCKET_FLAG_DONT_READ);
	t->io_sock->data = t;
	h2o_socket_read_start(t->io_sock, on_io_ready);
	admin_start(t);
	while (!stop_flag) {
		h2o_evloop_run(t->loop, io_loop_wait_ms(t->io, LOOP_WAIT_MS));
		io_loop_dispatch(t->io);
	}
	admin_stop(t);
	drain(t, listener);
	/* h2o_context_dispose asserts that no connection timer is left, and an
	 * idle keep-alive connection (h2o 2.2 does not close those on shutdown)
	 * keeps one: such a context is leaked with its loop (see teardown). */
	if (t->drained)
		h2o_context_dispose(&t->ctx);
	slots_free(t->free_slots);
	t->free_slots = NULL;
	return NULL;
}

/* Frees what setup made of thread t; its loop has ended (or never ran). */
static void teardown(struct api_thread *t, api_thread_fini_fn *fini, void *arg)
{
	if (t->app_ready && fini)
		fini(arg, &t->app);
	t->app_ready = false;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	/* A loop with connections left open is leaked rather than freed
	 * under them. */
	if (t->loop && t->drained)
		h2o_evloop_destroy(t->loop);
	t->loop = NULL;
	if (t->configured)
		h2o_config_dispose(&t->config);
	t->configured = false;
	free(t->env.orders);
	t->env.orders = NULL;
	/* After fini: the ports may still hold fds watched by this loop. */
	io_loop_free(t->io);
	t->io = NULL;
}

static enum os_status setup_thread(struct api_thread *t, const struct api_options *o,
				   api_thread_init_fn *init, void *arg, struct os_error *err)
{
	enum os_status st;

	setup_config(t, o);
	t->drained = true;
	t->env.opts = o;
	t->env.app = &t->app;
	t->timeout_ms = o->request_timeout_ms > 0 ? o->request_timeout_ms : DEFAULT_TIMEOUT_MS;
	t->env.orders = calloc(ORDER_LIST_MAX, sizeof(*t->env.orders));
	t->loop = h2o_evloop_create();
	if (t->env.orders == NULL || t->loop == NULL)
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	st = init(arg, t->index, &t->app, err);
	t->app_ready = st == OS_OK;
	return st;
}

static enum os_status check_options(const struct api_options *o, struct os_error *err)
{
	if (o->threads < 1 || o->threads > API_THREADS_MAX)
		return os_fail(err, OS_EINVAL, "threads", "must be 1..%d", API_THREADS_MAX);
	if (o->port < 0 || o->port > 65535)
		return os_fail(err, OS_EINVAL, "port", "must be 0..65535");
	if (o->max_body_bytes == 0)
		return os_fail(err, OS_EINVAL, "max_body_bytes", "must be > 0");
	return OS_OK;
}

/* Starts n loops; on a failure stops the ones started. *started counts them. */
static enum os_status start_threads(struct api_thread *th, int n, int *started,
				    struct os_error *err)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0) {
			*started = i;
			return os_fail(err, OS_EIO, "", "cannot start api thread %d", i);
		}
	}
	*started = n;
	return OS_OK;
}

enum os_status api_server_run(const struct api_options *o, api_thread_init_fn *init,
			      api_thread_fini_fn *fini, void *arg, struct os_error *err)
{
	struct api_thread *th = NULL;
	struct api_admin_listener admin = {.fd = -1};
	enum os_status st;
	int i, n = 0, port = 0, started = 0;
	char port_text[16];

	stop_flag = 0;
	st = check_options(o, err);
	if (st != OS_OK)
		return st;
	th = calloc((size_t)o->threads, sizeof(*th));
	if (th == NULL)
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	for (i = 0; i < o->threads; i++) {
		th[i].index = i;
		th[i].fd = -1;
	}
	st = bind_all(th, o->threads, o, &port, err);
	if (st == OS_OK && o->admin_port > 0)
		st = admin_bind(&admin, &th[0], o, err);
	for (n = 0; st == OS_OK && n < o->threads; n++)
		st = setup_thread(&th[n], o, init, arg, err);
	if (st != OS_OK)
		goto out;
	st = start_threads(th, o->threads, &started, err);
	if (st != OS_OK) {
		api_server_stop();
		goto out;
	}
	snprintf(port_text, sizeof(port_text), "%d", port);
	log_kv(LOG_INFO, "listening", "port", port_text, NULL);
	if (o->admin_port > 0) {
		snprintf(port_text, sizeof(port_text), "%d", o->admin_port);
		log_kv(LOG_INFO, "admin listening", "host",
		       o->admin_host && o->admin_host[0] ? o->admin_host : "127.0.0.1", "port",
		       port_text, NULL);
	}
	if (o->on_ready)
		o->on_ready(o->on_ready_arg, port);
out:
	for (i = 0; i < started; i++)
		pthread_join(th[i].tid, NULL);
	for (i = 0; i < o->threads; i++)
		teardown(&th[i], fini, arg);
	admin_release(&admin);
	free(th);
	return st;
}
