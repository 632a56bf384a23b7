/* Chained hash map with insertion-order eviction. */
#include "tools/order-sim/sim_map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_map_entry {
	struct sim_map_entry *next;  /* bucket chain */
	struct sim_map_entry *newer; /* insertion order */
	char *key;
	char *val;
};

static uint64_t hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

enum os_status sim_map_init(struct sim_map *m, size_t max_entries)
{
	size_t n = 1024;

	while (n < max_entries && n < ((size_t)1 << 20))
		n *= 2;
	m->buckets = calloc(n, sizeof(*m->buckets));
	if (m->buckets == NULL)
		return OS_ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->nbuckets = n;
	m->max_entries = max_entries;
	m->count = 0;
	m->oldest = m->newest = NULL;
	return OS_OK;
}

static struct sim_map_entry **slot_of(struct sim_map *m, const char *key)
{
	struct sim_map_entry **p = &m->buckets[hash(key) & (m->nbuckets - 1)];

	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void free_entry(struct sim_map_entry *e)
{
	free(e->key);
	free(e->val);
	free(e);
}

static void evict_oldest(struct sim_map *m)
{
	struct sim_map_entry *e = m->oldest;
	struct sim_map_entry **p = slot_of(m, e->key);

	*p = e->next;
	m->oldest = e->newer;
	if (m->oldest == NULL)
		m->newest = NULL;
	m->count--;
	free_entry(e);
}

void sim_map_clear(struct sim_map *m)
{
	pthread_mutex_lock(&m->lock);
	while (m->oldest)
		evict_oldest(m);
	pthread_mutex_unlock(&m->lock);
}

void sim_map_release(struct sim_map *m)
{
	if (m->buckets == NULL)
		return;
	sim_map_clear(m);
	free(m->buckets);
	m->buckets = NULL;
	pthread_mutex_destroy(&m->lock);
}

/* Called with the lock held; key must be absent. */
static enum os_status insert(struct sim_map *m, const char *key, const char *val)
{
	struct sim_map_entry *e = calloc(1, sizeof(*e));
	struct sim_map_entry **p;

	if (e == NULL)
		return OS_ENOMEM;
	e->key = strdup(key);
	e->val = strdup(val);
	if (e->key == NULL || e->val == NULL) {
		free_entry(e);
		return OS_ENOMEM;
	}
	if (m->count >= m->max_entries)
		evict_oldest(m);
	p = slot_of(m, key);
	*p = e;
	if (m->newest)
		m->newest->newer = e;
	else
		m->oldest = e;
	m->newest = e;
	m->count++;
	return OS_OK;
}

static enum os_status put(struct sim_map *m, const char *key, const char *val, bool replace)
{
	enum os_status st = OS_OK;
	struct sim_map_entry **p;
	char *copy;

	pthread_mutex_lock(&m->lock);
	p = slot_of(m, key);
	if (*p == NULL) {
		st = insert(m, key, val);
		goto out;
	}
	if (!replace) {
		st = OS_ECONFLICT;
		goto out;
	}
	copy = strdup(val);
	if (copy == NULL) {
		st = OS_ENOMEM;
		goto out;
	}
	free((*p)->val);
	(*p)->val = copy;
out:
	pthread_mutex_unlock(&m->lock);
	return st;
}

enum os_status sim_map_put(struct sim_map *m, const char *key, const char *val)
{
	return put(m, key, val, true);
}

enum os_status sim_map_add(struct sim_map *m, const char *key, const char *val)
{
	return put(m, key, val, false);
}

bool sim_map_get(struct sim_map *m, const char *key, char *out, size_t cap)
{
	struct sim_map_entry *e;

	pthread_mutex_lock(&m->lock);
	e = *slot_of(m, key);
	if (e != NULL)
		snprintf(out, cap, "%s", e->val);
	pthread_mutex_unlock(&m->lock);
	return e != NULL;
}
