/* The one reader of a decimal integer; see decimal.h. */
#include "domain/decimal.h"

bool decimal_parse(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out)
{
	bool neg = len > 0 && s[0] == '-';
	uint64_t cap = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	int64_t value;
	size_t i = neg ? 1 : 0;

	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (cap - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg && v == 0)
		return false;
	if (!neg)
		value = (int64_t)v;
	else if (v == cap)
		value = INT64_MIN;
	else
		value = -(int64_t)v;
	if (value < lo || value > hi)
		return false;
	*out = value;
	return true;
}
