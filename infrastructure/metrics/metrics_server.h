/*
 * A minimal /metrics endpoint for the worker processes (WORKER_METRICS_PORT):
 * one background thread that accepts a connection, reads the request head
 * (bounded), answers with metrics_render() in the Prometheus text format and
 * closes. Workers have no other HTTP surface, so this stays deliberately
 * small: one request per connection, one client at a time, short timeouts.
 */
#ifndef OS_METRICS_SERVER_H
#define OS_METRICS_SERVER_H

#include "domain/status.h"

/* Starts listening on port (all interfaces) in a detached thread. The thread
 * lives as long as the process. OS_EIO if the port cannot be bound. */
enum os_status metrics_server_start(int port, struct os_error *err);

#endif
