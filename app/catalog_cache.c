/* A set-associative, time-limited cache of catalog answers. */
#include "app/catalog_cache.h"

#include <string.h>

/* The first slot of item_id's set of CATALOG_CACHE_WAYS slots. */
static struct catalog_cache_entry *set_of(struct catalog_cache *c, const char *item_id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *item_id != '\0'; item_id++)
		h = (h ^ (uint8_t)*item_id) * 16777619u;
	return &c->slots[(h % (CATALOG_CACHE_SLOTS / CATALOG_CACHE_WAYS)) * CATALOG_CACHE_WAYS];
}

/* The slot holding item_id, or NULL. */
static struct catalog_cache_entry *find(struct catalog_cache *c, const char *item_id)
{
	struct catalog_cache_entry *set = set_of(c, item_id);
	size_t w;

	for (w = 0; w < CATALOG_CACHE_WAYS; w++)
		if (strcmp(set[w].item_id, item_id) == 0)
			return &set[w];
	return NULL;
}

/* A fresh cached answer for item_id, or NULL. */
static const struct catalog_item *cache_hit(struct catalog_cache *c, const char *item_id,
					    int64_t now)
{
	const struct catalog_cache_entry *e;

	if (c->ttl_us <= 0 || strlen(item_id) > ORDER_ITEM_ID_MAX)
		return NULL;
	e = find(c, item_id);
	if (e != NULL && now - e->fetched_us < c->ttl_us && now >= e->fetched_us)
		return &e->item;
	return NULL;
}

/* Keeps item in item_id's slot, else an empty one, else the set's oldest. */
static void cache_store(struct catalog_cache *c, const char *item_id,
			const struct catalog_item *item, int64_t now)
{
	struct catalog_cache_entry *set, *e;
	size_t w;

	if (c->ttl_us <= 0 || strlen(item_id) > ORDER_ITEM_ID_MAX)
		return;
	e = find(c, item_id);
	set = set_of(c, item_id);
	for (w = 0; e == NULL && w < CATALOG_CACHE_WAYS; w++)
		if (set[w].item_id[0] == '\0')
			e = &set[w];
	if (e == NULL) {
		e = set;
		for (w = 1; w < CATALOG_CACHE_WAYS; w++)
			if (set[w].fetched_us < e->fetched_us)
				e = &set[w];
	}
	memcpy(e->item_id, item_id, strlen(item_id) + 1);
	e->item = *item;
	e->fetched_us = now;
}

static enum os_status cached_get(void *ctx, const char *item_id, struct catalog_item *out,
				 struct os_error *err)
{
	struct catalog_cache *c = ctx;
	int64_t now = sys_now_us(&c->sys);
	const struct catalog_item *hit = cache_hit(c, item_id, now);
	struct catalog_item fresh;
	enum os_status st;

	if (hit != NULL) {
		*out = *hit;
		return OS_OK;
	}
	st = catalog_get(&c->inner, item_id, &fresh, err);
	if (st != OS_OK)
		return st;
	cache_store(c, item_id, &fresh, now);
	*out = fresh;
	return OS_OK;
}

/* Answers the hits, asks inner for the misses in one batch. */
static void cached_get_many(void *ctx, const char *const *ids, size_t n, struct catalog_item *out,
			    enum os_status *st, struct os_error *err)
{
	struct catalog_cache *c = ctx;
	const char *miss_ids[CATALOG_CACHE_BATCH_MAX];
	struct catalog_item miss_out[CATALOG_CACHE_BATCH_MAX];
	enum os_status miss_st[CATALOG_CACHE_BATCH_MAX];
	size_t where[CATALOG_CACHE_BATCH_MAX];
	int64_t now = sys_now_us(&c->sys);
	size_t i, m = 0;

	if (n > CATALOG_CACHE_BATCH_MAX) {
		catalog_get_many(&c->inner, ids, n, out, st, err);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct catalog_item *hit = cache_hit(c, ids[i], now);

		st[i] = OS_OK;
		if (hit != NULL) {
			out[i] = *hit;
			continue;
		}
		where[m] = i;
		miss_ids[m++] = ids[i];
	}
	if (m == 0)
		return;
	catalog_get_many(&c->inner, miss_ids, m, miss_out, miss_st, err);
	for (i = 0; i < m; i++) {
		st[where[i]] = miss_st[i];
		if (miss_st[i] != OS_OK)
			continue;
		out[where[i]] = miss_out[i];
		cache_store(c, miss_ids[i], &miss_out[i], now);
	}
}

/* Empties the slots of ids. */
static void cached_forget(void *ctx, const char *const *ids, size_t n)
{
	struct catalog_cache *c = ctx;
	struct catalog_cache_entry *e;
	size_t i;

	for (i = 0; i < n; i++) {
		e = strlen(ids[i]) <= ORDER_ITEM_ID_MAX ? find(c, ids[i]) : NULL;
		if (e != NULL)
			e->item_id[0] = '\0';
	}
}

static const struct catalog_ops catalog_cache_ops = {
    .get = cached_get,
    .get_many = cached_get_many,
    .forget = cached_forget,
};

void catalog_cache_init(struct catalog_cache *c, struct catalog inner, struct sys sys,
			int64_t ttl_us)
{
	memset(c->slots, 0, sizeof(c->slots));
	c->inner = inner;
	c->sys = sys;
	c->ttl_us = ttl_us;
}

struct catalog catalog_cache_port(struct catalog_cache *c)
{
	struct catalog port = {&catalog_cache_ops, c};

	return port;
}
