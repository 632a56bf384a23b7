/*
 * The loopback HTTP/1.1 test server. Threads poll with a short timeout so
 * that stop never waits on a blocked read; the record table is fixed at
 * start so that request pointers stay valid while the server runs.
 */
#include "tests/support/fake_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FH_CONNS_MAX 64
#define FH_HEAD_MAX  16384
#define FH_BODY_MAX  (1024 * 1024)
#define FH_POLL_MS   20

struct fh_conn {
	struct fake_http *srv;
	pthread_t thread;
	int fd;
	bool used;
	atomic_bool done;
};

struct fake_http {
	int listen_fd;
	int port;
	char url[64];
	pthread_t acceptor;
	atomic_bool stopping;
	fake_http_handler_fn *handler;
	void *arg;
	pthread_mutex_t lock; /* guards everything below */
	struct fh_conn conns[FH_CONNS_MAX];
	size_t connections;
	struct fake_http_request *records; /* FAKE_HTTP_RECORD_MAX entries */
	size_t request_count;
	int in_flight;
	int peak;
	int script_status;
	char *script_body;
	int script_delay_ms;
};

/* ---- reading a request ---- */

struct fh_reader {
	int fd;
	struct fake_http *srv;
	char buf[FH_HEAD_MAX];
	size_t len;
};

/* Reads more bytes into r->buf; false on close, error, full buffer or stop. */
static bool fh_fill(struct fh_reader *r)
{
	struct pollfd p = {.fd = r->fd, .events = POLLIN};
	ssize_t n;
	int rc;

	if (r->len == sizeof(r->buf))
		return false;
	while (!atomic_load(&r->srv->stopping)) {
		rc = poll(&p, 1, FH_POLL_MS);
		if (rc < 0 && errno != EINTR)
			return false;
		if (rc <= 0)
			continue;
		n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
		if (n <= 0)
			return false;
		r->len += (size_t)n;
		return true;
	}
	return false;
}

static void fh_copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void fh_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Parses the head (request line and headers, without the final CRLF CRLF). */
static bool fh_parse_head(const char *head, size_t len, struct fake_http_request *req)
{
	const char *end = head + len, *line = head, *eol, *sp1, *sp2, *colon;
	size_t vlen;
	const char *v;

	eol = memmem(line, (size_t)(end - line), "\r\n", 2);
	if (eol == NULL)
		eol = end;
	sp1 = memchr(line, ' ', (size_t)(eol - line));
	if (sp1 == NULL)
		return false;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL)
		return false;
	fh_copy(req->method, sizeof(req->method), line, (size_t)(sp1 - line));
	fh_copy(req->path, sizeof(req->path), sp1 + 1, (size_t)(sp2 - sp1 - 1));
	while (eol < end) {
		line = eol + 2;
		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || req->header_count == FAKE_HTTP_HEADERS_MAX)
			continue;
		v = colon + 1;
		vlen = (size_t)(eol - v);
		fh_trim(&v, &vlen);
		fh_copy(req->headers[req->header_count].name, sizeof(req->headers[0].name), line,
			(size_t)(colon - line));
		fh_copy(req->headers[req->header_count].value, sizeof(req->headers[0].value), v,
			vlen);
		req->header_count++;
	}
	return true;
}

/* Reads the body of content_length bytes, part of which may be in r->buf
 * after head_len. Leaves r->buf holding what follows the body. */
static bool fh_read_body(struct fh_reader *r, size_t head_len, size_t content_length,
			 struct fake_http_request *req)
{
	size_t have, take;

	req->body = malloc(content_length + 1);
	if (req->body == NULL)
		return false;
	memmove(r->buf, r->buf + head_len, r->len - head_len);
	r->len -= head_len;
	have = 0;
	while (have < content_length) {
		if (r->len == 0 && !fh_fill(r))
			return false;
		take = content_length - have < r->len ? content_length - have : r->len;
		memcpy(req->body + have, r->buf, take);
		memmove(r->buf, r->buf + take, r->len - take);
		r->len -= take;
		have += take;
	}
	req->body[content_length] = '\0';
	req->body_len = content_length;
	return true;
}

/* Reads one request into *req (body allocated). False on close or error. */
static bool fh_read_request(struct fh_reader *r, struct fake_http_request *req)
{
	const char *cl, *end;
	size_t content_length = 0, head_len;
	char *stop;

	memset(req, 0, sizeof(*req));
	while ((end = memmem(r->buf, r->len, "\r\n\r\n", 4)) == NULL)
		if (!fh_fill(r))
			return false;
	head_len = (size_t)(end - r->buf) + 4;
	if (!fh_parse_head(r->buf, head_len - 4, req))
		return false;
	cl = fake_http_header(req, "Content-Length");
	if (cl != NULL) {
		unsigned long long v = strtoull(cl, &stop, 10);

		if (*stop != '\0' || v > FH_BODY_MAX)
			return false;
		content_length = (size_t)v;
	}
	return fh_read_body(r, head_len, content_length, req);
}

/* ---- answering ---- */

static bool fh_send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void fh_delay(struct fake_http *srv, int ms)
{
	struct timespec ts = {0, 5 * 1000000L};

	for (; ms > 0 && !atomic_load(&srv->stopping); ms -= 5)
		nanosleep(&ts, NULL);
}

static bool fh_answer(int fd, const struct fake_http_response *resp)
{
	size_t body_len = resp->body_len;
	char head[1024];
	int n;

	if (body_len == 0 && resp->body != NULL)
		body_len = strlen(resp->body);
	/* These answers carry no body (RFC 9110); clients would read one as
	 * the start of the next answer. */
	if (resp->status < 200 || resp->status == 204 || resp->status == 304)
		body_len = 0;
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d Test\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
		     resp->status, resp->content_type ? resp->content_type : "application/json",
		     body_len, resp->headers ? resp->headers : "",
		     resp->close ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return false;
	if (!fh_send_all(fd, head, (size_t)n))
		return false;
	return body_len == 0 || fh_send_all(fd, resp->body, body_len);
}

/* Stores a copy of req in the record table (the body is shared with it). */
static void fh_record(struct fake_http *srv, struct fake_http_request *req, bool *kept)
{
	pthread_mutex_lock(&srv->lock);
	*kept = srv->request_count < FAKE_HTTP_RECORD_MAX;
	if (*kept)
		srv->records[srv->request_count] = *req;
	srv->request_count++;
	srv->in_flight++;
	if (srv->in_flight > srv->peak)
		srv->peak = srv->in_flight;
	pthread_mutex_unlock(&srv->lock);
}

/* Copies the scripted answer: the test may replace it (and free the old
 * body) while this connection is still sending. The copy is the caller's. */
static char *fh_scripted(struct fake_http *srv, struct fake_http_response *resp)
{
	char *body;

	pthread_mutex_lock(&srv->lock);
	resp->status = srv->script_status;
	body = strdup(srv->script_body != NULL ? srv->script_body : "");
	resp->body = body != NULL ? body : "";
	resp->delay_ms = srv->script_delay_ms;
	pthread_mutex_unlock(&srv->lock);
	return body;
}

/* Handles one request; false when the connection must end. */
static bool fh_serve_one(struct fake_http *srv, struct fh_reader *r)
{
	struct fake_http_response resp;
	struct fake_http_request req;
	const char *conn;
	char *scripted;
	bool kept, ok;

	if (!fh_read_request(r, &req)) {
		free(req.body);
		return false;
	}
	fh_record(srv, &req, &kept);
	memset(&resp, 0, sizeof(resp));
	scripted = fh_scripted(srv, &resp);
	if (srv->handler != NULL)
		srv->handler(srv->arg, srv, &req, &resp);
	fh_delay(srv, resp.delay_ms);
	conn = fake_http_header(&req, "Connection");
	if (conn != NULL && strcasecmp(conn, "close") == 0)
		resp.close = true;
	ok = !atomic_load(&srv->stopping) && fh_answer(r->fd, &resp) && !resp.close;
	pthread_mutex_lock(&srv->lock);
	srv->in_flight--;
	pthread_mutex_unlock(&srv->lock);
	if (!kept)
		free(req.body);
	free(scripted);
	return ok;
}

static void *fh_conn_main(void *p)
{
	struct fh_conn *c = p;
	struct fh_reader *r = calloc(1, sizeof(*r));

	if (r != NULL) {
		r->fd = c->fd;
		r->srv = c->srv;
		while (fh_serve_one(c->srv, r))
			;
	}
	free(r);
	shutdown(c->fd, SHUT_RDWR);
	atomic_store(&c->done, true);
	return NULL;
}

/* ---- accepting ---- */

/* A free connection slot, joining finished ones. Called with the lock. */
static struct fh_conn *fh_slot(struct fake_http *srv)
{
	size_t i;

	for (i = 0; i < FH_CONNS_MAX; i++) {
		struct fh_conn *c = &srv->conns[i];

		if (c->used && atomic_load(&c->done)) {
			pthread_join(c->thread, NULL);
			close(c->fd);
			c->used = false;
		}
		if (!c->used)
			return c;
	}
	return NULL;
}

static void fh_accept_one(struct fake_http *srv)
{
	struct fh_conn *c;
	int fd = accept(srv->listen_fd, NULL, NULL);

	if (fd < 0)
		return;
	pthread_mutex_lock(&srv->lock);
	c = fh_slot(srv);
	if (c != NULL) {
		c->srv = srv;
		c->fd = fd;
		atomic_store(&c->done, false);
		c->used = pthread_create(&c->thread, NULL, fh_conn_main, c) == 0;
		if (c->used)
			srv->connections++;
	}
	pthread_mutex_unlock(&srv->lock);
	if (c == NULL || !c->used)
		close(fd);
}

static void *fh_accept_main(void *p)
{
	struct fake_http *srv = p;
	struct pollfd pfd = {.fd = srv->listen_fd, .events = POLLIN};

	while (!atomic_load(&srv->stopping))
		if (poll(&pfd, 1, FH_POLL_MS) > 0)
			fh_accept_one(srv);
	return NULL;
}

static bool fh_listen(struct fake_http *srv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv->listen_fd < 0)
		return false;
	setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(srv->listen_fd, 128) != 0 ||
	    getsockname(srv->listen_fd, (struct sockaddr *)&a, &alen) != 0) {
		close(srv->listen_fd);
		return false;
	}
	srv->port = ntohs(a.sin_port);
	snprintf(srv->url, sizeof(srv->url), "http://127.0.0.1:%d", srv->port);
	return true;
}

struct fake_http *fake_http_start(fake_http_handler_fn *handler, void *arg)
{
	struct fake_http *srv = calloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->records = calloc(FAKE_HTTP_RECORD_MAX, sizeof(*srv->records));
	srv->script_body = strdup("{}");
	if (srv->records == NULL || srv->script_body == NULL || !fh_listen(srv))
		goto fail;
	srv->handler = handler;
	srv->arg = arg;
	srv->script_status = 200;
	pthread_mutex_init(&srv->lock, NULL);
	atomic_init(&srv->stopping, false);
	if (pthread_create(&srv->acceptor, NULL, fh_accept_main, srv) != 0) {
		close(srv->listen_fd);
		pthread_mutex_destroy(&srv->lock);
		goto fail;
	}
	return srv;
fail:
	free(srv->records);
	free(srv->script_body);
	free(srv);
	return NULL;
}

void fake_http_stop(struct fake_http *srv)
{
	size_t i;

	if (srv == NULL)
		return;
	atomic_store(&srv->stopping, true);
	pthread_join(srv->acceptor, NULL);
	close(srv->listen_fd);
	for (i = 0; i < FH_CONNS_MAX; i++) {
		if (!srv->conns[i].used)
			continue;
		pthread_join(srv->conns[i].thread, NULL);
		close(srv->conns[i].fd);
	}
	for (i = 0; i < srv->request_count && i < FAKE_HTTP_RECORD_MAX; i++)
		free(srv->records[i].body);
	pthread_mutex_destroy(&srv->lock);
	free(srv->records);
	free(srv->script_body);
	free(srv);
}

int fake_http_port(const struct fake_http *srv)
{
	return srv->port;
}

const char *fake_http_url(const struct fake_http *srv)
{
	return srv->url;
}

void fake_http_respond(struct fake_http *srv, int status, const char *body, int delay_ms)
{
	char *copy = strdup(body != NULL ? body : "");

	pthread_mutex_lock(&srv->lock);
	if (copy != NULL) {
		free(srv->script_body);
		srv->script_body = copy;
	}
	srv->script_status = status;
	srv->script_delay_ms = delay_ms;
	pthread_mutex_unlock(&srv->lock);
}

size_t fake_http_request_count(struct fake_http *srv)
{
	size_t n;

	pthread_mutex_lock(&srv->lock);
	n = srv->request_count;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

const struct fake_http_request *fake_http_request(struct fake_http *srv, size_t i)
{
	const struct fake_http_request *r = NULL;

	pthread_mutex_lock(&srv->lock);
	if (i < srv->request_count && i < FAKE_HTTP_RECORD_MAX)
		r = &srv->records[i];
	pthread_mutex_unlock(&srv->lock);
	return r;
}

const char *fake_http_header(const struct fake_http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->header_count; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

/* The server's counters, read together under its lock. */
struct counters {
	int in_flight;
	int peak;
	size_t connections;
};

static struct counters counters_of(struct fake_http *srv)
{
	struct counters c;

	pthread_mutex_lock(&srv->lock);
	c.in_flight = srv->in_flight;
	c.peak = srv->peak;
	c.connections = srv->connections;
	pthread_mutex_unlock(&srv->lock);
	return c;
}

int fake_http_in_flight(struct fake_http *srv)
{
	return counters_of(srv).in_flight;
}

int fake_http_peak_in_flight(struct fake_http *srv)
{
	return counters_of(srv).peak;
}

size_t fake_http_connection_count(struct fake_http *srv)
{
	return counters_of(srv).connections;
}

bool fake_http_stopping(struct fake_http *srv)
{
	return atomic_load(&srv->stopping);
}
