/*
 * Hexadecimal digits, as UUIDs and signatures spell them. Inline: UUID
 * parsing calls it for every digit of every outbox row a relay claims.
 */
#ifndef OS_HEX_H
#define OS_HEX_H

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

#endif
