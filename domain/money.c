/* Integer-cent money: parsing, formatting and overflow-checked arithmetic. */
#include "domain/money.h"

#include <stdio.h>

enum os_status money_parse(const char *s, size_t len, int64_t *cents)
{
	int64_t whole = 0, frac = 0;
	size_t i = 0, fdigits = 0;

	if (s == NULL || len == 0)
		return OS_EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (whole > MONEY_MAX_CENTS / 1000)
			return OS_EINVAL;
		whole = whole * 10 + (s[i] - '0');
	}
	if (i == 0)
		return OS_EINVAL;
	if (i < len) {
		if (s[i] != '.' || i + 1 == len)
			return OS_EINVAL;
		for (i++; i < len; i++, fdigits++) {
			if (s[i] < '0' || s[i] > '9' || fdigits == 2)
				return OS_EINVAL;
			frac = frac * 10 + (s[i] - '0');
		}
		if (fdigits == 1)
			frac *= 10;
	}
	if (whole > (MONEY_MAX_CENTS - frac) / 100)
		return OS_EINVAL;
	*cents = whole * 100 + frac;
	return OS_OK;
}

size_t money_format(int64_t cents, char *buf, size_t cap)
{
	int64_t abs = cents < 0 ? -cents : cents;
	int n = snprintf(buf, cap, "%s%lld.%02lld", cents < 0 ? "-" : "", (long long)(abs / 100),
			 (long long)(abs % 100));

	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

enum os_status money_mul(int64_t cents, int64_t qty, int64_t *out)
{
	if (cents < 0 || qty < 0)
		return OS_EINVAL;
	if (qty != 0 && cents > MONEY_MAX_CENTS / qty)
		return OS_EINVAL;
	*out = cents * qty;
	return OS_OK;
}

enum os_status money_add(int64_t a, int64_t b, int64_t *out)
{
	if (a < 0 || b < 0 || a > MONEY_MAX_CENTS - b)
		return OS_EINVAL;
	*out = a + b;
	return OS_OK;
}
