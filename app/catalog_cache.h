/*
 * A read-through cache in front of any catalog port. Names and prices change
 * rarely and every order looks them up, so a time to live saves a round trip
 * per order on the hot path. Only answers that found the item are kept;
 * "unknown" and "unavailable" always go to the catalog; catalog_forget drops
 * entries at once.
 *
 * What a stale answer can cost:
 *  - stock: with the local inventory the create transaction checks and
 *    reserves stock itself, so the cache never lets an order oversell;
 *  - price: with the local inventory the create statement compares every
 *    line's price with the locked `inventory` row and writes nothing when
 *    one differs; the use case then forgets the order's items, prices them
 *    again from the table and retries once. A cached price is never charged
 *    after it changed, which is why the local inventory's default time to
 *    live is a minute (config.h). A remote catalog has no such check: its
 *    answers are trusted for ttl, hence its short default;
 *  - name: a line's name is the catalog's when it was cached (up to ttl old
 *    after a rename); it is descriptive only and not checked.
 *
 * An item may sit in any of the CATALOG_CACHE_WAYS slots of its set (the
 * oldest answer of a full set makes room), so that the catalog's hot items
 * do not keep evicting each other as in a direct-mapped table.
 *
 * One cache per thread (like the catalog port it wraps): no locking.
 */
#ifndef OS_CATALOG_CACHE_H
#define OS_CATALOG_CACHE_H

#include <stdint.h>

#include "app/catalog.h"
#include "app/sys.h"

#define CATALOG_CACHE_SLOTS	2048
#define CATALOG_CACHE_WAYS	8		/* an item may sit in any slot of its set */
#define CATALOG_CACHE_BATCH_MAX ORDER_MAX_ITEMS /* larger batches skip the cache */

struct catalog_cache_entry {
	char item_id[ORDER_ITEM_ID_MAX + 1]; /* "" = empty slot */
	struct catalog_item item;
	int64_t fetched_us;
};

struct catalog_cache {
	struct catalog inner; /* borrowed: outlives the cache */
	struct sys sys;
	int64_t ttl_us; /* <= 0: every lookup goes to inner */
	struct catalog_cache_entry slots[CATALOG_CACHE_SLOTS];
};

/* Sets up c over inner; allocates nothing. */
void catalog_cache_init(struct catalog_cache *c, struct catalog inner, struct sys sys,
			int64_t ttl_us);

/* The catalog port of c (valid while c lives). */
struct catalog catalog_cache_port(struct catalog_cache *c);

#endif
