/*
 * Handlers of the inventory routes (DESIGN §4): the local catalog's items,
 * read, listed (keyset by item_id, meta.next_after), replaced, and adjusted
 * atomically (409 when the stock would go below zero). Meant for the
 * `service` and `admin` roles.
 */
#include "infrastructure/http/api_inventory.h"

#include <stdio.h>
#include <string.h>

#include "app/inventory.h"
#include "domain/decimal.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/http/inventory_json.h"

static const struct inventory *inv(struct api_call *c)
{
	return &c->env->app->inventory;
}

/* Copies path parameter i as an item id into out (ORDER_ITEM_ID_MAX + 1);
 * answers 400 and returns false when it cannot be one. */
static bool param_item(struct api_call *c, size_t i, char *out)
{
	const struct api_param *p = &c->params[i];

	if (order_check_item_id(p->s, p->len) != OS_OK) {
		api_reply_error(c, 400, "must be 1 to 64 letters, digits or -_.:", "item_id", NULL);
		return false;
	}
	memcpy(out, p->s, p->len);
	out[p->len] = '\0';
	return true;
}

static void write_item(struct sbuf *sb, const void *it)
{
	inventory_json_item(sb, it);
}

static void reply_item(struct api_call *c, int status, const struct inventory_item *it)
{
	api_reply_data(c, status, write_item, it, NULL);
}

void api_inventory_get(struct api_call *c)
{
	struct inventory_item it;
	struct os_error err;
	char id[ORDER_ITEM_ID_MAX + 1];
	enum os_status st;

	if (!param_item(c, 0, id))
		return;
	os_error_clear(&err);
	st = inventory_get(inv(c), id, &it, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	reply_item(c, 200, &it);
}

void api_inventory_put(struct api_call *c)
{
	struct inventory_item it;
	struct os_error err;
	const char *body;
	bool created = false;
	size_t len;
	enum os_status st;

	memset(&it, 0, sizeof(it));
	if (!param_item(c, 0, it.item_id))
		return;
	os_error_clear(&err);
	body = api_call_body(c, &len);
	st = inventory_json_decode_put(body, len, &it, &err);
	if (api_replied_failure(c, st, &err, true))
		return;
	st = inventory_put(inv(c), &it, &created, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	if (created) {
		char loc[sizeof("/api/v1/inventory/") + ORDER_ITEM_ID_MAX];
		int n = snprintf(loc, sizeof(loc), "/api/v1/inventory/%s", it.item_id);

		/* An item id is letters, digits and -_.: only: nothing to escape. */
		api_add_header(c, "location", loc, n > 0 ? (size_t)n : 0);
	}
	reply_item(c, created ? 201 : 200, &it);
}

void api_inventory_adjust(struct api_call *c)
{
	struct inventory_item it;
	struct os_error err;
	char id[ORDER_ITEM_ID_MAX + 1];
	const char *body;
	int64_t delta = 0;
	size_t len;
	enum os_status st;

	if (!param_item(c, 0, id))
		return;
	os_error_clear(&err);
	body = api_call_body(c, &len);
	st = inventory_json_decode_adjust(body, len, &delta, &err);
	if (api_replied_failure(c, st, &err, true))
		return;
	st = inventory_adjust(inv(c), id, delta, &it, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	reply_item(c, 200, &it);
}

/* Reads limit (1..INVENTORY_LIST_MAX) and after (an item id); answers 400
 * and returns false on a bad one. */
static bool list_query(struct api_call *c, char *after, size_t *limit)
{
	char v[16];
	int64_t n = 0;
	int q;

	q = api_call_query(c, "after", after, ORDER_ITEM_ID_MAX + 1);
	if (q < 0 ||
	    (q == 1 && order_check_ident(after, strlen(after), ORDER_ITEM_ID_MAX) != OS_OK)) {
		api_reply_error(c, 400, "must be an item id", "after", NULL);
		return false;
	}
	if (q == 0)
		after[0] = '\0';
	q = api_call_query(c, "limit", v, sizeof(v));
	if (q < 0 || (q == 1 && !decimal_parse(v, strlen(v), 1, INVENTORY_LIST_MAX, &n))) {
		api_reply_error(c, 400, "must be an integer from 1 to 100", "limit", NULL);
		return false;
	}
	*limit = q == 1 ? (size_t)n : INVENTORY_LIST_DEFAULT;
	return true;
}

void api_inventory_list(struct api_call *c)
{
	struct inventory_item items[INVENTORY_LIST_MAX];
	char after[ORDER_ITEM_ID_MAX + 1], meta[ORDER_ITEM_ID_MAX * 2 + 32];
	struct os_error err;
	size_t limit = 0, n = 0;
	enum os_status st;

	if (!list_query(c, after, &limit))
		return;
	os_error_clear(&err);
	st = inventory_list(inv(c), after, limit, items, &n, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	/* Item ids hold no quote or backslash (order_check_ident). */
	if (n > 0 && n == limit)
		snprintf(meta, sizeof(meta), "\"next_after\":\"%s\"", items[n - 1].item_id);
	else
		snprintf(meta, sizeof(meta), "\"next_after\":null");
	api_reply_array(c, 200, write_item, items, sizeof(items[0]), n, meta);
}
