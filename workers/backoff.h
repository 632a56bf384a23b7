/*
 * Retry delays for the relays and the inbox applier: exponential backoff with
 * full jitter, capped. attempt 1 waits about base, attempt 2 about 2*base,
 * ... never more than max.
 */
#ifndef OS_BACKOFF_H
#define OS_BACKOFF_H

#include <stdint.h>

#include "app/sys.h"

struct backoff {
	int64_t base_us; /* first delay */
	int64_t max_us;  /* ceiling */
};

/* Delay before retry number attempt (>= 1): uniformly random in
 * [d/2, d] where d = min(max, base * 2^(attempt-1)). */
int64_t backoff_delay_us(const struct backoff *b, int32_t attempt, const struct sys *sys);

#endif
