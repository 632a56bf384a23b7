/* Exponential backoff with jitter, and the stoppable pause of the loops. */
#include "workers/backoff.h"

#include <time.h>

#include "app/sys.h"

#define BACKOFF_PAUSE_SLICE_US 50000 /* how often a pause looks at the stop flag */

int64_t backoff_ceiling_us(const struct backoff *b, int32_t attempt)
{
	int64_t d = b->base_us > 0 ? b->base_us : 1;
	int32_t i;

	for (i = 1; i < attempt && d < b->max_us; i++)
		d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
	return d > b->max_us ? b->max_us : d;
}

int64_t backoff_delay_us(const struct backoff *b, int32_t attempt, const struct sys *sys)
{
	int64_t d = backoff_ceiling_us(b, attempt);
	uint64_t r;

	if (d < 2 || sys == NULL)
		return d;
	sys_random(sys, (uint8_t *)&r, sizeof(r));
	return d / 2 + (int64_t)(r % (uint64_t)(d / 2 + 1));
}

bool backoff_pause(int64_t us, volatile sig_atomic_t *stop)
{
	int64_t now = sys_mono_us();
	int64_t end = us > INT64_MAX - now ? INT64_MAX : now + (us > 0 ? us : 0);
	int64_t next;
	struct timespec ts;

	while (!*stop && now < end) {
		next = end - now > BACKOFF_PAUSE_SLICE_US ? now + BACKOFF_PAUSE_SLICE_US : end;
		ts.tv_sec = (time_t)(next / 1000000);
		ts.tv_nsec = (long)(next % 1000000) * 1000;
		/* Absolute: an interrupted slice resumes to the same instant. */
		(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = sys_mono_us();
	}
	return !*stop;
}

bool backoff_wait(const struct backoff *b, int32_t *failures, const struct sys *sys,
		  volatile sig_atomic_t *stop)
{
	if (*failures < INT32_MAX)
		(*failures)++;
	return backoff_pause(backoff_delay_us(b, *failures, sys), stop);
}
