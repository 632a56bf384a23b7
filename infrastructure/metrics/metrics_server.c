/* The workers' /metrics endpoint: a tiny blocking accept loop in a thread. */
#include "metrics_server.h"

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
#include "metrics.h"

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

static void serve_one(int fd)
{
	struct timeval tv = {2, 0};
	struct sbuf body, head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	drain_head(fd);
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
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			return NULL;
		}
		serve_one(fd);
		close(fd);
	}
}

enum os_status metrics_server_start(int port, struct os_error *err)
{
	struct sockaddr_in addr;
	pthread_t tid;
	int fd, one = 1;

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
	if (pthread_create(&tid, NULL, accept_loop, (void *)(intptr_t)fd) != 0) {
		close(fd);
		return os_fail(err, OS_EIO, NULL, "metrics thread could not start");
	}
	pthread_detach(tid);
	return OS_OK;
}
