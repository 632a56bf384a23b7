/* UUID parsing, formatting and version 7 construction. */
#include "domain/uuid.h"

#include <string.h>

#include "domain/hex.h"

enum os_status uuid_parse(const char *s, size_t len, struct uuid *out)
{
	struct uuid u;
	size_t i, n = 0;

	if (s == NULL || len != UUID_STR_LEN)
		return OS_EINVAL;
	for (i = 0; i < len;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return OS_EINVAL;
			i++;
			continue;
		}
		hi = hex_digit(s[i]);
		lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return OS_EINVAL;
		u.b[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*out = u;
	return OS_OK;
}

void uuid_format(const struct uuid *u, char out[UUID_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u->b[i] >> 4];
		out[o++] = hex[u->b[i] & 0xf];
	}
	out[o] = '\0';
}

void uuid_v7(struct uuid *out, int64_t unix_ms, const uint8_t rnd[10])
{
	uint64_t ms = (uint64_t)unix_ms;
	int i;

	for (i = 0; i < 6; i++)
		out->b[i] = (uint8_t)(ms >> (8 * (5 - i)));
	memcpy(&out->b[6], rnd, 10);
	out->b[6] = (uint8_t)(0x70 | (out->b[6] & 0x0f));
	out->b[8] = (uint8_t)(0x80 | (out->b[8] & 0x3f));
}

bool uuid_equal(const struct uuid *a, const struct uuid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

bool uuid_is_nil(const struct uuid *u)
{
	static const struct uuid nil;

	return uuid_equal(u, &nil);
}
