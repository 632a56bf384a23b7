/*
 * The HTTP API server (DESIGN §4) on h2o's event loop. Each API thread runs
 * its own loop with its own listening socket (SO_REUSEPORT, same port) and
 * its own struct api_thread_ctx. Every request runs on a fiber of its loop
 * (infrastructure/io/io_loop.h): the adapters behind the ports wait for
 * their sockets through the loop, so a slow database or catalog holds one
 * request, never the loop. The ports of a thread are shared by its
 * requests: they must be safe to use from several fibers of one thread.
 */
#ifndef OS_API_SERVER_H
#define OS_API_SERVER_H

#include <stddef.h>

#include "app/admin_port.h"
#include "app/inbox_port.h"
#include "app/inventory.h"
#include "app/order_service.h"
#include "domain/status.h"
#include "infrastructure/auth/auth.h"
#include "infrastructure/auth/ratelimit.h"

#define API_THREADS_MAX 64

/* What the handlers of one thread use. Filled by api_thread_init_fn. */
struct api_thread_ctx {
	struct order_service svc;   /* repo, catalog, sys, settings */
	struct inbox_writer inbox;  /* payment callbacks */
	struct admin admin;	    /* dead letters, readiness, queue depths */
	struct inventory inventory; /* the local catalog's routes */
};

/*
 * Sets up *out for thread number index (0-based): typically opens a database
 * session. Called on the thread that calls api_server_run, before any loop
 * runs; a failure stops the start-up (fini is called for the threads set up
 * so far) and api_server_run returns it.
 */
typedef enum os_status api_thread_init_fn(void *arg, int index, struct api_thread_ctx *out,
					  struct os_error *err);
/* Releases what init set up; called after that thread's loop has ended. */
typedef void api_thread_fini_fn(void *arg, struct api_thread_ctx *ctx);

struct api_options {
	const char *host;	     /* address to bind; NULL or "" = 0.0.0.0 */
	int port;		     /* 0: the kernel picks one (see on_ready) */
	int threads;		     /* 1..API_THREADS_MAX */
	size_t max_body_bytes;	     /* larger request bodies get 413 */
	const char *callback_secret; /* HMAC key of X-Signature; NULL or "" = no check */
	const char *ingress_secret;  /* HMAC key of X-Webhook-Signature; NULL or "" =
					every ingress webhook is refused (401) */
	const struct auth *auth;     /* bearer authentication; NULL = every route is open */
	struct ratelimit *limits;    /* per-principal buckets; NULL = no limit */
	const char *admin_host;	     /* admin listener address; NULL or "" = 127.0.0.1 */
	int admin_port;		     /* admin listener (metrics, dead letters); 0 = none */
	int request_timeout_ms;	     /* deadline of a request; <= 0: 5000 */
	size_t max_inflight;	     /* requests at once per thread; 0: 256 */
	/* Optional: called once every thread is serving, with the bound port. */
	void (*on_ready)(void *arg, int port);
	void *on_ready_arg;
};

/*
 * Binds every listening socket (a bind failure is returned as OS_EUNAVAIL
 * before anything runs), sets up the threads with init, logs "listening"
 * with the port, and serves until api_server_stop(). Then each loop stops
 * accepting, finishes what is in flight, fini runs for every thread, and
 * OS_OK is returned. One server per process at a time.
 */
enum os_status api_server_run(const struct api_options *o, api_thread_init_fn *init,
			      api_thread_fini_fn *fini, void *arg, struct os_error *err);

/* Asks the running server to stop. Async-signal-safe; a no-op when no
 * server runs. */
void api_server_stop(void);

#endif
