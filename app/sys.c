/* Helpers over the system port. */
#include "app/sys.h"

void sys_new_uuid(const struct sys *s, struct uuid *out)
{
	uint8_t rnd[10];

	sys_random(s, rnd, sizeof(rnd));
	uuid_v7(out, sys_now_us(s) / 1000, rnd);
}
