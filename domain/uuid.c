/* UUID parsing, formatting and version 7 construction. */
#include "domain/uuid.h"

#include <string.h>

#include "domain/hex.h"

/* The text's five groups of hex digits: where each starts, how many bytes
 * it holds; a '-' follows each but the last. */
static const size_t group_at[] = {0, 9, 14, 19, 24};
static const size_t group_bytes[] = {4, 2, 2, 2, 6};

enum os_status uuid_parse(const char *s, size_t len, struct uuid *out)
{
	struct uuid u;
	size_t i, n = 0;

	if (s == NULL || len != UUID_STR_LEN)
		return OS_EINVAL;
	for (i = 0; i < 5; i++) {
		if (i > 0 && s[group_at[i] - 1] != '-')
			return OS_EINVAL;
		if (!hex_decode(s + group_at[i], group_bytes[i], &u.b[n]))
			return OS_EINVAL;
		n += group_bytes[i];
	}
	*out = u;
	return OS_OK;
}

void uuid_format(const struct uuid *u, char out[UUID_STR_LEN + 1])
{
	size_t i, n = 0;

	for (i = 0; i < 5; i++) {
		if (i > 0)
			out[group_at[i] - 1] = '-';
		hex_encode(&u->b[n], group_bytes[i], out + group_at[i]);
		n += group_bytes[i];
	}
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
