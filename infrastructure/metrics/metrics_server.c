/* A process's own /metrics endpoint: a tiny blocking accept loop in a thread. */
#include "infrastructure/metrics/metrics_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "app/sbuf.h"
#include "infrastructure/metrics/metrics.h"

#define METRICS_RESPONSE_MAX (1024 * 1024)
#define METRICS_HEAD_MAX     4096

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Reads until the end of the request head or the bound; the content is not
 * needed: every request gets the metrics. */
static void drain_head(int fd)
{
	char buf[METRICS_HEAD_MAX + 1];
	size_t got = 0;

	while (got < METRICS_HEAD_MAX) {
		ssize_t n = read(fd, buf + got, METRICS_HEAD_MAX - got);

		if (n <= 0)
			return;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return;
	}
}

struct server {
	int fd;
	metrics_refresh_fn *refresh;
	void *ctx;
};

static void serve_one(const struct server *srv, int fd)
{
	struct timeval tv = {2, 0};
	struct sbuf body, head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	drain_head(fd);
	if (srv->refresh != NULL)
		srv->refresh(srv->ctx);
	sbuf_init(&body, METRICS_RESPONSE_MAX);
	sbuf_init(&head, 256);
	metrics_render(&body);
	sbuf_addf(&head,
		  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		  body.len);
	if (sbuf_ok(&head) && sbuf_ok(&body)) {
		write_all(fd, head.buf, head.len);
		write_all(fd, body.buf ? body.buf : "", body.len);
	}
	sbuf_release(&head);
	sbuf_release(&body);
}

static void *accept_loop(void *arg)
{
	const struct server *srv = arg;

	for (;;) {
		int fd = accept(srv->fd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			return NULL;
		}
		serve_one(srv, fd);
		close(fd);
	}
}

enum os_status metrics_server_start(int port, metrics_refresh_fn *refresh, void *ctx,
				    struct os_error *err)
{
	/* One server per process, living as long as it: static storage. */
	static struct server srv;
	struct sockaddr_in addr;
	pthread_t tid;
	int fd, one = 1;

	if (srv.refresh != NULL || srv.fd > 0)
		return os_fail(err, OS_EINVAL, NULL, "metrics endpoint already started");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return os_fail(err, OS_EIO, NULL, "metrics socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 16) != 0) {
		int e = errno;

		close(fd);
		return os_fail(err, OS_EIO, NULL, "metrics port %d: %s", port, strerror(e));
	}
	srv = (struct server){.fd = fd, .refresh = refresh, .ctx = ctx};
	if (pthread_create(&tid, NULL, accept_loop, &srv) != 0) {
		close(fd);
		return os_fail(err, OS_EIO, NULL, "metrics thread could not start");
	}
	pthread_detach(tid);
	return OS_OK;
}
