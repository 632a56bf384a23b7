/*
 * The simulated egress-webhook receiver (a request catcher or a partner):
 * records every request it is sent — retries included — with its
 * X-Signature and Idempotency-Key headers and its raw body, so that a test
 * can check the payload and verify the signature itself; lists them back.
 * It can be told to fail the next requests (503) to exercise retries.
 */
#ifndef SIM_WEBHOOK_H
#define SIM_WEBHOOK_H

#include <stdatomic.h>

#include "tools/order-sim/sim_http.h"
#include "tools/order-sim/sim_journal.h"

struct sim_webhook {
	struct sim_journal received;
	atomic_long fail_next; /* requests still to answer 503 */
};

enum os_status sim_webhook_init(struct sim_webhook *w);
void sim_webhook_release(struct sim_webhook *w);
void sim_webhook_reset(struct sim_webhook *w);

/* Route handlers; ctx is the struct sim_webhook.
 *   POST /_sim/webhook          the receiver: 200 {"ok": true} (or 503)
 *   GET  /_sim/webhook          {"data": [{"received_at", "order_id", "event",
 *                               "signature", "idempotency_key", "raw", "body"}]}
 *                               (?order_id= filters)
 *   POST /_sim/webhook/fail     {"count": n}: the next n requests get 503 */
void sim_webhook_post(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_webhook_list(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_webhook_fail(void *ctx, const struct sim_request *req, struct sim_reply *rep);

#endif
