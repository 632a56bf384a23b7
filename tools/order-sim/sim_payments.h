/*
 * The simulated payment service. POST /payments records the request, answers
 * 201 pending (once per Idempotency-Key) and later calls the order service
 * back with a signed succeeded/failed result, retrying the callback with
 * backoff. POST /payments/cancel and POST /payments/refunds record what they
 * receive and answer 200 / 201. Failures can be injected at random (5xx,
 * held requests, failed payments) or scripted through the /_sim/payments/
 * control routes, which can also delay callbacks (per order or for all),
 * report a payment pending before its result under the same key, and send
 * an order's last callback again.
 */
#ifndef SIM_PAYMENTS_H
#define SIM_PAYMENTS_H

#include <stdatomic.h>
#include <stddef.h>

#include "tools/order-sim/sim_config.h"
#include "tools/order-sim/sim_http.h"
#include "tools/order-sim/sim_journal.h"
#include "tools/order-sim/sim_map.h"
#include "tools/order-sim/sim_sched.h"

#define SIM_SCRIPT_MAX 256
/* A scripted answer that holds the request instead of answering. */
#define SIM_SCRIPT_TIMEOUT (-1)

struct sim_payments {
	const struct sim_config *cfg;
	struct sim_sched *sched;
	struct sim_map by_key;	 /* idempotency key -> the 201 body */
	struct sim_map outcomes; /* order id -> forced "failed"/"succeeded" */
	struct sim_journal requests;
	struct sim_journal callbacks;
	struct sim_journal cancels;
	struct sim_journal refunds;
	struct sim_map plans;	       /* order id -> "<delay_ms> <pending_first 0|1>" */
	struct sim_map last_callbacks; /* order id -> the body of its result callback */
	atomic_int
	    plan_delay_ms; /* callback delay for orders without a plan; -1: --payment-delay-ms */
	atomic_bool plan_pending_first;
	int script[SIM_SCRIPT_MAX]; /* loop thread only */
	size_t script_len, script_pos;
	atomic_uint generation; /* bumped by reset: older callbacks are dropped */
};

/* Sets up empty state; cfg and sched must outlive p. */
enum os_status sim_payments_init(struct sim_payments *p, const struct sim_config *cfg,
				 struct sim_sched *sched);
void sim_payments_release(struct sim_payments *p);
/* Forgets payments, recordings, forced outcomes and the script; callbacks
 * not yet sent are abandoned. */
void sim_payments_reset(struct sim_payments *p);

/* Route handlers; ctx is the struct sim_payments. */
void sim_payments_create(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_set_outcome(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_set_script(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_list_requests(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_list_callbacks(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_cancel(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_refund(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_list_cancels(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_payments_list_refunds(void *ctx, const struct sim_request *req, struct sim_reply *rep);
/* {"order_id"?, "delay_ms"?, "pending_first"?}: for one order, or (without
 * order_id) every order from now on. */
void sim_payments_set_plan(void *ctx, const struct sim_request *req, struct sim_reply *rep);
/* {"order_id", "times"}: sends the order's last result callback again, times
 * times (same body, same signature). */
void sim_payments_replay(void *ctx, const struct sim_request *req, struct sim_reply *rep);

#endif
