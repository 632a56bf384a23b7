/*
 * The order aggregate: an order, its priced lines and its status. Sizes are
 * bounded here once, and every layer (JSON codec, SQL, tests) uses these
 * bounds rather than its own.
 */
#ifndef OS_ORDER_H
#define OS_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "uuid.h"

#define ORDER_USER_ID_MAX 64     /* bytes of user_id, without NUL */
#define ORDER_ITEM_ID_MAX 64     /* bytes of item_id, without NUL */
#define ORDER_ITEM_NAME_MAX 128  /* bytes of a catalog name, without NUL */
#define ORDER_MAX_ITEMS 50       /* lines in one order */
#define ORDER_MAX_QUANTITY 10000 /* units on one line */
#define ORDER_REASON_MAX 128     /* bytes of a history reason, without NUL */
#define ORDER_CURRENCY_LEN 3     /* ISO 4217 code */

enum order_status {
	ORDER_NEW = 0,
	ORDER_PAID,
	ORDER_SHIPPED,
	ORDER_DELIVERED,
	ORDER_CANCELLED,
};

struct order_item {
	char item_id[ORDER_ITEM_ID_MAX + 1];
	char name[ORDER_ITEM_NAME_MAX + 1];
	int32_t quantity;
	int64_t unit_price_cents;
};

struct order {
	struct uuid id;
	char user_id[ORDER_USER_ID_MAX + 1];
	enum order_status status;
	int64_t amount_cents;
	char currency[ORDER_CURRENCY_LEN + 1];
	struct uuid idempotency_key;
	int64_t created_at_us; /* Unix microseconds */
	int64_t updated_at_us;
	int32_t version;       /* bumped by every transition */
	size_t item_count;
	struct order_item items[ORDER_MAX_ITEMS];
};

/* One row of an order's status history. from is meaningless when has_from is
 * false (the creation row). */
struct order_history_entry {
	bool has_from;
	enum order_status from;
	enum order_status to;
	char reason[ORDER_REASON_MAX + 1];
	int64_t at_us;
};

/* "new", "paid", ... */
const char *order_status_name(enum order_status s);

/* Parses a status name; *out written only on success (OS_EINVAL otherwise). */
enum os_status order_status_parse(const char *s, size_t len, enum order_status *out);

bool order_status_is_terminal(enum order_status s);

/* Sum of quantity * unit price over the lines, overflow-checked. *out is
 * written only on success. */
enum os_status order_total(const struct order *o, int64_t *out);

/*
 * Checks the bounds of an identifier-like string (user_id, item_id): 1..max
 * bytes, printable ASCII without spaces or quotes. OS_EINVAL otherwise.
 */
enum os_status order_check_ident(const char *s, size_t len, size_t max);

/*
 * Checks an item id: 1..ORDER_ITEM_ID_MAX bytes of [A-Za-z0-9._:-], and not
 * "." or "..". Item ids end up in catalog URLs: nothing in them may walk
 * the catalog host's paths or need more than plain escaping.
 */
enum os_status order_check_item_id(const char *s, size_t len);

#endif
