/*
 * The simulated payment service. POST /payments records the request, answers
 * 201 pending (once per Idempotency-Key) and later calls the order service
 * back with a signed succeeded/failed result, retrying the callback with
 * backoff. Failures can be injected at random (5xx, held requests, failed
 * payments) or scripted through the /_sim/payments/ control routes.
 */
#ifndef SIM_PAYMENTS_H
#define SIM_PAYMENTS_H

#include <stdatomic.h>
#include <stddef.h>

#include "sim_config.h"
#include "sim_http.h"
#include "sim_journal.h"
#include "sim_map.h"
#include "sim_sched.h"

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

#endif
