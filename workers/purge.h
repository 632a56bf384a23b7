/*
 * The purge pass of the worker loops that keep rows for a while (the outbox
 * relay's sent and withdrawn rows, the inbox applier's processed ones): on
 * a schedule, statements of at most PURGE_BATCH rows older than the cut,
 * until one comes short (nothing older is left) or PURGE_ROUNDS ran (the
 * rest of a long backlog waits for the next pass, so the loop's own work is
 * not held up).
 */
#ifndef OS_PURGE_H
#define OS_PURGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

#define PURGE_BATCH  1000 /* rows deleted per statement, at most */
#define PURGE_ROUNDS 10	  /* statements per pass, at most */

/* One statement: deletes at most max rows older than before_us (Unix
 * microseconds); *deleted counts them. A store's purge, through its port. */
typedef enum os_status purge_step_fn(const void *arg, int64_t before_us, size_t max,
				     size_t *deleted, struct os_error *err);

/* True when a pass is due at now_us: every_ms > 0 and *next_us reached;
 * then *next_us moves every_ms past now_us. */
bool purge_due(int64_t *next_us, int every_ms, int64_t now_us);

/* One pass of step(arg, ...) over the rows older than before_us; *total
 * counts the rows deleted, written on success. A failing statement ends
 * the pass with its status. */
enum os_status purge_pass(purge_step_fn *step, const void *arg, int64_t before_us, size_t *total,
			  struct os_error *err);

#endif
