/*
 * A bounded, thread-safe map from text keys to short text values: the
 * simulator's idempotency keys, forced outcomes and seen event ids. Past
 * max_entries the oldest key is forgotten, which is what a real service with
 * a retention window does too.
 */
#ifndef SIM_MAP_H
#define SIM_MAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/status.h"

struct sim_map_entry;

struct sim_map {
	pthread_mutex_t lock;
	struct sim_map_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t max_entries;
	size_t count;
	struct sim_map_entry *oldest, *newest;
};

/* Sets up an empty map; allocates the bucket array. */
enum os_status sim_map_init(struct sim_map *m, size_t max_entries);
void sim_map_release(struct sim_map *m);
void sim_map_clear(struct sim_map *m);

/* Inserts or replaces key's value (both copied). */
enum os_status sim_map_put(struct sim_map *m, const char *key, const char *val);

/* Inserts key only if absent: OS_ECONFLICT (and nothing changes) if present. */
enum os_status sim_map_add(struct sim_map *m, const char *key, const char *val);

/* Copies key's value into out (cut to cap) and returns true if present;
 * out is untouched otherwise. */
bool sim_map_get(struct sim_map *m, const char *key, char *out, size_t cap);

#endif
