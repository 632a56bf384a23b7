/*
 * What the inbox applier does with one recorded message (a payment callback
 * or a shipping event): the state machine's verdict for the row's order
 * turned into an inbox fate and, when it applies, an order change with its
 * outbox messages. This is the inbox_decide_fn of inbox_port.h.
 */
#ifndef OS_INBOX_DECIDE_H
#define OS_INBOX_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "app/inbox_port.h"
#include "app/order_change.h"
#include "app/order_service.h"
#include "app/sys.h"

/* Settings of the decision; borrowed by the applier for its lifetime. */
struct inbox_decider {
	const struct order_settings *settings;
	struct sys sys;
	int32_t max_attempts;  /* an early row is rejected on this attempt */
	int64_t retry_base_us; /* first deferral delay */
	int64_t retry_max_us;  /* ceiling of the deferral delay */
};

/*
 * inbox_decide_fn. arg is a struct inbox_decider *. Fills *outcome always:
 *   applied:              INBOX_PROCESSED, returns true with *change filled
 *                         (the store writes it and releases its messages);
 *                         a cancellation carries its money part (order_money.h);
 *   a succeeded payment the order cannot keep (cancelled, or paid by another
 *   payment):             INBOX_PROCESSED, returns true with a change that
 *                         keeps the status and requests the refund;
 *   duplicate, pending:   INBOX_PROCESSED, nothing to write;
 *   early:                INBOX_DEFER with retry_at_us, or INBOX_REJECTED
 *                         ("gave up waiting") once attempts run out;
 *   impossible, unknown type, missing order: INBOX_REJECTED with a note.
 * *change is written only when it returns true.
 */
bool inbox_decide(void *arg, const struct inbox_row *row, const struct order *order,
		  struct order_change *change, struct inbox_outcome *outcome);

/* The delay before retrying a row deferred attempts times already:
 * base * 2^attempts, capped at max. */
int64_t inbox_decide_retry_delay_us(const struct inbox_decider *d, int32_t attempts);

#endif
