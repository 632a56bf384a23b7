/*
 * Chance and identifiers for the simulator. Outcomes (fail or not, 500 or
 * 503) come from a seeded generator so a run can be repeated with --seed;
 * identifiers come from OpenSSL's generator so they never collide across
 * runs. Thread-safe.
 */
#ifndef SIM_RAND_H
#define SIM_RAND_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/uuid.h"

/* Seeds the outcome generator; 0 seeds it from the clock. Call before threads. */
void sim_rand_seed(uint64_t seed);

/* True with probability ppm / 1,000,000. */
bool sim_rand_chance(uint32_t ppm);

/* A number in [0, n) from the outcome generator; n > 0. */
uint32_t sim_rand_below(uint32_t n);

/* A fresh time-ordered UUID in canonical text form. */
void sim_rand_uuid(char out[UUID_STR_LEN + 1]);

/* Current Unix time in microseconds. */
int64_t sim_now_us(void);

#endif
