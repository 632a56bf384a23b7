/* A catalog port over a fixed table, with switches for "unreachable". */
#include <stdio.h>
#include <string.h>

#include "tests/fakes/fakes.h"

static enum os_status get_locked(struct fake_catalog *f, const char *item_id,
				 struct catalog_item *out, struct os_error *err)
{
	size_t i;

	f->calls++;
	if (f->watch_writes != NULL && *f->watch_writes > f->writes_seen)
		f->writes_seen = *f->watch_writes;
	if (f->down || (f->unavailable[0] != '\0' && strcmp(f->unavailable, item_id) == 0))
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog unreachable (fake)");
	for (i = 0; i < f->count; i++) {
		if (strcmp(f->items[i].item_id, item_id) == 0) {
			*out = f->items[i].item;
			return OS_OK;
		}
	}
	return os_fail(err, OS_ENOTFOUND, NULL, "no item %s (fake)", item_id);
}

static enum os_status fake_get(void *ctx, const char *item_id, struct catalog_item *out,
			       struct os_error *err)
{
	struct fake_catalog *f = ctx;
	enum os_status st;

	pthread_mutex_lock(&f->lock);
	st = get_locked(f, item_id, out, err);
	pthread_mutex_unlock(&f->lock);
	return st;
}

static const struct catalog_ops fake_catalog_ops = {
    .get = fake_get,
};

void fake_catalog_init(struct fake_catalog *f)
{
	fake_clear(f, sizeof(*f), &f->lock);
	f->catalog = (struct catalog){.ops = &fake_catalog_ops, .ctx = f};
}

void fake_catalog_add(struct fake_catalog *f, const char *item_id, const char *name,
		      int64_t price_cents, int64_t available_qty)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		if (strcmp(f->items[i].item_id, item_id) == 0)
			break;
	}
	if (i == FAKE_CATALOG_MAX)
		return;
	if (i == f->count)
		f->count++;
	snprintf(f->items[i].item_id, sizeof(f->items[i].item_id), "%s", item_id);
	snprintf(f->items[i].item.name, sizeof(f->items[i].item.name), "%s", name);
	f->items[i].item.price_cents = price_cents;
	f->items[i].item.available_qty = available_qty;
}
