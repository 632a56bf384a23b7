/* A system port with a hand-set clock and a reproducible random stream. */
#include <string.h>

#include "tests/fakes/fakes.h"

static int64_t fake_now(void *ctx)
{
	struct fake_sys *f = ctx;
	int64_t now;

	pthread_mutex_lock(&f->lock);
	f->now_us += f->step_us;
	now = f->now_us;
	pthread_mutex_unlock(&f->lock);
	return now;
}

/* xorshift64*: not secure, only reproducible, which is what tests need. */
static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fake_sys *f = ctx;
	size_t i;

	pthread_mutex_lock(&f->lock);
	if (f->zeros)
		memset(buf, 0, len);
	for (i = 0; i < len && !f->zeros; i++) {
		f->state ^= f->state >> 12;
		f->state ^= f->state << 25;
		f->state ^= f->state >> 27;
		buf[i] = (uint8_t)((f->state * UINT64_C(2685821657736338717)) >> 56);
	}
	pthread_mutex_unlock(&f->lock);
}

static const struct sys_ops fake_sys_ops = {
    .now_us = fake_now,
    .random = fake_random,
};

void fake_sys_init(struct fake_sys *f, int64_t now_us, uint64_t seed)
{
	f->now_us = now_us;
	f->step_us = 0;
	f->zeros = false;
	pthread_mutex_init(&f->lock, NULL);
	f->state = seed ? seed : UINT64_C(0x9e3779b97f4a7c15);
	f->sys = (struct sys){.ops = &fake_sys_ops, .ctx = f};
}

void fake_clear(void *fake, size_t size, pthread_mutex_t *lock)
{
	memset(fake, 0, size);
	pthread_mutex_init(lock, NULL);
}

void fake_waits_init(struct fake_waits *w, pthread_mutex_t *lock, const int *work_calls,
		     struct fake_sys *clock, volatile sig_atomic_t *stop)
{
	memset(w, 0, sizeof(*w));
	w->lock = lock;
	w->work_calls = work_calls;
	w->clock = clock;
	w->stop = stop;
}

enum os_status fake_waits_wait(void *ctx, int timeout_ms, struct os_error *err)
{
	struct fake_waits *w = ctx;

	(void)err;
	pthread_mutex_lock(w->lock);
	if (w->count == 0)
		w->before_first = *w->work_calls;
	w->count++;
	w->last_ms = timeout_ms;
	if (w->clock != NULL) {
		pthread_mutex_lock(&w->clock->lock);
		w->clock->now_us += (int64_t)timeout_ms * 1000;
		pthread_mutex_unlock(&w->clock->lock);
	}
	if (w->stop != NULL && w->stop_after > 0 && w->count >= w->stop_after)
		*w->stop = 1;
	pthread_mutex_unlock(w->lock);
	return OS_OK;
}
