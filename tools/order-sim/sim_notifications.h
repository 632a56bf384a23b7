/*
 * The simulated notification service: records what it is sent, once per
 * Idempotency-Key (repeats are counted, not recorded), and lists it back.
 */
#ifndef SIM_NOTIFICATIONS_H
#define SIM_NOTIFICATIONS_H

#include <stdatomic.h>

#include "tools/order-sim/sim_http.h"
#include "tools/order-sim/sim_journal.h"
#include "tools/order-sim/sim_map.h"

struct sim_notifications {
	struct sim_journal received;
	struct sim_map keys;
	atomic_ulong duplicates;
};

enum os_status sim_notifications_init(struct sim_notifications *n);
void sim_notifications_release(struct sim_notifications *n);
void sim_notifications_reset(struct sim_notifications *n);

/* Route handlers; ctx is the struct sim_notifications. */
void sim_notifications_post(void *ctx, const struct sim_request *req, struct sim_reply *rep);
void sim_notifications_list(void *ctx, const struct sim_request *req, struct sim_reply *rep);

#endif
