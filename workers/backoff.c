/* Exponential backoff with jitter. */
#include "backoff.h"

int64_t backoff_delay_us(const struct backoff *b, int32_t attempt, const struct sys *sys)
{
	int64_t d = b->base_us > 0 ? b->base_us : 1;
	uint64_t r;
	int32_t i;

	for (i = 1; i < attempt && d < b->max_us; i++)
		d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
	if (d > b->max_us)
		d = b->max_us;
	if (d < 2)
		return d;
	sys_random(sys, (uint8_t *)&r, sizeof(r));
	return d / 2 + (int64_t)(r % (uint64_t)(d / 2 + 1));
}
