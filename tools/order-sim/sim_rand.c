/* Seeded outcome generator (splitmix64) and random identifiers. */
#include "tools/order-sim/sim_rand.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "tools/order-sim/sim_config.h"

static pthread_mutex_t rand_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rand_state;

int64_t sim_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sim_rand_seed(uint64_t seed)
{
	if (seed == 0)
		seed = (uint64_t)sim_now_us() ^ ((uint64_t)getpid() << 32);
	rand_state = seed;
}

static uint64_t next_u64(void)
{
	uint64_t z;

	pthread_mutex_lock(&rand_lock);
	rand_state += UINT64_C(0x9e3779b97f4a7c15);
	z = rand_state;
	pthread_mutex_unlock(&rand_lock);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t sim_rand_below(uint32_t n)
{
	return (uint32_t)(next_u64() % n);
}

bool sim_rand_chance(uint32_t ppm)
{
	if (ppm == 0)
		return false;
	return sim_rand_below(SIM_PPM) < ppm;
}

void sim_rand_uuid(char out[UUID_STR_LEN + 1])
{
	uint8_t rnd[10];
	struct uuid u;

	/* Identifiers must not repeat across runs with the same --seed. */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		abort();
	uuid_v7(&u, sim_now_us() / 1000, rnd);
	uuid_format(&u, out);
}
