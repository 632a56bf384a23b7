/*
 * Token-bucket rate limits (DESIGN §4), one bucket per principal or client
 * address, per process: with several instances each allows the full rate.
 * A bucket holds up to `burst` requests and refills at `per_minute`. The
 * buckets live in a fixed table (RATELIMIT_SLOTS); a key that finds no slot
 * in its probe window takes the least recently used one there, so memory
 * stays bounded whatever the number of callers (an evicted caller starts
 * again with a full bucket). Calls are short and take a mutex: no I/O.
 */
#ifndef OS_RATELIMIT_H
#define OS_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLOTS	  8192
#define RATELIMIT_PROBE	  16
#define RATELIMIT_KEY_MAX 80

struct ratelimit_slot {
	uint64_t hash;
	int64_t scaled; /* tokens * 60e6 */
	int64_t last_us;
	char key[RATELIMIT_KEY_MAX + 1];
};

struct ratelimit {
	int64_t per_minute; /* 0: no limit */
	int64_t burst;
	pthread_mutex_t lock;
	struct ratelimit_slot *slots; /* owned, RATELIMIT_SLOTS */
};

/* The answer for one request. */
struct ratelimit_verdict {
	bool allowed;
	int64_t remaining;     /* whole requests left in the bucket */
	int64_t retry_after_s; /* when refused: seconds until one is allowed */
	int64_t reset_s;       /* seconds until the bucket is full again */
};

/* Sets up *r; per_minute 0 disables limiting (no table is allocated).
 * Returns false when out of memory. */
bool ratelimit_init(struct ratelimit *r, int64_t per_minute, int64_t burst);
void ratelimit_release(struct ratelimit *r);

static inline bool ratelimit_enabled(const struct ratelimit *r)
{
	return r != NULL && r->per_minute > 0;
}

/* Takes one request from key's bucket at monotonic time now_us. */
void ratelimit_take(struct ratelimit *r, const char *key, int64_t now_us,
		    struct ratelimit_verdict *out);

#endif
