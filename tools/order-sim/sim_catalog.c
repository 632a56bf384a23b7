/* Seed items of the simulated catalog. */
#include "tools/order-sim/sim_catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/json_write.h"
#include "domain/money.h"

#define ITEMS_PREFIX "/catalog/items/"

struct item {
	const char *id;
	const char *name;
	int64_t price_cents;
	int64_t available_qty;
};

/* sku-low has one unit so tests can provoke "not enough stock". */
static const struct item items[] = {
    {"sku-1", "Espresso beans 1 kg", 35000, 1000000},
    {"sku-2", "Ceramic mug", 1250, 1000000},
    {"sku-3", "Pour-over kettle", 8999, 1000000},
    {"sku-4", "Paper filters (100)", 499, 1000000},
    {"sku-5", "Hand grinder", 12900, 1000000},
    {"sku-6", "Milk frother", 4550, 1000000},
    {"sku-7", "Travel tumbler", 2100, 1000000},
    {"sku-8", "Digital scale", 3975, 1000000},
    {"sku-9", "Cold brew jar", 2800, 1000000},
    {"sku-10", "Barista apron", 1999, 1000000},
    {"sku-low", "Limited edition roaster", 99900, 1},
};

#define BENCH_PREFIX "item-"
#define BENCH_ITEMS  1000

/* item-N (1..BENCH_ITEMS, no leading zero): a synthetic item in *tmp. */
static const struct item *bench_item(const char *id, size_t len, struct item *tmp, char *name,
				     size_t cap)
{
	const size_t plen = sizeof(BENCH_PREFIX) - 1;
	int n = 0;
	size_t i;

	if (len <= plen || len > plen + 4 || memcmp(id, BENCH_PREFIX, plen) != 0 || id[plen] == '0')
		return NULL;
	for (i = plen; i < len; i++) {
		if (id[i] < '0' || id[i] > '9')
			return NULL;
		n = n * 10 + (id[i] - '0');
	}
	if (n < 1 || n > BENCH_ITEMS)
		return NULL;
	snprintf(name, cap, "Bench item %d", n);
	tmp->id = id;
	tmp->name = name;
	tmp->price_cents = 100 + n;
	tmp->available_qty = 1000000000;
	return tmp;
}

static const struct item *find_item(const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		if (strlen(items[i].id) == len && memcmp(items[i].id, id, len) == 0)
			return &items[i];
	return NULL;
}

void sim_catalog_get(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	const size_t plen = sizeof(ITEMS_PREFIX) - 1;
	const struct sim_catalog *cat = ctx;
	const struct item *it = NULL;
	struct item tmp;
	struct json_writer w;
	char name[32];
	struct sbuf sb;

	rep->hold_ms = cat->latency_ms;
	if (req->path_len > plen)
		it = find_item(req->path + plen, req->path_len - plen);
	if (it == NULL && req->path_len > plen)
		it = bench_item(req->path + plen, req->path_len - plen, &tmp, name, sizeof(name));
	if (it == NULL) {
		sim_reply_error(rep, 404, "not found");
		return;
	}
	sbuf_init(&sb, 1024);
	json_write_init(&w, &sb);
	json_write_object(&w, NULL);
	json_write_strn(&w, "id", req->path + plen, req->path_len - plen);
	json_write_str(&w, "name", it->name);
	json_write_money(&w, "price", it->price_cents);
	json_write_int(&w, "available_qty", it->available_qty);
	json_write_end(&w);
	sim_reply_json(rep, 200, &sb);
}

void sim_catalog_set_latency(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_catalog *cat = ctx;
	char v[16], *end;
	long ms;

	if (!sim_request_query(req, "ms", v, sizeof(v))) {
		sim_reply_error(rep, 400, "ms is required");
		return;
	}
	ms = strtol(v, &end, 10);
	if (end == v || *end != '\0' || ms < 0 || ms > 600000) {
		sim_reply_error(rep, 400, "ms must be 0..600000");
		return;
	}
	cat->latency_ms = (int)ms;
	sim_reply_ok(rep);
}
