/* A direct-mapped, time-limited cache of catalog answers. */
#include "catalog_cache.h"

#include <string.h>

static size_t slot_of(const char *item_id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *item_id != '\0'; item_id++)
		h = (h ^ (uint8_t)*item_id) * 16777619u;
	return h % CATALOG_CACHE_SLOTS;
}

static enum os_status cached_get(void *ctx, const char *item_id, struct catalog_item *out,
				 struct os_error *err)
{
	struct catalog_cache *c = ctx;
	struct catalog_cache_entry *e;
	struct catalog_item fresh;
	int64_t now;
	enum os_status st;

	if (c->ttl_us <= 0 || strlen(item_id) > ORDER_ITEM_ID_MAX)
		return catalog_get(&c->inner, item_id, out, err);
	e = &c->slots[slot_of(item_id)];
	now = sys_now_us(&c->sys);
	if (strcmp(e->item_id, item_id) == 0 && now - e->fetched_us < c->ttl_us &&
	    now >= e->fetched_us) {
		*out = e->item;
		return OS_OK;
	}
	st = catalog_get(&c->inner, item_id, &fresh, err);
	if (st != OS_OK)
		return st;
	memcpy(e->item_id, item_id, strlen(item_id) + 1);
	e->item = fresh;
	e->fetched_us = now;
	*out = fresh;
	return OS_OK;
}

static const struct catalog_ops catalog_cache_ops = {
	.get = cached_get,
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
	struct catalog port = { &catalog_cache_ops, c };

	return port;
}
