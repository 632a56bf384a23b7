/* Helpers over the system port, and the monotonic clock. */
#include "app/sys.h"

#include <time.h>

int64_t sys_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sys_new_uuid(const struct sys *s, struct uuid *out)
{
	uint8_t rnd[10];

	sys_random(s, rnd, sizeof(rnd));
	uuid_v7(out, sys_now_us(s) / 1000, rnd);
}
