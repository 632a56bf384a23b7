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

#include "domain/status.h"
#include "domain/uuid.h"

#define ORDER_USER_ID_MAX   64	  /* bytes of user_id, without NUL */
#define ORDER_ITEM_ID_MAX   64	  /* bytes of item_id, without NUL */
#define ORDER_ITEM_NAME_MAX 128	  /* bytes of a catalog name, without NUL */
#define ORDER_MAX_ITEMS	    50	  /* lines in one order */
#define ORDER_MAX_QUANTITY  10000 /* units on one line */
#define ORDER_REASON_MAX    128	  /* bytes of a history reason, without NUL */
#define ORDER_CURRENCY_LEN  3	  /* ISO 4217 code */
/* Customer, address and external reference (DESIGN §4, §6). Each is "" when
 * absent. The shipping address is one free-text string (lines separated by
 * newlines), as the original service stored it. */
#define ORDER_CUSTOMER_NAME_MAX	 128 /* bytes of the customer's name */
#define ORDER_CUSTOMER_EMAIL_MAX 254 /* bytes of an e-mail address (RFC 5321) */
#define ORDER_ADDRESS_MAX	 512 /* bytes of the shipping address */
#define ORDER_EXTERNAL_REF_MAX	 64  /* bytes of a shop platform's order id */

enum order_status {
	ORDER_NEW = 0,
	ORDER_PAID,
	ORDER_SHIPPED,
	ORDER_DELIVERED,
	ORDER_CANCELLED,
};

/* Where an order came from: the public API or a shop's ingress webhook. */
enum order_source {
	ORDER_SOURCE_API = 0,
	ORDER_SOURCE_WEBHOOK,
};

struct order_customer {
	char name[ORDER_CUSTOMER_NAME_MAX + 1]; /* "" when no customer is known */
	char email[ORDER_CUSTOMER_EMAIL_MAX + 1];
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
	int32_t version; /* bumped by every transition */
	enum order_source source;
	struct order_customer customer;
	char shipping_address[ORDER_ADDRESS_MAX + 1];
	char external_ref[ORDER_EXTERNAL_REF_MAX + 1]; /* unique when not "" */
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

/* "api" or "webhook". */
const char *order_source_name(enum order_source s);
/* Parses a source name; *out written only on success (OS_EINVAL otherwise). */
enum os_status order_source_parse(const char *s, size_t len, enum order_source *out);

/*
 * Checks free text (a name, an address) of len bytes: at most max bytes and
 * no control character other than a newline when lines is true. UTF-8
 * validity is the decoder's. OS_EINVAL otherwise.
 */
enum os_status order_check_text(const char *s, size_t len, size_t max, bool lines);

/* Checks an e-mail address: 3..max bytes, one '@' with text on both sides,
 * no space or control character. OS_EINVAL otherwise. */
enum os_status order_check_email(const char *s, size_t len, size_t max);

/* True when the customer has a name or an e-mail address. */
bool order_has_customer(const struct order *o);

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
