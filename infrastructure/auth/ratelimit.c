/*
 * The token buckets of ratelimit.h. Tokens are counted in units of 1/60e6
 * of a request so that a refill of per_minute requests per minute is
 * per_minute units per microsecond: integers only.
 */
#include "infrastructure/auth/ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT	    INT64_C(60000000) /* scaled units of one request */
#define MAX_IDLE_US INT64_C(3600000000)

bool ratelimit_init(struct ratelimit *r, int64_t per_minute, int64_t burst)
{
	memset(r, 0, sizeof(*r));
	r->per_minute = per_minute > 0 ? per_minute : 0;
	r->burst = burst > 0 ? burst : 1;
	pthread_mutex_init(&r->lock, NULL);
	if (r->per_minute == 0)
		return true;
	r->slots = calloc(RATELIMIT_SLOTS, sizeof(*r->slots));
	return r->slots != NULL;
}

void ratelimit_release(struct ratelimit *r)
{
	free(r->slots);
	r->slots = NULL;
	pthread_mutex_destroy(&r->lock);
}

/* FNV-1a; 0 is kept for "empty". */
static uint64_t hash_key(const char *k)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= UINT64_C(1099511628211);
	}
	return h ? h : 1;
}

/* The slot of key: its own, else an empty one, else the least recently
 * used of the probe window (reset to a full bucket). */
static struct ratelimit_slot *find_slot(struct ratelimit *r, const char *key, int64_t now_us)
{
	uint64_t h = hash_key(key);
	size_t i, at = (size_t)(h % RATELIMIT_SLOTS);
	struct ratelimit_slot *victim = NULL;

	for (i = 0; i < RATELIMIT_PROBE; i++) {
		struct ratelimit_slot *s = &r->slots[(at + i) % RATELIMIT_SLOTS];

		if (s->hash == h && strcmp(s->key, key) == 0)
			return s;
		if (s->hash == 0) {
			victim = s;
			break;
		}
		if (victim == NULL || s->last_us < victim->last_us)
			victim = s;
	}
	victim->hash = h;
	victim->scaled = r->burst * UNIT;
	victim->last_us = now_us;
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	return victim;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

void ratelimit_take(struct ratelimit *r, const char *key, int64_t now_us,
		    struct ratelimit_verdict *out)
{
	struct ratelimit_slot *s;
	int64_t cap = r->burst * UNIT, idle;

	memset(out, 0, sizeof(*out));
	out->allowed = true;
	if (!ratelimit_enabled(r))
		return;
	pthread_mutex_lock(&r->lock);
	s = find_slot(r, key, now_us);
	idle = now_us - s->last_us;
	if (idle > 0) {
		if (idle > MAX_IDLE_US)
			idle = MAX_IDLE_US;
		s->scaled += idle * r->per_minute;
		if (s->scaled > cap)
			s->scaled = cap;
		s->last_us = now_us;
	}
	out->allowed = s->scaled >= UNIT;
	if (out->allowed)
		s->scaled -= UNIT;
	else
		out->retry_after_s =
		    ceil_div(ceil_div(UNIT - s->scaled, r->per_minute), INT64_C(1000000));
	out->remaining = s->scaled / UNIT;
	out->reset_s = ceil_div(ceil_div(cap - s->scaled, r->per_minute), INT64_C(1000000));
	pthread_mutex_unlock(&r->lock);
}
