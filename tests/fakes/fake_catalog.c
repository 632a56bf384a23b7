/*
 * One table of items, kept in item_id order, behind two ports as the real
 * `inventory` table is: the catalog port (get, with switches for
 * "unreachable" and a watch on repository writes) and the inventory port
 * (get, list after an id, put that inserts or replaces, and an adjustment
 * that refuses to leave 0..INVENTORY_QTY_MAX, as the real table's
 * conditional update does). A catalog knob acts on catalog calls only, an
 * inventory knob on inventory calls only; each inventory call records its
 * kind and arguments.
 */
#include <stdio.h>
#include <string.h>

#include "tests/fakes/fakes.h"

/* Index of item_id, or of the first item after it (then *found is false). */
static size_t find(const struct fake_catalog *f, const char *item_id, bool *found)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		int c = strcmp(f->items[i].item_id, item_id);

		if (c >= 0) {
			*found = c == 0;
			return i;
		}
	}
	*found = false;
	return f->count;
}

/* Stores item in its place; OS_EIO when a new item does not fit. */
static enum os_status store(struct fake_catalog *f, const struct inventory_item *item,
			    bool *created, struct os_error *err)
{
	bool found;
	size_t i = find(f, item->item_id, &found);

	if (!found) {
		if (f->count == FAKE_CATALOG_MAX)
			return os_fail(err, OS_EIO, NULL, "inventory full (fake)");
		memmove(&f->items[i + 1], &f->items[i], (f->count - i) * sizeof(f->items[0]));
		f->count++;
	}
	f->items[i] = *item;
	*created = !found;
	return OS_OK;
}

/* ---- the catalog port ---- */

static enum os_status lookup_locked(struct fake_catalog *f, const char *item_id,
				    struct catalog_item *out, struct os_error *err)
{
	const struct inventory_item *it;
	bool found;
	size_t i;

	f->calls++;
	if (f->watch_writes != NULL && *f->watch_writes > f->writes_seen)
		f->writes_seen = *f->watch_writes;
	if (f->down || (f->unavailable[0] != '\0' && strcmp(f->unavailable, item_id) == 0))
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog unreachable (fake)");
	i = find(f, item_id, &found);
	if (!found)
		return os_fail(err, OS_ENOTFOUND, NULL, "no item %s (fake)", item_id);
	it = &f->items[i];
	memcpy(out->name, it->name, sizeof(out->name));
	out->price_cents = it->price_cents;
	out->available_qty = it->available_qty;
	return OS_OK;
}

static enum os_status fake_lookup(void *ctx, const char *item_id, struct catalog_item *out,
				  struct os_error *err)
{
	struct fake_catalog *f = ctx;
	enum os_status st;

	pthread_mutex_lock(&f->lock);
	st = lookup_locked(f, item_id, out, err);
	pthread_mutex_unlock(&f->lock);
	return st;
}

static const struct catalog_ops fake_catalog_ops = {
    .get = fake_lookup,
};

/* ---- the inventory port ---- */

/* Each call holds the lock, records itself, then asks inventory_up (and
 * inventory_find) before its work. */

static enum os_status inventory_up(const struct fake_catalog *f, struct os_error *err)
{
	if (f->fail_with == OS_OK)
		return OS_OK;
	return os_fail(err, f->fail_with, NULL, "inventory down (fake)");
}

/* The index of item_id into *i, once the inventory is up. */
static enum os_status inventory_find(const struct fake_catalog *f, const char *item_id, size_t *i,
				     struct os_error *err)
{
	enum os_status st = inventory_up(f, err);
	bool found;

	if (st != OS_OK)
		return st;
	*i = find(f, item_id, &found);
	if (!found)
		return os_fail(err, OS_ENOTFOUND, "item_id", "no item %s (fake)", item_id);
	return OS_OK;
}

static enum os_status fake_get(void *ctx, const char *item_id, struct inventory_item *out,
			       struct os_error *err)
{
	struct fake_catalog *f = ctx;
	enum os_status st;
	size_t i;

	pthread_mutex_lock(&f->lock);
	f->gets++;
	snprintf(f->last_item_id, sizeof(f->last_item_id), "%s", item_id);
	st = inventory_find(f, item_id, &i, err);
	if (st == OS_OK)
		*out = f->items[i];
	pthread_mutex_unlock(&f->lock);
	return st;
}

static enum os_status fake_list(void *ctx, const char *after, size_t limit,
				struct inventory_item *out, size_t *n, struct os_error *err)
{
	struct fake_catalog *f = ctx;
	enum os_status st;
	size_t i, got = 0;

	pthread_mutex_lock(&f->lock);
	f->lists++;
	snprintf(f->last_after, sizeof(f->last_after), "%s", after);
	f->last_limit = limit;
	st = inventory_up(f, err);
	for (i = 0; st == OS_OK && i < f->count && got < limit; i++)
		if (strcmp(f->items[i].item_id, after) > 0)
			out[got++] = f->items[i];
	if (st == OS_OK)
		*n = got;
	pthread_mutex_unlock(&f->lock);
	return st;
}

static enum os_status fake_put(void *ctx, const struct inventory_item *item, bool *created,
			       struct os_error *err)
{
	struct fake_catalog *f = ctx;
	enum os_status st;

	pthread_mutex_lock(&f->lock);
	f->puts++;
	f->last_put = *item;
	st = inventory_up(f, err);
	if (st == OS_OK)
		st = store(f, item, created, err);
	pthread_mutex_unlock(&f->lock);
	return st;
}

static enum os_status fake_adjust(void *ctx, const char *item_id, int64_t delta,
				  struct inventory_item *out, struct os_error *err)
{
	struct fake_catalog *f = ctx;
	struct inventory_item *it;
	enum os_status st;
	size_t i;

	pthread_mutex_lock(&f->lock);
	f->adjusts++;
	snprintf(f->last_item_id, sizeof(f->last_item_id), "%s", item_id);
	f->last_delta = delta;
	st = inventory_find(f, item_id, &i, err);
	if (st != OS_OK)
		goto out;
	it = &f->items[i];
	/* Written so that no delta overflows: stock is within 0..QTY_MAX. */
	if ((delta < 0 && it->available_qty + delta < 0) ||
	    (delta > 0 && it->available_qty > INVENTORY_QTY_MAX - delta)) {
		st = os_fail(err, OS_ECONFLICT, "delta", "stock would leave 0..%lld (fake)",
			     (long long)INVENTORY_QTY_MAX);
		goto out;
	}
	it->available_qty += delta;
	*out = *it;
out:
	pthread_mutex_unlock(&f->lock);
	return st;
}

static const struct inventory_ops fake_inventory_ops = {
    .get = fake_get,
    .list = fake_list,
    .put = fake_put,
    .adjust = fake_adjust,
};

/* ---- the table ---- */

void fake_catalog_init(struct fake_catalog *f)
{
	fake_clear(f, sizeof(*f), &f->lock);
	f->catalog = (struct catalog){.ops = &fake_catalog_ops, .ctx = f};
	f->inventory = (struct inventory){.ops = &fake_inventory_ops, .ctx = f};
}

bool fake_catalog_add(struct fake_catalog *f, const char *item_id, const char *name,
		      int64_t price_cents, int64_t available_qty)
{
	struct inventory_item it;
	bool created;

	memset(&it, 0, sizeof(it));
	snprintf(it.item_id, sizeof(it.item_id), "%s", item_id);
	snprintf(it.name, sizeof(it.name), "%s", name);
	it.price_cents = price_cents;
	it.available_qty = available_qty;
	return store(f, &it, &created, NULL) == OS_OK;
}
