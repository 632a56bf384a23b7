/*
 * The outbox sink (app/outbox_port.h) for the payment and notification
 * services: POSTs each row's payload as JSON to the URL (payment.cancel
 * rows to URL/cancel, payment.refund rows to URL/refunds), concurrently
 * through libcurl's multi interface, with the headers receivers need to
 * deduplicate and trace (Idempotency-Key = event id, X-API-Key, X-Request-Id,
 * traceparent). 2xx is sent; 408, 429, 5xx, timeouts and connection errors
 * are retried; any other status is permanent. One sink is used by one relay
 * thread; its connections are kept alive between batches.
 */
#ifndef OS_HTTP_SINK_H
#define OS_HTTP_SINK_H

#include "app/outbox_port.h"

#define HTTP_SINK_PARALLEL_MAX 64
#define HTTP_SINK_RESPONSE_MAX (1024 * 1024) /* longer answers are cut off */

struct http_sink_options {
	const char *url;     /* copied */
	const char *api_key; /* sent as X-API-Key when not NULL or ""; copied */
	int timeout_ms;	     /* per request; <= 0 means 5000 */
	int max_parallel;    /* requests in flight at once; <= 0 means 8, capped */
	/* When not NULL or "": every request carries X-Signature: sha256=<hex
	 * HMAC-SHA256 of the body> under this key (the egress webhook); copied. */
	const char *signing_secret;
};

/*
 * Opens a sink and fills *out with it; the caller owns it and frees it with
 * http_sink_close. OS_EINVAL for a missing URL or an API key unfit for a
 * header, OS_ENOMEM, OS_EIO when libcurl fails to start.
 */
enum os_status http_sink_open(const struct http_sink_options *o, struct outbox_sink *out,
			      struct os_error *err);

/* Frees what http_sink_open made; s->ctx becomes NULL. */
void http_sink_close(struct outbox_sink *s);

#endif
