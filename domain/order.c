/* The order aggregate's invariants: status names, totals, identifier rules. */
#include "domain/order.h"

#include <string.h>

#include "domain/money.h"
#include "domain/names.h"

static const char *const status_names[] = {
    [ORDER_NEW] = "new",
    [ORDER_PAID] = "paid",
    [ORDER_SHIPPED] = "shipped",
    [ORDER_DELIVERED] = "delivered",
    [ORDER_CANCELLED] = "cancelled",
};

const char *order_status_name(enum order_status s)
{
	if ((size_t)s >= NAMES_COUNT(status_names))
		return "unknown";
	return status_names[s];
}

enum os_status order_status_parse(const char *s, size_t len, enum order_status *out)
{
	int i = names_index(status_names, NAMES_COUNT(status_names), s, len);

	if (i < 0)
		return OS_EINVAL;
	*out = (enum order_status)i;
	return OS_OK;
}

bool order_status_is_terminal(enum order_status s)
{
	return s == ORDER_DELIVERED || s == ORDER_CANCELLED;
}

enum os_status order_total(const struct order *o, int64_t *out)
{
	int64_t total = 0;
	size_t i;

	for (i = 0; i < o->item_count; i++) {
		int64_t line;

		if (money_mul(o->items[i].unit_price_cents, o->items[i].quantity, &line) != OS_OK ||
		    money_add(total, line, &total) != OS_OK)
			return OS_EINVAL;
	}
	*out = total;
	return OS_OK;
}

enum os_status order_check_ident(const char *s, size_t len, size_t max)
{
	size_t i;

	if (s == NULL || len == 0 || len > max)
		return OS_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return OS_EINVAL;
	}
	return OS_OK;
}

static const char *const source_names[] = {
    [ORDER_SOURCE_API] = "api",
    [ORDER_SOURCE_WEBHOOK] = "webhook",
};

const char *order_source_name(enum order_source s)
{
	return s == ORDER_SOURCE_WEBHOOK ? source_names[s] : source_names[ORDER_SOURCE_API];
}

enum os_status order_source_parse(const char *s, size_t len, enum order_source *out)
{
	int i = names_index(source_names, NAMES_COUNT(source_names), s, len);

	if (i < 0)
		return OS_EINVAL;
	*out = (enum order_source)i;
	return OS_OK;
}

enum os_status order_check_text(const char *s, size_t len, size_t max, bool lines)
{
	size_t i;

	if (s == NULL || len > max)
		return OS_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && !(lines && c == '\n')) || c == 0x7f)
			return OS_EINVAL;
	}
	return OS_OK;
}

enum os_status order_check_email(const char *s, size_t len, size_t max)
{
	const char *at;
	size_t i;

	if (s == NULL || len < 3 || len > max)
		return OS_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f)
			return OS_EINVAL;
	}
	at = memchr(s, '@', len);
	if (at == NULL || at == s || at == s + len - 1 ||
	    memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return OS_EINVAL;
	return OS_OK;
}

bool order_has_customer(const struct order *o)
{
	return o->customer.name[0] != '\0' || o->customer.email[0] != '\0';
}

enum os_status order_check_item_id(const char *s, size_t len)
{
	size_t i, dots = 0;

	if (s == NULL || len == 0 || len > ORDER_ITEM_ID_MAX)
		return OS_EINVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';

		if (!ok)
			return OS_EINVAL;
		dots += c == '.';
	}
	return dots == len && len <= 2 ? OS_EINVAL : OS_OK;
}
