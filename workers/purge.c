/* The purge pass shared by the worker loops (workers/purge.h). */
#include "workers/purge.h"

bool purge_due(int64_t *next_us, int every_ms, int64_t now_us)
{
	if (every_ms <= 0 || now_us < *next_us)
		return false;
	*next_us = now_us + (int64_t)every_ms * 1000;
	return true;
}

enum os_status purge_pass(purge_step_fn *step, const void *arg, int64_t before_us, size_t *total,
			  struct os_error *err)
{
	enum os_status st;
	size_t sum = 0, n;
	int round;

	for (round = 0; round < PURGE_ROUNDS; round++) {
		n = 0;
		st = step(arg, before_us, PURGE_BATCH, &n, err);
		if (st != OS_OK)
			return st;
		sum += n;
		if (n < PURGE_BATCH)
			break;
	}
	*total = sum;
	return OS_OK;
}
