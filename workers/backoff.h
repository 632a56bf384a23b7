/*
 * Retry delays and the pause of every worker loop: exponential backoff
 * with full jitter, capped (attempt 1 waits about base, attempt 2 about
 * 2*base, ... never more than max), and a sleep that a stop request cuts
 * short. The relays, the inbox applier, the shipping consumer and the
 * workers' start-up all wait through backoff_pause().
 */
#ifndef OS_BACKOFF_H
#define OS_BACKOFF_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/sys.h"

struct backoff {
	int64_t base_us; /* first delay */
	int64_t max_us;	 /* ceiling */
};

/* The delay before retry number attempt (>= 1) without jitter:
 * min(max, base * 2^(attempt-1)), base taken as 1 when <= 0. */
int64_t backoff_ceiling_us(const struct backoff *b, int32_t attempt);

/* Delay before retry number attempt (>= 1): uniformly random in
 * [d/2, d] where d = backoff_ceiling_us(b, attempt); d itself when sys is
 * NULL (no jitter). */
int64_t backoff_delay_us(const struct backoff *b, int32_t attempt, const struct sys *sys);

/*
 * Sleeps us microseconds (none when us <= 0) on the monotonic clock, in
 * slices of at most 50 ms so that a stop request is seen soon: returns
 * false as soon as *stop is non-zero (also when it already was), true when
 * the whole pause passed. A signal interrupting a slice does not shorten
 * the pause unless its handler sets *stop. Blocks the calling thread: for
 * worker loops, never for the API's event loops.
 */
bool backoff_pause(int64_t us, volatile sig_atomic_t *stop);

/* After a failure: counts it in *failures (consecutive failures, saturating
 * at INT32_MAX, reset by the caller on success) and pauses for the delay
 * of that many, as backoff_delay_us(b, *failures, sys) then
 * backoff_pause(). Returns what backoff_pause() returns. */
bool backoff_wait(const struct backoff *b, int32_t *failures, const struct sys *sys,
		  volatile sig_atomic_t *stop);

#endif
