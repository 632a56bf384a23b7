/* The real system port: the wall clock and OpenSSL's random bytes. */
#include "infrastructure/crypto/sys_real.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/rand.h>

static int64_t real_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void real_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1) {
		/* The sys port promises randomness; ids built without it would
		 * collide, so there is nothing sensible to continue with. */
		fputs("fatal: RAND_bytes failed\n", stderr);
		abort();
	}
}

static const struct sys_ops real_sys_ops = {
    .now_us = real_now_us,
    .random = real_random,
};

void crypto_sys_init(struct sys *out)
{
	out->ops = &real_sys_ops;
	out->ctx = NULL;
}
