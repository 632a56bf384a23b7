/*
 * A minimal /metrics endpoint of a process of its own (METRICS_PORT, or
 * WORKER_METRICS_PORT for a worker; entrypoint.sh gives each process its
 * port from METRICS_PORT_BASE): one background thread that accepts a
 * connection, reads the request head (bounded), answers with
 * metrics_render() in the Prometheus text format and closes. It is a
 * scrape target, nothing more: one request per connection, one client at a
 * time, short timeouts. It never runs on an event loop of the API.
 */
#ifndef OS_METRICS_SERVER_H
#define OS_METRICS_SERVER_H

#include "domain/status.h"

/* Called on the server's thread before each render, e.g. to read queue
 * depths from the database (it may block: the thread serves nothing else).
 * ctx is what metrics_server_start() was given. */
typedef void metrics_refresh_fn(void *ctx);

/* Starts listening on port (all interfaces) in a detached thread. The thread
 * lives as long as the process. refresh may be NULL. OS_EIO if the port
 * cannot be bound. */
enum os_status metrics_server_start(int port, metrics_refresh_fn *refresh, void *ctx,
				    struct os_error *err);

#endif
