/*
 * The system port: wall clock and randomness. Use cases take time and ids from
 * here so that tests can fix both. Beside it, the one reader of the
 * monotonic clock.
 */
#ifndef OS_SYS_H
#define OS_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/uuid.h"

/* Current Unix time in microseconds. */
typedef int64_t sys_now_fn(void *ctx);
/* Fills buf with len unpredictable bytes. Never fails (aborts if the OS
 * cannot provide randomness). */
typedef void sys_random_fn(void *ctx, uint8_t *buf, size_t len);

struct sys_ops {
	sys_now_fn *now_us;
	sys_random_fn *random;
};

struct sys {
	const struct sys_ops *ops;
	void *ctx;
};

static inline int64_t sys_now_us(const struct sys *s)
{
	return s->ops->now_us(s->ctx);
}

static inline void sys_random(const struct sys *s, uint8_t *buf, size_t len)
{
	s->ops->random(s->ctx, buf, len);
}

/* A new time-ordered (v7) UUID from the port's clock and randomness. */
void sys_new_uuid(const struct sys *s, struct uuid *out);

/* The monotonic clock (CLOCK_MONOTONIC), for durations, deadlines, timers
 * and rate limits; never for a time anyone reads. Not on the port: no use
 * case reads it. */
int64_t sys_mono_ns(void);

static inline int64_t sys_mono_us(void)
{
	return sys_mono_ns() / 1000;
}

static inline int64_t sys_mono_ms(void)
{
	return sys_mono_ns() / 1000000;
}

#endif
