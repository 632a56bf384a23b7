/*
 * Hexadecimal, as UUIDs, digests and signatures spell it: the one place that
 * reads and writes it. hex_digit is inline: UUID parsing calls it for every
 * digit of every outbox row a relay claims.
 */
#ifndef OS_HEX_H
#define OS_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case): 0..15, or -1 for anything else. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Writes the n bytes of in as 2n lowercase hex digits and a NUL into out
 * (2n + 1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* Reads exactly 2n hex digits (either case) from s into n bytes of out;
 * false, with out partly written, on any other character. s must hold 2n
 * characters. */
bool hex_decode(const char *s, size_t n, uint8_t *out);

#endif
