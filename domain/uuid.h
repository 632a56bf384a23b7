/*
 * 16-byte UUIDs and their canonical text form (lowercase, 8-4-4-4-12).
 * Randomness is the caller's: the domain does no I/O.
 */
#ifndef OS_UUID_H
#define OS_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

#define UUID_STR_LEN 36

struct uuid {
	uint8_t b[16];
};

/* Parses exactly len bytes of canonical text (either case). out is written
 * only on success; OS_EINVAL otherwise. */
enum os_status uuid_parse(const char *s, size_t len, struct uuid *out);

/* Writes the canonical lowercase form and a NUL: out must hold 37 bytes. */
void uuid_format(const struct uuid *u, char out[UUID_STR_LEN + 1]);

/* A version 7 UUID: 48 bits of Unix milliseconds, then rnd (10 bytes used),
 * with the version and variant bits set. Time-ordered, so index friendly. */
void uuid_v7(struct uuid *out, int64_t unix_ms, const uint8_t rnd[10]);

bool uuid_equal(const struct uuid *a, const struct uuid *b);
bool uuid_is_nil(const struct uuid *u);

#endif
